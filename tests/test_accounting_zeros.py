"""Excel's accounting format saved as CSV: Excel writes what the cell shows, a zero as a dash
padded as the amounts are (' $-   ' beside ' $1,234.50 ' and ' $(45.00)', ' -   ' without a
currency, ' -   € ' in a German Excel's ';' file, ' $- ' with no decimals). Such a column is read as
numbers, its dashes 0, said in its one notice; rows to score written so get the predictions of the
same rows written plainly in every exit, each saying so. A '-' where the column is not in that
layout (a European export's gap, a gap among plain numbers or after a ', ' delimiter, a '-' among
words or dates, padded or not) stays what it was."""

from __future__ import annotations

import html
import io
import json

import numpy as np
import pandas as pd
import pytest

from tests.test_accounting_negatives import deployed_ledger, ledger, read
from tests.test_exits_agree import scored_by_every_exit

# how every exit says it (playground_runtime.ACCOUNTING_ZERO_SAID), written out: the words are what is tested
ACCOUNTING_ZERO_SAID = "'-' for 0, as Excel's accounting format writes it"


def _point(v: float, decimals: int = 2) -> str:
    return f"{abs(v):,.{decimals}f}"


def _comma(v: float) -> str:
    return f"{abs(v):,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


# each class: (the delimiter, how Excel writes one amount, the phrase the notice says before the zeros')
ACCOUNTING = {
    "dollar, negatives in brackets": (",", lambda v: " $-   " if v == 0 else f" $({_point(v)})" if v < 0 else
                                      f" ${_point(v)} ", "',' between thousands; dollar amounts; negatives in brackets"),
    "dollar, no negatives": (",", lambda v: " $-   " if v == 0 else f" ${_point(v)} ",
                             "',' between thousands; dollar amounts"),
    "euro, negatives in brackets": (",", lambda v: " €-   " if v == 0 else f" €({_point(v)})" if v < 0 else
                                    f" €{_point(v)} ", "',' between thousands; euro amounts; negatives in brackets"),
    "euro after, German ';' file": (";", lambda v: " -   € " if v == 0 else f"-{_comma(v)} € " if v < 0 else
                                    f" {_comma(v)} € ", "decimal comma; '.' between thousands; euro amounts"),
    "no currency (Comma style)": (",", lambda v: " -   " if v == 0 else f" ({_point(v)})" if v < 0 else
                                  f" {_point(v)} ", "',' between thousands; negatives in brackets"),
    "dollar, no decimals": (",", lambda v: " $- " if v == 0 else f" $({_point(v, 0)})" if v < 0 else
                            f" ${_point(v, 0)} ", "',' between thousands; dollar amounts; negatives in brackets"),
}


def with_zeros(n: int, seed: int, case: str) -> pd.DataFrame:
    """A ledger (tests.test_accounting_negatives) with every fifth amount 0, its amounts as the class writes them
    (whole ones where it writes no decimals), and no negatives where it writes none."""
    frame = ledger(n, seed)
    frame.loc[frame.index % 5 == 2, "amount"] = 0.0
    if "no decimals" in case:
        frame["amount"] = frame["amount"].round(0)
    if "no negatives" in case:
        frame["amount"] = frame["amount"].abs()
    return frame


def written(frame: pd.DataFrame, case: str) -> str:
    delimiter, write, _ = ACCOUNTING[case]
    return frame.assign(amount=frame["amount"].map(write)).to_csv(index=False, sep=delimiter)


@pytest.mark.parametrize("case", list(ACCOUNTING))
def test_an_accounting_columns_dashes_are_zeros_said_in_its_one_notice(case, tmp_path):
    frame = with_zeros(60, 3, case)
    rec, df = read(written(frame, case), "books.csv", tmp_path)
    assert df["amount"].tolist() == pytest.approx(frame["amount"].tolist(), abs=1e-12)
    assert (df["amount"] == 0).sum() == (frame["amount"] == 0).sum() >= 12
    said = [n["text"] for n in rec["notices"] if n["text"].startswith("amount:")]
    assert len(said) == 1, rec["notices"]
    assert said[0].startswith(f"amount: read as numbers ({ACCOUNTING[case][2]}; {ACCOUNTING_ZERO_SAID}): "), said[0]
    assert "missing" not in said[0]


