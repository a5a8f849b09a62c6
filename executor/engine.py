"""The workflow engine: validate a workflow graph, then run it node by node.

Everything per node type comes from its declaration (nodes/base.py hooks); the graph's
shape, ports and order from nodes/graph.py. The engine never asks what type a node is.

    resolve(workflow, dataset_facts) -> Resolved   every node's clean config, what feeds it,
                                                   what it passes down, errors by node id
    run_workflow(workflow, on_event, ...) -> dict  runs in topological order; events:
          {"type": "node_status", "node_id", "status": running|completed|failed|skipped|cancelled,
           "duration"?, "message"?, "traceback"?, "output"?, "warnings"?}
          {"type": "node_progress", "node_id", "progress": 0..1, "message"}
          {"type": "node_warning", "node_id", "message"}  (also listed in the node's final status; the
              node's advice, as its inspector shows it, is reported first when the node runs)
          {"type": "node_trial", "node_id", "number", "params", "value", "state", "best", "best_number",
           "n_trials", "metric", "direction"}  (each finished Optuna trial, live)
          {"type": "node_log", "node_id", "message"}  (a step worth a line in the run log: a plot drawn)
          {"type": "metrics", "node_id", "metrics": {...}, "algorithm", "model_node_id"}
          {"type": "node_round", "node_id": the loop node, "round", "rounds", "change", "passed", "metric",
           "value", "threshold", "message"}  (each round of a bounded loop, when it ends; the statuses of
              the nodes a round runs carry "round" and "rounds" too, and the loop target's from round 2
              on its "summary" for the round's config: "Logistic Regression (round 2 of 3)")
        Returns {"status": completed|failed|cancelled, "nodes": {...}, "metrics": {...},
                 "plots": [...], "error"?}

A bounded loop (nodes/graph.py Loop: a Retrain's loop edge back to a Model) runs its body once
per round until its failing port sends nothing, its loop node stops it, or its bound.

A node failure marks it failed (message + traceback) and everything downstream skipped;
independent branches (fan-out) carry on. A node with several outputs may fill only some
(a gate): the nodes on the others are skipped, with the sentence its output summary gives as
`message` (which its completed status carries too). Cancellation is checked between nodes and,
through the RunContext, inside CV folds, Optuna trials and plots.
"""

from __future__ import annotations

import re
import time
import traceback
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache

from data.disk import DiskFull
from executor.cache import NEVER_REUSED, shown_names
from executor.cache import plan as cache_plan
from nodes import graph as graphs
from nodes.base import MODEL, Cancelled, Design, LoopRound, NodeError, NodeSkipped, RunContext, Upstream
from nodes.graph import GRAPH, Graph
from nodes.registry import node_types
from plugins import registry, tables
from plugins.params import quoted

# what the canvas may call a node before a run, and while/after it runs


# --------------------------------------------------------------------------- design time
@cache
def _sample_facts(dataset_id: str) -> dict:
    from data import datasets

    prof = tables.profile(datasets.load_sample(dataset_id))
    meta = datasets.SAMPLES[dataset_id]
    return {"columns": prof["columns"], "n_rows": prof["n_rows"], "name": meta["name"],
            "suggested_target": meta["target"], "suggested_problem_type": meta["problem_type"],
            "version": {"sample": dataset_id}}  # its rows come with the libraries, whose versions the key holds


def default_dataset_facts(datasets_dir=None) -> Callable[[str], dict | None]:
    """Dataset facts for validation: columns (with roles) and row count. Samples are
    profiled once per process; uploaded files are read from `datasets_dir`."""
    from data import datasets

    cache: dict = {}

    def info(dataset_id: str):
        if not isinstance(dataset_id, str) or not dataset_id:
            return None
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
        cache[dataset_id] = {"columns": prof["columns"], "n_rows": prof["n_rows"], "name": dataset_id,
                             "suggested_target": prof["suggested_target"],
                             "suggested_problem_type": prof["suggested_problem_type"],
                             "version": {"file_sha256": datasets.file_digest(dataset_id, datasets_dir)}}
        return cache[dataset_id]

    return info


