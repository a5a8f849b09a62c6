"""Shared plots, rendered to PNG with matplotlib's object API (no pyplot global state, so
concurrent renders in one process cannot draw into each other's figures).

Plot text (column names, class labels, titles) is drawn as written, never read as maths:
matplotlib parses text between two `$` as mathtext, so a column "$x$" would be drawn as
an italic x and one like "$\\frac{1}{$" would break the plot with the parser's text."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from plugins.base import EvalData, Plot, PlotError
from plugins.tables import label_text

CLS, REG, CLU = ("classification",), ("regression",), ("clustering",)
BOTH = ("classification", "regression")
BLUE, ORANGE, GREY = "#4f46e5", "#f97316", "#94a3b8"


def _new_figure(w, h):
    """A figure on its own Agg canvas. Without one, the layout pass measures every text on a
    throwaway renderer and the draw measures it all again on another; with one, the draw
    finds the layout's measures in matplotlib's cache (keyed by renderer): 7% of the three
    plots' time, the PNG byte for byte the same."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure  # here, not at the top: the web process reads this registry's
    # declarations and never draws (matplotlib is 26 MB it would hold for nothing)

    fig = Figure(figsize=(w, h), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _figure(w=6.4, h=4.6):
    fig = _new_figure(w, h)
    return fig, fig.add_subplot(1, 1, 1)


def _title(ax, title):
    """The plot's title over the axes. Its height is given (y=1): left to find it, matplotlib
    measures every tick label of the axes in case x ticks sit on top (ours never do), in the
    layout and again in the draw, 5-10 ms a plot for the same place."""
    ax.set_title(title, fontsize=12, fontweight="bold", loc="left", y=1.0)


def _png(fig) -> bytes:
    """The figure as PNG, laid out once. Saved with its layout engine on, matplotlib draws
    it twice (a hidden draw to lay it out, then the real one): a third of the three plots'
    time in a classification run (0.40-0.47 s -> 0.23-0.25 s without any layout). The
    layout is worked out first, then the engine is set aside for the one draw: the PNG is
    the same, byte for byte (checked on every plot, tests/test_plot_text.py)."""
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
        fig.set_layout_engine(None)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", facecolor="white", pil_kwargs=PNG_OPTIONS)
    return buf.getvalue()


# zlib's fastest level: a plot's PNG is written in a third of the time (3 ms, not 10, for a
# 640x680 chart), 5-30% larger (19-117 KB for the 14 plots), the pixels the same
PNG_OPTIONS = {"compress_level": 1}


LABEL_CHARS = 28  # a tick or legend label longer than this is cut ("…"): penguins-raw's one-hot
# 'Comments_Adult not sampled. Nest never observed with full clutch.' squeezed the bars
# to a sliver and pushed the title past the figure's edge


def _label(value) -> str:
    """Cut in the middle: a one-hot name keeps its column and the end of its value."""
    text = str(value)
    if len(text) <= LABEL_CHARS:
        return text
    tail = (LABEL_CHARS - 1) // 2
    return text[:LABEL_CHARS - 1 - tail] + "…" + text[-tail:]


def _style(ax, title, xlabel="", ylabel=""):
    _title(ax, title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    # numbers written in full on the ticks: matplotlib's "1e-5" multiplier sits at the top left of
    # the axes, under the title, where a new user could not read it and took residuals of 2e-5 for ±4
    for axis in ("x", "y"):
        try:
            ax.ticklabel_format(axis=axis, style="plain", useOffset=False)
        except AttributeError:  # not a number axis (names, dates)
            pass
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
    raise PlotError("This model gives no probabilities or scores to draw the curve from.")


def curve_scores(d: EvalData):
    """(class, binary truth, score) for each class the ROC and precision-recall curves draw:
    the positive class only when binary (the metrics' own, plugins.evaluators.model_positive),
    one-vs-rest for each class with test rows when multiclass (at most 10)."""
    from plugins.evaluators import model_positive, positive_scores

    classes, s, y = _classes(d), _scores(d), np.asarray(d.y_test)
    if len(set(y.tolist())) < 2:
        raise PlotError("The test rows hold a single class; a curve needs both.")
    if len(classes) == 2:
        positive = model_positive(d)
        return [(positive, y == positive, positive_scores(s, classes, positive))]
    return [(c, y == c, s[:, i]) for i, c in enumerate(classes) if (y == c).any()][:10]


def confusion_matrix_plot(d: EvalData) -> bytes:
    from sklearn.metrics import confusion_matrix

    from plugins.evaluators import all_labels

    labels = all_labels(d)  # every test row counts, a class the training rows never had too
    m = confusion_matrix(d.y_test, d.y_pred, labels=labels)
    fig, ax = _figure(5.6, 4.8)
    im = ax.imshow(m, cmap="Blues")
    fig.colorbar(im, ax=ax, shrink=0.8)
    ticks = range(len(labels))
    shown = [_label(label_text(x, quote=False)) for x in labels]
    # side by side under the columns, names longer than a cell overlap: slanted, they do not
    slant = len(labels) > 6 or max(map(len, shown)) * len(labels) > 24
    ax.set_xticks(list(ticks), shown, rotation=45 if slant else 0, ha="right" if slant else "center",
                  rotation_mode="anchor")
    ax.set_yticks(list(ticks), shown)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, str(m[i, j]), ha="center", va="center", fontsize=9,
                    color="white" if m[i, j] > m.max() / 2 else "black")
    _title(ax, "Confusion matrix")
    ax.set_xlabel("Predicted")
    ax.set_ylabel("True")
    return _png(fig)


def roc_curve_plot(d: EvalData) -> bytes:
    from sklearn.metrics import roc_auc_score, roc_curve

    fig, ax = _figure()
    curves = curve_scores(d)
    aucs = []
    for cls, truth, score in curves:
        fpr, tpr, _ = roc_curve(truth, score)
        aucs.append(float(roc_auc_score(truth, score)))  # the metric's own definition (evaluators.ovr_auc)
        ax.plot(fpr, tpr, lw=2, label=f"{_label(label_text(cls, quote=False))} (AUC {aucs[-1]:.3f})")
    ax.plot([0, 1], [0, 1], ls="--", color=GREY, lw=1, label="chance")
    every_class = len(curves) == len(_classes(d))
    title = (f"ROC curve, positive class: {label_text(curves[0][0], quote=False)}" if len(curves) == 1 else
             f"ROC curves, one vs rest (macro AUC {np.mean(aucs):.3f})" if every_class else "ROC curves, one vs rest")
    _style(ax, title, "False positive rate", "True positive rate")
    ax.legend(loc="lower right", fontsize=8)
    return _png(fig)


def precision_recall_plot(d: EvalData) -> bytes:
    from sklearn.metrics import average_precision_score, precision_recall_curve

    fig, ax = _figure()
    curves = curve_scores(d)
    for cls, truth, score in curves:
        p, r, _ = precision_recall_curve(truth, score)
        ax.plot(r, p, lw=2, label=f"{_label(label_text(cls, quote=False))} (AP {average_precision_score(truth, score):.3f})")
    _style(ax, f"Precision-recall curve, positive class: {label_text(curves[0][0], quote=False)}" if len(curves) == 1
           else "Precision-recall curves, one vs rest", "Recall", "Precision")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower left", fontsize=8)
    return _png(fig)


def _final(d: EvalData):
    steps = getattr(d.model, "steps", None)
    return steps[-1][1] if steps else d.model


def _head(d: EvalData):
    """The learned preprocessing in front of the estimator, or None for a bare model."""
    steps = getattr(d.model, "steps", None)
    return d.model[:-1] if steps and len(steps) > 1 else None


def _take(a, idx):
    """Rows `idx` (positions) of a frame, series or array."""
    return a.iloc[idx] if hasattr(a, "iloc") else np.asarray(a)[idx]


def _sample_idx(n: int, limit: int, seed) -> np.ndarray:
    """At most `limit` row positions, fixed by the seed so a plot is reproducible."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed or 0).choice(n, size=limit, replace=False))


def _native_importance(d: EvalData):
    est = _final(d)
    names = list(d.feature_names)
    values = getattr(est, "feature_importances_", None)  # read once: a forest works it out on each read
    if values is not None:
        values = np.asarray(values, dtype=float)
    elif hasattr(est, "coef_"):
        coef = np.asarray(est.coef_, dtype=float)
        if hasattr(coef, "toarray"):
            coef = coef.toarray()
        values = np.abs(coef).mean(axis=0) if coef.ndim == 2 else np.abs(coef)
        if values is not None and len(values) == len(names):
            return names, values, "coefficient"
    if values is None or len(values) != len(names):
        return None
    return names, values, "native"


def _permutation_importance(d: EvalData, limit=500, repeats=5):
    """Permutation importance of the whole pipeline on (a sample of) the test rows, so the
    names are the raw columns. Bounded: at most `limit` rows, `repeats` shuffles."""
    from sklearn.inspection import permutation_importance

    idx = _sample_idx(len(d.X_test), limit, d.random_state)
    X, y = _take(d.X_test, idx), _take(d.y_test, idx)
    r = permutation_importance(d.model, X, y, n_repeats=repeats, random_state=d.random_state or 0, n_jobs=1)
    names = list(getattr(X, "columns", [f"x{i}" for i in range(np.shape(X)[1])]))
    return names, np.asarray(r.importances_mean, dtype=float), "permutation"


def feature_importance_plot(d: EvalData) -> bytes:
    if d.y_test is None:
        raise PlotError("Feature importance needs a target column.")
    names, values, kind = _native_importance(d) or _permutation_importance(d)
    order = np.argsort(values)[::-1][:20][::-1]  # top 20, largest at the top of the chart
    fig, ax = _figure(6.4, max(3.0, 0.28 * len(order) + 1.2))
    ax.barh(range(len(order)), values[order], color=BLUE)  # by position: two names cut alike stay two bars
    ax.set_yticks(range(len(order)), [_label(names[i]) for i in order])
    # a coefficient's size depends on its feature's units: comparable only on one scale
    title = {"permutation": "Feature importance (permutation)",
             "coefficient": "Feature importance (|coefficient|)"}.get(kind, "Feature importance")
    xlabel = {"native": "importance", "permutation": "mean score drop when the feature is shuffled",
              # on two lines: centred under axes that long feature names push right, one line
              # ran past the figure's edge (constrained layout does not move an x label)
              "coefficient": "|coefficient|\n(comparable only if the features share one scale)"}[kind]
    _style(ax, title, xlabel)
    ax.grid(axis="y", alpha=0)
    return _png(fig)


def learning_curve_plot(d: EvalData) -> bytes:
    """Train and validation scores at 5 training sizes over 3 folds (15 fits of a clone of
    the whole pipeline). The loop is ours rather than sklearn's learning_curve so progress
    is reported, and cancellation honoured, between fits."""
    from sklearn.base import clone
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold

    X, y = d.X_train, d.y_train
    if X is None or y is None:
        raise PlotError("A learning curve needs the training rows and a target column.")
    n = len(X)
    if n < 30:
        raise PlotError(f"A learning curve needs at least 30 training rows; there are {n}.")
    classification = d.problem_type == "classification"
    seed = d.random_state or 0
    y_arr = np.asarray(y)
    folds = KFold(3, shuffle=True, random_state=seed)
    if classification and np.unique(y_arr, return_counts=True)[1].min() >= 3:
        folds = StratifiedKFold(3, shuffle=True, random_state=seed)
    groups = None
    if d.groups_train is not None:  # rows of one group kept together: each group in one fold
        groups = np.asarray(d.groups_train)
        if len(np.unique(groups)) < 3:
            raise PlotError("A learning curve keeps each group's rows in one of 3 folds; the training rows hold "
                            f"{len(np.unique(groups))} group(s).")
        folds = GroupKFold(3, shuffle=True, random_state=seed)
    metric = "accuracy" if classification else "r2"
    scorer = get_scorer(metric)
    fractions = np.linspace(0.2, 1.0, 5)
    train = np.full((len(fractions), 3), np.nan)
    valid = np.full((len(fractions), 3), np.nan)
    sizes = np.zeros(len(fractions))
    rng = np.random.default_rng(seed)
    done, total = 0, len(fractions) * 3
    for f, (tr, va) in enumerate(folds.split(X, y_arr if classification else None, groups)):
        tr = rng.permutation(tr)
        for i, frac in enumerate(fractions):
            if d.check_cancelled:
                d.check_cancelled()
            part = tr[: max(2, int(round(frac * len(tr))))]
            sizes[i] = len(part)
            # a small slice may hold a single class, which most classifiers refuse: skip it
            if not classification or len(np.unique(y_arr[part])) >= 2:
                model = clone(d.model).fit(_take(X, part), _take(y, part))
                train[i, f] = scorer(model, _take(X, part), _take(y, part))
                valid[i, f] = scorer(model, _take(X, va), _take(y, va))
            done += 1
            if d.progress:
                d.progress(done / total, f"learning curve: fit {done}/{total}")
    if np.isnan(valid).all():
        raise PlotError("No training slice held two classes, so no learning curve could be drawn.")
    fig, ax = _figure()
    for scores, label, colour in ((train, "training", BLUE), (valid, "validation", ORANGE)):
        mean, std = np.nanmean(scores, axis=1), np.nanstd(scores, axis=1)
        ax.plot(sizes, mean, "o-", color=colour, label=label)
        ax.fill_between(sizes, mean - std, mean + std, color=colour, alpha=0.15)
    _style(ax, "Learning curve (3-fold)", "training rows", "accuracy" if classification else "R²")
    ax.legend(fontsize=8)
    return _png(fig)


def _as_model_input(est, a, names):
    """Estimators fitted on a frame warn (or fail) on bare arrays: give them a frame."""
    if hasattr(est, "feature_names_in_"):
        import pandas as pd

        return pd.DataFrame(a, columns=list(est.feature_names_in_))
    return a


def _in_chunks(d: EvalData, explain, Xe, chunks: int = 10):
    """Exact SHAP values row block by row block (each row's values do not depend on the
    others): progress and cancellation between blocks. A deep forest on a large table took
    57 s for 200 rows in one silent call."""
    parts = []
    blocks = [b for b in np.array_split(np.arange(len(Xe)), min(chunks, max(1, len(Xe)))) if len(b)]
    for i, rows in enumerate(blocks):
        if d.check_cancelled:
            d.check_cancelled()
        parts.append(explain(Xe[rows]))
        if d.progress:
            d.progress(0.1 + 0.8 * (i + 1) / len(blocks), f"explained {rows[-1] + 1} of {len(Xe)} rows")
    if isinstance(parts[0], list):  # older shap: one array per output
        return [np.concatenate([p[k] for p in parts], axis=0) for k in range(len(parts[0]))]
    return np.concatenate(parts, axis=0)


def _shap_values(d: EvalData, est, Xe, Xb, names):
    """SHAP values of the final estimator on the transformed rows Xe: (rows, features) or
    (rows, features, outputs), and the rows they explain. Tree models get the exact
    TreeExplainer, linear ones the LinearExplainer; anything else a KernelExplainer over
    probabilities/scores with a 10-point summary of the background, on at most 50 rows."""
    import shap

    from plugins.models._common import EncodedLabelClassifier

    # the XGBoost model inside our label wrapper; a forest's own `estimator_` is its
    # unfitted template tree, never what to explain
    inner = est.estimator_ if isinstance(est, EncodedLabelClassifier) else est
    try:
        explainer = shap.TreeExplainer(inner)
    except Exception:  # shap raises its own InvalidModelError for non-tree models
        explainer = None
    if explainer is not None:
        return _in_chunks(d, lambda rows: explainer.shap_values(_as_model_input(inner, rows, names),
                                                                check_additivity=False), Xe), Xe, "tree"
    # linear models (coef_ and intercept_, not a kernel SVM's support vectors): exact and fast
    if hasattr(est, "coef_") and hasattr(est, "intercept_") and not hasattr(est, "support_vectors_"):
        try:
            return shap.LinearExplainer(est, Xb).shap_values(Xe), Xe, "linear"
        except Exception:  # e.g. an unusual coef_ shape: fall through to the kernel
            pass
    if d.check_cancelled:
        d.check_cancelled()
    if d.problem_type == "classification":
        fn = est.predict_proba if hasattr(est, "predict_proba") else est.decision_function
    else:
        fn = est.predict
    background = shap.kmeans(Xb, 10) if len(Xb) > 10 else Xb
    explainer = shap.KernelExplainer(lambda a: np.asarray(fn(_as_model_input(est, a, names))), background)
    Xe = Xe[:50]
    nsamples = min(500, 2 * Xe.shape[1] + 100)
    return explainer.shap_values(Xe, nsamples=nsamples, silent=True), Xe, "kernel"


def shap_explanation(d: EvalData) -> dict:
    """SHAP values for (a sample of) the test rows: {"values", "rows" (the explained,
    transformed rows), "names", "explainer" (tree | linear | kernel), "n_test"}."""
    from plugins.evaluators import dense

    est, head = _final(d), _head(d)
    Xt_test = d.Xt_test if d.Xt_test is not None else (head.transform(d.X_test) if head is not None else d.X_test)
    Xt_train = head.transform(d.X_train) if head is not None else d.X_train
    Xe, Xb = dense(Xt_test), dense(Xt_train)
    names = list(d.feature_names)
    if len(names) != Xe.shape[1]:
        names = [f"x{i}" for i in range(Xe.shape[1])]
    # bounded cost on large data: explain at most 200 rows against at most 100 background rows
    Xe = Xe[_sample_idx(len(Xe), 200, d.random_state)]
    Xb = Xb[_sample_idx(len(Xb), 100, d.random_state)]
    n_test = len(Xt_test)
    if d.progress:
        d.progress(0.1, f"explaining {len(Xe)} rows")
    values, Xe, kind = _shap_values(d, est, Xe, Xb, names)
    if isinstance(values, list):  # older shap: one array per output
        values = np.stack(values, axis=-1)
    return {"values": np.asarray(values, dtype=float), "rows": Xe, "names": names, "explainer": kind,
            "n_test": n_test}


def shap_summary_plot(d: EvalData) -> bytes:
    found = shap_explanation(d)
    values, Xe, names = found["values"], found["rows"], found["names"]
    classes = _classes(d) if d.problem_type == "classification" else []
    sample = (f"{len(Xe):,} of {found['n_test']:,} test rows" if len(Xe) < found["n_test"]
              else f"all {len(Xe):,} test rows")
    title = f"SHAP summary · {sample}"
    if len(classes) == 2:  # the positive class, as the metrics
        from plugins.evaluators import model_positive

        positive = model_positive(d)
        if values.ndim == 3 and values.shape[2] == 2:  # one column of values per class
            values = values[:, :, classes.index(positive)]
        elif values.ndim == 2 and positive == classes[0]:
            # one output, the second class's log-odds or decision score: the first's is its negative
            values = -values
        title += f" (class {label_text(positive, quote=False)})"
    elif values.ndim == 3 and values.shape[2] == 2:
        values = values[:, :, 1]
    if d.progress:
        d.progress(0.9, "drawing")
    if values.ndim == 3:
        return _shap_multiclass_bars(values, names, classes, sample)
    mean_abs = np.abs(values).mean(axis=0)
    order = np.argsort(mean_abs)[::-1][:15]
    rng = np.random.default_rng(d.random_state or 0)
    fig, ax = _figure(6.8, max(3.2, 0.32 * len(order) + 1.4))
    points = None
    for rank, j in enumerate(order[::-1]):
        col = Xe[:, j]
        span = float(np.ptp(col)) or 1.0
        jitter = rng.normal(0, 0.08, size=len(col))
        points = ax.scatter(values[:, j], np.full(len(col), rank) + jitter, c=(col - col.min()) / span,
                            cmap="coolwarm", vmin=0, vmax=1, s=9, alpha=0.8)
    ax.set_yticks(range(len(order)), [_label(names[j]) for j in order[::-1]])
    ax.axvline(0, color=GREY, lw=1)
    if points is not None:
        bar = fig.colorbar(points, ax=ax, shrink=0.8, ticks=[0, 1])
        bar.ax.set_yticklabels(["low", "high"])
        bar.set_label("feature value")
    _style(ax, title, "SHAP value (impact on the prediction)")
    ax.grid(axis="y", alpha=0)
    return _png(fig)


def _shap_multiclass_bars(values, names, classes, sample="") -> bytes:
    """Multiclass: mean |SHAP| per feature, stacked by class (a beeswarm per class would
    need one chart per class)."""
    per_class = np.abs(values).mean(axis=0)  # (features, classes)
    order = np.argsort(per_class.sum(axis=1))[::-1][:15][::-1]
    fig, ax = _figure(6.8, max(3.2, 0.32 * len(order) + 1.4))
    left = np.zeros(len(order))
    labels = classes if len(classes) == per_class.shape[1] else list(range(per_class.shape[1]))
    for k in range(per_class.shape[1]):
        ax.barh(range(len(order)), per_class[order, k], left=left, label=_label(label_text(labels[k], quote=False)))
        left += per_class[order, k]
    ax.set_yticks(range(len(order)), [_label(names[j]) for j in order])
    _style(ax, "SHAP: mean |impact| per class" + (f" · {sample}" if sample else ""), "mean |SHAP value|")
    ax.grid(axis="y", alpha=0)
    ax.legend(fontsize=8, title="class", loc="lower right")
    return _png(fig)


def _raw_source(name: str, raw: list):
    """The raw column a transformed feature comes from: itself, `prefix__col`, or a one-hot
    `col_value` (scikit-learn) / `col=value` (ours); the longest match wins so `age` does
    not claim `age_group`."""
    name = name.split("__", 1)[-1]
    best = None
    for col in raw:
        if name == col or name.startswith((f"{col}_", f"{col}=")):
            if best is None or len(col) > len(best):
                best = col
    return best


def _top_raw_numeric(d: EvalData, k: int = 4) -> list:
    """The k most important numeric raw columns of the whole pipeline: native importances
    summed back onto raw columns when the names allow, else permutation importance."""
    raw = list(d.X_test.columns)
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    # pandas' own test: numpy's issubdtype chokes on extension dtypes (string, Int64)
    numeric = [c for c in raw if is_numeric_dtype(d.X_test[c]) and not is_bool_dtype(d.X_test[c])]
    if not numeric:
        raise PlotError("Partial dependence needs at least one numeric feature.")
    score = dict.fromkeys(numeric, 0.0)
    found = _native_importance(d)
    mapped = False
    if found:
        for name, value in zip(found[0], found[1], strict=True):
            col = _raw_source(str(name), raw)
            if col in score:
                score[col] += float(value)
                mapped = True
    if not mapped and d.y_test is not None:
        names, values, _ = _permutation_importance(d, limit=200, repeats=3)
        score.update({n: float(v) for n, v in zip(names, values, strict=True) if n in score})
    return sorted(numeric, key=lambda c: -score[c])[:k]


def _positive_last(model, classes: list, positive):
    """A fitted two-class model as scikit-learn's binary convention reads it (the last class
    is the positive one): itself, or seen with its two classes swapped when the positive
    class is the first."""
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.utils.metaestimators import available_if

    if positive != classes[0]:
        return model

    class PositiveLast(ClassifierMixin, BaseEstimator):
        def __sklearn_is_fitted__(self):
            return True

        def fit(self, X, y=None):  # already fitted; scikit-learn wants an estimator to have fit
            return self

        @property
        def classes_(self):
            return np.asarray(classes[::-1], dtype=object)

        def predict(self, X):
            return model.predict(X)

        @available_if(lambda self: hasattr(model, "predict_proba"))
        def predict_proba(self, X):
            return np.asarray(model.predict_proba(X))[:, ::-1]

        @available_if(lambda self: hasattr(model, "decision_function"))
        def decision_function(self, X):
            return -np.asarray(model.decision_function(X))

    return PositiveLast()


def partial_dependence_plot(d: EvalData) -> bytes:
    from sklearn.inspection import PartialDependenceDisplay

    if not hasattr(d.X_test, "columns"):
        raise PlotError("Partial dependence needs the raw feature table.")
    features = _top_raw_numeric(d)
    idx = _sample_idx(len(d.X_test), 500, d.random_state)
    X = d.X_test.iloc[idx].copy()
    for c in features:  # scikit-learn refuses integer feature columns for partial dependence
        if pd.api.types.is_integer_dtype(X[c]):
            X[c] = X[c].astype(float)
    kw, model, named = {}, d.model, None
    if d.problem_type == "classification":
        classes = _classes(d)
        if len(classes) > 2:
            kw["target"] = named = classes[0]  # multiclass: one class's probability, named in the title
        elif len(classes) == 2:  # the positive class's probability (or score), as the metrics
            from plugins.evaluators import model_positive

            named = model_positive(d)
            model = _positive_last(d.model, classes, named)
    fig = _new_figure(7.2, 4.8 if len(features) > 2 else 3.4)
    cols = 2 if len(features) > 1 else 1
    rows = (len(features) + 1) // 2
    axes = [fig.add_subplot(rows, cols, i + 1) for i in range(len(features))]
    for k, feature in enumerate(features):  # one at a time: progress per feature, cancellable between
        if d.check_cancelled:
            d.check_cancelled()
        PartialDependenceDisplay.from_estimator(model, X, [feature], ax=axes[k], grid_resolution=30, n_jobs=1,
                                                **kw)
        if d.progress:
            d.progress((k + 1) / len(features), f"feature {k + 1} of {len(features)}")
    title = "Partial dependence" + (f" (class {label_text(named, quote=False)})" if named is not None else "")
    fig.suptitle(title, fontsize=12, fontweight="bold", x=0.02, ha="left")
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

    from plugins.evaluators import dense

    X = dense(d.Xt_test if d.Xt_test is not None else d.X_test)
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
          description="Which features the model relies on: the model's own importances or coefficient "
                      "sizes, else permutation importance on up to 500 test rows. Top 20."),
    _plot("learning_curve", "Learning curve", "performance", 5, BOTH, learning_curve_plot,
          description="Scores at 5 training sizes over 3 folds: more data, or a different model?"),
    _plot("shap_summary", "SHAP summary", "explainability", 8, BOTH, shap_summary_plot,
          description="How each feature pushes individual predictions (sampled: at most 200 rows, 50 for "
                      "models without a fast explainer). Multiclass: mean impact per class."),
    _plot("partial_dependence", "Partial dependence", "explainability", 3, BOTH, partial_dependence_plot,
          description="The average prediction as each of the 4 most important numeric features varies "
                      "(two classes: the positive class's probability; multiclass: the first class's)."),
    _plot("residuals", "Residuals", "performance", 1, REG, residuals_plot,
          description="Errors against predictions; patterns mean something is missed."),
    _plot("prediction_vs_actual", "Predicted vs actual", "performance", 1, REG, prediction_vs_actual_plot,
          description="Points on the diagonal are perfect predictions."),
    _plot("cluster_scatter", "Cluster scatter", "performance", 1, CLU, cluster_scatter_plot,
          description="The clusters drawn on the two main directions of the data (PCA)."),
]}


PLUGINS = list(PLOTS.values())  # registered like any plugin's (plugins.registry)


def save_plot(fn, data: EvalData, path, name: str = "") -> bool:
    """An exported script's plot: drawn by `fn` and written to `path` (a PNG), or why it
    could not be drawn said, as the run says it."""
    import sys

    try:
        png = fn(data)
    except Exception as e:  # noqa: BLE001 - one plot that cannot be drawn leaves the others
        print(f"{name or path}: not drawn: {e}", file=sys.stderr)
        return False
    with open(path, "wb") as f:
        f.write(png)
    return True


def render_plot(key: str, data: EvalData) -> bytes:
    from plugins.registry import plots

    plot = plots().get(key)
    if plot is None:
        raise PlotError(f"Unknown plot {key!r}.")
    if data.problem_type not in plot.problem_types:
        raise PlotError(f"{plot.name} does not apply to {data.problem_type}.")
    import matplotlib

    # set for the process, not in an rc_context that a concurrent render could restore midway:
    # every text a plot draws (ticks and legends are made while saving) is the user's data
    matplotlib.rcParams["text.parse_math"] = False
    return plot.fn(data)
