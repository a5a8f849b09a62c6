"""Deployments: the model registry's rules and the predict endpoint's work.

A Deploy node (nodes/deploy.py) registers the run's model as a new immutable version of a
deployment: the model bundle's bytes (executor/bundle.py), its model card, the run and the
nodes it came from; the deployment's `production` alias then points at it (aliases, not
stages: rolling back is moving the alias). A model the deployment already has (the same
trained model: bundle.model_digest) is not registered again: the alias moves to its
version. Prediction loads a version's model from its stored bundle, with the reviewed list
of trusted types (never pickle), once per version per process, and scores records with
the one column rule of playground_runtime (what the bundle's predict.py uses). Keys: only a
SHA-256 hash and a prefix are kept.

Every request to the predict endpoint is logged (prediction_log, migration 11): its time,
version, key prefix, rows, status and its latency in parts (parsing the body, checking the
rows, predicting); a deployment keeps its newest LOG_KEPT rows. `stats` reads them back.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
import threading
import time
import urllib.parse
import zipfile
from collections import Counter, OrderedDict

from data.store import Invalid, NotFound, Store
from executor import bundle
from nodes.base import NodeError
from nodes.deploy import name_problem
from nodes.graph import quoted

MAX_ROWS = 10_000  # rows one predict request may score
COLUMN_SLACK = 100  # columns a request's rows may name beyond the model's (see column_limit)
ALIASES = ("production",)
KEY_PREFIX = "pgk_"
LOADED_VERSIONS = 16  # loaded model versions kept per web process (least recently used goes)
LOG_KEPT = 100_000  # request-log rows kept per deployment (the newest)
STATS_HOURS = 24  # the window of a deployment's request stats
RECENT_ERRORS = 10  # failed requests a deployment's details list


# --------------------------------------------------------------------------- registering
def deploy(store: Store, job_id: str, model_node_id: str, name: str, *, metrics: dict | None = None,
           deploy_node_id: str | None = None, why: str | None = None) -> dict:
    """A new version of `name` made of a run's trained model (the model node's bundle and
    card), `production` pointed at it: what a Deploy node does and what "Deploy…" on a
    completed model in the results does. `metrics`: the run's metrics entries so far (a
    run still going); a finished run's own otherwise. A model `name` already has (the same
    trained model: bundle.model_digest) makes no new version: production points at that
    one, and `created` is False and the message says which version it already was."""
    problem = name_problem(name)
    if problem:
        raise Invalid(problem)
    _, data, card = bundle.bundle_and_card(store, job_id, model_node_id, metrics)
    other = other_task(store, name, card)
    if other:
        raise Invalid(f"{other}: it cannot be a version of {name}. Deploy it under another name.")
    failed = failed_gates(card, by_hand=deploy_node_id is None)
    why = why or f"deployed by hand from run {job_id} (model {model_node_id})"
    version = store.add_model_version(name, data, card, job_id=job_id, model_node_id=model_node_id,
                                      deploy_node_id=deploy_node_id, why=f"{why}; {failed}" if failed else why,
                                      model_sha256=bundle.model_digest(store, job_id, model_node_id))
    n = version["version"]
    if not version["existing"]:
        message = f"{name} version {n} is in production"
    elif version["moved"]:
        message = f"This model was already version {n} of {name}: no new version, production points at version {n} again"
    else:
        message = f"This model was already version {n} of {name}, in production: no new version"
    return {"deployment": name, "version": n, "alias": "production", "created": not version["existing"],
            "job_id": job_id, "model_node_id": model_node_id, "bundle_sha256": version["bundle_sha256"],
            "url": f"/api/v1/deployments/{name}", "message": message, "warnings": [failed] if failed else []}


def failed_gates(card: dict, by_hand: bool = True) -> str | None:
    """The sentence of a model deployed although a gate of its run failed it (its card's
    `verdicts`): deployed all the same (the person may know better), never without a word.
    None when no gate failed it (one passed it, or none judged it)."""
    failed = [v for v in card.get("verdicts") or [] if v.get("decision") == "fail"]
    if not failed:
        return None
    how = "deployed by hand" if by_hand else "deployed by its run"
    if len(failed) == 1:
        return f"{how} although its run's gate failed it: {failed[0]['message'].removesuffix(': fail')}"
    return (f"{how} although {len(failed)} gates of its run failed it: "
            + "; ".join(f"{v['name']}: {v['message'].removesuffix(': fail')}" for v in failed))


def register(store: Store, job_id: str, deploy_node_id: str, name: str, model, metrics: dict) -> dict:
    """A Deploy node's registration: the run's model (a ModelArtifact) deployed as `name`.
    `metrics`: the run's metrics entries so far, for the model card."""
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
        return deploy(store, job_id, node_id, name, metrics=metrics, deploy_node_id=deploy_node_id,
                      why=f"deployed by run {job_id} (node {deploy_node_id})")
    except bundle.NotPortable as e:
        raise NodeError(f"{e.detail} It cannot be deployed.") from None
    except Invalid as e:  # a model of another task than the deployment's (other_task)
        raise NodeError(e.detail) from None


