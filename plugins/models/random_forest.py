from plugins.base import ModelPlugin
from plugins.models._common import none_if, supervised_capabilities, tree_ensemble_cost
from plugins.params import Param

PT = ("classification", "regression")


def build(p, problem_type, random_state):
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    cls = RandomForestClassifier if problem_type == "classification" else RandomForestRegressor
    kw = dict(n_estimators=p["n_estimators"], max_depth=p["max_depth"], min_samples_split=p["min_samples_split"],
              min_samples_leaf=p["min_samples_leaf"], max_features=none_if(p["max_features"], "all"),
              bootstrap=p["bootstrap"], criterion=p["criterion"], n_jobs=1, random_state=random_state)
    if problem_type == "classification":
        kw["class_weight"] = none_if(p["class_weight"])
    return cls(**kw)


PLUGIN = ModelPlugin(
    key="random_forest", name="Random Forest", icon="🌲",
    description="An ensemble of decision trees, each on a bootstrap sample, voting together.",
    best_for="Strong out-of-the-box results on tabular data with little tuning.",
    problem_types=PT, category="ensemble",
    params=(
        Param("n_estimators", "int", default=100, min=10, max=1000, label="Trees", search_max=400,
              search_note="Each trial fits this many trees per fold: up to 400 keeps a trial near the cost of a default fit; more trees rarely change the score."),
        Param("max_depth", "int", default=None, min=1, max=100, nullable=True, label="Max depth",
              help="Empty: grow until leaves are pure.", search_max=30,
              search_note="Deeper than 30 is as good as unlimited on most tables."),
        # default=None is not a choice, so each problem type defaults to its first choice:
        # sqrt for classification and all features for regression, as in scikit-learn.
        Param("max_features", "select", default=None, choices=("sqrt", "log2", "all"),
              choices_by_problem={"regression": ("all", "sqrt", "log2")}, label="Features per split",
              help="Features tried at each split; all is the library default for regression."),
        # no "friedman_mse": scikit-learn 1.9 deprecates it as the same as squared_error (a search
        # spent trials on it and the exported script printed its FutureWarning)
        Param("criterion", "select", default="gini", choices=("gini", "entropy", "log_loss"),
              choices_by_problem={"regression": ("squared_error", "absolute_error", "poisson")},
              advanced=True),
        Param("min_samples_split", "int", default=2, min=2, max=50, advanced=True),
        Param("min_samples_leaf", "int", default=1, min=1, max=50, advanced=True),
        Param("bootstrap", "bool", default=True, advanced=True),
        Param("class_weight", "select", default="none", choices=("none", "balanced", "balanced_subsample"),
              problem_types=("classification",), advanced=True, help="Reweight classes against imbalance."),
    ),
    build=build,
    **supervised_capabilities(PT),
    complexity=3.0, fit_cost=tree_ensemble_cost(1.3e-8, per_tree=1.2e-3), handles_missing=True,
)
