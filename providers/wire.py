"""The HTTP wire to an upstream: one connection pool per provider, and the one place transport failures are named.

A provider builds its request (path, JSON body; the headers once, from its SDK)
and `Wire.post` sends it on the lean HTTP/1.1 client of providers/http1.py: the
adapter reads the body straight from its connection, with no HTTP client layered
between. The relay decides here how the pool is sized (`DEFAULT_MAX_CONNECTIONS`),
that a connect timeout covers DNS, TCP, TLS and the wait for a pooled connection,
that sockets keep alive, which proxy applies, and what each failure is called:
`transport_error` turns every transport exception into a `ProviderError` with its
cause (a reset, a body cut short and a timeout end a stream with different causes).
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import ssl
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

import orjson

from .errors import ProviderError, caused_by_reset, kind_for_status, retry_after_seconds
from .http1 import ConnectionPool, HTTPError, Response

# TCP keep-alive on upstream connections, as the Anthropic SDK sets on its own transport: long
# streams through NAT gateways and load balancers must not be dropped as idle.
KEEPALIVE_OPTIONS: list[tuple[int, int, int]] = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)] + [
    (socket.IPPROTO_TCP, option, value)
    for option, value in (
        (getattr(socket, "TCP_KEEPIDLE", None), 60),
        (getattr(socket, "TCP_KEEPINTVL", None), 60),
        (getattr(socket, "TCP_KEEPCNT", None), 5),
    )
    if option is not None
]

KEEPALIVE_EXPIRY_S = 30.0  # an idle pooled connection is closed after this
# Upstream connections per provider (a running stream holds one: HTTP/1.1 carries one at a time).
# Above the streams one process carries, so at normal load it never binds; when it does, new
# attempts wait for a free connection within the connect timeout and fail over past it, rather
# than open sockets without end.
DEFAULT_MAX_CONNECTIONS = 1000
MAX_HEADER_BYTES = 65536  # per response header line, as h11 allows
MAX_ERROR_BODY_BYTES = 65536  # how much of an error response is read for its message
# Request headers the wire writes itself: the connection's framing is its business, not the SDK's.
_OWN_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection", "accept-encoding"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def ssl_context() -> ssl.SSLContext:
    """The CAs httpx would trust: `SSL_CERT_FILE` or `SSL_CERT_DIR` when set, else the system's."""
    cafile, capath = os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
    if cafile:
        return ssl.create_default_context(cafile=cafile)
    if capath:
        return ssl.create_default_context(capath=capath)
    return ssl.create_default_context()


def _basic(user: str, password: str | None) -> str:
    """A Basic credential from a URL's user and password, percent-decoded as httpx does."""
    credentials = f"{urllib.parse.unquote(user)}:{urllib.parse.unquote(password or '')}".encode()
    return "Basic " + base64.b64encode(credentials).decode("ascii")


class UpstreamProxy:
    """The egress proxy from the environment, read once: `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`.

    The wire speaks to `http://` proxies only (CONNECT for https upstreams); any
    other scheme is refused when the provider is built, rather than ignored (an
    upstream reached around the proxy) or misused (a SOCKS proxy spoken to as HTTP).
    """

    def __init__(self, environment: dict[str, str] | None = None) -> None:
        found = urllib.request.getproxies_environment() if environment is None else environment
        self._environment = found  # keeps `no` (NO_PROXY) for proxy_bypass_environment
        self._by_scheme: dict[str, tuple[str, dict[str, str]]] = {}
        for scheme in ("http", "https"):
            value = found.get(scheme) or found.get("all")
            if not value:
                continue
            url = urllib.parse.urlsplit(value if "://" in value else f"http://{value}")
            if url.scheme.lower() != "http":
                raise ValueError(
                    f"{scheme.upper()}_PROXY / ALL_PROXY is {url.scheme}://: only http:// proxies are supported"
                )
            if not url.hostname:
                raise ValueError(f"{scheme.upper()}_PROXY / ALL_PROXY has no host: {value!r}")
            url.port  # noqa: B018 - raises ValueError for a port that is not one
            headers = {}
            if url.username is not None:  # credentials go in Proxy-Authorization, not the URL
                headers["Proxy-Authorization"] = _basic(url.username, url.password)
            self._by_scheme[scheme] = (f"http://{url.netloc.rpartition('@')[2]}", headers)

    def __bool__(self) -> bool:
        return bool(self._by_scheme)

    def for_url(self, scheme: str, host: str) -> tuple[str, dict[str, str]] | None:
        """The proxy's URL and headers for a request, or None: no proxy for the scheme, or NO_PROXY exempts the host."""
        found = self._by_scheme.get(scheme)
        # proxy_bypass_environment is urllib's NO_PROXY matcher; typeshed omits it (undocumented, not private)
        bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
        if found is None or bypass(host, self._environment):
            return None
        return found


