"""Shared metrics. Plugins name the ones they support by key; these keys are a contract.

Averaging: f1, precision and recall are binary with two classes, of the positive class the
workflow settled (the Dataset node's choice, else the minority class: `positive_label`), and
macro-averaged with more; roc_auc (and the ROC and precision-recall curves) rank the positive
class's scores, one-vs-rest macro for multiclass. Every value returned is plain JSON (floats,
lists, dicts), never numpy types.
"""

from __future__ import annotations

import numpy as np
from sklearn import metrics as skm

from plugins.base import EvalData, Metric
from plugins.guards import percent
from plugins.tables import label_text, minority_class, sorted_labels

CLS, REG, CLU = ("classification",), ("regression",), ("clustering",)

# Older workflows and API clients use scikit-learn's function names; they map to the one
# spelling stored and shown everywhere.
METRIC_ALIASES = {"f1_score": "f1", "r2_score": "r2", "precision_score": "precision",
                  "recall_score": "recall", "accuracy_score": "accuracy"}


def normalize_metric_key(key: str) -> str:
    return METRIC_ALIASES.get(key, key)


def dense(X):
    """Features as a float numpy array; a sparse matrix (one-hot output) is densified,
    which the clustering metrics and PCA need."""
    if hasattr(X, "toarray"):
        X = X.toarray()
    return np.asarray(X, dtype=float)


def model_name(model) -> str:
    """A short name for the final estimator, for messages ("DBSCAN found 1 cluster")."""
    steps = getattr(model, "steps", None)
    est = steps[-1][1] if steps else model
    if est is None:
        return "the model"
    name = type(est).__name__
    for suffix in ("Predictor", "LabelClassifier"):
        name = name.removesuffix(suffix)
    return name or "the model"


def _plain(value):
    """numpy scalars/arrays and nested containers to JSON-able Python."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _classes(d: EvalData):
    """The classes the model knows (its columns of scores)."""
    if d.classes is not None:
        return list(d.classes)
    return all_labels(d)


def all_labels(d: EvalData) -> list:
    """Every label of the test rows and the predictions, with the model's classes: a test
    row of a class the training rows never had still counts."""
    return sorted_labels(set(np.asarray(d.y_test).tolist()) | set(np.asarray(d.y_pred).tolist())
                         | set(d.classes or []))


def class_rows(d: EvalData, labels: list) -> dict:
    """How many rows (training and test) each label has."""
    rows = np.concatenate([np.asarray(y).ravel() for y in (d.y_train, d.y_test) if y is not None] or [[]])
    return {label: int(np.sum(rows == label)) for label in labels}


def positive_label(d: EvalData):
    """The class binary metrics are about when two labels are in play, else None: the one
    the run settled (the Dataset node's choice, or the minority class of its table), and
    without one the same automatic rule on the rows at hand (plugins.tables.minority_class)."""
    labels = all_labels(d)
    if len(labels) != 2:
        return None
    if d.positive_class is not None:
        return d.positive_class
    return minority_class(class_rows(d, labels))


def model_positive(d: EvalData):
    """The positive class among a two-class model's classes, for its scores (ROC AUC, the
    curves, SHAP, partial dependence): the metrics' (positive_label), or, for a model that
    knows two classes of a target with more (the test rows hold a class it never saw),
    scikit-learn's convention, the second. None when the model knows more or fewer."""
    classes = _classes(d)
    if len(classes) != 2:
        return None
    positive = positive_label(d)
    return positive if positive in classes else classes[1]


def positive_scores(scores, classes: list, positive):
    """The positive class's column of scores; a single column of decision scores is the
    second class's (scikit-learn's convention), so the first class's is its negative."""
    scores = np.asarray(scores)
    if scores.ndim == 2:
        return scores[:, classes.index(positive)]
    return scores if positive == classes[1] else -scores


def unseen_in_training(d: EvalData) -> list:
    known = set(_classes(d))
    return [c for c in all_labels(d) if c not in known]