@dataclass
class Resolved:
    graph: Graph
    configs: dict  # node id -> clean config
    upstream: dict  # node id -> Upstream its (first) input brings
    errors: dict  # node id (or GRAPH) -> [sentences]
    field_errors: dict  # node id -> {field: sentence}
    outputs: dict = field(default_factory=dict)  # node id -> {port: Upstream} it passes down
    designs: dict = field(default_factory=dict)  # node id -> Design its hooks were given
    # node id -> its config as stored, less what its declaration rules out (NodeType.readable):
    # what the inspector and the canvas are given; what was left out is among its errors
    stored: dict = field(default_factory=dict)

    def passed_down(self, node_id: str) -> Upstream | None:
        out = self.outputs.get(node_id) or {}
        return next(iter(out.values()), None)


def _inputs_of(graph: Graph, nid: str, outputs: dict, nt) -> dict:
    """port -> Upstream (a list for a port that takes several edges)."""
    found: dict = {}
    for e in graph.preds[nid]:
        up = (outputs.get(e.source) or {}).get(e.source_port)
        if up is None:
            continue
        port = nt.input_port(e.target_port)
        if port is not None and port.multiple:
            found.setdefault(e.target_port, []).append(up)
        else:
            found[e.target_port] = up
    return found


def _dataset_of(nt, config: dict, info, dataset_exists) -> dict | None:
    """The facts of the dataset a node names (its `dataset_param`), if it names one."""
    ds_id = config.get(nt.dataset_param) if nt.dataset_param else None
    if not isinstance(ds_id, str) or not ds_id:
        return None
    dataset = info(ds_id)
    if dataset is None and dataset_exists is not None and dataset_exists(ds_id):
        dataset = {"columns": [], "n_rows": None}
    return dataset


def resolve(workflow, dataset_facts: Callable[[str], dict | None] | None = None,
            dataset_exists: Callable[[str], bool] | None = None, edit: tuple[str, Callable] | None = None) -> Resolved:
    """Validate every node's config in topological order, each against what flows into it.

    `edit` = (node id, fn): an edit of that node's config made in the same pass, once what
    flows into it is known (an inspector save: its form is read against its inputs), by
    `fn(node type, stored config, upstream, design) -> config`; the nodes below see the new
    config."""
    graph = graphs.parse(workflow)
    errors = {k: list(v) for k, v in graph.errors.items()}
    types = node_types()
    info = dataset_facts or default_dataset_facts()
    configs, upstreams, field_errors, outputs, designs, stored = {}, {}, {}, {}, {}, {}
    for nid in graph.order:
        node = graph.nodes[nid]
        nt = types.get(node.get("type"))
        if nt is None:
            continue
        inputs = _inputs_of(graph, nid, outputs, nt)
        first = next(iter(inputs.values()), None)
        upstream = (first[0] if isinstance(first, list) else first) or Upstream()
        upstreams[nid] = upstream
        config = node.get("config") or {}
        if not isinstance(config, dict):
            config = {}
        stored[nid] = nt.readable(config)[0]
        design = Design(dataset=_dataset_of(nt, stored[nid], info, dataset_exists), inputs=inputs, dataset_facts=info)
        if edit is not None and nid == edit[0]:
            config = edit[1](nt, stored[nid], upstream, design)
            graph.nodes[nid] = {**node, "config": config}  # a new dict: the caller's graph is the "before"
            stored[nid] = nt.readable(config)[0]
            design = Design(dataset=_dataset_of(nt, stored[nid], info, dataset_exists), inputs=inputs,
                            dataset_facts=info)
        designs[nid] = design
        clean, ferrs = nt.validate(config, upstream, design)
        configs[nid] = clean
        if ferrs:
            field_errors[nid] = ferrs
            for message in ferrs.values():
                errors.setdefault(nid, [])
                if message not in errors[nid]:
                    errors[nid].append(message)
        out = nt.design(clean, upstream, design)
        outputs[nid] = out if isinstance(out, dict) else {p.name: out for p in nt.outputs}
    return Resolved(graph, configs, upstreams, errors, field_errors, outputs, designs, stored)


def reconcile_edit(before: dict, after: dict, dataset_facts: Callable[[str], dict | None]) -> dict:
    """`after` with each node whose config the edit changed as its type's `reconcile` hook
    says the config follows the edit (the store runs it on every save, web/site.py sets it):
    a new dataset brings its suggested target, a new algorithm its own defaults."""
    types = node_types()
    was = {n.get("id"): n for n in before.get("nodes", []) if isinstance(n, dict)}
    nodes = []
    for n in after.get("nodes", []):
        nt, old = types.get(n.get("type")), was.get(n.get("id"))
        config = n.get("config")
        if (nt is None or "reconcile" not in nt.declared or old is None or old.get("type") != n.get("type")
                or not isinstance(config, dict) or config == old.get("config")):
            nodes.append(n)
            continue
        nodes.append({**n, "config": reconcile_node(nt, config, old.get("config") or {}, dataset_facts)})
    return {**after, "nodes": nodes}


