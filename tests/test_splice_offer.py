"""Rule T (offers): a closing offer of more help after the continuation's last paragraph."""

from __future__ import annotations

import random
import time

import pytest

from splice.offer import MAX_OFFER, OfferHold, is_offer

from .test_splice_seam import splice

SENT = "Rainfall is the daily total; "
REST = "wind is the maximum gust.\n\n- Gusts are in km/h.\n- Totals are in mm.\n\nCheck the station list for gaps."

OFFERS = [
    "Let me know if you'd like me to expand on any part of this!",
    "I hope this helps! Feel free to ask if you have any questions.",
    "Would you like me to go into more detail on any of these points?",
    "Lass mich wissen, wenn du weitere Fragen hast!",
    "N'hésitez pas si vous avez d'autres questions !",
    "¡Avísame si necesitas algo más!",
    "Se precisar de mais alguma coisa, é só avisar!",
    "如果还有其他问题，欢迎随时提问！",
    "他にご質問があれば、お気軽にどうぞ！",
    "Якщо маєте ще запитання, звертайтеся!",
    "Nijulishe kama una maswali mengine!",
    "තවත් ප්\u200dරශ්න ඇත්නම් අසන්න!",
    "Өөр асуулт байвал асуугаарай!",
    "Fammi sapere se hai altre domande! 😊",
    "Daj znać, jeśli masz jakieś pytania.",
    "Başka sorunuz varsa çekinmeyin!",
]


@pytest.mark.parametrize("offer", OFFERS)
@pytest.mark.parametrize("gap", ["\n\n", "\n\n---\n\n", "\n\n***\n\n"])
@pytest.mark.parametrize("chunk", [None, 1, 7])
def test_closing_offer_goes(offer: str, gap: str, chunk: int | None) -> None:
    out = splice(SENT, REST + gap + offer + "\n", chunk=chunk, mode="instruct")
    assert out == SENT + REST + "\n"  # the blank line before the offer goes with it, the line break stays


@pytest.mark.parametrize(
    "last",
    [
        "Want me to add a column, such as GDP per capita or the official languages?",  # a specific offer
        "Aur haan, SSD upgrade sabse bada farak laata hai. Koi aur sawaal ho toh batayiye! 🙂",  # more than it
        "İyi yolculuklar! İsterseniz hangi semtte kalmanız gerektiğini de önerebilirim.",
        "If you have questions about the data, the station list names a contact.\nCall them.",  # two lines
        "- Let me know if anything is missing.",  # a list item
        "Check the rollout with `kubectl rollout status deployment/web`.",
    ],
)
def test_the_answers_own_last_paragraph_is_kept(last: str) -> None:
    head = REST + "\n\n" + last
    assert splice(SENT, head, chunk=3, mode="instruct") == SENT + head


def test_an_offer_that_is_not_last_is_kept() -> None:
    head = REST + "\n\nLet me know if you have questions.\n\nThe data ends in 2024."
    assert splice(SENT, head, chunk=3, mode="instruct") == SENT + head


def test_an_offer_inside_a_code_block_is_kept() -> None:
    head = "x = 1\n\nprint('Let me know if you have any questions!')"
    sent = "```python\n"
    assert splice(sent, head, chunk=3, mode="instruct") == sent + head


def test_prefill_mode_keeps_the_offer() -> None:
    head = REST + "\n\nLet me know if you have any questions!"
    assert splice(SENT, head, chunk=3, mode="prefill") == SENT + head


def test_only_a_possible_offer_is_held() -> None:
    hold = OfferHold("Intro.\n\n")
    assert hold.feed("## Heading\n\nSome text") == "## Heading\n"  # a blank line goes with what follows it
    assert hold.feed(". More text here.\n") == "\nSome text. More text here.\n"
    assert hold.feed("\nLet me know") == ""
    assert hold.feed(" if it helps!") == ""
    assert hold.finish() == ""


def test_a_long_paragraph_is_released() -> None:
    hold = OfferHold("Intro.\n\n")
    text = "Feel free " + "x" * MAX_OFFER
    assert hold.feed(text) == text
    assert hold.finish() == ""


def test_is_offer_needs_every_sentence() -> None:
    assert is_offer("I hope this helps! Feel free to ask.")
    assert not is_offer("Serve warm. Let me know how it goes!")
    assert not is_offer("")


@pytest.mark.parametrize("char", ["a", " ", "\n", "-", "。", "`"])
def test_hostile_streams_are_linear(char: str) -> None:
    text = char * 10_000
    started = time.perf_counter()
    for sent in ("", "Intro.\n\n"):
        hold = OfferHold(sent)
        for i in range(0, len(text), 10):
            hold.feed(text[i : i + 10])
        hold.finish()
    words = " ".join(random.Random(1).choice(["let", "me", "know", "\n\n", "---", "ok."]) for _ in range(3000))
    hold = OfferHold("")
    for i in range(0, len(words), 10):
        hold.feed(words[i : i + 10])
    hold.finish()
    assert time.perf_counter() - started < 0.5  # linear: a few ms; a quadratic scan of 10k chars: seconds
