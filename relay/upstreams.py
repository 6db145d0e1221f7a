"""Builds the configured providers and store: the one place the relay meets concrete classes."""

from __future__ import annotations

from providers import AnthropicMessagesProvider, OpenAIChatProvider, Provider, SimulatedProvider

from .config import Config, ProviderConfig
from .store import MemoryStore, StreamStore


def build_provider(config: ProviderConfig) -> Provider:
    if config.kind == "openai":
        return OpenAIChatProvider(base_url=config.base_url, api_key=config.api_key, connect_timeout_s=config.connect_timeout_s)
    if config.kind == "anthropic":
        return AnthropicMessagesProvider(base_url=config.base_url, api_key=config.api_key, connect_timeout_s=config.connect_timeout_s)
    return SimulatedProvider(tokens_per_s=config.tokens_per_s)


def build_providers(config: Config) -> dict[str, Provider]:
    return {name: build_provider(provider) for name, provider in config.providers.items()}


def build_store(config: Config) -> StreamStore:
    if config.store.kind == "redis":
        raise NotImplementedError("the Redis store is not built yet (issue: Redis stream log)")
    return MemoryStore(ttl_s=config.store.ttl_s)
