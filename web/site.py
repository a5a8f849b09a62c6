"""What every resource module of the web layer shares: the `Site` (one home folder's settings,
store, upload helper and access) and `Routes`, the table a module declares its routes in.

A resource is one module, `web/<resource>.py`, with a module-level `routes = Routes()` and
its handlers at the top level of the module; each handler takes the `Site` as its first
argument and the request's parameters after it (bound by FastHTML as usual). `app.py` lists
the modules and calls `routes.register(app, site)` on each: adding a resource is a new module
and one line there.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from fasthtml.common import HtmxResponseHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from components.results import ResultsPanel
from data import disk
from data.config import Settings
from data.ingest import IngestService
from data.store import Invalid, Store
from executor import submit as jobs
from executor.engine import node_states, reconcile_edit
from executor.facts import dataset_facts_for
from nodes import graph as graphs
from nodes.graph import quoted
from plugins import registry
from plugins.base import PROBLEM_TYPES
from web.auth import Access, Sessions
from web.errors import parse_json

ROOT = Path(__file__).resolve().parent.parent


def example_names() -> dict:
    """The example workflows (examples/*.json) by key, with their names: the templates."""
    return {p.stem: json.loads(p.read_text()).get("name", p.stem) for p in sorted((ROOT / "examples").glob("*.json"))}


@dataclass
class Site:
    """One home folder as the web layer serves it."""

    cfg: Settings
    store: Store
    ingest: IngestService
    access: Access
    sessions: Sessions | None
    templates: dict = field(default_factory=example_names)

    def __post_init__(self):
        # every save (inspector, API, canvas) runs the node types' reconcile hooks, in the store
        self.store.reconcile = functools.partial(reconcile_edit, dataset_facts=dataset_facts_for(self.store))

    # ------------------------------------------------------------------ jobs
    async def submit(self, graph, workflow_id: str | None, rerun=None) -> dict:
        """A run, refused up front (507, the sentence) when the disk has less than
        PLAYGROUND_MIN_FREE_MB free: its models, plots and events would not fit. `rerun`:
        what to run again however the node cache's keys compare ("all", or node ids)."""
        disk.require_free(self.cfg, "A run")
        return await asyncio.to_thread(jobs.submit, self.store, graph, workflow_id, rerun=rerun)

    def accepted(self, job: dict, **extra) -> dict:
        """What a submission answers (the API's 202 and the editor's Run alike): the job, its
        estimate, and what to know before it runs (no worker alive; an estimate past the job
        time limit)."""
        out = {**extra, "job_id": job["id"], "status": job["status"], "estimated_time": job["estimated_time"],
               "estimated_cost": job["estimated_cost"]}
        if job.get("warning"):
            out["warning"] = job["warning"]
        if (job.get("estimate") or {}).get("reused"):
            out["reused"] = job["estimate"]["reused"]  # what the node cache is expected to serve
        if (job.get("estimate") or {}).get("upper_bound"):
            out["estimated_upper_bound"] = True  # a loop counted at its every round failing
        return self.with_notice(out)

    def with_notice(self, job: dict) -> dict:
        """A queued job says so when no worker is alive to take it."""
        if job.get("status") in ("pending", "queued"):
            notice = jobs.worker_status(self.store).get("notice")
            if notice:
                return {**job, "notice": notice}
        return job

    # ------------------------------------------------------------------ workflows
    def dataset_facts(self):
        return dataset_facts_for(self.store)

    def states(self, graph) -> dict:
        return node_states(graph, self.dataset_facts())

    def create_workflow(self, name: str, graph) -> dict:
        """A new workflow (the API's create, the Workflows page's Import). A graph refused for
        a setting that cannot be stored is refused with what else its nodes need, node by node,
        as the CLI lists it: a hand-edited file was mended one refusal at a time."""
        try:
            return self.store.create_workflow(name, graph)
        except Invalid as e:
            if not e.errors or not isinstance(graph, dict):
                raise
            from executor.engine import resolve
            from nodes.graph import GRAPH, node_names

            try:
                r = resolve(graph, dataset_facts=self.dataset_facts())
            except Exception:  # what else it needs is a help, never a second failure
                raise e from None
            names = node_names(graph)
            rest = {nid: msgs for nid, msgs in r.errors.items() if nid not in e.errors and msgs}
            if not rest:
                raise
            said = "; ".join((" ".join(msgs) if nid == GRAPH else f"{names.get(nid, nid)} {nid!r}: {' '.join(msgs)}")
                             .rstrip(".") for nid, msgs in rest.items())
            raise Invalid(f"{e.detail} Once it can be saved, these need attention too: {said}.",
                          errors={**e.errors, **rest}, status=e.status) from None

    def workflow_json(self, wf: dict, **extra) -> JSONResponse:
        """A workflow as the API shows it: with whether undo / redo are possible."""
        return JSONResponse({**wf, **self.store.history_state(wf["id"]), **extra})

    def history_trigger(self, workflow_id: str, **events) -> HtmxResponseHeaders:
        """htmx events for the editor after a change: the undo / redo buttons follow."""
        return HtmxResponseHeaders(trigger=json.dumps({**events, "pg-history": self.store.history_state(workflow_id)}))

    def template_graph(self, key: str) -> dict:
        if key not in self.templates:
            raise Invalid(f"No template {quoted(key)}.", status=400)
        return json.loads((ROOT / "examples" / f"{key}.json").read_text())

    # ------------------------------------------------------------------ results
    def results_panel(self, job_id: str | None, own_page: bool = False):
        job = self.store.get_job(job_id) if job_id else None
        labels = graphs.node_names(self.store.get_snapshot(job["snapshot_id"])) if job else {}
        return ResultsPanel(job, registry.metrics(), model_names(), labels, own_page)

    # ------------------------------------------------------------------ disk
    def disk_banner(self) -> str:
        """Every page says when the home folder's disk is full; while it is not, the room
        set aside for starting on a full disk is kept (data.disk)."""
        state = disk.status(self.cfg)
        if not state["full"]:
            disk.keep_reserve(self.cfg)
        return state.get("notice", "")

    def disk_answer(self, exc: Exception):
        """A write the disk refused, wherever it happened: 507 with data.disk's sentence."""
        if disk.is_disk_full(exc, self.cfg.home):
            e = disk.failed(self.cfg, "The change")
            return e.status, e.detail, {}
        return None


def model_names() -> dict:
    return {slug: p.name for slug, p in registry.models().items()}


def job_json(job: dict) -> dict:
    job = dict(job)
    job.pop("task_id", None)
    return job


def api_error(status: int, detail: str, **extra) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status)


async def json_body(request: Request, kind=dict):
    return parse_json(await request.body(), kind)


def problem_type_arg(request: Request) -> str | None:
    pt = request.query_params.get("problem_type") or None
    if pt is not None and pt not in PROBLEM_TYPES:
        raise Invalid(f"Unknown problem type {quoted(pt)}; use one of {', '.join(PROBLEM_TYPES)}.", status=400)
    return pt


def attachment(filename: str) -> str:
    """Content-Disposition of a download: an ASCII name for every client, and the real one
    (RFC 6266's filename*) for those that read it; no path separators, quotes or control
    characters in either (the browser makes the rest fit its file system)."""
    safe = "".join("_" if c in '\\/"' or ord(c) < 32 or ord(c) == 127 else c for c in filename)
    ascii_name = safe.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=utf-8''{quote(safe)}"


def bind(fn, site: Site):
    """`fn` with the site given: a handler whose signature is fn's less its first parameter
    (what FastHTML binds the request to)."""
    sig = inspect.signature(fn, eval_str=True)
    if inspect.iscoroutinefunction(fn):
        async def handler(*args, **kwargs):
            return await fn(site, *args, **kwargs)
    else:
        def handler(*args, **kwargs):
            return fn(site, *args, **kwargs)
    handler.__name__, handler.__qualname__, handler.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
    handler.__module__ = fn.__module__
    handler.__signature__ = sig.replace(parameters=list(sig.parameters.values())[1:])
    return handler


class Routes:
    """A resource module's routes, in the order they are matched."""

    def __init__(self):
        self.table: list[tuple[str, list | None, object, bool]] = []

    def __call__(self, path: str, methods: list | None = None):
        """A FastHTML route (parameters bound by name)."""
        def declare(fn):
            self.table.append((path, methods, fn, False))
            return fn
        return declare

    def stream(self, path: str, methods: list):
        """A plain Starlette route, `fn(site, request)`: FastHTML would parse (and spool) a
        whole multipart body before the handler runs; these read it as it arrives."""
        def declare(fn):
            self.table.append((path, methods, fn, True))
            return fn
        return declare

    def register(self, app, site: Site) -> None:
        for path, methods, fn, plain in self.table:
            if plain:
                app.router.routes.append(Route(path, functools.partial(fn, site), methods=methods))
            else:
                app.route(path, methods=methods)(bind(fn, site))
