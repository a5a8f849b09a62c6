"""Contract tests over every registry entry: every model plugin and problem type it
declares, every metric, every plot. Small real data (scikit-learn's bundled sets)."""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from plugins import registry
from plugins.evaluators import METRICS, compute_metric, eval_data_for, normalize_metric_key
from plugins.params import ParamError, validate_params, validate_value
from plugins.preprocessing import AutoPrepare, build_steps
from plugins.visualizers import PLOTS, render_plot

CASES = [(slug, pt) for slug, plugin in sorted(registry.models().items()) for pt in plugin.problem_types]
IDS = [f"{slug}-{pt}" for slug, pt in CASES]

# Small settings so the whole file stays fast; each is still validated like any user value.
FAST = {"n_estimators": 15, "max_iter": 300}


@cache
def data(problem_type: str, multiclass: bool = False):
    if problem_type == "classification":
        loader = load_wine if multiclass else load_breast_cancer
        df = loader(as_frame=True).frame
        if not multiclass:
            df = df.sample(220, random_state=0)
            df = df[[*df.columns[:8], "target"]]
        y = df.pop("target")
        return train_test_split(df, y, test_size=0.3, random_state=0, stratify=y)
    if problem_type == "regression":
        df = load_diabetes(as_frame=True).frame.sample(250, random_state=0)
        y = df.pop("target")
        return train_test_split(df, y, test_size=0.3, random_state=0)
    X = load_iris(as_frame=True).frame.drop(columns=["target"])
    a, b = train_test_split(X, test_size=0.3, random_state=0)
    return a, b, None, None


def params_for(plugin, problem_type):
    wanted = {k: v for k, v in FAST.items() if any(p.name == k and p.applies_to(problem_type) for p in plugin.params)}
    if plugin.slug == "kmeans":
        wanted["n_clusters"] = 3
    if plugin.slug == "dbscan":
        wanted["eps"] = 0.9
    clean, errors = validate_params(plugin.params, wanted, problem_type)
    assert not errors
    return clean


@cache
def fitted(slug: str, problem_type: str, multiclass: bool = False):
    plugin = registry.models()[slug]
    X_train, X_test, y_train, y_test = data(problem_type, multiclass)
    steps = build_steps([("standard_scaler", {"columns": []})]) if plugin.scale_sensitive else []
    pipe = Pipeline(steps + [("prepare", AutoPrepare(plugin.handles_missing)),
                             ("model", plugin.build(params_for(plugin, problem_type), problem_type, 0))])
    pipe.fit(X_train, y_train)
    return pipe, eval_data_for(pipe, X_train, y_train, X_test, y_test, problem_type, random_state=0)


# --------------------------------------------------------------------------- metadata
@pytest.mark.parametrize("slug", sorted(registry.models()))
def test_metadata_is_complete(slug):
    p = registry.models()[slug]
    assert p.slug == slug and p.name and p.icon and p.description and p.best_for and p.category
    assert p.problem_types and set(p.problem_types) <= {"classification", "regression", "clustering"}
    assert p.params and any(not q.advanced for q in p.params)
    assert set(p.supported_metrics) <= set(registry.metrics()), "unknown metric keys"
    assert set(p.supported_plots) <= set(registry.plots()), "unknown plot keys"
    assert set(p.default_metrics) <= set(p.supported_metrics)
    assert set(p.default_plots) <= set(p.supported_plots)
    json.dumps(p.detail_json())


@pytest.mark.parametrize("slug,problem_type", CASES, ids=IDS)
def test_defaults_are_valid_and_capabilities_nonempty(slug, problem_type):
    plugin = registry.models()[slug]
    clean, errors = validate_params(plugin.params, {}, problem_type)
    assert errors == {}
    assert all(p.name in clean for p in plugin.params_for(problem_type))
    caps = plugin.capabilities(problem_type)
    assert caps["supported_metrics"] and caps["default_metrics"] and caps["supported_plots"]


@pytest.mark.parametrize("slug,problem_type", CASES, ids=IDS)
def test_every_bound_rejects_a_value_just_outside(slug, problem_type):
    plugin = registry.models()[slug]
    checked = 0
    for p in plugin.params_for(problem_type):
        eps = 1 if p.kind == "int" else max(1e-9, abs(p.min or p.max or 1) * 1e-6)
        if p.kind in ("int", "float"):
            if p.min is not None:
                with pytest.raises(ParamError):
                    validate_value(p, p.min - eps, problem_type)
                assert validate_value(p, p.min, problem_type) == p.min
                checked += 1
            if p.max is not None:
                with pytest.raises(ParamError):
                    validate_value(p, p.max + eps, problem_type)
                checked += 1
        elif p.kind == "select":
            with pytest.raises(ParamError):
                validate_value(p, "definitely-not-a-choice", problem_type)
            checked += 1
        elif p.kind == "bool":
            with pytest.raises(ParamError):
                validate_value(p, "perhaps", problem_type)
            checked += 1
    assert checked, "a plugin with no checkable params"