def other_task(store: Store, name: str, card: dict) -> str | None:
    """Why a model (its card) is not a model of what deployment `name` predicts: its
    production version has another target or kind of problem (a version whose callers send
    the same rows for the same answer; a gate's comparison of the two would mean nothing).
    None when it is, or when `name` has no production version."""
    current = store.production_version(name)
    if current is None:
        return None
    return _other_task(name, current["version"], store.model_version(name, current["version"])["card"] or {}, card)


def _other_task(name: str, version: int, theirs: dict, card: dict) -> str | None:
    if (theirs.get("target"), theirs.get("problem_type")) == (card.get("target"), card.get("problem_type")):
        return None
    return f"{name}'s production version {version} predicts {_task(theirs)}, and this model predicts {_task(card)}"


def _task(card: dict) -> str:
    target = card.get("target")
    return f"{target!r} ({card.get('problem_type')})" if target else f"no target ({card.get('problem_type')})"


def production_metric(store: Store, name: str, metric: str, task: dict | None = None) -> dict | None:
    """What a Gate compares with: {"version", "value"} of `metric` on the test rows of the
    version `name`'s production alias points at ("value" None when it has none); None when
    `name` has no production version. With `task` ({"target", "problem_type"} of the model
    judged), a production version of another task is refused (NodeError, other_task)."""
    current = store.production_version(name)
    if current is None:
        return None
    card = store.model_version(name, current["version"])["card"] or {}
    other = _other_task(name, current["version"], card, task) if task is not None else None
    if other:
        raise NodeError(f"The gate cannot compare: {other}. Name the deployment of a model of {_task(task)}, or "
                        "leave the comparison out.")
    value = next((t["values"][metric] for t in (card.get("metrics") or {}).get("test") or []
                  if isinstance((t.get("values") or {}).get(metric), (int, float))), None)
    return {"deployment": name, "version": current["version"], "value": value}


def move_alias(store: Store, name: str, alias, version, unknown=()) -> dict:
    """`unknown`: the body's other fields, refused (not ignored: a field the person meant
    to count would be silently dropped)."""
    if unknown:
        raise Invalid(f"Unknown field{'s' if len(unknown) > 1 else ''} {', '.join(map(quoted, unknown))}: moving an "
                      'alias takes {"alias": "production", "version": N}.')
    if alias is None:
        raise Invalid('Say which alias to move: {"alias": "production", "version": N}.')
    if alias not in ALIASES:
        raise Invalid(f"The alias must be one of {', '.join(ALIASES)}; {quoted(str(alias)[:80])} is not one.")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise Invalid("The version must be a whole number from 1 (a version of this deployment).")
    return describe(store.move_alias(name, alias, version, why="moved through the API"))


def example_record(card: dict) -> dict:
    """One record a program can send to be scored (an item of the predict body's `records`):
    each column the model uses, with a typical value of its training rows (the card's
    `typical`: the middle number or date, the most frequent category); a column a Drop
    columns step removed is left out, as it need not be sent. Found by a new user: the page
    named the endpoint and the key, not what to send; then by a tester: each number's least
    value made an implausible row. A card made before it kept `typical`: the middle of a
    number's range (whole in a column of whole numbers), a category's first."""
    out = {}
    for f in card.get("features") or []:
        if f.get("unused"):
            continue
        if "typical" in f:
            out[f["name"]] = f["typical"]
        elif f.get("categories"):
            out[f["name"]] = f["categories"][0]
        elif f.get("min") is not None and f.get("max") is not None:
            middle = (f["min"] + f["max"]) / 2
            out[f["name"]] = round(middle) if str(f.get("dtype", "")).lower().startswith(("int", "uint")) else middle
        else:
            out[f["name"]] = None
    return out


def describe(deployment: dict) -> dict:
    """A deployment as the API shows it: versions with their run, algorithm and test metrics."""
    versions = []
    for v in deployment["versions"]:
        card = v.pop("card") or {}
        versions.append({**v, "algorithm": (card.get("model") or {}).get("algorithm"),
                         "algorithm_name": (card.get("model") or {}).get("algorithm_name"),
                         "model_name": (card.get("model") or {}).get("name"),
                         "problem_type": card.get("problem_type"), "target": card.get("target"),
                         "features": [f["name"] for f in card.get("features") or []],
                         "example": example_record(card),
                         "warnings": [w for w in [failed_gates(card, by_hand=not v.get("deploy_node_id"))] if w],
                         "metrics": [t.get("values") for t in (card.get("metrics") or {}).get("test") or []]})
    return {**deployment, "versions": versions}


def details(store: Store, name: str) -> dict:
    """A deployment with its request stats (GET /api/v1/deployments/{name}, the page)."""
    return {**describe(store.deployment(name)), "stats": stats(store, name), "max_rows": MAX_ROWS}


