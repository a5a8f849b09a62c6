"""The exits a model's rows are scored by (the app's "Score a file", a deployment's predict
endpoint with a CSV body, and the bundle's predict.py run in a fresh Python from the unzipped
bundle) apply one rule to the rows they are given, over classes of file: a trailing totals
row (sums, means, both; a "Total" whose numbers are not sums stays data), and a header that
names a column twice (a number column, a text column, three copies, the set-aside target).
Each class: the same predictions, and the same sentence, in every exit."""

from __future__ import annotations

import codecs
import csv
import html
import io
import json
import re

import numpy as np
import pandas as pd
import pytest

from tests.test_bundle import app_score, predict_py, run, unzip

pytestmark = pytest.mark.usefixtures("consumer")

COLUMNS = ["name", "origin", "cylinders", "displacement", "weight", "year", "mpg"]


def cars(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cylinders = rng.choice([4, 6, 8], n)
    weight = (1500 + 400 * cylinders + rng.integers(0, 600, n)).astype(int)
    return pd.DataFrame({
        "name": [f"car {seed}-{i}" for i in range(n)],
        "origin": rng.choice(["USA", "Europe", "Japan"], n),
        "cylinders": cylinders,
        "displacement": (cylinders * 45 + rng.uniform(0, 40, n)).round(1),
        "weight": weight,
        "year": pd.to_datetime("1970-01-01") + pd.to_timedelta(rng.integers(0, 12, n) * 365, unit="D"),
        "mpg": (60 - weight / 100 + rng.normal(0, 2, n)).round(1)})


@pytest.fixture(scope="module")
def model(web, tmp_path_factory):
    """A regression on a cars-like table, its bundle unzipped, deployed as `cars-exits`, and a key."""
    return deployed(web, tmp_path_factory.mktemp("exits"), cars(160, 1), "cars-exits")[1:]


def run_cars(web, dataset_id: str, name: str) -> dict:
    """A linear regression of `mpg` on the dataset, run to its end: the job."""
    return run(web, {"name": name, "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": dataset_id, "target_column": "mpg",
                                                  "problem_type": "regression"}},
        {"id": "s", "type": "split", "config": {"test_size": 0.25}},
        {"id": "m", "type": "model", "config": {"algorithm": "linear_regression"}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}]})


def deployed(web, folder, frame: pd.DataFrame | str, name: str, types: dict | None = None) -> tuple:
    """A linear regression of `mpg` on `frame` (or the text of a CSV file) uploaded as `name`.csv:
    (the upload's answer, the run's id, its bundle unzipped, a key), the model deployed as
    `name`; `folder` is kept. `types`: column types chosen on the dataset page before the run."""
    text = frame if isinstance(frame, str) else frame.to_csv(index=False)
    up = web.post("/api/v1/datasets", files={"file": (f"{name}.csv", text.encode())})
    assert up.status_code == 201, up.text
    if types:
        up = web.put(f"/api/v1/datasets/{up.json()['id']}/reading", json={"types": types})
        assert up.status_code == 200, up.text
    job = run_cars(web, up.json()["id"], name)
    bundle = unzip(web, job["id"], "m", folder / "bundle")
    assert web.post(f"/api/v1/jobs/{job['id']}/models/m/deploy", json={"name": name}).status_code == 201
    key = web.post("/api/v1/keys", json={"name": name}).json()["key"]
    return up.json(), job["id"], bundle, key, folder


def exits(web, model, name: str, text: str, deployment: str = "cars-exits") -> dict:
    """The file scored by each exit: {exit: (its predictions as CSV text or None, what it said)}."""
    job_id, bundle, key, folder = model
    path = folder / name
    path.write_text(text)
    script = predict_py(bundle, path)
    app_csv, fragment = app_score(web, job_id, "m", path)
    headers = {"Content-Type": "text/csv", "Authorization": f"Bearer {key}"}
    as_csv = web.post(f"/api/v1/deployments/{deployment}/predict", content=path.read_bytes(),
                      headers={**headers, "Accept": "text/csv"})
    as_json = web.post(f"/api/v1/deployments/{deployment}/predict", content=path.read_bytes(), headers=headers)
    said_json = as_json.json()
    return {"predict.py": (script.stdout if script.returncode == 0 else None, script.stderr),
            "app": (app_csv, html.unescape(fragment)),
            "endpoint": (as_csv.text if as_csv.status_code == 200 else None,
                         json.dumps(said_json.get("reading") or said_json.get("detail"), ensure_ascii=False))}


def csv_of(rows: list[list]) -> str:
    return "\n".join(",".join("" if v is None else str(v) for v in row) for row in rows) + "\n"


def data_rows(n: int = 5) -> list[list]:
    frame = cars(n, 7)
    frame["year"] = frame["year"].dt.strftime("%Y-%m-%d")
    return frame.drop(columns="mpg").astype(object).to_numpy().tolist()


NUMBERS = {"cylinders": 2, "displacement": 3, "weight": 4}  # their place among the rows' columns


def summary(rows: list[list], label: str, how: str, at: int = 0, date=None) -> list:
    """A row holding `label` in column `at` and each number column's sum or mean (2 decimals)."""
    row: list = [None] * len(rows[0])
    for i in NUMBERS.values():
        values = [r[i] for r in rows]
        row[i] = round(sum(values), 1) if how == "sums" else round(sum(values) / len(values), 2)
    row[5] = date
    row[at] = label
    return row


def header(names=COLUMNS[:-1]) -> list:
    return list(names)


def totals_files() -> dict:
    """{class: (file text, rows each exit should score, the sentence said or None)}."""
    rows = data_rows()
    sums, means = summary(rows, "Total", "sums"), summary(rows, "Average", "means")
    not_sums = ["Total", "USA", 4, 97.0, 2130, "1972-01-01"]  # a car named "Total": data
    dated = summary(rows, "TOTAL:", "sums", date="1975-01-01")  # a date in the row: data
    in_numbers = summary(rows, "Summe", "sums", at=NUMBERS["cylinders"])  # the label in a number column
    in_dates = summary(rows, "Totale", "sums", at=5)  # the label in the date column (an Italian export's first)
    dated_means = summary(rows, "Mean", "means", at=5)
    one = "The last row (line 7, {!r}) holds the {} of the columns above it: it was left out as a totals row, not data."
    return {
        "sums": (csv_of([header(), *rows, sums]), 5, one.format("Total", "sums")),
        "means": (csv_of([header(), *rows, means]), 5, one.format("Average", "means")),
        "sums and means": (csv_of([header(), *rows, means, summary(rows, "Total", "sums")]), 5,
                           "The last 2 rows ('Average', 'Total', the last at line 8) hold the columns' means and sums, "
                           "not data: they were left out as totals rows."),
        "a label in a number column": (csv_of([header(), *rows, in_numbers]), 5, one.format("Summe", "sums")),
        "a label in the date column": (csv_of([header(), *rows, in_dates]), 5, one.format("Totale", "sums")),
        "means labelled in the date column": (csv_of([header(), *rows, dated_means]), 5, one.format("Mean", "means")),
        "'Total' whose numbers are not sums": (csv_of([header(), *rows, not_sums]), 6, None),
        "sums with a date": (csv_of([header(), *rows, dated]), 6, None),
    }


@pytest.mark.parametrize("case", sorted(totals_files()))
def test_a_trailing_totals_row_is_left_out_by_every_exit_alike(web, model, case):
    """A file of 5 cars and a "Total" row of their sums: the app and the endpoint left it
    out with a notice, predict.py scored it as a 6th car (-64.66 mpg) (found by an audit)."""
    text, n, sentence = totals_files()[case]
    got = exits(web, model, case.replace(" ", "_").replace("'", "") + ".csv", text)
    scored = {exit: out for exit, (out, _) in got.items()}
    assert all(out is not None for out in scored.values()), got
    assert scored["predict.py"] == scored["app"] == scored["endpoint"], got
    assert len(pd.read_csv(io.StringIO(scored["predict.py"]))) == n
    for exit, (_, said) in got.items():
        if sentence is None:
            assert "totals row" not in said, (exit, said)
        else:
            assert sentence in said, (exit, said)
    if sentence is not None:
        assert f"note: {sentence}" in got["predict.py"][1]


def repeated_files() -> dict:
    """{class: (file text, the refusal every exit says, or None when the rows are scored)}."""
    rows = data_rows()
    numbers = header(COLUMNS[:5] + ["cylinders"])  # 'cylinders' where 'year' was
    texts = header(["name", "origin", "cylinders", "displacement", "origin", "year"])  # 'origin' where 'weight' was
    three = header(["name", "cylinders", "cylinders", "displacement", "weight", "cylinders"])
    target = [*header(), "mpg", "mpg"]
    return {
        "a number column twice": (csv_of([numbers, *rows]), "These rows cannot be scored: 'cylinders' appears twice in "
                                  "the header (columns 3 and 6: keep one); missing column 'year'."),
        "a text column twice": (csv_of([texts, *rows]), "These rows cannot be scored: 'origin' appears twice in the "
                                "header (columns 2 and 5: keep one); missing column 'weight'."),
        "three copies": (csv_of([three, *rows]), "These rows cannot be scored: 'cylinders' appears 3 times in the "
                         "header (columns 2, 3 and 6: keep one); missing columns 'origin', 'year'."),
        "the target twice": (csv_of([target, *[[*r, 20.0, 21.0] for r in rows]]), None),
    }


@pytest.mark.parametrize("case", sorted(repeated_files()))
def test_a_header_naming_a_column_twice_is_refused_by_every_exit_saying_so(web, model, case):
    """'Cylinders' twice in the header was refused as "unknown column 'Cylinders_2'" by the
    app and the endpoint and as "unknown column 'Cylinders.1'" by predict.py: names in no
    file (found by an audit). Every exit says the name the header repeats, and where; a
    column set aside (the target) may come twice."""
    text, refusal = repeated_files()[case]
    got = exits(web, model, case.replace(" ", "_") + ".csv", text)
    if refusal is None:
        scored = {exit: out for exit, (out, _) in got.items()}
        assert scored["predict.py"] is not None and scored["predict.py"] == scored["app"] == scored["endpoint"], got
        return
    for exit, (out, said) in got.items():
        print("SAID", exit, said)
        assert out is None and refusal in said, (exit, said)


def test_gaps_written_as_the_app_reads_them_are_gaps_in_every_exit(web, model):
    """A fresh-eyes audit: a SAS export's '.' in a number column was read as a gap by Score
    a file and refused by predict.py ("values like '.' ... reads numbers written with a
    decimal point"). The gap markers of the app's reader ('.', '-', '?', 'n/a', '#N/A', '—')
    are gaps in every exit, one rule, with the same predictions."""
    rows = data_rows(6)
    for i, marker in enumerate([".", "-", "?", "n/a", "#N/A", "—"]):
        rows[i][NUMBERS["displacement" if i % 2 else "weight"]] = marker
    got = exits(web, model, "gaps.csv", csv_of([header(), *rows]))
    scored = {exit: out for exit, (out, _) in got.items()}
    assert all(out is not None for out in scored.values()), got
    assert scored["predict.py"] == scored["app"] == scored["endpoint"], got
    assert len(pd.read_csv(io.StringIO(scored["predict.py"]))) == 6


# --------------------------------------------------------------------------- dates written with numbers
def dated_cars(n: int, seed: int, fmt: str) -> pd.DataFrame:
    """Cars whose `bought` date drives the mileage (days since 1970 and the month), written `fmt`."""
    rng = np.random.default_rng(seed)
    frame = cars(n, seed).drop(columns="year")
    bought = pd.to_datetime("1990-01-01") + pd.to_timedelta(rng.integers(0, 6000, n), unit="D")
    frame["mpg"] = (frame["mpg"] + (bought - pd.Timestamp("1990-01-01")).days / 1000 + bought.month / 4).round(2)
    frame.insert(5, "bought", bought.strftime(fmt))
    return frame


@pytest.fixture(scope="module")
def month_first(web, tmp_path_factory):
    """A regression trained on a file writing its dates month first (11/27/1995: the reader
    reads it so, from the days past 12), its bundle, deployed as `cars-dates`, and a key."""
    up, job_id, bundle, key, folder = deployed(web, tmp_path_factory.mktemp("dates"),
                                               dated_cars(200, 3, "%m/%d/%Y"), "cars-dates")
    assert any("read as dates, month first" in n["text"] for n in up["notices"]), up["notices"]
    assert "Dates written with numbers are read as the training file wrote them: bought month first" in \
        (bundle / "MODEL_CARD.md").read_text()
    return job_id, bundle, key, folder


def scored_by_every_exit(web, model, name: str, frame: pd.DataFrame | str | bytes, deployment: str = "cars-dates",
                         records: list | None = None) -> dict:
    """{exit: (predictions as a list or None, what it said)} for the rows of `frame`: predict.py,
    Score a file, the endpoint with the CSV and with JSON records (for the text or bytes of a
    file, only when `records` gives them)."""
    job_id, bundle, key, folder = model
    path = folder / name
    if isinstance(frame, str):
        path.write_text(frame)
    elif isinstance(frame, bytes):
        path.write_bytes(frame)
    else:
        frame.to_csv(path, index=False)
    script = predict_py(bundle, path)
    app_csv, fragment = app_score(web, job_id, "m", path)
    headers = {"Authorization": f"Bearer {key}"}
    as_csv = web.post(f"/api/v1/deployments/{deployment}/predict", content=path.read_bytes(),
                      headers={**headers, "Content-Type": "text/csv"}).json()
    as_json = None
    if records is None and isinstance(frame, pd.DataFrame):
        records = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    if records is not None:
        as_json = web.post(f"/api/v1/deployments/{deployment}/predict", json={"records": records},
                           headers=headers).json()
    return {"predict.py": (predicted_column(script.stdout) if script.returncode == 0 else None, script.stderr),
            "app": (predicted_column(app_csv), html.unescape(fragment)),
            "endpoint csv": endpoint_said(as_csv),
            **({"endpoint json": endpoint_said(as_json)} if as_json is not None else {})}


