"""The time estimate counts what the run will do: each fit costed by the algorithm's own
growth in rows, encoded columns, classes and trees, times the fits of CV and of a search
(trials x folds). How close it comes is measured by `python -m bench --only estimate`."""

import pytest

from executor.engine import default_dataset_facts, resolve
from nodes.model import FIT_OVERHEAD, fit_seconds, fit_shape, typical_trial
from nodes.registry import node_types
from plugins import registry

INFO = default_dataset_facts(None)


def model_seconds(dataset="breast_cancer", target="target", ptype="classification", algorithm="random_forest",
                  hp=None, test_size=0.2, **model):
    wf = {"nodes": [{"id": "d", "type": "dataset", "config": {"dataset_id": dataset, "target_column": target,
                                                                "problem_type": ptype}},
                    {"id": "s", "type": "split", "config": {"test_size": test_size}},
                    {"id": "m", "type": "model", "config": {"algorithm": algorithm, "hyperparameters": hp or {},
                                                            **model}}],
          "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}]}
    r = resolve(wf, dataset_facts=INFO)
    assert not r.errors, r.errors
    return node_types()["model"].estimate(r.configs["m"], r.upstream["m"], r.designs["m"]), r.upstream["m"]


def test_a_search_costs_trials_times_folds_fits_of_an_average_trial():
    plain, up = model_seconds()
    search, _ = model_seconds(use_optuna=True, optuna_trials=20, cv_folds=5)
    plugin = registry.models()["random_forest"]
    hp = {p.name: p.default for p in plugin.params_for("classification")}
    fold = fit_shape(up, up.n_rows * 0.8 * 4 / 5)
    trial = typical_trial(plugin, hp, "classification")
    assert trial["n_estimators"] == 205  # the middle of the searched 10..400
    assert search["seconds"] == pytest.approx(plain["seconds"] + 20 * 5 * fit_seconds(plugin, trial, fold))
    assert "101 fits (1 fit, 20 trials × 5 folds)" in search["line"]
    more, _ = model_seconds(use_optuna=True, optuna_trials=40, cv_folds=5)
    assert more["seconds"] - plain["seconds"] == pytest.approx(2 * (search["seconds"] - plain["seconds"]))


def test_the_fit_cost_grows_with_trees_rows_and_classes():
    few, _ = model_seconds(hp={"n_estimators": 100})
    many, _ = model_seconds(hp={"n_estimators": 400})
    assert many["seconds"] - FIT_OVERHEAD == pytest.approx(4 * (few["seconds"] - FIT_OVERHEAD))
    small, _ = model_seconds(test_size=0.5)
    assert small["seconds"] < few["seconds"]  # fewer training rows
    binary, up2 = model_seconds(algorithm="gradient_boosting")
    tenfold, up10 = model_seconds("digits", algorithm="gradient_boosting")
    assert fit_shape(up2, 100)["classes"] == 2 and fit_shape(up10, 100)["classes"] == 10
    # one tree per class and round beyond two classes
    per = registry.models()["gradient_boosting"].fit_cost
    assert per({"n_estimators": 100}, {**fit_shape(up10, 1000), "classes": 10}) == pytest.approx(
        10 * per({"n_estimators": 100}, {**fit_shape(up10, 1000), "classes": 2}))


def test_a_categorical_column_counts_as_its_categories():
    from nodes.base import Upstream

    up = Upstream(problem_type="regression", target_column="y", n_rows=100, columns=[
        {"name": "y", "role": "numeric"}, {"name": "a", "role": "numeric"},
        {"name": "colour", "role": "categorical", "unique": 7}, {"name": "city", "role": "categorical", "unique": 900},
        {"name": "when", "role": "datetime"}])
    assert fit_shape(up, 80)["features"] == 1 + 7 + 20 + 6


def test_every_model_declares_how_its_fits_grow():
    for slug, plugin in registry.models().items():
        assert plugin.fit_cost is not None, slug


def looped_estimate(retrain: dict, model: dict | None = None, reused=()) -> dict:
    """A retrain loop's run estimate: Dataset → Split → Model → Evaluate → Gate fail → Retrain ⇢ Model."""
    from executor.estimate import estimate
    from tests.test_retrain import looped

    r = resolve(looped(model or {"algorithm": "random_forest"}, retrain, 0.99), dataset_facts=INFO)
    assert not r.errors, r.errors
    return estimate(r, INFO, reused=reused)


def test_a_retrain_loop_is_counted_at_every_round_and_the_trials_each_escalates_to():
    """Found by a new user: a loop whose round 2 ran 40 Optuna trials for 55 s was estimated at
    0.5 s. Each round after the first is counted at the trials its Retrain escalates it to
    (20 × 2 in round 2, 20 × 4 in round 3), up to Max rounds, and said to be an upper bound."""
    from tests.test_retrain import looped

    r = resolve(looped({"algorithm": "random_forest"}, {}, 0.99), dataset_facts=INFO)
    model = node_types()["model"]

    def search(trials):
        return model.estimate({**r.configs["m"], "use_optuna": True, "optuna_trials": trials}, r.upstream["m"],
                              r.designs["m"])["seconds"]

    three = looped_estimate({"max_rounds": 3})
    assert three["seconds"] > search(40) + search(80)
    assert three["upper_bound"] is True
    said = " ".join(three["breakdown"])
    assert "up to 3 rounds" in said and "upper bound" in said
    assert "round 2: Random Forest" in said and "40 trials" in said and "round 3:" in said and "80 trials" in said
    # bounded by Max rounds: one round is the plain fit only
    one = looped_estimate({"max_rounds": 1})
    assert one["seconds"] < search(40)
    assert looped_estimate({"max_rounds": 2})["seconds"] < three["seconds"]


def test_a_reused_first_round_still_counts_the_rounds_after_it():
    """The walk's case: round 1's Model came from the cache, round 2 trained 40 trials."""
    reused = looped_estimate({"max_rounds": 2}, reused={"d", "s", "m", "e", "g"})
    assert reused["seconds"] > 10 * looped_estimate({"max_rounds": 1}, reused={"d", "s", "m", "e", "g"})["seconds"]
