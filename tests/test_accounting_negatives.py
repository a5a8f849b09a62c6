"""Ledgers' negatives: tables exported from accounting and ERP systems write a negative amount in
brackets, '(1,234.50)' (Excel's accounting format, QuickBooks, Xero), with a currency before or
inside them ('$(1,234.50)', '($1,234.50)', '(€12.00)'), a negative percentage so ('(12.5%)'), or
with a minus after it ('1.234,56-' in a SAP or DATEV ';' export, '1,234.56-'). Each class of file
is read as numbers, its negatives negative, said once per column with a negative as its example
(playground_runtime.negatives_said: one phrase); rows to score written so get the predictions of
the same rows written plainly in every exit (Score a file, the endpoint's CSV and JSON, predict.py),
and each exit says how it read them. Near misses (a count in brackets, a note, a phone number,
codes with a '-' after them, dates, one '(12)' among words, amounts among words) stay as they were."""

from __future__ import annotations

import html
import io
import re

import numpy as np
import pandas as pd
import pytest

from data.ingest import ingest_bytes
from tests.test_bundle import run, unzip
from tests.test_exits_agree import scored_by_every_exit


def deployed_ledger(web, dataset_id: str, deployment: str, folder) -> tuple:
    """A linear regression of a ledger's `net` on the uploaded `dataset_id`, deployed as
    `deployment`: (the run's id, its bundle unzipped in `folder`, a key, `folder`), as
    tests.test_exits_agree's exits take a model."""
    job = run(web, {"name": deployment, "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": dataset_id, "target_column": "net",
                                                  "problem_type": "regression"}},
        {"id": "s", "type": "split", "config": {"test_size": 0.25}},
        {"id": "m", "type": "model", "config": {"algorithm": "linear_regression"}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}]})
    bundle = unzip(web, job["id"], "m", folder / "bundle")
    assert web.post(f"/api/v1/jobs/{job['id']}/models/m/deploy", json={"name": deployment}).status_code == 201
    key = web.post("/api/v1/keys", json={"name": deployment}).json()["key"]
    return job["id"], bundle, key, folder


MB = 2**20


def ledger(n: int, seed: int) -> pd.DataFrame:
    """A general ledger's lines: an account, the amount (cents to tens of thousands, about half
    negative), the margin as a fraction, the number of lines; `net` a linear function of them."""
    rng = np.random.default_rng(seed)
    amount = (rng.normal(0, 1, n) * rng.choice([12, 800, 15000], n)).round(2)
    amount[amount == 0] = 1.5
    frame = pd.DataFrame({"account": rng.choice(["Travel", "Rent", "Sales", "Refunds"], n), "amount": amount,
                          "margin": rng.choice([-0.125, -0.05, -0.005, 0.032, 0.1, 0.25], n),
                          "lines": rng.integers(1, 30, n)})
    frame["net"] = (0.8 * frame["amount"] + 900 * frame["margin"] + 3 * frame["lines"] + rng.normal(0, 5, n)).round(2)
    return frame


def _point(v: float, sign: str = "") -> str:
    return f"{sign}{abs(v):,.2f}"


def _comma(v: float) -> str:
    return f"{abs(v):,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


# each class: (the delimiter, the column written so, how one value is written, the phrase said, a negative written so)
LEDGERS = {
    "brackets, thousands and decimals": (",", "amount", lambda v: f"({_point(v)})" if v < 0 else _point(v),
                                         "',' between thousands; negatives in brackets", r"\([0-9,]+\.[0-9]{2}\)"),
    "a dollar before the brackets": (",", "amount", lambda v: f"$({_point(v)})" if v < 0 else _point(v, "$"),
                                     "',' between thousands; dollar amounts; negatives in brackets", r"\$\([0-9,]+\.[0-9]{2}\)"),
    "a dollar inside the brackets": (",", "amount", lambda v: f"({_point(v, '$')})" if v < 0 else _point(v, "$"),
                                     "',' between thousands; dollar amounts; negatives in brackets", r"\(\$[0-9,]+\.[0-9]{2}\)"),
    "a euro inside the brackets": (",", "amount", lambda v: f"({_point(v, '€')})" if v < 0 else _point(v, "€"),
                                   "',' between thousands; euro amounts; negatives in brackets", r"\(€[0-9,]+\.[0-9]{2}\)"),
    "percentages in brackets": (",", "margin", lambda v: f"({abs(v) * 100:.1f}%)" if v < 0 else f"{v * 100:.1f}%",
                                "percentages as fractions; negatives in brackets", r"\([0-9.]+%\)"),
    "a minus after, decimal comma, ';'": (";", "amount", lambda v: _comma(v) + ("-" if v < 0 else ""),
                                          "decimal comma; '.' between thousands; negatives with a minus after them",
                                          r"[0-9.]+,[0-9]{2}-"),
    "a minus after, decimal point": (",", "amount", lambda v: _point(v) + ("-" if v < 0 else ""),
                                     "',' between thousands; negatives with a minus after them", r"[0-9,]+\.[0-9]{2}-"),
    "plain negatives beside brackets": (",", "amount", lambda v: (f"{v:.2f}" if round(abs(v) * 100) % 2
                                                                  else f"({abs(v):.2f})") if v < 0 else f"{v:.2f}",
                                        "negatives in brackets", r"\([0-9]+\.[0-9]{2}\)"),
}


