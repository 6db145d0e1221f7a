"""Rule K: a first word capitalised as if a new message began, after a cut in mid-sentence."""

from __future__ import annotations

import time

import pytest

from splice.case import lower_first_word

from .test_splice_seam import splice

SENT = "The subtotal should be checked: it should "


@pytest.mark.parametrize("chunk", [None, 1, 200])
def test_capital_after_a_mid_sentence_cut_is_lowered(chunk: int | None) -> None:
    assert splice(SENT, "Be 48.50 before tax.", chunk=chunk, mode="instruct") == SENT + "be 48.50 before tax."


def test_prefill_mode_keeps_the_case() -> None:
    assert splice(SENT, "Be 48.50", chunk=2, mode="prefill") == SENT + "Be 48.50"


@pytest.mark.parametrize(
    ("sent", "head"),
    [
        ("It ends. ", "Be quick about it."),  # a sentence ended
        ("Name the folder after Paris or ", "Paris will do."),  # no lowercase "paris" in the text
        ("We use Go and be careful with ", "Go modules."),  # the text writes "Go" mid-sentence
        ("Items:\n- first be\n", "Be second"),  # a list line may end there
        ("It should be as in *Advances in ", "Be Careful*"),  # inside emphasis: a title
        ("When you should be done, hit ", "Be: the label"),  # a label
        ("It should be ", "NASA that be"),  # an acronym
        ("Should be\n\n", "Be here"),  # a blank line: a new paragraph
    ],
)
def test_names_titles_and_new_sentences_keep_their_case(sent: str, head: str) -> None:
    assert lower_first_word(sent, sent, head, in_code=False) == head


def test_code_keeps_the_case() -> None:
    assert lower_first_word(SENT, SENT, "Be", in_code=True) == "Be"


def test_line_break_inside_a_sentence() -> None:
    sent = "A line that should be wrapped and\n"
    assert lower_first_word(sent, sent, "Wrapped again", in_code=False) == "wrapped again"


@pytest.mark.parametrize("char", ["a", "A", " ", "\t", " \t", "\n", "*", "B"])
def test_hostile_text_is_fast(char: str) -> None:
    text = "it should be " + char * 10_000
    started = time.perf_counter()
    lower_first_word(text, text, "Be" + char * 10_000, in_code=False)
    lower_first_word(text + " ", text + " ", "Should", in_code=False)
    lower_first_word("it should be ", "it should be ", char * 10_000, in_code=False)  # a head of it, from its start
    lower_first_word("it should be ", "it should be ", char * 10_000 + "!", in_code=False)
    assert time.perf_counter() - started < 0.5  # linear: a few ms; a quadratic scan of 10k chars: seconds


@pytest.mark.parametrize(
    ("sent", "head", "expected"),
    [
        ("The answer is that the query ", "Times out often.", None),  # unwritten word: no evidence, kept
        ("If it fails, we ", "Retry it.", "retry it."),  # after a subject pronoun
        ("It gets better once your ", "Browser reloads.", "browser reloads."),  # after a possessive
        ("Le secret est que ", "Nous parlons.", "nous parlons."),  # a closed-class word (French)
        ("Москва — ", "Это столица.", "это столица."),  # after a dash, Cyrillic closed-class word
        ("The server then ", "Restarts the pod.", None),  # "then" is no predicate word: kept
    ],
)
def test_unwritten_words(sent: str, head: str, expected: str | None) -> None:
    assert lower_first_word(sent, sent, head, in_code=False) == (expected or head)


@pytest.mark.parametrize(
    ("sent", "head"),
    [
        ("We met Gutenberg here. The machine that we ", "Gutenberg built."),  # written capitalised mid-sentence
        ("It was Johannes ", "Gutenberg who built it."),  # after a mid-sentence capital: a name goes on
        ("Die Stadt hat viele Häuser und Straßen und die Bürger sind froh und die Bäume blühen und ", "Es regnet."),
        ("12.1 ", "Either party may end it."),  # a clause number, not a sentence
        ("Done. — ", "More water, please."),  # a dash after a sentence end
        ("It opens an ", "Open"),  # the word may still go on ("OpenAPI")
        ("White plays e4 and then he ", "Be7 follows."),  # a word with a digit is a token ("Be7")
    ],
)
def test_unwritten_words_that_stay(sent: str, head: str) -> None:
    assert lower_first_word(sent, sent, head, in_code=False) == head


def test_code_span_stars_are_not_emphasis() -> None:
    sent = "Call `gather(*aws)` and if they "
    assert lower_first_word(sent, sent, "Raise an error.", in_code=False) == "raise an error."


@pytest.mark.parametrize("char", ["a", "A", " ", "\n", "—"])
def test_hostile_unwritten_word_is_fast(char: str) -> None:
    sent = "we " + char * 10_000 + " we "
    started = time.perf_counter()
    for _ in range(3):
        lower_first_word(sent, sent, "Gather " + char * 10_000, in_code=False)
    assert time.perf_counter() - started < 0.5  # linear: a few ms; a quadratic scan of 10k chars: seconds


FEW_NAMES = "we keep the cache warm and small so that every request can be answered quickly and cheaply here. "


def test_after_an_article_in_a_text_that_writes_few_names() -> None:
    sent = FEW_NAMES + "Then the "
    assert lower_first_word(sent, sent, "Cache expires.", in_code=False) == "cache expires."


@pytest.mark.parametrize(
    "sent",
    [
        "Here is a ",  # too little text to know its habit
        "We deploy with Docker and Helm and watch Grafana and Loki in Berlin and Paris daily, then the ",  # names
    ],
)
def test_after_an_article_a_capital_may_be_a_name(sent: str) -> None:
    assert lower_first_word(sent, sent, "Python script.", in_code=False) == "Python script."


def test_the_habit_is_read_from_the_whole_text_not_the_tail() -> None:
    whole = "Gutenberg printed in Mainz for Europe. " + FEW_NAMES + "It spread from the "
    tail = whole[-60:]
    assert lower_first_word(tail, whole, "Reformation on.", in_code=False) == "Reformation on."


def test_inside_bold_when_the_texts_bold_spans_are_in_sentence_case() -> None:
    sent = "1. **Build the image locally** first.\n2. **Push "
    assert lower_first_word(sent, sent, "The image** next.", in_code=False) == "the image** next."
    titled = "1. **Build The Image Locally** first.\n2. **Push "
    assert lower_first_word(titled, titled, "The Image** next.", in_code=False) == "The Image** next."


def test_a_lowercase_i_is_no_english_pronoun() -> None:
    # Hawaiian "i" (to) before a place name: the capital is the name's.
    sent = "## Nā wahi\n\nAloha! Ua hele mākou i nā kahakai a me nā mauna ma mua o ko mākou huakaʻi i "
    assert lower_first_word(sent, sent, "Oʻahu. Eia", in_code=False) == "Oʻahu. Eia"
