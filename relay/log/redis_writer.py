"""Writing a stream's log to Redis behind its generation: one `StreamJournal` per stream generated here.

The journal is the LiveStream's `journal`: `record()` is a list append and a set
add, never I/O. The store's flusher turns a journal's backlog into one call of the
write script (`script_args`) and applies the answer (`written`): what Redis
confirmed leaves the backlog, a gap or a lost meta queues the events again from
the LiveStream's frames, and a refused lease (fenced) stops the writes for good.
"""

from __future__ import annotations

import logging
import time

import orjson

from .. import events
from .errors import StreamTooLarge
from .keys import StreamKeys
from .live import LiveStream
from .redis_client import bulk, command_head
from .scripts import (
    GAP,
    META_MISSING,
    WRITTEN,
    FinalMeta,
    Pending,
    StaticMeta,
    WriteExtra,
    WriteHeader,
    write_args,
)

logger = logging.getLogger("splice_relay.redis")

# Pieces of the packed many-stream call (the Redis protocol's "$<length>\r\n<bytes>\r\n" per argument), made
# once: the usual event names, small counts, and the length prefixes of the usual frames and token texts.
PACKED_EVENTS = {event: bulk(event.encode()) for event in (events.TOKEN, events.PROGRESS, events.COST)}
SMALL, SHORT = 64, 4096
SMALL_INTS = [bulk(b"%d" % n) for n in range(SMALL)]
LENGTHS = [b"$%d\r\n" % n for n in range(SHORT)]
CRLF_LENGTHS = [b"\r\n$%d\r\n" % n for n in range(SHORT)]
CRLF = b"\r\n"
CRLF_EMPTY = CRLF + bulk(b"")


def decode_frame(frame: bytes) -> tuple[str, str | None]:
    """The event name and, for a token, its text: rebuilds a journal from a LiveStream's frames."""
    event, data = events.decode_event(frame)
    return event, data.get("text") if event == events.TOKEN else None


