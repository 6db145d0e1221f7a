"""The HTTP layer under load, deploys and strangers: admission caps, drain at SIGTERM, readiness, redaction."""

from __future__ import annotations

import logging
import signal
import time
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

from loadtest.upstream import model_name
from relay.cli import RedactTokens
from relay.config import Config, load_config_dict

from .support import Event, RelayServer, id_of, iter_sse, read_all, terminal, text_of, upstream_providers, wait_for
from .test_takeover import RelayProcess

SLOW = model_name("gpt-4o-mini", text="prose", n=60, tps=20)  # three seconds of answer
VERY_SLOW = model_name("gpt-4o-mini", text="prose", n=400, tps=20)  # twenty seconds


def _config(upstream: Any, **server: Any) -> Config:
    return load_config_dict(
        {
            "server": server,
            "providers": upstream_providers(upstream),
            "routes": {"slow": {"targets": [f"oa/{VERY_SLOW}"]}, "default": {"targets": [f"oa/{SLOW}"]}},
        }
    )


GO = {"messages": [{"role": "user", "content": "Go."}]}


def test_past_the_generation_cap_a_post_gets_503_with_retry_after(upstream) -> None:
    with (
        RelayServer(_config(upstream, max_generations=1)) as relay,
        httpx.Client(base_url=relay.base_url, timeout=30) as client,
    ):
        first = client.post("/v1/streams", json={**GO, "route": "slow"})
        assert first.status_code == 201
        refused = client.post("/v1/streams", json=GO)
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "overloaded"
        assert int(refused.headers["retry-after"]) >= 1
        created = first.json()
        client.delete(f"/v1/streams/{created['id']}", params={"token": created["token"]})
        wait_for(lambda: not relay.relay.generations)
        assert client.post("/v1/streams", json=GO).status_code == 201  # the slot is free again


def test_unknown_route_does_not_list_the_configured_routes(upstream) -> None:
    with RelayServer(_config(upstream)) as relay, httpx.Client(base_url=relay.base_url, timeout=30) as client:
        response = client.post("/v1/streams", json={**GO, "route": "nope"})
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "unknown_route"
        assert "slow" not in error["message"] and "default" not in error["message"]


def test_healthz_hides_store_errors_and_readyz_answers(upstream) -> None:
    with RelayServer(_config(upstream)) as relay, httpx.Client(base_url=relay.base_url, timeout=30) as client:
        health = client.get("/healthz").json()
        assert "last_error" not in health["store"]
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["ready"] is True
        relay.relay.draining = True
        not_ready = client.get("/readyz")
        assert not_ready.status_code == 503 and not_ready.json()["draining"] is True
        refused = client.post("/v1/streams", json=GO)
        assert refused.status_code == 503 and refused.json()["error"]["code"] == "draining"


def test_memory_store_does_not_keep_the_prompt(upstream) -> None:
    with RelayServer(_config(upstream)) as relay, httpx.Client(base_url=relay.base_url, timeout=30) as client:
        created = client.post("/v1/streams", json={"messages": [{"role": "user", "content": "x" * 100_000}]}).json()
        status, events = read_all(client, created["events_url"])
        assert status == 200 and [e.event for e in terminal(events)] == ["done"]
        stream = relay.relay.store._streams[created["id"]]
        assert stream.request is None  # nothing but takeover needs it, and the memory store has none


@pytest.mark.parametrize(
    "path",
    [
        "/v1/streams/st_a/events?token=SECRET",
        "/v1/streams/st_a/events?%74oken=SECRET",
        "/v1/streams/st_a/events?x=1&t%6Fk%65n=SECRET",
        "/v1/streams/st_a/events?tok%65n=SECRET&last_event_id=3",
    ],
)
def test_access_log_redacts_every_spelling_of_token(path: str) -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("1.2.3.4", "GET", path, "1.1", 200),
        None,
    )
    RedactTokens().filter(record)
    assert "SECRET" not in record.getMessage()
    assert "[redacted]" in record.getMessage()


# -- SIGTERM with the memory store: running streams finish, then the process exits ----------------


