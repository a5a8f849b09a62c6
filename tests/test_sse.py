"""The SSE stream on its own (no consumer): replay after an id, tail rows written while the
client listens, keep-alive comments when quiet, the end after the terminal event, and the
endpoint's headers and arguments. The full worker path is in test_jobs.py."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from data.config import Settings
from data.store import Store
from tests.conftest import parse_sse
from web.events import job_events

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def store(tmp_path):
    return Store(Settings(home=tmp_path, redis_url=None, job_time_limit=60, max_upload_bytes=2**20))


def running_job(store) -> str:
    graph = {"nodes": [{"id": "a", "type": "dataset", "config": {}}], "edges": []}
    job_id = store.create_job(None, graph, {"seconds": 1, "credits": 1}, 60)["id"]
    store.mark_queued(job_id, "task")
    assert store.claim(job_id, 1, "test")  # writes event 1: job_started
    return job_id


def collect(store, job_id, after=0, **kw) -> list[str]:
    async def run():
        return [frame.encode().decode() async for frame in job_events(store, job_id, after, **kw)]

    return asyncio.run(asyncio.wait_for(run(), 20))


def frames_to_events(frames):
    return list(parse_sse("".join(frames).split("\n")))


def test_tails_events_written_while_listening_and_ends_after_the_terminal_one(store):
    job_id = running_job(store)

    def worker():
        for i in range(20):
            store.node_event(job_id, 1, {"type": "node_progress", "node_id": "a", "progress": i / 20})
            time.sleep(0.01)
        store.finish(job_id, 1, "completed")

    threading.Timer(0.3, worker).start()
    events = frames_to_events(collect(store, job_id, poll=0.05))
    assert [int(e["id"]) for e in events] == list(range(1, len(events) + 1))
    assert events[0]["event"] == "job_started" and events[-1]["event"] == "job_completed"
    assert len(events) == 1 + 20 + 1 + 1  # started, progress, node a skipped by finish, completed
    assert all(e["event"] == e["data"]["type"] and e["data"]["job_id"] == job_id for e in events)


def test_replays_from_any_id_exactly_once(store):
    job_id = running_job(store)
    for i in range(10):
        store.node_event(job_id, 1, {"type": "node_progress", "node_id": "a", "progress": i / 10})
    store.finish(job_id, 1, "failed", error="boom")
    full = frames_to_events(collect(store, job_id))
    for k in range(len(full)):
        again = frames_to_events(collect(store, job_id, after=int(full[k]["id"])))
        assert [e["id"] for e in again] == [e["id"] for e in full[k + 1:]]
    assert full[-1]["event"] == "job_failed" and full[-1]["data"]["message"] == "boom"


def test_quiet_stream_sends_keep_alive_comments(store):
    job_id = running_job(store)
    threading.Timer(0.8, lambda: store.finish(job_id, 1, "cancelled")).start()
    frames = collect(store, job_id, after=1, poll=0.05, keepalive=0.2)
    assert frames.count(": keep-alive\n\n") >= 2
    assert frames_to_events(frames)[-1]["event"] == "job_cancelled"


def test_endpoint_headers_and_arguments(web):
    job_id = running_job(web.app.state.store)
    web.app.state.store.finish(job_id, 1, "completed")
    with web.stream("GET", f"/api/v1/jobs/{job_id}/events") as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["cache-control"] == "no-cache" and r.headers["x-accel-buffering"] == "no"
        events = list(parse_sse(r.iter_lines()))
    assert [e["event"] for e in events] == ["job_started", "node_status", "job_completed"]
    r = web.get(f"/api/v1/jobs/{job_id}/events?after=1")
    assert [e["id"] for e in parse_sse(r.text.splitlines())] == ["2", "3"]
    # the header wins over the query: it is what a reconnecting EventSource sends
    r = web.get(f"/api/v1/jobs/{job_id}/events?after=0", headers={"Last-Event-ID": "2"})
    assert [e["id"] for e in parse_sse(r.text.splitlines())] == ["3"]
    r = web.get(f"/api/v1/jobs/{job_id}/events", headers={"Last-Event-ID": "three"})
    assert r.status_code == 400 and "whole number" in r.json()["detail"]


def test_many_viewers_of_one_job_share_one_reader_and_all_get_every_event(store):
    """One tailer per job fans out: 50 viewers, each gets every event in order, and the
    DB is read by that one tailer only (the old code polled once per viewer)."""
    from web import events as ev

    job_id = running_job(store)

    async def scenario():
        async def view():
            return [f.encode().decode() async for f in job_events(store, job_id, 0, poll=0.02)]

        viewers = [asyncio.create_task(view()) for _ in range(50)]
        await asyncio.sleep(0.1)
        assert ev.stream_stats()["tailers"] == 1 and ev.stream_stats()["viewers"] == 50
        before = ev.stream_stats()["reads_total"]
        for i in range(20):
            await asyncio.to_thread(store.node_event, job_id, 1, {"type": "node_progress", "node_id": "a",
                                                                  "progress": i / 20})
            await asyncio.sleep(0.01)
        await asyncio.to_thread(store.finish, job_id, 1, "completed")
        got = await asyncio.wait_for(asyncio.gather(*viewers), 20)
        return got, ev.stream_stats()["reads_total"] - before

    got, reads = asyncio.run(scenario())
    expected = [e["id"] for e in frames_to_events(collect(store, job_id))]
    assert len(expected) == 1 + 20 + 1 + 1
    assert all([e["id"] for e in frames_to_events(frames)] == expected for frames in got)
    assert reads < 100, reads  # one poller at 20 ms for ~0.5 s, not 50 of them


def test_a_job_process_rings_and_the_stream_reads_at_once_not_at_its_poll():
    """Events written by another process wake the tailer (data.doorbell): with a poll of a
    minute the whole job still arrives, in order (the poll alone would take minutes). The
    home is a short path: a socket's address holds 108 bytes, and pytest's folders under
    xdist are longer (there the stream falls back to its poll, as documented)."""
    import shutil
    import subprocess
    import sys
    import tempfile

    tmp_path = Path(tempfile.mkdtemp(prefix="sse-", dir="/tmp"))
    store = Store(Settings(home=tmp_path, redis_url=None, job_time_limit=60, max_upload_bytes=2**20))
    assert len(str(store.events_wake_dir / ("x" * 40 + ".sock"))) < 100  # room for the socket names
    job_id = running_job(store)
    writer = f"""
import sys, time
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path

from data.config import Settings
from data.store import Store
store = Store(Settings(home=__import__("pathlib").Path({str(tmp_path)!r}), redis_url=None, job_time_limit=60,
                       max_upload_bytes=2**20))
time.sleep(1.0)  # the stream is listening by now
for i in range(5):
    store.node_event({job_id!r}, 1, {{"type": "node_progress", "node_id": "a", "progress": i / 5}})
    time.sleep(0.2)
store.finish({job_id!r}, 1, "completed")
"""
    proc = subprocess.Popen([sys.executable, "-c", writer])
    try:
        events = frames_to_events(collect(store, job_id, poll=60.0))
    finally:
        proc.wait(30)
        shutil.rmtree(tmp_path, ignore_errors=True)
    assert [e["event"] for e in events] == ["job_started"] + ["node_progress"] * 5 + ["node_status", "job_completed"]
