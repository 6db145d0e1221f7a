"""Rule O: the sent word's last subword piece said again at an instruct fallback's start."""

from __future__ import annotations

import time

import pytest

from splice.subword import PENDING, subword_repeat

from .test_splice_seam import splice

TEXT = "Roll out the new image with a Deployment, then watch the pods come up one by one. "


@pytest.mark.parametrize("chunk", [None, 1, 3, 200])
def test_piece_inside_a_word_goes(chunk: int | None) -> None:
    sent = TEXT + "A rollout of the Kubern"
    assert splice(sent, "ernetes Deployment replaces pods.", chunk=chunk, mode="instruct") == (
        sent + "etes Deployment replaces pods."
    )


@pytest.mark.parametrize("chunk", [None, 1, 3, 200])
def test_piece_after_whitespace_goes(chunk: int | None) -> None:
    sent = TEXT + "Read the configuration "
    assert splice(sent, "tion file first.", chunk=chunk, mode="instruct") == sent + "file first."


def test_piece_before_the_dropped_fragment_goes() -> None:
    # The hold-back dropped "Kubern"; the fallback says "he " (of "the ") again and then regenerates it.
    sent = TEXT + "A rollout of the "
    out = splice(sent, "he Kubernetes Deployment.", chunk=2, mode="instruct", dropped="Kubern")
    assert out == sent + "Kubernetes Deployment."


@pytest.mark.parametrize(
    ("sent", "head", "dropped"),
    [
        (TEXT + "It is fine if this ", "is the first time.", ""),  # "is" is a word the text uses
        (TEXT + "Put the fruit in a bana", "na bread batter.", ""),  # "bananana" is not, but two letters
        (TEXT + "Add it to the que", "ue and wait.", ""),  # "queue": two letters doubled are spelling
        (TEXT + "Mississ", "ippi River.", ""),  # an exact continuation that repeats nothing
        (TEXT + "The year 20", "20 was odd.", ""),  # digits inside a word: a number
        (TEXT + "A rollout of the ", "Kubernetes Deployment.", "Kubern"),  # the fragment itself, exact
        (TEXT + "Mark it as 0xff", "ffff in hex.", ""),  # a run of one char going on
    ],
)
def test_exact_continuations_are_kept(sent: str, head: str, dropped: str) -> None:
    assert splice(sent, head, chunk=2, mode="instruct", dropped=dropped) == sent + head


def test_prefill_mode_keeps_the_piece() -> None:
    sent = TEXT + "A rollout of the Kubern"
    assert splice(sent, "ernetes Deployment.", chunk=2, mode="prefill") == sent + "ernetes Deployment."


def test_the_word_with_the_piece_doubled_used_by_the_text_is_kept() -> None:
    sent = "Entente cordiale. " + TEXT + "The Ente"
    assert subword_repeat(sent, "nte cordiale.", whole=sent, dropped="", final=True) == 0
    assert subword_repeat(sent, "nte cordiale.", whole=TEXT + "The Ente", dropped="", final=True) == 3


def test_pending_while_the_head_may_still_say_the_piece() -> None:
    sent = TEXT + "Read the configuration "
    assert subword_repeat(sent, "ti", whole=sent, dropped="", final=False) == PENDING
    assert subword_repeat(sent, "tion", whole=sent, dropped="", final=False) == PENDING
    assert subword_repeat(sent, "to", whole=sent, dropped="", final=False) == 0
    assert subword_repeat(sent, "ti", whole=sent, dropped="", final=True) == 0


@pytest.mark.parametrize("char", ["a", " ", "\n", "1", "é"])
def test_hostile_inputs_are_fast(char: str) -> None:
    sent = TEXT + char * 10_000
    started = time.perf_counter()
    for head in (char * 10_000, "ab" * 5_000):
        subword_repeat(sent, head, whole=sent, dropped="", final=False)
        subword_repeat(sent, head, whole=sent, dropped="", final=True)
        subword_repeat(sent, head, whole=sent, dropped=char * 32, final=True)
    assert time.perf_counter() - started < 0.5  # linear: a few ms; a quadratic scan of 10k chars: seconds