def test_a_dollar_column_that_mostly_reads_as_text_is_read_with_its_zeros(tmp_path):
    """The report's column: a third of its values ' $-   ', which kept it text without a word."""
    values = [" $1,234.50 ", " $-   ", " $(45.00)", " $-   ", " $12.00 ", " $-   "]
    rows = "".join(f'{i},"{v}",{i % 3}\n' for i, v in enumerate(values))
    rec, df = read(f"id,amount,n\n{rows}", "books.csv", tmp_path)
    assert df["amount"].tolist() == [1234.5, 0, -45, 0, 12, 0]
    assert [n["text"] for n in rec["notices"]] == [
        f"amount: read as numbers (',' between thousands; dollar amounts; negatives in brackets; {ACCOUNTING_ZERO_SAID}): "
        "'$(45.00)' → -45."]


# near misses: (the file's text, the column, what it holds once read): a '-' there is no accounting zero
NEAR_MISSES = {
    "a European ';' export writing '-' for a gap": (
        "id;Betrag;n\n1;1.234,50 €;3\n2;-;4\n3;-45,00 €;5\n4;12,00 €;6\n5;-;7\n6;7.001,25 €;8\n",
        "Betrag", [1234.5, None, -45.0, 12.0, None, 7001.25]),
    "plain numbers with '-' gaps": ("id,x,n\n1,12.5,3\n2,-,4\n3,7.25,5\n4,1.5,6\n5,-,7\n6,3.5,8\n",
                                    "x", [12.5, None, 7.25, 1.5, None, 3.5]),
    "a ', ' delimiter before every value": ("id, x, n\n1, 12.50, 3\n2, -, 4\n3, 7.25, 5\n4, 1.5, 6\n5, -, 7\n6, 3.5, 8\n",
                                           "x", [12.5, None, 7.25, 1.5, None, 3.5]),
    # a '-' among unpadded amounts with no negative in brackets: a gap, as a European export writes one
    "amounts without padding, brackets or a currency by the dash": (
        'id,x,n\n1,"$1,234.50",3\n2,-,4\n3,-$45.00,5\n4,$12.00,6\n5,-,7\n', "x", [1234.5, None, -45.0, 12.0, None]),
    "plain numbers and a dash": ('id,x,n\n1,1234.5,3\n2,-,4\n3,-45,5\n4,12,6\n5,-,7\n', "x",
                                 [1234.5, None, -45.0, 12.0, None]),
    "counts in brackets and a dash": ('id,x,n\n1,(n=12),3\n2,-,4\n3,(n=40),5\n4,(n=7),6\n', "x",
                                      ["(n=12)", None, "(n=40)", "(n=7)"]),
    "words with '-' entries": ("id,x,n\n1,Travel,3\n2,-,4\n3,Rent,5\n4,Sales,6\n5,-,7\n6,Rent,8\n",
                               "x", ["Travel", None, "Rent", "Sales", None, "Rent"]),
    "padded words with padded dashes": ('id,x,n\n1," Travel ",3\n2," -   ",4\n3," Rent ",5\n4," Sales ",6\n'
                                        '5," -   ",7\n6," Rent ",8\n', "x", [" Travel ", None, " Rent ", " Sales ", None,
                                                                          " Rent "]),
    "dates with '-'": ("id,x,n\n1,2024-01-05,3\n2,-,4\n3,2024-02-29,5\n4,2023-12-31,6\n5,-,7\n6,2024-03-15,8\n", "x",
                       ["2024-01-05", None, "2024-02-29", "2023-12-31", None, "2024-03-15"]),
    "padded day-first dates with padded dashes": (
        'id;x;n\n1; 27.11.2024 ;3\n2; -   ;4\n3; 13.01.2024 ;5\n4; 05.03.2023 ;6\n5; -   ;7\n6; 31.12.2024 ;8\n', "x",
        ["2024-11-27", None, "2024-01-13", "2023-03-05", None, "2024-12-31"]),
    "padded amounts in another currency than the dashes'": (
        'id,x,n\n1," €1,234.50 ",3\n2," $-   ",4\n3," €12.00 ",5\n4," €7.00 ",6\n5," €3.00 ",7\n', "x",
        [" €1,234.50 ", " $-   ", " €12.00 ", " €7.00 ", " €3.00 "]),
}


