"""A run's results fit the screen (found by new users at 1366x768): the node table's Why cell
never wrapped, so a retrain loop's run page was 3664 px wide; with the results maximised
the Node/Status/Time/Why table overflowed its narrow column under the plot cards ("Time"
cut to "Tim") and the confusion matrix was clipped. Both the run page (/jobs/{id}) and the
editor's maximised results are measured, at 1366x768 and 1600x1000, and photographed."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.conftest import running_app, wait_for
from tests.test_retrain import WEAK, looped
from tests.test_ui_browser import BROWSER_TESTS, api, run_to_end, sized_page

pytestmark = BROWSER_TESTS
SHOTS = Path(os.environ.get("PLAYGROUND_SHOTS", "/tmp/walk1-shots"))
SIZES = ((1366, 768), (1600, 1000))

@pytest.fixture(scope="module")
def server():
    """An app of its own, standing in for tests/conftest.py's shared one in this file, with
    the node cache on: a run after a change says why each node ran again."""
    with running_app("--workers", "2", env={"PLAYGROUND_CACHE_MB": "256"},
                     home=tempfile.mkdtemp(prefix="playground-ui-wide-")) as app:
        yield app.base


# every box of the results that must not be painted over another: the node table's cells and
# the cards beside and below it
BOXES = """() => {
  const box = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const root = document.querySelector('#results-body');
  return {
    cells: [...root.querySelectorAll('table.durations td, table.durations th')].map(box),
    cards: [...root.querySelectorAll('.plots figure, .metrics-card')].map(box),
    scrollers: [...root.querySelectorAll('.durations-scroll, .cm-scroll')].map((el) => {
      const r = el.getBoundingClientRect(), t = el.querySelector('table').getBoundingClientRect();
      return {box: [r.left, r.top, r.right, r.bottom], table_right: t.right, scrolls: el.scrollWidth > el.clientWidth,
              overflow: getComputedStyle(el).overflowX};
    }),
    why: [...root.querySelectorAll('td.why')].map((c) => c.textContent.length),
  };
}"""


def images_drawn(pg):
    """The plots drawn (their size is the layout measured), asked from the test: the app's CSP
    refuses wait_for_function's in-page eval."""
    assert wait_for(lambda: pg.evaluate("[...document.querySelectorAll('#results [data-plot] img')]"
                                        ".every(i => i.complete && i.naturalWidth > 0)"), 30, 0.2)


def overlap(a, b) -> bool:
    return a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1


def fits(pg, where: str):
    width = pg.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], (where, width)
    boxes = pg.evaluate(BOXES)
    assert max(boxes["why"]) > 100, boxes["why"]  # the long reasons this is about are there
    for cell in boxes["cells"]:
        hit = [card for card in boxes["cards"] if overlap(cell, card)]
        assert not hit, (where, "a node table cell is under a card", cell, hit)
    for s in boxes["scrollers"]:  # a table wider than its box scrolls inside it, never out of it
        assert s["table_right"] <= s["box"][2] + 1 or s["overflow"] in ("auto", "scroll"), (where, s)


def test_a_retrain_loops_results_fit_the_screen(browser, server):  # noqa: F811
    graph = looped(WEAK, {"escalation": "algorithm", "algorithms": "logistic_regression, knn"}, 0.99)
    graph["nodes"] += [{"id": "v", "type": "visualize", "config": {"plots": ["confusion_matrix"]}}]
    graph["edges"] += [{"source": "e", "target": "v"}]
    for n in graph["nodes"]:
        if n["id"] == "e":
            n["config"] = {"metrics": ["accuracy", "f1", "confusion_matrix", "classification_report"]}
    wf = api(server, "/api/v1/workflows", {"name": "A loop with a long why", **graph})
    assert run_to_end(server, wf["id"], timeout=240)["status"] == "completed"
    # run again with the split and the tree changed in several settings: each node below says
    # all of it in its Why (a long sentence)
    for n in graph["nodes"]:
        if n["id"] == "s":
            # four settings in its Why: a long sentence (an algorithm's switch, listing every parameter
            # of both, no longer is one)
            n["config"] = {"test_size": 0.35, "random_seed": 7, "drop_duplicates": True, "stratify": False}
        if n["id"] == "m":
            n["config"] = {"algorithm": "decision_tree", "hyperparameters": {
                "max_depth": 1, "criterion": "entropy", "min_samples_split": 5, "min_samples_leaf": 3,
                "max_features": "sqrt", "class_weight": "balanced", "ccp_alpha": 0.001}}
    api(server, f"/api/v1/workflows/{wf['id']}", graph, method="PUT")
    job = run_to_end(server, wf["id"], timeout=240)
    assert job["status"] == "completed", job.get("error_message")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        with sized_page(browser, size) as pg:
            pg.goto(f"{server}/jobs/{job['id']}")
            pg.wait_for_selector("#results-body table.durations")
            images_drawn(pg)
            pg.screenshot(path=str(SHOTS / f"run-page-{size[0]}x{size[1]}.png"), full_page=True)
            fits(pg, f"run page at {size}")

            pg.goto(f"{server}/workflows/{wf['id']}")
            pg.wait_for_selector(f"#results-body[data-job='{job['id']}'] table.durations")
            pg.click("#results-max")
            pg.wait_for_selector(".workspace.results-max")
            images_drawn(pg)
            pg.screenshot(path=str(SHOTS / f"results-max-{size[0]}x{size[1]}.png"))
            pg.locator("#results table.durations").scroll_into_view_if_needed()
            pg.screenshot(path=str(SHOTS / f"results-max-nodes-{size[0]}x{size[1]}.png"))
            fits(pg, f"maximised results at {size}")
