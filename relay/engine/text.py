"""The text path: what happens to each chunk of upstream text before it joins the stream.

Text passes a hold-back (the trailing fragment a continuation might rewrite is
not sent yet) and is remembered in a rolling 200-token buffer. After a failover,
the next target's first words pass the seam repair until it has decided how they
join the sent text; from then on they take the hold-back path again, after the
seam's own filters when its decision left any (a wrapper's JSON string decoded,
a restarted list renumbered, a wrapper's closer or a closing offer held to the
end). Which path a chunk takes is the state held here (`seam_pending`), checked
per chunk.
"""

from __future__ import annotations

import time
from typing import Any

import tiktoken

from splice.buffer import RollingBuffer
from splice.holdback import HoldBack
from splice.prompt import ContinuationMode
from splice.seam import SeamRepair, SpliceResult

from .. import events
from ..log import LiveStream
from ..tokens import decode_safely, encode_safely, encoding_for_model

ROLLING_BUFFER_TOKENS = 200


class _Codec:
    """Encodes and decodes in the encoding of the model in use, for the rolling buffer.

    Apart from `TextPath`, so the buffer's callbacks do not point back at it (a cycle).
    """

    __slots__ = ("encoding",)

    def __init__(self, encoding: tiktoken.Encoding) -> None:
        self.encoding = encoding

    def encode(self, text: str) -> list[int]:
        # Special-token strings in text are just text. Should tiktoken fail, one token per byte keeps the seam working.
        return encode_safely(self.encoding, text)

    def decode(self, tokens: list[int]) -> str:
        return decode_safely(self.encoding, tokens)


class TextPath:
    """One stream's text path: hold-back, seam repair, the rolling buffer, and what was sent."""

    def __init__(self, stream: LiveStream, *, hold: bool, model: str) -> None:
        self.stream = stream
        self.sent_chars = 0
        self.first_sent_at: float | None = None  # monotonic
        self.splices: list[dict[str, Any]] = []
        self._hold = hold  # off: chunks pass straight through, nothing is ever held
        self._holdback = HoldBack()
        # Counted in the encoding of the model in use: `use_model` switches it per target.
        self._codec = _Codec(encoding_for_model(model))
        self._buffer = RollingBuffer(self._codec.encode, self._codec.decode, max_tokens=ROLLING_BUFFER_TOKENS)
        self._seam: SeamRepair | None = None
        self._filter: SeamRepair | None = None  # a decided seam whose filters the rest of the continuation passes
        self._dropped = ""  # the held fragment the last failure dropped; the seam may need it back

    @property
    def encoding(self) -> tiktoken.Encoding:
        """The encoding of the model in use, in which the sent text is counted."""
        return self._codec.encoding

    @property
    def seam_pending(self) -> bool:
        """A continuation's first words are still before the seam's decision."""
        return self._seam is not None

    def use_model(self, model: str) -> None:
        self._codec.encoding = encoding_for_model(model)

    def resume(self, text: str) -> None:
        """Start from text another instance already sent."""
        self.sent_chars = len(text)
        self._buffer.append(text)
        if text:
            self.first_sent_at = time.monotonic()

    # -- per chunk -----------------------------------------------------------

    def feed(self, text: str) -> None:
        """One chunk from the upstream."""
        seam = self._seam
        if seam is not None:
            self._after_seam(seam.feed(text))
            return
        if self._filter is not None:
            text = self._filter.feed(text)
        if self._hold:
            released = self._holdback.feed(text)
            if released:
                self._emit(released)
        else:
            self._emit(text)

    # -- between attempts ----------------------------------------------------

    def open_seam(self, sent_text: str, stripped_whitespace: str, mode: ContinuationMode) -> None:
        """A continuation starts: its first words go through the seam repair."""
        self._seam = SeamRepair(
            self._buffer.tail(),
            stripped_whitespace=stripped_whitespace,
            sent_text=sent_text,  # so a restart longer than the tail is still recognised
            dropped=self._dropped,
            mode="instruct" if mode == "instruct" else "prefill",  # the seam tells only these two apart
        )

    def drop_held(self) -> int:
        """An attempt failed: the held fragment is dropped (the next target regenerates it) and any seam with it.

        Returns how many characters were dropped.
        """
        self._dropped = self._holdback.drop()
        self._seam = None
        self._filter = None  # what its filters held was never sent either
        return len(self._dropped)

    def drop_held_again(self) -> None:
        """A continuation is retried: what it held is dropped too, after the first failure's fragment."""
        self._dropped += self._holdback.drop()

    def end(self) -> None:
        """The answer is over (a finish, or a stop): a pending seam is decided, the held fragment sent."""
        if self._seam is not None:
            self._after_seam(self._seam.finish(), final=True)
        if self._filter is not None:
            text, self._filter = self._filter.finish(), None
            self._emit(self._holdback.feed(text) if self._hold else text)
        self._emit(self._holdback.flush())

    # -- internals -----------------------------------------------------------

    def _after_seam(self, text: str, *, final: bool = False) -> None:
        seam = self._seam
        assert seam is not None
        result = seam.result
        if result is None and final:
            result = SpliceResult("passthrough", 0, 0)
        if result is not None:
            # Decided: report it once, then later chunks skip the seam entirely.
            record = {
                "strategy": result.strategy,
                "overlap_chars": result.overlap_chars,
                "dropped_chars": result.dropped_chars,
            }
            self.splices.append(record)
            self.stream.append(events.SPLICE, record)
            self._seam = None
            if seam.filtering and not final:  # at the end, `finish` has already flushed the filters
                self._filter = seam
            if text and self._hold:
                # The fallback's first word goes out at once, not when the whitespace after it
                # arrives: the reader has already waited out the stall, and holding it back would
                # guard only against this fallback failing inside that one word (the next target
                # would then continue mid-word, which the seam repairs too).
                self._emit(self._holdback.feed(text) or self._holdback.release())
                return
        if text:
            released = self._holdback.feed(text) if self._hold else text
            if released:
                self._emit(released)

    def _emit(self, text: str) -> None:
        if not text:
            return
        if self.first_sent_at is None:
            self.first_sent_at = time.monotonic()
        self.sent_chars += len(text)
        self._buffer.append(text)
        self.stream.append_token(text)
