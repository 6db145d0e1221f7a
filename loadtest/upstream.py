"""A fake OpenAI / Anthropic streaming upstream with scripted faults.

It speaks ``POST /v1/chat/completions`` and ``POST /v1/messages`` with ``"stream": true`` the
way the real APIs put them on the wire, so a relay can be tested against the exact bytes it will
meet in production, and it can misbehave on cue: stall, reset, drip, lie about usage, answer a
continuation request in the ways real models do.

It is written on raw asyncio with ``httptools`` instead of an ASGI framework because faults need
the socket itself (a TCP reset, a FIN in the middle of a chunked body), and because one process
has to carry thousands of concurrent paced streams: every paced stream is woken by one shared
timer wheel rather than by a timer (and a task) of its own.

Run it with ``python -m loadtest.upstream --port 8900``, or in-process with :class:`FakeUpstream`
or :func:`upstream_in_thread`.

**The script lives in the model name**: ``<name>[;key=value]*`` (the grammar of
:mod:`providers.script`), e.g. ``gpt-4o-mini;fault=stall;at=12;tps=50``.  Keys (see :class:`Script`):

``text``      reference answer to stream (``prose`` default; see :mod:`splice.eval.corpus`;
              ``stamp`` sends each chunk's send time, spelled as two words by
              :mod:`loadtest.stamps`; more via ``PUT /_texts/<name>``)
``n``         number of content chunks (the text is repeated to fill it)
``tps``       content chunks per second (0, the default: as fast as possible)
``ttft``      seconds before the first content chunk
``fault``     ``stall close reset error_event malformed drip no_terminator no_finish hold_end`` or
              ``http400 http401 http429 http500 http503 http529``
``at``        content chunk index at which a positional fault strikes (default 5)
``drip_s``    seconds between chunks after ``at`` for ``fault=drip`` (default 5)
``retry_after`` value of the ``retry-after`` header of ``http429`` (default 1)
``usage_in``, ``usage_out``  reported prompt / completion tokens
``cont``      answer a continuation request: ``exact repeat_words repeat_sentence restart
              preamble nothing xml_wrap json_wrap offer`` (the last three: the rest between
              tags, as a JSON string field, or followed by a closing offer of more help)
``prefill``   ``reject``: 400 if the conversation ends with an assistant turn
``frag``      cut every write into HTTP chunks of at most this many bytes (splits UTF-8)

Faults: ``stall`` stops at chunk ``at`` and holds the connection open until the client leaves;
``close`` sends a FIN at ``at`` (the chunked body is left incomplete); ``reset`` sends a TCP RST
at ``at`` (after the earlier chunks have reached the peer); ``error_event`` sends the API's
mid-stream error at ``at`` and ends the body; ``malformed`` inserts one invalid-JSON event at
``at`` and carries on; ``drip`` sends one chunk per ``drip_s`` from ``at`` on; ``no_terminator``
ends the body cleanly after the text with no finish/usage/``[DONE]``/``message_stop``;
``no_finish`` leaves out only the finish reason (OpenAI's finish chunk, Anthropic's
``message_delta``); ``hold_end`` sends the whole answer and its terminator but holds back the
end of the chunked body (the connection stays open); ``httpNNN`` answers status NNN with the API's JSON error body.

A ``max_tokens`` / ``max_completion_tokens`` below the chunk count truncates the answer with
``finish_reason: "length"`` / ``stop_reason: "max_tokens"``.  Like the real API, Anthropic
prefill ending in whitespace is a 400.

Control endpoints: ``GET /_health``, ``GET|DELETE /_requests``, ``PUT /_texts/<name>``,
``GET /_stats``.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import email.utils
import fcntl
import heapq
import json
import math
import re
import secrets
import socket
import ssl as ssl_module
import struct
import sys
import termios
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Any, Protocol

import httptools
import orjson

from loadtest.stamps import encode_stamp, stamp_words
from loadtest.texts import STAMP, tokenize
from providers.script import KeyParser, ScriptError, model_name, non_negative, one_of, parse_script
from splice.eval.corpus import TEXTS

__all__ = [
    "CONTINUATIONS",
    "FAULTS",
    "PREAMBLE",
    "PREFILL_REJECTED",
    "FakeUpstream",
    "Reference",
    "Script",
    "ScriptError",
    "model_name",
    "upstream_in_thread",
]

HTTP_FAULTS: dict[str, int] = {
    "http400": 400,
    "http401": 401,
    "http429": 429,
    "http500": 500,
    "http503": 503,
    "http529": 529,
}
#: Faults that strike at content chunk index ``at``.
POSITIONAL_FAULTS = frozenset({"stall", "close", "reset", "error_event", "malformed"})
FAULTS = frozenset(HTTP_FAULTS) | POSITIONAL_FAULTS | {"drip", "no_terminator", "no_finish", "hold_end"}
CONTINUATIONS = frozenset(
    {"exact", "repeat_words", "repeat_sentence", "restart", "preamble", "nothing", "xml_wrap", "json_wrap", "offer"}
)
PREAMBLE = "Sure, continuing from where I left off: "
OFFER = "Let me know if you'd like me to expand on any part of this!"
PREFILL_REJECTED = (
    "This model does not support assistant message prefill. The conversation must end with a user message."
)
STAMP_DEFAULT_N = 100
MAX_RECORDED = 200

_BATCH = 256  # content chunks written per loop turn when a stream runs as fast as possible
_SECRET_HEADERS = frozenset({"authorization", "x-api-key", "api-key", "proxy-authorization"})
_REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
    529: "Site Overloaded",
}


# --------------------------------------------------------------------------------------------
# The script carried by the model name
# --------------------------------------------------------------------------------------------


_KEYS: dict[str, KeyParser] = {
    "text": str,
    "n": non_negative(int),
    "tps": non_negative(float),
    "ttft": non_negative(float),
    "fault": one_of(FAULTS),
    "at": non_negative(int),
    "drip_s": non_negative(float),
    "retry_after": non_negative(float),
    "usage_in": non_negative(int),
    "usage_out": non_negative(int),
    "cont": one_of(CONTINUATIONS),
    "prefill": one_of(frozenset({"reject", "accept"})),
    "frag": non_negative(int),
}


@dataclass(frozen=True, slots=True)
class Script:
    """What one request should get, parsed from ``<name>[;key=value]*``."""

    model: str
    text: str = "prose"
    n: int | None = None
    tps: float = 0.0
    ttft: float = 0.0
    fault: str | None = None
    at: int = 5
    drip_s: float = 5.0
    retry_after: float = 1.0
    usage_in: int | None = None
    usage_out: int | None = None
    cont: str | None = None
    prefill: str = "accept"
    frag: int | None = None

    @classmethod
    def parse(cls, model: str) -> Script:
        """Parse a model name; raise :class:`ScriptError` naming the offending part."""
        name, values = parse_script(model, _KEYS)
        if values.get("frag") == 0:
            values.pop("frag")
        return cls(model=name, **values)

    def __str__(self) -> str:
        return model_name(
            self.model,
            **{
                f.name: getattr(self, f.name)
                for f in fields(self)
                if f.name != "model" and getattr(self, f.name) != f.default
            },
        )


# --------------------------------------------------------------------------------------------
# Reference texts, continuation planning
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reference:
    """A tokenized reference answer; ``text`` is exactly ``"".join(tokens)``."""

    tokens: tuple[str, ...]
    starts: tuple[int, ...]
    text: str

    @classmethod
    def build(cls, tokens: list[str]) -> Reference:
        starts, offset = [], 0
        for token in tokens:
            starts.append(offset)
            offset += len(token)
        return cls(tuple(tokens), tuple(starts), "".join(tokens))

    def tokens_from(self, offset: int) -> list[str]:
        """The tokens covering ``text[offset:]``, the first one cut if ``offset`` falls inside it."""
        if offset >= len(self.text):
            return []
        k = bisect.bisect_right(self.starts, offset) - 1
        return [self.tokens[k][offset - self.starts[k] :], *self.tokens[k + 1 :]]


def repeat_tokens(tokens: list[str], text: str, n: int | None) -> list[str]:
    """``tokens`` cut or repeated (separated by a blank line) to exactly ``n`` chunks."""
    if n is None:
        return list(tokens)
    if not tokens:
        return []
    separator = "\n" if text.endswith("\n") else "\n\n"
    out: list[str] = []
    while len(out) < n:
        if out:
            out.append(separator)
        out.extend(tokens)
    return out[:n]


_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s+|\n+|[。！？]")


def partial_answer(messages: list[Any]) -> tuple[str | None, bool]:
    """The partial answer a continuation request carries, and whether it is a prefill.

    That is the final assistant message (a prefill), or else the last assistant message
    before the final user turn (the "instruct" shape).
    """
    if not messages or not isinstance(messages[-1], dict):
        return None, False
    if messages[-1].get("role") == "assistant":
        return message_text(messages[-1]), True
    for message in reversed(messages[:-1]):
        if isinstance(message, dict) and message.get("role") == "assistant":
            return message_text(message), False
    return None, False


def message_text(message: dict[str, Any]) -> str:
    """The text of a message whose content is a string or a list of ``{type: text}`` blocks."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            block.get("text", "")
            for block in content
            if isinstance(block, dict) and block.get("type") == "text" and isinstance(block.get("text"), str)
        )
    return ""


