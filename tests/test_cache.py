"""The per-node cache (executor/cache.py), through a real app with real workers on a home
folder of its own: what a re-run reuses, what it runs again and why, across a restart,
within its size bound, and never when the result could differ."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, running_app, wait_for, write_dist_info

CACHE_ENV = {"PLAYGROUND_CACHE_MB": "256"}


def call(base, path, body=None, method=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method or ("POST" if data is not None else "GET"),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read().decode() or "null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read().decode() or "null")


def graph(seed=42, plots=("confusion_matrix",), n_estimators=20, algorithm="random_forest", dataset="wine",
          metrics=("accuracy", "f1")):
    nodes = [
        {"id": "d", "type": "dataset", "config": {"dataset_id": dataset, "target_column": "target",
                                                   "problem_type": "classification"}},
        {"id": "s", "type": "split", "config": {"test_size": 0.3, "random_seed": seed}},
        {"id": "m", "type": "model", "config": {"algorithm": algorithm,
                                                "hyperparameters": {"n_estimators": n_estimators}
                                                if algorithm == "random_forest" else {}}},
        {"id": "e", "type": "evaluate", "config": {"metrics": list(metrics)}},
        {"id": "v", "type": "visualize", "config": {"plots": list(plots)}},
    ][:5 if plots else 4]
    ids = [n["id"] for n in nodes]
    return {"nodes": nodes, "edges": [{"source": a, "target": b} for a, b in zip(ids, ids[1:])]}


def run(base, wf_id, rerun=None) -> dict:
    status, body = call(base, f"/api/v1/workflows/{wf_id}/run", {"rerun": rerun} if rerun else {})
    assert status == 202, body
    job_id = body["job_id"]
    assert wait_for(lambda: call(base, f"/api/v1/jobs/{job_id}")[1]["status"] in ("completed", "failed"), 120)
    job = call(base, f"/api/v1/jobs/{job_id}")[1]
    assert job["status"] == "completed", job
    job["answer"] = body
    return job


def statuses(job) -> dict:
    return {n["node_id"]: n["status"] for n in job["nodes"]}


def reasons(job) -> dict:
    return {nid: n.get("reason") for nid, n in job["results"]["nodes"].items()}


def save(base, wf_id, g):
    status, body = call(base, f"/api/v1/workflows/{wf_id}", g, method="PUT")
    assert status == 200, body


@pytest.fixture(scope="module")
def app():
    home = tempfile.mkdtemp(prefix="playground-cache-")
    with running_app("--workers", "2", env=CACHE_ENV, home=home, timeout=60) as a:
        yield a


@pytest.fixture
def wf(app):
    status, body = call(app.base, "/api/v1/workflows", {"name": f"cache {time.monotonic()}", **graph()})
    assert status == 201
    return body["id"]


def test_an_unchanged_rerun_is_all_cached_with_the_same_metrics_and_plots(app, wf):
    # a seed of its own: no other test's run can have filled these keys
    save(app.base, wf, graph(seed=101))
    first = run(app.base, wf)
    assert set(statuses(first).values()) == {"completed"}
    # a first run says so in the Why column (it was empty)
    assert set(reasons(first).values()) == {"first run of this node in this workflow"}, reasons(first)
    again = run(app.base, wf)
    assert set(statuses(again).values()) == {"cached"}
    assert again["answer"]["reused"] == ["d", "e", "m", "s", "v"]  # the estimate knew
    assert again["results"]["metrics"] == first["results"]["metrics"]
    for nid, n in again["results"]["nodes"].items():
        assert n["reused_from"] == first["id"], nid
        assert n["output"] == first["results"]["nodes"][nid]["output"] or nid in ("m", "v")  # new artifact ids
    # the plot and the model are this run's own artifacts, downloadable with it
    plot = again["results"]["plots"][0]
    assert plot["artifact_id"] != first["results"]["plots"][0]["artifact_id"]
    req = urllib.request.urlopen(f"{app.base}/api/v1/jobs/{again['id']}/artifacts/{plot['artifact_id']}")
    assert req.read()[:4] == b"\x89PNG"
    model = next(n for n in again["nodes"] if n["node_id"] == "m")["output"]["model_artifact_id"]
    assert model != next(n for n in first["nodes"] if n["node_id"] == "m")["output"]["model_artifact_id"]
    assert urllib.request.urlopen(f"{app.base}/api/v1/jobs/{again['id']}/artifacts/{model}").status == 200
    # and the results offer the reused model as the run's own: download, Score a file, Deploy… (they were
    # missing on a run whose model was reused, though its bundle could be fetched)
    html = urllib.request.urlopen(f"{app.base}/ui/jobs/{again['id']}/results").read().decode()
    assert 'data-trained-model="m"' in html and 'data-score-model="m"' in html and 'data-deploy-open="m"' in html
    # the node table says reused, as the canvas badge does, in the order the run took the nodes
    assert html.count('<span class="pill cached">reused</span>') == 5
    order = [html.index(f'data-why="{nid}"') for nid in ("d", "s", "m", "e", "v")]
    assert order == sorted(order)


def test_a_visualize_only_change_runs_only_visualize_and_says_why(app, wf):
    save(app.base, wf, graph(seed=102))
    run(app.base, wf)
    save(app.base, wf, graph(seed=102, plots=("confusion_matrix", "feature_importance")))
    job = run(app.base, wf)
    assert statuses(job) == {"d": "cached", "s": "cached", "m": "cached", "e": "cached", "v": "completed"}
    why = reasons(job)["v"]
    assert "Plots: added 'Feature importance'" in why, why  # by its name, as the results say it
    assert len(job["results"]["plots"]) == 2
    # reused nodes and one that ran, in the order the run took them (the reused ones were listed last)
    html = urllib.request.urlopen(f"{app.base}/ui/jobs/{job['id']}/results").read().decode()
    order = [html.index(f'data-why="{nid}"') for nid in ("d", "s", "m", "e", "v")]
    assert order == sorted(order)


def test_a_metric_list_change_runs_only_evaluate_and_the_plots_below_it_are_reused(app, wf):
    """Ticking ROC AUC in Evaluate re-ran the Visualize below it ("its input 'model' changed
    (node 'evaluate')"): the plots draw the model, which had not changed (found by a new
    user). Evaluate hands on its input model's key (NodeType.carries), which Visualize takes."""
    save(app.base, wf, graph(seed=103))
    run(app.base, wf)
    save(app.base, wf, graph(seed=103, metrics=("accuracy", "f1", "roc_auc")))
    job = run(app.base, wf)
    assert statuses(job) == {"d": "cached", "s": "cached", "m": "cached", "e": "completed", "v": "cached"}, reasons(job)
    assert reasons(job)["e"] == "Metrics: added 'ROC AUC'", reasons(job)  # by name, and only what changed
    # a new model still re-draws the plots
    save(app.base, wf, graph(seed=103, n_estimators=21, metrics=("accuracy", "f1", "roc_auc")))
    job = run(app.base, wf)
    assert statuses(job)["v"] == "completed" and statuses(job)["m"] == "completed"


