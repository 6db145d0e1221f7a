"""Recognise text a fallback puts around its whole continuation (a wrapper) and drop it at both ends.

Two kinds, neither of them the answer's:

* a Markdown code block of its own (```` ```markdown ````, ```` ```md ````, ```` ```text ```` or a bare fence) opened
  where the text was not in code and closed at the end of the stream: the model presented the rest as a thing to
  copy;
* a chat template's control tokens: its turn header (dropped by rule W, `leak.py`) and its end-of-turn token at the
  end of the stream (`<|im_end|>`, `<|eot_id|>`, `<end_of_turn>`, `</s>`, …);
* an XML-style tag pair (`<continuation>…</continuation>`, any plain identifier) whose opening tag is the first
  thing the fallback says, where the sent text's own markup could not take that tag (it uses no tag of that name,
  and writes no markup where it stops, or stops inside a tag's attributes) and the element runs on without
  closing: a tag the answer's markup opens closes soon and text follows it, a wrapper's closes only at the end of
  the stream.  In code, where `<name>` is often the code's own, the tag must stand apart from the code (at a line
  start, or alone before a line break where the code writes no `<name>`), or be glued to the word it splits
  (`git clone <answer>https://…`, `googl<answer>etest`): code sets its `<name>` off by a space, punctuation or a
  line end (a placeholder `<url> `, a filehandle `<STDIN>;`, a generic `List<T>(`, `#include <x>` + line break),
  never glues one before a letter, digit or quote; an element of markup that does (`<b>bold`) has an HTML
  element's name, or a capital when it is a type (`<HTMLElement>el`), and is kept.  (A JSON object whose string
  holds the continuation is the same rule's, in `jsonwrap`.)  Where the text writes markup, a tag is an element
  of it unless its content holds the closer of an element the text left open, or the fence of the code block it
  was opened in, before its own: elements nest, so such a tag wraps the continuation (`<response>` + `</form>`
  + a closing fence); not for HTML's element names, which HTML leaves unclosed (`<li>`, `<br>`).  A tag's own line
  break is one: the line breaks after it are the continuation's (a blank line the text wanted), kept as written.

The opener is judged at the seam (`match_fence_wrap`, `template_closer`); the closer can only be known at the end of
the stream, so `CloserHold` holds back only a chunk's trailing characters that could still become it, releases them
as soon as they cannot, and drops the closer when the stream ends on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .context import FENCE_LINE_RE, TextContext

__all__ = [
    "PENDING",
    "END_OF_TURN",
    "WRAP_RUN",
    "Closer",
    "CloserHold",
    "TailHold",
    "match_fence_wrap",
    "match_tag_wrap",
    "template_closer",
    "wraps_rest",
]

PENDING = -1  # the head's first line may still become a wrapper's opening fence

#: End-of-turn tokens of common chat templates, as a server that does not skip special tokens streams them.
END_OF_TURN = (
    "<|im_end|>",
    "<|eot_id|>",
    "<end_of_turn>",
    "</s>",
    "<｜end▁of▁sentence｜>",
    "<|end|>",
    "<|endoftext|>",
)
_MAX_TOKEN = max(len(token) for token in END_OF_TURN)
#: A template's turn header starts with one of these (ChatML, Llama 3, Gemma, DeepSeek, Phi-3, Mistral).
_TEMPLATE_STARTS = ("<|", "<｜", "<start_of_turn>", "[/INST]")

#: The opening line of a wrapper: a fence with no info string or one that names plain text or Markdown.
#: (The blanks after the info string are inside its optional group: two runs of blanks around an optional word
#: backtrack quadratically over a line of blanks, 0.2 s for 10k.)
_OPENER = re.compile(r"\A {0,3}(`{3,}|~{3,})[ \t]*(?:(?:markdown|md|text|txt)[ \t]*)?\n", re.IGNORECASE)
_MAYBE_OPENER = re.compile(r"\A {0,3}(?:`+|~+)[ \t]*(?:[a-zA-Z]{1,8}[ \t]*)?\Z")
_FENCE_LINE = re.compile(r" {0,3}(?:`{3,}|~{3,})[^\n]*")
#: The most chars a closing fence line (with its line break before and whitespace after) is looked for in.
_MAX_CLOSER_LINE = 64
#: Chars of content a structured wrapper (a tag, a JSON string) must run on unclosed before it is judged one.
WRAP_RUN = 80
_MAX_TAG = 32
#: A plain-identifier opening tag, without attributes: a wrapper's (the answer's markup is judged by the context).
_TAG_OPENER = re.compile(rf"<([A-Za-z_][\w.-]{{0,{_MAX_TAG - 1}}})>")
_MAYBE_TAG = re.compile(rf"<(?:[A-Za-z_][\w.-]{{0,{_MAX_TAG - 1}}})?\Z")
#: Markup the sent text writes itself: a closing or self-closing tag, a comment, a declaration.
_ELEMENT = re.compile(r"</[A-Za-z][\w:.-]*\s*>|<[A-Za-z][\w:.-]*(?:\s[^<>]*)?/>|<!--|<![A-Za-z]|<\?[A-Za-z]")
_BACKTICKS = re.compile(r"`+")
_ANGLE_NAME = re.compile(r"<[A-Za-z_][\w.:-]*>")
_OPEN_TAG_START = re.compile(r"<[A-Za-z/!?][^<>\n]*\Z")
#: HTML's element names: a tag of one of them may be markup the answer writes, glued to its text (`<b>bold`).
HTML_ELEMENTS = frozenset(
    """a abbr address area article aside audio b base bdi bdo blockquote body br button canvas caption cite code col
    colgroup data datalist dd del details dfn dialog div dl dt em embed fieldset figcaption figure footer form h1 h2 h3
    h4 h5 h6 head header hgroup hr html i iframe img input ins kbd label legend li link main map mark menu meta meter
    nav noscript object ol optgroup option output p param picture pre progress q rp rt ruby s samp script search
    section select slot small source span strong style sub summary sup table tbody td template textarea tfoot th thead
    time title tr track u ul var video wbr center font big tt strike""".split()
)


@dataclass(frozen=True)
class Closer:
    """What closes a recognised wrapper at the end of the stream: a fence (its char and length) or the tokens."""

    fence: str = ""
    tokens: tuple[str, ...] = ()


def _announces_block(sent: str) -> str:
    """What the sent text's last line does before a block of its own: "lead" (`Here is the code:`), "closed"
    (```` ``` ````, a block closed), or "" (nothing)."""
    if not sent.endswith("\n"):
        return ""  # a fence opens a block only at a line start
    before = sent.rstrip()
    last = before[before.rfind("\n") + 1 :]
    return "lead" if before.endswith(":") else "closed" if _FENCE_LINE.fullmatch(last) else ""


def _wraps_anyway(head: str, opener: re.Match[str], sent: str, announced: str, final: bool) -> bool | None:
    """After a line that may lead into the answer's own block, an opening that still can only be a wrapper.

    A block whose first line opens a block with a shorter fence (```` ````md ```` + ```` ```yaml ````) shows that
    block as its content, which an answer does only to show Markdown source: not when the sent text writes no
    fence that long itself.  And right after a closed block, with no word between, a Markdown block (`md`,
    `markdown`) is no code the answer goes on with.  None while the first line inside is not known yet.
    """
    fence = opener.group(1)
    info = opener.group(0).strip().lstrip(fence[0]).strip().lower()
    if announced == "closed" and info in ("md", "markdown"):
        return True
    if len(fence) < 4 or re.search(rf"(?m)^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}", sent):
        return False
    rest = head[opener.end() :]
    line = rest.split("\n", 1)[0].strip(" \t")
    if "\n" not in rest and not final:
        opens = line.startswith(fence[0] * 3) and len(line) < _MAX_CLOSER_LINE
        return None if opens or fence[0] * len(line) == line else False
    run = len(line) - len(line.lstrip(fence[0]))
    return 3 <= run < len(fence)


def match_fence_wrap(head: str, sent: str, ctx: TextContext, *, final: bool) -> tuple[int, Closer | None]:
    """(length of the wrapper's opening line, its closer) when `head` opens a code block around the rest.

    Only outside code, and not where the sent text's last line introduces a block (or closed one): there a fence
    may open the answer's own block.  (PENDING, None) while the first line may still become such a fence.
    """
    if ctx.in_fence or not head or head[0] not in " `~":
        return 0, None
    first = head.split("\n", 1)[0] if "\n" in head else head
    if "\n" not in head:
        return (PENDING if not final and _MAYBE_OPENER.match(first) else 0), None
    m = _OPENER.match(head)
    if m is None:
        return 0, None
    announced = _announces_block(sent)
    if announced:
        wraps = _wraps_anyway(head, m, sent, announced, final)
        if not wraps:
            return (PENDING if wraps is None else 0), None
    return m.end(), Closer(fence=m.group(1))


def template_closer(raw_head: str, sent_text: str) -> Closer | None:
    """The end-of-turn tokens to drop at the stream's end when the head opened with a template's turn header.

    Not when the sent text writes such a token itself (an answer about chat templates).
    """
    if not raw_head.lstrip().startswith(_TEMPLATE_STARTS):
        return None
    if any(token in sent_text for token in END_OF_TURN):
        return None
    return Closer(tokens=END_OF_TURN)


def _may_hold_tag(sent_text: str, ctx: TextContext) -> bool:
    """The sent text writes markup where it stops, and a tag could come next there.

    Markup is a closing or self-closing tag, a comment or a declaration in the open code block (outside code, in
    the text outside code blocks); generics and `#include <…>` are not.  Inside a tag left open on the last line
    (its attributes) no tag can come next.
    """
    fences = list(FENCE_LINE_RE.finditer(sent_text))
    if ctx.in_fence:
        region = sent_text[fences[-1].end() :] if fences else sent_text
    else:
        # The text outside code blocks: every other fence line opens one, the next closes it.
        parts, at = [], 0
        for k, fence in enumerate(fences):
            if k % 2 == 0:
                parts.append(sent_text[at : fence.start()])
            at = fence.end()
        parts.append(sent_text[at:] if len(fences) % 2 == 0 else "")
        region = "\n".join(parts)
    if _OPEN_TAG_START.search(region[region.rfind("\n") + 1 :]):
        return False
    return _ELEMENT.search(region) is not None


def _in_code(sent_text: str, ctx: TextContext) -> bool:
    """The sent text stops in a code block or a code span (an unclosed run of backticks on its last line)."""
    if ctx.in_fence or ctx.in_inline_code:
        return True
    return len(_BACKTICKS.findall(sent_text[sent_text.rfind("\n") + 1 :])) % 2 == 1


def _stands_apart(sent_text: str, name: str, after: str) -> bool:
    """In code, a tag stands apart from the code's own angle-bracket names (placeholders, includes, filehandles,
    type parameters): at a line start, or followed by a line break where the code uses no `<name>` of its own."""
    line_start = sent_text.rfind("\n") + 1
    if not sent_text[line_start:].strip():
        return True
    if after != "\n":
        return False
    fences = list(FENCE_LINE_RE.finditer(sent_text))
    block = sent_text[fences[-1].end() :] if fences else sent_text[line_start:]
    return _ANGLE_NAME.search(block) is None


def _glued(name: str, after: str) -> bool:
    """A lowercase tag that is no HTML element, glued before a letter, digit or quote: it splits the code's word."""
    return bool(after) and (after.isalnum() or after in "\"'") and name.islower() and name not in HTML_ELEMENTS


