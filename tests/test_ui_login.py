"""Signing in with the token in a real browser (Chromium): a page of an app that needs its
token leads to the login page; the token typed there signs the browser in with a cookie
scripts cannot read, and the editor works as usual (its fetches, forms and htmx carry the
cookie); signing out ends it."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.conftest import running_app, wait_for

pytestmark = [pytest.mark.browser]
TOKEN = "a-token-typed-by-hand-0123456789"


@pytest.fixture(scope="module")
def server():
    """An app of its own, standing in for tests/conftest.py's shared one in this file (for
    `page` too): a token asked for."""
    # on loopback, with the token asked for (PLAYGROUND_REQUIRE_TOKEN=1), as beyond it
    with running_app("--no-worker", env={"PLAYGROUND_REQUIRE_TOKEN": "1", "PLAYGROUND_TOKEN": TOKEN}) as app:
        yield app.base


def test_the_login_page_signs_the_browser_in_and_out(page, server):  # noqa: F811
    pg = page
    pg.goto(f"{server}/workflows")
    assert pg.url == f"{server}/login?next=/workflows"
    assert pg.get_by_role("heading", name="Sign in").is_visible()
    pg.fill("#login-token", TOKEN)
    pg.get_by_role("button", name="Sign in").click()
    pg.wait_for_url(f"{server}/workflows")
    assert pg.evaluate("document.cookie") == ""  # HttpOnly: no script of any page can read it
    cookies = pg.context.cookies()
    assert len(cookies) == 1 and cookies[0]["httpOnly"] and cookies[0]["sameSite"] == "Lax"
    # the editor as usual: a form (its CSRF token), the canvas, its fetches and htmx requests
    pg.fill('input[name="name"]', "Signed in")
    pg.get_by_role("button", name="New workflow").click()
    pg.wait_for_url("**/workflows/wf_*")
    pg.wait_for_function("window.playground && window.playground.graph")
    renamed = pg.locator('.toolbar-name input[name="name"]')  # an htmx PATCH (the cookie, the page's token)
    renamed.fill("Signed in, renamed")
    renamed.press("Enter")
    pg.wait_for_function("document.getElementById('save-state').textContent.trim() === 'Saved'")
    wid = pg.url.rsplit("/", 1)[1]
    request = urllib.request.Request(f"{server}/api/v1/workflows/{wid}", headers={"Authorization": f"Bearer {TOKEN}"})
    assert wait_for(lambda: json.loads(urllib.request.urlopen(request).read())["name"] == "Signed in, renamed", 5)
    # signing out: back to the login page, and the editor is closed to this browser
    editor = pg.url
    pg.get_by_role("button", name="Sign out").click()
    pg.wait_for_url(f"{server}/login")
    pg.goto(editor)
    assert pg.url.startswith(f"{server}/login?next=/workflows/wf_")
