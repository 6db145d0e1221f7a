"""Recognise what a model puts before its continuation that is not the answer (rule W).

Two kinds, both leaked by the way a model is served rather than written as the answer:

* a reasoning trace: `<think>…</think>` (and `<thinking>`, `<reasoning>`, `<thought>`, `<reflection>`, gpt-oss's
  analysis channel), the same block without its opener (DeepSeek-R1's chat template writes `<think>` into the
  prompt), or an empty block (Qwen3 with thinking off);
* a speaker label: a chat template's turn header decoded as text (`<|im_start|>assistant`, Llama 3's
  `<|start_header_id|>assistant<|end_header_id|>` or its bare `assistant` line, Gemma's `<start_of_turn>model`,
  `[/INST]`, `<|assistant|>`) or a transcript's (`Assistant:`, `**Assistant:**`, `AI:`).

Neither is part of the answer unless the answer's own text is that kind of text: a transcript whose lines start with
that label, or code (a fenced block or inline code) that itself writes the tag.  `match_leak` gives the length to
drop; it waits (PENDING) while the head could still be such a block, up to `MAX_REASONING` chars.
"""

from __future__ import annotations

import re

__all__ = ["match_leak", "may_begin_leak", "PENDING", "OPEN", "MAX_REASONING"]

PENDING = -1  # the head's start may still become a block or a label: a few more chars decide
OPEN = -2  # a reasoning block is open: only its closing tag (or the bound) decides
#: The most head held back while it could still be a reasoning block (about 8k tokens).  Past it the seam
#: repair stops waiting and passes the head through as it is: the reader may see the reasoning, never loses text.
MAX_REASONING = 32768

_TAG_NAMES = r"(?:think|thinking|thought|thoughts|reasoning|reason|reflection|scratchpad)"
_OPEN_RE = re.compile(rf"\A\s*<({_TAG_NAMES})>", re.IGNORECASE)
_CLOSE_RE = re.compile(rf"</{_TAG_NAMES}>", re.IGNORECASE)
_HARMONY_OPEN_RE = re.compile(r"\A\s*(?:<\|start\|>assistant)?<\|channel\|>analysis<\|message\|>")
_HARMONY_CLOSE = "<|end|>"
_OPENERS = [
    *(f"<{name}>" for name in ("think", "thinking", "thought", "thoughts", "reasoning", "reason", "reflection")),
    "<scratchpad>",
    "<|channel|>analysis<|message|>",
    "<|start|>assistant<|channel|>analysis<|message|>",
]

# A chat template's turn header, decoded as text: it names the assistant's turn and nothing else.
_TEMPLATE_LABELS = [
    "<|im_start|>assistant",
    "<|start_header_id|>assistant<|end_header_id|>",
    "<|start|>assistant<|channel|>final<|message|>",
    "<|channel|>final<|message|>",
    "<start_of_turn>model",
    "<|assistant|>",
    "<｜Assistant｜>",
    "<|Assistant|>",
    "<|CHATBOT_TOKEN|>",
    "[/INST]",
]
_TEMPLATE_RE = re.compile(r"\A\s*(" + "|".join(re.escape(label) for label in _TEMPLATE_LABELS) + r")")
# A transcript's speaker label for the model, with or without emphasis: "Assistant:", "**Assistant:**", "AI:".
_SPEAKERS = r"(?:assistant|ai assistant|ai|chatbot)"
_SPEAKER_RE = re.compile(
    rf"\A[ \t]*(?:#{{1,6}}[ \t]+)?(\*\*|__|\*|_|)({_SPEAKERS})[ \t]*(?::[ \t]*\1|\1[ \t]*:)[ \t]*(?=\S|\n|\Z)",
    re.IGNORECASE,
)
# Llama 3's header without its special tokens, a role name alone on the first line.
_BARE_RE = re.compile(r"\A[ \t]*(assistant)[ \t]*\n", re.IGNORECASE)
_LINE_LABEL_RE = re.compile(r"(?m)^[ \t>]*(?:#{1,6}[ \t]+)?(?:\*\*|__|\*|_)?([^\W\d_][\w .-]{0,30}?)(?:\*\*|__|\*|_)?:")

