"""The HTTP API through real uvicorn, on simulated providers (no network, no keys)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from relay.config import load_config_dict

from .support import RelayServer, event_id, id_of, iter_sse, parse_sse, read_all, terminal, text_of, wait_for

CONFIG = {
    "providers": {"sim": {"kind": "simulated", "tokens_per_s": 200}, "slow": {"kind": "simulated", "tokens_per_s": 20}},
    "routes": {
        "default": {"targets": ["sim/demo"]},
        "slow": {"targets": ["slow/demo"]},
        "stalls": {"targets": ["sim/demo;stall_at=10"], "stall_timeout_s": 0.3},
    },
}
MESSAGES = [{"role": "user", "content": "Explain streaming relays."}]


@pytest.fixture(scope="module")
def relay() -> Iterator[RelayServer]:
    with RelayServer(load_config_dict(CONFIG)) as server:
        yield server


def create(client: httpx.Client, **body: object) -> dict[str, Any]:
    response = client.post("/v1/streams", json={"messages": MESSAGES, **body})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_create_then_stream_whole_answer(client: httpx.Client) -> None:
    created = create(client, max_tokens=40)
    assert created["id"].startswith("st_") and len(created["token"]) >= 32
    status, events = read_all(client, created["events_url"])
    assert status == 200
    assert [e.event for e in terminal(events)] == ["done"]
    assert events[-1].event == "done" and events[-1].data == {"finish_reason": "stop", "openai_finish_reason": "stop"}
    ids = [event_id(e) for e in events]
    assert ids == sorted(set(ids)) and ids[0] == 1
    snapshot = client.get(f"/v1/streams/{created['id']}", params={"token": created["token"]}).json()
    assert snapshot["status"] == "done"
    assert snapshot["text"] == text_of(events) and len(snapshot["text"]) > 100
    assert snapshot["last_event_id"] == ids[-1]


def test_post_with_accept_event_stream_answers_with_the_stream(client: httpx.Client) -> None:
    with client.stream(
        "POST", "/v1/streams", json={"messages": MESSAGES, "max_tokens": 30}, headers={"Accept": "text/event-stream"}
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache, no-transform"
        assert response.headers["x-accel-buffering"] == "no"
        assert "content-encoding" not in response.headers
        stream_id, token = response.headers["x-stream-id"], response.headers["x-stream-token"]
        body = response.read().decode()
    assert body.startswith(": stream ") and "retry: 1000" in body.split("\n\n")[0]
    events = parse_sse(body)
    snapshot = client.get(f"/v1/streams/{stream_id}", headers={"Authorization": f"Bearer {token}"}).json()
    assert snapshot["text"] == text_of(events)


def test_resume_after_k_events_gets_exactly_the_rest_then_204(client: httpx.Client) -> None:
    created = create(client, route="slow", max_tokens=40)
    url = created["events_url"]
    seen = []
    with client.stream("GET", url) as response:
        for event in iter_sse(response):
            seen.append(event)
            if len(seen) == 7:
                break  # the client drops
    # The generation goes on while nobody is connected.
    time.sleep(0.4)
    progressed = client.get(f"/v1/streams/{created['id']}", params={"token": created["token"]}).json()["last_event_id"]
    assert progressed > 7
    status, rest = read_all(client, url, headers={"Last-Event-ID": id_of(seen[-1])})
    assert status == 200
    assert [event_id(e) for e in rest] == list(range(8, 8 + len(rest)))
    assert rest[-1].event == "done"
    full = client.get(f"/v1/streams/{created['id']}", params={"token": created["token"]}).json()
    assert text_of(seen + rest) == full["text"]
    # At the end of a finished stream: 204, so EventSource stops reconnecting.
    response = client.get(url, headers={"Last-Event-ID": id_of(rest[-1])})
    assert response.status_code == 204
    # The query parameter works too, and the header wins over it.
    status, again = read_all(client, url + "&last_event_id=3", headers={"Last-Event-ID": id_of(rest[-2])})
    assert [e.event for e in again] == ["done"]
    status, from_query = read_all(client, url + "&last_event_id=3")
    assert event_id(from_query[0]) == 4


def test_cursor_beyond_the_log_gets_a_reset_with_the_whole_text(client: httpx.Client) -> None:
    created = create(client, max_tokens=20)
    status, events = read_all(client, created["events_url"])
    assert status == 200
    last = event_id(events[-1])
    status, running = read_all(client, created["events_url"], headers={"Last-Event-ID": str(last + 50)})
    assert running[0].event == "reset" and running[0].data["text"] == text_of(events)
    # A finished stream's end is not hidden by the reset: its terminal event follows.
    assert [e.event for e in running] == ["reset", "done"] and running[1].id == str(last)


def test_cancel_is_idempotent_and_ends_the_stream(client: httpx.Client) -> None:
    created = create(client, route="slow", max_tokens=200)
    params = {"token": created["token"]}
    response = client.delete(f"/v1/streams/{created['id']}", params=params)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert client.delete(f"/v1/streams/{created['id']}", params=params).json()["status"] == "cancelled"
    status, events = read_all(client, created["events_url"])
    assert terminal(events)[-1].data == {"finish_reason": "cancelled", "openai_finish_reason": "stop"}
    assert len(terminal(events)) == 1


def test_upstream_failure_ends_with_one_error_and_keeps_partial_text(client: httpx.Client) -> None:
    created = create(client, route="stalls", max_tokens=60)
    status, events = read_all(client, created["events_url"])
    assert [e.event for e in terminal(events)] == ["error"]
    assert events[-1].data["code"] == "stall"
    snapshot = client.get(f"/v1/streams/{created['id']}", params={"token": created["token"]}).json()
    assert snapshot["status"] == "failed"
    assert snapshot["text"] == text_of(events) and len(text_of(events)) > 10


def test_finished_stream_leaves_no_task_behind(relay: RelayServer, client: httpx.Client) -> None:
    created = create(client, max_tokens=20)
    read_all(client, created["events_url"])
    wait_for(lambda: relay.relay.generations == set() or all(t.done() for t in relay.relay.generations))


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "invalid_json"),
        (b'{"route": "default"}', 400, "invalid_request"),
        (b'{"messages": []}', 400, "invalid_request"),
        (b'{"messages": [{"role": "wizard", "content": "x"}]}', 400, "invalid_request"),
        (b'{"messages": [{"role": "user", "content": 5}]}', 400, "invalid_request"),
        (b'{"messages": [{"role": "user", "content": "x"}], "max_tokens": 0}', 400, "invalid_request"),
        (b'{"messages": [{"role": "user", "content": "x"}], "temperature": "hot"}', 400, "invalid_request"),
        (b'{"messages": [{"role": "user", "content": "x"}], "route": "nope"}', 400, "unknown_route"),
        (b'{"messages": [{"role": "user", "content": "x"}], "colour": 1}', 400, "invalid_request"),
        (b"[1, 2]", 400, "invalid_request"),
        (b'{"messages": [{"role": "user", "content": "' + b"x" * (1024 * 1024) + b'"}]}', 413, "body_too_large"),
    ],
)
def test_bad_create_requests_get_a_4xx_json_error(client: httpx.Client, body: bytes, status: int, code: str) -> None:
    response = client.post("/v1/streams", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


def test_bad_stream_access_gets_a_4xx_json_error(client: httpx.Client) -> None:
    created = create(client, max_tokens=5)
    stream_id, token = created["id"], created["token"]
    cases = [
        (client.get("/v1/streams/st_doesnotexist/events", params={"token": token}), 404, "unknown_stream"),
        (client.get(f"/v1/streams/{stream_id}/events"), 401, "missing_token"),
        (client.get(f"/v1/streams/{stream_id}/events", params={"token": "wrong"}), 403, "invalid_token"),
        (client.get(f"/v1/streams/{stream_id}", params={"token": "wrong"}), 403, "invalid_token"),
        (client.delete(f"/v1/streams/{stream_id}", params={"token": "wrong"}), 403, "invalid_token"),
        (
            client.get(f"/v1/streams/{stream_id}/events", params={"token": token}, headers={"Last-Event-ID": "abc"}),
            400,
            "invalid_last_event_id",
        ),
        (
            client.get(f"/v1/streams/{stream_id}/events", params={"token": token, "last_event_id": "-3"}),
            400,
            "invalid_last_event_id",
        ),
        (client.get("/v1/nothing"), 404, "not_found"),
        (client.put("/v1/streams"), 405, "method_not_allowed"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, (response.request.url, response.text)
        assert response.json()["error"]["code"] == code


def test_api_keys_env_that_is_unset_fails_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from relay.app import create_app
    from relay.config import ConfigError

    monkeypatch.delenv("TEST_RELAY_KEYS_UNSET", raising=False)
    with pytest.raises(ConfigError, match="TEST_RELAY_KEYS_UNSET"):
        create_app(load_config_dict({**CONFIG, "server": {"api_keys_env": "TEST_RELAY_KEYS_UNSET"}}))


def test_api_keys_guard_create(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_RELAY_KEYS", "k1, k2")
    config = load_config_dict({**CONFIG, "server": {"api_keys_env": "TEST_RELAY_KEYS"}})
    with RelayServer(config) as server, httpx.Client(base_url=server.base_url) as client:
        assert client.post("/v1/streams", json={"messages": MESSAGES}).json()["error"]["code"] == "invalid_api_key"
        denied = client.post("/v1/streams", json={"messages": MESSAGES}, headers={"Authorization": "Bearer nope"})
        assert denied.status_code == 401
        allowed = client.post(
            "/v1/streams", json={"messages": MESSAGES, "max_tokens": 3}, headers={"Authorization": "Bearer k2"}
        )
        assert allowed.status_code == 201


def test_healthz(client: httpx.Client) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["store"]["kind"] == "memory"


def test_an_endpoint_s_errors_are_answered_by_the_app_s_handlers_through_the_lean_route(relay: RelayServer) -> None:
    """A handled error keeps its status and code, a bug is a JSON 500, and a route's other method is a 405."""
    from starlette.requests import Request
    from starlette.routing import Route

    from relay.app import _lean
    from relay.errors import ApiError

    async def refused(request: Request) -> None:
        raise ApiError(418, "teapot", "no tea here", retry_after_s=2)

    async def broken(request: Request) -> None:
        raise RuntimeError("a bug")

    routes = [_lean(Route("/test/refused", refused, methods=["GET"])), _lean(Route("/test/broken", broken))]
    relay.app.router.routes[:0] = routes
    try:
        with httpx.Client(base_url=relay.base_url, timeout=10) as client:
            answer = client.get("/test/refused")
            assert answer.status_code == 418 and answer.json()["error"]["code"] == "teapot"
            assert answer.headers["retry-after"] == "2"
            assert answer.headers["x-request-id"]  # the request log's middleware still wraps it
            not_allowed = client.post("/test/refused")
            assert not_allowed.status_code == 405 and not_allowed.json()["error"]["code"] == "method_not_allowed"
        with httpx.Client(base_url=relay.base_url, timeout=10) as client:  # the server drops the connection after it
            crashed = client.get("/test/broken", headers={"Connection": "close"})
            assert crashed.status_code == 500 and crashed.json()["error"]["code"] == "internal"
    finally:
        del relay.app.router.routes[: len(routes)]
