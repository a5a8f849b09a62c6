"""Missing-value codes: an SPSS export's income band (1-6) wrote -99 for "no answer", and
nothing could make -99 a gap, so the model learned it as a very low income. "Mark values
as missing" makes those values gaps, for the fill and drop steps after it, in the app, the
exported script and the model bundle alike (tests/test_script_export.py, tests/test_bundle.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from starlette.datastructures import FormData

from plugins import tables
from plugins.preprocessing import OPERATIONS, build_steps, operation_warnings, validate_operations


def spss_survey(n: int = 300, seed: int = 4) -> pd.DataFrame:
    """A survey as SPSS exports it: an income band 1-6 and a satisfaction score 1-5 with -99
    for no answer, a household income with -999, an age, and whether the person renewed."""
    rng = np.random.default_rng(seed)
    band = rng.integers(1, 7, n)
    satisfied = rng.integers(1, 6, n)
    income = np.round(rng.gamma(4.0, 900.0, n), 2)
    renewed = np.where(band + satisfied + rng.normal(0, 1.5, n) > 7, "yes", "no")
    frame = pd.DataFrame({"income_band": band, "satisfaction": satisfied, "household_income": income,
                          "age": rng.integers(18, 90, n), "renewed": renewed})
    frame.loc[rng.choice(n, 14, replace=False), "income_band"] = -99
    frame.loc[rng.choice(n, 9, replace=False), "satisfaction"] = -99
    frame.loc[rng.choice(n, 6, replace=False), "household_income"] = -999
    return frame


def codes(frame: pd.DataFrame) -> dict:
    """{column: [[code, rows]]} of every column the profile finds a code in."""
    return {c["name"]: c["missing_codes"]["codes"] for c in tables.profile(frame)["columns"] if c.get("missing_codes")}


# --------------------------------------------------------------------------- Mark values as missing
def test_marking_makes_the_codes_gaps_that_the_fill_after_it_fills_from_real_values_only():
    frame = spss_survey().drop(columns=["renewed"]).assign(city=["n/a", "Graz", "-99", "Linz"] * 75)
    ops, errors = validate_operations([
        {"method": "mark_missing", "parameters": {"values": [-99, "-999", "n/a"]}},
        {"method": "fill_missing_median", "parameters": {}}])
    assert not errors and ops[0][1]["values"] == [-99, -999, "n/a"]  # "-999" is the number it reads as
    (_, mark), (_, fill) = build_steps(ops)
    marked = mark.fit_transform(frame)
    assert marked["income_band"].isna().sum() == 14 and marked["household_income"].isna().sum() == 6
    assert marked["city"].isna().sum() == 150  # 'n/a' and '-99' written as text
    assert (marked["age"] == frame["age"]).all()  # no code in it: as it was
    filled = fill.fit_transform(marked)
    real = frame["income_band"][frame["income_band"] != -99]
    assert set(filled["income_band"]) <= set(real) | {real.median()} and filled["income_band"].min() >= 1
    assert not OPERATIONS["mark_missing"].params[0].default  # no value guessed for anyone


def test_only_the_columns_named_are_marked_and_one_missing_when_scoring_is_named():
    frame = spss_survey()
    ops, _ = validate_operations([{"method": "mark_missing",
                                   "parameters": {"values": [-99], "columns": ["income_band"]}}])
    (_, mark), = build_steps(ops)
    out = mark.fit_transform(frame)
    assert out["income_band"].isna().sum() == 14 and (out["satisfaction"] == -99).sum() == 9
    with pytest.raises(ValueError, match="missing:\\n- income_band"):  # scikit-learn's own check, as every step
        mark.transform(frame.drop(columns=["income_band"]))


@pytest.mark.parametrize("values, said", [
    ([], "Mark values as missing: Values that mean missing needs at least one value (e.g. -99, 999)."),
    ([True], "must be a list of values: numbers, or text for text columns."),
    ([""], "an empty value is a gap already; leave it out."),
    (list(range(51)), "at most 50 values; got 51."),
])
def test_values_that_cannot_be_marked_are_refused_in_a_sentence(values, said):
    _, errors = validate_operations([{"method": "mark_missing", "parameters": {"values": values}}])
    assert said in errors[0]


def test_the_inspector_shows_the_values_and_reads_them_as_typed():
    from inspectors.fields import ParamField
    from inspectors.forms import parse_preprocessing

    param = OPERATIONS["mark_missing"].params[0]
    field = str(ParamField(param, [-99, 999, "n/a"], name="op-0-values"))
    assert 'value="-99, 999, n/a"' in field
    old = {"operations": [{"method": "mark_missing", "parameters": {}}]}
    config, refused = parse_preprocessing(FormData([("op-0-values", " -99, 999 ,n/a ")]), old, OPERATIONS)
    assert not refused and config["operations"][0]["parameters"]["values"] == [-99, 999, "n/a"]


def test_a_marking_no_fill_follows_is_said_and_one_a_fill_follows_is_not():
    profile = tables.profile(spss_survey())["columns"]
    unnamed = operation_warnings([("mark_missing", {"values": [-99], "columns": []})], profile, "renewed")
    assert any(w.startswith("Mark values as missing makes gaps that no step after it handles") for w in unnamed)
    named = operation_warnings([("fill_missing_median", {}), ("mark_missing", {"values": [-99],
                                                                               "columns": ["income_band"]})],
                               profile, "renewed")
    assert "1 column has missing values and no step handles them (income_band)" in " ".join(named)
    handled = operation_warnings([("mark_missing", {"values": [-99], "columns": []}), ("fill_missing_median", {})],
                                 profile, "renewed")
    assert not any("no step" in w for w in handled)
    twice = operation_warnings([("mark_missing", {"values": [-99], "columns": []}),
                                ("mark_missing", {"values": [999], "columns": []}), ("fill_missing_median", {})],
                               profile, "renewed")
    assert not any("appears twice" in w for w in twice)  # two markings of other values repeat nothing
