"""Rule V (re-encoded text): a continuation sent HTML-escaped, or as a JSON string's body, is decoded.

A fallback behind a serving stack that escapes its output, or trained on escaped pages, writes `&amp;` `&lt;`
`&gt;` `&quot;` `&#39;` where the answer writes the characters; one that writes its answer as a JSON string writes
`\\n` `\\t` `\\"` `\\\\` where the answer has line breaks, tabs, quotes and backslashes.  A reader sees the escapes
as a seam when the sent text never writes them.  The evidence is the sent text's own habit and the
continuation's structure:

- entities (`EntityDecoder`): the sent text writes no character entity at all (so it is not an answer about HTML
  that shows entities); then the five markup entities the continuation writes are decoded, wherever they stand.
- escapes (`EscapeDecoder`): the sent text never writes a `\\n` or `\\t` escape itself, and the continuation
  writes two such escapes before any raw line break after its first char (or one, and the stream ends with no
  raw line break): an answer written as a JSON string has no raw line break at all, while a code line that
  prints `"a\\n"` is followed by the next line.  From the first backslash on, text is held until a raw line
  break (the text is its own: released as it came) or the second escape (decoded, as JSON decodes it).

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
_SENT_ESCAPE = re.compile(r"\\[nt]")
_ESCAPES_TO_DECIDE = 2
_MAX_HELD = 4000  # a line this long with one escape and no second one is the text's own


class EntityDecoder:
    """Rule V: the markup entities of an HTML-escaped continuation decoded; a split entity carried to the next chunk."""

    def __init__(self) -> None:
        self._carry = ""

    def feed(self, text: str) -> str:
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

    def __init__(self) -> None:
        self._state: bool | None = None  # None: not known yet; True: escaped; False: the text's own
        self._held = ""  # from the first backslash, while the state is not known
        self._escapes = 0
        self._carry = ""  # decided escaped: an escape split across chunks
        self._begun = False  # a char other than a blank came

    def feed(self, text: str) -> str:
        if self._state is False:
            return text
        if self._state is True:
            return self._decoded(text)
        if not self._held:
            if not self._begun:
                stripped = text.lstrip(" \t\n")
                self._begun = bool(stripped)
                if not stripped:
                    return text  # the seam's own line breaks before the text do not tell
                lead, text = text[: len(text) - len(stripped)], stripped
                return lead + self.feed(text)
            slash = text.find("\\")
            newline = text.find("\n")
            if slash < 0 or 0 <= newline < slash:
                if newline >= 0:
                    self._state = False
                return text
            before, text = text[:slash], text[slash:]
        else:
            before = ""
        newline = text.find("\n")
        scan = text if newline < 0 else text[:newline]
        self._held += scan
        # An escaped backslash ("\\\\n" is a backslash and an n) is taken out before the escapes are counted.
        self._escapes = len(_SENT_ESCAPE.findall(self._held.replace("\\\\", "")))
        if newline >= 0 or len(self._held) > _MAX_HELD:
            self._state = False
            held, self._held = self._held, ""
            return before + held + text[len(scan) :]
        if self._escapes >= _ESCAPES_TO_DECIDE:
            self._state = True
            held, self._held = self._held, ""
            return before + self._decoded(held)
        return before

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
    """The sent text writes no `\\n` or `\\t` escape: such escapes are not its habit."""
    return _SENT_ESCAPE.search(sent) is None


def reencode_filters(sent: str) -> list[EscapeDecoder | EntityDecoder]:
    """Rule V's filters the sent text's habits allow, escapes first (an entity may be inside a JSON string)."""
    filters: list[EscapeDecoder | EntityDecoder] = []
    if sent_shows_no_escapes(sent):
        filters.append(EscapeDecoder())
    if sent_shows_no_entities(sent):
        filters.append(EntityDecoder())
    return filters
