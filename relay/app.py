"""The Starlette app: the HTTP API of docs/protocol.md over the engine and the store."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from typing import Any, AsyncIterator

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from providers import Provider

from .capabilities import CapabilityTable
from .audit import JsonLinesAuditLog
from .config import Config, ConfigError, RouteConfig, default_config
from .engine import EngineServices, Generation, GenerationRequest
from .pricing import PriceTable
from .spend import DailySpend
from .errors import ApiError, handle_api_error, handle_http_exception, handle_unexpected
from .sse import OpenResponses, sse_response
from . import events
from .store import AuditStore, StreamStore, StreamView, TakeoverStore
from .stream import LiveStream, new_stream_id, new_stream_token
from .ticker import Ticker
from .upstreams import build_providers, build_store
from .validation import parse_generation_request

logger = logging.getLogger("splice_relay.app")


class Relay:
    """Everything the app holds: config, store, providers, the generations running here."""

    def __init__(self, config: Config) -> None:
        if config.server.api_keys_env and not config.server.api_keys:
            # An unset key variable must not silently open the relay to everyone.
            raise ConfigError(f"server.api_keys_env: environment variable {config.server.api_keys_env} is not set or empty")
        self.config = config
        self.store: StreamStore = build_store(config)
        self.providers: dict[str, Provider] = build_providers(config)
        self.generations: set[asyncio.Task[None]] = set()
        self.ticker = Ticker(config.accounting.progress_interval_s)  # visits the running generations
        self.prices = PriceTable(config.pricing)
        self.services = EngineServices(self.providers, CapabilityTable(config), self.prices, config.accounting)
        self.audit_log = JsonLinesAuditLog(config.accounting.audit_log) if config.accounting.audit_log else None
        self.spend = DailySpend()
        self._ticker_task: asyncio.Task[None] | None = None
        self._takeover: asyncio.Task[None] | None = None
        self._audit_writes: set[asyncio.Task[None]] = set()
        self.responses = OpenResponses()  # the SSE responses open here, ended at shutdown

    async def start(self) -> None:
        await self.store.start()
        if isinstance(self.store, TakeoverStore):
            self._takeover = asyncio.create_task(self._take_over_forever(self.store), name="takeover-sweep")
        if self.config.accounting.enabled:
            self._ticker_task = asyncio.create_task(self.ticker.run(), name="accounting-ticker")

    async def close(self) -> None:
        for task in (self._ticker_task, self._takeover):
            if task is not None:
                task.cancel()
        for task in list(self.generations):
            task.cancel()
        if self.generations:
            await asyncio.wait(self.generations, timeout=5)
        if self._audit_writes:
            await asyncio.wait(self._audit_writes, timeout=2)
        for provider in self.providers.values():
            await provider.aclose()
        await self.store.close()

    def start_generation(self, stream: LiveStream, generation: Generation, api_key: str | None) -> None:
        task = asyncio.create_task(generation.run(), name=f"generation {stream.id}")
        stream.generation = task
        self.generations.add(task)
        self.ticker.add(generation)
        task.add_done_callback(lambda task: self._generation_done(task, generation, api_key))

    def _generation_done(self, task: asyncio.Task[None], generation: Generation, api_key: str | None) -> None:
        self.generations.discard(task)
        self.ticker.discard(generation)
        self.store.ended(generation.stream)
        if not task.cancelled() and task.exception() is not None:
            logger.error("generation task failed", exc_info=task.exception())
        record = generation.stream.audit
        usd = (record.get("cost") or {}).get("usd")
        if api_key is not None and usd:
            self.spend.add(api_key, usd)
        if record:
            self._append_audit(record)

    def _append_audit(self, record: dict[str, Any]) -> None:
        """To the store's own audit stream when it has one (Redis), else to the JSON-lines file."""
        if isinstance(self.store, AuditStore):
            task = asyncio.create_task(self.store.append_audit(record))
            self._audit_writes.add(task)
            task.add_done_callback(self._audit_writes.discard)
        elif self.audit_log is not None:
            self.audit_log.append(record)

    async def _take_over_forever(self, store: TakeoverStore) -> None:
        """Continue the streams of instances that died: their leases lapsed, ours renew."""
        interval = max(0.25, store.lease_s / 4)
        while True:
            await asyncio.sleep(interval)
            try:
                for stream_id in await store.find_orphans():
                    adopted = await store.adopt(stream_id)
                    if adopted is not None:
                        self._continue_adopted(*adopted)
            except Exception:  # Redis trouble: the next sweep tries again
                logger.exception("takeover sweep failed")

    def _continue_adopted(self, stream: LiveStream, request: dict[str, Any], lost_owner: str) -> None:
        route = self.config.routes.get(stream.route)
        if route is None:
            stream.finish("failed", events.ERROR, {"code": "unknown_route", "message": f"route {stream.route!r} is not configured here", "kind": "internal"})
            return
        generation = Generation(stream, route, GenerationRequest(**request), self.services)
        generation.resume(lost_owner)
        logger.info("took over stream %s from instance %s at %d chars", stream.id, lost_owner, generation.sent_chars)
        self.start_generation(stream, generation, api_key=None)


