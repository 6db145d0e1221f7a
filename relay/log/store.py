"""What a store is (`StreamStore`, and what a shared one adds), and `open_store`, which builds the configured one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from .live import LiveStream
from .view import StreamView

if TYPE_CHECKING:
    from ..config import Config


class StreamStore(Protocol):
    """Registers the streams generated here and finds any stream by id."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def add(self, stream: LiveStream) -> None: ...

    def ended(self, stream: LiveStream) -> None:
        """The generation of a stream added here is over (its log is final)."""
        ...

    async def get(self, stream_id: str, *, at_least: int = 0) -> StreamView | None:
        """`at_least`: the client's cursor; a store whose log may trail the generation waits for it.

        Raises a `StoreError` (relay/log/errors.py) when the stream cannot be read now.
        """
        ...

    async def request_cancel(self, stream_id: str, wait_s: float = 5.0) -> StreamView | None:
        """Cancel the stream's generation wherever it runs; its view once it ended (or after `wait_s`)."""
        ...

    def health(self) -> dict[str, object]: ...


@runtime_checkable
class TakeoverStore(Protocol):
    """A store shared by several instances can hand a dead instance's streams to another."""

    lease_s: float

    async def find_orphans(self) -> list[str]: ...

    async def adopt(self, stream_id: str) -> tuple[LiveStream, dict[str, Any], str] | None: ...

    async def hand_over(self, timeout_s: float) -> int:
        """At shutdown: stop writing every running stream here and let another instance adopt it at once."""
        ...

    async def next_sweep(self, interval_s: float) -> None:
        """Sleep up to `interval_s`; return early when another instance hands streams over."""
        ...


@runtime_checkable
class AuditStore(Protocol):
    """A store that keeps the audit records itself (Redis: a stream next to the logs)."""

    async def append_audit(self, record: dict[str, Any]) -> None: ...


def open_store(config: Config) -> StreamStore:
    """The store `config.store` names: in memory (the default), or Redis shared by every instance."""
    settings = config.store
    if settings.kind == "redis":
        from .redis_store import RedisStore  # only a Redis deploy imports the Redis client

        return RedisStore(
            settings.url,
            ttl_s=settings.ttl_s,
            prefix=settings.prefix,
            lease_s=settings.lease_s,
            flush_interval_s=settings.flush_interval_ms / 1000,
            touch_interval_s=min(1.0, settings.lease_s / 3),  # renew well before the lease lapses
            max_connections=settings.max_connections,
            keep_request=settings.keep_request,
            handover_s=settings.handover_s,
        )
    from .memory import MemoryStore

    return MemoryStore(ttl_s=settings.ttl_s, max_finished_bytes=int(settings.max_finished_mb * 1024 * 1024))
