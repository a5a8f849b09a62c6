"""Node types and operations from another package (the `playground.plugins` entry point),
ported edges with two outputs, and contract tests every node type must pass: built-ins and
the plugin package's alike. The installation is a real dist-info folder on sys.path."""

from __future__ import annotations

import dataclasses
import io
import json
import tempfile

import joblib
import numpy as np
import pandas as pd
import pytest
from fasthtml.common import to_xml

from executor.engine import resolve, run_workflow
from inspectors.context import InspectorContext
from inspectors.forms import Form
from inspectors.panels import Inspector, parse_config
from nodes import graph as graphs
from nodes import registry as node_registry
from nodes.base import DESIGN_STATES, HOOKS, MODEL, RUN_STATES, Design, Hook, NodeType, Upstream
from plugins import registry
from tests.conftest import installed_entry_points, write_dist_info

PACKAGE, ENTRY_POINTS = "playground-extra-nodes", {"extra_nodes": "tests.plugins_extra.extra_nodes:PLUGINS"}


def install(folder):
    """The test package's dist-info in `folder` (the browser test puts it on PYTHONPATH)."""
    return write_dist_info(folder, PACKAGE, ENTRY_POINTS)


@pytest.fixture
def installed(tmp_path):
    with installed_entry_points(tmp_path, PACKAGE, ENTRY_POINTS):
        yield


def n(id, type, config=None):
    return {"id": id, "type": type, "position": {"x": 0, "y": 0}, "config": config or {}}


def e(s, t, sp=None, tp=None):
    edge = {"source": s, "target": t}
    if sp:
        edge["source_port"] = sp
    if tp:
        edge["target_port"] = tp
    return edge


def node_statuses(result):
    return {nid: v["status"] for nid, v in result["nodes"].items()}


TAIL = [n("s", "split", {"test_size": 0.25}), n("m", "model", {"algorithm": "logistic_regression"}),
        n("e", "evaluate", {"metrics": ["accuracy"]})]


def test_a_node_type_and_an_operation_from_an_entry_point_run_end_to_end(installed):
    types = node_registry.node_types()
    assert {"sample_rows", "row_gate"} <= set(types) and "dataset" in types
    assert "log1p_transform" in registry.operations()
    wf = {"nodes": [n("d", "dataset", {"dataset_id": "iris", "target_column": "target",
                                       "problem_type": "classification"}),
                    n("r", "sample_rows", {"n_rows": 60, "seed": 3}),
                    n("p", "preprocessing", {"operations": [{"method": "log1p_transform", "parameters": {}}]}),
                    *TAIL],
          "edges": [e("d", "r"), e("r", "p"), e("p", "s"), e("s", "m"), e("m", "e")]}
    r = resolve(wf)
    assert r.errors == {}, r.errors
    assert r.upstream["p"].n_rows == 60  # the plugin's design hook flows downstream
    models = {}

    def save(kind, name, data, mime, node_id=""):
        if kind == "model":
            models[node_id] = joblib.load(io.BytesIO(data))
        return kind

    result = run_workflow(wf, lambda ev: None, save_artifact=save)
    assert result["status"] == "completed", result
    split = result["nodes"]["s"]["output"]
    assert split["train_rows"] + split["test_rows"] == 60
    # the operation is a step of the model's pipeline, fitted: log1p of the training petal lengths
    step = next(s for name, s in models["m"].steps if "log1p" in repr(s))
    assert step.transform(pd.DataFrame({c: [0.0] for c in step.feature_names_in_})).iloc[0, 0] == 0.0
    assert step.transform(pd.DataFrame({c: [np.e - 1] for c in step.feature_names_in_})).iloc[0, 0] == pytest.approx(1.0)


def test_without_the_entry_point_neither_exists():
    node_registry.reload()
    assert "sample_rows" not in node_registry.node_types()
    assert "log1p_transform" not in registry.operations()
    r = resolve({"nodes": [n("r", "sample_rows")], "edges": []})
    assert "Unknown node type 'sample_rows'." in r.errors["r"]


