"""Checks of the request fields both OpenAI flavours share; each failure is a 400 naming the field."""

from __future__ import annotations

from typing import Any

from ..errors import ApiError

ROLES = frozenset({"system", "developer", "user", "assistant"})


def invalid(message: str, param: str | None, code: str = "invalid_request") -> ApiError:
    return ApiError(400, code, message, param=param)


def refuse_unsupported(body: dict[str, Any], supported: frozenset[str], ignored: frozenset[str]) -> None:
    """A 400 for the first field the relay cannot honour: it is never dropped silently.

    `ignored` fields change nothing in the text (user, metadata...) and are accepted; a field
    set to null counts as absent.
    """
    for name, value in body.items():
        if name in supported or name in ignored or value is None:
            continue
        raise invalid(
            f"'{name[:100]}' is not supported by this relay (text in, text out); remove it",
            name[:100],
            "unsupported_parameter",
        )


def model_name(body: dict[str, Any]) -> str:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise invalid("'model' is required: a route name (e.g. 'default') or 'provider/model'", "model")
    return model


def max_tokens(body: dict[str, Any], names: tuple[str, ...], limit: int) -> int | None:
    """The first of `names` that is set, as an integer from 1 to `limit`."""
    for name in names:
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= limit:
            raise invalid(f"'{name}' must be an integer from 1 to {limit}", name)
        return value
    return None


def temperature(body: dict[str, Any]) -> float | None:
    value = body.get("temperature")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 2:
        raise invalid("'temperature' must be a number from 0 to 2", "temperature")
    return float(value)


def boolean(body: dict[str, Any], name: str) -> bool:
    value = body.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise invalid(f"'{name}' must be a boolean", name)
    return value


def text_of(content: Any, where: str, part_types: frozenset[str]) -> str | list[dict[str, Any]]:
    """A message's content: a string, or text parts (of `part_types`) as native `{"type": "text"}` parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and content:
        parts: list[dict[str, Any]] = []
        for index, part in enumerate(content):
            if (
                not isinstance(part, dict)
                or part.get("type") not in part_types
                or not isinstance(part.get("text"), str)
            ):
                kinds = " or ".join(f"'{kind}'" for kind in sorted(part_types))
                raise invalid(f"{where}[{index}] must be a {kinds} part with a string 'text'", f"{where}[{index}]")
            parts.append({"type": "text", "text": part["text"]})
        return parts
    raise invalid(f"{where} must be a string or a non-empty list of text parts", where)


def role_of(message: dict[str, Any], where: str) -> str:
    role = message.get("role")
    if not isinstance(role, str) or role not in ROLES:
        raise invalid(f"{where}.role must be one of {', '.join(sorted(ROLES))}", f"{where}.role")
    return role
