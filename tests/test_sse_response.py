"""The relay's SSE response: keep-alive pings, HEAD, headers per HTTP version, ending at shutdown."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, MutableMapping
from typing import Any

import httpx
import pytest

from loadtest.stamps import StampReader
from loadtest.upstream import model_name, upstream_in_thread
from relay.config import Config, load_config_dict
from relay.sse import OpenResponses, SSEResponse

from .support import RelayServer, event_id, parse_sse, read_all, text_of

MESSAGES = [{"role": "user", "content": "Explain streaming relays."}]


def _config(**server: object) -> Config:
    return load_config_dict(
        {
            "server": server,
            "providers": {
                "sim": {"kind": "simulated", "tokens_per_s": 2},
                "fast": {"kind": "simulated", "tokens_per_s": 100},
            },
            "routes": {
                "default": {"targets": ["sim/demo"]},
                "quiet": {"targets": ["fast/demo;stall_at=6"], "stall_timeout_s": 30},
            },
        }
    )


def test_a_quiet_stream_gets_keepalive_pings_and_loses_no_event() -> None:
    with RelayServer(_config(ping_s=0.2)) as server, httpx.Client(base_url=server.base_url, timeout=10) as client:
        created = client.post("/v1/streams", json={"messages": MESSAGES, "route": "quiet"}).json()
        raw = ""
        with client.stream("GET", created["events_url"]) as response:
            started = time.monotonic()
            for piece in response.iter_text():
                raw += piece
                after_tokens = raw[raw.rfind("event: token") :] if "event: token" in raw else ""
                if after_tokens.count(": ping - ") >= 3 or time.monotonic() - started > 5:
                    break
        # The upstream stalls after 6 chunks: from then on only pings flow, every 0.2 s.
        assert raw[raw.rfind("event: token") :].count(": ping - ") >= 3, raw
        events = parse_sse(raw)
        assert [e for e in events if e.event == "token"]
        assert [event_id(e) for e in events] == list(range(1, len(events) + 1))  # each event once, in order
        client.delete(f"/v1/streams/{created['id']}", params={"token": created["token"]})


def test_head_on_the_events_url_answers_headers_only() -> None:
    with RelayServer(_config()) as server, httpx.Client(base_url=server.base_url, timeout=10) as client:
        created = client.post("/v1/streams", json={"messages": MESSAGES, "max_tokens": 5}).json()
        response = client.head(created["events_url"])
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.content == b""


def test_shutdown_ends_open_streams_after_the_drain_with_whole_events() -> None:
    """With the memory store a stream outliving `drain_s` is cancelled, and its readers get the end at once."""
    server = RelayServer(_config(drain_s=0.5))
    server.__enter__()
    client = httpx.Client(base_url=server.base_url, timeout=20)
    created = client.post("/v1/streams", json={"messages": MESSAGES, "max_tokens": 200}).json()  # 100 s at 2 tokens/s
    chunks: list[bytes] = []
    ended_at: list[float] = []

    def read() -> None:
        with client.stream("GET", created["events_url"]) as response:
            for chunk in response.iter_bytes():
                chunks.append(chunk)
        ended_at.append(time.monotonic())

    reader = threading.Thread(target=read)
    reader.start()
    deadline = time.monotonic() + 5
    while b"event: token" not in b"".join(chunks) and time.monotonic() < deadline:
        time.sleep(0.05)
    asked_at = time.monotonic()
    server.__exit__(None, None, None)
    reader.join(timeout=20)
    client.close()
    assert not reader.is_alive() and ended_at, "the open stream kept the server from shutting down"
    assert ended_at[0] - asked_at < 5  # the drain, not the 100 s the stream had left
    body = b"".join(chunks).decode()
    assert body.endswith("\n\n")  # the body ended between events, not inside one
    events = parse_sse(body)
    ids = [event_id(e) for e in events]
    assert ids and ids == list(range(1, len(ids) + 1))
    assert events[-1].event == "done" and events[-1].data["finish_reason"] == "cancelled"


def _run(response: SSEResponse, scope: dict[str, Any]) -> list[MutableMapping[str, Any]]:
    """Drive the ASGI response by hand; the client never leaves."""
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    async def main() -> None:
        await response(scope, receive, send)

    asyncio.run(main())
    return sent


async def _frames() -> AsyncIterator[bytes]:
    yield b"id: 1\nevent: token\ndata: {}\n\n"


def test_http2_gets_no_connection_header_and_http1_does() -> None:
    for version, expected in (("2", False), ("1.1", True)):
        sent = _run(
            SSEResponse(b": hi\n\n", _frames(), headers={"X-Stream-Id": "st_x"}, ping_s=0),
            {"type": "http", "method": "GET", "http_version": version},
        )
        headers = dict(sent[0]["headers"])
        assert (b"connection" in headers) is expected
        assert headers[b"x-stream-id"] == b"st_x"
        assert [m.get("body") for m in sent[1:]] == [b": hi\n\n", b"id: 1\nevent: token\ndata: {}\n\n", b""]
        assert sent[-1]["more_body"] is False


def test_a_draining_registry_answers_new_responses_with_an_empty_body() -> None:
    registry = OpenResponses()
    registry.drain()
    sent = _run(
        SSEResponse(b": hi\n\n", _frames(), headers={}, ping_s=0, registry=registry), {"type": "http", "method": "GET"}
    )
    assert [m.get("body") for m in sent[1:]] == [b""]


# -- readers fed by the generation (relay/sse.py `deliver`) ---------------------------


def _dechunk(raw: bytes) -> bytes:
    """The body of a complete chunked HTTP/1.1 response."""
    _, _, rest = raw.partition(b"\r\n\r\n")
    body = b""
    while True:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            return body
        body, rest = body + rest[:size], rest[size + 2 :]


def test_a_reader_that_stops_reading_holds_no_one_up_and_later_gets_every_event(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its fed send suspends on the full socket; its own task finishes it and catches up from the log."""
    import relay.sse

    suspended: list[object] = []
    original = relay.sse._Rest.__init__

    def counting(self: relay.sse._Rest, *args: Any) -> None:
        suspended.append(self)
        original(self, *args)

    monkeypatch.setattr(relay.sse._Rest, "__init__", counting)
    with upstream_in_thread() as upstream:
        config = load_config_dict(
            {
                "providers": {"oa": {"kind": "openai", "base_url": upstream.base_url + "/v1"}},
                "routes": {"default": {"targets": [f"oa/{model_name('m', text='stamp', n=12000, tps=6000)}"]}},
            }
        )
        raw, snapshot = _read_slowly_and_quickly(config)
    slow_events = parse_sse(_dechunk(raw).decode())
    assert [event_id(e) for e in slow_events] == list(range(1, snapshot["last_event_id"] + 1))  # each once, in order
    assert text_of(slow_events) == snapshot["text"]
    stamps = StampReader()
    stamps.feed(snapshot["text"], time.time_ns())
    assert len(stamps.sent) == 12000  # every chunk, once
    assert suspended, "the slow reader's socket never filled: the test did not exercise the suspended send"