def _avg(d: EvalData) -> dict:
    """Binary (of the positive class) when two labels are in play; otherwise the macro mean
    over the labels of the test rows and the predictions (a class the model knows but that
    neither holds does not count as a zero)."""
    positive = positive_label(d)
    if positive is not None:
        return {"average": "binary", "pos_label": positive}
    return {"average": "macro"}


def scoring_facts(d: EvalData) -> dict:
    """What the scores cover, as the metric functions above decide it, recorded with the
    results so that every view can say what a number is without recomputing it: the test
    rows; for classification the labels in play, the class averaging (binary of a positive
    class, or macro), what the ranking metrics (ROC AUC) are over, and with two classes how
    many rows each has (`class_rows`: [[label, rows], ...]; the positive class is the rarer
    one unless the user chose the other)."""
    facts: dict = {"test_rows": int(len(d.y_pred)) if d.y_pred is not None else 0}
    if d.problem_type == "clustering":
        facts["noise_points"] = int(np.sum(np.asarray(d.y_pred) == -1))
    if d.problem_type != "classification" or d.y_test is None:
        return facts
    avg, classes, labels = _avg(d), _classes(d), all_labels(d)
    positive = avg.get("pos_label")
    # the labels a macro mean is over: those of the test rows and the predictions (_avg)
    averaged = len(set(np.asarray(d.y_test).tolist()) | set(np.asarray(d.y_pred).tolist()))
    facts.update(labels=_plain(labels), averaged_labels=averaged, average=avg["average"],
                 positive_class=_plain(positive),
                 ranking={"average": "binary", "positive_class": _plain(model_positive(d))} if len(classes) == 2
                 else {"average": "ovr_macro", "classes": len(classes)})
    if positive is not None:
        facts["class_rows"] = _plain([[label, n] for label, n in class_rows(d, labels).items()])
    return facts


def describe_metric(metric, facts: dict) -> str:
    """A metric as the results name it, from the facts its run recorded: "F1 score, macro
    over 3 classes", "F1 score, positive class: yes", "ROC AUC, one-vs-rest macro over 3
    classes", "R², on 89 test rows"."""
    name, rows = metric.name, facts.get("test_rows")
    if metric.averaging == "classes" and facts.get("average"):
        if facts["average"] == "binary":
            return f"{name}, positive class: {facts['positive_class']}"
        known = len(facts.get("labels") or [])
        over = facts.get("averaged_labels", known)
        if over < known:  # a class no test row holds and the model never predicted is not in the mean
            return (f"{name}, macro over the {over} of {known} classes that the test rows hold or the model "
                    "predicted")
        return f"{name}, macro over {over} classes"
    ranking = facts.get("ranking") or {}
    if metric.averaging == "one_vs_rest" and ranking:
        if ranking["average"] == "binary":
            return f"{name}, positive class: {ranking['positive_class']}"
        return f"{name}, one-vs-rest macro over {ranking['classes']} classes"
    if rows is None:
        return name
    if "noise_points" in facts:
        return f"{name}, on {rows:,} test points"
    return f"{name}, on {rows:,} test rows"


def _need_known_classes(d: EvalData, metric: str) -> None:
    unseen = unseen_in_training(d)
    if unseen:
        shown = ", ".join(label_text(c) for c in unseen[:3])
        raise ValueError(f"{metric} cannot be computed: the test rows include class {shown}, which the training "
                         "rows never had, so the model gives it no score.")


def ovr_auc(y_true, scores, classes) -> tuple[float, list]:
    """One-vs-rest ROC AUC of each class on that class's own score column, and their
    macro mean: the one definition behind the metric and the ROC plot. For probabilities it
    equals scikit-learn's roc_auc_score(multi_class="ovr", average="macro"); decision
    scores (SVM) are used as they are, not squashed by a softmax."""
    y = np.asarray(y_true)
    per_class = [float(skm.roc_auc_score(y == c, scores[:, i])) for i, c in enumerate(classes)]
    return float(np.mean(per_class)), per_class


