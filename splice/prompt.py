"""Ask a fallback model to continue a partial answer from exactly where it stopped.

Four modes, chosen per model by the relay's capability table (docs/splice.md), named
as the config names them:

* "prefill": the partial answer is the final assistant turn and the model simply
  goes on writing it.  Most reliable when the API supports it.  "continue_final_message"
  (vLLM, llama.cpp) and "prefix" (DeepSeek, Mistral) send the same messages; the
  provider adapter adds the flags that say so.
* "instruct": the partial answer is an assistant turn followed by a short user
  turn asking to continue at the break, in the conversation's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, get_args

from .context import TextContext, analyse

__all__ = ["CONTINUATION_MODES", "ContinuationMode", "ContinuationRequest", "build_continuation", "detect_language"]

ContinuationMode = Literal["prefill", "continue_final_message", "prefix", "instruct"]
CONTINUATION_MODES: tuple[ContinuationMode, ...] = get_args(ContinuationMode)

# Patterns are compiled at import, not on first use: the first failover must not pay for it.
_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W\d_]+")
_LAST_WORD = re.compile(r"\S+$")


@dataclass
class ContinuationRequest:
    messages: list[dict[str, Any]]  # OpenAI-shaped; the original system message untouched
    prefill: str | None  # the final assistant text, in every mode but "instruct"
    stripped_whitespace: str  # trailing whitespace removed from the prefill; the seam accounts for it
    mode: ContinuationMode


_STOPWORDS = {
    "de": {
        "der",
        "die",
        "das",
        "und",
        "ist",
        "nicht",
        "ich",
        "ein",
        "eine",
        "mit",
        "für",
        "auf",
        "sie",
        "wie",
        "zu",
        "den",
        "von",
        "es",
        "auch",
        "bitte",
    },
    "fr": {
        "le",
        "la",
        "les",
        "et",
        "est",
        "une",
        "des",
        "pour",
        "que",
        "pas",
        "dans",
        "vous",
        "avec",
        "sur",
        "ce",
        "qui",
        "je",
        "il",
        "du",
        "au",
    },
    "es": {
        "el",
        "la",
        "los",
        "las",
        "y",
        "es",
        "una",
        "para",
        "que",
        "no",
        "en",
        "con",
        "por",
        "del",
        "se",
        "como",
        "pero",
        "más",
        "qué",
        "cómo",
    },
    "en": {
        "the",
        "and",
        "is",
        "of",
        "to",
        "in",
        "it",
        "you",
        "that",
        "for",
        "with",
        "on",
        "are",
        "this",
        "be",
        "can",
        "how",
        "what",
        "not",
        "a",
    },
}

# {lang: (base instruction, hints)}; hints are appended when they apply.
_TEXT = {
    "en": (
        "Your previous answer was cut off. Continue it exactly where it stops, without repeating anything already "
        "written and without any introduction. Keep the same language and format.",
        {
            "mid_word": "It stops in the middle of the word “{frag}”: continue with the rest of that word.",
            "fence": "It stops inside a {lang}code block: continue the code; do not open a new block.",
            "json": "It stops inside a JSON value{string}: continue the JSON so it stays valid.",
            "table": "It stops inside a table row: continue that row.",
            "list": "It stops inside a numbered list at item {n}: keep the numbering.",
            "bullets": "It stops inside a list: keep the same list format.",
        },
    ),
    "de": (
        "Deine vorherige Antwort wurde abgeschnitten. Setze sie genau an der Stelle fort, an der sie endet, ohne "
        "etwas zu wiederholen und ohne Einleitung. Behalte Sprache und Format bei.",
        {
            "mid_word": "Sie endet mitten im Wort „{frag}“: setze mit dem Rest dieses Wortes fort.",
            "fence": "Sie endet in einem {lang}Codeblock: setze den Code fort, öffne keinen neuen Block.",
            "json": "Sie endet in einem JSON-Wert{string}: setze das JSON gültig fort.",
            "table": "Sie endet in einer Tabellenzeile: setze diese Zeile fort.",
            "list": "Sie endet in einer nummerierten Liste bei Punkt {n}: behalte die Nummerierung bei.",
            "bullets": "Sie endet in einer Liste: behalte das Listenformat bei.",
        },
    ),
    "fr": (
        "Ta réponse précédente a été coupée. Reprends-la exactement là où elle s’arrête, sans rien répéter de ce "
        "qui est déjà écrit et sans introduction. Garde la même langue et le même format.",
        {
            "mid_word": "Elle s’arrête au milieu du mot « {frag} » : continue avec la fin de ce mot.",
            "fence": "Elle s’arrête dans un bloc de code {lang}: continue le code, n’ouvre pas de nouveau bloc.",
            "json": "Elle s’arrête dans une valeur JSON{string} : continue le JSON pour qu’il reste valide.",
            "table": "Elle s’arrête dans une ligne de tableau : continue cette ligne.",
            "list": "Elle s’arrête dans une liste numérotée au point {n} : garde la numérotation.",
            "bullets": "Elle s’arrête dans une liste : garde le même format de liste.",
        },
    ),
    "es": (
        "Tu respuesta anterior se cortó. Continúala exactamente donde se detiene, sin repetir nada de lo ya "
        "escrito y sin ninguna introducción. Mantén el mismo idioma y formato.",
        {
            "mid_word": "Se detiene en mitad de la palabra «{frag}»: continúa con el resto de esa palabra.",
            "fence": "Se detiene dentro de un bloque de código {lang}: continúa el código, no abras un bloque nuevo.",
            "json": "Se detiene dentro de un valor JSON{string}: continúa el JSON para que siga siendo válido.",
            "table": "Se detiene dentro de una fila de tabla: continúa esa fila.",
            "list": "Se detiene dentro de una lista numerada en el punto {n}: mantén la numeración.",
            "bullets": "Se detiene dentro de una lista: mantén el mismo formato de lista.",
        },
    ),
    "zh": (
        "你之前的回答被截断了。请从中断处直接继续，不要重复已经写过的内容，也不要任何开场白。保持相同的语言和格式。",
        {
            "mid_word": "它停在“{frag}”中间：请接着写完。",
            "fence": "它停在一个{lang}代码块中：请继续写代码，不要开启新的代码块。",
            "json": "它停在一个 JSON 值中{string}：请继续，使 JSON 保持有效。",
            "table": "它停在表格的一行中：请继续这一行。",
            "list": "它停在编号列表的第 {n} 项：请保持编号连续。",
            "bullets": "它停在一个列表中：请保持相同的列表格式。",
        },
    ),
    "ja": (
        "前の回答が途中で切れました。既に書いた内容を繰り返さず、前置きもなしに、途切れた箇所からそのまま続けてください。同じ言語と形式を保ってください。",
        {
            "mid_word": "「{frag}」の途中で切れています。その続きから書いてください。",
            "fence": "{lang}コードブロックの途中で切れています。新しいブロックを開かずにコードを続けてください。",
            "json": "JSON の値の途中で切れています{string}。有効な JSON になるように続けてください。",
            "table": "表の行の途中で切れています。その行を続けてください。",
            "list": "番号付きリストの {n} 番目の途中で切れています。番号を続けてください。",
            "bullets": "リストの途中で切れています。同じリスト形式を保ってください。",
        },
    ),
}
_JSON_STRING = {
    "en": " (a string)",
    "de": " (einem String)",
    "fr": " (une chaîne)",
    "es": " (una cadena)",
    "zh": "（字符串）",
    "ja": "（文字列）",
}


def _content_text(content: object) -> str:
    """Text of a message's content: a str or a list of OpenAI/Anthropic content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""


