"""The Redis stream log against a real redis-server (no mocks): the store, then two relays on one Redis."""

from __future__ import annotations

import asyncio
import os
import random
import threading
from typing import Any, cast

import httpx
import pytest
from redis.asyncio import Redis
from redis.exceptions import DataError

from relay import events
from relay.config import Config, load_config_dict
from relay.errors import store_api_error
from relay.log import LiveStream, StreamGone, StreamTooLarge, new_stream_id
from relay.log.redis_client import _HiredisPacking, connect
from relay.log.redis_store import RedisStore

from .redis_server import RedisClusterServers, RedisServer
from .support import Event, RelayServer, event_id, id_of, iter_sse, read_all, terminal, text_of, wait_for

MESSAGES = [{"role": "user", "content": "Explain resumable streams."}]


def relay_config(url: str, tokens_per_s: float = 200) -> Config:
    return load_config_dict(
        {
            "store": {"kind": "redis", "url": url},
            "providers": {"sim": {"kind": "simulated", "tokens_per_s": tokens_per_s}},
            "routes": {"default": {"targets": ["sim/demo"]}},
        }
    )


# -- the store -------------------------------------------------------------


async def read_remote(store: RedisStore, stream_id: str, after: int = 0) -> bytes:
    view = await store.get(stream_id)
    assert view is not None and not isinstance(view, LiveStream)
    return b"".join([frames async for frames in view.follow(after)])


async def test_events_written_behind_read_back_exactly(redis_url: str) -> None:
    writer, reader = RedisStore(redis_url, ttl_s=60), RedisStore(redis_url, ttl_s=60)
    await writer.start()
    await reader.start()
    try:
        stream = LiveStream(new_stream_id(), "secret-token", "default")
        await writer.add(stream)
        pieces = [f"tok{i} " if i % 7 else "ünï\ncode 🚀 " for i in range(3000)]
        for index, piece in enumerate(pieces):
            stream.append_token(piece)
            if index == 1500:
                stream.append(events.PROGRESS, {"tokens": index})
                await asyncio.sleep(0.02)  # let a few flushes run mid-stream
        stream.finish("done", events.DONE, {"finish_reason": "stop"})
        await writer.flush()

        view = await reader.get(stream.id)
        assert view is not None and not isinstance(view, LiveStream) and view.generation is None
        assert view.token_matches("secret-token") and not view.token_matches("other")
        assert view.last_event_id == stream.last_event_id == 3002
        assert view.finished and view.status == "done" and view.finish_reason == "stop"
        assert view.text == stream.text == "".join(pieces)
        assert view.snapshot() == stream.snapshot()
        assert await read_remote(reader, stream.id) == b"".join(stream.frames)
        assert await read_remote(reader, stream.id, after=2000) == b"".join(stream.frames[2000:])
        assert (await writer.get(stream.id)) is stream  # generated here: read in process
        async with Redis.from_url(redis_url) as redis:
            meta = await redis.hgetall(writer.keys(stream.id).meta)
        assert meta[b"token"] != b"secret-token" and len(meta[b"token"]) == 64  # a sha256 digest only
    finally:
        await writer.close()
        await reader.close()


async def test_the_client_packs_commands_with_hiredis_and_still_speaks_redis(redis_url: str) -> None:
    client = connect(redis_url, socket_timeout_s=5)
    try:
        assert issubclass(client.connection_pool.connection_class, _HiredisPacking)
        key = f"sr:test:{new_stream_id()}"
        frame = 'id: 1\nevent: token\ndata: {"text":" caf\u00e9 \u2014 \U0001f600"}\n\n'.encode()
        async with client.pipeline(transaction=False) as pipe:
            pipe.execute_command("HSET", key, "frame", frame, "n", 17, "x", 1.5, "word", "na\u00efve")
            pipe.execute_command("HGETALL", key)
            _, stored = await pipe.execute()
        assert stored == {b"frame": frame, b"n": b"17", b"x": b"1.5", b"word": "na\u00efve".encode()}
        # redis.asyncio.Redis.execute_command is unannotated
        config_reply = await client.execute_command("CONFIG GET", "maxmemory")  # type: ignore[no-untyped-call]
        assert "maxmemory" in {k.decode() if isinstance(k, bytes) else k for k in config_reply}
        with pytest.raises(DataError):  # what redis-py itself says of a type Redis cannot take
            await client.execute_command("SET", key, True)  # type: ignore[no-untyped-call]  # unannotated, as above
        await client.delete(key)
    finally:
        await client.aclose()


