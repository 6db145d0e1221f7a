"""The Redis store under partitions, deploys and strangers (issue 18: items 3, 4, 5, 8 and 10).

Real relay processes (SIGTERMed and SIGKILLed), a real redis-server, and a TCP
proxy the test controls between one relay and Redis, to cut the network and heal it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
import redis as redis_sync

from loadtest.upstream import model_name
from relay import events
from relay.config import load_config_dict
from relay.log import LiveStream, new_stream_id, open_store
from relay.log.redis_store import RedisStore

from .redis_server import RedisServer
from .support import Event, RelayServer, event_id, iter_sse, wait_for
from .tcp_proxy import TcpProxy
from .test_takeover import RelayProcess

MESSAGES = [{"role": "user", "content": "Go."}]


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


def write_config(path: Path, redis_url: str, upstream: Any, model: str, *, lease_s: float, extra: str = "") -> Path:
    path.write_text(
        f"""
[store]
kind = "redis"
url = "{redis_url}"
lease_s = {lease_s}
{extra}

[providers.oa]
kind = "openai"
base_url = "{upstream.base_url}/v1"

[routes.default]
targets = ["oa/{model}"]
stall_timeout_s = 5
"""
    )
    return path


def relay_process(
    tmp_path: Path,
    name: str,
    redis_url: str,
    upstream: Any,
    model: str,
    *,
    lease_s: float,
) -> RelayProcess:
    """A relay process on `redis_url`, its config in `tmp_path/<name>.toml`."""
    return RelayProcess(write_config(tmp_path / f"{name}.toml", redis_url, upstream, model, lease_s=lease_s))


class Reader:
    """A client of one stream that reconnects with its Last-Event-ID, as EventSource does, and applies `reset`s."""

    def __init__(self, created: dict[str, Any], *, cursor: int = 0, text: str = "") -> None:
        self.path = f"/v1/streams/{created['id']}/events?token={created['token']}"
        self.cursor = cursor
        self.text = text
        self.events: list[Event] = []
        self.times: list[float] = []  # when each event arrived (monotonic)
        self.terminal: Event | None = None
        self.statuses: list[int] = []  # of every response, in order

    @property
    def tokens(self) -> int:
        return sum(event.event == events.TOKEN for event in self.events)

    def take(self, event: Event) -> None:
        self.events.append(event)
        self.times.append(time.monotonic())
        if event.event == events.RESET:
            self.text = event.data["text"]
        elif event.event == events.TOKEN:
            self.text += event.data["text"]
        elif event.event in events.TERMINAL_EVENTS:
            self.terminal = event
        self.cursor = event_id(event)

    def read(self, base_url: str, timeout: float = 60) -> Iterator[Event]:
        """One response from `base_url`, event by event, until it ends."""
        with httpx.Client(timeout=timeout) as client:
            with client.stream("GET", base_url + self.path, headers={"Last-Event-ID": str(self.cursor)}) as response:
                self.statuses.append(response.status_code)
                if response.status_code != 200:
                    response.read()
                    return
                for event in iter_sse(response):
                    self.take(event)
                    yield event

    def finish(self, base_urls: list[str], timeout: float = 60) -> None:
        """Reconnect (to each instance in turn) until the terminal event."""
        deadline = time.monotonic() + timeout
        attempt = 0
        while self.terminal is None:
            assert time.monotonic() < deadline, f"no terminal event after {timeout} s (cursor {self.cursor})"
            for _ in self.read(base_urls[attempt % len(base_urls)], timeout=timeout):
                pass
            attempt += 1
            if self.terminal is None:
                time.sleep(0.05)


def first_token_gap(reader: Reader, split: int) -> float:
    """Seconds between the last token a reader got before event index `split` and the first one after."""
    arrivals = enumerate(zip(reader.times, reader.events))
    tokens = [(at, index) for index, (at, event) in arrivals if event.event == events.TOKEN]
    return min(at for at, index in tokens if index >= split) - max(at for at, index in tokens if index < split)


def create(base_url: str, **body: Any) -> dict[str, Any]:
    response = httpx.post(base_url + "/v1/streams", json={"messages": MESSAGES, **body}, timeout=10)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def snapshot(base_url: str, created: dict[str, Any]) -> dict[str, Any]:
    response = httpx.get(base_url + f"/v1/streams/{created['id']}", params={"token": created["token"]}, timeout=10)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def store_health(process: RelayProcess) -> dict[str, Any]:
    health: dict[str, Any] = httpx.get(process.base_url + "/healthz", timeout=5).json()["store"]
    return health


# -- item 4: a partition ----------------------------------------------------------------------


def test_a_partition_never_splits_a_stream(tmp_path: Path, upstream: Any) -> None:
    """Cut off from Redis, an instance stops being the writer before its lease lapses; its reader resumes elsewhere.

    Its reader's response ends without a terminal event (never `done: cancelled`);
    the instance that adopts the stream finishes it, and a client that comes back
    later with a cursor from the cut-off instance (past what reached Redis) gets a
    `reset`, never the adopter's events under ids it already saw.
    """
    n = 160
    model = model_name("gpt-4o-mini", text="prose", n=n, tps=40, cont="exact")
    reference = upstream.reference("prose", n).text
    with RedisServer() as redis, TcpProxy(redis.port) as proxy:
        a = relay_process(tmp_path, "a", proxy.url, upstream, model, lease_s=1.0)
        b = relay_process(tmp_path, "b", redis.url, upstream, model, lease_s=1.0)
        try:
            created = create(a.base_url)
            reader = Reader(created)
            cut = False
            for _ in reader.read(a.base_url):
                if reader.tokens == 20 and not cut:
                    proxy.cut()  # A goes on reading its upstream and sending to this reader, for now
                    cut = True
            # A's response ended by itself: A stopped being the writer, without ending the stream.
            ended = reader.terminal  # not narrowing `reader.terminal`, which `finish` below sets
            assert ended is None, f"A ended the stream itself: {ended}"
            assert reader.tokens >= 20
            a_cursor, a_text = reader.cursor, reader.text
            before = len(reader.events)

            reader.finish([b.base_url])
            assert reader.terminal is not None and reader.terminal.event == "done"
            assert reader.terminal.data["finish_reason"] != "cancelled"
            assert reader.text == reference  # what the reader shows, resets applied: the whole text, once
            resets = [event_id(event) for event in reader.events[before:] if event.event == events.RESET]
            pause = first_token_gap(reader, before)
            lost = a_cursor - min(resets, default=a_cursor)
            print(f"partition: A sent {lost} events Redis never got; the reader waited {pause:.2f} s")

            proxy.heal()
            wait_for(lambda: store_health(a)["unwritten_streams"] == 0, timeout=30)  # A tried again: fenced
            on_a, on_b = snapshot(a.base_url, created), snapshot(b.base_url, created)
            fields = ("status", "text", "last_event_id", "finish_reason")
            assert [on_a[key] for key in fields] == [on_b[key] for key in fields]  # one log, whoever is asked
            assert on_b["status"] == "done" and on_b["text"] == reference

            # A client that kept A's cursor and comes back after B wrote past it.
            assert on_b["last_event_id"] > a_cursor
            late = Reader(created, cursor=a_cursor, text=a_text)
            late.finish([b.base_url, a.base_url])
            assert late.events[0].event == "reset" and event_id(late.events[0]) < a_cursor
            assert late.text == reference
        finally:
            proxy.heal()
            a.stop()
            b.stop()


def test_a_stream_stays_adoptable_when_its_adopter_dies(tmp_path: Path, upstream: Any) -> None:
    """Fenced after the partition, A leaves the stream in the running index; its adopter is SIGKILLed; it still ends."""
    n = 200
    model = model_name("gpt-4o-mini", text="prose", n=n, tps=20, cont="exact")
    reference = upstream.reference("prose", n).text
    with RedisServer() as redis, TcpProxy(redis.port) as proxy:
        a = relay_process(tmp_path, "a", proxy.url, upstream, model, lease_s=1.0)
        b, c = (relay_process(tmp_path, name, redis.url, upstream, model, lease_s=1.0) for name in "bc")
        direct = redis_sync.Redis.from_url(redis.url)
        try:
            created = create(a.base_url)
            stream_id = created["id"]
            reader = Reader(created)
            for _ in reader.read(a.base_url):
                if reader.tokens == 10:
                    break
            proxy.cut()
            lease_key = f"sr:{{{stream_id}}}:lease"
            by_instance = {store_health(p)["instance"]: p for p in (b, c)}
            # without decode_responses the client answers bytes
            wait_for(
                lambda: (cast("bytes | None", direct.get(lease_key)) or b"").split(b":")[0].decode() in by_instance,
                timeout=30,
            )
            adopter = by_instance[cast(bytes, direct.get(lease_key)).split(b":")[0].decode()]
            survivor = c if adopter is b else b

            proxy.heal()
            wait_for(lambda: store_health(a)["unwritten_streams"] == 0, timeout=30)  # A wrote again: fenced
            # Still running in Redis, so still in the running index: whatever A does next, it stays adoptable.
            deadline = time.monotonic() + 2.0
            while time.monotonic() < deadline:
                if direct.hget(f"sr:{{{stream_id}}}:meta", "status") == b"running":
                    assert direct.sismember("sr:running", stream_id), "a running stream left the running index"
                time.sleep(0.05)

            adopter.kill()
            wait_for(lambda: direct.hget(f"sr:{{{stream_id}}}:meta", "status") == b"done", timeout=60)
            final = snapshot(survivor.base_url, created)
            assert final["text"] == reference
            reader.finish([survivor.base_url])
            assert reader.text == reference and reader.terminal is not None and reader.terminal.event == "done"
        finally:
            proxy.heal()
            direct.close()
            for process in (a, b, c):
                process.stop()


def test_after_a_sigkill_takeover_a_reader_ahead_of_redis_is_reset_and_the_ending_answers_204(
    tmp_path: Path,
    upstream: Any,
) -> None:
    """A dies holding events Redis never got; B continues the stream from what Redis had (an unclean takeover).

    A reader that got those events from A comes back after B ended the stream: it
    gets a `reset` to the fork and then B's events, never B's events under ids it
    already saw, and one terminal event. Once it has that ending, a resume at the
    terminal id answers 204 on every instance (the adopter, and one reading Redis):
    nothing more, not the log's tail again after a second `reset`.
    """
    n = 160
    model = model_name("gpt-4o-mini", text="prose", n=n, tps=40, cont="exact")
    reference = upstream.reference("prose", n).text
    with RedisServer() as redis, TcpProxy(redis.port) as proxy:
        a = relay_process(tmp_path, "a", proxy.url, upstream, model, lease_s=1.0)
        b = relay_process(tmp_path, "b", redis.url, upstream, model, lease_s=1.0)
        processes = [a, b]
        direct = redis_sync.Redis.from_url(redis.url)
        try:
            created = create(a.base_url)
            meta = f"sr:{{{created['id']}}}:meta"
            reader = Reader(created)
            cut_at: int | None = None
            for _ in reader.read(a.base_url):
                if reader.tokens == 20 and cut_at is None:
                    proxy.cut()  # from now on A's writes never reach Redis; A goes on sending to its reader
                    cut_at = reader.tokens
                if cut_at is not None and reader.tokens >= cut_at + 3:
                    break
            a.kill()
            in_redis = int(direct.hget(meta, "last") or 0)
            assert reader.terminal is None and reader.cursor > in_redis, (reader.cursor, in_redis)
            a_cursor = reader.cursor

            wait_for(lambda: direct.hget(meta, "status") == b"done", timeout=60)  # B adopted and ended it
            assert int(direct.hget(meta, "last") or 0) > a_cursor  # B wrote other events under A's ids
            before = len(reader.events)
            reader.finish([b.base_url])
            after_kill = reader.events[before:]
            assert after_kill[0].event == events.RESET and event_id(after_kill[0]) < a_cursor
            assert [event.event for event in reader.events if event.event in events.TERMINAL_EVENTS] == ["done"]
            assert reader.text == reference  # A's extra events taken back, B's whole continuation, once

            c = relay_process(tmp_path, "c", redis.url, upstream, model, lease_s=1.0)  # reads the log from Redis
            processes.append(c)
            for process in (b, c):
                with httpx.Client(timeout=30) as client:
                    ending = client.get(process.base_url + reader.path, headers={"Last-Event-ID": str(reader.cursor)})
                assert ending.status_code == 204, f"{process.base_url}: {ending.status_code} {ending.text[:300]}"
                on = snapshot(process.base_url, created)
                assert on["status"] == "done" and on["last_event_id"] == reader.cursor and on["text"] == reference
        finally:
            direct.close()
            for process in processes:
                process.stop()


# -- a Redis restart without persistence ---------------------------------------------------------


def test_a_stream_redis_lost_answers_503_until_its_instance_rewrites_it(tmp_path: Path, upstream: Any) -> None:
    """Redis restarts empty while A, cut off, cannot rewrite its stream yet: B answers 503 with Retry-After, not 404.

    An EventSource gives up for good on a 404; on a 503 the client retries, and once A
    is back and has rewritten the log from memory the reader finishes the whole text.
    An id that never existed still gets 404.
    """
    n = 200
    model = model_name("gpt-4o-mini", text="prose", n=n, tps=40, cont="exact")
    reference = upstream.reference("prose", n).text
    with RedisServer() as redis, TcpProxy(redis.port) as proxy:
        a = relay_process(tmp_path, "a", proxy.url, upstream, model, lease_s=1.0)
        b = relay_process(tmp_path, "b", redis.url, upstream, model, lease_s=1.0)
        try:
            created = create(a.base_url)
            unknown = f"/v1/streams/st_{'x' * 22}?token={created['token']}"
            assert httpx.get(b.base_url + unknown, timeout=10).status_code == 404
            reader = Reader(created)
            for _ in reader.read(b.base_url):  # B follows the stream from Redis
                if reader.tokens == 20:
                    break

            proxy.cut()  # A cannot rewrite anything until the network heals
            redis.stop()
            redis.start()  # the same port, no persistence: every stream's log is gone
            with httpx.Client(base_url=b.base_url, timeout=10) as client:
                answers = [
                    client.get(f"/v1/streams/{created['id']}", params={"token": created["token"]}),
                    client.get(reader.path, headers={"Last-Event-ID": str(reader.cursor)}),
                ]
            for answer in answers:
                assert answer.status_code == 503, answer.text
                assert answer.json()["error"]["code"] == "store_unavailable"
                assert int(answer.headers["Retry-After"]) >= 1
                assert str(redis.port) not in answer.text  # the Redis address stays in the log

            proxy.heal()  # A reconnects, rewrites its log from memory, and the stream goes on (B may adopt it)
            reader.finish([b.base_url, a.base_url], timeout=90)
            assert 404 not in reader.statuses
            assert reader.terminal is not None and reader.terminal.event == "done"
            assert reader.text == reference
        finally:
            proxy.heal()
            a.stop()
            b.stop()


# -- item 5: a rolling deploy -------------------------------------------------------------------


def test_sigterm_hands_a_running_stream_over_and_the_reader_sees_it_finish(tmp_path: Path, upstream: Any) -> None:
    """SIGTERM: A ends its reader's response without a terminal event; B adopts at once (not after lease_s)."""
    n = 160
    model = model_name("gpt-4o-mini", text="prose", n=n, tps=40, cont="exact")
    reference = upstream.reference("prose", n).text
    with RedisServer() as redis:
        # A lease far longer than the test's patience: only a handover can move the stream in time.
        a, b = (relay_process(tmp_path, name, redis.url, upstream, model, lease_s=120.0) for name in "ab")
        direct = redis_sync.Redis.from_url(redis.url)
        try:
            created = create(a.base_url)
            reader = Reader(created)
            terminated = False
            for _ in reader.read(a.base_url):  # A's response goes on until A hands the stream over
                if reader.tokens == 20 and not terminated:
                    a.process.terminate()  # SIGTERM, as a deploy does
                    terminated = True
            ended = reader.terminal  # not narrowing `reader.terminal`, which `finish` below sets
            assert terminated and ended is None, f"A ended the stream at SIGTERM: {ended}"
            before = len(reader.events)
            reader.finish([b.base_url], timeout=30)
            assert reader.terminal is not None and reader.terminal.event == "done"
            assert reader.terminal.data["finish_reason"] != "cancelled"
            assert "reset" not in [event.event for event in reader.events]  # A wrote everything it sent
            assert [event_id(event) for event in reader.events] == list(range(1, len(reader.events) + 1))
            assert reader.text == reference
            assert direct.hget(f"sr:{{{created['id']}}}:meta", "released") == b"1"  # released by A, not lapsed
            a.process.wait(timeout=30)
            gap = first_token_gap(reader, before)
            print(f"handover: the reader waited {gap:.3f} s between its last token from A and its first from B")
        finally:
            direct.close()
            a.stop()
            b.stop()


