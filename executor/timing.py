"""The timings the job sides agree on (each from the environment, in seconds)."""

from __future__ import annotations

import os

HEARTBEAT_SECONDS = float(os.environ.get("PLAYGROUND_HEARTBEAT_SECONDS", 1.0))
# every worker process says it is alive this often; it counts as gone after 4 missed beats
WORKER_BEAT_SECONDS = float(os.environ.get("PLAYGROUND_WORKER_BEAT_SECONDS", 2.0))
NO_WORKER = "No worker is running: jobs will wait."
LEASE_SECONDS = float(os.environ.get("PLAYGROUND_LEASE_SECONDS", 15.0))
CANCEL_GRACE_SECONDS = 2.0  # time the run gets to stop by itself before it is killed
SWEEP_SECONDS = float(os.environ.get("PLAYGROUND_SWEEP_SECONDS", 2.0))
# a worker's job process waits this long for its next job before it is retired
JOB_PROCESS_IDLE_SECONDS = float(os.environ.get("PLAYGROUND_JOB_PROCESS_IDLE_SECONDS", 60.0))


def duration(seconds: float) -> str:
    """A time as a limit message says it, in plain units: "0.5 s", "40 s", "30 min", "2 h"."""
    if seconds < 10:
        return f"{round(seconds, 1):g} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{round(seconds / 3600, 1):g} h"
