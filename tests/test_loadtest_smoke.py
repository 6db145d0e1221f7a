"""`python -m loadtest --smoke` runs end to end: fake upstream, relay, clients, summary.

Content only (every stream completed, token counts, the summary's fields): no timing
assertions, the machine may be busy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_smoke_mode_runs_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "smoke.json"
    done = subprocess.run(
        [sys.executable, "-m", "loadtest", "--smoke", "--no-progress", "--json", str(out), "--out", str(tmp_path)],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=60,
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
    for metric in ("latency_ms", "own_latency_ms", "ttft_ms"):
        assert set(phase["relay_added_ms"][metric]) == {"p50", "p95", "p99", "max"}

    # one failover, measured; resumes replay from the cursor
    failover = res["failover"]
    assert failover["failovers_measured"] == 1 and failover["errors"] == 0
    assert failover["gap_ms"]["p50"] is not None and failover["fallback_first_token_ms"]["p50"] is not None
    resume = res["resume_memory"]
    assert resume["ok"] == resume["resumes"] == 5

    idle = res["idle_memory"]
    assert idle["open_generations"] >= idle["streams"] == 20
    assert "kb_per_stream" in idle

    summary = res["summary"]
    assert {"relay", "relay_excluding_holdback", "relay_peak_rss_kb", "idle_kb_per_stream", "targets"} <= set(summary)
    assert [t["target"] for t in summary["targets"]][-1].startswith("memory per idle stream")
    assert res["redis"]["skipped"] and "litellm" not in res  # smoke: no Redis, no LiteLLM
    assert "openai_orjson_us" in res["bench_parse"]

    # the printed summary and the Markdown table
    text = done.stdout
    for needle in ("splice-relay load test", "N=5:", "relay: 5/5 streams completed", "failover:", "resume (memory): 5/5 ok",
                   "idle streams:", "targets:", "| N | server |"):
        assert needle in text, needle
