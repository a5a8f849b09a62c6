"""What a retrain loop leaves on the canvas (Debian's Chromium, the real app and workers),
found by a new user at 1366x768: the round badges of a loop that an earlier run went round
stayed on when the next run's gate passed and the loop was skipped; the Optuna sparkline of
round 2's search stayed inside the Model node after round 1's model was kept and served
again; and the minimap covered the nodes at the bottom right of a small canvas."""

from __future__ import annotations

from tests.test_ui_browser import ARTIFACTS, BROWSER_TESTS, api
from tests.test_ui_plugins import node, open_workflow
from tests.test_ui_retrain import run, set_field, status

pytestmark = BROWSER_TESTS
IRIS = {"dataset_id": "iris", "target_column": "target", "problem_type": "classification"}


def looped_workflow(name):
    """Round 1: logistic regression (0.978 on this split); round 2: its Optuna search of 6
    trials ties it, so the loop stops and round 1's model is kept and served again."""
    return {"name": name, "nodes": [
        node("d", "dataset", IRIS, 60, 20), node("s", "split", {"test_size": 0.3, "random_seed": 1}, 60, 150),
        node("m", "model", {"algorithm": "logistic_regression", "optuna_trials": 3}, 60, 280),
        node("e", "evaluate", {"metrics": ["accuracy"]}, 60, 410),
        node("g", "gate", {"metric": "accuracy", "threshold": 0.999}, 60, 540),
        node("r", "retrain", {"max_rounds": 2}, 380, 410)],
        "edges": [{"source": a, "target": b} for a, b in (("d", "s"), ("s", "m"), ("m", "e"), ("e", "g"))] + [
            {"source": "g", "source_port": "fail", "target": "r"},
            {"source": "r", "source_port": "model", "target": "m", "target_port": "retrain"}]}


def rounds_shown(pg) -> dict:
    return pg.evaluate("Object.fromEntries([...document.querySelectorAll('#canvas [data-node-id]')]"
                       ".filter(n => n.querySelector('.pg-node-round'))"
                       ".map(n => [n.dataset.nodeId, n.querySelector('.pg-node-round').textContent]))")


def test_a_run_leaves_no_stale_round_badges_or_sparkline(page, server):  # noqa: F811
    pg = page
    open_workflow(pg, server, looped_workflow("Loop leaves"))
    run(pg)
    # round 2 ran a search (its trials drew on the node) and did not improve: round 1's model,
    # which searched nothing, is what the node now shows, so no sparkline of round 2's trials
    assert "round 2 did not improve on round 1, whose model is kept" in pg.locator(
        '#canvas [data-node-id="r"]').get_attribute("title")
    assert status(pg, "m") in ("completed", "cached")  # trained again, or served by the cache when it is on
    assert "trial 6/6" in pg.locator("#exec-log").inner_text()
    assert pg.locator('#canvas [data-node-id="m"] .pg-node-spark').count() == 0
    assert rounds_shown(pg) == {"m": "round 1/2", "e": "round 1/2", "g": "round 1/2", "r": "round 2/2"}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for w, h in ((1600, 1000), (1366, 768)):
        pg.set_viewport_size({"width": w, "height": h})
        pg.evaluate("window.playground.graph.zoomToFit({ padding: 40, maxScale: 1 })")
        pg.wait_for_timeout(300)
        pg.screenshot(path=str(ARTIFACTS / f"retrain-after-{w}x{h}.png"))

    pg.set_viewport_size({"width": 1440, "height": 900})
    pg.evaluate("window.playground.graph.zoomToFit({ padding: 40, maxScale: 1 })")
    # the gate now passes on round 1: the loop is skipped, and no node says "round 1/2"
    set_field(pg, "g", "threshold", "0.9")
    run(pg)
    assert status(pg, "r") == "skipped"
    assert rounds_shown(pg) == {}
    pg.reload()  # nor when the editor opens on that run
    pg.wait_for_function("window.playground && window.playground.graph")
    pg.wait_for_selector('#canvas [data-node-id="g"][data-status="completed"]')
    assert rounds_shown(pg) == {}


def boxes(pg):
    return pg.evaluate("""(() => {
        const m = document.getElementById('minimap');
        const r = m.hidden ? null : m.getBoundingClientRect();
        const nodes = [...document.querySelectorAll('#canvas [data-node-id]')].map((n) => {
            const b = n.getBoundingClientRect(); return [n.dataset.nodeId, b.left, b.top, b.right, b.bottom]; });
        return { map: r && [r.left, r.top, r.right, r.bottom], corner: m.dataset.corner, nodes,
                 button: !document.getElementById('minimap-toggle').hidden };
    })()""")


