"""The thirteenth held-out batch: its texts are well formed and its behaviours apply to a good share of its cases."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from splice.eval.batch13 import BATCH13_BEHAVIOURS, BATCH_13, batch13_output
from splice.eval.simulate import BATCHES, _batch_plan, build_cases, run_case


def test_texts_are_non_empty() -> None:
    assert len(BATCH_13) == 15
    assert all(text.strip() for _, _, text in BATCH_13)


def test_names_are_unique_and_prefixed() -> None:
    names = [name for name, _, _ in BATCH_13]
    assert len(set(names)) == len(names)
    assert all(name.startswith("b13_") for name in names)


def test_kinds_are_new() -> None:
    older = {kind for batch in BATCHES if batch != "batch13" for _, kind, _, _, own in _batch_plan(batch) if own}
    kinds = [kind for _, kind, _ in BATCH_13]
    assert len(set(kinds)) == len(kinds)
    assert not set(kinds) & older


@pytest.mark.parametrize("behaviour", BATCH13_BEHAVIOURS)
def test_behaviour_returns_none_or_text(behaviour: str) -> None:
    rng = random.Random(13)
    for _, _, text in BATCH_13:
        for cut in range(0, len(text) + 1, 97):
            out = batch13_output(behaviour, text, text[:cut], "en", rng)
            assert out is None or isinstance(out, str)


def test_unknown_behaviour_raises() -> None:
    with pytest.raises(ValueError):
        batch13_output("no_such_behaviour", "text", "te", "en", random.Random(0))


def test_each_behaviour_applies_to_a_fifth_of_the_cases() -> None:
    cases = [case for case in build_cases(corpus="batch13") if case.behaviour in BATCH13_BEHAVIOURS]
    total = Counter(case.behaviour for case in cases)
    applied = Counter(case.behaviour for case in cases if run_case(case) is not None)
    for behaviour in BATCH13_BEHAVIOURS:
        assert applied[behaviour] >= 0.2 * total[behaviour], (behaviour, applied[behaviour], total[behaviour])
