"""The soak: mixed traffic against several relay processes while they are redeployed, crashed and cut off.

``python -m loadtest.soak --minutes 30 --streams 100 --json soak.json`` starts, as its own
subprocesses, a ``redis-server`` on a free port (no persistence), the fake upstream
(:mod:`loadtest.upstream`) and ``--instances`` relay processes sharing that Redis, with routes whose
models are scripted with ``cont=exact``, so a continuation (failover, takeover) continues the
reference text exactly. It then keeps ``--streams`` streams in flight for ``--minutes``:

* each stream is created on a random instance (a quarter of them read from the ``POST`` itself,
  ``Accept: text/event-stream``) and read by a client that drops its connection at random
  moments and resumes with ``Last-Event-ID`` on a random instance (a quarter read through without
  dropping); a stream whose response ends without a terminal event is resumed at once, the way a
  client that ignores ``retry:`` would, so the pauses measured are the relay's alone;
* a fifth of them run on a route whose first target stalls mid-answer (a failover to the next);
* some are cancelled with ``DELETE`` at a random moment, on a random instance.

Faults come on a schedule: a rolling deploy every ``--sigterm-every`` seconds (a replacement is
started, then one instance gets SIGTERM), a crash every ``--sigkill-every`` seconds (SIGKILL, then a
replacement), and ``--redis-restarts`` restarts of ``redis-server`` on the same port. One instance
(the first) is never signalled, so its memory is followed over the whole run.

Every stream is checked (:class:`StreamCheck`): its assembled text (``token`` events, a ``reset``
replacing the text so far) equals the reference exactly when it ended ``done`` with a natural finish
reason, and is a prefix of it when it was cancelled; exactly one terminal event; event ids
increasing by one across every resume (a ``reset`` moves the cursor). After the terminal event, a
snapshot from a random instance must agree, and a resume at the terminal id must answer ``204``
(a stream whose log a Redis restart erased is counted as unverified instead). A stream with no
terminal event ``--stream-timeout-s`` after its expected end, an ``error``, or a ``done: cancelled``
nobody asked for is a violation too. A ``reset`` is not: it is counted, with the text it took back.
Memory: every process's RSS (``/proc/<pid>/status``) every ``--rss-every`` seconds; per process
lifetime, the RSS after ``--warmup-s``, the peak, the end and the slope over the last
``--slope-window-s``.

The summary goes to stdout, the figures to ``--json``; the exit status is 1 when any stream violated
a check. Every process started here is stopped on the way out, Ctrl-C included, and dies with the
soak if the soak is killed (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import math
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httptools
import orjson

from splice.eval.corpus import TEXTS

from .texts import tokenize
from .throwaway_redis import redis_server_argv
from .upstream import Reference, model_name, repeat_tokens

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
NATURAL_FINISH = frozenset({"stop", "end_turn", "length", "max_tokens"})
PARSED_EVENTS = frozenset({"token", "reset", "done", "error", "failover", "splice", "resume"})
TRACE_SHOWN = frozenset({"reset", "done", "error", "failover", "splice", "resume"})
MAX_ANOMALIES = 10  # per stream
MAX_TRACED_VIOLATIONS = 200  # violations reported with their event excerpt; the rest with their detail only

EventSink = Callable[[int | None, str, Any], None]


# -- processes --------------------------------------------------------------------------------


def free_port() -> int:
    """A port free on loopback now (for a process about to bind it)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> None:
    """In the child, before exec: be SIGKILLed if the soak dies without cleaning up (PR_SET_PDEATHSIG)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


def rss_kb(pid: int) -> int | None:
    """VmRSS of a live process, from /proc/<pid>/status; None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as file:
            for line in file:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


