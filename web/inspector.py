"""The inspector: the panel of the workflow or of one node, and a node's form saved."""

from __future__ import annotations

import logging

from fasthtml.common import to_xml
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse

from data.store import Invalid, NotFound
from executor.engine import Resolved, advice_for, node_states, reconcile_node, resolve
from executor.estimate import estimate as estimate_job
from executor.estimate import node_share
from executor.submit import cache_outlook
from inspectors.context import InspectorContext
from inspectors.panels import Inspector, UnknownTypeInspector, WorkflowInspector, parse_config
from nodes.base import Design, Upstream
from nodes.graph import quoted
from nodes.registry import node_types
from web.datasets import ingest_upload
from web.site import Routes, Site

routes = Routes()
log = logging.getLogger("playground.web")


def dataset_choice(site: Site, ctx: InspectorContext, info) -> None:
    """A node that names a dataset: every dataset to offer, and the chosen one's profile."""
    ctx.samples = site.store.list_samples()
    ctx.uploads = site.store.list_datasets()
    ds = ctx.config.get(ctx.node_type.dataset_param)
    if ds and info(ds) is not None:
        base = site.store.find_dataset(ds) or {}
        ctx.dataset = {**base, "profile": {"n_rows": info(ds)["n_rows"], "n_cols": len(info(ds)["columns"]),
                                           "columns": info(ds)["columns"],
                                           "memory_bytes": (base.get("profile") or {}).get("memory_bytes", 0)}}


def node_and_type(r: Resolved, node_id: str):
    node = r.graph.nodes.get(node_id)
    if node is None:
        raise NotFound(f"No node {quoted(node_id)} in this workflow.")
    nt = node_types().get(node.get("type"))
    if nt is None:
        raise Invalid(f"Unknown node type {quoted(node.get('type'))}.", status=400)
    return node, nt


def panel_context(site: Site, workflow_id: str, r: Resolved, node_id: str, info,
                  refused: dict | None = None) -> InspectorContext:
    """Everything a node's panel shows, from one resolve of the graph (whose canvas states
    the same request sends too)."""
    node, nt = node_and_type(r, node_id)
    # as stored, less what its declaration rules out (shown among its errors instead)
    ctx = InspectorContext(workflow_id=workflow_id, node_id=node_id, node_type=nt, config=r.stored.get(node_id, {}),
                           clean=r.configs.get(node_id, {}), field_errors=r.field_errors.get(node_id, {}),
                           node_errors=r.errors.get(node_id, []), upstream=r.upstream.get(node_id) or Upstream(),
                           refused=refused or {}, label=node.get("label") or "")
    ctx.warnings = advice_for(r, node_id)
    if nt.dataset_param:
        dataset_choice(site, ctx, info)
    if node_id in r.configs:
        try:
            ctx.previews = nt.preview(r.configs[node_id], ctx.upstream, r.designs.get(node_id) or Design())
        except Exception:  # a preview must never break the inspector
            log.exception("preview of %s failed", node_id)
    if "estimate" in nt.declared:
        # as Run will count it: what the node cache holds costs nothing (a plot drawn before)
        reused, held = cache_outlook(site.store, r, None)
        if node_id in r.configs:
            ctx.share = node_share(r, node_id, reused, held)
        if not r.errors:
            ctx.estimate = estimate_job(r, info, reused=reused, held=held)
    return ctx


class FormEdit:
    """An inspector's post as an edit made inside the one resolve of a save: the form read
    against what flows into the node (its panel's parser), then the node type's reconcile."""

    def __init__(self, form, workflow_id: str, node_id: str, info):
        self.form, self.workflow_id, self.node_id, self.info = form, workflow_id, node_id, info
        self.config, self.refused = None, {}

    def __call__(self, nt, stored: dict, upstream: Upstream, design: Design) -> dict:
        ctx = InspectorContext(workflow_id=self.workflow_id, node_id=self.node_id, node_type=nt, config=stored,
                               clean={}, field_errors={}, node_errors=[], upstream=upstream)
        config, self.refused = parse_config(self.form, ctx)
        self.config = reconcile_node(nt, config, stored, self.info)
        return self.config


