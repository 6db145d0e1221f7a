"""Rule AB (tool citations): source markers a retrieval tool adds, which the sent text never has, are dropped.

A fallback model with a retrieval or browsing tool puts the tool's source markers after its sentences:
"…week.【4:0†source】 Next", "【3†handbook.pdf】", or private-use delimited references ("\\ue200cite\\ue202turn0search3
\\ue201").  They point into a tool run the reader never sees, and the answer before the cut has none: a reader sees
them as a seam.  The evidence is the markers' structure and the sent text's habit:

- lenticular markers: "【", a message index ("4", "4:0") or a tool reference ("turn0search3"), "†" and a source
  label, "】".  Only when the sent text writes no "【" at all: CJK text uses 【】 as ordinary brackets, and a marker
  needs its "†" or tool reference, so "【注意】", "【1】" or a "†" footnote in the rest are the text's own.
- private-use markers: U+E200 opens, U+E201 closes; any other char of U+E200..U+E2FF is a delimiter of the same
  family (a cited span's bounds) and is dropped alone.  Only when the sent text writes no char of that range.

A marker's spaces before it go with it ("week. 【1†source】 Next" reads "week. Next").  A marker in a fenced block,
or quoted as a code span of its own ("`【4:0†source】`"), is shown as it is (a text about markers quotes them as
code; an inline span's bounds are not known before its line ends, so a marker in a longer span is dropped).

A streaming filter, linear per chunk: it holds only a possibly-incomplete marker (at most a label's length), the
spaces before one, or a run of backticks that may be a fence line's marker.
"""

from __future__ import annotations

import re

__all__ = ["CitationDrop", "citation_filter"]

_LABEL = r"[^【】\n]{1,80}"
#: A whole lenticular marker: "【4:0†source】", "【3†notes.md】", "【†source】", "【turn0search3】".
_LENTICULAR = re.compile(
    rf"【(?:(?:\d{{1,4}}(?::\d{{1,4}}){{0,3}})?†{_LABEL}|turn\d{{1,4}}[a-z]{{2,12}}\d{{1,4}}(?:†{_LABEL})?)】"
)
#: What a lenticular marker may still become, once its closing bracket comes.
_LENTICULAR_PREFIX = re.compile(
    r"【(?:(?:\d{1,4}(?::\d{0,4}){0,3})?(?:†[^【】\n]{0,80})?"
    r"|t(?:u(?:r(?:n(?:\d{1,4}(?:[a-z]{1,12}(?:\d{1,4}(?:†[^【】\n]{0,80})?)?)?)?)?)?)?)"
)
_PUA_OPEN, _PUA_CLOSE = "\ue200", "\ue201"
_PUA = re.compile("\ue200[^\ue200\ue201\n]{0,160}\ue201")
_PUA_PREFIX = re.compile("\ue200[^\ue200\ue201\n]{0,160}")
_PUA_ANY = re.compile("[\ue200-\ue2ff]")
_MAX_SPACES = 16  # trailing spaces held for a marker that may follow; a longer run is indentation
_CODE_SIGN = re.compile(r"`+|~+|\n+")  # what opens or closes a fenced block: fence markers, line breaks
_MAX_RUN = 32  # a backtick or tilde run this long at a chunk's end is taken as complete, not held
_MAX_LINE = 4000  # the sent cut line's last chars kept (its leading spaces and last char are read)


