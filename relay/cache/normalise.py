"""Prompt text normalised for a cache key: what a person cannot see does not split two prompts apart.

Pure functions, no I/O. The rules, in the order they apply (docs/cache.md gives an example of each):

1. Invisible format characters are removed: ZWSP, BOM, word joiner, soft hyphen, the invisible
   operators, the Mongolian vowel separator and every bidi control. ZWNJ and ZWJ are kept where
   they carry meaning: between letters of the scripts that use them (Arabic, Persian, Syriac,
   the Indic scripts), and ZWJ inside an emoji sequence; elsewhere they are removed too.
2. Line endings are unified: CRLF, CR, NEL, LS and PS become LF.
3. Unicode NFC: precomposed and decomposed accents are the same text.
4. Whitespace outside fenced code blocks: runs of spaces, tabs and other horizontal spaces inside
   a line become one space, trailing whitespace goes, runs of blank lines become one blank line;
   a line's leading indentation is kept. Inside a fence (``` or ~~~) lines are kept verbatim.
5. The whole text is trimmed.

Removing characters comes first, so an invisible character inside a CRLF pair, a code fence or
between a letter and its combining accent is gone before the later rules look at the text, and
normalising twice changes nothing.
"""

from __future__ import annotations

import re
import unicodedata

# Always removed: no visible form, no meaning a model needs.
INVISIBLE = frozenset(
    "\u200b"  # zero width space
    "\ufeff"  # byte order mark / zero width no-break space
    "\u2060"  # word joiner
    "\u00ad"  # soft hyphen
    "\u180e"  # mongolian vowel separator
    "\u2061\u2062\u2063\u2064"  # invisible function application, times, separator, plus
    "\u200e\u200f\u061c"  # left-to-right, right-to-left and arabic letter marks
    "\u202a\u202b\u202c\u202d\u202e"  # bidi embeddings, overrides, pop
    "\u2066\u2067\u2068\u2069"  # bidi isolates
)
ZWNJ = "\u200c"
ZWJ = "\u200d"
_LINE_BREAKS = re.compile("\r\n|[\r\u0085\u2028\u2029]")

# Scripts where ZWNJ and ZWJ select a letter form (Persian "می‌خواهم", Devanagari half forms).
_JOINING_SCRIPTS = (
    (0x0600, 0x08FF),  # Arabic, Syriac, Thaana, NKo, Samaritan, Mandaic, Arabic Extended
    (0x0900, 0x0DFF),  # Devanagari to Sinhala
    (0x0F00, 0x0FFF),  # Tibetan
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0xA8E0, 0xA8FF),  # Devanagari Extended
    (0xFB50, 0xFDFF),  # Arabic Presentation Forms-A
    (0xFE70, 0xFEFF),  # Arabic Presentation Forms-B (U+FEFF itself is removed before this is asked)
)
# Characters an emoji ZWJ sequence is built from (pictographs, their modifiers and VS16).
_EMOJI = (
    (0x00A9, 0x00A9),
    (0x00AE, 0x00AE),
    (0x203C, 0x203C),
    (0x2049, 0x2049),
    (0x2122, 0x2122),
    (0x2139, 0x2139),
    (0x2190, 0x21FF),
    (0x2300, 0x23FF),
    (0x24C2, 0x24C2),
    (0x25A0, 0x27BF),
    (0x2900, 0x297F),
    (0x2B00, 0x2BFF),
    (0x3030, 0x3030),
    (0x303D, 0x303D),
    (0x3297, 0x3299),
    (0xFE0F, 0xFE0F),  # variation selector 16: emoji presentation
    (0x1F000, 0x1FAFF),  # pictographs, emoticons, skin tone modifiers, symbols
    (0xE0020, 0xE007F),  # tag characters (subdivision flags)
)


def _within(char: str, ranges: tuple[tuple[int, int], ...]) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in ranges)


def _joiner_keeps_meaning(joiner: str, before: str, after: str) -> bool:
    """Whether a ZWNJ/ZWJ between `before` and `after` changes how the text reads."""
    if not before or not after:
        return False
    if _within(before, _JOINING_SCRIPTS) and _within(after, _JOINING_SCRIPTS):
        return True
    return joiner == ZWJ and _within(before, _EMOJI) and _within(after, _EMOJI)


_ALWAYS = re.compile("[" + "".join(re.escape(char) for char in sorted(INVISIBLE)) + "]")
_JOINER = re.compile(f"[{ZWNJ}{ZWJ}]")


def remove_invisible(text: str) -> str:
    """Rule 1: invisible format characters removed; ZWNJ/ZWJ kept between the characters that need them.

    A joiner's neighbours are looked up past the characters removed anyway, so a stray ZWSP
    next to a meaningful ZWNJ removes only itself.
    """
    text = _ALWAYS.sub("", text)
    if ZWNJ not in text and ZWJ not in text:
        return text

    def keep(match: re.Match[str]) -> str:
        at = match.start()
        before = text[at - 1] if at else ""
        after = text[at + 1] if at + 1 < len(text) else ""
        return match.group() if _joiner_keeps_meaning(match.group(), before, after) else ""

    return _JOINER.sub(keep, text)


def _is_fence(line: str) -> str | None:
    """The fence a line opens or closes (its run of ` or ~), or None."""
    stripped = line.lstrip()
    for mark in ("```", "~~~"):
        if stripped.startswith(mark):
            return mark[0] * (len(stripped) - len(stripped.lstrip(mark[0])))
    return None


def _prose_line(line: str) -> str:
    """Rule 4 for a line outside code: its indentation kept, inner runs one space, the end trimmed."""
    body = line.lstrip()
    if not body:
        return ""
    return line[: len(line) - len(body)] + " ".join(body.split())


_BLANK_RUN = re.compile(r"\n{3,}")


def collapse_whitespace(text: str) -> str:
    """Rules 4 and 5 on text whose line endings are LF already."""
    if "```" not in text and "~~~" not in text:  # no code: no state to follow from line to line
        text = "\n".join([_prose_line(line) for line in text.split("\n")])
        return _BLANK_RUN.sub("\n\n", text).strip()
    return collapse_by_line(text)


def collapse_by_line(text: str) -> str:
    """Rules 4 and 5 a line at a time, following code fences."""
    out: list[str] = []
    fence: str | None = None  # the open fence's marks while inside a code block
    blank = False
    for line in text.split("\n"):
        mark = _is_fence(line)
        if fence is not None:
            if mark is not None and mark[0] == fence[0] and len(mark) >= len(fence) and not line.strip(mark[0] + " \t"):
                fence = None
                out.append(_prose_line(line))
            else:
                out.append(line)
            blank = False
            continue
        if mark is not None:
            fence = mark
        line = _prose_line(line)
        if not line:
            if blank:
                continue
            blank = True
        else:
            blank = False
        out.append(line)
    return "\n".join(out).strip()


def normalise_text(text: str) -> str:
    """One text as the cache key sees it (rules 1 to 5); normalising it again changes nothing."""
    text = remove_invisible(text)
    text = _LINE_BREAKS.sub("\n", text)
    text = unicodedata.normalize("NFC", text)
    return collapse_whitespace(text)