async def test_redis_cluster_one_slot_per_stream() -> None:
    """Each stream's keys share a hash tag: scripts and MULTI stay in one slot, streams spread over nodes."""
    with RedisClusterServers() as cluster:
        writer, reader = RedisStore(cluster.url, ttl_s=60), RedisStore(cluster.url, ttl_s=60)
        await writer.start()
        await reader.start()
        try:
            streams = [LiveStream(new_stream_id(), "t", "default") for _ in range(8)]
            for stream in streams:
                await writer.add(stream)
            for index in range(300):
                for stream in streams:
                    stream.append_token(f"{index} ")
                if index % 50 == 0:
                    await asyncio.sleep(0.01)
            for stream in streams:
                stream.finish("done", events.DONE, {"finish_reason": "stop"})
            await writer.flush()
            for stream in streams:
                view = await reader.get(stream.id)
                assert view is not None and view.status == "done" and view.text == stream.text
                assert await read_remote(reader, stream.id) == b"".join(stream.frames)
            live = LiveStream(new_stream_id(), "t", "default")
            await writer.add(live)
            live.generation = asyncio.create_task(generate(live))
            await asyncio.sleep(0.05)
            cancelled = await reader.request_cancel(live.id)
            assert cancelled is not None and cancelled.status == "cancelled"
            assert await reader.try_acquire_lease(live.id) is None  # finished: nothing to take over
        finally:
            await writer.close()
            await reader.close()


async def test_a_flushed_script_cache_is_reloaded(redis_url: str) -> None:
    writer = RedisStore(redis_url, ttl_s=60)
    await writer.start()
    try:
        stream = LiveStream(new_stream_id(), "t", "default")
        await writer.add(stream)
        stream.append_token("before ")
        await writer.flush()
        async with Redis.from_url(redis_url) as redis:
            await redis.script_flush()  # as after a failover to a replica that never saw the script
        stream.append_token("after")
        stream.finish("done", events.DONE, {"finish_reason": "stop"})
        await writer.flush()
        reader = RedisStore(redis_url, ttl_s=60)
        view = await reader.get(stream.id)
        assert view is not None and view.text == "before after"
        assert await read_remote(reader, stream.id) == b"".join(stream.frames)
        await reader.close()
    finally:
        await writer.close()


async def test_remote_follow_is_live_and_waits_for_a_cursor_ahead_of_redis(redis_url: str) -> None:
    writer = RedisStore(redis_url, ttl_s=60, flush_interval_s=0.05)
    reader = RedisStore(redis_url, ttl_s=60)
    await writer.start()
    await reader.start()
    try:
        stream = LiveStream(new_stream_id(), "t", "default")
        await writer.add(stream)
        view = await reader.get(stream.id)
        assert view is not None and view.last_event_id == 0 and not view.finished

        async def produce() -> None:
            for index in range(200):
                stream.append_token(f"w{index} ")
                await asyncio.sleep(0.001)
            stream.finish("done", events.DONE, {"finish_reason": "stop"})

        producer = asyncio.create_task(produce())
        await asyncio.sleep(0.01)
        # A client saw event 3 from the writer; Redis may not have it yet: get waits for it.
        ahead = await reader.get(stream.id, at_least=stream.last_event_id)
        assert ahead is not None and ahead.last_event_id >= 3
        live = b"".join([frames async for frames in view.follow(0)])
        await producer
        assert live == b"".join(stream.frames)
    finally:
        await writer.close()
        await reader.close()


async def a_followed_stream(writer: RedisStore, reader: RedisStore) -> tuple[LiveStream, Any]:
    """A stream generated on `writer` with one event in Redis, and `reader`'s remote view of it."""
    stream = LiveStream(new_stream_id(), "t", "default")
    await writer.add(stream)
    stream.append_token("first ")
    await writer.flush()
    view = await reader.get(stream.id)
    assert view is not None and not isinstance(view, LiveStream)
    return stream, view


