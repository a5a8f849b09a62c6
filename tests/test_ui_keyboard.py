"""The editor without a mouse, and what a drop does: a node dropped on an edge goes into it,
a three-node workflow is built with the keyboard alone, every control has a name a screen
reader can say, and the shortcuts popover opens and closes as a popover should."""

from __future__ import annotations

import pytest

from tests.conftest import wait_for  # noqa: E402
from tests.test_ui_browser import (
    ARTIFACTS,
    api,
    center,
    inspector_ready,
    open_inspector,
    settle,
    wait_config,
    wait_saved,
)

pytestmark = [pytest.mark.browser]


def open_workflow(pg, server, name, nodes=(), edges=()):
    wf = api(server, "/api/v1/workflows", {"name": name, "nodes": list(nodes), "edges": list(edges)})
    pg.goto(f"{server}/workflows/{wf['id']}")
    pg.wait_for_function("window.playground && window.playground.graph")
    settle(pg)
    return wf["id"]


def graph_of(server, wid):
    return api(server, f"/api/v1/workflows/{wid}")["graph"]


def pairs(graph):
    return sorted((e["source"], e["target"]) for e in graph["edges"])


def edge_midpoint(pg, source, target):
    """The middle of the drawn edge, in page coordinates."""
    return pg.evaluate("""([s, t]) => {
        const g = window.playground.graph;
        const e = g.getEdges().find(e => e.getSourceCellId() === s && e.getTargetCellId() === t);
        const p = g.findViewByCell(e).getPointAtRatio(0.5);
        const c = g.localToClient(p.x, p.y);
        return [c.x, c.y];
    }""", [source, target])


def drag_palette_to(pg, node_type, x, y):
    """Drag a palette item to page coordinates (x, y), pausing over the spot before the drop."""
    sx, sy = center(pg.locator(f".palette-item[data-node-type={node_type}]").bounding_box())
    pg.mouse.move(sx, sy)
    pg.mouse.down()
    pg.mouse.move(x, y, steps=12)


TWO = [{"id": "dataset-1", "type": "dataset", "position": {"x": 100, "y": 0}, "config": {}},
       {"id": "split-1", "type": "split", "position": {"x": 100, "y": 420}, "config": {}}]


def drop_preprocessing_on_edge(pg, server, wid, dx, edges_after):
    """Drag a Preprocessing node from the palette onto the dataset-1 -> split-1 edge (dx to
    the right of its middle) and drop it once the edge says it takes it: (the structure
    saves made, the stored graph, the new node's id)."""
    puts = []
    pg.on("request", lambda r: puts.append(r.url) if r.method == "PUT" and r.url.endswith("/structure") else None)
    x, y = edge_midpoint(pg, "dataset-1", "split-1")
    drag_palette_to(pg, "preprocessing", x + dx, y)
    # while it hovers, the edge says it will take the node
    pg.wait_for_selector('#canvas .x6-edge.pg-edge-drop', state="attached")
    pg.mouse.up()
    pg.wait_for_function(f"window.playground.graph.getEdges().length === {edges_after}")
    wait_saved(pg)
    settle(pg)
    graph = graph_of(server, wid)
    return puts, graph, next(n["id"] for n in graph["nodes"] if n["type"] == "preprocessing")


def test_a_node_dropped_on_an_edge_is_inserted_into_it_in_one_save(page, server):
    pg = page
    wid = open_workflow(pg, server, "Insert on edge", TWO, [{"source": "dataset-1", "target": "split-1"}])
    puts, graph, new = drop_preprocessing_on_edge(pg, server, wid, 20, edges_after=2)
    assert pairs(graph) == sorted([("dataset-1", new), (new, "split-1")])  # the old edge is gone
    assert len(puts) == 1, f"one structure save for the insertion, not {len(puts)}"
    assert pg.locator("#canvas .pg-edge-drop").count() == 0  # the highlight does not outlive the drop
    # both edges are drawn, from the source's output to the new node and on to the target
    for s, t in ((("dataset-1", new)), (new, "split-1")):
        path = pg.locator(f'#canvas g.x6-edge[data-cell-id="{edge_id(pg, s, t)}"] path').last
        assert path.get_attribute("d")
        box = path.bounding_box()
        assert box and box["height"] > 10


