"""The Starlette app: the HTTP API of docs/protocol.md over the engine and the store."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import functools
import inspect
import logging
import os
import tomllib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, cast

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from providers import Provider

from . import events
from .audit import JsonLinesAuditLog
from .breakers import build_breakers
from .cache import AnswerCache, StreamRunner
from .capabilities import CapabilityTable
from .config import Config, ConfigError, default_config
from .demo import ROUTES as DEMO_ROUTES
from .engine import EngineServices, Generation, GenerationRequest
from .errors import ApiError, handle_api_error, handle_http_exception, handle_store_error, handle_unexpected
from .limits import Admission, KeyLimits, Ticket, build_admission
from .log import (
    AuditStore,
    LiveStream,
    StoreError,
    StreamStore,
    StreamView,
    TakeoverStore,
    open_store,
    read_token_for,
)
from .logs import RequestLog, SendWithId, stream_ended
from .metrics import Metrics
from .openai_routes import ROUTES as OPENAI_ROUTES
from .opening import admit_caller, bearer, open_stream, read_json
from .pricing import PriceTable
from .sse import ABORT_KEY, OpenResponses, SSEResponse, sse_response
from .tenants import KeyRing, TenantError, key_id_of
from .ticker import Ticker
from .ui_routes import ROUTES as UI_ROUTES
from .upstreams import build_providers
from .validation import cache_wanted, parse_generation_request

logger = logging.getLogger("splice_relay.app")


class Relay:
    """Everything the app holds: config, store, providers, the generations running here."""

    def __init__(self, config: Config) -> None:
        if config.server.api_keys_env and not config.server.api_keys:
            # An unset key variable must not silently open the relay to everyone.
            raise ConfigError(
                f"server.api_keys_env: environment variable {config.server.api_keys_env} is not set or empty"
            )
        self.config = config
        try:  # before the store: a bad key file fails the start, with nothing to close
            self.keys = KeyRing(
                config.server.api_keys, config.tenants, config.server.keys_file, KeyLimits.of(config.server)
            )
        except (OSError, tomllib.TOMLDecodeError, TenantError) as exc:
            raise ConfigError(f"server.keys_file: {exc}") from None
        self.store: StreamStore = open_store(config)
        self.providers: dict[str, Provider] = build_providers(config)
        self.generations: set[asyncio.Task[None]] = set()
        self.ticker = Ticker(config.accounting.progress_interval_s)  # visits the running generations
        self.prices = PriceTable(config.pricing)
        self.breakers = build_breakers(config)  # each target's circuit breaker, shared through Redis with its store
        self.services = EngineServices(
            self.providers, CapabilityTable(config), self.prices, config.accounting, self.breakers
        )
        self.metrics = Metrics() if config.server.metrics else None
        self.audit_log = JsonLinesAuditLog(config.accounting.audit_log) if config.accounting.audit_log else None
        self.admission: Admission | None = build_admission(config)  # per API key: rate, streams, daily budget
        self.cache = AnswerCache(config, self.services)  # answers from finished streams (docs/cache.md)
        self._ticker_task: asyncio.Task[None] | None = None
        self._takeover: asyncio.Task[None] | None = None
        self._audit_writes: set[asyncio.Task[None]] = set()
        self._settlements: set[asyncio.Task[None]] = set()  # admission settlements in flight
        self.responses = OpenResponses()  # the SSE responses open here, ended at shutdown
        self.draining = False  # set at SIGTERM: new streams are refused, readiness is false

    async def start(self) -> None:
        await self.store.start()
        if isinstance(self.store, TakeoverStore):
            self._takeover = asyncio.create_task(self._take_over_forever(self.store), name="takeover-sweep")
        if self.config.accounting.enabled:
            self._ticker_task = asyncio.create_task(self.ticker.run(), name="accounting-ticker")
        if self.metrics is not None:
            self.metrics.start(self)

    @property
    def ready(self) -> bool:
        """Whether this instance should get new traffic: not draining, and its store is healthy."""
        return not self.draining and not self.store.health().get("degraded", False)

    async def drain(self) -> None:
        """At SIGTERM, once no new connections are accepted: hand running streams over, or let them finish.

        With a shared store another instance adopts each running stream at once, and the
        readers here are ended without a terminal event so they reconnect there. With the
        memory store nobody else can continue them: they get `server.drain_s` to finish,
        then they are cancelled (`done: cancelled`).
        """
        self.draining = True
        store = self.store
        if isinstance(store, TakeoverStore):
            if self._takeover is not None:
                self._takeover.cancel()  # adopting now would only hand the stream over again
            handed = await store.hand_over(self.config.store.handover_s)
            logger.info("shutdown: handed %d running streams over to the other instances", handed)
            return
        running = set(self.generations)
        if running:
            logger.info("shutdown: waiting up to %g s for %d running streams", self.config.server.drain_s, len(running))
            _, late = await asyncio.wait(running, timeout=self.config.server.drain_s)
            for task in late:
                task.cancel()
            if late:
                logger.warning(
                    "shutdown: cancelled %d streams still running after %g s", len(late), self.config.server.drain_s
                )
                await asyncio.wait(late, timeout=5)

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
        if self._settlements:
            await asyncio.wait(self._settlements, timeout=2)
        if self.admission is not None:
            await self.admission.close()
        for provider in self.providers.values():
            await provider.aclose()
        if self.metrics is not None:
            self.metrics.close()
        await self.breakers.close()
        await self.cache.close()
        await self.store.close()

    def start_generation(self, stream: LiveStream, generation: StreamRunner, account: str | None) -> None:
        """Run the generation; at its end settle `account`'s limits (a key's or a tenant's) and write the audit."""
        task = asyncio.create_task(generation.run(), name=f"generation {stream.id}")
        stream.generation = task
        self.generations.add(task)
        self.ticker.add(generation)
        if self.metrics is not None:
            self.metrics.stream_started(stream.route)
        task.add_done_callback(functools.partial(self._generation_done, generation, account))  # lighter than a closure

    def _generation_done(self, generation: StreamRunner, account: str | None, task: asyncio.Task[None]) -> None:
        self.generations.discard(task)
        self.ticker.discard(generation)
        stream = generation.stream
        stream.generation = None  # the task holds its end's frames, which hold the stream
        if getattr(stream, "abandoned", False):
            return  # another instance continues it, and settles and audits it there
        generation.ensure_ended()  # a task cancelled before its first step never ran Generation.run
        self.store.ended(stream)
        if not task.cancelled() and task.exception() is not None:
            logger.error("generation task failed", exc_info=task.exception())
        record = stream.audit
        if account is not None:
            self.settle(Ticket(account, stream.id, None), (record.get("cost") or {}).get("usd"))
        if record:
            tenant_name: str | None = None
            if stream.key_id is not None:  # whose spend it was: the key's id and tenant, in the audit only
                tenant = self.keys.tenant_of(stream.key_id)
                tenant_name = tenant.name if tenant is not None else None
                record = {**record, "key_id": stream.key_id, "tenant": tenant_name}
            self._append_audit(record)
            self._observe_end(generation, stream.key_id, tenant_name)

    def _observe_end(self, generation: StreamRunner, key_id: str | None, tenant: str | None) -> None:
        """The finished stream's metrics and log line (relay/metrics.py, relay/logs.py)."""
        try:
            if self.metrics is not None:
                self.metrics.stream_ended(generation, key_id, tenant)
            if self.config.server.request_log:
                stream_ended(generation, key_id, tenant)
        except Exception:
            logger.exception("stream %s: its metrics or log line failed", generation.stream.id)

    def settle(self, ticket: Ticket, spent_usd: float | None) -> None:
        """The stream's spend to its key, its reservation and slot released (in a task: settling may reach Redis)."""
        if self.admission is None:
            return
        task = asyncio.create_task(self.admission.settle(ticket, spent_usd), name=f"settle {ticket.stream_id}")
        self._settlements.add(task)
        task.add_done_callback(self._settlements.discard)

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
            try:
                await store.next_sweep(interval)
                for stream_id in await store.find_orphans():
                    adopted = await store.adopt(stream_id)
                    if adopted is not None:
                        self._continue_adopted(*adopted)
            except Exception as exc:  # Redis trouble: the next sweep tries again (the store reports the outage)
                logger.warning("takeover sweep failed, retrying: %r", exc, exc_info=logger.isEnabledFor(logging.DEBUG))
                await asyncio.sleep(interval)

    def _continue_adopted(self, stream: LiveStream, request: dict[str, Any], lost_owner: str) -> None:
        route = self.config.routes.get(stream.route)
        if route is None:
            logger.error("cannot take over stream %s: route %r is not configured here", stream.id, stream.route)
            message = "the stream's route is not configured on the instance that took it over"
            stream.finish("failed", events.ERROR, {"code": "unknown_route", "message": message, "kind": "internal"})
            return
        fields = {name: value for name, value in request.items() if name in _REQUEST_FIELDS}
        generation = Generation(stream, route, GenerationRequest(**fields), self.services)
        generation.resume(lost_owner)
        logger.info("took over stream %s from instance %s at %d chars", stream.id, lost_owner, generation.sent_chars)
        stream.key_id = stream.key_id or request.get("key_id")
        account = request.get("account", stream.key_id)  # streams of an earlier version kept only the key id
        self.start_generation(stream, generation, account)
        if account is not None and self.admission is not None:  # it runs on here: its slot and reservation too
            task = asyncio.create_task(
                self.admission.extend(Ticket(account, stream.id, request.get("reserved_usd")), route.max_duration_s)
            )
            self._settlements.add(task)
            task.add_done_callback(self._settlements.discard)


