"""Rule R (restated lines): a cut code line said again from its start, restyled."""

from __future__ import annotations

import time

import pytest

from splice.echo import restated_line

from .test_splice_seam import splice


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
