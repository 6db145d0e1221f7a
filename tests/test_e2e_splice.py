"""The splice end to end, for every kind of text in both eval corpora.

Client -> real uvicorn relay -> real OpenAI / Anthropic SDKs -> fake upstream (loadtest/upstream.py).  For each
kind of text, both provider orientations and each primary fault (stall, close, error event), the primary stops
mid-answer and a fallback continues it, misbehaving in one of the fake upstream's ways; the reader's text must be
the reference.  The streams run concurrently in a module fixture (relay, SDKs and fake upstream share one
process, so the matrix costs CPU time in proportion to its size); the tests then judge one stream each.
"""

from __future__ import annotations

import zlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from loadtest.upstream import model_name
from relay.config import load_config_dict
from splice.eval import is_clean
from splice.eval.batch8 import BATCH_8
from splice.eval.batch9 import BATCH_9
from splice.eval.batch10 import BATCH_10
from splice.eval.batch11 import BATCH_11
from splice.eval.batch12 import BATCH_12
from splice.eval.batch13 import BATCH_13
from splice.eval.batch14 import BATCH_14
from splice.eval.batch15 import BATCH_15
from splice.eval.batch16 import BATCH_16
from splice.eval.corpus import REFERENCES
from splice.eval.heldout import BATCH_1, BATCH_2, BATCH_3, BATCH_4, BATCH_5, BATCH_6, BATCH_7

from .support import Event, RelayServer, run_route, terminal, text_of, upstream_providers

DIRECTIONS = {"openai-to-anthropic": ("oa", "an"), "anthropic-to-openai": ("an", "oa")}
FAULTS = ("stall", "close", "error_event")
#: The fake upstream's continuation behaviours, spread over the matrix so that each meets every fault and direction.
CONTINUATIONS = ("exact", "repeat_words", "repeat_sentence", "restart", "preamble")
#: The first test waits for the whole matrix (1176 streams, 150 s on a quiet 2-core machine): more than the default.
pytestmark = pytest.mark.timeout(900)

STALL = {"stall_timeout_s": 1.0, "first_token_timeout_s": 5}
#: Where the primary stops, as a fraction of the answer's chunks: two cuts per kind of text, one per orientation.
CUTS = {"openai-to-anthropic": 0.37, "anthropic-to-openai": 0.71}


def _one_text_per_kind() -> dict[str, tuple[str, str]]:
    """kind -> (upstream text name, reference text): the first reference of each kind, in every batch."""
    texts: dict[str, tuple[str, str]] = {}
    for name, kind, text in (
        REFERENCES
        + BATCH_1
        + BATCH_2
        + BATCH_3
        + BATCH_4
        + BATCH_5
        + BATCH_6
        + BATCH_7
        + BATCH_8
        + BATCH_9
        + BATCH_10
        + BATCH_11
        + BATCH_12
        + BATCH_13
        + BATCH_14
        + BATCH_15
        + BATCH_16
    ):
        texts.setdefault(kind, (f"splice-{name}", text))
    return texts


