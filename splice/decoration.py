"""Rule AF (emoji decoration): an emoji the continuation puts after a list marker or heading mark, where the
answer's own markers carry none, is dropped.

Some models dress every heading and list item with an emoji ("### 🛠️ Setup", "- ✅ Flour").  An answer whose
items and headings were bare until the cut and then carry one each shows a seam.  But an answer may start a list
whose items begin with a mark that says something (a checklist's "✅", "❌", "⚠️"), so the evidence is weighed per
kind and per list.  Where the sent text (outside fenced code) shows a bare marker and decorates none:

- a heading's emoji is dropped once the sent text has shown a bare heading of its level;
- an item's emoji is dropped when the item goes on with a list the sent text showed bare items of (the same
  indent and kind, bullet or numbered, with no line at the margin between that is no item: a heading or a
  paragraph ends a list, and a deeper level is a list of its own): its siblings had none;
- in a new list, a decorative pictograph is dropped, and a status mark (a check, a cross, a box, a warning, a
  traffic light, a question or exclamation mark, a plus or minus) or a flag is kept: it is the item's content;
  where the sent text stopped in an item with no text yet, the list's dress is unseen and nothing is dropped.

An emoji is a pictograph (U+1F000 and up, the U+2600 block and the dingbats, the stars and squares of
U+2B00..U+2BFF) or a symbol asking for its emoji style (U+FE0F), with what dresses or joins it (a skin tone, a
keycap, a joiner and the next pictograph, the second half of a flag).  It is dropped with the spaces after it, and
not before a legend's separator (`- ⭐ = recommended`, `- 🟢: healthy`); a music sign or a key symbol is no emoji
(`- ♭ lowers`, `- ⌘C`).

`EmojiDrop` holds a line's head only until its marker and what follows it are read.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .mdlines import LineHeadFilter, indent_width, scan_lines
from .normalize import is_pictograph

__all__ = ["EmojiDrop"]

_MARK = re.compile(r"([ \t]{0,16})(#{1,6}|[-*+]|\d{1,9}[.)])[ \t]{1,16}(?![ \t])")
_MAY_BE_MARK = re.compile(r"[ \t]{0,16}(?:#{1,6}|[-*+]|\d{1,9}[.)]?)?[ \t]{0,16}")
_MAX_SPACES = 16  # spaces after a decoration
_MAX_EMOJI = 32  # chars of one emoji sequence, with its modifiers and joined parts
_ZWJ = "\u200d"
#: Marks that say something about their item (done, not done, warning, a traffic light): a list's content.
_STATUS = frozenset(
    "\u2705\u2713\u2714\u2610\u2611\u2612\u274c\u274e\u2716\u2717\u2718\u26a0\u26d4\U0001f6ab\u2b55\u2753"
    "\u2757\u2795\u2796\U0001f7e2\U0001f7e1\U0001f7e0\U0001f534\U0001f535"
)


#: What follows an emoji a legend explains ("⭐ = recommended", "🟢: healthy", "🔴 – down").
_LEGEND = frozenset("=:-–—→|/·\r")


def _says_something(c: str) -> bool:
    """A status mark, or a flag (it names a country or a language): an item's content, not its dress."""
    return c in _STATUS or 0x1F1E6 <= ord(c) <= 0x1F1FF


def _pictograph(c: str) -> bool:
    return is_pictograph(c) or (0x2B00 <= ord(c) <= 0x2BFF and unicodedata.category(c) == "So")


def _modifier(c: str) -> bool:
    """A variation selector, a skin tone, a keycap or a tag char: it dresses the emoji before it."""
    o = ord(c)
    return 0xFE00 <= o <= 0xFE0F or 0x1F3FB <= o <= 0x1F3FF or o == 0x20E3 or 0xE0020 <= o <= 0xE007F


