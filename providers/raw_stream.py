"""Reading an SDK's raw streaming response, shared by the OpenAI and Anthropic adapters.

The SDKs build a typed pydantic object for every chunk, which costs more than
the rest of the relay's per-token work together (see loadtest/bench_parse.py).
So the adapters let the SDK handle auth, base URLs, headers and HTTP errors,
then read the raw response's `data:` lines and parse each once with orjson.
"""

from __future__ import annotations

import asyncio
from types import ModuleType
from typing import Any, AsyncIterator, Callable

import orjson

from .base import Usage
from .errors import ProviderError, caused_by_reset, kind_for_status

try:  # the SDKs' own HTTP client package (httpx2 in current releases, httpx before)
    import httpx2 as sdk_http
except ImportError:  # pragma: no cover - older SDKs
    import httpx as sdk_http  # type: ignore[no-redef]


DRAIN_TIMEOUT_S = 0.25  # how long to wait for the body's end after the stream's terminator


def transport_error(exc: BaseException) -> ProviderError:
    """Translate an exception raised while reading the body into the taxonomy."""
    if isinstance(exc, sdk_http.TimeoutException):
        return ProviderError("timeout", f"upstream read timed out: {exc!r}", cause="read_timeout")
    if caused_by_reset(exc):
        return ProviderError("connection", f"upstream reset the connection: {exc!r}", cause="connection_reset")
    if isinstance(exc, sdk_http.RemoteProtocolError):
        return ProviderError("connection", f"upstream closed the stream: {exc}", cause="connection_closed")
    return ProviderError("connection", f"upstream connection failed: {exc!r}", cause="connection_error")


class RawStream:
    """An open upstream response; subclasses turn each decoded `data:` payload into text."""

    __slots__ = ("_context", "_response", "finish_reason", "usage", "_terminated", "_closed")

    def __init__(self, context: Any, response: Any) -> None:
        self._context = context  # the SDK's response context manager, exited on close
        self._response = response  # the underlying HTTP response
        self.finish_reason: str | None = None
        self.usage: Usage | None = None
        self._terminated = False
        self._closed = False

    @property
    def terminated(self) -> bool:
        return self._terminated

    def __aiter__(self) -> AsyncIterator[str]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[str]:
        try:
            payloads = self._data_payloads()
            async for payload in payloads:
                if payload == b"[DONE]":
                    self._terminated = True
                    break
                try:
                    data = orjson.loads(payload)
                except orjson.JSONDecodeError:
                    raise ProviderError(
                        "protocol", f"malformed chunk from upstream: {payload[:80]!r}", cause="malformed_chunk"
                    ) from None
                text = self._handle(data)
                if text:
                    yield text
                if self._terminated:
                    break
            if self._terminated:
                await self._drain(payloads)
        except ProviderError:
            raise
        except (sdk_http.HTTPError, OSError) as exc:
            raise transport_error(exc) from exc
        finally:
            await self.aclose()
        self._check_complete()

    async def _data_payloads(self) -> AsyncIterator[bytes]:
        """The payload of every `data:` line, as bytes (orjson parses bytes; nothing is decoded twice).

        Lines are split on LF (with any CR stripped), which is how every provider frames SSE;
        `event:` lines, comments and blank separators are skipped.
        """
        pending = b""
        async for chunk in self._response.aiter_bytes():
            if pending:
                chunk = pending + chunk
            lines = chunk.split(b"\n")
            pending = lines.pop()
            for line in lines:
                if line.startswith(b"data:"):
                    yield line[5:].strip()
        if pending.startswith(b"data:"):
            yield pending[5:].strip()

    @staticmethod
    async def _drain(payloads: AsyncIterator[bytes]) -> None:
        """Read the body's end after the terminator, so the connection goes back to the pool.

        Closing a response with unread bytes closes its connection, and the next
        stream would pay a new TCP (and TLS) handshake. The end normally follows
        the terminator at once; a server that holds it back is not waited for.
        """
        try:
            async with asyncio.timeout(DRAIN_TIMEOUT_S):
                async for _ in payloads:
                    pass
        except (TimeoutError, sdk_http.HTTPError, OSError):
            pass  # the connection is closed instead of reused; the answer is complete either way

    def _handle(self, data: dict[str, Any]) -> str | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _check_complete(self) -> None:
        if not self._terminated:
            raise ProviderError("protocol", "upstream stream ended without its terminator", cause="missing_terminator")
        if self.finish_reason is None:
            raise ProviderError("protocol", "upstream stream ended without a finish reason", cause="missing_finish_reason")

    async def aclose(self) -> None:
        """Close the upstream connection; anything it still sends is never read."""
        if self._closed:
            return
        self._closed = True
        try:
            await self._context.__aexit__(None, None, None)
        except Exception:  # closing a broken connection must not mask the real error
            pass


def sdk_error(exc: BaseException, sdk: ModuleType) -> ProviderError | None:
    """Translate the errors both SDKs raise before the first byte (same class names in each)."""
    if isinstance(exc, sdk.APIStatusError):
        return ProviderError(kind_for_status(exc.status_code), exc.message, status=exc.status_code)
    if isinstance(exc, sdk.APITimeoutError):
        return ProviderError("timeout", "upstream request timed out", cause="connect_timeout")
    if isinstance(exc, sdk.APIConnectionError):
        return ProviderError("connection", f"cannot reach upstream: {exc.__cause__ or exc}", cause="connection_error")
    return None


def verbatim(params: dict[str, Any], fields: tuple[str, ...], *, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """Send `fields` of the request body as they are, through the SDK's `extra_body`.

    The SDKs walk every typed parameter through a TypedDict transform meant for
    typed Python callers; on the plain JSON a relay forwards it changes nothing
    but costs about half a millisecond per request, growing with the conversation
    (docs/benchmarks.md). `extra_body` is the SDKs' documented way to send JSON
    as is. A `required` argument of the SDK method is passed as an empty list,
    which the body's own value then replaces; keys the caller put in
    `extra_body` still win, as they would without this.
    """
    moved = {name: params.pop(name) for name in fields if name in params}
    extra = params.pop("extra_body", None) or {}
    return {**params, **{name: [] for name in required}, "extra_body": {**moved, **extra}}


async def open_raw(make_context: Callable[[], Any], sdk: ModuleType) -> tuple[Any, Any]:
    """Enter an SDK `with_streaming_response` call; HTTP errors become ProviderErrors."""
    context = make_context()
    try:
        api_response = await context.__aenter__()
    except Exception as exc:
        error = sdk_error(exc, sdk)
        if error is None:
            raise
        raise error from exc
    return context, api_response.http_response
