"""The Redis key layout of the stream log (docs/redis.md): one stream's keys, and the keys a deployment shares.

Every key of one stream carries the hash tag `{id}`, so they live in one Redis
Cluster slot and a Lua script may touch them together; nothing ever touches two
streams at once. `prefix` keeps deployments sharing one Redis apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STREAM_ID = re.compile(r"st_[A-Za-z0-9_-]{1,64}")  # what a stream id looks like: anything else is never looked up


@dataclass(frozen=True, slots=True)
class StreamKeys:
    """The keys of one stream: meta hash, events (a Redis Stream), text, lease, and the tombstone `gone`."""

    meta: str
    events: str
    text: str
    lease: str
    gone: str

    @classmethod
    def of(cls, stream_id: str, prefix: str = "sr") -> StreamKeys:
        base = f"{prefix}:{{{stream_id}}}"
        return cls(f"{base}:meta", f"{base}:events", f"{base}:text", f"{base}:lease", f"{base}:gone")

    @property
    def all(self) -> tuple[str, str, str, str, str]:
        """In the order the write script takes them as KEYS."""
        return (self.meta, self.events, self.text, self.lease, self.gone)


@dataclass(frozen=True, slots=True)
class DeploymentKeys:
    """The keys every instance of one deployment shares, under `prefix`."""

    prefix: str = "sr"

    def stream(self, stream_id: str) -> StreamKeys:
        return StreamKeys.of(stream_id, self.prefix)

    @property
    def running(self) -> str:
        """A set of the ids of streams that may still be running: where a takeover sweep looks."""
        return f"{self.prefix}:running"

    @property
    def handover(self) -> str:
        """A Redis Stream of handover announcements, which every instance's `next_sweep` blocks on."""
        return f"{self.prefix}:handover"

    @property
    def alive(self) -> str:
        """A token set once and never expired: gone or changed, Redis lost its data (a restart without persistence)."""
        return f"{self.prefix}:alive"

    @property
    def lost(self) -> str:
        """Set for a while when an instance finds Redis lost its data: missing streams may be rewritten."""
        return f"{self.prefix}:lost"

    def chat(self, digest: str) -> str:
        """The id of the stream a chat runs now (relay/log/chats.py): `digest` names the owner and the chat."""
        return f"{self.prefix}:chat:{digest}"

    @property
    def audit(self) -> str:
        """A Redis Stream of audit records, one per finished stream."""
        return f"{self.prefix}:audit"
