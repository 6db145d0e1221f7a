"""The providers' HTTP wire: the lean HTTP/1.1 client with the SDKs' headers, over plain TCP, TLS and a proxy."""

from __future__ import annotations

import asyncio
import gzip
import socket
import ssl
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
import uvloop

from loadtest.upstream import model_name, upstream_in_thread
from providers import CompletionRequest, ProviderError
from providers.anthropic_messages import AnthropicMessagesProvider, to_anthropic_messages
from providers.http1 import RemoteProtocolError, Response, ResponseClosed
from providers.openai_chat import OpenAIChatProvider
from providers.wire import KEEPALIVE_OPTIONS, UpstreamProxy, Wire, status_error, transport_error
from splice.eval.corpus import TEXTS

pytestmark = pytest.mark.usefixtures("without_proxies")  # the wire reads them; these tests talk to loopback
MESSAGES = [{"role": "user", "content": "hi"}]


def _provider(kind: str, base_url: str) -> OpenAIChatProvider | AnthropicMessagesProvider:
    if kind == "openai":
        return OpenAIChatProvider(base_url=base_url + "/v1", api_key="k")
    return AnthropicMessagesProvider(base_url=base_url, api_key="k")


def test_both_providers_send_on_their_wire() -> None:
    # If an adapter stopped sending on its wire, this fails instead of a silent slowdown.
    for kind in ("openai", "anthropic"):
        assert isinstance(_provider(kind, "http://127.0.0.1:9")._wire, Wire)


async def _read(provider: OpenAIChatProvider | AnthropicMessagesProvider, model: str) -> str:
    try:
        stream = await provider.open(CompletionRequest(model=model, messages=MESSAGES, max_tokens=500))
        return "".join([piece async for piece in stream])
    finally:
        await provider.aclose()


def test_upstream_connections_get_tcp_keepalive() -> None:
    async def options(url: str) -> list[int]:
        wire = Wire(url, {})
        body = {"model": model_name("m", text="prose", tps=5), "messages": MESSAGES, "stream": True}
        response = await wire.post("/chat/completions", body)  # open while it streams
        sock = response.connection.transport.get_extra_info("socket")  # type: ignore[union-attr]
        values = [sock.getsockopt(level, option) for level, option, _ in KEEPALIVE_OPTIONS]
        response.release()
        await wire.aclose()
        return values

    with upstream_in_thread() as upstream:
        values = asyncio.run(options(upstream.base_url + "/v1"))
    assert values[0] == 1  # SO_KEEPALIVE
    assert values[1:] == [value for _, _, value in KEEPALIVE_OPTIONS[1:]]


@pytest.mark.parametrize("run", [asyncio.run, uvloop.run], ids=["asyncio", "uvloop"])
@pytest.mark.parametrize("kind", ["openai", "anthropic"])
@pytest.mark.parametrize(("fault", "cause"), [("reset", "connection_reset"), ("close", "connection_closed")])
def test_a_body_cut_short_is_named_for_how_it_was_cut(
    kind: str, fault: str, cause: str, run: Callable[..., Any]
) -> None:
    """A TCP reset and a FIN in the middle of the chunked body are different failures, and say so."""

    async def main(base_url: str) -> tuple[str, ProviderError]:
        provider = _provider(kind, base_url)
        stream = await provider.open(
            CompletionRequest(model=model_name("m", text="prose", fault=fault, at=4), messages=MESSAGES, max_tokens=500)
        )
        pieces: list[str] = []
        with pytest.raises(ProviderError) as caught:
            async for piece in stream:
                pieces.append(piece)
        await provider.aclose()
        return "".join(pieces), caught.value

    with upstream_in_thread() as upstream:
        text, error = run(main(upstream.base_url))
    assert TEXTS["prose"].startswith(text) and text
    assert (error.kind, error.cause) == ("connection", cause)


