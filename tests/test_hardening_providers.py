"""Bounded upstreams: an endless SSE line fails the attempt, and each provider's connection pool has a size."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from loadtest.upstream import model_name, upstream_in_thread
from providers import CompletionRequest, ProviderError
from providers.anthropic_messages import AnthropicMessagesProvider
from providers.openai_chat import OpenAIChatProvider
from providers.raw_stream import MAX_LINE_BYTES
from providers.wire import DEFAULT_MAX_CONNECTIONS
from relay.config import load_config_dict
from splice.eval.corpus import TEXTS

from .support import RelayServer, read_all, text_of, upstream_providers

pytestmark = pytest.mark.usefixtures("without_proxies")  # the wire reads them; these tests talk to loopback
MESSAGES = [{"role": "user", "content": "hi"}]
ENDLESS_TOTAL = 32 * 1024 * 1024  # what the endless upstream sends at most: far past the bound and the socket buffers
PIECE = 64 * 1024


def _openai_chunk(content: str | None, finish_reason: str | None = None) -> bytes:
    """One Chat Completions stream chunk as a `data:` line, without its newlines."""
    delta = {"content": content} if content is not None else {}
    chunk = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    return b"data: " + orjson.dumps(chunk)


FIRST_EVENT = {  # one valid text event before the endless line, in each API's shape
    "openai": _openai_chunk("Hello") + b"\n\n",
    "anthropic": b"event: content_block_delta\ndata: "
    + orjson.dumps({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello"}})
    + b"\n\n",
}
ENDLESS_START = {  # the start of a text event whose text never ends
    "openai": b'data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"',
    "anthropic": b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
    b'"delta":{"type":"text_delta","text":"',
}


class EndlessLineUpstream:
    """An upstream that answers every request with 200, optionally one text event, then one line with no end.

    The line goes out in chunked-encoding pieces until the client leaves or `ENDLESS_TOTAL`
    bytes are out; then the body ends cleanly (with no newline). `sent` records each
    response's body bytes the kernel accepted.
    """

    def __init__(self, kind: str, *, first_event: bool = True) -> None:
        self._head = (FIRST_EVENT[kind] if first_event else b"") + ENDLESS_START[kind]
        self.sent: list[int] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        index = len(self.sent)
        self.sent.append(0)
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
            body = self._head
            while self.sent[index] < ENDLESS_TOTAL:
                writer.write(b"%x\r\n%s\r\n" % (len(body), body))
                await writer.drain()
                self.sent[index] += len(body)
                body = b"x" * PIECE
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client left: what it must do once the line is too long
        finally:
            writer.close()

    async def start(self) -> tuple[asyncio.AbstractServer, int]:
        server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        return server, server.sockets[0].getsockname()[1]


@pytest.fixture
def endless_upstream_in_thread() -> Iterator[tuple[EndlessLineUpstream, int]]:
    """An OpenAI-shaped endless-line upstream on its own event loop, for a relay in another thread."""
    upstream = EndlessLineUpstream("openai", first_event=False)
    loop = asyncio.new_event_loop()
    started: list[Any] = []
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        started.append(loop.run_until_complete(upstream.start()))
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10)
    server, port = started[0]
    yield upstream, port
    loop.call_soon_threadsafe(server.close)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def _provider(kind: str, base_url: str, **options: Any) -> OpenAIChatProvider | AnthropicMessagesProvider:
    if kind == "openai":
        return OpenAIChatProvider(base_url=base_url + "/v1", api_key="k", **options)
    return AnthropicMessagesProvider(base_url=base_url, api_key="k", **options)


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_an_upstream_line_with_no_end_fails_the_attempt_as_line_too_long(kind: str) -> None:
    """The text before it is delivered; then a `protocol` error the engine fails over on; the connection is closed."""
    upstream = EndlessLineUpstream(kind)

    async def main() -> tuple[list[str], ProviderError]:
        server, port = await upstream.start()
        provider = _provider(kind, f"http://127.0.0.1:{port}")
        pieces: list[str] = []
        try:
            async with asyncio.timeout(60):
                stream = await provider.open(CompletionRequest(model="m", messages=MESSAGES, max_tokens=50))
                with pytest.raises(ProviderError) as caught:
                    async for piece in stream:
                        pieces.append(piece)
        finally:
            await provider.aclose()
            server.close()
        return pieces, caught.value

    pieces, error = asyncio.run(main())
    assert pieces == ["Hello"]
    assert (error.kind, error.cause, error.retryable) == ("protocol", "line_too_long", True)
    assert str(MAX_LINE_BYTES) in error.message and "127.0.0.1" not in error.message
    assert upstream.sent[0] < ENDLESS_TOTAL  # the client hung up instead of reading the whole line


WORD = "é" * 300_000  # one 600,000-byte token, longer than any real chunk
LONG_LINE_BODY = _openai_chunk(WORD) + b"\n\n" + _openai_chunk(None, "stop") + b"\n\ndata: [DONE]\n\n"


async def _long_line(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers with `LONG_LINE_BODY` in 1 KB chunks, yielding now and then so the client reads it in many pieces."""
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
    try:
        for start in range(0, len(LONG_LINE_BODY), 1024):
            part = LONG_LINE_BODY[start : start + 1024]
            writer.write(b"%x\r\n%s\r\n" % (len(part), part))
            if start % (16 * 1024) == 0:
                await writer.drain()
                await asyncio.sleep(0)
        writer.write(b"0\r\n\r\n")
        await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


