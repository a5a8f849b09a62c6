"""A blank text cell is a gap in every reader, as a person sees it. Found by a new user: a cell
of spaces alone (' ') was a level of its own in the app's reader (three levels on the page,
no word) and in predict.py, and an empty string sent in JSON records ("opted_in": "") was
scored as a category the model never saw, 0.61 where null and the file's empty cell gave 0.68;
for a true/false column it was refused ("values like ''"). Blank text is a gap now: in an
upload (said), in every file of rows to score, and in JSON records, as null is."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import playground_runtime
from data import ingest
from executor.deployments import csv_frame, records_frame
from tests.test_exits_layout import predict_module

FEATURES = [{"name": "plan", "type": "categorical", "dtype": "str", "categories": ["basic", "pro"]},
            {"name": "opted_in", "type": "categorical", "dtype": "bool"},
            {"name": "income", "type": "numeric", "dtype": "float64", "min": 10.0, "max": 90.0}]
CARD = {"features": FEATURES, "left_out_columns": [], "id_columns": []}

BLANKS = {"empty string": "", "a space": " ", "spaces and a tab": "  \t", "a no-break space": "\xa0"}


def prepared(frame: pd.DataFrame) -> list:
    X = playground_runtime.prepare_rows(frame, FEATURES)
    return [[None if (isinstance(v, float) and np.isnan(v)) or v is None or v is pd.NA else v for v in row]
            for row in X.astype(object).to_numpy().tolist()]


@pytest.mark.parametrize("blank", list(BLANKS))
def test_blank_text_is_a_gap_in_json_records_as_null_is(blank):
    text = BLANKS[blank]
    given = records_frame([{"plan": text, "opted_in": True, "income": 40.5},
                           {"plan": "pro", "opted_in": text, "income": text}])
    null = records_frame([{"plan": None, "opted_in": True, "income": 40.5},
                          {"plan": "pro", "opted_in": None, "income": None}])
    assert prepared(given) == prepared(null)


@pytest.mark.parametrize("blank", [b for b in BLANKS if b != "empty string"])
def test_a_cell_of_spaces_is_a_gap_in_every_file_reader(tmp_path, blank, capsys):
    text = BLANKS[blank]
    body = f"plan,opted_in,income\r\n{text},true,40.5\r\npro,false,12\r\nbasic,true,70\r\n"
    empty = "plan,opted_in,income\r\n,true,40.5\r\npro,false,12\r\nbasic,true,70\r\n"
    want = prepared(csv_frame(empty.encode()))
    assert prepared(csv_frame(body.encode())) == want
    path = tmp_path / "rows.csv"
    path.write_bytes(body.encode())
    assert prepared(predict_module().read_rows(path, CARD)) == want


def test_an_upload_reads_cells_of_spaces_as_gaps_and_says_so(tmp_path):
    rows = "".join(f"{p},{i % 7 * 10 + 5}\r\n" for i, p in enumerate(["basic", "pro", " ", "pro", "basic", "  "] * 8))
    path = tmp_path / "plans.csv"
    path.write_bytes(("plan,income\r\n" + rows).encode())
    record = ingest.ingest_path(path, path.name, tmp_path, ingest.Limits(max_bytes=1 << 24))
    plan = next(c for c in record["profile"]["columns"] if c["name"] == "plan")
    assert plan["unique"] == 2 and plan["missing"] == 16, plan
    said = json.dumps([n["text"] for n in record["notices"]])
    assert "plan: cells of spaces alone (16) read as missing." in said, said


def test_text_with_spaces_around_it_is_no_gap(tmp_path):
    """Near misses: a value with spaces around it, punctuation, and a word, stay values."""
    body = "plan,opted_in,income\r\n basic ,true,40.5\r\npro,false,12\r\n+,true,70\r\n"
    frame = csv_frame(body.encode())
    assert frame["plan"].notna().all()
    got = records_frame([{"plan": " basic ", "opted_in": True, "income": 40.5}])
    assert got["plan"].tolist() == [" basic "]
