"""`serve --workers N`: N relay processes on one port, each with its own `SO_REUSEPORT` socket.

The kernel spreads new connections over the workers; the Redis store lets any worker serve any stream,
so a reader may land on another worker than the one generating. The supervisor only starts, restarts
and stops workers: it holds no socket and no stream.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from types import FrameType

from .metrics import worker_exited

log = logging.getLogger("splice_relay.workers")

CRASH_WINDOW_S = 10.0  # a worker that exits sooner than this after its start counts as a crash loop
MAX_QUICK_CRASHES = 5  # in a row, across workers: the supervisor gives up (a bad port, a bad config)


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A listening socket on `host:port` that other processes may bind too (`SO_REUSEPORT`)."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[
        0
    ]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
        sock.listen(2048)
        sock.set_inheritable(True)
    except BaseException:
        sock.close()
        raise
    return sock


class Supervisor:
    """Runs `count` copies of a worker command line, restarts one that dies, forwards SIGTERM/SIGINT to all."""

    def __init__(self, argv: list[str], count: int) -> None:
        self._argv = argv
        self._count = count
        self._workers: dict[int, tuple[subprocess.Popen[bytes], float]] = {}
        self._stopping = False
        self._quick_crashes = 0

    def run(self) -> int:
        """Until a signal stops the workers (0), or they keep crashing at start (1)."""
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            for index in range(self._count):
                self._start(index)
            log.info("supervising %d workers (pids %s)", self._count, self.pids())
            return self._watch()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def pids(self) -> list[int]:
        return [process.pid for process, _ in self._workers.values()]

    def _start(self, index: int) -> None:
        env = dict(os.environ, SPLICE_RELAY_WORKER=str(index))
        self._workers[index] = (subprocess.Popen(self._argv, env=env), time.monotonic())

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stopping = True
        for process, _ in self._workers.values():
            if process.poll() is None:
                process.send_signal(signum)

    def _watch(self) -> int:
        while True:
            if self._stopping:
                failed = False
                for process, _ in self._workers.values():
                    failed |= process.wait() not in (0, -signal.SIGTERM, -signal.SIGINT)
                return 1 if failed else 0
            for index, (process, started) in list(self._workers.items()):
                code = process.poll()
                if code is None or self._stopping:
                    continue
                quick = time.monotonic() - started < CRASH_WINDOW_S
                self._quick_crashes = self._quick_crashes + 1 if quick else 0
                if self._quick_crashes >= MAX_QUICK_CRASHES:
                    log.error("workers keep exiting at start (last exit code %s); stopping", code)
                    self._on_signal(signal.SIGTERM, None)
                    for other, _ in self._workers.values():
                        other.wait()
                    return 1
                log.warning("worker %d (pid %d) exited with code %s; starting another", index, process.pid, code)
                worker_exited(process.pid)
                time.sleep(0.5 if quick else 0)
                if not self._stopping:
                    self._start(index)
            time.sleep(0.2)


def worker_argv(config: str | None, host: str, port: int, log_level: str) -> list[str]:
    """The command line of one worker: this same relay, one process, on a shared port."""
    argv = [sys.executable, "-m", "relay", "serve", "--workers", "1", "--reuse-port"]
    argv += ["--host", host, "--port", str(port), "--log-level", log_level]
    return argv + (["--config", config] if config else [])