def transport_error(exc: BaseException, *, reading: bool) -> ProviderError:
    """The `ProviderError` for a transport (or OS) failure; `reading` says whether the response had begun.

    Before the response, a timeout is a `connect_timeout` and anything else a
    `connection_error`. While reading the body, a timeout is a `read_timeout`, a TCP
    reset a `connection_reset`, a close in the middle of the body (or a body the
    upstream framed wrongly) `connection_closed`.
    """
    if not reading:
        if isinstance(exc, TimeoutError):
            return ProviderError("timeout", f"connecting to the upstream timed out: {exc!r}", cause="connect_timeout")
        return ProviderError("connection", f"cannot reach upstream: {exc}", cause="connection_error")
    if isinstance(exc, TimeoutError):
        return ProviderError("timeout", f"upstream read timed out: {exc!r}", cause="read_timeout")
    if caused_by_reset(exc):
        return ProviderError("connection", f"upstream reset the connection: {exc!r}", cause="connection_reset")
    if isinstance(exc, HTTPError):
        return ProviderError("connection", f"upstream closed the stream: {exc}", cause="connection_closed")
    return ProviderError("connection", f"upstream connection failed: {exc!r}", cause="connection_error")


def status_error(status: int, body: bytes, retry_after: str | None = None) -> ProviderError:
    """The `ProviderError` for an HTTP error answer, with the upstream's own message when its body has one."""
    message: Any = body[:500].decode("utf-8", "replace")
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    else:
        if isinstance(data, dict):
            error = data.get("error", data)
            message = error.get("message", error) if isinstance(error, dict) else error
    return ProviderError(
        kind_for_status(status),
        f"Error code: {status} - {message}",
        status=status,
        retry_after_s=retry_after_seconds(retry_after),
    )


def _header_lines(headers: Mapping[str, str]) -> bytes:
    """Header lines as they go out; a name or value that would break the request's framing is refused."""
    lines = []
    for name, value in headers.items():
        if not name or any(c in name for c in ":\r\n \t") or "\r" in value or "\n" in value:
            raise ValueError(f"invalid request header: {name!r}")
        lines.append(f"{name}: {value}\r\n".encode("latin-1"))
    return b"".join(lines)


