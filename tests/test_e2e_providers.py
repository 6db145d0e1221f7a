"""End to end: client -> real uvicorn relay -> real OpenAI/Anthropic SDKs over HTTP -> fake upstream.

Single-target routes here: every fault must end the stream with one `error`
event and keep the partial text (failover has its own tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from loadtest.upstream import model_name
from relay.config import load_config_dict
from splice.eval.corpus import TEXTS

from .support import RelayServer, run_route, terminal, text_of, upstream_providers

KINDS = ("openai", "anthropic")
TEXT_NAMES = ("prose", "markdown", "code", "json", "cjk", "emoji", "german")
FAULTS = {
    # fault script -> the `code` of the error event it must produce
    "stall": {"stall"},
    "close": {"connection_closed", "missing_terminator"},
    "reset": {"connection_reset", "connection_closed"},
    "http429": {"http_status"},
    "http500": {"http_status"},
    "http503": {"http_status"},
    "http529": {"http_status"},
    "error_event": {"error_event"},
    "malformed": {"malformed_chunk"},
    "drip": {"stall"},
    "no_terminator": {"missing_terminator"},
    "no_finish": {"missing_finish_reason", "missing_terminator"},
}
PRE_FIRST_BYTE = {"http429", "http500", "http503", "http529"}


def _routes() -> dict[str, dict[str, Any]]:
    routes: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        provider = "oa" if kind == "openai" else "an"
        for text in TEXT_NAMES:
            routes[f"{kind}-{text}"] = {"targets": [f"{provider}/{model_name('m', text=text)}"]}
        for fault in FAULTS:
            script = model_name("m", text="prose", fault=fault, at=8, drip_s=5 if fault == "drip" else None)
            routes[f"{kind}-{fault}"] = {
                "targets": [f"{provider}/{script}"],
                "stall_timeout_s": 0.5,
                "first_token_timeout_s": 2,
            }
    return routes


@pytest.fixture(scope="module")
def relay(upstream) -> Iterator[RelayServer]:
    with RelayServer(load_config_dict({"providers": upstream_providers(upstream), "routes": _routes()})) as server:
        yield server


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("text", TEXT_NAMES)
def test_text_arrives_byte_for_byte(client: httpx.Client, kind: str, text: str) -> None:
    snapshot, events = run_route(client, f"{kind}-{text}")
    assert [e.event for e in terminal(events)] == ["done"]
    assert text_of(events) == TEXTS[text]
    assert snapshot["text"] == TEXTS[text]
    assert snapshot["status"] == "done"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_every_fault_ends_with_one_error_and_keeps_the_partial_text(
    client: httpx.Client, kind: str, fault: str
) -> None:
    snapshot, events = run_route(client, f"{kind}-{fault}")
    ends = terminal(events)
    assert [e.event for e in ends] == ["error"], events[-3:]
    assert ends[0].data["code"] in FAULTS[fault], ends[0].data
    assert events[-1] is ends[0]
    assert snapshot["status"] == "failed"
    partial = text_of(events)
    assert snapshot["text"] == partial
    assert TEXTS["prose"].startswith(partial)
    if fault in PRE_FIRST_BYTE:
        assert partial == ""
    elif fault not in ("no_terminator", "no_finish"):
        assert 0 < len(partial) < len(TEXTS["prose"])


@pytest.mark.parametrize(
    ("kind", "max_tokens", "native", "openai"),
    [
        ("openai", None, "stop", "stop"),
        ("openai", 5, "length", "length"),
        ("anthropic", None, "end_turn", "stop"),
        ("anthropic", 5, "max_tokens", "length"),
    ],
)
def test_done_carries_the_providers_finish_reason_and_openais_word_for_it(
    client: httpx.Client, kind: str, max_tokens: int | None, native: str, openai: str
) -> None:
    body: dict[str, Any] = {} if max_tokens is None else {"max_tokens": max_tokens}
    _, events = run_route(client, f"{kind}-prose", **body)
    assert terminal(events)[-1].event == "done"
    assert terminal(events)[-1].data == {"finish_reason": native, "openai_finish_reason": openai}
