"""The Split node's inspector names a series in time a random split would cut before Run.
A new user's audit: daily sales of stores uploaded, the Split left at Shuffle, and nothing
said until the run; the dataset page said it, on its sample, each time it was viewed, and
kept nothing. Now the series is found when the dataset's target is set (at upload, on the
dataset page or its API, when the file is read again), on the page's sample in the file's
order by the page's rule (guards.table_series), kept with the dataset for that target and
problem type, and said by the Split's inspector while Shuffle is on and no group keeps rows
together; the run says the same sentence once. Near misses say nothing."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest

from tests import realdata
from tests.conftest import wait_for
from tests.test_guards_series_shuffled import stores_days

CUT = "Shuffle draws the test rows from the whole period"  # every series sentence says it, no other sentence does


def upload(web, frame: pd.DataFrame, name: str) -> dict:
    r = web.post("/api/v1/datasets", files={"file": (name, realdata.csv_bytes(frame), "text/csv")})
    assert r.status_code == 201, r.text
    return r.json()


def workflow(web, dataset_id: str, target: str, problem_type: str = "regression", split: dict | None = None) -> str:
    nodes = [{"id": "d", "type": "dataset", "config": {"dataset_id": dataset_id, "target_column": target,
                                                       "problem_type": problem_type}},
             {"id": "s", "type": "split", "config": split or {}},
             {"id": "m", "type": "model", "config": {"algorithm": "linear_regression" if problem_type == "regression"
                                                     else "logistic_regression", "hyperparameters": {}}}]
    graph = {"nodes": nodes, "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}]}
    r = web.post("/api/v1/workflows", json={"name": f"series of {dataset_id[:8]}", **graph})
    assert r.status_code in (200, 201), r.text
    return r.json()["id"]


def split_says(web, wid: str) -> list[str]:
    """The series sentences among the Split node's inspector's warnings, before any run."""
    r = web.get(f"/ui/workflows/{wid}/nodes/s/inspector")
    assert r.status_code == 200 and 'data-inspector="split"' in r.text, r.text[:500]
    items = re.findall(r"<li>(.*?)</li>", r.text, flags=re.S)
    return [html.unescape(i) for i in items if CUT in html.unescape(i)]


def page_says(web, dataset_id: str) -> list[str]:
    return [c["text"] for c in web.get(f"/api/v1/datasets/{dataset_id}").json().get("checks", [])
            if c["kind"] == "series"]


def in_file_order(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["date", "store"], kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("order, days, seed", [("file", 1095, 0), ("shuffled", 1095, 1), ("shuffled", 700, 2),
                                               ("file", 600, 3)])
def test_uploaded_daily_sales_are_named_by_the_split_before_run(web, order, days, seed):
    frame = stores_days(seed, days=days)
    frame = in_file_order(frame) if order == "file" else frame
    ds = upload(web, frame, f"sales-{order}-{days}.csv")
    assert (ds["target"], ds["problem_type"]) == ("sales", "regression")  # the guess the fact was found for
    wid = workflow(web, ds["id"], "sales")
    said = split_says(web, wid)
    assert len(said) == 1 and "'store'" in said[0] and "'date'" in said[0], said
    assert "this table's rows" in said[0] or order == "file", said
    if days * 5 > 5000:
        assert f"(on a sample of 5,000 of {days * 5:,} rows)" in said[0] or order == "file", said
    # the words the dataset page says, for the Split's test size
    assert page_says(web, ds["id"]) == said
    # a larger test size is said as chosen
    wid_30 = workflow(web, ds["id"], "sales", split={"test_size": 0.3})
    assert len(split_says(web, wid_30)) == 1


def test_the_run_says_what_the_inspector_said_once(web, consumer):
    ds = upload(web, stores_days(4), "sales-run.csv")
    wid = workflow(web, ds["id"], "sales")
    said = split_says(web, wid)
    assert len(said) == 1, said
    run = web.post(f"/api/v1/workflows/{wid}/run")
    assert run.status_code == 202, run.text
    job = wait_for(lambda: (lambda j: j if j["status"] in ("completed", "failed", "cancelled") else None)(
        web.get(f"/api/v1/jobs/{run.json()['job_id']}").json()), 120)
    assert job and job["status"] == "completed", job
    warnings = job["results"]["nodes"]["s"]["warnings"]
    assert warnings.count(said[0]) == 1, warnings
    # the run found it too, on its training rows, and did not say it a second time in other words
    assert [w for w in warnings if CUT in w] == said, warnings


def test_shuffle_off_or_rows_kept_by_store_say_nothing_of_it(web):
    ds = upload(web, stores_days(5), "sales-near.csv")
    assert len(split_says(web, workflow(web, ds["id"], "sales"))) == 1
    assert split_says(web, workflow(web, ds["id"], "sales", split={"shuffle": False})) == []
    assert split_says(web, workflow(web, ds["id"], "sales", split={"group_by": "store"})) == []


def test_a_target_chosen_in_the_node_other_than_the_datasets_is_not_told_the_datasets(web):
    """The stored series was found for 'sales': a node predicting 'visitors', which follows
    time too, or 'promo', is told nothing before the run, which checks its own target."""
    frame = stores_days(6)
    frame["visitors"] = (3 * frame["sales"] + np.random.default_rng(6).normal(0, 5, len(frame))).round()
    ds = upload(web, frame[["date", "store", "promo", "visitors", "sales"]], "sales-other-target.csv")
    r = web.put(f"/api/v1/datasets/{ds['id']}/target", json={"target": "sales", "problem_type": "regression"})
    assert r.status_code == 200, r.text
    assert len(split_says(web, workflow(web, ds["id"], "sales"))) == 1
    assert split_says(web, workflow(web, ds["id"], "visitors")) == []
    assert split_says(web, workflow(web, ds["id"], "promo", "classification")) == []


def customers(seed: int, n: int = 3000) -> pd.DataFrame:
    """Customers by signup date, in the file's order: their spend does not follow the date."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"signup": pd.date_range("2020-01-01", periods=n, freq="6h"),
                         "plan": rng.choice(["basic", "plus", "pro"], n), "visits": rng.poisson(6, n),
                         "spend": rng.gamma(2.0, 40.0, n).round(2)})


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_customers_by_signup_date_are_no_series(web, seed):
    ds = upload(web, customers(seed), f"customers-{seed}.csv")
    assert ds["target"] == "spend"
    assert split_says(web, workflow(web, ds["id"], "spend")) == []
    assert page_says(web, ds["id"]) == []