def test_a_changed_list_setting_is_said_by_what_was_added_and_removed():
    """The reason a node ran again showed two lists cut at 60 characters (Plots: ["feature_
    importance", "confusion_matrix", "roc_curve"] → ["confusion_matrix", "roc_curve", "…),
    which hid the plot that was added; over lists that gain, lose, gain and lose, or only
    reorder items, the reason names exactly what changed."""
    import random

    from executor.cache import why
    from nodes.registry import node_types
    from plugins import registry

    nt = node_types()["visualize"]
    plots = ["confusion_matrix", "roc_curve", "precision_recall_curve", "feature_importance", "learning_curve",
             "shap_summary"]
    name = {p: registry.plots()[p].name for p in plots}  # each said by its name, not its key
    rng = random.Random(5)
    for _ in range(200):
        before = rng.sample(plots, rng.randint(1, 6))
        now = rng.sample(plots, rng.randint(1, 6))
        key = {"format": 1, "code": "c", "libraries": {}, "config": None, "inputs": {}}
        said = why(nt, {**key, "config": {"plots": before}}, {**key, "config": {"plots": now}}, {})
        added, removed = [p for p in now if p not in before], [p for p in before if p not in now]
        if before == now:
            assert said == ["its key changed"]
            continue
        [line] = said
        assert line.startswith("Plots: ")
        for p in added:
            assert f"'{name[p]}'" in line.split("removed")[0] and line.startswith("Plots: added"), (before, now, line)
        for p in removed:
            assert f"'{name[p]}'" in line.split("removed", 1)[1], (before, now, line)
        if not added and not removed:
            assert line == "Plots: the same, in another order"