def detect_language(text: str) -> str:
    """A coarse language guess: by script for zh/ja, by stopwords for en/de/fr/es; "en" when unsure."""
    sample = text[-4000:]
    kana = len(_KANA.findall(sample))
    han = len(_HAN.findall(sample))
    letters = len(_LETTER.findall(sample))
    if letters and (kana + han) / letters > 0.2:
        return "ja" if kana > 0.1 * (kana + han) else "zh"
    words = _WORD.findall(sample.lower())
    scores = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOPWORDS.items()}
    best = max(scores, key=lambda k: scores[k])
    if scores[best] == 0:
        return "en"
    return best


def _hints(sent: str, ctx: TextContext, lang: str) -> list[str]:
    templates = _TEXT[lang][1]
    hints = []
    if ctx.mid_word:
        frag = _LAST_WORD.search(sent)
        if frag:
            hints.append(templates["mid_word"].format(frag=frag.group()[-40:]))
    if ctx.in_fence:
        hints.append(templates["fence"].format(lang=f"{ctx.fence_lang} " if ctx.fence_lang else ""))
    if ctx.in_json:
        hints.append(templates["json"].format(string=_JSON_STRING[lang] if ctx.in_json_string else ""))
    elif ctx.in_table:
        hints.append(templates["table"])
    elif ctx.numbered_item is not None:
        hints.append(templates["list"].format(n=ctx.numbered_item.number))
    elif ctx.in_list:
        hints.append(templates["bullets"])
    return hints


def build_continuation(
    messages: list[dict[str, Any]],
    sent_text: str,
    mode: ContinuationMode,
    *,
    strip_trailing_whitespace: bool = False,
) -> ContinuationRequest:
    """The request that makes a fallback continue `sent_text` (everything sent so far).

    The original messages are not mutated and no system message is added or
    replaced.  If the conversation already ends with an assistant turn (the
    client's own prefill), the partial answer continues that turn.
    """
    base = list(messages)
    prior = ""
    if base and base[-1].get("role") == "assistant":
        prior = _content_text(base[-1].get("content"))
        base = base[:-1]
    partial = prior + sent_text
    if not partial.strip():
        # Nothing visible was sent: a plain retry of the original request.
        return ContinuationRequest(list(messages), None, "", mode)

    if mode != "instruct":
        prefill = partial
        stripped = ""
        if strip_trailing_whitespace:
            prefill = partial.rstrip()
            stripped = partial[len(prefill) :]
        return ContinuationRequest(base + [{"role": "assistant", "content": prefill}], prefill, stripped, mode)

    conversation = " ".join(_content_text(m.get("content")) for m in messages if m.get("role") != "system")
    lang = detect_language(conversation + " " + sent_text[-2000:])
    ctx = analyse(sent_text)
    instruction = " ".join([_TEXT[lang][0], *_hints(sent_text, ctx, lang)])
    return ContinuationRequest(
        base + [{"role": "assistant", "content": partial}, {"role": "user", "content": instruction}],
        None,
        "",
        "instruct",
    )
