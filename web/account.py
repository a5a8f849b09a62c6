"""Signing in and out (the token, its login link and the session cookie: web/auth.py)."""

from __future__ import annotations

from fasthtml.common import to_xml
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from components.login import LoginPage
from web.auth import safe_next
from web.site import Routes, Site

routes = Routes()


def after_login(site: Site, request: Request, token: str | None, next_path: str | None):
    """The login link or form: the token right, a session cookie and on to `next`;
    wrong, the form again (403) and no cookie; no token needed, on at once."""
    target, sessions = safe_next(next_path), site.sessions
    if sessions is None or (token is None and request.state.signed_in):
        return RedirectResponse(target, status_code=303)
    if token is None:
        return LoginPage(target, from_environment=not site.access.generated)
    if not sessions.token_ok(token):
        page = LoginPage(target, error="That is not this server's token.", from_environment=not site.access.generated)
        return HTMLResponse(to_xml(page), status_code=403, headers={"Cache-Control": "no-store"})
    response = RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})
    sessions.set_cookie(response, secure=request.state.scheme == "https")
    return response


@routes("/login", methods=["get"])
def login_page(site: Site, request: Request):
    q = request.query_params
    return after_login(site, request, q.get("token"), q.get("next"))


@routes("/login", methods=["post"])
async def login_form(site: Site, request: Request):
    form = await request.form()
    token = form.get("token")
    return after_login(site, request, token if isinstance(token, str) else "", form.get("next"))


@routes("/logout", methods=["post"])
def logout(site: Site, request: Request):
    response = RedirectResponse("/login" if site.sessions is not None else "/", status_code=303)
    if site.sessions is not None:
        site.sessions.clear_cookie(response, secure=request.state.scheme == "https")
    return response
