"""What a retrain loop leaves on the canvas (Debian's Chromium, the real app and workers),
found by a new user at 1366x768: the round badges of a loop that an earlier run went round
stayed on when the next run's gate passed and the loop was skipped; the Optuna sparkline of
round 2's search stayed inside the Model node after round 1's model was kept and served
again; and the minimap covered the nodes at the bottom right of a small canvas."""

from __future__ import annotations

import os

import pytest

from tests.test_ui_browser import (  # noqa: F401  (browser, page and server are fixtures)
    ARTIFACTS,
    CHROMIUM,
    api,
    browser,
    page,
    server,
)
from tests.test_ui_plugins import node, open_workflow
from tests.test_ui_retrain import run, set_field, status

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                                      reason="Debian's chromium is not installed (make setup-browser)")]
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
    assert "round 1's model is kept" in pg.locator('#canvas [data-node-id="r"]').get_attribute("title")
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
