"""Issue 18 (items 1, 7 and 9, the engine's part): a generation always ends, and token counting never wedges it.

Against a real uvicorn relay on simulated providers, a real redis-server, and the real
tiktoken: a run of a million spaces overflows tiktoken's stack and raises pyo3's
`PanicException`, a `BaseException` that `except Exception` does not catch.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any, cast

import httpx
import pytest

from relay.capabilities import CapabilityTable
from relay.config import Config, default_config, load_config_dict
from relay.engine import EngineServices, Generation, GenerationRequest
from relay.log import LiveStream, MemoryStore, new_stream_id
from relay.pricing import PriceTable
from relay.ticker import Ticker
from relay.upstreams import build_providers

from .redis_server import RedisServer
from .support import Event, RelayServer, iter_sse, parse_sse, read_all, terminal, text_of, wait_for

SPACES = " " * 1_000_000  # under the 1 MiB body limit; tiktoken panics on it
LONG_WORD = "a" * 1_000_000  # counted whole by tiktoken, in about a third of a second


def _create(client: httpx.Client, content: str, **body: Any) -> dict[str, Any]:
    created = client.post("/v1/streams", json={"messages": [{"role": "user", "content": content}], **body})
    assert created.status_code == 201, created.text
    stream: dict[str, Any] = created.json()
    return stream


def _read_to_end(client: httpx.Client, created: dict[str, Any]) -> tuple[list[Event], dict[str, Any]]:
    status, events = read_all(client, created["events_url"], timeout=60)
    assert status == 200
    snapshot = client.get(f"/v1/streams/{created['id']}", params={"token": created["token"]}).json()
    return events, snapshot


def _ends_once(events: list[Event]) -> Event:
    """The stream's one terminal event: exactly one, the last, right after the final cost."""
    ends = terminal(events)
    assert len(ends) == 1, [e.event for e in events[-5:]]
    assert events[-1] is ends[0]
    assert events[-2].event == "cost" and events[-2].data["final"] is True
    return ends[0]


# -- item 1: a prompt the tokenizer cannot count ------------------------------


def test_a_prompt_that_panics_the_tokenizer_ends_with_one_terminal_event() -> None:
    with RelayServer(default_config()) as server, httpx.Client(base_url=server.base_url, timeout=60) as client:
        created = _create(client, SPACES, max_tokens=60)  # 60 tokens at 30/s: cost events on the way
        events, snapshot = _read_to_end(client, created)
    end = _ends_once(events)
    assert end.event == "done" and end.data == {"finish_reason": "stop", "openai_finish_reason": "stop"}
    assert text_of(events) and snapshot["status"] == "done" and snapshot["text"] == text_of(events)
    costs = [e.data for e in events if e.event == "cost"]
    assert any(cost["estimated"] for cost in costs)
    # The prompt's count is a guess from its size, and the cost and the audit say so.
    estimate = costs[-1]["attempts"][0]["estimate"]
    assert estimate["approximate"] is True and estimate["input_tokens"] >= len(SPACES) // 4
    assert snapshot["audit"]["attempts"][0]["tokens"]["estimate"]["approximate"] is True


class _Follower(threading.Thread):
    """Reads one stream's events in the background and counts its tokens as they arrive."""

    def __init__(self, base_url: str, events_url: str) -> None:
        super().__init__(daemon=True)
        self.base_url, self.events_url = base_url, events_url
        self.tokens = 0
        self.ended = False

    def run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=60) as client:
            with client.stream("GET", self.events_url) as response:
                for event in iter_sse(response):
                    if event.event == "token":
                        self.tokens += 1
                    self.ended = event.event in ("done", "error")


