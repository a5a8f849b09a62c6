"""The scale-out path: Huey on Redis. A real redis-server on loopback, the real app with
PLAYGROUND_REDIS_URL and its consumer, a job through the API to completion."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
REDIS = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS is None, reason="Debian's redis-server is not installed (make setup-system)")




def call(url, body=None):
    req = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json"}, method="POST" if body else "GET")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def test_a_job_runs_through_redis():
    home = Path(tempfile.mkdtemp(prefix="playground-redis-"))
    rport, port = free_port(), free_port()
    redis = subprocess.Popen([REDIS, "--port", str(rport), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = {**os.environ, "PLAYGROUND_HOME": str(home), "PLAYGROUND_REDIS_URL": f"redis://127.0.0.1:{rport}/0"}
    log = open(home / "server.log", "w")
    app = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--workers", "1"], cwd=ROOT, env=env,
                           stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                call(f"{base}/api/v1/node-types")
                break
            except OSError:
                time.sleep(0.2)
        wf = json.loads((ROOT / "examples" / "regression.json").read_text())
        job = call(f"{base}/api/v1/workflows/execute", wf)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            status = call(f"{base}/api/v1/jobs/{job['job_id']}")["status"]
            if status in ("completed", "failed", "cancelled"):
                break
            time.sleep(0.3)
        result = call(f"{base}/api/v1/jobs/{job['job_id']}")
        assert result["status"] == "completed", result.get("error_message")
        assert result["results"]["metrics"]["evaluate"]["values"]["r2"] > 0.2
        assert not (home / "huey.db").exists(), "the queue lived in Redis, not in the SQLite file"
    finally:
        app.terminate()
        app.wait(15)
        redis.terminate()
        redis.wait(5)
        log.close()
