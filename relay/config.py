"""The relay's one TOML config file, validated at start.

Every error names the offending key (`routes.default.targets[1]: ...`) so a bad
deploy fails loudly before it takes traffic. With no file, the relay runs on
simulated providers and the in-memory log: no keys, no Redis.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from providers import DEFAULT_MAX_CONNECTIONS, PROVIDER_KINDS
from splice.prompt import CONTINUATION_MODES, ContinuationMode

from .pricing import Price
from .tenants import Tenant, TenantError, parse_tenants

StoreKind = Literal["memory", "redis"]

# Defaults of the capability table, first match wins (fnmatch on the bare model name).
DEFAULT_CONTINUATION: dict[str, ContinuationMode] = {
    "deepseek*": "prefix",
    "mistral*": "prefix",
    "*mistral-*": "prefix",
    "codestral*": "prefix",
}
KIND_CONTINUATION: dict[str, ContinuationMode] = {"anthropic": "prefill", "openai": "instruct", "simulated": "prefill"}


class ConfigError(ValueError):
    """The config is invalid; the message names the key."""


@dataclass(frozen=True, slots=True)
class StoreConfig:
    kind: StoreKind = "memory"
    url: str = "redis://127.0.0.1:6379/0"
    ttl_s: float = 86400.0
    max_finished_mb: float = 512.0  # memory: what finished streams may hold before the oldest are dropped
    lease_s: float = 10.0  # Redis: how long a dead instance's streams wait before another takes them over
    flush_interval_ms: float = 5.0  # Redis: the write-behind window (what a crash can lose)
    max_connections: int = (
        4096  # Redis: per pool (followers', writers'); a client following a stream from Redis holds one
    )
    prefix: str = "sr"  # Redis: key prefix; deployments sharing a database must each have their own
    keep_request: bool = False  # Redis: keep the stored prompt after the stream ends (it is needed only for takeover)
    handover_s: float = 5.0  # Redis: at SIGTERM, how long to wait for the running streams to be flushed and handed over
    cache_max_entries: int = 10000  # answer cache entries kept (memory: per process; Redis: per deployment)
    cache_max_entry_kb: int = 1024  # a longer answer is not cached


@dataclass(frozen=True, slots=True)
class BreakerConfig:
    """Each target's circuit breaker (relay/breakers.py): `[breaker]`, overridden by `[providers.<name>.breaker]`."""

    enabled: bool = True
    failures: int = 5  # consecutive failed attempts that open a target's circuit
    cooldown_s: float = 30.0  # how long it stays open before one trial stream goes through (half-open)
    max_open_s: float = 600.0  # the most a provider's Retry-After may keep it open
    failure_rate: float = 0.5  # this share of the window's attempts failed opens it too; 0: no rate rule
    window_s: float = 60.0  # the sliding window the failure rate is judged over
    min_attempts: int = 20  # the rate is judged only once the window holds this many ended attempts


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    name: str
    kind: str
    base_url: str | None = None
    api_key_env: str | None = None
    connect_timeout_s: float = 10.0
    max_connections: int = DEFAULT_MAX_CONNECTIONS  # openai, anthropic: upstream connections in use at once
    tokens_per_s: float = 30.0  # simulated only
    continuation: ContinuationMode | None = None  # default continuation mode for this provider's models
    breaker: BreakerConfig | None = None  # this provider's targets' circuit breaker; None: the `[breaker]` defaults


@dataclass(frozen=True, slots=True)
class Target:
    provider: str
    model: str
    label: str = field(init=False, repr=False, compare=False)  # "provider/model", made once: every attempt keeps it

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", f"{self.provider}/{self.model}")


@dataclass(frozen=True, slots=True)
class RouteConfig:
    name: str
    targets: tuple[Target, ...]
    first_token_timeout_s: float = 10.0
    stall_timeout_s: float = 2.0
    # Adaptive stall detection: the threshold follows the gaps seen on this stream
    # (8x their running mean) between stall_floor_s and stall_timeout_s.
    stall_adaptive: bool = False
    stall_floor_s: float = 0.5
    max_tokens: int | None = None  # default when a request omits it
    max_usd: float | None = None  # default budget per request
    # Withhold the trailing partial word until the next boundary (about one word of latency), so a
    # failover never has to continue mid-word. Off: every chunk goes out at once; the seam repair
    # then meets mid-word cuts (docs/splice.md). Unset: on only where a fallback target exists.
    holdback: bool | None = None
    max_duration_s: float = 600.0  # a generation running longer ends with an `error` (code max_duration)
    cache: str = "auto"  # answers from the cache (docs/cache.md): "auto" (temperature 0 only), "always", "off"
    cache_ttl_s: float = 3600.0
    cache_replay: str = "instant"  # a hit's tokens: "instant", or "paced" at the gaps they first came
    cache_shared: bool = False  # entries shared by every API key, not kept per key

    @property
    def holds_back(self) -> bool:
        return self.holdback if self.holdback is not None else len(self.targets) > 1


