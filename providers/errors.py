"""One small error taxonomy for every upstream, so the engine decides on kinds, not SDK classes."""

from __future__ import annotations

from typing import Literal

ErrorKind = Literal[
    "timeout",
    "rate_limited",
    "overloaded",
    "server",
    "auth",
    "bad_request",
    "connection",
    "protocol",
]

_RETRYABLE: dict[str, bool] = {
    "timeout": True,
    "rate_limited": True,
    "overloaded": True,
    "server": True,
    "auth": False,
    "bad_request": False,
    "connection": True,
    "protocol": True,
}


class ProviderError(Exception):
    """An upstream failed; `kind` says how, `retryable` whether another attempt may help."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        status: int | None = None,
        cause: str | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.message = message
        self.status = status
        self.retry_after_s = retry_after_s  # the answer's Retry-After (delay-seconds form), if it had one
        # What was observed, for failover reasons: http_status, error_event, malformed_chunk,
        # missing_terminator, missing_finish_reason, connection_closed, connection_reset, ...
        self.cause = cause or ("http_status" if status is not None else kind)

    @property
    def retryable(self) -> bool:
        return _RETRYABLE[self.kind]

    def __repr__(self) -> str:
        return f"ProviderError({self.kind!r}, {self.message!r}, status={self.status!r})"


def kind_for_status(status: int) -> ErrorKind:
    """Map an HTTP status to the taxonomy (529 is Anthropic's 'overloaded')."""
    if status == 429:
        return "rate_limited"
    if status in (503, 529):
        return "overloaded"
    if status in (401, 403):
        return "auth"
    if status == 408:
        return "timeout"
    if status >= 500:
        return "server"
    return "bad_request"


def retry_after_seconds(value: str | None) -> float | None:
    """A `Retry-After` header's delay in seconds; None when absent or not a plain number (an HTTP date is ignored)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if 0 <= seconds < 86400 else None


def caused_by_reset(exc: BaseException | None) -> bool:
    """Whether a transport error was a TCP reset: the OS error is wrapped, or only named in a message."""
    seen = 0
    while exc is not None and seen < 8:
        if isinstance(exc, ConnectionResetError) or "reset by peer" in str(exc).lower():
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False
