"""Join the sent text and the continuation with exactly the whitespace one writer would use.

The sent text normally ends in whitespace (the hold-back releases words with the
whitespace after them), so the usual faults are a doubled space or blank line
(the fallback re-emits the whitespace), a lost paragraph break (it drops the
newline) and, when the sent text ends inside a long word or no-space script, a
space wrongly inserted.  Only the continuation's leading whitespace is ever
changed: the sent text is immutable.
"""

from __future__ import annotations

import math
import re
import unicodedata

from .context import FENCE_LINE_RE, TextContext, line_kind
from .normalize import is_grapheme_extender, is_nospace_char, is_nospace_punct, is_pictograph, is_word_char

__all__ = ["join_whitespace"]

_LEADING_WS = re.compile(r"\A\s*")
_TRAILING_WS = re.compile(r"\s*\Z")
_SPACE_AFTER = ",;:!?)]}\"'”’»"
_BIDI_MARKS = "\u200e\u200f\u061c"  # LRM, RLM, ALM
_PRECEDENT_SCAN = 3000  # chars of the sent text read for how it follows a mark or a pictograph
_LONG_OPTION = re.compile(r"--[A-Za-z]")
_LIST_MARKER = re.compile(r"\A[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]")


def _line_indent(ws: str) -> str:
    """The spaces/tabs after the last newline of a whitespace run."""
    return ws[ws.rfind("\n") + 1 :]


def _blank_line_wanted(sent: str, body: str, ctx: TextContext, *, habit: bool = True) -> bool:
    """Sent ends with one newline and the continuation has none: was a blank line due?

    Decided from how the sent text itself separated the same two kinds of block
    before; without precedent, from Markdown habit (paragraphs and headings get a
    blank line, consecutive items of a list or table do not).  Rule D (own blocks): a text's own structure in
    prose lines is read as such: a line that is one bold span alone is a pseudo-heading, whose habit (content right
    under it, or after a blank line) holds whatever block follows it; a line under a bullet Markdown does not know
    (`– `, `• `, `→ `) is an item.  A line that ends in a hard line break (two spaces) has not ended its
    paragraph: the next line is the paragraph's, whatever the habit.  Without `habit`, only a precedent the text
    kept every time (three times or more), or a closing fence, says so.
    """
    if ctx.in_json:
        return False
    if not sent.endswith("\n") or sent.endswith("\n\n"):
        return False
    if ctx.in_fence:
        return _code_blank_lines(sent, body, ctx) > 0
    lines = sent.rstrip("\n").split("\n")
    prev_kind = _block_kind(lines[-1])
    next_kind = _block_kind(body.split("\n", 1)[0])
    closed = prev_kind == "fence" and not ctx.in_fence  # a closing fence ends a block like a paragraph's end
    if (
        prev_kind in ("blank", "indented")
        or (prev_kind == "fence" and not closed)
        or next_kind in ("blank", "indented")
    ):
        return False
    if next_kind == "fence" and prev_kind not in ("prose", "heading", "bold heading"):
        return False
    if prev_kind == next_kind == "prose" and lines[-1].rstrip()[-1:] in ",;":
        return False  # a line that ends in "," or ";" has not ended its sentence, whatever paragraphs did
    if lines[-1].strip() and lines[-1].endswith("  "):
        return False  # a line that ends in a hard line break (two spaces) has not ended its paragraph
    if _closes_open_block(sent, body.split("\n", 1)[0].strip()):
        return False  # "\\end{theorem}" belongs to the block the sent text opened
    votes = against = 0
    kinds = [_block_kind(line) for line in lines[:-1]]
    # A pseudo-heading's habit holds whatever block follows it (its items, its paragraph).
    pair = (prev_kind, "*" if prev_kind == "bold heading" else next_kind)
    in_fence = False
    for i in range(1, len(kinds)):
        if kinds[i - 1] == "fence":
            in_fence = not in_fence
        if in_fence or kinds[i] == "blank" or kinds[i - 1] == "blank":
            continue
        # consecutive non-blank lines i-1, i: no blank line between
        if (kinds[i - 1], "*" if pair[1] == "*" else kinds[i]) == pair:
            votes -= 1
            against += 1
    for i in range(2, len(kinds)):
        if kinds[i - 1] == "blank" and kinds[i - 2] not in ("blank",) and kinds[i] != "blank":
            if (kinds[i - 2], "*" if pair[1] == "*" else kinds[i]) == pair:
                votes += 1
    if not habit and (against or votes < 3):
        return closed and not votes  # without habit, only a precedent the text kept every time, three times or more
    if votes:
        return votes > 0
    if closed:
        return True  # a closed code block is set apart from what follows, like a paragraph
    if not habit:
        return False
    if not any(c.isalnum() for c in lines[-1]) or _OPENS_BLOCK.fullmatch(lines[-1].strip()):
        return False  # a delimiter line ("$$", "---", "}", "\\begin{proof}") is no paragraph: no blank line by habit
    if prev_kind == next_kind and prev_kind in ("numbered", "bullet", "table", "quote", "footnote", "lettered"):
        return False
    if prev_kind == next_kind == "prose" and (lines[-1].rstrip()[-1:] in ",;" or body[:1].islower()):
        return False  # a paragraph does not end mid-sentence: the next line is the same paragraph's
    if prev_kind in ("numbered", "bullet") and next_kind in ("numbered", "bullet"):
        return False
    return True