@dataclass(frozen=True, slots=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    api_keys_env: str | None = None  # comma-separated keys allowed to POST; unset = open
    keys_file: str | None = None  # TOML of [tenants.<name>] tables (keys by SHA-256), re-read when it changes
    max_body_bytes: int = 1024 * 1024
    ping_s: float = 15.0
    retry_ms: int = 1000
    max_output_tokens: int = 32768
    daily_usd_per_key: float | None = None  # spend cap per API key per UTC day
    cors_origins: tuple[str, ...] = ()  # browser origins allowed to call the relay ("*": any); none = no CORS headers
    max_generations: int = 1000  # running generations per process; past it POST answers 503 with Retry-After
    key_requests_per_minute: int | None = None  # per API key (shared through Redis with the Redis store)
    key_concurrent_streams: int | None = None  # running streams per API key (likewise)
    max_readers_per_stream: int = 64  # open SSE responses on one stream, per instance; past it 429
    write_timeout_s: float = 30.0  # a reader whose socket takes no bytes for this long is disconnected
    drain_s: float = 25.0  # memory store: at SIGTERM, how long running generations may finish before they are cancelled
    metrics: bool = True  # GET /metrics (Prometheus); off: 404 and nothing counted
    request_log: bool = True  # one log line per request and per finished stream (relay/logs.py)
    log_format: str = "auto"  # "json", "text", or "auto": text when stderr is a terminal, else JSON

    @property
    def api_keys(self) -> frozenset[str]:
        raw = os.environ.get(self.api_keys_env, "") if self.api_keys_env else ""
        return frozenset(key.strip() for key in raw.split(",") if key.strip())


@dataclass(frozen=True, slots=True)
class AccountingConfig:
    enabled: bool = True
    progress_interval_s: float = 0.25
    cost_interval_s: float = 1.0
    billing: str = "provider"  # which figure bills: "provider" (reported usage) or "estimate" (tiktoken)
    audit_log: str = ""  # JSON-lines file for audit records; "" = none (the Redis store keeps its own)


@dataclass(frozen=True, slots=True)
class Config:
    server: ServerConfig = field(default_factory=ServerConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    providers: dict[str, ProviderConfig] = field(default_factory=dict)
    routes: dict[str, RouteConfig] = field(default_factory=dict)
    # model-name pattern -> continuation mode, from the config only; consulted first (relay/capabilities.py)
    continuation: dict[str, ContinuationMode] = field(default_factory=dict)
    accounting: AccountingConfig = field(default_factory=AccountingConfig)
    pricing: dict[str, Price] = field(default_factory=dict)  # overrides of relay.pricing defaults
    tenants: dict[str, Tenant] = field(default_factory=dict)  # key id (SHA-256 hex) -> its tenant, from [tenants]
    breaker: BreakerConfig = field(default_factory=BreakerConfig)  # defaults for every target's circuit breaker

    def breaker_for(self, provider: str) -> BreakerConfig:
        """The circuit breaker settings of `provider`'s targets."""
        own = self.providers[provider].breaker if provider in self.providers else None
        return own or self.breaker


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
    sections = {"server", "store", "providers", "routes", "continuation", "accounting", "pricing", "tenants", "breaker"}
    _only(raw, "", sections)
    server = _section(
        raw,
        "server",
        ServerConfig,
        {
            "host": str,
            "port": int,
            "api_keys_env": str,
            "keys_file": str,
            "max_body_bytes": int,
            "ping_s": float,
            "retry_ms": int,
            "max_output_tokens": int,
            "daily_usd_per_key": float,
            "cors_origins": list,
            "max_generations": int,
            "key_requests_per_minute": int,
            "key_concurrent_streams": int,
            "max_readers_per_stream": int,
            "write_timeout_s": float,
            "drain_s": float,
            "metrics": bool,
            "request_log": bool,
            "log_format": str,
        },
    )
    if server.log_format not in LOG_FORMATS:
        raise ConfigError(f"server.log_format: {server.log_format!r} is not one of {', '.join(LOG_FORMATS)}")
    breaker = _breaker(_table(raw, "breaker"), "breaker", BreakerConfig())
    server = dataclasses.replace(server, cors_origins=_cors_origins(server.cors_origins))
    accounting = _section(
        raw,
        "accounting",
        AccountingConfig,
        {
            "enabled": bool,
            "progress_interval_s": float,
            "cost_interval_s": float,
            "billing": str,
            "audit_log": str,
        },
    )
    if accounting.billing not in ("provider", "estimate"):
        raise ConfigError(f"accounting.billing: {accounting.billing!r} is not 'provider' or 'estimate'")
    if accounting.progress_interval_s < 0.05 or accounting.cost_interval_s < 0.05:
        raise ConfigError("accounting.progress_interval_s and cost_interval_s: at least 0.05 (never per token)")
    pricing: dict[str, Price] = {}
    for pattern, table in _table(raw, "pricing").items():
        if not isinstance(table, dict):
            raise ConfigError(f"pricing.{pattern}: must be a table with input and output")
        values = _typed(table, f"pricing.{pattern}", {"input": float, "output": float, "cached_input": float})
        if "input" not in values or "output" not in values:
            raise ConfigError(f"pricing.{pattern}: input and output (USD per million tokens) are required")
        if any(value < 0 for value in values.values()):
            raise ConfigError(f"pricing.{pattern}: prices cannot be negative")
        pricing[pattern] = Price(**values)
    for key, value, low in (
        ("ping_s", server.ping_s, 0.0),
        ("retry_ms", server.retry_ms, 0),
        ("max_body_bytes", server.max_body_bytes, 1),
        ("max_output_tokens", server.max_output_tokens, 1),
        ("max_generations", server.max_generations, 1),
        ("key_requests_per_minute", server.key_requests_per_minute or 1, 1),
        ("key_concurrent_streams", server.key_concurrent_streams or 1, 1),
        ("max_readers_per_stream", server.max_readers_per_stream, 1),
        ("write_timeout_s", server.write_timeout_s, 0.1),
        ("drain_s", server.drain_s, 0.0),
    ):
        if value < low:
            raise ConfigError(f"server.{key}: must be at least {low}")
    if not 0 <= server.port <= 65535:
        raise ConfigError("server.port: must be from 0 to 65535")
    store = _section(
        raw,
        "store",
        StoreConfig,
        {
            "kind": str,
            "url": str,
            "ttl_s": float,
            "max_finished_mb": float,
            "lease_s": float,
            "flush_interval_ms": float,
            "max_connections": int,
            "prefix": str,
            "keep_request": bool,
            "handover_s": float,
            "cache_max_entries": int,
            "cache_max_entry_kb": int,
        },
    )
    if store.cache_max_entries < 1 or store.cache_max_entry_kb < 1:
        raise ConfigError("store.cache_max_entries and store.cache_max_entry_kb: at least 1")
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,32}", store.prefix):
        raise ConfigError(f"store.prefix: {store.prefix!r} must be 1-32 letters, digits, '_', '.' or '-'")
    if store.handover_s < 0:
        raise ConfigError("store.handover_s: cannot be negative")
    if store.lease_s < 0.5 or store.flush_interval_ms <= 0:
        raise ConfigError("store.lease_s: at least 0.5; store.flush_interval_ms: positive")
    if store.max_connections < 8:
        raise ConfigError("store.max_connections: at least 8")
    if store.kind not in ("memory", "redis"):
        raise ConfigError(f"store.kind: {store.kind!r} is not 'memory' or 'redis'")
    if store.ttl_s <= 0:
        raise ConfigError("store.ttl_s: must be positive")
    if store.max_finished_mb <= 0:
        raise ConfigError("store.max_finished_mb: must be positive")

    providers: dict[str, ProviderConfig] = {}
    for name, table in _table(raw, "providers").items():
        key = f"providers.{name}"
        if not isinstance(table, dict):
            raise ConfigError(f"{key}: must be a table")
        if "/" in name:
            raise ConfigError(f"{key}: a provider name cannot contain '/'")
        table = dict(table)
        own_breaker = table.pop("breaker", None)
        values = _typed(
            table,
            key,
            {
                "kind": str,
                "base_url": str,
                "api_key_env": str,
                "connect_timeout_s": float,
                "max_connections": int,
                "tokens_per_s": float,
                "continuation": str,
            },
        )
        if values.get("max_connections", 1) < 1:
            raise ConfigError(f"{key}.max_connections: at least 1")
        if values.get("continuation", "instruct") not in CONTINUATION_MODES:
            raise ConfigError(
                f"{key}.continuation: {values['continuation']!r} is not one of {', '.join(CONTINUATION_MODES)}"
            )
        if "kind" not in values:
            raise ConfigError(f"{key}.kind: required, one of {', '.join(PROVIDER_KINDS)}")
        if values["kind"] not in PROVIDER_KINDS:
            raise ConfigError(f"{key}.kind: {values['kind']!r} is not one of {', '.join(PROVIDER_KINDS)}")
        if own_breaker is not None:
            if not isinstance(own_breaker, dict):
                raise ConfigError(f"{key}.breaker: must be a table")
            values["breaker"] = _breaker(own_breaker, f"{key}.breaker", breaker)
        providers[name] = ProviderConfig(name=name, **values)

    routes: dict[str, RouteConfig] = {}
    for name, table in _table(raw, "routes").items():
        key = f"routes.{name}"
        if not isinstance(table, dict):
            raise ConfigError(f"{key}: must be a table")
        values = _typed(
            table,
            key,
            {
                "targets": list,
                "first_token_timeout_s": float,
                "stall_timeout_s": float,
                "stall_adaptive": bool,
                "stall_floor_s": float,
                "max_tokens": int,
                "max_usd": float,
                "holdback": bool,
                "max_duration_s": float,
                "cache": str,
                "cache_ttl_s": float,
                "cache_replay": str,
                "cache_shared": bool,
            },
        )
        if values.get("cache", "auto") not in ("auto", "always", "off"):
            raise ConfigError(f"{key}.cache: {values['cache']!r} is not 'auto', 'always' or 'off'")
        if values.get("cache_replay", "instant") not in ("instant", "paced"):
            raise ConfigError(f"{key}.cache_replay: {values['cache_replay']!r} is not 'instant' or 'paced'")
        targets = tuple(
            _target(item, f"{key}.targets[{index}]", providers) for index, item in enumerate(values.pop("targets", []))
        )
        if not targets:
            raise ConfigError(f"{key}.targets: at least one 'provider/model' is required")
        if values.get("max_tokens", 1) < 1:
            raise ConfigError(f"{key}.max_tokens: must be positive")
        for timeout in ("first_token_timeout_s", "stall_timeout_s", "stall_floor_s", "max_duration_s", "cache_ttl_s"):
            if values.get(timeout, 1) <= 0:
                raise ConfigError(f"{key}.{timeout}: must be positive")
        routes[name] = RouteConfig(name=name, targets=targets, **values)
    if not routes:
        raise ConfigError("routes: at least one route is required")
    continuation: dict[str, ContinuationMode] = {}
    for pattern, mode in _table(raw, "continuation").items():
        if mode not in CONTINUATION_MODES:
            raise ConfigError(f"continuation.{pattern}: {mode!r} is not one of {', '.join(CONTINUATION_MODES)}")
        continuation[pattern] = mode
    try:
        tenants = parse_tenants(raw.get("tenants", {}))
    except TenantError as exc:
        raise ConfigError(str(exc)) from None
    return Config(
        server=server,
        store=store,
        providers=providers,
        routes=routes,
        continuation=continuation,
        accounting=accounting,
        pricing=pricing,
        tenants=tenants,
        breaker=breaker,
    )


LOG_FORMATS = ("auto", "json", "text")


def _breaker(table: dict[str, Any], key: str, defaults: BreakerConfig) -> BreakerConfig:
    """A breaker table over `defaults` (a provider's table overrides only the keys it sets)."""
    types = {
        "enabled": bool,
        "failures": int,
        "cooldown_s": float,
        "max_open_s": float,
        "failure_rate": float,
        "window_s": float,
        "min_attempts": int,
    }
    config = dataclasses.replace(defaults, **_typed(table, key, types))
    if config.failures < 1:
        raise ConfigError(f"{key}.failures: at least 1")
    if config.cooldown_s <= 0 or config.max_open_s < config.cooldown_s:
        raise ConfigError(f"{key}.cooldown_s: must be positive, and max_open_s at least cooldown_s")
    if not 0 <= config.failure_rate <= 1:
        raise ConfigError(
            f"{key}.failure_rate: a share between 0 and 1 (0: no failure-rate rule), got {config.failure_rate}"
        )
    if not 0.01 <= config.window_s <= 86400:
        raise ConfigError(f"{key}.window_s: between 0.01 and 86400 seconds, got {config.window_s}")
    if config.min_attempts < 1:
        raise ConfigError(f"{key}.min_attempts: at least 1, got {config.min_attempts}")
    return config


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


_ORIGIN = re.compile(r"https?://[^/?#\s]+")


def _cors_origins(values: Any) -> tuple[str, ...]:
    """Origins as browsers send them (`scheme://host[:port]`, no path), or `["*"]` alone."""
    origins = tuple(values)
    for origin in origins:
        if not isinstance(origin, str):
            raise ConfigError(f"server.cors_origins: expected strings, got {type(origin).__name__}")
        if origin == "*":
            if len(origins) > 1:
                raise ConfigError('server.cors_origins: "*" allows every origin and stands alone')
        elif not _ORIGIN.fullmatch(origin):
            raise ConfigError(
                f'server.cors_origins: {origin!r} is not an origin like "https://app.example.com"'
                " (scheme, host, optional port; no path)"
            )
    return origins


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
