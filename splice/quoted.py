"""Rule X (quoted rest): a continuation set as a blockquote the sent text was not in is dequoted.

A fallback that sets the rest of the answer as a Markdown blockquote ("> " before each line, blank lines as ">"
or left blank: "> ration file…\n>\n> ## Notes") writes as a quote what the answer writes plain; a reader sees
the quote marks as a seam.  The repair may act only where the quote cannot be the text's own:

- the sent text is not in a quote (its cut line, or at a line end its last non-blank line, does not start with
  ">"), and the code block it is in writes no line starting with ">" (prompts, heredocs, diffs, bird tracks);
- the head shows the quote is the fallback's.  After a mid-line cut in prose, "> " itself: no text goes on with
  a quote marker inside a line (but "x " + "> 5" or "a -" + "> b" may be an operator).  After a mid-line cut
  in code, a second quoted line.  At a line start, where the text may begin a real quote, a quoted heading,
  fence or table row, or two quoted lines or more running to the end of the stream or past a few hundred chars
  with no plain line; in a code block, only a quoted closing fence (the quote reaches past the block).  After a
  line ending in ":" ("… wrote:") a reply's quote may follow: there only a quoted heading, fence or row counts.
- a plain line in the head is the end of a real blockquote: nothing is done.

The first quoted line's marker goes in the decision (blank lines before it are the text's own: added, not
merged); `Dequote` drops ">" and one space at the start of every later line, until a plain line ends the
fallback's quote.  It is a streaming filter that holds back at most one ">" at a chunk's end.
"""

from __future__ import annotations

import re

from .context import TextContext

__all__ = ["STEP", "Dequote", "quoted_rest"]

STEP = "quoted-rest"

#: Chars of quoted head after which a quote that has not ended is taken as the fallback's.
_ENOUGH = 320
#: A GitHub alert's first line, which only a blockquote can carry.
_ALERT = re.compile(r">[ \t]*\[!(?:NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]", re.I)
#: A quoted line holding a block a reply's quote does not: a heading, a fence, a table row.
_BLOCK = re.compile(r"(?m)^>[ \t]?(?:[ \t]{0,3}#{1,6}[ \t]|[ \t]{0,3}(?:`{3,}|~{3,})|[ \t]*\|.*\|[ \t]*\r?$)")
#: A quoted fence line: in a code block, the quote reaches past the block's end.
_FENCE_QUOTED = re.compile(r"(?m)^>[ \t]?[ \t]{0,3}(?:`{3,}|~{3,})")
#: Chars of quoted head in a code block after which the wait for a quoted closing fence ends.
_ENOUGH_CODE = 480
_QUOTE_START = re.compile(r"[ \t]{0,3}>")
_NONE = (0, "", "")


def _is_quote(line: str) -> bool:
    return _QUOTE_START.match(line) is not None


def _sent_in_quote(sent: str, ctx: TextContext) -> bool:
    """The sent text is in a quote, or its code block writes lines starting with ">" of its own."""
    line = sent[ctx.line_start :]
    if line.strip():
        if _is_quote(line):
            return True
    else:
        # At a line end: the last non-blank line (a quote there may go on, or a new one follow it).
        body = sent[: ctx.line_start].rstrip()
        if _is_quote(body[body.rfind("\n") + 1 :]):
            return True
    if ctx.in_fence and ctx.fence_open_offset >= 0:
        block = sent[ctx.fence_open_offset :]
        if "\n>" in block:
            return True  # prompts, diffs, bird tracks: lines of the block's own (an indented tag's ">" is not one)
    return False


