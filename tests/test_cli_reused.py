"""The CLI's lines of what a node reused from the node cache replays (its warnings, trials,
plots drawn: events carrying `reused_from`) say where they are from, as the page's run log
does ("· reused from run X", "an earlier round of this run" for a loop's kept round), and
never mark a line of this run's own work. Real runs on a real cache (a home folder of the
test's own), each event printed by the CLI's own rule (executor.__main__.event_line)."""

from __future__ import annotations

import re

import pytest

from data.config import Settings
from data.store import Store
from executor.__main__ import event_line
from executor.cache import NodeCache
from executor.engine import run_workflow

IRIS = {"dataset_id": "iris", "target_column": "target", "problem_type": "classification"}
REPLAYS = ("node_warning", "node_trial", "node_log")  # what a reused node says again


def node(id, type, config=None):
    return {"id": id, "type": type, "config": config or {}}


def chain(plots=("confusion_matrix",), trials=3):
    nodes = [node("d", "dataset", IRIS), node("s", "split", {"test_size": 0.3, "random_seed": 5}),
             node("m", "model", {"algorithm": "logistic_regression", "use_optuna": True, "optuna_trials": trials}),
             node("e", "evaluate", {"metrics": ["accuracy"]}), node("v", "visualize", {"plots": list(plots)})]
    ids = [n["id"] for n in nodes]
    return {"nodes": nodes, "edges": [{"source": a, "target": b} for a, b in zip(ids, ids[1:])]}


@pytest.fixture
def store(tmp_path):
    return Store(Settings(home=tmp_path, redis_url=None, job_time_limit=60, max_upload_bytes=2**20))


def run(store, workflow, job_id):
    events = []
    result = run_workflow(workflow, events.append, job_id=job_id, cache=NodeCache(store, "wf", job_id),
                          save_artifact=lambda kind, name, data, mime, node_id="": f"{job_id}-{name}")
    assert result["status"] == "completed", result.get("error")
    labels = {n["id"]: n["type"] for n in workflow["nodes"]}
    lines = [(e, event_line(e, labels, 1.0, job_id=job_id)) for e in events]
    return [(e, line) for e, line in lines if line is not None]


def test_a_first_run_marks_nothing(store):
    lines = run(store, chain(), "job-1")
    assert [line for _, line in lines if "trial " in line]  # the search's trials are printed
    assert not [line for _, line in lines if "reused" in line]


def test_every_line_a_reused_node_replays_says_the_run_it_is_from(store):
    run(store, chain(), "job-1")
    lines = run(store, chain(), "job-2")
    said = [(e, line) for e, line in lines if e["type"] in REPLAYS]
    kinds = {e["type"] for e, _ in said if e.get("reused_from") == "job-1"}
    assert {"node_trial", "node_log", "node_warning"} <= kinds, kinds  # trials, plots drawn, a library's warning
    for e, line in said:  # today's advice (its inspector's) is this run's own word: not marked
        assert line.endswith(" · reused from run job-1") == bool(e.get("reused_from")), line
        assert line.count("reused") == (1 if e.get("reused_from") else 0), line
    # the reused nodes' own status lines say where their result is from, and are no replay
    cached = [line for e, line in lines if e["type"] == "node_status"]
    assert len(cached) == 5 and all(re.search(r" cached in \d+\.\d\ds: reused from run job-1 \(its \d+\.\d\d s of "
                                               r"work\)$", line) for line in cached), cached


def test_after_a_visualize_change_only_the_reused_models_lines_are_marked(store):
    run(store, chain(), "job-1")
    lines = run(store, chain(plots=("confusion_matrix", "roc_curve")), "job-2")
    trials = [line for e, line in lines if e["type"] == "node_trial"]
    assert trials and all(line.endswith(" · reused from run job-1") for line in trials), trials
    drawn = [(e, line) for e, line in lines if e["node_id"] == "v" and e["type"] == "node_log"]
    new = [line for e, line in drawn if "ROC curve" in line]
    assert new and not [line for line in new if "reused" in line], new  # this run's own drawing
    for e, line in drawn:  # a plot served as drawn before says so; one drawn now does not
        assert line.endswith(" · reused from run job-1") == bool(e.get("reused_from")), line


def test_a_loops_kept_round_replays_as_an_earlier_round_of_this_run(store):
    """Round 1: a search of 3 trials; round 2's 6 trials do not improve on it: round 1's
    result is kept and served again from this run's own work."""
    wf = {"nodes": [node("d", "dataset", IRIS), node("s", "split", {"test_size": 0.3, "random_seed": 1}),
                    node("m", "model", {"algorithm": "logistic_regression", "use_optuna": True, "optuna_trials": 3}),
                    node("e", "evaluate", {"metrics": ["accuracy"]}),
                    node("g", "gate", {"metric": "accuracy", "threshold": 0.999}),
                    node("r", "retrain", {"max_rounds": 2})],
          "edges": [{"source": a, "target": b} for a, b in (("d", "s"), ("s", "m"), ("m", "e"), ("e", "g"))] + [
              {"source": "g", "source_port": "fail", "target": "r"},
              {"source": "r", "source_port": "model", "target": "m", "target_port": "retrain"}]}
    lines = run(store, wf, "job-loop")
    replayed = [line for e, line in lines if e.get("reused_from") == "job-loop" and e["type"] in REPLAYS]
    assert replayed and all(line.endswith(" · reused from an earlier round of this run") for line in replayed)
    assert not [line for _, line in lines if "reused from run job-loop" in line]
    own = [line for e, line in lines if e["type"] in REPLAYS and not e.get("reused_from")]
    assert own and not [line for line in own if "reused" in line]
