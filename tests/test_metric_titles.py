"""A metric's title has one rule (plugins.registry.metric_name): the leaderboard and the
search panels write it through that rule, as the results, the run log and the gate do, and
keep no lookup of their own (components/leaderboard.py and components/search.py each had
one, a third copy of the rule that could drift from it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fasthtml.common import to_xml

from components.leaderboard import Leaderboard
from components.search import FinishedSearches, LiveSearches, live_trial
from plugins import registry

ROOT = Path(__file__).resolve().parent.parent
SCALAR = sorted(k for k, m in registry.metrics().items() if m.kind == "scalar")
OLDER = "score_of_an_older_run"  # a key no registered metric has: said as it is


def board(keys: list[str], cv_metric: str | None, search: bool) -> str:
    """Two models scored on `keys`, the first at its baseline on the first key."""
    def entry(shift, below):
        e = {"values": {k: 0.5 + i / 10 + shift for i, k in enumerate(keys)}, "algorithm": "ridge",
             "baseline": {k: 0.4 for k in keys},
             "key_metric": {"key": keys[0], "value": 0.4, "baseline": 0.4, "below_baseline": below, "se": 0.01,
                            "test_rows": 400}}
        if cv_metric:
            e["cv"] = {"metric": cv_metric, "mean": 0.7, "std": 0.01, "folds": [0.69, 0.7, 0.71]}
        if search:
            e["search"] = {"metric": cv_metric, "best_value": 0.8, "n_trials": 9}
        return e

    job = {"results": {"metrics": {"a": entry(0.0, True), "b": entry(0.05, False)}}, "nodes": []}
    return to_xml(Leaderboard(job, {}, registry.metrics(), {}))


def title(key) -> str:
    return registry.metrics()[key].name if key in registry.metrics() else key


@pytest.mark.parametrize("key", [*SCALAR, OLDER])
@pytest.mark.parametrize("search", [False, True])
def test_the_leaderboard_writes_every_metric_by_its_one_title(key, search):
    other = "accuracy" if key != "accuracy" else "r2"
    html = board([key, other], key, search)
    name = registry.metric_name(key)
    assert name == title(key)
    if key in registry.metrics():
        assert name != key  # the test means something: a title unlike its key
    assert f"{name}<span class=\"arrow\">" in html  # its column
    assert f"CV {name} (training rows)" in html  # the CV column, one metric for every model
    assert f"best first by {name} on the test rows" in html
    assert f"No better than the baseline on {name} (" in html
    what = "selection score" if search else "3-fold CV"
    assert f'title="{name}, {what} on the training rows"' in html  # each model's CV cell
    if key in registry.metrics():
        assert f">{key}<" not in html and f"on {key} " not in html  # never the key where a title is known


def searched(metric):
    trials = [{"number": 0, "value": 0.8, "params": {"C": 1.0}, "state": "complete", "metric": metric},
              {"number": 1, "value": 0.9, "params": {"C": 2.0}, "state": "complete", "metric": metric}]
    job = {"id": "j", "nodes": [{"node_id": "m", "output": {"algorithm": "logistic_regression", "optuna": {
        "trials": trials, "metric": metric, "direction": "maximize", "n_trials": 2, "folds": 3,
        "best_params": {"C": 2.0}}}}]}
    after = "".join(to_xml(s) for s in FinishedSearches(job, {}, registry.models()))
    live = to_xml(LiveSearches({"m": trials}, {"m": "logistic_regression"}, {}, registry.models()))
    event = {"number": 1, "value": 0.9, "best": 0.9, "best_number": 1, "params": {"C": 2.0}, "metric": metric,
             "n_trials": 2, "direction": "maximize"}
    return after, live, live_trial(event)


@pytest.mark.parametrize("key", [*SCALAR, OLDER])
def test_a_search_writes_its_metric_by_the_same_title_live_and_after_the_run(key):
    name = registry.metric_name(key)
    after, live, view = searched(key)
    for html in (after, live, view["best"]):
        assert f"best {name} 0.9000 at trial 2" in html, html
    assert view["label"].startswith(f"{name} by trial: {{done}} finished")
    assert f"Selection score: {name}, best of 2 trials" in after


def test_a_search_whose_trials_name_no_metric_says_value():
    after, live, view = searched(None)
    assert "best value 0.9000 at trial 2" in after and "best value 0.9000 at trial 2" in live
    assert view["label"].startswith("value by trial")


def test_no_component_keeps_its_own_copy_of_the_metric_title_rule():
    """The rule is plugins.registry.metric_name; a component that looks a metric's `.name`
    up itself is a second copy of it."""
    copies = []
    for path in sorted((ROOT / "components").glob("*.py")):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"metrics_registry\[[^\]]+\]\.name|\bm(etric)?\.name if m(etric)?\b", line):
                copies.append(f"{path.name}:{n}: {line.strip()}")
    assert copies == [], copies
