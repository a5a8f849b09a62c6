"""A run's page (/jobs/{id}) shows every warning of the run; the editor's results area, 190 px
tall at 1366x768, keeps them in a box of their own that scrolls. Found by a new user: the
editor's rule caught the run page too (its panel is #results as well), so a run of six
warnings showed three lines, the third cut in half, and "no better than the baseline" and
"predicts 'Male' for every test row" were below the fold of a three-line box on a page with
room to spare."""
from __future__ import annotations

import pytest

from bench.server import upload
from tests.test_ui_browser import api, run_to_end, sized_page

pytestmark = pytest.mark.browser


def many_warnings_table() -> bytes:
    # an id column, a constant column, a rare class, a small test set, noise that learns nothing:
    # the Dataset, Split and Evaluate nodes each warn
    rows = ["row,const,x,label"] + [f"{i},1,{(i * 37) % 11},{'rare' if i % 10 == 0 else 'common'}"
                                    for i in range(1, 61)]
    return ("\n".join(rows) + "\n").encode()


def test_a_run_page_shows_every_warning_and_the_editor_scrolls_them(browser, server):  # noqa: F811
    dataset_id = upload(server, "warned.csv", many_warnings_table(), timeout=60)[1]["id"]
    wf = {"name": "Warned", "nodes": [
        {"id": "d", "type": "dataset", "position": {"x": 0, "y": 0},
         "config": {"dataset_id": dataset_id, "target_column": "label", "problem_type": "classification"}},
        {"id": "s", "type": "split", "position": {"x": 0, "y": 110}, "config": {"test_size": 0.25}},
        {"id": "m", "type": "model", "position": {"x": 0, "y": 220}, "config": {"algorithm": "random_forest"}},
        {"id": "e", "type": "evaluate", "position": {"x": 0, "y": 330}, "config": {}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}, {"source": "m", "target": "e"}]}
    workflow_id = api(server, "/api/v1/workflows", wf)["id"]
    job = run_to_end(server, workflow_id)
    assert job["status"] == "completed"
    said = [w for n in job["results"]["nodes"].values() for w in n.get("warnings") or []]
    assert len(said) >= 5, said
    for size in ((1600, 1000), (1366, 768)):
        with sized_page(browser, size) as pg:
            pg.goto(f"{server}/jobs/{job['id']}")
            box = pg.locator("ul.warnings-list").first
            assert box.locator("li").count() == len(said)
            scroll, client = box.evaluate("b => [b.scrollHeight, b.clientHeight]")
            assert scroll <= client + 1, (size, scroll, client)  # nothing hidden in a scrolling box
            last = box.locator("li").last.bounding_box()
            whole = box.bounding_box()
            assert last["y"] + last["height"] <= whole["y"] + whole["height"] + 1, (size, last, whole)
        with sized_page(browser, size) as pg:  # the editor's results area still keeps them in their box
            pg.goto(f"{server}/workflows/{workflow_id}")
            pg.locator('[data-panel-tab="results"]').click()
            box = pg.locator("#results ul.warnings-list").first
            box.wait_for()
            scroll, client = box.evaluate("b => [b.scrollHeight, b.clientHeight]")
            assert scroll > client + 1, (size, scroll, client)
