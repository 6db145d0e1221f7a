"""A comment line a fallback writes before it resumes cut code (rule AD).

Cut in a code block, a fallback told to continue often opens with a comment in the block's language that marks
where it resumes ("# ... continuing from where the previous output stopped", "// (continued)", "⍝ continued from
above"), then writes the cut line again from its start and the rest.  A reader calls the comment line the seam's
when

* the sent text stops inside a line that has code, the comment stands at that line's indentation and the line
  after it says the cut line again from its start: code puts no line of its own inside one of its lines, so the
  comment is the fallback's whatever it says;
* or its text is an elision or a lead-in that speaks of the continuation (rule J's test, `elision_comment`: an
  ellipsis with a few words, or a lead-in of any length).

The comment's own line break ends it: a blank line after it is the code's own (the code had one at the cut), as
after a wrapper's tag.  The cut line said again is left to the overlap step.
"""

from __future__ import annotations

from .lead import COMMENT_LEADER, PENDING, elision_comment

__all__ = ["PENDING", "STEP", "comment_lead"]

STEP = "comment"
#: The longest comment line read as a lead (longer lines are the code's).
_MAX_LINE = 200
#: A comment leader spelled as a word: its first letters may arrive before the space that makes it one.
_WORD_LEADERS = ("rem ",)


def _may_begin(body: str) -> bool:
    """The head's first line so far (without indentation) may still become a comment line."""
    if len(body) > _MAX_LINE:
        return False
    low = body.lower()
    if any(leader.startswith(low) or low.startswith(leader) for leader in _WORD_LEADERS):
        return True
    return elision_comment(body, final=False) == PENDING


def _closes_cut_line(cut: str, line: str) -> bool:
    """`line` closes a bracket the cut line left open: it is that line's rest (`print(` + `'a')`), no comment."""
    depth = 0
    for char in cut:
        depth += char in "([{"
        depth -= char in ")]}" and depth > 0
    return depth > 0 and any(char in ")]}" for char in line)


def _says_cut_line_again(sent: str, comment: str, after: str, final: bool) -> bool | None:
    """The comment stands at the cut line's indentation and the line after it says that line again from its start,
    indentation and all; None while it may still.  The leader must stand as a word, followed by a blank or the
    line's end (`--graph` and `'middle')` are the cut line's rest), on a line that closes no bracket the cut line
    left open."""
    cut = sent[sent.rfind("\n") + 1 :].rstrip()
    indent = cut[: len(cut) - len(cut.lstrip(" \t"))]
    if cut == indent or comment[: len(comment) - len(comment.lstrip(" \t"))] != indent:
        return False
    body = comment.strip()
    leader = COMMENT_LEADER.match(body)
    if leader is None or body[leader.end() : leader.end() + 1] not in ("", " ", "\t"):
        return False
    if _closes_cut_line(cut, body):
        return False
    line = after.split("\n", 1)[0]
    if line.startswith(cut):
        return True
    if "\n" not in after and not final and cut.startswith(line):
        return None
    return False


def comment_lead(sent: str, head: str, *, final: bool) -> int:
    """Chars of the comment line (with its line break) the head opens with; 0 if none, PENDING while it may be."""
    nl = head.find("\n")
    if nl < 0:
        body = head.lstrip(" \t")
        return PENDING if not final and body and _may_begin(body) else 0
    line = head[:nl]
    if len(line) > _MAX_LINE or not COMMENT_LEADER.match(line.strip()):
        return 0
    n = elision_comment(head, final)
    if n > 0:
        return n
    again = _says_cut_line_again(sent, line, head[nl + 1 :], final)
    if again is None:
        return PENDING
    return nl + 1 if again else 0