async def generate(stream: LiveStream) -> None:
    """A stand-in generation: a token every 10 ms, ending as the engine does when cancelled."""
    try:
        while True:
            stream.append_token("x ")
            await asyncio.sleep(0.01)
    except asyncio.CancelledError:
        stream.finish("cancelled", events.DONE, {"finish_reason": "cancelled"})
        raise


async def test_hand_over_releases_every_lease_and_wakes_a_sweeping_instance(redis: RedisServer) -> None:
    """`hand_over` writes everything, releases the lease and wakes `next_sweep` elsewhere; nothing is lost or reset."""
    leaving = RedisStore(redis.url, ttl_s=60, lease_s=120)
    staying = RedisStore(redis.url, ttl_s=60, lease_s=120)
    await leaving.start()
    await staying.start()
    try:
        stream = LiveStream(new_stream_id(), "t", "default")
        stream.request = {"messages": MESSAGES, "key_id": None}
        await leaving.add(stream)
        stream.generation = asyncio.create_task(generate(stream))
        await asyncio.sleep(0.1)
        sweep = asyncio.create_task(staying.next_sweep(60))
        await asyncio.sleep(0.2)
        assert not sweep.done()  # it blocks until an announcement (or the interval)

        assert await leaving.hand_over(timeout_s=5) == 1
        assert stream.status == "running" and not stream.finished and getattr(stream, "abandoned", False)
        await asyncio.wait_for(sweep, timeout=10)  # woken by the announcement, not after 60 s
        assert await leaving.find_orphans() == []  # a leaving instance adopts nothing
        assert stream.id in await staying.find_orphans()
        adopted = await staying.adopt(stream.id)
        assert adopted is not None
        restored, request, owner = adopted
        assert owner == leaving.instance and request["messages"] == MESSAGES
        assert list(restored.frames) == list(stream.frames)  # every event A appended is in Redis: nothing lost
        assert restored.text == stream.text
        view = await staying.get(stream.id, at_least=stream.last_event_id)
        assert view is restored  # a clean handover: a reader's cursor needs no reset
        restored.finish("done", events.DONE, {"finish_reason": "stop"})
        await staying.flush()
    finally:
        await leaving.close()
        await staying.close()


