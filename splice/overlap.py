"""Find where a fallback's head repeats the end of the sent text.

The repeat is a suffix of the sent text that is a prefix of the head, compared
after normalisation (see `normalize`), cut at raw offsets.  It must be made of
whole words and be at least `MIN_OVERLAP` normalised chars long, so that a
legitimate "that that" survives; a shorter one is accepted only when it starts
at a sentence or line start of the sent text (a restarted sentence or list item:
"3. " + "3. Third…").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .context import is_markup_only
from .normalize import ZERO_WIDTH, Normalized, is_grapheme_extender, is_nospace_char, is_word_char, normalize

__all__ = ["Overlap", "PENDING", "find_overlap", "find_anchor", "MIN_OVERLAP"]

MIN_OVERLAP = 8
MIN_LOOSE_OVERLAP = 16
PENDING = "pending"

_SENTENCE_END = (".", "!", "?", ":", ";")
_CJK_SENTENCE_END = ("。", "！", "？", "：", "；")


@dataclass(frozen=True)
class Overlap:
    cut: int  # raw offset in the head just after the repeated part
    start: int  # raw offset in the sent text where the repeated part starts
    anchored: bool  # starts at a sentence/line start of the sent text
    loose: bool  # matched only with punctuation ignored
    carry: str = ""  # marks the sent text's unfinished last grapheme still lacks: emitted before head[cut:]


def _weight(text: str, cap: int | None = None) -> int:
    """Normalised length that counts: spaces excluded, no-space-script chars count double.

    With `cap`, counting stops once the weight reaches it (a candidate repeat can be the whole sent text).
    """
    if text.isascii():
        return len(text) - text.count(" ")
    weight = 0
    for c in text:
        if c != " ":
            weight += 2 if is_nospace_char(c) else 1
            if cap is not None and weight >= cap:
                break
    return weight


def _long_enough(norm: str, min_len: int) -> bool:
    """≥ `min_len` weighted chars, or (strict mode) two or more whole words of ≥ 5 chars in all.

    A single repeated word is never enough ("that that" is legitimate); two or more
    repeated words, however short, rarely are ("is valid is valid", "as a as a").
    """
    weight = _weight(norm, cap=min_len)
    if weight >= min_len:
        return True
    if min_len > MIN_OVERLAP:
        return False
    words = [w for w in norm.split(" ") if any(is_word_char(c) or is_nospace_char(c) for c in w)]
    if len(words) >= 2 and all(w.isalpha() for w in words) and weight >= 3:
        return True  # "as a" + "as a door": prose does not say a run of words twice in a row
    return len(words) >= 2 and weight >= 5


def _raw_cut(head: str, hs: Normalized, k: int) -> int:
    """Raw offset just after normalised char `k` of the head.

    Normalised chars of one grapheme share its raw span; when the match ends
    inside a grapheme (the sent text ended inside it: "👍" sent, "👍🏾" repeated),
    the cut falls after the matched chars, so the rest of the grapheme is kept.
    """
    end = hs.ends[k]
    if k + 1 >= len(hs.text) or hs.starts[k + 1] != hs.starts[k]:
        return end
    start = hs.starts[k]
    first = k
    while first > 0 and hs.starts[first - 1] == start:
        first -= 1
    matched = hs.text[first : k + 1]
    return start + len(matched) if head[start:end].casefold().startswith(matched) else end


def _unsaid_joiners(sent: str, head: str, cut: int) -> int:
    """`cut` moved back before the zero-width chars the repeat ends with and the sent text does not: normalising
    folds them into the char before, but a ZWNJ or ZWJ the sent text stopped before ("مغازه" sent, "مغازه\u200cها"
    repeated; "👧" sent, "👧\u200d👦") is the continuation's first char."""
    k = cut
    while k > 0 and head[k - 1] in ZERO_WIDTH:
        k -= 1
    if k == cut:
        return cut
    said = len(sent)
    while said > 0 and sent[said - 1] in ZERO_WIDTH:
        said -= 1
    joiners, sent_joiners = head[k:cut], sent[said:]
    common = 0
    while common < min(len(joiners), len(sent_joiners)) and joiners[common] == sent_joiners[common]:
        common += 1
    return k + common


