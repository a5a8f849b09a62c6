"""Export and Import in the browser: the editor's Export downloads the workflow as the API
returns it, named after the workflow; the Workflows page imports that file (a plain form,
its token a field) into a new workflow and opens it; a file that is not a workflow gets the
page back with the sentence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_ui_browser import api

pytestmark = [pytest.mark.browser]


def test_export_downloads_the_workflow_and_import_opens_it_again(page, server, tmp_path):  # noqa: F811
    pg = page
    graph = {"nodes": [
        {"id": "d", "type": "dataset", "position": {"x": 300, "y": 40},
         "config": {"dataset_id": "wine", "target_column": "target", "problem_type": "classification"}},
        {"id": "s", "type": "split", "position": {"x": 300, "y": 170}, "config": {"test_size": 0.3}},
        {"id": "m", "type": "model", "position": {"x": 300, "y": 300}, "label": "Shallow forest",
         "config": {"algorithm": "random_forest", "hyperparameters": {"n_estimators": 20, "max_depth": 3}}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}]}
    wf = api(server, "/api/v1/workflows", {"name": "Wine, shallow forest", **graph})
    pg.goto(f"{server}/workflows/{wf['id']}")
    pg.wait_for_function("window.playground && window.playground.graph.getNodes().length === 3")
    with pg.expect_download() as download:
        pg.get_by_role("link", name="Export").click()
    file = download.value
    assert file.suggested_filename == "Wine, shallow forest.json"
    saved = tmp_path / "export.json"
    file.save_as(saved)
    assert json.loads(saved.read_text()) == api(server, f"/api/v1/workflows/{wf['id']}")

    pg.goto(f"{server}/workflows")
    pg.set_input_files("#import-file", str(saved))
    pg.get_by_role("button", name="Import", exact=True).click()
    pg.wait_for_url("**/workflows/wf_*")
    new_id = pg.url.rsplit("/", 1)[1]
    assert new_id != wf["id"]
    pg.wait_for_function("window.playground && window.playground.graph.getNodes().length === 3")
    back = api(server, f"/api/v1/workflows/{new_id}")
    assert back["name"] == "Wine, shallow forest (imported)"  # named as the copy it is, beside its original

    def unnamed(graph):
        return {k: v for k, v in graph.items() if k != "name"}
    assert unnamed(back["graph"]) == unnamed(json.loads(saved.read_text())["graph"])


def test_a_file_that_is_not_a_workflow_is_refused_on_the_page(page, server, tmp_path):  # noqa: F811
    pg = page
    before = len(api(server, "/api/v1/workflows"))
    bad = Path(tmp_path) / "table.json"
    bad.write_text(json.dumps({"columns": ["a", "b"], "rows": [[1, 2]]}))
    pg.goto(f"{server}/workflows")
    pg.set_input_files("#import-file", str(bad))
    pg.get_by_role("button", name="Import", exact=True).click()
    pg.wait_for_selector("#import-error")
    assert pg.locator("#import-error").inner_text().startswith("This is not a workflow: it has no nodes")
    assert pg.url.endswith("/workflows/import")
    assert len(api(server, "/api/v1/workflows")) == before
    # the 400 page is logged by Chromium as a console error, and it is the only one
    assert pg.errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    pg.errors.clear()
