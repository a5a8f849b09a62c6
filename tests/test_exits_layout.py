"""The bundle's predict.py reads a file's layout as the app's reader does (data.reading, used
by "Score a file" and the predict endpoint's CSV body), by the same rules in
playground_runtime and in the same words: title lines above the header ("Sales report 2024"
and an empty line, as Excel and many exports write), a header in two rows whose joined names
repeat a name, and a workbook (.xlsx, .xls, .ods). Each class over several variants, with
near misses that read as before; the same file gives the same predictions in every exit."""

from __future__ import annotations

import html
import io
import re

import numpy as np
import pandas as pd
import pytest

from data import ingest
from tests.test_bundle import predict_module
from tests.test_exits_agree import (
    COLUMNS,
    JOINED,
    TWO_ROWS_SUB,
    TWO_ROWS_TOP,
    cars,
    csv_of,
    data_rows,
    deployed,
    header,
    run_cars,
    scored_by_every_exit,
)
from tests.test_reading import workbook

pytestmark = pytest.mark.usefixtures("consumer")


@pytest.fixture(scope="module")
def model(web, tmp_path_factory):
    """test_exits_agree's regression on cars, deployed as `cars-layout`: (run id, bundle, key, folder)."""
    return deployed(web, tmp_path_factory.mktemp("layout"), cars(160, 1), "cars-layout")[1:]


@pytest.fixture(scope="module")
def two_rows(web, tmp_path_factory):
    """test_exits_agree's regression trained on a header in two rows ('Engine' over cylinders,
    displacement and weight), deployed as `cars-two-rows-layout`."""
    frame = cars(160, 5)
    frame["year"] = frame["year"].dt.strftime("%Y-%m-%d")
    text = csv_of([TWO_ROWS_TOP, TWO_ROWS_SUB, *frame.astype(object).to_numpy().tolist()])
    return deployed(web, tmp_path_factory.mktemp("two-rows-layout"), text, "cars-two-rows-layout")[1:]


def app_read(path):
    """The rows of `path` as Score a file reads them, and the sentences it says of them."""
    record = ingest.ingest_path(path, path.name, path.parent, ingest.Limits(max_bytes=1 << 24), table_only=True)
    frame = ingest.frame_to_score(record)
    return frame, frame.attrs["reading"]


CARD = {"features": [{"name": "name", "type": "categorical", "dtype": "str"},
                     {"name": "x", "type": "numeric", "dtype": "float64"},
                     {"name": "y", "type": "numeric", "dtype": "float64"}]}


def read_alike(tmp_path, capsys, name: str, text: str, words: tuple) -> tuple:
    """predict.py's read_rows and the app's reader on one file: the same column names and
    values, and every sentence of the app's that holds one of `words` said by predict.py too
    (as a note). Returns (predict.py's frame, what it said, the app's sentences)."""
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    capsys.readouterr()
    frame = predict_module().read_rows(path, CARD)
    said = capsys.readouterr().err
    app, sentences = app_read(path)
    assert list(frame.columns) == list(app.columns), (name, said, sentences)
    # a '-' in a number column is left as written by predict.py's reader, for the one rule the model reads rows by
    # (playground_runtime.accounting_zeros: Excel's zero among amounts in its layout, else a gap, as here)
    numbers = [f["name"] for f in CARD["features"] if f["type"] == "numeric" and f["name"] in frame.columns]
    frame = frame.assign(**{c: frame[c].where(frame[c].astype(str).str.strip() != "-", np.nan) for c in numbers})
    assert frame.astype(str).to_numpy().tolist() == app.astype(str).to_numpy().tolist(), (frame, app)
    mine = [s for s in sentences if any(w in s for w in words)]
    for sentence in mine:
        assert f"note: {sentence}" in said, (name, sentence, said)
    return frame, said, mine


# --------------------------------------------------------------------------- title lines above the header
ROWS = "name,x,y\na,1,2.5\nb,2,3.5\nc,3,4.5\n"
ABOVE = ("above the table",)