def test_counting_a_huge_prompt_does_not_stall_other_streams() -> None:
    config = load_config_dict(
        {
            "providers": {"sim": {"kind": "simulated", "tokens_per_s": 30}},
            "routes": {"small": {"targets": ["sim/demo;tps=25"]}, "huge": {"targets": ["sim/demo;tps=500"]}},
        }
    )
    with RelayServer(config) as server, httpx.Client(base_url=server.base_url, timeout=60) as client:
        first = _create(client, "Tell me about relays.", route="small")  # 300 tokens at 25/s
        small = _Follower(server.base_url, first["events_url"])
        small.start()
        wait_for(lambda: small.tokens >= 3, timeout=20)
        gained = 0
        for content in (LONG_WORD, LONG_WORD, SPACES):
            created = _create(client, content, route="huge", max_tokens=5)
            before = small.tokens
            with client.stream("GET", created["events_url"], timeout=60) as response:
                events: list[Event] = []
                for event in iter_sse(response):
                    if event.event == "token" and not text_of(events):  # the first token: its prompt was counted before
                        gained += small.tokens - before
                    events.append(event)
            _ends_once(events)
            assert not small.ended, "the small stream must outlast the huge prompts for this test to mean anything"
        client.delete(f"/v1/streams/{first['id']}", params={"token": first["token"]})
    # While the huge prompts were counted (before each one's first token), the small stream kept going.
    assert gained >= 3, gained


async def test_token_counts_never_raise_and_say_when_they_are_estimates() -> None:
    from relay.tokens import count_tokens, count_tokens_async, get_encoding

    encoding = get_encoding("o200k_base")
    assert count_tokens(encoding, "hello world") == (2, False)
    tokens, estimated = count_tokens(encoding, SPACES)
    assert estimated and tokens >= len(SPACES) // 4
    tokens, estimated = await count_tokens_async(encoding, SPACES)  # tiktoken runs and panics, in a thread
    assert estimated and tokens >= len(SPACES) // 4
    words = "word " * 20_000  # over the inline bound: counted exactly, in a thread
    assert await count_tokens_async(encoding, words) == (len(encoding.encode_ordinary(words)), False)


class _Panic(BaseException):
    """What pyo3's PanicException is: a BaseException, not an Exception."""


class _Counted:
    def __init__(self, raises: bool = False) -> None:
        self.ticks = 0
        self.raises = raises

    def tick(self, now: float) -> None:
        self.ticks += 1
        if self.raises:
            raise _Panic("called `Result::unwrap()` on an `Err` value")


async def test_the_ticker_keeps_ticking_the_others_after_a_tick_raises_a_base_exception() -> None:
    ticker = Ticker(0.05, slices=5)
    broken = _Counted(raises=True)
    others = [_Counted() for _ in range(5)]  # the last shares the broken one's slice
    for item in (broken, *others):
        ticker.add(item)
    task = asyncio.create_task(ticker.run())
    deadline = time.monotonic() + 20
    while min(item.ticks for item in others) < 5:
        assert not task.done(), "the ticker stopped"
        assert time.monotonic() < deadline, [item.ticks for item in others]
        await asyncio.sleep(0.02)
    assert broken.ticks >= 4  # still visited every interval
    task.cancel()  # cancellation still stops it
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_the_sweep_is_not_stopped_by_a_stream_its_generation_left_running() -> None:
    store = MemoryStore(ttl_s=0.0)
    left = LiveStream(new_stream_id(), "t", "default")  # its generation ended and never finished it
    finished = LiveStream(new_stream_id(), "t", "default")
    finished.finish("done", "done", {"finish_reason": "stop"})
    for stream in (left, finished):
        await store.add(stream)
        store.ended(stream)
    await asyncio.sleep(0.01)
    assert store.sweep() == 2
    assert await store.get(finished.id) is None


# -- the ways a generation can end ------------------------------------------------


def test_max_duration_ends_a_long_generation_with_an_error() -> None:
    config = load_config_dict(
        {
            "providers": {"sim": {"kind": "simulated", "tokens_per_s": 30}},
            "routes": {"default": {"targets": ["sim/demo"], "max_duration_s": 1.0}},  # the answer would take 10 s
        }
    )
    with RelayServer(config) as server, httpx.Client(base_url=server.base_url, timeout=60) as client:
        events, snapshot = _read_to_end(client, _create(client, "Tell me about relays."))
    end = _ends_once(events)
    assert end.event == "error" and end.data["code"] == "max_duration" and end.data["kind"] == "timeout"
    assert end.data["message"]
    assert text_of(events) and snapshot["text"] == text_of(events)  # the text sent so far stays
    assert snapshot["status"] == "failed" and snapshot["audit"]["attempts"][-1]["end"] == "max_duration"


