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
    def __init__(self, workers: int, home: str, cwd: str, min_backoff: float = 0.5, max_backoff: float = 30.0,
                 stable_after: float = 30.0):
        from executor.queue import CONSUMER_FLAGS

        self.cmd = [sys.executable, "-m", "executor.consumer", "executor.tasks.huey", "-w", str(workers),
                    *CONSUMER_FLAGS]
        # the workers' count sets each job's default thread budget (data.config)
        self.env = {**os.environ, "PLAYGROUND_HOME": home, "PLAYGROUND_WORKERS": str(workers)}
        self.cwd = cwd
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
        return subprocess.Popen(self.cmd, cwd=self.cwd, env=self.env, start_new_session=True,
                                preexec_fn=_die_with_parent)

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