_REQUEST_FIELDS = frozenset(field.name for field in dataclasses.fields(GenerationRequest))


# -- request helpers ------------------------------------------------------


def _relay(request: Request) -> Relay:
    relay: Relay = request.app.state.relay
    return relay


async def _authorized_stream(request: Request, at_least: int = 0, *, cancel: bool = False) -> StreamView:
    """The stream named in the path, if the caller holds its token.

    The token is checked on a view loaded without waiting; only then may a store
    whose log trails the generation (Redis, by one flush) wait briefly for the
    client's cursor `at_least`, rather than answer with a reset. So a caller
    without the token never holds a connection to the store.
    """
    token = request.query_params.get("token") or bearer(request)
    if not token:
        raise ApiError(401, "missing_token", "pass the stream token as ?token= or Authorization: Bearer")
    store = _relay(request).store
    stream_id = request.path_params["stream_id"]
    stream = await store.get(stream_id)
    if stream is None:
        raise ApiError(404, "unknown_stream", "no stream with this id (it may have expired)")
    rights = stream.rights(token)
    if rights is None:
        raise ApiError(403, "invalid_token", "the token does not match this stream")
    _check_owner(request, stream, token)
    if cancel and rights != "cancel":
        raise ApiError(403, "read_only_token", "this token can read the stream but not cancel it")
    if at_least > 0:  # the store may wait for the cursor, or rewind to where a takeover forked the log
        stream = await store.get(stream_id, at_least=at_least) or stream
    return stream


