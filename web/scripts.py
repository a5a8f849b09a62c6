"""A run taken out of the app: its script (executor/script.py) and the dataset it reads, as
the app stored it (data/datasets.py). Thin: bind, call, answer."""

from __future__ import annotations

import asyncio
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse

from data import datasets
from data.store import NotFound
from executor.script import job_script
from nodes.graph import quoted
from web.site import Routes, Site, attachment

routes = Routes()


@routes("/api/v1/jobs/{job_id}/script")
async def api_job_script(site: Site, job_id: str):
    """The run as one standalone Python script (a download)."""
    name, text = await asyncio.to_thread(job_script, site.store, job_id)
    return Response(text, media_type="text/x-python; charset=utf-8",
                    headers={"Content-Disposition": attachment(name)})


@routes("/api/v1/datasets/{dataset_id}/download")
async def api_dataset_download(site: Site, request: Request, dataset_id: str):
    """The dataset as the app stored it: ?format=parquet (the default) or csv."""
    if site.store.find_dataset(dataset_id) is None:
        raise NotFound(f"No dataset {quoted(dataset_id)}.")
    fmt = request.query_params.get("format") or "parquet"
    name, content, media = await asyncio.to_thread(datasets.download, dataset_id, site.cfg.datasets_dir, fmt)
    if isinstance(content, Path):
        return FileResponse(content, media_type=media, filename=name)
    headers = {"Content-Disposition": attachment(name)}
    if isinstance(content, bytes):
        return Response(content, media_type=media, headers=headers)
    return StreamingResponse(content, media_type=media, headers=headers)
