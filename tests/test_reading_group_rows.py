"""A workbook whose header is in two rows: groups' names in the first ("Machine" merged over
A1:D1, "Extras" over E1:H1 ...), the columns' names in the second (speed, hd, ram ...). A new
user's sheet (built with openpyxl) had its group row skipped as "a title?": the groups' names
were lost and the sentence untrue. The app's reader and the bundle's predict.py read it as the
CSV reader reads a header in two rows (playground_runtime.group_row_over_names: the same
naming, the same sentence), and a model trained on such a sheet scores it alike in every exit.
Each class over several layouts, and near misses that stay a title or a one-row header."""

from __future__ import annotations

import datetime as dt
import html
import io
import json

import numpy as np
import pandas as pd
import pytest

from tests.test_bundle import predict_module
from tests.test_reading import notices, read, workbook

NAMES = ["speed", "hd", "ram", "screen", "price", "cd", "multi", "premium", "ads", "trend"]


def computers(n: int = 12) -> list[list]:
    """Rows of Ecdat's Computers (the new user's data), in NAMES' order."""
    rng = np.random.default_rng(3)
    return [[int(rng.choice([25, 33, 50, 66])), int(rng.integers(80, 500)), int(rng.choice([4, 8, 16])),
             int(rng.choice([14, 15, 17])), int(rng.integers(1200, 3000)), str(rng.choice(["yes", "no"])),
             str(rng.choice(["yes", "no"])), str(rng.choice(["yes", "no"])), int(rng.integers(40, 300)),
             int(rng.integers(1, 35))] for _ in range(n)]


def over(groups: dict) -> list:
    """A group row over NAMES: {column (0 = A): group's name}."""
    return [groups.get(j) for j in range(len(NAMES))]


def said_two(first: int, tops: list, joined: list, how: str) -> str:
    """The sentence of a header in two rows, as the CSV reader says it (rows, not lines)."""
    return (f"The header spans rows {first} and {first + 1} ({', '.join(repr(t) for t in tops[:4])}"
            f"{' …' if len(tops) > 4 else ''} {how}): those columns are named by both rows "
            f"({', '.join(repr(n) for n in joined[:6])}{' …' if len(joined) > 6 else ''}), and the data start at "
            f"row {first + 2}.")


MERGED, EACH = "merged over the names below", "each over the names below it"
GROUPED_10 = (["Machine"] * 4 + [None] + ["Extras"] * 3 + [None] * 2)  # Machine A:D, price, Extras F:H, ads, trend


def joined(groups: list) -> list:
    return [f"{g} {n}" if g else n for g, n in zip(groups, NAMES)]


def grouped() -> dict:
    """{class: (rows above the names, merges, the names read, the sentence, the header's row)}."""
    every = ["Machine"] * 4 + ["Offer"] * 4 + ["Market"] * 2  # A:D, E:H, I:J: every column in a group
    pairs = ["CPU", "CPU", "Memory", "Memory", "Offer", "Offer", "Drive", "Drive", "Market", "Market"]
    one = [None] * 5 + ["Extras"] * 3 + [None] * 2
    return {
        "blocks of 4 and 3, a gap column between them": (
            [over({0: "Machine", 5: "Extras"})], ["A1:D1", "F1:H1"], joined(GROUPED_10),
            said_two(1, ["Machine", "Extras"], [n for n in joined(GROUPED_10) if " " in n], MERGED), 1),
        "blocks of 4, 4 and 2 over every column": (
            [over({0: "Machine", 4: "Offer", 8: "Market"})], ["A1:D1", "E1:H1", "I1:J1"], joined(every),
            said_two(1, ["Machine", "Offer", "Market"], joined(every), MERGED), 1),
        "blocks of 2 over every column (as wide as a header)": (
            [over({j: pairs[j] for j in range(0, 10, 2)})], ["A1:B1", "C1:D1", "E1:F1", "G1:H1", "I1:J1"],
            joined(pairs), said_two(1, ["CPU", "Memory", "Offer", "Drive", "Market"], joined(pairs), MERGED), 1),
        "one group of 3, not at the first column": (
            [over({5: "Extras"})], ["F1:H1"], joined(one),
            said_two(1, ["Extras"], ["Extras cd", "Extras multi", "Extras premium"], "merged over the names below"),
            1),
        "not merged, every column in a group (cells only, as .xls/.ods may come)": (
            [over({0: "Machine", 4: "Offer", 8: "Market"})], [], joined(every),
            said_two(1, ["Machine", "Offer", "Market"], joined(every), EACH), 1),
        "a title and a blank row above the groups": (
            [["Computers 1993"], [], over({0: "Machine", 5: "Extras"})], ["A3:D3", "F3:H3"], joined(GROUPED_10),
            said_two(3, ["Machine", "Extras"], [n for n in joined(GROUPED_10) if " " in n], MERGED), 3),
    }