def gate_workflow(min_rows):
    return {"nodes": [n("d", "dataset", {"dataset_id": "iris", "target_column": "target",
                                         "problem_type": "classification"}),
                      n("g", "row_gate", {"min_rows": min_rows}),
                      n("a", "sample_rows", {"n_rows": 10}), n("b", "sample_rows", {"n_rows": 20})],
            "edges": [e("d", "g"), e("g", "a", "pass"), e("g", "b", "fail")]}


@pytest.mark.parametrize("min_rows, ran, skipped", [(100, "a", "b"), (1000, "b", "a")])
def test_a_gate_sends_its_table_down_one_port_and_the_other_branch_is_skipped(installed, min_rows, ran, skipped):
    wf = gate_workflow(min_rows)
    parsed = graphs.parse(wf)
    assert {(x.source_port, x.target) for x in parsed.edges} == {("table", "g"), ("pass", "a"), ("fail", "b")}
    result = run_workflow(wf, lambda ev: None)
    statuses = node_statuses(result)
    assert statuses[ran] == "completed" and statuses[skipped] == "skipped"
    assert "sent nothing to its" in result["nodes"][skipped]["message"]


def test_ports_are_checked_by_name_and_type(installed):
    wf = gate_workflow(100)
    nodes = {x["id"]: x for x in wf["nodes"]}
    assert graphs.connection_problem(nodes, e("g", "a", "maybe")) == "Row gate has no output 'maybe'."
    nodes["m"] = n("m", "model")
    assert "cannot take Row gate's output (table); it needs split" in graphs.connection_problem(nodes, e("g", "m", "pass"))
    # an input that takes one edge refuses a second, from either output
    assert "takes one connection" in graphs.connection_problem(nodes, e("g", "a", "fail"), wf["edges"] + [e("g", "a", "fail")])
    assert graphs.connection_problem(nodes, e("d", "a"), []) is None
    # an edge saved without ports gets the first fitting ones
    filled = graphs.with_ports({"nodes": wf["nodes"], "edges": [e("g", "a")]})
    assert filled["edges"][0]["source_port"] == "pass" and filled["edges"][0]["target_port"] == "table"


# --------------------------------------------------------------------------- contracts
def every_type():
    with installed_entry_points(tempfile.mkdtemp(prefix="playground-ep-"), PACKAGE, ENTRY_POINTS):
        return list(node_registry.node_types())


TYPES = every_type()


def test_the_contract_covers_the_plugin_types_too():
    assert {"dataset", "preprocessing", "split", "model", "evaluate", "visualize", "sample_rows", "row_gate"} <= set(TYPES)


def iris_upstream():
    from executor.engine import default_dataset_facts

    facts = default_dataset_facts()("iris")
    return Upstream(node_type="dataset", problem_type="classification", target_column="target",
                    columns=facts["columns"], n_rows=facts["n_rows"], dataset_id="iris", dataset_name="Iris")


@pytest.mark.parametrize("type_name", TYPES)
def test_every_node_type_keeps_the_contract(installed, type_name):
    nt: NodeType = node_registry.node_types()[type_name]
    # a declaration the canvas can draw, through JSON and back
    decl = json.loads(json.dumps(nt.to_json()))
    assert decl["type"] == nt.type and decl["label"] and decl["icon"]
    assert [p["name"] for p in decl["inputs"]] == [p.name for p in nt.inputs]
    assert [p["name"] for p in decl["outputs"]] == [p.name for p in nt.outputs]
    assert all(p["types"] for p in decl["inputs"] + decl["outputs"])
    assert len({p.name for p in nt.outputs}) == len(nt.outputs)
    # validation: an empty config never raises, gives (clean, errors) of dicts with sentences
    up = iris_upstream()
    if any(MODEL in p.types for p in nt.inputs):  # fed by a model: a trained classifier upstream
        up.node_type, up.algorithm = "model", "random_forest"
    clean, errors = nt.validate({}, up, Design())
    assert isinstance(clean, dict) and isinstance(errors, dict)
    assert all(isinstance(m, str) and m.endswith((".", "?", ")")) for m in errors.values()), errors
    json.dumps(clean, default=str)
    # summaries and the design-time output are total
    assert isinstance(nt.summary(clean, up), str)
    out = nt.design(clean, up, Design())
    ports = out if isinstance(out, dict) else {None: out}
    assert all(isinstance(u, Upstream) and u.node_type == nt.type for u in ports.values())
    assert isinstance(nt.advise(clean, up, []), list) and isinstance(nt.preview(clean, up, Design()), list)
    assert isinstance(nt.estimate(clean, up, Design()), dict)
    # the inspector renders and its parser gives back each Param's value
    ctx = InspectorContext(workflow_id="wf", node_id="x", node_type=nt, config=dict(clean), clean=clean,
                           field_errors={}, node_errors=[], upstream=up)
    html = to_xml(Inspector(ctx))
    assert f'data-inspector="{nt.type}"' in html and 'hx-post="/ui/workflows/wf/nodes/x/config"' in html
    config, refused = parse_config(Form([]), ctx)
    assert refused == {} and config == ctx.config  # posting nothing changes nothing


