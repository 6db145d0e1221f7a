"""Readers that never read (bounded memory, the write timeout), reader counts, and abandoning a stream (issue 18).

Through real uvicorn: raw sockets with a small receive buffer that send their GET and
then take nothing, against a relay whose own socket buffers are small too.
"""

from __future__ import annotations

import asyncio
import gc
import os
import select
import socket
import threading
import time
from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loadtest.upstream import FakeUpstream, model_name
from relay import events
from relay.config import load_config_dict
from relay.log import LiveStream, new_stream_id

from .support import Event, RelayServer, event_id, iter_sse, parse_sse, read_all, terminal, text_of, wait_for

MESSAGES = [{"role": "user", "content": "Go."}]
BULKY = "word" + "\n" * 2000  # every other chunk is a run of newlines: about 4 KB per token event
STUCK_READERS = 60
MAX_GROWTH_MB = 100  # a copy of the 6.7 MB stream per reader would take about 400 MB


def _rss_mb() -> float:
    """This process's resident memory: the relay runs in one of its threads."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _bulky_route(upstream: FakeUpstream, **script: Any) -> dict[str, Any]:
    httpx.put(upstream.base_url + "/_texts/bulky", content=BULKY.encode()).raise_for_status()
    return {
        "providers": {"oa": {"kind": "openai", "base_url": upstream.base_url + "/v1"}},
        "routes": {"default": {"targets": [f"oa/{model_name('m', text='bulky', **script)}"]}},
    }


def _stuck_reader(server: RelayServer, url: str, headers: dict[str, str] | None = None) -> socket.socket:
    """A client that sends its GET and then reads nothing: a 4 KB receive window that fills at once."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    lines = [f"GET {url.removeprefix(server.base_url)} HTTP/1.1", "Host: relay", "Accept: text/event-stream"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    return sock


def _has_data(sock: socket.socket) -> bool:
    return bool(select.select([sock], [], [], 0)[0])


def _read_to_the_end(sock: socket.socket, timeout: float = 30) -> bytes:
    """Everything the relay sent on this connection until it closed it (a reset counts as a close)."""
    sock.settimeout(timeout)
    raw = b""
    while True:
        try:
            piece = sock.recv(65536)
        except ConnectionResetError:
            return raw
        if not piece:
            return raw
        raw += piece


def _dechunk(raw: bytes) -> tuple[bytes, bool]:
    """The body of a chunked HTTP/1.1 response, and whether it ended with its last chunk."""
    _, _, rest = raw.partition(b"\r\n\r\n")
    body = b""
    while True:
        size_line, found, after = rest.partition(b"\r\n")
        if not found:
            return body, False
        size = int(size_line, 16)
        if size == 0:
            return body, True
        if len(after) < size + 2:
            return body + after[:size], False
        body, rest = body + after[:size], after[size + 2 :]


def _whole_events(body: bytes) -> list[Event]:
    """The complete events of a body that may stop in the middle of one."""
    text = body.decode("utf-8", "replace")
    return parse_sse(text[: text.rfind("\n\n") + 2]) if "\n\n" in text else []


def _ids(received: list[Event]) -> list[int]:
    return [int(event.id) for event in received if event.id is not None]


# -- readers that never read ----------------------------------------------------------


@pytest.mark.parametrize("cursor", [None, "999999999"], ids=["from-the-start", "cursor-ahead-gets-a-reset"])
def test_readers_that_never_read_a_large_stream_hold_no_copy_of_it(upstream: FakeUpstream, cursor: str | None) -> None:
    """60 clients that take nothing of a 6.7 MB stream: the relay's memory stays flat, not 60 copies of the log.

    A cursor ahead of the log gets a `reset` carrying the whole text: that one is not copied per reader either.
    """
    config = load_config_dict(_bulky_route(upstream, n=4900))
    with RelayServer(config, send_buffer=4096) as server, httpx.Client(base_url=server.base_url, timeout=60) as client:
        created = client.post("/v1/streams", json={"messages": MESSAGES, "max_tokens": 6000}).json()
        status, received = read_all(client, created["events_url"], timeout=60)
        snapshot = client.get(f"/v1/streams/{created['id']}", params={"token": created["token"]}).json()
        assert status == 200 and snapshot["status"] == "done"
        assert _ids(received) == list(range(1, snapshot["last_event_id"] + 1)) and text_of(received) == snapshot["text"]
        assert sum(len(event.data.get("text", "")) for event in received) > 3_000_000  # 6.7 MB of frames
        gc.collect()
        before = _rss_mb()
        headers = {"Last-Event-ID": cursor} if cursor else None
        readers = [_stuck_reader(server, created["events_url"], headers) for _ in range(STUCK_READERS)]
        try:
            wait_for(lambda: all(_has_data(sock) for sock in readers), timeout=60)  # each one has been sent to
            gc.collect()
            grown = _rss_mb() - before
        finally:
            for sock in readers:
                sock.close()
    assert grown < MAX_GROWTH_MB, f"{STUCK_READERS} readers that read nothing took {grown:.0f} MB"


