"""Token counts and cost per attempt, counted in ticks rather than per token.

The hot path only appends each upstream chunk to a list; a tick (every
`progress_interval_s`, one shared timer for all streams) tokenizes what came
since the last tick, up to its last whitespace so no word is split across two
counts. When an attempt ends, its own usage figures (OpenAI's usage chunk,
Anthropic's message_delta) are kept beside the estimate, and the config says
which of the two bills.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import tiktoken

from providers import Usage

from .pricing import Price
from .tokens import (
    INLINE_CHARS,
    MAX_COUNT_CHARS,
    SYNC_MAX_CHARS,
    count_bounded,
    count_tokens,
    encoding_for_model,
    estimate_tokens,
    is_exact_for_model,
    off_loop,
)

# OpenAI's chat format: every message costs 3 tokens of framing, a name 1 more,
# and every reply is primed with 3 (the cookbook's count for current models).
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3


def _chat_strings(messages: list[dict[str, Any]]) -> Iterator[str]:
    """Every string of a chat request that tiktoken counts (a list content's text parts joined)."""
    for message in messages:
        for key, value in message.items():
            if key == "content" and isinstance(value, list):
                value = "".join(
                    part["text"] for part in value if isinstance(part, dict) and isinstance(part.get("text"), str)
                )
            if isinstance(value, str):
                yield value


def _framing(messages: list[dict[str, Any]]) -> int:
    """The tokens of the chat format itself: per message, per name, and the reply's priming."""
    names = sum(1 for message in messages if "name" in message)
    return REPLY_PRIMING + TOKENS_PER_MESSAGE * len(messages) + TOKENS_PER_NAME * names


def chat_token_count(
    messages: list[dict[str, Any]], encoding: tiktoken.Encoding, limit: int = SYNC_MAX_CHARS
) -> tuple[int, bool]:
    """`(input tokens, estimated)` of a chat request, counted the way OpenAI counts them; never raises.

    tiktoken counts at most `limit` chars in all (the default keeps a call on the event loop short);
    the strings past that, and any tiktoken fails on, are estimated from their size.
    """
    total, estimated, left = _framing(messages), False, limit
    for value in _chat_strings(messages):
        tokens, guessed = count_bounded(encoding, value, left)
        left -= 0 if guessed else len(value)
        total += tokens
        estimated = estimated or guessed
    return total, estimated


def count_chat_tokens(messages: list[dict[str, Any]], encoding: tiktoken.Encoding) -> int:
    """Input tokens of a chat request, counted the way OpenAI counts them (estimated where tiktoken cannot)."""
    return chat_token_count(messages, encoding)[0]


async def count_chat_tokens_async(messages: list[dict[str, Any]], encoding: tiktoken.Encoding) -> tuple[int, bool]:
    """`(input tokens, estimated)`, never raising; a large prompt is counted in a worker thread, off the event loop."""
    size = sum(len(value) for value in _chat_strings(messages))
    if size <= INLINE_CHARS:
        return chat_token_count(messages, encoding)

    def estimate() -> tuple[int, bool]:
        return _framing(messages) + sum(estimate_tokens(value) for value in _chat_strings(messages)), True

    return await off_loop(lambda: chat_token_count(messages, encoding, MAX_COUNT_CHARS), estimate)


def _usd(price: Price | None, input_tokens: int, output_tokens: int, cached: int = 0) -> float | None:
    return None if price is None else round(price.cost(input_tokens, output_tokens, cached), 10)


class AttemptMeter:
    """What one attempt consumed: estimated as it streams, reported by the provider at its end."""

    __slots__ = (
        "target",
        "model",
        "price",
        "_encoding",
        "exact",
        "approximate",
        "input_tokens",
        "output_tokens",
        "_pending",
        "reported",
    )

    def __init__(
        self,
        target: str,
        model: str,
        price: Price | None,
        messages: list[dict[str, Any]],
        *,
        input_count: tuple[int, bool] | None = None,
    ) -> None:
        """`input_count`: the prompt's `(tokens, estimated)` when already counted (off the loop), else counted here."""
        self.target = target
        self.model = model
        self.price = price
        self._encoding = encoding_for_model(model)
        self.exact = is_exact_for_model(model)  # tiktoken is only an estimate for other families
        if input_count is None:
            input_count = chat_token_count(messages, self._encoding)
        self.input_tokens, self.approximate = input_count
        self.output_tokens = 0
        self._pending: list[str] = []
        self.reported: Usage | None = None

    def add(self, text: str) -> None:
        """The hot path: remember the chunk, count it at the next tick."""
        self._pending.append(text)

    def settle(self, final: bool = False) -> bool:
        """Count the pending text (all of it when `final`); True if the count moved."""
        if not self._pending:
            return False
        text = "".join(self._pending)
        cut = len(text) if final else _last_boundary(text)
        if cut == 0:
            self._pending = [text]
            return False
        self._pending = [text[cut:]] if cut < len(text) else []
        tokens, estimated = count_tokens(self._encoding, text[:cut])  # never raises: an estimate if tiktoken cannot
        self.output_tokens += tokens
        self.approximate = self.approximate or estimated
        return True

    @property
    def estimated_usd(self) -> float | None:
        return _usd(self.price, self.input_tokens, self.output_tokens)

    @property
    def reported_usd(self) -> float | None:
        if self.reported is None:
            return None
        usage = self.reported
        return _usd(self.price, usage.input_tokens, usage.output_tokens, usage.cached_input_tokens)

    def billed(self, billing: str) -> tuple[int, int, float | None, bool]:
        """(input, output, usd, estimated) by the billing source, falling back to the estimate."""
        if billing == "provider" and self.reported is not None:
            usage = self.reported
            return usage.input_tokens, usage.output_tokens, self.reported_usd, False
        return self.input_tokens, self.output_tokens, self.estimated_usd, True

    def as_dict(self, billing: str) -> dict[str, Any]:
        input_tokens, output_tokens, usd, estimated = self.billed(billing)
        record: dict[str, Any] = {
            "target": self.target,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "usd": usd,
            "estimated": estimated,
            "price_known": self.price is not None,
            "estimate": {
                "input_tokens": self.input_tokens,
                "output_tokens": self.output_tokens,
                "usd": self.estimated_usd,
                "exact_tokenizer": self.exact,
                "approximate": self.approximate,  # partly guessed from the text's size: tiktoken failed or was skipped
            },
        }
        if self.reported is not None:
            usage = self.reported
            record["reported"] = {
                "input_tokens": usage.input_tokens,
                "output_tokens": usage.output_tokens,
                "cached_input_tokens": usage.cached_input_tokens,
                "usd": self.reported_usd,
            }
            record["difference"] = {
                "input_tokens": usage.input_tokens - self.input_tokens,
                "output_tokens": usage.output_tokens - self.output_tokens,
                "usd": None
                if self.price is None
                else round((self.reported_usd or 0.0) - (self.estimated_usd or 0.0), 10),
            }
        return record


_WHITESPACE_RUN = re.compile(r"\s+")


def _last_boundary(text: str) -> int:
    """The last offset where tiktoken's pre-tokenizer must start a new token.

    Before a run of spaces (its last space leads the next word). A run holding a
    newline is cut after its newlines, since o200k and cl100k glue newlines to the
    punctuation before them (".\n\n" is one token), and before its last space when
    indentation follows them. A run at the very end may still grow: not a boundary.
    """
    for match in reversed(list(_WHITESPACE_RUN.finditer(text))):
        start, end = match.span()
        if end == len(text):
            continue
        run = match.group()
        if "\n" in run or "\r" in run:
            return end if run[-1] in "\r\n" else end - 1
        if start > 0:
            return start
    return 0


class StreamMeter:
    """All attempts of one stream; the running total is what `cost` events carry."""

    def __init__(self, billing: str) -> None:
        self.billing = billing
        self.attempts: list[AttemptMeter] = []
        # attempts metered by an instance that died, as its last cost event had them
        self.earlier: list[dict[str, Any]] = []

    def carry(self, cost_event: dict[str, Any]) -> None:
        """Count the attempts of a stream's last `cost` event, written by the instance this one took it over from."""
        self.earlier = [attempt for attempt in cost_event.get("attempts", []) if isinstance(attempt, dict)]

    async def start(self, target: str, model: str, price: Price | None, messages: list[dict[str, Any]]) -> AttemptMeter:
        """A new attempt's meter; its prompt is counted off the event loop when it is large."""
        input_count = await count_chat_tokens_async(messages, encoding_for_model(model))
        meter = AttemptMeter(target, model, price, messages, input_count=input_count)
        self.attempts.append(meter)
        return meter

    @property
    def output_tokens(self) -> int:
        return sum(attempt.output_tokens for attempt in self.attempts)

    def total_usd(self) -> float | None:
        """The running cost; None while any attempt's price is unknown."""
        total = 0.0
        for attempt in self.attempts:
            usd = attempt.billed(self.billing)[2]
            if usd is None:
                return None
            total += usd
        for earlier in self.earlier:
            if earlier.get("usd") is None:
                return None
            total += earlier["usd"]
        return round(total, 10)

    def cost_event(self, final: bool) -> dict[str, Any]:
        attempts = [*self.earlier, *(attempt.as_dict(self.billing) for attempt in self.attempts)]
        return {
            "usd": self.total_usd(),
            "input_tokens": sum(a["input_tokens"] for a in attempts),
            "output_tokens": sum(a["output_tokens"] for a in attempts),
            "estimated": any(a["estimated"] for a in attempts) or not final,
            "price_known": all(a["price_known"] for a in attempts),
            "billing": self.billing,
            "final": final,
            "attempts": attempts,
        }