# -- item 3: strangers ---------------------------------------------------------------------------


def redis_clients(url: str) -> int:
    with redis_sync.Redis.from_url(url) as client:
        return int(client.info("clients")["connected_clients"])


def redis_output_bytes(url: str) -> int:
    with redis_sync.Redis.from_url(url) as client:
        return int(client.info("stats")["total_net_output_bytes"])


def simulated_config(url: str, **store: Any) -> Any:
    return load_config_dict(
        {
            "store": {"kind": "redis", "url": url, **store},
            "providers": {"sim": {"kind": "simulated", "tokens_per_s": 20}},
            "routes": {"default": {"targets": ["sim/demo"]}},
        }
    )


def test_unauthenticated_reads_hold_no_redis_connection(redis: RedisServer) -> None:
    """200 GETs without a token, cursor ahead of the log, on an instance not generating the stream: 401 at once."""
    config = simulated_config(redis.url)
    with RelayServer(config) as a, RelayServer(config) as b:
        created = create(a.base_url, max_tokens=2000)
        path = f"/v1/streams/{created['id']}/events"
        snapshot(b.base_url, created)  # B has read the stream once: its pools are warm
        before = redis_clients(redis.url)

        def stranger(_: int) -> int:
            return httpx.get(b.base_url + path, headers={"Last-Event-ID": "1000000"}, timeout=30).status_code

        with concurrent.futures.ThreadPoolExecutor(max_workers=100) as pool:
            statuses = list(pool.map(stranger, range(200)))
        assert statuses == [401] * 200
        assert redis_clients(redis.url) <= before + 10, "unauthenticated reads opened Redis connections"
        httpx.delete(a.base_url + f"/v1/streams/{created['id']}", params={"token": created["token"]}, timeout=10)


