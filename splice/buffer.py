"""The last few hundred tokens sent to the client: what seam repair works from."""

from __future__ import annotations

from collections.abc import Callable

from .holdback import grapheme_safe_cut

__all__ = ["RollingBuffer"]


class RollingBuffer:
    """The last `max_tokens` tokens of text sent to the client.

    `append` is on the hot path, so it only stores the chunk and, now and then,
    trims a char-bounded window (`max_tokens * chars_per_token` chars, which
    holds at least `max_tokens` tokens for any realistic text).  Tokenizing
    happens only in `tail()`, i.e. once per failover.
    """

    __slots__ = ("_decode", "_encode", "_parts", "_window_chars", "_total", "_keep", "max_tokens")

    def __init__(
        self,
        encode: Callable[[str], list[int]],
        decode: Callable[[list[int]], str],
        max_tokens: int = 200,
        *,
        chars_per_token: int = 16,
    ) -> None:
        self._encode = encode
        self._decode = decode
        self.max_tokens = max_tokens
        self._keep = max(max_tokens * chars_per_token, 64)
        self._parts: list[str] = []
        self._window_chars = 0
        self._total = 0

    @property
    def total_chars(self) -> int:
        """Chars appended ever."""
        return self._total

    def append(self, text: str) -> None:
        if not text:
            return
        self._parts.append(text)
        self._window_chars += len(text)
        self._total += len(text)
        if self._window_chars > 2 * self._keep:  # amortised: trim once per `keep` chars
            window = "".join(self._parts)[-self._keep :]
            self._parts = [window]
            self._window_chars = len(window)

    def window(self) -> str:
        """The raw char-bounded window (a suffix of everything appended)."""
        if len(self._parts) > 1:
            self._parts = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""

    def tail(self) -> str:
        """Exactly the text of the last `max_tokens` tokens, starting on a whole grapheme."""
        text = self.window()
        if not text:
            return ""
        tokens = self._encode(text)
        while len(tokens) > self.max_tokens:
            suffix = self._decode(tokens[-self.max_tokens :])
            # The first token may start inside a multi-byte char: its bytes decode
            # to U+FFFD.  Skip to the longest suffix of `text` we can vouch for.
            n = min(len(suffix), len(text))
            while n > 0 and not text.endswith(suffix[len(suffix) - n :]):
                n -= 1
            start = _grapheme_start(text, len(text) - n)
            text = text[start:]
            tokens = self._encode(text)
        return text


def _grapheme_start(text: str, start: int) -> int:
    """Move `start` right past any chars that only extend the grapheme before it."""
    while start < len(text) and grapheme_safe_cut(text, start) != start:
        start += 1
    return start
