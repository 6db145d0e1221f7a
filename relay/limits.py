"""Admission control per API key: requests per minute, concurrent streams, and the daily budget.

`admit` runs before a stream is created: it checks the key's limits and, in one
atomic step, takes a concurrency slot and reserves the stream's maximum cost
against the key's allowance for the UTC day (spent + reserved never passes the
cap, however many requests arrive at once). `settle` runs when the stream ends,
on whichever instance ended it: the actual cost is added, the reservation and
the slot are released. A slot or reservation nobody settles (its instance died
and no other took the stream over) expires `max_duration_s` plus a margin after
admission, and its reservation is released then (the key is not charged for it).

`MemoryAdmission` keeps the tally in the process. `RedisAdmission` keeps it in
Redis, shared by every instance: one Lua script per call, all keys of one API
key under `{prefix}:limits:{<key id>}:` (one Redis Cluster slot), each with a TTL.
Amounts are whole nano-USD, so concurrent additions and releases never drift.

When Redis cannot be reached, `RedisAdmission` falls back to the in-process
limits by default (`on_unavailable="local"`): every instance then enforces the
limits on its own, so for the length of the outage a key can get up to N times
its limits across N instances, but the relay keeps serving. With
`on_unavailable="closed"` it refuses instead: `Limited("limits_unavailable")`,
whose `status` is 503. Settlements that cannot reach Redis are kept (bounded)
and retried once it answers again.
"""

from __future__ import annotations

import asyncio
import collections
import heapq
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from .tenants import KeyLimits as KeyLimits  # the limits every key or tenant gets, defined beside the tenants

if TYPE_CHECKING:
    from .config import Config

logger = logging.getLogger("splice_relay.limits")

NANO = 1_000_000_000  # nano-USD per USD: the unit of every tally
DAY_S = 86400
WINDOW_S = 60.0  # the requests-per-minute window (sliding)
HOLD_MARGIN_S = 60.0  # how much longer than its maximum duration an unsettled stream holds its slot
BUDGET_TTL_S = 2 * DAY_S  # a key's day tally is never read after its day; this bounds it in Redis
BUSY_RETRY_S = 1.0  # Retry-After when a running stream's end would free the limit


@dataclass(frozen=True, slots=True)
class Ticket:
    """An admitted stream; rebuilt from `(key_id, stream_id, reserved_usd)` on any instance to settle it there.

    `reserved_usd` is what the stream may spend of the key's daily allowance (None: no daily cap): the
    reservation asked for, or less when less was left. Settling needs only `key_id` and `stream_id`.
    """

    key_id: str
    stream_id: str
    reserved_usd: float | None = None


