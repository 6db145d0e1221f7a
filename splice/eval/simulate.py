"""Build eval cases (reference × cut × fallback behaviour) and run them through the real pipeline.

The pipeline is the relay's: the primary's chunks go through `HoldBack` (the
held fragment is dropped at the cut), what was released goes into a
`RollingBuffer`, the fallback's output is derived from what was *sent*, and it
is fed to `SeamRepair` in small seeded random chunks.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from ..buffer import RollingBuffer
from ..holdback import HoldBack
from ..seam import SeamRepair
from .batch8 import BATCH8_BEHAVIOURS, BATCH_8, batch8_output
from .batch9 import BATCH9_BEHAVIOURS, BATCH_9, batch9_output
from .batch10 import BATCH10_BEHAVIOURS, BATCH_10, batch10_output
from .batch11 import BATCH11_BEHAVIOURS, BATCH_11, batch11_output
from .batch12 import BATCH12_BEHAVIOURS, BATCH_12, batch12_output
from .batch13 import BATCH13_BEHAVIOURS, BATCH_13, batch13_output
from .batch14 import BATCH14_BEHAVIOURS, BATCH_14, batch14_output
from .batch15 import BATCH15_BEHAVIOURS, BATCH_15, batch15_output
from .batch16 import BATCH16_BEHAVIOURS, BATCH_16, batch16_output
from .check import is_clean
from .corpus import REFERENCES
from .fences import fence_spans
from .heldout import BATCH_1, BATCH_2, BATCH_3, BATCH_4, BATCH_5, BATCH_6, BATCH_7

__all__ = [
    "Case",
    "Outcome",
    "build_cases",
    "run_case",
    "PseudoTokenizer",
    "BEHAVIOURS",
    "HELD_OUT_BEHAVIOURS",
    "BATCH3_BEHAVIOURS",
    "BATCH4_BEHAVIOURS",
    "BATCH5_BEHAVIOURS",
    "BATCH6_BEHAVIOURS",
    "BATCH7_BEHAVIOURS",
    "CORPORA",
    "BATCHES",
]

_PREAMBLES = {
    "en": [
        "Sure, continuing:\n\n",
        "Certainly! Here's the rest of the answer:\n\n",
        "Continuing from where I left off: ",
        "Of course. I'll continue from where the text stopped.\n\n",
        "(continued) ",
        "Here is the continuation:\n",
        "…",
    ],
    "de": ["Gerne, hier ist die Fortsetzung:\n\n", "Ich setze an der unterbrochenen Stelle fort:\n"],
    "fr": ["Bien sûr, voici la suite :\n\n", "Je continue là où je m’étais arrêté :\n"],
    "es": ["Claro, aquí está la continuación:\n\n", "Continúo donde lo dejé:\n"],
    "pt": ["Claro, segue a continuação:\n\n", "Continuo de onde parei:\n"],
    "zh": ["好的，以下是后续内容：\n\n", "继续："],
    "ja": ["はい、続きです：\n\n", "続きを書きます。\n"],
}
_LANG_OF = {
    "de": "de",
    "fr": "fr",
    "es": "es",
    "zh": "zh",
    "ja": "ja",
    "nfd": "fr",
    "b7_furigana": "ja",
    "b7_ukrainian": "uk",
    "b7_swahili": "sw",
    "b11_pt_contrato": "pt",
    "b12_sinhala": "si",
    "b12_mongolian": "mn",
    "b12_gujarati": "gu",
    "b13_tamil": "ta",
    "b13_welsh": "cy",
    "b13_kazakh": "kk",
    "b13_icelandic": "is",
    "b14_lithuanian": "lt",
    "b14_bengali": "bn",
    "b14_uzbek": "uz",
    "b14_yiddish": "yi",
    "b15_maltese": "mt",
    "b15_azerbaijani": "az",
    "b15_punjabi": "pa",
    "b15_urdu": "ur",
    "b16_hausa": "ha",
    "b16_malayalam": "ml",
    "b16_hawaiian": "haw",
}


class PseudoTokenizer:
    """A deterministic word-piece tokenizer (splice/ must not import tiktoken)."""

    _PIECE = re.compile(r"\s?[^\W\d_]{1,8}|\s?\d{1,3}|\s+|.", re.S)

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._pieces: list[str] = []

    def encode(self, text: str) -> list[int]:
        out = []
        for piece in self._PIECE.findall(text):
            token = self._ids.get(piece)
            if token is None:
                token = self._ids[piece] = len(self._pieces)
                self._pieces.append(piece)
            out.append(token)
        return out

    def decode(self, tokens: list[int]) -> str:
        return "".join(self._pieces[t] for t in tokens)


@dataclass(frozen=True)
class Case:
    name: str  # reference name
    kind: str  # kind of text
    cut_kind: str
    cut: int
    behaviour: str
    seed: int
    holdback: bool = True  # False: every char the primary produced was sent (routes with hold-back off)


@dataclass
class Outcome:
    case: Case
    sent: str
    fallback: str
    final: str
    problems: list[str]
    strategy: str
    byte_exact: bool = False  # the final text is the reference, byte for byte (no whitespace or form folded)


# ---------------------------------------------------------------- cut points


def _cut_points(text: str) -> dict[str, list[int]]:
    """Candidate cut offsets of each kind (the primary delivered text[:cut])."""
    points: dict[str, list[int]] = {}

    def add(kind: str, pos: int) -> None:
        if 0 < pos < len(text):
            points.setdefault(kind, []).append(pos)

    fences = fence_spans(text)

    def in_fence(p: int) -> bool:
        return any(a <= p < b for a, b in fences)

    for m in re.finditer(r"[^\W\d_]{4,}", text):
        if not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", m.group()):
            add("mid_word", m.start() + 2)
    for m in re.finditer(r"[^\s] (?=\S)", text):
        add("after_space", m.end())
    for m in re.finditer(r"\n\n(?=\S)", text):
        add("after_blank_line", m.end())
    for m in re.finditer(r"[^\n]\n(?=\S)", text):
        if not in_fence(m.end()):
            add("after_newline", m.end())
    for a, b in fences:
        for m in re.finditer(r"\n", text[a:b]):
            add("in_code_block", a + m.end())
        for m in re.finditer(r"\n( {2,})(?=\S)", text[a:b]):
            add("mid_line_indented", a + m.end())
            line_end = text.find("\n", a + m.end())
            if line_end - (a + m.end()) > 6:
                add("mid_line_indented", a + m.end() + (line_end - a - m.end()) // 2)
    for m in re.finditer(r"\*\*[^*\n]{6,}\*\*", text):
        add("in_bold", m.start() + 2 + (m.end() - m.start() - 4) // 2)
    for m in re.finditer(r"(?<!`)`[^`\n]{4,}`(?!`)", text):
        add("in_inline_code", m.start() + 1 + (m.end() - m.start() - 2) // 2)
    if text.lstrip().startswith("{") or "```json" in text:
        for m in re.finditer(r'"[^"\n]{6,}"', text):
            add("in_json_string", m.start() + 1 + (m.end() - m.start() - 2) // 2)
    for m in re.finditer(r"^\|[^\n]+\|$", text, flags=re.M):
        add("in_table_row", m.start() + (m.end() - m.start()) // 2)
    for m in re.finditer(r"^[ \t]*\d+[.)] [^\n]+$", text, flags=re.M):
        add("in_numbered_list", m.start() + (m.end() - m.start()) // 2)
        add("in_numbered_list", m.end() + 1)
    for m in re.finditer(r"https?://\S{10,}", text):
        add("in_url", m.start() + (m.end() - m.start()) // 2)
    for m in re.finditer(r"\d[\d,.]{3,}\d", text):
        add("in_number", m.start() + (m.end() - m.start()) // 2)
    for m in re.finditer(
        r"[\u200d\ufe0f\U0001f3fb-\U0001f3ff]|[\U0001f1e6-\U0001f1ff](?=[\U0001f1e6-\U0001f1ff])", text
    ):
        add("in_emoji", m.start() + 1)
        add("in_emoji", m.start())
    for m in re.finditer(r"[\u0300-\u036f]", text):
        add("in_nfd_char", m.start())
    for m in re.finditer(r"[\u3040-\u30ff\u4e00-\u9fff]{3}", text):
        add("cjk", m.start() + 1)
    for m in re.finditer(r"[\u0e00-\u0eff]{3}", text):
        add("thai_lao", m.start() + 1)
    for m in re.finditer(r"[\u0900-\u0dff]{3}", text):
        add("indic", m.start() + 1)  # Devanagari, Tamil…: may fall between a consonant and its vowel sign
    for m in re.finditer(r"[\u1000-\u109f\u1780-\u17ff]{3}", text):
        add("khmer_myanmar", m.start() + 1)  # no spaces between words; vowel signs and stacked consonants
    for m in re.finditer(r"\u200c", text):
        add("at_zwnj", m.start())
        add("at_zwnj", m.start() + 1)
    for m in re.finditer(r"[\u200e\u200f\u061c]", text):
        add("at_bidi_mark", m.start())
        add("at_bidi_mark", m.start() + 1)
    return points


# ---------------------------------------------------------------- fallback behaviours


def _sentence_start(sent: str) -> int:
    body = sent.rstrip()
    best = 0
    for m in re.finditer(r"(?:[.!?:](?:\s+)|[。！？：]|\n+[ \t]*(?:[-*+] |\d+[.)] )?)", body):
        if m.end() < len(body):
            best = m.end()
    return best


def _word_start(sent: str, words: int) -> int:
    body = sent.rstrip()
    starts = [m.start() for m in re.finditer(r"\S+", body)]
    if not starts:
        return 0
    return starts[max(0, len(starts) - words)]


def _requote(text: str, rng: random.Random) -> str:
    swaps = {"'": "’", "’": "'", '"': "“", "“": '"', "”": '"', "—": "--" if False else "-", "–": "-"}
    text = "".join(swaps.get(c, c) for c in text)
    if rng.random() < 0.5:
        text = text.replace(" ", "\u00a0", 1)
    form: Literal["NFC", "NFD"] = "NFC" if rng.random() < 0.5 else "NFD"
    text = unicodedata.normalize(form, text)
    m = re.search(r"[^\W\d_]", text)
    if m:
        c = text[m.start()]
        text = text[: m.start()] + (c.lower() if c.isupper() else c.upper()) + text[m.start() + 1 :]
    return text


def _renumber_from_one(cont: str, sent: str) -> str | None:
    """The continuation with the current list's following items renumbered from 1."""
    lines = sent.split("\n")
    indent = None
    for line in reversed(lines):
        m = re.match(r"^([ \t]*)\d+[.)] ", line)
        if m:
            indent = m.group(1)
            break
    if indent is None:
        return None
    out, counter, changed = [], 0, False
    for k, line in enumerate(cont.split("\n")):
        m = re.match(r"^([ \t]*)(\d+)([.)] )", line)
        if k > 0 or sent.endswith("\n"):
            if m and m.group(1) == indent:
                counter += 1
                line = f"{indent}{counter}{m.group(3)}{line[m.end() :]}"
                changed = True
            elif line.strip() and not line[:1].isspace():
                out.append(line)
                out.extend(cont.split("\n")[k + 1 :])
                break
        out.append(line)
    return "\n".join(out) if changed else None


