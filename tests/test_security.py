"""Safe to leave running while browsing: requests from other origins change nothing, a
rebinding host name is refused, JSON routes take only JSON, forms need the page's token,
bodies are bounded, responses carry the security headers, and the home folder is the
owner's alone. (The same, from a real page on another origin in Chromium, is in
test_ui_browser.py.)"""

from __future__ import annotations

import os
import stat

import pytest
from starlette.testclient import TestClient


@pytest.fixture(scope="module")
def bare(web):
    """A client that sends no token: what another site's page can send."""
    return TestClient(web.app, raise_server_exceptions=False)


def counts(web):
    return len(web.get("/api/v1/workflows").json()), len(web.get("/api/v1/datasets").json()["uploads"])


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"}, {"Origin": "http://testserver.evil.example"},
], ids=["other origin", "null origin", "cross-site", "same-site", "look-alike"])
def test_unsafe_requests_from_another_origin_change_nothing(web, bare, headers):
    before = counts(web)
    wid = web.get("/api/v1/workflows").json()[0]["id"] if before[0] else web.post(
        "/api/v1/workflows", json={"name": "mine"}).json()["id"]
    before = counts(web)
    attempts = [
        bare.post("/api/v1/workflows", content=b'{"name": "pwned"}', headers={**headers, "Content-Type": "text/plain"}),
        bare.post("/api/v1/workflows", json={"name": "pwned"}, headers=headers),
        bare.post("/workflows", data={"name": "pwned"}, headers=headers),
        bare.post("/api/v1/datasets", files={"file": ("x.csv", b"a,b\n1,2\n3,4\n")}, headers=headers),
        bare.patch(f"/api/v1/workflows/{wid}", json={"name": "pwned"}, headers=headers),
        bare.post(f"/api/v1/workflows/{wid}/run", headers=headers),
        bare.post(f"/api/v1/workflows/{wid}/run", content=b"",
                  headers={**headers, "Content-Type": "application/x-www-form-urlencoded"}),
        bare.delete(f"/api/v1/workflows/{wid}", headers=headers),
    ]
    assert {r.status_code for r in attempts} <= {403, 415}
    assert all(r.json()["detail"] in ("Requests from other sites cannot change anything here.",)
               or r.status_code == 415 for r in attempts if r.headers["content-type"].startswith("application/json"))
    assert counts(web) == before
    assert web.get(f"/api/v1/workflows/{wid}").json()["name"] != "pwned"


def test_json_routes_take_only_json(bare):
    r = bare.post("/api/v1/workflows", content=b'{"name": "x"}', headers={"Content-Type": "text/plain"})
    assert r.status_code == 415 and r.json()["detail"] == "Send JSON (Content-Type: application/json), not text/plain."


def test_an_empty_body_is_no_form_whatever_type_it_names(web, bare):
    """Python's urllib names application/x-www-form-urlencoded for a POST of b"": a run
    started so was refused as "Send JSON" though it sent nothing (found by a new user)."""
    wid = web.post("/api/v1/workflows", json={"name": "empty body"}).json()["id"]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert bare.post(f"/api/v1/workflows/{wid}/run", content=b"", headers=form).status_code != 415
    r = bare.post(f"/api/v1/workflows/{wid}/run", content=b"rerun=all", headers=form)
    assert r.status_code == 415 and r.json()["detail"].startswith("Send JSON")


