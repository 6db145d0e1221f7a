"""The load tool's streaming clients: raw asyncio protocols, one connection per stream.

httpx costs tens of microseconds per chunk and a task per stream; at 2000 streams x 20
tokens/s that alone would fill a core and the client would measure itself.  So each
stream here is an :class:`asyncio.Protocol` (uvloop when available) that parses HTTP/1.1
with ``httptools`` (the C parser uvicorn uses), splits SSE events itself, and records
``time.time_ns()`` once per socket read.  Latency arithmetic happens after the phase.

Two dialects:

``openai``  the upstream's (or LiteLLM's) ``/v1/chat/completions`` SSE: ``data: {chunk}``
            with ``choices[0].delta.content``, ended by ``data: [DONE]``.
``relay``   splice-relay's SSE: ``id:``/``event:``/``data:`` frames; ``token`` events carry
            ``{"text"}``, ``done``/``error`` end the stream.

Token texts from the fake upstream's ``text=stamp`` spell each chunk's send time in two words
(:mod:`loadtest.stamps`); every stream reads them with a :class:`StampReader`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httptools
import orjson

from .stamps import StampReader

__all__ = ["Progress", "Request", "StreamResult", "new_loop", "open_stream", "openai_chat_request", "run_streams"]


def new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # pragma: no cover
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request on its own connection, read as SSE in ``dialect``."""

    host: str
    port: int
    method: str
    path: str
    body: bytes | None
    dialect: str  # "openai" | "relay"
    headers: tuple[tuple[str, str], ...] = ()

    def encode(self) -> bytes:
        lines = [
            f"{self.method} {self.path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Accept: text/event-stream",
            "Connection: close",
            "User-Agent: splice-loadtest",
        ]
        for name, value in self.headers:
            lines.append(f"{name}: {value}")
        if self.body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(self.body)}"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + (self.body or b"")


def chat_request(
    host: str, port: int, model: str, *, path: str = "/v1/chat/completions", api_key: str = "sk-loadtest"
) -> Request:
    body = orjson.dumps(
        {"model": model, "stream": True, "messages": [{"role": "user", "content": "Write the benchmark answer."}]}
    )
    return Request(host, port, "POST", path, body, "openai", (("Authorization", f"Bearer {api_key}"),))


def openai_chat_request(host: str, port: int, route: str) -> Request:
    """The relay's route through its OpenAI flavour, read like any Chat Completions stream."""
    return chat_request(host, port, route, path="/v1/chat/completions")


def relay_request(host: str, port: int, route: str) -> Request:
    body = orjson.dumps({"route": route, "messages": [{"role": "user", "content": "Write the benchmark answer."}]})
    return Request(host, port, "POST", "/v1/streams", body, "relay")


def resume_request(host: str, port: int, stream_id: str, token: str, last_event_id: int) -> Request:
    return Request(
        host,
        port,
        "GET",
        f"/v1/streams/{stream_id}/events?token={token}",
        None,
        "relay",
        (("Last-Event-ID", str(last_event_id)),),
    )


@dataclass(slots=True)
class StreamResult:
    """What one stream saw.  Times are ``time.time_ns()`` on this machine."""

    dialect: str
    t_start: int = 0  # just before connect
    t_first_byte: int = 0  # first body byte (relay: the SSE prelude)
    t_first_token: int = 0  # first non-empty token text
    t_end: int = 0
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    stamps: list[int] = field(default_factory=list)  # upstream send times, in order
    recv: list[int] = field(default_factory=list)  # receipt time of each stamp
    tokens: int = 0  # token events (relay) / content chunks (openai)
    text_chars: int = 0
    events: list[tuple[int, str, Any, int]] = field(default_factory=list)  # (t, name, data, token events before it)
    token_times: list[int] = field(default_factory=list)  # receipt time of each token event (only if keep_token_times)
    done: bool = False
    finish_reason: str | None = None
    error: str | None = None
    last_event_id: int = 0
    first_event_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.done and self.error is None and self.status == 200


class Progress:
    """Counters the protocols bump and the progress bar reads."""

    __slots__ = ("failed", "finished", "started", "tokens", "total")

    def __init__(self, total: int) -> None:
        self.total = total
        self.started = self.finished = self.failed = self.tokens = 0