def _fallback_output(behaviour: str, reference: str, sent: str, lang: str, rng: random.Random) -> str | None:
    cont = reference[len(sent) :]
    if behaviour == "exact":
        return cont
    if behaviour == "repeat_words":
        return sent[_word_start(sent, rng.randint(2, 5)) :] + cont
    if behaviour == "repeat_sentence":
        return sent[_sentence_start(sent) :] + cont
    if behaviour == "restart":
        return reference
    if behaviour == "preamble":
        pre = rng.choice(_PREAMBLES.get(lang, _PREAMBLES["en"]) + (_PREAMBLES["en"][:2] if lang != "en" else []))
        if any(a <= len(sent) <= b for a, b in fence_spans(reference)):
            return pre.rstrip() + "\n" + cont  # in code: the lead-in on its own line, then the code as is
        if rng.random() < 0.3:
            return pre + sent[_word_start(sent, 3) :].lstrip() + cont
        return pre + cont.lstrip()
    if behaviour == "case_quotes":
        return _requote(sent[_word_start(sent, rng.randint(3, 6)) :], rng) + cont
    if behaviour == "ws_add":
        if not sent or not sent[-1].isspace() or cont[:1].isspace():
            return None
        return sent[-1] + cont
    if behaviour == "ws_drop":
        if cont.startswith("\n"):
            return cont.lstrip("\n")  # the line break is lost, indentation kept
        if cont.startswith(" ") and not cont[1:2].isspace():
            return cont[1:]
        return None
    if behaviour == "stripped_prefill":
        return cont  # handled in run_case: the tail is passed stripped
    if behaviour == "fence_reopen":
        spans = fence_spans(reference)
        span = next(((a, b) for a, b in spans if a <= len(sent) <= b), None)
        if span is None:
            return None
        open_line = reference[: span[0]].rstrip("\n").rsplit("\n", 1)[-1].strip()
        if rng.random() < 0.5:
            line_start = sent.rfind("\n") + 1
            return open_line + "\n" + sent[line_start:] + cont
        return open_line + "\n" + reference[span[0] :]
    if behaviour == "list_restart":
        return _renumber_from_one(cont, sent)
    if behaviour == "complete":
        return ""
    if behaviour == "complete_restart":
        return reference
    raise ValueError(behaviour)


