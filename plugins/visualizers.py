"""Shared plots, rendered to PNG with matplotlib's object API (no pyplot global state, so
concurrent renders in one process cannot draw into each other's figures)."""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure

from plugins.base import EvalData, Plot

CLS, REG, CLU = ("classification",), ("regression",), ("clustering",)
BOTH = ("classification", "regression")
BLUE, ORANGE, GREY = "#4f46e5", "#f97316", "#94a3b8"


def _figure(w=6.4, h=4.6):
    fig = Figure(figsize=(w, h), dpi=100, layout="constrained")
    return fig, fig.add_subplot(1, 1, 1)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", facecolor="white")
    return buf.getvalue()


def _style(ax, title, xlabel="", ylabel=""):
    ax.set_title(title, fontsize=12, fontweight="bold", loc="left")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(alpha=0.25)


def _classes(d: EvalData):
    return list(d.classes) if d.classes is not None else sorted(set(np.asarray(d.y_test).tolist()))


def _scores(d: EvalData):
    if d.y_proba is not None:
        return np.asarray(d.y_proba)
    if hasattr(d.model, "decision_function"):
        s = np.asarray(d.model.decision_function(d.X_test))
        return s
    raise ValueError("This model gives no probabilities or scores to draw the curve from.")


def _per_class_scores(d: EvalData):
    """(class, binary truth, score) for each class to draw: the positive class only when
    binary, one-vs-rest for each class when multiclass."""
    classes, s, y = _classes(d), _scores(d), np.asarray(d.y_test)
    if len(set(y.tolist())) < 2:
        raise ValueError("The test rows hold a single class; a curve needs both.")
    if len(classes) == 2:
        return [(classes[1], y == classes[1], s[:, 1] if s.ndim == 2 else s)]
    return [(c, y == c, s[:, i]) for i, c in enumerate(classes)][:10]


def confusion_matrix_plot(d: EvalData) -> bytes:
    from sklearn.metrics import confusion_matrix

    labels = _classes(d)
    m = confusion_matrix(d.y_test, d.y_pred, labels=labels)
    fig, ax = _figure(5.6, 4.8)
    im = ax.imshow(m, cmap="Blues")
    fig.colorbar(im, ax=ax, shrink=0.8)
    ticks = range(len(labels))
    ax.set_xticks(list(ticks), [str(x) for x in labels], rotation=45 if len(labels) > 6 else 0)
    ax.set_yticks(list(ticks), [str(x) for x in labels])
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, str(m[i, j]), ha="center", va="center", fontsize=9,
                    color="white" if m[i, j] > m.max() / 2 else "black")
    ax.set_title("Confusion matrix", fontsize=12, fontweight="bold", loc="left")
    ax.set_xlabel("Predicted")
    ax.set_ylabel("True")
    return _png(fig)


def roc_curve_plot(d: EvalData) -> bytes:
    from sklearn.metrics import auc, roc_curve

    fig, ax = _figure()
    for cls, truth, score in _per_class_scores(d):
        fpr, tpr, _ = roc_curve(truth, score)
        ax.plot(fpr, tpr, lw=2, label=f"{cls} (AUC {auc(fpr, tpr):.3f})")
    ax.plot([0, 1], [0, 1], ls="--", color=GREY, lw=1, label="chance")
    _style(ax, "ROC curve", "False positive rate", "True positive rate")
    ax.legend(loc="lower right", fontsize=8)
    return _png(fig)


def precision_recall_plot(d: EvalData) -> bytes:
    from sklearn.metrics import average_precision_score, precision_recall_curve

    fig, ax = _figure()
    for cls, truth, score in _per_class_scores(d):
        p, r, _ = precision_recall_curve(truth, score)
        ax.plot(r, p, lw=2, label=f"{cls} (AP {average_precision_score(truth, score):.3f})")
    _style(ax, "Precision-recall curve", "Recall", "Precision")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower left", fontsize=8)
    return _png(fig)


