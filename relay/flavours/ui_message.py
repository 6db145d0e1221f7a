"""The Vercel AI SDK's UI message stream: the request `DefaultChatTransport` sends, the log encoded as its chunks.

Every chunk is one `data: <json>` frame, no `id:` or `event:` lines (the SDK reads only
`data`), keep-alives are comment lines. A stream reads as `start` (its `messageId`, derived
from the stream id, so every replay starts the same message), `text-start`, a `text-delta`
per token, then `text-end` and `finish`, or `error` for a failed generation, or `abort`
for a cancelled one, and `data: [DONE]`. Progress, cost, failover and splice travel as
transient data parts (`data-progress`...), which `useChat` hands to `onData` and never
keeps in the message.

Only the fields the strictest schemas know are sent (ai 5.0.0 to 5.0.216, 6.0.0 to 6.0.230
and 7.0.0 to 7.0.31 reject any other): `finish` carries no `finishReason` (ai before 5.0.92
refuses it), so the reason travels as the message's metadata, `{"finishReason": ...}`.
"""

from __future__ import annotations

from typing import Any

import orjson

from ..engine import GenerationRequest
from ..errors import ApiError
from ..finish import openai_finish_reason
from ..validation import parse_generation_request

# Relay fields a request may add beside the transport's own (DefaultChatTransport's `body` option).
RELAY_FIELDS = ("route", "max_tokens", "temperature", "max_usd")
MAX_CHAT_ID_CHARS = 256
ROLES = frozenset({"system", "user", "assistant"})
# Parts that say nothing to the model in a text conversation: left out of the prompt.
IGNORED_PARTS = frozenset({"step-start", "reasoning", "source-url", "source-document"})
TEXT_ID = b'"text"'  # the one text part of each answer
FINISH_REASONS = {"stop": "stop", "length": "length", "content_filter": "content-filter", "tool_calls": "tool-calls"}
DONE = b"data: [DONE]\n\n"
# The native events sent on as transient data parts, their data as the log holds it.
DATA_PARTS = {
    name: b'data: {"type":"data-' + name + b'","data":' for name in (b"progress", b"cost", b"failover", b"splice")
}
_TRANSIENT = b',"transient":true}\n\n'
_FRAME_END = b"\n\n"
_EVENT = b"\nevent: "
_DATA = b"\ndata: "
_TEXT_PREFIX_LEN = len(b'{"text":')


def _invalid(message: str) -> ApiError:
    return ApiError(400, "invalid_request", message)


class UIChatRequest:
    """A validated `POST /v1/ui/chat` body: the chat, the route and the generation."""

    __slots__ = ("chat_id", "route", "generation")

    def __init__(self, chat_id: str, route: str, generation: GenerationRequest) -> None:
        self.chat_id = chat_id
        self.route = route
        self.generation = generation


def parse_ui_chat_request(body: Any, *, max_output_tokens: int) -> UIChatRequest:
    """The request, or a 400 naming the field; fields of the transport and the app other than these are ignored."""
    if not isinstance(body, dict):
        raise _invalid("the body must be a JSON object")
    chat_id = body.get("id")
    if not isinstance(chat_id, str) or not chat_id or len(chat_id) > MAX_CHAT_ID_CHARS:
        raise _invalid(f"'id' (the chat id) must be a string of 1 to {MAX_CHAT_ID_CHARS} characters")
    trigger = body.get("trigger")
    if trigger is not None and not isinstance(trigger, str):
        raise _invalid("'trigger' must be a string")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _invalid("'messages' must be a non-empty list of UI messages")
    native = [message for index, item in enumerate(messages) if (message := _message(item, index)) is not None]
    if not native:
        raise _invalid("'messages' holds no text to answer")
    relay_fields = {name: body[name] for name in RELAY_FIELDS if body.get(name) is not None}
    route, generation = parse_generation_request(
        {**relay_fields, "messages": native}, max_output_tokens=max_output_tokens
    )
    return UIChatRequest(chat_id, route, generation)


