"""The load test: starts the fake upstream, the relay (and Redis, LiteLLM) and measures them.

Everything runs on loopback, as subprocesses of this one: the fake upstream
(``python -m loadtest.upstream``), ``splice-relay serve`` with a generated config, a
throwaway ``redis-server`` and the LiteLLM proxy when asked.  The clients
(:mod:`loadtest.client`) run in this process.  With two or more CPUs the relay (and
LiteLLM, in its turn) is pinned to the first one and the upstream and clients to the
rest, so what the relay costs is not confused with what the load costs.

Every number is a difference against a baseline from the same run: the same clients
straight against the upstream at the same concurrency.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import platform
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from . import client
from .client import Progress, StreamResult, chat_request, openai_chat_request, relay_request, resume_request
from .isolation import CoreIsolation, realtime_prefix
from .report import _f, profile_summary
from .throwaway_redis import redis_server_argv

ROOT = Path(__file__).resolve().parent.parent
LITELLM_VENV = Path(__file__).resolve().parent / ".litellm-venv"
HOST = "127.0.0.1"
CLK_TCK = os.sysconf("SC_CLK_TCK")
ADDED_P99_LIMIT_MS = 50.0  # "sustainable": added p99 per token at most this, and no errors
IDLE_KB_LIMIT = 32.0  # issue 22: RSS per stream waiting on its first token, at 10,000 in one process
HEALTHZ_MS_LIMIT = 50.0  # issue 22: /healthz answered within this while they wait
# The relay's own descriptors beside two per stream (client and upstream sockets): listener, epoll,
# stdio, the event loop's pipes, log files; the idle phase keeps this many free under the fd limit.
RELAY_FD_RESERVE = 64
IDLE_OPENING = 200  # idle streams opening at once (a relay slower than the ramp would overflow its listen backlog)


@dataclass
class Options:
    streams: list[int] = field(default_factory=lambda: [100, 500, 1000, 2000])
    tps: float = 20.0
    tokens: int = 400
    idle_streams: int = 1000
    idle_only: bool = False  # only the idle phase: its memory per stream and /healthz while the streams wait
    healthz_samples: int = 100  # /healthz requests timed while the idle streams are open (and as many while opening)
    failover_streams: int = 20
    resumes: int = 200
    litellm: bool = True
    redis: bool = True
    redis_n: int | None = None  # the concurrency of the Redis-on latency phase (default: 500 or the nearest)
    workers: int = 2  # the Redis part also runs the relay as `serve --workers N` at redis_n (0 or 1 skips it)
    plots: bool = True
    profile_n: int | None = None  # py-spy the relay during the relay phase at this N
    smoke: bool = False
    out_dir: Path = Path(__file__).resolve().parent / "results"
    progress: bool = True
    litellm_max_error_rate: float = 0.5  # LiteLLM stops escalating once it fails this many streams
    holdback_on_n: tuple[int, ...] = (
        200,
        500,
    )  # the route option holdback = true (the bench route has one target: off by default)
    repeats: int = (
        0  # more direct + relay phases at repeat_n after the sweep, each on a fresh relay: the run-to-run spread
    )
    repeat_n: int = 500
    isolate: bool = False  # keep the machine's other tasks off the relay's core for the run (loadtest/isolation.py)
    realtime: bool = False  # run the relay and LiteLLM under SCHED_FIFO (loadtest/isolation.py)
    stop_added_p99_ms: float = 1000.0  # ... or once its added p99 is beyond this (20x the sustainable limit)
    openai_chat: bool = True  # at each N, also the relay through /v1/chat/completions, beside its native endpoint

    @classmethod
    def smoke_options(cls) -> Options:
        return cls(
            streams=[5],
            tps=50.0,
            tokens=30,
            idle_streams=20,
            healthz_samples=5,
            failover_streams=1,
            resumes=5,
            litellm=False,
            redis=False,
            plots=False,
            smoke=True,
            repeats=1,
            repeat_n=5,
        )


# -- processes ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as file:
        fields_ = file.read().rsplit(")", 1)[1].split()
    return (int(fields_[11]) + int(fields_[12])) / CLK_TCK  # fields 14 and 15 of stat(5)


def sleeps(pid: int) -> int:
    """Voluntary context switches of a process's main thread (its event loop's): each is a sleep, then a wake-up."""
    with open(f"/proc/{pid}/status") as file:
        for line in file:
            if line.startswith("voluntary_ctxt_switches:"):
                return int(line.split(":", 1)[1])
    return 0


def proc_status_kb(pid: int) -> dict[str, int]:
    out: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as file:
        for line in file:
            if line.startswith(("VmRSS:", "VmHWM:")):
                name, value = line.split(":", 1)
                out[name] = int(value.split()[0])
    return out


class CpuSampler(threading.Thread):
    """A server's CPU time and its core's `/proc/stat` counters every `interval_s` during a phase.

    The phase's CPU figure includes every stream's setup in the ramp; cut to the
    steady window (every stream open) it is the cost of relaying tokens alone. The
    core's counters add what the process's own figure misses: the softirq time of
    loopback TCP delivering its writes, charged to the core but not to the process.
    """

    def __init__(self, pid: int, cpu: int | None, interval_s: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.cpu, self.interval_s = pid, cpu, interval_s
        self.samples: list[tuple[int, float, list[int]]] = []  # (time.time_ns(), process CPU s, core's jiffies)
        self._finished = threading.Event()

    def _core(self) -> list[int]:
        if self.cpu is None:
            return []
        with open("/proc/stat") as file:
            for line in file:
                if line.startswith(f"cpu{self.cpu} "):
                    return [int(value) for value in line.split()[1:]]
        return []

    def run(self) -> None:
        while not self._finished.is_set():
            with contextlib.suppress(OSError):  # the server exited
                self.samples.append((time.time_ns(), cpu_seconds(self.pid), self._core()))
            self._finished.wait(self.interval_s)

    def stop(self) -> None:
        self._finished.set()
        self.join()

    def over(self, lo_ns: int, hi_ns: int) -> dict[str, float] | None:
        """Process CPU util and the core's busy and softirq shares between the samples nearest lo and hi."""
        inside = [sample for sample in self.samples if lo_ns <= sample[0] <= hi_ns]
        if len(inside) < 2:
            return None
        (t0, cpu0, core0), (t1, cpu1, core1) = inside[0], inside[-1]
        seconds = (t1 - t0) / 1e9
        out = {"server_cpu_util": (cpu1 - cpu0) / seconds}
        if core0 and core1:  # user nice system idle iowait irq softirq steal ...
            delta = [b - a for a, b in zip(core0, core1)]
            total = sum(delta[:8]) or 1
            out["core_busy"] = 1 - (delta[3] + delta[4]) / total
            out["core_softirq"] = delta[6] / total
        return out


def time_healthz(port: int, timeout_s: float = 5.0) -> float:
    """One `GET /healthz` on a new connection, as a load balancer probes: ms from connect to the whole 200 answer."""
    request = f"GET /healthz HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n\r\n".encode()
    started = time.perf_counter()
    with socket.create_connection((HOST, port), timeout=timeout_s) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):  # the server closes the connection after its answer
            answer += chunk
    elapsed_ms = (time.perf_counter() - started) * 1000
    if not answer.startswith(b"HTTP/1.1 200"):
        raise OSError(f"/healthz answered {answer[:60]!r}")
    return elapsed_ms


class HealthzProbe(threading.Thread):
    """Times `/healthz` every `interval_s` from a thread of its own, `samples` times or until stopped."""

    def __init__(self, port: int, *, interval_s: float, samples: int | None = None) -> None:
        super().__init__(daemon=True)
        self.port, self.interval_s, self.samples = port, interval_s, samples
        self.ms: list[float] = []
        self.errors: list[str] = []
        self._finished = threading.Event()

    def run(self) -> None:
        while not self._finished.is_set() and (self.samples is None or len(self.ms) + len(self.errors) < self.samples):
            try:
                self.ms.append(time_healthz(self.port))
            except OSError as exc:
                self.errors.append(repr(exc)[:120])
            self._finished.wait(self.interval_s)

    def stop(self) -> None:
        self._finished.set()
        self.join()

    def summary(self) -> dict[str, Any]:
        return {
            **{q: (round(v, 2) if v is not None else None) for q, v in client.percentiles(self.ms).items()},
            "errors": len(self.errors),
            "error_samples": self.errors[:3],
        }