@pytest.mark.parametrize("max_line_bytes", [700_000, 500_000])
def test_the_line_bound_is_a_provider_option_and_lines_under_it_arrive_whole(max_line_bytes: int) -> None:
    """A line read in many pieces is joined intact under the bound, and fails the attempt over it."""

    async def main() -> tuple[list[str], ProviderError | None]:
        server = await asyncio.start_server(_long_line, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        provider = _provider("openai", f"http://127.0.0.1:{port}", max_line_bytes=max_line_bytes)
        pieces: list[str] = []
        try:
            async with asyncio.timeout(60):
                stream = await provider.open(CompletionRequest(model="m", messages=MESSAGES))
                async for piece in stream:
                    pieces.append(piece)
        except ProviderError as exc:
            return pieces, exc
        finally:
            await provider.aclose()
            server.close()
        return pieces, None

    pieces, error = asyncio.run(main())
    if max_line_bytes > len(LONG_LINE_BODY.split(b"\n")[0]):
        assert (pieces, error) == ([WORD], None)
    else:
        assert pieces == [] and error is not None
        assert (error.cause, str(max_line_bytes) in error.message) == ("line_too_long", True)


def test_an_endless_line_makes_the_relay_fail_over_to_the_next_target(
    endless_upstream_in_thread: tuple[EndlessLineUpstream, int], upstream: Any
) -> None:
    """Through the relay: the stream is answered by the fallback, and the failover says why."""
    endless, port = endless_upstream_in_thread
    providers = upstream_providers(upstream)
    providers["endless"] = {"kind": "openai", "base_url": f"http://127.0.0.1:{port}/v1"}
    routes = {"default": {"targets": ["endless/m", "an/" + model_name("f", text="short")], "first_token_timeout_s": 30}}
    with RelayServer(load_config_dict({"providers": providers, "routes": routes})) as relay:
        with httpx.Client(base_url=relay.base_url, timeout=60) as client:
            created = client.post("/v1/streams", json={"messages": MESSAGES})
            assert created.status_code == 201, created.text
            status, events = read_all(client, created.json()["events_url"], timeout=60)
    assert status == 200
    failovers = [event.data for event in events if event.event == "failover"]
    assert [(failover["from"], failover["reason"]) for failover in failovers] == [("endless/m", "line_too_long")]
    assert events[-1].event == "done" and text_of(events) == TEXTS["short"]
    assert endless.sent and endless.sent[0] < ENDLESS_TOTAL


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_each_provider_bounds_its_connection_pool_by_default(kind: str) -> None:
    """A pool without a bound would open sockets without end; every provider's pool has one."""

    async def limit() -> int:
        with upstream_in_thread() as upstream:
            provider = _provider(kind, upstream.base_url)
            try:
                stream = await provider.open(CompletionRequest(model=model_name("m", text="short"), messages=MESSAGES))
                assert "".join([piece async for piece in stream]) == TEXTS["short"]
                return provider._wire._pool.max_connections  # type: ignore[union-attr]
            finally:
                await provider.aclose()

    assert DEFAULT_MAX_CONNECTIONS == 1000
    assert asyncio.run(limit()) == DEFAULT_MAX_CONNECTIONS


# A stream that goes quiet after two chunks and so keeps its connection.
STALLS = CompletionRequest(model=model_name("m", text="prose", fault="stall", at=2), messages=MESSAGES)


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_a_full_pool_makes_a_stream_wait_for_a_free_connection_then_fail_at_the_connect_timeout(kind: str) -> None:
    """With `max_connections=1` a second stream never opens a second connection: it waits, or fails over."""

    async def main(upstream: Any) -> tuple[int, ProviderError, bool, str, int]:
        holder = _provider(kind, upstream.base_url, max_connections=1, connect_timeout_s=0.5)
        patient = _provider(kind, upstream.base_url, max_connections=1, connect_timeout_s=30)
        try:
            stalled = await holder.open(STALLS)
            iterator = stalled.__aiter__()
            await iterator.__anext__()  # the one connection is busy with a stream that goes quiet
            with pytest.raises(ProviderError) as caught:
                await holder.open(CompletionRequest(model=model_name("m", text="short"), messages=MESSAGES))
            held = len(upstream.connections)

            # `patient`'s pool is its own: it holds a stream too, and a second one waits for it to end.
            first = await patient.open(STALLS)
            first_iterator = first.__aiter__()
            await first_iterator.__anext__()

            async def second() -> str:
                stream = await patient.open(CompletionRequest(model=model_name("m", text="short"), messages=MESSAGES))
                return "".join([piece async for piece in stream])

            waiting = asyncio.create_task(second())
            await asyncio.sleep(0.5)
            waited = not waiting.done()
            connections_while_waiting = len(upstream.connections)
            await first.aclose()  # its connection is closed, so the pool has room again
            async with asyncio.timeout(30):
                text = await waiting
            await stalled.aclose()
            return held, caught.value, waited, text, connections_while_waiting
        finally:
            await holder.aclose()
            await patient.aclose()

    with upstream_in_thread() as upstream:
        held, error, waited, text, connections_while_waiting = asyncio.run(main(upstream))
    assert held == 1  # the refused stream never connected
    assert (error.kind, error.cause) == ("timeout", "connect_timeout")
    assert waited and connections_while_waiting == 2  # one per provider: the waiting stream had none of its own
    assert text == TEXTS["short"]


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_an_open_stream_keeps_no_response_headers_and_still_reads_its_whole_answer(kind: str) -> None:
    """The headers are read by nothing once the status is known; a waiting stream does not keep them."""

    async def stream_text() -> tuple[dict[str, Any], bool, str]:
        with upstream_in_thread() as upstream:
            provider = _provider(kind, upstream.base_url)
            try:
                stream = await provider.open(CompletionRequest(model=model_name("m", text="short"), messages=MESSAGES))
                response = stream._response
                kept = {name: getattr(response, name) for name in type(response).__slots__ if name != "_connection"}
                return kept, hasattr(response, "__dict__"), "".join([piece async for piece in stream])
            finally:
                await provider.aclose()

    kept, has_dict, text = asyncio.run(stream_text())
    assert kept == {"status": 200, "retry_after": None} and not has_dict  # the status, and no header at all
    assert text == TEXTS["short"]
