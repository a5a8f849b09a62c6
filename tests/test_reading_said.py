"""What a second audit found the reader did without a word (walk1, walk5): a hidden sheet
column read as data, a header in two rows without merged cells, an account number past
64 bits typed as text among Excel numbers, year-months among full dates, an ordered
category and whole numbers with gaps in Parquet. Each is now read right and said, or kept
and said; each near miss reads as before."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from tests.test_reading import notices, read


def xlsx(rows, setup=None) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(list(row))
    if setup:
        setup(wb.active)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- long integers in a sheet
def test_an_account_number_past_64_bits_typed_as_text_among_sheet_numbers_is_said_as_in_a_csv(tmp_path):
    rows = [["account", "v"], [4000123412341234, 0.5], [4000123412341235, 1.5], ["12345678901234567890", 2.5],
            [4000123412341237, 3.5]]
    rec, df = read(xlsx(rows), "ids.xlsx", tmp_path)
    assert df["account"].tolist() == ["4000123412341234", "4000123412341235", "12345678901234567890",
                                      "4000123412341237"]
    said = notices(rec)
    assert ("account: kept as text: its whole numbers are too long to be numbers ('12345678901234567890' has 20 "
            "digits and would become 12345678901234567168)") in said
    assert "mixes numbers with text" not in said


@pytest.mark.parametrize("rows", [
    [["code", "v"], [1, 0.5], [2, 1.5], ["A7", 2.5], [4, 3.5]],  # codes: text, as a CSV's
    [["temp_c", "v"]] + [[20.5 + i / 4, i] for i in range(20)] + [["ERR", 1], ["ERR", 2]],  # a logger's 'ERR'
    [["temp_c", "v"]] + [[20.5 + i / 4, i] for i in range(20)] + [["sensor fault", 1], ["#N/A", 2]],
])
def test_text_among_sheet_numbers_is_said_as_in_a_csv_and_not_once_number_is_chosen(tmp_path, rows):
    """A sheet's column of numbers with 'ERR' in a few cells was said twice ("kept as text: it
    mixes numbers with text such as 'ERR'" and the CSV's "kept as text: 2 of 22 values …
    Choosing Number …"), and the first stayed when Number was chosen (found by a helper).
    The sheet says what the same cells in a CSV say, and nothing of text once Number is chosen."""
    import csv

    name = rows[0][0]
    rec, _ = read(xlsx(rows), "sheet.xlsx", tmp_path / "xlsx")
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    csv_rec, _ = read(text.getvalue().encode(), "sheet.csv", tmp_path / "csv")
    assert [n["text"] for n in rec["notices"]] == [n["text"] for n in csv_rec["notices"]]
    assert "too long" not in notices(rec)
    chosen, _ = read(xlsx(rows), "sheet.xlsx", tmp_path / "chosen", types={name: "number"})
    assert "kept as text" not in notices(chosen) and f"{name}: read as numbers, as you chose" in notices(chosen)


# --------------------------------------------------------------------------- hidden columns
def _hide(*letters):
    def setup(ws):
        for letter in letters:
            ws.column_dimensions[letter].hidden = True
    return setup


SHEET = [["customer", "amount", "internal_margin", "churn"]] + [
    [f"C{i}", 100.0 + i, 10.0 + i / 10, "yes" if i % 3 else "no"] for i in range(8)]


def test_a_hidden_sheet_column_is_read_and_said(tmp_path):
    rec, df = read(xlsx(SHEET, _hide("C")), "hidden.xlsx", tmp_path)
    assert list(df.columns) == ["customer", "amount", "internal_margin", "churn"]  # read as data, as before
    hidden = [n for n in rec["notices"] if "hidden" in n["text"]]
    assert hidden == [{"column": "internal_margin", "text": "Column 'internal_margin' (column C) is hidden in the "
                       "sheet: it is read as data like the others; if it is a helper column, set its role to Ignore "
                       "on this page."}]


def test_hidden_columns_of_the_sheet_chosen_among_several_are_said_together(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    wb.active.append(["read me"])
    ws = wb.create_sheet("Data")
    for row in SHEET:
        ws.append(row + (["flag"] if row is SHEET[0] else [1]))
    ws.column_dimensions["B"].hidden = True
    ws.column_dimensions["E"].hidden = True
    buf = io.BytesIO()
    wb.save(buf)
    rec, df = read(buf.getvalue(), "two.xlsx", tmp_path)
    assert rec["reading"]["sheet"] == "Data"
    assert ("Columns 'amount' (column B), 'flag' (column E) are hidden in the sheet: they are read as data like "
            "the others; if they are helper columns, set their role to Ignore on this page.") in notices(rec)


def test_a_hidden_empty_column_or_a_hidden_column_of_another_sheet_is_not_said(tmp_path):
    import openpyxl

    rec, _ = read(xlsx(SHEET, _hide("H")), "empty_hidden.xlsx", tmp_path)  # nothing in H: not a column of the table
    assert "hidden" not in notices(rec)
    wb = openpyxl.Workbook()
    for row in SHEET:
        wb.active.append(row)
    other = wb.create_sheet("Lookup")
    other.append(["k", "v"])
    other.column_dimensions["B"].hidden = True
    buf = io.BytesIO()
    wb.save(buf)
    rec, _ = read(buf.getvalue(), "other_hidden.xlsx", tmp_path)
    assert rec["reading"]["sheet"] == "Sheet" and "hidden" not in notices(rec)


def ods(sheets) -> bytes:
    """An .ods workbook written as LibreOffice writes one (odfpy may not be installed): each
    sheet (name, rows, hidden letters) with its <table:table-column> settings before its rows,
    runs of alike columns written once with table:number-columns-repeated, a hidden one with
    table:visibility="collapse"."""
    import zipfile
    from xml.sax.saxutils import escape

    def cell(v):
        if isinstance(v, (int, float)):
            return f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p></table:table-cell>'

    body = ""
    for name, rows, hidden in sheets:
        width = max(len(r) for r in rows) + 3  # settings past the table's last column, as LibreOffice writes them
        flags = [chr(65 + j) in hidden for j in range(width)]
        runs, j = [], 0
        while j < width:
            k = j
            while k + 1 < width and flags[k + 1] == flags[j]:
                k += 1
            visibility = ' table:visibility="collapse"' if flags[j] else ""
            runs.append(f'<table:table-column table:style-name="co1" table:number-columns-repeated="{k - j + 1}"'
                        f'{visibility} table:default-cell-style-name="Default"/>')
            j = k + 1
        cells = "".join("<table:table-row>" + "".join(cell(v) for v in r) + "</table:table-row>" for r in rows)
        body += f'<table:table table:name="{escape(name)}">{"".join(runs)}{cells}</table:table>'
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
               f"<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                'opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
                'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", manifest)
    return buf.getvalue()


def xls(sheets) -> bytes:
    """An .xls workbook (BIFF8, as xlwt writes it): each sheet (name, rows, hidden letters)."""
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook()
    for name, rows, hidden in sheets:
        ws = wb.add_sheet(name)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                ws.write(i, j, v)
        for letter in hidden:
            ws.col(ord(letter) - 65).hidden = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


WORKBOOKS = {"ods": ods, "xls": xls}
NOTES = ("Notes", [["read me"]], "")


@pytest.mark.parametrize("fmt", WORKBOOKS)
def test_a_hidden_column_of_an_ods_or_xls_sheet_is_read_and_said_as_in_an_xlsx(tmp_path, fmt):
    """python-calamine does not say which columns are hidden: the .xlsx reader reads its
    <col hidden> tags, and an .ods or .xls helper column the author hid was a feature
    without a word. The .ods column settings (table:visibility="collapse") and the .xls
    COLINFO records are read now, and said in the .xlsx's words."""
    write = WORKBOOKS[fmt]
    rec, df = read(write([("Sheet1", SHEET, "C")]), f"hidden.{fmt}", tmp_path)
    assert list(df.columns) == ["customer", "amount", "internal_margin", "churn"]  # read as data, as before
    hidden = [n for n in rec["notices"] if "hidden" in n["text"]]
    assert hidden == [{"column": "internal_margin", "text": "Column 'internal_margin' (column C) is hidden in the "
                       "sheet: it is read as data like the others; if it is a helper column, set its role to Ignore "
                       "on this page."}]
    wide = [row + (["flag"] if row is SHEET[0] else [1]) for row in SHEET]
    for sheets, said in (([NOTES, ("Data", wide, "BE")], "Columns 'amount' (column B), 'flag' (column E) are hidden"),
                         ([("Data", wide, "AD"), NOTES], "Columns 'customer' (column A), 'churn' (column D) are hidden"),
                         ([("Q&A 1", wide, "BCDE")], "Columns 'amount' (column B), 'internal_margin' (column C), "
                                                    "'churn' (column D), 'flag' (column E) are hidden")):
        rec, _ = read(write(sheets), f"several.{fmt}", tmp_path)
        assert rec["reading"]["sheet"] in ("Data", "Q&A 1")
        assert (f"{said} in the sheet: they are read as data like the others; if they are helper columns, set their "
                "role to Ignore on this page.") in notices(rec), notices(rec)