def not_grouped() -> dict:
    """{class: (rows above the names, merges, the header's row)}: a title, or no row above."""
    return {
        "a note in the first cell only": ([["Sales 2024"]], [], 2),
        "a note in the first cell, merged over every column": ([["Sales 2024"]], ["A1:J1"], 2),
        "a note in the first cell, merged over three columns": ([["Sales 2024"]], ["A1:C1"], 2),
        "a title, a blank row, the header": ([["Computers 1993"], []], ["A1:J1"], 3),
        "a header in one row": ([], [], 1),
        "a title and a dated note beside it": ([over({0: "Inventory", 6: "Date: 2024-05-01"})], [], 2),
        "a title and a date cell beside it": ([over({0: "Inventory", 6: dt.datetime(2024, 5, 1)})], [], 2),
    }


def both_read(tmp_path, capsys, raw: bytes) -> tuple:
    """(the upload's record, its table, predict.py's rows, what predict.py said) of one workbook."""
    rec, df = read(raw, "computers.xlsx", tmp_path)
    (tmp_path / "rows.xlsx").write_bytes(raw)
    features = [{"name": c, "type": "numeric" if str(df[c].dtype) in ("int64", "float64") else "categorical",
                 "dtype": str(df[c].dtype), "missing": 0} for c in df.columns]
    capsys.readouterr()
    rows = predict_module().read_rows(tmp_path / "rows.xlsx", {"features": features})
    return rec, df, rows, capsys.readouterr().err


@pytest.mark.parametrize("case", sorted(grouped()))
def test_groups_names_over_a_row_of_names_are_a_header_in_two_rows_in_the_app_and_predict_py(tmp_path, capsys,
                                                                                            case):
    above, merges, names, said, header_row = grouped()[case]
    body = computers()
    rec, df, rows, script = both_read(tmp_path, capsys, workbook({"Sheet": [*above, NAMES, *body]}, merges))
    assert list(df.columns) == names and len(df) == len(body), notices(rec)
    assert rec["reading"]["header_row"] == header_row
    assert df[names[4]].tolist() == [r[4] for r in body] and df[names[5]].tolist() == [r[5] for r in body]
    assert said in notices(rec), notices(rec)
    assert "(a title?)" not in notices(rec) or header_row > 1  # a title above the groups is still one
    assert list(rows.columns) == names and len(rows) == len(body), script
    assert f"note: {said}" in script


@pytest.mark.parametrize("case", sorted(not_grouped()))
def test_a_title_over_the_names_or_a_header_in_one_row_stays_so(tmp_path, capsys, case):
    above, merges, header_row = not_grouped()[case]
    body = computers()
    rec, df, rows, script = both_read(tmp_path, capsys, workbook({"Sheet": [*above, NAMES, *body]}, merges))
    assert list(df.columns) == NAMES and len(df) == len(body), notices(rec)
    assert rec["reading"]["header_row"] == header_row and "header spans" not in notices(rec)
    if header_row > 1:
        assert (f"The first {header_row - 1} row(s) of the sheet are above the table (a title?) and were skipped: "
                f"the header is row {header_row}.") in notices(rec)
    assert list(rows.columns) == NAMES and "header spans" not in script


@pytest.mark.parametrize("merges", [["A1:D1", "F1:H1", "J1:K1"], []], ids=["merged", "cells only"])
def test_groups_over_blocks_with_an_empty_column_between_them_are_a_header_in_two_rows(tmp_path, capsys, merges):
    """The new user's own layout: an empty column (no name, no value) between two blocks of the
    table, left out of it, read its group row as "a title?": the gap among the names was taken
    for a row that names not every column."""
    groups = ["Machine", None, None, None, None, "Extras", None, None, None, "Sale", None]
    names = NAMES[:8] + [None] + NAMES[8:]
    body = [r[:8] + [None] + r[8:] for r in computers()]
    rec, df, rows, script = both_read(tmp_path, capsys, workbook({"Sheet": [groups, names, *body]}, merges))
    # (merged, a block ends where its cell does; cells only, where the next group's starts: 'Machine price')
    want = [f"Machine {n}" for n in NAMES[:4]] + ["price" if merges else "Machine price"] + \
        [f"Extras {n}" for n in NAMES[5:8]] + [f"Sale {n}" for n in NAMES[8:]]
    assert list(df.columns) == want and len(df) == len(body), notices(rec)
    assert "(a title?)" not in notices(rec) and "The header spans rows 1 and 2" in notices(rec), notices(rec)
    assert list(rows.columns) == want, script


