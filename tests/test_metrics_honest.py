"""Metrics and plots that count every test row and say when they cannot be computed:
confusion matrix and averages over every label, sentences instead of library text, the
exact tree explainer for tree models with the sample size stated, partial dependence on
integer columns, one ROC AUC definition for the metric and the plot, and DBSCAN's noise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shap
from sklearn import metrics as skm
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from executor.engine import run_workflow
from plugins import registry
from plugins.evaluators import compute_metric, eval_data_for, ovr_auc
from plugins.visualizers import render_plot, shap_explanation
from tests import realdata


def unseen_class_case():
    """Two classes to train on; the test rows also hold a row of a third class (one row of
    "c" in the whole table, which a split puts in the test rows)."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    y = pd.Series(np.where(X["a"] > 0, "x", "y"))
    X_train, y_train = X.iloc[:30], y.iloc[:30]
    X_test, y_test = X.iloc[30:], y.iloc[30:].copy()
    y_test.iloc[0] = "c"
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_train, y_train)
    return eval_data_for(pipe, X_train, y_train, X_test, y_test, "classification")


def test_every_test_row_is_counted_even_of_a_class_the_model_never_saw():
    d = unseen_class_case()
    matrix = compute_metric("confusion_matrix", d)
    assert matrix["labels"] == ["c", "x", "y"]
    assert sum(map(sum, matrix["matrix"])) == 30  # used to be 29 of 30: the "c" row was dropped
    report = compute_metric("classification_report", d)
    assert report["c"]["support"] == 1
    assert compute_metric("f1", d) == pytest.approx(skm.f1_score(d.y_test, d.y_pred, average="macro"))
    for key, name in (("roc_auc", "ROC AUC"), ("log_loss", "Log loss")):
        with pytest.raises(ValueError) as e:
            compute_metric(key, d)
        assert str(e.value) == (f"{name} cannot be computed: the test rows include class 'c', which the training "
                                "rows never had, so the model gives it no score.")
    render_plot("confusion_matrix", d)


def test_metrics_that_cannot_be_computed_say_why_in_the_results():
    df = pd.concat([realdata.penguins().dropna(), realdata.penguins().dropna().head(0)])
    df.loc[df.index[0], "species"] = "Unknown"  # a class with a single row
    wf = {"nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": "p", "target_column": "species",
                                                   "problem_type": "classification"}},
        {"id": "s", "type": "split", "config": {"stratify": False, "shuffle": False, "test_size": 0.2}},
        {"id": "m", "type": "model", "config": {"algorithm": "decision_tree"}},
        {"id": "e", "type": "evaluate", "config": {"metrics": ["accuracy", "roc_auc", "confusion_matrix"]}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}, {"source": "m", "target": "e"}]}
    df = pd.concat([df.iloc[1:], df.iloc[:1]])  # the single "Unknown" row is last: in the test rows
    from plugins.tables import profile

    info = {"columns": profile(df)["columns"], "n_rows": len(df)}
    result = run_workflow(wf, lambda e: None, load_dataset=lambda _: df.reset_index(drop=True),
                          dataset_facts=lambda _: info)
    entry = result["metrics"]["e"]
    assert entry["values"]["roc_auc"] is None
    assert "class 'Unknown', which the training rows never had" in entry["errors"]["roc_auc"]
    n_test = sum(map(sum, entry["values"]["confusion_matrix"]["matrix"]))
    assert n_test == round(len(df) * 0.2) and "Unknown" in entry["values"]["confusion_matrix"]["labels"]


def test_tree_models_are_explained_by_the_exact_tree_explainer():
    """A forest's `estimator_` is its unfitted template tree: unwrapping it sent random
    forests to a 50-row kernel approximation (values off by up to 0.114 of 0.140)."""
    X, y = load_wine(return_X_y=True, as_frame=True)
    pipe = make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=30, random_state=0)).fit(X[:120], y[:120])
    d = eval_data_for(pipe, X[:120], y[:120], X[120:], y[120:], "classification")
    found = shap_explanation(d)
    assert found["explainer"] == "tree" and len(found["rows"]) == found["n_test"] == 58
    exact = shap.TreeExplainer(pipe[-1]).shap_values(found["rows"], check_additivity=False)
    np.testing.assert_allclose(found["values"], np.asarray(exact), rtol=0, atol=1e-9)
    assert render_plot("shap_summary", d)[:4] == b"\x89PNG"


