"""Text normalisation for comparing the sent tail with a fallback's head.

Two texts that a reader would call "the same words" must compare equal even when
one is NFD and the other NFC, one uses curly quotes or an em dash and the other
ASCII, one has a NBSP or a zero-width space, or the case differs.  Every
normalised char remembers the raw span it came from, so that a match found on
the normalised text can be cut at exact raw offsets.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "Normalized",
    "normalize",
    "is_word_char",
    "is_pictograph",
    "is_nospace_char",
    "is_grapheme_extender",
    "ZERO_WIDTH",
]

# Invisible chars that carry no text of their own (ZWJ included: for matching
# purposes an emoji sequence with or without it is the same).
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")

_PUNCT_FOLD = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u00b4\u02bc", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    "\u2026": "...",
}


def is_nospace_char(ch: str) -> bool:
    """True for scripts written without spaces between words (CJK, kana, Thai…)."""
    o = ord(ch)
    return (
        0x3040 <= o <= 0x30FF  # hiragana, katakana
        or 0x3400 <= o <= 0x4DBF
        or 0x4E00 <= o <= 0x9FFF
        or 0xF900 <= o <= 0xFAFF
        or 0x20000 <= o <= 0x3FFFF
        or 0x0E00 <= o <= 0x0EFF  # Thai, Lao
        or 0x1000 <= o <= 0x109F  # Myanmar
        or 0x1780 <= o <= 0x17FF  # Khmer
        or 0x31F0 <= o <= 0x31FF
        or 0xFF66 <= o <= 0xFF9F  # half-width katakana
    )


def is_nospace_punct(ch: str) -> bool:
    """CJK punctuation and full-width forms: a boundary in no-space text."""
    o = ord(ch)
    return 0x3000 <= o <= 0x303F or 0xFF01 <= o <= 0xFF0F or 0xFF1A <= o <= 0xFF20 or o in (0xFF5E, 0xFF61, 0xFF64)


def is_word_char(ch: str) -> bool:
    """A char that continues a space-delimited word (letters, digits, marks, `_`).

    No-space scripts are excluded: between two CJK chars there is always a
    word boundary as far as splicing is concerned.
    """
    if ch.isalnum():
        return not is_nospace_char(ch)
    if ch == "_":
        return True
    return unicodedata.category(ch).startswith("M") or ch in ZERO_WIDTH


def is_pictograph(ch: str) -> bool:
    """An emoji or a dingbat (U+1F000 and up, the U+2600 block and the dingbats), not a music sign (`♭`)."""
    o = ord(ch)
    return o >= 0x1F000 or (0x2600 <= o <= 0x27BF and not 0x2669 <= o <= 0x266F)


def is_grapheme_extender(ch: str) -> bool:
    """A char that attaches to the char before it (so must not start a chunk)."""
    o = ord(ch)
    if o < 0x300:
        return False
    return (
        o == 0x200D
        or 0xFE00 <= o <= 0xFE0F
        or 0xE0100 <= o <= 0xE01EF
        or 0x1F3FB <= o <= 0x1F3FF
        or 0xE0020 <= o <= 0xE007F
        or 0x1160 <= o <= 0x11FF
        or unicodedata.category(ch) in ("Mn", "Mc", "Me")
    )


@dataclass(frozen=True)
class Normalized:
    """`text` is the normalised form; `starts[i]`/`ends[i]` are the raw span of `text[i]`."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def raw_end(self, n: int) -> int:
        """Raw offset just after the first `n` normalised chars."""
        return self.ends[n - 1] if n > 0 else (self.starts[0] if self.starts else 0)

    def raw_start(self, n: int, raw_len: int) -> int:
        """Raw offset where normalised char `n` starts (`raw_len` past the end)."""
        return self.starts[n] if n < len(self.starts) else raw_len


