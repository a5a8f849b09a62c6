"""Jobs through the real stack: the API in-process, a real Huey consumer process, SQLite.

Covers the issue's done-when list: SSE of a full run, SIGKILL of the worker mid-job,
cancel during one long fit, reconnect with Last-Event-ID, twenty jobs at once.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import consumer_log, parse_sse, wait_for

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.usefixtures("consumer")


def chain(*ids):
    return [{"source": a, "target": b} for a, b in zip(ids, ids[1:])]


def workflow(algorithm="decision_tree", dataset="iris", hp=None, metrics=("accuracy", "f1"), plots=("confusion_matrix",),
             **model):
    wf = {"name": "test", "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": dataset, "target_column": "target",
                                                   "problem_type": "classification"}},
        {"id": "s", "type": "split", "config": {"test_size": 0.25}},
        {"id": "m", "type": "model", "config": {"algorithm": algorithm, "hyperparameters": hp or {}, **model}},
        {"id": "e", "type": "evaluate", "config": {"metrics": list(metrics)}},
        {"id": "v", "type": "visualize", "config": {"plots": list(plots)}},
    ], "edges": chain("d", "s", "m", "e", "v")}
    if not plots:  # no Visualize node at all
        wf["nodes"].pop()
        wf["edges"].pop()
    return wf


def long_fit():
    # a single long fit: 10 classes x 3000 boosting rounds on digits (minutes if left alone)
    return workflow("gradient_boosting", "digits", {"n_estimators": 2000, "max_depth": 5}, metrics=("accuracy",),
                    plots=())


def submit(web, wf) -> str:
    r = web.post("/api/v1/workflows/execute", json=wf)
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["status"] == "queued" and body["estimated_time"] > 0
    return body["job_id"]


def events(web, job_id, last_id=None, limit=None):
    headers = {"Last-Event-ID": str(last_id)} if last_id is not None else {}
    out = []
    with web.stream("GET", f"/api/v1/jobs/{job_id}/events", headers=headers) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["cache-control"] == "no-cache" and r.headers["x-accel-buffering"] == "no"
        for ev in parse_sse(r.iter_lines()):
            out.append(ev)
            if limit and len(out) >= limit:
                break
    return out


def job(web, job_id):
    return web.get(f"/api/v1/jobs/{job_id}").json()


def status_is(web, job_id, *statuses):
    return job(web, job_id)["status"] in statuses


def test_run_streams_every_event_in_order(web):
    job_id = submit(web, workflow())
    evs = events(web, job_id)
    types = [e["event"] for e in evs]
    assert types[0] == "job_started" and types[-1] == "job_completed"
    assert [int(e["id"]) for e in evs] == list(range(1, len(evs) + 1))
    for nid in ("d", "s", "m", "e", "v"):
        seen = [e["data"]["status"] for e in evs if e["event"] == "node_status" and e["data"]["node_id"] == nid]
        assert seen == ["running", "completed"], nid
    metrics = [e["data"] for e in evs if e["event"] == "metrics"]
    assert metrics[0]["node_id"] == "e" and metrics[0]["metrics"]["accuracy"] > 0.8
    assert all(e["data"]["job_id"] == job_id and e["data"]["timestamp"] for e in evs)
    body = job(web, job_id)
    assert body["status"] == "completed" and body["started_at"] and body["completed_at"]
    assert {n["node_id"]: n["status"] for n in body["nodes"]} == dict.fromkeys("dsmev", "completed")
    plot = body["results"]["plots"][0]
    png = web.get(f"/api/v1/jobs/{job_id}/artifacts/{plot['artifact_id']}")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    model_id = next(n for n in body["nodes"] if n["node_id"] == "m")["output"]["model_artifact_id"]
    model = web.get(f"/api/v1/jobs/{job_id}/artifacts/{model_id}")
    assert model.status_code == 200 and "attachment" in model.headers["content-disposition"]


def test_reconnect_with_last_event_id_yields_exactly_the_missing_events(web):
    job_id = submit(web, workflow("random_forest", "wine", {"n_estimators": 30}, use_cv=True, cv_folds=3))
    first = events(web, job_id, limit=3)  # disconnect mid-run
    rest = events(web, job_id, last_id=first[-1]["id"])
    seqs = [int(e["id"]) for e in first + rest]
    assert seqs == list(range(1, len(seqs) + 1)), "every event exactly once, in order"
    full = events(web, job_id)
    assert [e["id"] for e in full] == [e["id"] for e in first + rest]
    for _ in range(5):
        k = random.randrange(len(full))
        again = events(web, job_id, last_id=full[k]["id"])
        assert [e["id"] for e in again] == [e["id"] for e in full[k + 1:]]
    after = web.get(f"/api/v1/jobs/{job_id}/events?after={full[-2]['id']}")
    assert [e["event"] for e in parse_sse(after.text.splitlines())] == ["job_completed"]


def test_cancel_during_one_long_fit_reaches_cancelled_within_5s(web):
    job_id = submit(web, long_fit())
    assert wait_for(lambda: any(n["node_id"] == "m" and n["status"] == "running" for n in job(web, job_id)["nodes"]),
                    30)
    time.sleep(0.5)  # well inside the single fit
    started = time.monotonic()
    r = web.post(f"/api/v1/jobs/{job_id}/cancel")
    assert r.status_code == 200
    assert wait_for(lambda: status_is(web, job_id, "cancelled"), 5.0), job(web, job_id)["status"]
    assert time.monotonic() - started < 5.0
    nodes = {n["node_id"]: n["status"] for n in job(web, job_id)["nodes"]}
    assert nodes["d"] == "completed" and nodes["m"] == "cancelled" and nodes["e"] == "cancelled"
    assert events(web, job_id)[-1]["event"] == "job_cancelled"


def test_cancel_of_a_queued_job_is_immediate(web):
    blockers = [submit(web, long_fit()) for _ in range(2)]  # both workers busy
    job_id = submit(web, workflow())
    assert job(web, job_id)["status"] == "queued"
    r = web.post(f"/api/v1/jobs/{job_id}/cancel")
    assert r.json()["status"] == "cancelled"
    for b in blockers:
        web.post(f"/api/v1/jobs/{b}/cancel")
    # the blockers may still wait for their job host to import the ML stack (seconds under load)
    assert wait_for(lambda: all(status_is(web, b, "cancelled") for b in blockers), 30)
    assert job(web, job_id)["started_at"] is None
    again = web.post(f"/api/v1/jobs/{job_id}/cancel")
    assert again.status_code == 409 and "already cancelled" in again.json()["detail"]


def test_sigkill_of_the_worker_mid_job_does_not_leave_it_running(web):
    wf = workflow("random_forest", "digits", {"n_estimators": 150}, use_cv=True, cv_folds=3, metrics=("accuracy",),
                  plots=())
    job_id = submit(web, wf)
    assert wait_for(lambda: any(n["node_id"] == "m" and n["status"] == "running" for n in job(web, job_id)["nodes"]),
                    30)
    worker_pid = int(job(web, job_id)["worker"].rsplit(":", 1)[1])
    child_pid = job(web, job_id)["child_pid"]
    os.kill(worker_pid, signal.SIGKILL)
    killed = time.monotonic()
    assert wait_for(lambda: not alive(child_pid), 5), "the job process outlived its worker"
    assert wait_for(lambda: job(web, job_id)["attempt"] > 1 or status_is(web, job_id, "failed"), 60)
    assert time.monotonic() - killed < 60
    assert wait_for(lambda: status_is(web, job_id, "completed", "failed"), 90)
    body = job(web, job_id)
    assert body["status"] == "completed" and body["attempt"] == 2, body
    started = [e for e in events(web, job_id) if e["event"] == "job_started"]
    assert [e["data"]["attempt"] for e in started] == [1, 2]


def test_a_fresh_workers_first_job_keeps_its_lease_while_its_job_host_imports(tmp_path):
    """A fresh worker's job host imports the ML stack (seconds) before its first job's process
    can start. The heartbeat was the supervising loop's, which waited meanwhile: with a lease
    shorter than the import the sweeper took the live attempt for dead and queued the job
    again (attempt 3 in the test above, when a restarted worker took attempt 2). Here a real
    worker process starts cold on its first job while the sweeper runs with a 2 s lease."""
    import subprocess
    import sys

    from data.config import Settings
    from data.store import Store, normalize_graph
    from executor.jobs import sweep

    store = Store(Settings(home=tmp_path, redis_url=None, job_time_limit=60, max_upload_bytes=2**20))
    job_id = store.create_job(None, normalize_graph(workflow(plots=())), {"seconds": 1, "credits": 1}, 60)["id"]
    store.mark_queued(job_id, "t")
    code = f"from executor.worker import execute, start_worker; start_worker(); execute({job_id!r}, 1)"
    worker = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "PLAYGROUND_HOME": str(tmp_path)})
    try:
        assert wait_for(lambda: store.get_job(job_id, with_nodes=False)["status"] != "queued", 60)
        claimed = time.monotonic()
        actions = []
        while store.get_job(job_id, with_nodes=False)["status"] == "running" and time.monotonic() - claimed < 90:
            actions += sweep(store, lease_seconds=2.0)
            time.sleep(0.25)
        took = time.monotonic() - claimed
        assert worker.wait(30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    body = store.get_job(job_id)
    assert actions == [] and body["status"] == "completed" and body["attempt"] == 1, (actions, body, took)
    assert took > 2.0, f"the job host was warm ({took:.1f} s): nothing was tested"


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_job_whose_task_never_reached_the_queue_runs_once(web):
    """What a web process killed between its commit and its enqueue leaves: a queued job
    naming a task that is not in the queue (and, before it was one transaction, a pending
    job). The sweeper puts the task there a lease later; the job runs once, and its viewer
    gets the end."""
    import uuid

    from data.store import normalize_graph

    store = web.app.state.store
    graph = normalize_graph(workflow(plots=()))
    queued = store.create_job(None, graph, {"seconds": 1, "credits": 1}, 60, task_id=str(uuid.uuid4()))["id"]
    pending = store.create_job(None, graph, {"seconds": 1, "credits": 1}, 60)["id"]
    for job_id in (queued, pending):
        evs = events(web, job_id)  # a viewer from the start: it ends with the job
        assert evs[-1]["event"] == "job_completed", evs[-1]
        assert [e["data"]["attempt"] for e in evs if e["event"] == "job_started"] == [1]
        assert job(web, job_id)["attempt"] == 1


def test_a_task_waiting_in_the_queue_is_not_put_there_twice(web):
    """The sweeper gives a task back only when it is missing from the queue: one that waits
    behind busy workers longer than a lease stays one task."""
    from executor.queue import huey

    blockers = [submit(web, long_fit()) for _ in range(2)]  # both workers busy
    try:
        assert wait_for(lambda: all(status_is(web, b, "running") for b in blockers), 30)
        job_id = submit(web, workflow(plots=()))
        task_id = web.app.state.store.get_job(job_id)["task_id"]
        time.sleep(float(os.environ["PLAYGROUND_LEASE_SECONDS"]) + 1.5)  # a lease and three sweeps
        assert status_is(web, job_id, "queued")
        assert [t.id for t in huey.pending()].count(task_id) == 1
    finally:
        for b in blockers:
            web.post(f"/api/v1/jobs/{b}/cancel")
    assert wait_for(lambda: status_is(web, job_id, "completed"), 60)
    assert [e["data"]["attempt"] for e in events(web, job_id) if e["event"] == "job_started"] == [1]


def test_the_job_runs_in_a_forkserver_process_not_a_fork_of_the_worker(web):
    job_id = submit(web, long_fit())
    assert wait_for(lambda: job(web, job_id).get("child_pid") and status_is(web, job_id, "running"), 30)
    body = job(web, job_id)
    worker_pid = int(body["worker"].rsplit(":", 1)[1])
    parent = int(Path(f"/proc/{body['child_pid']}/stat").read_text().rsplit(")", 1)[1].split()[1])
    assert parent != worker_pid
    assert "multiprocessing.forkserver" in Path(f"/proc/{parent}/cmdline").read_bytes().decode()
    web.post(f"/api/v1/jobs/{job_id}/cancel")
    assert wait_for(lambda: status_is(web, job_id, "cancelled"), 10)
    assert wait_for(lambda: not alive(body["child_pid"]), 5)


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def test_the_workers_share_the_one_job_host_their_consumer_started(web, consumer):
    """One ML-preloaded forkserver for the consumer's workers, not one each (about 210 MB of
    PSS apiece): the job's process is a child of a host the consumer started."""
    job_id = submit(web, long_fit())
    assert wait_for(lambda: job(web, job_id).get("child_pid") and status_is(web, job_id, "running"), 30)
    body = job(web, job_id)
    host = _parent(body["child_pid"])
    try:
        assert _parent(host) == consumer.pid
        kids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and alive(int(p.name))
                and _parent(int(p.name)) == consumer.pid]
        cmd = {p: Path(f"/proc/{p}/cmdline").read_bytes() for p in kids}
        assert [p for p in kids if b"multiprocessing.forkserver" in cmd[p]] == [host]
        workers = [p for p in kids if b"executor.consumer" in cmd[p]]
        assert int(body["worker"].rsplit(":", 1)[1]) in workers and len(workers) >= 2
    finally:
        web.post(f"/api/v1/jobs/{job_id}/cancel")
        assert wait_for(lambda: status_is(web, job_id, "cancelled"), 10)


