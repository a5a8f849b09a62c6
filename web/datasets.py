"""Datasets: the JSON API, the Datasets page and a dataset's page. Upload, the target and
the reading are each done once and answered twice: JSON for the API, the page or the
fragment for the browser."""

from __future__ import annotations

import asyncio

from fasthtml.common import to_xml
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from components.pages import DatasetDetailPage, DatasetsPage, DatasetTables
from data import datasets, disk, uploads
from data.ingest import READING_CHOICES, check_options, reading_options
from data.store import Invalid, NotFound
from nodes import split
from nodes.dataset import profile_no_features
from nodes.graph import quoted
from plugins import guards, tables
from web.errors import BadRequest
from web.site import Routes, Site, json_body
from web.upload import receive_upload

routes = Routes()


# ------------------------------------------------------------------ the actions, once
async def ingest_upload(site: Site, request: Request) -> dict:
    """Multipart upload (field `file`) -> a dataset: streamed to disk as it arrives,
    converted and profiled by the ingest helper process, then the Parquet file, the file
    as uploaded and the row committed together. `?encoding=`, `?sheet=` and `?member=` (a
    zip archive's table) say how to read it (otherwise detected)."""
    cfg = site.cfg
    length = request.headers.get("content-length", "")
    q = request.query_params
    options = check_options({k: q[k] for k in READING_CHOICES if q.get(k)})  # refused before a byte is kept
    # before a byte is written: the file kept as uploaded, and its Parquet conversion
    disk.require_free(cfg, "This upload", needed=2 * int(length) if length.isdigit() else 0)

    async def follow(path: str, filename: str, expected: int):  # a large CSV is parsed as it arrives
        return await asyncio.to_thread(uploads.begin_upload, site.store, site.ingest, path, filename, options,
                                       expected)

    try:
        got = await receive_upload(request, cfg.datasets_dir, cfg.max_upload_bytes, follow=follow)
    except OSError as e:  # the disk filled while it arrived: it needs at least twice what had come
        if disk.is_disk_full(e, cfg.home):
            raise disk.failed(cfg, "The upload", needed=2 * getattr(e, "received", 0), at_least=True) from e
        raise
    return await asyncio.to_thread(uploads.add_upload, site.store, site.ingest, got.path, got.filename, options,
                                   got.sha256, got.started)


def dataset_checks(site: Site, dataset_id: str, target, problem_type, profile: dict,
                   unreadable: dict | None = None) -> dict:
    """The guards' quick checks for the chosen target, on a sample of the table
    (plugins/guards.py): what the dataset page and its API show before any run."""
    if not target or problem_type not in ("classification", "regression"):
        return {}
    try:
        sample = datasets.sample_rows(dataset_id, site.cfg.datasets_dir, guards.PAGE_ROWS)
    except datasets.DatasetError:
        return {}
    columns = profile.get("columns") or []
    # nothing to learn from (a time and a value alone, the time an id): said here, before a workflow is built on it
    nothing = profile_no_features(columns, {"target_column": target}, unreadable)
    checks = ([{"kind": "no_features", "level": "warn", "text": nothing}] if nothing else []) + guards.quick_checks(
        sample, target, problem_type, profile.get("n_rows"), columns, test_size=split.TEST_SIZE.default)
    sampled = len(sample) if (profile.get("n_rows") or 0) > len(sample) else None
    return {"checks": checks, "checks_sample": sampled}


def upload_charts(site: Site, dataset_id: str, profile: dict):
    """An upload's stored charts (computed once, for one stored before charts were)."""
    charts = site.store.dataset_charts(dataset_id)
    if charts is None:
        charts = datasets.upload_charts(dataset_id, site.cfg.datasets_dir, profile)
        try:  # kept for the next time; a full disk only means computing them again then
            site.store.set_dataset_charts(dataset_id, charts)
        except Exception as e:
            if not disk.is_disk_full(e, site.cfg.home):
                raise
    return charts


def dataset_detail(site: Site, dataset_id: str) -> dict:
    """The stored profile and charts and the first rows only: the table itself is never
    loaded here (but once for an upload stored before charts were computed)."""
    info = site.store.find_dataset(dataset_id)
    if info is None:
        raise NotFound(f"No dataset {quoted(dataset_id)}.")
    head = datasets.head_rows(dataset_id, site.cfg.datasets_dir, 20, as_stored=True)
    if datasets.is_sample(dataset_id):
        profile, charts = datasets.sample_profile(dataset_id)
    else:
        profile = info["profile"]
        charts = upload_charts(site, dataset_id, profile)
    target = info.get("target")
    # a column that holds a missing-value code (-99 for no answer), said whatever the target
    column_notes = [{"kind": "missing_code", "column": c["name"], "text": text} for c in profile.get("columns") or []
                    if (text := tables.missing_code_note(c, target=c["name"] == target))]
    return {**info, "profile": profile, "charts": charts, "preview": tables.preview(head, 20),
            "column_notes": column_notes,
            "target_guess": tables.standing_guess(profile, info.get("target")),
            **dataset_checks(site, dataset_id, info.get("target"), info.get("problem_type"), profile,
                             (info.get("reading") or {}).get("unreadable_numbers"))}


async def detail_page(site: Site, dataset_id: str, status: int = 200, **kw):
    page = DatasetDetailPage(await asyncio.to_thread(dataset_detail, site, dataset_id), **kw)
    return HTMLResponse(to_xml(page), status_code=status) if status != 200 else page


