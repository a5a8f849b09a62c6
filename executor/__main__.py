"""Command line: run a workflow file headless.

    python -m executor run WORKFLOW.json [--data [NODE_ID=]TABLE] [--artifacts DIR] [--json] [-v]

WORKFLOW.json is a workflow as `GET /api/v1/workflows/{id}` returns it and the editor
exports it, or with its nodes and edges at the top (the examples): nodes.graph.read_workflow
reads both.

Without --data it runs against the app's home folder (PLAYGROUND_HOME, default ./var), so a
workflow that uses an uploaded dataset runs here as it does in the app.

With --data it needs no app at all: the table (CSV, TSV, Parquet: whatever an upload takes)
is read by the app's own ingest code (data.ingest.ingest_path, with the upload limits of
PLAYGROUND_MAX_UPLOAD_MB and PLAYGROUND_MAX_CELLS) into a temporary folder, and the Dataset
node reads it instead of its dataset: validation and the run see its profile, as the app
would after an upload. No database is opened and nothing is written to the home folder.

    python -m executor run wf.json --data path/to/table.csv
    python -m executor run wf.json --data train=a.csv --data extra=b.parquet   # several Dataset nodes

Dataset nodes not named by --data keep their dataset: a sample, or an upload in the app's home
folder when it has one; a file read for a node whose dataset is in that home is read with that
dataset's choices (ids, types set on its page), as the app reads it.

Prints each node's status and every warning as they happen, then the final metrics; exits
0 when every node completed, 1 when the run failed, 2 when the workflow is not valid or
cannot be read, or a --data file cannot be used (unreadable, not a table, without the
target column, or several Dataset nodes and no NODE_ID to say which one reads it).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path


class Refused(Exception):
    """The run cannot start; the message is a sentence for the user (exit 2)."""


def artifact_file(out_dir: Path, node_id: str, name: str, written: set) -> Path:
    """The file in `out_dir` an artifact is written to, named after its node and itself, and
    inside that folder whatever they hold: a node id "../../x" wrote outside it. Characters
    other than letters, digits, dot, dash and underscore become "_", a leading dot goes, and
    two artifacts whose names come out the same do not overwrite each other."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{node_id}-{name}").lstrip(".")[:150] or "artifact"
    target, n = out_dir / stem, 1
    while target in written:
        n += 1
        target = out_dir / f"{n}-{stem}"
    written.add(target)
    return target

def _fmt(value) -> str:
    if isinstance(value, float):
        from plugins.numbers import fmt_number

        return fmt_number(value)  # as the app's results write it
    if isinstance(value, dict) and "matrix" in value:
        return "matrix " + " ".join(str(row) for row in value["matrix"])
    if isinstance(value, dict):
        return "(table)"
    return str(value)


def read_workflow_file(path: Path) -> dict:
    from nodes.graph import GraphError, read_workflow

    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise Refused(f"{path}: there is no such file.") from None
    except IsADirectoryError:
        raise Refused(f"{path} is a folder: give the workflow's JSON file.") from None
    except (OSError, ValueError) as e:
        raise Refused(f"{path} cannot be read ({e.strerror if isinstance(e, OSError) and e.strerror else e}).") \
            from None
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise Refused(f"{path} is not a workflow's JSON (line {getattr(e, 'lineno', '?')}, column "
                      f"{getattr(e, 'colno', '?')}: {getattr(e, 'msg', e)}): export one from the editor, or take "
                      "GET /api/v1/workflows/<id>.") from None
    try:  # what the API returns (the graph under "graph") or nodes and edges at the top
        return read_workflow(doc)[1]
    except GraphError as e:
        raise Refused(f"{path}: {e.message}") from None


