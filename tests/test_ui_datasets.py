"""The dataset page in a real browser: palmerpenguins uploaded as CSV through the page, a
chart per column, the target set with the page's form and its class balance shown, missing
cells marked; screenshots at two sizes. And the Split preview's row counts against what a
real worker's run split."""

from __future__ import annotations

import re
import tempfile
import time
import urllib.request
from pathlib import Path

import palmerpenguins
import pytest

from tests.test_ui_browser import ARTIFACTS, api

pytestmark = [pytest.mark.browser]


def upload_penguins(pg, server, frame=None, name="penguins"):
    path = Path(tempfile.mkdtemp()) / f"{name}.csv"
    (palmerpenguins.load_penguins() if frame is None else frame).to_csv(path, index=False)
    pg.goto(f"{server}/datasets")
    pg.set_input_files("#upload-file", str(path))
    pg.click("#upload-form button[type=submit]")
    pg.wait_for_selector(f"text=Added {name}.")
    return next(d for d in api(server, "/api/v1/datasets")["uploads"] if d["name"] == name)


def set_target(pg, ds, target):
    """The target, set with the dataset page's own form."""
    pg.select_option("#ds-target", target)
    pg.select_option("#ds-problem", "auto")
    pg.click("#target-form button[type=submit]")
    pg.wait_for_url(f"**/datasets/{ds['id']}?saved=1")
    assert pg.locator("#target-form [role=status]").inner_text().startswith("Saved")


def test_the_dataset_profile_draws_columns_target_balance_and_gaps(page, server):
    pg = page
    ds = upload_penguins(pg, server)
    pg.click(f"a[href='/datasets/{ds['id']}']")
    pg.wait_for_url(f"**/datasets/{ds['id']}")
    set_target(pg, ds, "sex")

    rows = pg.locator("table.profile tbody tr")
    assert rows.count() == 8
    for i in range(8):
        row = rows.nth(i)
        assert row.locator("svg.col-chart").count() >= 1, row.get_attribute("data-column")
        box = row.locator("svg.col-chart").first.bounding_box()
        assert box["width"] >= 100 and box["height"] >= 20  # drawn, not collapsed
    assert pg.locator("tr[data-column=sex]").get_attribute("data-role") == "target"
    assert pg.locator("tr[data-column=bill_length_mm] svg.histogram rect.bar").count() == 12
    assert pg.locator("tr[data-column=species] svg.top text.lbl").all_text_contents() == ["Adelie", "Gentoo",
                                                                                        "Chinstrap"]
    mass = pg.locator("tr[data-column=body_mass_g]").inner_text()
    assert "2,700" in mass and "6,300" in mass and "4,202" in mass and "2 (0.6%)" in mass

    balance = pg.locator("#target-card table.class-balance tbody tr")
    assert balance.count() == 2
    assert [balance.nth(i).get_attribute("data-class") for i in range(2)] == ["male", "female"]
    assert re.sub(r"\s+", " ", balance.nth(0).inner_text()).strip() == "male 168 50.5%"
    fill = balance.nth(0).locator(".fill").bounding_box()
    assert fill["width"] > 50  # the bar is drawn to scale
    assert "11 row(s) have no sex" in pg.locator("#target-card").inner_text()

    missing = pg.locator("table.preview td.missing")
    assert missing.count() >= 5
    assert missing.first.get_attribute("title") == "missing" and missing.first.inner_text() == "missing"
    background = missing.first.evaluate("td => getComputedStyle(td).backgroundColor")
    plain = pg.locator("table.preview td:not(.missing)").first.evaluate("td => getComputedStyle(td).backgroundColor")
    assert background != plain

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1600, 1000), (1366, 768)):
        pg.set_viewport_size({"width": width, "height": height})
        pg.wait_for_timeout(100)
        overflow = pg.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the page scrolls sideways at {width}px"
        pg.screenshot(path=str(ARTIFACTS / f"dataset-profile-{width}.png"), full_page=True)

    # one click from here to a workflow whose Dataset node predicts sex
    pg.click("text=New workflow from this dataset")
    pg.wait_for_url("**/workflows/wf_*")
    wf = api(server, f"/api/v1/workflows/{pg.url.rsplit('/', 1)[1]}")
    assert wf["graph"]["nodes"][0]["config"]["target_column"] == "sex"


