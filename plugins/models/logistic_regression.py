from plugins.base import ModelPlugin
from plugins.models._common import CLS_DEFAULT, CLS_METRICS, CLS_PLOTS, linear_cost, none_if
from plugins.params import Param

L2_ONLY = ("lbfgs", "newton-cg", "sag")


def check(p, problem_type):
    """Only saga fits an L1 share; a solver the user chose is never swapped for another."""
    if p.get("solver") in L2_ONLY and (p.get("l1_ratio") or 0) > 0:
        return {"l1_ratio": f"The {p['solver']} solver cannot fit an L1 share: choose saga or auto, "
                            "or set the L1 ratio to 0."}
    return {}


def fixed_in_search(p, problem_type):
    if p.get("solver") in L2_ONLY:
        return {"l1_ratio": f"kept at {p.get('l1_ratio', 0):g}: the {p['solver']} solver fits L2 only"}
    return {}


def build(p, problem_type, random_state):
    from sklearn.linear_model import LogisticRegression

    solver = p["solver"]
    if solver == "auto":  # lbfgs for pure L2, saga (the only one that can) for any L1 share
        solver = "lbfgs" if p["l1_ratio"] == 0 else "saga"
    return LogisticRegression(C=p["C"], l1_ratio=p["l1_ratio"], solver=solver, max_iter=p["max_iter"],
                              class_weight=none_if(p["class_weight"]), fit_intercept=p["fit_intercept"],
                              tol=p["tol"], random_state=random_state)


PLUGIN = ModelPlugin(
    key="logistic_regression", name="Logistic Regression", icon="📉",
    description="A linear model of the log-odds of each class, with L2/L1 regularisation.",
    best_for="Fast, well-calibrated baselines and interpretable coefficients on scaled features.",
    problem_types=("classification",), category="linear",
    params=(
        Param("C", "float", default=1.0, min=1e-4, max=1e4, log=True, label="C (inverse regularisation)",
              help="Smaller values regularise more."),
        Param("l1_ratio", "float", default=0.0, min=0.0, max=1.0, label="L1 ratio",
              help="0 is L2 (ridge), 1 is L1 (lasso), in between elastic-net."),
        Param("class_weight", "select", default="none", choices=("none", "balanced")),
        Param("solver", "select", default="auto", choices=("auto", "lbfgs", "newton-cg", "sag", "saga"),
              advanced=True, tunable=False,
              help="auto picks lbfgs for L2 and saga for any L1 share; lbfgs, newton-cg and sag fit L2 only."),
        Param("max_iter", "int", default=1000, min=50, max=10000, advanced=True, tunable=False,
              help="The library's default is 100; 1,000 avoids most convergence warnings."),
        Param("fit_intercept", "bool", default=True, advanced=True, tunable=False),
        Param("tol", "float", default=1e-4, min=1e-8, max=1e-1, log=True, advanced=True, tunable=False),
    ),
    build=build, check=check, fixed_in_search=fixed_in_search,
    supported_metrics=CLS_METRICS, default_metrics=CLS_DEFAULT,
    supported_plots=CLS_PLOTS, default_plots=("confusion_matrix", "roc_curve", "feature_importance"),
    complexity=0.2, fit_cost=linear_cost(4.0e-7), scale_sensitive=True,
)
