"""A predict body that is not what its Content-Type says (found by a new user of the endpoint):
a workbook, a zip, gzip or Parquet posted as text/csv is named for what it is (415), not
answered with the csv module's "new-line character seen in unquoted field"; JSON or a web
page posted as text/csv is told which Content-Type to send (415), not to "upload" it; a
CSV table posted as JSON or with no Content-Type is told it is CSV and to send text/csv
(400), not only "not valid JSON (line 1, column 1)". Near misses keep their answers: a CSV
whose first names look like a signature is read, broken JSON is still "not valid JSON".
executor.deployments.request_frame with the web layer's own JSON reader: what the route runs."""

from __future__ import annotations

import gzip
import io
import json
import zipfile

import pandas as pd
import pytest

from data.store import Invalid
from executor.deployments import request_frame
from web.errors import parse_json

FRAME = pd.DataFrame({"age": [41, 35, 29], "plan": ["pro", "free", "pro"], "income": [52000.5, 31000.0, None]})
CSV = FRAME.to_csv(index=False)


def frame_of(body: bytes, content_type: str):
    return request_frame(body, content_type, parse_json, (200, 3), None, None)


def refusal(body: bytes, content_type: str):
    with pytest.raises(ValueError) as e:  # Invalid, or the web layer's BadRequest
        frame_of(body, content_type)
    return e.value.status, e.value.detail


