"""Rule AA (continued heading): the sent text's heading said again, marked as continued, is dropped."""

from __future__ import annotations

import pytest

from splice.continued import STEP, last_heading
from splice.seam import SeamRepair, repair

from .test_splice_seam import splice

_SETUP = "# Guide\n\nIntro.\n\n## Setup\n\nInstall the package and edit the configu"


@pytest.mark.parametrize(
    ("sent", "heading", "rest"),
    [
        # Mid-word, after a space: any short tail in parentheses or after a dash marks it.
        (_SETUP, "## Setup (continued)", "ration file.\n\n## Usage\n\nRun it.\n"),
        (_SETUP, "## Setup (cont.)", "ration file.\n"),
        (_SETUP, "## Setup — continued", "ration file.\n"),
        (_SETUP, "## Setup (Fortsetzung)", "ration file.\n"),
        (_SETUP, "## Setup (продолжение)", "ration file.\n"),
        (_SETUP, "## Setup [続き]", "ration file.\n"),
        # A bold line, a list item's bold title, a bold line with a colon.
        ("**Notes**\n\nKeep the ", "**Notes** (suite)", "receipts.\n"),
        ("**Notes**\n\nKeep the ", "**Notes (continued)**", "receipts.\n"),
        ("1. **Playful**\n   Loves to ", "1. **Playful** (cont.)", "chase balls.\n"),
        ("**Media contact:**\nJane Doe, ", "**Media contact:** (continued)", "press@example.com\n"),
        # At a line start the tail says "continued".
        ("## Setup\n\nInstall it.\n\n", "## Setup (continued)", "Then configure it.\n"),
        ("## Setup\n\nInstall it.\n", "## Setup (continuación)", "Then configure it.\n"),
        # A CRLF text.
        ("## Setup\r\n\r\nInstall the configu", "## Setup (continued)\r", "ration file.\r\n"),
    ],
)
@pytest.mark.parametrize("chunk", [None, 1, 100])
def test_a_continued_heading_is_dropped(sent: str, heading: str, rest: str, chunk: int | None) -> None:
    assert splice(sent, heading + "\n" + rest, chunk=chunk, sent_text=sent, mode="instruct") == sent + rest


@pytest.mark.parametrize(
    "mark",
    ["(continued)", "(cont.)", "(cont'd)", "— continued", "(Fortsetzung)", "(suite)", "(continuación)", "(seguito)"]
    + ["(continuação)", "(продовження)", "(tęsinys)", "(davomi)", "(বাকি অংশ)", "(המשך)", "(続き)", "(계속)"],
)
def test_a_continued_mark_at_a_line_start_is_read(mark: str) -> None:
    sent = "## Setup\n\nInstall it.\n\n"
    assert splice(sent, f"## Setup {mark}\nThen run it.\n", sent_text=sent, mode="instruct") == sent + "Then run it.\n"


@pytest.mark.parametrize("fence", ["```python", "```", "~~~~"])
def test_a_reopened_fence_after_the_heading_is_dropped(fence: str) -> None:
    sent = f"## Setup\n\nRun this:\n\n{fence}\nimport os\nprint(os.get"
    rest = f"cwd())\n{fence[:3] if fence != '~~~~' else fence}\n\nDone.\n"
    head = f"## Setup (continued)\n\n{fence}\n" + rest
    assert splice(sent, head, sent_text=sent, mode="instruct") == sent + rest


def test_repair_reports_the_step() -> None:
    out = repair(_SETUP, "## Setup (continued)\nration file.\n", final=True, sent_text=_SETUP, mode="instruct")
    assert out is not None
    assert out[0] == "ration file.\n"
    assert STEP in out[1].steps


@pytest.mark.parametrize(
    ("sent", "head"),
    [
        # A section resumed after another one came between: the text's own heading.
        ("## Results\n\nFirst half.\n\n## Discussion\n\nWhy.\n\n", "## Results (continued)\n\nSecond half.\n"),
        # At a line start, a tail that does not say "continued": a real subsection heading.
        ("## Install\n\nOn macOS, use brew.\n\n", "## Install (Windows)\n\nUse winget.\n"),
        ("## Install\n\nOn macOS, use brew.\n\n", "## Install — Linux\n\nUse apt.\n"),
        ("## Team\n\nWe are five.\n\n", "## Team (contacts)\n\nMail us.\n"),
        ("## Team\n\nWe are five.\n\n", "## Team (Fortschritte)\n\nViel.\n"),
        # "continued" as a word in prose.
        ("## Setup\n\nThe meeting ", "continued (continued) after lunch.\n"),
        # A heading that is not the sent text's: a different one, or one inside a code block.
        ("## Setup\n\nInstall the configu", "## Usage (continued)\nration file.\n"),
        ("```bash\n# Setup\necho hi\n```\n\nThen the configu", "# Setup (continued)\nration file.\n"),
        # A long tail is a title of its own.
        ("## Setup\n\nInstall the configu", "## Setup (for people who run it on a laptop)\nration.\n"),
        # A comment in code that repeats a heading-like line inside the block.
        ("```python\n# Setup\nx = 1\n", "# Setup (continued)\ny = 2\n```\n"),
    ],
)
@pytest.mark.parametrize("mode", ["instruct", "prefill"])
def test_a_heading_of_the_text_is_left_alone(sent: str, head: str, mode: str) -> None:
    seam = SeamRepair(sent, sent_text=sent, mode=mode)
    out = "".join(seam.feed(head[i : i + 4]) for i in range(0, len(head), 4)) + seam.finish()
    assert seam.result is not None and STEP not in seam.result.steps
    assert head.split("\n", 1)[0] in out


def test_last_heading_reads_past_code_blocks() -> None:
    text = "## Setup\n\n```bash\n# not a heading\n```\n\nText.\n"
    assert last_heading(text, in_fence=False) == "## Setup"
    assert last_heading("## A\n\n```\n# B\n", in_fence=True) == "## A"
    assert last_heading("no heading here\n", in_fence=False) is None


def test_hostile_long_input_is_handled() -> None:
    body = "".join(f"- item {i} with some words\n" for i in range(400))
    sent = "## List\n\n" + body + "and the configu"
    rest = "ration.\n" + "line of text\n" * 300
    head = "## List (continued)\n" + rest
    assert splice(sent, head, chunk=7, sent_text=sent, mode="instruct") == sent + rest
    sent = "x\n" * 5000 + "# " + "y" * 3000  # no complete heading, a long head of heading-like lines
    head = "# " * 3000 + "\n" + "#\n" * 2000
    assert splice(sent, head, chunk=50, sent_text=sent, mode="instruct").startswith(sent)


@pytest.mark.parametrize("mode", ["instruct", "prefill"])
def test_after_a_mid_line_cut_the_blank_line_after_the_heading_is_the_headings(mode: str) -> None:
    """The sentence goes on where it stopped: the heading said again goes with every line break after it."""
    sent = "## Setup\n\nFirst, install the "
    seam = SeamRepair(sent, sent_text=sent, mode=mode)
    head = "## Setup (continued)\n\npackage and then run it."
    out = "".join(seam.feed(head[i : i + 4]) for i in range(0, len(head), 4)) + seam.finish()
    assert out == "package and then run it."
