"""The Redis store's relay CPU per token beside the memory store's: ``python -m loadtest.bench_redis``.

A throwaway redis-server on a free port, the real RedisStore (its own flusher task, every
`flush_interval_s`) holding a few hundred running LiveStreams, and a driver that appends one token
to a random sample of them per flush (it waits for each flush): at the load test's N=500 x 20
tokens/s nearly every stream write carries one event, so the Redis store's cost is its cost per
stream write. The memory store runs the same appends in the same process, one interval apart. Both are timed with
`time.process_time` (this process only: redis-server's CPU is not counted); the ratio is the
figure, since absolute microseconds follow the machine's load. Rounds alternate the two stores and
the median of each is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass

import uvloop

from relay.log import LiveStream, MemoryStore, new_stream_id
from relay.log.redis_store import RedisStore
from relay.log.redis_writer import StreamJournal

from .throwaway_redis import redis_server_argv

FLUSH_INTERVAL_S = 0.005


@dataclass
class Run:
    """One store's measured phase."""

    cpu_s: float
    tokens: int
    writes: int  # stream writes (one script call's share per stream); 0 for the memory store

    @property
    def us_per_token(self) -> float:
        return self.cpu_s / self.tokens * 1e6


class CountingStore(RedisStore):
    """The RedisStore, counting the streams each round trip writes (one addition per flush, not per stream)."""

    writes = 0
    flushed: asyncio.Event | None = None  # set after each round trip: the driver appends again then

    async def _write(self, journals: list[StreamJournal]) -> None:
        self.writes += len(journals)
        await super()._write(journals)
        if self.flushed is not None:
            self.flushed.set()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _new_stream() -> LiveStream:
    stream = LiveStream(new_stream_id(), "bench-token", "default")
    stream.request = {"messages": [{"role": "user", "content": "a prompt of a few words"}], "max_tokens": 4096}
    return stream


async def _drive(
    streams: list[LiveStream], per_tick: int, ticks: int, seed: int, flushed: asyncio.Event | None = None
) -> int:
    """Append one token to `per_tick` random streams per flush; returns the tokens appended.

    With the Redis store the driver waits for the flusher's next round trip (`flushed`), so each
    stream write carries one token, as at N=500 x 20 tokens/s; the memory store sleeps one interval.
    """
    rng = random.Random(seed)
    tokens = 0
    for _ in range(ticks):
        for stream in rng.sample(streams, per_tick):
            stream.append_token(" token")
        tokens += per_tick
        if flushed is None:
            await asyncio.sleep(FLUSH_INTERVAL_S)
        else:
            flushed.clear()
            await flushed.wait()
    return tokens


async def redis_phase(url: str, n: int, per_tick: int, ticks: int, seed: int) -> Run:
    store = CountingStore(url, 600.0, prefix=f"bench{seed}", flush_interval_s=FLUSH_INTERVAL_S)
    await store.start()
    try:
        streams = [_new_stream() for _ in range(n)]
        for stream in streams:
            await store.add(stream)
        store.flushed = asyncio.Event()
        await _drive(streams, per_tick, ticks // 10, seed + 1, store.flushed)  # warm up
        await store.flush()
        writes = store.writes
        start = time.process_time()
        tokens = await _drive(streams, per_tick, ticks, seed, store.flushed)
        await store.flush()
        cpu_s = time.process_time() - start
        return Run(cpu_s, tokens, store.writes - writes)
    finally:
        await store.close()


async def memory_phase(n: int, per_tick: int, ticks: int, seed: int) -> Run:
    store = MemoryStore(600.0)
    await store.start()
    try:
        streams = [_new_stream() for _ in range(n)]
        for stream in streams:
            await store.add(stream)
        await _drive(streams, per_tick, ticks // 10, seed + 1)
        start = time.process_time()
        tokens = await _drive(streams, per_tick, ticks, seed)
        cpu_s = time.process_time() - start
        return Run(cpu_s, tokens, 0)
    finally:
        await store.close()


async def bench(url: str, n: int, per_tick: int, ticks: int, rounds: int) -> dict[str, float]:
    memory: list[Run] = []
    redis: list[Run] = []
    for index in range(rounds):
        seed = 1000 * index + 1
        if index % 2:
            redis.append(await redis_phase(url, n, per_tick, ticks, seed))
            memory.append(await memory_phase(n, per_tick, ticks, seed))
        else:
            memory.append(await memory_phase(n, per_tick, ticks, seed))
            redis.append(await redis_phase(url, n, per_tick, ticks, seed))
        m, r = memory[-1], redis[-1]
        print(
            f"round {index + 1}: memory {m.us_per_token:6.2f} µs/token, redis {r.us_per_token:6.2f} µs/token"
            f" ({r.us_per_token / m.us_per_token:.2f}x), {r.tokens / r.writes:.2f} tokens per stream write,"
            f" +{(r.cpu_s - m.cpu_s) / r.writes * 1e6:.2f} µs per stream write",
            flush=True,
        )
    mem_us = statistics.median(run.us_per_token for run in memory)
    red_us = statistics.median(run.us_per_token for run in redis)
    extra_per_write = statistics.median((r.cpu_s - m.cpu_s) / r.writes * 1e6 for m, r in zip(memory, redis))
    ratio = statistics.median(r.us_per_token / m.us_per_token for m, r in zip(memory, redis))
    print(
        f"median of {rounds}: memory {mem_us:.2f} µs CPU/token, redis {red_us:.2f} µs CPU/token,"
        f" ratio {ratio:.2f}x; the Redis store's extra CPU {red_us - mem_us:.2f} µs/token,"
        f" {extra_per_write:.2f} µs per stream write"
    )
    return {"memory_us": mem_us, "redis_us": red_us, "ratio": ratio, "extra_us_per_write": extra_per_write}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=500, help="running streams in each store")
    parser.add_argument("--per-tick", type=int, default=75, help="streams given a token each flush interval")
    parser.add_argument("--ticks", type=int, default=1000, help="flush intervals per measured phase")
    parser.add_argument("--rounds", type=int, default=3, help="phases of each store (the median is reported)")
    parser.add_argument("--url", help="an existing Redis (default: a throwaway redis-server)")
    options = parser.parse_args()
    logging.getLogger("splice_relay.redis").setLevel(logging.ERROR)  # the streams never end: no close warning
    if options.url:
        uvloop.run(bench(options.url, options.streams, options.per_tick, options.ticks, options.rounds))
        return
    binary = shutil.which("redis-server") or shutil.which("valkey-server")
    if binary is None:
        raise SystemExit("redis-server is not on PATH")
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as directory:
        server = subprocess.Popen(
            redis_server_argv(binary, port, directory), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("redis-server did not start") from None
                    time.sleep(0.02)
            url = f"redis://127.0.0.1:{port}/0"
            uvloop.run(bench(url, options.streams, options.per_tick, options.ticks, options.rounds))
        finally:
            server.kill()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
