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

from bench.server import ROOT, running_app


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
    try:  # the zygote, its upload helpers and the job host are forked from the web process (data.ingest)
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
        if comm in ("upload-zygote", "upload-helper"):
            return comm.replace("-", " ")
        if comm == "job-host":  # a job process forked by the host keeps its name
            parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
            return "job process" if Path(f"/proc/{parent}/comm").read_text().strip() == "job-host" else "job host"
    except (OSError, ValueError, IndexError):
        pass
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "?"
    try:
        parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        if b"forkserver" in cmd.encode() and b"forkserver" in Path(f"/proc/{parent}/cmdline").read_bytes():
            return "job process"  # forked by the job host
    except (OSError, ValueError, IndexError):
        pass
    for word, name in (("app.py", "web"), ("forkserver", "job host"),
                       ("executor.consumer", "consumer or worker"), ("multiprocessing", "worker")):
        if word in cmd:
            return name
    return cmd[:40]


def measure(app) -> list[tuple[str, int]]:
    return sorted(((role(p), pss(p)) for p in tree(app.pid)), key=lambda r: -r[1])


def say(title: str, parts: list[tuple[str, int]], target: str = "") -> int:
    total = sum(v for _, v in parts)
    print(f"{title}: {total / 2**20:.0f} MB PSS in {len(parts)} processes{target}")
    print("  " + ", ".join(f"{name} {v / 2**20:.0f}" for name, v in parts))
    return total


def main(argv=None, settle: float = 20.0) -> dict:
    import json

    from bench.__main__ import one_run

    with running_app() as app:
        time.sleep(settle)  # the job host preloads, the upload helper warms, the workers start
        parts = measure(app)
        workflow = json.loads((ROOT / "examples" / "classification.json").read_text())
        for _ in range(2):  # each worker keeps its job process for its next job, for a minute
            one_run(app.base, workflow, rerun="all")
        time.sleep(3)
        after = measure(app)
    total = say(f"idle footprint (make run's processes, {settle:.0f} s after start)", parts, " (target <= 450 MB)")
    say("after two runs of the classification example (each worker's job process kept for its next job, "
        "for a minute)", after)
    return {"total_bytes": total, "processes": parts, "after_runs": after}


if __name__ == "__main__":
    main(sys.argv[1:])
    sys.exit(0)
