"""The answer cache end to end: a real uvicorn relay, the fake upstream counting its calls, a real redis-server."""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import orjson
import pytest

from loadtest.upstream import FakeUpstream
from relay.config import Config, load_config_dict
from relay.tenants import key_id_of

from .support import Event, RelayServer, iter_sse, read_all, terminal, text_of, upstream_providers, wait_for

FAST = "oa/gpt-4o-mini;n=20"
SLOW = "oa/gpt-4o-mini;n=40;tps=40"  # a second: time for identical requests to arrive while it runs


def routes() -> dict[str, Any]:
    return {
        "default": {"targets": [FAST]},
        "slow": {"targets": [SLOW]},
        "always": {"targets": [FAST], "cache": "always"},
        "off": {"targets": [FAST], "cache": "off"},
        "paced": {"targets": ["oa/gpt-4o-mini;n=12;tps=100"], "cache_replay": "paced"},
        "failing": {"targets": ["oa/gpt-4o-mini;n=20;fault=error_event;at=3"]},
        "shared": {"targets": [FAST], "cache_shared": True},
    }


def config(upstream: FakeUpstream, **sections: Any) -> Config:
    return load_config_dict(
        {
            "providers": upstream_providers(upstream),
            "routes": routes(),
            "accounting": {"progress_interval_s": 0.05, "cost_interval_s": 0.2},
            **sections,
        }
    )


@pytest.fixture(scope="module")
def relay(upstream: FakeUpstream) -> Iterator[RelayServer]:
    with RelayServer(config(upstream)) as server:
        yield server


def nonce() -> str:
    return secrets.token_hex(6)


def calls(upstream: FakeUpstream, marker: str) -> int:
    """How many upstream requests carried `marker` in their body."""
    return sum(1 for request in upstream.requests if marker in orjson.dumps(request["body"]).decode())


def ask(
    client: httpx.Client, content: str, route: str = "default", *, temperature: float | None = 0, **body: Any
) -> tuple[dict[str, Any], list[Event]]:
    """POST a stream and read it to the end: (snapshot, events)."""
    fields: dict[str, Any] = {"route": route, "messages": [{"role": "user", "content": content}], **body}
    if temperature is not None:
        fields["temperature"] = temperature
    created = client.post("/v1/streams", json=fields)
    assert created.status_code == 201, created.text
    status, events = read_all(client, created.json()["events_url"])
    assert status == 200
    snapshot = client.get(f"/v1/streams/{created.json()['id']}", params={"token": created.json()["token"]}).json()
    return snapshot, events


def cache_event(events: list[Event]) -> dict[str, Any] | None:
    found = [event.data for event in events if event.event == "cache"]
    assert len(found) <= 1
    return found[0] if found else None


def costs(events: list[Event]) -> list[dict[str, Any]]:
    return [event.data for event in events if event.event == "cost"]


def test_the_same_request_twice_calls_the_upstream_once(client: httpx.Client, upstream: FakeUpstream) -> None:
    prompt = f"Tell me about caches {nonce()}"
    first, first_events = ask(client, prompt)
    second, second_events = ask(client, prompt)
    assert calls(upstream, prompt) == 1
    assert first["status"] == second["status"] == "done" and first["id"] != second["id"]
    assert second["text"] == first["text"] and text_of(second_events) == first["text"] and first["text"]
    assert cache_event(first_events) is None
    hit = cache_event(second_events)
    assert hit is not None and hit["hit"] is True and hit["source_stream"] == first["id"]
    kinds = [event.event for event in second_events]
    assert kinds.index("cache") < kinds.index("token")
    spent = costs(first_events)[-1]["usd"]
    assert spent > 0 and hit["saved_usd"] == pytest.approx(spent)
    assert all(cost["usd"] == 0 for cost in costs(second_events))
    assert costs(second_events)[-1]["saved_usd"] == pytest.approx(spent) and costs(second_events)[-1]["final"]
    assert [event.data["finish_reason"] for event in terminal(second_events)] == [first["finish_reason"]]
    audit = second["audit"]
    assert audit["cache"] == {"hit": True, "source_stream": first["id"], "saved_usd": hit["saved_usd"]}
    assert audit["cost"]["usd"] == 0 and audit["attempts"] == []
    assert "cache" not in first["audit"] and first["audit"]["cost"]["usd"] == pytest.approx(spent)


