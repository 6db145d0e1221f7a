"""The deployment files and the docs' config examples: parsed, never built or deployed (fast, offline)."""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from relay.config import default_config, load_config_dict
from relay.tokens import ENCODINGS_DIR, SHIPPED_ENCODINGS

ROOT = Path(__file__).resolve().parent.parent


def _seconds(value: object) -> float:
    """A fly.toml duration: an int (seconds) or a string like "45s" / "1m"."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m)?", str(value).strip())
    assert match, f"not a duration: {value!r}"
    number, unit = float(match[1]), match[2] or "s"
    return number * {"ms": 0.001, "s": 1, "m": 60}[unit]


# -- fly.toml -------------------------------------------------------------------


@pytest.fixture(scope="module")
def fly() -> dict[str, Any]:
    return tomllib.loads((ROOT / "fly.toml").read_text())


def test_fly_keeps_machines_running_under_open_streams(fly: dict[str, Any]) -> None:
    service = fly["http_service"]
    assert service["internal_port"] == 8080
    assert service["force_https"] is True
    # "stop" / "suspend" / true would let the proxy stop a Machine that holds open streams.
    assert service["auto_stop_machines"] in ("off", False)
    assert service["auto_start_machines"] is True
    assert service["min_machines_running"] >= 1


def test_fly_concurrency_is_sized_for_sse(fly: dict[str, Any]) -> None:
    concurrency = fly["http_service"]["concurrency"]
    assert concurrency["type"] in ("requests", "connections")
    assert 0 < concurrency["soft_limit"] <= concurrency["hard_limit"]
    assert concurrency["soft_limit"] >= 100  # default is 20: far too few for idle streams


def test_fly_health_check_and_shutdown(fly: dict[str, Any]) -> None:
    checks = fly["http_service"]["checks"]
    assert any(check.get("path") == "/healthz" and check.get("method", "GET").upper() == "GET" for check in checks)
    assert fly["kill_signal"] == "SIGTERM"
    assert 30 <= _seconds(fly["kill_timeout"]) <= 300  # Fly caps kill_timeout at 300 s


def test_fly_config_path_is_provided(fly: dict[str, Any]) -> None:
    path = fly["env"]["SPLICE_RELAY_CONFIG"]
    assert path.startswith("/")
    assert any(entry["guest_path"] == path for entry in fly.get("files", [])), (
        "SPLICE_RELAY_CONFIG must be written by [[files]]"
    )


# -- Dockerfile -----------------------------------------------------------------


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per Dockerfile instruction, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def _index(instructions: list[tuple[str, str]], predicate) -> int:
    for index, instruction in enumerate(instructions):
        if predicate(*instruction):
            return index
    raise AssertionError("no matching Dockerfile instruction")


def test_dockerfile_is_slim_non_root_and_layered() -> None:
    instructions = _instructions()
    froms = [rest for keyword, rest in instructions if keyword == "FROM"]
    assert froms and re.fullmatch(r"python:3\.1[1-9][\w.-]*-slim(-\w+)?( AS \w+)?", froms[-1], re.I), froms

    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")

    deps_copy = _index(instructions, lambda k, r: k == "COPY" and "pyproject.toml" in r)
    deps_install = _index(instructions, lambda k, r: k == "RUN" and "pip install" in r)
    source_copy = _index(instructions, lambda k, r: k == "COPY" and r.split()[0] in ("relay", ".", "./relay"))
    package_install = _index(instructions, lambda k, r: k == "RUN" and "--no-deps" in r)
    assert deps_copy < deps_install < source_copy < package_install
    assert "--no-deps" not in instructions[deps_install][1]


def test_dockerfile_runtime() -> None:
    instructions = _instructions()
    assert ("EXPOSE", "8080") in instructions
    env = " ".join(rest for keyword, rest in instructions if keyword == "ENV")
    assert "PYTHONUNBUFFERED=1" in env
    cmd = [rest for keyword, rest in instructions if keyword == "CMD"][-1]
    argv = tomllib.loads(f"cmd = {cmd}")["cmd"] if cmd.startswith("[") else shlex.split(cmd)
    assert argv[:2] == ["splice-relay", "serve"]
    assert argv[argv.index("--host") + 1] == "0.0.0.0" and argv[argv.index("--port") + 1] == "8080"


def test_dockerignore_keeps_the_venv_and_git_out() -> None:
    patterns = {line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".venv", ".git"} <= patterns
    assert not {"README.md", "pyproject.toml", "constraints.txt"} & patterns  # the build needs all three


def test_the_image_leaves_the_load_tool_out() -> None:
    patterns = {line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert "loadtest" in patterns
    copied = [arguments.split()[0] for keyword, arguments in _instructions() if keyword == "COPY"]
    assert "." not in copied and "./" not in copied  # a whole-context copy would depend on .dockerignore alone
    assert not [source for source in copied if source.strip("./").startswith("loadtest")]


def test_the_wheel_leaves_the_load_tool_out(tmp_path: Path) -> None:
    """Build the wheel from a copy of the tree (loadtest/ included) and look inside."""
    source = tmp_path / "src"
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "results", ".litellm-venv")
    for name in ("relay", "providers", "splice", "loadtest"):
        shutil.copytree(ROOT / name, source / name, ignore=skip)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(tmp_path), str(source)],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = tmp_path.glob("splice_relay-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        tops = {name.split("/")[0] for name in names}
    assert {"relay", "providers", "splice"} <= tops
    assert not {"loadtest", "tests"} & tops
    static = {f"relay/static/{path.name}" for path in (ROOT / "relay" / "static").iterdir()}
    assert {"relay/static/index.html", "relay/static/demo.js", "relay/static/demo.css"} <= static <= names  # GET /


# -- pyproject.toml -------------------------------------------------------------


def test_pyproject_names_the_distribution_and_console_script() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == "splice-relay"
    assert project["scripts"]["splice-relay"] == "relay.cli:main"
    assert (ROOT / project["readme"]).is_file()


_EXTRA_PACKAGES = {("redis", "hiredis"): {"hiredis"}, ("uvicorn", "standard"): {"uvloop", "httptools"}}


def _pins() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = Version(version)
    return pins


def test_constraints_pin_every_dependency_within_its_floor() -> None:
    """A dependency added to pyproject.toml without `make upgrade-deps` would install unpinned."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _pins()
    for spec in project["dependencies"] + project["optional-dependencies"]["test"]:
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not pinned in constraints.txt (make upgrade-deps)"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            name,
            str(pins[name]),
            str(requirement.specifier),
        )
        for extra in requirement.extras:  # what redis[hiredis] and uvicorn[standard] pull in is pinned too
            missing = _EXTRA_PACKAGES.get((name, extra), set()) - pins.keys()
            assert not missing, f"{name}[{extra}] needs {missing} pinned in constraints.txt"


