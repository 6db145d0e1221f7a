"""A generation: runs a route's targets in order and ends its stream with exactly one terminal event.

A generation is a task of its own, independent of any client connection. Each
target gets one attempt (`attempt.py`), whose text goes through the text path
(`text.py`); after text was sent, the next target is asked to continue it.
Progress, cost and the audit record are the reporter's (`reporter.py`).

Whatever ends it (a finish, every target failing, a budget, the route's maximum
duration, a cancellation, a bug, even a `BaseException` such as pyo3's panic), the
stream gets exactly one terminal event; only a stream this instance abandoned
(another writes it now) gets nothing more. The budget and the maximum duration set
a stop flag the chain and the running attempt check. Clients see a stable code and
a generic message per failure; the detail (hosts, exception text) goes to the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from providers import CompletionRequest, Provider
from splice.prompt import ContinuationMode, build_continuation

from .. import events
from ..capabilities import CapabilityTable
from ..config import AccountingConfig, RouteConfig, Target
from ..finish import openai_finish_reason
from ..log import LiveStream, StreamTooLarge
from ..pricing import PriceTable
from ..timers import wheel
from ..tokens import count_tokens_async
from .attempt import StopFlag, Stopped, run_attempt
from .failures import AttemptFailed, error_data, forget_tracebacks
from .reporter import Reporter
from .text import TextPath

if TYPE_CHECKING:
    from ..breakers import Breakers

# Exceptions that stop the process: they go on once the stream is ended.
_EXITS = (KeyboardInterrupt, SystemExit)

Terminal = tuple[Any, str, dict[str, Any]]  # (status, event, data) for LiveStream.finish

logger = logging.getLogger("splice_relay.engine")


@dataclass(frozen=True, slots=True)
class GenerationRequest:
    """What the client asked for, as validated by the API."""

    messages: list[dict[str, Any]]
    max_tokens: int | None = None
    temperature: float | None = None
    max_usd: float | None = None  # budget: the generation stops with finish_reason "budget"


@dataclass(frozen=True, slots=True)
class EngineServices:
    """What every generation shares, held by the app."""

    providers: Mapping[str, Provider]
    capabilities: CapabilityTable
    prices: PriceTable
    accounting: AccountingConfig
    breakers: Breakers | None = None  # each target's circuit breaker (relay/breakers.py); None: no breakers


class Generation:
    """Runs one stream's route and appends its events."""

    def __init__(
        self, stream: LiveStream, route: RouteConfig, request: GenerationRequest, services: EngineServices
    ) -> None:
        self.stream = stream
        self.route = route
        self.request = request
        self.services = services
        self.text = TextPath(stream, hold=route.holds_back, model=route.targets[0].model)
        self.reporter = Reporter(
            stream,
            route,
            self.text,
            accounting=services.accounting,
            prices=services.prices,
            max_usd=request.max_usd,
        )
        self._stop = StopFlag()
        self._lost: AttemptFailed | None = None  # set by resume(): the instance that ran this died
        self._lost_owner = ""
        self._task: asyncio.Task[None] | None = None
        self._ran = False
        self.timer_slot: int | None = None  # its maximum duration's place in the process's deadlines

    def __repr__(self) -> str:
        return f"<Generation {self.stream.id}>"

    @property
    def sent_chars(self) -> int:
        return self.text.sent_chars

    # -- lifecycle ---------------------------------------------------------

    async def run(self) -> None:
        """Run the chain and end the stream with exactly one terminal event, whatever is raised inside.

        Cancelled from outside (DELETE, shutdown), the stream ends with `done: cancelled` and the
        cancellation goes on. Cancelled after `LiveStream.abandon()`, nothing is appended.
        """
        stream = self.stream
        self._task = asyncio.current_task()
        self._ran = True
        age = max(0.0, time.time() - stream.created_at)  # a taken-over stream is as old as its first start
        deadlines = wheel()  # the process's deadlines (relay/timers.py): no loop timer of its own
        deadlines.set(self, asyncio.get_running_loop().time() + max(0.0, self.route.max_duration_s - age))
        cancelled = False
        exiting: BaseException | None = None
        try:
            try:
                finish_reason = await self._run_chain()
            finally:
                deadlines.cancel(self)
            terminal: Terminal = ("done", events.DONE, {"finish_reason": finish_reason})
        except Stopped:
            terminal = self._stopped()
        except asyncio.CancelledError:
            if stream.abandoned:  # another instance writes this stream now: leave it as it is
                raise
            cancelled = True  # cancelled from outside: DELETE or shutdown
            terminal = ("cancelled", events.DONE, {"finish_reason": "cancelled"})
        except AttemptFailed as failure:
            forget_tracebacks(failure)
            if self._stop.reason is not None:  # asked to stop while the last attempt was failing
                terminal = self._stopped()
            else:
                terminal = ("failed", events.ERROR, error_data(failure.reason, failure.kind))
        except StreamTooLarge as exc:
            logger.warning("stream %s: %s", stream.id, exc)
            terminal = ("failed", events.ERROR, error_data(exc.code, "internal"))
        except GeneratorExit:  # the coroutine is being closed (the loop is gone): nothing can run
            raise
        except BaseException as exc:  # a bug, or a BaseException such as pyo3's panic: the stream still ends
            logger.error("generation %s crashed", stream.id, exc_info=exc)
            terminal = ("failed", events.ERROR, error_data("internal", "internal"))
            exiting = exc if isinstance(exc, _EXITS) else None
        finally:
            self._task = None  # the task keeps what ends it (its CancelledError's frames hold this generation)
        self._end(terminal)
        if cancelled:
            raise asyncio.CancelledError
        if exiting is not None:
            raise exiting

    def timer_due(self) -> None:
        """The route's maximum duration ran out."""
        self.stop("max_duration")

    def stop(self, reason: str) -> None:
        """End the generation early: `done` with `reason` (the budget), or `error` for `max_duration`."""
        if self._task is not None and not self._task.done():
            self._stop.set(reason)

    def tick(self, now: float) -> None:
        """The shared timer's visit: progress and cost events, and the budget."""
        if self.reporter.tick(now):
            self.stop("budget")

    def _stopped(self) -> Terminal:
        """The terminal event of a generation we stopped ourselves, once its upstream is closed."""
        if self._stop.reason == "max_duration":  # the text sent so far stays; the held fragment is not sent
            logger.warning("stream %s: ended after max_duration_s (%g s)", self.stream.id, self.route.max_duration_s)
            return ("failed", events.ERROR, error_data("max_duration", "timeout"))
        try:  # the budget: the text so far is the answer, with the words the seam still holds
            self.text.end()
        except StreamTooLarge as exc:
            logger.warning("stream %s: %s", self.stream.id, exc)
            return ("failed", events.ERROR, error_data(exc.code, "internal"))
        except BaseException as exc:
            if isinstance(exc, _EXITS):
                raise
            logger.error("generation %s crashed while stopping", self.stream.id, exc_info=exc)
            return ("failed", events.ERROR, error_data("internal", "internal"))
        return ("done", events.DONE, {"finish_reason": self._stop.reason})

    def _end(self, terminal: Terminal) -> None:
        """Append the final `cost` and the terminal event, and set the audit; each step even if one before failed."""
        stream = self.stream
        if stream.abandoned or stream.finished:  # another writer has it now, or it was ended already
            return
        try:
            self.reporter.final_cost()
        except BaseException as exc:
            if isinstance(exc, _EXITS):
                raise
            logger.error("stream %s: the final cost failed", stream.id, exc_info=exc)
        status, event, data = terminal
        if event == events.DONE:  # the provider's own finish reason, and OpenAI's word for it beside it
            terminal = (
                status,
                event,
                {**data, "openai_finish_reason": openai_finish_reason(data.get("finish_reason"))},
            )
        try:
            stream.finish(*terminal)
        except BaseException as exc:
            if isinstance(exc, _EXITS):
                raise
            logger.error("stream %s: the terminal event failed", stream.id, exc_info=exc)
        try:
            stream.audit = self.reporter.audit()
        except Exception:
            logger.exception("stream %s: the audit record failed", stream.id)

    def ensure_ended(self) -> None:
        """End the stream if its task ended without ever running `run` (cancelled before its first step)."""
        if not self._ran and not self.stream.finished:
            self._end(("cancelled", events.DONE, {"finish_reason": "cancelled"}))

    def resume(self, lost_owner: str) -> None:
        """Continue a stream another instance started: its sent text is the partial answer."""
        self.text.resume(self.stream.text)
        self._lost = AttemptFailed(
            "instance_lost", f"instance {lost_owner} stopped renewing its lease", kind="connection"
        )
        self._lost_owner = lost_owner
        self.reporter.carry_cost()

    def audit(self) -> dict[str, Any]:
        """The stream's audit record: every attempt, failover, splice, cost, the final status."""
        return self.reporter.audit()

    # -- the chain -----------------------------------------------------------

    async def _run_chain(self) -> str:
        """Try the targets in order until one finishes; raise the last failure if none does."""
        targets = self.route.targets
        failure: AttemptFailed | None = self._lost  # a takeover continues on the route's first target
        for index, target in enumerate(targets):
            self._stop.check()
            if failure is not None:
                source = targets[index - 1].label if index else f"instance:{self._lost_owner}"
                self.reporter.failover(source, target, failure)
            try:  # the target's attempt, in this frame (not one more coroutine per waiting stream)
                self.text.use_model(target.model)
                if not self.text.sent_chars:
                    finish_reason = await self._attempt(target, self._fresh_request(target))
                else:
                    finish_reason = await self._continue_on(target)
                self.text.end()
                return finish_reason
            except AttemptFailed as exc:
                forget_tracebacks(exc)
                failure = exc
                dropped = self.text.drop_held()  # the next target regenerates the held fragment
                logger.warning(
                    "stream %s: %s failed (%s: %s) after %d chars sent, %d held chars dropped",
                    self.stream.id,
                    target.label,
                    exc.reason,
                    exc.message,
                    self.text.sent_chars,
                    dropped,
                )
        assert failure is not None
        raise failure

    async def _continue_on(self, target: Target) -> str:
        """Ask `target` to continue the sent text; a refused prefill is retried once as `instruct`."""
        mode = self.services.capabilities.mode_for(target)
        try:
            return await self._continuation_attempt(target, mode)
        except AttemptFailed as failure:
            if mode == "instruct" or failure.kind != "bad_request" or not self.text.seam_pending:
                raise
            logger.info(
                "stream %s: %s refused a %s continuation; retrying as instruct", self.stream.id, target.label, mode
            )
            self.services.capabilities.learn_prefill_refused(target)
            self.text.drop_held_again()
            return await self._continuation_attempt(target, "instruct")

    async def _continuation_attempt(self, target: Target, mode: ContinuationMode) -> str:
        sent_text = self.stream.text
        provider = self.services.providers[target.provider]
        continuation = build_continuation(
            self.request.messages,
            sent_text,
            mode,
            strip_trailing_whitespace=mode == "prefill" and provider.prefill_without_trailing_whitespace,
        )
        self.text.open_seam(sent_text, continuation.stripped_whitespace, mode)
        request = CompletionRequest(
            model=target.model,
            messages=continuation.messages,
            max_tokens=await self._remaining_max_tokens(),
            temperature=self.request.temperature,
            continuation=mode,
        )
        return await self._attempt(target, request)

    def _fresh_request(self, target: Target) -> CompletionRequest:
        return CompletionRequest(
            model=target.model,
            messages=self.request.messages,
            max_tokens=self.request.max_tokens or self.route.max_tokens,
            temperature=self.request.temperature,
        )

    async def _remaining_max_tokens(self) -> int | None:
        limit = self.request.max_tokens or self.route.max_tokens
        if limit is None:
            return None
        used, _ = await count_tokens_async(self.text.encoding, self.stream.text)  # a long answer, counted off the loop
        return max(limit - used, 16)

    async def _attempt(self, target: Target, request: CompletionRequest) -> str:
        """Stream one target into the text path; returns its finish reason or raises AttemptFailed or Stopped."""
        self._stop.check()
        breakers = self.services.breakers
        async with breakers.guard(target) if breakers is not None else contextlib.nullcontext():
            record, meter = await self.reporter.start_attempt(target, request)
            return await run_attempt(
                self.services.providers[target.provider],
                request,
                route=self.route,
                record=record,
                meter=meter,
                on_text=self.text.feed,
                stop=self._stop,
            )
