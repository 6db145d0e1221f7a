"""Prometheus metrics for `GET /metrics` (docs/deployment.md lists them, with PromQL).

Nothing here runs per token. A stream's counters and histograms are folded in once,
when its generation ends (`stream_ended`), from its audit record and its attempts'
records; the gauges (running generations, readers, breakers, the store's backlog) are
read when `/metrics` is scraped. Two histograms need per-token figures: the attempt
samples every `SAMPLE_EVERY`th chunk into a `Buckets` of plain ints (one bit test per
chunk), and the buckets are added to the Prometheus histogram at the end.

With `PROMETHEUS_MULTIPROC_DIR` set (several workers on one port), every process writes
its values to files there and a scrape of any worker reads them all; the gauges are then
refreshed by each process once a second, since a scrape reaches only one of them.
"""

from __future__ import annotations

import asyncio
import bisect
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

if TYPE_CHECKING:
    from .app import Relay
    from .cache import StreamRunner

NAMESPACE = "splice_relay"
SAMPLE_EVERY = 16  # the inter-token gap and added latency are sampled at every 16th chunk of an attempt
SAMPLE_MASK = SAMPLE_EVERY - 1

TTFT_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0, 120.0, 300.0)
GAP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0)
ADDED_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25)


def share_metrics_between_workers() -> str | None:
    """Before `serve --workers N` starts its workers: the directory of the multiprocess mode, empty.

    `PROMETHEUS_MULTIPROC_DIR` when it is set (its files of an earlier run removed, as
    prometheus-client requires), else a new temporary directory, returned for the caller to remove
    once the workers are gone; the workers inherit it.
    """
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        for stale in Path(given).glob("*.db"):
            stale.unlink(missing_ok=True)
        return None
    made = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="splice-relay-metrics-")
    return made


def worker_exited(pid: int) -> None:
    """A worker is gone: its live gauges (running generations, readers, backlog) stop counting."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


class Buckets:
    """A histogram of plain ints for the hot path, with the bounds of the Prometheus histogram it is folded into."""

    __slots__ = ("bounds", "counts", "total")

    def __init__(self, bounds: Sequence[float]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)  # the last one is +Inf
        self.total = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1  # value <= bound, as Prometheus counts
        self.total += value


def fold(child: Any, buckets: Buckets) -> None:
    """Add `buckets` to a labelled Prometheus histogram at once (its per-bucket values, not an observe per sample)."""
    if not any(buckets.counts):
        return
    child._sum.inc(buckets.total)
    for index, count in enumerate(buckets.counts):
        if count:
            child._buckets[index].inc(count)


def key_label(key_id: str | None) -> str:
    """A key's label: the first 12 hex digits of its SHA-256 id (never the key), `open` on a relay without keys."""
    return key_id[:12] if key_id else "open"


def _split_target(label: str) -> tuple[str, str]:
    provider, _, model = label.partition("/")
    return provider, model