def test_a_reader_that_takes_nothing_is_disconnected_and_resumes_with_exactly_the_rest(upstream: FakeUpstream) -> None:
    """A send that waits `write_timeout_s` on a full socket ends the connection; `Last-Event-ID` gets the rest, once."""
    server_config = {"write_timeout_s": 0.5, "ping_s": 0.2}
    config = load_config_dict({**_bulky_route(upstream, n=1200, tps=400), "server": server_config})
    with RelayServer(config, send_buffer=4096) as server, httpx.Client(base_url=server.base_url, timeout=60) as client:
        created = client.post("/v1/streams", json={"messages": MESSAGES, "max_tokens": 2000}).json()
        stuck = _stuck_reader(server, created["events_url"])  # joins the running stream and falls behind at once
        try:
            wait_for(lambda: server.relay.responses.readers(created["id"]) == 1, timeout=10)
            wait_for(lambda: server.relay.responses.readers(created["id"]) == 0, timeout=30)  # disconnected
            body, complete = _dechunk(_read_to_the_end(stuck))
        finally:
            stuck.close()
        first = _whole_events(body)
        assert not complete and not terminal(first), "the stuck reader was not disconnected"
        assert _ids(first) == list(range(1, len(first) + 1))
        resumed_after = event_id(first[-1]) if first else 0
        resume = {"Last-Event-ID": str(resumed_after)}
        status, rest = read_all(client, created["events_url"], headers=resume, timeout=60)
        snapshot = client.get(f"/v1/streams/{created['id']}", params={"token": created["token"]}).json()
    assert status == 200 and snapshot["status"] == "done"
    assert _ids(rest) == list(range(resumed_after + 1, snapshot["last_event_id"] + 1))  # exactly the rest
    assert text_of(first) + text_of(rest) == snapshot["text"]
    assert [event.event for event in terminal(rest)] == ["done"]


def test_a_ping_keeps_no_stuck_reader_alive() -> None:
    """On a quiet stream only pings are sent: one that waits out the write timeout disconnects the client."""
    from relay import sse

    async def main() -> tuple[list[MutableMapping[str, Any]], int, float]:
        sent: list[MutableMapping[str, Any]] = []
        aborted: list[float] = []
        quiet = asyncio.Event()

        async def frames() -> Any:
            yield b"id: 1\nevent: token\ndata: {}\n\n"
            await quiet.wait()  # the stream goes quiet for good

        async def receive() -> dict[str, Any]:
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: MutableMapping[str, Any]) -> None:
            if len(sent) >= 3:  # the head and the first frame went out; now the client's socket is full
                await asyncio.Future()
            sent.append(message)

        response = sse.SSEResponse(b": hi\n\n", frames(), headers={}, ping_s=0.05, write_timeout_s=0.3)
        abort = lambda: aborted.append(time.monotonic())  # noqa: E731 - the server's way to drop the connection
        scope = {"type": "http", "method": "GET", sse.ABORT_KEY: abort}
        started = time.monotonic()
        await asyncio.wait_for(response(scope, receive, send), 10)
        return sent, len(aborted), time.monotonic() - started

    sent, aborts, took = asyncio.run(main())
    assert [message.get("more_body") for message in sent[1:]] == [True, True]  # no clean end: the connection is dropped
    assert aborts == 1
    assert took >= 0.25  # not before the write timeout


# -- counting readers -------------------------------------------------------------------


def test_open_responses_count_the_readers_of_each_stream() -> None:
    """`OpenResponses.readers`: the SSE responses open here per stream, from the headers until the client leaves."""
    config = load_config_dict(
        {
            "providers": {"sim": {"kind": "simulated", "tokens_per_s": 5}},
            "routes": {"default": {"targets": ["sim/demo"]}},
        }
    )
    with RelayServer(config) as server, httpx.Client(base_url=server.base_url, timeout=30) as client:
        first = client.post("/v1/streams", json={"messages": MESSAGES, "max_tokens": 500}).json()
        second = client.post("/v1/streams", json={"messages": MESSAGES, "max_tokens": 500}).json()
        responses = server.relay.responses
        assert responses.readers(first["id"]) == responses.readers(second["id"]) == 0
        with client.stream("GET", first["events_url"]), client.stream("GET", first["events_url"]):
            with client.stream("GET", second["events_url"]):
                assert responses.readers(first["id"]) == 2 and responses.readers(second["id"]) == 1
            wait_for(lambda: responses.readers(second["id"]) == 0)  # the client left
            assert responses.readers(first["id"]) == 2
        wait_for(lambda: responses.readers(first["id"]) == 0)
        assert responses.readers("st_unknown") == 0
        for created in (first, second):
            client.delete(f"/v1/streams/{created['id']}", params={"token": created["token"]})


