"""Finish reasons in OpenAI's vocabulary, whichever provider finished the stream."""

from __future__ import annotations

from typing import Literal

OpenAIFinish = Literal["stop", "length", "content_filter", "tool_calls"]

_OPENAI_FINISH: dict[str, OpenAIFinish] = {
    "stop": "stop",
    "end_turn": "stop",  # Anthropic
    "stop_sequence": "stop",
    "STOP": "stop",  # Gemini
    "cancelled": "stop",  # the relay's own: OpenAI has no better word for it
    "length": "length",
    "max_tokens": "length",
    "MAX_TOKENS": "length",
    "budget": "length",  # the relay stopped at the stream's max_usd
    "content_filter": "content_filter",
    "refusal": "content_filter",
    "SAFETY": "content_filter",
    "tool_calls": "tool_calls",
    "tool_use": "tool_calls",
}


def openai_finish_reason(native: str | None) -> OpenAIFinish:
    """`stop`, `length`, `content_filter` or `tool_calls` for a `done` event's `finish_reason`; unknown ones stop."""
    return _OPENAI_FINISH.get(native or "stop", "stop")
