"""Deployments and their keys: the registry's API and the keyed predict endpoint. Thin
routes: bind, call executor.deployments, answer.

The predict endpoint is for programs, not the editor: it takes only
`Authorization: Bearer <key>` (a key made here, never the app's token or its session
cookie), and web/security.py lets such a request through to it without a session.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse

from executor import deployments
from web.site import Routes, Site, api_error, json_body

PREDICT_PATH = "/api/v1/deployments/{name}/predict"

routes = Routes()


@routes("/api/v1/keys", methods=["post"])
async def api_create_key(site: Site, request: Request):
    """A new key, answered once: only its hash and prefix are kept."""
    body = await json_body(request)
    return JSONResponse(deployments.new_key(site.store, body.get("name")), status_code=201)


@routes("/api/v1/keys", methods=["get"])
def api_keys(site: Site):
    return JSONResponse({"keys": site.store.list_keys()})


@routes("/api/v1/keys/{key_id}", methods=["delete"])
def api_revoke_key(site: Site, key_id: str):
    return JSONResponse(site.store.revoke_key(key_id))


@routes("/api/v1/deployments", methods=["get"])
def api_deployments(site: Site):
    return JSONResponse({"deployments": deployments.summaries(site.store)})


@routes("/api/v1/deployments/{name}", methods=["get"])
def api_deployment(site: Site, name: str):
    return JSONResponse(deployments.describe(site.store.deployment(name)))


@routes("/api/v1/deployments/{name}/alias", methods=["put"])
async def api_move_alias(site: Site, request: Request, name: str):
    body = await json_body(request)
    return JSONResponse(deployments.move_alias(site.store, name, body.get("alias"), body.get("version")))


@routes(PREDICT_PATH, methods=["post"])
async def api_predict(site: Site, request: Request, name: str):
    """{"records": [...]} scored by the version the `production` alias points at."""
    if deployments.key_from(request.headers.get("authorization"), site.store) is None:
        return _unauthorised()
    body = await json_body(request)
    answer = await asyncio.to_thread(deployments.predict, site.store, name, body.get("records"))
    return JSONResponse(answer)


def _unauthorised() -> JSONResponse:
    response = api_error(401, "This endpoint needs a live API key: send Authorization: Bearer <key> "
                              "(POST /api/v1/keys makes one; a revoked key no longer works).")
    response.headers["WWW-Authenticate"] = "Bearer"
    return response
