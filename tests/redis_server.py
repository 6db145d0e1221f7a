"""A throwaway redis-server for tests: a free port, no persistence, stoppable mid-test."""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from loadtest.throwaway_redis import redis_server_argv

from .support import free_port


def redis_server_binary() -> str:
    """The redis-server on PATH; skipped locally without one, but never in CI."""
    binary = shutil.which("redis-server") or shutil.which("valkey-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not on PATH, and Redis tests must run in CI")
        pytest.skip("redis-server is not on PATH")
    return binary


class RedisServer:
    """One redis-server process on a loopback port; `stop`/`start` again keep the port."""

    def __init__(self, port: int | None = None) -> None:
        self.binary = redis_server_binary()
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._dir = tempfile.mkdtemp(prefix="splice-redis-")
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 10.0) -> RedisServer:
        self._process = subprocess.Popen(
            redis_server_argv(self.binary, self.port, self._dir),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout_s
        while not self._answers_ping():
            if time.monotonic() > deadline or self._process.poll() is not None:
                self.stop()
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Kill it (no shutdown save): what a crashed or unreachable Redis looks like."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None

    def _answers_ping(self) -> bool:
        return _ping(self.port)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)


class RedisClusterServers:
    """Three cluster-enabled redis-servers joined into one Redis Cluster (all slots, no replicas)."""

    def __init__(self) -> None:
        self.binary = redis_server_binary()
        cli = shutil.which("redis-cli") or shutil.which("valkey-cli")
        if cli is None:
            if os.environ.get("CI"):
                pytest.fail("redis-cli is not on PATH, and Redis tests must run in CI")
            pytest.skip("redis-cli is not on PATH")
        self.cli: str = cli
        self.ports = [_free_cluster_port() for _ in range(3)]
        self.url = f"redis+cluster://127.0.0.1:{self.ports[0]}/0"
        self._dir = tempfile.mkdtemp(prefix="splice-redis-cluster-")
        self._processes: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> RedisClusterServers:
        for port in self.ports:
            node_dir = os.path.join(self._dir, str(port))
            os.makedirs(node_dir)
            self._processes.append(
                subprocess.Popen(
                    [
                        self.binary,
                        "--port",
                        str(port),
                        "--bind",
                        "127.0.0.1",
                        "--cluster-enabled",
                        "yes",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--dir",
                        node_dir,
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        try:
            for port, process in zip(self.ports, self._processes):
                _wait_until(
                    lambda port=port, process=process: _ping(port) or process.poll() is not None,
                    f"redis-server on port {port}",
                )
                if process.poll() is not None:
                    raise RuntimeError(f"cluster redis-server on port {port} exited")
            subprocess.run(
                [
                    self.cli,
                    "--cluster",
                    "create",
                    *(f"127.0.0.1:{port}" for port in self.ports),
                    "--cluster-replicas",
                    "0",
                    "--cluster-yes",
                ],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=20,
            )
            _wait_until(
                lambda: all(b"cluster_state:ok" in _command(port, b"CLUSTER INFO") for port in self.ports),
                "cluster_state:ok",
            )
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self._processes:
            process.kill()
            process.wait(timeout=10)
        shutil.rmtree(self._dir, ignore_errors=True)


def _free_cluster_port() -> int:
    """A free port whose cluster bus port (+10000) is free and valid too."""
    for _ in range(200):
        port = random.randint(20000, 29999)
        if _free(port) and _free(port + 10000):
            return port
    raise RuntimeError("no free port pair for a cluster node")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _command(port: int, command: bytes) -> bytes:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(command + b"\r\n")
            return sock.recv(4096)
    except OSError:
        return b""


def _ping(port: int) -> bool:
    return _command(port, b"PING").startswith(b"+PONG")


def _wait_until(predicate: object, what: str, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not come up")
        time.sleep(0.05)
