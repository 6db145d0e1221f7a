"""A lean HTTP/1.1 client for the upstream wire: one `asyncio.Protocol` per socket, httptools' parser, a bounded pool.

A stream waiting on an upstream needs a socket, a response parser and a small
byte buffer; this module keeps no more than that per connection (no header
mappings, no URL objects, no per-response reader stack). It sends one request
per connection at a time (no pipelining) and reads the response's status, the
two headers the relay needs (Retry-After, Content-Encoding) and its body, framed
by chunked encoding, Content-Length or the connection's close. A connection goes
back to its pool only when its body was read to the end and the server did not
ask to close it. Everything else (which headers to send, which proxy, how
failures are named) is the caller's: see providers/wire.py.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import zlib
from collections import deque
from collections.abc import Awaitable, Sequence
from typing import Any, cast

import httptools

HIGH_WATER = 64 * 1024  # buffered body bytes past which the socket is not read until the reader catches up
MAX_HEAD_BYTES = 1 << 20  # a response head longer than this fails, whatever its lines
MAX_DECODED_READ = 256 * 1024  # the most one read returns of a compressed body, however well it compresses
DNS_TTL_S = 10.0  # a name's addresses serve new connections this long, one look-up shared by all (as aiohttp did)


class HTTPError(Exception):
    """The base of this module's failures."""


class RemoteProtocolError(HTTPError):
    """The upstream's answer is not HTTP/1.1 as this client reads it: a malformed head or chunk, a line too long."""


class ResponseClosed(HTTPError):
    """The connection closed before the response ended: before its head, or with its body cut short."""


class ProxyError(HTTPError):
    """The proxy would not open a tunnel to the upstream."""


async def _nothing() -> bytes:
    return b""


