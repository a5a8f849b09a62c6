"""Gate → Deploy → the keyed predict endpoint, through a real app with a real worker on a
home folder of its own: a passing gate registers a model version (and production points at
it), a failing one skips Deploy with the gate's sentence; predictions over HTTP with a key
are the bundle's predict.py's; no key or a revoked key is a 401; a missing column or a
wrong type a 422 naming it; moving the alias back answers with the earlier version."""

from __future__ import annotations

import html
import io
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from plugins.numbers import fmt_number
from tests.conftest import running_app, wait_for

FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]


def call(base, path, body=None, method=None, headers=None, raw: bytes | None = None):
    data = raw if raw is not None else json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method or ("POST" if data is not None else "GET"),
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, json.loads(r.read().decode() or "null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read().decode() or "null")


def pipeline(threshold, name, algorithm="logistic_regression"):
    nodes = [
        {"id": "d", "type": "dataset", "config": {"dataset_id": "iris", "target_column": "target",
                                                   "problem_type": "classification"}},
        {"id": "s", "type": "split", "config": {"test_size": 0.3, "random_seed": 1}},
        {"id": "m", "type": "model", "config": {"algorithm": algorithm}},
        {"id": "e", "type": "evaluate", "config": {"metrics": ["accuracy", "f1"]}},
        {"id": "g", "type": "gate", "config": {"metric": "accuracy", "threshold": threshold}},
        {"id": "x", "type": "deploy", "config": {"name": name}},
    ]
    edges = [{"source": a, "target": b} for a, b in (("d", "s"), ("s", "m"), ("m", "e"), ("e", "g"))]
    edges.append({"source": "g", "source_port": "pass", "target": "x"})
    return {"nodes": nodes, "edges": edges}


def run(base, graph) -> dict:
    status, wf = call(base, "/api/v1/workflows", {"name": f"deploy {time.monotonic()}", **graph})
    assert status == 201, wf
    status, body = call(base, f"/api/v1/workflows/{wf['id']}/run", {})
    assert status == 202, body
    job_id = body["job_id"]
    assert wait_for(lambda: call(base, f"/api/v1/jobs/{job_id}")[1]["status"] in ("completed", "failed"), 180)
    job = call(base, f"/api/v1/jobs/{job_id}")[1]
    assert job["status"] == "completed", job
    return job


def node(job, nid) -> dict:
    return next(n for n in job["nodes"] if n["node_id"] == nid)


def rows(n=30, start=0) -> list[dict]:
    from sklearn.datasets import load_iris

    frame = load_iris(as_frame=True).frame
    return frame[FEATURES].iloc[start:start + n].to_dict(orient="records")


def predict(base, name, records, key=None, headers=None):
    auth = {"Authorization": f"Bearer {key}"} if key else {}
    return call(base, f"/api/v1/deployments/{name}/predict", {"records": records}, headers={**auth, **(headers or {})})


def bundle_predictions(base, job_id, records, tmp: Path) -> pd.DataFrame:
    """The bundle's own predict.py (a separate Python, from the unzipped bundle) on the rows."""
    with urllib.request.urlopen(f"{base}/api/v1/jobs/{job_id}/models/m/bundle", timeout=60) as r:
        zipfile.ZipFile(io.BytesIO(r.read())).extractall(tmp)
    pd.DataFrame(records).to_csv(tmp / "rows.csv", index=False)
    out = subprocess.run([sys.executable, "predict.py", "rows.csv", "--proba"], cwd=tmp, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return pd.read_csv(io.StringIO(out.stdout))


@pytest.fixture(scope="module")
def app():
    home = tempfile.mkdtemp(prefix="playground-deploy-")
    with running_app("--workers", "1", home=home, timeout=60) as a:
        yield a


@pytest.fixture(scope="module")
def passed(app):
    """One passing run deployed as `iris`, and a key."""
    job = run(app.base, pipeline(0.5, "iris"))
    status, key = call(app.base, "/api/v1/keys", {"name": "tests"})
    assert status == 201, key
    return job, key


def test_a_passing_gate_deploys_a_version_in_production(app, passed):
    job, _ = passed
    gate, deploy = node(job, "g"), node(job, "x")
    value = job["results"]["metrics"]["e"]["values"]["accuracy"]
    assert gate["status"] == "completed" and gate["output"]["decision"] == "pass"
    assert gate["message"] == f"Accuracy {fmt_number(value)} ≥ 0.50: pass"
    assert deploy["status"] == "completed" and deploy["output"]["version"] == 1, deploy
    status, d = call(app.base, "/api/v1/deployments/iris")
    assert status == 200, d
    assert d["aliases"] == {"production": 1}
    [v] = d["versions"]
    assert (v["version"], v["job_id"], v["model_node_id"], v["deploy_node_id"]) == (1, job["id"], "m", "x")
    assert v["metrics"] == [{"accuracy": value, "f1": job["results"]["metrics"]["e"]["values"]["f1"]}]
    assert v["bundle_bytes"] > 0 and len(v["bundle_sha256"]) == 64
    assert [h["version"] for h in d["alias_history"]] == [1]
    status, listed = call(app.base, "/api/v1/deployments")
    assert status == 200 and [x["name"] for x in listed["deployments"]] == ["iris"]
    # the run's page says both, as the API does (a new user found neither on it)
    page = urllib.request.urlopen(f"{app.base}/jobs/{job['id']}", timeout=30).read().decode()
    assert outcome(page, "g") == html.escape(gate["message"], quote=False) and outcome(page, "x") == "iris version 1 is in production"
    # and first, above the warnings: what the run decided, with the way to the deployment (a new user found
    # the verdict only in the node table at the bottom)
    first = page.split('class="decisions"', 1)[1].split("</ul>", 1)[0]
    assert page.index('class="decisions"') < page.index('data-outcome="g"')
    assert 'data-decision="g"' in first and html.escape(gate["message"], quote=False) in first
    assert "iris version 1 is in production" in first and 'href="/deployments"' in first


def outcome(page: str, node_id: str) -> str:
    """The Outcome cell of a node on a run's page."""
    return page.split(f'data-outcome="{node_id}"', 1)[1].split(">", 1)[1].split("</td>", 1)[0]


def test_the_example_record_holds_a_typical_value_of_each_column_and_scores_without_a_warning(app, passed):
    """The Deployments page's "How to call it" row (the API's `example`) held each number's
    least value (a tester: an implausible flower, 4.3 / 2.0 / 1.0 / 0.1): it holds the middle
    of the training rows, between their quartiles, and is scored without a word."""
    from sklearn.datasets import load_iris

    job, key = passed
    [version] = [v for v in call(app.base, "/api/v1/deployments/iris")[1]["versions"] if v["version"] == 1]
    example = version["example"]
    assert list(example) == FEATURES, example
    train = load_iris(as_frame=True).frame[FEATURES]
    for name, value in example.items():
        low, high = train[name].quantile([0.25, 0.75])
        assert low <= value <= high and value in set(train[name]), (name, value, low, high)
        assert value != train[name].min(), (name, value)
    status, answer = predict(app.base, "iris", [example], key["key"])
    assert status == 200 and "warnings" not in answer, answer


TYPICAL = {  # a training column -> its typical value (None: none kept)
    "ages, whole numbers": (pd.Series([23, 35, 41, 41, 52, 67, 18, 90]), 41),
    "incomes, skewed": (pd.Series([18000.0, 21000.5, 25000.0, 27000.0, 31000.0, 2_500_000.0]), 25000.0),
    "losses below 0": (pd.Series([-30.0, -12.5, -7.0, -5.0, -22.0]), -12.5),
    "a margin across 0, with gaps": (pd.Series([-0.2, None, 0.05, 0.4, None, 0.1]), 0.05),
    "plans, one most frequent": (pd.Series(["pro", "free", "free", "team", "free", "pro"]), "free"),
    "cities, a tie": (pd.Series(["Oslo", "Bergen", "Oslo", "Bergen"]), "Bergen"),
    "codes written as text": (pd.Series(["11", "31", "31", None]), "31"),
    "true/false": (pd.Series([True, False, True, True]), True),
    "days": (pd.Series(pd.to_datetime(["2024-01-05", "2023-07-19", "2024-11-27", "2022-03-01"])), "2023-07-19"),
    "times": (pd.Series(pd.to_datetime(["2024-01-05 08:30", "2024-01-05 17:45", "2024-01-06 12:00"])),
              "2024-01-05T17:45:00"),
    "no value at all": (pd.Series([None, None, None], dtype=float), None),
}


@pytest.mark.parametrize("case", list(TYPICAL))
def test_a_models_card_keeps_a_typical_value_of_each_column_for_the_example_row(case):
    import playground_runtime
    from executor.deployments import example_record

    column, typical = TYPICAL[case]
    [feature] = playground_runtime.feature_schema(pd.DataFrame({"c": column}))
    assert feature.get("typical") == typical and type(feature.get("typical")) is type(typical), feature
    assert example_record({"features": [feature]}) == {"c": typical}
    json.dumps(feature)  # as the card is written


def test_an_example_row_from_a_card_made_before_it_kept_typical_values_is_plausible_too():
    """A version deployed before: the middle of each number's range (whole for whole numbers),
    a category's first; a column a Drop columns step removed is left out."""
    from executor.deployments import example_record

    card = {"features": [
        {"name": "age", "type": "numeric", "dtype": "int64", "min": 18.0, "max": 91.0},
        {"name": "margin", "type": "numeric", "dtype": "float64", "min": -0.2, "max": 0.4},
        {"name": "plan", "type": "categorical", "dtype": "str", "categories": ["free", "pro"]},
        {"name": "note", "type": "categorical", "dtype": "str", "categories": ["x"], "unused": True},
        {"name": "signed_up", "type": "datetime", "dtype": "datetime64[ns]"},
    ]}
    example = example_record(card)
    assert example == {"age": 54, "margin": pytest.approx(0.1), "plan": "free", "signed_up": None}, example
    assert isinstance(example["age"], int)


def test_a_failing_gate_skips_deploy_and_says_why(app):
    job = run(app.base, pipeline(0.99, "iris-fail"))
    value = job["results"]["metrics"]["e"]["values"]["accuracy"]
    assert value < 0.99  # this split and model: 0.978
    gate, deploy = node(job, "g"), node(job, "x")
    assert gate["status"] == "completed" and gate["output"]["decision"] == "fail"
    sentence = f"Accuracy {fmt_number(value)} < 0.99: fail"
    assert gate["message"] == sentence
    assert deploy["status"] == "skipped"
    assert sentence in deploy["message"] and "Pass output" in deploy["message"], deploy["message"]
    page = urllib.request.urlopen(f"{app.base}/jobs/{job['id']}", timeout=30).read().decode()
    assert outcome(page, "g") == html.escape(sentence, quote=False) and outcome(page, "x") == html.escape(deploy["message"], quote=False)
    first = page.split('class="decisions"', 1)[1].split("</ul>", 1)[0]
    assert html.escape(sentence, quote=False) in first and 'data-decision="x"' in first and "/deployments" not in first
    status, body = call(app.base, "/api/v1/deployments/iris-fail")
    assert status == 404 and "iris-fail" in body["detail"]


def test_predictions_over_http_are_the_bundle_predict_py_ones(app, passed, tmp_path):
    job, key = passed
    records = rows(40, start=50)
    status, answer = predict(app.base, "iris", records, key["key"])
    assert status == 200, answer
    assert answer["version"] == 1 and answer["rows"] == 40
    expected = bundle_predictions(app.base, job["id"], records, tmp_path)
    assert answer["predictions"] == expected["prediction"].tolist()
    # the classes are named as the predictions are: integers here, so a prediction finds its column
    assert answer["classes"] == [0, 1, 2] and set(answer["predictions"]) <= set(answer["classes"])
    probs = expected[[f"proba_{c}" for c in answer["classes"]]].to_numpy()
    assert abs(probs - pd.DataFrame(answer["probabilities"]).to_numpy()).max() <= 1e-12
    assert len(set(answer["predictions"])) > 1  # rows of two species: not a constant answer


def test_predict_needs_a_live_key_which_is_kept_only_as_a_hash(app, passed):
    _, key = passed
    assert key["key"].startswith(key["prefix"]) and key["name"] == "tests"
    status, body = predict(app.base, "iris", rows(2))
    assert status == 401 and "Bearer" in body["detail"]
    assert predict(app.base, "iris", rows(2), "pgk_not-a-key")[0] == 401
    status, made = call(app.base, "/api/v1/keys", {"name": "short-lived"})
    assert status == 201
    assert predict(app.base, "iris", rows(2), made["key"])[0] == 200
    status, revoked = call(app.base, f"/api/v1/keys/{made['id']}", method="DELETE")
    assert status == 200 and revoked["revoked_at"] is not None
    status, body = predict(app.base, "iris", rows(2), made["key"])
    assert status == 401 and f"The API key {made['prefix']}… was revoked" in body["detail"], body
    # logged under its prefix (a new user could not see which client still sent it); a text
    # that is no key this server made is logged with none
    recent = details(app.base, "iris")["stats"]["recent_errors"]
    assert any(e["status"] == 401 and e["key_prefix"] == made["prefix"] for e in recent), recent
    predict(app.base, "iris", rows(2), "pgk_secret-of-someone-else")
    newest = sqlite3.connect(Path(app.home) / "playground.db").execute(
        "SELECT key_prefix, status FROM prediction_log ORDER BY rowid DESC LIMIT 1").fetchone()
    assert newest == (None, 401)
    assert call(app.base, "/api/v1/keys/key_nope", method="DELETE")[0] == 404
    status, keys = call(app.base, "/api/v1/keys")
    listed = {k["id"]: k for k in keys["keys"]}
    assert listed[made["id"]]["last_used_at"] is not None
    assert all("key" not in k for k in keys["keys"])
    db = sqlite3.connect(Path(app.home) / "playground.db")
    stored = db.execute("SELECT * FROM api_keys").fetchall()
    assert stored and not any(made["key"] in map(str, row) or key["key"] in map(str, row) for row in stored)
    db.close()
    assert call(app.base, "/api/v1/keys", {"name": ""})[0] == 422


def test_rows_that_cannot_be_scored_are_refused_naming_the_column(app, passed):
    _, key = passed
    without = [{k: v for k, v in r.items() if k != "petal width (cm)"} for r in rows(3)]
    status, body = predict(app.base, "iris", without, key["key"])
    assert status == 422 and "missing column" in body["detail"] and "petal width (cm)" in body["detail"], body
    # the same record among others is refused too, by its place (it was scored as a gap: a tester); null is a gap
    status, body = predict(app.base, "iris", [*rows(2), without[0]], key["key"])
    assert status == 422 and body["detail"] == (
        "These rows cannot be scored: record 3 leaves out 'petal width (cm)' (send every column in every record; a "
        'missing value is sent as null: "petal width (cm)": null).'), body
    status, body = predict(app.base, "iris", [*rows(2), {**without[0], "petal width (cm)": None}], key["key"])
    assert status == 200 and body["rows"] == 3, body
    wrong = [{**r, "sepal width (cm)": "wide"} for r in rows(3)]
    status, body = predict(app.base, "iris", wrong, key["key"])
    assert status == 422 and "wrong type" in body["detail"] and "sepal width (cm)" in body["detail"], body
    status, body = predict(app.base, "iris", [{**rows(1)[0], "colour": "blue"}], key["key"])
    assert status == 422 and "colour" in body["detail"], body
    # empty records are said as such (it was "a header but no data rows", a CSV's words)
    status, body = predict(app.base, "iris", [{}], key["key"])
    assert status == 422 and body["detail"].startswith("The record is empty ({})"), body
    assert "(GET /api/v1/deployments/iris lists them)" in body["detail"], body  # not '{name}' (a new user saw it)
    # JSON's true among numbers is named, with its row (it was "values like '1.0'", no row: true == 1.0)
    status, body = predict(app.base, "iris", [*rows(2), {**rows(1)[0], "sepal width (cm)": True}], key["key"])
    assert status == 422 and "'sepal width (cm)' should hold numbers (values like 'true', the first in row 3)" in (
        body["detail"]), body
    status, body = predict(app.base, "iris", [{}, {}], key["key"])
    assert status == 422 and body["detail"].startswith("Every record is empty ({})"), body
    # a record with no value in any column is not scored from gaps alone (a CSV body's blank line is
    # not scored either): refused, by its place
    blank = {k: None for k in rows(1)[0]}
    status, body = predict(app.base, "iris", [*rows(2), blank, {}], key["key"])
    assert status == 422 and body["detail"].startswith("Records 3, 4 have no value in any column"), body
    # a nested value, shallow or past the depth other bodies may have (orjson reads up to 1,024
    # levels without a depth check first), is named as such; deeper is refused by the reader
    for depth in (1, 500):
        nested = json.loads("[" * depth + "1" + "]" * depth)
        status, body = predict(app.base, "iris", [{**rows(1)[0], "sepal width (cm)": nested}], key["key"])
        assert status == 422 and "sepal width (cm)" in body["detail"] and "is a list" in body["detail"], body
    deep = json.dumps({"records": rows(1)})[:-1] + ', "x": ' + "[" * 5000 + "]" * 5000 + "}"
    status, body = call(app.base, "/api/v1/deployments/iris/predict", raw=deep.encode(),
                        headers={"Authorization": f"Bearer {key['key']}"})
    assert status == 400 and "nested more than 200 levels" in body["detail"], body
    status, body = predict(app.base, "iris", rows(1) * 10_001, key["key"])
    assert status == 413 and "10,000" in body["detail"], body
    status, body = call(app.base, "/api/v1/deployments/iris/predict", {"rows": []},
                        headers={"Authorization": f"Bearer {key['key']}"})
    assert status == 422 and "records" in body["detail"]
    assert predict(app.base, "nobody", rows(1), key["key"])[0] == 404


def test_moving_the_alias_back_answers_with_the_earlier_version(app, passed):
    _, key = passed
    records = rows(30, start=60)
    first = predict(app.base, "iris", records, key["key"])[1]
    second_job = run(app.base, pipeline(0.5, "iris", algorithm="decision_tree"))
    assert node(second_job, "x")["output"]["version"] == 2
    now = predict(app.base, "iris", records, key["key"])[1]
    assert now["version"] == 2
    status, moved = call(app.base, "/api/v1/deployments/iris/alias", {"alias": "production", "version": 1}, method="PUT")
    assert status == 200 and moved["aliases"] == {"production": 1}, moved
    back = predict(app.base, "iris", records, key["key"])[1]
    assert back["version"] == 1
    assert back["predictions"] == first["predictions"] and back["probabilities"] == first["probabilities"]
    assert [(h["version"], h["previous"]) for h in moved["alias_history"]] == [(1, None), (2, 1), (1, 2)]
    # a version it does not have: the sentence lists those it has (a tester had to look them up)
    status, said = call(app.base, "/api/v1/deployments/iris/alias", {"alias": "production", "version": 9}, method="PUT")
    assert status == 404 and said["detail"] == "Deployment 'iris' has no version 9: its versions are 1 and 2.", said
    assert call(app.base, "/api/v1/deployments/iris/alias", {"alias": "staging", "version": 1}, method="PUT")[0] == 422
    # a move to where the alias is records nothing; a missing alias and an unknown field are said (found by a new user)
    status, same = call(app.base, "/api/v1/deployments/iris/alias", {"alias": "production", "version": 1}, method="PUT")
    assert status == 200 and len(same["alias_history"]) == 3, same
    status, said = call(app.base, "/api/v1/deployments/iris/alias", {"version": 2}, method="PUT")
    assert status == 422 and said["detail"] == 'Say which alias to move: {"alias": "production", "version": N}.'
    status, said = call(app.base, "/api/v1/deployments/iris/alias", {"alias": "production", "version": 2,
                                                                      "why": "rollback"}, method="PUT")
    assert status == 422 and said["detail"] == ("Unknown field 'why': moving an alias takes "
                                                 '{"alias": "production", "version": N}.'), said
    assert call(app.base, "/api/v1/deployments/iris")[1]["aliases"] == {"production": 1}
    # a CSV answer says in its headers which version answered, and the warnings the JSON answer gives
    # (a new user could not see the rollback from a CSV client)
    frame = pd.DataFrame(records).astype({"petal width (cm)": object})
    frame.loc[0, "petal width (cm)"] = None
    req = urllib.request.Request(f"{app.base}/api/v1/deployments/iris/predict", method="POST",
                                 data=frame.to_csv(index=False).encode(),
                                 headers={"Content-Type": "text/csv", "Accept": "text/csv",
                                          "Authorization": f"Bearer {key['key']}"})
    with urllib.request.urlopen(req, timeout=60) as r:
        assert (r.headers["X-Deployment"], r.headers["X-Alias"], r.headers["X-Version"]) == ("iris", "production", "1")
        warned = json.loads(r.headers["X-Warnings"])
    assert len(warned) == 1 and warned[0].startswith("1 row has empty cells in 'petal width (cm)'"), warned
    status, said = call(app.base, "/api/v1/jobs/nope/models/m/deploy", {})
    assert status == 422 and said["detail"].startswith("Name the deployment: a deployment name is "), said


def test_with_a_token_needed_predict_takes_a_deployment_key_only(tmp_path):
    """The app's own token and its session cookie open the editor and the API, not the
    predict endpoint; a deployment key gets past the sign-in to it (the route then answers),
    and nothing else; the cross-site rule still holds."""
    from dataclasses import replace

    from starlette.testclient import TestClient

    from app import create_app
    from data.config import settings
    from web.auth import Access

    token = "the-app-token-0123456789"
    app = create_app(replace(settings(), home=tmp_path), Access.with_token(token))
    path, body = "/api/v1/deployments/nope/predict", {"records": rows(1)}
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/api/v1/keys", json={"name": "k"}).status_code == 401  # keys: behind the app's token
        made = client.post("/api/v1/keys", json={"name": "k"}, headers={"Authorization": f"Bearer {token}"})
        assert made.status_code == 201
        key = made.json()["key"]
        assert client.post(path, json=body).status_code == 401  # nothing shown: the sign-in answers
        r = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401 and "API key" in r.json()["detail"] and r.headers["www-authenticate"] == "Bearer"
        r = client.post(path, json=body, headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 404 and "nope" in r.json()["detail"]  # past the sign-in: the route answered
        r = client.post(path, json=body, headers={"Authorization": f"Bearer {key}", "Origin": "http://evil.example"})
        assert r.status_code == 403
        assert client.get(f"/login?token={token}", follow_redirects=False).status_code == 303  # a session cookie
        r = client.post(path, json=body)
        assert r.status_code == 401 and "API key" in r.json()["detail"]  # the cookie is not a key
        r = client.put("/api/v1/deployments/nope/alias", json={"alias": "production", "version": 1},
                       headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 401  # a key opens predict only
    app.state.ingest.close()


def test_a_rerun_served_from_the_node_cache_finds_its_model_already_deployed():
    """With the node cache on, a second run reuses Dataset … Gate and runs Deploy again (it is
    never reused): the reused model is the one version 1 holds, so no identical version 2 is
    made and the node says which version it already was."""
    with running_app("--workers", "1", env={"PLAYGROUND_CACHE_MB": "256"},
                     home=tempfile.mkdtemp(prefix="playground-deploy-cache-"), timeout=60) as a:
        first = run(a.base, pipeline(0.5, "cached"))
        status, wf = call(a.base, f"/api/v1/workflows/{first['workflow_id']}/run", {})
        assert status == 202, wf
        job_id = wf["job_id"]
        assert wait_for(lambda: call(a.base, f"/api/v1/jobs/{job_id}")[1]["status"] in ("completed", "failed"), 180)
        again = call(a.base, f"/api/v1/jobs/{job_id}")[1]
        assert {n["node_id"]: n["status"] for n in again["nodes"]} == {
            "d": "cached", "s": "cached", "m": "cached", "e": "cached", "g": "cached", "x": "completed"}, again
        assert node(again, "g")["message"].endswith(": pass")
        deploy = node(again, "x")
        assert (deploy["output"]["version"], deploy["output"]["created"]) == (1, False), deploy
        assert deploy["message"] == "This model was already version 1 of cached, in production: no new version"
        d = call(a.base, "/api/v1/deployments/cached")[1]
        assert [v["version"] for v in d["versions"]] == [1] and len(d["alias_history"]) == 1
        assert d["versions"][0]["job_id"] == first["id"]


# --------------------------------------------------------------------------- the gate, in the engine
def gate_graph(dataset, problem, algorithm, metrics, gate):
    plot = "confusion_matrix" if problem == "classification" else "residuals"
    nodes = [
        {"id": "d", "type": "dataset", "config": {"dataset_id": dataset, "target_column": "target",
                                                   "problem_type": problem}},
        {"id": "s", "type": "split", "config": {"test_size": 0.3, "random_seed": 1}},
        {"id": "m", "type": "model", "config": {"algorithm": algorithm}},
        {"id": "e", "type": "evaluate", "config": {"metrics": metrics}},
        {"id": "g", "type": "gate", "config": gate},
        {"id": "p", "type": "visualize", "config": {"plots": [plot]}},
        {"id": "f", "type": "visualize", "config": {"plots": [plot]}},
    ]
    edges = [{"source": a, "target": b} for a, b in (("d", "s"), ("s", "m"), ("m", "e"), ("e", "g"))]
    edges += [{"source": "g", "source_port": "pass", "target": "p"}, {"source": "g", "source_port": "fail", "target": "f"}]
    return {"nodes": nodes, "edges": edges}


def test_an_error_metric_passes_at_or_below_its_threshold():
    from executor.engine import run_workflow

    said = {}
    for threshold in (1000.0, 1.0):
        result = run_workflow(gate_graph("diabetes", "regression", "linear_regression", ["rmse", "r2"],
                                         {"metric": "rmse", "threshold": threshold}), lambda e: None)
        rmse = result["metrics"]["e"]["values"]["rmse"]
        assert 1.0 < rmse < 1000.0
        said[threshold] = (result["nodes"]["g"]["message"], result["nodes"]["p"]["status"],
                           result["nodes"]["f"]["status"])
    assert said[1000.0] == (f"Root mean squared error {fmt_number(rmse)} ≤ 1000.00: pass", "completed", "skipped")
    assert said[1.0] == (f"Root mean squared error {fmt_number(rmse)} > 1.00: fail", "skipped", "completed")


def test_the_gate_scores_a_metric_evaluate_did_not_choose_as_evaluate_would():
    from executor.engine import run_workflow

    judged = run_workflow(gate_graph("wine", "classification", "logistic_regression", ["accuracy"],
                                     {"metric": "balanced_accuracy", "threshold": 0.5}), lambda e: None)
    evaluated = run_workflow(gate_graph("wine", "classification", "logistic_regression", ["balanced_accuracy"],
                                        {"metric": "balanced_accuracy", "threshold": 0.5}), lambda e: None)
    assert judged["nodes"]["g"]["output"]["value"] == evaluated["metrics"]["e"]["values"]["balanced_accuracy"]
    assert judged["nodes"]["g"]["output"]["decision"] == "pass"


def test_a_gate_refuses_a_metric_the_model_does_not_offer_or_without_a_direction_and_needs_a_threshold():
    from executor.engine import resolve

    def errors(gate):
        return resolve(gate_graph("iris", "classification", "logistic_regression", ["accuracy"], gate)
                       ).field_errors.get("g", {})

    assert errors({"metric": "accuracy", "threshold": 0.9}) == {}
    assert "rmse" in errors({"metric": "rmse", "threshold": 0.9})["metric"]
    assert "accuracy" in errors({"metric": "confusion_matrix", "threshold": 0.9})["metric"]  # offered instead
    assert errors({"metric": "accuracy"}) == {"threshold": "Threshold needs a value."}
    assert "number" in errors({"metric": "accuracy", "threshold": "high"})["threshold"]


def test_the_sentence_never_shows_a_failing_value_as_the_threshold():
    from nodes.gate import verdict

    assert verdict("accuracy", 0.8999, 0.9, "higher")["message"] == "accuracy 0.8999 < 0.90: fail"
    assert verdict("accuracy", 0.89999, 0.9, "higher")["message"] == "accuracy 0.89999 < 0.90: fail"
    assert verdict("accuracy", 0.9, 0.9, "higher")["message"] == "accuracy 0.9000 ≥ 0.90: pass"
    assert verdict("rmse", 2.5, 2.5, "lower")["message"] == "rmse 2.500 ≤ 2.50: pass"
    assert verdict("accuracy", 0.912, 0.875, "higher")["message"] == "accuracy 0.9120 ≥ 0.875: pass"


# --------------------------------------------------------------------------- request log and stats
def details(base, name) -> dict:
    status, d = call(base, f"/api/v1/deployments/{name}")
    assert status == 200, d
    return d


def test_every_request_is_logged_with_its_latency_in_parts_and_counted_in_the_stats(app, passed):
    _, key = passed
    before = details(app.base, "iris")["stats"]
    assert predict(app.base, "iris", rows(5), key["key"])[0] == 200
    assert predict(app.base, "iris", rows(7, start=20), key["key"])[0] == 200
    assert predict(app.base, "iris", rows(2))[0] == 401
    assert predict(app.base, "iris", [{"colour": "blue"}], key["key"])[0] == 422
    assert predict(app.base, "nobody-here", rows(1), key["key"])[0] == 404  # no such deployment: nothing to log on
    # a body of another type is refused by the endpoint, in its log, naming both types it takes
    status, _, text = predict_body(app.base, "iris", b"<rows/>", "application/xml", key["key"])
    assert status == 415 and json.loads(text)["detail"] == (
        'Send the rows as JSON (Content-Type: application/json, {"records": [...]}) or as CSV '
        "(Content-Type: text/csv), not application/xml."), text
    after = details(app.base, "iris")["stats"]
    assert after["requests"] - before["requests"] == 5
    assert after["rows_scored"] - before["rows_scored"] == 12
    assert after["per_hour"][-1]["requests"] - before["per_hour"][-1]["requests"] == 5
    assert len(after["per_hour"]) == 24 and after["window_hours"] == 24 and after["log_kept"] == 100_000
    grew = {s: n - before["errors_by_status"].get(s, 0) for s, n in after["errors_by_status"].items()}
    assert {s: n for s, n in grew.items() if n} == {"401": 1, "415": 1, "422": 1}
    assert after["recent_errors"][1]["status"] == 422 and "colour" in after["recent_errors"][1]["error"]
    assert after["recent_errors"][0]["status"] == 415 and after["recent_errors"][0]["key_prefix"] == key["prefix"]
    for part in ("total", "parse", "validate", "predict"):
        p = after["latency_ms"][part]
        assert 0 <= p["p50"] <= p["p95"] <= p["p99"], (part, p)
    db = sqlite3.connect(Path(app.home) / "playground.db")
    db.row_factory = sqlite3.Row
    logged = [dict(r) for r in db.execute("SELECT * FROM prediction_log WHERE deployment = 'iris' ORDER BY id DESC "
                                          "LIMIT 5")][::-1]
    db.close()
    assert [(r["status"], r["rows"], r["key_prefix"]) for r in logged] == [
        (200, 5, key["prefix"]), (200, 7, key["prefix"]), (401, None, None), (422, 1, key["prefix"]),
        (415, None, key["prefix"])]
    ok = logged[0]
    assert ok["version"] is not None and ok["total_ms"] >= ok["parse_ms"] + ok["validate_ms"] + ok["predict_ms"] > 0
    assert logged[3]["predict_ms"] is None and logged[3]["validate_ms"] is None  # refused while checking the rows
    status, listed = call(app.base, "/api/v1/deployments")
    summary = next(x for x in listed["deployments"] if x["name"] == "iris")
    assert summary["requests_24h"] == after["requests"] and summary["errors_24h"] == sum(after["errors_by_status"].values())
    assert summary["latency_p50_ms"] == after["latency_ms"]["total"]["p50"]


def test_the_request_that_loads_a_version_logs_its_loading_as_a_part_of_its_own(app, passed):
    """A version's first request in the web process loads its model: that time was in the
    total and in no part, so the page showed a total p50 ten times its parts (a fresh-eyes
    pass). It is its own part now; the requests after it load nothing."""
    job, key = passed
    status, made = call(app.base, f"/api/v1/jobs/{job['id']}/models/m/deploy", {"name": "iris-load"})
    assert status == 201, made
    for _ in range(2):
        assert predict(app.base, "iris-load", rows(3), key["key"])[0] == 200
    db = sqlite3.connect(Path(app.home) / "playground.db")
    logged = db.execute("SELECT load_ms, parse_ms, validate_ms, predict_ms, total_ms FROM prediction_log "
                        "WHERE deployment = 'iris-load' ORDER BY id").fetchall()
    db.close()
    (load, *parts, total), (again, *_) = logged
    assert load > 0 and again is None
    assert total >= load + sum(parts)
    stats = details(app.base, "iris-load")["stats"]
    assert stats["latency_ms"]["load"]["p50"] == round(load, 3)


@pytest.mark.parametrize("count, said", [(1, "its only version is 1"), (2, "its versions are 1 and 2"),
                                          (3, "its versions are 1 to 3"), (40, "its versions are 1 to 40")])
def test_moving_an_alias_to_a_version_a_deployment_lacks_names_the_versions_it_has(tmp_path, count, said):
    """PUT /api/v1/deployments/{name}/alias to version 9 said only "has no version 9" (a tester):
    the store's refusal (the API's and the Deployments page's) lists the versions there are."""
    from dataclasses import replace

    from data.config import settings
    from data.store import NotFound, Store

    store = Store(replace(settings(), home=tmp_path))
    for v in range(1, count + 1):
        store.add_model_version("churn", f"bundle {v}".encode(), {"target": "y"}, job_id=f"job_{v}",
                                model_node_id="m", deploy_node_id=None, why="test", model_sha256=f"{v:064x}")
    for wrong in (count + 1, 99):
        with pytest.raises(NotFound) as e:
            store.move_alias("churn", "production", wrong)
        assert str(e.value) == f"Deployment 'churn' has no version {wrong}: {said}.", str(e.value)
    with pytest.raises(NotFound, match=r"^No deployment 'nobody'\.$"):  # no deployment: no versions to list
        store.move_alias("nobody", "production", 1)


@pytest.mark.parametrize("versions, said", [([1, 2, 5, 6, 7, 8, 9, 12], "its versions are 1, 2, 5 to 9 and 12"),
                                            ([3, 7], "its versions are 3 and 7"), ([2, 3, 4, 7, 8], "its versions are 2 to 4, 7 and 8")])
def test_versions_with_gaps_are_said_by_their_runs(versions, said):
    from data.store import versions_said

    assert versions_said(versions) == said


def test_the_request_log_keeps_the_newest_rows_of_each_deployment(tmp_path):
    from dataclasses import replace

    from data.config import settings
    from data.store import Store

    store = Store(replace(settings(), home=tmp_path))
    for i in range(10):
        for name in ("a", "b"):  # odd ids for a, even ones for b
            store.log_prediction({"deployment": name, "status": 200, "rows": i, "total_ms": 1.0}, keep=3, trim_every=4)
    kept = {name: [r["rows"] for r in store.prediction_log(name, 0)] for name in ("a", "b")}
    # trimmed at the 4th, 8th … 20th row written: every deployment down to its newest 3 (the two
    # deployments take turns, so a trim of only the one just written would never trim "a")
    assert kept == {"a": [7, 8, 9], "b": [7, 8, 9]}, kept
    store.trim_prediction_log("a", 2)
    assert [r["rows"] for r in store.prediction_log("a", 0)] == [8, 9]


# --------------------------------------------------------------------------- CSV bodies
def predict_csv(base, name, frame, key, accept="application/json", encoding="utf-8", content_type="text/csv"):
    return predict_body(base, name, frame.to_csv(index=False).encode(encoding), content_type, key, accept)


def predict_body(base, name, body: bytes, content_type, key, accept="application/json"):
    req = urllib.request.Request(f"{base}/api/v1/deployments/{name}/predict", method="POST", data=body,
                                 headers={"Content-Type": content_type, "Accept": accept,
                                          "Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.headers.get("content-type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("content-type"), e.read().decode()


def test_a_csv_body_is_scored_like_the_same_records(app, passed):
    _, key = passed
    records = rows(25, start=40)
    frame = pd.DataFrame(records)
    expected = predict(app.base, "iris", records, key["key"])[1]
    status, kind, text = predict_csv(app.base, "iris", frame, key["key"])
    assert status == 200 and kind.startswith("application/json"), text
    answer = json.loads(text)
    assert answer["predictions"] == expected["predictions"] and answer["probabilities"] == expected["probabilities"]
    status, kind, text = predict_csv(app.base, "iris", frame, key["key"], accept="text/csv")
    assert status == 200 and kind.startswith("text/csv"), text
    back = pd.read_csv(io.StringIO(text))
    assert list(back.columns) == ["prediction", "proba_0", "proba_1", "proba_2"]
    assert back["prediction"].tolist() == expected["predictions"]
    status, _, text = predict_csv(app.base, "iris", frame.drop(columns=["petal width (cm)"]), key["key"])
    assert status == 422 and "petal width (cm)" in json.loads(text)["detail"], text
    status, _, text = predict_csv(app.base, "iris", frame.assign(**{"sepal width (cm)": "wide"}), key["key"])
    assert status == 422 and "sepal width (cm)" in json.loads(text)["detail"], text
    status, _, text = predict_csv(app.base, "iris", pd.concat([frame] * 401), key["key"])  # 10,025 rows
    assert status == 413 and "10,000" in json.loads(text)["detail"], text
    status, _, text = predict_csv(app.base, "iris", frame.iloc[:0], key["key"])
    assert status == 422 and json.loads(text)["detail"] == "The CSV body has a header but no data rows.", text
    for endless in ("inf", "-Infinity", "1e400"):  # a 500 before (found by a new user)
        status, _, text = predict_csv(app.base, "iris", frame.astype({"sepal width (cm)": object})
                                      .assign(**{"sepal width (cm)": endless}), key["key"])
        assert status == 422 and "infinite values in 'sepal width (cm)'" in json.loads(text)["detail"], text
    status, _, text = predict_csv(app.base, "iris", frame, "pgk_nope")
    assert status == 401


def test_a_key_with_spaces_around_a_column_name_is_scored_and_said(app, passed):
    """' sepal width (cm)' for 'sepal width (cm)' was matched without a word (a tester). The app's
    upload, Score a file and predict.py read a CSV header's names without the spaces around them
    ('a, b' is a way of writing a file), so the endpoint matches a JSON key so too, and says it in
    the warnings (and X-Warnings); a CSV body's header is read as an upload's, saying nothing."""
    _, key = passed
    records = rows(3, start=70)
    expected = predict(app.base, "iris", records, key["key"])[1]
    assert "warnings" not in expected, expected
    cases = {  # the keys as sent -> the names they were taken as
        (" sepal width (cm)",): ["sepal width (cm)"],
        ("petal length (cm) ",): ["petal length (cm)"],
        ("\tsepal length (cm)", "  petal width (cm)  "): ["sepal length (cm)", "petal width (cm)"],
    }
    for padded, names in cases.items():
        rename = dict(zip(names, padded))
        sent = [{rename.get(k, k): v for k, v in r.items()} for r in records]
        status, answer = predict(app.base, "iris", sent, key["key"])
        assert status == 200 and answer["predictions"] == expected["predictions"], answer
        [said] = answer["warnings"]
        assert said.startswith(f"The key{'s' if len(padded) > 1 else ''} {', '.join(map(repr, padded))} "
                               f"{'were' if len(padded) > 1 else 'was'} taken as {', '.join(map(repr, names))}, "
                               "without the spaces around"), said
        req = urllib.request.Request(f"{app.base}/api/v1/deployments/iris/predict", method="POST",
                                     data=json.dumps({"records": sent}).encode(),
                                     headers={"Content-Type": "application/json", "Accept": "text/csv",
                                              "Authorization": f"Bearer {key['key']}"})
        with urllib.request.urlopen(req, timeout=60) as r:
            assert json.loads(r.headers["X-Warnings"]) == [said]
    # near misses: a CSV header written 'a, b' (read as the upload reads it), a name inside of which a space is
    # the model's own; and a key that is another column once trimmed is still refused
    status, _, text = predict_body(app.base, "iris", pd.DataFrame(records).to_csv(index=False).replace(",", ", ")
                                   .encode(), "text/csv", key["key"])
    assert status == 200 and "warnings" not in json.loads(text), text
    status, answer = predict(app.base, "iris", [{**r, " colour ": "blue"} for r in records], key["key"])
    assert status == 422 and "unknown column 'colour'" in answer["detail"], answer
    status, answer = predict(app.base, "iris", [{**r, " sepal width (cm)": 3.0} for r in records], key["key"])
    assert status == 422 and "unknown column ' sepal width (cm)'" in answer["detail"], answer


def test_a_body_that_is_not_what_its_content_type_says_is_named_over_http_and_logged(app, passed):
    """An Excel workbook posted as text/csv is a 415 naming it (it was the csv module's "new-line
    character seen in unquoted field"); CSV posted as JSON a 400 saying to send text/csv; both
    logged with the key, as any request (tests/test_predict_body_kind.py has the classes)."""
    import openpyxl

    _, key = passed
    frame = pd.DataFrame(rows(5))
    wb = openpyxl.Workbook()
    for row in [list(frame.columns), *frame.itertuples(index=False)]:
        wb.active.append(list(row))
    xlsx = io.BytesIO()
    wb.save(xlsx)
    status, _, text = predict_body(app.base, "iris", xlsx.getvalue(), "text/csv", key["key"])
    assert status == 415 and json.loads(text)["detail"].startswith(
        "The CSV body is an Excel workbook (.xlsx), not CSV text. Save the sheet as CSV"), text
    status, _, text = predict_body(app.base, "iris", frame.to_csv(index=False).encode(), "application/json", key["key"])
    assert status == 400 and json.loads(text)["detail"].startswith(
        "The request body is not JSON but a CSV table (4 columns separated by commas), sent with Content-Type: "
        "application/json. Send a CSV body with Content-Type: text/csv"), text
    logged = call(app.base, "/api/v1/deployments/iris")[1]["stats"]["recent_errors"][:2]
    assert [(e["status"], e["key_prefix"]) for e in logged] == [(400, key["prefix"]), (415, key["prefix"])], logged


def test_rows_wider_than_the_model_allows_are_refused_by_their_column_count(app, passed):
    """The iris model knows 5 columns (4 features, the target set aside): a request may name
    105 (5 + 100, more than 2 × 5), in one record, in all its records together, or in a CSV
    header; more is a 413 naming the limit, answered before a frame is built, and logged."""
    _, key = passed
    one = rows(1)[0]
    extra = {f"x{i}": 0 for i in range(101)}
    status, body = predict(app.base, "iris", [{**one, **extra}], key["key"])  # 105 columns: as wide as allowed
    assert status == 422 and "x0" in body["detail"] and "105" not in body["detail"], body
    status, body = predict(app.base, "iris", [{**one, **extra, "x101": 0}], key["key"])
    assert status == 413, body
    assert body["detail"].startswith("Record 1 has 106 columns; a request may send at most 105: the model knows 5 "), body
    assert "twice that or that plus 100" in body["detail"]
    huge = {f"c{i}": 0 for i in range(100_000)}
    status, body = predict(app.base, "iris", rows(2) + [{**one, **huge}], key["key"])
    assert status == 413 and "Record 3 has 100,004 columns" in body["detail"] and "at most 105" in body["detail"], body
    spread = [{**r, **{f"r{i}_{j}": 0 for j in range(40)}} for i, r in enumerate(rows(3))]  # 44 each, 124 together
    status, body = predict(app.base, "iris", spread, key["key"])
    assert status == 413 and body["detail"].startswith("Records 1 to 3 name 124 columns; a request may send at most "
                                                       "105"), body
    wide = pd.DataFrame([{**r, **{f"x{i}": 0 for i in range(102)}} for r in rows(5)])
    status, _, text = predict_csv(app.base, "iris", wide, key["key"])
    assert status == 413 and json.loads(text)["detail"].startswith("The CSV header has 106 columns; a request may "
                                                                   "send at most 105"), text
    status, _, text = predict_csv(app.base, "iris", wide.iloc[:, :105], key["key"])
    assert status == 422 and "x0" in json.loads(text)["detail"], text
    errors = call(app.base, "/api/v1/deployments/iris")[1]["stats"]["recent_errors"]
    assert any(e["status"] == 413 and "The CSV header has 106 columns" in (e.get("error") or "") for e in errors), errors


# --------------------------------------------------------------------------- Deploy… on a trained model
def test_a_trained_model_of_a_finished_run_is_deployed_by_hand(app, passed):
    job, key = passed
    status, made = call(app.base, f"/api/v1/jobs/{job['id']}/models/m/deploy", {"name": "by-hand"})
    assert status == 201, made
    assert (made["deployment"], made["version"], made["model_node_id"]) == ("by-hand", 1, "m")
    d = details(app.base, "by-hand")
    assert d["aliases"] == {"production": 1} and d["versions"][0]["job_id"] == job["id"]
    assert d["versions"][0]["deploy_node_id"] is None and "by hand" in d["alias_history"][0]["why"]
    assert d["versions"][0]["metrics"] == [job["results"]["metrics"]["e"]["values"]]  # the finished run's metrics
    status, answer = predict(app.base, "by-hand", rows(10, start=90), key["key"])
    assert status == 200 and answer["version"] == 1 and answer["rows"] == 10
    # the same model again: no identical version 2, the answer says which version it is
    status, again = call(app.base, f"/api/v1/jobs/{job['id']}/models/m/deploy", {"name": "by-hand"})
    assert status == 200 and (again["version"], again["created"]) == (1, False), again
    assert again["message"] == "This model was already version 1 of by-hand, in production: no new version"
    d = details(app.base, "by-hand")
    assert [v["version"] for v in d["versions"]] == [1] and len(d["alias_history"]) == 1
    status, body = call(app.base, f"/api/v1/jobs/{job['id']}/models/m/deploy", {"name": "no spaces"})
    assert status == 422 and "letters, digits" in body["detail"]
    status, body = call(app.base, f"/api/v1/jobs/{job['id']}/models/e/deploy", {"name": "x"})
    assert status == 404 and "'m'" in body["detail"], body
    assert call(app.base, "/api/v1/jobs/job_nope/models/m/deploy", {"name": "x"})[0] == 404


def test_deploying_a_model_the_deployment_has_puts_that_version_back_in_production(app, passed):
    """Deployed by hand, by a Deploy node, then the first model again by hand: production
    goes back to version 1 (a move in the history, saying why) and no version 3 is made. A
    re-run of the second workflow trains the same tree again (the same rows and seed: the same
    model file), so its Deploy node puts version 2 back rather than making an identical one."""
    job, _ = passed
    assert call(app.base, f"/api/v1/jobs/{job['id']}/models/m/deploy", {"name": "again"})[1]["version"] == 1
    tree = run(app.base, pipeline(0.5, "again", algorithm="decision_tree"))
    assert node(tree, "x")["output"]["version"] == 2 and node(tree, "x")["output"]["created"]
    status, made = call(app.base, f"/api/v1/jobs/{job['id']}/models/m/deploy", {"name": "again"})
    assert status == 200 and (made["version"], made["created"]) == (1, False), made
    assert made["message"] == "This model was already version 1 of again: no new version, production points at " \
                              "version 1 again"
    d = details(app.base, "again")
    assert [v["version"] for v in d["versions"]] == [2, 1] and d["aliases"] == {"production": 1}
    assert [(h["version"], h["previous"]) for h in d["alias_history"]] == [(1, None), (2, 1), (1, 2)]
    assert d["alias_history"][-1]["why"].endswith("the same model as version 1, no new version")
    status, body = call(app.base, f"/api/v1/workflows/{tree['workflow_id']}/run", {})
    assert status == 202, body
    assert wait_for(lambda: call(app.base, f"/api/v1/jobs/{body['job_id']}")[1]["status"] in ("completed", "failed"),
                    180)
    rerun = call(app.base, f"/api/v1/jobs/{body['job_id']}")[1]
    assert node(rerun, "x")["status"] == "completed", rerun
    said = node(rerun, "x")
    assert (said["output"]["version"], said["output"]["created"]) == (2, False)
    assert said["message"] == "This model was already version 2 of again: no new version, production points at " \
                              "version 2 again"
    d = details(app.base, "again")
    assert len(d["versions"]) == 2 and d["aliases"] == {"production": 2} and len(d["alias_history"]) == 4


# --------------------------------------------------------------------------- must beat production by Δ
def delta_pipeline(name, gate, model=None):
    graph = pipeline(0.5, name)
    for n in graph["nodes"]:
        if n["id"] == "g":
            n["config"].update(gate)
        if n["id"] == "m" and model:
            n["config"] = model
    return graph


def test_the_gate_must_beat_production_by_its_margin(app):
    weak = {"algorithm": "decision_tree", "hyperparameters": {"max_depth": 1}}
    gate = {"deployment": "delta", "min_improvement": 0.01}
    first = run(app.base, delta_pipeline("delta", gate, weak))  # no production yet: the threshold decides
    weak_value = first["results"]["metrics"]["e"]["values"]["accuracy"]
    assert node(first, "g")["message"] == (f"Accuracy {fmt_number(weak_value)} ≥ 0.50: pass (no production version of delta "
                                           "yet: decided on the threshold alone)")
    assert node(first, "x")["output"]["version"] == 1
    better = run(app.base, delta_pipeline("delta", gate))
    value = better["results"]["metrics"]["e"]["values"]["accuracy"]
    assert value - weak_value > 0.01
    assert node(better, "g")["message"] == (f"Accuracy {fmt_number(value)} vs production {fmt_number(weak_value)} "
                                            f"(+{fmt_number(value - weak_value)} ≥ +0.01) and ≥ 0.50: pass")
    assert node(better, "g")["output"]["compared_with"]["version"] == 1
    assert node(better, "x")["output"]["version"] == 2
    same = run(app.base, delta_pipeline("delta", gate))  # the same model again: no better than production
    assert node(same, "g")["output"]["decision"] == "fail"
    assert node(same, "g")["message"] == f"Accuracy {fmt_number(value)} vs production {fmt_number(value)} (+0 < +0.01) and ≥ 0.50: fail"
    assert node(same, "x")["status"] == "skipped"
    assert details(app.base, "delta")["aliases"] == {"production": 2}


def test_a_model_of_another_task_is_neither_compared_with_nor_added_to_a_deployment(app):
    """A pima Gate told to beat the 'kunden' deployment (which predicts 'Kündigung') said
    "roc_auc 0.785 vs production 0.621 … pass", and a model could be deployed as a version
    of a deployment that predicts something else (found by a new user)."""
    first = run(app.base, delta_pipeline("task", {}))  # iris: 'target', classification
    assert node(first, "x")["output"]["version"] == 1
    other = pipeline(0.0, "task")
    for n in other["nodes"]:
        if n["id"] == "d":
            n["config"] = {"dataset_id": "diabetes", "target_column": "target", "problem_type": "regression"}
        if n["id"] == "m":
            n["config"] = {"algorithm": "linear_regression"}
        if n["id"] == "e":
            n["config"] = {"metrics": ["r2"]}
        if n["id"] == "g":
            n["config"] = {"metric": "r2", "threshold": 0.0, "deployment": "task", "min_improvement": 0.0}
    status, wf = call(app.base, "/api/v1/workflows", {"name": "other task", **other})
    assert status == 201, wf
    status, body = call(app.base, f"/api/v1/workflows/{wf['id']}/run", {})
    job_id = body["job_id"]
    assert wait_for(lambda: call(app.base, f"/api/v1/jobs/{job_id}")[1]["status"] in ("completed", "failed"), 180)
    job = call(app.base, f"/api/v1/jobs/{job_id}")[1]
    gate = node(job, "g")
    assert gate["status"] == "failed" and gate["message"] == (
        "The gate cannot compare: task's production version 1 predicts 'target' (classification), and this model "
        "predicts 'target' (regression). Name the deployment of a model of 'target' (regression), or leave the "
        "comparison out."), gate
    assert node(job, "x")["status"] != "completed"
    status, said = call(app.base, f"/api/v1/jobs/{job_id}/models/m/deploy", {"name": "task"})  # by hand: refused
    assert status == 422 and said["detail"] == (
        "task's production version 1 predicts 'target' (classification), and this model predicts 'target' "
        "(regression): it cannot be a version of task. Deploy it under another name."), said
    assert [v["version"] for v in details(app.base, "task")["versions"]] == [1]


def test_a_margin_needs_a_deployment_to_compare_with():
    from executor.engine import resolve

    def errors(gate):
        return resolve(gate_graph("iris", "classification", "logistic_regression", ["accuracy"],
                                  {"metric": "accuracy", "threshold": 0.9, **gate})).field_errors.get("g", {})

    assert errors({"deployment": "churn", "min_improvement": 0.01}) == {}
    assert "Name the deployment" in errors({"min_improvement": 0.01})["deployment"]
    assert "letters, digits" in errors({"deployment": "no spaces", "min_improvement": 0.01})["deployment"]
    assert "min_improvement" in errors({"deployment": "churn", "min_improvement": -1})


def test_the_margin_sentence():
    from nodes.gate import compared, verdict

    judged = verdict("accuracy", 0.931, 0.9, "higher")
    assert compared(judged, {"version": 2, "value": 0.912}, "churn", 0.01)["message"] == \
        "Accuracy 0.9310 vs production 0.9120 (+0.01900 ≥ +0.01) and ≥ 0.90: pass"
    assert compared(judged, {"version": 2, "value": 0.925}, "churn", 0.01)["message"] == \
        "Accuracy 0.9310 vs production 0.9250 (+0.006000 < +0.01) and ≥ 0.90: fail"
    below = compared(verdict("accuracy", 0.85, 0.9, "higher"), {"version": 2, "value": 0.5}, "churn", 0.01)
    assert below["decision"] == "fail" and below["message"].endswith("and < 0.90: fail")
    lower = compared(verdict("rmse", 2.1, 3.0, "lower"), {"version": 1, "value": 2.5}, "churn", 0.5)
    assert lower["message"] == "Root mean squared error 2.100 vs production 2.500 (+0.4000 < +0.50) and ≤ 3.00: fail"
    assert compared(judged, {"version": 3, "value": None}, "churn", 0.01)["message"] == \
        "accuracy 0.9310 ≥ 0.90: pass (churn's production version 3 has no Accuracy: decided on the threshold alone)"


def test_a_name_with_an_accent_is_refused_saying_accents_are_not_letters_here():
    """'Kündigung 2024' was refused as "not letters, digits, - and _", though ü is a letter
    to the person who typed it. The Deploy node, a Gate and the API say one sentence."""
    from executor.engine import resolve

    said = "no spaces or accented letters"
    graph = gate_graph("iris", "classification", "logistic_regression", ["accuracy"],
                       {"metric": "accuracy", "threshold": 0.9, "deployment": "Kündigung", "min_improvement": 0.01})
    assert said in resolve(graph).field_errors["g"]["deployment"]
    deploy = pipeline(0.5, "Kündigung-2024")
    errors = resolve(deploy).field_errors["x"]["name"]
    assert said in errors and "'Kündigung-2024' is not" in errors
    from executor.deployments import name_problem

    assert said in name_problem("Kündigung 2024") and name_problem("kuendigung-2024") is None


def test_a_gate_fails_what_the_guards_found_unless_told_to_decide_on_the_threshold(app):
    """A model the run's guards found against (Split: a feature that gives the target away;
    Evaluate: no better than the majority baseline) clears its threshold, yet the gate fails
    it by default and says why, and Deploy is skipped: a fresh-eyes pass saw a leaking
    table and a worthless model both go to production with a plain "pass", and a later one
    still deploy them with only a caveat. With "Fail on the guards' findings" off, the
    threshold decides and the pass says what was found."""
    import numpy as np

    from tests.test_script_export import upload

    rng = np.random.default_rng(5)
    x = rng.normal(size=(300, 3))
    label = np.where(x[:, 0] + rng.normal(0, 0.3, 300) > 0, "yes", "no")
    leaky = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "copy": label, "label": label})
    worthless = pd.DataFrame({"a": x[:, 1], "b": x[:, 2], "label": np.where(rng.random(300) < 0.85, "no", "yes")})
    said = {}
    for name, frame in (("leaky", leaky), ("worthless", worthless)):
        dataset = {"dataset_id": upload(app.base, frame, name), "target_column": "label",
                   "problem_type": "classification"}
        for strict in (True, False):
            graph = pipeline(0.5, f"gate-{name}-{'strict' if strict else 'lenient'}")
            graph["nodes"][0]["config"] = dataset
            if not strict:
                graph["nodes"][4]["config"]["fail_on_findings"] = False
            job = run(app.base, graph)
            gate, deployed = node(job, "g"), node(job, "x")
            assert gate["output"]["decision"] == ("fail" if strict else "pass"), gate
            assert deployed["status"] == ("skipped" if strict else "completed"), deployed
            said[name, strict] = (gate["message"], gate["output"].get("caveats"))
    leak = "Split found a feature that gives the target away ('copy')"
    message, caveats = said["leaky", True]
    assert message.startswith("Accuracy ") and f", but {leak}: fail (this gate fails on the guards' findings; " \
        "turn \"Fail on the guards' findings\" off to decide on the threshold alone)" in message, message
    assert caveats == [leak]
    message, caveats = said["leaky", False]
    assert message.startswith("Accuracy ") and f": pass — but {leak}" in message, message
    assert caveats == [leak]
    message, caveats = said["worthless", True]
    assert ", but Evaluate found it no better than the baseline (Accuracy " in message and message.endswith(
        "off to decide on the threshold alone)"), message
    message, caveats = said["worthless", False]
    assert ": pass — but Evaluate found it no better than the baseline (Accuracy " in message, message
    assert caveats[0].startswith("Evaluate found it no better than the baseline")
    assert caveats[1:] in ([], ["Evaluate found it predicts 'no' for every test row"]), caveats  # it answers 'no' to all


def test_a_gate_judges_the_baseline_on_its_own_metric(app):
    """Found by a new user: a gate on ROC AUC failed a class-weighted model because Evaluate's
    accuracy (its first metric) was below the majority baseline's, which weighting classes
    trades away on purpose. The gate now asks the baseline of its own metric: a model whose
    ROC AUC beats the baseline's passes; one whose ROC AUC does not is failed saying so."""
    import numpy as np

    from tests.test_script_export import upload

    rng = np.random.default_rng(11)
    x = rng.normal(size=(600, 2))
    rare = np.where(x[:, 0] + rng.normal(0, 1.2, 600) > 1.9, "yes", "no")  # about 1 in 8: a weighted model
    frames = {"signal": pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "label": rare}),  # loses accuracy on purpose
              "noise": pd.DataFrame({"a": x[:, 1], "b": rng.normal(size=600), "label": rare})}
    said = {}
    for name, frame in frames.items():
        graph = pipeline(0.4, f"gate-own-{name}")
        graph["nodes"][0]["config"] = {"dataset_id": upload(app.base, frame, f"own-{name}"), "target_column": "label",
                                       "problem_type": "classification"}
        graph["nodes"][2]["config"]["hyperparameters"] = {"class_weight": "balanced"}
        graph["nodes"][4]["config"] = {"metric": "roc_auc", "threshold": 0.4}
        job = run(app.base, graph)
        gate = node(job, "g")
        said[name] = (job["results"]["metrics"]["e"]["key_metric"], gate["output"]["decision"], gate["message"])
    key, decision, message = said["signal"]
    assert key["key"] == "accuracy" and key["below_baseline"], key  # what failed the gate before
    assert decision == "pass" and "baseline" not in message, message
    _, decision, message = said["noise"]
    if decision == "fail":  # noise can beat the prior's 0.5 by luck: only a fail must say why
        assert "it is no better than the baseline (ROC AUC " in message, message


def test_a_gate_fails_a_model_that_predicts_one_class_for_every_row(app):
    """Found by a new user: a ROC AUC gate passed and deployed a model that answered 'no' to
    every row (F1 0): it ranks the rows, but calls none 'yes'. Evaluate says so, and the gate
    fails it as it fails the other guards' findings."""
    import numpy as np

    from tests.test_script_export import upload

    rng = np.random.default_rng(3)
    x = rng.normal(size=(800, 2))
    label = np.where(x[:, 0] + rng.normal(0, 1.5, 800) > 3.0, "yes", "no")  # about 1 in 20, a weak signal
    graph = pipeline(0.55, "gate-one-class")
    graph["nodes"][0]["config"] = {"dataset_id": upload(app.base, pd.DataFrame({"a": x[:, 0], "b": x[:, 1],
                                                                                 "label": label}), "one-class"),
                                   "target_column": "label", "problem_type": "classification"}
    graph["nodes"][4]["config"] = {"metric": "roc_auc", "threshold": 0.55}
    job = run(app.base, graph)
    evaluate, gate, deployed = node(job, "e"), node(job, "g"), node(job, "x")
    assert "The model predicts 'no' for every one of the" in (evaluate["message"] or ""), evaluate["message"]
    assert gate["output"]["decision"] == "fail" and deployed["status"] == "skipped", gate
    assert "≥ 0.55, but Evaluate found it predicts 'no' for every test row: fail" in gate["message"], gate["message"]


def test_a_csv_body_in_the_charset_its_content_type_names_is_read(app, passed):
    """A European export is cp1252: with `charset=windows-1252` it is read (it was refused
    as "not UTF-8" whatever the header said); without, it is read as the upload reads such a
    file (playground_runtime.text_encoding), and said; a charset that is no text encoding is a
    415 naming it, never a 500."""
    _, key = passed
    records = rows(10, start=70)
    frame = pd.DataFrame(records).assign(target=["Müller", "Weiß", "Groß", "Zoë", "Ærø"] * 2)  # set aside
    expected = predict(app.base, "iris", records, key["key"])[1]
    status, _, text = predict_csv(app.base, "iris", frame, key["key"], encoding="cp1252",
                                  content_type="text/csv; charset=windows-1252")
    assert status == 200, text
    assert json.loads(text)["predictions"] == expected["predictions"]
    status, _, text = predict_csv(app.base, "iris", frame, key["key"], encoding="cp1252")
    answer = json.loads(text)
    assert status == 200 and answer["predictions"] == expected["predictions"], text
    assert any(s.startswith("The CSV body is not UTF-8 (byte ") and "read as Windows-1252" in s
               for s in answer["reading"]), answer
    for bogus in ("klingon-8", "zlib", "base64"):
        status, _, text = predict_csv(app.base, "iris", frame, key["key"], content_type=f"text/csv; charset={bogus}")
        assert status == 415 and f"charset '{bogus}' is not a text encoding" in json.loads(text)["detail"], text


def test_a_european_csv_body_is_read_as_its_upload_would_be(app, passed):
    """A European export (cp1252, `;` between values, decimal commas, a missing marker) is
    read by the upload's reader, as "Score a file" reads it: the same predictions as the
    records sent as JSON, and the answer says how each converted column was read. It was
    read as one column named 'sepal length (cm);sepal width (cm);…', and refused for
    missing the four it held."""
    _, key = passed
    records = rows(12, start=100)
    expected = predict(app.base, "iris", records, key["key"])[1]
    frame = pd.DataFrame(records).assign(target=["größer", "n/a"] * 6)  # set aside: the model does not take it
    body = frame.to_csv(index=False, sep=";", decimal=",").encode("cp1252")
    status, _, text = predict_body(app.base, "iris", body, "text/csv; charset=windows-1252", key["key"])
    assert status == 200, text
    answer = json.loads(text)
    assert answer["predictions"] == expected["predictions"]
    assert answer["probabilities"] == expected["probabilities"]
    said = " ".join(answer["reading"])
    assert "sepal length (cm): read as numbers (decimal comma" in said, said
    # a plain CSV needs no conversion and says none
    status, _, text = predict_csv(app.base, "iris", pd.DataFrame(records), key["key"])
    assert status == 200 and "reading" not in json.loads(text), text


def test_a_value_training_never_saw_is_scored_and_said(app, passed):
    """A city the model never saw goes in as an unknown category: scored, and the answer
    says so (it was scored silently: a fresh-eyes pass sent 'Berlin' to a model of French
    cities). Known values say nothing."""
    import numpy as np

    from tests.test_script_export import upload

    _, key = passed
    rng = np.random.default_rng(2)
    city = rng.choice(["Lyon", "Paris", "Nice"], 240)
    spend = rng.gamma(2.0, 30.0, 240).round(2)
    frame = pd.DataFrame({"customer": [f"C{i:04d}" for i in range(240)], "city": city, "spend": spend,
                          "label": np.where((city == "Paris") | (spend > 70), "yes", "no")})
    graph = pipeline(0.0, "cities")
    graph["nodes"][0]["config"] = {"dataset_id": upload(app.base, frame, "cities"), "target_column": "label",
                                   "problem_type": "classification"}
    run(app.base, graph)
    known = predict(app.base, "cities", [{"city": "Lyon", "spend": 10.0}], key["key"])[1]
    assert "warnings" not in known, known
    status, answer = predict(app.base, "cities", [{"city": "Berlin", "spend": 10.0}, {"city": "Nice", "spend": 5.0},
                                                  {"city": "Berlin", "spend": 90.0}], key["key"])
    assert status == 200 and len(answer["predictions"]) == 3, answer
    assert answer["warnings"] == ["'city': 2 rows hold a value the model never saw in training ('Berlin'), scored "
                                  "as an unknown category."]
    assert "ids" not in answer  # none sent
    # the rows' id column, sent with them, comes back beside the predictions as the CSV answer
    # has it first: a client reading JSON matched rows by place only (found by a new user)
    sent = pd.DataFrame({"customer": ["K7", None], "city": ["Lyon", "Nice"], "spend": [10.0, 95.0]})
    status, _, text = predict_csv(app.base, "cities", sent, key["key"])
    assert status == 200 and json.loads(text)["ids"] == {"customer": ["K7", None]}, text
    status, answer = predict(app.base, "cities", sent.astype(object).where(sent.notna(), None).to_dict("records"),
                             key["key"])
    assert status == 200 and answer["ids"] == {"customer": ["K7", None]}, answer


def test_deploys_reason_to_run_again_holds_when_it_registers_no_new_version():
    """Its reason said "registers a new model version" beside "already version 1 ... no new
    version": it now says what a Deploy node does each run, both cases."""
    from nodes.deploy import fingerprint

    said = fingerprint({"name": "x"}).volatile
    assert "new model version" not in said and "puts that version back in production, no new one" in said


def test_a_gate_on_the_canvas_names_its_metric_as_the_inspector_does():
    """The canvas said "pass when roc_auc clears 0.9" where the inspector says ROC AUC (a new user)."""
    from nodes.gate import summary

    assert summary({"metric": "roc_auc", "threshold": 0.9}) == "pass when ROC AUC clears 0.9"
    assert summary({"metric": None, "threshold": 0.9}) == "pass when the metric clears 0.9"


def test_a_text_gap_sent_as_json_null_or_a_column_of_empty_cells_is_scored_as_a_gap(app, passed):
    """Ames houses sent as JSON records with Alley, Pool.QC and Fence null were priced
    $90,000 below the same rows in a CSV body or predict.py (a new user's audit): a column
    null in every record reached the model as None, which scikit-learn's imputers and
    encoders take for a value, not a gap. Over the learned steps a gap meets (most-frequent
    fill, one-hot, target encoding, the automatic ordinal codes) and the ways a record says
    it (one record, a column null in every record, a null among words, a column of codes
    sent as numbers), the records, and a CSV body of them alone (a column of empty cells),
    score as the same rows within a file whose columns hold values."""
    import csv

    import numpy as np

    from bench.server import upload

    _, key = passed
    rng = np.random.default_rng(5)
    n = 240
    kind = rng.choice(["Grvl", "Pave", None], n, p=[0.2, 0.2, 0.6])
    zone = rng.choice(["11", "12", "31", None], n, p=[0.3, 0.3, 0.3, 0.1])  # codes: text with digits
    area = rng.normal(1500, 300, n).round(0)
    price = area * 100 + np.where(kind == "Pave", 30000, np.where(kind == "Grvl", -20000, 0)) \
        + np.where(zone == "31", 15000, 0) + rng.normal(0, 5000, n)
    frame = pd.DataFrame({"alley": kind, "zone": zone, "area": area, "price": price.round(0)})
    # the codes quoted, as R writes a factor's levels: read as text (a category), said so
    dataset = upload(app.base, "alleys.csv", frame.to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC).encode())[1]["id"]
    ops = {"auto": [], "mode_onehot": [{"method": "fill_missing_mode"}, {"method": "onehot_encoder"}],
           "onehot": [{"method": "onehot_encoder"}], "target": [{"method": "target_encoder"}]}
    nodes = [{"id": "d", "type": "dataset", "config": {"dataset_id": dataset, "target_column": "price",
                                                       "problem_type": "regression"}}]
    edges = []
    for name, steps in ops.items():
        nodes += [{"id": f"p_{name}", "type": "preprocessing", "config": {"operations": steps}},
                  {"id": f"s_{name}", "type": "split", "config": {"test_size": 0.25, "random_seed": 3}},
                  {"id": f"m_{name}", "type": "model", "config": {"algorithm": "ridge"}}]
        edges += [{"source": "d", "target": f"p_{name}"}, {"source": f"p_{name}", "target": f"s_{name}"},
                  {"source": f"s_{name}", "target": f"m_{name}"}]
    job = run(app.base, {"nodes": nodes, "edges": edges})
    sent = {
        "one record, its text null": [{"alley": None, "zone": "12", "area": 1400.0}],
        "a column null in every record": [{"alley": None, "zone": "31", "area": a} for a in (1200.0, 1500.0, 1800.0)],
        "every text null": [{"alley": None, "zone": None, "area": 1600.0}, {"alley": None, "zone": None, "area": 900.0}],
        "codes sent as numbers, one null": [{"alley": "Pave", "zone": 31, "area": 1500.0},
                                            {"alley": "Grvl", "zone": None, "area": 1500.0}],
        "a null among words (was right)": [{"alley": "Pave", "zone": "11", "area": 1500.0},
                                           {"alley": None, "zone": "12", "area": 1500.0}],
    }
    anchor = {"alley": "Grvl", "zone": "11", "area": 1500.0}  # a row with every value: its file's columns are text

    def csv_of(records):
        frame = pd.DataFrame(records).astype({"zone": object})
        frame["zone"] = frame["zone"].map(lambda v: None if v is None else str(v))
        return frame

    for name in ops:
        status, body = call(app.base, f"/api/v1/jobs/{job['id']}/models/m_{name}/deploy", {"name": f"alleys-{name}"})
        assert status == 201, body
        for case, records in sent.items():
            # the rows within a file whose columns hold values too: their gaps read as the training file's were
            status, _, text = predict_csv(app.base, f"alleys-{name}", csv_of(records + [anchor]), key["key"])
            assert status == 200, (name, case, text)
            expected = json.loads(text)["predictions"][:len(records)]
            status, by_json = predict(app.base, f"alleys-{name}", records, key["key"])
            assert status == 200, (name, case, by_json)
            status, _, text = predict_csv(app.base, f"alleys-{name}", csv_of(records), key["key"])
            assert status == 200, (name, case, text)
            for exit, got in (("records", by_json["predictions"]), ("CSV body", json.loads(text)["predictions"])):
                assert np.allclose(got, expected, rtol=0, atol=1e-6), (name, case, exit, got, expected)


@pytest.mark.parametrize("metrics, said, unsaid", [
    ({"f1": 0.8348993, "roc_auc": 0.93265, "accuracy": 0.881958}, "F1 score 0.8349, ROC AUC 0.9326, Accuracy 0.8820",
     ("f1 0.", "roc_auc")),
    ({"rmse": 55.123, "r2": 0.4512, "mae": 44.0}, "Root mean squared error 55.12, R² 0.4512, Mean absolute error 44.00",
     ("rmse", "r2 0.")),
    ({"balanced_accuracy": 0.5, "log_loss": 0.6931}, "Balanced accuracy 0.5000, Log loss 0.6931", ("_",)),
    # near miss: a key no registered metric has (an older run's) is shown as it was
    ({"old_metric": 0.25}, "old_metric 0.2500", ()),
])
def test_the_deployments_page_names_each_versions_metrics_by_their_titles(metrics, said, unsaid):
    """Found by a new user: the Deployments page listed a version's test metrics by their keys
    ("f1 0.8349, roc_auc 0.9327") where every other place names them ("F1 score 0.8349")."""
    from fasthtml.common import to_xml

    from components.deployments import Versions

    version = {"version": 1, "created_at": 1796570160.0, "job_id": "job_x", "model_node_id": "m",
               "algorithm_name": "Random Forest", "metrics": [metrics]}
    cell = to_xml(Versions({"name": "d", "aliases": {"production": 1}, "versions": [version]})).split("Random Forest", 1)[1]
    cell = html.unescape(cell.split("<td>", 1)[1].split("</td>", 1)[0])
    assert cell == said, cell
    for word in unsaid:
        assert word not in cell, cell


# --------------------------------------------------------------------------- a model its run's gate failed
def _form(app, path, fields: dict) -> str:
    """A form the results page posts (htmx, with the page's token)."""
    from web.security import csrf_token

    token = csrf_token((Path(app.home) / "session.key").read_text().strip())
    req = urllib.request.Request(app.base + path, data=urllib.parse.urlencode(fields).encode(), method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true",
                                          "X-CSRF-Token": token})
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.read().decode()


