"""A finished stream is freed by reference counting: nothing it used is left in a reference cycle.

`splice-relay serve` runs the cyclic garbage collector's full passes rarely (relay.cli.tune_garbage_collector), so
anything a stream leaves in a cycle waits minutes to be freed and the process's memory climbs under steady load.
Each test runs traffic with the collector off, then collects with DEBUG_SAVEALL and looks for the relay's objects
among what only the collector could have freed.
"""

from __future__ import annotations

import gc
import time
import types
from collections import Counter, deque
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from loadtest.upstream import model_name
from relay.config import load_config_dict

from .support import RelayServer, iter_sse, read_all, upstream_providers, wait_for

OWN_PACKAGES = ("relay.", "providers.", "splice.")
STALL = {"stall_timeout_s": 0.3, "first_token_timeout_s": 3}


def _routes() -> dict[str, Any]:
    def target(provider: str, name: str, **script: object) -> str:
        return f"{provider}/" + model_name(name, text="prose", **script)

    return {
        "plain": {"targets": [target("oa", "m", n=60)]},
        "slow": {"targets": [target("an", "m", tps=20)]},
        "failover": {"targets": [target("oa", "m", fault="stall", at=10), target("an", "f", cont="exact")], **STALL},
        "reset-then-anthropic": {"targets": [target("an", "m", fault="reset", at=5), target("oa", "f")], **STALL},
        "all-fail": {"targets": [target("oa", "m", fault="stall", at=4), target("an", "m", fault="http503", at=0)]}
        | STALL,
    }


def _name(o: object) -> str:
    name = f"{type(o).__module__}.{type(o).__qualname__}"
    if isinstance(o, types.FrameType):
        name += f" {o.f_code.co_filename.rsplit('/', 1)[-1]}:{o.f_lineno} {o.f_code.co_name}"
    elif isinstance(o, types.MethodType | types.FunctionType):
        name += f" {o.__qualname__}"
    return name


def _cycle(start: object, among: dict[int, object]) -> list[str]:
    """One reference cycle through `start` within the garbage `among`, as type names (breadth first, so shortest)."""
    came_from: dict[int, object | None] = {id(start): None}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        for referent in gc.get_referents(current):
            if referent is start:
                path = [current]
                while (previous := came_from[id(path[-1])]) is not None:
                    path.append(previous)
                return [_name(o) for o in reversed(path)]
            if id(referent) in among and id(referent) not in came_from:
                came_from[id(referent)] = current
                queue.append(referent)
    return []


def _own_garbage() -> tuple[Counter[str], list[list[str]]]:
    """The relay's objects that only the cyclic collector frees, by type, and the cycles that hold a few of them."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        among = {id(o): o for o in gc.garbage}
        own = [o for o in gc.garbage if type(o).__module__.startswith(OWN_PACKAGES)]
        found = Counter(_name(o) for o in own)
        cycles = {tuple(_cycle(o, among)) for o in own[:200]}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    return found, sorted(list(c) for c in cycles if c)[:30]


@pytest.fixture
def collector_off() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _traffic(client: httpx.Client) -> None:
    """Streams that finish, fail over, fail, are cancelled, and are dropped by their reader, all read to the end."""
    created = []
    for route in ("plain", "failover", "reset-then-anthropic", "all-fail", "plain", "failover"):
        response = client.post("/v1/streams", json={"route": route, "messages": [{"role": "user", "content": "Go."}]})
        assert response.status_code == 201, response.text
        created.append(response.json())
    for stream in created:
        read_all(client, stream["events_url"])

    cancelled = client.post("/v1/streams", json={"route": "slow", "messages": [{"role": "user", "content": "Go."}]})
    dropped = client.post("/v1/streams", json={"route": "slow", "messages": [{"role": "user", "content": "Go."}]})
    with client.stream("GET", dropped.json()["events_url"]) as response:
        for _ in zip(range(3), iter_sse(response), strict=False):
            pass  # leave after three events
    with client.stream("GET", cancelled.json()["events_url"]) as response:
        for index, _ in enumerate(iter_sse(response)):
            if index == 2:
                client.delete(f"/v1/streams/{cancelled.json()['id']}", params={"token": cancelled.json()["token"]})
            if index > 2_000:
                break
    for stream in (cancelled.json(), dropped.json()):
        url, params = f"/v1/streams/{stream['id']}", {"token": stream["token"]}
        client.delete(url, params=params)
        wait_for(lambda url=url, params=params: client.get(url, params=params).json()["status"] != "running")


def _settled(server: RelayServer) -> None:
    """Every generation has ended and its task is gone."""
    wait_for(lambda: not server.relay.generations, timeout=15)
    time.sleep(0.3)  # the readers' responses close after the last event


@pytest.mark.usefixtures("collector_off")
def test_streams_on_the_memory_store_leave_no_cycles(upstream: Any) -> None:
    config = load_config_dict({"providers": upstream_providers(upstream), "routes": _routes()})
    with RelayServer(config) as server, httpx.Client(base_url=server.base_url, timeout=30) as client:
        _traffic(client)  # warms up what starts lazily (pools, tokenizers)
        _settled(server)
        _own_garbage()
        _traffic(client)
        _settled(server)
        found, cycles = _own_garbage()
        assert not found, "\n".join([str(dict(found)), *(" -> ".join(cycle) for cycle in cycles)])


@pytest.mark.usefixtures("collector_off")
def test_streams_on_the_redis_store_leave_no_cycles(upstream: Any, redis_url: str) -> None:
    store = {"kind": "redis", "url": redis_url, "prefix": f"cyc{time.monotonic_ns()}"}
    config = load_config_dict({"providers": upstream_providers(upstream), "routes": _routes(), "store": store})
    with RelayServer(config) as server, httpx.Client(base_url=server.base_url, timeout=30) as client:
        store = server.relay.store
        store._local_keep_s = 0  # finished streams' local copies go as soon as their logs are whole in Redis
        _traffic(client)
        _settled(server)
        wait_for(lambda: not store._local and not store._journals, timeout=15)
        _own_garbage()
        _traffic(client)
        _settled(server)
        wait_for(lambda: not store._local and not store._journals, timeout=15)
        found, cycles = _own_garbage()
        assert not found, "\n".join([str(dict(found)), *(" -> ".join(cycle) for cycle in cycles)])