def test_a_node_inserted_between_close_nodes_makes_room_for_itself(page, server):
    """The examples leave 46 px between nodes: a node dropped on such an edge was drawn over
    both ends. Now it sits between them, and the target and the nodes after it move down by
    what was missing, in the same single save; nothing overlaps."""
    pg = page
    nodes = [{"id": "dataset-1", "type": "dataset", "position": {"x": 300, "y": 40}, "config": {}},
             {"id": "split-1", "type": "split", "position": {"x": 300, "y": 170}, "config": {}},
             {"id": "model-1", "type": "model", "position": {"x": 300, "y": 300}, "config": {}},
             {"id": "dataset-2", "type": "dataset", "position": {"x": 700, "y": 40}, "config": {}}]
    wid = open_workflow(pg, server, "Insert between close nodes", nodes,
                        [{"source": "dataset-1", "target": "split-1"}, {"source": "split-1", "target": "model-1"}])
    puts, graph, new = drop_preprocessing_on_edge(pg, server, wid, 0, edges_after=3)
    assert pairs(graph) == sorted([("dataset-1", new), (new, "split-1"), ("split-1", "model-1")])
    assert len(puts) == 1, f"one structure save for the insertion and the room it made, not {len(puts)}"
    boxes = pg.evaluate("""() => Object.fromEntries(window.playground.graph.getNodes().map(n => {
        const b = n.getBBox(); return [n.id, [b.x, b.y, b.width, b.height]]; }))""")
    ids = list(boxes)
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            (ax, ay, aw, ah), (bx, by, bw, bh) = boxes[a], boxes[b]
            assert ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay, f"{a} overlaps {b}: {boxes}"
    order = sorted(["dataset-1", new, "split-1", "model-1"], key=lambda n: boxes[n][1])
    assert order == ["dataset-1", new, "split-1", "model-1"]
    assert boxes[new][0] == boxes["dataset-1"][0]  # in line with its source
    shift = boxes["split-1"][1] - 170
    assert shift > 0 and boxes["model-1"][1] - 300 == shift  # the nodes after it moved together
    assert boxes["dataset-2"][:2] == [700, 40]  # a node elsewhere stays
    stored = {n["id"]: n["position"] for n in graph["nodes"]}
    assert stored["split-1"]["y"] == boxes["split-1"][1] and stored[new]["y"] == boxes[new][1]


def edge_id(pg, source, target):
    return pg.evaluate("""([s, t]) => window.playground.graph.getEdges()
        .find(e => e.getSourceCellId() === s && e.getTargetCellId() === t).id""", [source, target])


def test_a_node_that_cannot_take_the_edge_is_dropped_plainly_with_the_reason(page, server):
    pg = page
    wid = open_workflow(pg, server, "Refused insert", TWO, [{"source": "dataset-1", "target": "split-1"}])
    x, y = edge_midpoint(pg, "dataset-1", "split-1")
    drag_palette_to(pg, "model", x + 20, y)  # a Model takes a train/test split, not a table
    pg.wait_for_selector('#canvas .x6-edge.pg-edge-refused', state="attached")
    pg.mouse.up()
    pg.wait_for_selector(".toast:has-text('Model cannot go between Dataset and Train/Test Split')")
    wait_saved(pg)
    settle(pg)
    graph = graph_of(server, wid)
    assert len(graph["nodes"]) == 3 and pairs(graph) == [("dataset-1", "split-1")]


