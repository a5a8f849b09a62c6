"""Contract tests over every registry entry: every model plugin and problem type it
declares, every metric, every plot. Small real data (scikit-learn's bundled sets), plain
scikit-learn pipelines (a scaler in front of scale-sensitive models), no mocks."""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from plugins import registry
from plugins.base import EvalData
from plugins.evaluators import METRICS, compute_metric, eval_data_for, normalize_metric_key
from plugins.params import ParamError, validate_params, validate_value
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


def params_for(plugin, problem_type, **extra):
    wanted = {k: v for k, v in FAST.items() if any(p.name == k and p.applies_to(problem_type) for p in plugin.params)}
    if plugin.slug == "kmeans":
        wanted["n_clusters"] = 3
    if plugin.slug == "dbscan":
        wanted["eps"] = 0.9
    wanted.update(extra)
    clean, errors = validate_params(plugin.params, wanted, problem_type)
    assert not errors
    return clean


def pipeline_for(plugin, problem_type, **extra) -> Pipeline:
    model = plugin.build(params_for(plugin, problem_type, **extra), problem_type, 0)
    steps = [("scale", StandardScaler().set_output(transform="pandas"))] if plugin.scale_sensitive else []
    return Pipeline(steps + [("model", model)])


@cache
def fitted(slug: str, problem_type: str, multiclass: bool = False):
    plugin = registry.models()[slug]
    X_train, X_test, y_train, y_test = data(problem_type, multiclass)
    pipe = pipeline_for(plugin, problem_type).fit(X_train, y_train)
    return pipe, eval_data_for(pipe, X_train, y_train, X_test, y_test, problem_type, random_state=0)


# --------------------------------------------------------------------------- metadata
@pytest.mark.parametrize("slug", sorted(registry.models()))
def test_metadata_is_complete(slug):
    p = registry.models()[slug]
    assert p.slug == slug and p.name and p.icon and p.description and p.best_for
    assert p.category in {"tree", "linear", "ensemble", "neighbors", "kernel", "clustering", "boosting"}
    assert p.problem_types and set(p.problem_types) <= {"classification", "regression", "clustering"}
    assert p.params and any(not q.advanced for q in p.params)
    assert set(p.supported_metrics) <= set(registry.metrics()), "unknown metric keys"
    assert set(p.supported_plots) <= set(registry.plots()), "unknown plot keys"
    assert set(p.default_metrics) <= set(p.supported_metrics)
    assert set(p.default_plots) <= set(p.supported_plots)
    assert p.complexity > 0
    json.dumps(p.detail_json())


@pytest.mark.parametrize("slug,problem_type", CASES, ids=IDS)
def test_defaults_are_valid_and_capabilities_nonempty(slug, problem_type):
    plugin = registry.models()[slug]
    clean, errors = validate_params(plugin.params, {}, problem_type)
    assert errors == {}
    assert all(p.name in clean for p in plugin.params_for(problem_type))
    caps = registry.capabilities(plugin, problem_type)
    assert caps["supported_metrics"] and caps["default_metrics"] and caps["supported_plots"]
    json.dumps(plugin.detail_json(problem_type, registry.capabilities(plugin, problem_type)))


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
                assert validate_value(p, p.max, problem_type) == p.max
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


@pytest.mark.parametrize("slug,problem_type", CASES, ids=IDS)
def test_every_choice_and_bound_builds(slug, problem_type):
    """Each select choice (and each numeric end) is a value the library accepts: building
    with it gives an estimator whose params scikit-learn's own validation passes."""
    plugin = registry.models()[slug]
    for p in plugin.params_for(problem_type):
        values = list(p.choices_for(problem_type)) if p.kind == "select" else []
        values += [v for v in (p.min, p.max) if p.kind in ("int", "float") and v is not None]
        for v in values:
            est = plugin.build(params_for(plugin, problem_type, **{p.name: v}), problem_type, 0)
            inner = getattr(est, "estimator", est)
            if hasattr(inner, "_parameter_constraints"):  # scikit-learn estimators and our DBSCAN
                inner._validate_params()


