"""Export as Python in the browser: a finished run's results (its page, the panel the
editor shows) offer the script; clicking it downloads one that, run in an empty folder
with the dataset page's download beside it, prints the run's metrics."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from tests.test_ui_browser import api, run_to_end

pytestmark = [pytest.mark.browser]


def test_export_as_python_downloads_a_script_that_gives_the_runs_metrics(page, server, tmp_path):  # noqa: F811
    graph = {"nodes": [
        {"id": "d", "type": "dataset", "position": {"x": 300, "y": 40},
         "config": {"dataset_id": "wine", "target_column": "target", "problem_type": "classification"}},
        {"id": "p", "type": "preprocessing", "position": {"x": 300, "y": 150},
         "config": {"operations": [{"method": "standard_scaler", "parameters": {}}]}},
        {"id": "s", "type": "split", "position": {"x": 300, "y": 260}, "config": {"test_size": 0.3}},
        {"id": "m", "type": "model", "position": {"x": 300, "y": 370},
         "config": {"algorithm": "knn", "hyperparameters": {}, "use_cv": True, "cv_folds": 3}},
        {"id": "e", "type": "evaluate", "position": {"x": 300, "y": 480},
         "config": {"metrics": ["accuracy", "f1", "log_loss"]}}],
        "edges": [{"source": a, "target": b} for a, b in (("d", "p"), ("p", "s"), ("s", "m"), ("m", "e"))]}
    wf = api(server, "/api/v1/workflows", {"name": "Wine, k-NN", **graph})
    job = run_to_end(server, wf["id"])
    assert job["status"] == "completed", job.get("error_message")

    pg = page
    pg.goto(f"{server}/jobs/{job['id']}")
    with pg.expect_download() as download:
        pg.get_by_role("link", name="Export as Python").click()
    script = tmp_path / download.value.suggested_filename
    assert script.suffix == ".py"
    download.value.save_as(script)

    pg.goto(f"{server}/datasets/wine")
    with pg.expect_download() as data:
        pg.locator("[data-download=parquet]").click()
    assert data.value.suggested_filename == "wine.parquet"
    data.value.save_as(tmp_path / "wine.parquet")

    proc = subprocess.run([sys.executable, "-I", script.name, "--json"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout)["metrics"]["e"]
    ran = job["results"]["metrics"]["e"]
    for key, value in ran["values"].items():
        assert math.isclose(got["values"][key], value, rel_tol=0, abs_tol=1e-9), key
    assert got["cv"]["folds"] == pytest.approx(ran["cv"]["folds"], rel=0, abs=1e-9)