@pytest.mark.parametrize("case", list(NEAR_MISSES))
def test_a_dash_where_the_column_is_not_in_the_accounting_layout_stays_what_it_was(case, tmp_path):
    text, column, want = NEAR_MISSES[case]
    rec, df = read(text, "near.csv", tmp_path)
    got = df[column]
    if pd.api.types.is_datetime64_any_dtype(got):
        got = got.dt.strftime("%Y-%m-%d")
    assert [None if pd.isna(v) else v for v in got.tolist()] == want, got.tolist()
    assert not any(ACCOUNTING_ZERO_SAID in n["text"] or "accounting" in n["text"] for n in rec["notices"]), rec["notices"]


def test_the_rule_counts_no_false_alarms_and_no_misses():
    """The one rule (playground_runtime.accounting_zeros) predict.py and JSON records are read by, on
    each class's distinct values: every accounting column's dashes found, no near miss's."""
    from playground_runtime import accounting_zeros

    for case in ACCOUNTING:
        cells = pd.read_csv(io.StringIO(written(with_zeros(40, 5, case), case)), sep=ACCOUNTING[case][0],
                            dtype=str, keep_default_na=False)["amount"].unique().tolist()
        zeros = {c for c in cells if c.strip() in ("$-", "€-", "-   €", "-")}
        assert zeros and accounting_zeros(cells) == zeros, case
    misses = [["12.5", "-", "7.25"], [" 12.5", " -", " 7.25"], ["$1,234.50", "-", "-$45.00"], ["(n=12)", "-", "(n=4)"],
              [" Travel ", " -   ", " Rent "], [" 2024-01-05 ", " -   "], [" 27.11.2024 ", " -   "],
              [" €1,234.50 ", " $-   "], [" -   "], [" -   ", " n/a "], [" 1e+05 ", " -   "], [" 1.2.3 ", " -   "]]
    assert [m for m in misses if accounting_zeros(m)] == []
    assert accounting_zeros([" $1,234.50 ", " $-   ", np.nan, None, " n/a ", " $(45.00)"]) == {" $-   "}
    # trimmed Comma style (or a statement's nil): a bare '-' among amounts whose negatives are in brackets
    assert accounting_zeros(["$1,234.50", "-", "$(45.00)"]) == {"-"}
    assert accounting_zeros(["1,234.50", "-", "(45.00)", "n/a"]) == {"-"}
    assert accounting_zeros(["(1,234)", "-", "2,000"]) == {"-"}


# trimmed: Excel's layout with its padding taken off by a tool in between (a zero '-', its negatives still in
# brackets), each class (the delimiter, how one amount is written): its '-' are zeros
TRIMMED = {
    "Comma style trimmed": (",", lambda v: "-" if v == 0 else f"({_point(v)})" if v < 0 else _point(v)),
    "dollars, the dash's sign trimmed too": (",", lambda v: "-" if v == 0 else f"$({_point(v)})" if v < 0 else
                                             f"${_point(v)}"),
    "a statement in thousands, whole": (",", lambda v: "-" if v == 0 else f"({_point(v, 0)})" if v < 0 else
                                        _point(v, 0)),
    "decimal comma, ';'": (";", lambda v: "-" if v == 0 else f"({_comma(v)})" if v < 0 else _comma(v)),
}


@pytest.mark.parametrize("case", list(TRIMMED))
def test_a_bare_dash_among_amounts_with_negatives_in_brackets_is_a_zero(case, tmp_path):
    """A CSV of Excel's Comma style whose padding a tool trimmed (' -   ' became '-', ' (45.00)' '(45.00)'): its
    dashes were read as gaps, and a model filled the zeros with the column's median. Negatives in brackets say
    the accounting layout, where a dash is nil: read as 0, said; the card keeps it for the rows to score."""
    delimiter, write = TRIMMED[case]
    frame = with_zeros(60, 4, "dollar, no decimals" if "whole" in case else "dollar, negatives in brackets")
    text = frame.assign(amount=frame["amount"].map(write)).to_csv(index=False, sep=delimiter)
    assert "-" in pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str)["amount"].tolist()
    rec, df = read(text, "trimmed.csv", tmp_path)
    assert df["amount"].tolist() == frame["amount"].tolist()
    said = [n["text"] for n in rec["notices"] if n["text"].startswith("amount: ")]
    assert len(said) == 1 and ACCOUNTING_ZERO_SAID in said[0] and "read as missing" not in said[0], said
    assert rec["reading"]["number_formats"]["amount"]["dash_zero"] is True


