"""The lean HTTP/1.1 client (providers/http1.py) against small servers on loopback: framing, pooling, TLS, proxies."""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import socket
import ssl
import struct
import subprocess
import time
import zlib
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import orjson
import pytest
import uvloop

from providers import CompletionRequest, ProviderError
from providers.http1 import (
    HIGH_WATER,
    MAX_DECODED_READ,
    ConnectionPool,
    ProxyError,
    RemoteProtocolError,
    Response,
    ResponseClosed,
)
from providers.openai_chat import OpenAIChatProvider
from providers.wire import MAX_HEADER_BYTES, Wire, transport_error

pytestmark = pytest.mark.usefixtures("without_proxies")
RUNS = pytest.mark.parametrize("run", [asyncio.run, uvloop.run], ids=["asyncio", "uvloop"])
REQUEST = b"POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n{}"
CLOSE, RESET = b"<close>", b"<reset>"  # in an answer's parts: close the connection there, or reset it


class Server:
    """An HTTP/1.1 server on loopback: each request (head and Content-Length body) gets `answer(n)`'s parts.

    The parts go out one write each, `pause_s` apart, so the client reads them
    separately; `CLOSE` / `RESET` among them end the connection there. It counts
    the connections it accepted and the ones that ended, and keeps every request.
    """

    def __init__(self, answer: Callable[[int], list[bytes]], *, pause_s: float = 0.002) -> None:
        self.answer = answer
        self.pause_s = pause_s
        self.accepted = 0
        self.ended = 0
        self.requests: list[bytes] = []
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> Server:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    def pool(self, **options: Any) -> ConnectionPool:
        settings: dict[str, Any] = {
            "ssl_context": None,
            "max_connections": 10,
            "connect_timeout_s": 5.0,
            "idle_expiry_s": 30.0,
            "max_header_bytes": MAX_HEADER_BYTES,
        }
        return ConnectionPool("127.0.0.1", self.port, **(settings | options))

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.lower() == b"content-length":
                        length = int(value)
                self.requests.append(head + await reader.readexactly(length))
                for part in self.answer(len(self.requests) - 1):
                    if part is CLOSE:
                        return
                    if part is RESET:  # SO_LINGER 0: the close sends a RST, not a FIN
                        linger = struct.pack("ii", 1, 0)
                        writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                        writer.transport.abort()
                        return
                    writer.write(part)
                    await writer.drain()
                    await asyncio.sleep(self.pause_s)
        except ConnectionError:
            pass
        finally:
            self.ended += 1
            writer.close()


def chunked(*pieces: bytes, head: bytes = b"") -> bytes:
    """A 200 response with these pieces as chunks of its body."""
    body = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"
    return b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n" + head + b"\r\n" + body


