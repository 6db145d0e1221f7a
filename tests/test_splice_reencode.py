"""Rule V (re-encoded text): a continuation HTML-escaped or written as a JSON string body, decoded."""

from __future__ import annotations

import html
import json
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from splice.reencode import EntityDecoder, EscapeDecoder, MarkdownUnescape
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


@pytest.mark.parametrize(
    "rest",
    [
        # An answer about WebVTT: an entity it names in code after a raw one is its own, not an escape.
        "cue text.\n\n4. **Entities:** `&mdash;` and `&amp;` are allowed, and `<` is written `&lt;`.",
        "the R&D budget, and `&amp;` is how HTML writes `&`.",
        "one & two. Then &quot;three&quot;.",
    ],
)
@pytest.mark.parametrize("chunk", [None, 1, 2, 5, 100])
def test_a_raw_ampersand_says_the_continuation_is_not_escaped(rest: str, chunk: int | None) -> None:
    assert splice("Here is the version I kept: ", rest, chunk=chunk, mode="instruct") == (
        "Here is the version I kept: " + rest
    )


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


def _md_escape(text: str, chars: str = "_*[]") -> str:
    return "".join("\\" + c if c in chars else c for c in text)


MD_CASES = [
    (
        "Name your variables in ",
        "snake_case, like user_id and *not* camelCase.\n\n**Note:** see [the guide](https://ex.com).",
    ),
    ("Die Funktion ", "heißt parse_datei und liefert **Zeilen** zurück; siehe [Doku].\n- [ ] offen\n- [x] erledigt"),
    ("## 設定\n\n", "環境変数 *API_KEY* を設定し、[公式ガイド] を参照してください。"),
]


@pytest.mark.parametrize(("sent", "rest"), MD_CASES)
@pytest.mark.parametrize("chars", ["_", "_*", "_*[]"])
@pytest.mark.parametrize("chunk", [None, 1, 100])
def test_markdown_escapes_in_prose_are_dropped(sent: str, rest: str, chars: str, chunk: int | None) -> None:
    escaped = _md_escape(rest, chars)
    assert escaped != rest
    assert splice(sent, escaped, chunk=chunk, mode="instruct") == sent + rest


@pytest.mark.parametrize("chunk", [None, 1, 100])
def test_markdown_escapes_in_code_are_kept(chunk: int | None) -> None:
    sent = "Call `get_user` first, then "
    rest = 'read\\_config.\n\n```python\nre.sub(r"\\_", x)  # the pattern\'s own escape\n```\n\nAlso `a\\_b` and c\\_d.'
    expected = 'read_config.\n\n```python\nre.sub(r"\\_", x)  # the pattern\'s own escape\n```\n\nAlso `a\\_b` and c_d.'
    assert splice(sent, rest, chunk=chunk, mode="instruct") == sent + expected
    # Cut inside a code span or a fenced block: the rest of the code is code.
    assert (
        splice("Run `my", "\\_tool --x` and my\\_tool.", chunk=chunk, mode="instruct")
        == "Run `my\\_tool --x` and my_tool."
    )
    opening = "Run:\n\n```"
    assert splice(opening, "sh\necho a\\_b\n```\n\nIt prints a\\_b.", chunk=chunk, mode="instruct") == (
        opening + "sh\necho a\\_b\n```\n\nIt prints a_b."
    )
    fenced = "```text\nC:\\\\Users\\\\"
    assert splice(fenced, "a\\_b\n```\nDone, a\\_b.", chunk=chunk, mode="prefill") == fenced + "a\\_b\n```\nDone, a_b."


