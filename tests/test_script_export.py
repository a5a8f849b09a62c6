"""A run exported as Python reproduces the run: each example workflow the app ships and
real uploaded tables (one-hot, scaling, imputation, target encoding, date features, row
filters, cross-validation, an Optuna search, XGBoost) run through the real app and its
worker; the script and the dataset are downloaded through the API into an empty folder and
the script runs there in a fresh process that cannot import the project (`python -I`,
nothing of the checkout on its path). Its `--json` metrics equal the run's to 1e-9."""

from __future__ import annotations

import ast
import json
import math
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pandas as pd
import pytest

from bench.server import upload as upload_file
from tests import realdata
from tests.conftest import ROOT, installed_entry_points, running_app
from tests.test_missing_codes import spss_survey

TOL = 1e-9
EXAMPLES = sorted(p.stem for p in (ROOT / "examples").glob("*.json"))


# `server`: the app (its web process and Huey consumer) tests/conftest.py shares with the browser tests


def call(base, path, body=None, method=None, raw=False):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method or ("POST" if data else "GET"),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        body = r.read()
        return (body, dict(r.headers)) if raw else json.loads(body or b"null")


def upload(base, df: pd.DataFrame, name: str) -> str:
    return upload_file(base, f"{name}.csv", realdata.csv_bytes(df))[1]["id"]


def run(base, graph) -> dict:
    return wait(base, call(base, "/api/v1/workflows/execute", graph)["job_id"])


def wait(base, job_id: str) -> dict:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        job = call(base, f"/api/v1/jobs/{job_id}")
        if job["status"] in ("completed", "failed", "cancelled"):
            break
        time.sleep(0.3)
    assert job["status"] == "completed", job.get("error_message")
    return job


def assert_installs_what_it_imports(text: str) -> None:
    """Every library the script imports, at its top or inside a function (xgboost's build
    imports it there), is in the pip line of its docstring: a new user's script of an
    xgboost model said "pip install … scikit-learn" without xgboost and failed in a clean
    environment."""
    import ast

    from plugins.codegen import DISTRIBUTIONS

    imported = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            imported.add(node.module.split(".")[0])
    line = text.split("(pip install ", 1)[1].split(")", 1)[0].split()
    wanted = {DISTRIBUTIONS[m] for m in imported - set(sys.stdlib_module_names)}
    assert wanted <= {req.split("==")[0] for req in line}, (wanted, line)


def run_script(base, job, folder, fmt="parquet") -> tuple[dict, str]:
    """The run's script and its data downloaded into `folder` (empty), run there in a
    fresh isolated interpreter: (its --json metrics, what it said on stderr)."""
    text, headers = call(base, f"/api/v1/jobs/{job['id']}/script", raw=True)
    assert headers["content-disposition"].startswith("attachment")
    script = folder / "run.py"
    script.write_bytes(text)
    assert_installs_what_it_imports(text.decode())
    graph = job_graph(base, job)
    files = []
    for node in graph["nodes"]:
        if node["type"] == "dataset":
            data, headers = call(base, f"/api/v1/datasets/{node['config']['dataset_id']}/download?format={fmt}",
                                 raw=True)
            name = headers["content-disposition"].split('filename="')[1].split('"')[0]
            (folder / name).write_bytes(data)
            files.append(name)
    assert sorted(p.name for p in folder.iterdir()) == sorted(["run.py", *files])
    proc = subprocess.run([sys.executable, "-I", "run.py", *files, "--json"], cwd=folder, capture_output=True,
                          text=True, timeout=900, env={"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"})
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout)["metrics"], proc.stderr


def job_graph(base, job) -> dict:
    return job["_graph"]


def same(a, b, where=""):
    if isinstance(a, float) or isinstance(b, float):
        assert isinstance(a, (int, float)) and isinstance(b, (int, float)), where
        assert math.isclose(a, b, rel_tol=0, abs_tol=TOL), f"{where}: {a} != {b}"
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for k in a:
            same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def assert_reproduced(job, got: dict):
    metrics = job["results"]["metrics"]
    assert metrics and got.keys() == metrics.keys()
    for node_id, entry in metrics.items():
        same(entry["values"], got[node_id]["values"], node_id)
        assert any(isinstance(v, float) for v in entry["values"].values())
        if entry.get("cv"):
            for key in ("metric", "folds", "mean", "std"):
                same(entry["cv"][key], got[node_id]["cv"][key], f"{node_id}.cv.{key}")
        if entry.get("search"):
            for key in ("metric", "best_value", "n_trials", "best_params"):
                same(entry["search"][key], got[node_id]["search"][key], f"{node_id}.search.{key}")


def execute(base, graph) -> dict:
    job = run(base, graph)
    job["_graph"] = graph
    return job


