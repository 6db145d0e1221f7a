"""Where a waiting stream's memory goes: tracemalloc in a relay holding N streams on a silent upstream.

``python -m loadtest.idle_trace --streams 2000`` starts the fake upstream, then a relay
(``serve`` below: the CLI's uvicorn setup, with tracemalloc on), opens N streams on the
idle route (first token in 600 s) with the load tool's clients, and compares a snapshot
taken after the warm-up with one taken once every stream waits. Each allocation still
alive is charged to the innermost frame of the relay, its upstream client or its server
(not the standard library's, which they call), and summed by package, then by the relay's
own lines, per stream. Traced bytes are less than RSS (no allocator overhead, no pages).
"""

from __future__ import annotations

import argparse
import asyncio
import pickle
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import tracemalloc
from collections import defaultdict
from pathlib import Path
from typing import Any

from .bench import Scenario, relay_config
from .client import Progress, StreamResult, new_loop, open_stream, relay_request

HOST = "127.0.0.1"
_STDLIB = (sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_port(port: int, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")


# -- the traced relay ------------------------------------------------------------------


def serve(config: str, port: int, frames: int, out: Path) -> None:
    """The relay as `splice-relay serve` runs it, tracemalloc on; SIGUSR1 writes a snapshot to `out`/snap-K."""
    import uvicorn

    from relay.app import create_app
    from relay.cli import Server, tune_garbage_collector
    from relay.config import load_config

    app = create_app(load_config(config))
    server_config = uvicorn.Config(
        app, host=HOST, port=port, loop="uvloop", http="httptools", log_level="warning", log_config=None
    )
    taken = 0

    def snapshot(signum: int, frame: Any) -> None:
        nonlocal taken
        snap = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
        path = out / f"snap-{taken}"
        path.with_suffix(".tmp").write_bytes(pickle.dumps(snap))
        path.with_suffix(".tmp").rename(path)
        taken += 1

    signal.signal(signal.SIGUSR1, snapshot)
    tune_garbage_collector()
    tracemalloc.start(frames)  # after the imports: tracing them would take a minute, and the streams come later
    Server(server_config, app).run()


# -- the report ------------------------------------------------------------------------


def owner(traceback: tracemalloc.Traceback) -> tuple[str, str]:
    """(package, file:line) of the innermost frame outside the standard library, else the innermost frame's."""
    for frame in reversed(traceback):  # oldest first in a Traceback
        name = frame.filename
        if name.startswith(_STDLIB) and "site-packages" not in name:
            continue
        if "site-packages" in name:
            package = name.split("site-packages/", 1)[1].split("/", 1)[0]
        else:
            parts = Path(name).parts
            package = next((p for p in ("relay", "providers", "splice", "loadtest") if p in parts), "other")
        return package, f"{_short(name)}:{frame.lineno}"
    frame = traceback[-1]
    return "stdlib", f"{_short(frame.filename)}:{frame.lineno}"


def _short(name: str) -> str:
    for marker in ("site-packages/", "/relaylean/", "/work/main/"):
        if marker in name:
            return name.split(marker, 1)[1]
    return name.rsplit("/", 2)[-1] if "/" in name else name


def report(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, n: int, top: int) -> str:
    by_package: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_line: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for stat in after.compare_to(before, "traceback"):
        package, line = owner(stat.traceback)
        by_package[package][0] += stat.size_diff
        by_package[package][1] += stat.count_diff
        if package == "relay" or package == "stdlib":
            by_line[line][0] += stat.size_diff
            by_line[line][1] += stat.count_diff
    total = sum(size for size, _ in by_package.values())
    lines = [
        f"traced: {total / n / 1024:.2f} KB per stream over {n} streams",
        "",
        "by package (KB, blocks per stream):",
    ]
    for package, (size, count) in sorted(by_package.items(), key=lambda kv: -kv[1][0]):
        if abs(size) / n >= 8:
            lines.append(f"  {package:24} {size / n / 1024:7.2f} KB {count / n:6.1f}")
    lines += ["", "relay/ and stdlib lines (bytes, blocks per stream):"]
    for line, (size, count) in sorted(by_line.items(), key=lambda kv: -kv[1][0])[:top]:
        if abs(size) / n >= 4:
            lines.append(f"  {size / n:7.0f} B {count / n:5.2f}  {line}")
    return "\n".join(lines)


# -- the driver ------------------------------------------------------------------------


async def open_idle(port: int, n: int) -> list[asyncio.Future[Any]]:
    """N streams on the idle route, their readers open once each got its prelude."""
    results = [StreamResult("relay") for _ in range(n)]
    progress = Progress(n)
    tasks: list[asyncio.Future[Any]] = []
    for i, result in enumerate(results):
        tasks.append(
            asyncio.ensure_future(
                open_stream(relay_request(HOST, port, "idle"), progress=progress, timeout_s=3600, result=result)
            )
        )
        if i % 100 == 99:
            while sum(1 for r in results[: i + 1] if not (r.t_first_byte or r.error)) > 200:
                await asyncio.sleep(0.02)
    while sum(1 for r in results if not (r.t_first_byte or r.error)):
        await asyncio.sleep(0.1)
    errors = sum(1 for r in results if r.error)
    if errors:
        print(f"{errors} streams failed to open", file=sys.stderr)
    return tasks


async def warm(port: int) -> None:
    await asyncio.gather(*(open_stream(relay_request(HOST, port, "warm"), timeout_s=30) for _ in range(20)))


def snapshot_of(relay: subprocess.Popen[bytes], out: Path, index: int) -> tracemalloc.Snapshot:
    relay.send_signal(signal.SIGUSR1)
    path = out / f"snap-{index}"
    while not path.exists():
        time.sleep(0.2)
    snap: tracemalloc.Snapshot = pickle.loads(path.read_bytes())
    return snap


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest.idle_trace", description=__doc__.split("\n")[0])
    parser.add_argument("--streams", type=int, default=2000)
    parser.add_argument("--frames", type=int, default=30, help="traceback depth kept per allocation")
    parser.add_argument("--top", type=int, default=40, help="relay lines shown")
    parser.add_argument("--serve", nargs=3, metavar=("CONFIG", "PORT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), args.frames, Path(args.serve[2]))
        return 0
    n = args.streams
    work = Path(tempfile.mkdtemp(prefix="splice-idle-trace-"))
    up_port, relay_port = free_port(), free_port()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(subprocess.Popen([sys.executable, "-m", "loadtest.upstream", "--port", str(up_port)]))
        wait_port(up_port)
        config = work / "relay.toml"
        server = {"ping_s": 15.0, "max_generations": n + 100}
        config.write_text(
            relay_config(up_port, Scenario(20, 400), server=server, provider={"max_connections": n + 100})
        )
        command = [sys.executable, "-m", "loadtest.idle_trace", "--frames", str(args.frames), "--serve"]
        relay = subprocess.Popen([*command, str(config), str(relay_port), str(work)])
        procs.append(relay)
        wait_port(relay_port, 60)
        loop = new_loop()
        loop.run_until_complete(warm(relay_port))
        time.sleep(1)
        before = snapshot_of(relay, work, 0)
        tasks = loop.run_until_complete(open_idle(relay_port, n))
        time.sleep(2)
        after = snapshot_of(relay, work, 1)
        print(report(before, after, n, args.top))
        for task in tasks:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        loop.close()
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        for path in work.iterdir():
            path.unlink()
        work.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
