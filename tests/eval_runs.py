"""The splice eval's runs the tests judge: every one computed once per session, in worker processes.

The four eval runs and eight no-harm sweeps are independent and CPU-bound; one process per core
shares them out, longest first, and the tests read the results from `outcomes` and `swept`.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from functools import cache

from splice.eval import Outcome, run_eval
from splice.eval.sweep import NO_HARM_FLOOR, sweep

#: ("eval", corpus, "on" | "off") and ("sweep", corpus, mode, "on" | "off"), the longest first: here the dev evals
#: took about 300 s each, the dev sweeps 20 s, the held-out evals 40 s and the held-out sweeps 3 s.
RUNS: list[tuple[str, ...]] = [
    *(("eval", "dev", hb) for hb in ("on", "off")),
    *(("sweep", *run.split("/")) for run in sorted(NO_HARM_FLOOR) if run.startswith("dev/")),
    *(("eval", "held-out", hb) for hb in ("on", "off")),
    *(("sweep", *run.split("/")) for run in sorted(NO_HARM_FLOOR) if not run.startswith("dev/")),
]


def _run(run: tuple[str, ...]) -> list[Outcome]:
    if run[0] == "eval":
        result = run_eval(seed=1234, corpus=run[1], holdback=run[2] == "on")
    else:
        result = sweep(run[1], mode=run[2], holdback=run[3] == "on")
    # Clean outcomes go back without their texts: only a problem's texts are worth the pickling.
    return [o if o.problems else replace(o, sent="", fallback="", final="") for o in result]


@cache
def _all() -> dict[tuple[str, ...], list[Outcome]]:
    workers = max(1, min(len(RUNS), os.cpu_count() or 1))
    # spawn, not fork: the test process has threads (servers of earlier tests) a fork could copy mid-lock.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {run: pool.submit(_run, run) for run in RUNS}
        return {run: future.result() for run, future in futures.items()}


def outcomes(corpus: str, holdback: bool) -> list[Outcome]:
    """The eval's outcomes for `corpus` (seed 1234), hold-back on or off."""
    return _all()[("eval", corpus, "on" if holdback else "off")]


def swept(run: str) -> list[Outcome]:
    """The no-harm sweep's outcomes for `run` ("corpus/mode/on|off", as `NO_HARM_FLOOR` names it)."""
    return _all()[("sweep", *run.split("/"))]
