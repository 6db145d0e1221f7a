"""The generation engine: runs a route's targets and appends what they write to a stream.

A generation is a task of its own, independent of any client connection. Each
attempt reads one upstream in a reader task while this task watches the clock:
no first token within `first_token_timeout_s`, or no chunk within the stall
threshold, abandons the attempt (its connection is closed and nothing it still
sends is read). The per-chunk cost is one clock read and the sink call.

Whatever ends it (a finish, every target failing, a budget, the route's maximum
duration, a cancellation, a bug, even a `BaseException` such as pyo3's panic), the
stream gets exactly one terminal event; only a stream this instance abandoned
(another writes it now) gets nothing more. Clients see a stable code and a
generic message per failure; the detail (hosts, exception text) goes to the log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from providers import CompletionRequest, Provider, ProviderError, UpstreamStream
from splice.buffer import RollingBuffer
from splice.holdback import HoldBack
from splice.prompt import build_continuation
from splice.seam import SeamRepair, SpliceResult

from . import events
from .accounting import AttemptMeter, StreamMeter
from .capabilities import CapabilityTable
from .config import AccountingConfig, RouteConfig, Target
from .log import LiveStream, StreamTooLarge
from .pricing import PriceTable
from .tokens import count_tokens_async, decode_safely, encode_safely, encoding_for_model

ROLLING_BUFFER_TOKENS = 200

# What an `error` event's `message` says for each code: generic and stable, so no upstream
# host, port or exception text reaches a client. The detail goes to the log.
ERROR_MESSAGES: dict[str, str] = {
    "first_token_timeout": "the upstream sent no output in time",
    "stall": "the upstream stopped sending output",
    "http_status": "the upstream answered with an HTTP error",
    "error_event": "the upstream reported an error in its stream",
    "malformed_chunk": "the upstream sent a malformed chunk",
    "missing_terminator": "the upstream's stream ended without its terminator",
    "missing_finish_reason": "the upstream's stream ended without a finish reason",
    "line_too_long": "the upstream sent a line that is too long",
    "connection_closed": "the upstream closed the connection",
    "connection_reset": "the upstream reset the connection",
    "connection_error": "the upstream could not be reached",
    "connect_timeout": "connecting to the upstream timed out",
    "read_timeout": "reading from the upstream timed out",
    "instance_lost": "the relay instance running this stream stopped",
    "max_duration": "the generation ran longer than its route allows",
    "stream_too_large": "the stream is over the relay's size bound",
    "internal": "the relay hit an internal error",
    # a failure named only by its kind (the simulated provider's scripted failures)
    "timeout": "the upstream timed out",
    "rate_limited": "the upstream is rate limiting requests",
    "overloaded": "the upstream is overloaded",
    "server": "the upstream had a server error",
    "auth": "the upstream refused the relay's credentials",
    "bad_request": "the upstream refused the request",
    "connection": "the connection to the upstream failed",
    "protocol": "the upstream broke its streaming protocol",
}
GENERIC_ERROR_MESSAGE = "the upstream failed"

# Exceptions that stop the process: they go on once the stream is ended.
_EXITS = (KeyboardInterrupt, SystemExit)

Terminal = tuple[Any, str, dict[str, Any]]  # (status, event, data) for LiveStream.finish


def error_data(code: str, kind: str) -> dict[str, Any]:
    """An `error` event's data: the code, its generic message, the kind."""
    return {"code": code, "message": ERROR_MESSAGES.get(code, GENERIC_ERROR_MESSAGE), "kind": kind}


# continuation mode -> how the provider marks the final assistant turn
_PREFILL_STYLES: dict[str, Any] = {
    "prefill": "anthropic",
    "continue_final_message": "continue_final_message",
    "prefix": "prefix",
}

logger = logging.getLogger("splice_relay.engine")


@dataclass(frozen=True, slots=True)
class GenerationRequest:
    """What the client asked for, as validated by the API."""

    messages: list[dict[str, Any]]
    max_tokens: int | None = None
    temperature: float | None = None
    max_usd: float | None = None  # budget: the generation stops with finish_reason "budget"


