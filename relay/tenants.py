"""Tenants: which team an API key belongs to, and that team's own limits and budget.

Keys are known only by their SHA-256 (hex), in the config's `[tenants.<name>]` tables or in a key file
(`server.keys_file`, the same tables) that is read again whenever it changes, so keys rotate without a
restart. Keys from `server.api_keys_env` still work, each its own account under `[server]`'s limits.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import ServerConfig

logger = logging.getLogger("splice_relay.tenants")

_DIGEST = re.compile(r"(?:sha256:)?([0-9a-f]{64})")
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_FIELDS: dict[str, tuple[type, ...]] = {
    "keys": (list,),
    "daily_usd": (int, float),
    "requests_per_minute": (int,),
    "concurrent_streams": (int,),
}
RECHECK_S = 1.0  # how often a lookup may stat the key file


@dataclass(frozen=True, slots=True)
class KeyLimits:
    """The limits every API key gets; None: that limit is off."""

    daily_usd: float | None = None
    requests_per_minute: int | None = None
    concurrent_streams: int | None = None

    @classmethod
    def of(cls, server: ServerConfig) -> KeyLimits:
        """The limits of `[server]`."""
        return cls(server.daily_usd_per_key, server.key_requests_per_minute, server.key_concurrent_streams)

    @property
    def enabled(self) -> bool:
        """Whether any limit is set (else the app needs no admission control)."""
        return (self.daily_usd, self.requests_per_minute, self.concurrent_streams) != (None, None, None)

    @property
    def tracks_streams(self) -> bool:
        """Whether admitted streams hold an entry until they are settled (a slot, a reservation)."""
        return self.daily_usd is not None or self.concurrent_streams is not None


class TenantError(ValueError):
    """A tenants table is invalid; the message names the key."""


@dataclass(frozen=True, slots=True)
class Tenant:
    """A team: its name, and the limits its keys share (one allowance for all of them)."""

    name: str
    limits: KeyLimits

    @property
    def account(self) -> str:
        """The id its limits and spend are kept under (a key id is 64 hex digits: the two never meet)."""
        return f"tenant:{self.name}"


def key_id_of(api_key: str) -> str:
    """What the relay keeps of a key: its SHA-256, hex."""
    return hashlib.sha256(api_key.encode()).hexdigest()


def parse_tenants(raw: Any, where: str = "tenants") -> dict[str, Tenant]:
    """`key id -> Tenant` from `[tenants.<name>]` tables: `keys` (SHA-256 hex digests) and the optional limits."""
    if not isinstance(raw, dict):
        raise TenantError(f"{where}: must be a table of tenants")
    by_key: dict[str, Tenant] = {}
    for name, table in raw.items():
        at = f"{where}.{name}"
        if not _NAME.fullmatch(name):
            raise TenantError(f"{at}: a tenant name is 1-64 letters, digits, '_', '.' or '-'")
        if not isinstance(table, dict):
            raise TenantError(f"{at}: must be a table")
        for field, value in table.items():
            if field not in _FIELDS:
                raise TenantError(f"{at}.{field}: unknown key (expected one of {', '.join(sorted(_FIELDS))})")
            if isinstance(value, bool) or not isinstance(value, _FIELDS[field]):
                raise TenantError(f"{at}.{field}: expected {_FIELDS[field][0].__name__}")
        limits = KeyLimits(
            float(table["daily_usd"]) if "daily_usd" in table else None,
            table.get("requests_per_minute"),
            table.get("concurrent_streams"),
        )
        if (limits.daily_usd is not None and limits.daily_usd < 0) or any(
            value is not None and value < 1 for value in (limits.requests_per_minute, limits.concurrent_streams)
        ):
            raise TenantError(f"{at}: daily_usd cannot be negative; requests_per_minute and concurrent_streams >= 1")
        tenant = Tenant(name, limits)
        for index, digest in enumerate(table.get("keys", [])):
            match = _DIGEST.fullmatch(digest.strip().lower()) if isinstance(digest, str) else None
            if match is None:
                raise TenantError(f"{at}.keys[{index}]: not a SHA-256 hex digest (keys are kept hashed)")
            if match.group(1) in by_key:
                raise TenantError(f"{at}.keys[{index}]: this key belongs to tenant {by_key[match.group(1)].name!r}")
            by_key[match.group(1)] = tenant
    return by_key


def load_key_file(path: str | os.PathLike[str]) -> dict[str, Tenant]:
    """The key file's tenants: TOML with the same `[tenants.<name>]` tables as the config."""
    with Path(path).open("rb") as file:
        raw = tomllib.load(file)
    extra = set(raw) - {"tenants"}
    if extra:
        raise TenantError(f"{path}: unknown key {sorted(extra)[0]!r} (expected [tenants.<name>] tables)")
    return parse_tenants(raw.get("tenants", {}), f"{path}: tenants")


class KeyRing:
    """Every API key the relay accepts, by SHA-256, with its tenant; the key file is re-read when it changes."""

    def __init__(
        self, env_keys: frozenset[str], tenants: dict[str, Tenant], keys_file: str | None, server_limits: KeyLimits
    ) -> None:
        self._env = frozenset(key_id_of(key) for key in env_keys)
        self._static = tenants
        self._file = keys_file
        self._file_tenants: dict[str, Tenant] = {}
        self._file_stamp: tuple[int, int, int] | None = None
        self._checked_at = float("-inf")
        self.server_limits = server_limits
        if keys_file is not None:
            self._file_tenants = load_key_file(keys_file)  # a bad file at start is a config error
            self._file_stamp = self._stamp()
            self._checked_at = time.monotonic()

    @property
    def required(self) -> bool:
        """Whether a key is needed to create a stream (any key configured; a key file always)."""
        return bool(self._env or self._static or self._file is not None)

    def tenant_of(self, key_id: str) -> Tenant | None:
        """The tenant of a known key id (None for a key from `api_keys_env`, or an unknown one)."""
        self._reload_if_changed()
        return self._file_tenants.get(key_id) or self._static.get(key_id)

    def knows(self, key_id: str) -> bool:
        return key_id in self._env or self.tenant_of(key_id) is not None

    def account_and_limits(self, key_id: str) -> tuple[str, KeyLimits]:
        """Where a key's limits and spend are kept, and which limits apply: its tenant's, else `[server]`'s."""
        tenant = self.tenant_of(key_id)
        return (tenant.account, tenant.limits) if tenant is not None else (key_id, self.server_limits)

    def _stamp(self) -> tuple[int, int, int] | None:
        assert self._file is not None
        try:
            stat = os.stat(self._file)
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size, stat.st_ino)

    def _reload_if_changed(self) -> None:
        if self._file is None:
            return
        now = time.monotonic()
        if now - self._checked_at < RECHECK_S:
            return
        self._checked_at = now
        stamp = self._stamp()
        if stamp == self._file_stamp:
            return
        try:
            self._file_tenants = load_key_file(self._file)
        except (OSError, tomllib.TOMLDecodeError, TenantError) as exc:
            # Keep the keys that worked: a half-written or broken file must not lock every tenant out.
            logger.error("key file %s not reloaded, keeping the previous keys: %s", self._file, exc)
        else:
            logger.info("key file %s reloaded: %d keys", self._file, len(self._file_tenants))
        self._file_stamp = stamp