def reconcile_node(nt, config: dict, old: dict, dataset_facts) -> dict:
    """One node's config after an edit, as its type's `reconcile` hook says (idempotent: a
    config it gave back comes back the same)."""
    ds = config.get(nt.dataset_param) if nt.dataset_param else None
    design = Design(dataset=dataset_facts(ds) if isinstance(ds, str) and ds else None, dataset_facts=dataset_facts)
    return nt.reconcile(config, old, design)


def validate_workflow(workflow, dataset_exists=None, dataset_facts=None) -> dict[str, list[str]]:
    return resolve(workflow, dataset_facts=dataset_facts, dataset_exists=dataset_exists).errors


def advice_for(r: Resolved, node_id: str) -> list[str]:
    """Advice for one node, from its type's `advise`: its inspector shows it before a run,
    and a run reports it as the node's warnings when the node runs."""
    node = r.graph.nodes.get(node_id)
    nt = node_types().get((node or {}).get("type"))
    if nt is None or node_id not in r.configs:
        return []
    below = [(r.graph.nodes[n].get("type"), r.configs.get(n, {})) for n in graphs.downstream(r.graph, node_id)]
    return nt.advise(r.configs[node_id], r.upstream[node_id], below, r.designs.get(node_id))


def node_warnings(workflow, node_id: str, dataset_facts=None) -> list[str]:
    return advice_for(resolve(workflow, dataset_facts=dataset_facts), node_id)


def node_states(workflow, dataset_facts=None, resolved: Resolved | None = None) -> dict:
    """What the canvas shows for each node at design time: its one-line summary and its
    design state (not-configured | configured | invalid) with the messages. Run states are
    another vocabulary (RUN_STATES), sent by the run's events."""
    r = resolved or resolve(workflow, dataset_facts=dataset_facts)
    types = node_types()
    out = {}
    for n in r.graph.nodes.values():
        nt = types.get(n.get("type"))
        raw = n.get("config") if isinstance(n.get("config"), dict) else {}
        config = r.stored.get(n["id"], raw)  # what the canvas may send back (and paste)
        messages = r.errors.get(n["id"], [])
        try:
            summary = nt.summary(config, r.passed_down(n["id"])) if nt else "Unknown node type"
        except Exception:  # a summary must never break the canvas
            summary = ""
        state = "configured" if not messages else ("not-configured" if not raw else "invalid")
        out[n["id"]] = {"summary": summary, "state": state, "message": " ".join(messages), "config": config}
    return {"nodes": out, "errors": sum(1 for s in out.values() if s["state"] != "configured"),
            "graph_errors": r.errors.get(GRAPH, [])}


# --------------------------------------------------------------------------- run time
# The library warnings a user meets most, said in words that tell what it means and what to
# do; the library's own words follow in brackets. (category, pattern of its text, sentence
# whose {0}, {1} are the pattern's groups; None: any text of that category.)
LIBRARY_WARNING_WORDS = (
    ("ConvergenceWarning", None,
     "The model stopped before it converged, so its fit may be off: scale the numeric columns (a Preprocessing "
     "node's Standard scaler) or raise its iteration limit (the Model node's advanced settings)."),
    ("UserWarning", re.compile(r"The least populated class in y has only (\d+) members?, which is less than "
                               r"n_splits=(\d+)"),
     # the folds may be the model's cross-validation or a Target encoder's own (5, which the user did not choose:
     # a new user read "use fewer folds" with 3 chosen)
     "A class has only {0} training rows, fewer than the {1} folds they are split into (the model's cross-validation, "
     "or a Target encoder's own {1}): some folds hold none of it, so what is learnt or scored on them says nothing "
     "about it. Use fewer folds, or merge the rare class with another."),
    ("UndefinedMetricWarning", re.compile(r"(Precision|Recall|F-score)[\w -]* (?:is|are) ill-defined and being set "
                                          r"to 0\.0"),
     "{0} is undefined for a class the model never predicted or that has no rows here, and counts as 0 for it."),
)


