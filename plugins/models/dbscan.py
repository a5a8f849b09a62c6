from plugins.base import ModelPlugin
from plugins.models._common import CLU_DEFAULT, CLU_METRICS, CLU_PLOTS, DBSCANPredictor, pairwise_cost
from plugins.params import Param


def build(p, problem_type, random_state):
    return DBSCANPredictor(eps=p["eps"], min_samples=p["min_samples"], metric=p["metric"],
                           algorithm=p["algorithm"], leaf_size=p["leaf_size"])


PLUGIN = ModelPlugin(
    key="dbscan", name="DBSCAN", icon="🫧",
    description="Groups dense regions of points and marks isolated points as noise.",
    best_for="Clusters of any shape and an unknown number of them; finds outliers too.",
    problem_types=("clustering",), category="clustering",
    params=(
        Param("eps", "float", default=0.5, min=0.01, max=100.0, log=True, label="Neighbourhood radius (eps)",
              search_max=5.0,
              search_note="On scaled features a radius above 5 puts every point in one cluster."),
        Param("min_samples", "int", default=5, min=1, max=200, label="Min points per core", search_max=30,
              search_note="Above 30 points per core most data becomes noise."),
        Param("metric", "select", default="euclidean", choices=("euclidean", "manhattan", "chebyshev"), advanced=True),
        Param("algorithm", "select", default="auto", choices=("auto", "ball_tree", "kd_tree", "brute"),
              advanced=True, tunable=False),
        Param("leaf_size", "int", default=30, min=5, max=200, advanced=True, tunable=False),
    ),
    build=build,
    supported_metrics=CLU_METRICS + ("noise_share",), default_metrics=CLU_DEFAULT + ("noise_share",),
    supported_plots=CLU_PLOTS, default_plots=CLU_PLOTS,
    complexity=1.0, fit_cost=pairwise_cost(2.0e-7), scale_sensitive=True,
)