def step(method, columns, **parameters):
    return {"method": method, "parameters": {"columns": columns, **parameters}}


@pytest.mark.parametrize("before, now, said", [
    # a third or later column changed: the step's name shows two and "… +N", so the reason was
    # "its settings changed" (found by a new user)
    ([step("onehot_encoder", ["sex", "class", "deck"])], [step("onehot_encoder", ["sex", "class", "deck", "age"])],
     "Steps: 'One-hot encoder (sex, class … +2)': columns added 'age'"),
    ([step("onehot_encoder", ["sex", "class", "deck", "town"])],
     [step("onehot_encoder", ["sex", "class", "deck", "embarked"])],
     "Steps: 'One-hot encoder (sex, class … +2)': columns added 'embarked'; removed 'town'"),
    ([step("standard_scaler", ["age", "fare", "sibsp"]), step("onehot_encoder", ["sex", "class", "deck"])],
     [step("standard_scaler", ["age", "fare"]), step("onehot_encoder", ["sex", "class", "deck"])],
     "Steps: 'Standard scaler (age, fare)': columns removed 'sibsp'"),
    ([step("standard_scaler", ["age", "fare"])], [step("standard_scaler", ["age", "sibsp"])],
     "Steps: 'Standard scaler (age, sibsp)': columns added 'sibsp'; removed 'fare'"),
    # near misses: another setting, a step added, steps reordered: said as before
    ([step("onehot_encoder", ["sex", "class", "deck"])],
     [step("onehot_encoder", ["sex", "class", "deck"], drop_first=True)],
     "Steps: added 'One-hot encoder (sex, class … +1) with Drop first category: yes'; "
     "removed 'One-hot encoder (sex, class … +1)'"),
    ([step("onehot_encoder", ["sex", "class", "deck"])],
     [step("onehot_encoder", ["sex", "class", "deck"]), step("standard_scaler", ["age"])],
     "Steps: added 'Standard scaler (age)'"),
    ([step("standard_scaler", ["age", "fare", "sibsp"]), step("onehot_encoder", ["sex", "class", "deck"])],
     [step("onehot_encoder", ["sex", "class", "deck"]), step("standard_scaler", ["age", "fare", "sibsp"])],
     "Steps: the same, in another order"),
])
def test_a_step_s_changed_columns_are_named_in_the_reason(before, now, said):
    from executor.cache import why
    from nodes.registry import node_types

    key = {"format": 1, "code": "c", "libraries": {}, "inputs": {}}
    assert why(node_types()["preprocessing"], {**key, "config": {"operations": before}},
               {**key, "config": {"operations": now}}, {}) == [said]


def test_a_split_seed_change_runs_the_split_and_below_and_names_the_seed(app, wf):
    save(app.base, wf, graph(seed=103))
    run(app.base, wf)
    save(app.base, wf, graph(seed=7))
    job = run(app.base, wf)
    assert statuses(job) == {"d": "cached", "s": "completed", "m": "completed", "e": "completed",
                             "v": "completed"}
    why = reasons(job)
    assert why["s"] == "Random seed: 103 → 7", why
    assert why["m"] == "its input from 'Train/Test Split' changed", why