# -- request helpers ------------------------------------------------------


def _relay(request: Request) -> Relay:
    return request.app.state.relay


async def _read_json(request: Request, limit: int) -> Any:
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


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def _authorized_stream(request: Request, at_least: int = 0) -> StreamView:
    """The stream named in the path, if the caller holds its token.

    `at_least` is the client's cursor: a store whose log trails the generation
    (Redis, by one flush) waits briefly for it rather than answering with a reset.
    """
    stream = await _relay(request).store.get(request.path_params["stream_id"], at_least=at_least)
    if stream is None:
        raise ApiError(404, "unknown_stream", "no stream with this id (it may have expired)")
    token = request.query_params.get("token") or _bearer(request)
    if not token:
        raise ApiError(401, "missing_token", "pass the stream token as ?token= or Authorization: Bearer")
    if not stream.token_matches(token):
        raise ApiError(403, "invalid_token", "the token does not match this stream")
    return stream


def _cursor(request: Request) -> int:
    """The client's position: Last-Event-ID header, else ?last_event_id=, else the start."""
    raw = request.headers.get("last-event-id")
    if raw is None:
        raw = request.query_params.get("last_event_id")
    if raw is None or raw.strip() == "":
        return 0
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise ApiError(400, "invalid_last_event_id", f"Last-Event-ID must be a non-negative integer event id, got {raw[:40]!r}")
    return int(raw)


def _wants_sse(request: Request) -> bool:
    return "text/event-stream" in request.headers.get("accept", "")


# -- endpoints --------------------------------------------------------------


async def create_stream(request: Request) -> Response:
    relay = _relay(request)
    server = relay.config.server
    api_keys = server.api_keys
    if api_keys and _bearer(request) not in api_keys:
        raise ApiError(401, "invalid_api_key", "a valid API key is required: Authorization: Bearer <key>")
    api_key = _bearer(request) if api_keys else None
    body = await _read_json(request, server.max_body_bytes)
    route_name, generation_request = parse_generation_request(body, max_output_tokens=server.max_output_tokens)
    route = relay.config.routes.get(route_name)
    if route is None:
        raise ApiError(400, "unknown_route", f"route {route_name!r} is not configured (known: {', '.join(sorted(relay.config.routes))})")
    generation_request = _with_budget(relay, route, generation_request, api_key)

    token = new_stream_token()
    stream = LiveStream(new_stream_id(), token, route.name)
    # Kept so another instance can continue it. Shallow: asdict() would deep-copy every message.
    stream.request = {field.name: getattr(generation_request, field.name) for field in dataclasses.fields(generation_request)}
    generation = Generation(stream, route, generation_request, relay.services)  # before add: a stream in the store always runs
    await relay.store.add(stream)
    relay.start_generation(stream, generation, api_key)

    if _wants_sse(request):
        return sse_response(
            stream, 0, retry_ms=server.retry_ms, ping_s=server.ping_s,
            headers={"X-Stream-Id": stream.id, "X-Stream-Token": token}, registry=relay.responses,
        )
    events_url = str(request.url_for("stream_events", stream_id=stream.id).include_query_params(token=token))
    return JSONResponse({"id": stream.id, "token": token, "events_url": events_url}, status_code=201)