def test_a_read_never_loads_the_stored_prompt(redis: RedisServer) -> None:
    """GETs on another instance read the view's fields, not the stored request (a prompt can be megabytes)."""
    config = simulated_config(redis.url)
    prompt = "lorem ipsum " * 40_000  # 480 KB
    with RelayServer(config) as a, RelayServer(config) as b:
        created = create(a.base_url, messages=[{"role": "user", "content": prompt}], max_tokens=2000)
        snapshot(b.base_url, created)
        before = redis_output_bytes(redis.url)
        for _ in range(10):
            snapshot(b.base_url, created)
        assert redis_output_bytes(redis.url) - before < len(prompt), "reads fetched the stored prompt from Redis"
        httpx.delete(a.base_url + f"/v1/streams/{created['id']}", params={"token": created["token"]}, timeout=10)


# -- item 8: the prompt ends with the stream -----------------------------------------------------


@pytest.mark.parametrize("keep_request", [False, True])
async def test_the_stored_prompt_is_deleted_when_the_stream_ends(redis: RedisServer, keep_request: bool) -> None:
    """The prompt is kept for takeover while the stream runs, and goes with the final status unless `keep_request`."""
    store = RedisStore(redis.url, ttl_s=60, keep_request=keep_request)
    await store.start()
    try:
        stream = LiveStream(new_stream_id(), "t", "default")
        stream.request = {"messages": [{"role": "user", "content": "a prompt " * 1000}]}
        await store.add(stream)
        stream.append_token("an answer")
        await store.flush()
        meta = store.keys(stream.id).meta
        with redis_sync.Redis.from_url(redis.url) as direct:
            assert direct.hexists(meta, "request")  # needed for a takeover while it runs
            stream.finish("done", events.DONE, {"finish_reason": "stop"})
            await store.flush()
            assert direct.hget(meta, "status") == b"done"
            assert direct.hexists(meta, "request") is keep_request
        assert (stream.request is not None) is keep_request
    finally:
        await store.close()


