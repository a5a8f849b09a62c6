"""Numbers that are dates: a warehouse's date key written yyyymmdd (20240105), a Unix time in
seconds (1704467045), an Excel day number (45291). Found by an audit: such a column was read as
plain numbers and used as a numeric feature with no word said. The reader does not guess (a
silent change of type would be one): it says the column as a hint on the dataset page and its
API, with what its values would be as dates, and choosing Date as its type reads them so, in the
upload and in every exit that scores rows for a model trained on them (the column's
`day_numbers`, as Excel's date systems are kept). Near misses say nothing: 8-digit ids, phone
numbers and zip+4 codes (no real dates, or an id's name), prices, years, counts, milliseconds,
and ten digits under a name that says no time."""

from __future__ import annotations

import pandas as pd
import pytest

import playground_runtime
from tests.test_exits_agree import dated_cars, deployed, scored_by_every_exit
from tests.test_reading import day_csv, notices, read

T = pd.Timestamp

# {class: (column name, values, what the hint says, the dates they are)}
HINTED = {
    "warehouse date key": ("date_key", [20240105, 20240212, 20231231],
                           "'20231231' looks like a date written yyyymmdd (2023-12-31; the last 2024-02-12)",
                           [T("2024-01-05"), T("2024-02-12"), T("2023-12-31")]),
    "SAS export, DATE": ("DATE", [19990301, 20000229, 19991231],
                         "'19990301' looks like a date written yyyymmdd (1999-03-01; the last 2000-02-29)",
                         [T("1999-03-01"), T("2000-02-29"), T("1999-12-31")]),
    "a name saying nothing": ("posted", [20190301, 20190415, 20190502],
                              "'20190301' looks like a date written yyyymmdd (2019-03-01; the last 2019-05-02)",
                              [T("2019-03-01"), T("2019-04-15"), T("2019-05-02")]),
    "Unix time, created": ("created", [1704467045, 1706000000, 1719000000],
                           "'1704467045' looks like a Unix time, seconds since 1970-01-01 (2024-01-05 15:04 UTC; "
                           "the last 2024-06-21 20:00)",
                           [T("2024-01-05 15:04:05"), T("2024-01-23 08:53:20"), T("2024-06-21 20:00")]),
    "Unix time, timestamp": ("timestamp", [1600000000, 1650000000, 1700000000],
                             "'1600000000' looks like a Unix time", [T("2020-09-13 12:26:40"), T("2022-04-15 05:20"),
                                                                     T("2023-11-14 22:13:20")]),
    "Unix time, updated_at": ("updated_at", [1262304000, 1262390400, 1262476800], "looks like a Unix time",
                              [T("2010-01-01"), T("2010-01-02"), T("2010-01-03")]),
    "Excel day numbers": ("order_date", [45000, 45500, 46000], "they are Excel day numbers, 2023-03-15 to 2025-12-09",
                          [T("2023-03-15"), T("2024-07-27"), T("2025-12-09")]),
}

# {class: (column name, values)}: near misses, nothing said
NOT_HINTED = {
    "an id of 8 digits that are dates": ("order_id", [20240105, 20240212, 20231231]),
    "a customer number": ("customer_no", [20240105, 20240212, 20231231]),
    "phone numbers": ("phone", [55512345, 55598765, 55501234]),
    "phone numbers, unnamed": ("contact", [55512345, 55598765, 55501234]),
    "zip+4 codes": ("zip4", [90210123, 10001456, 60614789]),
    "8 digits, no real month": ("batch", [20241305, 20240105, 20240212]),
    "8 digits, no real day": ("date", [20240230, 20240105, 20240212]),
    "prices": ("price", [19.99, 5.0, 12.5]),
    "years": ("year", [2019, 2020, 2021]),
    "counts": ("count", [3, 12, 365]),
    "ten digits, no time named": ("views", [1704467045, 1706000000, 1719000000]),
    "milliseconds": ("timestamp", [1704467045000, 1706000000000, 1719000000000]),
    "one value": ("date_key", [20240105, 20240105, 20240105]),
}
HINT_WORDS = ("looks like a date written yyyymmdd", "looks like a Unix time", "if they are dates")


def upload(tmp_path, name: str, values: list, **options):
    rows = [[name, "n"], *[[v, i] for i, v in enumerate(values)]]
    return read(day_csv(rows), "t.csv", tmp_path, **options)


