"""The live stream of a job's events: one tailer per job, fanned out to every viewer.

The first viewer of a job starts its tailer: one task that reads the job's new event rows
from the DB when a job process rings (Bell, below) or every `poll` seconds, and keeps them in
order in memory. Every viewer (the
editor, a second tab, a hundred dashboards) follows that one list; nobody else reads the
DB for it. The tailer stops after the terminal event, or when nobody watches any more.

A viewer starts after a sequence number (Last-Event-ID or ?after=), gets every later event
exactly once, in order, a keep-alive comment when the job is quiet, and the end after the
terminal event. A `node_trial` event also carries `view`, the trial rendered for the run
panel (below). Frames are sse-starlette's `ServerSentEvent`s; the route
(`/api/v1/jobs/{job_id}/events`, below) sends them with its `EventSourceResponse`.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import time
import weakref

from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import Request

from components.search import live_trial
from data import doorbell
from data.store import TERMINAL, TERMINAL_EVENTS, Invalid, Store
from web.site import Routes, Site

routes = Routes()

POLL_SECONDS = 0.05
KEEPALIVE_SECONDS = 10.0
STATUS_EVERY_SECONDS = 1.0  # a quiet job's status is checked this often (a job deleted, or ended without its event)
RETRY_MS = 1500

_hubs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # event loop -> {(store, job id): tailer}
_reads = [0]  # every DB read of events by any tailer of this process


class Bell:
    """This process's ear for new events (one per event loop): the job processes ring
    `<home>/events-wake/` after each event they commit (data.doorbell), and a tailer waiting
    for rows wakes at once instead of at its next poll (on average half the 50 ms poll
    between a node starting and the page saying so). The poll stays, as the fallback."""

    def __init__(self, folder):
        self.loop = asyncio.get_running_loop()
        _count[0] += 1  # a short tag: a socket's address holds 108 bytes in all
        self.sock = doorbell.listen(folder, tag=f"-{_count[0]}")
        self.rings = 0  # rings heard so far: a tailer compares it before and after a read
        self._waiters: set = set()
        if self.sock is not None:
            self.loop.add_reader(self.sock.fileno(), self._rang)

    def _rang(self) -> None:
        doorbell.drain(self.sock)
        self.rings += 1
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait(self, since: int, timeout: float) -> None:
        """Until a ring after `since` (this many rings heard), or `timeout` seconds."""
        if self.rings != since:
            return
        if self.sock is None:
            await asyncio.sleep(timeout)
            return
        waiter = self.loop.create_future()
        self._waiters.add(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            pass
        finally:
            self._waiters.discard(waiter)


_bells: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # event loop -> {folder: Bell}
_count = [0]  # Bells made in this process


def bell_for(folder) -> Bell:
    bells = _bells.setdefault(asyncio.get_running_loop(), {})
    if folder not in bells:
        bells[folder] = Bell(folder)
    return bells[folder]


def stream_stats() -> dict:
    """Live tailers (one per watched job), their viewers, and the DB reads made so far."""
    tailers = [t for hub in list(_hubs.values()) for t in list(hub.values()) if not t.done]
    return {"tailers": len(tailers), "viewers": sum(t.viewers for t in tailers), "reads_total": _reads[0]}


def frame(**kw) -> ServerSentEvent:
    return ServerSentEvent(sep="\n", **kw)


class Tailer:
    """The one reader of one job's events in this process."""

    def __init__(self, store: Store, job_id: str, poll: float, hub: dict):
        self.store, self.job_id, self.poll, self.hub = store, job_id, poll, hub
        self.rows: list[dict] = []  # every event so far, in order
        self.seqs: list[int] = []
        self.done = False
        self.viewers = 0
        self.changed = asyncio.Condition()
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def _read(self, after: int) -> list:
        _reads[0] += 1
        return await asyncio.to_thread(self.store.events_after, self.job_id, after)

    async def _publish(self, rows: list) -> None:
        rows = [_with_view(r) for r in rows]
        self.rows.extend(rows)
        self.seqs.extend(r["seq"] for r in rows)
        async with self.changed:
            self.changed.notify_all()

    async def _run(self) -> None:
        last, quiet_since = 0, time.monotonic()
        bell = bell_for(self.store.events_wake_dir)
        try:
            while True:
                heard = bell.rings
                rows = await self._read(last)
                if rows:
                    await self._publish(rows)
                    last, quiet_since = rows[-1]["seq"], time.monotonic()
                    if any(r["type"] in TERMINAL_EVENTS for r in rows):
                        return
                    continue
                if self.viewers == 0:
                    return  # nobody watches: the next viewer starts a new tailer
                if time.monotonic() - quiet_since >= STATUS_EVERY_SECONDS:
                    quiet_since = time.monotonic()
                    job = await asyncio.to_thread(self.store.get_job, self.job_id, False)
                    if job is None or job["status"] in TERMINAL:
                        rows = await self._read(last)  # the end may have landed meanwhile
                        if rows:
                            await self._publish(rows)
                            last = rows[-1]["seq"]
                            continue
                        return
                await bell.wait(heard, self.poll)
        finally:
            self.done = True
            if self.hub.get((id(self.store), self.job_id)) is self:
                del self.hub[(id(self.store), self.job_id)]
            async with self.changed:
                self.changed.notify_all()


