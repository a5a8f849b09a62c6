"""AutoML Playground: the web app (FastHTML, server-rendered, htmx) and its entry point.

Routes are thin: bind parameters, call one function in data/ or executor/, return a
component (HTML for the UI) or JSON (for the canvas and /api/v1).

`python app.py` starts the web server and a Huey consumer child process; `--no-worker`
runs the web only.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fasthtml.common import FastHTML
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles

from data.config import settings

ROOT = Path(__file__).resolve().parent
SETTINGS = settings().ensure()

# Browser libraries come from npm (node_modules) and are served from our own origin.
# An explicit map, not a directory mount: nothing else in node_modules is reachable.
VENDOR = {
    "x6.js": ROOT / "node_modules/@antv/x6/dist/x6.min.js",
    "htmx.js": ROOT / "node_modules/htmx.org/dist/htmx.min.js",
    "htmx-sse.js": ROOT / "node_modules/htmx-ext-sse/dist/sse.min.js",
}

# default_hdrs=False: FastHTML would otherwise pull htmx & co from a CDN. FastHTML() (not
# fast_app) adds no catch-all static route, so no path can escape the static folder.
app = FastHTML(
    default_hdrs=False,
    secret_key=SETTINGS.session_secret(),
    key_fname=str(SETTINGS.home / "session.key"),
    title="AutoML Playground",
)
app.mount("/static", StaticFiles(directory=ROOT / "static"), name="static")
rt = app.route


@rt("/vendor/{name}")
def vendor(name: str):
    path = VENDOR.get(name)
    if path is None or not path.exists():
        return Response(f"No vendor file {name!r}.", status_code=404)
    return FileResponse(path, media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})


# =========================================================================== /api/v1
# (jobs, workflows, datasets, plugins: see executor/ and data/)


# =========================================================================== UI
# (editor, workflows page, datasets page, inspectors: see components/ and inspectors/)


# =========================================================================== main
def main(argv=None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="Run the AutoML Playground web app.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--workers", type=int, default=2, help="Huey worker processes")
    parser.add_argument("--no-worker", action="store_true", help="web only; run huey_consumer elsewhere")
    args = parser.parse_args(argv)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
