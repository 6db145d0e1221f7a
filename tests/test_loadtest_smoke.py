"""`python -m loadtest --smoke` runs end to end: fake upstream, relay, clients, summary.

Content only (every stream completed, token counts, the summary's fields): no timing
assertions, the machine may be busy.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_smoke_mode_runs_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "smoke.json"
    done = subprocess.run(
        [sys.executable, "-m", "loadtest", "--smoke", "--no-progress", "--json", str(out), "--out", str(tmp_path)],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "LOADTEST_PROGRESS": "0"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    res = json.loads(out.read_text())

    # the per-token latency phases: 5 streams x 30 tokens, direct and through the relay
    (phase,) = res["phases"]
    assert phase["n"] == 5 and phase["tokens"] == 30
    for key in ("direct", "relay"):
        summary = phase[key]
        assert summary["streams"] == 5
        assert summary["completed"] == 5, summary["error_reasons"]
        assert summary["errors"] == 0
        assert summary["stamps"] == 5 * 30  # every stamped token arrived, none twice
        assert summary["latency_ms"]["n"] == 150
        for q in ("p50", "p95", "p99", "max"):
            assert summary["latency_ms"][q] is not None
    assert phase["relay"]["server_cpu_ms_per_1k_tokens"] > 0
    # the steady-window CPU needs a window of 1 s with every stream open, which the smoke phase is too short for
    assert {
        "steady_server_cpu_ms_per_1k_tokens",
        "steady_server_cpu_util",
        "steady_core_busy",
        "steady_core_softirq",
    } <= set(phase["relay"])
    for metric in ("latency_ms", "own_latency_ms", "ttft_ms"):
        assert set(phase["relay_added_ms"][metric]) == {"p50", "p95", "p99", "max"}

    # the smoke's one repeat: the same N again on a fresh relay, and the spread over both phases
    (repeat,) = res["repeats"]
    assert repeat["variant"] == "relay repeat 1" and repeat["n"] == 5
    assert repeat["relay"]["completed"] == 5 and repeat["relay"]["stamps"] == 5 * 30
    spread = res["summary"]["repeats"]
    assert spread["n"] == 5 and spread["phases"] == 2 and spread["from_sweep"] == 1
    assert spread["added_p99_ms"] == [
        phase["relay_added_ms"]["latency_ms"]["p99"],
        repeat["relay_added_ms"]["latency_ms"]["p99"],
    ]
    assert spread["within_limit"] == sum(1 for v in spread["added_p99_ms"] if v <= 5.0)
    assert spread["max_ms"] == max(spread["added_p99_ms"])
    assert "| 5 | relay repeat 1 |" in res["markdown"]["variants"]

    # one failover, measured; resumes replay from the cursor
    failover = res["failover"]
    assert failover["failovers_measured"] == 1 and failover["errors"] == 0
    assert failover["gap_ms"]["p50"] is not None and failover["fallback_first_token_ms"]["p50"] is not None
    resume = res["resume_memory"]
    assert resume["ok"] == resume["resumes"] == 5

    idle = res["idle_memory"]
    assert idle["open_generations"] >= idle["streams"] == 20
    assert "kb_per_stream" in idle
    assert idle["readers_open"] == 20 and idle["healthz_ms"]["n"] == 5 and idle["healthz_ms"]["errors"] == 0

    summary = res["summary"]
    assert {"relay", "relay_excluding_holdback", "relay_peak_rss_kb", "idle_kb_per_stream", "targets"} <= set(summary)
    assert [t["target"] for t in summary["targets"]][-1].startswith("memory per idle stream")
    assert res["redis"]["skipped"] and "litellm" not in res  # smoke: no Redis, no LiteLLM
    assert "openai_orjson_us" in res["bench_parse"]

    # the printed summary and the Markdown table
    text = done.stdout
    for needle in (
        "splice-relay load test",
        "N=5:",
        "relay: 5/5 streams completed",
        "failover:",
        "resume (memory): 5/5 ok",
        "idle streams:",
        "/healthz with them open:",
        "repeats at N=5 (fresh relays, after the sweep): added p99",
        "targets:",
        "| N | server |",
    ):
        assert needle in text, needle


def test_the_cpu_sampler_reads_a_busy_process_and_its_core() -> None:
    """What the steady-window CPU figures come from: a process's CPU time and its core's /proc/stat."""
    import os
    import time

    from loadtest.bench import CpuSampler

    cpu = sorted(os.sched_getaffinity(0))[0]
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    sampler = CpuSampler(os.getpid(), cpu, interval_s=0.05)
    try:
        start = time.time_ns()
        sampler.start()
        while time.time_ns() - start < 600_000_000:  # busy for 0.6 s on that core
            pass
        end = time.time_ns()
    finally:
        sampler.stop()
        os.sched_setaffinity(0, before)
    measured = sampler.over(start, end)
    assert measured is not None
    assert 0.6 < measured["server_cpu_util"] <= 1.2  # one thread spinning, the sampler's own reads on top
    assert measured["core_busy"] >= measured["server_cpu_util"] * 0.8 and measured["core_busy"] <= 1.0
    assert 0.0 <= measured["core_softirq"] <= measured["core_busy"]
    assert sampler.over(end + 10**9, end + 2 * 10**9) is None  # no samples there


def _relay_phase(n: int, added_p99: float | None) -> dict[str, object]:
    added = {"latency_ms": {"p99": added_p99}, "own_latency_ms": {"p99": added_p99}}
    return {"n": n, "relay_added_ms": added}


def test_the_n500_target_is_met_only_if_every_phase_at_500_meets_it() -> None:
    """With repeats, one lucky phase does not meet the target: the sweep's and every repeat's p99 must."""
    from loadtest.bench import repeat_summary, targets

    res: dict[str, object] = {
        "phases": [_relay_phase(300, 3.0), _relay_phase(500, 4.3)],
        "repeats": [_relay_phase(500, 3.9), _relay_phase(500, 32.1), _relay_phase(500, 5.0)],
    }
    spread = repeat_summary(res)
    assert spread == {
        "n": 500,
        "phases": 4,
        "from_sweep": 1,
        "added_p99_ms": [4.3, 3.9, 32.1, 5.0],
        "median_ms": 4.65,
        "max_ms": 32.1,
        "within_limit": 3,
        "limit_ms": 5.0,
    }
    (at500, *_) = targets(res, {"repeats": spread})
    assert at500["value_ms"] == 4.3 and at500["met"] is False and at500["within_limit"] == "3 of 4"
    assert "within 5 ms in 3 of 4 phases at N=500" in at500["note"] and "worst 32.1 ms" in at500["note"]

    res["repeats"] = [_relay_phase(500, 3.9), _relay_phase(500, 2.0)]
    (at500, *_) = targets(res, {"repeats": repeat_summary(res)})
    assert at500["met"] is True and at500["within_limit"] == "3 of 3"

    (at500, *_) = targets({"phases": res["phases"]}, {})  # no repeats: the sweep's phase decides, as before
    assert at500["met"] is True and "within_limit" not in at500


def test_core_isolation_moves_other_tasks_off_the_relay_core_and_back() -> None:
    """Checked on processes of our own (a whole-machine run moves every process's tasks the same way)."""
    from loadtest.isolation import CoreIsolation

    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        pytest.skip("one CPU: nothing to isolate")
    relay_cpu, others = cpus[0], set(cpus[1:])
    children = [subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) for _ in range(3)]
    try:
        anywhere, relay_only, elsewhere = (child.pid for child in children)
        os.sched_setaffinity(relay_only, {relay_cpu})
        os.sched_setaffinity(elsewhere, others)
        with CoreIsolation({relay_cpu}, pids=[anywhere, relay_only, elsewhere]) as isolation:
            assert os.sched_getaffinity(anywhere) == others
            assert os.sched_getaffinity(relay_only) == {relay_cpu}  # the relay itself stays
            assert os.sched_getaffinity(elsewhere) == others
            assert isolation.moved >= 1 and isolation.summary()["cpus"] == [relay_cpu]
        assert os.sched_getaffinity(anywhere) == set(cpus)  # restored
        assert os.sched_getaffinity(relay_only) == {relay_cpu} and os.sched_getaffinity(elsewhere) == others
    finally:
        for child in children:
            child.kill()
            child.wait()