def test_the_install_steps_use_the_constraints() -> None:
    assert "-c constraints.txt" in (ROOT / "Makefile").read_text()
    instructions = _instructions()
    deps_install = _index(instructions, lambda k, r: k == "RUN" and "pip install" in r)  # as in the layering test
    assert "-c constraints.txt" in instructions[deps_install][1]


# -- docs/configuration.md: every example is a config the relay accepts -----------

_TOML_BLOCK = re.compile(r"^```toml\n(.*?)^```", re.S | re.M)


def _config_examples() -> list[str]:
    return _TOML_BLOCK.findall((ROOT / "docs" / "configuration.md").read_text())


def test_configuration_doc_has_examples() -> None:
    assert len(_config_examples()) >= 5


@pytest.mark.parametrize("index", range(len(_config_examples())))
def test_configuration_doc_example_loads(index: int) -> None:
    block = _config_examples()[index]
    config = load_config_dict(tomllib.loads(block))
    assert config.routes


def test_configuration_doc_shows_the_embedded_default() -> None:
    configs = [load_config_dict(tomllib.loads(block)) for block in _config_examples()]
    assert default_config() in configs


# -- the tiktoken files shipped in the package ---------------------------------


@pytest.mark.parametrize("name", sorted(SHIPPED_ENCODINGS))
def test_shipped_encoding_matches_its_sha256(name: str) -> None:
    file_name, expected = SHIPPED_ENCODINGS[name]
    digest = hashlib.sha256((ENCODINGS_DIR / file_name).read_bytes()).hexdigest()
    assert digest == expected


def test_preloading_loads_exactly_the_encodings_the_models_use() -> None:
    """At startup the relay loads what its routes need (a second each), and nothing it does not (75 MB for o200k)."""
    script = (
        "import tiktoken.registry as r; from relay.tokens import preload_encodings as p; "
        "p(['gpt-4-0613', 'openrouter/gpt-3.5-turbo']); print(sorted(r.ENCODINGS)); "
        "p(['claude-sonnet-4-5', 'gpt-4o-mini']); print(sorted(r.ENCODINGS))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "TIKTOKEN_CACHE_DIR": "/nonexistent"},
    )
    assert out.stdout.split("\n")[:2] == ["['cl100k_base']", "['cl100k_base', 'o200k_base']"]
