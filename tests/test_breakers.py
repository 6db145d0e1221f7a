"""Circuit breakers end to end: a real relay, the fake upstream, and a real redis-server for the shared state.

Every dead target here has a model name of its own, so the fake upstream's request
log tells exactly how many requests reached it.
"""

from __future__ import annotations

import asyncio
import random
import secrets
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from loadtest.upstream import FakeUpstream, model_name, upstream_in_thread
from relay.breakers import WINDOW_BUCKETS, Breakers, MemoryBreakerState, RedisBreakerState, TargetState, apply
from relay.config import BreakerConfig, Target, load_config_dict
from relay.engine.failures import AttemptFailed

from .redis_server import RedisServer
from .support import Event, RelayServer, free_port, run_route, terminal, text_of, upstream_providers, wait_for


def _unique(name: str) -> str:
    return f"{name}-{secrets.token_hex(4)}"


def _requests_for(upstream: FakeUpstream, model: str) -> int:
    return sum(1 for request in upstream.recorded() if request["model"] == model)


def _failovers(events: list[Event]) -> list[dict[str, Any]]:
    return [event.data for event in events if event.event == "failover"]


def _breakers(client: httpx.Client) -> dict[str, Any]:
    health = client.get("/healthz")
    assert health.status_code == 200
    breakers: dict[str, Any] = health.json()["breakers"]
    return breakers


def _config(upstream: FakeUpstream, routes: dict[str, Any], **extra: Any) -> Any:
    return load_config_dict({"providers": upstream_providers(upstream), "routes": routes, **extra})


# -- the state machine -----------------------------------------------------------


def test_the_state_machine_opens_after_k_failures_trials_once_and_closes_on_success() -> None:
    config = BreakerConfig(failures=3, cooldown_s=10)
    state = TargetState()
    for _ in range(2):
        assert apply(state, "admit", config, 0, 1000) == "pass"
        apply(state, "failure", config, 0, 1000)
    assert (state.state, state.failures) == ("closed", 2)
    apply(state, "failure", config, 0, 1000)
    assert (state.state, state.open_until_ms) == ("open", 11_000)
    assert apply(state, "admit", config, 0, 10_999) == "open"
    assert apply(state, "admit", config, 0, 11_000) == "trial"  # one trial after the cool-down...
    assert apply(state, "admit", config, 0, 11_001) == "open"  # ...and only one
    apply(state, "success", config, 0, 12_000)
    assert state == TargetState()


def test_a_failed_trial_reopens_a_released_one_lets_the_next_try_and_retry_after_opens_at_once() -> None:
    config = BreakerConfig(failures=1, cooldown_s=10)
    state = TargetState()
    apply(state, "failure", config, 0, 0)
    assert apply(state, "admit", config, 0, 10_000) == "trial"
    apply(state, "failure", config, 0, 10_500)
    assert (state.state, state.open_until_ms) == ("open", 20_500)
    assert apply(state, "admit", config, 0, 20_500) == "trial"
    apply(state, "release", config, 0, 20_600)  # the trial's stream was cancelled
    assert apply(state, "admit", config, 0, 20_700) == "trial"

    patient = BreakerConfig(failures=5, cooldown_s=10)
    limited = TargetState()
    apply(limited, "failure", patient, 120_000, 0)  # a 429 with Retry-After: 120
    assert (limited.state, limited.open_until_ms) == ("open", 120_000)


def test_breaker_config_is_validated_and_a_provider_overrides_the_defaults(upstream: FakeUpstream) -> None:
    providers = upstream_providers(upstream)
    providers["oa"]["breaker"] = {"failures": 2}  # type: ignore[assignment]
    config = load_config_dict(
        {"providers": providers, "routes": {"r": {"targets": ["oa/m"]}}, "breaker": {"cooldown_s": 7}}
    )
    assert config.breaker_for("oa") == BreakerConfig(failures=2, cooldown_s=7)
    assert config.breaker_for("an") == BreakerConfig(cooldown_s=7)
    assert (config.breaker.failure_rate, config.breaker.window_s, config.breaker.min_attempts) == (0.5, 60.0, 20)
    for bad in (
        {"failures": 0},
        {"cooldown_s": -1},
        {"cooldown_s": 10, "max_open_s": 5},
        {"colour": 1},
        {"failure_rate": 1.5},
        {"failure_rate": -0.1},
        {"window_s": 0},
        {"min_attempts": 0},
    ):
        with pytest.raises(ValueError, match="breaker"):
            load_config_dict({"providers": providers, "routes": {"r": {"targets": ["oa/m"]}}, "breaker": bad})


