"""A first word capitalised as if a new message began, after a cut in mid-sentence (rule K).

An instruct-mode fallback treats its output as a message of its own and capitalises the first word ("the subtotal
should " + "Be 48.50").  After a mid-sentence cut, a capital is a seam and not a name when the text's own spelling
says so: the text writes the word in lowercase and never capitalises it in mid-sentence; or, for a word the text
has not written, the word is a closed-class word (an article, a pronoun, a preposition: see `lexicon`) or follows
a subject pronoun, a possessive, an auxiliary or a modal, or follows an article in a text that has capitalised
none of its mid-sentence words (a dozen or more: it writes no names); and the word before it is not itself a
mid-sentence capital (a name or a title goes on), and the text does not capitalise mid-sentence words as a habit
(German nouns, title case).  Inside bold, words are a title's unless the text's bold spans are in sentence case.
"""

from __future__ import annotations

import re

from .lexicon import ARTICLES, FUNCTION_WORDS, PREDICATE_WORDS

__all__ = ["lower_first_word"]

#: The head's first word, not followed by a colon (a label: "Reply:", "Note:"), an apostrophe or a digit ("Be7").
#: The optional line break is a group with the blanks after it: `[ \t]*\n?[ \t]*` backtracks quadratically over a head
#: of blanks (10k spaces took 1 s).
_FIRST_WORD = re.compile(r"([ \t]*(?:\n[ \t]*)?)([^\W\d_][^\W\d_]{1,40})(?![^\W_]|[ \t]*:|['’])")
_BOLD_SPAN = re.compile(r"\*\*([^*\n]{1,200})\*\*")
_WORDS = re.compile(r"[^\W\d_]{2,}")
_MIN_TITLE_WORDS = 3  # words after the first of the text's bold spans needed to judge their case
_INLINE_CODE = re.compile(r"`[^`\n]*`")  # a code span's "*" and "_" are not emphasis
_EMPHASIS = re.compile(r"\*+|(?<!\w)_+|_+(?!\w)")
_MAX_SCAN = 20000  # chars of the sent text read for the word's spellings
_HABIT_SCAN = 3000  # chars of the sent text read for its habit of mid-sentence capitals
#: A word in mid-sentence: after a letter and one space, so after no punctuation that may end a sentence.
_MID_WORD = re.compile(r"(?<=[^\W\d_] )[^\W\d_]{2,}")
_LAST_WORD = re.compile(r"([^\W\d_]+)[^\w\n]{0,3}\Z")
_HABIT = 0.12  # the share of mid-sentence words a text capitalises above which a capital is its habit
_HABIT_MIN = 12  # mid-sentence words needed to judge the habit


def _mid_sentence(sent: str, lead: str) -> bool:
    """The sent text stops inside a sentence: after a word, a comma or a dash, not a sentence end, a heading, a table
    or a blank line."""
    before = sent.rstrip()
    if not before or not (before[-1].isalnum() or before[-1] in ",—–") or not (sent[-1].isspace() or lead):
        return False
    if before[-1] in "—–" and not before[:-1].rstrip()[-1:].isalnum():
        return False  # a dash after a sentence's end
    if "\n" in lead and sent[len(before) :].count("\n") or sent[len(before) :].count("\n") > 1:
        return False  # a line break on both sides, or a blank line: a new paragraph
    if not any(c.isalpha() for c in before[before.rfind("\n") + 1 :]):
        return False  # the line so far is a number or a marker ("12.1 "): a clause or an item starts
    if len(_EMPHASIS.findall(_INLINE_CODE.sub("", before[before.rfind("\n") + 1 :]))) % 2 and not _sentence_case(sent):
        return False  # inside emphasis: a title's words are capitalised, unless the text's bold spans are not
    if "\n" in lead or sent.endswith("\n"):
        line = before[before.rfind("\n") + 1 :].lstrip()
        if not before[-1].isalnum() or line[:1] in "#|>-*+" or line[:1].isdigit():
            return False  # a line that is a heading, an item or a row, or ends in punctuation, may end there
    return True


def _sentence_case(sent: str) -> bool:
    """The text's finished bold spans are in sentence case: their words after the first are in lowercase."""
    later = [w for span in _BOLD_SPAN.findall(sent[-_MAX_SCAN:]) for w in _WORDS.findall(span)[1:]]
    return len(later) >= _MIN_TITLE_WORDS and all(not w[0].isupper() for w in later)


def _spelling(text: str, word: str) -> bool | None:
    """True: the text writes `word` in lowercase and capitalised only where a sentence or line starts.

    False: the text capitalises it in mid-sentence (a name), or writes it only outside prose.  None: not written.
    """
    lower = word[0].lower() + word[1:]
    in_prose = re.search(rf"(?<=[ \t]){re.escape(lower)}(?=[ \t,.;:!?])", text)
    for m in re.finditer(rf"(?<![^\W\d_]){re.escape(word)}(?![^\W\d_])", text):
        before = text[max(0, m.start() - 8) : m.start()].rstrip(" \t*_\"'“(")
        if before and before[-1] not in ".!?\n":
            return False  # written capitalised where no sentence starts: a name
    if in_prose:
        return True
    if re.search(rf"(?<![^\W\d_]){re.escape(lower)}(?![^\W\d_])", text):
        return False  # written only inside other text (code, a path): no evidence of prose
    return None


def _unwritten_is_common(sent: str, whole: str, word: str) -> bool:
    """A word the text has not written is a common word, not a name: see the module docstring."""
    before = sent.rstrip()
    last = _LAST_WORD.search(before[-60:])
    previous = last.group(1) if last else ""
    if previous[:1].isupper():
        start = len(before) - len(before[-60:]) + last.start() if last else 0
        ahead = before[:start].rstrip(" \t*_\"'“(")
        if ahead and ahead[-1] not in ".!?\n:":
            return False  # after a capital in mid-sentence: a name or a title goes on
    words = _MID_WORD.findall(whole[-_HABIT_SCAN:])  # the habit is the whole text's, not the tail's
    capitals = sum(w[0].isupper() for w in words)
    if len(words) >= _HABIT_MIN and capitals > _HABIT * len(words):
        return False  # the text capitalises words in mid-sentence as a habit
    # English writes its pronoun "I" in capitals: a lowercase "i" is another language's word (Hawaiian "i Oʻahu").
    if word.lower() in FUNCTION_WORDS or (previous.lower() in PREDICATE_WORDS and previous != "i"):
        return True
    return previous.lower() in ARTICLES and len(words) >= _HABIT_MIN and not capitals


def lower_first_word(sent: str, whole: str, head: str, *, in_code: bool) -> str:
    """`head` with its first word in lowercase when it is a new message's capital after a mid-sentence cut."""
    m = None if in_code else _FIRST_WORD.match(head)
    if m is None or m.end() == len(head):
        return head  # a word that reaches the head's end may go on ("Open" of "OpenAPI"): not yet a word
    word = m.group(2)
    if not (word[0].isupper() and word[1:].islower()) or not _mid_sentence(sent, m.group(1)):
        return head
    spelling = _spelling(whole[-_MAX_SCAN:], word)
    if spelling is False or spelling is None and not _unwritten_is_common(sent, whole, word):
        return head
    return head[: m.start(2)] + word[0].lower() + head[m.start(2) + 1 :]