def test_library_defaults_are_kept():
    """The schema's defaults are scikit-learn's, per problem type where they differ."""
    rf = registry.models()["random_forest"]
    assert validate_params(rf.params, {}, "classification")[0]["max_features"] == "sqrt"
    assert validate_params(rf.params, {}, "regression")[0]["max_features"] == "all"
    assert rf.build(validate_params(rf.params, {}, "regression")[0], "regression", 0).max_features is None
    assert validate_params(rf.params, {}, "regression")[0]["criterion"] == "squared_error"
    est = rf.build(validate_params(rf.params, {}, "classification")[0], "classification", 0)
    assert (est.n_estimators, est.max_depth, est.min_samples_split, est.n_jobs) == (100, None, 2, 1)
    km = registry.models()["kmeans"]
    assert km.build(validate_params(km.params, {}, "clustering")[0], "clustering", 0).n_init == "auto"


# --------------------------------------------------------------------------- behaviour
@pytest.mark.parametrize("slug,problem_type", CASES, ids=IDS)
def test_fits_and_predicts_on_small_real_data(slug, problem_type):
    pipe, d = fitted(slug, problem_type)
    assert len(d.y_pred) == len(d.X_test)
    if problem_type == "classification":
        assert (d.y_pred == np.asarray(d.y_test)).mean() > 0.75
        assert list(d.classes) == [0, 1]
    elif problem_type == "regression":
        assert np.isfinite(d.y_pred).all() and skm.r2_score(d.y_test, d.y_pred) > 0.0
    else:
        assert len(set(d.y_pred.tolist()) - {-1}) >= 2
    assert d.feature_names == list(d.X_test.columns)


@pytest.mark.parametrize("slug,problem_type", CASES, ids=IDS)
def test_every_declared_metric_computes(slug, problem_type):
    _, d = fitted(slug, problem_type)
    for key in registry.capabilities(registry.models()[slug], problem_type)["supported_metrics"]:
        value = compute_metric(key, d)
        json.dumps(value)
        if METRICS[key].kind == "scalar":
            assert isinstance(value, float) and np.isfinite(value), key


@pytest.mark.parametrize("slug,problem_type", CASES, ids=IDS)
def test_every_declared_plot_renders_a_png(slug, problem_type):
    _, d = fitted(slug, problem_type)
    for key in registry.capabilities(registry.models()[slug], problem_type)["supported_plots"]:
        png = render_plot(key, d)
        assert png.startswith(b"\x89PNG") and len(png) > 2000, key


def test_every_plot_is_declared_by_some_plugin():
    declared = {k for p in registry.models().values() for k in p.supported_plots}
    assert declared == set(PLOTS)


@pytest.mark.parametrize("slug", ["random_forest", "logistic_regression", "svm", "xgboost"])
def test_multiclass_metrics_and_plots(slug):
    _, d = fitted(slug, "classification", multiclass=True)
    assert len(d.classes) == 3
    auc = compute_metric("roc_auc", d)
    assert 0.8 < auc <= 1.0
    for key in ("roc_curve", "precision_recall_curve", "partial_dependence", "shap_summary"):
        assert render_plot(key, d).startswith(b"\x89PNG"), key
    assert len(compute_metric("confusion_matrix", d)["matrix"]) == 3
    f1 = compute_metric("f1", d)
    assert f1 == pytest.approx(skm.f1_score(d.y_test, d.y_pred, average="macro"))


@pytest.mark.parametrize("slug", [s for s, p in sorted(registry.models().items()) if p.handles_missing])
def test_models_that_handle_missing_values_fit_with_nan(slug):
    plugin = registry.models()[slug]
    for problem_type in plugin.problem_types:
        X_train, X_test, y_train, _ = data(problem_type)
        X_train, X_test = X_train.copy(), X_test.copy()
        X_train.iloc[::5, 0] = np.nan
        X_test.iloc[::4, 1] = np.nan
        pred = Pipeline([("model", plugin.build(params_for(plugin, problem_type), problem_type, 0))]) \
            .fit(X_train, y_train).predict(X_test)
        assert len(pred) == len(X_test)


def test_svm_has_no_probabilities_yet_every_declared_score_computes():
    """SVC without probability=True (deprecated in scikit-learn 1.9): ROC AUC and the
    curves use the decision function; log loss, which needs probabilities, is not offered."""
    _, d = fitted("svm", "classification")
    assert d.y_proba is None
    caps = registry.capabilities(registry.models()["svm"], "classification")
    assert "log_loss" not in caps["supported_metrics"] and "roc_auc" in caps["supported_metrics"]
    scores = d.model.decision_function(d.X_test)
    assert compute_metric("roc_auc", d) == pytest.approx(skm.roc_auc_score(d.y_test, scores))
    with pytest.raises(ValueError, match="probabilities"):
        compute_metric("log_loss", d)


