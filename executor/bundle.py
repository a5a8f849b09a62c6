"""A run's trained models taken out: the list, the model bundle (a zip that loads and scores
anywhere the libraries are, no checkout), and scoring new rows in the app.

The bundle holds `model.skops` (the fitted pipeline without its training-only row filters,
saved with skops, never pickle), `playground_runtime.py` (the project's own estimators,
verbatim), `requirements.txt` (exact versions), `predict.py`, `model_card.json` and
`MODEL_CARD.md`, and the model in its library's own format where its plugin gives one
(XGBoost's JSON). The skops file is made from the run's own model artifact the first time a
bundle is asked for (a download, a Deploy node) and kept beside it, so a run pays nothing
for it and a second request reuses it. A skops file is loaded only when every type it needs
is on the reviewed list (`playground_runtime.TRUSTED_TYPES`); the app loads only the files
its own runs wrote, never bytes a user uploads.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import sys
import threading
import time
import zipfile
from collections import OrderedDict
from pathlib import Path

import playground_runtime
from data import datasets
from data.store import Invalid, NotFound, Store
from nodes import graph as graphs
from nodes.graph import quoted

PREDICT_SCRIPT = Path(__file__).with_name("bundle_files") / "predict.py"
# predict.py as the app was started with it, beside the runtime it calls as this process loaded
# it (plugins.sources): a bundle made after a `git pull` under a running app ships the pair the
# app runs and pickled its models with, not a new predict.py or runtime (bundle_files)
PREDICT_TEXT = PREDICT_SCRIPT.read_bytes()


def bundle_files() -> dict[str, bytes]:
    """predict.py and playground_runtime.py, as this process runs them."""
    from plugins import sources

    return {"playground_runtime.py": sources.module_text("playground_runtime").encode(), "predict.py": PREDICT_TEXT}


def _portable_nodes(job: dict) -> list[dict]:
    from executor.engine import DONE

    return [n for n in job.get("nodes") or [] if n.get("status") in DONE
            and isinstance(n.get("output"), dict) and n["output"].get("portable")]


def node_with_model(job: dict, model_artifact_id: str | None, graph: dict | None = None,
                    below: str | None = None) -> str | None:
    """The node of a run whose saved model is that artifact; else (a model reused from the
    node cache reaches the nodes below a reused node with the ids of the run that made it)
    the nearest node above `below` with a saved model."""
    portable = {n["node_id"]: n["output"]["portable"] for n in _portable_nodes(job)}
    found = next((n["node_id"] for n in _portable_nodes(job)
                  if model_artifact_id and n["output"].get("model_artifact_id") == model_artifact_id), None)
    if found is not None or below is None or graph is None:
        return found
    graph = graphs.parse(graph)
    queue, seen = [e.source for e in graph.preds.get(below, [])], set()
    while queue:
        nid = queue.pop(0)
        if nid in portable:
            return nid
        if nid not in seen:
            seen.add(nid)
            queue.extend(e.source for e in graph.preds.get(nid, []))
    return None


def models(store: Store, job_id: str) -> list[dict]:
    """The run's trained models that have a bundle: node id, name, algorithm, features,
    target, classes, formats and the bundle's address."""
    from plugins import registry

    job = store.require_job(job_id)
    names = graphs.node_names(store.get_snapshot(job["snapshot_id"]))
    out = []
    for n in _portable_nodes(job):
        output, facts = n["output"], n["output"]["portable"]
        plugin = registry.models().get(output.get("algorithm"))
        out.append({"node_id": n["node_id"], "name": names.get(n["node_id"], n["node_id"]),
                    "algorithm": output.get("algorithm"), "algorithm_name": plugin.name if plugin else None,
                    "problem_type": _problem_type(facts), "features": facts["features"], "target": facts["target"],
                    "classes": facts.get("classes"), "positive_class": facts.get("positive_class"),
                    "formats": formats(facts),
                    "bundle_url": f"/api/v1/jobs/{job_id}/models/{n['node_id']}/bundle"})
    return out


def formats(facts: dict) -> list[str]:
    return ["skops", *(["xgboost-json"] if any(k.endswith(".xgboost.json") for k in facts.get("native") or {})
                       else [])]


def _problem_type(facts: dict) -> str:
    return facts.get("problem_type") or ("classification" if facts.get("classes") is not None else
                                         "regression" if facts.get("target") else "clustering")


