"""One attempt: one upstream read into the text path, watched by a clock.

The upstream is read in a reader task while the attempt's own task watches the
clock: no first token within `first_token_timeout_s`, or no chunk within the
stall threshold, abandons the attempt (its connection is closed and nothing it
still sends is read). The per-chunk cost is one clock read and the text path's call.
A generation asked to stop (`StopFlag`) ends its attempt the same way.
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
    """Shared between an attempt's reader and its watchdog."""

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

    The chain checks it before each attempt and a running attempt's watchdog wakes on
    it, so the generation ends through its own code path rather than a cancellation.
    """

    __slots__ = ("reason", "_woken")

    def __init__(self) -> None:
        self.reason: str | None = None
        self._woken: asyncio.Future[None] | None = None

    def set(self, reason: str) -> None:
        if self.reason is not None:
            return
        self.reason = reason
        if self._woken is not None and not self._woken.done():
            self._woken.set_result(None)

    def check(self) -> None:
        """Raise `Stopped` if the flag is set."""
        if self.reason is not None:
            raise Stopped(self.reason)

    def woken(self) -> asyncio.Future[None]:
        """A future done once the flag is set (at once if it is already)."""
        if self._woken is None:
            self._woken = asyncio.get_running_loop().create_future()
            if self.reason is not None:
                self._woken.set_result(None)
        return self._woken


def stall_threshold(route: RouteConfig, watch: Watch) -> float:
    """The fixed threshold, or one that follows this stream's own pace (never below the floor)."""
    if not route.stall_adaptive or watch.chunks < 8:
        return route.stall_timeout_s
    mean_gap = (watch.last_chunk_at - watch.started_at) / watch.chunks  # gaps since the first chunk
    return min(route.stall_timeout_s, max(route.stall_floor_s, 8 * mean_gap))


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
    loop = asyncio.get_running_loop()
    watch = Watch(last_chunk_at=loop.time())
    first_chunk: asyncio.Future[None] = loop.create_future()
    stopped = stop.woken()

    async def read() -> str:
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
                first_chunk.set_result(None)  # wakes the watchdog to switch to the stall threshold
            record.output_chars += len(text)
            if meter is not None:
                meter.add(text)
            on_text(text)
            if sampled:  # the chunk's way from here to the caught-up readers' sockets
                added = record.added = record.added or Buckets(ADDED_BUCKETS)
                added.observe(loop.time() - now)
        if upstream.usage is not None:
            usage = upstream.usage
            record.usage = {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens}
            if meter is not None:
                meter.reported = usage
        return upstream.finish_reason or "stop"

    reader: asyncio.Future[str] | None = None
    try:
        stop.check()
        reader = asyncio.ensure_future(read())
        while True:
            if watch.got_first:
                limit, reason = stall_threshold(route, watch), "stall"
                waiting_on: tuple[asyncio.Future[Any], ...] = (reader, stopped)
            else:
                limit, reason = route.first_token_timeout_s, "first_token_timeout"
                waiting_on = (reader, first_chunk, stopped)
            remaining = watch.last_chunk_at + limit - loop.time()
            if remaining > 0:
                await asyncio.wait(waiting_on, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
                stop.check()
                if reader.done():
                    break
                continue
            if watch.upstream is not None and watch.upstream.terminated:
                # The answer is whole; the reader is only reading the body's end (bounded by its drain).
                await asyncio.wait((reader,))
                break
            raise AttemptFailed(reason, f"{record.target}: no output for {limit:g} s", kind="timeout")
        try:
            finish_reason = reader.result()
        except ProviderError as error:
            raise AttemptFailed.from_provider(error) from error
        record.end = "finished"
        return finish_reason
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
        record.ended_at = time.time()
        if reader is not None:
            if not reader.done():
                reader.cancel()
            if watch.upstream is not None:
                await watch.upstream.aclose()  # late chunks from an abandoned upstream are never read
            if not reader.done():
                await asyncio.wait((reader,))
            if reader.done() and not reader.cancelled():
                reader.exception()  # retrieved, so asyncio does not log it as unhandled