# -- the failure-rate window -------------------------------------------------------


def _ended(state: TargetState, config: BreakerConfig, outcomes: str, now_ms: int) -> None:
    """Attempts ending at `now_ms`: `F` a failure, `S` a success."""
    for outcome in outcomes:
        apply(state, "failure" if outcome == "F" else "success", config, 0, now_ms)


def test_a_target_failing_every_other_attempt_opens_once_the_window_holds_min_attempts() -> None:
    config = BreakerConfig(failures=3, failure_rate=0.5, window_s=60, min_attempts=6)
    state = TargetState()
    _ended(state, config, "FSFSF", 1000)  # 3 of 5 failed, never 2 in a row: too few attempts to judge
    assert (state.state, state.attempts, state.failed) == ("closed", 5, 3)
    _ended(state, config, "S", 1000)  # 3 of 6: the rate reached, so a success that fills the window opens it
    assert (state.state, state.open_until_ms) == ("open", 31_000)
    assert apply(state, "admit", config, 0, 30_999) == "open"
    assert apply(state, "admit", config, 0, 31_000) == "trial"  # a cool-down and one trial, as after K failures
    apply(state, "success", config, 0, 31_500)
    assert (state.state, state.attempts, state.failed) == ("closed", 0, 0)  # closing emptied the window
    _ended(state, config, "FSFSF", 32_000)
    assert state.state == "closed"

    below = TargetState()
    _ended(below, config, "FSSFSSFSSFSS", 1000)  # a third failed: under the rate however many attempts
    assert (below.state, below.attempts, below.failed) == ("closed", 12, 4)

    off = BreakerConfig(failures=3, failure_rate=0)  # 0: no rate rule, no window kept
    never = TargetState()
    _ended(never, off, "FS" * 40, 1000)
    assert (never.state, never.attempts, never.window) == ("closed", 0, [])


def test_the_window_slides_bucket_by_bucket_and_old_failures_expire() -> None:
    config = BreakerConfig(failures=100, failure_rate=0.5, window_s=10, min_attempts=4)  # ten buckets of 1 s
    assert WINDOW_BUCKETS == 10
    for now_ms, expected in ((9_999, "open"), (10_000, "closed"), (25_000, "closed")):
        state = TargetState()
        _ended(state, config, "FFF", 500)  # bucket 0
        _ended(state, config, "S", now_ms)
        assert state.state == expected, now_ms  # bucket 9 still sees bucket 0; bucket 10 (in its slot) does not
    assert state.window[:3] == [0, 3, 3] and state.attempts == 1  # bucket 25 ignores bucket 0, still in its slot
    config = BreakerConfig(failures=100, failure_rate=0.5, window_s=10, min_attempts=6)
    state = TargetState()
    _ended(state, config, "FF", 0)
    _ended(state, config, "SS", 4_000)
    _ended(state, config, "F", 9_000)
    assert (state.state, state.attempts, state.failed) == ("closed", 5, 3)  # buckets 0, 4, 9
    _ended(state, config, "S", 10_500)  # bucket 10 takes bucket 0's slot of the ring: its two failures are gone
    assert (state.state, state.attempts, state.failed) == ("closed", 4, 1)
    assert len(state.window) == 3 * WINDOW_BUCKETS  # the same memory however many attempts
    _ended(state, config, "FF", 13_000)  # buckets 4 (SS), 9 (F), 10 (S), 13 (FF): 3 of 6 failed
    assert state.state == "open"
    assert state.window[3 * 3 : 3 * 4] == [13, 2, 2]