def _model_node(store: Store, job_id: str, node_id: str) -> tuple[dict, dict]:
    job = store.require_job(job_id)
    node = next((n for n in _portable_nodes(job) if n["node_id"] == node_id), None)
    if node is None:
        known = [n["node_id"] for n in _portable_nodes(job)]
        raise NotFound(f"Run {quoted(job_id)} has no trained model at node {quoted(node_id)}"
                       + (f"; its models are at {', '.join(map(quoted, known))}." if known else "; it trained none."))
    return job, node


def _artifact_bytes(store: Store, job_id: str, artifact_id: str) -> bytes:
    return Path(store.get_artifact(job_id, artifact_id)["path"]).read_bytes()


def load_model(data: bytes, what: str = "This model file"):
    """The pipeline in a skops file, loaded only when every type it needs is on the reviewed
    list (playground_runtime.load_skops, the one loader predict.py uses too)."""
    import playground_runtime

    return playground_runtime.load_skops(data, what)


class NotPortable(Invalid):
    """A model skops cannot save: it has no bundle (the run's own model is kept)."""


def model_digest(store: Store, job_id: str, node_id: str) -> str:
    """The SHA-256 of a run's trained model as the run saved it (its model artifact; the skops
    file of a run made before those were made on demand): what says two deployed models are
    the same. The same model reused from the node cache by a later run is the same file; a
    bundle is not compared (its zip, its skops file and its card are written anew each time)."""
    _, node = _model_node(store, job_id, node_id)
    facts = node["output"]["portable"]
    path = Path(store.get_artifact(job_id, facts.get("model_artifact_id") or facts["skops_artifact_id"])["path"])
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _model_path(store: Store, job_id: str, facts: dict) -> Path:
    return Path(store.get_artifact(job_id, facts["model_artifact_id"])["path"])


def _run_pipeline(path: Path):
    """The run's own fitted pipeline. Unpickling is allowed here and only here: the file is
    the model artifact our own worker wrote for this run into the store's artifacts folder
    (its path comes from the run's artifact row, never from a request); no byte of it was
    supplied by a user."""
    import joblib

    return joblib.load(path)


def portable_model(store: Store, job_id: str, facts: dict) -> tuple[bytes, dict]:
    """(the model's skops file, `facts` with the types and library versions it needs). Made
    from the run's model artifact the first time it is asked for and kept beside it
    (`portable/<artifact id>.skops` in the run's artifacts folder, its facts in `….json`,
    each written whole then renamed, so a reader never sees half a file and two first
    requests at once both write the same thing); later requests read it back."""
    if facts.get("skops_artifact_id"):  # a run made before skops files were made on demand
        return _artifact_bytes(store, job_id, facts["skops_artifact_id"]), facts
    path = _model_path(store, job_id, facts)
    folder = path.parent / "portable"
    skops_path, meta_path = folder / f"{facts['model_artifact_id']}.skops", folder / f"{facts['model_artifact_id']}.json"
    if skops_path.exists() and meta_path.exists():
        return skops_path.read_bytes(), {**facts, **json.loads(meta_path.read_text())}
    from nodes.model import portable_file

    try:
        data, extra = portable_file(_run_pipeline(path))
    except Exception as e:  # a third-party estimator skops cannot save
        raise NotPortable(f"This model cannot be saved as a portable bundle (skops: {e}); the run's own model is "
                          "kept, and scoring it in the app still works.", status=409) from None
    folder.mkdir(exist_ok=True)
    for target, blob in ((meta_path, json.dumps(extra).encode()), (skops_path, data)):
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(blob)
        os.replace(tmp, target)
    return data, {**facts, **extra}


LOADED_MODELS = 4  # fitted pipelines kept loaded per process for scoring: the most recently used
_loaded: OrderedDict = OrderedDict()
_loaded_lock = threading.Lock()


