"""What the stream log raises: plain exceptions, mapped to HTTP answers by the app (relay/errors.py)."""

from __future__ import annotations


class StoreError(Exception):
    """A stream cannot be read from its store right now; `code` names the reason for clients."""

    code = "store_error"


class StreamGone(StoreError):
    """The stream existed but its log has expired (a tombstone outlives the log), unlike an unknown stream."""

    code = "stream_expired"

    def __init__(self, stream_id: str) -> None:
        super().__init__(f"stream {stream_id} has expired")
        self.stream_id = stream_id


class StoreUnavailable(StoreError):
    """The log cannot be read, or may not have the stream yet: the client should retry after `retry_after_s`.

    `detail` (a Redis error names its host and port) is for the log, never for the client.
    """

    code = "store_unavailable"

    def __init__(self, detail: str, *, retry_after_s: float = 1.0) -> None:
        super().__init__("the stream log is unavailable for now; retry")
        self.detail = detail
        self.retry_after_s = retry_after_s


class StreamTooLarge(Exception):
    """A stream went over its store's bound on a log; raised into the generation by the append, never to a client."""

    code = "stream_too_large"
