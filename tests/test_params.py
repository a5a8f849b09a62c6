"""The one validation function: every kind, coercion from form strings, sentences."""

from __future__ import annotations

import pytest

from plugins.params import Param, ParamError, params_json, validate_params, validate_value

N = Param("n_estimators", "int", default=100, min=10, max=500)
LR = Param("learning_rate", "float", default=0.1, min=0.001, max=1.0, log=True, advanced=True)
DEPTH = Param("max_depth", "int", default=None, min=1, max=50, nullable=True)
CRIT = Param("criterion", "select", default="gini", choices=("gini", "entropy"),
             choices_by_problem={"regression": ("squared_error", "absolute_error")})
FLAG = Param("bootstrap", "bool", default=True)
RANGE = Param("feature_range", "range", default=[0, 1], min=-10, max=10)


@pytest.mark.parametrize("param,raw,expected", [
    (N, 50, 50), (N, "50", 50), (N, 50.0, 50), (N, " 10 ", 10),
    (LR, "0.5", 0.5), (LR, 1, 1.0),
    (DEPTH, None, None), (DEPTH, "", None), (DEPTH, "7", 7),
    (CRIT, "entropy", "entropy"),
    (FLAG, "on", True), (FLAG, "false", False), (FLAG, 0, False), (FLAG, True, True),
    (RANGE, "0,5", [0.0, 5.0]), (RANGE, [-1, 1], [-1.0, 1.0]),
])
def test_accepts_and_coerces(param, raw, expected):
    assert validate_value(param, raw) == expected


@pytest.mark.parametrize("param,raw,fragment", [
    (N, 9, "at least 10"), (N, 501, "at most 500"), (N, 10.5, "whole number"), (N, "ten", "not one"),
    (N, None, "needs a value"), (N, True, "not true/false"), (N, float("nan"), "finite"),
    (LR, 0.0009, "at least 0.001"), (LR, 1.0001, "at most 1"),
    (CRIT, "log_loss", "one of gini, entropy"), (FLAG, "maybe", "true or false"),
    (RANGE, "5,1", "above the high end"), (RANGE, [0], "pair"), (RANGE, [0, 11], "at most 10"),
])
def test_rejects_with_a_sentence(param, raw, fragment):
    with pytest.raises(ParamError) as info:
        validate_value(param, raw)
    assert fragment in info.value.message
    assert info.value.name == param.name


def test_choices_depend_on_problem_type():
    assert validate_value(CRIT, "squared_error", "regression") == "squared_error"
    with pytest.raises(ParamError):
        validate_value(CRIT, "gini", "regression")
    assert CRIT.default_for("regression") == "squared_error"


def test_validate_params_fills_defaults_and_names_unknown_keys():
    clean, errors = validate_params([N, LR, DEPTH], {"n_estimators": "20", "max_dept": 3})
    assert clean == {"n_estimators": 20, "learning_rate": 0.1, "max_depth": None}
    assert errors == {"max_dept": "Unknown setting 'max_dept'."}


def test_params_json_splits_main_and_advanced():
    out = params_json([N, LR, DEPTH])
    assert [p["key"] for p in out["main"]] == ["n_estimators", "max_depth"]
    assert out["advanced"][0] == {"key": "learning_rate", "type": "float", "label": "Learning rate",
                                  "default": 0.1, "help": "", "advanced": True, "min": 0.001, "max": 1.0,
                                  "log": True, "search": {"min": 0.001, "max": 1.0, "log": True}}
    assert out["main"][1]["nullable"] is True


def test_a_narrower_search_range_says_why():
    with pytest.raises(ValueError, match="search_note"):
        Param("n", "int", default=5, min=1, max=1000, search_max=50)
    p = Param("n", "int", default=5, min=1, max=1000, search_max=50, search_note="Cheaper trials.")
    assert p.to_json()["search"] == {"min": 1, "max": 50, "log": False, "note": "Cheaper trials."}
    assert Param("t", "float", default=1e-4, min=1e-8, max=1e-1, tunable=False).to_json()["search"] is None


def test_storable_refuses_only_what_no_workflow_could_make_valid():
    """What the store may keep of a Param: a value of its kind within its declaration, or
    none yet. Context (a problem type, the data) is never assumed."""
    from plugins.params import shape_problems, storable

    test_size = Param("test_size", "float", default=0.2, min=0.1, max=0.5)
    assert storable(test_size, 1e308) == "Test size must be at most 0.5; got 1e+308."
    assert storable(test_size, "0.3") == "Test size must be a number, not text."
    assert storable(test_size, True) == "Test size must be a number, not true/false."
    assert storable(test_size, [0.3]) == "Test size must be a number."
    assert storable(test_size, None) is None and storable(test_size, " ") is None and storable(test_size, 0.3) is None
    assert storable(CRIT, "absolute_error") is None  # a regression choice, kept while the data says classes
    assert storable(CRIT, ["gini"]) == "Criterion must be one of gini, entropy; got \"['gini']\"."
    assert storable(FLAG, "false") == "Bootstrap must be true or false, not text."
    assert storable(RANGE, [2, 1]) == "Feature range: the low end (2) is above the high end (1)."
    assert storable(RANGE, [[1], 2]) == "Feature range must be a number."
    parts = Param("parts", "multiselect", default=[], choices=("year", "month"))
    assert storable(parts, [{}]) == "Parts must be a list of its choices."
    assert storable(parts, ["decade"]) == "Parts: 'decade' is not one of the choices."
    columns = Param("columns", "columns", default=[])
    assert storable(columns, "a,b") == "Columns must be a list of column names, not text."
    assert storable(columns, ["any column at all"]) is None  # whether it is in the data is the node's to say
    assert shape_problems([N, DEPTH], {"n_estimators": "x" * 5000, "max_depth": None, "colour": [1]}) == {
        "n_estimators": "N estimators must be a number, not text."}
    assert shape_problems([N], [1], what="hyperparameter", prefix="hyperparameters.") == {
        "hyperparameters": "The hyperparameters must be an object of name: value."}


def test_a_message_quotes_a_short_excerpt_of_a_long_value():
    with pytest.raises(ParamError) as e:
        validate_value(CRIT, "x" * 100_000)
    assert len(e.value.message) < 130 and e.value.message.endswith("xxx…'.")
    with pytest.raises(ParamError) as e:
        validate_value(N, 10**39)
    assert e.value.message == "N estimators must be at most 500; got 1e+39."
