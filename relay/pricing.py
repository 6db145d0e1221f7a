"""USD prices per million tokens, by model, with an explicit "unknown" instead of a zero.

Defaults are the providers' list prices for current models (checked 2026-11);
the config's `[pricing."<model pattern>"]` tables override and extend them.
A pattern is an fnmatch pattern on the bare model name; the most specific
(longest) matching pattern wins, so dated variants fall under their family.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase


@dataclass(frozen=True, slots=True)
class Price:
    input: float  # USD per million input tokens
    output: float  # USD per million output tokens
    cached_input: float | None = None  # USD per million cached input tokens, where it applies

    def cost(self, input_tokens: int, output_tokens: int, cached_input_tokens: int = 0) -> float:
        cached_rate = self.cached_input if self.cached_input is not None else self.input
        fresh = max(input_tokens - cached_input_tokens, 0)
        return (fresh * self.input + cached_input_tokens * cached_rate + output_tokens * self.output) / 1_000_000


DEFAULT_PRICES: dict[str, Price] = {
    # OpenAI
    "gpt-5*": Price(1.25, 10.0, 0.125),
    "gpt-5-mini*": Price(0.25, 2.0, 0.025),
    "gpt-5-nano*": Price(0.05, 0.40, 0.005),
    "gpt-4.1*": Price(2.0, 8.0, 0.50),
    "gpt-4.1-mini*": Price(0.40, 1.60, 0.10),
    "gpt-4.1-nano*": Price(0.10, 0.40, 0.025),
    "gpt-4o*": Price(2.50, 10.0, 1.25),
    "gpt-4o-mini*": Price(0.15, 0.60, 0.075),
    "o3*": Price(2.0, 8.0, 0.50),
    "o4-mini*": Price(1.10, 4.40, 0.275),
    # Anthropic (cached_input = cache reads)
    "claude-opus-4-5*": Price(5.0, 25.0, 0.50),
    "claude-opus-4*": Price(15.0, 75.0, 1.50),
    "claude-sonnet-4*": Price(3.0, 15.0, 0.30),
    "claude-haiku-4-5*": Price(1.0, 5.0, 0.10),
    "claude-3-5-haiku*": Price(0.80, 4.0, 0.08),
    # The embedded simulated provider costs nothing, knowingly.
    "demo*": Price(0.0, 0.0, 0.0),
}


class PriceTable:
    def __init__(self, overrides: dict[str, Price] | None = None) -> None:
        self._prices = {**DEFAULT_PRICES, **(overrides or {})}
        # Longest pattern first: "gpt-4o-mini*" must win over "gpt-4o*".
        self._patterns = sorted(self._prices, key=len, reverse=True)

    def price_for(self, model: str) -> Price | None:
        """The price of `model`, or None when it is unknown (never a silent zero)."""
        bare = model.split(";", 1)[0].rsplit("/", 1)[-1].lower()
        for pattern in self._patterns:
            if fnmatchcase(bare, pattern.lower()):
                return self._prices[pattern]
        return None
