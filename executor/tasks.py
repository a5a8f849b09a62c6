"""Huey tasks. `huey_consumer executor.tasks.huey` runs them on any worker host."""

from __future__ import annotations

from executor.preload import preload
from executor.queue import huey

# Imported by the consumer before it forks its workers, which fork each job's child: the ML
# stack is loaded once per consumer, not once per job.
preload()


@huey.task()
def run_job(job_id: str, attempt: int) -> None:
    from executor.jobs import execute

    execute(job_id, attempt)
