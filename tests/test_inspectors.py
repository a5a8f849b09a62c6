"""Inspectors rendered by the server (no browser): every node type's panel, the same Param
messages as the API next to the field, nothing broken stored, capabilities flowing down."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def wf(web):
    graph = json.loads((ROOT / "examples" / "classification.json").read_text())
    return web.post("/api/v1/workflows", json={"name": "inspect", **graph}).json()


def stored(web, wf, node_id):
    graph = web.get(f"/api/v1/workflows/{wf['id']}").json()["graph"]
    return next(n["config"] for n in graph["nodes"] if n["id"] == node_id)


@pytest.mark.parametrize("node_id,kind,fragment", [
    ("dataset", "dataset", "Target column"), ("prep", "preprocessing", "Standard scaler"),
    ("split", "split", "training rows"), ("model", "model", "Hyperparameters"),
    ("evaluate", "evaluate", "Recommended"), ("visualize", "visualize", "Cost summary"),
])
def test_every_inspector_renders(web, wf, node_id, kind, fragment):
    r = web.get(f"/ui/workflows/{wf['id']}/nodes/{node_id}/inspector")
    assert r.status_code == 200
    assert f'data-inspector="{kind}"' in r.text and fragment in r.text


def test_model_inspector_offers_only_algorithms_of_the_problem_type(web, wf):
    html = web.get(f"/ui/workflows/{wf['id']}/nodes/model/inspector").text
    assert 'value="random_forest"' in html and 'value="logistic_regression"' in html
    assert 'value="linear_regression"' not in html and 'value="kmeans"' not in html
    assert 'name="hp-n_estimators"' in html and "Advanced" in html


def test_invalid_value_shows_the_param_message_and_is_not_stored(web, wf):
    before = stored(web, wf, "model")
    r = web.post(f"/ui/workflows/{wf['id']}/nodes/model/config",
                 data={"algorithm": "random_forest", "hp-n_estimators": "5"})
    assert r.status_code == 200
    assert "Trees must be at least 10; got 5." in r.text
    assert 'value="5"' in r.text  # the user's input is shown back, with the message
    assert stored(web, wf, "model")["hyperparameters"] == before["hyperparameters"]
    r = web.post(f"/ui/workflows/{wf['id']}/nodes/model/config",
                 data={"algorithm": "random_forest", "hp-n_estimators": "250"})
    assert stored(web, wf, "model")["hyperparameters"]["n_estimators"] == 250
    state = json.loads(r.headers["HX-Trigger"])["pg-state"]["nodes"]["model"]
    assert state["summary"].startswith("Random Forest, 250 trees") and state["state"] == "configured"


def test_capabilities_flow_downstream_and_flag_stale_selections(web, wf):
    web.post(f"/ui/workflows/{wf['id']}/nodes/dataset/config", data={"dataset_id": "diabetes"})
    assert stored(web, wf, "dataset") == {"dataset_id": "diabetes", "target_column": "target",
                                          "problem_type": "regression"}
    state = web.put(f"/ui/workflows/{wf['id']}/structure", json=web.get(
        f"/api/v1/workflows/{wf['id']}").json()["graph"]).json()["state"]["nodes"]
    assert state["evaluate"]["state"] == "invalid" and "not offered" in state["evaluate"]["message"]
    html = web.get(f"/ui/workflows/{wf['id']}/nodes/evaluate/inspector").text
    assert 'value="rmse"' in html and "No longer offered" in html


def test_split_presets_and_seed_regenerate(web, wf):
    web.post(f"/ui/workflows/{wf['id']}/nodes/split/config", data={"action": "preset:30"})
    assert stored(web, wf, "split")["test_size"] == 0.3
    r = web.post(f"/ui/workflows/{wf['id']}/nodes/split/config", data={"test_size": "70"})
    assert stored(web, wf, "split")["test_size"] == 0.3  # 70% is refused: at most 50%
    assert "Test size must be between 10% and 50%; got 70%." in r.text
    web.post(f"/ui/workflows/{wf['id']}/nodes/split/config", data={"test_size": "25"})
    assert stored(web, wf, "split")["test_size"] == 0.25
    seed = stored(web, wf, "split")["random_seed"]
    web.post(f"/ui/workflows/{wf['id']}/nodes/split/config", data={"action": "regenerate"})
    assert stored(web, wf, "split")["random_seed"] != seed or seed == 0


def test_operations_add_move_remove(web, wf):
    url = f"/ui/workflows/{wf['id']}/nodes/prep/config"
    web.post(url, data={"add_method": "onehot_encoder"})
    assert [o["method"] for o in stored(web, wf, "prep")["operations"]] == [
        "fill_missing_median", "standard_scaler", "onehot_encoder"]
    web.post(url, data={"action": "up:2"})
    assert [o["method"] for o in stored(web, wf, "prep")["operations"]][1] == "onehot_encoder"
    web.post(url, data={"action": "remove:0"})
    assert [o["method"] for o in stored(web, wf, "prep")["operations"]] == ["onehot_encoder", "standard_scaler"]


def test_quick_actions_select_defaults_all_clear(web, wf):
    url = f"/ui/workflows/{wf['id']}/nodes/visualize/config"
    web.post(url, data={"action": "clear"})
    assert stored(web, wf, "visualize")["plots"] == []
    web.post(url, data={"action": "all"})
    assert "shap_summary" in stored(web, wf, "visualize")["plots"]
    web.post(url, data={"action": "defaults"})
    assert stored(web, wf, "visualize")["plots"] == ["feature_importance", "confusion_matrix", "roc_curve"]


def test_structure_refuses_a_forbidden_edge_with_a_sentence(web, wf):
    graph = web.get(f"/api/v1/workflows/{wf['id']}").json()["graph"]
    graph["edges"].append({"source": "dataset", "target": "evaluate"})
    r = web.put(f"/ui/workflows/{wf['id']}/structure", json=graph)
    assert r.status_code == 422 and "cannot take" in r.json()["detail"]
    assert r.json()["edge"] == {"source": "dataset", "target": "evaluate"}


def test_pages_render(web, wf):
    for url in ("/workflows", "/datasets", "/datasets/iris", f"/workflows/{wf['id']}"):
        r = web.get(url)
        assert r.status_code == 200, url
        assert "cdn" not in r.text.lower() and "https://" not in r.text
    assert web.get("/", follow_redirects=False).status_code == 303
    assert web.get("/workflows/wf_missing").status_code == 404


def test_run_from_the_editor_reports_errors_without_a_job(web):
    wf = web.post("/api/v1/workflows", json={"name": "broken", "nodes": [
        {"id": "d", "type": "dataset", "config": {}}], "edges": []}).json()
    body = web.post(f"/ui/workflows/{wf['id']}/run").json()
    assert body["ok"] is False and "Choose a dataset" in " ".join(body["errors"]["d"])
    assert web.get(f"/api/v1/jobs?workflow_id={wf['id']}").json() == []


def test_workflows_page_actions(web):
    r = web.post("/workflows", data={"name": "", "template": "clustering"}, follow_redirects=False)
    assert r.status_code == 303
    wid = r.headers["location"].rsplit("/", 1)[1]
    wf = web.get(f"/api/v1/workflows/{wid}").json()
    assert wf["name"] == "Synthetic blobs: k-means" and len(wf["graph"]["nodes"]) == 6
    row = web.post(f"/ui/workflows/{wid}/rename", data={"name": "Blobs"}).text
    assert "Blobs" in row and web.get(f"/api/v1/workflows/{wid}").json()["name"] == "Blobs"
    bad = web.patch(f"/ui/workflows/{wid}/name", data={"name": "  "}).text
    assert "needs a name" in bad and web.get(f"/api/v1/workflows/{wid}").json()["name"] == "Blobs"
    copy_row = web.post(f"/ui/workflows/{wid}/duplicate").text
    assert "Blobs (copy)" in copy_row
    assert web.delete(f"/ui/workflows/{wid}").status_code == 200
    assert web.get(f"/api/v1/workflows/{wid}").status_code == 404
    assert web.post("/workflows", data={"template": "nope"}).status_code == 400


def test_datasets_page_upload_shows_a_sentence_on_bad_files(web):
    r = web.post("/ui/datasets", files={"file": ("bad.csv", b"a,b\n1,2,3\n", "text/csv")})
    assert r.status_code == 200 and "Line 2 has 3 fields but the header has 2." in r.text
    ok = web.post("/ui/datasets", files={"file": ("good.csv", b"x,y,label\n1,2,a\n3,4,b\n5,6,a\n", "text/csv")})
    import re

    assert re.search(r'Added <a href="/datasets/ds_[0-9a-f]{12}">good</a>\.', ok.text)
    # its notes counted in words ("1 note(s)" read as a slip, a new user), one and several
    one = web.post("/ui/datasets", files={"file": ("one.csv", b"x;y;label\n1,5;2;a\n3,25;4;b\n5,5;6;a\n", "text/csv")})
    two = web.post("/ui/datasets", files={"file": ("one.csv", b"x;y;label\n1,5;2;a\n3,25;4;b\n5,5;6;a\n", "text/csv")})
    assert " 1 note on how it was read" in one.text, one.text
    assert "2 notes on how it was read" in two.text and "(s) on how" not in two.text, two.text  # (uploaded again too)


def test_split_warns_about_imbalanced_classes(web):
    import io

    df = __import__("pandas").DataFrame({"x": range(200), "y": ["rare"] * 10 + ["common"] * 190})
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    ds = web.post("/api/v1/datasets", files={"file": ("imb.csv", buf.getvalue().encode(), "text/csv")}).json()
    wf = web.post("/api/v1/workflows", json={"name": "imbalanced", "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": ds["id"], "target_column": "y",
                                                   "problem_type": "classification"}},
        {"id": "s", "type": "split", "config": {}}], "edges": [{"source": "d", "target": "s"}]}).json()
    html = web.get(f"/ui/workflows/{wf['id']}/nodes/s/inspector").text
    assert "Class &#x27;rare&#x27; is only 5.0% of the rows" in html or "Class 'rare' is only 5.0% of the rows" in html


def test_the_editor_and_the_api_refuse_deleting_a_sample_dataset_alike(web):
    """The UI route used to delete a sample dataset's row the API refused to delete."""
    for path in ("/ui/datasets/iris", "/api/v1/datasets/iris"):
        r = web.delete(path)
        assert r.status_code == 400 and "Sample datasets cannot be deleted." in r.text, path
    assert any(d["id"] == "iris" for d in web.get("/api/v1/datasets").json()["samples"])


