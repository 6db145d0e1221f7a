"""Cache entries: their encoding, the memory bound and TTL, the Redis keys with their TTL and bound (real Redis)."""

from __future__ import annotations

import asyncio
import secrets

import pytest
from redis.asyncio import Redis

from relay.cache.entries import Entry, MemoryEntries, RedisEntries


def entry(source: str = "st_a", text: str = "Hello world") -> Entry:
    tokens = tuple(text.split(" "))
    return Entry(source, "stop", 0.0012, tokens, tuple(range(len(tokens))))


def test_an_entry_survives_its_encoding_and_garbage_is_no_entry() -> None:
    original = Entry("st_x", "end_turn", None, ("a ", "b\u200d", "€"), (0, 12, 3))
    assert Entry.decode(original.encode()) == original
    assert original.text == "a b\u200d€"
    for raw in (
        b"",
        b"{",
        b"[]",
        b'{"source_stream": "st"}',
        b'{"source_stream":"s","finish_reason":"stop","usd":null,"tokens":["a"],"gaps_ms":[]}',
    ):
        assert Entry.decode(raw) is None


async def test_memory_entries_keep_the_newest_up_to_the_bound_and_expire() -> None:
    entries = MemoryEntries(max_entries=2)
    for key in ("a", "b", "c"):
        await entries.put(key, entry(f"st_{key}"), ttl_s=60)
    assert await entries.get("a") is None  # the oldest went
    found = await entries.get("c")
    assert found is not None and found.source_stream == "st_c"
    await entries.put("short", entry(), ttl_s=0.05)
    await asyncio.sleep(0.1)
    assert await entries.get("short") is None
    assert entries.health() == {"kind": "memory", "entries": 1}


async def test_redis_entries_have_their_ttl_and_a_bound(redis_url: str) -> None:
    prefix = f"t{secrets.token_hex(4)}"
    entries = RedisEntries(redis_url, prefix=prefix, max_entries=3)
    raw = Redis.from_url(redis_url)
    try:
        for index in range(5):
            await entries.put(f"k{index}", entry(f"st_{index}"), ttl_s=60 + index)
        assert await entries.get("k0") is None and await entries.get("k1") is None  # the first to expire went
        found = await entries.get("k4")
        assert found == entry("st_4")
        assert await raw.zcard(f"{prefix}:{{cache}}:index") == 3
        ttl_ms = await raw.pttl(f"{prefix}:{{cache}}:e:k4")
        assert 0 < ttl_ms <= 64_000
        await raw.set(f"{prefix}:{{cache}}:e:bad", b"not an entry")
        assert await entries.get("bad") is None
    finally:
        await entries.close()
        await raw.aclose()


async def test_redis_away_is_a_miss_and_a_lost_write() -> None:
    entries = RedisEntries("redis://127.0.0.1:1/0", prefix="sr", max_entries=3)
    try:
        await entries.put("k", entry(), ttl_s=60)
        assert await entries.get("k") is None
        assert entries.health() == {"kind": "redis", "errors": 2}
    finally:
        await entries.close()


@pytest.mark.parametrize("ttl_s", [0.0001])
async def test_a_tiny_ttl_is_at_least_a_millisecond(redis_url: str, ttl_s: float) -> None:
    entries = RedisEntries(redis_url, prefix=f"t{secrets.token_hex(4)}", max_entries=3)
    try:
        await entries.put("k", entry(), ttl_s=ttl_s)  # PX 0 would be a Redis error
        assert entries.errors == 0
    finally:
        await entries.close()
