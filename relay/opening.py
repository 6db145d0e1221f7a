"""Opening a stream: the caller's key, the instance's capacity, the key's limits and budget, then the generation.

Every endpoint that creates a stream (`POST /v1/streams`, the OpenAI flavours) opens it
here, so they share one route, failover, accounting and admission path.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request

from .accounting import count_chat_tokens_async
from .config import RouteConfig
from .engine import Generation, GenerationRequest
from .errors import ApiError
from .limits import KeyLimits, Limited, Ticket
from .log import LiveStream, TakeoverStore, new_stream_id, new_stream_token
from .tenants import key_id_of
from .tokens import encoding_for_model

if TYPE_CHECKING:
    from .app import Relay


async def read_json(request: Request, limit: int) -> Any:
    """The body as JSON: 413 past `limit` bytes, 400 when it does not parse."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "body_too_large", f"the body is over {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ApiError(413, "body_too_large", f"the body is over {limit} bytes")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "invalid_json", f"the body is not valid JSON: {exc}") from None


def bearer(request: Request) -> str | None:
    """The `Authorization: Bearer` value, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def admit_caller(relay: Relay, request: Request) -> str | None:
    """The caller's key id (None on an open relay), once it may create a stream on this instance.

    401 without a known key (from `api_keys_env`, `[tenants]` or the key file); 503 with Retry-After
    while draining or at `max_generations`.
    """
    api_key = bearer(request)
    key_id = key_id_of(api_key) if api_key is not None else None
    if relay.keys.required and (key_id is None or not relay.keys.knows(key_id)):
        raise ApiError(401, "invalid_api_key", "a valid API key is required: Authorization: Bearer <key>")
    if relay.draining:
        raise ApiError(
            503, "draining", "this instance is shutting down; retry (another instance will answer)", retry_after_s=1
        )
    if len(relay.generations) >= relay.config.server.max_generations:
        raise ApiError(
            503, "overloaded", "this instance is running as many streams as it may; retry shortly", retry_after_s=1
        )
    return key_id if relay.keys.required else None


async def open_stream(
    relay: Relay,
    route: RouteConfig,
    generation_request: GenerationRequest,
    key_id: str | None,
    *,
    stream_id: str | None = None,
    token: str | None = None,
    cache: bool = True,
) -> tuple[LiveStream, str]:
    """Admit the request on the key's limits and budget, add the stream to the store and start its generation.

    Returns the stream and its token (`token` when given, else a new random one). The answer
    cache may answer it instead (a replay or a join, relay/cache/); `cache=False` keeps it out.
    """
    account, limits = relay.keys.account_and_limits(key_id) if key_id is not None else (None, None)
    capped = limits is not None and limits.daily_usd is not None
    generation_request = _with_budget(relay, route, generation_request, capped)
    stream_id = stream_id or new_stream_id()
    ticket = await _admit(relay, route, generation_request, account, limits, stream_id)
    if ticket is not None and ticket.reserved_usd:  # the generation stops at what the key could reserve
        own = generation_request.max_usd
        budget = ticket.reserved_usd if own is None else min(own, ticket.reserved_usd)
        generation_request = dataclasses.replace(generation_request, max_usd=budget)

    token = token or new_stream_token()
    stream = LiveStream(stream_id, token, route.name)
    stream.key_id = key_id
    if isinstance(relay.store, TakeoverStore):
        # Kept so another instance can continue it. Shallow: asdict() would deep-copy every message.
        stream.request = {
            field.name: getattr(generation_request, field.name) for field in dataclasses.fields(generation_request)
        }
        stream.request["key_id"] = key_id
        stream.request["account"] = account
        stream.request["reserved_usd"] = ticket.reserved_usd if ticket is not None else None
    try:
        runner = await relay.cache.open(stream, route, generation_request, account, wanted=cache)
        generation = runner or Generation(
            stream, route, generation_request, relay.services
        )  # before add: a stream in the store always runs
        await relay.store.add(stream)
    except BaseException:
        relay.cache.dropped(stream)
        if ticket is not None:
            relay.settle(ticket, None)
        raise
    relay.start_generation(stream, generation, account)
    return stream, token


def _with_budget(
    relay: Relay, route: RouteConfig, generation_request: GenerationRequest, capped: bool
) -> GenerationRequest:
    """The request's budget: its own max_usd, else the route's; under a daily cap every request needs one."""
    budget = generation_request.max_usd if generation_request.max_usd is not None else route.max_usd
    if budget is not None or capped:
        if not relay.config.accounting.enabled:
            raise ApiError(
                400, "budget_unavailable", "budgets need accounting, which is disabled in this relay's config"
            )
        unknown = [t.label for t in route.targets if relay.prices.price_for(t.model) is None]
        if unknown:
            raise ApiError(400, "unknown_price", f"a budget needs known prices; no price for {', '.join(unknown)}")
    return dataclasses.replace(generation_request, max_usd=budget)


async def _admit(
    relay: Relay,
    route: RouteConfig,
    generation_request: GenerationRequest,
    account: str | None,
    limits: KeyLimits | None,
    stream_id: str,
) -> Ticket | None:
    """The account's limits (429/503 with Retry-After past them); a daily cap reserves the most the stream may cost."""
    if relay.admission is None or account is None or limits is None or not limits.enabled:
        return None
    reserve = await _max_cost(relay, route, generation_request) if limits.daily_usd is not None else None
    try:
        return await relay.admission.admit(
            account, stream_id, reserve_usd=reserve, max_duration_s=route.max_duration_s, limits=limits
        )
    except Limited as exc:
        raise ApiError(exc.status, exc.code, exc.message, retry_after_s=exc.retry_after_s) from None


async def _max_cost(relay: Relay, route: RouteConfig, generation_request: GenerationRequest) -> float:
    """The most the stream may cost: its prompt sent to every target, its max_tokens at the dearest output price."""
    prices = [price for target in route.targets if (price := relay.prices.price_for(target.model)) is not None]
    prompt, _ = await count_chat_tokens_async(generation_request.messages, encoding_for_model(route.targets[0].model))
    output = generation_request.max_tokens or route.max_tokens or relay.config.server.max_output_tokens
    # A fallback is sent the prompt and the partial answer (at most `output` tokens) as its input.
    usd = sum(price.cost(prompt + (output if index else 0), 0) for index, price in enumerate(prices))
    usd += max((price.cost(0, output) for price in prices), default=0.0)
    return usd if generation_request.max_usd is None else min(usd, generation_request.max_usd)
