"""The edges between nodes stacked one under the other (Debian's Chromium, the real app,
1600x1000 and 1366x768). A new user saw the edge from Split to Model loop sideways into the
Model's "Train/test" input instead of running straight down: that port sat a quarter of the
way in (the Model's two inputs shared its top), and the curve's handles reached 36 px down
and up whatever the gap, so between nodes 26 px apart ("New workflow from this dataset") it
overshot the port and came back up into it. The Model's Train/test input is now in its
middle, under the Split's output (its Retrain input, a loop's, is set off to the right), and
to a node below, the curve stays between its two ports.

Checked on what the user sees: the edge's SVG path on screen against its nodes and ports."""

from __future__ import annotations

import json

import pytest

from tests.test_ui_browser import BROWSER_TESTS, ROOT, api, sized_page
from tests.test_ui_plugins import node

pytestmark = BROWSER_TESTS
SIZES = [(1600, 1000), (1366, 768)]
EXAMPLES = sorted(p.stem for p in (ROOT / "examples").glob("*.json"))
TOLERANCE = 1.0  # px on screen: anti-aliasing and rounding, not a loop
IRIS = {"dataset_id": "iris", "target_column": "target", "problem_type": "classification"}

# every edge but a loop's (it goes back up, routed around the nodes), on screen: its path's
# box, its source's and target's boxes and the centres of the two ports it joins
EDGES_JS = """() => {
  const graph = window.playground.graph;
  const rect = (el) => { const r = el.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  const centre = (el) => { const r = el.getBoundingClientRect(); return {x: (r.left + r.right) / 2, y: (r.top + r.bottom) / 2}; };
  const body = (cell) => graph.findViewByCell(cell).container.querySelector("[data-node-id]");
  const port = (cell, id) => graph.findViewByCell(cell).container.querySelector(`[port="${id}"]`);
  return graph.getEdges().filter((e) => !graph.findViewByCell(e).container.classList.contains("pg-loop-edge")).map((e) => {
    const path = graph.findViewByCell(e).container.querySelector('path[pointer-events="none"]');
    const m = path.getScreenCTM(), n = 60, length = path.getTotalLength();
    const points = [...Array(n + 1).keys()].map((i) => path.getPointAtLength(length * i / n).matrixTransform(m)).map((q) => ({x: q.x, y: q.y}));
    return {
      points,
      name: `${e.getSourceCellId()}/${e.getSourcePortId()} -> ${e.getTargetCellId()}/${e.getTargetPortId()}`,
      path: rect(path), d: path.getAttribute("d"),
      source: rect(body(e.getSourceCell())), target: rect(body(e.getTargetCell())),
      from: centre(port(e.getSourceCell(), e.getSourcePortId())),
      to: centre(port(e.getTargetCell(), e.getTargetPortId())),
    };
  });
}"""


def edges_on_screen(pg) -> list[dict]:
    pg.wait_for_function("window.playground && window.playground.graph && window.playground.graph.getEdges().length")
    pg.wait_for_timeout(150)  # the fit to the view settles in a frame
    return pg.evaluate(EDGES_JS)


def assert_between(edge: dict, where: str) -> None:
    """An edge to a node below: its path keeps inside the two nodes' columns, never above its
    source port nor below its target port, only ever goes down, and runs straight down when
    the ports line up."""
    p, t = edge["path"], TOLERANCE
    what = f"{where}: {edge['name']} ({edge['d']})"
    assert edge["source"]["right"] - edge["source"]["left"] > 60 and p["bottom"] - p["top"] > 2, what  # drawn
    left = min(edge["source"]["left"], edge["target"]["left"])
    right = max(edge["source"]["right"], edge["target"]["right"])
    assert p["left"] >= left - t and p["right"] <= right + t, f"{what} goes outside its nodes' columns"
    assert p["top"] >= edge["from"]["y"] - t, f"{what} rises {edge['from']['y'] - p['top']:.1f} px above its source port"
    assert p["bottom"] <= edge["to"]["y"] + t, f"{what} falls {p['bottom'] - edge['to']['y']:.1f} px below its target port"
    assert p["left"] >= min(edge["from"]["x"], edge["to"]["x"]) - t and p["right"] <= max(edge["from"]["x"], edge["to"]["x"]) + t, \
        f"{what} swings sideways beyond its ports"
    # and only ever goes down: no wiggle back up beside the port (what the user saw)
    rises = [a["y"] - b["y"] for a, b in zip(edge["points"], edge["points"][1:])]
    assert max(rises) <= 0.05, f"{what} goes back up {sum(r for r in rises if r > 0):.1f} px on its way down"
    if abs(edge["from"]["x"] - edge["to"]["x"]) < 0.5:
        assert p["right"] - p["left"] <= t, f"{what} is not straight between ports that line up"


