"""Rule Z (recap): a summary of the answer so far before the continuation is dropped like a preamble."""

from __future__ import annotations

import time

import pytest

from splice.recap import match_recap
from splice.seam import repair

from .test_splice_seam import splice

SENT = "## Setup\n\nInstall the tools first.\n\n## Build\n\nRun the build, then "
REST = "run the tests.\n\n## Deploy\n\nPush the image."


@pytest.mark.parametrize(
    "recap",
    [
        "**Recap:** so far we've covered Setup and Build.",
        "To recap, the answer so far went through Setup and Build. Picking up where it stopped:",
        "(So far: Setup and Build.)",
        "Quick summary of the above: Setup, Build. Now the remaining part.",
        "**Summary so far:** Install the tools first, then build…",
        "Zusammenfassung: bisher ging es um Setup und Build.",
        "Pour résumer : Setup, puis Build.",
        "Hasta ahora: Setup y Build.",
    ],
)
@pytest.mark.parametrize("chunk", [None, 1, 100])
def test_recap_line_goes(recap: str, chunk: int | None) -> None:
    assert splice(SENT, recap + "\n\n" + REST, chunk=chunk, mode="instruct") == SENT + REST


def test_recap_of_the_opening_words_goes() -> None:
    sent = "Use `group_by` and then `map` to build one object per team.\n\n1. First, "
    head = "To recap: I started with “Use group_by and then map…”. Here is the rest.\n\nselect the active users."
    assert splice(sent, head, mode="instruct") == sent + "select the active users."


@pytest.mark.parametrize(
    ("sent", "rest"),
    [
        # Recap words that restate nothing of the sent text: the continuation's own words.
        (SENT, "so far so good.\n\nNext, deploy."),
        ("The build is green.\n\n", "To recap: the cache makes every later run faster.\n\nThat's it."),
        ("## Setup\n\nInstall it.\n\n", "Summary: the defaults suit most users.\n\nDone."),
        # A recap with no line break after it: nothing goes on, so it is the text.
        (SENT, "so far we covered Setup and Build"),
    ],
)
def test_recap_like_text_that_is_the_answer_passes(sent: str, rest: str) -> None:
    for chunk in (None, 1, 100):
        assert splice(sent, rest, chunk=chunk, mode="instruct") == sent + rest


def test_prefill_mode_keeps_a_recap() -> None:
    head = "(So far: Setup and Build.)\n\n" + REST
    assert splice(SENT, head, mode="prefill") == SENT + head


def test_match_recap_waits_for_the_line() -> None:
    assert match_recap("To recap, so far: Setup", SENT, final=False) == -1
    assert match_recap("So", SENT, final=False) == -1
    assert match_recap("Sorting is next.", SENT, final=False) == 0


@pytest.mark.parametrize("char", ["a", " ", "\n", "#", "("])
@pytest.mark.parametrize("mode", ["prefill", "instruct"])
def test_hostile_heads_are_linear(char: str, mode: str) -> None:
    started = time.perf_counter()
    for head in (char * 10_000, "So far " + char * 10_000, "Recap: " + (char + "Setup ") * 1_500 + "\n"):
        repair(SENT, head, final=True, mode=mode)
        splice(SENT, head, chunk=7, mode=mode)
    assert time.perf_counter() - started < 0.5 * 6  # linear: ms per head; a quadratic scan: seconds each