def test_a_reason_names_the_node_above_as_the_canvas_titles_it(app):
    """A new user read "its input from node 'split-1' changed" beside a node the canvas titles
    "Train/Test Split": a reason names the node by its title (the user's label, else its
    type's), with its id only where two nodes share a title; never the id alone, nor a port."""
    def two_models(seed, label_split=None, label_m2=None):
        nodes = [{"id": "d", "type": "dataset", "config": {"dataset_id": "wine", "target_column": "target",
                                                            "problem_type": "classification"}},
                 {"id": "split-1", "type": "split", "config": {"test_size": 0.3, "random_seed": seed},
                  **({"label": label_split} if label_split else {})},
                 {"id": "m1", "type": "model", "config": {"algorithm": "logistic_regression"}},
                 {"id": "m2", "type": "model", "config": {"algorithm": "decision_tree"},
                  **({"label": label_m2} if label_m2 else {})},
                 {"id": "e1", "type": "evaluate", "config": {"metrics": ["accuracy"]}},
                 {"id": "e2", "type": "evaluate", "config": {"metrics": ["accuracy"]}}]
        pairs = (("d", "split-1"), ("split-1", "m1"), ("split-1", "m2"), ("m1", "e1"), ("m2", "e2"))
        return {"nodes": nodes, "edges": [{"source": a, "target": b} for a, b in pairs]}

    wf = call(app.base, "/api/v1/workflows", {"name": "names", **two_models(201)})[1]["id"]
    run(app.base, wf)
    # each case: the graph saved, then what each node's reason must say (and must not)
    cases = [
        # no labels: the Split by its type's title; the two Models share one, so their ids are said
        (two_models(202), {"m1": "its input from 'Train/Test Split' changed",
                           "m2": "its input from 'Train/Test Split' changed",
                           "e1": "its input from 'Model (m1)' changed", "e2": "its input from 'Model (m2)' changed"}),
        # the user's own labels: said as they are, no id where the title is the node's alone
        (two_models(203, "Hold-out 30%", "Tree"), {"m1": "its input from 'Hold-out 30%' changed",
                                                    "e1": "its input from 'Model' changed",
                                                    "e2": "its input from 'Tree' changed"}),
        # a label that is another node's type title makes the two share it: both told apart
        (two_models(204, "Hold-out 30%", "Model"), {"e1": "its input from 'Model (m1)' changed",
                                                     "e2": "its input from 'Model (m2)' changed"}),
    ]
    for g, expected in cases:
        save(app.base, wf, g)
        why = reasons(run(app.base, wf))
        for nid, said in expected.items():
            assert why[nid] == said, (nid, why)
        assert not any("split-1" in (r or "") or "'model'" in (r or "") for r in why.values()), why
    job = run(app.base, wf, rerun=["m2"])
    forced = reasons(job)
    assert forced["m2"] == "forced: this node was asked to run again"
    assert forced["e2"] == "forced: node 'Model (m2)' above it was asked to run again", forced
    assert forced["e1"].startswith("reused from run ")  # nothing forced on the other branch
    # the results' Why column says the same
    html = urllib.request.urlopen(f"{app.base}/ui/jobs/{job['id']}/results").read().decode()
    assert "forced: node &#x27;Model (m2)&#x27; above it" in html or "forced: node 'Model (m2)' above it" in html


