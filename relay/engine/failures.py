"""How an attempt fails and what a client reads about it: the `error` event's codes and generic messages.

A provider's failure arrives as a `ProviderError`; `AttemptFailed.from_provider` is the one place it
becomes the relay's. The stall watchdog and a lost instance raise `AttemptFailed` directly.
"""

from __future__ import annotations

from typing import Any

from providers import ProviderError

# What an `error` event's `message` says for each code: generic and stable, so no upstream
# host, port or exception text reaches a client. The detail goes to the log.
ERROR_MESSAGES: dict[str, str] = {
    "first_token_timeout": "the upstream sent no output in time",
    "stall": "the upstream stopped sending output",
    "http_status": "the upstream answered with an HTTP error",
    "error_event": "the upstream reported an error in its stream",
    "malformed_chunk": "the upstream sent a malformed chunk",
    "missing_terminator": "the upstream's stream ended without its terminator",
    "missing_finish_reason": "the upstream's stream ended without a finish reason",
    "line_too_long": "the upstream sent a line that is too long",
    "connection_closed": "the upstream closed the connection",
    "connection_reset": "the upstream reset the connection",
    "connection_error": "the upstream could not be reached",
    "connect_timeout": "connecting to the upstream timed out",
    "read_timeout": "reading from the upstream timed out",
    "instance_lost": "the relay instance running this stream stopped",
    "max_duration": "the generation ran longer than its route allows",
    "stream_too_large": "the stream is over the relay's size bound",
    "internal": "the relay hit an internal error",
    "circuit_open": "the upstream is failing and is skipped for now (circuit open)",
    # a failure named only by its kind (the simulated provider's scripted failures)
    "timeout": "the upstream timed out",
    "rate_limited": "the upstream is rate limiting requests",
    "overloaded": "the upstream is overloaded",
    "server": "the upstream had a server error",
    "auth": "the upstream refused the relay's credentials",
    "bad_request": "the upstream refused the request",
    "connection": "the connection to the upstream failed",
    "protocol": "the upstream broke its streaming protocol",
}
GENERIC_ERROR_MESSAGE = "the upstream failed"


def error_data(code: str, kind: str) -> dict[str, Any]:
    """An `error` event's data: the code, its generic message, the kind."""
    return {"code": code, "message": ERROR_MESSAGES.get(code, GENERIC_ERROR_MESSAGE), "kind": kind}


def forget_tracebacks(exc: BaseException) -> None:
    """Drop the tracebacks of a handled exception and of its causes and contexts.

    A kept exception's traceback holds the frames it passed through, and with them the
    generation, its upstream and the task: cycles only a full garbage collection frees,
    which runs minutes apart under `serve`. The relay logs failures by message.
    """
    pending: list[BaseException] = [exc]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        current.__traceback__ = None
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                pending.append(linked)


class AttemptFailed(Exception):
    """One attempt ended without a finish; `reason` is what the `failover`/`error` event says."""

    def __init__(
        self,
        reason: str,
        message: str,
        *,
        kind: str = "timeout",
        status: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.kind = kind
        self.status = status
        self.retry_after_s = retry_after_s  # the upstream's Retry-After: how long the circuit breaker opens

    @classmethod
    def from_provider(cls, error: ProviderError) -> AttemptFailed:
        return cls(error.cause, error.message, kind=error.kind, status=error.status, retry_after_s=error.retry_after_s)
