"""The positive class of a two-class target is the workflow's: the Dataset node offers the
target's classes (Automatic: the minority), validation refuses what is not one of them or
a positive class where none applies, and a run names it with every binary metric on every
view: results, leaderboard, history, the comparison of two runs.

(That each binary metric equals scikit-learn's with that pos_label is tests/test_exactness.py.)"""

from __future__ import annotations

import html

import pytest

from executor.engine import resolve
from nodes.dataset import settle_positive_class
from plugins.tables import minority_class
from tests import realdata
from tests.conftest import wait_for


@pytest.fixture(scope="module")
def ja_nein(web) -> str:
    """Pima women, `diabetisch` Ja (177) / Nein (355), uploaded."""
    df = realdata.pima().rename(columns={"type": "diabetisch"})
    df["diabetisch"] = df["diabetisch"].map({"Yes": "Ja", "No": "Nein"})
    r = web.post("/api/v1/datasets", files={"file": ("ja-nein.csv", realdata.csv_bytes(df), "text/csv")})
    assert r.status_code in (200, 201), r.text
    return r.json()["id"]


def workflow(dataset, target="diabetisch", models=("logistic_regression",), problem_type="classification",
             **dataset_config):
    nodes = [{"id": "d", "type": "dataset", "config": {"dataset_id": dataset, "target_column": target,
                                                       "problem_type": problem_type, **dataset_config}},
             {"id": "p", "type": "preprocessing", "config": {"operations": [
                 {"method": "standard_scaler", "parameters": {}}]}},
             {"id": "s", "type": "split", "config": {"random_seed": 3}}]
    edges = [{"source": "d", "target": "p"}, {"source": "p", "target": "s"}]
    for i, algorithm in enumerate(models, 1):
        nodes += [{"id": f"m{i}", "type": "model", "config": {"algorithm": algorithm, "hyperparameters": {}}},
                  {"id": f"e{i}", "type": "evaluate", "config": {"metrics": ["f1", "accuracy", "roc_auc"]}}]
        edges += [{"source": "s", "target": f"m{i}"}, {"source": f"m{i}", "target": f"e{i}"}]
    return {"nodes": nodes, "edges": edges}


def test_automatic_is_the_minority_class_and_a_tie_goes_to_the_class_sorting_last():
    assert minority_class({"Nein": 355, "Ja": 177}) == "Ja"
    assert minority_class({0: 212, 1: 357}) == 0
    assert minority_class({"no": 5, "yes": 5}) == "yes" and minority_class({1: 7, 0: 7}) == 1
    assert settle_positive_class(None, {"Nein": 355, "Ja": 177}, "t", "classification") == ("Ja", None)
    assert settle_positive_class("Nein", {"Nein": 355, "Ja": 177}, "t", "classification") == ("Nein", None)
    assert settle_positive_class("1", {0: 212, 1: 357}, "t", "classification") == (1, None)
    assert settle_positive_class(None, {"a": 1, "b": 2, "c": 3}, "t", "classification") == (None, None)


def test_the_dataset_inspector_offers_the_targets_classes_and_stores_the_choice(web, ja_nein):
    wf = web.post("/api/v1/workflows", json={"name": "positive", **workflow(ja_nein)}).json()
    url = f"/ui/workflows/{wf['id']}/nodes/d"
    page = html.unescape(web.get(f"{url}/inspector").text)
    assert 'name="positive_class"' in page and "Automatic (minority: Ja)" in page
    assert "Ja · 177 rows (33%)" in page and "Nein · 355 rows (67%)" in page

    def stored():
        graph = web.get(f"/api/v1/workflows/{wf['id']}").json()["graph"]
        return next(n["config"] for n in graph["nodes"] if n["id"] == "d")

    form = {"target_column": "diabetisch", "problem_type": "classification"}
    web.post(f"{url}/config", data={**form, "positive_class": "Nein"})
    assert stored()["positive_class"] == "Nein"
    assert 'value="Nein" selected' in web.get(f"{url}/inspector").text
    web.post(f"{url}/config", data={**form, "positive_class": ""})  # Automatic: the field left out
    assert "positive_class" not in stored()
    web.post(f"{url}/config", data={**form, "positive_class": "Ja"})
    web.post(f"{url}/config", data={**form, "target_column": "npreg", "positive_class": "Ja"})
    assert "positive_class" not in stored()  # another target: its classes are not these


