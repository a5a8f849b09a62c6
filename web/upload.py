"""Receiving an upload without holding it: the multipart body is parsed as it streams in
(python-multipart's streaming parser), the file part written straight to a file next to the
datasets, and refused as soon as it passes the size limit. The
framework's own form parsing (which spools the whole body to a temporary file first, then
our code copies it) is bypassed: one pass over the bytes instead of three."""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from python_multipart.multipart import MultipartParser, parse_options_header

from web.errors import BadRequest

FLUSH = 4 << 20  # bytes gathered before a write (in a thread, off the event loop)


@dataclass
class Received:
    path: str
    filename: str
    size: int
    sha256: str  # of the file's bytes, computed as they arrived: the dataset's id, without reading the file again


async def receive_upload(request, dest_dir: Path, max_bytes: int, field: str = "file") -> Received:
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data":
        raise BadRequest("Send the file as multipart/form-data in a field named 'file'.")
    boundary = params.get(b"boundary")
    if not boundary:
        raise BadRequest("The form data cannot be read (no boundary).")
    fd, path = tempfile.mkstemp(dir=dest_dir, prefix=".upload-raw-")
    out = os.fdopen(fd, "wb")
    hasher = hashlib.sha256()

    def write(data: bytes) -> None:  # in a thread: both release the GIL on large buffers
        hasher.update(data)
        out.write(data)
    state = {"headers": {}, "field": b"", "value": b"", "in_file": False, "found": False, "filename": "",
             "size": 0, "buffer": bytearray(), "error": None}

    def on_header_field(data, start, end):
        state["field"] += data[start:end]

    def on_header_value(data, start, end):
        state["value"] += data[start:end]

    def on_header_end():
        state["headers"][state["field"].lower()] = state["value"]
        state["field"], state["value"] = b"", b""

    def on_headers_finished():
        _, disp = parse_options_header(state["headers"].get(b"content-disposition", b""))
        is_file = disp.get(b"name", b"").decode("utf-8", "replace") == field and b"filename" in disp
        state["in_file"] = is_file and not state["found"]
        if state["in_file"]:
            state["found"] = True
            state["filename"] = disp[b"filename"].decode("utf-8", "replace")

    def on_part_data(data, start, end):
        if state["in_file"]:
            chunk = data[start:end]
            state["size"] += len(chunk)
            if state["size"] > max_bytes:
                state["error"] = (f"The file is over the limit of {max_bytes / 2**20:.0f} MB "
                                  "(PLAYGROUND_MAX_UPLOAD_MB).")
                state["in_file"] = False
                return
            state["buffer"] += chunk

    def on_part_end():
        state["in_file"] = False
        state["headers"] = {}

    parser = MultipartParser(boundary, callbacks={
        "on_header_field": on_header_field, "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished, "on_part_data": on_part_data, "on_part_end": on_part_end})
    try:
        async for chunk in request.stream():
            try:
                parser.write(chunk)
            except Exception:
                raise BadRequest("The form data cannot be read (malformed multipart).") from None
            if state["error"]:
                raise BadRequest(state["error"], status=413)
            if len(state["buffer"]) >= FLUSH:
                data, state["buffer"] = bytes(state["buffer"]), bytearray()
                await asyncio.to_thread(write, data)
        try:
            parser.finalize()
        except Exception:
            raise BadRequest("The form data cannot be read (it ends early).") from None
        if state["error"]:
            raise BadRequest(state["error"], status=413)
        if not state["found"]:
            raise BadRequest(f"Attach the file in a form field named {field!r}.")
        if state["buffer"]:
            await asyncio.to_thread(write, bytes(state["buffer"]))
        out.close()
    except BaseException as e:
        out.close()
        Path(path).unlink(missing_ok=True)
        if isinstance(e, OSError):  # a full disk, say: how much had arrived tells the room it needs
            e.received = state["size"]
        raise
    return Received(path, state["filename"], state["size"], hasher.hexdigest())