def tables_fragment(site: Site, **kw):
    return HTMLResponse(to_xml(DatasetTables(site.store.list_samples(), site.store.list_datasets(with_usage=True), **kw)))


# ------------------------------------------------------------------ /api/v1
@routes("/api/v1/datasets", methods=["get"])
def api_list_datasets(site: Site):
    return JSONResponse({"samples": site.store.list_samples(), "uploads": site.store.list_datasets()})


@routes.stream("/api/v1/datasets", methods=["POST"])
async def api_upload_dataset(site: Site, request: Request):
    return JSONResponse(await ingest_upload(site, request), status_code=201)


@routes("/api/v1/datasets/{dataset_id}", methods=["get"])
async def api_get_dataset(site: Site, dataset_id: str):
    return JSONResponse(await asyncio.to_thread(dataset_detail, site, dataset_id))


@routes("/api/v1/datasets/{dataset_id}/target", methods=["put"])
async def api_set_dataset_target(site: Site, request: Request, dataset_id: str):
    """{"target": column or null, "problem_type": auto | classification | ...}: what a
    Dataset node and "New workflow" start from."""
    body = await json_body(request)
    # off the event loop: the series in time a random split would cut is found for the new target on the page's sample
    return JSONResponse(await asyncio.to_thread(site.store.set_dataset_target, dataset_id, body.get("target"),
                                                body.get("problem_type", "auto")))


@routes("/api/v1/datasets/{dataset_id}/reading", methods=["put"])
async def api_reread_dataset(site: Site, request: Request, dataset_id: str):
    """{"encoding", "sheet", "member", "types": {column: type}, "roles": {column: role}}: read the
    upload again this way (what is left out is detected); 4xx with a sentence, nothing
    changed, when it does not fit."""
    body = await json_body(request)
    return JSONResponse(await asyncio.to_thread(uploads.reread, site.store, site.ingest, dataset_id, body))


@routes("/api/v1/datasets/{dataset_id}", methods=["delete"])
def api_delete_dataset(site: Site, dataset_id: str):
    site.store.delete_dataset(dataset_id)
    return Response(status_code=204)


# ------------------------------------------------------------------ pages and fragments
@routes.stream("/ui/datasets", methods=["POST"])
async def ui_upload(site: Site, request: Request):
    try:
        record = await ingest_upload(site, request)
    except (Invalid, datasets.DatasetError, BadRequest, disk.DiskFull) as e:
        return tables_fragment(site, error=getattr(e, "detail", str(e)))
    return tables_fragment(site, added=record)


@routes("/datasets", methods=["get"])
def datasets_page(site: Site):
    return DatasetsPage(site.store.list_samples(), site.store.list_datasets(with_usage=True))


@routes("/ui/datasets/{dataset_id}", methods=["delete"])
def ui_delete_dataset(site: Site, dataset_id: str):
    site.store.delete_dataset(dataset_id)  # the API's rule too: samples cannot be deleted
    return ""


@routes("/datasets/{dataset_id}")
async def dataset_page(site: Site, request: Request, dataset_id: str):
    saved = request.query_params.get("saved")
    return await detail_page(site, dataset_id, saved={"1": "target", "reading": "reading"}.get(saved or ""))


@routes("/datasets/{dataset_id}/target", methods=["post"])
async def dataset_target_form(site: Site, request: Request, dataset_id: str):
    """The dataset page's target form: saved, then the page again; refused, the page
    with the sentence and the values as sent (422, nothing saved)."""
    form = await request.form()
    target, problem_type = form.get("target") or None, form.get("problem_type") or "auto"
    try:
        await asyncio.to_thread(site.store.set_dataset_target, dataset_id, target, problem_type)
    except Invalid as e:
        refused = {"detail": e.detail, "target": target, "problem_type": problem_type}
        return await detail_page(site, dataset_id, e.status, refused=refused)
    return RedirectResponse(f"/datasets/{dataset_id}?saved=1", status_code=303)


@routes("/datasets/{dataset_id}/target", methods=["get"])
@routes("/datasets/{dataset_id}/reading", methods=["get"])
def dataset_form_again(site: Site, dataset_id: str):
    """A refused form's page stays at the form's address: reloading it (a GET there) goes
    back to the dataset's page instead of a 405."""
    return RedirectResponse(f"/datasets/{dataset_id}", status_code=303)


@routes("/datasets/{dataset_id}/reading", methods=["post"])
async def dataset_reading_form(site: Site, request: Request, dataset_id: str):
    """The dataset page's reading form (encoding, sheet, archive member, each column's type and role):
    read again, then the page; refused, the page with the sentence (4xx, nothing changed)."""
    form = await request.form()
    options = reading_options(form)
    if site.store.get_dataset(dataset_id) is None:  # a sample or nothing: no page to say it on
        await asyncio.to_thread(uploads.reread, site.store, site.ingest, dataset_id, options)
    try:
        await asyncio.to_thread(uploads.reread, site.store, site.ingest, dataset_id, options)
    except (Invalid, datasets.DatasetError) as e:
        refused = {"detail": getattr(e, "detail", str(e)), "reading": options}
        return await detail_page(site, dataset_id, getattr(e, "status", 422), refused=refused)
    return RedirectResponse(f"/datasets/{dataset_id}?saved=reading", status_code=303)
