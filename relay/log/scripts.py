"""The Lua scripts that write the stream log in Redis, and how the write script is called.

Each script runs atomically in one stream's slot (relay/log/keys.py). The write
script takes its header (lease, TTLs, the stream's static and final meta) as one
JSON argument, decoded with cjson, and the events after it, three arguments each.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NotRequired, TypedDict

import orjson

# The write script's answer codes: {code, last id in Redis, cancel requested (0/1)}.
WRITTEN, META_MISSING, GAP, FENCED = 0, 1, 2, 3

Pending = tuple[int, str, bytes, str | None]  # event id, event name, frame, token text (None: not a token)


class StaticMeta(TypedDict):
    """Written once, when the script creates the stream's meta hash."""

    token: str  # the token's digest
    route: str
    created_at: str  # repr() of the float: the exact value every version writes
    owner: str  # the instance that created the stream
    key_id: str  # the SHA-256 of the API key that created it ("" none)
    request: str  # the generation request as JSON, kept for a takeover ("" none)


class FinalMeta(TypedDict):
    """Written with the batch that holds the terminal event, never before it."""

    status: str
    finish_reason: str
    error: str  # JSON ("" none)
    audit: str  # JSON ("" none)


class WriteExtra(TypedDict, total=False):
    """The rare parts of a write: creating the meta, the final status, releasing the lease."""

    meta: StaticMeta  # present to create the meta hash (the script answers META_MISSING without)
    final: FinalMeta
    release: bool  # the writer stops here: every event it ever sent is in this batch or before
    drop_request: bool  # delete the stored request with the final status


class WriteHeader(TypedDict):
    """The one-stream write script's header (its only JSON argument)."""

    holder: str  # "<instance>:<epoch>", the lease our writes must match ("" = no lease)
    epoch: str
    lease_ms: int
    ttl_ms: int
    gone_ms: int  # how long the tombstone outlives the log
    first: int  # the id of the first event in this call (the next one when there are none)
    release: bool
    drop_request: bool
    meta: NotRequired[StaticMeta]
    final: NotRequired[FinalMeta]


def write_args(header: WriteHeader, batch: Sequence[Pending]) -> list[bytes | str]:
    """ARGV of the write script: the header as JSON, then (event, frame, text) per event."""
    args: list[bytes | str] = [orjson.dumps(header)]
    for _, event, frame, text in batch:
        args += (event, frame, text or "")
    return args


# Appends a batch of consecutive events, idempotently, and refreshes the TTLs.
#
# write_one takes the five keys, the header `w` (a `WriteHeader` as a table) and where its events are in
# ARGV: (event, frame, text) per event. It returns code, last id in Redis, cancel requested (0/1); codes:
# 0 written, 1 the meta is missing (resend with the static meta), 2 a gap before the first event, 3 fenced.
# Events at or below the stored last id are skipped, so a retried batch is harmless;
# the final status is written in the same script as the terminal event, never before.
# A release deletes the lease and marks the epoch `released`: whoever adopts the
# stream next knows no reader was sent an event that is not in the log.
_WRITE_ONE = """
local function write_one(meta, events, text, lease, gone, w, from, to)
  local holder = w.holder
  local exists = redis.call('EXISTS', meta) == 1
  if holder ~= '' and exists then
    local current = redis.call('GET', lease)
    if current then
      if current ~= holder then return 3, 0, 0 end
    elseif redis.call('HGET', meta, 'epoch') ~= w.epoch then
      return 3, 0, 0
    end
  end
  local last = 0
  if not exists then
    local m = w.meta
    if not m then return 1, 0, 0 end
    redis.call('DEL', events, text)
    redis.call('HSET', meta, 'token', m.token, 'route', m.route, 'created_at', m.created_at,
               'owner', m.owner, 'status', 'running', 'last', 0, 'epoch', w.epoch, 'request', m.request)
    if m.key_id ~= '' then redis.call('HSET', meta, 'key_id', m.key_id) end
  else
    last = tonumber(redis.call('HGET', meta, 'last')) or 0
  end
  local first = tonumber(w.first)
  if first > last + 1 then return 2, last, 0 end
  local id = first
  for arg = from, to, 3 do
    if id > last then
      redis.call('XADD', events, id .. '-0', 'e', ARGV[arg], 'f', ARGV[arg + 1])
      if ARGV[arg + 2] ~= '' then redis.call('APPEND', text, ARGV[arg + 2]) end
      last = id
    end
    id = id + 1
  end
  local ttl, now = tonumber(w.ttl_ms), redis.call('TIME')
  redis.call('HSET', meta, 'last', last, 'updated_at', now[1] .. '.' .. string.format('%06d', tonumber(now[2])))
  local final = w.final
  if final then
    redis.call('HSET', meta, 'status', final.status, 'finish_reason', final.finish_reason,
               'error', final.error, 'audit', final.audit)
    if w.drop_request then redis.call('HDEL', meta, 'request') end
    if holder ~= '' then redis.call('DEL', lease) end
  elseif holder ~= '' and w.release then
    redis.call('DEL', lease)
    redis.call('HSET', meta, 'released', w.epoch)
  elseif holder ~= '' then
    redis.call('SET', lease, holder, 'PX', w.lease_ms)
  end
  redis.call('PEXPIRE', meta, ttl)
  redis.call('PEXPIRE', events, ttl)
  redis.call('PEXPIRE', text, ttl)
  redis.call('SET', gone, '1', 'PX', w.gone_ms)
  local cancel = 0
  if redis.call('HEXISTS', meta, 'cancel') == 1 then cancel = 1 end
  return 0, last, cancel
end
"""

