"""`python -m splice.eval [--seed N] [--per-kind N] [-v]`: clean rates on both corpora, exit 1 below a target.

Four runs: the development corpus and the held-out one, each with the hold-back on and off.  The rules are judged
by the held-out score.  Then the no-harm sweep (`sweep.py`): exact continuations at many cuts per text, which the
repair must leave as they are.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict

from . import Outcome, run_eval
from .simulate import BATCHES
from .sweep import MODES, sweep

#: (corpus, hold-back) -> the clean rate it must reach (a single batch, `--corpus batch2`, is reported, not judged)
TARGETS = {("dev", True): 0.995, ("held-out", True): 0.99, ("held-out", False): 0.98, ("dev", False): 0.98}


def _table(title: str, groups: dict[str, list[bool]]) -> None:
    print(f"\n{title}")
    for key in sorted(groups):
        values = groups[key]
        print(f"  {key:<22} {sum(values):>5}/{len(values):<5} {100 * sum(values) / len(values):6.1f}%")


def _report(outcomes: list[Outcome], verbose: int, tables: bool) -> float:
    by_behaviour: dict[str, list[bool]] = defaultdict(list)
    by_kind: dict[str, list[bool]] = defaultdict(list)
    by_cut: dict[str, list[bool]] = defaultdict(list)
    by_strategy: dict[str, int] = defaultdict(int)
    for o in outcomes:
        ok = not o.problems
        by_behaviour[o.case.behaviour].append(ok)
        by_kind[o.case.kind].append(ok)
        by_cut[o.case.cut_kind].append(ok)
        by_strategy[o.strategy] += 1
        if not ok and verbose:
            c = o.case
            print(f"FAIL {c.name} cut={c.cut_kind}@{c.cut} behaviour={c.behaviour} seed={c.seed} strategy={o.strategy}")
            for p in o.problems:
                print(f"     - {p}")
            if verbose > 1:
                print(
                    f"     sent tail: {o.sent[-80:]!r}\n     fallback:  {o.fallback[:120]!r}\n     emitted:   "
                    f"{o.final[len(o.sent) :][:120]!r}"
                )
    if tables:
        _table("clean rate per fallback behaviour", by_behaviour)
        _table("clean rate per kind of text", by_kind)
        _table("clean rate per cut point", by_cut)
        print("\nstrategies chosen: " + ", ".join(f"{k}={v}" for k, v in sorted(by_strategy.items())))
    total = len(outcomes)
    return sum(1 for o in outcomes if not o.problems) / total if total else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m splice.eval")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--per-kind", type=int, default=1, help="cut points per cut kind and reference")
    parser.add_argument("--corpus", choices=["dev", "held-out", "all", *BATCHES], default="all")
    parser.add_argument("--holdback", choices=["on", "off", "both"], default="both")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="show failures (-vv: full texts)")
    parser.add_argument("--sweep-cuts", type=int, default=40, help="no-harm sweep: cuts per text (0 skips it)")
    args = parser.parse_args(argv)

    corpora = ["dev", "held-out"] if args.corpus == "all" else [args.corpus]
    holdbacks = [True, False] if args.holdback == "both" else [args.holdback == "on"]
    summary = []
    for corpus in corpora:
        for holdback in holdbacks:
            outcomes = run_eval(args.seed, args.per_kind, corpus=corpus, holdback=holdback)
            title = f"{corpus} corpus, hold-back {'on' if holdback else 'off'}"
            print(f"\n==== {title}")
            rate = _report(outcomes, args.verbose, tables=True)
            clean = sum(1 for o in outcomes if not o.problems)
            exact = sum(1 for o in outcomes if not o.problems and o.byte_exact)
            print(
                f"\nclean and byte for byte the reference: {exact}/{len(outcomes)} = {100 * exact / len(outcomes):.2f}%"
            )
            summary.append((title, clean, len(outcomes), rate, TARGETS.get((corpus, holdback))))
    if args.sweep_cuts:
        for corpus in corpora:
            for mode in MODES:
                for holdback in holdbacks:
                    outcomes = sweep(corpus, mode=mode, holdback=holdback, cuts=args.sweep_cuts, seed=args.seed)
                    title = f"{corpus} no-harm, {mode}, hold-back {'on' if holdback else 'off'}"
                    if args.verbose:
                        print(f"\n==== {title}")
                    rate = _report(outcomes, args.verbose, tables=False)
                    clean = sum(1 for o in outcomes if not o.problems)
                    summary.append((title, clean, len(outcomes), rate, None))
    print()
    for title, clean, total, rate, target in summary:
        if target is None:
            print(f"{title:<40} {clean:>5}/{total:<5} = {100 * rate:6.2f}%  (reported, not judged)")
            continue
        mark = "ok" if rate >= target else "BELOW TARGET"
        print(f"{title:<40} {clean:>5}/{total:<5} = {100 * rate:6.2f}%  (target {100 * target:.1f}%)  {mark}")
    return 0 if all(target is None or rate >= target for *_, rate, target in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
