from plugins.base import ModelPlugin
from plugins.models._common import boosting_cost, none_if, supervised_capabilities
from plugins.params import Param

PT = ("classification", "regression")


def build(p, problem_type, random_state):
    from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor

    cls = GradientBoostingClassifier if problem_type == "classification" else GradientBoostingRegressor
    return cls(n_estimators=p["n_estimators"], learning_rate=p["learning_rate"], max_depth=p["max_depth"],
               subsample=p["subsample"], min_samples_split=p["min_samples_split"],
               min_samples_leaf=p["min_samples_leaf"], max_features=none_if(p["max_features"], "all"),
               n_iter_no_change=p["n_iter_no_change"], validation_fraction=p["validation_fraction"],
               random_state=random_state)


PLUGIN = ModelPlugin(
    key="gradient_boosting", name="Gradient Boosting", icon="📈",
    description="Shallow trees added one after another, each correcting the errors of the last.",
    best_for="High accuracy on small and medium tabular data when you can afford some tuning.",
    problem_types=PT, category="boosting",
    params=(
        Param("n_estimators", "int", default=100, min=10, max=2000, label="Boosting rounds", search_max=400,
              search_note="Each trial fits this many rounds per fold: up to 400 keeps a trial near the cost of a default fit."),
        Param("learning_rate", "float", default=0.1, min=0.001, max=1.0, log=True, label="Learning rate"),
        Param("max_depth", "int", default=3, min=1, max=20, label="Tree depth", search_max=8,
              search_note="Boosting works with shallow trees; deeper than 8 overfits and is slow."),
        Param("subsample", "float", default=1.0, min=0.1, max=1.0, advanced=True, help="Row share per tree."),
        Param("min_samples_split", "int", default=2, min=2, max=50, advanced=True),
        Param("min_samples_leaf", "int", default=1, min=1, max=50, advanced=True),
        Param("max_features", "select", default="all", choices=("all", "sqrt", "log2"), advanced=True),
        Param("n_iter_no_change", "int", default=None, nullable=True, min=1, max=100, advanced=True,
              label="Early stopping rounds", tunable=False,
              help="Empty: no early stopping. Otherwise stop when the validation score stalls this long."),
        Param("validation_fraction", "float", default=0.1, min=0.05, max=0.5, advanced=True, tunable=False,
              help="Share of training rows held out for early stopping."),
    ),
    build=build,
    **supervised_capabilities(PT),
    complexity=4.0, fit_cost=boosting_cost(1.2e-7, per_round=1e-4),
)
