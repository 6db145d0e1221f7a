"""Splice a fallback's continuation onto the sent text without a visible seam.

`repair()` is the pure decision: given the sent tail and the fallback's head so
far, it either asks for more head (None) or returns the text to emit and what
was done.  `SeamRepair` wraps it for a stream: it buffers only until the
decision can be made, then passes the rest through the filters the decision
left (`_filters`: a decoder, a quote restyle, a renumbering, a held closer or
offer), often none.

Steps, in order, each cutting raw chars off the head:

0. leak          "<think>…</think>", "Assistant:", "<|im_start|>assistant" (see `leak`)
0b. wrapper     a code block, a `<details>` block, a tag pair or a JSON string (decoded) around the whole
                continuation; its closer held and dropped at the end (`wrapper`, `details`, `jsonwrap`; the last
                three in instruct mode)
0c. comment     in code, a comment line before the cut line said again, or one that is an elision or a lead-in
                (`codecomment`); the code after it is read as no preamble
1. preamble      "Sure, continuing:", "Voici la suite :" …   (see `preamble`)
2. echo          a quoted copy of the tail, a leading "…"/"..."
2b. lead         a break, an elision mark or comment, a reopened block, a quote, a respelled word (see `lead`)
3. fence         a re-opened "```python" while the sent text is inside a fence
4. overlap       the head repeats the tail's last words/sentence/whole answer
                 (see `overlap`); after a restart longer than the tail, the
                 head is dropped until it catches up with the tail ("resync"); a head that completes the
                 marker the sent line was cut inside ("`" + "``json") is no repeat (`lead`, rule L (markers))
4b. near echo    the tail's last words again with one word changed; in code, the cut line restyled (`echo`)
4c. subword     instruct mode: the last word's last subword piece said again (`subword`)
5. markup        a re-opened "**" or "`" while already inside bold/inline code
6. whitespace    see `whitespace.join_whitespace`
7. case          instruct mode: a new message's capital after a mid-sentence cut is lowered (`case`)
8. list          a numbered list restarted at "1." is renumbered (`renumber`)
9. offer         instruct mode: a closing offer of more help ending the stream is dropped (`offer`)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Protocol

from .case import lower_first_word
from .citations import citation_filter
from .codecomment import PENDING as COMMENT_PENDING
from .codecomment import STEP as COMMENT_STEP
from .codecomment import comment_lead
from .context import BULLET_RE, FENCE_LINE_RE, FENCE_RE, TextContext, analyse_tail
from .continued import PENDING as HEADING_PENDING
from .continued import STEP as HEADING_STEP
from .continued import continued_heading
from .decoration import EmojiDrop
from .details import STEP as DETAILS_STEP
from .details import DetailsCloser, match_details_wrap
from .echo import PENDING as ECHO_PENDING
from .echo import QuoteRestyle, near_echo, quote_swaps, restated_line
from .jsonwrap import JsonStringDecoder, match_json_wrap
from .lead import PENDING as LEAD_PENDING
from .lead import completes_marker, respelled_word, strip_lead
from .leak import MAX_REASONING, match_leak, may_begin_leak
from .leak import OPEN as LEAK_OPEN
from .leak import PENDING as LEAK_PENDING
from .mdstyle import MarkerStyle
from .normalize import is_grapheme_extender, normalize
from .offer import OfferHold
from .overlap import PENDING, Overlap, find_anchor, find_overlap
from .preamble import PENDING as PREAMBLE_PENDING
from .preamble import match_preamble, may_begin_preamble
from .quoted import Dequote, quoted_rest
from .quotestyle import QuoteHabit
from .recap import PENDING as RECAP_PENDING
from .recap import match_recap, may_begin_recap
from .reencode import reencode_filters
from .renumber import ListRenumber
from .subword import PENDING as SUBWORD_PENDING
from .subword import subword_repeat
from .table import PENDING as TABLE_PENDING
from .table import table_header_repeat
from .whitespace import join_whitespace
from .wrapper import PENDING as WRAP_PENDING
from .wrapper import Closer, CloserHold, match_fence_wrap, match_tag_wrap, template_closer

__all__ = ["SpliceResult", "SeamRepair", "repair"]


class _Filter(Protocol):
    """A streaming text filter after the seam decision."""

    def feed(self, text: str) -> str: ...

    def finish(self) -> str: ...


_ELLIPSIS = re.compile(r"\A[ \t]*(?:\.\.\.|…)[ \t]*(?=\S|\n)")
_DOTS_ONLY = re.compile(r"[ \t]*(?:\.{1,3}|…)[ \t]*")
_EXPRESSION_START = "([{,=:"  # code chars after which an expression ("...args", Python's "...") may begin
_CLOSERS = {")": "(", "]": "[", "}": "{"}
#: Languages where "..." before an identifier is code (a spread or rest): JavaScript and its kin, PHP, Dart.
_SPREAD_LANGS = frozenset(
    {"js", "javascript", "jsx", "mjs", "cjs", "ts", "typescript", "tsx", "node", "php", "dart", "coffee", "vue"}
)
_MARKER_PREFIX = re.compile(r"[ \t]*(?:\d{1,9}[.)]?|[-*+#>|]{1,6}|\[(?:\^[^\]\s]{0,12}\]?)?)?")
#: A line start so far that may still become a line closing an environment ("\\end{proof}", "</div>") or a
#: lettered item ("(c) "): whether a blank line goes before it depends on which.
_LINE_PREFIX = re.compile(r"[ \t]*(?:\\(?:e(?:n(?:d(?:\{[^}\n]*\}?)?)?)?)?|</?[\w:-]*>?|\((?:[a-zA-Z]{1,6}\)?)?)")
_ECHO_JOINER = re.compile(r"[ \t]*(?:[-—–:,.…]+[ \t]*)?")  # the "—" or ":" after an echoed quote
_BLANK_TO_EOL = re.compile(r"[ \t]*\n")
_QUOTES = {'"': '"', "“": "”", "«": "»", "„": "“", "'": "'", "‘": "’", "`": "`"}
_MAX_ECHO = 400
_LEAD_IN = re.compile(r"[^\W\d_][^\n`~(){}\[\]<>=;$\"]{0,200}:[ \t]*\n(?:[ \t]*\n)*")  # "Here is the code:\n\n"
_MAYBE_LEAD_IN = re.compile(r"[^\W\d_][\w ,'’-]*:?[ \t]*")  # the first line so far could still become one
_MAX_FENCE_LINE = 60
_OPENING = 600  # chars of the answer's opening a restart is recognised by (see `_resync`)


@dataclass
class SpliceResult:
    """What the seam repair did.

    `strategy` is the main fix: "clean" (the head fitted as is, maybe after a
    whitespace fix), "overlap" (repeated words dropped), "restart" (a restarted
    sentence, item or answer dropped), "preamble" (a lead-in dropped), "empty"
    (the fallback added nothing new: the answer was already complete), "forced"
    (the buffer limit was reached before a decision).  `steps` lists every fix.
    """

    strategy: str
    overlap_chars: int
    dropped_chars: int
    steps: list[str] = field(default_factory=list)
    renumber_offset: int = 0
    closer: Closer | None = None  # a wrapper's closer to drop at the stream's end (see `wrapper`)
    decoder: JsonStringDecoder | None = None  # a JSON wrapper's string, decoded as it streams (see `jsonwrap`)
    quotes: dict[str, str] = field(default_factory=dict)  # a restated code line's quote chars to swap back (`echo`)


@dataclass
class _Need:
    """More head is needed; `reason` tells SeamRepair how long it may wait."""

    reason: str  # "overlap" (bounded by the tail), "restart" (resync), "reasoning" (an open block), or "other"
    decided: int = 0  # head chars already judged (a repeat, a restart): the wait is bounded after them


def _effective_sent(sent_tail: str, stripped_whitespace: str) -> str:
    """The sent text as the reader has it: the tail may have been passed without the stripped whitespace."""
    if stripped_whitespace and not sent_tail.endswith(stripped_whitespace):
        return sent_tail + stripped_whitespace
    return sent_tail


def _dots_are_code(sent: str, after: str, ctx: TextContext) -> bool:
    """Inside code, is a leading "..." the code's own (a spread or an Ellipsis) rather than a continuation mark?

    An expression starts only at the start of a line or after an opener, a
    comma, "=" or ":"; there "..." followed by an identifier is a spread (only
    inside a bracket, and only in a language that has one: a code block whose
    fence names another language has none), and "..." standing alone is an
    Ellipsis, a placeholder or varargs.
    Anywhere else (mid-word, after an identifier, inside a string) it cannot be code.
    """
    if ctx.in_json_string or ctx.mid_word:
        return False
    before = sent.rstrip(" \t")
    at_line_start = not before or before.endswith("\n")
    if not at_line_start and before[-1] not in _EXPRESSION_START:
        return False
    rest = after.lstrip(" \t")
    first = rest[:1]
    if not first or first == "\n" or (first in ")]},:;" and not at_line_start):
        return True  # standing alone: Python's Ellipsis, a placeholder
    spreads = not ctx.fence_lang or ctx.fence_lang.lower() in _SPREAD_LANGS
    return spreads and rest is after and (first.isalpha() or first in "_$([{") and _open_bracket(sent)


def _open_bracket(sent: str) -> bool:
    """The sent text has an unclosed (, [ or { (where a spread can occur)."""
    depth = 0
    for c in sent:
        if c in "([{":
            depth += 1
        elif c in _CLOSERS and depth:
            depth -= 1
    return depth > 0


def _strip_echo(sent: str, head: str, ctx: TextContext, final: bool) -> int | None:
    """A leading ellipsis, or a quoted copy of the tail ('"…brown fox" — continuing:'). None = need more.

    A continuation's leading ellipsis is a mark ("…where I stopped"), not text,
    wherever the text could not go on with one: in prose, mid-word, inside a
    string, and in code except where "..." is code (see `_dots_are_code`).
    """
    lead = len(head) - len(head.lstrip())
    body = head[lead:]
    if not body:
        return 0
    in_code = ctx.in_fence or ctx.in_inline_code or ctx.in_json
    m = _ELLIPSIS.match(body)
    dots_end = len(m.group().rstrip(" \t")) if m else 0  # what follows the dots, spaces included
    if m and ("…" in m.group() or not in_code or not _dots_are_code(sent, body[dots_end:], ctx)):
        return lead + m.end()
    if not final and _DOTS_ONLY.fullmatch(body):
        return None
    close = _QUOTES.get(body[0])
    if close is None or in_code:
        return 0
    inner_end = body.find(close, 1)
    tail_norm = normalize(sent).text.rstrip(" ")
    if inner_end == -1:
        if final or len(body) > _MAX_ECHO:
            return 0
        inner = normalize(body[1:].lstrip(".… ")).text.strip()
        return None if inner and inner in tail_norm else 0
    inner = normalize(body[1:inner_end].strip().strip(".…").strip()).text.strip()
    if len(inner) < 8 or not tail_norm.endswith(inner):
        return 0
    cut = lead + inner_end + 1
    m = _ECHO_JOINER.match(head[cut:])
    return cut + (m.end() if m else 0)


def _fence_reopen(head: str, ctx: TextContext, final: bool) -> tuple[int, bool] | None:
    """(length of a fence line at the head's start, has an info string); (0, False) if none; None = need more."""
    if not ctx.in_fence:
        return 0, False
    body = head.lstrip("\n")
    lead = len(head) - len(body)
    stripped = body.lstrip(" ")
    if not stripped:
        return (0, False) if final else None
    marker_char = ctx.fence_marker[0]
    if not stripped.startswith(marker_char):
        # A fence with an info string can only re-open the block; a line introducing it is its lead-in.
        lead_in = _LEAD_IN.match(body)
        if lead_in:
            after = body[lead_in.end() :]
            if not final and len(after.lstrip(" ")) < 3:
                return None
            reopened = _fence_reopen(after, ctx, final)
            if reopened is None:
                return None
            return (lead + lead_in.end() + reopened[0], True) if reopened[1] else (0, False)
        if not final and "\n" not in body and len(body) < _MAX_FENCE_LINE * 3 and _MAYBE_LEAD_IN.fullmatch(body):
            return None
        return 0, False
    nl = body.find("\n")
    if nl == -1:
        if final:
            return 0, False
        if len(body) < _MAX_FENCE_LINE and (set(stripped) <= {marker_char} or stripped.startswith(marker_char * 3)):
            return None
        return 0, False
    line = body[:nl]
    m = FENCE_RE.match(line)
    if not m or m.group(2)[0] != marker_char:
        return 0, False
    if m.group(3).strip():
        return lead + nl + 1, True
    # A bare fence right before another fence line re-opened the block (then closes it): the first one goes.
    after = body[nl + 1 :].lstrip(" ")
    if not final and len(after) < 3 and marker_char * len(after) == after:
        return None
    return lead + nl + 1, after.startswith(marker_char * 3)


def _markup_reopen(sent: str, head: str, ctx: TextContext, final: bool) -> int:
    """A fallback re-opening "**", "`" or a JSON string's quote while the sent text is already inside it.

    In JSON a quote that closes a string is followed by ",", ":", "}", "]" or
    whitespace; one followed by anything else can only be the string re-opened.  In code a quote that
    closes a string is followed by an operator, punctuation or whitespace, not by a letter, a digit,
    `{`, `%`, `$`, a backslash or another quote (shells, which join words that way, excepted).  Likewise a
    "**" or "`" that closes a span is followed by whitespace or by punctuation that ends there, so it is kept;
    PENDING while the head does not yet tell.
    """
    body = head.lstrip(" ")
    lead = len(head) - len(body)
    if ctx.in_json_string and body.startswith('"') and len(body) > 1 and not (body[1].isspace() or body[1] in ",:}]"):
        return lead + 1
    if ctx.in_fence and body.startswith('"') and len(body) > 1 and _inside_code_string(sent, ctx):
        if body[1].isalnum() or body[1] in '{"\\%$':
            return lead + 1
    for marker, inside in (("**", ctx.in_bold), ("`", ctx.in_inline_code)):
        if inside and body.startswith(marker) and len(body) > len(marker):
            opens = _opens_span(body[len(marker) : len(marker) + 12], marker[0], final)
            if opens is None:
                return _MARKUP_PENDING
            return lead + len(marker) if opens else 0
    return 0


_MARKUP_PENDING = -1
_CLOSING_PUNCT = ".,;:!?)]}\"'”’»…"


def _opens_span(after: str, marker: str, final: bool) -> bool | None:
    """A span marker followed by `after` (its next chars) opens a span, or None while they do not tell.

    One that closes a span is followed by whitespace, or by punctuation that ends there (`` `targets`. ``,
    `` `r9`), ``); punctuation that goes on (`` `.xml` ``, `` `...)` ``) is the span's content again.
    """
    c = after[:1]
    if c.isspace() or c == marker:
        return False
    if c not in _CLOSING_PUNCT or after.startswith(("..", "…")):
        return True
    k = 0
    while k < len(after) and after[k] in _CLOSING_PUNCT:
        k += 1
    if k == len(after):
        return None if not final and len(after) < 12 else False
    return not after[k].isspace()


_JOINING_LANGS = frozenset({"sh", "bash", "zsh", "shell", "console", "fish", "make", "makefile", "dockerfile", "csv"})


def _inside_code_string(sent: str, ctx: TextContext) -> bool:
    """The sent text's last line, inside a code block, has an unclosed double-quoted string."""
    if ctx.fence_lang.lower() in _JOINING_LANGS:
        return False
    line = sent[sent.rfind("\n") + 1 :]
    return line.replace("\\\\", "").replace('\\"', "").count('"') % 2 == 1


_SPACED_DASH_RE = re.compile(r"\S[ \t]+-[ \t]+\S")
_LINE_MARKER_RE = re.compile(r"[ \t]*([-*+•]|\d{1,9}[.)])[ \t]+(?=\S)")


def _marker_said_again(sent: str, head: str, pos: int, *, final: bool) -> int | None:
    """Rule M: a list item's marker said again inside the item is the fallback's, not the text's.

    When the sent text stops inside an item's line, past its words' start, a head that starts with that
    item's own marker (`4. ` in `4. **Wait.** At least one ` + `4. other engineer`) says the marker again:
    it goes, unless the text writes spaced hyphens as dashes.  Length of the marker and its spaces, 0 if none,
    None while the head could still be it.
    """
    line = sent[sent.rfind("\n") + 1 :]
    m = _LINE_MARKER_RE.match(line)
    if m is None or not line[m.end() :].strip():
        return 0
    marker = m.group(1)
    if marker == "-" and _SPACED_DASH_RE.search(sent):
        return 0  # the text writes " - " as a dash: "- Paris " + "- the capital" may be one
    rest = head[pos:]
    lead = len(rest) - len(rest.lstrip(" \t"))
    body = rest[lead:]
    if not body.startswith(marker):
        return None if not final and marker.startswith(body) else 0
    after = body[len(marker) :]
    spaces = len(after) - len(after.lstrip(" \t"))
    if not spaces:
        return 0 if final or after else None
    if spaces == len(after):
        return 0 if final else None
    return lead + len(marker) + spaces


_BULLET_START_RE = re.compile(r"[ \t]*[-*+•]?[ \t]*")
_ITEM_BULLET_RE = re.compile(r"[ \t]*([-*+•])[ \t]+(\S[^\n]{0,40})")


def _same_bullet(sent: str, head: str, pos: int, *, final: bool) -> str | None:
    """Rule U: an item said again with another bullet char is the same item; give it the sent bullet.

    The swap is only made when the head's first item starts like the bulleted item the sent text is in (its
    last line, or the one just ended), so that the repeat is judged on the words; the head keeps its offsets.
    None while the head's item is too short to tell.
    """
    lines = sent.split("\n")
    item = lines[-1] if lines[-1].strip() else (lines[-2] if len(lines) > 1 else "")
    sent_item = BULLET_RE.match(item) or _ITEM_BULLET_RE.match(item)
    if sent_item is None:
        return head
    m = _ITEM_BULLET_RE.match(head, pos)
    if m is None:
        pending = not final and head[pos:].strip() and _BULLET_START_RE.fullmatch(head, pos)
        return None if pending else head
    mark = sent_item.group(2) if sent_item.re is BULLET_RE else sent_item.group(1)
    if mark == m.group(1):
        return head
    words = item[sent_item.end() :].strip()
    said = m.group(2)
    if len(said) < 8 and not final and "\n" not in said and len(head) - m.start(2) < 8:
        return None
    if len(said) < 8 or not words.startswith(said[: min(len(said), len(words))]) or len(words) < 8:
        return head
    return head[: m.start(1)] + mark + head[m.end(1) :]


def _new_message_case(sent: str, sent_text: str | None, text: str, result: SpliceResult, ctx: TextContext) -> str:
    """Rule K: an instruct fallback that overlaps nothing lowers the capital it opens a new message with."""
    if result.overlap_chars:
        return text
    code = bool(ctx.in_fence or ctx.in_inline_code)
    return lower_first_word(sent, sent_text or sent, text, in_code=code)


def _list_filter(sent: str, ctx: TextContext) -> ListRenumber | None:
    """A renumbering filter when the sent text ends inside a numbered list."""
    item = ctx.numbered_item
    if item is None:
        return None
    return ListRenumber(item.indent, item.number + 1, at_line_start=sent.endswith("\n"))


def _decide(
    sent: str,
    head: str,
    *,
    final: bool,
    sent_text: str | None,
    dropped: str,
    additive: bool = False,
    ctx: TextContext | None = None,
    instruct: bool = False,
) -> tuple[str, SpliceResult] | _Need:
    if ctx is None:
        ctx = analyse_tail(sent, sent_text)
    steps: list[str] = []
    strategy = "clean"
    pos = 0

    # Rule W: a reasoning block or a speaker label before the continuation is not the answer.
    n_leak, leaked = match_leak(
        head, sent_text or sent, in_code=ctx.in_fence, in_inline=ctx.in_inline_code, final=final
    )
    if n_leak == LEAK_OPEN:
        return _Need("reasoning")
    if n_leak == LEAK_PENDING:
        return _Need("other")
    closer = template_closer(head, sent_text or sent) if n_leak and "label" in leaked else None
    if n_leak:
        head = head[n_leak:]
        steps.extend(leaked.split("+"))
        strategy = "preamble"
    # A code block opened around the whole continuation: its fence goes now, its closer at the end (`wrapper`).
    n_wrap, wrap_closer = (0, None) if additive else match_fence_wrap(head, sent, ctx, final=final)
    if n_wrap == WRAP_PENDING:
        return _Need("other")
    if n_wrap:
        head, n_leak, closer = head[n_wrap:], n_leak + n_wrap, wrap_closer
        steps.append("wrap")
        strategy = "preamble"
    decoder = None
    own_lines = False  # rule W (tags): line breaks after the tag's own one are the continuation's
    if instruct:
        # Rule AC (details): a collapsible HTML block around the continuation (`details`).
        n_details, wraps = (0, False) if n_wrap else match_details_wrap(head, sent_text or sent, ctx, final=final)
        if n_details == WRAP_PENDING:
            return _Need("other")
        if wraps:
            head, n_leak = head[n_details:], n_leak + n_details
            steps.extend(["wrap", DETAILS_STEP])
            strategy = "preamble"
        # Rule W (structured): a tag pair or a JSON object's string (maybe in a bare block) around the continuation.
        n_tag, tag_closer = (0, None) if n_wrap or wraps else match_tag_wrap(head, sent_text or sent, ctx, final=final)
        if n_tag == WRAP_PENDING:
            return _Need("other")
        n_json, decoder = (0, None) if n_tag or wraps else match_json_wrap(head, sent, ctx, final=final)
        if n_json == WRAP_PENDING:
            return _Need("other")
        if n_tag:
            head, n_leak, closer = head[n_tag:], n_leak + n_tag, tag_closer
            own_lines = head.startswith("\n") and not n_wrap
        elif n_json and decoder is not None:
            # The decoder drops the object's end and a closing fence with it.
            head, n_leak, closer = decoder.feed(head[n_json:]), n_leak + n_json, None
        if (n_tag or n_json) and not n_wrap:
            steps.append("wrap")
            strategy = "preamble"

    n_comment = 0
    if ctx.in_fence and not additive:
        # Rule AD (code comment lead): a comment line before the cut code said again (`codecomment`).
        n_comment = comment_lead(sent, head, final=final)
        if n_comment == COMMENT_PENDING:
            return _Need("other", n_leak)
        if n_comment:
            head, n_leak = head[n_comment:], n_leak + n_comment
            own_lines = own_lines or head.startswith("\n")  # a blank line after it is the code's own
            steps.append(COMMENT_STEP)
            if strategy == "clean":
                strategy = "preamble"

    n = 0 if n_comment else match_preamble(head, final=final)  # the comment was the lead-in: the code follows
    if n == PREAMBLE_PENDING:
        return _Need("other")
    if not n and instruct and not n_comment:
        n = match_recap(head, sent_text or sent, final=final)  # rule Z (recap)
        if n == RECAP_PENDING:
            return _Need("other")
    if n:
        # The lead-in's own line break is not the seam's; in code keep the indentation.
        pos = n + (_leading_newline(head, n) if ctx.in_fence else _leading_ws(head, n))
        skipped = head[n:pos]
        if ctx.in_json and "\n" in skipped and not sent[ctx.line_start :].strip():
            pos -= len(skipped) - skipped.rfind("\n") - 1  # stopped inside the indentation: the rest is the content's
        spaces = len(head[:n]) - len(head[:n].rstrip(" \t"))
        if (ctx.in_fence or ctx.in_json) and spaces > 1 and head[n - spaces - 1 : n - spaces] != "\n":
            pos = n - spaces + 1  # one space separates the lead-in; the rest is the code's indentation
        strategy = "preamble"
        steps.append("preamble")

    n_echo = _strip_echo(sent, head[pos:], ctx, final)
    if n_echo is None:
        return _Need("other")
    if n_echo:
        steps.append("echo")
        if strategy == "clean":
            strategy = "preamble"
        n = match_preamble(head[pos + n_echo :], final=final)  # '"…fox" — continuing:'
        if n == PREAMBLE_PENDING:
            return _Need("other")
        before = head[pos : pos + _leading_ws(head, pos)]
        if not n and ("\n" in before or (ctx.in_fence and before)):
            # The mark stood where the text begins: the line break and indentation before it are the text's.
            head = head[:pos] + before + head[pos + n_echo :]
        else:
            pos += n_echo + n
            if n or ctx.in_fence is False:
                pos += _leading_ws(head, pos)
            else:
                pos += _leading_newline(head, pos)  # in code, the mark's own line break is not the seam's

    # Rule J: what the fallback wrote before the continuation (a break, a mark, a quote, a reopened block…).
    whole = sent_text if sent_text is not None and len(sent_text) > len(sent) else sent
    n_heading = continued_heading(sent, head[pos:], ctx, whole=whole, final=final)  # rule AA (continued heading)
    if n_heading == HEADING_PENDING:
        return _Need("other", n_leak + pos)
    if n_heading:
        head, own_lines = head[:pos] + head[pos + n_heading :], True  # what follows the line is the text's own
        steps.append(HEADING_STEP)
    opening = block = ""
    if ctx.in_fence:
        fences = list(FENCE_LINE_RE.finditer(whole))
        opening = fences[-1].group().rstrip("\n") if fences else ""
        block = whole[fences[-1].end() :] if fences else whole
    stripped = strip_lead(
        sent, head[pos:], ctx, whole=whole, opening=opening, block=block, final=final, prefill=additive
    )
    if stripped is None:
        return _Need("other")
    n_lead = 0  # rule J's net removal: counted as dropped, like every rule's
    if stripped[1]:
        n_lead = max(0, len(head) - pos - len(stripped[0]))
        head = head[:pos] + stripped[0]
        steps.extend(stripped[1])
        if strategy == "clean":
            strategy = "preamble"
    # Rule X (quoted rest): the first line's quote marker dropped here, the later ones by `Dequote`.
    quote = quoted_rest(sent, head[pos:], ctx, final=final)
    if quote is None:
        return _Need("other", n_leak + n_lead + pos)
    if quote[2]:
        head = head[:pos] + quote[1] + head[pos + quote[0] :]
        steps.append(quote[2])
        own_lines = own_lines or bool(quote[1])  # the quote's blank lines are the text's own

    if ctx.in_table:
        # Rule T (tables): inside a table's body its header and delimiter rows said again are a repeat.
        n_table = table_header_repeat(whole, head[pos:], final=final, tail=sent)
        if n_table == TABLE_PENDING:
            return _Need("other")
        if n_table:
            pos += n_table
            steps.append("table")
            if strategy == "clean":
                strategy = "restart"

    n_marker = 0 if ctx.in_fence else _marker_said_again(sent, head, pos, final=final)
    if n_marker is None:
        return _Need("other")
    if n_marker:
        pos += n_marker
        steps.append("marker")
        if strategy == "clean":
            strategy = "overlap"

    swapped = _same_bullet(sent, head, pos, final=final)
    if swapped is None:
        return _Need("other")
    head = swapped

    sent_is_whole = sent_text is None or len(sent_text) <= len(sent)
    overlap_chars = 0
    rest_head = head[pos:]
    found = find_overlap(sent, rest_head, final=final, mid_word_ok=ctx.mid_word, sent_is_whole=sent_is_whole)
    if found is PENDING:
        return _Need("overlap")
    fits = isinstance(found, Overlap) and _row_fits_uncut(sent, whole, rest_head, found, final)
    if fits is None:
        return _Need("overlap")  # the row's width tells once its line has ended
    completes = isinstance(found, Overlap) and completes_marker(sent, rest_head, final=final)
    if completes is None:
        return _Need("other", n_leak + n_lead + pos)  # rule L (markers): the head's line has not shown its closer yet
    if isinstance(found, Overlap) and (
        _opens_a_block(rest_head, found.cut, ctx)
        or _starts_next_line(sent, rest_head, found)
        or _closes_outer_block(sent, sent_text, rest_head, found, ctx)
        or (additive and _extends_marker_run(sent, rest_head))
        or completes
        or fits
    ):
        found = None  # a fence that opens a block, or the next line's markers: not the sent text said again
    fence = _fence_reopen(rest_head, ctx, final)
    if fence is None and found is None:
        return _Need("other")
    if found is None and fence and fence[0]:
        after_fence = rest_head[fence[0] :]
        again = find_overlap(sent, after_fence, final=final, mid_word_ok=ctx.mid_word, sent_is_whole=sent_is_whole)
        if again is PENDING:
            return _Need("overlap")
        if isinstance(again, Overlap) or fence[1]:
            pos += fence[0]
            steps.append("fence")
            found = again
            rest_head = after_fence
    if isinstance(found, Overlap):
        overlap_chars = found.cut
        pos += found.cut
        if found.carry:
            head = head[:pos] + found.carry + head[pos:]
        restarted = found.anchored or found.start == 0 or _starts_sentence(sent, found.start)
        steps.append("restart" if restarted else "overlap")
        if strategy != "preamble":
            strategy = "restart" if restarted else "overlap"
    elif not sent_is_whole and sent_text:
        # A restart of an answer longer than the tail: it does not overlap the
        # tail yet, but it repeats the answer's opening words.
        resync = _resync(sent, sent_text, rest_head, final, ctx)
        if resync is None:
            return _Need("restart")
        if resync:
            overlap_chars = resync
            pos += resync
            steps.append("resync")
            strategy = "restart"

    if not overlap_chars and not (ctx.in_fence or ctx.in_table or ctx.in_json or additive):
        # Rule E (near): the last words said again from memory, with one word changed (`echo`).
        n = near_echo(sent, head[pos:], final=final)
        if n == ECHO_PENDING:
            return _Need("other", n_leak + n_lead + pos)
        if n:
            pos += n
            overlap_chars = n
            steps.append("near-echo")
            if strategy == "clean":
                strategy = "overlap"

    quotes: dict[str, str] = {}
    if not overlap_chars and ctx.in_fence and not additive and not sent.endswith("\n"):
        # Rule R (restated lines): the cut code line said again from its start, restyled (`echo`).
        n = restated_line(sent, head[pos:], final=final)
        if n == ECHO_PENDING:
            return _Need("other", n_leak + n_lead + pos)
        if n:
            quotes = quote_swaps(sent, head[pos:], n)
            pos += n
            overlap_chars = n
            steps.append("restated-line")
            if strategy == "clean":
                strategy = "overlap"

    if not overlap_chars:
        # Rule J (words): the cut word spelled again from its start, when nothing longer is said again.
        n = respelled_word(sent, head[pos:], whole=whole, final=final)
        if n == LEAD_PENDING:
            return _Need("other", n_leak + n_lead + pos)
        if n:
            pos += n
            overlap_chars = n
            steps.append("respell")
            if strategy == "clean":
                strategy = "overlap"

    if not overlap_chars and instruct:
        # Rule O: the sent word's last subword piece said again (`subword`).
        n = subword_repeat(sent, head[pos:], whole=whole, dropped=dropped, final=final)
        if n == SUBWORD_PENDING:
            return _Need("other", n_leak + n_lead + pos)
        if n:
            pos += n
            overlap_chars = n
            steps.append("subword")
            if strategy == "clean":
                strategy = "overlap"

    n = 0 if additive else _markup_reopen(sent, head[pos:], ctx, final)  # a prefill model writes its own markers
    if n == _MARKUP_PENDING:
        return _Need("other", n_leak + n_lead + pos)
    if n:
        pos += n
        steps.append("markup")

    rest = head[pos:]
    if rest.strip() and not final and "\n" not in rest.lstrip() and _MARKER_PREFIX.fullmatch(rest.lstrip()):
        return _Need("other", n_leak + n_lead + pos)  # "5" may be "5. " (a list item): the whitespace fix depends on it
    if (
        rest.strip()
        and not final
        and "\n" not in rest.lstrip()
        and sent.endswith("\n")
        and _LINE_PREFIX.fullmatch(rest.lstrip())
    ):
        return _Need("other", n_leak + n_lead + pos)
    if not rest.strip():
        if not final:
            return _Need("overlap" if overlap_chars else "other", n_leak + n_lead + pos)
        out = dropped if dropped and pos > 0 or (dropped and not head.strip()) else ""
        return out, SpliceResult(
            "empty", overlap_chars, n_leak + n_lead + len(head), steps + ["empty"], closer=closer, decoder=decoder
        )

    rest, changed = join_whitespace(
        sent,
        rest,
        ctx,
        additive=pos == 0 and ((additive and not n_leak) or (own_lines and not n_lead)),
        repeated=overlap_chars > 0,
        run_complete=bool(dropped) and not dropped[0].isspace(),
    )
    if changed:
        steps.append("whitespace")
    return rest, SpliceResult(
        strategy, overlap_chars, pos + n_leak + n_lead, steps, closer=closer, decoder=decoder, quotes=quotes
    )


_FENCE_RUN = re.compile(r"(?:\A|\n)[ \t]*(?:`{3,}|~{3,})([ \t]*\n)?\Z")


def _opens_a_block(head: str, cut: int, ctx: TextContext) -> bool:
    """Rule F (opening): the repeat would end at a fence that opens a new block, so it is no fence said again.

    A fence followed by an info string (```` ```sql ````) opens a block; outside a block, so does a bare fence
    followed by a line of content (a second block after the first one closed and a blank line).
    """
    m = _FENCE_RUN.search(head, 0, cut)
    if m is None:
        return False
    after = head[cut:]
    if m.group(1) is None:
        if after[:1].isalnum():
            return True
        after = after[len(after) - len(after.lstrip(" \t")) :]
        if not after.startswith("\n"):
            return False
        after = after[1:]
    return not ctx.in_fence and bool(after[:1].strip())


#: Lines that open a block closed by `end` (Ruby, Lua, Elixir, Mermaid), one count per line.
_OPENS_END = re.compile(
    r"(?m)^.*?(?:\b(?:do|def|class|module|function|begin|fn)\b|^[ \t]*(?:if|unless|while|until|case|for|alt|loop|opt"
    r"|par|critical|rect)\b).*$"
)
_CLOSING_ONLY = re.compile(r"([ \t]*)((?:[)\]}]+[;,)]*|end[;)]?))[ \t]*(?:\n|\Z)")


def _closes_outer_block(sent: str, sent_text: str | None, head: str, found: Overlap, ctx: TextContext) -> bool:
    """Rule L (outer blocks): a closing line less indented than the sent closing line closes the outer block.

    In code, after a sent line that only closes a block (`  }`, `    end`), a head whose first line only closes
    one at a shallower indentation (`}`, `  end`) is the next line, not the sent one said again, while the
    code still has a bracket open (or it is `end`).
    """
    if not ctx.in_fence or not sent.endswith("\n") or sent.endswith("\n\n"):
        return False  # after a blank line the same shape is the closing line said again (`    }` + blank + `}`)
    m = _CLOSING_ONLY.match(head)
    if m is None or found.cut > m.end():
        return False
    last = sent.rstrip("\n").rsplit("\n", 1)[-1]
    sent_line = _CLOSING_ONLY.fullmatch(last)
    if sent_line is None or len(m.group(1).expandtabs(4)) >= len(sent_line.group(1).expandtabs(4)):
        return False
    whole = sent_text if sent_text is not None and len(sent_text) > len(sent) else sent
    fences = list(FENCE_LINE_RE.finditer(whole))
    block = whole[fences[-1].end() :] if fences else whole
    if m.group(2).startswith("end"):
        opened = len(_OPENS_END.findall(block))
        return opened > sum(1 for line in block.split("\n") if line.strip().rstrip(";)") == "end")
    return sum(block.count(c) for c in "([{") > sum(block.count(c) for c in ")]}")


def _cells(row: str) -> int:
    return row.strip().strip("|").count("|") + 1


def _row_fits_uncut(sent: str, whole: str, head: str, found: Overlap, final: bool) -> bool | None:
    """Rule H (cells): in a table, the reading whose row has the header's number of cells wins.

    A delimiter row's cells are alike (`| --- | --- |`), and so may a row's be: when the sent row and the head's
    first line make a row of the header's width as they are, and a different one with the repeat cut, the head
    goes on with the row's next cells.  Only for a repeat of the sent row's own text, cut inside the head's first
    line; None while that line has not ended.
    """
    lines = whole.split("\n")
    last = lines[-1]
    if not last.lstrip().startswith("|") or found.start < sent.rfind("\n") + 1 or "\n" in head[: found.cut]:
        return False
    top = len(lines) - 1
    while top > 0 and lines[top - 1].lstrip().startswith("|"):
        top -= 1
    if top == len(lines) - 1:
        return False  # the header row itself: no width to compare with
    width = _cells(lines[top])
    if "\n" not in head and not final:
        return None
    return _cells(last + head.split("\n", 1)[0]) == width != _cells(last + head[found.cut :].split("\n", 1)[0])


_MARKER_CHARS = "`*#-+$>=~_"
_LINE_LEAD = re.compile(r"[ \t]*(?:(?:[-*+>]|\d{1,9}[.)])[ \t]+)*")


def _extends_marker_run(sent: str, head: str) -> bool:
    """Rule S (runs): in prefill mode, a head that goes on with the run of marker chars the sent line ends in.

    A sent line that stops inside a marker (`` ` `` of a fence, `*` of `**`, `#` of `##`, `>` of `>>>`), after
    its start or its item and quote markers only, and a prefill head that starts with the same char: the head
    is the rest of the marker, not the line said again.
    """
    last = sent[sent.rfind("\n") + 1 :]
    c = last[-1:]
    if not c or c not in _MARKER_CHARS or not head.startswith(c):
        return False
    lead = _LINE_LEAD.match(last)
    return lead is not None and set(last[lead.end() :]) == {c}


def _starts_next_line(sent: str, head: str, found: Overlap) -> bool:
    """Rule S (markers): a line of markers alone (`> >`) said again without its line break starts the next line.

    When the sent text ends with a complete line that holds no letter or digit, a head that starts with the same
    markers and goes on in the same line is the next line's start (a deeper quote, the next item), not a repeat.
    """
    repeated = sent[found.start :]
    if not sent.endswith("\n") or "\n" in head[: found.cut]:
        return False
    rest = head[found.cut :].lstrip(" \t")
    if any(c.isalnum() for c in repeated):
        return _line_goes_on(sent, head, found)
    return not rest.startswith("\n")


def _line_goes_on(sent: str, head: str, found: Overlap) -> bool:
    """Rule S (lines): after a sent line break, words of the sent line's end that go on in the same line.

    When the sent text ends with a line break (`all: build/app` + blank line), a head that says the line's last
    words again and goes on in the same line (`build/app: $(OBJ)`) starts a new line with them: a repeat of
    the line's end carries its line break.  Only for a repeat from inside the line, not a whole line.
    """
    line_start = sent.rfind("\n", 0, len(sent.rstrip())) + 1
    if found.start <= line_start or not sent[line_start : found.start].strip():
        return False
    rest = head[found.cut :]
    return bool(rest[:1]) and not rest[:1].isspace() and not head[: found.cut][-1:].isspace()


def _leading_ws(text: str, pos: int) -> int:
    return len(text) - pos - len(text[pos:].lstrip())


def _leading_newline(text: str, pos: int) -> int:
    m = _BLANK_TO_EOL.match(text[pos:])
    return m.end() if m else 0


def _starts_sentence(sent: str, start: int) -> bool:
    before = sent[:start].rstrip(" \t")
    return not before or before.endswith(("\n", ".", "!", "?", "。", "！", "？"))


def _resync(sent: str, sent_text: str, head: str, final: bool, ctx: TextContext) -> int | None:
    """Raw chars of `head` to drop when it restarts the answer or the code block: 0 = not one, None = need more.

    A restart says again the opening of the whole answer or, inside a code block, the block's first lines.
    """
    starts = [0]
    if ctx.in_fence:
        fences = list(FENCE_LINE_RE.finditer(sent_text))
        if fences:
            starts.append(fences[-1].end())  # the open block's first line
    hn = normalize(head).text.strip()
    if not hn:
        return 0 if final else None
    verdicts = [
        _opens_like(normalize(sent_text[a : a + _OPENING]).text.strip(), hn, final, _probe(sent_text, a))
        for a in starts
    ]
    if True not in verdicts:
        return None if None in verdicts else 0
    anchor = find_anchor(sent, head, mid_word_ok=ctx.mid_word)
    if anchor is not None:
        return anchor[0]
    if final:
        return len(head)  # restarted and never caught up: it only repeated
    return None


def _probe(sent_text: str, start: int) -> int:
    """How much of an opening a restart must say again: 24 normalised chars, and for a code block its whole first
    line and the start of the next (a box's bottom edge is its top edge again, and closes the figure)."""
    if not start:
        return 24
    nl = sent_text.find("\n", start)
    first = sent_text[start:nl] if nl >= 0 else sent_text[start:]
    return max(24, len(normalize(first).text.strip()) + 8)


def _opens_like(opening: str, hn: str, final: bool, probe: int = 24) -> bool | None:
    """Does the normalised head say `opening`'s first words again?  None = too short to tell yet."""
    probe = min(len(opening), probe)
    if not probe:
        return False
    if len(hn) < probe:
        return None if (opening.startswith(hn) and not final) else False
    return hn[:probe] == opening[:probe]


def _filters(
    result: SpliceResult,
    sent: str,
    ctx: TextContext,
    renumber: ListRenumber | None,
    *,
    instruct: bool,
    sent_text: str | None = None,
) -> list[_Filter]:
    """The streaming filters the text after a decision goes through, in order, to the end of the stream."""
    whole = sent_text if sent_text is not None and sent_text.endswith(sent) else sent
    habit = QuoteHabit(whole)
    emoji, markers = EmojiDrop(whole), MarkerStyle(whole)
    fence = ctx.fence_marker or "```"
    reencoded = reencode_filters(whole, in_code=ctx.in_fence, fence=fence, in_json=ctx.in_json)  # rule V
    filters: list[_Filter | None] = [
        result.decoder,  # rule W (JSON): the wrapped string decoded
        Dequote.after(result.steps),  # rule X (quoted rest): the later lines' markers
        *reencoded,
        citation_filter(whole, in_code=ctx.in_fence, fence=fence),  # rule AB (tool citations): markers it never writes
        emoji if emoji.active else None,  # rule AF (emoji decoration): none after markers the answer kept bare
        markers if markers.active else None,  # rule AE (Markdown spelling): markers and bold in the sent spelling
        habit if habit.active else None,  # rule Y (quote habit): prose quotes in the sent text's style
        QuoteRestyle(result.quotes) if result.quotes else None,  # rule R (restated lines)
        renumber,  # a restarted numbered list renumbered
        CloserHold(result.closer) if result.closer is not None else None,  # rule W: the wrapper's closer held
        DetailsCloser.after(result.steps),  # rule AC (details): the block's closing tag held
        OfferHold(sent, in_fence=ctx.in_fence) if instruct else None,  # rule T (offers)
    ]
    return [f for f in filters if f is not None]


def _through(filters: list[_Filter], text: str, start: int = 0) -> str:
    """`text` through `filters`, from the `start`th (the decision's own text is already decoded)."""
    for f in filters[start:]:
        text = f.feed(text) if text else text
    return text


def _finish(filters: list[_Filter]) -> str:
    """What the filters still hold at the end, each one's passed through the ones after it."""
    tail = ""
    for f in filters:
        tail = (f.feed(tail) if tail else tail) + f.finish()
    return tail


def repair(
    sent_tail: str,
    head: str,
    *,
    stripped_whitespace: str = "",
    final: bool,
    sent_text: str | None = None,
    dropped: str = "",
    mode: str | None = None,
) -> tuple[str, SpliceResult] | None:
    """Decide the seam.  Returns (text to emit, what was done), or None when more head is needed.

    `sent_text` (optional) is everything sent so far, used to recognise a
    restarted answer that no longer overlaps the tail.  `dropped` (optional) is
    the fragment the hold-back dropped at failover: emitted if the fallback
    produces nothing new (the primary had really finished).  `mode` (optional)
    is the continuation mode: with "prefill" and nothing stripped, the model saw
    the sent whitespace, so line breaks it starts with are added, not merged.
    The text is what a stream would emit by then: through the filters after the
    decision, and when `final`, with what they held at the end.
    """
    sent = _effective_sent(sent_tail, stripped_whitespace)
    try:
        additive = mode == "prefill" and not stripped_whitespace
        ctx = analyse_tail(sent, sent_text)
        out = _decide(
            sent,
            head,
            final=final,
            sent_text=sent_text,
            dropped=dropped,
            additive=additive,
            ctx=ctx,
            instruct=mode == "instruct",
        )
    except Exception:  # pragma: no cover - a splice must never break a stream
        return head, SpliceResult("passthrough", 0, 0, ["error"])
    if isinstance(out, _Need):
        return None
    text, result = out
    instruct = mode == "instruct"
    if instruct:
        text = _new_message_case(sent, sent_text, text, result, ctx)
    renumber = _list_filter(sent, ctx)
    filters = _filters(result, sent, ctx, renumber, instruct=instruct, sent_text=sent_text)
    text = _through(filters, text, 1 if result.decoder is not None else 0)
    if final:
        text += _finish(filters)
    if renumber is not None:
        result.renumber_offset = renumber.offset or 0
    return text, result


class SeamRepair:
    """Buffers the fallback's first words only until the seam decision can be made."""

    def __init__(
        self,
        sent_tail: str,
        *,
        stripped_whitespace: str = "",
        max_buffer_chars: int = 512,
        sent_text: str | None = None,
        dropped: str = "",
        mode: str | None = None,
    ) -> None:
        self._sent = _effective_sent(sent_tail, stripped_whitespace)
        self._additive = mode == "prefill" and not stripped_whitespace
        self._instruct = mode == "instruct"
        self._sent_text = sent_text
        self._dropped = dropped
        self._max = max_buffer_chars
        self._buf = ""
        self._tried_at = 0
        self._skipped = 0  # raw head chars discarded while resyncing a restart
        self._result: SpliceResult | None = None
        self._renumber: ListRenumber | None = None
        self._known: str | None = None  # the normalised tail and opening, for `_opens_nothing`
        self._open_block = False  # a reasoning block is open: only a closing tag's ">" can decide
        # After the decision: a decoder, the restyled line's quotes, the renumbering, the held closer, the offer.
        self._filters: list[_Filter] = []
        self._ctx = analyse_tail(self._sent, sent_text)  # the structure is the whole sent text's

    @property
    def result(self) -> SpliceResult | None:
        if self._result is not None and self._renumber is not None and self._renumber.offset:
            self._result.renumber_offset = self._renumber.offset
        return self._result

    @property
    def decided(self) -> bool:
        return self._result is not None

    @property
    def filtering(self) -> bool:
        """Decided, and later text still needs `feed` and `finish`: a decoder, a quote restyle, a renumbering, a
        held closer or a held offer (`_filters`)."""
        return bool(self._filters)

    def feed(self, delta: str) -> str:
        if self._result is not None:
            return self._filtered(delta)
        if not delta:
            return ""
        self._buf += delta
        if self._open_block and ">" not in delta and len(self._buf) <= MAX_REASONING:
            return ""  # an open reasoning block ends only at its closing tag
        # Nothing can be decided in the middle of a word: wait for a boundary
        # (or a few more chars), which keeps the re-analysis cost linear-ish.
        # A first word that nothing could act on is the exception.
        if (
            len(self._buf) - self._tried_at < 24
            and all(c.isalnum() for c in delta)
            and not any(ord(c) > 0x2E80 for c in delta)
            and not self._opens_nothing()
        ):
            return ""
        return self._attempt(final=False)

    def _opens_nothing(self) -> bool:
        """The head is the start of one plain word that no repair could act on.

        After a word boundary, a head of letters that no preamble starts with and
        that neither the tail nor the answer's opening contains cannot begin a
        repeat, a restart, an echo, a fence or a list: it is a clean start, and
        deciding now sends it one chunk sooner (the failover gap).
        """
        if self._tried_at or not self._sent[-1:].isspace():
            return False
        word = self._buf  # no space in it: a delta with one is attempted anyway
        if not word.isalpha():
            return False
        if self._known is None:
            self._known = normalize(self._sent).text + "\n" + normalize((self._sent_text or "")[:_OPENING]).text
        if may_begin_recap(word):
            return False  # rule Z (recap): "So" may open "So far we covered…"
        return normalize(word).text not in self._known and not may_begin_preamble(word) and not may_begin_leak(word)

    def finish(self) -> str:
        out = "" if self._result is not None else self._attempt(final=True)  # through the filters' feed
        try:
            return out + _finish(self._filters)
        except Exception:  # pragma: no cover - a splice must never break a stream
            self._drop_filters()
            return out

    def _filtered(self, text: str, start: int = 0) -> str:
        """`text` through the filters after the decision; one that raises is dropped with the rest, and the text
        passes as it came (the result's steps say "error")."""
        try:
            return _through(self._filters, text, start)
        except Exception:  # pragma: no cover - a splice must never break a stream
            self._drop_filters()
            return text

    def _drop_filters(self) -> None:
        self._filters = []
        if self._result is not None and "error" not in self._result.steps:
            self._result.steps.append("error")

    def _attempt(self, *, final: bool) -> str:
        self._tried_at = len(self._buf)
        # The head's last letter may still get a combining mark from the next chunk
        # (NFD text): decide on what is stable and append the rest unchanged.
        stable = len(self._buf)
        if not final:
            while stable > 0 and (
                is_grapheme_extender(self._buf[stable - 1]) or unicodedata.combining(self._buf[stable - 1])
            ):
                stable -= 1
            if stable > 0 and self._buf[stable - 1].isalpha():
                stable -= 1
        try:
            out = _decide(
                self._sent,
                self._buf[:stable],
                final=final,
                sent_text=self._sent_text,
                dropped=self._dropped,
                additive=self._additive,
                ctx=self._ctx,
                instruct=self._instruct,
            )
        except Exception:  # pragma: no cover - a splice must never break a stream
            out = (self._buf, SpliceResult("passthrough", 0, 0, ["error"]))
            stable = len(self._buf)
        if not isinstance(out, _Need) and stable < len(self._buf):
            rest = self._buf[stable:]
            out = (out[0] + (out[1].decoder.feed(rest) if out[1].decoder else rest), out[1])
        self._open_block = isinstance(out, _Need) and out.reason == "reasoning"
        if isinstance(out, _Need):
            if out.reason == "reasoning" and len(self._buf) <= MAX_REASONING:
                return ""
            if out.reason == "restart":
                return self._resync_window(final)
            if (
                out.reason == "overlap"
                and len(self._buf) <= max(len(self._sent), len(self._sent_text or "")) + self._max
            ):
                return ""
            if len(self._buf) - out.decided <= self._max:
                return ""
            out = (self._buf, SpliceResult("forced", 0, 0, ["forced"]))
        text, result = out
        if self._instruct:
            text = _new_message_case(self._sent, self._sent_text, text, result, self._ctx)
        result.dropped_chars += self._skipped
        result.overlap_chars += self._skipped if "resync" in result.steps else 0
        self._result = result
        self._buf = ""
        self._renumber = _list_filter(self._sent, self._ctx)
        self._filters = _filters(
            result, self._sent, self._ctx, self._renumber, instruct=self._instruct, sent_text=self._sent_text
        )
        return self._filtered(text, 1 if result.decoder is not None else 0)

    def _resync_window(self, final: bool) -> str:
        """Restart in progress: keep only a window big enough to find the anchor in."""
        limit = len(self._sent_text or "") + 4 * self._max
        if self._skipped + len(self._buf) > limit:
            # Never caught up: give up and pass the rest through.
            text, self._buf = self._buf, ""
            self._result = SpliceResult("forced", 0, self._skipped, ["resync", "forced"])
            return text
        keep = 4 * self._max
        if len(self._buf) > 2 * keep:
            opening = self._buf[:keep]  # the opening words prove it is a restart
            cut = len(self._buf) - keep
            self._skipped += cut - len(opening)
            self._buf = opening + self._buf[cut:]
        return ""
