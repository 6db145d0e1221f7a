"""The answer cache: identical requests (after normalising their prompts) served from finished streams.

`normalise` and `key` make the key, `entries` keeps what a replay needs (memory or Redis),
`runners` replays an entry or follows a generation running here, `serving` decides and counts.
docs/cache.md describes it for users.
"""

from __future__ import annotations

from .entries import Entry, MemoryEntries, RedisEntries, open_entries
from .key import cache_key
from .normalise import normalise_text
from .runners import CACHE, StreamRunner
from .serving import AnswerCache, CacheStats, cacheable

__all__ = [
    "CACHE",
    "AnswerCache",
    "CacheStats",
    "Entry",
    "MemoryEntries",
    "RedisEntries",
    "StreamRunner",
    "cache_key",
    "cacheable",
    "normalise_text",
    "open_entries",
]