@pytest.mark.parametrize("type_name", ["sample_rows", "row_gate"])
def test_the_generic_inspector_shows_and_parses_every_param(installed, type_name):
    nt = node_registry.node_types()[type_name]
    up = iris_upstream()
    ctx = InspectorContext(workflow_id="wf", node_id="x", node_type=nt, config={}, clean=nt.validate({}, up, Design())[0],
                           field_errors={}, node_errors=[], upstream=up,
                           previews=nt.preview(nt.validate({}, up, Design())[0], up, Design()))
    html = to_xml(Inspector(ctx))
    for p in nt.params:  # every Param is a field, unless its declaration hides it for now
        assert (f'name="{p.name}"' in html) == p.visible(ctx.clean), p.name
    ints = [p for p in nt.params if p.kind == "int"]
    posted = Form([(p.name, str(int(p.max) if p.max < 1e6 else 7)) for p in ints])
    config, refused = parse_config(posted, ctx)
    assert refused == {} and all(isinstance(config[p.name], int) for p in ints)
    bad = Form([(nt.params[0].name, "0")])  # below every declared minimum
    config, refused = parse_config(bad, ctx)
    assert nt.params[0].name in refused and config.get(nt.params[0].name) == ctx.config.get(nt.params[0].name)
    assert "must be at least 1; got 0." in refused[nt.params[0].name][1]
    if "preview" in nt.declared:
        assert "Keeps 100 of 150 rows." in html


# what a node type offers besides its hooks and `run`
NODE_TYPE_HELPERS = {"readable", "input_port", "output_port", "produces", "to_json"}


def test_every_hook_has_one_name_the_declaration_and_its_callers_share(installed):
    """Issue 16: no second name for a hook (a `summarise` beside `summary`). A declaration
    field that holds a function is a hook under that name (or `run`), and a node type's
    public callables are exactly those plus the helpers listed above."""
    function_fields = {f.name for f in dataclasses.fields(NodeType) if "Callable" in str(f.type)}
    assert function_fields == set(HOOKS) | {"run"}
    for nt in node_registry.node_types().values():
        public = {name for name in dir(nt) if not name.startswith("_") and callable(getattr(nt, name))}
        assert public == set(HOOKS) | {"run"} | NODE_TYPE_HELPERS, nt.type
        for name in HOOKS:
            hook = getattr(nt, name)
            assert isinstance(hook, Hook) and hook.name == name, (nt.type, name)
            assert (name in nt.declared) == (hook.declared is not None), (nt.type, name)


def test_a_hook_called_by_its_name_applies_the_defaults_of_what_was_declared(installed):
    nt = node_registry.node_types()["row_gate"]  # declares a one-argument summary; no advise, preview, export
    up = iris_upstream()
    assert nt.summary({"min_rows": 5}, up) == "pass when ≥ 5 rows"
    assert nt.summary({"min_rows": "many"}, up) == "pass when ≥ 100 rows"  # a stored value its Param rules out
    assert nt.validate({"min_rows": "many"}, up, Design())[1]["min_rows"]
    assert nt.advise({}, up) == [] and nt.preview({}, up, Design()) == [] and nt.estimate({}, up, Design()) == {}
    assert nt.reconcile({"min_rows": 5}, {}, Design()) == {"min_rows": 5}
    assert nt.export({}, None) is None and "export" not in nt.declared and nt.to_json()["exportable"] is False
    assert [f["key"] for f in nt.fields({})] == ["min_rows"]
    ports = nt.design({}, up)
    assert set(ports) == {"pass", "fail"} and all(u.node_type == "row_gate" for u in ports.values())
    # a copy (as an entry point overriding a built-in makes one) wraps the declared functions once
    copy = dataclasses.replace(nt, label="Row gate (copy)")
    assert copy.summary.declared is nt.summary.declared and copy.declared == nt.declared
    assert copy.summary({"min_rows": 5}, up) == "pass when ≥ 5 rows"
    assert copy != nt and dataclasses.replace(nt) == nt