def quoted_rest(sent: str, head: str, ctx: TextContext, *, final: bool) -> tuple[int, str, str] | None:
    """Rule X: (raw chars, their text dequoted, step) of the head up to its first quoted line's marker, step ""
    when the head is no quoted rest, None while its lines do not tell yet.  Later markers are `Dequote`'s.

    Blank lines before the first quoted line are the text's own (the quote maps the text line by line): the
    seam adds them rather than merging them with the sent text's line breaks.
    """
    body = head.lstrip("\r\n")
    if not body.startswith(">"):
        return _NONE if body or final else None  # blank lines so far: a quoted line may follow
    if _sent_in_quote(sent, ctx):
        return _NONE
    if _ALERT.match(body):
        return _NONE  # a GitHub alert ("> [!NOTE]") is a block of the text's own
    mid_line = len(body) == len(head) and bool(sent[ctx.line_start :])  # indentation included: no quote starts there
    if mid_line and not (ctx.in_fence or ctx.in_inline_code) and _one_line_ok(sent, body, ctx):
        return _lead(head) if body[1:].strip() else None  # in prose "> " cannot go on with a line
    lines = head.split("\n")
    if not (head.endswith("\n") or final or len(body) >= _ENOUGH):
        lines.pop()  # the last line so far may still show what it is
    quoted = 0
    for line in lines:
        if not line.strip():
            continue
        if not line.startswith(">"):
            return _NONE  # a plain line: a real quote has ended
        quoted += 1
    if not quoted:
        return _NONE if final else None
    if ctx.in_fence and not mid_line:
        # A code line may start with ">" (a prompt, a heredoc's lines): only a quoted closing fence tells.
        if _FENCE_QUOTED.search(body):
            return _lead(head)
        return None if not final and len(body) < _ENOUGH_CODE else _NONE
    if not (
        _BLOCK.search(body)
        or (mid_line and quoted >= 2)
        or (
            (final or len(body) >= _ENOUGH)
            and not (_introduced(sent) and not ctx.in_fence)
            and (quoted >= 2 or (mid_line and _one_line_ok(sent, body, ctx)))
        )
    ):
        return None if not final and len(body) < _ENOUGH else _NONE
    return _lead(head)


def _lead(head: str) -> tuple[int, str, str]:
    """The head up to its first quoted line's marker, that text with its blank lines' markers dropped, STEP."""
    out: list[str] = []
    i = 0
    while True:
        nl = head.find("\n", i)
        line = head[i:] if nl < 0 else head[i:nl]
        marker = 0
        if line.startswith(">"):
            marker = 2 if line[1:2] == " " else 1
        if line[marker:].strip() or nl < 0:
            return i + marker, "".join(out), STEP
        out.append(head[i + marker : nl + 1])
        i = nl + 1


def _introduced(sent: str) -> bool:
    """The sent text's last line introduces what follows ("On Monday, Ana wrote:", "It went like this:"): a quote
    may be what it introduces."""
    return sent.rstrip().endswith(":") and sent[-1:] == "\n"


def _one_line_ok(sent: str, body: str, ctx: TextContext) -> bool:
    """A quoted line after a mid-line cut is the fallback's unless it could be an operator: "x " + "> 5",
    "a -" + "> b", "`if a " + "> b`" (a word cut off by "> " is none: "x>5" has no space after it, "x > 5" one
    before it)."""
    if body[1:].lstrip(" ")[:1].isdigit() or sent[-1:] in "-=<>|!":
        return False
    if " > " in body[1:].split("\n", 1)[0]:
        return False  # a path of menus: "Settings " + "> Privacy > Cookies"
    return not (ctx.in_fence or ctx.in_inline_code) or (ctx.mid_word and body[1:2] == " ")


class Dequote:
    """Rule X: the blockquote marker (">" and one space) dropped at the start of every line of the stream, until
    a plain line ends the fallback's quote (a later blockquote is the text's own).

    The decision has dropped the first non-blank line's marker already (`first_done`): that line passes as it is.
    """

    @classmethod
    def after(cls, steps: list[str]) -> Dequote | None:
        """The filter for a decision that took the head as a quoted rest (`steps`), else None."""
        return cls() if STEP in steps else None

    def __init__(self, *, at_line_start: bool = False, first_done: bool = True) -> None:
        self._at_start = at_line_start
        self._first = first_done  # the first non-blank line is still to come, its marker already dropped
        self._held = ""  # a ">" at a chunk's end, its next char unknown
        self._off = False  # a plain line came: the fallback's quote has ended, later quotes are the text's

    def feed(self, text: str) -> str:
        if self._off:
            return text
        if self._held:
            text, self._held = self._held + text, ""
        out: list[str] = []
        i = 0
        n = len(text)
        while i < n:
            if self._at_start:
                c = text[i]
                if c == ">" and not self._first:
                    if i + 1 == n:
                        self._held = ">"
                        break
                    i += 2 if text[i + 1] == " " else 1
                elif c not in "\r\n" and not self._first:
                    self._off = True
                    out.append(text[i:])
                    break
                self._at_start = False
            j = text.find("\n", i)
            line = text[i:] if j < 0 else text[i : j + 1]
            if self._first and line.strip():
                self._first = False
            out.append(line)
            if j < 0:
                break
            i = j + 1
            self._at_start = True
        return "".join(out)

    def finish(self) -> str:
        self._held = ""  # a ">" ending the stream on a line of its own is a quoted blank line
        return ""
