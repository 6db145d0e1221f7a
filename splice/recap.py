"""Rule Z (recap): a summary of the answer so far, put before the continuation, is dropped like a preamble.

An instruct model asked to go on sometimes first sums up what was said ("**Recap:** so far we've covered Context
and Decision.", "To recap: I started with “Use group_by and then map…”. Here is the rest.") and then continues.
A reader sees that line as a seam: the answer does not summarise itself halfway.  The rule: the fallback's first
line opens with recap vocabulary ("recap", "summary", "so far", "to sum up"; German, French, Spanish and
Portuguese equivalents) and restates the sent text, that is, it names one of the sent text's headings or three
consecutive words of its opening line; and a line break follows it (the rest goes on).  Only that line goes; the
whitespace after it is the seam's to settle.  A line with recap words that restates nothing of the sent text
(a conclusion of the continuation's own, "So far, so good") is left alone.
"""

from __future__ import annotations

import re

__all__ = ["PENDING", "match_recap", "may_begin_recap"]

PENDING = -1

_MAX_LINE = 600  # a recap line longer than this is not waited for
_MARKUP = " \t*_([>"  # what a recap line may open with before its words
_VOCABULARY = re.compile(
    r"(?:to recap|recap(?:ping)?|quick recap|in recap|summary(?: so far| of the above)?|quick summary|in summary"
    r"|to summari[sz]e|to sum up|so far|up to now|until now|thus far"
    r"|zusammenfassung|kurz zusammengefasst|zusammengefasst|bisher|bis hierher|rückblick"
    r"|pour résumer|en résumé|résumé|récapitulatif|récapitulons|jusqu'ici|jusqu’ici|jusqu'à présent"
    r"|para resumir|en resumen|resumen|recapitulando|hasta ahora|hasta aquí"
    r"|resumindo|em resumo|até agora|até aqui)\b",
    re.IGNORECASE,
)
_PHRASES = (
    "to recap",
    "recap",
    "quick recap",
    "quick summary",
    "summary",
    "in summary",
    "so far",
    "thus far",
    "to sum up",
    "to summarize",
    "to summarise",
    "zusammenfassung",
    "bisher",
    "pour résumer",
    "en résumé",
    "récapitulatif",
    "jusqu'ici",
    "en resumen",
    "resumen",
    "hasta ahora",
    "recapitulando",
    "em resumo",
    "até agora",
)
_HEADING = re.compile(r"(?m)^[ \t]{0,3}#{1,6}[ \t]+(.+?)[ \t#]*$")
_PUNCT = ".,:;!?…“”\"'‘’«»()[]*_`#>-–—"
_MIN_OPENING_WORDS = 3
_OPENING_WORDS = 12


def _words(text: str) -> list[str]:
    words = (w.strip(_PUNCT).casefold() for w in text.split())
    return [w for w in words if w]


def _contains(line: list[str], words: list[str]) -> bool:
    n = len(words)
    return bool(n) and any(line[i : i + n] == words for i in range(len(line) - n + 1))


def _restates(line: str, sent_text: str) -> bool:
    """The line names one of the sent text's headings, or three consecutive words of its opening line."""
    said = _words(line)
    for m in _HEADING.finditer(sent_text):
        if _contains(said, _words(m.group(1))):
            return True
    first = next((ln for ln in sent_text.split("\n") if ln.strip() and not ln.lstrip().startswith(("```", "~~~"))), "")
    opening = _words(first)[:_OPENING_WORDS]
    return any(
        _contains(said, opening[i : i + _MIN_OPENING_WORDS])
        for i in range(max(0, len(opening) - _MIN_OPENING_WORDS + 1))
        if len(opening) >= _MIN_OPENING_WORDS
    )


def may_begin_recap(head: str) -> bool:
    """The head so far may still become a recap line's opening words."""
    text = head.lstrip(_MARKUP).casefold()
    return bool(text) and any(p.startswith(text) or text.startswith(p) for p in _PHRASES)


def match_recap(head: str, sent_text: str, *, final: bool) -> int:
    """Chars of a recap line at the head's start (its line break not included); PENDING while it may be one."""
    start = len(head) - len(head.lstrip(_MARKUP))
    words = head[start : start + 40]
    m = _VOCABULARY.match(words)
    if m is None:
        if not final and "\n" not in head and len(head) < 30 and may_begin_recap(head):
            return PENDING
        return 0
    nl = head.find("\n")
    if nl < 0:
        return PENDING if not final and len(head) <= _MAX_LINE else 0
    line = head[:nl]
    if not line.strip() or not _restates(line[m.end() + start :], sent_text):
        return 0
    return nl
