"""Reading an upstream's streaming response, shared by the OpenAI and Anthropic adapters.

The SDKs build a typed pydantic object for every chunk, which costs more than
the rest of the relay's per-token work together (see loadtest/bench_parse.py).
So the adapters read the wire's response themselves (providers/http1.py): its
`data:` lines, each parsed once with orjson.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson

from .base import Usage
from .errors import ProviderError
from .http1 import Response
from .wire import transport_error

DRAIN_TIMEOUT_S = 0.25  # how long to wait for the body's end after the stream's terminator
# The longest upstream SSE line held while its newline has not arrived: far above any real chunk
# (a few hundred bytes), low enough that an upstream sending one endless line cannot fill memory.
MAX_LINE_BYTES = 1 << 20


class RawStream:
    """An open upstream response; subclasses turn each decoded `data:` payload into text.

    `max_line_bytes` bounds the line being assembled: an upstream that sends more
    without a newline fails the attempt (`protocol`, cause `line_too_long`), so the
    relay fails over instead of buffering without end.
    """

    __slots__ = ("_response", "finish_reason", "usage", "_terminated", "_closed", "_max_line_bytes")

    def __init__(self, response: Response, *, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self._response = response  # its status checked, its body not read yet
        self._max_line_bytes = max_line_bytes
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
        """The text of every `data:` payload, until the terminator; one async generator, no layers.

        Lines are split on LF (with any CR stripped), which is how every provider frames SSE;
        `event:` lines, comments and blank separators are skipped. orjson parses the
        payload's bytes, so nothing is decoded twice. A line that spans reads with no
        newline in them is held in the pieces it came in and joined once, when it ends, so
        a long line costs linear time; held past `max_line_bytes`, it fails the attempt.
        """
        read = self._response.readany
        pending = b""  # the start of a line whose newline has not arrived
        held: list[bytes] = []  # `pending` and the reads after it in which no line ended, once there are any
        held_bytes = 0
        try:
            while True:
                try:
                    chunk = await read()
                except Exception as exc:
                    raise transport_error(exc, reading=True) from exc
                if not chunk:
                    break
                lines = chunk.split(b"\n")
                if len(lines) == 1:  # no line ends in this read: hold it, to be joined once when the line ends
                    if not held:
                        held.append(pending)
                        held_bytes = len(pending)
                    held.append(chunk)
                    held_bytes += len(chunk)
                    if held_bytes > self._max_line_bytes:
                        raise self._line_too_long()
                    continue
                if held:  # the line held over earlier reads ends in this one
                    if held_bytes + len(lines[0]) > self._max_line_bytes:
                        raise self._line_too_long()
                    held.append(lines[0])
                    lines[0] = b"".join(held)
                    held.clear()
                elif pending:
                    lines[0] = pending + lines[0]
                pending = lines.pop()
                for line in lines:
                    if line.startswith(b"data:") and (text := self._payload(line[5:].strip())):
                        yield text
                    if self._terminated:
                        break
                del chunk, lines, line  # not held while the next read waits (minutes, for a slow first token)
                if self._terminated:
                    await self._drain(read)
                    break
            if held:
                pending = b"".join(held)
            if not self._terminated and pending.startswith(b"data:") and (text := self._payload(pending[5:].strip())):
                yield text
        finally:
            await self.aclose()
        self._check_complete()

    def _line_too_long(self) -> ProviderError:
        """The attempt's failure when a line outgrows `max_line_bytes`: `protocol`, so the next target is tried."""
        message = f"upstream sent a line longer than {self._max_line_bytes} bytes"
        return ProviderError("protocol", message, cause="line_too_long")

    def _payload(self, payload: bytes) -> str | None:
        """One `data:` payload: the terminator, or a chunk parsed once and handed to `_handle`."""
        if payload == b"[DONE]":
            self._terminated = True
            return None
        try:
            data = orjson.loads(payload)
        except orjson.JSONDecodeError:
            raise ProviderError(
                "protocol", f"malformed chunk from upstream: {payload[:80]!r}", cause="malformed_chunk"
            ) from None
        return self._handle(data)

    @staticmethod
    async def _drain(read: Callable[[], Awaitable[bytes]]) -> None:
        """Read the body's end after the terminator, so the connection goes back to the pool.

        Closing a response with unread bytes closes its connection, and the next
        stream would pay a new TCP (and TLS) handshake. The end normally follows
        the terminator at once; a server that holds it back is not waited for.
        """
        try:
            async with asyncio.timeout(DRAIN_TIMEOUT_S):
                while await read():
                    pass
        except Exception:
            pass  # the connection is closed instead of reused; the answer is complete either way

    def _handle(self, data: dict[str, Any]) -> str | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _check_complete(self) -> None:
        if not self._terminated:
            raise ProviderError("protocol", "upstream stream ended without its terminator", cause="missing_terminator")
        if self.finish_reason is None:
            raise ProviderError(
                "protocol", "upstream stream ended without a finish reason", cause="missing_finish_reason"
            )

    async def aclose(self) -> None:
        """Close the upstream connection; anything it still sends is never read."""
        if self._closed:
            return
        self._closed = True
        try:
            # Back to the pool if the body was read to its end; the connection is closed otherwise.
            self._response.release()
        except Exception:  # closing a broken connection must not mask the real error
            pass
