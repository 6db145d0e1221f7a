"""The OpenAI-compatible endpoints: Chat Completions and Responses, over the same streams as `/v1/streams`.

The handlers only read the request, open the stream as `POST /v1/streams` does, and hand
its log to a flavour's encoder (relay/flavours/). Errors take OpenAI's shape
(relay/errors.py). A stream opened here gets a token derived from the caller's bearer key,
so the key that created a response can read and cancel it without keeping anything more;
`X-Stream-Id` / `X-Stream-Token` let any client follow it through the native endpoints.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .config import RouteConfig, Target
from .engine import GenerationRequest
from .errors import ApiError
from .flavours.chat_completions import KEEP_ALIVE, ChatChunks, ChatCompletion, parse_chat_request
from .flavours.responses import (
    ResponseEvents,
    parse_responses_request,
    response_object,
    status_of,
    stream_id_for,
)
from .log import LiveStream, StreamView, new_stream_id, read_token_for
from .opening import admit_caller, bearer, open_stream, read_json
from .sse import SSEResponse

if TYPE_CHECKING:
    from .app import Relay


def _relay(request: Request) -> Relay:
    relay: Relay = request.app.state.relay
    return relay


def owner_token(api_key: str | None, stream_id: str) -> str:
    """The token of a stream opened here with `api_key`: the key holder can derive it again, nobody else can."""
    mac = hmac.new((api_key or "").encode(), b"splice-relay openai stream " + stream_id.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:24]).decode()


def _route_for(relay: Relay, model: str) -> RouteConfig:
    """A configured route by name, else one target `provider/model` of a configured provider; else OpenAI's 404."""
    route = relay.config.routes.get(model)
    if route is not None:
        return route
    provider, slash, name = model.partition("/")
    if slash and name and provider in relay.providers:
        return RouteConfig(name=model, targets=(Target(provider, name),))
    raise ApiError(
        404,
        "model_not_found",
        f"The model `{model[:100]}` does not exist or you do not have access to it.",
        param="model",
    )


def stream_headers(stream_id: str, token: str) -> dict[str, str]:
    """The headers that let a flavour's client resume its stream natively."""
    return {"X-Stream-Id": stream_id, "X-Stream-Token": token, "X-Stream-Read-Token": read_token_for(token)}


def flavour_response(
    relay: Relay, stream: StreamView, head: bytes, transcode: Callable[[bytes], bytes], headers: dict[str, str]
) -> SSEResponse:
    """A stream's log sent through a flavour's encoder (`transcode`), after `head`."""
    server = relay.config.server
    return SSEResponse(
        head,
        stream if isinstance(stream, LiveStream) else stream.follow(0),
        headers=headers,
        ping_s=server.ping_s,
        registry=relay.responses,
        stream_id=stream.id,
        write_timeout_s=server.write_timeout_s,
        transcode=transcode,
        ping=KEEP_ALIVE,
    )


class _Asked(Protocol):
    model: str
    generation: GenerationRequest


_AskedT = TypeVar("_AskedT", bound=_Asked)


async def _open(request: Request, parse: Callable[..., _AskedT]) -> tuple[Relay, _AskedT, LiveStream, str]:
    """Admit the caller, read the body with `parse`, and open its stream on the route its `model` names."""
    relay = _relay(request)
    server = relay.config.server
    key_id = admit_caller(relay, request)
    asked = parse(await read_json(request, server.max_body_bytes), max_output_tokens=server.max_output_tokens)
    route = _route_for(relay, asked.model)
    stream_id = new_stream_id()
    stream, token = await open_stream(
        relay, route, asked.generation, key_id, stream_id=stream_id, token=owner_token(bearer(request), stream_id)
    )
    return relay, asked, stream, token


