"""Which continuation request each target gets, and what the relay has learned at run time.

The config maps model-name patterns to a mode; a provider may set a default;
else the provider kind decides. A prefill refused with a 400 is remembered for
that (provider, model), so later failovers go straight to `instruct`.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from .config import KIND_CONTINUATION, Config, Target


class CapabilityTable:
    def __init__(self, config: Config) -> None:
        self._config = config
        self._learned: dict[tuple[str, str], str] = {}

    def mode_for(self, target: Target) -> str:
        learned = self._learned.get((target.provider, target.model))
        if learned is not None:
            return learned
        bare = target.model.split(";", 1)[0].rsplit("/", 1)[-1].lower()
        for pattern, mode in self._config.continuation.items():
            if fnmatchcase(bare, pattern.lower()):
                return mode
        provider = self._config.providers[target.provider]
        return provider.continuation or KIND_CONTINUATION.get(provider.kind, "instruct")

    def learn_prefill_refused(self, target: Target) -> None:
        self._learned[(target.provider, target.model)] = "instruct"