#: Chars of a tag's content read for a closer of what it stands in (the wait stays under the seam's buffer).
_MARKUP_SCAN = 400
#: A tag (opening, closing or self-closing) or a fence line, in markup.
_MARKUP_TOKEN = re.compile(r"<(/?)([A-Za-z_][\w:.-]*)([^<>]*)>|^ {0,3}(`{3,}|~{3,})[ \t]*$", re.MULTILINE)


def _closes_outer(content: str, name: str, marker: str, final: bool) -> bool | None:
    """The element `<name>` opens holds a closer of what it stands in before its own: a closing tag it did not open,
    or the fence (`marker`) of the code block it was opened in.  An element nests, so it cannot: the tag wraps the
    continuation.  False when its own closer comes first or nothing tells within `_MARKUP_SCAN` chars; None while
    the content may still tell."""
    window = content[:_MARKUP_SCAN]
    opened: list[str] = []
    for t in _MARKUP_TOKEN.finditer(window):
        fence = t.group(4)
        if fence is not None:
            if t.end() == len(window) and not final and len(content) < _MARKUP_SCAN:
                return None  # the fence line may still go on (an info string opens a block)
            if marker and fence[0] == marker[0] and len(fence) >= len(marker):
                return True
            continue
        tag = t.group(2)
        if not t.group(1):
            if not t.group(3).endswith("/"):
                opened.append(tag)
        elif tag == name:
            return False
        elif tag in opened:
            del opened[len(opened) - 1 - opened[::-1].index(tag) :]
        else:
            return True
    return False if final or len(content) >= _MARKUP_SCAN else None


