"""The request and stream log lines: JSON, the request id carried through, no prompt, text, key or token."""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from loadtest.upstream import FakeUpstream, model_name
from relay.config import load_config_dict
from relay.logs import configure_logging

from .support import RelayServer, read_all, text_of, upstream_providers, wait_for

API_KEY = "sk-test-" + "k3y" * 8
PROMPT = "Tell me the secret plan, codeword PELICAN-7731."


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The relay's log as `serve` configures it (JSON: not a terminal), written to a buffer."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    buffer = io.StringIO()
    configure_logging("auto", "info", stream=buffer)
    try:
        yield buffer
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)


def lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in buffer.getvalue().splitlines()]  # every line is one JSON object


def test_request_and_stream_lines_carry_the_request_id_and_no_secret(
    upstream: FakeUpstream, captured: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_LOG_KEYS", API_KEY)
    dead = model_name("dead-log", fault="http500")
    config = load_config_dict(
        {
            "providers": upstream_providers(upstream),
            "routes": {"r": {"targets": [f"oa/{dead}", "an/good;n=30"]}},
            "server": {"api_keys_env": "TEST_LOG_KEYS"},
        }
    )
    with RelayServer(config) as relay, httpx.Client(base_url=relay.base_url, timeout=30) as client:
        created = client.post(
            "/v1/streams",
            json={"route": "r", "messages": [{"role": "user", "content": PROMPT}]},
            headers={"Authorization": f"Bearer {API_KEY}", "X-Request-Id": "req-abc.123"},
        )
        assert created.status_code == 201 and created.headers["x-request-id"] == "req-abc.123"
        body = created.json()
        status, events = read_all(client, body["events_url"])
        assert status == 200
        answer = text_of(events)
        generated = client.get("/healthz")
        assert re.fullmatch(r"[0-9a-f]{32}", generated.headers["x-request-id"])  # none given: one is made
        hostile = client.get("/healthz", headers={"X-Request-Id": "x" * 500})  # not tame: replaced
        assert re.fullmatch(r"[0-9a-f]{32}", hostile.headers["x-request-id"])
        wait_for(lambda: any(line["msg"] == "stream" for line in lines(captured)))

    logged = lines(captured)
    key_id = hashlib.sha256(API_KEY.encode()).hexdigest()
    post = next(line for line in logged if line["msg"] == "request" and line["method"] == "POST")
    assert post["request_id"] == "req-abc.123" and post["status"] == 201 and post["path"] == "/v1/streams"
    assert post["key_id"] == key_id and post["stream_id"] == body["id"] and post["duration_ms"] >= 0
    read = next(line for line in logged if line["msg"] == "request" and line["path"].endswith("/events"))
    assert read["stream_id"] == body["id"] and read["status"] == 200 and read["key_id"] is None
    stream = next(line for line in logged if line["msg"] == "stream")
    assert stream["request_id"] == "req-abc.123"  # the generation inherits the id of the request that started it
    assert stream["stream_id"] == body["id"] and stream["route"] == "r" and stream["key_id"] == key_id
    assert stream["status"] == "done" and stream["attempts"] == 2 and stream["failovers"] == ["http_status"]
    assert stream["duration_ms"] >= stream["ttft_ms"] >= 0 and stream["chars"] == len(answer)
    # the engine's own warning about the failed target is stamped with the same id
    assert any(line["level"] == "warning" and line.get("request_id") == "req-abc.123" for line in logged)

    relay_lines = [line for line in logged if line["logger"].startswith(("splice_relay", "uvicorn"))]
    text = orjson.dumps(relay_lines).decode()  # the test's own httpx client logs the URLs it fetches: not ours
    for secret in (API_KEY, body["token"], body["read_token"], "PELICAN", answer[:40], answer[-40:]):
        assert secret not in text


def test_on_a_terminal_the_lines_are_for_people(upstream: FakeUpstream) -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    terminal = Terminal()
    configure_logging("auto", "info", stream=terminal)
    try:
        config = load_config_dict({"providers": upstream_providers(upstream), "routes": {"r": {"targets": ["oa/x"]}}})
        with RelayServer(config) as relay, httpx.Client(base_url=relay.base_url) as client:
            client.get("/healthz", headers={"X-Request-Id": "tty-1"})
            wait_for(lambda: "tty-1" in terminal.getvalue())
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
    line = next(line for line in terminal.getvalue().splitlines() if "tty-1" in line)
    assert "INFO splice_relay.requests: request request_id=tty-1 method=GET path=/healthz status=200" in line
    assert not line.startswith("{")


def test_the_request_log_can_be_switched_off_and_the_id_is_still_echoed(
    upstream: FakeUpstream, captured: io.StringIO
) -> None:
    config = load_config_dict(
        {
            "providers": upstream_providers(upstream),
            "routes": {"r": {"targets": ["oa/x"]}},
            "server": {"request_log": False},
        }
    )
    with RelayServer(config) as relay, httpx.Client(base_url=relay.base_url) as client:
        assert client.get("/healthz", headers={"X-Request-Id": "quiet-1"}).headers["x-request-id"] == "quiet-1"
    assert not [line for line in lines(captured) if line["msg"] == "request"]


def test_log_format_is_validated() -> None:
    with pytest.raises(ValueError, match="server.log_format"):
        load_config_dict(
            {
                "routes": {"r": {"targets": ["s/m"]}},
                "providers": {"s": {"kind": "simulated"}},
                "server": {"log_format": "xml"},
            }
        )
