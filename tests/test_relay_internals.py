"""Pieces of the relay checked on their own: log redaction, cleanup after disconnects, stall thresholds."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relay import events
from relay.cli import RedactTokens
from relay.config import load_config_dict
from relay.engine import Generation, GenerationRequest
from relay.engine.attempt import StopFlag, Stopped, Watch, stall_threshold
from relay.log import LiveStream, PackedFrames, new_stream_id
from relay.ticker import Ticker

from .support import RelayServer, iter_sse, wait_for


def test_stream_tokens_never_reach_the_access_log() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/v1/streams/st_x/events?token=SECRET123&last_event_id=4", "1.1", 200),
        None,
    )
    RedactTokens().filter(record)
    line = record.getMessage()
    assert "SECRET123" not in line and "token=[redacted]" in line and "last_event_id=4" in line


def test_dropped_clients_leave_no_task_behind() -> None:
    config = load_config_dict(
        {
            "providers": {"sim": {"kind": "simulated", "tokens_per_s": 5}},
            "routes": {"default": {"targets": ["sim/demo"]}},
        }
    )
    with RelayServer(config) as server, httpx.Client(base_url=server.base_url, timeout=10) as client:
        loop = server.relay.store._sweeper.get_loop()  # the server's event loop
        created = client.post(
            "/v1/streams", json={"messages": [{"role": "user", "content": "x"}], "max_tokens": 300}
        ).json()

        def connect_and_drop() -> None:
            with client.stream("GET", created["events_url"]) as response:
                for _ in iter_sse(response):
                    break  # drop the connection after one event

        connect_and_drop()  # the first request warms up whatever starts lazily
        time.sleep(0.5)
        baseline = len(asyncio.all_tasks(loop))
        for _ in range(20):
            connect_and_drop()
        # Every response task and its cursor ended: only the generation and the app's own tasks remain.
        wait_for(lambda: len(asyncio.all_tasks(loop)) <= baseline, timeout=10)
        client.delete(f"/v1/streams/{created['id']}", params={"token": created["token"]})


def _generation(tokens_per_s: float = 30.0, **route: object) -> Generation:
    config = load_config_dict(
        {
            "providers": {"sim": {"kind": "simulated", "tokens_per_s": tokens_per_s}},
            "routes": {"r": {"targets": ["sim/demo"], **route}},
        }
    )
    from relay.app import Relay
    from relay.log import LiveStream

    relay = Relay(config)
    return Generation(
        LiveStream("st_t", "t", "r"),
        config.routes["r"],
        GenerationRequest([{"role": "user", "content": "x"}]),
        relay.services,
    )


def test_adaptive_stall_threshold_follows_the_stream_pace_within_bounds() -> None:
    fixed = _generation(stall_timeout_s=5.0)
    adaptive = _generation(stall_timeout_s=5.0, stall_adaptive=True, stall_floor_s=0.3)
    fast = Watch(last_chunk_at=10.0, got_first=True, started_at=9.0, chunks=100)  # 10 ms gaps
    slow = Watch(last_chunk_at=100.0, got_first=True, started_at=50.0, chunks=50)  # 1 s gaps
    few = Watch(last_chunk_at=10.0, got_first=True, started_at=9.99, chunks=3)  # too little to judge
    assert stall_threshold(fixed.route, fast) == 5.0
    assert stall_threshold(adaptive.route, fast) == 0.3  # 8 x 10 ms, but never below the floor
    assert stall_threshold(adaptive.route, slow) == 5.0  # 8 x 1 s, but never above stall_timeout_s
    assert stall_threshold(adaptive.route, few) == 5.0
    mid = Watch(last_chunk_at=20.0, got_first=True, started_at=10.0, chunks=100)  # 100 ms gaps
    assert abs(stall_threshold(adaptive.route, mid) - 0.8) < 1e-9


def test_serve_keeps_full_collections_short_and_rare() -> None:
    import gc

    from relay.app import create_app
    from relay.cli import FULL_COLLECTION_EVERY, tune_garbage_collector
    from relay.config import default_config

    create_app(default_config())
    before = gc.get_freeze_count()
    thresholds = gc.get_threshold()
    try:
        tune_garbage_collector()
        assert gc.get_freeze_count() > before + 10_000  # the SDKs and the app, at least
        assert len(gc.get_objects()) < gc.get_freeze_count() / 10  # what a full pass still walks
        assert gc.get_threshold() == (thresholds[0], thresholds[1], FULL_COLLECTION_EVERY)
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def _follow_in_task(stream: LiveStream) -> tuple[list[bytes], asyncio.Task[None]]:
    """A reader following `stream` from the start in a task of its own; the batches it got, and the task."""
    batches: list[bytes] = []

    async def read() -> None:
        async for batch in stream.follow(0):
            batches.append(batch)

    return batches, asyncio.create_task(read())


async def test_progress_and_cost_ride_with_the_next_event() -> None:
    """An event appended with wake=False wakes no reader: it goes out in the next batch, or at `announce`."""
    stream = LiveStream(new_stream_id(), "t", "default")
    batches, reader = _follow_in_task(stream)
    stream.append_token("a ")
    await asyncio.sleep(0.01)
    stream.append(events.PROGRESS, {"output_tokens": 1}, wake=False)
    await asyncio.sleep(0.01)
    assert batches == [stream.frames[0]]  # no send for the progress event alone
    stream.append_token("b ")
    await asyncio.sleep(0.01)
    assert batches[1:] == [stream.frames[1] + stream.frames[2]]  # progress and token in one batch
    stream.append(events.COST, {"usd": 0.0}, wake=False)
    stream.announce()  # nothing else came: the tick sends it on its own
    await asyncio.sleep(0.01)
    assert batches[2:] == [stream.frames[3]]
    stream.announce()  # nothing unannounced: no empty wake-up
    await asyncio.sleep(0.01)
    assert len(batches) == 3
    stream.finish("done", events.DONE, {"finish_reason": "stop"})
    await asyncio.wait_for(reader, 1)
    assert b"".join(batches) == b"".join(stream.frames)


@given(st.lists(st.binary(max_size=40), max_size=30), st.integers(-35, 35), st.integers(-35, 35))
def test_packed_frames_read_like_the_list_they_pack(frames: list[bytes], start: int, end: int) -> None:
    packed = PackedFrames(frames)
    assert len(packed) == len(frames)
    assert list(packed) == frames
    assert packed[start:end] == frames[start:end]
    assert packed[::-2] == frames[::-2]
    for index in (start, end):
        if -len(frames) <= index < len(frames):
            assert packed[index] == frames[index]
        else:
            try:
                packed[index]
            except IndexError:
                pass
            else:
                raise AssertionError(f"index {index} of {len(frames)} frames did not raise")
    if 0 <= start <= len(frames) and 0 <= end <= len(frames):
        assert packed.joined(start, end) == b"".join(frames[start:end])


async def test_a_finished_stream_is_packed_and_reads_the_same() -> None:
    """On finish the frames become one bytes object and the text one string; every cursor reads what it read before."""
    stream = LiveStream(new_stream_id(), "t", "default")
    reader_batches, reader = _follow_in_task(stream)
    words = [f"w{i} " for i in range(50)]
    for word in words[:25]:
        stream.append_token(word)
    await asyncio.sleep(0.01)
    for word in words[25:]:
        stream.append_token(word)
    stream.append(events.PROGRESS, {"output_tokens": 50}, wake=False)
    growing = stream.frames
    assert isinstance(growing, list)
    stream.finish("done", events.DONE, {"finish_reason": "stop"})
    await asyncio.wait_for(reader, 1)

    assert isinstance(stream.frames, PackedFrames)
    assert list(stream.frames) == growing and len(growing) == 52
    assert stream.text == "".join(words) and stream.last_event_id == 52
    assert b"".join(reader_batches) == b"".join(growing)  # the live reader missed nothing across the packing
    for after in (0, 1, 26, 51, 52):
        resumed = [batch async for batch in stream.follow(after)]
        assert b"".join(resumed) == b"".join(growing[after:])
        assert stream.frames_between(after, 52) == b"".join(growing[after:])
    stream.finish("failed", events.ERROR, {"code": "late"})  # a second end changes nothing
    assert stream.last_event_id == 52 and stream.status == "done"


async def test_the_ticker_visits_every_generation_a_slice_at_a_time() -> None:
    """Each generation is ticked once per interval, never all of them in one go (the burst every token waited for)."""

    class Probe:
        def __init__(self) -> None:
            self.ticks: list[float] = []

        def tick(self, now: float) -> None:
            self.ticks.append(now)

    ticker = Ticker(0.1)
    probes = [Probe() for _ in range(25)]
    for probe in probes:
        ticker.add(probe)
    gone = probes.pop()
    ticker.discard(gone)
    assert len(ticker) == 24
    task = asyncio.create_task(ticker.run())
    try:
        deadline = time.monotonic() + 5
        while min(len(p.ticks) for p in probes) < 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
    finally:
        task.cancel()
    assert min(len(p.ticks) for p in probes) >= 3 and gone.ticks == []
    per_wake = Counter(now for p in probes for now in p.ticks)
    assert max(per_wake.values()) <= 1  # 24 generations over 50 slices
    counts = [len(p.ticks) for p in probes]
    assert max(counts) - min(counts) <= 1  # once per round of slices each, not once per slice


async def test_the_stop_flag_keeps_its_first_reason_and_interrupts_the_running_attempt() -> None:
    class Interrupted:
        def __init__(self) -> None:
            self.reasons: list[str] = []

        def interrupt(self, reason: str) -> None:
            self.reasons.append(reason)

    flag = StopFlag()
    flag.check()  # not set: nothing happens
    watchdog = Interrupted()
    flag.watchdog = watchdog  # type: ignore[assignment]
    flag.set("budget")
    flag.set("max_duration")  # the first reason stands
    assert watchdog.reasons == ["stop"] and flag.reason == "budget"
    with pytest.raises(Stopped) as caught:
        flag.check()
    assert caught.value.reason == "budget"


async def test_a_budget_stop_ends_the_generation_through_its_flag_not_a_cancellation() -> None:
    generation = _generation(tokens_per_s=50)
    task = asyncio.create_task(generation.run())
    for _ in range(200):
        if generation.sent_chars > 20:
            break
        await asyncio.sleep(0.01)
    generation.stop("budget")
    await asyncio.wait_for(asyncio.shield(task), timeout=10)
    assert not task.cancelled() and task.cancelling() == 0  # the watchdog's interruption was taken back
    stream = generation.stream
    assert stream.status == "done" and stream.finish_reason == "budget"
    assert generation.reporter.attempts[-1].end == "budget"
    assert stream.text and len(stream.text) == generation.sent_chars  # what was sent is the answer


async def test_a_stop_before_the_first_attempt_ends_without_calling_the_upstream() -> None:
    generation = _generation()
    generation._stop.set("max_duration")  # as the deadline would, before the chain's first step
    await generation.run()
    assert generation.stream.status == "failed" and generation.stream.error is not None
    assert generation.stream.error["code"] == "max_duration"
    assert generation.reporter.attempts == []