def test_a_preprocessing_step_is_said_by_its_inspector_name_with_its_settings_as_other_reasons_say_them(app):
    """A new user read "Steps: added 'one-hot (Drop first category no, Max categories per column
    50)'" where the inspector says "One-hot encoder": a step is said by that name, with only the
    settings that differ from their defaults, each as "Title: value" by the rule every reason
    words a setting with (yes/no, "30%"), never "Drop first category no"."""
    import numpy as np
    import pandas as pd

    from tests.test_script_export import upload

    rng = np.random.default_rng(3)
    n = 240
    frame = pd.DataFrame({"hincome": rng.integers(2, 45, n), "children": rng.choice(["absent", "present"], n),
                          "region": rng.choice(["Atlantic", "BC", "Ontario", "Prairie", "Quebec"], n)})
    frame["partic"] = np.where(frame["hincome"] + rng.normal(0, 8, n) > 20, "not.work", "fulltime")
    dataset = upload(app.base, frame, "womenlf-like")

    def prep(ops, test_size=0.3):
        nodes = [{"id": "d", "type": "dataset", "config": {"dataset_id": dataset, "target_column": "partic",
                                                            "problem_type": "classification"}},
                 {"id": "p", "type": "preprocessing", "config": {"operations": ops}},
                 {"id": "s", "type": "split", "config": {"test_size": test_size, "random_seed": 5}},
                 {"id": "m", "type": "model", "config": {"algorithm": "logistic_regression"}}]
        return {"nodes": nodes, "edges": [{"source": a, "target": b} for a, b in (("d", "p"), ("p", "s"), ("s", "m"))]}

    onehot = {"method": "onehot_encoder", "parameters": {"drop_first": False, "max_categories": 50, "columns": []}}
    dropping = {"method": "onehot_encoder", "parameters": {"drop_first": True, "max_categories": 50, "columns": []}}
    marking = {"method": "mark_missing", "parameters": {"values": [-99, 999], "columns": ["hincome"]}}
    scaling = {"method": "standard_scaler", "parameters": {"columns": ["hincome"]}}
    wf = call(app.base, "/api/v1/workflows", {"name": "steps", **prep([])})[1]["id"]
    run(app.base, wf)
    cases = [  # (the steps saved, what the Preprocessing node's reason says)
        (prep([onehot]), "Steps: added 'One-hot encoder'"),  # its defaults: nothing more to say
        (prep([dropping]), "Steps: added 'One-hot encoder with Drop first category: yes'; removed 'One-hot encoder'"),
        (prep([marking, dropping]),
         "Steps: added 'Mark values as missing (hincome) with Values that mean missing: -99, 999'"),
        (prep([marking, dropping, scaling]), "Steps: added 'Standard scaler (hincome)'"),
        (prep([dropping, scaling]),
         "Steps: removed 'Mark values as missing (hincome) with Values that mean missing: -99, 999'"),
    ]
    for g, said in cases:
        save(app.base, wf, g)
        why = reasons(run(app.base, wf))
        assert why["p"] == said, why
        assert why["s"] == "its input from 'Preprocessing' changed", why
        for wrong in ("one-hot", "Drop first category no", "Max categories per column", "mark missing", "standardise"):
            assert wrong not in why["p"], (wrong, why["p"])
    # a setting of another node is worded by the same rule: a percentage as the inspector shows it
    save(app.base, wf, prep([dropping, scaling], test_size=0.25))
    assert reasons(run(app.base, wf))["s"] == "Test size: 30% → 25%"


def test_a_forced_rerun_runs_every_node_and_a_forced_node_runs_with_what_is_below(app, wf):
    save(app.base, wf, graph(seed=104))
    first = run(app.base, wf)
    forced = run(app.base, wf, rerun="all")
    assert set(statuses(forced).values()) == {"completed"}
    assert all(r.startswith("forced") for r in reasons(forced).values())
    assert forced["results"]["metrics"]["e"]["values"] == first["results"]["metrics"]["e"]["values"]
    one = run(app.base, wf, rerun=["m"])
    assert statuses(one) == {"d": "cached", "s": "cached", "m": "completed", "e": "completed", "v": "completed"}, reasons(one)
    assert reasons(one)["m"] == "forced: this node was asked to run again"
    assert call(app.base, f"/api/v1/workflows/{wf}/run", {"rerun": ["nope"]})[0] == 422


def test_a_deleted_or_altered_stored_result_makes_the_node_run_again(app, wf):
    save(app.base, wf, graph(seed=105))
    first = run(app.base, wf)
    home = Path(app.home) / "cache"
    records = {d: json.loads((d / "record.json").read_text()) for d in home.iterdir() if (d / "record.json").exists()}
    # the nodes' entries (a plot's own entry, kept for a Visualize change, has a "part")
    entries = {r["node_id"]: d for d, r in records.items() if r["job_id"] == first["id"] and "part" not in r}
    (entries["v"] / "a0.bin").unlink()  # the plot's file
    with open(entries["m"] / "output.pkl", "r+b") as f:  # the model, one byte changed
        f.seek(100)
        byte = f.read(1)
        f.seek(100)
        f.write(bytes([byte[0] ^ 0xFF]))
    job = run(app.base, wf)
    # the model is trained again (to the same key), so the Evaluate node below it is still reused
    assert statuses(job) == {"d": "cached", "s": "cached", "m": "completed", "e": "cached", "v": "completed"}
    assert "could not be used" in reasons(job)["m"] and "damaged" in reasons(job)["m"], reasons(job)
    assert "missing" in reasons(job)["v"], reasons(job)
    assert job["results"]["metrics"] == first["results"]["metrics"]


