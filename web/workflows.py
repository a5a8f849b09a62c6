"""Workflows: the JSON API and the editor's fragments. Where both do the same action (undo,
redo, duplicate, delete, the structure), one function does it and two renderers answer: the
API's with the workflow, the editor's with what the canvas or the list repaints from."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from components.editor import NameSaved
from components.pages import WorkflowRow
from data.store import Invalid
from executor.engine import resolve
from inspectors.panels import WorkflowInspector
from nodes import graph as graphs
from web.errors import wants_json
from web.site import Routes, Site, api_error, attachment, json_body

routes = Routes()


# ------------------------------------------------------------------ the actions, once
def listed(site: Site, workflow_id: str) -> dict:
    """A workflow as the Workflows page lists it."""
    return next(w for w in site.store.list_workflows() if w["id"] == workflow_id)


def step(site: Site, workflow_id: str, which: str) -> tuple[dict, str]:
    """Undo or redo: the workflow after the step and the sentence saying what it was."""
    return {"undo": site.store.undo, "redo": site.store.redo}[which](workflow_id)


def canvas_state(site: Site, wf: dict, **extra) -> dict:
    """What the editor's canvas repaints from after a change."""
    return {"state": site.states(wf["graph"]), "updated_at": wf["updated_at"],
            "history": site.store.history_state(wf["id"]), **extra}


# ------------------------------------------------------------------ /api/v1
@routes("/api/v1/workflows", methods=["get"])
def api_list_workflows(site: Site):
    return JSONResponse(site.store.list_workflows())


@routes("/api/v1/workflows", methods=["post"])
async def api_create_workflow(site: Site, request: Request):
    """A workflow in either shape (graphs.read_workflow): what GET returns, or nodes and
    edges at the top; a body with only a name makes a blank one."""
    name, graph = graphs.read_workflow(await json_body(request), required=False)
    wf = site.create_workflow("Untitled workflow" if name is None else name, graph)
    # what the editor would show on its nodes, said at once: a script's typo ('hyperparamters', an
    # operation not installed here) is stored, as a workflow from another install is, but was
    # said only when the run was refused (found by a new user scripting the API)
    r = await asyncio.to_thread(resolve, wf["graph"], site.dataset_facts())
    return JSONResponse({**wf, "valid": not r.errors, "errors": r.errors}, status_code=201)


@routes("/api/v1/workflows/{workflow_id}", methods=["get"])
def api_get_workflow(site: Site, request: Request, workflow_id: str):
    """The workflow; with ?download=1 the same JSON as a file, `<name>.json` (the editor's
    Export), which Import on /workflows, POST /api/v1/workflows and the CLI read back."""
    wf = site.store.require_workflow(workflow_id)
    response = site.workflow_json(wf)
    if request.query_params.get("download") == "1":
        response.headers["Content-Disposition"] = attachment(f"{wf['name']}.json")
    return response


@routes("/api/v1/workflows/{workflow_id}", methods=["put", "patch"])
async def api_update_workflow(site: Site, request: Request, workflow_id: str):
    """PUT replaces the graph (in either shape, so what GET returned can come back);
    PATCH may also only rename."""
    name, graph = graphs.read_workflow(await json_body(request), required=False)
    if graph is None and request.method == "PUT":
        raise Invalid("PUT replaces the workflow: send its nodes and edges (PATCH to rename).", status=400)
    if graph is None and name is None:  # {"nme": ...} was a silent 200 (found by a new user's script)
        raise Invalid('Nothing to change: PATCH takes a "name", or "nodes" and "edges".', status=400)
    return site.workflow_json(site.store.update_workflow(workflow_id, name=name, graph=graph))


@routes("/api/v1/workflows/{workflow_id}/undo", methods=["post"])
def api_undo(site: Site, workflow_id: str):
    wf, message = step(site, workflow_id, "undo")
    return site.workflow_json(wf, message=message)


