"""Pieces shared by model plugins: metric/plot key lists and estimator wrappers."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, ClusterMixin, clone
from sklearn.cluster import DBSCAN
from sklearn.utils import get_tags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

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


class EncodedLabelClassifier(ClassifierMixin, BaseEstimator):
    """Lets an estimator that wants labels 0..n-1 (XGBoost) take any labels, strings too;
    `classes_` are the original labels and predict/predict_proba speak them."""

    def __init__(self, estimator=None):
        self.estimator = estimator

    def _allow_nan(self) -> bool:
        try:
            return bool(get_tags(self.estimator).input_tags.allow_nan)
        except Exception:  # an estimator without scikit-learn tags
            return False

    def fit(self, X, y, **kw):
        X, y = validate_data(self, X, y, ensure_all_finite="allow-nan" if self._allow_nan() else True)
        check_classification_targets(y)
        self.classes_, codes = np.unique(np.asarray(y), return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"Classification needs at least 2 classes; the training rows have {len(self.classes_)} "
                             "class.")
        self.estimator_ = clone(self.estimator).fit(X, codes, **kw)
        return self

    def _check(self, X):
        check_is_fitted(self, "estimator_")
        return validate_data(self, X, reset=False, ensure_all_finite="allow-nan" if self._allow_nan() else True)

    def predict(self, X):
        X = self._check(X)
        return self.classes_[np.asarray(self.estimator_.predict(X)).astype(int)]

    def predict_proba(self, X):
        # XGBoost's columns follow the codes 0..n-1, which are the sorted original labels:
        # column i is classes_[i], as scikit-learn's convention wants.
        X = self._check(X)
        return self.estimator_.predict_proba(X)

    @property
    def feature_importances_(self):
        check_is_fitted(self, "estimator_")
        return self.estimator_.feature_importances_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = self._allow_nan()
        return tags


class DBSCANPredictor(ClusterMixin, BaseEstimator):
    """DBSCAN with `predict`: a new point takes the label of its nearest core sample when
    within eps, else it is noise (-1). DBSCAN itself only labels the rows it was fitted on."""

    # DBSCAN's own checks for the params we pass through, so bad values fail the same way
    _parameter_constraints = {k: v for k, v in DBSCAN._parameter_constraints.items()
                              if k in ("eps", "min_samples", "metric", "algorithm", "leaf_size")}

    def __init__(self, eps=0.5, min_samples=5, metric="euclidean", algorithm="auto", leaf_size=30):
        self.eps, self.min_samples, self.metric, self.algorithm, self.leaf_size = eps, min_samples, metric, algorithm, leaf_size

    def fit(self, X, y=None):
        from sklearn.neighbors import NearestNeighbors

        self._validate_params()
        X = validate_data(self, X, dtype=float)
        db = DBSCAN(eps=self.eps, min_samples=self.min_samples, metric=self.metric, algorithm=self.algorithm,
                    leaf_size=self.leaf_size).fit(X)
        self.labels_ = db.labels_
        core = self.core_sample_indices_ = db.core_sample_indices_
        self.components_ = X[core]
        self.core_labels_ = db.labels_[core]
        self.nn_ = NearestNeighbors(n_neighbors=1, metric=self.metric).fit(X[core]) if len(core) else None
        return self

    def predict(self, X):
        check_is_fitted(self, "labels_")
        X = validate_data(self, X, dtype=float, reset=False)
        if self.nn_ is None:
            return np.full(len(X), -1)
        dist, idx = self.nn_.kneighbors(X)
        labels = self.core_labels_[idx[:, 0]]
        return np.where(dist[:, 0] <= self.eps, labels, -1)

    def fit_predict(self, X, y=None):
        return self.fit(X).labels_


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