def _check_owner(request: Request, stream: StreamView, token: str) -> None:
    """An API key presented beside the token must be the one that created the stream (403), and a known one (401).

    A token alone still reads (`EventSource` sends no headers); a key never reaches another key's stream.
    """
    presented = bearer(request)
    if presented is None or presented == token or not _relay(request).keys.required:
        return
    key_id = key_id_of(presented)
    if not _relay(request).keys.knows(key_id):
        raise ApiError(401, "invalid_api_key", "the API key in Authorization is not valid")
    if stream.key_id is not None and key_id != stream.key_id:
        raise ApiError(403, "not_stream_owner", "this stream belongs to another API key")


def _cursor(request: Request) -> int:
    """The client's position: Last-Event-ID header, else ?last_event_id=, else the start."""
    raw = request.headers.get("last-event-id")
    if raw is None:
        raw = request.query_params.get("last_event_id")
    if raw is None or raw.strip() == "":
        return 0
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise ApiError(
            400, "invalid_last_event_id", f"Last-Event-ID must be a non-negative integer event id, got {raw[:40]!r}"
        )
    return int(raw)


def _wants_sse(request: Request) -> bool:
    return "text/event-stream" in request.headers.get("accept", "")


# -- endpoints --------------------------------------------------------------


async def create_stream(request: Request) -> Response | SSEResponse:
    relay = _relay(request)
    server = relay.config.server
    key_id = admit_caller(relay, request)
    body = await read_json(request, server.max_body_bytes)
    route_name, generation_request = parse_generation_request(body, max_output_tokens=server.max_output_tokens)
    route = relay.config.routes.get(route_name)
    if route is None:
        raise ApiError(400, "unknown_route", f"route {route_name[:100]!r} is not configured")
    stream, token = await open_stream(relay, route, generation_request, key_id, cache=cache_wanted(body))

    if _wants_sse(request):
        return sse_response(
            stream,
            0,
            retry_ms=server.retry_ms,
            ping_s=server.ping_s,
            headers={"X-Stream-Id": stream.id, "X-Stream-Token": token, "X-Stream-Read-Token": read_token_for(token)},
            registry=relay.responses,
            write_timeout_s=server.write_timeout_s,
        )
    events_url = str(request.url_for("stream_events", stream_id=stream.id).include_query_params(token=token))
    body = {"id": stream.id, "token": token, "read_token": read_token_for(token), "events_url": events_url}
    return JSONResponse(body, status_code=201, headers={"X-Stream-Id": stream.id})  # the request log names it


