"""A date column whose values are all January 1 (vega's cars `Year`: a year stored as a
date) becomes its year only, and a date part with one value in every training row is not
made; the rule is learned on the training rows, kept in the fitted transformer (so the
saved model, its bundle and the exported script make the same columns) and said."""

from __future__ import annotations

import numpy as np
import pandas as pd

from playground_runtime import AutoPrepare, DateFeatures
from tests import realdata


def cars_X():
    df = realdata.cars()
    return df.drop(columns=["Miles_per_Gallon"]), df["Miles_per_Gallon"]


def test_a_year_stored_as_a_date_becomes_its_year_only_with_a_note():
    X, _ = cars_X()
    step = DateFeatures().fit(X)
    out = step.transform(X)
    assert [c for c in out.columns if c.startswith("Year_")] == ["Year_year"]
    assert list(out["Year_year"].unique()) == sorted(X["Year"].dt.year.unique())
    assert step.notes_ == ["Year: every value is January 1, a year stored as a date: only its year is used "
                           "(not month, day of month, weekday (0 = Monday), day of year, days since 1970-01-01)."]
    prepared = AutoPrepare().fit(X)  # no Date features step: the automatic guard follows the same rule
    assert [c for c in prepared.get_feature_names_out() if c.startswith("Year_")] == ["Year_year"]
    assert any("only its year is used" in n for n in prepared.notes_)
    # the automatic step says the parts it made: the year of Year (it said all six before)
    assert prepared.notes_[0] == ("1 date column(s) were turned into features automatically: Year into year. Add a "
                                  "Date features step to choose which.")


def test_parts_are_learned_on_the_training_rows_and_kept_for_later_rows():
    days = pd.to_datetime(["2020-03-02", "2021-03-01", "2022-03-07", "2023-03-06"])  # every one in March, a Monday
    train = pd.DataFrame({"d": days, "x": [1.0, 2.0, 3.0, 4.0]})
    step = DateFeatures(parts=("year", "month", "weekday", "day")).fit(train)
    assert list(step.get_feature_names_out()) == ["d_year", "d_day", "x"]
    assert step.notes_ == ["d: month, weekday (0 = Monday) are the same in every training row and were not made."]
    later = pd.DataFrame({"d": pd.to_datetime(["2024-07-04", "2025-01-01"]), "x": [5.0, 6.0]})
    out = step.transform(later)  # rows that vary in month and weekday still get the training's columns
    assert list(out.columns) == ["d_year", "d_day", "x"]
    assert out["d_day"].tolist() == [4.0, 1.0]
    # a test row on January 1 does not make a column of Januaries a year
    jan = pd.DataFrame({"d": pd.to_datetime(["1990-01-01", "1991-01-01", "1992-01-01"]), "x": [1.0, 2.0, 3.0]})
    mixed = pd.concat([jan, later])
    assert list(DateFeatures().fit(jan).transform(mixed).columns) == ["d_year", "x"]
    assert "d_month" in DateFeatures().fit(mixed).get_feature_names_out()


def test_the_learned_parts_survive_the_saved_model():
    import skops.io as sio

    X, _ = cars_X()
    step = DateFeatures().fit(X)
    blob = sio.dumps(step)
    loaded = sio.loads(blob, trusted=sio.get_untrusted_types(data=blob))
    pd.testing.assert_frame_equal(loaded.transform(X.head(20)), step.transform(X.head(20)))
    assert loaded.parts_ == {"Year": ["year"]}
    np.testing.assert_array_equal(loaded.get_feature_names_out(), step.get_feature_names_out())


def test_design_time_offers_the_columns_the_run_will_make():
    """The profile marks a year stored as a date (the same test the fitted step uses), so a
    later step's column chooser offers `Year_year`, not a `Year_month` the run never makes."""
    from plugins import tables
    from plugins.preprocessing import feature_columns, step_inputs

    prof = tables.profile(realdata.cars())
    year = next(c for c in prof["columns"] if c["name"] == "Year")
    assert year["year_as_date"] is True
    assert not any("year_as_date" in c for c in prof["columns"] if c["name"] != "Year")
    after = step_inputs([("date_features", {}), ("standard_scaler", {})],
                        feature_columns(prof["columns"], "Miles_per_Gallon"))[1]
    assert [c["name"] for c in after if c["name"].startswith("Year")] == ["Year_year"]
    seattle = tables.profile(tables.parse_iso_dates(realdata.seattle_weather()))
    after = step_inputs([("date_features", {}), ("standard_scaler", {})], feature_columns(seattle["columns"]))[1]
    assert "date_month" in [c["name"] for c in after]


def _timed(kind: str) -> pd.Series:
    """A date column of one class: readings through the day (hourly, every 10 minutes, in UTC), or dates
    whose times of day carry no hour to learn (midnight, the same hour each day, one day only)."""
    return {"hourly (seattle's temperatures)": pd.Series(pd.date_range("2010-01-01", periods=300, freq="h")),
            "every 10 minutes": pd.Series(pd.date_range("2024-03-01 06:00", periods=300, freq="10min")),
            "hourly, in UTC": pd.Series(pd.date_range("2024-03-01", periods=300, freq="h", tz="UTC")),
            "shifts at 6, 14 and 22": pd.Series(pd.date_range("2024-01-01 06:00", periods=90, freq="8h")),
            "days at midnight": pd.Series(pd.date_range("2020-01-01", periods=300, freq="D")),
            "days at 09:00": pd.Series(pd.date_range("2020-01-01 09:00", periods=300, freq="D")),
            "months": pd.Series(pd.date_range("2000-01-31", periods=120, freq="ME"))}[kind]


def test_dates_with_times_of_day_say_the_default_parts_leave_the_hour_out():
    """seattle-temps (a reading every hour) went through Date features' default parts and AutoPrepare without
    its hour, silently (a new user: the time of day is most of an hourly temperature). Where the training
    values hold more than one hour of the day and Hour is not chosen, the step says so and how to use it;
    where there is no hour to learn (dates at midnight, the same hour every day) nothing is said; with Hour
    chosen, it is made and nothing is said."""
    with_hours = ["hourly (seattle's temperatures)", "every 10 minutes", "hourly, in UTC", "shifts at 6, 14 and 22"]
    for kind in [*with_hours, "days at midnight", "days at 09:00", "months"]:
        X = pd.DataFrame({"when": _timed(kind), "x": np.arange(len(_timed(kind)), dtype=float)})
        for step in (DateFeatures(), AutoPrepare()):
            notes = " ".join(step.fit(X).notes_)
            said = "when: its values hold times of day" in notes
            assert said == (kind in with_hours), (kind, type(step).__name__, notes)
            if said:
                assert ("and the hour is not among the parts made: choose Hour among a Date features step's parts "
                        "to use it.") in notes
        chosen = DateFeatures(parts=("day", "hour")).fit(X)
        assert "times of day" not in " ".join(chosen.notes_)
        assert ("when_hour" in chosen.get_feature_names_out()) == (kind in with_hours), kind