def predicted_column(text: str | None, digits: int = 9) -> list | None:
    """A predictions file's `prediction` column, rounded to `digits` (None: no file)."""
    return None if text is None else pd.read_csv(io.StringIO(text))["prediction"].round(digits).tolist()


def endpoint_said(body: dict, digits: int = 9) -> tuple:
    """The endpoint's predictions rounded (None: refused) and what it said (detail, warnings, reading)."""
    return ([round(v, digits) for v in body["predictions"]] if "predictions" in body else None,
            json.dumps([body.get("detail"), body.get("warnings"), body.get("reading")], ensure_ascii=False))


def every_exit(web, job_id: str, deployment: str, key: str, path, script: dict, records: list, digits: int = 9) -> dict:
    """{exit: (predictions or None, what it said)} for the rows of one file: predict.py's run of it
    (`script`: predict_all's stdout, stderr and returncode), Score a file, and the endpoint given
    the file and `records` as JSON."""
    app_csv, fragment = app_score(web, job_id, "m", path)
    url, headers = f"/api/v1/deployments/{deployment}/predict", {"Authorization": f"Bearer {key}"}
    return {"predict.py": (predicted_column(script["stdout"], digits) if script["returncode"] == 0 else None,
                           script["stderr"]),
            "app": (predicted_column(app_csv, digits), html.unescape(fragment)),
            "endpoint csv": endpoint_said(web.post(url, content=path.read_bytes(), headers={
                **headers, "Content-Type": "text/csv"}).json(), digits),
            "endpoint json": endpoint_said(web.post(url, headers=headers, json={"records": records}).json(), digits)}


def test_dates_either_way_are_read_in_the_training_files_order_by_every_exit(web, month_first):
    """A new user's audit: a model trained on a file writing 07/19/2012 (read month first)
    was given rows dated 03/05/2013, 12/01/2013 ...: every exit refused them as dates "which
    may be read either way". Each exit now reads them month first, as the training file's,
    says so, and predicts what the same rows written year first get."""
    rows = dated_cars(8, 11, "%Y-%m-%d").drop(columns="mpg")
    rows["bought"] = [f"2013-{m:02d}-{d:02d}" for m, d in [(3, 5), (12, 1), (1, 2), (11, 10), (6, 7), (2, 12),
                                                            (10, 3), (4, 4)]]
    want = scored_by_every_exit(web, month_first, "iso.csv", rows)
    assert all(out is not None for out, _ in want.values()), want
    written = rows.assign(bought=pd.to_datetime(rows["bought"]).dt.strftime("%m/%d/%Y"))
    got = scored_by_every_exit(web, month_first, "either_way.csv", written)
    for exit, (out, said) in got.items():
        print("SAID", exit, said)
        assert out == want[exit][0], (exit, said)
        assert "read month first, as the training file's dates were ('03/05/2013' → 2013-03-05)" in said, (exit, said)
        assert "kept as text" not in said, (exit, said)  # the reader's word on them, which the model's overrides
    # two-digit years and a time, and year-first dates among them: the same dates
    mixed = written.assign(bought=[v[:6] + v[8:] if i % 3 == 0 else v + " 00:00" if i % 3 == 1 else
                                   rows["bought"][i] for i, v in enumerate(written["bought"])])
    got = scored_by_every_exit(web, month_first, "mixed.csv", mixed)
    for exit, (out, said) in got.items():
        print("SAID", exit, said)
        assert out == want[exit][0], (exit, said)


@pytest.fixture(scope="module")
def day_first(web, tmp_path_factory):
    """The same regression trained on a file writing its dates day first (27/11/1995), deployed
    as `cars-days`."""
    up, job_id, bundle, key, folder = deployed(web, tmp_path_factory.mktemp("days"),
                                               dated_cars(200, 4, "%d/%m/%Y"), "cars-days")
    assert any("read as dates, day first" in n["text"] for n in up["notices"]), up["notices"]
    return job_id, bundle, key, folder


# the dates of the rows to score: (month, day), some with a day past 12 (which shows the order),
# some that may be read either way
BOUGHT = [(3, 5), (7, 19), (12, 25), (1, 2), (11, 10), (6, 13), (10, 3), (4, 4)]
WRITTEN = {"day": "%d/%m/%Y", "month": "%m/%d/%Y"}


def bought_rows(written: str, times: bool = False, iso_every: int = 0) -> pd.DataFrame:
    """Eight cars bought on BOUGHT's dates in 2013, written `written` (strftime), with a time
    (`times`), and every `iso_every`-th one year first."""
    rows = dated_cars(len(BOUGHT), 11, "%Y-%m-%d").drop(columns="mpg")
    stamps = [pd.Timestamp(2013, m, d, 10 if times else 0, 30 if times else 0) for m, d in BOUGHT]
    rows["bought"] = [t.strftime("%Y-%m-%d" + (" %H:%M" if times else "")) if iso_every and i % iso_every == 2 else
                      t.strftime(written + (" %H:%M" if times else "")) for i, t in enumerate(stamps)]
    return rows


def other_order_classes(trained: str) -> dict:
    """{class: the rows, written in the other order than the training file's}."""
    other = {"day": "month", "month": "day"}[trained]
    fmt = WRITTEN[other]
    return {"four-digit years": bought_rows(fmt), "two-digit years": bought_rows(fmt.replace("%Y", "%y")),
            "with times": bought_rows(fmt, times=True), "ISO dates among them": bought_rows(fmt, iso_every=3),
            "dashes, two-digit years and times": bought_rows(fmt.replace("/", "-").replace("%Y", "%y"), times=True)}


@pytest.mark.parametrize("trained", ["month", "day"])
def test_dates_only_possible_in_the_other_order_are_read_so_by_every_exit_saying_so(web, month_first, day_first,
                                                                                     trained):
    """An audit: a model trained on 07/19/2012 (month first) given rows dated 19/07/2013,
    25/12/2013 (no date month first): Score a file read them day first, from the file's own
    evidence, and scored; predict.py and the endpoint refused them (they read the training
    order). Every exit now reads a column whose dates exist only in the other order in that
    order, each model's order in turn, and says it in one sentence; the predictions are those
    of the same rows written year first."""
    model, name = (month_first, "cars-dates") if trained == "month" else (day_first, "cars-days")
    other = {"day": "month", "month": "day"}[trained]
    want = {times: scored_by_every_exit(web, model, f"iso-{trained}-{times}.csv", bought_rows("%Y-%m-%d", times),
                                        name) for times in (False, True)}
    for case, rows in other_order_classes(trained).items():
        got = scored_by_every_exit(web, model, f"{trained}-{case.replace(' ', '_')}.csv", rows, name)
        shows = next(v for v in rows["bought"] if not v.startswith("2013") and
                     int(v.split("/" if "/" in v else "-")[0 if other == "day" else 1]) > 12)
        n = sum(not v.startswith("2013") for v in rows["bought"])
        when = pd.Timestamp(2013, *(BOUGHT[list(rows["bought"]).index(shows)]))
        sentence = (f"'bought': {n} dates written with numbers read {other} first, as this file writes them "
                    f"({shows!r} → {when:%Y-%m-%d}: no date {trained} first); the training file wrote {trained} first.")
        for exit, (out, said) in got.items():
            assert out is not None and out == want[" " in rows["bought"][0]][exit][0], (case, exit, said)
            assert sentence in said, (case, exit, said)
            assert f"read as dates, {other} first" not in said, (case, exit, said)  # the reader's words, replaced


@pytest.mark.parametrize("trained", ["month", "day"])
def test_dates_possible_in_the_training_order_keep_it_in_every_exit(web, month_first, day_first, trained):
    """Near misses, which stay as they were: a file written in the training order (a day past
    12 where the training file had it), and one whose dates may be read either way, dotted
    (the app's reader reads 03.05.2013 day first when nothing shows the order: for a
    month-first model every exit now reads it month first, as the training file's), are read
    in the training order, said so, and never said to be in the other order."""
    model, name = (month_first, "cars-dates") if trained == "month" else (day_first, "cars-days")
    want = scored_by_every_exit(web, model, f"iso-{trained}.csv", bought_rows("%Y-%m-%d"), name)
    either = bought_rows("%Y-%m-%d")
    either["bought"] = [f"{d:02d}.{m:02d}.2013" if trained == "day" else f"{m:02d}.{d:02d}.2013"
                        for m, d in [(3, 5), (12, 1), (1, 2), (11, 10), (6, 7), (2, 12), (10, 3), (4, 4)]]
    either_want = either.assign(bought=[pd.Timestamp(2013, m, d).strftime("%Y-%m-%d") for m, d in
                                        [(3, 5), (12, 1), (1, 2), (11, 10), (6, 7), (2, 12), (10, 3), (4, 4)]])
    either_want = scored_by_every_exit(web, model, f"iso-either-{trained}.csv", either_want, name)
    for case, rows, wanted in [("training order", bought_rows(WRITTEN[trained]), want),
                               ("dotted, either way", either, either_want)]:
        got = scored_by_every_exit(web, model, f"{trained}-{case.replace(' ', '_').replace(',', '')}.csv", rows, name)
        first = rows["bought"].iloc[0]
        m, d = (int(first[:2]), int(first[3:5])) if trained == "month" else (int(first[3:5]), int(first[:2]))
        sentence = (f"'bought': 8 dates written with numbers (like {first!r}) read {trained} first, as the training "
                    f"file's dates were ({first!r} → 2013-{m:02d}-{d:02d}).")
        for exit, (out, said) in got.items():
            assert out is not None and out == wanted[exit][0], (case, exit, said)
            assert sentence in said, (case, exit, said)
            assert "as this file writes them" not in said, (case, exit, said)


@pytest.mark.parametrize("trained", ["month", "day"])
def test_dates_that_exist_in_neither_order_are_refused_by_every_exit_naming_the_order(web, month_first, day_first,
                                                                                      trained):
    """19/07/2013 beside 07/19/2013: no order reads the column. Every exit refuses it, naming
    the training file's order and the value the other order cannot read (the app read a whole
    file of 19/07/2013 day first; predict.py refused any of it)."""
    model, name = (month_first, "cars-dates") if trained == "month" else (day_first, "cars-days")
    rows = dated_cars(4, 12, "%Y-%m-%d").drop(columns="mpg")
    rows["bought"] = ["03/05/2013", "19/07/2013", "07/19/2013", "2013-04-04"]
    bad, nor = ("'19/07/2013', the first in row 2", "'07/19/2013' (row 3) read day first") if trained == "month" \
        else ("'07/19/2013', the first in row 3", "'19/07/2013' (row 2) read month first")
    refusal = (f"'bought' should hold dates written {trained} first as in the training file, like "
               f"{'11/27/2024' if trained == 'month' else '27/11/2024'}, or as ISO 8601, like 2024-11-27 (values like "
               f"{bad}); read {trained} first, as the training file's dates are written, these dates do not exist, nor "
               f"does {nor}")
    got = scored_by_every_exit(web, model, f"neither-{trained}.csv", rows, name)
    for exit, (out, said) in got.items():
        print("SAID", exit, said)
        assert out is None and refusal in said, (exit, said)
    # a date that exists in no order (31/02/2013 beside 19/07/2013) likewise
    rows["bought"] = ["03/05/2013", "19/07/2013", "31/02/2013", "2013-04-04"]
    got = scored_by_every_exit(web, model, f"no-such-day-{trained}.csv", rows, name)
    for exit, (out, said) in got.items():
        print("SAID", exit, said)
        assert out is None and f"read {trained} first, as the training file's dates are written, these dates do not " \
            "exist" in said, (exit, said)


# --------------------------------------------------------------------------- a header in two rows
TWO_ROWS_TOP = ["name", "origin", "Engine", "", "", "year", "mpg"]
TWO_ROWS_SUB = ["", "", "cylinders", "displacement", "weight", "", ""]
JOINED = ["name", "origin", "Engine cylinders", "Engine displacement", "Engine weight", "year", "mpg"]
TWO_ROWS_SAID = ("The header spans lines 1 and 2 ('Engine' over the names below it): those columns are named by "
                 "both rows ('Engine cylinders', 'Engine displacement', 'Engine weight'), and the data start at line 3.")


@pytest.fixture(scope="module")
def two_rows(web, tmp_path_factory):
    """A regression trained on a file whose header is written in two rows ("Engine" over
    cylinders, displacement and weight, as a report exported from Excel writes it): its
    features are named by both rows; deployed as `cars-two-rows`."""
    frame = cars(160, 5)
    frame["year"] = frame["year"].dt.strftime("%Y-%m-%d")
    text = csv_of([TWO_ROWS_TOP, TWO_ROWS_SUB, *frame.astype(object).to_numpy().tolist()])
    up, job_id, bundle, key, folder = deployed(web, tmp_path_factory.mktemp("two-rows"), text, "cars-two-rows")
    assert any(TWO_ROWS_SAID in n["text"] for n in up["notices"]), up["notices"]
    features = [f["name"] for f in json.loads((bundle / "model_card.json").read_text())["features"]]
    assert "Engine weight" in features, features
    return job_id, bundle, key, folder