def _process_config(tmp_path: Path, upstream, drain_s: float) -> Path:
    path = tmp_path / "relay.toml"
    path.write_text(
        f"""
[server]
drain_s = {drain_s}

[providers.oa]
kind = "openai"
base_url = "{upstream.base_url}/v1"

[routes.default]
targets = ["oa/{SLOW}"]

[routes.slow]
targets = ["oa/{VERY_SLOW}"]
"""
    )
    return path


def test_sigterm_with_memory_store_lets_running_streams_finish(tmp_path: Path, upstream) -> None:
    relay = RelayProcess(_process_config(tmp_path, upstream, drain_s=20))
    try:
        created = httpx.post(relay.base_url + "/v1/streams", json=GO, timeout=10).json()
        seen = []
        with (
            httpx.Client(timeout=30) as client,
            client.stream("GET", relay.base_url + created["events_url"].split(relay.base_url, 1)[-1]) as response,
        ):
            for event in iter_sse(response):
                seen.append(event)
                if len(seen) == 10:
                    relay.process.send_signal(signal.SIGTERM)
        assert [e.event for e in terminal(seen)] == ["done"]
        assert seen[-1].data["finish_reason"] == "stop"
        assert text_of(seen) == upstream.reference("prose", 60).text
        with pytest.raises(httpx.TransportError):  # no new connections while it drains or after
            httpx.post(relay.base_url + "/v1/streams", json=GO, timeout=2)
        assert relay.process.wait(timeout=20) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once shut down
    finally:
        relay.stop()


def test_sigterm_with_memory_store_cancels_what_outlives_the_drain(tmp_path: Path, upstream) -> None:
    relay = RelayProcess(_process_config(tmp_path, upstream, drain_s=0.5))
    try:
        created = httpx.post(relay.base_url + "/v1/streams", json={**GO, "route": "slow"}, timeout=10).json()
        seen = []
        started = time.monotonic()
        with (
            httpx.Client(timeout=30) as client,
            client.stream("GET", relay.base_url + created["events_url"].split(relay.base_url, 1)[-1]) as response,
        ):
            for event in iter_sse(response):
                seen.append(event)
                if len(seen) == 5:
                    relay.process.send_signal(signal.SIGTERM)
        assert [e.event for e in terminal(seen)] == ["done"]
        assert seen[-1].data["finish_reason"] == "cancelled"
        assert time.monotonic() - started < 15  # well before the 20 s answer would have ended
        assert relay.process.wait(timeout=20) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once shut down
    finally:
        relay.stop()


# -- the daily budget holds in parallel, in one process and across instances sharing Redis ----------


def _budget_config(upstream, store: dict[str, object]):
    model = model_name("gpt-4o-mini", text="prose", n=200, tps=100)
    return load_config_dict(
        {
            "server": {"api_keys_env": "HARDENING_TEST_KEYS", "daily_usd_per_key": 1.0},
            "store": store,
            "providers": upstream_providers(upstream),
            "routes": {"default": {"targets": [f"oa/{model}"]}},
            # $1 per thousand output tokens: a 200-token answer costs about $0.2
            "pricing": {"gpt-4o-mini*": {"input": 1.0, "output": 1000.0}},
        }
    )


def _spend_in_parallel(base_urls: list[str], n: int) -> tuple[list[int], float]:
    """`n` simultaneous POSTs spread over the instances; the statuses, and what the admitted streams cost."""
    import concurrent.futures

    def create(index: int) -> httpx.Response:
        body = {"messages": [{"role": "user", "content": "Go."}], "max_tokens": 200}
        return httpx.post(
            base_urls[index % len(base_urls)] + "/v1/streams",
            json=body,
            headers={"Authorization": "Bearer k1"},
            timeout=30,
        )

    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        responses = list(pool.map(create, range(n)))
    spent = 0.0
    with httpx.Client(timeout=60) as client:
        for response in responses:
            if response.status_code == 201:
                status, events = read_all(client, response.json()["events_url"])
                assert status == 200 and len(terminal(events)) == 1
                costs = [e.data for e in events if e.event == "cost" and e.data["final"]]
                spent += costs[-1]["usd"]
    print(f"{sum(r.status_code == 201 for r in responses)} of {n} admitted, {spent:.3f} USD spent")
    return [response.status_code for response in responses], spent