def titled() -> dict:
    """{class: (file text, the header's line)}."""
    semicolons = ROWS.replace(",", ";")
    return {
        "a title and an empty line": ("Sales report 2024\n\n" + ROWS, 3),
        "a title alone": ("Sales report 2024\n" + ROWS, 2),
        "two title lines": ("Sales report 2024\nRegion North\n\n" + ROWS, 4),
        "Windows line ends": (("Sales report 2024\n\n" + ROWS).replace("\n", "\r\n"), 3),
        "semicolons, as Excel saves a titled sheet": ("Umsatzbericht 2024;;\n;;\n" + semicolons, 3),
        "a title in a quoted cell": ('"Sales report, 2024"\n\n' + ROWS, 3),
        "a comment": ("# exported 2024-12-01 by ERP\n" + ROWS, 2),
        "Excel's sep= line, then a title": ("sep=;\nUmsatz 2024;;\n;;\n" + semicolons, 4),
        "a title over semicolons, Windows line ends": (("Report\n\n" + semicolons).replace("\n", "\r\n"), 3),
    }


@pytest.mark.parametrize("case", sorted(titled()))
def test_predict_py_leaves_out_title_lines_as_the_app_does(tmp_path, capsys, case):
    """A title and an empty line above the column names (Excel's "Save as CSV" of a sheet
    with a title): the app's reader left them out and said so; predict.py took the title for
    the header (pandas' "Expected 1 fields in line 3, saw 3", or "missing column 'x'")."""
    text, at = titled()[case]
    frame, said, mine = read_alike(tmp_path, capsys, "titled.csv", text, ABOVE)
    assert frame["x"].tolist() == [1, 2, 3] and frame["name"].tolist() == ["a", "b", "c"], (frame, said)
    assert len(mine) == 1 and f"the header is line {at}." in mine[0], (mine, said)


def not_titled() -> dict:
    """{class: file text}: files whose first line is the header, whatever lies below it."""
    return {
        "a plain file": ROWS,
        "a first data row of one text cell, the rest blank": "name,x,y\nNorth region,,\na,1,2.5\nb,2,3.5\n",
        "the same with semicolons": "name;x;y\nNorth region;;\na;1;2.5\nb;2;3.5\n",
        "an empty line under the header": "name,x,y\n\na,1,2.5\nb,2,3.5\n",
        "a first data row of one text cell, Windows line ends": "name,x,y\r\nTotal North,,\r\na,1,2.5\r\n",
        "a first data row of one quoted text cell": 'name,x,y\n"North, all",,\na,1,2.5\nb,2,3.5\n',
        "Excel's sep= line, then the header": "sep=;\nname;x;y\nNorth;;\na;1;2.5\n",
    }


@pytest.mark.parametrize("case", sorted(not_titled()))
def test_a_first_data_row_that_looks_like_a_title_stays_data(tmp_path, capsys, case):
    frame, said, mine = read_alike(tmp_path, capsys, "plain.csv", not_titled()[case], ABOVE)
    assert not mine and "above the table" not in said, said
    assert list(frame.columns) == ["name", "x", "y"]


@pytest.mark.parametrize("case", ["a title and an empty line", "two title lines", "Windows line ends",
                                  "a title in a quoted cell", "semicolons, as Excel saves a titled sheet"])
def test_title_lines_give_the_same_predictions_in_every_exit(web, model, case):
    """The cars model scores five cars under a title as it scores them without one, in every
    exit, each saying the same sentence; a first row of one text cell stays a row."""
    rows = data_rows()
    plain = csv_of([header(), *rows])
    want = scored_by_every_exit(web, model, "untitled.csv", plain, "cars-layout")
    lines = {"a title and an empty line": "Cars 2024\n\n", "two title lines": "Cars 2024\nfleet A\n\n",
             "Windows line ends": "Cars 2024\n\n", "a title in a quoted cell": '"Cars, 2024"\n\n',
             "semicolons, as Excel saves a titled sheet": "Cars 2024;;;;;\n;;;;;\n"}[case]
    text = lines + (plain.replace(",", ";") if "semicolons" in case else plain)
    text = text.replace("\n", "\r\n") if "Windows" in case else text
    got = scored_by_every_exit(web, model, case.replace(" ", "_").replace(",", "") + ".csv", text, "cars-layout")
    n = lines.count("\n")
    shown = lines.split("\n")[0].strip(';"')
    sentence = (f"The first {n} lines are above the table (a title or comments: {shown!r}) and were left out: the "
                f"header is line {n + 1}.")
    for exit, (out, said) in got.items():
        assert out is not None and out == want[exit][0], (exit, said)
        assert sentence in said, (exit, said)
    assert f"note: {sentence}" in got["predict.py"][1]
    # a near miss: a first row of one text cell, the rest blank, is a car with gaps, scored
    looks = csv_of([header(), ["Cars 2024", None, None, None, None, None], *rows])
    got = scored_by_every_exit(web, model, "looks_titled.csv", looks, "cars-layout")
    assert got["predict.py"][0] is not None and len(got["predict.py"][0]) == 6, got
    assert got["predict.py"][0] == got["app"][0] == got["endpoint csv"][0], got
    assert all("above the table" not in said for _, said in got.values()), got


