"""No input gets a 500: a corpus of malformed requests over every route. Each answer is a
2xx, or a 4xx whose detail is a sentence ({"detail": ...} under /api, plain text
elsewhere), and nothing is half-written."""

from __future__ import annotations

import io
import itertools
import json
import re
import zipfile
from urllib.parse import quote

import pytest

LONG = "x" * 100_000
DEEP = "[" * 100_000 + "]" * 100_000


def _zipped_two() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("train.csv", "a,b\n1,2\n3,4\n")
        archive.writestr("test.csv", "a\n1\n")
    return buffer.getvalue()


ZIPPED_TWO = _zipped_two()  # a competition's two tables
HUGE = "1" + "0" * 400


def body(text: str) -> dict:
    return {"content": text.encode(), "headers": {"Content-Type": "application/json"}}


def bad_json_bodies():
    """Bodies every JSON route must refuse with a sentence."""
    return [
        ("not json", body("{nope")), ("empty", body("")), ("array", body("[1, 2]")), ("string", body('"x"')),
        ("NaN", body('{"name": NaN}')), ("Infinity", body('{"name": "a", "nodes": [{"id": "a", "type": "dataset", '
                                                            '"config": {"x": Infinity}}], "edges": []}')),
        ("-Infinity", body('{"nodes": [], "edges": [], "x": -Infinity}')), ("400 digits", body('{"name": ' + HUGE + "}")),
        ("deep", body(DEEP)), ("deep object", body('{"a":' * 5000 + "1" + "}" * 5000)),
        ("latin-1", {"content": b'{"name": "caf\xe9"}', "headers": {"Content-Type": "application/json"}}),
        ("null bytes", body('{"name": "a\\u0000b"}')),
        # a lone surrogate parses in Python and then cannot be written to SQLite
        ("lone surrogate name", body('{"name": "a\\ud800", "nodes": [], "edges": []}')),
        ("lone low surrogate in a config", body('{"name": "a", "nodes": [{"id": "d", "type": "dataset", "config": '
                                                '{"dataset_id": "\\udc00"}}], "edges": []}')),
        ("lone surrogate node id", body('{"nodes": [{"id": "\\ud800", "type": "dataset"}], "edges": []}')),
        ("lone surrogate key", body('{"name": "a", "nodes": [], "edges": [], "\\udfff": 1}')),
        ("lone surrogate workflow_id", body('{"workflow_id": "\\ud800", "nodes": [], "edges": []}')),
    ]


def graph_bodies():
    """Well-formed JSON with the wrong shape of workflow."""
    node = {"id": "d", "type": "dataset", "position": {"x": 0, "y": 0}, "config": {}}
    cases = [
        {"nodes": "x", "edges": []}, {"nodes": [], "edges": "x"}, {"nodes": [1, 2], "edges": []},
        {"nodes": [{"id": 5, "type": "dataset"}], "edges": []}, {"nodes": [{"type": "dataset"}], "edges": []},
        {"nodes": [{**node, "config": [1]}], "edges": []}, {"nodes": [{**node, "position": "top"}], "edges": []},
        {"nodes": [{**node, "position": {"x": 1e308}}], "edges": []},
        {"nodes": [{**node, "position": {"x": int(HUGE)}}], "edges": []},
        {"nodes": [node, node], "edges": []}, {"nodes": [node], "edges": [{"source": "d"}]},
        {"nodes": [node], "edges": [{"source": "d", "target": "zz"}]}, {"nodes": [node], "edges": [[1, 2]]},
        {"nodes": [{**node, "type": "nope"}], "edges": []}, {"nodes": [{**node, "id": LONG}], "edges": []},
        {"nodes": [node] * 0, "edges": [], "name": LONG}, {"nodes": [{**node, "config": {"dataset_id": LONG}}]},
        {"nodes": [{**node, "id": f"n{i}"} for i in range(5000)], "edges": []},
        {"name": 5, "nodes": [], "edges": []}, {"name": ["a"], "nodes": [], "edges": []},
        {"nodes": [node], "edges": [{"source": "d", "target": "s" * 2**20}]},
        {"nodes": [node], "edges": [{"source": LONG, "target": "d"}]},
        {"nodes": [node], "edges": [{"source": "d", "target": "d", "source_port": LONG}]},
        {"nodes": [node], "edges": [{"source": "d", "target": "d", "target_port": ["table"]}]},
    ]
    return [(f"graph {i}", {"json": c}) for i, c in enumerate(cases)]


# --------------------------------------------------------------------------- configs
# Malformed shapes of every Param kind (plugins/params.py), for every Param of every node
# type, model plugin and preprocessing operation, and of the fields the node types declare
# outside their Params. Each must be refused on write (422 with the node's sentence) and
# never stored: what is stored, every page renders.
def bad_values(p) -> list:
    """Values the declaration of `p` rules out whatever the workflow: the wrong JSON type,
    out of its bounds, not finite, a list or pair of the wrong shape, an unknown choice."""
    kind, objects = p.kind, [{"a": 1}, [["nested"]]]
    if kind in ("int", "float"):
        out = ["5", True, 1e308, -1e308, int(HUGE[:40]), [1], *objects]
        out += [p.min - 1] if p.min is not None else []
        out += [p.max + 1] if p.max is not None else []
        return out + ([5.5] if kind == "int" else [])
    if kind == "bool":
        return ["on", "false", 2, [True], *objects]
    if kind == "select":
        return ["no such choice", [p.default], True, *objects]
    if kind == "multiselect":
        return ["year", [["year"]], [{}], ["no such choice"], 5, *objects]
    if kind == "columns":
        return ["a,b", [1], [["a"]], [{}], [None], True, 5, *objects]
    if kind == "column":
        return [5, ["a"], True, "x" * 2001, *objects]
    if kind == "str":
        return [5, ["a"], True, "x" * 2001, *objects] + (["x" * (int(p.max) + 1)] if p.max is not None else [])
    if kind == "values":  # numbers and text, as a list (a form's "-99, 999" is the inspector's to read)
        return ["-99, 999", [True], [None], [["a"]], [{}], ["x" * 101], [""], list(range(51)), True, 5, *objects]
    if kind == "range":
        return [[1], [1, 2, 3], ["a", "b"], [[1], 2], "0,1", [2, 1], [-1e308, 1e308], [0, None], 5, *objects]
    raise AssertionError(f"a Param kind the corpus does not cover: {kind}")


