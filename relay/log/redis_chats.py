"""Chat bindings in Redis (relay/log/chats.py): one key per owner's chat, holding its stream id, with a TTL."""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from .chats import chat_key
from .errors import StoreUnavailable
from .keys import DeploymentKeys

logger = logging.getLogger("splice_relay.redis")


class RedisChats:
    """Bindings as Redis keys `{prefix}:chat:<digest>` holding the stream id, expiring by themselves."""

    def __init__(self, redis: Redis, keys: DeploymentKeys, timeout_s: float = 1.0) -> None:
        # Bounded like a stream's first write: a POST or a resume does not hang on an unreachable Redis.
        self._redis = redis
        self._keys = keys
        self._timeout_s = timeout_s

    async def bind(self, owner: str, chat_id: str, stream_id: str, ttl_s: float) -> None:
        key = self._keys.chat(chat_key(owner, chat_id))
        try:
            async with asyncio.timeout(self._timeout_s):
                await self._redis.set(key, stream_id, px=max(1, int(ttl_s * 1000)))
        except (
            RedisError,
            OSError,
            TimeoutError,
        ) as exc:  # the stream runs; only resuming it through the chat id will fail
            logger.warning("chat of stream %s: cannot bind it in Redis: %s", stream_id, exc)

    async def current(self, owner: str, chat_id: str) -> str | None:
        try:
            async with asyncio.timeout(self._timeout_s):
                value = await self._redis.get(self._keys.chat(chat_key(owner, chat_id)))
        except (RedisError, OSError, TimeoutError) as exc:
            raise StoreUnavailable(repr(exc)) from exc
        return value.decode() if isinstance(value, bytes) else value