def _scores(d: EvalData):
    """Probabilities, or decision scores for models without predict_proba."""
    if d.y_proba is not None:
        return np.asarray(d.y_proba)
    model = d.model
    if model is not None and hasattr(model, "decision_function"):
        s = np.asarray(model.decision_function(d.X_test))
        return s
    raise ValueError("This model gives no probabilities or scores, so the metric cannot be computed.")


def _roc_auc(d: EvalData):
    classes = _classes(d)
    _need_known_classes(d, "ROC AUC")
    present = set(np.asarray(d.y_test).tolist())
    if len(present) < 2:
        raise ValueError("ROC AUC cannot be computed: the test rows hold a single class, and ranking needs two.")
    s = _scores(d)
    if len(classes) == 2:
        positive = model_positive(d)
        return float(skm.roc_auc_score(np.asarray(d.y_test) == positive, positive_scores(s, classes, positive)))
    if s.ndim != 2 or s.shape[1] != len(classes):
        raise ValueError("Multiclass ROC AUC cannot be computed: the model gives no score per class.")
    missing = [c for c in classes if c not in present]
    if missing:
        raise ValueError(f"ROC AUC cannot be computed: class {label_text(missing[0])} has no test row, so its curve has no "
                         "positives.")
    return ovr_auc(d.y_test, s, classes)[0]


def roc_points(d: EvalData, max_points: int = 200) -> dict | None:
    """The ROC curve of a two-class model on the test rows (of the positive class, as for
    the metric), thinned to at most `max_points` for drawing several models together; None
    when it cannot be drawn (more classes, one class in the test rows, no scores)."""
    classes, positive = _classes(d), model_positive(d)
    if len(classes) != 2 or len(set(np.asarray(d.y_test).tolist())) < 2:
        return None
    try:
        s = _scores(d)
    except ValueError:
        return None
    pos = positive_scores(s, classes, positive)
    truth = np.asarray(d.y_test) == positive
    fpr, tpr, _ = skm.roc_curve(truth, pos)
    if len(fpr) > max_points:  # keep the ends; even steps between
        keep = np.unique(np.linspace(0, len(fpr) - 1, max_points).round().astype(int))
        fpr, tpr = fpr[keep], tpr[keep]
    return {"fpr": [round(float(v), 5) for v in fpr], "tpr": [round(float(v), 5) for v in tpr],
            "auc": float(skm.roc_auc_score(truth, pos)), "positive": _plain(positive)}


def _log_loss(d: EvalData):
    if d.y_proba is None:
        raise ValueError("Log loss cannot be computed: this model gives no probabilities.")
    _need_known_classes(d, "Log loss")
    return float(skm.log_loss(d.y_test, d.y_proba, labels=_classes(d)))


def _confusion(d: EvalData):
    labels = all_labels(d)
    m = skm.confusion_matrix(d.y_test, d.y_pred, labels=labels)
    return {"labels": _plain(labels), "matrix": _plain(m)}


def _report(d: EvalData):
    # scikit-learn's own labels (test rows and predictions) count every test row; its macro
    # average then matches the F1 metric
    return _plain(skm.classification_report(d.y_test, d.y_pred, output_dict=True, zero_division=0))


def _mape(d: EvalData):
    y = np.asarray(d.y_test, dtype=float)
    if np.any(y == 0):
        raise ValueError("MAPE is undefined when a true value is 0; use MAE instead.")
    return float(skm.mean_absolute_percentage_error(y, d.y_pred))


UNDEFINED_WHEN = {"precision": "the model predicted no row of it", "recall": "the test rows hold none of it",
                  "f1": "the test rows hold none of it and the model predicted none"}


