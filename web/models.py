"""A run's trained models: their list and bundles (API), and "Score a file" (the results
panel). Thin routes: bind, call executor.bundle, answer."""

from __future__ import annotations

import asyncio

from fasthtml.common import to_xml
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response

from components.results import ScoreResult
from data import disk, uploads
from data.store import Invalid, NotFound
from executor import bundle
from web.errors import BadRequest
from web.site import Routes, Site, attachment
from web.upload import receive_upload

SCORING_PATH = "/ui/scoring"  # a streamed upload (web.security's upload paths)


routes = Routes()


@routes("/api/v1/jobs/{job_id}/models")
def api_models(site: Site, job_id: str):
    return JSONResponse({"job_id": job_id, "models": bundle.models(site.store, job_id)})


@routes("/api/v1/jobs/{job_id}/models/{node_id}/bundle")
async def api_model_bundle(site: Site, job_id: str, node_id: str):
    name, data = await asyncio.to_thread(bundle.bundle, site.store, job_id, node_id)
    return Response(data, media_type="application/zip", headers={"Content-Disposition": attachment(name)})


@routes.stream(SCORING_PATH + "/{job_id}/{node_id}", methods=["POST"])
async def ui_score(site: Site, request: Request):
    """An uploaded table scored by one of the run's models: the answer is a fragment with the
    predictions to download, or the sentence saying why not."""
    job_id, node_id = request.path_params["job_id"], request.path_params["node_id"]
    proba = request.query_params.get("proba") in ("1", "true")
    disk.require_free(site.cfg, "Scoring a file")
    async def follow(path: str, filename: str, expected: int):  # a large CSV is read as it arrives
        if not uploads.read_while_arriving(filename, expected):
            return None  # (the model's columns whose '-' are 0 looked up only for a file read so)
        return await asyncio.to_thread(uploads.begin_read_table, site.store, site.ingest, path, filename, expected,
                                       bundle.zero_dashes(site.store, job_id, node_id))

    try:
        got = await receive_upload(request, site.cfg.datasets_dir, site.cfg.max_upload_bytes, hashed=False,
                                   follow=follow)
        result = await asyncio.to_thread(bundle.score_upload, site.store, site.ingest, job_id, node_id, got.path,
                                         got.filename, proba, got.started)
    except (Invalid, NotFound, BadRequest) as e:
        return HTMLResponse(to_xml(ScoreResult(error=getattr(e, "detail", None) or str(e))))
    return HTMLResponse(to_xml(ScoreResult(result)))


@routes("/ui/jobs/{job_id}/scores/{score_id}")
def ui_score_file(site: Site, job_id: str, score_id: str):
    path = bundle.score_path(site.store, job_id, score_id)
    return FileResponse(path, media_type="text/csv", filename=f"predictions-{score_id}.csv")