def test_a_refused_node_is_not_left_lying_over_the_nodes_it_was_dropped_between(page, server):
    """Two nodes as the examples space them (46 px apart): a Model dropped on their edge was
    refused and left over both (found by a new user). It moves to the first free spot."""
    pg = page
    close = [{**TWO[0]}, {**TWO[1], "position": {"x": 100, "y": 130}}]
    open_workflow(pg, server, "Refused, close", close, [{"source": "dataset-1", "target": "split-1"}])
    x, y = edge_midpoint(pg, "dataset-1", "split-1")
    drag_palette_to(pg, "model", x, y)
    pg.wait_for_selector('#canvas .x6-edge.pg-edge-refused', state="attached")
    pg.mouse.up()
    pg.wait_for_selector(".toast:has-text('Model cannot go between Dataset and Train/Test Split')")
    wait_saved(pg)
    settle(pg)
    boxes = pg.evaluate("""() => Object.fromEntries(window.playground.graph.getNodes().map(n => {
        const b = n.getBBox(); return [n.id, [b.x, b.y, b.width, b.height]]; }))""")
    assert len(boxes) == 3
    ids = list(boxes)
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            (ax, ay, aw, ah), (bx, by, bw, bh) = boxes[a], boxes[b]
            assert ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay, f"{a} overlaps {b}: {boxes}"


def test_moving_an_unconnected_node_onto_an_edge_inserts_it(page, server):
    pg = page
    nodes = TWO + [{"id": "preprocessing-1", "type": "preprocessing", "position": {"x": 520, "y": 200}, "config": {}}]
    wid = open_workflow(pg, server, "Move onto edge", nodes, [{"source": "dataset-1", "target": "split-1"}])
    sx, sy = center(pg.locator('#canvas [data-node-id="preprocessing-1"] .pg-node-head').bounding_box())
    x, y = edge_midpoint(pg, "dataset-1", "split-1")
    pg.mouse.move(sx, sy)
    pg.mouse.down()
    pg.mouse.move(x + 40, y, steps=12)
    pg.wait_for_selector('#canvas .x6-edge.pg-edge-drop', state="attached")
    pg.mouse.up()
    pg.wait_for_function("window.playground.graph.getEdges().length === 2")
    wait_saved(pg)
    settle(pg)
    assert pairs(graph_of(server, wid)) == sorted([("dataset-1", "preprocessing-1"), ("preprocessing-1", "split-1")])


# ---------------------------------------------------------------------------- keyboard
def focused(pg, selector):
    return pg.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)", selector)


def tab_to(pg, selector, limit=80, key="Tab"):
    """Press Tab until the focus is on an element matching the selector."""
    for _ in range(limit):
        if focused(pg, selector):
            return
        pg.keyboard.press(key)
    raise AssertionError(f"Tab never reached {selector}")


def selected(pg):
    return pg.evaluate("window.playground.graph.getPlugin('selection').getSelectedCells().map(c => c.id)")


