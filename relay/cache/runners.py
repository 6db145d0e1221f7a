"""What runs a stream answered from the cache: a replay of an entry, or a join that follows a generation running here.

Both run as a stream's task the way a `Generation` does (`Relay.start_generation`): they
end the stream with exactly one terminal event, a DELETE cancels them, and the app
settles, audits and frees the stream when they end. The `Recorder` is the other side of
a join: it follows a cacheable stream generated here, feeds the streams that joined it,
and records the entry once the stream ends naturally.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any, Protocol

from .. import events
from ..engine.failures import error_data
from ..finish import openai_finish_reason
from .entries import Entry

if TYPE_CHECKING:
    from ..config import RouteConfig
    from ..engine import EngineServices, GenerationRequest
    from ..log import LiveStream

logger = logging.getLogger("splice_relay.cache")

CACHE = events.CACHE  # the event a stream answered from the cache starts with
UNNATURAL = frozenset({"cancelled", "budget"})  # finish reasons the relay set, not the model
UNCLEAN_SEAMS = frozenset({"forced", "passthrough"})
_INSTANT_BATCH = 256  # tokens appended per loop turn by an instant replay


class StreamRunner(Protocol):
    """What runs a stream's events: a `Generation`, a `Replay` or a `Join`."""

    @property
    def stream(self) -> LiveStream: ...

    async def run(self) -> None: ...

    def tick(self, now: float) -> None: ...

    def ensure_ended(self) -> None: ...


class Outcome(Protocol):
    """What the cache is told as streams are served and entries recorded (`AnswerCache`)."""

    def saved(self, usd: float | None) -> None: ...

    def record(self, recorder: Recorder, entry: Entry | None) -> None: ...


def zero_cost(billing: str, saved_usd: float | None) -> dict[str, Any]:
    """The final `cost` event of a stream answered from the cache: nothing spent, what the answer first cost."""
    return {
        "usd": 0.0,
        "input_tokens": 0,
        "output_tokens": 0,
        "estimated": False,
        "price_known": True,
        "billing": billing,
        "final": True,
        "attempts": [],
        "saved_usd": saved_usd,
    }


def _audit(
    stream: LiveStream, route: str, started_at: float, cache: dict[str, Any], billing: str | None
) -> dict[str, Any]:
    """The audit record of a stream answered from the cache: no attempts, zero cost, and where the answer came from."""
    record: dict[str, Any] = {
        "stream_id": stream.id,
        "route": route,
        "status": stream.status,
        "finish_reason": stream.finish_reason,
        "error": stream.error,
        "started_at": started_at,
        "ended_at": time.time(),
        "chars": len(stream.text),
        "attempts": [],
        "failovers": [],
        "splices": [],
        "reconnects": stream.reconnects,
        "cache": cache,
    }
    if billing is not None:
        cost = zero_cost(billing, cache.get("saved_usd"))
        record["cost"] = {
            key: cost[key] for key in ("usd", "input_tokens", "output_tokens", "estimated", "price_known")
        }
        record["cost"]["billing"] = billing
    return record


def _finish(stream: LiveStream, finish_reason: str, billing: str | None, saved_usd: float | None) -> None:
    if billing is not None:
        stream.append(events.COST, zero_cost(billing, saved_usd))
    stream.finish(
        "cancelled" if finish_reason == "cancelled" else "done",
        events.DONE,
        {"finish_reason": finish_reason, "openai_finish_reason": openai_finish_reason(finish_reason)},
    )


