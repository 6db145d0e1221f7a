"""Rule D (own blocks): a bold pseudo-heading and an item under the text's own bullet keep the text's spacing."""

from __future__ import annotations

import time

import pytest

from splice.whitespace import _block_kind

from .test_splice_seam import splice

REPORT = (
    "**Title:** Export drops rows\n\n**Environment**\n- App version: 3.14.2\n- Browser: Firefox\n\n"
    "**Steps to reproduce**\n1. Open the project.\n2. Export it.\n\n**Expected result**\n"
)
RAPPORT = "**Contexte**\n- Version : 2.1\n\n**Étapes**\n1. Ouvrir le projet.\n\n**Résultat attendu**\n"
THREAD = "5/ Things that did not matter:\n– a faster JSON library\n– HTTP/3\n"
LISTE = "Zutaten:\n• 200 g Mehl\n• 2 Eier\n\nDann:\n• Teig rühren\n"


@pytest.mark.parametrize(
    ("sent", "rest"), [(REPORT, "All 128 tasks are in the file."), (RAPPORT, "Le fichier est complet.")]
)
@pytest.mark.parametrize("lead", ["", "Sure, continuing:\n\n", "<answer>\n"])
def test_under_a_pseudo_heading_the_text_writes_its_content_at_once(sent: str, rest: str, lead: str) -> None:
    head = lead + rest + ("\n</answer>" if lead.startswith("<") else "")
    assert splice(sent, head, chunk=3, mode="instruct").rstrip("\n") == sent + rest


@pytest.mark.parametrize(("sent", "rest"), [(THREAD, "– tuning the kernel\nTotal: noise."), (LISTE, "• backen")])
def test_items_under_the_texts_own_bullet_get_no_blank_line(sent: str, rest: str) -> None:
    assert splice(sent, rest, chunk=3, mode="instruct") == sent + rest


@pytest.mark.parametrize(
    ("sent", "rest"),
    [
        # A text that sets its pseudo-headings apart with a blank line gets one.
        ("**Context**\n\nWe run jobs.\n\n**Decision**\n\nWe lock.\n\n**Consequences**\n", "Jobs wait."),
        # A paragraph after a paragraph still gets one by habit.
        ("One thing.\n\nAnother thing.\n", "A third thing."),
    ],
)
def test_a_blank_line_the_text_wants_is_restored(sent: str, rest: str) -> None:
    assert splice(sent, rest, chunk=3, mode="instruct") == sent + "\n" + rest


@pytest.mark.parametrize("char", ["*", "–", "_", "a", " "])
def test_hostile_lines_are_read_in_linear_time(char: str) -> None:
    started = time.perf_counter()
    for line in (char * 10_000, "**" + char * 10_000, "– " + char * 10_000, "**x**" + char * 10_000 + ":"):
        _block_kind(line)
    assert time.perf_counter() - started < 0.5  # linear: a few ms; a quadratic scan of 10k chars: seconds


@pytest.mark.parametrize("char", ["*", "_", "a"])
def test_hostile_texts_are_fast(char: str) -> None:
    started = time.perf_counter()
    for sent in (REPORT.replace("Firefox", char * 10_000), ("**" + char * 50 + "**\n") * 200 + "**Notes**\n"):
        splice(sent, "Next line." + char * 10_000, chunk=500, mode="instruct")
    assert time.perf_counter() - started < 0.5  # linear: a few ms; a quadratic scan of 10k chars: seconds