def test_an_inspector_save_resolves_once_reads_the_workflow_once_and_checks_the_config_once(web, wf, monkeypatch):
    """The form is read inside the one resolve (against what flows into the node), the row
    is read once (the write checks only that nobody changed it since), the node's config is
    checked once, and the panel and the canvas states come from that resolve. It used to be
    five resolves, then two; three reads of the row."""
    from data.store import Store
    from executor import engine
    from nodes.registry import node_types
    from web import inspector

    counts = {"resolve": 0, "row": 0, "validate": 0}

    def counting(key, real, only=None):
        def counted(*a, **kw):
            if only is None or only(*a):
                counts[key] += 1
            return real(*a, **kw)
        return counted

    monkeypatch.setattr(engine, "resolve", counting("resolve", engine.resolve))
    monkeypatch.setattr(inspector, "resolve", counting("resolve", inspector.resolve))
    monkeypatch.setattr(Store, "_one", counting("row", Store._one,  # the workflow's row, graph and all
                                                lambda store, sql, *a: sql.startswith("SELECT * FROM workflows")))
    validate = node_types()["model"].validate  # the Model node's validate hook: what it declared
    monkeypatch.setattr(validate, "declared", counting("validate", validate.declared))
    r = web.post(f"/ui/workflows/{wf['id']}/nodes/model/config", data={"hp-n_estimators": "120"})
    assert r.status_code == 200 and "pg-state" in r.headers["hx-trigger"]
    assert counts == {"resolve": 1, "row": 1, "validate": 1}
    assert stored(web, wf, "model")["hyperparameters"]["n_estimators"] == 120
    state = json.loads(r.headers["hx-trigger"])["pg-state"]["nodes"]["model"]
    assert state["config"]["hyperparameters"]["n_estimators"] == 120