class Replay:
    """A hit: the entry's tokens appended to a new stream, at once or at the gaps they first came."""

    def __init__(
        self, stream: LiveStream, entry: Entry, route: RouteConfig, *, billing: str | None, outcome: Outcome
    ) -> None:
        self._stream = stream
        self.entry = entry
        self._route = route.name
        self._paced = route.cache_replay == "paced"
        self._billing = billing  # None: accounting is off, no cost events
        self._outcome = outcome

    def __repr__(self) -> str:
        return f"<Replay {self._stream.id} of {self.entry.source_stream}>"

    @property
    def stream(self) -> LiveStream:
        return self._stream

    async def run(self) -> None:
        stream, entry = self._stream, self.entry
        started_at = time.time()
        cache = {"hit": True, "source_stream": entry.source_stream, "saved_usd": entry.usd}
        finish_reason = entry.finish_reason
        try:
            stream.append(CACHE, cache)
            loop = asyncio.get_running_loop()
            due = loop.time()
            for index, (text, gap_ms) in enumerate(zip(entry.tokens, entry.gaps_ms, strict=True)):
                if self._paced and gap_ms and index:  # the first token at once, then the original gaps
                    due += gap_ms / 1000
                    await asyncio.sleep(max(0.0, due - loop.time()))
                elif index % _INSTANT_BATCH == _INSTANT_BATCH - 1:
                    await asyncio.sleep(0)  # a long answer does not hold the loop
                stream.append_token(text)
        except asyncio.CancelledError:
            finish_reason = "cancelled"
            raise
        except Exception:  # the log refused an event (a Redis bound), or a bug: an error, never a short `done`
            logger.exception("stream %s: the replay of %s failed", stream.id, entry.source_stream)
            finish_reason = ""
        finally:
            if not stream.finished and not stream.abandoned:
                if finish_reason:
                    _finish(stream, finish_reason, self._billing, entry.usd if finish_reason != "cancelled" else None)
                else:
                    stream.finish("failed", events.ERROR, error_data("internal", "internal"))
                stream.audit = _audit(stream, self._route, started_at, cache, self._billing)
                if finish_reason and finish_reason != "cancelled":
                    self._outcome.saved(entry.usd)

    def tick(self, now: float) -> None:
        """Nothing to report per tick: a replay has no upstream, no spend."""

    def ensure_ended(self) -> None:
        if not self._stream.finished and not self._stream.abandoned:
            _finish(self._stream, "cancelled", self._billing, None)


class Join:
    """A stream that follows an identical request's generation running here: one upstream call for both.

    The tokens so far are copied at once, the rest as they come (`Recorder` feeds them). When
    the generation ends without a natural finish (an error, a cancel, a budget, an unclean
    seam), this stream is not left with that ending: it runs its own generation on the route,
    continuing its text like a takeover would.
    """

    def __init__(
        self,
        stream: LiveStream,
        recorder: Recorder,
        route: RouteConfig,
        request: GenerationRequest,
        services: EngineServices,
        outcome: Outcome,
    ) -> None:
        self._stream = stream
        self.recorder = recorder
        self._route = route
        self._request = request
        self._services = services
        self._outcome = outcome
        self._billing = services.accounting.billing if services.accounting.enabled else None
        self._ended = asyncio.Event()
        self._followed = True
        self.inner: Any = None  # the own Generation, once the followed one failed

    def __repr__(self) -> str:
        return f"<Join {self._stream.id} of {self.recorder.source.id}>"

    @property
    def stream(self) -> LiveStream:
        return self._stream

    def feed(self, text: str) -> None:
        """A token of the followed stream (called inside its append: must not block or raise)."""
        self._stream.append_token(text)

    def source_ended(self, *, followed: bool = True) -> None:
        """The followed stream ended (`followed`: this stream has every token it sent)."""
        self._followed = self._followed and followed
        self._ended.set()

    async def run(self) -> None:
        stream, recorder = self._stream, self.recorder
        started_at = time.time()
        cache: dict[str, Any] = {"hit": True, "joined": True, "source_stream": recorder.source.id, "saved_usd": None}
        stream.append(CACHE, cache)
        for text in recorder.tokens:  # no await between the copy and joining: nothing is missed or doubled
            stream.append_token(text)
        recorder.join(self)
        try:
            await self._ended.wait()
        except asyncio.CancelledError:
            recorder.leave(self)
            if not stream.finished and not stream.abandoned:
                _finish(stream, "cancelled", self._billing, None)
                stream.audit = _audit(stream, self._route.name, started_at, cache, self._billing)
            raise
        if recorder.entry is not None and self._followed:  # the followed stream ended naturally: so does this one
            cache["saved_usd"] = recorder.entry.usd
            _finish(stream, recorder.entry.finish_reason, self._billing, recorder.entry.usd)
            stream.audit = _audit(stream, self._route.name, started_at, cache, self._billing)
            self._outcome.saved(recorder.entry.usd)
            return
        await self._own_generation(cache)

    async def _own_generation(self, cache: dict[str, Any]) -> None:
        from ..engine import Generation  # the engine imports nothing of the cache; this keeps it that way

        generation = self.inner = Generation(self._stream, self._route, self._request, self._services)
        if self._stream.text:
            generation.resume(f"cache:{self.recorder.source.id}")  # the followed stream's text is the partial answer
        logger.info(
            "stream %s: the stream it joined (%s) ended without an answer; generating its own",
            self._stream.id,
            self.recorder.source.id,
        )
        try:
            await generation.run()
        finally:
            if self._stream.audit:
                self._stream.audit["cache"] = {**cache, "hit": False, "followed_until_chars": self.recorder.chars}

    def tick(self, now: float) -> None:
        if self.inner is not None:
            self.inner.tick(now)

    def ensure_ended(self) -> None:
        if self.inner is not None:
            self.inner.ensure_ended()
        elif not self._stream.finished and not self._stream.abandoned:
            _finish(self._stream, "cancelled", self._billing, None)