BEHAVIOURS = [
    "exact",
    "repeat_words",
    "repeat_sentence",
    "restart",
    "preamble",
    "case_quotes",
    "ws_add",
    "ws_drop",
    "stripped_prefill",
    "fence_reopen",
    "list_restart",
]
END_BEHAVIOURS = ["complete", "complete_restart"]
#: Fallback behaviours no rule was written against: the held-out set runs them on every text.
HELD_OUT_BEHAVIOURS = [
    "ellipsis",
    "reopen",
    "markdown_repeat",
    "indent_repeat",
    "unicode_form",
    "code_restart",
]

_OPENERS = {'"': '"', "“": "”", "«": "»", "„": "“", "(": ")", "[": "]", "{": "}", "「": "」"}
_QUOTE_OPENERS = frozenset('"“«„「')
_INLINE_MARKERS = re.compile(r"\*\*|`|(?<![*\w])[*_](?=\w)")
_BLOCK_MARKER = re.compile(r"^[ \t]*(?:#{1,6} |[-*+] |\d{1,9}[.)] |> |\| )")


def _open_span(sent: str) -> int | None:
    """Offset of the innermost quote or bracket still open on the sent text's last line."""
    line_start = sent.rfind("\n") + 1
    stack: list[tuple[str, int]] = []
    for i in range(line_start, len(sent)):
        c = sent[i]
        if stack and c == _OPENERS[stack[-1][0]]:
            stack.pop()
        elif c in _OPENERS:
            stack.append((c, i))
    return stack[-1][1] if stack else None


