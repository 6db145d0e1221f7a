"""Rule AE (Markdown spelling habit): the continuation's list markers and bold in the sent text's spelling.

Markdown spells the same thing two ways: a numbered item "3." or "3)", a bullet "-", "*" or "+", bold "**x**" or
"__x__".  A writer keeps one spelling; an answer whose items turn from "3." to "4)", or from "- " to "* ", or
whose bold turns from "**" to "__" mid-answer, shows a seam.  The rule: where the sent text (outside fenced and
inline code) spells a construct one way only, the continuation's other spellings of it are respelled to that one.
A list marker's habit is per nesting level (its indent's width, a tab four columns): an answer may nest "*" items
under "-" ones, so a level the sent text showed no item at keeps the continuation's markers, and a level the
sent text spelled both ways shows no habit.  A thematic break ("* * *", "- - -") is no bullet; code, fenced or
inline, keeps its characters.

`MarkerStyle` holds a line's head until its marker is read, and a possible bold opener until its closer or the
line's end (at most `_MAX_BOLD` chars).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from .mdlines import LineHeadFilter, indent_width, scan_lines

__all__ = ["MarkerStyle"]

_MIN_HABIT = 1  # items (per level) or bold spans the sent text must show, all in one spelling
_MAX_BOLD = 400  # a longer bold span is not respelled (a held opener waits at most this long)
_NUMBERED = re.compile(r"([ \t]{0,16})(\d{1,9})([.)])([ \t]{1,16})(?=\S)")
_BULLET = re.compile(r"([ \t]{0,16})([-*+])([ \t]{1,16})(?=\S)")
_THEMATIC = re.compile(r"[ \t]{0,16}([-*_])(?:[ \t]*\1){2,}[ \t]*\r?")
_SHOWN_NUMBERED = re.compile(r"([ \t]{0,16})\d{1,9}([.)])(?=[ \t])")
_SHOWN_BULLET = re.compile(r"([ \t]{0,16})([-*+])(?=[ \t])")
_MAY_BE_MARKER = re.compile(r"[ \t]{0,16}(?:\d{1,9}[.)]?|[-*+])?[ \t]{0,16}")
_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")
_BOLD = re.compile(r"(?<![\w*_\\])(\*\*|__)(?=[^\s*_])[^*_\n]+?(?<=\S)\1(?![\w*_])")
_SWAP_BOLD = {"**": "__", "__": "**"}


def _habit(counts: Counter[str]) -> str | None:
    """The one spelling `counts` shows, if it shows one often enough and no other."""
    if len(counts) != 1:
        return None
    spelling, n = next(iter(counts.items()))
    return spelling if n >= _MIN_HABIT else None


def _level_habits(levels: dict[int, Counter[str]]) -> tuple[dict[int, str], str | None]:
    """Each level's habit, and the habit of a level not shown: the one spelling of two levels or more."""
    habits = {level: h for level, c in levels.items() if (h := _habit(c))}
    total: Counter[str] = Counter()
    for counts in levels.values():
        total.update(counts)
    unseen = _habit(total) if len(levels) >= 2 else None
    return habits, unseen


def _prose_bold(line: str) -> list[str]:
    """The marks of the bold spans on a line outside its code spans; a backtick that closes no span opens one to
    the line's end (the sent text may stop inside it)."""
    spans = [c.span() for c in _CODE_SPAN.finditer(line)]
    unclosed = next((m.start() for m in re.finditer("`", line) if not any(a <= m.start() < e for a, e in spans)), None)
    if unclosed is not None:
        line = line[:unclosed]
    return [b.group(1) for b in _BOLD.finditer(line) if not any(a <= b.start() < e for a, e in spans)]


def _span_after(span: int, run: int) -> int:
    """The open code span's backtick run after a run of `run` backticks: it opens one, closes its own, or is text."""
    return run if not span else (0 if span == run else span)


def _word(c: str) -> bool:
    return c.isalnum() or c == "_"


