"""Mid-stream failover end to end: the primary fails, a fallback continues, the seam is clean.

Client -> real uvicorn relay -> real SDKs over HTTP -> fake upstream, which
plays the fault on the primary and a scripted continuation behaviour on the
fallback (it finds the partial answer in the continuation request).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from loadtest.upstream import model_name
from relay.config import load_config_dict
from splice.eval import is_clean
from splice.eval.corpus import TEXTS

from .support import Event, RelayServer, run_route, terminal, text_of, upstream_providers

DIRECTIONS = {"openai-to-anthropic": ("oa", "an"), "anthropic-to-openai": ("an", "oa")}
MID_STREAM_FAULTS = ("stall", "close", "reset", "error_event", "malformed", "drip")
CUTS = {  # text -> chunk indexes to fail at (mid-sentence, in lists/code/CJK/emoji)
    "prose": (3, 40),
    "markdown": (25, 61),
    "code": (30, 77),
    "cjk": (9, 30),
    "emoji": (7, 20),
    "german": (12,),
    "json": (22,),
}
CASES = [(text, at) for text, cuts in CUTS.items() for at in cuts]
STALL = {"stall_timeout_s": 0.3, "first_token_timeout_s": 3}
WRAPS = ("xml_wrap", "json_wrap", "offer")


def _primary(provider: str, text: str, fault: str, at: int) -> str:
    return f"{provider}/" + model_name("m", text=text, fault=fault, at=at, drip_s=1 if fault == "drip" else None)


def _fallback(provider: str, text: str, cont: str = "exact", **extra: object) -> str:
    return f"{provider}/" + model_name("f", text=text, cont=cont, **extra)


def _routes() -> dict[str, dict[str, Any]]:
    routes: dict[str, dict[str, Any]] = {}
    for direction, (first, second) in DIRECTIONS.items():
        for fault in MID_STREAM_FAULTS:
            for text, at in CASES:
                routes[f"{direction}-{fault}-{text}-{at}"] = {
                    "targets": [_primary(first, text, fault, at), _fallback(second, text)],
                    **STALL,
                }
        for cont in ("repeat_words", "repeat_sentence", "restart", "preamble"):
            for text in ("prose", "markdown", "german"):
                routes[f"{direction}-cont-{cont}-{text}"] = {
                    "targets": [_primary(first, text, "stall", 30), _fallback(second, text, cont)],
                    **STALL,
                }
    # An instruct fallback (OpenAI-kind) that wraps the rest: the seam's filters run to the end of the stream.
    for cont in WRAPS:
        for text in ("prose", "markdown", "german"):
            routes[f"wrap-{cont}-{text}"] = {
                "targets": [_primary("an", text, "stall", 30), _fallback("oa", text, cont)],
                **STALL,
            }
    routes["finished-but-no-terminator"] = {
        "targets": [_primary("oa", "prose", "no_terminator", 5), _fallback("an", "prose", "restart")],
        **STALL,
    }
    routes["finished-fallback-says-nothing"] = {
        "targets": [_primary("an", "prose", "no_terminator", 5), _fallback("oa", "prose", "nothing")],
        **STALL,
    }
    routes["prefill-refused"] = {
        "targets": [_primary("oa", "prose", "reset", 20), _fallback("an", "prose", prefill="reject")],
        **STALL,
    }
    routes["fallback-fails-too"] = {
        "targets": [
            _primary("oa", "markdown", "stall", 15),
            _primary("an", "markdown", "reset", 4),
            _fallback("oa", "markdown"),
        ],
        **STALL,
    }
    routes["fallback-says-nothing-mid-answer"] = {
        "targets": [_primary("oa", "prose", "stall", 15), _fallback("an", "prose", "nothing")],
        **STALL,
    }
    routes["all-fail"] = {
        "targets": [_primary("oa", "prose", "stall", 10), _primary("an", "prose", "http503", 0)],
        **STALL,
    }
    routes["before-first-token"] = {
        "targets": [_primary("an", "prose", "http529", 0), _fallback("oa", "prose", "restart")],
        **STALL,
    }
    return routes


@pytest.fixture(scope="module")
def relay(upstream) -> Iterator[RelayServer]:
    with RelayServer(load_config_dict({"providers": upstream_providers(upstream), "routes": _routes()})) as server:
        yield server


def of(events: list[Event], name: str) -> list[Event]:
    return [e for e in events if e.event == name]


@pytest.mark.parametrize("direction", sorted(DIRECTIONS))
@pytest.mark.parametrize("fault", MID_STREAM_FAULTS)
@pytest.mark.parametrize(("text", "at"), CASES)
def test_exact_continuation_reproduces_the_reference(
    client: httpx.Client, direction: str, fault: str, text: str, at: int
) -> None:
    snapshot, events = run_route(client, f"{direction}-{fault}-{text}-{at}")
    assert [e.event for e in terminal(events)] == ["done"], events[-2:]
    assert snapshot["text"] == TEXTS[text]
    failovers = of(events, "failover")
    assert len(failovers) == 1
    assert failovers[0].data["reason"] in {
        "stall",
        "connection_closed",
        "connection_reset",
        "error_event",
        "malformed_chunk",
        "missing_terminator",
    }
    # The failover is announced at the point the primary's sent text ended.
    before = text_of(events[: events.index(failovers[0])])
    assert failovers[0].data["at_char"] == len(before) > 0
    assert len(of(events, "splice")) == 1


@pytest.mark.parametrize("direction", sorted(DIRECTIONS))
@pytest.mark.parametrize("cont", ["repeat_words", "repeat_sentence", "restart", "preamble"])
@pytest.mark.parametrize("text", ["prose", "markdown", "german"])
def test_misbehaving_fallback_is_spliced_cleanly(client: httpx.Client, direction: str, cont: str, text: str) -> None:
    snapshot, events = run_route(client, f"{direction}-cont-{cont}-{text}")
    assert [e.event for e in terminal(events)] == ["done"]
    failover = of(events, "failover")[0]
    sent = text_of(events[: events.index(failover)])
    problems = is_clean(TEXTS[text], sent, snapshot["text"])
    assert problems == [], (problems, snapshot["text"][max(0, len(sent) - 80) : len(sent) + 120])
    splice = of(events, "splice")[0].data
    assert splice["dropped_chars"] > 0


@pytest.mark.parametrize("cont", WRAPS)
@pytest.mark.parametrize("text", ["prose", "markdown", "german"])
def test_a_wrapped_continuation_reaches_the_reader_unwrapped(client: httpx.Client, cont: str, text: str) -> None:
    """Tags and a JSON string around the rest, or an offer after it, are undone to the stream's last chunk."""
    snapshot, events = run_route(client, f"wrap-{cont}-{text}")
    assert [e.event for e in terminal(events)] == ["done"]
    assert snapshot["text"] == TEXTS[text], snapshot["text"][-200:]
    assert text_of(events) == TEXTS[text]