#: A line that is one bold span alone (`**Expected result**`, `**Notes:**`): a pseudo-heading.
_BOLD_HEADING = re.compile(r"(\*\*|__)[^*_\n]+\1:?")
#: A line that starts with a dash or bullet Markdown does not know (`– HTTP/3`, `• eggs`, `→ next`): an item.
_OWN_BULLET = re.compile(r"[ \t]*[–—•·▪►➤→✓✔★][ \t]+\S")


def _block_kind(line: str) -> str:
    """`line_kind`, with two kinds of prose line a text writes as structure told apart (rule D (own blocks)): a
    pseudo-heading in bold alone on its line, and an item under a bullet of the text's own."""
    kind = line_kind(line)
    if kind != "prose":
        return kind
    if _BOLD_HEADING.fullmatch(line.strip()):
        return "bold heading"
    return "bullet" if _OWN_BULLET.match(line) else kind


_BLOCK_END = re.compile(r"(?:\}|end)[;)]?")
#: A line that only opens or closes an environment: LaTeX's "\\begin{proof}" / "\\end{proof}", an HTML tag.
_OPENS_BLOCK = re.compile(r"\\begin\{[^}\n]+\}(?:\[[^\]\n]*\])?|<[A-Za-z][\w:-]*(?:\s[^<>\n]*)?>")
_CLOSES_BLOCK = re.compile(r"\\end\{([^}\n]+)\}|</([A-Za-z][\w:-]*)>")


def _closes_open_block(sent: str, line: str) -> bool:
    """Whether `line` only closes an environment, element or display-math block the sent text opened."""
    if line == "$$":
        return sent.count("$$") % 2 == 1
    if line == "\\]":
        return sent.count("\\[") > sent.count("\\]")
    m = _CLOSES_BLOCK.fullmatch(line)
    if m is None:
        return False
    if m.group(1) is not None:
        name = re.escape(m.group(1))
        opened, closed = rf"\\begin\{{{name}\}}", rf"\\end\{{{name}\}}"
    else:
        name = re.escape(m.group(2))
        opened, closed = rf"<{name}(?=[\s>])", rf"</{name}>"
    return len(re.findall(opened, sent)) > len(re.findall(closed, sent))


_PY_TOP_LEVEL_DEF = re.compile(r"(?:async def|def|class)\b|@\w")


def _code_blank_lines(sent: str, body: str, ctx: TextContext) -> int:
    """In code, the blank lines due between the sent text's last line and a new top-level line.

    Code separates top-level blocks (functions, resources, classes) with a blank line: after the line that
    closes one (`}`, `end` at column 0), one; in Python before a top-level `def`, `class` or decorator
    after another top-level line, two (PEP 8).
    """
    last = sent.rstrip("\n").rsplit("\n", 1)[-1]
    if not last.strip():
        return 0
    if last[:1].isspace():
        closes = body[:1] in ("`", "~")  # the closing fence (maybe not all here yet) is no line of the code
        if not body[:1].strip() or closes:
            return 0
        if _SECTION_COMMENT.match(body) and last.rstrip()[-1:] in ";}" and not _SECTION_COMMENT.match(last.lstrip()):
            return 1  # a comment at column 0 after a statement's end opens the next section
        return _outdent_blank_lines(sent)
    if ctx.fence_lang.lower() in ("python", "py") and _PY_TOP_LEVEL_DEF.match(body):
        return 0 if last.startswith("@") or last.rstrip().endswith(":") else 2
    return 1 if _BLOCK_END.fullmatch(last.rstrip()) and (body[:1].isalpha() or body[:1] in "@#/") else 0