def _final(d: EvalData):
    steps = getattr(d.model, "steps", None)
    return steps[-1][1] if steps else d.model


def _native_importance(d: EvalData):
    est = _final(d)
    names = list(d.feature_names)
    values = None
    if hasattr(est, "feature_importances_"):
        values = np.asarray(est.feature_importances_, dtype=float)
    elif hasattr(est, "coef_"):
        coef = np.asarray(est.coef_, dtype=float)
        values = np.abs(coef).mean(axis=0) if coef.ndim == 2 else np.abs(coef)
    if values is None or len(values) != len(names):
        return None
    return names, values, "native"


def _permutation_importance(d: EvalData):
    from sklearn.inspection import permutation_importance

    X, y = d.X_test, d.y_test
    if len(X) > 500:
        X, y = X.sample(500, random_state=d.random_state or 0), y.loc[X.sample(500, random_state=d.random_state or 0).index]
    r = permutation_importance(d.model, X, y, n_repeats=5, random_state=d.random_state or 0, n_jobs=1)
    return list(X.columns), r.importances_mean, "permutation"


def feature_importance_plot(d: EvalData) -> bytes:
    if d.y_test is None:
        raise ValueError("Feature importance needs a target.")
    found = _native_importance(d) or _permutation_importance(d)
    names, values, kind = found
    order = np.argsort(values)[::-1][:20][::-1]
    fig, ax = _figure(6.4, max(3.0, 0.28 * len(order) + 1.2))
    ax.barh([str(names[i]) for i in order], values[order], color=BLUE)
    _style(ax, "Feature importance" + (" (permutation)" if kind == "permutation" else ""),
           "importance" if kind == "native" else "mean score drop when shuffled")
    ax.grid(axis="y", alpha=0)
    return _png(fig)


def learning_curve_plot(d: EvalData) -> bytes:
    from sklearn.base import clone
    from sklearn.model_selection import learning_curve

    if d.progress:
        d.progress(0.1, "cross-validating 5 training sizes")
    if d.check_cancelled:
        d.check_cancelled()
    scoring = "accuracy" if d.problem_type == "classification" else "r2"
    sizes, train, test = learning_curve(clone(d.model), d.X_train, d.y_train, cv=3, n_jobs=1,
                                        train_sizes=np.linspace(0.2, 1.0, 5), scoring=scoring,
                                        random_state=d.random_state or 0, shuffle=True)
    if d.progress:
        d.progress(0.9, "drawing")
    fig, ax = _figure()
    for scores, label, colour in ((train, "training", BLUE), (test, "validation", ORANGE)):
        mean, std = scores.mean(axis=1), scores.std(axis=1)
        ax.plot(sizes, mean, "o-", color=colour, label=label)
        ax.fill_between(sizes, mean - std, mean + std, color=colour, alpha=0.15)
    _style(ax, "Learning curve", "training rows", scoring)
    ax.legend(fontsize=8)
    return _png(fig)


