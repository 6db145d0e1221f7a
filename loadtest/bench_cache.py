"""A cache hit's time to first token beside a miss's: ``python -m loadtest --cache`` (or ``-m loadtest.bench_cache``).

The relay runs as a subprocess (``splice-relay serve``) in front of the fake upstream, whose
answers start after a set ``ttft`` and stream at a set rate. Each round sends a new prompt at
temperature 0 (a miss: the upstream answers) and then the same prompt again on a route that
replays at once and on one that replays paced (hits). Time to first token is measured at the
client, from the POST to the first ``token`` event; the whole answer's time beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from .upstream import upstream_in_thread

TOKENS = 60
UPSTREAM_TPS = 60.0
UPSTREAM_TTFT_S = 0.3


def _config(upstream_url: str) -> str:
    model = f"gpt-4o-mini;n={TOKENS};tps={UPSTREAM_TPS:g};ttft={UPSTREAM_TTFT_S:g}"
    return f"""
[providers.oa]
kind = "openai"
base_url = "{upstream_url}/v1"

[routes.instant]
targets = ["oa/{model}"]
cache_replay = "instant"

[routes.paced]
targets = ["oa/{model}"]
cache_replay = "paced"
"""


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _one(client: httpx.AsyncClient, route: str, prompt: str) -> dict[str, Any]:
    """POST one stream and read it to the end: time to first token, to the end, and whether it was a hit."""
    body = {"route": route, "temperature": 0, "messages": [{"role": "user", "content": prompt}]}
    started = time.perf_counter()
    first: float | None = None
    hit = False
    async with client.stream("POST", "/v1/streams", json=body, headers={"Accept": "text/event-stream"}) as response:
        response.raise_for_status()
        async for line in response.aiter_lines():
            if line == "event: cache":
                hit = True
            elif line == "event: token" and first is None:
                first = time.perf_counter()
    ended = time.perf_counter()
    assert first is not None, "no token"
    return {"ttft_ms": (first - started) * 1000, "total_ms": (ended - started) * 1000, "hit": hit}


def _summary(samples: list[dict[str, Any]]) -> dict[str, Any]:
    ttft = sorted(sample["ttft_ms"] for sample in samples)
    total = sorted(sample["total_ms"] for sample in samples)
    return {
        "n": len(samples),
        "ttft_ms_p50": round(statistics.median(ttft), 2),
        "ttft_ms_p95": round(ttft[min(len(ttft) - 1, int(len(ttft) * 0.95))], 2),
        "total_ms_p50": round(statistics.median(total), 2),
        "hits": sum(1 for sample in samples if sample["hit"]),
    }


async def _measure(base_url: str, rounds: int) -> dict[str, Any]:
    misses: list[dict[str, Any]] = []
    instant: list[dict[str, Any]] = []
    paced: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        for _ in range(rounds):
            prompt = f"Explain caching, please ({secrets.token_hex(6)})"
            misses.append(await _one(client, "instant", prompt))
            await asyncio.sleep(0.05)  # the entry is written once the stream ended
            instant.append(await _one(client, "instant", prompt))
            paced_prompt = f"{prompt} paced"
            await _one(client, "paced", paced_prompt)
            await asyncio.sleep(0.05)
            paced.append(await _one(client, "paced", paced_prompt))
        health = (await client.get("/healthz")).json()["cache"]
    return {
        "miss": _summary(misses),
        "hit_instant": _summary(instant),
        "hit_paced": _summary(paced),
        "relay_cache_counters": health,
    }


def run(rounds: int) -> dict[str, Any]:
    """Start the fake upstream and a relay, measure `rounds` misses and hits, stop both."""
    with upstream_in_thread() as upstream, tempfile.TemporaryDirectory() as workdir:
        config = Path(workdir) / "relay.toml"
        config.write_text(_config(upstream.base_url))
        port = _free_port()
        exe = Path(sys.executable).with_name("splice-relay")
        argv = [str(exe)] if exe.exists() else [sys.executable, "-m", "relay.cli"]
        relay = subprocess.Popen(
            [*argv, "serve", "--config", str(config), "--port", str(port), "--log-level", "warning"],
            env={**os.environ, "SPLICE_RELAY_CONFIG": ""},
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(base_url + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or relay.poll() is not None:
                    raise RuntimeError("the relay did not start")
                time.sleep(0.1)
            results = asyncio.run(_measure(base_url, rounds))
        finally:
            relay.terminate()
            try:
                relay.wait(timeout=10)
            except subprocess.TimeoutExpired:
                relay.kill()
    results["upstream"] = {"tokens": TOKENS, "tokens_per_s": UPSTREAM_TPS, "ttft_s": UPSTREAM_TTFT_S}
    results["rounds"] = rounds
    return results


def table(results: dict[str, Any]) -> str:
    rows = [
        "| Request | n | TTFT p50 (ms) | TTFT p95 (ms) | whole answer p50 (ms) |",
        "|---|---|---|---|---|",
    ]
    for name, label in (("miss", "miss (upstream)"), ("hit_instant", "hit, instant"), ("hit_paced", "hit, paced")):
        row = results[name]
        rows.append(f"| {label} | {row['n']} | {row['ttft_ms_p50']} | {row['ttft_ms_p95']} | {row['total_ms_p50']} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest.bench_cache", description=__doc__)
    parser.add_argument("--rounds", type=int, default=20, help="misses and hits measured (default 20)")
    parser.add_argument("--json", type=Path, help="also write the results JSON here")
    args = parser.parse_args(argv)
    results = run(args.rounds)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(json.dumps(results["relay_cache_counters"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
