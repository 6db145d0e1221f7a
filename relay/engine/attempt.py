"""One attempt: one upstream read into the text path, watched by a clock.

The attempt reads its upstream in the generation's own task; a deadline in the
process's timer wheel (relay/timers.py) watches the clock: no first token within
`first_token_timeout_s`, or no chunk within the stall threshold, interrupts the read
(its connection is closed and nothing it still sends is read). The deadline is checked
when it comes due, not moved per chunk: a chunk only stores its time, and the deadline
is set again for the time that gives. The per-chunk cost is one clock read and the
text path's call. A generation asked to stop (`StopFlag`) interrupts its attempt the
same way.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from providers import CompletionRequest, Provider, ProviderError, UpstreamStream

from ..accounting import AttemptMeter
from ..config import RouteConfig
from ..metrics import ADDED_BUCKETS, GAP_BUCKETS, SAMPLE_MASK, Buckets
from ..timers import wheel
from .failures import AttemptFailed


@dataclass(slots=True)
class AttemptRecord:
    """One attempt at one target, for the audit record."""

    target: str
    started_at: float
    first_token_at: float | None = None
    ended_at: float | None = None
    end: str | None = None
    output_chars: int = 0
    usage: dict[str, int] | None = None
    gaps: Buckets | None = None  # sampled inter-chunk gaps and added latency, for the metrics (not audited)
    added: Buckets | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "started_at": self.started_at,
            "first_token_at": self.first_token_at,
            "ended_at": self.ended_at,
            "end": self.end,
            "output_chars": self.output_chars,
            "usage": self.usage,
        }


@dataclass(slots=True)
class Watch:
    """What the reader tells the watchdog: when the last chunk came, how many, and the open upstream."""

    last_chunk_at: float
    got_first: bool = False
    upstream: UpstreamStream | None = None
    started_at: float = 0.0
    chunks: int = 0


class Stopped(Exception):
    """The generation was asked to end early; `reason` is why (`budget`, `max_duration`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class StopFlag:
    """Set once, with a reason, to end a generation early.

    The chain checks it before each attempt and setting it interrupts the running
    attempt's watchdog, so the generation ends through its own code path (`Stopped`).
    """

    __slots__ = ("reason", "watchdog")

    def __init__(self) -> None:
        self.reason: str | None = None
        self.watchdog: Watchdog | None = None  # the running attempt's, while there is one

    def set(self, reason: str) -> None:
        if self.reason is not None:
            return
        self.reason = reason
        if self.watchdog is not None:
            self.watchdog.interrupt("stop")

    def check(self) -> None:
        """Raise `Stopped` if the flag is set."""
        if self.reason is not None:
            raise Stopped(self.reason)


def stall_threshold(route: RouteConfig, watch: Watch) -> float:
    """The fixed threshold, or one that follows this stream's own pace (never below the floor)."""
    if not route.stall_adaptive or watch.chunks < 8:
        return route.stall_timeout_s
    mean_gap = (watch.last_chunk_at - watch.started_at) / watch.chunks  # gaps since the first chunk
    return min(route.stall_timeout_s, max(route.stall_floor_s, 8 * mean_gap))


class Watchdog:
    """The attempt's clock: one deadline that, when due, interrupts the attempt's task or re-arms for a later one.

    The interruption is a cancellation of the task, told apart from one asked from
    outside as `asyncio.timeout` does (`Task.uncancel`): `claims` says whether a
    `CancelledError` was ours alone. An upstream whose answer is whole (`terminated`)
    is not interrupted: it is only reading the body's end, bounded by its drain.
    """

    __slots__ = ("_route", "_watch", "_loop", "_task", "_cancelling", "_wheel", "timer_slot", "reason", "limit")

    def __init__(self, route: RouteConfig, watch: Watch, loop: asyncio.AbstractEventLoop) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._route = route
        self._watch = watch
        self._loop = loop
        self._task = task
        self._cancelling = task.cancelling()
        self._wheel = wheel()  # the process's deadlines (relay/timers.py): no loop timer of its own
        self.timer_slot: int | None = None
        self.reason: str | None = None  # set when it interrupted: `stall`, `first_token_timeout` or `stop`
        self.limit = 0.0  # the threshold that ran out

    def _deadline(self) -> tuple[float, float, str]:
        watch = self._watch
        if watch.got_first:
            limit, reason = stall_threshold(self._route, watch), "stall"
        else:
            limit, reason = self._route.first_token_timeout_s, "first_token_timeout"
        return watch.last_chunk_at + limit, limit, reason

    def arm(self) -> None:
        """(Re)start the timer for the current deadline: at the start and once the first chunk came."""
        self._wheel.set(self, self._deadline()[0])

    def timer_due(self) -> None:
        deadline, limit, reason = self._deadline()
        if deadline > self._loop.time():  # chunks came since it was armed
            self._wheel.set(self, deadline)
            return
        upstream = self._watch.upstream
        if upstream is not None and upstream.terminated:
            return
        self.limit = limit
        self.interrupt(reason)

    def interrupt(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason
            self._task.cancel()

    def disarm(self) -> None:
        self._wheel.cancel(self)

    def claims(self) -> bool:
        """Whether the `CancelledError` being handled was this watchdog's alone (then it is taken back)."""
        return self.reason is not None and self._task.uncancel() <= self._cancelling


async def run_attempt(
    provider: Provider,
    request: CompletionRequest,
    *,
    route: RouteConfig,
    record: AttemptRecord,
    meter: AttemptMeter | None,
    on_text: Callable[[str], None],
    stop: StopFlag,
) -> str:
    """Stream `request` into `on_text`; returns the finish reason, or raises `AttemptFailed` or `Stopped`."""
    stop.check()
    loop = asyncio.get_running_loop()
    watch = Watch(last_chunk_at=loop.time())
    watchdog = stop.watchdog = Watchdog(route, watch, loop)
    watchdog.arm()
    try:
        try:
            upstream = watch.upstream = await provider.open(request)
            async for text in upstream:
                now = loop.time()
                watch.chunks += 1
                sampled = not watch.chunks & SAMPLE_MASK and watch.got_first  # every 16th chunk, for the metrics
                if sampled:
                    gaps = record.gaps = record.gaps or Buckets(GAP_BUCKETS)
                    gaps.observe(now - watch.last_chunk_at)
                watch.last_chunk_at = now
                if not watch.got_first:
                    watch.got_first = True
                    watch.started_at, watch.chunks = watch.last_chunk_at, 0  # pace is measured from here
                    record.first_token_at = time.time()
                    watchdog.arm()  # from the first token's deadline to the stall threshold's
                record.output_chars += len(text)
                if meter is not None:
                    meter.add(text)
                on_text(text)
                if sampled:  # the chunk's way from here to the caught-up readers' sockets
                    added = record.added = record.added or Buckets(ADDED_BUCKETS)
                    added.observe(loop.time() - now)
        except ProviderError as error:
            raise AttemptFailed.from_provider(error) from error
        except asyncio.CancelledError:
            if not watchdog.claims():
                raise
            if watchdog.reason == "stop":
                raise Stopped(stop.reason or "stop") from None
            reason = watchdog.reason or "stall"
            raise AttemptFailed(
                reason, f"{record.target}: no output for {watchdog.limit:g} s", kind="timeout"
            ) from None
        if upstream.usage is not None:
            usage = upstream.usage
            record.usage = {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens}
            if meter is not None:
                meter.reported = usage
        record.end = "finished"
        return upstream.finish_reason or "stop"
    except AttemptFailed as failure:
        record.end = failure.reason
        raise
    except Stopped as stopping:
        record.end = stopping.reason
        raise
    except asyncio.CancelledError:
        record.end = "cancelled"
        raise
    finally:
        watchdog.disarm()
        stop.watchdog = None
        record.ended_at = time.time()
        if watch.upstream is not None:
            await watch.upstream.aclose()  # late chunks from an abandoned upstream are never read
