"""The page shell: head (our own static files only), top bar, body."""

from __future__ import annotations

import json
from contextvars import ContextVar

from fasthtml.common import (
    A,
    Body,
    Button,
    Div,
    Form,
    Head,
    Html,
    Input,
    Link,
    Meta,
    Nav,
    P,
    Script,
    Span,
    Title,
)

# The page's CSRF token, set per request by web.security's middleware: htmx sends it as a
# header on every request, plain forms as a field, playground.js reads it from the meta tag.
CSRF_TOKEN: ContextVar[str] = ContextVar("csrf_token", default="")
# What every page must say at its top, set per request by the web layer (a full disk)
BANNER: ContextVar[str] = ContextVar("banner", default="")
# Whether the page offers to sign out (a token is needed and this browser showed it)
SIGN_OUT: ContextVar[bool] = ContextVar("sign_out", default=False)


def CsrfField():
    return Input(type="hidden", name="csrf_token", value=CSRF_TOKEN.get())


NAV = (("workflows", "Workflows", "/workflows"), ("datasets", "Datasets", "/datasets"),
       ("deployments", "Deployments", "/deployments"))


def Brand():
    return A(Span(cls="brand-mark"), Span("AutoML Playground", cls="brand-name"), href="/", cls="brand",
             aria_label="AutoML Playground", title="AutoML Playground")


def TopNav(active: str):
    return Nav(*[A(label, href=href, aria_current="page" if key == active else None) for key, label, href in NAV],
               cls="topnav", aria_label="Main")


def Page(title: str, *content, active: str = "", body_cls: str = "", topbar_extra=(), scripts=()):
    return Html(
        Head(
            Meta(charset="utf-8"),
            Meta(name="viewport", content="width=device-width, initial-scale=1"),
            Title(f"{title} · AutoML Playground"),
            Link(rel="stylesheet", href="/static/playground.css"),
            Link(rel="icon", href="/static/favicon.svg", type="image/svg+xml"),
            Meta(name="csrf-token", content=CSRF_TOKEN.get()),
            Script(src="/vendor/htmx.js"),
        ),
        Body(
            Div(Brand(), TopNav(active), *topbar_extra, *([SignOut()] if SIGN_OUT.get() else []), cls="topbar"),
            *([P(BANNER.get(), cls="banner", role="alert")] if BANNER.get() else []),
            *content,
            *[Script(src=s) for s in scripts],
            cls=body_cls, hx_headers=json.dumps({"X-CSRF-Token": CSRF_TOKEN.get()}),
        ),
        lang="en",
    )


def SignOut():
    return Form(CsrfField(), Button("Sign out", type="submit", cls="small ghost"), method="post", action="/logout",
                cls="sign-out")


STATUS_WORDS = {"cached": "reused"}  # as the canvas badge says it ("Reused"); the status itself stays `cached`


def Pill(status: str):
    return Span(STATUS_WORDS.get(status, status), cls=f"pill {status}")