# --------------------------------------------------------------------------- examples
@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_workflow_is_reproduced_by_its_script(server, tmp_path, name):
    graph = json.loads((ROOT / "examples" / f"{name}.json").read_text())
    job = execute(server, graph)
    got, said = run_script(server, job, tmp_path)
    assert_reproduced(job, got)
    plots = [p for p in job["results"]["plots"] if p.get("artifact_id")]
    for p in plots:  # every plot the run drew, drawn again
        assert (tmp_path / "plots" / f"{p['node_id']}_{p['key']}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_run_whose_nodes_were_reused_from_the_cache_is_reproduced_by_its_script(tmp_path):
    """A run that changed one plot reused every other node from the cache, and its script
    left every one of them out ("did not complete in the run (cached)"): a user iterating
    lost the script of their latest run. Reused nodes are the run's: the script writes them
    and reproduces the run's metrics."""
    graph = json.loads((ROOT / "examples" / "classification.json").read_text())
    (tmp_path / "home").mkdir()
    with running_app(env={"PLAYGROUND_CACHE_MB": "256"}, home=str(tmp_path / "home")) as app:
        wf = call(app.base, "/api/v1/workflows", {"name": "cached script", **graph})["id"]

        def run_saved(g):
            call(app.base, f"/api/v1/workflows/{wf}", g, method="PUT")
            job_id = call(app.base, f"/api/v1/workflows/{wf}/run", {})["job_id"]
            deadline = time.monotonic() + 600
            while (job := call(app.base, f"/api/v1/jobs/{job_id}"))["status"] not in ("completed", "failed") \
                    and time.monotonic() < deadline:
                time.sleep(0.3)
            assert job["status"] == "completed", job.get("error_message")
            return {**job, "_graph": g}

        run_saved(graph)
        changed = json.loads(json.dumps(graph))
        for node in changed["nodes"]:
            if node["type"] == "visualize":
                node["config"]["plots"] = [p for p in node["config"]["plots"] if p != "roc_curve"]
        job = run_saved(changed)
        statuses = {n["node_id"]: n["status"] for n in job["nodes"]}
        assert statuses["model"] == statuses["evaluate"] == "cached" and statuses["visualize"] == "completed", statuses
        text = call(app.base, f"/api/v1/jobs/{job['id']}/script", raw=True)[0].decode()
        assert "NOT_EXPORTED = []" in text and "# NOT EXPORTED" not in text and "pip install " in text
        folder = tmp_path / "script"
        folder.mkdir()
        got, _ = run_script(app.base, job, folder)
        assert_reproduced(job, got)


# --------------------------------------------------------------------------- real tables
def chain(dataset_id, target, problem_type, ops, algorithm, hp=None, metrics=(), model=None, dataset=None,
          split=None):
    nodes = [
        {"id": "d", "type": "dataset", "config": {"dataset_id": dataset_id, "target_column": target,
                                                   "problem_type": problem_type, **(dataset or {})}},
        {"id": "p", "type": "preprocessing", "config": {"operations": [
            {"method": m, "parameters": p} for m, p in ops]}},
        {"id": "s", "type": "split", "config": {"test_size": 0.2, "random_seed": 7, **(split or {})}},
        {"id": "m", "type": "model", "config": {"algorithm": algorithm, "hyperparameters": hp or {}, **(model or {})}},
        {"id": "e", "type": "evaluate", "config": {"metrics": list(metrics)}},
    ]
    edges = [{"source": a, "target": b} for a, b in (("d", "p"), ("p", "s"), ("s", "m"), ("m", "e"))]
    return {"nodes": nodes, "edges": edges}


REAL = {
    # text columns with gaps: most-frequent fill, one-hot, scaling; cross-validation
    "penguins_onehot_cv": lambda: ("penguins", realdata.penguins, chain, dict(
        target="species", problem_type="classification",
        ops=[("fill_missing_mode", {}), ("onehot_encoder", {}), ("standard_scaler", {})],
        algorithm="logistic_regression", metrics=("accuracy", "f1", "log_loss", "classification_report"),
        model={"use_cv": True, "cv_folds": 4})),
    # a two-class text target: target encoding, a row filter, an Optuna search with CV
    "pima_target_encoding_optuna": lambda: ("pima", realdata.pima, chain, dict(
        target="type", problem_type="classification",
        ops=[("iqr_outlier_removal", {}), ("target_encoder", {}), ("robust_scaler", {})],
        algorithm="logistic_regression", metrics=("accuracy", "f1", "roc_auc", "precision", "recall"),
        model={"use_optuna": True, "optuna_trials": 5, "cv_folds": 3, "use_cv": True},
        dataset={"positive_class": "Yes"})),
    # ISO dates become date features; XGBoost on a text target with four classes
    "seattle_dates_xgboost": lambda: ("seattle", realdata.seattle_weather, chain, dict(
        target="weather", problem_type="classification", ops=[("date_features", {})], algorithm="xgboost",
        hp={"n_estimators": 30}, metrics=("accuracy", "balanced_accuracy", "f1", "roc_auc"))),
    # gaps: rows with a gap leave the training rows only; median fill, clipping; regression with CV
    "airquality_rows_and_median": lambda: ("airquality", realdata.airquality, chain, dict(
        target="Ozone", problem_type="regression",
        ops=[("drop_missing_rows", {"columns": ["Solar.R"]}), ("fill_missing_median", {}), ("clip_outliers", {}),
             ("minmax_scaler", {})],
        algorithm="ridge", metrics=("r2", "rmse", "mae"), model={"use_cv": True, "cv_folds": 3})),
    # an SPSS export's -99 and -999 for no answer made gaps, then filled from the real values only
    "spss_codes_mark_missing": lambda: ("survey", spss_survey, chain, dict(
        target="renewed", problem_type="classification",
        ops=[("mark_missing", {"values": [-99, -999], "columns": ["income_band", "satisfaction", "household_income"]}),
             ("fill_missing_median", {}), ("standard_scaler", {})],
        algorithm="logistic_regression", metrics=("accuracy", "f1", "roc_auc", "log_loss"))),
    # a year stored as a date (every value January 1): the Date features step makes its year only, and
    # the script's step learns the same; the CSV download of a whole-number column with gaps reads back
    "cars_year_as_date": lambda: ("cars", realdata.cars, chain, dict(
        target="Acceleration", problem_type="regression",
        ops=[("date_features", {}), ("fill_missing_median", {}), ("onehot_encoder", {"columns": ["Origin"]})],
        algorithm="ridge", metrics=("r2", "rmse", "mae"))),
    # an id column left out, duplicates removed from the training rows, ordinal codes
    "mpg_ids_duplicates_ordinal": lambda: ("mpg", lambda: realdata.with_row_id(realdata.mpg()), chain, dict(
        target="hwy", problem_type="regression", ops=[("remove_duplicates", {}), ("ordinal_encoder", {})],
        algorithm="random_forest", hp={"n_estimators": 30}, metrics=("r2", "rmse", "mae"),
        split={"drop_duplicates": True})),
    # a panel: each man's 8 years kept on one side (nr, an id left out of the features), his
    # training rows in one fold of the CV and of every Optuna trial's CV
    "males_grouped_by_an_id_optuna_cv": lambda: ("males", realdata.males, chain, dict(
        target="union", problem_type="classification", ops=[("ordinal_encoder", {})], algorithm="decision_tree",
        metrics=("accuracy", "f1", "roc_auc"), split={"group_by": "nr"},
        model={"use_optuna": True, "optuna_trials": 3, "cv_folds": 3, "use_cv": True})),
    # 48 states x 17 years, kept together by a feature column, which leaves the features
    "produc_grouped_by_a_feature_cv": lambda: ("produc", realdata.produc, chain, dict(
        target="unemp", problem_type="regression", ops=[], algorithm="ridge", metrics=("r2", "rmse", "mae"),
        split={"group_by": "state"}, model={"use_cv": True, "cv_folds": 4})),
}


@pytest.fixture(scope="module")
def uploaded(server):
    cache = {}

    def get(name, make):
        if name not in cache:
            cache[name] = upload(server, make(), name)
        return cache[name]
    return get


@pytest.mark.parametrize("case", sorted(REAL))
def test_a_run_on_an_uploaded_table_is_reproduced_by_its_script(server, uploaded, tmp_path, case):
    name, make, build, kw = REAL[case]()
    job = execute(server, build(uploaded(name, make), **kw))
    got, _ = run_script(server, job, tmp_path)
    assert_reproduced(job, got)


def test_the_csv_download_reads_back_into_the_stored_types(server, uploaded, tmp_path):
    """seattle-weather has dates, numbers and text: the script reads the CSV download back
    into the types the app stored, and the numbers are the run's."""
    name, make, build, kw = REAL["seattle_dates_xgboost"]()
    job = execute(server, build(uploaded(name, make), **kw))
    got, _ = run_script(server, job, tmp_path, fmt="csv")
    assert_reproduced(job, got)


def test_a_year_stored_as_a_date_is_said_by_the_run_and_its_script_reads_the_csv_download(server, uploaded,
                                                                                          tmp_path):
    name, make, build, kw = REAL["cars_year_as_date"]()
    job = execute(server, build(uploaded(name, make), **kw))
    assert "Year: every value is January 1, a year stored as a date: only its year is used" in json.dumps(job)
    got, _ = run_script(server, job, tmp_path, fmt="csv")
    assert_reproduced(job, got)


def test_the_download_is_the_table_as_stored_and_a_bad_format_is_refused(server, uploaded, tmp_path):
    dataset_id = uploaded("seattle", realdata.seattle_weather)
    data, headers = call(server, f"/api/v1/datasets/{dataset_id}/download", raw=True)
    (tmp_path / "t.parquet").write_bytes(data)
    stored = pd.read_parquet(tmp_path / "t.parquet")
    assert str(stored["date"].dtype).startswith("datetime64") and len(stored) == len(realdata.seattle_weather())
    with pytest.raises(urllib.error.HTTPError) as refused:
        call(server, f"/api/v1/datasets/{dataset_id}/download?format=xlsx")
    assert refused.value.code == 400 and "parquet or csv" in json.loads(refused.value.read())["detail"]
    with pytest.raises(urllib.error.HTTPError) as missing:
        call(server, "/api/v1/datasets/nothing_here/download")
    assert missing.value.code == 404


# --------------------------------------------------------------------------- a retrain loop
def test_a_retrain_loop_that_passes_on_round_2_is_reproduced_round_by_round(server, tmp_path):
    """Gate fail → Retrain ⇢ Model, Gate pass → Deploy: the script trains round 1 (a stump,
    which fails) and round 2 (the algorithm the Retrain switched to, which passes), prints
    each gate's check and the loop's end, says it cannot deploy, and its metrics are the
    kept round's to 1e-9."""
    iris = {"dataset_id": "iris", "target_column": "target", "problem_type": "classification"}
    graph = {"nodes": [
        {"id": "d", "type": "dataset", "config": iris},
        {"id": "s", "type": "split", "config": {"test_size": 0.3, "random_seed": 1}},
        {"id": "m", "type": "model", "config": {"algorithm": "decision_tree", "hyperparameters": {"max_depth": 1}}},
        {"id": "e", "type": "evaluate", "config": {"metrics": ["accuracy", "f1", "log_loss"]}},
        {"id": "g", "type": "gate", "config": {"metric": "accuracy", "threshold": 0.9}},
        {"id": "r", "type": "retrain", "config": {"escalation": "algorithm", "algorithms": "logistic_regression"}},
        {"id": "x", "type": "deploy", "config": {"name": f"script-loop-{uuid.uuid4().hex[:8]}"}}],
        "edges": [{"source": a, "target": b} for a, b in (("d", "s"), ("s", "m"), ("m", "e"), ("e", "g"))]
        + [{"source": "g", "source_port": "fail", "target": "r"}, {"source": "r", "target": "m"},
           {"source": "g", "source_port": "pass", "target": "x"}]}
    job = execute(server, graph)
    by_id = {n["node_id"]: n for n in job["nodes"]}
    assert by_id["r"]["message"].startswith("passed on round 2 of 3") and by_id["x"]["status"] == "completed"
    assert job["results"]["metrics"]["e"]["algorithm"] == "logistic_regression"
    got, said = run_script(server, job, tmp_path)
    assert_reproduced(job, got)  # the kept round's metrics (round 2's), not the saved config's stump
    assert got["e"]["algorithm"] == "logistic_regression"
    text = (tmp_path / "run.py").read_text()
    assert "# --- Model (m): round 2 of 3 (algorithm Decision Tree → Logistic Regression) " in text
    lines = said.splitlines()
    assert lines.index("Gate (g): Accuracy 0.6667 < 0.90: fail") < lines.index(
        "Retrain (r): round 1 of 3 failed; round 2: algorithm Decision Tree → Logistic Regression") < lines.index(
        "Gate (g): Accuracy 0.9778 ≥ 0.90: pass") < lines.index(
        "Retrain (r): passed on round 2 of 3 (Accuracy 0.9778 ≥ 0.90: pass)"), said
    assert "decided otherwise than in the run" not in said
    assert "Not reproduced: Deploy (x): a script cannot deploy" in said and "version 1 is in production" in said
    assert "Retrain" not in "".join(line for line in lines if line.startswith("Not reproduced"))


def gated_stump(node: dict, edges: list) -> dict:
    """Iris → split → a depth-1 tree (accuracy 0.667) → Evaluate → a Gate at 0.999 that it
    fails, and `node` after the Gate (wired by `edges`)."""
    iris = {"dataset_id": "iris", "target_column": "target", "problem_type": "classification"}
    return {"nodes": [
        {"id": "d", "type": "dataset", "config": iris},
        {"id": "s", "type": "split", "config": {"test_size": 0.3, "random_seed": 1}},
        {"id": "m", "type": "model", "config": {"algorithm": "decision_tree", "hyperparameters": {"max_depth": 1}}},
        {"id": "e", "type": "evaluate", "config": {"metrics": ["accuracy"]}},
        {"id": "g", "type": "gate", "config": {"metric": "accuracy", "threshold": 0.999}}, node],
        "edges": [{"source": a, "target": b} for a, b in (("d", "s"), ("s", "m"), ("m", "e"), ("e", "g"))] + edges}


def test_a_node_the_run_skipped_is_said_once_in_the_script():
    """A Deploy behind a Gate that failed: the script leaves it out with the run's sentence,
    said once (it read "(skipped: Skipped: Gate node …).)")."""
    from executor.engine import default_dataset_facts, run_workflow
    from executor.script import export_script

    graph = gated_stump({"id": "x", "type": "deploy", "config": {"name": "never"}},
                        [{"source": "g", "source_port": "pass", "target": "x"}])
    result = run_workflow(graph, lambda e: None)
    runs = {nid: {"status": n["status"], "output": n.get("output"), "message": n.get("message")}
            for nid, n in result["nodes"].items()}
    assert runs["x"]["status"] == "skipped"
    text = export_script(graph, runs, default_dataset_facts())
    assert ("# NOT EXPORTED: Deploy (x) did not complete in the run (Skipped: 'Gate' sent nothing to its "
            "Pass output (Accuracy 0.6667 < 0.999: fail)), so the script leaves it out.") in text, text


def test_a_loop_stopped_at_its_bound_is_reproduced_and_a_run_without_round_configs_is_said(tmp_path):
    """A loop no round passes (Max rounds 2): the script trains both rounds, prints the stop
    sentence, and its metrics are round 2's. A run recorded before rounds kept their
    config cannot be trained again: the loop's nodes are NOT EXPORTED, said, never the
    saved config's numbers instead."""
    from data import datasets
    from executor.engine import default_dataset_facts, run_workflow
    from executor.script import export_script

    graph = gated_stump({"id": "r", "type": "retrain", "config": {"escalation": "algorithm", "max_rounds": 2,
                                                                "algorithms": "logistic_regression, random_forest"}},
                        [{"source": "g", "source_port": "fail", "target": "r"}, {"source": "r", "target": "m"}])
    result = run_workflow(graph, lambda e: None)
    assert result["status"] == "completed", result.get("error")
    runs = {nid: {"status": n["status"], "output": n.get("output"), "message": n.get("message")}
            for nid, n in result["nodes"].items()}
    assert runs["r"]["message"] == "stopped after round 2 of 2: Accuracy 0.9778 < 0.999"
    _, content, _ = datasets.download("iris", None)

    def script(runs, name):
        folder = tmp_path / name
        folder.mkdir()
        text = export_script(graph, runs, default_dataset_facts())
        (folder / "run.py").write_text(text)
        (folder / "iris.parquet").write_bytes(content)
        proc = subprocess.run([sys.executable, "-I", "run.py", "--json"], cwd=folder, capture_output=True, text=True,
                              timeout=300, env={"PATH": "/usr/bin:/bin"})
        assert proc.returncode == 0, proc.stderr[-3000:]
        return text, json.loads(proc.stdout)["metrics"], proc.stderr

    text, got, said = script(runs, "stopped")
    same(result["metrics"]["e"]["values"], got["e"]["values"], "e")
    assert got["e"]["algorithm"] == "logistic_regression" and "NOT EXPORTED" not in text
    assert "Gate (g): Accuracy 0.6667 < 0.999: fail" in said and "Gate (g): Accuracy 0.9778 < 0.999: fail" in said
    assert said.rstrip().endswith("Retrain (r): stopped after round 2 of 2: Accuracy 0.9778 < 0.999"), said

    older = {**runs, "r": {**runs["r"], "output": {**runs["r"]["output"], "rounds": [
        {k: v for k, v in x.items() if k != "config"} for x in runs["r"]["output"]["rounds"]]}}}
    text, got, said = script(older, "older")
    assert got == {}  # the Evaluate is left out, not scored on the saved config's stump
    for nid in ("Model (m)", "Evaluate (e)", "Gate (g)"):
        assert f"# NOT EXPORTED: {nid} is left out: the run of Retrain (r)'s loop did not record each round's " \
               "config" in text
    assert "Not reproduced: Model (m) is left out" in said


# --------------------------------------------------------------------------- what cannot be exported
def test_a_node_type_that_cannot_be_exported_is_named_in_the_script_and_said_when_it_runs(tmp_path):
    """A third-party node type with no export hook (tests/plugins_extra, registered by its
    entry point): the script names it where it would be and as a printed note, and leaves
    out what needs it, rather than computing something else."""
    from data import datasets
    from executor.engine import default_dataset_facts, run_workflow
    from executor.script import export_script

    (tmp_path / "ep").mkdir()
    with installed_entry_points(tmp_path / "ep", "playground-extra-nodes",
                                {"extra_nodes": "tests.plugins_extra.extra_nodes:PLUGINS"}):
        graph = {"nodes": [
            {"id": "d", "type": "dataset", "config": {"dataset_id": "iris", "target_column": "target",
                                                       "problem_type": "classification"}},
            {"id": "rows", "type": "sample_rows", "config": {"n_rows": 120, "seed": 3}},
            {"id": "s", "type": "split", "config": {}},
            {"id": "m", "type": "model", "config": {"algorithm": "decision_tree"}},
            {"id": "e", "type": "evaluate", "config": {"metrics": ["accuracy"]}},
            {"id": "s2", "type": "split", "config": {}},
            {"id": "m2", "type": "model", "config": {"algorithm": "knn"}},
            {"id": "e2", "type": "evaluate", "config": {"metrics": ["accuracy"]}}],
            "edges": [{"source": a, "target": b} for a, b in (("d", "rows"), ("rows", "s"), ("s", "m"), ("m", "e"),
                                                               ("d", "s2"), ("s2", "m2"), ("m2", "e2"))]}
        result = run_workflow(graph, lambda e: None)
        assert result["status"] == "completed", result.get("error")
        runs = {nid: {"status": n["status"], "output": n.get("output")} for nid, n in result["nodes"].items()}
        text = export_script(graph, runs, default_dataset_facts())
    assert "# NOT EXPORTED: " in text and "Sample rows node type cannot be exported" in text
    assert "it needs 'rows'" in text and "it needs 's'" in text  # what is below it, each said
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "run.py").write_text(text)
    _, content, _ = datasets.download("iris", None)
    (folder / "iris.parquet").write_bytes(content)
    proc = subprocess.run([sys.executable, "-I", "run.py", "--json"], cwd=folder, capture_output=True, text=True,
                          timeout=300, env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Not reproduced: " in proc.stderr and "Sample rows node type cannot be exported" in proc.stderr
    got = json.loads(proc.stdout)["metrics"]
    assert set(got) == {"e2"}  # the branch with the sample left out, the other reproduced
    same(result["metrics"]["e2"]["values"], got["e2"]["values"])


def test_intervals_baselines_and_predictions_are_recomputed_by_the_script(tmp_path):
    """Evaluate's confidence intervals and baseline comparison (a two-class and a regression
    model) and a Predict node with what is below it: the script computes them with the
    app's own functions, and its JSON has them equal to the run's to 1e-9; the predictions
    it saves are the run's, and a model trained on them scores as the run's did."""
    from data import datasets
    from executor.engine import default_dataset_facts, run_workflow
    from executor.script import export_script

    options = {"confidence_intervals": True, "compare_baseline": True}
    graph = {"nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": "breast_cancer", "target_column": "target",
                                                   "problem_type": "classification"}},
        {"id": "s", "type": "split", "config": {"random_seed": 5}},
        {"id": "m", "type": "model", "config": {"algorithm": "logistic_regression"}},
        {"id": "e", "type": "evaluate", "config": {"metrics": ["accuracy", "roc_auc", "f1", "confusion_matrix"],
                                                   **options}},
        {"id": "x", "type": "predict", "config": {"probabilities": True}},
        {"id": "xs", "type": "split", "config": {"random_seed": 2}},
        {"id": "xm", "type": "model", "config": {"algorithm": "decision_tree"}},
        {"id": "xe", "type": "evaluate", "config": {"metrics": ["accuracy"]}},
        {"id": "r", "type": "dataset", "config": {"dataset_id": "diabetes", "target_column": "target",
                                                   "problem_type": "regression"}},
        {"id": "rs", "type": "split", "config": {}},
        {"id": "rm", "type": "model", "config": {"algorithm": "ridge"}},
        {"id": "re", "type": "evaluate", "config": {"metrics": ["r2", "rmse"], "confidence_intervals": True}}],
        "edges": [{"source": a, "target": b} for a, b in (("d", "s"), ("s", "m"), ("m", "e"), ("r", "rs"),
                                                           ("rs", "rm"), ("rm", "re"))]
        + [{"source": "m", "target": "x", "target_port": "model"}, {"source": "d", "target": "x", "target_port": "table"},
           {"source": "x", "target": "xs"}, {"source": "xs", "target": "xm"}, {"source": "xm", "target": "xe"}]}
    saved = {}

    def save_artifact(kind, name, data, mime, node_id=""):
        saved[f"a{len(saved)}-{name}"] = data
        return f"a{len(saved) - 1}"

    result = run_workflow(graph, lambda e: None, save_artifact=save_artifact)
    assert result["status"] == "completed", result.get("error")
    runs = {nid: {"status": n["status"], "output": n.get("output")} for nid, n in result["nodes"].items()}
    text = export_script(graph, runs, default_dataset_facts())
    assert "NOT EXPORTED" not in text and "this script does not compute" not in text
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "run.py").write_text(text)
    for name in ("breast_cancer", "diabetes"):
        _, content, _ = datasets.download(name, None)
        (folder / f"{name}.parquet").write_bytes(content)
    proc = subprocess.run([sys.executable, "-I", "run.py", "--json"], cwd=folder, capture_output=True, text=True,
                          timeout=300, env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout)["metrics"]
    run = result["metrics"]
    assert run["e"]["intervals"]["roc_auc"][0] < run["e"]["values"]["roc_auc"] <= run["e"]["intervals"]["roc_auc"][1]
    assert set(run["e"]["baseline"]) == {"accuracy", "roc_auc", "f1"} and "baseline" not in run["re"]
    for node_id in ("e", "re"):
        same(run[node_id]["values"], got[node_id]["values"], node_id)
        same(run[node_id]["intervals"], got[node_id]["intervals"], f"{node_id}.intervals")
        assert ("baseline" in got[node_id]) == ("baseline" in run[node_id])
    same(run["e"]["baseline"], got["e"]["baseline"], "e.baseline")
    # the Predict node's table is the run's, and what is below it (trained on it) is reproduced too
    ran = next(v for k, v in saved.items() if k.endswith("predictions.csv"))
    assert (folder / "plots" / "x_predictions.csv").read_bytes() == ran
    same(run["xe"]["values"], got["xe"]["values"], "xe")


