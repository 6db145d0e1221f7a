"""What a fallback writes before the genuine continuation, read by its shape rather than by its words (rule J).

A fallback told to continue often sets its message apart before resuming: a thematic break, an elision mark in
brackets, an elision comment in the code's comment syntax, the code block closed and opened again, a quote of
the words it resumes from, a line break in mid-sentence, a lead-in in another script, the cut word spelled
again from its start.  None of them carries content of the answer.  `strip_lead` removes them, one after the
other, where the text itself could not go on with them; each guard names the case where it could.

Rule L (markers): a sent line cut inside a marker ("`" of a fence, "*" of "**") is completed by a head that
starts with the rest of it; that head is no restart of the line (see `completes_marker`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .context import FENCE_RE, TextContext, line_kind
from .normalize import is_nospace_char, is_word_char, normalize
from .preamble import PENDING as PREAMBLE_PENDING
from .preamble import match_preamble

__all__ = ["COMMENT_LEADER", "PENDING", "completes_marker", "elision_comment", "respelled_word", "strip_lead"]

PENDING = -1

_ELLIPSIS = r"(?:\.{2,}|…+|⋯+)"
_BRACKETS = {
    "[": "]",
    "(": ")",
    "{": "}",
    "<": ">",
    "【": "】",
    "（": "）",
    "「": "」",
    "«": "»",
    "〔": "〕",
    "［": "］",
}
#: An elision mark: an ellipsis in any bracket ("[…]", "(...)", "【…】").
_MARK_RE = re.compile("|".join(rf"{re.escape(o)}[ \t]*{_ELLIPSIS}[ \t]*{re.escape(c)}" for o, c in _BRACKETS.items()))
#: A thematic break: three or more of one of `-`, `*`, `_`, spaces allowed between them.
_RULE_RE = re.compile(r"[ \t]{0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})")
_DECORATION = set("-*_=~.…·•⋯[](){}<>【】（）「」«»〔〕［］ \t")
_BLANKS_RE = re.compile(r"(?:[ \t]*\n)+")
#: What a comment starts with, in any language ("[" for a bare "[...]", not a spread "[...items]"), as opposed to
#: code ("= { ... }").
COMMENT_LEADER = re.compile(
    r"(?://|/\*|#|--|;|%|<!--|\(\*|\{-|\*|!|'|⍝|(?i:rem)(?=[ \t])|\[[ \t]*(?:\.{2,}|…+)[ \t]*\])"
)
_BLOCK_KINDS = ("heading", "numbered", "bullet", "table", "fence", "quote")
_MAX_LINE = 200
_MAX_FOREIGN = 40
_COLONS = ":：︰"
_FOREIGN_END = ".!。！"


@lru_cache(maxsize=4096)
def _script(c: str) -> str:
    """The script a letter belongs to, by its Unicode name's first word (Han and kana read as one)."""
    name = unicodedata.name(c, "")
    first = name.split(" ", 1)[0]
    if first in ("CJK", "HIRAGANA", "KATAKANA", "HALFWIDTH", "IDEOGRAPHIC"):
        return "CJK"
    return first


def _scripts(text: str) -> set[str]:
    if text.isascii():
        return {"LATIN"} if any(c.isalpha() for c in text) else set()
    return {_script(c) for c in set(text) if c.isalpha()}


def _line_at(head: str, i: int) -> tuple[str, int] | None:
    """The line starting at `i` without its line break, and the offset after the break; None if it has no break."""
    nl = head.find("\n", i)
    if nl == -1:
        return None
    return head[i:nl], nl + 1


def _blank_after(head: str, j: int) -> int:
    m = _BLANKS_RE.match(head, j)
    return m.end() if m else j


def _mid_line(sent: str) -> bool:
    """The sent text stops inside a line that has content (not at a line start)."""
    return bool(sent[sent.rfind("\n") + 1 :].strip())


