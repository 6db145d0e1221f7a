"""``python -m loadtest``: the relay's load test and benchmarks (see docs/benchmarks.md).

``--smoke`` runs in seconds (5 streams x 30 tokens, one failover, a few resumes; no LiteLLM,
no Redis, no plots) and is what ``make bench-smoke`` and the test suite run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .bench import Options, run
from .report import (
    latency_table,
    plots,
    summary_text,
    targets_table,
    variants_table,
    write_json,
)


def _ints(value: str) -> list[int]:
    return [int(part) for part in value.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest", description="Load test and benchmarks of splice-relay.")
    parser.add_argument("--smoke", action="store_true", help="a few seconds, small N, no LiteLLM/Redis/plots")
    parser.add_argument("--streams", type=_ints, help="concurrencies, e.g. 100,500,1000,2000")
    parser.add_argument("--tps", type=float, help="tokens per second per stream (default 20)")
    parser.add_argument("--tokens", type=int, help="tokens per stream (default 400)")
    parser.add_argument(
        "--idle-streams", type=int, help="streams held open for the idle-memory figure (default 1000, 0 skips it)"
    )
    parser.add_argument(
        "--idle-only",
        action="store_true",
        help="run only the idle phase (--idle-streams K waiting on their first token: RSS per stream, /healthz)",
    )
    parser.add_argument(
        "--healthz-samples", type=int, help="/healthz requests timed while the idle streams are open (default 100)"
    )
    parser.add_argument("--failover-streams", type=int, help="failovers measured (default 20, 0 skips them)")
    parser.add_argument("--resumes", type=int, help="resumes measured per store (default 200, 0 skips them)")
    parser.add_argument("--no-litellm", action="store_true", help="skip the LiteLLM comparison")
    parser.add_argument("--no-redis", action="store_true", help="skip the Redis store figures")
    parser.add_argument(
        "--redis-n", type=int, help="concurrency of the Redis-on load phase (default: the N nearest 500)"
    )
    parser.add_argument(
        "--workers", type=int, help="the Redis part also runs `serve --workers N` at --redis-n (default 2, 0 skips)"
    )
    parser.add_argument(
        "--holdback-on-n",
        type=_ints,
        help=(
            "concurrencies of the variant with holdback = true on the single-target route "
            "(default 200,500; '' runs none)"
        ),
    )
    parser.add_argument(
        "--repeats",
        type=int,
        help="after the sweep, this many more direct + relay phases at --repeat-n, each on a fresh relay "
        "(default 0): whether the sweep's figure there holds from phase to phase",
    )
    parser.add_argument("--repeat-n", type=int, help="the concurrency of --repeats (default 500, the target's)")
    parser.add_argument(
        "--isolate",
        action="store_true",
        help="keep every other movable task on the machine off the relay's core for the run, restored after "
        "(needs root or CAP_SYS_NICE; see loadtest/isolation.py)",
    )
    parser.add_argument(
        "--realtime",
        action="store_true",
        help="start the relay and LiteLLM under SCHED_FIFO (chrt), so nothing of normal priority preempts "
        "them (needs root or CAP_SYS_NICE; see loadtest/isolation.py)",
    )
    parser.add_argument("--no-plots", action="store_true")
    parser.add_argument(
        "--no-openai-chat", action="store_true", help="skip the relay through /v1/chat/completions beside native"
    )
    parser.add_argument("--profile-n", type=int, help="py-spy the relay during its phase at this N")
    parser.add_argument("--out", type=Path, help="results directory (default loadtest/results)")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results JSON here (smoke mode too)")
    parser.add_argument("--cache", action="store_true", help="only a cache hit's time to first token beside a miss's")
    parser.add_argument("--cache-rounds", type=int, default=20, help="with --cache: misses and hits measured")
    args = parser.parse_args(argv)
    if args.cache:
        from .bench_cache import main as bench_cache

        return bench_cache(["--rounds", str(args.cache_rounds), *(["--json", str(args.json)] if args.json else [])])

    options = Options.smoke_options() if args.smoke else Options()
    for name in (
        "streams",
        "tps",
        "tokens",
        "idle_streams",
        "failover_streams",
        "resumes",
        "redis_n",
        "workers",
        "profile_n",
        "repeats",
        "repeat_n",
        "healthz_samples",
    ):
        value = getattr(args, name)
        if value is not None:
            setattr(options, name, value)
    if args.holdback_on_n is not None:  # "" runs none
        options.holdback_on_n = tuple(args.holdback_on_n)
    if args.out:
        options.out_dir = args.out
    options.litellm = options.litellm and not args.no_litellm
    options.redis = options.redis and not args.no_redis
    options.plots = options.plots and not args.no_plots
    options.openai_chat = options.openai_chat and not args.no_openai_chat
    options.isolate = args.isolate
    options.realtime = args.realtime
    options.progress = not args.no_progress and (sys.stderr.isatty() or os.environ.get("LOADTEST_PROGRESS") != "0")
    options.idle_only = args.idle_only
    # Clients run in this process: two descriptors per stream with the direct baseline, one per idle stream.
    # The relay and the upstream inherit the limit raised here (the idle phase gives some streams no
    # reader when the relay's two per stream would not fit).
    needed = options.idle_streams + 100 if options.idle_only else max(options.streams) * 2 + 100
    if needed > _fd_limit():
        print(f"the file descriptor limit ({_fd_limit()}) is too low: this run needs {needed}", file=sys.stderr)
        return 2

    started = time.strftime("%Y%m%d-%H%M%S")
    results, cdf = run(options)
    results["command"] = "python -m loadtest " + " ".join(argv if argv is not None else sys.argv[1:])
    results["markdown"] = {
        "latency": latency_table(results),
        "targets": targets_table(results),
        "variants": variants_table(results),
    }
    if not options.smoke:
        stem = started
        if options.plots:
            try:
                results["plots"] = [str(p) for p in plots(results, cdf, options.out_dir, stem)]
            except ImportError:
                results.setdefault("notes", []).append("matplotlib not installed (pip install -e '.[bench]'): no plots")
        path = options.out_dir / f"{stem}.json"
        write_json(results, path)
        tables = [results["markdown"]["targets"]] if options.idle_only else results["markdown"].values()
        (options.out_dir / f"{stem}.md").write_text(
            f"# Load test {stem}\n\n`{results['command']}`\n\n" + "\n\n".join(tables) + "\n"
        )
        print(f"results: {path}")
    if args.json:
        write_json(results, args.json)
    print(summary_text(results))
    if not options.idle_only:
        print()
        print(results["markdown"]["latency"])
    return 0


def _fd_limit() -> int:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft


if __name__ == "__main__":
    sys.exit(main())