def test_design_states_and_run_statuses_are_two_vocabularies():
    assert not set(DESIGN_STATES) & set(RUN_STATES)
    assert {"not-configured", "configured", "invalid"} == set(DESIGN_STATES)
    assert {"running", "completed", "failed", "skipped", "cancelled"} <= set(RUN_STATES)


LOOKUPS = {
    "METRIC": lambda: registry.metrics()["accuracy"], "PLOT": lambda: registry.plots()["confusion_matrix"],
    "OPERATION": lambda: registry.operations()["standard_scaler"], "MODELPLUGIN": lambda: registry.models()["knn"],
    "NODETYPE": lambda: node_registry.node_types()["split"],
}


@pytest.mark.parametrize("kind", sorted(LOOKUPS))
def test_every_entry_point_kind_replaces_the_built_in_through_the_one_registry(tmp_path, kind):
    """An entry point that reuses a key replaces the built-in for every lookup: its name
    and its function alike (a metric used to keep the built-in's function)."""
    from plugins.base import EvalData
    from plugins.evaluators import compute_metric
    from plugins.visualizers import render_plot

    node_registry.reload()
    from tests.plugins_extra import overrides

    obj = getattr(overrides, kind)
    assert LOOKUPS[kind]() is not obj
    with installed_entry_points(tmp_path, "playground-override", {"override": f"tests.plugins_extra.overrides:{kind}"}):
        assert LOOKUPS[kind]() is obj
        data = EvalData(problem_type="classification", y_test=[0, 1], y_pred=[0, 1])
        if kind == "METRIC":
            assert compute_metric("accuracy", data) == 0.125
        if kind == "PLOT":
            assert render_plot("confusion_matrix", data) == b"\x89PNG-plugin"


def test_a_column_param_offers_the_input_columns_and_shows_when_its_condition_holds(installed):
    nt = node_registry.node_types()["sample_rows"]
    up = iris_upstream()
    config = {"n_rows": 30, "stratify": True, "by_column": "target"}
    clean, errors = nt.validate(config, up, Design())
    assert errors == {}
    ctx = InspectorContext(workflow_id="wf", node_id="x", node_type=nt, config=config, clean=clean,
                           field_errors={}, node_errors=[], upstream=up)
    html = to_xml(Inspector(ctx))
    assert 'name="by_column"' in html and all(f'value="{c["name"]}"' in html for c in up.columns)
    assert nt.validate({**config, "by_column": "nope"}, up, Design())[1]["by_column"] == \
        "There is no column 'nope' in the input."
    wf = {"nodes": [n("d", "dataset", {"dataset_id": "iris", "target_column": "target",
                                       "problem_type": "classification"}), n("r", "sample_rows", config)],
          "edges": [e("d", "r")]}
    result = run_workflow(wf, lambda ev: None)
    assert result["status"] == "completed" and result["nodes"]["r"]["output"]["rows"] == 30


def test_a_second_model_into_one_evaluate_says_how_to_compare_them():
    """A new user refused "Evaluate's input Model takes one connection" did not learn that two
    models are compared with two Evaluate nodes (the leaderboard then ranks them)."""
    nodes = {"m1": n("m1", "model"), "m2": n("m2", "model"), "e": n("e", "evaluate")}
    said = graphs.connection_problem(nodes, e("m2", "e"), [e("m1", "e")])
    assert said == ("Evaluate's input Model takes one connection; it already has one. To compare models, give each "
                    "its own Evaluate node: the leaderboard ranks them.")
