"""Rule E (near): the sent text's last words said again from memory, with one word changed."""

from __future__ import annotations

import time

import pytest

from splice.echo import PENDING, near_echo

from .test_splice_seam import splice


@pytest.mark.parametrize(
    ("sent", "head", "rest"),
    [
        # an article left out
        (
            "Sets don't capture variables from the enclosing scope ",
            "capture variables from enclosing scope implicitly.",
            "implicitly.",
        ),
        # a word said differently
        ("so that the next request can be ", "so that the next request could be answered again.", "answered again."),
        # a contraction spelled out
        ("I think that it's not the case that we ", "that it is not the case that we stop here.", "stop here."),
        # a short word left out between two matched words: an echo of three tail words
        ("an alloy that could cast letters quickly, an alloy ", "quickly, alloy of lead and tin.", "of lead and tin."),
        ("This usually takes under a minute ", "under minute on a good connection.", "on a good connection."),
    ],
)
@pytest.mark.parametrize("chunk", [None, 1, 200])
def test_echo_with_one_word_changed_goes(sent: str, head: str, rest: str, chunk: int | None) -> None:
    assert splice(sent, head, chunk=chunk, mode="instruct") == sent + rest


@pytest.mark.parametrize(
    ("sent", "head"),
    [
        ("It takes under a minute ", "under budget it stays."),  # no third word
        ("The value after the first ", "value first seen wins."),  # a long word left out needs three matches
    ],
)
def test_two_matched_words_need_a_short_word_left_out(sent: str, head: str) -> None:
    assert near_echo(sent, head, final=True) == 0


def test_first_word_substituted() -> None:
    sent = "Here's a file you can commit, with the real "
    head = "could commit, with the real `.env` ignored."
    assert head[near_echo(sent, head, final=True) :] == " `.env` ignored."


@pytest.mark.parametrize(
    ("sent", "head", "rest"),
    [
        # the last word said differently
        (
            "so a `df.corr()` call would show ",
            "a `df.corr()` call would display whether it moves.",
            " whether it moves.",
        ),
        # the whole line said again with one word changed: two matched words are enough
        ("Sensor **B-07 runs ", "Sensor **B-07 executes about 2 °C cooler.", " about 2 °C cooler."),
        ("Why it's written ", "Why it is written this way:", " this way:"),
    ],
)
@pytest.mark.parametrize("chunk", [None, 1, 3])
def test_an_echo_whose_first_or_last_word_changed_goes(sent: str, head: str, rest: str, chunk: int | None) -> None:
    assert splice(sent, head, chunk=chunk, mode="instruct") == sent + rest.lstrip(" ")


@pytest.mark.parametrize(
    ("sent", "head"),
    [
        # a parallel phrase is the text's own: its ends changed by more than a word for a word
        ("Check the forecast for the mountain, not ", "for the town, which is warmer."),
        ("Edrychwch ar y tywydd ar gyfer y ", "mynydd, nid ar gyfer y dref."),
        # the last word changed after a cut inside it: the word's rest is not known
        ("so the call would sh", "the call would display it."),
    ],
)
@pytest.mark.parametrize("chunk", [None, 1, 3])
def test_parallel_phrases_are_kept(sent: str, head: str, chunk: int | None) -> None:
    assert near_echo(sent, head, final=True) == 0
    if sent.endswith(" "):
        assert splice(sent, head, chunk=chunk, mode="instruct") == sent + head


def test_a_longer_reading_is_waited_for() -> None:
    sent = "it would recurse forever before ever "
    head = "would recurse forever prior to ever reaching a fact."
    assert splice(sent, head, chunk=1, mode="instruct") == sent + "reaching a fact."


def test_cut_inside_a_word() -> None:
    sent = "you can drop the PREFIX lines th"
    head = "you could drop the PREFIX lines there. If the query"
    assert head[near_echo(sent, head, final=True) :] == "ere. If the query"


@pytest.mark.parametrize(
    ("sent", "head"),
    [
        ("one fish two fish ", "red fish blue fish"),  # two changes
        ("it goes on and on ", "and on it goes."),  # too short
        ("the cat sat on the ", "mat by the door."),  # a continuation
        ("said it was the best ", "best of all."),  # only the last word
        ("from the first ", "first one."),  # the last word left out: nothing matches after the edit
    ],
)
def test_continuations_are_kept(sent: str, head: str) -> None:
    assert near_echo(sent, head, final=True) == 0


def test_waits_while_the_echo_grows() -> None:
    sent = "capture variables from the enclosing scope "
    assert near_echo(sent, "capture variables from encl", final=False) == PENDING
    assert near_echo(sent, "capture variables\nfrom", final=False) == 0


@pytest.mark.parametrize("char", ["a", " ", "\n", "a ", "’"])
def test_hostile_heads_are_fast(char: str) -> None:
    sent = "it should be done by the end of " + char * 10_000
    head = char * 10_000
    started = time.perf_counter()
    near_echo(sent, head, final=False)
    near_echo(sent, head, final=True)
    assert time.perf_counter() - started < 0.5  # linear: a few ms; a quadratic scan of 10k chars: seconds