def test_the_stored_series_follows_the_target_set_on_the_dataset_page_and_the_api(web):
    ds = upload(web, stores_days(8), "sales-retarget.csv")
    wid = workflow(web, ds["id"], "sales")
    assert len(split_says(web, wid)) == 1
    # the page's form: 'promo' does not follow time
    r = web.post(f"/datasets/{ds['id']}/target", data={"target": "promo", "problem_type": "classification"},
                 follow_redirects=False)
    assert r.status_code == 303, r.text
    assert split_says(web, workflow(web, ds["id"], "promo", "classification")) == []
    # a node still predicting 'sales': the dataset's target is now another, so nothing is told before the run
    assert split_says(web, wid) == []
    # back to 'sales' through the API: said again
    r = web.put(f"/api/v1/datasets/{ds['id']}/target", json={"target": "sales", "problem_type": "regression"})
    assert r.status_code == 200, r.text
    assert len(split_says(web, wid)) == 1


def test_reading_the_upload_again_finds_the_series_again(web):
    frame = stores_days(9)
    ds = upload(web, frame, "sales-reread.csv")
    wid = workflow(web, ds["id"], "sales")
    assert len(split_says(web, wid)) == 1
    # 'store' read as an id: still the series' name (the page's rule takes id columns)
    r = web.put(f"/api/v1/datasets/{ds['id']}/reading", json={"roles": {"store": "id"}})
    assert r.status_code == 200, r.text
    assert len(split_says(web, wid)) == 1
    # the date left out of the table: no series any more, found again on the new reading
    r = web.put(f"/api/v1/datasets/{ds['id']}/reading", json={"roles": {"date": "ignore"}})
    assert r.status_code == 200, r.text
    assert split_says(web, wid) == []
