"""A run's model taken out in the browser: the results panel's "Download model" gives a zip
whose predict.py, unzipped into an empty folder and run by a fresh interpreter that cannot
see the project (`python -I`, no PYTHONPATH), scores a CSV exactly as the panel's "Score a
file" does for the same rows. Screenshots of the panel's model actions at both sizes.

Exporting and re-importing the workflow in the browser is tests/test_ui_export.py (the
editor's Export link, the Workflows page's Import, the graph compared); not repeated here."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from tests.test_ui_browser import ARTIFACTS, api, run_to_end, sized_page

pytestmark = [pytest.mark.browser]

GRAPH = {"nodes": [
    {"id": "d", "type": "dataset", "position": {"x": 300, "y": 40},
     "config": {"dataset_id": "wine", "target_column": "target", "problem_type": "classification"}},
    {"id": "p", "type": "preprocessing", "position": {"x": 300, "y": 150},
     "config": {"operations": [{"method": "standard_scaler", "parameters": {}}]}},
    {"id": "s", "type": "split", "position": {"x": 300, "y": 260}, "config": {"test_size": 0.3}},
    {"id": "m", "type": "model", "position": {"x": 300, "y": 370}, "label": "Forest",
     "config": {"algorithm": "random_forest", "hyperparameters": {"n_estimators": 30}}},
    {"id": "e", "type": "evaluate", "position": {"x": 300, "y": 480}, "config": {"metrics": ["accuracy"]}}],
    "edges": [{"source": a, "target": b} for a, b in (("d", "p"), ("p", "s"), ("s", "m"), ("m", "e"))]}


@pytest.fixture(scope="module")
def finished(server):
    wf = api(server, "/api/v1/workflows", {"name": "Wine forest", **GRAPH})
    job = run_to_end(server, wf["id"])
    assert job["status"] == "completed", job.get("error_message")
    return wf, job


def results_ready(pg):
    """The last run's results shown, and htmx done wiring their forms (it does so after its
    settle delay: a click before that posts nothing)."""
    pg.wait_for_selector("#results-body[data-status=completed] [data-trained-model=m]")
    pg.wait_for_load_state("networkidle")


def rows_csv(path):
    """Rows to score: wine's feature columns (no target), shuffled, some repeated."""
    from sklearn.datasets import load_wine

    frame = load_wine(as_frame=True).frame.drop(columns="target")
    frame.sample(n=60, replace=True, random_state=3).to_csv(path, index=False)
    return path


def test_the_downloaded_bundle_predicts_what_score_a_file_gives(page, server, finished, tmp_path):  # noqa: F811
    wf, job = finished
    rows = rows_csv(tmp_path / "rows.csv")
    pg = page
    pg.goto(f"{server}/workflows/{wf['id']}")
    results_ready(pg)

    with pg.expect_download() as download:
        pg.locator("[data-download-model=m]").click()
    assert download.value.suggested_filename.startswith("model-") and download.value.suggested_filename.endswith(".zip")
    zipped = tmp_path / "model.zip"
    download.value.save_as(zipped)
    folder = tmp_path / "bundle"
    folder.mkdir()
    with zipfile.ZipFile(zipped) as z:
        z.extractall(folder)
    assert {"predict.py", "model.skops", "playground_runtime.py", "requirements.txt"} <= {p.name for p in
                                                                                           folder.iterdir()}
    # a fresh interpreter in the empty folder: -I leaves out the project, PYTHONPATH and user site
    proc = subprocess.run([sys.executable, "-I", "predict.py", str(rows)], cwd=folder, capture_output=True,
                          timeout=300, env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    bundled = proc.stdout

    pg.set_input_files("#score-file-m", str(rows))
    pg.locator("[data-score-model=m]").click()
    link = pg.locator("#score-result-m [data-download-predictions]")
    link.wait_for()
    assert pg.locator("#score-result-m").inner_text().startswith("Predictions for 60 rows")
    with pg.expect_download() as scored:
        link.click()
    saved = tmp_path / "scored.csv"
    scored.value.save_as(saved)
    app = saved.read_bytes()
    assert app.decode().splitlines()[0] == "prediction" and len(app.decode().splitlines()) == 61
    assert bundled.replace(b"\r\n", b"\n") == app.replace(b"\r\n", b"\n")


def test_a_file_without_the_models_columns_is_refused_in_the_panel(page, server, finished, tmp_path):  # noqa: F811
    wf, _ = finished
    bad = tmp_path / "bad.csv"
    bad.write_text("colour,weight\nred,3\n")
    pg = page
    pg.goto(f"{server}/workflows/{wf['id']}")
    results_ready(pg)
    pg.set_input_files("#score-file-m", str(bad))
    pg.locator("[data-score-model=m]").click()
    error = pg.locator("#score-result-m [data-score-error]")
    error.wait_for()
    assert "alcohol" in error.inner_text()  # the missing columns are named
    assert pg.locator("#score-result-m [data-download-predictions]").count() == 0


def test_model_actions_screenshots(browser, server, finished, tmp_path):  # noqa: F811
    wf, _ = finished
    rows = rows_csv(tmp_path / "rows.csv")
    ARTIFACTS.mkdir(exist_ok=True)
    for size in ((1600, 1000), (1366, 768)):
        with sized_page(browser, size) as pg:
            pg.goto(f"{server}/workflows/{wf['id']}")
            results_ready(pg)
            pg.set_input_files("#score-file-m", str(rows))
            pg.locator("[data-score-model=m]").click()
            pg.locator("#score-result-m [data-download-predictions]").wait_for()
            pg.locator(".trained-models").evaluate("el => el.scrollIntoView({block: 'start'})")
            models = pg.locator("[data-trained-model=m]")
            box = models.bounding_box()
            assert box["width"] > 0 and box["x"] + box["width"] <= size[0]  # inside the window, no sideways scroll
            pg.screenshot(path=str(ARTIFACTS / f"model-actions-{size[0]}.png"))
