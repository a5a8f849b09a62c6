"""A plugin installed by another package (an entry point in `playground.plugins`) is
discovered and trains, predicts and is scored like a built-in one, without any file of
ours changing. The "installation" is a real dist-info folder on sys.path, which is what
pip leaves behind."""

from __future__ import annotations

import json

import pytest
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from plugins import registry
from plugins.evaluators import compute_metric, eval_data_for
from plugins.params import ParamError, validate_params, validate_value
from plugins.visualizers import render_plot
from tests.conftest import installed_entry_points


@pytest.fixture
def installed_plugin(tmp_path):
    with installed_entry_points(tmp_path, "playground-extra",
                                {"nearest_centroid": "tests.plugins_extra.extra_model:PLUGIN"}):
        yield


def test_entry_point_plugin_is_discovered_fits_and_is_scored(installed_plugin):
    models = registry.models()
    assert "nearest_centroid" in models
    assert "random_forest" in models  # the built-ins are still there
    plugin = models["nearest_centroid"]
    assert plugin in registry.models_for("classification")
    assert plugin not in registry.models_for("regression")

    params, errors = validate_params(plugin.params, {"shrink_threshold": "0.2"}, "classification")
    assert errors == {} and params == {"shrink_threshold": 0.2}
    with pytest.raises(ParamError):
        validate_value(plugin.params[0], -0.1, "classification")

    X, y = load_iris(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    pipe = Pipeline([("model", plugin.build(params, "classification", 0))]).fit(X_train, y_train)
    data = eval_data_for(pipe, X_train, y_train, X_test, y_test, "classification")
    assert len(data.y_pred) == len(X_test)

    caps = registry.capabilities(plugin, "classification")
    assert caps["supported_metrics"] == list(plugin.supported_metrics)
    values = {key: compute_metric(key, data) for key in caps["supported_metrics"]}
    json.dumps(values)
    assert values["accuracy"] > 0.8
    assert len(values["confusion_matrix"]["matrix"]) == 3
    for key in caps["supported_plots"]:
        assert render_plot(key, data).startswith(b"\x89PNG"), key


def test_without_the_entry_point_the_plugin_is_unknown():
    registry.reload()
    assert "nearest_centroid" not in registry.models()
