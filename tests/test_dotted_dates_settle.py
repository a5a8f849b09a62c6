"""A German, Austrian or Swiss export of rows to score writes its dates with dots (31.12.2024),
its amounts with decimal commas and its counts with a dot between thousands (1.234). Found by a
new user: the dates' two dots read as both decimal separators, so no such file settled its
decimal commas (playground_runtime.settled_decimal), and a count the training file wrote plainly
(it never reached a thousand) was refused by every exit, predict.py with "the dot may separate
thousands", the endpoint and Score a file with "where the training file wrote a decimal point",
untrue of a file of decimal commas. A column of dates written with dots shows no decimal
separator, in the app's reader (data.values.columns_decimal) and in predict.py's
(playground_runtime.column_decimal) alike; near misses keep their answers."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

import playground_runtime
from executor.deployments import request_frame
from web.errors import parse_json

ROOT = Path(__file__).resolve().parent.parent
FEATURES = [{"name": "Region", "type": "categorical", "dtype": "str", "categories": ["Nord", "Süd", "Ost"]},
            {"name": "Menge", "type": "numeric", "dtype": "int64", "min": 1.0, "max": 399.0},
            {"name": "Preis", "type": "numeric", "dtype": "float64",
             "written": {"decimal": ",", "currency": ["€"], "percent": False}},
            {"name": "Datum", "type": "datetime", "dtype": "datetime64[ms]", "order": "day"}]
CARD = {"features": FEATURES, "left_out_columns": ["Umsatz"], "id_columns": [], "dataset": {"encoding": "cp1252"}}


def predict_py():
    spec = importlib.util.spec_from_file_location("bundle_predict", ROOT / "executor" / "bundle_files" / "predict.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rows(dates, counts, prices, sep=";") -> str:
    lines = [sep.join(["Region", "Menge", "Preis", "Datum"])]
    lines += [sep.join([region, count, price, date])
              for region, count, price, date in zip(["Nord", "Süd", "Ost"], counts, prices, dates)]
    return "\r\n".join(lines) + "\r\n"


def scored(text: str, tmp_path, encoding="cp1252") -> dict:
    """{exit: the Menge column as the model takes it, or the refusal}: predict.py's reader and the
    endpoint's CSV body (the reader Score a file runs too)."""
    raw = text.encode(encoding)
    path = tmp_path / "rows.csv"
    path.write_bytes(raw)
    got = {}
    for exit, read in (("predict.py", lambda: predict_py().read_rows(path, CARD)),
                       ("endpoint", lambda: request_frame(raw, "text/csv", parse_json, (200, 8), trained_in="cp1252"))):
        try:
            got[exit] = playground_runtime.prepare_rows(read(), FEATURES, [])["Menge"].tolist()
        except ValueError as e:  # ColumnsError, Invalid
            got[exit] = str(getattr(e, "detail", e))
    return got


DATES = {"dd.mm.yyyy": ["04.02.2024", "05.03.2024", "31.12.2024"], "d.m.yyyy": ["4.2.2024", "5.3.2024", "31.12.2024"],
         "dd.mm.yy": ["04.02.24", "05.03.24", "31.12.24"], "with a gap": ["04.02.2024", "", "31.12.2024"]}


@pytest.mark.parametrize("dates", list(DATES))
@pytest.mark.parametrize("prices", [["58,91 €", "12,00 €", "3,50 €"], ["1.058,91 €", "12,00 €", "3,5 €"]])
def test_counts_with_thousands_in_a_file_of_dotted_dates_and_decimal_commas_score_in_every_exit(tmp_path, dates,
                                                                                                 prices):
    got = scored(rows(DATES[dates], ["1.234", "2.500", "120"], prices), tmp_path)
    assert got == {"predict.py": [1234, 2500, 120], "endpoint": [1234, 2500, 120]}, got


