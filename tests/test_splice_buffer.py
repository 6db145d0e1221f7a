"""RollingBuffer: the tail is a suffix of what was sent and at most max_tokens tokens."""

from __future__ import annotations

import os

os.environ.setdefault("TIKTOKEN_CACHE_DIR", "/work/shared/tiktoken")

import tiktoken
from hypothesis import given, settings
from hypothesis import strategies as st

from splice.buffer import RollingBuffer

ENC = tiktoken.get_encoding("o200k_base")


def make(max_tokens: int = 200) -> RollingBuffer:
    return RollingBuffer(ENC.encode_ordinary, ENC.decode, max_tokens=max_tokens)


def test_short_text_is_kept_whole() -> None:
    rb = make()
    rb.append("Hello ")
    rb.append("world.")
    assert rb.tail() == "Hello world."
    assert rb.total_chars == 12


def test_long_text_is_cut_to_max_tokens() -> None:
    rb = make(50)
    text = "".join(f"Sentence number {i} is here. " for i in range(500))
    for i in range(0, len(text), 7):
        rb.append(text[i : i + 7])
    tail = rb.tail()
    assert text.endswith(tail)
    assert 45 <= len(ENC.encode_ordinary(tail)) <= 50
    assert rb.total_chars == len(text)


def test_multibyte_chars_are_not_broken() -> None:
    rb = make(10)
    text = "👨\u200d👩\u200d👧\u200d👦 " * 30 + "日本語のテキスト" * 10
    rb.append(text)
    tail = rb.tail()
    assert text.endswith(tail) and "\ufffd" not in tail
    assert len(ENC.encode_ordinary(tail)) <= 10


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=300), max_size=30))
def test_tail_is_suffix_with_at_most_200_tokens(chunks: list[str]) -> None:
    rb = make()
    for c in chunks:
        rb.append(c)
    text = "".join(chunks)
    tail = rb.tail()
    assert text.endswith(tail)
    assert len(ENC.encode_ordinary(tail)) <= 200
    assert rb.total_chars == len(text)