@pytest.mark.parametrize(
    ("sent", "rest"),
    [
        # The sent prose writes backslashes: escaped Markdown in a Markdown tutorial, LaTeX, a path.
        ("Write \\* for a literal asterisk. ", "Likewise \\_ and \\[ stay as they are."),
        ("The area is \\(\\pi r^2\\). ", "For the sum, \\[ \\sum\\_{i} a\\_i \\]."),
        ("Open C:\\Users\\me. ", "Then C:\\temp\\_old."),
        # The rest's own backslashes, first in the rest: LaTeX display math, commands, paths, a regex, an escape.
        ("The identity is\n\n", "\\[ e^{i\\pi} + 1 = 0 \\]\n\nwhere x\\_1 is free."),
        ("The identity is\n\n", "\\[\ne^{i\\pi} + 1 = 0\n\\]\n"),
        ("Its derivative is ", "\\frac{d}{dx} x\\_1, and a\\_2."),
        ("Save it under ", "D:\\data\\_raw\\file\\_1.csv."),
        ("A signature line:\n\n", "\\_\\_\\_\\_\\_\\_\\_\\_  \nSigned, a\\_b"),
        ("Match a digit with ", "\\d and a dot with \\. then a\\_b."),
    ],
)
@pytest.mark.parametrize("mode", ["prefill", "instruct"])
def test_text_that_writes_its_own_backslashes_passes(sent: str, rest: str, mode: str) -> None:
    for chunk in (None, 1, 100):
        assert splice(sent, rest, chunk=chunk, mode=mode) == sent + rest


def test_markdown_escape_split_across_chunks() -> None:
    dec = MarkdownUnescape()
    parts = ["snake", "\\", "_case \\", "[", "x", "\\", "] \\[", " ", "\\", "] `", "`", "a\\_b`", "` \\*end\\"]
    assert "".join(dec.feed(p) for p in parts) + dec.finish() == "snake_case [x] [ ] ``a\\_b`` *end\\"


def test_a_json_document_has_no_latex() -> None:
    sent = '{\n  "id": 7,\n  "tags": '
    rest = '\\[\n    "a\\_b"\n  \\]\n}'
    assert splice(sent, rest, mode="instruct") == sent + '[\n    "a_b"\n  ]\n}'


@pytest.mark.parametrize("head", ["\\" * 10_000, "\\_" * 5_000, "`" * 10_000, "\\[ " * 3_000, "\\`a" * 3_000])
@pytest.mark.parametrize("mode", ["prefill", "instruct"])
def test_hostile_markdown_escapes(head: str, mode: str) -> None:
    text, _ = repair("Some sent text. ", head, final=True, mode=mode)  # type: ignore[misc]
    streamed = splice("Some sent text. ", head, chunk=7, mode=mode)
    assert len(streamed) <= len("Some sent text. ") + len(head)
    if head.startswith("\\_"):
        assert streamed == "Some sent text. " + "_" * 5_000


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet="ab _*[]#~.\n。é", max_size=60),
    chars=st.sampled_from(["_", "_*", "_*[]", "_*[]#~"]),
    chunk=st.integers(min_value=1, max_value=9),
)
def test_escaped_prose_decodes_to_itself(text: str, chars: str, chunk: int) -> None:
    """Prose with no backslash or code, escaped: the filter gives back the prose (an escaped bracket before a
    blank or after one reads as LaTeX, and a line of escaped rules as the text's own: those are left out)."""
    if re.search(r"(?m)\[[ \n]|(?:^|[ \n])\]|^ {0,3}(?:___|\*\*\*)", text):
        return
    escaped = _md_escape(text, chars)
    dec = MarkdownUnescape()
    out = "".join(dec.feed(escaped[i : i + chunk]) for i in range(0, len(escaped), chunk)) + dec.finish()
    assert out == text


@given(
    st.lists(st.sampled_from(["&", "amp;", "lt;", "R", "D", "\n", "&lt;b&gt;", "Q&A", " ", "quot;", "x"]), max_size=30)
)
@settings(max_examples=300, deadline=None)
def test_entity_decoding_does_not_depend_on_chunking(parts: list[str]) -> None:
    text = "".join(parts)
    whole = EntityDecoder()
    expected = whole.feed(text) + whole.finish()
    for size in (1, 2, 3):
        dec = EntityDecoder()
        got = "".join(dec.feed(text[i : i + size]) for i in range(0, len(text), size)) + dec.finish()
        assert got == expected


@pytest.mark.parametrize("text", ["Q&A\nwrite &lt;b&gt;\n", "R&D&lt;b\n", "AT&T\n&amp;"])
def test_a_raw_ampersand_before_a_line_break_turns_decoding_off(text: str) -> None:
    dec = EntityDecoder()
    assert dec.feed(text) + dec.finish() == text
