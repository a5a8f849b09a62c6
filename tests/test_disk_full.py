"""A full disk: every write says so with a sentence naming the disk (the home folder,
PLAYGROUND_HOME) and the room needed, never a 500; the database stays whole (integrity
check, no half rows, no file without its row); deleting a dataset frees its room on a
full disk; the app starts on a full disk and says so (health, a banner on the pages); a run
that fills the disk fails saying so.

Each test puts the home folder on a small tmpfs of its own (mounting needs root, as in CI)
and fills it with a file, so the disk is really full: the errors are the kernel's and
SQLite's own."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import tempfile
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bench.server import upload
from tests.conftest import running_app, wait_for

MB = 2**20
CSV = b"a,b,c,target\n" + b"".join(f"{i},{i * 7 % 13},{'xyz'[i % 3]},{i % 2}\n".encode() for i in range(40_000))


@contextmanager
def tmpfs(size_mb: int):
    """A folder on a tmpfs of `size_mb` MB, unmounted afterwards."""
    folder = tempfile.mkdtemp(prefix="playground-disk-")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0700", "tmpfs", folder],
                          capture_output=True, text=True)
    if done.returncode != 0:
        os.rmdir(folder)
        pytest.skip(f"a full disk is made on a tmpfs of its own, and mounting one needs root: {done.stderr.strip()}")
    try:
        yield Path(folder)
    finally:
        subprocess.run(["umount", "-l", folder], capture_output=True)
        os.rmdir(folder)


def fill(folder: Path, leave: int = 0) -> int:
    """Fill the disk of `folder` up to `leave` free bytes; returns what is free then."""
    path = folder / "filler"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for size in (MB, 64 * 1024, 4096, 512, 1):
            try:
                while free(folder) - size >= leave:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)
    return free(folder)


def free(folder: Path) -> int:
    st = os.statvfs(folder)
    return st.f_bavail * st.f_frsize


def whole(home: Path) -> None:
    """The database passes SQLite's integrity check, every dataset row has its file, and
    the datasets folder holds nothing but the files of the rows."""
    db = sqlite3.connect(home / "playground.db")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = db.execute("SELECT id, path, source_path FROM datasets").fetchall()
    finally:
        db.close()
    for _, path, source in rows:
        assert Path(path).exists(), path
        assert source is None or Path(source).exists(), source
    owned = {Path(p).name for _, p, _ in rows} | {Path(s).name for _, _, s in rows if s}
    owned |= {f"{i}.sample.parquet" for i, _, _ in rows if (home / "datasets" / f"{i}.sample.parquet").exists()}
    assert sorted(f.name for f in (home / "datasets").iterdir()) == sorted(owned)


def says_the_disk(detail: str, home: Path) -> None:
    assert f"the disk of the home folder (PLAYGROUND_HOME: {home})" in detail, detail
    assert "Free at least" in detail and " MB" in detail, detail


@pytest.fixture
def full_app():
    """The app in this process on a 48 MB tmpfs (64 MB kept free would never fit: 2 MB
    here), with a workflow and an uploaded dataset made while there was room."""
    from app import create_app
    from data.config import settings
    from web.security import csrf_token

    with tmpfs(48) as home:
        cfg = replace(settings(), home=home, min_free_bytes=2 * MB)
        app = create_app(cfg)
        with TestClient(app, raise_server_exceptions=False,
                        headers={"X-CSRF-Token": csrf_token(cfg.session_secret())}) as client:
            wf = client.post("/api/v1/workflows", json=json.loads(Path("examples/classification.json").read_text()))
            ds = client.post("/api/v1/datasets", files={"file": ("table.csv", CSV)})
            assert wf.status_code == 201 and ds.status_code == 201
            client.home, client.wf, client.ds = home, wf.json(), ds.json()
            yield client
        app.state.ingest.close()


def test_every_write_on_a_full_disk_says_so(full_app):
    """Before: 500 "Something went wrong" on every write, not a word of the disk."""
    client, home, wid, did = full_app, full_app.home, full_app.wf["id"], full_app.ds["id"]
    assert fill(home) == 0
    answers = {
        "create": client.post("/api/v1/workflows", json={"name": "new"}),
        "replace": client.put(f"/api/v1/workflows/{wid}", json={"name": "renamed", "nodes": [], "edges": []}),
        "rename": client.patch(f"/api/v1/workflows/{wid}", json={"name": "renamed"}),
        "upload": client.post("/api/v1/datasets", files={"file": ("other.csv", b"x,y\n1,2\n3,4\n")}),
        "read again": client.put(f"/api/v1/datasets/{did}/reading", json={"encoding": "latin-1"}),
        "run": client.post(f"/api/v1/workflows/{wid}/run"),
        "run, in the editor": client.post(f"/ui/workflows/{wid}/run", headers={"Accept": "application/json"}),
        "target": client.put(f"/api/v1/datasets/{did}/target", json={"target": "target",
                                                                     "problem_type": "classification"}),
    }
    # a small write may still find room in what SQLite's log already holds (the part a
    # refused write had grown it by): it is saved; anything else is refused with the sentence
    for what, r in answers.items():
        assert r.status_code == 507 or (r.status_code < 300 and what in ("replace", "rename", "target")), \
            (what, r.status_code, r.text)
        if r.status_code == 507:
            says_the_disk(r.json()["detail"], home)
    assert answers["upload"].json()["detail"].startswith("This upload needs about ")
    assert answers["run"].json()["detail"].startswith("A run needs 2 MB free (PLAYGROUND_MIN_FREE_MB) on the disk")
    assert answers["create"].json()["detail"].startswith("The change could not be saved: the disk of the home folder")
    # a form of the pages: the page with the sentence; the upload form: its fragment
    r = client.post("/workflows", data={"name": "from the form"}, follow_redirects=False)
    assert r.status_code == 507 and "the disk of the home folder" in r.text
    r = client.post("/ui/datasets", files={"file": ("other.csv", b"x,y\n1,2\n3,4\n")})
    assert r.status_code == 200 and "This upload needs about" in r.text
    # what can still be read says the disk is full
    health = client.get("/api/v1/health").json()
    assert health["disk"]["full"] is True and health["disk"]["free_bytes"] == 0
    assert health["disk"]["notice"] == (
        f"The disk of the home folder is full: 0 bytes free (PLAYGROUND_HOME: {home}), less than the 2 MB kept free "
        "(PLAYGROUND_MIN_FREE_MB). Runs and uploads are refused until there is room: delete datasets you no longer "
        "need (the Datasets page) or other files on that disk, or move PLAYGROUND_HOME to a disk with room.")
    page = client.get("/workflows").text
    assert '<p role="alert" class="banner">' in page and "The disk of the home folder is full" in page
    # nothing half-written: the same workflow, the same dataset, a whole database
    os.unlink(home / "filler")
    assert [w["name"] for w in client.get("/api/v1/workflows").json()] == [full_app.wf["name"]]
    assert [d["id"] for d in client.get("/api/v1/datasets").json()["uploads"]] == [did]
    whole(home)
    # and with room again, writes work and the banner is gone
    assert client.post("/api/v1/workflows", json={"name": "new"}).status_code == 201
    assert 'class="banner"' not in client.get("/workflows").text


def test_an_upload_the_disk_fills_up_halfway_leaves_nothing(full_app):
    """The check before an upload counts on Content-Length; a disk that fills while the file
    arrives (here: a body sent without its length) is said the same way, and its part is
    removed."""
    client, home = full_app, full_app.home
    fill(home, leave=3 * MB)
    big = b"a,b\n" + b"".join(f"{i},{i * 3}\n".encode() for i in range(600_000))  # about 8 MB

    def chunks():
        for i in range(0, len(big), 256 * 1024):
            yield big[i:i + 256 * 1024]

    boundary = "b0undary"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n").encode()

    def body():
        yield head
        yield from chunks()
        yield f"\r\n--{boundary}--\r\n".encode()

    r = client.post("/api/v1/datasets", content=body(), headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 507, r.text
    assert r.json()["detail"].startswith("The upload could not be saved: the disk of the home folder")
    assert "It needs at least " in r.json()["detail"]
    says_the_disk(r.json()["detail"], home)
    assert free(home) >= 3 * MB - 64 * 1024  # the part written is gone
    os.unlink(home / "filler")
    whole(home)


def test_deleting_a_dataset_frees_its_room_on_a_full_disk(full_app):
    """Before: the row's deletion was committed first, which a full disk refuses, so the
    file that would have made room stayed (500)."""
    client, home, did = full_app, full_app.home, full_app.ds["id"]
    sizes = sum(f.stat().st_size for f in (home / "datasets").iterdir())
    assert fill(home) == 0
    r = client.delete(f"/api/v1/datasets/{did}")
    assert r.status_code == 204, r.text
    assert free(home) >= sizes - 64 * 1024
    assert client.get("/api/v1/datasets").json()["uploads"] == []
    assert list((home / "datasets").iterdir()) == []
    whole(home)
    # the editor's delete, on a disk full again
    os.unlink(home / "filler")
    again = client.post("/api/v1/datasets", files={"file": ("table.csv", CSV)})
    assert again.status_code == 201
    assert fill(home) == 0
    assert client.delete(f"/ui/datasets/{again.json()['id']}").status_code == 200
    assert client.get("/api/v1/datasets").json()["uploads"] == []
    os.unlink(home / "filler")
    whole(home)


def test_a_deletion_the_disk_stopped_is_finished_at_start(full_app):
    """If the disk refuses even the row's deletion after the files were emptied, the files'
    marks say the deletion was asked for: start-up finishes it (no row without its file)."""
    from app import clean_up_after_a_crash, create_app
    from data import datasets
    from data.config import settings

    client, home, did = full_app, full_app.home, full_app.ds["id"]
    row = client.app.state.store.get_dataset(did)
    marks = datasets.empty_for_deletion([row["path"], row["source_path"]])  # the first step of a deletion
    assert len(marks) == 2 and all(m.stat().st_size == 0 for m in marks)
    app = create_app(replace(settings(), home=home, min_free_bytes=2 * MB))
    clean_up_after_a_crash(app)
    assert app.state.store.get_dataset(did) is None and list((home / "datasets").iterdir()) == []
    whole(home)


def test_the_errors_of_a_full_disk_are_known(tmp_path):
    """What a full disk raises, made for real on a tmpfs: a file write's ENOSPC, SQLite's
    SQLITE_FULL at COMMIT (after which the connection works again), and "disk I/O error"
    when a WAL database is opened with no room for its shared-memory file."""
    from data import disk
    from data.config import settings
    from data.store import Store

    with tmpfs(8) as home:
        store = Store(replace(settings(), home=home, min_free_bytes=0))
        store.create_workflow("before")
        other = sqlite3.connect(home / "other.db")  # a WAL database, closed: no -wal or -shm file
        other.execute("PRAGMA journal_mode=WAL")
        other.execute("CREATE TABLE t (x)")
        other.close()
        fill(home)
        with pytest.raises(OSError) as written:
            (home / "more").write_bytes(b"x" * 100_000)
        assert disk.is_disk_full(written.value)
        with pytest.raises(disk.DiskFull) as saved:
            with disk.translated(store.settings, "The workflow"):
                store.create_workflow("after")
        assert isinstance(saved.value.__cause__, sqlite3.OperationalError)
        assert saved.value.__cause__.sqlite_errorname == "SQLITE_FULL"
        assert saved.value.detail.startswith("The workflow could not be saved: the disk of the home folder")
        assert not store.db.conn.in_transaction  # rolled back: the next read is not inside a dead transaction
        assert [w["name"] for w in store.list_workflows()] == ["before"]
        other = sqlite3.connect(home / "other.db")
        with pytest.raises(sqlite3.Error) as opened:
            other.execute("SELECT * FROM t").fetchall()
        other.close()
        assert "disk I/O error" in str(opened.value)
        assert disk.is_disk_full(opened.value, home)
        assert not disk.is_disk_full(opened.value, tmp_path)  # an I/O error on a disk with room is not "full"


def test_the_app_starts_on_a_full_disk_and_says_so():
    """Before: with 0 bytes free the app did not start ("disk I/O error": SQLite could not
    create its shared-memory file). Now the room it set aside is given back: it starts with
    its workers, health and every page say the disk is full, and deleting a dataset frees
    room."""
    with tmpfs(40) as home:
        env = {"PLAYGROUND_MIN_FREE_MB": "8"}
        with running_app("--workers", "1", home=str(home), env=env) as app:
            assert (home / ".space-reserve").stat().st_size == 4 * MB
            did = post_upload(app.base)["id"]
        # as a clean stop leaves the databases: checkpointed, no -wal or -shm file (once the
        # last worker is gone: a file it still holds open keeps its room after it is removed)
        assert wait_for(lambda: not holders(home), 30), holders(home)
        for name in ("playground.db", "huey.db"):
            db = sqlite3.connect(home / name)
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.close()
            for suffix in ("-wal", "-shm"):
                (home / (name + suffix)).unlink(missing_ok=True)
        assert fill(home) == 0
        with running_app("--workers", "1", home=str(home), env=env) as app:
            health = get(app.base, "/api/v1/health")
            assert health["disk"]["full"] is True
            assert health["disk"]["notice"].startswith("The disk of the home folder is full: ")
            assert f"(PLAYGROUND_HOME: {home})" in health["disk"]["notice"]
            assert wait_for(lambda: get(app.base, "/api/v1/health")["live"] >= 1, 30), "no worker started"
            for path in ("/workflows", "/datasets", f"/datasets/{did}"):
                page = urllib.request.urlopen(app.base + path).read().decode()
                assert "The disk of the home folder is full" in page, path
            before = free(home)
            assert request(app.base, "DELETE", f"/api/v1/datasets/{did}")[0] == 204
            assert free(home) > before + len(CSV) // 2
        log = (home / "server.log").read_text()
        assert "the room set aside for this (4 MB) was released" in log
        assert "Traceback" not in log.split("Started server process")[-1]
        os.unlink(home / "filler")
        whole(home)


@pytest.mark.slow
def test_a_run_that_fills_the_disk_fails_saying_so():
    """A model bigger than the room left: its node fails with the sentence (the file's part
    is removed, so the failure is recorded), the rest is skipped, the job fails."""
    with tmpfs(40) as home:
        with running_app("--workers", "1", home=str(home), env={"PLAYGROUND_MIN_FREE_MB": "0"}) as app:
            wf = json.loads(Path("examples/classification.json").read_text())
            for node in wf["nodes"]:
                if node["type"] == "model":
                    node["config"].update(use_cv=False, hyperparameters={"n_estimators": 1000})
            wid = request(app.base, "POST", "/api/v1/workflows", wf)[1]["id"]
            (home / ".space-reserve").unlink(missing_ok=True)
            fill(home, leave=1 * MB)  # the model is about 3 MB
            status, job = request(app.base, "POST", f"/api/v1/workflows/{wid}/run")
            assert status == 202, job
            done = wait_for(lambda: (j := get(app.base, f"/api/v1/jobs/{job['job_id']}"))["status"] in
                            ("completed", "failed") and j, 180, 0.5)
            assert done["status"] == "failed", done
            model = next(n for n in done["nodes"] if n["node_id"] == "model")
            assert model["status"] == "failed"
            assert model["message"].startswith("The model random_forest.joblib could not be saved: the disk of the "
                                               f"home folder (PLAYGROUND_HOME: {home}) is full")
            assert "It needs about 3" in model["message"]
            assert {n["status"] for n in done["nodes"] if n["node_id"] in ("evaluate", "visualize")} == {"skipped"}
            assert list((home / "artifacts" / job["job_id"]).glob("*")) == []
        os.unlink(home / "filler")
        whole(home)


# --------------------------------------------------------------------------- helpers
def holders(folder: Path) -> list[int]:
    """The processes holding a file under `folder` open."""
    pids = []
    for fds in Path("/proc").glob("[0-9]*/fd"):
        try:
            if any(os.readlink(fd).startswith(str(folder)) for fd in fds.iterdir()):
                pids.append(int(fds.parent.name))
        except OSError:
            continue
    return pids


def request(base: str, method: str, path: str, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def get(base: str, path: str):
    return request(base, "GET", path)[1]


def post_upload(base: str) -> dict:
    status, record = upload(base, "table.csv", CSV, timeout=60)
    assert status == 201
    return record