@pytest.mark.parametrize("case", sorted(HINTED))
def test_numbers_that_look_like_dates_are_said_as_a_hint_and_read_so_when_date_is_chosen(tmp_path, case):
    name, values, said, dates = HINTED[case]
    rec, df = upload(tmp_path / "as-is", name, values)
    [hint] = [n for n in rec["notices"] if n["column"] == name]
    assert said in hint["text"], hint
    assert hint["text"].endswith("Choose Date as its type below to read them so; they stay numbers until then.")
    assert df[name].tolist() == values and pd.api.types.is_numeric_dtype(df[name])  # no silent change of type
    rec, df = upload(tmp_path / "as-date", name, values, types={name: "date"})
    assert df[name].tolist() == dates, (df[name].tolist(), notices(rec))
    assert not any(w in notices(rec) for w in HINT_WORDS), notices(rec)
    assert f"{name}: read as dates, as you chose" in notices(rec)


@pytest.mark.parametrize("case", sorted(NOT_HINTED))
def test_numbers_that_are_no_dates_say_nothing(tmp_path, case):
    name, values = NOT_HINTED[case]
    rec, df = upload(tmp_path, name, values)
    assert not any(w in notices(rec) for w in HINT_WORDS), notices(rec)
    assert df[name].tolist() == values


@pytest.mark.parametrize("system,values,dates", [
    ("yyyymmdd", [20240105, "20240212", 20231231.0], [T("2024-01-05"), T("2024-02-12"), T("2023-12-31")]),
    ("unix", [1704467045, "1706000000", 1719000000.5], [T("2024-01-05 15:04:05"), T("2024-01-23 08:53:20"),
                                                        T("2024-06-21 20:00:00.500")])])
def test_rows_to_score_hold_such_numbers_as_the_training_file_did(system, values, dates):
    """predict.py and JSON records: numbers (or digits as text) in a column trained on dates written
    so are read so, said; a value that is no such date is refused naming why."""
    features = [{"name": "d", "type": "datetime", "dtype": "datetime64[us]", "day_numbers": system}]
    got = playground_runtime.prepare_rows(pd.DataFrame({"d": values}), features)
    assert got["d"].tolist() == dates
    wrong = 20241345 if system == "yyyymmdd" else -5
    with pytest.raises(playground_runtime.ColumnsError, match="'d' should hold dates as the training file held them"):
        playground_runtime.prepare_rows(pd.DataFrame({"d": [values[0], wrong]}), features)


@pytest.fixture(scope="module", params=["yyyymmdd", "unix"])
def numbered(request, web, tmp_path_factory):
    """A regression trained on a CSV whose `bought` dates are numbers written `system`, chosen as
    Date on the dataset page: (the system, the model's job, bundle, key, folder), deployed."""
    system = request.param
    frame = dated_cars(200, 5, "%Y-%m-%d")
    frame["bought"] = as_numbers(frame["bought"], system)
    up, job_id, bundle, key, folder = deployed(web, tmp_path_factory.mktemp(system), frame, f"cars-{system}",
                                               types={"bought": "date"})
    words = playground_runtime.number_dates_words(system)
    assert any(words in n["text"] for n in up["notices"]), up["notices"]
    assert f"bought ({words})" in (bundle / "MODEL_CARD.md").read_text()
    return system, (job_id, bundle, key, folder)


def as_numbers(dates: pd.Series, system: str) -> list:
    stamps = pd.to_datetime(dates)
    if system == "yyyymmdd":
        return stamps.dt.strftime("%Y%m%d").astype(int).tolist()
    return ((stamps - T("1970-01-01")) // pd.Timedelta(seconds=1)).astype(int).tolist()


@pytest.mark.usefixtures("consumer")
def test_rows_holding_such_numbers_score_as_their_dates_in_every_exit(web, numbered):
    """Rows to score holding the dates as numbers written as the training file wrote them (bare,
    quoted) get in every exit what the same rows written year first get, and it is said."""
    system, model = numbered
    rows = dated_cars(8, 12, "%Y-%m-%d").drop(columns="mpg")
    deployment = f"cars-{system}"
    want = scored_by_every_exit(web, model, "iso.csv", rows, deployment)
    assert all(out is not None for out, _ in want.values()), want
    numbers = rows.assign(bought=as_numbers(rows["bought"], system))
    for name, frame in [("numbers.csv", numbers), ("quoted.csv", numbers.to_csv(index=False, quoting=1))]:
        got = scored_by_every_exit(web, model, name, frame, deployment)
        for exit, (out, said) in got.items():
            assert out == want[exit][0], (name, exit, said)
            assert f"read as {playground_runtime.number_dates_words(system)}, as the training file held them" in said, \
                (name, exit, said)
