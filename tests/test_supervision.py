"""The queue cannot die unnoticed: the app supervises its consumer (restart with back-off,
no orphans, the whole tree dies with the app), says when no worker is alive, and fails a
job that waited too long with no worker. Real processes: `python app.py` on a free port."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from bench.server import upload
from tests.conftest import free_port, stop, wait_for

ROOT = Path(__file__).resolve().parent.parent




def get(base, path):
    with urllib.request.urlopen(base + path, timeout=10) as r:
        return json.loads(r.read())


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = children(p)
        out += kids
        todo += kids
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def app_server():
    home = tempfile.mkdtemp(prefix="playground-sup-")
    port = free_port()
    env = {**os.environ, "PLAYGROUND_HOME": home, "PLAYGROUND_WORKER_BEAT_SECONDS": "0.5",
           "PLAYGROUND_CONSUMER_BACKOFF_SECONDS": "6"}
    log = open(Path(home) / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--workers", "2"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: _ok(base), 60), "the app did not start"
        yield proc, base, home
    finally:  # also when it did not start: never leave an app behind
        stop(proc)
        log.close()


def _ok(base):
    try:
        return get(base, "/api/v1/health")["live"] >= 2
    except OSError:
        return False


def consumer_of(app_pid: int) -> int:
    [consumer] = [p for p in children(app_pid) if "executor.consumer" in Path(f"/proc/{p}/cmdline").read_text()]
    return consumer


def comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def job_hosts(app_pid: int) -> list[int]:
    """The job hosts in the app's tree: forked from the web process's zygote (their pages
    shared with the web's), none started by the consumer or its workers."""
    family = tree(app_pid)
    assert not [p for p in family if b"forkserver" in Path(f"/proc/{p}/cmdline").read_bytes()], \
        "a job host was started afresh, not forked from the app"
    hosts = [p for p in family if comm(p) == "job-host" and alive(p)
             and comm(int(Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[1])) == "upload-zygote"]
    return hosts


def test_a_killed_consumer_is_restarted_its_workers_do_not_outlive_it_and_the_gap_is_said(app_server):
    proc, base, home = app_server
    consumer = consumer_of(proc.pid)
    workers = [p for p in children(consumer) if alive(p)]
    assert len(workers) >= 2
    [host] = job_hosts(proc.pid)
    os.kill(consumer, signal.SIGKILL)
    killed = time.monotonic()
    assert wait_for(lambda: not any(alive(p) for p in workers), 10), "workers outlived their consumer"
    # while it is down, the API (and the editor, which polls it) says so
    assert wait_for(lambda: get(base, "/api/v1/health").get("notice") == "No worker is running: jobs will wait.", 5)
    job = get(base, "/api/v1/jobs")  # noqa: F841 - the API keeps answering meanwhile
    # and it comes back after its back-off, with fresh workers that run jobs
    assert wait_for(lambda: _ok(base), 60)
    recovered = time.monotonic() - killed
    assert recovered < 40
    new = consumer_of(proc.pid)
    assert new != consumer
    req = urllib.request.Request(base + "/api/v1/workflows/execute", method="POST", headers={
        "Content-Type": "application/json"}, data=json.dumps({"nodes": [
            {"id": "d", "type": "dataset", "config": {"dataset_id": "iris", "target_column": "target",
                                                       "problem_type": "classification"}},
            {"id": "s", "type": "split", "config": {}}, {"id": "m", "type": "model", "config": {
                "algorithm": "decision_tree"}}], "edges": [{"source": "d", "target": "s"},
                                                           {"source": "s", "target": "m"}]}).encode())
    with urllib.request.urlopen(req, timeout=30) as r:
        job_id = json.loads(r.read())["job_id"]
    assert wait_for(lambda: get(base, f"/api/v1/jobs/{job_id}")["status"] == "completed", 60)
    log = (Path(home) / "server.log").read_text()
    assert "the Huey consumer exited" in log and "restarting in 6.0 s" in log
    # the new consumer got a host of its own, forked from the app; the old one ended with its clients
    assert wait_for(lambda: not alive(host), 10)
    [new_host] = job_hosts(proc.pid)
    assert new_host != host


def test_the_whole_tree_dies_with_the_app(app_server):
    proc, base, _ = app_server
    family = tree(proc.pid)
    assert len(family) >= 3  # consumer, two workers (and their job hosts)
    os.kill(proc.pid, signal.SIGKILL)  # no clean-up code runs in the app
    proc.wait(10)
    assert wait_for(lambda: not any(alive(p) for p in family), 20), [p for p in family if alive(p)]


def test_the_api_and_the_editor_say_when_no_worker_is_alive(browser):
    """Web only, no consumer anywhere: the health answer, a submitted job and the editor say
    that jobs will wait."""
    # `browser`: the session's Chromium (tests/conftest.py); a second Playwright is refused
    home = tempfile.mkdtemp(prefix="playground-noworker-")
    port = free_port()
    env = {**os.environ, "PLAYGROUND_HOME": home, "PLAYGROUND_WORKER_BEAT_SECONDS": "0.5"}
    web_only = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--no-worker"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: _up(base), 60)
        health = get(base, "/api/v1/health")
        assert health["live"] == 0 and health["notice"] == "No worker is running: jobs will wait."
        req = urllib.request.Request(base + "/api/v1/workflows/execute", method="POST", headers={
            "Content-Type": "application/json"}, data=json.dumps({"nodes": [
                {"id": "d", "type": "dataset", "config": {"dataset_id": "iris", "target_column": "target",
                                                           "problem_type": "classification"}}], "edges": []}).encode())
        with urllib.request.urlopen(req, timeout=30) as r:
            body = json.loads(r.read())
        assert body["status"] == "queued" and body["notice"] == "No worker is running: jobs will wait."
        assert get(base, f"/api/v1/jobs/{body['job_id']}")["notice"] == body["notice"]
        page = browser.new_page()
        try:
            req = urllib.request.Request(base + "/api/v1/workflows", method="POST", data=b'{"name": "w"}',
                                         headers={"Content-Type": "application/json"})
            urllib.request.urlopen(req, timeout=30).close()  # GET / opens the newest workflow
            page.goto(base + "/")
            notice = page.locator("#worker-notice")
            notice.wait_for(state="visible", timeout=15_000)
            assert notice.inner_text() == "No worker is running: jobs will wait."
        finally:
            page.context.close()
    finally:
        web_only.terminate()
        web_only.wait(20)


def _up(base):
    try:
        get(base, "/api/v1/node-types")
        return True
    except OSError:
        return False


def test_a_job_queued_with_no_worker_for_too_long_is_failed_with_a_sentence(tmp_path):
    from data.config import Settings
    from data.store import Store
    from executor.jobs import sweep

    store = Store(Settings(home=tmp_path, redis_url=None, job_time_limit=60, max_upload_bytes=2**20))
    graph = {"nodes": [{"id": "a", "type": "dataset", "config": {}}], "edges": []}
    job_id = store.create_job(None, graph, {"seconds": 1, "credits": 1}, 60)["id"]
    store.mark_queued(job_id, "task")
    store.worker_beat("elsewhere:1", "elsewhere", 1)
    assert sweep(store, queue_timeout=0.0) == []  # a live worker will take it: it waits
    store.worker_gone("elsewhere:1")
    assert sweep(store, queue_timeout=60) == []  # not waited long enough yet
    assert sweep(store, queue_timeout=0.0) == [f"{job_id}: failed, no worker"]
    job = store.get_job(job_id)
    assert job["status"] == "failed"
    assert job["error_message"].startswith("No worker is running: the job waited 0 s in the queue (the limit is 0 s, "
                                           "PLAYGROUND_QUEUE_TIMEOUT_SECONDS)")


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def post(base, path, body):
    req = urllib.request.Request(base + path, method="POST", headers={"Content-Type": "application/json"},
                                 data=json.dumps(body).encode())
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def test_a_job_over_its_memory_limit_fails_alone_with_the_limit_named():
    """A 1,000-level column one-hot encoded on 200,000 rows wants 1.6 GB; with a 400 MB
    limit the job fails saying so, while a job beside it completes and the web process
    does not grow."""
    import numpy as np
    import pandas as pd

    home = tempfile.mkdtemp(prefix="playground-mem-")
    port = free_port()
    env = {**os.environ, "PLAYGROUND_HOME": home, "PLAYGROUND_JOB_MEMORY_MB": "400"}
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--workers", "2"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: _ok(base), 60)
        rng = np.random.default_rng(0)
        n = 200_000
        df = pd.DataFrame({"code": [f"c{i}" for i in rng.integers(0, 1000, n)], "x": rng.normal(size=n),
                           "label": rng.choice(["a", "b"], n)})
        dataset = upload(base, "codes.csv", df.to_csv(index=False).encode())[1]["id"]
        web_before = rss(proc.pid)
        big = post(base, "/api/v1/workflows/execute", {"nodes": [
            {"id": "d", "type": "dataset", "config": {"dataset_id": dataset, "target_column": "label",
                                                       "problem_type": "classification"}},
            {"id": "p", "type": "preprocessing", "config": {"operations": [
                {"method": "onehot_encoder", "parameters": {"max_categories": 1000}}]}},
            {"id": "s", "type": "split", "config": {}},
            {"id": "m", "type": "model", "config": {"algorithm": "logistic_regression"}}],
            "edges": [{"source": "d", "target": "p"}, {"source": "p", "target": "s"}, {"source": "s", "target": "m"}]})
        small = post(base, "/api/v1/workflows/execute", {"nodes": [
            {"id": "d", "type": "dataset", "config": {"dataset_id": "iris", "target_column": "target",
                                                       "problem_type": "classification"}},
            {"id": "s", "type": "split", "config": {}}, {"id": "m", "type": "model", "config": {
                "algorithm": "random_forest"}}], "edges": [{"source": "d", "target": "s"}, {"source": "s",
                                                                                           "target": "m"}]})
        assert wait_for(lambda: get(base, f"/api/v1/jobs/{big['job_id']}")["status"] in ("failed", "completed"), 120)
        assert wait_for(lambda: get(base, f"/api/v1/jobs/{small['job_id']}")["status"] == "completed", 60)
        job = get(base, f"/api/v1/jobs/{big['job_id']}")
        assert job["status"] == "failed"
        message = job["error_message"] + " ".join(n.get("message") or "" for n in job["nodes"])
        assert "memory limit of 400 MB (PLAYGROUND_JOB_MEMORY_MB)" in message, message
        assert rss(proc.pid) - web_before < 100 * 2**20
        assert proc.poll() is None  # the app carries on
        # the process that hit its limit leaves; the worker's next job starts a fresh one
        assert wait_for(lambda: not alive(get(base, f"/api/v1/jobs/{big['job_id']}")["child_pid"]), 10)
    finally:
        stop(proc)


def test_an_idle_job_process_is_retired_and_the_next_job_starts_a_fresh_one():
    """A worker keeps its job process for the next job, but not for ever: one left idle for
    PLAYGROUND_JOB_PROCESS_IDLE_SECONDS ends (the worker's heartbeat retires it), so an idle
    app holds no job's memory, and the next job runs in a fresh process."""
    home = tempfile.mkdtemp(prefix="playground-idle-")
    port = free_port()
    env = {**os.environ, "PLAYGROUND_HOME": home, "PLAYGROUND_JOB_PROCESS_IDLE_SECONDS": "1",
           "PLAYGROUND_WORKER_BEAT_SECONDS": "0.5"}
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--workers", "1"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wf = {"nodes": [{"id": "d", "type": "dataset", "config": {"dataset_id": "iris", "target_column": "target",
                                                               "problem_type": "classification"}},
                    {"id": "s", "type": "split", "config": {}},
                    {"id": "m", "type": "model", "config": {"algorithm": "decision_tree"}}],
          "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}], "rerun": "all"}

    def run() -> dict:
        job_id = post(base, "/api/v1/workflows/execute", wf)["job_id"]
        assert wait_for(lambda: get(base, f"/api/v1/jobs/{job_id}")["status"] == "completed", 60)
        return get(base, f"/api/v1/jobs/{job_id}")

    try:
        assert wait_for(lambda: _live(base) >= 1, 60)
        first = run()
        again = run()  # at once: the same process
        assert again["child_pid"] == first["child_pid"] and alive(first["child_pid"])
        assert wait_for(lambda: not alive(first["child_pid"]), 15), "the idle job process was not retired"
        later = run()
        assert later["child_pid"] != first["child_pid"]
        assert later["results"]["metrics"] == first["results"]["metrics"]
    finally:
        stop(proc)