def sized(body: bytes, head: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n%s\r\n%s" % (len(body), head, body)


async def read_all(response: Response) -> bytes:
    parts = []
    while chunk := await response.readany():
        parts.append(chunk)
    return b"".join(parts)


async def read_failure(answer: bytes) -> BaseException:
    """The error reading the body of `answer` (one server reply) raises; the test fails if it reads cleanly."""
    async with Server(lambda n: [answer]) as server:
        pool = server.pool()
        response = await pool.request(REQUEST)
        with pytest.raises(RemoteProtocolError) as caught:
            await read_all(response)
        response.release()
        await pool.aclose()
        return caught.value


async def fetch(pool: ConnectionPool) -> tuple[int, bytes]:
    response = await pool.request(REQUEST)
    try:
        return response.status, await read_all(response)
    finally:
        response.release()


def fetch_twice(answer: Callable[[int], list[bytes]]) -> tuple[list[tuple[int, bytes]], int]:
    """Two requests in turn over one pool to a server answering `answer(n)`: the results, the connections taken."""

    async def main() -> tuple[list[tuple[int, bytes]], int]:
        async with Server(answer) as server:
            pool = server.pool()
            results = [await fetch(pool), await fetch(pool)]
            await pool.aclose()
            return results, server.accepted

    return asyncio.run(main())


def run_in(run: Callable[[Coroutine[Any, Any, Any]], Any], main: Callable[[], Awaitable[Any]]) -> Any:
    async def wrapped() -> Any:
        return await main()

    return run(wrapped())


# -- framing --

BODY = b'data: {"choices":[{"delta":{"content":"caf\xc3\xa9"}}]}\n\n'


@pytest.mark.parametrize("framing", ["chunked", "content-length"])
def test_a_response_split_at_every_byte_boundary_reads_the_same(framing: str) -> None:
    """Every place the network can cut a response (status line, header, chunk size, body) is parsed alike."""
    whole = chunked(BODY[:20], BODY[20:]) if framing == "chunked" else sized(BODY)

    async def main() -> tuple[list[tuple[int, bytes]], int]:
        async with Server(lambda n: [whole[: n + 1], whole[n + 1 :]] if n + 1 < len(whole) else [whole]) as server:
            pool = server.pool()
            results = [await fetch(pool) for _ in range(len(whole))]
            await pool.aclose()
            return results, server.accepted

    results, accepted = asyncio.run(main())
    assert results == [(200, BODY)] * len(whole)
    assert accepted == 1  # and the connection carried every one of them


def test_chunk_extensions_and_trailers_are_read_past_and_the_connection_is_reused() -> None:
    answer = (
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
        b'5;name=value;other\r\nhello\r\n6;ext="q"\r\n world\r\n'
        b"0\r\nx-trailer: a\r\ncontent-encoding: gzip\r\n\r\n"  # a trailer names no encoding of the body
    )

    results, accepted = fetch_twice(lambda n: [answer])
    assert results == [(200, b"hello world")] * 2
    assert accepted == 1


@pytest.mark.parametrize("head", [b"", b"transfer-encoding: foo\r\n"], ids=["no-length", "not-chunked"])
def test_a_body_delimited_by_the_close_is_read_to_it_and_the_connection_not_reused(head: bytes) -> None:
    """No Content-Length and no chunked coding last: the body ends with the connection (RFC 9112, 6.3)."""

    results, accepted = fetch_twice(lambda n: [b"HTTP/1.1 200 OK\r\n" + head + b"\r\nuntil ", b"the end", CLOSE])
    assert results == [(200, b"until the end")] * 2
    assert accepted == 2


def test_interim_answers_are_skipped_and_a_204_has_no_body() -> None:
    answers = [
        [b"HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n", sized(b"after hints", b"retry-after: 7\r\n")],
        [b"HTTP/1.1 204 No Content\r\n\r\n"],
    ]

    async def main() -> tuple[list[tuple[int, bytes, str | None]], int]:
        async with Server(lambda n: answers[n]) as server:
            pool = server.pool()
            results = []
            for _ in answers:
                response = await pool.request(REQUEST)
                results.append((response.status, await read_all(response), response.retry_after))
                response.release()
            await pool.aclose()
            return results, server.accepted

    results, accepted = asyncio.run(main())
    assert results == [(200, b"after hints", "7"), (204, b"", None)]
    assert accepted == 1


# -- keep-alive --


def test_a_connection_is_reused_only_after_its_body_was_read_to_the_end() -> None:
    async def main() -> tuple[int, int, bytes]:
        async with Server(lambda n: [chunked(b"one", b"two")]) as server:
            pool = server.pool()
            await fetch(pool)
            await fetch(pool)
            reused = server.accepted
            unread = await pool.request(REQUEST)  # released with its body unread: closed, never pooled
            unread.release()
            late = await unread.readany()  # a released response reads as an empty body
            await fetch(pool)
            await pool.aclose()
            return reused, server.accepted, late

    reused, accepted, late = asyncio.run(main())
    assert reused == 1 and accepted == 2 and late == b""


def test_connection_close_and_http_1_0_are_not_reused() -> None:
    answers = [
        [sized(b"a", b"connection: close\r\n")],
        [b"HTTP/1.0 200 OK\r\ncontent-length: 1\r\n\r\nb"],
        [sized(b"c")],
        [sized(b"d")],
    ]

    async def main() -> tuple[list[tuple[int, bytes]], int]:
        async with Server(lambda n: answers[n]) as server:
            pool = server.pool()
            results = [await fetch(pool) for _ in answers]
            await pool.aclose()
            return results, server.accepted

    results, accepted = asyncio.run(main())
    assert [body for _, body in results] == [b"a", b"b", b"c", b"d"]
    assert accepted == 3  # a fresh one after each of the first two; the third is kept for the fourth


def test_an_idle_connection_expires() -> None:
    async def main() -> tuple[int, int, int]:
        async with Server(lambda n: [sized(b"x")]) as server:
            pool = server.pool(idle_expiry_s=0.2)
            await fetch(pool)
            await asyncio.sleep(0.05)
            await fetch(pool)
            before_expiry = server.accepted
            await asyncio.sleep(0.5)
            ended = server.ended  # the server saw the expired connection close
            await fetch(pool)
            await pool.aclose()
            return before_expiry, ended, server.accepted

    before_expiry, ended, accepted = asyncio.run(main())
    assert (before_expiry, ended, accepted) == (1, 1, 2)


def test_bytes_after_the_response_end_keep_the_connection_out_of_the_pool() -> None:
    results, accepted = fetch_twice(lambda n: [sized(b"x") + b"HTTP/1.1 200 OK\r\n"] if n == 0 else [sized(b"y")])
    assert results == [(200, b"x"), (200, b"y")]
    assert accepted == 2


# -- failures --


@RUNS
@pytest.mark.parametrize("framing", ["chunked", "content-length"])
def test_a_close_mid_body_is_response_closed_and_named_connection_closed(framing: str, run: Callable[..., Any]) -> None:
    cut = chunked(b"hello", b"world")[:-12] if framing == "chunked" else sized(b"hello world")[:-3]

    async def main() -> tuple[bytes, BaseException]:
        async with Server(lambda n: [cut, CLOSE]) as server:
            pool = server.pool()
            response = await pool.request(REQUEST)
            received = b""
            with pytest.raises(ResponseClosed) as caught:
                while chunk := await response.readany():
                    received += chunk
            response.release()
            await pool.aclose()
            return received, caught.value

    received, error = run_in(run, main)
    assert b"hello".startswith(received) or received.startswith(b"hello")
    provider_error = transport_error(error, reading=True)
    assert (provider_error.kind, provider_error.cause) == ("connection", "connection_closed")


@RUNS
def test_a_reset_mid_body_is_named_connection_reset(run: Callable[..., Any]) -> None:
    async def main() -> BaseException:
        async with Server(lambda n: [chunked(b"hello", b"world")[:-12], RESET]) as server:
            pool = server.pool()
            response = await pool.request(REQUEST)
            with pytest.raises(OSError) as caught:
                while await response.readany():
                    pass
            response.release()
            await pool.aclose()
            return caught.value

    error = run_in(run, main)
    assert (transport_error(error, reading=True).cause) == "connection_reset"


def test_a_close_before_the_head_is_a_connection_error_through_the_wire() -> None:
    async def main() -> ProviderError:
        async with Server(lambda n: [b"HTTP/1.1 200", CLOSE]) as server:
            wire = Wire(f"http://127.0.0.1:{server.port}", {})
            with pytest.raises(ProviderError) as caught:
                await wire.post("/x", {})
            await wire.aclose()
            return caught.value

    error = asyncio.run(main())
    assert (error.kind, error.cause) == ("connection", "connection_error")
    assert isinstance(error.__cause__, ResponseClosed)


@pytest.mark.parametrize(("size", "fails"), [(MAX_HEADER_BYTES - 100, False), (MAX_HEADER_BYTES + 100, True)])
def test_a_header_line_over_the_bound_fails_the_request(size: int, fails: bool) -> None:
    answer = b"HTTP/1.1 200 OK\r\nx-long: " + b"a" * size + b"\r\ncontent-length: 2\r\n\r\nok"

    async def main() -> ProviderError | bytes:
        async with Server(lambda n: [answer[i : i + 4096] for i in range(0, len(answer), 4096)], pause_s=0) as server:
            wire = Wire(f"http://127.0.0.1:{server.port}", {})
            try:
                response = await wire.post("/x", {})
                body = await read_all(response)
                response.release()
                return body
            except ProviderError as exc:
                return exc
            finally:
                await wire.aclose()

    result = asyncio.run(main())
    if fails:
        assert isinstance(result, ProviderError) and result.cause == "connection_error"
        assert str(MAX_HEADER_BYTES) in result.message
        assert isinstance(result.__cause__, RemoteProtocolError)
    else:
        assert result == b"ok"


class Endless:
    """A server that sends `start`, then `piece` after `piece` until the client leaves; it counts what it sent."""

    def __init__(self, start: bytes, piece: bytes) -> None:
        self.start, self.piece, self.sent = start, piece, 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await reader.readexactly(2)
        data = self.start
        try:
            while self.sent < 64 * 1024 * 1024:
                writer.write(data)
                await writer.drain()
                self.sent += len(data)
                data = self.piece
        except ConnectionError:
            pass
        finally:
            writer.close()


@pytest.mark.parametrize(
    ("start", "where"),
    [
        (b"HTTP/1.1 200 OK\r\nx-endless: ", "head"),  # a header line with no end
        (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nx-trailer: ", "trailer"),
        (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n5;", "chunk extension"),
    ],
)
def test_an_endless_head_trailer_or_chunk_extension_fails_without_being_read_to_its_end(
    start: bytes, where: str
) -> None:
    """The parser holds a header or trailer line while it arrives: its length is bounded, not the server's choice."""
    endless = Endless(start, b"a" * 16384)

    async def main() -> BaseException:
        server = await asyncio.start_server(endless.handle, "127.0.0.1", 0)
        pool = ConnectionPool(
            "127.0.0.1",
            server.sockets[0].getsockname()[1],
            ssl_context=None,
            max_connections=1,
            connect_timeout_s=5,
            idle_expiry_s=30,
            max_header_bytes=MAX_HEADER_BYTES,
        )
        try:
            async with asyncio.timeout(30):
                with pytest.raises(RemoteProtocolError) as caught:
                    response = await pool.request(REQUEST)
                    try:
                        await read_all(response)
                    finally:
                        response.release()
            return caught.value
        finally:
            await pool.aclose()
            server.close()

    error = asyncio.run(main())
    assert str(MAX_HEADER_BYTES) in str(error)
    assert endless.sent < 8 * 1024 * 1024  # it stopped reading, rather than keeping the line


def test_a_malformed_chunk_is_a_protocol_error_named_connection_closed() -> None:
    answer = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\nzz\r\n"
    assert transport_error(asyncio.run(read_failure(answer)), reading=True).cause == "connection_closed"


# -- the pool's bound --


def test_a_full_pool_waits_for_a_connection_and_times_out_at_the_connect_timeout() -> None:
    async def main() -> tuple[float, int, tuple[int, bytes], int]:
        release = asyncio.Event()
        parts = [chunked(b"first")[:-5]]

        async def held(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            await reader.readexactly(2)
            writer.write(parts[0])
            await release.wait()
            writer.write(b"0\r\n\r\n")
            await reader.readuntil(b"\r\n\r\n")  # the waiting request, on the same connection
            await reader.readexactly(2)
            writer.write(sized(b"second"))
            await writer.drain()
            await reader.read()

        server = await asyncio.start_server(held, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        settings: dict[str, Any] = {"ssl_context": None, "idle_expiry_s": 30, "max_header_bytes": MAX_HEADER_BYTES}
        pool = ConnectionPool("127.0.0.1", port, max_connections=1, connect_timeout_s=0.3, **settings)
        first = await pool.request(REQUEST)
        assert await first.readany() == b"first"
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await pool.request(REQUEST)
        waited = time.monotonic() - started

        patient = ConnectionPool("127.0.0.1", port, max_connections=1, connect_timeout_s=30, **settings)
        held_response = await patient.request(REQUEST)
        assert await held_response.readany() == b"first"
        second = asyncio.ensure_future(fetch(patient))
        await asyncio.sleep(0.2)
        still_waiting = not second.done()
        release.set()  # the held body ends; read to it, its connection serves the waiting request
        assert await read_all(held_response) == b""
        held_response.release()
        result = await second
        connections = len(patient._connections)
        first.release()
        await pool.aclose()
        await patient.aclose()
        server.close()
        return waited, still_waiting, result, connections

    waited, still_waiting, result, connections = asyncio.run(main())
    assert waited >= 0.3
    assert still_waiting and result == (200, b"second") and connections == 1
    assert transport_error(TimeoutError(), reading=False).cause == "connect_timeout"


def test_a_request_cancelled_while_it_waits_gives_its_place_up() -> None:
    async def main() -> tuple[int, bytes]:
        async with Server(lambda n: [sized(b"ok")]) as server:
            pool = server.pool(max_connections=1)
            held = await pool.request(REQUEST)
            waiting = [asyncio.ensure_future(fetch(pool)) for _ in range(3)]
            await asyncio.sleep(0.05)
            waiting[0].cancel()
            waiting[1].cancel()
            await read_all(held)
            held.release()
            result = await asyncio.wait_for(waiting[2], 5)
            await pool.aclose()
            return result

    assert asyncio.run(main()) == (200, b"ok")


def _localhost_pool(port: int) -> ConnectionPool:
    return ConnectionPool(
        "localhost",
        port,
        ssl_context=None,
        max_connections=10,
        connect_timeout_s=5,
        idle_expiry_s=30,
        max_header_bytes=MAX_HEADER_BYTES,
    )


def test_a_name_is_looked_up_once_for_many_connections() -> None:
    async def main() -> tuple[list[tuple[int, bytes]], int, Any]:
        async with Server(lambda n: [sized(b"ok")], pause_s=0.05) as server:
            pool = _localhost_pool(server.port)
            results = await asyncio.gather(*[fetch(pool) for _ in range(5)])  # five connections at once
            entries = dict(pool._dns)
            await pool.aclose()
            return list(results), server.accepted, entries

    results, accepted, entries = asyncio.run(main())
    assert results == [(200, b"ok")] * 5 and accepted == 5
    [(key, (expires, addresses))] = entries.items()  # one look-up's answer, kept for the next connections
    assert key[0] == "localhost" and isinstance(addresses, list) and expires > 0


def test_an_address_that_refuses_is_passed_over_and_the_one_that_answered_kept_first() -> None:
    async def main() -> tuple[tuple[int, bytes], list[tuple[int, str]]]:
        async with Server(lambda n: [sized(b"ok")]) as server:
            pool = _localhost_pool(server.port)
            # What a name with a dead first address resolves to (127.0.0.2 is loopback too; nothing listens there).
            pool._dns[("localhost", server.port)] = (
                asyncio.get_running_loop().time() + 10,
                [(socket.AF_INET, "127.0.0.2"), (socket.AF_INET, "127.0.0.1")],
            )
            result = await fetch(pool)
            entry = pool._dns[("localhost", server.port)][1]
            await pool.aclose()
            assert isinstance(entry, list)
            return result, entry

    result, addresses = asyncio.run(main())
    assert result == (200, b"ok")
    assert [address for _, address in addresses] == ["127.0.0.1", "127.0.0.2"]


def test_a_name_that_does_not_resolve_is_a_connection_error() -> None:
    async def main() -> ProviderError:
        wire = Wire("http://no-such-host.invalid", {}, connect_timeout_s=10)
        with pytest.raises(ProviderError) as caught:
            await wire.post("/x", {})
        await wire.aclose()
        return caught.value

    error = asyncio.run(main())
    assert (error.kind, error.cause) == ("connection", "connection_error")


# -- TLS and proxies --


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


class TunnelProxy:
    """A CONNECT-only proxy on loopback that wants `credentials` (Basic), and records each request head."""

    def __init__(self, credentials: str | None = None) -> None:
        self.credentials = credentials
        self.heads: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        self.heads.append(head)
        method, target, _ = head.split(b"\r\n")[0].split(b" ")
        expected = b"Basic " + base64.b64encode(self.credentials.encode()) if self.credentials else None
        if expected is not None and b"proxy-authorization: " + expected.lower() not in head.lower():
            writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n")
            writer.close()
            return
        host, _, port = target.partition(b":")
        up_reader, up_writer = await asyncio.open_connection(host.decode(), int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except ConnectionError:
                pass
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


@RUNS
@pytest.mark.parametrize("through", ["direct", "tunnel"])
def test_tls_to_a_self_signed_server_directly_and_through_a_connect_tunnel(
    tls_files: tuple[Path, Path], through: str, run: Callable[..., Any]
) -> None:
    cert, key = tls_files
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    client_context = ssl.create_default_context(cafile=str(cert))
    proxy = TunnelProxy("ana:s3cret")

    async def main() -> tuple[list[tuple[int, bytes]], int]:
        server = Server(lambda n: [chunked(b"secret ", b"words")])
        server.server = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=server_context)
        proxy_server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
        auth = b"Proxy-Authorization: Basic " + base64.b64encode(b"ana:s3cret") + b"\r\n"
        tunnel = ("127.0.0.1", proxy_server.sockets[0].getsockname()[1], auth) if through == "tunnel" else None
        pool = ConnectionPool(
            "127.0.0.1",
            server.port,
            ssl_context=client_context,
            proxy=tunnel,
            max_connections=2,
            connect_timeout_s=5,
            idle_expiry_s=30,
            max_header_bytes=MAX_HEADER_BYTES,
        )
        results = [await fetch(pool), await fetch(pool)]
        await pool.aclose()
        proxy_server.close()
        server.server.close()
        return results, server.accepted

    results, accepted = run_in(run, main)
    assert results == [(200, b"secret words")] * 2
    assert accepted == 1  # the TLS connection (and its tunnel) is kept for the second request
    if through == "tunnel":
        assert len(proxy.heads) == 1 and proxy.heads[0].startswith(b"CONNECT 127.0.0.1:")


def test_a_proxy_that_refuses_the_tunnel_is_a_connection_error(tls_files: tuple[Path, Path]) -> None:
    cert, _ = tls_files
    proxy = TunnelProxy("ana:s3cret")

    async def main() -> ProviderError:
        proxy_server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
        pool = ConnectionPool(
            "127.0.0.1",
            9,
            ssl_context=ssl.create_default_context(cafile=str(cert)),
            proxy=("127.0.0.1", proxy_server.sockets[0].getsockname()[1], b""),  # no credentials
            max_connections=1,
            connect_timeout_s=5,
            idle_expiry_s=30,
            max_header_bytes=MAX_HEADER_BYTES,
        )
        with pytest.raises(ProxyError) as caught:
            await pool.request(REQUEST)
        await pool.aclose()
        proxy_server.close()
        return transport_error(caught.value, reading=False)

    error = asyncio.run(main())
    assert error.cause == "connection_error" and "407" in error.message


# -- bodies: compression, backpressure --


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
@pytest.mark.parametrize("framing", ["chunked", "content-length"])
def test_a_compressed_body_is_decoded(encoding: str, framing: str) -> None:
    compressed = gzip.compress(BODY * 50) if encoding == "gzip" else zlib.compress(BODY * 50)
    head = b"content-encoding: " + encoding.encode() + b"\r\n"
    half = len(compressed) // 2
    answer = (
        chunked(compressed[:half], compressed[half:], head=head) if framing == "chunked" else sized(compressed, head)
    )

    async def main() -> tuple[int, bytes]:
        async with Server(lambda n: [answer[:100], answer[100:]]) as server:
            pool = server.pool()
            result = await fetch(pool)
            await pool.aclose()
            return result

    assert asyncio.run(main()) == (200, BODY * 50)


def test_a_body_that_decompresses_to_a_lot_is_returned_in_bounded_reads() -> None:
    plain = b"\n" * (8 * 1024 * 1024)
    compressed = gzip.compress(plain)

    async def main() -> tuple[int, int]:
        async with Server(lambda n: [sized(compressed, b"content-encoding: gzip\r\n")]) as server:
            pool = server.pool()
            response = await pool.request(REQUEST)
            largest = total = 0
            while chunk := await response.readany():
                largest, total = max(largest, len(chunk)), total + len(chunk)
            response.release()
            await pool.aclose()
            return largest, total

    largest, total = asyncio.run(main())
    assert total == len(plain) and largest <= MAX_DECODED_READ


def test_a_broken_compressed_body_fails_the_read() -> None:
    answer = sized(b"not gzip at all", b"content-encoding: gzip\r\n")
    assert transport_error(asyncio.run(read_failure(answer)), reading=True).cause == "connection_closed"


@RUNS
def test_a_reader_that_does_not_read_keeps_the_buffered_bytes_bounded(run: Callable[..., Any]) -> None:
    """A fast upstream and a slow client: the socket stops being read, the server's writes wait; nothing is lost."""
    body = bytes(range(256)) * (32 * 1024)  # 8 MB
    pieces = [body[i : i + 65536] for i in range(0, len(body), 65536)]

    async def main() -> tuple[int, bool, bytes]:
        async with Server(lambda n: [chunked(*pieces)], pause_s=0) as server:
            pool = server.pool()
            response = await pool.request(REQUEST)
            connection = response.connection
            assert connection is not None
            most = 0
            for _ in range(40):  # the reader sleeps; the upstream would send all 8 MB at once
                await asyncio.sleep(0.01)
                most = max(most, connection._buffered)
            assert connection.transport is not None
            paused = not connection.transport.is_reading()
            received = await read_all(response)
            response.release()
            await pool.aclose()
            return most, paused, received

    most, paused, received = run_in(run, main)
    assert paused
    assert most <= HIGH_WATER + 256 * 1024  # the mark, and at most one more read of the socket
    assert hashlib.sha256(received).digest() == hashlib.sha256(body).digest()


# -- the request, through the wire --


def test_the_wire_writes_one_request_with_its_own_framing_headers() -> None:
    async def main() -> tuple[bytes, ProviderError]:
        answers = [[sized(b"{}")], [b"HTTP/1.1 429 Too Many\r\nretry-after: 3\r\ncontent-length: 24\r\n\r\n"]]
        answers[1][0] += b'{"error":{"message":"x"}}'[:24]
        async with Server(lambda n: answers[n]) as server:
            wire = Wire(
                f"http://127.0.0.1:{server.port}/a%2Fb",
                {"Authorization": "Bearer k", "Content-Length": "1", "Connection": "close", "Accept-Encoding": "br"},
            )
            response = await wire.post("/c", {"k": "ü"})
            await read_all(response)
            response.release()
            with pytest.raises(ProviderError) as caught:
                await wire.post("/c", {})
            await wire.aclose()
            return server.requests[0], caught.value

    request, error = asyncio.run(main())
    head, _, body = request.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /a%2Fb/c HTTP/1.1"
    names = [line.split(b":")[0].lower() for line in lines[1:]]
    assert sorted(names) == sorted(
        [b"host", b"authorization", b"content-type", b"accept-encoding", b"content-length"]
    )  # the caller's framing headers are the wire's own, once each
    assert b"Accept-Encoding: identity" in lines and b"Content-Length: %d" % len(body) in lines
    assert orjson.loads(body) == {"k": "ü"}
    assert (error.kind, error.status, error.retry_after_s) == ("rate_limited", 429, 3.0)


@pytest.mark.parametrize("name", ["X-Bad\r\nInjected", "X-Bad"])
def test_a_header_that_would_break_the_request_is_refused_when_the_wire_is_built(name: str) -> None:
    value = "v" if "\r" in name else "v\r\nInjected: 1"
    with pytest.raises(ValueError, match="invalid request header"):
        Wire("http://127.0.0.1:9", {name: value})


def test_a_provider_streams_over_the_client_end_to_end_with_a_frag_split_sse_body() -> None:
    """The adapter's SSE reader over the client, the body cut into 7-byte chunks (UTF-8 split too)."""
    events: list[dict[str, Any]] = [
        {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]} for piece in ("Grüß ", "dich")
    ]
    events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    sse = b"".join(b"data: " + orjson.dumps(event) + b"\n\n" for event in events) + b"data: [DONE]\n\n"
    answer = chunked(*[sse[i : i + 7] for i in range(0, len(sse), 7)], head=b"content-type: text/event-stream\r\n")

    async def main() -> tuple[str, int]:
        async with Server(lambda n: [answer], pause_s=0) as server:
            provider = OpenAIChatProvider(base_url=f"http://127.0.0.1:{server.port}/v1", api_key="k")
            texts = []
            for _ in range(3):
                stream = await provider.open(CompletionRequest(model="m", messages=[{"role": "user", "content": "hi"}]))
                texts.append("".join([piece async for piece in stream]))
            await provider.aclose()
            assert len(set(texts)) == 1
            return texts[0], server.accepted

    text, accepted = asyncio.run(main())
    assert text == "Grüß dich"
    assert accepted == 1