# A reasoning trace without its opener begins by speaking of the request: the user, the previous answer, the break,
# what the model should do next.  Only then is a closing tag waited for.
_ACK = r"(?:(?:okay|ok|alright|all right|hmm+|so|well|right|got it)[,.!]*\s+(?:so,?\s+)?)?"
_CUE_PHRASES = [
    "the user wants",
    "the user asked",
    "the user asks",
    "the user is asking",
    "the user said",
    "the user says",
    "the user would like",
    "the user wrote",
    "the user needs",
    "the user has asked",
    "the user's message",
    "the user's request",
    "user wants",
    "user asked",
    "the previous answer",
    "the previous response",
    "the previous message",
    "the previous reply",
    "the previous output",
    "the last answer",
    "the last response",
    "the last message",
    "my previous answer",
    "my previous response",
    "my previous message",
    "my last answer",
    "my last response",
    "my last message",
    "the answer was cut",
    "the answer got cut",
    "the answer stops",
    "the answer stopped",
    "the answer ends",
    "the answer broke off",
    "the response was cut",
    "the response stops",
    "the response ends",
    "the text was cut",
    "the text stops",
    "the code was cut",
    "the code stops",
    "i should continue",
    "i need to continue",
    "i must continue",
    "i have to continue",
    "i'll continue",
    "i will continue",
    "i continue",
    "i'm continuing",
    "let me continue",
    "let me think",
    "we need to continue",
    "用户",
    "之前的回答",
    "上一个回答",
    "上一条回答",
    "我需要",
    "我应该",
    "ユーザー",
    "前の回答",
]
_CUE_RE = re.compile(rf"\A\s*{_ACK}(?:{'|'.join(re.escape(p) for p in _CUE_PHRASES)})", re.IGNORECASE)
_ACK_RE = re.compile(rf"\A\s*{_ACK}", re.IGNORECASE)
_LEAK_WORDS = frozenset(
    w for phrase in _CUE_PHRASES + ["assistant", "chatbot", "ai", "okay", "alright", "hmm"] for w in phrase.split()
)
_LINE_END = re.compile(r"[ \t]*\n")
_LINE_END_BLANK = re.compile(r"[ \t]*\n(?:[ \t]*\n)?")


def _in_code(in_code: bool, sent_text: str, tag: str) -> bool:
    """Code (a block or inline code) that itself writes `tag` (a parser of reasoning blocks, a template) owns it."""
    return in_code and tag.lower() in sent_text.lower()


def _after(head: str, end: int, in_code: bool, *, blank: bool) -> int:
    """The block's own line breaks after it: all leading whitespace in prose; in code its line end, and the blank
    line after it when the form writes one (`</think>` and Llama 3's header are followed by a blank line)."""
    if not in_code:
        return len(head) - len(head[end:].lstrip())
    m = (_LINE_END_BLANK if blank else _LINE_END).match(head, end)
    return m.end() if m else end


def _reasoning(head: str, sent_text: str, in_code: bool, in_inline: bool, final: bool) -> int:
    """Length of a reasoning block at the head's start with its line breaks, 0 if none, PENDING while it may be one."""
    m = _OPEN_RE.match(head) or _HARMONY_OPEN_RE.match(head)
    if m:
        opener = m.group(0).strip()
        if _in_code(in_code or in_inline, sent_text, opener[: opener.find(">") + 1]):
            return 0
        closer = _HARMONY_CLOSE if opener.startswith("<|") else None
        close_at, close_end = _find_close(head, m.end(), closer)
        if close_at < 0:
            return 0 if final or len(head) > MAX_REASONING else OPEN
        return _after(head, close_end, in_code, blank=True)
    body = head.lstrip()
    if not final and body and len(body) < 64 and any(o.startswith(body) for o in _OPENERS):
        return PENDING  # "<thi" may be "<think>"
    # Without its opener: a trace that speaks of the request, closed by a tag of its own.
    close = _CLOSE_RE.search(head)
    if close and _CUE_RE.match(head) and not _in_code(in_code or in_inline, sent_text, close.group(0)):
        return _after(head, close.end(), in_code, blank=True)
    if final or len(head) > MAX_REASONING:
        return 0
    if _CUE_RE.match(head):
        return OPEN
    return PENDING if _may_become_cue(body) else 0