# the node fields declared outside Params (nodes/*.py `shape` hooks), nine shapes of operations
FIELD_SHAPES = {
    ("model", "algorithm"): [["svm"], {"a": 1}, 5, True],
    ("model", "hyperparameters"): [[1], "x", 5, True],
    ("preprocessing", "operations"): ["x", {"a": 1}, [1], [None], [{}], [{"method": ["a"]}], [{"method": 5}],
                                      [{"method": "standard_scaler", "parameters": [1]}],
                                      [{"method": "standard_scaler", "parameters": "x"}]],
    ("evaluate", "metrics"): ["accuracy", [["accuracy"]], [1], {"a": 1}, True],
    ("visualize", "plots"): ["roc_curve", [["roc_curve"]], [None], {"a": 1}, 5],
}


def bad_configs() -> list:
    """(label, node type, config) for every malformed shape above."""
    from nodes.registry import node_types
    from plugins import registry

    out = []
    for nt in node_types().values():
        for p in nt.params:
            out += [(f"{nt.type}.{p.name} = {str(v)[:30]}", nt.type, {p.name: v}) for v in bad_values(p)]
    for (kind, field), values in FIELD_SHAPES.items():
        out += [(f"{kind}.{field} = {str(v)[:30]}", kind, {field: v}) for v in values]
    for slug, plugin in registry.models().items():
        for p in plugin.params:
            out += [(f"{slug}.{p.name} = {str(v)[:30]}", "model", {"algorithm": slug, "hyperparameters": {p.name: v}})
                    for v in bad_values(p)]
    for slug, op in registry.operations().items():
        for p in op.params:
            out += [(f"{slug}.{p.name} = {str(v)[:30]}", "preprocessing",
                     {"operations": [{"method": slug, "parameters": {p.name: v}}]}) for v in bad_values(p)]
    return out


def config_requests(ids) -> list:
    """Each malformed config through one of the write paths in turn (they share one gate):
    create, replace, patch, the canvas (a pasted node, API and UI), the import, and execute."""
    wf, ui = ids["wf"], ids["ui"]
    dataset = {"id": "d", "type": "dataset", "position": {"x": 0, "y": 0},
               "config": {"dataset_id": "iris", "target_column": "target", "problem_type": "classification"}}
    out = []
    for i, (label, kind, config) in enumerate(bad_configs()):
        node = {"id": "n", "type": kind, "position": {"x": 0, "y": 100}, "config": config}
        graph = {"nodes": [dataset, node], "edges": []}
        route = [("POST", "/api/v1/workflows", {"json": {"name": "bad", **graph}}),
                 ("PUT", f"/api/v1/workflows/{wf}", {"json": graph}),
                 ("PATCH", f"/api/v1/workflows/{wf}", {"json": {"name": "bad", "graph": graph}}),
                 ("PUT", f"/api/v1/workflows/{wf}/structure", {"json": graph}),
                 ("PUT", f"/ui/workflows/{ui}/structure", {"json": graph}),
                 ("POST", "/workflows/import", {"files": {"file": ("w.json", json.dumps(graph).encode())}}),
                 ("POST", "/api/v1/workflows/execute", {"json": graph})][i % 7]
        out.append((*route, f"config {label}"))
    return out


# what the inspectors are posted: every field of every node of a full workflow (one step of
# every operation), each with text no number, choice or list reads as
FORM_VALUES = ["", "inf", "nan", "1e308", "abc", "x" * 3000]


def full_graph() -> dict:
    from plugins import registry

    def node(nid, kind, config, y):
        return {"id": nid, "type": kind, "position": {"x": 0, "y": y}, "config": config}

    ops = [{"method": slug, "parameters": {}} for slug in registry.operations()]
    return {"nodes": [node("d", "dataset", {"dataset_id": "iris", "target_column": "target",
                                            "problem_type": "classification"}, 0),
                      node("p", "preprocessing", {"operations": ops}, 100), node("s", "split", {}, 200),
                      node("m", "model", {"algorithm": "random_forest", "use_optuna": True}, 300),
                      node("e", "evaluate", {}, 400), node("v", "visualize", {}, 500)],
            "edges": [{"source": a, "target": b} for a, b in ("dp", "ps", "sm", "me", "ev")]}


def form_requests(ids) -> list:
    from nodes.model import TRAINING_PARAMS
    from nodes.registry import node_types
    from plugins import registry

    full, out = ids["full"], []
    fields = {"d": [p.name for p in node_types()["dataset"].params], "s": [p.name for p in node_types()["split"].params],
              "m": [f"hp-{p.name}" for p in registry.models()["random_forest"].params]
              + [p.name for p in TRAINING_PARAMS], "e": ["metrics", "confidence_intervals", "compare_baseline"],
              "v": ["plots"]}
    fields["p"] = [f"op-{i}-{p.name}" for i, op in enumerate(registry.operations().values()) for p in op.params]
    for nid in "psmev":  # the dataset last: another dataset changes what every other node sees
        fields[nid] += ["action"]
    for nid in [*"psmev", "d"]:
        for name in fields[nid]:
            for value in FORM_VALUES:
                data = {name: value, f"{name}__present": "1"}
                out.append(("POST", f"/ui/workflows/{full}/nodes/{nid}/config", {"data": data},
                            f"form {nid}.{name} = {value[:10]!r}"))
    out.append(("POST", f"/ui/workflows/{full}/nodes/s/config", {"data": {"test_size": "inf"}}, "form test_size inf"))
    return out


@pytest.fixture(scope="module")
def client(web):
    """Like `web`, but a server error comes back as the 500 the user would see."""
    from starlette.testclient import TestClient

    return TestClient(web.app, raise_server_exceptions=False, headers=dict(web.headers))


@pytest.fixture(scope="module")
def ids(web):
    def new(name):
        return web.post("/api/v1/workflows", json={"name": name, "nodes": [
            {"id": "d", "type": "dataset", "config": {"dataset_id": "iris", "target_column": "target",
                                                       "problem_type": "classification"}}], "edges": []}).json()["id"]
    # one workflow for the JSON routes (some malformed graphs are valid enough to be saved),
    # one the UI routes edit
    graph = {"nodes": [{"id": "a", "type": "dataset", "config": {}}], "edges": []}
    job = web.app.state.store.create_job(None, graph, {"seconds": 1, "credits": 1}, 60)["id"]
    web.app.state.store.mark_queued(job, "task")
    web.app.state.store.finish(job, None, "cancelled")
    upload = web.post("/api/v1/datasets", files={"file": ("corpus.csv", b"a;b\n1,5;x\n2;y\n")}).json()["id"]
    existing = [w["id"] for w in web.get("/api/v1/workflows").json()]
    full = web.post("/api/v1/workflows", json={"name": "corpus full", **full_graph()})
    assert full.status_code == 201, full.text
    return {"wf": new("corpus"), "ui": new("corpus ui"), "job": job, "upload": upload, "full": full.json()["id"],
            "existing": existing}