# -- abandoning a stream -----------------------------------------------------------------


def _on_loop(loop: asyncio.AbstractEventLoop, function: Any) -> Any:
    """Run `function` on the relay's event loop and return what it returns (or raise what it raises)."""

    async def call() -> Any:
        return function()

    return asyncio.run_coroutine_threadsafe(call(), loop).result(timeout=10)


def test_abandon_ends_every_local_reader_without_a_terminal_event(upstream: FakeUpstream) -> None:
    """A fed reader, a reader behind on a full socket and a `follow()` iterator all end; the stream stays running."""
    config = load_config_dict(_bulky_route(upstream, n=20000, tps=200))
    with RelayServer(config, send_buffer=4096) as server, httpx.Client(base_url=server.base_url, timeout=30) as client:
        created = client.post("/v1/streams", json={"messages": MESSAGES, "max_tokens": 20000}).json()
        generation = next(iter(server.relay.generations))  # the one running here
        loop = generation.get_loop()
        stream = _on_loop(loop, lambda: server.relay.store._streams[created["id"]])  # the LiveStream itself
        followed = asyncio.run_coroutine_threadsafe(_follow_all(stream), loop)
        fed: list[Event] = []
        fed_ended = threading.Event()

        def read_as_it_comes() -> None:
            with client.stream("GET", created["events_url"]) as response:
                for event in iter_sse(response):
                    fed.append(event)
            fed_ended.set()

        reader = threading.Thread(target=read_as_it_comes, daemon=True)
        reader.start()
        behind = _stuck_reader(server, created["events_url"])
        try:
            wait_for(lambda: len(fed) >= 20 and stream.last_event_id >= 200, timeout=30)  # the stuck one fell behind
            _on_loop(loop, stream.abandon)
            assert fed_ended.wait(10), "the fed reader's response did not end"
            assert followed.result(timeout=10) >= 1  # the follow() iterator returned
            wait_for(generation.done, timeout=10)
            body, complete = _dechunk(_read_to_the_end(behind))
        finally:
            behind.close()
        reader.join(timeout=10)
        last = stream.last_event_id  # the generation is over: nothing can append any more
        snapshot = client.get(f"/v1/streams/{created['id']}", params={"token": created["token"]}).json()
    assert stream.abandoned and stream.status == "running" and not stream.finished
    assert stream.last_event_id == last == snapshot["last_event_id"]  # nothing was appended after abandon()
    assert snapshot["status"] == "running"
    assert not terminal(fed) and _ids(fed) == list(range(1, len(fed) + 1))
    assert complete, "the reader that was behind did not get a clean end of its body"
    behind_events = parse_sse(body.decode())
    assert not terminal(behind_events) and _ids(behind_events) == list(range(1, len(behind_events) + 1))
    assert len(behind_events) < last, "the stuck reader was not behind: the test did not exercise its catch-up"


async def _follow_all(stream: LiveStream) -> int:
    pieces = 0
    async for _ in stream.follow(0):
        pieces += 1
    return pieces


# -- the pieces a reader is sent ----------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(max_size=300), min_size=1, max_size=60), st.integers(0, 60), st.integers(40, 2000), st.booleans()
)
def test_a_reader_behind_is_sent_bounded_pieces_that_add_up_to_the_log(
    texts: list[str],
    start: int,
    limit: int,
    packed: bool,
) -> None:
    """Each piece holds at most `limit` bytes (or one larger frame), growing log or packed; they join up to the log."""
    stream = LiveStream(new_stream_id(), "t", "default")
    for text in texts:
        stream.append_token(text)
    if packed:
        stream.finish("done", events.DONE, {"finish_reason": "stop"})
    end = stream.last_event_id
    start = min(start, end)
    position, pieces = start, []
    while position < end:
        piece, after = stream.piece(position, end, limit)
        assert after > position
        assert len(piece) <= limit or after == position + 1  # only a single larger frame goes over the bound
        pieces.append(piece)
        position = after
    assert b"".join(pieces) == stream.frames_between(start, end)


@given(st.text(max_size=3000), st.integers(1, 700), st.integers(0, 10**12))
def test_a_reset_is_encoded_in_pieces_that_add_up_to_the_event(text: str, piece_chars: int, event_id: int) -> None:
    """The `reset` a cursor ahead of the log gets is sent a bounded piece at a time, and reads as one event."""
    pieces = list(events.encode_reset(event_id, text, piece_chars))
    assert b"".join(pieces) == events.encode_event(event_id, events.RESET, {"text": text, "last_event_id": event_id})
    assert all(len(piece) <= 6 * piece_chars for piece in pieces[1:-1])
