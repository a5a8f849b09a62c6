"""The disk that holds the home folder: how much room it has, what running out of it looks
like, and the one sentence that says so.

A full disk shows up in several costumes: `OSError` ENOSPC (or EDQUOT, a quota) from a file
write, SQLite's SQLITE_FULL ("database or disk is full"), and SQLite's "disk I/O error"
when the shared-memory file of a WAL database cannot be grown (the app could not start with
0 bytes free). `is_disk_full` knows them all; "disk I/O error" counts only when the disk
really has (almost) no room, since it can mean a failing disk too. Every write path turns
them into `DiskFull`, whose sentence names the disk (the home folder, PLAYGROUND_HOME) and
the free space needed; the web answers it with 507 Insufficient Storage, never a 500.

Runs and uploads are refused up front when less than PLAYGROUND_MIN_FREE_MB would be left,
so a job does not start into a full disk; smaller writes (a workflow's save) go ahead
until the disk itself refuses them.

`keep_reserve` keeps a small file (RESERVE_BYTES) in the home folder while there is room.
When the disk fills up and the database cannot even be opened (SQLite needs a few pages
for its shared-memory and log files), or a job's end cannot be recorded, that room is given
back (`release_reserve`, `with_room`): the app starts and says the disk is full, the job
fails saying so, and the user can delete datasets to free space.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger("playground.disk")
FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
SQLITE_FULL = 13
SQLITE_IOERR = 10
NEARLY_NOTHING = 1 * 2**20  # "disk I/O error" means a full disk when less than this is free
RESERVE_NAME = ".space-reserve"
RESERVE_BYTES = 4 * 2**20
ADVICE = ("delete datasets you no longer need (the Datasets page) or other files on that disk, or move "
          "PLAYGROUND_HOME to a disk with room.")


def free_bytes(path: str | Path) -> int:
    """Bytes an unprivileged process may still write on the disk holding `path`."""
    try:
        st = os.statvfs(path)
    except OSError:
        return 0
    return st.f_bavail * st.f_frsize


def fmt(n: int) -> str:
    """Bytes as people read them: '0 bytes', '512 KB', '12 MB', '1.5 GB'."""
    n = max(0, int(n))
    if n < 1024:
        return f"{n} bytes"
    if n < 2**20:
        return f"{n / 1024:.0f} KB"
    if n < 2**30:
        return f"{n / 2**20:.0f} MB" if n >= 10 * 2**20 else f"{n / 2**20:.1f} MB".replace(".0 MB", " MB")
    return f"{n / 2**30:.1f} GB"


class DiskFull(Exception):
    """A write refused because the home folder's disk has no room; `detail` is the
    sentence (naming the disk and the free space needed), `status` 507."""

    status = 507

    def __init__(self, detail: str, free: int, needed: int):
        super().__init__(detail)
        self.detail, self.free, self.needed = detail, free, needed


def where(home: str | Path) -> str:
    return f"the disk of the home folder (PLAYGROUND_HOME: {home})"


def failed(cfg, what: str, needed: int = 0, outcome: str = "could not be saved", at_least: bool = False) -> DiskFull:
    """What a write the disk refused says: `what` could not be saved, the disk is full,
    and how much to free: what the write needs (`needed` bytes, when known) besides the
    PLAYGROUND_MIN_FREE_MB kept free."""
    free = free_bytes(cfg.home)
    total = needed + cfg.min_free_bytes
    head = f"{_capital(what)} {outcome}: {where(cfg.home)} is full ({fmt(free)} free)."
    if needed:
        head += f" It needs {'at least' if at_least else 'about'} {fmt(needed)} there" + (
            f", besides the {fmt(cfg.min_free_bytes)} kept free (PLAYGROUND_MIN_FREE_MB)." if cfg.min_free_bytes else ".")
        amount = f"Free at least {fmt(total - free)} there" if total > free else "Free more space there"
    else:
        amount = (f"Free at least {fmt(total - free)} there (PLAYGROUND_MIN_FREE_MB is {fmt(cfg.min_free_bytes)})"
                  if total > free else "Free more space there")
    return DiskFull(f"{head} {amount}: " + ADVICE, free, total)


def require_free(cfg, what: str, needed: int = 0) -> None:
    """Refuse `what` up front (DiskFull) unless the disk has room for `needed` bytes and
    still keeps PLAYGROUND_MIN_FREE_MB free."""
    free = free_bytes(cfg.home)
    total = needed + cfg.min_free_bytes
    if free >= total:
        return
    if needed:
        kept = f", besides the {fmt(cfg.min_free_bytes)} kept free (PLAYGROUND_MIN_FREE_MB)" \
            if cfg.min_free_bytes else ""
        head = f"{_capital(what)} needs about {fmt(needed)} on {where(cfg.home)}{kept}, and it has {fmt(free)} free."
    else:
        head = (f"{_capital(what)} needs {fmt(cfg.min_free_bytes)} free (PLAYGROUND_MIN_FREE_MB) on "
                f"{where(cfg.home)}, which has {fmt(free)}.")
    raise DiskFull(f"{head} Free at least {fmt(total - free)} there: " + ADVICE, free, total)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def is_disk_full(exc: BaseException | None, home: str | Path | None = None) -> bool:
    """Whether `exc` (or what it was raised from) is a write the disk had no room for."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, DiskFull):
            return True
        if isinstance(exc, OSError) and (exc.errno in FULL_ERRNOS or "No space left on device" in str(exc)):
            return True
        if isinstance(exc, sqlite3.Error):
            code = getattr(exc, "sqlite_errorcode", None)
            text = str(exc).lower()
            if code == SQLITE_FULL or "database or disk is full" in text:
                return True
            io_error = (code is not None and code & 0xFF == SQLITE_IOERR) or "disk i/o error" in text
            if io_error and home is not None and free_bytes(home) < NEARLY_NOTHING:
                return True
        exc = exc.__cause__ or exc.__context__
    return False