def _with_view(row: dict) -> dict:
    """A `node_trial` event gains `view`, the trial as the run panel shows it (its table row,
    its numbers as written): the page appends it instead of fetching every trial again.
    Rendered once per event here, whatever the number of viewers."""
    if row["type"] != "node_trial":
        return row
    data = json.loads(row["data"])
    return {**row, "data": json.dumps({**data, "view": live_trial(data)})}


def tailer_for(store: Store, job_id: str, poll: float = POLL_SECONDS) -> Tailer:
    hub = _hubs.setdefault(asyncio.get_running_loop(), {})
    tailer = hub.get((id(store), job_id))
    if tailer is None or tailer.done:
        tailer = hub[(id(store), job_id)] = Tailer(store, job_id, poll, hub)
    return tailer


async def job_events(store: Store, job_id: str, after: int = 0, poll: float = POLL_SECONDS,
                     keepalive: float = KEEPALIVE_SECONDS):
    """One viewer's frames: every event after `after`, then the end."""
    yield frame(retry=RETRY_MS)
    tailer = tailer_for(store, job_id, poll)
    tailer.viewers += 1
    try:
        i = 0
        quiet_since = time.monotonic()
        while True:
            if i == 0 and tailer.seqs:  # a fresh tailer may have read nothing yet
                i = bisect.bisect_right(tailer.seqs, after)
            while i < len(tailer.rows):
                r = tailer.rows[i]
                i += 1
                if r["seq"] <= after:
                    continue
                yield frame(id=str(r["seq"]), event=r["type"], data=r["data"])
                quiet_since = time.monotonic()
                if r["type"] in TERMINAL_EVENTS:
                    return
            if tailer.done:
                if i >= len(tailer.rows):
                    return
                continue
            async with tailer.changed:
                if i >= len(tailer.rows) and not tailer.done:
                    wait = max(0.001, keepalive - (time.monotonic() - quiet_since))
                    try:
                        await asyncio.wait_for(tailer.changed.wait(), wait)
                    except TimeoutError:
                        pass
            if i >= len(tailer.rows) and time.monotonic() - quiet_since >= keepalive:
                yield frame(comment="keep-alive")
                quiet_since = time.monotonic()
    finally:
        tailer.viewers -= 1


SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Connection": "keep-alive"}


def after_arg(request: Request) -> int:
    """Where a viewer starts: Last-Event-ID, or ?after=, a whole number of at most 18 digits."""
    raw = request.headers.get("last-event-id") or request.query_params.get("after") or "0"
    try:
        after = max(0, int(raw)) if len(raw) <= 18 else None
    except ValueError:
        after = None
    if after is None:  # checked before the stream starts: a 200 cannot be taken back
        raise Invalid("Last-Event-ID / after must be a whole number of at most 18 digits.", status=400)
    return after


@routes("/api/v1/jobs/{job_id}/events")
def api_job_events(site: Site, request: Request, job_id: str):
    site.store.require_job(job_id)
    after = after_arg(request)
    # sse-starlette's response: it sends our frames and notices a viewer that went away; the
    # keep-alive comments are the stream's own (above), so its ping is off
    return EventSourceResponse(job_events(site.store, job_id, after), headers=SSE_HEADERS, ping=24 * 3600, sep="\n")