def test_an_unseeded_model_is_never_reused_and_says_so():
    site = write_dist_info(Path(tempfile.mkdtemp(prefix="playground-site-")), "unseeded-plugin",
                           {"unseeded_forest": "tests.plugins_extra.unseeded_model:PLUGIN"})
    path = os.pathsep.join(filter(None, [str(site), str(ROOT), os.environ.get("PYTHONPATH")]))
    with running_app("--workers", "1", env={**CACHE_ENV, "PYTHONPATH": path}, timeout=60) as a:
        wf = call(a.base, "/api/v1/workflows", {"name": "unseeded", **graph(algorithm="unseeded_forest",
                                                                             plots=(), metrics=("accuracy",))})[1]["id"]
        run(a.base, wf)
        job = run(a.base, wf)
        assert statuses(job)["s"] == "cached"
        assert statuses(job)["m"] == "completed" and statuses(job)["e"] == "completed"
        assert reasons(job)["m"] == ("not reused: seed not fixed: Unseeded forest does not take its randomness "
                                     "from the seed"), reasons(job)
        assert reasons(job)["e"] == "not reused: its input from 'Model' cannot be reused"


def test_the_cache_outlives_a_restart_and_keeps_its_bound():
    home = tempfile.mkdtemp(prefix="playground-cache-restart-")
    with running_app("--workers", "1", env=CACHE_ENV, home=home, timeout=60) as a:
        wf = call(a.base, "/api/v1/workflows", {"name": "restart", **graph(seed=3)})[1]["id"]
        first = run(a.base, wf)
    with running_app("--workers", "1", env=CACHE_ENV, home=home, timeout=60) as a:
        job = run(a.base, wf)
        assert set(statuses(job).values()) == {"cached"}
        assert job["results"]["metrics"] == first["results"]["metrics"]
    one_run = sum(f.stat().st_size for d in (Path(home) / "cache").iterdir() for f in d.iterdir())
    bound = one_run * 1.5  # room for one run's entries, not two
    with running_app("--workers", "1", env={"PLAYGROUND_CACHE_MB": str(bound / 2**20)}, home=home, timeout=60) as a:
        for seed in (11, 12, 13):
            save(a.base, wf, graph(seed=seed))
            run(a.base, wf)
            kept = [d for d in (Path(home) / "cache").iterdir() if not d.name.startswith(".")]
            total = sum(f.stat().st_size for d in kept for f in d.iterdir() if f.name != "record.json")
            assert 0 < total <= bound, (total, bound)
        # the newest run's entries are the most recently used: all kept
        job = run(a.base, wf)
        assert set(statuses(job).values()) == {"cached"}, reasons(job)
        # the first run's were the least recently used: gone, so its nodes run again
        save(a.base, wf, graph(seed=3))
        old = run(a.base, wf)
        assert {n: s for n, s in statuses(old).items() if n != "d"} == dict.fromkeys("smev", "completed")
        assert old["results"]["metrics"] == first["results"]["metrics"]
    shutil.rmtree(home, ignore_errors=True)


def test_switching_the_algorithm_says_the_algorithm_and_the_new_ones_settings_only():
    """Random Forest (300 trees) → Logistic Regression read "Trees: 300 → not set" and "C: not
    set → 1.0" and every other parameter of both (found by a new user)."""
    from executor.cache import why
    from nodes.registry import node_types

    nt = node_types()["model"]
    base = {"format": 1, "node_type": "model", "code": "c", "libraries": {}, "inputs": {}}
    old = {**base, "config": {"algorithm": "random_forest", "hyperparameters": {"n_estimators": 300, "max_depth": 4}}}
    new = {**base, "config": {"algorithm": "logistic_regression", "hyperparameters": {"C": 1.0}}}
    assert why(nt, old, new, {}) == ["Algorithm: Random Forest → Logistic Regression"]
    given = {**base, "config": {"algorithm": "logistic_regression", "hyperparameters": {"C": 0.5}}}
    said = why(nt, old, given, {})
    assert said[0] == "Algorithm: Random Forest → Logistic Regression" and len(said) == 2 and said[1].endswith(
        ": not set → 0.5"), said
    same = {**base, "config": {"algorithm": "random_forest", "hyperparameters": {"n_estimators": 100, "max_depth": 4}}}
    assert why(nt, old, same, {}) == ["Trees: 300 → 100"]
    # values as the results write them, not as JSON (a reason read "null → accuracy", "false → true")
    tuned = {**base, "config": {**same["config"], "use_optuna": True, "optuna_metric": "accuracy"}}
    assert why(nt, same, tuned, {}) == ["Optuna search: no → yes", "Metric to optimise: not set → accuracy"], \
        why(nt, same, tuned, {})