class Recorder:
    """Follows a cacheable stream generated here (a `Follower` of its log): its tokens and their gaps, the
    streams that joined it, and at its end the entry (only after a natural finish with clean seams)."""

    def __init__(self, key: str, source: LiveStream, *, max_bytes: int, outcome: Outcome) -> None:
        self.key = key
        self.source = source
        self.tokens: list[str] = []
        self.gaps_ms: list[int] = []
        self.chars = 0
        self.entry: Entry | None = None  # set when the source ended in a way the cache keeps
        self.done = False
        self._joins: list[Join] = []
        self._position = 0
        self._last_token_at: float | None = None
        self._bytes = 0
        self._max_bytes = max_bytes
        self._usd: float | None = None
        self._clean = True
        self._outcome = outcome

    def __repr__(self) -> str:
        return f"<Recorder {self.source.id}>"

    def join(self, join: Join) -> None:
        if self.done:
            join.source_ended()
        else:
            self._joins.append(join)

    def leave(self, join: Join) -> None:
        if join in self._joins:
            self._joins.remove(join)

    # -- Follower ------------------------------------------------------------

    def deliver(self, stream: LiveStream) -> None:
        try:
            self._read(stream)
        except Exception:  # a bug here must not break the generation that appends
            logger.exception("cache recorder of %s failed", stream.id)
            self._clean = False
            self._end(stream)

    def release(self, stream: LiveStream) -> None:
        """The source was abandoned here (another instance writes it now): nothing is recorded."""
        self._clean = False
        self._end(stream)

    # -- internals -------------------------------------------------------------

    def _read(self, stream: LiveStream) -> None:
        frames = stream.frames
        end = len(frames)
        now = time.monotonic()
        for index in range(self._position, end):
            event, data = events.decode_event(frames[index])
            if event == events.TOKEN:
                text = data["text"]
                self.tokens.append(text)
                self.gaps_ms.append(round((now - self._last_token_at) * 1000) if self._last_token_at else 0)
                self._last_token_at = now
                self.chars += len(text)
                self._bytes += len(text.encode())
                for join in list(self._joins):
                    try:
                        join.feed(text)
                    except Exception:  # its log refused the token (too large): it goes on by itself
                        logger.exception("stream %s could not follow %s", join.stream.id, stream.id)
                        self._joins.remove(join)
                        join.source_ended(followed=False)
            elif event == events.COST:
                self._usd = data.get("usd")
            elif event == events.SPLICE and data.get("strategy") in UNCLEAN_SEAMS:
                self._clean = False
        self._position = end
        if stream.finished:
            self._end(stream)

    def _end(self, stream: LiveStream) -> None:
        if self.done:
            return
        self.done = True
        natural = stream.status == "done" and stream.finish_reason is not None and stream.finish_reason not in UNNATURAL
        if natural and self._clean and self._bytes <= self._max_bytes:
            self.entry = Entry(stream.id, str(stream.finish_reason), self._usd, tuple(self.tokens), tuple(self.gaps_ms))
        self._outcome.record(self, self.entry)
        joins, self._joins = self._joins, []
        for join in joins:
            join.source_ended()
        asyncio.get_running_loop().call_soon(stream.detach, self)  # not inside the append that is iterating
