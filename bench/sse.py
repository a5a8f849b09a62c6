"""Live events fanned out: N viewers on one job's SSE stream (the real app under uvicorn).

Events are written into the job's store by this process (as a worker would), each stamped
with the time it was written; every viewer records when it read each one. Reported: whether
every viewer got every event, delivery latency p50 / p95 / max, and how many event tailers
(database readers) the app ran for the job (from /api/v1/health), against the number of
viewers.

    python -m bench.sse [--clients 100] [--events 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import urllib.request
from pathlib import Path

from bench.server import running_app

ROOT = Path(__file__).resolve().parent.parent


def _health(base: str) -> dict:
    return json.load(urllib.request.urlopen(f"{base}/api/v1/health", timeout=10))


async def viewer(port: int, job_id: str, got: list, ready: asyncio.Event, counter: list, n: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /api/v1/jobs/{job_id}/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                 "Accept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    counter[0] += 1
    if counter[0] == n:
        ready.set()
    while True:
        line = await reader.readline()
        if not line:
            break
        text = line.decode().strip()
        if text.startswith("data:"):
            data = json.loads(text[5:])
            got.append((data.get("type"), data.get("sent"), time.time()))
            if data.get("type") in ("job_completed", "job_failed", "job_cancelled"):
                break
    writer.close()


async def scenario(base: str, port: int, home: str, clients: int, n_events: int) -> dict:
    from data.config import Settings
    from data.store import Store

    store = Store(Settings(home=Path(home), redis_url=None, job_time_limit=600, max_upload_bytes=2**20))
    job_id = store.create_job(None, {"nodes": [{"id": "a", "type": "dataset", "config": {}}], "edges": []},
                              {"seconds": 1, "credits": 1}, 600)["id"]
    store.mark_queued(job_id, "bench")
    assert store.claim(job_id, 1, "bench")
    received = [[] for _ in range(clients)]
    ready, counter = asyncio.Event(), [0]
    tasks = [asyncio.create_task(viewer(port, job_id, received[i], ready, counter, clients)) for i in range(clients)]
    await ready.wait()
    for _ in range(200):  # every viewer subscribed (the app counts them)
        streams = (await asyncio.to_thread(_health, base)).get("streams", {})
        if streams.get("viewers", 0) >= clients:
            break
        await asyncio.sleep(0.05)
    peak_tailers = streams.get("tailers")
    reads_before = streams.get("reads_total", 0)
    for i in range(n_events):
        await asyncio.to_thread(store.node_event, job_id, 1, {"type": "node_progress", "node_id": "a",
                                                              "progress": i / n_events, "sent": time.time()})
        await asyncio.sleep(0.02)
    await asyncio.to_thread(store.finish, job_id, 1, "completed")
    await asyncio.wait_for(asyncio.gather(*tasks), 60)
    reads_after = (await asyncio.to_thread(_health, base)).get("streams", {}).get("reads_total", 0)
    latencies = sorted(t - sent for got in received for kind, sent, t in got if sent is not None)
    complete = sum(1 for got in received if sum(1 for k, s, _ in got if s is not None) == n_events
                   and got[-1][0] == "job_completed")
    return {"clients": clients, "events": n_events, "complete": complete, "peak_tailers": peak_tailers,
            "reads_during_run": reads_after - reads_before if reads_after else None,
            "p50_ms": 1000 * statistics.median(latencies), "p95_ms": 1000 * latencies[int(0.95 * len(latencies)) - 1],
            "max_ms": 1000 * latencies[-1]}


def run(clients: int = 100, n_events: int = 60, cwd=ROOT) -> dict:
    with running_app("--no-worker", cwd=cwd) as app:
        port = int(app.base.rsplit(":", 1)[1])
        return asyncio.run(scenario(app.base, port, app.home, clients, n_events))


def report(r: dict) -> None:
    print(f"\nSSE fan-out: {r['clients']} viewers of one job, {r['events']} events 20 ms apart")
    print(f"  every event to every viewer: {r['complete']}/{r['clients']} viewers complete")
    print(f"  delivery (written -> read by a viewer): p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, "
          f"max {r['max_ms']:.1f} ms")
    print(f"  event tailers (DB readers) for the job while {r['clients']} viewers watched: {r['peak_tailers']}")
    if r.get("reads_during_run") is not None:
        print(f"  DB reads of the job's events during the run: {r['reads_during_run']} "
              f"(one reader polling every 50 ms, not one per viewer)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--events", type=int, default=60)
    a = parser.parse_args()
    report(run(a.clients, a.events))
