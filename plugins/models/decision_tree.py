from plugins.base import ModelPlugin
from plugins.models._common import none_if, supervised_capabilities, tree_ensemble_cost
from plugins.params import Param

PT = ("classification", "regression")


def build(p, problem_type, random_state):
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    cls = DecisionTreeClassifier if problem_type == "classification" else DecisionTreeRegressor
    kw = dict(max_depth=p["max_depth"], min_samples_split=p["min_samples_split"], min_samples_leaf=p["min_samples_leaf"],
              criterion=p["criterion"], max_features=none_if(p["max_features"], "all"), ccp_alpha=p["ccp_alpha"],
              random_state=random_state)
    if problem_type == "classification":
        kw["class_weight"] = none_if(p["class_weight"])
    return cls(**kw)


PLUGIN = ModelPlugin(
    key="decision_tree", name="Decision Tree", icon="🌳",
    description="A single tree of if/else splits on the features.",
    best_for="Interpretable models and quick baselines; shows which rules drive predictions.",
    problem_types=PT, category="tree",
    params=(
        Param("max_depth", "int", default=None, min=1, max=100, nullable=True, label="Max depth", search_max=20,
              search_note="Deeper than 20 is as good as unlimited on most tables."),
        Param("min_samples_leaf", "int", default=1, min=1, max=100, label="Min rows per leaf", search_max=30,
              search_note="Above 30 rows per leaf the tree is too coarse to be worth a trial."),
        # no "friedman_mse": scikit-learn 1.9 deprecates it as the same as squared_error (a search
        # spent trials on it and the exported script printed its FutureWarning)
        Param("criterion", "select", default="gini", choices=("gini", "entropy", "log_loss"),
              choices_by_problem={"regression": ("squared_error", "absolute_error", "poisson")}),
        Param("min_samples_split", "int", default=2, min=2, max=100, advanced=True, search_max=40,
              search_note="Above 40 rows per split the tree is too coarse to be worth a trial."),
        Param("max_features", "select", default="all", choices=("all", "sqrt", "log2"), advanced=True),
        Param("ccp_alpha", "float", default=0.0, min=0.0, max=1.0, advanced=True, label="Pruning (ccp alpha)",
              search_max=0.05,
              search_note="Pruning above 0.05 leaves a stump on most tables."),
        Param("class_weight", "select", default="none", choices=("none", "balanced"),
              problem_types=("classification",), advanced=True),
    ),
    build=build,
    **supervised_capabilities(PT),
    complexity=1.0, fit_cost=tree_ensemble_cost(3.0e-8, trees=None), handles_missing=True,
)