def in_words(category: str, text: str) -> str:
    """A library warning as the user reads it: LIBRARY_WARNING_WORDS' sentence for it, with
    the library's words in brackets; any other as the library says it."""
    for name, pattern, sentence in LIBRARY_WARNING_WORDS:
        match = pattern.search(text) if pattern is not None else None
        if name == category and (pattern is None or match):
            return f"{sentence.format(*(match.groups() if match else ()))} ({category}: {text})"
    return f"{category}: {text}"


@contextmanager
def library_warnings(warn: Callable[[str], None]):
    """Warnings the libraries raise while a node runs (a model that did not converge, a
    metric that is ill-defined) go to the user like the node's own: once each, live, in
    words (in_words). Deprecation notices are for developers and stay out."""
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
            warnings.filterwarnings("ignore", category=category)

        def show(message, category, filename, lineno, file=None, line=None):
            text = " ".join(str(message).split("\n\n", 1)[0].split())
            if len(text) > 300:
                text = text[:297] + "…"
            warn(in_words(category.__name__, text))

        warnings.showwarning = show
        yield


def _producer_of(graph: Graph, node_id: str, artifact_type: str) -> str | None:
    """The nearest node upstream whose output port carries `artifact_type` (the model an
    Evaluate node scores)."""
    types = node_types()
    queue = [e.source for e in graph.preds.get(node_id, [])]
    while queue:
        nid = queue.pop(0)
        nt = types.get(graph.nodes[nid].get("type"))
        if nt is not None and nt.produces(artifact_type):
            return nid
        queue.extend(e.source for e in graph.preds.get(nid, []))
    return None


class _Stored(dict):
    """A reused node's outputs by port, read from its cache entry when a node below needs
    them (a fully reused run never unpickles them)."""

    def __init__(self, entry, mapping, ports):
        super().__init__({p: None for p in ports})
        self._entry, self._mapping, self._loaded = entry, mapping, False

    def __getitem__(self, port):
        if not self._loaded:
            self.update(self._entry.output(self._mapping))
            self._loaded = True
        return super().__getitem__(port)


DONE = ("completed", "cached")  # a node whose outputs the nodes below can take


def _saved(artifact_id, kind, name, data, mime, kept: list):
    kept.append((artifact_id, data, {"kind": kind, "name": name, "mime": mime}))
    return artifact_id


def _event(on_event, kept: list, kind: str, payload: dict, nid: str) -> None:
    """A node's own live event (a search's trial, a plot drawn): sent, and kept for its
    cache entry, which replays it when the node is reused."""
    kept.append({**payload, "type": kind})
    on_event({**payload, "type": kind, "node_id": nid})


