"""The workflow engine: validate a workflow graph, then run it node by node.

Public interface (other layers rely on these names):

    validate_workflow(workflow, dataset_exists=None, dataset_info=None) -> dict[str, list[str]]
        Errors keyed by node id ("_workflow" for graph-level ones). Empty dict: valid.

    run_workflow(workflow, on_event, *, job_id="local", is_cancelled=lambda: False,
                 save_artifact=None, load_dataset=None, dataset_info=None) -> dict
        Runs in topological order. `on_event(event: dict)` is called for every change:
          {"type": "node_status", "node_id", "status": running|completed|failed|skipped,
           "duration"?, "message"?, "traceback"?, "output"?}
          {"type": "node_progress", "node_id", "progress": 0..1, "message"}
          {"type": "node_warning", "node_id", "message"}  (also listed in the node's final status)
          {"type": "metrics", "node_id", "metrics": {...}, "algorithm", "model_node_id"}
        Returns {"status": completed|failed|cancelled, "nodes": {node_id: {...}},
                 "metrics": {evaluate_node_id: {...}}, "plots": [...], "error"?}

A node failure marks it failed (message + traceback) and everything downstream skipped;
independent branches (fan-out: one split feeding several models) carry on. Cancellation is
checked between nodes and, through the RunContext, inside CV folds, Optuna trials and plots.
"""

from __future__ import annotations

import time
import traceback
import warnings
from collections import deque
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache

from nodes.base import Cancelled, NodeError, RunContext, Upstream
from nodes.registry import node_types
from plugins import tables

GRAPH = "_workflow"


# --------------------------------------------------------------------------- graph
@dataclass
class Graph:
    nodes: dict  # id -> node dict
    order: list  # topological order of node ids
    preds: dict  # id -> [ids]
    succs: dict  # id -> [ids]
    errors: dict = field(default_factory=dict)


def _add(errors: dict, key: str, message: str) -> None:
    errors.setdefault(key, [])
    if message not in errors[key]:
        errors[key].append(message)


def parse_graph(workflow) -> Graph:
    """Structure, ports and cycles. Never raises on bad input: errors are collected."""
    errors: dict = {}
    empty = Graph({}, [], {}, {}, errors)
    if not isinstance(workflow, dict):
        _add(errors, GRAPH, "A workflow must be a JSON object with nodes and edges.")
        return empty
    raw_nodes, raw_edges = workflow.get("nodes"), workflow.get("edges", [])
    if not isinstance(raw_nodes, list) or not isinstance(raw_edges, list):
        _add(errors, GRAPH, "A workflow needs a list of nodes and a list of edges.")
        return empty
    if not raw_nodes:
        _add(errors, GRAPH, "The workflow is empty: add a Dataset node to start.")
    types = node_types()
    nodes: dict = {}
    for i, n in enumerate(raw_nodes):
        if not isinstance(n, dict) or not isinstance(n.get("id"), str) or not n.get("id"):
            _add(errors, GRAPH, f"Node {i + 1} has no id.")
            continue
        nid = n["id"]
        if nid in nodes:
            _add(errors, GRAPH, f"Two nodes share the id {nid!r}.")
            continue
        if n.get("type") not in types:
            _add(errors, nid, f"Unknown node type {n.get('type')!r}.")
        if not isinstance(n.get("config", {}) or {}, dict):
            _add(errors, nid, "The node's config must be an object.")
        nodes[nid] = n
    preds = {nid: [] for nid in nodes}
    succs = {nid: [] for nid in nodes}
    seen = set()
    for e in raw_edges:
        if not isinstance(e, dict) or not isinstance(e.get("source"), str) or not isinstance(e.get("target"), str):
            _add(errors, GRAPH, "Every edge needs a source and a target node id.")
            continue
        s, t = e["source"], e["target"]
        if s not in nodes or t not in nodes:
            missing = s if s not in nodes else t
            _add(errors, GRAPH, f"An edge refers to node {missing!r}, which does not exist.")
            continue
        if s == t:
            _add(errors, s, "A node cannot be connected to itself.")
            continue
        if (s, t) in seen:
            continue
        seen.add((s, t))
        st, tt = types.get(nodes[s].get("type")), types.get(nodes[t].get("type"))
        if st and tt:
            if not st.outputs:
                _add(errors, s, f"{st.label} has no output.")
                continue
            if not tt.accepts(st.output_type):
                wanted = " or ".join(tt.inputs[0].accepts) if tt.inputs else "nothing"
                _add(errors, t, f"{tt.label} cannot take {st.label}'s output ({st.output_type}); "
                                f"it needs {wanted}.")
                continue
        preds[t].append(s)
        succs[s].append(t)
    # Kahn's algorithm: nodes left with unresolved inputs are on (or behind) a cycle.
    indeg = {nid: len(preds[nid]) for nid in nodes}
    queue = deque(nid for nid in nodes if indeg[nid] == 0)
    order = []
    while queue:
        nid = queue.popleft()
        order.append(nid)
        for t in succs[nid]:
            indeg[t] -= 1
            if indeg[t] == 0:
                queue.append(t)
    if len(order) < len(nodes):
        for nid in nodes:
            if nid not in order:
                _add(errors, nid, "This node is part of a cycle; a workflow must flow one way.")
    for nid, n in nodes.items():
        nt = types.get(n.get("type"))
        if nt is None:
            continue
        if not preds[nid] and not succs[nid] and len(nodes) > 1:
            _add(errors, nid, "This node is not connected to anything.")
        if nt.inputs and not preds[nid]:
            _add(errors, nid, f"{nt.label} needs an input: connect a node into it.")
        if len(preds[nid]) > 1:
            _add(errors, nid, f"{nt.label} takes one input; it has {len(preds[nid])}.")
    return Graph(nodes, order, preds, succs, errors)


