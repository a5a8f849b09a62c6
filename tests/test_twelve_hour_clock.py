"""Dates with a time on a 12-hour clock, as Excel's US date-time format writes them into a CSV
('1/5/2024 3:04 PM') and SurveyMonkey exports them ('01/05/2024 03:04:05 PM'). Found by a new
user: such a column was kept as text, then left out as an id ("different in every row") with no
word that it held dates, so no date feature was made and no guard saw a series in time. Every
reader now reads them as dates (12 AM is midnight, 12 PM noon), by one rule
(playground_runtime.twelve_hour): the app's reader, Score a file, the endpoint, predict.py and
JSON records alike. An hour no 12-hour clock has ('13:04 PM', '0:30 AM') is no date, said; a
column of times alone or of words holding 'PM' is text as before."""

from __future__ import annotations

import pandas as pd
import pytest

import playground_runtime
from tests.test_exits_layout import app_read

T = pd.Timestamp

# {class: (the column as written, the dates it holds, the order it is read in)}
READ = {
    "Excel US, no seconds": (["1/5/2024 3:04 PM", "1/12/2024 11:14 AM", "2/13/2024 9:00 PM"],
                             [T("2024-01-05 15:04"), T("2024-01-12 11:14"), T("2024-02-13 21:00")], "month"),
    "SurveyMonkey, seconds": (["01/05/2024 03:04:05 PM", "01/12/2024 11:14:59 AM", "02/13/2024 07:00:00 PM"],
                              [T("2024-01-05 15:04:05"), T("2024-01-12 11:14:59"), T("2024-02-13 19:00")], "month"),
    "midnight and noon": (["3/1/2024 12:00 AM", "3/1/2024 12:30 PM", "3/14/2024 12:59 AM"],
                          [T("2024-03-01 00:00"), T("2024-03-01 12:30"), T("2024-03-14 00:59")], "month"),
    "lower case, dots": (["1/5/2024 3:04 pm", "1/20/2024 8:15 a.m.", "1/21/2024 8:15 p.m."],
                         [T("2024-01-05 15:04"), T("2024-01-20 08:15"), T("2024-01-21 20:15")], "month"),
    "day first": (["13/01/2024 11:30 PM", "02/02/2024 1:05 AM", "28/02/2024 6:45 PM"],
                  [T("2024-01-13 23:30"), T("2024-02-02 01:05"), T("2024-02-28 18:45")], "day"),
    "no space before PM": (["1/5/2024 3:04PM", "1/15/2024 10:00AM", "1/25/2024 4:59PM"],
                           [T("2024-01-05 15:04"), T("2024-01-15 10:00"), T("2024-01-25 16:59")], "month"),
}

# {class: (the column as written, a phrase of what is said, or None when nothing is)}: near misses
NOT_DATES = {
    "an hour past 12 with PM": (["1/5/2024 13:04 PM", "1/12/2024 11:14 AM", "2/13/2024 9:00 PM"], "not real dates"),
    "hour 0 with AM": (["1/5/2024 0:30 AM", "1/12/2024 11:14 AM", "2/13/2024 9:00 PM"], "not real dates"),
    "times alone": (["3:04 PM", "11:14 AM", "9:00 PM"], None),
    "words with PM": (["Meeting 3 PM", "Call 11 AM", "Lunch 1 PM"], None),
    "a date then a word": (["1/5/2024 3:04 PMT", "1/12/2024 11:14 AMS", "2/13/2024 9:00 PMX"], None),
}


def read(tmp_path, values: list[str]) -> tuple:
    """The column `when` of a CSV holding `values`, as the app's reader reads it: (its values, sentences)."""
    path = tmp_path / "rows.csv"
    pd.DataFrame({"when": values, "x": [1.5, 2.5, 3.5]}).to_csv(path, index=False)
    frame, said = app_read(path)
    return frame["when"], said


@pytest.mark.parametrize("case", sorted(READ))
def test_dates_on_a_12_hour_clock_are_read_as_dates_by_the_app(tmp_path, case):
    written, dates, order = READ[case]
    got, said = read(tmp_path, written)
    assert pd.api.types.is_datetime64_any_dtype(got), (got.tolist(), said)
    assert list(got) == dates
    assert any(f"when: read as dates, {order} first" in s for s in said), said


@pytest.mark.parametrize("case", sorted(READ))
def test_rows_to_score_on_a_12_hour_clock_read_alike_in_every_exit(tmp_path, case):
    """predict.py and JSON records read the rows as text by playground_runtime; Score a file and
    a CSV body read them as an upload is: the same dates, equal to the same rows in ISO 8601."""
    written, dates, order = READ[case]
    features = [{"name": "when", "type": "datetime", "dtype": "datetime64[ns]", "order": order},
                {"name": "x", "type": "numeric", "dtype": "float64"}]
    rows = pd.DataFrame({"when": written, "x": [1.5, 2.5, 3.5]})
    as_text = playground_runtime.prepare_rows(rows, features)
    assert list(as_text["when"]) == dates
    iso = playground_runtime.prepare_rows(rows.assign(when=[d.isoformat() for d in dates]), features)
    assert list(iso["when"]) == dates
    frame, _ = app_read_rows(tmp_path, rows)
    assert list(playground_runtime.prepare_rows(frame, features)["when"]) == dates


def app_read_rows(tmp_path, rows: pd.DataFrame):
    path = tmp_path / "score.csv"
    rows.to_csv(path, index=False)
    return app_read(path)


@pytest.mark.parametrize("case", sorted(NOT_DATES))
def test_near_misses_of_a_12_hour_clock_are_not_dates(tmp_path, case):
    written, phrase = NOT_DATES[case]
    got, said = read(tmp_path, written)
    assert not pd.api.types.is_datetime64_any_dtype(got)
    assert list(got) == written
    if phrase:
        assert any(phrase in s and "when" in s for s in said), said
    else:
        assert not any("when" in s for s in said), said


def test_an_hour_no_12_hour_clock_has_is_refused_in_rows_to_score():
    features = [{"name": "when", "type": "datetime", "dtype": "datetime64[ns]", "order": "month"}]
    with pytest.raises(playground_runtime.ColumnsError, match="'when' should hold dates"):
        playground_runtime.prepare_rows(pd.DataFrame({"when": ["1/5/2024 13:04 PM", "1/6/2024 1:04 PM"]}), features)



@pytest.mark.parametrize("when", ["1/5/2024 3:75 PM", "1/5/2024 25:00", "1/5/2024 10:30:61", "1/5/2024 24:00"])
def test_a_minute_second_or_hour_no_clock_has_is_refused_never_carried_on(when):
    """Minutes or seconds past 59 and hours past 23 were carried into the next hour or day
    (3:75 PM read as 4:15 PM) in rows to score, where the app's reader reads no date: refused."""
    features = [{"name": "when", "type": "datetime", "dtype": "datetime64[ns]", "order": "month"}]
    with pytest.raises(playground_runtime.ColumnsError, match="'when' should hold dates"):
        playground_runtime.prepare_rows(pd.DataFrame({"when": [when, "1/6/2024 1:04 PM"]}), features)
    ok = playground_runtime.prepare_rows(pd.DataFrame({"when": ["1/5/2024 23:59:59", "1/6/2024 11:59 PM"]}), features)
    assert ok["when"].tolist() == [pd.Timestamp("2024-01-05 23:59:59"), pd.Timestamp("2024-01-06 23:59")]