# --------------------------------------------------------------------------- a header in two rows whose joined names repeat
REPEAT = ("appears", "The header spans")


def joined_repeats() -> dict:
    """{class: (file text, the repeated name, its places)}."""
    return {
        "a group's name again later": ("A,,B,,A,\nx,y,p,q,x,z\n" + "1,2,3,4,5,6\n7,8,9,10,11,12\n13,14,15,16,17,18\n",
                                       "A x", (1, 5)),
        "a joined name a one-row column has": ("A,,A x,name\nx,y,,\n1,2,3,k\n5,6,7,l\n9,10,11,m\n", "A x", (1, 3)),
        "three copies": ("A,,B,,A,,A x\nx,y,p,q,x,z,\n" + "1,2,3,4,5,6,7\n8,9,10,11,12,13,14\n15,16,17,18,19,20,21\n",
                         "A x", (1, 5, 7)),
        "semicolons": ("A;;B;;A;\nx;y;p;q;x;z\n1;2;3;4;5;6\n7;8;9;10;11;12\n13;14;15;16;17;18\n", "A x", (1, 5)),
        "Windows line ends": ("A,,B,,A,\r\nx,y,p,q,x,z\r\n1,2,3,4,5,6\r\n7,8,9,10,11,12\r\n13,14,15,16,17,18\r\n",
                              "A x", (1, 5)),
        "under a title": ("Report 2024\n\nA,,B,,A,\nx,y,p,q,x,z\n1,2,3,4,5,6\n7,8,9,10,11,12\n13,14,15,16,17,18\n",
                          "A x", (1, 5)),
    }


@pytest.mark.parametrize("case", sorted(joined_repeats()))
def test_a_two_row_header_whose_joined_names_repeat_is_named_as_the_app_names_it(tmp_path, capsys, case):
    """"A,,B,,A," over "x,y,p,q,x,z" joins to 'A x' twice: predict.py stopped with pandas'
    "Duplicate names are not allowed."; the app named the copy 'A x_2' and said so. predict.py
    now names it by the same rule, says the same, and lists it as a name the header repeats
    (rows to score with it are refused saying so, playground_runtime.prepare_rows)."""
    text, name, places = joined_repeats()[case]
    frame, said, mine = read_alike(tmp_path, capsys, "joined.csv", text, REPEAT)
    assert any(f"{name!r} appears" in s for s in mine) and any("The header spans" in s for s in mine), (mine, said)
    repeated = frame.attrs["repeated_names"]
    assert [r[0] for r in repeated if r[0] == name] and {r[1] for r in repeated if r[0] == name} >= set(places), \
        repeated
    if case == "three copies":
        assert "'A x' appears 3 times in the header: the third is named 'A x_3'." in said, said


@pytest.mark.parametrize("text", ["A,,B,\nx,y,x,y\n1,2,3,4\n5,6,7,8\n9,10,11,12\n",
                                  "A,,B,\r\nx,y,x,y\r\n1,2,3,4\r\n5,6,7,8\r\n9,10,11,12\r\n",
                                  "A;;B;\nx;y;x;y\n1;2;3;4\n5;6;7;8\n9;10;11;12\n"])
def test_two_groups_over_the_same_names_join_to_names_said_once(tmp_path, capsys, text):
    """The near miss: 'A x', 'A y', 'B x', 'B y' repeat no name: nothing is renumbered."""
    frame, said, mine = read_alike(tmp_path, capsys, "groups.csv", text, REPEAT)
    assert list(frame.columns) == ["A x", "A y", "B x", "B y"] and "appears" not in said, said
    assert frame.attrs["repeated_names"] == []


