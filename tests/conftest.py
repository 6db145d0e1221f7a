"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest

from loadtest.upstream import FakeUpstream, upstream_in_thread

from .chromium import CHROMIUM
from .redis_server import RedisServer
from .support import RelayServer


@pytest.fixture(scope="session")
def upstream() -> Iterator[FakeUpstream]:
    """One wire-accurate fake OpenAI/Anthropic upstream for the whole session."""
    with upstream_in_thread() as upstream:
        yield upstream


@pytest.fixture
def client(relay: RelayServer) -> Iterator[httpx.Client]:
    """An HTTP client on the module's `relay` fixture (each module configures its own relay)."""
    with httpx.Client(base_url=relay.base_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """$REDIS_URL if set (tests keep to their own keys and flush nothing), else a redis-server of the module's own."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    with RedisServer() as server:
        yield server.url


PROXY_VARIABLES = (
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
)


@pytest.fixture
def without_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy variables from the environment: providers send straight to the loopback upstreams."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def chromium_in_ci() -> None:
    """Fails a browser test where no Chromium is installed (in CI, where `requires_chromium` does not skip)."""
    if CHROMIUM is None:
        pytest.fail("chromium is not on PATH, and the browser tests must run in CI (.ci/run installs it)")