class Proc:
    """A subprocess this soak started: its own session, its output in a log file, stopped by its pid only."""

    def __init__(self, name: str, argv: list[str], workdir: Path) -> None:
        self.name = name
        self.log_path = workdir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(
            argv,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        self.pid = self.popen.pid
        self.started = time.monotonic()

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal(self, signum: int) -> None:
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    async def wait(self, timeout_s: float) -> int | None:
        """Its exit status once it exited, polling without blocking the loop; None after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while self.popen.poll() is None:
            if time.monotonic() > deadline:
                return None
            await asyncio.sleep(0.05)
        return self.popen.returncode

    def kill_now(self) -> None:
        """SIGKILL and reap (cleanup)."""
        self.signal(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=10)
        self._log.close()

    def log_tail(self, chars: int = 2000) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-chars:]
        return ""


# -- HTTP on raw connections --------------------------------------------------------------------


class Exchange(asyncio.Protocol):
    """One HTTP/1.1 request on a connection of its own (``Connection: close``).

    A ``200 text/event-stream`` body is split into SSE events handed to ``on_event`` as they
    arrive (comments skipped); any other body is kept whole. ``ended`` resolves with why the
    exchange ended: ``complete`` (the server ended the body), ``eof``/``conn_reset`` (the connection
    went first) or the reason given to :meth:`abort`.
    """

    def __init__(self, request: bytes, on_event: EventSink | None) -> None:
        self.loop = asyncio.get_running_loop()
        self.request = request
        self.on_event = on_event
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.status = 0
        self.headers: dict[str, str] = {}
        self.head: asyncio.Future[None] = self.loop.create_future()
        self.ended: asyncio.Future[str] = self.loop.create_future()
        self.body = bytearray()
        self.sse = False
        self.buffer = b""
        self.last_byte = self.loop.time()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        self.last_byte = self.loop.time()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self.abort(f"parse_error: {exc}")

    def connection_lost(self, exc: Exception | None) -> None:
        self._end("conn_reset" if exc else "eof")

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.sse = self.status == 200 and self.headers.get("content-type", "").startswith("text/event-stream")
        if not self.head.done():
            self.head.set_result(None)

    def on_body(self, body: bytes) -> None:
        if not self.sse:
            self.body += body
            return
        buffer = self.buffer + body if self.buffer else body
        start = 0
        while True:
            end = buffer.find(b"\n\n", start)
            if end < 0 or self.ended.done():
                break
            self._event(buffer[start:end])
            start = end + 2
        self.buffer = buffer[start:]

    def on_message_complete(self) -> None:
        self._end("complete")

    def _event(self, block: bytes) -> None:
        """One SSE block: its `id`, `event` and `data` to `on_event`; comments and `retry` alone are skipped."""
        event_id: int | None = None
        name = "message"
        data: bytes | None = None
        for line in block.split(b"\n"):
            if line.startswith(b"data:"):
                data = line[5:].lstrip(b" ")
            elif line.startswith(b"event:"):
                name = line[6:].strip().decode()
            elif line.startswith(b"id:"):
                raw = line[3:].strip()
                event_id = int(raw) if raw.isdigit() else -1
        if data is None or self.on_event is None:
            return  # a comment (prelude, ping) or `retry:` alone
        self.on_event(event_id, name, orjson.loads(data) if name in PARSED_EVENTS else None)

    def abort(self, why: str) -> None:
        """Drop the connection now (what a client losing its network does); events in flight are lost."""
        if self.transport is not None:
            self.transport.abort()
        self._end(why)

    def _end(self, why: str) -> None:
        """Resolve the exchange once, with the first reason it ended for."""
        if not self.head.done():
            self.head.set_result(None)
        if not self.ended.done():
            self.ended.set_result(why)
        if self.transport is not None:
            self.transport.close()


def _request_bytes(port: int, method: str, path: str, body: Any, headers: dict[str, str]) -> bytes:
    """The request on the wire: HTTP/1.1, `Connection: close`, a JSON body when given."""
    payload = orjson.dumps(body) if body is not None else b""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close", "User-Agent: splice-soak"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def open_exchange(
    port: int,
    method: str,
    path: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
    on_event: EventSink | None = None,
    timeout_s: float = 10.0,
) -> Exchange:
    """Send a request and wait for the response head; a failed connect ends the exchange as ``connect_error``."""
    exchange = Exchange(_request_bytes(port, method, path, body, headers or {}), on_event)
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(loop.create_connection(lambda: exchange, HOST, port), timeout=timeout_s)
        await asyncio.wait_for(asyncio.shield(exchange.head), timeout=timeout_s)
    except (OSError, TimeoutError) as exc:
        exchange.abort(f"connect_error: {type(exc).__name__}")
    return exchange


async def request_json(
    port: int,
    method: str,
    path: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout_s: float = 10.0,
) -> tuple[int, Any]:
    """A request answered with JSON: (status, decoded body or None); status 0 when no answer came."""
    exchange = await open_exchange(port, method, path, body=body, headers=headers, timeout_s=timeout_s)
    try:
        await asyncio.wait_for(asyncio.shield(exchange.ended), timeout=timeout_s)
    except TimeoutError:
        exchange.abort("timeout")
    if exchange.ended.result() != "complete":
        return 0, None
    try:
        return exchange.status, orjson.loads(exchange.body) if exchange.body else None
    except orjson.JSONDecodeError:
        return exchange.status, None


# -- the checks ---------------------------------------------------------------------------------


@dataclass
class Anomaly:
    """One failed check of one stream: which, what was seen, and where in its trace."""

    check: str
    detail: str
    at: int  # index in the trace


@dataclass
class Verdict:
    """How a stream ended (`finished:stop`, `cancelled`, `unfinished`...) and every check it failed."""

    outcome: str
    violations: list[Anomaly]


class StreamCheck:
    """What one client saw of one stream, across all its responses, and whether it keeps the protocol's promises.

    Fed every event in arrival order (`event`) and told where each response starts (`begin`).
    The text is built as a client builds it: token texts appended, a `reset` replacing the
    text so far with its `text` and moving the cursor to its `last_event_id`.
    """

    def __init__(self, reference: str) -> None:
        self.reference = reference
        self.parts: list[str] = []
        self.chars = 0
        self.last_id = 0
        self.terminals: list[tuple[str, dict[str, Any]]] = []
        self.anomalies: list[Anomaly] = []
        self.resets = 0
        self.rewound_chars = 0  # text a reset took back from what this client had shown
        self.reset_log: list[dict[str, Any]] = []
        self.failovers: list[dict[str, Any]] = []
        self.responses = 0
        self.first_in_response = False
        self.events = 0
        # (seconds since the stream began, response number, id, event, short data, text length after it)
        self.trace: list[tuple[float, int, int | None, str, str, int]] = []
        self.t0 = time.monotonic()

    @property
    def text(self) -> str:
        if len(self.parts) > 1:
            self.parts = ["".join(self.parts)]
        return self.parts[0] if self.parts else ""

    def begin(self) -> None:
        """A new response starts (its first event must follow the cursor it was asked from)."""
        self.responses += 1
        self.first_in_response = True

    def event(self, event_id: int | None, name: str, data: Any) -> None:
        """The next event the client received, in order."""
        self.events += 1
        first, self.first_in_response = self.first_in_response, False
        if self.terminals:
            self._flag("terminal", f"event {event_id} ({name}) after the terminal event")
        if name == "reset":
            self._reset(event_id, data, first)
        else:
            expected = self.last_id + 1
            if event_id is None or event_id != expected:
                where = "first event of response" if first else "event"
                self._flag("ids", f"{where} #{self.responses}: expected id {expected}, got {event_id} ({name})")
            if event_id is not None and event_id >= 0:
                self.last_id = event_id
            if name == "token":
                text = data.get("text", "") if isinstance(data, dict) else ""
                self.parts.append(text)
                self.chars += len(text)
            elif name in ("done", "error"):
                self.terminals.append((name, data if isinstance(data, dict) else {}))
            elif name == "failover" and isinstance(data, dict):
                self.failovers.append(data)
        at = round(time.monotonic() - self.t0, 3)
        self.trace.append((at, self.responses, event_id, name, _short(name, data), self.chars))

    def _reset(self, event_id: int | None, data: Any, first: bool) -> None:
        """A `reset`: the text so far is replaced and the cursor moved; what it took back is counted."""
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("text"), str)
            or not isinstance(data.get("last_event_id"), int)
        ):
            self._flag("ids", f"malformed reset event {event_id}: {str(data)[:120]}")
            return
        if not first:
            self._flag("ids", f"reset {event_id} in the middle of response #{self.responses}")
        if event_id != data["last_event_id"]:
            self._flag("ids", f"reset id {event_id} differs from its last_event_id {data['last_event_id']}")
        old, new = self.text, data["text"]
        self.resets += 1
        rewound = len(old) - _common_prefix(old, new)
        self.rewound_chars += rewound
        self.reset_log.append(
            {
                "cursor": self.last_id,
                "reset_to": data["last_event_id"],
                "chars_before": len(old),
                "chars_after": len(new),
                "rewound_chars": rewound,
                "at_s": round(time.monotonic() - self.t0, 2),
            }
        )
        self.parts, self.chars = [new], len(new)
        self.last_id = data["last_event_id"]

    def _flag(self, check: str, detail: str) -> None:
        """Record a failed check (at most `MAX_ANOMALIES` per stream)."""
        if len(self.anomalies) < MAX_ANOMALIES:
            self.anomalies.append(Anomaly(check, detail, len(self.trace)))

    def verdict(self, *, cancel_sent: bool, cancel_answer: str | None) -> Verdict:
        """The stream's outcome and every check it failed (`cancel_sent`: a DELETE went out before its end)."""
        found = list(self.anomalies)
        end = len(self.trace)
        if not self.terminals:
            missing = Anomaly("not_finished", f"no terminal event after event {self.last_id}", end)
            return Verdict("unfinished", [*found, missing])
        if len(self.terminals) > 1:
            found.append(Anomaly("terminal", f"{len(self.terminals)} terminal events: {self.terminals}", end))
        name, data = self.terminals[0]
        text = self.text
        if name == "error":
            return Verdict(f"error:{data.get('code')}", [*found, Anomaly("unexpected_end", f"error event {data}", end)])
        reason = data.get("finish_reason")
        if reason == "cancelled":
            if not cancel_sent:
                unasked = Anomaly("unexpected_end", "done: cancelled, but no DELETE was sent", end)
                return Verdict("cancelled_unasked", [*found, unasked])
            if not self.reference.startswith(text):
                found.append(self._text_anomaly(text, "the cancelled stream's text is not a prefix of the reference"))
            return Verdict("cancelled", found)
        if reason in NATURAL_FINISH:
            if text != self.reference:
                found.append(self._text_anomaly(text, f"done ({reason}) with a text other than the reference"))
            if cancel_answer == "cancelled":
                detail = f"DELETE answered cancelled, the stream ended done ({reason})"
                found.append(Anomaly("unexpected_end", detail, end))
            return Verdict(f"finished:{reason}", found)
        other = Anomaly("unexpected_end", f"done with finish_reason {reason!r}", end)
        return Verdict(f"done:{reason}", [*found, other])

    def _text_anomaly(self, text: str, what: str) -> Anomaly:
        """A text violation, placed in the trace where the text leaves the reference."""
        at = _common_prefix(text, self.reference)
        index = next((i for i, entry in enumerate(self.trace) if entry[5] > at), len(self.trace))
        return Anomaly("text", f"{what}: {describe_difference(text, self.reference)}", index)


def _common_prefix(a: str, b: str) -> int:
    """The length of the longest common prefix of `a` and `b`."""
    n = min(len(a), len(b))
    if a[:n] == b[:n]:
        return n
    lo, hi = 0, n  # a[:lo] == b[:lo], a[:hi] != b[:hi]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid
    return lo


def describe_difference(text: str, reference: str, probe: int = 40) -> str:
    """Where `text` leaves `reference`, and what it looks like there: repeated, lost or other text."""
    at = _common_prefix(text, reference)
    head = f"{len(text)} chars vs {len(reference)} in the reference, first difference at {at}"
    if at == len(reference):
        return f"{head}: {len(text) - at} extra chars after the whole reference: {text[at : at + 80]!r}"
    if at == len(text):
        return f"{head}: the last {len(reference) - at} chars are missing (from {reference[at : at + 60]!r})"
    piece = text[at : at + probe]  # where the text goes on: found earlier in the reference, a repeat; later, a loss
    earlier = reference.rfind(piece, 0, at - 1 + len(piece)) if len(piece) >= 12 else -1
    if earlier >= 0:
        return f"{head}: {at - earlier} chars repeated (the text goes back to reference offset {earlier}: {piece!r})"
    later = reference.find(piece, at + 1) if len(piece) >= 12 else -1
    if later >= 0:
        missing = reference[at:later][:80]
        return f"{head}: {later - at} chars lost (the text jumps to reference offset {later}: {missing!r} missing)"
    return f"{head}: text {text[max(0, at - 20) : at + 60]!r} vs reference {reference[max(0, at - 20) : at + 60]!r}"


def _short(name: str, data: Any) -> str:
    """An event's data, cut short for a violation's excerpt."""
    if data is None:
        return ""
    if name == "token":
        return str(data.get("text", ""))[:24]
    if name == "reset":
        return f"last_event_id={data.get('last_event_id')} text={len(str(data.get('text', '')))} chars"
    return orjson.dumps(data).decode()[:160]


# -- the relays' world ------------------------------------------------------------------------------


TEXT = "prose"
TEXT_CHUNKS = len(tokenize(TEXTS[TEXT]))


@dataclass(frozen=True)
class RouteSpec:
    """A route of the generated config: the first `n` chunks of the reference text at `pace` x `--tps`.

    `failover`: its first target stalls a third of the way in, and the second continues. `n` stays
    within the text: a reference that repeats itself would make an exact continuation that starts
    at the repeat look like a model restarting its answer, which seam repair rightly drops.
    """

    name: str
    n: int
    pace: float
    failover: bool
    weight: float

    def __post_init__(self) -> None:
        assert self.n <= TEXT_CHUNKS, f"route {self.name}: n={self.n} would repeat the {TEXT_CHUNKS}-chunk text"

    def tps(self, tps: float) -> float:
        return round(tps * self.pace, 2)

    def models(self, tps: float) -> list[str]:
        """The route's targets as scripted fake-upstream model names."""
        keys: dict[str, Any] = {"text": TEXT, "n": self.n, "tps": f"{self.tps(tps):g}", "cont": "exact"}
        if self.failover:
            return [model_name("gpt-4o-mini", **keys, fault="stall", at=self.n // 3), model_name("gpt-4o", **keys)]
        return [model_name("gpt-4o-mini", **keys)]

    def expected_s(self, tps: float, stall_s: float) -> float:
        """How long a stream on this route takes when nothing goes wrong."""
        return self.n / self.tps(tps) + (stall_s if self.failover else 0.0)

    @property
    def reference(self) -> str:
        """The exact text a stream on this route must end with."""
        text = TEXTS[TEXT]
        return Reference.build(repeat_tokens(tokenize(text), text, self.n)).text


ROUTES = (
    RouteSpec("short", 120, 1.0, False, 0.4),  # about 5 s at 25 tokens/s
    RouteSpec("long", 320, 0.6, False, 0.4),  # about 21 s
    RouteSpec("failover", 250, 1.0, True, 0.2),  # about 11 s, with a 1 s stall
)
FAILOVER_STALL_S = 1.0


def relay_config(redis_port: int, upstream_port: int, opts: argparse.Namespace) -> str:
    """The relays' TOML: the Redis store with a short lease, one openai-kind provider at the fake upstream."""
    lines = [
        "[server]",
        'host = "127.0.0.1"',
        "ping_s = 5.0",
        "",
        "[store]",
        'kind = "redis"',
        f'url = "redis://{HOST}:{redis_port}/0"',
        f"lease_s = {opts.lease_s:g}",
        f"ttl_s = {opts.ttl_s:g}",
        "",
        "[providers.up]",
        'kind = "openai"',
        f'base_url = "http://{HOST}:{upstream_port}/v1"',
        "connect_timeout_s = 10.0",
        "",
    ]
    for route in ROUTES:
        targets = ", ".join(f'"up/{model}"' for model in route.models(opts.tps))
        stall = FAILOVER_STALL_S if route.failover else 5.0
        lines += [
            f"[routes.{route.name}]",
            f"targets = [{targets}]",
            f"stall_timeout_s = {stall:g}",
            "first_token_timeout_s = 15.0",
            "",
        ]
    return "\n".join(lines)


@dataclass
class Instance:
    """One relay process over its lifetime."""

    name: str
    port: int
    proc: Proc
    protected: bool
    started: float  # loop time
    ended: float | None = None
    end: str | None = None  # sigterm, sigkill, exited, stopped
    exit_s: float | None = None  # SIGTERM to exit
    exit_code: int | None = None
    rss: list[tuple[float, int]] = field(default_factory=list)  # (loop time, kB)


class Cluster:
    """Redis, the fake upstream and the relay processes; which relays take traffic (`pool`)."""

    def __init__(self, workdir: Path, opts: argparse.Namespace) -> None:
        self.workdir = workdir
        self.opts = opts
        self.redis_binary = shutil.which("redis-server") or shutil.which("valkey-server")
        self.redis_port = free_port()
        self.upstream_port = free_port()
        self.redis: Proc | None = None
        self.upstream: Proc | None = None
        self.instances: list[Instance] = []
        self.pool: list[Instance] = []
        self.config = workdir / "relay.toml"
        self.lock = asyncio.Lock()  # one change to the set of processes at a time
        self._count = 0
        self.redis_rss: list[tuple[float, int]] = []
        self.upstream_rss: list[tuple[float, int]] = []

    async def start(self) -> None:
        """Redis, then the fake upstream, then `--instances` relays (the first one protected with `--keep-one`)."""
        if self.redis_binary is None:
            raise RuntimeError("redis-server (or valkey-server) is not on PATH")
        await self.start_redis()
        argv = [sys.executable, "-m", "loadtest.upstream", "--port", str(self.upstream_port)]
        self.upstream = Proc("upstream", argv, self.workdir)
        status = await _wait_until(lambda: _get_ok(self.upstream_port, "/_health"), self.upstream, 20)
        if not status:
            raise RuntimeError(f"the fake upstream did not start:\n{self.upstream.log_tail()}")
        self.config.write_text(relay_config(self.redis_port, self.upstream_port, self.opts))
        keep_one = self.opts.keep_one
        await asyncio.gather(*(self.start_relay(protected=(i == 0 and keep_one)) for i in range(self.opts.instances)))

    async def start_redis(self) -> None:
        """redis-server on the cluster's port, without persistence."""
        redis_dir = self.workdir / "redis"
        redis_dir.mkdir(exist_ok=True)
        assert self.redis_binary is not None
        self.redis = Proc(
            f"redis-{int(time.monotonic())}",
            redis_server_argv(self.redis_binary, self.redis_port, str(redis_dir), host=HOST),
            self.workdir,
        )
        if not await _wait_until(lambda: _redis_ping(self.redis_port), self.redis, 15):
            raise RuntimeError(f"redis-server did not start on port {self.redis_port}:\n{self.redis.log_tail()}")

    async def restart_redis(self, down_s: float) -> float:
        """Stop redis-server (its data goes: no persistence), start it again on the same port; how long it was away."""
        assert self.redis is not None
        t = time.monotonic()
        self.redis.signal(signal.SIGTERM)
        if await self.redis.wait(10) is None:
            self.redis.kill_now()
        await asyncio.sleep(down_s)
        await self.start_redis()
        return time.monotonic() - t

    async def start_relay(self, *, protected: bool = False) -> Instance:
        """A new relay process on a free port, in the pool once it answers `/healthz`."""
        self._count += 1
        name = f"relay-{self._count}"
        port = free_port()
        proc = Proc(
            name,
            [
                sys.executable,
                "-m",
                "relay",
                "serve",
                "--config",
                str(self.config),
                "--port",
                str(port),
                "--log-level",
                self.opts.relay_log_level,
                "--workers",
                "1",
            ],
            self.workdir,
        )
        if not await _wait_until(lambda: _get_ok(port, "/healthz"), proc, 60):
            proc.kill_now()
            raise RuntimeError(f"{name} did not start:\n{proc.log_tail()}")
        instance = Instance(name, port, proc, protected, asyncio.get_running_loop().time())
        self.instances.append(instance)
        self.pool.append(instance)
        return instance

    def pick(self, rng: random.Random) -> Instance:
        """A random instance that takes traffic."""
        return rng.choice(self.pool)

    def victim(self, rng: random.Random) -> Instance | None:
        """A random instance that may be signalled (not the protected one)."""
        candidates = [instance for instance in self.pool if not instance.protected]
        return rng.choice(candidates) if candidates else None

    def retire(self, instance: Instance) -> None:
        """No new client is sent to it (what a load balancer does once it stops accepting)."""
        if instance in self.pool:
            self.pool.remove(instance)

    async def terminate(self, instance: Instance, timeout_s: float) -> None:
        """SIGTERM, and wait for the exit (SIGKILL after `timeout_s`); how long it took is kept."""
        self.retire(instance)
        t = time.monotonic()
        instance.proc.signal(signal.SIGTERM)
        code = await instance.proc.wait(timeout_s)
        instance.end = "sigterm"
        if code is None:
            instance.end = "sigterm, SIGKILLed after the timeout"
            instance.proc.kill_now()
            code = instance.proc.popen.returncode
        instance.exit_s = round(time.monotonic() - t, 3)
        instance.exit_code = code
        instance.ended = asyncio.get_running_loop().time()

    async def kill(self, instance: Instance) -> None:
        """SIGKILL: a crash."""
        self.retire(instance)
        instance.proc.signal(signal.SIGKILL)
        instance.exit_code = await instance.proc.wait(10)
        instance.end = "sigkill"
        instance.ended = asyncio.get_running_loop().time()

    def sample_rss(self, now: float) -> list[Instance]:
        """One RSS sample of every live process; returns the relays in the pool that exited on their own."""
        died = []
        for instance in self.instances:
            if instance.ended is not None:
                continue
            kb = rss_kb(instance.proc.pid) if instance.proc.alive() else None
            if kb is not None:
                instance.rss.append((now, kb))
            elif not instance.proc.alive() and instance in self.pool:
                died.append(instance)
        for proc, samples in ((self.redis, self.redis_rss), (self.upstream, self.upstream_rss)):
            kb = rss_kb(proc.pid) if proc is not None else None
            if kb is not None:
                samples.append((now, kb))
        return died

    def stop_all(self) -> None:
        """Kill everything still running (the run is over, or interrupted): relays, then the upstream, then Redis."""
        for instance in self.instances:
            if instance.proc.alive():
                instance.proc.signal(signal.SIGTERM)
        deadline = time.monotonic() + 5
        for instance in self.instances:
            while instance.proc.alive() and time.monotonic() < deadline:
                time.sleep(0.05)
            instance.proc.kill_now()
            if instance.end is None:
                instance.end = "stopped"
        for proc in (self.upstream, self.redis):
            if proc is not None:
                proc.kill_now()


async def _wait_until(probe: Callable[[], Any], proc: Proc, timeout_s: float) -> bool:
    """Poll `probe` until it says yes (True), the process exits or `timeout_s` passes (False)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.alive():
        if await probe():
            return True
        await asyncio.sleep(0.1)
    return False


async def _get_ok(port: int, path: str) -> bool:
    """Whether `GET path` answers 200."""
    status, _ = await request_json(port, "GET", path, timeout_s=2)
    return status == 200


async def _redis_ping(port: int) -> bool:
    """Whether a redis-server answers PING on `port`."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout=1)
    except (OSError, TimeoutError):
        return False
    try:
        writer.write(b"PING\r\n")
        return (await asyncio.wait_for(reader.readline(), timeout=1)).startswith(b"+PONG")
    except (OSError, TimeoutError):
        return False
    finally:
        writer.close()


# -- faults -------------------------------------------------------------------------------------------


def fault_plan(opts: argparse.Namespace, rng: random.Random) -> list[tuple[float, str]]:
    """When each fault strikes (seconds into the run), at least `min_gap` apart and not in the last 20 s."""
    if opts.no_faults:
        return []
    run_s = opts.minutes * 60
    plan: list[tuple[float, str]] = []
    for every, kind, phase in ((opts.sigterm_every, "sigterm", 1.0), (opts.sigkill_every, "sigkill", 0.5)):
        if every > 0:
            k = 0
            while (t := (k + phase) * every) < run_s:
                plan.append((t * rng.uniform(0.95, 1.05), kind))
                k += 1
    plan += [(run_s * (i + 1) / (opts.redis_restarts + 1), "redis_restart") for i in range(opts.redis_restarts)]
    plan.sort()
    spaced: list[tuple[float, str]] = []
    for t, kind in plan:
        if spaced and t < spaced[-1][0] + opts.min_gap:
            t = spaced[-1][0] + opts.min_gap
        if t <= run_s - 20:
            spaced.append((round(t, 1), kind))
    return spaced


class Faults:
    """Deploys, crashes and Redis restarts on the plan, one at a time; a relay that exits by itself is replaced."""

    def __init__(self, cluster: Cluster, opts: argparse.Namespace, rng: random.Random, t0: float) -> None:
        self.cluster = cluster
        self.opts = opts
        self.rng = rng
        self.t0 = t0
        self.log: list[dict[str, Any]] = []

    def now(self) -> float:
        """Seconds into the run."""
        return asyncio.get_running_loop().time() - self.t0

    async def run(self, plan: list[tuple[float, str]]) -> None:
        """Strike each planned fault at its time (later if the previous one is still under way)."""
        for at, kind in plan:
            await asyncio.sleep(max(0.0, at - self.now()))
            async with self.cluster.lock:
                await getattr(self, kind)()

    async def sigterm(self) -> None:
        """A rolling deploy's step: the replacement first, then SIGTERM to the old one."""
        entry: dict[str, Any] = {"t": round(self.now(), 1), "kind": "sigterm"}
        self.log.append(entry)
        old = self.cluster.victim(self.rng)
        if old is None:
            entry["skipped"] = "no instance may be signalled"
            return
        new = await self.cluster.start_relay()
        entry.update(target=old.name, pid=old.proc.pid, replacement=new.name, signal_t=round(self.now(), 1))
        await self.cluster.terminate(old, self.opts.sigterm_timeout_s)
        entry.update(exit_s=old.exit_s, exit_code=old.exit_code, end=old.end, ended_t=round(self.now(), 1))

    async def sigkill(self) -> None:
        """A crash: SIGKILL, then a replacement comes up."""
        entry: dict[str, Any] = {"t": round(self.now(), 1), "kind": "sigkill"}
        self.log.append(entry)
        old = self.cluster.victim(self.rng)
        if old is None:
            entry["skipped"] = "no instance may be signalled"
            return
        await self.cluster.kill(old)
        new = await self.cluster.start_relay()
        entry.update(target=old.name, pid=old.proc.pid, replacement=new.name, ended_t=round(self.now(), 1))

    async def redis_restart(self) -> None:
        """Restart redis-server on its port: every stream log in it is gone."""
        entry: dict[str, Any] = {"t": round(self.now(), 1), "kind": "redis_restart"}
        self.log.append(entry)
        entry["away_s"] = round(await self.cluster.restart_redis(self.opts.redis_down_s), 2)
        entry["ended_t"] = round(self.now(), 1)

    async def replace_dead(self, dead: list[Instance]) -> None:
        """Log relays that exited by themselves, with their log's tail, and start one in the place of each."""
        async with self.cluster.lock:
            for instance in dead:
                if instance not in self.cluster.pool:
                    continue
                self.cluster.retire(instance)
                instance.end = "exited"
                instance.exit_code = instance.proc.popen.returncode
                instance.ended = asyncio.get_running_loop().time()
                entry = {
                    "t": round(self.now(), 1),
                    "kind": "unexpected_exit",
                    "target": instance.name,
                    "exit_code": instance.exit_code,
                    "log_tail": instance.proc.log_tail(1500),
                }
                self.log.append(entry)
                entry["replacement"] = (await self.cluster.start_relay(protected=instance.protected)).name

    def recent(self, t: float, within_s: float = 30.0) -> str | None:
        """The last fault under way within `within_s` before `t` (seconds into the run), if any."""
        kind = None
        for entry in self.log:
            if entry["t"] <= t <= entry.get("ended_t", t) + within_s:
                kind = entry["kind"]
        return kind

    def redis_restarted_between(self, a: float, b: float) -> bool:
        """Whether a Redis restart overlapped [a, b] (seconds into the run)."""
        return any(e["kind"] == "redis_restart" and e["t"] <= b and e.get("ended_t", b) + 5 >= a for e in self.log)


# -- traffic ------------------------------------------------------------------------------------------


@dataclass
class StreamRecord:
    """One stream of the soak: what was asked, where it went, what its client saw."""

    route: RouteSpec
    check: StreamCheck
    cancel: bool
    drops: bool
    sse_post: bool
    created_t: float = 0.0  # seconds into the run
    deadline: float = 0.0  # loop time
    id: str = ""
    token: str = ""
    instances: list[str] = field(default_factory=list)  # where each response came from
    responses: list[dict[str, Any]] = field(default_factory=list)
    cancel_sent_t: float | None = None
    cancel_answer: str | None = None
    terminal_t: float | None = None  # loop time the terminal event arrived
    pending_break: tuple[str, float] | None = None  # (cause, loop time of the last event before it)
    last_event_t: float = 0.0
    extra: list[Anomaly] = field(default_factory=list)  # from the final check
    snapshot_at_deadline: dict[str, Any] | None = None  # an unfinished stream's snapshot
    final_unverified: str | None = None


class Traffic:
    """Keeps `--streams` streams in flight until the end of the run, each read as a client would read it."""

    def __init__(
        self, cluster: Cluster, faults: Faults, opts: argparse.Namespace, rng: random.Random, t0: float
    ) -> None:
        self.cluster = cluster
        self.faults = faults
        self.opts = opts
        self.rng = rng
        self.t0 = t0
        self.loop = asyncio.get_running_loop()
        self.references = {route.name: route.reference for route in ROUTES}
        self.outcomes: Counter[str] = Counter()
        self.by_route: dict[str, Counter[str]] = defaultdict(Counter)
        self.checks: Counter[str] = Counter()
        self.violations: list[dict[str, Any]] = []
        self.breaks: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()
        self.pauses: dict[str, list[float]] = defaultdict(list)
        self.resets = 0
        self.rewound_chars = 0
        self.reset_log: list[dict[str, Any]] = []
        self.takeovers = 0
        self.failovers = 0
        self.create_failed = 0
        self.final_unverified = 0
        self.cancels_sent = 0
        self.in_flight = 0
        self.started = 0

    def now(self) -> float:
        """Seconds into the run."""
        return self.loop.time() - self.t0

    async def slot(self, index: int, until: float) -> None:
        """One of the `--streams` slots: stream after stream until the end of the run."""
        await asyncio.sleep(self.opts.ramp_s * index / max(1, self.opts.streams))
        while self.loop.time() < until:
            route = self.rng.choices(ROUTES, weights=[r.weight for r in ROUTES])[0]
            record = StreamRecord(
                route=route,
                check=StreamCheck(self.references[route.name]),
                cancel=not route.failover and self.rng.random() < self.opts.cancel_share,
                drops=self.rng.random() >= self.opts.read_through_share,
                sse_post=self.rng.random() < self.opts.sse_post_share,
            )
            self.in_flight += 1
            self.started += 1
            try:
                await self.run_stream(record)
            finally:
                self.in_flight -= 1

    # one stream

    async def run_stream(self, record: StreamRecord) -> None:
        """Create, read (cancel), check and judge one stream."""
        record.created_t = self.now()
        expected = record.route.expected_s(self.opts.tps, FAILOVER_STALL_S)
        record.deadline = self.loop.time() + expected + self.opts.stream_timeout_s
        first = await self.create(record)
        if not record.id:
            self.create_failed += 1
            return
        canceller = asyncio.create_task(self.cancel_later(record, expected)) if record.cancel else None
        try:
            await self.read(record, first)
        finally:
            if canceller is not None:
                if record.cancel_sent_t is None:
                    canceller.cancel()  # the stream ended first: no DELETE
                with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                    await asyncio.wait_for(canceller, timeout=60)  # a DELETE that went out: its answer is checked
        if record.check.terminals:
            await self.final_check(record)
        else:  # where the store says it is, for the report
            instance = self.cluster.pick(self.rng)
            answer, snapshot = await request_json(instance.port, "GET", f"/v1/streams/{record.id}?token={record.token}")
            if isinstance(snapshot, dict):
                snapshot = {k: snapshot.get(k) for k in ("status", "last_event_id", "finish_reason", "error")}
            record.snapshot_at_deadline = {"instance": instance.name, "answer": answer, "snapshot": snapshot}
        self.judge(record)

    async def create(self, record: StreamRecord) -> Exchange | None:
        """POST on random instances until one answers 201 (or 200 with the SSE body, which is then read)."""
        body = {"route": record.route.name, "messages": [{"role": "user", "content": f"Soak stream {self.started}."}]}
        for attempt in range(40):
            instance = self.cluster.pick(self.rng)
            if record.sse_post:
                record.check.begin()
                exchange = await open_exchange(
                    instance.port,
                    "POST",
                    "/v1/streams",
                    body=body,
                    headers={"Accept": "text/event-stream"},
                    on_event=self._sink(record),
                )
                self.statuses[f"POST {exchange.status}"] += 1
                if exchange.status == 200 and "x-stream-id" in exchange.headers:
                    record.id, record.token = exchange.headers["x-stream-id"], exchange.headers["x-stream-token"]
                    record.instances.append(instance.name)
                    return exchange
                exchange.abort("not created")
                record.check.responses -= 1  # no events came on it
            else:
                status, answer = await request_json(instance.port, "POST", "/v1/streams", body=body)
                self.statuses[f"POST {status}"] += 1
                if status == 201 and isinstance(answer, dict):
                    record.id, record.token = answer["id"], answer["token"]
                    return None
            await asyncio.sleep(min(1.0, 0.05 * 2**attempt))
            if self.loop.time() > record.deadline:
                break
        return None

    def _sink(self, record: StreamRecord) -> EventSink:
        """The callback that feeds a response's events to the stream's check, timing pauses on the way."""
        check = record.check

        def on_event(event_id: int | None, name: str, data: Any) -> None:
            now = self.loop.time()
            if record.pending_break is not None:
                cause, last = record.pending_break
                record.pending_break = None
                self.pauses[cause].append(now - last)
            record.last_event_t = now
            check.event(event_id, name, data)
            if name in ("done", "error") and record.terminal_t is None:
                record.terminal_t = now

        return on_event

    async def read(self, record: StreamRecord, exchange: Exchange | None) -> None:
        """Read until the terminal event, resuming after every break on a random instance."""
        check = record.check
        backoff = 0.05
        drops_left = self.opts.max_drops
        while not check.terminals and self.loop.time() < record.deadline:
            if exchange is None:
                instance = self.cluster.pick(self.rng)
                headers = {"Accept": "text/event-stream"}
                if check.last_id > 0:
                    headers["Last-Event-ID"] = str(check.last_id)
                check.begin()
                path = f"/v1/streams/{record.id}/events?token={record.token}"
                exchange = await open_exchange(instance.port, "GET", path, headers=headers, on_event=self._sink(record))
                record.instances.append(instance.name)
                self.statuses[f"GET {exchange.status}"] += 1
            drop_at = None
            if record.drops and drops_left > 0:
                drop_at = self.loop.time() + max(0.2, self.rng.expovariate(1 / self.opts.drop_mean_s))
            cursor = check.last_id
            why = await self.follow(record, exchange, drop_at)
            record.responses.append(
                {
                    "t": round(self.now(), 2),
                    "instance": record.instances[-1],
                    "after": cursor,
                    "status": exchange.status,
                    "events": check.events,
                    "last_id": check.last_id,
                    "end": why,
                }
            )
            status = exchange.status
            exchange = None
            if check.terminals:
                if why == "open_after_terminal":
                    self.breaks["response open 5 s after its terminal event"] += 1
                break
            cause = self._cause(why, status)
            if status == 204:
                detail = f"204 at cursor {check.last_id} without a terminal event seen"
                check.anomalies.append(Anomaly("terminal", detail, len(check.trace)))
                return
            if status in (401, 403, 410):
                check.anomalies.append(Anomaly("http", f"GET events answered {status}", len(check.trace)))
                return
            if why == "client_drop":
                drops_left -= 1
            fault = self.faults.recent(self.now())
            cause = f"{cause} ({fault})" if fault else cause
            self.breaks[cause] += 1
            if record.pending_break is None:  # a pause is counted from the last event, under the break that began it
                record.pending_break = (cause, record.last_event_t or self.loop.time())
            if status == 200 and why in ("client_drop", "complete", "eof", "idle_timeout"):
                backoff = 0.05
                continue
            await asyncio.sleep(backoff)
            backoff = min(1.0, backoff * 2)

    @staticmethod
    def _cause(why: str, status: int) -> str:
        """Why a response ended without a terminal event, for the break counts."""
        if why == "client_drop":
            return "client_drop"
        if status == 200 and why in ("complete", "eof"):
            return "server_end"  # the relay ended the response without a terminal event
        if status == 200:
            return why.split(":")[0]
        if status:
            return f"http_{status}"
        return why.split(":")[0]

    async def follow(self, record: StreamRecord, exchange: Exchange, drop_at: float | None) -> str:
        """Wait for the exchange's end; drop it at `drop_at`, after `idle_s` of silence or at the stream's deadline."""
        while not exchange.ended.done():
            now = self.loop.time()
            wake = min(now + 1.0, record.deadline)
            if drop_at is not None:
                wake = min(wake, drop_at)
            await asyncio.wait((exchange.ended,), timeout=max(0.0, wake - now))
            if exchange.ended.done():
                break
            now = self.loop.time()
            if record.terminal_t is not None and now - record.terminal_t > 5:
                exchange.abort("open_after_terminal")
            elif drop_at is not None and now >= drop_at:
                exchange.abort("client_drop")
            elif now - exchange.last_byte > self.opts.idle_s:
                exchange.abort("idle_timeout")
            elif now >= record.deadline:
                exchange.abort("deadline")
        return exchange.ended.result()

    async def cancel_later(self, record: StreamRecord, expected: float) -> None:
        """DELETE at a random moment of the stream's first two thirds, on a random instance (retried elsewhere)."""
        await asyncio.sleep(self.rng.uniform(0.5, max(0.6, 0.66 * expected)))
        if record.check.terminals:
            return
        record.cancel_sent_t = self.now()
        self.cancels_sent += 1
        for _ in range(10):
            instance = self.cluster.pick(self.rng)
            path = f"/v1/streams/{record.id}?token={record.token}"
            status, answer = await request_json(instance.port, "DELETE", path)
            self.statuses[f"DELETE {status}"] += 1
            if status == 200 and isinstance(answer, dict):
                record.cancel_answer = answer.get("status")
                return
            await asyncio.sleep(0.3)
        record.cancel_answer = "no answer"

    async def final_check(self, record: StreamRecord) -> None:
        """After the terminal event, every live instance agrees with the client: same snapshot, 204 at the terminal id.

        Asking every instance, not one, catches a stream split in two: an instance still
        holding a copy of it that goes on (or starts again) after the client saw its end.
        """
        results = await asyncio.gather(*(self._agrees(record, instance) for instance in list(self.cluster.pool)))
        restarted = self.faults.redis_restarted_between(record.created_t, self.now())
        for problem in results:
            if problem is None:
                continue
            instance, check_name, detail, transient = problem
            if transient and (restarted or instance not in self.cluster.pool):
                record.final_unverified = f"{instance.name}: {detail} (after a Redis restart or while going away)"
                continue
            record.extra.append(Anomaly(check_name, f"{instance.name}: {detail}", len(record.check.trace)))

    async def _agrees(self, record: StreamRecord, instance: Instance) -> tuple[Instance, str, str, bool] | None:
        """None once `instance` shows the stream as the client saw it end; else, after 10 s, what it shows."""
        deadline = self.loop.time() + 10
        while True:
            problem = await self._disagreement(record, instance)
            if problem is None:
                return None
            if self.loop.time() >= deadline:
                return (instance, *problem)
            await asyncio.sleep(0.5)  # Redis may trail the instance that wrote the end by a flush

    async def _disagreement(self, record: StreamRecord, instance: Instance) -> tuple[str, str, bool] | None:
        """What `instance` says that contradicts the client's ending: (check, detail, whether it may be transient)."""
        check = record.check
        name, data = check.terminals[0]
        status = "failed" if name == "error" else "cancelled" if data.get("finish_reason") == "cancelled" else "done"
        answer, snapshot = await request_json(instance.port, "GET", f"/v1/streams/{record.id}?token={record.token}")
        if answer != 200 or not isinstance(snapshot, dict):
            return "final_state", f"the snapshot answered {answer}", answer in (0, 404, 429, 503)
        if snapshot.get("status") != status or snapshot.get("last_event_id") != check.last_id:
            shown = {k: snapshot.get(k) for k in ("status", "last_event_id", "finish_reason")}
            return "final_state", f"the snapshot says {shown}; the client saw {name} {data} at {check.last_id}", False
        if snapshot.get("text") != check.text:
            difference = describe_difference(check.text, snapshot.get("text") or "")
            return "final_state", f"the snapshot's text is not the client's: {difference}", False
        seen: list[str] = []

        def after_terminal(event_id: int | None, name: str, data: Any) -> None:
            seen.append(f"{event_id} {name} {_short(name, data)}")

        exchange = await open_exchange(
            instance.port,
            "GET",
            f"/v1/streams/{record.id}/events?token={record.token}",
            headers={"Last-Event-ID": str(check.last_id)},
            on_event=after_terminal,
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(exchange.ended), timeout=3)
        exchange.abort("checked")
        if exchange.status == 204:
            return None
        detail = f"a resume at the terminal id {check.last_id} answered {exchange.status}, not 204"
        if seen:
            return "terminal", f"{detail}: {seen[:5]}", False
        return "terminal", detail, exchange.status in (0, 404, 429, 503)

    def judge(self, record: StreamRecord) -> None:
        """Count the stream's outcome, and keep its violations with what is needed to look into them."""
        check = record.check
        verdict = check.verdict(cancel_sent=record.cancel_sent_t is not None, cancel_answer=record.cancel_answer)
        violations = verdict.violations + record.extra
        self.outcomes[verdict.outcome] += 1
        self.by_route[record.route.name][verdict.outcome] += 1
        self.resets += check.resets
        self.rewound_chars += check.rewound_chars
        for reset in check.reset_log:
            t = record.created_t + reset["at_s"]
            self.reset_log.append(
                {
                    "stream": record.id,
                    "route": record.route.name,
                    "t": round(t, 1),
                    "fault_near": self.faults.recent(t),
                    **reset,
                }
            )
        self.failovers += len(check.failovers)
        self.takeovers += sum(1 for f in check.failovers if f.get("reason") == "instance_lost")
        if record.final_unverified:
            self.final_unverified += 1
        if not violations:
            return
        for check_name in {v.check for v in violations}:
            self.checks[check_name] += 1
        self.violations.append(self.describe(record, verdict, violations))

    def describe(self, record: StreamRecord, verdict: Verdict, violations: list[Anomaly]) -> dict[str, Any]:
        """A violating stream for the report: its checks, responses and the events around each anomaly."""
        check = record.check
        entry: dict[str, Any] = {
            "stream": record.id,
            "route": record.route.name,
            "outcome": verdict.outcome,
            "created_t": round(record.created_t, 1),
            "cancel_answer": record.cancel_answer,
            "cancel_sent_t": None if record.cancel_sent_t is None else round(record.cancel_sent_t, 1),
            "checks": sorted({v.check for v in violations}),
            "violations": [{"check": v.check, "detail": v.detail} for v in violations],
            "fault_near": self.faults.recent(record.created_t + (check.trace[-1][0] if check.trace else 0.0), 60),
        }
        if record.snapshot_at_deadline is not None:
            entry["snapshot_at_deadline"] = record.snapshot_at_deadline
        if len(self.violations) < MAX_TRACED_VIOLATIONS:
            shown: set[int] = set()
            for v in violations[:3]:
                shown.update(range(max(0, v.at - 6), min(len(check.trace), v.at + 6)))
            shown.update(i for i, e in enumerate(check.trace) if e[3] in TRACE_SHOWN)
            entry["responses"] = record.responses
            entry["events"] = [list(check.trace[i][:5]) for i in sorted(shown)]
        return entry


# -- memory -------------------------------------------------------------------------------------------


def slope_per_min(samples: list[tuple[float, int]]) -> float | None:
    """Least-squares slope of RSS (MB per minute) over `samples` (loop time, kB)."""
    if len(samples) < 5 or samples[-1][0] - samples[0][0] < 60:
        return None
    xs = [t / 60 for t, _ in samples]
    ys = [kb / 1024 for _, kb in samples]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    var = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / var if var else None


def rss_lifetime(
    samples: list[tuple[float, int]],
    started: float,
    warmup_s: float,
    window_s: float,
    flat_mb: float,
    flat_share: float,
) -> dict[str, Any]:
    """RSS of one process lifetime: after warm-up, peak, end; the slope over its last `window_s`; whether it is flat."""
    if not samples:
        return {"samples": 0}
    warm = [s for s in samples if s[0] - started >= warmup_s] or samples[-1:]
    window = [s for s in warm if s[0] >= samples[-1][0] - window_s]
    slope = slope_per_min(window)
    start_mb = warm[0][1] / 1024
    out: dict[str, Any] = {
        "samples": len(samples),
        "start_mb": round(start_mb, 1),
        "start_at_s": round(warm[0][0] - started, 1),
        "peak_mb": round(max(kb for _, kb in samples) / 1024, 1),
        "end_mb": round(samples[-1][1] / 1024, 1),
        "window_s": round(window[-1][0] - window[0][0], 1) if window else 0,
        "slope_mb_per_min": None,
        "growth_mb": None,
        "flat": None,
    }
    if slope is not None:
        growth = slope * (window[-1][0] - window[0][0]) / 60
        flat = growth <= max(flat_mb, flat_share * start_mb)
        out.update(slope_mb_per_min=round(slope, 3), growth_mb=round(growth, 2), flat=flat)
    return out


# -- the run ------------------------------------------------------------------------------------------


def _pct(values: list[float]) -> dict[str, Any]:
    """Nearest-rank percentiles of durations in seconds, in ms."""
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def q(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))] * 1000, 1)

    return {
        "n": len(ordered),
        "p50_ms": q(50),
        "p90_ms": q(90),
        "p99_ms": q(99),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def _log_errors(paths: list[Path]) -> dict[str, Any]:
    """ERROR lines and tracebacks in the relays' logs, grouped by message (timestamps, ids and numbers blanked)."""
    messages: Counter[str] = Counter()
    tracebacks = 0
    for path in paths:
        with contextlib.suppress(OSError):
            for line in path.read_text(errors="replace").splitlines():
                if line.startswith("Traceback"):
                    tracebacks += 1
                elif " ERROR " in line or " CRITICAL " in line:
                    message = line.split(" ERROR ", 1)[-1].split(" CRITICAL ", 1)[-1]
                    messages[re.sub(r"st_[\w-]+|\d+(\.\d+)?", "#", message)[:200]] += 1
    return {"error_lines": sum(messages.values()), "tracebacks": tracebacks, "top": messages.most_common(12)}


def _source_state() -> dict[str, Any]:
    """The commit the relays run from and which of their files differ from it (read-only git)."""
    out: dict[str, Any] = {}
    with contextlib.suppress(Exception):

        def git(*args: str) -> str:
            done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False)
            return done.stdout

        out["commit"] = git("rev-parse", "--short", "HEAD").strip()
        dirty = git("status", "--porcelain", "relay", "providers", "splice").splitlines()
        out["uncommitted_relay_files"] = [line[3:] for line in dirty if line.strip()]
    return out


