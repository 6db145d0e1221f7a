"""HoldBack: whole words only, never a broken grapheme, nothing lost."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from splice.holdback import HoldBack


def feed_all(chunks: list[str]) -> tuple[list[str], HoldBack]:
    hb = HoldBack()
    return [hb.feed(c) for c in chunks], hb


def test_holds_partial_word_until_boundary() -> None:
    hb = HoldBack()
    assert hb.feed("Hello wor") == "Hello "
    assert hb.held == "wor"
    assert hb.feed("ld, how") == "world, "
    assert hb.flush() == "how"


def test_drop_returns_fragment_and_forgets_it() -> None:
    hb = HoldBack()
    assert hb.feed("The quick bro") == "The quick "
    assert hb.drop() == "bro"
    assert hb.held == "" and hb.flush() == ""


def test_whitespace_releases_everything() -> None:
    hb = HoldBack()
    assert hb.feed("line one\n") == "line one\n"
    assert hb.held == ""


def test_long_word_is_released_at_cap() -> None:
    hb = HoldBack(max_hold=32)
    url = "https://example.com/" + "a" * 60
    out = hb.feed(url)
    assert out and len(hb.held) <= 32
    assert out + hb.held == url


def test_cjk_holds_at_most_two_chars() -> None:
    hb = HoldBack()
    assert hb.feed("我们今天去公园") == "我们今天去"
    assert hb.held == "公园"
    assert hb.feed("。") == "公园。"


def test_zwj_sequence_not_split() -> None:
    family = "👨\u200d👩\u200d👧"
    hb = HoldBack(max_hold=4, nospace_hold=1)
    out = hb.feed("x" * 10 + family[:2])  # ends with a ZWJ: the emoji is not finished
    assert not out.endswith("\u200d") and not hb.held.startswith("\u200d")
    assert out + hb.held == "x" * 10 + family[:2]


def test_combining_mark_stays_with_base() -> None:
    hb = HoldBack()
    out = hb.feed("cafe\u0301\u0301 " + "日本語" + "\u3099")
    assert out + hb.held == "cafe\u0301\u0301 日本語\u3099"
    assert not hb.held.startswith("\u3099")


def test_lone_regional_indicator_held() -> None:
    hb = HoldBack(nospace_hold=0, max_hold=3)
    out = hb.feed("🇩🇪🇫")
    assert out + hb.held == "🇩🇪🇫"
    assert hb.held.startswith("🇫") or hb.held == "🇩🇪🇫"


text_st = st.text(st.characters(codec="utf-8"), max_size=200)


@settings(max_examples=300, deadline=None)
@given(st.lists(text_st, max_size=20))
def test_feed_plus_flush_is_identity(chunks: list[str]) -> None:
    outs, hb = feed_all(chunks)
    assert "".join(outs) + hb.flush() == "".join(chunks)


@settings(max_examples=300, deadline=None)
@given(st.lists(text_st, max_size=20))
def test_feed_plus_drop_is_identity_and_held_is_capped(chunks: list[str]) -> None:
    hb = HoldBack()
    outs = []
    for c in chunks:
        outs.append(hb.feed(c))
        assert len(hb.held) <= hb.max_hold
    assert "".join(outs) + hb.drop() == "".join(chunks)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", "b ", " ", "\n", "é", "\u0301", "\u200d", "👩", "🏽", "🇩", "中", "。", "x" * 40]),
        max_size=40,
    )
)
def test_released_text_never_ends_inside_a_grapheme(chunks: list[str]) -> None:
    hb = HoldBack()
    sent = ""
    for c in chunks:
        sent += hb.feed(c)
        rest = hb.held
        if (
            sent and rest and not sent[-1].isspace() and sent[-1] != "。"
        ):  # a mark after a released boundary cannot be helped
            assert sent[-1] != "\u200d"
            assert rest[0] not in ("\u0301", "\u200d", "🏽")


def test_release_keeps_only_an_unfinished_last_grapheme() -> None:
    """A fallback's first word goes out before its whitespace, but never half a character."""
    for text, released, held in [
        ("mouths", "mouths", ""),
        ("caf", "caf", ""),
        ("ok \U0001f468\u200d", "ok ", "\U0001f468\u200d"),  # the ZWJ sequence is still growing
        ("a\U0001f1e9", "a", "\U0001f1e9"),  # half a flag
        ("a\U0001f1e9\U0001f1ea", "a\U0001f1e9\U0001f1ea", ""),  # a whole flag
    ]:
        hold = HoldBack()
        out = hold.feed(text)
        assert (out + hold.release(), hold.held) == (released, held), text
