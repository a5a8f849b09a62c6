"""`python -m executor.consumer executor.tasks.huey [huey_consumer's flags]`: Huey's own
consumer (huey.bin.huey_consumer, unchanged), started after one job host, the ML-preloaded
forkserver of executor.worker, so that every worker it forks shares that host instead of
starting one of its own: the preloaded stack is held once (about 210 MB of PSS) instead of
once per worker. The app's supervisor starts the consumer this way; a consumer started as
plain `huey_consumer` still works, with one job host per worker."""

from __future__ import annotations


def main() -> None:
    from executor.worker import start_job_host

    start_job_host()
    from huey.bin.huey_consumer import consumer_main

    consumer_main()


if __name__ == "__main__":
    main()
