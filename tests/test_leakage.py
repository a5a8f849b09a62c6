"""Learned preprocessing never sees the test rows: proved through the engine, on the
trained model artifact itself, for scaling, imputation, encoding and clipping; and every
preprocessing operation runs through a whole workflow."""

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


def workflow(operations, algorithm="ridge"):
    return {"nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": "mixed", "target_column": "target",
                                                   "problem_type": "regression"}},
        {"id": "p", "type": "preprocessing", "config": {"operations": operations}},
        {"id": "s", "type": "split", "config": {"test_size": TEST_SIZE, "random_seed": SEED, "stratify": False}},
        {"id": "m", "type": "model", "config": {"algorithm": algorithm, "hyperparameters": {}}},
        {"id": "e", "type": "evaluate", "config": {"metrics": ["r2"]}},
    ], "edges": [{"source": a, "target": b} for a, b in (("d", "p"), ("p", "s"), ("s", "m"), ("m", "e"))]}


def run(ops, df, algorithm="ridge"):
    models = {}

    def save(kind, name, data, mime, node_id=""):
        import io

        import joblib

        models[node_id] = joblib.load(io.BytesIO(data))
        return "model"

    info = {"columns": [{"name": c, "role": "numeric" if c != "city" else "categorical", "missing_pct": 0}
                        for c in df.columns], "n_rows": len(df)}
    result = run_workflow(workflow(ops, algorithm), lambda e: None, load_dataset=lambda _: df.copy(),
                          dataset_info=lambda _: info, save_artifact=save)
    assert result["status"] == "completed", result.get("error")
    return models["m"]


def train_rows(df):
    from sklearn.model_selection import train_test_split

    X = df.drop(columns=["target"])
    X_train, X_test = train_test_split(X, test_size=TEST_SIZE, random_state=SEED, shuffle=True)
    return X_train, X_test


def test_scaler_and_imputer_statistics_come_from_training_rows_only():
    df = frame()
    pipe = run([{"method": "fill_missing_mean", "parameters": {}}, {"method": "standard_scaler", "parameters": {}}], df)
    X_train, X_test = train_rows(df)
    fill = pipe.steps[0][1].fill_
    assert fill["bmi"] == pytest.approx(X_train["bmi"].mean())
    assert fill["bmi"] != pytest.approx(df["bmi"].mean())
    scaler = pipe.steps[1][1]
    filled = X_train["bmi"].fillna(X_train["bmi"].mean())
    assert scaler.center_["bmi"] == pytest.approx(filled.mean())
    assert scaler.center_["age"] == pytest.approx(X_train["age"].mean())


def test_changing_the_test_rows_changes_nothing_the_model_learned():
    df = frame()
    ops = [{"method": "fill_missing_median", "parameters": {}}, {"method": "robust_scaler", "parameters": {}},
           {"method": "onehot_encoder", "parameters": {}}, {"method": "clip_outliers", "parameters": {}}]
    first = run(ops, df)
    _, X_test = train_rows(df)
    poisoned = df.copy()
    numeric = [c for c in df.columns if c not in ("city", "target")]
    poisoned.loc[X_test.index, numeric] *= 1000  # absurd test rows
    poisoned.loc[X_test.index, "city"] = "atlantis"  # a category only the test rows have
    second = run(ops, poisoned)
    for (name, a), (_, b) in zip(first.steps[:-1], second.steps[:-1]):
        for attr in ("fill_", "center_", "scale_", "categories_", "low_", "high_"):
            if hasattr(a, attr):
                va, vb = getattr(a, attr), getattr(b, attr)
                if isinstance(va, pd.Series):
                    pd.testing.assert_series_equal(va, vb)
                else:
                    assert va == vb, (name, attr)
    assert "city=atlantis" not in first.steps[2][1].get_feature_names_out()
    np.testing.assert_allclose(first[-1].coef_, second[-1].coef_)


def test_target_encoding_learns_from_training_targets_only():
    df = frame()
    pipe = run([{"method": "target_encoder", "parameters": {"smoothing": 0.0}}], df)
    X_train, _ = train_rows(df)
    y_train = df.loc[X_train.index, "target"]
    expected = y_train.groupby(X_train["city"]).mean()
    learned = pipe.steps[0][1].mapping_["city"]
    for city, value in expected.items():
        assert learned[city] == pytest.approx(value)


@pytest.mark.parametrize("slug", sorted(OPERATIONS))
def test_every_operation_runs_through_a_workflow(slug):
    op = OPERATIONS[slug]
    params, errors = validate_params(op.params, {"columns": ["sex"]} if slug == "drop_columns" else {})
    assert not errors
    df = frame()
    df = pd.concat([df, df.head(5)], ignore_index=True)  # duplicates for remove_duplicates
    pipe = run([{"method": slug, "parameters": params}], df, algorithm="decision_tree")
    raw = df.drop(columns=["target"]).head(20)
    assert len(pipe.predict(raw)) == 20  # the artifact takes the raw columns