def undefined_note(d: EvalData, keys) -> str | None:
    """Said with a positive class's precision, recall or F1 that is 0 / 0 on these test rows,
    scored 0 (zero_division): a test set without the positive class (found by a new user: la
    riots' last rows, no 'Female', F1 0.0 beside accuracy 1.0 without a word)."""
    positive = positive_label(d)
    if positive is None or d.y_test is None:
        return None
    in_test = bool(np.any(np.asarray(d.y_test) == positive))
    predicted = bool(np.any(np.asarray(d.y_pred) == positive))
    undefined = {"precision": not predicted, "recall": not in_test, "f1": not in_test and not predicted}
    named = [k for k in keys if undefined.get(k)]
    if not named:
        return None
    from plugins import registry

    names = ", ".join(registry.metrics()[k].name for k in named)
    why = UNDEFINED_WHEN[named[-1]] if len(named) == 1 else (
        "the test rows hold none of it" if not in_test else "the model predicted no row of it")
    return (f"{names}: undefined for the positive class {label_text(positive)} here, as {why} (0 / 0); shown as 0. "
            "Read accuracy or balanced accuracy, or test on rows that hold the class (Shuffle on, Stratify on).")


def mape_note(d: EvalData) -> str | None:
    """Said with MAPE when some true values are near zero (under 5% of the typical one):
    it divides each error by its true value, so those few rows decide it, and its value is
    a fraction (1.8 is 180%), which reads like a small percentage."""
    y = np.abs(np.asarray(d.y_test, dtype=float))
    if not len(y) or not np.median(y):
        return None
    small = int(np.sum(y < 0.05 * np.median(y)))
    if not small:
        return None
    return (f"Mean absolute percentage error: {small:,} of {len(y):,} test rows have a true value near zero "
            f"(as small as {float(y.min()):.4g}, against a typical {float(np.median(y)):.4g}); MAPE divides each "
            "error by its true value, so those rows decide it. It is a fraction (1.8 means 180%): read MAE or "
            "RMSE beside it.")


def _cluster_input(d: EvalData, metric: str):
    """The features and labels a clustering metric scores, noise left out (DBSCAN's -1 is
    not a cluster), or a ValueError saying why the metric is undefined."""
    X = dense(d.Xt_test if d.Xt_test is not None else d.X_test)
    labels = np.asarray(d.y_pred)
    mask = labels != -1
    n = len(set(labels[mask].tolist()))
    who = model_name(d.model)
    if not mask.any():
        raise ValueError(f"{metric} needs at least 2 clusters; {who} marked every test point as noise.")
    if n < 2:  # the test points, not the model: k-means asked for 3 has 3, all test points may fall in one
        made = getattr(d.model.steps[-1][1] if hasattr(d.model, "steps") else d.model, "n_clusters", None)
        of = f"one of {who}'s {made} clusters" if isinstance(made, int) and made > 1 else "one cluster"
        raise ValueError(f"{metric} needs the test points in at least 2 clusters; all {int(mask.sum()):,} "
                         f"fall in {of}.")
    if n >= mask.sum():
        raise ValueError(f"{metric} is undefined when every point is its own cluster "
                         f"({n} clusters for {int(mask.sum())} points).")
    return X[mask], labels[mask]


def _noise_share(d: EvalData):
    labels = np.asarray(d.y_pred)
    return float(np.mean(labels == -1)) if len(labels) else 0.0


def noise_note(d: EvalData) -> str | None:
    """Said with any clustering score when the model marked test points as noise: the
    scores leave them out, which can make a worse clustering look better."""
    labels = np.asarray(d.y_pred)
    noise = int(np.sum(labels == -1))
    if not noise:
        return None
    return (f"{model_name(d.model)} marked {noise:,} of {len(labels):,} test points as noise ({percent(noise / len(labels))}); "
            "silhouette, Calinski-Harabasz and Davies-Bouldin cover the other points only, so more noise can make "
            "them look better. Read them with the noise share.")


def _silhouette(d: EvalData):
    X, labels = _cluster_input(d, "Silhouette")
    if len(X) > 5000:  # O(n^2): a fixed sample keeps the cost bounded
        return float(skm.silhouette_score(X, labels, sample_size=5000, random_state=d.random_state or 0))
    return float(skm.silhouette_score(X, labels))


# Each metric is a named function: an exported script carries its code (Metric.code).
def _accuracy(d: EvalData):
    return float(skm.accuracy_score(d.y_test, d.y_pred))


def _balanced_accuracy(d: EvalData):
    return float(skm.balanced_accuracy_score(d.y_test, d.y_pred))