def _trailing_marks(text: str) -> int:
    """Where the ellipses (two dots or more, `…`, `⋯`) and closing quotes that end `text` begin.

    A scan from the end: a regex of repeated ellipses anchored at the end backtracks exponentially on a run of dots
    that does not end the text, and the text is the fallback's.
    """
    end = len(text)
    while end:
        c = text[end - 1]
        if c == ".":
            start = end
            while start and text[start - 1] == ".":
                start -= 1
            if end - start < 2:
                break
            end = start
        elif c in "…⋯\"”’»“'":
            end -= 1
        else:
            break
    return end


def _is_mark(c: str) -> bool:
    """Punctuation of a comment's leader or closer: not a word character, a space or an ellipsis."""
    return not (c.isalnum() or c == "_" or c.isspace() or c in ".…")


def _without_leader_and_closer(body: str) -> str:
    """A comment line without its leader and closer (`// `, `<!-- -->`, `(* *)`), in one pass each way."""
    start, end = 0, len(body)
    while start < end and _is_mark(body[start]):
        start += 1
    while end > start and _is_mark(body[end - 1]):
        end -= 1
    return body[start:end].strip()


def _uses_rules(sent: str) -> bool:
    """The sent text has a thematic break of its own outside code (then one at a block boundary may be the text's)."""
    in_code = False
    for line in sent.split("\n"):
        if FENCE_RE.match(line):
            in_code = not in_code
        elif not in_code and _RULE_RE.fullmatch(line.rstrip()):
            return True
    return False


def _row_complete(sent: str) -> bool:
    """The sent text's last line is a table row that ends with its closing pipe and is the table's first row or
    has as many cells as the row above it: the row is whole, and a line break after it is the table's."""
    lines = sent.rsplit("\n", 2)
    row = lines[-1].strip()
    above = lines[-2].strip() if len(lines) > 1 else ""
    return row.endswith("|") and (not above.startswith("|") or row.count("|") == above.count("|"))


def _decoration(sent: str, head: str, whole: str, final: bool, prefill: bool = False) -> tuple[int, int]:
    """A thematic break or an elision mark (an ellipsis in brackets) at the head's start: (chars it takes, leading
    whitespace kept), (0, 0) if none, (PENDING, 0) while the head could still become one.

    A mark inside a line goes with the spaces after it, except right after a word with none before the
    mark, where they stand between the words; a mark or a break on a line of its own goes with its line
    breaks.  The whitespace before it is the text's, except line breaks when the sent text stops inside a
    line.  A thematic break at a block boundary is the text's when the text uses such breaks itself, and in
    prefill mode when a block starts after it (a heading, an item, a table, a fence, a quote).
    """
    j = len(head) - len(head.lstrip(" \t\n"))
    ours = _mid_line(sent) and "\n" in head[:j]
    keep = 0 if ours else j
    rest = head[j:]
    if not rest:
        return 0, 0
    m = _MARK_RE.match(rest)
    if m:
        after = rest[m.end() :]
        if not after and not final:
            return PENDING, 0
        k = j + m.end()
        if not after.strip(" \t") or after.lstrip(" \t")[:1] == "\n":
            return _blank_after(head, k + len(after) - len(after.lstrip(" \t"))), keep
        if sent[-1:].strip() and not keep:
            return k, keep  # after a word, the spaces after the mark stand between the words
        return k + len(after) - len(after.lstrip(" \t")), keep  # or those before it do
    line = _line_at(head, j)
    if line is None:
        if not final and len(rest) <= 20 and set(rest) <= _DECORATION:
            return PENDING, 0
        if not final:
            return 0, 0
        line = (rest, len(head))
    text, end = line
    if not _RULE_RE.fullmatch(text.rstrip()):
        return 0, 0
    if not _mid_line(sent) and _uses_rules(whole):
        return 0, 0
    rest_at = _blank_after(head, end)
    if prefill:
        first = head[rest_at:].split("\n", 1)
        if len(first) == 1 and not final and len(first[0].strip()) < 4:
            return PENDING, 0  # the next line's start tells whether a block starts there
        if line_kind(first[0]) in _BLOCK_KINDS:
            return 0, 0
    return rest_at, keep