def two_rows_files() -> dict:
    """{class: (file text, whether the header is in two rows)}: each the same five cars."""
    rows = data_rows()
    repeated = ["name", "origin", "Engine", "Engine", "Engine", "year"]
    gaps = [list(r) for r in rows]
    gaps[0][2] = gaps[0][3] = gaps[0][4] = None  # a first data row with blanks: data, under a one-row header
    semicolons = csv_of([TWO_ROWS_TOP[:-1], TWO_ROWS_SUB[:-1], *rows]).replace(",", ";")
    return {
        "group name then blanks": (csv_of([TWO_ROWS_TOP[:-1], TWO_ROWS_SUB[:-1], *rows]), True),
        "group name repeated": (csv_of([repeated, TWO_ROWS_SUB[:-1], *rows]), True),
        "Windows line ends": (csv_of([TWO_ROWS_TOP[:-1], TWO_ROWS_SUB[:-1], *rows]).replace("\n", "\r\n"), True),
        "semicolons": (semicolons, True),
        "one-row header": (csv_of([JOINED[:-1], *rows]), False),
        "a first data row with blanks": (csv_of([JOINED[:-1], *gaps]), False),
    }


@pytest.mark.parametrize("case", sorted(two_rows_files()))
def test_a_header_in_two_rows_is_read_alike_by_every_exit(web, two_rows, case):
    """An audit: a model trained on a file whose header is written in two rows (its features
    'Engine cylinders' ...) scored that kind of file in the app, while predict.py read the
    group row as the header and refused it ("missing column 'Engine cylinders'; unknown
    column 'Engine'"). Every exit reads the two rows as one header, says so in the app's
    words, and predicts what the file with the joined names in one row gets; a one-row
    header and a first data row with blanks stay read as they were, with no such word."""
    text, in_two = two_rows_files()[case]
    want = scored_by_every_exit(web, two_rows, "joined.csv", csv_of([JOINED[:-1], *data_rows()]), "cars-two-rows")
    got = scored_by_every_exit(web, two_rows, case.replace(" ", "_") + ".csv", text, "cars-two-rows")
    assert set(got) == {"predict.py", "app", "endpoint csv"}
    for exit, (out, said) in got.items():
        print("SAID", exit, said)
        assert out is not None, (exit, said)
        if case != "a first data row with blanks":
            assert out == want[exit][0], (exit, said)
        if in_two:
            assert TWO_ROWS_SAID in said, (exit, said)
        else:
            assert "The header spans" not in said, (exit, said)
    assert got["predict.py"][0] == got["app"][0] == got["endpoint csv"][0], got


@pytest.fixture(scope="module")
def row_named(web, tmp_path_factory):
    """The cars regression trained on a file written with its row names under an empty header
    cell (pandas' to_csv, R's write.csv): the app keeps them as the id column `row_names`."""
    frame = cars(160, 3)
    frame.index = range(1, len(frame) + 1)
    return deployed(web, tmp_path_factory.mktemp("rownames"), frame.to_csv(), "cars-rownames")[1:]


def row_names_files() -> dict:
    """{case: (the file's text, the sentence every exit refuses it with, or None: scored)}."""
    rows = cars(6, 9).drop(columns="mpg")
    rows.index = range(1, len(rows) + 1)
    called = rows.assign(**{"Unnamed: 0": list("abcdef")})
    unknown = ("These rows cannot be scored: unknown column {!r} (the model was not trained on it: leave it out of the "
               "rows to score).")
    return {
        "R's row names": (rows.to_csv().replace(",name,", '"","name",', 1), None),
        "pandas' index": (rows.to_csv(), None),
        "pandas' index, semicolons": (rows.to_csv(sep=";"), None),
        # R's write.table: one space between values, no name over the row names, text quoted
        "R's write.table, spaces": (rows.set_axis(rows.index.astype(str)).to_csv(sep=" ", quoting=csv.QUOTE_NONNUMERIC)
                                    .split(" ", 1)[1], None),
        "R's write.table, tabs": (rows.set_axis(rows.index.astype(str)).to_csv(sep="\t", quoting=csv.QUOTE_NONNUMERIC)
                                  .split("\t", 1)[1], None),
        # a file read with pandas (its row names as 'Unnamed: 0') and written again with its index
        "pandas' index over Unnamed: 0": (rows.reset_index(names="Unnamed: 0").to_csv(), unknown.format("Unnamed: 0")),
        "a column called Unnamed: 0 at the end": (called.to_csv(), unknown.format("Unnamed: 0")),
        "a column called Unnamed: 0.1": (rows.assign(**{"Unnamed: 0.1": 1}).to_csv(), unknown.format("Unnamed: 0.1")),
    }


@pytest.mark.parametrize("case", sorted(row_names_files()))
def test_row_names_under_an_empty_header_cell_are_read_alike_by_every_exit(web, row_named, case):
    """A new user's table read with pandas and written again with its index (',Unnamed: 0,lfp,
    ...'): the app and the endpoint refused "unknown column 'Unnamed: 0'", predict.py "unknown
    columns 'Unnamed: 0.1', 'Unnamed: 0'" (pandas' name for the empty cell, in no file). Every
    exit reads the empty first cell as the row names, and names the columns the header names."""
    text, refusal = row_names_files()[case]
    got = exits(web, row_named, case.replace(" ", "_").replace("'", "").replace(":", "") + ".csv", text,
                "cars-rownames")
    if refusal is None:
        scored = {exit: out for exit, (out, _) in got.items()}
        assert scored["predict.py"] is not None and scored["predict.py"] == scored["app"] == scored["endpoint"], got
        assert scored["app"].splitlines()[0].startswith("row_names,"), scored["app"]
        return
    for exit, (out, said) in got.items():
        print("SAID", exit, said)
        assert out is None and refusal in said, (exit, said)


# --------------------------------------------------------------------------- row names, every shape
ROW_NAMES_SAID = ("The first column had no name (R and pandas write row names there): it is named 'row_names' and "
                  "left out of the features as an id.")
LEVEL_SAID = "Column 2 had no name: it is named 'column_2'."


def indexed(frame: pd.DataFrame, shape: str, start: int = 0) -> str:
    """`frame` written by pandas' to_csv with an index of `shape`."""
    n = len(frame)
    if shape == "unnamed":
        return frame.set_axis([f"row {start + i}" for i in range(n)]).to_csv()
    if shape == "named":
        return frame.set_axis(range(start, start + n)).to_csv(index_label="id")
    levels = pd.MultiIndex.from_tuples([(f"batch {(start + i) % 3}", start + i) for i in range(n)])
    return frame.set_axis(levels).to_csv()


@pytest.fixture(scope="module")
def shaped(web, tmp_path_factory):
    """{shape: the cars regression trained on a file pandas wrote with its index of that shape}."""
    return {shape: deployed(web, tmp_path_factory.mktemp(f"index-{shape}"), indexed(cars(160, 4), shape),
                            f"cars-index-{shape}")[1:] for shape in ("unnamed", "named", "multi")}


@pytest.mark.parametrize("shape", ["unnamed", "named", "multi"])
def test_a_file_pandas_wrote_with_its_index_scores_in_every_exit_as_the_training_one_did(web, shaped, shape):
    """Trained on df.to_csv() and scoring another df.to_csv(): predict.py refused a MultiIndex's
    second level ("unknown column 'Unnamed: 1'") where the app and the endpoint named it
    'column_2' and scored, and said nothing of the row names it set aside. Every exit scores
    it, carries the index as the rows' ids, first, and says each unnamed column it named."""
    rows = cars(5, 11).drop(columns="mpg")
    got = exits(web, shaped[shape], f"index_{shape}.csv", indexed(rows, shape, start=500), f"cars-index-{shape}")
    scored = {exit: out for exit, (out, _) in got.items()}
    assert all(out is not None for out in scored.values()), got
    assert scored["predict.py"] == scored["app"] == scored["endpoint"], got
    ids = {"unnamed": ["row_names"], "named": ["id"], "multi": ["row_names", "column_2"]}[shape]
    back = pd.read_csv(io.StringIO(scored["app"]))
    assert list(back.columns) == [*ids, "name", "prediction"] and len(back) == 5, scored["app"]  # name: an id too
    assert back[ids[0]].tolist() == {"unnamed": [f"row {i}" for i in range(500, 505)], "named": list(range(500, 505)),
                                     "multi": [f"batch {i % 3}" for i in range(500, 505)]}[shape]
    said = {"unnamed": [ROW_NAMES_SAID], "named": [], "multi": [ROW_NAMES_SAID, LEVEL_SAID]}[shape]
    for exit, (_, words) in got.items():
        for sentence in said:
            assert sentence in words, (exit, words)
        if not said:
            assert "had no name" not in words, (exit, words)
    for sentence in said:
        assert f"note: {sentence}" in got["predict.py"][1]


def test_row_names_a_model_never_saw_are_carried_as_ids_by_every_exit(web, model):
    """A model trained on a file without row names, scoring one written with them (unique row
    labels, R's or pandas'): set aside, said, and carried beside each prediction in every
    exit (predict.py named them after the model's first id column, a guess; the app dropped them)."""
    rows = cars(4, 12).drop(columns="mpg")
    for labels in ([f"x{i}" for i in range(4)], [10, 20, 30, 40], ["2024-01-01", "2024-01-02", "2024-01-03", "a"]):
        got = exits(web, model, "labelled.csv", rows.set_axis(labels).to_csv())
        scored = {exit: out for exit, (out, _) in got.items()}
        assert all(out is not None for out in scored.values()), got
        assert scored["predict.py"] == scored["app"] == scored["endpoint"], got
        back = pd.read_csv(io.StringIO(scored["app"]), dtype=str)
        assert list(back.columns) == ["name", "row_names", "prediction"], back  # the model's ids, then the row names
        assert back["row_names"].tolist() == [str(v) for v in labels], back
        assert all(ROW_NAMES_SAID in said for _, said in got.values()), got


def test_an_unnamed_first_column_that_does_not_name_the_rows_is_refused_by_every_exit(web, model):
    """Near misses: a real column whose header cell was left empty (its values repeat, or one
    is empty) is not row names: no exit drops it as an id without a word; every exit refuses
    it in one sentence naming the first value that repeats."""
    rows = cars(4, 13).drop(columns="mpg")
    cases = {
        "repeated text": (["USA", "Japan", "USA", "Europe"], "'USA' in row 1 and 3"),
        "repeated numbers": ([4, 4, 6, 8], "'4' in row 1 and 2"),
        "a gap": (["a", None, "b", "c"], "an empty cell in row 2"),
    }
    for case, (values, where) in cases.items():
        text = rows.set_axis(values).to_csv()
        got = exits(web, model, "unnamed_values.csv", text)
        for exit, (out, said) in got.items():
            assert out is None, (case, exit, said)
            assert ("These rows cannot be scored: the first column has no name in the header, and its values do not "
                    f"name the rows as row names do ({where})") in said, (case, exit, said)


# --------------------------------------------------------------------------- files without rows
EMPTY = {
    "no bytes": ("", "{} is empty: it has neither a header nor rows."),
    "blank lines": ("\n\n  \n", "{} is empty: it has neither a header nor rows."),
    "a header": (",".join(COLUMNS[:-1]) + "\n", "{} has a header but no data rows."),
    "a header without its line end": (",".join(COLUMNS[:-1]), "{} has a header but no data rows."),
    "a header and blank rows": (",".join(COLUMNS[:-1]) + "\n,,,,,\n,,,,,\n",
                                "{} has a header but no data rows (every row is blank)."),
}


@pytest.mark.parametrize("case", sorted(EMPTY))
def test_a_file_without_rows_is_refused_in_one_wording_by_every_exit(web, model, case):
    """An empty file was "empty.csv is empty: it has neither a header nor rows." to predict.py,
    "The file is empty." to Score a file and "The CSV body holds no rows to score: ..." to the
    endpoint, and a header alone three other ways: one rule (playground_runtime), one wording,
    the file named as each exit names it."""
    text, sentence = EMPTY[case]
    name = case.replace(" ", "_") + ".csv"
    got = exits(web, model, name, text)
    subject = {"predict.py": name, "app": "The file", "endpoint": "The CSV body"}
    for exit, (out, said) in got.items():
        print("SAID", exit, said)
        assert out is None and sentence.format(subject[exit]) in said, (exit, said)
        assert "These rows cannot be scored: there are none" not in said, (exit, said)


# --------------------------------------------------------------------------- JSON's true
def test_json_true_is_echoed_back_as_json_spells_it(web, model):
    """A record's true in a text column was said back as 'True' (Python's spelling) in the
    warning of a value training never saw, and written 'True' in a CSV answer's id column.
    JSON in, JSON's spelling out; a text column whose training values spell it ('TRUE') is
    matched in that spelling; strings stay as sent."""
    job_id, bundle, key, folder = model
    headers = {"Authorization": f"Bearer {key}"}
    base = cars(2, 14).drop(columns="mpg")
    base["year"] = base["year"].dt.strftime("%Y-%m-%d")
    for value, word in ((True, "true"), (False, "false")):
        records = [{**r, "origin": value} for r in base.to_dict("records")]
        r = web.post("/api/v1/deployments/cars-exits/predict", json={"records": records}, headers=headers)
        assert r.status_code == 200, r.text
        warnings = " ".join(r.json().get("warnings") or [])
        assert f"never saw in training ('{word}')" in warnings and "True" not in warnings and "False" not in warnings
        records = [{**r, "name": value} for r in base.to_dict("records")]  # the id column
        r = web.post("/api/v1/deployments/cars-exits/predict", json={"records": records},
                     headers={**headers, "Accept": "text/csv"})
        assert r.status_code == 200, r.text
        assert [line.split(",")[0] for line in r.text.splitlines()[1:]] == [word, word], r.text
        assert "True" not in r.headers.get("x-warnings", "") and "False" not in r.text, r.text
    records = [{**r, "origin": "True"} for r in base.to_dict("records")]  # a string stays as sent
    r = web.post("/api/v1/deployments/cars-exits/predict", json={"records": records}, headers=headers)
    assert "('True')" in " ".join(r.json().get("warnings") or []), r.text


