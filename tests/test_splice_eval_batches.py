"""The independently written batches (12 onwards): texts well formed, kinds new, behaviours applying to a fifth of
their cases."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from types import ModuleType

import pytest

from splice.eval import batch12, batch13, batch14, batch15, batch16
from splice.eval.simulate import BATCHES, _batch_plan, build_cases, run_case

#: (number, module) of each batch tested here; a module holds BATCH_<n>, BATCH<n>_BEHAVIOURS, batch<n>_output.
_BATCHES = [(12, batch12), (13, batch13), (14, batch14), (15, batch15), (16, batch16)]


def _texts(n: int, module: ModuleType) -> list[tuple[str, str, str]]:
    texts: list[tuple[str, str, str]] = getattr(module, f"BATCH_{n}")
    return texts


def _behaviours(n: int, module: ModuleType) -> list[str]:
    behaviours: list[str] = getattr(module, f"BATCH{n}_BEHAVIOURS")
    return behaviours


def _output(n: int, module: ModuleType) -> Callable[..., str | None]:
    output: Callable[..., str | None] = getattr(module, f"batch{n}_output")
    return output


@pytest.mark.parametrize(("n", "module"), _BATCHES)
def test_texts_are_non_empty(n: int, module: ModuleType) -> None:
    texts = _texts(n, module)
    assert len(texts) == 15
    assert all(text.strip() for _, _, text in texts)


@pytest.mark.parametrize(("n", "module"), _BATCHES)
def test_names_are_unique_and_prefixed(n: int, module: ModuleType) -> None:
    names = [name for name, _, _ in _texts(n, module)]
    assert len(set(names)) == len(names)
    assert all(name.startswith(f"b{n}_") for name in names)


@pytest.mark.parametrize(("n", "module"), _BATCHES)
def test_kinds_are_new(n: int, module: ModuleType) -> None:
    earlier = BATCHES[: BATCHES.index(f"batch{n}")]
    older = {kind for batch in earlier for _, kind, _, _, own in _batch_plan(batch) if own}
    kinds = [kind for _, kind, _ in _texts(n, module)]
    assert len(set(kinds)) == len(kinds)
    assert not set(kinds) & older


@pytest.mark.parametrize(("n", "module"), _BATCHES)
def test_behaviours_return_none_or_text(n: int, module: ModuleType) -> None:
    rng = random.Random(n)
    output = _output(n, module)
    for behaviour in _behaviours(n, module):
        for _, _, text in _texts(n, module):
            for cut in range(0, len(text) + 1, 97):
                out = output(behaviour, text, text[:cut], "en", rng)
                assert out is None or isinstance(out, str)


@pytest.mark.parametrize(("n", "module"), _BATCHES)
def test_unknown_behaviour_raises(n: int, module: ModuleType) -> None:
    with pytest.raises(ValueError):
        _output(n, module)("no_such_behaviour", "some text", "some te", "en", random.Random(0))


@pytest.mark.parametrize(("n", "module"), _BATCHES)
def test_each_behaviour_applies_to_a_fifth_of_the_cases(n: int, module: ModuleType) -> None:
    behaviours = _behaviours(n, module)
    cases = [case for case in build_cases(corpus=f"batch{n}") if case.behaviour in behaviours]
    total = Counter(case.behaviour for case in cases)
    applied = Counter(case.behaviour for case in cases if run_case(case) is not None)
    for behaviour in behaviours:
        assert applied[behaviour] >= 0.2 * total[behaviour], (behaviour, applied[behaviour], total[behaviour])
