"""The stream log package's seams: the HTTP mapping of its errors, and the store `open_store` builds."""

from __future__ import annotations

import subprocess
import sys

from relay.config import load_config_dict
from relay.errors import store_api_error
from relay.log import MemoryStore, StoreUnavailable, StreamGone, open_store


def test_an_expired_stream_is_410_and_an_unavailable_log_503_with_retry_after() -> None:
    gone = store_api_error(StreamGone("st_abc"))
    assert (gone.status, gone.code, gone.message, gone.retry_after_s) == (
        410,
        "stream_expired",
        "stream st_abc has expired",
        None,
    )
    unavailable = store_api_error(StoreUnavailable("Error 111 connecting to 10.0.0.7:6379", retry_after_s=2.5))
    assert (unavailable.status, unavailable.code, unavailable.retry_after_s) == (503, "store_unavailable", 2.5)
    assert "10.0.0.7" not in unavailable.message  # the cause is for the log, not the client


def test_open_store_builds_the_memory_store_by_default() -> None:
    config = load_config_dict(
        {
            "store": {"ttl_s": 42, "max_finished_mb": 1},
            "providers": {"sim": {"kind": "simulated"}},
            "routes": {"default": {"targets": ["sim/demo"]}},
        }
    )
    store = open_store(config)
    assert isinstance(store, MemoryStore)
    assert store.health() == {"kind": "memory", "streams": 0, "finished_bytes": 0}


def test_the_log_package_imports_no_redis_client_until_a_redis_store_is_opened() -> None:
    code = (
        "import sys, relay.log; from relay.config import default_config; relay.log.open_store(default_config()); "
        "assert not any(name.startswith('redis') for name in sys.modules), sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
