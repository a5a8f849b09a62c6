"""AutoML Playground: the web app (FastHTML, server-rendered, htmx) and its entry point.

Routes are thin: bind parameters, call one function in data/ or executor/, return a
component (HTML for the UI) or JSON (for the canvas and /api/v1).

`python app.py` starts the web server and a Huey consumer child process; `--no-worker`
runs the web only.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import codecs
import copy
import json
import logging
import os
from pathlib import Path
from urllib.parse import quote

from fasthtml.common import FastHTML, HtmxResponseHeaders, to_xml
from sse_starlette import EventSourceResponse
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route
from starlette.staticfiles import StaticFiles

from components.compare import ComparePage, Comparison
from components.editor import EditorPage, NameSaved
from components.login import LoginPage
from components.pages import DatasetDetailPage, DatasetsPage, DatasetTables, WorkflowRow, WorkflowsPage
from components.results import HistoryList, ResultsPanel, RunPage
from components.search import LiveSearches, ParametersUsed
from data import datasets, disk, uploads
from data.config import Settings, settings
from data.ingest import IngestService, check_options, clean_leftovers, reading_options
from data.store import Invalid, NotFound, open_store
from executor import jobs
from executor.compare import compare_jobs
from executor.engine import Resolved, advice_for, node_states, resolve
from executor.estimate import estimate as estimate_job
from executor.events import job_events, stream_stats
from inspectors.context import InspectorContext
from inspectors.panels import Inspector, WorkflowInspector, parse_config
from nodes import graph as graphs
from nodes.base import Design, NodeError, Upstream
from nodes.graph import quoted
from nodes.model import use_search_parameters
from nodes.registry import node_types
from plugins import guards, registry, tables
from plugins.base import PROBLEM_TYPES
from web import models as models_routes
from web.auth import (
    Access,
    RedactTokens,
    Sessions,
    StartRefused,
    is_loopback,
    login_urls,
    networks,
    safe_next,
)
from web.auth import plan as plan_access
from web.banner import BannerMiddleware
from web.errors import BadRequest, parse_json, wants_json
from web.errors import install as install_error_policy
from web.scripts import install as install_script_routes
from web.security import SecurityMiddleware, csrf_token
from web.upload import receive_upload

ROOT = Path(__file__).resolve().parent

# Browser libraries come from npm (node_modules) and are served from our own origin.
# An explicit map, not a directory mount: nothing else in node_modules is reachable.
VENDOR = {
    "x6.js": ROOT / "node_modules/@antv/x6/dist/x6.min.js",
    "htmx.js": ROOT / "node_modules/htmx.org/dist/htmx.min.js",
}

log = logging.getLogger("playground.web")


def create_app(cfg: Settings | None = None, access: Access | None = None) -> FastHTML:
    """The app for one home folder: its own store, upload helper and routes. Nothing is
    built at import time: `python app.py` builds one, each test can build a fresh one.
    `access` says whether a token is needed (web/auth.py; by default not: loopback)."""
    cfg = (cfg or settings()).ensure()
    access = access or Access.open()
    sessions = Sessions(access, cfg.session_secret()) if access.required else None

    # default_hdrs=False: FastHTML would otherwise pull htmx & co from a CDN. FastHTML() (not
    # fast_app) adds no catch-all static route, so no path can escape the static folder.
    app = FastHTML(
        default_hdrs=False,
        secret_key=cfg.session_secret(),
        key_fname=str(cfg.home / "session.key"),
        title="AutoML Playground",
        max_part_size=cfg.max_upload_bytes + 2**20,  # our own limit answers with a sentence first
    )
    app.mount("/static", StaticFiles(directory=ROOT / "static"), name="static")
    # the sentence names the home folder: for those let in only (not a stranger's login page)
    app.add_middleware(BannerMiddleware, say=lambda scope: disk_banner() if scope.get("state", {}).get("signed_in") else "")
    app.add_middleware(SecurityMiddleware, allowed_hosts=cfg.allowed_hosts,
                       token=csrf_token(cfg.session_secret()), max_body_bytes=cfg.max_body_bytes,
                       max_upload_bytes=cfg.max_upload_bytes + 2**20, sessions=sessions,
                       trusted_proxies=cfg.trusted_proxies,
                       upload_paths=("/api/v1/datasets", "/ui/datasets", models_routes.SCORING_PATH))
    rt = app.route


    @rt("/vendor/{name}")
    def vendor(name: str):
        path = VENDOR.get(name)
        if path is None or not path.exists():
            return Response(f"No vendor file {quoted(name)}.", status_code=404)
        return FileResponse(path, media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})


    # =========================================================================== /api/v1
    # Thin routes: bind, call one function in data/ or executor/, return JSON. Domain errors
    # (Invalid, NotFound) become 4xx with a sentence; anything else a logged 500 with a sentence.
    store = open_store(cfg)
    disk.keep_reserve(cfg)  # room set aside for starting on a full disk (data.disk)


    def api_error(status: int, detail: str, **extra) -> JSONResponse:
        return JSONResponse({"detail": detail, **extra}, status_code=status)


    def disk_banner() -> str:
        """Every page says when the home folder's disk is full; while it is not, the room
        set aside for starting on a full disk is kept (data.disk)."""
        state = disk.status(cfg)
        if not state["full"]:
            disk.keep_reserve(cfg)
        return state.get("notice", "")


    def disk_answer(exc: Exception):
        """A write the disk refused, wherever it happened: 507 with data.disk's sentence."""
        if disk.is_disk_full(exc, cfg.home):
            e = disk.failed(cfg, "The change")
            return e.status, e.detail, {}
        return None


    install_error_policy(app, {
        Invalid: lambda e: (e.status, e.detail, {"errors": e.errors} if e.errors else {}),
        NotFound: lambda e: (404, str(e), {}),
        datasets.DatasetError: lambda e: (400, str(e), {}),
        graphs.GraphError: lambda e: (e.status, e.message, {}),
        disk.DiskFull: lambda e: (e.status, e.detail, {}),
    }, low_level=disk_answer)


    def submit_job(graph, workflow_id: str | None) -> dict:
        """A run, refused up front (507, the sentence) when the disk has less than
        PLAYGROUND_MIN_FREE_MB free: its models, plots and events would not fit."""
        disk.require_free(cfg, "A run")
        return jobs.submit(store, graph, workflow_id)


    async def json_body(request: Request, kind=dict):
        return parse_json(await request.body(), kind)


    def problem_type_arg(request: Request) -> str | None:
        pt = request.query_params.get("problem_type") or None
        if pt is not None and pt not in PROBLEM_TYPES:
            raise Invalid(f"Unknown problem type {quoted(pt)}; use one of {', '.join(PROBLEM_TYPES)}.", status=400)
        return pt


    def job_json(job: dict) -> dict:
        job = dict(job)
        job.pop("task_id", None)
        return job


    @rt("/api/v1/plugins")
    def api_plugins(request: Request):
        pt = problem_type_arg(request)
        return JSONResponse({"models": [m.summary_json() for m in registry.models_for(pt)],
                             "preprocessing": [o.to_json() for o in registry.operations().values()]})


    @rt("/api/v1/plugins/models/{slug}")
    def api_plugin(request: Request, slug: str):
        plugin = registry.models().get(slug)
        if plugin is None:
            raise NotFound(f"No model plugin {quoted(slug)}.")
        pt = problem_type_arg(request)
        if pt and pt not in plugin.problem_types:
            raise Invalid(f"{plugin.name} does not do {pt}.", status=400)
        return JSONResponse(plugin.detail_json(pt, registry.capabilities(plugin, pt) if pt else None))


    @rt("/api/v1/plugins/preprocessing")
    def api_preprocessing():
        return JSONResponse([o.to_json() for o in registry.operations().values()])


    @rt("/api/v1/plugins/metrics")
    def api_metrics():
        return JSONResponse([m.to_json() for m in registry.metrics().values()])


    @rt("/api/v1/plugins/plots")
    def api_plots():
        return JSONResponse([p.to_json() for p in registry.plots().values()])


    @rt("/api/v1/node-types")
    def api_node_types():
        return JSONResponse([t.to_json() for t in node_types().values()])


    @rt("/api/v1/workflows", methods=["get"])
    def api_list_workflows():
        return JSONResponse(store.list_workflows())


    @rt("/api/v1/workflows", methods=["post"])
    async def api_create_workflow(request: Request):
        """A workflow in either shape (graphs.read_workflow): what GET returns, or nodes and
        edges at the top; a body with only a name makes a blank one."""
        name, graph = graphs.read_workflow(await json_body(request), required=False)
        wf = store.create_workflow("Untitled workflow" if name is None else name, graph)
        return JSONResponse(wf, status_code=201)


    @rt("/api/v1/workflows/execute", methods=["post"])
    async def api_execute(request: Request):
        body = await json_body(request)
        workflow_id = body.get("workflow_id")
        if workflow_id is not None and (not isinstance(workflow_id, str) or store.get_workflow(workflow_id) is None):
            raise NotFound(f"No workflow {quoted(workflow_id)}.")
        _, graph = graphs.read_workflow(body)
        job = await asyncio.to_thread(submit_job, graph, workflow_id)
        return JSONResponse(queued_answer(job), status_code=202)


    def attachment(filename: str) -> str:
        """Content-Disposition of a download: an ASCII name for every client, and the real one
        (RFC 6266's filename*) for those that read it; no path separators, quotes or control
        characters in either (the browser makes the rest fit its file system)."""
        safe = "".join("_" if c in '\\/"' or ord(c) < 32 or ord(c) == 127 else c for c in filename)
        ascii_name = safe.encode("ascii", "replace").decode().replace("?", "_")
        return f"attachment; filename=\"{ascii_name}\"; filename*=utf-8''{quote(safe)}"


    def workflow_json(wf: dict, **extra) -> JSONResponse:
        """A workflow as the API shows it: with whether undo / redo are possible."""
        return JSONResponse({**wf, **store.history_state(wf["id"]), **extra})


    @rt("/api/v1/workflows/{workflow_id}", methods=["get"])
    def api_get_workflow(request: Request, workflow_id: str):
        """The workflow; with ?download=1 the same JSON as a file, `<name>.json` (the editor's
        Export), which Import on /workflows, POST /api/v1/workflows and the CLI read back."""
        wf = store.require_workflow(workflow_id)
        response = workflow_json(wf)
        if request.query_params.get("download") == "1":
            response.headers["Content-Disposition"] = attachment(f"{wf['name']}.json")
        return response


    @rt("/api/v1/workflows/{workflow_id}", methods=["put", "patch"])
    async def api_update_workflow(request: Request, workflow_id: str):
        """PUT replaces the graph (in either shape, so what GET returned can come back);
        PATCH may also only rename."""
        name, graph = graphs.read_workflow(await json_body(request), required=False)
        if graph is None and request.method == "PUT":
            raise Invalid("PUT replaces the workflow: send its nodes and edges (PATCH to rename).", status=400)
        return workflow_json(store.update_workflow(workflow_id, name=name, graph=graph))


    @rt("/api/v1/workflows/{workflow_id}/undo", methods=["post"])
    def api_undo(workflow_id: str):
        wf, message = store.undo(workflow_id)
        return workflow_json(wf, message=message)


    @rt("/api/v1/workflows/{workflow_id}/redo", methods=["post"])
    def api_redo(workflow_id: str):
        wf, message = store.redo(workflow_id)
        return workflow_json(wf, message=message)


    @rt("/api/v1/workflows/{workflow_id}", methods=["delete"])
    def api_delete_workflow(workflow_id: str):
        store.delete_workflow(workflow_id)
        return Response(status_code=204)


    @rt("/api/v1/workflows/{workflow_id}/duplicate", methods=["post"])
    def api_duplicate_workflow(workflow_id: str):
        return JSONResponse(store.duplicate_workflow(workflow_id), status_code=201)


    @rt("/api/v1/workflows/{workflow_id}/structure", methods=["put"])
    async def api_save_structure(request: Request, workflow_id: str):
        body = await json_body(request)
        return workflow_json(store.save_structure(workflow_id, body))


    @rt("/api/v1/workflows/{workflow_id}/validate", methods=["post"])
    async def api_validate_workflow(workflow_id: str):
        wf = store.require_workflow(workflow_id)
        r = await asyncio.to_thread(resolve, wf["graph"], jobs.dataset_info_for(store))
        return JSONResponse({"valid": not r.errors, "errors": r.errors, "field_errors": r.field_errors})


    @rt("/api/v1/workflows/{workflow_id}/run", methods=["post"])
    async def api_run_workflow(workflow_id: str):
        wf = store.require_workflow(workflow_id)
        job = await asyncio.to_thread(submit_job, wf["graph"], workflow_id)
        return JSONResponse(queued_answer(job), status_code=202)


    @rt("/api/v1/health")
    def api_health(request: Request):
        """Whether workers are alive to run jobs: {"live": n, "workers": [...], "notice"?}, the
        live event streams: {"streams": {"tailers", "viewers", "reads_total"}}, and the home
        folder's disk: {"disk": {"home", "free_bytes", "min_free_bytes", "full", "notice"?}}.
        Anyone may ask (a load balancer, a monitor); without the token, when one is needed,
        the answer says nothing private: {"live": n, "disk": {"full": …}}."""
        workers, state = jobs.worker_status(store), disk.status(cfg)
        if not request.state.signed_in:
            return JSONResponse({"live": workers["live"], "disk": {"full": state["full"]}})
        return JSONResponse({**workers, "streams": stream_stats(), "disk": state})


    def queued_answer(job: dict, **extra) -> dict:
        """What a submission answers: the job, its estimate, and what to know before it runs
        (no worker alive; an estimate past the job time limit)."""
        out = {**extra, "job_id": job["id"], "status": job["status"], "estimated_time": job["estimated_time"],
               "estimated_cost": job["estimated_cost"]}
        if job.get("warning"):
            out["warning"] = job["warning"]
        return queued_notice(out)


    def queued_notice(job: dict) -> dict:
        """A queued job says so when no worker is alive to take it."""
        if job.get("status") in ("pending", "queued"):
            notice = jobs.worker_status(store).get("notice")
            if notice:
                return {**job, "notice": notice}
        return job


    @rt("/api/v1/jobs")
    def api_list_jobs(request: Request):
        return JSONResponse(store.list_jobs(request.query_params.get("workflow_id") or None))


    def comparison(request: Request) -> dict:
        q = request.query_params
        return compare_jobs(store, q.get("a"), q.get("b"), registry.metrics(), node_types())


    @rt("/api/v1/jobs/compare")  # before /api/v1/jobs/{job_id}, which would take "compare" for an id
    def api_compare_jobs(request: Request):
        """Two runs: configuration differences and metric deltas (later run minus earlier)."""
        return JSONResponse(comparison(request))


    @rt("/api/v1/jobs/{job_id}")
    def api_get_job(job_id: str):
        return JSONResponse(queued_notice(job_json(store.require_job(job_id))))


    @rt("/api/v1/jobs/{job_id}/cancel", methods=["post"])
    def api_cancel_job(job_id: str):
        return JSONResponse(job_json(jobs.cancel(store, job_id)))


    @rt("/api/v1/jobs/{job_id}/retry", methods=["post"])
    async def api_retry_job(job_id: str):
        disk.require_free(cfg, "A run")
        job = await asyncio.to_thread(jobs.retry, store, job_id)
        return JSONResponse({**queued_answer(job), "retry_of": job_id}, status_code=202)


    SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Connection": "keep-alive"}


    @rt("/api/v1/jobs/{job_id}/events")
    def api_job_events(request: Request, job_id: str):
        store.require_job(job_id)
        raw = request.headers.get("last-event-id") or request.query_params.get("after") or "0"
        try:
            after = max(0, int(raw)) if len(raw) <= 18 else None
        except ValueError:
            after = None
        if after is None:  # checked before the stream starts: a 200 cannot be taken back
            raise Invalid("Last-Event-ID / after must be a whole number of at most 18 digits.", status=400)
        # sse-starlette's response: it sends our frames and notices a viewer that went away; the
        # keep-alive comments are the stream's own (executor/events.py), so its ping is off
        return EventSourceResponse(job_events(store, job_id, after), headers=SSE_HEADERS, ping=24 * 3600, sep="\n")


    @rt("/api/v1/jobs/{job_id}/artifacts/{artifact_id}")
    def api_artifact(job_id: str, artifact_id: str):
        art = store.get_artifact(job_id, artifact_id)
        disposition = "inline" if art["mime"].startswith("image/") else "attachment"
        return FileResponse(art["path"], media_type=art["mime"], filename=art["name"],
                            content_disposition_type=disposition)


    @rt("/api/v1/datasets", methods=["get"])
    def api_list_datasets():
        return JSONResponse({"samples": store.list_samples(), "uploads": store.list_datasets()})


    ingest = IngestService(memory_limit=cfg.ingest_memory_limit)
    atexit.register(ingest.close)
    models_routes.install(app, store, cfg, ingest)  # a run's models: bundles, scoring (web/models.py)


    async def ingest_upload(request: Request) -> dict:
        """Multipart upload (field `file`) -> a dataset: streamed to disk as it arrives,
        converted and profiled by the ingest helper process, then the Parquet file, the file
        as uploaded and the row committed together. `?encoding=` and `?sheet=` say how to read
        it (otherwise detected)."""
        length = request.headers.get("content-length", "")
        # before a byte is written: the file kept as uploaded, and its Parquet conversion
        disk.require_free(cfg, "This upload", needed=2 * int(length) if length.isdigit() else 0)
        try:
            got = await receive_upload(request, cfg.datasets_dir, cfg.max_upload_bytes)
        except OSError as e:  # the disk filled while it arrived: it needs at least twice what had come
            if disk.is_disk_full(e, cfg.home):
                raise disk.failed(cfg, "The upload", needed=2 * getattr(e, "received", 0), at_least=True) from e
            raise
        q = request.query_params
        options = {k: q[k] for k in ("encoding", "sheet") if q.get(k)}
        try:
            options = check_options(options)
        except datasets.DatasetError:
            Path(got.path).unlink(missing_ok=True)
            raise
        return await asyncio.to_thread(uploads.add_upload, store, ingest, got.path, got.filename, options)


    async def api_upload_dataset(request: Request):
        return JSONResponse(await ingest_upload(request), status_code=201)


    async def ui_upload(request: Request):
        try:
            record = await ingest_upload(request)
        except (Invalid, datasets.DatasetError, BadRequest, disk.DiskFull) as e:
            return HTMLResponse(to_xml(DatasetTables(store.list_samples(), store.list_datasets(with_usage=True),
                                                     error=getattr(e, "detail", str(e)))))
        return HTMLResponse(to_xml(DatasetTables(store.list_samples(), store.list_datasets(with_usage=True), added=record)))


    # Uploads are plain Starlette routes: FastHTML would parse (and spool) the whole multipart
    # body before the handler runs; these stream it (web.upload).
    app.router.routes.append(Route("/api/v1/datasets", api_upload_dataset, methods=["POST"]))
    app.router.routes.append(Route("/ui/datasets", ui_upload, methods=["POST"]))


    def dataset_detail(dataset_id: str) -> dict:
        """The stored profile and charts and the first rows only: the table itself is never
        loaded here (but once for an upload stored before charts were computed)."""
        info = store.find_dataset(dataset_id)
        if info is None:
            raise NotFound(f"No dataset {quoted(dataset_id)}.")
        head = datasets.head_rows(dataset_id, cfg.datasets_dir, 20)
        if datasets.is_sample(dataset_id):
            profile, charts = datasets.sample_profile(dataset_id)
        else:
            profile, charts = info["profile"], store.dataset_charts(dataset_id)
            if charts is None:
                charts = datasets.upload_charts(dataset_id, cfg.datasets_dir, profile)
                try:  # kept for the next time; a full disk only means computing them again then
                    store.set_dataset_charts(dataset_id, charts)
                except Exception as e:
                    if not disk.is_disk_full(e, cfg.home):
                        raise
        return {**info, "profile": profile, "charts": charts, "preview": tables.preview(head, 20),
                **dataset_checks(dataset_id, info.get("target"), info.get("problem_type"), profile)}

    def dataset_checks(dataset_id: str, target, problem_type, profile: dict) -> dict:
        """The guards' quick checks for the chosen target, on a sample of the table
        (plugins/guards.py): what the dataset page and its API show before any run."""
        if not target or problem_type not in ("classification", "regression"):
            return {}
        try:
            sample = datasets.sample_rows(dataset_id, cfg.datasets_dir, guards.PAGE_ROWS)
        except datasets.DatasetError:
            return {}
        checks = guards.quick_checks(sample, target, problem_type, profile.get("n_rows"), profile.get("columns"))
        sampled = len(sample) if (profile.get("n_rows") or 0) > len(sample) else None
        return {"checks": checks, "checks_sample": sampled}


    @rt("/api/v1/datasets/{dataset_id}", methods=["get"])
    async def api_get_dataset(dataset_id: str):
        return JSONResponse(await asyncio.to_thread(dataset_detail, dataset_id))


    @rt("/api/v1/datasets/{dataset_id}/target", methods=["put"])
    async def api_set_dataset_target(request: Request, dataset_id: str):
        """{"target": column or null, "problem_type": auto | classification | ...}: what a
        Dataset node and "New workflow" start from."""
        body = await json_body(request)
        return JSONResponse(store.set_dataset_target(dataset_id, body.get("target"), body.get("problem_type", "auto")))


    @rt("/api/v1/datasets/{dataset_id}/reading", methods=["put"])
    async def api_reread_dataset(request: Request, dataset_id: str):
        """{"encoding", "sheet", "types": {column: type}, "roles": {column: role}}: read the
        upload again this way (what is left out is detected); 4xx with a sentence, nothing
        changed, when it does not fit."""
        body = await json_body(request)
        return JSONResponse(await asyncio.to_thread(uploads.reread, store, ingest, dataset_id, body))


    @rt("/api/v1/datasets/{dataset_id}", methods=["delete"])
    def api_delete_dataset(dataset_id: str):
        store.delete_dataset(dataset_id)
        return Response(status_code=204)



    # =========================================================================== UI
    # Pages and htmx fragments. Components and inspectors get their data from here.
    TEMPLATES = {p.stem: json.loads(p.read_text()).get("name", p.stem) for p in sorted((ROOT / "examples").glob("*.json"))}


    def template_graph(key: str) -> dict:
        if key not in TEMPLATES:
            raise Invalid(f"No template {quoted(key)}.", status=400)
        return json.loads((ROOT / "examples" / f"{key}.json").read_text())


    def states(graph) -> dict:
        return node_states(graph, jobs.dataset_info_for(store))


    def job_boot(job) -> dict | None:
        if job is None:
            return None
        full = store.get_job(job["id"])
        results = (full.get("results") or {}).get("nodes") or {}
        return {"id": full["id"], "status": full["status"], "estimated_time": full["estimated_time"],
                "statuses": {n["node_id"]: {"status": n["status"], "message": n.get("message") or "",
                                            "warnings": (results.get(n["node_id"]) or {}).get("warnings") or []}
                             for n in full["nodes"]}}


    def model_names() -> dict:
        return {slug: p.name for slug, p in registry.models().items()}


    def results_panel(job_id: str | None):
        job = store.get_job(job_id) if job_id else None
        labels = {}
        if job:
            labels = graphs.node_names(store.get_snapshot(job["snapshot_id"]))
        return ResultsPanel(job, registry.metrics(), model_names(), labels)


    def after_login(request: Request, token: str | None, next_path: str | None):
        """The login link or form: the token right, a session cookie and on to `next`;
        wrong, the form again (403) and no cookie; no token needed, on at once."""
        target = safe_next(next_path)
        if sessions is None or (token is None and request.state.signed_in):
            return RedirectResponse(target, status_code=303)
        if token is None:
            return LoginPage(target, from_environment=not access.generated)
        if not sessions.token_ok(token):
            page = LoginPage(target, error="That is not this server's token.", from_environment=not access.generated)
            return HTMLResponse(to_xml(page), status_code=403, headers={"Cache-Control": "no-store"})
        response = RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})
        sessions.set_cookie(response, secure=request.state.scheme == "https")
        return response


    @rt("/login", methods=["get"])
    def login_page(request: Request):
        q = request.query_params
        return after_login(request, q.get("token"), q.get("next"))


    @rt("/login", methods=["post"])
    async def login_form(request: Request):
        form = await request.form()
        token = form.get("token")
        return after_login(request, token if isinstance(token, str) else "", form.get("next"))


    @rt("/logout", methods=["post"])
    def logout(request: Request):
        response = RedirectResponse("/login" if sessions is not None else "/", status_code=303)
        if sessions is not None:
            sessions.clear_cookie(response, secure=request.state.scheme == "https")
        return response


    @rt("/")
    def home():
        """The newest workflow, or the Workflows page when there is none, where a POST creates
        one: a GET changes nothing (any page could make the browser send one, by an <img>)."""
        workflows = store.list_workflows()
        return RedirectResponse(f"/workflows/{workflows[0]['id']}" if workflows else "/workflows", status_code=303)


    @rt("/workflows", methods=["get"])
    def workflows_page():
        return WorkflowsPage(store.list_workflows(), list(TEMPLATES.items()))


    @rt("/workflows", methods=["post"])
    async def workflows_create(request: Request):
        form = await request.form()
        template, dataset = form.get("template") or "", form.get("dataset") or ""
        graph = template_graph(template) if template else {"nodes": [], "edges": []}
        name = (form.get("name") or "").strip() or (TEMPLATES.get(template) if template else "Untitled workflow")
        if dataset:  # "New workflow" on the datasets page: a Dataset node set to it, target suggested
            facts = store.find_dataset(dataset)
            if facts is None:
                raise NotFound(f"No dataset {quoted(dataset)}.")
            config = {"dataset_id": dataset, "target_column": facts.get("target"),
                      "problem_type": facts.get("problem_type") or "classification"}
            graph = {"nodes": [{"id": "dataset", "type": "dataset", "position": {"x": 300, "y": 60},
                                "config": config}], "edges": []}
            name = (form.get("name") or "").strip() or f"{facts.get('name') or dataset}: new workflow"
        wf = store.create_workflow(name, graph)
        return RedirectResponse(f"/workflows/{wf['id']}", status_code=303)


    @rt("/workflows/import", methods=["post"])
    async def workflows_import(request: Request):
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
            wf = store.create_workflow(name or Path(upload.filename).stem or "Imported workflow", graph)
        except (BadRequest, graphs.GraphError, Invalid) as e:
            detail = getattr(e, "detail", None) or e.message
            page = WorkflowsPage(store.list_workflows(), list(TEMPLATES.items()), import_error=detail)
            return HTMLResponse(to_xml(page), status_code=e.status)
        return RedirectResponse(f"/workflows/{wf['id']}", status_code=303)


    @rt("/workflows/{workflow_id}")
    def editor_page(workflow_id: str):
        wf = store.require_workflow(workflow_id)
        latest = store.latest_job(workflow_id)
        state = states(wf["graph"])
        return EditorPage(wf, list(node_types().values()), state, list(TEMPLATES.items()), job_boot(latest),
                          HistoryList(store.list_jobs(workflow_id, key_metric=True), registry.metrics(), model_names()), results_panel(latest["id"] if latest else None),
                          WorkflowInspector(wf, state["errors"]), undo=store.history_state(workflow_id))


    @rt("/ui/workflows/{workflow_id}/name", methods=["patch"])
    async def ui_rename_inline(request: Request, workflow_id: str):
        form = await request.form()
        try:
            store.update_workflow(workflow_id, name=form.get("name", ""))
        except Invalid as e:
            return NameSaved(False, e.detail)
        return NameSaved(), history_trigger(workflow_id)


    @rt("/ui/workflows/{workflow_id}/rename", methods=["post"])
    async def ui_rename(request: Request, workflow_id: str):
        form = await request.form()
        store.update_workflow(workflow_id, name=form.get("name", ""))
        return WorkflowRow(next(w for w in store.list_workflows() if w["id"] == workflow_id))


    @rt("/ui/workflows/{workflow_id}/duplicate", methods=["post"])
    def ui_duplicate(workflow_id: str):
        copy = store.duplicate_workflow(workflow_id)
        return WorkflowRow(next(w for w in store.list_workflows() if w["id"] == copy["id"]))


    @rt("/ui/workflows/{workflow_id}", methods=["delete"])
    def ui_delete(workflow_id: str):
        store.delete_workflow(workflow_id)
        return ""


    @rt("/ui/workflows/{workflow_id}/structure", methods=["put"])
    async def ui_save_structure(request: Request, workflow_id: str):
        body = await json_body(request)
        try:
            wf = store.save_structure(workflow_id, body)
        except Invalid as e:
            return api_error(e.status, e.detail, edge=e.errors.get("edge"))
        return JSONResponse({"state": states(wf["graph"]), "updated_at": wf["updated_at"],
                             "history": store.history_state(workflow_id)})


    def history_trigger(workflow_id: str, **events) -> HtmxResponseHeaders:
        """htmx events for the editor after a change: the undo / redo buttons follow."""
        return HtmxResponseHeaders(trigger=json.dumps({**events, "pg-history": store.history_state(workflow_id)}))


    def ui_history_step(request: Request, workflow_id: str, step) -> JSONResponse:
        """The editor's undo / redo: what the canvas repaints from (the graph with its ports,
        the name, the node states), the toast's sentence and the buttons' state (also with a
        409: another tab may have taken the last step)."""
        try:
            wf, message = step(workflow_id)
        except Invalid as e:
            if not wants_json(request):
                raise
            return api_error(e.status, e.detail, history=store.history_state(workflow_id))
        return JSONResponse({"graph": graphs.with_ports(wf["graph"]), "name": wf["name"], "state": states(wf["graph"]),
                             "message": message, "updated_at": wf["updated_at"],
                             "history": store.history_state(workflow_id)})


    @rt("/ui/workflows/{workflow_id}/undo", methods=["post"])
    def ui_undo(request: Request, workflow_id: str):
        return ui_history_step(request, workflow_id, store.undo)


    @rt("/ui/workflows/{workflow_id}/redo", methods=["post"])
    def ui_redo(request: Request, workflow_id: str):
        return ui_history_step(request, workflow_id, store.redo)


    @rt("/ui/workflows/{workflow_id}/inspector")
    def ui_workflow_inspector(workflow_id: str):
        wf = store.require_workflow(workflow_id)
        return WorkflowInspector(wf, states(wf["graph"])["errors"])


    def inspector_context(wf, node_id: str, refused: dict | None = None) -> tuple[InspectorContext, Resolved]:
        """Everything a node's panel shows, from one resolve of the graph (also returned, so
        the canvas states of the same request come from it too)."""
        graph = wf["graph"]
        info = jobs.dataset_info_for(store)
        r = resolve(graph, dataset_info=info)
        node = r.graph.nodes.get(node_id)
        if node is None:
            raise NotFound(f"No node {quoted(node_id)} in this workflow.")
        nt = node_types().get(node.get("type"))
        if nt is None:
            raise Invalid(f"Unknown node type {quoted(node.get('type'))}.", status=400)
        # as stored, less what its declaration rules out (shown among its errors instead)
        ctx = InspectorContext(workflow_id=wf["id"], node_id=node_id, node_type=nt, config=r.stored.get(node_id, {}),
                               clean=r.configs.get(node_id, {}), field_errors=r.field_errors.get(node_id, {}),
                               node_errors=r.errors.get(node_id, []), upstream=r.upstream.get(node_id) or Upstream(),
                               refused=refused or {}, label=node.get("label") or "")
        ctx.warnings = advice_for(r, node_id)
        if nt.dataset_param:  # the node names a dataset: offer them all, and the chosen one's profile
            ctx.samples = store.list_samples()
            ctx.uploads = store.list_datasets()
            ds = ctx.config.get(nt.dataset_param)
            if ds and info(ds) is not None:
                base = store.find_dataset(ds) or {}
                ctx.dataset = {**base, "profile": {"n_rows": info(ds)["n_rows"], "n_cols": len(info(ds)["columns"]),
                                                   "columns": info(ds)["columns"],
                                                   "memory_bytes": (base.get("profile") or {}).get("memory_bytes", 0)}}
        if node_id in r.configs:
            try:
                ctx.previews = nt.preview_blocks(r.configs[node_id], ctx.upstream, r.designs.get(node_id) or Design())
            except Exception:  # a preview must never break the inspector
                log.exception("preview of %s failed", node_id)
        if nt.estimate is not None and not r.errors:
            ctx.estimate = estimate_job(r, info)
        return ctx, r


    @rt("/ui/workflows/{workflow_id}/nodes/{node_id}/inspector")
    def ui_node_inspector(workflow_id: str, node_id: str):
        return Inspector(inspector_context(store.require_workflow(workflow_id), node_id)[0])


    @rt("/ui/workflows/{workflow_id}/nodes/{node_id}/config", methods=["post"])
    async def ui_save_config(request: Request, workflow_id: str, node_id: str):
        wf = store.require_workflow(workflow_id)
        ctx, _ = inspector_context(wf, node_id)  # resolve 1: the config as it was
        form = await request.form()
        config, refused = parse_config(form, ctx)
        wf = store.update_node_config(workflow_id, node_id, config)
        ctx, r = inspector_context(wf, node_id, refused)  # resolve 2: as saved; the canvas states too
        ctx.posted = form
        states_now = node_states(wf["graph"], resolved=r)
        return Inspector(ctx), history_trigger(workflow_id, **{"pg-state": states_now})


    @rt("/ui/workflows/{workflow_id}/run", methods=["post"])
    async def ui_run(workflow_id: str):
        """The editor's Run: like POST /api/v1/workflows/{id}/run, but a workflow that is not
        valid is an expected answer (200 with the errors to paint), not a failed request."""
        wf = store.require_workflow(workflow_id)
        try:
            job = await asyncio.to_thread(submit_job, wf["graph"], workflow_id)
        except Invalid as e:
            return JSONResponse({"ok": False, "detail": e.detail, "errors": e.errors})
        return JSONResponse(queued_answer(job, ok=True))


    @rt("/ui/workflows/{workflow_id}/history")
    def ui_history(workflow_id: str):
        store.require_workflow(workflow_id)
        return HistoryList(store.list_jobs(workflow_id, key_metric=True), registry.metrics(), model_names())


    @rt("/ui/jobs/compare")
    def ui_compare(request: Request):
        return Comparison(comparison(request))


    @rt("/ui/jobs/{job_id}/results")
    def ui_results(job_id: str):
        store.require_job(job_id)
        return results_panel(job_id)


    @rt("/ui/jobs/{job_id}/trials")
    def ui_trials(job_id: str):
        """The search panel while a run searches: every trial finished so far, per node."""
        job = store.require_job(job_id, with_nodes=False)  # asked once per finished trial: the job row only
        graph = store.get_snapshot(job["snapshot_id"])
        algorithms = {n["id"]: (n.get("config") or {}).get("algorithm") for n in graph["nodes"]}
        return LiveSearches(store.trials(job_id), algorithms, graphs.node_names(graph), registry.metrics(),
                            registry.models())


    @rt("/ui/jobs/{job_id}/nodes/{node_id}/use-parameters", methods=["post"])
    def ui_use_parameters(job_id: str, node_id: str):
        """Write a finished search's best parameters into the Model node of the workflow the
        run came from: an ordinary config edit (validated, saved, undoable)."""
        job = store.require_job(job_id)
        node = next((n for n in job["nodes"] if n["node_id"] == node_id), None)
        if node is None or not job.get("workflow_id"):
            raise NotFound(f"This run has no node {quoted(node_id)} in a saved workflow.")
        wf = store.require_workflow(job["workflow_id"])
        current = next((n for n in wf["graph"]["nodes"] if n["id"] == node_id), None)
        if current is None:
            raise Invalid(f"The workflow no longer has the node {quoted(node_id)}.", status=409)
        try:
            config = use_search_parameters(current.get("config") or {}, node.get("output") or {})
        except NodeError as e:
            raise Invalid(str(e), status=409) from None
        label = graphs.node_name(current)
        wf = store.update_node_config(wf["id"], node_id, config, description=f"{label} hyperparameters from the search")
        trigger = {"pg-state": node_states(wf["graph"], dataset_info=jobs.dataset_info_for(store)),
                   "pg-config-changed": {"node_id": node_id}}
        return ParametersUsed(label), history_trigger(wf["id"], **trigger)


    @rt("/datasets", methods=["get"])
    def datasets_page():
        return DatasetsPage(store.list_samples(), store.list_datasets(with_usage=True))


    @rt("/ui/datasets/{dataset_id}", methods=["delete"])
    def ui_delete_dataset(dataset_id: str):
        store.delete_dataset(dataset_id)  # the API's rule too: samples cannot be deleted
        return ""


    @rt("/jobs/compare")  # before /jobs/{job_id}
    def compare_page(request: Request):
        """Two runs compared, at a stable address: /jobs/compare?a=ID&b=ID."""
        cmp = comparison(request)
        workflow = store.get_workflow(cmp["b"]["workflow_id"]) if cmp["b"].get("workflow_id") else None
        return ComparePage(cmp, workflow)


    @rt("/jobs/{job_id}")
    def job_page(job_id: str):
        """A run's results as a page of their own, at a stable address."""
        job = store.require_job(job_id)
        workflow = store.get_workflow(job["workflow_id"]) if job.get("workflow_id") else None
        return RunPage(job, workflow, results_panel(job_id))

    @rt("/datasets/{dataset_id}")
    async def dataset_page(request: Request, dataset_id: str):
        saved = request.query_params.get("saved")
        return DatasetDetailPage(await asyncio.to_thread(dataset_detail, dataset_id),
                                 saved={"1": "target", "reading": "reading"}.get(saved or ""))

    @rt("/datasets/{dataset_id}/target", methods=["post"])
    async def dataset_target_form(request: Request, dataset_id: str):
        """The dataset page's target form: saved, then the page again; refused, the page
        with the sentence and the values as sent (422, nothing saved)."""
        form = await request.form()
        target, problem_type = form.get("target") or None, form.get("problem_type") or "auto"
        try:
            store.set_dataset_target(dataset_id, target, problem_type)
        except Invalid as e:
            page = DatasetDetailPage(await asyncio.to_thread(dataset_detail, dataset_id),
                                     refused={"detail": e.detail, "target": target, "problem_type": problem_type})
            return HTMLResponse(to_xml(page), status_code=e.status)
        return RedirectResponse(f"/datasets/{dataset_id}?saved=1", status_code=303)

    @rt("/datasets/{dataset_id}/reading", methods=["post"])
    async def dataset_reading_form(request: Request, dataset_id: str):
        """The dataset page's reading form (encoding, sheet, each column's type and role):
        read again, then the page; refused, the page with the sentence (4xx, nothing changed)."""
        form = await request.form()
        options = reading_options(form)
        if store.get_dataset(dataset_id) is None:  # a sample or nothing: no page to say it on
            await asyncio.to_thread(uploads.reread, store, ingest, dataset_id, options)
        try:
            await asyncio.to_thread(uploads.reread, store, ingest, dataset_id, options)
        except (Invalid, datasets.DatasetError) as e:
            page = DatasetDetailPage(await asyncio.to_thread(dataset_detail, dataset_id),
                                     refused={"detail": getattr(e, "detail", str(e)), "reading": options})
            return HTMLResponse(to_xml(page), status_code=getattr(e, "status", 422))
        return RedirectResponse(f"/datasets/{dataset_id}?saved=reading", status_code=303)

    install_script_routes(app, store, cfg)  # a run's script, a dataset's download (web/scripts.py)
    app.state.settings, app.state.store, app.state.ingest, app.state.access = cfg, store, ingest, access
    return app


