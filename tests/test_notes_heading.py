"""A block of notes under a table often starts with a heading of one word and its colon
("Notes:", "Source:", "Anmerkungen:"), then the notes. Found by a new user: a workbook of
600 computer sales with "Notes:" and two lines under it had the three lines read as rows
(its 'speed' column kept as text for them, 3 rows without a price), and Score a file and
predict.py scored them as three more computers. The heading is a note like the lines under
it, in a workbook and in the CSV Excel saves from it, by the one rule every reader shares
(playground_runtime.reads_as_note); a last row that is data is not."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

import playground_runtime
from data.ingest import ingest_bytes

MB = 2**20

HEADER = ["model", "speed", "ram", "price"]
ROWS = [["PC-1", 25, 4, 1499.0], ["PC-2", 33, 2, 1795.0], ["PC-3", 66, 8, 2595.0], ["PC-4", 50, 4, 1995.0]]

# {class: the notes under the table, heading first}
NOTES = {
    "Notes: and two lines": ["Notes:", "Prices in US dollars, before discount.", "Source: Stengos & Zacharias (2006)."],
    "Source: and one line": ["Source:", "Statistisches Bundesamt, Wiesbaden 2024"],
    "Anmerkungen: (German)": ["Anmerkungen:", "Alle Preise in Euro inkl. MwSt."],
    "Remarques: (French, accented)": ["Remarques:", "Données provisoires, révisées en mars."],
    "a heading alone": ["Notes:"],
}

# {class: a last row under an empty one that is data, not a note}
DATA = {
    "a name alone": ["PC-5"],
    "a time": ["12:30"],
    "a letter and a colon": ["A:"],
    "a code and a colon": ["Q3:"],
}


def workbook(tail: list[list]) -> bytes:
    wb = openpyxl.Workbook()
    for row in [HEADER, *ROWS, [], *tail]:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def saved_csv(tail: list[list]) -> bytes:
    """The sheet as Excel saves it as CSV: every line as wide as the table."""
    lines = [HEADER, *ROWS, [], *tail]
    out = io.StringIO()
    pd.DataFrame([[*row, *[""] * (len(HEADER) - len(row))] for row in lines[1:]]).to_csv(
        out, header=HEADER, index=False, lineterminator="\r\n")
    return out.getvalue().encode()


def read(raw: bytes, name: str, tmp_path):
    rec = ingest_bytes(raw, name, tmp_path, 64 * MB)
    return rec, pd.read_parquet(rec["path"]), "\n".join(n["text"] for n in rec["notices"])


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
@pytest.mark.parametrize("case", sorted(NOTES))
def test_a_notes_block_under_its_heading_leaves_the_table(tmp_path, case, kind):
    notes = NOTES[case]
    raw = (workbook if kind == "xlsx" else saved_csv)([[n] for n in notes])
    rec, df, said = read(raw, f"sales.{kind}", tmp_path)
    assert rec["n_rows"] == 4 and list(df["model"]) == ["PC-1", "PC-2", "PC-3", "PC-4"], said
    assert df["speed"].dtype.kind in "if" and df["price"].notna().all(), (df.dtypes, said)
    shown = ", ".join(repr(n) for n in notes)
    assert shown in said and "under the table, not data: " in said, said


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
@pytest.mark.parametrize("case", sorted(DATA))
def test_a_last_row_of_one_cell_that_is_no_heading_stays_data(tmp_path, case, kind):
    raw = (workbook if kind == "xlsx" else saved_csv)([DATA[case]])
    rec, df, said = read(raw, f"sales.{kind}", tmp_path)
    assert rec["n_rows"] == 5 and str(df["model"].iloc[-1]) == DATA[case][0], said
    assert "under the table" not in said


@pytest.mark.parametrize("case", sorted(NOTES))
def test_predict_py_leaves_the_notes_out_of_a_workbook_as_the_app_does(tmp_path, case):
    """The bundle's reader (playground_runtime.sheet_table, what predict.py runs) reads the
    same rows, and says the notes."""
    from tests.test_exits_layout import app_read, predict_module

    path = tmp_path / "rows.xlsx"
    path.write_bytes(workbook([[n] for n in NOTES[case]]))
    card = {"features": [{"name": "model", "type": "categorical", "dtype": "str"},
                         *[{"name": c, "type": "numeric", "dtype": "float64"} for c in HEADER[1:]]]}
    frame = predict_module().read_rows(path, card)
    app, said = app_read(path)
    assert len(frame) == len(app) == 4 and list(frame["model"]) == list(app["model"])
    assert any("under the table, not data" in s for s in said)


@pytest.mark.parametrize("text,note", [
    *[(n, True) for case in NOTES.values() for n in case],
    ("Remarques :", True), ("Prepared by the finance department", True),
    *[(row[0], False) for row in DATA.values()], ("North", False), ("Total", False), ("1:2", False),
])
def test_what_reads_as_a_note(text, note):
    assert playground_runtime.reads_as_note(text) is note