def _held_out_output(behaviour: str, reference: str, sent: str, rng: random.Random) -> str | None:
    """The held-out fallback behaviours: ways real models continue badly that the rules were not written for."""
    cont = reference[len(sent) :]
    if not cont.strip():
        return None
    if behaviour == "ellipsis":
        mark = rng.choice(["...", "…"])
        body = cont.lstrip()
        ws = cont[: len(cont) - len(body)] if sent.endswith("\n") else ""  # a new line keeps its indentation
        if rng.random() < 0.5:
            return ws + mark + " " + body
        return ws + mark + (body if sent[-1:].isspace() else cont)
    if behaviour == "reopen":
        p = _open_span(sent)
        if p is None:
            return None
        if sent[p] in _QUOTE_OPENERS and rng.random() < 0.5:
            return sent[p] + (cont.lstrip() if sent[-1:].isspace() else cont)
        return sent[p:] + cont
    if behaviour == "markdown_repeat":
        line = sent[sent.rfind("\n") + 1 :]
        open_inline = None
        for m in _INLINE_MARKERS.finditer(line):
            open_inline = None if open_inline == m.group() else (open_inline or m.group())
        if open_inline:  # "**" / "`" / "*" re-opened inside the span
            return open_inline + (cont.lstrip() if sent[-1:].isspace() else cont)
        block = _BLOCK_MARKER.match(line)
        if block is None:
            return None
        marker = block.group().lstrip(" \t")
        if not line[block.end() :].strip():
            return marker + cont.lstrip(" ")  # the item's marker said again
        if marker[0] in "-*+0123456789" and rng.random() < 0.5:
            return marker + cont.lstrip(" ")  # a list item's marker repeated in the middle of its text
        return None
    if behaviour == "indent_repeat":
        line = sent[sent.rfind("\n") + 1 :]
        body = line.lstrip(" \t")
        if not body.strip():
            return None
        indent = line[: len(line) - len(body)]
        other = rng.choice([i for i in ("", "  ", "    ", "\t", indent + "  ", indent[:-2]) if i != indent])
        return other + body + cont
    if behaviour == "unicode_form":
        start = len(sent)
        while 0 < start < len(reference) and unicodedata.combining(reference[start]):
            start -= 1  # a model re-states the whole grapheme it continues
        words = sent[_word_start(sent, rng.randint(2, 4)) :] if rng.random() < 0.5 else sent[start:]
        text = words + reference[len(sent) :]
        nfc = unicodedata.normalize("NFC", text)
        return unicodedata.normalize("NFD", text) if nfc == text else nfc
    if behaviour == "code_restart":
        spans = fence_spans(reference)
        span = next(((a, b) for a, b in spans if a <= len(sent) <= b), None)
        if span is None:
            return None
        if rng.random() < 0.5:
            return reference[span[0] :]
        open_line = reference[: span[0]].rstrip("\n").rsplit("\n", 1)[-1].strip()
        return "Here is the complete code again:\n\n" + open_line + "\n" + reference[span[0] :]
    raise ValueError(behaviour)


#: Fallback behaviours written with the third held-out batch: no rule was written against them either.
BATCH3_BEHAVIOURS = ["restart_paragraph", "ellipsis_echo", "preamble_other", "line_repeat", "preamble_restart"]

_OTHER_PREAMBLES = {
    "en": [
        "Picking up right where it broke off:\n\n",
        "Alright, resuming the answer.\n\n",
        "No problem, here is the remainder:\n\n",
        "Continuing the text:\n",
        "OK! Resuming from the cut-off point: ",
    ],
    "de": ["Okay, ich mache an der Stelle weiter:\n\n"],
    "fr": ["D'accord, je reprends là où le texte s'est arrêté :\n\n"],
    "es": ["De acuerdo, retomo donde se cortó:\n\n"],
    "pt": ["Certo, retomo a partir do ponto em que o texto parou:\n\n"],
    "zh": ["好的，接着上文继续：\n\n"],
    "ja": ["了解です。続きから書きます：\n\n"],
}