def self_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Proc:
    """A subprocess we started, its log in the run's temp dir, stopped by its own pid."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        workdir: Path,
        *,
        env: dict[str, str] | None = None,
        cpus: set[int] | None = None,
        cwd: Path = ROOT,
    ) -> None:
        self.name = name
        self.log_path = workdir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(
            argv,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
        self.pid = self.popen.pid
        if cpus:
            with contextlib.suppress(OSError):
                os.sched_setaffinity(self.pid, cpus)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, chars: int = 1500) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-chars:]
        return ""

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)  # its own session: a supervisor's workers too
                self.popen.wait(timeout=5)
        self._log.close()


def pin_threads_recursive(pid: int, cpus: set[int]) -> None:
    """Pin a process and every thread and child it has now (LiteLLM forks helpers)."""
    pids = {pid}
    with contextlib.suppress(OSError):
        for child in Path(f"/proc/{pid}/task").iterdir():
            pids.add(int(child.name))
    with contextlib.suppress(OSError):
        for child_pid in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            pids.add(int(child_pid))
    for p in pids:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(p, cpus)


def http_json(
    method: str, url: str, body: Any = None, timeout: float = 5.0, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    data = orjson.dumps(body) if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return response.status, orjson.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, orjson.loads(raw)
        except orjson.JSONDecodeError:
            return exc.code, raw.decode(errors="replace")


def create_stream(url: str, body: Any) -> tuple[int, Any]:
    """POST a stream with a JSON answer (no reader); a failure is its status 0 and the error."""
    try:
        return http_json("POST", url, body, timeout=30.0)
    except OSError as exc:
        return 0, repr(exc)


def wait_http(url: str, proc: Proc, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited during start:\n{proc.log_tail()}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{proc.name} did not answer {url} within {timeout_s:g} s:\n{proc.log_tail()}")
        time.sleep(0.05)


def wait_port(port: int, proc: Proc, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited during start:\n{proc.log_tail()}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.5):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{proc.name} did not listen on {port} within {timeout_s:g} s")
        time.sleep(0.05)


# -- configs -------------------------------------------------------------------------------


def stamp_model(tps: float, tokens: int, **extra: Any) -> str:
    parts = ["bench", "text=stamp", f"tps={tps:g}", f"n={tokens}"] + [f"{k}={v}" for k, v in extra.items()]
    return ";".join(parts)


@dataclass(frozen=True)
class Scenario:
    tps: float
    tokens: int
    stall_s: float = 0.5
    failover_tps: float = 50.0
    failover_at: int = 40
    resume_tokens: int = 50
    idle_ttft_s: float = 600.0

    @property
    def duration_s(self) -> float:
        return self.tokens / self.tps if self.tps else 1.0

    @property
    def bench_model(self) -> str:
        return stamp_model(self.tps, self.tokens)

    def failover_models(self) -> tuple[str, str]:
        n = self.failover_at * 3
        primary = f"bench;text=prose;tps={self.failover_tps:g};n={n};fault=stall;at={self.failover_at}"
        fallback = f"bench-fallback;text=prose;tps={self.failover_tps:g};n={n};cont=exact"
        return primary, fallback


@contextlib.contextmanager
def clients_without_gc_pauses() -> Iterator[None]:
    """No cyclic garbage collection in this process while a phase runs.

    The clients time every token here, so a collection pause (over the results kept
    from earlier phases) would read as the server's latency; a phase's garbage is
    collected after it, outside any measurement.
    """
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


def relay_config(
    upstream_port: int,
    scenario: Scenario,
    store: dict[str, Any] | None = None,
    accounting: dict[str, Any] | None = None,
    default_route: dict[str, Any] | None = None,
    server: dict[str, Any] | None = None,
    provider: dict[str, Any] | None = None,
) -> str:
    """The relay's TOML: one openai-kind provider at the fake upstream, a route per measurement.

    `server` and `provider` override or add keys of `[server]` and of the provider's table.
    """
    primary, fallback = scenario.failover_models()

    def table(values: dict[str, Any]) -> list[str]:
        return [f"{k} = {orjson.dumps(v).decode()}" for k, v in values.items()]

    lines = [
        "[server]",
        *table({"host": "127.0.0.1", "ping_s": 600.0} | (server or {})),
        "",
        "[providers.up]",
        *table(
            {"kind": "openai", "base_url": f"http://127.0.0.1:{upstream_port}/v1", "connect_timeout_s": 30.0}
            | (provider or {})
        ),
        "",
        "[routes.default]",  # the load: one target, generous timeouts (latency, not failover, is measured)
        f'targets = ["up/{scenario.bench_model}"]',
        "first_token_timeout_s = 60.0",
        "stall_timeout_s = 30.0",
        *[f"{k} = {orjson.dumps(v).decode()}" for k, v in (default_route or {}).items()],
        "",
        "[routes.warm]",
        f'targets = ["up/{stamp_model(0, 20)}"]',
        "",
        "[routes.one]",  # one token, unpaced: what setting a stream up costs
        f'targets = ["up/{stamp_model(0, 1)}"]',
        "",
        "[routes.idle]",  # connected, upstream says nothing for idle_ttft_s
        f'targets = ["up/{stamp_model(0, 1, ttft=scenario.idle_ttft_s)}"]',
        f"first_token_timeout_s = {scenario.idle_ttft_s + 60:.1f}",
        "",
        "[routes.failover]",
        f'targets = ["up/{primary}", "up/{fallback}"]',
        "first_token_timeout_s = 10.0",
        f"stall_timeout_s = {scenario.stall_s}",
        "",
        "[routes.resume]",
        f'targets = ["up/{stamp_model(0, scenario.resume_tokens)}"]',
        "",
    ]
    for section, values in (("store", store), ("accounting", accounting)):
        if values:
            lines += [f"[{section}]"] + [f"{k} = {orjson.dumps(v).decode()}" for k, v in values.items()] + [""]
    return "\n".join(lines)


IDLE_MESSAGES = [{"role": "user", "content": "Write the benchmark answer."}]  # as client.relay_request sends

LITELLM_KEY = "sk-loadtest-" + os.urandom(16).hex()


def litellm_config(upstream_port: int, scenario: Scenario) -> str:
    return "\n".join(
        [
            "general_settings:",
            f'  master_key: "{LITELLM_KEY}"',
            "model_list:",
            "  - model_name: bench",
            "    litellm_params:",
            f'      model: "openai/{scenario.bench_model}"',
            f'      api_base: "http://127.0.0.1:{upstream_port}/v1"',
            '      api_key: "sk-loadtest"',
            "litellm_settings:",
            "  drop_params: true",
            "  telemetry: false",
            "  request_timeout: 600",
            "",
        ]
    )


# -- the run --------------------------------------------------------------------------------


class Bench:
    def __init__(self, options: Options) -> None:
        self.o = options
        self.scenario = Scenario(tps=options.tps, tokens=options.tokens, failover_at=10 if options.smoke else 40)
        self.workdir = Path(tempfile.mkdtemp(prefix="splice-loadtest-"))
        self.procs: list[Proc] = []
        self.pause = 0.1 if options.smoke else 1.0  # between phases, and for the relay to settle
        self.notes: list[str] = []
        self.machine = machine()  # before pinning this process
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) >= 2:
            self.server_cpus: set[int] | None = {cpus[0]}
            self.load_cpus: set[int] | None = set(cpus[1:])
            os.sched_setaffinity(0, self.load_cpus)
            self.pinning = (
                f"relay / LiteLLM pinned to CPU {cpus[0]}; fake upstream, clients and the tool "
                f"to CPU {','.join(map(str, cpus[1:]))} (os.sched_setaffinity)"
            )
        else:
            self.server_cpus = self.load_cpus = None
            self.pinning = "one CPU: no pinning; relay, upstream and clients share it"
        self.server_prefix: list[str] = []  # before the relay's and LiteLLM's argv: `chrt --fifo 10` with --realtime
        if options.realtime and not self.server_cpus:
            self.notes.append(
                "--realtime: one CPU only; a real-time server would preempt the clients that time it, "
                "so servers run at normal priority"
            )
        elif options.realtime:
            self.server_prefix, refused = realtime_prefix()
            if refused:
                self.notes.append(f"--realtime: {refused}; servers run at normal priority")
            else:
                self.pinning += f"; relay / LiteLLM at real-time priority ({' '.join(self.server_prefix[1:])})"
        self.results: dict[str, Any] = {
            "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(options).items()},
            "pinning": self.pinning,
        }

    def ramp_s(self, n: int) -> float:
        """Streams start evenly over half a stream's duration: all N are then open together from
        the last start until the first end, the steady window the latency figures come from."""
        return max(0.1, self.scenario.duration_s / 2)

    def steady_window(self, results: list[StreamResult], ramp_s: float) -> tuple[int, int] | None:
        """[last start + 1 s, first end): every stream is open."""
        starts = [r.t_start for r in results if r.t_start]
        ends = [r.t_end for r in results if r.t_end]
        if not starts or not ends:
            return None
        lo = max(starts) + 1_000_000_000
        hi = min(ends)
        return (lo, hi) if hi - lo >= 1_000_000_000 else None

    # -- process management ------------------------------------------------------------

    def start(self, proc: Proc) -> Proc:
        self.procs.append(proc)
        return proc

    def stop(self, proc: Proc | None) -> None:
        if proc is not None:
            proc.stop()
            if proc in self.procs:
                self.procs.remove(proc)

    def stop_all(self) -> None:
        for proc in reversed(list(self.procs)):
            with contextlib.suppress(Exception):
                proc.stop()
        self.procs.clear()

    def start_upstream(self, wait: bool = True) -> tuple[Proc, int]:
        port = free_port()
        proc = self.start(
            Proc(
                "upstream",
                [sys.executable, "-m", "loadtest.upstream", "--port", str(port)],
                self.workdir,
                cpus=self.load_cpus,
            )
        )
        if wait:
            wait_http(f"http://{HOST}:{port}/_health", proc, 20)
        return proc, port

    def start_relay(
        self,
        name: str,
        upstream_port: int,
        store: dict[str, Any] | None = None,
        wait: bool = True,
        accounting: dict[str, Any] | None = None,
        default_route: dict[str, Any] | None = None,
        workers: int = 1,
        server: dict[str, Any] | None = None,
        log_level: str = "warning",
        provider: dict[str, Any] | None = None,
    ) -> tuple[Proc, int]:
        port = free_port()
        config = self.workdir / f"{name}.toml"
        config.write_text(
            relay_config(upstream_port, self.scenario, store, accounting, default_route, server, provider)
        )
        exe = Path(sys.executable).with_name("splice-relay")
        argv = [str(exe)] if exe.exists() else [sys.executable, "-m", "relay.cli"]
        proc = self.start(
            Proc(
                name,
                self.server_prefix
                + argv
                + ["serve", "--config", str(config), "--port", str(port), "--log-level", log_level]
                + ["--workers", str(workers)],
                self.workdir,
                cpus=self.server_cpus
                if workers == 1
                else set(range(os.cpu_count() or 1)),  # workers: every core (not the tool's)
            )
        )
        if wait:
            wait_http(f"http://{HOST}:{port}/healthz", proc, 60)
        return proc, port

    # -- measurements --------------------------------------------------------------------

    async def phase(
        self,
        label: str,
        requests: list[client.Request],
        *,
        expected_tokens: int | None = None,
        ramp_s: float | None = None,
        timeout_s: float | None = None,
        keep_text: bool = False,
    ) -> tuple[list[StreamResult], float]:
        n = len(requests)
        if ramp_s is None:
            ramp_s = self.ramp_s(n)
        if timeout_s is None:
            timeout_s = self.scenario.duration_s * 3 + 30
        progress = Progress(n)
        expected = expected_tokens or n * self.scenario.tokens
        started = time.monotonic()
        bar = asyncio.create_task(self._progress_bar(label, progress, expected, started)) if self.o.progress else None
        try:
            with clients_without_gc_pauses():
                results = await client.run_streams(
                    requests, ramp_s=ramp_s, timeout_s=timeout_s, progress=progress, keep_text=keep_text
                )
        finally:
            if bar is not None:
                bar.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await bar
                self._draw(label, progress, expected, started, final=True)
        return results, time.monotonic() - started

    async def _progress_bar(self, label: str, progress: Progress, expected: int, started: float) -> None:
        while True:
            self._draw(label, progress, expected, started)
            await asyncio.sleep(0.25)

    def _draw(self, label: str, progress: Progress, expected: int, started: float, final: bool = False) -> None:
        width = 28
        fraction = min(1.0, progress.tokens / expected) if expected else 1.0
        filled = int(fraction * width)
        line = (
            f"\r{label:<26} [{'#' * filled}{'.' * (width - filled)}] {fraction * 100:5.1f}%  "
            f"streams {progress.finished}/{progress.total} err {progress.failed}  tok {progress.tokens}  "
            f"{time.monotonic() - started:5.1f}s"
        )
        sys.stderr.write(line + ("\n" if final else ""))
        sys.stderr.flush()

    def summarize(self, results: list[StreamResult], elapsed: float, expected_tokens: int) -> dict[str, Any]:
        """Counts and latency percentiles; ``latency_ms`` over the steady window when there is one
        (every stream open), ``latency_all_ms`` over every token."""
        window = self.steady_window(results, 0)
        t0 = min((r.t_start for r in results if r.t_start), default=0)
        errors = [r for r in results if not r.ok]
        short = [r for r in results if r.ok and len(r.stamps) < expected_tokens]
        reasons: dict[str, int] = {}
        for r in errors:
            key = (r.error or "?")[:80]
            reasons[key] = reasons.get(key, 0) + 1
        return {
            "streams": len(results),
            "completed": len(results) - len(errors),
            "errors": len(errors),
            "error_reasons": dict(sorted(reasons.items(), key=lambda kv: -kv[1])[:5]),
            "short_streams": len(short),
            "tokens": sum(r.tokens for r in results),
            "stamps": sum(len(r.stamps) for r in results),
            "elapsed_s": round(elapsed, 3),
            "window_s": [round((window[0] - t0) / 1e9, 2), round((window[1] - t0) / 1e9, 2)] if window else None,
            "latency_ms": client.percentiles(client.latencies_ms(results, window)),
            "own_latency_ms": client.percentiles(client.own_latencies_ms(results, window)),
            "latency_all_ms": client.percentiles(client.latencies_ms(results)),
            "own_latency_all_ms": client.percentiles(client.own_latencies_ms(results)),
            "ttft_ms": client.percentiles(client.ttft_ms(results)),
        }

    async def latency_phase(
        self,
        kind: str,
        port: int,
        n: int,
        *,
        pid: int | None = None,
        upstream_pid: int | None = None,
        label: str | None = None,
        profile: bool = False,
    ) -> tuple[dict[str, Any], list[StreamResult]]:
        sc = self.scenario
        if kind == "direct":
            requests = [chat_request(HOST, port, sc.bench_model) for _ in range(n)]
        elif kind == "litellm":
            requests = [chat_request(HOST, port, "bench", api_key=LITELLM_KEY) for _ in range(n)]
        elif kind == "openai_chat":  # the relay's route read through its OpenAI flavour
            requests = [openai_chat_request(HOST, port, "default") for _ in range(n)]
        else:
            requests = [relay_request(HOST, port, "default") for _ in range(n)]
        cpu0 = cpu_seconds(pid) if pid else None
        sleeps0 = sleeps(pid) if pid else 0
        up0 = cpu_seconds(upstream_pid) if upstream_pid else None
        me0 = self_cpu_seconds()
        profiler = self.start_profile(pid, label or kind) if profile and pid else None
        sampler = None
        if pid:
            sampler = CpuSampler(
                pid, next(iter(self.server_cpus)) if self.server_cpus and len(self.server_cpus) == 1 else None
            )
            sampler.start()
        try:
            results, elapsed = await self.phase(label or f"{kind} N={n}", requests)
        finally:
            if sampler is not None:
                sampler.stop()
        if profiler is not None:
            self.finish_profile(profiler)
        summary = self.summarize(results, elapsed, sc.tokens)
        summary["client_cpu_s"] = round(self_cpu_seconds() - me0, 3)
        summary["client_cpu_util"] = round(summary["client_cpu_s"] / elapsed, 3)
        if upstream_pid:
            summary["upstream_cpu_s"] = round(cpu_seconds(upstream_pid) - up0, 3)  # type: ignore[operator]
        if pid:
            used = cpu_seconds(pid) - cpu0  # type: ignore[operator]
            summary["server_cpu_s"] = round(used, 3)
            summary["server_cpu_util"] = round(used / elapsed, 3)
            summary["server_cpu_ms_per_1k_tokens"] = round(used / max(summary["tokens"], 1) * 1e6, 2)
            summary["server_cpu_ms_per_1k_stamps"] = round(used / max(summary["stamps"], 1) * 1e6, 2)
            summary["server_wakes_per_1k_tokens"] = round((sleeps(pid) - sleeps0) / max(summary["tokens"], 1) * 1e3)
            summary["server_rss_kb"] = proc_status_kb(pid)
            summary.update(self.steady_cpu(sampler, results))  # type: ignore[arg-type]
        return summary, results

    async def flavour_phase(
        self, port: int, n: int, *, pid: int, label: str
    ) -> tuple[dict[str, Any], list[StreamResult]]:
        """`n` streams on the relay, every other one read through /v1/chat/completions, the rest natively.

        Both halves run at once on the same relay, so they meet the same load (and whatever else
        the machine runs meanwhile): their latencies compare with each other, not only with the
        direct baseline. CPU is the whole phase's, per 1000 tokens of both halves.
        """
        requests = [
            openai_chat_request(HOST, port, "default") if index % 2 else relay_request(HOST, port, "default")
            for index in range(n)
        ]
        cpu0 = cpu_seconds(pid)
        results, elapsed = await self.phase(label, requests)
        used = cpu_seconds(pid) - cpu0
        tokens = self.scenario.tokens
        chat_results = results[1::2]
        out = {
            "native": self.summarize(results[0::2], elapsed, tokens),
            "openai_chat": self.summarize(chat_results, elapsed, tokens),
            "server_cpu_ms_per_1k_tokens": round(used / max(sum(r.tokens for r in results), 1) * 1e6, 2),
        }
        return out, chat_results

    def steady_cpu(self, sampler: CpuSampler, results: list[StreamResult]) -> dict[str, float | None]:
        """CPU per 1000 tokens and the server core's load over the steady window (None without one)."""
        out: dict[str, float | None] = {
            "steady_server_cpu_ms_per_1k_tokens": None,
            "steady_server_cpu_util": None,
            "steady_core_busy": None,
            "steady_core_softirq": None,
        }
        window = self.steady_window(results, 0)
        measured = sampler.over(*window) if window else None
        if window is None or measured is None:
            return out
        sent = sum(1 for r in results for stamp in r.stamps if window[0] <= stamp < window[1])
        tokens_per_s = sent / ((window[1] - window[0]) / 1e9)
        out["steady_server_cpu_util"] = round(measured["server_cpu_util"], 3)
        out["steady_server_cpu_ms_per_1k_tokens"] = (
            round(measured["server_cpu_util"] / tokens_per_s * 1e6, 2) if tokens_per_s else None
        )
        if "core_busy" in measured:
            out["steady_core_busy"] = round(measured["core_busy"], 3)
            out["steady_core_softirq"] = round(measured["core_softirq"], 3)
        return out

    # -- profiling -------------------------------------------------------------------------

    def start_profile(self, pid: int, label: str) -> tuple[Proc, Path, Path] | None:
        pyspy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        if not Path(pyspy).exists():
            self.notes.append("py-spy not installed (pip install py-spy): no profile taken")
            return None
        duration = max(5, int(self.ramp_s(0) + self.scenario.duration_s / 2))  # the ramp's end and the steady window
        raw = self.o.out_dir / f"profile-{label.replace(' ', '_').replace('=', '')}.txt"
        svg = raw.with_suffix(".svg")
        proc = Proc(
            "py-spy-raw",
            [
                pyspy,
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(duration),
                "--rate",
                "100",
                "--format",
                "raw",
                "--output",
                str(raw),
                "--nonblocking",
            ],
            self.workdir,
            cpus=self.load_cpus,
        )
        self.procs.append(proc)
        if not self.o.smoke:
            self.procs.append(
                Proc(
                    "py-spy-svg",
                    [
                        pyspy,
                        "record",
                        "--pid",
                        str(pid),
                        "--duration",
                        str(duration),
                        "--rate",
                        "100",
                        "--format",
                        "flamegraph",
                        "--output",
                        str(svg),
                        "--nonblocking",
                    ],
                    self.workdir,
                    cpus=self.load_cpus,
                )
            )
        return proc, raw, svg

    def finish_profile(self, profiler: tuple[Proc, Path, Path]) -> None:
        proc, raw, svg = profiler
        for p in [q for q in self.procs if q.name.startswith("py-spy")]:
            try:
                p.popen.wait(timeout=120)
            except subprocess.TimeoutExpired:
                pass
            self.stop(p)
        if raw.exists():
            self.results["profile"] = profile_summary(raw)
            self.results["profile"]["file"] = str(raw.relative_to(ROOT)) if raw.is_relative_to(ROOT) else str(raw)
            if svg.exists():
                self.results["profile"]["flamegraph"] = (
                    str(svg.relative_to(ROOT)) if svg.is_relative_to(ROOT) else str(svg)
                )
        else:
            self.notes.append(f"py-spy produced no profile: {proc.log_tail(400)}")

    # -- scenarios -------------------------------------------------------------------------

    async def setup_cost(self, relay: Proc, port: int) -> dict[str, Any]:
        """Streams of one unpaced token: relay CPU per stream set up (POST, generation, upstream request, SSE)."""
        n = 5 if self.o.smoke else 300
        rate = 50.0
        await asyncio.sleep(self.pause / 2)
        cpu0 = cpu_seconds(relay.pid)
        results, _elapsed = await self.phase(
            "setup cost",
            [relay_request(HOST, port, "one") for _ in range(n)],
            expected_tokens=n,
            ramp_s=n / rate,
            timeout_s=60,
        )
        used = cpu_seconds(relay.pid) - cpu0
        ok = sum(r.ok for r in results)
        return {
            "streams": n,
            "ok": ok,
            "rate_per_s": rate,
            "relay_cpu_s": round(used, 3),
            "cpu_ms_per_stream": round(used / max(ok, 1) * 1000, 2),
            "ttft_ms": client.percentiles(client.ttft_ms(results)),
        }

    async def idle_memory(self, upstream_port: int, shared: tuple[Proc, int] | None = None) -> dict[str, Any]:
        """Open K streams whose upstream stays silent: relay RSS delta / K, and /healthz timed while they wait.

        Each such stream holds two sockets in the relay (its reader's and its upstream's). Where
        the descriptor limit (this process's, which the relay inherits) cannot hold 2K, as many
        streams as it must are created without a reader (``POST`` answered with JSON): they wait
        on their upstream all the same. On a relay of its own (so the load phases start from a clean one),
        or on ``shared``, whose idle streams are then cancelled with DELETE (smoke mode).
        """
        k = self.o.idle_streams
        fd_limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        readers = max(0, min(k, fd_limit - RELAY_FD_RESERVE - k))  # every stream holds an upstream socket
        proc, port = shared or self.start_relay(
            "relay-idle",
            upstream_port,
            # the relay's default keep-alive (idle streams get their pings), and room for K generations
            server={"ping_s": 15.0, "max_generations": k + 100},
            provider={"max_connections": k + 100},
        )
        try:
            warm = [relay_request(HOST, port, "warm") for _ in range(20)]
            await self.phase("idle: warm-up", warm, expected_tokens=20 * 20, ramp_s=0.2, timeout_s=30)
            await asyncio.sleep(self.pause / 2)
            before = proc_status_kb(proc.pid)
            loop = asyncio.get_running_loop()
            opened = Progress(k)
            results: list[StreamResult] = []
            tasks: list[asyncio.Future[Any]] = []
            created: list[asyncio.Future[tuple[int, Any]]] = []  # the streams without a reader
            ramp = k / 400  # at most 400 new streams a second, and at most IDLE_OPENING waiting for their prelude
            probe = HealthzProbe(port, interval_s=0.1)  # /healthz while the streams open
            probe.start()
            t0 = loop.time()
            oldest = 0  # results[:oldest] have their prelude (or failed)
            for i in range(k):
                delay = t0 + ramp * i / k - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                while True:  # a relay slower than the ramp queues streams here, not in its listen backlog
                    while oldest < len(results) and (results[oldest].t_first_byte or results[oldest].error):
                        oldest += 1
                    if sum(1 for r in results[oldest:] if not (r.t_first_byte or r.error)) < IDLE_OPENING:
                        break
                    await asyncio.sleep(0.01)
                if i >= readers:
                    url, body = f"http://{HOST}:{port}/v1/streams", {"route": "idle", "messages": IDLE_MESSAGES}
                    created.append(asyncio.ensure_future(asyncio.to_thread(create_stream, url, body)))
                    continue
                holder = StreamResult("relay")
                results.append(holder)
                tasks.append(
                    asyncio.ensure_future(
                        client.open_stream(
                            relay_request(HOST, port, "idle"),
                            progress=opened,
                            timeout_s=self.scenario.idle_ttft_s,
                            result=holder,
                        )
                    )
                )
            created_ids = await asyncio.gather(*created)
            # wait until the relay runs every generation and every reader got its prelude
            deadline = time.monotonic() + 60
            generations = 0
            while time.monotonic() < deadline:
                try:
                    _status, health = await asyncio.to_thread(http_json, "GET", f"http://{HOST}:{port}/healthz")
                except OSError:
                    health = None
                generations = health.get("generations", 0) if isinstance(health, dict) else 0
                waiting = sum(1 for r in results if not r.t_first_byte and r.error is None)
                if generations >= k and not waiting:
                    break
                await asyncio.sleep(0.2)
            opened_in = loop.time() - t0
            await asyncio.to_thread(probe.stop)
            await asyncio.sleep(self.pause)
            after = proc_status_kb(proc.pid)
            delta_kb = after["VmRSS"] - before["VmRSS"]
            relay_fds = len(os.listdir(f"/proc/{proc.pid}/fd"))
            steady = HealthzProbe(port, interval_s=0.05, samples=self.o.healthz_samples)  # once all are open
            steady.start()
            await asyncio.to_thread(steady.join)
            reader_errors: dict[str, int] = {}
            for r in results:
                if r.error is not None or r.status != 200:
                    key = (r.error or f"HTTP {r.status}")[:80]
                    reader_errors[key] = reader_errors.get(key, 0) + 1
            out = {
                "streams": k,
                "readers": readers,
                "without_reader": k - readers,
                "fd_limit": fd_limit,
                "ramp_s": round(ramp, 2),
                "opened_in_s": round(opened_in, 2),
                "open_generations": generations,
                "readers_open": sum(1 for r in results if r.status == 200 and r.t_first_byte and r.error is None),
                "reader_errors": dict(sorted(reader_errors.items(), key=lambda kv: -kv[1])[:5]),
                "created_without_reader": sum(1 for status, _ in created_ids if status == 201),
                "create_errors": [body for status, body in created_ids if status != 201][:3],
                "relay_fds": relay_fds,
                "rss_before_kb": before["VmRSS"],
                "rss_after_kb": after["VmRSS"],
                "relay_hwm_kb": after["VmHWM"],
                "delta_kb": delta_kb,
                "kb_per_stream": round(delta_kb / k, 2),
                "healthz_ms": steady.summary(),
                "healthz_while_opening_ms": probe.summary(),
            }
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if shared is not None:  # end the idle generations on the shared relay
                ids = [
                    (r.headers["x-stream-id"], r.headers.get("x-stream-token", ""))
                    for r in results
                    if "x-stream-id" in r.headers
                ] + [(body["id"], body["token"]) for status, body in created_ids if status == 201]
                await asyncio.gather(
                    *(
                        asyncio.to_thread(http_json, "DELETE", f"http://{HOST}:{port}/v1/streams/{sid}?token={tok}")
                        for sid, tok in ids
                    )
                )
            return out
        finally:
            if shared is None:
                self.stop(proc)

    async def failover(self, port: int) -> dict[str, Any]:
        sc = self.scenario
        n = self.o.failover_streams
        records = []

        async def one(i: int) -> dict[str, Any]:
            await asyncio.sleep(i * 0.05)
            result, text = await client.open_stream(
                relay_request(HOST, port, "failover"), timeout_s=60, keep_text=True, keep_token_times=True
            )
            rec: dict[str, Any] = {"ok": result.ok, "error": result.error, "tokens": result.tokens}
            failover = next(((t, data, idx) for t, name, data, idx in result.events if name == "failover"), None)
            if failover is None or not result.ok:
                rec["failover_seen"] = failover is not None
                return rec
            t_fail, data, idx = failover
            if idx == 0 or idx >= len(result.token_times):
                rec["failover_seen"] = True
                return rec
            t_last_primary = result.token_times[idx - 1]
            t_first_fallback = result.token_times[idx]
            stream_id, token = result.headers.get("x-stream-id"), result.headers.get("x-stream-token")
            status, snap = await asyncio.to_thread(
                http_json,
                "GET",
                f"http://{HOST}:{port}/v1/streams/{stream_id}",
                None,
                5.0,
                {"Authorization": f"Bearer {token}"},
            )
            attempts = (snap or {}).get("audit", {}).get("attempts", []) if status == 200 else []
            fallback_ttft_ms = None
            if len(attempts) >= 2 and attempts[1].get("first_token_at"):
                fallback_ttft_ms = (attempts[1]["first_token_at"] - attempts[1]["started_at"]) * 1000
            gap_ms = (t_first_fallback - t_last_primary) / 1e6
            rec.update(
                {
                    "failover_seen": True,
                    "reason": data.get("reason") if isinstance(data, dict) else None,
                    "gap_ms": gap_ms,
                    "fallback_first_token_ms": fallback_ttft_ms,
                    "failover_event_after_last_primary_ms": (t_fail - t_last_primary) / 1e6,
                    "beyond_threshold_ms": gap_ms - sc.stall_s * 1000 - (fallback_ttft_ms or 0.0),
                    "splice": next((d for _, name, d, _ in result.events if name == "splice"), None),
                    "text_chars": len(text),
                }
            )
            return rec

        with clients_without_gc_pauses():
            records = await asyncio.gather(*(one(i) for i in range(n)))
        measured = [r for r in records if "gap_ms" in r]
        return {
            "streams": n,
            "failovers_measured": len(measured),
            "errors": sum(1 for r in records if not r["ok"]),
            "stall_threshold_ms": sc.stall_s * 1000,
            "fallback_tps": sc.failover_tps,
            "stall_at_chunk": sc.failover_at,
            "gap_ms": client.percentiles([r["gap_ms"] for r in measured]),
            "fallback_first_token_ms": client.percentiles(
                [r["fallback_first_token_ms"] for r in measured if r["fallback_first_token_ms"] is not None]
            ),
            "beyond_threshold_ms": client.percentiles([r["beyond_threshold_ms"] for r in measured]),
            "samples": records[:5],
        }

    async def resume(self, create_port: int, resume_port: int, label: str) -> dict[str, Any]:
        """Create streams, read them to the end, resume mid-log (Last-Event-ID): time to the first replayed event."""
        m = self.o.resumes
        if m <= 0:
            return {"skipped": "--resumes 0"}
        created = await client.run_streams(
            [relay_request(HOST, create_port, "resume") for _ in range(min(m, 50))], ramp_s=0.2, timeout_s=30
        )
        good = [r for r in created if r.ok and r.headers.get("x-stream-id")]
        if not good:
            return {"error": f"no stream completed: {[r.error for r in created][:3]}"}
        await asyncio.sleep(0.3)  # a write-behind store flushes
        samples: list[float] = []
        errors: list[str] = []
        replayed_ok = 0
        last = good[0].last_event_id
        with clients_without_gc_pauses():
            for i in range(m):
                source = good[i % len(good)]
                cursor = random.randint(1, max(1, last - 2))
                first: list[int] = []

                def on_event(result: StreamResult, name: str, now: int, first: list[int] = first) -> None:
                    if name == "first_event" and not first:
                        first.append(now)

                result, _ = await client.open_stream(
                    resume_request(
                        HOST, resume_port, source.headers["x-stream-id"], source.headers["x-stream-token"], cursor
                    ),
                    timeout_s=10,
                    on_event=on_event,
                )
                if result.ok and first and result.first_event_id == cursor + 1:
                    samples.append((first[0] - result.t_start) / 1e6)
                    replayed_ok += 1
                else:
                    errors.append(result.error or f"first replayed id {result.first_event_id}, expected {cursor + 1}")
        return {
            "where": label,
            "resumes": m,
            "ok": replayed_ok,
            "errors": len(errors),
            "error_samples": errors[:3],
            "first_event_ms": client.percentiles(samples),
        }

    # -- LiteLLM ---------------------------------------------------------------------------

    def ensure_litellm(self) -> tuple[Path | None, str]:
        exe = LITELLM_VENV / "bin" / "litellm"
        if exe.exists():
            return exe, "already installed"
        sys.stderr.write(f"installing litellm[proxy] into {LITELLM_VENV} (pip, PyPI)...\n")
        base = getattr(sys, "_base_executable", sys.executable)
        try:
            subprocess.run([base, "-m", "venv", str(LITELLM_VENV)], check=True, capture_output=True, timeout=300)
            pip = [str(LITELLM_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
            subprocess.run(pip + ["--upgrade", "pip"], check=False, capture_output=True, timeout=600)
            done = subprocess.run(pip + ["litellm[proxy]"], check=False, capture_output=True, timeout=1800, text=True)
        except (subprocess.SubprocessError, OSError) as exc:
            return None, f"install failed: {exc!r}"
        if done.returncode != 0 or not exe.exists():
            return None, f"pip install litellm[proxy] failed (exit {done.returncode}): {done.stderr[-600:]}"
        return exe, "installed"

    def start_litellm(self, exe: Path, upstream_port: int) -> tuple[Proc, int]:
        port = free_port()
        config = self.workdir / "litellm.yaml"
        config.write_text(litellm_config(upstream_port, self.scenario))
        env = {
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "LITELLM_TELEMETRY": "False",
            "LITELLM_LOG": "ERROR",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "DISABLE_SCHEMA_UPDATE": "True",
        }
        proc = self.start(
            Proc(
                "litellm",
                self.server_prefix
                + [str(exe), "--config", str(config), "--host", HOST, "--port", str(port), "--num_workers", "1"],
                self.workdir,
                env=env,
                cpus=self.server_cpus,
            )
        )
        wait_port(port, proc, 180)
        wait_http(f"http://{HOST}:{port}/health/liveliness", proc, 60)
        if self.server_cpus:
            pin_threads_recursive(proc.pid, self.server_cpus)
        return proc, port

    # -- the whole run ---------------------------------------------------------------------

    async def run(self) -> dict[str, Any]:
        o, sc, res = self.o, self.scenario, self.results
        res["machine"] = self.machine
        res["source"] = source_state()
        res["logs_dir"] = str(self.workdir)
        res["started_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        res["scenario"] = vars(sc) | {"bench_model": sc.bench_model, "failover_models": sc.failover_models()}
        if o.idle_only:
            return await self.run_idle_only()
        parse_proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                (
                    "import json, sys, contextlib, os\n"
                    "from loadtest import bench_parse\n"
                    "with contextlib.redirect_stdout(open(os.devnull, 'w')): r = "
                    "bench_parse.main(rounds=int(sys.argv[1]))\n"
                    "print(json.dumps(r))"
                ),
                str(2_000 if o.smoke else 50_000),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        if not o.smoke:  # a benchmark of its own: nothing else runs meanwhile
            self._collect_parse(parse_proc)
        res["features"] = relay_features()
        for name, present in res["features"].items():
            if not present and name in ("accounting",):
                self.notes.append(f"{name}: not in relay/config.py at run time; on/off comparison not measured")

        upstream, up_port = self.start_upstream(wait=o.smoke is False)
        if not o.smoke and o.idle_streams:
            res["idle_memory"] = await self.idle_memory(up_port)
        relay, relay_port = self.start_relay("relay", up_port, wait=False)  # both start at once
        wait_http(f"http://{HOST}:{up_port}/_health", upstream, 20)
        wait_http(f"http://{HOST}:{relay_port}/healthz", relay, 60)
        if o.smoke and o.idle_streams:
            res["idle_memory"] = await self.idle_memory(up_port, shared=(relay, relay_port))
        await self.phase(
            "warm-up",
            [relay_request(HOST, relay_port, "warm") for _ in range(20)],
            expected_tokens=400,
            ramp_s=0.2,
            timeout_s=30,
        )
        res["setup"] = await self.setup_cost(relay, relay_port)

        # the LiteLLM proxy, if asked (installed before the latency phases so they run back to back)
        litellm_exe = None
        if o.litellm:
            litellm_exe, how = self.ensure_litellm()
            res["litellm"] = {"install": how}
            if litellm_exe is not None:
                with contextlib.suppress(Exception):
                    res["litellm"]["version"] = subprocess.run(
                        check=False,
                        args=[
                            str(LITELLM_VENV / "bin" / "python"),
                            "-c",
                            "import importlib.metadata as m; print(m.version('litellm'))",
                        ],
                        capture_output=True,
                        text=True,
                        timeout=60,
                    ).stdout.strip()

        # per-token latency, TTFT, CPU: direct, relay (and LiteLLM) at each N
        phases: list[dict[str, Any]] = []
        res["phases"] = phases
        cdf: dict[str, list[float]] = {}
        keep_cdf = o.plots
        litellm_ok = litellm_exe is not None
        litellm_proc: Proc | None = None
        litellm_port = 0
        if litellm_ok:
            try:
                litellm_proc, litellm_port = self.start_litellm(litellm_exe, up_port)  # type: ignore[arg-type]
                await self.phase(
                    "litellm warm-up",
                    [chat_request(HOST, litellm_port, "bench", api_key=LITELLM_KEY) for _ in range(5)],
                    expected_tokens=5 * sc.tokens,
                    ramp_s=0.2,
                )
            except Exception as exc:
                res["litellm"]["start_error"] = str(exc)[-1500:]
                litellm_ok = False
                self.stop(litellm_proc)
                litellm_proc = None
        for n in o.streams:
            await asyncio.sleep(self.pause)
            direct, d_results = await self.latency_phase(
                "direct", up_port, n, upstream_pid=upstream.pid, label=f"direct N={n}"
            )
            await asyncio.sleep(self.pause)
            relay_sum, r_results = await self.latency_phase(
                "relay",
                relay_port,
                n,
                pid=relay.pid,
                upstream_pid=upstream.pid,
                label=f"relay N={n}",
                profile=(o.profile_n == n),
            )
            entry: dict[str, Any] = {"n": n, "tps": sc.tps, "tokens": sc.tokens, "direct": direct, "relay": relay_sum}
            entry["relay_added_ms"] = added(relay_sum, direct)
            if o.openai_chat:
                await asyncio.sleep(self.pause)
                alone, _ = await self.latency_phase(
                    "openai_chat", relay_port, n, pid=relay.pid, upstream_pid=upstream.pid, label=f"openai chat N={n}"
                )
                entry["openai_chat_alone"] = alone
                entry["openai_chat_alone_added_ms"] = added(alone, direct)
                await asyncio.sleep(self.pause)
                mixed, c_results = await self.flavour_phase(relay_port, n, pid=relay.pid, label=f"native+chat N={n}")
                entry["openai_chat"] = mixed["openai_chat"]
                entry["native_beside_openai_chat"] = mixed["native"]
                entry["openai_chat_added_ms"] = added(mixed["openai_chat"], direct)
                entry["native_beside_openai_chat_added_ms"] = added(mixed["native"], direct)
                entry["openai_chat_vs_native"] = flavour_vs_native(entry, mixed["server_cpu_ms_per_1k_tokens"])
                self.notes.append(openai_chat_note(entry))
                if keep_cdf:
                    cdf[f"openai chat N={n}"] = client.latencies_ms(c_results)
                del c_results
            if keep_cdf:
                cdf[f"direct N={n}"] = client.latencies_ms(d_results)
                cdf[f"relay N={n}"] = client.latencies_ms(r_results)
                cdf[f"relay own N={n}"] = client.own_latencies_ms(r_results)
            del d_results, r_results
            if litellm_ok and litellm_proc is not None:
                await asyncio.sleep(self.pause)
                lsum, l_results = await self.latency_phase(
                    "litellm", litellm_port, n, pid=litellm_proc.pid, upstream_pid=upstream.pid, label=f"litellm N={n}"
                )
                entry["litellm"] = lsum
                entry["litellm_added_ms"] = added(lsum, direct)
                if keep_cdf:
                    cdf[f"litellm N={n}"] = client.latencies_ms(l_results)
                del l_results
                l_p99 = entry["litellm_added_ms"]["latency_ms"]["p99"]
                if lsum["errors"] > o.litellm_max_error_rate * n or (l_p99 is not None and l_p99 > o.stop_added_p99_ms):
                    self.notes.append(
                        f"LiteLLM at N={n}: {lsum['errors']}/{n} streams failed, added p99 {l_p99} ms; "
                        f"not run at higher N (stop rule: > {o.litellm_max_error_rate:.0%} errors or added p99 > "
                        f"{o.stop_added_p99_ms:g} ms)"
                    )
                    litellm_ok = False
                    self.stop(litellm_proc)
                    litellm_proc = None
                    res["litellm"]["stopped_at_n"] = n
            phases.append(entry)
            if relay_sum["errors"] > 0.5 * n:
                self.notes.append(f"relay failed {relay_sum['errors']}/{n} streams at N={n}; not run at higher N")
                break
        res["relay_peak_rss_kb"] = proc_status_kb(relay.pid)
        self.stop(litellm_proc)

        # the same phase again, each time on a fresh relay: is the sweep's figure at that N the rule or luck?
        if o.repeats:
            res["repeats"] = [
                await self.variant(f"relay repeat {k + 1}", upstream, up_port, n=o.repeat_n) for k in range(o.repeats)
            ]

        if o.failover_streams:
            res["failover"] = await self.failover(relay_port)
        if o.resumes:
            res["resume_memory"] = await self.resume(relay_port, relay_port, "memory store, same instance")
        self.stop(relay)

        # Redis: resume across instances, and the load with the Redis store on
        if o.redis:
            res["redis"] = await self.redis_part(upstream, up_port)
        else:
            res["redis"] = {"skipped": "not run (smoke mode or --no-redis)"}
        # accounting on/off (the main runs above have the relay's default, accounting on), back to back
        if not o.smoke:
            if res["features"].get("accounting"):
                res["accounting"] = {
                    "on": await self.variant("relay accounting on", upstream, up_port, accounting={"enabled": True}),
                    "off": await self.variant("relay accounting off", upstream, up_port, accounting={"enabled": False}),
                }
            else:
                res["accounting"] = {"skipped": "relay/config.py has no [accounting] at run time"}
            if res["features"].get("holdback_option"):
                res["holdback_on"] = [
                    await self.variant("relay holdback on", upstream, up_port, default_route={"holdback": True}, n=n)
                    for n in o.holdback_on_n
                ]
            else:
                res["holdback_on"] = {"skipped": "routes.<name>.holdback is not in relay/config.py at run time"}
            # metrics and logs on/off, back to back: "on" logs its request and stream lines (JSON, level info)
            if res["features"].get("observability"):
                res["observability"] = {
                    "on": await self.variant(
                        "relay metrics+logs on",
                        upstream,
                        up_port,
                        server={"metrics": True, "request_log": True, "log_format": "json"},
                        log_level="info",
                    ),
                    "off": await self.variant(
                        "relay metrics+logs off", upstream, up_port, server={"metrics": False, "request_log": False}
                    ),
                }
            else:
                res["observability"] = {"skipped": "server.metrics is not in relay/config.py at run time"}
        res["source_end"] = source_state()
        if "bench_parse" not in res:
            self._collect_parse(parse_proc)
        res["summary"] = derive(res, o)
        res["notes"] = self.notes
        res["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        self._cdf = cdf
        return res

    async def run_idle_only(self) -> dict[str, Any]:
        """`--idle-only`: the fake upstream and the idle phase's relay, nothing else."""
        res = self.results
        _upstream, up_port = self.start_upstream()
        res["idle_memory"] = await self.idle_memory(up_port)
        res["source_end"] = source_state()
        res["summary"] = {"idle_kb_per_stream": res["idle_memory"]["kb_per_stream"], "targets": idle_targets(res)}
        res["notes"] = self.notes
        res["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        return res

    async def variant(
        self,
        name: str,
        upstream: Proc,
        up_port: int,
        *,
        store: dict[str, Any] | None = None,
        accounting: dict[str, Any] | None = None,
        default_route: dict[str, Any] | None = None,
        server: dict[str, Any] | None = None,
        log_level: str = "warning",
        n: int | None = None,
    ) -> dict[str, Any]:
        """A relay with another config, at one N, against a direct baseline run just before it."""
        n = n or self.o.redis_n or min(self.o.streams, key=lambda x: abs(x - 200))
        proc, port = self.start_relay(
            name.replace("+", "-").replace(" ", "-"),
            up_port,
            store,
            accounting=accounting,
            default_route=default_route,
            server=server,
            log_level=log_level,
        )
        try:
            await self.phase(
                f"{name} warm-up",
                [relay_request(HOST, port, "warm") for _ in range(20)],
                expected_tokens=400,
                ramp_s=0.2,
                timeout_s=30,
            )
            await asyncio.sleep(self.pause)
            direct, _ = await self.latency_phase(
                "direct", up_port, n, upstream_pid=upstream.pid, label=f"direct N={n} ({name})"
            )
            await asyncio.sleep(self.pause)
            rsum, _ = await self.latency_phase(
                "relay", port, n, pid=proc.pid, upstream_pid=upstream.pid, label=f"{name} N={n}"
            )
            return {"variant": name, "n": n, "direct": direct, "relay": rsum, "relay_added_ms": added(rsum, direct)}
        finally:
            self.stop(proc)

    async def workers_variant(
        self, upstream: Proc, up_port: int, store: dict[str, Any], one: dict[str, Any]
    ) -> dict[str, Any]:
        """`serve --workers N` on the Redis store at the one-worker variant's N: CPU per token over all
        workers against one worker's (`one`, measured just before), and each worker's share of the work.
        """
        n, count = one["n"], self.o.workers
        proc, port = self.start_relay("relay-redis-workers", up_port, store, workers=count)
        try:
            pids: list[int] = []
            for _ in range(100):  # the supervisor starts its workers, each binding the port
                pids = [int(pid) for pid in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
                if len(pids) == count:
                    break
                await asyncio.sleep(0.1)
            await self.phase(
                "workers warm-up",
                [relay_request(HOST, port, "warm") for _ in range(40)],
                expected_tokens=400,
                ramp_s=0.2,
                timeout_s=30,
            )
            await asyncio.sleep(self.pause)
            direct, _ = await self.latency_phase(
                "direct", up_port, n, upstream_pid=upstream.pid, label=f"direct N={n} (workers)"
            )
            await asyncio.sleep(self.pause)
            before = [cpu_seconds(pid) for pid in pids]
            slept = [sleeps(pid) for pid in pids]
            rsum, _ = await self.latency_phase(
                "relay", port, n, upstream_pid=upstream.pid, label=f"relay+redis --workers {count} N={n}"
            )
            used = [cpu_seconds(pid) - start for pid, start in zip(pids, before)]
            total = sum(used)
            rsum["server_cpu_s"] = round(total, 3)
            rsum["server_cpu_ms_per_1k_tokens"] = round(total / max(rsum["tokens"], 1) * 1e6, 2)
            wakes = sum(sleeps(pid) - start for pid, start in zip(pids, slept))
            rsum["server_wakes_per_1k_tokens"] = round(wakes / max(rsum["tokens"], 1) * 1e3)
            one_cpu = one["relay"].get("server_cpu_ms_per_1k_tokens")
            return {
                "variant": f"relay+redis --workers {count}",
                "n": n,
                "workers": count,
                "direct": direct,
                "relay": rsum,
                "relay_added_ms": added(rsum, direct),
                "worker_cpu_share": [round(u / total, 3) if total else None for u in used],
                "cpu_per_token_vs_one_worker": cpu_ratio(rsum["server_cpu_ms_per_1k_tokens"], one_cpu),
            }
        finally:
            self.stop(proc)

    async def one_worker_at_its_share(
        self, upstream: Proc, up_port: int, store: dict[str, Any], workers: dict[str, Any]
    ) -> dict[str, Any]:
        """One worker carrying one worker's share (N / workers): splits the workers' ratio into what the load
        level costs (a process with fewer events per wake-up of its loop pays more per token) and what running
        several workers costs (the workers against one worker at the same load each)."""
        share = max(1, workers["n"] // workers["workers"])
        one = await self.variant("relay+redis one worker at its share", upstream, up_port, store=store, n=share)
        one_cpu = one["relay"].get("server_cpu_ms_per_1k_tokens")
        return {
            "one_worker_at_share": {
                "n": share,
                "server_cpu_ms_per_1k_tokens": one_cpu,
                "server_wakes_per_1k_tokens": one["relay"].get("server_wakes_per_1k_tokens"),
            },
            "cpu_per_token_vs_one_worker_at_share": cpu_ratio(workers["relay"]["server_cpu_ms_per_1k_tokens"], one_cpu),
        }

    def _collect_parse(self, proc: subprocess.Popen[str]) -> None:
        try:
            out, err = proc.communicate(timeout=300)
            self.results["bench_parse"] = (
                {k: round(v, 3) for k, v in orjson.loads(out.strip().splitlines()[-1]).items()}
                if proc.returncode == 0
                else {"error": err[-500:]}
            )
        except Exception as exc:
            proc.kill()
            self.results["bench_parse"] = {"error": repr(exc)}

    async def redis_part(self, upstream: Proc, up_port: int) -> dict[str, Any]:
        binary = shutil.which("redis-server") or shutil.which("valkey-server")
        if binary is None:
            return {"skipped": "no redis-server on PATH: Redis figures not measured"}
        try:
            import relay.log.redis_store  # noqa: F401
        except Exception as exc:
            return {"skipped": f"relay.log.redis_store does not import: {exc!r}"}
        port = free_port()
        redis_dir = self.workdir / "redis"
        redis_dir.mkdir(exist_ok=True)
        server = self.start(
            Proc(
                "redis",
                redis_server_argv(binary, port, str(redis_dir)),
                self.workdir,
                cpus=self.load_cpus,
            )
        )
        out: dict[str, Any] = {}
        a = b = None
        try:
            wait_port(port, server, 10)
            store = {"kind": "redis", "url": f"redis://127.0.0.1:{port}/0"}
            a, a_port = self.start_relay("relay-redis-a", up_port, store)
            b, b_port = self.start_relay("relay-redis-b", up_port, store)
            out["resume_same_instance"] = await self.resume(a_port, a_port, "redis store, same instance (local log)")
            out["resume_other_instance"] = await self.resume(a_port, b_port, "redis store, other instance (Redis log)")
            if out["resume_other_instance"].get("errors"):
                out["resume_other_instance"]["relay_log_tail"] = b.log_tail(2500)
            self.stop(b)
            b = None
            self.stop(a)
            a = None
            out["load"] = await self.variant("relay+redis", upstream, up_port, store=store)
            out["load"]["redis_cpu_s"] = round(cpu_seconds(server.pid), 3)
            if self.o.workers > 1:
                out["workers"] = await self.workers_variant(upstream, up_port, store, out["load"])
                out["workers"] |= await self.one_worker_at_its_share(upstream, up_port, store, out["workers"])
        except Exception as exc:
            out["error"] = f"{exc!r}"[:1500]
        finally:
            self.stop(a)
            self.stop(b)
            self.stop(server)
        return out


def cpu_ratio(cpu: float | None, baseline: float | None) -> float | None:
    """CPU per token against a baseline's, to three places (None when either was not measured)."""
    return round(cpu / baseline, 3) if cpu is not None and baseline else None


def added(server: dict[str, Any], direct: dict[str, Any]) -> dict[str, Any]:
    """Percentile by percentile, the server's latency minus the direct baseline's."""
    out: dict[str, Any] = {}
    for metric in ("latency_ms", "ttft_ms"):
        a, b = server.get(metric, {}), direct.get("latency_ms" if metric == "latency_ms" else "ttft_ms", {})
        out[metric] = {
            q: (round(a[q] - b[q], 3) if a.get(q) is not None and b.get(q) is not None else None)
            for q in ("p50", "p95", "p99", "max")
        }
    a, b = server.get("own_latency_ms", {}), direct.get("latency_ms", {})
    out["own_latency_ms"] = {
        q: (round(a[q] - b[q], 3) if a.get(q) is not None and b.get(q) is not None else None)
        for q in ("p50", "p95", "p99", "max")
    }
    return out


def flavour_vs_native(entry: dict[str, Any], mixed_cpu_ms_per_1k: float) -> dict[str, Any]:
    """The added latency per token through /v1/chat/completions against the native endpoint's, at one N.

    `ratio` / `difference_ms`: from the phase that runs the two side by side (same load, same
    moment), the flavour's added latency over / minus the native one's, per percentile (1.10 is
    10% more). `alone`: the same from the phase of flavour streams only against the native-only
    phase (each phase's own moment: the machine's other load shows in it). CPU per 1000 tokens of
    the native-only, flavour-only and side-by-side phases.
    """
    chat = entry["openai_chat_added_ms"]["latency_ms"]
    native = entry["native_beside_openai_chat_added_ms"]["latency_ms"]
    out: dict[str, Any] = {"ratio": {}, "difference_ms": {}}
    for q in ("p50", "p95", "p99"):
        a, b = chat.get(q), native.get(q)
        out["difference_ms"][q] = round(a - b, 3) if a is not None and b is not None else None
        out["ratio"][q] = round(a / b, 3) if a is not None and b is not None and b > 0 else None
    alone, native_alone = entry["openai_chat_alone_added_ms"]["latency_ms"], entry["relay_added_ms"]["latency_ms"]
    out["alone"] = {"ratio": {}, "difference_ms": {}}
    for q in ("p50", "p95", "p99"):
        a, b = alone.get(q), native_alone.get(q)
        out["alone"]["difference_ms"][q] = round(a - b, 3) if a is not None and b is not None else None
        out["alone"]["ratio"][q] = round(a / b, 3) if a is not None and b is not None and b > 0 else None
    out["server_cpu_ms_per_1k_tokens"] = {
        "native": entry["relay"].get("server_cpu_ms_per_1k_tokens"),
        "openai_chat": entry["openai_chat_alone"].get("server_cpu_ms_per_1k_tokens"),
        "half_openai_chat": mixed_cpu_ms_per_1k,
    }
    out["errors"] = entry["openai_chat"].get("errors", 0) + entry["openai_chat_alone"].get("errors", 0)
    return out


def openai_chat_note(entry: dict[str, Any]) -> str:
    """One line of the run's notes: the OpenAI flavour beside the native endpoint at this N."""
    chat = entry["openai_chat_added_ms"]["latency_ms"]
    native = entry["native_beside_openai_chat_added_ms"]["latency_ms"]
    alone, native_alone = entry["openai_chat_alone_added_ms"]["latency_ms"], entry["relay_added_ms"]["latency_ms"]
    cpu = entry["openai_chat_vs_native"]["server_cpu_ms_per_1k_tokens"]
    return (
        f"/v1/chat/completions at N={entry['n']}: alone, added p50 {_f(alone['p50'])} / p99 {_f(alone['p99'])} ms "
        f"per token (native alone {_f(native_alone['p50'])} / {_f(native_alone['p99'])}); half the streams beside "
        f"native ones, {_f(chat['p50'])} / {_f(chat['p99'])} ms (native half {_f(native['p50'])} / "
        f"{_f(native['p99'])}); relay CPU per 1000 tokens {_f(cpu['openai_chat'])} alone, "
        f"{_f(cpu['half_openai_chat'])} half, native {_f(cpu['native'])}; "
        f"{entry['openai_chat_vs_native']['errors']} errors"
    )


def sustainable(phases: list[dict[str, Any]], key: str, metric: str) -> dict[str, Any]:
    """The highest N run with added p99 <= 50 ms and no errors; the lowest N with errors."""
    best = None
    first_errors = None
    for entry in phases:
        server, add = entry.get(key), entry.get(f"{key}_added_ms")
        if server is None or add is None:
            continue
        if server["errors"] and (first_errors is None or entry["n"] < first_errors):
            first_errors = entry["n"]
        p99 = add[metric]["p99"]
        if (
            server["errors"] == 0
            and p99 is not None
            and p99 <= ADDED_P99_LIMIT_MS
            and (best is None or entry["n"] > best)
        ):
            best = entry["n"]
    return {"max_n_added_p99_le_50ms": best, "errors_begin_at_n": first_errors}


def derive(res: dict[str, Any], o: Options) -> dict[str, Any]:
    phases = res.get("phases", [])
    summary: dict[str, Any] = {
        "relay": sustainable(phases, "relay", "latency_ms"),
        "relay_excluding_holdback": sustainable(phases, "relay", "own_latency_ms"),
    }
    if any("litellm" in p for p in phases):
        summary["litellm"] = sustainable(phases, "litellm", "latency_ms")
    summary["relay_cpu_s_per_1k_tokens"] = {
        str(p["n"]): round(p["relay"]["server_cpu_ms_per_1k_tokens"] / 1000, 4) for p in phases
    }
    summary["relay_cpu_s_per_1k_stamps"] = {
        str(p["n"]): round(p["relay"]["server_cpu_ms_per_1k_stamps"] / 1000, 4) for p in phases
    }
    if "litellm" in (phases[0] if phases else {}):
        summary["litellm_cpu_s_per_1k_tokens"] = {
            str(p["n"]): round(p["litellm"]["server_cpu_ms_per_1k_tokens"] / 1000, 4) for p in phases if "litellm" in p
        }
    if any("openai_chat_vs_native" in p for p in phases):
        summary["openai_chat_vs_native"] = {
            str(p["n"]): p["openai_chat_vs_native"] for p in phases if "openai_chat_vs_native" in p
        }
    summary["relay_peak_rss_kb"] = res.get("relay_peak_rss_kb", {}).get("VmHWM")
    summary["idle_kb_per_stream"] = res.get("idle_memory", {}).get("kb_per_stream")
    if res.get("repeats"):
        summary["repeats"] = repeat_summary(res)
    summary["targets"] = targets(res, summary)
    return summary


def repeat_summary(res: dict[str, Any], limit_ms: float = 5.0) -> dict[str, Any]:
    """Added p99 of every relay phase at the repeated N: the sweep's, then each repeat's."""
    n = res["repeats"][0]["n"]
    sweep = [p for p in res.get("phases", []) if p["n"] == n]
    values = [p["relay_added_ms"]["latency_ms"]["p99"] for p in sweep + res["repeats"]]
    known = sorted(v for v in values if v is not None)
    return {
        "n": n,
        "phases": len(values),
        "from_sweep": len(sweep),
        "added_p99_ms": values,
        "median_ms": statistics.median(known) if known else None,
        "max_ms": known[-1] if known else None,
        "within_limit": sum(1 for v in known if v <= limit_ms),
        "limit_ms": limit_ms,
    }


def targets(res: dict[str, Any], summary: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    phases = res.get("phases", [])
    at500 = next((p for p in phases if p["n"] == 500), None)
    if at500:
        v = at500["relay_added_ms"]["latency_ms"]["p99"]
        own = at500["relay_added_ms"]["own_latency_ms"]["p99"]
        target = {
            "target": "added p99 per token at 500 streams <= 5 ms",
            "value_ms": v,
            "met": v is not None and v <= 5,
            "note": f"excluding the hold-back (from the release chunk's send time): {own} ms",
        }
        rep = summary.get("repeats")
        if rep and rep["n"] == 500:  # met only if it holds in every phase at N=500, not just the sweep's
            target["met"] = rep["within_limit"] == rep["phases"]
            target["within_limit"] = f"{rep['within_limit']} of {rep['phases']}"
            target["note"] = (
                f"within 5 ms in {rep['within_limit']} of {rep['phases']} phases at N=500 (the sweep's and "
                f"{rep['phases'] - rep['from_sweep']} repeats on fresh relays; median {_f(rep['median_ms'])} ms, worst "
                f"{_f(rep['max_ms'])} ms); " + target["note"]
            )
        out.append(target)
    else:
        out.append({"target": "added p99 per token at 500 streams <= 5 ms", "met": None, "note": "N=500 not run"})
    rl, ll = summary.get("relay", {}), summary.get("litellm")
    rx = summary.get("relay_excluding_holdback", {})
    if ll is not None:
        r_n, l_n, rx_n = (
            rl.get("max_n_added_p99_le_50ms"),
            ll.get("max_n_added_p99_le_50ms"),
            rx.get("max_n_added_p99_le_50ms"),
        )

        def ratio(a: Any, b: Any) -> float | None:
            return round(a / b, 2) if a and b else None

        out.append(
            {
                "target": "sustainable concurrency >= 5x LiteLLM's",
                "relay": r_n,
                "relay_excluding_holdback": rx_n,
                "litellm": l_n,
                "ratio": ratio(r_n, l_n),
                "ratio_excluding_holdback": ratio(rx_n, l_n),
                "met": (r_n is not None and l_n is not None and r_n >= 5 * l_n) if l_n else None,
                "note": "bounded by the largest N run" if r_n == max(p["n"] for p in phases) else "",
            }
        )
    else:
        out.append(
            {
                "target": "sustainable concurrency >= 5x LiteLLM's",
                "met": None,
                "note": res.get("litellm", {}).get("install", "LiteLLM not run"),
            }
        )
    fo = res.get("failover")
    b = ((fo or {}).get("beyond_threshold_ms") or {}).get("p99")
    out.append(
        {
            "target": "failover gap <= stall threshold + fallback first-token time + 50 ms",
            "value_ms": b,
            "met": None if fo is None else b is not None and b <= 50,
            "note": "not run" if fo is None else "p99 of gap - threshold - fallback first-token time",
        }
    )
    rr = (res.get("redis") or {}).get("resume_other_instance", {})
    rp = (rr.get("first_event_ms") or {}).get("p99")
    out.append(
        {
            "target": "resume p99 <= 10 ms with Redis on loopback",
            "value_ms": rp,
            "met": (rp <= 10) if rp is not None else None,
            "note": ""
            if rp is not None
            else str(
                (res.get("redis") or {}).get("skipped") or (res.get("redis") or {}).get("error") or "not measured"
            ),
        }
    )
    return out + idle_targets(res)


def idle_targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    """/healthz while the idle streams wait, and their memory each (issue 22: at 10,000 streams in one process)."""
    idle = res.get("idle_memory")
    if idle is None:
        return [
            {
                "target": f"/healthz within {HEALTHZ_MS_LIMIT:g} ms while idle streams wait",
                "met": None,
                "note": "not run",
            },
            {"target": f"memory per idle stream <= {IDLE_KB_LIMIT:g} KB", "met": None, "note": "not run"},
        ]
    k, healthz = idle["streams"], idle["healthz_ms"]
    where = f"{k} streams open"
    if idle.get("without_reader"):
        where += f", {idle['without_reader']} of them without a reader (fd limit {idle['fd_limit']})"
    slowest = healthz.get("max")
    return [
        {
            "target": f"/healthz within {HEALTHZ_MS_LIMIT:g} ms while idle streams wait",
            "value_ms": slowest,
            "met": slowest is not None and slowest <= HEALTHZ_MS_LIMIT and not healthz["errors"],
            "note": f"the slowest of {healthz['n']} (p50 {_f(healthz['p50'], 2)}, p99 {_f(healthz['p99'], 2)} ms, "
            f"{healthz['errors']} errors), {where}",
        },
        {
            "target": f"memory per idle stream <= {IDLE_KB_LIMIT:g} KB",
            "value_kb": idle["kb_per_stream"],
            "met": idle["kb_per_stream"] <= IDLE_KB_LIMIT,
            "note": f"RSS +{idle['delta_kb']} KB, {where}"
            + ("" if k >= 10_000 else " (the issue's figure is at 10,000)"),
        },
    ]


def relay_features() -> dict[str, bool]:
    """What the relay has at run time (features being built elsewhere are measured only once they exist)."""
    from relay import config as config_module

    fields_ = set(getattr(config_module.Config, "__dataclass_fields__", {}))
    feats = {"accounting": "accounting" in fields_}
    feats["holdback_option"] = "holdback" in getattr(config_module.RouteConfig, "__dataclass_fields__", {})
    feats["observability"] = "metrics" in getattr(config_module.ServerConfig, "__dataclass_fields__", {})
    try:
        import relay.log.redis_store  # noqa: F401

        feats["redis_store"] = True
    except Exception:
        feats["redis_store"] = False
    return feats


def source_state() -> dict[str, Any]:
    """The commit the relay under test runs from, and whether its code differs from it (read-only git)."""
    out: dict[str, Any] = {}
    with contextlib.suppress(Exception):
        out["commit"] = subprocess.run(
            check=False, args=["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            check=False,
            args=["git", "status", "--porcelain", "relay", "providers", "splice"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.split("\n")
        out["uncommitted_relay_files"] = [line[3:] for line in dirty if line.strip()]
    return out


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = os.getloadavg()
    return {
        "nproc": os.cpu_count(),
        "affinity": sorted(os.sched_getaffinity(0)),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_at_start": [round(x, 2) for x in load],
    }


def run(options: Options) -> tuple[dict[str, Any], dict[str, list[float]]]:
    bench = Bench(options)
    options.out_dir.mkdir(parents=True, exist_ok=True)
    loop = client.new_loop()
    asyncio.set_event_loop(loop)
    isolation = CoreIsolation(bench.server_cpus) if options.isolate and bench.server_cpus else None
    try:
        if isolation is not None:
            isolation.isolate()
            bench.results["isolation"] = isolation.summary()
            bench.results["pinning"] = bench.pinning = (
                f"{bench.pinning}; the machine's other tasks kept off CPU {','.join(map(str, sorted(isolation.cpus)))} "
                f"for the run ({isolation.moved} moved, {isolation.refused} could not be)"
            )
        elif options.isolate:
            bench.notes.append("--isolate: one CPU only, nothing to isolate")
        results = loop.run_until_complete(bench.run())
        return results, getattr(bench, "_cdf", {})
    finally:
        if isolation is not None:
            isolation.restore()
        bench.stop_all()
        loop.close()
        if options.smoke:
            shutil.rmtree(bench.workdir, ignore_errors=True)
        else:  # process logs and configs, for a look after a full run
            sys.stderr.write(f"process logs and configs kept in {bench.workdir}\n")
