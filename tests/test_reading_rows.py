"""Rows that are not data (issue: a new user's European export): a fully blank row (a line
of delimiters, an empty line, an empty sheet row) and a trailing totals row ("Summe",
"Total" ... whose numbers are the sums of the columns above) leave the table at reading,
each said in a notice; a row merely labelled "Total" whose numbers are not sums stays."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from data.ingest import ingest_bytes

MB = 2**20

HEADER = "Monat;Filiale;Umsatz;Kunden;Marge"
ROWS = ["Januar;Nord;1.234,50;12;0,25", "Februar;Süd;2.000,00;7;0,30", "März;Nord;987,25;;0,20"]


def read(raw: bytes, name: str, tmp_path):
    rec = ingest_bytes(raw, name, tmp_path, 64 * MB)
    return rec, pd.read_parquet(rec["path"]), "\n".join(n["text"] for n in rec["notices"])


def export(lines) -> bytes:
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode("cp1252")


def test_a_european_export_loses_its_blank_lines_and_its_totals_row_with_notices(tmp_path):
    raw = export([ROWS[0], ROWS[1], ";;;;", "", ROWS[2], "Summe;;4.221,75;19;"])
    rec, df, said = read(raw, "umsatz.csv", tmp_path)
    assert list(df["Monat"]) == ["Januar", "Februar", "März"]
    assert list(df["Umsatz"]) == [1234.5, 2000.0, 987.25]
    assert rec["n_rows"] == 3
    assert "2 blank lines (no value in any column) were left out." in said
    assert "The last row (line 7, 'Summe') holds the sums of the columns above it" in said


@pytest.mark.parametrize("label", ["Total", "Gesamt", "Totaal", "Totale", "Grand total", "TOTAL:"])
def test_totals_labels_in_other_languages_with_blank_cells(tmp_path, label):
    raw = export([*ROWS, f"{label};;4.221,75;;"])
    rec, df, said = read(raw, "umsatz.csv", tmp_path)
    assert rec["n_rows"] == 3 and label not in set(df["Monat"])
    assert f"(line 5, {label!r})" in said


def test_sums_within_rounding_count_and_sums_that_are_not_stay(tmp_path):
    # the shown values were rounded to 2 decimals; the total is the rounded true sum
    rounded = export(["a;x;0,33;1;0,1", "b;y;0,33;1;0,1", "c;z;0,33;1;0,1", "Total;;1,00;3;0,3"])
    rec, df, said = read(rounded, "r.csv", tmp_path)
    assert rec["n_rows"] == 3 and "totals row" in said
    # a row that merely says Total: its numbers are not the sums
    data = export([*ROWS, "Total;Ost;500,00;4;0,10"])
    rec, df, said = read(data, "d.csv", tmp_path)
    assert rec["n_rows"] == 4 and list(df["Monat"])[-1] == "Total"
    assert "totals row" not in said
    # whole numbers add up exactly: off by one is not a sum
    near = export([*ROWS, "Summe;;4.221,75;20;"])
    rec, df, said = read(near, "n.csv", tmp_path)
    assert rec["n_rows"] == 4 and "totals row" not in said


def test_a_totals_label_with_a_date_in_its_row_is_data(tmp_path):
    raw = (b"Art,Datum,Betrag\nA,2024-01-01,1\nB,2024-01-02,2\nTotal,2024-01-03,3\n")
    rec, df, said = read(raw, "t.csv", tmp_path)
    assert rec["n_rows"] == 3 and "totals row" not in said


def test_a_file_of_blank_rows_only_is_refused_with_a_sentence(tmp_path):
    from data.datasets import DatasetError

    with pytest.raises(DatasetError, match="no data rows"):
        ingest_bytes(b"a;b\n;\n;\n", "x.csv", tmp_path, 64 * MB)


def test_a_workbook_loses_its_empty_rows_and_totals_row_naming_the_sheet_row(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Umsatz"
    for row in [["Monat", "Filiale", "Umsatz", "Kunden"], ["Januar", "Nord", 1234.5, 12], [None] * 4,
                ["Februar", "Süd", 2000, 7], ["März", "Nord", 987.25, None], ["Summe", None, 4221.75, 19]]:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    rec, df, said = read(buf.getvalue(), "umsatz.xlsx", tmp_path)
    assert list(df["Monat"]) == ["Januar", "Februar", "März"]
    assert "1 blank sheet row (no value in any column) was left out." in said
    assert "The last row (sheet row 6, 'Summe')" in said


@pytest.mark.parametrize("offset", [-2, -1, 0, 1])
def test_blank_lines_are_counted_where_the_file_is_read_in_pieces(tmp_path, offset):
    """The empty lines of a text file are counted from its newlines' places, 4 MB at a time:
    a blank line at the edge of two pieces (its two newlines in each, or a piece with no
    newline before it) counts once, as in the whole file's bytes, in LF and CRLF files."""
    from data.reading import text_line_facts

    piece = 1 << 22
    for newline in (b"\n", b"\r\n"):
        row = b"1,2,3" + newline
        body = b"x,y,z" + newline + row * (piece // len(row) + 1)
        at = piece + offset
        data = body[:at] + newline + body[at:] + newline + row * 10 + b"4,5,6" + newline
        path = tmp_path / "f.csv"
        path.write_bytes(data)
        plain = data.replace(b"\r", b"")
        pairs = plain.count(b"\n\n") + plain.count(b"\n\n\n")  # no run of four here
        assert text_line_facts(path, "utf-8", ",", False) == (pairs, plain.count(b"\n"))
    path.write_bytes(b"x\n" + b"a" * (piece + 10) + b"\n\n" + b"b\n" * 3 + b"c\n")
    assert text_line_facts(path, "utf-8", ",", False) == (1, 7)


@pytest.mark.parametrize("raw, name, column, dtype", [
    # the label under whole numbers (a staff count), in a European export
    ("Mitarbeiter;Umsatz;Kosten;Region\r\n" + "".join(f"{n};{n * 100};{n * 9};Nord\r\n" for n in range(1, 41))
     + "Summe;82000;7380;\r\n", "staff.csv", "Mitarbeiter", "int64"),
    # under branch numbers, comma-separated, with a decimal column beside it
    ("Filiale,Umsatz\n" + "".join(f"{100 + 7 * n},{n}.25\n" for n in range(30)) + "Total,442.5\n",
     "branches.csv", "Filiale", "int64"),
    # under decimal-comma amounts
    ("Anteil;Betrag\n" + "".join(f"{n},5;{n}\n" for n in range(1, 21)) + "Gesamt;210\n", "shares.csv", "Anteil",
     "float64"),
])
def test_a_totals_label_under_numbers_leaves_the_column_numbers(tmp_path, raw, name, column, dtype):
    """The label kept its column text while the file was read ('1 of 41 values cannot be
    read as numbers, e.g. Summe'); with the totals row gone the column is read again: its
    numbers, and no notice blaming the label."""
    rec, df, said = read(raw.encode("cp1252"), name, tmp_path)
    assert "totals row" in said
    assert str(df[column].dtype) == dtype and df[column].notna().all(), (df[column].dtype, said)
    assert not any(n["column"] == column and "cannot be read" in n["text"] for n in rec["notices"]), said
    kinds = {c["name"]: c for c in rec["profile"]["columns"]}
    assert kinds[column]["dtype"] == dtype
