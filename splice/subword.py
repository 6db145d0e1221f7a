"""Rule O: the last piece of the sent text's last word, said again at an instruct fallback's start, goes.

A model without a prefill sees the text end on a partial token and starts by saying its last subword piece again:
"…the Kubern" + "ernetes", "…the configuration " + "tion file".  A piece said again is ambiguous with an exact
continuation ("bana" + "na"), so the rule takes it only where the text tells which it is:

* the hold-back dropped the fragment the primary had begun: a head that says the piece (and the sent whitespace)
  and then that fragment, without starting with the fragment itself, said the piece again;
* the sent text ends with a word and whitespace: the piece, said with the same whitespace, is no word the text
  uses (two words in a row, "this " + "is ", are text);
* the sent text ends inside a word: the word with the piece doubled ("Kubernernetes") is no word the text uses,
  and a piece of two chars only when the text uses the word without it (two letters doubled are common
  spelling: "queue", "banana").

The piece is 2-8 chars of the word's end (inside a word, holding a letter: "2020" is a number), is not the end of
a run of one char (a run going on), and does not start on a combining mark.  Instruct fallbacks only: a prefill
model goes on from the text itself.
"""

from __future__ import annotations

import unicodedata

from .normalize import is_nospace_char, is_word_char

__all__ = ["PENDING", "subword_repeat"]

PENDING = -1
_MIN_PIECE, _MAX_PIECE = 2, 8
#: Inside a word, a piece this long said twice is the fallback's; a shorter one only when the text uses the word
#: without it: two letters doubled are common spelling ("queue", "banana", "cocoa").
_MIN_INSIDE = 3
_MAX_WORD = 64  # a longer "word" (a hash, a URL) is not a word a tokenizer splits into pieces said again


def _word_char(c: str) -> bool:
    """A char of a word in any script (letters, digits, marks, joiners), no-space scripts included."""
    return c.isalnum() or c == "_" or unicodedata.category(c).startswith("M") or c in "\u200c\u200d"


def _used_as_word(word: str, text: str) -> bool:
    """`word` occurs in the casefolded `text` as a whole word (case-insensitive; marks and joiners belong to words)."""
    word = word.casefold()
    at = text.find(word)
    while at >= 0:
        end = at + len(word)
        if (at == 0 or not _word_char(text[at - 1])) and (end == len(text) or not _word_char(text[end])):
            return True
        at = text.find(word, at + 1)
    return False


def _pieces(word: str) -> list[str]:
    """The word's end pieces that may be said again, longest first."""
    out = []
    for k in range(min(_MAX_PIECE, len(word) - 1), _MIN_PIECE - 1, -1):
        piece = word[-k:]
        if unicodedata.category(piece[0]).startswith("M") or piece[0] == "\u200d":
            continue
        if not any(c.isalnum() for c in piece):
            continue
        if len(set(piece)) == 1 and word[-k - 1] == piece[0]:
            continue  # the end of a run of one char ("0xffff"): the run going on, not a piece said again
        out.append(piece)
    return out


def _last_word(body: str) -> tuple[str, bool]:
    """The word `body` ends with (at most its last `_MAX_WORD` chars in a no-space script), and whether it is in
    a no-space script; ("", False) for a longer run of another script (a hash, a URL)."""
    start = len(body)
    while start > 0 and len(body) - start <= _MAX_WORD and _word_char(body[start - 1]):
        start -= 1
    word = body[start:]
    nospace = any(is_nospace_char(c) for c in word[-_MAX_PIECE:])
    if start > 0 and _word_char(body[start - 1]):
        return (word[1:], True) if nospace else ("", False)
    return word, nospace


def subword_repeat(sent: str, head: str, *, whole: str, dropped: str, final: bool) -> int:
    """Length of the head's start that says the sent word's last piece again; 0 if none; PENDING while unknown."""
    body = sent.rstrip()
    blank = sent[len(body) :]
    word, nospace = _last_word(body)
    if len(word) <= _MIN_PIECE:
        return 0
    waiting = False
    folded = ""  # `whole` casefolded, once, when a piece first needs it
    for piece in _pieces(word):
        said = piece + blank
        if not head.startswith(said):
            waiting = waiting or (not final and said.startswith(head))
            continue
        rest = head[len(said) :]
        if dropped:
            # The fragment the primary had begun: an exact head starts with it, a repeating one says it after the piece.
            if head.startswith(dropped):
                return 0
            if rest.startswith(dropped):
                return len(said)
            if not final and dropped.startswith(rest):
                return PENDING
        if nospace:
            continue  # no word to judge by in a script without spaces
        folded = folded or whole.casefold()
        if blank:
            if not _used_as_word(piece, folded):
                return len(said)
            continue
        # Inside a word: the word with the piece doubled must be no word of the text, nor a number ("20" + "20").
        if not any(c.isalpha() for c in piece):
            continue
        end = 0
        while end < len(rest) and is_word_char(rest[end]):
            end += 1
        if end == len(rest) and not final:
            return PENDING  # the head's word may go on
        before = whole[: len(whole) - len(word)] if whole.endswith(word) else whole
        if not _used_as_word(word + said + rest[:end], folded) and (
            len(piece) >= _MIN_INSIDE or _used_as_word(word + rest[:end], before.casefold())
        ):
            return len(said)
    return PENDING if waiting else 0
