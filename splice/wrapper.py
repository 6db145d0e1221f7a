"""Recognise text a fallback puts around its whole continuation (a wrapper) and drop it at both ends.

Two kinds, neither of them the answer's:

* a Markdown code block of its own (```` ```markdown ````, ```` ```md ````, ```` ```text ```` or a bare fence) opened
  where the text was not in code and closed at the end of the stream: the model presented the rest as a thing to
  copy;
* a chat template's control tokens: its turn header (dropped by rule W, `leak.py`) and its end-of-turn token at the
  end of the stream (`<|im_end|>`, `<|eot_id|>`, `<end_of_turn>`, `</s>`, …).

The opener is judged at the seam (`match_fence_wrap`, `template_closer`); the closer can only be known at the end of
the stream, so `CloserHold` holds back only a chunk's trailing characters that could still become it, releases them
as soon as they cannot, and drops the closer when the stream ends on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .context import TextContext

__all__ = ["PENDING", "END_OF_TURN", "Closer", "CloserHold", "match_fence_wrap", "template_closer"]

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


@dataclass(frozen=True)
class Closer:
    """What closes a recognised wrapper at the end of the stream: a fence (its char and length) or the tokens."""

    fence: str = ""
    tokens: tuple[str, ...] = ()


def _announces_block(sent: str) -> bool:
    """The sent text's last line leads into a block of its own (`Here is the code:`) or closed one (```` ``` ````)."""
    if not sent.endswith("\n"):
        return False  # a fence opens a block only at a line start
    before = sent.rstrip()
    last = before[before.rfind("\n") + 1 :]
    return before.endswith(":") or bool(_FENCE_LINE.fullmatch(last))


def match_fence_wrap(head: str, sent: str, ctx: TextContext, *, final: bool) -> tuple[int, Closer | None]:
    """(length of the wrapper's opening line, its closer) when `head` opens a code block around the rest.

    Only outside code, and not where the sent text's last line introduces a block (or closed one): there a fence
    may open the answer's own block.  (PENDING, None) while the first line may still become such a fence.
    """
    if ctx.in_fence or not head or head[0] not in " `~" or _announces_block(sent):
        return 0, None
    first = head.split("\n", 1)[0] if "\n" in head else head
    if "\n" not in head:
        return (PENDING if not final and _MAYBE_OPENER.match(first) else 0), None
    m = _OPENER.match(head)
    if m is None:
        return 0, None
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


class CloserHold:
    """Passes text through, holding back only trailing chars that may still be the wrapper's closer."""

    def __init__(self, closer: Closer) -> None:
        self._closer = closer
        self._pending = ""

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

    def feed(self, text: str) -> str:
        """The part of `text` (after what was held) that can no longer be the closer."""
        if not text:
            return ""
        text = self._pending + text
        cut = self._hold_from(text)
        self._pending = text[cut:]
        return text[:cut]

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
