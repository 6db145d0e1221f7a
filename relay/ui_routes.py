"""The AI SDK's UI message stream: `POST /v1/ui/chat` and its resume, `GET /v1/ui/chat/{chatId}/stream`.

The POST opens a stream as `POST /v1/streams` does and binds the chat to it in the store
(relay/log/chats.py, scoped to the caller's API key); the GET finds the chat's stream and,
while it runs, sends it again from its start, then live (the SDK throws its partial message
away and rebuilds it). Both send the log through the `ui_message` flavour. The stream's token
is derived from the caller's key, as on the OpenAI endpoints, so nothing secret is stored
with the chat; `X-Stream-Id` / `X-Stream-Token` let a client cancel or read it natively.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .errors import ApiError
from .flavours.ui_message import UIMessageChunks, parse_ui_chat_request
from .log import StreamGone, StreamView, new_stream_id
from .log.chats import ChatIndex, ChatStore
from .openai_routes import flavour_response, owner_token, stream_headers
from .opening import admit_caller, bearer, open_stream, read_json
from .sse import SSEResponse
from .tenants import key_id_of

if TYPE_CHECKING:
    from .app import Relay

UI_HEADERS = {"x-vercel-ai-ui-message-stream": "v1"}
BINDING_MARGIN_S = 120.0  # a chat's binding outlives the longest its stream may run by this much


def _relay(request: Request) -> Relay:
    relay: Relay = request.app.state.relay
    return relay


def _chats(relay: Relay) -> ChatIndex:
    store = relay.store
    if not isinstance(store, ChatStore):
        raise ApiError(501, "chats_unsupported", "this relay's store keeps no chats")
    return store.chats


def _owner(request: Request) -> str:
    """Whose chats: the bearer key's digest (the key's id where keys are configured); without one, everyone's."""
    presented = bearer(request)
    return key_id_of(presented) if presented else ""


def _check_reader(relay: Relay, request: Request) -> None:
    """A resume needs the same keys as a POST, but starts no generation (no capacity or draining check)."""
    presented = bearer(request)
    if relay.keys.required and (presented is None or not relay.keys.knows(key_id_of(presented))):
        raise ApiError(401, "invalid_api_key", "a valid API key is required: Authorization: Bearer <key>")


def _response(relay: Relay, stream: StreamView, token: str) -> SSEResponse:
    chunks = UIMessageChunks(stream.id)
    return flavour_response(relay, stream, chunks.start(), chunks, {**UI_HEADERS, **stream_headers(stream.id, token)})


async def ui_chat(request: Request) -> SSEResponse:
    relay = _relay(request)
    server = relay.config.server
    key_id = admit_caller(relay, request)
    asked = parse_ui_chat_request(
        await read_json(request, server.max_body_bytes), max_output_tokens=server.max_output_tokens
    )
    route = relay.config.routes.get(asked.route)
    if route is None:
        raise ApiError(400, "unknown_route", f"route {asked.route[:100]!r} is not configured")
    chats = _chats(relay)
    stream_id = new_stream_id()
    token = owner_token(bearer(request), stream_id)
    stream, token = await open_stream(relay, route, asked.generation, key_id, stream_id=stream_id, token=token)
    await chats.bind(_owner(request), asked.chat_id, stream.id, route.max_duration_s + BINDING_MARGIN_S)
    return _response(relay, stream, token)


async def ui_chat_stream(request: Request) -> Response | SSEResponse:
    """The chat's running stream from its start; 204 when it has none (never started, ended, or not this key's)."""
    relay = _relay(request)
    _check_reader(relay, request)
    stream_id = await _chats(relay).current(_owner(request), request.path_params["chat_id"])
    if stream_id is None:
        return Response(status_code=204)
    try:
        stream = await relay.store.get(stream_id)
    except StreamGone:
        return Response(status_code=204)
    token = owner_token(bearer(request), stream_id)
    if stream is None or stream.finished or stream.rights(token) is None:
        return Response(status_code=204)
    if relay.responses.readers(stream.id) >= relay.config.server.max_readers_per_stream:
        raise ApiError(
            429, "too_many_readers", "this stream has as many open readers here as it may; retry later", retry_after_s=5
        )
    stream.reconnects += 1
    return _response(relay, stream, token)


ROUTES = [
    Route("/v1/ui/chat", ui_chat, methods=["POST"]),
    # `:path`: the SDK escapes the chat id with encodeURIComponent, and the server unescapes a `/` in it.
    Route("/v1/ui/chat/{chat_id:path}/stream", ui_chat_stream, methods=["GET"]),
]
