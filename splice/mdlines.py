"""A streaming filter's frame for rules that rewrite the start of Markdown lines (list markers, heading marks).

`LineHeadFilter` follows the text line by line: a line's head is held only until the subclass's `head` can
decide it (a marker and what follows it), the rest of the line passes or goes through `inline`; lines in a fenced
code block pass as they came.  Fences are read from the line heads (a run of three backticks or tildes after at
most 16 columns of indent), and the frame starts in the fence the sent text left open; `scan_lines` reads the
sent text the same way, for the habits the rules learn from it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["LineHeadFilter", "fence_after", "indent_width", "scan_lines"]

#: A fence line's opening run; an indent over 16 columns is code or alignment, not a fence's.
_FENCE_HEAD = re.compile(r"[ \t]{0,16}(`{3,}|~{3,})")
_FENCE_PREFIX = re.compile(r"[ \t]{0,16}(`*|~*)")


def indent_width(indent: str) -> int:
    """An indent's width, a tab counted as four columns: a nesting level."""
    return len(indent.expandtabs(4))


def _fence_step(fence: str, run: str) -> str:
    """The open fence after a line opening with the fence-char run `run`."""
    if not fence:
        return run
    return "" if run[0] == fence[0] and len(run) >= len(fence) else fence


def scan_lines(text: str) -> Iterator[tuple[str, bool]]:
    """(line, in fenced code) for each line of `text`, a fence's own lines counted as code, read as
    `LineHeadFilter` reads them; the last line may be partial."""
    fence = ""
    for line in text.split("\n"):
        m = _FENCE_HEAD.match(line)
        if m:
            yield line, True
            fence = _fence_step(fence, m.group(1))
        else:
            yield line, bool(fence)


def fence_after(text: str) -> str:
    """The fence open at the end of `text` ("" if none)."""
    fence = ""
    for line in text.split("\n"):
        m = _FENCE_HEAD.match(line)
        if m:
            fence = _fence_step(fence, m.group(1))
    return fence


class LineHeadFilter:
    """Streams text, handing each line's head outside fenced code to `head` until it decides.

    `head(partial, complete)` sees the line so far (without its line break; `complete` once the break came) and
    returns None to hold it, or (chars decided, their replacement).  The rest of the line goes through `inline`
    (by default unchanged), which returns what it emits and how much it consumed (the rest is held).
    """

    def __init__(self, sent: str, *, active: bool) -> None:
        self.active = active
        self._fence = fence_after(sent) if active else ""
        self._line_start = sent.endswith("\n") or not sent
        self._held = ""

    def head(self, partial: str, complete: bool) -> tuple[int, str] | None:  # pragma: no cover - overridden
        return 0, ""

    def inline(self, text: str, at_eol: bool) -> tuple[str, int]:
        """`text` (part of one line, `at_eol` if the line break follows it): (emitted, chars consumed)."""
        return text, len(text)

    def end_line(self) -> None:
        """A line break passed: the subclass's per-line state resets here."""

    def feed(self, text: str) -> str:
        if not self.active:
            return text
        return self._run(self._held + text, final=False)

    def finish(self) -> str:
        held, self._held = self._held, ""
        return self._run(held, final=True) if held else ""

    def _run(self, buf: str, *, final: bool) -> str:
        self._held = ""
        out: list[str] = []
        i, n = 0, len(buf)
        while i < n:
            nl = buf.find("\n", i)
            end = n if nl < 0 else nl
            complete = nl >= 0 or final
            if self._line_start:
                partial = buf[i:end]
                fm = _FENCE_HEAD.match(partial)
                if fm and (complete or fm.end() < len(partial)):
                    self._fence = _fence_step(self._fence, fm.group(1))
                    self._line_start = False
                    continue  # the fence line's rest passes below
                if not complete and _FENCE_PREFIX.fullmatch(partial) and partial:
                    self._held = partial
                    break
                if not self._fence:
                    decided = self.head(partial, complete)
                    if decided is None:
                        self._held = partial
                        break
                    used, replacement = decided
                    out.append(replacement)
                    i += used
                self._line_start = False
                continue
            if self._fence:
                out.append(buf[i:end])
                i = end
            else:
                emitted, used = self.inline(buf[i:end], nl >= 0 or final)
                out.append(emitted)
                i += used
                if i < end:
                    self._held = buf[i:]
                    break
            if nl >= 0:
                out.append("\n")
                i = nl + 1
                self._line_start = True
                self.end_line()
        return "".join(out)
