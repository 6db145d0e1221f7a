"""GET /metrics: parsed with prometheus-client's own parser, its counters matched against the streams run."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from loadtest.upstream import FakeUpstream, model_name
from relay.config import load_config_dict
from relay.metrics import GAP_BUCKETS, Buckets

from .support import RelayServer, read_all, run_route, upstream_providers, wait_for

ROOT = Path(__file__).resolve().parent.parent

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client: httpx.Client) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum over every sample of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, have), v in samples.items() if n == name and wanted <= set(have))


def test_the_counters_match_the_streams_run(upstream: FakeUpstream) -> None:
    good = model_name("good", n=60)
    dead = model_name(f"dead-{secrets.token_hex(4)}", fault="http500")
    config = load_config_dict(
        {
            "providers": upstream_providers(upstream),
            "routes": {"plain": {"targets": [f"oa/{good}"]}, "fo": {"targets": [f"oa/{dead}", f"an/{good}"]}},
            "pricing": {"good": {"input": 1.0, "output": 2.0}},
        }
    )
    with RelayServer(config) as relay, httpx.Client(base_url=relay.base_url, timeout=30) as client:
        output_tokens: dict[str, int] = {}
        usd = 0.0
        runs = [("plain", 3), ("fo", 2)]
        for route, count in runs:
            for _ in range(count):
                _, events = run_route(client, route)
                final = [e.data for e in events if e.event == "cost" and e.data["final"]][-1]
                for attempt in final["attempts"]:
                    output_tokens[attempt["target"]] = (
                        output_tokens.get(attempt["target"], 0) + attempt["output_tokens"]
                    )
                    usd += attempt["usd"] or 0.0  # per attempt: the dead target has no price, the stream no total
        wait_for(lambda: not relay.relay.generations)
        wait_for(lambda: total(scrape(client), "splice_relay_streams_finished_total") == 5)
        samples = scrape(client)

        for route, count in runs:
            assert value(samples, "splice_relay_streams_started_total", route=route) == count
            assert value(samples, "splice_relay_streams_finished_total", route=route, status="done") == count
        assert value(samples, "splice_relay_failovers_total", reason="http_status", target=f"oa/{dead}") == 2
        assert value(samples, "splice_relay_generations_running") == 0
        for target, tokens in output_tokens.items():
            provider, model = target.split("/", 1)
            assert value(samples, "splice_relay_output_tokens_total", provider=provider, model=model) == tokens
        assert output_tokens[f"oa/{good}"] > 0 and output_tokens[f"an/{good}"] > 0 and not output_tokens[f"oa/{dead}"]
        assert usd > 0 and abs(total(samples, "splice_relay_cost_usd_total", key="open", model=good) - usd) < 1e-9
        # every attempt that wrote a token has a TTFT; 60 chunks sample the gap 3 times per attempt
        assert value(samples, "splice_relay_ttft_seconds_count", target=f"oa/{good}") == 3
        assert value(samples, "splice_relay_ttft_seconds_count", target=f"an/{good}") == 2
        assert value(samples, "splice_relay_inter_token_gap_seconds_count", target=f"oa/{good}") == 3 * 3
        assert value(samples, "splice_relay_added_latency_seconds_count") == 5 * 3
        assert value(samples, "splice_relay_breaker_state", target=f"oa/{dead}") == 0  # 2 failures of 5
        assert value(samples, "splice_relay_resumes_total") == 0

        # a resume, and a reset (a cursor past the log)
        created = client.post("/v1/streams", json={"route": "plain", "messages": [{"role": "user", "content": "x"}]})
        url = created.json()["events_url"]
        status, events = read_all(client, url)
        assert status == 200
        read_all(client, url, headers={"Last-Event-ID": "2"})
        read_all(client, url, headers={"Last-Event-ID": "100000"})
        samples = scrape(client)
        assert value(samples, "splice_relay_resumes_total") == 2
        assert value(samples, "splice_relay_resets_total") == 1


def test_breaker_state_and_circuit_open_failovers_are_counted(upstream: FakeUpstream) -> None:
    dead = model_name(f"dead-{secrets.token_hex(4)}", fault="http500")
    good = model_name("good", n=5)
    config = load_config_dict(
        {
            "providers": upstream_providers(upstream),
            "routes": {"fo": {"targets": [f"oa/{dead}", f"an/{good}"]}},
            "breaker": {"failures": 1},
        }
    )
    with RelayServer(config) as relay, httpx.Client(base_url=relay.base_url, timeout=30) as client:
        run_route(client, "fo")
        run_route(client, "fo")
        wait_for(lambda: total(scrape(client), "splice_relay_streams_finished_total") == 2)
        samples = scrape(client)
        assert value(samples, "splice_relay_breaker_state", target=f"oa/{dead}") == 1
        assert value(samples, "splice_relay_breaker_state", target=f"an/{good}") == 0
        assert value(samples, "splice_relay_failovers_total", reason="circuit_open", target=f"oa/{dead}") == 1


def test_metrics_can_be_switched_off(upstream: FakeUpstream) -> None:
    config = load_config_dict(
        {
            "providers": upstream_providers(upstream),
            "routes": {"r": {"targets": ["oa/good"]}},
            "server": {"metrics": False},
        }
    )
    with RelayServer(config) as relay, httpx.Client(base_url=relay.base_url, timeout=30) as client:
        response = client.get("/metrics")
        assert response.status_code == 404 and response.json()["error"]["code"] == "metrics_disabled"


def test_local_buckets_fold_into_the_prometheus_histogram_as_observations_would() -> None:
    from prometheus_client import CollectorRegistry, Histogram

    from relay.metrics import fold

    registry = CollectorRegistry()
    observed = Histogram("observed", "", buckets=GAP_BUCKETS, registry=registry)
    folded = Histogram("folded", "", buckets=GAP_BUCKETS, registry=registry)
    buckets = Buckets(GAP_BUCKETS)
    for gap in (0.001, 0.005, 0.0051, 0.3, 0.3, 1.0, 7.5, 100.0):
        observed.observe(gap)
        buckets.observe(gap)
    fold(folded, buckets)
    got = {
        s.name.replace("folded", "x"): (s.labels, s.value)
        for m in registry.collect()
        if m.name == "folded"
        for s in m.samples
    }
    want = {
        s.name.replace("observed", "x"): (s.labels, s.value)
        for m in registry.collect()
        if m.name == "observed"
        for s in m.samples
    }
    got = {k: v for k, v in got.items() if not k.endswith("_created")}
    want = {k: v for k, v in want.items() if not k.endswith("_created")}
    assert got == want


MULTIPROCESS_SCRIPT = """
import asyncio, os, sys
from relay.app import create_app
from relay.config import load_config_dict

