"""Where a text's fenced code blocks are: shared by the simulation and the batches that describe fallbacks in code."""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def fence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each closed fenced block's body: from after its opening line to its closing line's start."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    offset = 0
    for line in text.split("\n"):
        if _FENCE.match(line):
            if start is None:
                start = offset + len(line) + 1
            else:
                spans.append((start, offset))
                start = None
        offset += len(line) + 1
    return spans


def in_fence(text: str, pos: int) -> bool:
    """Whether offset `pos` of `text` lies in a closed fenced block's body (its ends included)."""
    return any(a <= pos <= b for a, b in fence_spans(text))
