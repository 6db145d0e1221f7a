"""The command line of a throwaway redis-server: loopback only, no persistence, files in a directory of its own.

Shared by the load tool, the soak and the tests, which each start their own.
"""

from __future__ import annotations


def redis_server_argv(binary: str, port: int, directory: str, *, host: str = "127.0.0.1") -> list[str]:
    """Nothing saved (no RDB, no AOF): a restart comes back empty, as the soak's Redis restarts mean to."""
    return [binary, "--port", str(port), "--bind", host, "--save", "", "--appendonly", "no", "--dir", directory]
