"""The per-job child process: runs the snapshot through the engine and records every event.

Started by the Huey worker from its job forkserver (executor.worker), which may kill it
(cancel, time limit); or by hand as `python -m executor.runner JOB ATTEMPT HOME`. It exits
by itself when its worker dies, so a SIGKILLed worker leaves no orphan training on.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback

from data.lifeline import exit_on_eof, exit_with_parent


def fmt_bytes(n: int) -> str:
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{n / 2**20:.0f} MB"


def data_size() -> int:
    """This process's data segment (VmData), in bytes: what RLIMIT_DATA counts."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def apply_limits(memory: int, threads: int, niceness: int = 10) -> None:
    """This job's share of the machine: at most `memory` bytes of data on top of what the
    process holds now (`limit_memory`), first in line for the kernel's OOM killer, `threads`
    native threads for BLAS and OpenMP, and a lower CPU priority than the web process (nice
    `niceness`, PLAYGROUND_JOB_NICE), so a page or an inspector save answers at once while jobs train on every
    core (an inspector save's p95 while two jobs trained: see bench/inspector.py)."""
    limit_memory(memory)
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass
    try:
        os.nice(niceness - os.nice(0))  # from the host's niceness to the job's
    except OSError:
        pass
    try:
        native_pools().limit(limits=threads)
    except Exception:  # no native pools loaded: nothing to limit
        pass


def limit_memory(memory: int) -> None:
    """At most `memory` bytes of data on top of what this process holds now (RLIMIT_DATA:
    an allocation beyond it raises MemoryError here, in this job only). The soft limit,
    set again for each job a reused job process runs; the hard one stays as it was."""
    import resource

    try:
        _, hard = resource.getrlimit(resource.RLIMIT_DATA)
        cap = data_size() + memory
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
    except (ValueError, OSError):
        pass


_POOLS: list = []


def native_pools():
    """threadpoolctl's controller of the native thread pools (BLAS, OpenMP) loaded in this
    process, found once: the scan reads every loaded library (16-36 ms a job). The job host
    makes it after its imports (executor.preload), and each job process inherits it."""
    if not _POOLS:
        from threadpoolctl import ThreadpoolController

        _POOLS.append(ThreadpoolController())
    return _POOLS[0]


def child_main(job_id: str, attempt: int, home: str, lifeline=None) -> None:
    """One job in a process of its own (`python -m executor.runner JOB ATTEMPT HOME`)."""
    cfg = _enter(home, lifeline)
    run_job(job_id, attempt, cfg)


def serve(home: str, lifeline, jobs) -> None:
    """A job process that runs one job after another (executor.worker): it receives
    `(job_id, attempt)` on `jobs`, runs it, and answers `True` to run another or `False`
    when it leaves (it then exits), and ends when `jobs` closes. A fresh process forked from
    the job host spends most of a small job on first touches of the pages it shares with
    the host (5,200 copy-on-write faults, 100 ms of a 150 ms job here); a process that has
    run one job runs the next at in-process speed. It leaves (`keep_serving`) after a job
    that did not complete, when it has grown by more than REUSE_GROWTH, or after
    REUSE_JOBS jobs, so one job's memory or state cannot weigh on many."""
    cfg = _enter(home, lifeline)
    start, done = data_size(), 0
    while True:
        try:
            job_id, attempt = jobs.recv()
        except (EOFError, OSError, TypeError, ValueError):
            return
        limit_memory(cfg.job_memory_limit)
        status = run_job(job_id, attempt, cfg)
        done += 1
        keep = keep_serving(status, data_size() - start, done)
        try:
            jobs.send(keep)
        except OSError:
            return
        if not keep:
            return


REUSE_GROWTH = 256 * 2**20
REUSE_JOBS = 100


def keep_serving(status: str | None, grown: int, done: int) -> bool:
    """Whether a job process runs another job after one that ended with `status` (None: it
    lost the job or could not record it), having grown by `grown` bytes of data since it
    started and run `done` jobs."""
    return status == "completed" and grown <= REUSE_GROWTH and done < REUSE_JOBS


def _enter(home: str, lifeline):
    os.environ["PLAYGROUND_HOME"] = home
    if lifeline is not None:  # the worker holds the other end: its death closes it
        exit_on_eof(lifeline, code=3)
    else:
        exit_with_parent(code=3)
    from data.config import settings as load_settings

    cfg = load_settings()
    apply_limits(cfg.job_memory_limit, cfg.job_thread_budget, cfg.job_niceness)
    return cfg


