"""The accounting ticker: one timer that visits every running generation once per interval.

The visits are spread over the interval in slices, so each generation is ticked
once per interval but no single wake-up holds the event loop long enough to delay
the tokens queued behind it (a `progress` event and a token count for every stream
at once would).

Whatever one item's tick raises (pyo3's `PanicException` is a `BaseException`) is
logged and the other items are still ticked: one stream must never stop progress,
cost and budgets for every other. Only cancellation and the interpreter's own
exits (KeyboardInterrupt, SystemExit) go through.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from typing import Protocol

logger = logging.getLogger("splice_relay.ticker")

SLICES = 50  # wake-ups per interval (every 5 ms at the default 0.25 s); a generation is in one slice


class Tickable(Protocol):
    def tick(self, now: float) -> None: ...


class Ticker:
    """Calls `tick(now)` on every added object once per `interval_s`, a slice at a time."""

    def __init__(self, interval_s: float, slices: int = SLICES) -> None:
        self.interval_s = interval_s
        self._slices: list[set[Tickable]] = [set() for _ in range(slices)]
        self._slice_of: dict[Tickable, int] = {}
        self._next_slice = itertools.cycle(range(slices))
        self._failing: set[Tickable] = set()  # items whose tick raised: the traceback is logged once per item

    def __len__(self) -> int:
        return len(self._slice_of)

    def add(self, item: Tickable) -> None:
        index = next(self._next_slice)  # round robin keeps the slices even
        self._slice_of[item] = index
        self._slices[index].add(item)

    def discard(self, item: Tickable) -> None:
        index = self._slice_of.pop(item, None)
        if index is not None:
            self._slices[index].discard(item)
        self._failing.discard(item)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        step = self.interval_s / len(self._slices)
        due = loop.time()
        for index in itertools.cycle(range(len(self._slices))):
            due += step
            await asyncio.sleep(max(0.0, due - loop.time()))
            if loop.time() - due > self.interval_s:  # the loop was blocked: do not run a backlog of slices
                due = loop.time()
            now = time.monotonic()
            for item in list(self._slices[index]):
                try:
                    item.tick(now)
                except (asyncio.CancelledError, KeyboardInterrupt, SystemExit):
                    raise
                except BaseException as exc:  # one stream's accounting must not stop the others'
                    self._failed(item, exc)

    def _failed(self, item: Tickable, exc: BaseException) -> None:
        """Log a failed tick: the traceback the first time for this item, later ones only at debug level."""
        if item in self._failing:
            logger.debug("accounting tick failed again for %r: %s: %.200s", item, type(exc).__name__, exc)
            return
        if item in self._slice_of:
            self._failing.add(item)
        logger.error("accounting tick failed for %r", item, exc_info=exc)