# --------------------------------------------------------------------------- design time
@cache
def _sample_facts(dataset_id: str) -> dict:
    from data import datasets

    prof = tables.profile(datasets.load_sample(dataset_id))
    return {"columns": prof["columns"], "n_rows": prof["n_rows"], "name": datasets.SAMPLES[dataset_id]["name"]}


def default_dataset_info(datasets_dir=None) -> Callable[[str], dict | None]:
    """Dataset facts for validation: columns (with roles) and row count. Samples are
    profiled once per process; uploaded files are read from `datasets_dir`."""
    from data import datasets

    cache: dict = {}

    def info(dataset_id: str):
        if datasets.is_sample(dataset_id):
            return _sample_facts(dataset_id)
        if dataset_id in cache:
            return cache[dataset_id]
        try:
            if datasets_dir is None or not datasets.dataset_exists(dataset_id, datasets_dir):
                return None
            df = datasets.load_dataset(dataset_id, datasets_dir)
        except datasets.DatasetError:
            return None
        prof = tables.profile(df)
        cache[dataset_id] = {"columns": prof["columns"], "n_rows": prof["n_rows"], "name": dataset_id}
        return cache[dataset_id]

    return info


@dataclass
class Resolved:
    graph: Graph
    configs: dict  # node id -> clean config
    upstream: dict  # node id -> Upstream it sees
    errors: dict  # node id -> [messages]; node id -> {field: message} in field_errors
    field_errors: dict
    outputs: dict = field(default_factory=dict)  # node id -> Upstream it passes down (design time)


def resolve(workflow, dataset_info: Callable[[str], dict | None] | None = None,
            dataset_exists: Callable[[str], bool] | None = None) -> Resolved:
    """Validate every node's config in topological order, each against what flows into it."""
    graph = parse_graph(workflow)
    errors = {k: list(v) for k, v in graph.errors.items()}
    types = node_types()
    info = dataset_info or default_dataset_info()
    configs, upstreams, field_errors, outputs = {}, {}, {}, {}
    for nid in graph.order:
        node = graph.nodes[nid]
        nt = types.get(node.get("type"))
        if nt is None:
            continue
        pred = graph.preds[nid][0] if graph.preds[nid] else None
        upstream = outputs.get(pred, Upstream())
        upstreams[nid] = upstream
        config = node.get("config") or {}
        if not isinstance(config, dict):
            config = {}
        dataset = None
        if nt.type == "dataset":
            ds_id = config.get("dataset_id")
            if isinstance(ds_id, str) and ds_id:
                dataset = info(ds_id)
                if dataset is None and dataset_exists is not None and dataset_exists(ds_id):
                    dataset = {"columns": [], "n_rows": None}
            clean, ferrs = nt.validate(config, upstream, dataset)
        else:
            clean, ferrs = nt.validate(config, upstream)
        configs[nid] = clean
        if ferrs:
            field_errors[nid] = ferrs
            for message in ferrs.values():
                _add(errors, nid, message)
        outputs[nid] = nt.design_output(clean, upstream, dataset)
    return Resolved(graph, configs, upstreams, errors, field_errors, outputs)


def validate_workflow(workflow, dataset_exists=None, dataset_info=None) -> dict[str, list[str]]:
    return resolve(workflow, dataset_info=dataset_info, dataset_exists=dataset_exists).errors


