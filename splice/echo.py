"""The sent text's last words said again from memory, with one word changed (rule E (near)).

An instruct model that repeats the end of the text before going on often says it from memory: one word or
contraction said differently, or an article left out ("the enclosing scope " + "from enclosing scope implicitly").
The exact rules (`overlap`) do not see it as a repeat.  Read on words: the head's first words are the tail's last
words with exactly one edit (a word replaced by one or two, two replaced by one, or one left out), at least three
words matching and at least one after the edit, reaching the tail's very end.  In prose only: code and tables
repeat their words legitimately.
"""

from __future__ import annotations

import re

__all__ = ["PENDING", "near_echo"]

PENDING = -1  # the head so far is such an echo that has not yet reached the tail's end

_WORD = re.compile(r"\S+")
_MAX_WORDS = 12  # the tail's last words an echo may start in
_MIN_MATCHED = 3


def _fold(word: str) -> str:
    return word.casefold().replace("’", "'")


def _align(tail: list[str], head: list[str], partial_tail: bool, partial_head: bool) -> int | None:
    """Head words consumed when `head` says `tail` with one edit; -1 while it may still; None when it does not."""
    best: int | None = None
    for edit in range(len(tail)):
        for taken, given in ((1, 1), (1, 2), (2, 1), (1, 0)):
            if edit + taken > len(tail):
                continue
            got = _match_with(tail, head, edit, taken, given, partial_tail, partial_head)
            if got is not None and (best is None or got > best):
                best = got
    return best


def _match_with(
    tail: list[str], head: list[str], edit: int, taken: int, given: int, partial_tail: bool, partial_head: bool
) -> int | None:
    """Head words consumed with tail[edit:edit+taken] replaced by `given` head words; -1 while head is short."""
    if edit + taken == len(tail) and taken == 1 and given == 0:
        return None  # the last word left out: nothing after the edit
    expected = tail[:edit]
    after = tail[edit + taken :]
    if len(expected) + len(after) < _MIN_MATCHED or not after:
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
            return -1 if i or edit else None
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
    tail_matches = list(_WORD.finditer(sent[line_start:]))[-_MAX_WORDS:]
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
    for start in range(len(tail) - _MIN_MATCHED + 1):
        got = _align(tail[start:], words, partial_tail, partial_head)
        if got is None:
            continue
        if got == -1 and complete:
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
