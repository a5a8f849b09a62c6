"""`python -m executor.consumer executor.tasks.huey [huey_consumer's flags]`: Huey's own
consumer (huey.bin.huey_consumer, unchanged), started after one job host, the ML-preloaded
forkserver of executor.worker, so that every worker it forks shares that host instead of
starting one of its own: the preloaded stack is held once (about 210 MB of PSS) instead of
once per worker. The app's supervisor starts the consumer this way, with a host it forked
from the web process's zygote (PLAYGROUND_JOB_HOST); started by hand, the consumer starts
its own; a consumer started as plain `huey_consumer` still works, with one job host per
worker."""

from __future__ import annotations

# The consumer and its workers only supervise (claim, watch, record the end); the job
# process does the ML. sqlite-utils imports pandas and numpy whenever it can find them, to
# map their types to SQLite's, which these processes never write: held out of them, the
# consumer and its workers hold 45 MB instead of 101 (PSS, measured, bench/footprint.py).
SUPERVISION_NEEDS_NOT = ("pandas", "numpy", "pyarrow")
# {"pid", "address", "alive_fd"} of a job host the app's supervisor started for this consumer
JOB_HOST_VARIABLE = "PLAYGROUND_JOB_HOST"


def main() -> None:
    import sys

    for name in SUPERVISION_NEEDS_NOT:
        sys.modules.setdefault(name, None)  # an import of it raises ImportError here
    import json
    import os

    from executor.worker import adopt_job_host, start_job_host

    given = os.environ.pop(JOB_HOST_VARIABLE, None)  # the app's supervisor forked one (executor.supervisor)
    if given:
        adopt_job_host(**json.loads(given))
    start_job_host()
    from huey.bin.huey_consumer import consumer_main

    consumer_main()


if __name__ == "__main__":
    main()
