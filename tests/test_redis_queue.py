"""The scale-out path: Huey on Redis. A real redis-server on loopback, the real app with
PLAYGROUND_REDIS_URL and its consumer, a job through the API to completion; and a job whose
task never reached Redis, or was taken from it by a worker that died, runs all the same."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.conftest import free_port, running_app, stop, wait_for

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


def test_a_job_whose_task_is_not_in_redis_is_given_it_and_runs_once():
    """Submitted while Redis is down (the jobs are written, their tasks cannot be put in the
    queue), the sweeper puts the tasks in Redis once it is up; a lease later they are still
    one each; taken out as a worker that dies after taking them would, they are put back.
    A task that goes missing a third time fails its job with a sentence; the other job runs,
    once."""
    import redis as redis_client
    from huey import RedisHuey

    from executor.queue import CONSUMER_FLAGS, task_ids

    rport = free_port()
    url = f"redis://127.0.0.1:{rport}/0"
    env = {"PLAYGROUND_REDIS_URL": url, "PLAYGROUND_LEASE_SECONDS": "2", "PLAYGROUND_SWEEP_SECONDS": "0.3"}
    wf = {"nodes": [{"id": "d", "type": "dataset", "config": {"dataset_id": "iris", "target_column": "target",
                                                            "problem_type": "classification"}}], "edges": []}
    server = consumer = None
    with ExitStack() as stack:
        app = stack.enter_context(running_app("--no-worker", env=env))
        try:
            runs, fails = (call(f"{app.base}/api/v1/workflows/execute", wf)["job_id"] for _ in range(2))
            server = subprocess.Popen([REDIS, "--port", str(rport), "--bind", "127.0.0.1", "--save", "",
                                       "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            conn, queue = redis_client.Redis.from_url(url), RedisHuey("playground", url=url, results=False)
            key = queue.storage.queue_key
            db = sqlite3.connect(Path(app.home) / "playground.db")
            task_of = dict(db.execute("SELECT id, task_id FROM jobs").fetchall())
            db.close()

            def tasks():
                try:
                    return sorted(queue.serializer.deserialize(item).id for item in conn.lrange(key, 0, -1))
                except redis_client.ConnectionError:
                    return []

            both = sorted(task_of.values())
            assert wait_for(lambda: tasks() == both, 20), "the sweeper did not put the tasks in Redis"
            time.sleep(3.0)  # past a lease: a task that is there is not put there again
            assert tasks() == both and task_ids(queue) == set(both)
            assert conn.rpop(key) and conn.rpop(key)  # what a worker does before it dies
            assert wait_for(lambda: tasks() == both, 10), "the tasks taken by a dead worker were not put back"
            item = next(i for i in conn.lrange(key, 0, -1) if queue.serializer.deserialize(i).id == task_of[fails])
            assert conn.lrem(key, 1, item) == 1  # a third time
            assert wait_for(lambda: call(f"{app.base}/api/v1/jobs/{fails}")["status"] == "failed", 10)
            assert call(f"{app.base}/api/v1/jobs/{fails}")["error_message"] == (
                "The job could not be started: its task went missing from the queue 3 times before a worker started "
                "it (a worker died or failed between taking it and starting the job: see the workers' log). It was "
                "not queued again.")
            assert tasks() == [task_of[runs]]
            log = stack.enter_context(open(Path(app.home) / "consumer.log", "w"))
            consumer = subprocess.Popen([sys.executable, "-m", "huey.bin.huey_consumer", "executor.tasks.huey", "-w",
                                         "1", *CONSUMER_FLAGS], cwd=ROOT, env={**os.environ, "PLAYGROUND_HOME": app.home,
                                                                                **env}, stdout=log, stderr=subprocess.STDOUT)
            assert wait_for(lambda: call(f"{app.base}/api/v1/jobs/{runs}")["status"] == "completed", 90)
            assert call(f"{app.base}/api/v1/jobs/{runs}")["attempt"] == 1
            for job_id, end in ((runs, "job_completed"), (fails, "job_failed")):
                with urllib.request.urlopen(f"{app.base}/api/v1/jobs/{job_id}/events", timeout=30) as r:
                    stream = r.read().decode()
                assert stream.count(f"event: {end}") == 1 and stream.count("event: job_started") == (job_id == runs)
            assert not (Path(app.home) / "huey.db").exists()
        finally:
            if consumer is not None:
                stop(consumer, 10)
            if server is not None:
                stop(server, 5)
