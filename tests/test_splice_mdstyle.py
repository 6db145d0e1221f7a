"""Rule AE (Markdown spelling habit): the continuation's list markers and bold in the sent text's spelling."""

from __future__ import annotations

import random
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from splice.mdstyle import MarkerStyle
from splice.seam import repair

from .test_splice_seam import splice


def _filtered(sent: str, rest: str, chunk: int | None) -> str:
    f = MarkerStyle(sent)
    rng = random.Random(3)
    out, i = [], 0
    while i < len(rest):
        n = chunk or rng.randint(1, 3)
        out.append(f.feed(rest[i : i + n]))
        i += n
    return "".join(out) + f.finish()


@pytest.mark.parametrize(
    ("sent", "respelled", "rest"),
    [
        # Numbered items: "3)" after "1." and "2.", and back.
        ("Steps:\n\n1. Mix.\n2. ", "Bake.\n3) Cool.\n4) Serve.\n", "Bake.\n3. Cool.\n4. Serve.\n"),
        ("Steps:\n\n1) Mix.\n", "2. Bake.\n3. Cool.\n", "2) Bake.\n3) Cool.\n"),
        # Bullets: "*" or "+" after "-", "-" after "*".
        ("Pack:\n\n- a tent\n", "* a stove\n+ a map\n", "- a stove\n- a map\n"),
        ("Pack:\n\n* a tent\n", "- a stove\n- a map\n", "* a stove\n* a map\n"),
        # Bold: "__x__" after "**x**", and back; outside code only.
        ("Use **Ctrl** and ", "__Alt__, then `__init__` and __Shift__.", "**Alt**, then `__init__` and **Shift**."),
        ("Use __Ctrl__ and ", "**Alt** now.", "__Alt__ now."),
        # Per nesting level: "*" nested under "-" stays "*", "-" at the top comes back.
        ("- a\n  * b\n", "* c\n  - d\n", "- c\n  * d\n"),
        # A level the sent text did not show takes the spelling it kept over two levels.
        ("- a\n  - b\n", "1. c\n   * d\n", "1. c\n   - d\n"),
    ],
)
@pytest.mark.parametrize("mode", ["prefill", "instruct"])
def test_respelled_markers_take_the_sent_spelling(sent: str, respelled: str, rest: str, mode: str) -> None:
    for chunk in (None, 1, 100):
        assert splice(sent, respelled, chunk=chunk, mode=mode) == sent + rest


@pytest.mark.parametrize(
    ("sent", "rest"),
    [
        # No habit: both spellings shown at the level, or none shown.
        ("- a\n* b\n", "+ c\n- d\n"),
        ("Plain prose so far, no list. ", "Then:\n\n* one\n* two\n"),
        # A level the sent text did not show, after one level only: nested "*" under "-" is the answer's own.
        ("- a\n- b\n", "  * c\n  * d\n"),
        # Thematic breaks are no bullets; code keeps its characters.
        ("- a\n- b\n\nThen ", "more.\n\n* * *\n\nNext.\n"),
        ("- a\n- b\n\n```python\n", "* not a bullet\nx = __name__\n```\n"),
        ("Use **bold** and run `", "__init__ __then__` done."),
        # Bold that is not the other spelling's span: a snake_case word, an unclosed opener, "___" blanks.
        ("Use **bold**: ", "snake__case__word and __ alone and ___ blanks __half\n"),
        # A "__x__" inside a code span the sent text left open.
        ("Run `tree -I '__pycache__' and **x**", " --dirsfirst` then **y**."),
    ],
)
@pytest.mark.parametrize("mode", ["prefill", "instruct"])
def test_no_habit_or_code_passes(sent: str, rest: str, mode: str) -> None:
    for chunk in (None, 1, 100):
        assert splice(sent, rest, chunk=chunk, mode=mode) == sent + rest


def test_a_nested_list_keeps_its_own_marker_per_level() -> None:
    sent = "Options:\n\n- SQLite\n  * embedded\n"
    assert _filtered(sent, "  - no server\n* Postgres\n  - rich types\n", 2) == (
        "  * no server\n- Postgres\n  * rich types\n"
    )


@pytest.mark.parametrize("head", ["-" * 10_000, "* " * 5_000, "__a " * 2_500, "__" + "a" * 10_000, " " * 10_000])
def test_hostile_heads_same_whole_or_chunked_and_linear(head: str) -> None:
    sent = "- a\n- b\n\n1. **x**\n"
    started = time.perf_counter()
    whole = _filtered(sent, head, 10**6)
    assert _filtered(sent, head, 1) == whole == _filtered(sent, head, None)
    repair(sent, head, final=True, mode="instruct")
    assert time.perf_counter() - started < 3.0


_LINES = st.lists(
    st.sampled_from(["- a", "* b", "+ c", "  - d", "  * e", "1. f", "2) g", "__h__ i", "**j**", "```", "`k`", "", "x"]),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(sent=_LINES, rest=_LINES, chunk=st.integers(min_value=1, max_value=9))
def test_any_chunking_gives_the_same_text(sent: list[str], rest: list[str], chunk: int) -> None:
    sent_text, rest_text = "\n".join(sent) + "\n", "\n".join(rest)
    assert _filtered(sent_text, rest_text, chunk) == _filtered(sent_text, rest_text, 10**6)
