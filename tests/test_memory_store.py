"""The memory store keeps finished streams for `ttl_s` and within `max_finished_mb`, oldest dropped first."""

from __future__ import annotations

import time
from typing import Any

import httpx

from relay import events
from relay.config import load_config_dict
from relay.log import LiveStream, MemoryStore, new_stream_id

from .support import RelayServer, read_all, text_of


def _finished(words: int) -> LiveStream:
    stream = LiveStream(new_stream_id(), "t", "default")
    for i in range(words):
        stream.append_token(f" word{i}")
    stream.finish("done", events.DONE, {"finish_reason": "stop"})
    return stream


async def test_the_oldest_finished_streams_go_first_once_over_the_bound() -> None:
    sizes = _finished(100).nbytes
    store = MemoryStore(ttl_s=3600, max_finished_bytes=3 * sizes + sizes // 2)  # room for three
    running = LiveStream(new_stream_id(), "t", "default")
    await store.add(running)
    finished = [_finished(100) for _ in range(6)]
    for stream in finished:
        await store.add(stream)
        store.ended(stream)
    running.append_token(" still going")
    assert [await store.get(s.id) for s in finished] == [None, None, None, *finished[3:]]
    assert await store.get(running.id) is running  # running streams are never dropped
    assert store.finished_bytes == sum(s.nbytes for s in finished[3:])
    assert store.health()["streams"] == 4
    store.ended(finished[5])  # told twice: counted once
    assert store.finished_bytes == sum(s.nbytes for s in finished[3:])


async def test_the_sweep_drops_expired_streams_and_only_those() -> None:
    store = MemoryStore(ttl_s=60)
    old, recent = _finished(5), _finished(5)
    for stream in (old, recent):
        await store.add(stream)
        store.ended(stream)
    old.updated_at = time.time() - 61
    assert await store.get(old.id) is None  # expired even before the sweep
    assert store.sweep() == 1
    assert await store.get(recent.id) is recent
    assert store.finished_bytes == recent.nbytes
    assert store.sweep() == 0


def test_a_relay_with_a_small_bound_keeps_the_newest_streams_whole() -> None:
    config = load_config_dict(
        {
            "providers": {
                "sim": {"kind": "simulated", "tokens_per_s": 400},
                "slow": {"kind": "simulated", "tokens_per_s": 20},
            },
            "routes": {"default": {"targets": ["sim/demo"]}, "slow": {"targets": ["slow/demo"]}},
            "store": {"max_finished_mb": 0.03},  # about 31 KB: a few 60-token streams
        }
    )
    messages = [{"role": "user", "content": "x"}]
    with RelayServer(config) as server, httpx.Client(base_url=server.base_url, timeout=30) as client:
        slow = client.post("/v1/streams", json={"route": "slow", "messages": messages, "max_tokens": 60}).json()
        read: list[tuple[dict[str, Any], bytes]] = []
        for _ in range(15):
            created = client.post("/v1/streams", json={"messages": messages, "max_tokens": 60}).json()
            with client.stream("GET", created["events_url"]) as response:
                read.append((created, response.read()))
        health = client.get("/healthz").json()["store"]
        assert 0 < health["finished_bytes"] <= 0.03 * 1024 * 1024
        statuses = [client.get(c["events_url"]).status_code for c, _ in read]
        assert statuses[0] == 404 and statuses[-1] == 200
        assert statuses == sorted(statuses, reverse=True)  # dropped oldest first: 404s, then 200s
        kept = statuses.count(200)
        assert 2 <= kept < 15
        for created, body in read[-kept:]:
            with client.stream("GET", created["events_url"]) as response:
                assert response.read() == body  # the replay, byte for byte
        status, slow_events = read_all(client, slow["events_url"])  # outlived many drops while running
        assert status == 200 and slow_events[-1].event == "done" and len(text_of(slow_events)) > 100