def test_the_lua_script_and_the_python_state_machine_agree(redis_url: str) -> None:
    config = BreakerConfig(failures=4, cooldown_s=600, failure_rate=0.4, window_s=3600, min_attempts=5)
    operations = ["admit", "success", "failure", "release"]
    shuffled = random.Random(7)
    script = [shuffled.choice(operations) for _ in range(300)]
    slide = BreakerConfig(failures=100, cooldown_s=0.2, failure_rate=0.5, window_s=0.5, min_attempts=3)  # 50 ms buckets

    async def run() -> None:
        shared = RedisBreakerState(redis_url, _unique("brk"))
        local = MemoryBreakerState()
        observed: set[str] = set()
        try:
            for i, operation in enumerate(script):
                label = f"t{i // 60}"  # a fresh target now and then, so a few reach the cool-down's trial state
                ours = await local.step(label, operation, config, 0)  # type: ignore[arg-type]
                theirs = await shared.step(label, operation, config, 0)  # type: ignore[arg-type]
                assert ours[0] == theirs[0], (i, operation)
                observed.add(ours[1].state)
                one, two = ours[1], theirs[1]
                assert (one.state, one.failures, one.attempts, one.failed) == (
                    two.state,
                    two.failures,
                    two.attempts,
                    two.failed,
                ), (i, operation)
            assert "open" in observed and "closed" in observed
            for _ in range(2):
                await shared.step("slide", "failure", slide, 0)
            await asyncio.sleep(0.6)  # the window of 0.5 s has moved past both failures
            _, after = await shared.step("slide", "failure", slide, 0)
            assert (after.state, after.attempts, after.failed) == ("closed", 1, 1)
            for operation in ("failure", "success"):  # 2 of 3 failed: open
                _, after = await shared.step("slide", operation, slide, 0)  # type: ignore[arg-type]
            assert (after.state, after.attempts, after.failed) == ("open", 3, 2)
            await asyncio.sleep(slide.cooldown_s + 0.05)
            assert (await shared.step("slide", "admit", slide, 0))[0] == "trial"
            _, after = await shared.step("slide", "success", slide, 0)
            assert (after.state, after.attempts, after.failed) == ("closed", 0, 0)  # closing emptied the window
        finally:
            await shared.close()

    asyncio.run(run())


def test_of_two_answers_that_come_back_out_of_order_the_snapshot_keeps_the_later_state(redis_url: str) -> None:
    """Two attempts end at once; the one Redis counted second is answered first: /healthz shows both counted."""
    config = load_config_dict(
        {
            "providers": {"sim": {"kind": "simulated"}},
            "routes": {"r": {"targets": ["sim/a"]}},
            "breaker": {"failure_rate": 0.5},
        }
    )
    target = Target("sim", "a")

    class Reordered(RedisBreakerState):
        """Redis's answers, handed back in the reverse of the order Redis gave them."""

        def __init__(self, url: str, prefix: str) -> None:
            super().__init__(url, prefix)
            self.first_done = asyncio.Event()

        async def step(self, label: str, operation: Any, config: BreakerConfig, hold_ms: int) -> Any:
            answer = await super().step(label, operation, config, hold_ms)
            if not self.first_done.is_set():
                self.first_done.set()
                await asyncio.sleep(0.2)  # the second step is sent, counted and answered meanwhile
            return answer

    async def run() -> None:
        backend = Reordered(redis_url, _unique("brk"))
        breakers = Breakers(config, backend)
        try:
            first = asyncio.ensure_future(breakers._step(target, "success"))
            await backend.first_done.wait()
            await breakers._step(target, "success")
            await first
            assert breakers.snapshot()[target.label]["window_attempts"] == 2
        finally:
            await breakers.close()

    asyncio.run(run())


# -- one instance ------------------------------------------------------------------


