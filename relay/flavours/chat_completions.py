"""OpenAI's Chat Completions format: the request read into a generation, the log encoded as its chunks.

Streaming, every chunk has the same `id`, `created` and `model`; the role comes first, alone,
the finish reason in the last choice chunk, then with `stream_options.include_usage` a chunk
with no choices and the stream's usage, then `data: [DONE]`. No `id:` or `retry:` lines are
ever sent and keep-alives are comment lines that end no event: openai-python's decoder turns a
blank line after an `id:` or `retry:` into an event it cannot parse.
"""

from __future__ import annotations

from typing import Any

import orjson

from ..engine import GenerationRequest
from ..finish import openai_finish_reason
from . import fields
from .native import NativeReader, usage_of

SUPPORTED = frozenset(
    {"model", "messages", "stream", "stream_options", "max_tokens", "max_completion_tokens", "temperature", "n"}
)
# Accepted, and without effect on the text.
IGNORED = frozenset({"user", "safety_identifier", "prompt_cache_key", "metadata", "store", "service_tier"})
MESSAGE_KEYS = frozenset({"role", "content", "name", "refusal"})
KEEP_ALIVE = b": keep-alive\n"
# A failed generation's status without streaming, by the last failure's kind (providers/errors.py).
FAILURE_STATUS = {
    "bad_request": 400,
    "rate_limited": 429,
    "overloaded": 503,
    "timeout": 504,
}  # a comment line: it ends no event, so no SDK sees an empty one


class ChatRequest:
    """A validated `POST /v1/chat/completions` body."""

    __slots__ = ("model", "generation", "stream", "include_usage")

    def __init__(self, model: str, generation: GenerationRequest, stream: bool, include_usage: bool) -> None:
        self.model = model
        self.generation = generation
        self.stream = stream
        self.include_usage = include_usage


def parse_chat_request(body: Any, *, max_output_tokens: int) -> ChatRequest:
    """The request, or a 400 ApiError naming the field (fields the relay cannot honour are refused)."""
    if not isinstance(body, dict):
        raise fields.invalid("the body must be a JSON object", None)
    fields.refuse_unsupported(body, SUPPORTED, IGNORED)
    model = fields.model_name(body)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise fields.invalid("'messages' must be a non-empty list", "messages")
    clean = [_message(message, f"messages[{index}]") for index, message in enumerate(messages)]
    n = body.get("n")
    if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n != 1):
        raise fields.invalid("'n' must be 1: the relay generates one choice", "n", "unsupported_parameter")
    stream = fields.boolean(body, "stream")
    options = body.get("stream_options")
    include_usage = False
    if options is not None:
        if not isinstance(options, dict):
            raise fields.invalid("'stream_options' must be an object", "stream_options")
        include_usage = fields.boolean(options, "include_usage")
    generation = GenerationRequest(
        clean,
        fields.max_tokens(body, ("max_completion_tokens", "max_tokens"), max_output_tokens),
        fields.temperature(body),
    )
    return ChatRequest(model, generation, stream, include_usage)


def _message(message: Any, where: str) -> dict[str, Any]:
    if not isinstance(message, dict):
        raise fields.invalid(f"{where} must be an object with 'role' and 'content'", where)
    for key in message:
        if key not in MESSAGE_KEYS and message[key] is not None:
            raise fields.invalid(
                f"{where}.{str(key)[:50]} is not supported by this relay", f"{where}.{key}", "unsupported_parameter"
            )
    role = fields.role_of(message, where)
    content = message.get("content")
    if role == "assistant" and content is None:
        content = ""
    return {"role": role, "content": fields.text_of(content, f"{where}.content", frozenset({"text"}))}


def usage(cost: dict[str, Any] | None) -> dict[str, Any]:
    """Chat's `usage` from the stream's final `cost` event: every attempt's tokens, as reconciled."""
    prompt, completion, cached = usage_of(cost)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cached},
    }


def _error_object(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "message": str(data.get("message") or "the generation failed"),
        "type": "server_error",
        "param": None,
        "code": data.get("code"),
    }


class ChatChunks(NativeReader):
    """The log as `chat.completion.chunk` SSE frames; a token costs one concatenation of prepared bytes."""

    def __init__(self, completion_id: str, created: int, model: str, *, include_usage: bool) -> None:
        super().__init__()
        self._head = (
            b'{"id":' + orjson.dumps(completion_id) + b',"object":"chat.completion.chunk","created":%d,"model":'
        ) % created + orjson.dumps(model)
        self._include_usage = include_usage
        tail = b',"usage":null}\n\n' if include_usage else b"}\n\n"
        self._delta_prefix = b"data: " + self._head + b',"choices":[{"index":0,"delta":{'
        self._token_prefix = self._delta_prefix + b'"content":'
        self._token_suffix = b'},"logprobs":null,"finish_reason":null}]' + tail
        self._tail = tail

    def start(self) -> bytes:
        """The first chunk: the assistant's role, alone."""
        return self._delta_prefix + b'"role":"assistant","content":""' + self._token_suffix

    def token(self, literal: bytes) -> bytes:
        return self._token_prefix + literal + self._token_suffix

    def done(self, data: dict[str, Any]) -> bytes:
        finish = openai_finish_reason(data.get("finish_reason"))
        out = (
            b"data: "
            + self._head
            + b',"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"'
            + finish.encode()
            + b'"}]'
            + self._tail
        )
        if self._include_usage:
            out += b"data: " + self._head + b',"choices":[],"usage":' + orjson.dumps(usage(self.cost)) + b"}\n\n"
        return out + b"data: [DONE]\n\n"

    def error(self, data: dict[str, Any]) -> bytes:
        """A failure after the 200: an `error` payload, which both SDKs raise as APIError."""
        return b"data: " + orjson.dumps({"error": _error_object(data)}) + b"\n\n"


class ChatCompletion(NativeReader):
    """The log read to its end into one `chat.completion` object (`stream: false`)."""

    def __init__(self) -> None:
        super().__init__(keep_text=True)
        self.finish_reason: str | None = None
        self.failure: dict[str, Any] | None = None
        self.failure_status = 502

    def done(self, data: dict[str, Any]) -> bytes:
        self.finish_reason = openai_finish_reason(data.get("finish_reason"))
        return b""

    def error(self, data: dict[str, Any]) -> bytes:
        self.failure = _error_object(data)
        self.failure_status = FAILURE_STATUS.get(str(data.get("kind")), 502)
        if self.failure_status == 400:
            self.failure["type"] = "invalid_request_error"  # the upstream refused the request as asked
        return b""

    def completion(self, completion_id: str, created: int, model: str) -> dict[str, Any]:
        return {
            "id": completion_id,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": self.text, "refusal": None, "annotations": []},
                    "logprobs": None,
                    "finish_reason": self.finish_reason or "stop",
                }
            ],
            "usage": usage(self.cost),
        }
