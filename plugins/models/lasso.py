from plugins.base import ModelPlugin
from plugins.models._common import REG_DEFAULT, REG_DEFAULT_PLOTS, REG_METRICS, REG_PLOTS, linear_cost
from plugins.params import Param


def build(p, problem_type, random_state):
    from sklearn.linear_model import Lasso

    return Lasso(alpha=p["alpha"], fit_intercept=p["fit_intercept"], max_iter=p["max_iter"],
                 selection=p["selection"], random_state=random_state)


PLUGIN = ModelPlugin(
    key="lasso", name="Lasso Regression", icon="🪢",
    description="Least squares with an L1 penalty that sets weak coefficients to exactly zero.",
    best_for="Selecting a few useful features out of many.",
    problem_types=("regression",), category="linear",
    params=(
        Param("alpha", "float", default=1.0, min=1e-4, max=1e3, log=True, label="Alpha (penalty)"),
        Param("fit_intercept", "bool", default=True, advanced=True, tunable=False),
        Param("max_iter", "int", default=1000, min=100, max=100000, advanced=True, tunable=False),
        Param("selection", "select", default="cyclic", choices=("cyclic", "random"), advanced=True),
    ),
    build=build,
    supported_metrics=REG_METRICS, default_metrics=REG_DEFAULT,
    supported_plots=REG_PLOTS, default_plots=REG_DEFAULT_PLOTS + ("feature_importance",),
    complexity=0.2, fit_cost=linear_cost(2.5e-7), scale_sensitive=True,
)
