"""The one interface every upstream adapter implements.

A provider opens a streaming completion; the stream yields plain text deltas
(parsed once, no per-token objects) and records why it finished and what the
upstream reported as usage. Timeouts between chunks are the caller's business:
the relay owns the retry and failover policy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from splice.prompt import ContinuationMode as ContinuationMode  # the request's vocabulary, re-exported


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
    # Set on a continuation: how the messages ask to continue the partial answer (docs/splice.md).
    # The adapter adds what its API needs: vLLM's `continue_final_message` flags, DeepSeek's `prefix: true`.
    continuation: ContinuationMode | None = None
    extra_body: dict[str, Any] = field(default_factory=dict)


class UpstreamStream(Protocol):
    """An open streaming completion. Iterate it for text deltas."""

    finish_reason: str | None
    usage: Usage | None

    @property
    def terminated(self) -> bool:
        """The upstream's end-of-answer marker arrived: the answer is whole, only closing remains."""
        ...

    def __aiter__(self) -> AsyncIterator[str]: ...

    async def aclose(self) -> None: ...


class Provider(Protocol):
    """An upstream API. `open` raises ProviderError for failures before the first byte."""

    kind: str

    async def open(self, request: CompletionRequest) -> UpstreamStream: ...

    async def aclose(self) -> None: ...
