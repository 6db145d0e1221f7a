"""The continuation set in a collapsible HTML block of the fallback's own, dropped at both ends (rule AC).

A fallback writing for GitHub sometimes puts the whole rest in a `<details>` block: "<details>\\n<summary>Continued
</summary>\\n\\n" + the rest + "\\n\\n</details>".  A reader calls the opening (the tag, the summary line whatever it
says, in any language, and the blank lines after it) and the closing tag the seam's when the answer could not have
opened the block itself:

* the sent text is not HTML (it does not start with a tag, and no line of it outside code starts with one) and
  writes no `<details>` of its own, and it does not stop in code or JSON, where the tag would be the code's;
* and the block wraps the rest: the sent text stops inside a line of prose, where no block can begin, or (where
  blocks begin) its summary says it holds the rest ("Continued", "Fortsetzung", "the rest of the answer") and it
  runs on unclosed for `WRAP_RUN` chars, or the stream ends on its closer.  A block the answer opens closes
  and text follows it; the wrapper's closes only at the end of the stream.

The opening is judged at the seam (`match_details_wrap`); `DetailsCloser` holds back only a chunk's trailing
whitespace and what may still become the closing tag, releases them as soon as they cannot, and drops the closer
with the blank lines before it when the stream ends on it.
"""

from __future__ import annotations

import re

from .context import FENCE_LINE_RE, TextContext
from .continued import CONTINUED
from .wrapper import HTML_ELEMENTS, PENDING, WRAP_RUN, TailHold, wraps_rest

__all__ = ["CLOSER", "PENDING", "STEP", "DetailsCloser", "match_details_wrap"]

STEP = "details"
CLOSER = "</details>"
_OPENER = "<details"
#: The block's opening tag (attributes such as `open` allowed) and its summary line, on one line or two.
_TAG = re.compile(r"<details(?:[ \t][^<>\n]*)?>", re.IGNORECASE)
_SUMMARY = re.compile(r"[ \t]*\n?[ \t]*<summary(?:[ \t][^<>\n]*)?>[^\n]{0,200}?</summary>[ \t]*", re.IGNORECASE)
#: The blank lines after the opening: GitHub renders Markdown in the block only after one.
_BLANKS = re.compile(r"[ \t]*\n(?:[ \t]*\n)*")
#: The most chars the opening is waited for in before it is judged not one.
_MAX_OPENING = 320
#: An opening that ends in a blank line.
_BLANK_END = re.compile(r"\n[ \t]*\n[ \t]*\Z")
#: The tags of a summary line, dropped to read what it says.
_SUMMARY_TEXT = re.compile(r"<[^<>\n]*>")
#: A summary that speaks of the rest of the answer, beside "continued" in its languages.
_REST = re.compile(r"(?i)\b(?:the rest|remainder|rest of)\b|\A\s*part\s*\d+\s*\Z")
#: A line that starts with an HTML tag (or a comment or declaration): the text is HTML.
_MARKUP_LINE = re.compile(r"^[ \t]*<(/?)([A-Za-z][\w-]*|!)", re.MULTILINE)


def _prose(sent_text: str) -> str:
    """The sent text outside fenced code blocks."""
    parts, at = [], 0
    for k, fence in enumerate(FENCE_LINE_RE.finditer(sent_text)):
        if k % 2 == 0:
            parts.append(sent_text[at : fence.start()])
        at = fence.end()
    parts.append(sent_text[at:])
    return "\n".join(parts)


def _html(sent_text: str) -> bool:
    """The sent text is HTML, or a text whose lines its markup opens."""
    if sent_text.lstrip()[:1] == "<":
        return True
    for m in _MARKUP_LINE.finditer(_prose(sent_text)):
        if m.group(2) == "!" or m.group(2).lower() in HTML_ELEMENTS:
            return True
    return False