def test_an_inspector_save_on_a_workflow_changed_meanwhile_starts_from_the_change(web, wf):
    """The write re-reads the row when another tab changed it since: nothing is lost."""
    from data.store import Store

    store = web.app.state.store
    seen = store.require_workflow(wf["id"])
    store.update_workflow(wf["id"], name="renamed meanwhile")
    out = store.update_node_config(wf["id"], "split", {**stored(web, wf, "split"), "test_size": 0.3}, base=seen)
    assert out["name"] == "renamed meanwhile" and isinstance(store, Store)
    assert stored(web, wf, "split")["test_size"] == 0.3 and web.get(f"/api/v1/workflows/{wf['id']}").json()["name"] \
        == "renamed meanwhile"


def test_a_workflow_starts_from_a_dataset_in_one_click_and_deleting_it_names_its_workflows(web):
    # sizes and prices in no order (counting up in equal steps, both were ids, and rooms the
    # target with no feature left)
    # target, and a price that is no size scaled (that is not suggested: the size would give it away)
    csv = b"size,rooms,price\n" + b"".join(
        f"{50 + 7 * i % 60},{1 + i % 4},{100 + 3 * (7 * i % 60) + 40 * (i % 5)}\n".encode() for i in range(60))
    up = web.post("/api/v1/datasets", files={"file": ("flats.csv", csv, "text/csv")}).json()
    assert up["target"] == "price"
    r = web.post("/workflows", data={"dataset": up["id"]}, follow_redirects=False)
    assert r.status_code == 303
    wid = r.headers["location"].rsplit("/", 1)[1]
    wf = web.get(f"/api/v1/workflows/{wid}").json()
    # a pipeline that runs as it is (a Dataset node alone ran to "No metrics in this run")
    assert [n["type"] for n in wf["graph"]["nodes"]] == ["dataset", "split", "model", "evaluate", "visualize"]
    assert [(e["source"], e["target"]) for e in wf["graph"]["edges"]] == [
        ("dataset", "split"), ("split", "model"), ("model", "evaluate"), ("evaluate", "visualize")]
    assert web.post(f"/api/v1/workflows/{wid}/validate").json()["valid"] is True
    node = wf["graph"]["nodes"][0]
    assert wf["name"] == "flats.csv: new workflow" or wf["name"].endswith(": new workflow")
    assert node["type"] == "dataset" and node["config"]["dataset_id"] == up["id"]
    assert node["config"]["target_column"] == up["target"]
    page = web.get("/datasets").text
    assert f"1 workflow(s) use it: &#x27;{wf['name']}&#x27;" in page or f"1 workflow(s) use it: '{wf['name']}'" in page
    sample = web.post("/workflows", data={"dataset": "iris"}, follow_redirects=False)
    iris = web.get(f"/api/v1/workflows/{sample.headers['location'].rsplit('/', 1)[1]}").json()
    assert iris["graph"]["nodes"][0]["config"] == {"dataset_id": "iris", "target_column": "target",
                                                   "problem_type": "classification"}
    assert web.post("/workflows", data={"dataset": "nope"}).status_code == 404