def follow_all(view: Any, n: int) -> list[asyncio.Task[bytes]]:
    """`n` clients following `view` from the start, each to the end of the log."""

    async def follow() -> bytes:
        return b"".join([frames async for frames in view.follow(0)])

    return [asyncio.create_task(follow()) for _ in range(n)]


async def test_more_than_a_hundred_clients_follow_one_stream_from_redis(redis_url: str) -> None:
    """Each remote follower blocks a connection; redis-py 8 caps a pool it is not told about at 100."""
    writer = RedisStore(redis_url, ttl_s=60)
    reader = RedisStore(redis_url, ttl_s=60)
    await writer.start()
    await reader.start()
    try:
        stream, view = await a_followed_stream(writer, reader)
        followers = follow_all(view, 150)
        await asyncio.sleep(0.5)  # every follower has read "first" and blocks for more
        for index in range(5):
            stream.append_token(f"w{index} ")
        stream.finish("done", events.DONE, {"finish_reason": "stop"})
        logs = await asyncio.wait_for(asyncio.gather(*followers), timeout=30)
        assert set(logs) == {b"".join(stream.frames)}
    finally:
        await writer.close()
        await reader.close()


async def test_followers_at_the_pool_bound_do_not_starve_the_flusher(redis_url: str) -> None:
    """Followers block a connection each; the writes of streams generated here use a pool of their own."""
    elsewhere = RedisStore(redis_url, ttl_s=60)
    here = RedisStore(redis_url, ttl_s=60, max_connections=8)
    await elsewhere.start()
    await here.start()
    try:
        followed, view = await a_followed_stream(elsewhere, here)
        followers = follow_all(view, 8)  # the followers' pool is full
        await asyncio.sleep(0.3)
        generated = LiveStream(new_stream_id(), "t", "default")
        await here.add(generated)
        for index in range(5):
            generated.append_token(f"g{index} ")
        generated.finish("done", events.DONE, {"finish_reason": "stop"})
        await asyncio.wait_for(here.flush(), timeout=10)
        assert here.health()["degraded"] is False
        assert await read_remote(elsewhere, generated.id) == b"".join(generated.frames)
        followed.finish("done", events.DONE, {"finish_reason": "stop"})
        await elsewhere.flush()
        logs = await asyncio.wait_for(asyncio.gather(*followers), timeout=30)
        assert set(logs) == {b"".join(followed.frames)}
    finally:
        await elsewhere.close()
        await here.close()


async def test_close_is_bounded_when_a_cancel_is_lost(redis_url: str) -> None:
    """A cancel swallowed inside a client library (or 3.11's wait_for) must not hang shutdown."""
    store = RedisStore(redis_url, ttl_s=60)
    await store.start()
    stop = asyncio.Event()

    async def stubborn() -> None:
        while not stop.is_set():
            try:
                await asyncio.sleep(0.05)
            except asyncio.CancelledError:
                pass  # the lost cancel

    assert store._flusher is not None
    store._flusher.cancel()
    store._flusher = asyncio.create_task(stubborn())
    try:
        await asyncio.wait_for(store.close(timeout_s=0.5), timeout=10)  # hangs here without the bound
    finally:
        stop.set()


async def test_expired_stream_is_gone_and_unknown_is_none(redis_url: str) -> None:
    store = RedisStore(redis_url, ttl_s=0.3)
    await store.start()
    try:
        stream = LiveStream(new_stream_id(), "t", "default")
        await store.add(stream)
        stream.finish("done", events.DONE, {"finish_reason": "stop"})
        await store.flush()
        other = RedisStore(redis_url, ttl_s=0.3)
        assert (await other.get(stream.id)) is not None
        await asyncio.sleep(0.5)
        with pytest.raises(StreamGone) as gone:
            await other.get(stream.id)
        answer = store_api_error(gone.value)
        assert answer.status == 410 and answer.code == "stream_expired"
        assert await other.get(new_stream_id()) is None
        assert await other.get("not-a-stream-id{}") is None
        await other.close()
    finally:
        await store.close()


