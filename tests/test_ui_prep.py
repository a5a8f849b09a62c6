"""Editing preprocessing steps in a real browser, on a real table with strings and gaps
(palmerpenguins, uploaded): a step stays open while it is edited and the focus stays on the
field after the save, a closed step stays closed, the median fill offers no string column,
the canvas node names the steps and their columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.server import upload
from tests import realdata
from tests.test_ui_browser import api, inspector_ready, open_inspector, settle, sized_page, wait_config

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
pytestmark = [pytest.mark.browser]
NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "year"]


@pytest.fixture(scope="module")
def penguins(server):  # noqa: F811
    """The uploaded dataset's id."""
    return upload(server, "penguins.csv", realdata.csv_bytes(realdata.penguins()), timeout=60)[1]["id"]


def workflow(server, dataset_id, name, operations=()):  # noqa: F811
    return api(server, "/api/v1/workflows", {"name": name, "nodes": [
        {"id": "d", "type": "dataset", "position": {"x": 300, "y": 40},
         "config": {"dataset_id": dataset_id, "target_column": "species", "problem_type": "classification"}},
        {"id": "p", "type": "preprocessing", "position": {"x": 300, "y": 170},
         "config": {"operations": list(operations)}}], "edges": [{"source": "d", "target": "p"}]})


def step_open(pg, i) -> bool:
    return pg.locator(f'#inspector details[data-step="{i}"]').evaluate("d => d.open")


def add(pg, method, n):
    pg.select_option("#inspector select[name=add_method]", method)
    pg.wait_for_selector(f'#inspector details[data-step="{n - 1}"][open]')  # the step just added is open
    settle(pg)
    inspector_ready(pg)


def test_a_step_stays_open_while_edited_and_offers_only_applicable_columns(page, server, penguins):  # noqa: F811
    pg = page
    wf = workflow(server, penguins, "Prep editing")
    pg.goto(f"{server}/workflows/{wf['id']}")
    pg.wait_for_function("window.playground && window.playground.graph")
    open_inspector(pg, "p")
    add(pg, "iqr_outlier_removal", 1)
    add(pg, "fill_missing_median", 2)
    assert step_open(pg, 0) and step_open(pg, 1)  # what was open stays open across the add

    # the median fill offers the numeric columns only, each with its kind
    values = pg.locator("#inspector select[name=op-1-columns] option").evaluate_all("os => os.map(o => o.value)")
    labels = pg.locator("#inspector select[name=op-1-columns] option").all_inner_texts()
    assert values == NUMERIC and "sex" not in values and "island" not in values
    assert labels[0] == "bill_length_mm · numeric"

    # close the second step: it stays closed after the next save
    pg.click('#inspector details[data-step="1"] > summary .op-title')
    assert not step_open(pg, 1)

    # edit the first step's number, tab away: saved, the step still open, focus on the next field
    head = pg.locator('#inspector details[data-step="0"] > summary')
    assert "Remove outliers (IQR) · all 5 numeric columns" in head.inner_text()
    assert "removes training rows only; test rows are always scored" in head.inner_text()
    pg.fill("#inspector input[name=op-0-factor]", "2")
    pg.press("#inspector input[name=op-0-factor]", "Tab")
    config = wait_config(server, wf["id"], "p", lambda c: c["operations"][0]["parameters"].get("factor") == 2.0)
    assert config["operations"][0]["parameters"]["factor"] == 2.0
    pg.wait_for_selector('#inspector input[name=op-0-factor][value="2"]')  # the re-rendered panel
    settle(pg)
    inspector_ready(pg)
    assert step_open(pg, 0) and not step_open(pg, 1)
    focus = pg.evaluate("[document.activeElement.id, !!document.activeElement.closest('#inspector')]")
    assert focus == ["f-op-0-columns", True]

    # choosing columns names them in the header and on the canvas node
    pg.select_option("#inspector select[name=op-0-columns]", ["body_mass_g", "flipper_length_mm"])
    wait_config(server, wf["id"], "p", lambda c: c["operations"][0]["parameters"].get("columns"))
    pg.wait_for_selector('#inspector details[data-step="0"][open] > summary:has-text("flipper_length_mm, body_mass_g")')
    summary = pg.locator('#canvas [data-node-id="p"] .pg-node-summary')
    pg.wait_for_function("n => n.textContent.includes('→ median fill (all 5)')", arg=summary.element_handle())
    assert summary.inner_text() == "IQR outliers (flipper_length_mm, body_mass_g) → median fill (all 5)"
    assert summary.get_attribute("title") == summary.inner_text()  # the whole chain on hover, when cut


@pytest.mark.parametrize("size", [(1600, 1000), (1366, 768)])
def test_screenshot_of_the_preprocessing_inspector(browser, server, penguins, size):  # noqa: F811
    wf = workflow(server, penguins, "Penguins: preprocessing", [
        {"method": "fill_missing_median", "parameters": {"columns": ["bill_length_mm", "body_mass_g"]}},
        {"method": "fill_missing_mode", "parameters": {}},
        {"method": "onehot_encoder", "parameters": {"columns": ["island", "sex"]}},
        {"method": "iqr_outlier_removal", "parameters": {"factor": 2.0}},
        {"method": "standard_scaler", "parameters": {"columns": ["sex", "flipper_length_mm"]}}])
    with sized_page(browser, size) as pg:
        pg.goto(f"{server}/workflows/{wf['id']}")
        pg.wait_for_function("window.playground && window.playground.graph")
        open_inspector(pg, "p")
        pg.click('#inspector details[data-step="2"] > summary .op-title')  # open the one-hot step too
        # the scaler names 'sex', which the one-hot step replaced: an error on that step, open
        assert pg.locator('#inspector details[data-step="4"].invalid[open]').count() == 1
        assert "not there any more" in pg.locator('#inspector details[data-step="4"] .field-error').inner_text()
        pg.wait_for_timeout(300)  # the chevron's turn (a 150 ms transition) has ended
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"prep-{size[0]}.png"))