def test_a_joined_name_repeated_is_refused_by_every_exit_in_one_sentence(web, two_rows):
    """The cars model trained on 'Engine' over cylinders, displacement and weight, given a
    file whose header joins to 'Engine cylinders' twice: predict.py ended in pandas' traceback;
    every exit now refuses the rows with the same sentence."""
    rows = data_rows()
    top = ["Engine", "", "origin", "Engine", "", "year"]
    sub = ["cylinders", "weight", "", "cylinders", "displacement", ""]
    text = csv_of([top, sub, *[[r[2], r[4], r[1], r[2], r[3], r[5]] for r in rows]])
    got = scored_by_every_exit(web, two_rows, "engine_twice.csv", text, "cars-two-rows-layout")
    refusal = "'Engine cylinders' appears twice in the header (columns 1 and 4: keep one)"
    for exit, (out, said) in got.items():
        assert out is None and refusal in said and "Traceback" not in said, (exit, said)
    # the same rows under joined names said once: scored alike
    ok = csv_of([JOINED[:-1], *rows])
    got = scored_by_every_exit(web, two_rows, "engine_once.csv", ok, "cars-two-rows-layout")
    assert got["predict.py"][0] is not None and got["predict.py"][0] == got["app"][0] == got["endpoint csv"][0]



# --------------------------------------------------------------------------- workbooks
def sheets_file(path, sheets: dict, merges=()) -> None:
    """A workbook of `sheets` ({name: rows}) at `path`: .xlsx through openpyxl (`merges`:
    ranges like "B1:D1" on the first sheet), .ods through pandas' odf writer (one sheet)."""
    if path.suffix == ".ods":
        (name, rows), = sheets.items()
        pd.DataFrame(rows[1:], columns=rows[0]).to_excel(path, engine="odf", index=False, sheet_name=name)
        return
    path.write_bytes(workbook(sheets, merges))


SHEET = [["name", "x", "y"], ["a", 1, 2.5], ["b", 2, 3.5], ["c", 3, 4.5]]
SHEET_WORDS = ("sheet", "header", "note", "blank", "appears", "merged")


def sheet_cases() -> dict:
    """{class: (sheets, merges, the app's sentences predict.py says too (a part of each))}."""
    notes = [*SHEET, [], ["Source: ERP export 2024-12-01"]]
    return {
        "a plain sheet": ({"Rows": SHEET}, (), []),
        "a title above": ({"Rows": [["Sales report 2024"], [], *SHEET]}, (),
                          ["The first 2 row(s) of the sheet are above the table (a title?) and were skipped: the "
                           "header is row 3."]),
        "two sheets, the larger second": ({"Notes": [["read me"]], "Rows": SHEET}, (),
                                          ["Read sheet 'Rows' (the largest), 2 of 2 (also in the workbook: 'Notes')"]),
        "a note under the table": ({"Rows": notes}, (), ["is a note under the table, not data"]),
        "a blank row among the data": ({"Rows": [*SHEET[:2], [], *SHEET[2:]]}, (),
                                       ["1 blank sheet row (no value in any column) was left out."]),
        "a header in two rows, merged": ({"Rows": [["name", "Size", None], [None, "x", "y"],
                                                   *SHEET[1:]]}, ("B1:C1",), ["The header spans rows 1 and 2"]),
        "a name twice": ({"Rows": [["name", "x", "x"], *SHEET[1:]]}, (),
                         ["'x' appears twice in the header: the second is named 'x_2'."]),
        "gaps written as words": ({"Rows": [*SHEET, ["d", "n/a", "-"]]}, (), []),
        "a first data row of one text cell": ({"Rows": [SHEET[0], ["North"], *SHEET[1:]]}, (), []),
    }


@pytest.mark.parametrize("case", sorted(sheet_cases()))
def test_predict_py_reads_a_workbook_as_the_app_does(tmp_path, capsys, case):
    """predict.py refused any workbook ("save as CSV UTF-8, or use Score a file"). It now
    reads the sheet the app reads, from the same header row, with the same columns and
    values (as the model takes them), and says what the app says of it."""
    import playground_runtime

    sheets, merges, sentences = sheet_cases()[case]
    path = tmp_path / "rows.xlsx"
    sheets_file(path, sheets, merges)
    capsys.readouterr()
    frame = predict_module().read_rows(path, CARD)
    said = capsys.readouterr().err
    app, app_said = app_read(path)
    assert list(frame.columns) == list(app.columns), (said, app_said)
    assert frame.attrs["repeated_names"] == app.attrs["repeated_names"]
    features = [{"name": c, "type": "categorical", "dtype": "str"} if c == "name" else
                {"name": c, "type": "numeric", "dtype": "float64"} for c in app.columns]
    if not frame.attrs["repeated_names"]:
        mine, theirs = (playground_runtime.prepare_rows(f, features) for f in (frame, app))
        pd.testing.assert_frame_equal(mine, theirs, check_dtype=False)
    for sentence in app_said:
        if any(w in sentence for w in SHEET_WORDS):
            # (the words on choosing another sheet are each exit's own: the page's, Score a file's, predict.py's)
            assert re.split("; (?:choose|to score) another sheet", sentence)[0] in said, (sentence, said)
    for sentence in sentences:
        assert sentence in said and any(sentence in s for s in app_said), (sentence, said, app_said)
    assert not sentences or "note: " in said