def _batch3_output(behaviour: str, reference: str, sent: str, lang: str, rng: random.Random) -> str | None:
    """The third batch's fallback behaviours: a paragraph, a line or the answer said again, echoes and lead-ins."""
    cont = reference[len(sent) :]
    if not cont.strip():
        return None
    in_code = any(a <= len(sent) <= b for a, b in fence_spans(reference))
    if behaviour == "restart_paragraph":
        start = sent.rfind("\n\n") + 2 if "\n\n" in sent else 0
        if not sent[start:].strip():
            return None
        return sent[start:] + cont
    if behaviour == "ellipsis_echo":
        words = sent[_word_start(sent, rng.randint(2, 4)) :]
        if not words.strip() or "\n" in words.strip():
            return None
        return rng.choice(["...", "…"]) + words + cont
    if behaviour == "preamble_other":
        pre = rng.choice(_OTHER_PREAMBLES.get(lang, _OTHER_PREAMBLES["en"]))
        if in_code:
            return pre.rstrip() + "\n" + cont
        return pre + cont.lstrip()
    if behaviour == "line_repeat":
        line = sent[sent.rfind("\n") + 1 :]
        if not line.strip():
            return None
        return line + cont
    if behaviour == "preamble_restart":
        return rng.choice(["Sure! Here is the full answer again:\n\n", "Let me start over.\n\n"]) + reference
    raise ValueError(behaviour)


#: Each batch of cases: (seed offset, its own random stream, so adding a batch changes no other batch's cases).
_BATCH_SEEDS = {
    "batch0": 0,
    "batch1": 7919,
    "batch2": 4421,
    "batch3": 6007,
    "batch4": 3251,
    "batch5": 5153,
    "batch6": 2789,
    "batch7": 8627,
    "batch8": 8861,
    "batch9": 9311,
    "batch10": 10193,
    "batch11": 11351,
    "batch12": 12473,
    "batch13": 13577,
    "batch14": 14591,
    "batch15": 15601,
    "batch16": 16607,
}
#: The corpora `make eval` reports: the development corpus holds every batch whose misses were looked at.
BATCHES = tuple(_BATCH_SEEDS)
CORPORA = {
    "dev": (
        "batch0",
        "batch1",
        "batch2",
        "batch3",
        "batch4",
        "batch5",
        "batch6",
        "batch7",
        "batch8",
        "batch9",
        "batch10",
        "batch11",
        "batch12",
        "batch13",
        "batch14",
        "batch15",
    ),
    "held-out": ("batch16",),
}


def _batch_plan(batch: str) -> list[tuple[str, str, str, list[str], bool]]:
    """(name, kind, text, behaviours, with end cuts) of one batch.

    A batch is its texts under every behaviour known when it was written, plus the older texts under the
    behaviours written with it.
    """
    # Each batch in order: its texts and the behaviours written with it.
    batches = [
        (REFERENCES, BEHAVIOURS),
        (BATCH_1, HELD_OUT_BEHAVIOURS),
        (BATCH_2, []),
        (BATCH_3, BATCH3_BEHAVIOURS),
        (BATCH_4, BATCH4_BEHAVIOURS),
        (BATCH_5, BATCH5_BEHAVIOURS),
        (BATCH_6, BATCH6_BEHAVIOURS),
        (BATCH_7, BATCH7_BEHAVIOURS),
        (BATCH_8, BATCH8_BEHAVIOURS),
        (BATCH_9, BATCH9_BEHAVIOURS),
        (BATCH_10, BATCH10_BEHAVIOURS),
        (BATCH_11, BATCH11_BEHAVIOURS),
        (BATCH_12, BATCH12_BEHAVIOURS),
        (BATCH_13, BATCH13_BEHAVIOURS),
        (BATCH_14, BATCH14_BEHAVIOURS),
        (BATCH_15, BATCH15_BEHAVIOURS),
        (BATCH_16, BATCH16_BEHAVIOURS),
    ]
    index = BATCHES.index(batch)
    texts, new = batches[index]
    known = [behaviour for _, written in batches[: index + 1] for behaviour in written]
    plan = [(n, k, t, known, True) for n, k, t in texts]
    if index and new:
        plan += [(n, k, t, new, False) for older, _ in batches[:index] for n, k, t in older]
    return plan


def batch_texts(batch: str) -> list[tuple[str, str, str]]:
    """(name, kind, text) of the texts written with one batch."""
    return [(name, kind, text) for name, kind, text, _, own in _batch_plan(batch) if own]


#: Fallback behaviours written with the fourth held-out batch.
BATCH4_BEHAVIOURS = ["section_restart", "preamble_quote", "apology"]

_APOLOGIES = {
    "en": [
        "Apologies, my previous message was cut off. ",
        "Sorry about that, the answer got cut off. Here's the rest:\n\n",
        "My apologies for the interruption!\n\n",
    ],
    "de": ["Entschuldigung, die Antwort wurde abgeschnitten. "],
    "fr": ["Désolé, la réponse a été coupée. "],
    "es": ["Perdón, la respuesta se cortó. "],
    "pt": ["Desculpe, a resposta foi cortada. "],
}


