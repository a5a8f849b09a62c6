"""Deployments: the model registry's rules and the predict endpoint's work.

A Deploy node (nodes/deploy.py) registers the run's model as a new immutable version of a
deployment: the model bundle's bytes (executor/bundle.py), its model card, the run and the
nodes it came from; the deployment's `production` alias then points at it (aliases, not
stages: rolling back is moving the alias). Prediction loads a version's model from its
stored bundle, with the reviewed list of trusted types (never pickle), once per version
per process, and scores records with the one column rule of playground_runtime (what the
bundle's predict.py uses). Keys: only a SHA-256 hash and a prefix are kept.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import threading
import zipfile
from collections import OrderedDict

import playground_runtime
from data.store import Invalid, NotFound, Store
from executor import bundle
from nodes.base import NodeError
from nodes.graph import quoted

MAX_ROWS = 10_000  # rows one predict request may score
ALIASES = ("production",)
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
NAME_RULE = "letters, digits, - and _ (at most 64, starting with a letter or digit)"
KEY_PREFIX = "pgk_"
LOADED_VERSIONS = 16  # loaded models kept per process


def name_problem(name) -> str | None:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        return f"A deployment name is {NAME_RULE}; {quoted(str(name)[:80])} is not."
    return None


# --------------------------------------------------------------------------- registering
def register(store: Store, job_id: str, deploy_node_id: str, name: str, model, metrics: dict) -> dict:
    """A new version of `name` made of the run's model (a ModelArtifact), `production`
    pointed at it. `metrics`: the run's metrics entries so far, for the model card."""
    problem = name_problem(name)
    if problem:
        raise NodeError(problem)
    if not model.portable or not model.model_artifact_id:
        raise NodeError("This model has no portable bundle (it was not saved), so it cannot be deployed.")
    job = store.require_job(job_id)
    node_id = bundle.node_with_model(job, model.model_artifact_id, store.get_snapshot(job["snapshot_id"]),
                                     deploy_node_id)
    if node_id is None:
        raise NodeError("The model this node was given is not one of this run's saved models.")
    try:
        _, data, card = bundle.bundle_and_card(store, job_id, node_id, metrics)
    except bundle.NotPortable as e:
        raise NodeError(f"{e.detail} It cannot be deployed.") from None
    version = store.add_model_version(name, data, card, job_id=job_id, model_node_id=node_id,
                                      deploy_node_id=deploy_node_id,
                                      why=f"deployed by run {job_id} (node {deploy_node_id})")
    return {"deployment": name, "version": version["version"], "alias": "production",
            "model_node_id": node_id, "bundle_sha256": version["bundle_sha256"],
            "message": f"{name} version {version['version']} is in production"}


def move_alias(store: Store, name: str, alias, version) -> dict:
    if alias not in ALIASES:
        raise Invalid(f"The alias must be one of {', '.join(ALIASES)}; {quoted(str(alias)[:80])} is not one.")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise Invalid("The version must be a whole number from 1 (a version of this deployment).")
    return describe(store.move_alias(name, alias, version, why="moved through the API"))


def describe(deployment: dict) -> dict:
    """A deployment as the API shows it: versions with their run, algorithm and test metrics."""
    versions = []
    for v in deployment["versions"]:
        card = v.pop("card") or {}
        versions.append({**v, "algorithm": (card.get("model") or {}).get("algorithm"),
                         "problem_type": card.get("problem_type"), "target": card.get("target"),
                         "features": [f["name"] for f in card.get("features") or []],
                         "metrics": [t.get("values") for t in (card.get("metrics") or {}).get("test") or []]})
    return {**deployment, "versions": versions}


def summaries(store: Store) -> list[dict]:
    out = []
    for name in store.deployment_names():
        d = store.deployment(name)
        out.append({"name": name, "aliases": d["aliases"], "versions": len(d["versions"]),
                    "latest": d["versions"][0]["version"], "url": f"/api/v1/deployments/{name}"})
    return out