def match_tag_wrap(head: str, sent_text: str, ctx: TextContext, *, final: bool) -> tuple[int, Closer | None]:
    """(length of an opening tag and the line break after it, its closer) when `head` opens a tag wrapper.

    PENDING while the tag, or whether the element runs on unclosed for `WRAP_RUN` chars, is not known yet.
    """
    lead = len(head) - len(head.lstrip("\n"))  # a tag after blanks on its line is inside the text's line
    body = head[lead:]
    if not body.startswith("<"):
        return (PENDING if not final and not body and lead < _MAX_CLOSER_LINE else 0), None
    m = _TAG_OPENER.match(body)
    if m is None:
        return (PENDING if not final and _MAYBE_TAG.match(body) else 0), None
    name = m.group(1)
    if name.lower() == "details":
        return 0, None  # a collapsible block renders as one: rule AC (`details.py`) weighs it
    if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", sent_text, re.IGNORECASE):
        return 0, None  # the text's own word: a placeholder (`<value>`)
    after = body[m.end() : m.end() + 1]
    if _in_code(sent_text, ctx) and not _stands_apart(sent_text, name, after):
        if not after and not final:
            return PENDING, None  # what follows the tag tells
        if not _glued(name, after):
            return 0, None  # in code, `<T>`, `<STDIN>`, `<iostream>`, `<value>` inside a line are the code's own
    end = m.end() + (1 if body[m.end() : m.end() + 1] == "\n" else 0)
    closer = f"</{name}>"
    content = body[end:]
    if _may_hold_tag(sent_text, ctx):
        # An element of the text's markup, unless it holds what closes an element or block it stands in.
        if name.lower() in HTML_ELEMENTS:
            return 0, None  # HTML leaves elements unclosed (`<li>`, `<br>`): its nesting proves nothing
        outer = _closes_outer(content, name, ctx.fence_marker if ctx.in_fence else "", final)
        if outer is None:
            return PENDING, None
        return (lead + end, Closer(tokens=(closer,))) if outer else (0, None)
    wraps = wraps_rest(content, closer, final=final)
    if wraps is None:
        return PENDING, None
    return (lead + end, Closer(tokens=(closer,))) if wraps else (0, None)