def elision_comment(head: str, final: bool) -> int:
    """In code: a line that is an elision comment (`// ... existing code ...`, `# ...`, `<!-- … -->`, `(* … *)`).

    Any comment syntax: the line starts with a comment leader (`//`, `#`, `--`, `;`, `%`, `<!--`, `(*`, `{-`,
    `*`, `!`, `'`, `⍝`, `REM`; not `...` itself or an operator, which are code) and holds an ellipsis with at most
    a few words and no code punctuation besides, or a lead-in that speaks of the continuation, however long
    ("(continued)", "... continuing from where the previous output stopped").
    """
    line = _line_at(head, 0)
    if line is None:
        body = head.strip(" \t")
        if not final and body and len(body) <= 80 and not body[0].isalnum() and body[0] not in ".…_$":
            return PENDING
        return 0
    text, end = line
    body = text.strip()
    leader = COMMENT_LEADER.match(body)
    if not leader:
        return 0
    core = _without_leader_and_closer(body[leader.end() :] if body[:1].isalpha() else body)  # `REM` is a word
    inner = re.sub(_ELLIPSIS, " ", core)
    words = " ".join(inner.strip("()[] ").split())
    if words and match_preamble(f"({words})", final=True) >= len(words) + 2:
        return end  # a lead-in such as "(continued)", with an ellipsis or not
    if inner == core:
        return 0  # no ellipsis: only a lead-in makes it an elision
    words_found = re.findall(r"[^\W\d_]+", inner)
    code = re.sub(r"[^\W\d_]+", "", inner)
    if len(words_found) > 6 or any(c.isdigit() or c in "=;,\"'" for c in code):
        return 0
    return end


def _unclosed(code: str) -> bool:
    """The code has more `( [ {` than `) ] }`: a statement or a construct is still open."""
    return sum(code.count(c) for c in "([{") > sum(code.count(c) for c in ")]}")


def _after_blank_line(block: str) -> bool:
    """The code block so far ends with a blank line: a block is closed right after its last line, never after a
    blank one, so the code goes on."""
    if not block.endswith("\n"):
        return False
    before = block[:-1]
    return not before[before.rfind("\n") + 1 :].strip()


def _fence_reopened(
    sent: str, head: str, ctx: TextContext, opening: str, block: str, scripts: set[str], final: bool
) -> int:
    """In code: the block closed and opened again with the same opening line, a lead-in between them or none.

    A block that closes and reopens as the same block after a lead-in (rule P), or with nothing between them
    where the text could not close it (inside a line, the new block then saying the line again from its start;
    with a bracket of the block still open; right after a blank line of the block, since a block is closed right
    after its last line, never after a blank one; the new block's first line indented, going on with the open one),
    is the fallback's framing, not the answer's; a text that closes its
    block goes on with prose or a new block, which keeps both fences.
    """
    marker = ctx.fence_marker
    j = 1 if head.startswith("\n") else 0
    rest = head[j:]
    close = _line_at(head, j)
    if close is None:
        m = FENCE_RE.fullmatch(rest) if rest else None
        partial = rest.strip(" ") and marker.startswith(rest.strip(" ")[: len(marker)])
        return PENDING if not final and (m or partial) and len(rest) < 20 else 0
    m = FENCE_RE.fullmatch(close[0].rstrip())
    if m is None or m.group(3).strip() or m.group(2)[0] != marker[0] or len(m.group(2)) < len(marker):
        return 0
    k = _blank_after(head, close[1])
    if k == len(head):
        return 0 if final else PENDING
    if k == close[1] and FENCE_RE.match(head, k):
        return 0  # two fence lines in a row: a fence said again and the block closed (rule F)
    ahead = head[k:].lstrip(" ")
    if not final and len(ahead) < len(marker) and marker.startswith(ahead):
        return PENDING  # the next fence line is still coming
    led = not FENCE_RE.match(head, k)
    if led:
        n = match_preamble(head[k:], final=final)
        if n == PREAMBLE_PENDING:
            return PENDING
        if not n:
            n = _foreign_lead_in(head, k, scripts, final, code=True)
            if n == PENDING:
                return PENDING
        if not n:
            return 0
        k = _blank_after(head, k + n)
    reopen = _line_at(head, k)
    if reopen is None:
        return 0 if final or len(head) - k > 80 else PENDING
    if reopen[0].strip() != opening.strip():
        return 0
    if not led:
        # Two blocks in a row are the text's, unless the text could not close its block there: the cut line
        # is under way (the new block says it again from its start) or a bracket of the block is still open.
        last = sent[sent.rfind("\n") + 1 :]
        line = last.strip()
        said = head[reopen[1] :].lstrip(" \t")
        if (
            not last
            and not _unclosed(block)
            and not _after_blank_line(block)
            and head[reopen[1] : reopen[1] + 1] not in (" ", "\t")
        ):
            return 0  # a new block starts at its margin; an indented first line goes on with the open one
        if line and not said.startswith(line):
            return PENDING if not final and line.startswith(said) else 0
    return reopen[1]


