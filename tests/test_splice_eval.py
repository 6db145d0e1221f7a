"""The eval itself, as a test: ≥ 99% of simulated splices must be clean."""

from __future__ import annotations

from splice.eval import is_clean, run_eval


def test_eval_clean_rate() -> None:
    outcomes = run_eval(seed=1234)
    assert len(outcomes) >= 200
    clean = sum(1 for o in outcomes if not o.problems)
    assert clean / len(outcomes) >= 0.99, [(o.case, o.problems) for o in outcomes if o.problems][:10]


def test_checker_is_strict() -> None:
    ref = "The quick brown fox jumps over the lazy dog. It was fast."
    sent = "The quick brown fox "
    assert is_clean(ref, sent, ref) == []
    assert any("repeated" in p for p in is_clean(ref, sent, sent + "brown fox jumps over the lazy dog. It was fast."))
    assert any("double space" in p for p in is_clean(ref, sent, sent + " jumps over the lazy dog. It was fast."))
    assert any("preamble" in p for p in is_clean(ref, sent, sent + "Sure, continuing: jumps over the lazy dog. It was fast."))
    assert any("restarted" in p for p in is_clean(ref, sent, sent + "The quick brown fox jumps over the lazy dog. It was fast."))
    assert is_clean(ref, sent, "The quick red fox") == ["sent text was changed"]
    md = "1. a\n2. b\n3. c\n"
    assert any("numbering" in p for p in is_clean(md, "1. a\n2. b\n", "1. a\n2. b\n1. c\n"))
    code = "```python\nx = 1\n```\n"
    assert any("fence" in p for p in is_clean(code, "```python\n", "```python\n```python\nx = 1\n```\n"))
    js = '{"a": 1}'
    assert any("JSON" in p for p in is_clean(js, '{"a": ', '{"a": {"a": 1}'))
