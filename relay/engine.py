"""The generation engine: runs a route's targets and appends what they write to a stream.

A generation is a task of its own, independent of any client connection. Each
attempt reads one upstream in a reader task while this task watches the clock:
no first token within `first_token_timeout_s`, or no chunk within the stall
threshold, abandons the attempt (its connection is closed and nothing it still
sends is read). The per-chunk cost is one clock read and the sink call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from providers import CompletionRequest, Provider, ProviderError, UpstreamStream

from . import events
from .config import RouteConfig, Target
from .stream import LiveStream

logger = logging.getLogger("splice_relay.engine")


@dataclass(frozen=True, slots=True)
class GenerationRequest:
    """What the client asked for, as validated by the API."""

    messages: list[dict[str, Any]]
    max_tokens: int | None = None
    temperature: float | None = None


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
    attempts: list[AttemptRecord] = field(default_factory=list)


class Generation:
    """Runs one stream's route and appends its events."""

    def __init__(self, stream: LiveStream, route: RouteConfig, request: GenerationRequest, providers: Mapping[str, Provider]) -> None:
        self.stream = stream
        self.route = route
        self.request = request
        self.providers = providers
        self.attempts: list[AttemptRecord] = []
        self.sent_chars = 0

    async def run(self) -> None:
        stream = self.stream
        try:
            finish_reason = await self._run_chain()
        except AttemptFailed as failure:
            stream.finish(
                "failed",
                events.ERROR,
                {"code": failure.reason, "message": failure.message, "kind": failure.kind},
            )
        except asyncio.CancelledError:
            stream.finish("cancelled", events.DONE, {"finish_reason": "cancelled"})
            raise
        except Exception as exc:  # a bug must still end the stream, never leave it hanging
            logger.exception("generation %s crashed", stream.id)
            stream.finish("failed", events.ERROR, {"code": "internal", "message": f"relay error: {exc!r}", "kind": "internal"})
        else:
            stream.finish("done", events.DONE, {"finish_reason": finish_reason})
        finally:
            stream.audit = self.audit()

    def audit(self) -> dict[str, Any]:
        return {"route": self.route.name, "attempts": [attempt.as_dict() for attempt in self.attempts]}

    async def _run_chain(self) -> str:
        """Try the targets in order; before the first token a failure simply moves on."""
        last_failure: AttemptFailed | None = None
        for target in self.route.targets:
            if self.sent_chars:
                break  # mid-stream failover is the splice's job
            try:
                return await self._attempt(target, self._request_for(target), self._send)
            except AttemptFailed as failure:
                logger.info("stream %s: %s failed before output (%s)", self.stream.id, target.label, failure.reason)
                last_failure = failure
        assert last_failure is not None
        raise last_failure

    def _request_for(self, target: Target) -> CompletionRequest:
        request = self.request
        return CompletionRequest(
            model=target.model,
            messages=request.messages,
            max_tokens=request.max_tokens or self.route.max_tokens,
            temperature=request.temperature,
        )

    def _send(self, text: str) -> None:
        self.sent_chars += len(text)
        self.stream.append_token(text)

    async def _attempt(self, target: Target, request: CompletionRequest, sink: Callable[[str], None]) -> str:
        """Stream one target into `sink`; returns its finish reason or raises AttemptFailed."""
        loop = asyncio.get_running_loop()
        record = AttemptRecord(target.label, time.time())
        self.attempts.append(record)
        watch = _Watch(last_chunk_at=loop.time())
        provider = self.providers[target.provider]

        async def read() -> str:
            upstream = watch.upstream = await provider.open(request)
            async for text in upstream:
                watch.last_chunk_at = loop.time()
                if not watch.got_first:
                    watch.got_first = True
                    record.first_token_at = time.time()
                record.output_chars += len(text)
                sink(text)
            if upstream.usage is not None:
                usage = upstream.usage
                record.usage = {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens}
            return upstream.finish_reason or "stop"

        reader = asyncio.ensure_future(read())
        try:
            while True:
                if watch.got_first:
                    limit, reason = self.route.stall_timeout_s, "stall"
                else:
                    limit, reason = self.route.first_token_timeout_s, "first_token_timeout"
                remaining = watch.last_chunk_at + limit - loop.time()
                if remaining > 0:
                    done, _ = await asyncio.wait((reader,), timeout=remaining)
                    if done:
                        break
                    continue
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