async def soak(opts: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Run the whole soak; returns the results (partial, with `interrupted`, if it was cancelled)."""
    loop = asyncio.get_running_loop()
    rng = random.Random(opts.seed)
    cluster = Cluster(workdir, opts)
    results: dict[str, Any] = {
        "command": "python -m loadtest.soak " + " ".join(opts.argv),
        "options": {k: v for k, v in vars(opts).items() if k != "argv"},
        "source": _source_state(),
        "machine": {"nproc": os.cpu_count(), "loadavg_at_start": [round(x, 2) for x in os.getloadavg()]},
        "routes": {
            r.name: {
                "models": r.models(opts.tps),
                "reference_chars": len(r.reference),
                "expected_s": round(r.expected_s(opts.tps, FAILOVER_STALL_S), 1),
            }
            for r in ROUTES
        },
        "workdir": str(workdir),
        "interrupted": False,
    }
    tasks: list[asyncio.Task[Any]] = []
    faults: Faults | None = None
    traffic: Traffic | None = None
    t0 = loop.time()
    try:
        await cluster.start()
        t0 = loop.time()
        fault_rng = random.Random(opts.seed + 1)  # its own: the same seed strikes the same instances at the same times
        faults = Faults(cluster, opts, fault_rng, t0)
        traffic = Traffic(cluster, faults, opts, rng, t0)
        until = t0 + opts.minutes * 60
        plan = fault_plan(opts, fault_rng)
        results["fault_plan"] = plan
        fault_task = asyncio.create_task(faults.run(plan), name="faults")
        sampler = asyncio.create_task(_sample_forever(cluster, faults, opts), name="rss")
        reporter = asyncio.create_task(_progress_forever(traffic, faults, cluster, t0), name="progress")
        slots = [asyncio.create_task(traffic.slot(i, until)) for i in range(opts.streams)]
        tasks = [fault_task, sampler, reporter, *slots]
        await asyncio.gather(*slots, fault_task)
        results["drained_s"] = round(loop.time() - until, 1)
        await asyncio.sleep(opts.rss_every)  # one more sample with every stream ended
        cluster.sample_rss(loop.time())
    except asyncio.CancelledError:
        results["interrupted"] = True
    except Exception as exc:  # the harness's own failure (a relay that does not start...): never a verdict on the relay
        results["error"] = "".join(traceback.format_exception(exc))[-4000:]
    finally:
        for task in tasks:
            task.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.gather(*tasks, return_exceptions=True)
        cluster.stop_all()
    results["duration_s"] = round(loop.time() - t0, 1)
    if faults is not None and traffic is not None:
        results.update(report(cluster, faults, traffic, opts))
    return results


async def _sample_forever(cluster: Cluster, faults: Faults, opts: argparse.Namespace) -> None:
    """Sample every process's RSS every `--rss-every` seconds; replace a relay that exited by itself."""
    loop = asyncio.get_running_loop()
    while True:
        dead = cluster.sample_rss(loop.time())
        if dead:
            await faults.replace_dead(dead)
        await asyncio.sleep(opts.rss_every)


async def _progress_forever(traffic: Traffic, faults: Faults, cluster: Cluster, t0: float) -> None:
    """A line on stderr every 30 s, so a long run shows it is alive and how it goes."""
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(30)
        print(
            f"[soak {loop.time() - t0:6.0f} s] in flight {traffic.in_flight}, ended {sum(traffic.outcomes.values())} "
            f"{dict(traffic.outcomes)}, violating {len(traffic.violations)}, faults {len(faults.log)}, "
            f"instances {[i.name for i in cluster.pool]}",
            file=sys.stderr,
            flush=True,
        )


def report(cluster: Cluster, faults: Faults, traffic: Traffic, opts: argparse.Namespace) -> dict[str, Any]:
    """The figures of a run: faults, outcomes, violations, reconnects and pauses, memory, the relays' log errors."""
    args = (opts.warmup_s, opts.slope_window_s, opts.flat_mb, opts.flat_share)
    processes = []
    for instance in cluster.instances:
        processes.append(
            {
                "name": instance.name,
                "pid": instance.proc.pid,
                "protected": instance.protected,
                "started_t": round(instance.started - faults.t0, 1),
                "ended_t": round(instance.ended - faults.t0, 1) if instance.ended is not None else None,
                "end": instance.end,
                "exit_s": instance.exit_s,
                "exit_code": instance.exit_code,
                **rss_lifetime(instance.rss, instance.started, *args),
                "series_mb": [[round(t - faults.t0, 1), round(kb / 1024, 1)] for t, kb in instance.rss],
            }
        )
    judged = [p for p in processes if p.get("flat") is not None]
    long_lived = next((p for p in processes if p["protected"]), None)
    return {
        "faults": faults.log,
        "streams": {
            "started": traffic.started,
            "ended": sum(traffic.outcomes.values()),
            "create_failed": traffic.create_failed,
            "by_outcome": dict(traffic.outcomes.most_common()),
            "by_route": {k: dict(v) for k, v in traffic.by_route.items()},
            "violating": len(traffic.violations),
            "cancels_sent": traffic.cancels_sent,
            "final_check_unverified": traffic.final_unverified,
        },
        "checks_failed": dict(traffic.checks.most_common()),
        "reconnects": {
            "breaks": dict(traffic.breaks.most_common()),
            "resets": traffic.resets,
            "rewound_chars": traffic.rewound_chars,
            "reset_log": traffic.reset_log[:200],
            "failover_events": traffic.failovers,
            "takeovers_seen": traffic.takeovers,
            "http": dict(sorted(traffic.statuses.items())),
        },
        "pauses": {cause: _pct(values) for cause, values in sorted(traffic.pauses.items())},
        "rss": {
            "processes": processes,
            "long_lived": long_lived,
            "flat": all(p["flat"] for p in judged) if judged else None,
            "redis": rss_lifetime(
                cluster.redis_rss, cluster.redis_rss[0][0] if cluster.redis_rss else 0, 0, opts.slope_window_s, 1e9, 0
            ),
            "upstream": rss_lifetime(
                cluster.upstream_rss,
                cluster.upstream_rss[0][0] if cluster.upstream_rss else 0,
                0,
                opts.slope_window_s,
                1e9,
                0,
            ),
        },
        "relay_logs": _log_errors([i.proc.log_path for i in cluster.instances]),
        "violations": traffic.violations,
    }


def summary_text(res: dict[str, Any]) -> str:
    """The short report printed at the end."""
    opts = res["options"]
    lines = [
        f"soak: {res.get('duration_s', 0):.0f} s ({opts['minutes']:g} min of traffic), "
        f"{opts['streams']} streams in flight, {opts['instances']} relays, seed {opts['seed']}"
        + (" — INTERRUPTED" if res.get("interrupted") else "")
    ]
    if "streams" not in res:
        return "\n".join(lines + ["no results (the run did not start)"])
    kinds = Counter(f["kind"] for f in res["faults"])
    lines.append("faults: " + (", ".join(f"{n} {k}" for k, n in kinds.items()) or "none"))
    for fault in res["faults"]:
        if fault["kind"] == "sigterm" and "exit_s" in fault:
            lines.append(
                f"  {fault['t']:7.1f} s SIGTERM {fault['target']}: exited {fault['exit_code']} "
                f"after {fault['exit_s']} s"
            )
        elif fault["kind"] in ("unexpected_exit",):
            lines.append(f"  {fault['t']:7.1f} s {fault['target']} EXITED by itself ({fault['exit_code']})")
    s = res["streams"]
    lines.append(
        f"streams: {s['ended']} ended of {s['started']} started; {s['create_failed']} never created; "
        f"outcomes {s['by_outcome']}"
    )
    lines.append(f"violations: {s['violating']} streams; by check {res['checks_failed'] or '{}'}")
    shown: Counter[str] = Counter()
    for v in res["violations"]:
        for check in v["checks"]:
            if shown[check] < 2:
                shown[check] += 1
                detail = next(x["detail"] for x in v["violations"] if x["check"] == check)
                lines.append(
                    f"  {check}: {v['stream']} ({v['route']}, {v['outcome']}, near {v['fault_near']}): {detail[:220]}"
                )
    r = res["reconnects"]
    lines.append(
        f"reconnects: {r['breaks']}; resets {r['resets']} ({r['rewound_chars']} chars rewound); "
        f"failover events {r['failover_events']} ({r['takeovers_seen']} instance_lost)"
    )
    for reset in r["reset_log"][:3]:
        lines.append(
            f"  reset: {reset['stream']} at {reset['t']} s (near {reset['fault_near']}): "
            f"cursor {reset['cursor']} -> {reset['reset_to']}, {reset['rewound_chars']} chars taken back"
        )
    for cause, p in res["pauses"].items():
        if p["n"]:
            lines.append(
                f"  pause after {cause}: n={p['n']} p50 {p['p50_ms']} ms, p99 {p['p99_ms']} ms, max {p['max_ms']} ms"
            )
    rss = res["rss"]
    for p in rss["processes"]:
        if p.get("samples"):
            lines.append(
                f"RSS {p['name']}{' (never signalled)' if p['protected'] else ''} [{p['end']}]: "
                f"start {p['start_mb']} MB (at {p['start_at_s']} s), peak {p['peak_mb']}, end {p['end_mb']}; "
                f"slope {p['slope_mb_per_min']} MB/min over {p['window_s']} s, flat {p['flat']}"
            )
    lines.append(f"RSS flat: {rss['flat']}; redis end {rss['redis'].get('end_mb')} MB")
    logs = res["relay_logs"]
    lines.append(f"relay logs: {logs['error_lines']} ERROR lines, {logs['tracebacks']} tracebacks")
    for message, n in logs["top"][:5]:
        lines.append(f"  {n} x {message[:160]}")
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line, checked."""
    parser = argparse.ArgumentParser(prog="python -m loadtest.soak", description=__doc__.split("\n")[0])
    add = parser.add_argument
    add("--minutes", type=float, default=30.0, help="how long new streams are started (default 30)")
    add("--streams", type=int, default=100, help="streams in flight, across instances (default 100)")
    add("--instances", type=int, default=3, help="relay processes (default 3)")
    add("--seed", type=int, default=1)
    add("--json", type=Path, help="write the figures here")
    add("--tps", type=float, default=25.0, help="upstream chunks per second per stream (default 25)")
    add("--sigterm-every", type=float, default=120.0, help="seconds between deploy steps, 0: none (default 120)")
    add("--sigkill-every", type=float, default=600.0, help="seconds between crashes, 0: none (default 600)")
    add("--redis-restarts", type=int, default=2, help="redis-server restarts over the run (default 2)")
    add("--redis-down-s", type=float, default=2.0, help="seconds redis-server stays down at a restart (default 2)")
    add("--min-gap", type=float, default=15.0, help="least seconds between two faults (default 15)")
    add("--no-faults", action="store_true", help="traffic only")
    add(
        "--keep-one",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="never signal the first relay (its RSS spans the run)",
    )
    add("--lease-s", type=float, default=2.0)
    add("--ttl-s", type=float, default=180.0, help="the streams' TTL in Redis (short: Redis stays small over the run)")
    add("--sigterm-timeout-s", type=float, default=60.0, help="SIGKILL a relay still there this long after SIGTERM")
    add("--cancel-share", type=float, default=0.12)
    add("--read-through-share", type=float, default=0.25, help="share of clients that never drop their connection")
    add("--sse-post-share", type=float, default=0.25, help="share of streams read from the POST itself")
    add("--drop-mean-s", type=float, default=3.0, help="mean time between a client's drops")
    add("--max-drops", type=int, default=12)
    add("--idle-s", type=float, default=30.0, help="a response silent this long is dropped and resumed (pings: 5 s)")
    add(
        "--stream-timeout-s",
        type=float,
        default=90.0,
        help="a stream not ended this long after its expected duration is unfinished",
    )
    add("--ramp-s", type=float, default=5.0)
    add("--rss-every", type=float, default=5.0)
    add("--warmup-s", type=float, default=60.0, help="a process's start RSS: its first sample this long after start")
    add("--slope-window-s", type=float, default=600.0)
    add("--flat-mb", type=float, default=5.0, help="flat: fitted growth over the window at most this ...")
    add("--flat-share", type=float, default=0.05, help="... or this share of the start RSS, whichever is larger")
    add("--relay-log-level", default="warning")
    add("--keep-logs", action="store_true", help="keep the processes' logs and config even when no check failed")
    opts = parser.parse_args(argv)
    opts.argv = argv
    if opts.instances < 2:
        parser.error("--instances: at least 2 (streams move between instances)")
    if opts.streams < 1 or opts.minutes <= 0:
        parser.error("--streams and --minutes must be positive")
    return opts


def main(argv: list[str] | None = None) -> int:
    """Run the soak; 0 when every stream passed, 1 on any violation, 2 when the soak itself failed, 130 on Ctrl-C."""
    opts = parse_args(sys.argv[1:] if argv is None else argv)
    workdir = Path(tempfile.mkdtemp(prefix="splice-soak-"))
    try:
        import uvloop

        loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    except ImportError:  # pragma: no cover
        loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    main_task = loop.create_task(soak(opts, workdir))
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, main_task.cancel)
    try:
        results = loop.run_until_complete(main_task)
    except asyncio.CancelledError:
        results = {"options": vars(opts), "interrupted": True}
    finally:
        loop.close()
    results["options"].pop("argv", None)
    if opts.json:
        opts.json.parent.mkdir(parents=True, exist_ok=True)
        opts.json.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2, default=str))
    print(summary_text(results))
    violating = results.get("streams", {}).get("violating", 0)
    if violating or opts.keep_logs or results.get("interrupted") or results.get("error"):
        print(f"process logs and config: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    if results.get("error"):
        print(f"the soak itself failed:\n{results['error']}", file=sys.stderr)
        return 2
    if results.get("interrupted"):
        return 130
    return 1 if violating else 0


if __name__ == "__main__":
    sys.exit(main())
