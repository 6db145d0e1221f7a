"""An httpcore network backend on plain asyncio streams, for the SDKs' HTTP client.

httpcore's default backend goes through anyio, which opens a cancel scope
around every socket read even when there is no timeout. With hundreds of
streams open that was a fifth of the relay's CPU (docs/benchmarks.md). The
relay sets no read timeout (its own watchdog detects stalls), so reads here are
a plain `StreamReader.read`; a timeout, when one is given, costs a scope only
then. httpcore takes backends through its public `AsyncNetworkBackend` API.
"""

from __future__ import annotations

import asyncio
import select
import socket
import ssl
import urllib.request
from typing import Any, Iterable

try:  # the SDKs' own HTTP packages (httpx2/httpcore2 in current releases)
    import httpcore2 as httpcore
    import httpx2 as sdk_http
except ImportError:  # pragma: no cover - older SDKs
    import httpcore  # type: ignore[no-redef]
    import httpx as sdk_http  # type: ignore[no-redef]

SocketOption = tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]

_READ_LIMIT = 2**20  # StreamReader's buffer before it pauses the transport


class AsyncioStream(httpcore.AsyncNetworkStream):
    __slots__ = ("_reader", "_writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        if timeout is None:
            try:
                return await self._reader.read(max_bytes)
            except OSError as exc:  # a kernel ETIMEDOUT too: the connection died, no timer of ours ran out
                raise httpcore.ReadError(str(exc) or repr(exc)) from exc
        deadline = asyncio.timeout(timeout)
        try:
            async with deadline:
                return await self._reader.read(max_bytes)
        except OSError as exc:
            if deadline.expired():
                raise httpcore.ReadTimeout("read timed out") from exc
            raise httpcore.ReadError(str(exc) or repr(exc)) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            self._writer.write(buffer)
            if timeout is None:
                await self._writer.drain()
            else:
                async with asyncio.timeout(timeout):
                    await self._writer.drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(str(exc) or "write timed out") from exc
        except (OSError, RuntimeError) as exc:  # uvloop raises RuntimeError on a transport already closed
            raise httpcore.WriteError(str(exc) or repr(exc)) from exc

    async def aclose(self) -> None:
        self._writer.close()  # no wait for the close handshake: an abandoned upstream is simply dropped

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None) -> AsyncioStream:
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError as exc:
            self._writer.close()
            raise httpcore.ConnectTimeout("TLS handshake timed out") from exc
        except (OSError, ssl.SSLError) as exc:
            self._writer.close()
            raise httpcore.ConnectError(str(exc) or repr(exc)) from exc
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object":
            return self._writer.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        if info == "socket":
            return self._writer.get_extra_info("socket")
        if info == "is_readable":
            # Asked of an idle pooled connection: readable means the server closed it (or sent junk).
            if self._reader.at_eof() or self._writer.is_closing():
                return True
            sock = self._writer.get_extra_info("socket")
            if sock is None or sock.fileno() < 0:
                return True
            poll = select.poll()  # not select(): it fails on descriptors above 1023
            poll.register(sock.fileno(), select.POLLIN)
            return bool(poll.poll(0))
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> AsyncioStream:
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, local_addr=(local_address, 0) if local_address else None, limit=_READ_LIMIT
                )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"connecting to {host}:{port} timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or repr(exc)) from exc
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for option in socket_options or ():
                sock.setsockopt(*option)
        return AsyncioStream(reader, writer)

    async def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Iterable[SocketOption] | None = None) -> AsyncioStream:
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_unix_connection(path, limit=_READ_LIMIT)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"connecting to {path} timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or repr(exc)) from exc
        return AsyncioStream(reader, writer)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


# TCP keep-alive on upstream connections, as the Anthropic SDK sets on its own transport: long
# streams through NAT gateways and load balancers must not be dropped as idle.
KEEPALIVE_OPTIONS: list[SocketOption] = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)] + [
    (socket.IPPROTO_TCP, option, value)
    for option, value in ((getattr(socket, "TCP_KEEPIDLE", None), 60), (getattr(socket, "TCP_KEEPINTVL", None), 60), (getattr(socket, "TCP_KEEPCNT", None), 5))
    if option is not None
]


def http_transport(limits: sdk_http.Limits) -> sdk_http.AsyncHTTPTransport:
    """httpx's transport (its proxy, TLS and error handling) with its connection pool on `AsyncioBackend`.

    httpx does not take a network backend as an argument, so the pool it built is
    replaced by one with the same settings. If a future httpx renames the pool,
    the transport is returned unchanged (tests/test_provider_transport.py notices).
    """
    transport = sdk_http.AsyncHTTPTransport(limits=limits)
    pool = getattr(transport, "_pool", None)
    if isinstance(pool, httpcore.AsyncConnectionPool):
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=pool._ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            socket_options=KEEPALIVE_OPTIONS,
            network_backend=AsyncioBackend(),
        )
    return transport


def sdk_http_client(client_class: type[sdk_http.AsyncClient], connect_timeout_s: float) -> sdk_http.AsyncClient:
    """An SDK's default HTTP client class, on `http_transport`, with no read timeout (the relay watches stalls).

    With a proxy in the environment (HTTPS_PROXY and friends) the SDK's own transport is
    kept: httpx applies environment proxies only to the transports it builds itself.
    """
    limits = sdk_http.Limits(max_connections=None, max_keepalive_connections=200)
    timeout = sdk_http.Timeout(None, connect=connect_timeout_s)
    if urllib.request.getproxies():
        return client_class(limits=limits, timeout=timeout)
    return client_class(transport=http_transport(limits), timeout=timeout)
