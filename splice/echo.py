"""The sent text's last words said again from memory, with one word changed (rule E (near)).

An instruct model that repeats the end of the text before going on often says it from memory: one word or
contraction said differently, or an article left out ("the enclosing scope " + "from enclosing scope implicitly").
The exact rules (`overlap`) do not see it as a repeat.  Read on words: the head's first words are the tail's last
words with exactly one edit (a word replaced by one or two, two replaced by one, or one left out), at least three
words matching (two around a left-out word of three letters or fewer: "quickly, an alloy" + "quickly, alloy of";
two when the echo is the whole line), reaching the tail's very end.  The first or the last word may be the one
changed ("would show " + "would display whether"), one word for one: a phrase said again with its ends changed is
as often the text's own parallel ("ar gyfer y mynydd, nid ar gyfer y dref").  In prose only: code and tables
repeat their words legitimately.

Rule R (restated lines): in code, a fallback that says the cut line again from its start says it restyled: the
other quote character, other spacing around `=` or after a comma ("fs = 1 / med" + "fs=1 / median(...)").  A head
whose first line, with blanks ignored and quote characters taken as one, starts with the whole sent line, written
differently, is that line said again, up to where it passes the sent line's end; the rest of that line gets the
sent line's quote characters back (`QuoteRestyle`).  A code line goes on from where it stopped; it does not
begin again with its own first chars.
"""

from __future__ import annotations

import re

__all__ = ["PENDING", "near_echo", "restated_line"]

PENDING = -1  # the head so far is such an echo that has not yet reached the tail's end

_WORD = re.compile(r"\S+")
_MAX_WORDS = 12  # the tail's last words an echo may start in
_MIN_MATCHED = 3
_SHORT_WORD = 3  # a word this short (an article, a particle) left out needs one matched word less


def _fold(word: str) -> str:
    return word.casefold().replace("’", "'")


def _align(
    tail: list[str], head: list[str], partial_tail: bool, partial_head: bool, least: int, complete: bool
) -> int | None:
    """Head words consumed when `head` says `tail` with one edit; -1 while it may still; None when it does not.

    `least` is how many words must match: fewer for an echo of the whole line than of its last words.  While a
    longer reading may still match ("before" + "prior to ever"), a shorter one found ("before ever" + "prior")
    waits for it.
    """
    best: int | None = None
    pending = False
    for edit in range(len(tail)):
        for taken, given in ((1, 1), (1, 2), (2, 1), (1, 0)):
            if edit + taken > len(tail):
                continue
            got = _match_with(tail, head, edit, taken, given, partial_tail, partial_head, least)
            if got == -1:
                pending = pending or not complete
            elif got is not None and (best is None or got > best):
                best = got
    return -1 if pending else best


def _match_with(
    tail: list[str],
    head: list[str],
    edit: int,
    taken: int,
    given: int,
    partial_tail: bool,
    partial_head: bool,
    least: int,
) -> int | None:
    """Head words consumed with tail[edit:edit+taken] replaced by `given` head words; -1 while head is short."""
    expected = tail[:edit]
    after = tail[edit + taken :]
    one_for_one = (taken, given) == (1, 1)  # at either end: "for the hill, not for the town" is the text's own
    if not after and (not one_for_one or partial_tail or len(expected) < least):
        return None  # the last word changed needs the words before it and a whole word to stand for
    if edit == 0 and given and not one_for_one:
        return None
    dropped_short = given == 0 and bool(expected) and len(tail[edit]) <= _SHORT_WORD  # "an" of "quickly, an alloy"
    if len(expected) + len(after) < least - dropped_short:
        return None
    j = 0
    for word in expected:
        if j >= len(head):
            return -1 if j else None  # wait only once a word was said again: a first word decides at once
        if not _same(word, head[j], last_head=partial_head and j == len(head) - 1, last_tail=False):
            return None
        j += 1
    new = head[j : j + given]
    if len(new) < given:
        return -1 if j else None
    if given and taken and all(_fold(a) == _fold(b) for a, b in zip(tail[edit : edit + taken], new)) and given == taken:
        return None  # no edit: an exact repeat is the overlap rules'
    j += given
    for i, word in enumerate(after):
        if j >= len(head):
            return -1 if i or edit else None  # a changed first word decides at once: no wait on every head
        last_tail = partial_tail and i == len(after) - 1
        if not _same(word, head[j], last_head=partial_head and j == len(head) - 1, last_tail=last_tail):
            return None
        j += 1
    return j


