from plugins.base import ModelPlugin
from plugins.models._common import REG_DEFAULT, REG_DEFAULT_PLOTS, REG_METRICS, REG_PLOTS, linear_cost
from plugins.params import Param


def build(p, problem_type, random_state):
    from sklearn.linear_model import Ridge

    return Ridge(alpha=p["alpha"], fit_intercept=p["fit_intercept"], solver=p["solver"],
                 random_state=random_state)


PLUGIN = ModelPlugin(
    key="ridge", name="Ridge Regression", icon="⛰️",
    description="Least squares with an L2 penalty that shrinks coefficients.",
    best_for="Many correlated features; a stable linear model.",
    problem_types=("regression",), category="linear",
    params=(
        Param("alpha", "float", default=1.0, min=1e-4, max=1e4, log=True, label="Alpha (penalty)"),
        Param("fit_intercept", "bool", default=True, advanced=True, tunable=False),
        Param("solver", "select", default="auto", choices=("auto", "svd", "cholesky", "lsqr", "sparse_cg", "sag", "saga"),
              advanced=True, tunable=False),
    ),
    build=build,
    supported_metrics=REG_METRICS, default_metrics=REG_DEFAULT,
    supported_plots=REG_PLOTS, default_plots=REG_DEFAULT_PLOTS + ("feature_importance",),
    complexity=0.2, fit_cost=linear_cost(2.0e-9, squared_features=True), scale_sensitive=True,
)