# the lines of text in each cell of each row (cells without text left out): the distinct tops
# of the boxes its text is laid out in
CELL_LINES = """table => [...table.tBodies[0].rows].map(tr => [...tr.cells].filter(td => td.innerText.trim()).map(td => {
    const tops = new Set(), walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const r of range.getClientRects()) if (r.width > 0) tops.add(Math.round(r.top));
    }
    return tops.size;
}))"""


def test_class_names_as_published_keep_the_class_balance_one_line_a_row(page, server):
    """The penguins as the study published them name each species in full ('Chinstrap
    penguin (Pygoscelis antarctica)'): the class balance used to wrap them onto four lines
    at 1366 px while the card had room."""
    pg = page
    ds = upload_penguins(pg, server, palmerpenguins.load_penguins_raw(), "penguins-raw")
    pg.goto(f"{server}/datasets/{ds['id']}")
    set_target(pg, ds, "Species")
    table = pg.locator("#target-card table.class-balance")
    for width, height in ((1366, 768), (1600, 1000)):
        pg.set_viewport_size({"width": width, "height": height})
        pg.wait_for_timeout(100)
        assert table.locator("tbody tr").count() == 3
        lines = table.evaluate(CELL_LINES)
        assert lines == [[1, 1, 1]] * 3, f"the class balance wraps at {width}px: {lines}"
        names = table.locator("td.cls").all_inner_texts()
        assert names[2] == "Chinstrap penguin (Pygoscelis antarctica)"  # whole, not cut short
        fills = [table.locator("tbody tr").nth(i).locator(".fill").bounding_box()["width"] for i in range(3)]
        assert fills[0] >= 100 and abs(fills[2] / fills[0] - 68 / 152) < 0.02  # bars drawn to scale
        overflow = pg.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the page scrolls sideways at {width}px"
        pg.locator("#target-card").screenshot(path=str(ARTIFACTS / f"dataset-class-balance-{width}.png"))


def test_the_split_preview_counts_what_a_workers_run_splits(server):
    ds = next((d for d in api(server, "/api/v1/datasets")["uploads"] if d["name"] == "penguins"), None)
    if ds is None:
        pytest.skip("needs the penguins upload of the test above")
    graph = {"name": "penguins by sex", "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": ds["id"], "target_column": "sex",
                                                   "problem_type": "classification"}},
        {"id": "s", "type": "split", "config": {"test_size": 0.25, "stratify": True, "shuffle": True,
                                                 "random_seed": 1}},
        {"id": "m", "type": "model", "config": {"algorithm": "decision_tree", "hyperparameters": {}}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}]}
    wf = api(server, "/api/v1/workflows", graph)
    with urllib.request.urlopen(f"{server}/ui/workflows/{wf['id']}/nodes/s/inspector", timeout=30) as r:
        html = r.read().decode()
    said = re.search(r"344 rows, 11 without a target \(sex\) are left out: ([\d,]+) training rows, ([\d,]+) test rows",
                     html)
    assert said, html
    job = api(server, f"/api/v1/workflows/{wf['id']}/run", {})
    job = {"id": job["job_id"], "status": job["status"]}
    deadline = time.monotonic() + 90
    while job["status"] not in ("completed", "failed", "cancelled") and time.monotonic() < deadline:
        time.sleep(0.3)
        job = api(server, f"/api/v1/jobs/{job['id']}")
    assert job["status"] == "completed", job
    split = next(n for n in job["nodes"] if n["node_id"] == "s")["output"]
    assert (split["train_rows"], split["test_rows"]) == (int(said.group(1)), int(said.group(2))) == (249, 84)
