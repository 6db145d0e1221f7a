"""The one view of a stream readers get, whether it is generated here or read from a log kept elsewhere."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, Literal, Protocol

from .access import Right

Status = Literal["running", "done", "failed", "cancelled"]


class StreamView(Protocol):
    """What a store's `get` returns: a LiveStream generated here, or a RemoteStream read from Redis."""

    id: str
    route: str
    created_at: float
    status: Status
    finish_reason: str | None
    error: dict[str, Any] | None
    audit: dict[str, Any]
    reconnects: int
    key_id: str | None  # the API key that created it (SHA-256 hex), None on an open relay

    @property
    def generation(self) -> asyncio.Task[None] | None:
        """The local generation task, else None (cancel then goes through the store)."""
        ...

    def token_matches(self, token: str) -> bool: ...

    def rights(self, token: str) -> Right | None:
        """What `token` may do: cancel (the stream's token), read (its read token), or nothing."""
        ...

    @property
    def last_event_id(self) -> int: ...

    @property
    def finished(self) -> bool: ...

    @property
    def text(self) -> str: ...

    def snapshot(self) -> dict[str, Any]: ...

    def follow(self, after: int) -> AsyncIterator[bytes]: ...


def snapshot_of(stream: StreamView) -> dict[str, Any]:
    """`GET /v1/streams/{id}`: the same fields for a stream generated here or read from a store."""
    snapshot: dict[str, Any] = {
        "id": stream.id,
        "status": stream.status,
        "route": stream.route,
        "text": stream.text,
        "last_event_id": stream.last_event_id,
        "finish_reason": stream.finish_reason,
        "created_at": stream.created_at,
    }
    if stream.error is not None:
        snapshot["error"] = stream.error
    if stream.audit:
        # Reconnects go on after the generation ends; the snapshot shows the live count.
        snapshot["audit"] = {**stream.audit, "reconnects": stream.reconnects}
    return snapshot
