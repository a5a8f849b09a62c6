"""The worker side of jobs: a Huey worker claims a job, runs its ML in a child process of
its own job forkserver (executor.runner is the child), supervises it (heartbeat, cancel,
time and memory limits) and records the end."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from data import lifeline
from data.config import settings
from data.store import LeaseLost, Store, open_store
from executor.timing import (
    CANCEL_GRACE_SECONDS,
    HEARTBEAT_SECONDS,
    JOB_PROCESS_IDLE_SECONDS,
    WORKER_BEAT_SECONDS,
    duration,
)

log = logging.getLogger("playground.jobs")


def execute(job_id: str, attempt: int) -> None:
    """Run in a Huey worker: claim, start the child, supervise it, record the end."""
    store = open_store()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    if not store.claim(job_id, attempt, worker):
        return  # cancelled, finished, taken by another task of this attempt, or superseded by a newer one
    lease = Lease(store, job_id, attempt)
    try:
        _supervise(store, job_id, attempt, lease)
    except Exception as e:  # never leave the job running because the supervisor broke
        from data import disk

        if disk.is_disk_full(e, store.settings.home):  # its heartbeat could not be written
            error = disk.failed(store.settings, "The run", outcome="stopped").detail
            log.warning("job %s: %s", job_id, error)
        else:
            log.exception("supervising job %s failed", job_id)
            error = f"The worker failed: {type(e).__name__}: {e}"
        disk.with_room(store.settings, lambda: store.finish(job_id, attempt, "failed", error=error))
    finally:
        lease.stop()


class Lease:
    """This attempt's lease, kept by a heartbeat from a thread of its own from the claim to
    the end. The heartbeat was the supervising loop's, which does not run while the
    supervision waits: a fresh worker's first job waits for its job host to import the ML
    stack before its process starts (5.6 to 8 s measured on the 2-core reference machine,
    more under load), and stopping a child waits up to 6 s. A lease shorter than the wait
    lapsed, and the sweeper took the live attempt for dead and queued the job again (the
    lost-worker test found attempt 3 when the restarted worker took attempt 2). `lost` is
    set once the attempt no longer owns the job (given to a newer attempt, or ended)."""

    def __init__(self, store: Store, job_id: str, attempt: int):
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, args=(store, job_id, attempt), name=f"lease-{job_id}",
                                        daemon=True)
        self._thread.start()

    def _beat(self, store: Store, job_id: str, attempt: int) -> None:
        while True:
            try:
                if store.heartbeat(job_id, attempt) is None:
                    self.lost.set()
                    return
            except Exception:  # a failed beat is retried; the lease lapses only if they keep failing
                log.exception("heartbeat of job %s failed", job_id)
            if self._stop.wait(HEARTBEAT_SECONDS):
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)  # a beat stuck on a busy database writes nothing once the attempt is over


# Each job's ML runs in a process of the multiprocessing "forkserver" context: a clean
# server process (started once per Huey worker, with the ML stack preloaded by
# executor.job_host) forks the worker's job process, which runs its jobs one after another
# (_JobProcess). The worker can kill it on cancel or time limit, and a process that crashes
# or runs out of memory takes nothing else down; the next job gets a fresh one.
# Not a plain fork of the worker: forking a process that may hold threads or open SQLite
# connections is how deadlocks and corrupt state are made.
JOB_CONTEXT = multiprocessing.get_context("forkserver")
JOB_HOST_PRELOAD = ["executor.job_host"]
JOB_CONTEXT.set_forkserver_preload(JOB_HOST_PRELOAD)


def serve_job_host(listener_fd: int, alive_r: int) -> None:
    """A job host started by a process other than the consumer it serves: in the embedded
    setup, forked from the web process's zygote by executor.supervisor, so that it shares
    the modules the web has loaded (pandas, NumPy, pyarrow, scikit-learn's base) instead of
    importing its own copy. multiprocessing's own forkserver loop, with the same preload;
    it ends when every process holding its "alive" pipe has gone."""
    from multiprocessing import forkserver

    forkserver.main(listener_fd, alive_r, JOB_HOST_PRELOAD)


def adopt_job_host(pid: int, address: str, alive_fd: int) -> None:
    """Make the job host another process started (its pid, its address and the write end
    of its alive pipe, inherited) this process's: start_job_host then shares it, as the
    workers share the one their consumer started."""
    from multiprocessing import forkserver

    server = forkserver._forkserver
    server._forkserver_address, server._forkserver_alive_fd, server._forkserver_pid = address, alive_fd, pid


def start_job_host() -> None:
    """Make sure this process has a job host (a Huey startup hook, and executor.consumer
    before it forks its workers) so its preload runs while the worker is idle, not when
    the first job arrives: the one its consumer started, shared by all its workers, or
    else one of its own (a consumer started as plain `huey_consumer`)."""
    from multiprocessing import forkserver

    _allow_children()
    if not _share_inherited_job_host():
        forkserver.ensure_running()


def _share_inherited_job_host() -> bool:
    """In a worker forked by a consumer that had started the job host (executor.consumer),
    use that host: one ML-preloaded forkserver for every worker instead of one each (213 MB
    of PSS apiece, measured). The worker inherited the host's address and its "alive" pipe;
    only multiprocessing's liveness check cannot work here, because it asks `waitpid`,
    which answers for one's own children only. That check is replaced, for this process,
    by one that asks the kernel whether the host's pid still runs, and that goes back to a
    host of this worker's own (the stock behaviour) if it is gone. False when there is no
    inherited host (or this Python's multiprocessing is laid out otherwise): start one."""
    from multiprocessing import forkserver, resource_tracker

    server = forkserver._forkserver
    pid = getattr(server, "_forkserver_pid", None)
    if pid is None or not hasattr(server, "_forkserver_address"):
        return False
    try:
        os.waitpid(pid, os.WNOHANG)
        return False  # our own child: the stock check works
    except ChildProcessError:
        pass
    stock = type(server).ensure_running

    def ensure_running() -> None:
        resource_tracker.ensure_running()
        if _pid_alive(pid):
            return
        log.warning("the shared job host (pid %s) is gone; this worker starts its own", pid)
        del server.ensure_running  # back to the stock check, on a fresh host of our own
        server._forkserver_pid = server._forkserver_address = None
        stock(server)

    if not _pid_alive(pid):
        server._forkserver_pid = server._forkserver_address = None
        return False
    server.ensure_running = ensure_running
    return True


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (its parent has not reaped it) is not a host
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def start_worker() -> None:
    """A Huey worker process starts (startup hook): it dies with its consumer (no orphan
    keeps polling the queue), says it is alive every few seconds, and warms its job host."""
    lifeline.die_with_parent(signal.SIGKILL)  # not Linux: the supervisor's process-group kill ends the tree
    _start_worker_beat()
    start_job_host()


_BEAT: dict = {}


def _start_worker_beat() -> None:
    store = open_store()
    worker_id = f"{socket.gethostname()}:{os.getpid()}"
    stop = threading.Event()

    def beat():
        from data import disk

        full = False
        while True:
            try:
                store.worker_beat(worker_id, socket.gethostname(), os.getpid())
                full = False
                retire_idle_job_process()
            except Exception as e:
                if not disk.is_disk_full(e, store.settings.home):
                    log.exception("worker heartbeat failed")
                elif not full:  # once, not every beat: the disk says so until it has room
                    full = True
                    log.warning("worker heartbeat: %s", disk.status(store.settings).get("notice") or e)
            if stop.wait(WORKER_BEAT_SECONDS):
                return

    threading.Thread(target=beat, name="worker-beat", daemon=True).start()
    _BEAT.update(id=worker_id, stop=stop, store=store)


def stop_worker() -> None:
    """Shutdown hook: stop beating, stop the idle job process, and leave the registry at once."""
    retire_idle_job_process(now=float("inf"))
    if _BEAT:
        _BEAT["stop"].set()
        try:
            _BEAT["store"].worker_gone(_BEAT["id"])
        except Exception:
            log.exception("could not deregister worker")


def _allow_children() -> None:
    # Huey starts its process workers as daemonic, and multiprocessing refuses children to
    # daemonic processes (they might be orphaned). Ours cannot be: every job child holds a
    # lifeline pipe to its worker and exits when the worker dies (executor.runner).
    me = multiprocessing.current_process()
    if me.daemon:
        me.daemon = False


class _JobProcess:
    """A process from the job forkserver that runs this worker's jobs one after another
    (executor.runner.serve). `lifeline` is a pipe whose write end only this worker holds:
    when the worker dies, even by SIGKILL, the process reads EOF and exits, so no orphan
    keeps training. A process that was stopped (cancel, time or memory limit, lost lease),
    died, or chose to leave is replaced by a fresh one for the next job; one left idle for
    JOB_PROCESS_IDLE_SECONDS is retired, so an idle app holds no job's memory."""

    def __init__(self, home: str):
        from executor import runner

        _allow_children()
        lifeline_r, self._lifeline = JOB_CONTEXT.Pipe(duplex=False)
        self._jobs, child_end = JOB_CONTEXT.Pipe()
        self.proc = JOB_CONTEXT.Process(target=runner.serve, args=(home, lifeline_r, child_end),
                                        name="job-process", daemon=True)
        self.proc.start()
        lifeline_r.close()
        child_end.close()
        self.pid = self.proc.pid
        self.idle_since: float | None = None  # None while a job runs
        self.reusable = True  # a fresh process, or one that said it runs another job after its last
        self.peak = 0  # the most memory above a job's start the supervisor saw it use (bytes)
        self._answer = None
        self._closed_by_child = False

    def run(self, job_id: str, attempt: int) -> None:
        self.idle_since, self.reusable, self._answer, self.peak = None, False, None, 0
        self._jobs.send((job_id, attempt))

    def poll(self):
        """None while the job runs; 0 once the process answered that it ended; else the
        process's exit code (negative: killed by that signal)."""
        if self._answer is None and not self._closed_by_child and self._jobs.poll():
            try:
                self._answer = self._jobs.recv()
            except (EOFError, OSError):  # it died: its end of the pipe closed
                self._closed_by_child = True
                self.proc.join(5)
        if self._answer is not None:
            self.reusable = bool(self._answer)
            return 0
        return self.proc.exitcode

    def wait(self, timeout: float | None = None):
        from multiprocessing.connection import wait

        if self.poll() is None:
            wait([self._jobs, self.proc.sentinel], timeout)
        code = self.poll()
        if code is None:
            raise subprocess.TimeoutExpired(f"job process {self.pid}", timeout)
        return code

    def terminate(self):
        if self.proc.exitcode is None:
            self.proc.terminate()

    def kill(self):
        if self.proc.exitcode is None:
            self.proc.kill()

    def close(self):
        """Stop the process (one still running a job that was taken away is killed)."""
        self._lifeline.close()
        self._jobs.close()
        if self.proc.exitcode is None:
            self.proc.kill()
            self.proc.join(5)
        if self.proc.exitcode is not None:
            self.proc.close()


_JOB_PROCESS: dict = {}  # this worker's job process, between its jobs
_JOB_PROCESS_LOCK = threading.Lock()


def _job_process(home: str) -> _JobProcess:
    """This worker's idle job process, or a fresh one from the job host (a worker serves
    one home folder, its settings', so a kept process always has the right one)."""
    with _JOB_PROCESS_LOCK:
        proc = _JOB_PROCESS.pop("proc", None)
    if proc is not None and (proc.proc.exitcode is not None or not _running(proc.pid)):
        proc.close()
        proc = None
    return proc or _JobProcess(home)


def _running(pid: int) -> bool:
    """Whether the process is there and not a zombie. A kept process killed from outside is
    a zombie until the job host reaps it, and multiprocessing knows its end (exitcode) only
    once the host has said so: a job sent to it then failed as if killed itself (seen in
    the suite: 'stopped from outside (signal 9) after using 0 MB')."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc here: exitcode is all there is to go by
        return True


def _keep_job_process(proc: _JobProcess) -> None:
    """After a job: keep the process for the next one if it said it runs another, else stop it."""
    if not proc.reusable or proc.proc.exitcode is not None:
        proc.close()
        return
    proc.idle_since = time.monotonic()
    with _JOB_PROCESS_LOCK:
        old, _JOB_PROCESS["proc"] = _JOB_PROCESS.get("proc"), proc
    if old is not None:
        old.close()


def retire_idle_job_process(now: float | None = None) -> bool:
    """Stop this worker's job process if it has waited for a job longer than
    JOB_PROCESS_IDLE_SECONDS (the worker's heartbeat asks). True when one was stopped."""
    now = time.monotonic() if now is None else now
    with _JOB_PROCESS_LOCK:
        proc = _JOB_PROCESS.get("proc")
        if proc is None or now - proc.idle_since < JOB_PROCESS_IDLE_SECONDS:
            return False
        del _JOB_PROCESS["proc"]
    proc.close()
    return True


def _supervise(store: Store, job_id: str, attempt: int, lease: Lease) -> None:
    job = store.get_job(job_id, with_nodes=False)
    limit = job.get("time_limit") or settings().job_time_limit
    memory = settings().job_memory_limit
    proc = _job_process(str(store.settings.home))
    reason = "not started"
    try:
        try:
            store.set_child_pid(job_id, attempt, proc.pid)
        except LeaseLost:  # cancelled (or re-queued) between the claim and the start: it is over
            return
        oom_before = oom_kills()
        try:
            proc.run(job_id, attempt)
        except OSError:  # the kept process died while it waited (killed from outside): a fresh one
            proc.close()
            proc = _JobProcess(str(store.settings.home))
            store.set_child_pid(job_id, attempt, proc.pid)
            proc.run(job_id, attempt)
        reason = "running"  # until _watch says how it stopped: an error in between stops the process
        reason = _watch(store, job_id, lease, proc, limit, memory)
        if reason == "lease lost":
            return  # the sweeper gave the job to a newer attempt, or it was finished: write nothing
        code = proc.wait()
    finally:
        if reason in (None, "not started"):  # it ended the job by itself, or never had it
            _keep_job_process(proc)
        else:
            proc.close()
    if reason == "cancelled":
        store.finish(job_id, attempt, "cancelled", event_payload={"message": "Cancelled."})
    elif reason == "memory":
        from executor.runner import fmt_bytes

        store.finish(job_id, attempt, "failed",
                     error=f"The job used more memory than its limit of {fmt_bytes(memory)} (PLAYGROUND_JOB_MEMORY_MB) "
                           "and was stopped. Other jobs and the app are not affected.")
    elif reason == "timeout":
        store.finish(job_id, attempt, "failed",
                     error=f"The job ran longer than the job time limit of {duration(limit)} "
                           "(PLAYGROUND_JOB_TIME_LIMIT) and was stopped.")
    elif code != 0:
        oom_after = oom_kills()
        store.finish(job_id, attempt, "failed", error=death_message(
            code, proc.peak, memory, oom_before is not None and oom_after is not None and oom_after > oom_before))
    else:
        # the child records its own end; if it could not (lease lost), nothing more to do
        row = store.get_job(job_id, with_nodes=False)
        if row and row["status"] == "running" and row["attempt"] == attempt:
            store.finish(job_id, attempt, "failed", error="The job ended without recording a result.")


CRASH_SIGNALS = {signal.SIGSEGV, signal.SIGBUS, signal.SIGFPE, signal.SIGILL, signal.SIGABRT}


def death_message(code: int, peak: int, limit: int, oom_killed: bool) -> str:
    """Why a job's process ended without recording its result, saying memory only when
    memory says so: the kernel's OOM killer acted while it ran (`oom_killed`) or its peak
    (`peak` bytes above what it started with) came within 10% of its `limit`, and it was
    killed (SIGKILL, what both the OOM killer and a hand send). A crash signal is a crash;
    any other signal came from outside."""
    from executor.runner import fmt_bytes

    after = "Other jobs and the app are not affected."
    if code >= 0:
        return f"The job's process exited with code {code} before recording its result. {after}"
    sig = -code
    try:
        name = f"signal {sig}, {signal.Signals(sig).name}"
    except ValueError:
        name = f"signal {sig}"
    used = f"{fmt_bytes(peak)} at most"
    if sig == signal.SIGKILL and oom_killed:
        return (f"The kernel's out-of-memory killer stopped the job's process ({name}): the machine ran out of memory "
                f"while the job used {used} (its limit is {fmt_bytes(limit)}, PLAYGROUND_JOB_MEMORY_MB). {after}")
    if sig == signal.SIGKILL and peak >= 0.9 * limit:
        return (f"The job's process was killed ({name}) when it had used {used}, near its memory limit of "
                f"{fmt_bytes(limit)} (PLAYGROUND_JOB_MEMORY_MB): most likely it ran out of memory. {after}")
    if sig in CRASH_SIGNALS:
        return f"The job's process crashed ({name}), in a library's native code, after using {used}. {after}"
    return (f"The job's process was stopped from outside ({name}) after using {used}; nothing says it ran out of "
            f"memory. {after}")


def oom_kills() -> int | None:
    """How many processes the kernel's out-of-memory killer has killed: in this process's
    cgroup (v2 memory.events, which counts every kind of OOM kill of its processes) when it
    can be read, else on the machine (/proc/vmstat); None when neither can be."""
    try:
        with open("/proc/self/cgroup") as f:
            group = next((line[3:].strip() for line in f if line.startswith("0::")), None)
        if group is not None:
            with open(Path("/sys/fs/cgroup", group.lstrip("/"), "memory.events")) as f:
                for line in f:
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
    except (OSError, ValueError):
        pass
    try:
        with open("/proc/vmstat") as f:
            for line in f:
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
    except (OSError, ValueError):
        pass
    return None


def private_memory(pid: int) -> int:
    """Resident memory of a process that is its own (not shared with the job host)."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            fields = f.read().split()
        return (int(fields[1]) - int(fields[2])) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def _watch(store: Store, job_id: str, lease: Lease, proc: _JobProcess, limit: float, memory: int) -> str | None:
    """Watch the child while it runs; stop it on cancel (after a grace period in which the
    run can stop by itself between folds and nodes), on the time limit, over its memory
    limit (the child's own RLIMIT_DATA usually stops it first, with a MemoryError in the
    node that allocated), or when this attempt lost the job. Returns why it stopped the
    child, None when the child ended by itself."""
    cancel_seen, started = None, time.monotonic()
    baseline = private_memory(proc.pid)  # the libraries it starts with (copied from its job host)
    while proc.poll() is None:
        try:
            proc.wait(0.1)
        except subprocess.TimeoutExpired:
            pass
        t = time.monotonic()
        used = private_memory(proc.pid) - baseline  # 0 once it is gone: its peak is kept
        proc.peak = max(proc.peak, used)
        if used > memory + 64 * 2**20:
            _stop(proc)
            return "memory"
        if lease.lost.is_set():
            _stop(proc)
            return "lease lost"
        if cancel_seen is None and store.cancel_requested(job_id):
            cancel_seen = t
        if cancel_seen is not None and t - cancel_seen > CANCEL_GRACE_SECONDS:
            _stop(proc)
            return "cancelled"
        if t - started > limit:
            _stop(proc)
            return "timeout"
    return None


def _stop(proc) -> None:
    proc.terminate()
    try:
        proc.wait(1.0)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5.0)


# --------------------------------------------------------------------------- sweeper
