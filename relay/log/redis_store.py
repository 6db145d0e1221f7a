"""The Redis store: streams generated here stay in process, their logs are written behind.

Local readers read the LiveStream directly (the hot path never waits on Redis).
Each LiveStream's `journal` is a StreamJournal whose `record()` is a list append
and a set add. One flusher task writes every dirty stream's backlog every
`flush_interval_s`, one round trip per flush (one Lua script call per 64
streams; with Redis Cluster one per stream, pipelined), so a crash loses at most
the last flush interval plus one round trip of events. When Redis is away the
journals are detached (the LiveStream's own frames are the buffer, so nothing
grows) and rebuilt from those frames when it returns.

Each write renews the stream's lease. An instance that could not renew a lease
for `lease_s` minus a margin abandons the stream before anyone else may adopt it
(self-fencing), as it does when its writes are refused (fenced) and when it hands
its streams over at shutdown: its readers are ended without a terminal event and
reconnect elsewhere. See docs/redis.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from typing import Any, cast

import orjson
from redis.asyncio import Redis, RedisCluster
from redis.exceptions import NoScriptError, RedisError
from redis.typing import EncodableT, FieldT

from .. import events
from .errors import StoreUnavailable
from .keys import STREAM_ID, DeploymentKeys, StreamKeys
from .live import LiveStream
from .redis_chats import RedisChats
from .redis_client import StreamEntries, XReadReply, command_head, connect, send_packed
from .redis_reader import RemoteStream, rewinds, wait_for_event
from .redis_writer import StreamJournal, pack_shared, pack_write_many
from .scripts import (
    ACQUIRE_LEASE_SCRIPT,
    FIND_ORPHANS_SCRIPT,
    META_MISSING,
    REQUEST_CANCEL_SCRIPT,
    WRITE_MANY_SCRIPT,
    WRITE_SCRIPT,
    WRITTEN,
    Pending,
)
from .view import StreamView

ORPHAN_CHECKS = 500  # running streams a takeover sweep's script looks at per call (it blocks Redis meanwhile)

# Streams per call of the many-stream write script: the script blocks Redis while it runs, so a flush
# of thousands of streams goes as several calls in one pipeline.
MANY_STREAMS = 64

logger = logging.getLogger("splice_relay.redis")


class RedisStore:
    """Streams generated here in process, every stream's log in Redis (docs/redis.md)."""

    def __init__(
        self,
        url: str,
        ttl_s: float,
        *,
        prefix: str = "sr",
        flush_interval_s: float = 0.005,
        max_batch_events: int = 2000,
        max_events: int = 200_000,
        max_bytes: int = 64 * 1024 * 1024,
        tombstone_s: float = 7 * 86400.0,
        lease_s: float = 10.0,
        fence_margin_s: float | None = None,
        touch_interval_s: float = 1.0,
        local_keep_s: float = 30.0,
        block_ms: int = 2000,
        max_connections: int = 4096,
        keep_request: bool = False,
        handover_s: float = 5.0,
        redis: Redis | None = None,
    ) -> None:
        # Two clients, a pool each: clients following a stream block one connection apiece, and
        # however many there are, the flusher, lease renewal and stream creation never wait on them.
        self._redis = redis or connect(url, socket_timeout_s=block_ms / 1000 + 5, max_connections=max_connections)
        self._followers = redis or connect(url, socket_timeout_s=block_ms / 1000 + 5, max_connections=max_connections)
        self._keys = DeploymentKeys(prefix)
        self.chats = RedisChats(self._redis, self._keys)  # chat id -> its stream, for the UI message stream's resume
        self._ttl_ms = int(ttl_s * 1000)
        self._gone_ms = int((ttl_s + tombstone_s) * 1000)
        self._lease_ms = int(lease_s * 1000)
        # What every stream of a many-stream write shares (relay/log/scripts.py), packed once.
        self._packed_shared = pack_shared(lease_ms=self._lease_ms, ttl_ms=self._ttl_ms, gone_ms=self._gone_ms)
        # Self-fencing: a stream whose lease we could not renew for `lease_s - margin` is abandoned here.
        self._fence_margin_s = fence_margin_s if fence_margin_s is not None else lease_s / 4
        self._fence_check_s = max(0.01, self._fence_margin_s / 4)
        self._flush_interval_s = flush_interval_s
        self._max_batch_events = max_batch_events
        self._max_events = max_events
        self._max_bytes = max_bytes
        self._touch_interval_s = touch_interval_s
        self._local_keep_s = local_keep_s
        self._block_ms = block_ms
        self.keep_request = keep_request  # keep the stored request once the stream ended (else deleted then)
        self.handover_s = handover_s  # what the app gives `hand_over` at SIGTERM
        self.instance = secrets.token_hex(6)
        self._local: dict[str, LiveStream] = {}  # generated here, read here without Redis
        self._forks: dict[str, int] = {}  # local streams adopted after an unclean takeover -> their fork id
        self._journals: dict[str, StreamJournal] = {}  # of local streams not yet wholly in Redis, and abandoned ones
        self._written: dict[str, float] = {}  # local streams wholly in Redis -> since when
        self._dirty: set[StreamJournal] = set()
        self._work = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None
        self._fence_timer: asyncio.TimerHandle | None = None
        self._scripts: dict[str, str] = {}
        # One script call writes many streams, unless their keys must stay in their own Cluster slots.
        self._write_many = not isinstance(self._redis, RedisCluster)
        self._degraded = False
        self._last_error: str | None = None
        self._flushes = 0
        self._flush_seconds = 0.0  # time spent in flush round trips, for the metrics
        self._next_sweep = 0.0
        self._backoff_s = 0.05
        self._finished_ids: list[str] = []  # to drop from the running index at the next sweep
        self._closing = False
        self._handing_over = False
        self._handover_seen: str | None = None  # the last handover announcement read by `next_sweep`
        # Telling a lost log from an unknown stream: `{prefix}:alive` holds a token no restart without
        # persistence keeps; seeing another one (or none) means Redis lost its data, and for `_rewrite_ms`
        # after that (`{prefix}:lost`) a stream Redis lacks may be rewritten by its instance: 503, not 404.
        self._alive_token = secrets.token_hex(8)
        self._alive_seen: bytes | None = None  # the `alive` token this instance last saw
        self._rewrite_ms = int(max(10.0, lease_s) * 1000)

    def keys(self, stream_id: str) -> StreamKeys:
        return self._keys.stream(stream_id)

    # -- StreamStore -------------------------------------------------------

    async def start(self) -> None:
        try:
            await self._load_scripts()
            if self._followers is not self._redis:
                await self._followers.ping()  # one connection ready: the first resume pays no handshake
            self._handover_seen = await self._last_handover()
            self._alive_seen = await self._alive()
        except RedisError as exc:
            self._degrade(exc)  # start anyway: streams run locally, the logs catch up later
        self._flusher = asyncio.create_task(self._flush_forever(), name="redis-store-flusher")
        self._fence_timer = asyncio.get_running_loop().call_later(self._fence_check_s, self._check_leases)

    async def close(self, timeout_s: float = 3.0) -> None:
        """Write what is pending (for at most `timeout_s`), then stop."""
        deadline = time.monotonic() + timeout_s
        self._closing = True
        if self._fence_timer is not None:
            self._fence_timer.cancel()
            self._fence_timer = None
        if self._flusher is not None:
            self._flusher.cancel()
            # Bounded: a cancel that lands inside the Redis client must not hold up shutdown.
            _, pending = await asyncio.wait({self._flusher}, timeout=timeout_s)
            if pending:
                logger.warning("the Redis flusher did not stop within %g s", timeout_s)
            self._flusher = None
        while self._dirty and not self._degraded and time.monotonic() < deadline:
            try:
                await asyncio.wait_for(self._flush(), timeout=max(0.01, deadline - time.monotonic()))
            except (TimeoutError, RedisError, OSError) as exc:
                self._degrade(exc)
        unwritten = [stream_id for stream_id, journal in self._journals.items() if not journal.done]
        if unwritten:
            logger.warning(
                "closing with %d stream logs incomplete in Redis: %s", len(unwritten), ", ".join(unwritten[:10])
            )
        clients = [self._redis] if self._followers is self._redis else [self._redis, self._followers]
        for client in clients:
            try:
                await asyncio.wait_for(client.aclose(), timeout=max(0.1, deadline - time.monotonic()))
            except (TimeoutError, RedisError, OSError) as exc:
                logger.warning("closing a Redis client failed: %r", exc)

    @property
    def lease_s(self) -> float:
        return self._lease_ms / 1000

    async def add(self, stream: LiveStream) -> None:
        """Register a stream generated here; its metadata is in Redis before the id is handed out."""
        self._local[stream.id] = stream
        journal = StreamJournal(
            stream,
            self.keys(stream.id),
            self._dirty,
            max_events=self._max_events,
            max_bytes=self._max_bytes,
            holder=f"{self.instance}:1",
            epoch=1,
        )
        self._journals[stream.id] = journal
        self._work.set()
        if self._degraded:
            return  # detached: written from its frames when Redis returns
        stream.journal = journal
        try:  # another instance may be asked for this id as soon as the client has it
            async with asyncio.timeout(1.0):
                await self._write([journal])  # with the id added to the running index
        except (RedisError, OSError, TimeoutError) as exc:
            self._degrade(exc)

    def ended(self, stream: LiveStream) -> None:
        """Nothing to do: a local copy is dropped `local_keep_s` after its log is whole in Redis (its TTL bounds it)."""

    async def get(self, stream_id: str, *, at_least: int = 0, wait_s: float = 1.0) -> StreamView | None:
        """The local stream, else a view of its Redis log; raises StreamGone (410) once it expired.

        `at_least` is the client's cursor: Redis may trail the generating instance by
        one flush, so wait (up to `wait_s`) for that event rather than hand out a view
        on which a valid cursor looks unknown (and would get a `reset`). A cursor past
        the stream's fork (an unclean takeover) gets a view rewound to the fork: the
        events after it may not be the ones the client saw.
        """
        local = self._local.get(stream_id)
        if local is not None and not rewinds(
            self._forks.get(stream_id),
            at_least,
            finished=local.finished,
            last=local.last_event_id,
        ):
            return local
        if not STREAM_ID.fullmatch(stream_id):
            return None
        keys = self.keys(stream_id)
        try:
            view = await self._view(stream_id, keys, at_least)
            if view is not None and not view.rewound and not view.finished and at_least > view.last_event_id:
                if await wait_for_event(self._followers, keys, at_least, wait_s):
                    view = await self._view(stream_id, keys, at_least)
            if view is None and local is None and await self._may_be_rewritten(stream_id):
                raise StoreUnavailable(f"stream {stream_id} is not in Redis yet, but its log may be rewritten")
        except RedisError as exc:
            logger.warning("stream %s: cannot read its log from Redis: %s", stream_id, exc)
            raise StoreUnavailable(str(exc)) from exc
        return view if view is not None or local is None else local

    async def _may_be_rewritten(self, stream_id: str) -> bool:
        """A stream Redis does not have may be written there soon: don't answer 404 (EventSource gives up on it).

        So it is when this instance holds the stream's unwritten log (abandoned here,
        its release not yet written), and for a while after Redis lost its data (a
        restart without persistence): the instances generating streams rewrite
        their logs from memory once they reconnect, within a few seconds.
        """
        journal = self._journals.get(stream_id)
        if journal is not None and not journal.done:
            return True
        async with self._followers.pipeline(transaction=False) as pipe:
            pipe.get(self._keys.alive)
            pipe.exists(self._keys.lost)
            alive, lost = await pipe.execute()
        if alive is None or (self._alive_seen is not None and alive != self._alive_seen):
            await self._lost_data()
            return True
        if self._alive_seen is None:
            self._alive_seen = alive  # started while Redis was away: nothing to compare with
        return bool(lost)

    async def _alive(self) -> bytes | None:
        """The `alive` token, set to ours if there is none (a new database, or one that lost its data)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(self._keys.alive, self._alive_token, nx=True)
            pipe.get(self._keys.alive)
            _, token = await pipe.execute()
        return cast(bytes | None, token)

    async def _check_alive(self) -> None:
        """Back from an outage: if Redis lost its data meanwhile, say so to every instance's readers."""
        alive = cast(bytes | None, await self._redis.get(self._keys.alive))
        if alive is None or (self._alive_seen is not None and alive != self._alive_seen):
            await self._lost_data()
        elif self._alive_seen is None:
            self._alive_seen = alive

    async def _lost_data(self) -> None:
        """Redis lost its data: for `_rewrite_ms`, a missing stream answers 503 on every instance, not 404."""
        if self._alive_seen is not None:
            logger.warning("Redis lost its data (restarted without persistence?): the stream logs are rewritten")
        await self._redis.set(self._keys.lost, self.instance, px=self._rewrite_ms)
        self._alive_seen = await self._alive()

    def health(self) -> dict[str, object]:
        releasing = sum(1 for journal in self._journals.values() if journal.limit is not None and not journal.done)
        return {
            "kind": "redis",
            "degraded": self._degraded,
            "handing_over": self._handing_over,
            "instance": self.instance,
            "local_streams": len(self._local),
            "unwritten_streams": sum(1 for journal in self._journals.values() if not journal.done),
            "releasing_streams": releasing,  # abandoned here, their leases not yet released
            "pending_events": sum(len(journal.pending) for journal in self._journals.values()),
            "flushes": self._flushes,
            "flush_seconds": round(self._flush_seconds, 6),
            "last_error": self._last_error,  # for operators; the app keeps it from clients
        }

    # -- cancel and lease --------------------------------------------------

    async def request_cancel(self, stream_id: str, wait_s: float = 5.0) -> StreamView | None:
        """Cancel a stream wherever it is generated; returns its view once it ended (or after `wait_s`).

        Remote: a `cancel` field in its meta hash, which the generating instance reads
        in the answer to its next write (at most `touch_interval_s` away).
        """
        local = self._local.get(stream_id)
        if local is not None:
            task = local.generation
            if task is not None and not task.done():
                task.cancel()
                await asyncio.wait((task,), timeout=wait_s)
            return local
        if not STREAM_ID.fullmatch(stream_id):
            return None
        keys = self.keys(stream_id)
        try:
            view = await RemoteStream.load(self._followers, stream_id, keys, block_ms=self._block_ms)
            if view is None or view.finished:
                return view
            await self._redis.eval(REQUEST_CANCEL_SCRIPT, 1, keys.meta)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(_drain(view, view.last_event_id), timeout=wait_s)
            return await RemoteStream.load(self._followers, stream_id, keys, block_ms=self._block_ms)
        except RedisError as exc:
            logger.warning("stream %s: cannot reach its log in Redis to cancel it: %s", stream_id, exc)
            raise StoreUnavailable(str(exc)) from exc

    async def try_acquire_lease(self, stream_id: str) -> str | None:
        """Take a stream whose holder's lease expired (or was released): the new `<instance>:<epoch>`, else None.

        The new epoch fences the old holder: its next write finds another holder and stops.
        """
        keys = self.keys(stream_id)
        epoch = await self._redis.eval(
            ACQUIRE_LEASE_SCRIPT,
            3,
            keys.meta,
            keys.lease,
            keys.text,
            self.instance,
            self._lease_ms,
        )
        return f"{self.instance}:{int(epoch)}" if epoch else None

    # -- audit -------------------------------------------------------------

    @property
    def audit_key(self) -> str:
        return self._keys.audit

    async def append_audit(self, record: dict[str, Any], max_len: int = 1_000_000) -> None:
        """One entry per finished stream in a Redis Stream that billing and support read (XRANGE/XREAD)."""
        try:
            await self._redis.xadd(
                self.audit_key,
                {"stream_id": record.get("stream_id", ""), "record": orjson.dumps(record, default=str)},
                maxlen=max_len,
                approximate=True,
            )
        except RedisError as exc:
            logger.warning("cannot append the audit record of %s to Redis: %s", record.get("stream_id"), exc)

    # -- takeover ----------------------------------------------------------

    async def find_orphans(self) -> list[str]:
        """Running streams whose holder's lease lapsed or was released, not generated (or being released) here."""
        if self._handing_over or self._closing:
            return []
        ids = [raw.decode() for raw in cast(set[bytes], await self._redis.smembers(self._keys.running))]
        ids = [stream_id for stream_id in ids if self._candidate(stream_id)]
        if not ids:
            return []
        if self._write_many:  # one Redis: the streams are looked at there, a short answer per ORPHAN_CHECKS of them
            orphans: list[str] = []
            ended: list[str] = []
            parts = self._orphan_key_parts
            for start in range(0, len(ids), ORPHAN_CHECKS):
                lapsed, gone = await self._redis.eval(
                    FIND_ORPHANS_SCRIPT, 0, *parts, *ids[start : start + ORPHAN_CHECKS]
                )
                orphans += map(bytes.decode, lapsed)
                ended += map(bytes.decode, gone)
            if ended:
                await self._redis.srem(self._keys.running, *ended)
            return orphans
        async with self._redis.pipeline(transaction=False) as pipe:
            for stream_id in ids:
                keys = self.keys(stream_id)
                pipe.hget(keys.meta, "status")
                pipe.exists(keys.lease)
            replies = await pipe.execute()
        orphans = []
        ended = []
        for index, stream_id in enumerate(ids):
            status, leased = replies[2 * index], replies[2 * index + 1]
            if status != b"running":
                ended.append(stream_id)  # finished or expired: no longer a candidate
            elif not leased:
                orphans.append(stream_id)
        if ended:
            await self._redis.srem(self._keys.running, *ended)
        return orphans

    def _candidate(self, stream_id: str) -> bool:
        """A running stream another instance may have left: not generated (or being released) here, a valid id."""
        return stream_id not in self._local and not self._releasing(stream_id) and bool(STREAM_ID.fullmatch(stream_id))

    @property
    def _orphan_key_parts(self) -> tuple[str, str, str]:
        """A stream's meta and lease keys as (before the id, after it for the meta, after it for the lease)."""
        placeholder = "st_ID"
        keys = self.keys(placeholder)
        before, after_meta = keys.meta.split(placeholder)
        return before, after_meta, keys.lease.split(placeholder)[1]

    def _releasing(self, stream_id: str) -> bool:
        """Abandoned here and not yet released (nor fenced): our release comes first, then anyone adopts it."""
        journal = self._journals.get(stream_id)
        return journal is not None and not journal.done

    async def adopt(self, stream_id: str) -> tuple[LiveStream, dict[str, Any], str] | None:
        """Take a lapsed (or released) stream's lease and rebuild it here from its log.

        Returns the stream (its journal attached, fenced by the new epoch), the
        generation request it was created with, and the previous owner; None if
        another instance was faster or the stream cannot be continued (then it is
        ended here with an `error`, so nobody adopts it again and again).
        """
        if self._handing_over or self._closing:
            return None
        acquired_at = time.monotonic()
        holder = await self.try_acquire_lease(stream_id)
        if holder is None:
            return None
        keys = self.keys(stream_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hgetall(keys.meta)
            pipe.get(keys.text)
            pipe.xrange(keys.events)
            meta, text, entries = await pipe.execute()
        frames = [fields[b"f"] for _, fields in entries]
        stream = LiveStream.restored(
            stream_id,
            meta[b"token"].decode(),
            meta[b"route"].decode(),
            float(meta[b"created_at"]),
            frames,
            (text or b"").decode(),
        )
        stream.key_id = meta.get(b"key_id", b"").decode() or None
        epoch = int(holder.rsplit(":", 1)[1])
        journal = StreamJournal(
            stream,
            keys,
            self._dirty,
            max_events=self._max_events,
            max_bytes=self._max_bytes,
            holder=holder,
            epoch=epoch,
        )
        journal.durable = len(frames)
        journal.meta_written = journal.leased = True
        journal.renewed_at = acquired_at
        journal.touched_at = time.monotonic()
        stream.journal = journal
        self._local[stream_id] = stream
        self._journals[stream_id] = journal
        if b"fork" in meta:
            self._forks[stream_id] = int(meta[b"fork"])
        self._work.set()
        raw_request = meta.get(b"request")
        if not raw_request:
            logger.warning("stream %s: no request stored, cannot take it over; ending it", stream_id)
            message = "the stream's generation stopped and its request is not stored, so it cannot be continued"
            stream.finish("failed", events.ERROR, {"code": "not_resumable", "message": message, "kind": "internal"})
            return None
        stream.request = orjson.loads(raw_request)
        return stream, stream.request, meta.get(b"owner", b"?").decode()

    async def hand_over(self, timeout_s: float) -> int:
        """At shutdown: abandon every running stream here, write what it has, release its lease, tell the others.

        Readers here are ended without a terminal event and reconnect elsewhere; an
        instance sweeping for orphans hears of the handover at once (`next_sweep`)
        and adopts each stream without waiting for its lease to lapse. Returns how
        many streams were handed over. Waits at most `timeout_s` for the writes;
        a stream whose lease could not be released is adopted once it lapses.
        """
        self._handing_over = True
        deadline = time.monotonic() + timeout_s
        handed = 0
        for journal in list(self._journals.values()):
            if self._writing_here(journal):
                self._abandon(journal, "handed over at shutdown")
                handed += 1
        self._work.set()
        while any(not journal.done for journal in self._journals.values()) and time.monotonic() < deadline:
            if self._degraded or not self._dirty:
                await asyncio.sleep(0.005)  # the flusher has them in flight, or is reconnecting
                continue
            try:
                await asyncio.wait_for(self.flush(), timeout=max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                break
            except (RedisError, OSError) as exc:
                self._degrade(exc)
        unreleased = sum(1 for journal in self._journals.values() if not journal.done)
        if handed:
            await self._announce(handed)
        logger.info("handed %d streams over (%d not wholly written in %g s)", handed, unreleased, timeout_s)
        return handed

    async def _announce(self, streams: int) -> None:
        """Tell every instance's `next_sweep` that leases were released: they sweep for orphans at once."""
        try:
            announcement: dict[FieldT, EncodableT] = {"instance": self.instance, "streams": streams}
            await self._redis.xadd(self._keys.handover, announcement, maxlen=1000, approximate=True)
        except RedisError as exc:
            logger.warning("cannot announce released leases (%s): their streams are adopted at the next sweep", exc)

    async def next_sweep(self, interval_s: float) -> None:
        """Sleep up to `interval_s`; return as soon as another instance announces a handover."""
        deadline = time.monotonic() + interval_s
        try:
            if self._handover_seen is None:
                self._handover_seen = await self._last_handover()
            while (left := deadline - time.monotonic()) > 0 and not self._handing_over:
                block_ms = max(1, int(min(left, self._block_ms / 1000) * 1000))
                reply = cast(
                    XReadReply,
                    await self._followers.xread({self._keys.handover: self._handover_seen}, count=100, block=block_ms),
                )
                if reply:
                    self._handover_seen = reply[0][1][-1][0].decode()
                    return
        except RedisError:
            pass
        left = deadline - time.monotonic()
        if left > 0:
            await asyncio.sleep(left)

    async def _last_handover(self) -> str:
        """The id of the newest handover announcement: `next_sweep` waits for later ones."""
        entries = cast(StreamEntries, await self._followers.xrevrange(self._keys.handover, count=1))
        return entries[0][0].decode() if entries else "0-0"

    @staticmethod
    def _writing_here(journal: StreamJournal) -> bool:
        """The stream runs and this instance is its writer (not abandoned, not fenced)."""
        return journal.limit is None and not journal.done and not journal.stream.finished

    async def _view(self, stream_id: str, keys: StreamKeys, cursor: int) -> RemoteStream | None:
        """A reader's view of the stream's Redis log, for a client at `cursor` (rewound if past a fork)."""
        return await RemoteStream.load(self._followers, stream_id, keys, block_ms=self._block_ms, cursor=cursor)

    def _abandon(self, journal: StreamJournal, why: str) -> None:
        """Stop being the stream's writer here without ending it: another instance continues it."""
        stream = journal.stream
        journal.abandon()
        if self._local.get(stream.id) is stream:
            del self._local[stream.id]  # reads here go to Redis from now on
            self._forks.pop(stream.id, None)
        logger.warning("stream %s: %s; abandoning it here at event %d", stream.id, why, journal.limit)
        abandon = getattr(stream, "abandon", None)
        if abandon is not None:
            abandon()  # its readers end without a terminal event and reconnect elsewhere
        else:
            journal.cancel_generation(why)

    def _check_leases(self) -> None:
        """Self-fencing: a running stream whose lease we could not renew for `lease_s` minus the margin is abandoned.

        Another instance may adopt it once the lease lapses; by then this one has
        stopped appending, so no two instances ever write the stream at once.
        """
        try:
            window = self.lease_s - self._fence_margin_s
            cutoff = time.monotonic() - window
            for journal in list(self._journals.values()):
                if journal.renewed_at < cutoff and journal.leased and self._writing_here(journal):
                    self._abandon(journal, f"its lease could not be renewed for {window:g} s")
        finally:
            if not self._closing:
                self._fence_timer = asyncio.get_running_loop().call_later(self._fence_check_s, self._check_leases)

    # -- the flusher -------------------------------------------------------

    async def flush(self) -> None:
        """Write everything pending now (tests, shutdown)."""
        while self._dirty and not self._degraded:
            if all(journal.writing for journal in self._dirty):
                await asyncio.sleep(0.001)  # the flusher has them in flight
            else:
                await self._flush()

    async def _flush_forever(self) -> None:
        # Checks `_closing` as well as being cancelled: a cancel that lands inside the Redis
        # client, or in Python 3.11's wait_for as its inner wait completes, can be swallowed.
        while not self._closing:
            try:
                if self._degraded:
                    await asyncio.sleep(self._backoff_s)
                    self._backoff_s = min(self._backoff_s * 2, 2.0)  # reset by a write that succeeds
                    await self._recover()
                    continue
                if self._journals:
                    if not self._backlogged():
                        await asyncio.sleep(self._flush_interval_s)
                else:  # nothing generated here: sleep until add(), checking Redis now and then for health()
                    self._work.clear()
                    try:
                        async with asyncio.timeout(self._touch_interval_s):
                            await self._work.wait()
                    except TimeoutError:
                        await self._redis.ping()
                now = time.monotonic()
                if now >= self._next_sweep:  # O(streams) work: a few times per touch interval, not per tick
                    self._next_sweep = now + self._touch_interval_s / 4
                    self._touch_running(now)
                    self._forget_written(now)
                    if self._finished_ids:
                        finished, self._finished_ids = self._finished_ids, []
                        await self._redis.srem(self._keys.running, *finished)
                if self._dirty:
                    await self._flush()
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                self._degrade(exc)
            except Exception:  # the flusher must not die: the logs would silently stop
                logger.exception("redis flusher error")
                await asyncio.sleep(0.1)

    def _backlogged(self) -> bool:
        """A stream has more than one batch waiting (catching up): no pause before the next flush."""
        return any(len(journal.pending) > self._max_batch_events for journal in self._dirty)

    async def _flush(self) -> None:
        journals = [journal for journal in self._dirty if not journal.writing]
        self._dirty.difference_update(journals)
        if journals:
            await self._write(journals)

    async def _write(self, journals: list[StreamJournal]) -> None:
        """One round trip: the many-stream script per MANY_STREAMS streams, or with Redis Cluster one call per stream.

        No cross-slot transaction: each stream's write is atomic on its own.

        Streams whose meta this write creates (or recreates, after Redis lost it) are
        added to the running index in the same round trip, so a takeover sweep finds them.
        """
        if "write" not in self._scripts:
            await self._load_scripts()
        calls: list[tuple[StreamJournal, list[Pending], bool]] = []
        created: list[StreamJournal] = []
        max_batch = self._max_batch_events
        try:
            for journal in journals:
                if journal.done or journal.writing:
                    continue
                journal.writing = True
                batch = journal.pending[:max_batch]
                release = journal.release_with(batch) if journal.limit is not None else False
                calls.append((journal, batch, release))
                if not journal.meta_written:
                    created.append(journal)
            if not calls:
                return
            sent_at = time.monotonic()
            if self._write_many:
                answers, indexed = await self._write_packed(calls, created)
            else:
                answers, indexed = await self._write_pipelined(calls, created)
        except BaseException:
            self._dirty.update(journal for journal, _, _ in calls if journal.wants_write)
            raise
        finally:
            for journal, _, _ in calls:
                journal.writing = False
        self._flushes += 1
        failure: Exception | None = None
        released = 0
        lost = False
        now = time.monotonic()
        self._flush_seconds += now - sent_at
        if isinstance(indexed, Exception):
            failure = indexed
            for journal in created:
                journal.meta_written = False  # the running index is written again with the next batch
        dirty, keep_request = self._dirty, self.keep_request
        at = 0
        for journal, batch, release in calls:
            code = answers[at]
            if isinstance(code, Exception):
                failure = code
                dirty.add(journal)
                at += 3
                continue
            journal.touched_at = now
            if code == META_MISSING:
                lost = True
            journal.written(batch, code, answers[at + 1], answers[at + 2], sent_at=sent_at, release=release)
            at += 3
            if release and journal.released:
                released += 1
            if code == WRITTEN and not journal.final_written:  # the usual answer: more to write if more came
                if not journal.released and (journal.pending or journal.limit is not None):  # = wants_write here
                    dirty.add(journal)
                continue
            if journal.fenced:
                if journal.limit is None and not journal.stream.finished:
                    self._abandon(journal, "its lease was taken over by another instance")
            elif journal.final_written and not keep_request:
                journal.stream.request = None  # the prompt was needed for a takeover only
            if journal.wants_write:
                dirty.add(journal)
        if lost:  # Redis lost streams it had: readers elsewhere answer 503 until they are rewritten, not 404
            await self._lost_data()
        if released and not self._handing_over:  # released after a self-fence: adopt them now, not at the next sweep
            await self._announce(released)
        if isinstance(failure, NoScriptError):  # Redis restarted or failed over: load, retry next tick
            await self._load_scripts()
        elif failure is not None:  # e.g. OOM: degrade, retry with backoff
            raise failure
        else:
            self._backoff_s = 0.05

    async def _write_packed(
        self, calls: list[tuple[StreamJournal, list[Pending], bool]], created: list[StreamJournal]
    ) -> tuple[list[Any], Any]:
        """Write with the many-stream script, up to MANY_STREAMS streams a call, packed here and sent in one write.

        Returns each stream's answer as three values (code, last id, cancel) in one flat
        list (a failed call fails its streams), and the running index's answer (None: not written).
        """
        owner, keep_request = self.instance, self.keep_request
        sha = self._scripts["write_many"].encode()
        commands: list[bytes] = []
        sizes: list[int] = []
        for start in range(0, len(calls), MANY_STREAMS):
            chunk = calls[start : start + MANY_STREAMS]
            commands += pack_write_many(sha, self._packed_shared, chunk, owner=owner, keep_request=keep_request)
            sizes.append(len(chunk))
        if created:
            ids = [journal.stream.id.encode() for journal in created]
            commands.append(command_head(2 + len(ids), b"SADD", self._keys.running.encode(), *ids))
        replies = await send_packed(self._redis, commands, len(sizes) + bool(created))
        answers: list[Any] = []
        for reply, size in zip(replies, sizes):
            answers += reply if not isinstance(reply, Exception) else [reply] * (3 * size)
        return answers, replies[-1] if created else None

    async def _write_pipelined(
        self, calls: list[tuple[StreamJournal, list[Pending], bool]], created: list[StreamJournal]
    ) -> tuple[list[Any], Any]:
        """Write with the one-stream script, a call per stream (Redis Cluster: each in its slot), pipelined.

        Returns what `_write_packed` does.
        """
        async with self._redis.pipeline(transaction=False) as pipe:
            for journal, batch, release in calls:
                args = journal.script_args(
                    batch,
                    ttl_ms=self._ttl_ms,
                    gone_ms=self._gone_ms,
                    lease_ms=self._lease_ms,
                    owner=self.instance,
                    release=release,
                    keep_request=self.keep_request,
                )
                pipe.execute_command("EVALSHA", self._scripts["write"], 5, *journal.key_args, *args)
            if created:
                pipe.sadd(self._keys.running, *(journal.stream.id for journal in created))
            replies = await pipe.execute(raise_on_error=False)
        answers: list[Any] = []
        for reply in replies[: len(calls)]:
            answers += reply if not isinstance(reply, Exception) else [reply] * 3
        return answers, replies[len(calls)] if created else None

    def _touch_running(self, now: float) -> None:
        """Running streams with nothing to write still renew TTL and lease, and hear of cancels."""
        for journal in self._journals.values():
            if (
                not journal.stream.finished
                and journal.stream.journal is journal
                and now - journal.touched_at >= self._touch_interval_s
            ):
                self._dirty.add(journal)

    def _forget_written(self, now: float) -> None:
        """Streams wholly in Redis leave the journals; after `local_keep_s` their readers use Redis too.

        Only a final status takes a stream out of the running index: a stream we were
        fenced from or released is still running, and must stay adoptable.
        """
        for stream_id, journal in list(self._journals.items()):
            if journal.done and not journal.pending and not journal.writing:
                del self._journals[stream_id]
                if journal.stream.journal is journal:  # the stream and its journal point at each other
                    journal.stream.journal = None
                if journal.final_written:
                    self._written[stream_id] = now
                    self._finished_ids.append(stream_id)
        for stream_id, since in list(self._written.items()):
            if now - since >= self._local_keep_s:
                del self._written[stream_id]
                self._local.pop(stream_id, None)
                self._forks.pop(stream_id, None)

    async def _load_scripts(self) -> None:
        self._scripts["write"] = await self._redis.script_load(WRITE_SCRIPT)
        if self._write_many:
            self._scripts["write_many"] = await self._redis.script_load(WRITE_MANY_SCRIPT)

    def _degrade(self, exc: BaseException) -> None:
        announce = not self._degraded
        if announce:
            logger.warning("Redis unavailable, streaming on from memory: %s", exc)
        self._degraded = True
        self._last_error = f"{type(exc).__name__}: {exc}"
        for journal in self._journals.values():
            journal.detach()
            if announce and self._writing_here(journal):  # clients learn that resume elsewhere may fail
                journal.stream.append(
                    events.RESUME, {"available": False, "reason": "the stream log (Redis) is unreachable"}
                )

    async def _recover(self) -> None:
        """Redis answers again: reload the script and rewrite every unfinished log from its frames."""
        await self._redis.ping()
        await self._load_scripts()
        await self._check_alive()
        self._degraded = False
        logger.warning("Redis is back, catching the stream logs up")
        for journal in self._journals.values():
            if not journal.done:
                journal.rebuild(journal.durable)
                if self._writing_here(journal):
                    journal.stream.append(events.RESUME, {"available": True})


async def _drain(view: RemoteStream, after: int) -> None:
    async for _ in view.follow(after):
        pass