# --------------------------------------------------------------------------- behaviour
@pytest.mark.parametrize("slug,problem_type", CASES, ids=IDS)
def test_fits_and_predicts_on_small_real_data(slug, problem_type):
    pipe, d = fitted(slug, problem_type)
    assert len(d.y_pred) == len(d.X_test)
    if problem_type == "classification":
        assert (d.y_pred == np.asarray(d.y_test)).mean() > 0.75
    elif problem_type == "regression":
        assert np.isfinite(d.y_pred).all()
    else:
        assert len(set(d.y_pred.tolist()) - {-1}) >= 2


@pytest.mark.parametrize("slug,problem_type", CASES, ids=IDS)
def test_every_declared_metric_computes(slug, problem_type):
    _, d = fitted(slug, problem_type)
    for key in registry.models()[slug].capabilities(problem_type)["supported_metrics"]:
        value = compute_metric(key, d)
        json.dumps(value)
        if METRICS[key].kind == "scalar":
            assert isinstance(value, float) and np.isfinite(value), key


@pytest.mark.parametrize("slug,problem_type", CASES, ids=IDS)
def test_every_declared_plot_renders_a_png(slug, problem_type):
    _, d = fitted(slug, problem_type)
    for key in registry.models()[slug].capabilities(problem_type)["supported_plots"]:
        png = render_plot(key, d)
        assert png.startswith(b"\x89PNG") and len(png) > 2000, key


@pytest.mark.parametrize("slug", ["random_forest", "logistic_regression", "svm", "xgboost"])
def test_multiclass_metrics_and_curves(slug):
    _, d = fitted(slug, "classification", multiclass=True)
    assert len(d.classes) == 3
    auc = compute_metric("roc_auc", d)
    assert 0.8 < auc <= 1.0
    assert render_plot("roc_curve", d).startswith(b"\x89PNG")
    assert len(compute_metric("confusion_matrix", d)["matrix"]) == 3


# --------------------------------------------------------------------------- metrics
def test_metric_values_match_scikit_learn():
    from sklearn import metrics as skm

    _, d = fitted("logistic_regression", "classification")
    assert compute_metric("accuracy", d) == pytest.approx(skm.accuracy_score(d.y_test, d.y_pred))
    assert compute_metric("f1", d) == pytest.approx(skm.f1_score(d.y_test, d.y_pred, pos_label=1))
    assert compute_metric("roc_auc", d) == pytest.approx(skm.roc_auc_score(d.y_test, d.y_proba[:, 1]))
    _, r = fitted("ridge", "regression")
    assert compute_metric("rmse", r) == pytest.approx(np.sqrt(skm.mean_squared_error(r.y_test, r.y_pred)))


def test_aliases_normalise_to_one_spelling():
    assert normalize_metric_key("f1_score") == "f1" and normalize_metric_key("r2_score") == "r2"
    _, d = fitted("decision_tree", "classification")
    assert compute_metric("f1_score", d) == compute_metric("f1", d)


def test_undefined_clustering_metric_is_a_sentence():
    _, d = fitted("kmeans", "clustering")
    d = eval_data_for(d.model, d.X_train, None, d.X_test, None, "clustering")
    d.y_pred = np.zeros(len(d.y_pred), dtype=int)
    with pytest.raises(ValueError, match="at least 2 clusters"):
        compute_metric("silhouette", d)


def test_metric_keys_are_the_contract():
    assert set(METRICS) == {"accuracy", "balanced_accuracy", "f1", "precision", "recall", "roc_auc", "log_loss",
                            "confusion_matrix", "classification_report", "mse", "rmse", "mae", "r2", "mape",
                            "silhouette", "calinski_harabasz", "davies_bouldin"}
    assert set(PLOTS) == {"confusion_matrix", "roc_curve", "precision_recall_curve", "feature_importance",
                          "learning_curve", "shap_summary", "partial_dependence", "residuals",
                          "prediction_vs_actual", "cluster_scatter"}


# --------------------------------------------------------------------------- wrappers
def test_xgboost_takes_string_labels():
    plugin = registry.models()["xgboost"]
    X_train, X_test, y_train, y_test = data("classification", True)
    names = np.array(["barolo", "grignolino", "barbera"])
    est = plugin.build(params_for(plugin, "classification"), "classification", 0).fit(X_train, names[y_train])
    pred = est.predict(X_test)
    assert set(pred) <= set(names) and (pred == names[y_test]).mean() > 0.8
    assert list(est.classes_) == sorted(names)
    assert est.predict_proba(X_test).shape == (len(X_test), 3)


def test_dbscan_predicts_new_points():
    pipe, d = fitted("dbscan", "clustering")
    far = pd.DataFrame([[100.0, 100.0, 100.0, 100.0]], columns=d.X_test.columns)
    assert pipe.predict(far)[0] == -1
    assert set(pipe.predict(d.X_train).tolist()) - {-1}


def test_feature_importance_falls_back_to_permutation():
    _, d = fitted("knn", "regression")
    assert render_plot("feature_importance", d).startswith(b"\x89PNG")
