"""An Optuna search in the editor: the trials arrive live in the run panel and on the Model
node; the results show the trial table; "Use these parameters" writes the best ones into
the Model node."""

import json
from pathlib import Path

import pytest

from tests.test_ui_browser import api, run_to_end, sized_page

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
pytestmark = [pytest.mark.browser]


def optuna_workflow(server, name, trials=8):
    wf = json.loads((ROOT / "examples" / "optuna_tuning.json").read_text())
    for n in wf["nodes"]:
        if n["type"] == "model":
            n["config"]["optuna_trials"] = trials
    return api(server, "/api/v1/workflows", {**wf, "name": name})


def test_the_search_shows_each_trial_live_and_its_best_parameters_can_be_used(page, server):
    pg = page
    wf = optuna_workflow(server, "Search in sight")
    pg.goto(f"{server}/workflows/{wf['id']}")
    pg.wait_for_function("window.playground && window.playground.graph")
    pg.click("#run-button")
    pg.click("[data-panel-tab=run]")
    # the run panel fills trial by trial, from the live stream (nothing else fills it)
    pg.wait_for_selector("#trials [data-search=model] tr[data-trial]")
    pg.wait_for_selector("#results-body[data-status=completed]", timeout=120_000)
    pg.click("[data-panel-tab=run]")
    pg.wait_for_function("document.querySelectorAll('#trials tr[data-trial]').length === 8")
    assert pg.locator("#trials svg.trial-chart").get_attribute("data-trials") == "8"
    # the Model node kept every trial for its chart
    assert pg.evaluate("window.playground.graph.getCellById('model').getData().trials.length") == 8
    assert pg.locator('#canvas [data-node-id="model"] svg.pg-node-spark').count() == 1

    job_id = pg.locator("#results-body").get_attribute("data-job")
    job = api(server, f"/api/v1/jobs/{job_id}")
    search = next(n for n in job["nodes"] if n["node_id"] == "model")["output"]["optuna"]
    events = [t for t in search["trials"] if t["value"] is not None]
    # the table after the run is the search's own record, best row marked
    pg.click("[data-panel-tab=results]")
    rows = pg.locator("#results [data-search=model] tr[data-trial]")
    assert rows.count() == len(search["trials"])
    best = max(events, key=lambda t: t["value"])
    assert pg.locator("#results [data-search=model] tr.best").get_attribute("data-trial") == str(best["number"] + 1)

    pg.click("[data-use-parameters=model]")
    pg.wait_for_selector("[data-parameters-used]")
    config = next(n["config"] for n in api(server, f"/api/v1/workflows/{wf['id']}")["graph"]["nodes"]
                  if n["id"] == "model")
    assert {k: config["hyperparameters"][k] for k in search["best_params"]} == search["best_params"]


def test_using_parameters_for_a_node_that_changed_algorithm_is_refused(server):
    wf = optuna_workflow(server, "Changed since", trials=2)
    job = run_to_end(server, wf["id"])
    graph = api(server, f"/api/v1/workflows/{wf['id']}")["graph"]
    for n in graph["nodes"]:
        if n["id"] == "model":
            n["config"] = {"algorithm": "random_forest"}
    api(server, f"/api/v1/workflows/{wf['id']}", graph, method="PUT")
    import urllib.error
    import urllib.request

    editor = urllib.request.urlopen(f"{server}/workflows/{wf['id']}").read().decode()
    token = editor.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    req = urllib.request.Request(f"{server}/ui/jobs/{job['id']}/nodes/model/use-parameters", method="POST",
                                 headers={"HX-Request": "true", "X-CSRF-Token": token})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req)
    assert e.value.code == 409
    assert "now trains random_forest, not XGBoost" in e.value.read().decode()
    config = next(n["config"] for n in api(server, f"/api/v1/workflows/{wf['id']}")["graph"]["nodes"]
                  if n["id"] == "model")
    assert config == {"algorithm": "random_forest"}  # nothing written


@pytest.mark.parametrize("size", [(1600, 1000), (1366, 768)])
def test_screenshot_of_an_optuna_run(browser, server, size):  # noqa: F811
    wf = optuna_workflow(server, "Wine: XGBoost tuned with Optuna", trials=12)
    with sized_page(browser, size) as pg:
        job = api(server, f"/api/v1/workflows/{wf['id']}/run", {})
        pg.goto(f"{server}/workflows/{wf['id']}")
        pg.wait_for_selector("#results-body[data-status=completed]", timeout=120_000)
        pg.wait_for_selector("#results [data-search=model] svg.trial-chart")
        pg.click("#results-max")
        pg.locator("#results [data-search=model]").scroll_into_view_if_needed()
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"optuna-run-{size[0]}.png"))
        assert api(server, f"/api/v1/jobs/{job['job_id']}")["status"] == "completed"