def _batch4_output(behaviour: str, reference: str, sent: str, lang: str, rng: random.Random) -> str | None:
    """The fourth batch's fallback behaviours: a section said again, a lead-in quoting the tail, an apology."""
    cont = reference[len(sent) :]
    if not cont.strip():
        return None
    in_code = any(a <= len(sent) <= b for a, b in fence_spans(reference))
    if behaviour == "section_restart":
        headings = [m.start() for m in re.finditer(r"(?m)^#{1,6} ", sent)]
        if not headings or not sent[headings[-1] :].strip():
            return None
        return sent[headings[-1] :] + cont
    if behaviour == "preamble_quote":
        if in_code:
            line = sent.rstrip("\n").rsplit("\n", 1)[-1].strip()
            if not line:
                return None
            return f'Continuing after "{line}":\n' + cont
        words = sent[_word_start(sent, rng.randint(3, 6)) :].strip()
        if not words or "\n" in words:
            return None
        return rng.choice([f'Continuing from "{words}":\n\n', f"Picking up after “{words}”: "]) + cont.lstrip()
    if behaviour == "apology":
        pre = rng.choice(_APOLOGIES.get(lang, _APOLOGIES["en"]))
        if in_code:
            return pre.rstrip() + "\n" + cont
        return pre + cont.lstrip()
    raise ValueError(behaviour)


#: Fallback behaviours written with the fifth held-out batch.
BATCH5_BEHAVIOURS = ["preamble_styled"]

_STYLED_PREAMBLES = {
    "en": ["**Continued:**\n\n", "*(continued from above)*\n\n", "_Continuing the answer:_ ", "— continued —\n\n"],
    "de": ["**Fortsetzung:**\n\n"],
    "fr": ["*(suite)*\n\n"],
    "es": ["**Continuación:**\n\n"],
    "pt": ["**Continuação:**\n\n"],
}


def _batch5_output(behaviour: str, reference: str, sent: str, lang: str, rng: random.Random) -> str | None:
    """The fifth batch's fallback behaviour: a lead-in set in Markdown emphasis or between dashes."""
    cont = reference[len(sent) :]
    if not cont.strip():
        return None
    if behaviour == "preamble_styled":
        pre = rng.choice(_STYLED_PREAMBLES.get(lang, _STYLED_PREAMBLES["en"]))
        if any(a <= len(sent) <= b for a, b in fence_spans(reference)):
            return pre.rstrip() + "\n" + cont
        return pre + cont.lstrip()
    raise ValueError(behaviour)


#: Fallback behaviours written with the sixth held-out batch.
BATCH6_BEHAVIOURS = ["preamble_heading", "bullet_swap"]

_HEADING_PREAMBLES = {
    "en": ["### Continuation\n\n", "## Continued\n\n", "### (continued)\n\n", "#### Continuing where I left off\n\n"],
    "de": ["### Fortsetzung\n\n"],
    "fr": ["### Suite de la réponse\n\n"],
    "es": ["### Continuación\n\n"],
    "pt": ["### Continuação\n\n"],
    "zh": ["### 续写\n\n"],
    "ja": ["### 続き\n\n"],
}
_BULLET_ITEM = re.compile(r"^([ \t]*)([-*+]) (?=\S)")


def _batch6_output(behaviour: str, reference: str, sent: str, lang: str, rng: random.Random) -> str | None:
    """The sixth batch's fallback behaviours: a lead-in set as a Markdown heading, a bullet item said again.

    `preamble_heading`: the model titles its continuation, "### Continuation\n\n" + the rest (in code, the heading
    on its own line, then the code).  `bullet_swap`: cut inside a bullet item, the model writes the item again from
    its marker but with another bullet character, "- 2 buah cab" + "* 2 buah cabai merah, …"; cut right after an
    item, that whole item again with the other bullet.
    """
    cont = reference[len(sent) :]
    if not cont.strip():
        return None
    if behaviour == "preamble_heading":
        # "…the compiler fl" + "### Continuation\n\nags every **non-exhaustive match**…"
        pre = rng.choice(_HEADING_PREAMBLES.get(lang, _HEADING_PREAMBLES["en"]))
        if any(a <= len(sent) <= b for a, b in fence_spans(reference)):
            return pre.rstrip() + "\n" + cont
        return pre + cont.lstrip()
    if behaviour == "bullet_swap":
        # "- 2 buah cab" + "* 2 buah cabai merah, sesuai selera\n- 1 sdt terasi…": the item, with "*" for "-"
        # Cut right after a whole item: "- 1 sdt terasi bakar\n" + "* 1 sdt terasi bakar\n- 2 sdm kecap…"
        start = sent.rfind("\n", 0, len(sent) - 1) + 1 if sent.endswith("\n") else sent.rfind("\n") + 1
        line = sent[start:]
        m = _BULLET_ITEM.match(line)
        if m is None or any(a <= len(sent) <= b for a, b in fence_spans(reference)):
            return None
        other = rng.choice([c for c in "-*+" if c != m.group(2)])
        return m.group(1) + other + line[m.end(2) :] + cont
    raise ValueError(behaviour)