BASE = "Café menu:\nList two dishes, please."
SAME = {
    "zero-width space": "Café\u200b menu:\nList two\u200b dishes, please.",
    "BOM": "\ufeffCafé menu:\nList two dishes, please.",
    "NFD accents": unicodedata.normalize("NFD", BASE),
    "CRLF line endings": BASE.replace("\n", "\r\n"),
    "doubled spaces": "Café  menu:\nList  two dishes,   please.  ",
}


@pytest.mark.parametrize("variant", list(SAME), ids=list(SAME))
def test_an_invisible_difference_still_hits(client: httpx.Client, upstream: FakeUpstream, variant: str) -> None:
    marker = nonce()
    first, _ = ask(client, f"{marker} {BASE}")
    second, events = ask(client, f"{marker} {SAME[variant]}")
    assert calls(upstream, marker) == 1
    hit = cache_event(events)
    assert hit is not None and hit["source_stream"] == first["id"] and second["text"] == first["text"]


CODE = "Review:\n```python\ndef f():\n    return 1\n```"
DIFFERENT = {
    "a different word": (BASE, BASE.replace("two", "three")),
    "different code indentation": (CODE, CODE.replace("    return", "  return")),
    "a ZWJ emoji sequence split": ("Describe 👩\u200d💻 briefly.", "Describe 👩💻 briefly."),
}


@pytest.mark.parametrize("case", list(DIFFERENT), ids=list(DIFFERENT))
def test_a_difference_in_meaning_misses(client: httpx.Client, upstream: FakeUpstream, case: str) -> None:
    marker = nonce()
    one, other = DIFFERENT[case]
    ask(client, f"{marker} {one}")
    _, events = ask(client, f"{marker} {other}")
    assert calls(upstream, marker) == 2
    assert cache_event(events) is None


def test_ten_identical_concurrent_requests_make_one_upstream_call(
    client: httpx.Client, upstream: FakeUpstream, relay: RelayServer
) -> None:
    prompt = f"Ten at once {nonce()}"
    joins_before = relay.relay.cache.stats.joins

    def one(_: int) -> list[Event]:
        with httpx.Client(base_url=relay.base_url, timeout=30) as own:
            body = {"route": "slow", "temperature": 0, "messages": [{"role": "user", "content": prompt}]}
            with own.stream("POST", "/v1/streams", json=body, headers={"Accept": "text/event-stream"}) as response:
                assert response.status_code == 200
                return list(iter_sse(response))

    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(one, range(10)))
    assert calls(upstream, prompt) == 1
    texts = {text_of(events) for events in results}
    assert len(texts) == 1 and texts.pop()
    assert all([event.data["finish_reason"] for event in terminal(events)] == ["stop"] for events in results)
    followed = [cache_event(events) for events in results]
    assert sum(1 for hit in followed if hit is None) == 1  # the one that called the upstream
    assert relay.relay.cache.stats.joins - joins_before >= 1  # the rest joined it (or, if it was done, hit)


def test_temperature_above_zero_misses_unless_the_route_opts_in(client: httpx.Client, upstream: FakeUpstream) -> None:
    auto = f"Warm {nonce()}"
    ask(client, auto, temperature=0.7)
    _, events = ask(client, auto, temperature=0.7)
    assert calls(upstream, auto) == 2 and cache_event(events) is None
    unset = f"Unset {nonce()}"
    ask(client, unset, temperature=None)
    ask(client, unset, temperature=None)
    assert calls(upstream, unset) == 2  # no temperature: the provider's default, not deterministic
    always = f"Warm always {nonce()}"
    ask(client, always, "always", temperature=0.7)
    _, events = ask(client, always, "always", temperature=0.7)
    assert calls(upstream, always) == 1 and cache_event(events) is not None
    assert ask(client, always, "always", temperature=0.2)[0]["text"]  # a different temperature: another key
    assert calls(upstream, always) == 2


