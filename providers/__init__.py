"""Adapters to upstream model APIs. They know nothing of the relay."""

from __future__ import annotations

from .anthropic_messages import AnthropicMessagesProvider
from .base import CompletionRequest, ContinuationMode, Provider, UpstreamStream, Usage
from .errors import ErrorKind, ProviderError
from .openai_chat import OpenAIChatProvider
from .simulated import SimulatedProvider
from .wire import DEFAULT_MAX_CONNECTIONS

PROVIDER_KINDS = ("openai", "anthropic", "simulated")

__all__ = [
    "DEFAULT_MAX_CONNECTIONS",
    "PROVIDER_KINDS",
    "AnthropicMessagesProvider",
    "CompletionRequest",
    "ContinuationMode",
    "ErrorKind",
    "OpenAIChatProvider",
    "Provider",
    "ProviderError",
    "SimulatedProvider",
    "UpstreamStream",
    "Usage",
]