def test_predict_py_without_python_calamine_says_what_to_install(tmp_path, monkeypatch):
    import sys

    import playground_runtime

    path = tmp_path / "rows.xlsx"
    sheets_file(path, {"Rows": SHEET})
    monkeypatch.setitem(sys.modules, "python_calamine", None)  # (not installed: its import fails)
    with pytest.raises(playground_runtime.ColumnsError) as e:
        predict_module().read_rows(path, CARD)
    assert str(e.value) == ("rows.xlsx is a workbook, which predict.py reads with python-calamine, not installed "
                            "here: pip install python-calamine (requirements.txt names the version the app used), or "
                            "save the sheet as CSV UTF-8.")


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_a_model_trained_on_a_csv_scores_the_rows_as_a_workbook_alike_in_predict_py_and_the_app(web, model, suffix):
    """The cars model, trained on a CSV, given the same five cars in a workbook (under a
    title, beside a smaller sheet, the years as dates): predict.py run from the unzipped
    bundle in a fresh Python, and Score a file, predict what the CSV of those rows gets; the
    bundle's requirements.txt names python-calamine, commented out, as it names pyarrow."""
    import datetime as dt
    from importlib.metadata import version

    from tests.test_bundle import app_score, predict_py

    job_id, bundle, key, folder = model
    rows = data_rows()
    want = scored_by_every_exit(web, model, "cars.csv", csv_of([header(), *rows]), "cars-layout")["predict.py"][0]
    dated = [[*r[:5], dt.datetime.fromisoformat(r[5])] for r in rows]
    path = folder / f"cars{suffix}"
    if suffix == ".ods":
        sheets_file(path, {"Cars": [header(), *dated]})
    else:
        sheets_file(path, {"Notes": [["fleet"], ["2024"]], "Cars": [["Cars 2024"], [], header(), *dated]})
    script = predict_py(bundle, path)
    assert script.returncode == 0, script.stderr
    app_csv, fragment = app_score(web, job_id, "m", path)
    assert app_csv is not None, fragment

    def column(text):
        return pd.read_csv(io.StringIO(text))["prediction"].round(9).tolist()

    assert column(script.stdout) == column(app_csv) == want, (script.stderr, fragment)
    if suffix == ".xlsx":
        said = "The first 2 row(s) of the sheet are above the table (a title?) and were skipped: the header is row 3."
        assert f"note: {said}" in script.stderr and said in html.unescape(fragment)
        assert "note: Read sheet 'Cars' (the largest), 2 of 2 (also in the workbook: 'Notes')." in script.stderr
    assert f"# python-calamine=={version('python-calamine')}" in (bundle / "requirements.txt").read_text()


# --------------------------------------------------------------------------- a header whose names hold line breaks
def broken_headers() -> dict:
    """{class: (file text, the names)}: Excel's Alt+Enter in a header cell, saved quoted."""
    rows = "a,1,2.5\nb,2,3.5\nc,3,4.5\n"
    return {
        "a middle name": ('name,"x\n(cm)",y\n' + rows, ["name", "x\n(cm)", "y"]),
        "the first name": ('"na\nme",x,y\n' + rows, ["na\nme", "x", "y"]),
        "every name, semicolons": ('"na\nme";"x\n(cm)";"y\n2023"\n' + rows.replace(",", ";"),
                                   ["na\nme", "x\n(cm)", "y\n2023"]),
        "Windows line ends": (('name,"x\n(cm)",y\n' + rows).replace("\n", "\r\n"), ["name", "x\n(cm)", "y"]),
        "under a title": ('Report 2024\n\nname,"x\n(cm)",y\n' + rows, ["name", "x\n(cm)", "y"]),
    }