def continuation_tokens(reference: Reference, partial: str | None, behaviour: str) -> list[str]:
    """What a model asked to continue ``partial`` streams, per ``behaviour``."""
    if behaviour == "nothing":
        return []
    text = reference.text
    if partial is None:
        return list(reference.tokens)
    stripped = partial.rstrip()
    if text.startswith(partial):
        cut = len(partial)
    elif text.startswith(stripped):
        cut = len(stripped)
    else:
        return list(reference.tokens)  # not ours: the model starts over
    if behaviour == "exact":
        return reference.tokens_from(cut)
    if behaviour == "restart":
        return list(reference.tokens)
    if behaviour == "preamble":
        return [*tokenize(PREAMBLE), *reference.tokens_from(cut)]
    # An instruct model's habits around the rest: tags, a JSON string field, a closing offer of more help.
    if behaviour == "xml_wrap":
        return [*tokenize("<continuation>"), *reference.tokens_from(cut), *tokenize("</continuation>")]
    if behaviour == "json_wrap":
        return tokenize('{"continuation": ' + json.dumps(text[cut:], ensure_ascii=False) + "}")
    if behaviour == "offer":
        return [*reference.tokens_from(cut), *tokenize(("\n" if text.endswith("\n") else "\n\n") + OFFER)]
    if behaviour == "repeat_words":
        words = [m.start() for m in re.finditer(r"\S+", stripped)]
        return reference.tokens_from(words[-3] if len(words) >= 3 else 0)
    # repeat_sentence: from the start of the sentence the partial ends in (the whole last
    # sentence if the partial ends right at a full stop)
    starts = [m.end() for m in _SENTENCE_END.finditer(stripped) if m.end() < len(stripped)]
    return reference.tokens_from(starts[-1] if starts else 0)