def written(frame: pd.DataFrame, case: str) -> str:
    """The frame as the class's ledger writes it: the CSV text."""
    delimiter, column, write, _, _ = LEDGERS[case]
    out = frame.copy()
    out[column] = out[column].map(write)
    return out.to_csv(index=False, sep=delimiter)


def read(text: str, name: str, folder) -> tuple[dict, pd.DataFrame]:
    rec = ingest_bytes(text.encode(), name, folder, 64 * MB)
    return rec, pd.read_parquet(rec["path"])


@pytest.mark.parametrize("case", list(LEDGERS))
def test_a_ledgers_negatives_are_read_as_negative_numbers_said_once_with_a_negative(case, tmp_path):
    """Every class: the column's numbers are the amounts the ledger meant, to the cent; one
    notice for the column names it, says how its negatives are written, and shows one of them
    read (a positive '12,324.27' → 12324.27 showed nothing of it, and '(1.0) and 1.0- as
    negative' named a way the column did not write)."""
    _, column, _, phrase, negative = LEDGERS[case]
    frame = ledger(120, 1)
    rec, df = read(written(frame, case), "ledger.csv", tmp_path)
    assert df[column].tolist() == pytest.approx(frame[column].tolist(), abs=1e-12)
    assert df["net"].tolist() == pytest.approx(frame["net"].tolist())
    said = [n["text"] for n in rec["notices"] if n["text"].startswith(f"{column}:")]
    assert len(said) == 1, rec["notices"]
    shown = said[0].split(": '", 1)[1] if ": '" in said[0] else ""
    assert said[0].startswith(f"{column}: read as numbers ({phrase}): '"), said[0]
    example = re.fullmatch(rf"({negative})' → (-[0-9.]+)\.", shown)
    assert example, said[0]  # a negative written as the ledger writes it, read negative
    assert not any("negatives" in n["text"] for n in rec["notices"] if n["text"] != said[0])


# near misses: (the column's values, the type it keeps): never read as a ledger's negatives
NEAR_MISSES = {
    "counts in brackets": (["(n=12)", "(n=40)", "(n=7)", "(n=118)", "(n=3)"], "text"),
    "notes in brackets": (["(see note 3)", "(see note 12)", "(see note 3)", "(unaudited)", "(see note 7)"], "text"),
    "phone numbers": (["(555) 123-4567", "(555) 987-6543", "(212) 555-0100", "(415) 555-2671", "(555) 010-9999"], "text"),
    "part numbers ending in '-'": (["12-", "A-12-", "2024-", "7-", "B-300-"], "text"),
    "years ending in '-'": (["2024-", "2019-", "2021-", "2020-", "2024-"], "text"),
    "dates": (["2024-01-05", "2024-02-29", "2023-12-31", "2024-03-15", "2024-01-05"], "date"),
    "one '(12)' among words": (["Travel", "Rent", "(12)", "Sales", "Refunds"], "text"),
    "some amounts among words": (["(1,234.50)", "pending", "2,000.00", "void", "(12.00)"], "text"),
    "German school grades": (["1", "2-", "3", "2", "1-", "4", "2", "5"], "text"),
    "grades, a minus on most": (["2-", "1-", "3-", "2", "3-", "1-"], "text"),
    "ages with an open end": (["18", "25", "40", "65-", "30", "65-"], "text"),
    "counts with an open end": (["0", "1", "2", "3", "4", "5-"], "text"),
}