@pytest.mark.parametrize("case", sorted(broken_headers()))
def test_predict_py_reads_a_header_whose_names_hold_line_breaks_as_the_app_does(tmp_path, capsys, case):
    """A new user's workbook saved as CSV with a header cell typed with Alt+Enter: the app
    reads it (a merged helper's fix), and predict.py stopped with pandas' "Expected 1 fields
    in line 4, saw 2" on the same file. Both now read the same names and values."""
    text, names = broken_headers()[case]
    frame, said, _ = read_alike(tmp_path, capsys, "broken.csv", text, ABOVE)
    assert [str(c).replace("\r\n", "\n") for c in frame.columns] == names, (list(frame.columns), said)
    assert frame.iloc[:, 0].tolist() == ["a", "b", "c"], frame


# --------------------------------------------------------------------------- a units row under the header
UNITS = ("holds units under the header",)
DATA = "a,1,2.5\nb,2,3.5\nc,3,4.5\n"


def units_rows() -> dict:
    """{class: (file text, the units the app names, the units line)}: a line of units between
    the header and the data, as lab and sensor exports write it."""
    semicolons = "name;x;y\n;cm;kg\n" + DATA.replace(",", ";")
    return {
        "units in every number column": ("name,x,y\n,cm,kg\n" + DATA, "x: cm, y: kg", 2),
        "units in some columns": ("name,x,y\n,cm,\n" + DATA, "x: cm", 2),
        "parenthesised units": ("name,x,y\n,(cm),(kg)\n" + DATA, "x: (cm), y: (kg)", 2),
        "quoted units, a unit over the text column too": ('name,x,y\n"-","cm","kg"\n' + DATA, "x: cm, y: kg", 2),
        "semicolons, Windows line ends": (semicolons.replace("\n", "\r\n"), "x: cm, y: kg", 2),
        "under a title": ("Lab report 2024\n\nname,x,y\n,degC,hPa\n" + DATA, "x: degC, y: hPa", 4),
        "under a header whose name holds a line break": ('name,"x\n(length)",y\n,cm,kg\n' + DATA, None, 3),
    }


@pytest.mark.parametrize("case", sorted(units_rows()))
def test_predict_py_leaves_out_a_units_row_as_the_app_does(tmp_path, capsys, case):
    """A file with units under its header (',cm,kg'): the app's reader left the line out and
    said so, and predict.py refused the same file ("'x' holds values of the wrong type: 'cm'").
    Both now read the rows below it, by one rule (playground_runtime.units_row), in one sentence."""
    text, shown, line = units_rows()[case]
    frame, said, mine = read_alike(tmp_path, capsys, "units.csv", text, UNITS)
    assert frame.iloc[:, 0].tolist() == ["a", "b", "c"] and frame.iloc[:, 1].tolist() == [1, 2, 3], (frame, said)
    assert frame.iloc[:, 2].tolist() == [2.5, 3.5, 4.5], (frame, said)
    assert len(mine) == 1 and mine[0].startswith(f"Line {line} holds units under the header ("), (mine, said)
    if shown:
        assert f"({shown})" in mine[0], mine


def not_units() -> dict:
    """{class: file text}: a first line under the header that is data, however it looks."""
    return {
        "a first row of numbers": "name,x,y\n" + DATA + "d,4,5.5\n",
        "a number among the words": "name,x,y\nunit,cm,2\n" + DATA,
        "one text cell, the rest empty": "name,x,y\nNorth region,,\n" + DATA,
        "gaps written as words": "name,x,y\nz,n/a,-\n" + DATA,
        "words too long to be units": "name,x,y\n,centimetres of height,kilograms of weight\n" + DATA,
        "too few rows below to tell": "name,x,y\n,cm,kg\na,1,2.5\nb,2,3.5\n",
        "words over columns of words": "name,x,y\nLabel,Tall,Heavy\na,tall,heavy\nb,short,light\nc,tall,light\n",
    }


@pytest.mark.parametrize("case", sorted(not_units()))
def test_a_first_data_row_that_is_no_units_row_stays_data(tmp_path, capsys, case):
    """Near misses: each first line under the header is data to both readers, and neither says units."""
    text = not_units()[case]
    frame, said, mine = read_alike(tmp_path, capsys, "data.csv", text, UNITS)
    assert not mine and "units" not in said, (mine, said)
    assert len(frame) == text.count("\n") - 1, frame


