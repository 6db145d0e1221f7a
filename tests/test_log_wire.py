"""The stream log's data in Redis is the previous version's, byte for byte: a rolling deploy mixes both on one Redis.

The previous relay called the write script with 19 counted arguments; this one sends
a JSON header, one stream per call or many streams per call. Batches written by either
script, in any order, must leave the same keys, hash fields and stream entries
(docs/redis.md), so each version continues and reads the other's streams.
"""

from __future__ import annotations

import itertools
from typing import Any

import orjson
import pytest
from redis.asyncio import Redis

from relay import events
from relay.log import LiveStream, new_stream_id
from relay.log.keys import StreamKeys
from relay.log.redis_client import send_packed
from relay.log.redis_writer import StreamJournal, pack_shared, pack_write_many
from relay.log.scripts import WRITE_MANY_SCRIPT, WRITE_SCRIPT, WRITTEN, Pending

TTL_MS, GONE_MS, LEASE_MS = 60_000, 120_000, 10_000
LONG_TOKEN = " " + "ü" * 3000  # a frame and a text past the packed lengths made once (relay/log/redis_writer.py)

# The write script of the previous version (relay/redis_log.py before relay/log/), kept to check against.
PREVIOUS_WRITE_SCRIPT = """
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


def previous_args(journal: StreamJournal, batch: list[Pending], *, release: bool, keep_request: bool) -> list[Any]:
    """What the previous version passed as ARGV for `batch` (its StreamJournal.script_args)."""
    stream = journal.stream
    final = bool(batch) and batch[-1][1] in events.TERMINAL_EVENTS
    drop_request = final and not keep_request
    store_request = stream.request is not None and not journal.meta_written and not drop_request
    args: list[Any] = [
        journal.holder,
        journal.epoch,
        LEASE_MS,
        TTL_MS,
        GONE_MS,
        "" if journal.meta_written else "1",
        stream.token_digest,
        stream.route,
        repr(stream.created_at),
        "owner-1",
        stream.status if final else "",
        (stream.finish_reason or "") if final else "",
        orjson.dumps(stream.error) if final and stream.error is not None else "",
        orjson.dumps(stream.audit) if final and stream.audit else "",
        batch[0][0] if batch else journal.durable + 1,
        len(batch),
        orjson.dumps(stream.request) if store_request else "",
        "1" if release else "",
        "1" if drop_request else "",
    ]
    for _, event, frame, text in batch:
        args += (event, frame, text or "")
    return args


def current_args(journal: StreamJournal, batch: list[Pending], *, release: bool) -> list[Any]:
    return journal.script_args(
        batch, ttl_ms=TTL_MS, gone_ms=GONE_MS, lease_ms=LEASE_MS, owner="owner-1", release=release, keep_request=False
    )


async def write(redis: Redis, journal: StreamJournal, *, previous: str, release: bool = False) -> None:
    """One write of everything pending, by the previous version's script, this one's, or this one's many-stream
    script (with another stream written first in the same call); the journal takes the answer as in the store.
    """
    batch = list(journal.pending)
    if previous == "previous":
        args = previous_args(journal, batch, release=release, keep_request=False)
        reply = await redis.eval(PREVIOUS_WRITE_SCRIPT, 5, *journal.keys.all, *args)
    elif previous == "one":
        reply = await redis.eval(WRITE_SCRIPT, 5, *journal.keys.all, *current_args(journal, batch, release=release))
    else:
        other = LiveStream(new_stream_id(), "other-token", "default")
        other_journal = StreamJournal(
            other, StreamKeys.of(other.id, "other"), set(), max_events=10, max_bytes=1 << 20, holder="x:1", epoch=1
        )
        other.journal = other_journal
        other.append_token("another stream's token")
        shared = pack_shared(lease_ms=LEASE_MS, ttl_ms=TTL_MS, gone_ms=GONE_MS)
        sha = (await redis.script_load(WRITE_MANY_SCRIPT)).encode()
        calls = [(other_journal, list(other_journal.pending), False), (journal, batch, release)]
        packed = pack_write_many(sha, shared, calls, owner="owner-1", keep_request=False)
        [replies] = await send_packed(redis, packed, 1)
        assert len(replies) == 6 and int(replies[0]) == WRITTEN
        reply = replies[3:]
    assert int(reply[0]) == WRITTEN, reply
    journal.written(batch, reply[0], reply[1], reply[2], sent_at=0.0, release=release)


async def dump(redis: Redis, keys: StreamKeys) -> dict[str, Any]:
    """Everything a stream's keys hold, less the write time."""
    meta = await redis.hgetall(keys.meta)
    assert meta.pop(b"updated_at")
    return {
        "meta": meta,
        "events": await redis.xrange(keys.events),
        "text": await redis.get(keys.text),
        "lease": await redis.get(keys.lease),
        "gone": await redis.get(keys.gone),
        "expiring": [await redis.pttl(key) > 0 for key in (keys.meta, keys.events, keys.text, keys.gone)],
    }


async def scenario(redis: Redis, prefix: str, stream_id: str, previous: tuple[str, ...], *, ending: str) -> Any:
    """Create a stream, append to it, then end it (`done` or `error`) or release it, each step by either version."""
    stream = LiveStream(stream_id, "the-token", "default")
    stream.created_at = 1764960000.123456
    stream.request = {"messages": [{"role": "user", "content": 'say "hi" \\ ünï 🚀'}], "max_tokens": 64}
    keys = StreamKeys.of(stream_id, prefix)
    journal = StreamJournal(stream, keys, set(), max_events=1000, max_bytes=1 << 20, holder="inst:1", epoch=1)
    stream.journal = journal
    for text in ("Hello", " wörld", ' "quoted"\n', " 🚀", LONG_TOKEN):
        stream.append_token(text)
    stream.append(events.PROGRESS, {"tokens": 4})
    await write(redis, journal, previous=previous[0])
    await write(redis, journal, previous=previous[1])  # a touch: nothing to append, the lease renewed
    stream.append_token(" more")
    if ending == "done":
        stream.audit = {"cost": {"usd": 0.000123456789}, "model": "démo"}
        stream.finish("done", events.DONE, {"finish_reason": "stop"})
        await write(redis, journal, previous=previous[2])
    elif ending == "error":
        stream.finish("failed", events.ERROR, {"code": "upstream", "message": 'ünï "x"', "kind": "upstream"})
        await write(redis, journal, previous=previous[2])
    else:
        journal.abandon()
        await write(redis, journal, previous=previous[2], release=True)
        assert journal.released
    return await dump(redis, keys)


@pytest.mark.parametrize("ending", ["done", "error", "release"])
async def test_either_version_writes_the_same_keys_fields_and_entries(redis_url: str, ending: str) -> None:
    redis = Redis.from_url(redis_url)
    try:
        stream_id = new_stream_id()
        dumps = {}
        for index, previous in enumerate(itertools.product(("previous", "one", "many"), repeat=3)):
            dumps[previous] = await scenario(redis, f"wire{index}", stream_id, previous, ending=ending)
        reference = dumps[("previous", "previous", "previous")]  # what the previous version alone writes
        assert (
            len(reference["events"]) == (7 if ending == "release" else 8)
            and reference["text"] == f'Hello wörld "quoted"\n 🚀{LONG_TOKEN} more'.encode()
        )
        assert (b"request" in reference["meta"]) == (ending == "release")  # dropped with the final status
        for previous, dumped in dumps.items():
            assert dumped == reference, previous
    finally:
        await redis.aclose()
