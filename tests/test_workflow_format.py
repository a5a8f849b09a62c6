"""One workflow format: what `GET /api/v1/workflows/{id}` returns is what the editor exports,
what the Workflows page imports, what the API creates, replaces and executes from, and what
`python -m executor run` runs; the flat shape of the examples (nodes and edges at the top)
is read everywhere too. Anything else is refused with a sentence, and nothing is created."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nodes.graph import GraphError, read_workflow

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


def small_workflow(name="Iris, small forest"):
    """A quick run: iris, a split, ten trees, accuracy."""
    return {"name": name, "nodes": [
        {"id": "d", "type": "dataset", "position": {"x": 0, "y": 0},
         "config": {"dataset_id": "iris", "target_column": "target", "problem_type": "classification"}},
        {"id": "s", "type": "split", "position": {"x": 0, "y": 120}, "config": {"test_size": 0.25}},
        {"id": "m", "type": "model", "position": {"x": 0, "y": 240}, "label": "Ten trees",
         "config": {"algorithm": "random_forest", "hyperparameters": {"n_estimators": 10}}},
        {"id": "e", "type": "evaluate", "position": {"x": 0, "y": 360}, "config": {"metrics": ["accuracy"]}},
    ], "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}, {"source": "m", "target": "e"}]}


def cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "executor", "run", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def workflow_count(web) -> int:
    return web.app.state.store.db.execute("SELECT COUNT(*) FROM workflows").fetchone()[0]


# --------------------------------------------------------------------------- the reader
def test_both_shapes_read_as_the_same_graph():
    flat = small_workflow()
    nested = {"id": "wf_x", "name": flat["name"], "graph": {"nodes": flat["nodes"], "edges": flat["edges"]},
              "created_at": 1.0, "can_undo": False}
    assert read_workflow(flat) == read_workflow(nested)
    name, graph = read_workflow(nested)
    assert name == "Iris, small forest" and [n["id"] for n in graph["nodes"]] == ["d", "s", "m", "e"]
    assert graph["nodes"][2]["label"] == "Ten trees"
    assert read_workflow({"nodes": []}) == (None, {"nodes": [], "edges": []})  # a blank canvas is a workflow
    assert read_workflow({"name": "only a name"}, required=False) == ("only a name", None)


@pytest.mark.parametrize("doc,fragment", [
    ([1, 2], "must be a JSON object"),
    ("a workflow", "must be a JSON object"),
    ({}, "This is not a workflow"),
    ({"name": "no graph"}, "This is not a workflow"),
    ({"edges": []}, "needs a list of nodes"),
    ({"graph": None}, "This is not a workflow"),
    ({"graph": [1]}, "graph must be an object"),
    ({"graph": {"edges": []}}, "needs a list of nodes"),
    ({"graph": {"nodes": []}, "nodes": []}, "not both"),
    ({"nodes": "all", "edges": []}, "must be lists"),
    ({"nodes": [{"type": "dataset"}]}, "needs a string id"),
    ({"name": 5, "nodes": []}, "name must be text"),
    ({"graph": {"nodes": [], "name": ["x"]}}, "name must be text"),
])
def test_anything_else_is_refused_with_a_sentence(doc, fragment):
    with pytest.raises(GraphError) as refused:
        read_workflow(doc, required=True)
    message = refused.value.message
    assert fragment in message and message[0].isupper() and message.endswith(".")
    assert refused.value.status == 400


# --------------------------------------------------------------------------- the API
def test_what_get_returns_is_what_create_replace_and_execute_take(web):
    made = web.post("/api/v1/workflows", json=small_workflow()).json()
    got = web.get(f"/api/v1/workflows/{made['id']}").json()
    again = web.post("/api/v1/workflows", json=got)
    assert again.status_code == 201
    copy = web.get(f"/api/v1/workflows/{again.json()['id']}").json()
    assert copy["id"] != got["id"] and copy["name"] == got["name"] and copy["graph"] == got["graph"]
    # PUT takes it back (a changed node), PATCH renames with it
    got["graph"]["nodes"][1]["config"]["test_size"] = 0.3
    put = web.put(f"/api/v1/workflows/{made['id']}", json=got)
    assert put.status_code == 200 and put.json()["graph"]["nodes"][1]["config"]["test_size"] == 0.3
    renamed = web.patch(f"/api/v1/workflows/{made['id']}", json={"name": "Renamed"}).json()
    assert renamed["name"] == "Renamed" and renamed["graph"]["nodes"] == put.json()["graph"]["nodes"]
    # execute validates it as it would the flat shape: a node error keyed by its id, no job
    jobs_before = web.get("/api/v1/jobs").json()
    got["graph"]["nodes"][2]["config"]["hyperparameters"]["n_estimators"] = 5
    r = web.post("/api/v1/workflows/execute", json=got)
    assert r.status_code == 422 and any("at least 10" in m for m in r.json()["errors"]["m"])
    assert web.get("/api/v1/jobs").json() == jobs_before


def test_create_refuses_a_mixed_document_and_creates_nothing(web):
    before = workflow_count(web)
    wf = small_workflow()
    r = web.post("/api/v1/workflows", json={**wf, "graph": {"nodes": wf["nodes"], "edges": wf["edges"]}})
    assert r.status_code == 400 and "not both" in r.json()["detail"]
    r = web.post("/api/v1/workflows/execute", json={"name": "no nodes"})
    assert r.status_code == 400 and r.json()["detail"].startswith("This is not a workflow")
    assert workflow_count(web) == before


# --------------------------------------------------------------------------- export, import
def import_file(client, content: bytes, filename="workflow.json", **kw):
    return client.post("/workflows/import", files={"file": (filename, content, "application/json")},
                       follow_redirects=False, **kw)


def imported_id(r) -> str:
    assert r.status_code == 303, r.text[:500]
    return r.headers["location"].removeprefix("/workflows/")


def test_export_is_the_get_json_as_a_file_named_after_the_workflow(web):
    made = web.post("/api/v1/workflows", json=small_workflow("Café / “tuned”: v2")).json()
    got = web.get(f"/api/v1/workflows/{made['id']}")
    exported = web.get(f"/api/v1/workflows/{made['id']}?download=1")
    assert exported.status_code == 200 and exported.content == got.content
    assert exported.headers["content-type"] == "application/json"
    disposition = exported.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=")
    # the real name for browsers (RFC 6266), the slash out of it; an ASCII one for the rest
    assert "filename*=utf-8''Caf%C3%A9%20_%20%E2%80%9Ctuned%E2%80%9D%3A%20v2.json" in disposition
    assert 'filename="Caf_ _ _tuned_: v2.json"' in disposition
    assert "content-disposition" not in web.get(f"/api/v1/workflows/{made['id']}").headers


def test_export_then_import_gives_the_same_workflow(web):
    made = web.post("/api/v1/workflows", json=small_workflow("Round trip")).json()
    exported = web.get(f"/api/v1/workflows/{made['id']}?download=1")
    new_id = imported_id(import_file(web, exported.content, "Round trip.json"))
    assert new_id != made["id"]
    back = web.get(f"/api/v1/workflows/{new_id}").json()
    # the same graph; named as the copy it is, beside its original (two rows alike could not be told apart)
    assert back["name"] == "Round trip (imported)" and back["graph"] == {**exported.json()["graph"],
                                                                         "name": "Round trip (imported)"}
    assert web.get(f"/workflows/{new_id}").status_code == 200  # the editor opens it


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_imports_and_validates(web, path):
    example = json.loads(path.read_text())
    # a copy beside a workflow of the same name is named as one (another test of this app may have opened the example)
    there = {w["name"] for w in web.get("/api/v1/workflows").json()}
    wid = imported_id(import_file(web, path.read_bytes(), path.name))
    got = web.get(f"/api/v1/workflows/{wid}").json()
    assert got["name"] == example["name"] + (" (imported)" if example["name"] in there else "")
    assert [(n["id"], n["type"], n["config"]) for n in got["graph"]["nodes"]] == \
        [(n["id"], n["type"], n["config"]) for n in example["nodes"]]
    check = web.post(f"/api/v1/workflows/{wid}/validate").json()
    assert check == {"valid": True, "errors": {}, "field_errors": {}}


def test_a_file_without_a_name_is_named_after_the_file_and_a_bom_is_no_problem(web):
    flat = small_workflow()
    del flat["name"]
    wid = imported_id(import_file(web, b"\xef\xbb\xbf" + json.dumps(flat).encode(), "my flow.json"))
    assert web.get(f"/api/v1/workflows/{wid}").json()["name"] == "my flow"


NODE = {"id": "d", "type": "dataset", "config": {}}
BAD_FILES = [
    ("not json", b"{nope", "The file is not valid JSON (line 1, column 2"),
    ("empty", b"", "The file is empty"),
    ("a list", b"[1, 2]", "The file must be a JSON object."),
    ("latin-1", '{"name": "café", "nodes": []}'.encode("latin-1"), "The file is not UTF-8 text."),
    ("NaN", b'{"nodes": [{"id": "d", "type": "dataset", "config": {"x": NaN}}]}', "contains NaN"),
    ("deep", b"[" * 300 + b"]" * 300, "nested more than 200 levels"),
    ("no nodes", b'{"name": "a dataset, not a workflow", "columns": ["a", "b"]}', "This is not a workflow"),
    ("both shapes", json.dumps({"graph": {"nodes": []}, "nodes": []}).encode(), "not both"),
    ("nodes not a list", b'{"nodes": {"d": {}}}', "Nodes and edges must be lists."),
    ("node without id", json.dumps({"nodes": [{"type": "dataset"}]}).encode(), "Node 1 needs a string id."),
    ("edge without target", json.dumps({"nodes": [NODE], "edges": [{"source": "d"}]}).encode(),
     "Every edge needs a source and a target node id."),
    ("name not text", json.dumps({"name": ["x"], "nodes": []}).encode(), "A workflow's name must be text."),
    ("name too long", json.dumps({"name": "x" * 121, "nodes": []}).encode(), "at most 120 characters"),
    ("too many nodes", json.dumps({"nodes": [{**NODE, "id": f"n{i}"} for i in range(201)]}).encode(),
     "at most 200 nodes"),
    ("no type", json.dumps({"nodes": [{"id": "s", "config": {}}]}).encode(), "Node 's' has no type: give it one"),
    # refused for a setting that cannot be stored, with what else the file's nodes need, node by
    # node, as the CLI lists it (a new user mended a file one refusal at a time)
    ("stored and not", json.dumps({"nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": "iris", "target_column": "target",
                                                  "problem_type": "classification"}},
        {"id": "s", "type": "split", "config": {"test_size": 0.9}},
        {"id": "m", "type": "model", "config": {"algorithm": "random_forrest"}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}]}).encode(),
     "Test size must be at most 0.5; got 0.9. Once it can be saved, these need attention too: Model 'm': "
     "Unknown algorithm 'random_forrest'."),
]


@pytest.mark.parametrize("content,fragment", [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_a_file_that_is_not_a_workflow_gets_the_page_back_with_a_sentence(web, content, fragment):
    import re

    before = workflow_count(web)
    r = import_file(web, content)
    assert 400 <= r.status_code < 500
    said = re.search(r'<p [^>]*id="import-error" class="notice error error-detail">(.*?)</p>', r.text, re.S)
    assert said and fragment in said.group(1) and "Traceback" not in r.text, r.text[:300]
    assert 'action="/workflows/import"' in r.text and "<h1>Workflows</h1>" in r.text  # the page, to try again
    assert workflow_count(web) == before


def test_an_import_without_a_file_is_refused_with_a_sentence(web):
    before = workflow_count(web)
    r = web.post("/workflows/import", data={"name": "x"}, follow_redirects=False)
    assert r.status_code == 400 and "Choose a workflow file (.json) to import." in r.text
    assert workflow_count(web) == before


# --------------------------------------------------------------------------- the CLI
def test_the_cli_runs_what_get_returns(web, tmp_path):
    """The CLI refused the API's own JSON: "needs a list of nodes"."""
    made = web.post("/api/v1/workflows", json=small_workflow()).json()
    exported = tmp_path / "exported.json"
    exported.write_bytes(web.get(f"/api/v1/workflows/{made['id']}").content)
    proc = cli(exported)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for nid in ("d", "s", "m", "e"):
        assert f"{nid} " in proc.stdout
    assert "Accuracy" in proc.stdout and "completed in" in proc.stdout


