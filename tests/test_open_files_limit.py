"""`splice-relay serve` takes the hard limit on open files: each open stream holds two sockets."""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .support import free_port


def test_serve_raises_the_soft_open_files_limit_to_the_hard_one() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    lowered = min(256, hard)

    def lower() -> None:  # in the child before exec: a service manager's usual soft limit, below the hard one
        resource.setrlimit(resource.RLIMIT_NOFILE, (lowered, hard))

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "relay", "serve", "--port", str(port), "--log-level", "warning", "--workers", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=lower,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "the relay did not start"
            time.sleep(0.1)
        limits = Path(f"/proc/{process.pid}/limits").read_text()
        line = next(line for line in limits.splitlines() if line.startswith("Max open files"))
        expected = [str(hard), str(hard)] if hard != resource.RLIM_INFINITY else [str(lowered), "unlimited"]
        assert line.split()[3:5] == expected
    finally:
        process.terminate()
        process.wait(timeout=30)
