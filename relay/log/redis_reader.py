"""Reading a stream's log from Redis: the view of a stream another instance generates (or generated).

One relay stream is one Redis Stream (`events`, entry id `<event id>-0`, fields
`e` = event name, `f` = the SSE frame) plus a metadata hash and the text so far
(relay/log/keys.py, docs/redis.md). A view is a consistent snapshot of the meta
and text; following it replays the Redis Stream after a cursor, then blocks on XREAD.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any, cast

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

from .. import events
from .access import Right, token_rights
from .errors import StreamGone
from .keys import StreamKeys
from .redis_client import XReadReply
from .view import Status, snapshot_of

logger = logging.getLogger("splice_relay.redis")

TERMINAL = frozenset(name.encode() for name in events.TERMINAL_EVENTS)


# What a reader's view needs of the meta hash: never the stored `request` (a prompt can be megabytes).
VIEW_FIELDS = (
    "token",
    "key_id",
    "route",
    "created_at",
    "status",
    "last",
    "finish_reason",
    "error",
    "audit",
    "fork",
    "fork_bytes",
)


def rewinds(fork: int | None, cursor: int, *, finished: bool, last: int) -> bool:
    """Whether a client at `cursor` must be sent back to the stream's `fork` (with a `reset` there).

    Past a fork, an id may name another event than the one the client saw. Not so
    the terminal id of an ended stream: a `reset` there would send the client the
    log's tail again with a second terminal event (and an EventSource, reconnecting
    after each, would get it again and again). Either the client read that ending
    from the log, or an instance that died ended the stream for its own readers at
    the same id (docs/redis.md, known limits): either way it has had its ending.
    """
    return fork is not None and cursor > fork and not (finished and cursor == last)


def _text(value: bytes | None) -> str | None:
    return value.decode() if value else None


class RemoteStream:
    """A stream whose generation runs elsewhere (or ran before a restart), read from Redis.

    The metadata and text are a consistent snapshot taken by `load`; `follow`
    replays the Redis Stream after a cursor, then blocks on XREAD for more.
    """

    generation = None  # never a local task: cancel goes through the store

    def __init__(
        self,
        redis: Redis,
        stream_id: str,
        keys: StreamKeys,
        meta: dict[bytes, bytes],
        text: bytes | None,
        *,
        block_ms: int,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._block_ms = block_ms
        self.id = stream_id
        self._token_digest = meta.get(b"token", b"").decode()
        self.route = meta.get(b"route", b"").decode()
        self.key_id = meta.get(b"key_id", b"").decode() or None
        self.created_at = float(meta.get(b"created_at", b"0"))
        self.status = cast(Status, meta.get(b"status", b"running").decode())
        self.last_event_id = int(meta.get(b"last", b"0"))
        self.finish_reason = _text(meta.get(b"finish_reason"))
        raw_error, raw_audit = meta.get(b"error"), meta.get(b"audit")
        self.error: dict[str, Any] | None = orjson.loads(raw_error) if raw_error else None
        self.audit: dict[str, Any] = orjson.loads(raw_audit) if raw_audit else {}
        self.text = text.decode() if text else ""
        self.reconnects = int(self.audit.get("reconnects", 0))  # counted by this view only, from the audit's count
        fork = meta.get(b"fork")
        self.fork = int(fork) if fork is not None else None  # past it, ids may name other events than a reader saw
        self.rewound = False

    @classmethod
    async def load(
        cls,
        redis: Redis,
        stream_id: str,
        keys: StreamKeys,
        *,
        block_ms: int,
        cursor: int = 0,
    ) -> RemoteStream | None:
        """Meta and text in one MULTI (one slot), so `text` is exactly the tokens up to `last_event_id`.

        Only the fields a view needs are read, never the stored request. With a
        `cursor` past the stream's `fork` (a takeover after which that id may name
        another event than the one the client saw), the view is rewound to the
        fork: it stands at the fork's id with the text of then, so the client gets a
        `reset` there and every event after it. Except at the terminal id of an ended
        stream: that client has had an ending, and nothing more may follow it.
        """
        async with redis.pipeline(transaction=True) as pipe:
            pipe.hmget(keys.meta, VIEW_FIELDS)
            pipe.get(keys.text)
            pipe.exists(keys.gone)
            values, text, gone = await pipe.execute()
        meta: dict[bytes, bytes] = {
            name.encode(): value for name, value in zip(VIEW_FIELDS, values) if value is not None
        }
        if not meta:
            if gone:
                raise StreamGone(stream_id)
            return None
        fork = meta.get(b"fork")
        finished, last = meta.get(b"status", b"running") != b"running", int(meta.get(b"last", b"0"))
        if fork is None or not rewinds(int(fork), cursor, finished=finished, last=last):
            return cls(redis, stream_id, keys, meta, text, block_ms=block_ms)
        # Running at the fork, whatever came after: the text then is a prefix of the text now.
        rewound: dict[bytes, bytes] = {
            name: meta[name] for name in (b"token", b"key_id", b"route", b"created_at") if name in meta
        }
        rewound[b"last"] = fork
        text_then = (text or b"")[: int(meta.get(b"fork_bytes", b"0"))]
        view = cls(redis, stream_id, keys, rewound, text_then, block_ms=block_ms)
        view.fork, view.rewound = int(fork), True
        return view

    def token_matches(self, token: str) -> bool:
        return token_rights(self._token_digest, token) is not None

    def rights(self, token: str) -> Right | None:
        return token_rights(self._token_digest, token)

    @property
    def finished(self) -> bool:
        return self.status != "running"

    def snapshot(self) -> dict[str, Any]:
        return snapshot_of(self)

    async def follow(self, after: int) -> AsyncIterator[bytes]:
        """Frames after event id `after`, batched: XREAD returns at once while there is a backlog."""
        position = after
        while True:
            if self.finished and position >= self.last_event_id:
                return  # ended when loaded: nothing more can come, no need to block
            try:
                reply = cast(
                    XReadReply,
                    await self._redis.xread({self._keys.events: f"{position}-0"}, count=1024, block=self._block_ms),
                )
            except RedisError as exc:  # the client reconnects with its Last-Event-ID
                logger.warning("stream %s: Redis read failed, ending the response: %s", self.id, exc)
                return
            if reply:
                entries = reply[0][1]
                yield b"".join(fields[b"f"] for _, fields in entries)
                last_id, last_fields = entries[-1]
                position = int(last_id.split(b"-", 1)[0])
                if last_fields[b"e"] in TERMINAL:
                    return
                continue
            if not await self._still_coming(position):
                return

    async def _still_coming(self, position: int) -> bool:
        """After a quiet XREAD: more events can come unless the stream ended (or expired) at `position`."""
        try:
            status, last = await self._redis.hmget(self._keys.meta, "status", "last")
        except RedisError:
            return False
        if status is None:
            return False
        return status == b"running" or int(last or 0) > position


async def wait_for_event(redis: Redis, keys: StreamKeys, event_id: int, timeout_s: float) -> bool:
    """Block (XREAD, not a poll loop) until event `event_id` is in the log; False on timeout."""
    if event_id <= 0:
        return True
    deadline_ms = max(1, int(timeout_s * 1000))
    reply = await redis.xread({keys.events: f"{event_id - 1}-0"}, count=1, block=deadline_ms)
    return bool(reply)
