"""The SSE stream of a job's events, replayed from the DB.

Yields text frames: `id: <seq>`, `event: <type>`, `data: <json>`. Starts after the given
sequence number (Last-Event-ID or ?after=), tails new rows, sends a keep-alive comment when
quiet, and ends after the terminal event. A client that reconnects with the last id it saw
gets every later event exactly once, in order.
"""

from __future__ import annotations

import asyncio
import time

from data.store import TERMINAL, TERMINAL_EVENTS, Store

POLL_SECONDS = 0.15
KEEPALIVE_SECONDS = 10.0


async def job_events(store: Store, job_id: str, after: int = 0, poll: float = POLL_SECONDS,
                     keepalive: float = KEEPALIVE_SECONDS):
    last, quiet_since = after, time.monotonic()
    yield "retry: 1500\n\n"
    while True:
        rows = await asyncio.to_thread(store.events_after, job_id, last)
        for r in rows:
            yield f"id: {r['seq']}\nevent: {r['type']}\ndata: {r['data']}\n\n"
            last = r["seq"]
            if r["type"] in TERMINAL_EVENTS:
                return
        if rows:
            quiet_since = time.monotonic()
            continue
        job = await asyncio.to_thread(store.get_job, job_id, False)
        if job is None or job["status"] in TERMINAL:
            # nothing after `last` and the job is over: the client already has the end
            more = await asyncio.to_thread(store.events_after, job_id, last)
            if not more:
                return
            continue
        if time.monotonic() - quiet_since >= keepalive:
            yield ": keep-alive\n\n"
            quiet_since = time.monotonic()
        await asyncio.sleep(poll)
