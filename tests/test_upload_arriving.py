"""A large CSV/TSV upload is parsed while it is still arriving (data.ingest.Arriving): the
helper follows the growing file, and the web process tells it the end (size and hash) or
that the upload was given up. Receiving (0.5 s for 1M rows) and parsing (0.7 s) used to run
one after the other.

Checked with a real helper process on a class of files, each written in pieces while the
helper reads: whatever the helper makes of a file read as it arrives must be exactly what it
makes of the same file read whole (table, profile, charts, notices, refusals), including the
files that send the reader back to the start (an encoding that shows late, a quoted line
break, a ragged line near the end)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from bench.upload import make_csv
from tests.conftest import free_port, stop, wait_for
from tests.test_uploads import _up

ROOT = Path(__file__).resolve().parent.parent
PIECE = 256 << 10


def _european(path: Path) -> None:
    """cp1252, semicolons, euro amounts with decimal commas, percentages, day-first dates,
    '-' and 'n/a' for gaps."""
    lines = ["Kunde;Betrag;Rabatt;Datum;Status"]
    for i in range(40_000):
        amount = "-" if i % 97 == 0 else f"{1000 + i * 7 % 90_000:,}".replace(",", ".") + f",{i % 100:02d} €"
        lines.append(f"Müller {i};{amount};{i % 40}%;{1 + i % 28:02d}.{1 + i % 12:02d}.2024;"
                     f"{'n/a' if i % 53 == 0 else ('Ja' if i % 5 else 'Nein')}")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))


def _late_latin1(path: Path) -> None:
    """UTF-8-clean for its first megabytes, then a Latin-1 byte: the whole file is re-read."""
    body = "".join(f"{i},name {i},{i * 0.5}\n" for i in range(150_000))
    path.write_bytes(("id,name,value\n" + body).encode() + "150000,Zoë,1.5\n".encode("latin-1"))


def _late_line_break(path: Path) -> None:
    """A quoted value with a line break near the end: the parallel parse gives way to the careful one."""
    body = "".join(f"{i},plain {i},{i % 3}\n" for i in range(150_000))
    path.write_bytes(("id,note,k\n" + body + '150000,"two\nlines",1\n').encode())


def _late_float(path: Path) -> None:
    """Whole numbers for megabytes, then one decimal: the column is a float column, as read whole."""
    body = "".join(f"{i},{i % 1000}\n" for i in range(300_000))
    path.write_bytes(("a,b\n" + body + "7,2.5\n").encode())


def _ragged_end(path: Path) -> None:
    body = "".join(f"{i},{i % 10},x\n" for i in range(200_000))
    path.write_bytes(("a,b,c\n" + body + "1,2,3,4\n").encode())


def _bench_table(path: Path) -> None:
    make_csv(60_000, path)


def _tsv(path: Path) -> None:
    body = "".join(f"{i}\t{i % 17},{i % 10}\t{'a' if i % 2 else 'b'}\n" for i in range(120_000))
    path.write_bytes(("id\tamount\tkind\n" + body).encode())


FILES = {"bench.csv": _bench_table, "european.csv": _european, "late-latin1.csv": _late_latin1,
         "late-break.csv": _late_line_break, "late-float.csv": _late_float, "ragged.csv": _ragged_end,
         "decimal-comma.tsv": _tsv}


@pytest.fixture(scope="module")
def helper():
    from data.ingest import IngestService

    service = IngestService()
    service.warm()
    yield service
    service.close()


def _open_by(pid: int, path: Path) -> bool:
    """Whether process `pid` has `path` open (it is reading it)."""
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}") == str(path) for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False


def _arrive(helper, raw: bytes, dest: Path, name: str, out: Path, end: str = "finish"):
    """Write `raw` to `dest` as an upload would: a first piece, the helper begun on it, and
    (once the helper has the file open) the rest in pieces; then ended as `end` says."""
    from data.ingest import Limits

    with open(dest, "wb") as f:
        f.write(raw[:PIECE])
        f.flush()
        started = helper.begin(src=str(dest), expected=len(raw), filename=name, dest_dir=str(out),
                               limits=Limits(max_bytes=2**30))
        assert started is not None
        # the helper reads the file before the rest of it is there
        assert wait_for(lambda: _open_by(helper._proc.pid, dest), 30), "the helper never opened the arriving file"
        sent = PIECE
        while sent < len(raw) * (1 if end == "finish" else 0.5):
            f.write(raw[sent:sent + PIECE])
            f.flush()
            sent += PIECE
            time.sleep(0.002)
    if end == "abort":
        return started.abort()
    return started.finish(len(raw), hashlib.sha256(raw).hexdigest())


def _outcome(call):
    from data.datasets import DatasetError

    try:
        return call()
    except DatasetError as e:
        return str(e)


@pytest.mark.parametrize("name", list(FILES))
def test_a_file_read_as_it_arrives_is_read_exactly_as_the_whole_file(helper, tmp_path, name):
    from data.ingest import Limits

    whole = tmp_path / f"whole-{name}"
    FILES[name](whole)
    raw = whole.read_bytes()
    assert len(raw) > 4 * PIECE
    read_whole = _outcome(lambda: helper.ingest(src=str(whole), filename=name, dest_dir=str(tmp_path / "a"),
                                                limits=Limits(max_bytes=2**30)))
    arrived = _outcome(lambda: _arrive(helper, raw, tmp_path / f"arriving-{name}", name, tmp_path / "b"))
    if isinstance(read_whole, str):  # refused: with the same sentence
        assert name == "ragged.csv" and "has 4 fields but the header has 3" in read_whole
        assert arrived == read_whole
        return
    assert not isinstance(arrived, str), arrived
    assert arrived["content_hash"] == hashlib.sha256(raw).hexdigest() and arrived["size_bytes"] == len(raw)
    for key in ("id", "n_rows", "n_cols", "profile", "charts", "reading", "notices", "target", "problem_type"):
        assert arrived[key] == read_whole[key], key
    assert pq.read_table(arrived["tmp_path"]).equals(pq.read_table(read_whole["tmp_path"]))
    assert pq.read_table(arrived["sample_tmp"]).equals(pq.read_table(read_whole["sample_tmp"]))


@pytest.mark.parametrize("when", ["half-way", "after the parse"])
def test_an_upload_given_up_leaves_nothing_and_the_helper_takes_the_next(helper, tmp_path, when):
    from data.ingest import Limits

    src = tmp_path / "big.csv"
    make_csv(40_000, src)
    raw = src.read_bytes()
    out = tmp_path / "out"
    if when == "half-way":
        assert _arrive(helper, raw, tmp_path / "arriving.csv", "big.csv", out, end="abort") is None
    else:  # all of it written, the helper done reading, and then given up (the client went away)
        started = helper.begin(src=str(src), expected=len(raw), filename="big.csv", dest_dir=str(out),
                               limits=Limits(max_bytes=2**30))
        time.sleep(1.5)
        assert started.abort() is None
    assert not out.exists() or list(out.iterdir()) == []
    record = helper.ingest(src=str(src), filename="big.csv", dest_dir=str(out), limits=Limits(max_bytes=2**30))
    assert record["n_rows"] == 40_000


def test_a_second_upload_while_one_arrives_is_read_once_it_is_whole(helper, tmp_path):
    """One helper reads one upload at a time: a second one begun meanwhile is not followed
    (None), and is read whole afterwards."""
    from data.ingest import Limits

    src = tmp_path / "big.csv"
    make_csv(20_000, src)
    first = helper.begin(src=str(src), expected=src.stat().st_size, filename="big.csv",
                         dest_dir=str(tmp_path / "one"), limits=Limits(max_bytes=2**30))
    assert first is not None
    assert helper.begin(src=str(src), expected=src.stat().st_size, filename="big.csv",
                        dest_dir=str(tmp_path / "two"), limits=Limits(max_bytes=2**30)) is None
    raw = src.read_bytes()
    assert first.finish(len(raw), hashlib.sha256(raw).hexdigest())["n_rows"] == 20_000
    with pytest.raises(RuntimeError, match="already ended"):
        first.abort()


# --------------------------------------------------------------------------- through the app
def _post(base: str, name: str, raw: bytes, timeout: float = 120, half_way=None):
    """A multipart upload sent in pieces with its length, as a browser sends a large file;
    `half_way()` is called when half the file has been sent."""
    boundary = "arrivingboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body():
        yield head
        for i in range(0, len(raw), 1 << 20):
            yield raw[i:i + (1 << 20)]
            time.sleep(0.005)
            if half_way is not None and i < len(raw) // 2 <= i + (1 << 20):
                half_way()
        yield tail

    req = urllib.request.Request(base + "/api/v1/datasets", data=body(), method="POST",
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                                          "Content-Length": str(len(head) + len(raw) + len(tail))})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            import json

            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        import json

        return e.code, json.loads(e.read())


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _helper_reads_an_upload(app_pid: int) -> bool:
    """Whether the app's upload helper has a file being received open."""
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == "upload-helper" \
                    and _parent(_parent(int(entry.name))) == app_pid:  # forked by the zygote the app forked
                return any(".upload-raw-" in os.readlink(entry / "fd" / fd) for fd in os.listdir(entry / "fd"))
        except OSError:
            continue
    return False