def fitted_model(store: Store, job_id: str, node_id: str) -> tuple[object, dict]:
    """The run's fitted model of that node, as its bundle holds it (without training-only
    row filters), and its facts. Read from the run's own model artifact, once per process
    for the LOADED_MODELS most recently used (a second "Score a file" does not load it
    again)."""
    import playground_runtime

    _, node = _model_node(store, job_id, node_id)
    facts = node["output"]["portable"]
    key = (job_id, node_id, facts.get("model_artifact_id") or facts.get("skops_artifact_id"))
    with _loaded_lock:
        if key in _loaded:
            _loaded.move_to_end(key)
            return _loaded[key], facts
    if facts.get("model_artifact_id"):
        model = playground_runtime.scoring_pipeline(_run_pipeline(_model_path(store, job_id, facts)))
    else:  # a run made before skops files were made on demand keeps only its skops file
        try:
            model = load_model(_artifact_bytes(store, job_id, facts["skops_artifact_id"]), "The saved model file")
        except playground_runtime.UntrustedModel as e:
            raise Invalid(str(e), status=409) from None
    with _loaded_lock:
        _loaded[key] = model
        while len(_loaded) > LOADED_MODELS:
            _loaded.popitem(last=False)
    return model, facts


def left_out_columns(store: Store, facts: dict) -> list[str]:
    """The dataset's columns the model does not take (the target, ids, ignored ones): a
    file to score may hold them, and they are set aside."""
    return scoring_columns(store, facts)[0]


def scoring_columns(store: Store, facts: dict) -> tuple[list[str], list[str]]:
    """(the dataset's columns the model does not take, which a file to score may hold and
    which are set aside: the target, ids, ignored ones; the dataset's id columns, which its
    predictions carry to match each one to its row), from one read of the dataset."""
    names = {c["name"] for c in facts["features"]}
    info = store.find_dataset(facts.get("dataset_id") or "") or {}
    if datasets.is_sample(facts.get("dataset_id") or ""):
        columns = datasets.sample_profile(facts["dataset_id"])[0]["columns"]
    else:
        columns = (info.get("profile") or {}).get("columns") or []
    out = [c["name"] for c in columns if c["name"] not in names]
    # columns the user set to Ignore on the dataset page: left out at reading, so not in the
    # profile, but the file the dataset came from (and the next ones like it) holds them
    ignored = [c for c, role in ((info.get("options") or {}).get("roles") or {}).items() if role == "ignore"]
    for name in [*ignored, facts.get("target")]:
        if name and name not in out and name not in names:
            out.append(name)
    return out, [c["name"] for c in columns if c.get("role") == "id" and c["name"] not in names]


def reading_said(frame, features: list) -> list[str]:
    """How the reader read a file of rows to score (frame_to_score), as said beside the
    predictions. A date column the training file wrote with numbers is read by the model
    (playground_runtime, which says how, in the words predict.py says it in): one the
    reader kept as text, its dates being either way (03/05/2023), is read in the training
    file's order, and one it read as dates (playground_runtime.DATES_READ) in the order its
    values allow: the reader's "kept as text" or "read as dates, day first" is not said
    beside that. So is a number column it kept as text that the training file wrote
    otherwise than plainly (1.334,60 €): the model reads it the training file's way."""
    from collections import Counter

    import pandas as pd

    import playground_runtime

    texts = frame.attrs.get("reading") or []
    columns = frame.attrs.get("reading_columns") or [None] * len(texts)
    read = frame.attrs.get(playground_runtime.DATES_READ) or {}
    ordered = {f["name"] for f in features if f.get("order") and f["name"] in frame.columns
               and (f["name"] in read or not pd.api.types.is_datetime64_any_dtype(frame[f["name"]]))}
    ordered |= {f["name"] for f in features if f.get("written") and f["name"] in frame.columns
                and not pd.api.types.is_numeric_dtype(frame[f["name"]])}
    # so is any number or date column the reader kept as text ('2-' among grades, 03/05/2023 either way, 'ERR'):
    # the model reads its values by its own rule and says how; the reader's "kept as text: set its type to Number"
    # spoke of a dataset page the rows have not
    once = {c for c, n in Counter(frame.columns).items() if n == 1}  # (a name the header repeats is refused later)
    ordered |= {f["name"] for f in features if f["type"] in ("numeric", "datetime") and f["name"] in once
                and not pd.api.types.is_numeric_dtype(frame[f["name"]])
                and not pd.api.types.is_datetime64_any_dtype(frame[f["name"]])}
    return [t for t, c in zip(texts, columns) if c not in ordered]


