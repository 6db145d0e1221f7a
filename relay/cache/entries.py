"""Cache entries: what a replay needs of a finished stream, kept in memory or in Redis with a TTL, bounded in count.

An entry is a copy of the answer (its token texts, the gaps between them, the finish
reason, what it cost) rather than a pointer to the source stream's log: a hit never
depends on the source's log outliving `store.ttl_s`, and the log's retention stays
what docs/redis.md says.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import orjson

if TYPE_CHECKING:
    from ..config import Config

logger = logging.getLogger("splice_relay.cache")


@dataclass(frozen=True, slots=True)
class Entry:
    """A cached answer: the source stream, its tokens and their gaps (ms), its finish reason and cost."""

    source_stream: str
    finish_reason: str
    usd: float | None
    tokens: tuple[str, ...]
    gaps_ms: tuple[int, ...]  # gaps_ms[i]: ms between token i - 1 and token i (0 for the first)

    def encode(self) -> bytes:
        return orjson.dumps(
            {
                "source_stream": self.source_stream,
                "finish_reason": self.finish_reason,
                "usd": self.usd,
                "tokens": self.tokens,
                "gaps_ms": self.gaps_ms,
            }
        )

    @classmethod
    def decode(cls, raw: bytes) -> Entry | None:
        """The entry, or None when `raw` is not one (written by another version, or damaged)."""
        try:
            data = orjson.loads(raw)
            entry = cls(
                str(data["source_stream"]),
                str(data["finish_reason"]),
                None if data["usd"] is None else float(data["usd"]),
                tuple(str(token) for token in data["tokens"]),
                tuple(int(gap) for gap in data["gaps_ms"]),
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return None
        return entry if len(entry.tokens) == len(entry.gaps_ms) else None

    @property
    def text(self) -> str:
        return "".join(self.tokens)


class Entries(Protocol):
    """Where entries live: `get` and `put` never raise (a store that fails is a miss, and a put lost)."""

    async def get(self, key: str) -> Entry | None: ...

    async def put(self, key: str, entry: Entry, ttl_s: float) -> None: ...

    async def close(self) -> None: ...

    def health(self) -> dict[str, object]: ...


class MemoryEntries:
    """Entries in this process: at most `max_entries`, the oldest dropped first, each until its TTL."""

    def __init__(self, max_entries: int) -> None:
        self._max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, Entry]] = OrderedDict()

    async def get(self, key: str) -> Entry | None:
        found = self._entries.get(key)
        if found is None:
            return None
        expires_at, entry = found
        if time.monotonic() >= expires_at:
            del self._entries[key]
            return None
        return entry

    async def put(self, key: str, entry: Entry, ttl_s: float) -> None:
        self._entries.pop(key, None)
        self._entries[key] = (time.monotonic() + ttl_s, entry)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def close(self) -> None:
        self._entries.clear()

    def health(self) -> dict[str, object]:
        return {"kind": "memory", "entries": len(self._entries)}


# One script per put: the entry with its TTL, its place in the index, and the oldest dropped past the bound.
_PUT = """
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], KEYS[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
if over > 0 then
  local oldest = redis.call('ZPOPMIN', KEYS[2], over)
  for i = 1, #oldest, 2 do redis.call('DEL', oldest[i]) end
end
return 1
"""


class RedisEntries:
    """Entries in Redis, shared by every instance: one key each with its TTL, and an index bounding their number.

    Keys: `{prefix}:{cache}:e:<key>` (the entry, JSON) and `{prefix}:{cache}:index` (a sorted set of
    entry keys by expiry); the `{cache}` hash tag keeps them in one Redis Cluster slot.
    """

    def __init__(self, url: str, *, prefix: str, max_entries: int) -> None:
        from ..log.redis_client import connect  # only a Redis deployment imports the client

        self._redis = connect(url, socket_timeout_s=2.0, max_connections=256)
        self._prefix = prefix
        self._max_entries = max_entries
        self._put = self._redis.register_script(_PUT)
        self.errors = 0

    def _key(self, key: str) -> str:
        return f"{self._prefix}:{{cache}}:e:{key}"

    @property
    def _index(self) -> str:
        return f"{self._prefix}:{{cache}}:index"

    async def get(self, key: str) -> Entry | None:
        try:
            raw: Any = await self._redis.get(self._key(key))
        except Exception as exc:  # Redis away: answer from the upstream instead
            self._failed("get", exc)
            return None
        return Entry.decode(raw) if raw is not None else None

    async def put(self, key: str, entry: Entry, ttl_s: float) -> None:
        now_ms = int(time.time() * 1000)
        ttl_ms = max(1, int(ttl_s * 1000))
        try:
            await self._put(
                keys=[self._key(key), self._index],
                args=[entry.encode(), ttl_ms, now_ms + ttl_ms, now_ms, self._max_entries],
            )
        except Exception as exc:
            self._failed("put", exc)

    async def close(self) -> None:
        await self._redis.aclose()

    def health(self) -> dict[str, object]:
        return {"kind": "redis", "errors": self.errors}

    def _failed(self, what: str, exc: Exception) -> None:
        self.errors += 1
        logger.warning("cache %s failed: %r", what, exc)


def open_entries(config: Config) -> Entries:
    """Entries where the stream log is: in this process with the memory store, in Redis with the Redis store."""
    store = config.store
    if store.kind == "redis":
        return RedisEntries(store.url, prefix=store.prefix, max_entries=store.cache_max_entries)
    return MemoryEntries(store.cache_max_entries)
