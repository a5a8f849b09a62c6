"""Huey tasks. `huey_consumer executor.tasks.huey` runs them on any worker host.

The workers stay light: they only supervise. Each job's ML runs in a process from the
worker's job forkserver, which loads the ML stack once (executor.worker, executor.job_host).
"""

from __future__ import annotations

from executor.queue import huey


@huey.on_startup()
def start_worker() -> None:
    from executor.worker import start_worker

    start_worker()


@huey.on_shutdown()
def stop_worker() -> None:
    from executor.worker import stop_worker

    stop_worker()


@huey.task()
def run_job(job_id: str, attempt: int) -> None:
    from executor.worker import execute

    execute(job_id, attempt)
