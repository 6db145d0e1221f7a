"""The Redis client the stream log (and the admission limits) use: fails fast, packs commands in C."""

from __future__ import annotations

from typing import Any

import hiredis
from redis.asyncio import Redis, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError, ResponseError


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


def bulk(value: bytes) -> bytes:
    """One argument of a command in the Redis protocol (RESP): what a command packed once is made of."""
    return b"$%d\r\n%b\r\n" % (len(value), value)


def command_head(argc: int, *words: bytes) -> bytes:
    """The start of a packed command of `argc` arguments in all, its first `words` included."""
    return b"*%d\r\n" % argc + b"".join(map(bulk, words))


async def send_packed(client: Redis, commands: list[bytes], replies: int) -> list[Any]:
    """Send commands packed by the caller on one pooled connection; the `replies` answers, errors among them.

    For the flusher's one call per flush: no pipeline object, no per-command
    packing or bookkeeping. A connection that fails mid-way is dropped (its
    replies may be unread); a stale one fails at the send and the commands are
    sent once more on a new connection, as redis-py's own retry would (the
    callers' scripts are idempotent).
    """
    pool = client.connection_pool
    for attempt in (1, 2):
        connection = await pool.get_connection()  # type: ignore[no-untyped-call]
        answers: list[Any] = []
        try:
            await connection.send_packed_command(commands, check_health=False)
            for _ in range(replies):
                try:
                    answers.append(await connection.read_response())
                except ResponseError as exc:  # read whole: the connection stays in step
                    answers.append(exc)
            return answers
        except ConnectionError:
            await connection.disconnect(nowait=True)
            if attempt == 2 or answers:
                raise
        except BaseException:
            await connection.disconnect(nowait=True)
            raise
        finally:
            await pool.release(connection)
    raise AssertionError("unreachable")


# Replies as this client returns them (bytes: it never decodes responses); redis-py types them loosely.
StreamEntries = list[tuple[bytes, dict[bytes, bytes]]]  # XRANGE: (entry id, fields) each
XReadReply = list[tuple[bytes, StreamEntries]]  # XREAD: (key, entries) per key read