def units_cars(rows: list) -> str:
    """Cars written with a line of units under the header (cc, lb, mpg; none over the others)."""
    return csv_of([header(COLUMNS), ["", "", "", "cc", "lb", "", "mpg"], *rows])


@pytest.fixture(scope="module")
def units_model(web, tmp_path_factory):
    """The cars regression trained on a file with a units row under its header, deployed as `cars-units`."""
    frame = cars(160, 6)
    frame["year"] = frame["year"].dt.strftime("%Y-%m-%d")
    up, job_id, bundle, key, folder = deployed(web, tmp_path_factory.mktemp("units"),
                                               units_cars(frame.astype(object).to_numpy().tolist()), "cars-units")
    assert any("Line 2 holds units under the header (displacement: cc, weight: lb, mpg: mpg)" in n["text"]
               for n in up["notices"]), up["notices"]
    return job_id, bundle, key, folder


def test_a_model_trained_with_a_units_row_scores_files_with_and_without_one_alike_in_every_exit(web, units_model):
    """Trained on a file with units under its header, scored with a file written the same way
    (one unit in parentheses) and one without: the same predictions in every exit, and the
    units row said in one sentence by every exit."""
    rows = data_rows()
    plain = scored_by_every_exit(web, units_model, "plain.csv", csv_of([header(), *rows]), "cars-units")
    assert all(out is not None for out, _ in plain.values()), plain
    assert all("units" not in said for _, said in plain.values()), plain
    want = plain["app"][0]
    # (the classes of units rows, parenthesised, in some columns ..., are read alike above: read_alike)
    files = {"every": (["", "", "", "(cc)", "lb", ""], "displacement: (cc), weight: lb")}
    for case, (units, shown) in files.items():
        got = scored_by_every_exit(web, units_model, f"units_{case}.csv", csv_of([header(), units, *rows]),
                                   "cars-units")
        sentence = f"Line 2 holds units under the header ({shown}), not data: it was left out."
        for exit, (out, said) in got.items():
            assert out == want, (case, exit, said)
            assert sentence in said, (case, exit, said)


# --------------------------------------------------------------------------- whole-number ids in a workbook
def id_cars(n: int, seed: int, start: int = 1) -> pd.DataFrame:
    """Cars with two whole-number ids (an order number and a serial number) before them."""
    frame = cars(n, seed)
    frame.insert(0, "serial_id", range(5000 + start, 5000 + start + n))
    frame.insert(0, "order_id", range(start, start + n))
    return frame


@pytest.fixture(scope="module")
def workbook_ids(web, tmp_path_factory):
    """The cars regression trained on a workbook whose order_id and serial_id are whole numbers
    (stored by Excel as floats, 1.0, 2.0 ...: ids, as `name` is), deployed as `cars-workbook-ids`."""
    from tests.test_bundle import unzip

    folder = tmp_path_factory.mktemp("workbook-ids")
    frame = id_cars(160, 8)
    path = folder / "cars.xlsx"
    sheets_file(path, {"Cars": [list(frame.columns), *frame.astype(object).to_numpy().tolist()]})
    up = web.post("/api/v1/datasets", files={"file": ("cars.xlsx", path.read_bytes())})
    assert up.status_code == 201, up.text
    job = run_cars(web, up.json()["id"], "workbook ids")
    bundle = unzip(web, job["id"], "m", folder / "bundle")
    card = __import__("json").loads((bundle / "model_card.json").read_text())
    assert {"order_id", "serial_id", "name"} <= set(card["id_columns"]), card["id_columns"]
    assert not {"order_id", "serial_id"} & {f["name"] for f in card["features"]}, card["features"]
    return job["id"], bundle, folder


