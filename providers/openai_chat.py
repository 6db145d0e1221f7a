"""OpenAI Chat Completions streaming, for OpenAI and every compatible server.

The same adapter serves vLLM, llama.cpp server, Ollama, OpenRouter and Gemini's
OpenAI-compatible endpoint: only `base_url` and the key change.
"""

from __future__ import annotations

from typing import Any

import openai

from .base import CompletionRequest, Usage
from .errors import ErrorKind, ProviderError
from .raw_stream import MAX_LINE_BYTES, RawStream
from .wire import DEFAULT_MAX_CONNECTIONS, Wire

_ERROR_TYPES: dict[str, ErrorKind] = {
    "rate_limit_exceeded": "rate_limited",
    "insufficient_quota": "rate_limited",
    "server_error": "server",
    "overloaded_error": "overloaded",
    "invalid_request_error": "bad_request",
    "authentication_error": "auth",
}


class OpenAIChatStream(RawStream):
    __slots__ = ()

    def _handle(self, data: dict[str, Any]) -> str | None:
        error = data.get("error")
        if error is not None:
            kind = _ERROR_TYPES.get(str(error.get("type") or error.get("code")), "server")
            raise ProviderError(kind, f"upstream error event: {error.get('message', error)}", cause="error_event")
        usage = data.get("usage")
        if usage:
            cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
            self.usage = Usage(usage.get("prompt_tokens") or 0, usage.get("completion_tokens") or 0, cached)
        choices = data.get("choices")
        if not choices:
            return None
        choice = choices[0]
        finish = choice.get("finish_reason")
        if finish:
            self.finish_reason = finish
        delta = choice.get("delta")
        return delta.get("content") if delta else None


class OpenAIChatProvider:
    """Streams `POST {base_url}/chat/completions` on its own `Wire`, with the official SDK's headers and base URL.

    `max_connections` bounds its upstream connection pool (`DEFAULT_MAX_CONNECTIONS`; a stream
    that finds it full waits for a free connection within `connect_timeout_s`, then fails as
    `connect_timeout`); `max_line_bytes` bounds one line of the upstream's SSE body (`RawStream`).
    """

    kind = "openai"

    def __init__(
        self,
        *,
        base_url: str | None,
        api_key: str | None,
        connect_timeout_s: float = 10.0,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_line_bytes: int = MAX_LINE_BYTES,
    ) -> None:
        sdk = openai.AsyncOpenAI(
            base_url=base_url,
            api_key=api_key or "unused",  # local servers take any key
            http_client=openai.DefaultAsyncHttpxClient(trust_env=False),  # never sends; the wire reads the proxy
        )
        self._wire = Wire.for_sdk(sdk, connect_timeout_s=connect_timeout_s, max_connections=max_connections)
        self._max_line_bytes = max_line_bytes

    async def open(self, request: CompletionRequest) -> OpenAIChatStream:
        messages = request.messages
        extra_body = dict(request.extra_body)
        if request.continuation == "continue_final_message":
            extra_body.update(continue_final_message=True, add_generation_prompt=False)
        elif request.continuation == "prefix":
            messages = [*messages[:-1], {**messages[-1], "prefix": True}]
        body: dict[str, Any] = {
            "model": request.model,
            "messages": messages,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if request.max_tokens is not None:
            body["max_tokens"] = request.max_tokens
        if request.temperature is not None:
            body["temperature"] = request.temperature
        body.update(extra_body)  # the caller's keys win, as with the SDK's own extra_body
        response = await self._wire.post("/chat/completions", body)
        return OpenAIChatStream(response, max_line_bytes=self._max_line_bytes)

    async def aclose(self) -> None:
        await self._wire.aclose()