def test_the_shap_plot_states_how_many_rows_it_explains():
    X, y = load_wine(return_X_y=True, as_frame=True)
    X = pd.concat([X] * 3, ignore_index=True)
    y = pd.concat([y] * 3, ignore_index=True)
    pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X[:200], y[:200])
    d = eval_data_for(pipe, X[:200], y[:200], X[200:], y[200:], "classification")
    found = shap_explanation(d)
    assert (len(found["rows"]), found["n_test"]) == (200, 334)
    assert found["explainer"] == "linear"


REGRESSORS = sorted(slug for slug, p in registry.models().items() if "regression" in p.problem_types
                    and "partial_dependence" in registry.capabilities(p, "regression")["supported_plots"])


@pytest.mark.parametrize("slug", REGRESSORS)
def test_partial_dependence_works_on_integer_columns(slug):
    """mpg: displ, year, cyl and cty are integers; every regressor used to fail."""
    df = realdata.mpg()[["displ", "year", "cyl", "cty", "hwy"]]
    wf = {"nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": "mpg", "target_column": "hwy",
                                                   "problem_type": "regression"}},
        {"id": "p", "type": "preprocessing", "config": {"operations": [{"method": "standard_scaler"}]}},
        {"id": "s", "type": "split", "config": {}},
        {"id": "m", "type": "model", "config": {"algorithm": slug, "hyperparameters":
                                                {"n_estimators": 20} if slug in ("random_forest", "gradient_boosting",
                                                                                 "xgboost") else {}}},
        {"id": "v", "type": "visualize", "config": {"plots": ["partial_dependence"]}}],
        "edges": [{"source": a, "target": b} for a, b in (("d", "p"), ("p", "s"), ("s", "m"), ("m", "v"))]}
    from plugins.tables import profile

    info = {"columns": profile(df)["columns"], "n_rows": len(df)}
    assert pd.api.types.is_integer_dtype(df["cyl"])
    result = run_workflow(wf, lambda e: None, load_dataset=lambda _: df.copy(), dataset_facts=lambda _: info)
    [plot] = result["plots"]
    assert plot.get("error") is None, plot.get("error")


def test_multiclass_roc_auc_has_one_definition_for_the_metric_and_the_plot():
    """SVM gives decision scores, no probabilities: the metric took a softmax of them, the
    plot the raw scores, and the two disagreed."""
    X, y = load_wine(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = X.iloc[::2], X.iloc[1::2], y.iloc[::2], y.iloc[1::2]
    svm = make_pipeline(StandardScaler(), SVC()).fit(X_train, y_train)
    d = eval_data_for(svm, X_train, y_train, X_test, y_test, "classification")
    scores = svm.decision_function(X_test)
    per_class = [skm.roc_auc_score(y_test == c, scores[:, i]) for i, c in enumerate(svm.classes_)]
    assert compute_metric("roc_auc", d) == pytest.approx(np.mean(per_class), abs=1e-12)
    assert ovr_auc(y_test, scores, list(svm.classes_))[1] == pytest.approx(per_class, abs=1e-12)
    # with probabilities, the same definition is scikit-learn's one-vs-rest macro AUC
    lr = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X_train, y_train)
    d = eval_data_for(lr, X_train, y_train, X_test, y_test, "classification")
    expected = skm.roc_auc_score(y_test, lr.predict_proba(X_test), multi_class="ovr", average="macro")
    assert compute_metric("roc_auc", d) == pytest.approx(expected, abs=1e-12)


