"""Imported once by each worker's job forkserver (multiprocessing "forkserver" context,
see executor.worker): loads and warms the ML stack there, so every job process forked from
that clean, single-purpose server starts with pandas, scikit-learn and matplotlib already
imported instead of paying seconds of imports per job."""

from __future__ import annotations

import logging
import signal

from data import lifeline


def die_with_worker() -> None:
    """Ask Linux to kill this job host when the worker that started it dies
    (PR_SET_PDEATHSIG), before the imports: the forkserver notices its worker's death only
    once it has imported everything, and it outlived a killed app by up to 18 s under load
    (the whole-tree test allows 20). A job process forked from it does not inherit this: it
    has its own lifeline to the worker (executor.runner)."""
    lifeline.die_with_parent(signal.SIGKILL, exit_if_orphaned=True)  # not Linux: the forkserver still ends
    # once its imports are done


die_with_worker()

from executor.preload import preload  # noqa: E402 - after die_with_worker, which must come first

try:
    preload()
except Exception:  # a failed warm-up only costs speed: each job imports what it needs itself
    logging.getLogger("playground.jobs").exception("warming the job forkserver failed")
