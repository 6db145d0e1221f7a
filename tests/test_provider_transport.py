"""The providers' HTTP transport: httpx on an asyncio network backend, over plain TCP and TLS."""

from __future__ import annotations

import asyncio
import os
import resource
import socket
import ssl
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from loadtest.upstream import TEXTS, model_name, upstream_in_thread
from providers import CompletionRequest
from providers.anthropic_messages import AnthropicMessagesProvider, to_anthropic_messages
from providers.asyncio_network import KEEPALIVE_OPTIONS, AsyncioBackend, httpcore
from providers.openai_chat import OpenAIChatProvider

MESSAGES = [{"role": "user", "content": "hi"}]


def _without_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


def test_both_providers_read_through_the_asyncio_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    _without_proxies(monkeypatch)
    # If httpx ever stops keeping its pool where http_transport replaces it, this fails instead of a silent slowdown.
    for provider in (OpenAIChatProvider(base_url="http://127.0.0.1:9/v1", api_key="k"), AnthropicMessagesProvider(base_url="http://127.0.0.1:9", api_key="k")):
        pool = provider._client._client._transport._pool
        assert isinstance(pool, httpcore.AsyncConnectionPool)
        assert isinstance(pool._network_backend, AsyncioBackend)


def test_with_a_proxy_in_the_environment_the_sdk_transport_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    # httpx applies HTTPS_PROXY only to transports it builds: replacing it would bypass the proxy.
    _without_proxies(monkeypatch)
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    provider = OpenAIChatProvider(base_url="https://api.example.com/v1", api_key="k")
    client = provider._client._client
    assert not isinstance(client._transport._pool._network_backend, AsyncioBackend)
    assert any(pattern.scheme == "https" for pattern in client._mounts)  # httpx mounted the proxy


def test_upstream_connections_get_tcp_keepalive(monkeypatch: pytest.MonkeyPatch) -> None:
    _without_proxies(monkeypatch)
    async def main() -> int:
        server = await asyncio.start_server(lambda reader, writer: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5, socket_options=KEEPALIVE_OPTIONS)
        enabled = stream.get_extra_info("socket").getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
        await stream.aclose()
        server.close()
        return enabled

    assert asyncio.run(main()) == 1
    pool = OpenAIChatProvider(base_url="http://127.0.0.1:9/v1", api_key="k")._client._client._transport._pool
    assert pool._socket_options == KEEPALIVE_OPTIONS


async def _read(provider: OpenAIChatProvider | AnthropicMessagesProvider, model: str) -> str:
    stream = await provider.open(CompletionRequest(model=model, messages=MESSAGES, max_tokens=500))
    text = "".join([piece async for piece in stream])
    await provider.aclose()
    return text


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


