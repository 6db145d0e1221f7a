"""Rule AA (continued heading): the sent text's heading said again, marked as continued, is dropped.

A fallback that picks the answer up by saying again the heading of the section it was cut in ("## Setup
(continued)", "**Notes** (suite)", "2. **Playful** — cont.") gives the reader a heading the reader already has:
the text never left that section.  The head's first line is such a heading when it is an exact copy of the
sent text's last heading line (a Markdown heading, or a line or a list item's text that is all bold, outside
code blocks) followed by a short tail: one to four words in parentheses or after a dash.  After a mid-line cut
no heading of the text can begin there, so any such tail marks it; at a line start, where the text itself may
go on with a heading, the tail must say "continued" (in one of several languages).  A heading repeated with a
tail after another section came between is the text's own (a section resumed): only the last heading counts.

The line goes with its own line break, and what follows it is the text's (its line breaks added, not merged);
cut inside a code block, a fence line that reopens the block after it (blank lines before it included) goes
too, as rule F drops a reopened fence.
"""

from __future__ import annotations

import re

from .context import FENCE_RE, TextContext

__all__ = ["CONTINUED", "PENDING", "STEP", "continued_heading", "last_heading"]

PENDING = -1
STEP = "continued-heading"

#: A heading line: a Markdown heading, or a line (or a list item's text) that is all bold.
_HEADING = re.compile(
    r"[ \t]{0,3}(?:#{1,6}[ \t]+\S.*|(?:(?:\d{1,9}[.)]|[-*+])[ \t]+)?(?:\*\*[^*\n]+\*\*|__[^_\n]+__):?)"
)
#: The tail after a copy of the heading: a few words in parentheses or brackets, or after a dash.
_TAIL = re.compile(
    r"[ \t]+(?:\((?P<p>[^()\n]{1,40})\)|\[(?P<b>[^\[\]\n]{1,40})\]|[-–—][ \t]*(?P<d>[^\n]{1,40}?))[ \t]*:?"
)
_MAX_WORDS = 4
#: "continued" in several languages (a heading said again at a line start must say it): whole words or stems
#: no unrelated word starts with ("contact", "Fortschritt", "nastavení" do not count).
CONTINUED = re.compile(
    r"(?i)\bcont(?:inu\w*|[.'’]?d\b\.?|\.|\b)|\bforts(?:etz\w*|ätt\w*|at\w*|\.)|\bsuite\b|\bseguito\b"
    r"|\bvervolg\w*|\bciąg dalszy\b|\bdokończenie\b|\bпродолж\w*|\bпродовж\w*|\btęsin\w*|\bdavom\w*"
    r"|\bdevam\w*|\bfolytat\w*|\bjatk[ou]\w*|\bpokračov\w*|\bnastavak\w*|\blanjut\w*|\bsambung\w*"
    r"|tiếp theo|tiếp tục|המשך|تابع|ادامه|जारी|বাকি|চলবে|(?<!手)続き|続く|继续|繼續|待续|待續|\A[続续續]\Z|계속"
)
_STARTS = "#*_-+0123456789"
_MAX_SCAN = 16000


def last_heading(text: str, in_fence: bool) -> str | None:
    """The text's last complete heading line outside code blocks (read backwards from its end, at most
    `_MAX_SCAN` chars: it runs at every decision attempt), or None."""
    text = text[-_MAX_SCAN:]
    end = text.rfind("\n")
    inside = in_fence
    while end > 0:
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end].rstrip("\r")
        if FENCE_RE.match(line):
            inside = not inside
        elif not inside and line.lstrip(" \t")[:1] in _STARTS and _HEADING.fullmatch(line):
            return line
        end = start - 1
    return None


def _marked(tail: re.Match[str], at_line_start: bool) -> bool:
    words = next(g for g in tail.group("p", "b", "d") if g is not None).strip()
    if not words or len(words.split()) > _MAX_WORDS or "`" in words:
        return False
    if not at_line_start:
        return True
    return CONTINUED.search(words) is not None


def _copy_with_tail(line: str, heading: str, at_line_start: bool) -> bool:
    """`line` is `heading` with a continuation tail after it (or inside its closing "**" or before its ":")."""
    variants = [(heading, "")]
    core = heading.rstrip(":")
    for close in ("**", "__"):
        if core.endswith(close) and len(core) > 2 * len(close):
            variants.append((core[: -len(close)], close + heading[len(core) :]))
    if heading.endswith(":"):
        variants.append((core, ":"))
    for before, after in variants:
        if not line.startswith(before) or not line.endswith(after):
            continue
        rest = line[len(before) : len(line) - len(after)] if after else line[len(before) :]
        m = _TAIL.fullmatch(rest)
        if m and _marked(m, at_line_start):
            return True
    return False


def continued_heading(sent: str, head: str, ctx: TextContext, *, whole: str, final: bool) -> int:
    """Rule AA: chars of a continued heading line (and a fence it reopens) at the head's start, 0 if none,
    PENDING while the first line does not tell yet."""
    if not head or head[0] not in _STARTS:
        return 0
    nl = head.find("\n")
    first = head if nl < 0 else head[:nl]
    if nl < 0 and not final and len(first) > 200:
        return 0
    heading = last_heading(whole, ctx.in_fence)
    if heading is None:
        return 0
    lead = len(heading) - len(heading.lstrip(" \t"))
    if nl < 0 and not final:
        # The line so far may still become the heading with its tail.
        probe = first[: len(heading)]
        return PENDING if heading.startswith(probe) or heading[lead:].startswith(probe) else 0
    line = first.rstrip("\r")
    at_line_start = not sent[ctx.line_start :].strip()
    if not (_copy_with_tail(line, heading, at_line_start) or _copy_with_tail(line, heading[lead:], at_line_start)):
        return 0
    n = len(first) + (nl >= 0)
    if not ctx.in_fence:
        if at_line_start:
            return n
        # After a mid-line cut the blank lines after the heading are its own: the sentence goes on where it was.
        rest = head[n:].lstrip("\r\n")
        return PENDING if not rest and not final else len(head) - len(rest)
    return _reopened_fence(head, n, ctx, final=final)


def _reopened_fence(head: str, n: int, ctx: TextContext, *, final: bool = False) -> int:
    """`n` plus the blank lines and the fence line that reopen the sent text's block after the heading."""
    i = n
    while True:
        nl = head.find("\n", i)
        if nl < 0:
            if final:
                return n
            rest = head[i:].strip(" \r")
            marker = ctx.fence_marker[:1]
            return PENDING if not rest or (marker and set(rest[:3]) <= {marker}) else n
        line = head[i:nl].rstrip("\r")
        if line.strip():
            m = FENCE_RE.fullmatch(line)
            if m and m.group(2)[0] == ctx.fence_marker[:1] and len(m.group(2)) >= len(ctx.fence_marker):
                return nl + 1
            return n
        i = nl + 1