def data_files(values: list[str], workflow: dict) -> dict[str, Path]:
    """--data [NODE_ID=]PATH, each: which Dataset node reads which file. A bare path goes
    to the only Dataset node; with several, it must say which."""
    from nodes.registry import node_types

    types = node_types()
    readers = [n["id"] for n in workflow["nodes"] if getattr(types.get(n["type"]), "dataset_param", None)]
    listed = ", ".join(repr(r) for r in readers)
    out: dict[str, Path] = {}
    for value in values:
        node_id, sep, path = value.partition("=")
        if not (sep and (node_id in readers or not Path(value).exists())):
            node_id, path = None, value  # a bare path (which may hold a "=")
        if not readers:
            raise Refused(f"--data {value}: the workflow has no Dataset node to read it.")
        if node_id is None:
            if len(readers) > 1:
                raise Refused(f"--data {value}: the workflow has {len(readers)} Dataset nodes ({listed}); say which "
                              f"one reads the file, e.g. --data {readers[0]}={value}.")
            node_id = readers[0]
        elif node_id not in readers:
            raise Refused(f"--data {value}: the workflow has no Dataset node {node_id!r}; its Dataset "
                          f"node{'s are' if len(readers) > 1 else ' is'} {listed}.")
        if node_id in out:
            raise Refused(f"--data gives the Dataset node {node_id!r} two files; it reads one.")
        out[node_id] = Path(path)
    return out


def ingest_data(workflow: dict, files: dict[str, Path], folder: Path, options=None) -> tuple[dict, dict]:
    """Each file read as the app reads an upload, into `folder`; the workflow with each
    Dataset node set to its table, and the ingest records by node id. `options`: by node id,
    the reading choices to read its file with (those its dataset has in the app's home)."""
    from data import datasets
    from data.config import settings
    from data.ingest import Limits, ingest_path
    from nodes.registry import node_types

    cfg = settings()  # the upload limits only: nothing is created in the home folder
    limits = Limits(max_bytes=cfg.max_upload_bytes, max_columns=datasets.MAX_COLUMNS, max_cells=cfg.max_cells)
    workflow, records = copy.deepcopy(workflow), {}
    for node_id, src in files.items():
        if src.is_dir():
            raise Refused(f"--data {src} is a folder: give the table's file (CSV, TSV, Excel or Parquet).")
        if not src.is_file():
            raise Refused(f"--data {src}: there is no file there.")
        try:
            record = ingest_path(src, src.name, folder, limits, options=(options or {}).get(node_id) or None)
        except datasets.DatasetError as e:
            raise Refused(f"{src} cannot be read as a table: {e}") from None
        except OSError as e:
            raise Refused(f"cannot read {src}: {e.strerror or e}.") from None
        os.replace(record["tmp_path"], record["path"])
        os.replace(record["sample_tmp"], record["sample_path"])
        node = next(n for n in workflow["nodes"] if n["id"] == node_id)
        node["config"] = {**(node.get("config") or {}), node_types()[node["type"]].dataset_param: record["id"]}
        records[node_id] = record
    return workflow, records


def _home():
    """(the app's store, its dataset facts) when its home folder (PLAYGROUND_HOME) has a
    database, else (None, None): nothing is created."""
    from data.config import settings

    cfg = settings()
    if not cfg.db_path.exists():
        return None, None
    from data.store import open_store
    from executor.facts import dataset_facts_for

    store = open_store(cfg.ensure())
    return store, dataset_facts_for(store)


def _choices(options: dict) -> str:
    said = [f"{name} as {kind}" for name, kind in (options.get("types") or {}).items()]
    said += [f"{name}: {role}" for name, role in (options.get("roles") or {}).items()]
    if options.get("encoding") not in (None, "", "auto"):
        said.append(f"encoding {options['encoding']}")
    if options.get("sheet") not in (None, ""):
        said.append(f"sheet {options['sheet']}")
    if options.get("member") not in (None, ""):
        said.append(f"archive table {options['member']}")
    return ", ".join(said)


CLI_JOB = "cli"  # the job id of a run made here