def test_providers_stream_over_tls_trusting_a_private_ca(tls_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key = tls_files
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # how a private vLLM's CA is trusted (httpx reads it)
    with upstream_in_thread(ssl=context) as upstream:
        assert upstream.base_url.startswith("https://")
        openai_text = asyncio.run(_read(OpenAIChatProvider(base_url=upstream.base_url + "/v1", api_key="k"), model_name("m", text="prose", tps=2000)))
        anthropic_text = asyncio.run(_read(AnthropicMessagesProvider(base_url=upstream.base_url, api_key="k"), model_name("m", text="code", tps=2000)))
    assert openai_text == TEXTS["prose"]
    assert anthropic_text == TEXTS["code"]


def test_tls_to_an_untrusted_certificate_is_a_connection_error(tls_files: tuple[Path, Path]) -> None:
    from providers import ProviderError

    cert, key = tls_files
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with upstream_in_thread(ssl=context) as upstream:
        with pytest.raises(ProviderError) as caught:
            asyncio.run(_read(OpenAIChatProvider(base_url=upstream.base_url + "/v1", api_key="k"), model_name("m", text="prose")))
    assert caught.value.kind == "connection"
    assert "certificate" in str(caught.value).lower()


@pytest.fixture
def high_descriptors() -> Iterator[None]:
    """Hold 1100 descriptors, so the next sockets get numbers above 1023 (as under real load)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2048:
        pytest.skip(f"the descriptor limit here is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 2048), hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        yield
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_an_idle_connection_reads_as_readable_once_the_server_closed_it(high_descriptors: None) -> None:
    """httpcore asks `is_readable` of an idle pooled connection to find the ones the server dropped."""

    async def main() -> tuple[bool, bool, bytes]:
        closed = asyncio.Event()

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readexactly(4)
            writer.write(b"pong")
            await writer.drain()
            await closed.wait()
            writer.close()

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        assert stream.get_extra_info("socket").fileno() > 1023
        await stream.write(b"ping")
        answer = await stream.read(4)
        idle = stream.get_extra_info("is_readable")
        closed.set()
        await asyncio.sleep(0.1)
        dropped = stream.get_extra_info("is_readable")
        await stream.aclose()
        server.close()
        return idle, dropped, answer

    idle, dropped, answer = asyncio.run(main())
    assert answer == b"pong" and idle is False and dropped is True


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_finished_streams_hand_their_connection_back_for_the_next(kind: str) -> None:
    """A new TCP (and TLS) handshake per generation would cost every stream a round trip or more."""

    async def main(upstream) -> tuple[list[str], int]:  # type: ignore[no-untyped-def]
        provider = (OpenAIChatProvider(base_url=upstream.base_url + "/v1", api_key="k") if kind == "openai"
                    else AnthropicMessagesProvider(base_url=upstream.base_url, api_key="k"))
        texts, connections = [], set()
        for _ in range(5):
            stream = await provider.open(CompletionRequest(model=model_name("m", text="json", tps=2000), messages=MESSAGES, max_tokens=5000))
            texts.append("".join([piece async for piece in stream]))
            connections |= {id(connection) for connection in upstream.connections}
        await provider.aclose()
        return texts, len(connections)

    with upstream_in_thread() as upstream:
        texts, connections = asyncio.run(main(upstream))
    assert texts == [TEXTS["json"]] * 5
    assert connections == 1


CONVERSATION = [
    {"role": "system", "content": "Answer briefly."},
    {"role": "user", "content": [{"type": "text", "text": "Zwei Teile: "}, {"type": "text", "text": "ünïcödé ✓"}], "name": "ana"},
    {"role": "assistant", "content": "Gern."},
    {"role": "user", "content": "Weiter."},
]


def test_the_request_body_carries_the_messages_exactly_as_given() -> None:
    """Messages go out through the SDK's extra_body, verbatim, not through its per-request TypedDict transform."""

    async def bodies(upstream: object) -> list[dict]:
        out = []
        for provider in (OpenAIChatProvider(base_url=f"{upstream.base_url}/v1", api_key="k"), AnthropicMessagesProvider(base_url=upstream.base_url, api_key="k")):
            request = CompletionRequest(model=model_name("m", text="short"), messages=CONVERSATION, max_tokens=50, temperature=0.5, extra_body={"top_k": 3})
            stream = await provider.open(request)
            assert "".join([piece async for piece in stream]) == TEXTS["short"]
            await provider.aclose()
            out.append(upstream.recorded()[-1]["body"])
        return out

    with upstream_in_thread() as upstream:
        openai_body, anthropic_body = asyncio.run(bodies(upstream))
    model = model_name("m", text="short")
    assert openai_body == {
        "model": model, "messages": CONVERSATION, "stream": True, "stream_options": {"include_usage": True},
        "max_tokens": 50, "temperature": 0.5, "top_k": 3,
    }
    assert anthropic_body == {
        "model": model, "system": "Answer briefly.", "messages": to_anthropic_messages(CONVERSATION)[1],
        "max_tokens": 50, "stream": True, "temperature": 0.5, "top_k": 3,
    }