def test_a_model_its_runs_gate_failed_is_deployed_by_hand_saying_the_gates_sentence(app, passed):
    """Found by a new user: a model whose run's Gate failed it ("F1 score 0.8349 < 0.95: fail")
    was deployed by hand as version 2 in production, told only "union version 2 is in
    production". It is still deployed (the person may know better), and the gate's sentence is
    said in the answer, the results' confirmation, the version on the Deployments page and its
    card. Near misses: the model of the same run no gate judged, and a model its gate passed."""
    graph = pipeline(0.99, "gate-failed")
    graph["nodes"] += [{"id": "m2", "type": "model", "config": {"algorithm": "decision_tree"}},
                       {"id": "e2", "type": "evaluate", "config": {"metrics": ["accuracy"]}}]
    graph["edges"] += [{"source": "s", "target": "m2"}, {"source": "m2", "target": "e2"}]
    job = run(app.base, graph)
    value = job["results"]["metrics"]["e"]["values"]["accuracy"]
    assert node(job, "g")["output"]["decision"] == "fail" and node(job, "x")["status"] == "skipped"
    said = f"deployed by hand although its run's gate failed it: Accuracy {fmt_number(value)} < 0.99"
    status, made = call(app.base, f"/api/v1/jobs/{job['id']}/models/m/deploy", {"name": "gate-failed"})
    assert status == 201 and made["version"] == 1, made  # deployed all the same
    assert made["warnings"] == [said], made
    d = details(app.base, "gate-failed")
    assert d["aliases"] == {"production": 1} and d["versions"][0]["warnings"] == [said]
    assert d["alias_history"][-1]["why"].endswith(said)
    page = urllib.request.urlopen(f"{app.base}/deployments", timeout=30).read().decode()
    assert f"v1: {said}" in html.unescape(page)
    # the results' "Deploy…": the same sentence under the confirmation (a new version of another name)
    answer = html.unescape(_form(app, f"/ui/jobs/{job['id']}/models/m/deploy", {"name": "gate-failed-ui"}))
    assert "gate-failed-ui version 1 is in production" in answer and "data-deploy-warning" in answer
    assert f"D{said[1:]}." in answer, answer
    # its card keeps the verdict, in model_card.json and MODEL_CARD.md
    with urllib.request.urlopen(f"{app.base}/api/v1/jobs/{job['id']}/models/m/bundle", timeout=60) as r:
        z = zipfile.ZipFile(io.BytesIO(r.read()))
    card = json.loads(z.read("model_card.json"))
    assert [(v["node_id"], v["decision"]) for v in card["verdicts"]] == [("g", "fail")]
    assert f"Accuracy {fmt_number(value)} < 0.99: fail" in z.read("MODEL_CARD.md").decode()
    # near misses: the run's other model, which no gate judged; the passing run's model
    for job_id, model, name in ((job["id"], "m2", "gate-unjudged"), (passed[0]["id"], "m", "gate-passed")):
        status, made = call(app.base, f"/api/v1/jobs/{job_id}/models/{model}/deploy", {"name": name})
        assert status == 201 and made["warnings"] == [], made
        d = details(app.base, name)
        assert d["versions"][0]["warnings"] == [] and "gate" not in d["alias_history"][-1]["why"]
        answer = _form(app, f"/ui/jobs/{job_id}/models/{model}/deploy", {"name": name + "-ui"})
        assert "data-deploy-warning" not in answer and "although" not in answer
    page = html.unescape(urllib.request.urlopen(f"{app.base}/deployments", timeout=30).read().decode())
    assert page.count("data-version-warning") == 2  # gate-failed and gate-failed-ui, no other version