def test_off_per_route_and_per_request(client: httpx.Client, upstream: FakeUpstream) -> None:
    off = f"Off {nonce()}"
    ask(client, off, "off")
    ask(client, off, "off")
    assert calls(upstream, off) == 2
    asked = f"No cache {nonce()}"
    ask(client, asked)
    _, events = ask(client, asked, cache=False)  # neither answered from the cache...
    assert calls(upstream, asked) == 2 and cache_event(events) is None
    fresh = f"Not kept {nonce()}"
    ask(client, fresh, cache=False)  # ...nor kept in it
    ask(client, fresh)
    assert calls(upstream, fresh) == 2
    bad = client.post("/v1/streams", json={"messages": [{"role": "user", "content": "x"}], "cache": "no"})
    assert bad.status_code == 400 and "cache" in bad.json()["error"]["message"]


def test_an_errored_stream_is_never_served_from_the_cache(client: httpx.Client, upstream: FakeUpstream) -> None:
    prompt = f"Fails {nonce()}"
    first, _ = ask(client, prompt, "failing")
    assert first["status"] == "failed"
    second, events = ask(client, prompt, "failing")
    assert second["status"] == "failed" and cache_event(events) is None
    assert calls(upstream, prompt) == 2


def test_a_cancelled_stream_is_never_served_from_the_cache(client: httpx.Client, upstream: FakeUpstream) -> None:
    prompt = f"Cancelled {nonce()}"
    body = {"route": "slow", "temperature": 0, "messages": [{"role": "user", "content": prompt}]}
    created = client.post("/v1/streams", json=body).json()
    with client.stream("GET", created["events_url"]) as response:
        for event in iter_sse(response):
            if event.event == "token":
                break
    cancelled = client.delete(f"/v1/streams/{created['id']}", params={"token": created["token"]})
    assert cancelled.json()["status"] == "cancelled"
    second, events = ask(client, prompt, "slow")
    assert cache_event(events) is None and second["finish_reason"] == "stop"
    assert calls(upstream, prompt) == 2


def test_a_stream_that_joined_a_cancelled_one_finishes_on_its_own(client: httpx.Client, upstream: FakeUpstream) -> None:
    prompt = f"Joined then cancelled {nonce()}"
    body = {"route": "slow", "temperature": 0, "messages": [{"role": "user", "content": prompt}]}
    leader = client.post("/v1/streams", json=body).json()
    follower = client.post("/v1/streams", json=body).json()
    with client.stream("GET", follower["events_url"]) as response:
        seen: list[Event] = []
        reading = iter_sse(response)
        for event in reading:
            seen.append(event)
            if event.event == "token":
                break
        client.delete(f"/v1/streams/{leader['id']}", params={"token": leader["token"]})
        seen.extend(reading)
    joined = cache_event(seen)
    assert joined is not None and joined["joined"] is True and joined["source_stream"] == leader["id"]
    assert [event.data["finish_reason"] for event in terminal(seen)] == ["stop"]
    snapshot = client.get(f"/v1/streams/{follower['id']}", params={"token": follower["token"]}).json()
    assert snapshot["status"] == "done" and snapshot["text"] == text_of(seen)
    assert calls(upstream, prompt) == 2  # the follower went on with a call of its own


def test_a_paced_replay_gives_the_same_text(client: httpx.Client, upstream: FakeUpstream) -> None:
    prompt = f"Paced {nonce()}"
    first, _ = ask(client, prompt, "paced")
    second, events = ask(client, prompt, "paced")
    assert calls(upstream, prompt) == 1 and cache_event(events) is not None
    assert second["text"] == first["text"] and len([e for e in events if e.event == "token"]) > 1