def inspector_context(site: Site, wf, node_id: str) -> InspectorContext:
    info = site.dataset_facts()
    return panel_context(site, wf["id"], resolve(wf["graph"], dataset_facts=info), node_id, info)


@routes("/ui/workflows/{workflow_id}/inspector")
def ui_workflow_inspector(site: Site, workflow_id: str):
    wf = site.store.require_workflow(workflow_id)
    return WorkflowInspector(wf, site.states(wf["graph"]))


@routes("/ui/workflows/{workflow_id}/nodes/{node_id}/inspector")
def ui_node_inspector(site: Site, workflow_id: str, node_id: str):
    wf = site.store.require_workflow(workflow_id)
    node = next((n for n in wf["graph"]["nodes"] if n.get("id") == node_id), None)
    if node is None:  # deleted since it was clicked (Delete pressed at once: the click's request came after the
        # save, found by the suite under load): the panel of no selection, saying so, not a refusal on screen
        return WorkflowInspector(wf, site.states(wf["graph"]), gone=node_id)
    if node.get("type") not in node_types():  # a plugin gone, a file edited by hand
        return UnknownTypeInspector(node)
    return Inspector(inspector_context(site, wf, node_id))


@routes("/ui/workflows/{workflow_id}/nodes/{node_id}/config", methods=["post"])
async def ui_save_config(site: Site, request: Request, workflow_id: str, node_id: str):
    """A node's form saved: the workflow read once, its graph resolved once with the form
    read in (the node's config checked once, against its inputs), the config written, and
    the panel and the canvas states drawn from that one resolve."""
    return save_node_form(site, workflow_id, node_id, await request.form())


def save_node_form(site: Site, workflow_id: str, node_id: str, form):
    """A node's form (posted, or what an upload into the node amounts to) saved: (the panel, the
    htmx headers that bring the canvas states and the undo history up to date)."""
    wf = site.store.require_workflow(workflow_id)
    info = site.dataset_facts()
    edit = FormEdit(form, workflow_id, node_id, info)
    r = resolve(wf["graph"], dataset_facts=info, edit=(node_id, edit))
    node_and_type(r, node_id)
    wf = site.store.update_node_config(workflow_id, node_id, edit.config, base=wf)
    ctx = panel_context(site, workflow_id, r, node_id, info, edit.refused)
    ctx.posted = form
    states_now = node_states(wf["graph"], resolved=r)
    return Inspector(ctx), site.history_trigger(workflow_id, **{"pg-state": states_now})


@routes.stream("/ui/datasets/for/{workflow_id}/{node_id}", methods=["POST"])
async def ui_upload_into_node(site: Site, request: Request):
    """A table uploaded from a node's inspector (a Dataset node's "My datasets"): added as the
    Datasets page adds it, then chosen in that node, as a click on it in the list would choose
    it. Under /ui/datasets, so the upload size limit applies (app.py). A node that takes no
    dataset is refused before a byte of the body is read."""
    workflow_id, node_id = request.path_params["workflow_id"], request.path_params["node_id"]
    wf = site.store.require_workflow(workflow_id)
    node = next((n for n in wf["graph"]["nodes"] if n.get("id") == node_id), None)
    if node is None:
        raise NotFound(f"No node {quoted(node_id)} in this workflow.")
    nt = node_types().get(node.get("type"))
    if nt is None or not nt.dataset_param:
        raise Invalid(f"Node {quoted(node_id)} takes no dataset: upload the table on the Datasets page.", status=400)
    record = await ingest_upload(site, request)
    panel, header = save_node_form(site, workflow_id, node_id, FormData({nt.dataset_param: record["id"]}))
    return HTMLResponse(to_xml(panel), headers={header.k: header.v})
