"""The SQLite store on its own: versioned migrations, concurrent read-modify-write without
"database is locked", and the lease that stops a stale attempt from writing."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from data.config import Settings
from data.store import MIGRATIONS, Invalid, LeaseLost, NotFound, Store


@pytest.fixture
def store(tmp_path):
    return Store(Settings(home=tmp_path, redis_url=None, job_time_limit=60, max_upload_bytes=2**20))


def test_migrations_are_versioned_and_idempotent(store, tmp_path):
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    again = Store(store.settings)  # opening again runs nothing twice
    assert again.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert {"workflows", "snapshots", "jobs", "job_nodes", "events", "datasets", "artifacts"} <= set(
        again.db.table_names())
    assert "child_pid" in again.db["jobs"].columns_dict  # migration 2 ran on top of 1


def test_concurrent_config_saves_all_land(store):
    nodes = [{"id": f"n{i}", "type": "split", "config": {}} for i in range(8)]
    wf = store.create_workflow("busy", {"nodes": nodes, "edges": []})
    errors = []

    def writer(i):
        try:
            for k in range(25):
                store.update_node_config(wf["id"], f"n{i}", {"random_seed": k})
        except Exception as e:  # noqa: BLE001 - collected and asserted
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    final = {n["id"]: n["config"] for n in store.get_workflow(wf["id"])["graph"]["nodes"]}
    assert final == {f"n{i}": {"random_seed": 24} for i in range(8)}  # no lost update


def make_running_job(store):
    graph = {"nodes": [{"id": "a", "type": "dataset", "config": {}}], "edges": []}
    job = store.create_job(None, graph, {"seconds": 1, "credits": 1}, 60)
    store.mark_queued(job["id"], "task")
    assert store.claim(job["id"], 1, "test")
    return job["id"]


def test_a_stale_attempt_cannot_write(store):
    job_id = make_running_job(store)
    store.node_event(job_id, 1, {"type": "node_status", "node_id": "a", "status": "running"})
    assert store.requeue(job_id, 1) == 2  # the sweeper hands the job to attempt 2
    with pytest.raises(LeaseLost):
        store.node_event(job_id, 1, {"type": "node_status", "node_id": "a", "status": "completed"})
    assert store.finish(job_id, 1, "completed") is False
    assert store.heartbeat(job_id, 1) is None
    assert store.claim(job_id, 2, "other")
    assert [e["type"] for e in store.events_after(job_id)] == ["job_started", "node_status", "job_started"]


def test_a_submission_writes_the_job_queued_with_its_task_in_one_transaction(store):
    """What the web process writes before it puts the task in the queue: killed right after,
    it leaves a queued job naming the task the sweeper gives back, never a job in between."""
    graph = {"nodes": [{"id": "a", "type": "dataset", "config": {}}], "edges": []}
    job = store.create_job(None, graph, {"seconds": 1, "credits": 1}, 60, task_id="t1")
    assert (job["status"], job["task_id"], job["attempt"]) == ("queued", "t1", 1)
    assert job["queued_at"] == job["enqueued_at"] == job["created_at"]
    assert store.claim(job["id"], 1, "w")
    assert not store.claim(job["id"], 1, "w2")  # a second task of the same attempt finds it taken


def test_a_lost_task_is_given_back_only_while_the_job_waits_for_that_attempt(store):
    graph = {"nodes": [{"id": "a", "type": "dataset", "config": {}}], "edges": []}
    job_id = store.create_job(None, graph, {"seconds": 1, "credits": 1}, 60, task_id="t1")["id"]
    before = store.get_job(job_id)["enqueued_at"]
    assert store.requeue_lost_task(job_id, 1, "t1")
    assert store.get_job(job_id)["enqueued_at"] > before
    assert not store.requeue_lost_task(job_id, 2, "t1")  # not the attempt it waits for
    pending = store.create_job(None, graph, {"seconds": 1, "credits": 1}, 60)["id"]  # what a kill left before
    assert store.requeue_lost_task(pending, 1, "t9")
    assert (store.get_job(pending)["status"], store.get_job(pending)["task_id"]) == ("queued", "t9")
    store.request_cancel(pending)
    assert not store.requeue_lost_task(pending, 1, "t9")  # a cancel is asked: the sweeper ends it instead
    assert store.get_job(job_id)["tasks_lost"] == 1 and store.get_job(pending)["tasks_lost"] == 1
    assert not store.finish(job_id, 2, "failed", error="lost.", waiting=True)  # waits for attempt 1, not 2
    assert store.claim(job_id, 1, "w")
    assert not store.requeue_lost_task(job_id, 1, "t1")  # claimed meanwhile
    assert not store.finish(job_id, 1, "failed", error="lost.", waiting=True)  # it runs: no longer waiting
    assert store.get_job(job_id)["status"] == "running"


def test_an_attempt_that_beat_since_the_sweeper_looked_is_not_taken_for_dead(store):
    job_id = make_running_job(store)
    looked = time.time()
    time.sleep(0.01)
    assert store.heartbeat(job_id, 1) is not None  # the beat lands after the sweeper read the row
    assert store.requeue(job_id, 1, "t2", stale_before=looked) is None
    assert store.finish(job_id, 1, "failed", error="worker lost.", stale_before=looked) is False
    assert store.get_job(job_id)["status"] == "running" and store.get_job(job_id)["attempt"] == 1
    assert store.requeue(job_id, 1, "t2", stale_before=time.time() + 1) == 2  # stale: attempt 2, its task named
    assert (store.get_job(job_id)["status"], store.get_job(job_id)["task_id"]) == ("queued", "t2")


def test_event_sequence_is_contiguous_under_concurrency(store):
    job_id = make_running_job(store)

    def emit():
        for _ in range(30):
            store.append_event(job_id, "node_progress", "a", {"progress": 0.5})

    threads = [threading.Thread(target=emit) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seqs = [e["seq"] for e in store.events_after(job_id, 0, limit=1000)]
    assert seqs == list(range(1, 6 * 30 + 2))


def test_finish_marks_leftover_nodes_and_is_final(store):
    job_id = make_running_job(store)
    assert store.finish(job_id, 1, "cancelled")
    job = store.get_job(job_id)
    assert job["status"] == "cancelled" and job["nodes"][0]["status"] == "cancelled"
    assert store.finish(job_id, None, "failed", error="late") is False
    with pytest.raises(Invalid):
        store.request_cancel(job_id)


def test_bad_shapes_are_refused_before_any_write(store):
    before = store.db.execute("SELECT COUNT(*) FROM workflows").fetchone()[0]
    for graph in ({"nodes": "x"}, {"nodes": [{"id": ""}]}, {"nodes": [{"id": "a", "type": "t", "position": "p"}]},
                  {"nodes": [{"id": "a", "type": "t"}, {"id": "a", "type": "t"}]}):
        with pytest.raises(Invalid):
            store.create_workflow("bad", graph)
    assert store.db.execute("SELECT COUNT(*) FROM workflows").fetchone()[0] == before
    with pytest.raises(NotFound):
        store.update_node_config("wf_missing", "a", {})


def test_a_second_connection_waits_instead_of_failing(store):
    other = sqlite3.connect(store.path, timeout=5, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    timer = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    timer.start()
    wf = store.create_workflow("waits", None)  # blocks until the other writer commits
    timer.join()
    assert store.get_workflow(wf["id"])["name"] == "waits"


def test_history_shows_each_runs_key_metric_and_status(store):
    from fasthtml.common import to_xml

    from components.results import HistoryList
    from plugins import registry

    done = make_running_job(store)
    values = {"confusion_matrix": {"labels": [0, 1], "matrix": [[3, 1], [0, 4]]}, "f1": 0.875, "accuracy": 0.875}
    store.finish(done, 1, "completed", results={"metrics": {"e": {"values": values}}})
    failed = make_running_job(store)
    store.finish(failed, 1, "failed", error="boom")
    jobs = {j["id"]: j for j in store.list_jobs(key_metric=True)}
    assert jobs[done]["key_metric"] == {"key": "f1", "value": 0.875, "node_id": "e"}  # tables are skipped
    assert jobs[failed]["key_metric"] is None and "results" not in jobs[failed]
    html = to_xml(HistoryList(list(jobs.values()), registry.metrics()))
    assert "F1 score 0.8750" in html and "boom" in html and "completed" in html and "failed" in html


def test_a_write_waits_for_another_in_fine_steps_up_to_its_limit(store, monkeypatch):
    """BEGIN IMMEDIATE waits for another process's write itself, from 0.1 ms on (SQLite's own
    waits start at 1 ms, ten times a small write); past BUSY_TIMEOUT it fails as SQLite would,
    and the connection's own wait is back for the statements outside a transaction."""
    import data.store as store_module

    other = sqlite3.connect(store.path, timeout=5, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(0.05, lambda: other.execute("COMMIT")).start()
    wf = store.create_workflow("waited", None)  # waits, then writes
    assert store.get_workflow(wf["id"])["name"] == "waited"
    assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT", 0.2)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            store.create_workflow("never", None)
    finally:
        other.execute("COMMIT")
    assert [w["name"] for w in store.list_workflows()].count("never") == 0


def test_events_that_follow_at_once_are_written_together_in_order(store):
    """A small job's events: a node's last progress and its end are written with the next
    event (the next node's start), in one transaction; a node's start, warnings and the
    metrics are written at once. The five-node workflow writes 8 transactions, not 16, and
    the rows are the same events in the same order."""
    from bench.throughput import WORKFLOW  # the small job the throughput benchmark runs 50 of
    from executor.engine import run_workflow
    from executor.runner import follows_at_once

    events = []
    assert run_workflow(WORKFLOW, events.append)["status"] == "completed"
    writes, held = [], []
    for event in events:  # the runner's rule
        held.append(event)
        if not follows_at_once(event):
            writes.append(held[:])
            held.clear()
    writes.append(held)  # what the run's end writes
    assert len(events) == 16 and len(writes) == 8, [[e["type"] for e in w] for w in writes]
    for batch in writes[:-1]:  # what is written at once ends each batch: a start, progress on the way, metrics
        assert not follows_at_once(batch[-1])
    assert all(e.get("status") == "running" for e in events if e["type"] == "node_status"
               and not follows_at_once(e))
    job_id = make_running_job(store)
    for batch in writes:
        store.node_events(job_id, 1, batch)
    rows = store.events_after(job_id)
    assert [r["type"] for r in rows][1:] == [e["type"] for e in events]  # after the job's own start
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
