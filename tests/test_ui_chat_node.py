"""Real npm clients against the relay: the `ai` package's DefaultChatTransport and the `eventsource` package.

The scripts are tests/node/ui_chat_client.mjs and eventsource_client.mjs, their dependencies pinned in
tests/node/package-lock.json (`.ci/run` runs `npm ci` there). `ai` is installed in six releases, as npm
aliases: the current 5.0, 6.0 and 7.0, and the last of each whose UI message chunk schemas were strict
(5.0.0, which also refuses a `finishReason` on `finish`, 6.0.230 and 7.0.31: any field outside a schema
fails the stream). Skipped where node or those node_modules are missing, except in CI, where it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from loadtest.upstream import model_name
from relay.config import load_config_dict
from splice.eval.corpus import TEXTS

from .support import RelayServer, upstream_providers

NODE_DIR = os.path.join(os.path.dirname(__file__), "node")
NODE = shutil.which("node")
AI_RELEASES = {  # alias in tests/node/package.json -> (release, whether its schemas refuse unknown fields)
    "ai5strict": ("5.0.0", True),
    "ai5": ("5.0.277", False),
    "ai6strict": ("6.0.230", True),
    "ai6": ("6.0.333", False),
    "ai7strict": ("7.0.31", True),
    "ai7": ("7.0.185", False),
}
READY = NODE is not None and all(
    os.path.isdir(os.path.join(NODE_DIR, "node_modules", name)) for name in (*AI_RELEASES, "eventsource")
)
pytestmark = pytest.mark.skipif(
    not READY and not os.environ.get("CI"), reason="needs node and `npm ci` in tests/node (Node.js 20+, npm)"
)
KEY = "ui-node-key"
REFERENCE = TEXTS["prose"]
CUT = len(REFERENCE) // 3  # the client drops after about a third of the answer
PACE = 40  # chunks a second: the answer takes 8 s, so it still runs when the client resumes, even on a busy machine
STALL_AT = 150  # past the cut: the resumed reader sees the failover happen


@pytest.fixture(scope="module")
def relay(upstream: Any) -> Iterator[RelayServer]:
    routes = {
        "default": {"targets": ["oa/" + model_name("m", text="prose")]},
        "paced": {"targets": ["oa/" + model_name("m", text="prose", tps=PACE)]},
        "stalls": {
            "targets": [
                "oa/" + model_name("m", text="prose", tps=PACE, fault="stall", at=STALL_AT),
                "an/" + model_name("f", text="prose", tps=PACE, cont="exact"),
            ],
            "stall_timeout_s": 1.5,
            "first_token_timeout_s": 10,
        },
    }
    config = {
        "server": {"api_keys_env": "UI_NODE_TEST_KEYS"},
        "providers": upstream_providers(upstream),
        "routes": routes,
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("UI_NODE_TEST_KEYS", KEY)
        with RelayServer(load_config_dict(config)) as server:
            yield server


ROUTES = ("paced", "stalls")


def _start(*args: str) -> subprocess.Popen[str]:
    assert NODE is not None
    return subprocess.Popen([NODE, *args], cwd=NODE_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _result(process: subprocess.Popen[str]) -> dict[str, Any]:
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    out: dict[str, Any] = json.loads(stdout)
    return out


@pytest.fixture(scope="module")
def transport_runs(relay: RelayServer) -> Iterator[dict[tuple[str, str], subprocess.Popen[str]]]:
    """Every release on every route at once: each run waits on its stream most of the time."""
    if not READY:
        pytest.fail("node and tests/node/node_modules are needed in CI (.ci/run runs npm ci in tests/node)")
    runs = {
        (alias, route): _start("ui_chat_client.mjs", alias, relay.base_url, KEY, route, str(CUT))
        for alias in AI_RELEASES
        for route in ROUTES
    }
    yield runs
    for process in runs.values():
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("alias", sorted(AI_RELEASES))
def test_default_chat_transport_resumes_a_dropped_answer(
    transport_runs: dict[tuple[str, str], subprocess.Popen[str]], alias: str, route: str
) -> None:
    out = _result(transport_runs[alias, route])
    release, strict = AI_RELEASES[alias]
    assert out["version"] == release
    assert CUT <= len(out["partial"]) < len(REFERENCE) and REFERENCE.startswith(out["partial"])
    assert out["resumed"], "the chat's stream had ended before the client resumed it"
    # The resume sends the message again from its start (the same id), then live to its end.
    assert out["messageId"] == out["firstMessageId"]
    assert out["text"] == REFERENCE
    assert out["first"] == ["start", "text-start"] and out["last"] == ["text-end", "finish"]
    assert out["metadata"] == {"finishReason": "stop"}
    assert {"data-progress", "data-cost"} <= set(out["types"])
    if route == "stalls":
        assert out["failover"]["reason"] == "stall" and out["failover"]["at_char"] > len(out["partial"])
    else:
        assert "data-failover" not in out["types"]
    assert out["afterEnd"] is None  # the relay answered 204
    assert out["rejectsExtraFields"] is strict  # so the strict releases did check every chunk above


def test_eventsource_package_reads_to_the_end_reconnects_once_and_stops_at_204(relay: RelayServer) -> None:
    if not READY:
        pytest.fail("node and tests/node/node_modules are needed in CI (.ci/run runs npm ci in tests/node)")
    out = _result(_start("eventsource_client.mjs", relay.base_url, KEY))
    reference = TEXTS["prose"]
    assert out["text"] == reference and out["terminal"] == ["done"]
    assert out["requests"] == [
        {"lastEventId": None, "status": 200},
        {"lastEventId": out["lastEventId"], "status": 204},
    ]
    assert out["closedWith"]["code"] == 204 and out["requestsAfterClose"] == 0