def test_the_daily_budget_holds_against_parallel_requests(upstream, monkeypatch) -> None:
    monkeypatch.setenv("HARDENING_TEST_KEYS", "k1")
    with RelayServer(_budget_config(upstream, {})) as relay:
        statuses, spent = _spend_in_parallel([relay.base_url], 20)
    assert statuses.count(201) >= 1 and statuses.count(429) >= 10
    assert set(statuses) <= {201, 429}
    assert spent <= 1.0 + 0.3  # the cap, plus at most one accounting tick of overrun per admitted stream


def test_the_daily_budget_is_shared_by_instances_on_redis(upstream, monkeypatch) -> None:
    from .redis_server import RedisServer

    monkeypatch.setenv("HARDENING_TEST_KEYS", "k1")
    with RedisServer() as redis:
        config = _budget_config(upstream, {"kind": "redis", "url": redis.url})
        with RelayServer(config) as a, RelayServer(config) as b:
            statuses, spent = _spend_in_parallel([a.base_url, b.base_url], 20)
    assert statuses.count(201) >= 1 and statuses.count(429) >= 10
    assert spent <= 1.0 + 0.3


def test_a_read_token_reads_the_stream_but_cannot_cancel_it(upstream) -> None:
    with RelayServer(_config(upstream)) as relay, httpx.Client(base_url=relay.base_url, timeout=30) as client:
        created = client.post("/v1/streams", json={**GO, "route": "slow"}).json()
        stream_id, read_token = created["id"], created["read_token"]
        assert read_token != created["token"]
        snapshot = client.get(f"/v1/streams/{stream_id}", params={"token": read_token})
        assert snapshot.status_code == 200 and snapshot.json()["status"] == "running"
        with client.stream("GET", f"/v1/streams/{stream_id}/events", params={"token": read_token}) as response:
            assert response.status_code == 200
            assert any(event.event == "token" for event in _first_events(response, 5))
        refused = client.delete(f"/v1/streams/{stream_id}", params={"token": read_token})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "read_only_token"
        assert client.get(f"/v1/streams/{stream_id}", params={"token": read_token}).json()["status"] == "running"
        cancelled = client.delete(f"/v1/streams/{stream_id}", params={"token": created["token"]})
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def _first_events(response: httpx.Response, n: int) -> list[Event]:
    events: list[Event] = []
    for event in iter_sse(response):
        events.append(event)
        if len(events) == n:
            break
    return events


def test_a_stream_taken_over_after_a_crash_is_charged_to_its_key(tmp_path: Path, upstream, monkeypatch) -> None:
    """The adopter settles the dead instance's reservation with the whole stream's cost, both parts."""
    import hashlib

    import redis as redis_client

    from .redis_server import RedisServer

    monkeypatch.setenv("HARDENING_TEST_KEYS", "k1")  # inherited by the relay processes
    model = model_name("gpt-4o-mini", text="prose", n=160, tps=40, cont="exact")
    with RedisServer() as redis:
        path = tmp_path / "relay.toml"
        path.write_text(
            f"""
[server]
api_keys_env = "HARDENING_TEST_KEYS"
daily_usd_per_key = 10.0

[store]
kind = "redis"
url = "{redis.url}"
lease_s = 1.0

[providers.oa]
kind = "openai"
base_url = "{upstream.base_url}/v1"

[routes.default]
targets = ["oa/{model}"]

[pricing."gpt-4o-mini*"]
input = 1.0
output = 1000.0
"""
        )
        a, b = RelayProcess(path), RelayProcess(path)
        try:
            created = httpx.post(
                a.base_url + "/v1/streams", json=GO, headers={"Authorization": "Bearer k1"}, timeout=10
            ).json()
            events_path = f"/v1/streams/{created['id']}/events?token={created['token']}"
            seen = []
            with httpx.Client(timeout=30) as client, client.stream("GET", a.base_url + events_path) as response:
                for event in iter_sse(response):
                    seen.append(event)
                    if sum(e.event == "cost" for e in seen) == 2:  # A has spent something, and said so
                        break
            time.sleep(0.1)  # A's write-behind reaches Redis
            a.kill()
            with httpx.Client(timeout=60) as client:
                status, rest = read_all(client, b.base_url + events_path, headers={"Last-Event-ID": id_of(seen[-1])})
            assert status == 200 and [e.event for e in terminal(rest)] == ["done"]
            final = [e.data for e in rest if e.event == "cost" and e.data["final"]][-1]
            assert final["attempts"][0]["target"].startswith("oa/")  # the lost instance's attempt is counted
            assert len(final["attempts"]) == 2
            earlier_usd = [e.data for e in seen if e.event == "cost"][-1]["usd"]
            assert final["usd"] > earlier_usd > 0
            key_id = hashlib.sha256(b"k1").hexdigest()
            tally = redis_client.Redis.from_url(redis.url)
            # without decode_responses the client answers bytes
            replies = cast(dict[bytes, bytes], tally.hgetall(f"sr:limits:{{{key_id}}}:budget"))
            budget = {k.decode(): v.decode() for k, v in replies.items()}
            wait_for(lambda: tally.hget(f"sr:limits:{{{key_id}}}:budget", "reserved") == b"0")
            spent = int(cast(bytes, tally.hget(f"sr:limits:{{{key_id}}}:budget", "spent"))) / 1e9
            assert spent == pytest.approx(final["usd"], abs=1e-6), budget
        finally:
            a.stop()
            b.stop()


