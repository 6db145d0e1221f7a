"""A request's cache key: the route's targets, what else reaches the upstream, the tenant, the normalised messages."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from .normalise import normalise_text


def content_text(content: Any) -> str:
    """A message's content as the provider sees it: a string, or its text parts joined with nothing between."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def normalised_messages(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(role, normalised text) for each message, in order."""
    return [(str(message.get("role")), normalise_text(content_text(message.get("content")))) for message in messages]


def cache_key(
    *,
    tenant: str,
    targets: list[str],
    max_tokens: int | None,
    temperature: float | None,
    messages: list[dict[str, Any]],
) -> str:
    """A hex digest of everything that changes the answer; equal keys get the same cached answer.

    `tenant` is the caller's key id (or a route's shared scope), `targets` the route's
    `provider/model` labels in order, `max_tokens` the effective limit the upstream is sent.
    """
    material = orjson.dumps(
        {
            "v": 1,
            "tenant": tenant,
            "targets": targets,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "messages": normalised_messages(messages),
        }
    )
    return hashlib.sha256(material).hexdigest()
