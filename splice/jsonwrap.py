"""Rule W (JSON): a continuation given as the one string field of a JSON object, maybe in a json code block.

The rule: when the fallback's first words open a JSON object whose first field's value is a string (`{"text": "`,
after a bare or json fence line or none), where the sent text is not writing JSON that could take an object
there, and that string runs on unclosed (a line break in it, or `WRAP_RUN` chars) or closes only at the stream's
end, the object is a wrapper around the continuation: its opening goes, its string is decoded as it streams
(`JsonStringDecoder`: escapes, `\\uXXXX` surrogate pairs, each split across chunks) and its `"}` and closing
fence go at the end.  A JSON value of the answer's own closes soon, on a short value, and goes on with `,` or
more text.
"""

from __future__ import annotations

import re

from .context import TextContext
from .wrapper import PENDING, WRAP_RUN

__all__ = ["JsonStringDecoder", "match_json_wrap"]

#: The most chars the object's opening (fence line, brace, key, colon) may take.
_MAX_OPENING = 96
_FENCE = re.compile(r"[ \t]{0,3}(`{3,}|~{3,})[ \t]*(?:json[\w-]*)?[ \t]*\n", re.IGNORECASE)
_MAYBE_FENCE = re.compile(r"[ \t]{0,3}(?:`+|~+)[ \t]*(?:[A-Za-z][\w-]{0,7}[ \t]*)?\Z")
_OBJECT = re.compile(r'\{\s{0,40}"([^"\\\n]{1,40})"\s{0,8}:\s{0,8}"')
_MAYBE_OBJECT = re.compile(r'\{\s{0,40}(?:"[^"\\\n]{0,40}(?:"\s{0,8}(?::\s{0,8})?)?)?\Z')
#: What may follow the string at the end of the stream: the object's brace and a closing fence.
_CLOSING = re.compile(r"\s{0,16}\}\s{0,16}(?:(?:`{3,}|~{3,})\s{0,16})?")
_MAYBE_CLOSING = re.compile(r"\s{0,16}(?:\}\s{0,16}(?:(?:`{1,8}|~{1,8})\s{0,16})?)?\Z")
_SPECIAL = re.compile(r'["\\]')
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_HEX = re.compile(r"[0-9a-fA-F]{4}")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


class JsonStringDecoder:
    """Decodes a JSON string's body as it streams, and drops the object's closing `"}` (and fence) at the end.

    Work per chunk is linear in the chunk: only an escape split across chunks (at most 12 chars) is carried.
    """

    def __init__(self) -> None:
        self._carry = ""  # an escape not complete yet
        self._closed = False
        self._after = ""  # what followed the closing quote: held while it may be the object's end
        self._spilled = False  # something that cannot end the object followed the string

    def feed(self, raw: str) -> str:
        """The decoded text of `raw` (after what was carried) that is known now."""
        if self._closed:
            return self._hold_after(raw)
        text = self._carry + raw
        self._carry = ""
        out: list[str] = []
        i = 0
        n = len(text)
        while i < n:
            m = _SPECIAL.search(text, i)
            if m is None:
                out.append(text[i:])
                break
            j = m.start()
            out.append(text[i:j])
            if text[j] == '"':
                self._closed = True
                out.append(self._hold_after(text[j + 1 :]))
                break
            step, decoded = _escape(text, j)
            if step == 0:
                self._carry = text[j:]
                break
            out.append(decoded)
            i = j + step
        return "".join(out)

    def _hold_after(self, raw: str) -> str:
        """Hold the text after the string while it may be the object's closing; release it once it cannot."""
        self._after += raw
        if _MAYBE_CLOSING.match(self._after):
            return ""
        released, self._after = self._after, ""
        self._spilled = True
        return released

    @property
    def closed(self) -> bool:
        """The string's closing quote has come."""
        return self._closed

    @property
    def ends_object(self) -> bool:
        """What followed the closing quote so far may still be the object's end (`}`, a fence)."""
        return not self._spilled and bool(_MAYBE_CLOSING.match(self._after))

    @property
    def ended_object(self) -> bool:
        """What followed the closing quote is the object's end, or nothing."""
        return not self._spilled and (not self._after.strip() or bool(_CLOSING.fullmatch(self._after)))

    def finish(self) -> str:
        """At the stream's end: a carried escape as it came, and what followed the string unless it ends the object."""
        carried, self._carry = self._carry, ""
        after, self._after = self._after, ""
        if _CLOSING.fullmatch(after) or not after.strip():
            after = ""
        return carried + after