def test_the_app_reads_a_large_csv_as_it_arrives_refuses_an_oversized_one_and_goes_on(tmp_path):
    """Through the running app: a 17 MB CSV (past data.uploads.READ_WHILE_ARRIVING) is read by
    the helper while it arrives and gives the dataset the same file gives read whole; one over
    the upload limit is refused (413), leaves no file, and the helper it was being read by
    takes the next."""
    from data.ingest import ingest_bytes
    from data.uploads import READ_WHILE_ARRIVING

    csv = tmp_path / "big.csv"
    make_csv(100_000, csv)
    raw = csv.read_bytes()
    assert len(raw) >= READ_WHILE_ARRIVING
    home = tmp_path / "home"
    port = free_port()
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--no-worker"], cwd=ROOT,
                            env={**os.environ, "PLAYGROUND_HOME": str(home), "PLAYGROUND_MAX_UPLOAD_MB": "24"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: _up(base), 60)
        expected = ingest_bytes(raw, "big.csv", tmp_path / "whole", 2**30)
        seen = []
        status, got = _post(base, "big.csv", raw,
                            half_way=lambda: seen.append(wait_for(lambda: _helper_reads_an_upload(proc.pid), 10)))
        assert status == 201, got
        assert seen == [True], "the helper was not reading the file while it arrived"
        # (the store keeps beside the profile the series fact of its target: no part of the reading compared here)
        got["profile"] = {k: v for k, v in got["profile"].items() if k != "series"}
        for key in ("id", "n_rows", "n_cols", "profile", "notices"):
            assert got[key] == expected[key], key
        assert pq.read_table(home / "datasets" / f"{got['id']}.parquet").equals(pq.read_table(expected["path"]))

        too_big = raw + raw[raw.index(b"\n") + 1:][: 10 << 20]  # 27 MB, over the 24 MB limit
        try:  # the answer comes before the rest of the body is read: the client may see it, or a reset
            status, refused = _post(base, "too-big.csv", too_big)
            assert status == 413 and "PLAYGROUND_MAX_UPLOAD_MB" in refused["detail"], refused
        except urllib.error.URLError as e:
            assert isinstance(e.reason, ConnectionError), e
        leftovers = [p.name for p in (home / "datasets").iterdir() if p.name.startswith(".upload")]
        assert leftovers == []

        other = tmp_path / "other.csv"
        make_csv(100_001, other)
        status, again = _post(base, "other.csv", other.read_bytes(), timeout=60)
        assert status == 201 and again["n_rows"] == 100_001
    finally:
        stop(proc)