# --------------------------------------------------------------------------------------------
# Wire formats
# --------------------------------------------------------------------------------------------


class Renderer(Protocol):
    """Encodes one streamed answer in one API's SSE dialect."""

    def head(self) -> bytes: ...
    def content(self, text: str) -> bytes: ...
    def tail(self, sent: int, truncated: bool, finish: bool) -> bytes: ...
    def error_event(self) -> bytes: ...
    def malformed(self) -> bytes: ...


_OBFUSCATION = b"Xq7Rk2LmZ9pW4sTb"


class OpenAIRenderer:
    """``chat.completion.chunk`` events, pre-encoded around the one field that changes."""

    def __init__(
        self,
        *,
        model: str,
        fingerprint: str,
        include_usage: bool,
        obfuscate: bool,
        prompt_tokens: int,
        usage_out: int | None,
    ) -> None:
        self.include_usage = include_usage
        self.prompt_tokens = prompt_tokens
        self.usage_out = usage_out
        self.obfuscate = obfuscate
        ident = orjson.dumps(
            {
                "id": "chatcmpl-" + secrets.token_urlsafe(22).replace("-", "x").replace("_", "y")[:29],
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": model,
                "service_tier": "default",
                "system_fingerprint": fingerprint,
            }
        )
        self._open = b"data: " + ident[:-1] + b',"choices":'
        self._content_open = self._open + b'[{"index":0,"delta":{"content":'
        self._usage_null = b',"usage":null' if include_usage else b""
        self._content_close = b'},"logprobs":null,"finish_reason":null}]' + self._usage_null
        self._closers = [self._content_close + self._obfuscation(k) + b"}\n\n" for k in range(16)]

    def _obfuscation(self, size: int) -> bytes:
        """The random-looking padding OpenAI adds so chunk sizes don't leak token lengths."""
        if not self.obfuscate:
            return b""
        return b',"obfuscation":"' + _OBFUSCATION[: 16 - size] + b'"'

    def _event(self, choices: bytes, tail: bytes = b"") -> bytes:
        return self._open + choices + tail + self._obfuscation(len(choices) % 16) + b"}\n\n"

    def head(self) -> bytes:
        delta = b'[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},'
        return self._event(delta + b'"logprobs":null,"finish_reason":null}]', self._usage_null)

    def content(self, text: str) -> bytes:
        return self._content_open + orjson.dumps(text) + self._closers[len(text) & 15]

    def tail(self, sent: int, truncated: bool, finish: bool) -> bytes:
        out = []
        if finish:
            reason = b'"length"' if truncated else b'"stop"'
            choice = b'[{"index":0,"delta":{},"logprobs":null,"finish_reason":' + reason + b"}]"
            out.append(self._event(choice, self._usage_null))
        if self.include_usage:
            completion = sent if self.usage_out is None else self.usage_out
            usage = orjson.dumps(
                {
                    "prompt_tokens": self.prompt_tokens,
                    "completion_tokens": completion,
                    "total_tokens": self.prompt_tokens + completion,
                    "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                    "completion_tokens_details": {
                        "reasoning_tokens": 0,
                        "audio_tokens": 0,
                        "accepted_prediction_tokens": 0,
                        "rejected_prediction_tokens": 0,
                    },
                }
            )
            out.append(self._event(b"[]", b',"usage":' + usage))
        out.append(b"data: [DONE]\n\n")
        return b"".join(out)

    def error_event(self) -> bytes:
        return b"data: " + orjson.dumps(openai_error(500)) + b"\n\n"

    def malformed(self) -> bytes:
        return self._content_open + b'"unterminated\n\n'