@routes("/api/v1/workflows/{workflow_id}/redo", methods=["post"])
def api_redo(site: Site, workflow_id: str):
    wf, message = step(site, workflow_id, "redo")
    return site.workflow_json(wf, message=message)


@routes("/api/v1/workflows/{workflow_id}", methods=["delete"])
def api_delete_workflow(site: Site, workflow_id: str):
    site.store.delete_workflow(workflow_id)
    return Response(status_code=204)


@routes("/api/v1/workflows/{workflow_id}/duplicate", methods=["post"])
def api_duplicate_workflow(site: Site, workflow_id: str):
    return JSONResponse(site.store.duplicate_workflow(workflow_id), status_code=201)


@routes("/api/v1/workflows/{workflow_id}/structure", methods=["put"])
async def api_save_structure(site: Site, request: Request, workflow_id: str):
    return site.workflow_json(site.store.save_structure(workflow_id, await json_body(request)))


# ------------------------------------------------------------------ the editor and the list
@routes("/ui/workflows/{workflow_id}/name", methods=["patch"])
async def ui_rename_inline(site: Site, request: Request, workflow_id: str):
    form = await request.form()
    try:
        site.store.update_workflow(workflow_id, name=form.get("name", ""))
    except Invalid as e:
        return NameSaved(False, e.detail)
    return NameSaved(), site.history_trigger(workflow_id)


@routes("/ui/workflows/{workflow_id}/rename", methods=["post"])
async def ui_rename(site: Site, request: Request, workflow_id: str):
    form = await request.form()
    site.store.update_workflow(workflow_id, name=form.get("name", ""))
    return WorkflowRow(listed(site, workflow_id))


@routes("/ui/workflows/{workflow_id}/duplicate", methods=["post"])
def ui_duplicate(site: Site, workflow_id: str):
    return WorkflowRow(listed(site, site.store.duplicate_workflow(workflow_id)["id"]))


@routes("/ui/workflows/{workflow_id}", methods=["delete"])
def ui_delete(site: Site, workflow_id: str):
    site.store.delete_workflow(workflow_id)
    return ""


@routes("/ui/workflows/{workflow_id}/structure", methods=["put"])
async def ui_save_structure(site: Site, request: Request, workflow_id: str):
    body = await json_body(request)
    try:
        wf = site.store.save_structure(workflow_id, body)
    except Invalid as e:
        return api_error(e.status, e.detail, edge=e.errors.get("edge"))
    return JSONResponse(canvas_state(site, wf))


@routes("/ui/workflows/{workflow_id}/missing-connections", methods=["delete"])
def ui_remove_missing_connections(site: Site, workflow_id: str):
    """The workflow panel's Remove: the connections to nodes the workflow does not have,
    which the canvas cannot draw (so not select, nor delete)."""
    wf = site.store.remove_missing_connections(workflow_id)
    states = site.states(wf["graph"])
    return WorkflowInspector(wf, states), site.history_trigger(workflow_id, **{"pg-state": states})


def ui_history_step(site: Site, request: Request, workflow_id: str, which: str) -> JSONResponse:
    """The editor's undo / redo: what the canvas repaints from (the graph with its ports,
    the name, the node states), the toast's sentence and the buttons' state (also with a
    409: another tab may have taken the last step)."""
    try:
        wf, message = step(site, workflow_id, which)
    except Invalid as e:
        if not wants_json(request):
            raise
        return api_error(e.status, e.detail, history=site.store.history_state(workflow_id))
    return JSONResponse({"graph": graphs.with_ports(wf["graph"]), "name": wf["name"],
                         **canvas_state(site, wf, message=message)})


@routes("/ui/workflows/{workflow_id}/undo", methods=["post"])
def ui_undo(site: Site, request: Request, workflow_id: str):
    return ui_history_step(site, request, workflow_id, "undo")


@routes("/ui/workflows/{workflow_id}/redo", methods=["post"])
def ui_redo(site: Site, request: Request, workflow_id: str):
    return ui_history_step(site, request, workflow_id, "redo")
