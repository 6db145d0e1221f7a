"""A stream's log in Redis: the key layout, the write script, and the view other instances read.

One relay stream is one Redis Stream (`sr:{id}:events`, entry id `<event id>-0`,
fields `e` = event name, `f` = the SSE frame) plus a metadata hash and the text
so far. All keys of a stream share the hash tag `{id}`, so they live in one
Redis Cluster slot and a Lua script may touch them together; nothing ever
touches two streams at once. See docs/redis.md.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

from . import events
from .errors import ApiError
from .stream import Right, Status, snapshot_of, token_rights

logger = logging.getLogger("splice_relay.redis")

STREAM_ID = re.compile(r"st_[A-Za-z0-9_-]{1,64}")
TERMINAL = frozenset(name.encode() for name in events.TERMINAL_EVENTS)


@dataclass(frozen=True, slots=True)
class StreamKeys:
    """The keys of one stream; `{id}` is the Redis Cluster hash tag."""

    meta: str
    events: str
    text: str
    lease: str
    gone: str

    @classmethod
    def of(cls, stream_id: str, prefix: str = "sr") -> StreamKeys:
        base = f"{prefix}:{{{stream_id}}}"
        return cls(f"{base}:meta", f"{base}:events", f"{base}:text", f"{base}:lease", f"{base}:gone")

    @property
    def all(self) -> tuple[str, str, str, str, str]:
        return (self.meta, self.events, self.text, self.lease, self.gone)


# Appends a batch of consecutive events, idempotently, and refreshes the TTLs.
#
# KEYS: meta, events, text, lease, gone
# ARGV: 1 lease holder ("" = no lease), 2 epoch, 3 lease ms, 4 ttl ms, 5 tombstone ms,
#       6 static meta ("1" to write it), 7 token digest, 8 route, 9 created_at, 10 owner,
#       11 final status ("" while running), 12 finish_reason, 13 error json, 14 audit json,
#       15 first event id, 16 count, 17 the generation request json (with the static meta),
#       18 release ("1": the writer stops here; every event it ever sent is in this batch or before),
#       19 drop the stored request with the final status ("1"),
#       then (event, frame, text) per event.
# Returns {code, last id in Redis, cancel requested (0/1)}; codes: 0 written, 1 the
# meta is missing (resend with static meta), 2 a gap before the first event, 3 fenced.
# Events at or below the stored last id are skipped, so a retried batch is harmless;
# the final status is written in the same script as the terminal event, never before.
# A release deletes the lease and marks the epoch `released`: whoever adopts the
# stream next knows no reader was sent an event that is not in the log.
WRITE_SCRIPT = """
local meta, events, text, lease, gone = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local holder = ARGV[1]
local exists = redis.call('EXISTS', meta) == 1
if holder ~= '' and exists then
  local current = redis.call('GET', lease)
  if current then
    if current ~= holder then return {3, 0, 0} end
  elseif redis.call('HGET', meta, 'epoch') ~= ARGV[2] then
    return {3, 0, 0}
  end
end
local last = 0
if not exists then
  if ARGV[6] ~= '1' then return {1, 0, 0} end
  redis.call('DEL', events, text)
  redis.call('HSET', meta, 'token', ARGV[7], 'route', ARGV[8], 'created_at', ARGV[9],
             'owner', ARGV[10], 'status', 'running', 'last', 0, 'epoch', ARGV[2], 'request', ARGV[17])
else
  last = tonumber(redis.call('HGET', meta, 'last')) or 0
end
local first, count = tonumber(ARGV[15]), tonumber(ARGV[16])
if first > last + 1 then return {2, last, 0} end
local arg = 20
for id = first, first + count - 1 do
  if id > last then
    redis.call('XADD', events, id .. '-0', 'e', ARGV[arg], 'f', ARGV[arg + 1])
    if ARGV[arg + 2] ~= '' then redis.call('APPEND', text, ARGV[arg + 2]) end
    last = id
  end
  arg = arg + 3
end
local ttl, now = tonumber(ARGV[4]), redis.call('TIME')
redis.call('HSET', meta, 'last', last, 'updated_at', now[1] .. '.' .. string.format('%06d', tonumber(now[2])))
if ARGV[11] ~= '' then
  redis.call('HSET', meta, 'status', ARGV[11], 'finish_reason', ARGV[12], 'error', ARGV[13], 'audit', ARGV[14])
  if ARGV[19] == '1' then redis.call('HDEL', meta, 'request') end
  if holder ~= '' then redis.call('DEL', lease) end