async def stream_events(request: Request) -> Response | SSEResponse:
    after = _cursor(request)
    stream = await _authorized_stream(request, at_least=after)
    relay = _relay(request)
    server = relay.config.server
    last = stream.last_event_id
    if stream.finished and after == last:
        return Response(status_code=204)  # nothing more will come: EventSource stops reconnecting
    if relay.responses.readers(stream.id) >= server.max_readers_per_stream:
        raise ApiError(
            429, "too_many_readers", "this stream has as many open readers here as it may; retry later", retry_after_s=5
        )
    if after > 0:
        stream.reconnects += 1
    if relay.metrics is not None:
        relay.metrics.reader_opened(resumed=after > 0, reset=after > last)
    return sse_response(
        stream,
        after,
        retry_ms=server.retry_ms,
        ping_s=server.ping_s,
        reset=after > last,
        registry=relay.responses,
        write_timeout_s=server.write_timeout_s,
    )


async def get_stream(request: Request) -> Response:
    stream = await _authorized_stream(request)
    return JSONResponse(stream.snapshot())


async def cancel_stream(request: Request) -> Response:
    stream = await _authorized_stream(request, cancel=True)
    stream = await _relay(request).store.request_cancel(stream.id) or stream  # reaches it wherever it runs
    return JSONResponse({"id": stream.id, "status": stream.status})


async def healthz(request: Request) -> Response:
    """Liveness: the process answers. What a client may see of the store, without its errors."""
    relay = _relay(request)
    store = {key: value for key, value in relay.store.health().items() if key != "last_error"}
    body = {
        "status": "ok",
        "store": store,
        "generations": len(relay.generations),
        "pid": os.getpid(),
        "cache": relay.cache.health(),
        "breakers": relay.breakers.snapshot(),
    }
    return JSONResponse(body)


async def metrics(request: Request) -> Response:
    """Prometheus exposition (docs/deployment.md lists the metrics); 404 when `server.metrics` is off."""
    relay = _relay(request)
    if relay.metrics is None:
        raise ApiError(404, "metrics_disabled", "metrics are off in this relay's config (server.metrics)")
    body, content_type = relay.metrics.render(relay)
    return Response(body, media_type=content_type)


