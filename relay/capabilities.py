"""Which continuation request each target gets, and what the relay has learned at run time.

The order: the config's `[continuation]` patterns, then the provider's own
`continuation`, then the built-in patterns (DeepSeek, Mistral), then the
provider kind's default. A prefill refused with a 400 is remembered for
that (provider, model), so later failovers go straight to `instruct`.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from splice.prompt import ContinuationMode

from .config import DEFAULT_CONTINUATION, KIND_CONTINUATION, Config, Target


class CapabilityTable:
    """The continuation mode of each target, in the config's names, and what failovers taught it."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._learned: dict[tuple[str, str], ContinuationMode] = {}

    def mode_for(self, target: Target) -> ContinuationMode:
        learned = self._learned.get((target.provider, target.model))
        if learned is not None:
            return learned
        bare = target.model.split(";", 1)[0].rsplit("/", 1)[-1].lower()
        provider = self._config.providers[target.provider]
        return (
            _match(bare, self._config.continuation)
            or provider.continuation
            or _match(bare, DEFAULT_CONTINUATION)
            or KIND_CONTINUATION.get(provider.kind, "instruct")
        )

    def learn_prefill_refused(self, target: Target) -> None:
        """A 400 for a prefill-style continuation: this (provider, model) gets `instruct` from now on."""
        self._learned[(target.provider, target.model)] = "instruct"


def _match(model: str, patterns: dict[str, ContinuationMode]) -> ContinuationMode | None:
    for pattern, mode in patterns.items():
        if fnmatchcase(model, pattern.lower()):
            return mode
    return None
