"""Rule K: a first word capitalised as if a new message began, after a cut in mid-sentence."""

from __future__ import annotations

import time

import pytest

from splice.case import lower_first_word

from .test_splice_seam import splice

SENT = "The subtotal should be checked: it should "


@pytest.mark.parametrize("chunk", [None, 1, 200])
def test_capital_after_a_mid_sentence_cut_is_lowered(chunk: int | None) -> None:
    assert splice(SENT, "Be 48.50 before tax.", chunk=chunk, mode="instruct") == SENT + "be 48.50 before tax."


def test_prefill_mode_keeps_the_case() -> None:
    assert splice(SENT, "Be 48.50", chunk=2, mode="prefill") == SENT + "Be 48.50"


@pytest.mark.parametrize(
    ("sent", "head"),
    [
        ("It ends. ", "Be quick about it."),  # a sentence ended
        ("Name the folder after Paris or ", "Paris will do."),  # no lowercase "paris" in the text
        ("We use Go and be careful with ", "Go modules."),  # the text writes "Go" mid-sentence
        ("Items:\n- first be\n", "Be second"),  # a list line may end there
        ("It should be as in *Advances in ", "Be Careful*"),  # inside emphasis: a title
        ("When you should be done, hit ", "Be: the label"),  # a label
        ("It should be ", "NASA that be"),  # an acronym
        ("Should be\n\n", "Be here"),  # a blank line: a new paragraph
    ],
)
def test_names_titles_and_new_sentences_keep_their_case(sent: str, head: str) -> None:
    assert lower_first_word(sent, sent, head, in_code=False) == head


def test_code_keeps_the_case() -> None:
    assert lower_first_word(SENT, SENT, "Be", in_code=True) == "Be"


def test_line_break_inside_a_sentence() -> None:
    sent = "A line that should be wrapped and\n"
    assert lower_first_word(sent, sent, "Wrapped again", in_code=False) == "wrapped again"


@pytest.mark.parametrize("char", ["a", "A", " ", "\t", " \t", "\n", "*", "B"])
def test_hostile_text_is_fast(char: str) -> None:
    text = "it should be " + char * 10_000
    started = time.perf_counter()
    lower_first_word(text, text, "Be" + char * 10_000, in_code=False)
    lower_first_word(text + " ", text + " ", "Should", in_code=False)
    lower_first_word("it should be ", "it should be ", char * 10_000, in_code=False)  # a head of it, from its start
    lower_first_word("it should be ", "it should be ", char * 10_000 + "!", in_code=False)
    assert time.perf_counter() - started < 0.05