def summaries(store: Store) -> list[dict]:
    out = []
    for name in store.deployment_names():
        d = store.deployment(name)
        s = stats(store, name)
        out.append({"name": name, "aliases": d["aliases"], "versions": len(d["versions"]),
                    "latest": d["versions"][0]["version"], "url": f"/api/v1/deployments/{name}",
                    f"requests_{STATS_HOURS}h": s["requests"], f"errors_{STATS_HOURS}h": sum(s["errors_by_status"].values()),
                    "latency_p50_ms": s["latency_ms"]["total"]["p50"], "last_request_at": s["last_request_at"]})
    return out


# --------------------------------------------------------------------------- stats
def _percentiles(values: list[float]) -> dict:
    """p50/p95/p99 by the nearest rank (None without values)."""
    if not values:
        return {"p50": None, "p95": None, "p99": None}
    ordered = sorted(values)
    n = len(ordered)
    return {f"p{q}": round(ordered[min(n - 1, max(0, -(-q * n // 100) - 1))], 3) for q in (50, 95, 99)}


def stats(store: Store, name: str, at: float | None = None) -> dict:
    """The last STATS_HOURS hours of `name`'s requests: per clock hour (oldest first, the
    current hour last), latency percentiles of the successful ones (total and each part),
    failures by status, and the most recent failures."""
    at = time.time() if at is None else at
    first_hour = (int(at) // 3600 - (STATS_HOURS - 1)) * 3600
    rows = store.prediction_log(name, first_hour)
    per_hour = [{"hour": first_hour + 3600 * i, "requests": 0, "errors": 0} for i in range(STATS_HOURS)]
    for r in rows:
        bucket = per_hour[min(STATS_HOURS - 1, int(r["at"] - first_hour) // 3600)]
        bucket["requests"] += 1
        bucket["errors"] += r["status"] >= 400
    ok = [r for r in rows if r["status"] < 400]
    latency = {part: _percentiles([r[f"{part}_ms"] for r in ok if r.get(f"{part}_ms") is not None])
               for part in ("total", "load", "parse", "validate", "predict")}
    return {"window_hours": STATS_HOURS, "since": first_hour, "requests": len(rows),
            "rows_scored": sum(r["rows"] or 0 for r in ok), "per_hour": per_hour, "latency_ms": latency,
            "errors_by_status": {str(k): v for k, v in sorted(Counter(r["status"] for r in rows
                                                                       if r["status"] >= 400).items())},
            "recent_errors": store.prediction_errors(name, RECENT_ERRORS),
            "last_request_at": rows[-1]["at"] if rows else None, "log_kept": LOG_KEPT}


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


def revoked_key(authorization: str | None, store: Store) -> dict | None:
    """The revoked key an `Authorization: Bearer <key>` header names (its prefix and when it
    was revoked), else None. Only a key this server made is named: the prefix of any other
    text sent is never logged."""
    scheme, _, sent = (authorization or "").partition(" ")
    sent = sent.strip()
    if scheme.lower() != "bearer" or not sent.startswith(KEY_PREFIX) or len(sent) > 200:
        return None
    return store.revoked_key(_digest(sent))


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts))


# --------------------------------------------------------------------------- predicting
class KeyRefused(Invalid):
    """No live key: the endpoint answers 401."""


_loaded: OrderedDict = OrderedDict()
_lock = threading.Lock()


def is_loaded(current: dict) -> bool:
    """Whether this process holds the version `current` names (loaded() answers at once)."""
    with _lock:
        return current["id"] in _loaded


def loaded(store: Store, name: str, current: dict):
    """(model, model card) of a version (`current`: its id, number and bundle hash): loaded
    from its stored bundle once per process and kept by its id (versions never change;
    LOADED_VERSIONS are kept), its types checked against the reviewed list."""
    import playground_runtime

    with _lock:
        if current["id"] in _loaded:
            _loaded.move_to_end(current["id"])
            return _loaded[current["id"]]
    version = current["version"]
    row = store.model_version(name, version, with_bundle=True)
    data = row["bundle"]
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
        _loaded[current["id"]] = (model, row["card"])
        while len(_loaded) > LOADED_VERSIONS:
            _loaded.popitem(last=False)
    return model, row["card"]


def _too_many(n: int) -> Invalid:
    return Invalid(f"A request may score at most {MAX_ROWS:,} rows; this one has {n:,}. Send them in "
                   f"batches of {MAX_ROWS:,} rows at most.", status=413)


def column_limit(card: dict) -> tuple[int, int]:
    """(the most columns a request's rows may name, the columns the model knows: its
    features and the ones it leaves out). Twice the model's columns, or those plus
    COLUMN_SLACK, whichever is more: room for the extra columns a caller's table carries,
    never the 100,000 a request could name."""
    known = len(card.get("features") or []) + len(card.get("left_out_columns") or [])
    return max(2 * known, known + COLUMN_SLACK), known


def _too_wide(what: str, n: int, limits: tuple[int, int]) -> Invalid:
    limit, known = limits
    return Invalid(f"{what} {n:,} columns; a request may send at most {limit:,}: the model knows {known:,} (its "
                   f"features and the columns it sets aside), and a request may send twice that or that plus "
                   f"{COLUMN_SLACK}, whichever is more. Send the model's columns only.", status=413)


def _check_width(records: list, limits: tuple[int, int]) -> None:
    """Refuse rows that name more columns than `limits` allows, each and all together,
    before a frame is built from them (a frame of 10,000 rows is as wide as their keys)."""
    limit = limits[0]
    if max(map(len, records)) <= limit and len(set().union(*records)) <= limit:
        return  # measured in C steps; the walk below only finds which record to name
    seen: set = set()
    for i, record in enumerate(records):
        if len(record) > limit:
            raise _too_wide(f"Record {i + 1} has", len(record), limits)
        seen.update(record)
        if len(seen) > limit:
            raise _too_wide(f"Records 1 to {i + 1} name", len(seen), limits)


def records_frame(records, limits: tuple[int, int] | None = None, name: str = "{name}"):
    """The rows of a request's `records` (a list of objects, column: value), checked: at
    most MAX_ROWS, at most `limits[0]` columns (column_limit), each value a number, text,
    true/false or null. `name`: the deployment's, for the sentence pointing at its columns.
    The keys some records leave out are listed in the frame's attrs (playground_runtime.
    OMITTED_KEYS), for prepare_rows."""
    import pandas as pd

    import playground_runtime

    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise Invalid(_not_records(records))
    if not records:
        raise Invalid('"records" holds no rows to score.')
    if not any(records):  # an empty record among others is a row of gaps; all of them, no row at all
        url_name = name if name == "{name}" else urllib.parse.quote(name)
        raise Invalid(f"{'The record is' if len(records) == 1 else 'Every record is'} empty ({{}}): send each row as an "
                      f"object of column: value, with the model's feature columns (GET /api/v1/deployments/{url_name} "
                      "lists them).")
    if len(records) > MAX_ROWS:
        raise _too_many(len(records))
    if limits is not None:
        _check_width(records, limits)
    frame, omitted = _records_as_frame(records)
    for column, dtype in zip(frame.columns, frame.dtypes.tolist()):
        if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):  # text alone
            blank = frame[column].str.strip().eq("").fillna(False).to_numpy(dtype=bool)
            if blank.any():  # "" or "  ": a gap, as an empty cell of a file (the column null would have made)
                frame[column] = pd.Series([None if b else v for v, b in zip(frame[column].tolist(), blank)],
                                          index=frame.index)
            continue
        if not pd.api.types.is_object_dtype(dtype):  # a list or object lands in an object column (one call per
            continue                                  # column: a Series.map of the dtypes took 0.3 ms)
        values = frame[column].tolist()
        i = next((i for i, v in enumerate(values) if v is not None and not isinstance(v, (str, int, float, bool))),
                 None)
        if i is not None:
            raise Invalid(f"Row {i + 1}: the value of column {quoted(str(column))} is a {type(values[i]).__name__}; "
                          "send a number, text, true/false or null.")
        if any(isinstance(v, str) and not v.strip() for v in values):  # "" or "  ": a gap, as an empty cell of a file
            frame[column] = [None if isinstance(v, str) and not v.strip() else v for v in values]
    blank = frame.isna().to_numpy().all(axis=1).nonzero()[0] if frame.shape[1] else range(len(frame))
    if len(blank):  # found by a new user: scored from gaps alone, while a CSV body's blank line is left out
        rows = ", ".join(str(i + 1) for i in blank[:5]) + (" …" if len(blank) > 5 else "")
        raise Invalid(f"Record{'s' if len(blank) > 1 else ''} {rows} {'have' if len(blank) > 1 else 'has'} no value in "
                      "any column: there is nothing to score on. Leave such records out, or send their values.")
    if omitted:  # refused by prepare_rows where it is a column the model needs, as a column no record sends is
        frame.attrs[playground_runtime.OMITTED_KEYS] = omitted
    return frame


RECORDS_SHAPE = '{"records": [{column: value, ...}, ...]}'


def _json_kind(value) -> str:
    """What a JSON value is, in JSON's own words ("an array", "a string")."""
    if isinstance(value, bool):
        return f"the JSON value {str(value).lower()}"
    if value is None:
        return "the JSON value null"
    return {dict: "an object", list: "an array", str: "a string"}.get(type(value), "a number")


def _not_records(records) -> str:
    """The refusal of a body's "records" that is not a list of objects, naming what it is
    and the shape to send (a tester's single record sent as an object was told only "a list
    of objects", not how to write one)."""
    if records is None:
        return f'The request body holds no "records": send the rows as {RECORDS_SHAPE}, one object per row.'
    if not isinstance(records, list):
        wrap = " (one row: put it in a list, [{...}])" if isinstance(records, dict) else ""
        return (f'"records" is {_json_kind(records)}, not a list of objects{wrap}: send the rows as '
                f"{RECORDS_SHAPE}, one object per row.")
    i = next(i for i, r in enumerate(records) if not isinstance(r, dict))
    return (f"Record {i + 1} is {_json_kind(records[i])}, not an object of column: value: send the rows as "
            f"{RECORDS_SHAPE}, one object per row.")


def _body_records(parsed):
    """The "records" of a parsed JSON body, refusing a body that is no object with the shape
    to send: a bare array of records (what pandas' to_json(orient="records") writes), a
    string or a number were told only "must be a JSON object" (found by a tester)."""
    if isinstance(parsed, dict):
        if "records" in parsed or not parsed:
            return parsed.get("records")
        keys = ", ".join(quoted(str(k)) for k in list(parsed)[:3]) + (" …" if len(parsed) > 3 else "")
        raise Invalid(f'The request body is an object without "records" (its keys: {keys}): send the rows as '
                      f"{RECORDS_SHAPE}, one object per row; a single row as {{\"records\": [{{...}}]}}.")
    if isinstance(parsed, list):
        what = (f"an array of {len(parsed):,} record{'s' if len(parsed) != 1 else ''}"
                if parsed and all(isinstance(r, dict) for r in parsed) else "an array")
        raise Invalid(f'The request body is {what}, not an object: send the rows inside one, as {RECORDS_SHAPE}.',
                      status=400)
    raise Invalid(f"The request body is {_json_kind(parsed)}, not an object: send the rows as {RECORDS_SHAPE}, "
                  "one object per row.", status=400)


def _records_as_frame(records: list[dict]):
    """(pandas' frame of the records (DataFrame.from_records), the keys some records leave out:
    {key: their places, 0 = first}). Built from tuples when every record has the first one's
    keys (what a client sends): the same frame, 1.5 ms for 1,000 records of 30 numbers against
    1.9 (tests/test_predict_rows.py compares them on a corpus), and no key left out."""
    from operator import itemgetter

    import numpy as np
    import pandas as pd

    keys = list(records[0])
    if len(keys) > 1 and all(len(r) == len(keys) for r in records):
        take = itemgetter(*keys)
        try:
            return pd.DataFrame([take(r) for r in records], columns=keys), {}
        except KeyError:  # a record with other keys of the same number
            pass
    frame = pd.DataFrame.from_records(records)
    omitted: dict = {}  # a record naming fewer keys than all of them together leaves some out
    width, named = frame.shape[1], set(frame.columns)
    for i, record in enumerate(records):
        if len(record) < width:
            for key in named.difference(record):
                omitted.setdefault(key, []).append(i)
    # arrays: pandas deep-copies a frame's attrs on every step, which a list of 10,000 places made slow
    return frame, {key: np.array(places) for key, places in omitted.items()}


def csv_frame(body: bytes, limits: tuple[int, int] | None = None, charset: str | None = None,
              scratch: str | None = None, trained_in: str | None = None, zero_dashes=()):
    """The rows of a CSV body (UTF-8, or the `charset` its Content-Type names; a header line
    of column names), at most MAX_ROWS, its header at most `limits[0]` columns wide
    (column_limit). Read as an uploaded file is, and as "Score a file" reads one (the one
    reader, data.ingest, here in this process: a body is small): its delimiter (a European
    export's `;`), decimal commas, thousands separators, currencies, percentages, day-first
    dates and missing markers. `scratch`: the folder its bytes are read from (the home).
    `trained_in`: the encoding the model's training file was read in when not UTF-8 (its
    card's). A body that names no charset is read by the upload's rule, as predict.py reads a
    file (playground_runtime.text_encoding: a byte-order mark decides, UTF-16 too; UTF-8; the
    training file's encoding; a code page, said). `zero_dashes`: the columns whose '-' the
    model learned as 0 (playground_runtime.zero_dash_columns), read so."""
    import codecs
    import shutil
    import tempfile
    from pathlib import Path

    import playground_runtime
    from data import ingest
    from data.reading import binary_kind, other_text_format

    kind = binary_kind(body)
    if kind:  # before any decoding: a workbook's bytes read as text give the csv module's words
        raise Invalid(f"The CSV body is {kind}, not CSV text. {_SEND_INSTEAD[kind]}", status=415)
    encoding = "utf-8-sig"
    unknown = Invalid(f"The CSV body's charset {quoted(str(charset)[:40])} is not a text encoding this server knows: "
                      "send UTF-8, or name a known one (text/csv; charset=windows-1252).", status=415)
    if charset:
        try:
            encoding = codecs.lookup(charset).name
        except LookupError:
            raise unknown from None
        encoding = "utf-8-sig" if encoding == "utf-8" else encoding
    notices = []  # how the body was read, before the reader's own notices
    if not charset:  # read as the upload reads a file (a byte-order mark, UTF-8, a code page): one rule
        try:
            from data.reading import script_guess

            encoding, said = playground_runtime.text_encoding(body, "The CSV body", trained_in, script_guess)
        except playground_runtime.ColumnsError as e:
            raise Invalid(str(e)) from None
        notices += [said] if said else []
    try:
        text = body.decode(encoding)
    except LookupError:  # a codec that is not a text encoding (base64, zlib ...)
        raise unknown from None
    except UnicodeDecodeError as e:
        raise Invalid(_not_decoded(body, e, encoding, trained_in)) from None
    if not text.strip():
        raise Invalid(playground_runtime.empty_file("The CSV body"))
    other = other_text_format(text, True)
    if other:  # the reader's own sentence says to save the file and upload it: not what a caller does
        raise Invalid(f"The CSV body holds {other}, not CSV text. {_SEND_INSTEAD[other]}", status=415)
    if limits is not None:
        first = re.split(r"\r?\n|\r", text.lstrip("\ufeff"), maxsplit=1)[0]  # (Excel for Mac ends lines with \r alone)
        try:  # the widest the header can be read, whichever delimiter the reader finds
            width = max(len(next(csv.reader([first], delimiter=d), [])) for d in ",;\t|")
        except csv.Error as e:
            raise Invalid(f"The CSV body could not be read: {str(e).strip()[:200]}") from None
        if width > limits[0]:
            raise _too_wide("The CSV header has", width, limits)
    folder = tempfile.mkdtemp(dir=scratch, prefix="predict-")
    try:
        src = Path(folder) / "body.csv"
        src.write_bytes(body)
        limit = ingest.Limits(max_bytes=len(body) + 1, max_columns=max(limits[0], 1) if limits else 2000,
                              max_cells=2 * len(body) + 2)  # bounded by the body: the row limit is said below
        try:
            read = ingest.ingest_path(src, "body.csv", folder, limit, options={"encoding": encoding}, table_only=True,
                                        zero_dashes=zero_dashes)
        except ingest.DatasetError as e:  # the reader's sentence, about the body it read
            said = str(e)
            raise Invalid(f"The CSV body{said[len('The file'):]}" if said.startswith("The file ") else
                          f"The CSV body could not be read: {said}") from None
        frame = ingest.frame_to_score(read)  # with every conversion, said in the answer
        frame.attrs["reading"] = notices + frame.attrs["reading"]
        frame.attrs["reading_columns"] = [None] * len(notices) + frame.attrs["reading_columns"]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if len(frame) > MAX_ROWS:
        raise _too_many(len(frame))
    if frame.empty:
        raise Invalid(playground_runtime.header_only("The CSV body"))
    return frame


_AS_CSV = "Send the rows as CSV text (a header line of column names, then a line per row) with Content-Type: text/csv"
_AS_RECORDS = 'or send the rows as JSON (Content-Type: application/json, {"records": [{column: value, ...}, ...]}).'
# what a caller whose CSV body is something else does instead (data.reading names what it is)
_SEND_INSTEAD = {
    "an Excel workbook (.xlsx)": f"Save the sheet as CSV (Excel: Save As, 'CSV UTF-8') and send that, {_AS_RECORDS}",
    "an Excel 97-2003 workbook (.xls)": f"Save the sheet as CSV (Excel: Save As, 'CSV UTF-8') and send that, "
                                        f"{_AS_RECORDS}",
    "an Excel 2003 XML spreadsheet": f"Save the sheet as CSV (Excel: Save As, 'CSV UTF-8') and send that, {_AS_RECORDS}",
    "an OpenDocument spreadsheet (.ods)": f"Save the sheet as CSV (LibreOffice: File, Save a Copy, 'Text CSV') and "
                                          f"send that, {_AS_RECORDS}",
    "a zip archive": f"Send the CSV file inside it, uncompressed, {_AS_RECORDS}",
    "gzip-compressed data": f"Send the CSV text uncompressed (this endpoint does not read Content-Encoding: gzip), "
                            f"{_AS_RECORDS}",
    "a Parquet file": f"{_AS_CSV} (pandas: pd.read_parquet(path).to_csv(index=False)), {_AS_RECORDS}",
    "JSON": 'Send JSON with Content-Type: application/json, the rows as {"records": [{column: value, ...}, ...]}.',
    "a web page (HTML)": f"{_AS_CSV}, {_AS_RECORDS}",
}


def _csv_shape(body: bytes) -> tuple[str, int] | None:
    """(the delimiter, the header's width) of a body that reads as a CSV table: two lines or
    more, the first not JSON's `{` or `[`, every line of the first 21 as wide as the header
    and at least two columns wide. None otherwise (broken JSON, a sentence, one column)."""
    import playground_runtime

    text = body[:1 << 16].decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if text.startswith(("{", "[")):
        return None
    lines = [line.rstrip("\r") for line in text.split("\n", 22)[:21] if line.strip()]
    if len(lines) < 2:
        return None
    delimiter = playground_runtime.sniff_delimiter("\n".join(lines))
    try:
        widths = {len(fields) for fields in csv.reader(lines, delimiter=delimiter)}
    except csv.Error:
        return None
    width = widths.pop()
    return (delimiter, width) if not widths and width >= 2 else None


def _not_decoded(body: bytes, error: UnicodeDecodeError, encoding: str, trained_in: str | None) -> str:
    """The refusal of a CSV body that does not decode in the charset its Content-Type names:
    where (its line, the byte), and the encoding to name when the training file's own reads it
    (a Windows export sent as charset=utf-8 by a client that names UTF-8 whatever it sends)."""
    from data.reading import encoding_name

    line = body.count(b"\n", 0, error.start) + 1
    name = "UTF-8" if encoding in ("utf-8", "utf-8-sig") else encoding_name(encoding)
    where = f"line {line} holds the byte 0x{body[error.start]:02X}, which {name} does not have there"
    told = f"The CSV body is not {name} text, as its Content-Type says ({where})"
    if trained_in and encoding_name(trained_in) != encoding_name(encoding) and _decoded(body, trained_in) is not None:
        return (f"{told}. It decodes as {encoding_name(trained_in)}, the encoding the training file was read in: "
                f"if it is written in that, send it as text/csv; charset={trained_in}.")
    return f"{told}: name the encoding it is written in (text/csv; charset=windows-1252), or send UTF-8."


def _decoded(body: bytes, encoding: str | None) -> str | None:
    """The body's text in `encoding`, None when there is none or it does not decode the body."""
    if not encoding:
        return None
    try:
        return body.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return None


def request_frame(body: bytes, content_type: str, parse_json, limits: tuple[int, int] | None = None,
                  charset: str | None = None, scratch: str | None = None, name: str = "{name}",
                  trained_in: str | None = None, zero_dashes=()):
    """The rows a request sends: a CSV body (text/csv), else JSON `{"records": [...]}` read
    by `parse_json` (the web layer's strict JSON reader); `limits`: column_limit's;
    `scratch`: where a CSV body is read from; `trained_in`, `zero_dashes`: csv_frame's."""
    if content_type == "text/csv":
        return csv_frame(body, limits, charset, scratch, trained_in, zero_dashes)
    if content_type not in ("application/json", ""):  # refused here, not before the route: logged as any request
        raise Invalid(f"Send the rows as JSON (Content-Type: application/json, {{\"records\": [...]}}) or as CSV "
                      f"(Content-Type: text/csv), not {content_type[:80]}.", status=415)
    from data.reading import DELIMITER_NAMES

    try:
        parsed = parse_json(body, kind=object, flat_values=True)  # records_frame refuses a value no scalar
    except ValueError as e:  # the web layer's refusal (400): a CSV body sent without its Content-Type, said so
        shape = _csv_shape(body) if getattr(e, "status", None) == 400 else None
        if shape is None:
            raise
        sent = f"Content-Type: {content_type}" if content_type else "no Content-Type, so it was read as JSON"
        said = DELIMITER_NAMES.get(shape[0], repr(shape[0]))
        raise Invalid(f"The request body is not JSON but a CSV table ({shape[1]} columns separated by {said}), sent "
                      f"with {sent}. Send a CSV body with Content-Type: text/csv, or JSON as "
                      '{"records": [{column: value, ...}, ...]}.', status=400) from None
    return records_frame(_body_records(parsed), limits, name)


def trimmed_keys(keys, features: list[dict]) -> list[str]:
    """The sentence for JSON records' keys that name a column of the model only without the
    spaces around them (' age' for age): prepare_rows matches them so, as the app's reader,
    Score a file and predict.py read a CSV header's names (where 'age, plan' is a way of
    writing a file); a key is not written so by a convention, so the caller is told (a tester
    found ' age' matched without a word). `features`: the model card's. Called on rows
    prepare_rows took: a key it did not match was refused there."""
    names = {c["name"] for c in features}
    padded = [k for k in keys if isinstance(k, str) and k != k.strip() and k.strip() in names]
    if not padded:
        return []
    one = len(padded) == 1
    return [f"{'The key' if one else 'The keys'} {', '.join(map(repr, padded))} "
            f"{'was' if one else 'were'} taken as {', '.join(repr(k.strip()) for k in padded)}, without the spaces "
            f"around {'it' if one else 'them'}: send {'the name' if one else 'the names'} as the model has "
            f"{'it' if one else 'them'}."]


def _json_values(column) -> list:
    """A column's values as JSON takes them: gaps null, dates as ISO 8601 text."""
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(column):
        return [None if pd.isna(v) else v.isoformat() for v in column]
    return column.astype(object).where(column.notna(), None).tolist()


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 3)


def serve(store: Store, name: str, authorization: str | None, body: bytes, content_type: str, parse_json,
          as_csv: bool = False, alias: str = "production", charset: str | None = None):
    """One predict request, logged whatever its end (prediction_log): the key checked, the
    rows parsed, checked against the model card's columns and scored by the version `alias`
    points at. The answer: predictions (a classifier's class probabilities too) and the
    version, as a dict; with `as_csv`, the CSV text under "csv" beside the version and the
    warnings."""
    started = time.perf_counter()
    entry = {"deployment": name, "version": None, "key_prefix": None, "rows": None, "status": 200, "load_ms": None,
             "parse_ms": None, "validate_ms": None, "predict_ms": None, "error": None}
    try:
        return _serve(store, name, authorization, body, content_type, parse_json, as_csv, alias, entry, charset)
    except Exception as e:
        entry["status"], entry["error"] = getattr(e, "status", 500), (getattr(e, "detail", None) or str(e))[:500]
        raise
    finally:
        entry["total_ms"] = _ms(started)
        if entry["version"] is not None or store.has_deployment(name):  # names that are none: not logged
            store.log_prediction(entry, LOG_KEPT)


def _serve(store, name, authorization, body, content_type, parse_json, as_csv, alias, entry, charset=None):
    import numpy as np

    import playground_runtime

    key = key_from(authorization, store)
    if key is None:
        revoked = revoked_key(authorization, store)
        if revoked is not None:  # logged under its prefix: who still sends a key that was revoked
            entry["key_prefix"] = revoked["prefix"]
            raise KeyRefused(f"The API key {revoked['prefix']}… was revoked ({_when(revoked['revoked_at'])}): send a live "
                             "key (POST /api/v1/keys makes one).", status=401)
        raise KeyRefused("This endpoint needs a live API key: send Authorization: Bearer <key> (POST /api/v1/keys "
                         "makes one; a revoked key no longer works).", status=401)
    entry["key_prefix"] = key["prefix"]
    current = store.production_version(name, alias)
    if current is None:
        store.require_deployment(name)
        raise NotFound(f"Deployment {quoted(name)} has no {alias} version.")
    entry["version"] = current["version"]
    t = time.perf_counter()
    was_loaded = is_loaded(current)
    model, card = loaded(store, name, current)  # its card bounds how wide the rows may be
    if not was_loaded:  # this request loaded the version: a part of its own, not hidden in the total
        entry["load_ms"] = _ms(t)
    t = time.perf_counter()
    frame = request_frame(body, content_type, parse_json, column_limit(card), charset, str(store.settings.home), name,
                          (card.get("dataset") or {}).get("encoding"),
                          playground_runtime.zero_dash_columns(card["features"]))
    entry["parse_ms"], entry["rows"] = _ms(t), len(frame)
    t = time.perf_counter()
    try:
        left_out = playground_runtime.set_aside_row_names(card.get("left_out_columns") or [], card["features"], frame)
        X = playground_runtime.prepare_rows(frame, card["features"], left_out)
    except playground_runtime.ColumnsError as e:
        raise Invalid(str(e)) from None
    unseen = playground_runtime.unseen_values(X, card["features"])
    if content_type != "text/csv":  # (a CSV header's names are read without spaces around them, as an upload's)
        unseen = trimmed_keys(frame.columns, card["features"]) + unseen
    # how a CSV body's values were read ('2.121,88 €' as 2121.88 ...), and how the model read text values
    reading = bundle.reading_said(frame, card["features"]) + playground_runtime.reading_notes(X)
    entry["validate_ms"] = _ms(t)
    t = time.perf_counter()
    proba = card.get("classes") is not None and hasattr(model, "predict_proba")
    ids = playground_runtime.row_id_columns(card.get("id_columns") or [], card["features"], frame)
    if as_csv:  # the rows' id columns first, as predict.py and Score a file write them
        rows = frame
        if content_type != "text/csv":  # JSON in, JSON's spelling out: true, not Python's True
            rows = frame.assign(**{c: frame[c].map(lambda v: playground_runtime.truth_text(v)
                                                    if playground_runtime.is_truth(v) else v) for c in ids})
        out = playground_runtime.with_row_ids(playground_runtime.predictions(model, X, proba=proba), rows, ids)
        entry["predict_ms"] = _ms(t)
        # what the JSON answer says besides the rows, for the response's headers (a CSV client
        # could not tell which version answered after an alias moved back, found by a new user)
        return {"csv": out.to_csv(index=False), "deployment": name, "alias": alias, "version": current["version"],
                "warnings": unseen + reading}
    predicted, probabilities = playground_runtime.predicted(model, X, proba=proba)
    entry["predict_ms"] = _ms(t)
    answer = {"deployment": name, "alias": alias, "version": current["version"], "rows": len(predicted),
              "predictions": predicted.tolist()}
    if unseen:  # scored, and said: values training never saw go in as an unknown category
        answer["warnings"] = unseen
    if reading:
        answer["reading"] = reading
    if ids:  # the rows' id columns, as the CSV answer writes them first: a client matches rows by id, not place
        answer["ids"] = {str(c): _json_values(frame[c]) for c in ids}
    if proba:
        # the classes as the predictions name them (integers stay integers): a client matches
        # a prediction to its probability column by equality
        answer["classes"] = np.asarray(model.classes_).tolist()
        answer["probabilities"] = probabilities.tolist()
    return answer