def below(edge: dict) -> bool:
    return edge["target"]["top"] >= edge["source"]["bottom"]


def stacked(edge: dict) -> bool:
    """Its two nodes one under the other, in one column."""
    return abs((edge["source"]["left"] + edge["source"]["right"]) / 2 - (edge["target"]["left"] + edge["target"]["right"]) / 2) < 1


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_example_workflows_edges_run_straight_down_their_columns(browser, server, size):  # noqa: F811
    with sized_page(browser, size) as pg:
        for example in EXAMPLES:
            wf = json.loads((ROOT / "examples" / f"{example}.json").read_text())
            created = api(server, "/api/v1/workflows", wf)
            pg.goto(f"{server}/workflows/{created['id']}")
            edges = edges_on_screen(pg)
            assert len(edges) == len(wf["edges"]), example
            for edge in edges:
                assert below(edge), (example, edge)
                assert_between(edge, f"{example} at {size}")
                if stacked(edge):  # every node of a column is fed through its middle
                    assert abs(edge["from"]["x"] - edge["to"]["x"]) < 0.5, f"{example}: {edge['name']} ports do not line up"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("dataset", ["iris", "diabetes", "wine"])
def test_a_new_workflow_from_a_dataset_runs_straight_down(browser, server, size, dataset):  # noqa: F811
    """The Datasets page's "New workflow from this dataset": its nodes 110 px apart, the gap
    where the edge into the Model looped."""
    with sized_page(browser, size) as pg:
        pg.goto(f"{server}/datasets/{dataset}")
        pg.get_by_role("button", name="New workflow from this dataset").click()
        pg.wait_for_url("**/workflows/wf_*")
        edges = edges_on_screen(pg)
        assert [e["name"].split(" -> ")[1].split("/")[0] for e in edges] == ["split", "model", "evaluate", "visualize"]
        for edge in edges:
            assert below(edge) and stacked(edge), edge
            assert abs(edge["from"]["x"] - edge["to"]["x"]) < 0.5, f"{edge['name']}: its ports do not line up"
            assert_between(edge, f"new workflow on {dataset} at {size}")


# a Split over a Model: how far the Model sits to the right (px, negative: left) and the gap
# between the two nodes (px): lined up, nearly lined up, a port's width off, a quarter of a
# node off, across; nodes nearly touching, the "New workflow" gap, the examples' gap, far apart
SHIFTS = [0, 3, -6, 14, 58, -90, 260]
GAPS = [6, 12, 26, 46, 140]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("gap", GAPS)
def test_an_edge_to_a_node_below_stays_between_its_ports(browser, server, size, gap):  # noqa: F811
    """Each shift of a Model under its Split, for one gap: the edge never loops around either
    node, however near the ports are to lining up."""
    nodes, edges = [], []
    for k, shift in enumerate(SHIFTS):
        x = 40 + 560 * k
        nodes += [node(f"s{k}", "split", {}, x, 40), node(f"m{k}", "model", {"algorithm": "random_forest"}, x + shift, 40 + 84 + gap)]
        edges.append({"source": f"s{k}", "target": f"m{k}"})
    with sized_page(browser, size) as pg:
        created = api(server, "/api/v1/workflows", {"name": f"Stacked, {gap} px apart", "nodes": nodes, "edges": edges})
        pg.goto(f"{server}/workflows/{created['id']}")
        found = edges_on_screen(pg)
        assert len(found) == len(SHIFTS)
        for edge in found:
            assert below(edge), edge
            assert_between(edge, f"{gap} px apart at {size}")
