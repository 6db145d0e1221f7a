"""Circuit breakers end to end: a real relay, the fake upstream, and a real redis-server for the shared state.

Every dead target here has a model name of its own, so the fake upstream's request
log tells exactly how many requests reached it.
"""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest

from loadtest.upstream import FakeUpstream, model_name, upstream_in_thread
from relay.breakers import TargetState, apply
from relay.config import BreakerConfig, load_config_dict

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
    for bad in ({"failures": 0}, {"cooldown_s": -1}, {"cooldown_s": 10, "max_open_s": 5}, {"colour": 1}):
        with pytest.raises(ValueError, match="breaker"):
            load_config_dict({"providers": providers, "routes": {"r": {"targets": ["oa/m"]}}, "breaker": bad})


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
                assert _breakers(client)["late/m;n=12"] == {"state": "closed", "failures": 0, "open_for_s": 0.0}
                _, events = run_route(client, "r")
                assert _failovers(events) == [] and len(revived.recorded()) == 2


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