@pytest.mark.usefixtures("consumer")
@pytest.mark.parametrize("case", ["dollar, negatives in brackets", "no currency (Comma style)"])
def test_rows_written_in_the_accounting_layout_are_scored_alike_by_every_exit(web, tmp_path, case):
    """A model trained on an accounting column scores new rows written so, zeros as dashes, as it
    scores them written plainly, in every exit, and each exit says how it read the dashes."""
    delimiter, _, phrase = ACCOUNTING[case]
    deployment = "books-" + "".join(c for c in case if c.isalnum())[:30]
    up = web.post("/api/v1/datasets", files={"file": (f"{deployment}.csv", written(with_zeros(120, 1, case), case).encode())})
    assert up.status_code == 201, up.text
    said = [n["text"] for n in up.json()["notices"] if n["text"].startswith(f"amount: read as numbers ({phrase}; "
                                                                            f"{ACCOUNTING_ZERO_SAID})")]
    assert len(said) == 1, up.json()["notices"]
    page = web.get(f"/datasets/{up.json()['id']}")
    assert page.status_code == 200 and said[0] in html.unescape(page.text)
    model = deployed_ledger(web, up.json()["id"], deployment, tmp_path)
    rows = with_zeros(10, 9, case).drop(columns="net")
    assert (rows["amount"] == 0).sum() == 2
    plain = scored_by_every_exit(web, model, "plain.csv", rows, deployment)
    want = plain["app"][0]
    assert want is not None and all(got == want for got, _ in plain.values()), plain
    text = written(rows, case)
    records = pd.read_csv(io.StringIO(text), sep=delimiter, dtype={"amount": str},
                          keep_default_na=False).to_dict(orient="records")
    got = scored_by_every_exit(web, model, "books.csv", text, deployment, records=records)
    for exit_, (predictions, how) in got.items():
        print("SAID", exit_, how)
        assert predictions == want, (exit_, how)
        assert ACCOUNTING_ZERO_SAID in how, (exit_, how)


@pytest.mark.usefixtures("consumer")
@pytest.mark.parametrize("case", ["dollar, negatives in brackets", "euro after, German ';' file",
                                  "no currency (Comma style)"])
def test_rows_whose_zeros_were_trimmed_to_a_bare_dash_are_scored_as_the_padded_ones_by_every_exit(web, tmp_path, case):
    """A model trained on an accounting column (its zeros ' $-   ') was given the same rows with their cells
    trimmed by a tool in between (a zero a bare '-'): every exit read '-' as a gap there, and the model filled
    it with the training mean, so the same rows were scored apart (a new user's audit: 399.35 padded, 248.13
    trimmed). The model card keeps that the column wrote 0 as a dash, and every exit reads a '-' there as 0."""
    delimiter, write, _ = ACCOUNTING[case]
    deployment = "trim-" + "".join(c for c in case if c.isalnum())[:30]
    # mostly positive amounts: a gap is filled with their median, far from 0 (half negative, it was 0 itself)
    train = with_zeros(120, 1, case)
    train["amount"] = train["amount"].abs().where(train.index % 9 != 4, -train["amount"].abs())
    up = web.post("/api/v1/datasets", files={"file": (f"{deployment}.csv", written(train, case).encode())})
    assert up.status_code == 201, up.text
    model = deployed_ledger(web, up.json()["id"], deployment, tmp_path)
    card = json.loads((tmp_path / "bundle" / "model_card.json").read_text())
    amount = next(f for f in card["features"] if f["name"] == "amount")
    assert amount["written"]["dash_zero"] is True, amount
    rows = with_zeros(10, 9, case).drop(columns="net")
    assert (rows["amount"] == 0).sum() == 2
    plain = scored_by_every_exit(web, model, "plain.csv", rows, deployment)
    want = plain["app"][0]
    assert want is not None and all(got == want for got, _ in plain.values()), plain
    trimmed = rows.assign(amount=rows["amount"].map(lambda v: "-" if v == 0 else write(v).strip()))
    text = trimmed.to_csv(index=False, sep=delimiter)
    assert trimmed["amount"].tolist().count("-") == 2 and all(v == v.strip() for v in trimmed["amount"])
    records = trimmed.to_dict(orient="records")
    gaps = scored_by_every_exit(web, model, "gaps.csv", rows.assign(amount=rows["amount"].replace(0.0, np.nan)),
                                deployment)["app"][0]
    assert gaps != want  # (a gap is scored apart from a 0)
    got = scored_by_every_exit(web, model, "trimmed.csv", text, deployment, records=records)
    for exit_, (predictions, how) in got.items():
        assert predictions == want, (exit_, how)
        assert ACCOUNTING_ZERO_SAID in how, (exit_, how)