def test_json_true_in_a_text_column_takes_the_training_files_spelling():
    import playground_runtime as runtime

    features = [{"name": "flag", "type": "categorical", "dtype": "str", "categories": ["TRUE", "FALSE", "maybe"]}]
    X = runtime.prepare_rows(pd.DataFrame({"flag": [True, False, "maybe"]}, dtype=object), features)
    assert X["flag"].tolist() == ["TRUE", "FALSE", "maybe"] and not runtime.unseen_values(X, features)
    features[0]["categories"] = ["yes", "no"]
    X = runtime.prepare_rows(pd.DataFrame({"flag": [True, "no"]}, dtype=object), features)
    assert X["flag"].tolist() == ["true", "no"]
    assert "('true')" in runtime.unseen_values(X, features)[0]


# --------------------------------------------------------------------------- Excel day numbers
def day_numbers(dates, system: str = "1900") -> list:
    """Dates as Excel writes them in a "General" cell: days since 1899-12-30 (1900 system, from
    1900-03-01 on) or since 1904-01-01, a time of day as the fraction."""
    epoch = pd.Timestamp("1899-12-30" if system == "1900" else "1904-01-01")
    return [(pd.Timestamp(d) - epoch) / pd.Timedelta(days=1) for d in dates]


@pytest.fixture(scope="module")
def excel_days(web, tmp_path_factory):
    """A regression trained on a CSV whose `bought` dates are Excel day numbers, chosen as Date on
    the dataset page, its bundle, deployed as `cars-days`, and a key."""
    frame = dated_cars(200, 5, "%Y-%m-%d")
    frame["bought"] = [int(v) for v in day_numbers(frame["bought"])]
    up, job_id, bundle, key, folder = deployed(web, tmp_path_factory.mktemp("days"), frame, "cars-days",
                                               types={"bought": "date"})
    assert any("Excel day numbers in the 1900 date system" in n["text"] for n in up["notices"]), up["notices"]
    assert "bought (1900 date system)" in (bundle / "MODEL_CARD.md").read_text()
    return job_id, bundle, key, folder


def test_day_numbers_in_rows_to_score_are_read_as_training_read_them_by_every_exit(web, excel_days):
    """The model read `bought` as Excel day numbers (the user's choice): rows to score holding the
    same dates as day numbers (whole, with a time, as JSON numbers, quoted), or written year
    first, get the same predictions in every exit, and the day numbers are said."""
    rows = dated_cars(8, 12, "%Y-%m-%d").drop(columns="mpg")
    want = scored_by_every_exit(web, excel_days, "iso.csv", rows, "cars-days")
    assert all(out is not None for out, _ in want.values()), want
    days = rows.assign(bought=[int(v) for v in day_numbers(rows["bought"])])
    first = f"{days['bought'][0]} → {rows['bought'][0]}"
    quoted = days.to_csv(index=False, quoting=1)  # every value quoted, as some exports write them
    for name, frame in [("days.csv", days), ("quoted.csv", quoted)]:
        got = scored_by_every_exit(web, excel_days, name, frame, "cars-days")
        for exit, (out, said) in got.items():
            assert out == want[exit][0], (name, exit, said)
            assert "read as Excel day numbers in the 1900 date system, as the training file held them" in said and \
                first in said, (name, exit, said)
    # numbers and year-first dates in one column: each read as itself
    mixed = days.astype({"bought": object})
    mixed.loc[::2, "bought"] = rows["bought"][::2]
    got = scored_by_every_exit(web, excel_days, "mixed.csv", mixed, "cars-days")
    for exit, (out, said) in got.items():
        assert out == want[exit][0], (exit, said)


@pytest.mark.parametrize("system", ["1900", "1904"])
def test_a_workbook_of_rows_counts_its_day_numbers_in_the_date_system_it_says(web, excel_days, system):
    """predict.py and Score a file read a workbook's day numbers in the workbook's own date system
    (an old Mac workbook's 1904), and say it; the predictions are those of the dates written out."""
    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    from tests.test_bundle import app_score, predict_py

    job_id, bundle, key, folder = excel_days
    rows = dated_cars(6, 13, "%Y-%m-%d").drop(columns="mpg")
    want = scored_by_every_exit(web, excel_days, "iso6.csv", rows, "cars-days")["predict.py"][0]
    wb = openpyxl.Workbook()
    if system == "1904":
        wb.epoch = CALENDAR_MAC_1904
    wb.active.append(list(rows.columns))
    for values, day in zip(rows.itertuples(index=False), day_numbers(rows["bought"], system)):
        wb.active.append([day if c == "bought" else v for c, v in zip(rows.columns, values)])
    path = folder / f"days{system}.xlsx"
    wb.save(path)
    script = predict_py(bundle, path)
    app_csv, fragment = app_score(web, job_id, "m", path)
    assert script.returncode == 0 and app_csv is not None, (script.stderr, fragment)
    column = [pd.read_csv(io.StringIO(t))["prediction"].round(9).tolist() for t in (script.stdout, app_csv)]
    assert column[0] == column[1] == want, (script.stderr, fragment)
    said = f"read as Excel day numbers in the {system} date system, as the workbook says"
    assert said in script.stderr and said in html.unescape(fragment), (script.stderr, fragment)


@pytest.mark.parametrize("bad,why", [(60, "it is Excel's 1900-02-29, a day that never was"), (-4, "it is negative"),
                                     (2958466, "it is past 2958465 (9999-12-31)")])
def test_a_number_that_is_no_day_number_is_refused_by_every_exit_naming_it(web, excel_days, bad, why):
    rows = dated_cars(5, 14, "%Y-%m-%d").drop(columns="mpg")
    rows["bought"] = [int(v) for v in day_numbers(rows["bought"])]
    rows.loc[3, "bought"] = bad
    got = scored_by_every_exit(web, excel_days, f"bad{bad}.csv", rows, "cars-days")
    for exit, (out, said) in got.items():
        assert out is None, (exit, said)
        assert f"values like '{bad}', the first in row 4); {bad} is no Excel day number: {why}" in said, (exit, said)


# --------------------------------------------------------------------------- values quoted in notes
def money_file(sep: str, rows: list[tuple], decimal: str = ".") -> str:
    """A table of `income` (thousands grouped), `rate` (a percentage), `price` (an amount) and
    `mpg`, written with `decimal` as the decimal separator and `sep` between columns."""
    def number(x: float, places: int) -> str:
        text = f"{x:,.{places}f}"
        return text if decimal == "." else text.translate(str.maketrans(",.", ".,"))

    lines = [sep.join(["income", "rate", "price", "mpg"])]
    for income, rate, price, mpg in rows:
        cells = [number(income, 2), number(rate, 5) + ("%" if decimal == "." else " %"),
                 "$" + number(price, 2) if decimal == "." else number(price, 2) + " €", number(mpg, 1)]
        lines.append(sep.join(f'"{c}"' if sep in c else c for c in cells))
    return "\n".join(lines) + "\n"


def money_rows(n: int, seed: int) -> list[tuple]:
    rng = np.random.default_rng(seed)
    income = np.round(rng.uniform(1111.11, 88888.88, n), 2)
    income[:2] = [1111.11, 88888.88]  # the training range, its ends not whole: quoted as written
    rate = np.round(rng.uniform(1, 30, n), 5)
    price = np.round(rng.uniform(100, 99999, n), 2)
    return list(zip(income, rate, price, np.round(20 + income / 5000 - rate / 10 + price / 20000, 1)))


# each class of number written otherwise than plainly: the file's rows, and what every exit must
# quote as read (the values `:g` rounded: 50440, 0.123457, 98765.4, 1.23457e+07)
QUOTED = {
    "thousands, percent, dollars": (",", "."),
    "decimal comma, percent, euros": (";", ","),
}


@pytest.fixture(scope="module")
def money(web, tmp_path_factory):
    """{class: (run id, bundle, key, folder)}: a regression trained on a file written that way,
    deployed as money-<n>."""
    out = {}
    for i, (case, (sep, decimal)) in enumerate(sorted(QUOTED.items())):
        up, job_id, bundle, key, folder = deployed(web, tmp_path_factory.mktemp(f"money{i}"),
                                                   money_file(sep, money_rows(120, 5), decimal), f"money-{i}")
        card = json.loads((bundle / "model_card.json").read_text())
        assert all(f.get("written") for f in card["features"]), card["features"]  # read as the file wrote them
        out[case] = (job_id, bundle, key, folder, f"money-{i}")
    return out


@pytest.mark.parametrize("case", sorted(QUOTED))
def test_a_note_quotes_a_value_as_the_file_wrote_it_or_exactly_in_every_exit(web, money, case):
    """predict.py said "'50,439.98' → 50440" (`:g`, six digits) and the scale note "(1141.04 to
    88895.1), like 1.2e+07": a note quoting a value says it as the file wrote it or exactly. Over
    thousands separators, decimal commas, percentages and currencies, every exit's notes hold
    each value exactly and none of the rounded ones."""
    sep, decimal = QUOTED[case]
    job_id, bundle, key, folder, name = money[case]
    rows = [(50439.98, 12.34567, 98765.43, 0), (12345678.12, 7.5, 1234.57, 0), (2000.5, 3.25, 150.25, 0)]
    text = money_file(sep, rows, decimal)
    got = scored_by_every_exit(web, (job_id, bundle, key, folder), case.replace(" ", "_").replace(",", "") + ".csv",
                               text, deployment=name)
    income = next(f for f in json.loads((bundle / "model_card.json").read_text())["features"] if f["name"] == "income")
    low, high = float(income["min"]), float(income["max"])  # the training rows' range, as the card holds it
    assert f"{high:g}" != repr(high)  # (88888.88: `:g` said 88888.9)
    exact = ["50439.98", "0.1234567", "98765.43", "12345678.12", f"({low!r} to {high!r})"]
    rounded = ["50440", "0.123457", "98765.4", "1.23457e+07", f"{high:g}", "1.2e+07"]
    for exit, (out, said) in got.items():
        assert out is not None and len(out) == 3, (exit, said)
        for value in exact:
            assert value in said, (exit, value, said)
        for value in rounded:
            assert not re.search(rf"(?<![\d.]){re.escape(value)}(?![\d.])", said), (exit, value, said)


@pytest.mark.parametrize("case", sorted(QUOTED))
def test_a_totals_row_of_amounts_written_as_training_wrote_them_is_left_out_by_every_exit(web, money, case):
    """A French export's last line, 'Totale' and the sum of its amounts written '4 123 456,78':
    the app left it out as a totals row and predict.py, which reads such amounts as text,
    scored it as data, refusing the training file itself when the label sat in its date
    column (a new user's audit). Over thousands separators, decimal commas, percentages and
    currencies, a row of the sums is left out by every exit saying so, and a 'Total' whose
    numbers are not the sums stays a row of data, whose income 'Total' every exit refuses."""
    sep, decimal = QUOTED[case]
    job_id, bundle, key, folder, name = money[case]
    rows = [(50439.98, 12.34567, 98765.43, 0), (2345.5, 7.5, 1234.57, 0), (2000.5, 3.25, 150.25, 0)]
    data = money_file(sep, rows, decimal)
    sums = money_file(sep, [tuple(sum(r[i] for r in rows) for i in range(4))], decimal).splitlines()[1]
    not_sums = money_file(sep, [(100.0, 1.0, 10.0, 0)], decimal).splitlines()[1]
    for label, line in (("Totale", sums), ("Total", not_sums)):
        cells = [label, *next(csv.reader([line], delimiter=sep))[1:]]  # the label where the income's total was
        text = data + sep.join(f'"{c}"' if sep in c else c for c in cells) + "\n"
        got = scored_by_every_exit(web, (job_id, bundle, key, folder),
                                   f"{case.replace(' ', '_').replace(',', '')}_{label}.csv", text, deployment=name)
        outs = {exit: out for exit, (out, _) in got.items()}
        if line is sums:
            assert all(out is not None and len(out) == 3 for out in outs.values()), got
            assert len({json.dumps(out) for out in outs.values()}) == 1, got
            for exit, (_, said) in got.items():
                assert "'Totale') holds the sums of the columns above it: it was left out as a totals row" in said, \
                    (exit, said)
        else:  # a row of data whose income is 'Total': refused by every exit, naming it
            for exit, (out, said) in got.items():
                assert out is None and "'income'" in said and "'Total'" in said and "totals row" not in said, \
                    (exit, said)


# --------------------------------------------------------------------------- encodings
def encoded(text: str, how: str) -> bytes:
    """`text` as Excel and other programs save it: "Unicode Text" (UTF-16 LE with a BOM, tabs, CRLF) ..."""
    crlf = text.replace("\n", "\r\n")
    return {"utf-16 le bom": codecs.BOM_UTF16_LE + crlf.replace(",", "\t").encode("utf-16-le"),
            "utf-16 be bom": codecs.BOM_UTF16_BE + crlf.replace(",", "\t").encode("utf-16-be"),
            "utf-8 bom": codecs.BOM_UTF8 + crlf.encode(),
            "latin-1": text.encode("latin-1"),
            "windows-1252": text.encode("cp1252")}[how]


ENCODED = ["utf-16 le bom", "utf-16 be bom", "utf-8 bom", "latin-1", "windows-1252"]


@pytest.mark.parametrize("how", ENCODED)
def test_a_file_the_upload_reads_in_any_encoding_is_scored_alike_by_every_exit(web, model, how):
    """predict.py refused Excel's "Unicode Text" (UTF-16 with a BOM) as "not UTF-8", and the
    endpoint refused it and a Latin-1 file, which the upload reads: every exit reads the
    encodings the upload reads, by its rule (a BOM decides; else UTF-8; else a code page,
    said), with the same predictions as the UTF-8 file."""
    rows = data_rows(5)
    rows[0][1] = "Européenne"  # an accented value (a category the model never saw: said, and scored)
    text = csv_of([header(), *rows])
    plain = scored_by_every_exit(web, model, "plain.csv", text, deployment="cars-exits")
    got = scored_by_every_exit(web, model, how.replace(" ", "_") + (".txt" if "16" in how else ".csv"),
                               encoded(text, how), deployment="cars-exits")
    for exit, (out, said) in got.items():
        assert out is not None and out == plain[exit][0], (exit, said)
        assert "Européenne" in said, (exit, said)  # the accented value read as written
        if how in ("latin-1", "windows-1252"):
            assert "not UTF-8" in said and "Windows-1252" in said, (exit, said)
            # rows to score have no page to choose an encoding on (Score a file sent a tester to one)
            assert "choose its encoding" not in said and "cp1252" not in said, (exit, said)
        else:
            assert "not UTF-8" not in said, (exit, said)