def _read_slowly_and_quickly(config: Config) -> tuple[bytes, dict[str, Any]]:
    """One reader reads nothing until the stream is done, another reads it as it comes."""
    with RelayServer(config, send_buffer=4096) as server, httpx.Client(base_url=server.base_url, timeout=30) as client:
        created = client.post("/v1/streams", json={"messages": MESSAGES, "max_tokens": 12000}).json()
        path = created["events_url"].removeprefix(server.base_url)
        slow = socket.socket()
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window: the relay's side fills up
        slow.connect(("127.0.0.1", server.port))
        slow.sendall(f"GET {path} HTTP/1.1\r\nHost: relay\r\nAccept: text/event-stream\r\n\r\n".encode())
        try:
            status, events = read_all(client, created["events_url"])  # a second reader, reading as it comes
            snapshot = client.get(f"/v1/streams/{created['id']}", params={"token": created["token"]}).json()
            assert status == 200 and snapshot["status"] == "done"  # the generation ended while one reader read nothing
            assert text_of(events) == snapshot["text"]
            raw = b""
            slow.settimeout(10)
            while not raw.endswith(b"0\r\n\r\n"):
                piece = slow.recv(65536)
                assert piece, "the relay closed the slow reader's connection"
                raw += piece
        finally:
            slow.close()
    return raw, snapshot


def test_the_rest_of_a_suspended_send_is_awaited_and_cancelled_like_the_send() -> None:
    from relay.sse import _Rest

    async def main() -> tuple[str, list[str]]:
        ready = asyncio.Event()
        log: list[str] = []

        async def sending(name: str) -> str:
            try:
                await ready.wait()
                log.append(f"{name} sent")
                return name
            except asyncio.CancelledError:
                log.append(f"{name} cancelled")
                raise

        first = sending("a")
        rest = _Rest(first, first.send(None))  # suspended on the event, as a full socket suspends a send
        task = asyncio.ensure_future(rest)
        await asyncio.sleep(0)
        ready.set()
        result = await task

        ready.clear()
        second = sending("b")
        cancelled = asyncio.ensure_future(_Rest(second, second.send(None)))
        await asyncio.sleep(0)
        cancelled.cancel()
        try:
            await cancelled
        except asyncio.CancelledError:
            log.append("task cancelled")
        return result, log

    result, log = asyncio.run(main())
    assert result == "a"
    assert log == ["a sent", "b cancelled", "task cancelled"]
