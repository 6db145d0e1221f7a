"""The answer cache a relay holds: which requests it serves, the lookup, the joins, the recording, the counters.

`AnswerCache.open` is asked once per new stream (relay/opening.py): it returns what runs
the stream when the cache answers it (a `Replay` of an entry, a `Join` of an identical
generation running here), or None after arranging that the stream's own generation is
recorded.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from .entries import Entries, Entry, open_entries
from .key import cache_key, content_text
from .runners import Join, Recorder, Replay, StreamRunner

if TYPE_CHECKING:
    from ..config import Config, RouteConfig
    from ..engine import EngineServices, GenerationRequest
    from ..log import LiveStream

logger = logging.getLogger("splice_relay.cache")

_KEY_IN_THREAD_CHARS = 64 * 1024


def _prompt_chars(request: GenerationRequest) -> int:
    return sum(len(content_text(message.get("content"))) for message in request.messages)


@dataclass(slots=True)
class CacheStats:
    """Counters since the process started (/healthz `cache`; the metrics endpoint reads the same object)."""

    hits: int = 0  # streams replayed from an entry
    misses: int = 0  # cacheable requests that called the upstream
    joins: int = 0  # streams that followed an identical generation running here
    bypassed: int = 0  # requests the cache did not look at (route off, temperature, `"cache": false`)
    stored: int = 0  # entries recorded
    saved_usd: float = 0.0  # what the hits and joins would have cost (their sources' final cost)


def cacheable(route: RouteConfig, request: GenerationRequest, wanted: bool) -> bool:
    """Whether the cache answers and records this request: `auto` only at temperature 0, `always`, never `off`."""
    if not wanted or route.cache == "off":
        return False
    return route.cache == "always" or request.temperature == 0


class AnswerCache:
    """Entries (memory or Redis), the cacheable generations running here by key, and the counters."""

    def __init__(self, config: Config, services: EngineServices, entries: Entries | None = None) -> None:
        self.entries = entries if entries is not None else open_entries(config)
        self.stats = CacheStats()
        self.running: dict[str, Recorder] = {}
        self._services = services
        self._max_bytes = config.store.cache_max_entry_kb * 1024
        self._ttl_by_key: dict[str, float] = {}
        self._by_stream: dict[str, Recorder] = {}
        self._puts: set[asyncio.Task[None]] = set()
        self._writing: dict[str, Entry] = {}  # entries being written: found here until the store has them

    @property
    def _billing(self) -> str | None:
        accounting = self._services.accounting
        return accounting.billing if accounting.enabled else None

    def key_for(self, route: RouteConfig, request: GenerationRequest, account: str | None) -> str:
        """`account`: the caller's tenant, or its key id when it has none (relay/tenants.py); None on an open relay."""
        tenant = "shared" if route.cache_shared else f"account:{account or 'open'}"
        return cache_key(
            tenant=tenant,
            targets=[target.label for target in route.targets],
            max_tokens=request.max_tokens or route.max_tokens,
            temperature=request.temperature,
            messages=request.messages,
        )

    async def open(
        self, stream: LiveStream, route: RouteConfig, request: GenerationRequest, account: str | None, *, wanted: bool
    ) -> StreamRunner | None:
        """What runs `stream` when the cache answers it; None when its own generation must (recorded if cacheable)."""
        if not cacheable(route, request, wanted):
            self.stats.bypassed += 1
            return None
        if _prompt_chars(request) > _KEY_IN_THREAD_CHARS:  # a long prompt is normalised off the loop
            key = await asyncio.to_thread(self.key_for, route, request, account)
        else:
            key = self.key_for(route, request, account)
        runner = self._join(key, stream, route, request)
        if runner is not None:
            return runner
        entry = self._writing.get(key) or await self.entries.get(key)
        if entry is not None:
            self.stats.hits += 1
            return Replay(stream, entry, route, billing=self._billing, outcome=self)
        runner = self._join(key, stream, route, request)  # one started while the entry was looked up
        if runner is not None:
            return runner
        self.stats.misses += 1
        recorder = Recorder(key, stream, max_bytes=self._max_bytes, outcome=self)
        self.running[key] = recorder
        self._by_stream[stream.id] = recorder
        self._ttl_by_key[key] = route.cache_ttl_s
        stream.attach(recorder)
        return None

    def dropped(self, stream: LiveStream) -> None:
        """The stream never started (its store refused it): the streams that joined it generate their own."""
        recorder = self._by_stream.get(stream.id)
        if recorder is not None:
            stream.detach(recorder)
            recorder.release(stream)

    def _join(self, key: str, stream: LiveStream, route: RouteConfig, request: GenerationRequest) -> Join | None:
        recorder = self.running.get(key)
        if recorder is None or recorder.done:
            return None
        self.stats.joins += 1
        return Join(stream, recorder, route, request, self._services, self)

    # -- Outcome: told by the runners -----------------------------------------------

    def saved(self, usd: float | None) -> None:
        if usd:
            self.stats.saved_usd += usd

    def record(self, recorder: Recorder, entry: Entry | None) -> None:
        """The followed generation ended: its entry (if it left one) is stored, its key free again."""
        if self.running.get(recorder.key) is recorder:
            del self.running[recorder.key]
        self._by_stream.pop(recorder.source.id, None)
        ttl_s = self._ttl_by_key.pop(recorder.key, None)
        if entry is None or ttl_s is None:
            return
        self.stats.stored += 1
        key = recorder.key
        self._writing[key] = entry
        task = asyncio.create_task(self.entries.put(key, entry, ttl_s), name=f"cache put {entry.source_stream}")
        self._puts.add(task)

        def written(task: asyncio.Task[None]) -> None:
            self._puts.discard(task)
            if self._writing.get(key) is entry:
                del self._writing[key]

        task.add_done_callback(written)

    # -- lifecycle ---------------------------------------------------------------------

    async def close(self) -> None:
        if self._puts:
            await asyncio.wait(self._puts, timeout=2)
        await self.entries.close()

    def health(self) -> dict[str, Any]:
        stats = asdict(self.stats)
        stats["saved_usd"] = round(stats["saved_usd"], 6)
        return {**stats, "running": len(self.running), "entries": self.entries.health()}
