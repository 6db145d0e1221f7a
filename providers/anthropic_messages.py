"""Anthropic Messages streaming: the request built here, sent on the provider's own `Wire`."""

from __future__ import annotations

from typing import Any

import anthropic

from .base import CompletionRequest, Usage
from .errors import ErrorKind, ProviderError
from .raw_stream import MAX_LINE_BYTES, RawStream
from .wire import DEFAULT_MAX_CONNECTIONS, Wire

DEFAULT_MAX_TOKENS = 4096  # Anthropic requires max_tokens; OpenAI-shaped requests may omit it

_ERROR_TYPES: dict[str, ErrorKind] = {
    "overloaded_error": "overloaded",
    "rate_limit_error": "rate_limited",
    "api_error": "server",
    "timeout_error": "timeout",
    "invalid_request_error": "bad_request",
    "authentication_error": "auth",
    "permission_error": "auth",
}


def to_anthropic_messages(messages: list[dict[str, Any]]) -> tuple[str | None, list[dict[str, Any]]]:
    """Split OpenAI-shaped messages into Anthropic's `system` and `messages`."""
    system_parts: list[str] = []
    converted: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role")
        if role in ("system", "developer"):
            content = message.get("content")
            system_parts.append(content if isinstance(content, str) else _text_of(content))
        else:
            converted.append({"role": role, "content": message.get("content", "")})
    return ("\n\n".join(system_parts) if system_parts else None), converted


def _text_of(content: Any) -> str:
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content or "")


class AnthropicMessagesStream(RawStream):
    __slots__ = ()

    def _handle(self, data: dict[str, Any]) -> str | None:
        kind = data.get("type")
        if kind == "content_block_delta":
            delta = data["delta"]
            return delta.get("text") if delta.get("type") == "text_delta" else None
        if kind == "message_delta":
            stop = data.get("delta", {}).get("stop_reason")
            if stop:
                self.finish_reason = stop
            output = data.get("usage", {}).get("output_tokens")
            if output is not None:
                usage = self.usage or Usage()
                usage.output_tokens = output
                self.usage = usage
        elif kind == "message_start":
            counts = data.get("message", {}).get("usage") or {}
            # Anthropic's input_tokens excludes cache writes and reads; Usage.input_tokens is all input.
            cache_read = counts.get("cache_read_input_tokens") or 0
            self.usage = Usage(
                (counts.get("input_tokens") or 0) + (counts.get("cache_creation_input_tokens") or 0) + cache_read,
                counts.get("output_tokens") or 0,
                cache_read,
            )
        elif kind == "message_stop":
            self._terminated = True
        elif kind == "error":
            error = data.get("error") or {}
            raise ProviderError(
                _ERROR_TYPES.get(error.get("type", ""), "server"),
                f"upstream error event: {error.get('message', error)}",
                cause="error_event",
            )
        return None


class AnthropicMessagesProvider:
    """Streams `POST {base_url}/v1/messages` on its own `Wire`, with the official SDK's headers and base URL.

    `max_connections` bounds its upstream connection pool (`DEFAULT_MAX_CONNECTIONS`; a stream
    that finds it full waits for a free connection within `connect_timeout_s`, then fails as
    `connect_timeout`); `max_line_bytes` bounds one line of the upstream's SSE body (`RawStream`).
    """

    kind = "anthropic"

    def __init__(
        self,
        *,
        base_url: str | None,
        api_key: str | None,
        connect_timeout_s: float = 10.0,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_line_bytes: int = MAX_LINE_BYTES,
    ) -> None:
        sdk = anthropic.AsyncAnthropic(
            base_url=base_url,
            api_key=api_key or "unused",
            http_client=anthropic.DefaultAsyncHttpxClient(trust_env=False),  # never sends; the wire reads the proxy
        )
        self._wire = Wire.for_sdk(sdk, connect_timeout_s=connect_timeout_s, max_connections=max_connections)
        self._max_line_bytes = max_line_bytes

    async def open(self, request: CompletionRequest) -> AnthropicMessagesStream:
        system, messages = to_anthropic_messages(request.messages)
        body: dict[str, Any] = {
            "model": request.model,
            "messages": messages,
            "max_tokens": request.max_tokens or DEFAULT_MAX_TOKENS,
            "stream": True,
        }
        if system is not None:
            body["system"] = system
        if request.temperature is not None:
            body["temperature"] = min(request.temperature, 1.0)  # Anthropic's range is 0..1
        body.update(request.extra_body)  # the caller's keys win, as with the SDK's own extra_body
        response = await self._wire.post("/v1/messages", body)
        return AnthropicMessagesStream(response, max_line_bytes=self._max_line_bytes)

    async def aclose(self) -> None:
        await self._wire.aclose()