def _with_budget(relay: Relay, route: RouteConfig, generation_request: GenerationRequest, api_key: str | None) -> GenerationRequest:
    """The request's budget: its own max_usd, else the route's, capped by the key's daily allowance."""
    budget = generation_request.max_usd if generation_request.max_usd is not None else route.max_usd
    cap = relay.config.server.daily_usd_per_key
    if cap is not None and api_key is not None:
        left = cap - relay.spend.today(api_key)
        if left <= 0:
            raise ApiError(429, "daily_budget_exhausted", f"this API key has spent its {cap:g} USD for today (UTC)")
        budget = left if budget is None else min(budget, left)
    if budget is not None:
        if not relay.config.accounting.enabled:
            raise ApiError(400, "budget_unavailable", "budgets need accounting, which is disabled in this relay's config")
        unknown = [t.label for t in route.targets if relay.prices.price_for(t.model) is None]
        if unknown:
            raise ApiError(400, "unknown_price", f"a budget needs known prices; no price for {', '.join(unknown)}")
    return dataclasses.replace(generation_request, max_usd=budget)


async def stream_events(request: Request) -> Response:
    after = _cursor(request)
    stream = await _authorized_stream(request, at_least=after)
    relay = _relay(request)
    server = relay.config.server
    last = stream.last_event_id
    if stream.finished and after == last:
        return Response(status_code=204)  # nothing more will come: EventSource stops reconnecting
    if after > 0:
        stream.reconnects += 1
    return sse_response(stream, after, retry_ms=server.retry_ms, ping_s=server.ping_s, reset=after > last, registry=relay.responses)


async def get_stream(request: Request) -> Response:
    stream = await _authorized_stream(request)
    return JSONResponse(stream.snapshot())


async def cancel_stream(request: Request) -> Response:
    stream = await _authorized_stream(request)
    stream = await _relay(request).store.request_cancel(stream.id) or stream  # reaches it wherever it runs
    return JSONResponse({"id": stream.id, "status": stream.status})


async def healthz(request: Request) -> Response:
    relay = _relay(request)
    return JSONResponse({"status": "ok", "store": relay.store.health(), "generations": len(relay.generations)})


def _cors(origins: tuple[str, ...]) -> list[Middleware]:
    """CORS for pages on other origins: `fetch` for POST/DELETE (preflighted), `EventSource` for the events.

    No credentials mode: the relay authenticates with bearer keys and stream tokens,
    never cookies. Only the configured origins get the headers; without any, none
    are sent and a browser keeps such pages out.
    """
    if not origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=list(origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Last-Event-ID", "Accept"],
            expose_headers=["X-Stream-Id", "X-Stream-Token"],  # a fetch client reads the new stream's id and token
            max_age=600,
        )
    ]


def create_app(config: Config | None = None) -> Starlette:
    relay = Relay(config or default_config())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await relay.start()
        try:
            yield
        finally:
            await relay.close()

    app = Starlette(
        middleware=_cors(relay.config.server.cors_origins),
        routes=[
            Route("/v1/streams", create_stream, methods=["POST"]),
            Route("/v1/streams/{stream_id}/events", stream_events, methods=["GET"], name="stream_events"),
            Route("/v1/streams/{stream_id}", get_stream, methods=["GET"]),
            Route("/v1/streams/{stream_id}", cancel_stream, methods=["DELETE"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        exception_handlers={ApiError: handle_api_error, HTTPException: handle_http_exception, Exception: handle_unexpected},
        lifespan=lifespan,
    )
    app.state.relay = relay
    return app
