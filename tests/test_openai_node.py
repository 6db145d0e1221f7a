"""The `openai` npm package from Node against the relay's OpenAI-compatible endpoints.

The script is tests/node/openai_client.mjs, with its dependency pinned in tests/node/package-lock.json
(`.ci/run` runs `npm ci` there). Skipped where node or those node_modules are missing, except in
CI, where it fails instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadtest.texts import TEXTS
from loadtest.upstream import model_name
from relay.config import load_config_dict

from .support import RelayServer, upstream_providers

NODE_DIR = Path(__file__).parent / "node"
NODE = shutil.which("node")
READY = NODE is not None and (NODE_DIR / "node_modules" / "openai").is_dir()
pytestmark = pytest.mark.skipif(not READY and not os.environ.get("CI"), reason="no node or no npm ci in tests/node")


@pytest.fixture(scope="module")
def relay(upstream: object) -> Iterator[RelayServer]:
    routes = {"default": {"targets": ["oa/" + model_name("m", text="prose", tps=400)]}}
    with RelayServer(load_config_dict({"providers": upstream_providers(upstream), "routes": routes})) as server:
        yield server


def test_openai_npm_package(relay: RelayServer) -> None:
    if not READY:
        pytest.fail("node and tests/node/node_modules are needed in CI (.ci/run runs npm ci in tests/node)")
    assert NODE is not None
    run = subprocess.run(
        [NODE, "openai_client.mjs", relay.base_url + "/v1", "sk-any"],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    reference = TEXTS["prose"]
    assert out["chatText"] == reference and out["chatFinish"] == ["stop"]
    assert out["chatUsage"]["completion_tokens"] > 0
    assert out["chatUsage"]["total_tokens"] == out["chatUsage"]["prompt_tokens"] + out["chatUsage"]["completion_tokens"]
    assert out["completionText"] == reference and out["completionUsage"]["completion_tokens"] > 0
    assert out["responseText"] == reference and out["resumedLast"] == "response.completed"
    assert out["retrievedStatus"] == "completed" and out["retrievedText"] == reference
    assert out["error"] == {"name": "NotFoundError", "status": 404, "code": "model_not_found", "param": "model"}
