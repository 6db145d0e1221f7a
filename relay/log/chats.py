"""Which stream a chat of the AI SDK's UI message stream runs now: chat id -> stream id, per API key.

`POST /v1/ui/chat` binds the chat to the stream it opened; `GET /v1/ui/chat/{id}/stream`
looks it up to resume. A binding lives in the store, so any instance sharing it finds the
chat: in process with the memory store, a key per chat with the Redis store (`redis_chats`). The owner (the
caller's API key id) is part of the key, so one key never finds another's chats. Only the
stream id is kept: the stream's token is derived from the caller's key again when it resumes.
A binding is needed only while its stream runs; it expires after `ttl_s`.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from typing import Protocol, runtime_checkable


class ChatIndex(Protocol):
    """Chat id -> the stream it runs now, per owner."""

    async def bind(self, owner: str, chat_id: str, stream_id: str, ttl_s: float) -> None:
        """The chat's current stream is `stream_id` (for `ttl_s`); a failure to keep it is logged, not raised."""
        ...

    async def current(self, owner: str, chat_id: str) -> str | None:
        """The id of the chat's last stream, if bound; raises StoreUnavailable when the store cannot answer."""
        ...


@runtime_checkable
class ChatStore(Protocol):
    """A store that keeps chat bindings beside its streams (both stores do: `chats`)."""

    chats: ChatIndex


def chat_key(owner: str, chat_id: str) -> str:
    """One digest for an owner's chat: chat ids are the client's strings, of any length and alphabet."""
    return hashlib.sha256(owner.encode() + b"\n" + chat_id.encode()).hexdigest()


class MemoryChats:
    """Bindings in this process, each dropped `ttl_s` after it was made (the oldest looked at on every bind)."""

    def __init__(self) -> None:
        self._bound: OrderedDict[str, tuple[str, float]] = OrderedDict()  # key -> (stream id, expires at)

    async def bind(self, owner: str, chat_id: str, stream_id: str, ttl_s: float) -> None:
        now = time.monotonic()
        key = chat_key(owner, chat_id)
        self._bound.pop(key, None)
        self._bound[key] = (stream_id, now + ttl_s)
        while self._bound:  # mostly in order of expiry: every route's ttl is of the same order
            oldest = next(iter(self._bound.values()))
            if oldest[1] > now:
                break
            self._bound.popitem(last=False)

    async def current(self, owner: str, chat_id: str) -> str | None:
        bound = self._bound.get(chat_key(owner, chat_id))
        if bound is None or bound[1] <= time.monotonic():
            return None
        return bound[0]