def test_realtime_prefix_starts_a_server_under_sched_fifo() -> None:
    """`--realtime`: the relay's argv gets a `chrt` prefix; its threads inherit the policy."""
    from loadtest.isolation import REALTIME_PRIORITY, realtime_prefix

    prefix, refused = realtime_prefix()
    if refused is not None:
        assert not prefix
        if os.environ.get("CI") == "true" and os.geteuid() == 0:
            pytest.fail(f"root, yet no SCHED_FIFO: {refused}")
        pytest.skip(f"no real-time priority here: {refused}")
    code = (
        "import os, threading; seen = []; t = threading.Thread(target=lambda: seen.append(os.sched_getscheduler(0))); "
        "t.start(); t.join(); print(os.sched_getscheduler(0), os.sched_getparam(0).sched_priority, seen[0])"
    )
    out = subprocess.run(
        [*prefix, sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    ).stdout.split()
    assert out == [str(os.SCHED_FIFO), str(REALTIME_PRIORITY), str(os.SCHED_FIFO)]


def run_tool(module: str, *args: str, timeout_s: float) -> subprocess.CompletedProcess[str]:
    """`python -m module args` from the repository's root; fails the test if it does not exit 0."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args], check=False, cwd=ROOT, capture_output=True, text=True, timeout=timeout_s
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_the_metrics_and_logs_a_b_runs_both_relays_without_errors() -> None:
    """`python -m loadtest.bench_observability`, tiny: both variants stream every token and the ratio is printed."""
    done = run_tool("loadtest.bench_observability", "--streams", "3", "--tokens", "10", "--rounds", "2", timeout_s=90)
    rounds = [line for line in done.stdout.splitlines() if line.startswith("round ")]
    assert len(rounds) == 4 and all(line.endswith("errors 0") for line in rounds), done.stdout
    assert {line.split()[2].rstrip(":") for line in rounds} == {"on", "off"}
    assert "on/off" in done.stdout


def test_the_wake_cost_tool_reports_both_cores_and_leaves_no_spinner() -> None:
    """`python -m loadtest.wake_cost`, tiny: a figure for the idle and the busy core; the busy loop is gone after."""
    done = run_tool("loadtest.wake_cost", "--sleeps", "20", "--sleep-ms", "1", timeout_s=60)
    figures = re.findall(r"(idle|busy) core ([0-9.]+) us", done.stdout)
    assert [name for name, _ in figures] == ["idle", "busy"], done.stdout
    assert all(float(value) > 0 for _, value in figures)
    spinners = subprocess.run(["pgrep", "-f", "wake_cost's busy loop"], capture_output=True, text=True, check=False)
    assert spinners.stdout.strip() == ""
