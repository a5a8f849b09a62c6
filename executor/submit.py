"""The web side of jobs: validate and submit a workflow, enqueue, cancel, retry, and say
whether workers are alive. Never runs ML (executor.worker does, in a worker process).

A job is written queued, with the id of its task, in one transaction; the task is put in
the queue after that commit. A process killed in between leaves a queued job whose task is
missing, which the sweeper puts in the queue (executor.sweeper): a crash at any moment
leaves either no job or a job that will run."""

from __future__ import annotations

import logging
import uuid

from data.config import settings
from data.store import TERMINAL, Invalid, Store
from executor.facts import dataset_facts_for
from executor.timing import (
    NO_WORKER,
    WORKER_BEAT_SECONDS,
    duration,
)

log = logging.getLogger("playground.jobs")


def submit(store: Store, graph, workflow_id: str | None = None, retry_of: str | None = None,
           snapshot_id: str | None = None, rerun=None) -> dict:
    """Validate, snapshot, create the job and enqueue it. Invalid -> no job, no snapshot.
    `rerun`: "all" to run every node again, or a list of node ids to run again with what is
    below them; otherwise every node whose cache key is unchanged is reused."""
    from data.store import normalize_graph
    from executor.engine import resolve
    from executor.estimate import estimate

    graph = normalize_graph(graph)
    info = dataset_facts_for(store)
    resolved = resolve(graph, dataset_facts=info)
    if resolved.errors:
        from executor.engine import GRAPH

        n = len([k for k in resolved.errors if k != GRAPH])
        if n:
            detail = f"The workflow is not valid: {n} node{'s' if n != 1 else ''} need{'' if n != 1 else 's'} attention."
        else:
            detail = "The workflow is not valid: " + " ".join(resolved.errors[GRAPH])
        raise Invalid(detail, errors=resolved.errors)
    rerun = checked_rerun(rerun, graph)
    reused, held = cache_outlook(store, resolved, rerun)
    est = estimate(resolved, info, reused=reused, held=held)
    limit = settings().job_time_limit
    task_id = str(uuid.uuid4())
    job = store.create_job(workflow_id, graph, est, limit, retry_of=retry_of, snapshot_id=snapshot_id,
                           task_id=task_id, rerun=rerun)
    try:
        put_in_queue(new_task(job["id"], 1, task_id))
    except Exception:  # the queue cannot be reached (Redis down): the job is written, the sweeper puts its task there
        log.exception("could not put the task of job %s in the queue; the sweeper will", job["id"])
    # the 202 says what was done, "queued" (seed 000), not what a fast worker may already
    # have made of it (no re-read): the job's live status is what GET and the events say
    out = {**job, "status": "queued", "estimate": est}
    warning = over_time_limit(est["seconds"], limit)
    return {**out, "warning": warning} if warning else out


def checked_rerun(rerun, graph: dict):
    """What a run may be asked to run again: nothing (None or false), everything ("all" or
    true), or a list of the workflow's node ids."""
    if rerun is None or rerun is False:
        return None
    if rerun is True or rerun == "all":
        return "all"
    ids = {n.get("id") for n in graph.get("nodes", [])}
    if not isinstance(rerun, list) or not all(isinstance(n, str) for n in rerun):
        raise Invalid('"rerun" is "all" or a list of node ids.')
    unknown = [n for n in rerun if n not in ids]
    if unknown:
        raise Invalid(f"The workflow has no node {unknown[0][:64]!r} to run again.")
    return sorted(set(rerun))


def cache_outlook(store: Store, resolved, rerun) -> tuple[set, dict]:
    """What the node cache will serve if its entries are still there when the run starts:
    the nodes it serves whole, and for each node that runs, whether it holds a given part of
    its output (node id -> held(part): a Visualize node's plot drawn before of the same
    model, RunContext.stored). A node forced to run again, and every node below it, make
    everything afresh (executor.engine)."""
    if rerun == "all" or store.settings.cache_bytes <= 0:
        return set(), {}
    from executor.cache import part_digest, plan

    planned, kept = plan(resolved), store.cache_keys()
    forced = set(rerun or [])
    from nodes import graph as graphs

    for nid in list(forced):
        forced |= set(graphs.downstream(resolved.graph, nid))
    usable = {nid: p for nid, p in planned.items() if not p.volatile and nid not in forced}
    reused = {nid for nid, p in usable.items() if p.digest in kept}
    held = {nid: (lambda part, p=p: part_digest(p, part) in kept) for nid, p in usable.items() if nid not in reused}
    return reused, held


def over_time_limit(seconds: float, limit: float) -> str | None:
    """What Run says when a job is estimated to take longer than it may run: it is queued
    all the same (an estimate can be high), but the user learns now, not when it is stopped."""
    if seconds <= limit:
        return None
    return (f"This run is estimated at about {duration(seconds)}, longer than the job time limit of "
            f"{duration(limit)} (PLAYGROUND_JOB_TIME_LIMIT): it will be stopped then unless it is faster than "
            "estimated. Use fewer trials, folds or rows, or raise the limit.")


def worker_status(store: Store) -> dict:
    """What the API and the editor say about the workers: how many are alive, and a
    sentence when none is."""
    live = store.live_workers(4 * WORKER_BEAT_SECONDS)
    out = {"live": len(live), "workers": [{"id": w["id"], "host": w["host"], "pid": w["pid"],
                                           "since": w["started_at"]} for w in live]}
    if not live:
        out["notice"] = NO_WORKER
    return out


def new_task(job_id: str, attempt: int, task_id: str | None = None):
    """The queue's task for one attempt of a job, with the id written in the job's row (a
    fresh one when None). Only the claim decides whether it runs: a second task for the same
    attempt finds the job taken and does nothing."""
    from executor.tasks import run_job

    return run_job.s(job_id, attempt, id=task_id)


def put_in_queue(task) -> None:
    from executor.queue import huey

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
    # the request again, "run everything again" included (a retry of a forced run was served from the cache)
    return submit(store, graph, workflow_id=job["workflow_id"], retry_of=job_id, snapshot_id=job["snapshot_id"],
                  rerun=job.get("rerun"))