def _csv(rows: list) -> bytes:
    import csv

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([["" if v is None else v for v in r] for r in rows])
    return buf.getvalue().encode()


@pytest.mark.parametrize("gap", [False, True], ids=["no empty column", "an empty column between blocks"])
def test_the_grouped_sheet_saved_as_csv_reads_with_the_sheets_names_in_every_reader(tmp_path, capsys, gap):
    """The new user's grouped sheet saved as CSV by Excel ('Machine,,,,Extras,,,' over the names)
    was refused by every reader, "The last column has values but no name in the header", so a
    model trained on the sheet could not score its CSV export. Read as a header in two rows
    (group_row_over_names, cells only), its columns take the sheet's names; an empty column is
    named column_N, as any unnamed one, and set aside by every exit (it holds nothing)."""
    import playground_runtime
    from tests.test_exits_layout import app_read

    groups = ["Machine", None, None, None, None, "Extras", None, None, "Sale", None]
    names, body = list(NAMES), computers()
    if gap:
        groups, names, body = groups[:8] + [None] + groups[8:], names[:8] + [None] + names[8:], \
            [r[:8] + [None] + r[8:] for r in body]
    _, sheet = read(workbook({"Sheet": [groups, names, *body]}, ["A1:E1", "F1:H1", "J1:K1" if gap else "I1:J1"]),
                    "sheet.xlsx", tmp_path)
    path = tmp_path / "rows.csv"
    path.write_bytes(_csv([groups, names, *body]))
    frame, reading = app_read(path)
    capsys.readouterr()
    script = predict_module().read_rows(path, {"features": [{"name": c, "type": "categorical", "dtype": "str"}
                                                            for c in sheet.columns]})
    said = capsys.readouterr().err
    extra = ["column_9"] if gap else []
    want = list(sheet.columns)
    assert [c for c in frame.columns if c not in extra] == want and list(frame.columns) == list(script.columns)
    assert any("The header spans lines 1 and 2 ('Machine', 'Extras', 'Sale'" in r for r in reading), reading
    assert "The header spans lines 1 and 2 ('Machine', 'Extras', 'Sale'" in said
    features = [{"name": c, "type": "numeric" if pd.api.types.is_numeric_dtype(sheet[c]) else "categorical",
                 "dtype": str(sheet[c].dtype)} for c in sheet.columns]
    for rows in (frame, script):
        X = playground_runtime.prepare_rows(rows, features)
        assert list(X.columns) == want and len(X) == len(body)


def test_a_csv_header_with_blank_names_over_numbers_is_no_group_row(tmp_path, capsys):
    """A near miss: a header with blank names over data rows of numbers names them column_N, as before."""
    from tests.test_exits_layout import app_read

    path = tmp_path / "rows.csv"
    path.write_bytes(b"a,,c,,e\r\n1,2,3,4,5\r\n6,7,8,9,10\r\n11,12,13,14,15\r\n")
    frame, reading = app_read(path)
    assert list(frame.columns) == ["a", "column_2", "c", "column_4", "e"] and len(frame) == 3
    assert not any("header spans" in r for r in reading)


def test_misses_and_false_alarms_over_every_class_are_none(tmp_path, capsys):
    """Counted over both lists: a grouped sheet read with one header row is a miss, a title
    or a one-row header read as two rows a false alarm."""
    misses, alarms = [], []
    for case, (above, merges, names, _, _) in grouped().items():
        rec, df = read(workbook({"Sheet": [*above, NAMES, *computers()]}, merges), "g.xlsx", tmp_path)
        if list(df.columns) != names:
            misses.append(case)
    for case, (above, merges, _) in not_grouped().items():
        rec, df = read(workbook({"Sheet": [*above, NAMES, *computers()]}, merges), "n.xlsx", tmp_path)
        if "header spans" in notices(rec) or list(df.columns) != NAMES:
            alarms.append(case)
    print(f"misses {len(misses)}/{len(grouped())}, false alarms {len(alarms)}/{len(not_grouped())}")
    assert misses == [] and alarms == []


# --------------------------------------------------------------------------- every exit
CAR_GROUPS = ["Car", "Car", "Engine", "Engine", "Engine", None, None]  # name, origin | cylinders ... | year, mpg
CAR_MERGES = ["A1:B1", "C1:E1"]


