"""Rule Y (quote habit): a continuation's prose quotes restyled to the sent text's habit, straight or curly.

Writers keep one typographic habit: straight quotes and apostrophes ("don't", "it's") or curly ones (“don’t”).
A fallback with the other habit shows its seam in every apostrophe.  The rule: where the sent text's prose (outside
fenced code and inline code) has at least two quote characters of a family (single: apostrophes and single
quotes; double), all of one style, that style is the family's habit, and the continuation's prose quotes of that
family in the other style are restyled to it: curly to straight, or straight to curly with the opening or
closing form chosen by the char before it (after a space, a line start or an opening bracket or dash, the
opening form; else the closing one, as in an apostrophe).  A family with both styles, or fewer than two quotes,
shows no habit and does not change; except that a text typing one family straight (the keyboard's quotes) types
the other, unseen, family straight too.  Curly quotes are a typographic choice that may differ per family (straight
single quotes nested in curly double ones), so a curly habit is not lent to the other family.  Code, fenced or
inline, keeps its quote characters: there they are syntax.

`QuoteHabit` follows the fences and code spans from the sent text's state on, char by char, and holds only a
run of backticks or tildes cut by a chunk's end (it may open a fence).
"""

from __future__ import annotations

__all__ = ["QuoteHabit", "quote_habit"]

_CURLY = {"‘": "'", "’": "'", "“": '"', "”": '"'}
#: Each quote char's count slot: single straight, single curly, double straight, double curly.
_FAMILY = {"'": 0, "‘": 1, "’": 1, '"': 2, "“": 3, "”": 3}
_TO_CURLY = {"'": ("‘", "’"), '"': ("“", "”")}
_OPENING_CONTEXT = frozenset(" \t\n([{<—–-/“‘«")
_MIN_HABIT = 2  # quote chars of one style the sent prose must show
_FENCE_RUN = 3
_MAX_CARRY = 32  # a longer run of backticks is scanned as it came (no fence or span is that long)


class _Scanner:
    """Where a text stands: inside a fence, inside a code span, at a line's start, and the last char."""

    def __init__(self) -> None:
        self.fence = ""  # the open fence's char, or ""
        self.span = 0  # the open code span's backtick run, or 0
        self.line_blank = True
        self.prev = "\n"

    def run(self, text: str, restyle: dict[str, str], to_curly: str, counts: list[int] | None) -> str:
        """`text` scanned (it must not end inside a run of backticks or tildes), its prose quotes restyled."""
        out: list[str] = []
        i, n = 0, len(text)
        while i < n:
            c = text[i]
            if c in "`~":
                j = i
                while j < n and text[j] == c:
                    j += 1
                run = j - i
                if self.line_blank and run >= _FENCE_RUN:
                    if not self.fence:
                        self.fence, self.span = c, 0
                    elif c == self.fence:
                        self.fence = ""
                elif not self.fence and c == "`":
                    self.span = run if not self.span else (0 if self.span == run else self.span)
                out.append(text[i:j])
                self.prev, self.line_blank, i = c, False, j
                continue
            if c == "\n":
                self.line_blank, self.span = True, 0
            elif c not in " \t":
                self.line_blank = False
            if not self.fence and not self.span and c in _FAMILY:
                if counts is not None:
                    counts[_FAMILY[c]] += 1
                elif c in restyle:
                    c = restyle[c]
                elif c in to_curly:
                    opening, closing = _TO_CURLY[c]
                    c = opening if self.prev in _OPENING_CONTEXT else closing
            out.append(c)
            self.prev = c
            i += 1
        return "".join(out)


def quote_habit(sent: str) -> tuple[dict[str, str], str, _Scanner]:
    """(curly chars to straighten, straight chars to curl, the scanner at the sent text's end): per family, single
    and double, the habit its prose shows."""
    scanner = _Scanner()
    counts = [0, 0, 0, 0]
    scanner.run(sent, {}, "", counts)
    restyle: dict[str, str] = {}
    to_curly = ""
    families = ((counts[0], counts[1], "'‘’"), (counts[2], counts[3], '"“”'))
    typed = any(straight >= _MIN_HABIT and not curly for straight, curly, _ in families)
    for straight, curly, chars in families:
        if (straight >= _MIN_HABIT and not curly) or (typed and not straight and not curly):
            restyle.update({c: chars[0] for c in chars[1:]})
        elif curly >= _MIN_HABIT and not straight:
            to_curly += chars[0]
    return restyle, to_curly, scanner


class QuoteHabit:
    """Rule Y: the continuation's prose quotes in the sent text's habit (see the module); None-habit texts pass."""

    def __init__(self, sent: str) -> None:
        self._restyle, self._to_curly, self._scanner = quote_habit(sent)
        self._active = bool(self._restyle or self._to_curly)
        self._carry = ""

    @property
    def active(self) -> bool:
        return self._active

    def feed(self, text: str) -> str:
        if not self._active:
            return text
        text = self._carry + text
        k = len(text)
        while k > 0 and text[k - 1] in "`~":
            k -= 1
        if len(text) - k <= _MAX_CARRY:
            text, self._carry = text[:k], text[k:]
        return self._scanner.run(text, self._restyle, self._to_curly, None)

    def finish(self) -> str:
        carried, self._carry = self._carry, ""
        return self._scanner.run(carried, self._restyle, self._to_curly, None) if carried else ""
