"""The sweeper (in the app process): re-queues a job whose worker vanished (its heartbeat
went stale; Huey silently drops a task whose worker is SIGKILLed) at most twice, then
fails it with "worker lost"; puts back in the queue the task of a queued job that is not
there a lease after it was put there; fails jobs that waited too long while no worker was
alive."""

from __future__ import annotations

import logging
import threading
import time

from data.store import Store
from executor.submit import new_task, put_in_queue
from executor.timing import (
    LEASE_SECONDS,
    SWEEP_SECONDS,
    WORKER_BEAT_SECONDS,
    duration,
)

log = logging.getLogger("playground.jobs")


def sweep(store: Store, lease_seconds: float = LEASE_SECONDS, queue_timeout: float | None = None) -> list[str]:
    """Find jobs whose worker vanished and re-queue them (at most twice), else fail them;
    give a queued job whose task is lost its task again; fail jobs that waited in the queue
    too long while no worker was alive."""
    actions = []
    t = time.time()
    stale = t - lease_seconds
    queue_timeout = store.settings.queue_timeout if queue_timeout is None else queue_timeout
    workers_alive = None
    waiting = []
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
                task = new_task(jid, job["attempt"] + 1)
                attempt = store.requeue(jid, job["attempt"], task.id, stale_before=stale)
                if attempt:
                    put_in_queue(task)
                    actions.append(f"{jid}: re-queued as attempt {attempt}")
            elif store.finish(jid, job["attempt"], "failed", stale_before=stale,
                              error=f"worker lost: the job's worker stopped responding {job['attempt']} time(s); "
                                    "it was not retried again."):
                actions.append(f"{jid}: failed, worker lost")
        elif job["cancel_requested"]:
            store.finish(jid, None, "cancelled")
            actions.append(f"{jid}: cancelled")
        else:  # pending or queued
            waited = t - (job["queued_at"] or job["created_at"])
            if waited > queue_timeout:
                if workers_alive is None:
                    workers_alive = bool(store.live_workers(4 * WORKER_BEAT_SECONDS))
                if not workers_alive:
                    store.finish(jid, None, "failed", error=f"No worker is running: the job waited {duration(waited)} "
                                 f"in the queue (the limit is {duration(queue_timeout)}, PLAYGROUND_QUEUE_TIMEOUT_SECONDS) "
                                 "and was not started. Start a worker and retry it.")
                    actions.append(f"{jid}: failed, no worker")
                    continue
            if t - (job["enqueued_at"] or job["queued_at"] or job["created_at"]) > lease_seconds:
                waiting.append(job)
    if waiting:
        actions += _give_back_lost_tasks(store, waiting, lease_seconds)
    for a in actions:
        log.warning("sweeper: %s", a)
    return actions


def _give_back_lost_tasks(store: Store, jobs: list[dict], lease_seconds: float) -> list[str]:
    """Put back in the queue the task of each of these queued jobs (put in the queue over a
    lease ago) that is not in it, whether or not workers are alive: a job is lost when its
    web process died between writing it and putting its task in the queue, or a worker died
    between taking its task and claiming it (Huey has no acknowledgement: a task taken is
    gone). The task goes back with the same id, for the same attempt, at most twice; a third
    time the job fails with a sentence. If it was only on its way to a worker's claim after
    all, the claim lets one of the two run."""
    from executor.queue import task_ids

    try:
        present = task_ids()
    except Exception as e:  # the queue cannot be read (Redis down): decide nothing this time
        log.warning("sweeper: could not read the queue, so no lost task is looked for: %s: %s", type(e).__name__, e)
        return []
    actions = []
    for job in jobs:
        jid = job["id"]
        if job["task_id"] in present:
            continue
        if job["tasks_lost"] >= job["max_attempts"] - 1:  # given back twice already, as a lost worker's job
            if store.finish(jid, job["attempt"], "failed", waiting=True, error=(
                    f"The job could not be started: its task went missing from the queue {job['tasks_lost'] + 1} "
                    "times before a worker started it (a worker died or failed between taking it and starting the "
                    "job: see the workers' log). It was not queued again.")):
                actions.append(f"{jid}: failed, its task lost {job['tasks_lost'] + 1} times")
            continue
        task = new_task(jid, job["attempt"], job["task_id"])
        if store.requeue_lost_task(jid, job["attempt"], task.id):
            put_in_queue(task)
            actions.append(f"{jid}: its task was not in the queue and no worker had claimed it "
                           f"{duration(lease_seconds)} after it was put there; put it there again "
                           f"(attempt {job['attempt']})")
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