@pytest.mark.parametrize("fmt", WORKBOOKS)
def test_no_hidden_column_an_empty_hidden_one_or_another_sheet_s_is_said_in_an_ods_or_xls(tmp_path, fmt):
    write = WORKBOOKS[fmt]
    for sheets in ([("Sheet1", SHEET, "")],  # nothing hidden
                   [("Sheet1", SHEET, "F")],  # nothing in F: not a column of the table
                   [("Sheet1", SHEET, ""), ("Lookup", [["k", "v"], [1, 2]], "AB")],  # another sheet's
                   [("Lookup", [["k", "v"], [1, 2]], "AB"), ("Sheet1", SHEET, "")]):  # ... before the sheet read
        rec, df = read(write(sheets), f"plain.{fmt}", tmp_path)
        assert rec["reading"]["sheet"] == "Sheet1" and list(df.columns) == SHEET[0]
        assert "hidden" not in notices(rec)


# --------------------------------------------------------------------------- Parquet types
def test_an_ordered_category_in_parquet_says_its_order_is_not_used(tmp_path):
    """pandas' Categorical(ordered=True) lost its order without a word (walk1 p1); whole
    numbers with gaps (Int64) are stored as whole numbers with gaps, as a CSV's are."""
    import pyarrow.parquet as pq

    frame = pd.DataFrame({"n_int": pd.array([1, None, 3, 4, 5, 6], "Int64"),
                          "cat": pd.Categorical(["lo", "hi", "lo", "mid", "hi", "mid"], ["lo", "mid", "hi"],
                                                ordered=True),
                          "plain": pd.Categorical(["a", "b", "a", "b", "a", "b"]), "grp": list("xyxyxy")})
    buf = io.BytesIO()
    frame.to_parquet(buf)
    rec, df = read(buf.getvalue(), "p.parquet", tmp_path)
    assert df["cat"].tolist() == ["lo", "hi", "lo", "mid", "hi", "mid"]
    assert rec["notices"] == [{"column": "cat", "text": "'cat' is an ordered category in the file (lo < mid < hi): it "
                               "is read as categories without their order, which no step here uses (ordinal encoding "
                               "numbers them alphabetically); to use the order, store the categories' ranks as "
                               "numbers."}]  # nothing on the unordered category 'plain'
    assert str(pq.read_schema(rec["path"]).field("n_int").type) == "int64"  # whole numbers, a gap kept as a gap
    assert df["n_int"].isna().tolist() == [False, True, False, False, False, False]


