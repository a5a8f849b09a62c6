"""The Huey instance: a SQLite file in the home folder by default, Redis when
PLAYGROUND_REDIS_URL is set (several worker hosts). Results are not stored by Huey: the app
keeps its own job state in its DB."""

from __future__ import annotations

from huey import RedisHuey, SqliteHuey

from data.config import settings


def make_huey():
    cfg = settings().ensure()
    if cfg.redis_url:
        return RedisHuey("playground", url=cfg.redis_url, results=False)
    return SqliteHuey("playground", filename=str(cfg.huey_path), results=False, timeout=30)


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