def test_dbscan_reports_its_noise_and_says_what_the_scores_leave_out():
    wf = {"nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": "blobs", "problem_type": "clustering"}},
        {"id": "p", "type": "preprocessing", "config": {"operations": [{"method": "standard_scaler"}]}},
        {"id": "s", "type": "split", "config": {}},
        {"id": "m", "type": "model", "config": {"algorithm": "dbscan", "hyperparameters": {"eps": 0.3}}},
        {"id": "e", "type": "evaluate", "config": {}}],
        "edges": [{"source": a, "target": b} for a, b in (("d", "p"), ("p", "s"), ("s", "m"), ("m", "e"))]}
    events = []
    result = run_workflow(wf, events.append)
    values = result["metrics"]["e"]["values"]
    assert 0 < values["noise_share"] < 1 and values["silhouette"] is not None
    said = [e["message"] for e in events if e["type"] == "node_warning" and e["node_id"] == "e"]
    assert any("as noise" in m and "cover the other points only" in m for m in said)


def test_mape_on_targets_near_zero_says_those_rows_decide_it():
    """A revenue column that crosses zero (weekly sales of an .xlsx): MAPE came out 1.796
    beside an R² of 0.92, shown as if 1.8% and with no word. The run says why, and a
    target far from zero says nothing."""
    rng = np.random.default_rng(3)
    spend = rng.uniform(100, 5000, 300)
    near_zero = pd.DataFrame({"spend": spend, "revenue": spend * 2.5 + rng.normal(0, 800, 300)})
    near_zero.loc[::10, "revenue"] = rng.uniform(-20, 20, 30)  # weeks that sold (almost) nothing
    far = near_zero.assign(revenue=near_zero["revenue"].abs() + 20_000)
    wf = {"nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": "x", "target_column": "revenue",
                                                   "problem_type": "regression"}},
        {"id": "s", "type": "split", "config": {"test_size": 0.25, "random_seed": 11}},
        {"id": "m", "type": "model", "config": {"algorithm": "linear_regression"}},
        {"id": "e", "type": "evaluate", "config": {"metrics": ["mae", "mape"]}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}, {"source": "m", "target": "e"}]}
    from plugins.tables import profile

    said = {}
    for name, df in (("near", near_zero), ("far", far)):
        info = {"columns": profile(df)["columns"], "n_rows": len(df)}
        result = run_workflow(wf, lambda e: None, load_dataset=lambda _, df=df: df.copy(), dataset_facts=lambda _, i=info: i)
        said[name] = [w for w in result["nodes"]["e"]["warnings"] if w.startswith("Mean absolute percentage error")]
        assert result["metrics"]["e"]["values"]["mape"] is not None
    assert len(said["near"]) == 1 and "near zero" in said["near"][0] and "1.8 means 180%" in said["near"][0]
    assert said["far"] == []


def test_a_macro_mean_says_how_many_classes_it_is_over_as_scikit_learn_counts_them():
    """"F1 score, macro over 5 classes" was said of an F1 over the one class the test rows
    held (an airports table: every test row USA, five countries known): over label sets
    where the test rows and predictions hold all, some or one of the model's classes, the
    described count is the number of labels scikit-learn's macro mean averages."""
    from plugins.base import EvalData
    from plugins.evaluators import describe_metric, scoring_facts

    f1 = registry.metrics()["f1"]
    rng = np.random.default_rng(7)
    classes = ["CAN", "MEX", "PRI", "USA", "VIR"]
    for case in range(60):
        held = list(rng.choice(classes, size=rng.integers(1, 6), replace=False))
        y_test = np.array(list(held) + list(rng.choice(held, size=20)))
        guessed = list(rng.choice(classes, size=rng.integers(1, 6), replace=False))
        y_pred = rng.choice(guessed, size=len(y_test))
        d = EvalData(problem_type="classification", y_train=np.array(classes * 3), y_test=y_test, y_pred=y_pred,
                     classes=classes)
        facts = scoring_facts(d)
        if facts["average"] != "macro":
            continue
        said = describe_metric(f1, facts)
        averaged = len(skm.f1_score(y_test, y_pred, average=None, zero_division=0))
        assert (f"macro over {averaged} classes" in said if averaged == len(facts["labels"]) else
                f"macro over the {averaged} of {len(facts['labels'])} classes" in said), (case, said, averaged)
        assert compute_metric("f1", d) == pytest.approx(skm.f1_score(y_test, y_pred, average="macro", zero_division=0))