def parquet(frame: pd.DataFrame, **kw) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf, **kw)
    return buf.getvalue()


def _panel() -> pd.DataFrame:
    import numpy as np

    rng = np.random.default_rng(5)
    unit = np.repeat(np.arange(40), 3)
    return pd.DataFrame({"patient_id": [f"P{u:03d}" for u in unit], "country": [f"Land {u}" for u in unit],
                         "nr": unit * 7 + 3, "visit": np.tile([1, 2, 3], 40), "dose": rng.uniform(0, 9, 120).round(1),
                         "date": pd.date_range("2021-01-01", periods=120), "bp": rng.normal(120, 9, 120).round(1)})


@pytest.mark.parametrize("index", ["patient_id", "country", "nr"])
def test_a_parquet_file_s_named_index_is_its_first_column_an_id_and_said(tmp_path, index):
    """pandas writes a named index (df.set_index("patient_id").to_parquet()) as a column
    after the others: it was read as the last column, a feature unsaid unless its name
    said id ('country', 40 countries of 3 rows each, was a feature). It names the rows: it
    is the first column, left out of the features as an id, and said; its units, repeated,
    are units the split guard keeps together."""
    from plugins import tables

    frame = _panel().drop(columns=[c for c in ("patient_id", "country", "nr") if c != index])
    rec, df = read(parquet(frame.set_index(index)), "visits.parquet", tmp_path)
    assert list(df.columns) == list(frame.columns[[0]]) + [c for c in frame.columns if c != index]
    assert df[index].tolist() == frame[index].tolist()
    col = rec["profile"]["columns"][0]
    assert (col["name"], col["role"], col["role_chosen"]) == (index, "id", "id")
    assert tables.names_units(col["id_reason"])
    assert [n for n in rec["notices"] if n["column"] == index] == [{"column": index, "text": (
        f"{index!r} is the file's index (pandas' set_index): it names the rows, so it is read as the first column and "
        "left out of the features as an id; to drop it from the dataset, set its role to Ignore on this page, or to "
        "use it as a feature, set it to Feature.")}]
    rec, df = read(parquet(frame.set_index(index)), "visits.parquet", tmp_path, roles={index: "ignore"})
    assert index not in df.columns  # the role the notice suggests takes it out


