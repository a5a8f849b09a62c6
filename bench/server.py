"""The app under test for every benchmark: `python app.py` in a fresh home folder on a free
port, started, waited for, and stopped however the benchmark ends."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def multipart(name: str, data: bytes, content_type: str = "text/csv") -> tuple[bytes, str]:
    """A one-file form (field `file`, as the upload form sends it): (body, its Content-Type)."""
    import uuid

    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: {content_type}\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def upload(base: str, name: str, data: bytes, timeout: float = 120) -> tuple[int, dict]:
    """POST a file to /api/v1/datasets as the API takes it: (status, the answer's JSON)."""
    import json

    body, ctype = multipart(name, data)
    req = urllib.request.Request(f"{base}/api/v1/datasets", data=body, method="POST",
                                 headers={"Content-Type": ctype})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, json.loads(r.read())


@dataclass
class RunningApp:
    base: str  # http://127.0.0.1:PORT
    pid: int
    home: str


@contextmanager
def running_app(*flags: str, env: dict | None = None, cwd=ROOT, ready=None, timeout: float = 60):
    """`ready(base) -> bool` says when it may be used (default: it answers the API)."""
    home = tempfile.mkdtemp(prefix="playground-bench-")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), *flags], cwd=cwd,
                            env={**os.environ, "PLAYGROUND_HOME": home, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    app = RunningApp(f"http://127.0.0.1:{port}", proc.pid, home)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if ready(app.base) if ready else urllib.request.urlopen(f"{app.base}/api/v1/node-types", timeout=1):
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"the app did not start within {timeout:g} s")
            time.sleep(0.2)
        yield app
    finally:
        proc.terminate()
        proc.wait(20)
