"""The stream log: each stream's events, kept in process while generated here, in memory or Redis for readers.

`live` holds a stream generated here and the readers following it; `memory` and
`redis_store` are the two stores, `open_store` builds the configured one; every
store's `get` returns a `StreamView`. The Redis store is split by job: `keys` (the
layout), `scripts` (the Lua), `redis_writer` (write-behind), `redis_reader` (views
of logs other instances write), `redis_client` (the connection). Only a Redis
deployment imports the Redis modules.
"""

from __future__ import annotations

from .access import Right, new_stream_id, new_stream_token, read_token_for, token_digest, token_rights
from .errors import StoreError, StoreUnavailable, StreamGone, StreamTooLarge
from .live import MAX_PIECE_BYTES, Follower, Journal, LiveStream, PackedFrames
from .memory import MemoryStore
from .store import AuditStore, StreamStore, TakeoverStore, open_store
from .view import Status, StreamView, snapshot_of

__all__ = [
    "MAX_PIECE_BYTES",
    "AuditStore",
    "Follower",
    "Journal",
    "LiveStream",
    "MemoryStore",
    "PackedFrames",
    "Right",
    "Status",
    "StoreError",
    "StoreUnavailable",
    "StreamGone",
    "StreamStore",
    "StreamTooLarge",
    "StreamView",
    "TakeoverStore",
    "new_stream_id",
    "new_stream_token",
    "open_store",
    "read_token_for",
    "snapshot_of",
    "token_digest",
    "token_rights",
]