@pytest.mark.usefixtures("consumer")
def test_a_model_trained_on_a_grouped_sheet_scores_that_sheet_alike_in_every_exit(web, tmp_path_factory):
    """The cars regression trained on a sheet with 'Car' over name and origin and 'Engine'
    over cylinders, displacement and weight (merged): its features are named by both rows
    ('Engine weight'); the same layout given to predict.py and to Score a file predicts what
    the sheet with the joined names in one row gets, and each exit says the header's two rows."""
    from tests.test_bundle import app_score, predict_py, unzip
    from tests.test_exits_agree import COLUMNS, cars, data_rows, run_cars

    folder = tmp_path_factory.mktemp("group-rows")
    names = [f"{g} {n}" if g else n for g, n in zip(CAR_GROUPS, COLUMNS)]
    frame = cars(160, 5)
    train = workbook({"Cars": [CAR_GROUPS, COLUMNS, *frame.astype(object).to_numpy().tolist()]}, CAR_MERGES)
    up = web.post("/api/v1/datasets", files={"file": ("cars.xlsx", train)})
    assert up.status_code == 201, up.text
    said = said_two(1, ["Car", "Engine"], names[:5], MERGED)
    assert said in [n["text"] for n in up.json()["notices"]], up.json()["notices"]
    job = run_cars(web, up.json()["id"], "group rows")
    bundle = unzip(web, job["id"], "m", folder / "bundle")
    card = json.loads((bundle / "model_card.json").read_text())
    assert "Engine weight" in {f["name"] for f in card["features"]}, card["features"]

    rows = [[*r[:5], dt.datetime.fromisoformat(r[5])] for r in data_rows()]
    got = {}
    for case, sheet, merges in [("joined", [names[:-1], *rows], []),
                                ("grouped", [CAR_GROUPS[:-1], COLUMNS[:-1], *rows], CAR_MERGES)]:
        path = folder / f"{case}.xlsx"
        path.write_bytes(workbook({"Cars": sheet}, merges))
        script = predict_py(bundle, path)
        app_csv, fragment = app_score(web, job["id"], "m", path)
        assert script.returncode == 0 and app_csv is not None, (case, script.stderr, fragment)
        got[case] = [_predicted(script.stdout), _predicted(app_csv)]
        if case == "grouped":
            want = said_two(1, ["Car", "Engine"], names[:5], MERGED)
            assert f"note: {want}" in script.stderr and want in html.unescape(fragment)
    assert got["grouped"][0] == got["grouped"][1] == got["joined"][0] == got["joined"][1], got


def _predicted(text: str) -> list:
    return pd.read_csv(io.StringIO(text))["prediction"].round(9).tolist()


# --------------------------------------------------------------------------- a hidden sheet passed over
LOOKUPS = [["code", "label", "rate", "since"], *[[i, f"item {i}", i / 10, 2000 + i] for i in range(40)]]
DATA = [NAMES, *computers()]


@pytest.mark.parametrize("sheets,hidden,said", [
    ({"Lookups": LOOKUPS, "Data": DATA}, {"Lookups"},
     "Read sheet 'Data' (the largest), 2 of 2 (also in the workbook: 'Lookups'; 'Lookups' is hidden)"),
    ({"Lookups": LOOKUPS, "Rates": LOOKUPS, "Data": DATA, "Notes": [["read me"]]}, {"Lookups", "Rates"},
     "Read sheet 'Data' (the largest), 3 of 4 (also in the workbook: 'Lookups', 'Rates', 'Notes'; 'Lookups', 'Rates' "
     "are hidden)"),
    ({"Data": DATA, "Lookups": [["a", "b"], [1, 2]]}, {"Lookups"},
     "Read sheet 'Data', 1 of 2 (also in the workbook: 'Lookups'; 'Lookups' is hidden)"),
    # near misses: every sheet visible
    ({"Lookups": LOOKUPS, "Data": DATA}, set(), "Read sheet 'Lookups', 1 of 2 (also in the workbook: 'Data')"),
    ({"Notes": [["read me"]], "Data": DATA}, set(), "Read sheet 'Data' (the largest), 2 of 2 (also in the workbook: "
                                                    "'Notes')"),
])
def test_the_sentence_on_the_sheet_read_says_which_others_are_hidden(tmp_path, capsys, sheets, hidden, said):
    """A new user's workbook opened on a hidden 'Lookups' sheet larger than its data: the
    data were read, but the sentence ('the largest') did not say why 'Lookups' was passed
    over. The app and predict.py name the hidden sheets, and say nothing of the kind when
    every sheet is visible."""
    raw = workbook(sheets, hidden=hidden)
    rec, df, rows, script = both_read(tmp_path, capsys, raw)
    assert said in notices(rec), notices(rec)
    assert f"note: {said}." in script, script
    assert ("hidden" in notices(rec)) == bool(hidden) and ("hidden)" in script) == bool(hidden)
