"""Jobs: submit, cancel, retry, run in a worker, and sweep up after lost workers.

A job executes an immutable snapshot. The Huey task (in a consumer worker process) claims
the job and runs its ML in a child process of its own, which it can kill: a cancel or the
time limit stops even a single long `fit` within seconds, and a child that crashes or runs
out of memory fails only its own job. The worker heartbeats; the sweeper re-queues a job
whose heartbeat went stale (Huey silently drops a task whose worker is SIGKILLed) at most
twice, then fails it with "worker lost". Every write of an attempt checks, in the same
transaction, that the attempt still owns the job.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import threading
import time

from data.config import settings
from data.store import TERMINAL, Invalid, LeaseLost, NotFound, Store, open_store

log = logging.getLogger("playground.jobs")

HEARTBEAT_SECONDS = float(os.environ.get("PLAYGROUND_HEARTBEAT_SECONDS", 1.0))
LEASE_SECONDS = float(os.environ.get("PLAYGROUND_LEASE_SECONDS", 15.0))
CANCEL_GRACE_SECONDS = 2.0  # time the run gets to stop by itself before it is killed
SWEEP_SECONDS = float(os.environ.get("PLAYGROUND_SWEEP_SECONDS", 2.0))


# --------------------------------------------------------------------------- web side
def dataset_info_for(store: Store):
    """Dataset facts for validation and estimates: uploads from their stored profile,
    samples profiled once per process."""
    from executor.engine import default_dataset_info

    samples = default_dataset_info(None)

    def info(dataset_id: str):
        row = store.get_dataset(dataset_id) if isinstance(dataset_id, str) else None
        if row is not None:
            if not os.path.exists(row["path"] or ""):
                return None
            profile = row.get("profile") or {}
            return {"columns": profile.get("columns", []), "n_rows": row.get("n_rows")}
        return samples(dataset_id)

    return info


def submit(store: Store, graph, workflow_id: str | None = None, retry_of: str | None = None,
           snapshot_id: str | None = None) -> dict:
    """Validate, snapshot, create the job and enqueue it. Invalid -> no job, no snapshot."""
    from data.store import normalize_graph
    from executor.engine import resolve
    from executor.estimate import estimate

    graph = normalize_graph(graph)
    info = dataset_info_for(store)
    resolved = resolve(graph, dataset_info=info)
    if resolved.errors:
        n = len(resolved.errors)
        raise Invalid(f"The workflow is not valid: {n} node{'s' if n != 1 else ''} need{'' if n != 1 else 's'} "
                      "attention.", errors=resolved.errors)
    est = estimate(resolved, info)
    job = store.create_job(workflow_id, graph, est, settings().job_time_limit, retry_of=retry_of,
                           snapshot_id=snapshot_id)
    enqueue(store, job["id"], 1)
    job = store.get_job(job["id"])
    job["estimate"] = est
    return job


def enqueue(store: Store, job_id: str, attempt: int) -> None:
    from executor.queue import huey
    from executor.tasks import run_job

    task = run_job.s(job_id, attempt)
    if attempt == 1:
        store.mark_queued(job_id, task.id)
    else:
        store.set_task_id(job_id, task.id)
    huey.enqueue(task)


def cancel(store: Store, job_id: str) -> dict:
    state = store.request_cancel(job_id)
    if state["status"] in ("pending", "queued"):
        job = store.get_job(job_id, with_nodes=False)
        try:
            from executor.queue import huey

            if job.get("task_id"):
                huey.revoke_by_id(job["task_id"])
        except Exception:  # revoking is an optimisation: the claim refuses a cancelled job anyway
            log.exception("could not revoke task of job %s", job_id)
        store.finish(job_id, None, "cancelled", error=None, event_payload={"message": "Cancelled before it started."})
    # a running job is stopped by its worker, which polls the flag
    return store.get_job(job_id)


def retry(store: Store, job_id: str) -> dict:
    job = store.require_job(job_id)
    if job["status"] not in TERMINAL:
        raise Invalid(f"The job is still {job['status']}; cancel it or wait before retrying.", status=409)
    graph = store.get_snapshot(job["snapshot_id"])
    return submit(store, graph, workflow_id=job["workflow_id"], retry_of=job_id, snapshot_id=job["snapshot_id"])


# --------------------------------------------------------------------------- worker side
def execute(job_id: str, attempt: int) -> None:
    """Run in a Huey worker: claim, start the child, supervise it, record the end."""
    store = open_store()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    if not store.claim(job_id, attempt, worker):
        return  # cancelled, finished, or superseded by a newer attempt
    try:
        _supervise(store, job_id, attempt)
    except Exception as e:  # never leave the job running because the supervisor broke
        log.exception("supervising job %s failed", job_id)
        store.finish(job_id, attempt, "failed", error=f"The worker failed: {type(e).__name__}: {e}")


class _Child:
    """The job's child process, forked from the worker: it inherits the ML libraries the
    consumer preloaded (executor.tasks), so a job starts in milliseconds instead of paying
    seconds of imports. Huey's process workers are daemonic, which rules out
    multiprocessing children; a plain fork is fine (the worker runs no threads of its own)."""

    def __init__(self, job_id: str, attempt: int, home: str):
        self.pid = os.fork()
        if self.pid == 0:  # the child
            code = 1
            try:
                from executor import runner

                runner.child_main(job_id, attempt, home, forked=True)
                code = 0
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else 0
            except BaseException:
                log.exception("job %s crashed", job_id)
            finally:
                os._exit(code)
        self.returncode = None

    def poll(self):
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(f"job child {self.pid}", timeout)
            time.sleep(0.02)
        return self.returncode

    def terminate(self):
        self._signal(signal.SIGTERM)

    def kill(self):
        self._signal(signal.SIGKILL)

    def _signal(self, sig):
        if self.poll() is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass


def _supervise(store: Store, job_id: str, attempt: int) -> None:
    job = store.get_job(job_id, with_nodes=False)
    proc = _Child(job_id, attempt, str(store.settings.home))
    store.set_child_pid(job_id, attempt, proc.pid)
    reason, cancel_seen, last_beat = None, None, 0.0
    limit = job.get("time_limit") or settings().job_time_limit
    started = time.monotonic()
    while proc.poll() is None:
        try:
            proc.wait(0.2)
        except subprocess.TimeoutExpired:
            pass
        t = time.monotonic()
        if t - last_beat >= HEARTBEAT_SECONDS:
            control = store.heartbeat(job_id, attempt)
            last_beat = t
            if control is None:  # the sweeper gave the job to a newer attempt, or it was finished
                _stop(proc)
                return
        if cancel_seen is None and store.cancel_requested(job_id):
            cancel_seen = t
        if cancel_seen is not None and t - cancel_seen > CANCEL_GRACE_SECONDS:
            reason = "cancelled"
            _stop(proc)
            break
        if t - started > limit:
            reason = "timeout"
            _stop(proc)
            break
    proc.wait()
    if reason == "cancelled":
        store.finish(job_id, attempt, "cancelled", event_payload={"message": "Cancelled."})
    elif reason == "timeout":
        minutes = limit / 60
        store.finish(job_id, attempt, "failed",
                     error=f"The job ran longer than its time limit ({minutes:g} min) and was stopped.")
    elif proc.returncode != 0:
        code = proc.returncode
        how = f"was killed by signal {-code}" if code and code < 0 else f"exited with code {code}"
        store.finish(job_id, attempt, "failed",
                     error=f"The job's process {how} (out of memory?). Other jobs are not affected.")
    else:
        # the child records its own end; if it could not (lease lost), nothing more to do
        row = store.get_job(job_id, with_nodes=False)
        if row and row["status"] == "running" and row["attempt"] == attempt:
            store.finish(job_id, attempt, "failed", error="The job ended without recording a result.")


def _stop(proc) -> None:
    proc.terminate()
    try:
        proc.wait(1.0)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5.0)


# --------------------------------------------------------------------------- sweeper
def sweep(store: Store, lease_seconds: float = LEASE_SECONDS) -> list[str]:
    """Find jobs whose worker vanished and re-queue them (at most twice), else fail them."""
    actions = []
    t = time.time()
    for job in store.active_jobs():
        jid = job["id"]
        if job["status"] == "running":
            beat = job["heartbeat_at"] or job["started_at"] or 0
            if t - beat <= lease_seconds:
                continue
            if job["cancel_requested"]:
                store.finish(jid, None, "cancelled", event_payload={"message": "Cancelled (the worker was lost)."})
                actions.append(f"{jid}: cancelled")
                continue
            attempt = store.requeue(jid, job["attempt"])
            if attempt:
                enqueue(store, jid, attempt)
                actions.append(f"{jid}: re-queued as attempt {attempt}")
            else:
                store.finish(jid, None, "failed", error=f"worker lost: the job's worker stopped responding "
                                                        f"{job['attempt']} time(s); it was not retried again.")
                actions.append(f"{jid}: failed, worker lost")
        elif job["status"] in ("pending", "queued") and job["cancel_requested"]:
            store.finish(jid, None, "cancelled")
            actions.append(f"{jid}: cancelled")
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


__all__ = ["submit", "cancel", "retry", "execute", "sweep", "start_sweeper", "dataset_info_for",
           "Invalid", "NotFound", "LeaseLost"]
