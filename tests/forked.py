"""`python -I script.py args` in a fresh process, without paying the libraries' imports each time.

The exits' tests run a bundle's predict.py on a few rows a hundred times; a fresh interpreter
spends about 2 s of each run importing pandas, scikit-learn and skops (most of the suite's
time in tests/test_exits_agree.py). Here one interpreter, started as predict.py is (`-I`, an
environment without PYTHON* variables, an empty folder), imports those libraries and
nothing of the project, then forks a child per run: the child changes to the script's folder,
takes its arguments, runs the script as `__main__` with its output in files, and exits with
the script's code. Each run is a new process whose only state is the libraries' modules, as
loaded by any interpreter; the project is not on its path (the script puts its own folder
there, as predict.py does). The tests that prove a bundle runs in a new interpreter of its
own (tests/test_bundle.py's done-when tests) still start one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

# the child of each run: stdin from /dev/null, stdout and stderr into the files it is given
_SERVER = r"""
import json, os, runpy, signal, sys, time, traceback
import numpy, pandas, sklearn, sklearn.pipeline, sklearn.ensemble, sklearn.linear_model, skops.io  # noqa
try:
    import charset_normalizer  # noqa
except ImportError:
    pass
for line in sys.stdin:
    folder, argv, out_path, err_path, timeout = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            for fd, path in ((1, out_path), (2, err_path)):
                os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), fd)
            os.chdir(folder)
            sys.argv = list(argv)
            try:
                runpy.run_path(os.path.join(folder, argv[0]), run_name="__main__")
                code = 0
            except SystemExit as e:
                if e.code is None:
                    code = 0
                elif isinstance(e.code, int):
                    code = e.code
                else:
                    print(e.code, file=sys.stderr)
                    code = 1
            except BaseException:
                traceback.print_exc()
                code = 1
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except BaseException:  # a closed pipe, as a script piped into head sees
                    pass
        finally:
            os._exit(code)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            code = "timeout"
            break
        time.sleep(0.002)
    print(json.dumps(code), flush=True)
"""

_lock = threading.Lock()
_server: dict = {}


def _env() -> dict:
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}


def _started() -> subprocess.Popen:
    proc = _server.get("proc")
    if proc is None or proc.poll() is not None:
        home = tempfile.mkdtemp(prefix="forked-python-")
        proc = _server["proc"] = subprocess.Popen([sys.executable, "-I", "-c", _SERVER], cwd=home, env=_env(),
                                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    return proc


def run(folder: Path, argv: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -I argv[0] argv[1:]` run from `folder`, as subprocess.run(..., capture_output=True,
    text=True) answers it."""
    folder = Path(folder).resolve()
    with _lock, tempfile.TemporaryDirectory(prefix="forked-run-") as out:
        proc = _started()
        out_path, err_path = Path(out) / "stdout", Path(out) / "stderr"
        proc.stdin.write(json.dumps([str(folder), [str(a) for a in argv], str(out_path), str(err_path),
                                     timeout]) + "\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        assert line, "the forking interpreter ended (its error is above)"
        code = json.loads(line)
        if code == "timeout":
            raise subprocess.TimeoutExpired(argv, timeout)
        return subprocess.CompletedProcess(["python", "-I", *argv], code, out_path.read_text(),
                                           err_path.read_text())
