"""The Retrain inspector says, where its settings are, how many trials each later round
searches and so how long a round takes: from the Model node's declared default trials and
this node's settings (no copy of either number), following the settings as they change."""

from __future__ import annotations

import html
import re

import pytest

from nodes.model import TRAINING_PARAMS
from nodes.retrain import TRIALS_FACTOR
from tests.test_retrain import looped

DEFAULT_TRIALS = next(p.default for p in TRAINING_PARAMS if p.name == "optuna_trials")


def panel(web, retrain: dict, model: dict | None = None) -> str:
    graph = looped(model or {"algorithm": "decision_tree"}, retrain, 0.99)
    wf = web.post("/api/v1/workflows", json={"name": "loop", **graph}).json()
    r = web.get(f"/ui/workflows/{wf['id']}/nodes/r/inspector")
    assert r.status_code == 200, r.text
    return html.unescape(re.sub(r"<[^>]+>", " ", r.text))


@pytest.mark.parametrize("retrain, rounds", [
    ({}, [2, 3]),                                              # every setting at its declared default
    ({"max_rounds": 4}, [2, 3, 4]),
    ({"max_rounds": 3, "trials_factor": 3.0}, [2, 3]),
    ({"max_rounds": 2, "trials_factor": 1.5}, [2]),
])
def test_the_trials_each_round_searches_are_said_from_the_declared_defaults(web, retrain, rounds):
    text = " ".join(panel(web, retrain).split())
    factor = retrain.get("trials_factor", TRIALS_FACTOR.default)
    counts = [round(DEFAULT_TRIALS * factor ** (k - 1)) for k in rounds]
    said = "; ".join(f"round {k}: {n:,} trials" for k, n in zip(rounds, counts))
    assert f"default search of {DEFAULT_TRIALS} trials" in text, text
    assert said in text, (said, text)
    # and so how long: the last round against a search of the default trials
    assert f"round {rounds[-1]} about {counts[-1] / DEFAULT_TRIALS:.3g}× a {DEFAULT_TRIALS}-trial search" in text, text


@pytest.mark.parametrize("retrain, absent", [
    ({"escalation": "algorithm", "algorithms": "logistic_regression"}, "trials"),  # no search grows
    ({"max_rounds": 1}, "round 2"),                                                  # no round after the first
])
def test_no_trial_counts_where_no_round_searches_more(web, retrain, absent):
    text = " ".join(panel(web, retrain).split())
    assert "default search of" not in text
    if absent == "round 2":
        assert "round 2:" not in text and "never retrains" in text, text


def test_the_default_is_the_model_nodes_own():
    """The escalation's base is the Model node's declared default, not a number copied beside it."""
    from nodes.retrain import escalate

    new, change = escalate({"escalation": "trials"}, {"algorithm": "decision_tree"}, {"algorithm": "decision_tree"}, 2)
    assert new["optuna_trials"] == round(DEFAULT_TRIALS * TRIALS_FACTOR.default)
    assert change == f"Optuna search on, {round(DEFAULT_TRIALS * TRIALS_FACTOR.default)} trials"