@contextmanager
def translated(cfg, what: str, needed: int = 0):
    """Inside, a write the disk refuses raises DiskFull with its sentence; anything else
    passes through."""
    try:
        yield
    except DiskFull:
        raise
    except Exception as e:
        if is_disk_full(e, cfg.home):
            raise failed(cfg, what, needed) from e
        raise


def status(cfg) -> dict:
    """The disk as /api/v1/health and the pages' banner say it: its free bytes, the
    minimum kept free, whether it is full (less than that), and then a sentence."""
    free = free_bytes(cfg.home)
    out = {"home": str(cfg.home), "free_bytes": free, "min_free_bytes": cfg.min_free_bytes,
           "full": free < max(cfg.min_free_bytes, 1)}
    if out["full"]:
        out["notice"] = (f"The disk of the home folder is full: {fmt(free)} free (PLAYGROUND_HOME: {cfg.home}), "
                         f"less than the {fmt(cfg.min_free_bytes)} kept free (PLAYGROUND_MIN_FREE_MB). Runs and "
                         "uploads are refused until there is room: " + ADVICE)
    return out


# --------------------------------------------------------------------------- the reserve
def reserve_path(cfg) -> Path:
    return Path(cfg.home) / RESERVE_NAME


def keep_reserve(cfg) -> bool:
    """Set RESERVE_BYTES aside in the home folder while the disk has room to spare (more
    than the minimum kept free and the reserve). True when the reserve is in place."""
    path = reserve_path(cfg)
    try:
        if path.exists() and path.stat().st_size >= RESERVE_BYTES:
            return True
        if free_bytes(cfg.home) < cfg.min_free_bytes + 2 * RESERVE_BYTES:
            return False
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            os.posix_fallocate(fd, 0, RESERVE_BYTES)  # blocks, not a sparse promise
        finally:
            os.close(fd)
        return True
    except OSError:
        path.unlink(missing_ok=True)
        return False


def with_room(cfg, write):
    """`write()`, and when the disk refuses it, once more after giving the reserve back:
    what must be recorded (a job that failed because the disk filled up) gets the room."""
    try:
        return write()
    except Exception as e:
        if not (is_disk_full(e, cfg.home) and release_reserve(cfg)):
            raise
        log.warning("The disk of the home folder is full: the room set aside for recording this (%s) was released.",
                    fmt(RESERVE_BYTES))
    return write()


def release_reserve(cfg) -> bool:
    """Give the reserve's room back to the disk. True when there was one."""
    path = reserve_path(cfg)
    try:
        path.unlink()
        return True
    except OSError:
        return False