def _quote_text(line: str) -> str:
    """A `>` line's words: without its markers, the ellipses and quotes around them."""
    quoted = re.sub(r"\A(?:[ \t]*>)+[ \t]*", "", line)
    quoted = re.sub(rf"\A(?:{_ELLIPSIS}|[\"“‘«„'])+", "", quoted.strip())
    return quoted[: _trailing_marks(quoted)].strip()


def _quoted_echo(sent: str, head: str, final: bool) -> int:
    """Outside code: a blockquote of the words the sent text ends with (`> …and is worth it.`), then its breaks.

    The quote must say the tail's last words (at least 8 chars or two words, or the whole last line, however
    short: "> -" after "- "): a real quote in the answer says something new.  While its line is coming, it
    is awaited only as long as its words are still the tail's.
    """
    j = len(head) - len(head.lstrip(" \t\n"))
    if not head.startswith(">", j):
        return 0
    line = _line_at(head, j)
    tail = normalize(sent).text.rstrip()
    if line is None:
        if final or len(head) - j > 400:
            return 0
        so_far = normalize(_quote_text(head[j:])).text.strip()[:-1]  # its last char may still change
        return PENDING if so_far in tail else 0  # a line that leaves the tail's words quotes something else
    text, end = line
    said = normalize(_quote_text(text)).text.strip()
    if not said or not (tail.endswith(said) or tail.rstrip(" \"”’»“'").endswith(said)):
        return 0
    last = normalize(sent.rstrip().rsplit("\n", 1)[-1]).text.strip()
    if len(said.replace(" ", "")) < 8 and len(said.split()) < 2 and said != last:
        return 0  # a short quote must be the whole last line (its marker: "> -", "> 3.")
    return _blank_after(head, end)


def _foreign_lead_in(head: str, i: int, sent_scripts: set[str], final: bool, *, code: bool = False) -> int:
    """A short lead-in in a script the sent text does not use ("好的，我继续写：" in an English answer).

    It ends at a colon, or is a line of its own ending a sentence; the line breaks after it are its own.  The
    text after it must be back in the answer's scripts: one that goes on in the new script is the answer's.
    """
    j = i + len(head[i:]) - len(head[i:].lstrip(" \t\n"))
    rest = head[j : j + _MAX_FOREIGN + 2]
    end = -1
    for k, c in enumerate(rest):
        if c in _COLONS or c == "\n":
            end = k
            break
    seg = rest[: end if end >= 0 else len(rest)]
    letters = [c for c in seg if c.isalpha()]
    if not letters or any(not (c.isalpha() or c.isspace() or unicodedata.category(c)[0] in "PM") for c in seg):
        return 0
    scripts = _scripts(seg)
    if not scripts or scripts & sent_scripts:
        return 0
    if end == -1:
        return PENDING if not final and len(rest) <= _MAX_FOREIGN else 0
    stop = rest[end]
    if stop == "\n" and (not seg.rstrip() or seg.rstrip()[-1] not in _FOREIGN_END):
        return 0
    k = j + end + 1
    after = head[k:]
    if stop in _COLONS and after[:1] not in ("", " ", "\t", "\n", "\u3000") and not is_nospace_char(after[:1]):
        return 0
    letters_after = [c for c in after[:40] if c.isalpha()][:12]
    if not final and len(letters_after) < 3 and len(after) < 40:
        return PENDING  # the text after it tells whether the script changed back
    if _scripts("".join(letters_after)) & (scripts - sent_scripts):
        return 0  # the text goes on in the lead-in's script: it is the text itself ("שלום לכולם: הגרסה…")
    if code:
        m = re.match(r"[ \t]*(?:\n[ \t]*(?=\n))*\n?", after)  # the line end is its own; the indentation is the code's
        return k + (m.end() if m else 0) - i
    return k + len(after) - len(after.lstrip()) - i