def test_a_minus_after_whole_numbers_keeps_the_column_text_and_says_how_to_read_it_as_a_minus(tmp_path):
    """'2-' among 1, 3, 2 (a German school's grades) was read as -2, said as a ledger's negative: a minus after
    a whole number where no value shows cents or thousands is as often a grade or an open end ('65-'). The
    column is text, said with the way to read the minus as one (Number), which then reads it so."""
    text = "pupil,grade,age\n" + "".join(f"p{i},{g},{10 + i % 5}\n" for i, g in enumerate(["1", "2-", "3", "2", "1-", "4"] * 3))
    rec, df = read(text, "grades.csv", tmp_path)
    assert df["grade"].tolist()[:6] == ["1", "2-", "3", "2", "1-", "4"]
    said = [n["text"] for n in rec["notices"] if n["text"].startswith("grade: ")]
    assert said == ["grade: kept as text: '2-' has a minus after it, and no value shows cents or thousands (a grade "
                    "such as '2-', or an open end such as '65-', as often as a ledger's minus); set its type to Number "
                    "to read a minus after a number as a minus."], rec["notices"]
    rec = ingest_bytes(text.encode(), "grades.csv", tmp_path, 64 * MB, options={"types": {"grade": "number"}})
    assert pd.read_parquet(rec["path"])["grade"].tolist()[:6] == [1, -2, 3, 2, -1, 4]
    # a ledger's minus after its cents is still a minus (decimal comma and point), and a column all of open ends
    # ('1935-': from 1935) is text with nothing to say
    for values, want in ((["1.234,56-", "12,00", "3,50-", "7,25"], [-1234.56, 12.0, -3.5, 7.25]),
                         (["1,234.56-", "12.00", "3.50-", "7.25"], [-1234.56, 12.0, -3.5, 7.25]),
                         (["1935-", "1940-", "1945-", "1950-", "1955-"], None)):
        rows = "".join(f'{i};"{v}"\n' for i, v in enumerate(values)) if "," in values[0] and "." in values[0] \
            and values[0].index(".") < values[0].index(",") else "".join(f'{i},"{v}"\n' for i, v in enumerate(values))
        sep = ";" if rows.split("\n")[0].count(";") else ","
        rec, df = read(f"id{sep}x\n{rows}", "ledger.csv", tmp_path)
        assert df["x"].tolist() == (want if want is not None else values), (values, rec["notices"])
        assert not any("kept as text" in n["text"] for n in rec["notices"]), rec["notices"]


@pytest.mark.parametrize("case", list(NEAR_MISSES))
def test_what_only_looks_like_a_ledgers_negative_stays_as_it_is(case, tmp_path):
    values, kind = NEAR_MISSES[case]
    rows = "".join(f'{i},"{v}",{i * 7 % 5}\n' for i, v in enumerate(values))
    rec, df = read(f"id,x,n\n{rows}", "near.csv", tmp_path)
    if kind == "text":
        assert df["x"].tolist() == values
    else:
        assert pd.api.types.is_datetime64_any_dtype(df["x"]), df["x"].dtype
    assert not any("negative" in n["text"] for n in rec["notices"]), rec["notices"]


@pytest.mark.usefixtures("consumer")
@pytest.mark.parametrize("case", list(LEDGERS))
def test_rows_written_as_the_ledger_are_scored_alike_by_every_exit(web, tmp_path, case):
    """A model trained on the ledger (the dataset's API and page say how the column was read)
    scores new rows written so as it scores them written plainly, in every exit, and each exit
    says how it read the negatives."""
    delimiter, column, write, phrase, _ = LEDGERS[case]
    deployment = "ledger-" + "".join(c for c in case if c.isalnum())[:30]
    up = web.post("/api/v1/datasets", files={"file": (f"{deployment}.csv", written(ledger(120, 1), case).encode())})
    assert up.status_code == 201, up.text
    said = [n["text"] for n in up.json()["notices"] if n["text"].startswith(f"{column}: read as numbers ({phrase})")]
    assert len(said) == 1, up.json()["notices"]
    page = web.get(f"/datasets/{up.json()['id']}")
    assert page.status_code == 200 and said[0] in html.unescape(page.text)
    model = deployed_ledger(web, up.json()["id"], deployment, tmp_path)
    rows = ledger(8, 9).drop(columns="net")
    plain = scored_by_every_exit(web, model, "plain.csv", rows, deployment)
    want = plain["app"][0]
    assert want is not None and all(got == want for got, _ in plain.values()), plain
    for exit_, (_, how) in plain.items():  # a plain '-1,5'/'-12.50' is no reading to say (predict.py said one, with
        # the training file's currency: "'amount': 4 values written as … (dollar amounts) read so, like '-12.5' → -12.5")
        assert "written as the training file" not in how and "read as numbers" not in how, (exit_, how)
    text = written(rows, case)
    records = pd.read_csv(io.StringIO(text), sep=delimiter, dtype={column: str}).to_dict(orient="records")
    got = scored_by_every_exit(web, model, "ledger.csv", text, deployment, records=records)
    negatives = phrase.rsplit("; ", 1)[-1]
    for exit_, (predictions, how) in got.items():
        assert predictions == want, (exit_, how)
        assert negatives in how, (exit_, how)


