"""Rule AB (tool citations): source markers a retrieval tool adds, which the sent text never has, are dropped."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from splice.citations import CitationDrop, citation_filter
from splice.seam import repair

from .test_splice_seam import splice

MARKERS = [
    "【4:0†source】",
    "【3†source】",
    "【12:2†handbook.pdf】",
    "【†source】",
    "【turn0search3】",
    "【7†L12-L30】",
    "\ue200cite\ue202turn0search3\ue202turn1news2\ue201",
    "\ue200filecite\ue202turn2file0\ue201",
]


@pytest.mark.parametrize("marker", MARKERS)
@pytest.mark.parametrize("mode", ["prefill", "instruct"])
@pytest.mark.parametrize("chunk", [None, 1, 100])
def test_markers_after_sentences_are_dropped(marker: str, mode: str, chunk: int | None) -> None:
    sent = "The storm reached the coast on Monday. It rained all "
    rest = "week. Roads were closed until Friday. Schools reopened on Saturday.\n\nThe next storm is due in May."
    marked = rest.replace("week.", "week." + marker).replace("Friday.", "Friday." + marker)
    marked = marked.replace("May.", "May." + marker)
    assert splice(sent, marked, chunk=chunk, mode=mode) == sent + rest


@pytest.mark.parametrize("chunk", [None, 1, 3])
def test_a_marker_at_the_seam_and_in_other_languages(chunk: int | None) -> None:
    sent = "Die Stadt hat 12.000 Einwohner."
    rest = " Sie liegt am Fluss. 东京是日本的首都。它很大。"
    marked = "【2†source】 Sie liegt am Fluss.【1:0†atlas.md】 东京是日本的首都。【5†source】它很大。【6†source】"
    assert splice(sent, marked, chunk=chunk, mode="instruct") == sent + rest


def test_spaces_before_a_marker_go_with_it() -> None:
    f = CitationDrop()
    parts = [
        "It rained all week. ",
        " ",
        "【4:",
        "0†sou",
        "rce】 Next. Done ",
        "\ue200cite\ue202turn0",
        "search1\ue201.",
    ]
    assert "".join(f.feed(p) for p in parts) + f.finish() == "It rained all week. Next. Done."


def test_a_cited_span_keeps_its_text_without_its_delimiters() -> None:
    f = CitationDrop()
    assert f.feed("Paris is \ue203the capital\ue204 of France.") + f.finish() == "Paris is the capital of France."


@pytest.mark.parametrize(
    ("sent", "rest"),
    [
        # CJK text with lenticular brackets of its own: no marker of this text is dropped.
        ("【注意】本产品不适合儿童。", "【说明】请在使用前阅读【1†附录】。"),
        ("见【1】。", "另见【2†source】和【3】。"),
        # Brackets without a dagger or a tool reference, a dagger footnote, the text's own references.
        ("课程安排如下：", "【第一周】基础，【第二周】进阶。"),
        ("The estimate is due to Smith.", "† Deceased 1999. See [1] and [2†]."),
        # Markers quoted as code, in a text about them.
        ("Markers look like ", "`【4:0†source】` in raw tool output, and 【source】 in some UIs."),
        ("The parser:\n\n```python\n", 'MARK = "【4:0†source】"\n```\n\nIt finds `【3†notes.md】` too.'),
        ("Line breaks: the backtick (`` ` ``)", " ends a line.\n\n```\n`【1†x】`\n~~~\n【2†x】\n```\n"),
        # A private-use char the sent text writes (an icon font's glyph).
        ("Click \ue201 to save. ", "Then \ue200cite\ue202turn0search3\ue201 appears."),
    ],
)
@pytest.mark.parametrize("mode", ["prefill", "instruct"])
def test_the_texts_own_brackets_and_daggers_pass(sent: str, rest: str, mode: str) -> None:
    for chunk in (None, 1, 100):
        assert splice(sent, rest, chunk=chunk, mode=mode) == sent + rest


@pytest.mark.parametrize("mode", ["prefill", "instruct"])
def test_a_cut_in_a_fence_line_opens_the_block(mode: str) -> None:
    sent = "Run:\n\n```"
    rest = "sh\necho '【1†x】'\n```\n\nIt prints the mark."
    marked = rest.replace("mark.", "mark.【4:0†source】")
    assert splice(sent, marked, mode=mode) == sent + rest


def test_citation_filter_follows_the_sent_texts_habits() -> None:
    assert citation_filter("plain text") is not None
    assert citation_filter("【注意】 and \ue200") is None
    only_pua = citation_filter("【注意】")
    assert only_pua is not None
    assert only_pua.feed("a【1†source】b\ue200cite\ue201c") + only_pua.finish() == "a【1†source】bc"


def test_an_unfinished_marker_is_released_at_the_end() -> None:
    f = CitationDrop()
    assert f.feed("The end. 【4:0†sour") == "The end."
    assert f.finish() == " 【4:0†sour"


@pytest.mark.parametrize(
    "head",
    [
        "【" * 10_000,
        "【1†" * 3_000,
        "【4:0†source" * 800,
        "\ue200" * 10_000,
        "\ue200cite" * 2_000,
        " " * 10_000,
        ("a 【4:0†source】" * 800),
    ],
)
@pytest.mark.parametrize("mode", ["prefill", "instruct"])
def test_hostile_heads(head: str, mode: str) -> None:
    text, _ = repair("Some sent text. ", head, final=True, mode=mode)  # type: ignore[misc]
    streamed = splice("Some sent text. ", head, chunk=7, mode=mode)
    assert "source】" not in text and "source】" not in streamed
    assert len(streamed) <= len("Some sent text. ") + len(head)
    if "a 【" in head:
        assert streamed == "Some sent text. " + "a" * 800


_WORDS = st.text(alphabet="ab .!?\n。【】†:0123", min_size=0, max_size=40)


@settings(max_examples=200, deadline=None)
@given(
    pieces=st.lists(_WORDS, min_size=1, max_size=8),
    marks=st.lists(st.sampled_from(MARKERS), min_size=8, max_size=8),
    chunk=st.integers(min_value=1, max_value=9),
)
def test_markers_anywhere_are_dropped_and_nothing_else(pieces: list[str], marks: list[str], chunk: int) -> None:
    """A text with no marker of its own, markers put after any of its pieces: the filter gives back the text."""
    text = "".join(pieces)
    if CitationDrop().feed(text + "\n") != text + "\n":
        return  # the random text formed a marker of its own
    marked = "".join(p + (m if p[-1:] not in " \t" else "") for p, m in zip(pieces, marks))
    f = CitationDrop()
    out = "".join(f.feed(marked[i : i + chunk]) for i in range(0, len(marked), chunk)) + f.finish()
    assert out == text


@pytest.mark.parametrize(
    ("sent", "head", "expected"),
    [
        # A block opened with four backticks is not closed by the three of the block it shows.
        (
            "Here is a README:\n\n````md\n# Tool\n\n```sh\nrun it\n",
            "```\n\nSet my\\_var and see 【1†a】.\n````\n\nDone, x\\_y 【2†b】.\n",
            "```\n\nSet my\\_var and see 【1†a】.\n````\n\nDone, x_y.\n",
        ),
        # A block opened with tildes closes with tildes: the prose after it is decoded.
        (
            "Notes:\n\n~~~md\nrun it\n",
            "Still x\\_y 【1†a】.\n~~~\n\nDone, x\\_y 【2†b】.\n",
            "Still x\\_y 【1†a】.\n~~~\n\nDone, x_y.\n",
        ),
    ],
)
def test_the_blocks_own_fence_ends_it(sent: str, head: str, expected: str) -> None:
    """Rules V (Markdown escapes) and AB follow the fence the sent text's block opened with, not three backticks."""
    assert splice(sent, head, sent_text=sent, mode="instruct") == sent + expected