async def readyz(request: Request) -> Response:
    """Readiness: 200 while this instance should get new streams, 503 while draining or its store is degraded."""
    relay = _relay(request)
    health = relay.store.health()
    body = {"ready": relay.ready, "draining": relay.draining, "store_degraded": bool(health.get("degraded", False))}
    return JSONResponse(body, status_code=200 if body["ready"] else 503)


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
            expose_headers=[
                "X-Stream-Id",
                "X-Stream-Token",
                "X-Stream-Read-Token",
            ],  # a fetch client reads the new stream's id and token
            max_age=600,
        )
    ]


class _Endpoint:
    """A request-response endpoint as a Route's ASGI app, in one coroutine frame for the response's life.

    Starlette's `request_response` runs an endpoint through three nested coroutines
    and wraps `send` in one more per message; an SSE response keeps them all for
    its whole life. Here an exception the endpoint raises is answered by the app's
    handlers as there (`scope["starlette.exception_handlers"]`); one raised by the
    running response goes on to the server error middleware (a 500 before the
    response started, else only logged).
    """

    __slots__ = ("endpoint", "__name__")

    def __init__(self, endpoint: Callable[[Request], Awaitable[Response | SSEResponse]]) -> None:
        self.endpoint = endpoint
        self.__name__ = getattr(endpoint, "__name__", type(self).__name__)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        try:
            response: Any = await self.endpoint(request)
        except Exception as exc:
            response = await _handled(request, exc)
        await response(scope, receive, send)


async def _handled(request: Request, exc: Exception) -> Response:
    """The response of the app's handler for `exc` (by status for an HTTPException, else by class); raises if none."""
    exception_handlers, status_handlers = request.scope.get("starlette.exception_handlers", ({}, {}))
    handler = status_handlers.get(exc.status_code) if isinstance(exc, HTTPException) else None
    if handler is None:
        handler = next((exception_handlers[cls] for cls in type(exc).__mro__ if cls in exception_handlers), None)
    if handler is None:
        raise exc
    response = handler(request, exc)
    if inspect.isawaitable(response):
        response = await response
    exc.__traceback__ = None  # a reused exception instance would pile up tracebacks
    return cast(Response, response)


def _lean(route: BaseRoute) -> BaseRoute:
    """A Route of an async function endpoint, its endpoint run by `_Endpoint`; any other route as it is."""
    if type(route) is not Route or not inspect.iscoroutinefunction(route.endpoint):
        return route
    return Route(route.path, _Endpoint(route.endpoint), methods=list(route.methods or ()), name=route.name)


class _Dispatch:
    """The router's work for a request one of its Routes takes whole, as a call that returns the route's coroutine.

    So a stream's response is awaited without the router's, the route's and the
    exception middleware's coroutines above it (each held for the response's life);
    the route's app answers its endpoint's exceptions with the same handlers. Anything
    else (no route, a method not allowed, a mount, the lifespan) goes through the
    exception middleware and the router as Starlette builds them.
    """

    __slots__ = ("_router", "_exceptions", "_handlers")

    def __init__(self, router: Router, exceptions: ExceptionMiddleware) -> None:
        self._router = router
        self._exceptions = exceptions
        self._handlers = (exceptions._exception_handlers, exceptions._status_handlers)  # what it puts in the scope

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] == "http":
            for route in self._router.routes:
                match, child_scope = route.matches(scope)
                if match is Match.FULL and type(route) is Route:  # a full match: its method is allowed
                    scope["starlette.exception_handlers"] = self._handlers
                    scope.setdefault("router", self._router)
                    scope["route"] = route
                    scope.update(child_scope)
                    return route.app(scope, receive, send)
                if match is not Match.NONE:
                    break
        return self._exceptions(scope, receive, send)


