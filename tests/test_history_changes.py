"""Each run in History says what differed from the workflow's run before, from the reasons
its nodes gave for running (the cache's "Why it re-ran"), said once where the change was
made, not again at every node below it (found by a new user: four of six History rows
looked the same; only Compare said what had changed)."""

from __future__ import annotations

import html
import urllib.request

from executor.cache import FIRST_RUN, FORCED_ALL, what_changed
from tests.test_cache import app, graph, run, save, wf  # noqa: F401  (app and wf are fixtures)


def history_rows(base, wf_id) -> str:
    with urllib.request.urlopen(f"{base}/ui/workflows/{wf_id}/history", timeout=30) as r:
        return html.unescape(r.read().decode())


def test_history_says_what_changed_from_the_run_before(app, wf):  # noqa: F811
    save(app.base, wf, graph(seed=110, n_estimators=20))
    first = run(app.base, wf)
    assert first["results"]["changed"] == "first run"
    save(app.base, wf, graph(seed=7, n_estimators=20))
    seed = run(app.base, wf)
    assert seed["results"]["changed"] == "Train/Test Split: Random seed: 110 → 7"  # not again at Model, Evaluate…
    save(app.base, wf, graph(seed=7, n_estimators=50))
    trees = run(app.base, wf)
    assert trees["results"]["changed"].startswith("Model: ") and "20 → 50" in trees["results"]["changed"]
    same = run(app.base, wf)
    assert same["results"]["changed"] == "nothing changed: every node reused"
    assert run(app.base, wf, rerun="all")["results"]["changed"] == "run all again"
    rows = history_rows(app.base, wf)
    for said in ("first run", "Train/Test Split: Random seed: 110 → 7", trees["results"]["changed"],
                 "nothing changed: every node reused", "run all again"):
        assert said in rows, said
    assert rows.count("data-changed=") == 5


def test_what_changed_names_each_change_where_it_was_made():
    names = {"d": "Dataset", "s": "Split", "m": "Model", "m2": "Model (m2)", "e": "Evaluate"}
    assert what_changed({}, names) == ""
    assert what_changed({"d": None, "s": None}, names) == "nothing changed: every node reused"
    assert what_changed({"d": FIRST_RUN, "s": FIRST_RUN}, names) == "first run"
    # a Retrain decides from the rounds of its own run: never reused, and no change of the workflow
    assert what_changed({"d": FIRST_RUN, "r": "not reused: a Retrain node decides"}, names) == "first run"
    assert what_changed({"d": FORCED_ALL, "s": FORCED_ALL}, names) == "run all again"
    assert what_changed({"d": None, "s": None, "m2": FIRST_RUN, "e": "its input from node 'm2' changed"},
                        names) == "added Model (m2)"
    assert what_changed({"s": "Random seed: 1 → 2", "m": "Trees: 100 → 50; its input from node 's' changed",
                         "e": "its input from node 'm' changed"}, names) == "Split: Random seed: 1 → 2; Model: Trees: 100 → 50"
    assert what_changed({"m": "forced: this node was asked to run again", "e": "forced: node 'm' above it was asked "
                         "to run again"}, names) == "Model: this node was asked to run again"
    assert what_changed({"d": None, "m": "not reused: it has no random seed"}, names) == "nothing changed"
    many = {k: f"{k}: 1 → 2" for k in "dsme"}
    assert what_changed(many, names).endswith("; and 1 more")