def requests(ids):
    wf, ui = ids["wf"], ids["ui"]
    out = []
    json_routes = [("POST", "/api/v1/workflows"), ("POST", "/api/v1/workflows/execute"),
                   ("PUT", f"/api/v1/workflows/{wf}"), ("PATCH", f"/api/v1/workflows/{wf}"),
                   ("PUT", f"/api/v1/workflows/{wf}/structure"), ("PUT", f"/ui/workflows/{wf}/structure")]
    for method, path in json_routes:
        out += [(method, path, kw, name) for name, kw in bad_json_bodies()]
    for method, path in json_routes[:4]:
        out += [(method, path, kw, name) for name, kw in graph_bodies()]
    out += [
        ("POST", "/api/v1/workflows", {"content": b'{"name": "a"}', "headers": {"Content-Type": "text/plain"}},
         "text/plain json"),
        ("POST", "/api/v1/workflows", {"data": {"name": "a"}}, "form to a json route"),
        ("POST", "/api/v1/workflows/execute", {"json": {"workflow_id": 5}}, "workflow_id int"),
        ("POST", "/api/v1/workflows/execute", {"json": {"workflow_id": "nope"}}, "unknown workflow"),
        ("POST", "/api/v1/workflows/execute", {"json": {"nodes": [], "edges": []}}, "empty graph"),
        ("GET", "/api/v1/workflows/nope", {}, "unknown workflow"),
        ("DELETE", "/api/v1/workflows/nope", {}, "delete unknown"),
        ("POST", "/api/v1/workflows/nope/duplicate", {}, "duplicate unknown"),
        ("POST", "/api/v1/workflows/nope/undo", {}, "undo unknown"), ("POST", "/api/v1/workflows/nope/redo", {}, "redo unknown"),
        ("POST", f"/api/v1/workflows/{wf}/redo", {}, "nothing to redo"),
        ("POST", "/api/v1/workflows/nope/validate", {}, "validate unknown"),
        ("POST", "/api/v1/workflows/nope/run", {}, "run unknown"),
        ("GET", "/api/v1/jobs/nope", {}, "unknown job"), ("POST", "/api/v1/jobs/nope/cancel", {}, "cancel unknown"),
        ("POST", "/api/v1/jobs/nope/retry", {}, "retry unknown"), ("GET", "/api/v1/jobs/nope/events", {}, "events"),
        ("GET", "/api/v1/jobs/nope/artifacts/x", {}, "artifact"), ("GET", "/api/v1/jobs?workflow_id=" + LONG[:5000], {},
                                                                  "long query"),
        ("GET", "/api/v1/plugins?problem_type=nope", {}, "bad problem type"),
        ("GET", "/api/v1/plugins/models/nope", {}, "unknown plugin"),
        ("GET", "/api/v1/plugins/models/svm?problem_type=clustering", {}, "plugin wrong type"),
        ("GET", "/api/v1/datasets/nope", {}, "unknown dataset"), ("DELETE", "/api/v1/datasets/iris", {}, "sample"),
        ("DELETE", "/api/v1/datasets/..%2F..%2Fetc", {}, "traversal"), ("GET", "/api/v1/datasets/%2e%2e", {}, "dots"),
        ("POST", "/api/v1/datasets", {"content": b"x", "headers": {"Content-Type": "multipart/form-data"}},
         "no boundary"),
        ("POST", "/api/v1/datasets", {"data": {"x": "1"}}, "no file field"),
        ("POST", "/api/v1/datasets", {"files": {"file": ("a.exe", b"MZ\x00\x00")}}, "exe"),
        ("POST", "/api/v1/datasets", {"files": {"file": ("a.csv", b"\x00\x01\x02" * 100)}}, "binary csv"),
        ("POST", "/api/v1/datasets", {"files": {"file": ("a.parquet", b"PAR1garbage")}}, "bad parquet"),
        ("POST", "/api/v1/datasets", {"files": {"file": ("a.parquet", b"PAR1" + b"x" * 100 + b"PAR1")}}, "cut parquet"),
        ("POST", "/api/v1/datasets", {"files": {"file": ("a.csv", b"")}}, "empty"),
        ("POST", "/api/v1/datasets", {"files": {"file": ("a.csv", b"a,b\n1\n")}}, "ragged"),
        ("POST", "/api/v1/datasets", {"files": {"file": ("a.csv", b'a,b\n"1,2\n')}}, "unterminated quote"),
        ("POST", "/api/v1/datasets", {"files": {"file": ("a.csv", b"\xff\xfe" + "a,b\n1,2\n".encode("utf-16-le")[:-1])}},
         "utf16 cut mid-character"),
        ("POST", "/api/v1/datasets?encoding=klingon", {"files": {"file": ("a.csv", b"a,b\n1,2\n")}}, "upload encoding"),
        ("POST", "/api/v1/datasets?sheet=9", {"files": {"file": ("a.xlsx", b"PK\x03\x04")}}, "damaged workbook"),
        ("GET", "/api/v1/nope", {}, "unknown api path"), ("GET", "/api/v1/workflows/a%2Fb", {}, "%2F"),
        ("DELETE", "/api/v1/plugins", {}, "405"), ("PATCH", "/api/v1/node-types", {}, "405 b"),
        ("GET", f"/api/v1/workflows/{wf}/structure", {}, "405 c"),
        ("GET", f"/api/v1/jobs/{ids['job']}/events?after=" + "1" + "0" * 30, {}, "after 10**30"),
        ("GET", f"/api/v1/jobs/{ids['job']}/events", {"headers": {"Last-Event-ID": "9" * 40}}, "huge id"),
        ("GET", f"/api/v1/jobs/{ids['job']}/events?after=-5", {}, "negative after"),
        ("GET", f"/api/v1/jobs/{ids['job']}/events?after=1e3", {}, "float after"),
        ("GET", f"/api/v1/jobs/{ids['job']}/artifacts/nope", {}, "unknown artifact"),
        ("GET", "/api/v1/jobs/nope/models", {}, "models of an unknown job"),
        ("GET", f"/api/v1/jobs/{ids['job']}/models/nope/bundle", {}, "bundle of an unknown node"),
        ("GET", "/api/v1/jobs/nope/models/m/bundle", {}, "bundle of an unknown job"),
        ("GET", "/api/v1/jobs/nope/script", {}, "script of an unknown job"),
        ("GET", "/api/v1/datasets/nope/download", {}, "download an unknown dataset"),
        ("GET", "/api/v1/datasets/iris/download?format=xls", {}, "download in an unknown format"),
        ("GET", f"/ui/jobs/{ids['job']}/scores/nope", {}, "unknown scores"),
        ("GET", f"/ui/jobs/{ids['job']}/scores/..%2F..%2Fplayground.db", {}, "scores traversal"),
        ("POST", "/ui/scoring/nope/m", {"files": {"file": ("a.csv", b"a,b\n1,2\n")}}, "score for an unknown job"),
        ("POST", f"/ui/scoring/{ids['job']}/nope", {"data": {"x": "1"}}, "score with no file"),
        ("POST", "/ui/datasets/for/nope/d", {"files": {"file": ("a.csv", b"a,b\n1,2\n")}}, "inspector upload, unknown workflow"),
        ("POST", f"/ui/datasets/for/{ids['ui']}/nope", {"files": {"file": ("a.csv", b"a,b\n1,2\n")}},
         "inspector upload, unknown node"),
        ("POST", f"/ui/datasets/for/{ids['ui']}/d", {"content": b"x", "headers": {"Content-Type": "multipart/form-data"}},
         "inspector upload, no boundary"),
        ("POST", f"/ui/datasets/for/{ids['ui']}/d", {"data": {"x": "1"}}, "inspector upload, no file"),
        ("POST", "/api/v1/keys", {"json": {"name": LONG}}, "key with a long name"),
        ("POST", "/api/v1/keys", {"json": ["x"]}, "key body not an object"),
        ("DELETE", "/api/v1/keys/nope", {}, "revoke an unknown key"),
        ("GET", "/api/v1/deployments/nope", {}, "unknown deployment"),
        ("DELETE", "/api/v1/deployments", {}, "405 deployments"),
        ("PUT", "/api/v1/deployments/nope/alias", {"json": {"alias": "production", "version": "x"}}, "bad alias"),
        ("POST", "/api/v1/deployments/nope/predict", {"json": {"records": "x"}}, "predict without a key"),
        ("POST", "/api/v1/deployments/nope/predict", {"json": {"records": [{}]}, "headers": {
            "Authorization": "Bearer " + "k" * 5000}}, "predict with a junk key"),
        ("POST", "/api/v1/deployments/nope/predict", {"content": b"a,b\n\xff,\"", "headers": {
            "Content-Type": "text/csv", "Authorization": "Bearer pgk_nope"}}, "predict CSV with a junk key"),
        ("POST", f"/api/v1/jobs/{ids['job']}/models/nope/deploy", {"json": {"name": "x"}}, "deploy an unknown model"),
        ("POST", f"/api/v1/jobs/{ids['job']}/models/m/deploy", {"json": {"name": LONG}}, "deploy with a long name"),
        ("POST", f"/api/v1/jobs/{ids['job']}/models/m/deploy", {"json": {"name": 5}}, "deploy with a number"),
        ("POST", f"/api/v1/jobs/{ids['job']}/models/m/deploy", {"json": ["x"]}, "deploy body a list"),
        ("GET", "/deployments", {}, "deployments page"),
        ("POST", "/ui/deployments/nope/alias", {"data": {"version": "x"}}, "make production without a version"),
        ("POST", "/ui/deployments/nope/alias", {"data": {"version": "3"}}, "make production of nothing"),
        ("POST", f"/ui/jobs/{ids['job']}/models/nope/deploy", {"data": {"name": "x"}}, "ui deploy unknown model"),
        ("POST", "/ui/keys", {"data": {"name": LONG}}, "ui key with a long name"),
        ("POST", "/ui/keys/nope/revoke", {}, "ui revoke an unknown key"),
        ("POST", f"/api/v1/jobs/{ids['job']}/cancel", {}, "cancel a finished job"),
        ("GET", "/login?token=" + "t" * 3000 + "&next=//evil.example/" + "x" * 3000, {}, "login with junk"),
        ("POST", "/login", {"content": b"token=%%%%&next=%00", "headers": {
            "Content-Type": "application/x-www-form-urlencoded"}}, "login with a mangled form"),
        ("POST", "/logout", {"data": {"next": LONG}}, "logout with junk"),
        ("POST", "/api/v1/health", {}, "405 health"), ("POST", "/api/v1/plugins/metrics", {}, "405 metrics"), ("POST", "/api/v1/plugins/plots", {}, "405 plots"),
        ("PUT", "/api/v1/plugins/preprocessing", {"json": {}}, "405 operations"),
        ("GET", "/nope", {}, "unknown page"), ("GET", "/workflows/nope", {}, "unknown editor"),
        ("GET", "/datasets/nope", {}, "unknown dataset page"), ("GET", "/vendor/nope.js", {}, "vendor"),
        ("GET", "/static/../app.py", {}, "static traversal"), ("GET", "/ui/workflows/nope/inspector", {}, "inspector"),
        ("GET", f"/ui/workflows/{ui}/nodes/nope/inspector", {}, "unknown node"),
        ("POST", f"/ui/workflows/{ui}/nodes/nope/config", {"data": {}}, "config unknown node"),
        ("POST", f"/ui/workflows/{ui}/nodes/d/config", {"data": {"target_column": LONG}}, "long target"),
        ("POST", f"/ui/workflows/{ui}/nodes/d/config", {"data": {"dataset_id": "nope"}}, "unknown dataset id"),
        ("POST", f"/ui/workflows/{ui}/nodes/d/config", {"content": b"%%%%", "headers": {
            "Content-Type": "application/x-www-form-urlencoded"}}, "mangled form"),
        ("PATCH", "/ui/workflows/nope/name", {"data": {"name": "x"}}, "rename unknown"),
        ("PATCH", f"/ui/workflows/{ui}/name", {"data": {"name": LONG}}, "long name"),
        ("POST", "/ui/workflows/nope/rename", {"data": {"name": "x"}}, "rename unknown b"),
        ("POST", "/ui/workflows/nope/duplicate", {}, "ui duplicate unknown"),
        ("POST", "/ui/workflows/nope/undo", {}, "ui undo unknown"), ("POST", f"/ui/workflows/{ui}/redo", {}, "ui redo"),
        ("DELETE", "/ui/workflows/nope", {}, "ui delete unknown"), ("POST", "/ui/workflows/nope/run", {}, "ui run"),
        ("DELETE", "/ui/workflows/nope/missing-connections", {}, "remove missing connections of an unknown workflow"),
        ("DELETE", f"/ui/workflows/{ui}/missing-connections", {}, "remove missing connections where there are none"),
        ("GET", "/ui/workflows/nope/history", {}, "history"), ("GET", "/ui/jobs/nope/results", {}, "results"),
        ("GET", "/ui/jobs/nope/trials", {}, "trials unknown job"),
        ("POST", "/ui/jobs/nope/nodes/m/use-parameters", {}, "use parameters unknown job"),
        ("POST", f"/ui/jobs/{ids['job']}/nodes/nope/use-parameters", {}, "use parameters unknown node"),
        ("POST", f"/ui/jobs/{ids['job']}/nodes/" + "m" * 3000 + "/use-parameters", {}, "use parameters long node"),
        ("GET", f"/api/v1/jobs/compare?a={ids['job']}&b=nope", {}, "compare unknown run"),
        ("GET", f"/api/v1/jobs/compare?a={ids['job']}&b={ids['job']}", {}, "compare a run with itself"),
        ("GET", "/api/v1/jobs/compare?a=" + "x" * 5000, {}, "compare one long id"),
        ("GET", "/ui/jobs/compare?b=nope", {}, "ui compare no a"), ("GET", "/jobs/compare", {}, "compare page bare"),
        ("PUT", "/api/v1/datasets/nope/target", {"json": {"target": "x"}}, "target of an unknown dataset"),
        ("PUT", "/api/v1/datasets/iris/target", {"json": {"target": "nope"}}, "unknown target column"),
        ("PUT", "/api/v1/datasets/iris/target", {"json": {"target": "target", "problem_type": "poetry"}},
         "unknown problem type"),
        ("PUT", "/api/v1/datasets/iris/target", {"json": {"target": ["a"]}}, "target not a string"),
        ("PUT", "/api/v1/datasets/iris/target", {"json": []}, "target body a list"),
        ("PUT", "/api/v1/datasets/iris/target", body('{"target": "\\ud800"}'), "target a lone surrogate"),
        ("PUT", f"/api/v1/datasets/{ids['upload']}/reading", body('{"types": {"a\\udbff": "number"}}'),
         "reading a lone surrogate"),
        ("POST", "/datasets/nope/target", {"data": {"target": "x"}}, "form target unknown dataset"),
        ("POST", "/datasets/iris/target", {"data": {"target": LONG}}, "form long target"),
        ("PUT", "/api/v1/datasets/nope/reading", {"json": {}}, "reading of an unknown dataset"),
        ("PUT", "/api/v1/datasets/iris/reading", {"json": {}}, "reading of a sample"),
        ("PUT", f"/api/v1/datasets/{ids['upload']}/reading", {"json": []}, "reading body a list"),
        ("PUT", f"/api/v1/datasets/{ids['upload']}/reading", {"json": {"encoding": LONG}}, "long encoding"),
        ("PUT", f"/api/v1/datasets/{ids['upload']}/reading", {"json": {"encoding": "klingon"}}, "unknown encoding"),
        ("PUT", f"/api/v1/datasets/{ids['upload']}/reading", {"json": {"encoding": 5}}, "encoding a number"),
        ("PUT", f"/api/v1/datasets/{ids['upload']}/reading", {"json": {"sheet": {"a": 1}}}, "sheet an object"),
        ("PUT", f"/api/v1/datasets/{ids['upload']}/reading", {"json": {"member": {"a": 1}}}, "member an object"),
        ("PUT", f"/api/v1/datasets/{ids['upload']}/reading", {"json": {"member": LONG}}, "long member"),
        ("PUT", f"/api/v1/datasets/{ids['upload']}/reading", {"json": {"member": "../../playground.db"}},
         "member of a CSV, a path"),
        ("POST", f"/datasets/{ids['upload']}/reading", {"data": {"member": "test.csv"}}, "form member of a CSV"),
        ("POST", "/api/v1/datasets?member=test.csv", {"files": {"file": ("a.csv", b"a,b\n1,2\n")}}, "upload member of a CSV"),
        ("POST", "/api/v1/datasets?member=../a.csv", {"files": {"file": ("a.zip", ZIPPED_TWO)}}, "upload member a path"),
        ("PUT", f"/api/v1/datasets/{ids['upload']}/reading", {"json": {"types": {"a": "colour"}}}, "unknown type"),
        ("PUT", f"/api/v1/datasets/{ids['upload']}/reading", {"json": {"types": {"b": "number"}}}, "type unfit"),
        ("PUT", f"/api/v1/datasets/{ids['upload']}/reading", {"json": {"types": {LONG: "number"}}}, "long column"),
        ("PUT", f"/api/v1/datasets/{ids['upload']}/reading", {"json": {"roles": {"a": ["id"]}}}, "role a list"),
        ("PUT", f"/api/v1/datasets/{ids['upload']}/reading", {"json": {"roles": {"a": "ignore", "b": "ignore"}}},
         "every column ignored"),
        ("PUT", f"/api/v1/datasets/{ids['upload']}/reading", {"json": {"types": "a"}}, "types a string"),
        ("PUT", f"/api/v1/datasets/{ids['upload']}/reading", {"json": {"x": 1}}, "unknown option"),
        ("POST", "/datasets/nope/reading", {"data": {"encoding": "utf-8"}}, "form reading unknown dataset"),
        ("POST", "/datasets/iris/reading", {"data": {"type:x": "number"}}, "form reading a sample"),
        ("POST", f"/datasets/{ids['upload']}/reading", {"data": {"type:b": "date"}}, "form type unfit"),
        ("POST", f"/datasets/{ids['upload']}/reading", {"data": {"encoding": LONG}}, "form long encoding"),
        ("POST", f"/datasets/{ids['upload']}/reading", {"data": {"role:" + LONG: "id"}}, "form long column"),
        ("GET", "/jobs/nope", {}, "run page unknown"), ("GET", "/jobs/" + "x" * 5000, {}, "run page long id"),
        ("DELETE", "/ui/datasets/iris", {}, "ui delete sample"), ("DELETE", "/ui/datasets/nope", {}, "ui delete unknown"),
        ("POST", "/ui/datasets", {"content": b"x", "headers": {"Content-Type": "multipart/form-data"}}, "ui upload"),
        ("POST", "/workflows", {"data": {"template": "nope"}}, "unknown template"),
        ("POST", "/workflows/import", {"files": {"file": ("w.json", b"{nope")}}, "import not json"),
        ("POST", "/workflows/import", {"files": {"file": ("w.json", b"")}}, "import empty file"),
        ("POST", "/workflows/import", {"files": {"file": ("w.json", b"\xff\xfe{")}}, "import utf-16"),
        ("POST", "/workflows/import", {"files": {"file": ("w.json", b"[1]")}}, "import a list"),
        ("POST", "/workflows/import", {"files": {"file": ("w.json", b'{"graph": [1]}')}}, "import graph a list"),
        ("POST", "/workflows/import", {"files": {"file": ("w.json", b'{"columns": []}')}}, "import not a workflow"),
        ("POST", "/workflows/import", {"files": {"file": ("w.json", DEEP.encode())}}, "import deep"),
        ("POST", "/workflows/import", {"files": {"file": ("w.json", b'{"nodes": [{"id": 1}]}')}}, "import node id"),
        ("POST", "/workflows/import", {"files": {"file": ("w.json", ('{"name": "' + LONG + '", "nodes": []}').encode())}},
         "import long name"),
        ("POST", "/workflows/import", {"data": {"file": "not a file"}}, "import no file"),
        ("POST", "/workflows/import", {"content": b"x", "headers": {"Content-Type": "multipart/form-data"}},
         "import no boundary"),
        ("POST", "/workflows/import", {"content": b"--b\r\nbroken", "headers": {
            "Content-Type": "multipart/form-data; boundary=b"}}, "import mangled multipart"),
        ("POST", "/workflows", {"data": {"name": LONG}}, "long new name"),
        ("GET", "/", {}, "home"),
        # a form cannot carry a lone surrogate: its fields are decoded with replacement characters
        ("PATCH", f"/ui/workflows/{ui}/name", {"content": b"name=a%ED%A0%80", "headers": {
            "Content-Type": "application/x-www-form-urlencoded"}}, "form name a lone surrogate"),
        ("POST", "/workflows", {"files": {"name": (None, b"a\xed\xa0\x80")}}, "multipart name a lone surrogate"),
        ("GET", "/api/v1/node-types", {"headers": {"Host": "127.0.0.1:evil.example"}}, "host with a name for a port"),
        ("GET", "/workflows", {"headers": [("Host", "localhost"), ("Host", "evil.example")]}, "two host headers"),
        ("GET", "/api/v1/node-types", {"headers": {"Host": "[::1"}}, "host with an open bracket"),
    ]
    return out + config_requests(ids) + form_requests(ids)


