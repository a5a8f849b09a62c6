"""Excel's error values ('#DIV/0!', '#N/A', '#VALUE!', '#REF!': a formula that failed) are gaps,
and said as gaps are, with how many of each: in a sheet saved as CSV (comma or semicolon), where
the parser read them as missing unsaid, and as the error cells of a workbook, which
python-calamine reads as empty cells, so that a sensor's '#DIV/0!' cells were gaps no one was
told of (a helper's audit). In number, date and text columns; a formula before its value in the
cell. Near misses: a column of codes written with '#' ('#12', '#A4') stays text and unsaid; a
column with no error says nothing of one."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import openpyxl
import pytest

from tests.test_reading import notices, read

HEADER = ["name", "price", "region", "when", "ratio", "ticket"]
ROWS = [["a", 1.5, "North", dt.date(2024, 1, 2), 0.5, "#12"],
        ["b", "#DIV/0!", "South", dt.date(2024, 1, 3), "#DIV/0!", "#A4"],
        ["c", 2.5, "#N/A", dt.date(2024, 1, 4), 0.7, "#12"],
        ["d", "#VALUE!", "North", "#VALUE!", 0.2, "#B7"],
        ["e", 3.5, "South", dt.date(2024, 1, 6), "#REF!", "#A4"],
        ["f", 4.0, "#N/A", dt.date(2024, 1, 7), 0.1, "#C1"],
        ["g", 5.5, "North", dt.date(2024, 1, 8), "#DIV/0!", "#12"]]
SAID = {"price": {"#DIV/0!": 1, "#VALUE!": 1}, "region": {"#N/A": 2}, "when": {"#VALUE!": 1},
        "ratio": {"#DIV/0!": 2, "#REF!": 1}}


def as_csv(sep: str) -> bytes:
    def text(v):
        return v.isoformat() if isinstance(v, dt.date) else str(v)
    return "\n".join(sep.join(text(v) for v in row) for row in [HEADER, *ROWS]).replace(".", "," if sep == ";" else
                                                                                      ".").encode() + b"\n"


def as_workbook(formulas: bool = False) -> bytes:
    """The rows in an .xlsx whose '#…' cells of SAID are error cells (t="e"), each after the formula
    that failed when `formulas` (as Excel writes it: <f>…</f><v>#DIV/0!</v>)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Readings"
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    for row in ws.iter_rows(min_row=2):
        for c in row:
            if HEADER[c.column - 1] in SAID and isinstance(c.value, str) and c.value.startswith("#"):
                c.data_type = "e"
    buf = io.BytesIO()
    wb.save(buf)
    if not formulas:
        return buf.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'(<c [^>]*t="e"[^>]*>)(<v>)', rb"\1<f>B2/0</f>\2", data)
                assert b"<f>B2/0</f>" in data
            dst.writestr(item, data)
    return out.getvalue()


def said(text: str, column: str) -> dict:
    for line in text.splitlines():
        if line.startswith(f"{column}:") and "read as missing" in line:
            return {m: int(n) for m, n in re.findall(r"'([^']*)' \((\d+)\)", line.split("read as missing")[0])}
    return {}


FILES = {"csv": lambda: (as_csv(","), "readings.csv"), "csv semicolons": lambda: (as_csv(";"), "readings.csv"),
         "workbook": lambda: (as_workbook(), "readings.xlsx"),
         "workbook with formulas": lambda: (as_workbook(formulas=True), "readings.xlsx")}


@pytest.mark.parametrize("case", sorted(FILES))
def test_excel_errors_are_gaps_said_with_their_counts(tmp_path, case):
    raw, name = FILES[case]()
    rec, frame = read(raw, name, tmp_path)
    text = notices(rec)
    for column, expected in SAID.items():
        assert said(text, column) == expected, (case, column, text)
    assert frame["price"].isna().sum() == 2 and frame["ratio"].isna().sum() == 3, frame
    assert frame["region"].isna().sum() == 2 and frame["when"].isna().sum() == 1, frame
    assert str(frame["price"].dtype) == "float64" and str(frame["when"].dtype).startswith("datetime64"), frame.dtypes
    # near misses: codes written with '#' stay text, unsaid; a column without an error says none
    assert frame["ticket"].tolist() == [r[5] for r in ROWS], frame["ticket"]
    assert said(text, "ticket") == {} and said(text, "name") == {}, text
    assert "'#12'" not in text and "'#A4'" not in text, text


def test_a_workbook_without_error_cells_reads_its_hash_codes_as_text_unsaid(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["code", "amount"])
    for i, code in enumerate(["#12", "#A4", "#DIV", "#N/A-7", "#REF-3"]):
        ws.append([code, 10.5 + i])
    buf = io.BytesIO()
    wb.save(buf)
    rec, frame = read(buf.getvalue(), "codes.xlsx", tmp_path)
    assert frame["code"].tolist() == ["#12", "#A4", "#DIV", "#N/A-7", "#REF-3"], frame
    assert "read as missing" not in notices(rec), notices(rec)