def _add_results(result: dict, graph, nid: str, added: dict, on_event) -> None:
    """What a completed (or reused) node adds to the run's results: its metrics, sent as a
    `metrics` event too, and its plots."""
    if "metrics" in added:
        entry = {**added["metrics"], "model_node_id": _producer_of(graph, nid, MODEL)}
        result["metrics"][nid] = entry
        values = entry.get("values", {})
        # the run log's line, as the results write the same numbers (their titles, one rounding rule)
        scalar = [(k, v) for k, v in values.items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
        on_event({"type": "metrics", "node_id": nid, "metrics": values, "algorithm": entry.get("algorithm"),
                  "model_node_id": entry["model_node_id"],
                  "message": ", ".join(registry.metric_text(k, v) for k, v in scalar)})
    for p in added.get("plots", []):
        result["plots"].append({"node_id": nid, **p})


def reused_from_said(reused_from: str, job_id: str | None = None) -> str:
    """Where what a reused node says is from, as the run log writes it after "reused from":
    "run X", or "an earlier round of this run" for a loop's kept round served from the run's
    own work (the page's run log writes the same, static/playground.js execLog)."""
    return "an earlier round of this run" if job_id and reused_from == job_id else f"run {reused_from}"


def _reuse(nid, nt, plan, cache, r, graph, save, on_event, result, job_id=None):
    """Serve a node from the cache: (its outputs, None), or (None, why it runs instead).
    `job_id`: this run's (a loop's kept round is served from this run's own work)."""
    from executor.cache import Miss

    started = time.perf_counter()
    try:
        entry = cache.find(plan.digest)
        if entry is None:
            return None, cache.reason(nt, nid, plan)
        record, mapping = cache.serve(entry, (lambda kind, name, data, mime: save(kind, name, data, mime, node_id=nid))
                                      if save else (lambda *a: ""))
    except Miss as e:
        return None, f"its stored result could not be used: {e}"
    # advice depends on the nodes below, which the key leaves out: today's, then what the run said
    advice = advice_for(r, nid)
    warnings_ = list(dict.fromkeys([*advice, *[w for w in record["warnings"] if w not in record.get("advice", [])]]))
    # what the node said when it ran (its warnings, trials, plots drawn, metrics) is said again
    # marked with the run it is from: the run log read it as new work (found by a new user)
    replayed = {"reused_from": record.get("job_id")}
    for message in warnings_:
        on_event({"type": "node_warning", "node_id": nid, "message": message,
                  **({} if message in advice else replayed)})  # today's advice is this run's own
    for event in record.get("events", []):
        on_event({**event, "node_id": nid, **replayed})
    _add_results(result, graph, nid, record.get("added") or {}, lambda ev: on_event({**ev, **replayed}))
    took = round(time.perf_counter() - started, 4)
    work = f"its {record.get('duration', 0):.2f} s of work"
    # a loop's kept round, run again at its end: served from this run's own earlier round (it
    # said "reused from run X" of the run it was in, found by a new user)
    reason = f"reused from {reused_from_said(record.get('job_id'), job_id)} ({work})"
    extra = {"duration": took, "output": record.get("summary") or {}, "warnings": warnings_,
             "reason": reason, "reused_from": record.get("job_id")}
    said = extra["output"].get("message") if isinstance(extra["output"], dict) else None
    if isinstance(said, str):
        extra["message"] = said  # a gate's sentence, as when it ran
    result["nodes"][nid] = {"status": "cached", **extra}
    on_event({"type": "node_status", "node_id": nid, "status": "cached", **extra})
    return _Stored(entry, mapping, record["ports"]), None


def with_config(workflow, node_id: str, config: dict) -> dict:
    """The workflow with one node's config replaced (a loop's next round)."""
    nodes = [{**n, "config": config} if isinstance(n, dict) and n.get("id") == node_id else n
             for n in workflow.get("nodes", [])]
    return {**workflow, "nodes": nodes}


def _round_summary(rr: Resolved, nid: str, k: int, bound: int) -> dict:
    """{"summary": what the loop target trains in round k > 1} ("Logistic Regression (round 2
    of 3)"): its own summary hook on the round's config, which the saved config (and so the
    canvas's design-time summary) does not hold. Round 1 is the saved config: nothing."""
    if k == 1:
        return {}
    nt = node_types()[rr.graph.nodes[nid]["type"]]
    try:
        said = nt.summary(rr.configs.get(nid) or {}, rr.passed_down(nid))
    except Exception:  # a summary must never break the run
        return {}
    return {"summary": f"{said} (round {k} of {bound})"} if said else {}


def _run_loop(loop, current: dict, step, finish, status: dict, produced: dict, result: dict, on_event,
              dataset_facts, caching: bool, state: dict) -> None:
    """A bounded loop's rounds (nodes/graph.py Loop): each round runs the body; a round whose
    exit port sent nothing passed and ends the loop; after a failed one the loop node runs
    and answers the next round's config of the loop target, or why it stops. Round k > 1 is
    resolved again with that config, so every node of the round has its own cache key
    (nothing of an earlier round is served for it) and the nodes below the loop take the
    last round's outputs under the last round's keys (`current`), or, when the loop stopped
    without a pass and an earlier round scored better, that round's: its body runs once
    more with its config (nodes/retrain.py kept_round)."""
    types = node_types()
    first = dict(current["r"].configs.get(loop.target) or {})
    rounds, k, change = [], 1, None

    def with_round(config: dict):  # the workflow with the loop target's config of a round, resolved
        workflow = with_config(current["workflow"], loop.target, config)
        return workflow, resolve(workflow, dataset_facts=dataset_facts)

    spent: dict = {}  # seconds each body node worked over the rounds (a kept round's replay says them)
    while True:
        tag = {"round": k, "rounds": loop.bound}
        rr, plans = current["r"], current["plans"]
        for nid in loop.body:
            step(nid, rr, plans, {**tag, **_round_summary(rr, nid, k, loop.bound)} if nid == loop.target else tag)
            spent[nid] = spent.get(nid, 0.0) + float((result["nodes"].get(nid) or {}).get("duration") or 0.0)
        source = loop.exit.source
        if state["cancelled"] or status[source] not in DONE:
            step(loop.node, rr, plans, tag)  # cancelled, or skipped: the node above did not complete
            return
        verdict = (result["nodes"].get(source) or {}).get("output") or {}
        passed = loop.exit.source_port not in produced[source]
        # the loop target's config of the round: what an exported script trains again (executor/script.py)
        rounds.append({"round": k, "change": change, "passed": passed, "verdict": verdict,
                       "config": dict(rr.configs.get(loop.target) or {})})
        on_event({"type": "node_round", "node_id": loop.node, **tag, "change": change, "passed": passed,
                  **{key: verdict.get(key) for key in ("metric", "value", "threshold", "message")}})
        if passed:
            if k == 1:
                step(loop.node, rr, plans, tag)  # skipped, with the sentence of the port that was taken
            else:
                said = f"passed on round {k} of {loop.bound}" + (f" ({verdict['message']})" if verdict.get("message")
                                                                 else "")
                finish(loop.node, "completed", tag, message=said, output={"message": said, "rounds": rounds})
            return
        step(loop.node, rr, plans, tag, LoopRound(k, loop.bound, list(rounds), first,
                                                 dict(rr.configs.get(loop.target) or {})))
        if status[loop.node] not in DONE:
            return
        decision = produced[loop.node][loop.edge.source_port]
        if not isinstance(decision, dict) or "config" not in decision:
            keep = decision.get("keep") if isinstance(decision, dict) else None
            if keep is not None and keep != k:  # stopped, keeping an earlier round's model (nodes/retrain.py)
                kept = next(x for x in rounds if x["round"] == keep)
                workflow, nxt = with_round(kept["config"])
                current.update(workflow=workflow, r=nxt, plans=cache_plan(nxt) if caching else {})
                tag = {"round": keep, "rounds": loop.bound}  # that round's body again: served by the
                # the loop node's sentence for it (the Retrain's: "round 2's result is kept (round 3 did not
                # improve on it)"), the story its own stop tells
                kept_said = decision.get("kept") or f"round {keep}'s result is kept"
                for nid in loop.body:  # cache when it is on, trained again as it was (its seeds) when not
                    # a new user saw "reused 0.00 s" on a Model that had trained round 2 for 55 s: the
                    # replay says what the node did over the rounds, and its time is that work; the loop
                    # target names what the kept round trained (a new user read "Logistic Regression ·
                    # round 2/3" on a Model whose kept round 2 was a Random Forest)
                    said = _round_summary(nxt, nid, keep, loop.bound) if nid == loop.target else {}
                    step(nid, nxt, current["plans"], {**tag, **said, "duration": round(spent.get(nid, 0.0), 4),
                                                      "reason": f"{kept_said}: {spent.get(nid, 0.0):.2f} s of "
                                                                f"work over the {k} rounds of this run"})
            return  # stopped: its completed status says why
        workflow, nxt = with_round(decision["config"])
        if nxt.errors:
            label = types[rr.graph.nodes[loop.target]["type"]].label
            what = " ".join(nxt.errors.get(loop.target) or [m for ms in nxt.errors.values() for m in ms])
            finish(loop.node, "failed", tag, message=f"Round {k + 1} cannot run: the {label} node's config for it "
                                                     f"({decision.get('change')}) is not valid: {what}")
            return
        current.update(workflow=workflow, r=nxt, plans=cache_plan(nxt) if caching else {})
        k, change = k + 1, decision.get("change")


def run_workflow(workflow, on_event: Callable[[dict], None], *, job_id: str = "local",
                 is_cancelled: Callable[[], bool] = lambda: False, save_artifact=None,
                 load_dataset=None, dataset_facts=None, memory_note: str = "the memory available",
                 cache=None, register_model=None, production_metric=None) -> dict:
    """`cache`: an executor.cache.NodeCache; each node whose key is unchanged is then
    served from it (status `cached`), and each that runs says why (`reason`).
    `register_model(name, model, node_id)`: the model registry a node's RunContext offers
    (executor/deployments.py), None without one; `production_metric(name, metric)` what a
    Gate compares with (the same registry's production version)."""
    if load_dataset is None:
        from data import datasets
        from data.config import settings

        datasets_dir = settings().datasets_dir

        def load_dataset(dataset_id):
            return datasets.load_dataset(dataset_id, datasets_dir)

        dataset_facts = dataset_facts or default_dataset_facts(datasets_dir)
    dataset_facts = dataset_facts or default_dataset_facts()
    r = resolve(workflow, dataset_facts=dataset_facts)
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

    produced: dict = {}  # node id -> {port: artifact}
    status = {nid: "pending" for nid in graph.order}
    planned = cache_plan(r) if cache is not None else {}
    forced = cache.forced(graph) if cache is not None else {}
    state = {"cancelled": False}
    save = save_artifact or (lambda kind, name, data, mime: "")

    names = shown_names(graph)  # node id -> its title on the canvas (with its id where two share one)
    ran_why = {}  # node id -> why it ran, at its first status of the run (a loop's later rounds say their own)

    def finish(nid, st, tag=None, **extra):
        if st in ("completed", "failed"):
            ran_why.setdefault(nid, extra.get("reason"))
        status[nid] = st
        result["nodes"][nid] = {"status": st, **(tag or {}), **extra}
        on_event({"type": "node_status", "node_id": nid, "status": st, **(tag or {}), **extra})

    def step(nid, rr, plans, tag=None, loop=None):
        """Run (or reuse, or skip) one node against `rr` (the resolved workflow of this round)
        and `plans` (its cache keys); `tag` goes on its status events (a loop's round)."""
        nt = types[graph.nodes[nid]["type"]]
        if state["cancelled"] or is_cancelled():
            state["cancelled"] = True
            finish(nid, "cancelled", tag, message="Not started: the run was cancelled.")
            return
        blocked = next((e for e in graph.preds[nid] if status[e.source] not in DONE), None)
        if blocked is not None:  # the node by its title on the canvas, as the reasons name it (not "node 'm'")
            finish(nid, "skipped", tag, message=f"Skipped: {quoted(names[blocked.source])} did not complete.")
            return
        inputs, missing = {}, None
        for e in graph.preds[nid]:
            if e.source_port not in produced[e.source]:
                missing = e
                continue
            port = nt.input_port(e.target_port)
            value = produced[e.source][e.source_port]
            if port is not None and port.multiple:
                inputs.setdefault(e.target_port, []).append(value)
            else:
                inputs[e.target_port] = value
        if missing is not None and not inputs:
            said = ((result["nodes"].get(missing.source) or {}).get("output") or {}).get("message")
            port = types[graph.nodes[missing.source]["type"]].output_port(missing.source_port)
            shown = (port.label if port is not None else "") or missing.source_port  # as the canvas labels it
            finish(nid, "skipped", tag, message=f"Skipped: {quoted(names[missing.source])} sent nothing to its "
                                                f"{shown} output" + (f" ({said})." if said else "."))
            return
        plan, reason = plans.get(nid), None
        if plan is not None:
            reason = forced.get(nid) or (f"{NEVER_REUSED}{plan.volatile}" if plan.volatile else None)
            if reason is None:
                served, reason = _reuse(nid, nt, plan, cache, rr, graph, save if save_artifact else None,
                                        lambda ev: on_event({**ev, **(tag or {})} if ev.get("type") == "node_status"
                                                            else ev), result, job_id)
                if served is not None:
                    produced[nid] = served
                    status[nid] = "cached"
                    ran_why.setdefault(nid, None)  # served: nothing changed here
                    if tag:
                        result["nodes"][nid].update(tag)
                    cache.remember(nid, plan)
                    return
        said_before = (tag or {}).get("reason")  # a loop's kept round says why it runs again
        if said_before and reason and reason != said_before:
            # both: Run all again dropped "round 2's result is kept (round 3 did not improve on it)" for
            # "forced: …" alone (found by a new user)
            reason = f"{said_before}; {reason}"
        node_warnings_: list = []
        kept_events: list = []
        kept_artifacts: list = []

        def warn(message, nid=nid, bucket=node_warnings_):
            # live: the run log shows it now, the node counts it; and kept for the results
            if message not in bucket:
                bucket.append(message)
                on_event({"type": "node_warning", "node_id": nid, "message": message})

        ctx = RunContext(
            job_id=job_id, node_id=nid,
            progress=lambda f, m="", nid=nid: on_event({"type": "node_progress", "node_id": nid,
                                                          "progress": round(max(0.0, min(1.0, f)), 4), "message": m}),
            is_cancelled=is_cancelled,
            save_artifact=lambda kind, name, data, mime, nid=nid, kept=kept_artifacts: _saved(
                save(kind, name, data, mime, node_id=nid), kind, name, data, mime, kept) if save_artifact else "",
            warn=warn, load_dataset=load_dataset, dataset_facts=dataset_facts,
            register_model=(lambda name, model, nid=nid: register_model(name, model, nid)) if register_model else None,
            production_metric=production_metric,
            event=lambda kind, payload, nid=nid, kept=kept_events: _event(on_event, kept, kind, payload, nid),
            loop=loop,
            # a forced node makes every part again (and keeps it for the next run): a stored one is not served
            **({"stored": lambda part, make, nid=nid, plan=plan: cache.part(plan, nt.type, nid, part, make,
                                                                            fresh=nid in forced)}
               if plan is not None and not plan.volatile else {}),
        )
        on_event({"type": "node_status", "node_id": nid, "status": "running", **(tag or {}),
                  **({"reason": reason} if reason else {})})
        status[nid] = "running"
        started = time.perf_counter()

        def took(started=started):
            return round(time.perf_counter() - started, 4)

        try:
            with library_warnings(warn):
                # what its inspector advised is this run's warning too (once: `warn` drops a
                # sentence the node repeats itself)
                advice = advice_for(rr, nid)
                for message in advice:
                    warn(message)
                artifact = nt.run(rr.configs[nid], inputs, ctx)
        except Cancelled:
            state["cancelled"] = True
            finish(nid, "cancelled", tag, message="Stopped: the run was cancelled while this node ran.",
                   duration=took())
            return
        except NodeError as e:
            finish(nid, "failed", tag, message=str(e), traceback=traceback.format_exc(), duration=took(),
                   warnings=node_warnings_)
            return
        except NodeSkipped as e:
            finish(nid, "skipped", tag, message=f"Skipped: {e}", duration=took(), warnings=node_warnings_)
            return
        except MemoryError as e:  # only this node's job is stopped; the app and other jobs carry on
            what = f" ({e})" if str(e) else ""
            finish(nid, "failed", tag, message=f"This node needed more memory than {memory_note}{what}. Use fewer "
                                               "rows or columns (one-hot encoding of many categories multiplies "
                                               "columns), or raise the limit.",
                   traceback=traceback.format_exc(), duration=took(), warnings=node_warnings_)
            return
        except DiskFull as e:  # its sentence names the disk and the room needed
            finish(nid, "failed", tag, message=e.detail, duration=took(), warnings=node_warnings_)
            return
        except Exception as e:  # a bug or a library error: keep its traceback for the user
            finish(nid, "failed", tag, message=f"{type(e).__name__}: {e}", traceback=traceback.format_exc(),
                   duration=took(), warnings=node_warnings_)
            return
        ports = [p.name for p in nt.outputs]
        produced[nid] = ({k: v for k, v in artifact.items() if k in ports}
                         if isinstance(artifact, dict) and set(artifact) <= set(ports) and ports
                         else {p: artifact for p in ports})
        first = next(iter(produced[nid].values()), None) if ports else artifact  # a node without outputs: what it did
        summary = nt.output_summary(first) if first is not None else {}
        added = nt.results(first) if first is not None else {}
        _add_results(result, graph, nid, added, on_event)
        said = summary.get("message") if isinstance(summary.get("message"), str) else None
        finish(nid, "completed", tag, duration=took(), output=summary, warnings=node_warnings_,
               **({"reason": reason} if reason else {}), **({"message": said} if said else {}))
        if plan is not None:
            if not plan.volatile:
                cache.put(plan.digest, nt.type, nid, {
                    "summary": summary, "added": added, "warnings": node_warnings_, "advice": advice,
                    "events": kept_events, "ports": list(produced[nid]), "job_id": job_id, "node_id": nid,
                    "duration": result["nodes"][nid]["duration"]}, produced[nid], kept_artifacts)
            cache.remember(nid, plan)

    current = {"workflow": workflow, "r": r, "plans": planned}
    loops = {x.body[0]: x for x in graph.loops}
    looped = {nid for x in graph.loops for nid in (*x.body, x.node)}
    for nid in graph.order:
        if nid in loops:
            _run_loop(loops[nid], current, step, finish, status, produced, result, on_event, dataset_facts,
                      cache is not None, state)
        elif nid not in looped:
            step(nid, current["r"], current["plans"])

    if cache is not None:  # what differs from this workflow's run before: History says it
        from executor.cache import what_changed

        result["changed"] = what_changed(ran_why, names)
    cancelled = state["cancelled"]
    if cancelled:
        result["status"] = "cancelled"
    elif any(s == "failed" for s in status.values()):
        failed = [nid for nid, s in status.items() if s == "failed"]
        result["status"] = "failed"
        result["error"] = "; ".join(f"{nid}: {result['nodes'][nid]['message']}" for nid in failed)
    return result
