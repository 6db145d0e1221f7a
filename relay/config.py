"""The relay's one TOML config file, validated at start.

Every error names the offending key (`routes.default.targets[1]: ...`) so a bad
deploy fails loudly before it takes traffic. With no file, the relay runs on
simulated providers and the in-memory log: no keys, no Redis.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from providers import PROVIDER_KINDS

StoreKind = Literal["memory", "redis"]
PrefillMode = Literal["prefill", "instruct"]


class ConfigError(ValueError):
    """The config is invalid; the message names the key."""


@dataclass(frozen=True, slots=True)
class StoreConfig:
    kind: StoreKind = "memory"
    url: str = "redis://127.0.0.1:6379/0"
    ttl_s: float = 86400.0


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    name: str
    kind: str
    base_url: str | None = None
    api_key_env: str | None = None
    connect_timeout_s: float = 10.0
    tokens_per_s: float = 30.0  # simulated only

    @property
    def api_key(self) -> str | None:
        return os.environ.get(self.api_key_env) if self.api_key_env else None


@dataclass(frozen=True, slots=True)
class Target:
    provider: str
    model: str

    @property
    def label(self) -> str:
        return f"{self.provider}/{self.model}"


@dataclass(frozen=True, slots=True)
class RouteConfig:
    name: str
    targets: tuple[Target, ...]
    first_token_timeout_s: float = 10.0
    stall_timeout_s: float = 2.0
    max_tokens: int | None = None  # default when a request omits it


@dataclass(frozen=True, slots=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    api_keys_env: str | None = None  # comma-separated keys allowed to POST; unset = open
    max_body_bytes: int = 1024 * 1024
    ping_s: float = 15.0
    retry_ms: int = 1000
    max_output_tokens: int = 32768

    @property
    def api_keys(self) -> frozenset[str]:
        raw = os.environ.get(self.api_keys_env, "") if self.api_keys_env else ""
        return frozenset(key.strip() for key in raw.split(",") if key.strip())


@dataclass(frozen=True, slots=True)
class Config:
    server: ServerConfig = field(default_factory=ServerConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    providers: dict[str, ProviderConfig] = field(default_factory=dict)
    routes: dict[str, RouteConfig] = field(default_factory=dict)


def default_config() -> Config:
    """Simulated providers and the memory log: the relay runs with nothing else."""
    return load_config_dict(
        {
            "providers": {
                "sim": {"kind": "simulated", "tokens_per_s": 30},
            },
            "routes": {
                "default": {"targets": ["sim/demo", "sim/demo-backup"], "stall_timeout_s": 1.0},
                # The primary stalls after 40 tokens; watch the backup take over mid-sentence.
                "failover-demo": {"targets": ["sim/demo;stall_at=40", "sim/demo-backup"], "stall_timeout_s": 1.0},
            },
        }
    )


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Load `path`, or $SPLICE_RELAY_CONFIG, or the embedded default."""
    path = path or os.environ.get("SPLICE_RELAY_CONFIG")
    if not path:
        return default_config()
    try:
        with Path(path).open("rb") as file:
            raw = tomllib.load(file)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    return load_config_dict(raw)


def load_config_dict(raw: dict[str, Any]) -> Config:
    _only(raw, "", {"server", "store", "providers", "routes"})
    server = _section(raw, "server", ServerConfig, {
        "host": str, "port": int, "api_keys_env": str, "max_body_bytes": int,
        "ping_s": float, "retry_ms": int, "max_output_tokens": int,
    })
    store = _section(raw, "store", StoreConfig, {"kind": str, "url": str, "ttl_s": float})
    if store.kind not in ("memory", "redis"):
        raise ConfigError(f"store.kind: {store.kind!r} is not 'memory' or 'redis'")
    if store.ttl_s <= 0:
        raise ConfigError("store.ttl_s: must be positive")

    providers: dict[str, ProviderConfig] = {}
    for name, table in _table(raw, "providers").items():
        key = f"providers.{name}"
        if not isinstance(table, dict):
            raise ConfigError(f"{key}: must be a table")
        if "/" in name:
            raise ConfigError(f"{key}: a provider name cannot contain '/'")
        values = _typed(table, key, {"kind": str, "base_url": str, "api_key_env": str, "connect_timeout_s": float, "tokens_per_s": float})
        if "kind" not in values:
            raise ConfigError(f"{key}.kind: required, one of {', '.join(PROVIDER_KINDS)}")
        if values["kind"] not in PROVIDER_KINDS:
            raise ConfigError(f"{key}.kind: {values['kind']!r} is not one of {', '.join(PROVIDER_KINDS)}")
        providers[name] = ProviderConfig(name=name, **values)

    routes: dict[str, RouteConfig] = {}
    for name, table in _table(raw, "routes").items():
        key = f"routes.{name}"
        if not isinstance(table, dict):
            raise ConfigError(f"{key}: must be a table")
        values = _typed(table, key, {"targets": list, "first_token_timeout_s": float, "stall_timeout_s": float, "max_tokens": int})
        targets = tuple(_target(item, f"{key}.targets[{index}]", providers) for index, item in enumerate(values.pop("targets", [])))
        if not targets:
            raise ConfigError(f"{key}.targets: at least one 'provider/model' is required")
        for timeout in ("first_token_timeout_s", "stall_timeout_s"):
            if values.get(timeout, 1) <= 0:
                raise ConfigError(f"{key}.{timeout}: must be positive")
        routes[name] = RouteConfig(name=name, targets=targets, **values)
    if not routes:
        raise ConfigError("routes: at least one route is required")
    return Config(server=server, store=store, providers=providers, routes=routes)


def _target(item: Any, key: str, providers: dict[str, ProviderConfig]) -> Target:
    if not isinstance(item, str) or "/" not in item:
        raise ConfigError(f"{key}: {item!r} is not 'provider/model'")
    provider, model = item.split("/", 1)  # model names may contain '/' themselves
    if provider not in providers:
        raise ConfigError(f"{key}: provider {provider!r} is not defined under [providers]")
    if not model:
        raise ConfigError(f"{key}: {item!r} has no model name")
    return Target(provider, model)


def _table(raw: dict[str, Any], name: str) -> dict[str, Any]:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{name}: must be a table")
    return value


def _section(raw: dict[str, Any], name: str, cls: type, types: dict[str, type]) -> Any:
    return cls(**_typed(_table(raw, name), name, types))


def _typed(table: dict[str, Any], prefix: str, types: dict[str, type]) -> dict[str, Any]:
    _only(table, prefix, set(types))
    values: dict[str, Any] = {}
    for key, value in table.items():
        expected = types[key]
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"{prefix}.{key}: expected {expected.__name__}, got {type(value).__name__}")
        values[key] = value
    return values


def _only(table: dict[str, Any], prefix: str, allowed: set[str]) -> None:
    for key in table:
        if key not in allowed:
            where = f"{prefix}.{key}" if prefix else key
            raise ConfigError(f"{where}: unknown key (expected one of {', '.join(sorted(allowed))})")
