"""The in-memory store (the embedded default): streams in this process only, bounded in age and size."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict

from .chats import MemoryChats
from .live import LiveStream

logger = logging.getLogger("splice_relay.store")


class MemoryStore:
    """Streams in this process only.

    A finished stream stays readable for `ttl_s` after its last event, and while
    the finished streams together hold at most `max_finished_bytes` of frames and
    text: past that bound the longest finished go first, so a relay that serves
    streams for days does not grow without end. Running streams are never dropped;
    a stream whose generation is over counts as finished here whatever its status,
    so nothing a generation leaves behind can keep the sweep from the entries after it.
    """

    def __init__(self, ttl_s: float, max_finished_bytes: int | None = None, sweep_interval_s: float = 30.0) -> None:
        self._ttl_s = ttl_s
        self._max_finished_bytes = max_finished_bytes
        self._sweep_interval_s = sweep_interval_s
        self._streams: dict[str, LiveStream] = {}
        self._finished: OrderedDict[str, int] = OrderedDict()  # id -> bytes held, oldest finished first
        self.finished_bytes = 0
        self._sweeper: asyncio.Task[None] | None = None
        self.chats = MemoryChats()  # chat id -> its stream, for the UI message stream's resume

    async def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="memory-store-sweeper")

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None

    async def add(self, stream: LiveStream) -> None:
        self._streams[stream.id] = stream

    def ended(self, stream: LiveStream) -> None:
        if self._streams.get(stream.id) is not stream or stream.id in self._finished:
            return
        size = stream.nbytes
        self._finished[stream.id] = size
        self.finished_bytes += size
        if self._max_finished_bytes is not None:
            while self.finished_bytes > self._max_finished_bytes and self._finished:
                self._drop_oldest()

    async def get(self, stream_id: str, *, at_least: int = 0) -> LiveStream | None:
        stream = self._streams.get(stream_id)
        if stream is not None and self._expired(stream, time.time()):
            return None
        return stream

    async def request_cancel(self, stream_id: str, wait_s: float = 5.0) -> LiveStream | None:
        stream = await self.get(stream_id)
        task = stream.generation if stream is not None else None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait((task,), timeout=wait_s)
        return stream

    def health(self) -> dict[str, object]:
        return {"kind": "memory", "streams": len(self._streams), "finished_bytes": self.finished_bytes}

    def _expired(self, stream: LiveStream, now: float) -> bool:
        return (stream.finished or stream.id in self._finished) and now - stream.updated_at > self._ttl_s

    def _drop_oldest(self) -> None:
        stream_id, size = self._finished.popitem(last=False)
        self.finished_bytes -= size
        self._streams.pop(stream_id, None)

    def sweep(self) -> int:
        """Drop expired streams; returns how many. Only the oldest finished are looked at."""
        now = time.time()
        dropped = 0
        while self._finished:
            stream = self._streams.get(next(iter(self._finished)))
            if stream is not None and now - stream.updated_at <= self._ttl_s:  # its generation is over: only age counts
                break
            self._drop_oldest()
            dropped += 1
        return dropped

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self._sweep_interval_s)
            try:
                self.sweep()
            except Exception:  # a bug here must not end the sweeps for good
                logger.exception("memory store sweep failed")
