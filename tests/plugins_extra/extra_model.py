"""A model plugin that lives outside plugins/models/: registered only through the
`playground.plugins` entry-point group by tests/test_entry_point_plugin.py."""

from plugins.base import ModelPlugin
from plugins.params import Param


def build(params, problem_type, random_state):
    from sklearn.neighbors import NearestCentroid

    return NearestCentroid(shrink_threshold=params["shrink_threshold"])


PLUGIN = ModelPlugin(
    key="nearest_centroid", name="Nearest Centroid", icon="🎯",
    description="Assigns each row to the class whose mean is nearest.",
    best_for="Very fast baselines on well-separated classes.",
    problem_types=("classification",), category="neighbors",
    params=(Param("shrink_threshold", "float", default=None, nullable=True, min=0.0, max=10.0,
                  help="Empty: no shrinking of the class centroids."),),
    build=build,
    supported_metrics=("accuracy", "balanced_accuracy", "f1", "confusion_matrix"),
    default_metrics=("accuracy",),
    supported_plots=("confusion_matrix", "feature_importance"), default_plots=("confusion_matrix",),
    complexity=0.1, scale_sensitive=True,
)
