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

- Markdown escapes (`MarkdownUnescape`): the sent text writes no backslash in its prose (outside fenced blocks
  and code spans), so it is no Markdown tutorial, LaTeX or path; then the backslash a continuation puts before
  Markdown punctuation in its prose (`snake\\_case`, `\\*\\*bold\\*\\*`, `\\[link\\]`, `\\#`, `\\~`) is dropped, as
  a Markdown renderer drops it.  Code is never decoded: the filter follows the continuation's fences and code
  spans from the sent text's state at the cut.  A bracket escape that reads as LaTeX display math (`\\[` before
  a blank, `\\]` after one; not in a JSON document), a backslash before a letter, a digit, a backslash, a blank,
  `(` or `{` (a command, a path, inline math), or a line that begins with three escaped `_` or `*` where the sent
  text never begins a line with that char (unescaped, a thematic break: a signature line's escape) show that
  the text writes backslashes itself: from there on nothing is decoded.

All are streaming filters, linear per chunk; an entity or an escape split across chunks is carried.
"""

from __future__ import annotations

import re

from .jsonwrap import _escape

__all__ = ["EntityDecoder", "EscapeDecoder", "MarkdownUnescape", "reencode_filters"]

_ANY_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,30}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&#x27;": "'", "&apos;": "'"}
_ENTITY = re.compile("|".join(re.escape(e) for e in _ENTITIES))
_MAX_ENTITY = max(len(e) for e in _ENTITIES)
_MAX_SENT = 20_000  # the sent text's last chars its habits are read from
_ESCAPES_TO_DECIDE = 2
_MAX_HELD = 4000  # a line this long with one escape and no second one is the text's own


class EntityDecoder:
    """Rule V: the markup entities of an HTML-escaped continuation decoded; a split entity carried to the next chunk.

    An escaped text writes every `&` as `&amp;`: from a raw `&` on (`&mdash;`, `R&D`) the continuation is the
    text's own, and nothing more is decoded.
    """

    def __init__(self) -> None:
        self._carry = ""
        self._off = False

    def feed(self, text: str) -> str:
        if self._off or (not self._carry and "&" not in text):
            return text  # most chunks: no regex pass
        text = self._carry + text
        self._carry = ""
        out: list[str] = []
        at = 0
        while (amp := text.find("&", at)) >= 0:
            entity = _ENTITY.match(text, amp)
            if entity is not None:
                out += [text[at:amp], _ENTITIES[entity.group()]]
                at = entity.end()
                continue
            rest = text[amp:]
            if len(rest) < _MAX_ENTITY and any(e.startswith(rest) for e in _ENTITIES):
                self._carry = rest  # an entity split across chunks
                out.append(text[at:amp])
                return "".join(out)
            self._off = True  # an `&` that begins none of them
            break
        out.append(text[at:])
        return "".join(out)

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


_MD_ESCAPED = "_*#~`"  # Markdown punctuation whose escape is dropped outside code ("[" and "]": see `_bracket`)
_OWN_BACKSLASH = "\\({"  # after a backslash, with letters, digits and blanks: the text's own backslash
_MD_SPECIAL = re.compile(r"[\\`~]|\n+")
_MD_CODE_SIGN = re.compile(r"[`~]|\n+")  # in code, only what may end it
_MAX_RUN = 32  # a backtick or tilde run this long at a chunk's end is taken as complete, not held
_SPAN = re.compile(r"(`+)[^\n]*?(?<!`)\1(?!`)")
_MD_FENCE = re.compile(r" {0,3}(?:`{3,}|~{3,})")
_LINE_START = re.compile(r"(?m)^ {0,3}([_*])")


class MarkdownUnescape:
    """Rule V: backslash escapes of Markdown punctuation in a continuation's prose dropped (see the module)."""

    def __init__(
        self,
        line: str = "",
        *,
        in_code: bool = False,
        fence: str = "```",
        in_json: bool = False,
        rule_chars: str = "_*",
    ) -> None:
        """`line`: the sent text's cut line (a code span it opened is still open); `in_code`: the cut is in a
        fenced block, opened by `fence`; `in_json`: in a JSON document, which has no LaTeX; `rule_chars`: the
        chars the sent text never begins a line with, whose three escapes beginning a line are its own."""
        self._on = True
        self._latex = not in_json
        self._rule_chars = rule_chars
        self._fence = fence[:1] if in_code else ""  # the open fence's char ("" outside a fenced block)
        self._fence_len = len(fence)
        self._span = 0  # the open code span's backtick count
        self._lead = 0  # spaces that began the line so far; -1 once anything else came
        self._brackets = 0  # escaped "[" decoded and not closed yet
        self._prev = "\n"
        self._carry = ""
        if _MD_FENCE.match(line):  # the cut line is a fence line: `in_code` tells whether it opened or closed
            self._lead = -1
        else:
            self._scan(line, final=True)

    def feed(self, text: str) -> str:
        if not self._on:
            if self._carry:
                text, self._carry = self._carry + text, ""
            return text
        if not self._carry and _MD_SPECIAL.search(text) is None:
            self._plain(text)
            return text
        return self._scan(self._carry + text, final=False)

    def finish(self) -> str:
        carried, self._carry = self._carry, ""
        return self._scan(carried, final=True) if carried and self._on else carried

    def _plain(self, piece: str) -> None:
        if piece:
            if self._lead >= 0:
                stripped = piece.lstrip(" ")
                self._lead = -1 if stripped else self._lead + len(piece)
            self._prev = piece[-1]

    def _scan(self, text: str, *, final: bool) -> str:
        out: list[str] = []
        i, n = 0, len(text)
        self._carry = ""
        while i < n:
            if not self._on:  # the text's own backslashes: the rest passes as it is
                out.append(text[i:])
                break
            m = (_MD_CODE_SIGN if self._fence or self._span else _MD_SPECIAL).search(text, i)
            j = m.start() if m else n
            self._plain(text[i:j])
            out.append(text[i:j])
            if j == n:
                break
            c = text[j]
            if c == "\n":
                assert m is not None
                out.append(m.group())
                self._lead, self._span, self._brackets, self._prev = 0, 0, 0, c
                i = m.end()
            elif c != "\\":
                k = j
                while k < n and text[k] == c:
                    k += 1
                if k == n and not final and k - j < _MAX_RUN:
                    self._carry = text[j:]
                    break
                self._run(c, k - j)
                out.append(text[j:k])
                i = k
            else:  # a backslash in prose (in code the search finds none)
                step, decoded = self._escape(text, j, final)
                if step == 0:
                    self._carry = text[j:]
                    break
                out.append(decoded)
                self._plain(decoded)
                i = j + step
        return "".join(out)

    def _run(self, c: str, run: int) -> None:
        """A run of backticks or tildes: a fence line's marker, a code span's delimiter, or plain text."""
        at_fence = 0 <= self._lead <= 3 and run >= 3
        if self._fence:
            if at_fence and c == self._fence and run >= self._fence_len:
                self._fence = ""
        elif at_fence:
            self._fence, self._fence_len = c, run
        elif c == "`":
            self._span = 0 if self._span else run  # any run closes: an unclosed span's opener is literal
        self._lead, self._prev = -1, c

    def _escape(self, text: str, j: int, final: bool) -> tuple[int, str]:
        """(chars taken, text for them) for the backslash at `j` in prose; (0, "") when more text must come."""
        nxt = text[j + 1 : j + 2]
        if not nxt:
            return (0, "") if not final else (1, "\\")
        if nxt in self._rule_chars and 0 <= self._lead <= 3:  # unescaped, a line of "___" would be a rule
            rule = ("\\" + nxt) * 3
            if not final and rule.startswith(text[j : j + 6]) and len(text) - j < 6:
                return 0, ""
            if text.startswith(rule, j):
                self._on = False
                return 2, text[j : j + 2]
        if nxt in _MD_ESCAPED:
            return 2, nxt
        if nxt in "[]":
            return self._bracket(text, j, final)
        if nxt.isalnum() or nxt.isspace() or nxt in _OWN_BACKSLASH:
            self._on = False  # a command, a path, a math delimiter: the text writes backslashes itself
        return 2, text[j : j + 2]

    def _bracket(self, text: str, j: int, final: bool) -> tuple[int, str]:
        """An escaped bracket, unless it reads as LaTeX display math: "\\[" before a blank, "\\]" after one."""
        if text[j + 1] == "]":
            if self._brackets or not self._prev.isspace() or not self._latex:
                self._brackets = max(0, self._brackets - 1)
                return 2, "]"
            self._on = False
            return 2, "\\]"
        after = text[j + 2 : j + 5]
        if not after[:1].isspace() and after or not self._latex:
            self._brackets += 1
            return 2, "["
        if after == " \\]":  # an escaped task box, "\\[ \\]"
            return 5, "[ ]"
        if not final and " \\]".startswith(after):
            return 0, ""
        if not after:
            return 2, "["
        self._on = False
        return 2, "\\["


def sent_prose_has_backslash(sent: str) -> bool:
    """The sent text writes a backslash outside its fenced blocks and code spans (LaTeX, a path, an escape)."""
    if "\\" not in sent:
        return False
    fence = ""
    for line in sent[-_MAX_SENT:].split("\n"):
        m = _MD_FENCE.match(line)
        if m:
            mark = m.group().lstrip()
            if not fence:
                fence = mark
            elif mark[0] == fence[0] and len(mark) >= len(fence):
                fence = ""
        elif not fence and "\\" in line and "\\" in _SPAN.sub("", line):
            return True
    return False


def reencode_filters(
    sent: str, *, in_code: bool, fence: str = "```", in_json: bool = False
) -> list[EscapeDecoder | EntityDecoder | MarkdownUnescape]:
    """Rule V's filters the sent text's habits allow, escapes first (an entity may be inside a JSON string)."""
    filters: list[EscapeDecoder | EntityDecoder | MarkdownUnescape] = []
    if sent_shows_no_escapes(sent):
        longest = max(len(line) for line in sent[-_MAX_SENT:].split("\n"))
        line = sent[sent.rfind("\n") + 1 :][-_MAX_HELD:]
        filters.append(EscapeDecoder(line, in_code=in_code, longest=longest, quote_escapes='\\"' not in sent))
    if sent_shows_no_entities(sent):
        filters.append(EntityDecoder())
    if not sent_prose_has_backslash(sent):
        begun = set(_LINE_START.findall(sent[-_MAX_SENT:]))
        rule_chars = "".join(c for c in "_*" if c not in begun)
        filters.append(
            MarkdownUnescape(
                sent[sent.rfind("\n") + 1 :][-_MAX_HELD:],
                in_code=in_code,
                fence=fence,
                in_json=in_json,
                rule_chars=rule_chars,
            )
        )
    return filters
