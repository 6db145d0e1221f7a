"""Turns a load-test result into the printed summary, a Markdown table, JSON and PNG plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _f(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _met(value: Any) -> str:
    return {True: "met", False: "MISSED", None: "not measured"}[value]


def latency_table(res: dict[str, Any]) -> str:
    """One row per (N, server): added per-token latency and TTFT against the direct baseline.

    Per-token figures are over the steady window (every stream open) unless marked "all".
    """
    head = (
        "| N | server | streams ok | added p50 | added p95 | added p99 | added max | added p99, all tokens "
        "| added p99 excl. hold-back | added TTFT p50 | added TTFT p99 | phase time | server CPU util | CPU ms / 1k "
        "tokens "
        "| CPU ms / 1k tokens, steady | server core busy, steady (softirq) | client CPU util |"
    )
    cols = head.count("|") - 1
    rows = [head, "|" + "|".join(["---"] * cols) + "|"]
    for p in res.get("phases", []):
        rows += phase_rows(p)
    return "\n".join(rows)


def phase_rows(p: dict[str, Any], label: str = "") -> list[str]:
    n = p["n"]
    d = p["direct"]
    rows = [
        (
            f"| {n} | direct (baseline){label} | {d['completed']}/{d['streams']} | p50 {_f(d['latency_ms']['p50'])} | "
            f"p95 {_f(d['latency_ms']['p95'])} "
            f"| p99 {_f(d['latency_ms']['p99'])} | max {_f(d['latency_ms']['max'])} | p99 "
            f"{_f(d['latency_all_ms']['p99'])} | – "
            f"| TTFT {_f(d['ttft_ms']['p50'])} | {_f(d['ttft_ms']['p99'])} | {_f(d['elapsed_s'])} s | – | – | – | – | "
            f"{_f(d.get('client_cpu_util'), 2)} |"
        )
    ]
    for key in ("relay", "litellm"):
        if key not in p:
            continue
        s, a = p[key], p[f"{key}_added_ms"]
        own = a["own_latency_ms"]["p99"] if key == "relay" else None
        all99 = (
            (s["latency_all_ms"]["p99"] - d["latency_all_ms"]["p99"])
            if s["latency_all_ms"]["p99"] is not None and d["latency_all_ms"]["p99"] is not None
            else None
        )
        name = p.get("variant", key) if key == "relay" else key
        rows.append(
            f"| {n} | {name} | {s['completed']}/{s['streams']} | {_f(a['latency_ms']['p50'])} | "
            f"{_f(a['latency_ms']['p95'])} "
            f"| **{_f(a['latency_ms']['p99'])}** | {_f(a['latency_ms']['max'])} | {_f(all99)} | {_f(own)} | "
            f"{_f(a['ttft_ms']['p50'])} | {_f(a['ttft_ms']['p99'])} "
            f"| {_f(s['elapsed_s'])} s | {_f(s.get('server_cpu_util'), 2)} | "
            f"{_f(s.get('server_cpu_ms_per_1k_tokens'), 0)} "
            f"| {_f(s.get('steady_server_cpu_ms_per_1k_tokens'), 0)} | {_core(s)} | {_f(s.get('client_cpu_util'), 2)} |"
        )
    return rows


def _core(summary: dict[str, Any]) -> str:
    busy, softirq = summary.get("steady_core_busy"), summary.get("steady_core_softirq")
    return "–" if busy is None else f"{_f(busy, 2)} ({_f(softirq, 2)})"


def variants_table(res: dict[str, Any]) -> str:
    """Accounting on/off, hold-back on, the repeats and the Redis store, each at one N against its own baseline."""
    found = []
    acc = res.get("accounting") or {}
    for key in ("on", "off"):
        if isinstance(acc.get(key), dict) and "relay" in acc[key]:
            found.append(acc[key])
    obs = res.get("observability") or {}
    for key in ("on", "off"):
        if isinstance(obs.get(key), dict) and "relay" in obs[key]:
            found.append(obs[key])
    for group in (res.get("holdback_on"), res.get("repeats")):
        for v in group if isinstance(group, list) else []:
            if isinstance(v, dict) and "relay" in v:
                found.append(v)
    load = (res.get("redis") or {}).get("load")
    if isinstance(load, dict) and "relay" in load:
        found.append(load)
    if not found:
        return ""
    head = latency_table({"phases": []})
    rows = [head]
    for v in found:
        rows += phase_rows(v, f" for {v.get('variant')}")
    return "\n".join(rows)


def targets_table(res: dict[str, Any]) -> str:
    rows = ["| target | figure | status | note |", "|---|---|---|---|"]
    for t in res.get("summary", {}).get("targets", []):
        figure = t.get("value_ms", t.get("value_kb"))
        if "ratio" in t:

            def n(v: Any) -> str:
                return f"N={v}" if v is not None else "none of the N run"

            figure = (
                f"relay {n(t.get('relay'))}, LiteLLM {n(t.get('litellm'))}"
                + (f" = {t['ratio']}x" if t.get("ratio") else "")
                + f"; excluding the hold-back: relay {n(t.get('relay_excluding_holdback'))}"
                + (f" = {t['ratio_excluding_holdback']}x" if t.get("ratio_excluding_holdback") else "")
            )
        elif "value_kb" in t:
            figure = f"{_f(figure)} KB"
        elif figure is not None:
            figure = f"{_f(figure)} ms"
        rows.append(f"| {t['target']} | {_f(figure)} | {_met(t.get('met'))} | {t.get('note', '')} |")
    return "\n".join(rows)


def summary_text(res: dict[str, Any]) -> str:
    """What the tool prints at the end (and what the smoke test reads)."""
    s = res.get("summary", {})
    m = res.get("machine", {})
    lines = [
        "splice-relay load test",
        f"machine: {m.get('nproc')} CPUs ({m.get('cpu_model')}), Python {m.get('python')}, load at start "
        f"{m.get('loadavg_at_start')}",
        f"pinning: {res.get('pinning')}",
        f"scenario: {res['scenario']['tps']:g} tokens/s per stream, {res['scenario']['tokens']} tokens per stream",
        "",
    ]
    for p in res.get("phases", []):
        d = p["direct"]
        lines.append(
            f"N={p['n']}: direct {d['completed']}/{d['streams']} streams, {d['stamps']} tokens, p99 "
            f"{_f(d['latency_ms']['p99'])} ms"
        )
        for key in ("relay", "litellm"):
            if key in p:
                x, a = p[key], p[f"{key}_added_ms"]
                extra = f", excl. hold-back p99 {_f(a['own_latency_ms']['p99'])} ms" if key == "relay" else ""
                lines.append(
                    f"  {key}: {x['completed']}/{x['streams']} streams completed, {x['errors']} errors, {x['stamps']} "
                    f"tokens; "
                    f"added per token p50 {_f(a['latency_ms']['p50'])} p95 {_f(a['latency_ms']['p95'])} p99 "
                    f"{_f(a['latency_ms']['p99'])} "
                    f"max {_f(a['latency_ms']['max'])} ms{extra}; added TTFT p50 {_f(a['ttft_ms']['p50'])} p99 "
                    f"{_f(a['ttft_ms']['p99'])} ms; "
                    f"CPU {_f(x.get('server_cpu_ms_per_1k_tokens'), 0)} ms per 1k tokens"
                )
    lines.append("")
    if res.get("phases") is not None:
        lines += [
            f"sustainable concurrency (added p99 <= 50 ms, no errors): relay {s.get('relay')}, relay excl. hold-back "
            f"{s.get('relay_excluding_holdback')}" + (f", LiteLLM {s['litellm']}" if "litellm" in s else ""),
            f"relay peak RSS: {s.get('relay_peak_rss_kb')} KB",
        ]
    lines += idle_lines(res.get("idle_memory") or {})
    fo = res.get("failover", {})
    if fo:
        lines.append(
            f"failover: {fo.get('failovers_measured')}/{fo.get('streams')} measured, stall threshold "
            f"{fo.get('stall_threshold_ms'):g} ms, "
            f"gap p50 {_f(fo['gap_ms'].get('p50'))} p99 {_f(fo['gap_ms'].get('p99'))} ms, fallback first token p50 "
            f"{_f(fo['fallback_first_token_ms'].get('p50'))} ms, beyond threshold+first token p99 "
            f"{_f(fo['beyond_threshold_ms'].get('p99'))} ms"
        )
    for key, label in (("resume_memory", "resume (memory)"),):
        r = res.get(key, {})
        if "first_event_ms" in r:
            lines.append(
                f"{label}: {r['ok']}/{r['resumes']} ok, first replayed event p50 {_f(r['first_event_ms']['p50'], 2)} "
                f"p99 {_f(r['first_event_ms']['p99'], 2)} ms"
            )
        elif r:
            lines.append(f"{label}: {r}")
    redis = res.get("redis", {})
    if "skipped" in redis:
        lines.append(f"redis: {redis['skipped']}")
    else:
        for key in ("resume_same_instance", "resume_other_instance"):
            r = redis.get(key, {})
            if "first_event_ms" in r:
                lines.append(
                    f"resume ({r['where']}): {r['ok']}/{r['resumes']} ok, p50 {_f(r['first_event_ms']['p50'], 2)} p99 "
                    f"{_f(r['first_event_ms']['p99'], 2)} ms"
                )
        if "load" in redis:
            ld = redis["load"]
            a = ld["relay_added_ms"]["latency_ms"]
            lines.append(
                f"relay+redis N={ld['n']}: {ld['relay']['completed']}/{ld['relay']['streams']} completed, added p50 "
                f"{_f(a['p50'])} p99 {_f(a['p99'])} ms, "
                f"CPU {_f(ld['relay'].get('server_cpu_ms_per_1k_tokens'), 0)} ms and "
                f"{_f(ld['relay'].get('server_wakes_per_1k_tokens'), 0)} wake-ups per 1k tokens"
            )
        if "workers" in redis:
            wk = redis["workers"]
            a = wk["relay_added_ms"]["latency_ms"]
            lines.append(
                f"{wk['variant']} N={wk['n']}: {wk['relay']['completed']}/{wk['relay']['streams']} completed, added "
                f"p50 {_f(a['p50'])} p99 {_f(a['p99'])} ms, CPU {_f(wk['relay']['server_cpu_ms_per_1k_tokens'], 0)} "
                f"ms and {_f(wk['relay'].get('server_wakes_per_1k_tokens'), 0)} wake-ups per 1k tokens "
                f"({_f(wk['cpu_per_token_vs_one_worker'], 2)}x one worker's CPU), worker CPU shares "
                f"{wk['worker_cpu_share']}"
            )
            if wk.get("one_worker_at_share"):
                share = wk["one_worker_at_share"]
                lines.append(
                    f"one worker at its share N={share['n']}: CPU {_f(share['server_cpu_ms_per_1k_tokens'], 0)} ms and "
                    f"{_f(share.get('server_wakes_per_1k_tokens'), 0)} wake-ups per 1k tokens; the workers against "
                    f"it: {_f(wk['cpu_per_token_vs_one_worker_at_share'], 2)}x"
                )
        if "error" in redis:
            lines.append(f"redis: error {redis['error'][:300]}")
    acc = res.get("accounting") or {}
    if "skipped" in acc:
        lines.append(f"accounting on/off: {acc['skipped']}")
    for key in ("on", "off"):
        v = acc.get(key)
        if isinstance(v, dict) and "relay" in v:
            a = v["relay_added_ms"]["latency_ms"]
            lines.append(
                f"accounting {key}, N={v['n']}: {v['relay']['completed']}/{v['relay']['streams']} completed, added p50 "
                f"{_f(a['p50'])} p99 {_f(a['p99'])} ms, "
                f"excl. hold-back p99 {_f(v['relay_added_ms']['own_latency_ms']['p99'])} ms, CPU "
                f"{_f(v['relay'].get('server_cpu_ms_per_1k_tokens'), 0)} ms per 1k tokens"
            )
    obs = res.get("observability") or {}
    if "skipped" in obs:
        lines.append(f"metrics+logs on/off: {obs['skipped']}")
    for key in ("on", "off"):
        v = obs.get(key)
        if isinstance(v, dict) and "relay" in v:
            a = v["relay_added_ms"]["latency_ms"]
            lines.append(
                f"metrics+logs {key}, N={v['n']}: {v['relay']['completed']}/{v['relay']['streams']} completed, added "
                f"p50 {_f(a['p50'])} p99 {_f(a['p99'])} ms, CPU "
                f"{_f(v['relay'].get('server_cpu_ms_per_1k_tokens'), 0)} ms per 1k tokens"
            )
    for v in res.get("holdback_on") or [] if isinstance(res.get("holdback_on"), list) else []:
        a = v["relay_added_ms"]["latency_ms"]
        lines.append(
            f"holdback on, N={v['n']}: {v['relay']['completed']}/{v['relay']['streams']} completed, added p50 "
            f"{_f(a['p50'])} p95 {_f(a['p95'])} p99 {_f(a['p99'])} ms, "
            f"CPU {_f(v['relay'].get('server_cpu_ms_per_1k_tokens'), 0)} ms per 1k tokens"
        )
    if isinstance(res.get("holdback_on"), dict):
        lines.append(f"holdback on: {res['holdback_on'].get('skipped')}")
    rep = s.get("repeats")
    if rep:
        lines.append(
            f"repeats at N={rep['n']} (fresh relays, after the sweep): added p99 "
            + ", ".join(_f(v) for v in rep["added_p99_ms"][rep["from_sweep"] :])
            + " ms; "
            f"within {rep['limit_ms']:g} ms in {rep['within_limit']} of {rep['phases']} phases at that N, median "
            f"{_f(rep['median_ms'])} ms, worst {_f(rep['max_ms'])} ms"
        )
    if "setup" in res:
        st = res["setup"]
        lines.append(
            f"stream setup: {st['ok']}/{st['streams']} one-token streams at {st['rate_per_s']:g}/s, relay CPU "
            f"{st['cpu_ms_per_stream']} ms per stream"
        )
    if "litellm" in res:
        lines.append(f"litellm: {res['litellm']}")
    bp = res.get("bench_parse", {})
    if "openai_orjson_us" in bp:
        lines.append(
            f"bench_parse: openai typed {bp['openai_sdk_typed_us']:.2f} vs orjson {bp['openai_orjson_us']:.2f} "
            f"µs/chunk; "
            f"anthropic typed {bp['anthropic_sdk_typed_us']:.2f} vs orjson {bp['anthropic_orjson_us']:.2f} µs/chunk"
        )
    lines += ["", "targets:"]
    for t in s.get("targets", []):
        value = t.get("value_ms", t.get("value_kb", t.get("ratio")))
        lines.append(f"  [{_met(t.get('met'))}] {t['target']}: {_f(value)} {t.get('note', '')}")
    for note in res.get("notes", []):
        lines.append(f"note: {note}")
    return "\n".join(lines)


def idle_lines(im: dict[str, Any]) -> list[str]:
    """The idle phase: streams waiting on their first token, the relay's RSS per stream, /healthz meanwhile."""
    if not im:
        return []
    lines = [
        f"idle streams: {im.get('streams')} open, {im.get('delta_kb')} KB RSS delta, {im.get('kb_per_stream')} KB "
        f"per stream"
    ]
    if "healthz_ms" in im:
        h, o = im["healthz_ms"], im["healthz_while_opening_ms"]
        lines.append(
            f"  {im['readers_open']}/{im['readers']} readers open, {im['without_reader']} streams without a reader "
            f"(fd limit {im['fd_limit']}), {im['open_generations']} generations, relay fds {im['relay_fds']}, "
            f"all open after {im.get('opened_in_s')} s (ramp {im['ramp_s']} s); "
            f"reader errors {im['reader_errors'] or 'none'}"
        )
        lines.append(
            f"  /healthz with them open: p50 {_f(h['p50'], 2)} p99 {_f(h['p99'], 2)} max {_f(h['max'], 2)} ms "
            f"({h['n']} samples, {h['errors']} errors); while they opened: p50 {_f(o['p50'], 2)} p99 "
            f"{_f(o['p99'], 2)} max {_f(o['max'], 2)} ms ({o['n']} samples, {o['errors']} errors)"
        )
    return lines