def test_retry_runs_the_same_snapshot_as_a_new_job(web):
    job_id = submit(web, workflow())
    assert wait_for(lambda: status_is(web, job_id, "completed"), 60)
    r = web.post(f"/api/v1/jobs/{job_id}/retry")
    assert r.status_code == 202
    new_id = r.json()["job_id"]
    assert new_id != job_id
    assert wait_for(lambda: status_is(web, new_id, "completed"), 60)
    assert job(web, new_id)["snapshot_id"] == job(web, job_id)["snapshot_id"]
    assert job(web, new_id)["retry_of"] == job_id
    # a retry is the request again: one that ran everything again does so again (it was served from the cache)
    forced = submit(web, {**workflow(), "rerun": "all"})
    assert wait_for(lambda: status_is(web, forced, "completed"), 60)
    again = web.post(f"/api/v1/jobs/{forced}/retry").json()["job_id"]
    assert wait_for(lambda: status_is(web, again, "completed"), 60)
    body = job(web, again)
    assert body["rerun"] == "all" and {n["status"] for n in body["nodes"]} == {"completed"}, body["nodes"]


def test_time_limit_stops_a_job(web, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_JOB_TIME_LIMIT", "3")
    job_id = submit(web, long_fit())
    assert wait_for(lambda: status_is(web, job_id, "failed"), 20)
    assert job(web, job_id)["error_message"] == ("The job ran longer than the job time limit of 3 s "
                                                 "(PLAYGROUND_JOB_TIME_LIMIT) and was stopped.")


def test_twenty_jobs_at_once_all_complete_without_lock_errors(web):
    ids, errors = [], []

    def go():
        try:
            ids.append(submit(web, workflow(plots=())))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=go) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(ids) == 20
    assert wait_for(lambda: all(status_is(web, j, "completed", "failed", "cancelled") for j in ids), 240, 0.5)
    assert [job(web, j)["status"] for j in ids] == ["completed"] * 20
    assert "database is locked" not in consumer_log()