class SSEProtocol(asyncio.Protocol):
    """One request, one connection; the response body is read as SSE."""

    def __init__(
        self,
        request: Request,
        result: StreamResult,
        finished: asyncio.Future[None],
        progress: Progress | None,
        keep_text: bool,
        keep_token_times: bool,
        on_event: Callable[[StreamResult, str, int], None] | None,
    ) -> None:
        self.request = request
        self.result = result
        self.finished = finished
        self.progress = progress
        self.keep_text = keep_text
        self.keep_token_times = keep_token_times
        self.on_event = on_event
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.stamps = StampReader(result.stamps, result.recv)
        self.now = 0
        self.text_parts: list[str] = []
        self._header: bytes = b""
        self.relay = request.dialect == "relay"

    # -- asyncio.Protocol --------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(self.request.encode())  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        self.now = time.time_ns()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._end(f"http parse error: {exc}")

    def eof_received(self) -> bool | None:
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.finished.done():
            if not self.result.done and self.result.error is None:
                self.result.error = (
                    f"connection lost before the end: {exc!r}" if exc else "connection closed before the end"
                )
            self._end(None)

    # -- httptools callbacks -----------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        self.result.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self.result.status = self.parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        result = self.result
        if not result.t_first_byte:
            result.t_first_byte = self.now
        if result.status != 200:
            self.buffer += body
            return
        buffer = self.buffer + body if self.buffer else body
        start = 0
        while True:
            end = buffer.find(b"\n\n", start)
            if end < 0:
                break
            self._event(buffer[start:end])
            start = end + 2
        self.buffer = buffer[start:]

    def on_message_complete(self) -> None:
        result = self.result
        if result.status != 200 and result.status != 204:
            result.error = f"HTTP {result.status}: {self.buffer[:200].decode('utf-8', 'replace')}"
        elif result.status == 204:
            result.done = True
        elif not result.done and result.error is None:
            result.error = "response ended without a terminal event"
        self._end(None)

    # -- SSE ---------------------------------------------------------------

    def _event(self, block: bytes) -> None:
        if self.relay:
            self._relay_event(block)
        else:
            self._openai_event(block)

    def _openai_event(self, block: bytes) -> None:
        result = self.result
        for line in block.split(b"\n"):
            if not line.startswith(b"data:"):
                continue
            payload = line[5:].strip()
            if payload == b"[DONE]":
                result.done = True
                self._end(None)
                return
            try:
                data = orjson.loads(payload)
            except orjson.JSONDecodeError:
                result.error = f"malformed chunk {payload[:80]!r}"
                self._end(None)
                return
            if "error" in data and not data.get("choices"):
                result.error = f"error chunk: {str(data['error'])[:200]}"
                self._end(None)
                return
            choices = data.get("choices")
            if not choices:
                continue
            choice = choices[0]
            if choice.get("finish_reason"):
                result.finish_reason = choice["finish_reason"]
            delta = choice.get("delta") or {}
            text = delta.get("content")
            if text:
                self._token(text)

    def _relay_event(self, block: bytes) -> None:
        result = self.result
        name = b"message"
        data = b""
        event_id = None
        for line in block.split(b"\n"):
            if line.startswith(b"data:"):
                data = line[5:].lstrip(b" ")
            elif line.startswith(b"event:"):
                name = line[6:].strip()
            elif line.startswith(b"id:"):
                event_id = line[3:].strip()
        if event_id is not None and event_id.isdigit():
            result.last_event_id = int(event_id)
            if result.first_event_id is None:
                result.first_event_id = result.last_event_id
                if self.on_event is not None:
                    self.on_event(result, "first_event", self.now)
        if name == b"token":
            self._token(orjson.loads(data)["text"])
        elif not data:
            return  # a comment block (prelude, ping)
        elif name == b"done":
            result.done = True
            result.finish_reason = orjson.loads(data).get("finish_reason")
            result.events.append((self.now, "done", None, result.tokens))
            self._end(None)
        elif name == b"error":
            payload = orjson.loads(data)
            result.error = f"error event: {payload.get('code')}: {payload.get('message', '')[:160]}"
            result.events.append((self.now, "error", payload, result.tokens))
            self._end(None)
        else:
            result.events.append((self.now, name.decode(), orjson.loads(data), result.tokens))

    def _token(self, text: str) -> None:
        result = self.result
        now = self.now
        if not result.t_first_token:
            result.t_first_token = now
        result.tokens += 1
        result.text_chars += len(text)
        if self.keep_token_times:
            result.token_times.append(now)
        if self.keep_text:
            self.text_parts.append(text)
        if self.progress is not None:
            self.progress.tokens += 1
        self.stamps.feed(text, now)

    def _end(self, error: str | None) -> None:
        result = self.result
        if error is not None and result.error is None:
            result.error = error
        if not result.t_end:
            result.t_end = self.now or time.time_ns()
        if self.transport is not None:
            self.transport.close()
        if not self.finished.done():
            if self.progress is not None:
                if result.ok:
                    self.progress.finished += 1
                else:
                    self.progress.failed += 1
            self.finished.set_result(None)

    @property
    def text(self) -> str:
        return "".join(self.text_parts)