def boxes_overlap(a, b):
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and \
        a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def test_a_three_node_workflow_built_with_the_keyboard_alone(page, server):
    pg = page
    wid = open_workflow(pg, server, "Keyboard only")
    # the palette: Tab to an item, Enter adds its node where no other node is (zoomed out, as after
    # fitting a larger workflow: the first free spot was under the zoom buttons)
    pg.evaluate("window.playground.graph.zoomTo(0.6)")
    for node_type in ("dataset", "split", "model"):
        tab_to(pg, f".palette-item[data-node-type={node_type}]")
        pg.keyboard.press("Enter")
        pg.wait_for_selector(f'#canvas [data-node-id="{node_type}-1"]')
    wait_saved(pg)
    boxes = [pg.locator(f'#canvas [data-node-id="{t}-1"]').bounding_box() for t in ("dataset", "split", "model")]
    assert not any(boxes_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]), boxes
    tools = pg.locator(".canvas-tools").bounding_box()  # and none under the zoom buttons ("eprocessing")
    assert not any(boxes_overlap(tools, b) for b in boxes), (tools, boxes)
    assert len(graph_of(server, wid)["nodes"]) == 3

    # the canvas: arrows select in reading order, the selection is announced and shown
    tab_to(pg, "#canvas")
    pg.keyboard.press("Home")
    assert selected(pg) == ["dataset-1"]
    assert "Dataset (dataset-1)" in pg.locator("#canvas-status").text_content()
    outline = pg.locator('#canvas [data-node-id="dataset-1"]').evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline == "solid"  # the focused node is visibly marked
    # C: a menu of the connections the declarations allow; arrows and Enter choose
    pg.keyboard.press("c")
    pg.wait_for_selector("#connect-menu:not([hidden])")
    items = pg.locator("#connect-menu [role=menuitem]").all_text_contents()
    assert items == ["To Train/Test Split (split-1)"], items  # a Model cannot take a table
    assert focused(pg, "#connect-menu [role=menuitem]")
    pg.keyboard.press("Enter")
    pg.wait_for_selector("#connect-menu", state="hidden")
    assert focused(pg, "#canvas")
    pg.keyboard.press("ArrowDown")
    assert selected(pg) == ["split-1"]
    pg.keyboard.press("c")
    pg.wait_for_selector("#connect-menu:not([hidden])")
    assert pg.locator("#connect-menu [role=menuitem]").all_text_contents() == ["To Model (model-1)"]
    pg.keyboard.press("Escape")  # Esc closes the menu, back on the canvas, nothing made
    pg.wait_for_selector("#connect-menu", state="hidden")
    assert focused(pg, "#canvas")
    pg.keyboard.press("c")
    pg.wait_for_selector("#connect-menu:not([hidden])")
    pg.keyboard.press("Enter")
    pg.wait_for_function("window.playground.graph.getEdges().length === 2")
    wait_saved(pg)
    settle(pg)
    assert pairs(graph_of(server, wid)) == [("dataset-1", "split-1"), ("split-1", "model-1")]

    # Enter opens the inspector of the selected node and takes the focus there
    pg.keyboard.press("Home")
    pg.keyboard.press("Enter")
    pg.wait_for_selector('#inspector [data-node-id="dataset-1"]')
    inspector_ready(pg)
    pg.wait_for_function("document.activeElement && document.activeElement.closest('#inspector') !== null")
    tab_to(pg, "#inspector [data-ds-search]")
    pg.keyboard.type("breast")
    tab_to(pg, "#inspector input[name=dataset_id]")
    assert pg.evaluate("document.activeElement.value") == "breast_cancer"
    pg.keyboard.press("Space")
    pg.wait_for_selector("#inspector select[name=target_column]")
    settle(pg)
    # the swap kept the focus on the field in use (restored once htmx has settled the swap)
    pg.wait_for_function("document.activeElement && document.activeElement.matches("
                         "'#inspector input[name=dataset_id][value=breast_cancer]')", timeout=5000)
    pg.keyboard.press("Escape")  # back to the canvas
    assert focused(pg, "#canvas")
    pg.keyboard.press("End")
    assert selected(pg) == ["model-1"]
    pg.keyboard.press("Enter")
    pg.wait_for_selector('#inspector [data-node-id="model-1"]')
    inspector_ready(pg)
    tab_to(pg, "#inspector input[name=algorithm]")  # the first algorithm of the list
    algorithm = pg.evaluate("document.activeElement.value")
    pg.keyboard.press("Space")
    pg.wait_for_selector(f"#inspector input[name=algorithm][value={algorithm}]:checked")
    # the box is ticked at once; the save follows (htmx posts on change): wait for the server to have it
    wait_config(server, wid, "model-1", lambda c: c.get("algorithm") == algorithm)
    settle(pg)
    verdict = api(server, f"/api/v1/workflows/{wid}/validate", {})
    assert verdict["valid"], verdict
    pg.screenshot(path=str(ARTIFACTS / "keyboard-build-1440.png"))


# ---------------------------------------------------------------------------- names
CONTROL_ROLES = {"button", "link", "textbox", "searchbox", "combobox", "listbox", "checkbox", "radio", "slider",
                 "spinbutton", "menuitem", "menuitemcheckbox", "menuitemradio", "tab", "switch", "option",
                 "application"}