def test_credits_say_what_they_are_where_they_are_shown(web, wf):
    html = web.get(f"/ui/workflows/{wf['id']}/nodes/visualize/inspector").text
    assert "credits" in html and "Credits are a relative measure of the compute a run needs" in html


def test_a_new_dataset_brings_the_same_target_through_the_api_and_the_inspector(web):
    """The Dataset node's reconcile hook is the one rule, run by the store on every save: a
    new dataset starts from the target and problem type chosen on its page, whether the
    change comes from the API (the whole config sent, the old target in it) or the panel."""
    csv = b"size,rooms,price\n" + b"".join(f"{50 + i},{1 + i % 4},{100 + 3 * i}\n".encode() for i in range(60))
    up = web.post("/api/v1/datasets", files={"file": ("flats.csv", csv, "text/csv")}).json()
    assert web.put(f"/api/v1/datasets/{up['id']}/target",
                   json={"target": "rooms", "problem_type": "classification"}).status_code == 200
    graph = {"nodes": [{"id": "d", "type": "dataset", "position": {"x": 0, "y": 0},
                        "config": {"dataset_id": "diabetes", "target_column": "target", "problem_type": "regression",
                                   "include_ids": []}}], "edges": []}
    via_api = web.post("/api/v1/workflows", json={"name": "api", **graph}).json()
    via_panel = web.post("/api/v1/workflows", json={"name": "panel", **graph}).json()

    sent = json.loads(json.dumps(graph))
    sent["nodes"][0]["config"]["dataset_id"] = up["id"]
    r = web.put(f"/api/v1/workflows/{via_api['id']}", json=sent)
    assert r.status_code == 200, r.text
    r = web.post(f"/ui/workflows/{via_panel['id']}/nodes/d/config", data={"dataset_id": up["id"]})
    assert r.status_code == 200, r.text

    api_config = stored(web, via_api, "d")
    panel_config = stored(web, via_panel, "d")
    assert (api_config["target_column"], api_config["problem_type"]) == ("rooms", "classification")
    assert (panel_config["target_column"], panel_config["problem_type"]) == ("rooms", "classification")
    assert api_config["dataset_id"] == panel_config["dataset_id"] == up["id"]
    # a target the same edit chose is kept (the API sends it with the new dataset)
    sent["nodes"][0]["config"].update(dataset_id="diabetes", target_column="bmi")
    web.put(f"/api/v1/workflows/{via_api['id']}", json=sent)
    assert stored(web, via_api, "d")["target_column"] == "bmi"


