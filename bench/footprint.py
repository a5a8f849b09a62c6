"""Idle footprint (issue 17): the app as `make run` starts it (web, upload helper, Huey
consumer, its workers and the preloaded job host), left to warm up, then the proportional
set size (PSS: shared pages split between the processes that share them) of every process
in its tree, from /proc/<pid>/smaps_rollup. Target: at most 450 MB, without slowing a job's
start (the run section's POST -> first running).

    python -m bench.footprint
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bench.server import running_app


def _children() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            out.setdefault(parent, []).append(int(entry.name))
    return out


def tree(pid: int) -> list[int]:
    children, out, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def role(pid: int) -> str:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "?"
    for word, name in (("app.py", "web"), ("data.ingest", "upload helper"), ("forkserver", "job host"),
                       ("executor.consumer", "consumer or worker"), ("multiprocessing", "worker")):
        if word in cmd:
            return name
    return cmd[:40]


def main(argv=None, settle: float = 20.0) -> dict:
    with running_app() as app:
        time.sleep(settle)  # the job host preloads, the upload helper warms, the workers start
        pids = tree(app.pid)
        parts = sorted(((role(p), pss(p)) for p in pids), key=lambda r: -r[1])
    total = sum(v for _, v in parts)
    print(f"idle footprint (make run's processes, {settle:.0f} s after start): {total / 2**20:.0f} MB PSS in "
          f"{len(parts)} processes (target <= 450 MB)")
    print("  " + ", ".join(f"{name} {v / 2**20:.0f}" for name, v in parts))
    return {"total_bytes": total, "processes": parts}


if __name__ == "__main__":
    main(sys.argv[1:])
    sys.exit(0)