# Excel's accounting format writes a zero as its currency and a dash; saved as CSV, with the format's padding
# (a new user's salary sheet: ' $-   ' among ' $9,320.00 ' and ' $(25.00) ' made the column text, and Number
# chosen for it read every zero as a gap). Each class: (the delimiter, how one amount is written, a zero so)
ZEROS = {
    "dollar before, padded": (",", lambda v: f" ${_point(v)} " if v > 0 else f" $({_point(v)}) " if v < 0
                              else " $-   ", "$-"),
    "dollar before, unpadded": (",", lambda v: f"${_point(v)}" if v > 0 else f"$({_point(v)})" if v < 0 else "$-",
                                "$-"),
    "euro after, ';' export": (";", lambda v: f" {_comma(v)} € " if v > 0 else f" -{_comma(v)} € " if v < 0
                               else " -   € ", "-   €"),
    "euro before with a space": (";", lambda v: f"€ {_comma(v)}" if v > 0 else f"€ ({_comma(v)})" if v < 0
                                 else "€ -", "€ -"),
    "pound before, minus before it": (",", lambda v: f"£{_point(v)}" if v > 0 else f"-£{_point(v)}" if v < 0
                                     else "£-", "£-"),
}


def with_zeros(n: int, seed: int) -> pd.DataFrame:
    frame = ledger(n, seed)
    frame.loc[frame.index % 6 == 0, "amount"] = 0.0  # a sixth of the lines book nothing
    return frame


def written_zeros(frame: pd.DataFrame, case: str) -> str:
    delimiter, write, _ = ZEROS[case]
    out = frame.copy()
    out["amount"] = out["amount"].map(write)
    return out.to_csv(index=False, sep=delimiter)


@pytest.mark.parametrize("case", list(ZEROS))
def test_an_accounting_zero_is_read_as_zero_and_said(case, tmp_path):
    """Every class: the column is the amounts booked, each zero 0 (not text, not a gap), said in the
    column's one notice with how the zero was written; the example is an amount, not a zero."""
    frame = with_zeros(120, 3)
    rec, df = read(written_zeros(frame, case), "ledger.csv", tmp_path)
    assert df["amount"].tolist() == pytest.approx(frame["amount"].tolist(), abs=1e-12)
    said = [n["text"] for n in rec["notices"] if n["text"].startswith("amount:")]
    assert len(said) == 1, rec["notices"]
    assert "'-' for 0, as Excel's accounting format writes it" in said[0], said[0]
    assert "→ 0." not in said[0], said[0]


# near misses: (the column's values, what it reads as): a dash alone is a gap, and a dash beside a currency is
# a zero only as the whole cell
ZERO_NEAR_MISSES = {
    "a dash alone among amounts": (["$5.00", "-", "$7.25", "$1,200.00", "-"], [5.0, None, 7.25, 1200.0, None]),
    "a minus before a dollar amount": (["-$5.00", "$3.00", "$-", "-$12.50", "$8.00"], [-5.0, 3.0, 0.0, -12.5, 8.0]),
    "a currency alone among words": (["$", "cash", "card", "$", "cheque"], ["$", "cash", "card", "$", "cheque"]),
    "codes ending in '$-'": (["AB$-", "C$-", "AB$-", "D$-", "C$-"], ["AB$-", "C$-", "AB$-", "D$-", "C$-"]),
    "'$-' among words": (["Travel", "$-", "Rent", "Sales", "$-"], ["Travel", "$-", "Rent", "Sales", "$-"]),
}


