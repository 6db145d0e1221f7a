"""Offline tiktoken encodings, shipped inside the package, and token counts that never fail.

tiktoken downloads its BPE files on first use and caches them under the SHA-1
of their URL. We ship both files under those names in ``relay/encodings`` and
point tiktoken's cache at that folder, so the relay never touches the network
to count tokens. Each file's sha256 is checked once, at first load.

tiktoken can fail on input it was never meant to see: a run of about a million
spaces overflows its regex's stack and raises pyo3's ``PanicException``, a
``BaseException``. `count_tokens` and `count_tokens_async` turn any failure into an
estimate from the text's size and say so; texts too large to count where the
caller runs are estimated too, or counted in a worker thread (tiktoken releases
the GIL) so the event loop never waits for them.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import TypeVar

import tiktoken

ENCODINGS_DIR = Path(__file__).parent / "encodings"

# encoding name -> (file name in tiktoken's cache, sha256 tiktoken expects)
SHIPPED_ENCODINGS: dict[str, tuple[str, str]] = {
    "o200k_base": (
        "fb374d419588a4632f3f557e76b4b70aebbca790",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
    "cl100k_base": (
        "9b5ad71b2ce5302211f9c61530b329a4922fc6a4",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
}

# Model-name prefixes that use cl100k_base; every other model uses o200k_base
# (exactly for OpenAI's current models, as an estimate for other families).
_CL100K_PREFIXES = ("gpt-4-", "gpt-4", "gpt-3.5", "text-embedding-3", "text-embedding-ada")
_O200K_PREFIXES = ("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "chatgpt-4o", "gpt-oss")
_OPENAI_PREFIXES = _O200K_PREFIXES + _CL100K_PREFIXES

_load_lock = threading.Lock()


class EncodingFileError(RuntimeError):
    """A shipped encoding file is missing or does not match its sha256."""


def _verify(name: str) -> None:
    file_name, expected = SHIPPED_ENCODINGS[name]
    path = ENCODINGS_DIR / file_name
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise EncodingFileError(f"tiktoken encoding {name} missing at {path}: {exc}") from exc
    if digest != expected:
        raise EncodingFileError(f"tiktoken encoding {name} at {path} has sha256 {digest}, expected {expected}")


@cache
def get_encoding(name: str) -> tiktoken.Encoding:
    """Load a shipped encoding without network access."""
    if name not in SHIPPED_ENCODINGS:
        raise KeyError(f"encoding {name!r} is not shipped with splice-relay")
    with _load_lock:
        _verify(name)
        # tiktoken reads its cache folder from the environment at load time.
        os.environ["TIKTOKEN_CACHE_DIR"] = str(ENCODINGS_DIR)
        return tiktoken.get_encoding(name)


def encoding_name_for_model(model: str) -> str:
    """The encoding a model uses; o200k_base for models tiktoken does not know."""
    bare = model.rsplit("/", 1)[-1].lower()
    if bare.startswith(_O200K_PREFIXES):
        return "o200k_base"
    if bare.startswith(_CL100K_PREFIXES):
        return "cl100k_base"
    return "o200k_base"


def is_exact_for_model(model: str) -> bool:
    """Whether tiktoken's count is the provider's own (OpenAI models) or an estimate."""
    return model.rsplit("/", 1)[-1].lower().startswith(_OPENAI_PREFIXES)


def encoding_for_model(model: str) -> tiktoken.Encoding:
    return get_encoding(encoding_name_for_model(model))


def preload_encodings(models: Iterable[str]) -> None:
    """Load the encodings these models use now, not at the first stream that needs one.

    Loading one takes about a second (o200k_base: 0.9 s and 75 MB here) and runs on
    the event loop: at the first request it would stall every stream in flight.
    """
    for name in {encoding_name_for_model(model) for model in models}:
        get_encoding(name)


# -- counts that never fail --------------------------------------------------

INLINE_CHARS = 4096  # count_tokens_async counts up to this on the loop (well under a millisecond)
SYNC_MAX_CHARS = 32768  # count_tokens estimates past this: it runs on the loop, where a big count stalls every stream
MAX_COUNT_CHARS = 1 << 20  # past this, even a worker thread only estimates (bounds the CPU one text can take)
_COUNT_THREADS = 2  # a pool of its own, so big counts never queue ahead of the loop's DNS lookups

logger = logging.getLogger("splice_relay.tokens")

_T = TypeVar("_T")
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def estimate_tokens(text: str) -> int:
    """A token count from the text's size alone: a UTF-8 byte in four, rounded up (errs high for budgets)."""
    size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
    return (size + 3) // 4


