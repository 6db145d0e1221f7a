"""Send-time stamps that read like model output: two words, two tokens, per chunk.

The load's upstream stamps every chunk with its send time so a client can measure what each
hop added.  The stamp is words, not digits, because the relay's accounting counts tokens: a
stamp should cost it what a model's chunk does.  It is two words, each a single o200k_base token
(`` mercato bande``):

- the send time in microseconds, modulo 2**30 (about 17.9 minutes), split into two 15-bit
  halves, each an index into a list of 32,768 words;
- a client takes the latest time at or before the receipt that has those 30 bits, which is
  exact for any delay under 17.9 minutes;
- the words are taken from the tokenizer's own vocabulary (tokens of a space and a word of
  letters, `` [A-Za-z][a-z]+``), with every word that is a prefix of another dropped, so a word
  cut at an event's end is never mistaken for a whole one.

A real model's chunk is one token of about four characters; this one is two tokens of about
twelve, so the load errs on the heavy side.
"""

from __future__ import annotations

import base64
import re
from functools import cache

from relay.tokens import ENCODINGS_DIR, SHIPPED_ENCODINGS

__all__ = ["StampReader", "encode_stamp", "sent_ns", "stamp_words"]

WORD_BITS = 15
STAMP_BITS = 2 * WORD_BITS
STAMP_MASK = (1 << STAMP_BITS) - 1
WORD_MASK = (1 << WORD_BITS) - 1
_WORD = re.compile(rb" [A-Za-z][a-z]+")


@cache
def stamp_words() -> tuple[str, ...]:
    """The 2**15 words a stamp is spelled in: o200k_base tokens of a space and a word, none a prefix of another.

    Read from the BPE file the relay ships (one ``base64 rank`` line per token), so the
    upstream and the clients derive the same list without loading tiktoken. (tiktoken's
    ``load_tiktoken_bpe`` would also copy the file into its cache folder, which the relay
    points at ``relay/encodings``.)
    """
    file_name, _ = SHIPPED_ENCODINGS["o200k_base"]
    found = []
    for line in (ENCODINGS_DIR / file_name).read_bytes().splitlines():
        token = base64.b64decode(line.split(b" ", 1)[0])
        if _WORD.fullmatch(token):
            found.append(token[1:].decode("ascii"))
    found.sort()
    # Sorted, every word that extends `w` comes straight after it: drop `w` when the next one does.
    prefix_free = [w for w, following in zip(found, found[1:] + [""]) if not following.startswith(w)]
    if len(prefix_free) < 1 << WORD_BITS:  # pragma: no cover - a property of the shipped file
        raise RuntimeError(f"only {len(prefix_free)} stamp words in o200k_base")
    return tuple(prefix_free[: 1 << WORD_BITS])


@cache
def _index_of_word() -> dict[str, int]:
    return {word: index for index, word in enumerate(stamp_words())}


def encode_stamp(time_ns: int) -> str:
    """The chunk text for a send time: `` <high word> <low word>``."""
    words = stamp_words()
    value = (time_ns // 1000) & STAMP_MASK
    return f" {words[value >> WORD_BITS]} {words[value & WORD_MASK]}"


def sent_ns(value: int, recv_ns: int) -> int:
    """The send time a 30-bit stamp stands for: the latest such microsecond at or before the receipt."""
    recv_us = recv_ns // 1000
    return (recv_us - ((recv_us - value) & STAMP_MASK)) * 1000


class StampReader:
    """Reads stamps out of a stream's text as it arrives, in whatever pieces it arrives.

    ``feed(text, now)`` appends the send time of every stamp the text completes to ``sent``
    and ``now`` to ``recv`` (the caller's lists, when given).  A word cut at the end of a
    piece waits for the rest (a stream that ends inside a word completes no stamp); words
    that are not stamp words (another text) are skipped and break no pairing after them.
    """

    __slots__ = ("sent", "recv", "_carry", "_high", "_index")

    def __init__(self, sent: list[int] | None = None, recv: list[int] | None = None) -> None:
        self.sent: list[int] = [] if sent is None else sent
        self.recv: list[int] = [] if recv is None else recv
        self._carry = ""  # a word cut at the end of the last piece
        self._high: int | None = None  # the first word of a stamp whose second word is still to come
        self._index = _index_of_word()

    def feed(self, text: str, now: int) -> None:
        if self._carry:
            text = self._carry + text
            self._carry = ""
        words = text.split(" ")
        last = words.pop()
        for word in words:
            self._word(word, now)
        if last:
            if last in self._index:  # whole: no stamp word is the start of another
                self._word(last, now)
            else:
                self._carry = last

    def _word(self, word: str, now: int) -> None:
        if not word:
            return
        index = self._index.get(word)
        if index is None:
            self._high = None
            return
        if self._high is None:
            self._high = index
            return
        self.sent.append(sent_ns((self._high << WORD_BITS) | index, now))
        self.recv.append(now)
        self._high = None