class Metrics:
    """The relay's metrics in a registry of its own (one per app, so apps in one process keep theirs apart)."""

    def __init__(self) -> None:
        self.multiprocess = bool(
            os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir")
        )
        registry = self.registry = CollectorRegistry(auto_describe=True)

        def counter(name: str, doc: str, labels: Sequence[str] = ()) -> Counter:
            return Counter(name, doc, labels, namespace=NAMESPACE, registry=registry)

        def gauge(name: str, doc: str, labels: Sequence[str] = (), mode: str = "livesum") -> Gauge:
            return Gauge(name, doc, labels, namespace=NAMESPACE, registry=registry, multiprocess_mode=mode)  # type: ignore[arg-type]

        def histogram(name: str, doc: str, labels: Sequence[str], buckets: Sequence[float]) -> Histogram:
            return Histogram(name, doc, labels, namespace=NAMESPACE, registry=registry, buckets=buckets)

        self.streams_started = counter(
            "streams_started", "Streams started on this instance (created or taken over)", ["route"]
        )
        self.streams_finished = counter("streams_finished", "Streams whose generation ended here", ["route", "status"])
        self.output_tokens = counter(
            "output_tokens", "Output tokens, by the provider and model that wrote them", ["provider", "model"]
        )
        self.cost_usd = counter(
            "cost_usd", "Cost in USD (provider usage where reported, else estimated)", ["tenant", "key", "model"]
        )
        self.failovers = counter(
            "failovers", "Failovers, by reason and the target that failed or was skipped", ["reason", "target"]
        )
        self.splices = counter("splices", "Seams repaired after a failover, by strategy", ["strategy"])
        self.resumes = counter("resumes", "Reads of a stream resumed with Last-Event-ID")
        self.resets = counter("resets", "Resumes answered with a reset (the cursor was past the log)")
        self.store_flushes = counter("store_flushes", "Redis store flushes (one pipelined round trip each)")
        self.store_flush_seconds = counter("store_flush_seconds", "Time spent in Redis store flushes")
        self.cache_events = counter("cache", "Answer cache lookups, by outcome (hit, miss, join, bypass)", ["outcome"])
        self.cache_saved_usd = counter(
            "cache_saved_usd", "Upstream cost the answer cache saved (the sources' final cost of its hits and joins)"
        )
        self.generations = gauge("generations_running", "Generations running here")
        self.readers = gauge("readers", "SSE responses open here")
        self.store_backlog = gauge("store_backlog_events", "Events generated here not yet written to Redis")
        self.breaker_state = gauge(
            "breaker_state", "Circuit breaker of each target: 0 closed, 1 open, 2 half-open", ["target"], "livemax"
        )
        self.ttft = histogram("ttft_seconds", "Time to an attempt's first token, per target", ["target"], TTFT_BUCKETS)
        self.gap = histogram(
            "inter_token_gap_seconds", f"Gap between upstream chunks, every {SAMPLE_EVERY}th", ["target"], GAP_BUCKETS
        )
        self.added = histogram(
            "added_latency_seconds",
            f"A chunk's arrival from upstream to its write to the caught-up readers, every {SAMPLE_EVERY}th",
            [],
            ADDED_BUCKETS,
        )
        self._folded: dict[str, float] = {}  # running totals already added to counters (store, cache)
        self._refresher: asyncio.Task[None] | None = None

    # -- events ----------------------------------------------------------------

    def stream_started(self, route: str) -> None:
        self.streams_started.labels(route).inc()

    def reader_opened(self, *, resumed: bool, reset: bool) -> None:
        if resumed:
            self.resumes.inc()
        if reset:
            self.resets.inc()

    def stream_ended(self, generation: StreamRunner, key_id: str | None, tenant: str | None = None) -> None:
        """Fold one finished stream into the counters and histograms: its audit record and its attempts' samples."""
        record = generation.stream.audit or {}
        self.streams_finished.labels(record.get("route", ""), str(record.get("status"))).inc()
        for failover in record.get("failovers", ()):
            self.failovers.labels(failover["reason"], failover["from"]).inc()
        for splice in record.get("splices", ()):
            self.splices.labels(splice["strategy"]).inc()
        key = key_label(key_id)
        for attempt in record.get("attempts", ()):
            tokens = attempt.get("tokens")
            if tokens is None:
                continue
            provider, model = _split_target(tokens["target"])
            if tokens.get("output_tokens"):
                self.output_tokens.labels(provider, model).inc(tokens["output_tokens"])
            if tokens.get("usd"):
                self.cost_usd.labels(tenant or "", key, model).inc(tokens["usd"])
        reporter = getattr(generation, "reporter", None)  # a cache replay or join made no attempt
        for attempt in reporter.attempts if reporter is not None else ():
            if attempt.first_token_at is not None:
                self.ttft.labels(attempt.target).observe(max(0.0, attempt.first_token_at - attempt.started_at))
            if attempt.gaps is not None:
                fold(self.gap.labels(attempt.target), attempt.gaps)
            if attempt.added is not None:
                fold(self.added, attempt.added)

    # -- gauges, read at scrape time ----------------------------------------------

    def refresh(self, relay: Relay) -> None:
        """Set the gauges from what the relay holds now, and add what the store and cache counted since last time."""
        self.generations.set(len(relay.generations))
        self.readers.set(len(relay.responses))
        breakers = getattr(relay, "breakers", None)
        if breakers is not None:
            for label, seen in breakers.snapshot().items():
                self.breaker_state.labels(label).set({"closed": 0, "open": 1, "half_open": 2}[str(seen["state"])])
        health = relay.store.health()
        self.store_backlog.set(float(health.get("pending_events", 0)))  # type: ignore[arg-type]
        self._add_since("flushes", self.store_flushes, health.get("flushes"))
        self._add_since("flush_seconds", self.store_flush_seconds, health.get("flush_seconds"))
        self._fold_cache(relay)

    def _fold_cache(self, relay: Relay) -> None:
        """The answer cache's running totals (relay/cache/serving.py `CacheStats`): hits, misses, joins, saved USD."""
        stats = relay.cache.stats
        for outcome, total in (
            ("hit", stats.hits),
            ("miss", stats.misses),
            ("join", stats.joins),
            ("bypass", stats.bypassed),
        ):
            self._add_since(f"cache_{outcome}", self.cache_events.labels(outcome), total)
        self._add_since("cache_saved_usd", self.cache_saved_usd, stats.saved_usd)

    def _add_since(self, name: str, counter: Any, total: object) -> None:
        if not isinstance(total, (int, float)):
            return
        delta = float(total) - self._folded.get(name, 0.0)
        if delta > 0:
            counter.inc(delta)
        self._folded[name] = float(total)

    def render(self, relay: Relay) -> tuple[bytes, str]:
        """The exposition text (every worker's, in multiprocess mode) and its content type."""
        self.refresh(relay)
        registry = self.registry
        if self.multiprocess:
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST

    # -- multiprocess ----------------------------------------------------------------

    def start(self, relay: Relay) -> None:
        """In multiprocess mode, refresh this process's gauges once a second (a scrape reaches one worker)."""
        if self.multiprocess and self._refresher is None:
            self._refresher = asyncio.create_task(self._refresh_forever(relay), name="metrics-refresh")

    async def _refresh_forever(self, relay: Relay) -> None:
        while True:
            await asyncio.sleep(1.0)
            try:
                self.refresh(relay)
            except Exception:  # a figure missing for a second is better than a dead refresher
                pass

    def close(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