# KEYS: meta, events, text, lease, gone. ARGV: the `WriteHeader` as JSON, then (event, frame, text) per event.
# Returns {code, last, cancel}.
WRITE_SCRIPT = (
    _WRITE_ONE + "return {write_one(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], cjson.decode(ARGV[1]), 2, #ARGV)}\n"
)

# The same write for several streams in one call (a Redis that is not a Cluster: their keys span slots).
# What every stream of a call shares is passed once, and a stream's usual write needs no JSON.
# KEYS: the five keys of each stream in turn. ARGV: the number of streams, lease_ms, ttl_ms, gone_ms, then
# per stream: its number of events, holder, epoch, first event id, the `WriteExtra` as JSON ('' none), and
# (event, frame, text) per event. Returns code, last, cancel of each stream in turn, in one flat list.
WRITE_MANY_SCRIPT = (
    _WRITE_ONE
    + """
local out, n, at, lease_ms, ttl_ms, gone_ms = {}, 0, 5, ARGV[2], ARGV[3], ARGV[4]
for s = 1, tonumber(ARGV[1]) do
  local k, count = (s - 1) * 5, tonumber(ARGV[at])
  local w = {holder = ARGV[at + 1], epoch = ARGV[at + 2], first = ARGV[at + 3],
             lease_ms = lease_ms, ttl_ms = ttl_ms, gone_ms = gone_ms}
  if ARGV[at + 4] ~= '' then
    local extra = cjson.decode(ARGV[at + 4])
    w.meta, w.final, w.release, w.drop_request = extra.meta, extra.final, extra.release, extra.drop_request
  end
  local code, last, cancel = write_one(KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4], KEYS[k + 5], w,
                                       at + 5, at + 4 + 3 * count)
  out[n + 1] = code
  out[n + 2] = last
  out[n + 3] = cancel
  n = n + 3
  at = at + 5 + 3 * count
end
return out
"""
)

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

# The takeover sweep's look at running streams, in Redis: one short answer per call instead of two replies
# per stream to the instance (with several workers each sweeps every other's streams). Only on one Redis
# (not Cluster): the stream keys are named here from their parts. ARGV: the stream keys' text before the id,
# after it for the meta, after it for the lease, then the stream ids (a bounded number: the script blocks
# Redis while it runs). Returns {lapsed ids, ended ids}: the running streams nobody holds a lease on, and
# those whose status is no longer `running` (or that are gone).
FIND_ORPHANS_SCRIPT = """
local lapsed, ended = {}, {}
for i = 4, #ARGV do
  local base = ARGV[1] .. ARGV[i]
  if redis.call('HGET', base .. ARGV[2], 'status') ~= 'running' then
    ended[#ended + 1] = ARGV[i]
  elseif redis.call('EXISTS', base .. ARGV[3]) == 0 then
    lapsed[#lapsed + 1] = ARGV[i]
  end
end
return {lapsed, ended}
"""
