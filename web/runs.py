"""Runs: submitting (the API's execute and run, the editor's Run: one submission, one
accepted-job answer), the jobs API, and the run's pages and panels (results, history, the
live search, comparing two runs). The live event stream is web/events.py."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse

from components.compare import ComparePage, Comparison
from components.results import HistoryList, RunPage
from components.search import LiveSearches, ParametersUsed
from data import disk
from data.store import Invalid, NotFound
from executor import submit as jobs
from executor.compare import compare_jobs
from executor.engine import node_states, resolve
from nodes import graph as graphs
from nodes.base import NodeError
from nodes.graph import quoted
from nodes.model import use_search_parameters
from nodes.registry import node_types
from plugins import registry
from web.errors import parse_json
from web.site import Routes, Site, job_json, json_body, model_names

routes = Routes()


# ------------------------------------------------------------------ the actions, once
async def run_saved(site: Site, workflow_id: str, rerun=None) -> dict:
    """A run of a saved workflow as it is now (the API's run and the editor's Run); `rerun`:
    "all", or node ids to run again with what is below them, although unchanged."""
    wf = site.store.require_workflow(workflow_id)
    return await site.submit(wf["graph"], workflow_id, rerun)


def comparison(site: Site, request: Request) -> dict:
    q = request.query_params
    return compare_jobs(site.store, q.get("a"), q.get("b"), registry.metrics(), node_types())


def history(site: Site, workflow_id: str):
    return HistoryList(site.store.list_jobs(workflow_id, key_metric=True), registry.metrics(), model_names())


# ------------------------------------------------------------------ /api/v1
@routes("/api/v1/workflows/execute", methods=["post"])
async def api_execute(site: Site, request: Request):
    body = await json_body(request)
    workflow_id = body.get("workflow_id")
    if workflow_id is not None and (not isinstance(workflow_id, str) or site.store.get_workflow(workflow_id) is None):
        raise NotFound(f"No workflow {quoted(workflow_id)}.")
    _, graph = graphs.read_workflow(body)
    return JSONResponse(site.accepted(await site.submit(graph, workflow_id, body.get("rerun"))), status_code=202)


@routes("/api/v1/workflows/{workflow_id}/validate", methods=["post"])
async def api_validate_workflow(site: Site, workflow_id: str):
    wf = site.store.require_workflow(workflow_id)
    r = await asyncio.to_thread(resolve, wf["graph"], site.dataset_facts())
    return JSONResponse({"valid": not r.errors, "errors": r.errors, "field_errors": r.field_errors})


@routes("/api/v1/workflows/{workflow_id}/run", methods=["post"])
async def api_run_workflow(site: Site, workflow_id: str, request: Request):
    """Body (optional): {"rerun": "all" | [node ids]}, what to run again although unchanged."""
    raw = await request.body()
    rerun = parse_json(raw, dict).get("rerun") if raw.strip() else None
    return JSONResponse(site.accepted(await run_saved(site, workflow_id, rerun)), status_code=202)


@routes("/api/v1/jobs")
def api_list_jobs(site: Site, request: Request):
    return JSONResponse(site.store.list_jobs(request.query_params.get("workflow_id") or None))


@routes("/api/v1/jobs/compare")  # before /api/v1/jobs/{job_id}, which would take "compare" for an id
def api_compare_jobs(site: Site, request: Request):
    """Two runs: configuration differences and metric deltas (later run minus earlier)."""
    return JSONResponse(comparison(site, request))


@routes("/api/v1/jobs/{job_id}")
def api_get_job(site: Site, job_id: str):
    return JSONResponse(site.with_notice(job_json(site.store.require_job(job_id))))


@routes("/api/v1/jobs/{job_id}/cancel", methods=["post"])
def api_cancel_job(site: Site, job_id: str):
    return JSONResponse(job_json(jobs.cancel(site.store, job_id)))


@routes("/api/v1/jobs/{job_id}/retry", methods=["post"])
async def api_retry_job(site: Site, job_id: str):
    disk.require_free(site.cfg, "A run")
    job = await asyncio.to_thread(jobs.retry, site.store, job_id)
    return JSONResponse(site.accepted(job, retry_of=job_id), status_code=202)


@routes("/api/v1/jobs/{job_id}/artifacts/{artifact_id}")
def api_artifact(site: Site, job_id: str, artifact_id: str):
    art = site.store.get_artifact(job_id, artifact_id)
    disposition = "inline" if art["mime"].startswith("image/") else "attachment"
    return FileResponse(art["path"], media_type=art["mime"], filename=art["name"], content_disposition_type=disposition)


# ------------------------------------------------------------------ the editor's panels
@routes("/ui/workflows/{workflow_id}/run", methods=["post"])
async def ui_run(site: Site, workflow_id: str, request: Request):
    """The editor's Run: like POST /api/v1/workflows/{id}/run, but a workflow that is not
    valid is an expected answer (200 with the errors to paint), not a failed request."""
    asked = (await request.form()).get("rerun") or None  # "all", or a node to run again with all below it
    try:
        job = await run_saved(site, workflow_id, asked if asked in (None, "all") else [asked])
    except Invalid as e:
        return JSONResponse({"ok": False, "detail": e.detail, "errors": e.errors})
    return JSONResponse(site.accepted(job, ok=True))


@routes("/ui/workflows/{workflow_id}/history")
def ui_history(site: Site, workflow_id: str):
    site.store.require_workflow(workflow_id)
    return history(site, workflow_id)


@routes("/ui/jobs/compare")
def ui_compare(site: Site, request: Request):
    return Comparison(comparison(site, request))


@routes("/ui/jobs/{job_id}/results")
def ui_results(site: Site, job_id: str):
    site.store.require_job(job_id)
    return site.results_panel(job_id)


@routes("/ui/jobs/{job_id}/trials")
def ui_trials(site: Site, job_id: str):
    """The search panel while a run searches: every trial finished so far, per node."""
    job = site.store.require_job(job_id, with_nodes=False)  # the job row only
    graph = site.store.get_snapshot(job["snapshot_id"])
    algorithms = {n["id"]: (n.get("config") or {}).get("algorithm") for n in graph["nodes"]}
    return LiveSearches(site.store.trials(job_id), algorithms, graphs.node_names(graph), registry.models())


@routes("/ui/jobs/{job_id}/nodes/{node_id}/use-parameters", methods=["post"])
def ui_use_parameters(site: Site, job_id: str, node_id: str):
    """Write a finished search's best parameters into the Model node of the workflow the
    run came from: an ordinary config edit (validated, saved, undoable)."""
    job = site.store.require_job(job_id)
    node = next((n for n in job["nodes"] if n["node_id"] == node_id), None)
    if node is None or not job.get("workflow_id"):
        raise NotFound(f"This run has no node {quoted(node_id)} in a saved workflow.")
    wf = site.store.require_workflow(job["workflow_id"])
    current = next((n for n in wf["graph"]["nodes"] if n["id"] == node_id), None)
    if current is None:
        raise Invalid(f"The workflow no longer has the node {quoted(node_id)}.", status=409)
    try:
        config = use_search_parameters(current.get("config") or {}, node.get("output") or {})
    except NodeError as e:
        raise Invalid(str(e), status=409) from None
    label = graphs.node_name(current)
    wf = site.store.update_node_config(wf["id"], node_id, config, description=f"{label} hyperparameters from the search")
    trigger = {"pg-state": node_states(wf["graph"], dataset_facts=site.dataset_facts()),
               "pg-config-changed": {"node_id": node_id}}
    return ParametersUsed(label), site.history_trigger(wf["id"], **trigger)


# ------------------------------------------------------------------ pages
@routes("/jobs/compare")  # before /jobs/{job_id}
def compare_page(site: Site, request: Request):
    """Two runs compared, at a stable address: /jobs/compare?a=ID&b=ID."""
    cmp = comparison(site, request)
    workflow = site.store.get_workflow(cmp["b"]["workflow_id"]) if cmp["b"].get("workflow_id") else None
    return ComparePage(cmp, workflow)


@routes("/jobs/{job_id}")
def job_page(site: Site, job_id: str):
    """A run's results as a page of their own, at a stable address."""
    job = site.store.require_job(job_id)
    workflow = site.store.get_workflow(job["workflow_id"]) if job.get("workflow_id") else None
    return RunPage(job, workflow, site.results_panel(job_id, own_page=True))
