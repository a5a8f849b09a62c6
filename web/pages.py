"""The pages around the editor: home, the Workflows page (new, from a template or a dataset,
and Import) and the editor itself."""

from __future__ import annotations

import codecs
from pathlib import Path

from fasthtml.common import to_xml
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from components.editor import EditorPage
from components.pages import WorkflowsPage
from components.results import HistoryList
from data.store import Invalid, NotFound
from inspectors.panels import WorkflowInspector
from nodes import graph as graphs
from nodes.graph import quoted
from nodes.registry import node_types
from plugins import registry
from web.errors import BadRequest, parse_json
from web.site import Routes, Site, model_names

routes = Routes()


def opened(wf: dict) -> RedirectResponse:
    return RedirectResponse(f"/workflows/{wf['id']}", status_code=303)


def job_boot(site: Site, job) -> dict | None:
    """The latest run as the editor starts from it: its status and each node's."""
    if job is None:
        return None
    full = site.store.get_job(job["id"])
    results = (full.get("results") or {}).get("nodes") or {}
    highest = site.store.highest_rounds(full["id"])
    return {"id": full["id"], "status": full["status"], "estimated_time": full["estimated_time"],
            "statuses": {n["node_id"]: _boot_status(n, results.get(n["node_id"]) or {}, highest.get(n["node_id"]))
                         for n in full["nodes"]}}


def _boot_status(row: dict, result: dict, highest: int | None) -> dict:
    """One node's last status, with the round of a retrain loop it ended on (and, for the loop
    target, what that round trained) and the highest round it went through, as the run's
    live events said: the page's round badge follows them by one rule (playground.js
    settleRounds), live or opened again."""
    said = {"status": row["status"], "message": row.get("message") or "", "warnings": result.get("warnings") or []}
    return said | {k: result[k] for k in ("round", "rounds", "summary") if result.get(k)} | (
        {"highest_round": highest} if highest else {})


def from_dataset(site: Site, dataset: str, name: str) -> tuple[str, dict]:
    """"New workflow" on the datasets page: a pipeline that runs as it is, on this dataset
    with its suggested target: Dataset → Split → Model → Evaluate → Visualize (a scaler
    first for clustering), each with its own defaults (the model's metrics and plots), the
    Model with the starter algorithm of the problem type (nodes.model.STARTER). A Dataset
    node alone ran to "No metrics in this run"."""
    from nodes.model import STARTER

    facts = site.store.find_dataset(dataset)
    if facts is None:
        raise NotFound(f"No dataset {quoted(dataset)}.")
    problem_type = facts.get("problem_type") or "classification"
    config = {"dataset_id": dataset, "target_column": facts.get("target"), "problem_type": problem_type}
    chain = [("dataset", "dataset", config)]
    if problem_type == "clustering":  # distances: every column on one scale
        chain.append(("prep", "preprocessing", {"operations": [{"method": "standard_scaler", "parameters": {}}]}))
    chain += [("split", "split", {}), ("model", "model", {"algorithm": STARTER[problem_type]}),
              ("evaluate", "evaluate", {}), ("visualize", "visualize", {})]
    graph = {"nodes": [{"id": i, "type": t, "position": {"x": 300, "y": 60 + 110 * k}, "config": c}
                       for k, (i, t, c) in enumerate(chain)],
             "edges": [{"source": a[0], "target": b[0]} for a, b in zip(chain, chain[1:])]}
    return name or f"{facts.get('name') or dataset}: new workflow", graph


@routes("/")
def home(site: Site):
    """The newest workflow, or the Workflows page when there is none, where a POST creates
    one: a GET changes nothing (any page could make the browser send one, by an <img>)."""
    workflows = site.store.list_workflows()
    return RedirectResponse(f"/workflows/{workflows[0]['id']}" if workflows else "/workflows", status_code=303)


@routes("/workflows", methods=["get"])
def workflows_page(site: Site):
    return WorkflowsPage(site.store.list_workflows(), list(site.templates.items()))


@routes("/workflows", methods=["post"])
async def workflows_create(site: Site, request: Request):
    form = await request.form()
    template, dataset = form.get("template") or "", form.get("dataset") or ""
    graph = site.template_graph(template) if template else {"nodes": [], "edges": []}
    name = (form.get("name") or "").strip()
    if dataset:
        name, graph = from_dataset(site, dataset, name)
    name = name or (site.templates.get(template) if template else "Untitled workflow")
    return opened(site.store.create_workflow(name, graph))


@routes("/workflows/import", methods=["post"])
async def workflows_import(site: Site, request: Request):
    """The Workflows page's Import: a workflow file (an Export, what the API's GET returns,
    an example) becomes a new workflow, opened in the editor. A file that is not one gets
    the page again with the sentence (4xx), and nothing is created."""
    form = await request.form()
    upload = form.get("file")
    try:
        if not hasattr(upload, "read") or not upload.filename:
            raise BadRequest("Choose a workflow file (.json) to import.")
        raw = (await upload.read()).removeprefix(codecs.BOM_UTF8)
        name, graph = graphs.read_workflow(parse_json(raw, what="The file"))
        name = name or Path(upload.filename).stem or "Imported workflow"
        # the same name as a workflow here made two rows no one could tell apart (a new user): the copy says it is one
        taken = {w["name"] for w in site.store.list_workflows()}
        if name in taken:
            copy, k = f"{name} (imported)", 2
            while copy in taken:
                copy, k = f"{name} (imported {k})", k + 1
            name = copy
        wf = site.create_workflow(name, graph)
    except (BadRequest, graphs.GraphError, Invalid) as e:
        detail = getattr(e, "detail", None) or e.message
        page = WorkflowsPage(site.store.list_workflows(), list(site.templates.items()), import_error=detail)
        return HTMLResponse(to_xml(page), status_code=e.status)
    return opened(wf)


@routes("/workflows/{workflow_id}")
def editor_page(site: Site, workflow_id: str):
    store = site.store
    wf = store.require_workflow(workflow_id)
    latest = store.latest_job(workflow_id)
    state = site.states(wf["graph"])
    history = HistoryList(store.list_jobs(workflow_id, key_metric=True), registry.metrics(), model_names())
    return EditorPage(wf, list(node_types().values()), state, list(site.templates.items()), job_boot(site, latest),
                      history, site.results_panel(latest["id"] if latest else None),
                      WorkflowInspector(wf, state), undo=store.history_state(workflow_id))
