"""`splice-relay serve`: run the relay under uvicorn with uvloop and httptools."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import re
import resource
import shutil
import socket
import sys
import urllib.parse

import uvicorn
from starlette.applications import Starlette

from .app import create_app
from .config import LOG_FORMATS, ConfigError, load_config
from .logs import configure_logging
from .metrics import share_metrics_between_workers
from .tokens import preload_encodings
from .workers import Supervisor, reuse_port_socket, worker_argv

_QUERY_PARAM = re.compile(r"([?&;])([^=&;\s\"]*)=([^&;\s\"]*)")


def redact_tokens(text: str) -> str:
    """`text` with the value of every `token` query parameter replaced, however its name is escaped.

    Starlette decodes parameter names, so `?%74oken=` is a token too and must be redacted.
    """
    if "=" not in text:
        return text

    def redact(match: re.Match[str]) -> str:
        name = urllib.parse.unquote_plus(match.group(2))
        if name.strip().lower() != "token":
            return match.group(0)
        return f"{match.group(1)}{match.group(2)}=[redacted]"

    return _QUERY_PARAM.sub(redact, text)


class RedactTokens(logging.Filter):
    """Stream tokens travel in query strings (EventSource cannot send headers): never log them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(redact_tokens(arg) if isinstance(arg, str) else arg for arg in args)
        if isinstance(record.msg, str):
            record.msg = redact_tokens(record.msg)
        return True


class Server(uvicorn.Server):
    """uvicorn that drains the relay before it shuts down (SIGTERM, a deploy).

    It stops accepting connections, then lets the relay hand its running streams
    over to another instance (shared store) or finish them (memory store, up to
    `server.drain_s`), then ends the SSE responses still open: their clients
    reconnect with `Last-Event-ID`, to another instance when the store is shared.
    """

    def __init__(self, config: uvicorn.Config, app: Starlette) -> None:
        super().__init__(config)
        self._relay = app.state.relay

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        try:
            await self._relay.drain()
        except Exception:  # the shutdown goes on: the streams are cancelled with the app
            logging.getLogger("splice_relay.app").exception("draining the relay failed")
        self._relay.responses.drain()
        await super().shutdown(sockets)


def raise_open_files_limit() -> int:
    """Take the hard limit on open files as the soft one: every open stream holds two sockets (its reader's and
    its upstream's), so 10,000 waiting streams need 20,000 descriptors where the usual soft limit is 1024.
    Returns the limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):  # an unlimited hard limit is refused for open files: keep the soft one
            pass
    return soft


FULL_COLLECTION_EVERY = 1000  # young collections between two full ones (CPython's default: 10)


def tune_garbage_collector() -> None:
    """Keep the cyclic garbage collector's full passes out of the streams' way.

    A full pass stops every stream while it walks all tracked objects, yet finds almost nothing to free (the relay's
    garbage goes by reference counting): freeze what startup built and make full passes rare; young passes run as usual.
    """
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="splice-relay", description="Streaming-first edge relay for LLM output.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the relay")
    serve.add_argument("--config", help="TOML config file (default: $SPLICE_RELAY_CONFIG, else simulated providers)")
    serve.add_argument("--host", help="bind address (default: server.host, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: server.port, 8080)")
    serve.add_argument("--log-level", default="info")
    serve.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        help="json, text, or auto: text on a terminal, else JSON (default: server.log_format, auto)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        help="processes on the port (default: the CPUs with the Redis store, 1 with the memory store)",
    )
    serve.add_argument(
        "--reuse-port", action="store_true", help="bind with SO_REUSEPORT, so other relay processes share the port"
    )
    args = parser.parse_args(argv)
    raise_open_files_limit()  # the workers of --workers inherit it

    try:
        config = load_config(args.config)
        workers = _worker_count(args.workers, config.store.kind)
        if workers == 1:
            app = create_app(config)  # builds providers and store: a missing key variable fails here
    except ConfigError as exc:
        print(f"splice-relay: bad config: {exc}", file=sys.stderr)
        return 2
    host = args.host or config.server.host
    port = args.port if args.port is not None else config.server.port
    configure_logging(args.log_format or config.server.log_format, args.log_level)
    if workers > 1:
        if port == 0:
            print("splice-relay: --workers needs a fixed port", file=sys.stderr)
            return 2
        made = share_metrics_between_workers() if config.server.metrics else None  # the workers inherit it
        argv = worker_argv(args.config, host, port, args.log_level)
        try:
            return Supervisor(argv + (["--log-format", args.log_format] if args.log_format else []), workers).run()
        finally:
            if made is not None:
                shutil.rmtree(made, ignore_errors=True)
    logging.getLogger("uvicorn.access").addFilter(RedactTokens())
    server_config = uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        log_level=args.log_level,
        log_config=None,  # uvicorn's loggers go through the relay's handler (relay/logs.py): JSON or text
        access_log=not config.server.request_log,  # the relay's own request line replaces uvicorn's
        timeout_graceful_shutdown=30,
        proxy_headers=True,
        forwarded_allow_ips="*",
    )
    preload_encodings(target.model for route in config.routes.values() for target in route.targets)
    tune_garbage_collector()  # after the encodings, so their objects are frozen too
    server = Server(server_config, app)
    if args.reuse_port:
        server.run(sockets=[reuse_port_socket(host, port)])
    else:
        server.run()
    return 0


def _worker_count(requested: int | None, store_kind: str) -> int:
    """`--workers`, checked: a memory log lives in one process, so several workers need the Redis store."""
    if requested is None:
        return (os.cpu_count() or 1) if store_kind == "redis" else 1
    if requested < 1:
        raise ConfigError("--workers: at least 1")
    if requested > 1 and store_kind != "redis":
        raise ConfigError("--workers: more than one worker needs store.kind = 'redis' (a memory log is per process)")
    return requested


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