def test_a_target_that_failed_k_times_is_skipped_by_the_next_stream_without_a_request(upstream: FakeUpstream) -> None:
    dead = model_name(_unique("dead"), fault="http500")
    good = model_name("good", n=20)
    config = _config(upstream, {"r": {"targets": [f"oa/{dead}", f"an/{good}"]}}, breaker={"failures": 2})
    with RelayServer(config) as relay, httpx.Client(base_url=relay.base_url, timeout=30) as client:
        for _ in range(2):
            _, events = run_route(client, "r")
            assert [f["reason"] for f in _failovers(events)] == ["http_status"]
            assert terminal(events)[-1].event == "done"
        assert _requests_for(upstream, dead) == 2
        assert _breakers(client)[f"oa/{dead}"]["state"] == "open"

        snapshot, events = run_route(client, "r")
        assert _failovers(events) == [
            {"from": f"oa/{dead}", "to": f"an/{good}", "reason": "circuit_open", "at_char": 0}
        ]
        assert events[0].event == "failover"  # the skip comes first, then the answer, whole
        assert terminal(events)[-1].event == "done" and text_of(events) == snapshot["text"] != ""
        assert _requests_for(upstream, dead) == 2  # the dead upstream never saw the third stream


def test_every_target_open_fails_fast_with_a_circuit_open_error(upstream: FakeUpstream) -> None:
    dead = model_name(_unique("dead"), fault="http503")
    config = _config(upstream, {"r": {"targets": [f"oa/{dead}"]}}, breaker={"failures": 1})
    with RelayServer(config) as relay, httpx.Client(base_url=relay.base_url, timeout=30) as client:
        _, events = run_route(client, "r")
        assert terminal(events)[-1].data["code"] == "http_status"
        _, events = run_route(client, "r")
        error = terminal(events)[-1]
        assert error.event == "error" and error.data["code"] == "circuit_open" and error.data["kind"] == "overloaded"
        assert "circuit" in error.data["message"]
        assert _requests_for(upstream, dead) == 1


def test_a_429_with_retry_after_opens_the_target_for_that_long(upstream: FakeUpstream) -> None:
    limited = model_name(_unique("limited"), fault="http429", retry_after=120)
    good = model_name("good", n=10)
    config = _config(upstream, {"r": {"targets": [f"oa/{limited}", f"an/{good}"]}}, breaker={"failures": 5})
    with RelayServer(config) as relay, httpx.Client(base_url=relay.base_url, timeout=30) as client:
        _, events = run_route(client, "r")
        assert [f["reason"] for f in _failovers(events)] == ["http_status"]
        seen = _breakers(client)[f"oa/{limited}"]
        assert seen["state"] == "open" and 60 < seen["open_for_s"] <= 120  # one 429 was enough, not five failures
        _, events = run_route(client, "r")
        assert [f["reason"] for f in _failovers(events)] == ["circuit_open"]
        assert _requests_for(upstream, limited) == 1


def test_after_the_cool_down_one_trial_stream_goes_through_and_its_success_closes_the_circuit() -> None:
    port = free_port()
    providers = {"late": {"kind": "openai", "base_url": f"http://127.0.0.1:{port}/v1"}}
    with upstream_in_thread() as fallback:
        providers.update({"fb": {"kind": "anthropic", "base_url": fallback.base_url}})
        config = load_config_dict(
            {
                "providers": {
                    **providers,
                    "late": {**providers["late"], "breaker": {"failures": 1, "cooldown_s": 0.5}},
                },
                "routes": {"r": {"targets": ["late/m;n=12", "fb/backup;n=12"]}},
            }
        )
        with RelayServer(config) as relay, httpx.Client(base_url=relay.base_url, timeout=30) as client:
            _, events = run_route(client, "r")  # nothing listens: connection refused, the circuit opens
            assert [f["reason"] for f in _failovers(events)] == ["connection_error"]
            _, events = run_route(client, "r")
            assert [f["reason"] for f in _failovers(events)] == ["circuit_open"]

            with upstream_in_thread(port=port) as revived:  # the upstream is back
                wait_for(lambda: _breakers(client)["late/m;n=12"]["open_for_s"] == 0)
                _, events = run_route(client, "r")  # the trial
                assert _failovers(events) == [] and terminal(events)[-1].event == "done"
                assert len(revived.recorded()) == 1
                assert _breakers(client)["late/m;n=12"] == {
                    "state": "closed",
                    "failures": 0,
                    "open_for_s": 0.0,
                    "window_attempts": 0,  # closing emptied the window
                    "window_failures": 0,
                }
                _, events = run_route(client, "r")
                assert _failovers(events) == [] and len(revived.recorded()) == 2


