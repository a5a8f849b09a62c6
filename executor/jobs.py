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
import multiprocessing
import os
import socket
import subprocess
import threading
import time

from data.config import settings
from data.store import TERMINAL, Invalid, LeaseLost, NotFound, Store, open_store

log = logging.getLogger("playground.jobs")

HEARTBEAT_SECONDS = float(os.environ.get("PLAYGROUND_HEARTBEAT_SECONDS", 1.0))
# every worker process says it is alive this often; it counts as gone after 4 missed beats
WORKER_BEAT_SECONDS = float(os.environ.get("PLAYGROUND_WORKER_BEAT_SECONDS", 2.0))
NO_WORKER = "No worker is running: jobs will wait."
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
            return {"columns": profile.get("columns", []), "n_rows": row.get("n_rows"), "name": row.get("name")}
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
        from executor.engine import GRAPH

        n = len([k for k in resolved.errors if k != GRAPH])
        if n:
            detail = f"The workflow is not valid: {n} node{'s' if n != 1 else ''} need{'' if n != 1 else 's'} attention."
        else:
            detail = "The workflow is not valid: " + " ".join(resolved.errors[GRAPH])
        raise Invalid(detail, errors=resolved.errors)
    est = estimate(resolved, info)
    job = store.create_job(workflow_id, graph, est, settings().job_time_limit, retry_of=retry_of,
                           snapshot_id=snapshot_id)
    enqueue(store, job["id"], 1)
    job = store.get_job(job["id"])
    job["estimate"] = est
    return job


def worker_status(store: Store) -> dict:
    """What the API and the editor say about the workers: how many are alive, and a
    sentence when none is."""
    live = store.live_workers(4 * WORKER_BEAT_SECONDS)
    out = {"live": len(live), "workers": [{"id": w["id"], "host": w["host"], "pid": w["pid"],
                                           "since": w["started_at"]} for w in live]}
    if not live:
        out["notice"] = NO_WORKER
    return out


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


# Each job's ML runs in a process of the multiprocessing "forkserver" context: a clean
# server process (started once per Huey worker, with the ML stack preloaded by
# executor.job_host) forks a fresh child per job. The worker can kill that child on cancel
# or time limit, and a child that crashes or runs out of memory takes nothing else down.
# Not a plain fork of the worker: forking a process that may hold threads or open SQLite
# connections is how deadlocks and corrupt state are made.
JOB_CONTEXT = multiprocessing.get_context("forkserver")
JOB_CONTEXT.set_forkserver_preload(["executor.job_host"])


def start_job_host() -> None:
    """Start this worker's forkserver now (a Huey startup hook) so its preload runs while
    the worker is idle, not when the first job arrives."""
    from multiprocessing import forkserver

    _allow_children()
    forkserver.ensure_running()


def start_worker() -> None:
    """A Huey worker process starts (startup hook): it dies with its consumer (no orphan
    keeps polling the queue), says it is alive every few seconds, and warms its job host."""
    die_with_parent()
    _start_worker_beat()
    start_job_host()


