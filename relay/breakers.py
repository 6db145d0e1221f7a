"""A circuit breaker per target (`provider/model`), so a dead upstream does not cost every new stream its timeout.

A target is *closed* while it works. `failures` consecutive failed attempts, a
`failure_rate` of the attempts that ended in the last `window_s` (once there were
`min_attempts` of them), or one 429/503 answer with `Retry-After` *open* it: new
attempts skip it at once, and the generation fails over to the route's next target
with a `failover` whose reason is `circuit_open`. After `cooldown_s` (or the
Retry-After, at most `max_open_s`) it is *half-open*: one attempt, the trial, goes
through while the others still skip it; a success closes it, a failure opens it again.
A trial that neither succeeds nor fails (its stream was cancelled) frees the slot for
the next one, and a trial lost with its instance frees it after `cooldown_s`.

The window is `WINDOW_BUCKETS` time buckets of `window_s / WINDOW_BUCKETS` each, in a
ring (per bucket: its number since the epoch, its attempts, its failures), so it costs
the same memory however busy the target; a bucket older than the ring is ignored and
reused. Only a closed target's attempts are counted, and closing empties the window, so
a reopened target is judged on what it does after its trial.

When every target of a route is open the stream fails fast: each skip is a
`failover`, and the last one is the stream's `error` with code `circuit_open`.

The breaker is consulted when an attempt starts and told how it ended; nothing runs
per token. A success of a target with nothing to reset only counts in the window, so it
is told in the background (and not at all without the rate rule).

`MemoryBreakerState` keeps the state in the process; `RedisBreakerState` keeps it in
one Redis hash per target, `{prefix}:breaker:<provider/model>`, window included, changed
by one Lua script on Redis's clock, so every instance shares it. When Redis cannot be
reached (an error, or no answer within `BACKEND_TIMEOUT_S`), each instance keeps its own
breakers in memory for `BACKEND_RETRY_S` before it asks Redis again, so an outage neither
delays every new stream nor leaves it without breakers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal, Protocol

from redis.asyncio import Redis
from redis.exceptions import NoScriptError, RedisError

from .config import BreakerConfig, Config, Target
from .engine.failures import AttemptFailed
from .log.redis_client import connect

logger = logging.getLogger("splice_relay.breakers")

BreakerState = Literal["closed", "open", "half_open"]
Operation = Literal["admit", "success", "failure", "release"]
Verdict = Literal["pass", "trial", "open"]

STATE_NUMBERS: dict[str, int] = {"closed": 0, "open": 1, "half_open": 2}  # the metrics' gauge value
UNCOUNTED_KINDS = frozenset({"bad_request"})  # the request's fault, not the target's: neither success nor failure
KEY_TTL_MS = 7 * 86400 * 1000  # a target nobody used for a week is forgotten
BACKEND_TIMEOUT_S = 0.5  # an attempt waits at most this long on the shared state...
BACKEND_RETRY_S = 5.0  # ...and after a failure, the process keeps its own for this long
WINDOW_BUCKETS = 10  # the failure-rate window's time buckets


@dataclass(slots=True)
class TargetState:
    """One target's breaker: its state, consecutive failures, until when (epoch ms) it is open or on trial, and
    its failure-rate window: `attempts` and `failed` sum its live buckets as of the last attempt it counted,
    `window` is the ring itself (kept by the memory backend; Redis keeps its own). `stamp` is when the state was
    read (epoch µs, Redis's clock for the shared state): of two answers that come back out of order, the later
    state is kept."""

    state: BreakerState = "closed"
    failures: int = 0
    open_until_ms: int = 0
    trial_until_ms: int = 0
    attempts: int = 0
    failed: int = 0
    window: list[int] = field(default_factory=list)
    stamp: int = 0


def rate_ppm(config: BreakerConfig) -> int:
    """The failure-rate threshold in millionths, so Python and Lua compare integers alike (0: no rate rule)."""
    return round(config.failure_rate * 1_000_000)


def bucket_ms(config: BreakerConfig) -> int:
    """The length of one of the window's buckets."""
    return max(1, round(config.window_s * 1000 / WINDOW_BUCKETS))


def window_sums(window: list[int], bucket: int) -> tuple[int, int]:
    """Attempts and failures of the buckets in the window ending with bucket number `bucket`."""
    attempts = failed = 0
    for i in range(0, len(window), 3):
        if bucket - WINDOW_BUCKETS < window[i] <= bucket:
            attempts, failed = attempts + window[i + 1], failed + window[i + 2]
    return attempts, failed


def window_count(window: list[int], bucket: int, failed: bool) -> None:
    """One ended attempt in bucket number `bucket`: its slot of the ring is reset first if it held an older one."""
    if len(window) != 3 * WINDOW_BUCKETS:
        window[:] = [0] * (3 * WINDOW_BUCKETS)
    i = 3 * (bucket % WINDOW_BUCKETS)
    if window[i] != bucket:
        window[i : i + 3] = [bucket, 0, 0]
    window[i + 1] += 1
    window[i + 2] += int(failed)


def apply(state: TargetState, operation: Operation, config: BreakerConfig, hold_ms: int, now_ms: int) -> Verdict:
    """One step of the state machine (the Lua script below is the same, line by line)."""
    cooldown_ms = int(config.cooldown_s * 1000)
    threshold = rate_ppm(config)
    verdict: Verdict = "pass"
    opens = False
    if operation == "admit":
        if state.state == "closed":
            pass
        elif (state.state == "open" and now_ms < state.open_until_ms) or (
            state.state == "half_open" and now_ms < state.trial_until_ms
        ):
            verdict = "open"
        else:
            state.state, state.trial_until_ms = "half_open", now_ms + cooldown_ms
            verdict = "trial"
    elif operation in ("success", "failure"):
        failure = operation == "failure"
        was_closed = state.state == "closed"
        if was_closed and threshold > 0:
            bucket = now_ms // bucket_ms(config)
            window_count(state.window, bucket, failure)
            state.attempts, state.failed = window_sums(state.window, bucket)
            opens = state.attempts >= config.min_attempts and state.failed * 1_000_000 >= threshold * state.attempts
        if failure:
            state.failures += 1
            opens = opens or state.state == "half_open" or state.failures >= config.failures or hold_ms > 0
        else:
            state.failures, state.trial_until_ms = 0, 0
            if not was_closed:
                state.state, state.open_until_ms = "closed", 0
                state.window, state.attempts, state.failed = [], 0, 0
        if opens:
            hold_ms = hold_ms if hold_ms > 0 else cooldown_ms
            state.state = "open"
            state.open_until_ms = max(state.open_until_ms, now_ms + hold_ms)
            state.trial_until_ms = 0
    elif operation == "release" and state.state == "half_open":
        state.trial_until_ms = 0
    return verdict


class StateBackend(Protocol):
    """Where the breakers' state lives: `step` applies one operation and returns the verdict and the new state."""

    async def step(
        self, label: str, operation: Operation, config: BreakerConfig, hold_ms: int
    ) -> tuple[Verdict, TargetState]: ...

    async def close(self) -> None: ...


class MemoryBreakerState:
    """The breakers of one process."""

    def __init__(self) -> None:
        self._states: dict[str, TargetState] = {}

    async def step(
        self, label: str, operation: Operation, config: BreakerConfig, hold_ms: int
    ) -> tuple[Verdict, TargetState]:
        state = self._states.setdefault(label, TargetState())
        verdict = apply(state, operation, config, hold_ms, int(time.time() * 1000))
        seen = TargetState(
            state.state,
            state.failures,
            state.open_until_ms,
            state.trial_until_ms,
            state.attempts,
            state.failed,
            stamp=time.time_ns() // 1000,
        )
        return verdict, seen

    async def close(self) -> None:
        pass


# KEYS[1]: the target's hash. ARGV: operation, failures to open, cooldown ms, hold ms (Retry-After, 0: none), TTL ms,
# failure rate in millionths (0: no rate rule), bucket ms, min attempts, buckets. The window is one field, the
# ring's numbers comma-separated, read only when an attempt is counted; `attempts` and `failed` keep its sums as of
# then. Returns {state, failures, open_until_ms, trial_until_ms, verdict, attempts, failed, stamp µs}; `admit` of a
# closed target writes nothing.
STEP_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local stamp = tonumber(t[1]) * 1000000 + tonumber(t[2])
local h = redis.call('HMGET', KEYS[1], 'state', 'failures', 'open_until', 'trial_until', 'attempts', 'failed', 'window')
local state = h[1] or 'closed'
local failures = tonumber(h[2]) or 0
local open_until = tonumber(h[3]) or 0
local trial_until = tonumber(h[4]) or 0
local attempts = tonumber(h[5]) or 0
local failed = tonumber(h[6]) or 0
local encoded = h[7] or ''
local op = ARGV[1]
local cooldown = tonumber(ARGV[3])
local hold = tonumber(ARGV[4])
local threshold = tonumber(ARGV[6])
local verdict = 'pass'
local opens = false
if op == 'admit' then
  if state == 'closed' then
    return {state, failures, open_until, trial_until, verdict, attempts, failed, stamp}
  end
  if (state == 'open' and now < open_until) or (state == 'half_open' and now < trial_until) then
    return {state, failures, open_until, trial_until, 'open', attempts, failed, stamp}
  end
  state = 'half_open'
  trial_until = now + cooldown
  verdict = 'trial'
elseif op == 'success' or op == 'failure' then
  local failure = op == 'failure'
  local was_closed = state == 'closed'
  if was_closed and threshold > 0 then
    local buckets = tonumber(ARGV[9])
    local bucket = math.floor(now / tonumber(ARGV[7]))
    local window = {}
    for n in string.gmatch(encoded, '%d+') do window[#window + 1] = tonumber(n) end
    if #window ~= 3 * buckets then
      window = {}
      for i = 1, 3 * buckets do window[i] = 0 end
    end
    local i = 3 * (bucket % buckets) + 1
    if window[i] ~= bucket then window[i] = bucket; window[i + 1] = 0; window[i + 2] = 0 end
    window[i + 1] = window[i + 1] + 1
    if failure then window[i + 2] = window[i + 2] + 1 end
    attempts, failed = 0, 0
    for j = 1, #window, 3 do
      if bucket - buckets < window[j] and window[j] <= bucket then
        attempts = attempts + window[j + 1]; failed = failed + window[j + 2]
      end
    end
    encoded = table.concat(window, ',')
    opens = attempts >= tonumber(ARGV[8]) and failed * 1000000 >= threshold * attempts
  end
  if failure then
    failures = failures + 1
    opens = opens or state == 'half_open' or failures >= tonumber(ARGV[2]) or hold > 0
  else
    failures = 0; trial_until = 0
    if not was_closed then
      state = 'closed'; open_until = 0
      encoded = ''; attempts = 0; failed = 0
    end
  end
  if opens then
    if hold <= 0 then hold = cooldown end
    state = 'open'
    open_until = math.max(open_until, now + hold)
    trial_until = 0
  end
elseif op == 'release' then
  if state == 'half_open' then trial_until = 0 end
end
redis.call('HSET', KEYS[1], 'state', state, 'failures', failures, 'open_until', open_until, 'trial_until', trial_until,
  'attempts', attempts, 'failed', failed, 'window', encoded)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {state, failures, open_until, trial_until, verdict, attempts, failed, stamp}
"""


class RedisBreakerState:
    """The breakers shared by every instance on one Redis: a hash per target, one script call per step."""

    def __init__(self, url: str, prefix: str, *, redis: Redis | None = None) -> None:
        self._redis = redis or connect(url, socket_timeout_s=2.0, max_connections=256)
        self._prefix = prefix
        self._sha: str | None = None

    def key(self, label: str) -> str:
        return f"{self._prefix}:breaker:{label}"

    async def step(
        self, label: str, operation: Operation, config: BreakerConfig, hold_ms: int
    ) -> tuple[Verdict, TargetState]:
        args = (
            operation,
            config.failures,
            int(config.cooldown_s * 1000),
            hold_ms,
            KEY_TTL_MS,
            rate_ppm(config),
            bucket_ms(config),
            config.min_attempts,
            WINDOW_BUCKETS,
        )
        if self._sha is None:
            self._sha = await self._redis.script_load(STEP_SCRIPT)
        try:
            reply = await self._redis.evalsha(self._sha, 1, self.key(label), *args)
        except NoScriptError:  # Redis restarted: load it again
            self._sha = await self._redis.script_load(STEP_SCRIPT)
            reply = await self._redis.evalsha(self._sha, 1, self.key(label), *args)
        state, failures, open_until, trial_until, verdict, attempts, failed, stamp = reply
        name = state.decode() if isinstance(state, bytes) else str(state)
        as_state: BreakerState = name if name in ("open", "half_open") else "closed"  # type: ignore[assignment]
        word = verdict.decode() if isinstance(verdict, bytes) else str(verdict)
        as_verdict: Verdict = word if word in ("trial", "open") else "pass"  # type: ignore[assignment]
        seen = TargetState(
            as_state, int(failures), int(open_until), int(trial_until), int(attempts), int(failed), stamp=int(stamp)
        )
        return as_verdict, seen

    async def close(self) -> None:
        await self._redis.aclose()


class Breakers:
    """Every target's breaker as this instance uses it, and the state it last saw of each (/healthz, /metrics)."""

    def __init__(self, config: Config, backend: StateBackend) -> None:
        self._config = config
        self._backend = backend
        self._seen: dict[str, TargetState] = {}
        self._seen_from: dict[str, StateBackend] = {}  # whose clock stamped it: Redis's, or this process's
        self._reports: set[asyncio.Task[Verdict]] = set()
        self._local = backend if isinstance(backend, MemoryBreakerState) else MemoryBreakerState()
        self._shared_down_until = 0.0  # monotonic: until then the shared state is not asked
        for target in _targets(config):
            self._seen.setdefault(target.label, TargetState())

    def guard(self, target: Target) -> AttemptGuard:
        """Wraps one attempt: raises `AttemptFailed("circuit_open")` on entry when the target is open."""
        return AttemptGuard(self, target)

    def snapshot(self) -> dict[str, dict[str, object]]:
        """Each target's state as this instance last saw it: `state`, consecutive `failures`, `open_for_s`, and the
        failure-rate window's ended attempts and failures (`window_attempts`, `window_failures`)."""
        now_ms = time.time() * 1000
        return {
            label: {
                "state": seen.state,
                "failures": seen.failures,
                "open_for_s": round(max(0.0, seen.open_until_ms - now_ms) / 1000, 3) if seen.state == "open" else 0.0,
                "window_attempts": seen.attempts,
                "window_failures": seen.failed,
            }
            for label, seen in self._seen.items()
        }

    async def close(self) -> None:
        if self._reports:
            await asyncio.wait(self._reports, timeout=1)
        await self._backend.close()
        await self._local.close()

    async def _step(self, target: Target, operation: Operation, hold_ms: int = 0) -> Verdict:
        config = self._config.breaker_for(target.provider)
        backend: StateBackend = self._backend
        if time.monotonic() < self._shared_down_until:
            backend = self._local
        try:
            async with asyncio.timeout(BACKEND_TIMEOUT_S):
                verdict, state = await backend.step(target.label, operation, config, hold_ms)
        except (RedisError, OSError, TimeoutError) as exc:  # Redis is away: this process's own breakers meanwhile
            logger.warning("circuit breaker state in Redis unavailable, kept in this process for now: %r", exc)
            self._shared_down_until = time.monotonic() + BACKEND_RETRY_S
            backend = self._local
            verdict, state = await backend.step(target.label, operation, config, hold_ms)
        previous = self._seen.get(target.label)
        same_clock = self._seen_from.get(target.label) is backend
        if previous is not None and same_clock and state.stamp < previous.stamp:
            return verdict  # a later state came back first: the snapshot keeps it
        if previous is not None and previous.state != state.state:
            logger.warning(
                "circuit of %s is now %s (%d consecutive failures, %d of %d attempts failed in the window)",
                target.label,
                state.state,
                state.failures,
                state.failed,
                state.attempts,
            )
        self._seen[target.label] = state
        self._seen_from[target.label] = backend
        return verdict

    def _report_later(self, target: Target, operation: Operation) -> None:
        """Told from a cancelled or stopped attempt, or a success only to count: in a task of its own, so the attempt's
        end never waits on it."""
        task = asyncio.ensure_future(self._step(target, operation))
        self._reports.add(task)
        task.add_done_callback(self._reports.discard)


class AttemptGuard:
    """`async with breakers.guard(target):` around one attempt (an async context manager, one per attempt)."""

    __slots__ = ("_breakers", "_target", "_config", "_trial", "_seen_clean")

    def __init__(self, breakers: Breakers, target: Target) -> None:
        self._breakers = breakers
        self._target = target
        self._config = breakers._config.breaker_for(target.provider)
        self._trial = False
        self._seen_clean = False

    async def __aenter__(self) -> None:
        if not self._config.enabled:
            return
        verdict = await self._breakers._step(self._target, "admit")
        if verdict == "open":
            raise AttemptFailed("circuit_open", f"{self._target.label}: circuit open, skipped", kind="overloaded")
        self._trial = verdict == "trial"
        seen = self._breakers._seen.get(self._target.label)
        self._seen_clean = not self._trial and seen is not None and seen.state == "closed" and seen.failures == 0

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self._config.enabled:
            return
        if exc is None:
            if not self._seen_clean:
                await self._breakers._step(self._target, "success")
            elif self._config.failure_rate > 0:  # nothing to reset, only the window to count: off the attempt's path
                self._breakers._report_later(self._target, "success")
        elif isinstance(exc, AttemptFailed) and exc.kind not in UNCOUNTED_KINDS:
            hold_s = exc.retry_after_s if exc.status in (429, 503) and exc.retry_after_s else 0.0
            hold_ms = int(min(hold_s, self._config.max_open_s) * 1000)
            await self._breakers._step(self._target, "failure", hold_ms)
        elif self._trial:  # cancelled, stopped, or the request's own fault: the next stream may try
            self._breakers._report_later(self._target, "release")


def _targets(config: Config) -> Iterable[Target]:
    for route in config.routes.values():
        yield from route.targets


def build_breakers(config: Config) -> Breakers:
    """Shared through Redis with the Redis store, else in this process."""
    backend: StateBackend = (
        RedisBreakerState(config.store.url, config.store.prefix)
        if config.store.kind == "redis"
        else MemoryBreakerState()
    )
    return Breakers(config, backend)
