"""The classification example written as a plain script: pandas + scikit-learn +
matplotlib, no app, no queue. The benchmark's baseline."""

from __future__ import annotations

import io


def run() -> dict:
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
