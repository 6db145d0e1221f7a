"""Rule X (quoted rest): a continuation set as a blockquote the sent text was not in is dequoted."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from splice.quoted import STEP, Dequote
from splice.seam import SeamRepair, repair

from .test_splice_seam import splice


def _quote(rest: str, blank: str = ">") -> str:
    """`rest` as a fallback sets it as a blockquote: "> " before each line, blank lines as `blank`."""
    lines = rest.split("\n")
    quoted = ["> " + line if line.strip("\r") else blank + line for line in lines[:-1]]
    quoted.append("> " + lines[-1] if lines[-1].strip("\r") else lines[-1])
    return "\n".join(quoted)


_CASES = [
    # Mid-word, mid-sentence, after a space, in inline code: the first line goes on with the cut line.
    ("Edit the configu", "ration file.\n\n## Notes\n\n- one\n- two\n"),
    ("The relay reads its ", "settings once.\nThen it serves.\n"),
    ("Call `load_con", "fig()` first,\nthen `serve()`.\n"),
    # A line start, the quote running on with several lines (and a heading in it).
    ("Intro paragraph.\n\n", "First point.\n\nSecond point, longer.\n\n## Next\n\nMore.\n"),
    # Cut at a line's end: the rest starts with the line break, the blank line quoted or left blank.
    ("Last words.", "\n\nNew paragraph here.\nAnd its second line.\n"),
    # In a code block: the quote reaches past the closing fence.
    ("```python\nimport os\n", "import sys\n\nprint(sys.argv)\n```\n\nDone.\n"),
    # Mid-line in code: indentation sent, the line's code quoted.
    ("```python\ndef f():\n    ", "return 1\n\nprint(f())\n```\n"),
    # A CRLF text.
    ("Edit the configu", "ration file.\r\n\r\nThen restart.\r\nDone.\r\n"),
    # The rest's own quote, nested one level deeper.
    ("As the docs say\n\n", "> a quote of its own\n\nand text after it.\n"),
]


@pytest.mark.parametrize(("sent", "rest"), _CASES)
@pytest.mark.parametrize("blank", [">", ""])
@pytest.mark.parametrize("chunk", [None, 1, 100])
def test_a_quoted_rest_is_dequoted(sent: str, rest: str, blank: str, chunk: int | None) -> None:
    assert splice(sent, _quote(rest, blank), chunk=chunk, sent_text=sent, mode="instruct") == sent + rest


def test_a_plain_line_ends_the_fallbacks_quote() -> None:
    """After the fallback's quote ends (a plain line), a blockquote of the text is the text's own."""
    sent = "Edit the configu"
    head = "> ration file.\n>\n> Then restart.\n\nPlain text.\n\n> A real quote.\n"
    assert splice(sent, head, sent_text=sent, mode="instruct") == sent + (
        "ration file.\n\nThen restart.\n\nPlain text.\n\n> A real quote.\n"
    )


def test_repair_decides_and_dequotes_in_one_call() -> None:
    sent = "Edit the configu"
    out = repair(sent, _quote("ration file.\nThen restart.\n"), final=True, sent_text=sent, mode="instruct")
    assert out is not None
    assert out[0] == "ration file.\nThen restart.\n"
    assert "quoted-rest" in out[1].steps


@pytest.mark.parametrize(
    ("sent", "head"),
    [
        # A real blockquote after a paragraph: it ends, and the text goes on.
        ("Some paragraph.\n\n", "> Note: be careful here.\n\nThe next paragraph.\n"),
        ("Some paragraph.\n", "> Note: one line\n> and another.\n\nThe next paragraph.\n"),
        # A text that ends with a one-line blockquote.
        ("Some paragraph.\n\n", "> **Note:** back up first.\n"),
        # A cut inside a blockquote: the quote goes on.
        ("> Quoted line one\n", "> quoted line two\n> three\n> four is long enough to count as text.\n"),
        ("> Quoted line one, cut mid-", "> > nested on\n"),
        ("> Quoted line\n>\n", "> more quote\n> and more\n"),
        # An email-style reply: the quote introduced by its attribution line.
        ("Thanks!\n\nOn Mon, 3 Feb 2025, Ana wrote:\n", "> Can you send it?\n> Soon, please.\n>\n> Ana\n"),
        (
            "The thread went like this:\n\n",
            "> **Maria:** Can we drop it?\n>\n> > **Tom:** Only if the package is updated first.\n> >\n"
            "> > > **Ana:** The stats say 7.8% still use it.\n>\n> Fair. Let's announce it now and drop it later.\n",
        ),
        # Code whose lines start with ">": a heredoc's prompts, a REPL, bird tracks, a diff.
        ("```console\n$ cat <<EOF\n", "> first line\n> second line\n> EOF\nfirst line\n```\n"),
        ("```\n$ cat <<EOF\n", "> first line\n> second line\n> EOF\n"),
        ("```haskell\n> main :: IO ()\n", '> main = putStrLn "hi"\n> -- done\n```\n'),
        ("```diff\n3c3\n< old line\n---\n", "> new line\n> another new line\n```\n"),
        # A comparison after a cut: "x " + "> 5".
        ("if x ", "> 5:\n    print(x)\n"),
        ("Use `a ", "> b` to compare.\n"),
        ("It costs ", "> 5 dollars now.\n"),
        # A path of menus, a GitHub alert.
        ("Go to Settings ", "> Privacy > Cookies and turn it off.\n\nThen reload.\n"),
        ("Run the steps above.\n\n", "> [!NOTE]\n> Restart the service after editing.\n"),
    ],
)
@pytest.mark.parametrize("mode", ["instruct", "prefill"])
def test_text_that_really_quotes_is_left_alone(sent: str, head: str, mode: str) -> None:
    seam = SeamRepair(sent, sent_text=sent, mode=mode)
    out = "".join(seam.feed(head[i : i + 3]) for i in range(0, len(head), 3)) + seam.finish()
    assert seam.result is not None and STEP not in seam.result.steps
    assert out.count(">") == head.count(">")


def test_a_real_quote_keeps_every_marker() -> None:
    sent = "Some paragraph.\n\n"
    head = "> Note: be careful here.\n> It bites.\n\nThe next paragraph.\n"
    assert splice(sent, head, sent_text=sent, mode="prefill") == sent + head


def test_hostile_long_quoted_input_is_handled() -> None:
    sent = "x" * 5000 + " and the configu"
    rest = "ration " + " ".join(f"w{i}" for i in range(1500)) + "\n" + ("> " * 2000) + "\n" + "line\n" * 500
    assert splice(sent, _quote(rest), chunk=37, sent_text=sent, mode="instruct") == sent + rest


def test_a_quote_is_decided_within_the_buffer() -> None:
    """A quote with no plain line in sight is decided on within the buffer, never forced through as it came."""
    sent = "Intro.\n\n"
    lines = [f"Line {i} of a quoted text that runs on." for i in range(40)]
    seam = SeamRepair(sent, sent_text=sent, mode="instruct")
    head = "".join(f"> {line}\n" for line in lines)
    out = "".join(seam.feed(head[i : i + 5]) for i in range(0, len(head), 5)) + seam.finish()
    assert out == "".join(f"{line}\n" for line in lines)
    assert seam.result is not None and seam.result.strategy != "forced"
    # One long quoted line at a line start may be the text's own last quote: decided, kept.
    seam = SeamRepair(sent, sent_text=sent, mode="instruct")
    head = "> " + "word " * 200 + "\n"
    out = "".join(seam.feed(head[i : i + 5]) for i in range(0, len(head), 5)) + seam.finish()
    assert out == head
    assert seam.result is not None and seam.result.strategy != "forced"


@given(
    st.lists(
        st.text(alphabet=st.sampled_from("ab >\r#`-"), max_size=12),
        min_size=1,
        max_size=8,
    ),
    st.lists(st.integers(min_value=1, max_value=7), min_size=1, max_size=20),
)
@settings(max_examples=200, deadline=None)
def test_dequote_streams_as_it_would_whole(lines: list[str], sizes: list[int]) -> None:
    """Any chunking gives what the whole stream gives: "> " or ">" dropped at each line's start until a plain line."""
    text = "\n".join(lines)
    whole = Dequote(at_line_start=True, first_done=False)
    expected = whole.feed(text) + whole.finish()
    dequoted = []
    for i, line in enumerate(lines):
        if line[:1] not in ("", "\r", ">"):
            dequoted += lines[i:]  # a plain line: the quote has ended, the rest is the text's
            break
        dequoted.append(line[2:] if line[:2] == "> " else line[1:] if line[:1] == ">" else line)
    assert expected == "\n".join(dequoted)
    d = Dequote(at_line_start=True, first_done=False)
    out: list[str] = []
    i = 0
    while i < len(text):
        n = sizes[len(out) % len(sizes)]
        out.append(d.feed(text[i : i + n]))
        i += n
    assert "".join(out) + d.finish() == expected