@pytest.mark.usefixtures("consumer")
def test_a_workbooks_dash_cells_are_zeros_for_a_model_that_learned_them_so(web, tmp_path):
    """The same for rows in a workbook, its amounts number cells and its zeros cells holding the text '-':
    Score a file and predict.py read them as 0 where the model learned '-' as 0."""
    from openpyxl import Workbook

    from tests.test_bundle import app_score, predict_py
    from tests.test_exits_agree import predicted_column

    case = "no currency (Comma style)"
    train = with_zeros(120, 5, case)
    train["amount"] = train["amount"].abs()
    up = web.post("/api/v1/datasets", files={"file": ("sheet-dashes.csv", written(train, case).encode())})
    assert up.status_code == 201, up.text
    model = deployed_ledger(web, up.json()["id"], "sheet-dashes", tmp_path)
    rows = with_zeros(10, 8, case).drop(columns="net")
    want = scored_by_every_exit(web, model, "plain.csv", rows, "sheet-dashes")["app"][0]
    book = Workbook()
    sheet = book.active
    sheet.append(list(rows.columns))
    for r in rows.itertuples(index=False):
        sheet.append(["-" if c == "amount" and v == 0 else (v.item() if hasattr(v, "item") else v)
                      for c, v in zip(rows.columns, r)])
    path = tmp_path / "rows.xlsx"
    book.save(path)
    job_id, bundle, _, _ = model
    app_csv, fragment = app_score(web, job_id, "m", path)
    script = predict_py(bundle, path)
    assert predicted_column(app_csv) == want, html.unescape(fragment)
    assert script.returncode == 0 and predicted_column(script.stdout) == want, script.stderr
    assert ACCOUNTING_ZERO_SAID in html.unescape(fragment) and ACCOUNTING_ZERO_SAID in script.stderr


@pytest.mark.usefixtures("consumer")
def test_a_dash_stays_a_gap_for_a_model_whose_training_file_wrote_its_gaps_so(web, tmp_path):
    """The other side: a column whose training file wrote plain numbers and '-' for a missing value (a European
    export's gap) was learned with gaps there, and rows sending '-' are scored as gaps in every exit, not 0."""
    frame = ledger(120, 4)
    frame["amount"] = frame["amount"].astype(object)
    frame.loc[frame.index % 7 == 3, "amount"] = "-"
    up = web.post("/api/v1/datasets", files={"file": ("gaps-dash.csv", frame.to_csv(index=False).encode())})
    assert up.status_code == 201, up.text
    model = deployed_ledger(web, up.json()["id"], "gaps-dash", tmp_path)
    card = json.loads((tmp_path / "bundle" / "model_card.json").read_text())
    assert not any((f.get("written") or {}).get("dash_zero") for f in card["features"]), card["features"]
    rows = ledger(8, 5).drop(columns="net")
    gaps = rows.assign(amount=rows["amount"].where(rows.index % 3 != 1, np.nan))
    want = scored_by_every_exit(web, model, "gaps.csv", gaps, "gaps-dash")["app"][0]
    zeros = scored_by_every_exit(web, model, "zeros.csv", gaps.fillna({"amount": 0.0}), "gaps-dash")["app"][0]
    assert want != zeros
    dashed = rows.assign(amount=rows["amount"].map(str).where(rows.index % 3 != 1, "-"))
    got = scored_by_every_exit(web, model, "dashed.csv", dashed.to_csv(index=False), "gaps-dash",
                               records=dashed.to_dict(orient="records"))
    for exit_, (predictions, how) in got.items():
        assert predictions == want, (exit_, how)
        assert ACCOUNTING_ZERO_SAID not in how, (exit_, how)


