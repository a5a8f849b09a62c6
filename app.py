"""AutoML Playground: the web app's assembly and its entry point.

The routes live in `web/`, one module per resource (web/site.py says how one is written);
this file builds the app for one home folder (middleware, error policy, the resources) and
runs it. `python app.py` starts the web server and a Huey consumer child process;
`--no-worker` runs the web only.
"""

from __future__ import annotations

import argparse
import atexit
import copy
import logging
import os

from fasthtml.common import FastHTML
from starlette.staticfiles import StaticFiles

from data import datasets, disk
from data.config import Settings, settings
from data.ingest import IngestService, clean_leftovers
from data.store import Invalid, NotFound, open_store
from executor.sweeper import start_sweeper
from nodes import graph as graphs
from web import (
    account,
    catalog,
    deployments,
    events,
    health,
    inspector,
    models,
    pages,
    runs,
    scripts,
    workflows,
)
from web import datasets as dataset_routes
from web.auth import Access, RedactTokens, Sessions, StartRefused, is_loopback, login_urls, networks
from web.auth import plan as plan_access
from web.banner import BannerMiddleware
from web.errors import install as install_error_policy
from web.security import SecurityMiddleware, csrf_token
from web.site import ROOT, Site

# The resources, in the order their routes are matched: a new one is a module in web/ and a
# name here.
RESOURCES = (catalog, account, health, workflows, runs, events, inspector, dataset_routes, models, scripts, deployments,
             pages)

log = logging.getLogger("playground.web")


def create_app(cfg: Settings | None = None, access: Access | None = None) -> FastHTML:
    """The app for one home folder: its own store, upload helper and routes. Nothing is
    built at import time: `python app.py` builds one, each test can build a fresh one.
    `access` says whether a token is needed (web/auth.py; by default not: loopback)."""
    cfg = (cfg or settings()).ensure()
    access = access or Access.open()
    sessions = Sessions(access, cfg.session_secret()) if access.required else None
    store = open_store(cfg)
    disk.keep_reserve(cfg)  # room set aside for starting on a full disk (data.disk)
    ingest = IngestService(memory_limit=cfg.ingest_memory_limit)
    atexit.register(ingest.close)
    site = Site(cfg, store, ingest, access, sessions)

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
    app.add_middleware(BannerMiddleware,
                       say=lambda scope: site.disk_banner() if scope.get("state", {}).get("signed_in") else "")
    app.add_middleware(SecurityMiddleware, allowed_hosts=cfg.allowed_hosts,
                       token=csrf_token(cfg.session_secret()), max_body_bytes=cfg.max_body_bytes,
                       max_upload_bytes=cfg.max_upload_bytes + 2**20, sessions=sessions,
                       trusted_proxies=cfg.trusted_proxies,
                       upload_paths=("/api/v1/datasets", "/ui/datasets", models.SCORING_PATH))
    # Domain errors (Invalid, NotFound, ...) become 4xx with a sentence; anything else a
    # logged 500 with a sentence (web/errors.py).
    install_error_policy(app, {
        Invalid: lambda e: (e.status, e.detail, {"errors": e.errors} if e.errors else {}),
        NotFound: lambda e: (404, str(e), {}),
        datasets.DatasetError: lambda e: (400, str(e), {}),
        graphs.GraphError: lambda e: (e.status, e.message, {}),
        disk.DiskFull: lambda e: (e.status, e.detail, {}),
    }, low_level=site.disk_answer)
    for resource in RESOURCES:
        resource.routes.register(app, site)
    app.state.settings, app.state.store, app.state.ingest, app.state.access = cfg, store, ingest, access
    app.state.site = site
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
    # what the web process holds from here on (modules, routes, registries) is out of the
    # collector's sight: a request that makes many objects (a predict body of 1,000 records is
    # 30,000) set off full collections that walked all of it, 4-6 ms at a request's p99 (2.6 ms
    # once frozen, measured on the parse of such a body). Not collected first: a collection
    # writes to every object it walks, and so would copy the pages the web shares with its zygote
    import gc

    gc.freeze()


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
    app.state.ingest.prefork()  # before any thread or listening socket: the zygote inherits neither
    consumer = None if args.no_worker else ConsumerSupervisor(args.workers, str(cfg.home), str(ROOT),
                                                              fork_job_host=app.state.ingest.run_forked).start()
    clean_up_after_a_crash(app)
    stop_sweeper = start_sweeper(app.state.store)
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
