"""The Redis client the stream log (and the admission limits) use: fails fast, packs commands in C."""

from __future__ import annotations

from typing import Any

import hiredis
from redis.asyncio import Redis, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff


def connect(url: str, *, socket_timeout_s: float, max_connections: int = 4096) -> Redis:
    """A client for `url`; `redis+cluster://host:port` (or `rediss+cluster://`) for Redis Cluster.

    Fails fast (one retry, no backoff): the flusher has its own backoff, and a
    reader would rather end its response than stall. The pool bound is explicit:
    every client following a stream from Redis blocks one connection, and
    redis-py 8 caps an unconfigured pool at 100.
    """
    options: dict[str, Any] = {
        "socket_connect_timeout": 1.0,
        "socket_timeout": socket_timeout_s,
        "retry": Retry(NoBackoff(), 1),
        "max_connections": max_connections,
    }
    if url.startswith(("redis+cluster://", "rediss+cluster://")):
        return RedisCluster.from_url(url.replace("+cluster", "", 1), **options)  # type: ignore[return-value]
    client = Redis.from_url(url, **options)
    pool = client.connection_pool
    pool.connection_class = _packed_by_hiredis(pool.connection_class)  # before any connection exists
    return client


class _HiredisPacking:
    """Pack commands with hiredis (C) rather than redis-py's async connection (Python).

    redis-py's sync client already does this; its async one packs every argument
    in Python, and the flusher sends a script call per stream every few milliseconds
    (docs/benchmarks.md has the cost).
    """

    def pack_command(self, *args: Any) -> list[bytes]:
        if isinstance(args[0], str) and " " in args[0]:  # "CONFIG GET"-style names are separate words
            args = (*args[0].split(), *args[1:])
        try:
            return [hiredis.pack_command(args)]
        except TypeError:  # a type hiredis does not take: redis-py's own packer (and its DataError)
            packed: list[bytes] = super().pack_command(*args)  # type: ignore[misc]  # a mixin: the base is the connection
            return packed


def _packed_by_hiredis(connection_class: type) -> type:
    if issubclass(connection_class, _HiredisPacking):
        return connection_class
    return type(f"Hiredis{connection_class.__name__}", (_HiredisPacking, connection_class), {})


# Replies as this client returns them (bytes: it never decodes responses); redis-py types them loosely.
StreamEntries = list[tuple[bytes, dict[bytes, bytes]]]  # XRANGE: (entry id, fields) each
XReadReply = list[tuple[bytes, StreamEntries]]  # XREAD: (key, entries) per key read