def test_the_canvas_is_sent_the_servers_connection_rule(web, wf):
    """Every output port against every input port: the verdict the editor page carries is
    connection_problem's, sentence for sentence."""
    import re

    from nodes import graph as graphs
    from nodes.registry import node_types

    page = web.get(f"/workflows/{wf['id']}").text
    boot = json.loads(re.search(r'<script[^>]*id="playground-boot"[^>]*>(.*?)</script>', page, re.S).group(1))
    rules, types = boot["connections"], node_types()
    checked = 0
    for st in types.values():
        for sp in st.outputs:
            for tt in types.values():
                for tp in tt.inputs:
                    nodes = {"a": {"id": "a", "type": st.type}, "b": {"id": "b", "type": tt.type}}
                    edge = {"source": "a", "target": "b", "source_port": sp.name, "target_port": tp.name}
                    assert rules["pairs"][f"{st.type}/{sp.name}"][f"{tt.type}/{tp.name}"] == \
                        graphs.connection_problem(nodes, edge)
                    checked += 1
                    if tp.multiple or graphs.connection_problem(nodes, edge):
                        continue
                    nodes["c"] = {"id": "c", "type": st.type}
                    first = {**edge, "source": "c"}
                    assert rules["one_edge"][f"{tt.type}/{tp.name}"] == graphs.connection_problem(nodes, edge, [first, edge])
    assert checked > 20 and rules["self_loop"] == graphs.connection_problem({"a": {"type": "model"}}, {"source": "a", "target": "a"})


