"""The no-harm sweep: a fallback that continues exactly must come out unchanged, wherever the cut falls.

The eval cuts each text at one seeded point of each kind; the sweep cuts every text of a
corpus at `cuts` seeded points anywhere and feeds the seam repair the exact rest, in both
continuation modes (a prefill fallback, and an instruct one that happens to continue
exactly) with the hold-back on and off. Whatever the repair changes there is harm: the
reader loses or gains text that a correct fallback did not write.
"""

from __future__ import annotations

import random
from typing import Any

from splice.seam import SeamRepair

from .simulate import CORPORA, Case, Outcome, batch_texts, run_case

__all__ = ["MODES", "NO_HARM_FLOOR", "sweep", "sweep_texts"]

MODES = ("prefill", "instruct")

#: The exact rate below which no sweep may fall (seed 1234, 40 cuts per text), ratcheted up as rules improve.
NO_HARM_FLOOR: dict[str, float] = {
    "dev/prefill/on": 0.9976,
    "dev/prefill/off": 0.9974,
    "dev/instruct/on": 0.9879,
    "dev/instruct/off": 0.9867,
    "held-out/prefill/on": 0.9916,
    "held-out/prefill/off": 0.9883,
    "held-out/instruct/on": 0.9766,
    "held-out/instruct/off": 0.9683,
}


class _Instruct(SeamRepair):
    """The seam repair as it runs for an instruct-mode fallback (OpenAI-kind providers)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["mode"] = "instruct"
        super().__init__(*args, **kwargs)


def sweep_texts(corpus: str) -> list[tuple[str, str, str]]:
    """(name, kind, text) of every text written with the corpus's batches (or with one batch)."""
    return [text for batch in CORPORA.get(corpus, (corpus,)) for text in batch_texts(batch)]


def sweep(corpus: str = "dev", *, mode: str, holdback: bool, cuts: int = 40, seed: int = 1234) -> list[Outcome]:
    """An exact continuation of each text of `corpus` at `cuts` seeded points, through the seam repair."""
    seam_class = _Instruct if mode == "instruct" else SeamRepair
    outcomes = []
    for name, kind, text in sweep_texts(corpus):
        rng = random.Random(f"{seed}/{name}")
        for cut in sorted(rng.sample(range(1, len(text)), min(cuts, len(text) - 1))):
            case = Case(name, kind, "anywhere", cut, "exact", rng.randrange(1 << 30), holdback)
            outcome = run_case(case, seam_class=seam_class)
            if outcome is not None:
                outcomes.append(outcome)
    return outcomes