def _crosses_structure(sent: str, raw_pos: int) -> bool:
    """The repeat from `raw_pos` holds words and a line break or a table cell boundary.

    A legitimate doubling ("that that") is of words inside a sentence; a repeat
    that carries the end of a line or of a table cell with it is the fallback
    re-saying what was sent, however short.  Without a letter or digit it must start inside a line and
    carry two line ends: a single closing line said again can be the code's own.
    """
    repeated = sent[raw_pos:].rstrip()
    if not any(c.isalnum() for c in repeated):
        # Closing lines said again from inside a line: `});` + `    }` + `}` after `word `.
        line_start = sent.rfind("\n", 0, raw_pos) + 1
        return repeated.count("\n") >= 2 and bool(sent[line_start:raw_pos].strip())
    if "\n" in repeated:
        return True
    line = sent[sent.rfind("\n", 0, raw_pos) + 1 :]
    return line.lstrip().startswith("|") and "|" in repeated


def _line_end_repeat(sent: str, raw_pos: int) -> bool:
    """The repeat from `raw_pos` is the end of the sent text's last line, that line's start excluded.

    A sent text that ends with a line break, and a head that says the end of that line again (`= 600`
    after `ttl_s = 600`) and breaks the line there too, re-says the line's end however short it is.  A
    whole line said again (`end` after `end`, `}` after `}`) can be code's own, so the repeat must begin
    inside the line, and hold a letter or digit.
    """
    body = sent.rstrip(" \t\n")
    if body == sent.rstrip(" \t") or "\n" in sent[raw_pos : len(body)]:
        return False  # the sent text does not end with a line break, or the repeat is not within its last line
    line_start = body.rfind("\n") + 1
    content_start = line_start + len(body[line_start:]) - len(body[line_start:].lstrip())
    return raw_pos > content_start and any(c.isalnum() for c in body[raw_pos:])


_CLOSING_LINE = re.compile(r"(?:end\w*|fi|done|esac|[)\]}]+)[;,]?")


def _line_before_indent(sent: str, raw_pos: int) -> bool:
    """The sent text stops in a new line's indentation, less deep than a closing line before it, said again.

    Closing lines repeat at decreasing indentation (`end` at column 2 after `end` at column 4 closes the
    outer block): there the fallback's `end` is the new line's content, not the line before said again.
    """
    nl = sent.rfind("\n")
    indent = sent[nl + 1 :]
    if nl == -1 or not indent or indent.strip(" \t"):
        return False
    line_start = sent.rfind("\n", 0, nl) + 1
    line = sent[line_start:nl]
    content_start = line_start + len(line) - len(line.lstrip())
    return (
        raw_pos == content_start
        and _CLOSING_LINE.fullmatch(line.strip()) is not None
        and len(indent) < content_start - line_start
    )


_CLOSER_OF = {"(": ")", "[": "]", "{": "}"}


def _reopens(sent: str, raw_pos: int) -> bool:
    """The repeat from `raw_pos` starts at the bracket or quote the sent text's last line is still inside.

    `Card(last4: ` + `(last4: String`: a fallback that opens again what it is inside of says it again,
    however short; it must hold a letter or digit.
    """
    opener = sent[raw_pos : raw_pos + 1]
    inside = sent[raw_pos + 1 :]
    if not opener or opener not in "([{\"'`" or "\n" in inside or not any(c.isalnum() for c in inside):
        return False
    if opener in _CLOSER_OF:
        depth = 1
        for c in inside:
            depth += (c == opener) - (c == _CLOSER_OF[opener])
            if not depth:
                return False
        return True
    return opener not in inside


def _breaks_line(head: str, cut: int) -> bool:
    return head[cut:].lstrip(" \t").startswith("\n")


def _is_start(norm: str, p: int) -> bool:
    if norm[p] == " ":
        return False
    return p == 0 or norm[p - 1] == " " or not (is_word_char(norm[p - 1]) and is_word_char(norm[p]))


#: What a word may follow in running text: a space, an opening bracket or quote, a dash, a Markdown marker.
_TOKEN_OPENERS = frozenset(" ([{<\"'«‹“‘„‚¡¿-—–*_`~>|")


