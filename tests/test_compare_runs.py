"""Two runs compared, against a real app and its worker: run a workflow, change a
hyperparameter and a split setting through the API, run again, and compare. The differences
and deltas must be exactly what the two stored jobs say. Also: each metric says what it is
(binary and 3-class workflows), and the refusals (unknown run, the same run twice)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import running_app


def call(base, path, body=None, method=None, raw=False):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method or ("POST" if data else "GET"),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            text = r.read().decode()
            return r.status, text if raw else json.loads(text or "null")
    except urllib.error.HTTPError as e:
        text = e.read().decode()
        return e.code, text if raw else json.loads(text)


def graph(dataset="iris", n_estimators=10, test_size=0.2, metrics=("accuracy", "f1", "roc_auc", "log_loss",
                                                                   "confusion_matrix")):
    return {"nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": dataset, "target_column": "target",
                                                  "problem_type": "classification"}},
        {"id": "s", "type": "split", "config": {"test_size": test_size, "random_seed": 7}},
        {"id": "m", "type": "model", "config": {"algorithm": "random_forest",
                                                "hyperparameters": {"n_estimators": n_estimators, "max_depth": 2}}},
        {"id": "e", "type": "evaluate", "config": {"metrics": list(metrics)}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}, {"source": "m", "target": "e"}]}


def run(base, workflow_id) -> dict:
    status, body = call(base, f"/api/v1/workflows/{workflow_id}/run", method="POST")
    assert status == 202, body
    deadline = time.monotonic() + 90
    while True:
        job = call(base, f"/api/v1/jobs/{body['job_id']}")[1]
        if job["status"] in ("completed", "failed", "cancelled"):
            assert job["status"] == "completed", job
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.2)


@pytest.fixture(scope="module")
def runs():
    """Run 1; then Trees 10 -> 30 and test size 20% -> 30%: run 2; run 3 unchanged; and a
    run of another workflow (two classes)."""
    with running_app("--workers", "2") as app:
        base = app.base
        wf = call(base, "/api/v1/workflows", {"name": "compare me", **graph()})[1]
        first = run(base, wf["id"])
        status, _ = call(base, f"/api/v1/workflows/{wf['id']}", graph(n_estimators=30, test_size=0.3), method="PUT")
        assert status == 200
        second = run(base, wf["id"])
        third = run(base, wf["id"])
        other = call(base, "/api/v1/workflows", {"name": "two classes", **graph("breast_cancer")})[1]
        binary = run(base, other["id"])
        yield base, first, second, third, binary


def test_the_comparison_is_the_config_differences_and_the_metric_deltas_of_the_two_stored_runs(runs):
    base, first, second, _, _ = runs
    status, cmp = call(base, f"/api/v1/jobs/compare?a={first['id']}&b={second['id']}")
    assert status == 200, cmp
    assert (cmp["a"]["id"], cmp["b"]["id"], cmp["swapped"], cmp["same_workflow"]) == (first["id"], second["id"],
                                                                                      False, True)
    for side, job in (("a", first), ("b", second)):
        assert cmp[side]["status"] == "completed"
        assert cmp[side]["duration"] == pytest.approx(job["completed_at"] - job["started_at"], abs=1e-3)
    diff = cmp["config"]
    assert diff["same"] is False
    assert diff["nodes_added"] == diff["nodes_removed"] == diff["edges_added"] == diff["edges_removed"] == []
    changed = {n["node_id"]: n for n in diff["nodes_changed"]}
    assert set(changed) == {"s", "m"}
    assert changed["m"]["label"] == "Model" and changed["s"]["label"] == "Train/Test Split"
    [trees] = changed["m"]["changes"]
    assert (trees["key"], trees["label"], trees["old"], trees["new"]) == ("hyperparameters.n_estimators", "Trees",
                                                                          10, 30)
    [size] = changed["s"]["changes"]
    assert (size["key"], size["label"], size["old"], size["new"]) == ("test_size", "Test size", 0.2, 0.3)
    assert (size["old_text"], size["new_text"]) == ("20%", "30%")

    # every scalar metric of the Evaluate node, A and B as stored, B - A, judged by its direction
    va, vb = first["results"]["metrics"]["e"]["values"], second["results"]["metrics"]["e"]["values"]
    rows = {r["key"]: r for r in cmp["metrics"]}
    assert set(rows) == {"accuracy", "f1", "roc_auc", "log_loss"}  # the confusion matrix is no scalar
    for key, r in rows.items():
        assert (r["node_id"], r["a"], r["b"]) == ("e", va[key], vb[key])
        assert r["delta"] == pytest.approx(vb[key] - va[key])
        higher = key != "log_loss"
        assert r["direction"] == ("higher" if higher else "lower")
        expected = ("same" if vb[key] == va[key] else
                    "better" if (vb[key] > va[key]) == higher else "worse")
        assert r["verdict"] == expected, r
    # the test size changed: not the same rows, and it says so
    assert rows["accuracy"]["description"] == "Accuracy, on 45 test rows"  # 30% of 150, run B's
    assert rows["accuracy"]["description_a"] == "Accuracy, on 30 test rows"
    assert "description_a" not in rows["f1"]
    assert rows["f1"]["description"] == "F1 score, macro over 3 classes"
    # which is said once, above the metrics: their differences are partly the rows drawn
    assert cmp["rows_note"] == ("The two runs were scored on different test rows (Train/Test Split: Test size 20% → "
                                "30%): part of each difference below is which rows were drawn, not the model.")

    # asked the other way round: the same answer (earlier run is A), and it says so
    status, back = call(base, f"/api/v1/jobs/compare?a={second['id']}&b={first['id']}")
    assert status == 200 and back["swapped"] is True
    assert (back["a"]["id"], back["b"]["id"]) == (first["id"], second["id"]) and back["metrics"] == cmp["metrics"]


def test_the_comparison_shows_in_the_results_area_and_on_its_own_page(runs):
    base, first, second, _, _ = runs
    query = f"a={first['id']}&b={second['id']}"
    for path in (f"/ui/jobs/compare?{query}", f"/jobs/compare?{query}"):
        status, html = call(base, path, raw=True)
        assert status == 200, html
        assert 'id="comparison"' in html and "Trees" in html and "Test size" in html
        assert ">20%</td>" in html and ">30%</td>" in html and ">10</td>" in html and ">30</td>" in html
        assert 'data-metric="accuracy"' in html and "macro over 3 classes" in html
        assert "A: on 30 test rows; B: on 45 test rows" in html
        assert 'data-rows-note="1"' in html and "scored on different test rows" in html
    status, page = call(base, f"/jobs/compare?{query}", raw=True)
    assert "compare me" in page and "<html" in page


def test_an_unchanged_rerun_has_no_configuration_differences(runs):
    base, _, second, third, _ = runs
    cmp = call(base, f"/api/v1/jobs/compare?a={second['id']}&b={third['id']}")[1]
    assert cmp["config"]["same"] is True and cmp["config"]["nodes_changed"] == []
    # same data, same seed, same settings: the same numbers
    assert all(r["delta"] == 0 and r["verdict"] == "same" for r in cmp["metrics"]) and cmp["metrics"]
    assert "rows_note" not in cmp  # the same test rows
    html = call(base, f"/ui/jobs/compare?a={second['id']}&b={third['id']}", raw=True)[1]
    assert "No configuration differences" in html and "data-rows-note" not in html


def test_runs_of_different_workflows_can_be_compared_and_it_is_said(runs):
    base, first, _, _, binary = runs
    cmp = call(base, f"/api/v1/jobs/compare?a={first['id']}&b={binary['id']}")[1]
    assert cmp["same_workflow"] is False and "different workflows" in cmp["note"]
    [dataset] = [n for n in cmp["config"]["nodes_changed"] if n["node_id"] == "d"]
    assert {(c["label"], c["old"], c["new"]) for c in dataset["changes"]} == {("Dataset", "iris", "breast_cancer")}
    html = call(base, f"/ui/jobs/compare?a={first['id']}&b={binary['id']}", raw=True)[1]
    assert "different workflows" in html


def test_refusals_say_why(runs):
    base, first, second, _, _ = runs
    status, body = call(base, f"/api/v1/jobs/compare?a={first['id']}&b=job_nope")
    assert status == 404 and body["detail"] == "No job 'job_nope'."
    status, body = call(base, f"/api/v1/jobs/compare?a={first['id']}&b={first['id']}")
    assert status == 400 and "two different runs" in body["detail"]
    status, body = call(base, f"/api/v1/jobs/compare?a={first['id']}")
    assert status == 400 and "Choose two runs" in body["detail"]
    status, html = call(base, f"/jobs/compare?a=job_nope&b={second['id']}", raw=True)
    assert status == 404 and "No job" in html


def test_each_metric_says_what_it_is(runs):
    """Three classes: macro / one-vs-rest over 3 classes. Two classes: of the positive
    class (breast cancer's 0, malignant: automatic, the minority class, 212 of 569 rows).
    Recorded by the run, shown under the metric's name in the results."""
    base, _, second, _, binary = runs
    multi = second["results"]["metrics"]["e"]
    assert multi["facts"]["test_rows"] == 45 and multi["facts"]["labels"] == [0, 1, 2]
    assert multi["descriptions"] == {
        "accuracy": "Accuracy, on 45 test rows", "f1": "F1 score, macro over 3 classes",
        "roc_auc": "ROC AUC, one-vs-rest macro over 3 classes", "log_loss": "Log loss, on 45 test rows",
        "confusion_matrix": "Confusion matrix, on 45 test rows"}
    two = binary["results"]["metrics"]["e"]
    assert two["facts"]["average"] == "binary" and two["facts"]["positive_class"] == 0
    assert two["facts"]["class_rows"] == [[0, 212], [1, 357]]
    assert two["facts"]["test_rows"] == 114  # 20% of 569
    assert two["descriptions"]["f1"] == "F1 score, positive class: 0"
    assert two["descriptions"]["roc_auc"] == "ROC AUC, positive class: 0"
    assert sum(map(sum, two["values"]["confusion_matrix"]["matrix"])) == 114
    for job, said in ((second, "macro over 3 classes"), (binary, "positive class: 0")):
        html = call(base, f"/ui/jobs/{job['id']}/results", raw=True)[1]
        assert 'data-metric="f1"' in html and 'data-metric-what="f1"' in html and said in html


def test_nodes_and_edges_added_or_removed_and_another_algorithm_are_named_from_the_declarations():
    """The pure function on two graphs: a Visualize node and its edge added, a Preprocessing
    step added, Random Forest -> Logistic regression with C set. A hyperparameter only one
    algorithm has counts where it was set, not where it took its default."""
    from executor.compare import compare_runs
    from nodes.registry import node_types
    from plugins import registry

    a = graph()
    b = graph()
    b["nodes"][2]["config"] = {"algorithm": "logistic_regression", "hyperparameters": {"C": 0.5}}
    b["nodes"].append({"id": "v", "type": "visualize", "label": "Charts", "config": {}})
    b["edges"].append({"source": "m", "target": "v", "target_port": "model"})
    a["nodes"].insert(1, {"id": "p", "type": "preprocessing", "config": {"operations": [
        {"method": "standard_scaler", "parameters": {}}]}})
    b["nodes"].insert(1, {"id": "p", "type": "preprocessing", "config": {"operations": [
        {"method": "standard_scaler", "parameters": {}},
        {"method": "zscore_outlier_removal", "parameters": {"threshold": 2.5}}]}})
    job = {"status": "completed", "workflow_id": "wf", "results": {}}
    cmp = compare_runs({**job, "id": "job_a", "created_at": 1}, {**job, "id": "job_b", "created_at": 2}, a, b,
                       registry.metrics(), node_types())
    diff = cmp["config"]
    assert diff["nodes_added"] == [{"node_id": "v", "type": "visualize", "label": "Charts"}]
    assert diff["nodes_removed"] == [] and diff["edges_removed"] == []
    assert diff["edges_added"] == [{"source": "m", "target": "v", "source_label": "Model", "target_label": "Charts"}]
    changes = {n["node_id"]: {c["label"]: c for c in n["changes"]} for n in diff["nodes_changed"]}
    model = changes["m"]
    assert (model["Algorithm"]["old_text"], model["Algorithm"]["new_text"]) == ("Random Forest", "Logistic Regression")
    c = next(f for f in model.values() if f["key"] == "hyperparameters.C")
    assert (c["old"], c["new"], c["old_default"]) == (None, 0.5, False)
    # the old forest's Trees and Max depth go with the Algorithm's change: not listed as "→ not set" (a
    # new user read every parameter of both algorithms); the new one's defaults are not listed either
    assert set(model) == {"Algorithm", c["label"]}
    steps = changes["p"]["Steps"]
    assert steps["old_text"] == "Standard scaler" and steps["new_text"].startswith("Standard scaler → ")
    assert steps["new_text"].endswith("Remove outliers (z-score) with Z-score above: 2.5"), steps
    assert cmp["metrics"] == [] and cmp["same_workflow"] is True


def test_a_default_written_out_by_a_later_save_is_no_change():
    """The first inspector save writes the defaults: "Features per split (default) → sqrt"
    was listed for a forest whose features per split never changed."""
    from executor.compare import config_diff, effective
    from executor.engine import default_dataset_facts
    from nodes.registry import node_types

    def graph(hp):
        return {"nodes": [{"id": "d", "type": "dataset", "config": {"dataset_id": "breast_cancer",
                                                                    "target_column": "target",
                                                                    "problem_type": "classification"}},
                          {"id": "s", "type": "split", "config": {}},
                          {"id": "m", "type": "model", "config": {"algorithm": "random_forest",
                                                                  "hyperparameters": hp}}],
                "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}]}

    info = default_dataset_facts(None)
    assert config_diff(effective(graph({}), info), effective(graph({"max_features": "sqrt"}), info),
                       node_types())["same"]
    changed = config_diff(effective(graph({}), info), effective(graph({"max_features": "log2"}), info),
                          node_types())["nodes_changed"]
    assert [(c["label"], c["new"]) for n in changed for c in n["changes"]] == [("Features per split", "log2")]


def test_stratify_changed_between_two_regression_runs_is_shown_as_unused_with_the_reason():
    """Stratify means nothing for a regression target (the split ignores it): the comparison
    of two regression runs whose Stratify differs says so, where a classification pair lists
    it as a change like any other."""
    from fasthtml.common import to_xml

    from components.compare import ConfigDiff
    from executor.compare import config_diff
    from nodes.registry import node_types

    def graph(problem_type, stratify):
        return {"nodes": [{"id": "d", "type": "dataset", "config": {"dataset_id": "diabetes", "target_column": "target",
                                                                    "problem_type": problem_type}},
                          {"id": "s", "type": "split", "config": {"test_size": 0.2, "stratify": stratify}}],
                "edges": [{"source": "d", "target": "s"}]}

    diff = config_diff(graph("regression", False), graph("regression", True), node_types())
    [change] = diff["nodes_changed"][0]["changes"]
    assert change["label"] == "Stratify" and change["unused"] == ("not used for regression: it applies to "
                                                                  "classification only")
    html = to_xml(ConfigDiff(diff))
    assert 'data-unused="1"' in html and "(not used for regression: it applies to classification only)" in html
    from executor.compare import _rows_changed

    assert _rows_changed(diff, node_types()) == ""  # an unused setting draws the same rows
    [change] = config_diff(graph("classification", False), graph("classification", True),
                           node_types())["nodes_changed"][0]["changes"]
    assert change["label"] == "Stratify" and "unused" not in change and "problem_types" not in change


def test_an_evaluate_node_of_one_run_only_is_listed_with_its_side():
    """A run that added a Gradient Boosting model and its Evaluate was compared as 'no change'
    on the first model alone: the added model's metrics were left out (found by a new user)."""
    from fasthtml.common import to_xml

    from components.compare import MetricDeltas
    from executor.compare import metric_deltas
    from plugins import registry

    lr = {"values": {"accuracy": 0.7191}, "algorithm": "logistic_regression"}
    gb = {"values": {"accuracy": 0.7815}, "algorithm": "gradient_boosting"}
    a = {"results": {"metrics": {"e": lr}}}
    b = {"results": {"metrics": {"e": lr, "e2": gb}}}
    rows = metric_deltas(a, b, {"e": "Evaluate", "e2": "Evaluate"}, registry.metrics())
    assert [(r["node_id"], r["a"], r["b"], r.get("only")) for r in rows] == [
        ("e", 0.7191, 0.7191, None), ("e2", None, 0.7815, "b")]
    back = metric_deltas(b, a, {"e": "Evaluate", "e2": "Evaluate"}, registry.metrics())  # removed in the later run
    assert [(r["node_id"], r["a"], r["b"], r.get("only")) for r in back] == [
        ("e", 0.7191, 0.7191, None), ("e2", 0.7815, None, "a")]
    html = to_xml(MetricDeltas(rows))
    assert 'data-only="b"' in html and "only in run B" in html and "Gradient Boosting" in html


def test_a_dataset_read_another_way_is_a_difference_and_only_its_content_or_target_draws_other_rows():
    """'ind' set to Ignore on the dataset page, then a run: Compare said "No configuration
    differences" over every metric made worse (found by a new user). What each run's Dataset
    node read (the dataset's version: its content and reading) is compared too. A column
    other than the target read or used otherwise leaves the rows as they were: Compare said
    the runs were scored on different test rows (found by another new user)."""
    from fasthtml.common import to_xml

    from components.compare import ConfigDiff
    from executor.compare import compare_runs
    from nodes.registry import node_types
    from plugins import registry

    graph = {"nodes": [{"id": "d", "type": "dataset", "config": {"dataset_id": "ds_wages", "target_column": "union",
                                                                 "problem_type": "classification"}}], "edges": []}

    def job(jid, at, reading, digest="sha256:" + "ab" * 32):
        version = {"content_hash": digest, "reading": reading}
        return {"id": jid, "status": "completed", "created_at": at, "workflow_id": "wf",
                "nodes": [{"node_id": "d", "output": {"rows": 4165, "columns": 12, "version": version}}],
                "results": {"metrics": {}}}

    a, b = job("job_a", 1.0, {}), job("job_b", 2.0, {"roles": {"ind": "ignore"}})
    cmp = compare_runs(a, b, graph, graph, registry.metrics(), node_types())
    assert cmp["config"]["same"] is False
    [node] = cmp["config"]["nodes_changed"]
    assert [(c["label"], c["old_text"], c["new_text"]) for c in node["changes"]] == [
        ("Use as 'ind'", "as detected", "ignore")]
    assert "rows_note" not in cmp  # the same rows, one column fewer
    assert 'data-field="data.roles.ind"' in to_xml(ConfigDiff(cmp["config"]))
    other = compare_runs(a, job("job_c", 3.0, {}, "sha256:" + "cd" * 32), graph, graph, registry.metrics(),
                         node_types())
    [node] = other["config"]["nodes_changed"]
    assert [(c["label"], c["old_text"], c["new_text"]) for c in node["changes"]] == [
        ("Its data (content hash)", "ab" * 6, "cd" * 6)]
    assert "Its data (content hash)" in other["rows_note"]
    target = compare_runs(a, job("job_e", 5.0, {"types": {"union": "category"}}), graph, graph, registry.metrics(),
                          node_types())
    assert "Read as 'union' as detected → category" in target["rows_note"]  # the target's rows may change
    same = compare_runs(a, job("job_d", 4.0, {}), graph, graph, registry.metrics(), node_types())
    assert same["config"]["same"] is True and "rows_note" not in same


def test_an_edge_between_nodes_of_one_name_says_which_by_id():
    """With two Model nodes, "Connected Train/Test Split → Model" did not say which Model
    (found by a new user): a label two nodes share is followed by the node's id."""
    from executor.compare import config_diff
    from nodes.registry import node_types

    a = graph()
    b = graph()
    b["nodes"].append({"id": "m2", "type": "model", "config": {"algorithm": "logistic_regression"}})
    b["edges"].append({"source": "s", "target": "m2"})
    diff = config_diff(a, b, node_types())
    assert diff["edges_added"] == [{"source": "s", "target": "m2", "source_label": "Train/Test Split",
                                    "target_label": "Model (m2)"}]


def test_a_difference_within_the_test_rows_noise_is_said_so():
    """Compare called accuracy 0.6667 -> 0.7500 on 24 test rows "better" (2 rows; found by a
    new user); the same change on 2,400 rows is beyond the noise and stays plainly better."""
    from executor.compare import metric_deltas
    from plugins import registry

    def job(value, rows):
        return {"results": {"metrics": {"e": {"values": {"accuracy": value}, "algorithm": "logistic_regression",
                                              "facts": {"test_rows": rows}}}}}

    small = metric_deltas(job(16 / 24, 24), job(18 / 24, 24), {"e": "Evaluate"}, registry.metrics())[0]
    assert small["verdict"] == "better" and small["within_noise"] == pytest.approx(
        2 * ((16 / 24 * 8 / 24 / 24) + (18 / 24 * 6 / 24 / 24)) ** 0.5)
    large = metric_deltas(job(1600 / 2400, 2400), job(1800 / 2400, 2400), {"e": "Evaluate"}, registry.metrics())[0]
    assert large["verdict"] == "better" and "within_noise" not in large


@pytest.mark.parametrize("algorithm, before, after", [
    ("logistic_regression", {"C": 1.0}, {"C": 0.5}),  # the page said "1.000 → 0.5000"
    ("logistic_regression", {"max_iter": 1000}, {"max_iter": 2000}),  # "1,000 → 2,000"
    ("logistic_regression", {"tol": 0.0001}, {"tol": 0.001}),  # "0.0001000 → 0.001000"
    ("random_forest", {"max_depth": 2}, {"max_depth": None}),  # "2 → —"
    # near misses, worded alike before too: yes/no, a choice, a small whole number
    ("logistic_regression", {"fit_intercept": True}, {"fit_intercept": False}),
    ("logistic_regression", {"class_weight": "none"}, {"class_weight": "balanced"}),
    ("random_forest", {"n_estimators": 10}, {"n_estimators": 40}),
])
def test_compare_words_a_setting_s_values_as_the_reason_does(algorithm, before, after):
    """The Compare page wrote a setting's value by its own rule (C "1.000", Max iter "1,000",
    a cleared Max depth "—") where the run's Why said "C: 1 → 0.5": one rule
    (plugins.params.value_said) for both, so a value reads the same on either page."""
    import re

    from fasthtml.common import to_xml

    from components.compare import ConfigDiff
    from executor.cache import why
    from executor.compare import config_diff
    from nodes.registry import node_types

    def model(hyperparameters):
        return {"nodes": [{"id": "m", "type": "model", "config": {"algorithm": algorithm,
                                                                  "hyperparameters": hyperparameters}}], "edges": []}

    def key(hyperparameters):
        return {"format": 1, "code": "c", "libraries": {}, "inputs": {},
                "config": {"algorithm": algorithm, "hyperparameters": hyperparameters}}

    html = to_xml(ConfigDiff(config_diff(model(before), model(after), node_types())))
    cells = dict(re.findall(r'<td class="(old|new)">([^<]*)</td>', html))
    [reason] = why(node_types()["model"], key(before), key(after), {})
    assert reason.endswith(f": {cells['old']} → {cells['new']}"), (reason, cells)
