"""The soak harness (`python -m loadtest.soak`): its checks catch what they must, and a short run is clean.

The checks are fed hand-made event sequences (what a client would see when a relay repeats,
loses or re-numbers events); the run is a few seconds of traffic without faults on real relay
processes, a real redis-server and the fake upstream, where any violation is the harness's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from loadtest.soak import StreamCheck, describe_difference

from .redis_server import redis_server_binary

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = "The keeper trimmed the wick. The light turned all night, and the ships came home."


def feed(check: StreamCheck, *responses: list[tuple[int | None, str, object]]) -> None:
    """Each argument is one response: its events as (id, name, data)."""
    for events in responses:
        check.begin()
        for event_id, name, data in events:
            check.event(event_id, name, data)


def tokens(first_id: int, *texts: str) -> list[tuple[int | None, str, object]]:
    return [(first_id + i, "token", {"text": text}) for i, text in enumerate(texts)]


def test_a_resumed_stream_with_its_whole_text_passes() -> None:
    check = StreamCheck(REFERENCE)
    feed(
        check,
        tokens(1, "The keeper trimmed ", "the wick. "),
        [*tokens(3, "The light turned all night, "), (4, "progress", None), *tokens(5, "and the ships came home.")],
        [(6, "cost", None), (7, "done", {"finish_reason": "stop"})],
    )
    verdict = check.verdict(cancel_sent=False, cancel_answer=None)
    assert verdict.outcome == "finished:stop"
    assert verdict.violations == []


def test_repeated_text_is_caught_even_with_contiguous_ids() -> None:
    check = StreamCheck(REFERENCE)
    feed(
        check,
        [
            *tokens(
                1,
                "The keeper trimmed the wick. ",
                "The light turned ",
                "The light turned all night, ",
                "and the ships came home.",
            ),
            (5, "done", {"finish_reason": "stop"}),
        ],
    )
    verdict = check.verdict(cancel_sent=False, cancel_answer=None)
    assert [v.check for v in verdict.violations] == ["text"]
    assert "17 chars repeated" in verdict.violations[0].detail


def test_lost_text_and_an_id_gap_across_a_resume_are_caught() -> None:
    check = StreamCheck(REFERENCE)
    feed(
        check,
        tokens(1, "The keeper trimmed the wick. "),
        [
            *tokens(3, "The light turned all night, "),
            *tokens(4, "and the ships came home."),
            (5, "done", {"finish_reason": "stop"}),
        ],
    )
    verdict = check.verdict(cancel_sent=False, cancel_answer=None)
    assert [v.check for v in verdict.violations] == ["ids"]  # the text happens to be whole: id 2 was not a token
    assert "expected id 2, got 3" in verdict.violations[0].detail

    check = StreamCheck(REFERENCE)
    feed(
        check,
        tokens(1, "The keeper trimmed the wick. "),
        [*tokens(2, "and the ships came home."), (3, "done", {"finish_reason": "stop"})],
    )
    (violation,) = check.verdict(cancel_sent=False, cancel_answer=None).violations
    assert violation.check == "text" and "chars lost" in violation.detail


def test_a_second_terminal_event_is_caught() -> None:
    check = StreamCheck(REFERENCE)
    feed(
        check,
        [*tokens(1, REFERENCE), (2, "done", {"finish_reason": "stop"})],
        [(3, "done", {"finish_reason": "cancelled"})],
    )
    checks = [v.check for v in check.verdict(cancel_sent=False, cancel_answer=None).violations]
    assert checks.count("terminal") == 2  # an event after the terminal one, and two terminal events


def test_a_reset_replaces_the_text_and_moves_the_cursor() -> None:
    check = StreamCheck(REFERENCE)
    feed(
        check,
        tokens(1, "The keeper trimmed ", "the wick. ", "The light "),  # the client saw up to 3 ...
        [
            (
                2,
                "reset",
                {"text": "The keeper trimmed the wick. ", "last_event_id": 2},
            ),  # ... the log it resumes on has 2
            *tokens(3, "The light turned all night, ", "and the ships came home."),
            (5, "done", {"finish_reason": "stop"}),
        ],
    )
    verdict = check.verdict(cancel_sent=False, cancel_answer=None)
    assert verdict.violations == []
    assert check.resets == 1 and check.rewound_chars == len("The light ")


def test_cancelled_streams_need_a_delete_and_a_prefix_of_the_reference() -> None:
    events = [*tokens(1, "The keeper trimmed "), (2, "done", {"finish_reason": "cancelled"})]
    asked = StreamCheck(REFERENCE)
    feed(asked, events)
    assert asked.verdict(cancel_sent=True, cancel_answer="cancelled").outcome == "cancelled"
    assert asked.verdict(cancel_sent=True, cancel_answer="cancelled").violations == []

    unasked = StreamCheck(REFERENCE)
    feed(unasked, events)
    verdict = unasked.verdict(cancel_sent=False, cancel_answer=None)
    assert verdict.outcome == "cancelled_unasked" and [v.check for v in verdict.violations] == ["unexpected_end"]

    wrong = StreamCheck(REFERENCE)
    feed(wrong, [*tokens(1, "The keeper slept "), (2, "done", {"finish_reason": "cancelled"})])
    assert [v.check for v in wrong.verdict(cancel_sent=True, cancel_answer="cancelled").violations] == ["text"]


def test_a_stream_without_a_terminal_event_is_unfinished() -> None:
    check = StreamCheck(REFERENCE)
    feed(check, tokens(1, "The keeper "))
    verdict = check.verdict(cancel_sent=False, cancel_answer=None)
    assert verdict.outcome == "unfinished" and [v.check for v in verdict.violations] == ["not_finished"]


def test_describe_difference_names_the_kind_of_damage() -> None:
    assert "extra chars" in describe_difference(REFERENCE + " Again.", REFERENCE)
    assert "missing" in describe_difference(REFERENCE[:20], REFERENCE)


def test_a_short_run_without_faults_has_no_violation(tmp_path: Path) -> None:
    redis_server_binary()  # skips without redis-server (fails in CI)
    out = tmp_path / "soak.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "loadtest.soak",
            "--minutes",
            "0.1",
            "--streams",
            "6",
            "--instances",
            "2",
            "--tps",
            "60",
            "--no-faults",
            "--rss-every",
            "1",
            "--ramp-s",
            "1",
            "--json",
            str(out),
        ],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    res = json.loads(out.read_text())
    streams = res["streams"]
    assert streams["started"] >= 6 and streams["ended"] == streams["started"] and streams["create_failed"] == 0
    assert streams["violating"] == 0 and res["violations"] == []
    assert set(streams["by_outcome"]) <= {"finished:stop", "cancelled"}
    assert res["faults"] == []
    relays = res["rss"]["processes"]
    assert len(relays) == 2 and all(p["samples"] > 0 and p["peak_mb"] > 0 for p in relays)
    assert "soak:" in done.stdout and "violations: 0 streams" in done.stdout
