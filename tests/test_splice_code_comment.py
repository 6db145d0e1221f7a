"""Rule AD (code comment lead): a comment line the fallback writes before it resumes cut code is dropped."""

from __future__ import annotations

import time

import pytest

from splice.codecomment import PENDING, comment_lead

from .test_splice_seam import splice

LEAD_INS = [
    "# ... continuing from where the previous output stopped",
    "// ... continuing from where the previous output stopped",
    "-- (continued from the previous message)",
    "<!-- ... continuing from where the previous output stopped -->",
    "⍝ continued from above",
    "REM ... rest of the code",
    "% continuing the code",
    "; (continued)",
]


@pytest.mark.parametrize("chunk", [None, 1, 3])
@pytest.mark.parametrize("comment", LEAD_INS)
def test_a_lead_in_comment_of_any_length_goes(comment: str, chunk: int | None) -> None:
    sent = "```text\nfirst_line()\n"
    assert splice(sent, comment + "\nsecond_line()\n```", chunk=chunk, mode="instruct") == sent + "second_line()\n```"


@pytest.mark.parametrize("chunk", [None, 1, 3])
@pytest.mark.parametrize(
    "comment", ["# here is the part you asked for", "// Fortsetzung", "-- 続き", "# step 2: the config, finished"]
)
def test_any_comment_before_the_cut_line_said_again_goes(comment: str, chunk: int | None) -> None:
    sent = "```haproxy\nglobal\n    maxconn 4096\n\ndefaults\n    timeout client  3"
    head = f"    {comment}\n    timeout client  30s\n    timeout server  30s\n```"
    assert splice(sent, head, chunk=chunk, mode="instruct") == sent + "0s\n    timeout server  30s\n```"


@pytest.mark.parametrize("chunk", [None, 1, 3])
def test_the_blank_line_after_the_comment_is_the_codes(chunk: int | None) -> None:
    sent = "```python\nimport re\n"
    head = "# (continued)\n\nEMAIL = re.compile(r'@')\n```"
    assert splice(sent, head, chunk=chunk, mode="instruct") == sent + "\nEMAIL = re.compile(r'@')\n```"


@pytest.mark.parametrize(
    ("sent", "head"),
    [
        # A comment of the code's own at a line start.
        ("```python\nx = 1\n", "# then the total\ny = 2\n```"),
        ("```python\nx = 1\n", "# Rules\n\ny = 2\n```"),
        # Cut inside a line, a comment line not followed by that line again.
        ("```python\nvalues = [\n    1, 2, ", "# the rest\n    3, 4]\n```"),
        # A comment leader inside the line the text goes on with.
        ("```sql\nSELECT a ", "-- the id\nFROM t;\n```"),
    ],
)
def test_the_codes_own_comments_stay(sent: str, head: str) -> None:
    assert splice(sent, head, mode="instruct") == sent + head


def test_the_comment_waits_for_its_line_and_the_next() -> None:
    sent = "```lua\nlocal function log(level, fmt, ...)\n  local ar"
    assert comment_lead(sent, "  -- note", final=False) == PENDING
    assert comment_lead(sent, "RE", final=False) == PENDING
    assert comment_lead(sent, "  -- note\n  local", final=False) == PENDING
    assert comment_lead(sent, "  -- note\n  local ar", final=False) == len("  -- note\n")
    assert comment_lead(sent, "  -- note\n  return", final=False) == 0
    assert comment_lead(sent, "  x = 1\n", final=False) == 0


@pytest.mark.parametrize(
    "head",
    [
        "#" * 10_000,
        "// " + "x" * 10_000,
        "# (continued)\n" * 700,
        "\n" * 10_000,
        "REM " * 2_500,
        "-- a\n" * 2_000,
    ],
)
def test_hostile_heads(head: str) -> None:
    started = time.perf_counter()
    for sent in ("```sh\necho one\n", "```sh\necho one\necho tw"):
        whole = splice(sent, head, chunk=len(head), mode="instruct")
        for chunk in (1, 2, 3):
            assert splice(sent, head, chunk=chunk, mode="instruct") == whole
    assert time.perf_counter() - started < 10  # linear: about a second; quadratic in 10k chars: minutes


def test_a_comment_continuing_the_cut_line_is_the_codes() -> None:
    """Cut after a line's `<`, the exact rest `!-- … -->` starts with a comment leader and the next line with `<`."""
    sent = "```xml\n<dependencies>\n    <"
    head = "!-- test-only: not shipped -->\n    <dependency>\n      <groupId>org.junit</groupId>\n```"
    assert splice(sent, head, mode="instruct") == sent + head


def test_the_code_after_a_lead_in_comment_is_not_read_as_a_lead_in() -> None:
    sent = "```ruby\nindex[book.author] << bo"
    head = "#### Continuing where I left off\nok\n    end\n```"
    assert splice(sent, head, mode="instruct") == sent + "ok\n    end\n```"


@pytest.mark.parametrize(
    ("sent", "head"),
    [
        # the cut line's rest starts with a char a comment may start with: it is code, not a comment
        ("```python\nprint('start')\nprint(", "'middle')\nprint('end')\n```\n"),
        ("```bash\ngit log --oneline\ngit log ", "--graph\ngit log --stat\n```\n"),
        ("```python\nx = f(", "* 2)\nx = f(y)\n```\n"),
    ],
)
@pytest.mark.parametrize("mode", ["prefill", "instruct"])
def test_the_cut_lines_rest_is_no_comment(sent: str, head: str, mode: str) -> None:
    assert splice(sent, head, mode=mode) == sent + head
    assert splice(sent, head, chunk=1, mode=mode) == sent + head
