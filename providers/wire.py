"""The HTTP wire to an upstream: one aiohttp session per provider, and the one place transport failures are named.

A provider builds its request (path, JSON body; the headers once, from its SDK)
and `Wire.post` sends it: aiohttp parses the response in C and the adapter reads
the body straight from it, with no HTTP client layered between. The relay decides
how the pool is sized (`DEFAULT_MAX_CONNECTIONS`), that a connect timeout covers
DNS, TCP, TLS and the wait for a pooled connection, that sockets keep alive, which
proxy applies, and what each failure is called: `transport_error` turns every
aiohttp exception into a `ProviderError` with its cause (a reset, a body cut
short and a timeout end a stream with different causes).
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import ssl
import urllib.request
from collections.abc import Mapping
from typing import Any

import aiohttp
import orjson
import yarl
from multidict import CIMultiDict, CIMultiDictProxy

from .errors import ProviderError, caused_by_reset, kind_for_status, retry_after_seconds

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
MAX_HEADER_BYTES = 65536  # per response header line, as h11 allows (aiohttp's default is 8190)
MAX_ERROR_BODY_BYTES = 65536  # how much of an error response is read for its message


def _keepalive_socket(addr_info: Any) -> socket.socket:
    """aiohttp's `socket_factory`: the socket it would make, with TCP keep-alive on."""
    family, type_, proto, _, _ = addr_info
    sock = socket.socket(family=family, type=type_, proto=proto)
    try:
        for option in KEEPALIVE_OPTIONS:
            sock.setsockopt(*option)
    except OSError:
        sock.close()  # aiohttp closes only the sockets it was given
        raise
    return sock


def ssl_context() -> ssl.SSLContext:
    """The CAs httpx would trust: `SSL_CERT_FILE` or `SSL_CERT_DIR` when set, else the system's."""
    cafile, capath = os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
    if cafile:
        return ssl.create_default_context(cafile=cafile)
    if capath:
        return ssl.create_default_context(capath=capath)
    return ssl.create_default_context()


class UpstreamProxy:
    """The egress proxy from the environment, read once: `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`.

    aiohttp speaks to `http://` proxies only (CONNECT for https upstreams); any
    other scheme is refused when the provider is built, rather than ignored (an
    upstream reached around the proxy) or misused (a SOCKS proxy spoken to as HTTP).
    """

    def __init__(self, environment: dict[str, str] | None = None) -> None:
        found = urllib.request.getproxies_environment() if environment is None else environment
        self._environment = found  # keeps `no` (NO_PROXY) for proxy_bypass_environment
        self._by_scheme: dict[str, tuple[yarl.URL, dict[str, str]]] = {}
        for scheme in ("http", "https"):
            value = found.get(scheme) or found.get("all")
            if not value:
                continue
            url = yarl.URL(value if "://" in value else f"http://{value}")
            if url.scheme != "http":
                raise ValueError(
                    f"{scheme.upper()}_PROXY / ALL_PROXY is {url.scheme}://: only http:// proxies are supported"
                )
            headers = {}
            if url.user is not None:  # credentials go in Proxy-Authorization, not the URL
                credentials = f"{url.user}:{url.password or ''}".encode()
                headers["Proxy-Authorization"] = "Basic " + base64.b64encode(credentials).decode("ascii")
            self._by_scheme[scheme] = (url.with_user(None), headers)

    def __bool__(self) -> bool:
        return bool(self._by_scheme)

    def for_url(self, scheme: str, host: str) -> tuple[yarl.URL, dict[str, str]] | None:
        """The proxy and its headers for a request, or None: no proxy for the scheme, or NO_PROXY exempts the host."""
        found = self._by_scheme.get(scheme)
        # proxy_bypass_environment is urllib's NO_PROXY matcher; typeshed omits it (undocumented, not private)
        bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
        if found is None or bypass(host, self._environment):
            return None
        return found


