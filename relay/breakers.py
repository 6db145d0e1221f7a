"""A circuit breaker per target (`provider/model`), so a dead upstream does not cost every new stream its timeout.

A target is *closed* while it works. `failures` consecutive failed attempts (or one
429/503 answer with `Retry-After`) *open* it: new attempts skip it at once, and the
generation fails over to the route's next target with a `failover` whose reason is
`circuit_open`. After `cooldown_s` (or the Retry-After, at most `max_open_s`) it is
*half-open*: one attempt, the trial, goes through while the others still skip it; a
success closes it, a failure opens it again. A trial that neither succeeds nor fails
(its stream was cancelled) frees the slot for the next one, and a trial lost with its
instance frees it after `cooldown_s`.

When every target of a route is open the stream fails fast: each skip is a
`failover`, and the last one is the stream's `error` with code `circuit_open`.

The breaker is consulted when an attempt starts and told how it ended; nothing runs
per token. `MemoryBreakerState` keeps the state in the process; `RedisBreakerState`
keeps it in one Redis hash per target, `{prefix}:breaker:<provider/model>`, changed by
one Lua script on Redis's clock, so every instance shares it. When Redis cannot be
reached (an error, or no answer within `BACKEND_TIMEOUT_S`), each instance keeps its own
breakers in memory for `BACKEND_RETRY_S` before it asks Redis again, so an outage neither
delays every new stream nor leaves it without breakers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
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


@dataclass(slots=True)
class TargetState:
    """One target's breaker: its state, consecutive failures, and until when (epoch ms) it is open or on trial."""

    state: BreakerState = "closed"
    failures: int = 0
    open_until_ms: int = 0
    trial_until_ms: int = 0


def apply(state: TargetState, operation: Operation, config: BreakerConfig, hold_ms: int, now_ms: int) -> Verdict:
    """One step of the state machine (the Lua script below is the same, line by line)."""
    cooldown_ms = int(config.cooldown_s * 1000)
    if operation == "admit":
        if state.state == "closed":
            return "pass"
        if (state.state == "open" and now_ms < state.open_until_ms) or (
            state.state == "half_open" and now_ms < state.trial_until_ms
        ):
            return "open"
        state.state, state.trial_until_ms = "half_open", now_ms + cooldown_ms
        return "trial"
    if operation == "success":
        state.state, state.failures, state.open_until_ms, state.trial_until_ms = "closed", 0, 0, 0
    elif operation == "failure":
        state.failures += 1
        if state.state == "half_open" or state.failures >= config.failures or hold_ms > 0:
            hold_ms = hold_ms if hold_ms > 0 else cooldown_ms
            state.state = "open"
            state.open_until_ms = max(state.open_until_ms, now_ms + hold_ms)
            state.trial_until_ms = 0
    elif operation == "release" and state.state == "half_open":
        state.trial_until_ms = 0
    return "pass"


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
        return verdict, TargetState(state.state, state.failures, state.open_until_ms, state.trial_until_ms)

    async def close(self) -> None:
        pass


# KEYS[1]: the target's hash. ARGV: operation, failures to open, cooldown ms, hold ms (Retry-After, 0: none), TTL ms.
# Returns {state, failures, open_until_ms, trial_until_ms, verdict}; `admit` of a closed target writes nothing.
STEP_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local h = redis.call('HMGET', KEYS[1], 'state', 'failures', 'open_until', 'trial_until')
local state = h[1] or 'closed'
local failures = tonumber(h[2]) or 0
local open_until = tonumber(h[3]) or 0
local trial_until = tonumber(h[4]) or 0
local op = ARGV[1]
local cooldown = tonumber(ARGV[3])
local hold = tonumber(ARGV[4])
local verdict = 'pass'
if op == 'admit' then
  if state == 'closed' then
    return {state, failures, open_until, trial_until, verdict}
  end
  if (state == 'open' and now < open_until) or (state == 'half_open' and now < trial_until) then
    return {state, failures, open_until, trial_until, 'open'}
  end
  state = 'half_open'
  trial_until = now + cooldown
  verdict = 'trial'
elseif op == 'success' then
  state = 'closed'; failures = 0; open_until = 0; trial_until = 0
elseif op == 'failure' then
  failures = failures + 1
  if state == 'half_open' or failures >= tonumber(ARGV[2]) or hold > 0 then
    if hold <= 0 then hold = cooldown end
    state = 'open'
    open_until = math.max(open_until, now + hold)
    trial_until = 0
  end
elseif op == 'release' then
  if state == 'half_open' then trial_until = 0 end
end
redis.call('HSET', KEYS[1], 'state', state, 'failures', failures, 'open_until', open_until, 'trial_until', trial_until)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {state, failures, open_until, trial_until, verdict}
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
        args = (operation, config.failures, int(config.cooldown_s * 1000), hold_ms, KEY_TTL_MS)
        if self._sha is None:
            self._sha = await self._redis.script_load(STEP_SCRIPT)
        try:
            reply = await self._redis.evalsha(self._sha, 1, self.key(label), *args)
        except NoScriptError:  # Redis restarted: load it again
            self._sha = await self._redis.script_load(STEP_SCRIPT)
            reply = await self._redis.evalsha(self._sha, 1, self.key(label), *args)
        state, failures, open_until, trial_until, verdict = reply
        name = state.decode() if isinstance(state, bytes) else str(state)
        as_state: BreakerState = name if name in ("open", "half_open") else "closed"  # type: ignore[assignment]
        word = verdict.decode() if isinstance(verdict, bytes) else str(verdict)
        as_verdict: Verdict = word if word in ("trial", "open") else "pass"  # type: ignore[assignment]
        return as_verdict, TargetState(as_state, int(failures), int(open_until), int(trial_until))

    async def close(self) -> None:
        await self._redis.aclose()


class Breakers:
    """Every target's breaker as this instance uses it, and the state it last saw of each (/healthz, /metrics)."""

    def __init__(self, config: Config, backend: StateBackend) -> None:
        self._config = config
        self._backend = backend
        self._seen: dict[str, TargetState] = {}
        self._reports: set[asyncio.Task[Verdict]] = set()
        self._local = backend if isinstance(backend, MemoryBreakerState) else MemoryBreakerState()
        self._shared_down_until = 0.0  # monotonic: until then the shared state is not asked
        for target in _targets(config):
            self._seen.setdefault(target.label, TargetState())

    def guard(self, target: Target) -> AttemptGuard:
        """Wraps one attempt: raises `AttemptFailed("circuit_open")` on entry when the target is open."""
        return AttemptGuard(self, target)

    def snapshot(self) -> dict[str, dict[str, object]]:
        """Each target's state as this instance last saw it: `state`, consecutive `failures`, `open_for_s`."""
        now_ms = time.time() * 1000
        return {
            label: {
                "state": seen.state,
                "failures": seen.failures,
                "open_for_s": round(max(0.0, seen.open_until_ms - now_ms) / 1000, 3) if seen.state == "open" else 0.0,
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
            verdict, state = await self._local.step(target.label, operation, config, hold_ms)
        previous = self._seen.get(target.label)
        if previous is not None and previous.state != state.state:
            logger.warning(
                "circuit of %s is now %s (%d consecutive failures)", target.label, state.state, state.failures
            )
        self._seen[target.label] = state
        return verdict

    def _report_later(self, target: Target, operation: Operation) -> None:
        """Told from a cancelled or stopped attempt: in a task of its own, so the attempt's end never waits on it."""
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
            if not self._seen_clean:  # a success of a target with nothing to reset costs no round trip
                await self._breakers._step(self._target, "success")
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