@pytest.mark.usefixtures("consumer")
def test_a_predict_node_says_when_its_tables_dashes_were_read_as_gaps_where_the_model_learned_them_as_zeros(web):
    """The predict node scores a Dataset node's table, whose reader read a trimmed '-' as a gap before any model
    was chosen: the stored table cannot tell it from another gap. Where the model learned '-' as 0, the node says
    so, with how many, and where the file is read as 0 (Score a file); where no '-' was read so, nothing."""
    from tests.test_exits_agree import predict_nodes

    train = with_zeros(120, 2, "no currency (Comma style)")
    train["amount"] = train["amount"].abs()
    rows = with_zeros(10, 6, "no currency (Comma style)").drop(columns="net")
    trimmed = rows.assign(amount=rows["amount"].map(lambda v: "-" if v == 0 else f"{v:,.2f}"))
    ids = {}
    for name, text in [("train", written(train, "no currency (Comma style)")), ("trimmed", trimmed.to_csv(index=False)),
                       ("plain", rows.to_csv(index=False))]:
        up = web.post("/api/v1/datasets", files={"file": (f"node-dashes-{name}.csv", text.encode())})
        assert up.status_code == 201, up.text
        ids[name] = up.json()["id"]
    nodes = predict_nodes(web, ids["train"], "net", [ids["trimmed"], ids["plain"]])
    said = ("'amount': the model's training file wrote 0 as '-' (as Excel's accounting format writes it), and this "
            "table's dataset read its 2 '-' as missing values: they were scored as gaps, not 0. Score the file with "
            "Score a file on the model's results, which reads them as 0.")
    assert nodes["x0"]["status"] == "completed" and said in json.dumps(nodes["x0"], ensure_ascii=False), nodes["x0"]
    assert nodes["x1"]["status"] == "completed" and "wrote 0 as '-'" not in json.dumps(nodes["x1"]), nodes["x1"]


@pytest.mark.usefixtures("consumer")
def test_rows_in_trimmed_comma_style_are_scored_with_their_zeros_by_every_exit_whatever_training_wrote(web, tmp_path):
    """Rows to score written in Excel's Comma style with the padding trimmed ('1,234.50', '-', '(45.00)'), for a
    model trained on plain numbers: every exit reads their dashes as 0 (predict.py read them as gaps before the
    rule saw them, where the app's reader read them as 0), as the same rows written plainly are scored."""
    train = ledger(120, 7)
    train["amount"] = train["amount"].abs()
    up = web.post("/api/v1/datasets", files={"file": ("plain-ledger.csv", train.to_csv(index=False).encode())})
    assert up.status_code == 201, up.text
    model = deployed_ledger(web, up.json()["id"], "plain-ledger", tmp_path)
    rows = with_zeros(10, 9, "dollar, negatives in brackets").drop(columns="net")
    want = scored_by_every_exit(web, model, "plain.csv", rows, "plain-ledger")["app"][0]
    trimmed = rows.assign(amount=rows["amount"].map(TRIMMED["Comma style trimmed"][1]))
    got = scored_by_every_exit(web, model, "trimmed.csv", trimmed.to_csv(index=False), "plain-ledger",
                               records=trimmed.to_dict(orient="records"))
    for exit_, (predictions, how) in got.items():
        assert predictions == want, (exit_, how)
        assert ACCOUNTING_ZERO_SAID in how, (exit_, how)


def test_a_column_whose_only_reading_is_its_dash_shows_the_dash_as_its_example(tmp_path):
    """A column of plain whole numbers padded as Excel pads them, its zeros ' -   ', was said "read as numbers
    ('-' for 0 …): '5' → 5", an example read no differently from a plain number: the dash is the example."""
    text = "id,n\n" + "".join(f'{i},"{v}"\n' for i, v in enumerate([" 5 ", " -   ", " 7 ", " 12 ", " -   ", " 3 "]))
    rec, df = read(text, "counts.csv", tmp_path)
    assert df["n"].tolist() == [5, 0, 7, 12, 0, 3]
    assert [n["text"] for n in rec["notices"] if n["text"].startswith("n: ")] == \
        [f"n: read as numbers ({ACCOUNTING_ZERO_SAID}): '-' → 0."], rec["notices"]