def test_primary_that_had_finished_gets_nothing_added(client: httpx.Client) -> None:
    for route in ("finished-but-no-terminator", "finished-fallback-says-nothing"):
        snapshot, events = run_route(client, route)
        assert snapshot["text"] == TEXTS["prose"], route
        assert [e.event for e in terminal(events)] == ["done"]


def test_fallback_saying_nothing_mid_answer_ends_without_damage(client: httpx.Client) -> None:
    snapshot, events = run_route(client, "fallback-says-nothing-mid-answer")
    assert TEXTS["prose"].startswith(snapshot["text"])
    assert [e.event for e in terminal(events)] == ["done"]


def test_refused_prefill_is_retried_as_instruct_and_learned(client: httpx.Client, upstream) -> None:
    for _ in range(2):
        snapshot, events = run_route(client, "prefill-refused")
        assert snapshot["text"] == TEXTS["prose"]
    requests = [r for r in upstream_requests(upstream) if ";prefill=reject" in r["model"]]
    # First failover: prefill refused, then instruct. Second: straight to instruct (learned).
    finals = [r["body"]["messages"][-1]["role"] for r in requests]
    assert finals == ["assistant", "user", "user"], finals
    # Never a system message added, the original user turn kept first.
    for request in requests:
        assert "system" not in request["body"]
        assert request["body"]["messages"][0] == {"role": "user", "content": "Go."}


def upstream_requests(upstream) -> list[dict[str, Any]]:
    requests: list[dict[str, Any]] = httpx.get(upstream.base_url + "/_requests").json()
    return requests


def test_a_failing_fallback_moves_on_to_the_next_target(client: httpx.Client) -> None:
    snapshot, events = run_route(client, "fallback-fails-too")
    failovers = of(events, "failover")
    assert len(failovers) == 2
    assert snapshot["text"] == TEXTS["markdown"]