# --------------------------------------------------------------------------- metrics
def _eval(y_true, y_pred, y_proba=None, classes=None, positive_class=None):
    return EvalData(problem_type="classification", y_test=np.asarray(y_true), y_pred=np.asarray(y_pred),
                    y_proba=None if y_proba is None else np.asarray(y_proba), classes=classes,
                    positive_class=positive_class)


def test_binary_metrics_are_of_the_positive_class_the_minority_unless_chosen():
    y = ["no", "no", "no", "no", "no", "yes", "yes", "yes"]
    p = ["no", "no", "no", "no", "yes", "yes", "yes", "no"]
    d = _eval(y, p, classes=["no", "yes"])  # none chosen: the minority class of the rows, "yes"
    assert compute_metric("f1", d) == pytest.approx(skm.f1_score(y, p, pos_label="yes"))
    assert compute_metric("precision", d) == pytest.approx(skm.precision_score(y, p, pos_label="yes"))
    assert compute_metric("recall", d) == pytest.approx(skm.recall_score(y, p, pos_label="yes"))
    # with "no" as the positive class the values differ, so the choice is visible
    assert compute_metric("recall", d) != pytest.approx(skm.recall_score(y, p, pos_label="no"))
    chosen = _eval(y, p, classes=["no", "yes"], positive_class="no")
    assert compute_metric("recall", chosen) == pytest.approx(skm.recall_score(y, p, pos_label="no"))
    assert compute_metric("f1", chosen) == pytest.approx(skm.f1_score(y, p, pos_label="no"))
    assert compute_metric("balanced_accuracy", d) == pytest.approx(skm.balanced_accuracy_score(y, p))
    cm = compute_metric("confusion_matrix", d)
    assert cm == {"labels": ["no", "yes"], "matrix": [[4, 1], [1, 2]]}
    report = compute_metric("classification_report", d)
    assert report["yes"]["recall"] == pytest.approx(2 / 3)
    json.dumps(report)


def test_roc_auc_binary_and_multiclass_match_scikit_learn():
    y = np.array([0, 0, 1, 1, 0, 1])
    proba = np.array([[0.9, 0.1], [0.4, 0.6], [0.35, 0.65], [0.2, 0.8], [0.7, 0.3], [0.6, 0.4]])
    d = _eval(y, proba.argmax(axis=1), proba, classes=[0, 1])
    assert compute_metric("roc_auc", d) == pytest.approx(skm.roc_auc_score(y, proba[:, 1]))
    assert compute_metric("log_loss", d) == pytest.approx(skm.log_loss(y, proba))
    y3 = np.array(["a", "b", "c", "a", "b", "c", "a", "c"])
    p3 = np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.2, 0.7], [0.3, 0.4, 0.3],
                   [0.5, 0.3, 0.2], [0.2, 0.2, 0.6], [0.7, 0.2, 0.1], [0.4, 0.4, 0.2]])
    d3 = _eval(y3, np.array(["a", "b", "c"])[p3.argmax(axis=1)], p3, classes=["a", "b", "c"])
    expected = skm.roc_auc_score(y3, p3, multi_class="ovr", average="macro")
    assert compute_metric("roc_auc", d3) == pytest.approx(expected)
    assert compute_metric("precision", d3) == pytest.approx(skm.precision_score(y3, d3.y_pred, average="macro"))


def test_metric_values_match_scikit_learn_on_a_fitted_model():
    _, d = fitted("logistic_regression", "classification")
    assert compute_metric("accuracy", d) == pytest.approx(skm.accuracy_score(d.y_test, d.y_pred))
    assert compute_metric("roc_auc", d) == pytest.approx(skm.roc_auc_score(d.y_test, d.y_proba[:, 1]))
    _, r = fitted("ridge", "regression")
    assert compute_metric("rmse", r) == pytest.approx(np.sqrt(skm.mean_squared_error(r.y_test, r.y_pred)))
    assert compute_metric("mae", r) == pytest.approx(skm.mean_absolute_error(r.y_test, r.y_pred))
    assert compute_metric("r2", r) == pytest.approx(skm.r2_score(r.y_test, r.y_pred))
    assert compute_metric("mape", r) == pytest.approx(skm.mean_absolute_percentage_error(r.y_test, r.y_pred))
    _, c = fitted("kmeans", "clustering")
    assert compute_metric("silhouette", c) == pytest.approx(skm.silhouette_score(c.Xt_test, c.y_pred))
    # the scaler is part of the pipeline: clustering metrics score the scaled features
    assert not np.allclose(np.asarray(c.Xt_test), np.asarray(c.X_test))


