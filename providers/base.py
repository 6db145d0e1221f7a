"""The one interface every upstream adapter implements.

A provider opens a streaming completion; the stream yields plain text deltas
(parsed once, no per-token objects) and records why it finished and what the
upstream reported as usage. Timeouts between chunks are the caller's business:
the relay owns the retry and failover policy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

# How a model is asked to continue a partial answer (see docs/splice.md):
# "prefill" sends the partial answer as the final assistant turn;
# "instruct" adds a short user turn asking to continue.
PrefillStyle = Literal[
    "anthropic",  # Anthropic Messages: a final assistant turn is continued
    "continue_final_message",  # vLLM / llama.cpp: extra body flags
    "prefix",  # DeepSeek / Mistral: {"prefix": true} on the final assistant message
]


@dataclass(slots=True)
class Usage:
    """Token counts the upstream itself reported."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0


@dataclass(slots=True)
class CompletionRequest:
    model: str
    messages: list[dict[str, Any]]
    max_tokens: int | None = None
    temperature: float | None = None
    # When set, the final message is an assistant turn to be continued in place.
    prefill_style: PrefillStyle | None = None
    extra_body: dict[str, Any] = field(default_factory=dict)


class UpstreamStream(Protocol):
    """An open streaming completion. Iterate it for text deltas."""

    finish_reason: str | None
    usage: Usage | None
    # The upstream's end-of-answer marker arrived: the answer is whole, only closing remains.
    terminated: bool

    def __aiter__(self) -> AsyncIterator[str]: ...

    async def aclose(self) -> None: ...


class Provider(Protocol):
    """An upstream API. `open` raises ProviderError for failures before the first byte."""

    kind: str

    async def open(self, request: CompletionRequest) -> UpstreamStream: ...

    async def aclose(self) -> None: ...
