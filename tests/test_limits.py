"""Admission limits per API key (relay/limits.py): in process, and shared through a real redis-server."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from relay.config import load_config_dict
from relay.limits import (
    BUSY_RETRY_S,
    DAY_S,
    Admission,
    KeyLimits,
    Limited,
    LimitKeys,
    MemoryAdmission,
    RedisAdmission,
    Ticket,
    build_admission,
)
from relay.log.redis_client import connect

from .redis_server import RedisClusterServers, RedisServer

Make = Callable[..., Awaitable[list[Admission]]]


class Clock:
    """A clock the test moves by hand: expiry and windows without waiting."""

    def __init__(self, now: float | None = None) -> None:
        self.now = time.time() if now is None else now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def new_key() -> str:
    return hashlib.sha256(secrets.token_bytes(16)).hexdigest()


async def eventually(predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def admit_many(
    instances: list[Admission], key_id: str, count: int, *, reserve_usd: float | None = None, max_duration_s: float = 60
) -> tuple[list[Ticket], list[Limited]]:
    """`count` admits at once, spread over `instances`; the tickets and the refusals."""

    async def one(index: int) -> Ticket | Limited:
        try:
            return await instances[index % len(instances)].admit(
                key_id, f"st_{secrets.token_hex(8)}", reserve_usd=reserve_usd, max_duration_s=max_duration_s
            )
        except Limited as exc:
            return exc

    results = await asyncio.gather(*(one(index) for index in range(count)))
    return [r for r in results if isinstance(r, Ticket)], [r for r in results if isinstance(r, Limited)]


@pytest.fixture(params=["memory", "redis"])
async def make(request: pytest.FixtureRequest) -> AsyncIterator[Make]:
    """Builds the instances of one deployment: one MemoryAdmission, or RedisAdmissions on their own connections."""
    clients: list[Any] = []
    prefix = f"t{secrets.token_hex(4)}"

    async def build(
        limits: KeyLimits,
        *,
        clock: Callable[[], float] = time.time,
        hold_margin_s: float = 0.0,
        count: int = 2,
    ) -> list[Admission]:
        if request.param == "memory":
            return [MemoryAdmission(limits, clock=clock, hold_margin_s=hold_margin_s)] * count
        url = request.getfixturevalue("redis_url")
        instances: list[Admission] = []
        for _ in range(count):
            client = connect(url, socket_timeout_s=5)
            clients.append(client)
            instances.append(RedisAdmission(client, limits, prefix=prefix, clock=clock, hold_margin_s=hold_margin_s))
        return instances

    yield build
    for client in clients:
        await client.aclose()


# -- the daily budget -------------------------------------------------------


async def test_parallel_admits_never_reserve_more_than_the_daily_cap(make: Make) -> None:
    a, b = await make(KeyLimits(daily_usd=1.0))
    key = new_key()
    tickets, refused = await admit_many([a, b], key, 20, reserve_usd=0.3)
    reserved = sorted(t.reserved_usd or 0.0 for t in tickets)
    assert reserved == pytest.approx([0.1, 0.3, 0.3, 0.3])  # the last one gets what was left
    assert sum(reserved) <= 1.0 + 1e-9
    assert len(refused) == 16
    assert {(r.code, r.status) for r in refused} == {("daily_budget_exhausted", 429)}
    assert all(r.retry_after_s == BUSY_RETRY_S for r in refused)  # held by running streams, not spent
    for index, ticket in enumerate(tickets):  # half settled where they were admitted, half elsewhere
        await (a if index % 2 else b).settle(Ticket(ticket.key_id, ticket.stream_id, ticket.reserved_usd), 0.05)
    again = await a.admit(key, "st_again", reserve_usd=None, max_duration_s=60)
    assert again.reserved_usd == pytest.approx(0.8)  # 4 x 0.05 spent, every reservation released


async def test_settle_adds_the_spend_and_releases_the_rest(make: Make) -> None:
    a, b = await make(KeyLimits(daily_usd=1.0))
    key = new_key()
    first = await a.admit(key, "st_first", reserve_usd=0.6, max_duration_s=60)
    assert first.reserved_usd == pytest.approx(0.6)
    await b.settle(first, 0.1)
    second = await b.admit(key, "st_second", reserve_usd=5.0, max_duration_s=60)
    assert second.reserved_usd == pytest.approx(0.9)
    await a.settle(second, 0.9)
    with pytest.raises(Limited) as refused:
        await a.admit(key, "st_third", reserve_usd=0.01, max_duration_s=60)
    assert refused.value.code == "daily_budget_exhausted" and "has spent" in refused.value.message
    assert BUSY_RETRY_S < refused.value.retry_after_s <= DAY_S  # until the next UTC day
    other = await b.admit(new_key(), "st_other", reserve_usd=0.5, max_duration_s=60)
    assert other.reserved_usd == pytest.approx(0.5)  # another key has its own allowance


async def test_a_reservation_is_charged_to_its_own_day(make: Make) -> None:
    clock = Clock(now=(time.time() // DAY_S + 1) * DAY_S - 10)  # 10 s before UTC midnight
    a, b = await make(KeyLimits(daily_usd=1.0), clock=clock)
    key = new_key()
    late = await a.admit(key, "st_late", reserve_usd=None, max_duration_s=60)
    assert late.reserved_usd == pytest.approx(1.0)
    with pytest.raises(Limited):
        await b.admit(key, "st_refused", reserve_usd=0.1, max_duration_s=60)
    clock.advance(20)
    early = await b.admit(key, "st_early", reserve_usd=0.5, max_duration_s=60)
    assert early.reserved_usd == pytest.approx(0.5)  # a new day, a new allowance
    await a.settle(late, 0.7)  # yesterday's stream: not charged to today
    await a.settle(early, 0.2)
    assert (await b.admit(key, "st_rest", reserve_usd=None, max_duration_s=60)).reserved_usd == pytest.approx(0.8)


# -- requests per minute and concurrent streams -------------------------------


async def test_requests_per_minute_hold_in_parallel_and_free_up(make: Make) -> None:
    clock = Clock()
    a, b = await make(KeyLimits(requests_per_minute=5), clock=clock)
    key = new_key()
    tickets, refused = await admit_many([a, b], key, 20)
    assert len(tickets) == 5 and len(refused) == 15
    assert {(r.code, r.status) for r in refused} == {("rate_limited", 429)}
    assert all(0 < r.retry_after_s <= 60 for r in refused)
    for ticket in tickets:
        await a.settle(ticket, None)  # ending a stream does not give a request back
    clock.advance(30)
    _, refused = await admit_many([a, b], key, 2)
    assert len(refused) == 2 and all(25 <= r.retry_after_s <= 31 for r in refused)
    assert len((await admit_many([a, b], new_key(), 5))[0]) == 5  # another key is not limited
    clock.advance(31)
    tickets, refused = await admit_many([a, b], key, 20)
    assert len(tickets) == 5 and len(refused) == 15


async def test_concurrent_streams_hold_in_parallel_and_free_up(make: Make) -> None:
    a, b = await make(KeyLimits(concurrent_streams=3))
    key = new_key()
    tickets, refused = await admit_many([a, b], key, 20)
    assert len(tickets) == 3 and len(refused) == 17
    assert {(r.code, r.status) for r in refused} == {("too_many_streams", 429)}
    await b.settle(Ticket(key, tickets[0].stream_id, None), None)  # settled on another instance
    more, refused = await admit_many([a, b], key, 5)
    assert len(more) == 1 and len(refused) == 4
    for ticket in tickets[1:] + more:
        await a.settle(ticket, None)
    assert len((await admit_many([a, b], key, 5))[0]) == 3


async def test_unsettled_slots_and_reservations_expire(make: Make) -> None:
    clock = Clock(now=(time.time() // DAY_S) * DAY_S + DAY_S / 2)  # midday UTC: the 46 s it moves stay in one day
    a, b = await make(KeyLimits(daily_usd=1.0, concurrent_streams=2), clock=clock, hold_margin_s=5)
    key = new_key()
    kept = await a.admit(key, "st_kept", reserve_usd=0.5, max_duration_s=10)
    lost = await a.admit(key, "st_lost", reserve_usd=0.5, max_duration_s=10)  # its instance dies: never settled
    with pytest.raises(Limited) as refused:
        await b.admit(key, "st_3", reserve_usd=0.1, max_duration_s=10)
    assert refused.value.code == "too_many_streams"
    await b.extend(Ticket(key, kept.stream_id, kept.reserved_usd), 30)  # taken over: it runs on
    clock.advance(16)  # past 10 s + the 5 s margin
    after = await b.admit(key, "st_4", reserve_usd=None, max_duration_s=10)
    assert after.reserved_usd == pytest.approx(0.5)  # the lost reservation was released, the kept one holds
    with pytest.raises(Limited) as refused:
        await a.admit(key, "st_5", reserve_usd=0.1, max_duration_s=10)
    assert refused.value.code == "too_many_streams"
    await a.settle(lost, 0.2)  # settled late after all: charged, nothing else to release
    clock.advance(30)  # past the kept stream's extension and st_4's hold
    assert (await b.admit(key, "st_6", reserve_usd=None, max_duration_s=10)).reserved_usd == pytest.approx(0.8)


# -- Redis ------------------------------------------------------------------


async def test_the_config_chooses_the_implementation(redis_url: str) -> None:
    routes = {"providers": {"sim": {"kind": "simulated"}}, "routes": {"default": {"targets": ["sim/demo"]}}}
    assert build_admission(load_config_dict(routes)) is None  # no limit set
    memory = build_admission(load_config_dict({**routes, "server": {"key_concurrent_streams": 2}}))
    assert isinstance(memory, MemoryAdmission) and memory.limits == KeyLimits(concurrent_streams=2)
    store = {"kind": "redis", "url": redis_url, "prefix": f"t{secrets.token_hex(4)}"}
    shared = build_admission(load_config_dict({**routes, "server": {"daily_usd_per_key": 1.0}, "store": store}))
    assert isinstance(shared, RedisAdmission) and shared.limits == KeyLimits(daily_usd=1.0)
    try:
        ticket = await shared.admit(new_key(), "st_a", reserve_usd=2.0, max_duration_s=60)
        assert ticket.reserved_usd == pytest.approx(1.0) and not shared.degraded
        assert shared.keys(ticket.key_id).budget.startswith(store["prefix"] + ":limits:{")
    finally:
        await shared.close()


async def test_every_limits_key_in_redis_has_a_ttl(redis_url: str) -> None:
    client = connect(redis_url, socket_timeout_s=5)
    prefix = f"t{secrets.token_hex(4)}"
    limits = KeyLimits(daily_usd=1.0, requests_per_minute=10, concurrent_streams=5)
    admission = RedisAdmission(client, limits, prefix=prefix)
    key = new_key()
    try:
        ticket = await admission.admit(key, "st_a", reserve_usd=0.2, max_duration_s=30)
        await admission.admit(key, "st_b", reserve_usd=0.2, max_duration_s=30)
        await admission.settle(ticket, 0.1)
        names = [name.decode() async for name in client.scan_iter(match=f"{prefix}:*")]
        assert sorted(names) == sorted(LimitKeys.of(key, prefix).all)
        for name in names:
            assert 0 < await client.pttl(name) <= 2 * DAY_S * 1000, name
    finally:
        await client.aclose()


async def test_redis_down_falls_back_to_the_local_limits_and_settles_later() -> None:
    limits = KeyLimits(daily_usd=1.0, concurrent_streams=3)
    key = new_key()
    with RedisServer() as server:
        client = connect(server.url, socket_timeout_s=5)
        admission = RedisAdmission(client, limits)
        try:
            shared = await admission.admit(key, "st_shared", reserve_usd=0.5, max_duration_s=60)
            server.stop()
            local, refused = await admit_many([admission], key, 5, reserve_usd=0.4)
            assert admission.degraded
            # This instance alone enforces the limits meanwhile.
            assert len(local) == 3 and [r.code for r in refused] == ["too_many_streams"] * 2
            assert sorted(t.reserved_usd or 0.0 for t in local) == pytest.approx([0.2, 0.4, 0.4])
            await admission.settle(shared, 0.4)  # admitted through Redis: kept until Redis answers
            assert admission.unsettled == 1
            for ticket in local:
                await admission.settle(ticket, 0.1)
            assert admission.unsettled == 1
            server.start()
            await admission.admit(new_key(), "st_after", reserve_usd=0.1, max_duration_s=60)
            assert not bool(admission.degraded)  # bool(): else mypy keeps the narrowing of the assert above
            await eventually(lambda: admission.unsettled == 0)
            # Redis restarted empty: the spend settled late is today's tally there.
            again = await admission.admit(key, "st_again", reserve_usd=None, max_duration_s=60)
            assert again.reserved_usd == pytest.approx(0.6)
        finally:
            await admission.close()
            await client.aclose()


async def test_redis_down_refuses_with_503_when_closed() -> None:
    with RedisServer() as server:
        client = connect(server.url, socket_timeout_s=5)
        admission = RedisAdmission(client, KeyLimits(requests_per_minute=100), on_unavailable="closed")
        key = new_key()
        try:
            ticket = await admission.admit(key, "st_ok", reserve_usd=None, max_duration_s=60)
            server.stop()
            with pytest.raises(Limited) as refused:
                await admission.admit(key, "st_refused", reserve_usd=None, max_duration_s=60)
            assert (refused.value.code, refused.value.status) == ("limits_unavailable", 503)
            assert refused.value.retry_after_s > 0
            await admission.settle(ticket, None)  # never raises
            server.start()
            await admission.admit(key, "st_back", reserve_usd=None, max_duration_s=60)
        finally:
            await admission.close()
            await client.aclose()


async def test_limits_on_redis_cluster() -> None:
    with RedisClusterServers() as cluster:
        clients = [connect(cluster.url, socket_timeout_s=5) for _ in range(2)]
        a, b = (RedisAdmission(client, KeyLimits(daily_usd=1.0, concurrent_streams=10)) for client in clients)
        try:
            for _ in range(3):  # keys of different API keys sit in different slots
                key = new_key()
                tickets, refused = await admit_many([a, b], key, 12, reserve_usd=0.25)
                assert sorted(t.reserved_usd or 0.0 for t in tickets) == pytest.approx([0.25] * 4)
                assert len(refused) == 8
                for ticket in tickets:
                    await b.settle(ticket, 0.25)
                with pytest.raises(Limited):
                    await a.admit(key, "st_more", reserve_usd=0.01, max_duration_s=60)
        finally:
            for client in clients:
                await client.aclose()
