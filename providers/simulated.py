"""An in-process upstream for the default config and the demo: no network, no key.

It writes plausible multi-paragraph text at a configurable rate and can be told,
through the model name (the script language of `providers.script`), to stall or fail
at a token index, so failover can be shown without any real provider:
`demo;stall_at=40`, `demo;fail_at=25;fail_kind=server`, `demo;tps=100`.
Asked to continue a partial answer it wrote, it continues exactly where it broke off.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import re
from collections.abc import AsyncIterator
from typing import Any, get_args

from .base import CompletionRequest, Usage
from .errors import ErrorKind, ProviderError
from .script import KeyParser, ScriptError, non_negative, one_of, parse_script

_SENTENCES = (
    "Streaming a response token by token lets the reader start long before the model has finished.",
    "A relay sits between the client and the model, so it can watch every chunk as it passes.",
    "When the upstream falls silent for too long, the relay treats the silence as a failure.",
    "The text that was already sent can never be taken back, which is why the seam matters so much.",
    "A second model can pick up the thread if it is shown exactly where the first one stopped.",
    "Every event is written to a log first, and each client simply reads that log from its own position.",
    "Because the log outlives the connection, a client that drops can come back and miss nothing.",
    "Server-sent events are plain text over HTTP, which makes them easy to proxy and to debug.",
    "Latency is measured at the client, since that is the only place where it is actually felt.",
    "Costs add up per token, so the relay counts them as they arrive rather than at the end.",
    "A good fallback does not apologise or start over; it just keeps writing the same sentence.",
    "Buffers are kept small on purpose, because memory per idle stream decides how many fit on a machine.",
    "Clients reconnect with the id of the last event they saw, and the relay replays only what follows.",
    "Under load the slowest reader must never hold back the others, so each one has its own cursor.",
    "Timeouts are chosen from the gaps seen so far, which keeps a slow model from being abandoned too early.",
    "Most of the work is bookkeeping: where the text stands, who is reading it, and what it has cost.",
    "In practice the failure that hurts most is not an error but a stream that simply stops moving.",
    "Tests run against a fake upstream that speaks the real wire formats and misbehaves on request.",
)

_HEADINGS = ("How it works", "Why it matters", "What can go wrong", "In practice", "A closer look")

_PIECE = re.compile(r"\s*\S+|\s+")
_SCRIPT_KEYS: dict[str, KeyParser] = {
    "stall_at": non_negative(int),
    "fail_at": non_negative(int),
    "fail_kind": one_of(get_args(ErrorKind)),
    "tps": non_negative(float),
}


def compose_answer(prompt: str, max_tokens: int) -> list[str]:
    """A deterministic, plausible answer for `prompt`, as word-sized pieces."""
    seed = int.from_bytes(hashlib.sha256(prompt.encode()).digest()[:8], "big")
    rng = random.Random(seed)
    pieces: list[str] = []
    paragraph = 0
    while len(pieces) < max_tokens:
        if paragraph:
            pieces.append("\n\n")
        if paragraph % 2 == 1:
            pieces.extend(_PIECE.findall(f"## {rng.choice(_HEADINGS)}"))
            pieces.append("\n\n")
        sentences = rng.sample(_SENTENCES, k=rng.randint(2, 4))
        for index, sentence in enumerate(sentences):
            pieces.extend(_PIECE.findall(sentence if index == 0 else " " + sentence))
        paragraph += 1
    return pieces[:max_tokens]


def read_script(model: str) -> dict[str, Any]:
    """The fault script a simulated model name carries (`demo;stall_at=40`); a bad one is the client's error."""
    try:
        return parse_script(model, _SCRIPT_KEYS)[1]
    except ScriptError as exc:
        raise ProviderError("bad_request", f"simulated model: {exc}", status=400) from None


def _partial_answer(messages: list[dict[str, Any]]) -> str:
    """The partial answer a continuation request carries, or ''."""
    for message in reversed(messages[-2:]):
        if message.get("role") == "assistant":
            content = message.get("content")
            return content if isinstance(content, str) else ""
    return ""


def _prompt_of(messages: list[dict[str, Any]]) -> str:
    for message in messages:
        if message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else str(content)
    return ""


class SimulatedStream:
    """Yields pieces at the configured rate; may stall or fail on cue."""

    def __init__(
        self,
        pieces: list[str],
        *,
        tokens_per_s: float,
        stall_at: int | None,
        fail_at: int | None,
        fail_kind: ErrorKind,
        input_tokens: int,
    ) -> None:
        self._pieces = pieces
        self._delay = 1.0 / tokens_per_s if tokens_per_s > 0 else 0.0
        self._stall_at = stall_at
        self._fail_at = fail_at
        self._fail_kind = fail_kind
        self._input_tokens = input_tokens
        self.finish_reason: str | None = None
        self.usage: Usage | None = None
        self.terminated = False

    def __aiter__(self) -> AsyncIterator[str]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[str]:
        for index, piece in enumerate(self._pieces):
            if index == self._stall_at:
                await asyncio.Event().wait()  # silent until the relay gives up on us
            if index == self._fail_at:
                raise ProviderError(self._fail_kind, f"simulated {self._fail_kind} failure at token {index}")
            if self._delay:
                await asyncio.sleep(self._delay)
            yield piece
        self.finish_reason = "stop"
        self.usage = Usage(self._input_tokens, len(self._pieces))
        self.terminated = True

    async def aclose(self) -> None:
        return None


class SimulatedProvider:
    kind = "simulated"
    prefill_without_trailing_whitespace = True  # it stands in for Anthropic in the demo's failover

    def __init__(self, *, tokens_per_s: float = 30.0, max_tokens: int = 300) -> None:
        self._tokens_per_s = tokens_per_s
        self._max_tokens = max_tokens

    async def open(self, request: CompletionRequest) -> SimulatedStream:
        script = read_script(request.model)
        limit = min(request.max_tokens or self._max_tokens, self._max_tokens)
        partial = _partial_answer(request.messages).rstrip()
        # A continuation's max_tokens counts only what is left: compose the whole answer, then cut.
        already = len(_PIECE.findall(partial)) if partial else 0
        pieces = compose_answer(_prompt_of(request.messages), limit + already)
        if partial:
            pieces = _remainder(pieces, partial)[:limit]
        return SimulatedStream(
            pieces,
            tokens_per_s=script.get("tps", self._tokens_per_s),
            stall_at=script.get("stall_at"),
            fail_at=script.get("fail_at"),
            fail_kind=script.get("fail_kind", "server"),
            input_tokens=sum(len(str(m.get("content", ""))) for m in request.messages) // 4,
        )

    async def aclose(self) -> None:
        return None


def _remainder(pieces: list[str], partial: str) -> list[str]:
    """The pieces that follow `partial` in the full answer (split the piece it ends inside)."""
    full = "".join(pieces)
    if not full.startswith(partial):
        return pieces
    rest = full[len(partial) :]
    return _PIECE.findall(rest)
