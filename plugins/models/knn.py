from plugins.base import ModelPlugin
from plugins.models._common import neighbours_cost, supervised_capabilities
from plugins.params import Param

PT = ("classification", "regression")


def build(p, problem_type, random_state):
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

    cls = KNeighborsClassifier if problem_type == "classification" else KNeighborsRegressor
    return cls(n_neighbors=p["n_neighbors"], weights=p["weights"], p=p["p"], algorithm=p["algorithm"],
               leaf_size=p["leaf_size"], n_jobs=1)


PLUGIN = ModelPlugin(
    key="knn", name="k-Nearest Neighbours", icon="👥",
    description="Predicts from the k most similar training rows.",
    best_for="Small datasets with meaningful distances; a simple non-linear baseline.",
    problem_types=PT, category="neighbors",
    params=(
        Param("n_neighbors", "int", default=5, min=1, max=200, label="Neighbours (k)", search_max=50,
              search_note="More than 50 neighbours averages away the local structure k-NN relies on."),
        Param("weights", "select", default="uniform", choices=("uniform", "distance")),
        Param("p", "int", default=2, min=1, max=5, label="Minkowski p", help="1 Manhattan, 2 Euclidean."),
        Param("algorithm", "select", default="auto", choices=("auto", "ball_tree", "kd_tree", "brute"),
              advanced=True, tunable=False),
        Param("leaf_size", "int", default=30, min=5, max=200, advanced=True, tunable=False),
    ),
    build=build,
    **supervised_capabilities(PT, importance=False, exclude_plots=("shap_summary",)),
    complexity=1.0, fit_cost=neighbours_cost(1.4e-8), scale_sensitive=True,
)