def _f1(d: EvalData):
    return float(skm.f1_score(d.y_test, d.y_pred, zero_division=0, **_avg(d)))


def _precision(d: EvalData):
    return float(skm.precision_score(d.y_test, d.y_pred, zero_division=0, **_avg(d)))


def _recall(d: EvalData):
    return float(skm.recall_score(d.y_test, d.y_pred, zero_division=0, **_avg(d)))


def _mse(d: EvalData):
    return float(skm.mean_squared_error(d.y_test, d.y_pred))


def _rmse(d: EvalData):
    return float(np.sqrt(skm.mean_squared_error(d.y_test, d.y_pred)))


def _mae(d: EvalData):
    return float(skm.mean_absolute_error(d.y_test, d.y_pred))


def _r2(d: EvalData):
    return float(skm.r2_score(d.y_test, d.y_pred))


def _calinski_harabasz(d: EvalData):
    return float(skm.calinski_harabasz_score(*_cluster_input(d, "Calinski-Harabasz")))


def _davies_bouldin(d: EvalData):
    return float(skm.davies_bouldin_score(*_cluster_input(d, "Davies-Bouldin")))


def _metric(key, name, direction, problem_types, fn, **kw):
    return Metric(key=key, name=name, direction=direction, problem_types=problem_types, fn=fn, **kw)


METRICS = {m.key: m for m in [
    _metric("accuracy", "Accuracy", "higher", CLS, _accuracy,
            description="Share of test rows predicted correctly."),
    _metric("balanced_accuracy", "Balanced accuracy", "higher", CLS,
            _balanced_accuracy,
            description="Mean recall over classes; robust to imbalance."),
    _metric("f1", "F1 score", "higher", CLS,
            _f1, averaging="classes",
            description="Harmonic mean of precision and recall. Two classes: of the positive class (the "
                        "Dataset node's choice; automatic: the rarer class); more classes: the macro average."),
    _metric("precision", "Precision", "higher", CLS,
            _precision,
            averaging="classes",
            description="Of the rows predicted positive, the share that are. Two classes: of the positive "
                        "class (automatic: the rarer); more: macro average."),
    _metric("recall", "Recall", "higher", CLS,
            _recall,
            averaging="classes",
            description="Of the positive rows, the share found. Two classes: of the positive class "
                        "(automatic: the rarer); more: macro average."),
    _metric("roc_auc", "ROC AUC", "higher", CLS, _roc_auc, needs_proba=True, averaging="one_vs_rest",
            description="Ranking quality of the scores: of the positive class, or one-vs-rest macro for "
                        "multiclass. Models without probabilities (SVM) are scored on their decision function."),
    _metric("log_loss", "Log loss", "lower", CLS, _log_loss, needs_proba=True,
            description="Penalises confident wrong probabilities."),
    _metric("confusion_matrix", "Confusion matrix", None, CLS, _confusion, kind="table",
            description="Counts of true (rows) against predicted (columns) classes."),
    _metric("classification_report", "Classification report", None, CLS, _report, kind="table",
            description="Precision, recall and F1 per class."),
    _metric("mse", "Mean squared error", "lower", REG, _mse,
            description="Average squared error; punishes large errors most."),
    _metric("rmse", "Root mean squared error", "lower", REG,
            _rmse,
            description="Typical error, in the target's unit."),
    _metric("mae", "Mean absolute error", "lower", REG, _mae,
            description="Average absolute error, in the target's unit."),
    _metric("r2", "R²", "higher", REG, _r2,
            description="Share of the target's variance explained (1 is perfect, 0 is the mean)."),
    _metric("mape", "Mean absolute percentage error", "lower", REG, _mape,
            description="Average error relative to the true value."),
    _metric("silhouette", "Silhouette", "higher", CLU, _silhouette,
            description="How much closer points are to their own cluster than to the next (-1..1); "
                        "noise points (DBSCAN) are left out, so read it with the noise share."),
    _metric("noise_share", "Noise points", "lower", CLU, _noise_share,
            description="Share of test points the model put in no cluster (DBSCAN's noise, -1). The other "
                        "clustering scores leave these points out."),
    _metric("calinski_harabasz", "Calinski-Harabasz", "higher", CLU,
            _calinski_harabasz,
            description="Between-cluster over within-cluster dispersion."),
    _metric("davies_bouldin", "Davies-Bouldin", "lower", CLU,
            _davies_bouldin,
            description="Average similarity of each cluster to its closest one (0 is best)."),
]}


