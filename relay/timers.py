"""One loop timer for the deadlines of every stream: keep-alive pings, attempt watchdogs, maximum durations.

A timer of the event loop costs about half a kilobyte (its handle, the libuv timer, a
copy of the context, a bound method); a waiting stream held three. Here a deadline is an
entry of the process's `Wheel`: its time is rounded up to a slot, the entries due in one
slot share it, and one `call_at` wakes the earliest slot. An entry is the object itself,
whose `timer_due()` is called: no handle and no bound method per deadline, and a slot
with one entry holds it bare. A slot is 10 ms for a deadline within a second, 100 ms
within ten seconds, else one second, so a deadline fires at most 1 % of its delay (and
10 ms) late, and the far ones of many streams (maximum durations, first-token timeouts,
pings) share few slots.
"""

from __future__ import annotations

import asyncio
import heapq
import math
import weakref
from typing import Protocol

RESOLUTION = 0.01  # seconds: the finest slot


class Due(Protocol):
    """What a wheel holds: an object told when its deadline came (`timer_slot` is the wheel's, None when unset)."""

    timer_slot: int | None

    def timer_due(self) -> None: ...


def _slot(when: float, now: float) -> int:
    """`when`'s slot, in units of RESOLUTION: rounded up to 1, 10 or 100 of them by how far away it is."""
    ticks = math.ceil(when / RESOLUTION)
    delay = when - now
    step = 1 if delay <= 1.0 else 10 if delay <= 10.0 else 100
    return -(-ticks // step) * step


class Wheel:
    """The deadlines of one event loop, in slots woken by one loop timer."""

    __slots__ = ("_buckets", "_slots", "_timer", "_armed", "_floor", "_firing")

    def __init__(self) -> None:
        self._buckets: dict[int, Due | dict[Due, None]] = {}  # slot -> its entry, or its entries (a dict: ordered)
        self._slots: list[int] = []  # a heap of the slots with a bucket (some may be gone: skipped when popped)
        self._timer: asyncio.TimerHandle | None = None
        self._armed: int | None = None
        self._floor = -1  # slots up to here are being (or have been) fired
        self._firing = False

    def __len__(self) -> int:
        return sum(len(bucket) if isinstance(bucket, dict) else 1 for bucket in self._buckets.values())

    def set(self, entry: Due, when: float) -> None:
        """Call `entry.timer_due()` at loop time `when` (or a little later), instead of any earlier setting."""
        if entry.timer_slot is not None:
            self.cancel(entry)
        loop = asyncio.get_running_loop()
        # never into a slot being fired: float rounding could bounce an entry between this slot and the next
        slot = max(_slot(when, loop.time()), self._floor + 1)
        entry.timer_slot = slot
        buckets = self._buckets
        bucket = buckets.get(slot)
        if bucket is not None:
            if isinstance(bucket, dict):
                bucket[entry] = None
            else:
                buckets[slot] = {bucket: None, entry: None}
            return  # the timer is armed for the earliest slot, never later than this one
        buckets[slot] = entry
        heapq.heappush(self._slots, slot)
        if not self._firing and (self._armed is None or slot < self._armed):
            self._arm(loop, slot)

    def cancel(self, entry: Due) -> None:
        """Forget `entry`'s deadline, if it has one."""
        slot, entry.timer_slot = entry.timer_slot, None
        if slot is None:
            return
        buckets = self._buckets
        bucket = buckets.get(slot)
        if isinstance(bucket, dict):
            bucket.pop(entry, None)
            if bucket:
                return
        elif bucket is not entry:
            return
        del buckets[slot]  # its slot stays in the heap until popped: a plain int
        if not buckets and not self._firing:  # nothing left: no timer keeps the loop (and this wheel) alive
            if self._timer is not None:
                self._timer.cancel()
            self._timer = self._armed = None
            self._slots.clear()

    def _arm(self, loop: asyncio.AbstractEventLoop, slot: int) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._armed = slot
        self._timer = loop.call_at(slot * RESOLUTION, self._fire)

    def _fire(self) -> None:
        loop = asyncio.get_running_loop()
        armed = self._armed if self._armed is not None else 0
        self._timer = self._armed = None
        now = max(loop.time(), armed * RESOLUTION)
        limit = self._floor = max(armed, math.floor(now / RESOLUTION))
        slots, buckets = self._slots, self._buckets
        self._firing = True
        try:
            while slots and slots[0] <= limit:
                slot = heapq.heappop(slots)
                bucket = buckets.pop(slot, None)
                if bucket is None:
                    continue
                entries: list[Due] | tuple[Due] = list(bucket) if isinstance(bucket, dict) else (bucket,)
                for entry in entries:
                    if entry.timer_slot != slot:  # cancelled or moved by an entry fired before it
                        continue
                    entry.timer_slot = None
                    try:
                        entry.timer_due()
                    except Exception as exc:  # one entry's bug must not stop the others' deadlines
                        loop.call_exception_handler({"message": "a deadline's callback failed", "exception": exc})
        finally:
            self._firing = False
        while slots and slots[0] not in buckets:  # slots whose entries were all cancelled
            heapq.heappop(slots)
        if slots:
            self._arm(loop, slots[0])


_wheels: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Wheel] = weakref.WeakKeyDictionary()


def wheel() -> Wheel:
    """The running loop's wheel."""
    loop = asyncio.get_running_loop()
    found = _wheels.get(loop)
    if found is None:
        found = _wheels[loop] = Wheel()  # it holds the loop only while its timer is armed
    return found
