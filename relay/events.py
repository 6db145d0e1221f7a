"""SSE frames for the relay's events, encoded once per event and shared by every reader."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
from sse_starlette import ServerSentEvent

SEP = "\n"

# Event names of the public protocol (docs/protocol.md).
TOKEN = "token"
PROGRESS = "progress"
COST = "cost"
DONE = "done"
ERROR = "error"
FAILOVER = "failover"
SPLICE = "splice"
RESET = "reset"
CACHE = "cache"  # {"hit": true, "source_stream": ..., "saved_usd": ...}: answered from the cache (docs/cache.md)
RESUME = "resume"  # {"available": bool}: whether resuming on another instance works right now
TERMINAL_EVENTS = frozenset({DONE, ERROR})


def encode_event(event_id: int, event: str, data: dict[str, Any]) -> bytes:
    """One complete SSE frame: `id`, `event`, JSON `data`."""
    return ServerSentEvent(orjson.dumps(data).decode(), event=event, id=str(event_id), sep=SEP).encode()


def encode_reset(event_id: int, text: str, piece_chars: int) -> Iterator[bytes]:
    """The `reset` event carrying `text`, encoded `piece_chars` characters at a time.

    Joined, the pieces are `encode_event(event_id, RESET, {"text": text, "last_event_id": event_id})`;
    a reader sent a long text this way holds one piece of it, never a copy of the whole.
    """
    yield f'id: {event_id}{SEP}event: {RESET}{SEP}data: {{"text":"'.encode()
    for start in range(0, len(text), piece_chars):
        yield orjson.dumps(text[start : start + piece_chars])[1:-1]  # JSON escapes per character: slices join up
    yield f'","last_event_id":{event_id}}}{SEP}{SEP}'.encode()


def decode_event(frame: bytes) -> tuple[str, dict[str, Any]]:
    """The event name and data of one frame encoded by `encode_event` (for a log read back)."""
    event, data = "message", b"{}"
    for line in frame.split(SEP.encode()):
        if line.startswith(b"event: "):
            event = line[7:].decode()
        elif line.startswith(b"data: "):
            data = line[6:]
    return event, orjson.loads(data)


def encode_prelude(retry_ms: int, comment: str) -> bytes:
    """Sent first on every SSE response so headers flush and EventSource knows its retry delay."""
    return ServerSentEvent(retry=retry_ms, comment=comment, sep=SEP).encode()


def encode_ping() -> bytes:
    """The keep-alive comment for a quiet connection (EventSource ignores comments)."""
    return ServerSentEvent(comment=f"ping - {datetime.now(UTC)}", sep=SEP).encode()
