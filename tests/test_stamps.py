"""The load's send-time stamps: two single-token words that any split of the text reads back."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from loadtest.stamps import STAMP_MASK, StampReader, encode_stamp, sent_ns, stamp_words
from relay.tokens import get_encoding

NOW = 1_796_457_722_592_251_838  # a time_ns of 2026


def test_words_are_single_tokens_and_prefix_free() -> None:
    words = stamp_words()
    assert len(words) == len(set(words)) == 2**15
    encoding = get_encoding("o200k_base")
    assert all(len(encoding.encode_ordinary(" " + word)) == 1 for word in words[::97])
    ordered = sorted(words)
    assert not any(b.startswith(a) for a, b in zip(ordered, ordered[1:]))


def test_a_stamp_is_two_tokens() -> None:
    text = "".join(encode_stamp(NOW + i * 50_000_000) for i in range(20))
    assert len(get_encoding("o200k_base").encode_ordinary(text)) == 40


@given(delay_us=st.integers(0, STAMP_MASK), sent=st.integers(10**18, 2 * 10**18))
def test_sent_time_is_exact_for_any_delay_within_the_window(delay_us: int, sent: int) -> None:
    sent = sent // 1000 * 1000
    recv = sent + delay_us * 1000 + 999
    value = (sent // 1000) & STAMP_MASK
    assert sent_ns(value, recv) == sent


@settings(max_examples=200)
@given(gaps=st.lists(st.integers(1, 10**9), min_size=1, max_size=30), cuts=st.sets(st.integers(1, 800)))
def test_reader_reads_every_stamp_however_the_text_is_cut(gaps: list[int], cuts: set[int]) -> None:
    times, t = [], NOW
    for gap in gaps:
        t += gap
        times.append(t)
    text = "".join(encode_stamp(x) for x in times)
    reader = StampReader()
    bounds = [0, *sorted(c for c in cuts if c < len(text)), len(text)]
    receipt = times[-1] + 5_000_000
    for start, end in zip(bounds, bounds[1:]):
        reader.feed(text[start:end], receipt)
    assert reader.sent == [x // 1000 * 1000 for x in times]
    assert reader.recv == [receipt] * len(times)


def test_a_stamp_is_received_when_its_second_word_arrives() -> None:
    reader = StampReader()
    high, low = encode_stamp(NOW)[1:].split(" ")
    reader.feed(" " + high, NOW + 1_000)
    assert reader.sent == []
    reader.feed(" " + low[:2], NOW + 2_000)  # cut: no stamp word is the start of another
    assert reader.sent == []
    reader.feed(low[2:] + encode_stamp(NOW + 10**6), NOW + 3_000_000)
    assert reader.sent == [NOW // 1000 * 1000, (NOW + 10**6) // 1000 * 1000]
    assert reader.recv == [NOW + 3_000_000] * 2


def test_other_words_are_skipped() -> None:
    reader = StampReader()
    reader.feed(" Hello, world." + encode_stamp(NOW) + " and then", NOW + 1_000_000)
    assert reader.sent == [NOW // 1000 * 1000]