def event_line(event: dict, labels: dict, elapsed: float, *, verbose: bool = False, job_id: str = CLI_JOB) -> str | None:
    """One event as the CLI prints it (None: not printed), `elapsed` seconds into the run. A
    line a node reused from the cache replays (its warnings, trials, plots drawn: the event
    carries `reused_from`) ends "· reused from run X", as the page's run log marks it, not
    read as this run's new work; a reused node's status line says where it is from."""
    from executor.engine import reused_from_said
    from plugins import registry
    from plugins.numbers import fmt_number

    nid, kind = event.get("node_id", ""), event["type"]
    head = f"{elapsed:7.2f}s  {nid:<14} {labels.get(nid, ''):<13} "
    if kind == "node_status":
        extra = ""
        if event.get("duration") is not None:
            extra = f" in {event['duration']:.2f}s"
        if event.get("message"):
            extra += f": {event['message']}"
        elif event["status"] == "cached" and event.get("reason"):
            extra += f": {event['reason']}"  # "reused from run X (its 0.42 s of work)"
        looped = f" (round {event['round']}/{event['rounds']})" if event.get("round") else ""
        return f"{head}{event['status']}{looped}{extra}"  # its own status: never marked as a replay
    if kind == "node_round":
        change = f" ({event['change']})" if event.get("change") else ""
        said = f"round {event['round']} of {event['rounds']}{change}: {event.get('message') or ''}"
    elif kind == "node_warning":
        said = f"warning: {event['message']}"
    elif kind == "node_log":
        said = event["message"]
    elif kind == "node_trial":
        value = "failed" if event.get("value") is None else registry.metric_text(event["metric"], event["value"])
        best = "" if event.get("best") is None else f", best {fmt_number(event['best'])}"
        said = f"trial {event['number'] + 1}/{event['n_trials']}: {value}{best}"
    elif kind == "node_progress" and verbose:
        said = f"{event['progress']:.0%} {event.get('message', '')}"
    else:
        return None
    if event.get("reused_from"):
        said += f" · reused from {reused_from_said(event['reused_from'], job_id)}"
    return head + said


def run(args) -> int:
    with ExitStack() as stack:
        try:
            return _run(args, stack)
        except Refused as e:
            print(f"error: {e}", file=sys.stderr)
            return 2


def _run(args, stack: ExitStack) -> int:
    from data import datasets
    from executor.engine import default_dataset_facts, run_workflow, validate_workflow
    from executor.facts import upload_facts
    from plugins import registry
    from plugins.numbers import fmt_number

    path = Path(args.workflow)
    workflow = read_workflow_file(path)
    reading: dict = {}  # node id -> the file it reads (--data)
    if args.data:
        files = data_files(args.data, workflow)
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="playground-data-")))
        # the app's home, when it has one (never made here): the Dataset nodes --data does not
        # name keep their uploads, and a file read for a node whose dataset is there is read
        # with that dataset's choices (ids, types set on its page), as the app reads it
        store, home_info = _home()
        chosen = {}
        if store is not None:
            for n in workflow["nodes"]:
                if n["id"] in files:
                    found = store.get_dataset((n.get("config") or {}).get("dataset_id") or "") or {}
                    if found.get("options"):
                        chosen[n["id"]] = found["options"]
        workflow, records = ingest_data(workflow, files, folder, chosen)
        reading = {nid: str(src) for nid, src in files.items()}
        facts = {r["id"]: upload_facts(r) for r in records.values()}
        samples = default_dataset_facts(None)

        def info(dataset_id):
            return facts.get(dataset_id) or (home_info(dataset_id) if home_info else None) or samples(dataset_id)

        def load_dataset(dataset_id):
            if dataset_id in facts or store is None:
                return datasets.load_dataset(dataset_id, folder)
            return datasets.load_dataset(dataset_id, store.settings.datasets_dir)

        if not args.json:
            for nid, options in chosen.items():
                print(f"{nid}: read with the choices its dataset has in the app ({_choices(options)})", flush=True)
            for nid, r in records.items():
                print(f"{nid}: {reading[nid]}, {r['n_rows']:,} rows x {r['n_cols']} columns", flush=True)
                for notice in r.get("notices") or []:  # how it was read, as the dataset page says it
                    print(f"  {notice.get('text') if isinstance(notice, dict) else notice}", flush=True)
    else:
        from data.config import settings
        from data.store import open_store
        from executor.facts import dataset_facts_for

        # the same home folder as the app (PLAYGROUND_HOME): uploaded datasets run here too
        cfg = settings().ensure()
        info = dataset_facts_for(open_store(cfg))

        def load_dataset(dataset_id):
            return datasets.load_dataset(dataset_id, cfg.datasets_dir)

    errors = validate_workflow(workflow, dataset_facts=info)
    if errors:
        print(f"{path}: the workflow is not valid:", file=sys.stderr)
        for node_id, messages in errors.items():
            where = f"{node_id} (reading {reading[node_id]})" if node_id in reading else node_id
            for m in messages:
                print(f"  {where}: {m}", file=sys.stderr)
        return 2
    out_dir = Path(args.artifacts) if args.artifacts else None
    if out_dir:
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise Refused(f"--artifacts {out_dir}: that is a file; give a folder to write the model and plots "
                          "into.") from None
        except OSError as e:
            raise Refused(f"--artifacts {out_dir}: the folder cannot be made ({e.strerror or e}).") from None

    written: set = set()

    def save_artifact(kind, name, data, mime, node_id=""):
        if out_dir is None:
            return ""
        target = artifact_file(out_dir, node_id, name, written)
        target.write_bytes(data)
        return str(target)

    started = time.perf_counter()
    labels = {n["id"]: n.get("type", "") for n in workflow["nodes"]}

    def on_event(event):
        if args.json:
            print(json.dumps(event, default=str), flush=True)
            return
        line = event_line(event, labels, time.perf_counter() - started, verbose=args.verbose, job_id=CLI_JOB)
        if line is not None:
            print(line, flush=True)

    result = run_workflow(workflow, on_event, job_id=CLI_JOB, save_artifact=save_artifact if out_dir else None,
                          load_dataset=load_dataset, dataset_facts=info)
    if not args.json:
        for node_id, entry in result["metrics"].items():
            print(f"\nmetrics of {node_id} ({entry['algorithm']}):")
            for key, value in entry["values"].items():
                print(f"  {registry.metric_name(key):<22} {_fmt(value)}")
            cv, search = entry.get("cv"), entry.get("search")
            if search:
                value = f"{fmt_number(cv['mean'])} ± {fmt_number(cv['std'])}" if cv else fmt_number(search['best_value'])
                print(f"  selection score {registry.metric_name(search['metric']):<8} {value} (best of {search['n_trials']} trials, "
                      f"{search['folds']}-fold CV; optimistic: the test metrics above are the honest estimate)")
            elif cv:
                print(f"  cv {registry.metric_name(cv['metric']):<19} {fmt_number(cv['mean'])} ± {fmt_number(cv['std'])} "
                      f"({len(cv['folds'])} folds)")
        for p in result["plots"]:
            print(f"plot {p['key']}: {p.get('artifact_id') or p.get('error') or 'rendered'}")
        print(f"\n{result['status']} in {time.perf_counter() - started:.2f}s")
        if result.get("error"):
            print(f"error: {result['error']}", file=sys.stderr)
    return 0 if result["status"] == "completed" else 1