def test_a_file_whose_bytes_its_byte_order_mark_does_not_decode_is_refused_by_every_exit_saying_so(web, model):
    """What the upload refuses (a UTF-16 file cut in the middle of a character, a lone
    surrogate), every exit refuses, with a sentence."""
    text = csv_of([header(), *data_rows(3)])
    for i, bad in enumerate([encoded(text, "utf-16 le bom")[:-1] + b"\x00\xd8",
                             codecs.BOM_UTF16_BE + text.encode("utf-16-be") + b"\xdc\x00\x00"]):
        got = scored_by_every_exit(web, model, f"damaged{i}.txt", bad, deployment="cars-exits")
        for exit, (out, said) in got.items():
            assert out is None and "UTF-16" in said and "not decode" in said, (exit, said)


# --------------------------------------------------------------------------- 'None', a level of a text column
def airbags(n: int, seed: int) -> pd.DataFrame:
    """Cars whose airbags (None, Driver only, Driver & Passenger: MASS's Cars93 writes them so)
    move the mileage: a car without airbags is a level, not a gap."""
    rng = np.random.default_rng(seed)
    frame = cars(n, seed)
    bags = rng.choice(["None", "Driver only", "Driver & Passenger"], n)
    frame.insert(2, "airbags", bags)
    frame["mpg"] = (frame["mpg"] + np.select([bags == "None", bags == "Driver only"], [9.0, 4.0], 0.0)).round(1)
    return frame


@pytest.fixture(scope="module")
def levels(web, tmp_path_factory):
    """The cars regression trained on `airbags`: the app read 'None' as one of its three levels."""
    up, *model = deployed(web, tmp_path_factory.mktemp("levels"), airbags(160, 4), "cars-airbags")
    assert next(c for c in web.get(f"/api/v1/datasets/{up['id']}").json()["profile"]["columns"]
                if c["name"] == "airbags")["missing"] == 0
    return model


def airbag_rows(values: list) -> pd.DataFrame:
    rows = airbags(len(values), 21).drop(columns="mpg")
    rows["year"] = rows["year"].dt.strftime("%Y-%m-%d")
    rows["airbags"] = values
    return rows


LEVEL_CASES = {  # {case: (the airbags column of the rows to score, whether an exit says it has gaps)}
    "None among words": (["None", "Driver only", "None", "Driver & Passenger", "None", "Driver only"], False),
    "None in most rows": (["None", "None", "None", "Driver only", "None", "None"], False),
    # rows holding no other value: the app's reader read the column as empty (every value a gap marker)
    "None alone": (["None"] * 6, False),
    "None alone, with blanks": (["None", "", "None", "None", "", "None"], True),
    "None beside numbers in other columns": (["Driver only", "None", "Driver & Passenger", "None", "None", "None"],
                                             False),
    # near misses: words and symbols people put in an empty cell stay gaps in every exit
    "NA and n-a": (["NA", "None", "n/a", "Driver only", "#N/A", "None"], True),
    "a dash and a question mark": (["-", "None", "?", "Driver only", "—", "None"], True),
}


@pytest.mark.parametrize("case", sorted(LEVEL_CASES))
def test_none_in_a_text_column_is_the_level_training_read_in_every_exit(web, levels, case):
    """MASS's Cars93 trained on AirBags ('None', 'Driver only', 'Driver & Passenger'; the app
    reads 'None' among words as a level) and predict.py scored its 34 cars without airbags
    as gaps: other predictions than Score a file's (15.348 for 15.350), and a false warning
    ("34 rows have empty cells in 'AirBags', where the training rows had none"). Every exit
    reads a text column's gaps by the app's rule (playground_runtime.text_gaps): 'None' a
    level, 'NA', 'n/a', '-', '?' gaps."""
    values, gaps = LEVEL_CASES[case]
    got = scored_by_every_exit(web, levels, case.replace(" ", "_") + ".csv", airbag_rows(values), "cars-airbags")
    scored = {exit: out for exit, (out, _) in got.items() if exit != "endpoint json"}
    assert all(out is not None for out in scored.values()), got
    assert scored["predict.py"] == scored["app"] == scored["endpoint csv"], got
    for exit, (_, said) in got.items():
        if exit != "endpoint json":
            assert ("empty cells in 'airbags'" in said) == gaps, (exit, said)
            assert "never saw in training" not in said, (exit, said)


@pytest.mark.parametrize("marker", ["None", "NA", "-"])
def test_a_number_column_of_gap_words_alone_is_scored_as_gaps_by_every_exit(web, model, marker):
    """The near miss of 'None' alone: in a column of numbers it is a gap, whatever else the
    rows hold, in every exit (JSON records too): scored, and said as empty cells."""
    rows = airbag_rows(["None"] * 4).drop(columns="airbags").assign(displacement=marker)
    records = rows.to_dict(orient="records")
    got = scored_by_every_exit(web, model, f"gap_words_{marker}.csv", rows.to_csv(index=False),
                               "cars-exits", records=records)
    scored = {exit: out for exit, (out, _) in got.items()}
    assert all(out is not None for out in scored.values()), got
    assert len(set(map(tuple, scored.values()))) == 1, got
    for exit, (_, said) in got.items():
        assert "4 rows have empty cells in 'displacement'" in said, (exit, said)


def test_none_in_a_workbooks_text_column_is_a_level_for_predict_py_as_for_the_app(web, levels):
    """The same rule for a sheet: predict.py read a workbook's 'None' as a gap too."""
    job_id, bundle, _, folder = levels
    path = folder / "airbags.xlsx"
    airbag_rows(["None", "Driver only", "None", "n/a", "-", "Driver & Passenger"]).to_excel(path, index=False)
    script = predict_py(bundle, path)
    app_csv, fragment = app_score(web, job_id, "m", path)
    assert script.returncode == 0 and app_csv is not None, (script.stderr, fragment)
    assert pd.read_csv(io.StringIO(script.stdout))["prediction"].round(9).tolist() == \
        pd.read_csv(io.StringIO(app_csv))["prediction"].round(9).tolist()
    assert "2 rows have empty cells in 'airbags'" in script.stderr, script.stderr


def test_text_gaps_is_the_rule_the_app_reads_a_text_column_by():
    """The rule in playground_runtime is the one the app's reader applies (data.values)."""
    import pyarrow as pa

    import playground_runtime as runtime
    from data import values

    columns = [["None", "Some", "Marked", "NA"], ["1", "2", "None", "-"], ["2024-01-02", "None", "2024-01-03"],
               ["+", "-", "+"], ["a", "-", "?", "b", None], [" n/a ", "x", "None "], ["x", "..."], ["-", "-"]]
    for col in columns:
        read = values.convert("c", pa.array(col, pa.string()))
        if read.kind != "text":
            continue  # numbers or dates: their gaps are NUMBER_GAPS
        app = [v is None and c is not None for v, c in zip(read.array.to_pylist(), col)]
        assert runtime.text_gaps(pd.Series(col, dtype=object)).tolist() == app, col


# --------------------------------------------------------------------------- a delimiter at the end of every line
def trailing_files() -> dict:
    """{case: (the file's text, the sentence every exit says)}: the cars rows, each line ending with delimiters."""
    lines = csv_of([header(), *data_rows()]).splitlines()
    data_only = [lines[0], *(line + "," for line in lines[1:])]
    one = "Every line ends with a delimiter: the empty last column was dropped."
    return {
        "every line, one": ("\n".join(line + "," for line in lines) + "\n", one),
        "every line, CRLF": ("\r\n".join(line + "," for line in lines) + "\r\n", one),
        "every line, two": ("\n".join(line + ",," for line in lines) + "\n",
                            "Every line ends with 2 delimiters: the 2 empty last columns were dropped."),
        "semicolons": ("\n".join(line.replace(",", ";") + ";" for line in lines) + "\n", one),
        "data lines only": ("\n".join(data_only) + "\n",
                            "Every data line ends with a delimiter (the header does not): the empty last column was "
                            "dropped."),
    }


@pytest.mark.parametrize("case", sorted(trailing_files()))
def test_a_delimiter_at_the_end_of_every_line_is_dropped_by_every_exit(web, model, case):
    """A CSV whose every line ends with ',' trained and scored in the app ("the empty last
    column was dropped"), and predict.py refused the training file itself ("unknown column
    'Unnamed: 4'"); with the header's line not ending so, pandas took the first column for the
    index and shifted every name onto its neighbour's values ("'x2' should hold numbers
    (values like 'a', 'b')"). Every exit drops the empty column, saying so."""
    text, sentence = trailing_files()[case]
    got = exits(web, model, case.replace(" ", "_").replace(",", "") + ".csv", text)
    scored = {exit: out for exit, (out, _) in got.items()}
    assert all(out is not None for out in scored.values()), got
    assert scored["predict.py"] == scored["app"] == scored["endpoint"], got
    assert len(pd.read_csv(io.StringIO(scored["predict.py"]))) == 5
    assert f"note: {sentence}" in got["predict.py"][1]
    assert sentence in got["app"][1]


def test_a_value_under_no_name_at_the_end_is_refused_by_predict_py_as_by_the_app(web, model):
    """The near miss: the header ends with a delimiter, and a line has a value there. The app
    refuses the file; predict.py refused it as an 'Unnamed: 6' column, a name in no file."""
    job_id, bundle, _, folder = model
    lines = csv_of([header(), *data_rows()]).splitlines()
    path = folder / "value_at_the_end.csv"
    path.write_text("\n".join([lines[0] + ",", lines[1] + ",9", *(line + "," for line in lines[2:])]) + "\n")
    script = predict_py(bundle, path)
    sentence = "The last column has values but no name in the header (line 1 ends with ',')."
    assert script.returncode != 0 and sentence in script.stderr and "Unnamed" not in script.stderr, script.stderr
    _, fragment = app_score(web, job_id, "m", path)
    assert sentence in html.unescape(fragment), fragment


# --------------------------------------------------------------------------- percentages written without their sign
@pytest.fixture(scope="module")
def margins(web, tmp_path_factory):
    """The cars regression trained on a file writing `displacement` as percentages from -20% to 40%."""
    frame = cars(160, 5)
    frame["displacement"] = [f"{v:.1f}%" for v in np.random.default_rng(5).uniform(-20, 40, 160)]
    return deployed(web, tmp_path_factory.mktemp("margins"), frame.to_csv(index=False), "cars-margins")[1:]


@pytest.mark.parametrize("written, said", [(["-15.5", "12.0", "3"], True), (["-15.5%", "12%", "3%"], False),
                                           (["-0.155", "0.12", "0.03"], False)])
def test_percentages_written_without_their_sign_are_said_by_every_exit(web, margins, written, said):
    """Rows writing the margin '-15.5' where training wrote '-15.5%' (read as -0.155) were
    scored a hundred times apart without a word by every exit; the percentages with their
    sign, and fractions, are read as training read them, silently."""
    rows = airbag_rows(["None"] * 3).drop(columns="airbags").assign(displacement=written)
    got = scored_by_every_exit(web, margins, f"margins_{said}_{written[2]}.csv", rows.to_csv(index=False),
                               "cars-margins")
    scored = {exit: out for exit, (out, _) in got.items()}
    assert all(out is not None for out in scored.values()), got
    assert scored["predict.py"] == scored["app"] == scored["endpoint csv"], got
    for exit, (_, text) in got.items():
        assert ("write these with their % sign, or as fractions" in text) == said, (exit, text)


# --------------------------------------------------------------------------- amounts in another currency
def dollars(v: float) -> str:
    return f"${v:,.2f}"


def euros(v: float) -> str:
    return f"€{v:,.2f}"


def euros_comma(v: float) -> str:  # 1.234,50 €: a German export's
    return f"{v:,.2f} €".translate(str.maketrans(",.", ".,"))


def pounds(v: float) -> str:
    return f"£{v:,.2f}"


def grouped(v: float) -> str:  # no currency, ',' between thousands
    return f"{v:,.2f}"


# each money column of the training file, and how it writes its amounts
MONEY = {"usd": dollars, "eur": euros, "eur_comma": euros_comma, "gbp": pounds, "income": grouped,
         "rate": lambda v: f"{v / 100:.1f}%"}


