"""Run ``migration-checks`` in this process and report what it cost, for the resource bounds.

    python -m tests.adversarial.measure REPORT.json check PATH --policy FILE ...

The command's own stdout and stderr pass through. REPORT.json gets the exit code, the wall
time and two memory figures:

- ``self_mb``: this process's peak resident size (``VmHWM``; not ``getrusage``, whose
  ``ru_maxrss`` carries over the peak of the process that forked this one);
- ``tree_mb``: the peak, sampled every 10 ms, of the proportional set size (PSS) summed over
  this process and all its descendants (the secret scan's forked workers): pages that a fork
  shares are counted once, not once per process as summed RSS would.

``peak_mb`` is the larger of the two: the figure the 256 MB bound applies to.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path


def _kb(path: str, field: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                pending.extend(int(c) for c in (task / "children").read_text().split())
            except (OSError, ValueError):
                continue
    return found


class TreeSampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kb = 0
        self.done = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.done.wait(0.01):
            total = sum(_kb(f"/proc/{pid}/smaps_rollup", "Pss:") for pid in _descendants(me))
            self.peak_kb = max(self.peak_kb, total)


def main() -> int:
    report, *args = sys.argv[1:]
    from migration_checks.cli import main as cli
    from migration_checks.parallel import MAX_WORKERS, usable_cores

    sampler = TreeSampler()
    sampler.start()
    started = time.monotonic()
    code = 0
    try:
        cli.main(args, prog_name="migration-checks", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    wall = time.monotonic() - started
    sampler.done.set()
    sampler.join()
    self_mb = _kb("/proc/self/status", "VmHWM:") / 1024
    tree_mb = sampler.peak_kb / 1024
    Path(report).write_text(
        json.dumps(
            {
                "exit": code,
                "wall_s": round(wall, 2),
                "self_mb": round(self_mb, 1),
                "tree_mb": round(tree_mb, 1),
                "peak_mb": round(max(self_mb, tree_mb), 1),
                "workers": min(usable_cores(), MAX_WORKERS),
            }
        ),
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
