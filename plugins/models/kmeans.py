from plugins.base import ModelPlugin
from plugins.models._common import CLU_DEFAULT, CLU_METRICS, CLU_PLOTS, linear_cost
from plugins.params import Param


def build(p, problem_type, random_state):
    from sklearn.cluster import KMeans

    n_init = "auto" if p["n_init"] is None else p["n_init"]  # empty field: the library's "auto"
    return KMeans(n_clusters=p["n_clusters"], init=p["init"], n_init=n_init, max_iter=p["max_iter"],
                  algorithm=p["algorithm"], random_state=random_state)


PLUGIN = ModelPlugin(
    key="kmeans", name="k-Means", icon="🎯",
    description="Splits the rows into k groups around k centres.",
    best_for="Compact, similarly sized clusters when you know roughly how many there are.",
    problem_types=("clustering",), category="clustering",
    params=(
        Param("n_clusters", "int", default=8, min=2, max=100, label="Clusters (k)", search_max=15,
              search_note="More than 15 clusters mostly rewards splitting real groups; set k by hand above that."),
        Param("init", "select", default="k-means++", choices=("k-means++", "random"), advanced=True),
        Param("n_init", "int", default=None, nullable=True, min=1, max=50, advanced=True, label="Restarts",
              tunable=False, help="Empty: auto (1 run with k-means++, 10 with random)."),
        Param("max_iter", "int", default=300, min=10, max=5000, advanced=True, tunable=False),
        Param("algorithm", "select", default="lloyd", choices=("lloyd", "elkan"), advanced=True, tunable=False),
    ),
    build=build,
    supported_metrics=CLU_METRICS, default_metrics=CLU_DEFAULT + ("calinski_harabasz",),
    supported_plots=CLU_PLOTS, default_plots=CLU_PLOTS,
    complexity=0.5, fit_cost=linear_cost(2.0e-6, per_class=False), scale_sensitive=True,
)