#: Fallback behaviours written with the seventh held-out batch.
BATCH7_BEHAVIOURS = ["preamble_blank_first", "table_header_repeat"]

_BLANK_FIRST_PREAMBLES = {
    "en": [
        "\n\nHere's the remainder of the answer:\n\n",
        "\nSure — continuing below.\n\n",
        "\n\nOkay, here is the rest:\n",
        " \n\nAs requested, the rest of the text:\n\n",
    ],
    "ja": ["\n\n以下、続きです。\n\n"],
    "uk": ["\n\nОсь продовження відповіді:\n\n"],
    "sw": ["\n\nHaya, huu hapa mwendelezo:\n\n"],
    "pt": ["\n\nAqui está o restante da resposta:\n\n"],
}


def _table_rows_before(sent: str, reference: str) -> tuple[str, str, str] | None:
    """(header row, delimiter row, current row so far) when the sent text stops inside a table's body."""
    lines = sent.split("\n")
    current = lines[-1]
    if current:
        if not current.lstrip().startswith("|"):
            return None
    elif not reference[len(sent) :].lstrip(" ").startswith("|"):
        return None  # the table is finished: nothing to say again
    start = len(lines) - 1
    while start > 0 and lines[start - 1].lstrip().startswith("|"):
        start -= 1
    if len(lines) - 1 - start < 2:
        return None  # still in the header or its delimiter row
    return lines[start], lines[start + 1], current


def _batch7_output(behaviour: str, reference: str, sent: str, lang: str, rng: random.Random) -> str | None:
    """The seventh batch's fallback behaviours: a lead-in after leading blank lines, a table's header said again.

    `preamble_blank_first`: the model starts with a line break or two before its lead-in, "\n\nHere's the
    remainder of the answer:\n\n" + the rest.  `table_header_repeat`: cut inside a table's body, the model
    re-sends the header and delimiter rows, then the current row from its start (or the next row, cut at a row's
    end), as if writing the table anew.
    """
    cont = reference[len(sent) :]
    if not cont.strip():
        return None
    in_code = any(a <= len(sent) <= b for a, b in fence_spans(reference))
    if behaviour == "preamble_blank_first":
        # "…the `unchecked` bl" + "\n\nOkay, here is the rest:\nock only saves gas…"
        pre = rng.choice(_BLANK_FIRST_PREAMBLES.get(lang, _BLANK_FIRST_PREAMBLES["en"]))
        if in_code:
            return pre.rstrip() + "\n" + cont
        return pre + cont.lstrip()
    if behaviour == "table_header_repeat":
        # "| `&&` | `cd bu" + "| Operator | Example | What it does |\n| --- | --- | --- |\n| `&&` | `cd build…"
        rows = None if in_code else _table_rows_before(sent, reference)
        if rows is None:
            return None
        header, delimiter, current = rows
        return header + "\n" + delimiter + "\n" + current + cont
    raise ValueError(behaviour)


def build_cases(seed: int = 1234, per_kind: int = 1, *, corpus: str = "dev", holdback: bool = True) -> list[Case]:
    """The cases of a corpus ("dev", "held-out": see `CORPORA`) or of one batch ("batch0" … "batch16")."""
    cases: list[Case] = []
    for batch in CORPORA.get(corpus, (corpus,)):
        rng = random.Random(seed + _BATCH_SEEDS[batch])
        for name, kind, text, behaviours, with_end in _batch_plan(batch):
            points = _cut_points(text)
            for cut_kind, positions in sorted(points.items()):
                for pos in rng.sample(sorted(set(positions)), min(per_kind, len(set(positions)))):
                    for behaviour in behaviours:
                        cases.append(Case(name, kind, cut_kind, pos, behaviour, rng.randrange(1 << 30), holdback))
            if with_end:
                for behaviour in END_BEHAVIOURS:
                    cases.append(Case(name, kind, "end", len(text), behaviour, rng.randrange(1 << 30), holdback))
    return cases


def _chunks(text: str, rng: random.Random, low: int, high: int) -> Iterator[str]:
    i = 0
    while i < len(text):
        n = rng.randint(low, high)
        yield text[i : i + n]
        i += n


_TEXTS = {
    name: text
    for texts in (
        REFERENCES,
        BATCH_1,
        BATCH_2,
        BATCH_3,
        BATCH_4,
        BATCH_5,
        BATCH_6,
        BATCH_7,
        BATCH_8,
        BATCH_9,
        BATCH_10,
        BATCH_11,
        BATCH_12,
        BATCH_13,
        BATCH_14,
        BATCH_15,
        BATCH_16,
    )
    for name, _, text in texts
}