def _find_close(head: str, start: int, closer: str | None) -> tuple[int, int]:
    if closer is not None:
        at = head.find(closer, start)
        return (at, at + len(closer)) if at >= 0 else (-1, -1)
    m = _CLOSE_RE.search(head, start)
    return (m.start(), m.end()) if m else (-1, -1)


def _may_become_cue(body: str) -> bool:
    """The head's start so far is a prefix of a cue phrase (maybe after an acknowledgement)."""
    if not body or "\n" in body or len(body) > 60:
        return False
    s = body.lower()
    m = _ACK_RE.match(s)
    rest = s[m.end() :] if m else s
    if not rest:
        return True
    return any(p.startswith(rest) for p in _CUE_PHRASES)


def _label(head: str, sent_text: str, in_code: bool, in_inline: bool, final: bool) -> int:
    """Length of a speaker label at the head's start with its line breaks, 0 if none, PENDING while it may be one."""
    m = _TEMPLATE_RE.match(head)
    if m:
        if _in_code(in_code or in_inline, sent_text, m.group(1)):
            return 0
        return _after(head, m.end(), in_code, blank=m.group(1).endswith("<|end_header_id|>"))
    body = head.lstrip()
    if not final and body and len(body) < 64 and any(label.startswith(body) for label in _TEMPLATE_LABELS):
        return PENDING
    m = _SPEAKER_RE.match(head) or _BARE_RE.match(head)
    if m:
        name = (m.group(2) if m.re is _SPEAKER_RE else m.group(1)).lower()
        end = m.end() if m.re is _SPEAKER_RE else m.end() - 1
        if in_code and head[end : end + 1] not in ("\n", ""):
            return 0  # in code a label stands on a line of its own; "ai: 0.5" is code
        if _speaks_in_text(name, sent_text) or ((in_code or in_inline) and name in sent_text.lower()):
            return 0  # the text is a transcript with this speaker, or code that writes the label
        return _after(head, end, in_code, blank=False)
    if not final and _may_become_label(head):
        return PENDING
    return 0


def _may_become_label(head: str) -> bool:
    """The head so far is the start of a speaker label ("Assis", "**Assistant", "assistant" before its line end)."""
    s = head.lstrip(" \t").lower()
    if not s or "\n" in s or len(s) > 24:
        return False
    s = s.lstrip("#").lstrip(" \t").lstrip("*_")
    word = s.rstrip(" \t*_:")
    if not word:
        return True
    names = ("assistant", "ai assistant", "ai", "chatbot")
    if s != word:  # the word is complete: only a speaker's name may still get its colon or line end
        return word in names
    return any(n.startswith(word) for n in names)


def _speaks_in_text(name: str, sent_text: str) -> bool:
    """The sent text is a transcript in which `name` is one of the speakers."""
    return any(m.group(1).strip().lower() == name for m in _LINE_LABEL_RE.finditer(sent_text))


def match_leak(head: str, sent_text: str, *, in_code: bool, in_inline: bool = False, final: bool) -> tuple[int, str]:
    """(length of the reasoning blocks and speaker labels at the head's start, what they were), or (PENDING/OPEN, "").

    A reasoning block may be followed by a label and the other way round.  The length includes the line breaks
    that set them off: in prose all of them (the join puts back what the text needs), in code the line end and one
    blank line (the code's own indentation and blank lines follow).  `in_code`: the sent text is inside a code
    block; `in_inline`: inside inline code (joined like prose, but code that writes the tag owns it).
    """
    end = 0
    kinds: list[str] = []
    for _ in range(3):
        rest = head[end:]
        n = _reasoning(rest, sent_text, in_code, in_inline, final)
        if n in (PENDING, OPEN):
            return n, ""
        if n:
            end += n
            kinds.append("reasoning")
            continue
        n = _label(rest, sent_text, in_code, in_inline, final)
        if n == PENDING:
            return PENDING, ""
        if n:
            end += n
            kinds.append("label")
            continue
        break
    return end, "+".join(kinds)


def may_begin_leak(word: str) -> bool:
    """Whether a head that is one unfinished word could still begin a reasoning block or a speaker label."""
    folded = word.casefold()
    return any(known.startswith(folded) for known in _LEAK_WORDS)
