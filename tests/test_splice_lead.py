"""Rule L (markers): a head that completes the marker the sent line was cut inside."""

from __future__ import annotations

import time

import pytest

from splice.lead import completes_marker

from .test_splice_seam import splice


@pytest.mark.parametrize(
    ("sent", "head"),
    [
        ("Then run:\n`", "``\n\nThen start the relay.\n"),  # a closing fence cut after its first backtick
        ("The API returns:\n\n`", '``json\n{"a": 1}\n```\n'),  # an opening fence
        ("The API returns:\n\n~~", '~json\n{"a": 1}\n~~~\n'),
        ("**Alice:** Hi?\n\n*", "*Bob:** Not yet."),  # the other star of a bold span the line closes
        ("Thread:\n\n> *", "*Maria:** Can we drop it?"),  # after a quote marker
    ],
)
@pytest.mark.parametrize("chunk", [None, 1, 3])
@pytest.mark.parametrize("mode", ["instruct", "prefill"])
def test_a_head_that_completes_the_cut_marker_is_kept(sent: str, head: str, chunk: int | None, mode: str) -> None:
    assert splice(sent, head, chunk=chunk, mode=mode) == sent + head


@pytest.mark.parametrize(
    ("sent", "head"),
    [
        ("Then run:\n`", "```bash\nls\n```\n"),  # the whole fence said again: a marker of its own
        ("**Alice:** Hi?\n\n*", "**Bob:** Not yet."),  # the whole bold marker said again
        ("**Alice:** Hi?\n\n*", "*Bob* said it.\n"),  # an italic span: no `**` closes the line
        ("Say `", "`x`"),  # not a line of markers only
    ],
)
def test_a_whole_marker_said_again_is_no_completion(sent: str, head: str) -> None:
    assert not completes_marker(sent, head, final=True)


def test_waits_only_for_the_first_line() -> None:
    assert completes_marker("x\n*", "*Bob", final=False) is None
    assert completes_marker("x\n*", "*Bob\n", final=False) is False
    assert completes_marker("x\n*", "*" + "b" * 300, final=False) is False


@pytest.mark.parametrize("char", ["*", "`", " ", "a"])
def test_hostile_heads_are_linear(char: str) -> None:
    started = time.perf_counter()
    splice("x\n*", "*" + char * 10_000, chunk=10, mode="instruct")
    splice("x\n`", char * 10_000, chunk=10, mode="instruct")
    assert time.perf_counter() - started < 3.0
