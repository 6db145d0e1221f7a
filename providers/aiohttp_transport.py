"""The SDKs' HTTP client on aiohttp: upstream responses parsed in C.

Both SDKs send through httpx, whose HTTP/1.1 parser (h11) and layered byte
streams are pure Python: reading the chunked bodies of hundreds of streams was a
third of the relay's CPU, about 40 µs per token (docs/benchmarks.md). Both SDKs
document aiohttp as their transport "for improved concurrency performance"
(`pip install openai[aiohttp]`). This is that transport, written here rather than
taken from the SDKs' private `_vendor` copies so that the relay decides how the
pool is sized (theirs caps it at 100 connections), how a connect timeout covers
DNS and TLS, and what each failure is called: a reset, a body cut short and a
timeout end a stream with different causes, where the vendored mapping calls all
of them a connect timeout. The SDK still builds, authenticates and checks every
request through httpx's API; only the wire is aiohttp's.
"""

from __future__ import annotations

import asyncio
import socket
import urllib.request
from typing import Any, AsyncIterator

import aiohttp
from aiohttp.helpers import ProxyInfo, proxies_from_env

try:  # the SDKs' own HTTP client package (httpx2 in current releases, httpx before)
    import httpx2 as sdk_http
except ImportError:  # pragma: no cover - older SDKs
    import httpx as sdk_http  # type: ignore[no-redef]

# TCP keep-alive on upstream connections, as the Anthropic SDK sets on its own transport: long
# streams through NAT gateways and load balancers must not be dropped as idle.
KEEPALIVE_OPTIONS: list[tuple[int, int, int]] = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)] + [
    (socket.IPPROTO_TCP, option, value)
    for option, value in ((getattr(socket, "TCP_KEEPIDLE", None), 60), (getattr(socket, "TCP_KEEPINTVL", None), 60), (getattr(socket, "TCP_KEEPCNT", None), 5))
    if option is not None
]

KEEPALIVE_EXPIRY_S = 30.0  # an idle pooled connection is closed after this


def _keepalive_socket(addr_info: Any) -> socket.socket:
    """aiohttp's `socket_factory`: the socket it would make, with TCP keep-alive on."""
    family, type_, proto, _, _ = addr_info
    sock = socket.socket(family=family, type=type_, proto=proto)
    for option in KEEPALIVE_OPTIONS:
        sock.setsockopt(*option)
    return sock


def http_error(exc: BaseException, *, reading: bool) -> sdk_http.TransportError:
    """The httpx exception the SDKs and `raw_stream.transport_error` understand, for an aiohttp one.

    `reading` says whether the response had begun: an OS error before it is a failed connect.
    """
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return sdk_http.ConnectTimeout(f"connecting timed out: {exc}")
    if isinstance(exc, (aiohttp.ServerTimeoutError, TimeoutError)):
        return sdk_http.ReadTimeout(f"read timed out: {exc}") if reading else sdk_http.ConnectTimeout(f"connecting timed out: {exc}")
    if isinstance(exc, (aiohttp.ClientProxyConnectionError, aiohttp.ClientHttpProxyError)):
        return sdk_http.ProxyError(str(exc))
    if isinstance(exc, aiohttp.ClientConnectorError):  # DNS, refused, TLS certificate
        return sdk_http.ConnectError(str(exc))
    if isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientResponseError)):
        return sdk_http.RemoteProtocolError(str(exc) or "server disconnected")
    if isinstance(exc, aiohttp.ClientPayloadError):
        # A body cut short: by a reset (the cause chain says so) or by a clean close mid-message.
        return sdk_http.ReadError(str(exc)) if _reset(exc) else sdk_http.RemoteProtocolError(str(exc))
    if isinstance(exc, aiohttp.InvalidURL):
        return sdk_http.UnsupportedProtocol(str(exc))
    if reading:
        return sdk_http.ReadError(str(exc) or repr(exc))
    return sdk_http.ConnectError(str(exc) or repr(exc))


def _reset(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 8:
        if isinstance(exc, ConnectionResetError) or "reset by peer" in str(exc).lower():
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


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
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise http_error(exc, reading=True) from exc

    async def aclose(self) -> None:
        # Back to the pool if the body was read to its end; aiohttp closes the connection otherwise.
        self._response.release()


class AiohttpTransport(sdk_http.AsyncBaseTransport):
    """An httpx transport over one aiohttp session, opened in the event loop that first uses it."""

    def __init__(self, *, max_connections: int = 0) -> None:
        self._max_connections = max_connections  # 0: no limit (the relay's own concurrency bounds it)
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._proxies: dict[str, ProxyInfo] = {}

    def _open_session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            connector = aiohttp.TCPConnector(
                limit=self._max_connections,
                ssl=sdk_http.create_ssl_context(),  # certifi, or SSL_CERT_FILE / SSL_CERT_DIR, as httpx trusts
                keepalive_timeout=KEEPALIVE_EXPIRY_S,
                socket_factory=_keepalive_socket,
            )
            # Not trust_env: it reads ~/.netrc and the proxy variables in a thread on every request.
            # The proxies are read here, once, as httpx reads them once per client; cookies stay
            # with httpx's jar, as they would without this transport.
            self._session = aiohttp.ClientSession(connector=connector, auto_decompress=False, cookie_jar=aiohttp.DummyCookieJar())
            self._proxies = proxies_from_env()
            self._loop = loop
        return self._session

    def _proxy_for(self, url: sdk_http.URL) -> ProxyInfo | None:
        """HTTP(S)_PROXY for this URL's scheme, unless NO_PROXY exempts its host."""
        info = self._proxies.get(url.scheme)
        if info is None or urllib.request.proxy_bypass(url.host):
            return None
        return info

    async def handle_async_request(self, request: sdk_http.Request) -> sdk_http.Response:
        session = self._open_session()
        proxy = self._proxy_for(request.url) if self._proxies else None
        timeout = request.extensions.get("timeout", {})
        try:
            data: Any = request.content or None
        except sdk_http.RequestNotRead:  # a streamed upload; aiohttp does its own framing
            data = request.stream
            request.headers.pop("transfer-encoding", None)
        try:
            response = await session.request(
                request.method,
                str(request.url),
                headers=request.headers.multi_items(),
                data=data,
                allow_redirects=False,  # httpx follows them, so the SDK sees each hop
                compress=False,
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=timeout.get("connect"),  # DNS, TCP and TLS together
                    sock_connect=timeout.get("connect"),
                    sock_read=timeout.get("read"),
                ),
                server_hostname=request.extensions.get("sni_hostname"),
                proxy=proxy.proxy if proxy else None,
                proxy_auth=proxy.proxy_auth if proxy else None,
            )
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise http_error(exc, reading=False) from exc
        extensions: dict[str, Any] = {"http_version": f"HTTP/{response.version.major}.{response.version.minor}".encode()}
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


def sdk_http_client(client_class: type[sdk_http.AsyncClient], connect_timeout_s: float) -> sdk_http.AsyncClient:
    """An SDK's default HTTP client class on `AiohttpTransport`, with no read timeout (the relay watches stalls)."""
    return client_class(transport=AiohttpTransport(), timeout=sdk_http.Timeout(None, connect=connect_timeout_s))
