"""Rule AF (emoji decoration): an emoji after the continuation's markers, where the answer's were bare, dropped."""

from __future__ import annotations

import random
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from splice.decoration import EmojiDrop
from splice.seam import repair

from .test_splice_seam import splice


def _filtered(sent: str, rest: str, chunk: int | None) -> str:
    f = EmojiDrop(sent)
    rng = random.Random(5)
    out, i = [], 0
    while i < len(rest):
        n = chunk or rng.randint(1, 3)
        out.append(f.feed(rest[i : i + n]))
        i += n
    return "".join(out) + f.finish()


RECIPE = "## Pastizzi\n\n### Ingredients\n\n- 500 g flour\n- 250 ml water\n"


@pytest.mark.parametrize(
    ("sent", "decorated", "rest"),
    [
        # The list the sent text was in goes on: any emoji, a check mark too.
        (RECIPE, "- ✅ 200 g butter\n- ✅ 2 eggs\n", "- 200 g butter\n- 2 eggs\n"),
        (RECIPE, "- 🧑‍🍳 200 g butter\n- 🇲🇹 2 eggs\n", "- 200 g butter\n- 2 eggs\n"),
        # Headings after bare ones, with a variation selector.
        (
            RECIPE,
            "- salt\n\n### 🛠️ Method\n\n1. 👉 Knead.\n2. ▶️ Rest.\n",
            "- salt\n\n### Method\n\n1. Knead.\n2. Rest.\n",
        ),
        # A new list after bare markers: a decorative pictograph goes.
        (
            "## Tips\n\nSome prose. ",
            "More.\n\n- ⭐ Use cold water\n- 🔹 Rest it\n",
            "More.\n\n- Use cold water\n- Rest it\n",
        ),
        # Tab-nested items going on with the sent text's nested list.
        ("1. Mix\n\t- flour\n", "\t- 📍 water\n2. 📍 Bake\n", "\t- water\n2. Bake\n"),
    ],
)
@pytest.mark.parametrize("mode", ["prefill", "instruct"])
def test_decorations_are_dropped(sent: str, decorated: str, rest: str, mode: str) -> None:
    for chunk in (None, 1, 100):
        assert splice(sent, decorated, chunk=chunk, mode=mode) == sent + rest


@pytest.mark.parametrize(
    ("sent", "rest"),
    [
        # The answer decorates its own markers: its emoji are its habit.
        ("## 🚀 Start\n\n- a\n", "- ✅ b\n### 📦 Next\n"),
        # A new list of status marks after bare ones: a checklist's content (an ADR's consequences).
        (
            "# ADR\n\n- **Status:** Accepted\n- **Date:** today\n\n## Consequences\n\n",
            "- ✅ One dependency fewer\n- ⚠️ A pool per job\n- ❌ No PgBouncer\n",
        ),
        # A new sublist under a bare item, of status marks.
        (
            "### Obsidian\n- **Storage:** files\n  - offline\n",
            "- **Strengths**\n  - ✅ Backlinks\n- **Weaknesses**\n  - ❌ Sync\n",
        ),
        # No bare marker shown yet; code; symbols that are no emoji; an emoji alone on its item.
        ("Intro prose. ", "Then:\n\n- 🔹 one\n"),
        ("- a\n- b\n\n```md\n", "- 🔹 in code\n```\n"),
        ("- a\n- b\n", "- ∣ divides\n- ♭ lowers\n- ⌘C copies\n- →next\n- ✅\n"),
        # An emoji later in the item, or glued to its word.
        ("- a\n- b\n", "- c 🔹 d\n- ✅done\n"),
    ],
)
@pytest.mark.parametrize("mode", ["prefill", "instruct"])
def test_answer_emoji_and_code_pass(sent: str, rest: str, mode: str) -> None:
    for chunk in (None, 1, 100):
        assert splice(sent, rest, chunk=chunk, mode=mode) == sent + rest


@pytest.mark.parametrize(
    "head", ["- ✅ x\n" * 1_700, "✅" * 10_000, "- " + "✅" * 10_000, "-" * 10_000, "#" * 10_000, " " * 10_000]
)
def test_hostile_heads_same_whole_or_chunked_and_linear(head: str) -> None:
    sent = RECIPE
    started = time.perf_counter()
    whole = _filtered(sent, head, 10**6)
    assert _filtered(sent, head, 1) == whole == _filtered(sent, head, None)
    repair(sent, head, final=True, mode="instruct")
    assert time.perf_counter() - started < 3.0
    if head.startswith("- ✅ x"):
        assert whole == "- x\n" * 1_700


_LINES = st.lists(
    st.sampled_from(["- a", "- ✅ b", "  - 🛠️ c", "1. d", "2. ⭐ e", "## f", "## 🚀 g", "```", "x", "", "- ♭"]),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(sent=_LINES, rest=_LINES, chunk=st.integers(min_value=1, max_value=9))
def test_any_chunking_gives_the_same_text(sent: list[str], rest: list[str], chunk: int) -> None:
    sent_text, rest_text = "\n".join(sent) + "\n", "\n".join(rest)
    assert _filtered(sent_text, rest_text, chunk) == _filtered(sent_text, rest_text, 10**6)


STEPS = "Steps:\n\n- Install\n- Configure\n\nComparison:\n\n"


@pytest.mark.parametrize(
    ("sent", "rest"),
    [
        # marks that are a comparison's or a checklist's content, in a new list
        (STEPS, "- ✓ Fast startup\n- ✗ No Windows support\n- ☐ Todo item\n"),
        (STEPS, "- ➕ Fast\n- ➖ Expensive\n"),
        (STEPS, "- 🇫🇷 French\n- 🇩🇪 German\n"),
        # a legend: no word after the emoji
        ("Legend:\n\n- plain\n- ", "⭐ = recommended\n- ⭐ = recommended too\n"),
        # the sent text stopped in the new list's first item: its dress is unseen
        ("## Icons\n\n- ", "☀️ sunny\n- 🌧️ rain\n- 🌫️ fog\n"),
        # a changelog dresses its sections, not its title: per level
        ("# Changelog\n\n## [1.4.0] - 2024-06-01\n\n", "### ✨ Features\n\n- a\n\n### 🐛 Bug Fixes\n\n- b\n"),
    ],
)
@pytest.mark.parametrize("chunk", [None, 1, 3])
def test_an_items_own_marks_are_kept(sent: str, rest: str, chunk: int | None) -> None:
    assert splice(sent, rest, chunk=chunk, sent_text=sent, mode="instruct") == sent + rest
