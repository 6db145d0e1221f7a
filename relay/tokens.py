"""Offline tiktoken encodings, shipped inside the package.

tiktoken downloads its BPE files on first use and caches them under the SHA-1
of their URL. We ship both files under those names in ``relay/encodings`` and
point tiktoken's cache at that folder, so the relay never touches the network
to count tokens. Each file's sha256 is checked once, at first load.
"""

from __future__ import annotations

import hashlib
import os
import threading
from functools import cache
from pathlib import Path
from typing import Iterable

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