class AnthropicRenderer:
    """Messages API events: ``message_start`` ... ``message_stop``, each with its ``event:`` line."""

    def __init__(self, *, model: str, input_tokens: int, usage_out: int | None) -> None:
        self.model = model
        self.input_tokens = input_tokens
        self.usage_out = usage_out
        self.message_id = "msg_01" + _base62(22)

    @staticmethod
    def _event(name: str, data: dict[str, Any]) -> bytes:
        return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"

    def head(self) -> bytes:
        message: dict[str, Any] = {
            "id": self.message_id,
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {
                "input_tokens": self.input_tokens,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
                "output_tokens": 1,
                "service_tier": "standard",
            },
        }
        return b"".join(
            (
                self._event("message_start", {"type": "message_start", "message": message}),
                self._event(
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": 0,
                        "content_block": {"type": "text", "text": ""},
                    },
                ),
                b'event: ping\ndata: {"type": "ping"}\n\n',
            )
        )

    _content_open = (
        b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
        b'"delta":{"type":"text_delta","text":'
    )

    def content(self, text: str) -> bytes:
        return self._content_open + orjson.dumps(text) + b"}}\n\n"

    def tail(self, sent: int, truncated: bool, finish: bool) -> bytes:
        out = [self._event("content_block_stop", {"type": "content_block_stop", "index": 0})]
        if finish:
            out.append(
                self._event(
                    "message_delta",
                    {
                        "type": "message_delta",
                        "delta": {"stop_reason": "max_tokens" if truncated else "end_turn", "stop_sequence": None},
                        "usage": {
                            "input_tokens": self.input_tokens,
                            "cache_creation_input_tokens": 0,
                            "cache_read_input_tokens": 0,
                            "output_tokens": sent if self.usage_out is None else self.usage_out,
                        },
                    },
                )
            )
        out.append(self._event("message_stop", {"type": "message_stop"}))
        return b"".join(out)

    def error_event(self) -> bytes:
        return self._event("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})

    def malformed(self) -> bytes:
        return self._content_open + b'"unterminated\n\n'


_OPENAI_ERRORS: dict[int, tuple[str, str, str | None]] = {
    400: ("invalid_request_error", "Invalid request.", None),
    401: ("invalid_request_error", "Incorrect API key provided.", "invalid_api_key"),
    404: ("invalid_request_error", "Unknown request URL.", "unknown_url"),
    429: (
        "requests",
        "Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1. "
        "Please try again in 1s. Visit https://platform.openai.com/account/rate-limits to learn more.",
        "rate_limit_exceeded",
    ),
    500: ("server_error", "The server had an error while processing your request. Sorry about that!", None),
    503: ("server_error", "The engine is currently overloaded, please try again later.", None),
    529: ("server_error", "The engine is currently overloaded, please try again later.", None),
}

_ANTHROPIC_ERRORS: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "Invalid request."),
    401: ("authentication_error", "invalid x-api-key"),
    404: ("not_found_error", "Not found"),
    429: (
        "rate_limit_error",
        "This request would exceed the rate limit for your organization of "
        "50 requests per minute. Please try again later.",
    ),
    500: ("api_error", "Internal server error"),
    503: ("api_error", "Service unavailable"),
    529: ("overloaded_error", "Overloaded"),
}


def openai_error(status: int, message: str | None = None, param: str | None = None) -> dict[str, Any]:
    """OpenAI's error body for ``status``."""
    kind, default, code = _OPENAI_ERRORS.get(status, _OPENAI_ERRORS[500])
    return {"error": {"message": message or default, "type": kind, "param": param, "code": code}}


def anthropic_error(status: int, message: str | None = None, request_id: str | None = None) -> dict[str, Any]:
    """Anthropic's error body for ``status``."""
    kind, default = _ANTHROPIC_ERRORS.get(status, _ANTHROPIC_ERRORS[500])
    body: dict[str, Any] = {"type": "error", "error": {"type": kind, "message": message or default}}
    if request_id:
        body["request_id"] = request_id
    return body


def _base62(size: int) -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    return "".join(secrets.choice(alphabet) for _ in range(size))


@dataclass(frozen=True, slots=True)
class Dialect:
    """What differs between the two APIs outside the event stream itself."""

    name: str
    content_type: bytes
    request_id_header: bytes

    def error(
        self, status: int, message: str | None = None, param: str | None = None, request_id: str = ""
    ) -> dict[str, Any]:
        if self.name == "openai":
            return openai_error(status, message, param)
        return anthropic_error(status, message, request_id)

    def stream_headers(self, request_id: str) -> list[tuple[bytes, bytes]]:
        headers = [
            (b"content-type", self.content_type),
            (b"cache-control", b"no-cache"),
            (self.request_id_header, request_id.encode()),
        ]
        if self.name == "openai":
            headers += [
                (b"openai-version", b"2020-10-01"),
                (b"openai-processing-ms", b"23"),
                (b"openai-organization", b"fake-upstream"),
                (b"access-control-expose-headers", b"X-Request-ID"),
            ]
        else:
            headers += [(b"anthropic-organization-id", b"00000000-0000-4000-8000-fa4e0b57e4a1")]
        return headers


OPENAI = Dialect("openai", b"text/event-stream; charset=utf-8", b"x-request-id")
ANTHROPIC = Dialect("anthropic", b"text/event-stream", b"request-id")


# --------------------------------------------------------------------------------------------
# Pacing: one shared timer wheel
# --------------------------------------------------------------------------------------------