TEXTS = _one_text_per_kind()
CASES = [(kind, direction, fault) for kind in sorted(TEXTS) for direction in sorted(DIRECTIONS) for fault in FAULTS]
#: Known misses, each a real seam defect not yet fixed: GraphQL cut in its nested closing braces, a fallback that
#: says the sentence again from the query's start loses a `}` line (since the closing-line rules L and S); cut in
#: the bars of the ABC tune (batch 10), a repeat of the last words is kept, doubling `G | F3`.  Batch 11: cut in
#: the .env answer right after "`# development | ", the text's own "…" that follows is dropped from an exact or
#: lead-in continuation; in the Tibetan passage, which has no sentence end the fake upstream knows (the shad "།"),
#: a repeat of the paragraph from its start is kept after the seam.  Batch 12 (held out) adds none.  Batch 16
#: (held out, not tuned to): an awk line's repeat from the `access-log` answer's `if` kept, an AsciiDoc table's
#: and a CUE schema's blank line doubled, a Dhall record's repeat kept, a Jsonnet restart's repeat kept.
KNOWN_MISSES = {
    ("abc-notation", "openai-to-anthropic", "close"),
    ("access-log", "anthropic-to-openai", "error_event"),
    ("asciidoc", "openai-to-anthropic", "stall"),
    ("cue", "openai-to-anthropic", "close"),
    ("dhall", "anthropic-to-openai", "close"),
    ("jsonnet", "anthropic-to-openai", "stall"),
    ("dotenv", "anthropic-to-openai", "close"),
    ("dotenv", "anthropic-to-openai", "error_event"),
    ("graphql", "anthropic-to-openai", "close"),
    ("tibetan", "anthropic-to-openai", "stall"),
}
PARAMS = [
    pytest.param(*case, marks=pytest.mark.xfail(strict=True, reason="known seam miss"))
    if case in KNOWN_MISSES
    else case
    for case in CASES
]


def _continuation(kind: str, direction: str, fault: str) -> str:
    """The fake upstream's continuation for one case: fixed by the kind's name, so a new kind moves no other."""
    i = zlib.crc32(kind.encode()) + sorted(DIRECTIONS).index(direction) * 2 + FAULTS.index(fault)
    return CONTINUATIONS[i % len(CONTINUATIONS)]


def _route_name(kind: str, direction: str, fault: str) -> str:
    return f"{kind}-{direction}-{fault}"


def _routes(upstream: Any) -> dict[str, dict[str, Any]]:
    routes: dict[str, dict[str, Any]] = {}
    for kind, direction, fault in CASES:
        name, _ = TEXTS[kind]
        at = max(3, int(len(upstream.reference(name).tokens) * CUTS[direction]))
        first, second = DIRECTIONS[direction]
        cont = _continuation(kind, direction, fault)
        routes[_route_name(kind, direction, fault)] = {
            "targets": [
                f"{first}/" + model_name("m", text=name, fault=fault, at=at),
                f"{second}/" + model_name("f", text=name, cont=cont),
            ],
            **STALL,
        }
    return routes


@pytest.fixture(scope="module")
def streams(upstream: Any) -> dict[str, tuple[dict[str, Any], list[Event]]]:
    """Every case's (snapshot, events), run concurrently through one relay."""
    for name, text in TEXTS.values():
        upstream.register_text(name, text)
    config = load_config_dict({"providers": upstream_providers(upstream), "routes": _routes(upstream)})

    def run(route: str) -> tuple[dict[str, Any], list[Event]]:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            return run_route(client, route)

    with RelayServer(config) as server, ThreadPoolExecutor(max_workers=16) as pool:
        names = [_route_name(*case) for case in CASES]
        return dict(zip(names, pool.map(run, names)))


@pytest.mark.parametrize(("kind", "direction", "fault"), PARAMS)
def test_the_reader_gets_the_reference_across_the_seam(
    streams: dict[str, tuple[dict[str, Any], list[Event]]], kind: str, direction: str, fault: str
) -> None:
    snapshot, events = streams[_route_name(kind, direction, fault)]
    reference = TEXTS[kind][1]
    assert [e.event for e in terminal(events)] == ["done"], events[-2:]
    failovers = [e for e in events if e.event == "failover"]
    assert len(failovers) == 1
    assert failovers[0].data["reason"] in {"stall", "connection_closed", "error_event"}
    sent = text_of(events[: events.index(failovers[0])])
    assert 0 < len(sent) < len(reference)
    problems = is_clean(reference, sent, snapshot["text"], exact=True)
    cont = _continuation(kind, direction, fault)
    assert problems == [], (cont, problems, snapshot["text"][max(0, len(sent) - 60) : len(sent) + 100])
    if cont == "exact":
        assert snapshot["text"] == reference
