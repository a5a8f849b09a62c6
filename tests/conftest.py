"""Shared fixtures. The whole test session runs against a temporary home folder, so tests
never touch ./var; short heartbeat/lease settings keep the lost-worker tests quick."""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Every temporary folder the suite makes (homes, uploads, Chromium profiles, its children's
# own) goes under one scratch folder per pytest process, removed when that process ends: a
# suite run used to leave its app homes in /tmp (31 GB after a day of runs). The prefix is
# short so the events-wake sockets under a home keep within a socket address's 108 bytes.
SCRATCH = Path(tempfile.mkdtemp(prefix="pg-suite-"))
tempfile.tempdir = str(SCRATCH)
os.environ["TMPDIR"] = str(SCRATCH)
atexit.register(shutil.rmtree, SCRATCH, ignore_errors=True)
HOME = Path(tempfile.mkdtemp(prefix="playground-test-"))
os.environ["PLAYGROUND_HOME"] = str(HOME)
os.environ.setdefault("PLAYGROUND_HEARTBEAT_SECONDS", "0.5")
os.environ.setdefault("PLAYGROUND_LEASE_SECONDS", "4")
os.environ.pop("PLAYGROUND_REDIS_URL", None)
# the per-node cache is off for the suite's shared home (tests that run a workflow twice
# expect it to run twice); tests/test_cache.py turns it on in homes of its own
os.environ.setdefault("PLAYGROUND_CACHE_MB", "0")
# jobs at the product's nice 10 would wait behind every browser, server and pytest process
# the suite runs side by side; the priority itself is tested in test_supervision.py
os.environ.setdefault("PLAYGROUND_JOB_NICE", "0")
# Starlette's TestClient sends `Host: testserver`; the app serves loopback names only
os.environ["PLAYGROUND_ALLOWED_HOSTS"] = "localhost,127.0.0.1,::1,testserver"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(*flags: str, env: dict | None = None, home: str | None = None, timeout: float = 30,
                cwd: Path = ROOT):
    """`python app.py` (a real uvicorn and, unless --no-worker, its consumer) for a home
    folder on a free port, yielded once it answers the API as (base, home, proc); its output
    goes to home/server.log. Stopped at the end, unless the test killed it itself. `cwd`: the
    checkout it runs from (a copy, for a test that changes the files under it)."""
    home = home or tempfile.mkdtemp(prefix="playground-app-")
    port = free_port()
    log = open(Path(home) / "server.log", "a")
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), *flags], cwd=cwd,
                            env={**os.environ, "PLAYGROUND_HOME": str(home), **(env or {})},
                            stdout=log, stderr=subprocess.STDOUT)
    app = SimpleNamespace(base=f"http://127.0.0.1:{port}", home=str(home), proc=proc)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(app.base + "/api/v1/node-types", timeout=2).close()
                break
            except urllib.error.HTTPError:  # it answers, with a refusal (a token needed, say)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    log_text = (Path(home) / "server.log").read_text()[-2000:]
                    raise RuntimeError(f"the app did not start: {log_text}") from None
                time.sleep(0.2)
        yield app
    finally:
        stop(proc, 15)
        log.close()


def write_dist_info(folder, name: str, entry_points: dict) -> Path:
    """What pip leaves for a package declaring `playground.plugins` entry points: a
    dist-info folder in `folder` (put `folder` on the path to install it)."""
    folder = Path(folder)
    dist = folder / f"{name.replace('-', '_')}-1.0.dist-info"
    dist.mkdir(exist_ok=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[playground.plugins]\n" + "".join(
        f"{k} = {v}\n" for k, v in entry_points.items()))
    return folder


@contextmanager
def installed_entry_points(folder, name: str, entry_points: dict):
    """The package installed in this process for the block: its entry points discovered by
    the registries, and forgotten after."""
    from nodes import registry as node_registry

    sys.path.insert(0, str(write_dist_info(folder, name, entry_points)))
    node_registry.reload()
    try:
        yield
    finally:
        sys.path.remove(str(folder))
        node_registry.reload()


def parse_sse(lines):
    """Yield {"id", "event", "data"} from an iterator of SSE lines (comments skipped)."""
    import json

    event = {}
    for line in lines:
        if line == "":
            if "data" in event:
                event["data"] = json.loads(event["data"])
                yield event
            event = {}
        elif line.startswith(":"):
            continue
        else:
            key, _, value = line.partition(":")
            event[key] = value[1:] if value.startswith(" ") else value


