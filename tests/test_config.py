"""Config loading: the embedded default, errors that name the key, the capability table's order."""

from __future__ import annotations

from typing import Any

import pytest

from relay.capabilities import CapabilityTable
from relay.config import ConfigError, Target, default_config, load_config, load_config_dict

BASE = {"providers": {"p": {"kind": "openai"}}, "routes": {"default": {"targets": ["p/gpt-4o"]}}}


def test_embedded_default_runs_on_simulated_providers_and_memory() -> None:
    config = default_config()
    assert config.store.kind == "memory"
    assert {p.kind for p in config.providers.values()} == {"simulated"}
    assert load_config(None) == config


def test_model_names_split_at_the_first_slash() -> None:
    config = load_config_dict({**BASE, "routes": {"r": {"targets": ["p/meta-llama/Llama-3.1-8B-Instruct"]}}})
    assert config.routes["r"].targets == (Target("p", "meta-llama/Llama-3.1-8B-Instruct"),)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({**BASE, "store": {"kind": "mongo"}}, "store.kind"),
        ({**BASE, "store": {"ttl_s": -1}}, "store.ttl_s"),
        ({**BASE, "store": {"max_finished_mb": 0}}, "store.max_finished_mb"),
        ({**BASE, "store": {"max_connections": 2}}, "store.max_connections"),
        ({**BASE, "store": {"max_connections": "many"}}, "store.max_connections"),
        ({**BASE, "server": {"port": "80"}}, "server.port"),
        ({**BASE, "server": {"colour": 1}}, "server.colour"),
        ({**BASE, "providers": {"p": {"kind": "gemini"}}}, "providers.p.kind"),
        ({**BASE, "providers": {"p": {}}}, "providers.p.kind"),
        ({**BASE, "routes": {"r": {"targets": ["nope/m"]}}}, "routes.r.targets[0]"),
        ({**BASE, "routes": {"r": {"targets": ["no-slash"]}}}, "routes.r.targets[0]"),
        ({**BASE, "routes": {"r": {"targets": []}}}, "routes.r.targets"),
        ({**BASE, "routes": {"r": {"targets": ["p/m"], "stall_timeout_s": 0}}}, "routes.r.stall_timeout_s"),
        ({**BASE, "continuation": {"x*": "guess"}}, "continuation.x*"),
        ({**BASE, "accounting": {"billing": "vibes"}}, "accounting.billing"),
        ({**BASE, "pricing": {"m*": {"input": 1}}}, "pricing.m*"),
        ({**BASE, "routes": {}}, "routes"),
        ({**BASE, "breaker": {"failure_rate": 2}}, "breaker.failure_rate"),
        ({**BASE, "breaker": {"failure_rate": "half"}}, "breaker.failure_rate"),
        ({**BASE, "breaker": {"window_s": 0}}, "breaker.window_s"),
        ({**BASE, "breaker": {"min_attempts": 0}}, "breaker.min_attempts"),
        ({**BASE, "breaker": {"min_attempts": 2.5}}, "breaker.min_attempts"),
        (
            {**BASE, "providers": {"p": {"kind": "openai", "breaker": {"failure_rate": -0.5}}}},
            "providers.p.breaker.failure_rate",
        ),
    ],
)
def test_bad_config_fails_with_a_message_naming_the_key(raw: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_config_dict(raw)
    assert str(error.value).startswith(key), str(error.value)


def test_bad_toml_file_names_the_file(tmp_path) -> None:
    path = tmp_path / "relay.toml"
    path.write_text("[store\nkind = 1")
    with pytest.raises(ConfigError, match="relay.toml"):
        load_config(path)


def test_continuation_mode_order() -> None:
    config = load_config_dict(
        {
            "providers": {
                "vllm": {"kind": "openai", "continuation": "continue_final_message"},
                "oa": {"kind": "openai"},
                "an": {"kind": "anthropic"},
            },
            "routes": {"r": {"targets": ["oa/gpt-4o"]}},
            "continuation": {"mistral-large*": "instruct"},
        }
    )
    table = CapabilityTable(config)
    assert table.mode_for(Target("oa", "gpt-4o")) == "instruct"  # the openai kind's default
    assert table.mode_for(Target("an", "claude-haiku-4-5")) == "prefill"  # the anthropic kind's default
    assert table.mode_for(Target("oa", "deepseek-chat")) == "prefix"  # a built-in pattern
    assert (
        table.mode_for(Target("vllm", "mistral-7b-instruct")) == "continue_final_message"
    )  # the provider's own beats built-ins
    assert table.mode_for(Target("vllm", "mistral-large-2")) == "instruct"  # the config's pattern beats everything
    table.learn_prefill_refused(Target("an", "claude-haiku-4-5"))
    assert table.mode_for(Target("an", "claude-haiku-4-5")) == "instruct"  # learned from a 400


def test_provider_keys_come_from_the_named_variable_else_the_sdks_own(monkeypatch: pytest.MonkeyPatch) -> None:
    from relay.config import ProviderConfig
    from relay.upstreams import api_key_for

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("MY_KEY", raising=False)
    named = ProviderConfig(name="up", kind="openai", api_key_env="MY_KEY")
    with pytest.raises(ConfigError, match=r"providers\.up\.api_key_env: environment variable MY_KEY is not set"):
        api_key_for(named)  # a named variable that is missing fails the start, not the first stream
    monkeypatch.setenv("MY_KEY", "sk-named")
    assert api_key_for(named) == "sk-named"
    unnamed = ProviderConfig(name="up", kind="openai")
    assert api_key_for(unnamed) is None  # the provider then sends "unused" (local servers take any key)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-sdk")
    assert api_key_for(unnamed) == "sk-sdk"