def test_history_lists_jobs_of_a_workflow_newest_first(web):
    wf = web.post("/api/v1/workflows", json={"name": "history", **workflow()}).json()
    first = web.post(f"/api/v1/workflows/{wf['id']}/run").json()["job_id"]
    second = web.post(f"/api/v1/workflows/{wf['id']}/run").json()["job_id"]
    listed = web.get(f"/api/v1/jobs?workflow_id={wf['id']}").json()
    assert [j["id"] for j in listed] == [second, first]
    assert wait_for(lambda: all(status_is(web, j, "completed") for j in (first, second)), 60)


def test_snapshot_is_immune_to_later_edits(web):
    wf = web.post("/api/v1/workflows", json={"name": "snap", **workflow()}).json()
    job_id = web.post(f"/api/v1/workflows/{wf['id']}/run").json()["job_id"]
    edited = workflow()
    edited["nodes"][2]["config"]["algorithm"] = "knn"
    web.put(f"/api/v1/workflows/{wf['id']}", json=edited)
    assert wait_for(lambda: status_is(web, job_id, "completed"), 60)
    assert job(web, job_id)["results"]["metrics"]["e"]["algorithm"] == "decision_tree"


def test_results_panel_shows_metrics_report_and_plots(web):
    job_id = submit(web, workflow(metrics=("accuracy", "confusion_matrix", "classification_report"),
                                  plots=("confusion_matrix", "feature_importance")))
    assert wait_for(lambda: status_is(web, job_id, "completed"), 60)
    html = web.get(f"/ui/jobs/{job_id}/results").text
    assert 'data-status="completed"' in html and 'data-metric="accuracy"' in html
    assert "↑ higher is better" in html and "true \\ pred" in html and "precision" in html
    assert html.count("<figure") == 2 and f"/api/v1/jobs/{job_id}/artifacts/" in html