#: Texts up to this long are cached, 128 of them (at most about 25 MB): one seam decision normalises the same sent
#: tail several times, and every later decision of the stream again; a long head is new at every attempt.
_CACHED_LEN = 2048


def normalize(raw: str, *, drop_punct: bool = False) -> Normalized:
    """NFKC + casefold + quote/dash folding + zero-width removal + whitespace runs → " ".

    With `drop_punct`, punctuation (Unicode category P*) is dropped as well: a
    looser form used to recognise a repeat that differs only in punctuation.
    """
    if len(raw) <= _CACHED_LEN:
        return _normalize_cached(raw, drop_punct)
    return _normalize(raw, drop_punct)


@lru_cache(maxsize=128)
def _normalize_cached(raw: str, drop_punct: bool) -> Normalized:
    return _normalize(raw, drop_punct)


def _normalize(raw: str, drop_punct: bool) -> Normalized:
    if raw.isascii():
        return _normalize_ascii(raw, drop_punct)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i = 0
    n = len(raw)
    while i < n:
        ch = raw[i]
        j = i + 1
        while j < n:
            c = raw[j]  # nothing below U+0300 combines: most chars skip both lookups
            if c < "\u0300" or c in ZERO_WIDTH or not (unicodedata.combining(c) or is_grapheme_extender(c)):
                break
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
        piece = ch.lower() if j == i + 1 and ch < "\x80" else _fold(raw[i:j])
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


@lru_cache(maxsize=4096)
def _fold(cluster: str) -> str:
    """One grapheme cluster NFKC-normalised, casefolded, its quotes and dashes folded to ASCII."""
    piece = unicodedata.normalize("NFKC", cluster).casefold()
    if any(c in _PUNCT_FOLD for c in piece):
        piece = "".join(_PUNCT_FOLD.get(c, c) for c in piece)
    return piece


#: ASCII's spaces (as `str.isspace` has them) and punctuation (Unicode category P*), for `_normalize_ascii`.
_ASCII_SPACES = "".join(chr(o) for o in range(128) if chr(o).isspace())
_ASCII_PUNCT = "".join(chr(o) for o in range(128) if unicodedata.category(chr(o)).startswith("P"))
_SPACE_RUNS = re.compile(f"[{re.escape(_ASCII_SPACES)}]{{2,}}")
_SPACE_OR_PUNCT_RUN = re.compile(f"[{re.escape(_ASCII_SPACES + _ASCII_PUNCT)}]+")
#: A space char other than " " (one alone is left in place by `_normalize_ascii`'s runs).
_SPACE_1 = re.compile(f"[{re.escape(_ASCII_SPACES.replace(' ', ''))}]")


def _normalize_ascii(raw: str, drop_punct: bool) -> Normalized:
    """`normalize` for ASCII text, where a char maps to itself lower-cased and one space char to " ": only the
    runs that map otherwise are visited, not every char (the eval ran about 3x faster)."""
    lowered = raw.lower()
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for m in (_SPACE_OR_PUNCT_RUN if drop_punct else _SPACE_RUNS).finditer(raw):
        a, b = m.span()
        if b - a == 1 and raw[a] in _ASCII_SPACES:
            continue  # one space char: maps to itself
        out.append(lowered[pos:a])
        starts.extend(range(pos, a))
        ends.extend(range(pos + 1, a + 1))
        pos = b
        # The run becomes one space spanning its first to its last space char; punctuation alone is dropped.
        run = m.group()
        spaced = run.strip(_ASCII_PUNCT)
        if spaced:
            out.append(" ")
            starts.append(a + len(run) - len(run.lstrip(_ASCII_PUNCT)))
            ends.append(a + len(run.rstrip(_ASCII_PUNCT)))
    out.append(lowered[pos:])
    starts.extend(range(pos, len(raw)))
    ends.extend(range(pos + 1, len(raw) + 1))
    return Normalized(_SPACE_1.sub(" ", "".join(out)), tuple(starts), tuple(ends))
