"""The eval itself, as a test: its targets, and no category below its floor."""

from __future__ import annotations

import pytest

from splice.eval import Outcome, category_rates, is_clean
from splice.eval.floor import FLOOR
from splice.eval.simulate import build_cases, run_case
from splice.seam import SeamRepair
from tests.eval_runs import outcomes as _outcomes

#: The first test waits for every eval run and sweep (`tests.eval_runs`), shared out over the cores.
pytestmark = pytest.mark.timeout(1800)

#: Why the development corpus misses its target: batch 15 joined it this round (95.2% / 93.4% now); quote_style
#: (23%), capital_start (30 / 43%), emoji_decorated (81%) and near_echo (86 / 84%) are partly answered.
_DEV_FIGURES = (
    "batches 0-15 (batch 15 joined it; quote_style, capital_start, emoji_decorated and near_echo are partly "
    "answered): 55824/57618 = 96.89% (on), 54408/56731 = 95.91% (off)"
)


def _rate(outcomes: list[Outcome]) -> float:
    return sum(1 for o in outcomes if not o.problems) / len(outcomes)


def test_eval_clean_rate() -> None:
    """The development corpus as a whole stays where it is (96.89% since batch 15 joined; each category has a floor)."""
    outcomes = _outcomes("dev", True)
    assert len(outcomes) >= 200
    assert _rate(outcomes) >= 0.9688, [(o.case, o.problems) for o in outcomes if o.problems][:10]


@pytest.mark.xfail(strict=True, reason=_DEV_FIGURES)
def test_dev_target() -> None:
    """The development corpus's target: >= 99.5% with the hold-back on, >= 98% off."""
    assert _rate(_outcomes("dev", True)) >= 0.995
    assert _rate(_outcomes("dev", False)) >= 0.98


@pytest.mark.parametrize("run", sorted(FLOOR))
def test_no_category_falls_below_its_floor(run: str) -> None:
    """Every rule is property-tested over the whole corpus: no category of either corpus, hold-back on or off, drops."""
    corpus, holdback = run.split("/")
    rates = category_rates(_outcomes(corpus, holdback == "on"))
    assert set(rates) == set(FLOOR[run])
    assert {k: (v, FLOOR[run][k]) for k, v in rates.items() if v < FLOOR[run][k]} == {}


def _held_out_rates() -> dict[bool, float]:
    outcomes = {holdback: _outcomes("held-out", holdback) for holdback in (True, False)}
    return {hb: sum(1 for o in out if not o.problems) / len(out) for hb, out in outcomes.items()}


@pytest.mark.xfail(
    strict=True,
    reason="held-out batch 16: 67.86% (on), 67.59% (off) (65.05% / 64.79% when written): of its four new fallback "
    "behaviours two are recognised by no rule (0%), one half (rest_indented 54%), and hard_wrap's 93% is whitespace "
    "the check folds; without them 95.18% / 94.24%, batch 15's behaviours on its texts 94.6%; issue 23 is open",
)
def test_held_out_targets() -> None:
    """The rules are judged on the held-out corpus: >= 99% hold-back on, >= 98% off, less than a point apart."""
    rates = _held_out_rates()
    assert rates[True] >= 0.99
    assert rates[False] >= 0.98
    assert rates[True] - rates[False] < 0.01


def test_hold_back_off_loses_less_than_a_point_on_the_dev_corpus() -> None:
    """A route without the hold-back gets a seam nearly as clean as one with it."""
    on, off = (_outcomes("dev", holdback) for holdback in (True, False))
    rate_on = sum(1 for o in on if not o.problems) / len(on)
    rate_off = sum(1 for o in off if not o.problems) / len(off)
    assert rate_on - rate_off < 0.01


def test_checker_is_strict() -> None:
    ref = "The quick brown fox jumps over the lazy dog. It was fast."
    sent = "The quick brown fox "
    assert is_clean(ref, sent, ref) == []
    assert any("repeated" in p for p in is_clean(ref, sent, sent + "brown fox jumps over the lazy dog. It was fast."))
    assert any("double space" in p for p in is_clean(ref, sent, sent + " jumps over the lazy dog. It was fast."))
    assert any(
        "preamble" in p for p in is_clean(ref, sent, sent + "Sure, continuing: jumps over the lazy dog. It was fast.")
    )
    assert any(
        "restarted" in p
        for p in is_clean(ref, sent, sent + "The quick brown fox jumps over the lazy dog. It was fast.")
    )
    assert is_clean(ref, sent, "The quick red fox") == ["sent text was changed"]
    md = "1. a\n2. b\n3. c\n"
    assert any("numbering" in p for p in is_clean(md, "1. a\n2. b\n", "1. a\n2. b\n1. c\n"))
    code = "```python\nx = 1\n```\n"
    assert any("fence" in p for p in is_clean(code, "```python\n", "```python\n```python\nx = 1\n```\n"))
    js = '{"a": 1}'
    assert any("JSON" in p for p in is_clean(js, '{"a": ', '{"a": {"a": 1}'))


class _AlwaysWaitMidWord(SeamRepair):
    """The seam as it was before `_opens_nothing`: never decides in the middle of a word."""

    def _opens_nothing(self) -> bool:
        return False


def test_deciding_a_plain_first_word_early_changes_no_outcome() -> None:
    """Deciding at a first word nothing could act on (a chunk sooner) gives the same text as waiting for its end."""
    cases = build_cases(seed=99, corpus="batch0")  # a seed the clean-rate test does not use
    early = [run_case(case) for case in cases]
    waited = [run_case(case, seam_class=_AlwaysWaitMidWord) for case in cases]
    compared = [(a, b) for a, b in zip(early, waited) if a is not None and b is not None]
    assert len(compared) > 800
    assert [a.case for a, b in compared if a.final != b.final] == []
