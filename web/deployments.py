"""Deployments and their keys: the registry's API and the keyed predict endpoint. Thin
routes: bind, call executor.deployments, answer.

The predict endpoint is for programs, not the editor: it takes only
`Authorization: Bearer <key>` (a key made here, never the app's token or its session
cookie), and web/security.py lets such a request through to it without a session.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import quote

import orjson
from fasthtml.common import to_xml
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from components.deployments import DeploymentCard, DeploymentsPage, DeployResult, KeysSection
from data.store import Invalid, NotFound
from executor import deployments
from web.errors import parse_json
from web.site import Routes, Site, api_error, json_body

PREDICT_PATH = "/api/v1/deployments/{name}/predict"

routes = Routes()


class Answer(JSONResponse):
    """A predict answer written by orjson: 1,000 predictions with their class probabilities
    in 0.1 ms, against 2.6 ms for the standard library (the same numbers, shortest form)."""

    def render(self, content) -> bytes:
        return orjson.dumps(content)


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
    return JSONResponse(deployments.details(site.store, name))


@routes("/api/v1/deployments/{name}/alias", methods=["put"])
async def api_move_alias(site: Site, request: Request, name: str):
    body = await json_body(request)
    return JSONResponse(deployments.move_alias(site.store, name, body.get("alias"), body.get("version"),
                                               unknown=sorted(set(body) - {"alias", "version"})))


@routes("/api/v1/jobs/{job_id}/models/{node_id}/deploy", methods=["post"])
async def api_deploy_model(site: Site, request: Request, job_id: str, node_id: str):
    """A run's trained model as a new version of a deployment, in production: {"name": ...}
    (201); a model the deployment already has is that version, put in production (200)."""
    body = await json_body(request)
    made = await asyncio.to_thread(deployments.deploy, site.store, job_id, node_id, body.get("name"))
    return JSONResponse(made, status_code=201 if made["created"] else 200)


@routes.stream(PREDICT_PATH, methods=["POST"])
async def api_predict(site: Site, request: Request):
    """Rows scored by the version the `production` alias points at: JSON {"records": [...]}
    or a CSV body (Content-Type: text/csv); the answer is JSON, or CSV with Accept: text/csv.
    Every request is logged with its latency (executor.deployments.serve). A plain route:
    the body is parsed once, here, not by the framework first (a JSON body of 1,000
    records is ~1 MB)."""
    name = request.path_params["name"]
    content_type, _, params = request.headers.get("content-type", "").partition(";")
    content_type = content_type.strip().lower()
    charset = next((v.strip().strip('"') for k, _, v in (p.partition("=") for p in params.split(";"))
                    if k.strip().lower() == "charset"), None)
    as_csv = "text/csv" in request.headers.get("accept", "")
    body = await request.body()
    try:
        answer = await asyncio.to_thread(deployments.serve, site.store, name, request.headers.get("authorization"),
                                         body, content_type, parse_json, as_csv, charset=charset)
    except deployments.KeyRefused as e:
        response = api_error(401, e.detail)
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    if as_csv:  # the rest of what the JSON answer says, in headers (the sentences as ASCII JSON)
        return Response(answer["csv"], media_type="text/csv", headers={
            "X-Deployment": quote(answer["deployment"]), "X-Alias": answer["alias"],
            "X-Version": str(answer["version"]), "X-Warnings": json.dumps(answer["warnings"])})
    return Answer(answer)


# --------------------------------------------------------------------------- the page
def _origin(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@routes("/deployments")
def deployments_page(site: Site, request: Request):
    store = site.store
    return DeploymentsPage([deployments.details(store, n) for n in store.deployment_names()], store.list_keys(),
                           origin=_origin(request))


@routes("/ui/keys", methods=["post"])
async def ui_create_key(site: Site, request: Request):
    """A new key from the page: the keys section again, with the key shown this once."""
    form = await request.form()
    try:
        made = deployments.new_key(site.store, form.get("name"))
    except Invalid as e:
        return HTMLResponse(to_xml(KeysSection(site.store.list_keys(), error=e.detail)))
    return KeysSection(site.store.list_keys(), made=made)


@routes("/ui/keys/{key_id}/revoke", methods=["post"])
def ui_revoke_key(site: Site, key_id: str):
    site.store.revoke_key(key_id)
    return KeysSection(site.store.list_keys())


@routes("/ui/deployments/{name}/alias", methods=["post"])
async def ui_move_alias(site: Site, request: Request, name: str):
    """"Make production" on a version: the deployment's card again, saying what moved."""
    form = await request.form()
    version = form.get("version") or ""
    if not version.isdigit():
        raise Invalid("Choose a version to put in production.", status=400)
    site.store.move_alias(name, "production", int(version), why="made production on the Deployments page")
    return DeploymentCard(deployments.details(site.store, name), notice=f"Version {version} is in production now.",
                          origin=_origin(request))


@routes("/ui/jobs/{job_id}/models/{node_id}/deploy", methods=["post"])
async def ui_deploy_model(site: Site, request: Request, job_id: str, node_id: str):
    """"Deploy…" on a trained model in the results: the sentence of what happened."""
    form = await request.form()
    try:
        made = await asyncio.to_thread(deployments.deploy, site.store, job_id, node_id, (form.get("name") or "").strip())
    except (Invalid, NotFound) as e:
        return HTMLResponse(to_xml(DeployResult(error=e.detail if isinstance(e, Invalid) else str(e))))
    return DeployResult(made)
