"""Rule J (reopened blocks): a code block closed and opened again the same after a blank line inside it."""

from __future__ import annotations

import time

import pytest

from .test_splice_seam import splice

BLOCKS = [
    ("```haskell\nimport Data.Char (toLower)\n\n", "wordFreq :: String -> Int\nwordFreq = length . words\n```\n"),
    ("```python\nimport re\n\n", "EMAIL = re.compile(r'^[^@]+@[^@]+$')\n```\n\nKeep it simple."),
    ("```makefile\nCC ?= cc\n\n", ".PHONY: all\n\nall: app\n```\n"),
    ("~~~sql\n-- schéma\nCREATE TABLE t (id int);\n\n", "CREATE INDEX t_id ON t (id);\n~~~\n"),
]


@pytest.mark.parametrize(("sent", "rest"), BLOCKS)
@pytest.mark.parametrize("chunk", [None, 1, 4, 300])
def test_a_block_closed_and_reopened_after_a_blank_line_inside_it_is_framing(
    sent: str, rest: str, chunk: int | None
) -> None:
    opening = sent.split("\n", 1)[0]
    marker = opening[:3]
    head = f"{marker}\n\n{opening}\n{rest}"
    assert splice(sent, head, chunk=chunk, mode="instruct") == sent + rest


@pytest.mark.parametrize(
    ("sent", "head"),
    [
        # After a complete last line, two blocks of one language in a row may be the text's (two files).
        ("```sql\nALTER TABLE users ADD COLUMN x int;\n", "```\n\n```sql\n-- down\nALTER TABLE users DROP x;\n```"),
        # After a blank line, a block closed and followed by prose is the text's.
        ("```python\nimport re\n\n", "```\n\nThat is the whole module.\n"),
        # A block of another language after it.
        ("```python\nimport re\n\n", "```\n\n```text\nok\n```\n"),
    ],
)
def test_a_block_the_text_closes_is_kept(sent: str, head: str) -> None:
    assert splice(sent, head, mode="instruct") == sent + head


@pytest.mark.parametrize("char", ["`", "\n", " ", "a"])
def test_hostile_heads_after_a_blank_line_are_fast(char: str) -> None:
    sent = "```python\nimport re\n\n" + "\n" * 5000
    started = time.perf_counter()
    for head in ("```\n\n```python\n" + char * 10_000, char * 10_000, "```\n\n" + char * 10_000):
        splice(sent, head, chunk=500, mode="instruct")
        splice(sent, head, chunk=500, mode="prefill")
    assert time.perf_counter() - started < 0.5  # linear: a few ms; a quadratic scan of 10k chars: seconds