elseif holder ~= '' and ARGV[18] == '1' then
  redis.call('DEL', lease)
  redis.call('HSET', meta, 'released', ARGV[2])
elseif holder ~= '' then
  redis.call('SET', lease, holder, 'PX', ARGV[3])
end
redis.call('PEXPIRE', meta, ttl)
redis.call('PEXPIRE', events, ttl)
redis.call('PEXPIRE', text, ttl)
redis.call('SET', gone, '1', 'PX', ARGV[5])
local cancel = 0
if redis.call('HEXISTS', meta, 'cancel') == 1 then cancel = 1 end
return {0, last, cancel}
"""

# Takes the lease of a running stream nobody holds: a new fencing epoch, so the old holder's writes fail.
# Unless the old holder released it (`released` = its epoch: every event it sent is in the log), its
# readers may hold events the log never got: the first such point is kept as `fork` (the last id, and
# the text's length in bytes then), and a reader whose cursor is past it gets a `reset` there.
# KEYS: meta, lease, text; ARGV: instance id, lease ms. Returns the new epoch, or 0.
ACQUIRE_LEASE_SCRIPT = """
if redis.call('HGET', KEYS[1], 'status') ~= 'running' or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local clean = redis.call('HGET', KEYS[1], 'released') == redis.call('HGET', KEYS[1], 'epoch')
if not clean and redis.call('HEXISTS', KEYS[1], 'fork') == 0 then
  local last = redis.call('HGET', KEYS[1], 'last') or 0
  redis.call('HSET', KEYS[1], 'fork', last, 'fork_bytes', redis.call('STRLEN', KEYS[3]))
end
local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
redis.call('SET', KEYS[2], ARGV[1] .. ':' .. epoch, 'PX', ARGV[2])
return epoch
"""

# Flags a cancel for the generating instance (it learns of it from its next write's answer).
# KEYS: meta. Returns 1, or 0 when the stream is unknown (nothing is created).
REQUEST_CANCEL_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'cancel', '1')
return 1
"""

# What a reader's view needs of the meta hash: never the stored `request` (a prompt can be megabytes).
VIEW_FIELDS = (
    "token",
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


class StreamGone(ApiError):
    """The stream existed but its log has expired: 410 Gone, not 404 (a tombstone outlives the log)."""

    def __init__(self, stream_id: str) -> None:
        super().__init__(410, "stream_expired", f"stream {stream_id} has expired")
        self.stream_id = stream_id


class StoreUnavailable(ApiError):
    """Redis cannot be read, or may not have the stream yet: 503 with Retry-After, the client retries.

    `detail` (a Redis error names its host and port) is for the log, never for the client.
    """

    def __init__(self, detail: str, *, retry_after_s: float = 1.0) -> None:
        super().__init__(
            503,
            "store_unavailable",
            "the stream log is unavailable for now; retry",
            retry_after_s=retry_after_s,
        )
        self.detail = detail


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


def decode_frame(frame: bytes) -> tuple[str, str | None]:
    """The event name and, for a token, its text: rebuilds a journal from a LiveStream's frames."""
    event, data = events.decode_event(frame)
    return event, data.get("text") if event == events.TOKEN else None


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
        self.created_at = float(meta.get(b"created_at", b"0"))
        self.status: Status = meta.get(b"status", b"running").decode()  # type: ignore[assignment]
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
        meta = {name.encode(): value for name, value in zip(VIEW_FIELDS, values) if value is not None}
        if not meta:
            if gone:
                raise StreamGone(stream_id)
            return None
        fork = meta.get(b"fork")
        finished, last = meta.get(b"status", b"running") != b"running", int(meta.get(b"last", b"0"))
        if fork is None or not rewinds(int(fork), cursor, finished=finished, last=last):
            return cls(redis, stream_id, keys, meta, text, block_ms=block_ms)
        # Running at the fork, whatever came after: the text then is a prefix of the text now.
        rewound = {name: meta[name] for name in (b"token", b"route", b"created_at") if name in meta}
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
                reply = await self._redis.xread({self._keys.events: f"{position}-0"}, count=1024, block=self._block_ms)
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