def test_whole_number_ids_in_a_workbook_are_written_as_the_app_writes_them_by_predict_py(web, workbook_ids):
    """A workbook's whole numbers are floats to Excel (1.0, 2.0): the app's reader reads a
    column of them as whole numbers, and Score a file wrote the ids 1, 2, 3 where predict.py
    wrote 1.0, 2.0, 3.0. Over whole ids, whole ids with a gap, ids that are no whole numbers
    (1.5, which stay as they are) and text ids, predict.py writes the id columns as the app
    does, and the predictions and every other column alike."""
    from tests.test_bundle import app_score, predict_py

    job_id, bundle, folder = workbook_ids
    rows = id_cars(5, 9, start=900).drop(columns="mpg")
    cases = {
        "whole": rows,
        "a gap": rows.assign(order_id=[900, None, 902, 903, 904], serial_id=[5900, 5901, 5902, None, 5904]),
        "not whole": rows.assign(order_id=[1.5, 2.25, 3.0, 4.0, 5.0], serial_id=[5900.5, 5901, 5902, 5903, 5904]),
        "text": rows.assign(order_id=[f"A-{i}" for i in range(5)], serial_id=["7", "x8", "9", "10", "11"]),
    }
    for case, frame in cases.items():
        path = folder / f"ids_{case.replace(' ', '_')}.xlsx"
        values = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
        sheets_file(path, {"Cars": [list(frame.columns), *values]})
        script = predict_py(bundle, path)
        app_csv, fragment = app_score(web, job_id, "m", path)
        assert script.returncode == 0 and app_csv is not None, (case, script.stderr, fragment)
        assert script.stdout.splitlines()[0].startswith("order_id,serial_id,name,prediction"), script.stdout
        assert script.stdout == app_csv, (case, script.stdout, app_csv)
        ids = pd.read_csv(io.StringIO(script.stdout), dtype=str)
        if case == "whole":
            assert ids["order_id"].tolist() == ["900", "901", "902", "903", "904"], script.stdout
        if case == "not whole":
            assert ids["order_id"].tolist()[:2] == ["1.5", "2.25"] and ids["serial_id"][0] == "5900.5", script.stdout


# --------------------------------------------------------------------------- a workbook's date column over its totals row
DATED_CARD = {"features": [{"name": "when", "type": "datetime", "dtype": "datetime64[us]"},
                           {"name": "name", "type": "categorical", "dtype": "str"},
                           {"name": "x", "type": "numeric", "dtype": "float64"},
                           {"name": "y", "type": "numeric", "dtype": "float64"}]}


def dated_sheets() -> dict:
    """{class: rows (header first)}: a sheet whose first column holds dates, ending in a totals
    row whose label stands in that date column (as a sales export writes "Total" under its
    order dates), and near misses: the label in a text column, no totals row."""
    import datetime as dt

    days = [dt.datetime(2023, 4, 17), dt.datetime(2023, 12, 28), dt.datetime(2023, 2, 17), dt.datetime(2023, 7, 1)]
    body = [[d, n, x, y] for d, n, x, y in zip(days, "abcd", (1, 2, 3, 4), (2.5, 3.5, 4.5, 5.5))]
    head = ["when", "name", "x", "y"]
    return {
        "'Total' under the dates": [head, *body, ["Total", None, 10, 16.0]],
        "'Summe' under the dates": [head, *body, ["Summe", None, 10, 16.0]],
        "'Grand total' under dates without a time": [
            head, *[[r[0].date(), *r[1:]] for r in body], ["Grand total", None, 10, 16.0]],
        "a title above, 'Gesamt' under the dates": [["Umsatz 2023"], [], head, *body, ["Gesamt", None, 10, 16.0]],
        "near miss: the label in the text column": [head, *body, [None, "Total", 10, 16.0]],
        "near miss: no totals row": [head, *body],
    }


@pytest.mark.parametrize("case", sorted(dated_sheets()))
def test_predict_py_reads_dates_above_a_totals_row_in_a_workbook_as_the_app_does(tmp_path, capsys, case):
    """A new user's sales workbook (a date column, 'Total' under it in the last row): Score a
    file scored it, and the bundle's predict.py refused the training file itself ("'Order date'
    should hold dates written as ISO 8601 ... (values like '2023-04-17 00:00:00')"): the label
    had kept the column's cells Python datetimes, which stayed so when the row was left out. It
    now reads them as the dates they are, as the app does, for each label and layout."""
    import playground_runtime

    path = tmp_path / "rows.xlsx"
    sheets_file(path, {"Sales": dated_sheets()[case]})
    capsys.readouterr()
    frame = predict_module().read_rows(path, DATED_CARD)
    app, _ = app_read(path)
    assert list(frame.columns) == list(app.columns) == ["when", "name", "x", "y"]
    assert len(frame) == len(app) == 4
    mine, theirs = (playground_runtime.prepare_rows(f, DATED_CARD["features"]) for f in (frame, app))
    pd.testing.assert_frame_equal(mine, theirs, check_dtype=False)
    assert mine["when"].dt.strftime("%Y-%m-%d").tolist() == ["2023-04-17", "2023-12-28", "2023-02-17", "2023-07-01"]
