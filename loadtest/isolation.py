"""Keep the machine's other tasks off the relay's core for the length of a run, and out of its way.

The relay's core is pinned for it, but nothing stops the rest of the machine from
running there too, and on a busy core each preemption of a few ms becomes a stall of
every stream (docs/benchmarks.md, caveats).

`CoreIsolation` narrows the CPU affinity of every other task that may run on the
relay's core to the remaining cores, and puts every mask back when the run ends
(tasks that exited meanwhile are skipped). Per-CPU kernel threads cannot move and
are left; so are tasks that already run only on the relay's core (the relay). It
needs the privilege to change other processes' affinity (root, or CAP_SYS_NICE);
without it, it moves what it may and says how many it could not.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def _tasks(pids: Iterable[int] | None = None) -> list[int]:
    """Every thread of these processes (default: of every process); a process's main thread's tid is its pid."""
    procs = (
        [Path(f"/proc/{pid}") for pid in pids]
        if pids is not None
        else [p for p in Path("/proc").iterdir() if p.name.isdigit()]
    )
    tids: list[int] = []
    for proc in procs:
        with contextlib.suppress(OSError):
            tids.extend(int(task.name) for task in (proc / "task").iterdir())
    return tids


class CoreIsolation:
    """While entered, no other movable task may run on `cpus` (the relay's)."""

    def __init__(self, cpus: set[int], pids: Iterable[int] | None = None) -> None:
        self.cpus = set(cpus)
        self._pids = list(pids) if pids is not None else None  # None: every process on the machine
        self._saved: dict[int, set[int]] = {}
        self.moved = 0  # tasks kept off `cpus` by the last isolate()
        self.refused = 0  # tasks whose affinity we were not allowed to change (or that cannot move)

    def __enter__(self) -> CoreIsolation:
        self.isolate()
        return self

    def __exit__(self, *exc: object) -> None:
        self.restore()

    def isolate(self) -> None:
        """Narrow every other task's affinity off `cpus`, remembering each mask for `restore`."""
        for tid in _tasks(self._pids):
            try:
                allowed = os.sched_getaffinity(tid)
            except OSError:
                continue  # gone
            rest = allowed - self.cpus
            if not rest or rest == allowed:
                continue  # only on the relay's cores (the relay itself, per-CPU kernel threads), or never there
            try:
                os.sched_setaffinity(tid, rest)
            except OSError:
                self.refused += 1
            else:
                self._saved[tid] = allowed
        self.moved = len(self._saved)

    def restore(self) -> None:
        saved, self._saved = self._saved, {}
        for tid, allowed in saved.items():
            with contextlib.suppress(OSError):  # exited meanwhile, or its tid now names another task
                os.sched_setaffinity(tid, allowed)

    def summary(self) -> dict[str, Any]:
        return {"cpus": sorted(self.cpus), "moved_tasks": self.moved, "refused_tasks": self.refused}


REALTIME_PRIORITY = 10  # SCHED_FIFO priority of the measured server: above every normal task, below the kernel's own


def realtime_prefix() -> tuple[list[str], str | None]:
    """The argv prefix that starts a server under SCHED_FIFO (`chrt`), or why it cannot.

    What `--isolate` cannot move (per-CPU kernel threads, tasks that wake on the
    relay's core before they are moved) still preempts a normal-priority relay. A
    real-time relay is preempted only by the kernel's own real-time work, and the
    kernel's real-time throttling keeps a runaway from owning the core. Threads and
    child processes inherit the policy. Needs root or CAP_SYS_NICE.
    """
    chrt = shutil.which("chrt")
    if chrt is None:
        return [], "chrt (util-linux) not found"
    prefix = [chrt, "--fifo", str(REALTIME_PRIORITY)]
    try:
        done = subprocess.run([*prefix, "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [], f"chrt failed: {exc!r}"
    if done.returncode != 0:
        return [], f"chrt refused SCHED_FIFO: {done.stderr.decode(errors='replace').strip()[:200]}"
    return prefix, None
