"""Whether the service can work: live workers, event streams and the home folder's disk."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from data import disk
from executor.submit import worker_status
from web.events import stream_stats
from web.site import Routes, Site

routes = Routes()


@routes("/api/v1/health")
def api_health(site: Site, request: Request):
    """Whether workers are alive to run jobs: {"live": n, "workers": [...], "notice"?}, the
    live event streams: {"streams": {"tailers", "viewers", "reads_total"}}, and the home
    folder's disk: {"disk": {"home", "free_bytes", "min_free_bytes", "full", "notice"?}}.
    Anyone may ask (a load balancer, a monitor); without the token, when one is needed,
    the answer says nothing private: {"live": n, "disk": {"full": …}}."""
    workers, state = worker_status(site.store), disk.status(site.cfg)
    if not request.state.signed_in:
        return JSONResponse({"live": workers["live"], "disk": {"full": state["full"]}})
    return JSONResponse({**workers, "streams": stream_stats(), "disk": state})