def _respelled(sent: str, head: str, i: int, final: bool, whole: str, shortest: int = 2) -> int:
    """The word the sent text stops inside, spelled again from its start ("compl" + " complete", "wi" + "Width").

    The cut fragment must be two letters or more, or one the text never uses as a word (three or more digits,
    not one repeated), and the head's word must go on past it (after a lead on lines of its own, which aligns
    the head, one char will do).  With a
    space before it, the fragment must be no word the text uses elsewhere, as
    "the" + " theory" is two words; capitalised, it is a message's first word ("wi" + "Width").  A fragment
    of one letter repeated that the head goes on repeating is a run going on ("Z" + "ZZ9" of a picture).
    """
    frag_start = len(sent)
    while frag_start > 0 and is_word_char(sent[frag_start - 1]):
        frag_start -= 1
    frag = sent[frag_start:]
    if not frag:
        return 0
    used = re.search(rf"(?<!\w){re.escape(frag)}(?!\w)", whole[: len(whole) - len(frag)], re.I) is not None
    if len(frag) < shortest and (not frag.isalpha() or used):
        return 0  # one letter alone is the word's start only when the text never uses it as a word ("a")
    if shortest > 1 and frag.isdigit() and (len(frag) < 3 or len(set(frag)) == 1):
        return 0
    if not any(c.isalnum() for c in frag):
        return 0
    rest = head[i:]
    spaced = rest.startswith(" ") and not rest.startswith("  ")
    word = rest[1:] if spaced else rest
    n = len(frag)
    if len(word) <= n:
        probe = word.casefold()
        return PENDING if not final and probe and frag.casefold().startswith(probe) else 0
    if word[:n].casefold() != frag.casefold() or not is_word_char(word[n]):
        return 0
    if frag.isalpha() and len(set(frag)) == 1 and word[n] == frag[0]:
        return 0  # a run of one char that goes on ("Z" + "ZZ9"): the run continued, not a word spelled again
    capitalised = word[0] != frag[0]
    if capitalised and not (word[0].isupper() and frag[0].islower() and word[1:n] == frag[1:]):
        return 0
    if spaced and used:
        return 0  # the fragment is a word the text uses: "the" + " theory" may be two words
    return n + spaced