def score_frame(model, facts: dict, frame, left_out=(), proba: bool = False):
    """(predictions for the rows of `frame`: a DataFrame with `prediction` and `proba_<class>`,
    the sentences of playground_runtime.unseen_values, those of its reading_notes); the one
    rule of playground_runtime checks their columns first."""
    import playground_runtime

    X = playground_runtime.prepare_rows(frame, facts["features"], left_out)
    return (playground_runtime.predictions(model, X, proba=proba), playground_runtime.unseen_values(X, facts["features"]),
            playground_runtime.reading_notes(X))


def score_table(store: Store, model, facts: dict, frame, proba: bool = False) -> tuple[bytes, list[str], list[str]]:
    """A table read by the upload reader, scored by a run's model (fitted_model): (the
    predictions as CSV, what the rows hold that training never saw, how the model read their
    values where they were not plain). Rows that cannot be
    scored are refused (400) with the sentence naming the columns."""
    import playground_runtime

    if proba and facts.get("classes") is None:
        raise Invalid("Probabilities are for classifiers; this model predicts numbers or clusters.", status=400)
    left_out, ids = scoring_columns(store, facts)
    try:
        left_out = playground_runtime.set_aside_row_names(left_out, facts["features"], frame)
        out, unseen, notes = score_frame(model, facts, frame, left_out, proba)
    except playground_runtime.ColumnsError as e:
        raise Invalid(str(e), status=400) from None
    out = playground_runtime.with_row_ids(out, frame, playground_runtime.row_id_columns(ids, facts["features"], frame))
    return predictions_csv(out), unseen, notes


def predictions_csv(frame) -> bytes:
    """`frame.to_csv(index=False)`, byte for byte, as UTF-8: joined here where every column is
    whole numbers or text a CSV writes as it is (no comma, quote or line break, not empty, no
    gap), as a class's predictions and most ids are (100,000 predictions: 11 ms for numbers,
    6 for class names, where pandas took 19 and 21); pandas writes any other frame."""
    import numpy as np
    import pandas as pd

    columns = []
    for name, column in frame.items():
        if not isinstance(name, str) or not _plain(name) or not name:
            return frame.to_csv(index=False).encode()
        if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iu":  # (a nullable Int64 may hold <NA>)
            columns.append(list(map(str, column.tolist())))
        elif not column.hasnans and pd.api.types.infer_dtype(column, skipna=False) == "string":  # text, no gap
            values = column.tolist()
            if "" in values or not _plain("\0".join(values)):
                return frame.to_csv(index=False).encode()
            columns.append(values)
        else:
            return frame.to_csv(index=False).encode()
    if not columns or not len(frame):
        return frame.to_csv(index=False).encode()
    rows = columns[0] if len(columns) == 1 else list(map(",".join, zip(*columns)))
    end = os.linesep  # pandas' line ending
    return (",".join(frame.columns) + end + end.join(rows) + end).encode()


def _plain(text: str) -> bool:
    """Whether the csv module writes `text` as it is (QUOTE_MINIMAL: no delimiter, quote or line break)."""
    return not ("," in text or '"' in text or "\r" in text or "\n" in text)


# --------------------------------------------------------------------------- the bundle
def _dataset_facts(store: Store, facts: dict) -> dict:
    dataset_id = facts.get("dataset_id") or ""
    info = store.find_dataset(dataset_id) or {}
    out = {"id": dataset_id, "name": facts.get("dataset_name") or info.get("name")}
    if datasets.is_sample(dataset_id):
        import pandas as pd

        frame = datasets.load_sample(dataset_id)
        digest = hashlib.sha256(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes()).hexdigest()
        out.update(content_hash=f"sha256:{digest}", hash_of="the sample table's rows (pandas.util.hash_pandas_object)",
                   source="sample shipped with the app")
    else:
        out.update(content_hash=info.get("content_hash"), hash_of="the file as uploaded",
                   filename=info.get("filename"), rows=info.get("n_rows"))
    if facts.get("encoding"):  # the text encoding the training file was read in, when not UTF-8 (predict.py's too)
        out["encoding"] = facts["encoding"]
    return out


def _metrics(job: dict, node_id: str) -> list[dict]:
    """The test-row metrics of every Evaluate node that scored this model, scalars only."""
    out = []
    for eval_id, entry in ((job.get("results") or {}).get("metrics") or {}).items():
        if entry.get("model_node_id") != node_id:
            continue
        values = {k: v for k, v in (entry.get("values") or {}).items() if isinstance(v, (int, float))}
        out.append({"evaluate_node": eval_id, "values": values, "descriptions": entry.get("descriptions") or {},
                    "test_rows": (entry.get("facts") or {}).get("test_rows")})
    return out