async def test_a_generation_over_the_bound_gets_a_clear_error(redis_url: str) -> None:
    store = RedisStore(redis_url, ttl_s=60, max_events=50)
    await store.start()
    try:
        stream = LiveStream(new_stream_id(), "t", "default")
        await store.add(stream)
        with pytest.raises(StreamTooLarge, match="over the log bound"):
            for index in range(100):
                stream.append_token(f"{index} ")
        assert stream.last_event_id == 51  # the event that crossed the bound is logged too
        stream.finish("failed", events.ERROR, {"code": StreamTooLarge.code, "message": "too large", "kind": "internal"})
        await asyncio.wait_for(store.flush(), timeout=20)
        reader = RedisStore(redis_url, ttl_s=60)
        view = await asyncio.wait_for(reader.get(stream.id), timeout=20)
        assert view is not None and view.status == "failed" and view.last_event_id == 52
        await asyncio.wait_for(reader.close(), timeout=20)
    finally:
        await asyncio.wait_for(store.close(), timeout=20)


async def generate(stream: LiveStream, resume: asyncio.Event | None = None, pause_at: int = 0) -> None:
    """A stand-in generation: a token every 10 ms (idle from `pause_at` until `resume`), cancellable."""
    try:
        while True:
            if stream.last_event_id == pause_at and resume is not None:
                await resume.wait()
            stream.append_token("x ")
            await asyncio.sleep(0.01)
    except asyncio.CancelledError:
        stream.finish("cancelled", events.DONE, {"finish_reason": "cancelled"})
        raise


async def test_cancel_reaches_the_generating_instance(redis_url: str) -> None:
    generating = RedisStore(redis_url, ttl_s=60, touch_interval_s=0.05)
    elsewhere = RedisStore(redis_url, ttl_s=60)
    await generating.start()
    await elsewhere.start()
    try:
        stream = LiveStream(new_stream_id(), "t", "default")
        await generating.add(stream)
        stream.generation = asyncio.create_task(generate(stream))
        await asyncio.sleep(0.1)
        view = await elsewhere.request_cancel(stream.id, wait_s=5)
        assert view is not None and view.status == "cancelled" and stream.status == "cancelled"
        assert view.last_event_id == stream.last_event_id and view.text == stream.text
        again = await elsewhere.request_cancel(stream.id)
        assert again is not None and again.status == "cancelled"  # idempotent
        assert await elsewhere.request_cancel(new_stream_id()) is None
    finally:
        await generating.close()
        await elsewhere.close()


async def test_a_new_lease_epoch_fences_the_old_holder(redis_url: str) -> None:
    generating = RedisStore(redis_url, ttl_s=60, touch_interval_s=60)  # no renewals while idle
    elsewhere = RedisStore(redis_url, ttl_s=60)
    await generating.start()
    await elsewhere.start()
    try:
        stream = LiveStream(new_stream_id(), "t", "default")
        await generating.add(stream)
        resume = asyncio.Event()
        stream.generation = asyncio.create_task(generate(stream, resume, pause_at=5))
        await asyncio.sleep(0.1)
        await generating.flush()
        assert await elsewhere.try_acquire_lease(stream.id) is None  # held
        async with Redis.from_url(redis_url) as redis:
            await redis.delete(generating.keys(stream.id).lease)  # as if the holder stopped renewing
        assert await elsewhere.try_acquire_lease(stream.id) == f"{elsewhere.instance}:2"
        resume.set()  # the old holder writes again: fenced, it stops writing and its generation ends
        await asyncio.wait_for(asyncio.gather(stream.generation, return_exceptions=True), timeout=5)
        await generating.flush()
        assert generating.health()["unwritten_streams"] == 0
        view = await elsewhere.get(stream.id)
        assert view is not None and view.status == "running" and view.last_event_id == 5  # nothing after the takeover
    finally:
        await generating.close()
        await elsewhere.close()


# -- relays on one Redis ---------------------------------------------------


def create(client: httpx.Client, **body: object) -> dict[str, Any]:
    response = client.post("/v1/streams", json={"messages": MESSAGES, **body})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def snapshot(client: httpx.Client, created: dict[str, Any]) -> dict[str, Any]:
    response = client.get(f"/v1/streams/{created['id']}", params={"token": created["token"]})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def events_path(created: dict[str, Any]) -> str:
    return f"/v1/streams/{created['id']}/events?token={created['token']}"


