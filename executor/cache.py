"""The per-node cache: a node whose output is decided by the same things as before is not
run again; its outputs, results, warnings and events are served from what it stored.

A node's key says what decides its output, as structured data (so that two keys can be
compared field by field and the difference said in words):

    {"format", "node_type", "code", "config", "inputs", "data"?, "libraries"}

- `code`: a digest of the source of the node type's module, of nodes/base.py, and of every
  plugin's module (built-in or from an entry point): changed code is a new key.
- `config`: the node's clean config (as validation returns it, defaults filled in).
- `inputs`: by input port, the keys of the nodes feeding it (their digests and ports): a
  node whose input changed is a new key, so everything below a change runs again.
- `data`: what its type's `fingerprint` hook adds (the Dataset node: the dataset's content
  hash and how it is read; the key never serves an artifact produced from other data).
- `libraries`: the versions of the libraries that change results.

Keys are known before a run (from the resolved workflow), so the estimate can leave out the
nodes that will be reused. A node that `fingerprint` calls volatile (its output depends on
time or on randomness the seed does not fix) is never reused and says why.

An entry is a folder under PLAYGROUND_HOME/cache/<digest>: `output.pkl` (the node's
artifacts by port, pickled by the worker that ran it; never bytes a user sent), the
artifacts it saved (model files, plots), and `record.json` (summary, results, warnings,
events, and the SHA-256 of every file, checked before use: a missing or altered file makes
the node run again). The table `node_cache` (in the app DB) lists the entries with their
size and last use, shared by every worker on the home folder; beyond PLAYGROUND_CACHE_MB
the least recently used go. `node_keys` keeps each workflow node's last key, so a node
that runs again says what changed: the setting with its old and new values (by its label),
the input, the dataset, the code, a library version, or "forced".
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import logging
import os
import pickle
import shutil
from dataclasses import dataclass, field, fields, is_dataclass, replace
from functools import cache
from importlib import metadata
from pathlib import Path

from nodes import graph as graphs
from nodes.base import of_another_choice
from nodes.registry import node_types
from plugins import sources
from plugins.params import quoted, value_said

log = logging.getLogger("playground.cache")

FORMAT = 1  # the layout of a key and an entry: a new one misses every older entry
LIBRARIES = ("numpy", "pandas", "scipy", "scikit-learn", "imbalanced-learn", "xgboost", "optuna", "shap",
             "matplotlib", "pyarrow")
ROOT = Path(__file__).resolve().parent.parent


@cache
def library_versions() -> dict:
    out = {}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


@cache
def _file_digest(path: str) -> str:
    """A digest of the code a file holds as this process runs it: the text it was loaded from
    when it was (after a `git pull` without a restart the file on disk is new code this process
    does not run, and its results must not be stored under that code's key), else the file's."""
    text = sources.kept(path)
    if text is None:
        try:
            text = importlib.util.decode_source(Path(path).read_bytes())
        except (OSError, UnicodeDecodeError):
            return "missing"
    return hashlib.sha256(text.encode()).hexdigest()


@cache
def _plugin_files() -> tuple:
    """The source files of every plugin: the plugins package, and the modules of anything
    registered from elsewhere (entry points)."""
    from plugins import registry

    found = {str(p) for p in (ROOT / "plugins").rglob("*.py")}
    for group in (registry.models(), registry.metrics(), registry.plots(), registry.operations()):
        for item in group.values():
            for attr in ("build", "fn", "compute", "draw", "apply", "score"):
                fn = getattr(item, attr, None)
                if callable(fn):
                    try:
                        found.add(inspect.getsourcefile(fn) or "")
                    except TypeError:
                        pass
    return tuple(sorted(f for f in found if f))


def code_version(nt) -> str:
    """A digest of the code that decides a node type's output."""
    return _code_version(nt.type, inspect.getsourcefile(nt.run) or "")


@cache
def _code_version(node_type: str, module_file: str) -> str:
    h = hashlib.sha256()
    for path in (module_file, str(ROOT / "nodes" / "base.py"), *_plugin_files()):
        h.update(path.encode())
        h.update(_file_digest(path).encode())
    return h.hexdigest()[:16]


def digest_of(key: dict) -> str:
    text = json.dumps(key, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:40]


@dataclass
class Planned:
    """A node's key before the run: its digest, the key itself, and why it may not be
    reused at all (None: it may)."""

    digest: str
    key: dict
    volatile: str | None = None
    # port -> [the node it comes from as the user sees it: its title, with its id where two share one]
    input_nodes: dict = field(default_factory=dict)
    carried: dict = field(default_factory=dict)  # output port -> the input's key it hands on (NodeType.carries)


def plan(resolved) -> dict[str, Planned]:
    """Every node's key, from the resolved workflow alone (no node runs): in topological
    order, each from its config, its fingerprint and the keys of what feeds it."""
    graph, types, out = resolved.graph, node_types(), {}
    names = shown_names(graph)
    for nid in graph.order:
        nt = types.get(graph.nodes[nid].get("type"))
        if nt is None or nid not in resolved.configs:
            continue
        inputs, input_nodes = {}, {}
        for e in graph.preds[nid]:
            if e.source in out:
                given = out[e.source].carried.get(e.source_port) if nt.takes_carried else None
                inputs.setdefault(e.target_port, []).append(given or f"{out[e.source].digest}:{e.source_port}")
                input_nodes.setdefault(e.target_port, []).append(names.get(e.source, e.source))
        fp = nt.fingerprint(resolved.configs[nid], resolved.designs.get(nid))
        key = {"format": FORMAT, "node_type": nt.type, "code": code_version(nt), "config": resolved.configs[nid],
               "inputs": {p: sorted(v) for p, v in inputs.items()}, "libraries": library_versions()}
        if fp.parts:
            key["data"] = fp.parts
        key = json.loads(json.dumps(key, sort_keys=True, default=str))  # as it is stored and compared
        volatile = fp.volatile or next((f"{INPUT_CHANGED}from {quoted(names.get(e.source, e.source))} cannot be "
                                        "reused" for e in graph.preds[nid] if e.source in out and out[e.source].volatile),
                                       None)
        carried = {port: (key["inputs"].get(source) or [None])[0] for port, source in nt.carries.items()
                   if len(key["inputs"].get(source) or []) == 1}
        out[nid] = Planned(digest_of(key), key, volatile, input_nodes, carried)
    return out


def shown_names(graph) -> dict:
    """node id -> the node as a reason names it: its title on the canvas, with its id where
    two nodes share one (a reason said "its input from node 'split-1' changed" of the node
    the canvas titles "Train/Test Split", found by a new user)."""
    return graphs.told_apart({nid: graphs.node_name(n) for nid, n in graph.nodes.items()})


def part_digest(planned: Planned, part: str) -> str:
    """The key of one part of a node's output (NodeCache.part): the node's key without its
    config (its inputs, data, code and libraries) and the part, which says every setting the
    part depends on."""
    return digest_of({**{k: v for k, v in planned.key.items() if k != "config"}, "part": part})


def _list_change(before, now, names: dict | None = None, parts: dict | None = None) -> str | None:
    """Two lists of plain values, said by what was added and removed ("added 'Precision-recall
    curve'": each by its name in `names`, when the field gives one), not as two lists cut at
    60 characters that hid the one that changed; None for others. `parts` (value -> {"same":
    what it is without its columns, "columns", "name"}): a value whose columns alone changed
    is said by the columns it gained and lost ("'One-hot encoder (sex, class … +2)': columns
    added 'age'"), where its name, cut at two columns, could not show it."""
    plain = (str, int, float, bool, type(None))
    if not (isinstance(before, list) and isinstance(now, list)
            and all(isinstance(v, plain) for v in (*before, *now))):
        return None
    names, parts = names or {}, parts or {}

    def shown(values):
        return ", ".join(repr(names.get(v, v)) if isinstance(v, str) else json.dumps(v) for v in values)

    added = [v for v in now if v not in before]
    removed = [v for v in before if v not in now]
    moved = []  # (before, now): one thing whose columns changed
    for v in list(added):
        was = next((w for w in removed if w in parts and v in parts and parts[w]["same"] == parts[v]["same"]), None)
        if was is not None:
            moved.append((was, v))
            added.remove(v)
            removed.remove(was)
    said = [f"{names.get(v, v)!r}: columns {_list_change(parts[w]['columns'], parts[v]['columns'])}"
            for w, v in moved]
    said += [*([f"added {shown(added)}"] if added else []), *([f"removed {shown(removed)}"] if removed else [])]
    return "; ".join(said) if said else "the same, in another order"


FIRST_RUN = "first run of this node in this workflow"
FORCED_ALL = "forced: the run was asked to run everything again"
# how a reason begins that is no change of this node (what_changed leaves it out): a change
# above it (said there), or a node that is never reused (an unseeded model, a Retrain)
INPUT_CHANGED = "its input "
FORCED_ABOVE = "forced: node "
NEVER_REUSED = "not reused: "
_FOLLOWS = (INPUT_CHANGED, FORCED_ABOVE, NEVER_REUSED)


def what_changed(ran: dict, names: dict, most: int = 3) -> str:
    """The run's difference from this workflow's run before, in a few words, from the
    reasons its nodes gave for running (`ran`: node id -> reason, in run order, for every node
    that ran or was served; a served node's reason is None): each change where it was made
    ("Split: Random seed: 42 → 7"), not again at each node below it; "" without reasons
    (the cache off)."""
    reasons = {nid: r for nid, r in ran.items() if r}
    if not ran:
        return ""
    if not reasons:
        return "nothing changed: every node reused"
    fresh = [r for r in reasons.values() if not r.startswith(NEVER_REUSED)]
    if fresh and all(r == FIRST_RUN for r in fresh) and len(reasons) == len(ran):  # a Retrain is never reused
        return "first run"
    if all(r == FORCED_ALL for r in reasons.values()):
        return "run all again"
    said = []
    for nid, reason in reasons.items():
        if reason == FIRST_RUN:
            said.append(f"added {names.get(nid, nid)}")
            continue
        parts = [p for p in reason.split("; ") if not p.startswith(_FOLLOWS)]
        said += [f"{names.get(nid, nid)}: {p.removeprefix('forced: ')}" for p in parts]
    if not said:  # only nodes that are never reused ran
        return "nothing changed"
    return "; ".join(said[:most]) + (f"; and {len(said) - most} more" if len(said) > most else "")


def why(nt, old: dict | None, new: dict, input_nodes: dict) -> list[str]:
    """What differs between a node's last key in this workflow and its key now, in words."""
    if old is None:
        return []
    out = []
    if old.get("format") != new["format"]:
        out.append("the cache's format changed")
    if old.get("code") != new["code"]:
        out.append(f"new code version (the {nt.label} node's or a plugin's)")
    for lib, version in new["libraries"].items():
        before = (old.get("libraries") or {}).get(lib)
        if before != version:
            out.append(f"new library version: {lib} {before or 'none'} → {version or 'none'}")
    if old.get("data") != new.get("data"):
        said = nt.describe_data(old.get("data") or {}, new.get("data") or {})  # None: the node type words none
        out.append(f"its data changed: {said}" if said else "the dataset changed (its content, or how it is read)")
    if old.get("config") != new["config"]:
        before = {f["key"]: f for f in nt.fields(old.get("config") or {})}
        now = {f["key"]: f for f in nt.fields(new["config"])}
        changed = False
        for k in [*before, *[k for k in now if k not in before]]:
            a, b = before.get(k), now.get(k)
            va, vb = (a or {}).get("value"), (b or {}).get("value")
            if of_another_choice(a, b):  # another algorithm's hyperparameter: its Algorithm line says it
                changed = True
                continue
            if json.dumps(va, sort_keys=True, default=str) != json.dumps(vb, sort_keys=True, default=str):
                label = (b or a)["label"]
                # a list said by what it gained and lost (by name), unless the field words its value itself
                listed = (_list_change(va, vb, {**a.get("names", {}), **b.get("names", {})},
                                       {**a.get("parts", {}), **b.get("parts", {})})
                          if a and b and (("text" not in a and "text" not in b) or "names" in a or "names" in b)
                          else None)
                if listed:
                    out.append(f"{label}: {listed}")
                else:
                    ta = (a or {}).get("text", value_said(va)) if a else "not set"
                    tb = (b or {}).get("text", value_said(vb)) if b else "not set"
                    out.append(f"{label}: {ta} → {tb}")
                changed = True
        if not changed:
            out.append("its settings changed")
    for port in sorted(set(old.get("inputs") or {}) | set(new["inputs"])):
        if (old.get("inputs") or {}).get(port) != new["inputs"].get(port):
            nodes = input_nodes.get(port) or []
            # by the node it comes from: "its input 'model' changed (node 'evaluate-1')" named a port
            # after what an Evaluate hands on (found by a new user); the node by its title, as plan names it
            out.append(f"{INPUT_CHANGED}from {', '.join(map(quoted, nodes))} changed" if nodes else
                       f"{INPUT_CHANGED}{port!r} changed")
    return out or ["its key changed"]


# --------------------------------------------------------------------------- entries
class Miss(Exception):
    """An entry that cannot be used (a file missing or altered): the node runs again."""


@dataclass
class Entry:
    folder: Path
    record: dict

    def output(self, mapping: dict) -> dict:
        """The node's artifacts by port, with the artifact ids it saved replaced by this
        run's. Checked against the digest recorded when it was written."""
        raw = _checked(self.folder, "output.pkl", self.record["files"])
        return rebind(pickle.loads(raw), mapping)


def _checked(folder: Path, name: str, files: dict) -> bytes:
    try:
        raw = (folder / name).read_bytes()
    except OSError as e:
        raise Miss(f"its stored {name} is missing") from e
    if hashlib.sha256(raw).hexdigest() != files.get(name):
        raise Miss(f"its stored {name} is damaged")
    return raw


def rebind(value, mapping: dict):
    """`value` with every string in `mapping` replaced, through dicts, lists, tuples and
    dataclasses (an artifact id inside a node's output)."""
    if not mapping:
        return value
    if isinstance(value, str):
        return mapping.get(value, value)
    if isinstance(value, dict):
        return {k: rebind(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [rebind(v, mapping) for v in value]
    if isinstance(value, tuple):
        return tuple(rebind(v, mapping) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in fields(value):
            v = getattr(value, f.name)
            if isinstance(v, (str, dict, list, tuple)) or (is_dataclass(v) and not isinstance(v, type)):
                new = rebind(v, mapping)
                if new is not v and new != v:
                    changes[f.name] = new
        return replace(value, **changes) if changes else value
    return value


class NodeCache:
    """The cache as one run sees it: entries shared by every worker on the home folder, the
    workflow's last keys, and what this run was asked to run again."""

    def __init__(self, store, workflow_id: str | None, job_id: str, rerun=None):
        self.store, self.workflow_id, self.job_id = store, workflow_id, job_id
        self.folder = store.settings.cache_dir
        self.limit = store.settings.cache_bytes
        self.rerun = rerun

    def forced(self, graph) -> dict[str, str]:
        """node id -> why it is forced to run (the run's "run everything again", or a node
        asked to run again and everything below it)."""
        if self.rerun == "all":
            return {nid: FORCED_ALL for nid in graph.nodes}
        out, names = {}, shown_names(graph)
        for asked in self.rerun or []:
            if asked in graph.nodes:
                out[asked] = "forced: this node was asked to run again"
                for below in graphs.downstream(graph, asked):
                    out.setdefault(below, f"{FORCED_ABOVE}{quoted(names[asked])} above it was asked to run again")
        return out

    def previous(self, node_id: str) -> dict | None:
        if not self.workflow_id:
            return None
        row = self.store.last_node_key(self.workflow_id, node_id)
        return row["fields"] if row else None

    def remember(self, node_id: str, planned: Planned) -> None:
        if self.workflow_id:
            self.store.set_node_key(self.workflow_id, node_id, planned.digest, planned.key, self.job_id)

    def find(self, digest: str) -> Entry | None:
        """The entry for a key, checked (its record and files present); Miss if it is listed
        but cannot be used (then it is dropped)."""
        if self.store.cache_entry(digest) is None:
            return None
        folder = self.folder / digest
        try:
            record = json.loads((folder / "record.json").read_text())
            for name, size in record.get("sizes", {}).items():
                if (folder / name).stat().st_size != size:
                    raise Miss(f"its stored {name} is damaged")
        except (OSError, ValueError) as e:
            self.drop(digest)
            raise Miss("its stored result is missing") from e
        except Miss:
            self.drop(digest)
            raise
        return Entry(folder, record)

    def reason(self, nt, node_id: str, planned: Planned) -> str | None:
        """Why a node that is not served from the cache runs: what changed since this
        workflow's last run of it, that its result was not kept, or that it never ran in
        this workflow (the Why column was empty on a first run and for a node just added)."""
        before = self.previous(node_id)
        if before is None:
            return FIRST_RUN
        if digest_of(before) == planned.digest:
            size = f"{self.limit / 2**20:.0f} MB" if self.limit >= 10 * 2**20 else f"{self.limit / 2**20:.2g} MB"
            return f"its stored result is gone (the least recently used go beyond PLAYGROUND_CACHE_MB, {size})"
        return "; ".join(why(nt, before, planned.key, planned.input_nodes))

    def serve(self, entry: Entry, save) -> tuple[dict, dict]:
        """The entry's artifacts saved again for this run (each checked first) and its record
        with their new ids: (record, old id -> new id). Miss if a file is missing or altered."""
        _checked(entry.folder, "output.pkl", entry.record["files"])
        mapping = {}
        for a in entry.record.get("artifacts", []):
            data = _checked(entry.folder, a["file"], entry.record["files"])
            mapping[a["id"]] = save(a["kind"], a["name"], data, a["mime"])
        return rebind(entry.record, mapping), mapping

    def part(self, planned: Planned, node_type: str, node_id: str, part: str, make,
             fresh: bool = False) -> tuple[bytes, str | None]:
        """One part of a node's output (a Visualize node's plot): the bytes an earlier run
        made of it, and that run's id, when its key is the same; else `make()`'s, stored for
        the next run, and None. Its key is the node's without its config (its inputs, data,
        code and libraries) and `part`, which says every setting the part depends on: a node
        that runs again for a change of its config (one plot added) makes only the parts it
        had not made (the others were all drawn again). `fresh` (a node forced to run again):
        made, and stored in place of what was."""
        digest = part_digest(planned, part)
        if fresh:
            self.drop(digest)
        try:
            entry = self.find(digest)
            if entry is not None:
                stored = entry.record["artifacts"][0]
                return _checked(entry.folder, stored["file"], entry.record["files"]), entry.record.get("job_id")
        except (Miss, KeyError, IndexError):  # gone or damaged: made again, and stored in its place
            self.drop(digest)
        data = make()
        self.put(digest, node_type, node_id, {"job_id": self.job_id, "node_id": node_id, "part": part}, None,
                 [("", data, {"kind": "part", "name": part, "mime": "application/octet-stream"})])
        return data, None

    def drop(self, digest: str) -> None:
        self.store.cache_drop(digest)
        shutil.rmtree(self.folder / digest, ignore_errors=True)

    def put(self, digest: str, node_type: str, node_id: str, record: dict, output, artifacts: list) -> bool:
        """Store a node's output. `artifacts`: [(id, bytes, {"kind", "name", "mime"})] of the
        files it saved. Never fails the run: an output that cannot be pickled or a full disk
        is logged and not kept."""
        if (self.folder / digest).exists():  # the same key stored by another run: one is enough
            return True  # (checked before anything is written: 50 forced runs wrote and removed 50 copies)
        tmp = self.folder / f".tmp-{digest}-{os.getpid()}"
        try:
            raw = pickle.dumps(output, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as e:  # an artifact holding something that cannot be pickled: not kept
            log.info("node %s (%s): output not cached: %s", node_id, node_type, e)
            return False
        try:
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            files, sizes, saved = {}, {}, []
            (tmp / "output.pkl").write_bytes(raw)
            files["output.pkl"], sizes["output.pkl"] = hashlib.sha256(raw).hexdigest(), len(raw)
            for i, (art_id, data, meta) in enumerate(artifacts):
                name = f"a{i}.bin"
                (tmp / name).write_bytes(data)
                files[name], sizes[name] = hashlib.sha256(data).hexdigest(), len(data)
                saved.append({**meta, "id": art_id, "file": name})
            body = {**record, "artifacts": saved, "files": files, "sizes": sizes}
            (tmp / "record.json").write_text(json.dumps(body, default=str))
            size = sum(sizes.values())
            final = self.folder / digest
            if final.exists():  # stored meanwhile by a run beside this one
                shutil.rmtree(tmp, ignore_errors=True)
                return True
            os.replace(tmp, final)
            for gone in self.store.cache_add(digest, node_type, self.job_id, node_id, size, self.limit):
                shutil.rmtree(self.folder / gone, ignore_errors=True)
            return True
        except Exception as e:  # a full disk, say: the run goes on without it
            log.warning("node %s (%s): output not cached: %s", node_id, node_type, e)
            shutil.rmtree(tmp, ignore_errors=True)
            return False
