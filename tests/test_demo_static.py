"""The demo page's files over HTTP, against a real uvicorn on `make run`'s embedded config.

`GET /` is HTML under a strict CSP whose links are versioned; the files it links are served
with their types and cached for good at that version, revalidated otherwise; an unknown file
is a JSON 404; `GET /v1/routes` lists what the route picker offers, behind the API key where
streams need one. The page in a browser: tests/test_demo_page.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from relay.config import default_config, load_config_dict
from relay.demo import CONTENT_SECURITY_POLICY, STATIC_DIR, assets

from .support import Event, RelayServer, event_id, iter_sse, read_all, text_of

LINK = re.compile(r'(?:src|href)="(/static/[^"?]+)\?v=([0-9a-f]+)"')


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with RelayServer(default_config()) as relay, httpx.Client(base_url=relay.base_url, timeout=30) as client:
        yield client


def assert_secured(response: httpx.Response) -> None:
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_the_page_is_html_under_a_strict_csp(client: httpx.Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert_secured(response)
    csp = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'" and csp["connect-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'" and csp["base-uri"] == "'none'"
    assert response.headers["cache-control"] == "no-cache" and response.headers["etag"]
    html = response.text
    assert '<select id="route"' in html and 'id="prompt"' in html and 'id="stop"' in html
    # Nothing a strict CSP blocks: no inline script, no style element or attribute, no handler attribute.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", html, re.I)


def test_the_page_links_its_files_by_version_and_they_are_served(client: httpx.Client) -> None:
    links = dict(LINK.findall(client.get("/").text))
    assert set(links) == {"/static/demo.js", "/static/demo.css", "/static/favicon.svg"}
    types = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
    for path, version in links.items():
        response = client.get(path, params={"v": version})
        assert response.status_code == 200, path
        assert response.headers["content-type"] == types[path[path.rindex(".") :]]
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.content == (STATIC_DIR / path.removeprefix("/static/")).read_bytes()
        assert_secured(response)


def test_unversioned_or_stale_urls_are_revalidated_by_etag(client: httpx.Client) -> None:
    for params in ({}, {"v": "stale"}):
        response = client.get("/static/demo.js", params=params)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-cache"
    etag = response.headers["etag"]
    assert etag == f'"{assets()["demo.js"].version}"'
    again = client.get("/static/demo.js", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    page_etag = client.get("/").headers["etag"]
    assert client.get("/", headers={"If-None-Match": page_etag}).status_code == 304
    assert client.get("/", headers={"If-None-Match": '"other"'}).status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/static/nope.js", "/static/index.html", "/static/..%2Fdemo.py", "/static/../demo.py", "/static/", "/index.html"],
)
def test_unknown_static_files_are_a_json_404(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404, path
    assert response.json()["error"]["code"] == "not_found"


def test_the_page_only_reads(client: httpx.Client) -> None:
    response = client.post("/", content=b"x")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert client.head("/").status_code == 200


def test_routes_lists_the_embedded_config_and_its_failover_demo(client: httpx.Client) -> None:
    body = client.get("/v1/routes").json()
    assert body["default"] == "default"
    assert body["routes"] == [
        {"name": "default", "targets": ["sim/demo", "sim/demo-backup"]},
        {"name": "failover-demo", "targets": ["sim/demo;stall_at=40", "sim/demo-backup"]},
    ]


def test_what_the_page_sends_works_on_the_embedded_config(client: httpx.Client) -> None:
    """The page's own requests: create on a listed route, read, resume with last_event_id, cancel with the token."""
    route = client.get("/v1/routes").json()["routes"][1]["name"]
    created = client.post("/v1/streams", json={"route": route, "messages": [{"role": "user", "content": "Hi"}]})
    assert created.status_code == 201
    stream_id, token = created.json()["id"], created.json()["token"]
    seen: list[Event] = []
    with client.stream("GET", f"/v1/streams/{stream_id}/events", params={"token": token}) as response:
        for event in iter_sse(response):
            seen.append(event)
            if len(text_of(seen)) > 20:
                break  # the reader leaves, as a reloaded page does
    cancelled = client.delete(f"/v1/streams/{stream_id}", headers={"Authorization": f"Bearer {token}"})
    assert cancelled.json() == {"id": stream_id, "status": "cancelled"}
    last = event_id(seen[-1])
    status, rest = read_all(client, f"/v1/streams/{stream_id}/events?token={token}&last_event_id={last}")
    assert status == 200 and event_id(rest[0]) == last + 1
    assert rest[-1].event == "done" and rest[-1].data["finish_reason"] == "cancelled"
    snapshot = client.get(f"/v1/streams/{stream_id}", headers={"Authorization": f"Bearer {token}"}).json()
    assert text_of(seen) + text_of(rest) == snapshot["text"]


def test_with_api_keys_the_routes_need_one_and_the_page_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_STATIC_TEST_KEYS", "secret")
    config = load_config_dict(
        {
            "providers": {"sim": {"kind": "simulated"}},
            "routes": {"only": {"targets": ["sim/demo"]}},
            "server": {"api_keys_env": "DEMO_STATIC_TEST_KEYS"},
        }
    )
    with RelayServer(config) as relay, httpx.Client(base_url=relay.base_url) as client:
        assert client.get("/").status_code == 200
        refused = client.get("/v1/routes")
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_api_key"
        assert client.get("/v1/routes", headers={"Authorization": "Bearer wrong"}).status_code == 401
        listed = client.get("/v1/routes", headers={"Authorization": "Bearer secret"}).json()
        assert listed == {"routes": [{"name": "only", "targets": ["sim/demo"]}], "default": None}
