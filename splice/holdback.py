"""Hold back the trailing fragment that a fallback continuation might rewrite.

Text sent to the client can never be taken back.  If the primary dies after
sending "The quick bro", the fallback has to continue *inside* a word it did not
start, and the reader sees a seam.  So the relay withholds the partial word at
the end of the stream (≈ one word of latency) and releases it as soon as the
whitespace after it arrives.  On failure the held fragment is dropped and the
fallback regenerates it, which means the sent text always ends at a boundary.
"""

from __future__ import annotations

from .normalize import is_grapheme_extender, is_nospace_char, is_nospace_punct

__all__ = ["HoldBack"]

_RI_FIRST, _RI_LAST = 0x1F1E6, 0x1F1FF


def _is_regional_indicator(ch: str) -> bool:
    return _RI_FIRST <= ord(ch) <= _RI_LAST


def grapheme_safe_cut(text: str, cut: int, floor: int = 0) -> int:
    """Move `cut` left until it does not split a grapheme cluster (not below `floor`)."""
    while cut > floor:
        after = text[cut] if cut < len(text) else ""
        before = text[cut - 1]
        if before == "\u200d" or (after and is_grapheme_extender(after)):
            cut -= 1
            continue
        if after and _is_regional_indicator(after) and _is_regional_indicator(before):
            run = 0
            k = cut - 1
            while k >= 0 and _is_regional_indicator(text[k]):
                run += 1
                k -= 1
            if run % 2 == 1:  # `before` is the first half of a flag
                cut -= 1
                continue
        break
    return cut


def _ends_incomplete(text: str) -> bool:
    """True when the last grapheme may still grow: a trailing ZWJ or a lone regional indicator."""
    last = text[-1]
    if last == "\u200d":
        return True
    if _is_regional_indicator(last):
        run = 0
        k = len(text) - 1
        while k >= 0 and _is_regional_indicator(text[k]):
            run += 1
            k -= 1
        return run % 2 == 1
    return False


class HoldBack:
    """Withholds the trailing fragment a continuation might need to rewrite.

    * Space-delimited text: everything after the last whitespace is held, so the
      client only ever sees whole words plus the whitespace after them.
    * No-space scripts (CJK, Thai…): at most `nospace_hold` chars are held.
    * A "word" longer than `max_hold` chars (a URL, a hash) is released except for
      its last `nospace_hold` chars: the cap bounds the latency.
    * Cuts never split a grapheme cluster (combining marks, ZWJ sequences,
      variation selectors, skin-tone modifiers, flag pairs).
    """

    __slots__ = ("_held", "max_hold", "nospace_hold")

    def __init__(self, *, max_hold: int = 32, nospace_hold: int = 2) -> None:
        self._held = ""
        self.max_hold = max_hold
        self.nospace_hold = nospace_hold

    @property
    def held(self) -> str:
        return self._held

    def feed(self, delta: str) -> str:
        """Return the part of `held + delta` that is safe to send now."""
        if not delta:
            return ""
        text = self._held + delta if self._held else delta
        last = text[-1]
        if last.isspace() or is_nospace_punct(last):
            self._held = ""
            return text
        parts = text.rsplit(None, 1)
        fragment = parts[-1]
        start = len(text) - len(fragment)  # the trailing whitespace-free run
        if len(fragment) <= self.max_hold and fragment.isascii():
            # The common case, fast: ASCII has no combining marks and no no-space script.
            self._held = fragment
            return text[:start]
        # A no-space-script char ends a word: hold only what follows it,
        # or a couple of chars when the run itself ends in that script.
        k = len(text)
        while k > start and not is_nospace_char(text[k - 1]) and not is_nospace_punct(text[k - 1]):
            k -= 1
        if k == len(text):
            cut = max(start, len(text) - self.nospace_hold)
        elif k > start:
            cut = k
        else:
            cut = start
        if len(text) - cut > self.max_hold:
            cut = len(text) - self.nospace_hold
        # Never split a grapheme; extend the hold for an unfinished trailing one.
        floor = max(0, len(text) - self.max_hold)
        if cut >= len(text) and _ends_incomplete(text):
            cut = len(text) - 1
        cut = grapheme_safe_cut(text, cut, floor)
        self._held = text[cut:]
        return text[:cut]

    def release(self) -> str:
        """Release what is held now, except an unfinished last grapheme (a trailing ZWJ, half a flag).

        For text that must not wait for the whitespace after it (a fallback's first word).
        """
        held = self._held
        if not held:
            return ""
        cut = len(held)
        if _ends_incomplete(held):
            cut = grapheme_safe_cut(held, len(held) - 1)
        self._held = held[cut:]
        return held[:cut]

    def flush(self) -> str:
        """Normal end of stream: release everything held."""
        held, self._held = self._held, ""
        return held

    def drop(self) -> str:
        """Failure: forget the held fragment (the fallback regenerates it) and return it."""
        held, self._held = self._held, ""
        return held