@pytest.mark.parametrize("nodes, model, said", [
    # one gate failed the model
    ([("g", "gate", "completed", {"decision": "fail", "message": "F1 score 0.8349 < 0.95: fail"})], "m",
     "deployed by hand although its run's gate failed it: F1 score 0.8349 < 0.95"),
    # failed on the guards' findings after clearing the threshold: its whole sentence
    ([("g", "gate", "cached", {"decision": "fail", "message": "Accuracy 0.97 ≥ 0.90, but Split found a feature that "
                                                             "gives the target away ('id'): fail (this gate fails on "
                                                             "the guards' findings; turn \"Fail on the guards' "
                                                             "findings\" off to decide on the threshold alone)"})],
     "m", "deployed by hand although its run's gate failed it: Accuracy 0.97 ≥ 0.90, but Split found a feature"),
    # two gates on the same model, both failed: each by its name
    ([("g", "gate", "completed", {"decision": "fail", "message": "F1 score 0.80 < 0.95: fail"}),
      ("g2", "gate", "completed", {"decision": "fail", "message": "ROC AUC 0.85 < 0.90: fail"})], "m",
     "deployed by hand although 2 gates of its run failed it: Gate: F1 score 0.80 < 0.95; Gate 2: ROC AUC 0.85 < 0.90"),
    # near misses: a pass; a gate skipped (nothing judged); the gate judged the other model
    ([("g", "gate", "completed", {"decision": "pass", "message": "F1 score 0.96 ≥ 0.95: pass"})], "m", None),
    ([("g", "gate", "skipped", None)], "m", None),
    ([("g", "gate", "completed", {"decision": "fail", "message": "F1 score 0.80 < 0.95: fail"})], "m2", None),
    # a node that does not judge, whose output holds the same words (a Deploy's), is no verdict
    ([("x", "deploy", "completed", {"decision": "fail", "message": "fail"})], "m", None),
])
def test_which_gates_failed_a_model_is_read_from_its_runs_judging_nodes(nodes, model, said):
    from executor.bundle import verdicts
    from executor.deployments import failed_gates

    graph = {"nodes": [{"id": "d", "type": "dataset"}, {"id": "s", "type": "split"}, {"id": "m", "type": "model"},
                       {"id": "e", "type": "evaluate"}, {"id": "m2", "type": "model"}, {"id": "e2", "type": "evaluate"},
                       {"id": "g", "type": "gate"}, {"id": "g2", "type": "gate", "label": "Gate 2"},
                       {"id": "x", "type": "deploy"}],
             "edges": [{"source": a, "target": b} for a, b in (("d", "s"), ("s", "m"), ("m", "e"), ("s", "m2"),
                                                               ("m2", "e2"), ("e", "g"), ("e", "g2"))]
             + [{"source": "g", "source_port": "pass", "target": "x"}]}
    portable = {"portable": {"features": []}}
    job = {"nodes": [{"node_id": "m", "node_type": "model", "status": "completed", "output": portable},
                     {"node_id": "m2", "node_type": "model", "status": "completed", "output": portable},
                     *[{"node_id": nid, "node_type": t, "status": st, "output": out} for nid, t, st, out in nodes]]}
    got = failed_gates({"verdicts": verdicts(job, model, graph)})
    if said is None:
        assert got is None, got
    else:
        assert got is not None and got.startswith(said), got
        assert not got.endswith(": fail")


