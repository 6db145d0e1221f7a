"""What each API key has spent today (UTC), for the optional daily cap. In process only."""

from __future__ import annotations

import hashlib
import time


class DailySpend:
    def __init__(self) -> None:
        self._spent: dict[tuple[str, str], float] = {}  # (key digest, UTC day) -> USD

    @staticmethod
    def _slot(api_key: str) -> tuple[str, str]:
        return hashlib.sha256(api_key.encode()).hexdigest(), time.strftime("%Y-%m-%d", time.gmtime())

    def today(self, api_key: str) -> float:
        return self._spent.get(self._slot(api_key), 0.0)

    def add(self, api_key: str, usd: float) -> None:
        slot = self._slot(api_key)
        # Yesterday's entries are dropped as soon as a new day's spending starts.
        if slot not in self._spent:
            self._spent = {key: value for key, value in self._spent.items() if key[1] == slot[1]}
        self._spent[slot] = self._spent.get(slot, 0.0) + usd
