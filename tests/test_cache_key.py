"""The cache key's normaliser: invisible differences map to one key, differences in meaning do not."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from relay.cache.key import cache_key, content_text
from relay.cache.normalise import INVISIBLE, ZWJ, ZWNJ, collapse_by_line, collapse_whitespace, normalise_text

# Text drawn with what the rules act on: accents (NFC/NFD), joiners next to Persian, Devanagari
# and emoji, line breaks of every kind, code fences and indentation.
_PIECES = st.sampled_from(
    [
        "a",
        "b",
        "é",
        "e\u0301",
        "\u0301",
        " ",
        "  ",
        "\t",
        "\u00a0",
        "\u3000",
        "\n",
        "\r\n",
        "\r",
        "\u2028",
        "\u0085",
        "```",
        "~~~",
        "`",
        "    ",
        "می",
        "خواهم",
        "\u0915\u094d",
        "\u0937",
        "👩",
        "💻",
        "\ufe0f",
        "🏽",
        ZWJ,
        ZWNJ,
        *INVISIBLE,
    ]
)
_TEXTS = st.lists(_PIECES, max_size=40).map("".join)
_INVISIBLE = st.sampled_from(sorted(INVISIBLE))


def key_of(text: str, **overrides: object) -> str:
    fields: dict[str, object] = {
        "tenant": "t",
        "targets": ["oa/m"],
        "max_tokens": None,
        "temperature": 0.0,
        "messages": [{"role": "user", "content": text}],
    }
    fields.update(overrides)
    return cache_key(**fields)  # type: ignore[arg-type]


@settings(max_examples=600)
@given(_TEXTS)
def test_normalising_twice_changes_nothing(text: str) -> None:
    once = normalise_text(text)
    assert normalise_text(once) == once


@settings(max_examples=600)
@given(_TEXTS.map(lambda text: text.replace("\r", "")))
def test_prose_without_fences_collapses_as_it_would_line_by_line(text: str) -> None:
    assert collapse_whitespace(text) == collapse_by_line(text)


@settings(max_examples=400)
@given(_TEXTS, st.lists(st.tuples(st.integers(min_value=0), _INVISIBLE), max_size=5))
def test_invisible_characters_anywhere_give_the_same_key(text: str, inserts: list[tuple[int, str]]) -> None:
    noisy = text
    for position, char in inserts:
        at = position % (len(noisy) + 1)
        noisy = noisy[:at] + char + noisy[at:]
    assert normalise_text(noisy) == normalise_text(text)


@given(_TEXTS)
def test_nfd_and_nfc_give_the_same_key(text: str) -> None:
    assert key_of(unicodedata.normalize("NFD", text)) == key_of(unicodedata.normalize("NFC", text))


@given(_TEXTS, st.sampled_from(["\r\n", "\r", "\u2028", "\u2029", "\u0085"]))
def test_line_endings_give_the_same_key(text: str, ending: str) -> None:
    for other in ("\r", "\u2028", "\u2029", "\u0085"):
        text = text.replace(other, "")
    assert key_of(text.replace("\n", ending)) == key_of(text)


@given(st.lists(st.sampled_from(["word", "other", "é"]), min_size=2, max_size=8))
def test_a_different_word_changes_the_key(words: list[str]) -> None:
    changed = [*words[:-1], words[-1] + "x"]
    assert key_of(" ".join(words)) != key_of(" ".join(changed))


def test_each_rule_by_example() -> None:
    assert normalise_text("Tell me\u200b about\ufeff caches") == "Tell me about caches"
    assert normalise_text("\ufeffsoft\u00adware") == "software"
    assert normalise_text("price \u202e123\u202c") == "price 123"
    assert normalise_text("cafe\u0301") == "café"
    assert normalise_text("one\r\ntwo\rthree") == "one\ntwo\nthree"
    assert normalise_text("  Hello   \t world  \n\n\n\nBye  ") == "Hello world\n\nBye"
    assert normalise_text("- item\n  - nested") == "- item\n  - nested"  # indentation kept


def test_code_blocks_keep_their_whitespace() -> None:
    code = "Fix this:\n```python\ndef f():\n    return  1\n\n\n\n```\nThanks"
    assert normalise_text(code) == code
    assert normalise_text(code.replace("    return", "        return")) != normalise_text(code)
    assert key_of(code) != key_of(code.replace("    return", "  return"))


def test_meaningful_joiners_are_kept() -> None:
    persian = "می\u200cخواهم"  # "I want": ZWNJ keeps the prefix apart without a space
    assert normalise_text(persian) == persian
    assert key_of(persian) != key_of("میخواهم")
    family = "👩\u200d💻"  # one emoji (technologist): without the ZWJ, two
    assert normalise_text(family) == family
    assert key_of("I am " + family) != key_of("I am 👩💻")
    assert normalise_text("👍🏽\u200d👩") == "👍🏽\u200d👩"  # after a skin tone modifier
    half = "\u0915\u094d\u200d\u0937"  # Devanagari: ZWJ asks for the half form
    assert normalise_text(half) == half
    assert normalise_text("word\u200cword\u200dword") == "wordwordword"  # Latin: no meaning, removed
    assert normalise_text("می\u200b\u200cخواهم") == persian  # a stray ZWSP goes, the ZWNJ stays


def test_content_parts_join_as_the_provider_sees_them() -> None:
    parts = [{"type": "text", "text": "Hello "}, {"type": "text", "text": "world"}]
    assert content_text(parts) == "Hello world"
    assert key_of("Hello world") == cache_key(
        tenant="t", targets=["oa/m"], max_tokens=None, temperature=0.0, messages=[{"role": "user", "content": parts}]
    )


def test_what_reaches_the_upstream_is_in_the_key() -> None:
    base = key_of("Hi")
    assert key_of("Hi", tenant="u") != base
    assert key_of("Hi", targets=["oa/other"]) != base
    assert key_of("Hi", max_tokens=10) != base
    assert key_of("Hi", temperature=0.7) != base
    assert key_of("Hi", messages=[{"role": "system", "content": "Hi"}]) != base