def test_ui_forms_need_the_pages_token(web, bare):
    before = counts(web)
    r = bare.post("/workflows", data={"name": "no token"})
    assert r.status_code == 403 and "security token" in r.text
    r = bare.post("/workflows", data={"name": "wrong", "csrf_token": "0" * 40})
    assert r.status_code == 403
    assert counts(web) == before
    page = web.get("/workflows").text
    token = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    r = bare.post("/workflows", data={"name": "with token", "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    # API clients with no browser behind them (no Origin, no Sec-Fetch-Site) need no token
    assert bare.post("/api/v1/workflows", json={"name": "script"}).status_code == 201


def test_a_file_form_carries_the_token_as_a_field(web, bare):
    """The Workflows page's import is a plain multipart form: its token is a field, read
    like a urlencoded form's; without it, or with another, nothing is imported."""
    before = counts(web)
    token = web.get("/workflows").text.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    assert f'name="csrf_token" value="{token}"' in web.get("/workflows").text.split('id="import-form"', 1)[1]
    wf = b'{"name": "imported", "nodes": []}'
    for fields in ({}, {"csrf_token": "0" * 40}, {"csrf_token": ""}):
        r = bare.post("/workflows/import", data=fields, files={"file": ("w.json", wf)})
        assert r.status_code == 403 and "security token" in r.text
    r = bare.post("/workflows/import", files={"file": ("w.json", wf)}, data={"csrf_token": token},
                  headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    assert counts(web) == before
    r = bare.post("/workflows/import", data={"csrf_token": token}, files={"file": ("w.json", wf)},
                  follow_redirects=False)
    assert r.status_code == 303 and counts(web)[0] == before[0] + 1


def test_a_rebinding_host_name_is_refused(bare):
    """A DNS-rebinding page reaches 127.0.0.1 under its own name: it must not read a thing."""
    r = bare.get("/api/v1/workflows", headers={"Host": "attacker.example:5001"})
    assert r.status_code == 400
    assert r.json()["detail"].startswith("This server answers only to ")
    assert "PLAYGROUND_ALLOWED_HOSTS" in r.json()["detail"]
    assert bare.get("/workflows", headers={"Host": "attacker.example"}).status_code == 400
    assert bare.get("/api/v1/node-types", headers={"Host": "localhost:5001"}).status_code == 200
    assert bare.get("/api/v1/node-types", headers={"Host": "[::1]:5001"}).status_code == 200


def test_the_default_allow_list_is_loopback_only():
    from data.config import Settings
    from web.security import SecurityMiddleware

    m = SecurityMiddleware(None, allowed_hosts=Settings.__dataclass_fields__["allowed_hosts"].default, token="t",
                           max_body_bytes=1, max_upload_bytes=1)
    assert m.allowed == {"localhost", "127.0.0.1", "::1"}


def test_security_headers_on_every_answer(bare):
    for path in ("/workflows", "/api/v1/node-types", "/static/playground.js", "/nope"):
        h = bare.get(path).headers
        assert "default-src 'self'" in h["content-security-policy"] and "script-src 'self';" in h["content-security-policy"]
        assert "frame-ancestors 'none'" in h["content-security-policy"]
        assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"
        assert h["referrer-policy"] == "same-origin"


def test_bodies_are_bounded_with_the_limit_in_the_sentence(web):
    r = web.post("/api/v1/workflows", content=b"{" + b" " * (6 * 2**20) + b"}", headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["detail"].endswith("the limit is 5 MB (PLAYGROUND_MAX_BODY_MB).")


def test_the_home_folder_and_databases_are_the_owners_alone(web):
    from data.config import settings

    cfg = settings()
    for folder in (cfg.home, cfg.datasets_dir, cfg.artifacts_dir):
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700, folder
    for f in (cfg.db_path, cfg.home / "session.key"):
        assert stat.S_IMODE(os.stat(f).st_mode) & 0o077 == 0, f


def test_get_of_the_home_page_changes_nothing(tmp_path):
    """GET / created "My first workflow": a state change that any page could trigger with an
    <img src="http://127.0.0.1:5001/">. Now it only leads to the newest workflow, or to the
    Workflows page, where creating one is a form's POST."""
    from dataclasses import replace

    from app import create_app
    from data.config import settings

    app = create_app(replace(settings(), home=tmp_path))
    with TestClient(app) as client:
        for _ in range(3):
            r = client.get("/", follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"] == "/workflows"
        assert client.get("/api/v1/workflows").json() == []
        assert "No workflows yet" in client.get("/", follow_redirects=True).text
        made = app.state.store.create_workflow("mine")
        assert client.get("/", follow_redirects=False).headers["location"] == f"/workflows/{made['id']}"


def test_one_host_header_parsed_strictly(bare):
    """`127.0.0.1:evil.example` was read as 127.0.0.1 (a split at the last colon), and of two
    Host headers the last was checked: which one the framework or a proxy reads is a guess."""
    for host in ("127.0.0.1:evil.example", "localhost:5001:80", "[::1", "::1", "localhost:", "a b", "user@localhost"):
        r = bare.get("/api/v1/node-types", headers={"Host": host})
        assert r.status_code == 400, host
        assert r.json()["detail"] == f"The Host header {host!r} is not a host name with an optional port number."
    r = bare.get("/api/v1/node-types", headers=[("Host", "localhost"), ("Host", "evil.example")])
    assert r.status_code == 400 and r.json()["detail"] == "This request has 2 Host headers; send one."
    r = bare.get("/workflows", headers=[("Host", "localhost"), ("Host", "localhost")])
    assert r.status_code == 400 and r.text == "This request has 2 Host headers; send one."
    for host in ("localhost", "LOCALHOST:5001", "localhost.:80", "[::1]", "127.0.0.1:65535"):
        assert bare.get("/api/v1/node-types", headers={"Host": host}).status_code == 200, host
    r = bare.get("/api/v1/node-types", headers={"Host": "x" * 5000 + ".example"})
    assert r.status_code == 400 and len(r.json()["detail"]) < 200


def test_forwarded_headers_are_believed_from_trusted_proxies_only(tmp_path):
    """Behind an https proxy the browser's Origin is https://…: a trusted proxy's Forwarded
    or X-Forwarded-Proto (and -Host) says so; anyone else's is ignored. A browser's
    Sec-Fetch-Site: same-origin is taken at its word, so no proxy setting is needed for one
    that sends it (before: 403 unless the proxy sent X-Forwarded-Proto from 127.0.0.1)."""
    from dataclasses import replace

    from app import create_app
    from data.config import settings

    cfg = replace(settings(), home=tmp_path, allowed_hosts=("play.example", "localhost"),
                  trusted_proxies=("10.1.0.0/16",))
    app = create_app(cfg)
    proxy = TestClient(app, client=("10.1.2.3", 40000), raise_server_exceptions=False)
    stranger = TestClient(app, client=("203.0.113.9", 40000), raise_server_exceptions=False)
    from_https = {"Origin": "https://play.example", "Host": "play.example"}
    cases = [
        (proxy, {**from_https, "X-Forwarded-Proto": "https"}, 201),
        (proxy, {**from_https, "X-Forwarded-Proto": "http, https"}, 201),  # the last: what the proxy added
        (proxy, {**from_https, "Host": "127.0.0.1:5001", "Forwarded": 'for=1.2.3.4;proto=https;host="play.example"'},
         201),
        (proxy, {**from_https, "Host": "127.0.0.1:5001", "X-Forwarded-Host": "play.example",
                 "X-Forwarded-Proto": "https"}, 201),
        (proxy, from_https, 403),  # no word from the proxy: the origin is not ours
        (stranger, {**from_https, "X-Forwarded-Proto": "https"}, 403),  # not a trusted proxy: ignored
        (stranger, {**from_https, "Sec-Fetch-Site": "same-origin"}, 201),  # the browser's own word
        (stranger, {**from_https, "Sec-Fetch-Site": "cross-site", "X-Forwarded-Proto": "https"}, 403),
    ]
    for client, headers, status in cases:
        r = client.post("/api/v1/workflows", json={"name": "via proxy"}, headers=headers)
        assert r.status_code == status, (headers, r.status_code, r.text)
    r = proxy.get("/api/v1/node-types", headers={"Host": "127.0.0.1", "X-Forwarded-Host": "evil.example"})
    assert r.status_code == 400 and "answers only to" in r.json()["detail"]
    r = proxy.get("/api/v1/node-types", headers={"Host": "127.0.0.1", "X-Forwarded-Host": "a b"})
    assert r.status_code == 400 and r.json()["detail"] == ("The forwarded host 'a b' is not a host name with an "
                                                           "optional port number.")
    app.state.ingest.close()