class MarkerStyle(LineHeadFilter):
    """Rule AE: the continuation's list markers and bold respelled to the sent text's habit (see the module)."""

    def __init__(self, sent: str) -> None:
        bullets: defaultdict[int, Counter[str]] = defaultdict(Counter)
        numbers: defaultdict[int, Counter[str]] = defaultdict(Counter)
        bold: Counter[str] = Counter()
        for line, code in scan_lines(sent):
            if code:
                continue
            m = _SHOWN_NUMBERED.match(line)
            if m:
                numbers[indent_width(m.group(1))][m.group(2)] += 1
            m = _SHOWN_BULLET.match(line)
            if m and not _THEMATIC.fullmatch(line):
                bullets[indent_width(m.group(1))][m.group(2)] += 1
            bold.update(_prose_bold(line))
        self._bullets, self._any_bullet = _level_habits(bullets)
        self._numbers, self._any_number = _level_habits(numbers)
        self._bold = _habit(bold)
        self._other = _SWAP_BOLD[self._bold] if self._bold else ""
        super().__init__(sent, active=bool(self._bullets or self._numbers or self._bold))
        self._span = 0  # the open code span's backtick run, or 0
        last = sent.rsplit("\n", 1)[-1]
        for run in re.findall(r"`+", last):
            self._span = _span_after(self._span, len(run))
        self._prev = sent[-1:] or "\n"

    def head(self, partial: str, complete: bool) -> tuple[int, str] | None:
        m = _NUMBERED.match(partial)
        if m:
            habit = self._numbers.get(indent_width(m.group(1)), self._any_number)
            delim = habit if habit else m.group(3)
            self._prev = " "
            return m.end(), m.group(1) + m.group(2) + delim + m.group(4)
        m = _BULLET.match(partial)
        if m:
            rest = partial[m.end() :]
            if not complete and len(partial) < 80 and not rest.strip(m.group(2) + " \t"):
                return None  # "* *" may be a thematic break: its line decides
            if len(partial) < 80 and _THEMATIC.fullmatch(partial):
                return 0, ""
            habit = self._bullets.get(indent_width(m.group(1)), self._any_bullet)
            self._prev = " "
            return m.end(), m.group(1) + (habit or m.group(2)) + m.group(3)
        if not complete and _MAY_BE_MARKER.fullmatch(partial):
            return None
        return 0, ""

    def end_line(self) -> None:
        self._span, self._prev = 0, "\n"

    def inline(self, text: str, at_eol: bool) -> tuple[str, int]:
        if not self._bold:
            if text:
                self._prev = text[-1]
            return text, len(text)
        out: list[str] = []
        i, n = 0, len(text)
        other = self._other
        while i < n:
            c = text[i]
            if c == "`":
                j = i
                while j < n and text[j] == "`":
                    j += 1
                if j == n and not at_eol:
                    break
                run = j - i
                self._span = _span_after(self._span, run)
                out.append(text[i:j])
                self._prev, i = "`", j
                continue
            if not self._span and c == other[0] and not (_word(self._prev) or self._prev in "*_\\"):
                end = self._bold_end(text, i, at_eol)
                if end is None:
                    break  # cannot tell yet
                if end:
                    out.append(self._bold + text[i + 2 : end - 2] + self._bold)
                    self._prev, i = self._bold[0], end
                    continue
                if text.startswith(other, i):
                    out.append(other)
                    self._prev, i = other[0], i + 2
                    continue
            out.append(c)
            self._prev = c
            i += 1
        return "".join(out), i

    def _bold_end(self, text: str, i: int, at_eol: bool) -> int | None:
        """Where the other spelling's bold span opening at `i` ends; 0 if none opens there, None if the text
        so far cannot tell."""
        other, n = self._other, len(text)
        if i + 2 >= n:
            return 0 if at_eol or (i + 1 < n and text[i + 1] != other[1]) else None
        if text[i + 1] != other[1] or text[i + 2].isspace() or text[i + 2] in "*_":
            return 0
        k = i + 2
        limit = i + _MAX_BOLD
        while k < n and k < limit and text[k] not in "*_":
            k += 1
        if k >= limit:
            return 0
        if k + 2 >= n and not at_eol:
            return None
        if text.startswith(other, k) and not text[k - 1].isspace():
            after = text[k + 2 : k + 3]
            if not (after and (_word(after) or after in "*_")):
                return k + 2
        return 0
