"""A model plugin whose randomness does not come from the seed (a forest built with
random_state=None): declared `reproducible=False`, so the cache never reuses it
(tests/test_cache.py installs it through the entry-point group)."""

from plugins.base import ModelPlugin


def build(params, problem_type, random_state):
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=5, random_state=None)


PLUGIN = ModelPlugin(
    key="unseeded_forest", name="Unseeded forest", icon="🎲",
    description="A small forest that takes no seed.", best_for="Tests of the cache.",
    problem_types=("classification",), category="ensemble", params=(), build=build,
    supported_metrics=("accuracy",), default_metrics=("accuracy",), reproducible=False,
)