class Ticker:
    """Wakes paced streams from one timer, so 2000 streams at 20 tok/s cost 200 timers/s, not 40000.

    Wake-up times are rounded up to a grid of ``resolution`` seconds; all streams due in one
    slot share a bucket and one ``call_at``.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, resolution: float) -> None:
        self._loop = loop
        self._resolution = resolution
        self._buckets: dict[int, list[Stream]] = {}
        self._slots: list[int] = []
        self._timer: asyncio.TimerHandle | None = None
        self._armed: int | None = None
        self._floor = -1  # slots up to here are being (or have been) fired
        self._firing = False  # streams woken by _fire schedule their next chunk; _fire arms the timer after them

    def call_at(self, when: float, stream: Stream) -> None:
        # never into a slot that is being fired: float rounding could otherwise bounce a stream
        # between "not yet due" and "this slot" forever
        slot = max(math.ceil(when / self._resolution), self._floor + 1)
        bucket = self._buckets.get(slot)
        if bucket is not None:
            bucket.append(stream)
            return  # the timer is armed for the earliest slot, which is never later than this one
        self._buckets[slot] = [stream]
        heapq.heappush(self._slots, slot)
        if not self._firing and (self._armed is None or slot < self._armed):
            self._arm(slot)

    def _arm(self, slot: int) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._armed = slot
        self._timer = self._loop.call_at(slot * self._resolution, self._fire)

    def _fire(self) -> None:
        armed = self._armed if self._armed is not None else 0
        self._timer = self._armed = None
        now = max(self._loop.time(), armed * self._resolution)
        limit = self._floor = max(armed, math.floor(now / self._resolution))
        slots, buckets = self._slots, self._buckets
        self._firing = True
        try:
            while slots and slots[0] <= limit:
                for stream in buckets.pop(heapq.heappop(slots)):
                    stream.wake(now)
        finally:
            self._firing = False
        if slots:
            self._arm(slots[0])

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._armed = None
        self._buckets.clear()
        self._slots.clear()


# --------------------------------------------------------------------------------------------
# One streamed answer
# --------------------------------------------------------------------------------------------


class Stream:
    """Plays one SSE answer onto a connection: every chunk has a due time, faults a position."""

    def __init__(
        self,
        conn: Connection,
        renderer: Renderer,
        tokens: list[str] | None,
        count: int,
        script: Script,
        truncated: bool,
    ) -> None:
        self.conn = conn
        self.renderer = renderer
        self.tokens = tokens  # None: the ``stamp`` text, generated at send time
        self.count = count
        self.script = script
        self.truncated = truncated
        self.loop = conn.server.loop
        self.interval = 1.0 / script.tps if script.tps > 0 else 0.0
        self.fault_at = min(script.at, count) if script.fault in POSITIONAL_FAULTS else None
        self.drip_from = min(script.at, count) if script.fault == "drip" else None
        self.i = 0
        self.t_first = 0.0
        self.scheduled = False
        self.blocked = False
        self.done = False

    def start(self, head: bytes) -> None:
        """Send the response head and the opening events now; content follows on schedule."""
        self.t_first = self.loop.time() + self.script.ttft
        self.conn.write(head)
        self.conn.write_chunk(self.renderer.head())
        self.step(self.loop.time())

    def due(self, i: int) -> float:
        if self.drip_from is not None and i >= self.drip_from:
            return self.t_first + self.drip_from * self.interval + (i - self.drip_from + 1) * self.script.drip_s
        return self.t_first + i * self.interval

    def wake(self, now: float) -> None:
        self.scheduled = False
        self.step(now)

    def _continue(self) -> None:
        self.scheduled = False
        self.step(self.loop.time())

    def resume(self) -> None:
        if self.blocked:
            self.blocked = False
            self.step(self.loop.time())

    def cancel(self) -> None:
        self.done = True

    def step(self, now: float) -> None:
        """Write every chunk that is due by ``now``, then arrange to be woken for the next."""
        if self.done or self.scheduled:
            return
        if self.conn.paused:
            self.blocked = True
            return
        out: list[bytes] = []
        content, token = self.renderer.content, self._token
        start = i = self.i
        end: Callable[[list[bytes]], None] | None = None
        while True:
            due = self.due(i)
            if due > now:
                self._schedule(due)
                break
            if i == self.fault_at:
                if self.script.fault == "malformed":
                    out.append(self.renderer.malformed())
                    self.fault_at = None
                    continue
                end = self._fault
                break
            if i >= self.count:
                end = self._finish
                break
            if i - start == _BATCH:
                self.scheduled = True
                self.loop.call_soon(self._continue)  # let other streams have the loop
                break
            out.append(content(token(i)))
            i += 1
        self.conn.server.stats["chunks"] += i - start
        self.i = i
        if end is not None:
            end(out)
        elif out:
            self.conn.write_chunk(b"".join(out))

    def _token(self, i: int) -> str:
        return encode_stamp(time.time_ns()) if self.tokens is None else self.tokens[i]

    def _schedule(self, due: float) -> None:
        self.scheduled = True
        self.conn.server.ticker.call_at(due, self)

    def _finish(self, out: list[bytes]) -> None:
        fault = self.script.fault
        if fault != "no_terminator":
            out.append(self.renderer.tail(self.i, self.truncated, finish=fault != "no_finish"))
        if out:
            self.conn.write_chunk(b"".join(out))
        if fault == "hold_end":  # answer and terminator sent; the body's end never comes
            self.done = True
            self.conn.server.stats["streams_active"] -= 1
            return
        self._end()

    def _fault(self, out: list[bytes]) -> None:
        fault = self.script.fault
        if fault == "error_event":
            out.append(self.renderer.error_event())
        if out:
            self.conn.write_chunk(b"".join(out))
        self.done = True
        if fault == "error_event":
            self._end()
        elif fault == "close":
            self.conn.close()
        elif fault == "reset":
            self.conn.reset()
        # "stall": nothing more, ever; the connection stays open until the client gives up

    def _end(self) -> None:
        self.done = True
        self.conn.server.stats["streams_active"] -= 1
        self.conn.end_chunked()

    def __repr__(self) -> str:
        return f"<Stream {self.script} at {self.i}/{self.count}>"


# --------------------------------------------------------------------------------------------
# HTTP/1.1 connection
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Request:
    """One parsed HTTP request."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    keep_alive: bool


