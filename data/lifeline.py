"""How a child process of the app ends with its parent, and how the parent stops it: one
home for the rules the app's children share. The children are the Huey consumer
(executor.supervisor) with its workers (executor.worker) and their job hosts
(executor.job_host), each job process (executor.runner) and the upload helpers' zygote with its helpers
(data.ingest).

- `die_with_parent`: Linux sends a signal when the parent goes (PR_SET_PDEATHSIG). It is
  tied to the parent *thread* that started the child, so it suits children started by a
  process's main thread or its long-lived supervisor thread.
- `exit_with_parent`: a thread of the child notices its parent has gone and ends it; for a
  child started from a thread that may end first (a request's worker thread).
- `exit_on_eof`: a thread ends the child when a pipe the parent holds closes (the parent
  died, whoever started it).
- `kill_group`, `stop`: the parent's side, stopping a child (and its process group).

It imports nothing heavy: the job host calls it before it imports the ML stack."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

PR_SET_PDEATHSIG = 1
PR_SET_NAME = 15


def die_with_parent(sig: int = signal.SIGKILL, *, exit_if_orphaned: bool = False) -> bool:
    """Ask Linux to send `sig` to this process when its parent dies. With
    `exit_if_orphaned`, end now if the parent died before the request was made (this
    process already belongs to init; not for a child of a process that may be init itself,
    as the app is in a container). False where there is no prctl (not Linux): the
    caller's other lifeline must do."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, int(sig))
    except (OSError, AttributeError):
        return False
    if exit_if_orphaned and os.getppid() == 1:
        os._exit(0)
    return True


def name_process(name: str) -> None:
    """The name `ps`, `top` and /proc/<pid>/comm show for this process (at most 15
    bytes), for a process forked without a command line of its own."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_NAME, name.encode()[:15])
    except (OSError, AttributeError):
        pass


def _end_when(gone, code: int, name: str) -> None:
    def watch():
        gone()
        os._exit(code)

    threading.Thread(target=watch, name=name, daemon=True).start()


def exit_with_parent(parent: int | None = None, code: int = 0, poll: float = 0.5) -> None:
    """End this process with `code` once its parent (`parent`, by default the current one)
    is gone, checked every `poll` seconds by a daemon thread."""
    parent = os.getppid() if parent is None else parent

    def gone():
        while os.getppid() == parent:
            time.sleep(poll)

    _end_when(gone, code, "lifeline")


def exit_on_eof(conn, code: int = 0) -> None:
    """End this process with `code` when `conn` (a Connection whose other end only the
    parent holds, and never writes to) reaches its end: the parent has died."""
    def gone():
        try:
            conn.recv()
        except (EOFError, OSError):
            pass

    _end_when(gone, code, "lifeline")


def kill_group(pgid: int, sig: int) -> None:
    """Send `sig` to a child's whole process group (the child started it with
    start_new_session); nothing if it has already gone."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop(proc: subprocess.Popen, timeout: float = 5.0, *, group: bool = False, sig: int = signal.SIGKILL) -> None:
    """Stop a child: `sig` (to its process group with `group`), wait up to `timeout` for it,
    then SIGKILL whatever is left."""
    if group:
        kill_group(proc.pid, sig)
    elif proc.poll() is None:
        proc.send_signal(sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        pass
    if group:
        kill_group(proc.pid, signal.SIGKILL)
    elif proc.poll() is None:
        proc.kill()
        proc.wait(timeout)
