from plugins.base import ModelPlugin
from plugins.models._common import EncodedLabelClassifier, boosting_cost, supervised_capabilities
from plugins.params import Param

PT = ("classification", "regression")


def build(p, problem_type, random_state):
    import xgboost as xgb

    kw = dict(n_estimators=p["n_estimators"], learning_rate=p["learning_rate"], max_depth=p["max_depth"],
              subsample=p["subsample"], colsample_bytree=p["colsample_bytree"], min_child_weight=p["min_child_weight"],
              reg_alpha=p["reg_alpha"], reg_lambda=p["reg_lambda"], gamma=p["gamma"], n_jobs=1,
              random_state=random_state or 0, tree_method="hist", verbosity=0)
    if problem_type == "classification":
        return EncodedLabelClassifier(xgb.XGBClassifier(**kw))
    return xgb.XGBRegressor(**kw)


def native_formats(estimator) -> dict:
    """The booster in XGBoost's own JSON (xgboost.Booster().load_model reads it back); a
    classifier's booster predicts the codes 0..n-1 of the sorted classes (model_card.json)."""
    booster = getattr(estimator, "estimator_", estimator).get_booster()
    return {"model.xgboost.json": bytes(booster.save_raw("json"))}


PLUGIN = ModelPlugin(
    key="xgboost", name="XGBoost", icon="🚀",
    description="Regularised gradient-boosted trees with a fast histogram algorithm.",
    best_for="Top accuracy on tabular data, including missing values, with tuning.",
    problem_types=PT, category="boosting",
    params=(
        Param("n_estimators", "int", default=100, min=10, max=2000, label="Boosting rounds", search_max=400,
              search_note="Each trial fits this many rounds per fold: up to 400 keeps a trial near the cost of a default fit."),
        Param("learning_rate", "float", default=0.3, min=0.001, max=1.0, log=True, label="Learning rate"),
        Param("max_depth", "int", default=6, min=1, max=20, label="Tree depth", search_max=10,
              search_note="Trees deeper than 10 overfit tabular data and are slow to fit."),
        Param("subsample", "float", default=1.0, min=0.1, max=1.0, advanced=True),
        Param("colsample_bytree", "float", default=1.0, min=0.1, max=1.0, advanced=True, label="Columns per tree"),
        Param("min_child_weight", "float", default=1.0, min=0.0, max=100.0, advanced=True, search_max=10.0,
              search_note="Useful values are small; the wider declared range is for tuning by hand."),
        Param("reg_alpha", "float", default=0.0, min=0.0, max=100.0, advanced=True, label="L1 (alpha)", search_max=5.0,
              search_note="Useful values are small; the wider declared range is for tuning by hand."),
        Param("reg_lambda", "float", default=1.0, min=0.0, max=100.0, advanced=True, label="L2 (lambda)", search_max=10.0,
              search_note="Useful values are small; the wider declared range is for tuning by hand."),
        Param("gamma", "float", default=0.0, min=0.0, max=100.0, advanced=True, label="Min split loss", search_max=5.0,
              search_note="Useful values are small; the wider declared range is for tuning by hand."),
    ),
    build=build,
    **supervised_capabilities(PT),
    complexity=4.0, fit_cost=boosting_cost(5.0e-9, per_round=3e-4), handles_missing=True,
    native_formats=native_formats,
)