def test_a_job_whose_process_dies_fails_alone(web):
    victim = submit(web, long_fit())
    assert wait_for(lambda: job(web, victim).get("child_pid") and any(
        n["node_id"] == "m" and n["status"] == "running" for n in job(web, victim)["nodes"]), 30)
    bystander = submit(web, workflow())
    os.kill(job(web, victim)["child_pid"], signal.SIGKILL)  # what the kernel's OOM killer does
    assert wait_for(lambda: status_is(web, victim, "failed"), 15)
    message = job(web, victim)["error_message"]  # a fit far from its memory limit: not memory
    assert message.startswith("The job's process was stopped from outside (signal 9, SIGKILL) after using "), message
    assert message.endswith("nothing says it ran out of memory. Other jobs and the app are not affected.")
    assert wait_for(lambda: status_is(web, bystander, "completed"), 60)
    assert job(web, victim)["attempt"] == 1  # a crash is the job's own failure, not a lost worker


def test_a_worker_runs_its_next_job_in_its_warm_job_process_and_a_stopped_one_is_replaced(web):
    """A fresh job process spent most of a small job on first touches of the pages it
    shares with the job host; a worker now keeps its job process for the next job. Jobs
    after one another on a worker share its process and give the same results; a kept
    process killed while it waits, or one stopped by a cancel, is gone, and the worker's next
    job starts a fresh one."""
    runs = []
    for _ in range(4):  # two workers: at least one of them takes two of the four
        job_id = submit(web, workflow(plots=()))
        assert wait_for(lambda job_id=job_id: status_is(web, job_id, "completed", "failed"), 60)
        body = job(web, job_id)
        assert body["status"] == "completed", body.get("error_message")
        runs.append((body["worker"], body["child_pid"], body["results"]["metrics"]["e"]["values"]))
    assert all(r[2] == runs[0][2] for r in runs)  # nothing of one job changes the next one's numbers
    by_worker: dict = {}
    for worker, pid, _ in runs:
        by_worker.setdefault(worker, set()).add(pid)
    assert any(len([r for r in runs if r[0] == w]) >= 2 for w in by_worker)
    assert all(len(pids) == 1 for pids in by_worker.values()), by_worker

    # a kept process killed from outside while it waits: the worker's next job runs in a fresh one
    worker, [killed] = next(iter(by_worker.items()))
    os.kill(killed, signal.SIGKILL)
    assert wait_for(lambda: not alive(killed), 5)
    for _ in range(8):
        job_id = submit(web, workflow(plots=()))
        assert wait_for(lambda job_id=job_id: status_is(web, job_id, "completed", "failed"), 60)
        body = job(web, job_id)
        assert body["status"] == "completed", body.get("error_message")
        if body["worker"] == worker:
            assert body["child_pid"] != killed
            break
    else:
        pytest.fail("the killed process's worker took none of eight jobs")

    victim = submit(web, long_fit())
    assert wait_for(lambda: job(web, victim).get("child_pid") and status_is(web, victim, "running"), 30)
    stopped = job(web, victim)
    web.post(f"/api/v1/jobs/{victim}/cancel")
    assert wait_for(lambda: status_is(web, victim, "cancelled"), 10)
    assert wait_for(lambda: not alive(stopped["child_pid"]), 5)
    for _ in range(8):  # until the cancelled job's worker takes one
        job_id = submit(web, workflow(plots=()))
        assert wait_for(lambda job_id=job_id: status_is(web, job_id, "completed"), 60)
        body = job(web, job_id)
        if body["worker"] == stopped["worker"]:
            assert body["child_pid"] != stopped["child_pid"]
            assert body["results"]["metrics"]["e"]["values"] == runs[0][2]
            break
    else:
        pytest.fail("the cancelled job's worker took none of eight jobs")