async def open_stream(
    request: Request,
    *,
    progress: Progress | None = None,
    timeout_s: float = 60.0,
    keep_text: bool = False,
    keep_token_times: bool = False,
    on_event: Callable[[StreamResult, str, int], None] | None = None,
    result: StreamResult | None = None,
) -> tuple[StreamResult, str]:
    """Run one request to its end (or ``timeout_s``); returns what it saw and its text if kept.

    ``result``: a StreamResult to fill (so a caller can look at it while the stream runs).
    """
    loop = asyncio.get_running_loop()
    result = result if result is not None else StreamResult(request.dialect)
    finished: asyncio.Future[None] = loop.create_future()
    protocol = SSEProtocol(request, result, finished, progress, keep_text, keep_token_times, on_event)
    result.t_start = time.time_ns()
    if progress is not None:
        progress.started += 1
    try:
        await asyncio.wait_for(
            loop.create_connection(lambda: protocol, request.host, request.port), timeout=min(timeout_s, 30)
        )
    except (TimeoutError, OSError) as exc:
        result.error = f"connect failed: {exc!r}"
        result.t_end = time.time_ns()
        if progress is not None:
            progress.failed += 1
        return result, ""
    try:
        await asyncio.wait_for(
            asyncio.shield(finished), timeout=max(0.0, timeout_s - (time.time_ns() - result.t_start) / 1e9)
        )
    except TimeoutError:
        protocol._end(f"timed out after {timeout_s:g} s")
    return result, protocol.text


async def run_streams(
    requests: list[Request],
    *,
    ramp_s: float,
    timeout_s: float,
    progress: Progress | None = None,
    keep_text: bool = False,
) -> list[StreamResult]:
    """Start ``requests`` spread evenly over ``ramp_s`` seconds; wait for all (each bounded by ``timeout_s``)."""
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    n = len(requests)

    async def one(index: int, request: Request) -> StreamResult:
        delay = t0 + (ramp_s * index / n if n else 0) - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        result, _ = await open_stream(request, progress=progress, timeout_s=timeout_s, keep_text=keep_text)
        return result

    return list(await asyncio.gather(*(one(i, r) for i, r in enumerate(requests))))


# -- statistics ----------------------------------------------------------------


def percentiles(values: list[float], qs: tuple[float, ...] = (50, 95, 99)) -> dict[str, float | None]:
    """Nearest-rank percentiles, plus max and count; ``None`` for an empty list."""
    out: dict[str, float | None] = {}
    ordered = sorted(values)
    n = len(ordered)
    for q in qs:
        out[f"p{q:g}"] = ordered[min(n - 1, max(0, round(q / 100 * n + 0.5) - 1))] if n else None
    out["max"] = ordered[-1] if n else None
    out["n"] = n
    return out


Window = tuple[int, int] | None  # only stamps sent in [start, end) ns, when given


def latencies_ms(results: list[StreamResult], window: Window = None) -> list[float]:
    """recv - sent for every stamp (sent within ``window``), in ms."""
    out: list[float] = []
    for result in results:
        if window is None:
            out.extend((r - s) / 1e6 for s, r in zip(result.stamps, result.recv))
        else:
            lo, hi = window
            out.extend((r - s) / 1e6 for s, r in zip(result.stamps, result.recv) if lo <= s < hi)
    return out


def own_latencies_ms(results: list[StreamResult], window: Window = None) -> list[float]:
    """Receipt minus the send time of the chunk that let the text out.

    The relay's hold-back keeps the trailing word until the whitespace after it arrives, so
    stamp ``k`` leaves the relay when chunk ``k+1`` (which starts with a space) comes in.  When
    chunk ``k+1`` was sent before stamp ``k`` was received, it is taken as the release and the
    latency is measured from its send time; otherwise (no hold-back) from chunk ``k``'s own.
    The last stamp of a stream (released by the finish chunk, whose send time is unknown) is
    left out.
    """
    out: list[float] = []
    for result in results:
        stamps, recv = result.stamps, result.recv
        for k in range(len(stamps) - 1):
            if window is not None and not window[0] <= stamps[k] < window[1]:
                continue
            release = stamps[k + 1] if stamps[k + 1] <= recv[k] else stamps[k]
            out.append((recv[k] - release) / 1e6)
    return out


def ttft_ms(results: list[StreamResult]) -> list[float]:
    return [(r.t_first_token - r.t_start) / 1e6 for r in results if r.t_first_token]
