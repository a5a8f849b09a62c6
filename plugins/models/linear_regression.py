from plugins.base import ModelPlugin
from plugins.models._common import REG_DEFAULT, REG_DEFAULT_PLOTS, REG_METRICS, REG_PLOTS, linear_cost
from plugins.params import Param


def build(p, problem_type, random_state):
    from sklearn.linear_model import LinearRegression

    return LinearRegression(fit_intercept=p["fit_intercept"], positive=p["positive"])


PLUGIN = ModelPlugin(
    key="linear_regression", name="Linear Regression", icon="📏",
    description="Ordinary least squares: the best straight-line fit of the target.",
    best_for="A transparent baseline when the relation is roughly linear.",
    problem_types=("regression",), category="linear",
    params=(
        Param("fit_intercept", "bool", default=True, tunable=False),
        Param("positive", "bool", default=False, advanced=True, help="Force coefficients to be positive.",
              tunable=False),
    ),
    build=build,
    supported_metrics=REG_METRICS, default_metrics=REG_DEFAULT,
    supported_plots=REG_PLOTS, default_plots=REG_DEFAULT_PLOTS + ("feature_importance",),
    complexity=0.2, fit_cost=linear_cost(1.1e-7),  # plain least squares: predictions do not depend on feature scales
)