def node_warnings(workflow, node_id: str, dataset_info=None) -> list[str]:
    """Advice for one node before a run (inspectors show it), from its type's `advise`."""
    r = resolve(workflow, dataset_info=dataset_info)
    node = r.graph.nodes.get(node_id)
    nt = node_types().get((node or {}).get("type"))
    if nt is None or nt.advise is None or node_id not in r.configs:
        return []
    below = [(r.graph.nodes[n].get("type"), r.configs.get(n, {})) for n in _downstream(r.graph, node_id)]
    return list(nt.advise(r.configs[node_id], r.upstream[node_id], below))


def _downstream(graph: Graph, node_id: str) -> list:
    out, queue = [], deque(graph.succs.get(node_id, []))
    while queue:
        nid = queue.popleft()
        if nid not in out:
            out.append(nid)
            queue.extend(graph.succs.get(nid, []))
    return out


# --------------------------------------------------------------------------- run time
def _output_summary(node_type: str, artifact) -> dict:
    if node_type in ("dataset", "preprocessing"):
        return {"rows": int(len(artifact.df)), "columns": int(artifact.df.shape[1]),
                "transforms": len(artifact.learned_ops)}
    if node_type == "split":
        return {"train_rows": int(len(artifact.X_train)), "test_rows": int(len(artifact.X_test)),
                "features": int(artifact.X_train.shape[1])}
    if node_type == "model":
        return {"algorithm": artifact.algorithm, "hyperparameters": artifact.hyperparameters,
                "train_seconds": round(artifact.train_seconds, 4), "cv": artifact.cv,
                "optuna": artifact.optuna, "model_artifact_id": artifact.model_artifact_id,
                "classes": artifact.classes}
    if node_type == "evaluate":
        return {"algorithm": artifact.model.algorithm, **artifact.metrics}
    if node_type == "visualize":
        return {"algorithm": artifact.model.algorithm, "plots": artifact.plots}
    return {}


@contextmanager
def library_warnings(warn: Callable[[str], None]):
    """Warnings the libraries raise while a node runs (a model that did not converge, a
    metric that is ill-defined) go to the user like the node's own: once each, live.
    Deprecation notices are for developers and stay out."""
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
            warnings.filterwarnings("ignore", category=category)

        def show(message, category, filename, lineno, file=None, line=None):
            text = " ".join(str(message).split("\n\n", 1)[0].split())
            if len(text) > 300:
                text = text[:297] + "…"
            warn(f"{category.__name__}: {text}")

        warnings.showwarning = show
        yield


def _model_node_of(graph: Graph, node_id: str) -> str | None:
    nid = node_id
    while graph.preds.get(nid):
        nid = graph.preds[nid][0]
        if graph.nodes[nid].get("type") == "model":
            return nid
    return None