def follows_at_once(event: dict) -> bool:
    """An engine event another always follows at once, written in one transaction with it: a
    node's last progress and its end (the next node's start, or the run's end, comes next;
    the run's end writes what is held first). Two workers' small jobs wrote 16 transactions
    each and waited for each other's write lock one time in twelve; they write 8 now. Every
    other event (a node's start, a warning, progress on the way) is written at once: what the
    live view shows is never held back."""
    if event.get("type") == "node_status":
        return event.get("status") in ("completed", "cached", "skipped", "failed")
    return event.get("type") == "node_progress" and (event.get("progress") or 0) >= 1.0


def run_job(job_id: str, attempt: int, cfg) -> str | None:
    """Run the job's snapshot through the engine, recording every event and its end;
    returns how it ended (None: this attempt no longer owns the job, nothing was written)."""
    from data import datasets
    from data.store import LeaseLost, open_store
    from executor.cache import NodeCache
    from executor.engine import run_workflow
    from executor.facts import dataset_facts_for

    store = open_store(cfg)
    job = store.get_job(job_id, with_nodes=False)
    graph = store.get_snapshot(job["snapshot_id"])
    datasets_dir = store.settings.datasets_dir
    last_check = [0.0, False]

    def is_cancelled() -> bool:
        # polled between folds, trials and nodes; a DB read at most every 0.25 s
        t = time.monotonic()
        if t - last_check[0] > 0.25:
            last_check[:] = [t, store.cancel_requested(job_id)]
        return last_check[1]

    seen_metrics: dict = {}  # Evaluate node -> its metrics entry, for a Deploy node's model card
    held: list = []  # events written with the next one, which follows at once (flush_events at the end)
    holding = threading.Lock()  # a node's threads (plots drawn side by side) send events too

    def on_event(event: dict) -> None:
        if event.get("type") == "metrics":
            seen_metrics[event["node_id"]] = {"values": event.get("metrics") or {}, "algorithm": event.get("algorithm"),
                                              "model_node_id": event.get("model_node_id")}
        with holding:
            held.append(event)
            if not follows_at_once(event):
                _write_held()

    def flush_events() -> None:
        with holding:
            _write_held()

    def _write_held() -> None:
        if held:
            events = held[:]
            held.clear()
            store.node_events(job_id, attempt, events)

    def register_model(name, model, node_id):
        from executor import deployments

        return deployments.register(store, job_id, node_id, name, model, seen_metrics)

    def production_metric(name, metric, task=None):
        from executor import deployments

        return deployments.production_metric(store, name, metric, task)

    def save_artifact(kind, name, data, mime, node_id=""):
        return store.add_artifact(job_id, attempt, node_id, kind, name, data, mime)

    try:
        result = run_workflow(graph, on_event, job_id=job_id, is_cancelled=is_cancelled, save_artifact=save_artifact,
                              load_dataset=lambda ds: datasets.load_dataset(ds, datasets_dir),
                              dataset_facts=dataset_facts_for(store),
                              memory_note=f"its memory limit of {fmt_bytes(cfg.job_memory_limit)} "
                                          "(PLAYGROUND_JOB_MEMORY_MB)",
                              cache=NodeCache(store, job.get("workflow_id"), job_id, job.get("rerun"))
                              if cfg.cache_bytes > 0 else None, register_model=register_model,
                              production_metric=production_metric)
        flush_events()
    except LeaseLost:
        return None  # a newer attempt owns the job now: write nothing
    except Exception as e:
        from data import disk

        try:
            flush_events()  # what the nodes said before it failed
        except LeaseLost:
            return None
        except Exception:  # a full disk, say: the failure below says it
            held.clear()

        error, results = f"{type(e).__name__}: {e}", {"traceback": traceback.format_exc()}
        if disk.is_disk_full(e, cfg.home):  # an event the disk refused: say the disk, not SQLite
            error, results = disk.failed(cfg, "The run", outcome="stopped").detail, None
        disk.with_room(cfg, lambda: store.finish(job_id, attempt, "failed", error=error, results=results))
        return "failed"
    results = {"metrics": result["metrics"], "plots": result["plots"],
               "nodes": {nid: {k: v for k, v in n.items() if k != "traceback"} for nid, n in result["nodes"].items()},
               **({"changed": result["changed"]} if result.get("changed") else {})}
    status = result["status"]
    payload = {}
    if status == "completed":
        payload["metrics"] = {nid: m["values"] for nid, m in result["metrics"].items()}
    return status if store.finish(job_id, attempt, status, results=results, error=result.get("error"),
                                  event_payload=payload) else None


if __name__ == "__main__":
    child_main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