_SECTION_COMMENT = re.compile(r"(?:--|//|/\*|#|;)[ \t]")


def _outdent_blank_lines(sent: str) -> int:
    """Rule B (precedent): the blank lines the open code block puts before a line at column 0 after an indented one.

    A block that so far separated every such line (`section .text` after `    len equ $ - msg`) with blank lines
    separates the next one the same way; one that did not, or has no such line yet, gets none.
    """
    fences = list(FENCE_LINE_RE.finditer(sent))
    block = sent[fences[-1].end() :] if fences else sent
    counts: list[int] = []
    indented = False
    blanks = 0
    for line in block.split("\n")[:-1]:
        if not line.strip():
            blanks += 1
            continue
        if indented and not line[:1].isspace():
            counts.append(blanks)
        indented = line[:1].isspace()
        blanks = 0
    return min(counts) if counts and min(counts) > 0 else 0


_ITEM_LINE = re.compile(r"[ \t]*(?:\d{1,9}[.)]|[-*+])[ \t]+(?=\S)")


def _item_continuation(sent: str, body: str) -> str:
    """Rule I (items): a line after an item's line that is no item continues it, indented like its text.

    Only where the sent text's items did so before (`1. **Question?**` then `   Yes. …`); the indentation is
    the item's text offset.
    """
    lines = sent.rstrip("\n").split("\n")
    m = _ITEM_LINE.match(lines[-1])
    if m is None or _ITEM_LINE.match(body) or line_kind(body.split("\n", 1)[0]) != "prose":
        return ""
    width = m.end()
    for line, after in zip(lines[:-2], lines[1:-1]):
        item = _ITEM_LINE.match(line)
        if item and item.end() == width and after[:width] == " " * width and after[width : width + 1].strip():
            return " " * width
    return ""


_CLOSING_LINE = re.compile(r"[)\]}]|end\b|</")


