"""The SQLite store (sqlite-utils): workflows, snapshots, jobs, job nodes, events,
datasets, artifacts.

WAL so readers never block the writer, a busy timeout, and `BEGIN IMMEDIATE` for every
read-then-write: a deferred transaction that reads and then writes fails at once with
"database is locked" under contention, an immediate one waits its turn. One connection per
thread. Schema changes are numbered migrations run on open (PRAGMA user_version).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from data import disk, doorbell
from data.config import Settings
from data.config import settings as load_settings
from nodes import graph as graphs
from nodes.graph import quoted

log = logging.getLogger("playground.store")
TERMINAL = ("completed", "failed", "cancelled")
TERMINAL_EVENTS = ("job_completed", "job_failed", "job_cancelled")


def table_read(record: dict) -> tuple:
    """Which table of a file a reading read: a workbook's sheet, a zip archive's member."""
    how = record.get("reading") or {}
    return how.get("sheet"), (how.get("archive") or {}).get("listed")


class NotFound(LookupError):
    """An id that does not exist; the message is a sentence."""


class Invalid(ValueError):
    """A request that cannot be carried out as given; `errors` may key messages by node."""

    def __init__(self, detail: str, errors: dict | None = None, status: int = 422):
        super().__init__(detail)
        self.detail, self.errors, self.status = detail, errors or {}, status


class LeaseLost(RuntimeError):
    """A worker attempt that no longer owns its job tried to write to it."""


def now() -> float:
    return time.time()


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


def _dumps(value) -> str:
    return json.dumps(value, default=str, allow_nan=False)


def _loads(text):
    return json.loads(text) if text else None


# --------------------------------------------------------------------------- migrations
def _m1(db: sqlite_utils.Database):
    db.execute("""CREATE TABLE IF NOT EXISTS workflows (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, graph TEXT NOT NULL,
        created_at REAL NOT NULL, updated_at REAL NOT NULL)""")
    db.execute("""CREATE TABLE IF NOT EXISTS snapshots (
        id TEXT PRIMARY KEY, workflow_id TEXT, graph TEXT NOT NULL, created_at REAL NOT NULL)""")
    db.execute("""CREATE TABLE IF NOT EXISTS jobs (
        id TEXT PRIMARY KEY, workflow_id TEXT, snapshot_id TEXT NOT NULL REFERENCES snapshots(id),
        status TEXT NOT NULL, attempt INTEGER NOT NULL DEFAULT 1, max_attempts INTEGER NOT NULL DEFAULT 3,
        task_id TEXT, estimated_time REAL, estimated_cost REAL, time_limit REAL,
        cancel_requested INTEGER NOT NULL DEFAULT 0, heartbeat_at REAL, worker TEXT,
        created_at REAL NOT NULL, queued_at REAL, started_at REAL, completed_at REAL,
        error_message TEXT, results TEXT, retry_of TEXT)""")
    db.execute("CREATE INDEX IF NOT EXISTS jobs_workflow ON jobs(workflow_id, created_at)")
    db.execute("CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status)")
    db.execute("""CREATE TABLE IF NOT EXISTS job_nodes (
        job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE, node_id TEXT NOT NULL,
        node_type TEXT, status TEXT NOT NULL, progress REAL, message TEXT,
        started_at REAL, completed_at REAL, duration REAL, output TEXT, error_message TEXT, traceback TEXT,
        PRIMARY KEY (job_id, node_id))""")
    db.execute("""CREATE TABLE IF NOT EXISTS events (
        job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE, seq INTEGER NOT NULL,
        type TEXT NOT NULL, node_id TEXT, payload TEXT NOT NULL, created_at REAL NOT NULL,
        PRIMARY KEY (job_id, seq))""")
    db.execute("""CREATE TABLE IF NOT EXISTS datasets (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, filename TEXT, format TEXT, content_hash TEXT,
        path TEXT, n_rows INTEGER, n_cols INTEGER, size_bytes INTEGER, profile TEXT,
        problem_type TEXT, target TEXT, created_at REAL NOT NULL)""")
    db.execute("""CREATE TABLE IF NOT EXISTS artifacts (
        id TEXT PRIMARY KEY, job_id TEXT REFERENCES jobs(id) ON DELETE CASCADE, node_id TEXT,
        kind TEXT NOT NULL, name TEXT NOT NULL, mime TEXT NOT NULL, path TEXT NOT NULL,
        size INTEGER, attempt INTEGER, created_at REAL NOT NULL)""")
    db.execute("CREATE INDEX IF NOT EXISTS artifacts_job ON artifacts(job_id)")


def _m2(db: sqlite_utils.Database):
    # the pid of the process running the job's ML: lets an operator (or a test) find it
    db.execute("ALTER TABLE jobs ADD COLUMN child_pid INTEGER")


def _m3(db: sqlite_utils.Database):
    # lists show the node count without parsing every stored graph
    db.execute("ALTER TABLE workflows ADD COLUMN n_nodes INTEGER NOT NULL DEFAULT 0")
    for wid, graph in db.execute("SELECT id, graph FROM workflows").fetchall():
        db.execute("UPDATE workflows SET n_nodes = ? WHERE id = ?", [len(graphs.readable_graph(graph)["nodes"]), wid])


def _m4(db: sqlite_utils.Database):
    # live workers: each Huey worker process beats here, so the app can say when none runs
    db.execute("""CREATE TABLE IF NOT EXISTS workers (
        id TEXT PRIMARY KEY, host TEXT, pid INTEGER, started_at REAL NOT NULL, beat_at REAL NOT NULL)""")


def _m5(db: sqlite_utils.Database):
    # the dataset page's column charts, apart from the profile that every validation reads
    db.execute("ALTER TABLE datasets ADD COLUMN charts TEXT")
    # the target and problem type a person chose for a sample dataset (an upload keeps its
    # choice in its own row): what a Dataset node and "New workflow" start from
    db.execute("""CREATE TABLE IF NOT EXISTS dataset_settings (
        dataset_id TEXT PRIMARY KEY, target TEXT, problem_type TEXT NOT NULL, updated_at REAL NOT NULL)""")


def _m6(db: sqlite_utils.Database):
    # undo/redo: the workflow (graph and name) as it was before each change, written with the
    # change; two stacks per workflow, the top of each is its highest id
    db.execute("""CREATE TABLE IF NOT EXISTS workflow_revisions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
        stack TEXT NOT NULL CHECK (stack IN ('undo', 'redo')), name TEXT NOT NULL, graph TEXT NOT NULL,
        description TEXT NOT NULL, coalesce_key TEXT, created_at REAL NOT NULL)""")
    db.execute("CREATE INDEX IF NOT EXISTS workflow_revisions_stack ON workflow_revisions(workflow_id, stack, id)")


def _m7(db: sqlite_utils.Database):
    # how an upload was read (encoding, delimiter, sheet), what was converted (notices), what
    # the user chose (encoding, sheet, column types and roles), and the file as uploaded, kept
    # so that it can be read again another way
    for column in ("reading", "notices", "options", "source_path"):
        db.execute(f"ALTER TABLE datasets ADD COLUMN {column} TEXT")


def _m8(db: sqlite_utils.Database):
    # when the job's task was last put in the queue: a queued job whose task is not in the
    # queue a lease after that lost it (executor.sweeper), and is given it again, as many
    # times as `tasks_lost` says
    db.execute("ALTER TABLE jobs ADD COLUMN enqueued_at REAL")
    db.execute("ALTER TABLE jobs ADD COLUMN tasks_lost INTEGER NOT NULL DEFAULT 0")


def _m9(db: sqlite_utils.Database):
    # the per-node cache (executor/cache.py): an entry per key (its files under cache/), the
    # last key of each workflow's node (to say why it ran again), what a run was asked to run
    # again, and why each node ran or was reused
    db.execute("CREATE TABLE node_cache (key TEXT PRIMARY KEY, node_type TEXT, job_id TEXT, node_id TEXT, "
               "size INTEGER NOT NULL, created_at REAL NOT NULL, used_at REAL NOT NULL)")
    db.execute("CREATE INDEX node_cache_used ON node_cache (used_at)")
    db.execute("CREATE TABLE node_keys (workflow_id TEXT NOT NULL, node_id TEXT NOT NULL, key TEXT NOT NULL, "
               "fields TEXT NOT NULL, job_id TEXT, at REAL NOT NULL, PRIMARY KEY (workflow_id, node_id))")
    db.execute("ALTER TABLE jobs ADD COLUMN rerun TEXT")
    db.execute("ALTER TABLE job_nodes ADD COLUMN reason TEXT")


def _m10(db: sqlite_utils.Database):
    # the model registry: immutable versions of a deployment (the bundle's bytes, its model
    # card, the run and nodes it came from), its aliases (`production`) with their history,
    # and the API keys that may call a deployment's predict endpoint (a hash and a prefix only)
    db.execute("CREATE TABLE model_versions (id TEXT PRIMARY KEY, deployment TEXT NOT NULL, version INTEGER NOT NULL, "
               "job_id TEXT, model_node_id TEXT, deploy_node_id TEXT, bundle BLOB NOT NULL, "
               "bundle_sha256 TEXT NOT NULL, card TEXT NOT NULL, created_at REAL NOT NULL, "
               "UNIQUE (deployment, version))")
    db.execute("CREATE UNIQUE INDEX model_versions_origin ON model_versions (job_id, deploy_node_id) "
               "WHERE deploy_node_id IS NOT NULL")
    db.execute("CREATE TABLE deployment_aliases (deployment TEXT NOT NULL, alias TEXT NOT NULL, "
               "version INTEGER NOT NULL, updated_at REAL NOT NULL, PRIMARY KEY (deployment, alias))")
    db.execute("CREATE TABLE alias_history (id INTEGER PRIMARY KEY AUTOINCREMENT, deployment TEXT NOT NULL, "
               "alias TEXT NOT NULL, version INTEGER NOT NULL, previous INTEGER, why TEXT, at REAL NOT NULL)")
    db.execute("CREATE TABLE api_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, prefix TEXT NOT NULL, "
               "key_sha256 TEXT NOT NULL UNIQUE, created_at REAL NOT NULL, last_used_at REAL, revoked_at REAL)")


def _m11(db: sqlite_utils.Database):
    # the predict endpoint's request log: one row per request to a deployment (success or
    # error), its latency in parts; bounded per deployment (Store.log_prediction's `keep`)
    db.execute("CREATE TABLE prediction_log (id INTEGER PRIMARY KEY AUTOINCREMENT, deployment TEXT NOT NULL, "
               "at REAL NOT NULL, version INTEGER, key_prefix TEXT, rows INTEGER, status INTEGER NOT NULL, "
               "parse_ms REAL, validate_ms REAL, predict_ms REAL, total_ms REAL NOT NULL, error TEXT)")
    db.execute("CREATE INDEX prediction_log_at ON prediction_log (deployment, at)")
    db.execute("CREATE INDEX prediction_log_id ON prediction_log (deployment, id)")


def _m12(db: sqlite_utils.Database):
    # the time a request spent loading its version's model (the first request of a version in
    # a web process): counted in total_ms and, before this column, in no part
    db.execute("ALTER TABLE prediction_log ADD COLUMN load_ms REAL")


def _m13(db: sqlite_utils.Database):
    # the digest of the trained model a version holds (executor.bundle.model_digest): deploying
    # a model a deployment already has points the alias at that version instead of adding an
    # identical one. Versions registered before it have none: for them, the same run and model
    # node is the same model
    db.execute("ALTER TABLE model_versions ADD COLUMN model_sha256 TEXT")
    db.execute("CREATE INDEX model_versions_model ON model_versions (deployment, model_sha256)")


MIGRATIONS = [_m1, _m2, _m3, _m4, _m5, _m6, _m7, _m8, _m9, _m10, _m11, _m12, _m13]


def migrate(db: sqlite_utils.Database) -> int:
    """Run the migrations not yet applied, each in its own immediate transaction."""
    conn = db.conn
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version >= len(MIGRATIONS):  # the usual case, read without waiting for the write lock
        return version
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version >= len(MIGRATIONS):
                conn.execute("COMMIT")
                return version
            MIGRATIONS[version](db)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


# --------------------------------------------------------------------------- store
class Store:
    def __init__(self, cfg: Settings):
        self.settings = cfg.ensure()
        self.path = cfg.db_path
        # where the processes that show events live (the web) listen for a new one (data.doorbell)
        self.events_wake_dir = cfg.home / "events-wake"
        self._local = threading.local()
        try:
            migrate(self.db)
        except sqlite3.Error as e:
            # with the disk full SQLite cannot create its shared-memory file ("disk I/O
            # error"): the room set aside for this lets the app start and say so
            if not (disk.is_disk_full(e, cfg.home) and disk.release_reserve(cfg)):
                raise
            log.warning("The disk of the home folder is full: the room set aside for this (%s) was released so the "
                        "database could be opened.", disk.fmt(disk.RESERVE_BYTES))
            migrate(self.db)

    @property
    def db(self) -> sqlite_utils.Database:
        db = getattr(self._local, "db", None)
        if db is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
                conn.execute("PRAGMA foreign_keys=ON")
                conn.execute("PRAGMA synchronous=NORMAL")
            except sqlite3.Error:
                conn.close()
                raise
            db = self._local.db = sqlite_utils.Database(conn)
        return db

    @contextmanager
    def tx(self):
        """One immediate transaction. A failed statement or COMMIT (a full disk: SQLITE_FULL)
        may have rolled it back already; whatever is left is rolled back, and the error
        raised is the write's own, not "cannot rollback"."""
        conn = self.db.conn
        _begin_immediate(conn)
        self._local.appended = False
        try:
            yield self.db
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        if self._local.appended:  # a job's events were written: the live streams read them now
            doorbell.ring(self.events_wake_dir)

    def _one(self, sql: str, params=()) -> dict | None:
        rows = list(self.db.query(sql, params))
        return rows[0] if rows else None

    # ------------------------------------------------------------------ workflows
    def _workflow(self, row: dict | None) -> dict | None:
        if row is None:
            return None
        return {**row, "graph": graphs.readable_graph(row["graph"])}

    def create_workflow(self, name: str, graph: dict | None = None, like: dict | None = None) -> dict:
        """A new workflow. Its configs must be storable (refuse_unstorable), but for the nodes
        kept exactly as in `like` (a duplicate keeps what its original holds)."""
        graph = normalize_graph(graph or {"nodes": [], "edges": []})
        refuse_unstorable(graph, like)
        name = clean_name(name)
        t = now()
        row = {"id": new_id("wf"), "name": name, **_graph_fields(graph, name), "created_at": t, "updated_at": t}
        with self.tx() as db:
            db["workflows"].insert(row)
        return self.get_workflow(row["id"])

    def get_workflow(self, workflow_id: str) -> dict | None:
        return self._workflow(self._one("SELECT * FROM workflows WHERE id = ?", [workflow_id]))

    def require_workflow(self, workflow_id: str) -> dict:
        wf = self.get_workflow(workflow_id)
        if wf is None:
            raise NotFound(f"No workflow {quoted(workflow_id)}.")
        return wf

    def list_workflows(self) -> list[dict]:
        return list(self.db.query("""SELECT w.id, w.name, w.created_at, w.updated_at, w.n_nodes,
            (SELECT status FROM jobs j WHERE j.workflow_id = w.id ORDER BY created_at DESC LIMIT 1) AS last_status,
            (SELECT COUNT(*) FROM jobs j WHERE j.workflow_id = w.id) AS runs
            FROM workflows w ORDER BY w.updated_at DESC"""))

    # How an edited node's config follows the edit (before graph, after graph -> graph): the
    # node types' `reconcile` hooks with the dataset facts, set by the web layer that serves
    # edits (web/site.py: executor.engine.reconcile_edit). None: configs are kept as sent.
    reconcile: Callable[[dict, dict], dict] | None = None

    def _reconciled(self, before: dict, after: dict) -> dict:
        return self.reconcile(before, after) if self.reconcile is not None else after

    def update_workflow(self, workflow_id: str, *, name: str | None = None, graph: dict | None = None) -> dict:
        with self.tx() as db:
            wf = self._workflow_for_change(workflow_id)
            new_name = clean_name(name) if name is not None else wf["name"]
            new_graph = self._reconciled(wf["graph"], normalize_graph(graph)) if graph is not None else wf["graph"]
            self._change(db, wf, new_name, new_graph)
        return self.get_workflow(workflow_id)

    def delete_workflow(self, workflow_id: str) -> None:
        with self.tx() as db:
            if self._one("SELECT id FROM workflows WHERE id = ?", [workflow_id]) is None:
                raise NotFound(f"No workflow {quoted(workflow_id)}.")
            db.execute("DELETE FROM workflow_revisions WHERE workflow_id = ?", [workflow_id])
            db.execute("DELETE FROM workflows WHERE id = ?", [workflow_id])

    def duplicate_workflow(self, workflow_id: str) -> dict:
        wf = self.require_workflow(workflow_id)
        return self.create_workflow(f"{wf['name']} (copy)", wf["graph"], like=wf["graph"])

    def update_node_config(self, workflow_id: str, node_id: str, config: dict, description: str | None = None,
                           base: dict | None = None) -> dict:
        """One node's config. `description` names the change in the undo history (default:
        the node and the fields that changed, e.g. "Model hyperparameters"). `base`: the
        workflow as the caller read it; when nobody changed it since (its `updated_at`), the
        change is made on it and the row is not read again (an inspector save reads it once)."""
        if not isinstance(config, dict):
            raise Invalid("A node's config must be an object.", status=400)
        try:
            graphs.check_config(config, node_id)
        except graphs.GraphError as e:
            raise Invalid(e.message, status=e.status) from None
        with self.tx() as db:
            wf = base if base is not None and self._stamp(workflow_id) == base.get("updated_at") else \
                self._workflow_for_change(workflow_id)
            graph = json.loads(json.dumps(wf["graph"]))  # a copy: the stored one is the "before"
            node = next((n for n in graph["nodes"] if n["id"] == node_id), None)
            if node is None:
                raise NotFound(f"No node {quoted(node_id)} in this workflow.")
            node["config"] = config
            graph = self._reconciled(wf["graph"], graph)
            written = self._change(db, wf, wf["name"], graph, description)
        if not written:
            return wf
        return self._workflow({**wf, **_graph_fields(graph, wf["name"]), "updated_at": written})

    def save_structure(self, workflow_id: str, structure: dict) -> dict:
        """The canvas saves nodes (id, type, position, label) and edges; configs are kept
        from the stored graph so an inspector save and a canvas save never clobber each
        other. Pasted nodes may carry a config. An edge the ports do not allow is refused
        (422, with the edge) by the graph module's rule, the same the canvas applies."""
        if not isinstance(structure, dict):
            raise Invalid("Send an object with nodes and edges.", status=400)
        if "nodes" not in structure:  # {} emptied the workflow (found by a new user's script); [] still may
            raise Invalid('Send the nodes and edges: {"nodes": [...], "edges": [...]} (an empty list of nodes '
                          "removes them all).", status=400)
        with self.tx() as db:
            wf = self._workflow_for_change(workflow_id)
            old = {n["id"]: n for n in wf["graph"].get("nodes", [])}
            graph = normalize_graph(structure)
            nodes = {n["id"]: n for n in graph["nodes"]}
            for e in graph["edges"]:
                problem = graphs.connection_problem(nodes, e, graph["edges"])
                if problem:
                    status = 400 if problem.startswith("An edge refers") else 422
                    raise Invalid(problem, status=status, errors={"edge": e})
            for n in graph["nodes"]:
                if n["id"] in old:
                    n["config"] = old[n["id"]].get("config", {})
            # what the canvas could not draw it could not send: kept, while the nodes it joins that
            # are there still are (a move dropped a file's connection to a renamed id without a word)
            graph["edges"] += [e for e in graphs.undrawn_edges(wf["graph"]) if e not in graph["edges"]
                               and all(x in nodes or x not in old for x in (e["source"], e["target"]))]
            self._change(db, wf, wf["name"], graph)
        return self.get_workflow(workflow_id)

    def remove_missing_connections(self, workflow_id: str) -> dict:
        """The workflow without its connections to nodes it does not have (graphs.missing_end),
        asked for on the workflow's panel: the canvas cannot draw them to be deleted."""
        with self.tx() as db:
            wf = self._workflow_for_change(workflow_id)
            graph = wf["graph"]
            nodes = {n["id"]: n for n in graph["nodes"]}
            kept = [e for e in graph["edges"] if not graphs.missing_end(e, nodes)]
            if len(kept) == len(graph["edges"]):
                raise Invalid("This workflow has no connection to a node that does not exist.", status=409)
            n = len(graph["edges"]) - len(kept)
            self._change(db, wf, wf["name"], {**graph, "edges": kept},
                         f"remove {n} connection{'s' if n > 1 else ''} to missing nodes")
        return self.get_workflow(workflow_id)

    # ------------------------------------------------------------------ undo / redo
    # Server-side history, so every path that changes a workflow (canvas, inspector, API,
    # the results' "use these parameters") lands in one linear history that survives a
    # reload. Two stacks of revisions per workflow: 'undo' holds the workflow (graph and name)
    # as it was BEFORE each change, 'redo' the states undone since the last change. Every
    # write happens in the transaction of the change it records (BEGIN IMMEDIATE), so two
    # tabs on one workflow interleave whole steps: last writer wins, the history stays linear.
    UNDO_LIMIT = 200  # undo steps kept per workflow; the oldest are dropped
    COALESCE_SECONDS = 2.0

    def _stamp(self, workflow_id: str):
        """When a workflow last changed (its updated_at), without reading its graph."""
        row = self._one("SELECT updated_at FROM workflows WHERE id = ?", [workflow_id])
        return None if row is None else row["updated_at"]

    def _workflow_for_change(self, workflow_id: str) -> dict:
        wf = self._workflow(self._one("SELECT * FROM workflows WHERE id = ?", [workflow_id]))
        if wf is None:
            raise NotFound(f"No workflow {quoted(workflow_id)}.")
        return wf

    def _change(self, db, wf: dict, name: str, graph: dict, description: str | None = None) -> float | None:
        """Write a workflow's new name and graph and, in the caller's transaction, the undo
        step that takes it back; its time (the new updated_at), or None when it changes
        nothing (and writes nothing). A new change clears the redo steps.

        Coalescing: canvas moves of the same node(s), each within COALESCE_SECONDS of the
        previous one, are one undo step (a drag saved in pieces, or nudges in a row, undo
        together); the step's clock restarts with each move it absorbs. Nothing coalesces
        into a step that was undone and redone."""
        before = wf["graph"]
        refuse_unstorable(graph, before)
        # the same graph with an edge's ports spelled out (the canvas names them, the API
        # may not) is the same graph
        if name == wf["name"] and graphs.with_ports({**graph, "name": name}) == graphs.with_ports(before):
            return None
        what, coalesce = describe_change(before, graph, wf["name"], name)
        t = now()
        redo_empty = self._top(wf["id"], "redo") is None
        top = self._top(wf["id"], "undo") if coalesce and redo_empty else None
        if top and top["coalesce_key"] == coalesce and t - top["created_at"] <= self.COALESCE_SECONDS:
            db.execute("UPDATE workflow_revisions SET created_at = ? WHERE id = ?", [t, top["id"]])
        else:
            self._push(db, wf, "undo", description or what, coalesce, t)
        if not redo_empty:
            db.execute("DELETE FROM workflow_revisions WHERE workflow_id = ? AND stack = 'redo'", [wf["id"]])
        db["workflows"].update(wf["id"], {"name": name, **_graph_fields(graph, name), "updated_at": t})
        return t

    def _top(self, workflow_id: str, stack: str) -> dict | None:
        return self._one("SELECT id, description, coalesce_key, created_at FROM workflow_revisions "
                         "WHERE workflow_id = ? AND stack = ? ORDER BY id DESC LIMIT 1", [workflow_id, stack])

    def _push(self, db, wf: dict, stack: str, description: str, coalesce: str | None, t: float) -> None:
        db.execute("INSERT INTO workflow_revisions (workflow_id, stack, name, graph, description, coalesce_key, "
                   "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [wf["id"], stack, wf["name"], _dumps(wf["graph"]), description, coalesce, t])
        if stack == "undo":  # the redo stack only ever holds undone steps: never longer than this
            db.execute("DELETE FROM workflow_revisions WHERE workflow_id = ? AND stack = 'undo' AND id <= "
                       "(SELECT id FROM workflow_revisions WHERE workflow_id = ? AND stack = 'undo' "
                       "ORDER BY id DESC LIMIT 1 OFFSET ?)", [wf["id"], wf["id"], self.UNDO_LIMIT])

    def history_state(self, workflow_id: str) -> dict:
        """What the undo / redo buttons say: whether each is possible and what it would do."""
        undo, redo = self._top(workflow_id, "undo"), self._top(workflow_id, "redo")
        return {"can_undo": undo is not None, "can_redo": redo is not None,
                "undo": undo["description"] if undo else None, "redo": redo["description"] if redo else None}

    def undo(self, workflow_id: str) -> tuple[dict, str]:
        """Back to the state before the last change: (the workflow, "Undid: …"). 409 when
        there is nothing to undo."""
        return self._step(workflow_id, "undo", "redo", "Undid", "There is nothing to undo.")

    def redo(self, workflow_id: str) -> tuple[dict, str]:
        """Forward again to the state the last undo left: (the workflow, "Redid: …")."""
        return self._step(workflow_id, "redo", "undo", "Redid", "There is nothing to redo.")

    def _step(self, workflow_id: str, take: str, give: str, verb: str, empty: str) -> tuple[dict, str]:
        with self.tx() as db:
            wf = self._workflow_for_change(workflow_id)
            rev = self._one("SELECT * FROM workflow_revisions WHERE workflow_id = ? AND stack = ? "
                            "ORDER BY id DESC LIMIT 1", [workflow_id, take])
            if rev is None:
                raise Invalid(empty, status=409)
            graph = graphs.readable_graph(rev["graph"])
            refuse_unstorable(graph, wf["graph"], f"{'Undoing' if take == 'undo' else 'Redoing'} this step would bring "
                                                 "back what cannot be saved. ")
            t = now()
            db.execute("DELETE FROM workflow_revisions WHERE id = ?", [rev["id"]])
            self._push(db, wf, give, rev["description"], None, t)
            db["workflows"].update(workflow_id, {"name": rev["name"], "graph": rev["graph"],
                                                 "n_nodes": len(graph["nodes"]), "updated_at": t})
        return self.get_workflow(workflow_id), f"{verb}: {rev['description']}"

    # ------------------------------------------------------------------ datasets
    def add_dataset(self, record: dict) -> dict:
        """The row of a dataset whose file is already in place."""
        return self.commit_dataset({**record, "tmp_path": None})

    def commit_dataset(self, record: dict) -> dict:
        """The converted file and its row land together: the file is renamed into place
        inside the transaction that inserts the row. A crash between the rename and the
        commit leaves a file no row owns, which start-up removes (data.ingest.clean_leftovers)."""
        row = {k: record.get(k) for k in ("id", "name", "filename", "format", "content_hash", "path", "n_rows",
                                          "n_cols", "size_bytes", "problem_type", "target", "source_path")}
        for key in ("profile", "charts", "reading", "notices", "options"):
            row[key] = _dumps(record.get(key))
        row["created_at"] = now()
        # the series in time a random split would cut, for the target the row will keep (the one chosen for the same
        # file before, else the guess): keyed by it, so a target changed meanwhile is only not told before a run
        prior = self._one("SELECT target, problem_type FROM datasets WHERE id = ?", [row["id"]])
        chosen = prior if prior is not None else record
        if record.get("profile"):
            row["profile"] = _dumps({**record["profile"], "series": _series_fact(
                record, chosen.get("target"), chosen.get("problem_type"))})
        placed, known = [], True
        try:
            with self.tx() as db:
                before = self._one("SELECT content_hash, source_path FROM datasets WHERE id = ?", [row["id"]])
                known = before is not None
                if known:  # the same file again: the target and problem type chosen for it stay
                    row.pop("target"), row.pop("problem_type")
                # the same bytes kept already: the old copy stays (replacing it frees the blocks
                # of the whole file inside the request: 0.1-0.15 s for 174 MB)
                kept = known and before["content_hash"] == record.get("content_hash") and \
                    before["source_path"] == record.get("source_path") and os.path.exists(before["source_path"] or "")
                db["datasets"].upsert(row, pk="id")
                if record.get("tmp_path"):
                    os.replace(record["tmp_path"], record["path"])
                    placed.append(record["path"])
                if record.get("source_tmp") and record.get("source_path") and not kept:
                    os.replace(record["source_tmp"], record["source_path"])
                    placed.append(record["source_path"])
                if record.get("sample_tmp") and os.path.exists(record["sample_tmp"]):
                    os.replace(record["sample_tmp"], record["sample_path"])
                    placed.append(record["sample_path"])
        except BaseException:
            if not known:  # a commit the disk refused: no row, so no files either
                for path in placed:
                    Path(path).unlink(missing_ok=True)
            raise
        return self.get_dataset(row["id"])

    def reread_dataset(self, record: dict) -> dict:
        """An upload read again another way (another encoding, sheet, column types or roles):
        its profile, charts, notices and Parquet file are replaced together; the target
        chosen for it stays, and a new reading that would take the target away is refused
        (422, nothing changed)."""
        from nodes.dataset import target_refusal

        current = self.get_dataset(record["id"])
        if current is None:
            raise NotFound(f"No uploaded dataset {quoted(record['id'])}.")
        target, problem_type = current.get("target"), current.get("problem_type")
        columns = (record.get("profile") or {}).get("columns", [])
        fields = {}
        if table_read(record) != table_read(current):
            # another sheet (or an archive's other table) is another table: it starts from its own suggested target
            target, problem_type = record.get("target"), record.get("problem_type")
            fields.update(target=target, problem_type=problem_type)
        elif not (current.get("profile") or {}).get("target_guess") and record.get("profile"):
            # the target was chosen (or never a guess): read again, it is still the user's choice
            record = {**record, "profile": {**record["profile"], "target_guess": None}}
        if target and problem_type in ("classification", "regression"):
            problem = target_refusal(columns, target, problem_type, record.get("n_rows"))
            if problem:
                raise Invalid(f"{quoted(target)} is the target of this dataset: {problem}", status=422,
                              errors={"target": problem})
        fields.update({k: record.get(k) for k in ("n_rows", "n_cols")})
        if record.get("profile"):  # read again, the series is found again for the target it keeps
            record = {**record, "profile": {**record["profile"],
                                            "series": _series_fact(record, target, problem_type)}}
        for key in ("profile", "charts", "reading", "notices", "options"):
            fields[key] = _dumps(record.get(key))
        # the current file stays reachable (a hard link: no room needed) until the row is
        # committed, so a commit the disk refuses puts it back: row and file stay together
        from data.ingest import TMP_PREFIX  # what start-up removes, should this be left behind

        kept = Path(current["path"]).with_name(f"{TMP_PREFIX}{record['id']}-previous.parquet")
        kept.unlink(missing_ok=True)
        if record.get("tmp_path") and Path(current["path"]).exists():
            os.link(current["path"], kept)
        try:
            with self.tx() as db:
                db["datasets"].update(record["id"], fields)
                if record.get("tmp_path"):
                    os.replace(record["tmp_path"], current["path"])
                if record.get("sample_tmp") and os.path.exists(record["sample_tmp"]):
                    os.replace(record["sample_tmp"], record["sample_path"])
        except BaseException:
            if kept.exists():
                os.replace(kept, current["path"])
            raise
        finally:
            kept.unlink(missing_ok=True)
        return self.get_dataset(record["id"])

    def dataset_ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM datasets").fetchall()]

    def get_dataset(self, dataset_id: str) -> dict | None:
        row = self._one(f"SELECT {_DATASET_FIELDS} FROM datasets WHERE id = ?", [dataset_id])
        if row:
            for key in ("profile", "reading", "notices", "options"):
                row[key] = _loads(row[key])
            row["notices"], row["options"] = row["notices"] or [], row["options"] or {}
            row["source"] = "upload"
        return row

    def dataset_charts(self, dataset_id: str) -> dict | None:
        """An upload's column charts (data.charts), None when it has none (uploaded before
        charts were computed)."""
        row = self._one("SELECT charts FROM datasets WHERE id = ?", [dataset_id])
        return _loads(row["charts"]) if row else None

    def set_dataset_charts(self, dataset_id: str, charts: dict) -> None:
        with self.tx() as db:
            db.execute("UPDATE datasets SET charts = ? WHERE id = ?", [_dumps(charts), dataset_id])

    def _sample_choices(self, dataset_id: str | None = None) -> dict:
        sql, params = "SELECT dataset_id, target, problem_type FROM dataset_settings", []
        if dataset_id is not None:
            sql, params = sql + " WHERE dataset_id = ?", [dataset_id]
        return {r["dataset_id"]: {"target": r["target"], "problem_type": r["problem_type"]}
                for r in self.db.query(sql, params)}

    def list_samples(self) -> list[dict]:
        """The sample datasets, each with the target and problem type chosen for it (its
        declared ones until someone chooses)."""
        from data import datasets  # imported here: a worker, which only supervises, needs no pandas
        chosen = self._sample_choices()
        return [{**s, **chosen.get(s["id"], {})} for s in datasets.list_samples()]

    def find_dataset(self, dataset_id: str) -> dict | None:
        """A sample (with its chosen target) or an upload, None when there is neither."""
        from data import datasets
        if datasets.is_sample(dataset_id):
            return {**datasets.sample_info(dataset_id), **self._sample_choices(dataset_id).get(dataset_id, {})}
        return self.get_dataset(dataset_id)

    def set_dataset_target(self, dataset_id: str, target: str | None, problem_type: str) -> dict:
        """What a dataset predicts by default: checked by the Dataset node's own rule (a 422
        with its sentence, nothing saved), `problem_type` "auto" following from the target.
        Uploads keep it in their row, samples in dataset_settings."""
        from data import datasets
        from nodes.dataset import target_refusal
        from plugins.base import PROBLEM_TYPES
        from plugins.guards import PAGE_ROWS
        from plugins.tables import suggest_problem_type

        if not isinstance(target, (str, type(None))) or not isinstance(problem_type, str):
            raise Invalid("Send the target as a column name (or nothing) and the problem type as text.", status=400)
        if problem_type not in (*PROBLEM_TYPES, "auto"):
            raise Invalid(f"Unknown problem type {quoted(problem_type)}; use auto or one of "
                          f"{', '.join(PROBLEM_TYPES)}.", status=422)
        target = target or None
        if datasets.is_sample(dataset_id):
            columns, n_rows = datasets.sample_profile(dataset_id)[0]["columns"], datasets.sample_info(dataset_id)["n_rows"]
        else:
            row = self.get_dataset(dataset_id)
            if row is None:
                raise NotFound(f"No dataset {quoted(dataset_id)}.")
            columns, n_rows = (row["profile"] or {}).get("columns", []), row["n_rows"]
        if problem_type == "auto":
            problem_type = suggest_problem_type(next((c for c in columns if c["name"] == target), None), n_rows) \
                if target else "clustering"
        problem = target_refusal(columns, target, problem_type, n_rows)
        if problem:
            raise Invalid(problem, status=422, errors={"target": problem})
        series = None
        if not datasets.is_sample(dataset_id):  # found for the new target, on the page's sample (samples: none)
            try:
                sample = datasets.sample_rows(dataset_id, self.settings.datasets_dir, PAGE_ROWS)
            except datasets.DatasetError:  # its file is gone: nothing is said before a run, which checks
                sample = None
            series = None if sample is None else datasets.series_fact(sample, target, problem_type, n_rows)
        with self.tx() as db:
            if datasets.is_sample(dataset_id):
                db.execute("INSERT INTO dataset_settings (dataset_id, target, problem_type, updated_at) "
                           "VALUES (?, ?, ?, ?) ON CONFLICT(dataset_id) DO UPDATE SET target = excluded.target, "
                           "problem_type = excluded.problem_type, updated_at = excluded.updated_at",
                           [dataset_id, target, problem_type, now()])
            else:  # a target chosen is no longer the upload's guess (plugins.tables.target_guess)
                db.execute("UPDATE datasets SET target = ?, problem_type = ?, profile = ? WHERE id = ?",
                           [target, problem_type,
                            _dumps({**(row["profile"] or {}), "target_guess": None, "series": series}), dataset_id])
        return self.find_dataset(dataset_id)

    def list_datasets(self, with_usage: bool = False) -> list[dict]:
        """Uploads, newest first; `with_usage` adds `used_by` (workflow names), which reads
        the graphs of the workflows: only the datasets page asks for it."""
        # guessed: the target is still the upload's guess (no name says it; plugins.tables.target_guess)
        rows = list(self.db.query("SELECT id, name, filename, format, n_rows, n_cols, size_bytes, problem_type, "
                                  "target, created_at, json_extract(profile, '$.target_guess.column') IS target "
                                  "AND target IS NOT NULL AS guessed FROM datasets ORDER BY created_at DESC"))
        used = self.workflows_using_datasets() if with_usage else {}
        for r in rows:
            r["source"], r["guessed"] = "upload", bool(r["guessed"])
            if with_usage:
                r["used_by"] = used.get(r["id"], [])
        return rows

    def workflows_using_datasets(self) -> dict:
        """dataset id -> names of the workflows whose nodes use it (read from the graphs of
        the workflows that mention a dataset at all)."""
        used: dict = {}
        for row in self.db.query("SELECT name, graph FROM workflows WHERE graph LIKE '%dataset_id%' ORDER BY name"):
            graph = graphs.readable_graph(row["graph"])
            for node in graph["nodes"]:
                ds = (node.get("config") or {}).get("dataset_id")
                if isinstance(ds, str) and row["name"] not in used.setdefault(ds, []):
                    used[ds].append(row["name"])
        return used

    def delete_dataset(self, dataset_id: str) -> dict:
        """An upload's files, then its row: one rule for the API and the editor alike (a
        sample dataset is part of the app and cannot be deleted).

        The files go first so that deleting works on a full disk, which is when people
        delete: removing the row needs a little room, and the files give it back. They are
        emptied under a mark (datasets.empty_for_deletion); if the disk still refuses the
        row's deletion, the mark stays and the next delete, or start-up, finishes it
        (finish_deletions): a row is never left pointing at a file that was meant to go."""
        from data import datasets
        if datasets.is_sample(dataset_id):
            raise Invalid("Sample datasets cannot be deleted.", status=400)
        row = self._one("SELECT * FROM datasets WHERE id = ?", [dataset_id])
        if row is None:
            raise NotFound(f"No uploaded dataset {quoted(dataset_id)}.")
        table = datasets._safe_path(dataset_id, self.settings.datasets_dir)
        files = [table, table.with_name(dataset_id + datasets.SAMPLE_SUFFIX)]
        if row.get("source_path"):
            files.append(Path(row["source_path"]))
        marks = datasets.empty_for_deletion(files)
        marks += [m for m in datasets.deletion_marks(self.settings.datasets_dir).get(dataset_id, []) if m not in marks]
        with disk.translated(self.settings, "Deleting the dataset (its files are emptied already)"):
            with self.tx() as db:
                db.execute("DELETE FROM datasets WHERE id = ?", [dataset_id])
        for mark in marks:
            mark.unlink(missing_ok=True)
        return row

    def finish_deletions(self) -> list[str]:
        """Start-up: the uploads whose deletion the disk stopped after their files were
        emptied lose their rows now, then their marks. Returns their ids."""
        from data import datasets
        done = []
        for dataset_id, marks in datasets.deletion_marks(self.settings.datasets_dir).items():
            with self.tx() as db:
                db.execute("DELETE FROM datasets WHERE id = ?", [dataset_id])
            for mark in marks:
                mark.unlink(missing_ok=True)
            done.append(dataset_id)
        return done

    # ------------------------------------------------------------------ node cache
    def cache_entry(self, key: str) -> dict | None:
        """The cache's row for a key (its files are executor.cache's), marked as used now."""
        row = self._one("SELECT * FROM node_cache WHERE key = ?", [key])
        if row is not None:
            with self.tx() as db:
                db.execute("UPDATE node_cache SET used_at = ? WHERE key = ?", [now(), key])
        return row

    def cache_add(self, key: str, node_type: str, job_id: str, node_id: str, size: int, limit: int) -> list[str]:
        """A new entry; then the least recently used entries beyond `limit` bytes in all leave
        the table, in the same transaction. Returns the keys that left (their files go next)."""
        t = now()
        with self.tx() as db:
            db["node_cache"].upsert({"key": key, "node_type": node_type, "job_id": job_id, "node_id": node_id,
                                     "size": size, "created_at": t, "used_at": t}, pk="key")
            total = db.execute("SELECT COALESCE(SUM(size), 0) FROM node_cache").fetchone()[0]
            gone = []
            for old, old_size in db.execute("SELECT key, size FROM node_cache ORDER BY used_at, created_at").fetchall():
                if total <= limit:
                    break
                gone.append(old)
                total -= old_size
            for old in gone:
                db.execute("DELETE FROM node_cache WHERE key = ?", [old])
        return gone

    def cache_drop(self, key: str) -> None:
        with self.tx() as db:
            db.execute("DELETE FROM node_cache WHERE key = ?", [key])

    def cache_size(self) -> tuple[int, int]:
        """(entries, bytes) in the cache."""
        n, size = self.db.execute("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM node_cache").fetchone()
        return n, size

    def cache_keys(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT key FROM node_cache").fetchall()}

    def last_node_key(self, workflow_id: str, node_id: str) -> dict | None:
        """The key the node had when a run of this workflow last completed it (or reused it)."""
        row = self._one("SELECT * FROM node_keys WHERE workflow_id = ? AND node_id = ?", [workflow_id, node_id])
        if row is not None:
            row["fields"] = _loads(row["fields"])
        return row

    def set_node_key(self, workflow_id: str, node_id: str, key: str, fields: dict, job_id: str) -> None:
        with self.tx() as db:
            db["node_keys"].upsert({"workflow_id": workflow_id, "node_id": node_id, "key": key,
                                    "fields": _dumps(fields), "job_id": job_id, "at": now()},
                                   pk=("workflow_id", "node_id"))

    # ------------------------------------------------------------------ jobs
    def create_job(self, workflow_id: str | None, graph: dict, estimate: dict, time_limit: float,
                   retry_of: str | None = None, snapshot_id: str | None = None, task_id: str | None = None,
                   rerun=None) -> dict:
        """The job, its nodes and its snapshot, in one transaction. With `task_id` (what a
        submission does) the job is written queued with the id of the task about to be put in
        the queue: if the process dies before that task is there, the sweeper finds a queued
        job whose task is missing and puts it there. Without, it is pending until mark_queued.
        `rerun`: "all", or the ids of nodes to run again (with what depends on them) however
        their cache keys compare; None reuses every node whose key is unchanged."""
        t = now()
        job_id = new_id("job")
        with self.tx() as db:
            if snapshot_id is None:
                snapshot_id = new_id("snap")
                db["snapshots"].insert({"id": snapshot_id, "workflow_id": workflow_id, "graph": _dumps(graph),
                                        "created_at": t})
            queued = {"status": "queued", "task_id": task_id, "queued_at": t, "enqueued_at": t} if task_id else {
                "status": "pending"}
            db["jobs"].insert({"id": job_id, "workflow_id": workflow_id, "snapshot_id": snapshot_id,
                               "attempt": 1, "estimated_time": estimate.get("seconds"),
                               "estimated_cost": estimate.get("credits"), "time_limit": time_limit,
                               "created_at": t, "retry_of": retry_of, "rerun": _dumps(rerun), **queued})
            db["job_nodes"].insert_all([{"job_id": job_id, "node_id": n["id"], "node_type": n.get("type"),
                                         "status": "pending"} for n in graph.get("nodes", [])])
        return self.get_job(job_id)

    def mark_queued(self, job_id: str, task_id: str | None) -> None:
        t = now()
        with self.tx() as db:
            db.execute("UPDATE jobs SET status = 'queued', queued_at = ?, enqueued_at = ?, task_id = ? "
                       "WHERE id = ? AND status = 'pending'", [t, t, task_id, job_id])

    def get_job(self, job_id: str, with_nodes: bool = True) -> dict | None:
        row = self._one("SELECT * FROM jobs WHERE id = ?", [job_id])
        if row is None:
            return None
        row["results"] = _loads(row["results"])
        row["rerun"] = _loads(row.get("rerun"))
        row["cancel_requested"] = bool(row["cancel_requested"])
        if with_nodes:
            nodes = list(self.db.query("SELECT * FROM job_nodes WHERE job_id = ? ORDER BY rowid", [job_id]))
            for n in nodes:
                n["output"] = _loads(n["output"])
                n.pop("job_id")
            row["nodes"] = nodes
        return row

    def require_job(self, job_id: str, with_nodes: bool = True) -> dict:
        job = self.get_job(job_id, with_nodes=with_nodes)
        if job is None:
            raise NotFound(f"No job {quoted(job_id)}.")
        return job

    def get_snapshot(self, snapshot_id: str) -> dict:
        row = self._one("SELECT graph FROM snapshots WHERE id = ?", [snapshot_id])
        if row is None:
            raise NotFound(f"No snapshot {quoted(snapshot_id)}.")
        return _loads(row["graph"])

    def list_jobs(self, workflow_id: str | None = None, limit: int = 100, key_metric: bool = False) -> list[dict]:
        """Newest first. `key_metric`: each run also says its first Evaluate node's first
        metric ({"key", "value", "node_id"}), what the history shows beside its status."""
        sql = ("SELECT id, workflow_id, status, attempt, estimated_time, estimated_cost, created_at, started_at, "
               "completed_at, error_message, retry_of" + (", results" if key_metric else "") + " FROM jobs")
        params: list = []
        if workflow_id:
            sql += " WHERE workflow_id = ?"
            params.append(workflow_id)
        sql += " ORDER BY created_at DESC, rowid DESC LIMIT ?"
        params.append(limit)
        rows = list(self.db.query(sql, params))
        if key_metric:
            from plugins import registry

            for r in rows:
                results = json.loads(r.pop("results") or "null") or {}
                r["key_metric"] = registry.headline_metric(results)
                r["changed"] = results.get("changed") or ""  # from the run before (executor.cache.what_changed)
        return rows

    def latest_job(self, workflow_id: str) -> dict | None:
        jobs = self.list_jobs(workflow_id, limit=1)
        return jobs[0] if jobs else None

    def active_jobs(self) -> list[dict]:
        return list(self.db.query("SELECT * FROM jobs WHERE status IN ('pending', 'queued', 'running')"))

    # ------------------------------------------------------------------ events
    def _append(self, db, job_id: str, type_: str, node_id: str | None, payload: dict) -> int:
        seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE job_id = ?", [job_id]).fetchone()[0]
        t = now()
        body = {"type": type_, "job_id": job_id, "node_id": node_id, **payload,
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z",
                "seq": seq}
        # one plain INSERT: sqlite-utils' insert reads the schema first (38 us against 7, 17 events a small job)
        db.execute("INSERT INTO events (job_id, seq, type, node_id, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                   [job_id, seq, type_, node_id, _dumps(body), t])
        self._local.appended = True
        return seq

    def append_event(self, job_id: str, type_: str, node_id: str | None = None, payload: dict | None = None,
                     attempt: int | None = None) -> int:
        with self.tx() as db:
            if attempt is not None:
                self._check_lease(job_id, attempt)
            return self._append(db, job_id, type_, node_id, payload or {})

    def events_after(self, job_id: str, after: int = 0, limit: int = 500) -> list[dict]:
        rows = self.db.query("SELECT seq, type, payload FROM events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                             [job_id, after, limit])
        return [{"seq": r["seq"], "type": r["type"], "data": r["payload"]} for r in rows]

    def trials(self, job_id: str) -> dict[str, list[dict]]:
        """The Optuna trials each node of the job's latest attempt has finished so far (its
        `node_trial` events), by node id, in order: what the live search panel shows."""
        out: dict[str, list[dict]] = {}
        for r in self.db.query("SELECT node_id, payload FROM events WHERE job_id = ? AND type = 'node_trial' AND seq > "
                               "(SELECT COALESCE(MAX(seq), 0) FROM events WHERE job_id = ? AND type = 'job_started') "
                               "ORDER BY seq", [job_id, job_id]):
            out.setdefault(r["node_id"], []).append(_loads(r["payload"]))
        return out

    def highest_rounds(self, job_id: str) -> dict[str, int]:
        """The highest round of a retrain loop each node's statuses said in the job's latest
        attempt, by node id (nodes outside a loop: none): what its round badge follows."""
        rows = self.db.query("SELECT node_id, MAX(CAST(json_extract(payload, '$.round') AS INTEGER)) AS k FROM events "
                             "WHERE job_id = ? AND type = 'node_status' AND json_extract(payload, '$.round') IS NOT NULL "
                             "AND seq > (SELECT COALESCE(MAX(seq), 0) FROM events WHERE job_id = ? AND "
                             "type = 'job_started') GROUP BY node_id", [job_id, job_id])
        return {r["node_id"]: r["k"] for r in rows}

    # ------------------------------------------------------------------ worker side
    def _check_lease(self, job_id: str, attempt: int) -> dict:
        row = self._one("SELECT attempt, status FROM jobs WHERE id = ?", [job_id])
        if row is None or row["attempt"] != attempt or row["status"] != "running":
            raise LeaseLost(f"job {job_id} attempt {attempt} no longer owns the job")
        return row

    def claim(self, job_id: str, attempt: int, worker: str) -> bool:
        """Queued -> running for this attempt, once. False when cancelled or superseded."""
        with self.tx() as db:
            row = self._one("SELECT status, attempt FROM jobs WHERE id = ?", [job_id])
            if row is None or row["status"] != "queued" or row["attempt"] != attempt:
                return False
            t = now()
            db.execute("UPDATE jobs SET status = 'running', started_at = COALESCE(started_at, ?), heartbeat_at = ?, "
                       "worker = ? WHERE id = ?", [t, t, worker, job_id])
            db.execute("UPDATE job_nodes SET status = 'pending', progress = NULL, message = NULL, started_at = NULL, "
                       "completed_at = NULL, duration = NULL, output = NULL, error_message = NULL, traceback = NULL "
                       "WHERE job_id = ?", [job_id])
            payload = {"status": "running", "attempt": attempt}
            if attempt > 1:
                payload["message"] = f"Attempt {attempt}: the previous worker was lost."
            self._append(db, job_id, "job_started", None, payload)
        return True

    def heartbeat(self, job_id: str, attempt: int) -> dict | None:
        """Refresh the lease; returns the job's control fields (cancel flag, limits) or None
        when this attempt lost the job."""
        with self.tx() as db:
            try:
                self._check_lease(job_id, attempt)
            except LeaseLost:
                return None
            db.execute("UPDATE jobs SET heartbeat_at = ? WHERE id = ?", [now(), job_id])
            return self._one("SELECT cancel_requested, started_at, time_limit FROM jobs WHERE id = ?", [job_id])

    def node_event(self, job_id: str, attempt: int, event: dict) -> None:
        """An engine event: update job_nodes and append the event row, atomically."""
        self.node_events(job_id, attempt, [event])

    def node_events(self, job_id: str, attempt: int, events: list[dict]) -> None:
        """Engine events, in order, in one transaction (one lease check): what follows at once
        goes together (a node's end and the next node's start), so that a small job's
        workers take the write lock half as often."""
        with self.tx() as db:
            self._check_lease(job_id, attempt)
            for event in events:
                self._node_event(db, job_id, event)

    def _node_event(self, db, job_id: str, event: dict) -> None:
        node_id = event.get("node_id")
        kind = event["type"]
        payload = {k: v for k, v in event.items() if k not in ("type", "node_id", "traceback", "output")}
        t = now()
        if kind == "node_status":
            st = event["status"]
            fields = {"status": st, "message": event.get("message")}
            if event.get("reason"):
                fields["reason"] = event["reason"]
            if st == "running":
                fields.update(started_at=t, progress=0.0)
            else:
                fields.update(completed_at=t, duration=event.get("duration"))
                if st in ("completed", "cached"):
                    fields.update(progress=1.0, output=_dumps(event.get("output")))
                    if event.get("warnings"):
                        fields["message"] = " ".join([*([event["message"]] if event.get("message") else []),
                                                      *event["warnings"]])
                if st == "failed":
                    fields.update(error_message=event.get("message"), traceback=event.get("traceback"))
            sets = ", ".join(f"{k} = ?" for k in fields)
            db.execute(f"UPDATE job_nodes SET {sets} WHERE job_id = ? AND node_id = ?",
                       [*fields.values(), job_id, node_id])
        elif kind == "node_progress":
            db.execute("UPDATE job_nodes SET progress = ?, message = ? WHERE job_id = ? AND node_id = ?",
                       [event.get("progress"), event.get("message"), job_id, node_id])
        self._append(db, job_id, kind, node_id, payload)

    def add_artifact(self, job_id: str, attempt: int, node_id: str, kind: str, name: str, data: bytes,
                     mime: str) -> str:
        self._check_lease(job_id, attempt)
        artifact_id = new_id("art")
        folder = self.settings.artifacts_dir / job_id
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{artifact_id}-{Path(name).name}"
        try:
            path.write_bytes(data)
        except OSError as e:
            path.unlink(missing_ok=True)  # what was written before the disk filled would keep its room
            if disk.is_disk_full(e):
                raise disk.failed(self.settings, f"The {kind} {Path(name).name}", needed=len(data)) from e
            raise
        with self.tx() as db:
            self._check_lease(job_id, attempt)
            db.execute("INSERT INTO artifacts (id, job_id, node_id, kind, name, mime, path, size, attempt, created_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [artifact_id, job_id, node_id, kind, Path(name).name, mime, str(path), len(data), attempt, now()])
        return artifact_id

    def get_artifact(self, job_id: str, artifact_id: str) -> dict:
        row = self._one("SELECT * FROM artifacts WHERE id = ? AND job_id = ?", [artifact_id, job_id])
        if row is None:
            raise NotFound(f"No artifact {quoted(artifact_id)} in job {quoted(job_id)}.")
        return row

    def finish(self, job_id: str, attempt: int | None, status: str, *, results: dict | None = None,
               error: str | None = None, event_payload: dict | None = None, stale_before: float | None = None,
               waiting: bool = False) -> bool:
        """Terminal state: job row, pending/running nodes, and the terminal event, in one
        transaction. With an attempt, only that attempt may finish the job, while it runs
        (or, with `waiting`, while the job still waits for it in the queue); with
        `stale_before` too (the sweeper), only while its heartbeat is older than that."""
        assert status in TERMINAL
        with self.tx() as db:
            row = self._one("SELECT status, attempt, heartbeat_at, started_at FROM jobs WHERE id = ?", [job_id])
            if row is None or row["status"] in TERMINAL:
                return False
            if attempt is not None and (row["attempt"] != attempt or row["status"] not in (
                    ("pending", "queued") if waiting else ("running",))):
                return False
            if stale_before is not None and not _stale(row, stale_before):
                return False
            t = now()
            db.execute("UPDATE jobs SET status = ?, completed_at = ?, error_message = ?, results = ? WHERE id = ?",
                       [status, t, error, _dumps(results) if results is not None else None, job_id])
            for n in db.execute("SELECT node_id, status FROM job_nodes WHERE job_id = ? AND status IN "
                                "('pending', 'running')", [job_id]).fetchall():
                node_id, st = n
                if status == "cancelled":  # the interrupted node, and the ones never started, say so
                    new = "cancelled"
                    msg = ("Stopped: the run was cancelled while this node ran." if st == "running"
                           else "Not started: the run was cancelled.")
                else:
                    new = "failed" if (st == "running" and status == "failed") else "skipped"
                    msg = error if new == "failed" else "Skipped: the job stopped."
                db.execute("UPDATE job_nodes SET status = ?, message = ?, completed_at = ?, error_message = ? "
                           "WHERE job_id = ? AND node_id = ?",
                           [new, msg, t, error if new == "failed" else None, job_id, node_id])
                self._append(db, job_id, "node_status", node_id, {"status": new, "message": msg})
            event = {"completed": "job_completed", "failed": "job_failed", "cancelled": "job_cancelled"}[status]
            payload = {"status": status, **(event_payload or {})}
            if error:
                payload["message"] = error
            self._append(db, job_id, event, None, payload)
        return True

    # ------------------------------------------------------------------ workers
    def worker_beat(self, worker_id: str, host: str, pid: int) -> None:
        t = now()
        with self.tx() as db:
            db.execute("INSERT INTO workers (id, host, pid, started_at, beat_at) VALUES (?, ?, ?, ?, ?) "
                       "ON CONFLICT(id) DO UPDATE SET beat_at = excluded.beat_at", [worker_id, host, pid, t, t])

    def worker_gone(self, worker_id: str) -> None:
        with self.tx() as db:
            db.execute("DELETE FROM workers WHERE id = ?", [worker_id])

    def live_workers(self, max_age: float) -> list[dict]:
        """Workers that beat within `max_age` seconds; older rows are forgotten."""
        t = now()
        try:
            # the write lock only when there is something to forget (asked at every submission: it took the lock
            # once a job where the workers' jobs take it 8 times)
            if self.db.execute("SELECT 1 FROM workers WHERE beat_at < ? LIMIT 1", [t - 10 * max_age]).fetchone():
                with self.tx() as db:
                    db.execute("DELETE FROM workers WHERE beat_at < ?", [t - 10 * max_age])
        except sqlite3.Error as e:  # tidying can wait for room; the answer cannot (health, on a full disk)
            if not disk.is_disk_full(e, self.settings.home):
                raise
        return list(self.db.query("SELECT * FROM workers WHERE beat_at >= ? ORDER BY started_at", [t - max_age]))

    def cancel_requested(self, job_id: str) -> bool:
        row = self._one("SELECT cancel_requested FROM jobs WHERE id = ?", [job_id])
        return bool(row and row["cancel_requested"])

    def request_cancel(self, job_id: str) -> dict:
        with self.tx() as db:
            row = self._one("SELECT status FROM jobs WHERE id = ?", [job_id])
            if row is None:
                raise NotFound(f"No job {quoted(job_id)}.")
            if row["status"] in TERMINAL:
                raise Invalid(f"The job is already {row['status']}.", status=409)
            db.execute("UPDATE jobs SET cancel_requested = 1 WHERE id = ?", [job_id])
            return {"status": row["status"]}

    def requeue(self, job_id: str, expected_attempt: int, task_id: str | None = None,
                stale_before: float | None = None) -> int | None:
        """Give a job whose worker vanished a new attempt, queued with the id of its task
        (written before the task is put in the queue, as a submission does). With
        `stale_before`, only while the attempt's heartbeat is older than that, checked in this
        transaction: an attempt that beat since the sweeper looked is alive. None when it has
        no attempts left, changed meanwhile, or is alive."""
        with self.tx() as db:
            row = self._one("SELECT status, attempt, max_attempts, heartbeat_at, started_at FROM jobs WHERE id = ?",
                            [job_id])
            if row is None or row["status"] != "running" or row["attempt"] != expected_attempt:
                return None
            if stale_before is not None and not _stale(row, stale_before):
                return None
            if row["attempt"] >= row["max_attempts"]:
                return None
            attempt = row["attempt"] + 1
            t = now()
            db.execute("UPDATE jobs SET status = 'queued', attempt = ?, heartbeat_at = NULL, queued_at = ?, "
                       "enqueued_at = ?, task_id = COALESCE(?, task_id) WHERE id = ?",
                       [attempt, t, t, task_id, job_id])
            return attempt

    def requeue_lost_task(self, job_id: str, attempt: int, task_id: str) -> bool:
        """The task of this attempt is not in the queue and no worker claimed the job: record
        that it is put in the queue again, as `task_id` (the lost one's id when it had one),
        and count the loss. Only while the job still waits for that attempt and nobody asked
        to cancel it."""
        with self.tx() as db:
            t = now()
            cur = db.execute("UPDATE jobs SET status = 'queued', task_id = ?, enqueued_at = ?, "
                             "queued_at = COALESCE(queued_at, ?), tasks_lost = tasks_lost + 1 WHERE id = ? "
                             "AND attempt = ? AND status IN ('pending', 'queued') AND cancel_requested = 0",
                             [task_id, t, t, job_id, attempt])
            return cur.rowcount == 1

    # ------------------------------------------------------------------ model registry
    def add_model_version(self, deployment: str, bundle: bytes, card: dict, *, job_id: str | None,
                          model_node_id: str | None, deploy_node_id: str | None, alias: str = "production",
                          why: str = "", model_sha256: str | None = None) -> dict:
        """A new immutable version of `deployment` (numbered from 1), with `alias` pointed at
        it, in one transaction; the version, with `existing` False. A run's Deploy node
        registers once: asked again (a retried attempt), the version it made is given back.
        A model the deployment already has (the same `model_sha256`; for a version registered
        before digests were kept, the same run and model node) makes no new version: `alias`
        is pointed at that one (recorded in its history when it moves) and it is given back
        with `existing` True and `moved` saying whether the alias moved."""
        import hashlib

        with self.tx() as db:
            if deploy_node_id is not None:
                had = self._one("SELECT deployment, version FROM model_versions WHERE job_id = ? AND deploy_node_id = ?",
                                [job_id, deploy_node_id])
                if had is not None:
                    return {**self.model_version(had["deployment"], had["version"]), "existing": False}
            same = self._one(
                "SELECT version FROM model_versions WHERE deployment = ? AND (model_sha256 = ? OR (model_sha256 IS "
                "NULL AND job_id = ? AND model_node_id = ?)) ORDER BY version = (SELECT version FROM "
                "deployment_aliases WHERE deployment = ? AND alias = ?) DESC, version DESC LIMIT 1",
                [deployment, model_sha256, job_id, model_node_id, deployment, alias]) if model_sha256 else None
            if same is not None:
                number = same["version"]
                pointed = self._one("SELECT version FROM deployment_aliases WHERE deployment = ? AND alias = ?",
                                    [deployment, alias])
                moved = pointed is None or pointed["version"] != number
                if moved:
                    self._point(db, deployment, alias, number,
                                f"{why or 'deployed'}: the same model as version {number}, no new version")
                return {**self.model_version(deployment, number), "existing": True, "moved": moved}
            number = (self._one("SELECT MAX(version) AS n FROM model_versions WHERE deployment = ?",
                                [deployment])["n"] or 0) + 1
            db["model_versions"].insert({
                "id": new_id("ver"), "deployment": deployment, "version": number, "job_id": job_id,
                "model_node_id": model_node_id, "deploy_node_id": deploy_node_id, "bundle": bundle,
                "bundle_sha256": hashlib.sha256(bundle).hexdigest(), "model_sha256": model_sha256,
                "card": _dumps(card), "created_at": now()})
            self._point(db, deployment, alias, number, why or f"version {number} registered")
        return {**self.model_version(deployment, number), "existing": False}

    def _point(self, db, deployment: str, alias: str, version: int, why: str) -> None:
        was = self._one("SELECT version FROM deployment_aliases WHERE deployment = ? AND alias = ?", [deployment, alias])
        t = now()
        db.execute("INSERT INTO deployment_aliases (deployment, alias, version, updated_at) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT (deployment, alias) DO UPDATE SET version = excluded.version, "
                   "updated_at = excluded.updated_at", [deployment, alias, version, t])
        db["alias_history"].insert({"deployment": deployment, "alias": alias, "version": version,
                                    "previous": was["version"] if was else None, "why": why, "at": t})

    def move_alias(self, deployment: str, alias: str, version: int, why: str = "moved by hand") -> dict:
        with self.tx() as db:
            if self._one("SELECT 1 AS x FROM model_versions WHERE deployment = ? AND version = ?",
                         [deployment, version]) is None:
                self.require_deployment(deployment)
                # which to choose, not only which not (a tester had to list the deployment to find them)
                versions = [r["version"] for r in self.db.query(
                    "SELECT version FROM model_versions WHERE deployment = ? ORDER BY version", [deployment])]
                raise NotFound(f"Deployment {quoted(deployment)} has no version {version}: "
                               f"{versions_said(versions)}.")
            if self.alias_version(deployment, alias) != version:  # a move to where it is records nothing
                self._point(db, deployment, alias, version, why)
        return self.deployment(deployment)

    def model_version(self, deployment: str, version: int, with_bundle: bool = False) -> dict | None:
        columns = "*" if with_bundle else ("id, deployment, version, job_id, model_node_id, deploy_node_id, "
                                           "bundle_sha256, model_sha256, length(bundle) AS bundle_bytes, card, "
                                           "created_at")
        row = self._one(f"SELECT {columns} FROM model_versions WHERE deployment = ? AND version = ?",
                        [deployment, version])
        if row is not None:
            row["card"] = _loads(row["card"])
        return row

    def alias_version(self, deployment: str, alias: str = "production") -> int | None:
        row = self._one("SELECT version FROM deployment_aliases WHERE deployment = ? AND alias = ?", [deployment, alias])
        return row["version"] if row else None

    def deployment_names(self) -> list[str]:
        return [r["deployment"] for r in self.db.query(
            "SELECT DISTINCT deployment FROM model_versions ORDER BY deployment")]

    def require_deployment(self, deployment: str) -> None:
        if self._one("SELECT 1 AS x FROM model_versions WHERE deployment = ? LIMIT 1", [deployment]) is None:
            raise NotFound(f"No deployment {quoted(deployment)}.")

    def deployment(self, deployment: str) -> dict:
        """A deployment: its versions (newest first, without their bytes), aliases and the
        aliases' history."""
        self.require_deployment(deployment)
        versions = [{**r, "card": _loads(r["card"])} for r in self.db.query(
            "SELECT id, deployment, version, job_id, model_node_id, deploy_node_id, bundle_sha256, model_sha256, "
            "length(bundle) AS bundle_bytes, card, created_at FROM model_versions WHERE deployment = ? "
            "ORDER BY version DESC", [deployment])]
        aliases = {r["alias"]: r["version"] for r in self.db.query(
            "SELECT alias, version FROM deployment_aliases WHERE deployment = ?", [deployment])}
        history = list(self.db.query("SELECT alias, version, previous, why, at FROM alias_history "
                                     "WHERE deployment = ? ORDER BY id", [deployment]))
        return {"name": deployment, "aliases": aliases, "versions": versions, "alias_history": history}

    # ------------------------------------------------------------------ API keys
    def add_key(self, name: str, key_sha256: str, prefix: str) -> dict:
        row = {"id": new_id("key"), "name": name, "prefix": prefix, "key_sha256": key_sha256, "created_at": now(),
               "last_used_at": None, "revoked_at": None}
        with self.tx() as db:
            db["api_keys"].insert(row)
        return {k: v for k, v in row.items() if k != "key_sha256"}

    def list_keys(self) -> list[dict]:
        return list(self.db.query("SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys "
                                  "ORDER BY created_at"))

    def revoke_key(self, key_id: str) -> dict:
        with self.tx() as db:
            row = self._one("SELECT id, revoked_at FROM api_keys WHERE id = ?", [key_id])
            if row is None:
                raise NotFound(f"No API key {quoted(key_id)}.")
            if row["revoked_at"] is None:
                db.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ?", [now(), key_id])
        return self._one("SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys WHERE id = ?",
                         [key_id])

    def use_key(self, key_sha256: str) -> dict | None:
        """The live key with this hash, its last use now (written at most once a minute: not a
        write per request); None for an unknown or revoked key."""
        row = self._one("SELECT id, name, prefix, last_used_at FROM api_keys WHERE key_sha256 = ? "
                        "AND revoked_at IS NULL", [key_sha256])
        if row is not None and (row["last_used_at"] is None or now() - row["last_used_at"] > 60):
            with self.tx() as db:
                db.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", [now(), row["id"]])
        return row

    def revoked_key(self, key_sha256: str) -> dict | None:
        """The revoked key with this hash (its prefix, when it was revoked), else None."""
        return self._one("SELECT prefix, revoked_at FROM api_keys WHERE key_sha256 = ? AND revoked_at IS NOT NULL",
                         [key_sha256])

    # ------------------------------------------------------------------ prediction log
    def production_version(self, deployment: str, alias: str = "production") -> dict | None:
        """The version `alias` points at: its number, id and bundle hash (one query: what the
        predict endpoint reads per request)."""
        return self._one("SELECT v.version, v.id, v.bundle_sha256 FROM deployment_aliases a JOIN model_versions v "
                         "ON v.deployment = a.deployment AND v.version = a.version "
                         "WHERE a.deployment = ? AND a.alias = ?", [deployment, alias])

    def has_deployment(self, deployment: str) -> bool:
        return self._one("SELECT 1 AS x FROM model_versions WHERE deployment = ? LIMIT 1", [deployment]) is not None

    def log_prediction(self, entry: dict, keep: int, trim_every: int = 1000) -> None:
        """One request's row; every `trim_every` rows (of all deployments) each deployment's
        rows beyond its newest `keep` are deleted, so the log stays bounded without a delete
        per request."""
        with self.tx() as db:
            row_id = db["prediction_log"].insert({"at": now(), **entry}).last_rowid
            if row_id % trim_every == 0:
                for r in list(db.query("SELECT DISTINCT deployment FROM prediction_log")):
                    self._trim_log(db, r["deployment"], keep)

    def _trim_log(self, db, deployment: str, keep: int) -> None:
        db.execute("DELETE FROM prediction_log WHERE deployment = ? AND id < (SELECT id FROM prediction_log "
                   "WHERE deployment = ? ORDER BY id DESC LIMIT 1 OFFSET ?)", [deployment, deployment, keep - 1])

    def trim_prediction_log(self, deployment: str, keep: int) -> None:
        with self.tx() as db:
            self._trim_log(db, deployment, keep)

    def prediction_log(self, deployment: str, since: float) -> list[dict]:
        """The deployment's requests since `since` (oldest first)."""
        return list(self.db.query("SELECT at, version, key_prefix, rows, status, load_ms, parse_ms, validate_ms, "
                                  "predict_ms, total_ms, error FROM prediction_log WHERE deployment = ? AND at >= ? ORDER BY id",
                                  [deployment, since]))

    def prediction_errors(self, deployment: str, limit: int) -> list[dict]:
        return list(self.db.query("SELECT at, version, key_prefix, rows, status, error FROM prediction_log "
                                  "WHERE deployment = ? AND status >= 400 ORDER BY id DESC LIMIT ?",
                                  [deployment, limit]))

    def prediction_count(self, deployment: str) -> int:
        return self._one("SELECT COUNT(*) AS n FROM prediction_log WHERE deployment = ?", [deployment])["n"]

    def set_child_pid(self, job_id: str, attempt: int, pid: int) -> None:
        with self.tx() as db:
            self._check_lease(job_id, attempt)
            db.execute("UPDATE jobs SET child_pid = ? WHERE id = ?", [pid, job_id])


def _series_fact(record: dict, target: str | None, problem_type: str | None) -> dict | None:
    """data.datasets.series_fact for an upload's record (being committed, or read again), on
    the sample written beside its table; None when there is no sample to read (nothing is
    said before a run then, and the run checks)."""
    from data import datasets
    from plugins.guards import PAGE_ROWS

    path = next((p for p in (record.get("sample_tmp"), record.get("sample_path")) if p and os.path.exists(p)), None)
    if path is None:
        return None
    sample = datasets.stored_sample(path, PAGE_ROWS)
    return datasets.series_fact(sample, target, problem_type, record.get("n_rows"))


def _stale(row: dict, before: float) -> bool:
    """A running attempt's last sign of life (its heartbeat, else its start) is older than `before`."""
    return (row["heartbeat_at"] or row["started_at"] or 0) < before


# every field of a dataset's row but its charts, which only the dataset page reads
_DATASET_FIELDS = ("id, name, filename, format, content_hash, path, n_rows, n_cols, size_bytes, profile, "
                   "problem_type, target, created_at, reading, notices, options, source_path")


def versions_said(versions: list[int]) -> str:
    """'its only version is 1', 'its versions are 1 to 4', '... 1, 2, 5 to 9 and 12' (ascending
    whole numbers; a run of three or more said by its ends)."""
    if len(versions) == 1:
        return f"its only version is {versions[0]}"
    runs: list[list[int]] = []
    for v in versions:
        if runs and v == runs[-1][-1] + 1:
            runs[-1].append(v)
        else:
            runs.append([v])
    parts = [f"{r[0]} to {r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs]
    said = ", ".join(parts)
    last = said.rfind(", ")
    return "its versions are " + (said if last < 0 else said[:last] + " and " + said[last + 2:])


def clean_name(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise Invalid("A workflow needs a name.", status=400)
    name = " ".join(name.split())
    if len(name) > 120:
        raise Invalid("A workflow name can be at most 120 characters.", status=400)
    return name


def describe_change(before: dict, after: dict, old_name: str = "", new_name: str = "") -> tuple[str, str | None]:
    """What a change did, as the undo history words it ("moved 2 nodes", "Model
    hyperparameters", "deleted Split"), and its coalescing key: "move:<ids>" when the change
    only moved nodes, else None."""
    b = {n["id"]: n for n in before.get("nodes", [])}
    a = {n["id"]: n for n in after.get("nodes", [])}

    def config(n: dict) -> dict:  # a row written before configs were checked may hold anything
        return n.get("config") if isinstance(n.get("config"), dict) else {}

    names = {**graphs.node_names(before), **graphs.node_names(after)}
    for g in (before, after):  # an API graph may hold an edge to a node it lacks
        for e in g.get("edges", []):
            names.setdefault(e["source"], e["source"])
            names.setdefault(e["target"], e["target"])
    names = graphs.told_apart(names)

    def some(ids, noun="node"):
        return names[ids[0]] if len(ids) == 1 else f"{len(ids)} {noun}s"

    def edge_set(g):
        return {(e["source"], e.get("source_port"), e["target"], e.get("target_port"))
                for e in graphs.with_ports(g)["edges"]}

    added, removed = [i for i in a if i not in b], [i for i in b if i not in a]
    common = [i for i in a if i in b]
    moved = [i for i in common if b[i].get("position") != a[i].get("position")]
    relabelled = [i for i in common if b[i].get("label") != a[i].get("label")]
    configured = [i for i in common if config(b[i]) != config(a[i])]
    # edges that came or went with their nodes are part of adding / deleting those nodes
    e_added = [e for e in edge_set(after) - edge_set(before) if e[0] not in added and e[2] not in added]
    e_removed = [e for e in edge_set(before) - edge_set(after) if e[0] not in removed and e[2] not in removed]
    parts = []
    if new_name != old_name:
        parts.append("renamed the workflow")
    if added:
        parts.append(f"added {some(added)}")
    if removed:
        parts.append(f"deleted {some(removed)}")
    if e_added:
        parts.append(f"connected {names[e_added[0][0]]} → {names[e_added[0][2]]}" if len(e_added) == 1
                     else f"added {len(e_added)} connections")
    if e_removed:
        parts.append(f"removed the connection {names[e_removed[0][0]]} → {names[e_removed[0][2]]}"
                     if len(e_removed) == 1 else f"removed {len(e_removed)} connections")
    if relabelled:
        parts.append(f"renamed {names[relabelled[0]] if len(relabelled) == 1 else f'{len(relabelled)} nodes'}")
    for i in configured[:2]:
        old, new = config(b[i]), config(a[i])
        keys = [k for k in dict.fromkeys([*old, *new]) if k not in old or k not in new or old[k] != new[k]]
        # an inspector's first save also writes the fields left at their defaults: name
        # the ones the user changed
        keys = [k for k in keys if k in old and k in new] or keys
        parts.append(f"{names[i]} " + (", ".join(k.replace("_", " ") for k in keys) if len(keys) <= 3 else "settings"))
    if len(configured) > 2:
        parts.append(f"settings of {len(configured) - 2} more nodes")
    if moved and not parts:
        return f"moved {some(moved)}", "move:" + ",".join(sorted(moved))
    if moved:
        parts.append(f"moved {some(moved)}")
    return ("; ".join(parts) or "edited the workflow"), None



def _graph_fields(graph: dict, name: str) -> dict:
    return {"graph": _dumps({**graph, "name": name}), "n_nodes": len(graph.get("nodes", []))}


def refuse_unstorable(graph: dict, before: dict | None = None, prefix: str = "") -> None:
    """The one gate of every write of a workflow (create, replace, a node's config, the
    canvas, undo and redo, import, duplicate): a config its node type's declaration rules
    out (nodes.graph.unstorable) is refused, 422 with the node's sentence and every problem
    by node and field, and nothing is written. What `before` holds unchanged is kept."""
    problems = graphs.unstorable(graph, before)
    if problems:
        raise Invalid(prefix + graphs.unstorable_sentence(problems, graph), errors=problems, status=422)


def normalize_graph(graph) -> dict:
    """The graph module's shape check (nodes/graph.py), refused as the store's Invalid."""
    try:
        return graphs.normalize(graph)
    except graphs.GraphError as e:
        raise Invalid(e.message, status=e.status) from None


_STORES: dict = {}
_LOCK = threading.Lock()


BUSY_TIMEOUT = 30.0  # seconds a write waits for another process's write to end (the connections' busy_timeout)
BUSY_FIRST_WAIT, BUSY_LONGEST_WAIT = 0.0001, 0.002


def _begin_immediate(conn) -> None:
    """BEGIN IMMEDIATE, waiting for another process's write the way a write lasts (a tenth of
    a millisecond), not SQLite's own way (1, 2, 5, 10 ... ms): two workers' jobs and the web
    write about 22 transactions a small job, and one in twelve found the lock taken; SQLite's
    first wait of 1 ms, ten times the write it waited for, left cores idle (measured on 50
    jobs: 104 waits, 234 ms in all)."""
    conn.execute("PRAGMA busy_timeout=0")  # SQLite's own wait off for this statement: ours below
    try:
        deadline, wait = time.monotonic() + BUSY_TIMEOUT, BUSY_FIRST_WAIT
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")  # the lock is free nearly always
                return
            except sqlite3.OperationalError as e:
                if not ("locked" in str(e) or "busy" in str(e)) or time.monotonic() > deadline:
                    raise
            time.sleep(wait)
            wait = min(2 * wait, BUSY_LONGEST_WAIT)
    finally:
        conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")


def open_store(settings: Settings | None = None) -> Store:
    """The process's Store for these settings (default: from the environment), one per DB file."""
    cfg = settings or load_settings()
    with _LOCK:
        store = _STORES.get(cfg.db_path)
        if store is None:
            store = _STORES[cfg.db_path] = Store(cfg)
        return store