def shap_summary_plot(d: EvalData) -> bytes:
    import pandas as pd
    import shap

    est = _final(d)
    steps = getattr(d.model, "steps", None)
    head = d.model[:-1] if steps and len(steps) > 1 else None
    Xt_train = head.transform(d.X_train) if head is not None else d.X_train
    Xt_test = d.Xt_test if d.Xt_test is not None else d.X_test
    names = list(d.feature_names) or [f"x{i}" for i in range(np.asarray(Xt_test).shape[1])]
    rng = np.random.default_rng(d.random_state or 0)
    Xe = np.asarray(Xt_test, dtype=float)
    Xe = Xe[rng.choice(len(Xe), size=min(200, len(Xe)), replace=False)]  # bounded cost on large data
    Xb = np.asarray(Xt_train, dtype=float)
    Xb = Xb[rng.choice(len(Xb), size=min(100, len(Xb)), replace=False)]
    if d.progress:
        d.progress(0.1, f"explaining {len(Xe)} rows")
    inner = getattr(est, "estimator_", est)
    try:
        explainer = shap.TreeExplainer(inner, data=None)
        values = explainer.shap_values(Xe, check_additivity=False)
    except Exception:  # not a tree model: model-agnostic, small background keeps it bounded
        if d.check_cancelled:
            d.check_cancelled()
        fn = est.predict_proba if d.problem_type == "classification" and hasattr(est, "predict_proba") else est.predict
        background = shap.kmeans(Xb, min(10, len(Xb))) if len(Xb) > 10 else Xb
        explainer = shap.KernelExplainer(lambda a: fn(pd.DataFrame(a, columns=names)) if _wants_frame(est) else fn(a),
                                         background)
        values = explainer.shap_values(Xe[:50], nsamples=100, silent=True)
        Xe = Xe[:50]
    values = np.asarray(values)
    if values.ndim == 3:  # (rows, features, classes) or (classes, rows, features)
        if values.shape[0] == len(Xe) and values.shape[1] == len(names):
            values = np.abs(values).mean(axis=2)
        else:
            values = np.abs(values).mean(axis=0)
    mean_abs = np.abs(values).mean(axis=0)
    order = np.argsort(mean_abs)[::-1][:15]
    fig, ax = _figure(6.8, max(3.2, 0.32 * len(order) + 1.4))
    for rank, j in enumerate(order[::-1]):
        col = Xe[:, j]
        span = np.ptp(col) or 1.0
        jitter = rng.normal(0, 0.08, size=len(col))
        ax.scatter(values[:, j], np.full(len(col), rank) + jitter, c=(col - col.min()) / span, cmap="coolwarm",
                   s=9, alpha=0.8)
    ax.set_yticks(range(len(order)), [str(names[j]) for j in order[::-1]])
    ax.axvline(0, color=GREY, lw=1)
    _style(ax, "SHAP summary", "SHAP value (impact on the prediction)")
    ax.grid(axis="y", alpha=0)
    return _png(fig)


def _wants_frame(est) -> bool:
    return hasattr(est, "feature_names_in_")


def partial_dependence_plot(d: EvalData) -> bytes:
    from sklearn.inspection import PartialDependenceDisplay

    found = _native_importance(d)
    raw = list(d.X_test.columns)
    numeric = [c for c in raw if np.issubdtype(d.X_test[c].dtype, np.number)]
    if found and set(found[0]) <= set(raw):
        names, values, _ = found
        ranked = [names[i] for i in np.argsort(values)[::-1] if names[i] in numeric]
    else:
        ranked = numeric
    features = ranked[:4] or numeric[:4]
    if not features:
        raise ValueError("Partial dependence needs numeric features.")
    X = d.X_test if len(d.X_test) <= 500 else d.X_test.sample(500, random_state=d.random_state or 0)
    kw = {}
    if d.problem_type == "classification" and len(_classes(d)) > 2:
        kw["target"] = _classes(d)[0]
    fig = Figure(figsize=(7.2, 4.8), dpi=100, layout="constrained")
    axes = [fig.add_subplot(2, 2, i + 1) for i in range(len(features))]
    PartialDependenceDisplay.from_estimator(d.model, X, features, ax=axes, grid_resolution=30, n_jobs=1, **kw)
    fig.suptitle("Partial dependence", fontsize=12, fontweight="bold", x=0.02, ha="left")
    return _png(fig)


def residuals_plot(d: EvalData) -> bytes:
    y, p = np.asarray(d.y_test, dtype=float), np.asarray(d.y_pred, dtype=float)
    fig, ax = _figure()
    ax.scatter(p, y - p, s=14, alpha=0.7, color=BLUE)
    ax.axhline(0, color=ORANGE, lw=1.5)
    _style(ax, "Residuals", "predicted", "actual − predicted")
    return _png(fig)


