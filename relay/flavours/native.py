"""The native events, read back from the log's encoded frames for the other flavours.

The log keeps each event as the SSE frame `relay/events.py` encoded once at append
(`id: N\nevent: NAME\ndata: JSON\n\n`, the JSON on one line). A flavour is fed those
frames, several at a time, and answers with its own bytes. A token's text is passed on
as the JSON string literal it already is in the frame, so no token is decoded or encoded
again; only the rare events (`cost`, `done`, `error`) are parsed.
"""

from __future__ import annotations

from typing import Any

import orjson

_FRAME_END = b"\n\n"
_EVENT = b"\nevent: "
_DATA = b"\ndata: "
_TOKEN = b"token"
_COST = b"cost"
_DONE = b"done"
_ERROR = b"error"
_TEXT_PREFIX_LEN = len(b'{"text":')


class NativeReader:
    """Turns a body of native frames into another flavour's bytes; subclasses say what each event becomes.

    Remembers the last `cost` (the final one precedes the terminal event) and the text
    so far, as the JSON literals of its tokens.
    """

    def __init__(self, *, keep_text: bool = False) -> None:
        self.pieces: list[bytes] | None = [] if keep_text else None  # each token's JSON string literal, unquoted
        self.cost: dict[str, Any] | None = None
        self._cost_frame = b""

    def __call__(self, body: bytes) -> bytes:
        out = b""
        for frame in body.split(_FRAME_END)[:-1]:
            _, _, rest = frame.partition(_EVENT)
            name, _, data = rest.partition(_DATA)
            if name == _TOKEN:
                literal = data[_TEXT_PREFIX_LEN:-1]
                if self.pieces is not None:
                    self.pieces.append(literal[1:-1])
                out += self.token(literal)
            elif name == _COST:
                self._cost_frame = data  # parsed only if it is the last
            elif name == _DONE or name == _ERROR:
                if self._cost_frame:
                    self.cost = orjson.loads(self._cost_frame)
                    self._cost_frame = b""
                end: dict[str, Any] = orjson.loads(data)
                out += self.done(end) if name == _DONE else self.error(end)
        return out

    @property
    def text(self) -> str:
        """The text read so far (decoded once, when asked; kept only with `keep_text`)."""
        text: str = orjson.loads(b'"' + b"".join(self.pieces or ()) + b'"')
        return text

    def token(self, literal: bytes) -> bytes:
        """A `token` event: its text as a JSON string literal (with quotes)."""
        return b""

    def done(self, data: dict[str, Any]) -> bytes:
        return b""

    def error(self, data: dict[str, Any]) -> bytes:
        return b""


def usage_of(cost: dict[str, Any] | None) -> tuple[int, int, int]:
    """Input, output and cached input tokens of a `cost` event, summed over the stream's attempts (0 without one)."""
    if not cost:
        return 0, 0, 0
    cached = 0
    for attempt in cost.get("attempts") or ():
        reported = attempt.get("reported") if isinstance(attempt, dict) else None
        if isinstance(reported, dict):
            cached += int(reported.get("cached_input_tokens") or 0)
    return int(cost.get("input_tokens") or 0), int(cost.get("output_tokens") or 0), cached
