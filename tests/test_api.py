"""The REST API's contracts and its answers to bad input: 4xx with a sentence, nothing
half-written. No consumer is needed: nothing here runs a job to completion."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest


def valid_graph():
    return {"nodes": [
        {"id": "d", "type": "dataset", "position": {"x": 0, "y": 0},
         "config": {"dataset_id": "iris", "target_column": "target", "problem_type": "classification"}},
        {"id": "s", "type": "split", "position": {"x": 200, "y": 0}, "config": {}},
        {"id": "m", "type": "model", "position": {"x": 400, "y": 0},
         "config": {"algorithm": "random_forest", "hyperparameters": {"n_estimators": 10}}},
    ], "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}]}


def counts(web):
    db = web.app.state.store.db
    return tuple(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("jobs", "snapshots", "workflows",
                                                                                   "datasets"))


def test_plugins_catalog_follows_seed_000(web):
    body = web.get("/api/v1/plugins?problem_type=classification").json()
    slugs = {m["slug"] for m in body["models"]}
    assert {"random_forest", "xgboost", "logistic_regression", "svm", "knn"} <= slugs
    assert "linear_regression" not in slugs and "kmeans" not in slugs
    assert set(body["models"][0]) >= {"slug", "name", "icon", "description", "problem_types", "category"}
    assert any(p["slug"] == "fill_missing_mean" and p["category"] == "missing_values" for p in body["preprocessing"])
    rf = web.get("/api/v1/plugins/models/random_forest?problem_type=classification").json()
    main = {p["key"]: p for p in rf["hyperparameters"]["main"]}
    assert main["n_estimators"]["type"] == "int" and main["n_estimators"]["default"] == 100
    assert main["max_depth"]["nullable"] is True
    assert "accuracy" in rf["default_metrics"] and "feature_importance" in rf["supported_plots"]
    assert "rmse" not in rf["supported_metrics"]
    assert len(web.get("/api/v1/plugins/metrics").json()) == 18
    assert len(web.get("/api/v1/plugins/plots").json()) == 10
    assert [t["type"] for t in web.get("/api/v1/node-types").json()] == [
        "dataset", "preprocessing", "split", "model", "predict", "evaluate", "gate", "deploy", "retrain", "visualize"]


def test_workflow_crud(web):
    wf = web.post("/api/v1/workflows", json={"name": "  My   flow ", **valid_graph()}).json()
    assert wf["name"] == "My flow" and len(wf["graph"]["nodes"]) == 3
    assert web.get(f"/api/v1/workflows/{wf['id']}").json()["graph"]["edges"][0] == {"source": "d", "target": "s"}
    renamed = web.patch(f"/api/v1/workflows/{wf['id']}", json={"name": "Renamed"}).json()
    assert renamed["name"] == "Renamed" and len(renamed["graph"]["nodes"]) == 3
    copy = web.post(f"/api/v1/workflows/{wf['id']}/duplicate").json()
    assert copy["name"] == "Renamed (copy)" and copy["id"] != wf["id"]
    assert {w["id"] for w in web.get("/api/v1/workflows").json()} >= {wf["id"], copy["id"]}
    assert web.delete(f"/api/v1/workflows/{copy['id']}").status_code == 204
    assert web.get(f"/api/v1/workflows/{copy['id']}").status_code == 404
    check = web.post(f"/api/v1/workflows/{wf['id']}/validate").json()
    assert check["valid"] is True and check["errors"] == {}


def test_a_workflow_sent_without_positions_is_laid_out_by_depth_and_given_ones_are_kept(web):
    """Nodes sent without positions would all stack at 0,0 on the canvas (one node visible):
    a workflow where none has one gets a row per depth, siblings side by side; positions
    the user gave are never changed."""
    def unplaced():
        graph = valid_graph()
        graph["nodes"] += [{"id": "m2", "type": "model", "config": {"algorithm": "knn"}},
                           {"id": "e", "type": "evaluate", "config": {}}]
        graph["edges"] += [{"source": "s", "target": "m2"}, {"source": "m", "target": "e"}]
        for n in graph["nodes"]:
            n.pop("position", None)
        return graph

    def positions(wf_id):
        return {n["id"]: (n["position"]["x"], n["position"]["y"])
                for n in web.get(f"/api/v1/workflows/{wf_id}").json()["graph"]["nodes"]}

    def laid_out(at):
        assert len(set(at.values())) == len(at)  # no two on one spot
        ys = {nid: y for nid, (_, y) in at.items()}
        assert ys["d"] < ys["s"] < ys["m"] == ys["m2"] < ys["e"]  # top to bottom by depth
        assert 100 <= ys["s"] - ys["d"] <= 160 and 200 <= abs(at["m"][0] - at["m2"][0]) <= 300
        assert min(x for x, _ in at.values()) >= 0 and min(ys.values()) >= 0

    wf = web.post("/api/v1/workflows", json={"name": "by hand", **unplaced()})
    assert wf.status_code == 201, wf.text
    laid_out(positions(wf.json()["id"]))
    other = web.post("/api/v1/workflows", json={"name": "other"}).json()["id"]  # a PUT lays out alike
    assert web.put(f"/api/v1/workflows/{other}", json=unplaced()).status_code == 200
    laid_out(positions(other))
    r = web.post("/workflows/import", files={"file": ("flow.json", json.dumps(unplaced()).encode(), "application/json")},
                 follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    laid_out(positions(r.headers["location"].removeprefix("/workflows/")))

    placed = web.post("/api/v1/workflows", json={"name": "placed", **valid_graph()}).json()
    assert positions(placed["id"]) == {"d": (0, 0), "s": (200, 0), "m": (400, 0)}  # exactly as sent
    some = valid_graph()
    some["nodes"][1].pop("position")  # one given: nothing is laid out, the rest stay as sent
    kept = web.post("/api/v1/workflows", json={"name": "some", **some}).json()
    assert positions(kept["id"]) == {"d": (0, 0), "s": (0, 0), "m": (400, 0)}


def test_a_structure_save_without_nodes_changes_nothing(web):
    """PUT .../structure with {} emptied the workflow (found by a new user's script): a body
    without nodes is refused; an empty list of nodes still removes them all."""
    wf = web.post("/api/v1/workflows", json={"name": "kept", **valid_graph()}).json()
    for body in ({}, {"edges": []}):
        r = web.put(f"/api/v1/workflows/{wf['id']}/structure", json=body)
        assert r.status_code == 400 and r.json()["detail"].startswith("Send the nodes and edges"), r.text
    assert len(web.get(f"/api/v1/workflows/{wf['id']}").json()["graph"]["nodes"]) == len(valid_graph()["nodes"])
    # execute naming a saved workflow, without its nodes, says how to run it
    r = web.post("/api/v1/workflows/execute", json={"workflow_id": wf["id"]})
    assert r.status_code == 400 and r.json()["detail"] == (
        f"This names a saved workflow ('{wf['id']}') but sends no nodes: run it with POST /api/v1/workflows/{{id}}/run, "
        "or send its nodes and edges."), r.text
    r = web.put(f"/api/v1/workflows/{wf['id']}/structure", json={"nodes": [], "edges": []})
    assert r.status_code == 200 and r.json()["graph"]["nodes"] == []


def test_structure_save_keeps_configs_and_refuses_forbidden_edges(web):
    wf = web.post("/api/v1/workflows", json={"name": "canvas", **valid_graph()}).json()
    structure = {"nodes": [{"id": n["id"], "type": n["type"], "position": {"x": 1, "y": 2}}
                           for n in valid_graph()["nodes"]], "edges": valid_graph()["edges"]}
    saved = web.put(f"/api/v1/workflows/{wf['id']}/structure", json=structure).json()
    assert saved["graph"]["nodes"][2]["config"]["algorithm"] == "random_forest"
    bad = dict(structure, edges=structure["edges"] + [{"source": "d", "target": "m"}])
    r = web.put(f"/api/v1/workflows/{wf['id']}/structure", json=bad)
    assert r.status_code == 422 and "cannot take" in r.json()["detail"]
    assert len(web.get(f"/api/v1/workflows/{wf['id']}").json()["graph"]["edges"]) == 2


def test_invalid_workflow_answers_422_keyed_by_node_and_creates_nothing(web):
    before = counts(web)
    g = valid_graph()
    g["nodes"][1]["config"]["test_size"] = 0.9
    g["nodes"][2]["config"]["hyperparameters"]["n_estimators"] = 5
    r = web.post("/api/v1/workflows/execute", json=g)
    assert r.status_code == 422
    body = r.json()
    assert "not valid" in body["detail"]
    assert any("at most 0.5" in m for m in body["errors"]["s"])
    assert any("at least 10" in m for m in body["errors"]["m"])
    assert counts(web) == before


def test_a_created_workflow_says_at_once_what_its_nodes_lack(web):
    """A script's typo ('hyperparamters') or an operation not installed here is stored, as a
    workflow from an install with more plugins is, and answered 201 with the node's error:
    it was said only when the run was refused (found by a new user scripting the API)."""
    g = valid_graph()
    g["nodes"][2]["config"]["hyperparamters"] = {"max_depth": 3}
    r = web.post("/api/v1/workflows", json={"name": "typo", **g})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["valid"] is False and any("hyperparamters" in m for m in body["errors"]["m"]), body["errors"]
    r = web.post("/api/v1/workflows", json={"name": "fine", **valid_graph()})
    assert r.status_code == 201 and r.json()["valid"] is True and r.json()["errors"] == {}


@pytest.mark.parametrize("mutate,status,fragment", [
    (lambda g: g["nodes"].append({"id": "x", "type": "teleport", "config": {}}), 422, "Unknown node type"),
    (lambda g: g["nodes"][2]["config"].update(algorithm="deep_magic"), 422, "Unknown algorithm"),
    (lambda g: g["nodes"][2]["config"]["hyperparameters"].update(max_depth="deep"), 422, "must be a number"),
    (lambda g: g["nodes"][2]["config"]["hyperparameters"].update(colour=3), 422, "Unknown hyperparameter"),
    (lambda g: g["nodes"][0]["config"].update(dataset_id="nope"), 422, "does not exist"),
    (lambda g: g["edges"].append({"source": "m", "target": "d"}), 422, "cannot take"),
    (lambda g: g["nodes"][1]["config"].update(group_by="nope"), 422, "Column 'nope' is not in the dataset"),
    (lambda g: g["nodes"][1]["config"].update(group_by="target"), 422, "is the target"),
    (lambda g: g["nodes"][1]["config"].update(group_by="sepal length (cm)", shuffle=False), 422, "turn Shuffle on"),
    (lambda g: g["nodes"][1]["config"].update(group_by=5), 422, "must be text"),
    (lambda g: g["nodes"][0].update(position="left"), 400, "position"),
    (lambda g: g.update(nodes="all of them"), 400, "must be lists"),
    (lambda g: g["edges"].append({"source": 1}), 400, "source and a target"),
    # an id that names the node in addresses: 'rf/1' was saved and run, its model never reachable (a new user's script)
    (lambda g: g["nodes"].append({"id": "rf/1 ☃", "type": "split", "config": {}}), 400, "an id cannot hold /"),
    (lambda g: g["nodes"].append({"id": "../../x", "type": "split", "config": {}}), 400, "an id cannot hold /"),
])
def test_malformed_executions_are_4xx_with_a_sentence(web, mutate, status, fragment):
    before = counts(web)
    g = valid_graph()
    mutate(g)
    r = web.post("/api/v1/workflows/execute", json=g)
    assert r.status_code == status, r.text
    assert fragment in r.text
    assert counts(web) == before


@pytest.mark.parametrize("method,url,kwargs,status,fragment", [
    ("post", "/api/v1/workflows/execute", {"content": b"{not json"}, 400, "not valid JSON"),
    ("post", "/api/v1/workflows/execute", {"json": [1, 2]}, 400, "JSON object"),
    ("post", "/api/v1/workflows/execute", {"json": {"workflow_id": "wf_missing", "nodes": []}}, 404, "No workflow"),
    ("post", "/api/v1/workflows", {"json": {"name": ""}}, 400, "needs a name"),
    ("get", "/api/v1/workflows/wf_nope", {}, 404, "No workflow"),
    ("put", "/api/v1/workflows/wf_nope", {"json": {"nodes": [], "edges": []}}, 404, "No workflow"),
    ("patch", "/api/v1/workflows/wf_nope", {"json": {"nme": "typo"}}, 400, 'Nothing to change: PATCH takes a "name"'),
    ("get", "/api/v1/jobs/job_nope", {}, 404, "No job"),
    ("post", "/api/v1/jobs/job_nope/cancel", {}, 404, "No job"),
    ("post", "/api/v1/jobs/job_nope/retry", {}, 404, "No job"),
    ("get", "/api/v1/jobs/job_nope/events", {}, 404, "No job"),
    ("get", "/api/v1/plugins/models/nope", {}, 404, "No model plugin"),
    ("get", "/api/v1/plugins?problem_type=astrology", {}, 400, "Unknown problem type"),
    ("get", "/api/v1/plugins/models/linear_regression?problem_type=clustering", {}, 400, "does not do"),
    ("get", "/api/v1/datasets/nope", {}, 404, "No dataset"),
    ("delete", "/api/v1/datasets/iris", {}, 400, "cannot be deleted"),
    ("delete", "/api/v1/datasets/ds_nope", {}, 404, "No uploaded dataset"),
])
def test_bad_requests_get_a_sentence(web, method, url, kwargs, status, fragment):
    r = getattr(web, method)(url, **kwargs)
    assert r.status_code == status, r.text
    assert fragment in r.json()["detail"]


def test_dataset_upload_profile_and_delete(web):
    from sklearn.datasets import load_wine

    df = load_wine(as_frame=True).frame
    df["region"] = ["north", "south"] * (len(df) // 2)
    csv = df.to_csv(index=False).encode()
    r = web.post("/api/v1/datasets", files={"file": ("wine.csv", csv, "text/csv")})
    assert r.status_code == 201, r.text
    ds = r.json()
    assert ds["n_rows"] == len(df) and ds["target"] == "target" and ds["problem_type"] == "classification"
    detail = web.get(f"/api/v1/datasets/{ds['id']}").json()
    roles = {c["name"]: c["role"] for c in detail["profile"]["columns"]}
    assert roles["region"] == "categorical" and roles["alcohol"] == "numeric"
    assert len(detail["preview"]["rows"]) == 20
    listed = web.get("/api/v1/datasets").json()
    assert any(d["id"] == ds["id"] for d in listed["uploads"]) and len(listed["samples"]) == 6
    g = valid_graph()
    g["nodes"][0]["config"]["dataset_id"] = ds["id"]
    assert web.post("/api/v1/workflows", json={"name": "up", **g}).status_code == 201
    assert web.delete(f"/api/v1/datasets/{ds['id']}").status_code == 204
    assert web.get(f"/api/v1/datasets/{ds['id']}").status_code == 404


@pytest.mark.parametrize("name,content,fragment", [
    ("empty.csv", b"", "empty"),
    ("header.csv", b"a,b", "The file has a header but no data rows."),  # it said pyarrow's "Could not skip initial 1 rows"
    ("ragged.csv", b"a,b,c\n1,2,3\n4,5\n", "Line 3 has 2 fields"),
    ("lastname.csv", b"a,b,\n1,2,3\n", "The last column has values but no name"),
    ("cut-utf16.csv", b"\xff\xfe" + "name,city\nJosé,Zürich\n".encode("utf-16-le")[:-1], "cannot be read as UTF-16"),
    ("binary.csv", b"\x00\x01\x02\x03" * 100, "binary"),
    ("sheet.xlsx", b"PK\x03\x04", "The workbook cannot be read"),
    ("sheet.docx", b"PK\x03\x04", "not supported"),
    ("broken.parquet", b"PAR1 nonsense", "cannot be read"),
])
def test_bad_uploads_are_refused_and_leave_nothing_behind(web, name, content, fragment):
    before = (counts(web), sorted(p.name for p in web.app.state.settings.datasets_dir.iterdir()))
    r = web.post("/api/v1/datasets", files={"file": (name, content, "application/octet-stream")})
    assert r.status_code == 400, r.text
    assert fragment in r.json()["detail"]
    assert (counts(web), sorted(p.name for p in web.app.state.settings.datasets_dir.iterdir())) == before


def test_upload_without_a_file_field(web):
    r = web.post("/api/v1/datasets", data={"other": "x"})
    assert r.status_code == 400 and "named 'file'" in r.json()["detail"]


def test_parquet_upload_round_trip(web):
    buf = io.BytesIO()
    pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": ["a", "b", "a", "b"]}).to_parquet(buf)
    r = web.post("/api/v1/datasets", files={"file": ("tiny.parquet", buf.getvalue(), "application/octet-stream")})
    assert r.status_code == 201 and r.json()["format"] == "parquet"


def test_static_and_vendor_routes_cannot_escape(web):
    for url in ("/static/../app.py", "/static/%2e%2e/app.py", "/vendor/..%2fapp.py", "/vendor/../../etc/passwd",
                "/app.py", "/data/store.py", "/.sesskey"):
        r = web.get(url)
        assert r.status_code == 404, url
    assert web.get("/vendor/x6.js").status_code == 200
    assert web.get("/vendor/htmx.js").headers["content-type"].startswith("text/javascript")


def test_apps_are_built_by_a_factory_one_per_home(tmp_path):
    """No import-time singletons: two apps on two homes share nothing (each test can build
    its own), and building one touches nothing but its own home folder."""
    from dataclasses import replace

    from starlette.testclient import TestClient

    from app import create_app
    from data.config import settings
    from web.security import csrf_token

    apps = [create_app(replace(settings(), home=tmp_path / name)) for name in ("one", "two")]
    assert apps[0].state.store is not apps[1].state.store
    with TestClient(apps[0], headers={"X-CSRF-Token": csrf_token(apps[0].state.settings.session_secret())}) as a, \
            TestClient(apps[1]) as b:
        made = a.post("/api/v1/workflows", json={"name": "only in one", **valid_graph()})
        assert made.status_code == 201, made.text
        assert [w["name"] for w in a.get("/api/v1/workflows").json()] == ["only in one"]
        assert b.get("/api/v1/workflows").json() == []


def test_run_says_when_the_estimate_is_past_the_job_time_limit(web, monkeypatch):
    """A 2-hour estimate was accepted silently against a 30-minute limit: the job was stopped
    half an hour later. Run still queues it (an estimate can be high) and says so now."""
    from executor.timing import duration

    graph = valid_graph()
    graph["nodes"][2]["config"].update(use_optuna=True, optuna_trials=500, cv_folds=20)
    wid = web.post("/api/v1/workflows", json={"name": "long search", **graph}).json()["id"]
    monkeypatch.setenv("PLAYGROUND_JOB_TIME_LIMIT", "40")
    answers = [web.post(f"/api/v1/workflows/{wid}/run"), web.post(f"/ui/workflows/{wid}/run"),
               web.post("/api/v1/workflows/execute", json=graph)]
    for r in answers:
        body = r.json()
        assert r.status_code in (200, 202) and body["estimated_time"] > 40, body
        assert body["warning"] == (
            f"This run is estimated at about {duration(body['estimated_time'])}, longer than the job time limit of "
            "40 s (PLAYGROUND_JOB_TIME_LIMIT): it will be stopped then unless it is faster than estimated. Use fewer "
            "trials, folds or rows, or raise the limit.")
        web.post(f"/api/v1/jobs/{body['job_id']}/cancel")
    monkeypatch.setenv("PLAYGROUND_JOB_TIME_LIMIT", str(24 * 3600))
    body = web.post(f"/api/v1/workflows/{wid}/run").json()
    assert "warning" not in body
    web.post(f"/api/v1/jobs/{body['job_id']}/cancel")
    assert [duration(s) for s in (0.5, 40, 1800, 7200, 5400)] == ["0.5 s", "40 s", "30 min", "2 h", "90 min"]


def test_an_imported_workflow_named_as_one_here_says_it_is_the_import(web):
    """A workflow exported and imported again got its original's name: two rows on the
    Workflows page no one could tell apart (a new user)."""
    graph = {"name": "twin", **valid_graph()}
    web.post("/api/v1/workflows", json=graph)
    names = []
    for _ in range(2):
        r = web.post("/workflows/import", files={"file": ("twin.json", json.dumps(graph).encode(), "application/json")},
                     follow_redirects=False)
        assert r.status_code == 303, r.text[:500]
        names.append(web.get(f"/api/v1/workflows/{r.headers['location'].removeprefix('/workflows/')}").json()["name"])
    assert names == ["twin (imported)", "twin (imported 2)"]


CHAIN = [("d", "dataset", {"dataset_id": "iris", "target_column": "target", "problem_type": "classification"}),
         ("s", "split", {}), ("m", "model", {"algorithm": "logistic_regression"})]


def drawn(graph) -> dict:
    """What the canvas sends after a move: every node moved 10 px, the edges it could draw."""
    ids = {n["id"]: n["type"] for n in graph["nodes"]}
    return {"nodes": [{"id": n["id"], "type": n["type"], "position": {"x": 10, "y": 10 * i}}
                      for i, n in enumerate(graph["nodes"])],
            "edges": [e for e in graph["edges"] if e["source"] in ids and e["target"] in ids
                      and ids[e["source"]] != "gone_plugin" and ids[e["target"]] != "gone_plugin"]}


@pytest.mark.parametrize("odd", [
    {"source": "m", "target": "ghost"}, {"source": "ghost", "target": "m"}, {"source": "old", "target": "older"},
    {"source": "dataset", "target": "s", "source_port": "table"},
])
def test_a_canvas_save_keeps_a_connection_it_could_not_draw_and_still_says_it(web, odd):
    """An imported workflow's connection to a node id that is not there: the canvas cannot
    draw it, and the next move of a node saved the graph without it, without a word. The
    save keeps it, the workflow panel still says it (graph.parse's sentence) with a Remove,
    and only that Remove (undoable) takes it away."""
    graph = {"nodes": [{"id": i, "type": t, "config": c} for i, t, c in CHAIN],
             "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}, odd]}
    wf = web.post("/api/v1/workflows", json={"name": "renamed id", **graph}).json()
    said = [m for m in wf["errors"]["_workflow"] if "not exist" in m]
    assert len(said) == 1
    r = web.put(f"/ui/workflows/{wf['id']}/structure", json=drawn(wf["graph"]))
    assert r.status_code == 200 and r.json()["state"]["graph_errors"] == said, r.text
    stored = web.get(f"/api/v1/workflows/{wf['id']}").json()["graph"]
    assert [(e["source"], e["target"]) for e in stored["edges"]] == [("d", "s"), ("s", "m"), (odd["source"], odd["target"])]
    assert [n["position"]["y"] for n in stored["nodes"]] == [0, 10, 20]  # the move itself was saved
    panel = web.get(f"/ui/workflows/{wf['id']}/inspector").text
    assert said[0].replace("'", "&#x27;") in panel or said[0] in panel
    assert "data-remove-missing" in panel
    gone = web.delete(f"/ui/workflows/{wf['id']}/missing-connections")
    assert gone.status_code == 200 and "not exist" not in gone.text and "data-remove-missing" not in gone.text
    assert len(web.get(f"/api/v1/workflows/{wf['id']}").json()["graph"]["edges"]) == 2
    assert web.delete(f"/ui/workflows/{wf['id']}/missing-connections").status_code == 409  # nothing left: said
    undone = web.post(f"/api/v1/workflows/{wf['id']}/undo").json()
    assert len(undone["graph"]["edges"]) == 3 and "missing nodes" in undone["message"]


def test_a_canvas_save_still_drops_what_the_user_deleted(web):
    """Near misses: a connection the canvas drew and the user deleted goes, and so do the
    connections of a deleted node, that to a missing node with them; a connection of a node
    of a type this app does not have is kept while both its nodes are."""
    nodes = [{"id": i, "type": t, "config": c} for i, t, c in CHAIN] + [{"id": "p", "type": "gone_plugin"}]
    graph = {"nodes": nodes, "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"},
                                       {"source": "m", "target": "ghost"}, {"source": "m", "target": "p"}]}
    wf = web.post("/api/v1/workflows", json={"name": "deletions", **graph}).json()
    structure = drawn(wf["graph"])
    structure["edges"] = [e for e in structure["edges"] if (e["source"], e["target"]) != ("d", "s")]
    web.put(f"/ui/workflows/{wf['id']}/structure", json=structure).raise_for_status()
    pairs = lambda: [(e["source"], e["target"]) for e in web.get(f"/api/v1/workflows/{wf['id']}").json()["graph"]["edges"]]  # noqa: E731
    assert pairs() == [("s", "m"), ("m", "ghost"), ("m", "p")]
    structure["nodes"] = [n for n in structure["nodes"] if n["id"] != "m"]
    structure["edges"] = []
    web.put(f"/ui/workflows/{wf['id']}/structure", json=structure).raise_for_status()
    assert pairs() == []
