"""The workflow's undo history (data/store.py): every change to a workflow's graph or name
records the state before it, in the same transaction; undo / redo walk that one linear
history. Real SQLite in-process, and the 409s through a running app."""

from __future__ import annotations

import json
import random
import threading
import urllib.error
import urllib.request

import pytest

from data.config import Settings
from data.store import Invalid, Store
from nodes import graph as graphs
from tests.conftest import running_app


@pytest.fixture
def store(tmp_path):
    return Store(Settings(home=tmp_path, redis_url=None, job_time_limit=60, max_upload_bytes=2**20))


def graph():
    return {"nodes": [
        {"id": "d", "type": "dataset", "position": {"x": 0, "y": 0},
         "config": {"dataset_id": "iris", "target_column": "target", "problem_type": "classification"}},
        {"id": "s", "type": "split", "position": {"x": 0, "y": 150}, "config": {"test_size": 0.3}},
        {"id": "m", "type": "model", "position": {"x": 0, "y": 300},
         "config": {"algorithm": "random_forest", "hyperparameters": {"n_estimators": 10}}},
    ], "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}]}


def structure(wf, **moves):
    """The canvas's save of the stored graph (no configs), with nodes moved to (x, y)."""
    nodes = [{"id": n["id"], "type": n["type"], "position": dict(n["position"])} for n in wf["graph"]["nodes"]]
    for n in nodes:
        if n["id"] in moves:
            n["position"] = {"x": moves[n["id"]][0], "y": moves[n["id"]][1]}
    return {"nodes": nodes, "edges": wf["graph"]["edges"]}


def node(wf, node_id):
    return next((n for n in wf["graph"]["nodes"] if n["id"] == node_id), None)


def steps(store, wid, stack):
    return store.db.execute("SELECT COUNT(*) FROM workflow_revisions WHERE workflow_id = ? AND stack = ?",
                            [wid, stack]).fetchone()[0]


def test_undo_and_redo_a_deleted_node_with_its_config_and_edges(store):
    wf = store.create_workflow("wf", graph())
    assert store.history_state(wf["id"]) == {"can_undo": False, "can_redo": False, "undo": None, "redo": None}
    without = structure(wf)
    without["nodes"] = [n for n in without["nodes"] if n["id"] != "s"]
    without["edges"] = []
    store.save_structure(wf["id"], without)
    assert store.history_state(wf["id"])["undo"] == "deleted Train/Test Split"

    back, message = store.undo(wf["id"])
    assert message == "Undid: deleted Train/Test Split"
    assert back["graph"] == wf["graph"]  # the node, its config and both edges
    assert back["n_nodes"] == 3
    assert store.history_state(wf["id"]) == {"can_undo": False, "can_redo": True, "undo": None,
                                             "redo": "deleted Train/Test Split"}
    again, message = store.redo(wf["id"])
    assert message == "Redid: deleted Train/Test Split"
    assert node(again, "s") is None and again["graph"]["edges"] == [] and again["n_nodes"] == 2
    assert store.history_state(wf["id"])["can_undo"] is True


def test_an_inspector_edit_is_one_undo_step(store):
    wf = store.create_workflow("wf", graph())
    store.update_node_config(wf["id"], "m", {"algorithm": "random_forest", "hyperparameters": {"n_estimators": 50}})
    back, message = store.undo(wf["id"])
    assert message == "Undid: Model hyperparameters"
    assert node(back, "m")["config"]["hyperparameters"] == {"n_estimators": 10}
    forward, _ = store.redo(wf["id"])
    assert node(forward, "m")["config"]["hyperparameters"] == {"n_estimators": 50}


def test_an_edit_of_one_of_two_nodes_of_one_name_says_which(store):
    """With two Model nodes the history said "Model hyperparameters" of either (found by a new
    user): a name two nodes share is followed by the node's id, as Compare says it."""
    g = graph()
    g["nodes"].append({"id": "m2", "type": "model", "config": {"algorithm": "logistic_regression"}})
    wf = store.create_workflow("wf", g)
    store.update_node_config(wf["id"], "m2", {"algorithm": "logistic_regression", "hyperparameters": {"C": 0.5}})
    _, message = store.undo(wf["id"])
    assert message == "Undid: Model (m2) hyperparameters"


def test_a_rename_is_undone_name_and_all(store):
    wf = store.create_workflow("Before", graph())
    store.update_workflow(wf["id"], name="After")
    back, message = store.undo(wf["id"])
    assert message == "Undid: renamed the workflow"
    assert back["name"] == "Before" and back["graph"]["name"] == "Before"
    assert store.list_workflows()[0]["name"] == "Before"
    assert store.redo(wf["id"])[0]["name"] == "After"


def test_canvas_and_inspector_edits_share_one_history(store):
    wf = store.create_workflow("wf", graph())
    store.save_structure(wf["id"], structure(wf, s=(200, 150)))
    store.update_node_config(wf["id"], "s", {"test_size": 0.25})
    first, m1 = store.undo(wf["id"])
    assert m1 == "Undid: Train/Test Split test size"
    assert node(first, "s")["config"] == {"test_size": 0.3} and node(first, "s")["position"]["x"] == 200
    second, m2 = store.undo(wf["id"])
    assert m2 == "Undid: moved Train/Test Split"
    assert second["graph"] == wf["graph"]


def test_a_change_that_changes_nothing_records_nothing(store):
    wf = store.create_workflow("wf", graph())
    store.save_structure(wf["id"], structure(wf))
    # the canvas names every edge's ports, the API's graph did not: the same graph
    store.save_structure(wf["id"], {**structure(wf), "edges": graphs.with_ports(wf["graph"])["edges"]})
    store.update_node_config(wf["id"], "m", node(wf, "m")["config"])
    store.update_workflow(wf["id"], name="wf")
    store.update_workflow(wf["id"], graph=wf["graph"])
    assert steps(store, wf["id"], "undo") == 0
    assert store.get_workflow(wf["id"])["updated_at"] == wf["updated_at"]
    with pytest.raises(Invalid) as refused:
        store.undo(wf["id"])
    assert refused.value.status == 409 and refused.value.detail == "There is nothing to undo."


def test_moves_of_the_same_nodes_in_quick_succession_are_one_step(store):
    store.COALESCE_SECONDS = 0.5
    wf = store.create_workflow("wf", graph())
    for x in (10, 20, 30):  # a drag saved in pieces
        store.save_structure(wf["id"], structure(wf, d=(x, 0)))
    assert steps(store, wf["id"], "undo") == 1
    store.save_structure(wf["id"], structure(wf, d=(30, 0), s=(40, 150)))  # another node: a step of its own
    assert steps(store, wf["id"], "undo") == 2
    store.save_structure(wf["id"], structure(wf, d=(30, 0), s=(40, 150), m=(1, 300)))
    store.save_structure(wf["id"], structure(wf, d=(30, 0), s=(40, 150), m=(2, 300)))
    assert steps(store, wf["id"], "undo") == 3
    back, message = store.undo(wf["id"])
    assert message == "Undid: moved Model" and node(back, "m")["position"]["x"] == 0
    back, message = store.undo(wf["id"])
    assert message == "Undid: moved Train/Test Split" and node(back, "s")["position"]["x"] == 0
    back, _ = store.undo(wf["id"])
    assert back["graph"] == wf["graph"]  # the three pieces of the drag undone at once


def test_moves_further_apart_than_the_window_are_separate_steps(store):
    store.COALESCE_SECONDS = 0.0  # no two saves are that close: every move is its own step
    wf = store.create_workflow("wf", graph())
    store.save_structure(wf["id"], structure(wf, d=(10, 0)))
    store.save_structure(wf["id"], structure(wf, d=(20, 0)))
    assert steps(store, wf["id"], "undo") == 2
    assert node(store.undo(wf["id"])[0], "d")["position"]["x"] == 10


def test_a_move_after_an_undo_does_not_merge_into_an_older_step(store):
    store.COALESCE_SECONDS = 60
    wf = store.create_workflow("wf", graph())
    store.save_structure(wf["id"], structure(wf, d=(10, 0)))
    store.undo(wf["id"])
    store.save_structure(wf["id"], structure(wf, d=(20, 0)))
    assert steps(store, wf["id"], "undo") == 1 and steps(store, wf["id"], "redo") == 0
    assert store.undo(wf["id"])[0]["graph"] == wf["graph"]


def test_a_new_change_clears_the_redo_steps(store):
    wf = store.create_workflow("wf", graph())
    for seed in (1, 2, 3):
        store.update_node_config(wf["id"], "s", {"random_seed": seed})
    store.undo(wf["id"])
    store.undo(wf["id"])
    assert steps(store, wf["id"], "redo") == 2
    store.update_node_config(wf["id"], "s", {"random_seed": 9})
    assert store.history_state(wf["id"])["can_redo"] is False
    with pytest.raises(Invalid) as refused:
        store.redo(wf["id"])
    assert refused.value.status == 409 and refused.value.detail == "There is nothing to redo."
    back, _ = store.undo(wf["id"])
    assert node(back, "s")["config"] == {"random_seed": 1}


def test_the_history_keeps_the_last_200_steps(store):
    wf = store.create_workflow("wf", graph())
    for seed in range(1, 206):
        store.update_node_config(wf["id"], "s", {"random_seed": seed})
    assert steps(store, wf["id"], "undo") == Store.UNDO_LIMIT == 200
    for _ in range(200):
        last, _ = store.undo(wf["id"])
    assert node(last, "s")["config"] == {"random_seed": 5}  # the 5 oldest steps were dropped
    assert store.history_state(wf["id"])["can_undo"] is False
    assert steps(store, wf["id"], "redo") == 200


def test_deleting_a_workflow_deletes_its_history(store):
    wf = store.create_workflow("wf", graph())
    store.update_workflow(wf["id"], name="Renamed")
    other = store.create_workflow("other", graph())
    store.update_workflow(other["id"], name="Kept")
    store.delete_workflow(wf["id"])
    assert steps(store, wf["id"], "undo") == 0
    assert steps(store, other["id"], "undo") == 1


def test_two_writers_keep_one_linear_history(store):
    """Two tabs (threads, each its own connection) edit, undo and redo the same workflow at
    once: nothing fails, and undoing every step walks back to the workflow as created."""
    wf = store.create_workflow("wf", graph())
    errors = []

    def tab(seed):
        rng = random.Random(seed)
        try:
            for k in range(40):
                action = rng.random()
                try:
                    if action < 0.5:
                        store.update_node_config(wf["id"], "s", {"random_seed": seed * 100 + k})
                    elif action < 0.7:
                        store.save_structure(wf["id"], structure(wf, m=(seed, k)))
                    elif action < 0.9:
                        store.undo(wf["id"])
                    else:
                        store.redo(wf["id"])
                except Invalid as e:  # nothing to undo / redo right now: a fine answer
                    assert e.status == 409
        except Exception as e:  # noqa: BLE001 - collected and asserted
            errors.append(e)

    threads = [threading.Thread(target=tab, args=(i,)) for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    n = steps(store, wf["id"], "undo")
    for _ in range(n):
        last, _ = store.undo(wf["id"])
    if n:
        assert last["graph"] == wf["graph"]
    assert store.history_state(wf["id"])["can_undo"] is False


def post(base, path, body=None):
    req = urllib.request.Request(base + path, data=json.dumps(body or {}).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def test_undo_and_redo_through_a_running_app():
    with running_app("--no-worker") as app:
        status, wf = post(app.base, "/api/v1/workflows", {"name": "API", **graph()})
        assert status == 201
        assert post(app.base, f"/api/v1/workflows/{wf['id']}/undo") == (409, {"detail": "There is nothing to undo."})
        assert post(app.base, f"/api/v1/workflows/{wf['id']}/redo") == (409, {"detail": "There is nothing to redo."})
        req = urllib.request.Request(f"{app.base}/api/v1/workflows/{wf['id']}", method="PATCH",
                                     data=json.dumps({"name": "Renamed"}).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            assert json.loads(r.read())["can_undo"] is True
        with urllib.request.urlopen(f"{app.base}/api/v1/workflows/{wf['id']}", timeout=30) as r:
            got = json.loads(r.read())
        assert (got["can_undo"], got["can_redo"], got["undo"]) == (True, False, "renamed the workflow")
        status, body = post(app.base, f"/api/v1/workflows/{wf['id']}/undo")
        assert status == 200 and body["name"] == "API" and body["message"] == "Undid: renamed the workflow"
        assert (body["can_undo"], body["can_redo"]) == (False, True)
        status, body = post(app.base, f"/api/v1/workflows/{wf['id']}/redo")
        assert status == 200 and body["name"] == "Renamed"
        assert post(app.base, "/api/v1/workflows/wf_nope/undo")[0] == 404
