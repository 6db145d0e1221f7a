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

A marker's spaces before it go with it ("week. 【1†source】 Next" reads "week. Next").  A streaming filter, linear per
chunk: it holds only a possibly-incomplete marker (at most a label's length) and the spaces before one.
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
_PUA = re.compile("\ue200[^\ue200\ue201\n]{0,160}\ue201|[\ue200-\ue2ff]")
_PUA_PREFIX = re.compile("\ue200[^\ue200\ue201\n]{0,160}")
_PUA_ANY = re.compile("[\ue200-\ue2ff]")
_MAX_SPACES = 16  # trailing spaces held for a marker that may follow; a longer run is indentation


class CitationDrop:
    """Rule AB: tool source markers dropped from the rest of the stream (see the module)."""

    def __init__(self, *, lenticular: bool = True, private_use: bool = True) -> None:
        parts = []
        if lenticular:
            parts.append(_LENTICULAR.pattern)
        if private_use:
            parts.append(_PUA.pattern)
        self._marker = re.compile(r"[ \t]*(?:" + "|".join(parts) + ")")
        self._lenticular = lenticular
        self._private_use = private_use
        self._carry = ""

    def _may_open(self, text: str) -> bool:
        return (self._lenticular and "【" in text) or (self._private_use and _PUA_ANY.search(text) is not None)

    def feed(self, text: str) -> str:
        text = self._carry + text
        self._carry = ""
        if not text:
            return text
        cut = self._incomplete(text)
        text, self._carry = text[:cut], text[cut:]
        return self._marker.sub("", text) if self._may_open(text) else text

    def _incomplete(self, text: str) -> int:
        """Where the text's possibly-incomplete last marker (with its spaces) begins; len(text) if none."""
        cut = len(text)
        start = max(text.rfind("【"), text.rfind(_PUA_OPEN)) if self._may_open(text[-200:]) else -1
        if start >= 0:
            tail = text[start:]
            prefix = _LENTICULAR_PREFIX if tail[0] == "【" else _PUA_PREFIX
            if (tail[0] == "【" and self._lenticular or tail[0] != "【" and self._private_use) and prefix.fullmatch(
                tail
            ):
                cut = start
        spaces = len(text[:cut]) - len(text[:cut].rstrip(" \t"))
        if 0 < spaces <= _MAX_SPACES:
            cut -= spaces
        return cut

    def finish(self) -> str:
        carried, self._carry = self._carry, ""
        return carried


def citation_filter(sent: str) -> CitationDrop | None:
    """Rule AB's filter for the marker families the sent text never writes, or None when it writes both."""
    lenticular = "【" not in sent
    private_use = _PUA_ANY.search(sent) is None
    if not lenticular and not private_use:
        return None
    return CitationDrop(lenticular=lenticular, private_use=private_use)