def sentence(text: str) -> bool:
    text = text.strip()
    internals = ("Traceback", "pyarrow", "<Buffer>", "Error:", "Exception", "sqlite")
    return (10 <= len(text) <= 600 and text[0].isupper() and text[-1] in ".?!"
            and not any(word in text for word in internals))


def test_the_corpus_is_large_and_covers_every_route(web, ids):
    app = web.app
    cases = requests(ids)
    assert len(cases) >= 100
    templates = {r.path for r in app.routes if hasattr(r, "methods")}
    hit = set()
    for _, path, _, _ in cases:
        for t in templates:
            import re

            pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", t) + "$"
            if re.match(pattern, path.split("?")[0]):
                hit.add(t)
    missing = {t for t in templates if t not in hit and t not in ("/", "/workflows", "/datasets")}
    assert not missing, f"routes without a malformed request: {sorted(missing)}"


def test_no_malformed_request_gets_a_500_or_leaves_anything_behind(web, client, ids):
    """One pass over the corpus (1,900 requests): each answer is a 2xx or a 4xx with a
    sentence, and the refused writes among them leave no workflow or dataset behind."""
    before = web.get("/api/v1/workflows").json()
    datasets = web.get("/api/v1/datasets").json()["uploads"]
    failures, accepted_creations = [], 0
    creating = ("/workflows", "/api/v1/workflows", "/workflows/import")
    for method, path, kw, name in requests(ids):
        r = client.request(method, path, **kw)
        if method == "POST" and r.status_code < 400 and (path.split("?")[0] in creating or path.endswith("/duplicate")):
            accepted_creations += 1
        if "/events" in path and r.status_code == 200 and not r.text.rstrip().endswith("}"):
            failures.append(f"{method} {path[:60]} [{name}]: the event stream broke after its 200: {r.text[-80:]!r}")
        if r.status_code >= 500:
            failures.append(f"{method} {path[:60]} [{name}]: {r.status_code} {r.text[:120]}")
            continue
        if r.status_code >= 400:
            if path.startswith("/api/") or r.headers.get("content-type", "").startswith("application/json"):
                try:
                    detail = r.json()["detail"]
                except (ValueError, KeyError, TypeError):
                    failures.append(f"{method} {path[:60]} [{name}]: not JSON detail: {r.text[:120]!r}")
                    continue
            else:
                found = re.search(r'class="notice error error-detail"[^>]*>(.*?)</p>', r.text, re.S)
                detail = found.group(1) if found else r.text
            if not sentence(detail):
                failures.append(f"{method} {path[:60]} [{name}]: {r.status_code} not a sentence: {detail[:160]!r}")
    assert not failures, "\n".join(failures)
    after = web.get("/api/v1/workflows").json()
    created = [w for w in after if w["id"] not in {b["id"] for b in before}]
    assert len(created) <= accepted_creations, "a refused request left a workflow behind"
    assert web.get("/api/v1/datasets").json()["uploads"] == datasets