def test_the_cli_refuses_what_is_not_a_workflow_with_exit_2(tmp_path):
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps({"graph": {"nodes": []}, "nodes": []}))
    proc = cli(mixed, timeout=120)
    assert proc.returncode == 2 and "not both" in proc.stderr and "Traceback" not in proc.stderr
    plain = tmp_path / "list.json"
    plain.write_text("[1, 2]")
    proc = cli(plain, timeout=120)
    assert proc.returncode == 2 and "must be a JSON object" in proc.stderr and "Traceback" not in proc.stderr


def test_a_node_below_a_misconfigured_model_points_at_the_model():
    """An unknown algorithm on the Model node: Evaluate asked to "Connect a configured Model
    node", which was connected (found by a new user). It says the node above needs attention."""
    from executor.engine import resolve

    iris = {"dataset_id": "iris", "target_column": "target", "problem_type": "classification"}
    graph = {"nodes": [{"id": "d", "type": "dataset", "config": iris}, {"id": "s", "type": "split", "config": {}},
                       {"id": "m", "type": "model", "config": {"algorithm": "random_forrest"}},
                       {"id": "e", "type": "evaluate", "config": {}}, {"id": "v", "type": "visualize", "config": {}}],
             "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}, {"source": "m", "target": "e"},
                       {"source": "m", "target": "v"}]}
    errors = resolve(graph).errors
    assert errors["e"] == ["The node above needs attention first: the metrics to choose from are the ones its "
                           "algorithm offers."], errors
    assert errors["v"][0].startswith("The node above needs attention first: the plots"), errors
    alone = {"nodes": [{"id": "e", "type": "evaluate", "config": {}}], "edges": []}
    assert "Connect a configured Model node to choose metrics." in " ".join(resolve(alone).errors["e"])
