"""`splice-relay serve --workers N`: several processes on one port, any worker serving any stream.

Real worker processes under the real supervisor share a real redis-server; a keep-alive connection
stays on the worker that accepted it, so `/healthz`'s pid says which worker a client talks to.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from loadtest.upstream import model_name

from .redis_server import RedisServer
from .support import event_id, free_port, iter_sse, terminal, text_of

N_CHUNKS = 80
MODEL = model_name("gpt-4o-mini", text="prose", n=N_CHUNKS, tps=40)


class Workers:
    """`python -m relay serve --workers N`: the supervisor, and the port its workers share."""

    def __init__(self, config: Path, workers: int | None) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        argv = [sys.executable, "-m", "relay", "serve", "--config", str(config), "--port", str(self.port)]
        argv += ["--log-level", "warning"] + (["--workers", str(workers)] if workers is not None else [])
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def pids(self, want: int, attempts: int = 200) -> set[int]:
        """The worker pids seen over fresh connections, until `want` of them answered."""
        seen: set[int] = set()
        deadline = time.monotonic() + 30
        for _ in range(attempts):
            with self.client() as client:
                try:
                    seen.add(client.get("/healthz").json()["pid"])
                except httpx.HTTPError:
                    if time.monotonic() > deadline or self.process.poll() is not None:
                        break
                    time.sleep(0.05)
            if len(seen) >= want:
                break
        return seen

    def client(self) -> httpx.Client:
        """One keep-alive connection: every request on it reaches the same worker."""
        return httpx.Client(base_url=self.base_url, timeout=30, limits=httpx.Limits(max_connections=1))

    def client_on(self, pid: int) -> httpx.Client:
        """A client whose connection landed on the worker `pid` (new connections until one does)."""
        for _ in range(200):
            client = self.client()
            if client.get("/healthz").json()["pid"] == pid:
                return client
            client.close()
        raise AssertionError(f"no connection reached worker {pid}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.stop()


def write_config(path: Path, upstream, redis: RedisServer | None) -> Path:
    store = f'[store]\nkind = "redis"\nurl = "{redis.url}"\n' if redis is not None else ""
    path.write_text(
        f"""{store}
[providers.oa]
kind = "openai"
base_url = "{upstream.base_url}/v1"

[routes.default]
targets = ["oa/{MODEL}"]
"""
    )
    return path


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_stream_created_on_one_worker_is_read_from_the_other(tmp_path: Path, upstream, redis: RedisServer) -> None:
    workers = Workers(write_config(tmp_path / "relay.toml", upstream, redis), 2)
    try:
        first, second = sorted(workers.pids(2))
        with (
            contextlib.closing(workers.client_on(first)) as writer,
            contextlib.closing(workers.client_on(second)) as reader,
        ):
            created = writer.post("/v1/streams", json={"messages": [{"role": "user", "content": "Go."}]}).json()
            path = f"/v1/streams/{created['id']}/events?token={created['token']}"
            with reader.stream("GET", path) as response:  # live, while the other worker generates
                assert response.status_code == 200
                events = list(iter_sse(response))
            assert reader.get("/healthz").json()["pid"] == second  # the read really was on the other worker
            assert [e.event for e in terminal(events)] == ["done"]
            tokens = [e for e in events if e.event == "token"]
            assert [event_id(e) for e in tokens] == sorted({event_id(e) for e in tokens})
            assert text_of(events) == upstream.reference("prose", N_CHUNKS).text
            cancelled = reader.delete(f"/v1/streams/{created['id']}", params={"token": created["token"]})
            assert cancelled.status_code in (200, 409)  # ended already: a clear answer from the other worker
    finally:
        assert workers.stop() == 0


def test_the_supervisor_replaces_a_dead_worker_and_stops_all_on_sigterm(
    tmp_path: Path, upstream, redis: RedisServer
) -> None:
    workers = Workers(write_config(tmp_path / "relay.toml", upstream, redis), 2)
    try:
        pids = workers.pids(2)
        assert len(pids) == 2
        victim = min(pids)
        subprocess.run(["kill", "-KILL", str(victim)], check=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = workers.pids(2, attempts=40)
            if len(now) == 2 and victim not in now:
                break
            time.sleep(0.2)
        assert len(now) == 2 and victim not in now  # a new worker took its place on the same port
    finally:
        code = workers.stop()
    assert code == 0
    assert not any(alive(pid) for pid in now)  # SIGTERM reached every worker, none is left behind


def test_several_workers_need_the_redis_store(tmp_path: Path, upstream) -> None:
    workers = Workers(write_config(tmp_path / "relay.toml", upstream, None), 2)
    assert workers.process.wait(timeout=30) == 2
    assert workers.process.stderr is not None
    assert b"store.kind = 'redis'" in workers.process.stderr.read()


def test_the_memory_store_defaults_to_one_process(tmp_path: Path, upstream) -> None:
    workers = Workers(write_config(tmp_path / "relay.toml", upstream, None), None)
    try:
        assert len(workers.pids(1)) == 1
        assert len(workers.pids(2, attempts=30)) == 1  # thirty fresh connections, one process
    finally:
        assert workers.stop() in (0, -signal.SIGTERM)  # uvicorn re-raises the signal it handled
