"""The splice eval: `python -m splice.eval` cuts reference answers, simulates fallbacks, checks the seams."""

from .check import is_clean
from .simulate import Case, Outcome, build_cases, run_case

__all__ = ["is_clean", "Case", "Outcome", "build_cases", "run_case", "run_eval", "category_rates", "main"]


def run_eval(seed: int = 1234, per_kind: int = 1, *, corpus: str = "dev", holdback: bool = True) -> list[Outcome]:
    """Run every applicable case of `corpus` ("dev", "held-out" or one batch); skipped combinations are left out."""
    outcomes = []
    for case in build_cases(seed, per_kind, corpus=corpus, holdback=holdback):
        outcome = run_case(case)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


def category_rates(outcomes: list[Outcome]) -> dict[str, float]:
    """Clean rate per category ("behaviour:…", "kind:…", "cut:…"), rounded to 4 places."""
    groups: dict[str, list[int]] = {}
    for o in outcomes:
        for key in (f"behaviour:{o.case.behaviour}", f"kind:{o.case.kind}", f"cut:{o.case.cut_kind}"):
            counts = groups.setdefault(key, [0, 0])
            counts[0] += not o.problems
            counts[1] += 1
    return {key: round(clean / total, 4) for key, (clean, total) in sorted(groups.items())}


def main(argv: list[str] | None = None) -> int:
    from .__main__ import main as _main

    return _main(argv)
