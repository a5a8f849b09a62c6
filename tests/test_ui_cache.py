"""The node cache in the editor, as a person meets it: Run, Run again (every node reused, in
its own colour, the run log and the results saying from which run), change the split's
seed (the split and below run, and say "Random seed: 42 → 7"), run one node again from its
inspector, and run everything again."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tests.conftest import running_app
from tests.test_ui_browser import api, inspector_ready, open_inspector, sized_page, wait_config

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def server():
    """An app of its own, standing in for tests/conftest.py's shared one in this file (for
    `page` too): the node cache on."""
    with running_app("--workers", "2", env={"PLAYGROUND_CACHE_MB": "256"},
                     home=tempfile.mkdtemp(prefix="playground-ui-cache-")) as app:
        yield app.base


def graph() -> dict:
    ids = ["d", "s", "m", "e", "v"]
    nodes = [
        {"id": "d", "type": "dataset", "config": {"dataset_id": "wine", "target_column": "target",
                                                   "problem_type": "classification"}},
        {"id": "s", "type": "split", "config": {"test_size": 0.3}},
        {"id": "m", "type": "model", "config": {"algorithm": "random_forest", "hyperparameters": {"n_estimators": 30}}},
        {"id": "e", "type": "evaluate", "config": {"metrics": ["accuracy", "f1"]}},
        {"id": "v", "type": "visualize", "config": {"plots": ["confusion_matrix"]}},
    ]
    for i, n in enumerate(nodes):
        n["position"] = {"x": 300, "y": 40 + 130 * i}
    return {"nodes": nodes, "edges": [{"source": a, "target": b} for a, b in zip(ids, ids[1:])]}


def statuses(pg) -> dict:
    return pg.evaluate("Object.fromEntries([...document.querySelectorAll('#canvas [data-node-id]')]"
                       ".map(n => [n.dataset.nodeId, n.dataset.status]))")


def run_and_wait(pg, button="#run-button"):
    before = pg.locator("#results-body").get_attribute("data-job") if pg.locator("#results-body").count() else ""
    pg.click(button)
    pg.wait_for_selector(f'#results-body[data-status=completed]:not([data-job="{before}"])', timeout=90_000)


def why(pg, nid) -> str:
    return pg.locator(f"#results td[data-why={nid}]").inner_text()


def test_run_again_reuses_a_seed_change_reruns_below_and_says_why(browser, server):  # noqa: F811
    wf = api(server, "/api/v1/workflows", {"name": "Wine, iterated", **graph()})
    for size in ((1600, 1000), (1366, 768)):
        with sized_page(browser, size) as pg:
            pg.goto(f"{server}/workflows/{wf['id']}")
            pg.wait_for_selector("#canvas [data-node-id=v]")
            if size == (1600, 1000):
                run_and_wait(pg)
                assert set(statuses(pg).values()) == {"completed"}
                run_and_wait(pg)
                assert set(statuses(pg).values()) == {"cached"}
                assert all(why(pg, n).startswith("reused from run ") for n in "dsmev")
                assert pg.locator("#canvas [data-node-id=m] .pg-node-badge").inner_text().strip() == "Reused"
                assert "reused from run" in pg.locator("#exec-log").text_content()

                open_inspector(pg, "s")
                pg.fill("#inspector input[name=random_seed]", "7")
                pg.press("#inspector input[name=random_seed]", "Tab")
                wait_config(server, wf["id"], "s", lambda c: c.get("random_seed") == 7)
                run_and_wait(pg)
                assert statuses(pg) == {"d": "cached", "s": "completed", "m": "completed", "e": "completed",
                                        "v": "completed"}
                assert why(pg, "s") == "Random seed: 42 → 7"
                assert why(pg, "m") == "its input from 'Train/Test Split' changed"
                pg.screenshot(path=str(ARTIFACTS / "cache-1600.png"))
            else:
                pg.wait_for_selector("#results-body[data-status=completed]")
                open_inspector(pg, "m")
                inspector_ready(pg)
                run_and_wait(pg, "#inspector [data-rerun=m]")
                assert statuses(pg) == {"d": "cached", "s": "cached", "m": "completed", "e": "completed",
                                        "v": "completed"}
                assert why(pg, "m") == "forced: this node was asked to run again"
                assert why(pg, "v") == "forced: node 'Model' above it was asked to run again"
                pg.screenshot(path=str(ARTIFACTS / "cache-1366.png"))
                run_and_wait(pg, "#rerun-button")
                assert set(statuses(pg).values()) == {"completed"}


def test_a_fast_rerun_shows_its_own_results_while_the_trials_are_still_loading(browser, server):  # noqa: F811
    """A re-run whose every node is reused ends in a blink; its results were asked for while
    the search's trials were still loading, and the history after them: htmx kept only the
    last request waiting on the page's one queue, so the results area kept the previous run's
    numbers for good (found by a new user, 3 of 4 re-runs). Each area now fetches on its own.
    The trials answer is held back here so the overlap happens every time."""
    g = graph()
    g["nodes"][2]["config"] = {"algorithm": "random_forest", "hyperparameters": {"n_estimators": 10},
                               "use_optuna": True, "optuna_trials": 3, "cv_folds": 3}
    wf = api(server, "/api/v1/workflows", {"name": "Wine, searched", **g})
    with sized_page(browser, (1600, 1000)) as pg:
        pg.goto(f"{server}/workflows/{wf['id']}")
        pg.wait_for_selector("#canvas [data-node-id=v]")
        run_and_wait(pg)
        first = pg.locator("#results-body").get_attribute("data-job")

        def slow_trials(route):
            import time

            time.sleep(1.5)
            route.continue_()

        pg.route("**/ui/jobs/*/trials", slow_trials)
        pg.click("#run-button")
        pg.wait_for_selector(f'#results-body[data-status=completed]:not([data-job="{first}"])', timeout=30_000)
        jobs = api(server, f"/api/v1/jobs?workflow_id={wf['id']}")
        latest = max(jobs, key=lambda j: j["created_at"])["id"]
        assert pg.locator("#results-body").get_attribute("data-job") == latest
