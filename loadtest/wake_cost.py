"""What a wake-up of a sleeping process costs on this machine: ``python -m loadtest.wake_cost``.

A process sleeps 5 ms at a time, 400 times, pinned to one core: first with the core otherwise
idle, then with a busy loop on the same core. The CPU time charged to it per wake-up is the
price of every idle moment of an event loop; on a virtual machine where a halted core is woken
through the hypervisor it is many times a bare machine's, and it is what makes one process
carrying half the load pay more per token (docs/benchmarks.md, `--workers`).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

SPINNER = "while True: pass  # loadtest.wake_cost's busy loop"


def charged_per_wake(sleeps: int, sleep_s: float) -> float:
    """CPU seconds this process is charged per `time.sleep(sleep_s)`."""
    started = time.process_time()
    for _ in range(sleeps):
        time.sleep(sleep_s)
    return (time.process_time() - started) / sleeps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest.wake_cost")
    parser.add_argument("--sleeps", type=int, default=400)
    parser.add_argument("--sleep-ms", type=float, default=5.0)
    args = parser.parse_args(argv)
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    idle = charged_per_wake(args.sleeps, args.sleep_ms / 1000)
    spinner = subprocess.Popen([sys.executable, "-c", SPINNER], stdout=subprocess.DEVNULL)  # inherits the core
    try:
        time.sleep(0.2)
        busy = charged_per_wake(args.sleeps, args.sleep_ms / 1000)
    finally:
        spinner.kill()
        spinner.wait()
    print(f"CPU charged per wake-up on core {core}: idle core {idle * 1e6:.1f} us, busy core {busy * 1e6:.1f} us")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