class CitationDrop:
    """Rule AB: tool source markers dropped from the prose of the rest of the stream (see the module)."""

    def __init__(
        self,
        line: str = "",
        *,
        in_code: bool = False,
        fence: str = "```",
        lenticular: bool = True,
        private_use: bool = True,
    ):
        """`line`: the sent text's cut line; `in_code`: the cut is in a fenced block opened by `fence` (the cut
        line may be its opening line); `lenticular`, `private_use`: the marker families dropped."""
        parts = []
        if lenticular:
            parts.append(_LENTICULAR.pattern)
        if private_use:
            parts.append(_PUA.pattern)
        lone = "|[\ue200-\ue2ff]" if private_use else ""  # a cited span's delimiter, without the spaces before it
        # The spaces before a marker go with it; a bounded run, or a long one is retried at every space.
        self._marker = re.compile(r"[ \t]{0,16}(?:" + "|".join(parts) + ")" + lone)
        self._lenticular = lenticular
        self._private_use = private_use
        self._carry = ""
        self._fence = fence[:1] if in_code else ""  # the open fence's char ("" outside a fenced block)
        self._fence_len = len(fence)
        self._lead = -1 if line.strip(" ") else len(line)  # spaces that began the line so far; -1 once not
        self._last = line[-1:]  # the last char released

    def _may_open(self, text: str) -> bool:
        return (self._lenticular and "【" in text) or (self._private_use and _PUA_ANY.search(text) is not None)

    def feed(self, text: str) -> str:
        text = self._carry + text
        self._carry = ""
        if not text:
            return text
        cut = self._incomplete(text)
        text, self._carry = text[:cut], text[cut:]
        if not self._may_open(text):
            self._advance(text)
            self._last = text[-1:] or self._last
            return text
        out: list[str] = []
        i = 0
        for m in self._marker.finditer(text):
            before = text[m.start() - 1] if m.start() else self._last
            if before == "`" and m.end() == len(text):  # whether it is quoted as code shows with the next char
                self._carry = text[m.start() :] + self._carry
                text = text[: m.start()]
                break
            self._advance(text[i : m.start()])
            out.append(text[i : m.start()])
            if self._fence or before == "`" == text[m.end()]:  # code shows a marker as it is
                self._advance(m.group())
                out.append(m.group())
            i = m.end()
        self._advance(text[i:])
        out.append(text[i:])
        released = "".join(out)
        self._last = released[-1:] or self._last
        return released

    def _advance(self, text: str) -> None:
        """Follow fenced blocks through `text` (markers in code are the text's own)."""
        i = 0
        for m in _CODE_SIGN.finditer(text):
            between = text[i : m.start()]
            if between and self._lead >= 0:
                self._lead = self._lead + len(between) if not between.strip(" ") else -1
            i = m.end()
            run = m.group()
            if run[0] == "\n":
                self._lead = 0
                continue
            at_fence = 0 <= self._lead <= 3 and len(run) >= 3
            if self._fence:
                if at_fence and run[0] == self._fence and len(run) >= self._fence_len:
                    self._fence = ""
            elif at_fence:
                self._fence, self._fence_len = run[0], len(run)
            self._lead = -1
        rest = text[i:]
        if rest and self._lead >= 0:
            self._lead = self._lead + len(rest) if not rest.strip(" ") else -1

    def _incomplete(self, text: str) -> int:
        """Where the text's possibly-incomplete last marker, code sign or spaces begin; len(text) if none."""
        cut = len(text)
        start = max(text.rfind("【"), text.rfind(_PUA_OPEN)) if self._may_open(text[-200:]) else -1
        if start >= 0:
            tail = text[start:]
            prefix = _LENTICULAR_PREFIX if tail[0] == "【" else _PUA_PREFIX
            if (tail[0] == "【" and self._lenticular or tail[0] != "【" and self._private_use) and prefix.fullmatch(
                tail
            ):
                cut = start
        if cut and text[cut - 1] in "`~":
            run = cut - len(text[:cut].rstrip(text[cut - 1]))
            if run < _MAX_RUN:
                return cut - run  # a fence line's marker may go on
        spaces = len(text[:cut]) - len(text[:cut].rstrip(" \t"))
        if 0 < spaces <= _MAX_SPACES:
            cut -= spaces
        return cut

    def finish(self) -> str:
        carried, self._carry = self._carry, ""
        return carried


def citation_filter(sent: str, *, in_code: bool = False, fence: str = "```") -> CitationDrop | None:
    """Rule AB's filter for the marker families the sent text never writes, or None when it writes both."""
    lenticular = "【" not in sent
    private_use = _PUA_ANY.search(sent) is None
    if not lenticular and not private_use:
        return None
    line = sent[sent.rfind("\n") + 1 :][-_MAX_LINE:]
    return CitationDrop(line, in_code=in_code, fence=fence, lenticular=lenticular, private_use=private_use)