class Connection(asyncio.Protocol):
    """HTTP/1.1 with keep-alive, one request at a time, and direct access to the socket for faults."""

    def __init__(self, server: FakeUpstream) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.queue: deque[Request] = deque()
        self.busy = False
        self.keep_alive = True
        self.paused = False
        self.closed = False
        self.stream: Stream | None = None
        self._url = b""
        self._headers: list[tuple[str, str]] = []
        self._body: list[bytes] = []

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is no asyncio.Transport
        self.server.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.server.connections.discard(self)
        if self.stream is not None:  # cut off, stalled, or killed by a fault
            self.stream.cancel()
            self.server.stats["streams_active"] -= 1
        self.stream = None

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.send_json(400, {"error": {"message": "malformed HTTP request", "type": "invalid_request_error"}})
            self.close()
            return
        if not self.busy and self.queue:
            self._next()

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        if self.stream is not None:
            self.stream.resume()

    # httptools callbacks

    def on_message_begin(self) -> None:
        self._url, self._headers, self._body = b"", [], []

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.decode("latin-1").lower(), value.decode("latin-1")))

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        try:
            path = httptools.parse_url(self._url).path.decode("utf-8", "replace")
        except httptools.HttpParserInvalidURLError:
            path = self._url.decode("latin-1")
        self.queue.append(
            Request(
                method=self.parser.get_method().decode(),
                path=path,
                headers=dict(self._headers),
                body=b"".join(self._body),
                keep_alive=self.parser.should_keep_alive(),
            )
        )

    # responses

    def _next(self) -> None:
        request = self.queue.popleft()
        self.busy = True
        self.keep_alive = request.keep_alive
        try:
            self.server.dispatch(self, request)
        except Exception as exc:  # a bug here must not kill the connection silently
            self.send_json(500, {"error": {"message": f"fake upstream crashed: {exc!r}", "type": "server_error"}})

    def head(self, status: int, headers: list[tuple[bytes, bytes]], *, chunked: bool) -> bytes:
        lines = [
            b"HTTP/1.1 %d %s" % (status, _REASONS.get(status, "Unknown").encode()),
            b"date: " + self.server.http_date(),
        ]
        lines += [name + b": " + value for name, value in headers]
        if chunked:
            lines.append(b"transfer-encoding: chunked")
        lines.append(b"connection: keep-alive" if self.keep_alive else b"connection: close")
        return b"\r\n".join(lines) + b"\r\n\r\n"

    def send(self, status: int, body: bytes, headers: Sequence[tuple[bytes, bytes]]) -> None:
        """A complete response with a Content-Length body."""
        headers = [*headers, (b"content-length", str(len(body)).encode())]
        self.write(self.head(status, headers, chunked=False) + body)
        self.response_done()

    def send_json(self, status: int, obj: Any, headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
        self.send(status, orjson.dumps(obj), [(b"content-type", b"application/json"), *headers])

    def write(self, data: bytes) -> None:
        if not self.closed and self.transport is not None:
            self.transport.write(data)

    def write_chunk(self, data: bytes) -> None:
        """``data`` as HTTP/1.1 chunks (several if the script asks for ``frag``)."""
        frag = self.stream.script.frag if self.stream is not None else None
        if not frag:
            self.write(b"%x\r\n%s\r\n" % (len(data), data))
            return
        for k in range(0, len(data), frag):
            piece = data[k : k + frag]
            self.write(b"%x\r\n%s\r\n" % (len(piece), piece))

    def end_chunked(self) -> None:
        self.write(b"0\r\n\r\n")
        self.response_done()

    def response_done(self) -> None:
        self.stream = None
        self.busy = False
        if not self.keep_alive:
            self.close()
        elif self.queue:
            self.server.loop.call_soon(self._next_if_idle)

    def _next_if_idle(self) -> None:
        if not self.busy and self.queue and not self.closed:
            self._next()

    def close(self) -> None:
        """Clean close: flush what is buffered, then FIN."""
        if self.transport is not None and not self.closed:
            self.closed = True
            self.transport.close()

    def reset(self, deadline: float | None = None) -> None:
        """Abort with a TCP RST, once what was written has left the socket (so the peer gets it)."""
        if self.transport is None or self.transport.is_closing():
            return
        loop = self.server.loop
        deadline = loop.time() + 2.0 if deadline is None else deadline
        sock = self.transport.get_extra_info("socket")
        if (self.transport.get_write_buffer_size() or _unacked(sock)) and loop.time() < deadline:
            loop.call_later(0.002, self.reset, deadline)
            return
        self.closed = True
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.transport.abort()


def _unacked(sock: Any) -> int:
    """Bytes still in the kernel send queue (not yet acknowledged by the peer)."""
    try:
        raw = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
    except (OSError, ValueError, AttributeError):
        return 0
    return int(struct.unpack("i", raw)[0])


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class FakeUpstream:
    """The fake upstream server: ``await FakeUpstream().start()``, then point an SDK at ``base_url``."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, tick: float = 0.005, ssl: ssl_module.SSLContext | None = None
    ) -> None:
        self.host = host
        self.port = port
        self.ssl = ssl  # serve HTTPS with this context (tests of the TLS path)
        self.tick = tick
        self.texts: dict[str, str] = dict(TEXTS)
        self.requests: deque[dict[str, Any]] = deque(maxlen=MAX_RECORDED)
        self.connections: set[Connection] = set()
        self.stats: dict[str, int] = {"requests": 0, "streams": 0, "streams_active": 0, "chunks": 0}
        self.fingerprint = "fp_" + secrets.token_hex(5)
        self._references: dict[tuple[str, int | None], Reference] = {}
        self._server: asyncio.AbstractServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ticker: Ticker | None = None
        self._date = (0, b"")

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.ssl else 'http'}://{host}:{self.port}"

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        assert self._loop is not None, "FakeUpstream is not started"
        return self._loop

    @property
    def ticker(self) -> Ticker:
        assert self._ticker is not None, "FakeUpstream is not started"
        return self._ticker

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        stamp_words()  # read now, not in the loop at the first stamped stream
        self._ticker = Ticker(self._loop, self.tick)
        self._server = await self._loop.create_server(
            lambda: Connection(self),
            self.host,
            self.port,
            backlog=4096,
            reuse_address=True,
            ssl=self.ssl,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for conn in list(self.connections):
            if conn.stream is not None:
                conn.stream.cancel()
            if conn.transport is not None:
                conn.transport.abort()
        if self._ticker is not None:
            self._ticker.close()
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> FakeUpstream:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # state that tests touch

    def register_text(self, name: str, text: str) -> None:
        """Make ``text=<name>`` stream ``text``."""
        self.texts[name] = text
        self._references = {key: ref for key, ref in self._references.items() if key[0] != name}

    def recorded(self) -> list[dict[str, Any]]:
        """The recorded requests, oldest first (a copy, safe to read from another thread)."""
        return list(self.requests)

    def clear_requests(self) -> None:
        self.requests.clear()

    def reference(self, name: str, n: int | None = None) -> Reference:
        """The tokenized reference answer ``text=<name>;n=<n>`` streams (not for ``stamp``)."""
        key = (name, n)
        ref = self._references.get(key)
        if ref is None:
            text = self.texts[name]
            ref = Reference.build(repeat_tokens(tokenize(text), text, n))
            if len(self._references) > 256:
                self._references.clear()
            self._references[key] = ref
        return ref

    def http_date(self) -> bytes:
        now = int(time.time())
        if self._date[0] != now:
            self._date = (now, email.utils.formatdate(now, usegmt=True).encode())
        return self._date[1]

    # routing

    def dispatch(self, conn: Connection, request: Request) -> None:
        path, method = request.path, request.method
        if path == "/_health":
            conn.send_json(200, {"status": "ok"})
        elif path == "/_requests" and method == "GET":
            conn.send_json(200, list(self.requests))
        elif path == "/_requests" and method == "DELETE":
            self.requests.clear()
            conn.send(204, b"", [])
        elif path == "/_stats":
            conn.send_json(200, {**self.stats, "connections": len(self.connections)})
        elif path.startswith("/_texts/") and method == "PUT":
            self._put_text(conn, request)
        elif path.endswith("/chat/completions") and method == "POST":
            self._api(conn, request, OPENAI)
        elif path.endswith("/messages") and method == "POST":
            self._api(conn, request, ANTHROPIC)
        else:
            conn.send_json(404, {"error": {"message": f"no route for {method} {path}", "type": "not_found_error"}})

    def _put_text(self, conn: Connection, request: Request) -> None:
        name = request.path.removeprefix("/_texts/")
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError:
            conn.send_json(400, {"error": "body must be UTF-8"})
            return
        if not name or name == STAMP or ";" in name or "=" in name:
            conn.send_json(400, {"error": f"bad text name {name!r}"})
            return
        self.register_text(name, text)
        conn.send_json(201, {"name": name, "chars": len(text), "chunks": len(self.reference(name).tokens)})

    def _record(self, request: Request, body: Any) -> None:
        self.stats["requests"] += 1
        self.requests.append(
            {
                "path": request.path,
                "model": body.get("model") if isinstance(body, dict) else None,
                "headers": {k: v for k, v in request.headers.items() if k not in _SECRET_HEADERS},
                "body": body if body is not None else request.body.decode("utf-8", "replace"),
            }
        )

    # the two APIs

    def _api(self, conn: Connection, request: Request, dialect: Dialect) -> None:
        request_id = "req_" + (secrets.token_hex(16) if dialect is OPENAI else "011C" + _base62(20))
        id_header = (dialect.request_id_header, request_id.encode())

        def fail(
            status: int,
            message: str | None = None,
            param: str | None = None,
            headers: Sequence[tuple[bytes, bytes]] = (),
        ) -> None:
            conn.send_json(status, dialect.error(status, message, param, request_id), [id_header, *headers])

        try:
            body = orjson.loads(request.body)
        except orjson.JSONDecodeError:
            body = None
        self._record(request, body)

        key = _api_key(request.headers)
        if key == "bad-key":
            return fail(401, _bad_key_message(dialect, key))
        if not isinstance(body, dict):
            return fail(400, "The request body is not valid JSON.")
        model = body.get("model")
        if not isinstance(model, str):
            return fail(400, "model: field required", "model")
        try:
            script = Script.parse(model)
        except ScriptError as exc:
            return fail(400, str(exc), "model")
        if script.text != STAMP and script.text not in self.texts:
            return fail(400, f"unknown fake-upstream text {script.text!r}", "model")
        if script.fault in HTTP_FAULTS:
            status = HTTP_FAULTS[script.fault]
            retry = [(b"retry-after", b"%g" % script.retry_after)] if status == 429 else []
            return fail(status, _bad_key_message(dialect, key or "") if status == 401 else None, headers=retry)
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return fail(400, "messages: at least one message is required", "messages")
        if body.get("stream") is not True:
            return fail(400, "the fake upstream only implements streaming (set stream=true)", "stream")

        partial, prefill = partial_answer(messages)
        if prefill and script.prefill == "reject":
            return fail(400, PREFILL_REJECTED, "messages")
        if prefill and dialect is ANTHROPIC and partial and partial != partial.rstrip():
            return fail(400, "messages: final assistant content cannot end with trailing whitespace")

        tokens, count = self._plan(script, partial)
        limit = _max_tokens(body)
        truncated = limit is not None and limit < count
        if truncated:
            count = limit  # type: ignore[assignment]
        prompt_tokens = script.usage_in if script.usage_in is not None else _prompt_tokens(body)
        renderer: Renderer
        if dialect is OPENAI:
            stream_options = body.get("stream_options")
            options = stream_options if isinstance(stream_options, dict) else {}
            renderer = OpenAIRenderer(
                model=script.model,
                fingerprint=self.fingerprint,
                include_usage=options.get("include_usage") is True,
                obfuscate=options.get("include_obfuscation", True) is not False,
                prompt_tokens=prompt_tokens,
                usage_out=script.usage_out,
            )
        else:
            renderer = AnthropicRenderer(model=script.model, input_tokens=prompt_tokens, usage_out=script.usage_out)

        stream = Stream(conn, renderer, tokens, count, script, truncated)
        conn.stream = stream
        self.stats["streams"] += 1
        self.stats["streams_active"] += 1
        stream.start(conn.head(200, dialect.stream_headers(request_id), chunked=True))

    def _plan(self, script: Script, partial: str | None) -> tuple[list[str] | None, int]:
        """The chunks to stream (``None`` for ``stamp``) and how many."""
        if script.text == STAMP:
            return None, STAMP_DEFAULT_N if script.n is None else script.n
        reference = self.reference(script.text, script.n)
        if script.cont is None:
            tokens = list(reference.tokens)
        else:
            tokens = continuation_tokens(reference, partial, script.cont)
        return tokens, len(tokens)


def _api_key(headers: dict[str, str]) -> str | None:
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return headers.get("x-api-key") or headers.get("api-key")


def _bad_key_message(dialect: Dialect, key: str) -> str | None:
    if dialect is ANTHROPIC:
        return None
    shown = key if len(key) <= 8 else f"{key[:3]}*****{key[-4:]}"
    return (
        f"Incorrect API key provided: {shown}. You can find your API key at "
        "https://platform.openai.com/account/api-keys."
    )


def _max_tokens(body: dict[str, Any]) -> int | None:
    for key in ("max_completion_tokens", "max_tokens"):
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return None


def _prompt_tokens(body: dict[str, Any]) -> int:
    """A rough prompt size: characters of all message text (and system prompt) / 4."""
    chars = 0
    system = body.get("system")
    if isinstance(system, str):
        chars += len(system)
    elif isinstance(system, list):
        chars += len(message_text({"content": system}))
    for message in body.get("messages") or ():
        if isinstance(message, dict):
            chars += len(message_text(message))
    return max(1, chars // 4)


# --------------------------------------------------------------------------------------------
# Running it
# --------------------------------------------------------------------------------------------


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # pragma: no cover
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


@contextlib.contextmanager
def upstream_in_thread(host: str = "127.0.0.1", port: int = 0, **kwargs: Any) -> Iterator[FakeUpstream]:
    """Run a :class:`FakeUpstream` on its own event loop in a daemon thread.

    For tests whose own loop is busy elsewhere (e.g. a uvicorn app in another thread, or
    synchronous SDK clients).
    """
    upstream = FakeUpstream(host, port, **kwargs)
    loop = _new_loop()
    started = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(upstream.start())
        except BaseException as exc:  # reported to the caller below
            failure.append(exc)
            return
        finally:
            started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name=f"fake-upstream:{port}", daemon=True)
    thread.start()
    started.wait()
    if failure:
        loop.close()
        raise failure[0]
    try:
        yield upstream
    finally:
        asyncio.run_coroutine_threadsafe(upstream.stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


async def _serve(host: str, port: int, tick: float) -> None:
    upstream = FakeUpstream(host, port, tick=tick)
    await upstream.start()
    print(f"fake upstream listening on {upstream.base_url}", file=sys.stderr, flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await upstream.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m loadtest.upstream", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--tick", type=float, default=0.005, help="pacing timer resolution in seconds")
    args = parser.parse_args(argv)
    loop = _new_loop()
    try:
        loop.run_until_complete(_serve(args.host, args.port, args.tick))
    except KeyboardInterrupt:
        pass
    finally:
        loop.close()


if __name__ == "__main__":
    main()