def _live(base) -> int:
    try:
        return get(base, "/api/v1/health")["live"]
    except OSError:
        return 0


def test_a_job_process_takes_its_share_of_the_machine():
    """Each job: a memory cap on top of the libraries it starts with, first in line for the
    OOM killer, a native thread budget (two workers used to fight over two cores), and a
    lower CPU priority than the web process."""
    code = """
import resource, json
import numpy, sklearn.ensemble
from threadpoolctl import threadpool_info
from executor.runner import apply_limits, data_size
before = data_size()
apply_limits(300 * 2**20, 1)
soft, _ = resource.getrlimit(resource.RLIMIT_DATA)
try:
    numpy.ones((100_000, 1000))
    refused = False
except MemoryError:
    refused = True
import os
print(json.dumps({"cap": soft - before, "oom": open("/proc/self/oom_score_adj").read().strip(), "nice": os.nice(0),
                  "threads": sorted({p["num_threads"] for p in threadpool_info()}), "refused": refused}))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    facts = json.loads(out.stdout.strip().splitlines()[-1])
    assert abs(facts["cap"] - 300 * 2**20) < 2**20
    assert facts["oom"] == "1000" and facts["threads"] == [1] and facts["refused"] is True
    assert facts["nice"] == 10  # behind the web process for a core


def test_the_default_budgets_come_from_the_machine(monkeypatch):
    from data.config import settings

    monkeypatch.delenv("PLAYGROUND_JOB_MEMORY_MB", raising=False)
    monkeypatch.delenv("PLAYGROUND_JOB_THREADS", raising=False)
    monkeypatch.delenv("PLAYGROUND_JOB_NICE", raising=False)
    monkeypatch.setenv("PLAYGROUND_WORKERS", "2")
    cfg = settings()
    assert cfg.job_niceness == 10
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert cfg.job_memory_limit == max(512 * 2**20, int(total * 0.4))
    assert cfg.job_thread_budget == max(1, (os.cpu_count() or 1) // 2)
    monkeypatch.setenv("PLAYGROUND_JOB_MEMORY_MB", "750")
    monkeypatch.setenv("PLAYGROUND_JOB_THREADS", "3")
    assert settings().job_memory_limit == 750 * 2**20 and settings().job_thread_budget == 3
    monkeypatch.setenv("PLAYGROUND_JOB_NICE", "40")
    assert settings().job_niceness == 19  # the kernel's lowest priority


def test_a_killed_job_is_said_out_of_memory_only_when_memory_says_so():
    """Every killed job read "perhaps out of memory". Memory is said when the kernel's OOM
    killer acted while it ran, or its peak came within 10% of its limit; a crash signal is a
    crash; anything else came from outside."""
    from executor.worker import death_message, oom_kills

    limit = 400 * 2**20
    assert death_message(-9, 12 * 2**20, limit, oom_killed=False) == (
        "The job's process was stopped from outside (signal 9, SIGKILL) after using 12 MB at most; nothing says it "
        "ran out of memory. Other jobs and the app are not affected.")
    assert death_message(-9, 380 * 2**20, limit, oom_killed=False) == (
        "The job's process was killed (signal 9, SIGKILL) when it had used 380 MB at most, near its memory limit of "
        "400 MB (PLAYGROUND_JOB_MEMORY_MB): most likely it ran out of memory. Other jobs and the app are not affected.")
    assert death_message(-9, 120 * 2**20, limit, oom_killed=True).startswith(
        "The kernel's out-of-memory killer stopped the job's process (signal 9, SIGKILL): the machine ran out of "
        "memory while the job used 120 MB at most (its limit is 400 MB, PLAYGROUND_JOB_MEMORY_MB).")
    assert death_message(-15, 380 * 2**20, limit, oom_killed=False).startswith(
        "The job's process was stopped from outside (signal 15, SIGTERM)")  # the OOM killer sends SIGKILL only
    assert death_message(-11, 5 * 2**20, limit, oom_killed=False).startswith(
        "The job's process crashed (signal 11, SIGSEGV), in a library's native code")
    assert death_message(3, 0, limit, oom_killed=False).startswith("The job's process exited with code 3 ")
    assert isinstance(oom_kills(), int)  # this machine says how many the OOM killer has killed