def _attempt_flaky(client: httpx.Client, port: int, up: bool) -> tuple[list[Event], int]:
    """One stream on route `r`, whose first target listens on `port` only when `up`; the requests it received."""
    if not up:
        _, events = run_route(client, "r")  # nothing listens: the connection is refused, a failure
        return events, 0
    with upstream_in_thread(port=port) as flaky:
        _, events = run_route(client, "r")
        return events, len(flaky.recorded())


def _flaky_config(port: int, fallback: FakeUpstream, **extra: Any) -> Any:
    breaker = {"failures": 3, "failure_rate": 0.5, "min_attempts": 6}
    providers = {
        "flaky": {"kind": "openai", "base_url": f"http://127.0.0.1:{port}/v1", "breaker": breaker},
        "fb": {"kind": "anthropic", "base_url": fallback.base_url},
    }
    return load_config_dict(
        {"providers": providers, "routes": {"r": {"targets": ["flaky/m;n=8", "fb/backup;n=8"]}}, **extra}
    )


def test_a_target_failing_every_other_attempt_is_opened_by_its_failure_rate(upstream: FakeUpstream) -> None:
    port = free_port()
    with (
        RelayServer(_flaky_config(port, upstream)) as relay,
        httpx.Client(base_url=relay.base_url, timeout=30) as client,
    ):
        for i in range(5):  # F S F S F: never 3 failures in a row, and under min_attempts
            events, received = _attempt_flaky(client, port, up=i % 2 == 1)
            assert [f["reason"] for f in _failovers(events)] == ([] if i % 2 else ["connection_error"])
            assert received == i % 2 and terminal(events)[-1].event == "done"
        seen = _breakers(client)["flaky/m;n=8"]
        assert (seen["state"], seen["failures"], seen["window_attempts"], seen["window_failures"]) == (
            "closed",
            1,
            5,
            3,
        )

        events, received = _attempt_flaky(client, port, up=True)  # the sixth: 3 of 6 failed, the rate is reached
        assert received == 1 and _failovers(events) == []
        assert _breakers(client)["flaky/m;n=8"]["state"] == "open"

        events, received = _attempt_flaky(client, port, up=True)
        assert _failovers(events) == [
            {"from": "flaky/m;n=8", "to": "fb/backup;n=8", "reason": "circuit_open", "at_char": 0}
        ]
        assert received == 0 and terminal(events)[-1].event == "done"  # skipped: no request reached it


# -- shared through Redis --------------------------------------------------------------


def test_two_instances_on_one_redis_share_the_breaker(upstream: FakeUpstream, redis_url: str) -> None:
    dead = model_name(_unique("dead"), fault="http500")
    good = model_name("good", n=10)
    store = {"kind": "redis", "url": redis_url, "prefix": _unique("brk")}
    config = _config(upstream, {"r": {"targets": [f"oa/{dead}", f"an/{good}"]}}, breaker={"failures": 2}, store=store)
    with RelayServer(config) as first, RelayServer(config) as second:
        with (
            httpx.Client(base_url=first.base_url, timeout=30) as one,
            httpx.Client(base_url=second.base_url, timeout=30) as two,
        ):
            _, events = run_route(one, "r")
            assert [f["reason"] for f in _failovers(events)] == ["http_status"]
            _, events = run_route(two, "r")  # the second failure, counted on the other instance
            assert [f["reason"] for f in _failovers(events)] == ["http_status"]
            assert _requests_for(upstream, dead) == 2
            for client in (one, two):
                _, events = run_route(client, "r")
                assert [f["reason"] for f in _failovers(events)] == ["circuit_open"]
                assert terminal(events)[-1].event == "done"
            assert _requests_for(upstream, dead) == 2
            assert _breakers(one)[f"oa/{dead}"]["state"] == _breakers(two)[f"oa/{dead}"]["state"] == "open"


