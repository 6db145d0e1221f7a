"""Rule E (near): the sent text's last words said again from memory, with one word changed."""

from __future__ import annotations

import time

import pytest

from splice.echo import PENDING, near_echo, restated_line

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
    ],
)
@pytest.mark.parametrize("chunk", [None, 1, 200])
def test_echo_with_one_word_changed_goes(sent: str, head: str, rest: str, chunk: int | None) -> None:
    assert splice(sent, head, chunk=chunk, mode="instruct") == sent + rest


def test_first_word_substituted() -> None:
    sent = "Here's a file you can commit, with the real "
    head = "could commit, with the real `.env` ignored."
    assert head[near_echo(sent, head, final=True) :] == " `.env` ignored."


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
    assert time.perf_counter() - started < 0.05


@pytest.mark.parametrize(
    ("sent", "head", "rest"),
    [
        ('```toml\n[server]\nhost = "0.0', "host = '0.0.0.0'\nport = 1\n", '.0.0"\nport = 1\n'),  # quotes restored
        ("```ruby\n    @by = books.map do |bo", "    @by=books.map do |book|\n", "ok|\n"),  # spacing around "="
        ("```fortran\n    y = s", "    y=sin(x)\n", "in(x)\n"),
    ],
)
@pytest.mark.parametrize("chunk", [None, 1, 3])
def test_a_restyled_code_line_said_again_is_dropped(sent: str, head: str, rest: str, chunk: int | None) -> None:
    assert splice(sent, head, chunk=chunk, mode="instruct") == sent + rest


@pytest.mark.parametrize(
    ("sent", "head"),
    [
        ("```python\nx = f(x", ", x = 1)\n"),  # no restatement
        ('```python\nprint("a", ', "'b')\n"),  # not from the line's start
        ("A prose line = 'x", 'A prose line = "x"\n'),  # prose: rule E's
    ],
)
def test_a_code_line_that_goes_on_is_kept(sent: str, head: str) -> None:
    assert splice(sent, head, mode="instruct") == sent + head


@pytest.mark.parametrize(
    ("sent", "head"),
    [
        ("```text\n=====", "=====\n"),  # a run of one char goes on
        ("```text\n0 1 0 1", " 0 1 0 1 0 1\n"),  # a run of a few chars goes on
        ("```text\nab cd ab", " ab cd ab cd\n"),  # said again exactly: the overlap rules' to judge
    ],
)
def test_rule_r_leaves_runs_and_exact_repeats(sent: str, head: str) -> None:
    assert restated_line(sent, head, final=True) == 0


@pytest.mark.parametrize("char", ["a", " ", "\t", "'", "="])
def test_restated_line_is_linear_on_hostile_input(char: str) -> None:
    started = time.perf_counter()
    sent = "```\nx = 'y" + char * 10_000
    splice(sent, "x='y" + char * 10_000 + "\n", chunk=10, mode="instruct")
    splice("```\nx = 'y", char * 10_000, chunk=10, mode="instruct")
    assert time.perf_counter() - started < 3.0