def test_the_dataset_inspector_lists_the_chosen_upload_first():
    """With eight uploads the Dataset node on Males showed stores, export_eu, vega_lariots
    and vega_cars, newest first, and Males (the one it reads) out of view below them: the
    chosen dataset now heads its list; the others keep their order."""
    import re

    from fasthtml.common import to_xml

    from inspectors.context import InspectorContext
    from inspectors.panels import DatasetInspector
    from nodes.base import Upstream
    from nodes.registry import node_types

    uploads = [{"id": f"ds_{name}", "name": name, "n_rows": 10, "n_cols": 3, "problem_type": "classification"}
               for name in ("stores", "export_eu", "vega_lariots", "vega_cars", "Males", "Prestige")]
    ctx = InspectorContext(workflow_id="wf", node_id="d", node_type=node_types()["dataset"],
                           config={"dataset_id": "ds_Males"}, clean={}, field_errors={}, node_errors=[],
                           upstream=Upstream(), uploads=uploads)
    html = to_xml(DatasetInspector(ctx))
    mine = html.split('id="ds-list-mine"', 1)[1]
    assert re.findall(r'value="(ds_\w+)"', mine) == ["ds_Males", "ds_stores", "ds_export_eu", "ds_vega_lariots",
                                                     "ds_vega_cars", "ds_Prestige"]


def test_stratify_is_offered_for_classification_and_disabled_with_its_reason_for_regression(web, wf):
    html = web.get(f"/ui/workflows/{wf['id']}/nodes/split/inspector").text
    box = re.search(r'<input type="checkbox" name="stratify"[^>]*>', html).group(0)
    assert "disabled" not in box and "Stratify by class<" in html.replace("</span>", "<")
    web.post(f"/ui/workflows/{wf['id']}/nodes/dataset/config", data={"dataset_id": "diabetes"})
    html = web.get(f"/ui/workflows/{wf['id']}/nodes/split/inspector").text
    box = re.search(r'<input type="checkbox" name="stratify"[^>]*>', html).group(0)
    assert "disabled" in box and "checked" not in box
    assert "Stratify by class (not for regression: classification only)" in html
    # the panel as a browser posts it (a disabled box sends nothing) with a new seed: Stratify
    # keeps its value, not 'no' (Compare listed "Stratify yes → no", a change nobody made)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    assert "stratify" not in fields
    before = web.get(f"/api/v1/workflows/{wf['id']}").json()
    old = next(n for n in before["graph"]["nodes"] if n["id"] == "split")["config"].get("stratify", True)
    web.post(f"/ui/workflows/{wf['id']}/nodes/split/config", data={**fields, "random_seed": "7", "shuffle": "true"})
    after = web.get(f"/api/v1/workflows/{wf['id']}").json()
    split = next(n for n in after["graph"]["nodes"] if n["id"] == "split")["config"]
    assert split["random_seed"] == 7 and split.get("stratify", True) == old is True


def test_posting_the_same_plots_in_the_panels_order_keeps_the_stored_order(web, wf):
    """The Visualize panel posts its boxes in its own order: a post of the same plots reordered
    the stored list, and the node re-ran as "Plots: the same, in another order" though nobody
    changed it (found by a new user). Kept plots keep their order; a new one comes last."""
    assert stored(web, wf, "visualize")["plots"] == ["confusion_matrix", "feature_importance", "roc_curve"]
    url = f"/ui/workflows/{wf['id']}/nodes/visualize/config"
    web.post(url, data={"plots__present": "1", "plots": ["roc_curve", "confusion_matrix", "feature_importance"]})
    assert stored(web, wf, "visualize")["plots"] == ["confusion_matrix", "feature_importance", "roc_curve"]
    web.post(url, data={"plots__present": "1", "plots": ["precision_recall_curve", "roc_curve", "confusion_matrix"]})
    assert stored(web, wf, "visualize")["plots"] == ["confusion_matrix", "roc_curve", "precision_recall_curve"]


