"""The no-harm sweep as a test: a fallback that continues exactly is left as it is, at any cut."""

from __future__ import annotations

import pytest

from splice.eval.sweep import NO_HARM_FLOOR, sweep
from tests.eval_runs import swept

#: The first test may wait for every eval run and sweep (`tests.eval_runs`), shared out over the cores.
pytestmark = pytest.mark.timeout(1800)


@pytest.mark.parametrize("run", sorted(NO_HARM_FLOOR))
def test_exact_continuations_are_not_harmed_more_often_than_the_floor(run: str) -> None:
    outcomes = swept(run)
    rate = round(sum(1 for o in outcomes if not o.problems) / len(outcomes), 4)
    harmed = [(o.case.name, o.case.cut, o.problems[0]) for o in outcomes if o.problems]
    assert rate >= NO_HARM_FLOOR[run], harmed[:10]


def test_the_sweep_can_fail() -> None:
    """A repair that drops the fallback's first character is caught by the sweep's checker."""
    from splice.eval.simulate import run_case
    from splice.seam import SeamRepair

    class Dropping(SeamRepair):
        def feed(self, chunk: str) -> str:
            if not getattr(self, "_dropped_one", False) and chunk:
                self._dropped_one = True
                chunk = chunk[1:]
            return super().feed(chunk)

    case = sweep("batch0", mode="prefill", holdback=True, cuts=1)[0].case
    assert run_case(case, seam_class=Dropping).problems  # type: ignore[union-attr]
