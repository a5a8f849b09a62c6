"""What the editor says about the job time limit, in a real browser: a run estimated past
PLAYGROUND_JOB_TIME_LIMIT is queued, and the run log says so at once, naming the variable
(it was accepted silently, and stopped half an hour later)."""

from __future__ import annotations

from tests.conftest import running_app
from tests.test_ui_browser import BROWSER_TESTS, api

pytestmark = BROWSER_TESTS


def test_run_says_in_the_log_when_the_estimate_is_past_the_time_limit(browser):
    # an app of its own (its limit), the session's Chromium (a second Playwright is refused)
    graph = {"nodes": [
        {"id": "d", "type": "dataset", "position": {"x": 300, "y": 40},
         "config": {"dataset_id": "iris", "target_column": "target", "problem_type": "classification"}},
        {"id": "s", "type": "split", "position": {"x": 300, "y": 160}, "config": {}},
        {"id": "m", "type": "model", "position": {"x": 300, "y": 280},
         "config": {"algorithm": "random_forest", "use_optuna": True, "optuna_trials": 500, "cv_folds": 20}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}]}
    with running_app("--no-worker", env={"PLAYGROUND_JOB_TIME_LIMIT": "5"}) as app:
        wid = api(app.base, "/api/v1/workflows", {"name": "long search", **graph})["id"]
        pg = browser.new_page()
        try:
            errors = []
            pg.on("pageerror", lambda e: errors.append(str(e)))
            pg.goto(f"{app.base}/workflows/{wid}")
            pg.click("#run-button")
            line = pg.locator("#exec-log li.warn", has_text="longer than the job time limit of 5 s")
            line.wait_for(timeout=15_000)
            assert "(PLAYGROUND_JOB_TIME_LIMIT): it will be stopped then" in line.inner_text()
            assert line.inner_text().startswith("This run is estimated at about ")
        finally:
            pg.context.close()
        assert errors == []
        jobs = api(app.base, f"/api/v1/jobs?workflow_id={wid}")
        assert [j["status"] for j in jobs] == ["queued"]  # queued all the same: an estimate can be high
        api(app.base, f"/api/v1/jobs/{jobs[0]['id']}/cancel", {})