def _opening(body: str, final: bool) -> int | None:
    """Length of the block's opening at `body`'s start (tag, summary, blank lines); 0 if none, None while it may be."""
    tag = _TAG.match(body)
    if tag is None:
        maybe = _OPENER.startswith(body.lower()) or (
            body.lower().startswith(_OPENER) and body[len(_OPENER) : len(_OPENER) + 1] in ("", " ", "\t")
        )
        return None if not final and maybe and "\n" not in body and len(body) < _MAX_OPENING else 0
    at = tag.end()
    summary = _SUMMARY.match(body, at)
    if summary is not None:
        at = summary.end()
    elif not final and "\n" not in body[at:].lstrip(" \t\n") and len(body) < _MAX_OPENING:
        return None  # the summary line may still come
    blanks = _BLANKS.match(body, at)
    if blanks is None:
        return None if not final and not body[at:].strip(" \t") else 0
    if not final and blanks.end() == len(body) and len(body) < _MAX_OPENING:
        return None  # more blank lines may come
    return blanks.end()


def _speaks_of_continuing(body: str) -> bool:
    """The block's summary says it holds the rest ("Continued", "Fortsetzung", "Show the rest of the answer")."""
    tag = _TAG.match(body)
    summary = _SUMMARY.match(body, tag.end()) if tag is not None else None
    if summary is None:
        return False
    text = _SUMMARY_TEXT.sub("", summary.group())
    return bool(CONTINUED.search(text) or _REST.search(text))


def match_details_wrap(head: str, sent_text: str, ctx: TextContext, *, final: bool) -> tuple[int, bool]:
    """(length of the wrapper's opening with the line breaks before it, whether it wraps the rest) for `head`.

    (PENDING, False) while the opening, or whether the block runs on unclosed, is not known yet.
    """
    lead = len(head) - len(head.lstrip("\n"))
    body = head[lead:]
    if not body:
        return (PENDING if not final and lead < _MAX_OPENING else 0), False
    if body[0] != "<" or ctx.in_fence or ctx.in_json:
        return 0, False
    if _OPENER in sent_text.lower() or _html(sent_text):
        return 0, False
    end = _opening(body, final)
    if end is None:
        return PENDING, False
    if not end or (ctx.in_inline_code and not _BLANK_END.search(body, 0, end)):
        return 0, False  # in a code span, only a blank line (which ends the span) sets the block apart from it
    if sent_text[sent_text.rfind("\n") + 1 :].strip():
        return lead + end, True  # inside a line of prose no block begins
    if not _speaks_of_continuing(body):
        return 0, False  # where blocks begin, an answer's own block ("Install on Windows") is as likely
    # A closer after WRAP_RUN chars is held by `DetailsCloser`.
    wraps = wraps_rest(body[end:].lower(), CLOSER, final=final, within=WRAP_RUN + len(CLOSER))
    if wraps is None:
        return PENDING, False
    return (lead + end, True) if wraps else (0, False)


def _space_before(text: str, end: int) -> int:
    """Where the run of whitespace that ends at `end` starts (a scan from the end: only the run is read)."""
    while end and text[end - 1].isspace():
        end -= 1
    return end


class DetailsCloser(TailHold):
    """Holds back only trailing whitespace and what may still be the block's closing tag, dropped at the end."""

    @classmethod
    def after(cls, steps: list[str]) -> DetailsCloser | None:
        """The filter for a decision that dropped the block's opening (`steps`), else None."""
        return cls() if STEP in steps else None

    def _hold_from(self, text: str) -> int:
        """Where the trailing part that may still be the closer (with the whitespace around it) starts."""
        end = _space_before(text, len(text))
        tail = text[max(0, end - len(CLOSER)) : end].lower()
        if tail == CLOSER:
            return _space_before(text, end - len(CLOSER))
        lt = tail.rfind("<")
        if end == len(text) and lt >= 0 and CLOSER.startswith(tail[lt:]):  # a partial closer has nothing after it
            return _space_before(text, end - len(tail) + lt)
        return end

    def feed(self, text: str) -> str:
        """The part of `text` (after what was held) that can no longer be the closer."""
        if not text:
            return ""
        if self._pending and text.isspace() and self._pending[-1].isspace():
            self._pending += text  # more whitespace after what is held changes nothing
            return ""
        return super().feed(text)

    def finish(self) -> str:
        """What was held, without the closer and the blank lines before it when the stream ended on it."""
        text, self._pending = self._pending, ""
        return "" if text.strip().lower() == CLOSER else text