def test_a_parquet_file_s_other_indexes_are_read_as_they_are_and_a_range_index_is_nothing(tmp_path):
    frame = _panel().drop(columns=["country", "nr"])
    rec, df = read(parquet(frame.set_index("date")), "series.parquet", tmp_path)  # a series' time: its values
    assert list(df.columns)[0] == "date" and rec["profile"]["columns"][0]["role"] == "datetime"
    assert "'date' is the file's index (pandas' set_index): it is read as the first column, as its values say." in \
        notices(rec)
    rec, df = read(parquet(frame.set_index(["patient_id", "visit"])), "multi.parquet", tmp_path)
    roles = {c["name"]: c["role"] for c in rec["profile"]["columns"]}
    assert list(df.columns)[:2] == ["patient_id", "visit"] and roles["patient_id"] == "id" and roles["visit"] == "numeric"
    assert "'visit' is a level of the file's index after 'patient_id'" in notices(rec)
    kept = frame[frame["dose"] > 2]  # a filter leaves an unnamed index of row labels 0 … 119 with gaps
    rec, df = read(parquet(kept), "kept.parquet", tmp_path)
    assert list(df.columns) == ["row_names", *frame.columns] and df["row_names"].tolist() == kept.index.tolist()
    assert rec["profile"]["columns"][0]["role"] == "id"
    assert ("The file's index has no name (pandas wrote its row labels as '__index_level_0__'): it is read as the "
            "first column, named 'row_names', and left out of the features as an id") in notices(rec)
    for plain in (parquet(frame), parquet(frame.rename_axis("row")), parquet(kept, index=False),
                  parquet(frame.set_index("patient_id"), index=False)):  # a RangeIndex, named or not, or none
        rec, df = read(plain, "plain.parquet", tmp_path)
        assert "index" not in notices(rec) and "row_names" not in df.columns
        assert list(df.columns) == [c for c in frame.columns if c in df.columns]


# --------------------------------------------------------------------------- a year and a month among dates
def csv_column(values) -> bytes:
    return ("d,v\n" + "".join(f"{d},{i}\n" for i, d in enumerate(values))).encode()


def test_year_months_among_full_dates_keep_the_column_text_and_say_why(tmp_path):
    rec, df = read(csv_column(["2014-03-15", "2014-03", "2014-04-01", "2014-05-02", "2014-06", "2014-07-09"]),
                   "d.csv", tmp_path)
    assert df["d"].tolist()[:2] == ["2014-03-15", "2014-03"]
    assert notices(rec) == ("d: kept as text: its dates are written in 2 ways ('2014-03-15', '2014-03'); '2014-03' "
                            "names no day; write them one way to have them read as dates.")