# -- item 10: one database, two deployments -----------------------------------------------------


async def test_deployments_with_different_prefixes_never_adopt_each_others_streams(redis: RedisServer) -> None:
    """`store.prefix` (and the other store keys) reach the store through `open_store`; deployments stay apart."""
    blue = open_store(simulated_config(redis.url, prefix="blue", lease_s=0.5, keep_request=True, handover_s=2.5))
    green = open_store(simulated_config(redis.url, prefix="green", lease_s=0.5))
    blue_again = open_store(simulated_config(redis.url, prefix="blue", lease_s=0.5))
    assert isinstance(blue, RedisStore) and isinstance(green, RedisStore) and isinstance(blue_again, RedisStore)
    assert blue.keep_request is True and blue.handover_s == 2.5 and green.keep_request is False
    for store in (blue, green, blue_again):
        await store.start()
    try:
        stream = LiveStream(new_stream_id(), "t", "default")
        stream.request = {"messages": MESSAGES}
        await blue.add(stream)
        stream.append_token("blue ")
        await blue.flush()
        await blue.close()  # as if blue's instance died: its lease is left to lapse
        with redis_sync.Redis.from_url(redis.url) as direct:
            assert direct.exists(f"blue:{{{stream.id}}}:meta") and not direct.exists(f"sr:{{{stream.id}}}:meta")
            direct.delete(f"blue:{{{stream.id}}}:lease")  # lapsed
        assert await green.find_orphans() == []
        assert await green.get(stream.id) is None  # another deployment's streams are not even visible
        assert await blue_again.find_orphans() == [stream.id]
    finally:
        for store in (blue, green, blue_again):
            await store.close()


