"""The plot cards of a run's results (Debian's Chromium, the real app, 1600x1000 and
1366x768): the plots' grid stretched every card in a row to the tallest one beside it, so
a wide, short plot (a regression's feature importance on a five-column sales workbook, next
to a square predicted-vs-actual) had a large empty box under its caption (found by a new
user). Each card is now as tall as its own image and caption, whatever the number of plots
and however they fall into rows, in the editor's results panel and on the run's own page."""

from __future__ import annotations

import io
import random

import pytest

from bench.server import upload
from tests.test_ui_browser import BROWSER_TESTS, api, run_to_end, sized_page
from tests.test_ui_plugins import node

pytestmark = BROWSER_TESTS
SIZES = [(1600, 1000), (1366, 768)]
IRIS = {"dataset_id": "iris", "target_column": "target", "problem_type": "classification"}
# the plots of each run: one alone, two side by side of different heights, three (the
# regression's and the classification's defaults), five over two rows
RUNS = {
    "regression, 1 plot": ("sales", ["feature_importance"]),
    "regression, 2 plots": ("sales", ["feature_importance", "prediction_vs_actual"]),
    "regression, 3 plots (its defaults)": ("sales", None),
    "regression, 5 plots": ("sales", ["feature_importance", "residuals", "prediction_vs_actual",
                                      "partial_dependence", "learning_curve"]),
    "classification, 3 plots": ("iris", ["confusion_matrix", "roc_curve", "feature_importance"]),
}


def sales_workbook() -> bytes:
    """A sales report as a new user exports it: a title row, a blank row, then the table
    (Revenue is units times price less the discount)."""
    import openpyxl

    rng = random.Random(7)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Sales report Q3 2024"])
    ws.append([])
    ws.append(["Region", "Units", "Unit price", "Discount", "Revenue"])
    for _ in range(120):
        units, price, discount = rng.randint(1, 60), rng.choice([4.99, 9.99, 14.5, 19.9]), rng.choice([0, 0.05, 0.1])
        ws.append([rng.choice(["North", "South", "East", "West"]), units, price, discount,
                   round(units * price * (1 - discount), 2)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def runs(server):  # noqa: F811
    """Each run of RUNS, completed: its workflow's id and its job's id."""
    status, sales = upload(server, "sales.xlsx", sales_workbook())
    assert status == 201, sales
    datasets = {"sales": {"dataset_id": sales["id"], "target_column": "Revenue", "problem_type": "regression"},
                "iris": IRIS}
    done = {}
    for name, (dataset, plots) in RUNS.items():
        nodes = [node("d", "dataset", datasets[dataset], 300, 40), node("s", "split", {}, 300, 170),
                 node("m", "model", {"algorithm": "random_forest"}, 300, 300), node("e", "evaluate", {}, 300, 430),
                 node("v", "visualize", {} if plots is None else {"plots": plots}, 300, 560)]
        edges = [{"source": a, "target": b} for a, b in (("d", "s"), ("s", "m"), ("m", "e"), ("e", "v"))]
        wf = api(server, "/api/v1/workflows", {"name": name, "nodes": nodes, "edges": edges})
        job = run_to_end(server, wf["id"], timeout=240)
        assert job["status"] == "completed", (name, job.get("error_message"))
        done[name] = (wf["id"], job["id"])
    return done


def cards(pg) -> list[dict]:
    """Every plot card of the results on the page, once all its images have loaded (they load
    lazily: each is scrolled into view): its box, its image's and its caption's, in page
    coordinates."""
    figures = pg.locator("#results-body .plots figure")
    for i in range(figures.count()):
        figures.nth(i).scroll_into_view_if_needed()
        figures.nth(i).locator("img").evaluate(
            "img => img.complete && img.naturalHeight ? null : new Promise(r => { img.onload = r; img.onerror = r; })")
    return pg.evaluate("""() => [...document.querySelectorAll('#results-body .plots figure')].map(f => {
        const box = (el) => { const r = el.getBoundingClientRect(); return {top: r.top + scrollY, bottom: r.bottom + scrollY, height: r.height}; };
        return {plot: f.dataset.plot, card: box(f), img: box(f.querySelector('img')), caption: box(f.querySelector('figcaption')),
                natural: f.querySelector('img').naturalHeight};
    })""")


def assert_fitted(found: list[dict], expected: int, where: str) -> None:
    assert len(found) == expected, (where, found)
    rows = {}
    for c in found:
        assert c["natural"] > 0 and c["img"]["height"] > 40, (where, c)  # the image is drawn
        # the caption follows the image, and the card ends with the caption (its border, 1 px)
        assert abs(c["caption"]["top"] - c["img"]["bottom"]) <= 1.5, (where, c)
        empty = c["card"]["bottom"] - c["caption"]["bottom"]
        assert empty <= 2, f"{where}: {c['plot']} card has {empty:.0f} px of empty space under its caption"
        rows.setdefault(round(c["card"]["top"]), []).append(c)
    # the cards of a row still line up at the top
    for top, row in rows.items():
        assert all(abs(c["card"]["top"] - top) <= 1 for c in row), (where, row)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_each_plot_card_is_as_tall_as_its_plot_on_the_runs_page(browser, runs, server, size):  # noqa: F811
    with sized_page(browser, size) as pg:
        for name, (_, job_id) in runs.items():
            pg.goto(f"{server}/jobs/{job_id}")
            plots = RUNS[name][1]
            assert_fitted(cards(pg), 3 if plots is None else len(plots), f"{name} at {size}, run's page")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_each_plot_card_is_as_tall_as_its_plot_in_the_editors_results(browser, runs, server, size):  # noqa: F811
    """The results panel under the canvas, maximised as the new user had it, and as it opens."""
    with sized_page(browser, size) as pg:
        for name in ("regression, 3 plots (its defaults)", "classification, 3 plots", "regression, 5 plots"):
            workflow_id, job_id = runs[name]
            pg.goto(f"{server}/workflows/{workflow_id}")
            pg.wait_for_selector(f'#results-body[data-job="{job_id}"] .plots figure')
            for maximised in (False, True):
                if maximised:
                    pg.locator("#results-max").click()
                assert_fitted(cards(pg), 5 if name.endswith("5 plots") else 3,
                              f"{name} at {size}, editor{' maximised' if maximised else ''}")
