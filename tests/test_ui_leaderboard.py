"""A fan-out of several models reads as one leaderboard: a row per model, best first by the
primary metric, CV mean ± std, the baseline, the time; the ROC curves overlaid."""

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from tests.test_ui_browser import api, run_to_end, sized_page

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
pytestmark = [pytest.mark.browser]


def finished_comparison(server):
    wf = json.loads((ROOT / "examples" / "model_comparison.json").read_text())
    created = api(server, "/api/v1/workflows", wf)
    j = run_to_end(server, created["id"])
    assert j["status"] == "completed", j.get("error_message")
    return created, j


def test_the_leaderboard_ranks_every_model_and_overlays_their_roc_curves(page, server):
    wf, job = finished_comparison(server)
    metrics = job["results"]["metrics"]
    assert len(metrics) == 3
    pg = page
    pg.goto(f"{server}/workflows/{wf['id']}")
    board = pg.locator("#results [data-leaderboard]")
    board.wait_for()
    assert board.get_attribute("data-leaderboard") == "3"
    assert board.get_attribute("data-primary") == "roc_auc"
    # rows best first by the primary metric, values as stored
    order = [r.get_attribute("data-evaluate") for r in board.locator("tr[data-rank]").all()]
    expected = sorted(metrics, key=lambda nid: metrics[nid]["values"]["roc_auc"], reverse=True)
    assert order == expected
    for nid in order:
        cell = board.locator(f'tr[data-evaluate="{nid}"] td[data-metric=accuracy]').inner_text()
        assert float(cell) == pytest.approx(metrics[nid]["values"]["accuracy"], abs=6e-4)
        cv = metrics[nid]["cv"]
        assert "±" in board.locator(f'tr[data-evaluate="{nid}"] td').nth(5).inner_text()
        assert len(cv["folds"]) == 5
    # the baseline is the trivial model on the same test rows: ROC AUC 0.5
    assert board.locator("tr[data-baseline] td").nth(2).inner_text() == "0.5000"
    # one curve per model; each curve's AUC is the metric
    assert board.locator("svg.roc-overlay polyline.roc-line").count() == 3
    for e in metrics.values():
        fpr, tpr = np.array(e["roc"]["fpr"]), np.array(e["roc"]["tpr"])
        assert e["roc"]["auc"] == pytest.approx(e["values"]["roc_auc"], abs=1e-12)
        assert np.trapezoid(tpr, fpr) == pytest.approx(e["values"]["roc_auc"], abs=1e-5)  # points kept to 5 decimals
    # breast cancer: automatic, the minority class (0, malignant), as every binary metric above
    assert "Positive class: 0, the rarer class: 212 of 569 rows (37%)" in board.inner_text()
    assert "Positive class: 0. Dashed: chance." in board.inner_text()


@pytest.mark.parametrize("size", [(1600, 1000), (1366, 768)])
def test_screenshot_of_a_finished_comparison_run(browser, server, size):  # noqa: F811
    wf, _ = finished_comparison(server)
    with sized_page(browser, size) as pg:
        pg.goto(f"{server}/workflows/{wf['id']}")
        pg.wait_for_selector("#results [data-leaderboard]")
        pg.locator("#results-resize").focus()
        for _ in range(4):  # a taller results area, as a user would drag it
            pg.keyboard.press("ArrowUp")
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"comparison-run-{size[0]}.png"))


def test_roc_points_are_the_curve_of_the_metric():
    """Unthinned and thinned curves: the thinned one keeps its ends and stays within the
    unthinned area's rounding."""
    from plugins.base import EvalData
    from plugins.evaluators import roc_points

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 2000)
    p = np.clip(y * 0.3 + rng.random(2000) * 0.7, 0, 1)
    d = EvalData("classification", y_test=y, y_pred=(p > 0.5).astype(int), y_proba=np.c_[1 - p, p], classes=[0, 1],
                 positive_class=1)
    full = roc_points(d, max_points=10_000)
    thin = roc_points(d, max_points=50)
    assert full["auc"] == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert np.trapezoid(full["tpr"], full["fpr"]) == pytest.approx(full["auc"], abs=1e-4)
    assert len(thin["fpr"]) <= 50 and thin["fpr"][0] == 0 and thin["fpr"][-1] == 1 and thin["tpr"][-1] == 1
    assert roc_points(EvalData("classification", y_test=np.array([0, 1, 2]), y_pred=np.array([0, 1, 2]),
                               y_proba=np.eye(3), classes=[0, 1, 2])) is None
