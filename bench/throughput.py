"""Job throughput: N small jobs (iris, logistic regression) submitted at once to the real
app with two workers, against a plain loop doing the same fits in one process. Each job's
native thread pools are held to its budget (workers x threads <= cores), so workers do
not fight over the cores.

    python -m bench.throughput [--jobs 50] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import urllib.request
from pathlib import Path

from bench.server import running_app

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = {"nodes": [
    {"id": "d", "type": "dataset", "config": {"dataset_id": "iris", "target_column": "target",
                                               "problem_type": "classification"}},
    {"id": "p", "type": "preprocessing", "config": {"operations": [{"method": "standard_scaler"}]}},
    {"id": "s", "type": "split", "config": {}},
    {"id": "m", "type": "model", "config": {"algorithm": "logistic_regression"}},
    {"id": "e", "type": "evaluate", "config": {"metrics": ["accuracy"]}}],
    "edges": [{"source": a, "target": b} for a, b in (("d", "p"), ("p", "s"), ("s", "m"), ("m", "e"))]}


def plain_loop(n: int) -> float:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_iris(return_X_y=True, as_frame=True)
    started = time.perf_counter()
    for _ in range(n):
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=42, stratify=y)
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X_tr, y_tr)
        accuracy_score(y_te, model.predict(X_te))
    return time.perf_counter() - started


def get(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


def run_jobs(n: int, threads: int | None) -> tuple[float, list[float]]:
    env = {"PLAYGROUND_JOB_THREADS": str(threads)} if threads else {}
    with running_app("--workers", "2", env=env, ready=lambda base: get(f"{base}/api/v1/health")["live"] >= 2) as app:
        base = app.base
        time.sleep(3)  # the job hosts finish warming

        def submit():
            # every job fits again, as every pass of the plain loop does: the node cache would
            # otherwise serve the 50 identical jobs from the first one's results
            req = urllib.request.Request(f"{base}/api/v1/workflows/execute",
                                         data=json.dumps({**WORKFLOW, "rerun": "all"}).encode(),
                                         method="POST", headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=30) as r:
                return json.loads(r.read())["job_id"]

        for job in [submit(), submit()]:  # warm both workers
            while get(f"{base}/api/v1/jobs/{job}")["status"] not in ("completed", "failed"):
                time.sleep(0.1)
        started = time.perf_counter()
        ids = [submit() for _ in range(n)]
        # one status read per look, of the first job not yet seen ending (they end about in
        # order): reading all 50 every 0.2 s was 250 requests a second on the web process,
        # competing with the jobs for the two cores
        ended, waiting = ("completed", "failed", "cancelled"), list(ids)
        while waiting:
            if get(f"{base}/api/v1/jobs/{waiting[0]}")["status"] in ended:
                waiting.pop(0)
                continue
            time.sleep(0.05)
        wall = time.perf_counter() - started
        jobs = [get(f"{base}/api/v1/jobs/{j}") for j in ids]
        if any(j["status"] != "completed" for j in jobs):
            raise SystemExit("a benchmark job did not complete")
        return wall, [j["completed_at"] - j["started_at"] for j in jobs]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.throughput")
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--compare-unbounded", action="store_true",
                        help="also run with every job's native pools using every core")
    args = parser.parse_args(argv)
    plain_loop(args.jobs)  # warm: scikit-learn's first calls, as the app's job hosts are warm
    before = plain_loop(args.jobs)
    print(f"{args.jobs} small jobs (iris, scaler + logistic regression), 2 workers, {os.cpu_count()} cores")
    settings = [("thread budget (default)", None)]
    if args.compare_unbounded:
        settings.append(("no budget (every core per job)", os.cpu_count()))
    runs = [(label, *run_jobs(args.jobs, threads)) for label, threads in settings]
    # the loop again after the app: this machine's speed moves by a third within minutes, so
    # the app is set against the mean of the loop before and after it
    after = plain_loop(args.jobs)
    plain = (before + after) / 2
    print(f"plain loop in one process:            {args.jobs / plain * 60:7.0f} jobs/min  "
          f"({plain / args.jobs:.4f} s per job; {args.jobs / before * 60:.0f} before the app, "
          f"{args.jobs / after * 60:.0f} after)")
    for label, wall, per_job in runs:
        print(f"app, {label:<32} {args.jobs / wall * 60:7.0f} jobs/min  (median {statistics.median(per_job):.3f} s "
              f"per job, {plain / wall:.2f} x the plain loop's rate; target >= 0.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