def die_with_parent(sig: int = 9) -> None:
    """Ask Linux to send `sig` to this process when its parent dies (PR_SET_PDEATHSIG)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, int(sig))
    except OSError:
        pass  # not Linux: the supervisor's process-group kill still ends the tree


_BEAT: dict = {}


def _start_worker_beat() -> None:
    store = open_store()
    worker_id = f"{socket.gethostname()}:{os.getpid()}"
    stop = threading.Event()

    def beat():
        while True:
            try:
                store.worker_beat(worker_id, socket.gethostname(), os.getpid())
            except Exception:
                log.exception("worker heartbeat failed")
            if stop.wait(WORKER_BEAT_SECONDS):
                return

    threading.Thread(target=beat, name="worker-beat", daemon=True).start()
    _BEAT.update(id=worker_id, stop=stop, store=store)


def stop_worker() -> None:
    """Shutdown hook: stop beating and leave the registry at once."""
    if _BEAT:
        _BEAT["stop"].set()
        try:
            _BEAT["store"].worker_gone(_BEAT["id"])
        except Exception:
            log.exception("could not deregister worker")


def _allow_children() -> None:
    # Huey starts its process workers as daemonic, and multiprocessing refuses children to
    # daemonic processes (they might be orphaned). Ours cannot be: every job child holds a
    # lifeline pipe to its worker and exits when the worker dies (executor.runner).
    me = multiprocessing.current_process()
    if me.daemon:
        me.daemon = False


class _Child:
    """The job's process, from the forkserver. `lifeline` is a pipe whose write end only
    this worker holds: when the worker dies, even by SIGKILL, the child reads EOF and exits,
    so no orphan keeps training."""

    def __init__(self, job_id: str, attempt: int, home: str):
        from executor import runner

        _allow_children()
        lifeline_r, self._lifeline = JOB_CONTEXT.Pipe(duplex=False)
        self.proc = JOB_CONTEXT.Process(target=runner.child_main, args=(job_id, attempt, home, lifeline_r),
                                        name=f"job-{job_id}-{attempt}", daemon=True)
        self.proc.start()
        lifeline_r.close()
        self.pid = self.proc.pid

    @property
    def returncode(self):
        return self.proc.exitcode  # negative: killed by that signal

    def poll(self):
        return self.proc.exitcode

    def wait(self, timeout: float | None = None):
        self.proc.join(timeout)
        if self.proc.exitcode is None:
            raise subprocess.TimeoutExpired(f"job child {self.pid}", timeout)
        return self.proc.exitcode

    def terminate(self):
        if self.proc.exitcode is None:
            self.proc.terminate()

    def kill(self):
        if self.proc.exitcode is None:
            self.proc.kill()

    def close(self):
        self._lifeline.close()
        self.proc.close()


def _supervise(store: Store, job_id: str, attempt: int) -> None:
    job = store.get_job(job_id, with_nodes=False)
    limit = job.get("time_limit") or settings().job_time_limit
    memory = settings().job_memory_limit
    proc = _Child(job_id, attempt, str(store.settings.home))
    try:
        store.set_child_pid(job_id, attempt, proc.pid)
        reason = _watch(store, job_id, attempt, proc, limit, memory)
        if reason == "lease lost":
            return  # the sweeper gave the job to a newer attempt, or it was finished: write nothing
        code = proc.wait()
    finally:
        proc.close()
    if reason == "cancelled":
        store.finish(job_id, attempt, "cancelled", event_payload={"message": "Cancelled."})
    elif reason == "memory":
        from executor.runner import fmt_bytes

        store.finish(job_id, attempt, "failed",
                     error=f"The job used more memory than its limit of {fmt_bytes(memory)} (PLAYGROUND_JOB_MEMORY_MB) "
                           "and was stopped. Other jobs and the app are not affected.")
    elif reason == "timeout":
        store.finish(job_id, attempt, "failed",
                     error=f"The job ran longer than its time limit ({limit / 60:g} min) and was stopped.")
    elif code != 0:
        from executor.runner import fmt_bytes

        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        store.finish(job_id, attempt, "failed",
                     error=f"The job's process died: it {how}, perhaps out of memory (its limit is "
                           f"{fmt_bytes(memory)}). Other jobs and the app are not affected.")
    else:
        # the child records its own end; if it could not (lease lost), nothing more to do
        row = store.get_job(job_id, with_nodes=False)
        if row and row["status"] == "running" and row["attempt"] == attempt:
            store.finish(job_id, attempt, "failed", error="The job ended without recording a result.")


def private_memory(pid: int) -> int:
    """Resident memory of a process that is its own (not shared with the job host)."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            fields = f.read().split()
        return (int(fields[1]) - int(fields[2])) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def _watch(store: Store, job_id: str, attempt: int, proc: _Child, limit: float, memory: int) -> str | None:
    """Heartbeat while the child runs; stop it on cancel (after a grace period in which the
    run can stop by itself between folds and nodes), on the time limit, over its memory
    limit (the child's own RLIMIT_DATA usually stops it first, with a MemoryError in the
    node that allocated), or when this attempt lost the job. Returns why it stopped the
    child, None when the child ended by itself."""
    cancel_seen, last_beat, started = None, 0.0, time.monotonic()
    baseline = private_memory(proc.pid)  # the libraries it starts with (copied from its job host)
    while proc.poll() is None:
        try:
            proc.wait(0.1)
        except subprocess.TimeoutExpired:
            pass
        t = time.monotonic()
        if private_memory(proc.pid) - baseline > memory + 64 * 2**20:
            _stop(proc)
            return "memory"
        if t - last_beat >= HEARTBEAT_SECONDS:
            last_beat = t
            if store.heartbeat(job_id, attempt) is None:
                _stop(proc)
                return "lease lost"
        if cancel_seen is None and store.cancel_requested(job_id):
            cancel_seen = t
        if cancel_seen is not None and t - cancel_seen > CANCEL_GRACE_SECONDS:
            _stop(proc)
            return "cancelled"
        if t - started > limit:
            _stop(proc)
            return "timeout"
    return None


def _stop(proc) -> None:
    proc.terminate()
    try:
        proc.wait(1.0)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5.0)


# --------------------------------------------------------------------------- sweeper
def _duration(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 120 else f"{seconds:.0f} s"


def sweep(store: Store, lease_seconds: float = LEASE_SECONDS, queue_timeout: float | None = None) -> list[str]:
    """Find jobs whose worker vanished and re-queue them (at most twice), else fail them;
    fail jobs that waited in the queue too long while no worker was alive."""
    actions = []
    t = time.time()
    queue_timeout = store.settings.queue_timeout if queue_timeout is None else queue_timeout
    workers_alive = None
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
        elif job["status"] in ("pending", "queued") and t - (job["queued_at"] or job["created_at"]) > queue_timeout:
            if workers_alive is None:
                workers_alive = bool(store.live_workers(4 * WORKER_BEAT_SECONDS))
            if not workers_alive:
                waited = t - (job["queued_at"] or job["created_at"])
                store.finish(jid, None, "failed", error=f"No worker is running: the job waited {_duration(waited)} "
                             f"in the queue (the limit is {_duration(queue_timeout)}, PLAYGROUND_QUEUE_TIMEOUT_SECONDS) "
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


__all__ = ["submit", "cancel", "retry", "execute", "sweep", "start_sweeper", "dataset_info_for",
           "Invalid", "NotFound", "LeaseLost"]