def workbook(sheets: int = 1) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(list(FRAME.columns))
    for row in FRAME.itertuples(index=False):
        wb.active.append(list(row))
    for i in range(1, sheets):
        wb.create_sheet(f"Sheet {i + 1}").append(["x", "y"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def ods() -> bytes:
    """A LibreOffice spreadsheet: a zip whose first member, 'mimetype', names its type (a new
    user's .ods was answered "a zip archive ... send the CSV file inside it": it holds none)."""
    out = io.BytesIO()
    FRAME.to_excel(out, engine="odf", index=False)
    return out.getvalue()


def zipped(name: str = "rows.csv") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, CSV)
    return out.getvalue()


def parquet() -> bytes:
    out = io.BytesIO()
    FRAME.to_parquet(out)
    return out.getvalue()


BINARY = {
    "an Excel workbook (.xlsx)": [workbook, lambda: workbook(3)],
    "an OpenDocument spreadsheet (.ods)": [ods],
    # near misses: a zip of a CSV, even one named 'mimetype', stays a zip archive
    "a zip archive": [zipped, lambda: zipped("mimetype")],
    "gzip-compressed data": [lambda: gzip.compress(CSV.encode()), lambda: gzip.compress(CSV.encode("utf-16"))],
    "a Parquet file": [parquet],
    # the compound-file signature every .xls begins with, and the rest of a sector
    "an Excel 97-2003 workbook (.xls)": [lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504],
}


@pytest.mark.parametrize("kind, make", [(k, m) for k, makes in BINARY.items() for m in makes])
@pytest.mark.parametrize("charset", ["", "; charset=utf-8"])
def test_a_binary_file_sent_as_csv_is_named_for_what_it_is(kind, make, charset):
    status, detail = refusal(make(), "text/csv")
    assert status == 415, detail
    assert detail.startswith(f"The CSV body is {kind}, not CSV text. "), detail
    assert "Content-Type: application/json" in detail and "unquoted field" not in detail, detail


TEXT_FORMATS = {
    "JSON": ['{"records": [{"age": 41, "plan": "pro"}]}', '[{"age": 41, "plan": "pro"}]',
             '\n  {\n    "records": [\n      {"age": 41}\n    ]\n  }\n', '\ufeff{"age": [41, 35]}'],
    "a web page (HTML)": ["<!DOCTYPE html><html><body><table><tr><td>41</td></tr></table></body></html>",
                          "<html>\n<head><title>Export</title></head>\n<body>age;plan</body></html>"],
}


@pytest.mark.parametrize("kind, text", [(k, t) for k, texts in TEXT_FORMATS.items() for t in texts])
def test_json_or_a_web_page_sent_as_csv_is_told_what_to_send_not_to_upload(kind, text):
    status, detail = refusal(text.encode(), "text/csv")
    assert status == 415, detail
    assert detail.startswith(f"The CSV body holds {kind}, not CSV text. "), detail
    assert "upload" not in detail and "Content-Type: application/json" in detail, detail
    if kind == "JSON":
        assert '{"records": [' in detail


R_CSV = '"","age","plan","income"\n"1",41,"pro",52000.5\n"2",35,"free",31000\n'  # R's write.csv


@pytest.mark.parametrize("text, delimiter, width", [
    (CSV, "commas", 3), (CSV.replace(",", ";"), "semicolons", 3), (CSV.replace(",", "\t"), "tabs", 3),
    (CSV.replace(",", "|"), "| signs", 3), (R_CSV, "commas", 4), ("\ufeff" + CSV.replace("\n", "\r\n"), "commas", 3),
    ("age,plan\n41,pro\n", "commas", 2),
])
@pytest.mark.parametrize("content_type", ["application/json", ""])
def test_a_csv_table_sent_as_json_is_told_to_send_text_csv(text, delimiter, width, content_type):
    status, detail = refusal(text.encode(), content_type)
    assert status == 400, detail
    assert detail.startswith(f"The request body is not JSON but a CSV table ({width} columns separated by "
                             f"{delimiter}), sent with "), detail
    assert ("no Content-Type" in detail) == (content_type == ""), detail
    assert "Send a CSV body with Content-Type: text/csv" in detail, detail


@pytest.mark.parametrize("text", [
    '{"records": [{"age": 41,}]}',  # a trailing comma
    '{"records": [{"age": 41, "plan": "pro"}',  # cut short
    '  "records": [\n    {"age": 41, "plan": "pro"},\n    {"age": 35, "plan": "free"}\n  ]\n',  # no braces
    "{'records': [{'age': 41, 'plan': 'pro'}]}",  # a Python dict's repr
    "age, plan",  # one line
    "age\n41\n35\n",  # one column
    "age,plan\n41,pro,extra,more\n35\n",  # ragged: not a table
    "records=%5B%7B%22age%22%3A41%7D%5D",  # a form's encoding
])
def test_a_body_that_is_broken_json_keeps_the_json_sentence(text):
    status, detail = refusal(text.encode(), "application/json")
    assert status == 400 and detail.startswith("The request body is not valid JSON ("), detail


@pytest.mark.parametrize("text", [
    "PAR1,plan\n41,pro\n35,free\n",  # a first name that is Parquet's signature
    "PK,plan\n41,pro\n35,free\n",
    "[id],[name]\n1,a\n2,b\n",  # brackets around names: a table, not JSON
    "age;plan\n41;<b>pro</b>\n",  # markup in a value
])
def test_a_csv_whose_first_bytes_look_like_another_format_is_read(text):
    frame = frame_of(text.encode(), "text/csv")
    assert len(frame) == text.count("\n") - 1 and frame.shape[1] == 2, frame


def test_a_utf16_csv_and_json_records_are_read_as_before():
    assert frame_of(b"\xff\xfe" + CSV.encode("utf-16-le"), "text/csv").shape == (3, 3)
    records = json.dumps({"records": FRAME.astype(object).where(FRAME.notna(), None).to_dict("records")})
    assert frame_of(records.encode(), "application/json").shape == (3, 3)
    with pytest.raises(Invalid):  # a JSON body sent as JSON still goes through records_frame's checks
        frame_of(b'{"records": [{"age": [1]}]}', "application/json")


SHAPE = '{"records": [{column: value, ...}, ...]}'
NOT_RECORDS = {  # a JSON body that is not {"records": [...]}: (body, status, what the refusal starts with)
    "a bare array of records (pandas' to_json(orient='records'))":
        (FRAME.to_json(orient="records"), 400, "The request body is an array of 3 records, not an object"),
    "a bare array of one record": ('[{"age": 41, "plan": "pro"}]', 400, "The request body is an array of 1 record,"),
    "an empty array": ("[]", 400, "The request body is an array, not an object"),
    "an array of arrays": ("[[41, \"pro\"]]", 400, "The request body is an array, not an object"),
    "a bare record": ('{"age": 41, "plan": "pro"}', 422,
                      "The request body is an object without \"records\" (its keys: 'age', 'plan')"),
    "rows under another name": ('{"rows": [{"age": 41}]}', 422,
                                "The request body is an object without \"records\" (its keys: 'rows')"),
    "an empty object": ("{}", 422, 'The request body holds no "records"'),
    "a string": ('"age=41, plan=pro"', 400, "The request body is a string, not an object"),
    "a number": ("41", 400, "The request body is a number, not an object"),
    "a decimal number": ("-4.5e3", 400, "The request body is a number, not an object"),
    "null": ("null", 400, "The request body is the JSON value null, not an object"),
    "true": ("true", 400, "The request body is the JSON value true, not an object"),
    "one record as records": ('{"records": {"age": 41}}', 422, '"records" is an object, not a list of objects'),
    "a string as records": ('{"records": "age=41"}', 422, '"records" is a string, not a list of objects'),
    "numbers as records": ('{"records": [{"age": 41}, 35]}', 422, "Record 2 is a number, not an object"),
}


@pytest.mark.parametrize("case", NOT_RECORDS)
@pytest.mark.parametrize("content_type", ["application/json", ""])
def test_a_json_body_that_is_not_records_is_told_the_shape_to_send(case, content_type):
    """A tester's bare array of records was told only "The request body must be a JSON
    object", not how to wrap it; every body that is not {"records": [...]} now names what it
    is and shows the shape, a 4xx."""
    body, status, start = NOT_RECORDS[case]
    got, detail = refusal(body.encode(), content_type)
    assert got == status, detail
    assert detail.startswith(start), detail
    assert SHAPE in detail, detail


@pytest.mark.parametrize("body", [
    '{"records": [{"age": 41, "plan": "pro", "income": 5.5}]}',
    '{"records": [{"age": 41, "plan": "pro"}, {"age": 35, "plan": "free", "income": null}], "note": "x"}',
    '{"note": "first", "records": [{"age": 41}]}',
])
def test_a_body_of_records_is_read_with_no_refusal(body):
    assert len(frame_of(body.encode(), "application/json")) == json.loads(body)["records"].__len__()