def _quiet_interrupted_trials() -> None:
    """Optuna logs a trial that Ctrl-C stopped as a failure, with the interrupt's traceback:
    the run's own line says it stopped (main), so that record is left out."""
    import logging

    class NotAnInterrupt(logging.Filter):
        def filter(self, record):
            return not (record.exc_info and record.exc_info[0] is KeyboardInterrupt)

    try:
        import optuna
    except ImportError:
        return
    root = optuna.logging._get_library_root_logger() if hasattr(optuna.logging, "_get_library_root_logger") else \
        logging.getLogger("optuna")
    for handler in root.handlers:
        handler.addFilter(NotAnInterrupt())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m executor", description="Run AutoML Playground workflows.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="validate and run a workflow JSON file")
    p.add_argument("workflow", help="a workflow JSON file (an Export, the API's GET, an example)")
    p.add_argument("--data", action="append", metavar="[NODE_ID=]PATH",
                   help="run on this table (CSV, TSV, Parquet) instead of the Dataset node's dataset; "
                        "NODE_ID= says which Dataset node when there are several (repeatable)")
    p.add_argument("--artifacts", help="folder to write the model and plots into")
    p.add_argument("--json", action="store_true", help="print events as JSON lines")
    p.add_argument("-v", "--verbose", action="store_true", help="print progress events too")
    args = parser.parse_args(argv)
    _quiet_interrupted_trials()
    try:
        return run(args)
    except KeyboardInterrupt:  # Ctrl-C: said in a line (it printed two library tracebacks)
        print("\nStopped: the run was interrupted (Ctrl-C); nothing after the last node shown ran.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