def _escape(text: str, j: int) -> tuple[int, str]:
    """(chars, decoded) of the escape at `text[j]` (a backslash); (0, "") while it is not complete."""
    if j + 1 >= len(text):
        return 0, ""
    kind = text[j + 1]
    if kind != "u":
        return 2, _ESCAPES.get(kind, kind)
    if j + 6 > len(text):
        return 0, ""
    digits = text[j + 2 : j + 6]
    if not _HEX.fullmatch(digits):
        return 2, "\\u"  # not an escape a JSON writer makes: keep it as it came
    code = int(digits, 16)
    if not 0xD800 <= code < 0xDC00:
        return 6, chr(code) if not 0xDC00 <= code < 0xE000 else "\ufffd"
    rest = text[j + 6 : j + 12]
    if len(rest) < 6 and "\\u".startswith(rest[:2]) and all(c in _HEX_DIGITS for c in rest[2:]):
        return 0, ""  # the low half may still come
    low = int(rest[2:], 16) if rest.startswith("\\u") and _HEX.fullmatch(rest[2:]) else 0
    if 0xDC00 <= low < 0xE000:
        return 12, chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))
    return 6, "\ufffd"


def _may_hold_object(sent: str, ctx: TextContext) -> bool:
    """The sent text is writing JSON and could go on with an object where it stops (after `:`, `[` or `,`).

    Inside one of its strings, or after a key, a number or a whole value, an object cannot come next: there a
    JSON object is the fallback's.
    """
    if not ctx.in_json or ctx.in_json_string:
        return False
    return sent.rstrip()[-1:] in (":", "[", ",")


def match_json_wrap(head: str, sent: str, ctx: TextContext, *, final: bool) -> tuple[int, JsonStringDecoder | None]:
    """(length of the object's opening, a decoder for its string) when `head` opens a JSON wrapper.

    PENDING while the opening, or whether its string runs on, is not known yet.
    """
    if _may_hold_object(sent, ctx):
        return 0, None
    lead = len(head) - len(head.lstrip(" \t\n"))
    if lead > _MAX_OPENING:
        return 0, None
    at = lead
    if head[at : at + 1] in ("`", "~"):
        fence = _FENCE.match(head, at)
        if fence is None:
            line = head[at : at + _MAX_OPENING]
            return (PENDING if not final and "\n" not in line and _MAYBE_FENCE.match(line) else 0), None
        rest = head[fence.end() :]
        at = fence.end() + len(rest) - len(rest.lstrip(" \t\n"))
    if at >= len(head):
        return (PENDING if not final and at < _MAX_OPENING else 0), None
    if head[at] != "{" or at > _MAX_OPENING:
        return 0, None
    m = _OBJECT.match(head, at)
    if m is None:
        return (PENDING if not final and _MAYBE_OBJECT.match(head, at) else 0), None
    probe = JsonStringDecoder()
    content = probe.feed(head[m.end() :])
    if probe.closed:
        # A string that closed is a wrapper's only when the object (and its fence) ends the stream there.
        if not final:
            return (PENDING if probe.ends_object else 0), None
        if not probe.ended_object:
            return 0, None
    elif "\n" not in content and len(content) < WRAP_RUN:
        return (0 if final else PENDING), None
    return m.end(), JsonStringDecoder()
