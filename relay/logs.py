"""The relay's logs: one line per request and per finished stream, as JSON or for a person at a terminal.

`RequestLog` is pure ASGI middleware (it wraps `send`, so an SSE body goes out as it is
written, never buffered): it takes the request id from `X-Request-Id` (or makes one),
echoes it in the response, keeps it in a context variable for every log line written
while the request runs (and by the generation it starts), and logs the request when its
response ends. `stream_ended` logs a finished stream from its audit record.

No line carries a prompt, a token of text, an API key or a stream token: requests are
logged by method and path (never the query, where EventSource clients put the stream
token), keys by their SHA-256 id.
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import time
import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .tenants import key_id_of

if TYPE_CHECKING:
    from .cache import StreamRunner

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("splice_relay_request_id", default=None)
REQUEST_ID_HEADER = "x-request-id"
_VALID_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")  # a caller's id is kept only if it is this tame

requests_logger = logging.getLogger("splice_relay.requests")
streams_logger = logging.getLogger("splice_relay.streams")

# LogRecord attributes that are not the caller's `extra`
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "fields",
    "color_message",
}


def request_id_from(scope: Scope) -> str:
    """The caller's `X-Request-Id` when it is a tame token, else a new one."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1").strip()
            if _VALID_ID.fullmatch(candidate):
                return candidate
            break
    return uuid.uuid4().hex


def _key_id(scope: Scope) -> str | None:
    """The SHA-256 id of a POST's bearer key (on GET and DELETE the bearer is a stream token: never logged)."""
    if scope.get("method") != "POST":
        return None
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, key = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and key.strip():
                return key_id_of(key.strip())
    return None


class RequestLog:
    """ASGI middleware: the request id, and one log line per request once its response has ended."""

    def __init__(self, app: ASGIApp, *, enabled: bool = True) -> None:
        self.app = app
        self.enabled = enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sending, reset = self.begin(scope, send)
        failed = True
        try:
            await self.app(scope, receive, sending)
            failed = False
        finally:
            self.end(scope, sending, reset, failed=failed)

    def begin(self, scope: Scope, send: Send) -> tuple[SendWithId, contextvars.Token[str | None]]:
        """The request's id, set for what runs under it, and the `send` to pass on (relay/app.py calls this itself,
        so no coroutine of this middleware is held for an SSE response's life)."""
        sending = SendWithId(send, request_id_from(scope))
        return sending, REQUEST_ID.set(sending.request_id)

    def end(self, scope: Scope, sending: SendWithId, reset: contextvars.Token[str | None], *, failed: bool) -> None:
        """The request ended (`failed`: by an exception, answered by the server's error handler): its log line."""
        if failed:
            sending.status = sending.status or 500
        REQUEST_ID.reset(reset)
        if self.enabled:
            sending.log(scope)


class SendWithId:
    """`send`, adding the request id to the response's headers and noting what the request's log line says of it.

    Not a coroutine of its own: a call returns the server's send, so an SSE body's every
    send costs one call here and no extra coroutine (relay/sse.py drives those sends by hand).
    One object with slots, where a closure over a dict held three for a response's life.
    """

    __slots__ = ("send", "request_id", "began", "status", "first_byte_ms", "stream_id")

    def __init__(self, send: Send, request_id: str) -> None:
        self.send = send
        self.request_id = request_id
        self.began = time.monotonic()
        self.status: int | None = None
        self.first_byte_ms: float | None = None
        self.stream_id: str | None = None

    @property
    def started(self) -> bool:
        """Whether the response has started (its status is sent)."""
        return self.status is not None

    def __call__(self, message: Message) -> Awaitable[None]:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.first_byte_ms = round((time.monotonic() - self.began) * 1000, 1)
            headers = list(message.get("headers", ()))
            for name, value in headers:
                if name.lower() == b"x-stream-id":
                    self.stream_id = value.decode("latin-1")
            header = (REQUEST_ID_HEADER.encode(), self.request_id.encode())
            message = {**message, "headers": [*headers, header]}
        return self.send(message)

    def log(self, scope: Scope) -> None:
        fields = {
            "request_id": self.request_id,
            "method": scope.get("method"),
            "path": scope.get("path"),
            "status": self.status,
            "duration_ms": round((time.monotonic() - self.began) * 1000, 1),
            "first_byte_ms": self.first_byte_ms,
            "stream_id": self.stream_id or (scope.get("path_params") or {}).get("stream_id"),
            "key_id": _key_id(scope),
            "client": (scope.get("client") or (None,))[0],
        }
        requests_logger.info("request", extra={"fields": fields})


def stream_ended(generation: StreamRunner, key_id: str | None, tenant: str | None = None) -> None:
    """One line for a finished stream: its route, key id, status, attempts, failovers, cost and durations."""
    record = generation.stream.audit or {}
    started, ended = record.get("started_at"), record.get("ended_at")
    attempts = record.get("attempts") or []
    first = next((a for a in attempts if a.get("first_token_at") is not None), None)
    cost = record.get("cost") or {}
    error = record.get("error")
    fields = {
        "stream_id": record.get("stream_id", generation.stream.id),
        "route": record.get("route"),
        "key_id": key_id,
        "tenant": tenant,
        "status": record.get("status"),
        "finish_reason": record.get("finish_reason"),
        "error": error.get("code") if isinstance(error, dict) else error,
        "attempts": len(attempts),
        "targets": [a.get("target") for a in attempts],
        "failovers": [f.get("reason") for f in record.get("failovers") or []],
        "splices": len(record.get("splices") or []),
        "chars": record.get("chars"),
        "output_tokens": cost.get("output_tokens"),
        "cost_usd": cost.get("usd"),
        "duration_ms": round((ended - started) * 1000, 1) if started and ended else None,
        "ttft_ms": round((first["first_token_at"] - started) * 1000, 1) if first and started else None,
        "reconnects": record.get("reconnects"),
    }
    streams_logger.info("stream", extra={"fields": fields})


# -- formatting ---------------------------------------------------------------


class RequestIdFilter(logging.Filter):
    """Every record written while a request (or the generation it started) runs carries its id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields: dict[str, Any] = dict(getattr(record, "fields", None) or {})
    for name, value in vars(record).items():
        if name not in _STANDARD and name not in fields and name != "request_id":
            fields[name] = value
    return fields


class JsonFormatter(logging.Formatter):
    """One JSON object per line: `ts`, `level`, `logger`, `msg`, `request_id`, then the record's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            line["request_id"] = request_id
        line.update(_fields(record))
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class TextFormatter(logging.Formatter):
    """For a person at a terminal: time, level, logger, message, then `key=value` fields."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = _fields(record)
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            fields = {"request_id": request_id, **fields}
        pairs = " ".join(f"{name}={value}" for name, value in fields.items() if value not in (None, [], ""))
        return f"{text} {pairs}" if pairs else text


def configure_logging(log_format: str = "auto", level: str = "info", stream: Any = None) -> logging.Handler:
    """One handler on the root logger: JSON lines, or text when `log_format` is `text` (or `auto` on a terminal)."""
    stream = stream or sys.stderr
    text = log_format == "text" or (log_format == "auto" and stream.isatty())
    handler = logging.StreamHandler(stream)
    handler.setFormatter(TextFormatter() if text else JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    return handler