def test_aliases_normalise_to_one_spelling():
    assert {k: normalize_metric_key(k) for k in ("f1_score", "r2_score", "precision_score", "recall_score",
                                                  "accuracy_score", "f1")} == {
        "f1_score": "f1", "r2_score": "r2", "precision_score": "precision", "recall_score": "recall",
        "accuracy_score": "accuracy", "f1": "f1"}
    _, d = fitted("decision_tree", "classification")
    assert compute_metric("f1_score", d) == compute_metric("f1", d)
    with pytest.raises(ValueError, match="Unknown metric"):
        compute_metric("f2", d)


def test_undefined_clustering_metrics_say_why():
    plugin = registry.models()["dbscan"]
    X_train, X_test, _, _ = data("clustering")
    pipe = pipeline_for(plugin, "clustering", eps=0.01, min_samples=50).fit(X_train)
    d = eval_data_for(pipe, X_train, None, X_test, None, "clustering")
    assert set(d.y_pred.tolist()) == {-1}
    with pytest.raises(ValueError, match="Silhouette needs at least 2 clusters; DBSCAN marked every test point as "
                                         "noise"):
        compute_metric("silhouette", d)
    _, k = fitted("kmeans", "clustering")
    one = EvalData(problem_type="clustering", model=k.model, X_test=k.X_test, Xt_test=k.Xt_test,
                   y_pred=np.zeros(len(k.y_pred), dtype=int))
    for key, name in (("silhouette", "Silhouette"), ("davies_bouldin", "Davies-Bouldin"),
                      ("calinski_harabasz", "Calinski-Harabasz")):
        # the model has its clusters; the test points all fall in one (it said "KMeans found 1")
        n_clusters = k.model.steps[-1][1].n_clusters
        with pytest.raises(ValueError, match=rf"^{name} needs the test points in at least 2 clusters; all "
                                             rf"{len(k.y_pred):,} fall in one of KMeans's {n_clusters} clusters\.$"):
            compute_metric(key, one)


def test_metric_keys_are_the_contract():
    assert set(METRICS) == {"accuracy", "balanced_accuracy", "f1", "precision", "recall", "roc_auc", "log_loss",
                            "confusion_matrix", "classification_report", "mse", "rmse", "mae", "r2", "mape",
                            "silhouette", "calinski_harabasz", "davies_bouldin", "noise_share"}
    assert set(PLOTS) == {"confusion_matrix", "roc_curve", "precision_recall_curve", "feature_importance",
                          "learning_curve", "shap_summary", "partial_dependence", "residuals",
                          "prediction_vs_actual", "cluster_scatter"}
    for m in METRICS.values():
        assert (m.direction is None) == (m.kind == "table"), m.key
        json.dumps(m.to_json())
    for p in PLOTS.values():
        assert p.group in {"performance", "explainability"} and p.cost >= 1
        json.dumps(p.to_json())


# --------------------------------------------------------------------------- plots
def test_plots_refuse_what_they_cannot_draw():
    _, r = fitted("ridge", "regression")
    with pytest.raises(ValueError, match="does not apply to regression"):
        render_plot("roc_curve", r)
    with pytest.raises(ValueError, match="Unknown plot"):
        render_plot("violin", r)


def test_learning_curve_reports_progress_and_stops_when_cancelled():
    _, d = fitted("decision_tree", "regression")
    seen = []
    d2 = EvalData(**{**d.__dict__, "progress": lambda f, msg: seen.append(f)})
    assert render_plot("learning_curve", d2).startswith(b"\x89PNG")
    assert len(seen) == 15 and seen[-1] == pytest.approx(1.0) and seen == sorted(seen)

    class Cancelled(Exception):
        pass

    calls = []

    def check():
        calls.append(1)
        if len(calls) > 3:
            raise Cancelled

    with pytest.raises(Cancelled):
        render_plot("learning_curve", EvalData(**{**d.__dict__, "check_cancelled": check}))
    assert len(calls) == 4