def test_the_code_version_is_the_code_the_process_loaded_not_the_file_changed_under_it():
    """After a `git pull` without a restart the files on disk are code the running process
    does not run: a node's key hashed them, so results of the old code were stored under the
    new code's key (and served to a restarted app running the new code). The key hashes the
    text each project module was loaded from; a file never loaded is hashed from the disk."""
    import hashlib
    import importlib
    import sys
    import uuid

    from executor import cache

    folder = ROOT / "var" / f"test-code-version-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    name = f"keep_{uuid.uuid4().hex[:8]}"
    module_file = folder / f"{name}.py"
    module_file.write_text("ANSWER = 1\n")
    unloaded = folder / "never_loaded.py"
    unloaded.write_text("ANSWER = 3\n")
    sys.path.insert(0, str(folder))
    try:
        importlib.import_module(name)
        module_file.write_text("ANSWER = 2\n")  # the pull
        unloaded.write_text("ANSWER = 4\n")
        assert cache._file_digest(str(module_file)) == hashlib.sha256(b"ANSWER = 1\n").hexdigest()
        assert cache._file_digest(str(unloaded)) == hashlib.sha256(b"ANSWER = 4\n").hexdigest()
        assert cache._file_digest(str(folder / "gone.py")) == "missing"
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop(name, None)
        shutil.rmtree(folder)


def test_a_table_read_again_by_another_version_of_the_reader_is_not_served_from_the_cache(app, tmp_path):
    """A new user uploaded a sheet whose zeros Excel wrote '$-': the column was text. After an
    upgrade read '$-' as 0, the same file uploaded again was the same dataset (its content hash,
    its reading options), and Run reused every node trained on the old reading. The version of
    the reader that stored the table is part of the dataset's version: a table another reader
    stored is other data, said; the same file uploaded again by the same reader is no change."""
    import sqlite3

    from bench.server import upload
    from tests import realdata

    data = realdata.csv_bytes(realdata.penguins())
    status, ds = upload(app.base, "penguins-reader.csv", data)
    assert status == 201 and ds["reading"]["reader"], ds
    g = graph(plots=(), dataset=ds["id"])
    g["nodes"][0]["config"].update(target_column="species")
    status, body = call(app.base, "/api/v1/workflows", {"name": f"reader {time.monotonic()}", **g})
    wf = body["id"]
    first = run(app.base, wf)
    assert set(statuses(run(app.base, wf)).values()) == {"cached"}
    # near miss: the same file uploaded again, read by the same reader, is the same data
    assert upload(app.base, "penguins-reader.csv", data)[0] == 201
    assert set(statuses(run(app.base, wf)).values()) == {"cached"}
    # the table as an earlier version of the app stored it (its row says which reader read it)
    db = sqlite3.connect(Path(app.home) / "playground.db")
    reading = json.loads(db.execute("SELECT reading FROM datasets WHERE id = ?", [ds["id"]]).fetchone()[0])
    db.execute("UPDATE datasets SET reading = ? WHERE id = ?", [json.dumps({**reading, "reader": "0ld0ld0ld0ld0ld0"}),
                                                              ds["id"]])
    db.commit()
    db.close()
    older = run(app.base, wf)
    assert set(statuses(older).values()) == {"completed"}, statuses(older)
    said = reasons(older)["d"]
    assert ("The app's file reader: version " + ds["reading"]["reader"] + " → version 0ld0ld0ld0ld0ld0 (the file "
            "read again by another version of the app)") in said, said
    # uploaded again by this version: the first run's results are this data's again
    assert upload(app.base, "penguins-reader.csv", data)[0] == 201
    back = run(app.base, wf)
    assert set(statuses(back).values()) == {"cached"}, statuses(back)
    assert back["results"]["metrics"] == first["results"]["metrics"]