# --------------------------------------------------------------------------- keys
def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key(store: Store, name) -> dict:
    """A new API key: the key itself is in this answer only; the store keeps its hash."""
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise Invalid("A key needs a name (up to 100 characters) to recognise it by.")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = store.add_key(name.strip(), _digest(key), key[:len(KEY_PREFIX) + 8])
    return {**row, "key": key, "note": "Keep this key now: it is not shown again."}


def key_from(authorization: str | None, store: Store) -> dict | None:
    """The live key an `Authorization: Bearer <key>` header names, else None."""
    scheme, _, sent = (authorization or "").partition(" ")
    sent = sent.strip()
    if scheme.lower() != "bearer" or not sent.startswith(KEY_PREFIX) or len(sent) > 200:
        return None
    return store.use_key(_digest(sent))


# --------------------------------------------------------------------------- predicting
_loaded: OrderedDict = OrderedDict()
_lock = threading.Lock()


def loaded(store: Store, name: str, version: int):
    """(model, model card) of a version: loaded from its stored bundle once per process
    (versions never change), its types checked against the reviewed list."""
    row = store.model_version(name, version)
    if row is None:
        raise NotFound(f"Deployment {quoted(name)} has no version {version}.")
    key = (str(store.path), row["id"], row["bundle_sha256"])
    with _lock:
        if key in _loaded:
            _loaded.move_to_end(key)
            return _loaded[key]
    data = store.model_version(name, version, with_bundle=True)["bundle"]
    if hashlib.sha256(data).hexdigest() != row["bundle_sha256"]:
        raise Invalid(f"The stored bundle of {name} version {version} does not match its hash; it is not loaded.",
                      status=409)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        model_bytes = z.read("model.skops")
    try:
        model = bundle.load_model(model_bytes, f"The model file of {name} version {version}")
    except playground_runtime.UntrustedModel as e:
        raise Invalid(str(e), status=409) from None
    with _lock:
        _loaded[key] = (model, row["card"])
        while len(_loaded) > LOADED_VERSIONS:
            _loaded.popitem(last=False)
    return model, row["card"]


def records_frame(records):
    """The rows of a request's `records` (a list of objects, column: value), checked: at
    most MAX_ROWS, each value a number, text, true/false or null."""
    import pandas as pd

    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise Invalid('Send the rows as "records": a list of objects, one per row, of column: value.')
    if not records:
        raise Invalid('"records" holds no rows to score.')
    if len(records) > MAX_ROWS:
        raise Invalid(f"A request may score at most {MAX_ROWS:,} rows; this one has {len(records):,}. Send them in "
                      f"batches of {MAX_ROWS:,} rows at most.", status=413)
    for i, r in enumerate(records):
        bad = next((k for k, v in r.items() if v is not None and not isinstance(v, (str, int, float, bool))), None)
        if bad is not None:
            raise Invalid(f"Row {i + 1}: the value of column {quoted(bad)} is a {type(r[bad]).__name__}; send a "
                          "number, text, true/false or null.")
    return pd.DataFrame.from_records(records)


def predict(store: Store, name: str, records, alias: str = "production") -> dict:
    """The predictions (and a classifier's class probabilities) for `records` by the
    version `alias` points at, and that version."""
    version = store.alias_version(name, alias)
    if version is None:
        store.require_deployment(name)
        raise NotFound(f"Deployment {quoted(name)} has no {alias} version.")
    frame = records_frame(records)
    model, card = loaded(store, name, version)
    classes = card.get("classes")
    proba = classes is not None and hasattr(model, "predict_proba")
    try:
        out = bundle.score_frame(model, card, frame, card.get("left_out_columns") or [], proba=proba)
    except playground_runtime.ColumnsError as e:
        raise Invalid(str(e)) from None
    answer = {"deployment": name, "alias": alias, "version": version, "rows": len(out),
              "predictions": out["prediction"].tolist()}
    if proba:
        columns = [c for c in out.columns if c != "prediction"]
        answer["classes"] = [c[len("proba_"):] for c in columns]
        answer["probabilities"] = out[columns].to_numpy().tolist()
    return answer
