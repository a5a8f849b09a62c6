"""A plugin package's node types in the real editor: the app (and its workers) started with
a dist-info folder on PYTHONPATH, as pip would leave it. Nothing in the project names the
"Sample rows" node, the "Row gate" or the log1p operation."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.conftest import running_app
from tests.test_node_plugins import install
from tests.test_ui_browser import (
    BROWSER_TESTS,
    ROOT,
    api,
    connect,
    drag_from_palette,
    inspector_ready,
    open_inspector,
    wait_saved,
)

pytestmark = BROWSER_TESTS


@pytest.fixture(scope="module")
def server():
    """An app of its own, standing in for tests/conftest.py's shared one in this file (for
    `page` too): a plugin package installed."""
    site = install(Path(tempfile.mkdtemp(prefix="playground-site-")))
    path = os.pathsep.join(filter(None, [str(site), str(ROOT), os.environ.get("PYTHONPATH")]))
    with running_app("--workers", "1", env={"PYTHONPATH": path}) as app:
        yield app.base


def node(id, type, config=None, x=300, y=60):
    return {"id": id, "type": type, "position": {"x": x, "y": y}, "config": config or {}}


def open_workflow(pg, server, wf):
    created = api(server, "/api/v1/workflows", wf)
    pg.goto(f"{server}/workflows/{created['id']}")
    pg.wait_for_function("window.playground && window.playground.graph")
    return created["id"]


def test_a_plugin_node_is_dragged_configured_in_the_generic_inspector_and_runs(page, server):  # noqa: F811
    pg = page
    assert "sample_rows" in {t["type"] for t in api(server, "/api/v1/node-types")}
    iris = {"dataset_id": "iris", "target_column": "target", "problem_type": "classification"}
    wid = open_workflow(pg, server, {"name": "Plugin node", "nodes": [
        node("d", "dataset", iris, 80, 40),
        node("p", "preprocessing", {"operations": [{"method": "log1p_transform", "parameters": {}}]}, 420, 200),
        node("s", "split", {"test_size": 0.25}, 420, 320),
        node("m", "model", {"algorithm": "logistic_regression"}, 420, 440),
        node("e", "evaluate", {"metrics": ["accuracy"]}, 420, 560)],
        "edges": [{"source": "p", "target": "s"}, {"source": "s", "target": "m"}, {"source": "m", "target": "e"}]})
    sample = drag_from_palette(pg, "sample_rows", 80, 220)
    wait_saved(pg)
    connect(pg, "d", sample)
    wait_saved(pg)
    connect(pg, sample, "p")
    wait_saved(pg)
    open_inspector(pg, sample)
    assert pg.locator("#inspector [data-inspector=sample_rows]").count() == 1
    assert "Keeps 100 of 150 rows." in pg.locator("#inspector").inner_text()
    pg.fill("#inspector input[name=n_rows]", "60")
    pg.locator("#inspector input[name=n_rows]").dispatch_event("change")
    pg.wait_for_selector("#inspector >> text=Keeps 60 of 150 rows.")
    inspector_ready(pg)
    graph = api(server, f"/api/v1/workflows/{wid}")["graph"]
    assert next(n for n in graph["nodes"] if n["id"] == sample)["config"]["n_rows"] == 60
    pg.click("#run-button")
    pg.wait_for_selector("#results-body[data-status=completed]", timeout=90_000)
    assert pg.locator(f'#canvas [data-node-id="{sample}"]').get_attribute("data-status") == "completed"
    job = api(server, f"/api/v1/jobs?workflow_id={wid}")[0]
    nodes = {n["node_id"]: n for n in api(server, f"/api/v1/jobs/{job['id']}")["nodes"]}
    assert nodes["s"]["output"]["train_rows"] + nodes["s"]["output"]["test_rows"] == 60
    assert nodes["p"]["status"] == "completed"


def test_a_gate_with_two_outputs_connects_each_to_another_node_and_runs_one_branch(page, server):  # noqa: F811
    pg = page
    iris = {"dataset_id": "iris", "target_column": "target", "problem_type": "classification"}
    wid = open_workflow(pg, server, {"name": "Gate", "nodes": [
        node("d", "dataset", iris, 300, 40), node("g", "row_gate", {"min_rows": 100}, 300, 200),
        node("a", "sample_rows", {"n_rows": 10}, 120, 380), node("b", "sample_rows", {"n_rows": 20}, 480, 380)],
        "edges": [{"source": "d", "target": "g"}]})
    for port_name, target in (("pass", "a"), ("fail", "b")):
        connect(pg, "g", target, source_port=port_name)
        wait_saved(pg)
    edges = api(server, f"/api/v1/workflows/{wid}")["graph"]["edges"]
    assert {(e["source"], e.get("source_port"), e["target"]) for e in edges} >= {("g", "pass", "a"), ("g", "fail", "b")}
    pg.reload()  # the ports survive a reload: each edge is drawn from its own port
    pg.wait_for_function("window.playground && window.playground.graph")
    drawn = pg.evaluate("window.playground.graph.getEdges().map(e => [e.getSourceCellId(), e.getSourcePortId(), "
                        "e.getTargetCellId()])")
    assert ["g", "out:pass", "a"] in drawn and ["g", "out:fail", "b"] in drawn
    pg.click("#run-button")
    pg.wait_for_selector("#results-body[data-status=completed]", timeout=90_000)
    assert pg.locator('#canvas [data-node-id="a"]').get_attribute("data-status") == "completed"
    assert pg.locator('#canvas [data-node-id="b"]').get_attribute("data-status") == "skipped"

