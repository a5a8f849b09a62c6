"""Pieces shared by model plugins: metric/plot key lists, fit costs, and the estimator
wrappers (kept in `playground_runtime`, which a model bundle ships; importable from here as
before, so models saved by earlier runs still load)."""

from __future__ import annotations

import numpy as np

from playground_runtime import DBSCANPredictor, EncodedLabelClassifier  # noqa: F401  (their old home)

CLS_METRICS = ("accuracy", "balanced_accuracy", "f1", "precision", "recall", "roc_auc", "log_loss",
               "confusion_matrix", "classification_report")
CLS_METRICS_NO_PROBA = ("accuracy", "balanced_accuracy", "f1", "precision", "recall", "roc_auc",
                        "confusion_matrix", "classification_report")
CLS_DEFAULT = ("accuracy", "f1", "confusion_matrix")
REG_METRICS = ("r2", "rmse", "mae", "mse", "mape")
REG_DEFAULT = ("r2", "rmse", "mae")
CLU_METRICS = ("silhouette", "calinski_harabasz", "davies_bouldin")
CLU_DEFAULT = ("silhouette",)

CLS_PLOTS = ("confusion_matrix", "roc_curve", "precision_recall_curve", "feature_importance",
             "learning_curve", "shap_summary", "partial_dependence")
CLS_DEFAULT_PLOTS = ("confusion_matrix", "roc_curve")
REG_PLOTS = ("prediction_vs_actual", "residuals", "feature_importance", "learning_curve", "shap_summary",
             "partial_dependence")
REG_DEFAULT_PLOTS = ("prediction_vs_actual", "residuals")
CLU_PLOTS = ("cluster_scatter",)


def by_problem(problem_types, cls=(), reg=(), clu=()):
    """Union of the keys for the problem types a plugin supports, order kept."""
    keys = []
    for pt, ks in (("classification", cls), ("regression", reg), ("clustering", clu)):
        if pt in problem_types:
            keys += [k for k in ks if k not in keys]
    return tuple(keys)


def supervised_capabilities(problem_types, importance: bool = True, cls_metrics=CLS_METRICS, exclude_plots=()):
    """The metrics and plots of a classifier/regressor plugin: every metric of its problem
    types, every plot but those excluded, and the usual defaults (feature importance first
    where the model has native importances)."""
    lead = ("feature_importance",) if importance else ()
    keep = lambda keys: tuple(k for k in keys if k not in exclude_plots)  # noqa: E731
    return dict(
        supported_metrics=by_problem(problem_types, cls_metrics, REG_METRICS),
        default_metrics=by_problem(problem_types, CLS_DEFAULT, REG_DEFAULT),
        supported_plots=by_problem(problem_types, keep(CLS_PLOTS), keep(REG_PLOTS)),
        default_plots=by_problem(problem_types, lead + CLS_DEFAULT_PLOTS, lead + REG_DEFAULT_PLOTS),
    )


def none_if(value, sentinel="none"):
    """Select params cannot hold None (the UI needs a label), so "none"/"all" stand for
    it; this turns the sentinel back into the library's None."""
    return None if value == sentinel else value


# ---------------------------------------------------------------------------- fit costs
# How one fit's work grows (plugins.base.ModelPlugin.fit_cost): each shape is the algorithm's
# textbook growth in rows n, encoded columns d and classes c; the plugin multiplies by its
# seconds per unit, measured on this machine by `python -m bench --only estimate`.
def _log2(n):
    return float(np.log2(max(2.0, n)))


def tree_ensemble_cost(seconds_per_unit, trees="n_estimators", per_tree=0.0):
    """Trees x (a fixed cost per tree + n log n x the features tried per split: sqrt/log2/all;
    a forest's default is sqrt for classification, all for regression). trees=None: a single
    tree on all features."""
    def cost(p, s):
        d = s["features"]
        if trees is None:
            return seconds_per_unit * s["rows"] * _log2(s["rows"]) * d
        mf = p.get("max_features")
        tried = np.sqrt(d) if mf == "sqrt" or (mf is None and s["problem_type"] == "classification") else \
            _log2(d) if mf == "log2" else d
        return (p.get(trees) or 100) * (per_tree + seconds_per_unit * s["rows"] * _log2(s["rows"]) * tried)
    return cost


def boosting_cost(seconds_per_unit, per_round=0.0, trees="n_estimators"):
    """Rounds x (a fixed cost + n x d), one tree per class per round beyond two classes."""
    def cost(p, s):
        rounds = (p.get(trees) or 100) * (s["classes"] if s["classes"] > 2 else 1)
        return rounds * (per_round + seconds_per_unit * s["rows"] * s["features"])
    return cost


def neighbours_cost(seconds_per_unit):
    """n log n x d: a tree over the rows, queried once per held-out row."""
    def cost(p, s):
        return seconds_per_unit * s["rows"] * _log2(s["rows"]) * s["features"]
    return cost


def pairwise_cost(seconds_per_unit):
    """n² x d: kernels and neighbour searches compare rows with rows."""
    def cost(p, s):
        return seconds_per_unit * s["rows"] ** 2 * s["features"]
    return cost


def linear_cost(seconds_per_unit, per_class=False, squared_features=False):
    def cost(p, s):
        d = s["features"] ** 2 if squared_features else s["features"]
        return seconds_per_unit * s["rows"] * d * (s["classes"] if per_class else 1)
    return cost