class StreamJournal:
    """The write-behind buffer of one LiveStream: the events Redis does not have yet."""

    __slots__ = (
        "stream",
        "keys",
        "key_args",
        "epoch_arg",
        "packed_keys",
        "packed_lease",
        "pending",
        "dirty",
        "durable",
        "meta_written",
        "final_written",
        "event_limit",
        "byte_limit",
        "bytes",
        "holder",
        "epoch",
        "fenced",
        "cancel_seen",
        "writing",
        "touched_at",
        "written_at",
        "renewed_at",
        "leased",
        "limit",
        "released",
    )

    def __init__(
        self,
        stream: LiveStream,
        keys: StreamKeys,
        dirty: set[StreamJournal],
        *,
        max_events: int,
        max_bytes: int,
        holder: str,
        epoch: int,
    ) -> None:
        self.stream = stream
        self.keys = keys
        self.key_args = keys.all  # the write script's KEYS, built once
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
        self.epoch_arg = str(epoch)  # as every write passes it
        self.packed_keys = b"".join(bulk(key.encode()) for key in self.key_args)  # as the many-stream call sends them
        self.packed_lease = bulk(holder.encode()) + bulk(self.epoch_arg.encode())
        self.fenced = False
        self.cancel_seen = False
        self.writing = False  # one write in flight per stream keeps the batches in order
        self.touched_at = 0.0
        self.written_at: float | None = None
        self.renewed_at = time.monotonic()  # when the last write that renewed the lease was sent
        self.leased = False  # a write went through: our lease is in Redis, and it can lapse
        self.limit: int | None = None  # abandoned here: the last event id to write before the lease is released
        self.released = False

    def record(self, stream: LiveStream, event_id: int, event: str, frame: bytes, text: str | None) -> None:
        """Per token: O(1), never awaits. Over the bound, the generation gets StreamTooLarge."""
        self.pending.append((event_id, event, frame, text))
        self.dirty.add(self)
        if event_id > self.event_limit and event not in events.TERMINAL_EVENTS:
            raise StreamTooLarge(
                f"stream {stream.id} is over the log bound"
                f" ({self.event_limit} events or {self.byte_limit} bytes of frames)"
            )

    @property
    def done(self) -> bool:
        """Nothing more will be written: the final status is in Redis, the lease was released, or we were fenced."""
        return self.fenced or self.final_written or self.released

    @property
    def wants_write(self) -> bool:
        """Events to write, the static meta, or (abandoned) the lease to release."""
        if self.done:
            return False
        return bool(self.pending) or not self.meta_written or self.limit is not None

    def abandon(self) -> None:
        """This instance stops writing the stream: what was appended is still written, then the lease released."""
        if self.limit is not None:
            return
        self.limit = self.stream.last_event_id
        if self.stream.journal is self:
            self.stream.journal = None  # nothing appended from now on reaches Redis
        if not self.done:
            self.dirty.add(self)

    def release_with(self, batch: list[Pending]) -> bool:
        """Whether writing `batch` leaves nothing of an abandoned stream to write: the write then releases the lease."""
        if self.limit is None or len(batch) != len(self.pending):
            return False
        return (batch[-1][0] if batch else self.durable) >= self.limit

    def detach(self) -> None:
        """Redis is away: drop the backlog, the LiveStream's frames hold it; `rebuild` restores it."""
        if self.stream.journal is self:
            self.stream.journal = None
        self.pending = []
        self.dirty.discard(self)

    def rebuild(self, after: int) -> None:
        """Queue every event after `after` again, from the LiveStream's frames, and attach (unless abandoned)."""
        frames = self.stream.frames
        end = len(frames) if self.limit is None else self.limit
        pending: list[Pending] = []
        for event_id in range(after + 1, end + 1):
            event, text = decode_frame(frames[event_id - 1])
            pending.append((event_id, event, frames[event_id - 1], text))
        self.pending = pending
        self.durable = min(self.durable, after)
        if self.limit is None:
            self.stream.journal = self  # no await since reading `frames`: nothing is missed
        self.dirty.add(self)

    def extra(self, batch: list[Pending], *, owner: str, release: bool, keep_request: bool) -> WriteExtra | None:
        """The rare parts of the write of `batch` (creating the meta, the final status, a release); None for most."""
        final = bool(batch) and batch[-1][1] in events.TERMINAL_EVENTS
        if self.meta_written and not final and not release:
            return None
        stream = self.stream
        drop_request = final and not keep_request
        extra: WriteExtra = {"release": release, "drop_request": drop_request}
        if not self.meta_written:
            store_request = stream.request is not None and not drop_request
            extra["meta"] = StaticMeta(
                token=stream.token_digest,
                route=stream.route,
                created_at=repr(stream.created_at),
                owner=owner,
                key_id=stream.key_id or "",
                request=orjson.dumps(stream.request).decode() if store_request else "",
            )
        if final:
            extra["final"] = FinalMeta(
                status=stream.status,
                finish_reason=stream.finish_reason or "",
                error=orjson.dumps(stream.error).decode() if stream.error is not None else "",
                audit=orjson.dumps(stream.audit).decode() if stream.audit else "",
            )
        return extra

    def script_args(
        self,
        batch: list[Pending],
        *,
        ttl_ms: int,
        gone_ms: int,
        lease_ms: int,
        owner: str,
        release: bool,
        keep_request: bool,
    ) -> list[bytes | str]:
        """ARGV of the one-stream write script for `batch` (relay/log/scripts.py): the header as JSON, the events."""
        extra = self.extra(batch, owner=owner, release=release, keep_request=keep_request) or {}
        header: WriteHeader = {
            "holder": self.holder,
            "epoch": self.epoch_arg,
            "lease_ms": lease_ms,
            "ttl_ms": ttl_ms,
            "gone_ms": gone_ms,
            "first": batch[0][0] if batch else self.durable + 1,
            "release": release,
            "drop_request": extra.get("drop_request", False),
        }
        if "meta" in extra:
            header["meta"] = extra["meta"]
        if "final" in extra:
            header["final"] = extra["final"]
        return write_args(header, batch)

    def written(
        self, batch: list[Pending], code: int, last: int, cancel: int, *, sent_at: float, release: bool
    ) -> None:
        """Apply the script's answer (code, last id in Redis, cancel) to a batch sent from the head of `pending`."""
        if code == WRITTEN:
            pending, confirmed, size = self.pending, 0, 0
            for event_id, _, frame, _ in pending:
                if event_id > last:
                    break
                confirmed += 1
                size += len(frame)
            del pending[:confirmed]
            self.bytes += size
            self.durable, self.meta_written, self.leased = last, True, True
            if sent_at > self.renewed_at:  # the lease runs from no earlier than this
                self.renewed_at = sent_at
            if batch and batch[-1][1] in events.TERMINAL_EVENTS and last >= batch[-1][0]:
                self.final_written = True
            elif release:
                self.released = True
            if self.bytes > self.byte_limit:
                self.event_limit = 0  # the next non-terminal record() raises
            if cancel and not self.cancel_seen and self.limit is None:
                self.cancel_seen = True
                self.cancel_generation("cancel requested through Redis")
        elif code == META_MISSING:  # Redis lost the stream (a restart without persistence): all again
            self.meta_written = False
            self.rebuild(0)
        elif code == GAP:
            self.rebuild(last)
        else:
            logger.warning(
                "stream %s: lease lost (epoch %s taken over), no longer writing its log", self.stream.id, self.epoch
            )
            self.fenced = True
            self.detach()

    def pack_many_args(
        self, parts: list[bytes], batch: list[Pending], *, owner: str, release: bool, keep_request: bool
    ) -> int:
        """Append this stream's part of the many-stream script's ARGV for `batch`, packed; returns how many arguments.

        Its number of events, holder, epoch, first event id, the `WriteExtra` as JSON
        ('' for a plain append), then (event, frame, text) per event.
        """
        count = len(batch)
        first = b"%d" % (batch[0][0] if batch else self.durable + 1)
        parts += (SMALL_INTS[count] if count < SMALL else bulk(b"%d" % count), self.packed_lease)
        if self.meta_written and not release and (not count or batch[-1][1] not in events.TERMINAL_EVENTS):
            parts += (LENGTHS[len(first)], first, CRLF_EMPTY)  # a plain append: no extra
        else:
            extra = self.extra(batch, owner=owner, release=release, keep_request=keep_request)
            parts += (bulk(first), bulk(orjson.dumps(extra)))
        for _, event, frame, text in batch:
            raw = text.encode() if text else b""
            name = PACKED_EVENTS.get(event) or bulk(event.encode())
            frame_size, text_size = len(frame), len(raw)
            if frame_size < SHORT and text_size < SHORT:
                parts += (name, LENGTHS[frame_size], frame, CRLF_LENGTHS[text_size], raw, CRLF)
            else:
                parts += (name, bulk(frame), bulk(raw))
        return 5 + 3 * count

    def cancel_generation(self, why: str) -> None:
        """Cancel the stream's generation task, if it still runs here."""
        task = self.stream.generation
        if task is not None and not task.done():
            logger.info("stream %s: cancelling the generation (%s)", self.stream.id, why)
            task.cancel()


def pack_shared(*, lease_ms: int, ttl_ms: int, gone_ms: int) -> bytes:
    """The arguments every stream of a many-stream write shares, packed once per store."""
    return b"".join(bulk(b"%d" % value) for value in (lease_ms, ttl_ms, gone_ms))


def pack_write_many(
    sha: bytes, shared: bytes, calls: list[tuple[StreamJournal, list[Pending], bool]], *, owner: str, keep_request: bool
) -> list[bytes]:
    """One call of the many-stream write script (relay/log/scripts.py) for (journal, batch, release) each, packed."""
    args = [bulk(b"%d" % len(calls)), shared]
    argc = 4
    for journal, batch, release in calls:
        argc += journal.pack_many_args(args, batch, owner=owner, release=release, keep_request=keep_request)
    keys = 5 * len(calls)
    return [
        command_head(3 + keys + argc, b"EVALSHA", sha, b"%d" % keys),
        *(journal.packed_keys for journal, _, _ in calls),
        *args,
    ]