def strip_lead(
    sent: str,
    head: str,
    ctx: TextContext,
    *,
    whole: str,
    opening: str,
    block: str,
    final: bool,
    prefill: bool = False,
) -> tuple[str, list[str]] | None:
    """The head without what the fallback wrote before the continuation, and the names of what went.

    None while the head could still become such a lead.  `whole` is everything sent; `opening` is the open code
    block's opening fence line and `block` its code so far ("" outside one).  `prefill`: the fallback saw the
    sent text exactly, so a line break after its final space is its own.
    """
    steps: list[str] = []
    in_code = ctx.in_fence or ctx.in_json
    sent_scripts = _scripts(sent)
    line_level = False  # a lead of its own line(s) went: it cannot have split a word without spelling it again
    for _ in range(6):
        n, keep, name = 0, 0, ""
        if ctx.in_fence:
            n, name = _fence_reopened(sent, head, ctx, opening, block, sent_scripts, final), "reopen"
            if not n:
                n, name = elision_comment(head, final), "elision"
        elif not in_code:
            m = _BLANKS_RE.match(head) if _mid_line(sent) else None
            if m and sent[-1:] in (" ", "\t") and sent[-2:-1] not in (" ", "\t") and not prefill:
                n, name = m.end(), "break"  # a line that ends in one space does not end there
            elif m and (ctx.in_bold or ctx.in_inline_code or (ctx.in_table and not _row_complete(sent))):
                n, name = m.end(), "break"  # nor does one inside an open span or a table row
            elif m and sent[-1:] and is_word_char(sent[-1]):
                again = _respelled(sent, head, m.end(), final, whole)
                if again == PENDING:
                    return None
                n, name = (m.end() if again else 0), "break"  # the cut word spelled again on a new line
            if not n:
                (n, keep), name = _decoration(sent, head, whole, final, prefill), "decoration"
            if not n:
                n, name = _quoted_echo(sent, head, final), "echo"
        elif not ctx.in_json_string:
            (n, keep), name = _decoration(sent, head, whole, final, prefill), "decoration"  # JSON has no marks
        if not n and not ctx.in_json_string:
            n, name = _foreign_lead_in(head, 0, sent_scripts, final, code=in_code), "lead-in"
        if n == PENDING:
            return None
        if not n:
            break
        line_level = line_level or ("\n" in head[keep:n] and name in ("decoration", "break"))
        head = head[:keep] + head[n:]
        steps.append(name)
        if not in_code:
            pre = match_preamble(head, final=final)
            if pre == PREAMBLE_PENDING:
                return None
            if pre:
                head = head[pre:]
                steps.append("preamble")
    if sent[-1:] and is_word_char(sent[-1]) and line_level and not in_code:
        n = _respelled(sent, head, 0, final, whole, shortest=1)
        if n == PENDING:
            return None
        if n:
            head = head[n:]
            steps.append("respell")
        elif is_word_char(head[:1] or " "):
            head = " " + head  # the word was whole: the lead took the space after it
            steps.append("space")
    return head, steps


def respelled_word(sent: str, head: str, *, whole: str, final: bool) -> int:
    """Rule J (words): chars of the head that spell again the word the sent text stops inside; PENDING, or 0.

    Asked only when the head repeats nothing longer (an overlap or a restart says the word again with more).
    """
    if not sent[-1:] or not is_word_char(sent[-1]):
        return 0
    return _respelled(sent, head, 0, final, whole)


_ITEM_LEAD = re.compile(r"[ \t]*(?:(?:[-*+>]|\d{1,9}[.)])[ \t]+)*")
_MAX_SPAN_WAIT = 200  # head chars of its first line to wait for a span's closer


def completes_marker(sent: str, head: str, *, final: bool) -> bool | None:
    """Rule L (markers): the head completes the marker the sent line was cut inside, in any mode.

    The sent line so far is only a run of one marker char (after its item and quote markers) and the head starts
    with more of it, which is no marker alone but one with the sent run: a fence's backticks or tildes reaching
    three, or the other `*` of a `**` span that the head's line closes with `**`.  A fallback that says the line
    again writes the whole marker.  None while the head's first line has not shown its closer.
    """
    line = sent[sent.rfind("\n") + 1 :]
    c = line[-1:]
    if not c or c not in "`~*" or not head.startswith(c) or len(line) > _MAX_SPAN_WAIT:
        return False  # (a marker line is short)
    lead = _ITEM_LEAD.match(line)
    run = line[lead.end() :] if lead else line
    if set(run) != {c}:
        return False
    n = len(head) - len(head.lstrip(c))
    if n == len(head) and not final:
        return None  # the head's run may still grow
    if c in "`~":
        return n < 3 <= n + len(run)
    if n != 1 or len(run) != 1:
        return False
    first = head[n:].split("\n", 1)
    if "**" in first[0]:
        return True
    return None if len(first) == 1 and not final and len(first[0]) < _MAX_SPAN_WAIT else False