def test_two_instances_on_one_redis_share_the_failure_rate_window(upstream: FakeUpstream, redis_url: str) -> None:
    port = free_port()
    config = _flaky_config(port, upstream, store={"kind": "redis", "url": redis_url, "prefix": _unique("brk")})
    with RelayServer(config) as first, RelayServer(config) as second:
        with (
            httpx.Client(base_url=first.base_url, timeout=30) as one,
            httpx.Client(base_url=second.base_url, timeout=30) as two,
        ):
            for i in range(5):  # failures on the first instance, successes on the second: 3 of 5 in one window
                _attempt_flaky(one if i % 2 == 0 else two, port, up=i % 2 == 1)
            assert _breakers(one)["flaky/m;n=8"]["state"] == _breakers(two)["flaky/m;n=8"]["state"] == "closed"
            assert _breakers(two)["flaky/m;n=8"]["window_attempts"] == 4  # as the second saw it at its last step
            events, received = _attempt_flaky(two, port, up=True)  # the sixth, on the second: 3 of 6
            assert received == 1 and _failovers(events) == []
            for client in (one, two):
                events, received = _attempt_flaky(client, port, up=True)
                assert [f["reason"] for f in _failovers(events)] == ["circuit_open"] and received == 0
            assert _breakers(one)["flaky/m;n=8"]["state"] == _breakers(two)["flaky/m;n=8"]["state"] == "open"


def test_an_attempt_costs_one_redis_call_to_start_and_at_most_one_to_end() -> None:
    """Counted by Redis itself (`INFO commandstats`), on a redis-server nothing else uses."""
    target = Target("p", "m")

    async def attempt(breakers: Breakers, error: AttemptFailed | None = None) -> None:
        try:
            async with breakers.guard(target):
                if error is not None:
                    raise error
        except AttemptFailed:
            pass

    async def run(url: str) -> None:
        probe = Redis.from_url(url)

        async def calls(breakers: Breakers) -> int:
            """Redis's count once the successes told in the background are in."""
            while breakers._reports:
                await asyncio.sleep(0.01)
            stats = await probe.info("commandstats")
            return int(stats.get("cmdstat_evalsha", {}).get("calls", 0))

        raw = {"providers": {"p": {"kind": "openai"}}, "routes": {"r": {"targets": ["p/m"]}}}
        for rate, successes in ((0.5, 2), (0.0, 1)):  # calls per clean success: admit, and the window's count
            config = load_config_dict({**raw, "breaker": {"failure_rate": rate}})
            breakers = Breakers(config, RedisBreakerState(url, _unique("brk")))
            await attempt(breakers)  # loads the script, sees the target clean
            before = await calls(breakers)
            for _ in range(5):
                await attempt(breakers)
            assert await calls(breakers) - before == 5 * successes, rate
            if rate:  # read at an admit: the background reports may complete out of order, the admit is awaited
                async with breakers.guard(target):
                    assert breakers.snapshot()["p/m"]["window_attempts"] == 6
            await breakers.close()
        breakers = Breakers(
            load_config_dict({**raw, "breaker": {"failures": 100}}), RedisBreakerState(url, _unique("brk"))
        )
        await attempt(breakers)
        before = await calls(breakers)
        await attempt(breakers, AttemptFailed("http_status", "500", kind="server", status=500))
        await attempt(breakers, AttemptFailed("http_status", "400", kind="bad_request", status=400))
        await attempt(breakers)  # after a failure: awaited, it resets the count
        assert await calls(breakers) - before == 2 + 1 + 2  # the refusal counts neither way: no call at its end
        await breakers.close()
        await probe.aclose()

    with RedisServer() as redis:
        asyncio.run(run(redis.url))


def test_while_redis_is_away_each_instance_keeps_its_own_breakers(upstream: FakeUpstream) -> None:
    dead = model_name(_unique("dead"), fault="http500")
    good = model_name("good", n=10)
    with RedisServer() as redis:
        store = {"kind": "redis", "url": redis.url, "prefix": _unique("brk")}
        config = _config(
            upstream, {"r": {"targets": [f"oa/{dead}", f"an/{good}"]}}, breaker={"failures": 1}, store=store
        )
        with RelayServer(config) as relay, httpx.Client(base_url=relay.base_url, timeout=30) as client:
            redis.stop()
            _, events = run_route(client, "r")
            assert [f["reason"] for f in _failovers(events)] == ["http_status"]
            _, events = run_route(client, "r")
            assert [f["reason"] for f in _failovers(events)] == ["circuit_open"]
            assert terminal(events)[-1].event == "done"
            assert _requests_for(upstream, dead) == 1
