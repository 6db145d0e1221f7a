"""Crash takeover: SIGKILL the process running a generation; another instance finishes the text.

Two real relay processes share a real redis-server; the upstream is the fake one,
whose `cont=exact` continues the reference from the partial answer it is sent.
"""

from __future__ import annotations

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
from .support import event_id, free_port, id_of, iter_sse, read_all, terminal, text_of

N_CHUNKS = 160
MODEL = model_name("gpt-4o-mini", text="prose", n=N_CHUNKS, tps=40, cont="exact")


class RelayProcess:
    """`python -m relay serve` in its own process, so it can be SIGKILLed."""

    def __init__(self, config: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "relay",
                "serve",
                "--config",
                str(config),
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--workers",
                "1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError(
                    f"relay did not start: {self.process.stderr.read().decode()[-2000:] if self.process.stderr else ''}"
                )
            time.sleep(0.05)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def config_path(tmp_path: Path, redis: RedisServer, upstream) -> Path:
    path = tmp_path / "relay.toml"
    path.write_text(
        f"""
[store]
kind = "redis"
url = "{redis.url}"
lease_s = 1.0

[providers.oa]
kind = "openai"
base_url = "{upstream.base_url}/v1"

[routes.default]
targets = ["oa/{MODEL}"]
stall_timeout_s = 2
"""
    )
    return path


def test_sigkill_mid_stream_another_instance_finishes_the_text(config_path: Path, upstream) -> None:
    a, b = RelayProcess(config_path), RelayProcess(config_path)
    try:
        created = httpx.post(a.base_url + "/v1/streams", json={"messages": [{"role": "user", "content": "Go."}]}).json()
        path = f"/v1/streams/{created['id']}/events?token={created['token']}"
        seen = []
        with httpx.Client(timeout=30) as client, client.stream("GET", a.base_url + path) as response:
            for event in iter_sse(response):
                seen.append(event)
                if sum(e.event == "token" for e in seen) == 40:
                    break
        time.sleep(0.1)  # let A's write-behind reach Redis, as it does every 5 ms
        a.kill()
        killed_at = time.monotonic()

        with httpx.Client(timeout=60) as client:
            status, rest = read_all(client, b.base_url + path, headers={"Last-Event-ID": id_of(seen[-1])})
        assert status == 200
        ids = [event_id(e) for e in seen + rest]
        assert ids == list(range(1, len(ids) + 1))  # no duplicate, no gap across the crash
        assert [e.event for e in terminal(rest)] == ["done"]
        reference = upstream.reference("prose", N_CHUNKS).text
        assert text_of(seen + rest) == reference  # complete, nothing lost, repeated or broken at the seam
        failover = [e.data for e in rest if e.event == "failover"]
        assert len(failover) == 1 and failover[0]["reason"] == "instance_lost"
        assert failover[0]["from"].startswith("instance:")
        snapshot = httpx.get(b.base_url + f"/v1/streams/{created['id']}", params={"token": created["token"]}).json()
        assert snapshot["status"] == "done" and snapshot["text"] == reference
        print(f"takeover finished the stream {time.monotonic() - killed_at:.2f} s after SIGKILL")
    finally:
        a.stop()
        b.stop()
