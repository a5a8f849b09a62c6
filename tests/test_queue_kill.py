"""A queue that cannot lose a job. The web process that writes jobs and puts their tasks in
the queue is killed (kill -9) at random points of a burst of a few hundred small jobs,
several times, while real workers run them (a Huey consumer of its own, which the kills do
not touch; once a worker is killed with the web process, as `python app.py` takes its
workers with it). Every job ends (completed, or failed with a sentence), none stays queued,
no attempt starts twice, and viewers of jobs' event streams, reconnecting across the kills
with Last-Event-ID as a browser's EventSource does, get each job's terminal event.

Before, 6 of 207 jobs stayed queued for ever in one run of this test (4 kills): 5 naming a
task that was not in the queue, 1 pending (killed between the job's row and mark_queued)."""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from tests.conftest import parse_sse, running_app, stop, wait_for

ROOT = Path(__file__).resolve().parent.parent
JOBS = 200  # submissions in the burst
KILLS = 3
WORKER_KILLS = (1,)  # at these kills a worker is killed too
SUBMITTERS = 4
TERMINAL = ("completed", "failed", "cancelled")
END_EVENT = {"completed": "job_completed", "failed": "job_failed", "cancelled": "job_cancelled"}
# the smallest job a worker runs: a Dataset node on iris
TINY = {"nodes": [{"id": "d", "type": "dataset", "config": {"dataset_id": "iris", "target_column": "target",
                                                            "problem_type": "classification"}}], "edges": []}


def rows(home: str) -> list[dict]:
    db = sqlite3.connect(Path(home) / "playground.db", timeout=30)
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute("SELECT id, status, attempt, task_id, error_message FROM jobs")]
    finally:
        db.close()


def started_attempts(home: str) -> dict[str, list[int]]:
    db = sqlite3.connect(Path(home) / "playground.db", timeout=30)
    try:
        out: dict[str, list[int]] = {}
        for job_id, payload in db.execute("SELECT job_id, payload FROM events WHERE type = 'job_started' ORDER BY seq"):
            out.setdefault(job_id, []).append(json.loads(payload)["attempt"])
        return out
    finally:
        db.close()


def lost(home: str, queue) -> set[str]:
    """Queued jobs whose task is not in the queue, twice half a second apart (a task a worker
    has just taken is claimed within milliseconds): what nothing but the sweeper will run."""
    from executor.queue import task_ids

    def now():
        waiting = {r["id"]: r["task_id"] for r in rows(home) if r["status"] in ("pending", "queued")}
        present = task_ids(queue)
        return {j for j, task in waiting.items() if task not in present}

    first = now()
    time.sleep(0.5)
    return first & now()


