"""Builds the configured providers: the one place the relay meets concrete provider classes."""

from __future__ import annotations

import os

from providers import AnthropicMessagesProvider, OpenAIChatProvider, Provider, SimulatedProvider

from .config import Config, ConfigError, ProviderConfig

# Where each SDK looks for its key when the config names no variable.
_SDK_KEY_ENV = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}


def api_key_for(config: ProviderConfig) -> str | None:
    """The provider's key; a named variable that is unset fails at start, not at the first request."""
    if config.api_key_env:
        key = os.environ.get(config.api_key_env)
        if not key:
            raise ConfigError(
                f"providers.{config.name}.api_key_env: environment variable {config.api_key_env} is not set"
            )
        return key
    return os.environ.get(_SDK_KEY_ENV.get(config.kind, "")) or None  # local servers take any key


def build_provider(config: ProviderConfig) -> Provider:
    try:
        if config.kind == "openai":
            return OpenAIChatProvider(
                base_url=config.base_url,
                api_key=api_key_for(config),
                connect_timeout_s=config.connect_timeout_s,
                max_connections=config.max_connections,
            )
        if config.kind == "anthropic":
            return AnthropicMessagesProvider(
                base_url=config.base_url,
                api_key=api_key_for(config),
                connect_timeout_s=config.connect_timeout_s,
                max_connections=config.max_connections,
            )
    except ConfigError:
        raise
    except ValueError as exc:  # from the environment the provider reads, e.g. an unusable proxy
        raise ConfigError(f"providers.{config.name}: {exc}") from exc
    return SimulatedProvider(tokens_per_s=config.tokens_per_s)


def build_providers(config: Config) -> dict[str, Provider]:
    return {name: build_provider(provider) for name, provider in config.providers.items()}