def pages_of(store, workflow_id: str) -> list:
    """Every page and fragment a workflow is shown in, and the routes that judge it."""
    wf = store.get_workflow(workflow_id)
    nodes = wf["graph"].get("nodes") if isinstance(wf["graph"], dict) else None
    ids = [n["id"] for n in nodes or [] if isinstance(n, dict) and isinstance(n.get("id"), str)]
    return [("GET", f"/workflows/{workflow_id}"), ("GET", f"/ui/workflows/{workflow_id}/inspector"),
            ("GET", f"/api/v1/workflows/{workflow_id}?download=1"), ("GET", f"/ui/workflows/{workflow_id}/history"),
            ("POST", f"/api/v1/workflows/{workflow_id}/validate"),
            *[("GET", f"/ui/workflows/{workflow_id}/nodes/{quote(i, safe='')}/inspector") for i in ids]]


def rendering_failures(client, requests_) -> list:
    failures = []
    for method, path in requests_:
        r = client.request(method, path, headers={"HX-Request": "true"} if "/ui/" in path else {})
        if r.status_code >= 500 or (r.status_code >= 400 and not sentence(r.json()["detail"] if path.startswith(
                "/api/") else re.sub("<[^>]+>", "", r.text))):
            failures.append(f"{method} {path[:90]}: {r.status_code} {r.text[:200]}")
    return failures


