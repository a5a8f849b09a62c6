"""The login page: what a browser sees of an app that needs its token (web/auth.py)."""

from __future__ import annotations

from fasthtml.common import H1, Button, Div, Form, Input, Label, P

from components.layout import Page


def LoginPage(next_path: str = "/", error: str | None = None, from_environment: bool = False):
    where = ("the token in PLAYGROUND_TOKEN" if from_environment else
             "the link printed when the server started (…/login?token=…), or the token in it")
    form = Form(
        Div(Label("Token", fr="login-token"),
            Input(type="password", name="token", id="login-token", required=True, autofocus=True,
                  autocomplete="current-password", spellcheck="false"),
            cls="field"),
        Input(type="hidden", name="next", value=next_path),
        Button("Sign in", type="submit", cls="primary"),
        method="post", action="/login", enctype="application/x-www-form-urlencoded", cls="login-form")
    return Page("Sign in", Div(
        Div(H1("Sign in"), cls="page-head"),
        Div(P(f"This AutoML Playground can be reached from other machines, so it needs its token: open {where}."),
            *([P(error, cls="notice error", role="alert")] if error else []),
            form, cls="card"),
        cls="page login"))