def _indent_width(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _finishes_indent(sent: str, ctx: TextContext, ia: str, b: str, body: str) -> bool:
    """Rule I: the sent text stops inside a line's indentation `ia`; do the fallback's spaces `b` finish it?

    They either finish the indentation or say it again (fewer than sent: its end, merged into it).  The reading
    that fits the block wins: the width its other lines use and not the other; a multiple of its indentation
    step (seen in two widths or more) and not the other; after a line that opens a block (ends in `{`, `(`, `[`
    or `:`, or opens an element), the only reading deeper than that line, or when both are, the one that is a
    multiple of the block's even step (of two spaces while it has no indented line) and not the other; after any other
    line, the reading that keeps its indentation, unless the new line closes a block.  Otherwise they say it again.
    """
    if not (b.startswith(ia) or ia.startswith(b)):
        return False
    added, restated = len(ia) + len(b), max(len(ia), len(b))
    block = sent[ctx.fence_open_offset :] if ctx.in_fence and ctx.fence_open_offset >= 0 else sent
    lines = [line for line in block.split("\n")[:-1] if line.strip()]
    widths = {len(line) - len(line.lstrip(" ")) for line in lines}
    if added in widths and restated not in widths:
        return True
    step = 0
    for width in widths:
        step = math.gcd(step, width)
    if len(widths - {0}) > 1 and step > 1 and added % step == 0 and restated % step:
        return True
    if not lines:
        return False
    previous = _indent_width(lines[-1])
    if lines[-1].rstrip()[-1:] in ("{", "(", "[", ":") or _OPENS_BLOCK.fullmatch(lines[-1].strip()):
        if restated <= previous:
            return previous < added
        if step % 2:
            return False  # an odd step is no indentation step (a diff's " " column): no reading fits better
        unit = step or 2  # both readings deeper: the one in the block's step (or two spaces) wins
        return added % unit == 0 and restated % unit != 0
    return added == previous != restated and not _CLOSING_LINE.match(body)


def _inside_alignment_run(sent: str, a: str, b: str, ctx: TextContext) -> bool:
    """Sent ends in spaces after a code line's or table row's content, and the continuation starts with spaces.

    A run of spaces inside such a line lines columns up (`Team        = "data"`, a padded table cell); when
    the run is longer than the one separating space (sent or continuation side), the continuation's spaces
    finish it rather than say a separator again.
    """
    line = sent[sent.rfind("\n") + 1 : len(sent) - len(a)]
    if not line.strip() or "\t" in a + b:
        return False
    if not (ctx.in_fence or line.lstrip().startswith("|")):
        return False
    return len(a) >= 2 or len(b) >= 2


def _needs_space(sent: str, body: str, ctx: TextContext) -> bool:
    """Sent ends without whitespace and the continuation starts without: insert a space?"""
    last, first = sent[-1], body[0]
    if (ctx.in_fence or ctx.in_inline_code) and is_word_char(last) and _LONG_OPTION.match(body):
        return True  # "relay serve" + "--port": a long option follows a space, never a word
    if ctx.in_fence or ctx.in_inline_code or ctx.in_json:
        return False
    line = sent[sent.rfind("\n") + 1 :]
    if first == "|" and line.lstrip().startswith("| ") and " | " in line and not last.isspace():
        return True  # a table row whose cells are padded: a cell's end follows a space
    if is_nospace_char(last) or is_nospace_punct(last) or is_nospace_char(first) or is_nospace_punct(first):
        return False
    closer = _run_closer(sent)
    if closer is not None and is_word_char(first):
        return _space_after(sent, closer)  # rule N (runs): "\u200ev2.4\u200f" + "כוללת", "- ⚠️" + "Each"
    if is_word_char(last):
        return False  # a long word released by the hold-back cap: this is its continuation
    if not is_word_char(first):
        return False
    if first.isdigit() and len(sent) > 1 and sent[-2].isdigit():
        return False  # "9," + "870": a digit group, not two words run together
    if last in "'’" and len(sent) > 1 and sent[-2].isalpha() and not _quote_opened(line, last):
        return False  # an apostrophe between letters is inside a word ("Here'" + "s", "ha'" + "olam")
    if last in _SPACE_AFTER:
        return True
    return last == "." and first.isupper()


def _run_closer(sent: str) -> str | None:
    """What the sent text ends with if a word cannot go straight on after it: a directional mark ending an
    embedded run, or a pictograph (an emoji or a dingbat, with its variation selector or skin tone)."""
    last = sent[-1]
    if last in _BIDI_MARKS:
        return last
    end = len(sent)
    while end and _presentation(sent[end - 1]):
        end -= 1
    if end and _pictograph(sent[end - 1], sent[end : end + 1] == "\ufe0f"):
        return "So"
    return None


def _presentation(c: str) -> bool:
    """A variation selector or a skin tone: it dresses the pictograph before it."""
    return "\ufe00" <= c <= "\ufe0f" or "\U0001f3fb" <= c <= "\U0001f3ff"


def _pictograph(c: str, emoji_style: bool) -> bool:
    """An emoji or a dingbat, which a word follows after a space; not a key or a music symbol (`⌘C`, `B♭m7`),
    unless a variation selector asks for its emoji style."""
    return is_pictograph(c) or (emoji_style and unicodedata.category(c) == "So")


def _closer_at(text: str, i: int, closer: str) -> bool:
    c = text[i]
    return c == closer if closer != "So" else _pictograph(c, text[i + 1 : i + 2] == "\ufe0f")


def _space_after(sent: str, closer: str) -> bool:
    """A space goes between `closer` (see `_run_closer`) and a word: as the sent text does elsewhere, or, with no
    precedent, after a pictograph, and after a mark that follows a word (it closes a run; after a space it opens
    one)."""
    scan = sent[-_PRECEDENT_SCAN:-1]
    spaced = glued = 0
    for i in range(len(scan) - 1):
        if not _closer_at(scan, i, closer):
            continue
        j = i + 1
        while j < len(scan) and _presentation(scan[j]):
            j += 1
        if j + 1 < len(scan) and scan[j] == " " and is_word_char(scan[j + 1]):
            spaced += 1
        elif j < len(scan) and is_word_char(scan[j]) and not is_grapheme_extender(scan[j]):
            glued += 1
    if spaced or glued:
        return spaced >= glued
    if closer == "So":
        return True
    before = sent.rstrip(_BIDI_MARKS)[-1:]
    return bool(before) and not before.isspace()


def _quote_opened(line: str, mark: str) -> bool:
    """The line opens a quote with `mark` (at its start or after a space or an opener), which it may close."""
    opener = "‘" if mark == "’" else mark
    return any(c == opener and (i == 0 or line[i - 1] in ' \t([{"“') for i, c in enumerate(line))


def join_whitespace(
    sent: str,
    rest: str,
    ctx: TextContext,
    *,
    additive: bool = False,
    repeated: bool = False,
    run_complete: bool = False,
) -> tuple[str, bool]:
    """Return `rest` with its leading whitespace fixed to fit after `sent`, and whether it changed.

    `additive`: the fallback saw the sent text *with* its trailing whitespace
    (prefill without stripping) and continues it exactly, so the whitespace it
    starts with is its own and is kept as written.  Otherwise (instruct mode,
    stripped prefill, or the head after a cut repeat) its leading whitespace
    re-states the sent whitespace and the two are merged.  `repeated`: `rest`
    follows words the fallback said again, so a run of alignment spaces it
    starts with is the whole run said again.  `run_complete`: the primary had already written the
    word after the sent text's trailing spaces (the hold-back dropped it), so the run is whole and the
    fallback's spaces say it again.
    """
    if not rest or not sent or additive:
        return rest, False
    trailing, leading = _TRAILING_WS.search(sent), _LEADING_WS.match(rest)
    assert trailing is not None and leading is not None  # both patterns match the empty string
    a, b = trailing.group(), leading.group()
    body = rest[len(b) :]
    if not body:
        return rest, False
    na, nb = a.count("\n"), b.count("\n")
    ia, ib = _line_indent(a), _line_indent(b)
    structured = (
        ctx.in_fence or ctx.in_json or bool(_LIST_MARKER.match(body)) or line_kind(body.split("\n", 1)[0]) == "table"
    )
    if not a and nb == 0 and is_grapheme_extender(body[0]):
        new_b = ""  # a joiner, selector, modifier or mark attaches to the sent char: nothing goes between
    elif not a:
        if not b:
            new_b = " " if _needs_space(sent, body, ctx) else ""
        elif nb == 0 and (is_nospace_char(sent[-1]) or is_nospace_punct(sent[-1]) or is_nospace_char(body[0])):
            new_b = ""  # no spaces inside CJK text
        else:
            new_b = b
    elif nb == 0:
        if na == 0 and not run_complete and _inside_alignment_run(sent, a, b, ctx):
            # The sent text stopped inside a run of alignment spaces: the fallback's are the rest of it, or,
            # after words said again, the whole run again.
            new_b = b[len(a) :] if repeated else b
        elif na == 0:
            new_b = ""  # a space is already sent; never double it
        elif structured or ia:
            new_b = b[len(ia) :] if b.startswith(ia) else ("" if ia else b)  # indentation of a nested item / code
            if ia and new_b != b and _finishes_indent(sent, ctx, ia, b, body):
                new_b = b  # the sent text stopped inside the indentation and the fallback gives the rest of it
        else:
            new_b = ""  # a stray space at the start of a prose line
        if not new_b and na == 1 and not ia and not ctx.in_fence and not ctx.in_json:
            new_b = _item_continuation(sent, body)
        if not new_b and na == 1 and not ia and _blank_line_wanted(sent, body, ctx):
            new_b = "\n" * (_code_blank_lines(sent, body, ctx) if ctx.in_fence else 1)
    else:
        total = max(na, nb)
        if ctx.in_fence and na == 1:
            # Blank lines between top-level blocks; the line's own indentation says whether it is one.
            total = max(total, 1 + _code_blank_lines(sent, ib + body, ctx))
        elif na == 1 and not repeated and _blank_line_wanted(sent, body, ctx, habit=False):
            total = max(total, 2)  # a line break of its own gives the blank line the text's precedent wants
        if not ctx.in_fence:
            total = min(total, 2)  # Markdown: one blank line is as good as many
        extra = max(0, total - na)
        if extra:
            new_b = "\n" * extra + ib
        else:
            # The line breaks are already sent; add only indentation still missing.
            new_b = ib[len(ia) :] if ib.startswith(ia) else ("" if ia else ib)
    return new_b + body, new_b != b