def _message(message: Any, index: int) -> dict[str, Any] | None:
    """A UI message as a native one: its text parts, in order; None for an assistant message without text."""
    where = f"messages[{index}]"
    if not isinstance(message, dict):
        raise _invalid(f"{where} must be a UI message object with 'role' and 'parts'")
    role = message.get("role")
    if not isinstance(role, str) or role not in ROLES:
        raise _invalid(f"{where}.role must be one of {', '.join(sorted(ROLES))}")
    parts = message.get("parts")
    if not isinstance(parts, list):
        raise _invalid(f"{where}.parts must be a list")
    texts: list[str] = []
    for number, part in enumerate(parts):
        kind = part.get("type") if isinstance(part, dict) else None
        if not isinstance(kind, str):
            raise _invalid(f"{where}.parts[{number}] must be an object with a 'type'")
        if kind == "text":
            text = part.get("text")
            if not isinstance(text, str):
                raise _invalid(f"{where}.parts[{number}].text must be a string")
            texts.append(text)
        elif kind not in IGNORED_PARTS and not kind.startswith("data-"):
            raise ApiError(
                400,
                "unsupported_part",
                f"{where}.parts[{number}] is a {kind[:60]!r} part; this relay sends only text to the model "
                "(text parts are read; step-start, reasoning, source and data parts are left out)",
            )
    if not texts:
        if role == "assistant":
            return None  # e.g. an answer stopped before its first word
        raise _invalid(f"{where} has no text part")
    if len(texts) == 1:
        return {"role": role, "content": texts[0]}
    return {"role": role, "content": [{"type": "text", "text": text} for text in texts]}


def message_id_for(stream_id: str) -> str:
    """The UI message a stream writes: the same on every read of the stream, on every instance."""
    return "msg_" + stream_id


class UIMessageChunks:
    """The log as UI message chunks; a token costs one concatenation of prepared bytes."""

    def __init__(self, stream_id: str) -> None:
        self._message_id = message_id_for(stream_id)
        self._delta_prefix = b'data: {"type":"text-delta","id":' + TEXT_ID + b',"delta":'
        self._text_end = b'data: {"type":"text-end","id":' + TEXT_ID + b"}\n\n"

    def start(self) -> bytes:
        """The message and its text part open: sent first on every read, a replay's too."""
        start = orjson.dumps({"type": "start", "messageId": self._message_id})
        return b"data: " + start + b'\n\ndata: {"type":"text-start","id":' + TEXT_ID + b"}\n\n"

    def __call__(self, body: bytes) -> bytes:
        """A body of native frames (relay/events.py) as chunks; events of no meaning here (`resume`) give none."""
        out = b""
        for frame in body.split(_FRAME_END)[:-1]:
            _, _, rest = frame.partition(_EVENT)
            name, _, data = rest.partition(_DATA)
            if name == b"token":
                out += self._delta_prefix + data[_TEXT_PREFIX_LEN:-1] + b"}\n\n"
            elif name in DATA_PARTS:
                out += DATA_PARTS[name] + data + _TRANSIENT
            elif name == b"done":
                out += self._done(orjson.loads(data))
            elif name == b"error":
                out += self._error(orjson.loads(data))
        return out

    def _done(self, data: dict[str, Any]) -> bytes:
        native = data.get("finish_reason")
        if native == "cancelled":
            return self._text_end + b'data: {"type":"abort"}\n\n' + DONE
        reason = FINISH_REASONS[openai_finish_reason(native)]
        finish = {"type": "finish", "messageMetadata": {"finishReason": reason}}
        return self._text_end + b"data: " + orjson.dumps(finish) + b"\n\n" + DONE

    def _error(self, data: dict[str, Any]) -> bytes:
        error = {"type": "error", "errorText": str(data.get("message") or "the generation failed")}
        return self._text_end + b"data: " + orjson.dumps(error) + b"\n\n" + DONE
