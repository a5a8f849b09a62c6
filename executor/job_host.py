"""Imported once by each worker's job forkserver (multiprocessing "forkserver" context,
see executor.worker): loads and warms the ML stack there, so every job process forked from
that clean, single-purpose server starts with pandas, scikit-learn and matplotlib already
imported instead of paying seconds of imports per job."""

from __future__ import annotations

import logging

from executor.preload import preload

try:
    preload()
except Exception:  # a failed warm-up only costs speed: each job imports what it needs itself
    logging.getLogger("playground.jobs").exception("warming the job forkserver failed")
