from plugins.base import ModelPlugin
from plugins.models._common import CLS_METRICS_NO_PROBA, none_if, pairwise_cost, supervised_capabilities
from plugins.params import Param

PT = ("classification", "regression")


def build(p, problem_type, random_state):
    from sklearn.svm import SVC, SVR

    kw = dict(C=p["C"], kernel=p["kernel"], gamma=p["gamma"], degree=p["degree"], tol=p["tol"],
              max_iter=p["max_iter"] if p["max_iter"] else -1)
    if problem_type == "classification":
        # no probability calibration (deprecated in scikit-learn 1.9): ROC/PR use decision scores
        return SVC(class_weight=none_if(p["class_weight"]), random_state=random_state, **kw)
    return SVR(epsilon=p["epsilon"], **kw)


PLUGIN = ModelPlugin(
    key="svm", name="Support Vector Machine", icon="🧭",
    description="Finds the widest margin between classes (or a tube around the values, for regression), with "
                "kernels for curved boundaries.",
    best_for="Small to medium datasets with many features; needs scaled inputs.",
    problem_types=PT, category="kernel",
    params=(
        Param("C", "float", default=1.0, min=1e-3, max=1e3, log=True, label="C (margin penalty)"),
        Param("kernel", "select", default="rbf", choices=("rbf", "linear", "poly", "sigmoid")),
        Param("gamma", "select", default="scale", choices=("scale", "auto"), advanced=True),
        Param("degree", "int", default=3, min=1, max=8, advanced=True, help="For the poly kernel."),
        Param("epsilon", "float", default=0.1, min=0.0, max=10.0, problem_types=("regression",),
              help="Errors smaller than this are ignored (in the target's units)."),
        Param("class_weight", "select", default="none", choices=("none", "balanced"),
              problem_types=("classification",), advanced=True),
        Param("tol", "float", default=1e-3, min=1e-6, max=1e-1, log=True, advanced=True, tunable=False),
        Param("max_iter", "int", default=None, nullable=True, min=100, max=1_000_000, advanced=True, tunable=False,
              help="Empty: no limit."),
    ),
    build=build,
    **supervised_capabilities(PT, importance=False, cls_metrics=CLS_METRICS_NO_PROBA),
    complexity=6.0, fit_cost=pairwise_cost(9.0e-10), scale_sensitive=True,
)
