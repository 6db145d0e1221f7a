"""Where streams live: the interface, and the in-memory store (the embedded default)."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from .stream import LiveStream


class StreamStore(Protocol):
    """Registers the streams generated here and finds any stream by id."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def add(self, stream: LiveStream) -> None: ...

    async def get(self, stream_id: str) -> LiveStream | None: ...

    def health(self) -> dict[str, object]: ...


class MemoryStore:
    """Streams in this process only; each expires `ttl_s` after its last event."""

    def __init__(self, ttl_s: float, sweep_interval_s: float = 30.0) -> None:
        self._ttl_s = ttl_s
        self._sweep_interval_s = sweep_interval_s
        self._streams: dict[str, LiveStream] = {}
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="memory-store-sweeper")

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None

    async def add(self, stream: LiveStream) -> None:
        self._streams[stream.id] = stream

    async def get(self, stream_id: str) -> LiveStream | None:
        stream = self._streams.get(stream_id)
        if stream is not None and self._expired(stream, time.time()):
            return None
        return stream

    def health(self) -> dict[str, object]:
        return {"kind": "memory", "streams": len(self._streams)}

    def _expired(self, stream: LiveStream, now: float) -> bool:
        return stream.finished and now - stream.updated_at > self._ttl_s

    def sweep(self) -> int:
        """Drop expired streams; returns how many."""
        now = time.time()
        expired = [stream_id for stream_id, stream in self._streams.items() if self._expired(stream, now)]
        for stream_id in expired:
            del self._streams[stream_id]
        return len(expired)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self._sweep_interval_s)
            self.sweep()