def test_every_page_and_inspector_renders_after_the_corpus(web, client, ids):
    """Runs after the corpus: nothing it sent was stored that its node type's declaration
    rules out, and every page, fragment and inspector of every workflow it left renders."""
    from nodes import graph as graphs

    store = web.app.state.store
    left = [w["id"] for w in store.list_workflows() if w["id"] not in ids["existing"]]
    assert len(left) >= 4 and ids["full"] in left
    stored = {w: graphs.unstorable(store.get_workflow(w)["graph"]) for w in left}
    assert not any(stored.values()), {w: p for w, p in stored.items() if p}
    pages = [("GET", "/"), ("GET", "/workflows"), ("GET", "/datasets")]
    for w in left:
        pages += pages_of(store, w)
    failures = rendering_failures(client, pages)
    assert not failures, "\n".join(failures)


def legacy_rows() -> list:
    """Graphs as a row written before configs were checked (or by hand) may hold them: a
    chain whose every node has one of the corpus's malformed configs, sampled across it,
    then graphs malformed around the configs."""
    by_kind: dict = {}
    for _, kind, config in bad_configs():
        by_kind.setdefault(kind, []).append(config)
    chain = ["dataset", "preprocessing", "split", "model", "evaluate", "visualize"]
    rows = []
    for w in range(24):
        nodes = [{"id": kind[0], "type": kind, "position": {"x": 0, "y": 100 * i},
                  "config": by_kind[kind][(w * len(by_kind[kind])) // 24]} for i, kind in enumerate(chain)]
        rows.append({"nodes": nodes, "edges": [{"source": a[0], "target": b[0]} for a, b in zip(chain, chain[1:])]})
    odd = [{"id": "c", "type": "split", "config": [1, 2]}, {"id": "t", "type": "split", "config": "test_size=2"},
           {"id": "x", "type": "nope", "config": {"a": [1]}}, {"id": 5, "type": "model"}, {"type": "model"}, "node",
           {"id": "l", "type": "evaluate", "label": 5, "position": "top", "config": {"metrics": {"a": 1}}},
           {"id": "m", "type": "model", "config": {"algorithm": "svm", "hyperparameters": {"C": "x", "kernel": 5}}}]
    rows += [{"nodes": odd, "edges": [{"source": "c", "target": "t"}, {"source": "t", "target": "zz"}, [1], {"a": 1},
                                      {"source": "m", "target": "l", "target_port": ["model"]}]},
             {"nodes": odd, "edges": "none"}, {"nodes": "none"}, {"edges": []}, [1, 2], "graph"]
    return rows


def test_malformed_rows_written_straight_into_sqlite_render_with_errors_on_their_nodes(web, client):
    """Rows written before the store checked configs (here, straight into SQLite) render:
    every page, fragment and inspector answers, and each malformed node says what is wrong
    with it. An edit through its inspector saves what can be stored; undoing that edit would
    bring the malformed config back, and is refused with a sentence."""
    import time

    from executor.engine import node_states

    store = web.app.state.store
    ids = []
    for i, graph in enumerate(legacy_rows()):
        wid = f"wf_legacy{i:02d}"
        store.db["workflows"].insert({"id": wid, "name": f"legacy {i}", "graph": json.dumps(graph),
                                      "created_at": time.time(), "updated_at": time.time()})
        ids.append(wid)
    store.db["workflows"].insert({"id": "wf_legacy_text", "name": "legacy text", "graph": "{not json",
                                  "created_at": time.time(), "updated_at": time.time()})
    ids.append("wf_legacy_text")
    pages = [("GET", "/"), ("GET", "/workflows")]
    for w in ids:
        pages += pages_of(store, w) + [("POST", f"/api/v1/workflows/{w}/run"), ("POST", f"/ui/workflows/{w}/run"),
                                       ("POST", f"/api/v1/workflows/{w}/duplicate")]
    failures = rendering_failures(client, pages)
    assert not failures, "\n".join(failures)
    # every malformed node of the sampled chains is an error on that node, named
    for w in ids[:24]:
        graph = store.get_workflow(w)["graph"]
        errors = client.post(f"/api/v1/workflows/{w}/validate").json()["errors"]
        states = node_states(graph)["nodes"]
        for node in graph["nodes"]:
            assert node["id"] in errors, (w, node)
            assert states[node["id"]]["state"] == "invalid" and states[node["id"]]["message"]
    # the inspector saves what can be stored, and undo will not bring the malformed config back
    from nodes import graph as graphs

    (field, bad), = legacy_rows()[0]["nodes"][2]["config"].items()  # the split's malformed field
    r = client.post("/ui/workflows/wf_legacy00/nodes/s/config", data={"shuffle": "false"})
    assert r.status_code == 200
    graph = store.get_workflow("wf_legacy00")["graph"]
    saved = next(n for n in graph["nodes"] if n["id"] == "s")["config"]
    assert saved["shuffle"] is False and saved[field] != bad
    assert "s" not in graphs.unstorable(graph)
    r = client.post("/api/v1/workflows/wf_legacy00/undo")
    assert r.status_code == 422 and r.json()["detail"].startswith(
        "Undoing this step would bring back what cannot be saved. Train/Test Split 's' cannot be saved: ")
    # the canvas may still move the nodes of a legacy workflow: what is stored is kept as it is
    graph = store.get_workflow("wf_legacy01")["graph"]
    graph["nodes"][0]["position"] = {"x": 50, "y": 50}
    assert client.put("/api/v1/workflows/wf_legacy01/structure", json=graph).status_code == 200


def test_what_depends_on_the_workflow_is_still_saved(web):
    """The editor saves half-built workflows: only what no workflow could make valid is
    refused. An unknown dataset or column, a metric the model does not offer, an algorithm
    or operation not installed here, another problem type's choice are kept, and said."""
    graph = full_graph()
    nodes = {n["id"]: n for n in graph["nodes"]}
    nodes["d"]["config"].update(dataset_id="no_such_dataset", target_column="no_such_column")
    nodes["p"]["config"]["operations"].append({"method": "no_such_operation", "parameters": {"x": [1]}})
    nodes["m"]["config"] = {"algorithm": "random_forest", "hyperparameters": {"criterion": "squared_error",
                                                                             "no_such": {"a": 1}},
                            "optuna_metric": "no_such_metric"}
    nodes["e"]["config"] = {"metrics": ["no_such_metric"]}
    nodes["v"]["config"] = {"plots": []}
    r = web.post("/api/v1/workflows", json={"name": "half built", **graph})
    assert r.status_code == 201, r.text
    errors = web.post(f"/api/v1/workflows/{r.json()['id']}/validate").json()["errors"]
    assert set(errors) == {"d", "p", "m", "e", "v"}
    nodes["m"]["config"] = {"algorithm": ["random_forest"]}
    r = web.post("/api/v1/workflows", json={"name": "not a name", **graph})
    said = r.json()
    # refused for the one setting no workflow could store, with what else each node needs in the
    # same answer (a hand-edited file was mended one refusal at a time)
    assert r.status_code == 422 and said["detail"].startswith(
        "Model 'm' cannot be saved: Algorithm must be the name of one (text). Once it can be saved, these need "
        "attention too: Dataset 'd': "), said
    assert said["errors"]["m"] == {"algorithm": "Algorithm must be the name of one (text)."}
    assert set(said["errors"]) == {"d", "p", "m", "e", "v"}, said["errors"]


def test_every_example_and_template_can_be_stored():
    from pathlib import Path

    from nodes import graph as graphs

    for path in sorted(Path(__file__).parent.parent.joinpath("examples").glob("*.json")):
        _, graph = graphs.read_workflow(json.loads(path.read_text()))
        assert graphs.unstorable(graph) == {}, path.name


def test_an_empty_workflow_is_refused_for_what_it_is(web):
    r = web.post("/api/v1/workflows/execute", json={"nodes": [], "edges": []})
    assert r.status_code == 422
    assert r.json()["detail"] == "The workflow is not valid: The workflow is empty: add a Dataset node to start."


def test_file_refusals_never_show_library_text(web):
    for raw in (b"PAR1garbage", b"PAR1" + b"x" * 100 + b"PAR1"):
        detail = web.post("/api/v1/datasets", files={"file": ("t.parquet", raw)}).json()["detail"]
        assert detail == "The Parquet file cannot be read: it is damaged, cut short, or not Parquet."


def test_nothing_unbounded_is_stored(web):
    """A 100 MB workflow was accepted and made listing workflows 200x slower for everyone."""
    node = {"id": "d", "type": "dataset", "config": {}}
    r = web.post("/api/v1/workflows", content=b'{"name": "big", "nodes": [' + b" " * (100 * 2**20) + b"]}",
                 headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["detail"] == "The request body is 100.0 MB; the limit is 5 MB (PLAYGROUND_MAX_BODY_MB)."
    r = web.post("/api/v1/workflows", json={"name": "many", "nodes": [{**node, "id": f"n{i}"} for i in range(201)]})
    assert r.status_code == 400 and r.json()["detail"] == "A workflow can hold at most 200 nodes; this one has 201."
    r = web.post("/api/v1/workflows", json={"name": "long", "nodes": [{**node, "config": {"dataset_id": "x" * 2001}}]})
    assert r.status_code == 400 and "the limit is 2,000" in r.json()["detail"]
    assert "n_nodes" in web.app.state.store.db["workflows"].columns_dict
    listed = web.get("/api/v1/workflows").json()
    assert all("graph" not in w and isinstance(w["n_nodes"], int) for w in listed)


def test_an_edge_end_is_as_bounded_as_a_node_id_and_never_echoed_whole(web, ids):
    """A 1 MB edge id was stored and echoed twice in the 422."""
    graph = {"nodes": [{"id": "d", "type": "dataset"}, {"id": "s", "type": "split"}],
             "edges": [{"source": "d", "target": "s" * 2**20}]}
    for method, path in (("POST", "/api/v1/workflows"), ("PUT", f"/api/v1/workflows/{ids['wf']}/structure"),
                         ("PUT", f"/ui/workflows/{ids['wf']}/structure")):
        r = web.request(method, path, json=graph)
        assert r.status_code == 400 and len(r.content) < 400, (path, len(r.content))
        assert r.json()["detail"] == ("Edge 1: its target '" + "s" * 60 + "…' "
                                      "is 1,048,576 characters; a node id is at most 64.")
    r = web.put(f"/api/v1/workflows/{ids['wf']}/structure", json={
        "nodes": [{"id": "d", "type": "dataset"}, {"id": "e", "type": "evaluate"}], "edges": [
            {"source": "d", "target": "e", "target_port": "model"}]})
    assert r.status_code == 422 and len(r.content) < 400  # the refused edge comes back, bounded


def test_a_lone_surrogate_is_refused_at_parsing_and_a_pair_is_text(web):
    """"\\ud800" parses in Python, and SQLite then cannot encode it: every route answered 500."""
    r = web.post("/api/v1/workflows", content=b'{"name": "a\\ud800"}', headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json()["detail"] == ("The request body contains a lone surrogate escape (\\ud800 without the other half "
                                  "of its pair), which is not text: send the character itself, or both halves.")
    r = web.post("/workflows/import", files={"file": ("w.json", b'{"name": "\\udc00", "nodes": []}')})
    assert r.status_code == 400 and "The file contains a lone surrogate escape (\\udc00" in r.text
    r = web.post("/api/v1/workflows", content=b'{"name": "smile \\ud83d\\ude00"}',
                 headers={"Content-Type": "application/json"})
    assert r.status_code == 201 and r.json()["name"] == "smile \U0001F600"


def test_refusals_keep_the_connection_alive():
    """A 500 reset the keep-alive connection; a refusal is an ordinary answer on it."""
    import http.client

    from tests.conftest import running_app

    with running_app("--no-worker") as app:
        conn = http.client.HTTPConnection(app.base.removeprefix("http://"), timeout=30)
        created = []
        for path in ("/api/v1/workflows", "/api/v1/workflows/execute", "/api/v1/workflows"):
            conn.request("POST", path, body=b'{"name": "a\\ud800", "nodes": []}',
                         headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            assert r.status == 400 and b"lone surrogate" in r.read()
            created.append(conn.sock)
        assert created[0] is not None and all(sock is created[0] for sock in created)
        conn.close()


def test_the_depth_check_skips_strings_and_their_escapes():
    """The nesting bound counts brackets outside strings only: brackets, escaped quotes and
    escaped backslashes inside strings change nothing, at the bound and one past it."""
    from web.errors import MAX_DEPTH, BadRequest, check_depth

    tricky = '"a[{\\"[[", "\\\\", "\\\\\\"]]", "é{"'
    plain = '{"a": "b", "c": [1, "d"]}, "e"'  # strings without brackets (read in one pass)
    for (inner, own), (extra, ok) in itertools.product(((tricky, 0), (plain, 2)), ((0, True), (1, False))):
        depth = MAX_DEPTH - own + extra  # at the bound, and one past it
        text = "[" * depth + inner + "]" * depth
        json.loads(text)
        if ok:
            check_depth(text)
        else:
            with pytest.raises(BadRequest, match=f"more than {MAX_DEPTH} levels"):
                check_depth(text)
    check_depth('["' + "[" * 5000 + '"]')  # all in one string
    check_depth("[" + ",".join(['{"a[": "]]]\\\\"}'] * 5000) + "]")  # wide, not deep
    with pytest.raises(BadRequest):
        check_depth('["\\\\"' + "," + "[" * (MAX_DEPTH + 1))  # the string ends at the escaped backslash's quote


def test_broken_json_sent_to_the_api_is_said_with_its_place(web):
    """A trailing comma in a workflow file sent to POST /api/v1/workflows: "The request body is
    not valid JSON." with no place, where the editor's import and the CLI say the line and
    column (found by a new user). The framework read the body first; the app reads it again."""
    for path in ("/api/v1/workflows", "/api/v1/workflows/execute"):
        r = web.post(path, content=b'{"name": "x",\n "nodes": [],\n}', headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and r.json()["detail"] == (
            "The request body is not valid JSON (line 3, column 1: Expecting property name enclosed in double quotes)."
        ), r.text