def test_past_the_readers_cap_a_reader_gets_429(upstream) -> None:
    with (
        RelayServer(_config(upstream, max_readers_per_stream=2)) as relay,
        httpx.Client(base_url=relay.base_url, timeout=30) as client,
    ):
        created = client.post("/v1/streams", json={**GO, "route": "slow"}).json()
        url = f"/v1/streams/{created['id']}/events"
        with (
            client.stream("GET", url, params={"token": created["token"]}) as first,
            client.stream("GET", url, params={"token": created["read_token"]}) as second,
        ):
            assert first.status_code == second.status_code == 200
            wait_for(lambda: relay.relay.responses.readers(created["id"]) == 2)
            third = client.get(url, params={"token": created["token"]})
            assert third.status_code == 429 and third.json()["error"]["code"] == "too_many_readers"
            assert "retry-after" in third.headers
        wait_for(lambda: relay.relay.responses.readers(created["id"]) == 0)
        client.delete(f"/v1/streams/{created['id']}", params={"token": created["token"]})


def test_per_key_rate_and_concurrency_limits_answer_429_with_retry_after(upstream, monkeypatch) -> None:
    monkeypatch.setenv("HARDENING_TEST_KEYS", "k1,k2")
    config = _config(upstream, api_keys_env="HARDENING_TEST_KEYS", key_requests_per_minute=3, key_concurrent_streams=1)
    with RelayServer(config) as relay, httpx.Client(base_url=relay.base_url, timeout=30) as client:
        k1, k2 = {"Authorization": "Bearer k1"}, {"Authorization": "Bearer k2"}
        first = client.post("/v1/streams", json={**GO, "route": "slow"}, headers=k1).json()
        busy = client.post("/v1/streams", json=GO, headers=k1)
        assert busy.status_code == 429 and busy.json()["error"]["code"] == "too_many_streams"
        assert int(busy.headers["retry-after"]) >= 1
        assert client.post("/v1/streams", json=GO, headers=k2).status_code == 201  # another key is not limited
        client.delete(f"/v1/streams/{first['id']}", params={"token": first["token"]})
        for _ in range(2):  # the slot frees when a stream ends; a refusal does not count against the rate
            created: list[httpx.Response] = []

            def admitted(created: list[httpx.Response] = created) -> bool:
                created.append(client.post("/v1/streams", json=GO, headers=k1))
                return created[-1].status_code == 201

            wait_for(admitted)
            read_all(client, created[-1].json()["events_url"])
        limited = client.post("/v1/streams", json=GO, headers=k1)
        assert limited.status_code == 429 and limited.json()["error"]["code"] == "rate_limited"  # three in a minute
        assert int(limited.headers["retry-after"]) >= 1
