"""A gap written as a marker in a column of numbers or dates (SAS's '.', UCI's '?', '-', '—',
'..' of a statistics office, 'None' among numbers) is read as missing by every exit, and SAID
by every exit as the app's reader says it on upload ("weight: read as numbers; '.' (3) read as
missing"). A fresh-eyes audit: Score a file and a CSV body said so, while predict.py (a CSV or a
workbook) and JSON records scored the same rows with the gaps unsaid, or said only as "empty
cells", which a '.' is not. And Excel's errors ('#DIV/0!', '#N/A': a formula that failed), in a
sheet saved as CSV and as error cells of a workbook, which python-calamine reads as empty cells:
read as missing unsaid everywhere. Near misses: no marker, empty cells alone and the words a
parser reads as missing ('n/a', 'NA') say nothing in the exits reading files, as on upload."""

from __future__ import annotations

import io
import json
import re

import pytest

import playground_runtime
from tests.test_bundle import predict_py
from tests.test_exits_agree import NUMBERS, cars, csv_of, data_rows, deployed, exits, header
from tests.test_reading import workbook

pytestmark = pytest.mark.usefixtures("consumer")


@pytest.fixture(scope="module")
def model(web, tmp_path_factory):
    """A regression on a cars-like table, its bundle unzipped, deployed as `cars-gaps`, and a key."""
    return deployed(web, tmp_path_factory.mktemp("gaps"), cars(160, 1), "cars-gaps")[1:]

# {case: {column: markers written in its rows}}
MARKED = {
    "sas dots": {"weight": [".", ".", "."]},
    "question marks and dashes": {"weight": ["?", "?"], "displacement": ["—"]},
    "statistics office": {"displacement": ["..", "...", ".."]},
    "None among numbers": {"weight": ["None"]},
    "spaced": {"displacement": [" . ", "?"]},
    # a formula that failed: in a workbook an error cell (t="e", which python-calamine reads as empty), in a
    # sheet saved as CSV its text
    "excel errors": {"weight": ["#DIV/0!", "#DIV/0!", "#N/A"], "displacement": ["#VALUE!"]},
}


def marked_rows(marks: dict) -> list[list]:
    rows = data_rows(8)
    at = 0
    for column, markers in marks.items():
        for marker in markers:
            rows[at][NUMBERS[column]] = marker
            at += 1
    return rows


def errors_typed(book: bytes) -> bytes:
    """The workbook with its '#…!' text cells made error cells, as Excel saves a formula that failed
    (`<c t="e"><f>…</f><v>#DIV/0!</v></c>`)."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(book))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value in playground_runtime.EXCEL_ERRORS:
                    c.data_type = "e"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def said_markers(text: str, column: str) -> dict:
    """{marker: count} a sentence of `text` says were read as missing in `column` (None: none said)."""
    for line in text.splitlines():
        if column in line and "read as missing" in line:
            part = line.split("read as missing")[0].split(column, 1)[1]
            return {m: int(n.replace(",", "")) for m, n in re.findall(r"'([^']*)' \(([\d,]+)\)", part)}
    return {}


def expected(markers: list) -> dict:
    out: dict = {}
    for m in markers:
        out[m.strip()] = out.get(m.strip(), 0) + 1
    return out


@pytest.mark.parametrize("case", sorted(MARKED))
def test_gap_markers_are_said_by_every_exit_as_the_app_says_them(web, model, case):
    marks = MARKED[case]
    rows = marked_rows(marks)
    got = exits(web, model, f"{case.replace(' ', '_')}.csv", csv_of([header(), *rows]), "cars-gaps")
    job_id, bundle, key, folder = model
    records = [dict(zip(header(), row)) for row in rows]
    answer = web.post("/api/v1/deployments/cars-gaps/predict", json={"records": records},
                      headers={"Authorization": f"Bearer {key}"}).json()
    got["endpoint json"] = (answer.get("predictions"), json.dumps(answer.get("reading") or [], ensure_ascii=False))
    book = folder / f"{case.replace(' ', '_')}.xlsx"
    book.write_bytes(errors_typed(workbook({"Cars": [header(), *rows]})))
    script = predict_py(bundle, book)
    got["predict.py xlsx"] = (script.stdout if script.returncode == 0 else None, script.stderr)
    for exit, (out, said) in got.items():
        assert out is not None, (exit, said)
        text = "\n".join(json.loads(said)) if exit.startswith("endpoint") else said  # (a list of sentences)
        for column, markers in marks.items():
            assert said_markers(text, column) == expected(markers), (exit, column, text)
        for column in set(NUMBERS) - set(marks):
            assert said_markers(text, column) == {}, (exit, column, text)


@pytest.mark.parametrize("cells", [[], ["", ""], ["n/a", "NA", "NULL"]], ids=["none", "empty cells", "parser's words"])
def test_no_marker_says_nothing_in_the_exits_reading_files(web, model, cells):
    rows = data_rows(6)
    for i, cell in enumerate(cells):
        rows[i][NUMBERS["weight"]] = cell
    got = exits(web, model, f"near_{len(cells)}_{cells[:1]}.csv".replace("/", "_"), csv_of([header(), *rows]),
                "cars-gaps")
    for exit, (out, said) in got.items():
        assert out is not None, (exit, said)
        assert "read as missing" not in said, (exit, said)
