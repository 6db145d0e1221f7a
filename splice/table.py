"""Recognise a Markdown table's header said again at the start of the fallback's head.

Cut inside a table's body, a fallback often writes the table again from its header: the header row and
the delimiter row, then the current row from its start.  Those two rows are the table's, already sent.
"""

from __future__ import annotations

import re

__all__ = ["table_header_repeat", "PENDING"]

PENDING = -1

_DELIMITER_RE = re.compile(r"[ \t]*\|?[ \t]*:?-{1,}:?[ \t]*(?:\|[ \t]*:?-{1,}:?[ \t]*)+\|?[ \t]*")
_SPACE_RE = re.compile(r"\s+")


def _squeeze(line: str) -> str:
    """A row without its cell padding, so `| a  | b |` and `|a|b|` compare equal."""
    return _SPACE_RE.sub("", line)


def _header_rows(sent: str) -> tuple[str, str] | None:
    """The header row and first body row of the table the sent text ends in (in its body), if any."""
    lines = sent.split("\n")
    for i in range(len(lines) - 2, 0, -1):  # the last line may be a partial row
        line = lines[i]
        if _DELIMITER_RE.fullmatch(line):
            header = lines[i - 1]
            return (header, lines[i + 1]) if header.lstrip().startswith("|") else None
        if not line.lstrip().startswith("|"):
            return None
    return None


def table_header_repeat(sent: str, head: str, *, final: bool, tail: str | None = None) -> int:
    """Length of a repeated header and delimiter row at the start of `head`, 0 if none, PENDING if undecidable.

    `sent` is the whole sent text (or as much of it as reaches back to the table's header); `tail` the part
    the seam compares repeats with.  A table said again from its first row that the tail no longer holds is
    left whole, header included, to be judged as a restart of the answer.
    """
    stripped = head.lstrip("\n")
    if not stripped.lstrip(" \t").startswith("|"):
        return 0 if stripped.strip() or final else PENDING
    rows = _header_rows(sent)
    if rows is None:
        return 0
    header, first_row = rows
    lead = len(head) - len(stripped)
    first_nl = stripped.find("\n")
    want = _squeeze(header)
    if first_nl == -1:
        return PENDING if not final and want.startswith(_squeeze(stripped)) else 0
    if _squeeze(stripped[:first_nl]) != want:
        return 0
    second_nl = stripped.find("\n", first_nl + 1)
    if second_nl == -1:
        return 0 if final else PENDING
    if not _DELIMITER_RE.fullmatch(stripped[first_nl + 1 : second_nl]):
        return 0
    # The whole table again from its first row is a restart of the table, judged as one with its header.
    body = stripped[second_nl + 1 :]
    row = body.split("\n", 1)[0]
    current = sent[sent.rfind("\n") + 1 :]
    in_reach = tail is not None and first_row in tail
    if not in_reach and _squeeze(first_row) != _squeeze(current) and not current.startswith(first_row):
        if "\n" not in body and not final and _squeeze(first_row).startswith(_squeeze(row)):
            return PENDING
        if _squeeze(row) == _squeeze(first_row):
            return 0
    return lead + second_nl + 1
