"""Command line: run a workflow file headless.

    python -m executor run examples/classification.json [--artifacts DIR] [--json]

The file is a workflow as `GET /api/v1/workflows/{id}` returns it and the editor exports it,
or with its nodes and edges at the top (the examples): nodes.graph.read_workflow reads both.

Prints each node's status and every warning as they happen, then the final metrics; exits
0 when every node completed, 1 when the run failed, 2 when the workflow is not valid or
cannot be read. Runs against the app's home folder (PLAYGROUND_HOME, default ./var), so a
workflow that uses an uploaded dataset runs here as it does in the app.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, dict) and "matrix" in value:
        return "matrix " + " ".join(str(row) for row in value["matrix"])
    if isinstance(value, dict):
        return "(table)"
    return str(value)


def run(args) -> int:
    from data import datasets
    from data.config import settings
    from data.store import open_store
    from executor.engine import run_workflow, validate_workflow
    from executor.facts import dataset_info_for
    from nodes.graph import GraphError, read_workflow

    path = Path(args.workflow)
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as e:
        print(f"error: cannot read {path}: {e}", file=sys.stderr)
        return 2
    try:  # what the API returns (the graph under "graph") or nodes and edges at the top
        _, workflow = read_workflow(doc)
    except GraphError as e:
        print(f"error: {path}: {e.message}", file=sys.stderr)
        return 2
    # the same home folder as the app (PLAYGROUND_HOME): uploaded datasets run here too
    cfg = settings().ensure()
    info = dataset_info_for(open_store(cfg))

    def load_dataset(dataset_id):
        return datasets.load_dataset(dataset_id, cfg.datasets_dir)

    errors = validate_workflow(workflow, dataset_info=info)
    if errors:
        print(f"{path}: the workflow is not valid:", file=sys.stderr)
        for node_id, messages in errors.items():
            for m in messages:
                print(f"  {node_id}: {m}", file=sys.stderr)
        return 2
    out_dir = Path(args.artifacts) if args.artifacts else None
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)

    def save_artifact(kind, name, data, mime, node_id=""):
        if out_dir is None:
            return ""
        target = out_dir / f"{node_id}-{name}"
        target.write_bytes(data)
        return str(target)

    started = time.perf_counter()
    labels = {n["id"]: n.get("type", "") for n in workflow["nodes"]}

    def on_event(event):
        if args.json:
            print(json.dumps(event, default=str), flush=True)
            return
        nid = event.get("node_id", "")
        t = f"{time.perf_counter() - started:7.2f}s"
        if event["type"] == "node_status":
            extra = ""
            if event.get("duration") is not None:
                extra = f" in {event['duration']:.2f}s"
            if event.get("message"):
                extra += f": {event['message']}"
            print(f"{t}  {nid:<14} {labels.get(nid, ''):<13} {event['status']}{extra}", flush=True)
        elif event["type"] == "node_warning":
            print(f"{t}  {nid:<14} {labels.get(nid, ''):<13} warning: {event['message']}", flush=True)
        elif event["type"] == "node_log":
            print(f"{t}  {nid:<14} {labels.get(nid, ''):<13} {event['message']}", flush=True)
        elif event["type"] == "node_trial":
            value = "failed" if event.get("value") is None else f"{event['value']:.4f}"
            best = "" if event.get("best") is None else f", best {event['best']:.4f}"
            print(f"{t}  {nid:<14} {labels.get(nid, ''):<13} trial {event['number'] + 1}/{event['n_trials']}: "
                  f"{event['metric']} {value}{best}", flush=True)
        elif event["type"] == "node_progress" and args.verbose:
            print(f"{t}  {nid:<14} {labels.get(nid, ''):<13} {event['progress']:.0%} {event.get('message', '')}")

    result = run_workflow(workflow, on_event, job_id="cli", save_artifact=save_artifact if out_dir else None,
                          load_dataset=load_dataset, dataset_info=info)
    if not args.json:
        for node_id, entry in result["metrics"].items():
            print(f"\nmetrics of {node_id} ({entry['algorithm']}):")
            for key, value in entry["values"].items():
                print(f"  {key:<22} {_fmt(value)}")
            cv, search = entry.get("cv"), entry.get("search")
            if search:
                value = f"{cv['mean']:.4f} ± {cv['std']:.4f}" if cv else f"{search['best_value']:.4f}"
                print(f"  selection score {search['metric']:<8} {value} (best of {search['n_trials']} trials, "
                      f"{search['folds']}-fold CV; optimistic: the test metrics above are the honest estimate)")
            elif cv:
                print(f"  cv {cv['metric']:<19} {cv['mean']:.4f} ± {cv['std']:.4f} ({len(cv['folds'])} folds)")
        for p in result["plots"]:
            print(f"plot {p['key']}: {p.get('artifact_id') or p.get('error') or 'rendered'}")
        print(f"\n{result['status']} in {time.perf_counter() - started:.2f}s")
        if result.get("error"):
            print(f"error: {result['error']}", file=sys.stderr)
    return 0 if result["status"] == "completed" else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m executor", description="Run AutoML Playground workflows.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="validate and run a workflow JSON file")
    p.add_argument("workflow")
    p.add_argument("--artifacts", help="folder to write the model and plots into")
    p.add_argument("--json", action="store_true", help="print events as JSON lines")
    p.add_argument("-v", "--verbose", action="store_true", help="print progress events too")
    args = parser.parse_args(argv)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
