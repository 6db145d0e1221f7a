"""Rule V (re-encoded text): a continuation sent HTML-escaped, or as a JSON string's body, is decoded.

A fallback behind a serving stack that escapes its output, or trained on escaped pages, writes `&amp;` `&lt;`
`&gt;` `&quot;` `&#39;` where the answer writes the characters; one that writes its answer as a JSON string writes
`\\n` `\\t` `\\"` `\\\\` where the answer has line breaks, tabs, quotes and backslashes.  A reader sees the escapes
as a seam when the sent text never writes them.  The evidence is the sent text's own habit and the
continuation's structure:

- entities (`EntityDecoder`): the sent text writes no character entity at all (so it is not an answer about HTML
  that shows entities); then the five markup entities the continuation writes are decoded, wherever they stand.
- escapes (`EscapeDecoder`): the sent text never writes a `\\n` or `\\t` escape outside a string literal or code
  span (a code line's `"\\n"` is code), and the continuation writes two `\\n` escapes outside a string literal or
  code span before any raw line break after its first char (or one, and the stream ends with no raw line break):
  an answer written as a JSON string has no raw line break at all, while a code line that prints `"a\\n"` is
  followed by the next line.  The sent text's cut line tells whether the continuation starts inside a string;
  in a code block, where a line may hold escapes of its own format (an iCalendar line's `\\n`), the held text
  must also outrun the sent text's longest line before it is taken as escaped.  From the first backslash on, text
  is held until a raw line break (the text is its own: released as it came) or that evidence (decoded, as JSON
  decodes it).

Both are streaming filters, linear per chunk; an entity or an escape split across chunks is carried.
"""

from __future__ import annotations

import re

from .jsonwrap import _escape

__all__ = ["EntityDecoder", "EscapeDecoder", "reencode_filters"]

_ANY_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,30}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&#x27;": "'", "&apos;": "'"}
_ENTITY = re.compile("|".join(re.escape(e) for e in _ENTITIES))
_MAX_ENTITY = max(len(e) for e in _ENTITIES)
_MAX_SENT = 20_000  # the sent text's last chars its habits are read from
_ESCAPES_TO_DECIDE = 2
_MAX_HELD = 4000  # a line this long with one escape and no second one is the text's own


class EntityDecoder:
    """Rule V: the markup entities of an HTML-escaped continuation decoded; a split entity carried to the next chunk."""

    def __init__(self) -> None:
        self._carry = ""

    def feed(self, text: str) -> str:
        if not self._carry and "&" not in text:
            return text  # most chunks: no regex pass
        text = self._carry + text
        self._carry = ""
        amp = text.rfind("&", max(0, len(text) - _MAX_ENTITY + 1))
        if amp >= 0 and ";" not in text[amp:] and any(e.startswith(text[amp:]) for e in _ENTITIES):
            text, self._carry = text[:amp], text[amp:]
        return _ENTITY.sub(lambda m: _ENTITIES[m.group()], text)

    def finish(self) -> str:
        carried, self._carry = self._carry, ""
        return carried


def _decode(text: str) -> str:
    """`text` with its JSON escapes decoded; a backslash before a char JSON does not escape is kept."""
    out: list[str] = []
    i = 0
    while True:
        j = text.find("\\", i)
        if j < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:j])
        step, decoded = _escape(text, j)
        if step == 0:  # an escape cut off at the stream's end
            out.append(text[j:])
            return "".join(out)
        if step == 2 and text[j + 1] not in '"\\/bfnrt':
            decoded = text[j : j + 2]
        out.append(decoded)
        i = j + step


