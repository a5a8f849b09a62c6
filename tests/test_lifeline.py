"""data.lifeline, the one home of how the app's children end with their parent: each way
(Linux's parent-death signal, a thread watching the parent, a pipe's end) is tried with
real processes, the parent killed with SIGKILL so that none of its own clean-up runs."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# the middle process starts a grandchild that takes a lifeline, says the grandchild's pid,
# then waits to be killed
MIDDLE = r"""
import subprocess, sys, time
way = sys.argv[1]
child = '''
import os, sys, time
from multiprocessing.connection import Connection
from data import lifeline
way = sys.argv[1]
if way == "signal":
    assert lifeline.die_with_parent()
elif way == "watch":
    lifeline.exit_with_parent(poll=0.05)
else:
    lifeline.exit_on_eof(Connection(int(sys.argv[2]), writable=False))
print("ready", flush=True)
time.sleep(600)
'''
import os
r, w = os.pipe()
proc = subprocess.Popen([sys.executable, "-c", child, way, str(r)], pass_fds=(r,), stdout=subprocess.PIPE, text=True)
os.close(r)
assert proc.stdout.readline().strip() == "ready"
print(proc.pid, flush=True)
time.sleep(600)
"""


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
@pytest.mark.parametrize("way", ["signal", "watch", "pipe"])
def test_a_child_ends_when_its_parent_is_killed(way):
    middle = subprocess.Popen([sys.executable, "-c", MIDDLE, way], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        grandchild = int(middle.stdout.readline())
        assert alive(grandchild)  # the lifeline does not end a child whose parent lives
        middle.send_signal(signal.SIGKILL)
        middle.wait()
        deadline = time.monotonic() + 60  # a liveness bound, not a speed claim
        while alive(grandchild) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(grandchild)
    finally:
        middle.kill()
        middle.wait()


def test_stop_ends_a_child_that_ignores_the_polite_signal():
    from data import lifeline

    proc = subprocess.Popen([sys.executable, "-c", "import signal, time\n"
                             "signal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('ready', flush=True)\n"
                             "time.sleep(600)"], stdout=subprocess.PIPE, text=True, start_new_session=True)
    assert proc.stdout.readline().strip() == "ready"
    lifeline.stop(proc, 0.5, group=True, sig=signal.SIGTERM)
    assert proc.wait(10) == -signal.SIGKILL
