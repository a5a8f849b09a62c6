"""The sweeper (in the app process): re-queues a job whose worker vanished (its heartbeat
went stale; Huey silently drops a task whose worker is SIGKILLed) at most twice, then
fails it with "worker lost"; fails jobs that waited too long while no worker was alive."""

from __future__ import annotations

import logging
import threading
import time

from data.store import Store
from executor.submit import enqueue
from executor.timing import (
    LEASE_SECONDS,
    SWEEP_SECONDS,
    WORKER_BEAT_SECONDS,
    duration,
)

log = logging.getLogger("playground.jobs")


def sweep(store: Store, lease_seconds: float = LEASE_SECONDS, queue_timeout: float | None = None) -> list[str]:
    """Find jobs whose worker vanished and re-queue them (at most twice), else fail them;
    fail jobs that waited in the queue too long while no worker was alive."""
    actions = []
    t = time.time()
    stale = t - lease_seconds
    queue_timeout = store.settings.queue_timeout if queue_timeout is None else queue_timeout
    workers_alive = None
    for job in store.active_jobs():
        jid = job["id"]
        if job["status"] == "running":
            if (job["heartbeat_at"] or job["started_at"] or 0) >= stale:
                continue
            # each write below checks again, in its transaction, that the attempt is the one
            # read here and has not beaten since: a live attempt is never taken for dead
            if job["cancel_requested"]:
                if store.finish(jid, job["attempt"], "cancelled", stale_before=stale,
                                event_payload={"message": "Cancelled (the worker was lost)."}):
                    actions.append(f"{jid}: cancelled")
            elif job["attempt"] < job["max_attempts"]:
                attempt = store.requeue(jid, job["attempt"], stale_before=stale)
                if attempt:
                    enqueue(store, jid, attempt)
                    actions.append(f"{jid}: re-queued as attempt {attempt}")
            elif store.finish(jid, job["attempt"], "failed", stale_before=stale,
                              error=f"worker lost: the job's worker stopped responding {job['attempt']} time(s); "
                                    "it was not retried again."):
                actions.append(f"{jid}: failed, worker lost")
        elif job["status"] in ("pending", "queued") and job["cancel_requested"]:
            store.finish(jid, None, "cancelled")
            actions.append(f"{jid}: cancelled")
        elif job["status"] in ("pending", "queued") and t - (job["queued_at"] or job["created_at"]) > queue_timeout:
            if workers_alive is None:
                workers_alive = bool(store.live_workers(4 * WORKER_BEAT_SECONDS))
            if not workers_alive:
                waited = t - (job["queued_at"] or job["created_at"])
                store.finish(jid, None, "failed", error=f"No worker is running: the job waited {duration(waited)} "
                             f"in the queue (the limit is {duration(queue_timeout)}, PLAYGROUND_QUEUE_TIMEOUT_SECONDS) "
                             "and was not started. Start a worker and retry it.")
                actions.append(f"{jid}: failed, no worker")
    for a in actions:
        log.warning("sweeper: %s", a)
    return actions


def start_sweeper(store: Store, interval: float = SWEEP_SECONDS) -> threading.Event:
    stop = threading.Event()

    def loop():
        while not stop.wait(interval):
            try:
                sweep(store)
            except Exception:
                log.exception("sweeper failed")

    threading.Thread(target=loop, name="playground-sweeper", daemon=True).start()
    return stop