def test_a_learning_curve_keeps_each_group_in_one_fold_when_the_split_keeps_groups_together():
    """Fits and scores through a regressor that notes the rows it sees: no group of the
    training rows is both fitted on and scored on in one fold; without groups, some are."""
    import numpy as np
    import pandas as pd
    from sklearn.base import BaseEstimator, RegressorMixin

    class Noting(RegressorMixin, BaseEstimator):
        seen: list = []

        def fit(self, X, y):
            Noting.seen.append(("fit", list(X.index)))
            return self

        def predict(self, X):
            Noting.seen.append(("predict", list(X.index)))
            return np.zeros(len(X))

    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(12), 8)  # 12 units of 8 rows
    X = pd.DataFrame({"x": rng.normal(size=len(groups))})
    y = pd.Series(rng.normal(size=len(groups)))

    def mixed(groups_train) -> int:
        Noting.seen = []
        render_plot("learning_curve", EvalData(problem_type="regression", model=Noting(), X_train=X, y_train=y,
                                               random_state=1, groups_train=groups_train))
        shared = 0
        for (kind, fitted_rows), (_, _), (_, scored) in zip(*[iter(Noting.seen)] * 3):
            assert kind == "fit"  # fit, score the fitted rows, score the held-out rows
            shared += len(set(groups[fitted_rows]) & set(groups[scored]))
        return shared

    assert mixed(pd.Series(groups)) == 0
    assert mixed(None) > 0
    with pytest.raises(ValueError, match="the training rows hold 2 group"):
        render_plot("learning_curve", EvalData(problem_type="regression", model=Noting(), X_train=X, y_train=y,
                                               groups_train=pd.Series(np.arange(len(groups)) % 2)))


def test_plots_on_a_pipeline_with_one_hot_and_text_columns():
    """Raw text columns (pandas string dtype) one-hot encoded by a ColumnTransformer: the
    estimator sees `cat__city_rome`-style names, partial dependence still picks numeric raw
    columns, and every declared plot renders."""
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder

    X_train, X_test, y_train, y_test = (a.copy() for a in data("regression"))
    for X in (X_train, X_test):
        X["city"] = pd.array(np.where(X["sex"] > 0, "rome", "oslo"), dtype="string")
        X.drop(columns=["sex"], inplace=True)
    prep = ColumnTransformer([("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["city"])],
                             remainder="passthrough")
    plugin = registry.models()["random_forest"]
    pipe = Pipeline([("prep", prep), ("model", plugin.build(params_for(plugin, "regression"), "regression", 0))])
    pipe.fit(X_train, y_train)
    d = eval_data_for(pipe, X_train, y_train, X_test, y_test, "regression")
    assert "cat__city_rome" in d.feature_names and len(d.feature_names) == np.shape(d.Xt_test)[1]
    for key in registry.capabilities(plugin, "regression")["supported_plots"]:
        assert render_plot(key, d).startswith(b"\x89PNG"), key


def test_feature_importance_falls_back_to_permutation():
    _, d = fitted("knn", "regression")  # no feature_importances_ nor coef_
    assert render_plot("feature_importance", d).startswith(b"\x89PNG")


# --------------------------------------------------------------------------- wrappers
def test_xgboost_takes_string_labels_and_aligns_probabilities():
    plugin = registry.models()["xgboost"]
    X_train, X_test, y_train, y_test = data("classification", True)
    names = np.array(["barolo", "grignolino", "barbera"])
    pipe = pipeline_for(plugin, "classification").fit(X_train, names[y_train])
    pred = pipe.predict(X_test)
    assert set(pred) <= set(names) and (pred == names[y_test]).mean() > 0.8
    assert list(pipe.classes_) == sorted(names)
    proba = pipe.predict_proba(X_test)
    assert proba.shape == (len(X_test), 3)
    assert (pipe.classes_[proba.argmax(axis=1)] == pred).all()
    d = eval_data_for(pipe, X_train, names[y_train], X_test, names[y_test], "classification")
    assert compute_metric("roc_auc", d) > 0.9 and compute_metric("log_loss", d) < 1.0
    assert compute_metric("confusion_matrix", d)["labels"] == sorted(names)


def test_dbscan_predicts_new_points():
    pipe, d = fitted("dbscan", "clustering")
    model = pipe[-1]
    X_train_scaled = pipe[:-1].transform(d.X_train)
    core = model.core_sample_indices_
    assert len(core) and (pipe.predict(d.X_train)[core] == model.labels_[core]).all()
    assert (model.fit_predict(X_train_scaled) == model.labels_).all()
    far = pd.DataFrame([[100.0, 100.0, 100.0, 100.0]], columns=d.X_test.columns)
    assert pipe.predict(far)[0] == -1
    assert set(pipe.predict(d.X_test).tolist()) - {-1}