def test_a_job_process_runs_another_job_only_after_a_completed_one_and_within_bounds():
    from executor.runner import REUSE_GROWTH, REUSE_JOBS, keep_serving

    assert keep_serving("completed", 0, 1)
    assert keep_serving("completed", REUSE_GROWTH, REUSE_JOBS - 1)
    for status in ("failed", "cancelled", None):  # a failure (a MemoryError among them) or a lost job
        assert not keep_serving(status, 0, 1)
    assert not keep_serving("completed", REUSE_GROWTH + 1, 1)
    assert not keep_serving("completed", 0, REUSE_JOBS)


def test_sweeper_fails_a_job_with_worker_lost_after_two_requeues(tmp_path):
    from data.config import Settings
    from data.store import Store
    from executor.jobs import sweep

    store = Store(Settings(home=tmp_path, redis_url=None, job_time_limit=60, max_upload_bytes=2**20))
    graph = {"nodes": [{"id": "a", "type": "dataset", "config": {}}], "edges": []}
    job_id = store.create_job(None, graph, {"seconds": 1, "credits": 1}, 60)["id"]
    store.mark_queued(job_id, "task")
    for attempt in (1, 2, 3):
        assert store.claim(job_id, attempt, "w")
        if attempt < 3:
            assert store.requeue(job_id, attempt) == attempt + 1  # what the sweeper does twice
    time.sleep(0.05)
    assert sweep(store, lease_seconds=10) == []  # a fresh heartbeat is left alone
    assert sweep(store, lease_seconds=0.01) == [f"{job_id}: failed, worker lost"]
    body = store.get_job(job_id)
    assert body["status"] == "failed" and body["error_message"].startswith("worker lost")
    assert store.events_after(job_id)[-1]["type"] == "job_failed"


