"""The process's deadline wheel (relay/timers.py): every deadline fires once, on time, unless cancelled or moved."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, MutableMapping
from typing import Any

from relay.sse import SSEResponse
from relay.timers import RESOLUTION, Wheel, wheel


class Entry:
    """A deadline that notes when it fired, and may act on the wheel when it does."""

    def __init__(self, name: str, on_due: Any = None) -> None:
        self.name = name
        self.timer_slot: int | None = None
        self.fired: list[float] = []
        self.on_due = on_due

    def timer_due(self) -> None:
        self.fired.append(asyncio.get_running_loop().time())
        if self.on_due is not None:
            self.on_due()


def test_deadlines_fire_once_in_order_never_early_and_within_their_slot() -> None:
    async def main() -> list[tuple[Entry, float]]:
        loop = asyncio.get_running_loop()
        now = loop.time()
        planned = [(Entry(f"e{i}"), now + delay) for i, delay in enumerate([0.3, 0.05, 0.05, 0.12, 0.0, 1.5, 0.2])]
        for entry, when in planned:
            wheel().set(entry, when)
        await asyncio.sleep(1.8)
        return planned

    planned = asyncio.run(main())
    for entry, when in planned:
        assert len(entry.fired) == 1, entry.name
        assert entry.fired[0] >= when - 0.002, entry.name  # the loop's clock may round a timer by a millisecond
        late = entry.fired[0] - when
        assert late <= max(RESOLUTION, 0.1 * (when - planned[4][1])) + 0.05, (entry.name, late)
        assert entry.timer_slot is None


def test_a_cancelled_deadline_never_fires_and_a_moved_one_fires_at_its_new_time() -> None:
    async def main() -> tuple[Entry, Entry, Entry, float]:
        loop = asyncio.get_running_loop()
        start = loop.time()
        cancelled, moved, kept = Entry("cancelled"), Entry("moved"), Entry("kept")
        deadlines = wheel()
        deadlines.set(cancelled, start + 0.1)
        deadlines.set(moved, start + 0.1)
        deadlines.set(kept, start + 0.1)
        deadlines.cancel(cancelled)
        deadlines.cancel(cancelled)  # twice: nothing
        deadlines.set(moved, start + 0.4)
        await asyncio.sleep(0.6)
        return cancelled, moved, kept, start

    cancelled, moved, kept, start = asyncio.run(main())
    assert cancelled.fired == []
    assert len(kept.fired) == 1 and kept.fired[0] - start < 0.3
    assert len(moved.fired) == 1 and moved.fired[0] - start >= 0.398


def test_an_entry_fired_first_can_cancel_move_or_set_another_in_the_same_slot() -> None:
    async def main() -> dict[str, Entry]:
        deadlines = wheel()
        loop = asyncio.get_running_loop()
        when = loop.time() + 0.05
        victim, moved, again = Entry("victim"), Entry("moved"), Entry("again")

        def act() -> None:
            deadlines.cancel(victim)
            deadlines.set(moved, loop.time() + 0.1)
            deadlines.set(again, loop.time())  # due now: the next slot, not this one again

        first = Entry("first", act)
        for entry in (first, victim, moved):
            deadlines.set(entry, when)
        await asyncio.sleep(0.4)
        return {"first": first, "victim": victim, "moved": moved, "again": again}

    entries = asyncio.run(main())
    assert len(entries["first"].fired) == 1
    assert entries["victim"].fired == []
    assert len(entries["moved"].fired) == 1 and entries["moved"].fired[0] >= entries["first"].fired[0] + 0.098
    assert len(entries["again"].fired) == 1


def test_an_emptied_wheel_holds_no_loop_timer() -> None:
    async def main() -> Wheel:
        deadlines = wheel()
        entries = [Entry(str(i)) for i in range(100)]
        now = asyncio.get_running_loop().time()
        for i, entry in enumerate(entries):
            deadlines.set(entry, now + 60 + i)
        assert len(deadlines) == 100 and deadlines._timer is not None
        for entry in entries:
            deadlines.cancel(entry)
        return deadlines

    deadlines = asyncio.run(main())
    assert len(deadlines) == 0 and deadlines._timer is None and deadlines._slots == []


def test_a_thousand_quiet_responses_each_get_their_pings_on_time() -> None:
    """Every SSE response pings after `ping_s` of quiet, from one shared timer, and only while it is open."""
    ping_s, count = 0.4, 1000

    async def main() -> list[list[float]]:
        quiet = asyncio.Event()
        pinged: list[list[float]] = [[] for _ in range(count)]
        started = asyncio.get_running_loop().time()

        async def frames() -> AsyncIterator[bytes]:
            await quiet.wait()
            yield b""

        async def receive() -> dict[str, Any]:
            await quiet.wait()
            return {"type": "http.disconnect"}

        def sender(index: int) -> Any:
            async def send(message: MutableMapping[str, Any]) -> None:
                if message.get("body", b"").startswith(b": ping"):
                    pinged[index].append(asyncio.get_running_loop().time() - started)

            return send

        responses = [SSEResponse(b": hi\n\n", frames(), headers={}, ping_s=ping_s) for _ in range(count)]
        scope = {"type": "http", "method": "GET"}
        running = [asyncio.create_task(r(scope, receive, sender(i))) for i, r in enumerate(responses)]
        async with asyncio.timeout(10):  # the clients stay for three pings each (a lost entry never gets them)
            while any(len(times) < 3 for times in pinged):
                await asyncio.sleep(0.05)
        quiet.set()  # the clients leave: no ping after this
        left = [len(times) for times in pinged]
        await asyncio.wait_for(asyncio.gather(*running), 10)
        await asyncio.sleep(ping_s * 1.5)
        assert len(wheel()) == 0
        assert [len(times) for times in pinged] == left  # none after the client left
        return pinged

    began = time.monotonic()
    pinged = asyncio.run(main())
    assert time.monotonic() - began < 20
    for times in pinged:
        # Never early (a slot is 10 ms); late only by the loop's lag, which a loaded machine stretches, so the
        # bound is loose: an entry the wheel lost would never fire at all.
        for n, at in enumerate(times[:3], start=1):
            assert n * ping_s - 0.01 <= at <= n * ping_s + 2.0, times
