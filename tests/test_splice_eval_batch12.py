"""The twelfth held-out batch: its texts are well formed and its behaviours apply to a good share of its cases."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from splice.eval.batch12 import BATCH12_BEHAVIOURS, BATCH_12, batch12_output
from splice.eval.simulate import BATCHES, _batch_plan, build_cases, run_case


def test_texts_are_non_empty() -> None:
    assert len(BATCH_12) == 15
    assert all(text.strip() for _, _, text in BATCH_12)


def test_names_are_unique_and_prefixed() -> None:
    names = [name for name, _, _ in BATCH_12]
    assert len(set(names)) == len(names)
    assert all(name.startswith("b12_") for name in names)


def test_kinds_are_new() -> None:
    older = {kind for batch in BATCHES if batch != "batch12" for _, kind, _, _, own in _batch_plan(batch) if own}
    kinds = [kind for _, kind, _ in BATCH_12]
    assert len(set(kinds)) == len(kinds)
    assert not set(kinds) & older


@pytest.mark.parametrize("behaviour", BATCH12_BEHAVIOURS)
def test_behaviour_returns_none_or_text(behaviour: str) -> None:
    rng = random.Random(12)
    for _, _, text in BATCH_12:
        for cut in range(0, len(text) + 1, 97):
            out = batch12_output(behaviour, text, text[:cut], "en", rng)
            assert out is None or isinstance(out, str)


def test_each_behaviour_applies_to_a_fifth_of_the_cases() -> None:
    cases = [case for case in build_cases(corpus="batch12") if case.behaviour in BATCH12_BEHAVIOURS]
    total = Counter(case.behaviour for case in cases)
    applied = Counter(case.behaviour for case in cases if run_case(case) is not None)
    for behaviour in BATCH12_BEHAVIOURS:
        assert applied[behaviour] >= 0.2 * total[behaviour], (behaviour, applied[behaviour], total[behaviour])
