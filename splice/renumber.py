"""Keep an ordered list's numbering continuous when a fallback restarts it at "1.".

This one rewrite has to keep running after the seam decision (the list goes on
in the passthrough stream), so it is a cheap line-start filter: it only looks
at the first few chars of each line and holds back at most a partial marker.
"""

from __future__ import annotations

import re
import unicodedata

from .context import NUMBERED_RE, line_kind

__all__ = ["ListRenumber"]

_MAYBE_MARKER = re.compile(r"[ \t]*\d{0,9}\Z")


def _in_digits_of(number: int, like: str) -> str:
    """`number` written in the digits `like` is written in: "৩." renumbered stays Bengali, "3." stays ASCII."""
    zero = ord(like[0]) - unicodedata.digit(like[0])
    return "".join(chr(zero + int(d)) for d in str(number))


class ListRenumber:
    """Renumbers the items at `indent` so they go on from `expected`, until the list ends.

    The offset is learnt from the first item the fallback writes: "1." where
    "4." was expected means every following item of that list gets +3.  Only a
    restart is renumbered: a first item numbered as expected or higher is left as it is.
    """

    def __init__(self, indent: str, expected: int, *, at_line_start: bool) -> None:
        self.indent = indent
        self.expected = expected
        self.offset: int | None = None
        self.active = True
        self._line_start = at_line_start
        self._pending = ""

    def feed(self, text: str) -> str:
        if not self.active:
            return text
        text = self._pending + text
        self._pending = ""
        out: list[str] = []
        pos = 0
        while pos < len(text) and self.active:
            if self._line_start:
                nl = text.find("\n", pos)
                line_end = len(text) if nl == -1 else nl
                line = text[pos:line_end]
                if nl == -1 and _MAYBE_MARKER.fullmatch(line):
                    self._pending = line  # cannot tell yet: "1" may become "12."
                    return "".join(out)
                m = NUMBERED_RE.match(line)
                if m and m.group(1) == self.indent:
                    if self.offset is None:
                        self.offset = self.expected - int(m.group(2))
                    if self.offset <= 0:
                        # Continuous already; or a number past the expected one ("100) leads" after a cut in
                        # "(022"), which restarts nothing: either way the list is the fallback's as written.
                        self.active = False
                        out.append(line)
                    else:
                        number = _in_digits_of(int(m.group(2)) + self.offset, m.group(2))
                        out.append(m.group(1) + number + line[m.end(2) :])
                else:
                    kind = line_kind(line) if (nl != -1 or len(line) > 12) else ""
                    if (
                        kind
                        and kind not in ("blank", "numbered", "bullet", "indented")
                        and not line.startswith(self.indent + " ")
                        and not line[:1].isspace()
                    ):
                        self.active = False
                    out.append(line)
                if nl == -1:
                    self._line_start = False
                    pos = len(text)
                else:
                    out.append("\n")
                    pos = nl + 1
            else:
                nl = text.find("\n", pos)
                if nl == -1:
                    out.append(text[pos:])
                    pos = len(text)
                else:
                    out.append(text[pos : nl + 1])
                    pos = nl + 1
                    self._line_start = True
        if pos < len(text):
            out.append(text[pos:])
        return "".join(out)

    def finish(self) -> str:
        pending, self._pending = self._pending, ""
        return pending