def test_a_table_uploaded_in_the_dataset_inspector_is_chosen_there(web, wf):
    """The Dataset inspector's upload: the table added, then the node's dataset, the panel back
    on "My datasets" with it checked (and the canvas told, as a click in the list does)."""
    csv = "height,leaf,kind\n" + "".join(f"{i * 0.5},{i % 4},{'fern' if i % 3 else 'moss'}\n" for i in range(40))
    r = web.post(f"/ui/datasets/for/{wf['id']}/dataset", files={"file": ("ferns and moss.csv", csv.encode(), "text/csv")},
                 headers={"HX-Request": "true"})
    assert r.status_code == 200, r.text
    chosen = stored(web, wf, "dataset")["dataset_id"]
    ds = next(d for d in web.get("/api/v1/datasets").json()["uploads"] if d["id"] == chosen)
    assert ds["name"] == "ferns and moss"
    assert re.search(rf'<input type="radio" name="dataset_id" value="{chosen}" checked', r.text)
    assert 'data-tab="mine"' in r.text and "pg-state" in r.headers["hx-trigger"]


@pytest.mark.parametrize("path, status, words", [
    ("/ui/datasets/for/{wf}/model", 400, "takes no dataset"),  # a node that names no dataset
    ("/ui/datasets/for/{wf}/no-such-node", 404, "No node 'no-such-node'"),
    ("/ui/datasets/for/wf_missing/dataset", 404, "wf_missing"),
])
def test_an_upload_into_a_node_that_takes_none_is_refused_with_a_sentence(web, wf, path, status, words):
    before = stored(web, wf, "dataset")
    r = web.post(path.format(wf=wf["id"]), files={"file": ("t.csv", b"a,b\n1,2\n3,4\n", "text/csv")},
                 headers={"HX-Request": "true"})
    assert r.status_code == status and words in r.text, (r.status_code, r.text)
    assert stored(web, wf, "dataset") == before


@pytest.mark.parametrize("name, body", [("empty.csv", b""), ("header only.csv", b"a,b\n"),
                                        ("picture.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)])
def test_a_table_that_cannot_be_read_changes_nothing_in_the_node(web, wf, name, body):
    before = stored(web, wf, "dataset")
    r = web.post(f"/ui/datasets/for/{wf['id']}/dataset", files={"file": (name, body, "text/csv")},
                 headers={"HX-Request": "true"})
    assert 400 <= r.status_code < 500 and "error-detail" in r.text, (r.status_code, r.text)
    # the sentence the API (and the Datasets page) gives for the same file
    said = web.post("/api/v1/datasets", files={"file": (name, body, "text/csv")}).json()["detail"]
    assert html.escape(said, quote=False) in r.text
    assert stored(web, wf, "dataset") == before


def test_the_dataset_inspector_writes_each_columns_type_beside_its_role():
    """A Google Sheets export's TRUE/FALSE column was 'bool' in the API and on the dataset page
    and only 'categorical' in the Dataset inspector's Columns (a new user): the inspector writes
    the role and the type, as the dataset page does."""
    import re

    import pandas as pd
    from fasthtml.common import to_xml

    from inspectors.context import InspectorContext
    from inspectors.panels import DatasetInspector
    from nodes.base import Upstream
    from nodes.registry import node_types
    from plugins import tables

    frame = pd.DataFrame({"heavy": [True, False, True, False] * 5, "weight": [1.5, 2.0, 3.25, 4.0] * 5,
                          "origin": ["USA", "Japan", "Europe", "USA"] * 5})
    ctx = InspectorContext(workflow_id="wf", node_id="d", node_type=node_types()["dataset"],
                           config={"dataset_id": "ds_cars", "target_column": "weight"}, clean={}, field_errors={},
                           node_errors=[], upstream=Upstream(),
                           dataset={"name": "cars", "profile": tables.profile(frame)})
    page = to_xml(DatasetInspector(ctx))
    table = page.split('class="grid coltable"', 1)[1].split("</table>", 1)[0]
    cells = [[re.sub(r"<[^>]+>", " ", c).split() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
             for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
    types = {row[0][0]: row[1] for row in cells if row}
    assert types == {"heavy": ["categorical", "bool"], "weight": ["numeric", "float64"],
                     "origin": ["categorical", "str"]}, cells
