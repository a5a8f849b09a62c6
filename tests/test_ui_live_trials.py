"""A long Optuna search in the editor costs the page work in proportion to its trials: each
`node_trial` event appends the trial it carries (its row, its dot on the chart); the live
search route is fetched only when a search first shows up, not once per trial."""

import json
from pathlib import Path

import pytest

from tests.test_ui_browser import api

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.browser]
TRIALS = 100


def iris_search(server, trials):
    wf = json.loads((ROOT / "examples" / "optuna_tuning.json").read_text())
    for n in wf["nodes"]:
        if n["type"] == "dataset":
            n["config"] = {"dataset_id": "iris", "target_column": "target", "problem_type": "classification"}
        if n["type"] == "model":
            n["config"] = {"algorithm": "decision_tree", "hyperparameters": {}, "use_optuna": True,
                           "optuna_trials": trials, "optuna_metric": "accuracy"}
    wf["nodes"] = [n for n in wf["nodes"] if n["type"] != "visualize"]
    wf["edges"] = [e for e in wf["edges"] if e["target"] != "visualize"]
    return api(server, "/api/v1/workflows", {**wf, "name": "Iris: 100 trials"})


def shown(pg):
    """The live panel as the page holds it: each row's cells, the chart's numbers, the summary."""
    return pg.evaluate("""() => {
        const sec = document.querySelector('#trials [data-search=model]');
        const chart = sec.querySelector('svg.trial-chart');
        const plot = chart.querySelector('svg.plot');
        const rows = [...sec.querySelectorAll('tr[data-trial]')].map(
            (tr) => [tr.dataset.trial, tr.classList.contains('best'), [...tr.cells].map((c) => c.textContent)]);
        return {rows, said: sec.querySelector('p').textContent, label: chart.getAttribute('aria-label'),
                dots: [...plot.querySelectorAll('.trial-dot')].map((d) => [+d.getAttribute('x1'), +d.getAttribute('y1')]),
                best: [+plot.querySelector('.best-dot').getAttribute('x1'), +plot.querySelector('.best-dot').getAttribute('y1')],
                line: [...plot.querySelector('.best-line').points].map((p) => [p.x, +p.y.toFixed(5)]),  // single precision
                view: plot.getAttribute('viewBox').split(' ').map(Number),
                ticks: [...chart.querySelectorAll('[data-tick]')].map((t) => t.textContent),
                trials: chart.dataset.trials};
    }""")


def test_a_hundred_live_trials_append_rows_instead_of_fetching_every_trial_again(page, server):
    pg = page
    fetches = []
    pg.on("request", lambda r: fetches.append(r.url) if r.url.endswith("/trials") else None)
    wf = iris_search(server, TRIALS)
    pg.goto(f"{server}/workflows/{wf['id']}")
    pg.wait_for_function("window.playground && window.playground.graph")
    pg.click("#run-button")
    pg.click("[data-panel-tab=run]")
    pg.wait_for_selector("#results-body[data-status=completed]", timeout=180_000)
    pg.click("[data-panel-tab=run]")
    pg.wait_for_function(f"document.querySelectorAll('#trials tr[data-trial]').length === {TRIALS}")
    live = shown(pg)
    job_id = pg.locator("#results-body").get_attribute("data-job")

    # one fetch when the search showed up (a second when events raced it), not one per trial
    assert 1 <= len(fetches) <= 3, fetches
    assert [r[0] for r in live["rows"]] == [str(i) for i in range(1, TRIALS + 1)]
    # each trial's row exactly once, the rows in trial order, one best row: the row the search names
    job = api(server, f"/api/v1/jobs/{job_id}")
    search = next(n for n in job["nodes"] if n["node_id"] == "model")["output"]["optuna"]
    done = [t for t in search["trials"] if t["value"] is not None]
    assert [r[0] for r in live["rows"] if r[1]] == [str(search["trials"][-1]["best_number"] + 1)]
    assert live["said"].strip().startswith(f"{TRIALS} of {TRIALS} trials"), live["said"]
    assert live["trials"] == str(len(done))
    assert live["dots"] == [[t["number"], -t["value"]] for t in done]

    # what the page built by appending is what one full fetch renders now
    pg.evaluate("() => document.querySelector('#trials-body').setAttribute('data-appended', '1')")
    pg.evaluate(f"() => htmx.ajax('GET', '/ui/jobs/{job_id}/trials', {{target: '#trials', swap: 'innerHTML'}})")
    pg.wait_for_function("!document.querySelector('#trials-body[data-appended]') && "
                         f"document.querySelectorAll('#trials tr[data-trial]').length === {TRIALS}")
    fresh = shown(pg)
    assert live == fresh

