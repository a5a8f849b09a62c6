"""Two runs side by side: what changed in the configuration each ran (their snapshot graphs,
node by node, named as the inspector names things) and how each metric moved.

`compare_runs` is a pure function of the two jobs, their graphs and the declarations; the
API, the results area and the comparison page all show what it returns. The earlier run is
A, the later B, and a delta is B - A whatever order they were asked in.
"""

from __future__ import annotations

from data.store import Invalid, Store
from executor.engine import resolve
from executor.facts import dataset_facts_for
from nodes.base import of_another_choice
from nodes.graph import node_name, told_apart
from plugins import registry

_MISSING = object()


def _scalar(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _run(job: dict) -> dict:
    started, done = job.get("started_at"), job.get("completed_at")
    return {"id": job["id"], "workflow_id": job.get("workflow_id"), "status": job["status"],
            "created_at": job.get("created_at"),
            "duration": round(done - started, 3) if started and done else None,
            "error_message": job.get("error_message")}


def _node(node: dict, node_types: dict) -> dict:
    return {"node_id": node["id"], "type": node.get("type"), "label": node_name(node, node_types)}


def _fields(node: dict, node_types: dict) -> dict:
    nt = node_types.get(node.get("type"))
    config = node.get("config") if isinstance(node.get("config"), dict) else {}
    if nt is None:
        return {k: {"key": k, "label": k, "value": v} for k, v in config.items()}
    return {f["key"]: f for f in nt.fields(config)}


def _config_changes(old: dict, new: dict, node_types: dict) -> list[dict]:
    """Each field whose value differs. A field only one side has (another algorithm's
    hyperparameter) counts only where that side set it rather than took the default."""
    if old.get("type") != new.get("type"):
        return [{"key": "type", "label": "Node type", "old": old.get("type"), "new": new.get("type")}]
    before, after = _fields(old, node_types), _fields(new, node_types)
    changes = []
    for key in list(before) + [k for k in after if k not in before]:
        a, b = before.get(key), after.get(key)
        if a is None and b.get("default") or b is None and a.get("default") or of_another_choice(a, b):
            continue
        va = a["value"] if a else _MISSING
        vb = b["value"] if b else _MISSING
        if va == vb and type(va) is type(vb):
            continue
        change = {"key": key, "label": (b or a)["label"],
                  "old": None if va is _MISSING else va, "new": None if vb is _MISSING else vb}
        if (b or a).get("problem_types"):
            change["problem_types"] = (b or a)["problem_types"]
        if a and a.get("text") is not None:
            change["old_text"] = a["text"]
        if b and b.get("text") is not None:
            change["new_text"] = b["text"]
        if va is _MISSING or (a or {}).get("default"):
            change["old_default"] = va is not _MISSING
        if vb is _MISSING or (b or {}).get("default"):
            change["new_default"] = vb is not _MISSING
        changes.append(change)
    return changes


def _edges(graph: dict) -> list[tuple]:
    """Edges as (source, target): a port left out (filled from the declarations) and the
    same port named are one edge."""
    return list(dict.fromkeys((e.get("source"), e.get("target")) for e in graph.get("edges") or []))


def _edge(key: tuple, labels: dict) -> dict:
    source, target = key
    return {"source": source, "target": target, "source_label": labels.get(source, source),
            "target_label": labels.get(target, target)}


def _problem_types(graph: dict) -> set:
    """The problem types a graph's Dataset nodes declare."""
    return {(n.get("config") or {}).get("problem_type") for n in graph.get("nodes") or []
            if isinstance(n.get("config"), dict) and (n.get("config") or {}).get("problem_type")}


def _mark_unused(changes: list[dict], kinds: set) -> list[dict]:
    """A changed setting declared for other problem types than both runs' (a split's Stratify
    between two regression runs) is marked `unused` with the reason: it changed nothing."""
    for c in changes:
        applies = c.pop("problem_types", None)
        if applies and kinds and not kinds & set(applies):
            c["unused"] = (f"not used for {' or '.join(sorted(kinds))}: it applies to "
                           f"{' or '.join(applies)} only")
    return changes


def config_diff(graph_a: dict, graph_b: dict, node_types: dict) -> dict:
    nodes_a = {n["id"]: n for n in graph_a.get("nodes") or []}
    nodes_b = {n["id"]: n for n in graph_b.get("nodes") or []}
    kinds = _problem_types(graph_a) | _problem_types(graph_b)
    changed = []
    for nid, node in nodes_b.items():
        if nid in nodes_a:
            fields = _mark_unused(_config_changes(nodes_a[nid], node, node_types), kinds)
            if fields:
                changed.append({**_node(node, node_types), "changes": fields})
    labels = told_apart({nid: node_name(n, node_types) for nid, n in {**nodes_a, **nodes_b}.items()})
    edges_a, edges_b = _edges(graph_a), _edges(graph_b)
    diff = {"nodes_added": [_node(n, node_types) for nid, n in nodes_b.items() if nid not in nodes_a],
            "nodes_removed": [_node(n, node_types) for nid, n in nodes_a.items() if nid not in nodes_b],
            "nodes_changed": changed,
            "edges_added": [_edge(k, labels) for k in edges_b if k not in edges_a],
            "edges_removed": [_edge(k, labels) for k in edges_a if k not in edges_b]}
    diff["same"] = not any(diff.values())
    return diff


def _verdict(delta: float, direction: str | None) -> str | None:
    if direction not in ("higher", "lower"):
        return None
    if delta == 0:
        return "same"
    return "better" if (delta > 0) == (direction == "higher") else "worse"


SHARE_METRICS = ("accuracy", "balanced_accuracy", "f1", "precision", "recall")  # a share of the test rows


def noise(key: str, a, b, entry_a: dict, entry_b: dict) -> float | None:
    """Twice the standard error of B - A when both runs' values have one: the key metric's
    own (plugins.guards.standard_error, stored with it), or a share metric's binomial one from
    its test rows. A difference below it is within what the test rows' draw moves a score:
    Compare called a change of 2 of 24 test rows "better" (found by a new user)."""
    import math

    errors = []
    for value, entry in ((a, entry_a), (b, entry_b)):
        km = entry.get("key_metric") or {}
        n = (entry.get("facts") or {}).get("test_rows")
        if km.get("key") == key and isinstance(km.get("se"), (int, float)):
            errors.append(float(km["se"]))
        elif key in SHARE_METRICS and isinstance(n, int) and n > 0 and _scalar(value) and 0 <= value <= 1:
            errors.append(math.sqrt(value * (1 - value) / n))
        else:
            return None
    return 2 * math.sqrt(errors[0] ** 2 + errors[1] ** 2)


def metric_deltas(job_a: dict, job_b: dict, labels: dict, metrics_registry) -> list[dict]:
    """Every scalar metric of every Evaluate node both runs scored: A, B, B - A and whether
    that is better or worse by the metric's declared direction."""
    ma = (job_a.get("results") or {}).get("metrics") or {}
    mb = (job_b.get("results") or {}).get("metrics") or {}
    rows = []
    for nid in [*mb, *[n for n in ma if n not in mb]]:
        # an Evaluate node of one run only (a model added or removed) is listed too, its other
        # side empty: a comparison that left it out showed an added model's run as 'no change'
        entry_a, entry_b = ma.get(nid), mb.get(nid)
        only = "a" if entry_b is None else "b" if entry_a is None else None
        entry_a, entry_b = entry_a or {}, entry_b or {}
        va, vb = entry_a.get("values") or {}, entry_b.get("values") or {}
        said_a, said_b = entry_a.get("descriptions") or {}, entry_b.get("descriptions") or {}
        keys = [k for k in vb if k in va] if only is None else list(va or vb)
        for key in keys:
            a, b = va.get(key), vb.get(key)
            m = metrics_registry.get(key)
            if (m is not None and m.kind != "scalar") or not (_scalar(a) or a is None) or not (
                    _scalar(b) or b is None):
                continue
            delta = b - a if _scalar(a) and _scalar(b) else None
            direction = m.direction if m else None
            algo = entry_b.get("algorithm") or entry_a.get("algorithm")
            plugin = registry.models().get(algo) if isinstance(algo, str) else None
            node = labels.get(nid, nid) + (f" · {plugin.name if plugin else algo}" if algo else "")
            row = {"node_id": nid, "node": node, "key": key, "name": m.name if m else key,
                   "description": said_b.get(key) or said_a.get(key), "direction": direction, "a": a, "b": b,
                   "delta": delta, "verdict": _verdict(delta, direction) if delta is not None else None}
            if said_a.get(key) and said_b.get(key) and said_a[key] != said_b[key]:
                row["description_a"] = said_a[key]  # e.g. another test size: not the same rows
            if row["verdict"] in ("better", "worse"):
                spread = noise(key, a, b, entry_a, entry_b)
                if spread is not None and abs(delta) < spread:
                    row["within_noise"] = spread
            if only:
                row["only"] = only
            rows.append(row)
    return rows


def compare_runs(job_a: dict, job_b: dict, graph_a: dict, graph_b: dict, metrics_registry, node_types) -> dict:
    """The comparison of two runs (jobs as the store returns them, with their snapshot
    graphs). The earlier run is A; the answer says when the two were given the other way."""
    swapped = (job_b.get("created_at") or 0) < (job_a.get("created_at") or 0)
    if swapped:
        job_a, job_b, graph_a, graph_b = job_b, job_a, graph_b, graph_a
    labels = {n["id"]: node_name(n, node_types) for n in (graph_a.get("nodes") or []) + (graph_b.get("nodes") or [])}
    same_workflow = job_a.get("workflow_id") == job_b.get("workflow_id")
    diff = config_diff(graph_a, graph_b, node_types)
    _add_data_changes(diff, job_a, job_b, {n["id"]: _node(n, node_types) for n in graph_b.get("nodes") or []},
                      {n["id"]: (n.get("config") or {}).get("target_column") for n in graph_b.get("nodes") or []
                       if isinstance(n.get("config"), dict)})
    out = {"a": _run(job_a), "b": _run(job_b), "swapped": swapped, "same_workflow": same_workflow,
           "config": diff,
           "metrics": metric_deltas(job_a, job_b, labels, metrics_registry)}
    rows = _rows_changed(out["config"], node_types)
    if rows:
        out["rows_note"] = (f"The two runs were scored on different test rows ({rows}): part of each difference "
                            "below is which rows were drawn, not the model.")
    if not same_workflow:
        out["note"] = ("These runs are of different workflows: nodes are matched by their ids, so the differences "
                       "may be larger than what was edited.")
    return out


def _versions(job: dict) -> dict:
    """Each Dataset node's version of its data in a run ({"content_hash", "reading"}, as its
    output recorded it; nodes.dataset.dataset_summary)."""
    return {n["node_id"]: (n.get("output") or {}).get("version") for n in job.get("nodes") or []
            if isinstance((n.get("output") or {}).get("version"), dict)}


def _add_data_changes(diff: dict, job_a: dict, job_b: dict, nodes: dict, targets: dict) -> None:
    """What two runs read differently of one dataset, beside its node's settings: another
    content (a new upload of it) or another reading (a column set to Ignore on the dataset
    page). Compare said "No configuration differences" over every metric made worse by one.
    `nodes`: the later graph's nodes as config_diff names them (_node); `targets`: each
    Dataset node's target column (a change of how it is read may change the rows)."""
    from nodes.dataset import version_changes

    before, after = _versions(job_a), _versions(job_b)
    for nid in [n for n in after if n in before and before[n] != after[n] and n in nodes]:
        changes = version_changes(before[nid], after[nid], targets.get(nid))
        if not changes:
            continue
        entry = next((n for n in diff["nodes_changed"] if n["node_id"] == nid), None)
        if entry is None:
            entry = {**nodes[nid], "changes": []}
            diff["nodes_changed"].append(entry)
        entry["changes"].extend(changes)
        diff["same"] = False


def _rows_changed(diff: dict, node_types: dict) -> str:
    """What in a config diff draws other test rows (a node type that declares `draws_rows`),
    in words ("Train/Test Split: Random seed 42 → 7"), or "" when nothing does (a setting
    marked unused changes nothing, nor does a column other than the target read otherwise)."""
    def draws(n):
        nt = node_types.get(n.get("type"))
        return nt is not None and nt.draws_rows

    said = []
    for n in diff["nodes_changed"]:
        if draws(n):
            fields = [f"{c['label']} {c.get('old_text', c['old'])} → {c.get('new_text', c['new'])}"
                      for c in n["changes"] if not c.get("unused") and not c.get("same_rows")]
            if fields:
                said.append(f"{n['label']}: {', '.join(fields)}")
    said += [f"{n['label']} {verb}" for key, verb in (("nodes_added", "added"), ("nodes_removed", "removed"))
             for n in diff[key] if draws(n)]
    return "; ".join(said)


def compare_jobs(store: Store, a: str | None, b: str | None, metrics_registry, node_types) -> dict:
    """The comparison for two job ids from a request: refused with a sentence when one is
    missing or both are the same; an unknown id is the store's NotFound (404)."""
    if not a or not b:
        raise Invalid("Choose two runs to compare: ?a=JOB_ID&b=JOB_ID.", status=400)
    if a == b:
        raise Invalid("Choose two different runs to compare; both are the same run.", status=400)
    job_a, job_b = store.require_job(a), store.require_job(b)
    info = dataset_facts_for(store)
    return compare_runs(job_a, job_b, effective(store.get_snapshot(job_a["snapshot_id"]), info),
                        effective(store.get_snapshot(job_b["snapshot_id"]), info), metrics_registry, node_types)


def effective(graph: dict, info) -> dict:
    """The graph with each node's config as the run used it (validated, defaults filled, as
    the engine resolves it): a default written out by a later save ("sqrt" for a forest's
    features per split) is then no change. A node that does not resolve keeps its config."""
    try:
        configs = resolve(graph, dataset_facts=info).configs
    except Exception:  # a snapshot the current declarations cannot read: compare as stored
        return graph
    return {**graph, "nodes": [{**n, "config": configs[n["id"]]} if n.get("id") in configs else n
                               for n in graph.get("nodes") or []]}
