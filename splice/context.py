"""What structure the sent text is in at its end: a code fence, a list, a table, JSON…

Both the continuation prompt ("you stopped inside a Python code block") and the
seam repair (drop a re-opened fence, renumber a restarted list) need to know.
The scanner is a light, line-based approximation of CommonMark, good enough for
LLM output; it never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .normalize import is_word_char

__all__ = [
    "TextContext",
    "ListItem",
    "analyse",
    "analyse_tail",
    "line_kind",
    "FENCE_RE",
    "FENCE_LINE_RE",
    "NUMBERED_RE",
]

#: A fence line (CommonMark: up to three spaces of indentation): its indentation, its marker and its info string.
FENCE_RE = re.compile(r"( {0,3})(`{3,}|~{3,})([^\n]*)")
#: Every fence line of a text, with its line break (for `finditer`).
FENCE_LINE_RE = re.compile(rf"(?m)^{FENCE_RE.pattern}\n")
NUMBERED_RE = re.compile(r"^([ \t]*)(\d{1,9})([.)])(?=[ \t]|$)")
BULLET_RE = re.compile(r"^([ \t]*)([-*+])(?=[ \t])")
MARKUP_ONLY_RE = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)]|#{1,6}|>|\|)?[ \t]*$")
_HEADING_RE = re.compile(r"#{1,6}(\s|$)")
_FENCE_TICKS_RE = re.compile(r"`{3,}")
_INLINE_CODE_RE = re.compile(r"`[^`]*`")


@dataclass(frozen=True)
class ListItem:
    indent: str
    number: int
    delimiter: str


@dataclass(frozen=True)
class TextContext:
    in_fence: bool = False
    fence_marker: str = ""
    fence_lang: str = ""
    fence_open_offset: int = -1  # raw offset of the opening fence line
    line_start: int = 0  # raw offset where the last (partial) line starts
    numbered_item: ListItem | None = None  # the numbered list the text is in, if any
    in_list: bool = False  # numbered or bulleted
    in_table: bool = False
    in_inline_code: bool = False
    in_bold: bool = False
    in_json: bool = False
    in_json_string: bool = False
    mid_word: bool = False  # ends with a word char, no boundary after it


_FOOTNOTE_RE = re.compile(r"^\[\^[^\]\s]+\]:")
#: A lettered or roman item: "(a) ", "b) ", "(iv) ", "(B) ".
_LETTERED_RE = re.compile(r"^[ \t]*\(?(?:[a-zA-Z]|[ivxlc]{1,6}|[IVXLC]{1,6})\)[ \t]")


def line_kind(line: str) -> str:
    """Coarse block type of one line: blank, fence, heading, numbered, bullet, table, quote, footnote, lettered,
    indented, prose."""
    if not line.strip():
        return "blank"
    if FENCE_RE.match(line):
        return "fence"
    stripped = line.lstrip()
    if stripped.startswith("#") and _HEADING_RE.match(stripped):
        return "heading"
    if NUMBERED_RE.match(line):
        return "numbered"
    if BULLET_RE.match(line):
        return "bullet"
    if stripped.startswith("|"):
        return "table"
    if stripped.startswith(">"):
        return "quote"
    if _FOOTNOTE_RE.match(line):
        return "footnote"
    if _LETTERED_RE.match(line):
        return "lettered"
    if line.startswith(("    ", "\t")):
        return "indented"
    return "prose"


def _fence_state(lines: list[str]) -> tuple[bool, str, str, int]:
    """(in_fence, marker, lang, index of the opening line)."""
    in_fence = False
    marker = ""
    lang = ""
    opened = -1
    for i, line in enumerate(lines):
        m = FENCE_RE.match(line)
        if not m:
            continue
        fence, info = m.group(2), m.group(3).strip()
        if not in_fence:
            if fence[0] == "`" and "`" in info:
                continue  # not a fence: an inline code span
            in_fence, marker, lang, opened = True, fence, info.split()[0] if info else "", i
        elif fence[0] == marker[0] and len(fence) >= len(marker) and not info:
            in_fence, marker, lang, opened = False, "", "", -1
    return in_fence, marker, lang, opened


def _json_state(text: str) -> tuple[bool, bool]:
    """(inside an unfinished JSON value, inside a JSON string) for text that is JSON so far."""
    depth = 0
    in_string = False
    escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
    return depth > 0, in_string


def analyse(text: str) -> TextContext:
    lines = text.split("\n")
    line_start = len(text) - len(lines[-1])
    in_fence, marker, lang, opened_idx = _fence_state(lines)
    fence_open_offset = -1
    if in_fence:
        fence_open_offset = sum(len(line) + 1 for line in lines[:opened_idx])

    numbered: ListItem | None = None
    in_list = False
    in_table = False
    if not in_fence:
        last = lines[-1]
        in_table = last.lstrip().startswith("|") or (
            not last.strip() and len(lines) > 1 and lines[-2].lstrip().startswith("|") and not text.endswith("\n\n")
        )
        for line in reversed(lines):
            kind = line_kind(line)
            if kind == "blank":
                continue
            if kind == "numbered":
                m = NUMBERED_RE.match(line)
                assert m is not None
                numbered = ListItem(m.group(1), int(m.group(2)), m.group(3))
                in_list = True
                break
            if kind == "bullet":
                in_list = True
                if not line[:1].isspace():
                    break
                continue
            if kind == "indented" or line[:1] in (" ", "\t"):
                continue  # continuation of an item, or a nested item
            break

    # Inline spans are scoped to the current paragraph.
    para_start = text.rfind("\n\n") + 1
    para = text[para_start:] if not in_fence else ""
    para_no_fences = _FENCE_TICKS_RE.sub("", para)
    in_inline_code = para_no_fences.count("`") % 2 == 1
    in_bold = not in_inline_code and _INLINE_CODE_RE.sub("", para_no_fences).count("**") % 2 == 1

    json_region = ""
    if in_fence and lang.lower() in ("json", "jsonc", "json5", "jsonl"):
        json_region = text[fence_open_offset:].split("\n", 1)[1] if "\n" in text[fence_open_offset:] else ""
    elif text.lstrip().startswith(("{", "[")):
        json_region = text
    in_json, in_json_string = _json_state(json_region) if json_region else (False, False)

    return TextContext(
        in_fence=in_fence,
        fence_marker=marker,
        fence_lang=lang,
        fence_open_offset=fence_open_offset,
        line_start=line_start,
        numbered_item=numbered,
        in_list=in_list,
        in_table=in_table,
        in_inline_code=in_inline_code,
        in_bold=in_bold,
        in_json=in_json,
        in_json_string=in_json_string,
        mid_word=bool(text) and is_word_char(text[-1]),
    )


def analyse_tail(tail: str, whole: str | None) -> TextContext:
    """The context at the end of `tail`, read from `whole` (everything sent) when the tail is its end.

    The tail may start inside a code block, a list or a JSON value whose opening it no longer holds; the
    structure is the whole text's.  Offsets are the tail's (an opening before it is at 0).
    """
    if not whole or len(whole) <= len(tail) or not whole.endswith(tail):
        return analyse(tail)
    ctx = analyse(whole)
    shift = len(whole) - len(tail)
    fence_open = max(0, ctx.fence_open_offset - shift) if ctx.fence_open_offset >= 0 else -1
    return replace(ctx, fence_open_offset=fence_open, line_start=max(0, ctx.line_start - shift))


def is_markup_only(line: str) -> bool:
    """True for a line prefix that holds only a list/quote/table/heading marker."""
    return bool(MARKUP_ONLY_RE.match(line))