def _emoji_end(line: str, k: int, complete: bool) -> int | None:
    """Where the emoji sequence at `line[k]` ends; `k` if there is none; None if the line so far cannot tell."""
    n = len(line)
    c = line[k]
    if not _pictograph(c):
        if unicodedata.category(c) not in ("So", "Sm"):
            return k
        if k + 1 == n:
            return k if complete else None
        if line[k + 1] != "\ufe0f":
            return k
    j = k + 1
    while j < n and j - k <= _MAX_EMOJI:
        ch = line[j]
        if _modifier(ch):
            j += 1
        elif ch == _ZWJ and j + 1 < n and _pictograph(line[j + 1]):
            j += 2
        elif ch == _ZWJ and j + 1 == n and not complete:
            return None
        elif 0x1F1E6 <= ord(ch) <= 0x1F1FF and 0x1F1E6 <= ord(line[j - 1]) <= 0x1F1FF:
            j += 1
        else:
            break
    if j - k > _MAX_EMOJI:
        return k
    if j == n and not complete:
        return None
    return j


@dataclass
class _Run:
    """A list's items at one indent: their kind, and how many the sent text showed bare."""

    indent: int
    kind: str
    bare: int = 0
    cut: bool = False  # the sent text stopped in an item of it with no text yet: its first item's dress is unseen


class EmojiDrop(LineHeadFilter):
    """Rule AF: an emoji after the continuation's markers dropped where the answer's were bare (see the module)."""

    def __init__(self, sent: str) -> None:
        self._runs: list[_Run] = []
        self._headings: set[str] = set()  # the heading levels the sent text showed bare
        self._bare = 0  # bare markers, headings and items
        decorated = False
        lines = list(scan_lines(sent))
        for i, (line, code) in enumerate(lines):
            if code:
                continue
            m = _MARK.match(line)
            run = self._runs_step(line, m)
            if m is None or m.end() == len(line):
                if run is not None and i == len(lines) - 1:
                    run.cut = True
                continue
            bare = _emoji_end(line, m.end(), True) == m.end()
            decorated = decorated or not bare
            self._bare += bare
            if run is None:
                if bare:
                    self._headings.add(m.group(2))
            else:
                run.bare += bare
        super().__init__(sent, active=not decorated and self._bare > 0)

    def _runs_step(self, line: str, m: re.Match[str] | None) -> _Run | None:
        """The list run an item line goes on with (or starts); a line at the margin that is no item ends them."""
        if m is None or m.group(2).startswith("#"):
            if line.strip() and not line[:1].isspace():
                self._runs.clear()
            return None
        indent = indent_width(m.group(1))
        kind = "numbered" if m.group(2)[0].isdigit() else "bullet"
        while self._runs and self._runs[-1].indent > indent:
            self._runs.pop()
        if self._runs and self._runs[-1].indent == indent:
            if self._runs[-1].kind == kind:
                return self._runs[-1]
            self._runs.pop()
        self._runs.append(_Run(indent, kind))
        return self._runs[-1]

    def head(self, partial: str, complete: bool) -> tuple[int, str] | None:
        m = _MARK.match(partial)
        if m is None:
            if not complete and _MAY_BE_MARK.fullmatch(partial):
                return None
            self._runs_step(partial, None)
            return 0, ""
        k = m.end()
        if k == len(partial):
            if not complete:
                return None
            self._runs_step(partial, m)
            return 0, ""
        end = _emoji_end(partial, k, complete)
        if end is None:
            return None
        after = end
        while after < len(partial) and partial[after] in " \t" and after - end <= _MAX_SPACES:
            after += 1
        if after - end > _MAX_SPACES:
            end = k  # spaces that wide set the item's text apart: no decoration
        if end > k and after == len(partial) and not complete:
            return None
        run = self._runs_step(partial, m)
        if m.group(2).startswith("#"):
            drop = m.group(2) in self._headings  # per level: a changelog may dress its sections and not its title
        else:
            drop = run is not None and (run.bare > 0 or not (run.cut or _says_something(partial[k])))
        if drop and end > k and after > end and after < len(partial) and partial[after] not in _LEGEND:
            return after, partial[:k]  # `- ⭐ = recommended` is a legend: the emoji is what it explains
        return 0, ""