def run_workflow(workflow, on_event: Callable[[dict], None], *, job_id: str = "local",
                 is_cancelled: Callable[[], bool] = lambda: False, save_artifact=None,
                 load_dataset=None, dataset_info=None, memory_note: str = "the memory available") -> dict:
    if load_dataset is None:
        from data import datasets
        from data.config import settings

        datasets_dir = settings().datasets_dir

        def load_dataset(dataset_id):
            return datasets.load_dataset(dataset_id, datasets_dir)

        dataset_info = dataset_info or default_dataset_info(datasets_dir)
    dataset_info = dataset_info or default_dataset_info()
    r = resolve(workflow, dataset_info=dataset_info)
    graph, types = r.graph, node_types()
    result = {"status": "completed", "nodes": {}, "metrics": {}, "plots": []}
    if r.errors:
        message = "; ".join(f"{k}: {' '.join(v)}" for k, v in r.errors.items())
        for nid in graph.nodes:
            status = "failed" if nid in r.errors else "skipped"
            msg = " ".join(r.errors.get(nid, [])) or "Skipped: the workflow is not valid."
            on_event({"type": "node_status", "node_id": nid, "status": status, "message": msg})
            result["nodes"][nid] = {"status": status, "message": msg}
        result.update(status="failed", error=f"The workflow is not valid: {message}", errors=r.errors)
        return result

    outputs: dict = {}
    status = {nid: "pending" for nid in graph.order}
    cancelled = False
    save = save_artifact or (lambda kind, name, data, mime: "")

    def finish(nid, st, **extra):
        status[nid] = st
        result["nodes"][nid] = {"status": st, **extra}
        on_event({"type": "node_status", "node_id": nid, "status": st, **extra})

    for nid in graph.order:
        nt = types[graph.nodes[nid]["type"]]
        if cancelled or is_cancelled():
            cancelled = True
            finish(nid, "skipped", message="Cancelled.")
            continue
        pred = graph.preds[nid][0] if graph.preds[nid] else None
        if pred is not None and status[pred] != "completed":
            finish(nid, "skipped", message=f"Skipped: {graph.nodes[pred].get('type')} node {pred!r} did not complete.")
            continue
        warnings: list = []

        def warn(message, nid=nid, warnings=warnings):
            # live: the run log shows it now, the node counts it; and kept for the results
            if message not in warnings:
                warnings.append(message)
                on_event({"type": "node_warning", "node_id": nid, "message": message})

        ctx = RunContext(
            job_id=job_id, node_id=nid,
            progress=lambda f, m="", nid=nid: on_event({"type": "node_progress", "node_id": nid,
                                                          "progress": round(max(0.0, min(1.0, f)), 4), "message": m}),
            is_cancelled=is_cancelled,
            save_artifact=lambda kind, name, data, mime, nid=nid: save(kind, name, data, mime, node_id=nid)
            if save_artifact else "",
            warn=warn, load_dataset=load_dataset, dataset_info=dataset_info,
        )
        on_event({"type": "node_status", "node_id": nid, "status": "running"})
        status[nid] = "running"
        started = time.perf_counter()
        inputs = {nt.inputs[0].name: outputs[pred]} if pred is not None else {}
        try:
            with library_warnings(warn):
                artifact = nt.run(r.configs[nid], inputs, ctx)
        except Cancelled:
            cancelled = True
            finish(nid, "skipped", message="Cancelled while running.",
                   duration=round(time.perf_counter() - started, 4))
            continue
        except NodeError as e:
            finish(nid, "failed", message=str(e), traceback=traceback.format_exc(),
                   duration=round(time.perf_counter() - started, 4), warnings=warnings)
            continue
        except MemoryError as e:  # only this node's job is stopped; the app and other jobs carry on
            what = f" ({e})" if str(e) else ""
            finish(nid, "failed", message=f"This node needed more memory than {memory_note}{what}. Use fewer rows "
                                          "or columns (one-hot encoding of many categories multiplies columns), or "
                                          "raise the limit.",
                   traceback=traceback.format_exc(), duration=round(time.perf_counter() - started, 4),
                   warnings=warnings)
            continue
        except Exception as e:  # a bug or a library error: keep its traceback for the user
            finish(nid, "failed", message=f"{type(e).__name__}: {e}", traceback=traceback.format_exc(),
                   duration=round(time.perf_counter() - started, 4), warnings=warnings)
            continue
        outputs[nid] = artifact
        summary = _output_summary(nt.type, artifact)
        if nt.type == "evaluate":
            entry = {"algorithm": artifact.model.algorithm, "model_node_id": _model_node_of(graph, nid),
                     **artifact.metrics}
            result["metrics"][nid] = entry
            on_event({"type": "metrics", "node_id": nid, "metrics": artifact.metrics["values"],
                      "algorithm": artifact.model.algorithm, "model_node_id": entry["model_node_id"]})
        if nt.type == "visualize":
            for p in artifact.plots:
                result["plots"].append({"node_id": nid, "algorithm": artifact.model.algorithm, **p})
        finish(nid, "completed", duration=round(time.perf_counter() - started, 4), output=summary,
               warnings=warnings)

    if cancelled:
        result["status"] = "cancelled"
    elif any(s == "failed" for s in status.values()):
        failed = [nid for nid, s in status.items() if s == "failed"]
        result["status"] = "failed"
        result["error"] = "; ".join(f"{nid}: {result['nodes'][nid]['message']}" for nid in failed)
    return result


def node_states(workflow, dataset_info=None) -> dict:
    """What the canvas shows for each node at design time: its one-line summary and
    whether it is not configured yet, configured, or in error (with the messages)."""
    r = resolve(workflow, dataset_info=dataset_info)
    types = node_types()
    out = {}
    for n in r.graph.nodes.values():
        nt = types.get(n.get("type"))
        config = n.get("config") or {}
        messages = r.errors.get(n["id"], [])
        try:
            summary = nt.summarise(config, r.outputs.get(n["id"])) if nt else "Unknown node type"
        except Exception:  # a summary must never break the canvas
            summary = ""
        if not messages:
            status = "configured"
        elif not config:
            status = "not-configured"
        else:
            status = "error"
        out[n["id"]] = {"summary": summary, "status": status, "message": " ".join(messages), "config": config}
    return {"nodes": out, "errors": sum(1 for s in out.values() if s["status"] != "configured"),
            "graph_errors": r.errors.get(GRAPH, [])}