def verdicts(job: dict, model_node_id: str, graph: dict | None) -> list[dict]:
    """What the run's judging nodes (a node type that `judges`: a Gate) decided about the
    model of `model_node_id`, the nearest saved model above each: [{"node_id", "name",
    "decision", "message"}] in the run's order of nodes. A node that did not complete (skipped
    below a failure) judged nothing."""
    from executor.engine import DONE
    from nodes.registry import node_types

    types, names = node_types(), graphs.node_names(graph or {})
    out = []
    for n in job.get("nodes") or []:
        nt, output = types.get(n.get("node_type")), n.get("output")
        if (nt is None or not nt.judges or n.get("status") not in DONE or not isinstance(output, dict)
                or output.get("decision") not in ("pass", "fail")):
            continue
        if graph is not None and node_with_model(job, None, graph, n["node_id"]) == model_node_id:
            out.append({"node_id": n["node_id"], "name": names.get(n["node_id"], n["node_id"]),
                        "decision": output["decision"], "message": output.get("message") or output["decision"]})
    return out


def model_card(store: Store, job: dict, node: dict, facts: dict) -> dict:
    """`facts`: the node's portable facts with its skops file's (portable_model)."""
    from plugins import registry

    output = node["output"]
    snapshot = store.get_snapshot(job["snapshot_id"])
    plugin = registry.models().get(output.get("algorithm"))
    node_cfg = next((n for n in snapshot.get("nodes") or [] if n["id"] == node["node_id"]), {})
    left_out, ids = scoring_columns(store, facts)
    return {
        "model": {"node_id": node["node_id"], "name": graphs.node_name(node_cfg) if node_cfg else node["node_id"],
                  "algorithm": output.get("algorithm"), "algorithm_name": plugin.name if plugin else None,
                  "hyperparameters": output.get("hyperparameters")},
        "run": {"job_id": job["id"], "workflow_id": job.get("workflow_id"), "completed_at": job.get("completed_at")},
        "dataset": _dataset_facts(store, facts),
        "problem_type": _problem_type(facts), "target": facts.get("target"),
        "positive_class": facts.get("positive_class"), "classes": facts.get("classes"),
        # predict.py --proba answers (a run made before this was kept: a classifier's, as it was said)
        "probabilities": facts.get("probabilities", facts.get("classes") is not None),
        "features": facts["features"], "left_out_columns": left_out, "id_columns": ids,
        "metrics": {"test": _metrics(job, node["node_id"]), "cv": output.get("cv"),
                    "search": {k: v for k, v in (output.get("optuna") or {}).items() if k != "trials"} or None},
        # what the run's gates decided about it (a model they failed can still be deployed by hand: said)
        "verdicts": verdicts(job, node["node_id"], snapshot),
        "libraries": {**facts.get("libraries", {}), "python": ".".join(map(str, sys.version_info[:3]))},
        "model_types": facts.get("types"), "formats": formats(facts),
        "files": {"model.skops": "the fitted pipeline (skops); its reviewed types are in playground_runtime.py",
                  **{name: "the estimator in its library's own format"
                     + ("; a classifier's booster predicts the codes 0..n-1 of `classes`, in order"
                        if facts.get("classes") is not None else "")
                     for name in facts.get("native") or {}}},
        "workflow": snapshot,
    }


def requirements(facts: dict) -> str:
    """The exact versions the model was trained with; and, commented out, pyarrow's and
    python-calamine's, which predict.py needs only to read rows from a Parquet file (pandas
    reads Parquet with it) or a workbook."""
    from importlib.metadata import PackageNotFoundError, version

    lines = [f"{name}=={v}" for name, v in facts.get("libraries", {}).items() if v]
    for package, what in (("pyarrow", "Parquet files (predict.py rows.parquet)"),
                          ("python-calamine", "workbooks (predict.py rows.xlsx, .xls, .ods)")):
        try:
            lines += [f"# to score {what}, also:", f"# {package}=={version(package)}"]
        except PackageNotFoundError:
            pass
    return "# exact versions the model was trained with; pip install -r requirements.txt\n" + "\n".join(lines) + "\n"