def _inside_token(cn: str, p: int, min_len: int) -> bool:
    """A short repeat that starts inside a run of non-spaces, after punctuation that follows a word (`.`, `/`,
    `:`, `@`, `=`, `,`…: `discounts.` + `feature:`, `os.` + `path`): a fallback says words again from where a
    word starts, so it is no repeat unless it is twice as long as a repeat must be."""
    if p < 2 or cn[p - 1] in _TOKEN_OPENERS or is_nospace_char(cn[p - 1]) or not is_word_char(cn[p]):
        return False
    if not (is_word_char(cn[p - 2]) or cn[p - 2] in ")]}"):
        return False  # "\n1. " or ", ...": the mark stands alone, not inside a token
    return not _long_enough(cn[p:], 2 * min_len)


def _is_anchor(sent: str, raw_pos: int, sent_is_whole: bool) -> bool:
    """True if `raw_pos` starts a sentence, a line or a list item's text."""
    if raw_pos == 0:
        return sent_is_whole
    before = sent[:raw_pos]
    line = before[before.rfind("\n") + 1 :]
    if is_markup_only(line):
        return True
    stripped = before.rstrip(" \t")
    if stripped.endswith(_CJK_SENTENCE_END):
        return True
    return stripped != before and stripped.endswith(_SENTENCE_END)


def _search(
    sent: str,
    cs: Normalized,
    head: str,
    hs: Normalized,
    *,
    final: bool,
    mid_word_ok: bool,
    sent_is_whole: bool,
    loose: bool,
) -> Overlap | str | None:
    cn = cs.text.rstrip(" ")
    lead = 1 if hs.text.startswith(" ") else 0
    hn = hs.text[lead:]
    nc = len(cn)
    if not cn:
        return None  # nothing sent that could be repeated
    if not hn:
        return None if final else PENDING
    min_len = MIN_LOOSE_OVERLAP if loose else MIN_OVERLAP

    def acceptable(p: int) -> bool:
        if not _is_start(cn, p):
            return False
        if (
            (_long_enough(cn[p:], min_len) and not _inside_token(cn, p, min_len))
            or _crosses_structure(sent, cs.starts[p])
            or _reopens(sent, cs.starts[p])
        ):
            return True
        return (
            not loose and _is_anchor(sent, cs.starts[p], sent_is_whole) and not _line_before_indent(sent, cs.starts[p])
        )

    # A longer repeat may still be growing: the whole head so far occurs in the sent text.
    pending_or_whole: int | None = None
    p = cn.find(hn)
    while p != -1:
        if p + len(hn) < nc and acceptable(p):
            if not final or _long_enough(hn, min_len):
                pending_or_whole = p
                break
        if not final and not loose and p + len(hn) < nc and _is_start(cn, p) and _line_end_repeat(sent, cs.starts[p]):
            pending_or_whole = p  # may become the line's end said again with its line break
            break
        p = cn.find(hn, p + 1)
    if pending_or_whole is not None:
        if not final:
            return PENDING
        # Final: the fallback only repeated what was sent.
        return Overlap(len(head), cs.starts[pending_or_whole], False, loose)

    last = cn[-1]
    for n in range(min(nc, len(hn)), 0, -1):
        carry = ""
        if n > 1 and hn[0] != cn[nc - n]:
            continue  # both tests below need this: one char compared instead of two slices (the eval ran 10% faster)
        if hn[n - 1] == last:
            if not cn.endswith(hn[:n]):
                continue
        else:
            # The sent text may end inside a grapheme (hold-back off): "de" sent, "déjà" repeated.
            carry = _completion(sent, cs, nc - 1, head, hs, lead + n - 1) if cn.endswith(hn[: n - 1], 0, nc - 1) else ""
            if not carry:
                continue
        p = nc - n
        # A repeat that ends inside the sent text's unfinished last grapheme is one however short:
        # a new word cannot begin by re-saying the start of that grapheme.
        in_grapheme = bool(carry) or (
            n < len(hn) and hs.starts[lead + n] == hs.starts[lead + n - 1] and is_grapheme_extender(hn[n])
        )
        line_end = (
            not loose
            and not carry
            and _is_start(cn, p)
            and _line_end_repeat(sent, cs.starts[p])
            and (_breaks_line(head, _raw_cut(head, hs, lead + n - 1)) or (n == len(hn) and not final))
        )
        if not (acceptable(p) or line_end or (in_grapheme and (_is_start(cn, p) or n == 1))):
            continue
        if n == len(hn) and not carry:
            if not final:
                return PENDING  # the head may go on with more letters of the same word
        elif not (in_grapheme or mid_word_ok or hn[n] == " " or not (is_word_char(hn[n - 1]) and is_word_char(hn[n]))):
            continue
        cut = hs.ends[lead + n - 1] if carry else _unsaid_joiners(sent, head, _raw_cut(head, hs, lead + n - 1))
        return Overlap(
            cut,
            cs.starts[p],
            _is_anchor(sent, cs.starts[p], sent_is_whole) and not _long_enough(cn[p:], min_len),
            loose,
            carry,
        )
    return None


