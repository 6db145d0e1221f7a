"""Rule V (re-encoded text): a continuation HTML-escaped or written as a JSON string body, decoded."""

from __future__ import annotations

import html
import json
import time

import pytest

from splice.reencode import EntityDecoder, EscapeDecoder
from splice.seam import repair

from .test_splice_seam import splice

CASES = [
    ("## Build\n\nRun the build, then ", "`make && make install` as root.\n\nCheck that `a < b` holds."),
    ("Der Befehl lautet ", "`grep -E '<a|b>' file` – und \"so\" weiter.\n\nDanach: `x > 0 && y`."),
    ("La règle dit : ", "utilisez `if (a < b && c)` ici.\n\n- « d'accord » & <b>gras</b>"),
    ("```python\nfor i in range(3):\n", '    print(f"<{i}>")\n```\n\nThat\'s all & done.'),
]


@pytest.mark.parametrize(("sent", "rest"), CASES)
@pytest.mark.parametrize("quote", [False, True])
@pytest.mark.parametrize("chunk", [None, 1, 100])
def test_html_escaped_continuation_is_decoded(sent: str, rest: str, quote: bool, chunk: int | None) -> None:
    escaped = html.escape(rest, quote=quote)
    assert escaped != rest
    assert splice(sent, escaped, chunk=chunk, mode="instruct") == sent + rest


@pytest.mark.parametrize(("sent", "rest"), CASES)
@pytest.mark.parametrize("only_layout", [False, True])
@pytest.mark.parametrize("chunk", [None, 1, 100])
def test_json_string_body_is_decoded(sent: str, rest: str, only_layout: bool, chunk: int | None) -> None:
    body = rest.replace("\n", "\\n").replace("\t", "\\t") if only_layout else json.dumps(rest, ensure_ascii=False)[1:-1]
    assert splice(sent, body, chunk=chunk, mode="instruct") == sent + rest


@pytest.mark.parametrize(
    ("sent", "rest"),
    [
        # The sent text writes entities itself: an answer about HTML.
        ("Write `&amp;` for an ampersand. ", "Likewise `&lt;` stands for `<`."),
        ("In HTML, &lt;b&gt; is bold. ", "And &lt;i&gt; is italic."),
        # A code line that prints a line break, followed by the next line.
        ("```c\nint main(void) {\n", '    printf("hello\\n");\n    return 0;\n}\n```\n'),
        ('```python\nprint("a")\n', 'out.write("\\n\\n".join(parts))\nprint("done")\n```'),
        # The sent text writes escapes itself.
        ('Use "\\n" for a line break. ', 'A tab is "\\t", and a "\\n\\n" makes a blank line.\nDone.'),
        # An entity-like word that is no entity, a lone backslash.
        ("Tom ", "&amp Jerry, and `C:\\temp\\new` is a path.\nMore."),
        ("Set ", "`sep = '\\n'` and `end='\\n\\n'`, then `tr '\\t' ','`.\nMore."),
    ],
)
@pytest.mark.parametrize("mode", ["prefill", "instruct"])
def test_text_that_writes_its_own_escapes_passes(sent: str, rest: str, mode: str) -> None:
    for chunk in (None, 1, 100):
        assert splice(sent, rest, chunk=chunk, mode=mode) == sent + rest


def test_entity_split_across_chunks() -> None:
    dec = EntityDecoder()
    parts = ["a &", "a", "mp", "; b &l", "t;", " c &", "#39", ";", " end &"]
    assert "".join(dec.feed(p) for p in parts) + dec.finish() == "a & b < c ' end &"


def test_escape_split_across_chunks() -> None:
    dec = EscapeDecoder()
    parts = ["one", "\\", "n", "two\\", "nthree \\u00e9\\", "u", "00e9 \\", '"q\\"']
    assert "".join(dec.feed(p) for p in parts) + dec.finish() == 'one\ntwo\nthree éé "q"'


def test_one_escape_at_the_stream_end_is_decoded() -> None:
    assert splice("Intro text here. ", "The last line.\\n", mode="instruct") == "Intro text here. The last line.\n"


@pytest.mark.parametrize("char", ["&", "\\", "n", ";", "a"])
@pytest.mark.parametrize("mode", ["prefill", "instruct"])
def test_hostile_heads_are_linear(char: str, mode: str) -> None:
    started = time.perf_counter()
    for head in (char * 10_000, ("&amp" + char) * 2_000, ("\\" + char) * 5_000):
        repair("Some sent text. ", head, final=True, mode=mode)
        splice("Some sent text. ", head, chunk=7, mode=mode)
    assert time.perf_counter() - started < 0.5 * 6  # linear: ms per head; a quadratic scan: seconds each
