"""Preprocessing never learns from the test rows: proved through the engine, on the
trained model artifact itself, for scaling, imputation, encoding, clipping and row
filters; target encoding is cross-fitted; and every preprocessing operation runs through a
whole workflow."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes

from executor.engine import run_workflow
from plugins.params import validate_params
from plugins.preprocessing import OPERATIONS

SEED, TEST_SIZE = 3, 0.25


def frame():
    df = load_diabetes(as_frame=True).frame
    rng = np.random.default_rng(0)
    df["city"] = rng.choice(["north", "south", "east", "west"], size=len(df))
    df.loc[rng.choice(len(df), 40, replace=False), "bmi"] = np.nan
    return df


def workflow(operations, algorithm="ridge", problem_type="regression"):
    return {"nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": "mixed", "target_column": "target",
                                                   "problem_type": problem_type}},
        {"id": "p", "type": "preprocessing", "config": {"operations": operations}},
        {"id": "s", "type": "split", "config": {"test_size": TEST_SIZE, "random_seed": SEED, "stratify": False}},
        {"id": "m", "type": "model", "config": {"algorithm": algorithm, "hyperparameters": {}}},
        {"id": "e", "type": "evaluate", "config": {"metrics": ["r2" if problem_type == "regression" else "accuracy"]}},
    ], "edges": [{"source": a, "target": b} for a, b in (("d", "p"), ("p", "s"), ("s", "m"), ("m", "e"))]}


def run(ops, df, algorithm="ridge", problem_type="regression"):
    models = {}

    def save(kind, name, data, mime, node_id=""):
        import io

        import joblib

        if kind == "model":  # the run's own model (a portable bundle is saved beside it, with skops)
            models[node_id] = joblib.load(io.BytesIO(data))
        return kind

    from plugins.tables import profile

    info = {"columns": profile(df)["columns"], "n_rows": len(df)}
    result = run_workflow(workflow(ops, algorithm, problem_type), lambda e: None, load_dataset=lambda _: df.copy(),
                          dataset_facts=lambda _: info, save_artifact=save)
    assert result["status"] == "completed", result.get("error")
    return models["m"]


def train_rows(df):
    from sklearn.model_selection import train_test_split

    X = df.drop(columns=["target"])
    X_train, X_test = train_test_split(X, test_size=TEST_SIZE, random_state=SEED, shuffle=True)
    return X_train, X_test


def step(pipe, i, branch):
    """A fitted scikit-learn transformer inside step i (a ColumnTransformer) of the model."""
    return pipe.steps[i][1].named_transformers_[branch]


def test_scaler_and_imputer_statistics_come_from_training_rows_only():
    df = frame()
    pipe = run([{"method": "fill_missing_mean", "parameters": {}}, {"method": "standard_scaler", "parameters": {}}], df)
    X_train, X_test = train_rows(df)
    numeric = [c for c in X_train.columns if c != "city"]
    imputer = step(pipe, 0, "numbers")
    fill = dict(zip(imputer.feature_names_in_, imputer.statistics_))
    assert fill["bmi"] == pytest.approx(X_train["bmi"].mean())
    assert fill["bmi"] != pytest.approx(df["bmi"].mean())
    scaler = step(pipe, 1, "scale")
    center = dict(zip(scaler.feature_names_in_, scaler.mean_))
    filled = X_train["bmi"].fillna(X_train["bmi"].mean())
    assert center["bmi"] == pytest.approx(filled.mean())
    assert center["age"] == pytest.approx(X_train["age"].mean())
    assert sorted(scaler.feature_names_in_) == sorted(numeric)


def test_changing_the_test_rows_changes_nothing_the_model_learned():
    df = frame()
    ops = [{"method": "fill_missing_median", "parameters": {}}, {"method": "robust_scaler", "parameters": {}},
           {"method": "onehot_encoder", "parameters": {}}, {"method": "clip_outliers", "parameters": {}},
           {"method": "iqr_outlier_removal", "parameters": {"factor": 3.0}},
           {"method": "target_encoder", "parameters": {}}]
    first = run(ops, df)
    X_train, X_test = train_rows(df)
    poisoned = df.copy()
    numeric = [c for c in df.columns if c not in ("city", "target")]
    poisoned.loc[X_test.index, numeric] *= 1000  # absurd test rows
    poisoned.loc[X_test.index, "city"] = "atlantis"  # a category only the test rows have
    poisoned.loc[X_test.index, "target"] = -1e6
    second = run(ops, poisoned)
    # what every step learned, seen through what it does to the training rows
    pd.testing.assert_frame_equal(first[:-1].transform(X_train), second[:-1].transform(X_train))
    assert not any("atlantis" in str(n) for n in first[:-1].transform(X_test.head(3)).columns)
    np.testing.assert_array_equal(first[-1].coef_, second[-1].coef_)


def test_target_encoding_is_cross_fitted_so_a_noise_column_stays_noise():
    """diabetes plus a 150-level column of pure noise, target-encoded before gradient
    boosting. Encoding each training row with its own target (no cross-fitting) made the
    noise look predictive: 24% of the importance and a test R² of 0.379 against 0.449."""
    df = load_diabetes(as_frame=True).frame
    df.insert(0, "noise", [f"n{i}" for i in np.random.default_rng(0).integers(0, 150, len(df))])
    pipe = run([{"method": "target_encoder", "parameters": {}}], df, algorithm="gradient_boosting")
    names = list(pipe[:-1].get_feature_names_out())
    share = pipe[-1].feature_importances_[names.index("noise")] / pipe[-1].feature_importances_.sum()
    assert share < 0.10
    encoder = step(pipe, 0, "target")
    assert type(encoder).__name__ == "TargetEncoder"
    assert type(encoder.cv).__name__ == "KFold" and encoder.cv.get_n_splits() == 5 and encoder.cv.shuffle


@pytest.mark.parametrize("problem_type,algorithm", [("classification", "logistic_regression"),
                                                    ("regression", "ridge")])
def test_target_encoding_fits_without_deprecated_arguments(problem_type, algorithm):
    """scikit-learn 1.9 deprecates TargetEncoder's shuffle and random_state (gone in 1.11:
    a crash on upgrade); runs filter FutureWarnings, so only a test sees them."""
    import warnings

    from nodes.model import make_pipeline
    from plugins import registry

    df = frame()
    if problem_type == "classification":
        df["target"] = np.where(df["target"] > df["target"].median(), "high", "low")
    X, y = df.drop(columns="target"), df["target"]
    ops = [("fill_missing_median", {}), ("target_encoder", validate_params(OPERATIONS["target_encoder"].params, {})[0])]
    plugin = registry.models()[algorithm]
    pipe = make_pipeline(plugin, validate_params(plugin.params, {}, problem_type)[0], problem_type, ops, SEED, "target")
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        warnings.simplefilter("error", DeprecationWarning)
        pipe.fit(X, y)
    encoder = step(pipe, 1, "target")
    assert type(encoder).__name__ == "TargetEncoder" and encoder.cv.random_state == SEED
    assert type(encoder.cv).__name__ == ("StratifiedKFold" if problem_type == "classification" else "KFold")


def test_multiclass_target_encoding_keeps_one_column_per_class():
    """Averaging class indices maps a category that is half class 0 and half class 2 onto
    an all-class-1 category; one encoded column per class keeps them apart."""
    rng = np.random.default_rng(1)
    n = 600
    cat = rng.choice(["a", "b", "c"], n)
    label = np.where(cat == "a", rng.choice(["x", "z"], n), np.where(cat == "b", "y", rng.choice(["x", "y", "z"], n)))
    df = pd.DataFrame({"cat": cat, "num": rng.normal(size=n), "target": label})
    pipe = run([{"method": "target_encoder", "parameters": {}}], df, algorithm="logistic_regression",
               problem_type="classification")
    Xt = pipe[:-1].transform(df.drop(columns="target"))
    assert {"cat_x", "cat_y", "cat_z"} <= set(Xt.columns)
    means = Xt.groupby(cat)[["cat_x", "cat_y", "cat_z"]].mean()
    assert means.loc["a", "cat_y"] < 0.1 and means.loc["b", "cat_y"] > 0.9  # told apart


@pytest.mark.parametrize("slug", sorted(OPERATIONS))
def test_every_operation_runs_through_a_workflow(slug):
    op = OPERATIONS[slug]
    given = {"drop_columns": {"columns": ["sex"]}, "mark_missing": {"values": [0, "north"]}}  # what each needs chosen
    params, errors = validate_params(op.params, given.get(slug, {}))
    assert not errors
    df = frame()
    df["visit"] = pd.date_range("2020-01-01", periods=len(df), freq="D")  # for date features
    df = pd.concat([df, df.head(5)], ignore_index=True)  # duplicates for remove_duplicates
    pipe = run([{"method": slug, "parameters": params}], df, algorithm="decision_tree")
    raw = df.drop(columns=["target"]).head(20)
    assert len(pipe.predict(raw)) == 20  # the artifact takes the raw columns
