"""The script language of the fake models: a model name ``<name>[;key=value]*`` that says how to misbehave.

One grammar for both fakes: the simulated provider (:mod:`providers.simulated`) and the load tool's fake upstream
(``loadtest/upstream.py``) parse their model names here, each with its own table of keys, because the one runs in the
relay's process and fails with a provider error while the other fails on the wire.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["KeyParser", "ScriptError", "model_name", "non_negative", "one_of", "parse_script"]

#: Turns a key's raw value into what the script holds; raises ValueError when the value is not valid.
KeyParser = Callable[[str], Any]


class ScriptError(ValueError):
    """The model name carries a script the fake model cannot follow (answered with 400)."""


def non_negative(convert: Callable[[str], int | float]) -> KeyParser:
    """A parser for a finite number of at least zero."""

    def parse(value: str) -> int | float:
        number = convert(value)
        if number < 0 or (isinstance(number, float) and not math.isfinite(number)):
            raise ValueError(value)
        return number

    return parse


def one_of(choices: Iterable[str]) -> KeyParser:
    """A parser for one word of a fixed set."""
    allowed = frozenset(choices)

    def parse(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(sorted(allowed))}")
        return value

    return parse


def parse_script(model: str, keys: Mapping[str, KeyParser]) -> tuple[str, dict[str, Any]]:
    """Split ``model`` into its name and its parsed ``key=value`` parts; raise :class:`ScriptError` naming the bad one.

    Keys are case-insensitive, spaces around parts are ignored and empty parts skipped.
    """
    name, *parts = model.split(";")
    values: dict[str, Any] = {}
    for part in parts:
        part = part.strip()
        if not part:
            continue
        key, sep, raw = part.partition("=")
        key, raw = key.strip().lower(), raw.strip()
        if key not in keys:
            raise ScriptError(f"unknown script key {key!r} in model {model!r}: expected one of {sorted(keys)}")
        if not sep:
            raise ScriptError(f"script key {key!r} needs a value (key=value) in model {model!r}")
        try:
            values[key] = keys[key](raw)
        except ValueError as exc:
            raise ScriptError(f"bad value {raw!r} for {key!r} in model {model!r}: {exc}") from None
    return name.strip(), values


def model_name(model: str, **keys: object) -> str:
    """Build a scripted model name: ``model_name("gpt-4o", fault="stall", at=3)``; keys set to None are left out."""
    return ";".join([model, *(f"{key}={value}" for key, value in keys.items() if value is not None)])
