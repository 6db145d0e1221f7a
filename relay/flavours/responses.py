"""OpenAI's Responses format, text in and text out: the request read into a generation, the log encoded as its events.

The events are a pure function of the log, so a replay gives the same bytes with the same
`sequence_number`s: 0 to 3 open the response, its message and its text part; each native
`token` is one `response.output_text.delta`; the other native events (progress, cost,
failover, splice) are not sent and take no number; four events close it. Resuming after
sequence number N reads the log from its start and sends what comes after N.
"""

from __future__ import annotations

from typing import Any, Literal

import orjson

from ..engine import GenerationRequest
from ..finish import openai_finish_reason
from . import fields
from .native import NativeReader, usage_of

SUPPORTED = frozenset(
    {"model", "input", "instructions", "max_output_tokens", "temperature", "stream", "background", "stream_options"}
)
# Accepted, and without effect on the text (`store`: the relay keeps every stream's log anyway).
IGNORED = frozenset(
    {"metadata", "user", "safety_identifier", "prompt_cache_key", "service_tier", "store", "truncation"}
)
INPUT_ITEM_KEYS = frozenset({"role", "content", "type", "id", "status"})
RESPONSE_PREFIX = "resp_"
OPENED = 4  # sequence numbers 0-3: created, in_progress, output_item.added, content_part.added

ResponseStatus = Literal["completed", "failed", "in_progress", "cancelled", "incomplete"]


class ResponsesRequest:
    """A validated `POST /v1/responses` body."""

    __slots__ = ("model", "generation", "stream", "background")

    def __init__(self, model: str, generation: GenerationRequest, stream: bool, background: bool) -> None:
        self.model = model
        self.generation = generation
        self.stream = stream
        self.background = background


def parse_responses_request(body: Any, *, max_output_tokens: int) -> ResponsesRequest:
    """The request, or a 400 ApiError naming the field (fields the relay cannot honour are refused)."""
    if not isinstance(body, dict):
        raise fields.invalid("the body must be a JSON object", None)
    fields.refuse_unsupported(body, SUPPORTED, IGNORED)
    model = fields.model_name(body)
    messages: list[dict[str, Any]] = []
    instructions = body.get("instructions")
    if instructions is not None:
        if not isinstance(instructions, str):
            raise fields.invalid("'instructions' must be a string", "instructions")
        messages.append({"role": "system", "content": instructions})
    messages += _input_messages(body.get("input"))
    options = body.get("stream_options")
    if options is not None and not isinstance(options, dict):
        raise fields.invalid("'stream_options' must be an object", "stream_options")
    generation = GenerationRequest(
        messages, fields.max_tokens(body, ("max_output_tokens",), max_output_tokens), fields.temperature(body)
    )
    return ResponsesRequest(model, generation, fields.boolean(body, "stream"), fields.boolean(body, "background"))


def _input_messages(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str) and value:
        return [{"role": "user", "content": value}]
    if not isinstance(value, list) or not value:
        raise fields.invalid("'input' must be a non-empty string or a non-empty list of messages", "input")
    messages = []
    for index, item in enumerate(value):
        where = f"input[{index}]"
        if not isinstance(item, dict):
            raise fields.invalid(f"{where} must be a message object with 'role' and 'content'", where)
        if item.get("type", "message") != "message":
            raise fields.invalid(f"{where}: only message items are supported", f"{where}.type", "unsupported_parameter")
        for key in item:
            if key not in INPUT_ITEM_KEYS:
                raise fields.invalid(
                    f"{where}.{str(key)[:50]} is not supported", f"{where}.{key}", "unsupported_parameter"
                )
        role = fields.role_of(item, where)
        kinds = frozenset({"output_text"}) if role == "assistant" else frozenset({"input_text"})
        messages.append({"role": role, "content": fields.text_of(item.get("content"), f"{where}.content", kinds)})
    return messages


def response_id_for(stream_id: str) -> str:
    return RESPONSE_PREFIX + stream_id


def stream_id_for(response_id: str) -> str | None:
    return response_id[len(RESPONSE_PREFIX) :] if response_id.startswith(RESPONSE_PREFIX) else None


def message_id_for(stream_id: str) -> str:
    return "msg_" + stream_id


def usage(cost: dict[str, Any] | None) -> dict[str, Any]:
    """The Response's `usage` from the stream's final `cost` event: every attempt's tokens, as reconciled."""
    prompt, output, cached = usage_of(cost)
    return {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": cached, "cache_write_tokens": 0},
        "output_tokens": output,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": prompt + output,
    }


def status_of(native_status: str, finish_reason: str | None) -> ResponseStatus:
    """The Response's status for a stream's status and native finish reason."""
    if native_status == "running":
        return "in_progress"
    if native_status == "failed":
        return "failed"
    if native_status == "cancelled" or finish_reason == "cancelled":
        return "cancelled"
    return "completed" if openai_finish_reason(finish_reason) in ("stop", "tool_calls") else "incomplete"


def _incomplete_reason(finish_reason: str | None) -> str:
    return "content_filter" if openai_finish_reason(finish_reason) == "content_filter" else "max_output_tokens"