def transport_error(exc: BaseException, *, reading: bool) -> ProviderError:
    """The `ProviderError` for an aiohttp (or OS) failure; `reading` says whether the response had begun.

    Before the response, a timeout is a `connect_timeout` and anything else a
    `connection_error`. While reading the body, a timeout is a `read_timeout`, a TCP
    reset a `connection_reset`, a close in the middle of the body `connection_closed`.
    """
    if not reading:
        if isinstance(exc, TimeoutError):  # aiohttp's ConnectionTimeoutError and ServerTimeoutError too
            return ProviderError("timeout", f"connecting to the upstream timed out: {exc!r}", cause="connect_timeout")
        return ProviderError("connection", f"cannot reach upstream: {exc}", cause="connection_error")
    if isinstance(exc, TimeoutError):
        return ProviderError("timeout", f"upstream read timed out: {exc!r}", cause="read_timeout")
    if caused_by_reset(exc):
        return ProviderError("connection", f"upstream reset the connection: {exc!r}", cause="connection_reset")
    if isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientResponseError, aiohttp.ClientPayloadError)):
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


_NO_HEADERS: CIMultiDictProxy[str] = CIMultiDictProxy(CIMultiDict())


def shed_headers(response: aiohttp.ClientResponse) -> None:
    """Let go of a streaming response's headers, read by nothing once its status is known.

    A response keeps them, parsed and raw, for as long as the stream runs: ten
    headers are 4 KB per stream waiting on its first token, and providers send more.
    aiohttp offers no way to drop them, so its attributes (and the cached `headers`
    property) are replaced; if a version names them otherwise, nothing is shed and
    nothing breaks.
    """
    if isinstance(getattr(response, "_headers", None), CIMultiDictProxy):
        response._headers = _NO_HEADERS
        response._raw_headers = ()
        cache = getattr(response, "_cache", None)
        if isinstance(cache, dict):
            cache.pop("headers", None)
            cache.pop("raw_headers", None)


class Wire:
    """POSTs JSON to one upstream over a pooled aiohttp session, opened in the event loop that first uses it.

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
        base = yarl.URL(base_url.rstrip("/"), encoded=True)  # as given: gateways route and sign on the encoded path
        request_headers = dict(headers)
        if base.user is not None:  # credentials in the URL become the Authorization header, as httpx does
            credentials = f"{base.user}:{base.password or ''}".encode()
            request_headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode("ascii")
            base = base.with_user(None)
        self._base = str(base)
        # Built once: aiohttp copies a CIMultiDict's keys into each request's headers, but turns a dict
        # into a new CIMultiDict first, whose keys the request then holds (2 KB per open stream).
        self._headers = CIMultiDict(request_headers)
        self._timeout = aiohttp.ClientTimeout(
            total=None,
            connect=connect_timeout_s,  # DNS, TCP and TLS together, and the wait for a pooled connection
            sock_connect=connect_timeout_s,
            sock_read=None,
            ceil_threshold=1e9,  # never rounded up to the next second
        )
        # Read now, so a proxy aiohttp cannot use fails the relay's start, not every stream.
        # Not aiohttp's trust_env: it reads ~/.netrc and the proxy variables in a thread on every request.
        proxy = UpstreamProxy()
        self._proxy = proxy.for_url(base.scheme, base.host or "") if proxy else None
        self._session: aiohttp.ClientSession | None = None
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

    def _open_session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            connector = aiohttp.TCPConnector(
                limit=self._max_connections,
                ssl=ssl_context(),
                keepalive_timeout=KEEPALIVE_EXPIRY_S,
                socket_factory=_keepalive_socket,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                max_line_size=MAX_HEADER_BYTES,
                max_field_size=MAX_HEADER_BYTES,
            )
            self._loop = loop
        return self._session

    async def post(self, path: str, body: dict[str, Any]) -> aiohttp.ClientResponse:
        """POST `body` to `path` under the base URL: the response with a 2xx status, its body unread.

        Raises `ProviderError` for a failure to connect or send and for an HTTP error status.
        """
        session = self._open_session()
        proxy = self._proxy
        try:
            response = await session.post(
                yarl.URL(self._base + path, encoded=True),
                data=orjson.dumps(body),
                headers=self._headers,
                allow_redirects=False,
                timeout=self._timeout,
                proxy=proxy[0] if proxy else None,
                proxy_headers=proxy[1] if proxy else None,
            )
        except Exception as exc:
            raise transport_error(exc, reading=False) from exc
        if response.status >= 400:
            detail = b""
            try:
                while len(detail) < MAX_ERROR_BODY_BYTES and (
                    chunk := await response.content.read(MAX_ERROR_BODY_BYTES - len(detail))
                ):
                    detail += chunk
            except Exception:
                pass  # the status says enough; the message is only for the log
            finally:
                response.release()
            raise status_error(response.status, detail, response.headers.get("retry-after"))
        shed_headers(response)
        return response

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
