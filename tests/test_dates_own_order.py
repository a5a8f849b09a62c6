"""Rows to score that write with numbers the dates a model was trained on as dates (ISO 8601
text, or a workbook's date cells). Found by a new user: a model trained on an Excel sheet of
sales whose 'sold on' cells were dates scored the sheet's CSV export ('18/02/1993') in Score a
file and at the endpoint (CSV body), which read it day first as an upload is read, while the
bundle's predict.py and the endpoint's JSON records refused it ("should hold dates written as
ISO 8601"). Every exit now reads such a column in the one order its own values show, and
says so; a column that shows no order, or fits neither, is refused by every exit as before."""

from __future__ import annotations

import pandas as pd
import pytest

import playground_runtime
from data import ingest
from tests.test_exits_layout import app_read

FEATURES = [{"name": "shop", "type": "categorical", "dtype": "str"},
            {"name": "sold on", "type": "datetime", "dtype": "datetime64[ns]"}]

# {class: (the dates as the rows write them, the order they are read in)}
SHOWN = {
    "day first, slashes": (["18/02/1993", "31/01/1993", "05/03/1993"], "day"),
    "day first, dots": (["18.02.1993", "03.04.1993", "25.12.1993"], "day"),
    "day first, two-digit years": (["18/02/93", "01/03/93", "30/11/93"], "day"),
    "month first": (["02/18/1993", "03/05/1993", "12/31/1993"], "month"),
    "month first beside ISO": (["02/18/1993", "1993-03-05", "12/31/1993"], "month"),
}

# {class: dates no exit can read in one order}
REFUSED = {
    "either order": ["01/02/1993", "03/05/1993", "12/11/1993"],
    "both orders at once": ["18/02/1993", "02/18/1993", "05/03/1993"],
    "no date in either": ["31/02/1993", "18/02/1993", "05/03/1993"],
}


def rows(dates: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"shop": ["north", "south", "east"], "sold on": dates})


def expected(dates: list[str], order: str) -> list:
    return [pd.Timestamp(d) if "-" in d else pd.to_datetime(d, dayfirst=order == "day", format="mixed")
            for d in dates]


@pytest.mark.parametrize("case", sorted(SHOWN))
def test_dates_in_the_order_their_values_show_are_read_so_by_every_exit(tmp_path, case):
    dates, order = SHOWN[case]
    # predict.py and JSON records: the rows as text
    got = playground_runtime.prepare_rows(rows(dates), FEATURES)
    assert list(got["sold on"]) == expected(dates, order)
    said = got.attrs.get(playground_runtime.READING_NOTES) or []
    assert any(f"written with numbers read {order} first, as this file writes them" in s for s in said), said
    # Score a file and a CSV body: the file read as an upload is
    path = tmp_path / "rows.csv"
    rows(dates).to_csv(path, index=False)
    frame, _ = app_read(path)
    app = playground_runtime.prepare_rows(frame, FEATURES)
    assert list(app["sold on"]) == list(got["sold on"])


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_dates_that_show_no_one_order_are_refused_by_every_exit(tmp_path, case):
    with pytest.raises(playground_runtime.ColumnsError, match="'sold on' should hold dates"):
        playground_runtime.prepare_rows(rows(REFUSED[case]), FEATURES)
    path = tmp_path / "rows.csv"
    rows(REFUSED[case]).to_csv(path, index=False)
    frame, _ = app_read(path)
    with pytest.raises(playground_runtime.ColumnsError, match="'sold on' should hold dates"):
        playground_runtime.prepare_rows(frame, FEATURES)


def test_iso_dates_are_read_without_a_word_about_order():
    got = playground_runtime.prepare_rows(rows(["1993-02-18", "1993-03-05", "1993-12-31"]), FEATURES)
    assert list(got["sold on"]) == [pd.Timestamp("1993-02-18"), pd.Timestamp("1993-03-05"), pd.Timestamp("1993-12-31")]
    assert not any("first" in s for s in got.attrs.get(playground_runtime.READING_NOTES) or [])


assert ingest  # the app's reader is what app_read runs
