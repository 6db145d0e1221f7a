"""The SDKs' HTTP client on aiohttp: upstream responses parsed in C.

Both SDKs send through httpx, whose HTTP/1.1 parser (h11) and layered byte
streams are pure Python: reading the chunked bodies of hundreds of streams was a
third of the relay's CPU, about 40 µs per token (docs/benchmarks.md). Both SDKs
document aiohttp as their transport "for improved concurrency performance"
(`pip install openai[aiohttp]`). This is that transport, written here rather than
taken from the SDKs' private `_vendor` copies so that the relay decides how the
pool is sized (theirs caps it at 100 connections; see `DEFAULT_MAX_CONNECTIONS`), how
a connect timeout covers DNS and TLS, and what each failure is called: a reset, a body
cut short and a timeout end a stream with different causes, where the vendored mapping
calls a dropped connection a connect timeout. The SDK still builds, authenticates and checks every
request through httpx's API; only the wire is aiohttp's.
"""

from __future__ import annotations

import asyncio
import base64
import socket
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import yarl

from .errors import caused_by_reset

try:  # the SDKs' own HTTP client package (httpx2 in current releases, httpx before)
    import httpx2 as sdk_http
except ImportError:  # pragma: no cover - older SDKs
    import httpx as sdk_http  # type: ignore[no-redef]

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

# The response extension (httpx's way for a transport to expose more of a response) that holds
# aiohttp's own response, so `body_reader` can reach it past httpx's stream wrappers.
AIOHTTP_RESPONSE = "splice_relay.aiohttp_response"

KEEPALIVE_EXPIRY_S = 30.0  # an idle pooled connection is closed after this
# Upstream connections per provider (a running stream holds one: HTTP/1.1 carries one at a time).
# Above the streams one process carries (about 850, docs/benchmarks.md), so at normal load it
# never binds; when it does, new attempts wait for a free connection within the connect timeout
# and fail over past it, rather than open sockets without end.
DEFAULT_MAX_CONNECTIONS = 1000
MAX_HEADER_BYTES = 65536  # per response header line, as h11 allows (aiohttp's default is 8190)


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
        if found is None or urllib.request.proxy_bypass_environment(host, self._environment):
            return None
        return found


def http_error(exc: BaseException, *, reading: bool) -> sdk_http.TransportError:
    """The httpx exception the SDKs and `raw_stream.transport_error` understand, for an aiohttp one.

    `reading` says whether the response had begun. Only a failure to connect is
    called a connect error: once the request may have been sent, a retry of the
    POST would not be safe, and the names say so.
    """
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return sdk_http.ConnectTimeout(f"connecting timed out: {exc}")
    if isinstance(exc, aiohttp.SocketTimeoutError):
        return sdk_http.ReadTimeout(f"read timed out: {exc}")
    if isinstance(exc, (aiohttp.ServerTimeoutError, TimeoutError)):
        return (
            sdk_http.ReadTimeout(f"read timed out: {exc}")
            if reading
            else sdk_http.ConnectTimeout(f"connecting timed out: {exc}")
        )
    if isinstance(exc, (aiohttp.ClientProxyConnectionError, aiohttp.ClientHttpProxyError)):
        return sdk_http.ProxyError(str(exc))
    if isinstance(exc, aiohttp.ClientConnectorError):  # DNS, refused, TLS certificate
        return sdk_http.ConnectError(str(exc))
    if isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientResponseError)):
        return sdk_http.RemoteProtocolError(str(exc) or "server disconnected")
    if isinstance(exc, aiohttp.ClientPayloadError):
        # A body cut short: by a reset (aiohttp names it in the message) or by a clean close mid-message.
        return sdk_http.ReadError(str(exc)) if caused_by_reset(exc) else sdk_http.RemoteProtocolError(str(exc))
    if isinstance(exc, (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError)):
        return sdk_http.UnsupportedProtocol(str(exc))
    if isinstance(exc, OSError):  # aiohttp's ClientOSError too, after connecting: the request may have gone out
        return sdk_http.ReadError(str(exc) or repr(exc))
    if reading:
        return sdk_http.ReadError(str(exc) or repr(exc))
    return sdk_http.ConnectError(str(exc) or repr(exc))


class AiohttpResponseStream(sdk_http.AsyncByteStream):
    """A response body as httpx reads it: every chunk aiohttp has, as soon as it has it."""

    __slots__ = ("_response",)

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        content = self._response.content
        try:
            while chunk := await content.readany():
                yield chunk
        except Exception as exc:  # nothing of aiohttp's may reach the SDK unnamed
            raise http_error(exc, reading=True) from exc

    async def aclose(self) -> None:
        # Back to the pool if the body was read to its end; aiohttp closes the connection otherwise.
        self._response.release()