def _markdown(card: dict) -> str:
    from playground_runtime import written_words

    m, d = card["model"], card["dataset"]
    lines = [f"# {m['name']}: {m['algorithm_name'] or m['algorithm']}", "",
             f"Trained by run `{card['run']['job_id']}` of AutoML Playground.", "",
             f"- Dataset: {d.get('name') or d['id']} (`{d['id']}`), content hash `{d.get('content_hash')}` "
             f"({d.get('hash_of')})",
             f"- Problem type: {card['problem_type']}",
             f"- Target: {card['target'] or '(none)'}"]
    if card.get("classes") is not None:
        lines.append(f"- Classes: {', '.join(map(str, card['classes']))}")
    if card.get("positive_class") is not None:
        lines.append(f"- Positive class: {card['positive_class']}")
    lines += ["", "## Features", "", "| column | type | dtype |", "|---|---|---|",
              *[f"| {f['name']} | {f['type']} | {f['dtype']} |" for f in card["features"]]]
    ordered = [f for f in card["features"] if f.get("order")]
    if ordered:  # how rows to score may write them besides ISO 8601 (playground_runtime's `order`)
        lines += ["", "Dates written with numbers are read as the training file wrote them: "
                  + ", ".join(f"{f['name']} {f['order']} first" for f in ordered)
                  + " (a column whose dates exist only in the other order is read so, and said)"]
    days = [f for f in card["features"] if f.get("day_numbers") in playground_runtime.EXCEL_SYSTEMS]
    others = [f for f in card["features"] if f.get("day_numbers") in (playground_runtime.YYYYMMDD, playground_runtime.UNIX)]
    if others:  # 20240105 or 1704467045 chosen as Date: rows' numbers there are read so
        lines += ["", "Numbers in these date columns are read as the training file held them: " + ", ".join(
            f"{f['name']} ({playground_runtime.number_dates_words(f['day_numbers'])})" for f in others)]
    if days:  # numbers in rows to score are dates there (playground_runtime's `day_numbers`)
        lines += ["", "Numbers in these date columns are read as Excel day numbers (45291 is 2023-12-31), as the "
                  "training file held them: " + ", ".join(f"{f['name']} ({f['day_numbers']} date system)" for f in days)
                  + "; a workbook of rows counts days in the date system it says it uses"]
    written = [f for f in card["features"] if f.get("written")]
    if written:  # how rows to score may write them besides plain numbers (playground_runtime's `written`)
        lines += ["", "Numbers written otherwise than plainly are read as the training file wrote them: "
                  + ", ".join(f"{f['name']} ({written_words(f['written'])})" for f in written)]
    gaps = [f["name"] for f in card["features"] if f.get("unreadable_gaps")]
    if gaps:  # Number chosen on the dataset page: values that are no number ('ERR') were gaps (`unreadable_gaps`)
        lines += ["", "Values that are not numbers (like 'ERR') are read as missing in these columns, as in the "
                  f"training file, where Number was chosen for them: {', '.join(gaps)}"]
    marked = [f for f in card["features"] if f.get("marked")]
    if marked:  # a Mark values as missing step's codes (playground_runtime's `marked`): gaps, not values
        lines += ["", "Codes the pipeline reads as missing (a Mark values as missing step; left out of each column's "
                  "range and categories): " + "; ".join(f"{f['name']} {', '.join(map(repr, f['marked']))}"
                                                          for f in marked)]
    if card["dataset"].get("encoding"):
        lines += ["", f"predict.py reads a file that is not UTF-8 as {card['dataset']['encoding']}, the encoding the "
                  "training file was read in."]
    unused = [f["name"] for f in card["features"] if f.get("unused")]
    if unused:
        lines += ["", f"Dropped by a preprocessing step, so not needed in rows to score: {', '.join(unused)}"]
    if card["left_out_columns"]:
        lines += ["", f"Left out (set aside when scoring): {', '.join(card['left_out_columns'])}"]
    if card.get("id_columns"):
        lines += ["", f"Ids (written first beside each prediction, when the rows hold them): "
                      f"{', '.join(card['id_columns'])}"]
    lines += ["", "## Metrics"]
    for t in card["metrics"]["test"]:
        lines += ["", f"On {t.get('test_rows') or 'the'} test rows (Evaluate node `{t['evaluate_node']}`):", ""]
        lines += [f"- {t['descriptions'].get(k, k)}: {v:.6g}" for k, v in t["values"].items()]
    cv = card["metrics"]["cv"]
    if cv:
        lines += ["", f"Cross-validation ({len(cv['folds'])} folds on the training rows): {cv.get('description') or cv['metric']} "
                  f"{cv['mean']:.6g} ± {cv['std']:.6g}"]
    if not card["metrics"]["test"] and not cv:
        lines += ["", "No metrics were computed in this run."]
    if card["metrics"].get("search"):
        lines += _search_lines(card["metrics"]["search"])
    if card.get("verdicts"):
        lines += ["", "## Gates", "", *[f"- {v['name']} (`{v['node_id']}`): {v['message']}" for v in card["verdicts"]]]
    lines += ["", "## Use it", "", "```sh", "pip install -r requirements.txt",
              "python predict.py rows.csv > predictions.csv",
              # a regression's or an SVM's card told to run --proba, which refuses (found by a new user)
              *(["python predict.py rows.csv --proba > probabilities.csv"] if card.get("probabilities") else []),
              "```", "", "## Libraries", "", *[f"- {k} {v}" for k, v in card["libraries"].items()], ""]
    return "\n".join(lines)