def read_some(client: httpx.Client, path: str, after: int, count: int) -> list[Event]:
    """Up to `count` events after `after`, then drop the connection."""
    seen: list[Event] = []
    with client.stream("GET", path, headers={"Last-Event-ID": str(after)}) as response:
        if response.status_code == 204:
            return seen
        assert response.status_code == 200, response.read()
        for event in iter_sse(response):
            seen.append(event)
            if len(seen) >= count or event.event in ("done", "error"):
                break
    return seen


def test_a_stream_created_on_one_relay_is_followed_and_resumed_on_another(redis_url: str) -> None:
    config = relay_config(redis_url, tokens_per_s=100)
    with (
        RelayServer(config) as a,
        RelayServer(config) as b,
        httpx.Client(base_url=a.base_url, timeout=30) as on_a,
        httpx.Client(base_url=b.base_url, timeout=30) as on_b,
    ):
        created = create(on_a, max_tokens=150)
        first = read_some(on_b, events_path(created), 0, 20)  # live on B, while A generates
        assert [event_id(e) for e in first] == list(range(1, 21))
        assert snapshot(on_b, created)["status"] == "running"
        status, rest = read_all(on_b, events_path(created), headers={"Last-Event-ID": id_of(first[-1])})
        assert status == 200 and [event_id(e) for e in rest] == list(range(21, 21 + len(rest)))
        assert [e.event for e in terminal(rest)] == ["done"]
        full_a, full_b = snapshot(on_a, created), snapshot(on_b, created)
        assert text_of(first + rest) == full_a["text"] == full_b["text"] and len(full_a["text"]) > 200
        assert full_b["status"] == "done" and full_b["last_event_id"] == full_a["last_event_id"] == event_id(rest[-1])
        assert on_b.get(events_path(created), headers={"Last-Event-ID": id_of(rest[-1])}).status_code == 204
        # The cursor-beyond-the-log reset works on the remote view too.
        status, reset = read_all(on_b, events_path(created), headers={"Last-Event-ID": str(event_id(rest[-1]) + 9)})
        assert reset[0].event == "reset" and reset[0].data["text"] == full_a["text"]
        assert on_b.get(f"/v1/streams/{created['id']}", params={"token": "wrong"}).status_code == 403
        assert on_b.get("/healthz").json()["store"]["kind"] == "redis"


def test_a_cancel_on_another_relay_reaches_the_generation(redis_url: str) -> None:
    config = relay_config(redis_url, tokens_per_s=50)
    with (
        RelayServer(config) as a,
        RelayServer(config) as b,
        httpx.Client(base_url=a.base_url, timeout=30) as on_a,
        httpx.Client(base_url=b.base_url, timeout=30) as on_b,
    ):
        created = create(on_a, max_tokens=500)
        read_some(on_b, events_path(created), 0, 3)
        response = on_b.delete(f"/v1/streams/{created['id']}", params={"token": created["token"]})
        assert response.status_code == 200 and response.json()["status"] == "cancelled"
        assert snapshot(on_a, created)["status"] == "cancelled"
        status, log = read_all(on_b, events_path(created))
        assert (
            terminal(log)[-1].data == {"finish_reason": "cancelled", "openai_finish_reason": "stop"}
            and text_of(log) == snapshot(on_a, created)["text"]
        )


def test_a_stream_survives_a_relay_restart(redis_url: str) -> None:
    config = relay_config(redis_url, tokens_per_s=100)
    with RelayServer(config) as a, httpx.Client(base_url=a.base_url, timeout=30) as on_a:
        created = create(on_a, max_tokens=400)
        seen = read_some(on_a, events_path(created), 0, 15)
    # A stopped mid-generation: it handed the stream over; the next instance adopts it and finishes it.
    with RelayServer(config) as again, httpx.Client(base_url=again.base_url, timeout=30) as client:
        status, rest = read_all(client, events_path(created), headers={"Last-Event-ID": id_of(seen[-1])})
        assert status == 200 and [event_id(e) for e in rest] == list(range(16, 16 + len(rest)))
        assert rest[-1].event == "done" and rest[-1].data == {"finish_reason": "stop", "openai_finish_reason": "stop"}
        assert text_of(seen + rest) == snapshot(client, created)["text"]