def test_year_months_alone_full_dates_alone_and_seasons_read_as_before(tmp_path):
    rec, df = read(csv_column(["2014-03", "2014-04", "2014-05", "2014-06", "2014-07"]), "m.csv", tmp_path)
    assert df["d"].tolist()[0] == pd.Timestamp("2014-03-01") and "a year and a month" in notices(rec)
    rec, df = read(csv_column(["2014-03-15", "2014-04-01", "2014-05-02", "2014-06-03", "2014-07-09"]), "f.csv",
                   tmp_path)
    assert df["d"].tolist()[0] == pd.Timestamp("2014-03-15") and rec["notices"] == []
    rec, df = read(csv_column(["2010-11", "2011-12", "2012-13", "2013-14", "2014-15"]), "s.csv", tmp_path)
    assert df["d"].tolist()[0] == "2010-11" and rec["notices"] == []  # seasons: text, nothing to say


def test_a_year_month_typed_among_sheet_dates_is_said(tmp_path):
    import datetime as dt

    rows = [["when", "v"]] + [[dt.date(2024, m, 5), m] for m in range(1, 6)] + [["2024-06", 6], ["2024-07-01", 7]]
    rec, df = read(xlsx(rows), "when.xlsx", tmp_path)
    assert df["when"].tolist()[5:] == ["2024-06", "2024-07-01"]
    assert ("when: kept as text: its 2 dates typed as text are written in 2 ways ('2024-06', '2024-07-01')."
            in notices(rec))


# --------------------------------------------------------------------------- a totals row without a label
@pytest.mark.parametrize("first", ["id", "name"])
def test_a_last_row_of_column_sums_without_a_label_leaves_and_is_said(tmp_path, first):
    """',6,9' under 1,1,2 / 2,2,3 / 3,3,4 (walk1 fa3) was a data row, its id a float with a
    gap: a row of sums of every other number column, its first cell blank, leaves as a
    totals row (the one rule of playground_runtime.summary_rows, predict.py's too)."""
    cells = ["1", "2", "3"] if first == "id" else ["x", "y", "z"]
    raw = f"{first},a,b\n{cells[0]},1,2\n{cells[1]},2,3\n{cells[2]},3,4\n,6,9\n".encode()
    rec, df = read(raw, "t.csv", tmp_path)
    assert len(df) == 3 and df["a"].tolist() == [1, 2, 3] and str(df["b"].dtype) == "int64"
    assert notices(rec) == ("The last row (line 5, without a label) holds the sums of the columns above it: it was "
                            "left out as a totals row, not data.")
    import playground_runtime

    frame = pd.read_csv(io.BytesIO(raw))
    assert playground_runtime.frame_summary_rows(frame) == [("", "sums")]  # predict.py leaves it out too


@pytest.mark.parametrize("raw", [
    "name,a\nx,1\ny,2\nz,3\n,6\n",  # one column's sum: could be chance
    "name,a,b\nx,1,2\ny,2,3\nz,3,4\n,6,8\n",  # not every number a sum
    "name,a,b\nx,1,2\ny,2,3\nz,3,4\nw,6,9\n",  # a first cell that is no totals label: data
    "name,a,b\nx,1,2\ny,2,3\n,3,5\n",  # two rows above: a + b = c is too easily chance
    "name,a,b\nx,1,2\ny,2,3\nz,3,4\n,2,3\n",  # means without a label: values among the column's own
    "name,a,b,c\nx,1,2,p\ny,2,3,q\nz,3,4,r\n,6,9,s\n",  # text beside the sums: a row
    "name,a,b\nx,1,-2\ny,2,2\nz,3,0\n,6,0\n",  # a zero sum says nothing
])
def test_rows_that_only_look_like_unlabelled_sums_stay(tmp_path, raw):
    rec, df = read(raw.encode(), "t.csv", tmp_path)
    assert len(df) == raw.count("\n") - 1 and "totals" not in notices(rec)