def _value(v) -> str:
    return "None (unlimited)" if v is None else repr(v) if isinstance(v, str) else str(v)


def _search_lines(search: dict) -> list[str]:
    """The card's words for model_card.json's `metrics.search`: the hyperparameters came from
    an Optuna search (it said nothing of it, so a reader took them for chosen by hand: audit
    D10): its metric, trials and folds, the best trial's CV value, the values it chose, the
    settings held fixed and the space it searched."""
    metric = search.get("description") or search["metric"]
    folds = f"{search['folds']}-fold cross-validation" if search.get("folds") else "cross-validation"
    lines = ["", "## Hyperparameter search", "",
             f"The hyperparameters below came from an Optuna search of {search['n_trials']} trials, each scored by "
             f"{metric} ({search.get('direction', 'maximize')}) with {folds} on the training rows. The best trial's "
             f"CV {metric} was {search['best_value']:.6g}: a selection score, optimistic (the best of "
             f"{search['n_trials']}); the test metrics above are the honest estimate.", "",
             "Chosen by the search:", "", *[f"- {k} = {_value(v)}" for k, v in (search.get("best_params") or {}).items()]]
    if search.get("fixed"):
        lines += ["", "Held as set, not searched:", "", *[f"- {k} = {_value(v)}" for k, v in search["fixed"].items()]]
    space = search.get("space") or {}
    if space:
        lines += ["", "Searched:", ""]
        for k, v in space.items():
            if isinstance(v, dict):
                lines.append(f"- {k}: {v['min']} to {v['max']}{' (log scale)' if v.get('log') else ''}")
            else:
                lines.append(f"- {k}: {', '.join(_value(c) for c in v)}")
    return lines


def _write(z: zipfile.ZipFile, name: str, data: bytes | str, when: float | None = None) -> None:
    """One file of the bundle, unpacked as -rw-r--r-- (zipfile's writestr of a bare name gives
    0600: a service running as another user than the one who unzipped it could not read the
    model). Nothing in it needs to be executable: predict.py is run with `python predict.py`.
    `when`: the files' time (the run's: the same bundle downloaded twice is the same bytes,
    and its SHA-256 can be checked; each download had its own time, found by a new user)."""
    info = zipfile.ZipInfo(name, date_time=time.localtime(when)[:6])
    info.create_system = 3  # Unix, so that unzip honours the mode
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    z.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)


def bundle(store: Store, job_id: str, node_id: str) -> tuple[str, bytes]:
    """(file name, the zip's bytes) of one trained model."""
    name, data, _ = bundle_and_card(store, job_id, node_id)
    return name, data


