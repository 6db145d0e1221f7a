"""A first word capitalised as if a new message began, after a cut in mid-sentence (rule K).

An instruct-mode fallback treats its output as a message of its own and capitalises the first word ("the subtotal
should " + "Be 48.50").  After a mid-sentence cut, a word the text writes in lowercase and never capitalises in the
middle of a sentence is that habit, not a proper noun or an acronym, and it goes back to lowercase.
"""

from __future__ import annotations

import re

__all__ = ["lower_first_word"]

#: The head's first word, not followed by a colon (a label: "Reply:", "Note:") or an apostrophe.
#: The optional line break is a group with the blanks after it: `[ \t]*\n?[ \t]*` backtracks quadratically over a head
#: of blanks (10k spaces took 1 s).
_FIRST_WORD = re.compile(r"([ \t]*(?:\n[ \t]*)?)([^\W\d_][^\W\d_]{1,40})(?![^\W\d_]|[ \t]*:|['’])")
_EMPHASIS = re.compile(r"\*+|(?<!\w)_+|_+(?!\w)")
_MAX_SCAN = 20000  # chars of the sent text read for the word's spellings


def _mid_sentence(sent: str, lead: str) -> bool:
    """The sent text stops inside a sentence: after a word, not a sentence end, a heading, a table or a blank line."""
    before = sent.rstrip()
    if not before or not (before[-1].isalnum() or before[-1] == ",") or not (sent[-1].isspace() or lead):
        return False
    if "\n" in lead and sent[len(before) :].count("\n") or sent[len(before) :].count("\n") > 1:
        return False  # a line break on both sides, or a blank line: a new paragraph
    if len(_EMPHASIS.findall(before[before.rfind("\n") + 1 :])) % 2:
        return False  # inside emphasis: a title's words are capitalised
    if "\n" in lead or sent.endswith("\n"):
        line = before[before.rfind("\n") + 1 :].lstrip()
        if not before[-1].isalnum() or line[:1] in "#|>-*+" or line[:1].isdigit():
            return False  # a line that is a heading, an item or a row, or ends in punctuation, may end there
    return True


def _writes_lowercase(text: str, word: str) -> bool:
    """The text writes `word` in lowercase, and capitalised only where a sentence or line starts."""
    lower = word[0].lower() + word[1:]
    if not re.search(rf"(?<=[ \t]){re.escape(lower)}(?=[ \t,.;:!?])", text):
        return False  # a word the text has not written as a word of its prose may be a name
    for m in re.finditer(rf"(?<![^\W\d_]){re.escape(word)}(?![^\W\d_])", text):
        before = text[max(0, m.start() - 8) : m.start()].rstrip(" \t*_\"'“(")
        if before and before[-1] not in ".!?\n":
            return False  # written capitalised where no sentence starts: a name
    return True


def lower_first_word(sent: str, whole: str, head: str, *, in_code: bool) -> str:
    """`head` with its first word in lowercase when it is a new message's capital after a mid-sentence cut."""
    m = None if in_code else _FIRST_WORD.match(head)
    if m is None:
        return head
    word = m.group(2)
    if not (word[0].isupper() and word[1:].islower()) or not _mid_sentence(sent, m.group(1)):
        return head
    if not _writes_lowercase(whole[-_MAX_SCAN:], word):
        return head
    return head[: m.start(2)] + word[0].lower() + head[m.start(2) + 1 :]
