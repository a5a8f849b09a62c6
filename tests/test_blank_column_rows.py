"""A sheet with an empty column between two blocks of data: the app's sheet reader leaves the
column out of the training table, and the same sheet saved as CSV by Excel keeps it, with no
name and no value. Found by a new user: every exit (predict.py, Score a file, the endpoint's
CSV body) refused such rows, "unknown column 'column_9'", a name the file does not hold. A
column with no name and no value in any row is set aside and said in every exit; an unnamed
column holding a value, or a named one the model lacks, is still refused."""

from __future__ import annotations

import pandas as pd
import pytest

import playground_runtime
from executor.deployments import request_frame
from tests.test_dotted_dates_settle import predict_py
from web.errors import parse_json

FEATURES = [{"name": "speed", "type": "numeric", "dtype": "int64", "min": 25.0, "max": 100.0},
            {"name": "ram", "type": "numeric", "dtype": "int64", "min": 2.0, "max": 32.0},
            {"name": "premium", "type": "categorical", "dtype": "str", "categories": ["no", "yes"]}]
CARD = {"features": FEATURES, "left_out_columns": ["price"], "id_columns": []}

BLANK = {  # the rows' file, and the place (from 1) of its column with no name and no value
    "between blocks": ("speed,ram,,premium\r\n25,4,,yes\r\n33,2,,no\r\n", 3),
    "two empty columns": ("speed,,ram,,premium\r\n25,,4,,yes\r\n33,,2,,no\r\n", None),
    "semicolons, Excel's BOM": ("\ufeffspeed;ram;;premium\r\n25;4;;yes\r\n33;2;;no\r\n", 3),
    "blanks in its cells": ('speed,ram, ,premium\r\n25,4," ",yes\r\n33,2,,no\r\n', 3),
    "with the target": ("speed,ram,,premium,price\r\n25,4,,yes,1499\r\n33,2,,no,1795\r\n", 3),
}

REFUSED = {  # near misses: a column the model lacks that holds something, or has a name
    "unnamed, with a value": ("speed,ram,,premium\r\n25,4,x,yes\r\n33,2,,no\r\n", "unknown column 'column_3'"),
    "named, empty": ("speed,ram,notes,premium\r\n25,4,,yes\r\n33,2,,no\r\n", "unknown column 'notes'"),
}


def read_by_every_exit(text: str, tmp_path) -> dict:
    """{exit: (the frame the model takes, or the refusal; the notes)}: predict.py's reader and the
    endpoint's CSV body (the reader Score a file runs too)."""
    path = tmp_path / "rows.csv"
    path.write_text(text, encoding="utf-8")
    got = {}
    for exit, read in (("predict.py", lambda: predict_py().read_rows(path, CARD)),
                       ("endpoint", lambda: request_frame(text.encode(), "text/csv", parse_json, (200, 8)))):
        try:
            X = playground_runtime.prepare_rows(read(), FEATURES, CARD["left_out_columns"])
            got[exit] = (X, X.attrs.get(playground_runtime.READING_NOTES) or [])
        except ValueError as e:  # ColumnsError, Invalid
            got[exit] = (str(getattr(e, "detail", e)), [])
    return got


@pytest.mark.parametrize("case", list(BLANK))
def test_a_column_with_no_name_and_no_value_is_set_aside_and_said_by_every_exit(tmp_path, case):
    text, place = BLANK[case]
    for exit, (X, notes) in read_by_every_exit(text, tmp_path).items():
        assert isinstance(X, pd.DataFrame), (case, exit, X)
        assert list(X.columns) == ["speed", "ram", "premium"] and X["speed"].tolist() == [25, 33], (case, exit)
        assert X["premium"].tolist() == ["yes", "no"], (case, exit)
        places = [place] if place else [2, 4]
        for p in places:
            assert f"'column_{p}' (column {p}) has no name in the header and no value in any row: left out." \
                in notes, (case, exit, notes)


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_column_the_model_lacks_holding_a_value_or_a_name_is_still_refused(tmp_path, case):
    text, said = REFUSED[case]
    for exit, (X, _) in read_by_every_exit(text, tmp_path).items():
        assert isinstance(X, str) and said in X, (case, exit, X)