def test_an_unreachable_upstream_is_reported_without_its_host_or_port() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: connecting is refused
        config = load_config_dict(
            {
                "providers": {"oa": {"kind": "openai", "base_url": f"http://127.0.0.1:{port}/v1"}},
                "routes": {"default": {"targets": ["oa/gpt-4o-mini", "oa/gpt-4o"]}},
            }
        )
        with RelayServer(config) as server, httpx.Client(base_url=server.base_url, timeout=60) as client:
            events, snapshot = _read_to_end(client, _create(client, "Hello"))
    end = _ends_once(events)
    assert end.event == "error" and end.data["code"] == "connection_error" and end.data["kind"] == "connection"
    message = end.data["message"]
    assert message and "127.0.0.1" not in message and str(port) not in message
    assert "connect to host" not in message.lower()
    assert snapshot["error"] == end.data
    failovers = [e.data for e in events if e.event == "failover"]
    assert failovers and all(set(data) == {"from", "to", "reason", "at_char"} for data in failovers)


def test_an_abandoned_stream_gets_nothing_more_from_its_generation() -> None:
    with RelayServer(default_config()) as server, httpx.Client(base_url=server.base_url, timeout=60) as client:
        created = _create(client, "Tell me about relays.")  # 300 tokens at 30/s
        task = next(task for task in server.relay.generations if task.get_name() == f"generation {created['id']}")
        lookup = asyncio.run_coroutine_threadsafe(server.relay.store.get(created["id"]), task.get_loop())
        stream = lookup.result(timeout=10)
        wait_for(lambda: len(stream.text) > 20, timeout=20)
        task.get_loop().call_soon_threadsafe(stream.abandon)
        wait_for(task.done, timeout=20)
        events = parse_sse(b"".join(stream.frames).decode())
    assert task.cancelled()  # the cancellation went on
    assert stream.status == "running" and not terminal(events)
    assert not any(e.event == "cost" and e.data["final"] for e in events)
    assert stream.audit == {}


# -- generations run directly, beside a real store -------------------------------------

HELLO = GenerationRequest([{"role": "user", "content": "Hi"}])


def _services(config: Config) -> EngineServices:
    """What the app gives every generation, built from `config`."""
    return EngineServices(
        build_providers(config), CapabilityTable(config), PriceTable(config.pricing), config.accounting
    )


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A throwaway redis-server for this module."""
    with RedisServer() as server:
        yield server.url


async def test_a_stream_over_the_redis_bound_still_ends(redis_url: str) -> None:
    from relay.log.redis_store import RedisStore

    config = load_config_dict(
        {
            "providers": {"sim": {"kind": "simulated", "tokens_per_s": 0}},
            "routes": {"default": {"targets": ["sim/demo"]}},
        }
    )
    services = _services(config)
    store = RedisStore(redis_url, ttl_s=60, max_events=20)
    await store.start()
    try:
        stream = LiveStream(new_stream_id(), "t", "default")
        await store.add(stream)
        generation = Generation(stream, config.routes["default"], HELLO, services)
        task = stream.generation = asyncio.create_task(generation.run())
        await asyncio.wait_for(task, timeout=30)
        events = parse_sse(b"".join(stream.frames).decode())
        assert stream.status == "failed" and stream.error is not None and stream.error["code"] == "stream_too_large"
        _ends_once(events)
        assert stream.audit["status"] == "failed"
    finally:
        await asyncio.wait_for(store.close(), timeout=20)


async def test_a_generation_cancelled_before_it_ran_can_be_ended() -> None:
    config = default_config()
    services = _services(config)
    stream = LiveStream(new_stream_id(), "t", "default")
    generation = Generation(stream, config.routes["default"], HELLO, services)
    task = asyncio.create_task(generation.run())
    task.cancel()  # before its first step: `run` never starts, so it cannot end the stream itself
    await asyncio.wait((task,))
    assert task.cancelled() and stream.status == "running"
    generation.ensure_ended()  # what the app's done callback calls
    events = parse_sse(b"".join(stream.frames).decode())
    # cast: mypy keeps the narrowing of the assert above, not knowing that ensure_ended changed the status
    assert cast(str, stream.status) == "cancelled" and _ends_once(events).data == {
        "finish_reason": "cancelled",
        "openai_finish_reason": "stop",
    }