def run_case(
    case: Case, *, checker: Callable[..., list[str]] = is_clean, seam_class: type[SeamRepair] = SeamRepair
) -> Outcome | None:
    reference = _TEXTS[case.name]
    rng = random.Random(case.seed)
    hold = HoldBack()
    tokenizer = PseudoTokenizer()
    rolling = RollingBuffer(tokenizer.encode, tokenizer.decode, max_tokens=200)
    sent_parts = []
    for chunk in _chunks(reference[: case.cut], rng, 1, 6):
        out = hold.feed(chunk) if case.holdback else chunk
        if out:
            sent_parts.append(out)
            rolling.append(out)
    dropped = hold.drop()
    sent = "".join(sent_parts)
    if case.behaviour in HELD_OUT_BEHAVIOURS:
        fallback = _held_out_output(case.behaviour, reference, sent, rng)
    elif case.behaviour in BATCH3_BEHAVIOURS:
        fallback = _batch3_output(case.behaviour, reference, sent, _LANG_OF.get(case.name, "en"), rng)
    elif case.behaviour in BATCH4_BEHAVIOURS:
        fallback = _batch4_output(case.behaviour, reference, sent, _LANG_OF.get(case.name, "en"), rng)
    elif case.behaviour in BATCH5_BEHAVIOURS:
        fallback = _batch5_output(case.behaviour, reference, sent, _LANG_OF.get(case.name, "en"), rng)
    elif case.behaviour in BATCH6_BEHAVIOURS:
        fallback = _batch6_output(case.behaviour, reference, sent, _LANG_OF.get(case.name, "en"), rng)
    elif case.behaviour in BATCH7_BEHAVIOURS:
        fallback = _batch7_output(case.behaviour, reference, sent, _LANG_OF.get(case.name, "en"), rng)
    elif case.behaviour in BATCH8_BEHAVIOURS:
        fallback = batch8_output(case.behaviour, reference, sent, _LANG_OF.get(case.name, "en"), rng)
    elif case.behaviour in BATCH9_BEHAVIOURS:
        fallback = batch9_output(case.behaviour, reference, sent, _LANG_OF.get(case.name, "en"), rng)
    elif case.behaviour in BATCH10_BEHAVIOURS:
        fallback = batch10_output(case.behaviour, reference, sent, _LANG_OF.get(case.name, "en"), rng)
    elif case.behaviour in BATCH11_BEHAVIOURS:
        fallback = batch11_output(case.behaviour, reference, sent, _LANG_OF.get(case.name, "en"), rng)
    elif case.behaviour in BATCH12_BEHAVIOURS:
        fallback = batch12_output(case.behaviour, reference, sent, _LANG_OF.get(case.name, "en"), rng)
    elif case.behaviour in BATCH13_BEHAVIOURS:
        fallback = batch13_output(case.behaviour, reference, sent, _LANG_OF.get(case.name, "en"), rng)
    elif case.behaviour in BATCH14_BEHAVIOURS:
        fallback = batch14_output(case.behaviour, reference, sent, _LANG_OF.get(case.name, "en"), rng)
    elif case.behaviour in BATCH15_BEHAVIOURS:
        fallback = batch15_output(case.behaviour, reference, sent, _LANG_OF.get(case.name, "en"), rng)
    elif case.behaviour in BATCH16_BEHAVIOURS:
        fallback = batch16_output(case.behaviour, reference, sent, _LANG_OF.get(case.name, "en"), rng)
    else:
        fallback = _fallback_output(case.behaviour, reference, sent, _LANG_OF.get(case.name, "en"), rng)
    if fallback is None:
        return None
    tail = rolling.tail()
    stripped = ""
    if case.behaviour == "stripped_prefill":
        stripped = tail[len(tail.rstrip()) :]
        if not stripped:
            return None
        tail = tail.rstrip()
        fallback = stripped + fallback
    # A fallback that continues exactly is a prefill-mode model; the others misbehave like instruct-mode ones.
    mode = "prefill" if case.behaviour in ("exact", "stripped_prefill", "complete") else "instruct"
    seam = seam_class(tail, stripped_whitespace=stripped, sent_text=sent, dropped=dropped, mode=mode)
    emitted = [seam.feed(chunk) for chunk in _chunks(fallback, rng, 1, 8)]
    emitted.append(seam.finish())
    final = sent + "".join(emitted)
    problems = checker(reference, sent, final, exact=True)
    if seam.result is not None and "error" in seam.result.steps:
        problems.append("the seam repair raised (its guard passed the text through)")
    strategy = seam.result.strategy if seam.result else "none"
    return Outcome(case, sent, fallback, final, problems, strategy, final == reference)