def wraps_rest(content: str, closer: str, *, final: bool, within: int | None = None) -> bool | None:
    """Whether an element whose content so far is `content` wraps the whole rest: its `closer` ends the stream,
    or it runs on unclosed for `WRAP_RUN` chars.  False when it closes and text goes on (the answer's own markup)
    or when a short one never closed (nothing tells); None while not known.  `within`: where a closer is looked
    for (one after it is the stream filter's)."""
    at = content.find(closer, 0, len(content) if within is None else within)
    if at >= 0:
        if content[at + len(closer) :].strip():
            return False
        return True if final else None
    if len(content) < WRAP_RUN:
        return False if final else None
    return True


def _may_close_tokens(segment: str, tokens: tuple[str, ...]) -> bool:
    """`segment` is an end-of-turn token so far, or a whole one followed by whitespace only."""
    body = segment.rstrip()
    if not body:
        return False
    return any(token.startswith(body) if len(body) < len(token) else body == token for token in tokens)


def _may_close_fence(segment: str, fence: str) -> bool:
    """`segment` (starting at a line break) may still become the closing fence line and the stream's end."""
    rest = segment[1:]
    indent = len(rest) - len(rest.lstrip(" "))
    if indent > 3:
        return False
    rest = rest[indent:]
    run = len(rest) - len(rest.lstrip(fence[0]))
    after = rest[run:]
    if not after:
        return True
    return run >= len(fence) and not after.strip()


class TailHold:
    """Passes text through, holding back only the trailing part `_hold_from` says may still be a closer."""

    def __init__(self) -> None:
        self._pending = ""

    def _hold_from(self, text: str) -> int:
        """Where the trailing part that may still be the closer starts (len(text) when there is none)."""
        raise NotImplementedError

    def feed(self, text: str) -> str:
        """The part of `text` (after what was held) that can no longer be the closer."""
        if not text:
            return ""
        text = self._pending + text
        cut = self._hold_from(text)
        self._pending = text[cut:]
        return text[:cut]


class CloserHold(TailHold):
    """Holds back only trailing chars that may still be the wrapper's closer, and drops it at the stream's end."""

    def __init__(self, closer: Closer) -> None:
        super().__init__()
        self._closer = closer

    def _hold_from(self, text: str) -> int:
        """Where the trailing part that may still be the closer starts (len(text) when there is none)."""
        if self._closer.fence:
            low = max(0, len(text) - _MAX_CLOSER_LINE)
            at = text.find("\n", low)
            while at >= 0:
                if _may_close_fence(text[at:], self._closer.fence):
                    return at
                at = text.find("\n", at + 1)
            return len(text)
        for at in range(max(0, len(text) - _MAX_TOKEN - _MAX_CLOSER_LINE), len(text)):
            if text[at] in "<[" and _may_close_tokens(text[at:], self._closer.tokens):
                return at
        return len(text)

    def finish(self) -> str:
        """What was held, without the closer when the stream ended on it."""
        text, self._pending = self._pending, ""
        if self._closer.fence:
            return "" if text and _may_close_fence(text, self._closer.fence) and _closed(text, self._closer) else text
        body = text.rstrip()
        return "" if body in self._closer.tokens else text


def _closed(segment: str, closer: Closer) -> bool:
    """The held segment holds a whole closing fence (not only a line break or part of the run)."""
    run = segment.lstrip("\n ").split("\n", 1)[0].strip()
    return len(run) >= len(closer.fence) and set(run) == {closer.fence[0]}