def money_columns(n: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {name: np.round(rng.uniform(100, 9999, n), 2) for name in MONEY}


@pytest.fixture(scope="module")
def currencies(web, tmp_path_factory):
    """The cars regression trained on a file whose amounts are written in dollars ('$1,234.50'),
    euros ('€1,234.50' and '1.234,50 €'), pounds, without a currency ('1,234.50') and as
    percentages, deployed as `cars-money`: (run id, bundle, key, folder)."""
    frame = cars(160, 8)
    amounts = money_columns(160, 8)
    for name, write in MONEY.items():
        frame.insert(len(frame.columns) - 1, name, [write(v) for v in amounts[name]])
    frame["mpg"] = (frame["mpg"] + amounts["usd"] / 2000 - amounts["gbp"] / 3000).round(2)
    up, *model = deployed(web, tmp_path_factory.mktemp("money"), frame, "cars-money")
    features = {f["name"]: f for f in json.loads((model[1] / "model_card.json").read_text())["features"]}
    assert {name: (features[name]["written"]["decimal"], features[name]["written"]["currency"]) for name in MONEY} == {
        "usd": (".", ["$"]), "eur": (".", ["€"]), "eur_comma": (",", ["€"]), "gbp": (".", ["£"]),
        "income": (".", []), "rate": (".", [])}, features
    return model


def other_currency(column: str, rows: str, rows_signs: str, trained: str, signs: str, like: str) -> str:
    return (f"{column!r} holds {rows} amounts ({rows_signs}) where the training file wrote {trained} amounts ({signs}): "
            f"the model would take them for {trained} amounts; convert them to {trained} amounts, written like {like!r} "
            "or as plain numbers")


# {case: (the column, how the rows to score write it, the sentence every exit refuses them with, or None: scored)}
CURRENCY_CASES = {
    "$ → € after, decimal comma": ("usd", euros_comma, other_currency("usd", "euro", "€", "dollar", "$", "$1,234.5")),
    "$ → € before": ("usd", euros, other_currency("usd", "euro", "€", "dollar", "$", "$1,234.5")),
    "$ → EUR": ("usd", lambda v: f"EUR {v:,.2f}", other_currency("usd", "euro", "EUR", "dollar", "$", "$1,234.5")),
    "$ → £ among $": ("usd", lambda v: pounds(v) if int(v) % 2 else dollars(v),
                      other_currency("usd", "pound", "£", "dollar", "$", "$1,234.5")),
    "€ → $": ("eur", dollars, other_currency("eur", "dollar", "$", "euro", "€", "€1,234.5")),
    "€ decimal comma → $": ("eur_comma", dollars, other_currency("eur_comma", "dollar", "$", "euro", "€",
                                                                 "1.234,5 €")),
    "£ → $": ("gbp", dollars, other_currency("gbp", "dollar", "$", "pound", "£", "£1,234.5")),
    "£ → ¥": ("gbp", lambda v: f"¥{v:,.0f}", other_currency("gbp", "yen", "¥", "pound", "£", "£1,234.5")),
    # near misses: the same currency by its code or its sign after the amount, no currency at all, percentages,
    # a decimal comma in a column written without a currency
    "$ → USD": ("usd", lambda v: f"USD {v:,.2f}", None),
    "$ → $ after": ("usd", lambda v: f"{v:,.2f} $", None),
    "€ → EUR": ("eur", lambda v: f"{v:,.2f} EUR", None),
    "£ → GBP": ("gbp", lambda v: f"GBP {v:,.2f}", None),
    "$ → no sign": ("usd", grouped, None),
    "$ → plain numbers": ("usd", lambda v: f"{v:.2f}", None),
    "€ decimal comma → no sign": ("eur_comma", lambda v: f"{v:,.2f}".translate(str.maketrans(",.", ".,")), None),
    "percentages": ("rate", lambda v: f"{v / 100:.1f} %", None),
    "no currency → decimal comma": ("income", lambda v: f"{v:,.2f}".translate(str.maketrans(",.", ".,")), None),
}


def amount_rows(case: str) -> pd.DataFrame:
    """Six cars and their amounts written as the training file wrote them, the case's column otherwise."""
    rows = cars(6, 18).drop(columns="mpg")
    rows["year"] = rows["year"].dt.strftime("%Y-%m-%d")
    amounts = money_columns(6, 18)
    column, write, _ = CURRENCY_CASES[case] if case else (None, None, None)
    for name, written in MONEY.items():
        rows[name] = [(write if name == column else written)(v) for v in amounts[name]]
    return rows


@pytest.fixture(scope="module")
def currency_scores(web, currencies, tmp_path_factory):
    """({case: {exit: (predictions or None, what it said)}}, {case: the files Score a file kept}):
    every case's rows scored by every exit (predict.py in one fresh Python for all of them, as
    test_bundle's predict_all runs it), and the rows written as the training file wrote them,
    under None."""
    from tests.test_bundle import predict_all

    job_id, bundle, key, folder = currencies
    cases = [None, *CURRENCY_CASES]
    paths = {}
    for i, case in enumerate(cases):
        paths[case] = folder / f"currency{i}.csv"
        amount_rows(case).to_csv(paths[case], index=False)
    scripts = dict(zip(cases, predict_all([(bundle, paths[case], ()) for case in cases], folder / "scorer")))
    from tests.conftest import HOME

    scores = HOME / "artifacts" / job_id / "scores"
    out, stored = {}, {}
    for case in cases:
        before = set(scores.glob("*")) if scores.exists() else set()
        out[case] = every_exit(web, job_id, "cars-money", key, paths[case], scripts[case],
                               amount_rows(case).to_dict(orient="records"))
        stored[case] = set(scores.glob("*")) - before  # what Score a file kept of them
    return out, stored


@pytest.mark.parametrize("case", list(CURRENCY_CASES))
def test_amounts_in_another_currency_are_refused_by_every_exit_naming_both(currency_scores, case):
    """Found by an audit: a model trained on '$1,234.50' given rows of '1.234,50 €' scored them in
    the app and the endpoint (the reader read them as numbers, and the currency was forgotten)
    while predict.py refused them as of the wrong type: euros scored by a model of dollars are
    numbers in another unit. Every exit refuses rows whose amounts are in another currency than
    the training file's, in one sentence naming the column, both currencies and how to write
    them (playground_runtime's one rule); the same currency by its code or its sign after the
    amount, amounts without a currency, percentages and a decimal comma in a column without a
    currency are scored alike by every exit that reads them."""
    column, _, refusal = CURRENCY_CASES[case]
    scores, stored = currency_scores
    got = scores[case]
    if refusal is not None:
        for exit, (out, said) in got.items():
            assert out is None and f"These rows cannot be scored: {refusal}." in said, (exit, said)
        assert not stored[case], stored[case]  # Score a file kept no predictions of them
        return
    if case == "no currency → decimal comma":
        # 1.234,50 in a column the training file wrote 1,234.50, in a comma-separated file that does not settle
        # decimal commas: refused by every exit (playground_runtime.settled_decimal)
        for exit, (out, said) in got.items():
            assert out is None and comma_said("income", "1,234.5") in said, (exit, said)
        return
    assert len(stored[case]) == 1, stored[case]
    plain = scores[None]
    assert all(out is not None for out, _ in plain.values()), plain
    for exit, (out, said) in got.items():
        assert out is not None and out == plain[exit][0], (exit, said)
        assert "where the training file wrote" not in said, (exit, said)
    assert len({json.dumps(out) for out, _ in plain.values()}) == 1, plain


def predict_nodes(web, train_id: str, target: str, row_ids: list) -> dict:
    """{node id: node} of a run: a linear regression of `target` on the dataset `train_id`, and a Predict node
    `x<i>` scoring the rows of each dataset of `row_ids` (a Dataset node `r<i>` with no target) with it."""
    from tests.conftest import wait_for

    wf = {"name": "predict nodes", "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": train_id, "target_column": target,
                                                  "problem_type": "regression"}},
        {"id": "s", "type": "split", "config": {}},
        {"id": "m", "type": "model", "config": {"algorithm": "linear_regression"}},
        *({"id": f"r{i}", "type": "dataset", "config": {"dataset_id": rows, "target_column": None,
                                                       "problem_type": "clustering"}} for i, rows in enumerate(row_ids)),
        *({"id": f"x{i}", "type": "predict", "config": {}} for i in range(len(row_ids)))],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"},
                  *({"source": "m", "target": f"x{i}", "target_port": "model"} for i in range(len(row_ids))),
                  *({"source": f"r{i}", "target": f"x{i}", "target_port": "table"} for i in range(len(row_ids)))]}
    r = web.post("/api/v1/workflows/execute", json=wf)
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    assert wait_for(lambda: web.get(f"/api/v1/jobs/{job_id}").json()["status"] in ("completed", "failed"), 240, 0.3)
    return {n["node_id"]: n for n in web.get(f"/api/v1/jobs/{job_id}").json()["nodes"]}


def test_a_predict_node_refuses_amounts_in_another_currency_as_every_exit_does(web, tmp_path):
    """The Predict node read its rows' dataset as the upload read it (euro amounts become
    numbers) and scored them with a model of dollars: it fails with the exits' sentence; the
    same currency by its code is scored."""
    frame = cars(120, 9)
    amounts = money_columns(120, 9)
    frame.insert(6, "usd", [dollars(v) for v in amounts["usd"]])
    frame["mpg"] = (frame["mpg"] + amounts["usd"] / 2000).round(2)
    ids = {}
    for name, text in [("train", frame.to_csv(index=False)),
                       ("euros", frame.drop(columns="mpg").head(8).assign(usd=[euros_comma(v) for v in amounts["usd"][:8]])
                        .to_csv(index=False)),
                       ("codes", frame.drop(columns="mpg").head(8).assign(usd=[f"USD {v:,.2f}" for v in amounts["usd"][:8]])
                        .to_csv(index=False))]:
        up = web.post("/api/v1/datasets", files={"file": (f"predict-{name}.csv", text.encode())})
        assert up.status_code == 201, up.text
        ids[name] = up.json()["id"]
    nodes = predict_nodes(web, ids["train"], "mpg", [ids["euros"], ids["codes"]])
    assert nodes["x1"]["status"] == "completed", nodes["x1"]
    assert nodes["x0"]["status"] == "failed", nodes["x0"]
    assert ("These rows cannot be scored: " + other_currency("usd", "euro", "€", "dollar", "$", "$1,234.5") + ".") \
        in json.dumps(nodes["x0"], ensure_ascii=False), nodes["x0"]


# --------------------------------------------------------------------------- Swiss amounts: the apostrophe as written
def swiss(v: float, apostrophe: str = "'") -> str:
    """1'234.50: an apostrophe between thousands, as Swiss exports write amounts."""
    return f"{v:,.2f}".replace(",", apostrophe)


@pytest.fixture(scope="module")
def swiss_model(web, tmp_path_factory):
    """The cars regression trained on a file whose `price` is written 1'234.50 (an ASCII
    apostrophe between thousands), deployed as `cars-swiss`: (run id, bundle, key, folder)."""
    frame = cars(160, 10)
    price = np.round(np.random.default_rng(10).uniform(1000, 99999, 160), 2)
    frame.insert(len(frame.columns) - 1, "price", [swiss(v) for v in price])
    frame["mpg"] = (frame["mpg"] + price / 20000).round(2)
    up, *model = deployed(web, tmp_path_factory.mktemp("swiss"), frame, "cars-swiss")
    said = [n["text"] for n in up["notices"] if n.get("column") == "price"]
    first = swiss(price[0])
    assert said and f"'{first}'" not in said[0] and f'"{first}"' in said[0], said  # quoted as the file wrote it
    assert first.replace("'", "’") not in said[0], said
    return model


@pytest.mark.parametrize("apostrophe", ["'", "’"])
def test_a_note_quotes_an_amount_with_the_apostrophe_the_file_wrote(web, swiss_model, apostrophe):
    """The note on 1'234.50 (an apostrophe between thousands) quoted it '1’234.50' in the app's
    words, a typographic apostrophe the file never held. Files written with the ASCII one and
    with the typographic one: every exit quotes the amount with the apostrophe its file has,
    never the other, and predicts what the plain numbers get."""
    other = "’" if apostrophe == "'" else "'"
    rows = cars(4, 14).drop(columns="mpg")
    rows["year"] = rows["year"].dt.strftime("%Y-%m-%d")
    amounts = [1234.5, 12345.0, 99999.95, 2500.25]
    plain = scored_by_every_exit(web, swiss_model, "plain_price.csv", rows.assign(price=amounts), "cars-swiss")
    written = rows.assign(price=[swiss(v, apostrophe) for v in amounts])
    got = scored_by_every_exit(web, swiss_model, f"swiss_{'ascii' if apostrophe == chr(39) else 'typographic'}.csv",
                               written.to_csv(index=False), "cars-swiss")
    for exit, (out, said) in got.items():
        assert out is not None and out == plain[exit][0], (exit, said)
        assert f"1{apostrophe}234.50" in said, (exit, said)
        assert f"1{other}234.50" not in said and f"12{other}345.00" not in said, (exit, said)


# --------------------------------------------------------------------------- a currency or a decimal comma training never wrote
def comma_said(column: str, like: str = "1234.5") -> str:
    return (f"These rows cannot be scored: {column!r} holds numbers written with a decimal comma, or that may be (1,234 "
            "or 1.234: a thousand and more, or one and a bit?), where the training file wrote a decimal point; rows say "
            "which only in a file separated by semicolons, tabs or bars whose numbers all use decimal commas: write them "
            f"with a decimal point, like {like!r}")


NO_CURRENCY = "where the training file wrote no currency: read as numbers in the unit of the training file's"


def comma(text: str) -> str:  # 1,234.50 → 1.234,50
    return text.translate(str.maketrans(",.", ".,"))


EUROPEAN = {"usd": lambda v: comma(f"{v:,.2f} $"), "eur": lambda v: comma(f"{v:,.2f} €"),
            "eur_comma": euros_comma, "gbp": lambda v: comma(f"{v:,.2f} £"), "income": lambda v: comma(f"{v:,.2f}"),
            "rate": lambda v: comma(f"{v / 100:.1f} %")}


def _thousands(write, between: str):
    """`write`, with `between` where it puts '.' between thousands."""
    return lambda v: write(v).replace(".", between)


EUROPEAN_BARE = {name: _thousands(write, "") for name, write in EUROPEAN.items()}
EUROPEAN_SPACED = {name: _thousands(write, "\u00a0") for name, write in EUROPEAN.items()}
CARS_EUROPEAN = {"displacement": lambda v: comma(f"{v:.1f}")}