def test_a_client_that_goes_away_mid_upload_does_not_hold_the_helper(tmp_path):
    """The connection drops half-way through a large CSV the helper was reading as it arrived:
    the next upload is read (the helper was told, and is free), and no part file stays."""
    import socket

    csv = tmp_path / "big.csv"
    make_csv(100_000, csv)
    raw = csv.read_bytes()
    home = tmp_path / "home"
    port = free_port()
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--no-worker"], cwd=ROOT,
                            env={**os.environ, "PLAYGROUND_HOME": str(home)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: _up(base), 60)
        boundary = "gone"
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n\r\n").encode()
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall((f"POST /api/v1/datasets HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; "
                       f"boundary={boundary}\r\nContent-Length: {len(head) + len(raw) + 40}\r\n\r\n").encode() + head)
            for i in range(0, len(raw) // 2, 1 << 20):
                s.sendall(raw[i:i + (1 << 20)])
            time.sleep(1.0)  # the helper is reading what came
        started = time.monotonic()
        status, got = _post(base, "big.csv", raw, timeout=60)
        assert status == 201 and got["n_rows"] == 100_000
        assert time.monotonic() - started < 45
        assert wait_for(lambda: not [p for p in (home / "datasets").iterdir() if p.name.startswith(".upload")], 10)
    finally:
        stop(proc)


def test_a_large_file_to_score_read_as_it_arrives_is_the_frame_read_whole(helper, tmp_path):
    """"Score a file" reads a large CSV as it arrives too (uploads.begin_read_table): the
    frame is the one the whole file gives, and a given-up one leaves no scoring folder."""
    import pandas as pd

    from data.config import Settings
    from data.store import Store
    from data.uploads import begin_read_table, read_table

    store = Store(Settings(home=tmp_path / "home", redis_url=None, job_time_limit=60, max_upload_bytes=2**30))
    whole = tmp_path / "rows.csv"
    make_csv(100_000, whole)
    raw = whole.read_bytes()
    copy = tmp_path / "copy.csv"
    copy.write_bytes(raw)
    expected = read_table(store, helper, str(copy), "rows.csv")

    def arrive(end: str):
        dest = tmp_path / f".upload-raw-{end}"
        with open(dest, "wb") as f:
            f.write(raw[:PIECE])
            f.flush()
            started = begin_read_table(store, helper, str(dest), "rows.csv", len(raw))
            assert started is not None
            assert wait_for(lambda: _open_by(helper._proc.pid, dest), 30)
            f.write(raw[PIECE:] if end == "finish" else raw[PIECE:len(raw) // 2])
        if end == "abort":
            started.abort()
            return None
        return read_table(store, helper, str(dest), "rows.csv", started)

    pd.testing.assert_frame_equal(arrive("finish"), expected)
    assert arrive("abort") is None
    assert [p.name for p in (tmp_path / "home").iterdir() if p.name.startswith("scoring-")] == []


def test_the_reader_of_an_arriving_file_gives_whole_blocks_until_the_end(tmp_path):
    """pyarrow parses each read as a block of its own: the reader waits for a whole buffer
    while the file grows, gives the short rest at the end, then nothing; and an upload given
    up is said (Abandoned), not read as a short file."""
    import threading
    from multiprocessing import Pipe

    from data.ingest import Abandoned, Arriving

    def growing(name: str, end: dict):
        path = tmp_path / name
        path.write_bytes(b"x" * 10)
        arriving = Arriving(path, 250)
        ours, theirs = Pipe()
        threading.Thread(target=arriving.listen, args=(ours,), daemon=True).start()

        def write_on():
            for _ in range(24):
                time.sleep(0.005)
                with path.open("ab") as f:
                    f.write(b"y" * 10)
            theirs.send(end)
        threading.Thread(target=write_on, daemon=True).start()
        return arriving.reader()

    reader = growing("whole.csv", {"end": 250})
    sizes = []
    while got := reader.readinto(buffer := bytearray(100)):
        sizes.append(got)
        assert bytes(buffer[:got]).strip(b"xy") == b""
    assert sizes == [100, 100, 50]
    reader = growing("given-up.csv", {"abort": True})
    assert reader.readinto(bytearray(100)) == 100
    assert reader.readinto(bytearray(100)) == 100
    assert reader.readinto(bytearray(100)) == 50
    with pytest.raises(Abandoned):
        reader.readinto(bytearray(100))
