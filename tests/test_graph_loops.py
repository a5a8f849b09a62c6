"""The graph module's rules for loops (nodes/graph.py): a loop edge (from a port declared
`loop`, a Retrain's) is kept out of the order and allowed only where it closes a loop that
leaves through a failing port (a Gate's Fail) back up to a node above it, with a bound; every
cycle holds exactly one loop edge, so two loops that overlap are refused; any other cycle is
refused with the sentence it always had. Parsed with the real node types (plus, where the
built-ins cannot make the shape, one declared here)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from nodes import graph as graphs
from nodes.base import METRICS, NodeType, Port
from nodes.registry import node_types

IRIS = {"dataset_id": "iris", "target_column": "target", "problem_type": "classification"}
CYCLE = "This node is part of a cycle; a workflow must flow one way."


def wf(nodes, edges):
    return {"nodes": [{"id": i, "type": t, "config": c} for i, t, c in nodes],
            "edges": [dict(zip(("source", "target", "source_port", "target_port"), e, strict=False)) for e in edges]}


def loop_graph(extra_nodes=(), extra_edges=()):
    nodes = [("d", "dataset", IRIS), ("s", "split", {}), ("m", "model", {"algorithm": "logistic_regression"}),
             ("e", "evaluate", {}), ("g", "gate", {"metric": "accuracy", "threshold": 0.9}), ("r", "retrain", {}),
             ("x", "deploy", {"name": "a"}), ("v", "visualize", {}), *extra_nodes]
    edges = [("d", "s"), ("s", "m"), ("m", "e"), ("m", "v"), ("e", "g"), ("g", "x", "pass"), ("g", "r", "fail"),
             ("r", "m"), *extra_edges]
    return wf(nodes, edges)


def test_a_loop_edge_is_kept_out_of_the_order_and_its_body_runs_in_one_go():
    g = graphs.parse(loop_graph())
    assert g.errors == {}
    [loop] = g.loops
    assert (loop.node, loop.target, loop.exit.source, loop.exit.source_port, loop.bound) == ("r", "m", "g", "fail", 3)
    assert loop.body == ("m", "e", "g")
    assert loop.edge not in g.edges and all(e.source != "r" for es in g.preds.values() for e in es)
    # the loop's nodes side by side, its Retrain last; what hangs below it (Visualize, Deploy) after
    at = {nid: i for i, nid in enumerate(g.order)}
    assert [at[n] for n in ("m", "e", "g", "r")] == list(range(at["m"], at["m"] + 4))
    assert at["v"] > at["r"] and at["x"] > at["r"]


def test_the_retrain_output_port_is_declared_a_loop_and_the_gates_fail_port_failing():
    types = node_types()
    def output(node_type, name):
        return next(p for p in types[node_type].outputs if p.name == name)

    assert output("retrain", "model").to_json()["loop"] is True
    assert output("gate", "fail").failing and not output("gate", "pass").failing
    assert types["model"].input_port("retrain").loop and not types["model"].input_port("retrain").required


def test_a_cycle_of_forward_edges_is_refused_as_before():
    g = graphs.parse(wf([("d", "dataset", IRIS), ("p", "preprocessing", {}), ("q", "preprocessing", {})],
                        [("d", "p"), ("p", "q"), ("q", "p")]))
    assert CYCLE in g.errors["p"] and CYCLE in g.errors["q"] and not g.loops


def test_a_loop_must_leave_through_a_failing_port():
    graph = loop_graph()
    graph["edges"] = [{**e, "source_port": "pass"} if e.get("source_port") == "fail" else e for e in graph["edges"]]
    g = graphs.parse(graph)
    assert g.errors["r"] == ["A loop must leave through Gate's Fail: connect it into this Retrain node."]
    assert not g.loops


def test_a_loop_must_go_back_up_above_its_gate():
    g = graphs.parse(loop_graph(extra_nodes=[("m2", "model", {"algorithm": "knn"})], extra_edges=[("s", "m2")]))
    assert not g.errors
    graph = loop_graph(extra_nodes=[("m2", "model", {"algorithm": "knn"}), ("e2", "evaluate", {})],
                       extra_edges=[("s", "m2"), ("m2", "e2")])
    graph["edges"] = [e if e["source"] != "r" else {"source": "r", "target": "m2"} for e in graph["edges"]]
    g = graphs.parse(graph)
    assert g.errors["r"] == ["Retrain's loop must go back up to a node above the Gate it leaves from; "
                             "Model 'm2' is not above it."]


def test_a_retrain_whose_output_goes_nowhere_says_so():
    graph = loop_graph()
    graph["edges"] = [e for e in graph["edges"] if e["source"] != "r"]
    g = graphs.parse(graph)
    assert g.errors["r"] == ["Retrain needs its Back to Model output connected back up to the node it runs again."]


def test_a_loop_without_a_bound_is_refused():
    types = dict(node_types())
    types["retrain"] = replace(types["retrain"], loop=None)  # a loop port but no bound declared
    g = graphs.parse(loop_graph(), types)
    assert g.errors["r"] == ["A loop needs a bound: set Retrain's maximum number of rounds."] and not g.loops
    g = graphs.parse(loop_graph(), node_types())
    assert g.loops[0].bound == 3
    over = loop_graph()
    over["nodes"][5]["config"] = {"max_rounds": 10}
    assert graphs.parse(over).loops[0].bound == 10


def test_two_loops_that_overlap_are_refused():
    """Every cycle must hold exactly one loop edge: with a node that joins two evaluations,
    two Retrains can send one gate's failures back to two models, and a cycle then runs
    through both loop edges."""
    types = dict(node_types())
    types["join"] = NodeType(type="join", label="Join", icon="+", colour="#000", description="",
                             inputs=(Port("metrics", (METRICS,), multiple=True),),
                             outputs=(Port("metrics", (METRICS,)),), params=(),
                             validate=lambda c, u: (c, {}), run=lambda c, i, x: None, summary=lambda c: "")
    graph = wf([("d", "dataset", IRIS), ("s", "split", {}), ("m1", "model", {}), ("m2", "model", {}),
                ("e1", "evaluate", {}), ("e2", "evaluate", {}), ("j", "join", {}), ("g", "gate", {}),
                ("r1", "retrain", {}), ("r2", "retrain", {})],
               [("d", "s"), ("s", "m1"), ("s", "m2"), ("m1", "e1"), ("m2", "e2"), ("e1", "j"), ("e2", "j"),
                ("j", "g"), ("g", "r1", "fail"), ("g", "r2", "fail"), ("r1", "m1"), ("r2", "m2")])
    g = graphs.parse(graph, types)
    sentence = "Two loops overlap here ('r1', 'r2'); a loop may go through one node that sends it back up."
    assert g.errors["r1"] == [sentence] and g.errors["r2"] == [sentence] and not g.loops
    one = {**graph, "edges": [e for e in graph["edges"] if e["source"] != "r2"]}
    g = graphs.parse(one, types)
    assert [x.node for x in g.loops] == ["r1"] and "r1" not in g.errors


def test_a_loop_edge_connects_a_retrain_to_a_model_only():
    nodes = {n["id"]: n for n in loop_graph()["nodes"]}
    assert graphs.connection_problem(nodes, {"source": "r", "target": "m"}) is None
    assert graphs.connection_problem(nodes, {"source": "r", "target": "e"}) == (
        "Evaluate cannot take Retrain's output (retrain); it needs model.")
    assert graphs.connection_problem(nodes, {"source": "g", "source_port": "fail", "target": "m",
                                             "target_port": "retrain"}) == (
        "Model cannot take Gate's output (metrics); it needs retrain.")
    # an edge that names no port never lands on the loop input: the Split's goes to Train/test
    assert graphs.fill_ports({}, node_types()["split"], node_types()["model"]) == ("split", "split", None)
    assert "it needs split." in graphs.connection_problem(nodes, {"source": "d", "target": "m"})


def test_the_estimate_counts_a_loops_nodes_once_per_round():
    from executor.engine import resolve
    from executor.estimate import estimate

    def cost(rounds):
        graph = loop_graph()
        graph["nodes"][5]["config"] = {"max_rounds": rounds}
        return estimate(resolve(graph))

    one, three = cost(1), cost(3)
    assert three["credits"] >= one["credits"] and three["seconds"] > one["seconds"]
    said = next(line for line in three["breakdown"] if line.startswith("up to 3 rounds of the loop through node 'r'"))
    assert "an upper bound" in said and "round 3: Logistic Regression" in said


def test_a_branch_that_does_not_need_the_loop_runs_before_it():
    """A second model on the same split waited for the retrain loop's rounds (a minute of
    Optuna trials) although it takes nothing from the loop (found by a new user)."""
    g = graphs.parse(loop_graph(extra_nodes=[("m2", "model", {"algorithm": "knn"}), ("e2", "evaluate", {})],
                                extra_edges=[("s", "m2"), ("m2", "e2")]))
    assert g.errors == {}
    at = {nid: i for i, nid in enumerate(g.order)}
    assert at["s"] < at["m2"] < at["e2"] < at["m"]
    assert [at[n] for n in ("m", "e", "g", "r")] == list(range(at["m"], at["m"] + 4))
    assert at["v"] > at["r"] and at["x"] > at["r"]


def test_the_retrain_config_names_what_it_refuses():
    from executor.engine import resolve

    graph = loop_graph()
    graph["nodes"][5]["config"] = {"escalation": "algorithm", "algorithms": "random_forest, deep_magic"}
    [message] = resolve(graph).errors["r"]
    assert message.startswith("Unknown algorithm 'deep_magic'; the algorithms are ") and "Random Forest" in message
    assert "Linear Regression" not in message  # not one for classification
    # the names the Model node shows are taken as its keys (a new user typed "Random Forest")
    graph["nodes"][5]["config"] = {"escalation": "algorithm", "algorithms": "Random Forest,  logistic regression"}
    assert "r" not in resolve(graph).errors
    assert resolve(graph).configs["r"]["algorithms"] == "random_forest, logistic_regression"
    graph["nodes"][5]["config"] = {"escalation": "algorithm", "algorithms": "linear_regression"}
    assert resolve(graph).errors["r"] == ["Linear Regression cannot do classification."]
    graph["nodes"][5]["config"] = {"escalation": "algorithm", "algorithms": " "}
    assert resolve(graph).errors["r"] == ["List the algorithms to try next (their names, comma-separated)."]
    graph["nodes"][5]["config"] = {"max_rounds": 0}
    assert any("Max rounds" in m for m in resolve(graph).errors["r"])


CHAIN = [("d", "dataset", IRIS), ("s", "split", {}), ("m", "model", {"algorithm": "logistic_regression"})]


@pytest.mark.parametrize("edge,said", [
    (("m", "ghost"), "The connection from 'm' goes to node 'ghost', which does not exist"),
    (("s", "model-1"), "The connection from 's' goes to node 'model-1', which does not exist"),
    (("ghost", "m"), "The connection into 'm' comes from node 'ghost', which does not exist"),
    (("dataset", "s"), "The connection into 's' comes from node 'dataset', which does not exist"),
    (("old", "older"), "A connection from node 'old' to node 'older' joins two nodes that do not exist"),
])
def test_a_connection_to_a_node_that_is_not_there_names_both_ends_and_how_it_goes(edge, said):
    """An imported workflow whose connection names a node that is not there (a renamed id in
    the file) was told "An edge refers to node 'ghost', which does not exist.": which of the
    nodes drawn it leaves, and how to be rid of it, were not said (the canvas cannot draw it,
    so it cannot be selected; moving a node saves the canvas without it)."""
    g = graphs.parse(wf(CHAIN, [("d", "s"), ("s", "m"), edge]))
    messages = g.errors.get(graphs.GRAPH, [])
    assert any(m.startswith(said + ": the canvas cannot draw it, and keeps it. Correct the id in the workflow file, or remove it") for m in messages), messages
    assert not ({"d", "s", "m"} & set(g.errors)) or all("does not exist" not in m for k in "dsm"
                                                        for m in g.errors.get(k, [])), g.errors


def test_connections_between_nodes_that_are_there_say_nothing_of_missing_nodes():
    g = graphs.parse(wf(CHAIN, [("d", "s"), ("s", "m")]))
    assert not any("does not exist" in m for ms in g.errors.values() for m in ms), g.errors