# {case: (delimiter, {column: how the rows write it}, the sentence every exit refuses the rows with (None: scored
# alike by every exit as the rows written as the training file wrote them), the file's sentence for JSON records
# (None: as for the file), whether every exit says it read amounts in a currency the training file did not write)}
UNWRITTEN = {
    # 1. amounts in a currency, in a column the training file wrote without one: read, and said
    "$ in plain numbers": (",", {"weight": lambda v: f"${v:,.2f}"}, None, None, True),
    "USD in plain numbers": (",", {"weight": lambda v: f"USD {v:,.2f}"}, None, None, True),
    "€ after, in plain numbers": (",", {"weight": lambda v: f"{v:,.2f} €"}, None, None, True),
    "$ in '1,234.50'": (",", {"income": dollars}, None, None, True),
    "€ decimal comma, a European file": (";", {**EUROPEAN, **CARS_EUROPEAN, "income": lambda v: comma(f"{v:,.2f} €")},
                                         None, comma_said("displacement"), True),
    # 2. a file separated by semicolons whose numbers all use decimal commas settles them: read so
    "a European file": (";", {**EUROPEAN, **CARS_EUROPEAN}, None, comma_said("displacement"), False),
    "a European file, no '.' between thousands": (";", {**EUROPEAN_BARE, **CARS_EUROPEAN}, None,
                                                  comma_said("displacement"), False),
    "a European file, spaces between thousands": (";", {**EUROPEAN_SPACED, **CARS_EUROPEAN}, None,
                                                   comma_said("displacement"), False),
    "a European file separated by tabs": ("\t", {**EUROPEAN, **CARS_EUROPEAN}, None, comma_said("displacement"), False),
    "a European file separated by bars": ("|", {**EUROPEAN_BARE, **CARS_EUROPEAN}, None, comma_said("displacement"),
                                          False),
    # ... and a comma nothing settles is refused, naming the column and the ambiguity
    "a decimal comma in a comma-separated file": (",", CARS_EUROPEAN, comma_said("displacement"), None, False),
    "a decimal comma in a ';' file that writes points too": (";", CARS_EUROPEAN, comma_said("displacement"), None,
                                                              False),
    "'1,234' in a comma-separated file": (",", {"weight": lambda v: f"{v:,.0f}"}, comma_said("weight"), None, False),
    "'1,234' in a ';' file that writes points too": (";", {"weight": lambda v: f"{v:,.0f}"}, comma_said("weight"),
                                                     None, False),
    "'1.234,5' in '1,234.50'": (",", {"income": lambda v: comma(f"{v:,.2f}")}, comma_said("income", "1,234.5"), None,
                                False),
    # near misses: as they were
    "as trained": (",", {}, None, None, False),
    "the training file's currency": (",", {"usd": lambda v: f"USD {v:,.2f}", "gbp": lambda v: f"{v:,.2f} £"}, None,
                                     None, False),
    "percentages": (",", {"rate": lambda v: f"{v / 100:.1f} %"}, None, None, False),
    "plain numbers": (",", {name: (lambda v: f"{v:.2f}") for name in ("usd", "eur", "eur_comma", "gbp", "income")},
                      None, None, False),
    "a decimal point scoring a decimal comma": (",", {"eur_comma": lambda v: f"{v:.2f}"}, None, None, False),
    "'1,234' in '1,234.50'": (",", {"income": lambda v: f"{v:,.0f}"}, None, None, False),
}


def unwritten_rows(case: str) -> tuple[str, list]:
    """(the rows' file, their JSON records): six cars and their amounts, as the training file wrote them but for
    the case's columns."""
    sep, writers, *_ = UNWRITTEN[case]
    rows = cars(6, 18).drop(columns="mpg")
    rows["year"] = rows["year"].dt.strftime("%Y-%m-%d")
    amounts = money_columns(6, 18)
    for name, write in MONEY.items():
        rows[name] = [write(v) for v in amounts[name]]
    for name, write in writers.items():
        source = amounts[name] if name in amounts else rows[name]
        rows[name] = [write(v) for v in source]
    records = rows.astype(object).to_dict(orient="records")
    if sep != ",":  # the cars' own numbers too, as a European export writes them
        rows = rows.astype(str)
    return rows.to_csv(index=False, sep=sep), records


@pytest.fixture(scope="module")
def unwritten_scores(web, currencies):
    """{case: {exit: (predictions or None, what it said)}}: each case's rows scored by every exit
    (predict.py in one fresh Python for all of them, as test_bundle's predict_all runs it)."""
    from tests.test_bundle import predict_all

    job_id, bundle, key, folder = currencies
    paths = {}
    for i, case in enumerate(UNWRITTEN):
        paths[case] = folder / f"unwritten{i}.csv"
        paths[case].write_text(unwritten_rows(case)[0], encoding="utf-8")
    scripts = dict(zip(UNWRITTEN, predict_all([(bundle, paths[case], ()) for case in UNWRITTEN], folder / "scorer2")))
    return {case: every_exit(web, job_id, "cars-money", key, paths[case], scripts[case], unwritten_rows(case)[1], 6)
            for case in UNWRITTEN}


@pytest.mark.parametrize("case", list(UNWRITTEN))
def test_a_currency_or_a_decimal_comma_the_training_file_never_wrote_is_read_alike_by_every_exit(unwritten_scores,
                                                                                                  case):
    """Found last round: '$50,439.98' or 'USD 1,234.50' scoring a column trained on plain numbers
    was read as numbers by Score a file (with a note) and refused by predict.py; '1234,5' in a
    column trained on '1234.5' was read by Score a file from a European file and refused by
    predict.py and JSON records. One rule in playground_runtime for every exit: a currency where
    the training file wrote none cannot be checked against it, so it is read and said
    (rows_currency); a decimal comma (or a comma that may be one, '1,234') where training wrote a
    decimal point is read only where the file settles it (settled_decimal: ';' and every number
    with a decimal comma), else refused naming the column and the ambiguity. Near misses keep
    their behaviour and say nothing of either."""
    _, _, refusal, json_refusal, unchecked = UNWRITTEN[case]
    got = unwritten_scores[case]
    expected = unwritten_scores["as trained"]["predict.py"][0]
    assert expected is not None, unwritten_scores["as trained"]
    if case == "'1,234' in '1,234.50'":  # other numbers (no cents): the same predictions in every exit
        expected = got["predict.py"][0]
    for exit, (out, said) in got.items():
        sentence = json_refusal if exit == "endpoint json" and json_refusal else refusal
        if sentence is not None:
            assert out is None and sentence in said, (exit, said)
            continue
        assert out == expected, (exit, said)
        assert (NO_CURRENCY in said) == unchecked, (exit, said)
        assert "holds numbers written with a decimal comma" not in said, (exit, said)


def semicolon_points(shape: str) -> str:
    """A ';' export of 160 cars written with decimal points, as a lab's or a sensor's
    software writes them (';' is not always a European export): `litres` writes the
    displacement in litres (0.225: each value shows its point), `tonnes` the weight in
    tonnes (3.512: no value shows it; the file's other numbers do), `thousands` the weight
    with '.' between thousands and no decimal point in the file (the near miss: 3.512 is
    3512)."""
    frame = cars(160, 5)
    frame["year"] = frame["year"].dt.strftime("%Y-%m-%d")
    if shape == "litres":
        frame["displacement"] = (frame["displacement"] / 1000).map("{:.4f}".format).str[:5]
    elif shape == "tonnes":
        frame["weight"] = (frame["weight"] / 1000).map("{:.3f}".format)
    else:
        frame["weight"] = frame["weight"].map("{:,d}".format).str.replace(",", ".")
        frame["displacement"] = frame["displacement"].round().astype(int)
        frame["mpg"] = frame["mpg"].map("{:.1f}".format).str.replace(".", ",")
    return frame.to_csv(index=False, sep=";")


@pytest.mark.parametrize("shape", ["litres", "tonnes", "thousands"])
def test_a_semicolon_file_of_decimal_points_scores_in_every_exit_as_the_app_read_it(web, tmp_path_factory, shape):
    """A new user's ';' export of concentrations (1.250, 0.750, 1.125 beside a pH of 8.48):
    the app read 1.250 as 1.25, silently, and the bundle's predict.py refused the training
    file itself ("where the dot may separate thousands"). A value that shows its point (0.750)
    settles the column for predict.py as for the app; a column whose values show nothing is
    read by the file's other numbers, said, and kept with the model; with no point in the
    file, 3.512 stays 3512 in every exit."""
    text = semicolon_points(shape)
    up, job_id, bundle, key, folder = deployed(web, tmp_path_factory.mktemp(f"points-{shape}"), text,
                                                f"points-{shape}")
    notices = " ".join(n["text"] for n in up["notices"])
    cols = {c["name"]: c for c in up["profile"]["columns"]}
    weight, displacement = cols["weight"], cols["displacement"]
    said = "decimal point, as the file's other numbers write it"
    if shape == "litres":
        assert 0.1 < displacement["max"] < 1 and said not in notices, notices  # its values show it: no word
    elif shape == "tonnes":
        assert 2 < weight["max"] < 10, weight
        assert f"weight: read as numbers ({said}): " in notices, notices
    else:
        assert weight["min"] > 1000 and "weight: read as numbers ('.' between thousands)" in notices, notices
        assert said not in notices, notices
    got = scored_by_every_exit(web, (job_id, bundle, key, folder), f"{shape}.csv", text, deployment=f"points-{shape}")
    scored = {exit: out for exit, (out, _) in got.items()}
    assert all(out is not None and len(out) == 160 for out in scored.values()), got
    assert scored["predict.py"] == scored["app"] == scored["endpoint csv"], got