class EscapeDecoder:
    """Rule V: a continuation written as a JSON string's body decoded, once its escapes show it (see the module)."""

    def __init__(
        self, line: str = "", *, in_code: bool = False, longest: int = 0, kinds: str = "n", quote_escapes: bool = True
    ) -> None:
        """`line`: the sent text's cut line (a string it opened is still open); `in_code`: the cut is in a code
        block, where a line ends with a raw line break, so escapes decide only once the held text is longer
        than `longest`, the sent text's longest line.  `kinds`: the escaped chars counted; `quote_escapes`: a
        `\\"` stands for a quote (the sent text never writes one)."""
        self._kinds = kinds
        self._quote_escapes = quote_escapes
        self._state: bool | None = None  # None: not known yet; True: escaped; False: the text's own
        self._held = ""  # from the first backslash, while the state is not known
        self._escapes = 0
        self._carry = ""  # decided escaped: an escape split across chunks
        self._begun = False  # a char other than a blank came
        self._slash = False  # a backslash whose escaped char has not come yet
        self._in_dq = self._in_sq = False  # inside a double- or single-quoted string on the line
        self._in_span = False  # inside an inline code span: it cannot hold a line break, so `\\n` there is code
        self._prev = ""  # the last char or escape counted
        self._count(line)
        self._escapes = 0
        self._wait = longest if in_code else 0

    def feed(self, text: str) -> str:
        if self._state is False:
            return text
        if self._state is True:
            return self._decoded(text)
        if not self._begun:
            stripped = text.lstrip(" \t\n")
            self._begun = bool(stripped)
            lead, text = text[: len(text) - len(stripped)], stripped  # the seam's own line breaks do not tell
        else:
            lead = ""
        newline = text.find("\n")
        line = text if newline < 0 else text[:newline]
        self._count(line)
        if newline >= 0 or len(self._held) + len(line) > _MAX_HELD:
            self._state = False  # a raw line break: the escapes so far are the text's own
            held, self._held = self._held, ""
            return lead + held + text
        if not self._held:
            slash = line.find("\\")
            if slash < 0:
                return lead + line
            lead, line = lead + line[:slash], line[slash:]
        self._held += line
        if self._escapes >= _ESCAPES_TO_DECIDE and len(self._held) > self._wait:
            self._state = True
            held, self._held = self._held, ""
            return lead + self._decoded(held)
        return lead

    def _count(self, text: str) -> None:
        """Count the line break escapes outside a string literal or a code span (`"a\\\\n"` is code)."""
        i, n = 0, len(text)
        while i < n:
            c = text[i]
            i += 1
            if self._slash:
                self._slash = False
                if c in self._kinds and not self._in_string and self._prev not in "\"'":
                    self._escapes += 1
                    self._in_dq = self._in_sq = self._in_span = False  # an escaped line break ends a line
                elif c == '"' and self._quote_escapes and not self._in_span:
                    self._in_dq = not self._in_dq  # the text never writes `\\"`: an escaped body's quote
                self._prev = "\\" + c
                continue
            if c == "\\":
                self._slash = True
                continue
            if c == "`":
                run = 1
                while i < n and text[i] == "`":
                    i, run = i + 1, run + 1
                if run < 3:  # a longer run is a fence, on a line of its own
                    self._in_span = not self._in_span
            elif self._in_span:
                pass
            elif c == '"':
                self._in_dq = not self._in_dq
            elif c == "'" and (self._in_sq or not self._prev[-1:].isalnum()):
                self._in_sq = not self._in_sq
            self._prev = c

    @property
    def _in_string(self) -> bool:
        return self._in_dq or self._in_sq or self._in_span

    def _decoded(self, text: str) -> str:
        text = self._carry + text
        self._carry = ""
        cut = len(text)
        slash = text.rfind("\\", max(0, len(text) - 12))
        if slash >= 0:
            run = len(text[:slash]) - len(text[:slash].rstrip("\\"))
            if run % 2 == 0:  # the last backslash is not itself escaped
                step, _ = _escape(text, slash)
                if step == 0:
                    cut = slash
        text, self._carry = text[:cut], text[cut:]
        return _decode(text)

    def finish(self) -> str:
        if self._state is None and self._held:
            held, self._held = self._held, ""
            return _decode(held) if self._escapes else held
        carried, self._carry = self._carry, ""
        return carried


def sent_shows_no_entities(sent: str) -> bool:
    """The sent text writes no character entity: an entity in the continuation is not its habit."""
    return _ANY_ENTITY.search(sent) is None


def sent_shows_no_escapes(sent: str) -> bool:
    """The sent text writes no `\\n` or `\\t` escape outside a string literal or code span on its lines (a code
    line's `"\\n"` is code, not a habit of escaping the text's own line breaks)."""
    if "\\" not in sent:
        return True
    for line in sent[-_MAX_SENT:].split("\n"):
        if "\\" in line:
            probe = EscapeDecoder(kinds="nt", quote_escapes=False)
            probe._count(line)
            if probe._escapes:
                return False
    return True


def reencode_filters(sent: str, *, in_code: bool) -> list[EscapeDecoder | EntityDecoder]:
    """Rule V's filters the sent text's habits allow, escapes first (an entity may be inside a JSON string)."""
    filters: list[EscapeDecoder | EntityDecoder] = []
    if sent_shows_no_escapes(sent):
        longest = max(len(line) for line in sent[-_MAX_SENT:].split("\n"))
        line = sent[sent.rfind("\n") + 1 :][-_MAX_HELD:]
        filters.append(EscapeDecoder(line, in_code=in_code, longest=longest, quote_escapes='\\"' not in sent))
    if sent_shows_no_entities(sent):
        filters.append(EntityDecoder())
    return filters
