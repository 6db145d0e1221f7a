"""A stream generated here: its append-only event log, held in process, and the readers that follow it.

The generation appends; every client is a cursor that reads the log from its
own position and then follows it live. Appending is O(1) per reader: it feeds
the readers that are caught up (`Follower.deliver`, relay/sse.py) and wakes any
other waiting iterator; readers that are behind never wait, they take a slice.

A finished stream kept for resume is packed (`PackedFrames`): its frames become
one bytes object and its text one string, so a relay that has served thousands
of streams does not hold thousands of small objects per stream.

A reader that is behind reads the log in pieces of at most `MAX_PIECE_BYTES`
(`LiveStream.piece`): the frames are shared, and what one reader holds that its
client has not taken yet is bounded, however long the stream.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import sys
import time
from array import array
from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol, overload

from .. import events
from .access import Right, token_digest, token_rights
from .view import Status, snapshot_of

MAX_PIECE_BYTES = 64 * 1024  # what a reader that is behind is sent at once (a single larger frame goes alone)


class Follower(Protocol):
    """A reader the generation feeds itself while the reader is caught up (relay/sse.py's response).

    `deliver` runs inside the append, in the generation's task: it must not block
    and must not raise. A follower that cannot take a frame at once stops being fed
    and catches up from the log in its own task.
    """

    def deliver(self, stream: LiveStream) -> None: ...

    def release(self, stream: LiveStream) -> None:
        """The stream was abandoned here: stop following it, without sending anything more."""
        ...


class Journal(Protocol):
    """Where a durable store hears of each event appended here (it batches the writes)."""

    def record(self, stream: LiveStream, event_id: int, event: str, frame: bytes, text: str | None) -> None: ...


class PackedFrames(Sequence[bytes]):
    """A finished stream's frames: one bytes object and where each frame ends in it."""

    __slots__ = ("_data", "_ends")

    def __init__(self, frames: Sequence[bytes]) -> None:
        self._data = b"".join(frames)
        self._ends = array("I" if len(self._data) < 2**32 else "Q", itertools.accumulate(map(len, frames)))

    def __len__(self) -> int:
        return len(self._ends)

    @overload
    def __getitem__(self, index: int) -> bytes: ...

    @overload
    def __getitem__(self, index: slice) -> list[bytes]: ...

    def __getitem__(self, index: int | slice) -> bytes | list[bytes]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("frame index out of range")
        return self._data[self._offset(index) : self._ends[index]]

    @property
    def nbytes(self) -> int:
        return len(self._data) + self._ends.itemsize * len(self._ends)

    def joined(self, start: int, end: int) -> bytes:
        """Frames [start, end) as one bytes object, without splitting them first."""
        if start >= end:
            return b""
        return self._data[self._offset(start) : self._ends[end - 1]]

    def piece_end(self, start: int, end: int, limit: int) -> int:
        """Where a piece of frames from `start` ends: as many as fit in `limit` bytes, at least one."""
        stop = bisect.bisect_right(self._ends, self._offset(start) + limit, start, end)
        return max(stop, start + 1)

    def _offset(self, index: int) -> int:
        return self._ends[index - 1] if index else 0


class LiveStream:
    """One stream: its metadata, its encoded events and the text so far."""

    __slots__ = (
        "id",
        "_token_digest",
        "route",
        "created_at",
        "updated_at",
        "status",
        "finish_reason",
        "error",
        "frames",
        "_text_parts",
        "_wakeup",
        "_followers",
        "_unannounced",
        "generation",
        "audit",
        "journal",
        "reconnects",
        "request",
        "abandoned",
        "key_id",
    )

    def __init__(self, stream_id: str, token: str, route: str) -> None:
        self.id = stream_id
        self._token_digest = token_digest(token)
        self.route = route
        self.created_at = self.updated_at = time.time()
        self.status: Status = "running"
        self.finish_reason: str | None = None
        self.error: dict[str, Any] | None = None
        self.frames: list[bytes] | PackedFrames = []  # frames[i] is the event with id i + 1; packed once finished
        self._text_parts: list[str] = []
        self._wakeup: asyncio.Event | None = None
        self._followers: list[Follower] = []
        self._unannounced = False  # frames appended with wake=False that no reader was woken for yet
        self.generation: asyncio.Task[None] | None = None  # set while a generation runs here
        self.audit: dict[str, Any] = {}
        self.journal: Journal | None = None  # set by a durable store
        self.reconnects = 0  # event requests that resumed from a cursor
        self.request: dict[str, Any] | None = None  # what was asked, kept so another instance can take over
        self.abandoned = False  # this instance stopped being the writer without ending the stream (`abandon`)
        self.key_id: str | None = None  # the SHA-256 of the API key that created it: no other key may read it

    @classmethod
    def restored(
        cls, stream_id: str, token_digest: str, route: str, created_at: float, frames: list[bytes], text: str
    ) -> LiveStream:
        """A running stream rebuilt from a durable log, to continue its generation here."""
        stream = cls(stream_id, "", route)
        stream._token_digest = token_digest
        stream.created_at = created_at
        stream.frames = frames
        stream._text_parts = [text] if text else []
        return stream

    # -- access ----------------------------------------------------------

    @property
    def token_digest(self) -> str:
        """What a durable store keeps instead of the token."""
        return self._token_digest

    def token_matches(self, token: str) -> bool:
        return token_rights(self._token_digest, token) is not None

    def rights(self, token: str) -> Right | None:
        return token_rights(self._token_digest, token)

    @property
    def last_event_id(self) -> int:
        return len(self.frames)

    @property
    def nbytes(self) -> int:
        """The bytes of frames and text this stream holds (what a memory bound counts)."""
        frames = self.frames
        held = frames.nbytes if isinstance(frames, PackedFrames) else sum(map(len, frames))
        return held + sys.getsizeof(self.text)

    @property
    def finished(self) -> bool:
        return self.status != "running"

    @property
    def text(self) -> str:
        if len(self._text_parts) > 1:  # join lazily, keep one string from then on
            self._text_parts = ["".join(self._text_parts)]
        return self._text_parts[0] if self._text_parts else ""

    def snapshot(self) -> dict[str, Any]:
        return snapshot_of(self)

    # -- writing (the generation only) -----------------------------------

    def append_token(self, text: str) -> None:
        """The hot path: one token event per upstream chunk."""
        if self.abandoned:
            return
        self._text_parts.append(text)
        event_id = len(self.frames) + 1
        frame = events.encode_event(event_id, events.TOKEN, {"text": text})
        self.frames.append(frame)  # type: ignore[union-attr]  # a list while running
        if self.journal is not None:
            self.journal.record(self, event_id, events.TOKEN, frame, text)
        self._notify()

    def append(self, event: str, data: dict[str, Any], *, wake: bool = True) -> int:
        """Append an event; with `wake=False` readers get it with the next event (or `announce`).

        Progress and cost events ride along with the next token that way: one
        send per reader instead of two, and no burst of sends on every tick.
        An abandoned stream takes nothing more: the id returned is then the last one it has.
        """
        if self.abandoned:
            return len(self.frames)
        event_id = len(self.frames) + 1
        frame = events.encode_event(event_id, event, data)
        self.frames.append(frame)  # type: ignore[union-attr]  # a list while running
        if self.journal is not None:
            self.journal.record(self, event_id, event, frame, None)
        if wake:
            self._notify()
        else:
            self._unannounced = True
        return event_id

    def announce(self) -> None:
        """Wake readers for events appended with `wake=False` that nothing has carried out yet."""
        if self._unannounced:
            self._notify()

    def finish(self, status: Status, event: str, data: dict[str, Any]) -> None:
        """Append the one terminal event (`done` or `error`) and close the log."""
        if self.finished or self.abandoned:
            return
        self.status = status  # set before the append, so the journal records the final status
        if event == events.DONE:
            self.finish_reason = data.get("finish_reason")
        else:
            self.error = data
        self.append(event, data)
        self._pack()

    def abandon(self) -> None:
        """Stop being this stream's writer without ending the stream (a lost lease, a handover at shutdown).

        The generation is cancelled, later appends are ignored, and every local reader
        ends without a terminal event: `follow` returns and SSE responses end their body,
        so clients reconnect with `Last-Event-ID`, to whichever instance writes it now.
        The status stays `running`.
        """
        if self.finished or self.abandoned:
            return
        self.abandoned = True
        self._unannounced = False  # what was appended unannounced is not sent from here any more
        task = self.generation
        if task is not None and not task.done():
            task.cancel()
        wakeup, self._wakeup = self._wakeup, None
        if wakeup is not None:
            wakeup.set()
        for follower in list(self._followers):
            follower.release(self)

    def _pack(self) -> None:
        """Keep a finished stream compact: readers holding the old list still read it, unchanged."""
        self.frames = PackedFrames(self.frames)
        self._text_parts = ["".join(self._text_parts)] if self._text_parts else []

    def _notify(self) -> None:
        self.updated_at = time.time()
        self._unannounced = False
        wakeup = self._wakeup
        if wakeup is not None:
            self._wakeup = None
            wakeup.set()
        for follower in self._followers:
            follower.deliver(self)

    # -- reading (every client) ------------------------------------------

    def attach(self, follower: Follower) -> None:
        """Feed `follower` on every append from now on; it has read every frame so far."""
        self._followers.append(follower)

    def detach(self, follower: Follower) -> None:
        if follower in self._followers:
            self._followers.remove(follower)

    def frames_between(self, start: int, end: int) -> bytes:
        """The frames of event ids start + 1 to end, as one bytes object (growing or packed)."""
        frames = self.frames
        if isinstance(frames, PackedFrames):
            return frames.joined(start, end)
        return b"".join(frames[start:end])

    def piece(self, start: int, end: int, limit: int = MAX_PIECE_BYTES) -> tuple[bytes, int]:
        """The frames after event id `start` (up to `end`) that fit in `limit` bytes, at least one; and the last id.

        What a reader that is behind is sent at once: a copy of the whole rest per
        reader would hold a stream's size for every client that does not read.
        """
        frames = self.frames
        if isinstance(frames, PackedFrames):
            stop = frames.piece_end(start, end, limit)
            return frames.joined(start, stop), stop
        stop, size = start, 0
        while stop < end:
            size += len(frames[stop])
            if size > limit and stop > start:
                break
            stop += 1
        return (frames[start] if stop == start + 1 else b"".join(frames[start:stop])), stop

    async def follow(self, after: int) -> AsyncIterator[bytes]:
        """Yield the frames after event id `after`, in pieces, then live until the end (or until abandoned)."""
        position = after
        while True:
            if self.abandoned:
                return
            end = len(self.frames)
            if end > position:
                body, position = self.piece(position, end)
                yield body
                continue
            if self.finished:
                return
            if self._wakeup is None:
                self._wakeup = asyncio.Event()
            await self._wakeup.wait()