def test_the_script_of_an_unknown_run_is_a_404_with_a_sentence(server):
    with pytest.raises(urllib.error.HTTPError) as missing:
        call(server, "/api/v1/jobs/job_nothing/script")
    assert missing.value.code == 404


# --------------------------------------------------------------------------- names the script writes in its comments
BROKEN_NAMES = [  # (id column, feature column, node name, workflow name): line breaks, a NUL, backslashes, quotes
    ("Kunden\nNr", "Höhe\r\n(cm)", "Mein\rModell", 'C:\\New\\x41 """quoted"""'),
    ("id\r\nno", "a\u2028b", "m\n\n", "ends with a backslash \\"),
    ("Nr.\n\n", "x\tand\ny", "model # of\nthe week\0", "\\N{BULLET} and \\u00e9\n"),
]


@pytest.mark.parametrize("case", range(len(BROKEN_NAMES)))
def test_a_script_whose_names_hold_line_breaks_or_backslashes_runs(server, tmp_path, case):
    """Names the user gave go into the script's comments and its docstring: an id column
    'Kunden⏎Nr' (Excel's Alt+Enter in a header cell) broke its comment onto a line of code,
    `Nr (a row number)`, and a workflow named 'C:\\New' wrote \\N into the docstring: the
    script did not compile. Each name now stays in its comment (continued as comments)
    and the docstring says it as written; the script runs and reproduces the run."""
    id_col, feature, node_name, title = BROKEN_NAMES[case]
    n = 120
    frame = pd.DataFrame({id_col: [f"K{1000 + i}" for i in range(n)], feature: [(i * 37) % 101 for i in range(n)],
                          "other": [(i * 13) % 17 for i in range(n)], "target": [i % 2 for i in range(n)]})
    dataset_id = upload(server, frame, f"broken{case}")
    graph = chain(dataset_id, "target", "classification", [], "logistic_regression", metrics=["accuracy"])
    for node in graph["nodes"]:
        if node["type"] == "model":
            node["name"] = node_name
    workflow = call(server, "/api/v1/workflows", {"name": title, **graph})
    job_id = call(server, f"/api/v1/workflows/{workflow['id']}/run", {})["job_id"]
    job = wait(server, job_id)
    job["_graph"] = graph
    text = call(server, f"/api/v1/jobs/{job_id}/script", raw=True)[0].decode()
    tree = ast.parse(text)  # it failed here: a SyntaxError (or a NUL the parser refuses)
    assert tree.body[0].value.value.startswith(f"{workflow['name']}: run {job_id}"), tree.body[0].value.value[:200]
    assert "\\" in workflow["name"]  # the name kept its backslashes (the API strips only its ends)
    said = next(line for line in text.splitlines() if line.startswith("# id-like columns left out"))
    assert said.endswith(("' (a row number)", "' (different in every row)")), said  # the name quoted, on its line
    got, _ = run_script(server, job, tmp_path)
    assert_reproduced(job, got)


