"""Rule AC (details): a collapsible `<details>` block around the whole continuation is dropped at both ends."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from splice.context import analyse_tail
from splice.details import STEP, DetailsCloser, match_details_wrap
from splice.seam import repair

from .test_splice_seam import splice

REST = (
    "Second, check the logs for the request id: every line of one request carries it, so a single grep shows "
    "the whole path through the service."
)


def wrapped(rest: str, summary: str = "Continued", *, tag: str = "<details>") -> str:
    return f"{tag}\n<summary>{summary}</summary>\n\n{rest}\n\n</details>\n"


@pytest.mark.parametrize("chunk", [None, 1, 3, 100])
@pytest.mark.parametrize(
    "summary", ["Continued", "Show the rest of the answer", "<b>Part 2</b>", "Fortsetzung", "続き", "Lire la suite"]
)
def test_a_block_after_a_paragraph_is_dropped(summary: str, chunk: int | None) -> None:
    sent = "First, restart the service and wait a minute.\n\n"
    assert splice(sent, wrapped(REST, summary), chunk=chunk, mode="instruct").rstrip() == sent + REST


def test_a_long_block_in_one_chunk_is_dropped() -> None:
    sent = "First, restart the service and wait a minute.\n\n"
    rest = "\n\n".join([REST] * 6)
    assert splice(sent, wrapped(rest), chunk=10_000, mode="instruct").rstrip() == sent + rest
    head = wrapped(rest) + "\nThat covers installing it; configuring it comes next."
    assert "</details>" in splice(sent, head, chunk=10_000, mode="instruct")  # text after it: the closer stays


@pytest.mark.parametrize("chunk", [None, 1, 3])
def test_a_block_opened_mid_line_is_dropped(chunk: int | None) -> None:
    sent = "First, restart the service and wait a minute. Second, check the logs for the "
    rest = REST[len("Second, check the logs for the ") :]
    assert splice(sent, wrapped(rest), chunk=chunk, mode="instruct").rstrip() == sent + rest


@pytest.mark.parametrize(
    "opening",
    [
        "<details open>\n<summary>Continued</summary>\n\n",
        "<details><summary>Continued</summary>\n\n",
        "\n\n<details>\n<summary>Continued</summary>\n\n\n",
        "<DETAILS>\n<SUMMARY>Continued</SUMMARY>\n\n",
    ],
)
def test_other_spellings_of_the_opening(opening: str) -> None:
    sent = "First, restart the service and wait a minute.\n\n"
    assert splice(sent, opening + REST + "\n</details>", mode="instruct").rstrip() == sent + REST


def test_in_a_code_span_the_opening_must_end_the_paragraph() -> None:
    sent = "Run `kubectl rollout "
    rest = "undo deployment/api` and post a note in the incident channel so the on-call engineer knows."
    assert splice(sent, wrapped(rest), mode="instruct").rstrip() == sent + rest
    glued = "<details><summary>x</summary>" + rest  # no blank line: inside the span, the code's own
    assert splice(sent, glued, mode="instruct") == sent + glued


@pytest.mark.parametrize(
    ("sent", "head"),
    [
        # The answer writes <details> blocks itself (a GitHub FAQ): the next one is its own.
        (
            "## FAQ\n\n<details>\n<summary>Does it run on Windows?</summary>\n\nYes.\n\n</details>\n\n",
            wrapped(REST, "Where is the config file?"),
        ),
        # An HTML answer, or one whose lines its markup opens.
        ("<section>\n  <p>First paragraph.</p>\n", wrapped(REST)),
        ('Intro.\n\n<div align="center">\n\nLogo\n\n</div>\n\n', wrapped(REST)),
        # At a line start, a block of the answer's own closes and the text goes on.
        (
            "Common questions:\n\n",
            wrapped("Yes, it does.", "Does it run on Windows?")
            + "\nThat covers installing it; configuring it comes next.",
        ),
        # A short block that never closes: nothing tells it is a wrapper.
        ("Common questions:\n\n", "<details>\n<summary>Q</summary>\n\nYes."),
    ],
)
def test_the_answers_own_blocks_are_kept(sent: str, head: str) -> None:
    out = repair(sent, head, final=True, sent_text=sent, mode="instruct")
    assert out is not None and STEP not in out[1].steps
    assert out[0].strip() == head.strip()  # the seam's whitespace is the join's
    assert splice(sent, head, mode="instruct").strip() == (sent + out[0]).strip()


def test_in_code_the_tag_is_not_this_rules() -> None:
    sent = "```html\n<body>\n"
    out = repair(sent, wrapped(REST), final=True, sent_text=sent, mode="instruct")
    assert out is not None and STEP not in out[1].steps and "<summary>" in out[0]


def test_prefill_mode_keeps_the_block() -> None:
    sent = "First, restart the service and wait a minute.\n\n"
    head = wrapped(REST)
    assert splice(sent, head, mode="prefill") == sent + head


def test_the_opening_waits_for_the_block_to_run_on() -> None:
    sent = "First, restart the service and wait a minute.\n\n"
    ctx = analyse_tail(sent, sent)
    assert match_details_wrap("<deta", sent, ctx, final=False)[0] < 0
    assert match_details_wrap("<details>\n<summary>Contin", sent, ctx, final=False)[0] < 0
    assert match_details_wrap(wrapped("Short.")[:-13], sent, ctx, final=False)[0] < 0
    assert match_details_wrap(wrapped(REST)[:-13], sent, ctx, final=False) == (wrapped(REST).index("Second"), True)
    assert match_details_wrap("<detail x", sent, ctx, final=False) == (0, False)
    assert repair(sent, "<details>\n<summary>Continued</summary>\n\nSh", final=False, mode="instruct") is None


def test_the_closer_is_held_only_while_it_may_be_one() -> None:
    hold = DetailsCloser()
    assert hold.feed("Text.\n") == "Text."
    assert hold.feed("\n</det") == ""
    assert hold.feed("ails>") == ""
    assert hold.feed(" \n") == ""
    assert hold.feed("More.") == "\n\n</details> \nMore."  # the answer's own closer: text follows it
    assert hold.feed(" </summ") == " </summ"
    assert hold.feed("\n\n</DETAILS>\n") == ""
    assert hold.finish() == ""
    hold = DetailsCloser()
    assert hold.feed("End. </deta") == "End."
    assert hold.finish() == " </deta"


_PIECES = st.sampled_from(["a", " ", "\n", "<", "/", "details", ">", "</details>", "</DETAILS>", "</det", "x."])


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(_PIECES, max_size=12), chunks=st.lists(st.integers(1, 4), min_size=1, max_size=12))
def test_the_closer_goes_only_at_the_end_whatever_the_chunking(pieces: list[str], chunks: list[int]) -> None:
    text = "".join(pieces)
    hold = DetailsCloser()
    out, at, k = [], 0, 0
    while at < len(text):
        n = chunks[k % len(chunks)]
        out.append(hold.feed(text[at : at + n]))
        at, k = at + n, k + 1
    out.append(hold.finish())
    body = text.rstrip()
    ends = body.lower().endswith("</details>")
    assert "".join(out) == (text[: len(body) - len("</details>")].rstrip() if ends else text)


@pytest.mark.parametrize(
    "head",
    [
        "<details>" * 1_000,
        "</details>" * 1_000,
        "<details>\n<summary>" + "x" * 10_000,
        "<details>\n<summary>x</summary>\n" + "\n" * 10_000,
        "<details>\n<summary>x</summary>\n\nText." + " " * 10_000 + "</details>",
        "<details>\n<summary>x</summary>\n\n" + "a\n\n</details>" * 800,
        "<" * 10_000,
        "\n" * 10_000,
    ],
)
def test_hostile_heads(head: str) -> None:
    sent = "First, restart the service and wait a minute. Then "
    started = time.perf_counter()
    whole = splice(sent, head, chunk=len(head), mode="instruct")
    for chunk in (1, 2, 3):
        assert splice(sent, head, chunk=chunk, mode="instruct") == whole
    assert time.perf_counter() - started < 5  # linear: well under a second; quadratic in 10k chars: minutes


@pytest.mark.parametrize("chunk", [None, 1, 3])
def test_a_line_ending_in_a_hard_break_goes_on_in_the_next_line(chunk: int | None) -> None:
    """The opening's blank line is the wrapper's: after a hard line break (two spaces) the paragraph goes on."""
    sent = "Thanks for reading.\n\n**Media contact**  \n"
    rest = "Dana Whitfield  \npress@northwind.example.com  \n+1 512 555 0143\n\nThe company was founded in 2019."
    assert splice(sent, wrapped(rest), chunk=chunk, mode="instruct").rstrip() == sent + rest
    plain = "Thanks for reading.\n\nSee the notes below.\n"  # without the break, a paragraph by habit
    assert splice(plain, wrapped("## Notes\n\n" + REST), chunk=chunk, mode="instruct").rstrip() == (
        plain + "\n## Notes\n\n" + REST
    )


README = "# MyTool\n\nA CLI for syncing files.\n\n## Installation\n\n"
WINDOWS = (
    "<details>\n<summary>Install on Windows</summary>\n\n```powershell\n"
    "winget install --id Example.MyTool --source winget --accept-package-agreements\n```\n\n</details>\n"
)


@pytest.mark.parametrize("after", ["\n## Usage\n\nRun `mytool sync`.\n", ""])
@pytest.mark.parametrize("chunk", [None, 1, 7])
def test_an_answers_own_block_where_blocks_begin_is_kept(after: str, chunk: int | None) -> None:
    # At a line start the block may be the answer's: only a summary that speaks of the rest makes it a wrapper.
    head = WINDOWS + after
    assert splice(README, head, sent_text=README, chunk=chunk, mode="instruct") == README + head