def beside(threshold, name):
    """The pipeline with its Deploy fed from the Model directly, beside the Gate (not from its Pass)."""
    graph = pipeline(threshold, name)
    graph["edges"] = [e for e in graph["edges"] if e["target"] != "x"] + [{"source": "m", "target": "x"}]
    return graph


def test_a_deploy_node_deploying_a_model_its_runs_gate_failed_warns_as_a_deploy_by_hand_does(app):
    """A Deploy fed from the Model beside a Gate that failed it deployed without a word, where
    the same model deployed by hand is told the gate's sentence: the node now warns with that
    sentence (deployments.failed_gates), on the node and in the run's warnings. Near misses: a
    Deploy on the Pass branch of a passing gate, and one beside a gate that passed its model."""
    job = run(app.base, beside(0.99, "beside-failed"))
    value = job["results"]["metrics"]["e"]["values"]["accuracy"]
    assert node(job, "g")["output"]["decision"] == "fail" and node(job, "x")["status"] == "completed"
    said = f"deployed by its run although its run's gate failed it: Accuracy {fmt_number(value)} < 0.99"
    assert job["results"]["nodes"]["x"]["warnings"] == [said], job["results"]["nodes"]["x"]
    assert details(app.base, "beside-failed")["versions"][0]["warnings"] == [said]  # as the version says it
    for page in (f"/ui/jobs/{job['id']}/results", f"/jobs/{job['id']}"):
        assert said in html.unescape(urllib.request.urlopen(f"{app.base}{page}", timeout=30).read().decode()), page
    for graph in (pipeline(0.5, "pass-branch"), beside(0.5, "beside-passed")):
        job = run(app.base, graph)
        assert node(job, "g")["output"]["decision"] == "pass" and node(job, "x")["status"] == "completed"
        assert not job["results"]["nodes"]["x"].get("warnings"), job["results"]["nodes"]["x"]