# --------------------------------------------------------------------------- files changed under a running app
def _checkout_copy(folder) -> None:
    """The project's files (what git tracks, without its tests and docs) copied to `folder`."""
    import shutil

    names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in names)):
        if name.split("/")[0] in ("tests", "docs", "bench") or not (ROOT / name).is_file():
            continue
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, folder / name)
    if (ROOT / "node_modules").exists():
        (folder / "node_modules").symlink_to((ROOT / "node_modules").resolve())


def _rewrite(folder, change) -> None:
    """Every module of the copy's own packages rewritten by `change(text) -> text`, as a `git
    pull` would leave them (new files, a new modification time)."""
    for package in ("playground_runtime", "plugins", "nodes", "data", "executor"):
        for path in (folder / package).rglob("*.py"):
            text = path.read_text()
            new = change(text)
            if new != text:
                path.write_text(new)


# what a pull can do to the files: lines added above everything (each definition found at the old
# code's line numbers cut the wrong text), a function the script inlines renamed (not found by its
# name), and a changed body (a metric that would now compute something else)
PULLS = [
    ("lines added above", lambda t: "# a line a pull added\n" * 7 + t),
    ("functions renamed", lambda t: re.sub(r"\b(read_download|label_text|settle_positive_class)\b", r"\1_renamed", t)),
    ("a body changed", lambda t: t.replace("def _accuracy(d: EvalData):\n", "def _accuracy(d: EvalData):\n"
                                           "    return 0.5\n", 1)),
    # the class the app pickled its pipeline with replaced (and predict.py's main renamed, below)
    ("the runtime and predict.py replaced", lambda t: t + "\n\nclass AutoPrepare:  # replaced by a pull\n    pass\n"
     if "class AutoPrepare(" in t else t),
]


