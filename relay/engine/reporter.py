"""What a generation reports about itself: `progress` and `cost` events, failovers, and the audit record.

One shared timer (`relay.ticker`) calls `tick` for every running generation; the
events it appends go out with the next token, or at the next tick if none came.
"""

from __future__ import annotations

import time
from typing import Any

from providers import CompletionRequest

from .. import events
from ..accounting import AttemptMeter, StreamMeter
from ..config import AccountingConfig, RouteConfig, Target
from ..log import LiveStream, StreamTooLarge
from ..pricing import PriceTable
from .attempt import AttemptRecord
from .failures import AttemptFailed
from .text import TextPath


class Reporter:
    """Progress, cost, failovers and the audit record of one generation."""

    def __init__(
        self,
        stream: LiveStream,
        route: RouteConfig,
        text: TextPath,
        *,
        accounting: AccountingConfig,
        prices: PriceTable,
        max_usd: float | None,
    ) -> None:
        self.stream = stream
        self.route = route
        self.text = text
        self.meter: StreamMeter | None = StreamMeter(accounting.billing) if accounting.enabled else None
        self.attempts: list[AttemptRecord] = []
        self.failovers: list[dict[str, Any]] = []
        self._accounting = accounting
        self._prices = prices
        self._max_usd = max_usd  # the budget: the generation stops with finish_reason "budget"
        self._attempt_meter: AttemptMeter | None = None
        self._current: Target | None = None
        self._started_at = time.monotonic()
        self._last_progress: tuple[int, int] = (0, 0)  # nothing to report before the first token
        self._last_cost_at = self._started_at
        self._last_cost: tuple[int, int, int] | None = None  # what the last running `cost` was made of

    async def start_attempt(
        self, target: Target, request: CompletionRequest
    ) -> tuple[AttemptRecord, AttemptMeter | None]:
        """The record and meter of a new attempt; a large prompt is counted in a worker thread meanwhile."""
        meter = self._attempt_meter = (
            await self.meter.start(target.label, target.model, self._prices.price_for(target.model), request.messages)
            if self.meter is not None
            else None
        )
        record = AttemptRecord(target.label, time.time())
        self.attempts.append(record)
        self._current = target
        return record, meter

    def failover(self, source: str, target: Target, failure: AttemptFailed) -> None:
        record = {"from": source, "to": target.label, "reason": failure.reason, "at_char": self.text.sent_chars}
        self.failovers.append(record)
        self.stream.append(events.FAILOVER, record)

    def carry_cost(self) -> None:
        """What the instance this stream was taken over from had spent is part of its cost (and budget)."""
        if self.meter is None:
            return
        for frame in reversed(self.stream.frames):
            event, data = events.decode_event(frame)
            if event == events.COST:
                self.meter.carry(data)
                break

    # -- per tick ----------------------------------------------------------------

    def tick(self, now: float) -> bool:
        """Append what changed since the last tick; True when the budget is spent."""
        meter = self.meter
        stream = self.stream
        if meter is None or stream.finished or stream.abandoned:
            return False
        # Last tick's events go out with the next token; if none came since, they go out now.
        stream.announce()
        if self._attempt_meter is not None:
            self._attempt_meter.settle()
        output_tokens = meter.output_tokens
        if (output_tokens, self.text.sent_chars) != self._last_progress:
            self._last_progress = (output_tokens, self.text.sent_chars)
            stream.append(events.PROGRESS, self._progress(now, output_tokens), wake=False)
        if now - self._last_cost_at >= self._accounting.cost_interval_s:
            self._last_cost_at = now
            # Only when its figures moved: a stream waiting minutes for its first token would otherwise
            # log the same `cost` every second (about 0.4 KB of RSS a second per stream, and a send to each reader).
            made_of = (
                len(meter.attempts),
                output_tokens,
                sum(attempt.reported is not None for attempt in meter.attempts),
            )
            if made_of != self._last_cost:
                self._last_cost = made_of
                stream.append(events.COST, meter.cost_event(final=False), wake=False)
        if self._max_usd is not None:
            usd = meter.total_usd()
            if usd is not None and usd >= self._max_usd:
                return True
        return False

    def _progress(self, now: float, output_tokens: int) -> dict[str, Any]:
        target = self._current
        elapsed = now - self._started_at
        first_sent_at = self.text.first_sent_at
        since_first = now - first_sent_at if first_sent_at is not None else 0.0
        return {
            "output_tokens": output_tokens,
            "chars": self.text.sent_chars,
            "elapsed_ms": round(elapsed * 1000),
            "tokens_per_s": round(output_tokens / since_first, 1) if since_first > 0 else 0.0,
            "ttft_ms": round((first_sent_at - self._started_at) * 1000) if first_sent_at is not None else None,
            "provider": target.provider if target else None,
            "model": target.model if target else None,
            "attempt": len(self.attempts),
        }

    # -- at the end --------------------------------------------------------------

    def final_cost(self) -> None:
        """Settle every attempt and append the final `cost` event (before the terminal one)."""
        if self.meter is None:
            return
        for meter in self.meter.attempts:
            meter.settle(final=True)
        try:
            self.stream.append(events.COST, self.meter.cost_event(final=True))
        except StreamTooLarge:
            pass  # the cost is in the log; the bound only binds events before the terminal one

    def audit(self) -> dict[str, Any]:
        """The stream's audit record: every attempt, failover, splice, cost, the final status."""
        stream = self.stream
        record: dict[str, Any] = {
            "stream_id": stream.id,
            "route": self.route.name,
            "status": stream.status,
            "finish_reason": stream.finish_reason,
            "error": stream.error,
            "started_at": stream.created_at,
            "ended_at": time.time() if stream.finished else None,
            "chars": self.text.sent_chars,
            "attempts": [attempt.as_dict() for attempt in self.attempts],
            "failovers": self.failovers,
            "splices": self.text.splices,
            "reconnects": stream.reconnects,
        }
        if self.meter is not None:
            cost = self.meter.cost_event(final=stream.finished)
            record["cost"] = {
                key: cost[key]
                for key in ("usd", "input_tokens", "output_tokens", "estimated", "price_known", "billing")
            }
            for attempt, metered in zip(record["attempts"], cost["attempts"]):
                attempt["tokens"] = metered
        return record
