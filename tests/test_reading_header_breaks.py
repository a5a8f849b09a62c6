"""A header cell typed with Alt+Enter in Excel ("Age⏎(years)") is saved in a CSV as a quoted
name holding a line break: the header is one record over several lines. Found by a new
user's audit: read line by line, such a file was refused ("Line 3 has 3 fields but the
header has 2") or its first line was taken for a title and left out (a column named 'ID"').
pandas reads every one of these files with the names as written; so does the app now, and
predict.py scores the same file with the model trained on it."""
from __future__ import annotations

import pandas as pd
import pytest

from data.ingest import ingest_bytes

MB = 2**20


def read(raw: bytes, name: str, tmp_path):
    rec = ingest_bytes(raw, name, tmp_path, 64 * MB)
    return rec, pd.read_parquet(rec["path"]), "\n".join(n["text"] for n in rec["notices"])


def rows(n=12):
    return [(i, 20 + 3 * i, "good" if i % 3 else "bad") for i in range(1, n + 1)]


# (header line(s) as written, delimiter, the names as pandas reads them)
HEADERS = [
    ('id,"Age\n(years)",Outcome', ",", ["id", "Age\n(years)", "Outcome"]),  # a break in a middle name
    ('"Patient\nID",Age,Outcome', ",", ["Patient\nID", "Age", "Outcome"]),  # in the first name: not a title
    ('id,Age,"Outcome\n(final)"', ",", ["id", "Age", "Outcome\n(final)"]),  # in the last name
    ('"Kunden\nNr";"Alter\nin Jahren";Ergebnis', ";", ["Kunden\nNr", "Alter\nin Jahren", "Ergebnis"]),  # two
    ('id\t"Age\n\n(years)"\tOutcome', "\t", ["id", "Age\n\n(years)", "Outcome"]),  # an empty line inside
    ('"Patient ""P""\nID",Age,Outcome', ",", ['Patient "P"\nID', "Age", "Outcome"]),  # doubled quotes too
]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("header, sep, names", HEADERS)
def test_a_header_with_line_breaks_in_quoted_names_is_one_record(tmp_path, header, sep, names, newline):
    body = [sep.join(str(v) for v in r) for r in rows()]
    # Excel ends records with CRLF and writes a cell's own line break as LF, inside the quotes
    raw = (newline.join([header, *body]) + newline).encode()
    ext = "tsv" if sep == "\t" else "csv"
    rec, df, notices = read(raw, f"t.{ext}", tmp_path)
    expected = pd.read_csv(pd.io.common.BytesIO(raw), sep=sep)
    assert list(df.columns) == names == [str(c).replace("\r", "") for c in expected.columns]
    assert rec["n_rows"] == 12 and df[names[1]].tolist() == [20 + 3 * i for i in range(1, 13)]
    assert df[names[1]].dtype.kind == "i" and df[names[2]].tolist()[:3] == ["good", "good", "bad"]
    assert "above the table" not in notices and rec["reading"]["header_row"] == 1


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
def test_a_european_export_whose_every_name_has_a_line_break_is_read(tmp_path, encoding):
    """Excel's "CSV (semicolon)" of a sheet whose header cells all hold two lines: the first
    lines hold no ';' outside quotes, and were taken for a title while the delimiter was
    sniffed (',' of the decimal commas below): refused, "The first line (the header) cannot
    be read"."""
    body = [f"{i};{20 + i % 60};{1000 + 7 * i},{i % 100:02d};{'ja' if i % 3 else 'nein'}" for i in range(1, 151)]
    raw = "\r\n".join(['"Kunden\nNr";"Alter\n(Jahre)";"Umsatz\n2023";Kündigung', *body]) + "\r\n"
    rec, df, notices = read(raw.encode(encoding), "export.csv", tmp_path)
    assert list(df.columns) == ["Kunden\nNr", "Alter\n(Jahre)", "Umsatz\n2023", "Kündigung"]
    assert df["Umsatz\n2023"].tolist()[:2] == [1007.01, 1014.02] and rec["n_rows"] == 150
    assert "above the table" not in notices


@pytest.mark.parametrize("above", [["Sales report 2024", ""], ["# exported by tool v2"], ['"Umsatz, Q4"']])
def test_a_title_above_a_header_with_line_breaks_is_still_left_out(tmp_path, above):
    body = [",".join(str(v) for v in r) for r in rows()]
    raw = ("\n".join([*above, 'id,"Age\n(years)",Outcome', *body]) + "\n").encode()
    rec, df, notices = read(raw, "t.csv", tmp_path)
    assert list(df.columns) == ["id", "Age\n(years)", "Outcome"] and rec["n_rows"] == 12
    assert "above the table" in notices and rec["reading"]["header_row"] == len(above) + 1


@pytest.mark.parametrize("raw, columns", [
    # near misses that must read as before: quoted names without breaks, breaks in values only
    (b'"id","Age (years)","Outcome"\n1,20,good\n2,23,bad\n3,26,good\n', ["id", "Age (years)", "Outcome"]),
    (b'id,comment,hours\n1,"line one\nline two",3.5\n2,short,4.0\n3,"a, b",1.5\n', ["id", "comment", "hours"]),
    (b'"Sales, 2024"\nid,value\n1,2\n3,4\n5,6\n', ["id", "value"]),  # a quoted title line, closed on its line
])
def test_quoted_names_and_values_without_header_breaks_read_as_before(tmp_path, raw, columns):
    rec, df, _ = read(raw, "t.csv", tmp_path)
    assert list(df.columns) == columns and rec["n_rows"] == 3