@pytest.fixture(scope="session")
def web():
    """The app in-process (Starlette TestClient) with its sweeper running."""
    from starlette.testclient import TestClient

    from app import create_app
    from data.config import settings
    from executor import jobs
    from web.security import csrf_token

    application = create_app()
    stop = jobs.start_sweeper(application.state.store, interval=0.5)
    # the editor's pages send the CSRF token on every request that changes something
    with TestClient(application, headers={"X-CSRF-Token": csrf_token(settings().session_secret())}) as client:
        yield client
    stop.set()


@pytest.fixture(scope="session")
def consumer():
    """A real Huey consumer process (two process workers sharing one job host) on the test
    home, started as the app starts it."""
    from executor.queue import CONSUMER_FLAGS

    log = open(HOME / "consumer.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "executor.consumer", "executor.tasks.huey", "-w", "2",
                             *CONSUMER_FLAGS], cwd=ROOT, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT)
    time.sleep(0.5)
    yield proc
    stop(proc, 10)
    log.close()


def consumer_log() -> str:
    path = HOME / "consumer.log"
    return path.read_text() if path.exists() else ""


def stop(proc, timeout: float = 20) -> None:
    """End a process the test started (unless it has ended): terminate, then kill if it
    does not end within `timeout` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_for(predicate, timeout: float, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


@pytest.fixture(autouse=True, scope="session")
def _a_failed_capture_is_taken_again():
    """Chromium under load sometimes answers a screenshot with "Protocol error
    (Page.captureScreenshot): Unable to capture screenshot" (the page itself is fine; the
    compositor had no frame ready). That error, and only it, is retried once after a frame."""
    from playwright.sync_api import Error, Page

    original = Page.screenshot

    def screenshot(self, *args, **kwargs):
        try:
            return original(self, *args, **kwargs)
        except Error as e:
            if "Unable to capture screenshot" not in str(e):
                raise
            self.wait_for_timeout(500)
            return original(self, *args, **kwargs)

    Page.screenshot = screenshot
    yield
    Page.screenshot = original


# --------------------------------------------------------------------------- the browser tests' app and Chromium
# One app and one Chromium per pytest process, shared by every test file that needs only "an
# app with two workers on a home of its own": each file used to start its own (a second or
# more each, more under load; twenty starts in a suite run against its 15-minute bound). A
# file whose tests need an app of their own (other flags or environment, a home they count
# or fill on purpose, an app they stop) defines its own `server` fixture: in that file it
# stands in for this one, the `page` fixture's included. Tests sharing this app look only at
# what they made (their own workflow, dataset, run), never at everything on a page.
@pytest.fixture(scope="session")
def server():
    with running_app("--workers", "2") as app:
        yield app.base
    assert "database is locked" not in (Path(app.home) / "server.log").read_text()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    """A page that records every request and every console error; both are asserted on
    after each test: nothing from another origin, no error logged."""
    # Playwright's wait_for_function evaluates strings in the page, which the app's CSP
    # forbids; test_the_editor_keeps_to_its_content_security_policy runs with the CSP on.
    context = browser.new_context(viewport={"width": 1440, "height": 900}, bypass_csp=True)
    pg = context.new_page()
    pg.requests, pg.errors = [], []
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    foreign = [u for u in pg.requests if not (u.startswith(server) or u.startswith("data:") or u.startswith("blob:"))]
    assert foreign == [], f"requests to another origin: {foreign}"
    assert pg.errors == [], f"console errors: {pg.errors}"
    context.close()


@pytest.fixture(autouse=True)
def _no_event_loop_left_running_by_the_browser(request):
    """Playwright's sync API marks its event loop as this thread's running one between its
    calls, for as long as it is started: with the session's Chromium up, asyncio.run() in a
    later test (tests/test_sse.py) was refused ("cannot be called from a running event
    loop"), and so was a second sync_playwright(). A test that uses no browser runs without
    it; Playwright has it back after (its loop runs only inside its own calls)."""
    loop = asyncio.events._get_running_loop()
    if loop is None or "browser" in request.fixturenames:
        yield
        return
    asyncio.events._set_running_loop(None)
    try:
        yield
    finally:
        asyncio.events._set_running_loop(loop)
