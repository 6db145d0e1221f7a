"""Is a spliced answer clean?  A strict, independent judge of the seam.

`is_clean(reference, sent, final)` compares the final text around the seam
(position `len(sent)`) with the reference answer at the same position.  It does
not reuse the splice's own heuristics: it counts words, whitespace, fences and
list numbers.  Usable by the relay's end-to-end tests, where `reference` is the
answer the primary would have produced (or at least its sent prefix).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter

__all__ = ["is_clean"]

_WORD = re.compile(r"[^\W_]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f]")
_PREAMBLE_WORDS = re.compile(
    r"(?i)\b(?:sure|certainly|of course|continu\w*|here'?s the|here is the|the rest|remainder|left off|picking up|"
    r"as requested|resum\w*|fortsetz\w*|fortfahr\w*|hier ist|gerne|voici|la suite|bien sûr|je continue|"
    r"claro|aquí está|continuación|por supuesto)\b|继续|以下是|后续|続き|続けます|はい、"
)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_NUMBERED = re.compile(r"^([ \t]*)(\d{1,9})[.)](?:[ \t]|$)")


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).casefold().replace("\u200d", "")
    out: list[str] = []
    for w in _WORD.findall(text):
        if _CJK.search(w):
            out.extend(w)  # one "word" per char in scripts without spaces
        else:
            out.append(w)
    return out


def _ws_around(text: str, i: int) -> tuple[str, bool]:
    """The whitespace run containing offset `i`, and whether it reaches the end of the text."""
    left = i
    while left > 0 and text[left - 1].isspace():
        left -= 1
    right = i
    while right < len(text) and text[right].isspace():
        right += 1
    return text[left:right], right == len(text)


def _fold_trailing_spaces(ws: str) -> str:
    """Trailing spaces before a newline are invisible."""
    return re.sub(r"[ \t]+\n", "\n", ws)


def _check_whitespace(reference: str, final: str, i: int) -> list[str]:
    ws_f, end_f = _ws_around(final, i)
    ws_r, end_r = _ws_around(reference, min(i, len(reference)))
    if end_f and end_r:
        return []  # trailing whitespace at the very end is invisible
    ws_f, ws_r = _fold_trailing_spaces(ws_f), _fold_trailing_spaces(ws_r)
    if ws_f == ws_r:
        return []
    nf, nr = ws_f.count("\n"), ws_r.count("\n")
    if nf > nr:
        return ["doubled blank line at seam" if nf >= 2 else "extra line break at seam"]
    if nf < nr:
        return ["lost line break at seam"]
    if nf == 0:
        if not ws_f:
            return ["words run together at seam"]
        if not ws_r:
            return ["broken word (space inserted) at seam"]
        if len(ws_f) > len(ws_r):
            return ["double space at seam"]
        return ["space changed at seam"]
    return ["indentation changed at seam"]


def _repeats_at_seam(final: str, reference: str, i: int) -> list[str]:
    before = _words(final[:i])[-60:]
    after_f = _words(final[i:])[:60]
    after_r = _words(reference[i:])[:60]
    problems: list[str] = []
    # A phrase doubled right at the seam ("brown fox brown fox").
    for k in range(1, min(8, len(before), len(after_f)) + 1):
        if before[-k:] == after_f[:k] and before[-k:] != after_r[:k]:
            problems.append(f"words repeated at seam: {' '.join(before[-k:])!r}")
            break

    # Any word 3-gram that now occurs more often around the seam than in the reference.
    def grams(words: list[str]) -> Counter[tuple[str, ...]]:
        return Counter(tuple(words[j : j + 3]) for j in range(len(words) - 2))

    gf, gr = grams(before + after_f), grams(before + after_r)
    dup = [g for g, c in gf.items() if c >= 2 and c > gr.get(g, 0)]
    if dup:
        problems.append(f"duplicated 3-gram across seam: {' '.join(dup[0])!r}")
    return problems


def _restarts(sent: str, final: str, reference: str, i: int) -> list[str]:
    after_f = _words(final[i:])[:6]
    after_r = _words(reference[i:])[:6]
    answer = _words(sent)[:4]
    problems = []
    if len(answer) >= 3 and after_f[: len(answer)] == answer and after_r[: len(answer)] != answer:
        problems.append("answer restarted after seam")
    # The sentence the seam is in, restarted.
    m = re.search(r"(?:^|[.!?。！？]\s+|\n)([^\n.!?。！？]*)$", sent)
    sentence = _words(m.group(1))[:3] if m else []
    if len(sentence) >= 2 and after_f[: len(sentence)] == sentence and after_r[: len(sentence)] != sentence:
        problems.append("sentence restarted after seam")
    return problems


def _preamble(final: str, reference: str, i: int) -> list[str]:
    window = final[i : i + 100]
    ref_window = reference[max(0, i - 40) : i + 240].casefold()
    for m in _PREAMBLE_WORDS.finditer(window):
        if m.group().casefold() not in ref_window:
            return [f"preamble after seam: {m.group()!r}"]
    head = window.lstrip()
    if head.startswith(("...", "…")) and not reference[i:].lstrip().startswith(("...", "…")):
        return ["leading ellipsis after seam"]
    return []


def _fence_problems(text: str) -> tuple[bool, int]:
    """(balanced, number of "```lang" lines seen while already inside a fence)."""
    inside: str | None = None
    reopened = 0
    for line in text.split("\n"):
        m = _FENCE.match(line)
        if not m:
            continue
        fence, info = m.group(1), m.group(2).strip()
        if inside is None:
            inside = fence
        elif fence[0] == inside[0] and len(fence) >= len(inside) and not info:
            inside = None
        elif info:
            reopened += 1
    return inside is None, reopened


def _json_blocks(text: str) -> list[str]:
    blocks = re.findall(r"```json[^\n]*\n(.*?)```", text, flags=re.S)
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        blocks.insert(0, stripped)
    return blocks


def _parses(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _numbering_ok(text: str) -> bool:
    expected: dict[str, int] = {}
    in_fence = False
    for line in text.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence or not line.strip():
            continue
        m = _NUMBERED.match(line)
        if m:
            indent, number = m.group(1), int(m.group(2))
            want = expected.get(indent)
            if want is not None and number != want:
                return False
            expected = {k: v for k, v in expected.items() if len(k) <= len(indent)}
            expected[indent] = number + 1
        elif not line[:1].isspace():
            expected = {}  # a paragraph ends every list
    return True


def _collapse(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def is_clean(reference: str, sent: str, final: str, *, exact: bool = False) -> list[str]:
    """Problems with the splice of `final` after `sent` (empty list = clean).

    With `exact`, the final text must also say exactly what the reference says
    (whitespace runs collapsed, NFC): for simulations where the fallback's words
    are the reference's, this catches lost or doubled text anywhere.
    """
    if not final.startswith(sent):
        return ["sent text was changed"]
    i = len(sent)
    problems: list[str] = []
    if final != sent or reference != sent:
        problems += _check_whitespace(reference, final, i)
        problems += _repeats_at_seam(final, reference, i)
        problems += _restarts(sent, final, reference, i)
        problems += _preamble(final, reference, i)
    ref_balanced, ref_reopened = _fence_problems(reference)
    fin_balanced, fin_reopened = _fence_problems(final)
    if ref_balanced and not fin_balanced:
        problems.append("code fence left unbalanced")
    if fin_reopened > ref_reopened:
        problems.append("code fence re-opened inside a fence")
    ref_json, fin_json = _json_blocks(reference), _json_blocks(final)
    for k, block in enumerate(ref_json):
        if _parses(block) and (k >= len(fin_json) or not _parses(fin_json[k])):
            problems.append("JSON no longer valid")
            break
    if _numbering_ok(reference) and not _numbering_ok(final):
        problems.append("list numbering broken")
    if exact and _collapse(final) != _collapse(reference):
        a, b = _collapse(final), _collapse(reference)
        k = next((j for j in range(min(len(a), len(b))) if a[j] != b[j]), min(len(a), len(b)))
        problems.append(
            f"content differs from reference near {a[max(0, k - 20) : k + 30]!r} vs {b[max(0, k - 20) : k + 30]!r}"
        )
    return problems
