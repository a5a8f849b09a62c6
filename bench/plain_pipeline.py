"""The classification example written as a plain script: pandas + scikit-learn +
matplotlib, no app, no queue. The benchmark's baseline.

`run()` draws bare figures (an image, bars, a line: no title, labels or numbers), the anchor
the issue measured against. `run(labelled=True)` draws what the app's three plots show, as a
data scientist would write it: the counts in the matrix's cells, a colour bar and the class
names; the 20 largest importances with their feature names; the ROC curve with its AUC, the
chance line and a legend; titles and axis labels, laid out by matplotlib (constrained)."""

from __future__ import annotations

import io


def run(labelled: bool = False) -> dict:
    import matplotlib

    matplotlib.use("Agg")
    import numpy as np
    from matplotlib.figure import Figure
    from sklearn import metrics
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    df = load_breast_cancer(as_frame=True).frame
    X, y = df.drop(columns=["target"]), df["target"]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, shuffle=True, random_state=42)
    model = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(),
                          RandomForestClassifier(n_estimators=100, n_jobs=1, random_state=42))
    cv = cross_val_score(model, X_train, y_train, cv=StratifiedKFold(5, shuffle=True, random_state=42))
    model.fit(X_train, y_train)
    pred, proba = model.predict(X_test), model.predict_proba(X_test)[:, 1]
    out = {"accuracy": metrics.accuracy_score(y_test, pred), "f1": metrics.f1_score(y_test, pred),
           "roc_auc": metrics.roc_auc_score(y_test, proba), "cv_mean": float(np.mean(cv))}
    metrics.confusion_matrix(y_test, pred)
    if labelled:
        _labelled_figures(model, X, y_test, pred, proba)
        return out
    for draw in ("confusion", "importance", "roc"):
        fig = Figure(figsize=(6.4, 4.6), dpi=100)
        ax = fig.add_subplot()
        if draw == "confusion":
            ax.imshow(metrics.confusion_matrix(y_test, pred))
        elif draw == "importance":
            ax.barh(range(20), np.sort(model[-1].feature_importances_)[-20:])
        else:
            fpr, tpr, _ = metrics.roc_curve(y_test, proba)
            ax.plot(fpr, tpr)
        fig.savefig(io.BytesIO(), format="png")
    return out


def _labelled_figures(model, X, y_test, pred, proba) -> None:
    import numpy as np
    from matplotlib.figure import Figure
    from sklearn import metrics

    matrix = metrics.confusion_matrix(y_test, pred)
    fig = Figure(figsize=(5.6, 4.8), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    fig.colorbar(ax.imshow(matrix, cmap="Blues"), ax=ax, shrink=0.8)
    ax.set_xticks([0, 1], ["0", "1"])
    ax.set_yticks([0, 1], ["0", "1"])
    for i in range(2):
        for j in range(2):
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center")
    ax.set(title="Confusion matrix", xlabel="Predicted", ylabel="True")
    fig.savefig(io.BytesIO(), format="png")

    importances = model[-1].feature_importances_
    top = np.argsort(importances)[-20:]
    fig = Figure(figsize=(6.4, 6.8), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.barh(range(20), importances[top])
    ax.set_yticks(range(20), [X.columns[i] for i in top])
    ax.set(title="Feature importance", xlabel="importance")
    fig.savefig(io.BytesIO(), format="png")

    fpr, tpr, _ = metrics.roc_curve(y_test, proba)
    fig = Figure(figsize=(6.4, 4.6), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.plot(fpr, tpr, label=f"1 (AUC {metrics.roc_auc_score(y_test, proba):.3f})")
    ax.plot([0, 1], [0, 1], ls="--", label="chance")
    ax.set(title="ROC curve, positive class: 1", xlabel="False positive rate", ylabel="True positive rate")
    ax.grid(alpha=0.25)
    ax.legend(loc="lower right")
    fig.savefig(io.BytesIO(), format="png")
