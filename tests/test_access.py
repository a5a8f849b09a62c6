"""A token once the app is exposed (Jupyter's model): beyond loopback every page and API
call needs it (the API as `Authorization: Bearer`, a browser as the session cookie it gets
at /login); a setup that would expose the app without allowed host names or without a
token is refused at start with a sentence; loopback needs no token unless asked; forwarded
headers are believed from trusted proxies only.

Before: `python app.py --host 0.0.0.0` served everything to anyone who sent
`Host: 127.0.0.1` (listing, creating, uploading, running, downloading, deleting), with no
warning and no way to require a token; behind an https proxy that sent no
X-Forwarded-Proto, browser POSTs got 403."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import ROOT, free_port, parse_sse, stop, wait_for

TOKEN = "the-token-of-this-test-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def guarded():
    """The app in this process, with a token needed, on a home of its own."""
    from app import create_app
    from data.config import settings
    from web.auth import Access

    app = create_app(replace(settings(), home=Path(tempfile.mkdtemp(prefix="playground-access-"))),
                     Access.with_token(TOKEN))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    app.state.ingest.close()


def csrf(page: str) -> str:
    return page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


def test_without_the_token_nothing_is_served(guarded):
    wid = guarded.post("/api/v1/workflows", json={"name": "mine"}, headers=BEARER).json()["id"]
    refused = {
        "list": guarded.get("/api/v1/workflows"),
        "read": guarded.get(f"/api/v1/workflows/{wid}"),
        "create": guarded.post("/api/v1/workflows", json={"name": "anon"}),
        "upload": guarded.post("/api/v1/datasets", files={"file": ("x.csv", b"a,b\n1,2\n3,4\n")}),
        "run": guarded.post(f"/api/v1/workflows/{wid}/run"),
        "delete": guarded.delete(f"/api/v1/workflows/{wid}"),
        "events": guarded.get("/api/v1/jobs/job_0123456789abcdef/events"),
        "artifact": guarded.get("/api/v1/jobs/job_0123456789abcdef/artifacts/art_0123456789abcdef"),
        "wrong token": guarded.get("/api/v1/workflows", headers={"Authorization": "Bearer " + "x" * 40}),
        "a cookie made up": guarded.get("/api/v1/workflows", cookies={"playground-session-x": "1.abc"}),
    }
    for what, r in refused.items():
        assert r.status_code == 401, (what, r.status_code, r.text)
        assert r.headers["www-authenticate"] == 'Bearer realm="AutoML Playground"'
    assert refused["list"].json()["detail"] == ("This server needs its token: send it as 'Authorization: Bearer "
                                                "<token>' (it was printed when the server started, or is "
                                                "PLAYGROUND_TOKEN).")
    assert refused["wrong token"].json()["detail"] == "The token sent (Authorization: Bearer) is not this server's token."
    # a page leads to the login page and back; htmx is told to go there; a form post is refused
    r = guarded.get(f"/workflows/{wid}?x=1", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/login?next=/workflows/{wid}%3Fx%3D1"
    r = guarded.get(f"/ui/workflows/{wid}/inspector", headers={"HX-Request": "true",
                                                               "HX-Current-URL": f"http://testserver/workflows/{wid}"})
    assert r.status_code == 401 and r.headers["hx-redirect"] == f"/login?next=/workflows/{wid}"
    r = guarded.post("/workflows", data={"name": "anon"}, follow_redirects=False)
    assert r.status_code == 401 and r.text.startswith("Sign in first")
    # nothing changed, and the refusals carry the same security headers
    assert [w["name"] for w in guarded.get("/api/v1/workflows", headers=BEARER).json()] == ["mine"]
    assert "frame-ancestors 'none'" in refused["list"].headers["content-security-policy"]


def test_with_the_token_in_a_header(guarded):
    r = guarded.post("/api/v1/workflows", json={"name": "by script"}, headers=BEARER)
    assert r.status_code == 201
    assert guarded.get(f"/api/v1/workflows/{r.json()['id']}", headers=BEARER).status_code == 200
    assert guarded.get("/api/v1/jobs/job_0123456789abcdef/events", headers=BEARER).status_code == 404  # let in
    assert guarded.get("/api/v1/datasets", headers=BEARER).status_code == 200
    # a browser page with the header is served too (a script may read the pages)
    assert guarded.get("/workflows", headers=BEARER).status_code == 200


def test_the_login_link_and_form_set_an_httponly_cookie(guarded):
    client = TestClient(guarded.app, raise_server_exceptions=False)
    page = client.get("/login?next=/datasets")
    assert page.status_code == 200 and "Sign in" in page.text
    assert 'name="csrf-token" content=""' in page.text  # a stranger sees no page token
    r = client.get("/login?token=not-it&next=/datasets", follow_redirects=False)
    assert r.status_code == 403 and "That is not this server's token." in r.text and "set-cookie" not in r.headers
    r = client.get(f"/login?token={TOKEN}&next=/datasets", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/datasets"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie and "Secure" not in cookie
    assert TOKEN not in cookie and r.headers["cache-control"] == "no-store"
    # the cookie lets the browser in: pages, the API (the editor's fetches, its event stream), forms
    page = client.get("/workflows")
    assert page.status_code == 200 and "Sign out" in page.text
    assert client.get("/api/v1/workflows").status_code == 200
    r = client.post("/workflows", data={"name": "from the form", "csrf_token": csrf(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    # signing out ends it
    r = client.post("/logout", data={"csrf_token": csrf(page.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert client.get("/api/v1/workflows").status_code == 401
    # the form, and where it may lead: this server only
    other = TestClient(guarded.app, raise_server_exceptions=False)
    for target, lands in (("/jobs/x", "/jobs/x"), ("//evil.example/", "/"), ("https://evil.example", "/"),
                          ("/\\evil.example", "/")):
        r = other.post("/login", data={"token": TOKEN, "next": target}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == lands, target
    r = other.post("/login", data={"token": TOKEN}, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403  # the login form is a form like any other: not from another site


def test_a_strangers_login_page_names_no_folder(tmp_path):
    """The full-disk banner names the home folder: a login page shown to a stranger does not."""
    from app import create_app
    from data.config import settings
    from web.auth import Access

    app = create_app(replace(settings(), home=tmp_path, min_free_bytes=2**62), Access.with_token(TOKEN))
    client = TestClient(app)
    assert "The disk of the home folder is full" not in client.get("/login").text
    assert "The disk of the home folder is full" in client.get("/workflows", headers=BEARER).text
    app.state.ingest.close()


def test_the_health_answer_stays_open_and_says_nothing_private(guarded):
    anonymous = guarded.get("/api/v1/health")
    assert anonymous.status_code == 200 and set(anonymous.json()) == {"live", "disk"}
    assert set(anonymous.json()["disk"]) == {"full"}
    signed_in = guarded.get("/api/v1/health", headers=BEARER).json()
    assert {"workers", "streams"} <= set(signed_in) and "home" in signed_in["disk"]
    assert guarded.get("/static/playground.css").status_code == 200


def test_loopback_needs_no_token_unless_asked():
    from web.auth import Access, StartRefused, plan, token_hash

    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        assert plan(host, {}) == (Access.open(), None)
    asked, token = plan("127.0.0.1", {"PLAYGROUND_REQUIRE_TOKEN": "1"})
    assert asked.required and asked.generated and len(token) == 48 and asked.hash == token_hash(token)
    assert token not in repr(asked)  # the generated token is printed by the caller, not kept here
    assert plan("127.0.0.1", {"PLAYGROUND_TOKEN": TOKEN})[0].required  # a token set is a token needed
    assert plan("127.0.0.1", {"PLAYGROUND_TOKEN": TOKEN, "PLAYGROUND_REQUIRE_TOKEN": "0"})[0].required is False
    exposed, printed = plan("0.0.0.0", {"PLAYGROUND_ALLOWED_HOSTS": "box.example", "PLAYGROUND_TOKEN": TOKEN})
    assert exposed.required and not exposed.generated and printed is None  # in the environment: only its hash here
    with pytest.raises(StartRefused, match="PLAYGROUND_REQUIRE_TOKEN is 'maybe'"):
        plan("127.0.0.1", {"PLAYGROUND_REQUIRE_TOKEN": "maybe"})


@pytest.mark.parametrize("env, sentence", [
    ({}, "The app would listen on 0.0.0.0 (beyond this machine), but PLAYGROUND_ALLOWED_HOSTS is not set, so it "
         "would answer only to localhost. Set PLAYGROUND_ALLOWED_HOSTS to the names people use to reach this machine"),
    ({"PLAYGROUND_ALLOWED_HOSTS": "box.example", "PLAYGROUND_REQUIRE_TOKEN": "0"},
     "PLAYGROUND_REQUIRE_TOKEN=0 turns the token off, which only a loopback address allows: listening on 0.0.0.0 "
     "(beyond this machine), anyone who reaches it could read, run and delete everything."),
    ({"PLAYGROUND_ALLOWED_HOSTS": "box.example", "PLAYGROUND_TOKEN": "short"},
     "PLAYGROUND_TOKEN has 5 characters; a token needs at least 16."),
    ({"PLAYGROUND_ALLOWED_HOSTS": "box.example", "PLAYGROUND_TRUSTED_PROXIES": "my-proxy"},
     "PLAYGROUND_TRUSTED_PROXIES holds 'my-proxy', which is not an address or a network"),
], ids=["no allowed hosts", "token turned off", "token too short", "proxy not an address"])
def test_exposed_without_hosts_or_token_is_refused_at_start(env, sentence):
    """A real `python app.py --host 0.0.0.0`: it exits (2) with the sentence, serving nothing."""
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("PLAYGROUND_ALLOWED_HOSTS",
                                                                         "PLAYGROUND_TOKEN", "PLAYGROUND_REQUIRE"))}
    done = subprocess.run([sys.executable, "app.py", "--host", "0.0.0.0", "--port", str(free_port()), "--no-worker"],
                          cwd=ROOT, env={**base_env, "PLAYGROUND_HOME": tempfile.mkdtemp(), **env},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.startswith("Not started: " + sentence), done.stderr
    assert "Traceback" not in done.stderr and "Uvicorn running" not in done.stderr + done.stdout


def test_the_cookie_is_secure_behind_an_https_proxy(tmp_path):
    """A trusted proxy says the browser came over https (test_security.py has the rest of
    the forwarded headers): the session cookie is sent back over https only."""
    from app import create_app
    from data.config import settings
    from web.auth import Access

    cfg = replace(settings(), home=tmp_path, allowed_hosts=("play.example",), trusted_proxies=("10.1.0.0/16",))
    app = create_app(cfg, Access.with_token(TOKEN))
    for client, secure in ((("10.1.2.3", 1), True), (("203.0.113.9", 1), False)):
        r = TestClient(app, client=client).get(f"/login?token={TOKEN}", follow_redirects=False,
                                               headers={"Host": "play.example", "X-Forwarded-Proto": "https"})
        assert r.status_code == 303 and ("; Secure" in r.headers["set-cookie"]) is secure
    app.state.ingest.close()


@pytest.mark.slow
def test_a_real_start_beyond_loopback_prints_the_login_url():
    """`python app.py --host 0.0.0.0` with a worker: the login link is printed (the token in
    it, generated), the link signs a browser in, a script runs a workflow with the Bearer
    header and follows its event stream and downloads its plot; without the token all of it
    is a 401; the token is in the output only in the printed links."""
    home = tempfile.mkdtemp(prefix="playground-exposed-")
    port = free_port()
    env = {**os.environ, "PLAYGROUND_HOME": home, "PLAYGROUND_ALLOWED_HOSTS": "playground.test,127.0.0.1"}
    for key in ("PLAYGROUND_TOKEN", "PLAYGROUND_REQUIRE_TOKEN"):
        env.pop(key, None)
    log = open(Path(home) / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "app.py", "--host", "0.0.0.0", "--port", str(port), "--workers", "1"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        printed = wait_for(lambda: re.findall(r"http://\S+/login\?token=\S+", (Path(home) / "server.log").read_text()),
                           60, 0.2)
        assert printed, (Path(home) / "server.log").read_text()[-3000:]
        assert printed[0] == f"http://playground.test:{port}/login?token={printed[0].rsplit('=', 1)[1]}"
        token = printed[0].rsplit("=", 1)[1]
        assert len(token) == 48 and printed[1] == f"http://127.0.0.1:{port}/login?token={token}"
        assert wait_for(lambda: call(base, "/api/v1/health")[0] == 200, 30)
        # the printed link (for 127.0.0.1) signs a browser in
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with browser.open(f"{base}/login?token={token}") as r:
            assert r.status == 200 and r.url == f"{base}/workflows"
        assert [c.name.startswith("playground-session-") for c in jar] == [True]
        # without the token: nothing
        assert call(base, "/api/v1/workflows")[0] == 401
        # with it: a workflow runs; its events stream and its plot downloads
        bearer = {"Authorization": f"Bearer {token}"}
        wf = json.loads((ROOT / "examples" / "classification.json").read_text())
        status, created = call(base, "/api/v1/workflows", wf, bearer)
        assert status == 201
        status, job = call(base, f"/api/v1/workflows/{created['id']}/run", {}, bearer)
        assert status == 202
        events = f"/api/v1/jobs/{job['job_id']}/events"
        assert call(base, events)[0] == 401
        req = urllib.request.Request(base + events, headers=bearer)
        with urllib.request.urlopen(req, timeout=120) as stream:
            lines = (raw.decode().rstrip("\n") for raw in stream)
            kinds = [e["event"] for e in parse_sse(lines)]
        assert kinds[-1] == "job_completed", kinds
        status, done = call(base, f"/api/v1/jobs/{job['job_id']}", headers=bearer)
        plot = next(p for p in done["results"]["plots"] if p.get("artifact_id"))
        url = f"/api/v1/jobs/{job['job_id']}/artifacts/{plot['artifact_id']}"
        assert call(base, url)[0] == 401
        with urllib.request.urlopen(urllib.request.Request(base + url, headers=bearer)) as r:
            assert r.status == 200 and r.read(4) == b"\x89PNG"
        with browser.open(base + url) as r:  # the browser's cookie, as an <img> in the results would
            assert r.status == 200
    finally:
        stop(proc, 20)
        log.close()
    output = (Path(home) / "server.log").read_text()
    assert "Listening on 0.0.0.0:" in output and "over plain HTTP" in output
    assert output.count(token) == 2  # the two printed links, nowhere else
    assert '"GET /login?token=… HTTP/1.1" 303' in output  # the access log's line, without it


def call(base: str, path: str, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method="POST" if data is not None else "GET",
                                 headers={**({"Content-Type": "application/json"} if data else {}), **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")
    except OSError:
        return None, None