def bundle_and_card(store: Store, job_id: str, node_id: str, metrics: dict | None = None) -> tuple[str, bytes, dict]:
    """(file name, the zip's bytes, its model card) of one trained model. `metrics`: the
    run's metrics entries by Evaluate node (as a finished run's results hold them), for a
    bundle made while the run is still going (a Deploy node)."""
    job, node = _model_node(store, job_id, node_id)
    if metrics is not None:
        job = {**job, "results": {**(job.get("results") or {}), "metrics": metrics}}
    model_bytes, facts = portable_model(store, job_id, node["output"]["portable"])
    card = model_card(store, job, node, facts)
    buf = io.BytesIO()
    files = {"model.skops": model_bytes, **bundle_files(), "requirements.txt": requirements(facts),
             "model_card.json": json.dumps(card, indent=2, default=str), "MODEL_CARD.md": _markdown(card),
             **{name: _artifact_bytes(store, job_id, artifact_id)
                for name, artifact_id in (facts.get("native") or {}).items()}}
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            _write(z, name, data, job.get("created_at"))
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in f"{job_id}-{node_id}-{node['output'].get('algorithm')}")
    return f"model-{safe}.zip", buf.getvalue(), card


# --------------------------------------------------------------------------- scoring a file
SCORES_KEPT = 20  # prediction files kept per run: the newest; an older link then says it is gone


def _scores_dir(store: Store, job_id: str) -> Path:
    return store.settings.artifacts_dir / job_id / "scores"


def keep_newest_scores(folder: Path, keep: int = SCORES_KEPT) -> list[str]:
    """Runs are never deleted, so their scored files are bounded instead: all but the `keep`
    newest prediction files of a run are removed. Returns the names removed."""
    files = sorted(folder.glob("*.csv"), key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)
    gone = []
    for old in files[keep:]:
        old.unlink(missing_ok=True)
        gone.append(old.name)
    return gone


def zero_dashes(store: Store, job_id: str, node_id: str) -> list[str]:
    """The columns of a run's model whose '-' it learned as 0 (playground_runtime.zero_dash_columns),
    which the reader of a file to score reads so; none for an unknown run or node (said when scored)."""
    try:
        _, node = _model_node(store, job_id, node_id)
    except NotFound:
        return []
    return _zero_dashes(node)


def _zero_dashes(node: dict) -> list[str]:
    import playground_runtime

    return playground_runtime.zero_dash_columns((node["output"].get("portable") or {}).get("features") or [])


def score_upload(store: Store, ingest, job_id: str, node_id: str, path: str, filename: str,
                 proba: bool = False, started=None) -> dict:
    """"Score a file": the uploaded table read by the upload reader, scored by the run's
    model; the predictions kept as a CSV beside the run's artifacts for download. Returns
    {"score_id", "rows", "url"}; refuses (400) rows it cannot score, naming the columns."""
    import secrets
    from concurrent.futures import ThreadPoolExecutor

    from data import uploads

    try:
        _, node = _model_node(store, job_id, node_id)  # an unknown run or node is said before the file is read
    except Exception:
        if started is not None:  # begun while the file arrived (uploads.begin_read_table): ended here
            started.abort()
        Path(path).unlink(missing_ok=True)
        raise
    # the model is loaded (when this process has not kept it) while the ingest helper reads the file
    with ThreadPoolExecutor(1) as pool:
        loading = pool.submit(fitted_model, store, job_id, node_id)
        try:
            frame = uploads.read_table(store, ingest, path, filename, started, _zero_dashes(node))
        except datasets.DatasetError as e:
            loading.result()  # a model that cannot be loaded is said first
            raise Invalid(str(e), status=400) from None
        model, facts = loading.result()
    csv, unseen, notes = score_table(store, model, facts, frame, proba)
    score_id = f"{node_id}-{secrets.token_hex(8)}"
    folder = _scores_dir(store, job_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{score_id}.csv").write_bytes(csv)
    keep_newest_scores(folder)
    return {"score_id": score_id, "rows": len(frame), "proba": proba, "warnings": unseen,
            "reading": reading_said(frame, facts["features"]) + notes, "url": f"/ui/jobs/{job_id}/scores/{score_id}"}


def score_path(store: Store, job_id: str, score_id: str) -> Path:
    """The predictions file of an earlier "Score a file", by its id (letters, digits, - _)."""
    store.require_job(job_id, with_nodes=False)
    ok = score_id and len(score_id) <= 200 and all(ch.isalnum() or ch in "-_" for ch in score_id)
    path = _scores_dir(store, job_id) / f"{score_id}.csv"
    if not ok or not path.exists():
        raise NotFound(f"No predictions {quoted(score_id)} for run {quoted(job_id)}.")
    return path