def test_when_every_target_fails_the_partial_text_is_kept(client: httpx.Client) -> None:
    snapshot, events = run_route(client, "all-fail")
    assert [e.event for e in terminal(events)] == ["error"]
    assert snapshot["status"] == "failed"
    assert len(snapshot["text"]) > 0 and TEXTS["prose"].startswith(snapshot["text"])


def test_failure_before_the_first_token_needs_no_seam(client: httpx.Client) -> None:
    snapshot, events = run_route(client, "before-first-token")
    assert snapshot["text"] == TEXTS["prose"]
    assert of(events, "splice") == []
    assert of(events, "failover")[0].data["at_char"] == 0


def test_without_holdback_chunks_pass_at_once_and_the_seam_is_still_clean(upstream) -> None:
    routes = {
        "no-holdback": {
            "targets": [_primary("oa", "prose", "stall", 37), _fallback("an", "prose", "repeat_words")],
            "holdback": False,
            **STALL,
        }
    }
    config = load_config_dict({"providers": upstream_providers(upstream), "routes": routes})
    with RelayServer(config) as server, httpx.Client(base_url=server.base_url, timeout=30) as client:
        snapshot, events = run_route(client, "no-holdback")
    failover = of(events, "failover")[0]
    sent = text_of(events[: events.index(failover)])
    # Every chunk the primary sent before stalling went out, the unfinished last word included.
    assert sent == "".join(upstream.reference("prose").tokens[:37])
    assert is_clean(TEXTS["prose"], sent, snapshot["text"]) == []


def test_holdback_is_on_by_default_only_where_a_fallback_exists(upstream) -> None:
    routes = {
        "single": {"targets": [_primary("oa", "prose", "stall", 37)], **STALL},
        "with-fallback": {"targets": [_primary("oa", "prose", "stall", 37), _fallback("an", "prose")], **STALL},
    }
    config = load_config_dict({"providers": upstream_providers(upstream), "routes": routes})
    assert (config.routes["single"].holds_back, config.routes["with-fallback"].holds_back) == (False, True)
    tokens = upstream.reference("prose").tokens
    with RelayServer(config) as server, httpx.Client(base_url=server.base_url, timeout=30) as client:
        _, single = run_route(client, "single")
        _, spliced = run_route(client, "with-fallback")
    # No fallback, nothing to splice: every chunk went out as it came, the unfinished word included.
    assert [e.data["text"] for e in single if e.event == "token"] == list(tokens[:37])
    assert terminal(single)[0].event == "error"
    # With a fallback, the primary's unfinished last word was held back and regenerated at the seam.
    before = text_of(spliced[: spliced.index(of(spliced, "failover")[0])])
    assert before == "".join(tokens[:37])[: len(before)] and len(before) < len("".join(tokens[:37]))
    assert before[-1].isspace() or not before[-1].isalnum()


@pytest.mark.parametrize("direction", sorted(DIRECTIONS))
def test_the_fallbacks_first_word_goes_out_with_its_first_chunk(client: httpx.Client, upstream, direction: str) -> None:
    """The regenerated word is not held back until the whitespace after it: that would add a chunk to the gap."""
    snapshot, events = run_route(client, f"{direction}-stall-prose-40")
    assert snapshot["text"] == TEXTS["prose"]
    after = events[events.index(of(events, "failover")[0]) :]
    first = next(e.data["text"] for e in after if e.event == "token")
    held = upstream.reference("prose").tokens[39].strip()  # the primary's last chunk, held back and dropped
    assert (first, of(after, "splice")[0].data["strategy"]) == (held, "clean")


@pytest.mark.parametrize("provider", ["oa", "an"])
def test_a_whole_answer_whose_body_end_is_late_is_not_a_stall(upstream, provider: str) -> None:
    """After [DONE] / message_stop the relay reads the body's end, so the connection is reused: not a stall."""
    routes = {
        "late-end": {
            "targets": [
                f"{provider}/{model_name('m', text='prose', fault='hold_end', tps=200)}",
                _fallback("an", "prose"),
            ],
            "stall_timeout_s": 0.1,  # below the drain's bound: a slow end must not count as a stall
            "first_token_timeout_s": 3,
        }
    }
    config = load_config_dict({"providers": upstream_providers(upstream), "routes": routes})
    with RelayServer(config) as server, httpx.Client(base_url=server.base_url, timeout=30) as client:
        snapshot, events = run_route(client, "late-end")
    assert snapshot["text"] == TEXTS["prose"]
    assert of(events, "failover") == [] and terminal(events)[0].event == "done"
