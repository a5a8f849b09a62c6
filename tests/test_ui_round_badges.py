"""A finished run's round badges follow one rule whether the run was watched live or the
editor opened on it again (Debian's Chromium, the real app and workers): a node shows the
round its result is of when it went past round 1 itself. The page reloaded used another rule
(every looped node, when any loop of the run went past round 1), so beside a loop that passed
on round 2, a loop whose gate passed on round 1 said "round 1/3" after a reload and nothing
live."""

from __future__ import annotations

import pytest

from tests.test_ui_browser import BROWSER_TESTS
from tests.test_ui_plugins import node, open_workflow
from tests.test_ui_retrain import run
from tests.test_ui_retrain_after import looped_workflow, rounds_shown

pytestmark = BROWSER_TESTS
IRIS = {"dataset_id": "iris", "target_column": "target", "problem_type": "classification"}
STUMP = {"algorithm": "decision_tree", "hyperparameters": {"max_depth": 1}}  # 0.667: fails 0.9, round 2 passes
LOGISTIC = {"algorithm": "logistic_regression"}  # 0.978: passes 0.9 on round 1


def loop(k: int, model: dict, x: int):
    """Model → Evaluate → Gate (accuracy 0.9), Gate fail → Retrain → Model: round 2 trains
    logistic regression."""
    nodes = [node(f"m{k}", "model", model, x, 280), node(f"e{k}", "evaluate", {"metrics": ["accuracy"]}, x, 410),
             node(f"g{k}", "gate", {"metric": "accuracy", "threshold": 0.9}, x, 540),
             node(f"r{k}", "retrain", {"escalation": "algorithm", "algorithms": "logistic_regression"}, x + 220, 410)]
    edges = [{"source": "s", "target": f"m{k}"}, {"source": f"m{k}", "target": f"e{k}"},
             {"source": f"e{k}", "target": f"g{k}"}, {"source": f"g{k}", "source_port": "fail", "target": f"r{k}"},
             {"source": f"r{k}", "source_port": "model", "target": f"m{k}", "target_port": "retrain"}]
    return nodes, edges


def loops(name: str, *models: dict) -> dict:
    nodes = [node("d", "dataset", IRIS, 60, 20), node("s", "split", {"test_size": 0.3, "random_seed": 1}, 60, 150)]
    edges = [{"source": "d", "target": "s"}]
    for k, model in enumerate(models, 1):
        more = loop(k, model, 60 + (k - 1) * 480)
        nodes += more[0]
        edges += more[1]
    return {"name": name, "nodes": nodes, "edges": edges}


ROUND_2 = {f"{n}1": "round 2/3" for n in "megr"}
CASES = {
    # a loop that passes on round 2 beside one whose gate passes on round 1 (its loop skipped)
    "passes on round 2, beside one that passes on round 1": (loops("Two loops", STUMP, LOGISTIC), ROUND_2),
    "passes on round 2, beside one that passes on round 1 (drawn first)": (
        loops("Two loops, other order", LOGISTIC, STUMP), {f"{n}2": "round 2/3" for n in "megr"}),
    "passes on round 2, alone": (loops("One loop", STUMP), ROUND_2),
    "round 1 kept after round 2": (looped_workflow("Kept round"),
                                   {"m": "round 1/2", "e": "round 1/2", "g": "round 1/2", "r": "round 2/2"}),
    "passes on round 1: no badge at all": (loops("Round 1", LOGISTIC), {}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_round_badges_are_the_same_live_and_after_a_reload(page, server, case):  # noqa: F811
    pg = page
    wf, expected = CASES[case]
    open_workflow(pg, server, wf)
    run(pg)
    live = rounds_shown(pg)
    pg.reload()  # the editor opened again on the run it ended
    pg.wait_for_function("window.playground && window.playground.graph")
    pg.wait_for_function("[...document.querySelectorAll('#canvas [data-node-id]')].every("
                         "(n) => ['completed', 'cached', 'skipped'].includes(n.dataset.status))")
    again = rounds_shown(pg)
    assert live == expected, live
    assert again == live, (again, live)