def _tokenizer_failed(encoding: tiktoken.Encoding, text: str, exc: BaseException) -> None:
    """Log what tiktoken raised (the caller estimates instead); the interpreter's own exits go on."""
    if isinstance(exc, (KeyboardInterrupt, SystemExit)):
        raise exc
    logger.warning(
        "tokenizer %s failed on %d chars (%s: %.200s); estimating", encoding.name, len(text), type(exc).__name__, exc
    )


def count_bounded(encoding: tiktoken.Encoding, text: str, limit: int) -> tuple[int, bool]:
    """`(tokens, estimated)`: tiktoken's count up to `limit` chars, an estimate past it or if tiktoken fails."""
    if not text:
        return 0, False
    if len(text) > limit:
        return estimate_tokens(text), True
    try:
        return len(encoding.encode_ordinary(text)), False
    except BaseException as exc:  # pyo3's PanicException is a BaseException
        _tokenizer_failed(encoding, text, exc)
        return estimate_tokens(text), True


def count_tokens(encoding: tiktoken.Encoding, text: str) -> tuple[int, bool]:
    """`(tokens, estimated)`, never raising: an estimate when tiktoken fails or the text is too large to count here."""
    return count_bounded(encoding, text, SYNC_MAX_CHARS)


async def count_tokens_async(encoding: tiktoken.Encoding, text: str) -> tuple[int, bool]:
    """`(tokens, estimated)`, never raising: small texts counted inline, large ones in a worker thread."""
    if len(text) <= INLINE_CHARS:
        return count_bounded(encoding, text, INLINE_CHARS)
    if len(text) > MAX_COUNT_CHARS:
        return estimate_tokens(text), True
    return await off_loop(lambda: count_bounded(encoding, text, MAX_COUNT_CHARS), lambda: (estimate_tokens(text), True))


async def off_loop(work: Callable[[], _T], fallback: Callable[[], _T]) -> _T:
    """Run `work` in the counting threads; `fallback()` if it cannot be scheduled (interpreter shutdown)."""
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = ThreadPoolExecutor(max_workers=_COUNT_THREADS, thread_name_prefix="token-count")
    try:
        future = asyncio.get_running_loop().run_in_executor(_pool, work)
    except RuntimeError:  # the executor is shutting down
        return fallback()
    return await future


@cache
def _byte_tokens(name: str) -> tuple[int, ...]:
    """The id of each single byte's token in encoding `name` (every byte is one in the shipped encodings)."""
    encoding = get_encoding(name)
    return tuple(encoding.encode_single_token(bytes([value])) for value in range(256))


def encode_safely(encoding: tiktoken.Encoding, text: str) -> list[int]:
    """Token ids of `text`, never raising: one token per UTF-8 byte when tiktoken fails (decodes to the same text)."""
    try:
        return encoding.encode_ordinary(text)
    except BaseException as exc:
        _tokenizer_failed(encoding, text, exc)
    table = _byte_tokens(encoding.name)
    return [table[value] for value in text.encode("utf-8", "surrogatepass")]


def decode_safely(encoding: tiktoken.Encoding, tokens: list[int]) -> str:
    """The text of `tokens`, never raising: empty when tiktoken fails."""
    try:
        return encoding.decode(tokens)
    except BaseException as exc:
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        logger.warning("tokenizer %s failed to decode %d tokens (%s)", encoding.name, len(tokens), type(exc).__name__)
        return ""