# --------------------------------------------------------------------------- a header in two rows, no merged cells
@pytest.mark.parametrize("raw,names", [
    ("name,Revenue,,Cost,,grp\n,2023,2024,2023,2024,\na,1.5,2,3,4,x\nb,2.5,3,4,5,y\nc,3.5,4,5,6,x\n",
     ["name", "Revenue 2023", "Revenue 2024", "Cost 2023", "Cost 2024", "grp"]),
    ("Revenue,Revenue,Cost,Cost\n2023,2024,2023,2024\n1.5,2,3,4\n2.5,3,4,5\n3.5,4,5,6\n",
     ["Revenue 2023", "Revenue 2024", "Cost 2023", "Cost 2024"]),
    ("station;Temperatur;\n;min;max\nA;1,5;2\nB;2,5;3\nC;3,5;4\n", ["station", "Temperatur min", "Temperatur max"]),
])
def test_a_csv_header_in_two_lines_without_merged_cells_names_the_columns_by_both(tmp_path, raw, names):
    rec, df = read(raw.encode(), "two.csv", tmp_path)
    assert list(df.columns) == names and len(df) == 3
    assert all(str(t) != "object" and str(t) != "str" for n, t in df.dtypes.items() if " " in n)  # numbers again
    assert notices(rec).startswith("The header spans lines 1 and 2 (")
    assert "and the data start at line 3." in notices(rec)


def test_a_sheet_header_in_two_rows_without_merged_cells_names_the_columns_by_both(tmp_path):
    rows = [["Report"], [], ["name", "Revenue", None, "grp"], [None, 2023, 2024, None]] + [
        [n, 1.5 + i, 2 + i, "xy"[i % 2]] for i, n in enumerate("abcdef")]
    rec, df = read(xlsx(rows), "two.xlsx", tmp_path)
    assert list(df.columns) == ["name", "Revenue 2023", "Revenue 2024", "grp"] and len(df) == 6
    assert df["Revenue 2023"].tolist()[0] == 1.5 and df["grp"].tolist()[0] == "x"
    assert ("The header spans rows 3 and 4 ('Revenue' over the names below it): those columns are named by both "
            "rows ('Revenue 2023', 'Revenue 2024'), and the data start at row 5.") in notices(rec)


@pytest.mark.parametrize("raw", [
    "name,a,,b\nx,1,2,3\ny,4,5,6\nz,7,8,9\n",  # an empty column name, a first row of data
    "a,a,b,b\n1,2,1,2\n3,4,5,6\n7,8,9,10\n",  # repeated names over numbers that are no years
    "name,score,grade\na,A,B\nb,B,C\nc,C,A\n",  # a first data row of text
    "v,,w\n2023,2024,2025\n1,2,3\n4,5,6\n",  # years in one group only, nothing beside it: could be data
    "name,city,,country\nx,Paris,FR,France\ny,Rome,IT,Italy\nz,Oslo,NO,Norway\n",  # text over text: a row
    "id,a,b,\n1,2,3,\n2,3,4,\n3,4,5,\n",  # a trailing delimiter on every line
])
def test_first_rows_that_only_look_like_a_second_header_row_stay_data(tmp_path, raw):
    rec, df = read(raw.encode(), "near.csv", tmp_path)
    assert len(df) == raw.count("\n") - 1 and "header spans" not in notices(rec)


def test_the_merged_header_s_shape_without_its_merged_cells_is_a_header_in_two_rows_too(tmp_path):
    """tests/test_reading.py's near miss 'no merged cell' ('Revenue' and a blank over 2023,
    2024, blanks beside them over names filled in every row) was kept as a data row of years
    among the revenues; it is the unmerged form of the same header."""
    rows = [["name", "Revenue", None, "grp", "n"], [None, 2023, 2024, None, None],
            ["a", 1.5, 2, "x", 7], ["b", 2.5, 3, "y", 8], ["c", 3.5, 4, "x", 9]]
    rec, df = read(xlsx(rows), "r.xlsx", tmp_path)
    assert list(df.columns) == ["name", "Revenue 2023", "Revenue 2024", "grp", "n"] and len(df) == 3
    assert ("The header spans rows 1 and 2 ('Revenue' over the names below it): those columns are named by both rows "
            "('Revenue 2023', 'Revenue 2024'), and the data start at row 3.") in notices(rec)