@dataclass(frozen=True, slots=True)
class EngineServices:
    """What every generation shares, held by the app."""

    providers: Mapping[str, Provider]
    capabilities: CapabilityTable
    prices: PriceTable
    accounting: AccountingConfig


class AttemptFailed(Exception):
    """One attempt ended without a finish; `reason` is what the `failover`/`error` event says."""

    def __init__(self, reason: str, message: str, *, kind: str = "timeout", status: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.kind = kind
        self.status = status

    @classmethod
    def from_provider(cls, error: ProviderError) -> AttemptFailed:
        return cls(error.cause, error.message, kind=error.kind, status=error.status)


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
class _Watch:
    """Shared between an attempt's reader and its watchdog."""

    last_chunk_at: float
    got_first: bool = False
    upstream: UpstreamStream | None = None
    started_at: float = 0.0
    chunks: int = 0


class Generation:
    """Runs one stream's route and appends its events.

    Text passes a hold-back (the trailing fragment a continuation might rewrite
    is not sent yet) and is remembered in a rolling 200-token buffer. When an
    attempt fails after text was sent, the next target gets a continuation
    request and its first words pass the seam repair before joining the stream.
    """

    def __init__(
        self, stream: LiveStream, route: RouteConfig, request: GenerationRequest, services: EngineServices
    ) -> None:
        self.stream = stream
        self.route = route
        self.request = request
        self.services = services
        accounting = services.accounting
        self.meter: StreamMeter | None = StreamMeter(accounting.billing) if accounting.enabled else None
        self._attempt_meter: AttemptMeter | None = None
        self._current: Target | None = None
        self._started_at = time.monotonic()
        self._first_sent_at: float | None = None
        self._last_progress: tuple[int, int] = (0, 0)  # nothing to report before the first token
        self._last_cost_at = self._started_at
        self._stop_reason: str | None = None
        self._lost: AttemptFailed | None = None  # set by resume(): the instance that ran this died
        self._lost_owner = ""
        self._task: asyncio.Task[None] | None = None
        self.attempts: list[AttemptRecord] = []
        self.failovers: list[dict[str, Any]] = []
        self.splices: list[dict[str, Any]] = []
        self.sent_chars = 0
        self._holdback = HoldBack()
        self._hold = route.holds_back  # off: chunks pass straight through, nothing is ever held
        self._encoding = encoding_for_model(route.targets[0].model)
        # Counted in the encoding of the model in use: _run_target switches it per target.
        self._buffer = RollingBuffer(self._encode, self._decode, max_tokens=ROLLING_BUFFER_TOKENS)
        self._seam: SeamRepair | None = None
        self._dropped = ""  # the held fragment the last failure dropped; the seam may need it back
        self._on_text: Callable[[str], None] = self._through_holdback

    # -- lifecycle ---------------------------------------------------------

    async def run(self) -> None:
        """Run the chain and end the stream with exactly one terminal event, whatever is raised inside.

        Cancelled from outside (DELETE, shutdown), the stream ends with `done: cancelled` and the
        cancellation goes on. Cancelled after `LiveStream.abandon()`, nothing is appended.
        """
        stream = self.stream
        self._task = asyncio.current_task()
        age = max(0.0, time.time() - stream.created_at)  # a taken-over stream is as old as its first start
        deadline = asyncio.get_running_loop().call_later(max(0.0, self.route.max_duration_s - age), self._expire)
        cancelled = False
        exiting: BaseException | None = None
        try:
            try:
                finish_reason = await self._run_chain()
            finally:
                deadline.cancel()
            terminal: Terminal = ("done", events.DONE, {"finish_reason": finish_reason})
        except asyncio.CancelledError:
            if stream.abandoned:  # another instance writes this stream now: leave it as it is
                raise
            if self._stop_reason is None:  # cancelled from outside: DELETE or shutdown
                cancelled = True
                terminal = ("cancelled", events.DONE, {"finish_reason": "cancelled"})
            else:  # stopped by ourselves (budget, max_duration)
                assert self._task is not None
                self._task.uncancel()
                terminal = self._stopped()
        except AttemptFailed as failure:
            terminal = ("failed", events.ERROR, error_data(failure.reason, failure.kind))
        except StreamTooLarge as exc:
            logger.warning("stream %s: %s", stream.id, exc)
            terminal = ("failed", events.ERROR, error_data(exc.code, "internal"))
        except GeneratorExit:  # the coroutine is being closed (the loop is gone): nothing can run
            raise
        except BaseException as exc:  # a bug, or a BaseException such as pyo3's panic: the stream still ends
            logger.error("generation %s crashed", stream.id, exc_info=exc)
            terminal = ("failed", events.ERROR, error_data("internal", "internal"))
            exiting = exc if isinstance(exc, _EXITS) else None
        self._end(terminal)
        if cancelled:
            raise asyncio.CancelledError
        if exiting is not None:
            raise exiting

    def _stopped(self) -> Terminal:
        """The terminal event of a generation we stopped ourselves, once its upstream is closed."""
        if self._stop_reason == "max_duration":  # the text sent so far stays; the held fragment is not sent
            logger.warning("stream %s: ended after max_duration_s (%g s)", self.stream.id, self.route.max_duration_s)
            return ("failed", events.ERROR, error_data("max_duration", "timeout"))
        try:  # the budget: the text so far is the answer
            if self._seam is not None:  # words the seam still holds are part of it
                self._after_seam(self._seam.finish(), final=True)
            self._emit(self._holdback.flush())
        except StreamTooLarge as exc:
            logger.warning("stream %s: %s", self.stream.id, exc)
            return ("failed", events.ERROR, error_data(exc.code, "internal"))
        except BaseException as exc:
            if isinstance(exc, _EXITS):
                raise
            logger.error("generation %s crashed while stopping", self.stream.id, exc_info=exc)
            return ("failed", events.ERROR, error_data("internal", "internal"))
        return ("done", events.DONE, {"finish_reason": self._stop_reason})

    def _end(self, terminal: Terminal) -> None:
        """Append the final `cost` and the terminal event, and set the audit; each step even if one before failed."""
        stream = self.stream
        if stream.abandoned or stream.finished:  # another writer has it now, or it was ended already
            return
        if self.meter is not None:
            try:
                for meter in self.meter.attempts:
                    meter.settle(final=True)
                stream.append(events.COST, self.meter.cost_event(final=True))
            except StreamTooLarge:
                pass  # the cost is in the log; the bound only binds events before the terminal one
            except BaseException as exc:
                if isinstance(exc, _EXITS):
                    raise
                logger.error("stream %s: the final cost failed", stream.id, exc_info=exc)
        try:
            stream.finish(*terminal)
        except BaseException as exc:
            if isinstance(exc, _EXITS):
                raise
            logger.error("stream %s: the terminal event failed", stream.id, exc_info=exc)
        try:
            stream.audit = self.audit()
        except Exception:
            logger.exception("stream %s: the audit record failed", stream.id)

    def ensure_ended(self) -> None:
        """End the stream if its task ended without ever running `run` (cancelled before its first step)."""
        if self._task is None and not self.stream.finished:
            self._end(("cancelled", events.DONE, {"finish_reason": "cancelled"}))

    def resume(self, lost_owner: str) -> None:
        """Continue a stream another instance started: its sent text is the partial answer."""
        text = self.stream.text
        self.sent_chars = len(text)
        self._buffer.append(text)
        if text:
            self._first_sent_at = time.monotonic()
        self._lost = AttemptFailed(
            "instance_lost", f"instance {lost_owner} stopped renewing its lease", kind="connection"
        )
        self._lost_owner = lost_owner
        if self.meter is not None:  # what the lost instance had spent is part of this stream's cost (and budget)
            for frame in reversed(self.stream.frames):
                event, data = events.decode_event(frame)
                if event == events.COST:
                    self.meter.carry(data)
                    break

    def stop(self, reason: str) -> None:
        """End the generation early: `done` with `reason` (the budget), or `error` for `max_duration`."""
        if self._stop_reason is None and self._task is not None and not self._task.done():
            self._stop_reason = reason
            self._task.cancel()

    def _expire(self) -> None:
        """The route's `max_duration_s` is over: end with an `error` (code `max_duration`)."""
        self.stop("max_duration")

    def audit(self) -> dict[str, Any]:
        """The stream's audit record: every attempt, failover, splice, cost, the final status."""
        stream = self.stream
        record: dict[str, Any] = {
            "stream_id": stream.id,
            "route": self.route.name,
            "status": stream.status,
            "finish_reason": stream.finish_reason,
            "error": stream.error,
            "started_at": stream.created_at,
            "ended_at": time.time() if stream.finished else None,
            "chars": self.sent_chars,
            "attempts": [attempt.as_dict() for attempt in self.attempts],
            "failovers": self.failovers,
            "splices": self.splices,
            "reconnects": stream.reconnects,
        }
        if self.meter is not None:
            cost = self.meter.cost_event(final=stream.finished)
            record["cost"] = {
                key: cost[key]
                for key in ("usd", "input_tokens", "output_tokens", "estimated", "price_known", "billing")
            }
            for attempt, metered in zip(record["attempts"], cost["attempts"]):
                attempt["tokens"] = metered
        return record

    # -- progress and cost (one shared timer calls tick for every running generation) --

    def __repr__(self) -> str:
        return f"<Generation {self.stream.id}>"

    def tick(self, now: float) -> None:
        meter = self.meter
        if meter is None or self.stream.finished or self.stream.abandoned:
            return
        # Last tick's events go out with the next token; if none came since, they go out now.
        self.stream.announce()
        if self._attempt_meter is not None:
            self._attempt_meter.settle()
        output_tokens = meter.output_tokens
        if (output_tokens, self.sent_chars) != self._last_progress:
            self._last_progress = (output_tokens, self.sent_chars)
            self.stream.append(events.PROGRESS, self._progress(now, output_tokens), wake=False)
        if now - self._last_cost_at >= self.services.accounting.cost_interval_s:
            self._last_cost_at = now
            self.stream.append(events.COST, meter.cost_event(final=False), wake=False)
        budget = self.request.max_usd
        if budget is not None:
            usd = meter.total_usd()
            if usd is not None and usd >= budget:
                self.stop("budget")

    def _progress(self, now: float, output_tokens: int) -> dict[str, Any]:
        target = self._current
        elapsed = now - self._started_at
        since_first = now - self._first_sent_at if self._first_sent_at is not None else 0.0
        return {
            "output_tokens": output_tokens,
            "chars": self.sent_chars,
            "elapsed_ms": round(elapsed * 1000),
            "tokens_per_s": round(output_tokens / since_first, 1) if since_first > 0 else 0.0,
            "ttft_ms": round((self._first_sent_at - self._started_at) * 1000)
            if self._first_sent_at is not None
            else None,
            "provider": target.provider if target else None,
            "model": target.model if target else None,
            "attempt": len(self.attempts),
        }

    # -- the chain -----------------------------------------------------------

    async def _run_chain(self) -> str:
        """Try the targets in order until one finishes; raise the last failure if none does."""
        targets = self.route.targets
        failure: AttemptFailed | None = self._lost  # a takeover continues on the route's first target
        for index, target in enumerate(targets):
            if failure is not None:
                source = targets[index - 1].label if index else f"instance:{self._lost_owner}"
                self._announce_failover(source, target, failure)
            try:
                return await self._run_target(target)
            except AttemptFailed as exc:
                failure = exc
                self._dropped = self._holdback.drop()  # the next target regenerates the held fragment
                self._seam = None
                logger.warning(
                    "stream %s: %s failed (%s: %s) after %d chars sent, %d held chars dropped",
                    self.stream.id,
                    target.label,
                    exc.reason,
                    exc.message,
                    self.sent_chars,
                    len(self._dropped),
                )
        assert failure is not None
        raise failure

    async def _run_target(self, target: Target) -> str:
        self._encoding = encoding_for_model(target.model)
        if not self.sent_chars:
            self._on_text = self._through_holdback
            finish_reason = await self._attempt(target, self._fresh_request(target))
        else:
            finish_reason = await self._continue_on(target)
        self._emit(self._holdback.flush())
        return finish_reason

    async def _continue_on(self, target: Target) -> str:
        """Ask `target` to continue the sent text; a refused prefill is retried once as `instruct`."""
        mode = self.services.capabilities.mode_for(target)
        try:
            return await self._continuation_attempt(target, mode)
        except AttemptFailed as failure:
            if mode == "instruct" or failure.kind != "bad_request" or self._seam is None:
                raise
            logger.info(
                "stream %s: %s refused a %s continuation; retrying as instruct", self.stream.id, target.label, mode
            )
            self.services.capabilities.learn_prefill_refused(target)
            self._dropped += self._holdback.drop()
            return await self._continuation_attempt(target, "instruct")

    async def _continuation_attempt(self, target: Target, mode: str) -> str:
        sent_text = self.stream.text
        splice_mode = "instruct" if mode == "instruct" else "prefill"
        continuation = build_continuation(
            self.request.messages,
            sent_text,
            splice_mode,
            strip_trailing_whitespace=mode == "prefill",  # Anthropic rejects prefill ending in whitespace
        )
        self._seam = SeamRepair(
            self._buffer.tail(),
            stripped_whitespace=continuation.stripped_whitespace,
            sent_text=sent_text,  # so a restart longer than the tail is still recognised
            dropped=self._dropped,
            mode=splice_mode,
        )
        self._on_text = self._through_seam
        request = CompletionRequest(
            model=target.model,
            messages=continuation.messages,
            max_tokens=await self._remaining_max_tokens(),
            temperature=self.request.temperature,
            prefill_style=_PREFILL_STYLES.get(mode),
        )
        finish_reason = await self._attempt(target, request)
        if self._seam is not None:  # the fallback ended before the seam was decided
            self._after_seam(self._seam.finish(), final=True)
        return finish_reason

    def _fresh_request(self, target: Target) -> CompletionRequest:
        return CompletionRequest(
            model=target.model,
            messages=self.request.messages,
            max_tokens=self.request.max_tokens or self.route.max_tokens,
            temperature=self.request.temperature,
        )

    async def _remaining_max_tokens(self) -> int | None:
        limit = self.request.max_tokens or self.route.max_tokens
        if limit is None:
            return None
        used, _ = await count_tokens_async(self._encoding, self.stream.text)  # a long answer is counted off the loop
        return max(limit - used, 16)

    def _announce_failover(self, source: str, target: Target, failure: AttemptFailed) -> None:
        record = {"from": source, "to": target.label, "reason": failure.reason, "at_char": self.sent_chars}
        self.failovers.append(record)
        self.stream.append(events.FAILOVER, record)

    # -- the text path (per chunk) -----------------------------------------

    def _through_holdback(self, text: str) -> None:
        released = self._holdback.feed(text) if self._hold else text
        if released:
            self._emit(released)

    def _through_seam(self, text: str) -> None:
        seam = self._seam
        assert seam is not None
        self._after_seam(seam.feed(text))

    def _after_seam(self, text: str, *, final: bool = False) -> None:
        seam = self._seam
        assert seam is not None
        result = seam.result
        if result is None and final:
            result = SpliceResult("passthrough", 0, 0)
        if result is not None:
            # Decided: report it once, then later chunks skip the seam entirely.
            record = {
                "strategy": result.strategy,
                "overlap_chars": result.overlap_chars,
                "dropped_chars": result.dropped_chars,
            }
            self.splices.append(record)
            self.stream.append(events.SPLICE, record)
            self._seam = None
            self._on_text = self._through_holdback
            if text and self._hold:
                # The fallback's first word goes out at once, not when the whitespace after it
                # arrives: the reader has already waited out the stall, and holding it back would
                # guard only against this fallback failing inside that one word (the next target
                # would then continue mid-word, which the seam repairs too).
                self._emit(self._holdback.feed(text) or self._holdback.release())
                return
        if text:
            self._through_holdback(text)

    def _emit(self, text: str) -> None:
        if not text:
            return
        if self._first_sent_at is None:
            self._first_sent_at = time.monotonic()
        self.sent_chars += len(text)
        self._buffer.append(text)
        self.stream.append_token(text)

    def _encode(self, text: str) -> list[int]:
        # Special-token strings in text are just text. Should tiktoken fail, one token per byte keeps the seam working.
        return encode_safely(self._encoding, text)

    def _decode(self, tokens: list[int]) -> str:
        return decode_safely(self._encoding, tokens)

    async def _attempt(self, target: Target, request: CompletionRequest) -> str:
        """Stream one target into the current text path; returns its finish reason or raises AttemptFailed."""
        loop = asyncio.get_running_loop()
        meter = self._attempt_meter = (  # a large prompt is counted in a worker thread while other streams go on
            await self.meter.start(
                target.label, target.model, self.services.prices.price_for(target.model), request.messages
            )
            if self.meter is not None
            else None
        )
        record = AttemptRecord(target.label, time.time())
        self.attempts.append(record)
        watch = _Watch(last_chunk_at=loop.time())
        provider = self.services.providers[target.provider]
        first_chunk: asyncio.Future[None] = loop.create_future()
        self._current = target

        async def read() -> str:
            upstream = watch.upstream = await provider.open(request)
            async for text in upstream:
                watch.last_chunk_at = loop.time()
                watch.chunks += 1
                if not watch.got_first:
                    watch.got_first = True
                    watch.started_at, watch.chunks = watch.last_chunk_at, 0  # pace is measured from here
                    record.first_token_at = time.time()
                    first_chunk.set_result(None)  # wakes the watchdog to switch to the stall threshold
                record.output_chars += len(text)
                if meter is not None:
                    meter.add(text)
                self._on_text(text)
            if upstream.usage is not None:
                usage = upstream.usage
                record.usage = {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens}
                if meter is not None:
                    meter.reported = usage
            return upstream.finish_reason or "stop"

        reader = asyncio.ensure_future(read())
        try:
            while True:
                if watch.got_first:
                    limit, reason = self._stall_threshold(watch), "stall"
                    waiting_on: tuple[asyncio.Future[Any], ...] = (reader,)
                else:
                    limit, reason = self.route.first_token_timeout_s, "first_token_timeout"
                    waiting_on = (reader, first_chunk)
                remaining = watch.last_chunk_at + limit - loop.time()
                if remaining > 0:
                    await asyncio.wait(waiting_on, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
                    if reader.done():
                        break
                    continue
                if watch.upstream is not None and watch.upstream.terminated:
                    # The answer is whole; the reader is only reading the body's end (bounded by its drain).
                    await asyncio.wait((reader,))
                    break
                raise AttemptFailed(reason, f"{target.label}: no output for {limit:g} s", kind="timeout")
            try:
                finish_reason = reader.result()
            except ProviderError as error:
                raise AttemptFailed.from_provider(error) from error
            record.end = "finished"
            return finish_reason
        except AttemptFailed as failure:
            record.end = failure.reason
            raise
        except asyncio.CancelledError:
            record.end = self._stop_reason or "cancelled"
            raise
        finally:
            record.ended_at = time.time()
            if not reader.done():
                reader.cancel()
            if watch.upstream is not None:
                await watch.upstream.aclose()  # late chunks from an abandoned upstream are never read
            if not reader.done():
                await asyncio.wait((reader,))
            if reader.done() and not reader.cancelled():
                reader.exception()  # retrieved, so asyncio does not log it as unhandled

    def _stall_threshold(self, watch: _Watch) -> float:
        """The fixed threshold, or one that follows this stream's own pace (never below the floor)."""
        route = self.route
        if not route.stall_adaptive or watch.chunks < 8:
            return route.stall_timeout_s
        mean_gap = (watch.last_chunk_at - watch.started_at) / watch.chunks  # gaps since the first chunk
        return min(route.stall_timeout_s, max(route.stall_floor_s, 8 * mean_gap))