async def main():
    app = create_app(load_config_dict({"providers": {"sim": {"kind": "simulated"}},
                                       "routes": {"r": {"targets": ["sim/demo"]}}}))
    relay = app.state.relay
    relay.metrics.stream_started("r")
    relay.metrics.stream_started("r")
    if sys.argv[1] == "scrape":
        body, _ = relay.metrics.render(relay)
        sys.stdout.write(body.decode())

asyncio.run(main())
"""


def test_in_multiprocess_mode_a_scrape_of_one_process_counts_every_process(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for role in ("count", "scrape"):
        done = subprocess.run(
            [sys.executable, "-c", MULTIPROCESS_SCRIPT, role], env=env, cwd=ROOT, capture_output=True, check=True
        )
    samples: Samples = {}
    for family in text_string_to_metric_families(done.stdout.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    assert samples[("splice_relay_streams_started_total", (("route", "r"),))] == 4  # two processes, two each


def test_serve_workers_2_every_worker_reports_the_streams_of_both(
    tmp_path: Path, upstream: FakeUpstream, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .test_workers import Workers

    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)  # serve makes one for its workers
    config = tmp_path / "relay.toml"
    config.write_text(
        f'[store]\nkind = "redis"\nurl = "{redis_url}"\nprefix = "m{secrets.token_hex(4)}"\n\n'
        f'[providers.oa]\nkind = "openai"\nbase_url = "{upstream.base_url}/v1"\n\n'
        '[routes.default]\ntargets = ["oa/good;n=20"]\n'
    )
    workers = Workers(config, 2)
    try:
        wait_for(lambda: _answers(workers.base_url), timeout=120)  # a loaded machine takes its time to import
        pids = sorted(workers.pids(2))
        assert len(pids) == 2
        clients = [workers.client_on(pid) for pid in pids]
        try:
            for client in clients:
                for _ in range(2):
                    _, events = run_route(client, "default")
                    assert events[-1].event == "done"
            for client in clients:  # whichever worker is scraped, it counts all four streams, none twice
                wait_for(
                    lambda c=client: (
                        value(scrape(c), "splice_relay_streams_finished_total", route="default", status="done") == 4
                    )
                )
                samples = scrape(client)
                assert value(samples, "splice_relay_streams_started_total", route="default") == 4
                # each worker refreshes its gauges once a second: the other one's figure follows
                wait_for(lambda c=client: value(scrape(c), "splice_relay_generations_running") == 0)
        finally:
            for client in clients:
                client.close()
    finally:
        assert workers.stop() == 0


def _answers(base_url: str) -> bool:
    try:
        return httpx.get(base_url + "/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_the_answer_cache_is_counted(upstream: FakeUpstream) -> None:
    config = load_config_dict(
        {
            "providers": upstream_providers(upstream),
            "routes": {"c": {"targets": ["oa/good;n=10"], "cache": "always"}},
        }
    )
    with RelayServer(config) as relay, httpx.Client(base_url=relay.base_url, timeout=30) as client:
        prompt = [{"role": "user", "content": f"cache me {secrets.token_hex(4)}"}]
        run_route(client, "c", prompt)
        wait_for(lambda: relay.relay.cache.stats.stored == 1)
        run_route(client, "c", prompt)  # the same prompt again: replayed from the entry
        wait_for(lambda: total(scrape(client), "splice_relay_streams_finished_total") == 2)
        samples = scrape(client)
        assert value(samples, "splice_relay_cache_total", outcome="miss") == 1
        assert value(samples, "splice_relay_cache_total", outcome="hit") == 1
        assert value(samples, "splice_relay_ttft_seconds_count", target="oa/good;n=10") == 1  # the hit made no attempt
