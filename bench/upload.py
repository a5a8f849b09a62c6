"""Upload speed and memory: a CSV of N rows x 23 columns POSTed to the running app, against
the anchor a plain script sets (pandas.read_csv(engine="pyarrow") + to_parquet), in time
and in peak memory above the process's resting size.

    python -m bench.upload [--rows 10000 100000 1000000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from bench.server import multipart, running_app

ROOT = Path(__file__).resolve().parent.parent

ANCHOR = """
import resource, sys, time
import pandas as pd, pyarrow
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096
base = rss()
t = time.perf_counter()
df = pd.read_csv(sys.argv[1], engine="pyarrow")
df.to_parquet(sys.argv[2], index=False)
took = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(took, peak - base)
"""


def make_csv(rows: int, path: Path) -> None:
    """N rows x 23 columns (numbers, whole numbers, categories, an id, a date, a label),
    written by pyarrow (pandas took 7 s for 300,000 rows); the tests' large uploads too."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(0)
    cols = {f"num{i}": rng.normal(size=rows).round(4) for i in range(10)}
    cols.update({f"int{i}": rng.integers(0, 1000, rows) for i in range(5)})
    cols.update({f"cat{i}": rng.choice([f"level_{k}" for k in range(20)], rows) for i in range(5)})
    cols["ref"] = [f"R{i:08d}" for i in range(rows)]
    cols["day"] = np.datetime64("2020-01-01") + rng.integers(0, 1500, rows).astype("timedelta64[D]")
    cols["label"] = rng.choice(["yes", "no"], rows)
    pacsv.write_csv(pa.table(cols), path)


def anchor(csv: Path) -> tuple[float, int]:
    out = tempfile.mktemp(suffix=".parquet")
    res = subprocess.run([sys.executable, "-c", ANCHOR, str(csv), out], capture_output=True, text=True, check=True)
    took, peak = res.stdout.split()
    Path(out).unlink(missing_ok=True)
    return float(took), int(peak)


def family_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            p = int(entry.name)
            if p == pid or _descends(p, pid):
                total += int((entry / "statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
        del fields
    return total


def _descends(p: int, root: int) -> bool:
    seen = 0
    while p > 1 and seen < 50:
        try:
            p = int(Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            return False
        if p == root:
            return True
        seen += 1
    return False


def web_processes(server_pid: int) -> list[int]:
    """The web process, the upload helpers' zygote and its helper (data.ingest forks them
    from the web process), not the Huey consumer tree (jobs)."""
    out = [server_pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                name = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if name in ("upload-zygote", "upload-helper") and _descends(int(entry.name), server_pid):
                out.append(int(entry.name))
    return out


def rss_of(pids) -> int:
    total = 0
    for p in pids:
        try:
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            pass
    return total


def upload(base: str, csv: Path, server_pid: int) -> tuple[float, int, dict]:
    import json

    body, ctype = multipart(csv.name, csv.read_bytes())
    pids = web_processes(server_pid)
    base_rss = rss_of(pids)
    peak, stop = [base_rss], threading.Event()

    def sample():
        # cheap: read the known processes' statm every 10 ms, look for new ones every 0.5 s
        # (scanning /proc each time would steal the CPU the upload needs)
        watched, last_scan = pids, time.monotonic()
        while not stop.is_set():
            if time.monotonic() - last_scan > 0.5:
                watched, last_scan = web_processes(server_pid), time.monotonic()
            peak[0] = max(peak[0], rss_of(watched))
            time.sleep(0.01)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    req = urllib.request.Request(f"{base}/api/v1/datasets", data=body, method="POST",
                                 headers={"Content-Type": ctype})
    started = time.perf_counter()
    with urllib.request.urlopen(req, timeout=600) as r:
        record = json.loads(r.read())
    took = time.perf_counter() - started
    stop.set()
    t.join()
    return took, peak[0] - base_rss, record


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.upload")
    parser.add_argument("--rows", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--app", default=str(ROOT), help="the checkout to run (for before/after figures)")
    parser.add_argument("--repeat", type=int, default=3, help="medians of this many uploads and anchors")
    args = parser.parse_args(argv)
    with running_app("--no-worker", env={"PLAYGROUND_MAX_UPLOAD_MB": "2000"}, cwd=args.app) as app:
        base = app.base
        time.sleep(2)  # let the app finish warming up
        print(f"upload of an N x 23 CSV vs pandas.read_csv(engine='pyarrow') + to_parquet (medians of {args.repeat})")
        print(f"{'rows':>10} {'anchor s':>9} {'app s':>8} {'x':>5} {'anchor MB':>10} {'app MB':>8} {'x':>5}")
        for rows in args.rows:
            csv = Path(tempfile.mkdtemp()) / f"bench-{rows}.csv"
            make_csv(rows, csv)
            # in turn, an anchor then an upload: each pair sees the same moment of the machine
            # (this VM's anchor alone moved from 1.10 s to 1.61 s between runs)
            anchors, ours = [], []
            for _ in range(args.repeat):
                anchors.append(anchor(csv))
                ours.append(upload(base, csv, app.pid))
            assert all(r[2]["n_rows"] == rows for r in ours), ours[0][2]
            a_time, a_mem = statistics.median(a[0] for a in anchors), statistics.median(a[1] for a in anchors)
            took, mem = statistics.median(r[0] for r in ours), statistics.median(r[1] for r in ours)
            paired = statistics.median(r[0] / a[0] for r, a in zip(ours, anchors))
            print(f"{rows:>10,} {a_time:>9.2f} {took:>8.2f} {took / a_time:>5.2f} {a_mem / 2**20:>10.0f} "
                  f"{mem / 2**20:>8.0f} {mem / max(a_mem, 1):>5.2f}   pairs: {paired:.2f}x", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
