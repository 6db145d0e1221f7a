"""How the fake upstream cuts a reference answer into chunks, and the answers it streams.

The answers are the corpus's (`splice.eval.corpus.TEXTS`).  The tokenizer is deterministic and only *looks* like a
BPE tokenizer: words carry their leading space ("Hello", ",", " world"), runs of newlines are their own pieces, long
words are split into sub-word pieces, CJK text comes in 1-2 character pieces, and combining marks, zero-width joiners,
skin-tone modifiers and the second half of flags start a new piece, so that grapheme clusters are split across
chunks exactly as real models split them.  ``"".join(tokenize(s)) == s`` always.
"""

from __future__ import annotations

import unicodedata

from splice.eval.corpus import TEXTS

__all__ = ["STAMP", "TEXTS", "tokenize"]

#: Name of the special text whose chunks spell their own send time (:mod:`loadtest.stamps`).
STAMP = "stamp"

_ZWJ = "\u200d"
_VARIATION_SELECTORS = frozenset("\ufe0e\ufe0f")
_MAX_WORD = 8  # letters; longer words are cut into sub-word pieces
_SUBWORD = 5


def tokenize(text: str) -> list[str]:
    """Cut ``text`` into word-ish chunks the way a model's stream would deliver them."""
    pieces: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            j = _run(text, i, lambda c: c == "\n")
        elif ch == " " and i + 1 < n and not text[i + 1].isspace():
            j = _unit_end(text, i + 1, len(pieces))  # a single space leads the next word
        elif ch.isspace():
            j = _run(text, i, lambda c: c.isspace() and c != "\n")
            if j < n and text[j] != "\n" and text[j - 1] == " ":
                j -= 1  # leave the last space of a run to lead the next word
        else:
            j = _unit_end(text, i, len(pieces))
        pieces.append(text[i:j])
        i = j
    return pieces


def _run(text: str, i: int, pred: object) -> int:
    """End of the run of characters starting at ``i`` that satisfy ``pred``."""
    n = len(text)
    while i < n and pred(text[i]):  # type: ignore[operator]
        i += 1
    return i


def _unit_end(text: str, i: int, ordinal: int) -> int:
    """End of the single non-space unit (word, number, symbol...) starting at ``i``."""
    n = len(text)
    ch = text[i]
    if _is_cjk(ch):
        size = 1 if ordinal % 3 == 0 else 2
        j = i + 1
        while j < n and j - i < size and _is_cjk(text[j]):
            j += 1
        return j
    if _is_letter(ch):
        j = _run(text, i, _is_letter)
        return j if j - i <= _MAX_WORD else i + _SUBWORD
    if ch.isdigit():
        j = i
        while j < n and j - i < 3 and text[j].isdigit():
            j += 1
        return j
    if _is_mark(ch):
        return _run(text, i, _is_mark)
    if ch == _ZWJ and i + 1 < n:
        return _cluster_end(text, i + 1)
    if ch.isascii():
        j = i + 1
        while j < n and j - i < 3 and text[j].isascii() and _is_punct(text[j]):
            j += 1
        return j
    return _cluster_end(text, i)


def _cluster_end(text: str, i: int) -> int:
    """One symbol/emoji code point plus a trailing variation selector, nothing more."""
    j = i + 1
    if j < len(text) and text[j] in _VARIATION_SELECTORS:
        j += 1
    return j


def _is_letter(ch: str) -> bool:
    return ch.isalpha() and not _is_cjk(ch)


def _is_punct(ch: str) -> bool:
    return not (ch.isalnum() or ch.isspace())


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Me", "Mc") and ch not in _VARIATION_SELECTORS


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x3040 <= cp <= 0x30FF  # hiragana, katakana
        or 0x3400 <= cp <= 0x4DBF
        or 0x4E00 <= cp <= 0x9FFF
        or 0xF900 <= cp <= 0xFAFF
        or 0xFF00 <= cp <= 0xFFEF  # full-width forms
        or 0x3000 <= cp <= 0x303F  # CJK punctuation
        or 0xAC00 <= cp <= 0xD7AF  # hangul
        or 0x20000 <= cp <= 0x2FFFF
    )
