"""`normalize` and the overlap's weight against plain references: the fast paths and the cache change no result."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from splice.normalize import (
    _PUNCT_FOLD,
    ZERO_WIDTH,
    Normalized,
    is_grapheme_extender,
    is_nospace_char,
    is_word_char,
    normalize,
)
from splice.overlap import MIN_LOOSE_OVERLAP, MIN_OVERLAP, _long_enough


def _reference(raw: str, drop_punct: bool) -> Normalized:
    """The char-by-char definition `normalize` must agree with."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i = 0
    n = len(raw)
    while i < n:
        ch = raw[i]
        j = i + 1
        while j < n and (unicodedata.combining(raw[j]) or is_grapheme_extender(raw[j])) and raw[j] not in ZERO_WIDTH:
            j += 1
        if ch.isspace():
            while j < n and raw[j].isspace():
                j += 1
            if out and out[-1] == " ":
                ends[-1] = j
            else:
                out.append(" ")
                starts.append(i)
                ends.append(j)
            i = j
            continue
        if ch in ZERO_WIDTH and j == i + 1:
            if ends:
                ends[-1] = max(ends[-1], j) if out[-1] != " " else ends[-1]
            i = j
            continue
        piece = unicodedata.normalize("NFKC", raw[i:j]).casefold()
        piece = "".join(_PUNCT_FOLD.get(c, c) for c in piece)
        for c in piece:
            if c.isspace():
                if out and out[-1] == " ":
                    ends[-1] = j
                    continue
                c = " "
            elif c in ZERO_WIDTH or (drop_punct and unicodedata.category(c).startswith("P")):
                continue
            out.append(c)
            starts.append(i)
            ends.append(j)
        i = j
    return Normalized("".join(out), tuple(starts), tuple(ends))


_ASCII = st.text(alphabet=st.characters(max_codepoint=127), max_size=60)
_MIXED = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("aZ9 ,.-_!?'\"\t\n\r\x1c\x0b")),
        st.sampled_from(["\u0301", "\u0308", "\u200b", "\u200d", "\u00a0", "\u2019", "\u2014", "\u2026", "\ufb01"]),
        st.characters(),
    ),
    max_size=60,
)


@settings(max_examples=400, deadline=None)
@given(_ASCII, st.booleans())
def test_ascii_fast_path_agrees_with_the_reference(raw: str, drop_punct: bool) -> None:
    assert normalize(raw, drop_punct=drop_punct) == _reference(raw, drop_punct)


@settings(max_examples=400, deadline=None)
@given(_MIXED, st.booleans())
def test_any_text_agrees_with_the_reference(raw: str, drop_punct: bool) -> None:
    assert normalize(raw, drop_punct=drop_punct) == _reference(raw, drop_punct)


def test_known_spans() -> None:
    """Space runs that punctuation separates are one space when punctuation is dropped."""
    assert normalize("A , b") == Normalized("a , b", (0, 1, 2, 3, 4), (1, 2, 3, 4, 5))
    assert normalize("A , b", drop_punct=True) == Normalized("a b", (0, 1, 4), (1, 4, 5))
    assert normalize(",, x", drop_punct=True) == Normalized(" x", (2, 3), (3, 4))


def _long_enough_reference(norm: str, min_len: int) -> bool:
    """`overlap._long_enough` with the weight counted over the whole text."""
    weight = sum(2 if is_nospace_char(c) else 1 for c in norm if c != " ")
    if weight >= min_len:
        return True
    if min_len > MIN_OVERLAP:
        return False
    words = [w for w in norm.split(" ") if any(is_word_char(c) or is_nospace_char(c) for c in w)]
    if len(words) >= 2 and all(w.isalpha() for w in words) and weight >= 3:
        return True
    return len(words) >= 2 and weight >= 5


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("ab .,9") + ["\u7684", "\u00e9", "\u0e01"]), max_size=40),
    st.sampled_from([MIN_OVERLAP, MIN_LOOSE_OVERLAP]),
)
def test_a_capped_weight_decides_as_the_whole_one(norm: str, min_len: int) -> None:
    """`_long_enough` stops counting at its threshold (a candidate can be the whole sent text): same answers."""
    assert _long_enough(norm, min_len) == _long_enough_reference(norm, min_len)
