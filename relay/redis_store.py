"""The Redis store: streams generated here stay in process, their logs are written behind.

Local readers read the LiveStream directly (the hot path never waits on Redis).
Each LiveStream's `journal` is a StreamJournal whose `record()` is a list append
and a set add. One flusher task writes every dirty stream's backlog every
`flush_interval_s`, one pipelined round trip per flush (one Lua script call per
stream), so a crash loses at most the last flush interval plus one round trip
of events. When Redis is away the journals are detached (the LiveStream's own
frames are the buffer, so nothing grows) and rebuilt from those frames when it
returns. See docs/redis.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from typing import Any, Union

import hiredis
import orjson
from redis.asyncio import Redis, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import NoScriptError, RedisError

from . import events
from .redis_log import (
    ACQUIRE_LEASE_SCRIPT,
    REQUEST_CANCEL_SCRIPT,
    STREAM_ID,
    WRITE_SCRIPT,
    RemoteStream,
    StoreUnavailable,
    StreamKeys,
    decode_frame,
    wait_for_event,
)
from .store import StreamTooLarge
from .stream import LiveStream

logger = logging.getLogger("splice_relay.redis")

WRITTEN, META_MISSING, GAP, FENCED = 0, 1, 2, 3
Pending = tuple[int, str, bytes, Union[str, None]]  # event id, event name, frame, token text
StreamView = Union[LiveStream, RemoteStream]


class StreamJournal:
    """The write-behind buffer of one LiveStream: the events Redis does not have yet."""

    __slots__ = (
        "stream", "keys", "pending", "dirty", "durable", "meta_written", "final_written", "event_limit",
        "byte_limit", "bytes", "holder", "epoch", "fenced", "cancel_seen", "writing", "touched_at", "written_at",
    )

    def __init__(self, stream: LiveStream, keys: StreamKeys, dirty: set[StreamJournal], *, max_events: int, max_bytes: int, holder: str, epoch: int) -> None:
        self.stream = stream
        self.keys = keys
        self.pending: list[Pending] = []
        self.dirty = dirty  # the store's set of journals with something to write
        self.durable = 0  # the last event id Redis confirmed
        self.meta_written = False
        self.final_written = False
        self.event_limit = max_events
        self.byte_limit = max_bytes
        self.bytes = 0  # frame bytes Redis confirmed, for the size bound
        self.holder = holder  # "<instance>:<epoch>", the lease value our writes must match
        self.epoch = epoch
        self.fenced = False
        self.cancel_seen = False
        self.writing = False  # one write in flight per stream keeps the batches in order
        self.touched_at = 0.0
        self.written_at: float | None = None

    def record(self, stream: LiveStream, event_id: int, event: str, frame: bytes, text: str | None) -> None:
        """Per token: O(1), never awaits. Over the bound, the generation gets StreamTooLarge."""
        self.pending.append((event_id, event, frame, text))
        self.dirty.add(self)
        if event_id > self.event_limit and event not in events.TERMINAL_EVENTS:
            raise StreamTooLarge(f"stream {stream.id} is over the log bound ({self.event_limit} events or {self.byte_limit} bytes of frames)")

    @property
    def done(self) -> bool:
        """Everything, the final status included, is in Redis (or never will be: fenced)."""
        return self.fenced or self.final_written

    def detach(self) -> None:
        """Redis is away: drop the backlog, the LiveStream's frames hold it; `rebuild` restores it."""
        if self.stream.journal is self:
            self.stream.journal = None
        self.pending = []
        self.dirty.discard(self)

    def rebuild(self, after: int) -> None:
        """Queue every event after `after` again, from the LiveStream's frames, and attach."""
        frames = self.stream.frames
        pending: list[Pending] = []
        for event_id in range(after + 1, len(frames) + 1):
            event, text = decode_frame(frames[event_id - 1])
            pending.append((event_id, event, frames[event_id - 1], text))
        self.pending = pending
        self.durable = min(self.durable, after)
        self.stream.journal = self  # no await since reading `frames`: nothing is missed
        self.dirty.add(self)

    def script_args(self, batch: list[Pending], *, ttl_ms: int, gone_ms: int, lease_ms: int, owner: str) -> list[Any]:
        stream = self.stream
        final = bool(batch) and batch[-1][1] in events.TERMINAL_EVENTS
        args: list[Any] = [
            self.holder, self.epoch, lease_ms, ttl_ms, gone_ms,
            "" if self.meta_written else "1", stream.token_digest, stream.route, repr(stream.created_at), owner,
            stream.status if final else "",
            (stream.finish_reason or "") if final else "",
            orjson.dumps(stream.error) if final and stream.error is not None else "",
            orjson.dumps(stream.audit) if final and stream.audit else "",
            batch[0][0] if batch else self.durable + 1, len(batch),
            orjson.dumps(stream.request) if stream.request is not None and not self.meta_written else "",
        ]
        for _, event, frame, text in batch:
            args += (event, frame, text or "")
        return args

    def written(self, batch: list[Pending], reply: list[int]) -> None:
        """Apply the script's answer to a batch sent from the head of `pending`."""
        code, last, cancel = (int(value) for value in reply)
        if code == WRITTEN:
            confirmed = 0
            for event_id, _, frame, _ in self.pending:
                if event_id > last:
                    break
                confirmed += 1
                self.bytes += len(frame)
            del self.pending[:confirmed]
            self.durable, self.meta_written = last, True
            if batch and batch[-1][1] in events.TERMINAL_EVENTS and last >= batch[-1][0]:
                self.final_written = True
            if self.bytes > self.byte_limit:
                self.event_limit = 0  # the next non-terminal record() raises
            if cancel and not self.cancel_seen:
                self.cancel_seen = True
                self._cancel_generation("cancel requested through Redis")
        elif code == META_MISSING:  # Redis lost the stream (a restart without persistence): all again
            self.meta_written = False
            self.rebuild(0)
        elif code == GAP:
            self.rebuild(last)
        else:
            logger.warning("stream %s: lease lost (epoch %s taken over), no longer writing its log", self.stream.id, self.epoch)
            self.fenced = True
            self.detach()
            self._cancel_generation("lease lost")

    def _cancel_generation(self, why: str) -> None:
        task = self.stream.generation
        if task is not None and not task.done():
            logger.info("stream %s: cancelling the generation (%s)", self.stream.id, why)
            task.cancel()


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
        touch_interval_s: float = 1.0,
        local_keep_s: float = 30.0,
        block_ms: int = 2000,
        max_connections: int = 4096,
        redis: Redis | None = None,
    ) -> None:
        # Two clients, a pool each: clients following a stream block one connection apiece, and
        # however many there are, the flusher, lease renewal and stream creation never wait on them.
        self._redis = redis or connect(url, socket_timeout_s=block_ms / 1000 + 5, max_connections=max_connections)
        self._followers = redis or connect(url, socket_timeout_s=block_ms / 1000 + 5, max_connections=max_connections)
        self._prefix = prefix
        self._ttl_ms = int(ttl_s * 1000)
        self._gone_ms = int((ttl_s + tombstone_s) * 1000)
        self._lease_ms = int(lease_s * 1000)
        self._flush_interval_s = flush_interval_s
        self._max_batch_events = max_batch_events
        self._max_events = max_events
        self._max_bytes = max_bytes
        self._touch_interval_s = touch_interval_s
        self._local_keep_s = local_keep_s
        self._block_ms = block_ms
        self.instance = secrets.token_hex(6)
        self._local: dict[str, LiveStream] = {}  # generated here, read here without Redis
        self._journals: dict[str, StreamJournal] = {}  # of local streams not yet wholly in Redis
        self._written: dict[str, float] = {}  # local streams wholly in Redis -> since when
        self._dirty: set[StreamJournal] = set()
        self._work = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None
        self._scripts: dict[str, str] = {}
        self._degraded = False
        self._last_error: str | None = None
        self._flushes = 0
        self._next_sweep = 0.0
        self._backoff_s = 0.05
        self._finished_ids: list[str] = []  # to drop from the running index at the next sweep
        self._closing = False

    def keys(self, stream_id: str) -> StreamKeys:
        return StreamKeys.of(stream_id, self._prefix)

    # -- StreamStore -------------------------------------------------------

    async def start(self) -> None:
        try:
            await self._load_scripts()
            if self._followers is not self._redis:
                await self._followers.ping()  # one connection ready: the first resume pays no handshake
        except RedisError as exc:
            self._degrade(exc)  # start anyway: streams run locally, the logs catch up later
        self._flusher = asyncio.create_task(self._flush_forever(), name="redis-store-flusher")

    async def close(self, timeout_s: float = 3.0) -> None:
        """Write what is pending (for at most `timeout_s`), then stop."""
        deadline = time.monotonic() + timeout_s
        self._closing = True
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
            except (RedisError, OSError, asyncio.TimeoutError) as exc:
                self._degrade(exc)
        unwritten = [stream_id for stream_id, journal in self._journals.items() if not journal.done]
        if unwritten:
            logger.warning("closing with %d stream logs incomplete in Redis: %s", len(unwritten), ", ".join(unwritten[:10]))
        clients = [self._redis] if self._followers is self._redis else [self._redis, self._followers]
        for client in clients:
            try:
                await asyncio.wait_for(client.aclose(), timeout=max(0.1, deadline - time.monotonic()))
            except (RedisError, OSError, asyncio.TimeoutError) as exc:
                logger.warning("closing a Redis client failed: %r", exc)

    @property
    def lease_s(self) -> float:
        return self._lease_ms / 1000

    @property
    def _running_key(self) -> str:
        """The ids of streams that may still be running: where a takeover sweep looks."""
        return f"{self._prefix}:running"

    async def add(self, stream: LiveStream) -> None:
        """Register a stream generated here; its metadata is in Redis before the id is handed out."""
        self._local[stream.id] = stream
        journal = StreamJournal(
            stream, self.keys(stream.id), self._dirty,
            max_events=self._max_events, max_bytes=self._max_bytes, holder=f"{self.instance}:1", epoch=1,
        )
        self._journals[stream.id] = journal
        self._work.set()
        if self._degraded:
            return  # detached: written from its frames when Redis returns
        stream.journal = journal
        try:  # another instance may be asked for this id as soon as the client has it
            async with asyncio.timeout(1.0):
                await self._write([journal])
            await self._redis.sadd(self._running_key, stream.id)
        except (RedisError, OSError, TimeoutError) as exc:
            self._degrade(exc)

    def ended(self, stream: LiveStream) -> None:
        """Nothing to do: a local copy is dropped `local_keep_s` after its log is whole in Redis, whose TTL bounds the rest."""

    async def get(self, stream_id: str, *, at_least: int = 0, wait_s: float = 1.0) -> StreamView | None:
        """The local stream, else a view of its Redis log; raises StreamGone (410) once it expired.

        `at_least` is the client's cursor: Redis may trail the generating instance by
        one flush, so wait (up to `wait_s`) for that event rather than hand out a view
        on which a valid cursor looks unknown (and would get a `reset`).
        """
        local = self._local.get(stream_id)
        if local is not None:
            return local
        if not STREAM_ID.fullmatch(stream_id):
            return None
        keys = self.keys(stream_id)
        try:
            view = await RemoteStream.load(self._followers, stream_id, keys, block_ms=self._block_ms)
            if view is not None and not view.finished and at_least > view.last_event_id:
                if await wait_for_event(self._followers, keys, at_least, wait_s):
                    view = await RemoteStream.load(self._followers, stream_id, keys, block_ms=self._block_ms)
        except RedisError as exc:
            raise StoreUnavailable(str(exc)) from exc
        return view

    def health(self) -> dict[str, object]:
        return {
            "kind": "redis",
            "degraded": self._degraded,
            "instance": self.instance,
            "local_streams": len(self._local),
            "unwritten_streams": sum(1 for journal in self._journals.values() if not journal.done),
            "pending_events": sum(len(journal.pending) for journal in self._journals.values()),
            "flushes": self._flushes,
            "last_error": self._last_error,
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
            raise StoreUnavailable(str(exc)) from exc

    async def try_acquire_lease(self, stream_id: str) -> str | None:
        """Take a stream whose holder's lease expired: the new `<instance>:<epoch>`, else None.

        The new epoch fences the old holder: its next write finds another holder and stops.
        """
        keys = self.keys(stream_id)
        epoch = await self._redis.eval(ACQUIRE_LEASE_SCRIPT, 2, keys.meta, keys.lease, self.instance, self._lease_ms)
        return f"{self.instance}:{int(epoch)}" if epoch else None

    # -- audit -------------------------------------------------------------

    @property
    def audit_key(self) -> str:
        return f"{self._prefix}:audit"

    async def append_audit(self, record: dict[str, Any], max_len: int = 1_000_000) -> None:
        """One entry per finished stream in a Redis Stream that billing and support read (XRANGE/XREAD)."""
        try:
            await self._redis.xadd(self.audit_key, {"stream_id": record.get("stream_id", ""), "record": orjson.dumps(record, default=str)}, maxlen=max_len, approximate=True)
        except RedisError as exc:
            logger.warning("cannot append the audit record of %s to Redis: %s", record.get("stream_id"), exc)

    # -- takeover ----------------------------------------------------------

    async def find_orphans(self) -> list[str]:
        """Running streams whose holder's lease lapsed (its instance died), not generated here."""
        ids = [raw.decode() for raw in await self._redis.smembers(self._running_key)]
        ids = [stream_id for stream_id in ids if stream_id not in self._local and STREAM_ID.fullmatch(stream_id)]
        if not ids:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for stream_id in ids:
                keys = self.keys(stream_id)
                pipe.hget(keys.meta, "status")
                pipe.exists(keys.lease)
            replies = await pipe.execute()
        orphans: list[str] = []
        ended: list[str] = []
        for index, stream_id in enumerate(ids):
            status, leased = replies[2 * index], replies[2 * index + 1]
            if status != b"running":
                ended.append(stream_id)  # finished or expired: no longer a candidate
            elif not leased:
                orphans.append(stream_id)
        if ended:
            await self._redis.srem(self._running_key, *ended)
        return orphans

    async def adopt(self, stream_id: str) -> tuple[LiveStream, dict[str, Any], str] | None:
        """Take a lapsed stream's lease and rebuild it here from its log.

        Returns the stream (its journal attached, fenced by the new epoch), the
        generation request it was created with, and the previous owner; None if
        another instance was faster or the stream cannot be continued.
        """
        holder = await self.try_acquire_lease(stream_id)
        if holder is None:
            return None
        keys = self.keys(stream_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hgetall(keys.meta)
            pipe.get(keys.text)
            pipe.xrange(keys.events)
            meta, text, entries = await pipe.execute()
        raw_request = meta.get(b"request")
        if not raw_request:
            logger.warning("stream %s: no request stored, cannot take it over", stream_id)
            return None
        frames = [fields[b"f"] for _, fields in entries]
        stream = LiveStream.restored(
            stream_id, meta[b"token"].decode(), meta[b"route"].decode(), float(meta[b"created_at"]), frames, (text or b"").decode()
        )
        stream.request = orjson.loads(raw_request)
        epoch = int(holder.rsplit(":", 1)[1])
        journal = StreamJournal(
            stream, keys, self._dirty, max_events=self._max_events, max_bytes=self._max_bytes, holder=holder, epoch=epoch,
        )
        journal.durable = len(frames)
        journal.meta_written = True
        journal.touched_at = time.monotonic()
        stream.journal = journal
        self._local[stream_id] = stream
        self._journals[stream_id] = journal
        self._work.set()
        return stream, stream.request, meta.get(b"owner", b"?").decode()

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
                        await self._redis.srem(self._running_key, *finished)
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
        """One round trip: one script call per stream, pipelined (no cross-slot transaction)."""
        if "write" not in self._scripts:
            await self._load_scripts()
        calls: list[tuple[StreamJournal, list[Pending]]] = []
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for journal in journals:
                    if journal.fenced or journal.writing:
                        continue
                    journal.writing = True
                    batch = journal.pending[: self._max_batch_events]
                    args = journal.script_args(batch, ttl_ms=self._ttl_ms, gone_ms=self._gone_ms, lease_ms=self._lease_ms, owner=self.instance)
                    pipe.execute_command("EVALSHA", self._scripts["write"], 5, *journal.keys.all, *args)
                    calls.append((journal, batch))
                if not calls:
                    return
                replies = await pipe.execute(raise_on_error=False)
        except BaseException:
            self._dirty.update(journal for journal, _ in calls if journal.pending or not journal.meta_written)
            raise
        finally:
            for journal, _ in calls:
                journal.writing = False
        self._flushes += 1
        failure: Exception | None = None
        now = time.monotonic()
        for (journal, batch), reply in zip(calls, replies):
            if isinstance(reply, Exception):
                failure = reply
                self._dirty.add(journal)
                continue
            journal.touched_at = now
            journal.written(batch, reply)
            if journal.pending:
                self._dirty.add(journal)
        if isinstance(failure, NoScriptError):  # Redis restarted or failed over: load, retry next tick
            await self._load_scripts()
        elif failure is not None:  # e.g. OOM: degrade, retry with backoff
            raise failure
        else:
            self._backoff_s = 0.05

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
        """Streams wholly in Redis leave the journals; after `local_keep_s` their readers use Redis too."""
        for stream_id, journal in list(self._journals.items()):
            if journal.done and not journal.pending and not journal.writing:
                del self._journals[stream_id]
                self._written[stream_id] = now
                self._finished_ids.append(stream_id)
        for stream_id, since in list(self._written.items()):
            if now - since >= self._local_keep_s:
                del self._written[stream_id]
                self._local.pop(stream_id, None)

    async def _load_scripts(self) -> None:
        self._scripts["write"] = await self._redis.script_load(WRITE_SCRIPT)

    def _degrade(self, exc: BaseException) -> None:
        announce = not self._degraded
        if announce:
            logger.warning("Redis unavailable, streaming on from memory: %s", exc)
        self._degraded = True
        self._last_error = f"{type(exc).__name__}: {exc}"
        for journal in self._journals.values():
            journal.detach()
            if announce and not journal.stream.finished:  # clients learn that resume elsewhere may fail
                journal.stream.append(events.RESUME, {"available": False, "reason": "the stream log (Redis) is unreachable"})

    async def _recover(self) -> None:
        """Redis answers again: reload the script and rewrite every unfinished log from its frames."""
        await self._redis.ping()
        await self._load_scripts()
        self._degraded = False
        logger.warning("Redis is back, catching the stream logs up")
        for journal in self._journals.values():
            if not journal.done:
                journal.rebuild(journal.durable)
                if not journal.stream.finished:
                    journal.stream.append(events.RESUME, {"available": True})


def connect(url: str, *, socket_timeout_s: float, max_connections: int = 4096) -> Redis:
    """A client for `url`; `redis+cluster://host:port` (or `rediss+cluster://`) for Redis Cluster.

    Fails fast (one retry, no backoff): the flusher has its own backoff, and a
    reader would rather end its response than stall. The pool bound is explicit:
    every client following a stream from Redis blocks one connection, and
    redis-py 8 caps an unconfigured pool at 100.
    """
    options: dict[str, Any] = {
        "socket_connect_timeout": 1.0,
        "socket_timeout": socket_timeout_s,
        "retry": Retry(NoBackoff(), 1),
        "max_connections": max_connections,
    }
    if url.startswith(("redis+cluster://", "rediss+cluster://")):
        return RedisCluster.from_url(url.replace("+cluster", "", 1), **options)  # type: ignore[return-value]
    client = Redis.from_url(url, **options)
    pool = client.connection_pool
    pool.connection_class = _packed_by_hiredis(pool.connection_class)  # before any connection exists
    return client


class _HiredisPacking:
    """Pack commands with hiredis (C) rather than redis-py's async connection (Python).

    redis-py's sync client already does this; its async one packs every argument
    in Python, about 60 µs for the flusher's EVALSHA of ~28 arguments, which was
    a third of the relay's CPU per token with the Redis store (docs/benchmarks.md).
    """

    def pack_command(self, *args: Any) -> list[bytes]:
        if isinstance(args[0], str) and " " in args[0]:  # "CONFIG GET"-style names are separate words
            args = (*args[0].split(), *args[1:])
        try:
            return [hiredis.pack_command(args)]
        except TypeError:  # a type hiredis does not take: redis-py's own packer (and its DataError)
            return super().pack_command(*args)  # type: ignore[misc]


def _packed_by_hiredis(connection_class: type) -> type:
    if issubclass(connection_class, _HiredisPacking):
        return connection_class
    return type(f"Hiredis{connection_class.__name__}", (_HiredisPacking, connection_class), {})


async def _drain(view: RemoteStream, after: int) -> None:
    async for _ in view.follow(after):
        pass