class Limited(Exception):
    """The request is refused: the app answers `status` with `code`, `message` and Retry-After."""

    def __init__(self, code: str, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after_s = retry_after_s

    @property
    def status(self) -> int:
        """503 when the limits could not be checked, else 429."""
        return 503 if self.code == "limits_unavailable" else 429


class Admission(Protocol):
    """Admission control per API key (`key_id`: the SHA-256 hex of the key)."""

    async def admit(
        self,
        key_id: str,
        stream_id: str,
        *,
        reserve_usd: float | None,
        max_duration_s: float,
        limits: KeyLimits | None = None,
    ) -> Ticket:
        """Admit the stream or raise Limited.

        `key_id` is the account the limits are kept under (a key, or a tenant); `limits` its own limits
        (default: the ones the admission was built with).
        `reserve_usd` is the stream's maximum cost; None reserves all the key has left today.
        The slot and the reservation expire `max_duration_s` plus a margin from now if never settled.
        """
        ...

    async def settle(self, ticket: Ticket, spent_usd: float | None) -> None:
        """The stream ended: add what it spent, release its reservation and slot. Never raises."""
        ...

    async def extend(self, ticket: Ticket, max_duration_s: float) -> None:
        """A stream continues (taken over): its slot and reservation hold `max_duration_s` plus a margin from now."""
        ...

    async def close(self) -> None:
        """Release what the implementation holds (its Redis client)."""
        ...


def _nanos(usd: float, *, up: bool = False) -> int:
    """USD as whole nano-USD; a reservation is rounded up, a spend to the nearest."""
    return math.ceil(usd * NANO) if up else round(usd * NANO)


def _until_next_day(now: float) -> float:
    """Seconds until the next UTC midnight: when a spent allowance comes back."""
    return (math.floor(now / DAY_S) + 1) * DAY_S - now


def _budget_exhausted(limits: KeyLimits, spent_all: bool, now: float) -> Limited:
    """Spent: retry tomorrow. Spent or reserved: retry soon, a running stream may give some back."""
    cap = limits.daily_usd
    if spent_all:
        message = f"this API key has spent its {cap:g} USD for today (UTC)"
        return Limited("daily_budget_exhausted", message, _until_next_day(now))
    return Limited(
        "daily_budget_exhausted",
        f"this API key's {cap:g} USD for today (UTC) are spent or reserved by its running streams",
        BUSY_RETRY_S,
    )


def _rate_limited(limits: KeyLimits, retry_after_s: float) -> Limited:
    """Retry when the oldest request in the window leaves it."""
    message = f"this API key may make {limits.requests_per_minute} requests a minute"
    return Limited("rate_limited", message, retry_after_s)


def _too_many_streams(limits: KeyLimits) -> Limited:
    """Retry soon: a running stream's end frees a slot."""
    message = f"this API key may run {limits.concurrent_streams} streams at once"
    return Limited("too_many_streams", message, BUSY_RETRY_S)


# -- in process -------------------------------------------------------------


@dataclass(slots=True)
class _KeyState:
    """One key's tally in process: the same model as the Redis keys."""

    day: int = -1
    spent: int = 0  # nano-USD, on `day`
    reserved: int = 0  # nano-USD, on `day`
    running: dict[str, tuple[float, int, int]] = field(default_factory=dict)  # stream id -> (expires at, day, nanos)
    expiries: list[tuple[float, str]] = field(default_factory=list)  # heap over `running`; stale entries skipped
    requests: collections.deque[float] = field(default_factory=collections.deque)  # admission times in the window

    def expire(self, now: float) -> None:
        """Release the slots and reservations whose streams were never settled."""
        while self.expiries and self.expiries[0][0] <= now:
            expires_at, stream_id = heapq.heappop(self.expiries)
            entry = self.running.get(stream_id)
            if entry is not None and entry[0] == expires_at:
                self.release(stream_id)

    def release(self, stream_id: str) -> tuple[float, int, int] | None:
        """Free the stream's slot and its reservation (from its own day's tally only); its entry, if it held one."""
        entry = self.running.pop(stream_id, None)
        if entry is not None and entry[1] == self.day:
            self.reserved -= entry[2]
        return entry

    def roll(self, day: int) -> int:
        """Start `day`'s tally if it is newer; the day admissions count against (never moves back)."""
        if day > self.day:
            self.day, self.spent, self.reserved = day, 0, 0
        return self.day

    def hold(self, stream_id: str, expires_at: float, day: int, nanos: int) -> None:
        """Give the stream a slot (and the reservation `nanos` on `day`) until `expires_at`."""
        self.running[stream_id] = (expires_at, day, nanos)
        if len(self.expiries) > 2 * len(self.running) + 64:  # mostly settled streams: rebuild
            self.expiries = [(entry[0], stream) for stream, entry in self.running.items()]
            heapq.heapify(self.expiries)
        else:
            heapq.heappush(self.expiries, (expires_at, stream_id))


class MemoryAdmission:
    """The limits of one process: exact, atomic (no await between check and update)."""

    def __init__(
        self, limits: KeyLimits, *, clock: Callable[[], float] = time.time, hold_margin_s: float = HOLD_MARGIN_S
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._hold_margin_s = hold_margin_s
        self._keys: dict[str, _KeyState] = {}

    def holds(self, ticket: Ticket) -> bool:
        """Whether `ticket`'s stream holds a slot or reservation here."""
        state = self._keys.get(ticket.key_id)
        return state is not None and ticket.stream_id in state.running

    async def admit(
        self,
        key_id: str,
        stream_id: str,
        *,
        reserve_usd: float | None,
        max_duration_s: float,
        limits: KeyLimits | None = None,
    ) -> Ticket:
        return self.admit_now(key_id, stream_id, reserve_usd=reserve_usd, max_duration_s=max_duration_s, limits=limits)

    def admit_now(
        self,
        key_id: str,
        stream_id: str,
        *,
        reserve_usd: float | None,
        max_duration_s: float,
        limits: KeyLimits | None = None,
    ) -> Ticket:
        """`admit` without the coroutine: RedisAdmission's fallback calls it directly."""
        limits, now = limits or self.limits, self._clock()
        state = self._keys.get(key_id)
        if state is None:
            state = self._keys[key_id] = _KeyState()
        state.expire(now)
        if limits.tracks_streams and stream_id in state.running:
            raise ValueError(f"stream {stream_id} was admitted already")
        requests = state.requests
        if limits.requests_per_minute is not None:
            while requests and requests[0] <= now - WINDOW_S:
                requests.popleft()
            if len(requests) >= limits.requests_per_minute:
                raise _rate_limited(limits, max(requests[0] + WINDOW_S - now, 0.001))
        if limits.concurrent_streams is not None and len(state.running) >= limits.concurrent_streams:
            raise _too_many_streams(limits)
        day, grant = state.roll(int(now // DAY_S)), -1
        if limits.daily_usd is not None:
            left = _nanos(limits.daily_usd) - state.spent - state.reserved
            if left <= 0:
                raise _budget_exhausted(limits, state.spent >= _nanos(limits.daily_usd), now)
            grant = left if reserve_usd is None else min(_nanos(reserve_usd, up=True), left)
            state.reserved += grant
        if limits.requests_per_minute is not None:
            requests.append(now)
        if limits.tracks_streams:
            state.hold(stream_id, now + max_duration_s + self._hold_margin_s, day, max(grant, 0))
        return Ticket(key_id, stream_id, grant / NANO if grant >= 0 else None)

    async def settle(self, ticket: Ticket, spent_usd: float | None) -> None:
        self.settle_now(ticket, spent_usd)

    def settle_now(self, ticket: Ticket, spent_usd: float | None) -> None:
        """`settle` without the coroutine; the spend counts on the reservation's day (today if it has none)."""
        state = self._keys.get(ticket.key_id)
        if state is None:
            state = self._keys[ticket.key_id] = _KeyState()
        entry = state.release(ticket.stream_id)
        if not spent_usd or spent_usd <= 0:  # counted whatever the limits: a tenant's cap may be set later
            return
        if entry is None:  # its reservation expired, or there was none: today's tally
            day = state.roll(int(self._clock() // DAY_S))
        else:
            day = entry[1]
            if day > state.day:
                state.roll(day)
        if day == state.day:
            state.spent += _nanos(spent_usd)
        # else: the reservation was an earlier day's, whose tally is no longer read

    async def extend(self, ticket: Ticket, max_duration_s: float) -> None:
        state = self._keys.get(ticket.key_id)
        entry = state.running.get(ticket.stream_id) if state is not None else None
        if state is not None and entry is not None:
            expires_at = max(entry[0], self._clock() + max_duration_s + self._hold_margin_s)
            state.hold(ticket.stream_id, expires_at, entry[1], entry[2])

    async def close(self) -> None:
        """Nothing to release."""


# -- Redis ------------------------------------------------------------------

# Both scripts take KEYS: budget (hash: day, spent, reserved), running (zset: stream id ->
# expires at ms), held (hash: stream id -> "<day>:<reserved nanos>"), requests (zset: stream
# id -> admitted at ms). ARGV 1 is the caller's clock in ms, 2 its UTC day number (days since
# the epoch), 3 the stream id. A day tally only moves forward, so instances whose clocks
# straddle midnight agree on the newer day. A released reservation is subtracted only from the
# day it was made on; an earlier day's tally is never read again.
_COMMON = """
local budget, running, held, requests = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local now, day, id = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local current = redis.call('HGET', budget, 'day')
local function int(x) return string.format('%d', x) end
local function release(stream)
  local entry = redis.call('HGET', held, stream)
  redis.call('ZREM', running, stream)
  if not entry then return nil end
  redis.call('HDEL', held, stream)
  local sep = string.find(entry, ':', 1, true)
  local on = string.sub(entry, 1, sep - 1)
  if on == current then redis.call('HINCRBY', budget, 'reserved', int(-tonumber(string.sub(entry, sep + 1)))) end
  return on
end
local function roll()
  if current and tonumber(current) >= tonumber(day) then day = current return end
  redis.call('HSET', budget, 'day', day, 'spent', 0, 'reserved', 0)
  current = day
end
local function keep(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, int(ms)) end
end
"""

# ARGV 4 hold ms, 5 requests per minute ("" = none), 6 concurrent streams ("" = none),
# 7 daily cap nanos ("" = none), 8 reservation nanos ("" = all that is left), 9 budget TTL ms,
# 10 window ms. Returns {code, retry after ms, granted nanos (-1: no cap)}; codes: 0 admitted,
# 1 rate limited, 2 too many streams, 3 budget spent, 4 budget spent or reserved, 5 duplicate id.
ADMIT_SCRIPT = (
    _COMMON
    + """
local hold, rpm, slots = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local cap, reserve, budget_ttl, window = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
for _, stream in ipairs(redis.call('ZRANGEBYSCORE', running, '-inf', int(now), 'LIMIT', 0, 100)) do release(stream) end
if redis.call('ZSCORE', running, id) then return {5, 0, -1} end
if rpm then
  redis.call('ZREMRANGEBYSCORE', requests, '-inf', int(now - window))
  if redis.call('ZCARD', requests) >= rpm then
    local oldest = redis.call('ZRANGE', requests, 0, 0, 'WITHSCORES')
    return {1, math.max(tonumber(oldest[2]) + window - now, 1), -1}
  end
end
if slots and redis.call('ZCOUNT', running, '(' .. int(now), '+inf') >= slots then return {2, 0, -1} end
local grant = -1
if cap then
  roll()
  local spent = tonumber(redis.call('HGET', budget, 'spent'))
  local left = cap - spent - tonumber(redis.call('HGET', budget, 'reserved'))
  if left <= 0 then
    if spent >= cap then return {3, 0, -1} end
    return {4, 0, -1}
  end
  grant = left
  if reserve and reserve < left then grant = reserve end
  redis.call('HINCRBY', budget, 'reserved', int(grant))
  redis.call('PEXPIRE', budget, int(budget_ttl))
  redis.call('HSET', held, id, day .. ':' .. int(grant))
end
if rpm then
  redis.call('ZADD', requests, int(now), id)
  redis.call('PEXPIRE', requests, int(window))
end
if slots or cap then
  redis.call('ZADD', running, int(now + hold), id)
  keep(running, hold)
  keep(held, hold)
end
return {0, 0, grant}
"""
)

# ARGV 4 spent nanos ("" = not counted), 5 budget TTL ms. Returns 1 if the stream held a slot.
SETTLE_SCRIPT = (
    _COMMON
    + """
local spent, budget_ttl = tonumber(ARGV[4]), tonumber(ARGV[5])
local held_slot = redis.call('ZSCORE', running, id)
local on = release(id)
if spent and spent > 0 then
  if not on then
    roll()
    on = day
  elseif not current or tonumber(on) > tonumber(current) then
    day = on
    roll()
  end
  if on == current then
    redis.call('HINCRBY', budget, 'spent', int(spent))
    redis.call('PEXPIRE', budget, int(budget_ttl))
  end
end
if held_slot then return 1 end
return 0
"""
)

# ARGV 4 hold ms. Re-arms a running stream's slot, if it still holds one (never brings back a settled one).
EXTEND_SCRIPT = (
    _COMMON
    + """
local hold = tonumber(ARGV[4])
redis.call('ZADD', running, 'XX', 'GT', int(now + hold), id)
keep(running, hold)
keep(held, hold)
return 1
"""
)

_UNAVAILABLE = (RedisError, OSError, asyncio.TimeoutError)


@dataclass(frozen=True, slots=True)
class LimitKeys:
    """The Redis keys of one API key's limits; `{key id}` is the Redis Cluster hash tag."""

    budget: str
    running: str
    held: str
    requests: str

    @classmethod
    def of(cls, key_id: str, prefix: str = "sr") -> LimitKeys:
        """The keys of `key_id` under `prefix`."""
        base = f"{prefix}:limits:{{{key_id}}}"
        return cls(f"{base}:budget", f"{base}:running", f"{base}:held", f"{base}:requests")

    @property
    def all(self) -> tuple[str, str, str, str]:
        """In the order the scripts take them as KEYS."""
        return (self.budget, self.running, self.held, self.requests)


class RedisAdmission:
    """The limits shared by every instance on one Redis (see the module docstring for outages)."""

    def __init__(
        self,
        redis: Redis,
        limits: KeyLimits,
        *,
        prefix: str = "sr",
        timeout_s: float = 1.0,
        on_unavailable: Literal["local", "closed"] = "local",
        clock: Callable[[], float] = time.time,
        hold_margin_s: float = HOLD_MARGIN_S,
        max_unsettled: int = 100_000,
        owns_client: bool = False,
    ) -> None:
        self.limits = limits
        self._redis = redis
        self._prefix = prefix
        self._timeout_s = timeout_s
        self._on_unavailable = on_unavailable
        self._clock = clock
        self._hold_margin_s = hold_margin_s
        self._admit = redis.register_script(ADMIT_SCRIPT)
        self._settle = redis.register_script(SETTLE_SCRIPT)
        self._extend = redis.register_script(EXTEND_SCRIPT)
        self._local = MemoryAdmission(limits, clock=clock, hold_margin_s=hold_margin_s)  # while Redis is away
        self._unsettled: dict[str, tuple[Ticket, float | None]] = {}  # stream id -> settlement Redis has not taken
        self._max_unsettled = max_unsettled
        self._retrying: asyncio.Task[None] | None = None
        self._degraded = False
        self._owns_client = owns_client

    def keys(self, key_id: str) -> LimitKeys:
        """The Redis keys of `key_id`'s limits."""
        return LimitKeys.of(key_id, self._prefix)

    @property
    def degraded(self) -> bool:
        """Whether the last call could not reach Redis."""
        return self._degraded

    def _args(self, key_id: str, stream_id: str) -> tuple[list[str], list[Any]]:
        """KEYS and the ARGV every script starts with: the clock in ms, the UTC day number, the stream id."""
        now = self._clock()
        return list(self.keys(key_id).all), [round(now * 1000), int(now // DAY_S), stream_id]

    async def admit(
        self,
        key_id: str,
        stream_id: str,
        *,
        reserve_usd: float | None,
        max_duration_s: float,
        limits: KeyLimits | None = None,
    ) -> Ticket:
        limits = limits or self.limits
        keys, args = self._args(key_id, stream_id)
        args += [
            round((max_duration_s + self._hold_margin_s) * 1000),
            limits.requests_per_minute or "",
            limits.concurrent_streams or "",
            _nanos(limits.daily_usd) if limits.daily_usd is not None else "",
            _nanos(reserve_usd, up=True) if reserve_usd is not None else "",
            BUDGET_TTL_S * 1000,
            round(WINDOW_S * 1000),
        ]
        try:
            async with asyncio.timeout(self._timeout_s):
                code, retry_ms, grant = await self._admit(keys=keys, args=args)
        except _UNAVAILABLE as exc:
            self._unavailable(exc)
            if self._on_unavailable == "closed":
                message = "this API key's limits cannot be checked right now"
                raise Limited("limits_unavailable", message, BUSY_RETRY_S) from None
            return self._local.admit_now(
                key_id, stream_id, reserve_usd=reserve_usd, max_duration_s=max_duration_s, limits=limits
            )
        self._available()
        if code == 1:
            raise _rate_limited(limits, int(retry_ms) / 1000)
        if code == 2:
            raise _too_many_streams(limits)
        if code in (3, 4):
            raise _budget_exhausted(limits, code == 3, args[0] / 1000)
        if code == 5:
            raise ValueError(f"stream {stream_id} was admitted already")
        grant = int(grant)
        return Ticket(key_id, stream_id, grant / NANO if grant >= 0 else None)

    async def settle(self, ticket: Ticket, spent_usd: float | None) -> None:
        if self._local.holds(ticket):  # admitted while Redis was away
            self._local.settle_now(ticket, spent_usd)
            return
        try:
            await self._settle_in_redis(ticket, spent_usd)
        except _UNAVAILABLE as exc:
            self._unavailable(exc)
            self._keep_unsettled(ticket, spent_usd)
            return
        self._available()

    async def _settle_in_redis(self, ticket: Ticket, spent_usd: float | None) -> None:
        keys, args = self._args(ticket.key_id, ticket.stream_id)
        counted = spent_usd is not None and spent_usd > 0  # whatever the limits: a tenant's cap may be set later
        args += [_nanos(spent_usd) if counted else "", BUDGET_TTL_S * 1000]  # type: ignore[arg-type]
        async with asyncio.timeout(self._timeout_s):
            await self._settle(keys=keys, args=args)

    async def extend(self, ticket: Ticket, max_duration_s: float) -> None:
        if self._local.holds(ticket):
            await self._local.extend(ticket, max_duration_s)
            return
        keys, args = self._args(ticket.key_id, ticket.stream_id)
        args.append(round((max_duration_s + self._hold_margin_s) * 1000))
        try:
            async with asyncio.timeout(self._timeout_s):
                await self._extend(keys=keys, args=args)
        except _UNAVAILABLE as exc:
            self._unavailable(exc)

    async def close(self) -> None:
        """Stop retrying settlements; close the client if this object made it."""
        if self._retrying is not None:
            self._retrying.cancel()
            await asyncio.wait({self._retrying}, timeout=1)
        if self._unsettled:
            logger.warning("closing with %d settlements Redis has not taken", len(self._unsettled))
        if self._owns_client:
            try:
                await asyncio.wait_for(self._redis.aclose(), timeout=1)
            except _UNAVAILABLE as exc:
                logger.warning("closing the limits' Redis client failed: %r", exc)

    def _keep_unsettled(self, ticket: Ticket, spent_usd: float | None) -> None:
        if len(self._unsettled) >= self._max_unsettled:
            self._unsettled.pop(next(iter(self._unsettled)))  # the oldest: its reservation expires on its own
        self._unsettled[ticket.stream_id] = (ticket, spent_usd)

    def _unavailable(self, exc: BaseException) -> None:
        if not self._degraded:
            logger.warning("Redis unavailable for the API key limits (%s): %s", self._on_unavailable, exc)
        self._degraded = True

    def _available(self) -> None:
        if self._degraded:
            logger.info("Redis is back for the API key limits")
        self._degraded = False
        if self._unsettled and (self._retrying is None or self._retrying.done()):
            self._retrying = asyncio.create_task(self._settle_kept(), name="limits-settle-retry")

    async def _settle_kept(self) -> None:
        """Send the settlements Redis missed, oldest first; stop at the first failure."""
        while self._unsettled:
            stream_id, (ticket, spent_usd) = next(iter(self._unsettled.items()))
            try:
                await self._settle_in_redis(ticket, spent_usd)
            except _UNAVAILABLE as exc:
                self._unavailable(exc)
                return
            self._unsettled.pop(stream_id, None)

    @property
    def unsettled(self) -> int:
        """Settlements waiting for Redis."""
        return len(self._unsettled)


def build_admission(config: Config) -> Admission | None:
    """The admission control `config` asks for: shared through Redis with the Redis store; None if no limit is set.

    A key file may give a tenant limits at any time, so with one there is always an admission control.
    """
    limits = KeyLimits.of(config.server)
    tenant_limits = any(tenant.limits.enabled for tenant in config.tenants.values())
    if not (limits.enabled or tenant_limits or config.server.keys_file):
        return None
    if config.store.kind == "redis":
        from .log.redis_client import connect

        client = connect(config.store.url, socket_timeout_s=2.0, max_connections=256)
        return RedisAdmission(client, limits, prefix=config.store.prefix, owns_client=True)
    return MemoryAdmission(limits)
