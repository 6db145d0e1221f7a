"""Test helpers: a real uvicorn server in a thread, and an SSE reader for assertions."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import uvicorn

from relay.app import create_app
from relay.cli import Server
from relay.config import Config


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RelayServer:
    """The relay app under real uvicorn (uvloop, httptools) on a loopback port.

    `send_buffer`: SO_SNDBUF of the listening socket, which its connections inherit,
    so a client that stops reading fills the relay's side quickly.
    """

    def __init__(self, config: Config, *, send_buffer: int | None = None) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(config)
        self._server = Server(
            uvicorn.Config(
                self.app,
                host="127.0.0.1",
                port=self.port,
                loop="uvloop",
                http="httptools",
                log_level="warning",
                lifespan="on",
            ),
            self.app,
        )
        sockets = None
        if send_buffer is not None:
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
            listener.bind(("127.0.0.1", self.port))
            sockets = [listener]
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": sockets}, daemon=True)

    @property
    def relay(self) -> Any:
        return self.app.state.relay

    def __enter__(self) -> RelayServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("relay server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@dataclass
class Event:
    id: str | None
    event: str
    data: Any


def id_of(event: Event) -> str:
    """The event's id, as sent; every event the relay sends has one."""
    assert event.id is not None, event
    return event.id


def event_id(event: Event) -> int:
    """The event's id as a number."""
    return int(id_of(event))


def parse_sse(raw: str) -> list[Event]:
    """Parse a complete SSE body into events (comments and retry lines skipped)."""
    out: list[Event] = []
    for block in raw.replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            fields[name] = value[1:] if value.startswith(" ") else value
        if "data" in fields:
            out.append(Event(fields.get("id"), fields.get("event", "message"), orjson.loads(fields["data"])))
    return out


def iter_sse(response: httpx.Response) -> Iterator[Event]:
    """Events from a live streaming response, as they arrive."""
    buffer = ""
    for text in response.iter_text():
        buffer += text.replace("\r\n", "\n")
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            events = parse_sse(block + "\n\n")
            yield from events


def read_all(
    client: httpx.Client, url: str, headers: dict[str, str] | None = None, timeout: float = 30
) -> tuple[int, list[Event]]:
    with client.stream("GET", url, headers=headers or {}, timeout=timeout) as response:
        body = response.read().decode()
        return response.status_code, parse_sse(body)


def text_of(events: list[Event]) -> str:
    return "".join(e.data["text"] for e in events if e.event == "token")


def terminal(events: list[Event]) -> list[Event]:
    return [e for e in events if e.event in ("done", "error")]


def upstream_providers(upstream: Any) -> dict[str, dict[str, str]]:
    """`oa` (openai kind) and `an` (anthropic kind), both pointed at the fake upstream."""
    return {
        "oa": {"kind": "openai", "base_url": upstream.base_url + "/v1"},
        "an": {"kind": "anthropic", "base_url": upstream.base_url},
    }


def run_route(
    client: httpx.Client, route: str, messages: list[dict[str, str]] | None = None, **body: Any
) -> tuple[dict[str, Any], list[Event]]:
    """Create a stream on `route`, read it to the end; returns (snapshot, events)."""
    created = client.post(
        "/v1/streams", json={"route": route, "messages": messages or [{"role": "user", "content": "Go."}], **body}
    )
    assert created.status_code == 201, created.text
    status, events = read_all(client, created.json()["events_url"])
    assert status == 200
    snapshot = client.get(f"/v1/streams/{created.json()['id']}", params={"token": created.json()["token"]}).json()
    assert snapshot["text"] == text_of(events)  # token events are append-only: they add up to the text
    return snapshot, events


def wait_for(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)
