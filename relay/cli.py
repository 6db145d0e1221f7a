"""`splice-relay serve`: run the relay under uvicorn with uvloop and httptools."""

from __future__ import annotations

import argparse
import gc
import logging
import re
import socket
import sys

import uvicorn
from starlette.applications import Starlette

from .app import create_app
from .config import ConfigError, load_config
from .tokens import preload_encodings

_TOKEN_IN_QUERY = re.compile(r"([?&]token=)[^&\s\"]*")


class RedactTokens(logging.Filter):
    """Stream tokens travel in query strings (EventSource cannot send headers): never log them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(_TOKEN_IN_QUERY.sub(r"\1[redacted]", a) if isinstance(a, str) else a for a in record.args)  # type: ignore[union-attr]
        if isinstance(record.msg, str):
            record.msg = _TOKEN_IN_QUERY.sub(r"\1[redacted]", record.msg)
        return True


class Server(uvicorn.Server):
    """uvicorn that ends the relay's open SSE responses as it starts shutting down.

    Otherwise it would wait for every open stream to finish (up to its graceful
    timeout); ended clients reconnect with `Last-Event-ID`, to another instance
    when the store is shared, and lose nothing.
    """

    def __init__(self, config: uvicorn.Config, app: Starlette) -> None:
        super().__init__(config)
        self._relay = app.state.relay

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._relay.responses.drain()
        await super().shutdown(sockets)


def freeze_startup_objects() -> None:
    """Exclude everything built at startup from the cyclic garbage collector's full passes.

    The SDKs, pydantic models and the app make about 220,000 tracked objects; a
    full collection walks them all, about 115 ms during which no stream moves
    (the p99 spikes of docs/benchmarks.md). Frozen, they are never scanned again;
    what streams allocate is collected as before.
    """
    gc.collect()
    gc.freeze()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="splice-relay", description="Streaming-first edge relay for LLM output.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the relay")
    serve.add_argument("--config", help="TOML config file (default: $SPLICE_RELAY_CONFIG, else simulated providers)")
    serve.add_argument("--host", help="bind address (default: server.host, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: server.port, 8080)")
    serve.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)

    try:
        config = load_config(args.config)
        app = create_app(config)  # builds providers and store: a missing key variable fails here
    except ConfigError as exc:
        print(f"splice-relay: bad config: {exc}", file=sys.stderr)
        return 2
    host = args.host or config.server.host
    port = args.port if args.port is not None else config.server.port
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("uvicorn.access").addFilter(RedactTokens())
    server_config = uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        log_level=args.log_level,
        timeout_graceful_shutdown=30,
        proxy_headers=True,
        forwarded_allow_ips="*",
    )
    preload_encodings(target.model for route in config.routes.values() for target in route.targets)
    freeze_startup_objects()  # after the encodings, so their objects are frozen too
    Server(server_config, app).run()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