def test_healthz_counts_hits_misses_joins_and_saved_usd(client: httpx.Client) -> None:
    before = client.get("/healthz").json()["cache"]
    prompt = f"Counted {nonce()}"
    ask(client, prompt)
    _, events = ask(client, prompt)
    after = client.get("/healthz").json()["cache"]
    assert after["misses"] == before["misses"] + 1 and after["hits"] == before["hits"] + 1
    saved = cache_event(events)
    assert saved is not None
    assert after["saved_usd"] == pytest.approx(before["saved_usd"] + saved["saved_usd"], abs=1e-6)
    assert {"joins", "stored", "bypassed", "entries"} <= set(after) and after["entries"]["kind"] == "memory"


def test_the_openai_flavour_is_served_from_the_cache_too(client: httpx.Client, upstream: FakeUpstream) -> None:
    prompt = f"Chat {nonce()}"
    body = {"model": "default", "temperature": 0, "messages": [{"role": "user", "content": prompt}]}
    first = client.post("/v1/chat/completions", json=body).json()
    second = client.post("/v1/chat/completions", json=body).json()
    assert calls(upstream, prompt) == 1
    assert second["choices"][0]["message"]["content"] == first["choices"][0]["message"]["content"]
    assert second["usage"]["completion_tokens"] == 0 and first["usage"]["completion_tokens"] > 0
    refused = client.post("/v1/chat/completions", json={**body, "cache": False})
    assert refused.status_code == 400 and refused.json()["error"]["param"] == "cache"
    asked = {"model": "default", "temperature": 0, "input": prompt, "stream": True}  # same key: the same answer
    with client.stream("POST", "/v1/responses", json=asked) as response:
        kinds = [event.event for event in iter_sse(response)]
    assert kinds[-1] == "response.completed" and calls(upstream, prompt) == 1
    final = client.post("/v1/responses", json={**asked, "stream": False}).json()
    assert final["status"] == "completed"
    assert final["output"][0]["content"][0]["text"] == first["choices"][0]["message"]["content"]


def test_entries_are_per_tenant_unless_the_route_is_shared(
    upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CACHE_TEST_KEYS", "key-a,key-b")
    tenants = {"acme": {"keys": [key_id_of("acme-old"), key_id_of("acme-new")]}}
    with (
        RelayServer(config(upstream, server={"api_keys_env": "CACHE_TEST_KEYS"}, tenants=tenants)) as server,
        httpx.Client(base_url=server.base_url, timeout=30) as client,
    ):
        prompt = f"Tenants {nonce()}"
        for key in ("key-a", "key-a", "key-b"):
            client.headers["Authorization"] = f"Bearer {key}"
            ask(client, prompt)
        assert calls(upstream, prompt) == 2  # key-b does not get key-a's answer
        shared = f"Shared {nonce()}"
        for key in ("key-a", "key-b"):
            client.headers["Authorization"] = f"Bearer {key}"
            ask(client, shared, "shared")
        assert calls(upstream, shared) == 1
        rotated = f"Tenant keys {nonce()}"
        for key in ("acme-old", "acme-new"):  # two keys of one tenant: one tenant's entries
            client.headers["Authorization"] = f"Bearer {key}"
            ask(client, rotated)
        assert calls(upstream, rotated) == 1


def test_two_instances_on_one_redis_share_hits(upstream: FakeUpstream, redis_url: str) -> None:
    shared = config(upstream, store={"kind": "redis", "url": redis_url, "prefix": f"c{nonce()}"})
    with (
        RelayServer(shared) as a,
        RelayServer(shared) as b,
        httpx.Client(base_url=a.base_url, timeout=30) as on_a,
        httpx.Client(base_url=b.base_url, timeout=30) as on_b,
    ):
        prompt = f"Two instances {nonce()}"
        first, _ = ask(on_a, prompt)
        wait_for(lambda: a.relay.cache.stats.stored == 1 and not a.relay.cache._puts)
        second, events = ask(on_b, prompt)
        assert calls(upstream, prompt) == 1
        hit = cache_event(events)
        assert hit is not None and hit["source_stream"] == first["id"] and second["text"] == first["text"]
        assert on_b.get("/healthz").json()["cache"]["entries"]["kind"] == "redis"
        errored = f"Two instances, failing {nonce()}"
        ask(on_a, errored, "failing")
        ask(on_b, errored, "failing")
        assert calls(upstream, errored) == 2