def descendants(pid: int) -> list[tuple[int, str]]:
    """(pid, state) of every process below `pid`."""
    out, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                out.append((int(entry.name), fields[0]))
                todo.append(int(entry.name))
    return out


def test_a_cancel_logs_no_crash_and_cancels_racing_the_claim_leave_no_zombie(web, consumer):
    """Huey's consumer turns SIGTERM into KeyboardInterrupt; a job process forked from a
    worker inherited that, so every cancel logged a "crashed" traceback."""
    start = len(consumer_log())
    job_id = submit(web, long_fit())
    assert wait_for(lambda: status_is(web, job_id, "running"), 30)
    time.sleep(0.5)
    web.post(f"/api/v1/jobs/{job_id}/cancel")
    assert wait_for(lambda: status_is(web, job_id, "cancelled"), 15)
    # cancels sent while the worker is claiming the job or its process runs it (a small job
    # on iris ends within 50 ms in a warm job process: before any cancel came)
    racing = []
    for _ in range(8):
        racing.append(submit(web, workflow("random_forest", "digits", {"n_estimators": 100}, plots=())))
        time.sleep(random.uniform(0, 0.15))
        web.post(f"/api/v1/jobs/{racing[-1]}/cancel")
    assert wait_for(lambda: all(status_is(web, j, "cancelled", "completed") for j in racing), 60)
    assert any(status_is(web, j, "cancelled") for j in racing)
    time.sleep(1.0)
    zombies = [p for p, state in descendants(consumer.pid) if state == "Z"]
    assert zombies == []
    log = consumer_log()[start:]
    assert "KeyboardInterrupt" not in log and "crashed" not in log and "Traceback" not in log, log[-2000:]
