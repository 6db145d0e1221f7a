"""The SSE response: a cursor over a stream's log, framed by sse-starlette."""

from __future__ import annotations

from typing import AsyncIterator

from sse_starlette import EventSourceResponse
from starlette.types import Receive, Scope, Send

from . import events
from .store import StreamView

SSE_HEADERS = {
    # no-transform: proxies must not compress or rewrite the stream.
    "Cache-Control": "no-cache, no-transform",
    "X-Accel-Buffering": "no",
}


class RelayEventSourceResponse(EventSourceResponse):
    """EventSourceResponse without the `Connection` header where HTTP/2 forbids it."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("http_version", "1.1").startswith("2") and "connection" in self.headers:
            del self.headers["connection"]
        await super().__call__(scope, receive, send)


async def stream_frames(stream: StreamView, after: int, *, retry_ms: int, reset: bool) -> AsyncIterator[bytes]:
    """The prelude, an optional `reset`, then the log after `after`, live until the end."""
    yield events.encode_prelude(retry_ms, f"stream {stream.id}")
    if reset:
        # The reset stands for every event so far; a finished stream's terminal event follows it.
        after = stream.last_event_id - 1 if stream.finished else stream.last_event_id
        yield events.encode_event(after, events.RESET, {"text": stream.text, "last_event_id": after})
    async for frames in stream.follow(after):
        yield frames


def sse_response(stream: StreamView, after: int, *, retry_ms: int, ping_s: float, reset: bool = False, headers: dict[str, str] | None = None) -> RelayEventSourceResponse:
    return RelayEventSourceResponse(
        stream_frames(stream, after, retry_ms=retry_ms, reset=reset),
        headers={**SSE_HEADERS, **(headers or {})},
        ping=ping_s,
    )