@pytest.mark.parametrize("case, text, said", [
    # no number in the file shows a decimal comma: '1.234' stays open, refused as before
    ("dates and counts alone", rows(DATES["dd.mm.yyyy"], ["1.234", "2.500", "120"], ["58", "12", "3"]),
     {"predict.py": "where the dot may separate thousands", "endpoint": "1,234 or 1.234"}),
    # as many columns show a decimal point as a comma: the ';' file's convention, a comma, which settles nothing
    ("a point and a comma beside", rows(DATES["dd.mm.yyyy"], ["1.234", "2.500", "120"], ["58.91", "12.5", "3.25"])
     .replace("Datum", "Datum;Rabatt").replace("2024\r\n", "2024;0,5\r\n"),
     {"predict.py": "where the dot may separate thousands", "endpoint": "1,234 or 1.234"}),
    # a comma-separated file settles no decimal comma, dates or not
    ("commas between fields", rows(DATES["dd.mm.yyyy"], ['"1,234"', '"2,500"', "120"], ['"58,91 €"', '"12,00 €"',
                                                                                          '"3,50 €"'], sep=","),
     {"endpoint": "1,234 or 1.234"}),
])
def test_near_misses_keep_their_answers(tmp_path, case, text, said):
    got = scored(text, tmp_path)
    for exit, words in said.items():
        assert got[exit] == words if isinstance(words, list) else words in got[exit], (case, exit, got)


POINTS_BESIDE = {
    # a lab's ';' export: dates with dots, prices with a decimal point
    "dotted dates, prices": rows(DATES["dd.mm.yyyy"], ["1.234", "2.500", "120"], ["58.91", "12.5", "3.25"]),
    "year-first dates, prices": rows(["2024-02-04", "2024-03-05", "2024-12-31"], ["1.234", "2.500", "120"],
                                     ["58.91", "12.5", "3.25"]),
    "prices past a thousand": rows(DATES["d.m.yyyy"], ["1.234", "2.500", "120"], ["1058.91", "12.50", "3.5"]),
    "a gap among them": rows(DATES["with a gap"], ["1.234", "", "120"], ["58.91", "12.5", "3.25"]),
}


@pytest.mark.parametrize("case", list(POINTS_BESIDE))
def test_a_column_of_dots_before_three_digits_is_read_by_the_files_other_numbers_in_every_exit(tmp_path, case):
    """A ';' export whose prices show a decimal point (58.91) and whose counts all put three
    digits after the dot (1.234, 2.500): the endpoint and Score a file read them with a decimal
    point, as the file's other numbers write it, said; predict.py refused the file ("the dot may
    separate thousands") and sent the user to Score a file. One rule now (playground_runtime.
    decimal_hint), said alike."""
    got = scored(POINTS_BESIDE[case], tmp_path)
    want = [1.234, None, 120.0] if case == "a gap among them" else [1.234, 2.5, 120.0]
    for exit, menge in got.items():
        assert isinstance(menge, list) and [None if v != v else v for v in menge] == want, (case, exit, got)
    path = tmp_path / "rows.csv"
    said = subprocess_said(path)
    assert "Menge: read as numbers (decimal point, as the file's other numbers write it): '1.234' → 1.234." in said, said


def subprocess_said(path) -> str:
    """What predict.py's reader prints of the rows at `path` (its notes to stderr)."""
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        predict_py().read_rows(path, CARD)
    return err.getvalue()


def test_a_column_of_dotted_dates_shows_no_decimal_separator_in_either_reader():
    import pyarrow as pa

    from data import values

    columns = [["04.02.2024", "31.12.2024"], ["1.2.24", "31.12.24"], ["1.234,5", "2"], ["1.2.10", "1.3.0"],
               ["1.234.567", "12"], ["3.5", "2.25"]]
    expected = ["?", "?", ",", None, ",", "."]  # versions (1.3.0) and numbers keep what they show
    assert [playground_runtime.column_decimal(c) for c in columns] == expected
    assert values.columns_decimal([pa.array(c) for c in columns]) == expected