class Wire:
    """POSTs JSON to one upstream over a pool of HTTP/1.1 connections, opened in the event loop that first uses it.

    At most `max_connections` of its connections are in use at once. A request that finds them
    all busy waits for one to be free; the wait counts against `connect_timeout_s`, so past it
    the attempt fails as `connect_timeout` and the relay tries the next target. There is no read
    timeout: the relay watches for stalls itself.
    """

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        *,
        connect_timeout_s: float = 10.0,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        if max_connections < 1:
            raise ValueError(f"max_connections must be at least 1, got {max_connections}")
        self._max_connections = max_connections
        self._connect_timeout_s = connect_timeout_s
        base = urllib.parse.urlsplit(base_url.rstrip("/"))
        scheme = base.scheme.lower()
        if scheme not in _DEFAULT_PORTS or not base.hostname:
            raise ValueError(f"the upstream's base URL must be http:// or https:// with a host: {base_url!r}")
        self._tls = scheme == "https"
        self._host = base.hostname
        self._port = base.port or _DEFAULT_PORTS[scheme]
        authority = base.netloc.rpartition("@")[2]  # as given, for the Host header and an absolute-form target
        request_headers = {"Host": authority}
        request_headers.update((name, value) for name, value in headers.items() if name.lower() not in _OWN_HEADERS)
        if base.username is not None:  # credentials in the URL become the Authorization header, as httpx does
            request_headers = {
                name: value for name, value in request_headers.items() if name.lower() != "authorization"
            }
            request_headers["Authorization"] = _basic(base.username, base.password)
        if not any(name.lower() == "content-type" for name in request_headers):
            request_headers["Content-Type"] = "application/json"
        request_headers["Accept-Encoding"] = "identity"  # a stream is read as it comes: nothing to gain from gzip
        # The path as given, percent-escapes kept (gateways route and sign on the encoded path); only
        # what cannot go in a request line at all is escaped.
        target = urllib.parse.quote(base.path, safe="/%:@!$&'()*+,;=-._~")
        if base.query:
            target += "?" + urllib.parse.quote(base.query, safe="/%:@!$&'()*+,;=-._~?")
        # Read now, so a proxy the wire cannot use fails the relay's start, not every stream.
        proxy = UpstreamProxy()
        found = proxy.for_url(scheme, self._host) if proxy else None
        self._proxy: tuple[str, int, bytes] | None = None
        if found is not None:
            proxy_url = urllib.parse.urlsplit(found[0])
            assert proxy_url.hostname is not None
            self._proxy = (proxy_url.hostname, proxy_url.port or 80, _header_lines(found[1]))
            if not self._tls:  # the proxy gets the request itself: the whole URL, and its credentials
                target = f"{scheme}://{authority}{target}"
                request_headers.update(found[1])
        self._request_start = b"POST " + target.encode("ascii")
        self._request_headers = b" HTTP/1.1\r\n" + _header_lines(request_headers) + b"Content-Length: "
        self._ssl: ssl.SSLContext | None = None
        self._pool: ConnectionPool | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def for_sdk(cls, client: Any, *, connect_timeout_s: float, max_connections: int) -> Wire:
        """A wire to an SDK client's base URL with its headers (authentication included).

        The SDK resolves what it documents (the key and base URL from the environment, its
        version headers); the wire sends the requests.
        """
        headers = {**client.default_headers, **client.auth_headers}
        return cls(
            str(client.base_url),
            {name: value for name, value in headers.items() if isinstance(value, str)},  # not the SDK's Omit markers
            connect_timeout_s=connect_timeout_s,
            max_connections=max_connections,
        )

    @property
    def max_connections(self) -> int:
        return self._max_connections

    def _open_pool(self) -> ConnectionPool:
        loop = asyncio.get_running_loop()
        if self._pool is None or self._loop is not loop:
            if self._tls and self._ssl is None:
                self._ssl = ssl_context()  # loading the CAs takes milliseconds: once per wire
            self._pool = ConnectionPool(
                self._host,
                self._port,
                ssl_context=self._ssl if self._tls else None,
                proxy=self._proxy,
                max_connections=self._max_connections,
                connect_timeout_s=self._connect_timeout_s,  # DNS, TCP and TLS together, and the wait for a slot
                idle_expiry_s=KEEPALIVE_EXPIRY_S,
                max_header_bytes=MAX_HEADER_BYTES,
                socket_options=KEEPALIVE_OPTIONS,
            )
            self._loop = loop
        return self._pool

    async def post(self, path: str, body: dict[str, Any]) -> Response:
        """POST `body` to `path` under the base URL: the response with a 2xx status, its body unread.

        Raises `ProviderError` for a failure to connect or send and for an HTTP error status.
        """
        pool = self._open_pool()
        data = orjson.dumps(body)
        request = b"%s%s%s%d\r\n\r\n%s" % (
            self._request_start,
            path.encode("ascii"),
            self._request_headers,
            len(data),
            data,
        )
        try:
            response = await pool.request(request)
        except Exception as exc:
            raise transport_error(exc, reading=False) from exc
        if response.status >= 400:
            detail = b""
            try:
                while len(detail) < MAX_ERROR_BODY_BYTES and (chunk := await response.readany()):
                    detail += chunk
            except Exception:
                pass  # the status says enough; the message is only for the log
            finally:
                response.release()
            raise status_error(response.status, detail[:MAX_ERROR_BODY_BYTES], response.retry_after)
        return response

    async def aclose(self) -> None:
        if self._pool is not None and self._loop is asyncio.get_running_loop():
            await self._pool.aclose()
        self._pool = None