@pytest.mark.parametrize("repeat", ["a number column", "a text column", "three copies"])
def test_a_model_trained_on_a_header_naming_a_column_twice_scores_its_own_file(web, tmp_path_factory, repeat):
    """A new user's export repeated 'Score' in its header: the upload named the second copy
    'Score_2' (said) and the model trained on both, and then every exit refused the training
    file itself ("'Score' appears twice in the header: keep one"). The copies are read by
    their places under the names the app gave them, and said, in every exit; a header whose
    copies the model does not know stays refused (test_a_header_naming_a_column_twice_...)."""
    frame = cars(160, 11)
    frame["year"] = frame["year"].dt.strftime("%Y-%m-%d")
    rng = np.random.default_rng(3)
    names = list(frame.columns)
    if repeat == "a number column":
        frame.insert(3, "weight_kg", (frame["weight"] * 0.4536 + rng.normal(0, 5, len(frame))).round(1))
        names.insert(3, "weight")
        copies, places = ["'weight'", "'weight_2'"], "columns 4 and 6"
    elif repeat == "a text column":
        frame.insert(2, "origin_b", rng.choice(["EU", "US", "JP"], len(frame)))
        names.insert(2, "origin")
        copies, places = ["'origin'", "'origin_2'"], "columns 2 and 3"
    else:
        frame.insert(3, "cyl_b", frame["cylinders"] // 2)
        frame.insert(4, "cyl_c", frame["cylinders"] * 2)
        names[3:3] = ["cylinders", "cylinders"]
        copies, places = ["'cylinders'", "'cylinders_2'", "'cylinders_3'"], "columns 3, 4 and 5"
    text = frame.set_axis(names, axis=1).to_csv(index=False)
    name = f"twice-{repeat.replace(' ', '-')}"
    up, job_id, bundle, key, folder = deployed(web, tmp_path_factory.mktemp(name), text, name)
    trained = [c["name"] for c in up["profile"]["columns"]]
    assert all(c.strip("'") in trained for c in copies), trained
    got = scored_by_every_exit(web, (job_id, bundle, key, folder), f"{name}.csv", text, deployment=name)
    scored = {exit: out for exit, (out, _) in got.items()}
    assert all(out is not None and len(out) == 160 for out in scored.values()), got
    assert scored["predict.py"] == scored["app"] == scored["endpoint csv"], got
    times = "twice" if len(copies) == 2 else "3 times"
    said = (f"appears {times} in the header ({places}): read as {', '.join(copies[:-1])} and {copies[-1]} by their "
            "places, as the app named the training file's copies.")
    for exit, (_, words) in got.items():
        assert said in words, (exit, words)


# --------------------------------------------------------------------------- Excel's error values and cells that are no number
EXCEL_ERRORS = {  # Excel's error values in a few of its languages, two to a row (weight, displacement)
    "English": ["#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"],
    "German": ["#BEZUG!", "#ZAHL!", "#NAME?", "#NULL!", "#ÜBERLAUF!", "#BERECHNEN!"],
    "Spanish and French": ["#¡REF!", "#¿NOMBRE?", "#¡NUM!", "#NOMBRE!", "#NOM?", "#VALEUR!"],
}


@pytest.mark.parametrize("language", sorted(EXCEL_ERRORS))
def test_excel_error_values_are_gaps_in_every_exit(web, model, language):
    """'#N/A' and '#DIV/0!' were gaps in rows to score; '#REF!', '#NAME?' and the rest, and
    their German, Spanish and French spellings, were refused as "should hold numbers" by
    every exit. Each is a gap, one list, with the predictions of the same rows left empty."""
    rows, empty = data_rows(6), data_rows(6)
    for i, marker in enumerate(EXCEL_ERRORS[language]):
        rows[i][NUMBERS["displacement" if i % 2 else "weight"]] = marker
        empty[i][NUMBERS["displacement" if i % 2 else "weight"]] = None
    got = exits(web, model, f"errors-{language[:6]}.csv", csv_of([header(), *rows]))
    want = exits(web, model, f"empty-{language[:6]}.csv", csv_of([header(), *empty]))
    for exit, (out, said) in got.items():
        assert out is not None and out == want[exit][0], (exit, said)


@pytest.mark.parametrize("near", ["#REFERENCE", "REF!", "#ERR"])
def test_what_only_looks_like_an_excel_error_is_refused_by_every_exit(web, model, near):
    """Near misses: a value that is no Excel error value is no gap in a column of numbers:
    refused by every exit, naming it, as before (no Number was chosen for the column)."""
    rows = data_rows(4)
    rows[2][NUMBERS["weight"]] = near
    got = exits(web, model, "near.csv", csv_of([header(), *rows]))
    for exit, (out, said) in got.items():
        assert out is None and "'weight' should hold numbers" in said and near in said, (exit, said)


UNREADABLE_AT = {3: "ERR", 40: "ERR", 77: "sensor fault", 150: "ERR"}  # weights no number reads


def weights_with_errors() -> pd.DataFrame:
    """160 cars whose weights (the best feature of their mileage) hold 'ERR' or 'sensor fault'
    in 4 cells."""
    frame = cars(160, 9)
    frame["year"] = frame["year"].dt.strftime("%Y-%m-%d")
    frame["weight"] = frame["weight"].astype(str).astype(object)
    for i, v in UNREADABLE_AT.items():
        frame.loc[i, "weight"] = v
    return frame


@pytest.fixture(scope="module")
def kept_text(web):
    """The cars with 4 weights that are no number, uploaded as they are and run: (the answer, the run)."""
    up = web.post("/api/v1/datasets", files={"file": ("cars-err-as-is.csv", weights_with_errors().to_csv(
        index=False).encode())})
    assert up.status_code == 201, up.text
    return up.json(), run_cars(web, up.json()["id"], "cars-err-as-is")


@pytest.fixture(scope="module")
def chosen_number(web, tmp_path_factory):
    """The same cars with Number chosen for 'weight', run, deployed as `cars-err` (`deployed`)."""
    return deployed(web, tmp_path_factory.mktemp("err"), weights_with_errors().to_csv(index=False), "cars-err",
                    types={"weight": "number"})


def test_a_column_of_numbers_a_few_cells_kept_text_is_pointed_to_number_not_to_ticking(web, kept_text):
    """A tester's sensor log: 'ERR' in 4 cells kept the temperatures text, then they were left
    out as an id with "to use one anyway, tick it in the Dataset node" (a category of 175
    levels). The run's warning points to Number on the dataset page, which reads the 4 cells as
    gaps; an id proper ('name') keeps the advice to tick it."""
    up, job = kept_text
    said = " ".join(n["text"] for n in up["notices"])
    assert "weight: kept as text: 4 of 160 values cannot be read as numbers, e.g. 'ERR'" in said
    [note] = [w for w in job["results"]["nodes"]["d"]["warnings"] if w.startswith("Left out")]
    assert ("'weight' holds numbers, kept as text by 4 cells that are not: choose Number for it on the dataset "
            "page: its 4 unreadable cells become gaps.") in note, note
    assert "'name' (" in note and "to use one anyway, tick it in the Dataset node" in note, note


def weights_scored(web, model, seed: int, cells: dict, name: str) -> tuple:
    """(5 cars to score, with `cells` {row: text} as their weights; what every exit answers
    for them; what it answers for the same rows with those weights empty), by `cars-err`."""
    rows = cars(5, seed).drop(columns="mpg")
    rows["year"] = rows["year"].dt.strftime("%Y-%m-%d")
    rows["weight"] = rows["weight"].astype(object)
    empty = rows.copy()
    for i, v in cells.items():
        rows.loc[i, "weight"], empty.loc[i, "weight"] = v, None
    return (rows, scored_by_every_exit(web, model, f"{name}-rows.csv", rows, deployment="cars-err"),
            scored_by_every_exit(web, model, f"{name}-empty.csv", empty, deployment="cars-err"))


def test_number_chosen_for_a_few_cells_that_are_not_reads_them_as_gaps_in_training_and_every_exit(web, chosen_number):
    """Number chosen for the weights: the 4 cells are gaps, said on the dataset page; the model
    card says so; rows scored later with 'ERR' among their weights are read as gaps and said,
    alike, by predict.py, Score a file and the endpoint (CSV and JSON), with the predictions of
    the same rows with those weights left empty. A weight that is a number written otherwise
    (a decimal comma the file does not settle) is no such cell: refused as before, not a gap."""
    up, job_id, bundle, key, folder = chosen_number
    said = " ".join(n["text"] for n in up["notices"])
    assert ("4 of 160 cells of 'weight' are not numbers ('ERR', 'sensor fault'): read as missing, as you chose "
            "Number.") in said, said
    assert {c["name"]: c["role"] for c in up["profile"]["columns"]}["weight"] == "numeric"
    card = json.loads((bundle / "model_card.json").read_text())
    assert next(f for f in card["features"] if f["name"] == "weight").get("unreadable_gaps") is True
    assert "Values that are not numbers (like 'ERR') are read as missing in these columns" in \
        (bundle / "MODEL_CARD.md").read_text()
    model = (job_id, bundle, key, folder)
    rows, got, want = weights_scored(web, model, 21, {1: "ERR", 3: "#REF!"}, "err")  # a word, Excel's error value
    for exit, (out, said) in got.items():
        assert out is not None and out == want[exit][0], (exit, said)
        assert ("1 of 4 cells of 'weight' is not a number ('ERR'): read as missing, as the training file's were "
                "(Number was chosen for it on the dataset page).") in said, (exit, said)
    for exit, (_, said) in want.items():
        assert "is not a number" not in said, (exit, said)  # no cell that is no number: not a word
    rows.loc[1, "weight"] = "3.100,5"
    got = scored_by_every_exit(web, model, "comma-rows.csv", rows, deployment="cars-err")
    for exit, (out, said) in got.items():
        assert out is None and "'weight' holds numbers written with a decimal comma" in said, (exit, said)
        assert "read as missing" not in said, (exit, said)


def test_number_chosen_reads_digits_no_separator_reads_as_gaps_in_every_exit_as_in_training(web, chosen_number):
    """erS's leftover: Number chosen read a typo such as '1.2.3' as a gap in training (data.values)
    while rows to score holding it were refused by every exit. Digits that no decimal separator
    reads ('3..100', '3.1.00', '3,1,00') are gaps in rows to score too, said, with the predictions
    of the same rows with those weights empty; a number written in the other convention is not
    one of them (the test above: refused)."""
    model = (chosen_number[1], chosen_number[2], chosen_number[3], chosen_number[4])
    _, got, want = weights_scored(web, model, 23, {0: "3..100", 2: "3.1.00", 4: "3,1,00"}, "typo")
    for exit, (out, said) in got.items():
        assert out is not None and out == want[exit][0], (exit, said)
        assert ("3 of 5 cells of 'weight' are not numbers ('3..100', '3.1.00', '3,1,00'): read as missing, as the "
                "training file's were") in said, (exit, said)


def test_a_table_whose_only_feature_a_few_cells_kept_text_is_pointed_to_number(web):
    """erS's leftover: a sensor log of a time and a temperature ('ERR' in 4 cells) and its
    status: the temperatures, kept text, were left out as an id, and 'No feature columns are
    left' advised ticking them under the id-like columns (a category of 180 levels). The
    dataset page and the workflow's validation point to Number, as the run's warning does; a
    row number alone keeps the advice to tick."""
    rng = np.random.default_rng(5)
    temps = [f"{t:.2f}" for t in rng.normal(20, 4, 180)]
    for i in (7, 50, 91, 140):
        temps[i] = "ERR"
    status = ["hot" if t != "ERR" and float(t) > 21 else "ok" for t in temps]
    up = web.post("/api/v1/datasets", files={"file": ("sensor.csv", pd.DataFrame(
        {"temp_c": temps, "status": status}).to_csv(index=False).encode())}).json()
    advice = ("'temp_c' holds numbers, kept as text by 4 cells that are not: choose Number for it on the dataset "
              "page: its 4 unreadable cells become gaps.")
    page = web.get(f"/api/v1/datasets/{up['id']}").json()
    [check] = [c["text"] for c in page["checks"] if c["kind"] == "no_features"]
    assert check.startswith("No feature columns are left") and advice in check and "tick it" not in check, check
    wf = {"name": "sensor", "nodes": [{"id": "d", "type": "dataset", "config": {
        "dataset_id": up["id"], "target_column": "status", "problem_type": "classification"}}], "edges": []}
    refused = web.post("/api/v1/workflows/execute", json=wf)
    assert refused.status_code == 422 and advice in refused.text and "tick it" not in refused.text, refused.text
    rows = pd.DataFrame({"row": range(180), "status": status}).to_csv(index=False).encode()
    ids = web.post("/api/v1/datasets", files={"file": ("rows.csv", rows)}).json()
    [check] = [c["text"] for c in web.get(f"/api/v1/datasets/{ids['id']}").json()["checks"]
               if c["kind"] == "no_features"]
    assert "tick it under the Dataset node's id-like columns" in check and "choose Number" not in check, check


@pytest.mark.parametrize("sep", [",", ";"])
def test_rows_whose_lines_end_with_a_carriage_return_alone_are_scored_by_every_exit(web, model, sep):
    """Excel for Mac's "CSV (Macintosh)" ends its lines with a carriage return alone: the upload
    refused such a file as "The first line (the header) cannot be read". Every exit scores its
    rows as the same rows written with line feeds."""
    rows = cars(6, 31).drop(columns="mpg")
    rows["year"] = rows["year"].dt.strftime("%Y-%m-%d")
    text = rows.to_csv(index=False, sep=sep, decimal="," if sep == ";" else ".")
    got = scored_by_every_exit(web, model, f"mac-{sep == ';'}.csv", text.replace("\n", "\r").encode(),
                               deployment="cars-exits")
    want = scored_by_every_exit(web, model, f"unix-{sep == ';'}.csv", text.encode(), deployment="cars-exits")
    for exit, (out, said) in got.items():
        assert out is not None and out == want[exit][0], (exit, said)
    head, _, body = text.partition("\n")  # a Mac file edited on Windows: '\r' after the header, '\r\n' after rows
    got = scored_by_every_exit(web, model, f"mixed-{sep == ';'}.csv", (head + "\r" + body.replace("\n", "\r\n"))
                               .encode(), deployment="cars-exits")
    for exit, (out, said) in got.items():
        assert out is not None and out == want[exit][0], (exit, said)


def test_rows_to_score_in_a_zip_archive_or_gz_file_are_scored_by_the_app_and_predict_py(web, model):
    """Score a file and predict.py read the one table a .zip or .gz file holds, as the upload
    does, with the predictions of the same rows sent plain."""
    import gzip
    import zipfile

    job_id, bundle, _, folder = model
    rows = cars(7, 41).drop(columns="mpg")
    rows["year"] = rows["year"].dt.strftime("%Y-%m-%d")
    plain = folder / "plain-rows.csv"
    rows.to_csv(plain, index=False)
    want_app, _ = app_score(web, job_id, "m", plain)
    want_script = predict_py(bundle, plain)
    assert want_app is not None and want_script.returncode == 0, want_script.stderr
    zipped = folder / "rows.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export/new-rows.csv", plain.read_bytes())
        archive.writestr("__MACOSX/export/._new-rows.csv", b"\0")
    gzipped = folder / "rows.csv.gz"
    gzipped.write_bytes(gzip.compress(plain.read_bytes()))
    for path, inner in ((zipped, "new-rows.csv"), (gzipped, "rows.csv")):
        got_app, fragment = app_score(web, job_id, "m", path)
        assert got_app == want_app, html.unescape(fragment)
        assert f"Read from inside {path.name!r}: {inner!r}" in html.unescape(fragment)
        script = predict_py(bundle, path)
        assert script.returncode == 0 and script.stdout == want_script.stdout, script.stderr
    # a competition's download holds train.csv beside the rows to score: refused by both, naming the file to send
    several = folder / "competition.zip"
    with zipfile.ZipFile(several, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("train.csv", cars(40, 42).to_csv(index=False))
        archive.writestr("test.csv", plain.read_bytes())
    got_app, fragment = app_score(web, job_id, "m", several)
    assert got_app is None and "Send 'test.csv' on its own" in html.unescape(fragment), html.unescape(fragment)
    script = predict_py(bundle, several)
    assert script.returncode != 0 and "Pass 'test.csv' on its own" in script.stderr, script.stderr


def test_a_kaggle_zip_uploads_as_the_table_it_holds_and_its_dataset_page_says_so(web):
    """An upload of a .zip holding one CSV (a Kaggle download) is a dataset named for the
    archive, read as its CSV, the reading said on the page and in the API."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("train.csv", cars(120, 43).to_csv(index=False))
    up = web.post("/api/v1/datasets", files={"file": ("car-prices.zip", buffer.getvalue())})
    assert up.status_code == 201, up.text
    body = up.json()
    assert body["name"] == "car-prices" and body["n_rows"] == 120
    assert body["notices"][0]["text"].startswith("Read from inside 'car-prices.zip': 'train.csv' (")
    page = web.get(f"/datasets/{body['id']}")
    assert page.status_code == 200 and "Read from inside" in html.unescape(page.text)
    two = io.BytesIO()  # a competition's train.csv and test.csv: the largest is read, said (tests/test_archives.py)
    with zipfile.ZipFile(two, "w") as archive:
        archive.writestr("train.csv", cars(120, 44).to_csv(index=False))
        archive.writestr("test.csv", cars(30, 45).drop(columns="mpg").to_csv(index=False))
    up = web.post("/api/v1/datasets", files={"file": ("car-prices-2.zip", two.getvalue())})
    assert up.status_code == 201 and up.json()["n_rows"] == 120, up.text
    assert up.json()["notices"][1]["text"].startswith("The archive holds 2 tables: train.csv was read, the largest")


def test_a_printout_of_rows_is_refused_by_every_exit_saying_what_it_is(web, model):
    """Rows printed with their columns lined up by runs of spaces (pandas' to_string): the app
    refused them as a printout, predict.py read one column named 'name  origin  cylinders …'
    and refused 'missing columns' (found by fresh eyes). Every exit refuses them, saying so."""
    rows = cars(6, 51).drop(columns="mpg")
    got = exits(web, model, "printout.txt", rows.to_string(index=False) + "\n")
    for exit, (out, said) in got.items():
        assert out is None and "columns are lined up by runs of spaces" in said and "missing columns" not in said, \
            (exit, said)
