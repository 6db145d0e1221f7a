"""`python -m splice.eval [--seed N] [--per-kind N] [-v]`: print clean rates, exit 1 below 99%."""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict

from . import run_eval

THRESHOLD = 0.99


def _table(title: str, groups: dict[str, list[bool]]) -> None:
    print(f"\n{title}")
    for key in sorted(groups):
        values = groups[key]
        print(f"  {key:<22} {sum(values):>5}/{len(values):<5} {100 * sum(values) / len(values):6.1f}%")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m splice.eval")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--per-kind", type=int, default=1, help="cut points per cut kind and reference")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="show failures (-vv: full texts)")
    args = parser.parse_args(argv)

    outcomes = run_eval(args.seed, args.per_kind)
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
        if not ok and args.verbose:
            c = o.case
            print(f"FAIL {c.name} cut={c.cut_kind}@{c.cut} behaviour={c.behaviour} seed={c.seed} strategy={o.strategy}")
            for p in o.problems:
                print(f"     - {p}")
            if args.verbose > 1:
                print(
                    f"     sent tail: {o.sent[-80:]!r}\n     fallback:  {o.fallback[:120]!r}\n     emitted:   "
                    f"{o.final[len(o.sent) :][:120]!r}"
                )
    _table("clean rate per fallback behaviour", by_behaviour)
    _table("clean rate per kind of text", by_kind)
    _table("clean rate per cut point", by_cut)
    print("\nstrategies chosen: " + ", ".join(f"{k}={v}" for k, v in sorted(by_strategy.items())))
    total = len(outcomes)
    clean = sum(1 for o in outcomes if not o.problems)
    rate = clean / total if total else 0.0
    print(f"\noverall: {clean}/{total} clean = {100 * rate:.2f}%  (threshold {100 * THRESHOLD:.0f}%)")
    return 0 if rate >= THRESHOLD else 1


if __name__ == "__main__":
    sys.exit(main())
