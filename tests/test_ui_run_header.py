"""What a run says while it runs and after, at 1366x768 in the real editor: the header counts
the seconds and the search's trials live ("Running · 3 s · Model: trial 12 of 60", from the
events the page already receives); the results open with the headline metric, the warnings
after it, both on the first screen; and a run that reuses every node marks the lines those
nodes replay (their warning, trials, plots, scores) "reused from run …", in the page and in
the API's events, where they read as new work before."""

from __future__ import annotations

import json
import re
import tempfile
import urllib.request

import pytest

from plugins.numbers import fmt_number
from tests.conftest import parse_sse, running_app
from tests.test_ui_browser import api

pytestmark = [pytest.mark.browser]
TRIALS = 60


@pytest.fixture(scope="module")
def server():
    """An app of its own, standing in for tests/conftest.py's shared one in this file: the
    node cache on."""
    with running_app("--workers", "2", env={"PLAYGROUND_CACHE_MB": "256"},
                     home=tempfile.mkdtemp(prefix="playground-ui-header-")) as app:
        yield app.base


def workflow() -> dict:
    """Iris → a scaler (a warning: trees ignore scaling) → Split → a searched tree → Evaluate → a plot."""
    ids = ["d", "p", "s", "m", "e", "v"]
    nodes = [
        {"id": "d", "type": "dataset", "config": {"dataset_id": "iris", "target_column": "target",
                                                   "problem_type": "classification"}},
        {"id": "p", "type": "preprocessing", "config": {"operations": [{"method": "standard_scaler", "parameters": {}}]}},
        {"id": "s", "type": "split", "config": {"test_size": 0.3}},
        {"id": "m", "type": "model", "config": {"algorithm": "decision_tree", "use_optuna": True,
                                                 "optuna_trials": TRIALS, "optuna_metric": "accuracy"}},
        {"id": "e", "type": "evaluate", "config": {"metrics": ["balanced_accuracy", "accuracy"]}},
        {"id": "v", "type": "visualize", "config": {"plots": ["confusion_matrix"]}},
    ]
    for i, n in enumerate(nodes):
        n["position"] = {"x": 300, "y": 40 + 120 * i}
    return {"name": "Iris, searched", "nodes": nodes, "edges": [{"source": a, "target": b} for a, b in zip(ids, ids[1:])]}


def events(server, job_id) -> list[dict]:
    with urllib.request.urlopen(f"{server}/api/v1/jobs/{job_id}/events", timeout=60) as r:
        return [e["data"] for e in parse_sse(line.decode().rstrip("\r\n") for line in r)]


def run(pg, before=""):
    pg.click("#run-button")
    pg.wait_for_selector(f'#results-body[data-status=completed]:not([data-job="{before}"])', timeout=180_000)
    return pg.locator("#results-body").get_attribute("data-job")


def test_the_header_counts_time_and_trials_the_results_lead_with_the_metric_and_reuse_is_said(browser, server):  # noqa: F811
    wf = api(server, "/api/v1/workflows", workflow())
    context = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(f"{server}/workflows/{wf['id']}")
    pg.wait_for_function("window.playground && window.playground.graph")

    # 2. while the search runs: the seconds and the trial it is at, in the header
    pg.click("#run-button")
    pg.wait_for_function("document.getElementById('job-status').dataset.trial", timeout=120_000)
    live = pg.inner_text("#job-status")
    assert re.fullmatch(rf"Running · \d+ s · Model \(m\): trial (\d+) of {TRIALS}", live), live
    pg.wait_for_selector("#results-body[data-status=completed]", timeout=180_000)
    first = pg.locator("#results-body").get_attribute("data-job")
    said = pg.inner_text("#job-status")
    assert re.fullmatch(r"Completed · \d+ s", said), said  # the clock stopped, the trial count gone
    assert not pg.locator("#job-status").get_attribute("data-trial")

    # 1. the results: the headline metric (the first one chosen) first, the warnings after it, both in view
    pg.click("[data-panel-tab=results]")
    head = pg.locator("#results [data-headline]")
    assert head.get_attribute("data-headline") == "balanced_accuracy"
    job = api(server, f"/api/v1/jobs/{first}")
    value = job["results"]["metrics"]["e"]["values"]["balanced_accuracy"]
    assert head.locator("[data-headline-value]").inner_text() == fmt_number(value)
    assert head.inner_text().startswith("Balanced accuracy")
    warnings = pg.locator("#results [data-warnings]")
    hb, wb = head.bounding_box(), warnings.bounding_box()
    assert hb["y"] < wb["y"], (hb, wb)
    first_warning = warnings.locator("li").first.bounding_box()
    assert hb["y"] + hb["height"] <= 768 and first_warning["y"] + first_warning["height"] <= 768, (hb, first_warning)
    pg.screenshot(path="tests/artifacts/run-header-results-1366.png")

    # 5. run again: every node reused; what they replay is marked with the run it is from
    second = run(pg, first)
    pg.click("[data-panel-tab=run]")
    lines = pg.evaluate("[...document.querySelectorAll('#exec-log li')].map(li => "
                        "[li.textContent, li.dataset.reusedFrom || ''])")
    replayed = [(t, f) for t, f in lines if " trial " in t or " scored " in t or "drawn" in t]
    assert replayed and all(f == first and t.endswith(f" · reused from run {first}") for t, f in replayed), lines
    assert len([t for t, _ in replayed if " trial " in t]) == TRIALS
    assert [t for t, _ in replayed if " scored " in t] == [f"Evaluate (e) scored Balanced accuracy {fmt_number(value)}, "
                                                           f"Accuracy {fmt_number(job['results']['metrics']['e']['values']['accuracy'])}"
                                                           f" · reused from run {first}"]
    # the scaler's warning is the inspector's advice, given again by this run: its own line, not a replay
    advice = [(t, f) for t, f in lines if "warning: Standard scaler" in t]
    assert advice and all(not f and "reused" not in t for t, f in advice), advice
    # the nodes' own status lines are not replays: "… reused from run X (its 0.42 s of work)" says it already
    assert not [t for t, f in lines if f and t.split(" · ")[0].endswith("of work)")], lines
    assert not pg.locator("#job-status").get_attribute("data-trial")  # a replayed search is no live count
    pg.screenshot(path="tests/artifacts/run-header-reused-log-1366.png")
    # the API's events carry it too: each replayed line names its run; the run's own lines do not
    said = events(server, second)
    kinds = {e["type"] for e in said if e.get("reused_from") == first and e["type"] != "node_status"}
    assert {"node_trial", "node_log", "metrics"} <= kinds, kinds
    assert not [e for e in said if e.get("reused_from") and e["type"] in ("job_started", "job_completed")]
    # the first run, which did the work, marks nothing
    assert not [e for e in events(server, first) if e.get("reused_from")]

    # 6. the run's page opened again, the run finished: its log is there as it was streamed, line for
    # line, its replays marked alike (a new user found the Run tab of a finished run empty)
    pg.reload()
    pg.click("[data-panel-tab=run]")
    pg.wait_for_function(f"document.querySelectorAll('#exec-log li').length >= {len(lines)}", timeout=30_000)
    again = pg.evaluate("[...document.querySelectorAll('#exec-log li')].map(li => "
                        "[li.textContent, li.dataset.reusedFrom || ''])")
    assert again == lines, (again, lines)
    assert errors == []
    context.close()
    json.dumps(said)  # plain JSON, as an API client reads it