def nameless_controls(pg, cdp):
    """Every control the browser's accessibility tree shows without a name, described by
    its tag and its identifying attributes."""
    cdp.send("DOM.getDocument", {"depth": 0})
    missing = []
    for node in cdp.send("Accessibility.getFullAXTree")["nodes"]:
        if node.get("ignored"):
            continue
        role = (node.get("role") or {}).get("value")
        name = ((node.get("name") or {}).get("value") or "").strip()
        if role in CONTROL_ROLES and not name:
            backend = node.get("backendDOMNodeId")
            what = role
            if backend:
                dom = cdp.send("DOM.describeNode", {"backendNodeId": backend})["node"]
                attrs = dom.get("attributes", [])
                pairs_ = dict(zip(attrs[::2], attrs[1::2]))
                keep = {k: v for k, v in pairs_.items() if k in ("id", "name", "class", "type", "value", "data-command",
                                                                  "data-panel-tab", "href")}
                what = f"{role} <{dom['localName']} {keep}>"
            missing.append(what)
    return missing


def test_every_control_on_the_editor_has_an_accessible_name(page, server):
    pg = page
    nodes = [{"id": "dataset-1", "type": "dataset", "position": {"x": 0, "y": 0}, "config": {"dataset_id": "breast_cancer", "target_column": "target"}},
             {"id": "preprocessing-1", "type": "preprocessing", "position": {"x": 320, "y": 80}, "config": {}},
             {"id": "split-1", "type": "split", "position": {"x": 0, "y": 160}, "config": {}},
             {"id": "model-1", "type": "model", "position": {"x": 0, "y": 320},
              "config": {"algorithm": "decision_tree"}},
             {"id": "evaluate-1", "type": "evaluate", "position": {"x": 0, "y": 480}, "config": {}},
             {"id": "visualize-1", "type": "visualize", "position": {"x": 320, "y": 480}, "config": {"plots": ["confusion_matrix"]}}]
    edges = [{"source": "dataset-1", "target": "preprocessing-1"}, {"source": "preprocessing-1", "target": "split-1"}, {"source": "split-1", "target": "model-1"},
             {"source": "model-1", "target": "evaluate-1"}, {"source": "evaluate-1", "target": "visualize-1"}]
    wid = open_workflow(pg, server, "Names", nodes, edges)
    assert api(server, f"/api/v1/workflows/{wid}/validate", {})["valid"]
    pg.click("#run-button")
    pg.wait_for_selector("#job-status[data-state=completed], #job-status[data-state=error]", state="attached", timeout=120_000)
    assert pg.get_attribute("#job-status", "data-state") == "completed", pg.text_content("#job-status")
    pg.wait_for_selector("#results [data-panel], #results .results, #results table", state="attached")
    settle(pg)
    cdp = pg.context.new_cdp_session(pg)
    cdp.send("Accessibility.enable")
    missing = {}

    def walk(where):
        for m in nameless_controls(pg, cdp):
            missing.setdefault(m, where)

    # the walk sees what a screen reader sees: a nameless button is found, a named one is not
    pg.evaluate("""() => { const b = document.createElement('button'); b.id = 'probe'; document.body.append(b); }""")
    assert any("probe" in m for m in nameless_controls(pg, cdp))
    pg.evaluate("document.getElementById('probe').remove()")
    assert pg.locator("#results button, #results a, #results input").count() > 0  # the results are there to walk
    walk("workflow overview, results tab")
    for node in nodes:
        open_inspector(pg, node["id"])
        settle(pg)
        walk(f"{node['id']} inspector")
    for tab in ("run", "history"):
        pg.click(f"[data-panel-tab={tab}]")
        walk(f"{tab} tab")
    pg.keyboard.press("?")
    pg.wait_for_selector("#shortcuts[open]")
    walk("shortcuts open")
    assert not missing, "controls without an accessible name:\n" + "\n".join(f"{k}  ({v})" for k, v in missing.items())


