"""What can be built: the browser libraries, the plugins (models, preprocessing, metrics,
plots) and the node types, as the canvas and /api/v1 read them."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from data.store import Invalid, NotFound
from nodes.graph import quoted
from nodes.registry import node_types
from plugins import registry
from web.site import ROOT, Routes, Site, problem_type_arg

routes = Routes()

# Browser libraries come from npm (node_modules) and are served from our own origin.
# An explicit map, not a directory mount: nothing else in node_modules is reachable.
VENDOR = {
    "x6.js": ROOT / "node_modules/@antv/x6/dist/x6.min.js",
    "htmx.js": ROOT / "node_modules/htmx.org/dist/htmx.min.js",
}


@routes("/vendor/{name}")
def vendor(site: Site, name: str):
    path = VENDOR.get(name)
    if path is None or not path.exists():
        return Response(f"No vendor file {quoted(name)}.", status_code=404)
    return FileResponse(path, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"})


@routes("/api/v1/plugins")
def api_plugins(site: Site, request: Request):
    pt = problem_type_arg(request)
    return JSONResponse({"models": [m.summary_json() for m in registry.models_for(pt)],
                         "preprocessing": [o.to_json() for o in registry.operations().values()]})


@routes("/api/v1/plugins/models/{slug}")
def api_plugin(site: Site, request: Request, slug: str):
    plugin = registry.models().get(slug)
    if plugin is None:
        raise NotFound(f"No model plugin {quoted(slug)}.")
    pt = problem_type_arg(request)
    if pt and pt not in plugin.problem_types:
        raise Invalid(f"{plugin.name} does not do {pt}.", status=400)
    return JSONResponse(plugin.detail_json(pt, registry.capabilities(plugin, pt) if pt else None))


@routes("/api/v1/plugins/preprocessing")
def api_preprocessing(site: Site):
    return JSONResponse([o.to_json() for o in registry.operations().values()])


@routes("/api/v1/plugins/metrics")
def api_metrics(site: Site):
    return JSONResponse([m.to_json() for m in registry.metrics().values()])


@routes("/api/v1/plugins/plots")
def api_plots(site: Site):
    return JSONResponse([p.to_json() for p in registry.plots().values()])


@routes("/api/v1/node-types")
def api_node_types(site: Site):
    return JSONResponse([t.to_json() for t in node_types().values()])