async def chat_completions(request: Request) -> Response | SSEResponse:
    relay, chat, stream, token = await _open(request, parse_chat_request)
    completion_id, created = "chatcmpl-" + stream.id, int(stream.created_at)
    headers = stream_headers(stream.id, token)
    if chat.stream:
        chunks = ChatChunks(completion_id, created, chat.model, include_usage=chat.include_usage)
        return flavour_response(relay, stream, f": stream {stream.id}\n".encode() + chunks.start(), chunks, headers)
    completion = ChatCompletion()
    async for body in stream.follow(0):
        completion(body)
    if completion.failure is not None:
        return JSONResponse({"error": completion.failure}, status_code=completion.failure_status, headers=headers)
    return JSONResponse(completion.completion(completion_id, created, chat.model), headers=headers)


async def create_response(request: Request) -> Response | SSEResponse:
    relay, asked, stream, token = await _open(request, parse_responses_request)
    headers = stream_headers(stream.id, token)
    events = ResponseEvents(stream.id, stream.created_at, stream.route)
    if asked.stream:
        return flavour_response(relay, stream, events.start(), events, headers)
    if asked.background:
        opening = response_object(stream.id, stream.created_at, stream.route, "in_progress", background=True)
        return JSONResponse(opening, headers=headers)
    events = ResponseEvents(stream.id, stream.created_at, stream.route, after=2**62)  # read to the end, send nothing
    async for body in stream.follow(0):
        events(body)
    return JSONResponse(events.final, headers=headers)


async def _owned_stream(request: Request, *, cancel: bool = False) -> StreamView:
    """The response's stream, if the caller's bearer is the key that created it, or the stream's token."""
    presented = bearer(request)
    if presented is None:
        raise ApiError(401, "missing_api_key", "pass your API key (or the stream token) as Authorization: Bearer")
    response_id = request.path_params["response_id"]
    not_found = ApiError(404, "not_found", f"Response with id '{response_id[:100]}' not found.")
    stream_id = stream_id_for(response_id)
    if stream_id is None:
        raise not_found
    stream = await _relay(request).store.get(stream_id)
    if stream is None:
        raise not_found
    rights = stream.rights(owner_token(presented, stream_id)) or stream.rights(presented)
    if rights is None:
        raise not_found
    if cancel and rights != "cancel":
        raise ApiError(403, "read_only_token", "this token can read the response but not cancel it")
    return stream


def _snapshot(stream: StreamView) -> dict[str, object]:
    """The Response object of a stream as it stands."""
    cost = stream.audit.get("cost") if stream.finished else None
    return response_object(
        stream.id,
        stream.created_at,
        stream.route,
        status_of(stream.status, stream.finish_reason),
        text=stream.text,
        finish_reason=stream.finish_reason,
        cost=cost,
        error=stream.error,
    )


def _starting_after(request: Request) -> int:
    raw = request.query_params.get("starting_after")
    if raw is None or raw == "":
        return -1
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise ApiError(
            400, "invalid_request", "'starting_after' must be a non-negative integer", param="starting_after"
        )
    return int(raw)


async def get_response(request: Request) -> Response | SSEResponse:
    stream = await _owned_stream(request)
    if request.query_params.get("stream", "").lower() != "true":
        return JSONResponse(_snapshot(stream))
    after = _starting_after(request)
    relay = _relay(request)
    if relay.responses.readers(stream.id) >= relay.config.server.max_readers_per_stream:
        raise ApiError(
            429, "too_many_readers", "this stream has as many open readers here as it may; retry later", retry_after_s=5
        )
    if after >= 0:
        stream.reconnects += 1
    events = ResponseEvents(stream.id, stream.created_at, stream.route, after=after)
    return flavour_response(relay, stream, events.start(), events, {})


async def cancel_response(request: Request) -> Response:
    stream = await _owned_stream(request, cancel=True)
    stream = await _relay(request).store.request_cancel(stream.id) or stream  # reaches it wherever it runs
    return JSONResponse(_snapshot(stream))


ROUTES = [
    Route("/v1/chat/completions", chat_completions, methods=["POST"]),
    Route("/v1/responses", create_response, methods=["POST"]),
    Route("/v1/responses/{response_id}", get_response, methods=["GET"]),
    Route("/v1/responses/{response_id}/cancel", cancel_response, methods=["POST"]),
]