def body_reader(response: sdk_http.Response) -> Callable[[], Awaitable[bytes]] | None:
    """aiohttp's own `readany` for a response of this transport: every chunk it has, `b""` at the end.

    A streamed body read through httpx passes each chunk up four async iterators
    (`aiter_bytes`, its decoder, `aiter_raw`, the transport stream); at hundreds of
    streams those layers and their suspensions were a tenth of the relay's CPU per
    token (docs/benchmarks.md). None when httpx must read it: another transport,
    or a compressed body that httpx decodes. Failures are aiohttp's: see `read_error`.
    """
    body: aiohttp.ClientResponse | None = response.extensions.get(AIOHTTP_RESPONSE)
    if body is None or response.headers.get("content-encoding", "identity") != "identity":
        return None
    return body.content.readany


def read_error(exc: Exception) -> Exception:
    """The httpx exception for a failure of `body_reader`'s read (already one when httpx read the body)."""
    return exc if isinstance(exc, sdk_http.HTTPError) else http_error(exc, reading=True)


class AiohttpTransport(sdk_http.AsyncBaseTransport):
    """An httpx transport over one aiohttp session, opened in the event loop that first uses it.

    At most `max_connections` of its connections are in use at once. A request that finds them
    all busy waits for one to be free; the wait counts against the request's connect timeout,
    so past it the attempt fails as `connect_timeout` and the relay tries the next target.
    """

    def __init__(self, *, max_connections: int = DEFAULT_MAX_CONNECTIONS) -> None:
        if max_connections < 1:
            raise ValueError(f"max_connections must be at least 1, got {max_connections}")
        self._max_connections = max_connections
        # Read now, so a proxy aiohttp cannot use fails the relay's start, not every stream.
        # Not aiohttp's trust_env: it reads ~/.netrc and the proxy variables in a thread on every request.
        self._proxy = UpstreamProxy()
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _open_session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            connector = aiohttp.TCPConnector(
                limit=self._max_connections,
                ssl=sdk_http.create_ssl_context(),  # certifi, or SSL_CERT_FILE / SSL_CERT_DIR, as httpx trusts
                keepalive_timeout=KEEPALIVE_EXPIRY_S,
                socket_factory=_keepalive_socket,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,  # httpx decodes, as it would on its own transport
                cookie_jar=aiohttp.DummyCookieJar(),  # cookies stay in httpx's jar
                max_line_size=MAX_HEADER_BYTES,
                max_field_size=MAX_HEADER_BYTES,
            )
            self._loop = loop
        return self._session

    async def handle_async_request(self, request: sdk_http.Request) -> sdk_http.Response:
        session = self._open_session()
        # As httpx encoded it (encoded=True: aiohttp must not re-quote or normalise the path),
        # without credentials: httpx already turned any into an Authorization header.
        url = yarl.URL(str(request.url), encoded=True).with_user(None)
        proxy = self._proxy.for_url(url.scheme, url.host or "") if self._proxy else None
        timeout = request.extensions.get("timeout", {})
        try:
            data: Any = request.content or None
        except sdk_http.RequestNotRead:  # a streamed upload; aiohttp does its own framing
            data = request.stream
            request.headers.pop("transfer-encoding", None)
        try:
            response = await session.request(
                request.method,
                url,
                headers=request.headers.multi_items(),
                data=data,
                allow_redirects=False,  # httpx follows them, so the SDK sees each hop
                compress=False,
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=timeout.get("connect"),  # DNS, TCP and TLS together
                    sock_connect=timeout.get("connect"),
                    sock_read=timeout.get("read"),
                    ceil_threshold=1e9,  # never rounded up to the next second
                ),
                server_hostname=request.extensions.get("sni_hostname"),
                proxy=proxy[0] if proxy else None,
                proxy_headers=proxy[1] if proxy else None,
            )
        except Exception as exc:  # nothing of aiohttp's may reach the SDK unnamed
            raise http_error(exc, reading=False) from exc
        extensions: dict[str, Any] = {
            "http_version": f"HTTP/{response.version.major}.{response.version.minor}".encode(),
            AIOHTTP_RESPONSE: response,
        }
        if response.reason:
            extensions["reason_phrase"] = response.reason.encode("latin-1", "replace")
        return sdk_http.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=AiohttpResponseStream(response),
            request=request,
            extensions=extensions,
        )

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


def sdk_http_client(
    client_class: type[sdk_http.AsyncClient], connect_timeout_s: float, max_connections: int = DEFAULT_MAX_CONNECTIONS
) -> sdk_http.AsyncClient:
    """An SDK's default HTTP client class on `AiohttpTransport`, with no read timeout (the relay watches stalls)."""
    transport = AiohttpTransport(max_connections=max_connections)
    return client_class(transport=transport, timeout=sdk_http.Timeout(None, connect=connect_timeout_s))
