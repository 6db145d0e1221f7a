"""Metrics and logs on the hot path, A/B: ``python -m loadtest.bench_observability``.

Two relay processes on CPU 0 at one fake upstream: one with `/metrics`, the request log and JSON
log lines at level info (written to a file, as a deployment would), one with all of them off.
Rounds alternate which goes first and each runs N streams of T tokens; the relay's CPU per 1000
tokens is read from /proc. The main load test runs the two variants once, back to back, where a
slower minute of the host lands on one of them; alternating rounds spread it over both. The ratio
of the medians is the figure (issue 22: at most 1.05).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .bench import HOST, Scenario, cpu_seconds, free_port, relay_config
from .client import new_loop, relay_request, run_streams
from .idle_trace import wait_port

VARIANTS: dict[str, tuple[dict[str, Any], str]] = {
    "off": ({"metrics": False, "request_log": False}, "warning"),
    "on": ({"metrics": True, "request_log": True, "log_format": "json"}, "info"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest.bench_observability")
    parser.add_argument("--streams", type=int, default=300)
    parser.add_argument("--tokens", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="splice-bench-observability-"))
    procs: list[subprocess.Popen[bytes]] = []

    def start(argv: list[str], cpus: str) -> subprocess.Popen[bytes]:
        env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}  # one process: in-process values
        with open(work / f"{len(procs)}.log", "wb") as log:
            proc = subprocess.Popen(["taskset", "-c", cpus, *argv], env=env, stdout=subprocess.DEVNULL, stderr=log)
        procs.append(proc)
        return proc

    try:
        upstream_port = free_port()
        start([sys.executable, "-m", "loadtest.upstream", "--port", str(upstream_port)], "1")
        wait_port(upstream_port)
        relays: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
        for name, (server, level) in VARIANTS.items():
            config = work / f"relay-{name}.toml"
            config.write_text(relay_config(upstream_port, Scenario(20, args.tokens), server=server))
            port = free_port()
            argv = ["serve", "--config", str(config), "--port", str(port), "--log-level", level, "--workers", "1"]
            relays[name] = (start([sys.executable, "-m", "relay.cli", *argv], "0"), port)
        loop = new_loop()
        for _, port in relays.values():
            wait_port(port, 60)
            warm = [relay_request(HOST, port, "warm") for _ in range(20)]
            loop.run_until_complete(run_streams(warm, ramp_s=0.2, timeout_s=30))
        figures: dict[str, list[float]] = {name: [] for name in relays}
        for round_ in range(args.rounds):
            for name in list(relays) if round_ % 2 == 0 else list(reversed(relays)):
                proc, port = relays[name]
                time.sleep(1)
                before = cpu_seconds(proc.pid)
                requests = [relay_request(HOST, port, "default") for _ in range(args.streams)]
                results = loop.run_until_complete(run_streams(requests, ramp_s=2, timeout_s=120))
                used = cpu_seconds(proc.pid) - before
                tokens = sum(result.tokens for result in results)
                errors = sum(1 for result in results if result.error)
                figures[name].append(used / tokens * 1e6)
                print(
                    f"round {round_} {name}: {figures[name][-1]:.1f} ms CPU per 1k tokens, errors {errors}", flush=True
                )
        on, off = (statistics.median(figures[name]) for name in ("on", "off"))
        print(f"median on {on:.1f}, off {off:.1f} ms per 1k tokens: on/off {on / off:.3f}")
        print("per round on/off:", [round(a / b, 3) for a, b in zip(figures["on"], figures["off"])])
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