def _completion(sent: str, cs: Normalized, i: int, head: str, hs: Normalized, k: int) -> str:
    """The marks that head grapheme `k` adds to the sent text's last grapheme `i` ("" if it does not extend it).

    Only for a sent text that ends in that grapheme, with nothing after it.
    """
    if cs.ends[i] != len(sent) or hs.starts[k] == (hs.starts[k - 1] if k else -1):
        return ""
    mine = unicodedata.normalize("NFD", sent[cs.starts[i] :])
    theirs = unicodedata.normalize("NFD", head[hs.starts[k] : hs.ends[k]])
    if len(theirs) <= len(mine) or not theirs.casefold().startswith(mine.casefold()):
        return ""
    extra = theirs[len(mine) :]
    return extra if all(unicodedata.combining(c) for c in extra) else ""


def find_overlap(
    sent: str,
    head: str,
    *,
    final: bool,
    mid_word_ok: bool = False,
    sent_is_whole: bool = False,
) -> Overlap | str | None:
    """The repeat of `sent`'s end at the start of `head`, None, or PENDING (need more head)."""
    strict = _search(
        sent,
        normalize(sent),
        head,
        normalize(head),
        final=final,
        mid_word_ok=mid_word_ok,
        sent_is_whole=sent_is_whole,
        loose=False,
    )
    if strict is not None:
        return strict
    cl = normalize(sent, drop_punct=True)
    hl = normalize(head, drop_punct=True)
    found = _search(sent, cl, head, hl, final=final, mid_word_ok=mid_word_ok, sent_is_whole=sent_is_whole, loose=True)
    if isinstance(found, Overlap) and found.cut < len(head):
        # Punctuation the sent text ends with may follow the matched words in the head: skip it.
        trailing = sent[cl.ends[len(cl.text.rstrip(" ")) - 1] :].strip()
        cut = found.cut
        if trailing:
            while cut < len(head) and not head[cut].isspace() and not is_word_char(head[cut]):
                cut += 1
        found = Overlap(cut, found.start, found.anchored, True, found.carry)
    return found


def find_anchor(sent: str, head: str, *, anchor_chars: int = 48, mid_word_ok: bool = False) -> tuple[int, int] | None:
    """Where the last words of `sent` (≥ `anchor_chars` normalised chars) occur in `head`.

    Used after a restarted answer longer than the tail: the fallback re-says the
    answer and, at some point, catches up with the sent text.  Returns the raw
    offset in `head` just after the anchor and the anchor's normalised length.  With
    `mid_word_ok` (the sent text ends inside a word) the anchor may end inside a head word.
    """
    cs = normalize(sent)
    cn = cs.text.rstrip(" ")
    if not cn:
        return None
    start = max(0, len(cn) - anchor_chars)
    while start > 0 and not _is_start(cn, start):
        start -= 1
    anchor = cn[start:]
    if _weight(anchor) < MIN_OVERLAP:
        return None
    hs = normalize(head)
    j = hs.text.find(anchor)
    while j != -1:
        end = j + len(anchor)
        if (j == 0 or _is_start(hs.text, j)) and (
            end == len(hs.text)
            or mid_word_ok  # the sent text stops inside its last word: the head finishes it
            or hs.text[end] == " "
            or not (is_word_char(hs.text[end - 1]) and is_word_char(hs.text[end]))
        ):
            return hs.ends[end - 1], len(anchor)
        j = hs.text.find(anchor, j + 1)
    return None
