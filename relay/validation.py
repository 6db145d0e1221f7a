"""Checks a `POST /v1/streams` body; every failure names the field."""

from __future__ import annotations

from typing import Any

from .engine import GenerationRequest
from .errors import ApiError

ROLES = frozenset({"system", "developer", "user", "assistant"})


def _bad(message: str) -> ApiError:
    return ApiError(400, "invalid_request", message)


def parse_generation_request(body: Any, *, max_output_tokens: int) -> tuple[str, GenerationRequest]:
    """Returns the route name and the request, or raises a 400 ApiError."""
    if not isinstance(body, dict):
        raise _bad("the body must be a JSON object")
    unknown = set(body) - {"route", "messages", "max_tokens", "temperature", "max_usd", "cache"}
    if unknown:
        raise _bad(f"unknown field(s): {', '.join(sorted(unknown))}")
    route = body.get("route", "default")
    if not isinstance(route, str) or not route:
        raise _bad("'route' must be a non-empty string")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _bad("'messages' must be a non-empty list")
    for index, message in enumerate(messages):
        _check_message(message, f"messages[{index}]")
    max_tokens = body.get("max_tokens")
    if max_tokens is not None and (
        not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or not 1 <= max_tokens <= max_output_tokens
    ):
        raise _bad(f"'max_tokens' must be an integer from 1 to {max_output_tokens}")
    temperature = body.get("temperature")
    if temperature is not None and (
        isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0 <= temperature <= 2
    ):
        raise _bad("'temperature' must be a number from 0 to 2")
    if body.get("cache") is not None and not isinstance(body["cache"], bool):
        raise _bad("'cache' must be true or false (false: this request is neither answered from nor kept in the cache)")
    max_usd = body.get("max_usd")
    if max_usd is not None and (isinstance(max_usd, bool) or not isinstance(max_usd, (int, float)) or not max_usd > 0):
        raise _bad("'max_usd' must be a positive number (USD)")
    clean = [{"role": m["role"], "content": m["content"]} for m in messages]
    return route, GenerationRequest(
        clean,
        max_tokens,
        float(temperature) if temperature is not None else None,
        float(max_usd) if max_usd is not None else None,
    )


def cache_wanted(body: dict[str, Any]) -> bool:
    """Whether the request lets the answer cache serve and keep it (a checked body's `cache`, true unless false)."""
    return body.get("cache") is not False


def _check_message(message: Any, where: str) -> None:
    if not isinstance(message, dict):
        raise _bad(f"{where} must be an object with 'role' and 'content'")
    role = message.get("role")
    if not isinstance(role, str) or role not in ROLES:
        raise _bad(f"{where}.role must be one of {', '.join(sorted(ROLES))}")
    content = message.get("content")
    if isinstance(content, str):
        return
    if (
        isinstance(content, list)
        and content
        and all(
            isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str)
            for part in content
        )
    ):
        return
    raise _bad(f"{where}.content must be a string or a list of {{'type': 'text', 'text': ...}} parts")