class Response:
    """A response whose head was read: its status, its Retry-After, and its body to read with `readany`.

    It holds its connection until `release`; after that it reads as an empty body,
    so a stream that keeps it can never read the next exchange on the connection.
    """

    __slots__ = ("status", "retry_after", "_connection")

    def __init__(self, status: int, retry_after: str | None, connection: Connection) -> None:
        self.status = status
        self.retry_after = retry_after
        self._connection: Connection | None = connection

    @property
    def connection(self) -> Connection | None:
        return self._connection

    def readany(self) -> Awaitable[bytes]:
        """The body bytes that arrived since the last read, waiting for some if none have; b"" at the body's end."""
        connection = self._connection
        return _nothing() if connection is None else connection.read()

    def release(self) -> None:
        """Give the connection back: to the pool if the body was read to its end and may be reused, else closed."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.release()


class Connection(asyncio.Protocol):
    """One socket to the upstream (or to the proxy in front of it) and the exchange on it, if one is running.

    The parser calls `on_*` as bytes arrive; the body goes into `_chunks` for `read`
    to take. Past `HIGH_WATER` buffered bytes, reading the socket pauses until the
    reader has taken them, so a fast upstream and a slow client cannot grow memory.
    """

    __slots__ = (
        "transport",
        "_pool",
        "_parser",
        "_head",
        "_status",
        "_retry_after",
        "_decoder",
        "_framed",
        "_until_close",
        "_complete",
        "_reusable",
        "_chunks",
        "_buffered",
        "_waiter",
        "_error",
        "_paused",
        "_head_bytes",
        "_line_bytes",
        "_expiry",
    )

    def __init__(self, pool: ConnectionPool) -> None:
        self.transport: asyncio.Transport | None = None
        self._pool = pool
        self._parser: httptools.HttpResponseParser | None = None
        self._head: asyncio.Future[None] | None = None  # resolved when the response head (status >= 200) is read
        self._status = 0
        self._retry_after: bytes | None = None
        self._decoder: Any = None  # a zlib decompressor when the body is compressed
        self._framed = False  # chunked or Content-Length: the body's end is in the bytes, not the close
        self._until_close = False
        self._complete = False  # the response's last byte was parsed
        self._reusable = False
        self._chunks: list[bytes] = []
        self._buffered = 0
        self._waiter: asyncio.Future[None] | None = None
        self._error: BaseException | None = None
        self._paused = False
        self._head_bytes = 0
        self._line_bytes = 0
        self._expiry: asyncio.TimerHandle | None = None

    # -- asyncio.Protocol --

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not asyncio.Transport subclasses
        self._pool.opened(self)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                for option in self._pool.socket_options:
                    sock.setsockopt(*option)
            except OSError:
                pass  # the connection works without them; no platform the relay runs on refuses them

    def data_received(self, data: bytes) -> None:
        parser = self._parser
        if parser is None:  # nothing was asked: a server that talks out of turn is not reused
            self._reusable = False
            self.close()
            return
        in_head = self._status < 200
        chunks = len(self._chunks)
        try:
            parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(RemoteProtocolError("the upstream switched protocols"))
            return
        except httptools.HttpParserError as exc:
            if self._complete:  # bytes after the response's end: it stands, the connection is not reused
                self._reusable = False
                self.close()
            else:
                self._fail(self._error or RemoteProtocolError(f"malformed response: {exc}"))
            return
        limit = self._pool.max_header_bytes
        if in_head and self._status < 200:  # all of `data` was head: bound its lines while they arrive
            self._head_bytes += len(data)
            newline = data.rfind(b"\n")
            self._line_bytes = self._line_bytes + len(data) if newline < 0 else len(data) - newline - 1
            if self._line_bytes > limit or self._head_bytes > MAX_HEAD_BYTES:
                self._fail(RemoteProtocolError(f"the response head has a line longer than {limit} bytes"))
                return
        elif not in_head and not self._complete:
            # Bytes with no body in them are chunk sizes, extensions or trailers, which the parser holds
            # while they arrive: a few dozen bytes between two chunks, never this many.
            self._line_bytes = self._line_bytes + len(data) if len(self._chunks) == chunks else 0
            if self._line_bytes > limit:
                self._fail(RemoteProtocolError(f"the upstream sent over {limit} bytes of chunk framing or trailers"))
                return
        if self._buffered > HIGH_WATER and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        if self._chunks or self._complete:
            self._wake()

    def eof_received(self) -> bool:
        if self._parser is not None and not self._complete and self._until_close and self._status >= 200:
            self._complete = True  # a body delimited by the close: this is its end
            self._reusable = False
            self._wake()
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None
        self._pool.lost(self)
        if self._parser is not None and not self._complete:
            if exc is None and self._until_close and self._status >= 200:
                self._complete = True
                self._wake()
            elif exc is not None:
                self._fail(exc)
            elif self._status >= 200:
                self._fail(ResponseClosed("the upstream closed the connection before the response's end"))
            else:
                self._fail(ResponseClosed("the upstream closed the connection before answering"))
        self._reusable = False

    # -- httptools callbacks --

    def on_message_begin(self) -> None:
        if self._complete:  # a second response to one request
            raise RemoteProtocolError("the upstream sent more than one response")
        self._retry_after = None
        self._decoder = None
        self._framed = False

    def on_header(self, name: bytes, value: bytes) -> None:
        if len(name) + len(value) > self._pool.max_header_bytes:
            self._error = RemoteProtocolError(
                f"the response head has a line longer than {self._pool.max_header_bytes} bytes"
            )
            raise self._error
        if self._status >= 200:  # a trailer, after the body: nothing the relay reads
            return
        name = name.lower()
        if name == b"content-length":
            self._framed = True
        elif name == b"transfer-encoding":  # chunked, if it is the last coding; any other ends with the close
            self._framed = value.rstrip().lower().endswith(b"chunked")
        elif name == b"retry-after":
            self._retry_after = value
        elif name == b"content-encoding":
            encoding = value.strip().lower()
            if encoding in (b"gzip", b"x-gzip"):
                self._decoder = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            elif encoding == b"deflate":
                self._decoder = zlib.decompressobj(wbits=zlib.MAX_WBITS)
            elif encoding not in (b"", b"identity"):
                self._error = RemoteProtocolError(f"the upstream sent an unsupported Content-Encoding: {value!r}")
                raise self._error

    def on_headers_complete(self) -> None:
        assert self._parser is not None
        status = self._parser.get_status_code()
        if status < 200:  # 1xx: an interim answer, the real one follows
            return
        self._status = status
        self._line_bytes = 0  # from here on it counts the bytes of chunk framing since the last body bytes
        self._until_close = not self._framed and status not in (204, 304)
        if self._head is not None and not self._head.done():
            self._head.set_result(None)

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)
        self._buffered += len(body)

    def on_message_complete(self) -> None:
        if self._status < 200:
            return
        assert self._parser is not None
        self._complete = True
        self._reusable = self._parser.should_keep_alive()

    # -- the exchange --

    def start(self, request: bytes, head: asyncio.Future[None]) -> None:
        """Send a request (head and body, one write) and read its response as it arrives."""
        assert self.transport is not None
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None
        self._parser = httptools.HttpResponseParser(self)
        self._head = head
        self._status = 0
        self._retry_after = None
        self._decoder = None
        self._framed = self._until_close = self._complete = self._reusable = False
        self._chunks = []
        self._buffered = self._head_bytes = self._line_bytes = 0
        self._error = None
        self.transport.write(request)

    def response(self) -> Response:
        """The response whose head `start`'s future said was read."""
        self._head = None
        retry_after = self._retry_after.decode("latin-1") if self._retry_after is not None else None
        self._retry_after = None
        return Response(self._status, retry_after, self)

    async def read(self) -> bytes:
        """`Response.readany`: the buffered body (decoded), b"" at its end, or the failure that ended it."""
        while True:
            chunks = self._chunks
            if chunks:
                data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
                chunks.clear()
                self._buffered = 0
                if self._paused and self.transport is not None:
                    self._paused = False
                    self.transport.resume_reading()
                if self._decoder is None:
                    return data
                if data := self._decode(data):
                    return data
                continue
            if self._error is not None:
                raise self._error
            if self._complete:
                decoder, self._decoder = self._decoder, None
                return decoder.flush() if decoder is not None else b""
            if self.transport is None:  # closed, e.g. by the pool's aclose, with nothing to say why
                raise ResponseClosed("the connection was closed")
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            finally:
                self._waiter = None

    def _decode(self, data: bytes) -> bytes:
        """Decompress at most `MAX_DECODED_READ` bytes; the input left over goes back in front of the buffer."""
        try:
            decoded: bytes = self._decoder.decompress(data, MAX_DECODED_READ)
        except zlib.error as exc:
            self._error = RemoteProtocolError(f"the upstream's compressed body is broken: {exc}")
            raise self._error from None
        tail = self._decoder.unconsumed_tail
        if tail:
            self._chunks.insert(0, tail)
            self._buffered += len(tail)
        return decoded

    def release(self) -> None:
        """The reader is done: back to the pool if the exchange ended cleanly, else closed."""
        reusable = (
            self._complete
            and self._reusable
            and not self._chunks
            and self._error is None
            and self.transport is not None
            and not self.transport.is_closing()
            and not self._paused
        )
        self._parser = None  # it refers back to this connection; the next exchange makes its own
        self._head = None
        self._decoder = None
        self._chunks = []
        if not reusable:
            self.close()
        self._pool.checked_in(self, reusable)

    def idle(self, expiry_s: float) -> None:
        """Wait in the pool; closed after `expiry_s` unless an exchange takes it first."""
        self._expiry = asyncio.get_running_loop().call_later(expiry_s, self.close)

    @property
    def usable(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    def close(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None
        if self.transport is not None:
            self.transport.close()

    def _fail(self, exc: BaseException) -> None:
        if self._error is None:
            self._error = exc
        self._reusable = False
        head = self._head
        if head is not None and not head.done():
            head.set_exception(self._error)
        self._wake()
        self.close()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- a tunnel through a proxy --

    async def tunnel(self, authority: bytes, headers: bytes) -> None:
        """CONNECT through the proxy this connection reaches, to `authority` (host:port); raises unless answered 2xx."""
        loop = asyncio.get_running_loop()
        head: asyncio.Future[None] = loop.create_future()
        self.start(b"CONNECT %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" % (authority, authority, headers), head)
        try:
            await head
        finally:
            self._head = None
        status = self._status
        # The proxy's answer has no body: after its head, the bytes are the upstream's (TLS, which speaks second).
        extra = self._chunks
        self._parser = None
        self._chunks = []
        self._buffered = 0
        if not 200 <= status < 300:
            raise ProxyError(f"the proxy answered CONNECT {authority.decode()} with status {status}")
        if extra:
            raise ProxyError("the proxy sent bytes after its answer to CONNECT")


class ConnectionPool:
    """Connections to one origin, at most `max_connections` in use at once, idle ones kept `idle_expiry_s`.

    `request` takes an idle connection or opens one (through the proxy, with a
    CONNECT tunnel for TLS, when one is given); when all are in use it waits for
    one to be given back. The wait, the TCP and TLS handshakes and the tunnel all
    count against `connect_timeout_s` (past it: `TimeoutError`). The response head
    is waited for without a timeout: the caller watches for stalls itself.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        ssl_context: ssl.SSLContext | None,
        proxy: tuple[str, int, bytes] | None = None,
        max_connections: int,
        connect_timeout_s: float,
        idle_expiry_s: float,
        max_header_bytes: int,
        socket_options: Sequence[tuple[int, int, int]] = (),
    ) -> None:
        self._host, self._port = host, port
        self._ssl = ssl_context
        self._proxy = proxy  # host, port, and the header lines a CONNECT carries (Proxy-Authorization)
        self._max_connections = max_connections
        self._connect_timeout_s = connect_timeout_s
        self._idle_expiry_s = idle_expiry_s
        self.max_header_bytes = max_header_bytes
        self.socket_options = socket_options
        self._idle: dict[Connection, None] = {}  # most recently used last
        self._connections: set[Connection] = set()
        self._in_use = 0  # connections handed out or being opened
        self._waiters: deque[asyncio.Future[None]] = deque()
        # (host, port): (expiry, addresses), or (0, the look-up running)
        self._dns: dict[tuple[str, int], tuple[float, list[tuple[int, str]] | asyncio.Task[list[tuple[int, str]]]]] = {}

    @property
    def max_connections(self) -> int:
        return self._max_connections

    async def request(self, request: bytes) -> Response:
        """Send `request` (the bytes of a whole request) and return the response once its head is read."""
        async with asyncio.timeout(self._connect_timeout_s):
            await self._slot()
            try:
                connection = await self._connection()
            except BaseException:
                self._free_slot()
                raise
        head: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        try:
            connection.start(request, head)
            await head
        except BaseException:
            connection.release()  # not complete, so closed
            raise
        return connection.response()

    async def _slot(self) -> None:
        if self._in_use < self._max_connections and not self._waiters:
            self._in_use += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter  # resolved by `_free_slot`, which hands over its slot
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._free_slot()  # handed a slot as it gave up: pass it on
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise

    def _free_slot(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._in_use -= 1

    async def _connection(self) -> Connection:
        while self._idle:
            connection = self._idle.popitem()[0]
            if connection.usable:
                return connection
            connection.close()
        return await self._open()

    async def _open(self) -> Connection:
        loop = asyncio.get_running_loop()
        connection = Connection(self)
        if self._proxy is None:
            await self._connect(connection, self._host, self._port, self._ssl)
            return connection
        proxy_host, proxy_port, proxy_headers = self._proxy
        await self._connect(connection, proxy_host, proxy_port, None)
        if self._ssl is None:  # plain HTTP: the request itself goes to the proxy, in absolute form
            return connection
        try:
            await connection.tunnel(_authority(self._host, self._port).encode("ascii"), proxy_headers)
            assert connection.transport is not None
            transport = await loop.start_tls(connection.transport, connection, self._ssl, server_hostname=self._host)
        except BaseException:
            connection.close()
            raise
        connection.transport = cast(asyncio.Transport, transport)
        return connection

    async def _connect(self, connection: Connection, host: str, port: int, tls: ssl.SSLContext | None) -> None:
        """TCP (and TLS) to `host`: its addresses in turn, the one that answered first next time."""
        loop = asyncio.get_running_loop()
        addresses = await self._resolve(host, port)
        error: OSError | None = None
        for address in addresses:
            family, ip = address
            try:
                await loop.create_connection(
                    lambda: connection,
                    ip,
                    port,
                    family=family,
                    ssl=tls,
                    server_hostname=host if tls is not None else None,
                )
            except ssl.SSLError:
                raise  # the server answered: another of its addresses would answer the same
            except OSError as exc:
                error = exc
                continue
            if address is not addresses[0] and (entry := self._dns.get((host, port))) is not None:
                found = entry[1]
                if isinstance(found, list) and address in found:
                    found.remove(address)
                    found.insert(0, address)
            return
        raise error or OSError(f"no address for {host}")

    async def _resolve(self, host: str, port: int) -> list[tuple[int, str]]:
        """`host`'s addresses (family, address): a literal as it is; a name looked up once per `DNS_TTL_S`.

        Concurrent connects to a name share one look-up (a burst of new streams would
        otherwise queue as many in the resolver's threads); a waiter that gives up (its
        connect timeout) leaves the look-up running for the others.
        """
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            pass
        else:
            return [(socket.AF_INET6 if literal.version == 6 else socket.AF_INET, host)]
        loop = asyncio.get_running_loop()
        key = (host, port)
        entry = self._dns.get(key)
        if entry is not None:
            expires, found = entry
            if isinstance(found, list):
                if expires > loop.time():
                    return list(found)  # a copy: `_connect` reorders the cached one
            else:
                return list(await asyncio.shield(found))
        lookup = asyncio.ensure_future(self._lookup(host, port))
        self._dns[key] = (0.0, lookup)

        def done(task: asyncio.Task[list[tuple[int, str]]]) -> None:
            if self._dns.get(key, (0.0, None))[1] is not task:
                return
            if task.cancelled() or task.exception() is not None:
                del self._dns[key]
            else:
                self._dns[key] = (loop.time() + DNS_TTL_S, list(task.result()))

        lookup.add_done_callback(done)
        return list(await asyncio.shield(lookup))

    @staticmethod
    async def _lookup(host: str, port: int) -> list[tuple[int, str]]:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses: list[tuple[int, str]] = []
        for family, _, _, _, sockaddr in infos:
            address = (int(family), str(sockaddr[0]))
            if address not in addresses:
                addresses.append(address)
        if not addresses:
            raise OSError(f"no address for {host}")
        return addresses

    def checked_in(self, connection: Connection, reusable: bool) -> None:
        """A connection's exchange is over: keep it for the next one if `reusable`, and free its slot."""
        if reusable and connection in self._connections:
            connection.idle(self._idle_expiry_s)
            self._idle[connection] = None
        self._free_slot()

    def opened(self, connection: Connection) -> None:
        self._connections.add(connection)

    def lost(self, connection: Connection) -> None:
        """A connection closed: forget it (it was idle, or its reader will find out)."""
        self._connections.discard(connection)
        self._idle.pop(connection, None)

    async def aclose(self) -> None:
        """Close every connection, idle or in use (their readers get `ResponseClosed`)."""
        self._idle.clear()
        for connection in list(self._connections):
            connection.close()
        self._connections.clear()
        await asyncio.sleep(0)  # let the transports' close callbacks run


def _authority(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
