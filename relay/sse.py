"""The SSE response: a cursor over a stream's log, sent as it grows.

Frames are encoded once per event by sse-starlette's `ServerSentEvent`
(relay/events.py) and shared by every reader. The response that sends them is
our own, not sse-starlette's `EventSourceResponse`: that one runs a task group
of four tasks per response and wraps every send in an anyio cancel scope, a cost
in CPU and memory that grows with every open stream (docs/benchmarks.md). Here a
response is the request's own task sending batches of frames, the server's
`receive()` driven by hand to hear the client leave, and a deadline in the
process's timer wheel (relay/timers.py) for keep-alive pings on a quiet connection.

A response that follows a stream generated here, once it has caught up, is fed
by the generation itself: each append calls `deliver`, which sends the new
frames then and there, so a token costs no task switch and no wake-up per
reader. ASGI's `send` is a coroutine, but for a client that keeps up it never
suspends (the server writes to the socket and returns); `deliver` drives it one
step by hand, and in the rare case that it does suspend (the client's socket
buffer is full) the response's own task awaits the rest of it and catches up
from the log before it is fed again.

A reader that is behind is sent the log in pieces of bounded size, so a client
that stops reading pins at most one piece (and what the server buffered of the
one before), not a copy of the stream. A send that stays suspended for
`write_timeout_s` (the client took nothing for that long) disconnects the client:
it resumes later with `Last-Event-ID` and loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Generator, Iterable, Mapping
from typing import Any, cast

from starlette.types import Message, Receive, Scope, Send

from . import events
from .log import MAX_PIECE_BYTES, LiveStream, StreamView
from .timers import wheel

logger = logging.getLogger("splice_relay.sse")

FINAL_SEND_TIMEOUT_S = 1.0  # how long an ended response waits to flush its last bytes
# scope[ABORT_KEY]: a callable that drops the client's connection (set by the app, not an ASGI extension)
ABORT_KEY = "splice_relay.abort"

SSE_HEADERS = {
    # no-transform: proxies must not compress or rewrite the stream.
    "Cache-Control": "no-cache, no-transform",
    "X-Accel-Buffering": "no",
}


class _Rest:
    """The rest of a coroutine that was started by hand and suspended on `waiting_on`, to await in a task.

    What `await` does with a coroutine, resumed in the middle: the task waits for
    what the coroutine was waiting for, then sends and throws into it until it returns.
    """

    __slots__ = ("_coroutine", "_waiting_on")

    def __init__(self, coroutine: Coroutine[Any, Any, Any], waiting_on: Any) -> None:
        self._coroutine = coroutine
        self._waiting_on = waiting_on

    def close(self) -> None:
        self._coroutine.close()

    def __await__(self) -> Generator[Any, Any, Any]:
        coroutine, waiting_on = self._coroutine, self._waiting_on
        while True:
            try:
                sent = yield waiting_on
            except GeneratorExit:
                coroutine.close()
                raise
            except BaseException as exc:
                try:
                    waiting_on = coroutine.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    waiting_on = coroutine.send(sent)
                except StopIteration as stop:
                    return stop.value


_StartSend = Callable[[Message], Coroutine[Any, Any, None]]


async def _awaited(awaitable: Awaitable[Message]) -> Message:
    return await awaitable


async def _not_started(message: Message) -> None:
    raise RuntimeError("the response has not started")


class SlowReader(Exception):
    """A send to the client stayed suspended for the write timeout: its socket took nothing."""


class OpenResponses:
    """The SSE responses open on this instance, so a shutdown can end them at once, and how many read each stream.

    Ended responses send nothing more; their clients reconnect with
    `Last-Event-ID`, to another instance when the store is shared.
    """

    def __init__(self) -> None:
        self._open: set[SSEResponse] = set()
        self._readers: dict[str, int] = {}  # stream id -> open responses on it
        self.draining = False

    def add(self, response: SSEResponse) -> None:
        if response in self._open:
            return
        self._open.add(response)
        if response.stream_id is not None:
            self._readers[response.stream_id] = self._readers.get(response.stream_id, 0) + 1

    def discard(self, response: SSEResponse) -> None:
        if response not in self._open:
            return
        self._open.discard(response)
        stream_id = response.stream_id
        if stream_id is not None:
            left = self._readers[stream_id] - 1
            if left:
                self._readers[stream_id] = left
            else:
                del self._readers[stream_id]

    def __len__(self) -> int:
        """How many SSE responses are open on this instance (the readers metric)."""
        return len(self._open)

    def readers(self, stream_id: str) -> int:
        """How many SSE responses are open on this instance for the stream (the app caps it)."""
        return self._readers.get(stream_id, 0)

    def drain(self) -> None:
        self.draining = True
        for response in list(self._open):
            response.end()


class SSEResponse:
    """An ASGI response: `head`, then the frames (encoded SSE bytes) until they end or the client leaves.

    `frames` is either an iterator of them, or a stream generated here to follow
    from event id `after`, fed directly by its generation once caught up. `head`
    is bytes, or pieces of bytes sent one after the other (a large `reset`).
    With `write_timeout_s`, a client whose socket takes nothing for that long is
    disconnected. With `transcode`, every body of native frames is passed through it
    before it is sent (another wire format, relay/flavours/), on the fed path too; `ping`
    replaces the keep-alive comment.
    """

    __slots__ = (
        "stream_id",
        "_head",
        "_frames",
        "_headers",
        "_ping_s",
        "_registry",
        "_write_timeout_s",
        "_task",
        "_streaming",
        "_ended",
        "_slow",
        "_abort",
        "_last_send",
        "_receiving",
        "_receive",
        "timer_slot",
        "_ping_task",
        "_send",
        "_loop",
        "_position",
        "_fed",
        "_woken",
        "_rest",
        "_failure",
        "_transcode",
        "_ping_frame",
    )

    def __init__(
        self,
        head: bytes | Iterable[bytes],
        frames: AsyncIterator[bytes] | LiveStream,
        *,
        headers: Mapping[str, str],
        ping_s: float,
        registry: OpenResponses | None = None,
        after: int = 0,
        stream_id: str | None = None,
        write_timeout_s: float | None = None,
        transcode: Callable[[bytes], bytes] | None = None,
        ping: bytes | None = None,
    ) -> None:
        self.stream_id = stream_id  # what `OpenResponses.readers` counts this response under
        self._head = head  # sent with the response headers, so they flush at once
        self._frames = frames
        self._headers: Mapping[str, str] | None = headers  # the caller's, after SSE_HEADERS; let go once sent
        self._ping_s = ping_s
        self._registry = registry
        self._write_timeout_s = write_timeout_s
        self._slow = False  # set when a send outlived the write timeout: the client is disconnected
        self._abort: Any = None  # the server's way to drop the connection, when it offers one
        self._task: asyncio.Task[object] | None = None
        self._streaming = False
        self._ended = False  # set when the client left or the server ends the response
        self._last_send = 0.0
        self._receiving: Coroutine[Any, Any, Message] | None = None  # receive(), driven by hand
        self._receive: Receive | None = None
        self.timer_slot: int | None = None  # the next ping's place in the process's deadlines (relay/timers.py)
        self._ping_task: asyncio.Task[None] | None = None
        self._send: _StartSend = _not_started  # ASGI's send, once the response has started
        # following a LiveStream: the frames sent so far, whether the generation feeds us, and what wakes our task
        self._loop: asyncio.AbstractEventLoop | None = None
        self._position = after
        self._fed = False
        self._woken: asyncio.Future[None] | None = None
        self._rest: _Rest | None = None  # a fed send that suspended, for our task to finish
        self._failure: Exception | None = None  # a fed send that raised, for our task to raise
        # another wire format (relay/flavours/): native frames in, its bytes out (b"": nothing to send)
        self._transcode = transcode
        self._ping_frame = ping  # the keep-alive to send instead of `events.encode_ping()`

    def _raw_headers(self, scope: Scope) -> list[tuple[bytes, bytes]]:
        headers = [(b"content-type", b"text/event-stream; charset=utf-8")]
        given, self._headers = self._headers or {}, None
        for name, value in {**SSE_HEADERS, **given}.items():
            headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))
        if not scope.get("http_version", "1.1").startswith("2"):  # HTTP/2 forbids connection-specific headers
            headers.append((b"connection", b"keep-alive"))
        return headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        registry = self._registry
        if registry is not None:
            registry.add(self)  # before any await: the app's count of a stream's readers includes this one at once
        try:  # the whole response in this one coroutine: an idle reader holds no second frame
            await send({"type": "http.response.start", "status": 200, "headers": self._raw_headers(scope)})
            if scope.get("method") == "HEAD" or (self._registry is not None and self._registry.draining):
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                await self._close_frames()
                return
            loop = self._loop = asyncio.get_running_loop()
            self._task = asyncio.current_task()
            self._send = cast(_StartSend, send)  # a coroutine function: servers' sends are `async def`
            self._abort = scope.get(ABORT_KEY)
            self._streaming = True
            self._last_send = loop.time()
            self._watch(receive)
            if self._ping_s > 0:
                wheel().set(self, loop.time() + self._ping_s)
            try:
                await self._send_head()
                if isinstance(self._frames, LiveStream):
                    await self._follow(self._frames, loop)
                else:
                    transcode = self._transcode
                    async for body in self._frames:
                        if self._ended:  # a cancel the frames' source swallowed (seen inside redis-py's XREAD)
                            break
                        if transcode is not None and not (body := transcode(body)):
                            continue
                        self._last_send = loop.time()
                        await self._send_body(body)
            except asyncio.CancelledError:
                task = self._task
                if not self._ended or (task is not None and task.uncancel() > 0):
                    raise  # cancelled from outside (server shutdown), not by our own end()
            except SlowReader:
                self._slow = True
            finally:
                self._close()
                await self._close_frames()
            final: Message = {"type": "http.response.body", "body": b"", "more_body": False}
            if not self._slow and not self._ended:  # the frames ended, or the stream was abandoned here
                try:
                    await self._send_in_time(final)
                    return
                except SlowReader:
                    self._slow = True
            if self._slow:
                await self._disconnect()
                return
            # Ends the chunked body when the server ends the response (a no-op once the client left);
            # a client that stopped reading does not hold a shutdown up for long.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(FINAL_SEND_TIMEOUT_S):
                    await send(final)
        finally:
            if registry is not None:
                registry.discard(self)

    async def _send_head(self) -> None:
        """The head, its pieces gathered into sends of about `MAX_PIECE_BYTES`; a large reset is not kept once sent."""
        head, self._head = self._head, b""
        if isinstance(head, bytes):
            await self._send_body(head)
            return
        gathered = b""
        for piece in head:
            if gathered and len(gathered) + len(piece) > MAX_PIECE_BYTES:
                await self._send_body(gathered)
                gathered = b""
            gathered += piece
        await self._send_body(gathered)

    async def _disconnect(self) -> None:
        """Leave the body unfinished, so the server closes the connection; the client resumes with `Last-Event-ID`."""
        logger.info("stream %s: a reader took nothing for %s s, disconnected", self.stream_id, self._write_timeout_s)
        if self._abort is not None:
            self._abort()  # at once, with what the server still buffers for it
            await asyncio.sleep(0)  # the server sees the connection lost before the response returns

    # -- sending ------------------------------------------------------------------

    async def _send_body(self, body: bytes) -> None:
        await self._send_in_time({"type": "http.response.body", "body": body, "more_body": True})

    async def _send_in_time(self, message: Message) -> None:
        """Send `message`; a send that stays suspended for the write timeout raises SlowReader.

        The send is started by hand: one that does not suspend (a client that keeps
        up) costs no timer.
        """
        sending = self._send(message)
        try:
            waiting_on = sending.send(None)
        except StopIteration:
            return
        await self._finish_send(_Rest(sending, waiting_on))

    async def _finish_send(self, rest: _Rest) -> None:
        """Await the rest of a send that suspended on the client's full socket, for at most the write timeout."""
        if self._write_timeout_s is None:
            await rest
            return
        try:
            async with asyncio.timeout(self._write_timeout_s):
                await rest
        except TimeoutError:
            raise SlowReader from None

    async def _close_frames(self) -> None:
        if not isinstance(self._frames, LiveStream):
            await self._frames.aclose()  # type: ignore[attr-defined]

    # -- following a stream generated here --------------------------------------

    async def _follow(self, stream: LiveStream, loop: asyncio.AbstractEventLoop) -> None:
        """Catch up from the log in this task, a piece at a time; once caught up, let the generation feed us.

        Until the stream ends, or is abandoned here (then the body ends without a terminal event).
        """
        while True:
            if stream.abandoned:
                return
            position, end = self._position, stream.last_event_id
            if end > position:
                body, self._position = stream.piece(position, end)
                if self._transcode is not None and not (body := self._transcode(body)):
                    continue
                self._last_send = loop.time()
                await self._send_body(body)
                continue
            if stream.finished:
                return
            self._woken = loop.create_future()
            self._fed = True
            stream.attach(self)
            try:
                await self._woken  # until the stream ends, or a fed send needs this task
            except BaseException:
                if self._rest is not None:  # cancelled (the client left, or shutdown): the send ends with us
                    self._rest.close()
                    self._rest = None
                raise
            finally:
                self._fed = False
                stream.detach(self)
                rest, self._rest = self._rest, None
                failure, self._failure = self._failure, None
            if failure is not None:
                raise failure
            if rest is not None:
                await self._finish_send(rest)

    def deliver(self, stream: LiveStream) -> None:
        """The generation appended: send the frames since our position now, without leaving its task."""
        if not self._fed:
            return
        frames = stream.frames
        position, end = self._position, len(frames)
        if end == position:
            return
        self._position = end
        body = frames[position] if end - position == 1 else b"".join(frames[position:end])
        if self._transcode is not None and not (body := self._transcode(body)):
            if stream.finished:
                self._wake()
            return
        self._last_send = self._loop.time()  # type: ignore[union-attr]
        sending = self._send({"type": "http.response.body", "body": body, "more_body": True})
        try:
            waiting_on = sending.send(None)
        except StopIteration:  # sent: the usual case
            if stream.finished:
                self._wake()
            return
        except Exception as exc:
            self._failure = exc
        else:  # the client's socket is full: our task finishes this send, then catches up
            self._rest = _Rest(sending, waiting_on)
        self._wake()

    def release(self, stream: LiveStream) -> None:
        """The stream was abandoned here: stop being fed, and end the body without sending more."""
        if self._fed:
            self._wake()

    def _wake(self) -> None:
        self._fed = False
        woken = self._woken
        if woken is not None and not woken.done():
            woken.set_result(None)

    def end(self) -> None:
        """Stop sending: the client left, or the server is shutting down."""
        if self._streaming and not self._ended:
            self._ended = True
            self._fed = False
            if self._task is not None:
                self._task.cancel()

    def _drop(self) -> None:
        """A ping outlived the write timeout: end the response and disconnect the client."""
        if self._streaming and not self._ended:
            self._slow = True
            self.end()

    def _close(self) -> None:
        self._streaming = False
        if self._registry is not None:
            self._registry.discard(self)
        if self.timer_slot is not None:
            wheel().cancel(self)
        receiving, self._receiving = self._receiving, None
        if receiving is not None:
            receiving.close()  # the server's receive stops waiting (its waiter is removed)
        if self._ping_task is not None and not self._ping_task.done():
            self._ping_task.cancel()

    # -- the client leaving ---------------------------------------------------

    def _watch(self, receive: Receive) -> None:
        """Wait for the `http.disconnect` the server sends when the client goes.

        `receive()` is driven by hand from its future's callback rather than run as a
        task: an idle reader keeps the coroutine and what it waits on, nothing more.
        """
        self._receive = receive
        receiving = receive()
        self._receiving = receiving if isinstance(receiving, Coroutine) else _awaited(receiving)
        self._listen()

    def _listen(self, _done: object = None) -> None:
        """Run `receive()` to its next wait; what it returns ends the response unless it is the request's body."""
        receiving = self._receiving
        if receiving is None or not self._streaming:
            return
        try:
            waiting_on = receiving.send(None)
        except StopIteration as stop:
            self._receiving = None
            if stop.value["type"] != "http.disconnect" and self._receive is not None:
                self._watch(self._receive)  # the (empty) request body: keep waiting for the disconnect
                return
            self.end()
            return
        except BaseException:  # the server's receive failed: the client cannot be heard any more
            self._receiving = None
            self.end()
            return
        if isinstance(waiting_on, asyncio.Future):
            waiting_on._asyncio_future_blocking = False  # what a task does with the future it is given
            waiting_on.add_done_callback(self._listen)  # a bound method, not a closure
        else:  # a bare yield (asyncio.sleep(0)): step again on the next turn
            asyncio.get_running_loop().call_soon(self._listen)

    # -- keep-alive -------------------------------------------------------------

    def timer_due(self) -> None:
        """Ping only a connection that sent nothing for `ping_s`, so proxies keep it open."""
        if not self._streaming:
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        pending = self._ping_task is not None and not self._ping_task.done()  # a client not reading
        if now - self._last_send >= self._ping_s or pending:
            if not pending:
                self._last_send = now
                self._ping_task = loop.create_task(self._ping())
            wheel().set(self, now + self._ping_s)
        else:
            wheel().set(self, self._last_send + self._ping_s)

    async def _ping(self) -> None:
        """One keep-alive ping; it is held to the write timeout like any send, so it keeps no stuck reader alive."""
        ping = self._ping_frame or events.encode_ping()
        try:
            if self._streaming:
                try:
                    await self._send_body(ping)
                except SlowReader:
                    self._drop()
                except Exception:  # a failed ping means the client is gone: end the response
                    self.end()
        finally:
            if self._ping_task is asyncio.current_task():
                self._ping_task = None  # a done task keeps its coroutine: 0.4 KB per idle reader until the next ping


def sse_response(
    stream: StreamView,
    after: int,
    *,
    retry_ms: int,
    ping_s: float,
    reset: bool = False,
    headers: dict[str, str] | None = None,
    registry: OpenResponses | None = None,
    write_timeout_s: float | None = None,
) -> SSEResponse:
    """The prelude, an optional `reset`, then the log after `after`, live until the end.

    `write_timeout_s`: how long a send may wait on a client that takes nothing before it is disconnected.
    """
    prelude = events.encode_prelude(retry_ms, f"stream {stream.id}")
    head: bytes | Iterable[bytes] = prelude
    if reset:
        # The reset stands for every event so far; a finished stream's terminal event follows it.
        # Encoded a piece at a time as it is sent: the text is shared, no reader holds a copy of it.
        after = stream.last_event_id - 1 if stream.finished else stream.last_event_id
        head = itertools.chain((prelude,), events.encode_reset(after, stream.text, MAX_PIECE_BYTES // 6))
    frames = stream if isinstance(stream, LiveStream) else stream.follow(after)
    return SSEResponse(
        head,
        frames,
        headers=headers or {},
        ping_s=ping_s,
        registry=registry,
        after=after,
        stream_id=stream.id,
        write_timeout_s=write_timeout_s,
    )