PLUGINS = list(METRICS.values())  # registered like any plugin's (plugins.registry)


def scored(fn, data: EvalData):
    """(value, None), or (None, why) when the metric cannot be computed for these rows: a
    metric function's value as the results keep it (plain JSON). What an exported script
    scores with; the run's Evaluate node keeps the same None and says the same sentence."""
    try:
        return _plain(fn(data)), None
    except (ValueError, TypeError) as e:
        return None, str(e)


def compute_metric(key: str, data: EvalData):
    from plugins.registry import metrics

    key = normalize_metric_key(key)
    metric = metrics().get(key)  # the registry only: a plugin that replaces a metric replaces its function too
    if metric is None:
        raise ValueError(f"Unknown metric {key!r}.")
    if data.problem_type not in metric.problem_types:
        raise ValueError(f"{metric.name} does not apply to {data.problem_type}.")
    if metric.problem_types != CLU and data.y_test is None:
        raise ValueError(f"{metric.name} needs a target column.")
    return _plain(metric.fn(data))


def eval_data_for(pipeline, X_train, y_train, X_test, y_test, problem_type, random_state=0,
                  progress=None, check_cancelled=None, need_proba=True, need_transform=True,
                  positive_class=None, groups_train=None) -> EvalData:
    """Predict once and gather what every metric and plot needs. CV folds scoring one
    metric ask for less (no probabilities or transformed features unless needed).
    `positive_class`: the run's (SplitArtifact.positive_class), so that the test metrics,
    the CV folds and every Optuna trial score the same class."""
    steps = getattr(pipeline, "steps", None)
    predictor, rows = pipeline, X_test
    if steps and len(steps) > 1:
        # the test rows through the learned steps once, then the final estimator: exactly
        # what the pipeline's predict and predict_proba each compute (samplers left out), and
        # a third time for the plots; a small job spent a quarter of its time in those passes
        head, predictor = pipeline[:-1], pipeline[-1]
        rows = head.transform(X_test)
    y_pred = np.asarray(predictor.predict(rows))
    y_proba = None
    if need_proba and problem_type == "classification" and hasattr(pipeline, "predict_proba"):
        try:
            y_proba = np.asarray(predictor.predict_proba(rows))
        except (AttributeError, NotImplementedError, ValueError):
            y_proba = None  # e.g. SVC without probability=True
    Xt_test, names = X_test, [str(c) for c in getattr(X_test, "columns", [])]
    if steps and len(steps) > 1:
        if need_transform:
            Xt_test = rows
            try:
                names = [str(n) for n in head.get_feature_names_out()]
            except (AttributeError, ValueError, TypeError):
                names = [str(c) for c in getattr(Xt_test, "columns", [])]
        else:
            # Not transformed: leave both empty rather than pair the raw columns with what
            # the estimator sees (plots then transform themselves or use permutation).
            Xt_test, names = None, []
    width = np.shape(Xt_test)[1] if Xt_test is not None and len(np.shape(Xt_test)) == 2 else None
    if width is not None and len(names) != width:
        names = [f"x{i}" for i in range(width)]
    classes = getattr(pipeline, "classes_", None)
    return EvalData(problem_type=problem_type, model=pipeline, X_train=X_train, y_train=y_train,
                    X_test=X_test, y_test=y_test, y_pred=y_pred, y_proba=y_proba,
                    classes=np.asarray(classes).tolist() if classes is not None else None, Xt_test=Xt_test,
                    feature_names=names, random_state=random_state, progress=progress,
                    check_cancelled=check_cancelled, positive_class=positive_class, groups_train=groups_train)
