"""The SQLite queue wakes an idle worker when a task is put in (executor.queue), instead of
the worker polling: a waiting dequeue returns the task the moment another process (here
another storage object, as the web process is to the worker) enqueues it."""

from __future__ import annotations

import os
import threading
import time

from executor.queue import WakingSqliteStorage


def storage(tmp_path, **kw) -> WakingSqliteStorage:
    return WakingSqliteStorage("wake-test", filename=str(tmp_path / "q.db"), wake_dir=str(tmp_path / "wake"), **kw)


def test_an_enqueue_wakes_a_waiting_dequeue_long_before_its_timeout(tmp_path):
    worker, web = storage(tmp_path, read_timeout=30), storage(tmp_path)
    assert worker._listener() is not None  # its socket, bound as its first wait binds it
    got = {}

    def wait():
        t = time.monotonic()
        got["data"], got["waited"] = worker.dequeue(), time.monotonic() - t

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.3)  # the worker is waiting now (had it not bound yet, the byte waits in its socket)
    web.enqueue(b"task-1")
    waiter.join(25)
    assert got["data"] == b"task-1"
    assert got["waited"] < 15, "the worker was not woken: it waited for its timeout"


def test_a_dead_workers_socket_is_removed_and_a_long_home_falls_back_to_polling(tmp_path):
    wake = tmp_path / "wake"
    wake.mkdir()
    import socket

    stale = wake / "gone-1.sock"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(str(stale))
    s.close()  # bound once, nobody listens: what a killed worker leaves
    web = storage(tmp_path)
    web.enqueue(b"x")
    assert not stale.exists()
    assert web.dequeue() == b"x"

    deep = tmp_path / ("d" * 120)
    deep.mkdir()
    far = WakingSqliteStorage("wake-test", filename=str(deep / "q.db"), wake_dir=str(deep / "wake"), read_timeout=30)
    t = time.monotonic()
    assert far.dequeue() is None  # no socket can be bound at that path: it looks again soon instead
    assert time.monotonic() - t < 15
    assert far._listener() is None and not os.listdir(deep / "wake")
