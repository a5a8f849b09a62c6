"""The Huey instance: a SQLite file in the home folder by default, Redis when
PLAYGROUND_REDIS_URL is set (several worker hosts). Results are not stored by Huey: the app
keeps its own job state in its DB."""

from __future__ import annotations

import os
import select
import socket
from pathlib import Path

from huey import RedisHuey, SqliteHuey
from huey.storage import SqliteStorage

from data import doorbell
from data.config import settings


class WakingSqliteStorage(SqliteStorage):
    """Huey's SQLite queue, woken when a task is put in instead of polled: an idle worker
    waits on a Unix datagram socket of its own in `<home>/queue-wake/`, and `enqueue` sends
    one byte to every socket there (huey's Postgres storage does the same with LISTEN /
    NOTIFY; SQLite has nothing like it). Polling every 50-200 ms put 60-100 ms between a
    POST and the job's start; a wake-up takes well under a millisecond. A worker also looks
    every `read_timeout` seconds whatever happens, so a lost wake-up (a worker that had
    not yet bound its socket) costs at most that; a home path too long for a socket
    address falls back to looking every `FALLBACK_SECONDS`."""

    blocking = True  # huey's worker loop calls dequeue again at once instead of sleeping
    FALLBACK_SECONDS = 0.05

    def __init__(self, *args, wake_dir: str, read_timeout: float = 0.5, **kwargs):
        super().__init__(*args, **kwargs)
        self.wake_dir = Path(wake_dir)
        self.read_timeout = read_timeout
        self._sock: socket.socket | None = None
        self._sock_pid = None

    def enqueue(self, data, priority=None):
        super().enqueue(data, priority)
        self.wake()

    def wake(self) -> None:
        doorbell.ring(self.wake_dir)

    def dequeue(self):
        data = super().dequeue()
        if data is not None:
            return data
        sock = self._listener()
        if sock is None:
            select.select([], [], [], self.FALLBACK_SECONDS)
        elif select.select([sock], [], [], self.read_timeout)[0]:
            doorbell.drain(sock)
        return super().dequeue()

    def _listener(self) -> socket.socket | None:
        if self._sock_pid != os.getpid():  # a forked child binds its own
            self._sock_pid, self._sock = os.getpid(), doorbell.listen(self.wake_dir)
        return self._sock


class PlaygroundSqliteHuey(SqliteHuey):
    storage_class = WakingSqliteStorage


def make_huey():
    cfg = settings().ensure()
    if cfg.redis_url:
        return RedisHuey("playground", url=cfg.redis_url, results=False)
    return PlaygroundSqliteHuey("playground", filename=str(cfg.huey_path), results=False, timeout=30,
                                wake_dir=str(cfg.home / "queue-wake"))


huey = make_huey()


def task_ids(queue=None) -> set[str]:
    """The ids of the tasks waiting in `queue` (this process's by default), in its queue or
    its schedule, on either backend (a SQLite table, a Redis list): what the sweeper compares
    queued jobs with. Read as Huey's messages, so any task is read whatever its name."""
    queue = queue or huey
    items = [*queue.storage.enqueued_items(), *queue.storage.scheduled_items()]
    return {queue.serializer.deserialize(data).id for data in items}

# The consumer flags that make a queued job start within a fraction of a second (measured:
# 60 ms median with -d 0.05 -m 0.2; the defaults gave 0.5 s and up to 6 s after idling).
CONSUMER_FLAGS = ["-k", "process", "-d", "0.05", "-m", "0.2", "-b", "1.1", "-c", "2"]