@pytest.mark.parametrize("dataset,target,ptype,value,sentence", [
    (None, "diabetisch", "classification", "Vielleicht",
     "'Vielleicht' is not a class of 'diabetisch', whose classes are 'Ja' and 'Nein': choose one of them, or "
     "Automatic (the rarer class)."),
    ("iris", "target", "classification", "1",
     "A positive class is for a target with two classes; 'target' has 3 (0, 1, 2), so F1, precision and recall "
     "are averaged over them. Leave Positive class on Automatic."),
    ("diabetes", "target", "regression", "1",
     "A positive class belongs to a classification target; regression has none. Leave Positive class empty."),
])
def test_a_positive_class_that_cannot_apply_is_refused_with_a_sentence(web, ja_nein, dataset, target, ptype, value,
                                                                       sentence):
    graph = workflow(dataset or ja_nein, target, models=("decision_tree",), problem_type=ptype, positive_class=value)
    graph["nodes"][-1]["config"]["metrics"] = None  # the model's defaults, whatever the problem type
    r = web.post("/api/v1/workflows/execute", json={"name": "refused", **graph})
    assert r.status_code == 422, r.text
    assert sentence in r.json()["errors"]["d"]
    wf = web.post("/api/v1/workflows", json={"name": "refused", **graph}).json()
    page = html.unescape(web.get(f"/ui/workflows/{wf['id']}/nodes/d/inspector").text)
    assert sentence in page and 'name="positive_class"' in page  # shown, so it can be put back to Automatic


def test_a_numeric_class_is_named_as_text():
    """The Param is text, as the inspector sends it: "1" names the class 1; a JSON number is
    refused with the Param's sentence (the store refuses it on write the same way)."""
    r = resolve(workflow("breast_cancer", "target", positive_class="1"))
    assert "d" not in r.errors and r.configs["d"]["positive_class"] == "1"
    assert resolve(workflow("breast_cancer", "target", positive_class=1)).errors["d"] == ["Positive class must be text."]


@pytest.mark.usefixtures("consumer")
def test_every_view_names_the_positive_class(web, ja_nein):
    def run(wf_id):
        job_id = web.post(f"/api/v1/workflows/{wf_id}/run").json()["job_id"]
        job = wait_for(lambda: (lambda j: j if j["status"] in ("completed", "failed") else None)(
            web.get(f"/api/v1/jobs/{job_id}").json()), 90)
        assert job["status"] == "completed", job
        return job

    wf = web.post("/api/v1/workflows", json={"name": "ja nein", **workflow(
        ja_nein, models=("logistic_regression", "random_forest"))}).json()
    automatic = run(wf["id"])
    entry = automatic["results"]["metrics"]["e1"]
    assert entry["facts"]["positive_class"] == "Ja" and entry["descriptions"]["f1"] == "F1 score, positive class: Ja"
    panel = html.unescape(web.get(f"/ui/jobs/{automatic['id']}/results").text)
    said = "Positive class: Ja, the rarer class: 177 of 532 rows (33%)"
    assert panel.count(said) == 3  # each model's metrics and the leaderboard
    assert "Positive class: Ja. Dashed: chance." in panel  # the ROC curves overlaid

    graph = web.get(f"/api/v1/workflows/{wf['id']}").json()["graph"]
    graph["nodes"][0]["config"]["positive_class"] = "Nein"
    assert web.put(f"/api/v1/workflows/{wf['id']}", json=graph).status_code == 200
    chosen = run(wf["id"])
    panel = html.unescape(web.get(f"/ui/jobs/{chosen['id']}/results").text)
    assert "Positive class: Nein, the more frequent class: 355 of 532 rows (67%)" in panel
    assert chosen["results"]["metrics"]["e1"]["values"]["f1"] != entry["values"]["f1"]

    history = html.unescape(web.get(f"/ui/workflows/{wf['id']}/history").text)  # each run's key metric: F1
    assert "F1 score, positive class: Nein " in history and "F1 score, positive class: Ja " in history
    cmp = web.get(f"/api/v1/jobs/compare?a={automatic['id']}&b={chosen['id']}").json()
    [dataset] = [n for n in cmp["config"]["nodes_changed"] if n["node_id"] == "d"]
    assert [(c["label"], c.get("old_text"), c["new"]) for c in dataset["changes"]] == [
        ("Positive class", "Automatic (the rarer class)", "Nein")]
    f1 = next(r for r in cmp["metrics"] if r["node_id"] == "e1" and r["key"] == "f1")
    assert (f1["description_a"], f1["description"]) == ("F1 score, positive class: Ja", "F1 score, positive class: Nein")
    page = html.unescape(web.get(f"/ui/jobs/compare?a={automatic['id']}&b={chosen['id']}").text)
    assert "A: positive class: Ja; B: positive class: Nein" in page