def workers_of(consumer: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == consumer:
                    out.append(int(entry.name))
            except OSError:
                continue
    return out


class Web:
    """Where the app answers now (None while it is down)."""

    base: str | None = None


class Burst:
    """Submitters post jobs until `until` submissions have started; one the app's death cuts
    short stops its submitter (it may or may not have made its job)."""

    def __init__(self):
        self.started = 0
        self.accepted: list[str] = []
        self.lock = threading.Lock()

    def submit(self, base: str, until: int) -> None:
        while True:
            with self.lock:
                if self.started >= until:
                    return
                self.started += 1
            req = urllib.request.Request(base + "/api/v1/workflows/execute", data=json.dumps(TINY).encode(),
                                         method="POST", headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    job_id = json.loads(r.read())["job_id"]
            except (OSError, http.client.HTTPException):  # the app died under this request: made or not
                return
            with self.lock:
                self.accepted.append(job_id)

    def reach(self, n: int) -> None:
        """Return as soon as `n` submissions have started (polled every 2 ms)."""
        assert wait_for(lambda: self.started >= n, 60, 0.002)


class Viewer(threading.Thread):
    """A job's event stream as a browser's EventSource reads it: when the connection drops
    (the app was killed) it connects again, wherever the app answers, with the last id it
    got, until the terminal event or `deadline`."""

    def __init__(self, web: Web, job_id: str, deadline: float):
        super().__init__(daemon=True)
        self.web, self.job_id, self.deadline = web, job_id, deadline
        self.last_id, self.last_event, self.reconnects = None, None, 0

    def run(self) -> None:
        while time.monotonic() < self.deadline:
            base = self.web.base
            if base is None:
                time.sleep(0.2)
                continue
            headers = {"Last-Event-ID": self.last_id} if self.last_id else {}
            req = urllib.request.Request(f"{base}/api/v1/jobs/{self.job_id}/events", headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    for ev in parse_sse(line.decode().rstrip("\r\n") for line in r):
                        self.last_id, self.last_event = ev["id"], ev["event"]
                        if ev["event"] in END_EVENT.values():
                            return
            except (OSError, http.client.HTTPException):
                pass
            self.reconnects += 1
            time.sleep(0.2)


def test_kill_9_of_the_web_process_during_a_burst_loses_no_job():
    from huey import SqliteHuey

    from executor.queue import CONSUMER_FLAGS

    home = tempfile.mkdtemp(prefix="playground-kill-")
    env = {"PLAYGROUND_HOME": home, "PLAYGROUND_SWEEP_SECONDS": "0.5"}
    rng = random.Random()
    kill_points = sorted(rng.sample(range(20, JOBS - 20), KILLS))  # after how many submissions have started
    web, burst = Web(), Burst()
    viewers: dict[str, Viewer] = {}
    lost_at_kill: list[int] = []
    began = time.monotonic()
    deadline = began + 240

    def view(job_ids):
        for j in job_ids:
            if j not in viewers:
                viewers[j] = Viewer(web, j, deadline)
                viewers[j].start()

    with ExitStack() as stack:
        log = stack.enter_context(open(Path(home) / "consumer.log", "w"))
        consumer = subprocess.Popen([sys.executable, "-m", "huey.bin.huey_consumer", "executor.tasks.huey", "-w", "2",
                                     *CONSUMER_FLAGS], cwd=ROOT, env={**os.environ, **env}, stdout=log,
                                    stderr=subprocess.STDOUT)
        stack.callback(stop, consumer, 10)
        queue = SqliteHuey("playground", filename=str(Path(home) / "huey.db"), results=False)
        for round_ in range(KILLS + 1):
            app = stack.enter_context(running_app("--no-worker", env=env, home=home, timeout=120))
            web.base = app.base
            until = kill_points[round_] if round_ < KILLS else JOBS
            threads = [threading.Thread(target=burst.submit, args=(app.base, until)) for _ in range(SUBMITTERS)]
            for th in threads:
                th.start()
            if round_ == KILLS:
                for th in threads:
                    th.join(120)
                view(rng.sample(burst.accepted[-20:], 5))
                break
            burst.reach(until)
            os.kill(app.proc.pid, signal.SIGKILL)
            web.base = None
            if round_ in WORKER_KILLS and workers_of(consumer.pid):
                os.kill(rng.choice(workers_of(consumer.pid)), signal.SIGKILL)
            app.proc.wait(10)
            for th in threads:
                th.join(60)
            # viewers of some jobs of this round (they reconnect once the app is back), and of
            # every job the kill left without its task
            view(rng.sample(burst.accepted[-5:], min(5, len(burst.accepted))))
            lost_now = lost(home, queue)
            lost_at_kill.append(len(lost_now))
            view(lost_now)
            burst.started = len(burst.accepted)  # requests the kill cut short are submitted again
        burst_took = time.monotonic() - began
        ended = wait_for(lambda: all(r["status"] in TERMINAL for r in rows(home)), deadline - time.monotonic(), 0.5)
        for v in viewers.values():
            v.join(max(1.0, deadline - time.monotonic()))
        final = {r["id"]: r for r in rows(home)}
        counts = {s: sum(r["status"] == s for r in final.values()) for s in TERMINAL}
        figures = (f"{KILLS} kills ({len(WORKER_KILLS)} with a worker) at submissions {kill_points}; {len(final)} jobs "
                   f"({len(burst.accepted)} answered 202): {counts}; left queued without their task at each kill: "
                   f"{lost_at_kill}; {len(viewers)} viewers, {sum(v.reconnects > 0 for v in viewers.values())} of "
                   f"them reconnected; burst {burst_took:.0f} s, all ended after {time.monotonic() - began:.0f} s")
        print(figures)
        assert ended, (figures, [r for r in final.values() if r["status"] not in TERMINAL][:5])
        assert set(burst.accepted) <= set(final), "a job answered 202 is not in the database"
        for r in final.values():
            if r["status"] == "failed":
                assert r["error_message"] and r["error_message"].endswith("."), r
        # no attempt started twice: attempts 1, 2, ... each started once, none past the job's own
        for job_id, attempts in started_attempts(home).items():
            assert attempts == list(range(1, len(attempts) + 1)) and len(attempts) <= final[job_id]["attempt"], (
                job_id, attempts)
        assert {j: v.last_event for j, v in viewers.items()} == {j: END_EVENT[final[j]["status"]] for j in viewers}
