"""The app's own Huey consumer, supervised: started as a child in a process group of its
own, restarted with back-off when it dies, and stopped with its whole tree (workers, their
job hosts and jobs) when the app stops. A worker also dies by itself when its consumer
dies (data.lifeline, from executor.worker.start_worker), so no orphan keeps polling the queue
even if the consumer is killed with SIGKILL."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time

from data import lifeline

log = logging.getLogger("playground.supervisor")


def _die_with_parent() -> None:
    """In the consumer child, before exec: SIGTERM when the app dies (uvicorn re-raises
    SIGTERM after its graceful shutdown, so the app's own clean-up may not run)."""
    lifeline.die_with_parent(signal.SIGTERM)


class ConsumerSupervisor:
    """`fork_job_host(target, fds, env, cwd, name) -> pid` (data.ingest.IngestService.run_forked):
    how to start the consumer's job host as a fork of the web process (its zygote), so that
    the host shares the modules the web holds: 56 MB less private memory in the host
    (measured, bench/footprint.py). Without it, or when it fails, the consumer starts its
    own host, as a consumer started by hand does."""

    def __init__(self, workers: int, home: str, cwd: str, min_backoff: float = 0.5, max_backoff: float = 30.0,
                 stable_after: float = 30.0, fork_job_host=None):
        from executor.queue import CONSUMER_FLAGS

        self.cmd = [sys.executable, "-m", "executor.consumer", "executor.tasks.huey", "-w", str(workers),
                    *CONSUMER_FLAGS]
        # the workers' count sets each job's default thread budget (data.config)
        self.given_env = {"PLAYGROUND_HOME": home, "PLAYGROUND_WORKERS": str(workers)}
        self.env = {**os.environ, **self.given_env}
        self.cwd = cwd
        self.fork_job_host = fork_job_host
        min_backoff = float(os.environ.get("PLAYGROUND_CONSUMER_BACKOFF_SECONDS", min_backoff))
        self.min_backoff, self.max_backoff, self.stable_after = min_backoff, max(max_backoff, min_backoff), stable_after
        self.proc: subprocess.Popen | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> ConsumerSupervisor:
        self._thread = threading.Thread(target=self._loop, name="consumer-supervisor", daemon=True)
        self._thread.start()
        return self

    def _spawn(self) -> subprocess.Popen:
        host = None
        if self.fork_job_host is not None:
            try:
                host = self._job_host()
            except OSError as e:
                log.warning("the job host could not be forked from the app (%s): the consumer starts its own", e)
        if host is None:
            return subprocess.Popen(self.cmd, cwd=self.cwd, env=self.env, start_new_session=True,
                                    preexec_fn=_die_with_parent)
        import json

        from executor.consumer import JOB_HOST_VARIABLE

        try:
            return subprocess.Popen(self.cmd, cwd=self.cwd, env={**self.env, JOB_HOST_VARIABLE: json.dumps(host)},
                                    start_new_session=True, preexec_fn=_die_with_parent, pass_fds=(host["alive_fd"],))
        finally:  # the consumer, its workers and their jobs hold it now: the host ends when they all have gone
            os.close(host["alive_fd"])

    def _job_host(self) -> dict:
        """A job host forked through `fork_job_host`, listening as multiprocessing's
        forkserver does (ForkServer.ensure_running: a Unix socket only this user may open,
        an "alive" pipe whose write end its clients hold)."""
        import socket
        from multiprocessing import connection

        with socket.socket(socket.AF_UNIX) as listener:
            address = connection.arbitrary_address("AF_UNIX")
            listener.bind(address)
            os.chmod(address, 0o600)
            listener.listen()
            alive_r, alive_w = os.pipe()
            try:
                pid = self.fork_job_host("executor.worker:serve_job_host", [listener.fileno(), alive_r],
                                         self.given_env, self.cwd, "job-host")
            except BaseException:
                os.close(alive_w)
                raise
            finally:
                os.close(alive_r)
        return {"pid": pid, "address": address, "alive_fd": alive_w}

    def _loop(self) -> None:
        backoff = self.min_backoff
        while not self._stopping.is_set():
            started = time.monotonic()
            self.proc = self._spawn()
            code = self.proc.wait()
            lifeline.kill_group(self.proc.pid, signal.SIGKILL)  # what it leaves behind goes with it
            if self._stopping.is_set():
                return
            ran = time.monotonic() - started
            if ran > self.stable_after:  # it had been fine: start over from the shortest wait
                backoff = self.min_backoff
            self.restarts += 1
            log.error("the Huey consumer exited (code %s) after %.1f s; restarting in %.1f s", code, ran, backoff)
            if self._stopping.wait(backoff):
                return
            backoff = min(self.max_backoff, backoff * 2)  # crashing again at once waits longer

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        proc = self.proc
        if proc is None:
            return
        lifeline.stop(proc, timeout, group=True, sig=signal.SIGTERM)
        if self._thread is not None:
            self._thread.join(timeout)