def _part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def _message(stream_id: str, status: str, text: str | None) -> dict[str, Any]:
    content = [] if text is None else [_part(text)]
    return {
        "id": message_id_for(stream_id),
        "type": "message",
        "status": status,
        "role": "assistant",
        "content": content,
    }


def response_object(
    stream_id: str,
    created_at: float,
    model: str,
    status: ResponseStatus,
    *,
    text: str | None = None,
    finish_reason: str | None = None,
    cost: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
    background: bool | None = None,
) -> dict[str, Any]:
    """The Response object; `output` holds the message once any text is known, `usage` once the stream ended.

    The request's parameters are not kept with the stream, so `instructions`, `temperature`
    and `max_output_tokens` are null: every reader of the stream sees the same object.
    """
    ended = status != "in_progress"
    item_status = {"completed": "completed", "in_progress": "in_progress"}.get(status, "incomplete")
    return {
        "id": response_id_for(stream_id),
        "object": "response",
        "created_at": int(created_at),
        "status": status,
        "background": background,
        "error": None
        if error is None
        else {"code": "server_error", "message": str(error.get("message") or "the generation failed")},
        "incomplete_details": {"reason": _incomplete_reason(finish_reason)} if status == "incomplete" else None,
        "instructions": None,
        "max_output_tokens": None,
        "model": model,
        "output": [] if text is None else [_message(stream_id, item_status, text)],
        "parallel_tool_calls": False,
        "previous_response_id": None,
        "store": True,
        "temperature": None,
        "text": {"format": {"type": "text"}},
        "tool_choice": "none",
        "tools": [],
        "top_p": None,
        "truncation": "disabled",
        "usage": usage(cost) if ended else None,
        "metadata": {},
    }


class ResponseEvents(NativeReader):
    """The log as Responses SSE events, those after sequence number `after`.

    A token costs one concatenation of prepared bytes and its sequence number's digits.
    """

    def __init__(self, stream_id: str, created_at: float, model: str, *, after: int = -1) -> None:
        super().__init__(keep_text=True)
        self._stream_id = stream_id
        self._created_at = created_at
        self._model = model
        self._after = after
        self._sequence = OPENED
        self.final: dict[str, Any] | None = None  # the Response object once the stream ended
        item_id = orjson.dumps(message_id_for(stream_id))
        self._delta_prefix = (
            b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":'
        )
        self._delta_middle = b',"item_id":' + item_id + b',"output_index":0,"content_index":0,"delta":'
        self._delta_suffix = b',"logprobs":[]}\n\n'

    def start(self) -> bytes:
        """The events that open the response, its message and its text part (0 to 3)."""
        opening = self._response("in_progress")
        message = _message(self._stream_id, "in_progress", None)
        item_id = message["id"]
        events: list[dict[str, Any]] = [
            {"type": "response.created", "response": opening},
            {"type": "response.in_progress", "response": opening},
            {"type": "response.output_item.added", "output_index": 0, "item": message},
            {
                "type": "response.content_part.added",
                "item_id": item_id,
                "output_index": 0,
                "content_index": 0,
                "part": _part(""),
            },
        ]
        return b"".join(self._frame(sequence, event) for sequence, event in enumerate(events))

    def token(self, literal: bytes) -> bytes:
        sequence = self._sequence
        self._sequence = sequence + 1
        if sequence <= self._after:
            return b""
        return self._delta_prefix + b"%d" % sequence + self._delta_middle + literal + self._delta_suffix

    def done(self, data: dict[str, Any]) -> bytes:
        finish_reason = data.get("finish_reason")
        status = status_of("cancelled" if finish_reason == "cancelled" else "done", finish_reason)
        text = self.text
        item_id = message_id_for(self._stream_id)
        item = _message(self._stream_id, "completed" if status == "completed" else "incomplete", text)
        terminal = "response.completed" if status == "completed" else "response.incomplete"
        closing: list[dict[str, Any]] = [
            {
                "type": "response.output_text.done",
                "item_id": item_id,
                "output_index": 0,
                "content_index": 0,
                "text": text,
                "logprobs": [],
            },
            {
                "type": "response.content_part.done",
                "item_id": item_id,
                "output_index": 0,
                "content_index": 0,
                "part": _part(text),
            },
            {"type": "response.output_item.done", "output_index": 0, "item": item},
            {"type": terminal, "response": self._response(status, text=text, finish_reason=finish_reason)},
        ]
        self.final = closing[-1]["response"]
        return self._frames(closing)

    def error(self, data: dict[str, Any]) -> bytes:
        """A failed generation ends with `response.failed` (its error's code is OpenAI's `server_error`)."""
        response = self.final = self._response("failed", text=self.text, error=data)
        return self._frames([{"type": "response.failed", "response": response}])

    def _response(self, status: ResponseStatus, **details: Any) -> dict[str, Any]:
        return response_object(self._stream_id, self._created_at, self._model, status, cost=self.cost, **details)

    def _frames(self, events: list[dict[str, Any]]) -> bytes:
        out = b""
        for event in events:
            out += self._frame(self._sequence, event)
            self._sequence += 1
        return out

    def _frame(self, sequence: int, event: dict[str, Any]) -> bytes:
        if sequence <= self._after:
            return b""
        event["sequence_number"] = sequence
        return b"event: " + str(event["type"]).encode() + b"\ndata: " + orjson.dumps(event) + b"\n\n"
