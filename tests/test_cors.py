"""CORS: pages on the configured origins may call the relay from a browser; nothing else changes.

A browser preflights `POST /v1/streams` (JSON body, maybe `Authorization`), reads the new
stream's id and token from the exposed headers, then follows the events with `EventSource`
(which sends `Last-Event-ID` when it reconnects). Each step is checked over real HTTP
against uvicorn, as a browser would send it.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from relay.config import ConfigError, load_config_dict

from .support import RelayServer, parse_sse, read_all, text_of

APP = "https://app.example.com"
ROUTES = {
    "providers": {"sim": {"kind": "simulated", "tokens_per_s": 400}},
    "routes": {"default": {"targets": ["sim/demo"]}},
}
MESSAGES = [{"role": "user", "content": "Explain streaming relays."}]


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    config = load_config_dict({**ROUTES, "server": {"cors_origins": [APP, "http://localhost:3000"]}})
    with RelayServer(config) as server, httpx.Client(base_url=server.base_url, timeout=30) as http:
        yield http


def test_the_preflight_of_a_json_post_with_a_key_is_allowed_for_a_configured_origin(client: httpx.Client) -> None:
    response = client.options(
        "/v1/streams",
        headers={
            "Origin": APP,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, authorization",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == APP
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = {name.strip().lower() for name in response.headers["access-control-allow-headers"].split(",")}
    assert {"content-type", "authorization", "last-event-id"} <= allowed
    assert "access-control-allow-credentials" not in response.headers  # keys and tokens, never cookies


def test_a_page_creates_a_stream_reads_its_id_and_follows_the_events(client: httpx.Client) -> None:
    origin = {"Origin": APP}
    with client.stream(
        "POST",
        "/v1/streams",
        json={"messages": MESSAGES, "max_tokens": 30},
        headers={**origin, "Accept": "text/event-stream"},
    ) as response:
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == APP
        exposed = {name.strip().lower() for name in response.headers["access-control-expose-headers"].split(",")}
        assert {"x-stream-id", "x-stream-token"} <= exposed
        stream_id, token = response.headers["x-stream-id"], response.headers["x-stream-token"]
        streamed = text_of(parse_sse(response.read().decode()))
    assert len(streamed) > 50

    # EventSource's reconnect: a GET with Last-Event-ID, on the same origin's behalf
    response = client.get(
        f"/v1/streams/{stream_id}/events", params={"token": token}, headers={**origin, "Last-Event-ID": "3"}
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == APP
    replayed = parse_sse(response.text)
    ids = [int(event.id or "") for event in replayed]
    assert ids[0] == 4 and ids == sorted(set(ids))  # the rest of the log, from the cursor on
    assert replayed[-1].event == "done"
    snapshot = client.get(f"/v1/streams/{stream_id}", params={"token": token}, headers=origin)
    assert snapshot.headers["access-control-allow-origin"] == APP
    assert snapshot.json()["text"] == streamed


def test_errors_carry_the_cors_headers_so_the_page_can_read_them(client: httpx.Client) -> None:
    response = client.post(
        "/v1/streams", content=b"{not json", headers={"Origin": APP, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"
    assert response.headers["access-control-allow-origin"] == APP


def test_other_origins_get_no_cors_headers(client: httpx.Client) -> None:
    preflight = client.options(
        "/v1/streams", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    created = client.post(
        "/v1/streams", json={"messages": MESSAGES, "max_tokens": 5}, headers={"Origin": "https://evil.example"}
    )
    assert created.status_code == 201  # a server-side caller is not a browser: only the browser enforces CORS
    assert "access-control-allow-origin" not in created.headers


def test_without_cors_origins_the_relay_sends_no_cors_headers() -> None:
    with RelayServer(load_config_dict(ROUTES)) as server, httpx.Client(base_url=server.base_url, timeout=30) as http:
        preflight = http.options("/v1/streams", headers={"Origin": APP, "Access-Control-Request-Method": "POST"})
        assert preflight.status_code == 405
        assert "access-control-allow-origin" not in preflight.headers
        created = http.post("/v1/streams", json={"messages": MESSAGES, "max_tokens": 5}, headers={"Origin": APP})
        assert created.status_code == 201 and "access-control-allow-origin" not in created.headers
        status, events = read_all(http, created.json()["events_url"])
        assert status == 200 and events[-1].event == "done"


def test_any_origin_with_a_star() -> None:
    with (
        RelayServer(load_config_dict({**ROUTES, "server": {"cors_origins": ["*"]}})) as server,
        httpx.Client(base_url=server.base_url, timeout=30) as http,
    ):
        created = http.post(
            "/v1/streams", json={"messages": MESSAGES, "max_tokens": 5}, headers={"Origin": "https://anywhere.example"}
        )
        assert created.status_code == 201
        assert created.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(
    ("origins", "complaint"),
    [
        (["https://app.example.com/"], "no path"),
        (["app.example.com"], "no path"),
        (["*", APP], "stands alone"),
        ([3000], "expected strings"),
        ("https://app.example.com", "expected list"),
    ],
)
def test_a_bad_cors_origin_is_a_config_error(origins: object, complaint: str) -> None:
    with pytest.raises(ConfigError, match="server.cors_origins") as error:
        load_config_dict({**ROUTES, "server": {"cors_origins": origins}})
    assert complaint in str(error.value)