def test_a_script_and_a_bundle_made_after_the_files_changed_under_the_app_are_the_code_it_runs(tmp_path):
    """A `git pull` without a restart changed the project's files under a running app: the
    script was assembled from the new files' text at the old code's line numbers or names
    (a node "could not be exported", a NameError), and a bundle shipped the new
    playground_runtime.py and predict.py beside a model the running app pickled with the old
    classes. The app is run from a copy of the checkout, a run made, and the copy's files
    changed under it in several ways, one after another: each time the script is the one
    exported before the change and the bundle ships the runtime and predict.py the app started
    with; after the last, the script reproduces the run's metrics to 1e-9 and the bundle scores
    the rows."""
    import io
    import zipfile

    checkout = tmp_path / "checkout"
    _checkout_copy(checkout)
    with running_app(cwd=checkout) as app:
        name, make, build, kw = REAL["penguins_onehot_cv"]()
        frame = make()
        job = execute(app.base, build(upload(app.base, frame, name), **kw))
        before, _ = call(app.base, f"/api/v1/jobs/{job['id']}/script", raw=True)
        model = next(iter(call(app.base, f"/api/v1/jobs/{job['id']}/models")["models"]))
        started = {"playground_runtime.py": (checkout / "playground_runtime" / "__init__.py").read_bytes(),
                   "predict.py": (checkout / "executor" / "bundle_files" / "predict.py").read_bytes()}
        rows = tmp_path / "rows.csv"
        frame.drop(columns=["species"]).head(20).to_csv(rows, index=False)
        for i, (what, change) in enumerate(PULLS):
            _rewrite(checkout, change)
            if what == "the runtime and predict.py replaced":
                path = checkout / "executor" / "bundle_files" / "predict.py"
                path.write_text(path.read_text().replace("def main(", "def main_renamed("))
            after, _ = call(app.base, f"/api/v1/jobs/{job['id']}/script", raw=True)
            assert after == before, what
            data, _ = call(app.base, model["bundle_url"], raw=True)
            bundle = _fresh(tmp_path / f"bundle{i}")
            zipfile.ZipFile(io.BytesIO(data)).extractall(bundle)
            for file, text in started.items():
                assert (bundle / file).read_bytes() == text, (what, file)
        # the changes add up: after the last, the script (the same text after each) reproduces
        # the run and the bundle (the same runtime and predict.py after each) scores the rows
        got, said = run_script(app.base, job, _fresh(tmp_path / "script"))
        assert_reproduced(job, got)
        assert "Not reproduced" not in said, said
        scored = subprocess.run([sys.executable, "-I", "predict.py", str(rows)], cwd=bundle, capture_output=True,
                                text=True, timeout=300, env={"PATH": "/usr/bin:/bin"})
        assert scored.returncode == 0, scored.stderr[-3000:]
        assert len(pd.read_csv(io.StringIO(scored.stdout))) == 20
        # the copy really changed: a process started now runs the new code
        assert "_renamed" in (checkout / "plugins" / "tables.py").read_text()


def _fresh(folder):
    folder.mkdir()
    return folder
