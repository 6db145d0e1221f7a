"""Rule W (JSON): a continuation given as a JSON object's one string field, decoded as it streams."""

from __future__ import annotations

import json
import time

import pytest

from splice.context import analyse_tail
from splice.jsonwrap import JsonStringDecoder, match_json_wrap
from splice.wrapper import PENDING

from .test_splice_seam import splice

PROSE = "The compiler "
REST = 'flags every "non-exhaustive" match:\n\n\tsee `match` — also emoji 🙂 and \\ backslashes.\n\nThe end.'


def _wrapped(rest: str, key: str = "continuation", fence: bool = False) -> str:
    body = "{" + json.dumps(key) + ": " + json.dumps(rest, ensure_ascii=False) + "}"
    return "```json\n" + body + "\n```" if fence else body


@pytest.mark.parametrize("fence", [False, True])
@pytest.mark.parametrize("chunk", [None, 1, 3, 500])
def test_the_string_is_decoded_and_the_object_dropped(fence: bool, chunk: int | None) -> None:
    assert splice(PROSE, _wrapped(REST, fence=fence), chunk=chunk, mode="instruct") == PROSE + REST


@pytest.mark.parametrize("chunk", [1, 2, 5])
def test_escapes_split_across_chunks(chunk: int) -> None:
    rest = 'emoji 😀 and 𝄞 and é, a tab\tand a quote " and more text to run past the wait.' * 2
    body = '{"text": ' + json.dumps(rest, ensure_ascii=True) + "}"  # \\uXXXX surrogate pairs
    assert splice(PROSE, body, chunk=chunk, mode="instruct") == PROSE + rest


def test_decoder_carries_a_split_surrogate_pair() -> None:
    dec = JsonStringDecoder()
    raw = '\\ud83d\\ude00 ok"}'
    out = "".join(dec.feed(raw[i : i + 1]) for i in range(len(raw)))
    assert out + dec.finish() == "😀 ok"


def test_decoder_keeps_what_follows_that_is_no_closing() -> None:
    dec = JsonStringDecoder()
    assert dec.feed('abc", "more": 1}') == 'abc, "more": 1}'
    assert dec.finish() == ""


def test_short_wrapper_closed_at_the_end_goes() -> None:
    assert splice(PROSE, '{"text": "flags it."}', chunk=2, mode="instruct") == PROSE + "flags it."


@pytest.mark.parametrize(
    "head",
    [
        '{"name": "web", "replicas": 3}',  # a JSON value of the answer's own: short, and more fields follow
        '```json\n{"name": "web",\n "port": 80}\n```',
        '{"message": "ok"} is what the server sends back.',
    ],
)
def test_an_object_of_the_answers_own_is_kept(head: str) -> None:
    sent = "The response body looks like this:\n\n"
    assert splice(sent, head, chunk=3, mode="instruct") == sent + head


def test_where_the_json_takes_an_object_it_is_content() -> None:
    sent = '```json\n{"items": [\n  '
    head = '{"text": "' + "a long description of the first item that runs on and on " * 2 + '"}\n]}\n```'
    assert splice(sent, head, chunk=4, mode="instruct") == sent + head


def test_inside_a_json_string_an_object_is_the_fallbacks() -> None:
    sent = '```json\n{"title": "Ceramic mug, '
    rest = 'blue glaze", "qty": 1, "unit": 12.0, "notes": "fragile, ship in a box"}\n```'
    assert splice(sent, _wrapped(rest), chunk=4, mode="instruct") == sent + rest


def test_prefill_mode_is_never_a_wrapper() -> None:
    head = _wrapped(REST)
    assert splice(PROSE, head, chunk=3, mode="prefill") == PROSE + head


def test_opening_waits_then_decides() -> None:
    ctx = analyse_tail(PROSE, PROSE)
    assert match_json_wrap('{"cont', PROSE, ctx, final=False)[0] == PENDING
    assert match_json_wrap('{"text": "short', PROSE, ctx, final=False)[0] == PENDING
    assert match_json_wrap('{"text": "two\\nlines', PROSE, ctx, final=False)[0] == len('{"text": "')
    assert match_json_wrap('{"a": 1', PROSE, ctx, final=False)[0] == 0
    assert match_json_wrap("{x", PROSE, ctx, final=False)[0] == 0


@pytest.mark.parametrize("char", ["{", '"', "\\", " ", "\n", "`", "a"])
def test_hostile_heads_are_fast(char: str) -> None:
    head = char * 10_000
    ctx = analyse_tail(PROSE, PROSE)
    started = time.perf_counter()
    for prefix in ("", "{", '{"k": "', "```json\n"):
        match_json_wrap(prefix + head, PROSE, ctx, final=False)
        match_json_wrap(prefix + head, PROSE, ctx, final=True)
    dec = JsonStringDecoder()
    for i in range(0, len(head), 10):
        dec.feed(head[i : i + 10])
    dec.finish()
    assert time.perf_counter() - started < 0.5  # linear: a few ms; a quadratic scan of 10k chars: seconds


@pytest.mark.parametrize("chunk", [None, 2, 500])
def test_a_bare_block_around_the_object_goes_with_it(chunk: int | None) -> None:
    head = "```\n" + _wrapped(REST) + "\n```"
    assert splice(PROSE, head, chunk=chunk, mode="instruct") == PROSE + REST