@pytest.mark.parametrize("case", list(ZERO_NEAR_MISSES))
def test_what_only_looks_like_an_accounting_zero_stays_as_it_is(case, tmp_path):
    values, want = ZERO_NEAR_MISSES[case]
    rows = "".join(f'{i},"{v}",{i * 7 % 5}\n' for i, v in enumerate(values))
    rec, df = read(f"id,x,n\n{rows}", "near.csv", tmp_path)
    got = [None if isinstance(v, float) and np.isnan(v) else v for v in df["x"].tolist()]
    assert got == want, (got, rec["notices"])
    said = " ".join(n["text"] for n in rec["notices"])
    assert ("'-' for 0" in said) == (0.0 in want), said


@pytest.mark.usefixtures("consumer")
@pytest.mark.parametrize("case", ["dollar before, padded", "dollar before, unpadded", "euro after, ';' export"])
def test_rows_with_accounting_zeros_are_scored_as_zeros_by_every_exit(web, tmp_path, case):
    """A model trained on an accounting export scores new rows written so (their zeros '$-') as it
    scores the same rows written plainly, in every exit: predict.py read '$-' as no number it knew."""
    delimiter = ZEROS[case][0]
    deployment = "zeros-" + "".join(c for c in case if c.isalnum())[:30]
    up = web.post("/api/v1/datasets", files={"file": (f"{deployment}.csv", written_zeros(with_zeros(120, 3), case).encode())})
    assert up.status_code == 201, up.text
    model = deployed_ledger(web, up.json()["id"], deployment, tmp_path)
    rows = with_zeros(12, 9).drop(columns="net")
    assert (rows["amount"] == 0).sum() >= 2
    plain = scored_by_every_exit(web, model, "plain.csv", rows, deployment)
    want = plain["app"][0]
    assert want is not None and all(got == want for got, _ in plain.values()), plain
    text = written_zeros(rows, case)
    records = pd.read_csv(io.StringIO(text), sep=delimiter, dtype={"amount": str}).to_dict(orient="records")
    got = scored_by_every_exit(web, model, "ledger.csv", text, deployment, records=records)
    for exit_, (predictions, how) in got.items():
        assert predictions == want, (exit_, how)


@pytest.mark.usefixtures("consumer")
def test_rows_to_score_are_not_told_to_choose_a_type_on_a_dataset_page(web, tmp_path):
    """The reader's sentences beside predictions spoke of the dataset page ("set its type to Number and read
    again") where rows to score have none (a new user: french_fries' quoted levels): a number column it kept as
    text ('2-' among whole numbers) is the model's to read, said in the model's words, and quoted levels are
    said without the page's advice. Every exit scores the rows alike."""
    rng = np.random.default_rng(3)
    n = 120
    train = pd.DataFrame({"grade": rng.integers(1, 6, n), "level": rng.choice([501, 95, 12], n),
                          "hours": rng.normal(10, 3, n).round(1)})
    train["score"] = (3 * train["grade"] + 0.5 * train["hours"] + (train["level"] == 95) * 4 + rng.normal(0, 1, n)).round(2)
    text = train.to_csv(index=False, quoting=0).replace(",501,", ',"501",').replace(",95,", ',"95",').replace(",12,", ',"12",')
    up = web.post("/api/v1/datasets", files={"file": ("marks.csv", text.encode())})
    assert up.status_code == 201, up.text
    assert any("level: numbers written in quotes" in t["text"] and "set its type to Number" in t["text"]
               for t in up.json()["notices"]), up.json()["notices"]  # (the dataset page keeps its advice)
    job = run(web, {"name": "marks", "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": up.json()["id"], "target_column": "score",
                                                  "problem_type": "regression"}},
        {"id": "s", "type": "split", "config": {"test_size": 0.25}},
        {"id": "m", "type": "model", "config": {"algorithm": "linear_regression"}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}]})
    bundle = unzip(web, job["id"], "m", tmp_path / "bundle")
    assert web.post(f"/api/v1/jobs/{job['id']}/models/m/deploy", json={"name": "marks"}).status_code == 201
    key = web.post("/api/v1/keys", json={"name": "marks"}).json()["key"]
    rows = 'grade,level,hours\n2-,"501",9.5\n3,"95",12.0\n1-,"12",8.0\n4,"95",10.5\n5,"501",11.0\n'
    got = scored_by_every_exit(web, (job["id"], bundle, key, tmp_path), "rows.csv", rows, "marks")
    want = got["predict.py"][0]
    assert want is not None and all(p == want for p, _ in got.values()), got
    for exit_ in ("app", "endpoint csv"):
        said = got[exit_][1]
        assert "set its type" not in said and "read again" not in said and "on this page" not in said, (exit_, said)
        assert "level: numbers written in quotes" in said, (exit_, said)