async def test_a_sweep_over_more_running_streams_than_one_script_call_checks_finds_exactly_the_lapsed_ones(
    redis: RedisServer,
) -> None:
    """Another instance's running streams, some leased, some lapsed, some ended: the sweep adopts the lapsed only.

    More streams than `ORPHAN_CHECKS`, so the checks run in several calls; ended ones leave the running index,
    and the streams generated here are never candidates, whatever their lease.
    """
    from relay.log.redis_store import ORPHAN_CHECKS

    store = open_store(simulated_config(redis.url, prefix="sweep"))
    assert isinstance(store, RedisStore)
    await store.start()
    try:
        ours = LiveStream(new_stream_id(), "t", "default")
        await store.add(ours)
        await store.flush()
        kinds = ["leased", "lapsed", "ended", "gone"]
        streams = {new_stream_id(): kinds[i % len(kinds)] for i in range(ORPHAN_CHECKS * 2 + 7)}
        with redis_sync.Redis.from_url(redis.url) as direct:
            direct.delete(f"sweep:{{{ours.id}}}:lease")  # lapsed, but generated here
            with direct.pipeline(transaction=False) as pipe:
                for stream_id, kind in streams.items():
                    keys = store.keys(stream_id)
                    if kind != "gone":  # expired from Redis, still in the index
                        pipe.hset(keys.meta, "status", "done" if kind == "ended" else "running")
                    if kind == "leased":
                        pipe.set(keys.lease, "other:1", ex=60)
                pipe.sadd("sweep:running", *streams, "not a stream id")
                pipe.execute()
            found = await store.find_orphans()
            assert sorted(found) == sorted(stream_id for stream_id, kind in streams.items() if kind == "lapsed")
            running = {raw.decode() for raw in direct.smembers("sweep:running")}
        assert running == {ours.id, "not a stream id"} | {
            s for s, kind in streams.items() if kind in ("leased", "lapsed")
        }
    finally:
        await store.close()