def _same(tail_word: str, head_word: str, *, last_head: bool, last_tail: bool) -> bool:
    a, b = _fold(tail_word), _fold(head_word)
    if last_head and a.startswith(b):
        return True  # the head's last word may still grow into it
    return b.startswith(a) if last_tail else a == b


def near_echo(sent: str, head: str, *, final: bool) -> int:
    """Head chars that say the sent text's last words again with one word changed (0: none; PENDING: wait)."""
    line_start = sent.rfind("\n") + 1
    line_words = list(_WORD.finditer(sent[line_start:]))
    tail_matches = line_words[-_MAX_WORDS:]
    if len(tail_matches) < _MIN_MATCHED:
        return 0
    partial_tail = not sent[-1:].isspace()
    first_line = head.split("\n", 1)[0]  # an echo of the last line's words does not cross a line break
    complete = final or len(first_line) < len(head)
    head_matches = list(_WORD.finditer(first_line[:400]))[: _MAX_WORDS + 2]
    words = [m.group() for m in head_matches]
    partial_head = not complete and bool(head_matches) and head_matches[-1].end() == len(head)
    tail = [m.group() for m in tail_matches]
    waiting = False
    for start in range(len(tail) - _MIN_MATCHED + 1):  # an echo spans three tail words or more
        least = _MIN_MATCHED - 1 if start == 0 and len(line_words) <= _MAX_WORDS else _MIN_MATCHED  # the whole line
        got = _align(tail[start:], words, partial_tail, partial_head, least, complete)
        if got is None:
            continue
        if got == -1 or (partial_head and got == len(words)):
            waiting = True
            continue
        end = head_matches[got - 1].end()
        if partial_tail:
            last = head_matches[got - 1]
            end = last.start() + len(tail[-1])  # the sent text stopped inside this word: the rest is new
        return end
    return PENDING if waiting and not final else 0


_QUOTES = str.maketrans({"'": '"', "’": '"', "‘": '"', "“": '"', "”": '"'})
_MIN_LINE = 3  # non-blank chars of the sent line a restated line must say again
_MAX_LINE = 400  # longer lines are not looked at (the wait is bounded by the line)


def _squeeze(text: str) -> str:
    return "".join(text.split()).translate(_QUOTES)


def restated_line(sent: str, head: str, *, final: bool) -> int:
    """Head chars that say the sent text's cut code line again from its start, restyled (0: none; PENDING: wait)."""
    line = sent[sent.rfind("\n") + 1 :]
    if len(line) > 2 * _MAX_LINE:
        return 0
    key = _squeeze(line)
    if not (_MIN_LINE <= len(key) <= _MAX_LINE) or len(set(key)) < 3:
        return 0  # too short to tell, or a run of a few chars ("=====", "0 0 0") that a line may go on with
    i = k = 0
    while k < len(key):
        if i >= len(head):
            return 0 if final else PENDING
        if i > len(line) + _MAX_LINE:
            return 0  # blanks beyond any restyling of the line
        c = head[i]
        if c == "\n":
            return 0
        if not c.isspace():
            if c.translate(_QUOTES) != key[k]:
                return 0
            k += 1
        i += 1
    if head[:i].strip() == line.strip():
        return 0  # said again exactly: not restyled, and a line may go on with its own start
    return i


def quote_swaps(sent: str, head: str, n: int) -> dict[str, str]:
    """Rule R (restated lines): the quote chars `head[:n]` wrote in place of the sent line's (head's -> sent's)."""
    theirs = [c for c in sent[sent.rfind("\n") + 1 :] if not c.isspace()]
    mine = [c for c in head[:n] if not c.isspace()]
    swaps: dict[str, str] = {}
    for a, b in zip(mine, theirs):
        if a != b:
            swaps.setdefault(a, b)
    return swaps


class QuoteRestyle:
    """Rule R (restated lines): the rest of a restated line gets the sent line's quote chars back, up to the line's end.

    The fallback restyled the whole line; only its rest is emitted, and it closes strings the sent text opened.
    Per chunk: one translation until the first line break, then nothing.
    """

    def __init__(self, swaps: dict[str, str]) -> None:
        self._table = str.maketrans(swaps)
        self._done = not swaps

    def feed(self, text: str) -> str:
        if self._done:
            return text
        nl = text.find("\n")
        if nl == -1:
            return text.translate(self._table)
        self._done = True
        return text[:nl].translate(self._table) + text[nl:]

    def finish(self) -> str:
        return ""  # nothing is held