def covered(seen) -> list:
    if not seen["map"]:
        return []
    left, top, right, bottom = seen["map"]
    return [nid for nid, a, b, c, d in seen["nodes"] if a < right and c > left and b < bottom and d > top]


def test_the_minimap_never_covers_a_node_and_folds_away(page, server):  # noqa: F811
    pg = page
    pg.set_viewport_size({"width": 1366, "height": 768})
    # a column at the left and nodes at the bottom right: the corner the map took before
    open_workflow(pg, server, {"name": "Map", "nodes": [
        node("d", "dataset", IRIS, 60, 20), node("s", "split", {}, 60, 160), node("m", "model", {}, 60, 300),
        node("e", "evaluate", {}, 60, 440), node("v", "visualize", {}, 620, 440), node("x", "model", {}, 620, 1400)],
        "edges": [{"source": a, "target": b} for a, b in (("d", "s"), ("s", "m"), ("m", "e"), ("e", "v"))]})
    pg.evaluate("window.playground.graph.zoomTo(1); window.playground.graph.positionContent('top-left', "
                "{ padding: 20 })")  # node x is out of view below: the map shows
    pg.wait_for_timeout(300)
    seen = boxes(pg)
    assert seen["button"] and seen["map"], seen
    assert covered(seen) == [], seen
    pg.screenshot(path=str(ARTIFACTS / "minimap-1366x768.png"))
    pg.click("#minimap-toggle")  # folded by hand, and it stays folded on the next visit
    assert pg.locator("#minimap").is_hidden()
    assert pg.locator("#minimap-toggle").get_attribute("aria-pressed") == "false"
    pg.reload()
    pg.wait_for_function("window.playground && window.playground.graph")
    pg.evaluate("window.playground.graph.zoomTo(1); window.playground.graph.positionContent('top-left', "
                "{ padding: 20 })")
    pg.wait_for_timeout(300)
    assert pg.locator("#minimap").is_hidden()
    pg.click("#minimap-toggle")
    pg.wait_for_timeout(300)
    assert covered(boxes(pg)) == []
    pg.set_viewport_size({"width": 1600, "height": 1000})
    pg.wait_for_timeout(300)
    assert covered(boxes(pg)) == []
    pg.screenshot(path=str(ARTIFACTS / "minimap-1600x1000.png"))
    assert api(server, "/api/v1/node-types")


def test_adding_a_plot_keeps_the_plots_shown_and_the_scroll(page, server):  # noqa: F811
    """Adding one plot brought every image of the results in again (flicker, the scroll back at
    the top): a plot drawn the same keeps its loaded image element; only the new one is new."""
    pg = page
    wf = {"name": "Plots", "nodes": [
        node("d", "dataset", IRIS, 60, 20), node("s", "split", {"test_size": 0.3, "random_seed": 1}, 60, 150),
        node("m", "model", {"algorithm": "logistic_regression"}, 60, 280),
        node("e", "evaluate", {"metrics": ["accuracy"]}, 60, 410),
        node("v", "visualize", {"plots": ["confusion_matrix"]}, 60, 540)],
        "edges": [{"source": a, "target": b} for a, b in (("d", "s"), ("s", "m"), ("m", "e"), ("e", "v"))]}
    wid = open_workflow(pg, server, wf)
    run(pg)
    pg.wait_for_function("document.querySelector('#results figure[data-plot=confusion_matrix] img').complete")
    pg.evaluate("document.querySelector('#results figure[data-plot=confusion_matrix] img').dataset.marker = 'shown'")
    pg.evaluate("document.getElementById('results').scrollTop = 120")
    scrolled = pg.evaluate("document.getElementById('results').scrollTop")
    assert scrolled > 0
    wf["nodes"][-1]["config"]["plots"] = ["confusion_matrix", "precision_recall_curve"]
    api(server, f"/api/v1/workflows/{wid}", {"nodes": wf["nodes"], "edges": wf["edges"]}, method="PUT")
    run(pg)
    pg.wait_for_selector("#results figure[data-plot=precision_recall_curve]")
    kept = pg.locator("#results figure[data-plot=confusion_matrix] img")
    assert kept.get_attribute("data-marker") == "shown"  # the same element, not a new one loading
    assert pg.locator("#results figure[data-plot=precision_recall_curve] img").get_attribute("data-marker") is None
    assert pg.evaluate("document.getElementById('results').scrollTop") == scrolled
