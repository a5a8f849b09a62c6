"""Jobs: submit, cancel, retry, run in a worker, and sweep up after lost workers.

A job executes an immutable snapshot. The Huey task (in a consumer worker process) claims
the job and runs its ML in a child process of its own, which it can kill: a cancel or the
time limit stops even a single long `fit` within seconds, and a child that crashes or runs
out of memory fails only its own job. The worker heartbeats; the sweeper re-queues a job
whose heartbeat went stale (Huey silently drops a task whose worker is SIGKILLed) at most
twice, then fails it with "worker lost", and puts back in the queue the task of a queued job
that is not there (its web process or its worker died with it). Every write of an attempt
checks, in the same transaction, that the attempt still owns the job.
"""

from __future__ import annotations

# Split by side, as huey's own code is: the web side (executor.submit), the worker side
# (executor.worker), the job's child process (executor.runner) and the sweeper
# (executor.sweeper). This module gathers their public names for callers that want them all.
from data.store import Invalid, LeaseLost, NotFound
from executor.facts import dataset_facts_for
from executor.submit import cancel, new_task, put_in_queue, retry, submit, worker_status
from executor.sweeper import start_sweeper, sweep
from executor.worker import execute, start_job_host, start_worker, stop_worker

__all__ = ["submit", "cancel", "retry", "new_task", "put_in_queue", "worker_status", "execute", "start_worker", "stop_worker",
           "start_job_host", "sweep", "start_sweeper", "dataset_facts_for", "Invalid", "NotFound", "LeaseLost"]
