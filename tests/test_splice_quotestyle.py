"""Rule Y (quote habit): the continuation's prose quotes restyled to the sent text's habit."""

from __future__ import annotations

import time

import pytest

from splice.quotestyle import QuoteHabit
from splice.seam import repair

from .test_splice_seam import splice


@pytest.mark.parametrize(
    ("sent", "fallback", "expected"),
    [
        # Straight habit: curly quotes and apostrophes straightened, code left alone.
        (
            "It's easy, and it's fast. Then ",
            "you’ll see “done” and `print(‘x’)`.\n\n```js\nconst s = “a”;\n```\nThat’s all.",
            "you'll see \"done\" and `print(‘x’)`.\n\n```js\nconst s = “a”;\n```\nThat's all.",
        ),
        (
            "Das ist's, sagt's: \"schnell\" und ",
            "„einfach“ – wir sind’s gewohnt.",
            "„einfach\" – wir sind's gewohnt.",
        ),
        # Curly habit: straight quotes curled, opening or closing by the char before.
        (
            "Mae’n hawdd, ac mae’r llwybr yn ",
            "serth. Don't say \"never\" (or 'maybe').\n\n- `don't` stays",
            'serth. Don’t say "never" (or ‘maybe’).\n\n- `don\'t` stays',  # no double habit to follow
        ),
        (
            "“Oui”, dit-il, “c’est simple”, c’est ",
            'l\'idée: dites "oui".',
            "l’idée: dites “oui”.",
        ),
        (
            "C’est « simple », c’est ",
            'l\'idée: dites "oui".',
            'l’idée: dites "oui".',
        ),
    ],
)
@pytest.mark.parametrize("chunk", [None, 1, 100])
def test_quotes_follow_the_sent_habit(sent: str, fallback: str, expected: str, chunk: int | None) -> None:
    assert splice(sent, fallback, chunk=chunk, mode="instruct") == sent + expected


@pytest.mark.parametrize(
    ("sent", "rest"),
    [
        # No habit: fewer than two quotes, or both styles.
        ("Here's the plan. ", "Don’t skip “step one”."),
        ("It's fine, but don’t ", "say “never”, it's rude."),
        # Curly double quotes nesting straight single ones: the single family shows no habit of its own.
        ("He wrote: “Call it done” and “again”, then ", "“the 'inner' marks” stay."),
        ("Ein „Zitat“ und „noch eins“, dann ", "'innen' bleibt."),
        # Inside a fence or a code span the quotes are code.
        ("It's 'a' and 'b':\n\n```python\nx = ", "“not prose”\n```\n"),
        ("It's 'a' and 'b'; run `echo ", "“hi”` now."),
    ],
)
@pytest.mark.parametrize("mode", ["prefill", "instruct"])
def test_no_habit_or_code_passes(sent: str, rest: str, mode: str) -> None:
    for chunk in (None, 1, 100):
        assert splice(sent, rest, chunk=chunk, mode=mode) == sent + rest


def test_fence_opener_split_across_chunks() -> None:
    habit = QuoteHabit("It's 'a' and it's 'b'.\n\n")
    parts = ["`", "`", "`py\nx = “a”\n`", "``\nThat’s it."]
    assert "".join(habit.feed(p) for p in parts) + habit.finish() == "```py\nx = “a”\n```\nThat's it."


@pytest.mark.parametrize("char", ["`", "'", "’", "~", "\n"])
@pytest.mark.parametrize("mode", ["prefill", "instruct"])
def test_hostile_heads_are_linear(char: str, mode: str) -> None:
    started = time.perf_counter()
    for head in (char * 10_000, (char + "a ") * 3_000, ("```" + char) * 2_500):
        repair("It's 'a' and 'b'. ", head, final=True, mode=mode)
        splice("It's 'a' and 'b'. ", head, chunk=7, mode=mode)
    assert time.perf_counter() - started < 0.5 * 6  # linear: ms per head; a quadratic scan: seconds each