def prediction_vs_actual_plot(d: EvalData) -> bytes:
    y, p = np.asarray(d.y_test, dtype=float), np.asarray(d.y_pred, dtype=float)
    fig, ax = _figure(5.6, 5.0)
    ax.scatter(y, p, s=14, alpha=0.7, color=BLUE)
    lo, hi = float(min(y.min(), p.min())), float(max(y.max(), p.max()))
    ax.plot([lo, hi], [lo, hi], ls="--", color=ORANGE, lw=1.5, label="perfect")
    _style(ax, "Predicted vs actual", "actual", "predicted")
    ax.legend(fontsize=8)
    return _png(fig)


def cluster_scatter_plot(d: EvalData) -> bytes:
    from sklearn.decomposition import PCA

    X = np.asarray(d.Xt_test if d.Xt_test is not None else d.X_test, dtype=float)
    if X.shape[1] < 2:
        coords = np.column_stack([X[:, 0], np.zeros(len(X))])
    else:
        coords = PCA(n_components=2, random_state=d.random_state or 0).fit_transform(X)
    labels = np.asarray(d.y_pred)
    fig, ax = _figure()
    for lab in sorted(set(labels.tolist())):
        m = labels == lab
        ax.scatter(coords[m, 0], coords[m, 1], s=14, alpha=0.8, label="noise" if lab == -1 else f"cluster {lab}",
                   color=GREY if lab == -1 else None)
    _style(ax, "Clusters (2-D PCA)", "component 1", "component 2")
    if len(set(labels.tolist())) <= 12:
        ax.legend(fontsize=8, markerscale=1.5)
    return _png(fig)


def _plot(key, name, group, cost, problem_types, fn, **kw):
    return Plot(key=key, name=name, group=group, cost=cost, problem_types=problem_types, fn=fn, **kw)


PLOTS = {p.key: p for p in [
    _plot("confusion_matrix", "Confusion matrix", "performance", 1, CLS, confusion_matrix_plot,
          description="Where the model confuses classes."),
    _plot("roc_curve", "ROC curve", "performance", 1, CLS, roc_curve_plot, needs_proba=True,
          description="True vs false positive rate over every threshold."),
    _plot("precision_recall_curve", "Precision-recall curve", "performance", 1, CLS, precision_recall_plot,
          needs_proba=True, description="Precision vs recall over every threshold; telling on imbalanced data."),
    _plot("feature_importance", "Feature importance", "explainability", 2, BOTH, feature_importance_plot,
          description="Which features the model relies on (native, else permutation)."),
    _plot("learning_curve", "Learning curve", "performance", 5, BOTH, learning_curve_plot,
          description="Scores as the training set grows: more data, or a different model?"),
    _plot("shap_summary", "SHAP summary", "explainability", 8, BOTH, shap_summary_plot,
          description="How each feature pushes individual predictions (sampled: at most 200 rows)."),
    _plot("partial_dependence", "Partial dependence", "explainability", 3, BOTH, partial_dependence_plot,
          description="The average prediction as one feature varies."),
    _plot("residuals", "Residuals", "performance", 1, REG, residuals_plot,
          description="Errors against predictions; patterns mean something is missed."),
    _plot("prediction_vs_actual", "Predicted vs actual", "performance", 1, REG, prediction_vs_actual_plot,
          description="Points on the diagonal are perfect predictions."),
    _plot("cluster_scatter", "Cluster scatter", "performance", 1, CLU, cluster_scatter_plot,
          description="The clusters drawn on the two main directions of the data (PCA)."),
]}


def render_plot(key: str, data: EvalData) -> bytes:
    from plugins.registry import plots

    plot = plots().get(key)
    if plot is None:
        raise ValueError(f"Unknown plot {key!r}.")
    if data.problem_type not in plot.problem_types:
        raise ValueError(f"{plot.name} does not apply to {data.problem_type}.")
    return plot.fn(data)