def test_a_refused_connection_is_a_connection_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: connecting is refused
        with pytest.raises(ProviderError) as caught:
            asyncio.run(_read(OpenAIChatProvider(base_url=f"http://127.0.0.1:{port}/v1", api_key="k"), "m"))
    assert caught.value.kind == "connection"
    assert caught.value.cause == "connection_error"


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_providers_stream_over_tls_trusting_a_private_ca(
    tls_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = tls_files
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # how a private vLLM's CA is trusted, as with httpx
    with upstream_in_thread(ssl=context) as upstream:
        assert upstream.base_url.startswith("https://")
        openai_text = asyncio.run(
            _read(_provider("openai", upstream.base_url), model_name("m", text="prose", tps=2000))
        )
        anthropic_text = asyncio.run(
            _read(_provider("anthropic", upstream.base_url), model_name("m", text="code", tps=2000))
        )
    assert openai_text == TEXTS["prose"]
    assert anthropic_text == TEXTS["code"]


def test_tls_to_an_untrusted_certificate_is_a_connection_error(tls_files: tuple[Path, Path]) -> None:
    cert, key = tls_files
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with upstream_in_thread(ssl=context) as upstream, pytest.raises(ProviderError) as caught:
        asyncio.run(_read(_provider("openai", upstream.base_url), model_name("m", text="prose")))
    assert caught.value.kind == "connection"
    assert "certificate" in str(caught.value).lower()


class ForwardProxy:
    """An HTTP forward proxy on loopback: absolute-form requests and CONNECT tunnels; it records each request line."""

    def __init__(self) -> None:
        self.request_lines: list[bytes] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        line, _, rest = head.partition(b"\r\n")
        self.request_lines.append(line)
        method, target, version = line.split(b" ")
        if method == b"CONNECT":  # a tunnel for TLS: the proxy sees only the host and port
            host, _, port = target.partition(b":")
            up_reader, up_writer = await asyncio.open_connection(host.decode(), int(port))
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            authority, _, path = target.split(b"://", 1)[1].partition(b"/")
            host, _, port = authority.partition(b":")
            up_reader, up_writer = await asyncio.open_connection(host.decode(), int(port or 80))
            up_writer.write(b" ".join([method, b"/" + path, version]) + b"\r\n" + rest)

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer), return_exceptions=True)


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_an_http_proxy_in_the_environment_carries_the_stream(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTP_PROXY applies to the SDKs' requests, as it does with httpx's own transport."""
    proxy = ForwardProxy()

    async def main(base_url: str) -> str:
        server = await asyncio.start_server(proxy.serve, "127.0.0.1", 0)
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
        try:
            return await _read(_provider(kind, base_url), model_name("m", text="markdown", tps=2000))
        finally:
            server.close()

    with upstream_in_thread() as upstream:
        text = asyncio.run(main(upstream.base_url))
    path = b"/v1/chat/completions" if kind == "openai" else b"/v1/messages"
    assert text == TEXTS["markdown"]
    assert proxy.request_lines == [b"POST " + upstream.base_url.encode() + path + b" HTTP/1.1"]


def test_no_proxy_exempts_its_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = ForwardProxy()

    async def main(base_url: str) -> str:
        server = await asyncio.start_server(proxy.serve, "127.0.0.1", 0)
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
        monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
        try:
            return await _read(_provider("openai", base_url), model_name("m", text="markdown", tps=2000))
        finally:
            server.close()

    with upstream_in_thread() as upstream:
        text = asyncio.run(main(upstream.base_url))
    assert text == TEXTS["markdown"]
    assert proxy.request_lines == []


def test_an_https_upstream_goes_through_the_proxy_in_a_tunnel(
    tls_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """How a hosted API is reached from behind an egress proxy: CONNECT, then TLS to the API itself."""
    cert, key = tls_files
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    proxy = ForwardProxy()

    async def main(base_url: str) -> str:
        server = await asyncio.start_server(proxy.serve, "127.0.0.1", 0)
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
        try:
            return await _read(_provider("anthropic", base_url), model_name("m", text="cjk", tps=2000))
        finally:
            server.close()

    with upstream_in_thread(ssl=context) as upstream:
        text = asyncio.run(main(upstream.base_url))
    assert text == TEXTS["cjk"]
    assert proxy.request_lines == [b"CONNECT " + upstream.base_url.removeprefix("https://").encode() + b" HTTP/1.1"]


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_finished_streams_hand_their_connection_back_for_the_next(kind: str) -> None:
    """A new TCP (and TLS) handshake per generation would cost every stream a round trip or more."""

    async def main(upstream) -> tuple[list[str], int]:
        provider = _provider(kind, upstream.base_url)
        texts, connections = [], set()
        for _ in range(5):
            stream = await provider.open(
                CompletionRequest(model=model_name("m", text="json", tps=2000), messages=MESSAGES, max_tokens=5000)
            )
            texts.append("".join([piece async for piece in stream]))
            connections |= {
                connection.transport.get_extra_info("peername")[1] for connection in upstream.connections
            }  # client ports
        await provider.aclose()
        return texts, len(connections)

    with upstream_in_thread() as upstream:
        texts, connections = asyncio.run(main(upstream))
    assert texts == [TEXTS["json"]] * 5
    assert connections == 1


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_an_abandoned_stream_closes_its_connection_instead_of_pooling_it(kind: str) -> None:
    """The relay drops a stalled primary mid-body; its unread bytes must never reach the next request."""

    async def main(upstream) -> tuple[str, str, int]:
        provider = _provider(kind, upstream.base_url)
        stalled = await provider.open(
            CompletionRequest(
                model=model_name("m", text="prose", fault="stall", at=3), messages=MESSAGES, max_tokens=500
            )
        )
        iterator = stalled.__aiter__()
        first = await iterator.__anext__()
        await stalled.aclose()
        for _ in range(100):  # until the server saw the close (or 5 s)
            if not upstream.connections:
                break
            await asyncio.sleep(0.05)
        after_abandon = len(upstream.connections)
        stream = await provider.open(
            CompletionRequest(model=model_name("m", text="code", tps=2000), messages=MESSAGES, max_tokens=5000)
        )
        text = "".join([piece async for piece in stream])
        await provider.aclose()
        return first, text, after_abandon

    with upstream_in_thread() as upstream:
        first, text, after_abandon = asyncio.run(main(upstream))
    assert TEXTS["prose"].startswith(first)
    assert after_abandon == 0  # the stalled connection was closed, not kept
    assert text == TEXTS["code"]


CONVERSATION: list[dict[str, Any]] = [
    {"role": "system", "content": "Answer briefly."},
    {
        "role": "user",
        "content": [{"type": "text", "text": "Zwei Teile: "}, {"type": "text", "text": "ünïcödé ✓"}],
        "name": "ana",
    },
    {"role": "assistant", "content": "Gern."},
    {"role": "user", "content": "Weiter."},
]


def test_the_request_body_carries_the_messages_exactly_as_given() -> None:
    """The body goes out as built: no TypedDict transform, the caller's extra keys kept."""

    async def bodies(upstream: Any) -> list[dict[str, Any]]:
        out = []
        for provider in (
            OpenAIChatProvider(base_url=f"{upstream.base_url}/v1", api_key="k"),
            AnthropicMessagesProvider(base_url=upstream.base_url, api_key="k"),
        ):
            request = CompletionRequest(
                model=model_name("m", text="short"),
                messages=CONVERSATION,
                max_tokens=50,
                temperature=0.5,
                extra_body={"top_k": 3},
            )
            stream = await provider.open(request)
            assert "".join([piece async for piece in stream]) == TEXTS["short"]
            await provider.aclose()
            out.append(upstream.recorded()[-1]["body"])
        return out

    with upstream_in_thread() as upstream:
        openai_body, anthropic_body = asyncio.run(bodies(upstream))
    model = model_name("m", text="short")
    assert openai_body == {
        "model": model,
        "messages": CONVERSATION,
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_tokens": 50,
        "temperature": 0.5,
        "top_k": 3,
    }
    assert anthropic_body == {
        "model": model,
        "system": "Answer briefly.",
        "messages": to_anthropic_messages(CONVERSATION)[1],
        "max_tokens": 50,
        "stream": True,
        "temperature": 0.5,
        "top_k": 3,
    }


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_a_pooled_connection_the_server_closed_is_not_reused(kind: str) -> None:
    """Servers close idle keep-alive connections; the next stream must get a fresh one, not an error."""

    async def main(upstream) -> tuple[str, str, int]:
        provider = _provider(kind, upstream.base_url)
        request = CompletionRequest(model=model_name("m", text="short", tps=2000), messages=MESSAGES, max_tokens=500)
        first = "".join([piece async for piece in await provider.open(request)])
        pooled = len(upstream.connections)
        upstream.loop.call_soon_threadsafe(
            lambda: [connection.transport.close() for connection in list(upstream.connections)]
        )
        await asyncio.sleep(0.2)
        second = "".join([piece async for piece in await provider.open(request)])
        await provider.aclose()
        return first, second, pooled

    with upstream_in_thread() as upstream:
        first, second, pooled = asyncio.run(main(upstream))
    assert pooled == 1  # the first stream's connection was kept for reuse
    assert first == second == TEXTS["short"]


def test_a_connect_that_hangs_ends_at_the_connect_timeout() -> None:
    """A listener whose backlog is full drops new SYNs, as a black-holed route does: the connect timeout ends it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):  # fill the accept queue; later connects hang in SYN retries
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)

    async def main() -> tuple[float, ProviderError]:
        provider = OpenAIChatProvider(base_url=f"http://127.0.0.1:{port}/v1", api_key="k", connect_timeout_s=0.5)
        started = time.monotonic()
        try:
            with pytest.raises(ProviderError) as caught:
                await provider.open(CompletionRequest(model="m", messages=MESSAGES))
        finally:
            await provider.aclose()
        return time.monotonic() - started, caught.value

    try:
        elapsed, error = asyncio.run(main())
    finally:
        for sock in (*fillers, listener):
            sock.close()
    assert (error.kind, error.cause) == ("timeout", "connect_timeout")
    assert isinstance(error.__cause__, TimeoutError)  # ProviderError <- the pool's connect timeout
    assert elapsed >= 0.5  # the timeout, not an immediate refusal


def test_the_path_goes_out_as_given() -> None:
    """Not re-quoted or normalised: gateways route and sign on the encoded path."""

    async def main(base_url: str) -> str:
        return await _read(
            OpenAIChatProvider(base_url=base_url + "/gw/a%3Ab/v1", api_key="k"), model_name("m", text="short")
        )

    with upstream_in_thread() as upstream:
        text = asyncio.run(main(upstream.base_url))
        path = upstream.recorded()[-1]["path"]
    assert text == TEXTS["short"]
    assert path == "/gw/a%3Ab/v1/chat/completions"


def test_credentials_in_the_base_url_do_not_break_the_request() -> None:
    """The wire turns them into an Authorization header, as httpx does; they never reach the request line."""

    async def main(base_url: str) -> str:
        return await _read(
            OpenAIChatProvider(base_url=base_url.replace("http://", "http://user:secret@") + "/v1", api_key="k"),
            model_name("m", text="short"),
        )

    with upstream_in_thread() as upstream:
        assert asyncio.run(main(upstream.base_url)) == TEXTS["short"]


def test_the_proxy_is_read_once_with_all_proxy_no_proxy_and_credentials() -> None:
    proxy = UpstreamProxy({"all": "http://ana:s3cret@proxy.internal:3128", "no": "localhost,.corp"})
    url, headers = proxy.for_url("https", "api.openai.com")  # type: ignore[misc]
    assert str(url) == "http://proxy.internal:3128"  # credentials out of the URL ...
    assert headers == {"Proxy-Authorization": "Basic YW5hOnMzY3JldA=="}  # ... and into the header
    assert proxy.for_url("https", "vllm.corp") is None and proxy.for_url("http", "localhost") is None
    assert not UpstreamProxy({})


@pytest.mark.parametrize("value", ["socks5://127.0.0.1:1080", "https://proxy.internal:3128"])
def test_a_proxy_the_wire_cannot_use_fails_the_relay_start(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ignored, it would send the traffic around the proxy; misused, fail every stream later."""
    from relay.config import ConfigError, load_config_dict
    from relay.upstreams import build_providers

    monkeypatch.setenv("HTTPS_PROXY", value)
    config = load_config_dict(
        {
            "providers": {"up": {"kind": "openai", "base_url": "https://api.example.com/v1"}},
            "routes": {"default": {"targets": ["up/m"]}},
        }
    )
    with pytest.raises(ConfigError, match="only http:// proxies"):
        build_providers(config)


OPENAI_SSE = (
    b"".join(
        b"data: "
        + orjson.dumps(
            {
                "id": "c",
                "object": "chat.completion.chunk",
                "created": 1,
                "model": "m",
                "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
            }
        )
        + b"\n\n"
        for piece in ("Gzip", "ped ", "words")
    )
    + b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m",'
    b'"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
)


async def _one_response_server(body: bytes, headers: bytes) -> tuple[asyncio.AbstractServer, int]:
    """A server that answers every request with this body in two chunks of a chunked response."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        half = len(body) // 2
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n" + headers + b"\r\n"
        )
        for part in (body[:half], body[half:]):  # a split inside a gzip member and inside an SSE line
            writer.write(b"%x\r\n%s\r\n" % (len(part), part))
            await writer.drain()
            await asyncio.sleep(0.01)
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_a_body_is_read_straight_from_the_wire_and_decoded_by_it(encoding: str) -> None:
    """The adapter reads the wire's response itself; a body compressed anyway (we ask for identity) is decoded."""
    body = gzip.compress(OPENAI_SSE) if encoding == "gzip" else OPENAI_SSE
    headers = b"content-encoding: gzip\r\n" if encoding == "gzip" else b""

    async def main() -> tuple[str, bool]:
        server, port = await _one_response_server(body, headers)
        provider = OpenAIChatProvider(base_url=f"http://127.0.0.1:{port}/v1", api_key="k")
        try:
            stream = await provider.open(CompletionRequest(model="m", messages=MESSAGES))
            direct = isinstance(stream._response, Response)
            text = "".join([piece async for piece in stream])
            return text, direct
        finally:
            await provider.aclose()
            server.close()

    text, direct = asyncio.run(main())
    assert text == "Gzipped words"
    assert direct


def test_the_fake_upstreams_bodies_take_the_direct_read() -> None:
    async def main(upstream) -> bool:
        provider = _provider("openai", upstream.base_url)
        stream = await provider.open(CompletionRequest(model=model_name("m", text="short"), messages=MESSAGES))
        direct = isinstance(stream._response, Response)
        assert "".join([piece async for piece in stream]) == TEXTS["short"]
        await provider.aclose()
        return direct

    with upstream_in_thread() as upstream:
        assert asyncio.run(main(upstream))


@pytest.mark.parametrize(
    ("exc", "reading", "kind", "cause"),
    [
        (TimeoutError(), False, "timeout", "connect_timeout"),
        (ConnectionRefusedError(111, "Connect call failed"), False, "connection", "connection_error"),
        (ResponseClosed("closed before answering"), False, "connection", "connection_error"),  # the POST went out
        (RemoteProtocolError("a header line too long"), False, "connection", "connection_error"),
        (TimeoutError(), True, "timeout", "read_timeout"),
        (ResponseClosed("closed before the response's end"), True, "connection", "connection_closed"),
        (RemoteProtocolError("malformed chunk"), True, "connection", "connection_closed"),
        (ConnectionResetError(104, "Connection reset by peer"), True, "connection", "connection_reset"),
        (OSError(104, "Connection reset by peer"), True, "connection", "connection_reset"),
        (RuntimeError("odd"), True, "connection", "connection_error"),
    ],
)
def test_every_transport_failure_is_named_once_by_the_wire(
    exc: BaseException, reading: bool, kind: str, cause: str
) -> None:
    error = transport_error(exc, reading=reading)
    assert (error.kind, error.cause) == (kind, cause)


def test_an_http_error_answer_keeps_the_upstreams_message_and_its_kind() -> None:
    body = orjson.dumps({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    error = status_error(529, body)
    assert (error.kind, error.status, error.cause) == ("overloaded", 529, "http_status")
    assert error.message == "Error code: 529 - Overloaded"
    assert status_error(502, b"<html>bad gateway</html>").message == "Error code: 502 - <html>bad gateway</html>"