def _run_split(df, target, split, metrics, positive=None):
    from plugins.tables import profile

    wf = {"nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": "p", "target_column": target,
                                                   "problem_type": "classification",
                                                   **({"positive_class": positive} if positive else {})}},
        {"id": "s", "type": "split", "config": split},
        {"id": "m", "type": "model", "config": {"algorithm": "random_forest"}},
        {"id": "e", "type": "evaluate", "config": {"metrics": metrics}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}, {"source": "m", "target": "e"}]}
    info = {"columns": profile(df)["columns"], "n_rows": len(df)}
    events = []
    result = run_workflow(wf, events.append, load_dataset=lambda _: df.reset_index(drop=True),
                          dataset_facts=lambda _: info)
    assert result["status"] == "completed", result.get("error")
    return result, [e["message"] for e in events if e["type"] == "node_warning" and e["node_id"] == "e"]


def test_test_rows_of_a_class_the_training_rows_never_had_are_said_and_not_blamed_on_imbalance():
    """Found by a new user: Shuffle off on a file sorted by the class (penguins: 68 of the 69
    test rows Chinstrap, no training row) scored accuracy 0.01 with only a general caveat, and
    the baseline's sentence said "with 100% of the rows in one class, accuracy rewards always
    answering it", which scores 0 on those test rows."""
    penguins = realdata.penguins().dropna()  # as the file has them: Adelie, then Gentoo, then Chinstrap
    chinstrap = penguins["species"] == "Chinstrap"
    df = pd.concat([penguins[~chinstrap], penguins[chinstrap].head(40)])  # 40 of 305: the last 20% all but 21
    result, said = _run_split(df, "species", {"shuffle": False, "stratify": False}, ["accuracy"])
    unseen = result["metrics"]["e"]["unseen_classes"]
    assert unseen["classes"] == ["Chinstrap"] and (unseen["rows"], unseen["test_rows"]) == (40, 61)
    found = [s for s in said if "which the training rows never had" in s]
    assert len(found) == 1 and found[0].startswith(f"{unseen['rows']} of the {unseen['test_rows']} test rows are of "
                                                   "class 'Chinstrap', which the training rows never had (they hold "
                                                   "'Adelie', 'Gentoo')"), said
    assert not [s for s in said if "accuracy rewards always answering it" in s], said
    _, said = _run_split(df, "species", {}, ["accuracy"])  # shuffled and stratified: nothing of the kind
    assert not [s for s in said if "never had" in s], said


def test_a_positive_class_metric_that_is_zero_over_zero_says_so():
    """Found by a new user: la riots' last rows hold no 'Female' (the positive class): F1 0.0
    beside accuracy 1.0, without a word. Precision, recall and F1 say when they are 0 / 0."""
    rng = np.random.default_rng(4)
    n = 200
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    y = np.where(X["a"] > 0.8, "rare", "common")
    df = X.assign(y=y).sort_values("a", ascending=False).reset_index(drop=True)  # every 'rare' row in the first 80%
    assert (df["y"].iloc[160:] == "common").all() and (df["y"] == "rare").sum() >= 20
    _, said = _run_split(df, "y", {"shuffle": False, "stratify": False}, ["accuracy", "precision", "recall", "f1"],
                         positive="rare")
    assert [s for s in said if s.startswith("Precision, Recall, F1 score: undefined for the positive class 'rare' here, as "
                                            "the test rows hold none of it (0 / 0); shown as 0.")], said
    _, said = _run_split(df, "y", {}, ["accuracy", "precision", "recall", "f1"], positive="rare")
    assert not [s for s in said if "undefined" in s], said
