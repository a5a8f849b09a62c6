"""Wake-ups between the app's processes on one machine: a folder of Unix datagram sockets,
one per listening process (`<host>-<pid>.sock`); `ring` sends one byte to each. SQLite has
no LISTEN / NOTIFY, so without this a reader polls. Used by the queue (a task put in wakes
an idle worker: executor.queue) and by the events (an event written wakes the web process's
live streams: web.events).

A ring is a hint, never the data: a listener reads the database after it, and keeps a
fallback poll, so a lost ring (a listener not yet bound, a full buffer, another machine)
only costs that poll. A folder path too long for a socket address (108 bytes) binds nothing
and the listener polls."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path


def ring(folder: Path) -> None:
    """One byte to every socket in `folder` (none there: nothing to do)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    if not names:
        return
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as out:
        out.setblocking(False)
        for name in names:
            path = folder / name
            try:
                out.sendto(b"1", str(path))
            except (ConnectionRefusedError, FileNotFoundError):  # its process is gone
                unlink(path)
            except OSError:  # a full buffer is already a wake-up; a long path never bound
                pass


def listen(folder: Path, tag: str = "") -> socket.socket | None:
    """This process's non-blocking socket in `folder` (`tag`: one of several in a process),
    bound now; None when it cannot be (the caller polls)."""
    path = folder / f"{socket.gethostname()}-{os.getpid()}{tag}.sock"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        unlink(path)  # left by a dead process with this pid
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(str(path))
        sock.setblocking(False)
        return sock
    except OSError:  # e.g. a home path longer than a socket address allows
        return None


def drain(sock: socket.socket) -> None:
    """Read every ring waiting on `sock`: several rings are one wake-up."""
    while True:
        try:
            sock.recv(64)
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                return
            raise


def unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