# =========================================================================== main
def clean_up_after_a_crash(app) -> None:
    """Start-up: what a killed upload left behind (a temporary file, a file no row owns)."""
    try:
        finished = app.state.store.finish_deletions()
        if finished:
            log.warning("finished deleting %d dataset(s) the disk had stopped: %s", len(finished), ", ".join(finished))
    except Exception as e:
        if not disk.is_disk_full(e, app.state.settings.home):
            raise
        log.warning("%s", disk.status(app.state.settings).get("notice") or e)
    removed = clean_leftovers(app.state.settings.datasets_dir, app.state.store.dataset_ids())
    if removed:
        log.warning("removed %d leftover upload file(s): %s", len(removed), ", ".join(removed[:5]))


def warm_up(app) -> None:
    """Import the ML registries, profile the samples and start the upload helper now, not
    on the first request."""
    from executor.engine import _sample_facts
    from executor.preload import preload

    app.state.ingest.warm()
    preload(heavy=False)
    for sample in datasets.SAMPLES:
        _sample_facts(sample)


def main(argv=None) -> None:
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    parser = argparse.ArgumentParser(description="Run the AutoML Playground web app.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--workers", type=int, default=2, help="Huey worker processes (default 2)")
    parser.add_argument("--no-worker", action="store_true", help="web only; run huey_consumer elsewhere")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from executor.supervisor import ConsumerSupervisor

    cfg = settings()
    try:  # listening beyond this machine needs allowed host names and a token (web/auth.py)
        access, token = plan_access(args.host, os.environ)
        networks(cfg.trusted_proxies)
    except (StartRefused, ValueError) as e:
        parser.exit(2, f"Not started: {e}\n")
    app = create_app(cfg, access)
    cfg = app.state.settings
    consumer = None if args.no_worker else ConsumerSupervisor(args.workers, str(cfg.home), str(ROOT)).start()
    clean_up_after_a_crash(app)
    stop_sweeper = jobs.start_sweeper(app.state.store)
    warm_up(app)
    say_how_to_sign_in(access, token, args.host, args.port, cfg)
    del token  # printed once; only its hash is kept
    # the access log shows /login?token=…, never the token; the forwarded headers are read by
    # web/security.py from PLAYGROUND_TRUSTED_PROXIES only, so uvicorn's own reading is off
    log_config = copy.deepcopy(LOGGING_CONFIG)
    log_config.setdefault("filters", {})["redact_tokens"] = {"()": RedactTokens}
    log_config["handlers"]["access"]["filters"] = ["redact_tokens"]
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="info", log_config=log_config,
                    proxy_headers=False)
    finally:
        stop_sweeper.set()
        app.state.ingest.close()
        if consumer is not None:
            consumer.stop()


def say_how_to_sign_in(access: Access, token: str | None, host: str, port: int, cfg: Settings) -> None:
    """At start, on the terminal only: the login link (with the token when it was generated:
    the one place it is ever shown), and a warning when other machines can connect."""
    if not is_loopback(host):
        log.warning("Listening on %s:%s: other machines can connect, over plain HTTP. Serve it through an HTTPS proxy "
                    "(PLAYGROUND_TRUSTED_PROXIES) if the network is not yours alone.", host, port)
    if not access.required:
        return
    urls = login_urls(token, host, port, cfg.allowed_hosts)
    how = ("Open this link to sign in (it holds the token: keep it to yourself):" if token else
           "Sign in with the token in PLAYGROUND_TOKEN at:")
    print("\nAutoML Playground needs its token.\n" + how + "\n" + "".join(f"    {u}\n" for u in urls)
          + "API clients send 'Authorization: Bearer <token>'.\n", flush=True)


if __name__ == "__main__":
    main()