def test_redis_lost_mid_stream_then_back_the_log_catches_up() -> None:
    with RedisServer() as redis:
        config = relay_config(redis.url, tokens_per_s=150)
        with (
            RelayServer(config) as a,
            RelayServer(config) as b,
            httpx.Client(base_url=a.base_url, timeout=30) as on_a,
            httpx.Client(base_url=b.base_url, timeout=30) as on_b,
        ):
            created = create(on_a, max_tokens=300)
            seen: list[Event] = []
            with on_a.stream("GET", events_path(created)) as response:
                for event in iter_sse(response):
                    seen.append(event)
                    if len(seen) == 20:
                        redis.stop()
            # The local client finished although Redis went away at event 20.
            assert [event_id(e) for e in seen] == list(range(1, len(seen) + 1)) and seen[-1].event == "done"
            # ...and was told, in band, that resuming elsewhere would not work for now.
            assert [e.data["available"] for e in seen if e.event == "resume"] == [False]
            health = on_a.get("/healthz").json()["store"]
            assert health["kind"] == "redis" and health["degraded"] is True
            assert on_b.get(events_path(created)).status_code == 503  # not local to B, and no Redis
            redis.start()  # empty: it kept nothing
            wait_for(lambda: on_a.get("/healthz").json()["store"]["degraded"] is False, timeout=10)
            wait_for(lambda: on_a.get("/healthz").json()["store"]["unwritten_streams"] == 0, timeout=10)
            status, replayed = read_all(on_b, events_path(created))
            assert status == 200 and [e.id for e in replayed] == [e.id for e in seen]
            assert text_of(replayed) == text_of(seen) == snapshot(on_b, created)["text"]
            assert snapshot(on_b, created)["status"] == "done"


def test_random_disconnects_across_relays_lose_and_repeat_nothing(redis_url: str) -> None:
    """Streams generated on A; a client drops after a random number of events and comes back on A or B."""
    rng = random.Random(int(os.environ.get("SPLICE_TEST_SEED", "7")))
    config = relay_config(redis_url, tokens_per_s=300)
    with RelayServer(config) as a, RelayServer(config) as b:
        clients = [httpx.Client(base_url=server.base_url, timeout=30) for server in (a, b)]
        try:
            streams = [create(clients[0], max_tokens=rng.randint(250, 400)) for _ in range(8)]
            results: dict[str, tuple[list[Event], int]] = {}

            def follow(created: dict[str, Any], seed: int) -> None:
                local = random.Random(seed)
                log: list[Event] = []
                reconnects = 0
                while not log or log[-1].event not in ("done", "error"):
                    client = local.choice(clients)
                    cursor = event_id(log[-1]) if log else 0
                    log += read_some(client, events_path(created), cursor, local.randint(1, 3))
                    reconnects += 1
                results[created["id"]] = (log, reconnects)

            threads = [threading.Thread(target=follow, args=(created, rng.random())) for created in streams]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=90)
            assert len(results) == len(streams)
            total = 0
            for created in streams:
                log, reconnects = results[created["id"]]
                total += reconnects
                assert [e.event for e in log].count("reset") == 0
                assert [event_id(e) for e in log] == list(range(1, len(log) + 1))  # none missing, none twice
                full = snapshot(clients[1], created)
                assert text_of(log) == full["text"] == snapshot(clients[0], created)["text"]
                assert full["last_event_id"] == len(log)
            assert total >= 1000  # a thousand random disconnect/reconnect points
        finally:
            for client in clients:
                client.close()


def test_audit_records_go_to_a_redis_stream(redis_url: str) -> None:
    import orjson
    import redis as redis_sync

    with RelayServer(relay_config(redis_url)) as a, httpx.Client(base_url=a.base_url, timeout=30) as client:
        created = create(client, max_tokens=20)
        read_all(client, events_path(created))
        entries: list[tuple[bytes, dict[bytes, bytes]]] = []

        def recorded() -> bool:
            # without decode_responses the client answers bytes
            audit = cast(
                list[tuple[bytes, dict[bytes, bytes]]], redis_sync.Redis.from_url(redis_url).xrange("sr:audit")
            )
            entries[:] = [e for e in audit if e[1][b"stream_id"] == created["id"].encode()]
            return bool(entries)

        wait_for(recorded)
        record = orjson.loads(entries[0][1][b"record"])
        assert (
            record["status"] == "done" and record["route"] == "default" and record["attempts"][0]["end"] == "finished"
        )
        assert record["cost"]["output_tokens"] > 0