class _Started:
    """`send`, noting whether the response has started, at the cost of a call per message (no coroutine of its own)."""

    __slots__ = ("send", "started")

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    def __call__(self, message: Message) -> Awaitable[None]:
        if message["type"] == "http.response.start":
            self.started = True
        return self.send(message)


async def _server_error(errors: ServerErrorMiddleware, scope: Scope, exc: Exception) -> Response:
    """The answer Starlette's ServerErrorMiddleware gives to an exception nothing handled (the app's 500 handler)."""
    request = Request(scope)
    if errors.debug:
        return cast(Response, await run_in_threadpool(errors.debug_response, request, exc))
    if errors.handler is None:
        return errors.error_response(request, exc)
    handler: Any = errors.handler
    response = handler(request, exc)
    if inspect.isawaitable(response):
        response = await response
    return cast(Response, response)


class _RelayApp(Starlette):
    """Starlette, with `_Dispatch` in front of its router and the server error middleware's work done in this
    coroutine, offering the SSE responses the server's way to drop a connection (a reader that takes nothing)."""

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        outer: Any = stack
        while not isinstance(outer.app, ExceptionMiddleware):  # the innermost middleware wraps the router in it
            outer = outer.app
        outer.app = _Dispatch(self.router, outer.app)
        return stack

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        transport = getattr(getattr(send, "__self__", None), "transport", None)  # uvicorn's request cycle
        if transport is not None and scope["type"] == "http":
            scope[ABORT_KEY] = transport.abort  # in the scope itself: no extensions dict per request
        scope["app"] = self  # what Starlette.__call__ does, without its coroutine held for a stream's life
        if self.middleware_stack is None:
            self.middleware_stack = self.build_middleware_stack()
        errors = self.middleware_stack
        if scope["type"] != "http" or not isinstance(errors, ServerErrorMiddleware):
            await errors(scope, receive, send)
            return
        # ServerErrorMiddleware's own work, and the request log's when it is the outermost middleware, so
        # their coroutines are not held for a stream's life
        inner = errors.app
        request_log = inner if isinstance(inner, RequestLog) else None
        sending: _Started | SendWithId
        logged: tuple[SendWithId, contextvars.Token[str | None]] | None = None
        if request_log is not None:
            logged = request_log.begin(scope, send)
            sending, inner = logged[0], request_log.app
        else:
            sending = _Started(send)
        failed = True
        try:
            await inner(scope, receive, sending)
            failed = False
        except Exception as exc:
            if not sending.started:
                response = await _server_error(errors, scope, exc)
                await response(scope, receive, send)
            raise  # for the server to log
        finally:
            if request_log is not None and logged is not None:
                request_log.end(scope, *logged, failed=failed)


def create_app(config: Config | None = None) -> Starlette:
    relay = Relay(config or default_config())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await relay.start()
        try:
            yield
        finally:
            await relay.close()

    app = _RelayApp(
        middleware=[
            Middleware(RequestLog, enabled=relay.config.server.request_log),  # outermost: its id is on every answer
            *_cors(relay.config.server.cors_origins),
        ],
        routes=[
            _lean(route)
            for route in (
                Route("/v1/streams", create_stream, methods=["POST"]),
                Route("/v1/streams/{stream_id}/events", stream_events, methods=["GET"], name="stream_events"),
                Route("/v1/streams/{stream_id}", get_stream, methods=["GET"]),
                Route("/v1/streams/{stream_id}", cancel_stream, methods=["DELETE"]),
                *OPENAI_ROUTES,
                *UI_ROUTES,
                Route("/healthz", healthz, methods=["GET"]),
                Route("/readyz", readyz, methods=["GET"]),
                Route("/metrics", metrics, methods=["GET"]),
                *DEMO_ROUTES,
            )
        ],
        exception_handlers={
            ApiError: handle_api_error,
            StoreError: handle_store_error,
            HTTPException: handle_http_exception,
            Exception: handle_unexpected,
        },
        lifespan=lifespan,
    )
    app.state.relay = relay
    return app