# ---------------------------------------------------------------------------- popover, minimap
@pytest.mark.parametrize("width,height", [(1600, 1000), (1366, 768)])
def test_the_shortcuts_popover_opens_and_closes_and_the_minimap_shows_only_when_needed(browser, server, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    # two nodes that fit in view (the canvas is 590 px tall at 1366x768 before a run): no minimap (its
    # viewport rectangle would be a stray line)
    open_workflow(pg, server, "Sparse", [TWO[0], {**TWO[1], "position": {"x": 100, "y": 360}}],
                  [{"source": "dataset-1", "target": "split-1"}])
    pg.wait_for_function("document.getElementById('minimap').hidden")
    help_ = pg.locator("#shortcuts")
    # "?" opens it, Esc closes it and gives the focus back to its button
    pg.keyboard.press("?")
    pg.wait_for_selector("#shortcuts[open]")
    body = pg.locator("#shortcuts .menu-body").bounding_box()
    assert body["y"] >= 0 and body["y"] + body["height"] <= height and body["x"] >= 0 and body["x"] + body["width"] <= width
    for key in ("Arrows (canvas)", "C (canvas)", "Drop on an edge"):
        assert help_.locator(f".kbd:text-is('{key}')").count() == 1
    chip = help_.locator(".kbd").first.bounding_box()
    assert chip["height"] < 30  # the keys read as key caps, not stretched boxes
    pg.screenshot(path=str(ARTIFACTS / f"shortcuts-{width}.png"))
    pg.keyboard.press("Escape")
    pg.wait_for_selector("#shortcuts:not([open])", state="attached")
    assert pg.evaluate("document.activeElement.matches('#shortcuts summary')")
    # a click on its button opens it, a click outside closes it
    pg.click("#shortcuts summary")
    pg.wait_for_selector("#shortcuts[open]")
    canvas = pg.locator("#canvas").bounding_box()
    pg.mouse.click(canvas["x"] + 40, canvas["y"] + canvas["height"] - 40)
    pg.wait_for_selector("#shortcuts:not([open])", state="attached")
    # zoomed in so that the workflow is taller than the view (and narrower): the minimap shows,
    # and the view's rectangle lies on it (it used to run off the map: a stray line); the view
    # of a workflow never run is tall (822 px at 1600x1000: its results area is a line)
    pg.evaluate("window.playground.graph.zoomTo(2.5); window.playground.graph.centerContent()")
    pg.wait_for_function("!document.getElementById('minimap').hidden")
    rect = pg.locator(".x6-widget-minimap-viewport").bounding_box()
    mini = pg.locator("#minimap").bounding_box()
    assert rect["width"] > 10 and rect["height"] > 10
    assert mini["x"] - 2 <= rect["x"] and rect["x"] + rect["width"] <= mini["x"] + mini["width"] + 2
    assert mini["y"] - 2 <= rect["y"] and rect["y"] + rect["height"] <= mini["y"] + mini["height"] + 2
    pg.screenshot(path=str(ARTIFACTS / f"minimap-{width}.png"))
    pg.evaluate("window.playground.graph.zoomTo(0.75); window.playground.graph.centerContent()")
    pg.wait_for_function("document.getElementById('minimap').hidden")
    context.close()
    assert errors == []


def test_a_node_of_an_unknown_type_is_drawn_and_can_be_deleted(page, server):
    """A workflow file edited by hand with a node type this app does not have imported, but the
    node was never drawn: the panel counted it, Run refused it, and nothing on the canvas could
    be selected or deleted (found by a new user). It is drawn without ports and deletes."""
    pg = page
    wid = open_workflow(pg, server, "Unknown type", [
        {"id": "d", "type": "dataset", "config": {"dataset_id": "iris", "target_column": "target",
                                                  "problem_type": "classification"}, "position": {"x": 40, "y": 40}},
        {"id": "fs", "type": "feature_selection", "config": {}, "position": {"x": 40, "y": 200}}],
        [{"source": "d", "target": "fs"}])
    ghost = pg.locator('#canvas [data-node-id="fs"]')
    ghost.wait_for()
    assert ghost.get_attribute("data-node-type") == "feature_selection"
    ghost.click()
    pg.wait_for_selector('#inspector [data-inspector="unknown"]')  # says what it is and what to do
    assert "no node type 'feature_selection'" in pg.locator("#inspector").inner_text()
    ghost.click()
    pg.keyboard.press("Delete")
    pg.wait_for_function("!document.querySelector('#canvas [data-node-id=\"fs\"]')")
    settle(pg)
    assert wait_for(lambda: [n["id"] for n in graph_of(server, wid)["nodes"]] == ["d"], 10)
