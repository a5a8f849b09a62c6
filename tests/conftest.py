"""Shared fixtures. The whole test session runs against a temporary home folder, so tests
never touch ./var; short heartbeat/lease settings keep the lost-worker tests quick."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOME = Path(tempfile.mkdtemp(prefix="playground-test-"))
os.environ["PLAYGROUND_HOME"] = str(HOME)
os.environ.setdefault("PLAYGROUND_HEARTBEAT_SECONDS", "0.5")
os.environ.setdefault("PLAYGROUND_LEASE_SECONDS", "4")
os.environ.pop("PLAYGROUND_REDIS_URL", None)
# Starlette's TestClient sends `Host: testserver`; the app serves loopback names only
os.environ["PLAYGROUND_ALLOWED_HOSTS"] = "localhost,127.0.0.1,::1,testserver"
ARTIFACTS = ROOT / "tests" / "artifacts"


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
    """A real Huey consumer process (two process workers) on the test home."""
    from executor.queue import CONSUMER_FLAGS

    log = open(HOME / "consumer.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "huey.bin.huey_consumer", "executor.tasks.huey", "-w", "2",
                             *CONSUMER_FLAGS], cwd=ROOT, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT)
    time.sleep(0.5)
    yield proc
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def consumer_log() -> str:
    path = HOME / "consumer.log"
    return path.read_text() if path.exists() else ""


def wait_for(predicate, timeout: float, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