def write_json(res: dict[str, Any], path: Path) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(res, indent=1, default=str))
    tmp.replace(path)


def plots(res: dict[str, Any], cdf: dict[str, list[float]], out_dir: Path, stem: str) -> list[Path]:
    """Latency CDFs per N, and added p99 against N for the relay (with its repeats) and LiteLLM."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written: list[Path] = []
    ns = [p["n"] for p in res.get("phases", [])]
    if cdf and ns:
        cols = min(len(ns), 2)
        rows = (len(ns) + cols - 1) // cols
        fig, axes = plt.subplots(rows, cols, figsize=(6.5 * cols, 4.2 * rows), squeeze=False)
        for ax, n in zip([a for row in axes for a in row], ns):
            for name, style in (
                (f"direct N={n}", "k-"),
                (f"relay N={n}", "C0-"),
                (f"relay own N={n}", "C0:"),
                (f"litellm N={n}", "C3-"),
            ):
                values = sorted(cdf.get(name, []))
                if not values:
                    continue
                step = max(1, len(values) // 2000)
                xs = values[::step] + [values[-1]]
                ys = [i * step / len(values) for i in range(len(xs) - 1)] + [1.0]
                label = name.replace(f" N={n}", "").replace("relay own", "relay, from release chunk (excl. hold-back)")
                ax.plot([max(x, 0.01) for x in xs], ys, style, label=label)
            ax.set_xscale("log")
            ax.set_xlabel("per-token latency, upstream send → client receipt (ms, log)")
            ax.set_ylabel("fraction of tokens")
            ax.set_title(f"N = {n} streams × {res['scenario']['tps']:g} tok/s")
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=8, loc="lower right")
        for ax in [a for row in axes for a in row][len(ns) :]:
            ax.axis("off")
        fig.tight_layout()
        path = out_dir / f"{stem}-latency-cdf.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    if ns:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for key, metric, style, label in (
            ("relay", "latency_ms", "C0o-", "splice-relay"),
            ("relay", "own_latency_ms", "C0s:", "splice-relay excl. hold-back"),
            ("litellm", "latency_ms", "C3o-", "LiteLLM proxy"),
        ):
            pts = [
                (p["n"], p[f"{key}_added_ms"][metric]["p99"])
                for p in res["phases"]
                if f"{key}_added_ms" in p and p[f"{key}_added_ms"][metric]["p99"] is not None
            ]
            if pts:
                ax.plot([x for x, _ in pts], [max(y, 0.1) for _, y in pts], style, label=label)
        repeats = [
            (r["n"], r["relay_added_ms"]["latency_ms"]["p99"])
            for r in res.get("repeats") or []
            if r["relay_added_ms"]["latency_ms"]["p99"] is not None
        ]
        if repeats:
            ax.plot(
                [x for x, _ in repeats],
                [max(y, 0.1) for _, y in repeats],
                "C0x",
                ms=8,
                label="splice-relay, repeats (fresh relays)",
            )
        ax.axhline(50, color="grey", ls="--", lw=1, label="50 ms (sustainable)")
        ax.axhline(5, color="green", ls="--", lw=1, label="5 ms (target at N=500)")
        ax.set_yscale("log")
        ax.set_xlabel("concurrent streams N")
        ax.set_ylabel("added p99 per token vs direct (ms, log)")
        ax.set_title(f"added p99 per token, {res['scenario']['tps']:g} tok/s per stream")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        path = out_dir / f"{stem}-added-p99.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written


def profile_summary(path: Path, top: int = 15) -> dict[str, Any]:
    """Top frames of a py-spy ``--format raw`` profile (collapsed stacks: ``a;b;c count``)."""
    self_time: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    by_package: dict[str, int] = {}
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        leaf = frames[-1]
        self_time[leaf] = self_time.get(leaf, 0) + n
        package = _package(leaf)
        by_package[package] = by_package.get(package, 0) + n
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + n

    def ranked(table: dict[str, int]) -> list[list[Any]]:
        return (
            [[frame, round(100 * n / total, 1)] for frame, n in sorted(table.items(), key=lambda kv: -kv[1])[:top]]
            if total
            else []
        )

    return {
        "samples": total,
        "self_pct": ranked(self_time),
        "inclusive_pct": ranked(inclusive),
        "self_by_package_pct": ranked(by_package),
    }


def _package(frame: str) -> str:
    """``func (uvicorn/protocols/http/x.py:12)`` -> ``uvicorn``; the loop's own frames -> ``event loop (uvloop, C)``."""
    if "(" not in frame:
        return "?"
    where = frame.rsplit("(", 1)[1].rstrip(")")
    path = where.rsplit(":", 1)[0]
    if path.startswith("asyncio/runners.py"):
        return "event loop (uvloop, C: epoll, transports, callbacks)"
    parts = [p for p in path.split("/") if p]
    if "site-packages" in parts:
        parts = parts[parts.index("site-packages") + 1 :]
    return parts[0].removesuffix(".py") if parts else "?"
