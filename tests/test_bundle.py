"""Model bundles and scoring new rows, through the real stack (the API in-process, a real
Huey consumer, SQLite): a bundle unzipped into an empty folder scores rows with predict.py
in a fresh interpreter whose path does not hold the project, and its predictions equal the
app's ("Score a file") and the run's own pipeline, for every algorithm and for a pipeline
with date features, one-hot, target encoding and a row filter. Each bundle's model loads
with skops and the reviewed trusted types; a tampered one is refused."""

from __future__ import annotations

import html
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

import playground_runtime
from data import datasets
from plugins import registry
from tests import forked
from tests.conftest import HOME, wait_for

pytestmark = pytest.mark.usefixtures("consumer")

DATASET = {"classification": ("breast_cancer", "target"), "regression": ("diabetes", "target"),
           "clustering": ("blobs", None)}


def algorithms(problem_type: str) -> list[str]:
    return sorted(k for k, p in registry.models().items() if problem_type in p.problem_types)


def fan_out(problem_type: str) -> dict:
    """One run training every algorithm of a problem type on one split (scaled first)."""
    dataset, target = DATASET[problem_type]
    nodes = [{"id": "d", "type": "dataset", "config": {"dataset_id": dataset, "target_column": target,
                                                       "problem_type": problem_type}},
             {"id": "p", "type": "preprocessing", "config": {"operations": [{"method": "standard_scaler"}]}},
             {"id": "s", "type": "split", "config": {"test_size": 0.25}}]
    edges = [{"source": "d", "target": "p"}, {"source": "p", "target": "s"}]
    for slug in algorithms(problem_type):
        nodes.append({"id": f"m_{slug}", "type": "model", "config": {"algorithm": slug}})
        edges.append({"source": "s", "target": f"m_{slug}"})
    return {"name": f"every {problem_type} model", "nodes": nodes, "edges": edges}


def run(web, wf) -> dict:
    r = web.post("/api/v1/workflows/execute", json=wf)
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    done = wait_for(lambda: web.get(f"/api/v1/jobs/{job_id}").json()["status"] in ("completed", "failed"), 240, 0.3)
    job = web.get(f"/api/v1/jobs/{job_id}").json()
    assert done and job["status"] == "completed", json.dumps(job)[-3000:]
    return job


def unzip(web, job_id: str, node_id: str, folder: Path) -> Path:
    r = web.get(f"/api/v1/jobs/{job_id}/models/{node_id}/bundle")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip", r.text[:500]
    assert "attachment" in r.headers["content-disposition"]
    folder.mkdir(parents=True)
    zipfile.ZipFile(io.BytesIO(r.content)).extractall(folder)
    return folder


def clean_env() -> dict:
    """An environment without the project: no PYTHONPATH, run with -I from the bundle's folder."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}


def predict_py(folder: Path, rows: Path, *args, fresh: bool = False) -> subprocess.CompletedProcess:
    """`python -I predict.py rows args` from the bundle's folder: in a new interpreter of its own
    (`fresh`), or in a process forked from one that has imported only the libraries
    (tests/forked.py: the same run without 2 s of imports)."""
    if not fresh:
        return forked.run(folder, ["predict.py", str(rows), *args])
    return subprocess.run([sys.executable, "-I", "predict.py", str(rows), *args], cwd=folder, env=clean_env(),
                          capture_output=True, text=True, timeout=120)


# Each bundle's predict.py run as __main__, in turn, in one fresh interpreter started in an
# empty folder with -I (no project on its path): each from its own folder, with its own
# playground_runtime.py (the one before is forgotten first). The same code and files as
# `python predict.py rows.csv`, without paying a fresh interpreter's imports per bundle
# and output (2 s each: 75 s for the classification models alone).
SCORER = """
import contextlib, io, json, os, runpy, sys
results = []
for folder, argv in json.loads(sys.stdin.read()):
    sys.modules.pop("playground_runtime", None)
    os.chdir(folder)
    sys.argv = ["predict.py", *argv]
    out, err, code = io.StringIO(), io.StringIO(), 0
    path = list(sys.path)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            runpy.run_path(os.path.join(folder, "predict.py"), run_name="__main__")
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    sys.path[:] = path
    runtime = getattr(sys.modules.get("playground_runtime"), "__file__", None)
    results.append({"returncode": code, "stdout": out.getvalue(), "stderr": err.getvalue(), "runtime": runtime})
print(json.dumps(results))
"""


def predict_all(runs: list[tuple[Path, Path, tuple]], cwd: Path) -> list[dict]:
    """[(bundle folder, rows, predict.py's other arguments)] -> each run's returncode, stdout,
    stderr and the playground_runtime file it used."""
    cwd.mkdir(exist_ok=True)
    r = subprocess.run([sys.executable, "-I", "-c", SCORER], cwd=cwd, env=clean_env(), capture_output=True,
                       text=True, timeout=600, input=json.dumps([[str(f), [str(rows), *args]] for f, rows, args in runs]))
    assert r.returncode == 0, r.stderr[-3000:]
    results = json.loads(r.stdout)
    for (folder, _, _), got in zip(runs, results):
        assert got["runtime"] == str(folder / "playground_runtime.py")  # its own copy, not the project's
    return results


def app_score(web, job_id: str, node_id: str, rows: Path, proba: bool = False):
    """"Score a file" as the results panel does it: the fragment, then the CSV it links to."""
    url = f"/ui/scoring/{job_id}/{node_id}" + ("?proba=1" if proba else "")
    r = web.post(url, files={"file": (rows.name, rows.read_bytes())})
    assert r.status_code == 200, r.text
    if "data-download-predictions" not in r.text:
        return None, r.text
    href = r.text.split('href="', 1)[1].split('"', 1)[0]
    got = web.get(href)
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    return got.text, r.text


def run_pipeline(job: dict, node_id: str):
    """The run's own fitted pipeline (the joblib file the worker wrote, read by this test)."""
    node = next(n for n in job["nodes"] if n["node_id"] == node_id)
    art = node["output"]["model_artifact_id"]
    path = next((HOME / "artifacts" / job["id"]).glob(f"{art}-*"))
    return joblib.load(path)


def test_the_project_is_not_on_the_bundle_path(tmp_path):
    r = subprocess.run([sys.executable, "-I", "-c", "import nodes"], cwd=tmp_path, env=clean_env(),
                       capture_output=True, text=True)
    assert r.returncode != 0 and "No module named 'nodes'" in r.stderr


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("problem_type", ["classification", "regression", "clustering"])
def test_every_algorithm_bundle_scores_like_the_app(web, tmp_path, problem_type):
    job = run(web, fan_out(problem_type))
    listed = web.get(f"/api/v1/jobs/{job['id']}/models").json()["models"]
    assert sorted(m["algorithm"] for m in listed) == algorithms(problem_type)
    dataset, target = DATASET[problem_type]
    frame = datasets.load_sample(dataset)
    rows = tmp_path / "rows.csv"
    frame.to_csv(rows, index=False)  # the target among them: set aside, as the dataset's column
    runs, plain_of, proba_of = [], {}, {}
    for m in listed:
        assert m["target"] == target and m["problem_type"] == problem_type
        assert [f["name"] for f in m["features"]] == [c for c in frame.columns if c != target]
        folder = unzip(web, job["id"], m["node_id"], tmp_path / m["node_id"])
        names = {p.name for p in folder.iterdir()}
        assert {"model.skops", "playground_runtime.py", "predict.py", "requirements.txt", "model_card.json",
                "MODEL_CARD.md"} <= names
        # skops with the reviewed types: what the file needs is on the list, and it loads
        import skops.io as sio

        needed = sio.get_untrusted_types(file=folder / "model.skops")
        assert playground_runtime.refused_types(needed) == []
        card = json.loads((folder / "model_card.json").read_text())
        assert card["target"] == target and card["problem_type"] == problem_type
        assert card["dataset"]["content_hash"].startswith("sha256:")
        assert card["workflow"]["nodes"] and card["libraries"]["scikit-learn"]
        requirements = (folder / "requirements.txt").read_text()
        assert "scikit-learn==" in requirements and "skops==" in requirements
        if m["algorithm"] == "xgboost":
            assert "model.xgboost.json" in names and "xgboost==" in requirements
            assert json.loads((folder / "model.xgboost.json").read_text())["learner"]
        if problem_type != "clustering":
            assert card["metrics"]["test"] == [] or isinstance(card["metrics"]["test"], list)
        plain_of[m["node_id"]] = len(runs)
        runs.append((folder, rows, ()))
        has_proba = problem_type == "classification" and hasattr(run_pipeline(job, m["node_id"]), "predict_proba")
        # the card's "Use it" offers --proba where predict.py answers it (a regression's card offered it: a new user)
        assert card["probabilities"] is has_proba and ("--proba" in (folder / "MODEL_CARD.md").read_text()) is has_proba
        if has_proba:
            proba_of[m["node_id"]] = len(runs)
            runs.append((folder, rows, ("--proba",)))
    scored = predict_all(runs, tmp_path / "scorer")
    for m in listed:
        out = scored[plain_of[m["node_id"]]]
        assert out["returncode"] == 0, out["stderr"][-2000:]
        app_csv, _ = app_score(web, job["id"], m["node_id"], rows)
        assert out["stdout"] == app_csv, m["algorithm"]
        # and both equal the run's own pipeline on the same rows
        expected = run_pipeline(job, m["node_id"]).predict(frame.drop(columns=[target] if target else []))
        got = pd.read_csv(io.StringIO(out["stdout"]))["prediction"].to_numpy()
        if problem_type == "regression":
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
        else:
            assert np.array_equal(got, np.asarray(expected)), m["algorithm"]
        if m["node_id"] in proba_of:
            p = scored[proba_of[m["node_id"]]]
            assert p["returncode"] == 0, p["stderr"][-2000:]
            app_proba, _ = app_score(web, job["id"], m["node_id"], rows, proba=True)
            assert p["stdout"] == app_proba
            probs = pd.read_csv(io.StringIO(p["stdout"]))
            want = run_pipeline(job, m["node_id"]).predict_proba(frame.drop(columns=[target]))
            np.testing.assert_allclose(probs[[f"proba_{c}" for c in m["classes"]]].to_numpy(), want, atol=1e-9)
    assert len(proba_of) >= (3 if problem_type == "classification" else 0)


def shop_table(n=400, seed=3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    day = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    city = rng.choice(["Lyon", "Paris", "Nice", "Lille"], n)
    plan = rng.choice(["basic", "plus", "pro"], n)
    spend = np.round(rng.gamma(2.0, 30.0, n), 2)
    spend[rng.integers(0, n, 8)] *= 40  # outliers for the IQR filter
    score = (spend > 60).astype(int) + (plan == "pro") + (day.month > 6) + rng.normal(0, 0.7, n)
    return pd.DataFrame({"customer": [f"K{seed:02d}-{i:05d}" for i in range(n)],  # an id: set aside, then
                         "signup": day.strftime("%Y-%m-%d"), "city": city, "plan": plan,  # written beside
                         "spend": spend, "churned": np.where(score > 1.5, "yes", "no")})  # each prediction


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_pipeline_with_dates_onehot_target_encoding_and_a_row_filter(web, tmp_path):
    raw = tmp_path / "shop.csv"
    shop_table().to_csv(raw, index=False)
    up = web.post("/api/v1/datasets", files={"file": ("shop.csv", raw.read_bytes())})
    assert up.status_code == 201, up.text
    dataset_id = up.json()["id"]
    ops = [{"method": "date_features", "parameters": {"parts": ["year", "month", "weekday"]}},
           {"method": "onehot_encoder", "parameters": {"columns": ["city"]}},
           {"method": "target_encoder", "parameters": {"columns": ["plan"]}},
           {"method": "iqr_outlier_removal", "parameters": {"columns": ["spend"]}}]
    wf = {"name": "shop", "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": dataset_id, "target_column": "churned",
                                                  "problem_type": "classification"}},
        {"id": "p", "type": "preprocessing", "config": {"operations": ops}},
        {"id": "s", "type": "split", "config": {"test_size": 0.25}},
        {"id": "m", "type": "model", "config": {"algorithm": "xgboost", "use_cv": True, "cv_folds": 3}},
        {"id": "e", "type": "evaluate", "config": {"metrics": ["accuracy", "roc_auc"]}}],
        "edges": [{"source": a, "target": b} for a, b in (("d", "p"), ("p", "s"), ("s", "m"), ("m", "e"))]}
    job = run(web, wf)
    pipeline = run_pipeline(job, "m")
    assert any(hasattr(step, "fit_resample") for _, step in pipeline.steps)  # the run fitted with the filter
    folder = unzip(web, job["id"], "m", tmp_path / "bundle")
    card = json.loads((folder / "model_card.json").read_text())
    assert {f["name"]: f["type"] for f in card["features"]} == {
        "signup": "datetime", "city": "categorical", "plan": "categorical", "spend": "numeric"}
    assert card["classes"] == ["no", "yes"] and card["positive_class"] in ("no", "yes")
    assert card["metrics"]["test"][0]["values"]["accuracy"] > 0.5 and len(card["metrics"]["cv"]["folds"]) == 3
    assert card["dataset"]["content_hash"] == up.json()["content_hash"]
    # the saved model has no row filter (training-only), so it needs no imbalanced-learn
    import skops.io as sio

    model = sio.load(folder / "model.skops", trusted=sio.get_untrusted_types(file=folder / "model.skops"))
    assert not any(hasattr(step, "fit_resample") for _, step in model.steps)
    assert "imbalanced-learn" not in (folder / "requirements.txt").read_text()
    new_rows = tmp_path / "new.csv"
    fresh = shop_table(150, seed=11)
    fresh.drop(columns=["churned"]).to_csv(new_rows, index=False)
    out = predict_py(folder, new_rows, "--proba", fresh=True)
    assert out.returncode == 0, out.stderr[-2000:]
    app_csv, fragment = app_score(web, job["id"], "m", new_rows, proba=True)
    assert out.stdout == app_csv and "data-score-reading" not in fragment  # nothing to say of a plain CSV
    # a European export of the same rows: the same predictions, and how it was read is said (it was not)
    european = tmp_path / "neu.csv"
    european.write_bytes(fresh.drop(columns=["churned"]).to_csv(index=False, sep=";", decimal=",").encode("cp1252"))
    eu_csv, fragment = app_score(web, job["id"], "m", european, proba=True)
    assert eu_csv == app_csv
    assert 'data-score-reading="1"' in fragment and "How the file was read" in fragment
    assert "decimal comma" in html.unescape(fragment), fragment
    # the deployment's CSV answer too, ids first (it left them out: found by a new user)
    key = web.post("/api/v1/keys", json={"name": "shop"}).json()["key"]
    assert web.post(f"/api/v1/jobs/{job['id']}/models/m/deploy", json={"name": "shop"}).status_code == 201
    served = web.post("/api/v1/deployments/shop/predict", content=new_rows.read_bytes(),
                      headers={"Content-Type": "text/csv", "Accept": "text/csv", "Authorization": f"Bearer {key}"})
    assert served.status_code == 200 and served.text == out.stdout, served.text[:500]
    X = fresh.drop(columns=["churned", "customer"]).assign(signup=pd.to_datetime(fresh["signup"]))
    want = pipeline.predict_proba(X)
    got = pd.read_csv(io.StringIO(out.stdout))
    # each prediction beside its row's id, by predict.py and the app alike (rows matched by more than order)
    assert card["id_columns"] == ["customer"] and "customer" in card["left_out_columns"]
    assert list(got.columns) == ["customer", "prediction", "proba_no", "proba_yes"]
    assert list(got["customer"]) == list(fresh["customer"])
    np.testing.assert_allclose(got[["proba_no", "proba_yes"]].to_numpy(), want, atol=1e-9)
    assert list(got["prediction"]) == list(pipeline.predict(X))

    assert "never saw" not in out.stderr  # cities the model knows: nothing to say
    # a city training never saw is scored (as an unknown category) and said, by predict.py and the app
    moved = fresh.assign(city=["Berlin"] * 2 + list(fresh["city"][2:]))
    moved_rows = tmp_path / "moved.csv"
    moved.to_csv(moved_rows, index=False)
    out = predict_py(folder, moved_rows, fresh=True)
    assert out.returncode == 0 and len(pd.read_csv(io.StringIO(out.stdout))) == len(moved)
    said = "'city': 2 rows hold a value the model never saw in training ('Berlin'), scored as an unknown category."
    assert said in out.stderr, out.stderr
    _, fragment = app_score(web, job["id"], "m", moved_rows)
    assert "data-score-warnings" in fragment and said in html.unescape(fragment), fragment

    # rows it cannot score are refused with a sentence naming the columns, by predict.py and the app
    bad = fresh.drop(columns=["churned", "city"]).assign(extra=1, spend="lots")
    bad_rows = tmp_path / "bad.csv"
    bad.to_csv(bad_rows, index=False)
    refused = predict_py(folder, bad_rows, fresh=True)
    assert refused.returncode == 2 and refused.stdout == ""
    assert "the app's Score a file reads regional formats too" in refused.stderr  # what to do, said
    for said in (refused.stderr, app_score(web, job["id"], "m", bad_rows)[1]):
        assert "missing column 'city'" in said and "unknown column 'extra'" in said
        assert "'spend' should hold numbers (values like 'lots'" in said

    # the bundle's model file tampered with to hold an untrusted type is refused, by predict.py and the app's loader
    tampered = tmp_path / "tampered"
    tampered.mkdir()
    for p in folder.iterdir():
        if p.is_file():
            (tampered / p.name).write_bytes(p.read_bytes())
    evil = sio.dumps({"model": model, "payload": os.system})
    (tampered / "model.skops").write_bytes(evil)
    r = predict_py(tampered, new_rows, fresh=True)
    assert r.returncode == 2 and "outside the reviewed list" in r.stderr and "posix.system" in r.stderr
    from executor.bundle import load_model

    with pytest.raises(playground_runtime.UntrustedModel, match="outside the reviewed list"):
        load_model(evil)


def test_bundles_of_unknown_runs_and_nodes_are_404(web):
    r = web.get("/api/v1/jobs/nope/models/m/bundle")
    assert r.status_code == 404 and "nope" in r.json()["detail"]
    job = run(web, {"name": "n", "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": "iris", "target_column": "target",
                                                  "problem_type": "classification"}},
        {"id": "s", "type": "split", "config": {}},
        {"id": "m", "type": "model", "config": {"algorithm": "knn"}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}]})
    r = web.get(f"/api/v1/jobs/{job['id']}/models/s/bundle")
    assert r.status_code == 404 and "'m'" in r.json()["detail"]


def test_a_bundles_files_unpack_readable_by_everyone(web, tmp_path):
    """Each file unpacks -rw-r--r-- (writestr of a bare name gave -rw-------: a service running
    as another user could not read the model), with `unzip` and with zipfile alike; none is
    executable (predict.py is run with python)."""
    job = run(web, {"name": "modes", "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": "iris", "target_column": "target",
                                                  "problem_type": "classification"}},
        {"id": "s", "type": "split", "config": {}},
        {"id": "m", "type": "model", "config": {"algorithm": "knn"}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}]})
    r = web.get(f"/api/v1/jobs/{job['id']}/models/m/bundle")
    assert r.status_code == 200, r.text[:500]
    archive = tmp_path / "model.zip"
    archive.write_bytes(r.content)
    with zipfile.ZipFile(archive) as z:
        infos = z.infolist()
        assert {i.filename for i in infos} >= {"model.skops", "predict.py", "playground_runtime.py", "requirements.txt"}
        assert {i.filename: (i.external_attr >> 16) & 0o777 for i in infos} == {i.filename: 0o644 for i in infos}
        # zipfile's extractall leaves modes to the umask; applied as an unzipper reads them
        into = tmp_path / "zipfile"
        for info in infos:
            os.chmod(z.extract(info, into), (info.external_attr >> 16) & 0o777)
    if shutil.which("unzip"):
        unzipped = tmp_path / "unzip"
        done = subprocess.run(["unzip", "-q", str(archive), "-d", str(unzipped)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        folders = [unzipped, into]
    else:
        folders = [into]
    for folder in folders:
        modes = {p.name: p.stat().st_mode & 0o777 for p in folder.iterdir()}
        assert modes == {i.filename: 0o644 for i in infos}, (folder, {k: oct(v) for k, v in modes.items()})


def test_the_skops_file_is_made_when_a_bundle_is_first_asked_for_and_then_reused(web):
    """A run writes no skops file (it costs a forest's run more than a second); the first
    bundle request makes it from the run's model, a second one reuses it as it is."""
    job = run(web, {"name": "lazy", "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": "iris", "target_column": "target",
                                                  "problem_type": "classification"}},
        {"id": "s", "type": "split", "config": {}},
        {"id": "m", "type": "model", "config": {"algorithm": "random_forest",
                                                "hyperparameters": {"n_estimators": 10}}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}]})
    folder = HOME / "artifacts" / job["id"]
    assert folder.is_dir() and not list(folder.rglob("*.skops"))
    rows = folder.parent / f"{job['id']}-rows.csv"
    datasets.load_sample("iris").to_csv(rows, index=False)
    assert app_score(web, job["id"], "m", rows)[0]  # scoring in the app reads the run's model: still no skops file
    assert not list(folder.rglob("*.skops"))

    def bundled() -> bytes:
        r = web.get(f"/api/v1/jobs/{job['id']}/models/m/bundle")
        assert r.status_code == 200, r.text[:500]
        return zipfile.ZipFile(io.BytesIO(r.content)).read("model.skops")

    first = bundled()
    made = list(folder.rglob("*.skops"))
    assert len(made) == 1 and made[0].read_bytes() == first
    stamp = made[0].stat().st_mtime_ns
    assert bundled() == first and made[0].stat().st_mtime_ns == stamp  # reused, not made again
    assert list(folder.rglob("*.skops")) == made
    model = playground_runtime.load_skops(first)
    frame = datasets.load_sample("iris").drop(columns=["target"])
    assert list(model.predict(frame)) == list(run_pipeline(job, "m").predict(frame))


def test_every_builtin_pipeline_needs_only_reviewed_types():
    """Every algorithm, with every preprocessing operation that can precede it, saved as the
    Model node saves it: skops lists nothing outside playground_runtime.TRUSTED_TYPES."""
    import skops.io as sio

    from nodes.model import fit_target, make_pipeline
    from plugins.params import validate_params

    rng = np.random.default_rng(0)
    n = 120
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.choice(list("xyz"), n),
                      "d": pd.date_range("2020-01-01", periods=n), "e": rng.choice([True, False], n)})
    X.loc[::9, "a"] = np.nan
    y = {"classification": pd.Series(np.where(X.b > 0, "u", "v")), "regression": X.b * 3 + rng.normal(size=n),
         "clustering": None}
    ops = [(k, validate_params(o.params, {}, None)[0]) for k, o in registry.operations().items()
           if k not in ("drop_columns", "fill_missing_constant")] + [("fill_missing_constant", {"value": "0"})]
    for key, plugin in registry.models().items():
        for pt in plugin.problem_types:
            hp = validate_params(plugin.params, {}, pt)[0]
            chosen = [o for o in ops if not (pt == "clustering" and o[0] == "target_encoder")]
            pipe = make_pipeline(plugin, hp, pt, chosen, 0, "t").fit(X, fit_target(X, y[pt]))
            data = sio.dumps(playground_runtime.scoring_pipeline(pipe))
            needed = sio.get_untrusted_types(data=data)
            assert playground_runtime.refused_types(needed) == [], (key, pt)


def test_a_predict_node_scores_a_table_with_a_model(web):
    wf = {"name": "predict", "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": "iris", "target_column": "target",
                                                  "problem_type": "classification"}},
        {"id": "s", "type": "split", "config": {}},
        {"id": "m", "type": "model", "config": {"algorithm": "logistic_regression"}},
        {"id": "x", "type": "predict", "config": {"probabilities": True}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"},
                  {"source": "m", "target": "x", "target_port": "model"},
                  {"source": "d", "target": "x", "target_port": "table"}]}
    job = run(web, wf)
    node = next(n for n in job["nodes"] if n["node_id"] == "x")
    assert node["output"]["rows"] == 150 and node["output"]["columns"][0] == "prediction"
    art = next((HOME / "artifacts" / job["id"]).glob("*-predictions.csv"))
    got = pd.read_csv(art)
    frame = datasets.load_sample("iris")
    pipe = run_pipeline(job, "m")
    assert list(got["prediction"]) == list(pipe.predict(frame.drop(columns=["target"])))
    np.testing.assert_allclose(got[["proba_0", "proba_1", "proba_2"]].to_numpy(),
                               pipe.predict_proba(frame.drop(columns=["target"])), atol=1e-12)
    assert list(got["target"]) == list(frame["target"])  # the rows as they came, predictions added
    # and the results offer the file (a new user found no way to it but the API and the disk)
    [download] = node["output"]["downloads"]
    assert download["label"] == "Predictions for 150 rows (CSV)"
    html = web.get(f"/ui/jobs/{job['id']}/results").text
    href = f'/api/v1/jobs/{job["id"]}/artifacts/{download["artifact_id"]}'
    assert f'href="{href}"' in html and 'data-download="x"' in html
    assert web.get(href).content == art.read_bytes()


def test_a_predict_node_writes_each_prediction_beside_its_rows_ids(web, tmp_path):
    """A Predict node's predictions.csv could not say which row each prediction was for: the
    Dataset node had left the id columns out of the table. They come first in the file now
    (the table the node passes on is unchanged)."""
    table = shop_table(120, seed=5)
    raw = tmp_path / "shop.csv"
    table.to_csv(raw, index=False)
    up = web.post("/api/v1/datasets", files={"file": ("shop.csv", raw.read_bytes())}).json()
    wf = {"name": "predict ids", "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": up["id"], "target_column": "churned",
                                                  "problem_type": "classification"}},
        {"id": "s", "type": "split", "config": {}},
        {"id": "m", "type": "model", "config": {"algorithm": "logistic_regression"}},
        {"id": "x", "type": "predict", "config": {}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"},
                  {"source": "m", "target": "x", "target_port": "model"},
                  {"source": "d", "target": "x", "target_port": "table"}]}
    job = run(web, wf)
    got = pd.read_csv(next((HOME / "artifacts" / job["id"]).glob("*-predictions.csv")))
    assert list(got.columns)[0] == "customer" and list(got["customer"]) == list(table["customer"])
    assert got["prediction"].isin(["yes", "no"]).all() and len(got) == len(table)
    assert list(got["churned"]) == list(table["churned"])  # the rows as they came, predictions added


def test_a_predict_node_sets_aside_the_models_ids_in_a_small_table_and_says_unseen_values(web, tmp_path):
    """Three new rows to score, as their own dataset: too few for their Dataset node to call
    'customer' an id, so the Predict node refused "unknown column 'customer'" where Score a
    file and predict.py score them; a city training never saw was scored without a word
    (found by a new user). The model's ids are set aside and the unseen value is said."""
    table = shop_table(120, seed=5)
    raw = tmp_path / "shop.csv"
    table.to_csv(raw, index=False)
    up = web.post("/api/v1/datasets", files={"file": ("shop.csv", raw.read_bytes())}).json()
    new = shop_table(3, seed=9).drop(columns=["churned"]).assign(city=["Atlantis", "Atlantis", "Atlantis"])
    few = tmp_path / "few.csv"
    new.to_csv(few, index=False)
    small = web.post("/api/v1/datasets", files={"file": ("few.csv", few.read_bytes())}).json()
    assert next(c for c in small["profile"]["columns"] if c["name"] == "customer")["role"] != "id"
    wf = {"name": "predict few", "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": up["id"], "target_column": "churned",
                                                  "problem_type": "classification"}},
        {"id": "n", "type": "dataset", "config": {"dataset_id": small["id"], "target_column": None,
                                                  "problem_type": "clustering"}},
        {"id": "s", "type": "split", "config": {}},
        {"id": "m", "type": "model", "config": {"algorithm": "logistic_regression"}},
        {"id": "x", "type": "predict", "config": {}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"},
                  {"source": "m", "target": "x", "target_port": "model"},
                  {"source": "n", "target": "x", "target_port": "table"}]}
    job = run(web, wf)
    x = next(n for n in job["nodes"] if n["node_id"] == "x")
    assert x["status"] == "completed", x
    assert job["results"]["nodes"]["x"]["warnings"] == [
        "'city': 3 rows hold a value the model never saw in training ('Atlantis'), scored as an unknown category."]
    got = pd.read_csv(next((HOME / "artifacts" / job["id"]).glob("*-predictions.csv")))
    assert list(got["customer"]) == list(new["customer"]) and len(got) == 3


def test_a_runs_scored_files_are_bounded_to_the_newest(tmp_path):
    """Runs are never deleted, so "Score a file" keeps only the newest prediction files of
    a run (bundle.SCORES_KEPT): the oldest go when a new one is written."""
    from executor import bundle

    folder = tmp_path / "scores"
    folder.mkdir()
    for i in range(bundle.SCORES_KEPT + 3):
        f = folder / f"m-{i:02d}.csv"
        f.write_text("prediction\n1\n")
        os.utime(f, ns=(10**18 + i * 10**9, 10**18 + i * 10**9))
    (folder / "notes.txt").write_text("not a prediction file")
    assert bundle.keep_newest_scores(folder) == ["m-02.csv", "m-01.csv", "m-00.csv"]
    assert sorted(p.name for p in folder.glob("*.csv")) == [f"m-{i:02d}.csv" for i in range(3, bundle.SCORES_KEPT + 3)]
    assert (folder / "notes.txt").exists()
    assert bundle.keep_newest_scores(folder) == []


def test_the_loader_builds_every_kind_of_array_as_skops_does():
    """load_skops builds plain arrays and numpy scalars from their bytes itself (numpy's
    header parser took half a forest's load time): every dtype, order, shape and scalar
    comes out as skops' own loads gives it, and an array whose bytes do not match its
    header is still refused."""
    import zipfile as zf

    import skops.io as sio

    rng = np.random.default_rng(0)
    structured = np.zeros(5, dtype=[("left", "<i8"), ("threshold", "<f8"), ("flag", "u1")])
    structured["left"], structured["threshold"], structured["flag"] = range(5), rng.normal(size=5), 1
    arrays = {
        "f64": rng.normal(size=(4, 3)), "fortran": np.asfortranarray(rng.normal(size=(4, 3))),
        "f32_3d": rng.normal(size=(2, 3, 4)).astype(np.float32), "int32": np.arange(7, dtype=np.int32),
        "big_endian": np.arange(6, dtype=">i8"), "bool": np.array([True, False, True]),
        "empty": np.zeros((0, 3)), "zero_d": np.array(3.5), "unicode": np.array(["a", "bé", "c"]),
        "dates": np.array(["2020-01-01", "2021-06-30"], dtype="datetime64[ns]"), "structured": structured,
        "nan": np.array([np.nan, np.inf, -0.0]), "uint8": np.arange(3, dtype=np.uint8),
        "scalar_f64": np.float64(2.25), "scalar_i64": np.int64(-9), "scalar_bool": np.bool_(True),
        "scalar_f32": np.float32(1.5), "objects": np.array(["x", 1], dtype=object),
    }
    data = sio.dumps(arrays)
    ours, theirs = playground_runtime.load_skops(data), sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    assert ours.keys() == theirs.keys()
    for name, want in theirs.items():
        got = ours[name]
        assert type(got) is type(want), name
        if isinstance(want, np.ndarray):
            assert got.dtype == want.dtype and got.shape == want.shape, name
            assert got.flags.c_contiguous == want.flags.c_contiguous and got.flags.f_contiguous == want.flags.f_contiguous
            assert got.flags.writeable == want.flags.writeable, name
            if want.dtype.names:
                assert all(np.array_equal(got[f], want[f]) for f in want.dtype.names), name
            else:
                assert np.array_equal(got, want, equal_nan=want.dtype.kind == "f"), name
        else:
            assert got == want and got.dtype == want.dtype, name
    # an array member cut short (its header says more bytes than it has) is refused, not read
    with zf.ZipFile(io.BytesIO(data)) as z:
        members = {n: z.read(n) for n in z.namelist()}
    member = next(n for n in members if n.endswith(".npy") and len(members[n]) > 200)
    members[member] = members[member][:-8]
    cut = io.BytesIO()
    with zf.ZipFile(cut, "w") as z:
        for n, b in members.items():
            z.writestr(n, b)
    with pytest.raises(playground_runtime.UntrustedModel, match="not a readable skops file"):
        playground_runtime.load_skops(cut.getvalue())


def test_the_loaders_own_audit_reads_a_file_as_skops_audit_does():
    """load_skops audits a file in one walk of its tree (skops' own walk enters a context
    manager a node) and slices its stored members from the file's bytes: the walk finds
    exactly the types skops' get_unsafe_set finds, wherever they sit (a function in a
    pipeline, a shared object reached twice, a bound method, a bare type, a random
    generator) and the file is refused naming them; a member whose bytes changed after it
    was written (its CRC-32 no longer matches), a compressed file and a file claiming
    another protocol are read exactly as zipfile and skops' read_schema read them."""
    import collections
    import operator
    import zipfile as zf

    import skops.io as sio
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer
    from skops.io._audit import get_tree
    from skops.io._utils import read_schema

    shared = collections.Counter(a=1)
    risky = {"pipe": Pipeline([("f", FunctionTransformer(func=operator.neg)), ("m", LogisticRegression())]),
             "nested": [({"c": shared},), shared], "method": np.random.default_rng(0).random,
             "type": collections.OrderedDict, "rng": np.random.default_rng(1), "slice": slice(1, 5)}
    data = sio.dumps(risky)
    with zf.ZipFile(io.BytesIO(data)) as z:
        schema, context = read_schema(z)
        tree = get_tree(schema, context, trusted=None)
        theirs = tree.get_unsafe_set()
        assert playground_runtime._unsafe_types(tree) == theirs
    assert theirs == {"_operator.neg", "collections.Counter", "collections.OrderedDict",
                      "numpy.random._generator.Generator", "numpy.random._generator.Generator.random"}
    with pytest.raises(playground_runtime.UntrustedModel) as refused:
        playground_runtime.load_skops(data)
    assert all(t in str(refused.value) for t in theirs)

    X = pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0) % 7})
    model = Pipeline([("m", LogisticRegression())]).fit(X, np.arange(40) % 2)
    plain = sio.dumps(model)
    # a compressed file (skops writes stored members; zipfile reads the others)
    deflated = sio.dumps(model, compression=zf.ZIP_DEFLATED)
    assert np.array_equal(playground_runtime.load_skops(deflated).predict_proba(X), model.predict_proba(X))
    assert np.array_equal(playground_runtime.load_skops(plain).predict_proba(X), model.predict_proba(X))
    with pytest.MonkeyPatch.context() as mp:  # where orjson is not installed, json reads the schema
        mp.setitem(sys.modules, "orjson", None)
        assert np.array_equal(playground_runtime.load_skops(plain).predict_proba(X), model.predict_proba(X))
    # a byte of an array changed after the file was written: its CRC-32 (or its deflate stream) says so
    for file, said in ((plain, "CRC"), (deflated, "")):
        with zf.ZipFile(io.BytesIO(file)) as z:
            info = next(i for i in z.infolist() if i.filename.endswith(".npy") and i.file_size > 100)
        header = file[info.header_offset:info.header_offset + 30]
        at = (info.header_offset + 30 + int.from_bytes(header[26:28], "little")
              + int.from_bytes(header[28:30], "little") + info.compress_size // 2)
        flipped = file[:at] + bytes([file[at] ^ 0xFF]) + file[at + 1:]
        with pytest.raises(playground_runtime.UntrustedModel, match=f"not a readable skops file.*{said}"):
            playground_runtime.load_skops(flipped)
    # the protocol decides which loaders build the file: only an integer skops knows is read
    with zf.ZipFile(io.BytesIO(plain)) as z:
        members = {n: z.read(n) for n in z.namelist()}
    for protocol in ("1", True, 99, -1, None):
        schema = json.loads(members["schema.json"])
        schema["protocol"] = protocol
        other = io.BytesIO()
        with zf.ZipFile(other, "w") as z:
            for n, b in members.items():
                z.writestr(n, json.dumps(schema) if n == "schema.json" else b)
        with pytest.raises(playground_runtime.UntrustedModel, match="not a readable skops file.*protocol"):
            playground_runtime.load_skops(other.getvalue())


def test_a_wrong_value_is_refused_saying_what_the_column_takes():
    """A German export's day-first date and a 'yes' in a true/false column, sent to a model:
    the sentence said "should be datetime" and "should be categorical" (for a column of
    booleans), which tells no one what to send."""
    features = [{"name": "born", "type": "datetime", "dtype": "datetime64[ns]"},
                {"name": "promo", "type": "categorical", "dtype": "bool"},
                {"name": "spend", "type": "numeric", "dtype": "float64"}]
    rows = pd.DataFrame({"born": ["31.02.1981"], "promo": ["yes"], "spend": ["2.195,79 €"]})
    with pytest.raises(playground_runtime.ColumnsError) as e:
        playground_runtime.prepare_rows(rows, features)
    said = str(e.value)
    assert "'born' should hold dates written as ISO 8601, like 2024-11-27" in said and "'31.02.1981'" in said
    assert "'promo' should hold true or false (values like 'yes', the first in row 1)" in said
    # a decimal comma where training wrote a decimal point, which no file settles (settled_decimal)
    assert "'spend' holds numbers written with a decimal comma, or that may be (1,234 or 1.234" in said
    ok = playground_runtime.prepare_rows(pd.DataFrame({"born": ["1981-05-23"], "promo": ["true"], "spend": [2195.79]}),
                                         features)
    assert ok["born"].iloc[0] == pd.Timestamp("1981-05-23") and bool(ok["promo"].iloc[0]) is True


def test_dates_that_may_be_day_or_month_first_are_said_to_be_so():
    """Score a file refused 03/05/2023 and 12/11/2022 saying dates should be ISO 8601, though
    the same page reads 05.03.2023 beside 31/12/2022: the order is the problem, and the
    sentence now says so; JSON true sent for a date is written as sent (it said 'True')."""
    features = [{"name": "start", "type": "datetime", "dtype": "datetime64[ns]"}]
    for values, ambiguous in ((["03/05/2023", "12/11/2022"], True), (["3.5.23", "1-2-2024"], True),
                              (["31/12/2022", "12/31/2022"], False), (["yesterday", "03/05/2023"], False)):
        with pytest.raises(playground_runtime.ColumnsError) as e:
            playground_runtime.prepare_rows(pd.DataFrame({"start": values}), features)
        assert ("which comes first cannot be told" in str(e.value)) is ambiguous, (values, str(e.value))
    # 31/12/2022 shows the order of 03/05/2023 beside it: read day first, as Score a file reads the file
    # (tests/test_dates_own_order.py)
    read = playground_runtime.prepare_rows(pd.DataFrame({"start": ["31/12/2022", "03/05/2023"]}), features)
    assert read["start"].tolist() == [pd.Timestamp("2022-12-31"), pd.Timestamp("2023-05-03")]
    with pytest.raises(playground_runtime.ColumnsError, match=r"values like 'true', 'false', the first in row 1\)"):
        playground_runtime.prepare_rows(pd.DataFrame({"start": [True, False]}), features)


def predict_module():
    """The bundle's predict.py, loaded as a module (its functions called in-process)."""
    import importlib.util

    from executor.bundle import PREDICT_SCRIPT

    spec = importlib.util.spec_from_file_location("bundle_predict", PREDICT_SCRIPT)
    predict = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(predict)
    return predict


def test_predict_py_refuses_a_dot_between_thousands_in_a_semicolon_file(tmp_path, capsys):
    """A European export with whole numbers written 175.000 (Chile's population): the app
    reads 175000, predict.py read 175 and scored 7.4% of the rows otherwise, without a word
    (found by a new user). Such a column is refused now where nothing in the file shows which
    the dot is; a decimal point stays one, and so does a dot the file's other numbers show to
    be one (1.0082 beside 175.000: read as the app reads it, said)."""
    predict = predict_module()
    card = {"features": [{"name": "population", "type": "numeric", "dtype": "float64"},
                         {"name": "statusquo", "type": "numeric", "dtype": "float64"},
                         {"name": "region", "type": "categorical", "dtype": "str"}]}
    rows = tmp_path / "rows.csv"
    rows.write_text("population;statusquo;region\n175.000;1;N\n8.000;-2;S\n12;0;S\n", encoding="utf-8")
    with pytest.raises(playground_runtime.ColumnsError,
                       match=r"semicolons, and 'population' holds values like '175.000', '8.000', where the dot may "
                             r"separate thousands"):
        predict.read_rows(rows, card)
    rows.write_text("population;statusquo;region\n175.5;1.0082;N\n8.000;-0.5;S\n", encoding="utf-8")
    assert predict.read_rows(rows, card)["population"].tolist() == [175.5, 8.0]  # a decimal point among them
    rows.write_text("population,statusquo,region\n175.000,1.0082,N\n", encoding="utf-8")
    assert predict.read_rows(rows, card)["population"].tolist() == [175.0]  # commas between columns: a point
    capsys.readouterr()
    rows.write_text("population;statusquo;region\n175.000;1.0082;N\n8.000;-0.5;S\n12;0.25;S\n", encoding="utf-8")
    assert predict.read_rows(rows, card)["population"].tolist() == [175.0, 8.0, 12.0]  # the file's other numbers
    assert "population: read as numbers (decimal point, as the file's other numbers write it): '175.000' → 175." \
        in capsys.readouterr().err
    # a value that shows its point settles the column, as the app reads it (a new user's 1.250 beside 0.750 was
    # refused, and predict.py would not score its own training file); without one, still refused
    for written, read in ((["1.250", "0.750", "1.125"], [1.25, 0.75, 1.125]), (["2.500", ".125"], [2.5, 0.125]),
                          (["1.250", "3.375", "12"], None), (["1.250.000", "0.500"], None)):
        rows.write_text("population;statusquo;region\n" + "".join(f"{v};5;N\n" for v in written), encoding="utf-8")
        if read is None:
            with pytest.raises(playground_runtime.ColumnsError, match="where the dot may separate thousands"):
                predict.read_rows(rows, card)
        else:
            assert predict.read_rows(rows, card)["population"].tolist() == read, written


def test_predict_py_piped_into_head_ends_without_a_traceback(tmp_path):
    """`python predict.py rows.csv --proba | head -3` printed its lines, then a 15-line
    BrokenPipeError traceback (found by a new user)."""
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    from executor.bundle import PREDICT_SCRIPT

    folder = tmp_path / "bundle"
    folder.mkdir()
    shutil.copy(PREDICT_SCRIPT, folder / "predict.py")
    shutil.copy(Path(playground_runtime.__file__), folder / "playground_runtime.py")
    X = pd.DataFrame({"x": np.arange(40, dtype=float)})
    (folder / "model.skops").write_bytes(sio.dumps(LogisticRegression().fit(X, (X["x"] > 20).astype(int))))
    (folder / "model_card.json").write_text(json.dumps({"features": [{"name": "x", "type": "numeric",
                                                                       "dtype": "float64"}], "classes": [0, 1]}))
    rows = tmp_path / "rows.csv"
    rows.write_text("x\n" + "\n".join(str(i % 40) for i in range(200_000)) + "\n")
    done = subprocess.run(f"{sys.executable} {folder / 'predict.py'} {rows} --proba | head -3", shell=True,
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.stdout.splitlines()[0] == "prediction,proba_0,proba_1" and len(done.stdout.splitlines()) == 3
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr


def test_predict_py_reads_a_semicolon_file_and_names_an_encoding_it_cannot_read(tmp_path, capsys):
    """A German export (Windows-1252, semicolons) given to the bundle's predict.py ended in a
    UnicodeDecodeError traceback; the same rows saved as UTF-8 were read as one column named
    'Kundennr;Alter;Region' ("unknown column 'Kundennr;Alter;Region'"). predict.py now finds
    the semicolons and says in a sentence what it cannot decode."""
    import importlib.util

    from executor.bundle import PREDICT_SCRIPT

    spec = importlib.util.spec_from_file_location("bundle_predict", PREDICT_SCRIPT)
    predict = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(predict)
    card = {"features": [{"name": "Alter", "type": "numeric", "dtype": "float64"},
                         {"name": "Region", "type": "categorical", "dtype": "str"}]}
    rows = tmp_path / "rows.csv"
    rows.write_text("Kundennr;Alter;Region\nK1;42;Süd\nK2;37;Nord\n", encoding="utf-8")
    frame = predict.read_rows(rows, card)
    assert list(frame.columns) == ["Kundennr", "Alter", "Region"] and frame["Region"].tolist() == ["Süd", "Nord"]
    # a file in a code page is read as the app's upload reads it (playground_runtime.text_encoding), and said
    rows.write_bytes("Kundennr;Alter;Region\nK1;42;Süd\n".encode("cp1252"))
    assert predict.read_rows(rows, card)["Region"].tolist() == ["Süd"]
    assert "rows.csv is not UTF-8 (byte fc on line 2, 29 bytes in): read as Windows-1252" in capsys.readouterr().err
    # far into a file: where it is in the file, not in the piece pandas was decoding
    far = "Kundennr;Alter;Region\n" + "".join(f"K{i};{i % 90};Nord\n" for i in range(20_000)) + "K;1;Süd\n"
    rows.write_bytes(far.encode("cp1252"))
    at = far.encode("cp1252").index(b"\xfc")
    assert predict.read_rows(rows, card)["Region"].tolist()[-1] == "Süd"
    assert f"(byte fc on line 20,002, {at:,} bytes in)" in capsys.readouterr().err
    # a workbook is not called a text file in the wrong encoding (a damaged one is said so: tests/test_exits_layout.py
    # reads whole ones)
    book = tmp_path / "rows.xlsx"
    book.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\x84")
    with pytest.raises(playground_runtime.ColumnsError,
                       match=r"rows\.xlsx cannot be read as a workbook: it is damaged, protected by a password, or not "
                             r"an Excel file"):
        predict.read_rows(book, card)


def test_infinite_and_empty_rows_are_refused_in_a_sentence_not_a_traceback(tmp_path):
    """'inf', '-inf', 'Infinity' or '1e400' in a CSV sent to a deployment answered 500 (and
    predict.py printed scikit-learn's "Input X contains infinity" traceback); a header-only
    file and an empty one ended predict.py in tracebacks too (found by a new user)."""
    import importlib.util

    from executor.bundle import PREDICT_SCRIPT

    features = [{"name": "V1", "type": "numeric", "dtype": "float64"},
                {"name": "V2", "type": "numeric", "dtype": "int64"}]
    for bad in ("inf", "-inf", "Infinity", "1e400"):
        rows = pd.read_csv(io.StringIO(f"V1,V2\n{bad},1\n2.5,3\n"))
        with pytest.raises(playground_runtime.ColumnsError) as e:
            playground_runtime.prepare_rows(rows, features)
        assert str(e.value) == ("These rows cannot be scored: infinite values in 'V1' (a number too large to hold, or "
                                "'inf'; leave the cell empty for a missing value).")
    ok = playground_runtime.prepare_rows(pd.read_csv(io.StringIO("V1,V2\n,1\n2.5,3\n")), features)
    assert ok["V1"].isna().tolist() == [True, False]  # a gap is not refused: the pipeline fills it
    with pytest.raises(playground_runtime.ColumnsError, match="there are none"):
        playground_runtime.prepare_rows(pd.DataFrame({"V1": [], "V2": []}), features)

    spec = importlib.util.spec_from_file_location("bundle_predict", PREDICT_SCRIPT)
    predict = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(predict)
    card = {"features": features, "id_columns": ["row_names"]}
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(playground_runtime.ColumnsError, match=r"^empty\.csv is empty: it has neither a header nor rows\.$"):
        predict.read_rows(empty, card)
    # R's write.csv: the first header cell is empty above the row names, named as the app names it
    r_file = tmp_path / "r.csv"
    r_file.write_text('"","V1","V2"\n"1",2.5,3\n"2",1.5,4\n')
    frame = predict.read_rows(r_file, card)
    assert list(frame.columns) == ["row_names", "V1", "V2"] and frame["row_names"].tolist() == [1, 2]
    frame = predict.read_rows(r_file, {"features": features})  # no id column kept: set aside, and carried
    assert list(frame.columns) == ["row_names", "V1", "V2"]
    assert playground_runtime.set_aside_row_names([], features, frame) == ["row_names"]
    assert playground_runtime.row_id_columns([], features, frame) == ["row_names"]
    named = tmp_path / "named.csv"
    named.write_text("Unnamed: 0,V1,V2\nx,2.5,3\n")  # a column really called so is the user's
    assert list(predict.read_rows(named, card).columns) == ["Unnamed: 0", "V1", "V2"]
    # blank rows a spreadsheet leaves at the end are left out, as the app reads them (they were scored)
    tail = tmp_path / "tail.csv"
    tail.write_text("V1,V2\n2.5,3\n1.5,4\n,\n,\n\n")
    assert len(predict.read_rows(tail, card)) == 2


def test_a_refusal_gives_the_values_it_cannot_read_and_a_name_that_differs_by_case_or_space():
    """'-' among numbers was refused giving the column's first numbers as examples ("values like
    '165.0', '150.0'"); 'Horsepower ' (a trailing space) was unknown to predict.py though the
    app's reader strips it; 'origin' for 'Origin' was said as two unrelated columns (found by a
    new user)."""
    features = [{"name": "Horsepower", "type": "numeric", "dtype": "float64"},
                {"name": "Origin", "type": "categorical", "dtype": "str"}]
    with pytest.raises(playground_runtime.ColumnsError) as e:
        playground_runtime.prepare_rows(pd.DataFrame({"Horsepower": ["165.0", "150.0", "12 hp", "x1"],
                                                      "Origin": ["US"] * 4}), features)
    assert "'Horsepower' should hold numbers (values like '12 hp', 'x1', the first in row 3)" in str(e.value)
    # '-' and 'n/a' among numbers are gaps, as the app's reader reads them in a training file
    gapped = playground_runtime.prepare_rows(pd.DataFrame({"Horsepower": ["165.0", "150.0", "-", "n/a"],
                                                           "Origin": ["US"] * 4}), features)
    assert gapped["Horsepower"].isna().tolist() == [False, False, True, True]
    with pytest.raises(playground_runtime.ColumnsError) as e:
        playground_runtime.prepare_rows(pd.DataFrame({"Horsepower ": [1.0], "origin": ["US"]}), features)
    assert str(e.value) == ("These rows cannot be scored: missing column 'Origin'; unknown column 'origin' (the "
                            "model was not trained on it: leave it out of the rows to score); names are matched exactly, capitals too: 'origin' is not "
                            "'Origin'.")
    ok = playground_runtime.prepare_rows(pd.DataFrame({" Horsepower ": [1.0], "Origin": ["US"]}), features)
    assert list(ok.columns) == ["Horsepower", "Origin"]
    # as JSON sends them: "" is a gap, as an empty CSV cell is; true is no number, and is written as sent
    gaps = playground_runtime.prepare_rows(pd.DataFrame({"Horsepower": pd.Series(["", " ", "90"], dtype=object),
                                                         "Origin": ["US"] * 3}), features)
    assert gaps["Horsepower"].isna().tolist() == [True, True, False] and gaps["Horsepower"].iloc[2] == 90
    with pytest.raises(playground_runtime.ColumnsError, match=r"'Horsepower' should hold numbers \(values like 'true', the first in row 1\)"):
        playground_runtime.prepare_rows(pd.DataFrame({"Horsepower": pd.Series([True, 90], dtype=object),
                                                      "Origin": ["US"] * 2}), features)


def test_a_forests_predictions_taken_from_its_probabilities_are_its_own():
    """Asked for predictions and probabilities, a random or extra-trees forest runs its trees
    once and takes the class of highest probability, as scikit-learn's own predict does: the
    same values as predict gives, ties included (three trees on few rows tie often), for
    text, integer and true/false classes, alone and at the end of a pipeline; any other
    model (a forest's subclass too) is asked for each."""
    from sklearn.ensemble import ExtraTreesClassifier, GradientBoostingClassifier, RandomForestClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(3)
    X = pd.DataFrame({"a": rng.integers(0, 3, 60).astype(float), "b": rng.integers(0, 2, 60).astype(float)})
    labels = {"text": np.array(["ja", "nein", "vielleicht"])[rng.integers(0, 3, 60)],
              "int": rng.integers(0, 2, 60) * 7, "bool": rng.integers(0, 2, 60).astype(bool)}
    ties = 0
    for cls in (RandomForestClassifier, ExtraTreesClassifier):
        for name, y in labels.items():
            for model in (cls(n_estimators=3, max_depth=2, random_state=0),
                          Pipeline([("s", StandardScaler()), ("m", cls(n_estimators=3, random_state=1))])):
                model.fit(X, y)
                assert playground_runtime._predicts_from_proba(model)
                pred, proba = playground_runtime.predicted(model, X, proba=True)
                want = model.predict(X)
                assert pred.dtype == want.dtype and np.array_equal(pred, want), (cls, name)
                assert np.array_equal(proba, model.predict_proba(X))
                ties += int((np.sort(proba, axis=1)[:, -1] == np.sort(proba, axis=1)[:, -2]).sum())
    assert ties > 0  # the rule met tied probabilities and still agreed with predict

    class Biased(RandomForestClassifier):
        def predict(self, X):
            return np.full(len(X), self.classes_[0])

    for other in (Biased(n_estimators=3, random_state=0), GradientBoostingClassifier(n_estimators=5)):
        other.fit(X, labels["text"])
        assert not playground_runtime._predicts_from_proba(other)
        assert np.array_equal(playground_runtime.predicted(other, X, proba=True)[0], other.predict(X))


def test_a_predict_node_says_when_its_rows_target_is_one_of_the_models_inputs(web):
    """New rows uploaded as their own dataset came with a suggested target, one of the model's
    inputs: their Dataset node would leave out every row where it is empty, without a word at
    the Predict node (found by a new user). The Predict node says so and how to score all."""
    iris = {"dataset_id": "iris", "target_column": "target", "problem_type": "classification"}
    rows = {"dataset_id": "iris", "target_column": "sepal length (cm)", "problem_type": "regression"}
    wf = {"name": "predict target", "nodes": [
        {"id": "d", "type": "dataset", "config": iris}, {"id": "n", "type": "dataset", "config": rows},
        {"id": "s", "type": "split", "config": {}}, {"id": "m", "type": "model", "config": {"algorithm": "knn"}},
        {"id": "x", "type": "predict", "config": {}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"},
                  {"source": "m", "target": "x", "target_port": "model"},
                  {"source": "n", "target": "x", "target_port": "table"}]}
    job = run(web, wf)
    said = " ".join(job["results"]["nodes"]["x"].get("warnings") or [])
    assert "whose target is 'sepal length (cm)', which this model takes as an input" in said, said
    assert "Clustering (no target)" in said


def test_the_trusted_names_skops_gives_each_node_are_its_own_made_once():
    """load_skops makes each distinct list of default-trusted type names once
    (_reuse_trusted_names): the names equal what skops' own function makes, for every
    kind of list its nodes pass, and a caller changing its copy changes no later answer."""
    import numpy as np
    import skops.io as sio
    import skops.io._audit as audit
    from sklearn.linear_model import LogisticRegression
    from skops.io._trusted_types import NUMPY_DTYPE_TYPE_NAMES, PRIMITIVE_TYPE_NAMES
    from skops.io._utils import get_type_paths as skops_own

    import playground_runtime
    from playground_runtime import load_skops

    load_skops(sio.dumps(LogisticRegression().fit([[0.0], [1.0]], [0, 1])))  # installs it
    reused = audit.get_type_paths
    assert reused is not skops_own and reused.reuses_names
    for types in ([np.ndarray] + NUMPY_DTYPE_TYPE_NAMES, PRIMITIVE_TYPE_NAMES, [dict, "collections.OrderedDict"],
                  [], None, "builtins.int", int, list(playground_runtime.TRUSTED_TYPES)):
        assert reused(types) == skops_own(types)
        assert reused(types) == skops_own(types)  # the second answer, from what was made once
    for broken in ([[], int], [3]):  # what skops' own refuses, it still refuses
        with pytest.raises(AttributeError):
            skops_own(broken)
        with pytest.raises(AttributeError):
            reused(broken)
    first = reused([np.ndarray] + NUMPY_DTYPE_TYPE_NAMES)
    first.append("evil.Type")
    assert "evil.Type" not in reused([np.ndarray] + NUMPY_DTYPE_TYPE_NAMES)


def test_a_column_a_step_drops_is_not_asked_of_the_rows_to_score(web, tmp_path):
    """Found by a new user (vega cars, "Drop columns" Name): every scorer demanded the
    dropped column ("missing column 'Name'") and took any value for it. Now the model card
    marks it unused, and the bundle's predict.py and the app's "Score a file" score rows
    without it, with the same predictions as rows that hold it (whatever they hold)."""
    raw = tmp_path / "shop.csv"
    table = shop_table(240, seed=5)
    table.to_csv(raw, index=False)
    up = web.post("/api/v1/datasets", files={"file": ("shop.csv", raw.read_bytes())})
    assert up.status_code == 201, up.text
    ops = [{"method": "drop_columns", "parameters": {"columns": ["city"]}},
           {"method": "onehot_encoder", "parameters": {}}]
    wf = {"name": "dropped", "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": up.json()["id"], "target_column": "churned",
                                                  "problem_type": "classification"}},
        {"id": "p", "type": "preprocessing", "config": {"operations": ops}},
        {"id": "s", "type": "split", "config": {}},
        {"id": "m", "type": "model", "config": {"algorithm": "random_forest"}}],
        "edges": [{"source": a, "target": b} for a, b in (("d", "p"), ("p", "s"), ("s", "m"))]}
    job = run(web, wf)
    folder = unzip(web, job["id"], "m", tmp_path / "bundle")
    card = json.loads((folder / "model_card.json").read_text())
    assert [f["name"] for f in card["features"] if f.get("unused")] == ["city"]
    assert "not needed in rows to score: city" in (folder / "MODEL_CARD.md").read_text()
    rows = table.drop(columns=["churned"]).head(40)
    with_city, without, odd = tmp_path / "with.csv", tmp_path / "without.csv", tmp_path / "odd.csv"
    rows.to_csv(with_city, index=False)
    rows.drop(columns=["city"]).to_csv(without, index=False)
    rows.assign(city=range(40)).to_csv(odd, index=False)  # numbers where text was: never looked at
    got = predict_all([(folder, with_city, ()), (folder, without, ()), (folder, odd, ())], tmp_path / "cwd")
    assert [g["returncode"] for g in got] == [0, 0, 0], [g["stderr"] for g in got]
    assert got[0]["stdout"] == got[1]["stdout"] == got[2]["stdout"]
    app, _ = app_score(web, job["id"], "m", without)
    assert app is not None and app.splitlines()[1:] == got[0]["stdout"].splitlines()[1:]


def test_empty_cells_where_training_had_none_are_said_when_scoring():
    """Found by two new users: rows with empty cells were scored without a word (a forest
    takes gaps as they come; a linear model's guard fills them with training medians), where
    an unseen category was said. The model card counts each feature's training gaps."""
    X = pd.DataFrame({"visitors": [10.0, 12.0, 9.0], "region": ["N", "S", None], "promo": [1.0, None, 0.0]})
    features = playground_runtime.feature_schema(X)
    assert [f["missing"] for f in features] == [0, 1, 1]
    rows = playground_runtime.prepare_rows(pd.DataFrame({"visitors": [None, 3.0, None], "region": ["N", None, "S"],
                                                         "promo": [None, 1.0, 0.0]}), features)
    said = playground_runtime.unseen_values(rows, features)
    assert said == ["2 rows have empty cells in 'visitors', where the training rows had none: scored, but the model "
                    "never learned from a gap there."]
    assert playground_runtime.unseen_values(rows.fillna({"visitors": 1.0}), features) == []


def test_a_value_training_never_saw_is_said_in_a_column_of_many_values():
    """Found by a new user: the schema kept a text column's values only up to 200, and a car
    name training never saw (cars' Name: 242 values) was scored without a word, in every exit."""
    import playground_runtime

    train = pd.DataFrame({"name": [f"car {i}" for i in range(3000)], "hp": np.arange(3000.0)})
    features = playground_runtime.feature_schema(train)
    assert len(features[0]["categories"]) == 3000
    rows = playground_runtime.prepare_rows(pd.DataFrame({"name": ["car 7", "ford pinto 2000"], "hp": [1.0, 2.0]}),
                                           features)
    said = playground_runtime.unseen_values(rows, features)
    assert len(said) == 1 and said[0].startswith("'name': 1 row holds a value the model never saw"), said


def test_dates_are_read_by_one_rule_wherever_rows_are_scored(tmp_path):
    """Found by a new user: a column mixing '2015-06-02' and '2015-06-01T00:00:00+02:00' was
    scored by the endpoint (its CSV reader reads each in UTC) and refused by predict.py, naming
    the valid '2015-06-02'; the offset moved the date without a word; '2015' was read as
    January 1 unsaid. Now: every path reads an offset date in UTC and says so, says a year
    alone, and refuses a number (a day, or seconds or milliseconds since 1970?) in a sentence."""
    from executor.deployments import csv_frame

    features = [{"name": "date", "type": "datetime", "dtype": "datetime64[ns]", "missing": 0},
                {"name": "wind", "type": "numeric", "dtype": "int64", "missing": 0}]
    text = "date,wind\n2015-06-02,3\n2015-06-01T00:00:00+02:00,4.5\n"
    (tmp_path / "rows.csv").write_text(text)
    read_by = {"predict.py": predict_module().read_rows(tmp_path / "rows.csv", {"features": features}),
               "the endpoint": csv_frame(text.encode(), None, None, str(tmp_path)),
               "json records": pd.DataFrame.from_records([{"date": "2015-06-02", "wind": 3},
                                                          {"date": "2015-06-01T00:00:00+02:00", "wind": 4.5}])}
    for path, frame in read_by.items():
        X = playground_runtime.prepare_rows(frame, features)
        assert X["date"].tolist() == [pd.Timestamp("2015-06-02"), pd.Timestamp("2015-05-31 22:00")], path
        read, said = playground_runtime.reading_notes(X), playground_runtime.unseen_values(X, features)
        # how a value was read is said as that, not among the warnings
        assert any(s.startswith("'date': ") and "time-zone offset" in s and "read in UTC" in s for s in read), (path, read)
        assert not any("time-zone offset" in s for s in said), (path, said)
        # a fraction where training held whole numbers (a year of 2009.5) is said, not refused
        assert ("'wind': 1 row holds a fraction (like 4.5, row 2) where the training rows held whole numbers: scored "
                "as given.") in said, (path, said)
    X = playground_runtime.prepare_rows(pd.DataFrame({"date": ["2015", "2015-06-01T00:00:00Z"], "wind": [1, 2]}),
                                        features)
    assert X["date"].tolist() == [pd.Timestamp("2015-01-01"), pd.Timestamp("2015-06-01")]
    assert playground_runtime.reading_notes(X) == [  # Z moves nothing: not said
        "'date': 1 row gives only a year or a year and month (like '2015'), read as its first day (2015-01-01)."]
    assert playground_runtime.unseen_values(X, features) == []
    for numbers in ([20150601, 20150602], [1433116800000, 1433116800000], ["2015-06-01", 20150601]):
        with pytest.raises(playground_runtime.ColumnsError, match="a number is not read as a date"):
            playground_runtime.prepare_rows(pd.DataFrame({"date": numbers, "wind": [1, 2]}), features)


@pytest.mark.parametrize("written", [
    ["Jun 12 1998", "Aug 07 1998", "Dec 25 2001"],  # vega's movies
    ["January 1, 2000", "March 15, 2001", "September 30, 1999"],
    ["12-Jun-98", "07-Aug-98", "25-Dec-01"],  # Excel's d-mmm-yy
    ["29DEC2023", "01jan2024", "15MAR2024"],  # SAS's DATE9, Stata's %td
    ["1 Jan 2000", "15 Sept 2001", "30 Nov 1999"],
    ["Jan 2020", "Feb 2021", "Dec 1999"],  # a spreadsheet's months: each the month's first day
    ["January 2020", "September 2021", "May 1999"],
    ["JAN2020", "feb-2021", "Dec 1999"],
])
def test_dates_written_with_month_names_are_read_wherever_rows_are_scored(tmp_path, written):
    """Found by a new user: vega's movies uploaded with 'Release Date' as 'Jun 12 1998' (read as
    dates, said), and the bundle's predict.py refused the training file itself ("'Release Date'
    should hold dates written as ISO 8601"), as did the endpoint's JSON records. Every exit now
    reads them as the app's reader did, and says so in its words."""
    from data.ingest import ingest_bytes
    from executor.deployments import csv_frame

    text = "released,x\n" + "".join(f'"{w}",{i}\n' for i, w in enumerate(written))
    rec = ingest_bytes(text.encode(), "movies.csv", tmp_path, 1 << 26)
    trained = pd.read_parquet(rec["path"])
    features = playground_runtime.feature_schema(trained)
    assert features[0]["type"] == "datetime"
    app_said = next(n["text"] for n in rec["notices"] if n["column"] == "released")
    (tmp_path / "rows.csv").write_text(text)
    read_by = {"predict.py": predict_module().read_rows(tmp_path / "rows.csv", {"features": features}),
               "the endpoint": csv_frame(text.encode(), None, None, str(tmp_path)),
               "json records": pd.DataFrame({"released": written, "x": range(3)})}
    for path, frame in read_by.items():
        X = playground_runtime.prepare_rows(frame, features)
        assert X["released"].tolist() == trained["released"].tolist(), path
        if path != "the endpoint":  # the endpoint's CSV is read by the app's reader, which says it there
            assert playground_runtime.reading_notes(X) == [app_said], path


@pytest.mark.parametrize("written", [
    ["Feb 30 1998", "Jun 12 1998"],  # no such day
    ["Jun 12 1998", "soon"],  # a word among them
    ["Jun 1998", "Aug 12 1998"],  # one with no day beside one with a day
    ["Jun-98", "Aug-98"],  # a day or a year?
    ["Jun 12 1998", "1998-06-13"],  # two ways in one column: not what the training file wrote
])
def test_values_that_are_not_all_dates_with_month_names_are_still_refused(written):
    features = [{"name": "released", "type": "datetime", "dtype": "datetime64[ns]", "missing": 0}]
    with pytest.raises(playground_runtime.ColumnsError, match="'released' should hold dates"):
        playground_runtime.prepare_rows(pd.DataFrame({"released": written}), features)


def test_dates_day_first_in_rows_to_score_are_read_so_without_a_false_reason():
    """predict.py refused 01.01.2012 … 19.07.2012 saying which of day and month comes first
    "cannot be told from these values", though 19.07 tells it (found by a new user); then it
    refused them as not ISO 8601 where Score a file read them day first (another new user).
    A model trained on ISO dates reads them in the one order they show, said; a column that
    shows none is refused saying so."""
    import playground_runtime

    features = playground_runtime.feature_schema(pd.DataFrame({"date": pd.to_datetime(["2012-01-01", "2012-02-03"]),
                                                               "x": [1.0, 2.0]}))
    X = playground_runtime.prepare_rows(pd.DataFrame({"date": ["01.01.2012", "10.04.2012", "19.07.2012"],
                                                      "x": [1.0, 2.0, 3.0]}), features)
    assert X["date"].tolist() == [pd.Timestamp(d) for d in ("2012-01-01", "2012-04-10", "2012-07-19")]
    assert X.attrs[playground_runtime.READING_NOTES] == [
        "'date': 3 dates written with numbers read day first, as this file writes them ('19.07.2012' → 2012-07-19: "
        "no date month first)."]
    with pytest.raises(playground_runtime.ColumnsError) as refused:
        playground_runtime.prepare_rows(pd.DataFrame({"date": ["01.01.2012", "10.04.2012"], "x": [1.0, 2.0]}),
                                        features)
    assert "cannot be told" in str(refused.value), str(refused.value)


def test_rows_written_with_their_row_names_are_scored_alike_by_the_app_and_predict_py(web, tmp_path):
    """A file of rows to score written by pandas' to_csv (or R's write.csv) with its index:
    the app refused "unknown column 'row_names'" (its reader's name for the unnamed first
    column) where predict.py set it aside and scored (found by a new user). Both set it aside."""
    from sklearn.datasets import load_breast_cancer

    job = run(web, {"name": "rows with names", "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": "breast_cancer", "target_column": "target",
                                                  "problem_type": "classification"}},
        {"id": "s", "type": "split", "config": {}}, {"id": "m", "type": "model", "config": {"algorithm": "knn"}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}]})
    rows = load_breast_cancer(as_frame=True).frame.drop(columns="target").iloc[:6]
    named = tmp_path / "named.csv"
    rows.set_axis([f"r{i}" for i in range(6)]).to_csv(named)  # the index first, under an empty header cell
    app, fragment = app_score(web, job["id"], "m", named)
    assert app is not None, fragment
    folder = unzip(web, job["id"], "m", tmp_path / "bundle")
    script = predict_py(folder, named)
    assert script.returncode == 0, script.stderr
    assert pd.read_csv(io.StringIO(app))["prediction"].tolist() == pd.read_csv(io.StringIO(script.stdout))[
        "prediction"].tolist()


def test_values_a_scale_apart_from_training_are_said_when_scoring():
    """'12%' in rows to score was read as 0.12 and scored where training held 8 to 24.8, said
    only as a conversion (a new user): values ten times or more outside a positive training
    range are said; values a little past its ends are not."""
    import playground_runtime

    train = pd.DataFrame({"acceleration": np.linspace(8.0, 24.8, 50), "weight": np.linspace(1600.0, 5100.0, 50)})
    features = playground_runtime.feature_schema(train)
    assert (features[0]["min"], features[0]["max"]) == (8.0, 24.8)
    rows = playground_runtime.prepare_rows(pd.DataFrame({"acceleration": [0.12, 0.15, 26.0], "weight": [1500.0, 5300.0, 2000.0]}),
                                           features)
    said = playground_runtime.unseen_values(rows, features)
    assert said == ["'acceleration': 2 rows hold values 10 times or more outside the training range (8 to 24.8), like "
                    "0.12 (row 1): a unit or a scale apart (a percentage read as a fraction, grams for kilograms?); "
                    "scored as given."], said


SCALE_CASES = {  # {case: (training values, written as, rows to score as written, the first value said or None)}
    "a margin across 0, written without its %": (np.linspace(-0.198, 0.4, 40), "percent",
                                                  ["-15.5", "12.0", "0.1"], -15.5),
    "a margin across 0, fractions": (np.linspace(-0.198, 0.4, 40), "percent", ["-0.155", "0.12", "0.5"], None),
    "a margin across 0, with its %": (np.linspace(-0.198, 0.4, 40), "percent", ["-15.5%", "12%", "41%"], None),
    "counts from 0": (np.arange(0, 40) % 6, None, ["2", "60", "5"], 60.0),
    "counts from 0, a little past": (np.arange(0, 40) % 6, None, ["7", "0", "12"], None),
    "losses below 0": (np.linspace(-50.0, -10.0, 40), None, ["-600", "-20"], -600.0),
    "losses below 0, near": (np.linspace(-50.0, -10.0, 40), None, ["-60", "-2", "0"], None),
    "zero in every training row": (np.zeros(40), None, ["5", "-3"], None),
    # 0 is 0 on every scale: a ratio of 0 where training's least was 0.04 (HMDA's pirat) is no unit apart
    "a positive range, a zero": (np.linspace(0.04, 3.0, 40), None, ["0", "0.5", "0.0"], None),
    "a positive range, a zero and a value apart": (np.linspace(0.04, 3.0, 40), None, ["0", "0.001"], 0.001),
    "a positive percentage, 0%": (np.linspace(0.05, 0.4, 40), "percent", ["0%", "12%"], None),
    # a range below 0 is measured as a range above it is, by its size (a tester: -0.3 where losses ran
    # from -30 to -5 was scored without a word, where 0.3 for 5 to 30 was said)
    "losses below 0, ten times nearer 0": (np.linspace(-50.0, -10.0, 40), None, ["-20", "-0.5"], -0.5),
    "temperatures below 0, nearer 0 and far": (np.linspace(-30.0, -5.0, 40), None, ["-0.3", "-400"], -0.3),
    "losses below 0, a percentage without its %": (np.linspace(-0.5, -0.1, 40), "percent", ["-25", "-0.3"], -25.0),
    "losses below 0, a little nearer 0": (np.linspace(-50.0, -10.0, 40), None, ["-1.5", "-9"], None),
    # a value of the other sign is said as a sign apart, not as a unit apart
    "losses below 0, a gain": (np.linspace(-50.0, -10.0, 40), None, ["-20", "15", "600"], None),
    "a positive range, a value below 0": (np.linspace(8.0, 24.8, 40), None, ["-5", "12", "-300"], None),
    # a range across 0 is measured by its largest size: -250 past -19.81 is within ten times 39.61
    "a range across 0, past its smaller side": (np.linspace(-19.81, 39.61, 40), None, ["-250", "5"], None),
}


@pytest.mark.parametrize("case", sorted(SCALE_CASES))
def test_values_a_scale_apart_from_a_range_reaching_zero_are_said_too(case):
    """An accounting export trained with its margin written '-15.5%' (read as -0.155, a range
    of -0.198 to 0.4) was scored with the margin written '-15.5', read as -15.5, a hundred
    times apart, without a word in any exit: the check took only ranges above 0. A range
    reaching 0 or below is checked by its largest size; a column written in percentages says
    how to write them."""
    import playground_runtime

    values, written, rows, first = SCALE_CASES[case]
    train = pd.DataFrame({"margin": values, "other": np.linspace(1.0, 2.0, len(values))})
    formats = {"margin": {"decimal": ".", "currency": [], "percent": True}} if written else None
    features = playground_runtime.feature_schema(train, written=formats)
    X = playground_runtime.prepare_rows(pd.DataFrame({"margin": rows, "other": [1.5] * len(rows)}, dtype=object),
                                        features)
    said = [s for s in playground_runtime.unseen_values(X, features) if "outside the training range" in s]
    if first is None:
        assert said == [], said
        return
    assert len(said) == 1 and f"like {first:g} (row " in said[0] and "scored as given." in said[0], said
    assert ("write these with their % sign, or as fractions" in said[0]) == (written == "percent"), said


SIGN_CASES = {  # {case: (training values, rows to score, (side, the first value said, how many) or None)}
    "a positive range, a value below 0": (np.linspace(10.2, 99.9, 40), [-5.0, 50.0], ("below", -5.0, 1)),
    "a positive range, two below 0": (np.linspace(0.04, 3.0, 40), [-0.01, 1.0, -300.0], ("below", -0.01, 2)),
    "losses below 0, a gain": (np.linspace(-50.0, -10.0, 40), [-20.0, 15.0], ("above", 15.0, 1)),
    "temperatures below 0, a warm day": (np.linspace(-30.0, -5.0, 40), [5.0, 350.0, -7.0], ("above", 5.0, 2)),
    # near misses: 0, a range reaching 0 or across it, either sign
    "a positive range, 0": (np.linspace(10.2, 99.9, 40), [0.0, 50.0], None),
    "losses below 0, 0": (np.linspace(-50.0, -10.0, 40), [0.0, -20.0], None),
    "counts from 0, below 0": (np.arange(0, 40) % 6 * 1.0, [-3.0, 2.0], None),
    "a range across 0, either sign": (np.linspace(-19.81, 39.61, 40), [-19.0, 39.0, -25.0, 45.0], None),
    "a range up to 0, above 0": (np.linspace(-40.0, 0.0, 40), [3.0, -2.0], None),
}


@pytest.mark.parametrize("case", sorted(SIGN_CASES))
def test_a_value_of_the_other_sign_than_every_training_value_is_said_as_a_sign_apart(case):
    """The scale hint, "a unit or a scale apart (a percentage read as a fraction, grams for
    kilograms?)", was given for -5 where training held 10.2 to 99.9, which no unit makes (a
    tester); and a value above 0 where every training value was below it was scored without a
    word. A value of the other sign than a one-signed training range is said as such."""
    import playground_runtime

    values, rows, expected = SIGN_CASES[case]
    train = pd.DataFrame({"v": values, "other": np.linspace(1.0, 2.0, len(values))})
    features = playground_runtime.feature_schema(train)
    X = playground_runtime.prepare_rows(pd.DataFrame({"v": rows, "other": [1.5] * len(rows)}), features)
    said = playground_runtime.unseen_values(X, features)
    signs = [s for s in said if "a sign apart" in s]
    assert not any("a unit or a scale apart" in s and "row 1)" in s for s in said if expected), said
    if expected is None:
        assert signs == [], said
        return
    side, first, n = expected
    other = "above" if side == "below" else "below"
    assert len(signs) == 1, said
    assert signs[0].startswith(f"'v': {n} row{'s hold values' if n > 1 else ' holds a value'} {side} 0, like "
                               f"{first:g} (row "), signs[0]
    assert f"where every training value was {other} 0 (" in signs[0] and signs[0].endswith("scored as given."), said


def test_the_scale_and_sign_cases_side_by_side_in_one_table_say_what_each_says_alone():
    """unseen_values looks value by value only at the columns whose least or greatest value
    could be a scale or a sign apart: every case above, each a column of one wide table
    (the rest of its rows in its training range), is said exactly as it is alone, and a
    column said is named with its own values and rows, wherever it stands among the others."""
    import playground_runtime

    cases = [(values, written, rows) for values, written, rows, _ in SCALE_CASES.values()]
    cases += [(values, None, [str(v) for v in rows]) for values, rows, _ in SIGN_CASES.values()]
    n_rows = max(len(rows) for _, _, rows in cases) + 2
    train, score, formats = {}, {}, {}
    for i, (values, written, rows) in enumerate(cases):
        train[f"c{i}"] = np.asarray(values, dtype=float)
        # written as the case's own rows are (with or without a % sign: a column mixing them is refused)
        typical = (f"{np.median(values) * 100:g}%" if any(str(r).endswith("%") for r in rows)
                   else str(float(np.median(values))))
        score[f"c{i}"] = [typical] + list(rows) + [typical] * (n_rows - len(rows) - 1)  # row 1 in range
        if written:
            formats[f"c{i}"] = {"decimal": ".", "currency": [], "percent": True}
    features = playground_runtime.feature_schema(pd.DataFrame(train), written=formats)
    together = playground_runtime.unseen_values(
        playground_runtime.prepare_rows(pd.DataFrame(score, dtype=object), features), features)
    alone = []
    for name in train:
        one = [f for f in features if f["name"] == name]
        alone += playground_runtime.unseen_values(
            playground_runtime.prepare_rows(pd.DataFrame({name: score[name]}, dtype=object), one), one)
    assert together == alone and len(alone) >= 10, (together, alone)


def test_a_bundle_downloaded_twice_is_the_same_bytes(web):
    """Each download wrote its files with the time of the request, so three downloads of one
    model gave three SHA-256s and none could be checked (found by a new user)."""
    import hashlib
    import time

    job = run(web, {"name": "twice", "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": "iris", "target_column": "target",
                                                  "problem_type": "classification"}},
        {"id": "s", "type": "split", "config": {}}, {"id": "m", "type": "model", "config": {"algorithm": "knn"}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}]})
    first = web.get(f"/api/v1/jobs/{job['id']}/models/m/bundle").content
    time.sleep(2.1)  # a zip's times are in steps of two seconds
    again = web.get(f"/api/v1/jobs/{job['id']}/models/m/bundle").content
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(again).hexdigest()


def test_the_human_model_card_says_the_hyperparameters_came_from_a_search(web, tmp_path):
    """MODEL_CARD.md said nothing of an Optuna search that model_card.json records (metric,
    best value, trials, space): a reader took the values for chosen by hand (audit D10). It
    says the search, its metric, trials and folds, the best CV value and each chosen value."""
    job = run(web, {"name": "searched", "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": "diabetes", "target_column": "target",
                                                  "problem_type": "regression"}},
        {"id": "s", "type": "split", "config": {}},
        {"id": "m", "type": "model", "config": {"algorithm": "ridge", "use_optuna": True, "optuna_trials": 3,
                                                "cv_folds": 3}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}]})
    folder = unzip(web, job["id"], "m", tmp_path / "bundle")
    search = json.loads((folder / "model_card.json").read_text())["metrics"]["search"]
    text = (folder / "MODEL_CARD.md").read_text()
    assert search["n_trials"] == 3 and search["best_params"], search
    assert "## Hyperparameter search" in text
    assert (f"came from an Optuna search of 3 trials, each scored by {search['description']} ({search['direction']}) "
            f"with 3-fold cross-validation on the training rows. The best trial's CV {search['description']} was "
            f"{search['best_value']:.6g}") in text, text
    for name, value in search["best_params"].items():
        assert f"- {name} = {value!r}" in text or (value is None and f"- {name} = None (unlimited)" in text), text
    for name in search["space"]:
        assert f"- {name}: " in text, text

    plain = run(web, {"name": "not searched", "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": "diabetes", "target_column": "target",
                                                  "problem_type": "regression"}},
        {"id": "s", "type": "split", "config": {}}, {"id": "m", "type": "model", "config": {"algorithm": "ridge"}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}]})
    assert "search" not in (unzip(web, plain["id"], "m", tmp_path / "plain") / "MODEL_CARD.md").read_text().lower()


@pytest.mark.parametrize("order", ["day", "month"])
def test_rows_to_score_read_dates_written_with_numbers_in_the_training_files_order(order):
    """A model keeps how its training file wrote a date column with numbers (`order`): rows
    written so are read alike, those either way too (03/05/2023), with two-digit years by the
    reader's century rule, a time, a year-first date among them, and gaps; a date that does
    not exist in that order, or a date written otherwise, is refused saying the order."""
    import playground_runtime

    train = pd.DataFrame({"d": pd.to_datetime(["2012-07-19", "2012-03-05"]), "x": [1.0, 2.0]})
    features = playground_runtime.feature_schema(train, orders={"d": order})
    assert features[0]["order"] == order and "order" not in features[1]
    pivot = playground_runtime.two_digit_pivot()

    def written(stamp: str) -> str:
        t = pd.Timestamp(stamp)
        day_month = (t.day, t.month) if order == "day" else (t.month, t.day)
        return f"{day_month[0]:02d}/{day_month[1]:02d}/{t.year}"

    sep = {"day": ".", "month": "-"}[order]
    cases = {  # written -> the date read
        written("2023-05-03"): "2023-05-03", written("2023-12-01"): "2023-12-01", written("2024-02-29"): "2024-02-29",
        written("2013-07-19"): "2013-07-19", "2023-01-02": "2023-01-02", written("2023-04-05") + " 14:30": "2023-04-05 14:30",
        written("2023-06-07").replace("/", sep): "2023-06-07",
        written("2023-01-02")[:6] + f"{pivot:02d}": f"20{pivot:02d}-01-02",
        written("2023-01-02")[:6] + f"{(pivot + 1) % 100:02d}": f"19{(pivot + 1) % 100:02d}-01-02",
    }
    rows = pd.DataFrame({"d": [*cases, None], "x": [1.0] * (len(cases) + 1)})
    X = playground_runtime.prepare_rows(rows, features)
    assert X["d"].tolist()[:-1] == [pd.Timestamp(v) for v in cases.values()] and pd.isna(X["d"].iloc[-1])
    notes = X.attrs[playground_runtime.READING_NOTES]
    assert notes == [f"'d': {len(cases) - 1} dates written with numbers (like {written('2023-05-03')!r}) read {order} "
                     f"first, as the training file's dates were ({written('2023-05-03')!r} → 2023-05-03)."]
    other = {"day": "12/31/2023", "month": "31/12/2023"}[order]
    # a column whose dates exist only in the other order is read so, and said (every exit alike:
    # test_exits_agree); with a date that exists only in the training order beside it, refused
    X = playground_runtime.prepare_rows(pd.DataFrame({"d": [written("2023-05-03"), other], "x": [1.0, 2.0]}), features)
    assert X["d"].tolist() == [pd.Timestamp("2023-03-05"), pd.Timestamp("2023-12-31")]
    flipped = {"day": "month", "month": "day"}[order]
    assert X.attrs[playground_runtime.READING_NOTES] == [
        f"'d': 2 dates written with numbers read {flipped} first, as this file writes them ({other!r} → 2023-12-31: "
        f"no date {order} first); the training file wrote {order} first."]
    with pytest.raises(playground_runtime.ColumnsError) as refused:
        playground_runtime.prepare_rows(pd.DataFrame({"d": [written("2013-07-19"), other], "x": [1.0, 2.0]}), features)
    assert (f"values like {other!r}, the first in row 2); read {order} first, as the training file's dates are "
            f"written, these dates do not exist, nor does {written('2013-07-19')!r} (row 1) read {flipped} first") \
        in str(refused.value)
    for bad in ("31/02/2024", "02/31/2024", "yesterday", "2023-13-01"):
        with pytest.raises(playground_runtime.ColumnsError) as refused:
            playground_runtime.prepare_rows(pd.DataFrame({"d": [written("2023-05-03"), bad], "x": [1.0, 2.0]}),
                                            features)
        said = str(refused.value)
        assert (f"'d' should hold dates written {order} first as in the training file, like "
                f"{playground_runtime.ORDERS[order]}, or as ISO 8601") in said, (bad, said)
        assert f"values like {bad!r}, the first in row 2" in said, (bad, said)
    # a model trained without an order (ISO dates, a workbook's) reads the one order the rows show (13/07, 19/07)
    X = playground_runtime.prepare_rows(rows, playground_runtime.feature_schema(train))
    assert X["d"].tolist()[:-1] == [pd.Timestamp(v) for v in cases.values()] and pd.isna(X["d"].iloc[-1])
    assert f"read {order} first, as this file writes them" in X.attrs[playground_runtime.READING_NOTES][0]


def test_the_reader_keeps_the_order_of_each_date_column_written_with_numbers(tmp_path):
    """The order a date column was read in (from what its values show, a dotted date's day
    first, or the type the user chose) is kept with the dataset; a column of dates either way
    kept as text, dates year first or with a month's name, and numbers keep none."""
    from data.ingest import ingest_bytes

    text = ("month,day,dotted,either,iso,named,number,chosen\n"
            "07/19/2012,19/07/2012,05.03.2012,03/05/2012,2012-07-19,19 Jul 2012,1.5,03/05/2012\n"
            "03/05/2012,03/05/2012,06.04.2012,04/06/2012,2012-03-05,5 Mar 2012,2.5,04/06/2012\n")
    folder = tmp_path / "a"
    rec = ingest_bytes(text.encode(), "dates.csv", folder, 2**20)
    assert rec["reading"]["date_orders"] == {"month": "month", "day": "day", "dotted": "day"}
    rec = ingest_bytes(text.encode(), "dates.csv", tmp_path / "b", 2**20, options={"types": {"chosen": "date_monthfirst"}})
    assert rec["reading"]["date_orders"] == {"month": "month", "day": "day", "dotted": "day", "chosen": "month"}
    rec = ingest_bytes(b"iso,x\n2012-07-19,1\n2012-03-05,2\n", "iso.csv", tmp_path / "c", 2**20)
    assert "date_orders" not in rec["reading"]


def test_mark_missing_codes_are_gaps_to_predict_py_and_the_app_alike(web, tmp_path):
    """An SPSS export's -99 and -999 marked missing in training are gaps when scoring too: the
    bundle's predict.py (its own playground_runtime.py) and the app's "Score a file" score a
    row holding the code as the same row with an empty cell, and agree with each other."""
    from tests.test_missing_codes import spss_survey

    table = spss_survey(240, seed=9)
    raw = tmp_path / "survey.csv"
    table.to_csv(raw, index=False)
    up = web.post("/api/v1/datasets", files={"file": ("survey.csv", raw.read_bytes())})
    assert up.status_code == 201, up.text
    ops = [{"method": "mark_missing", "parameters": {"values": [-99, -999]}},
           {"method": "fill_missing_median", "parameters": {}}]
    wf = {"name": "codes", "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": up.json()["id"], "target_column": "renewed",
                                                  "problem_type": "classification"}},
        {"id": "p", "type": "preprocessing", "config": {"operations": ops}},
        {"id": "s", "type": "split", "config": {}},
        {"id": "m", "type": "model", "config": {"algorithm": "logistic_regression"}}],
        "edges": [{"source": a, "target": b} for a, b in (("d", "p"), ("p", "s"), ("s", "m"))]}
    job = run(web, wf)
    folder = unzip(web, job["id"], "m", tmp_path / "bundle")
    rows = table.drop(columns=["renewed"])
    coded = rows[(rows == -99).any(axis=1) | (rows == -999).any(axis=1)].head(30)
    assert len(coded) >= 20
    with_codes, with_gaps = tmp_path / "codes.csv", tmp_path / "gaps.csv"
    coded.to_csv(with_codes, index=False)
    coded.replace({-99: np.nan, -999: np.nan}).to_csv(with_gaps, index=False)
    got = predict_all([(folder, with_codes, ("--proba",)), (folder, with_gaps, ("--proba",))], tmp_path / "cwd")
    assert [g["returncode"] for g in got] == [0, 0], [g["stderr"] for g in got]
    assert got[0]["stdout"] == got[1]["stdout"]
    app, _ = app_score(web, job["id"], "m", with_codes, proba=True)
    assert app is not None and app.splitlines()[1:] == got[0]["stdout"].splitlines()[1:]
    pipe = run_pipeline(job, "m")  # and the run's own pipeline scores them so
    assert pipe.predict(coded).tolist() == pipe.predict(coded.replace({-99: np.nan, -999: np.nan})).tolist()


CSV_FRAMES = {  # frames Score a file may write: each as pandas' to_csv(index=False) writes it, byte for byte
    "whole-number classes": lambda n, r: pd.DataFrame({"prediction": r.integers(0, 3, n)}),
    "negative and unsigned numbers": lambda n, r: pd.DataFrame({"prediction": r.integers(-5, 5, n),
                                                                "u": r.integers(0, 9, n).astype("uint8")}),
    "32-bit numbers": lambda n, r: pd.DataFrame({"prediction": r.integers(0, 2, n).astype("int32")}),
    "class names": lambda n, r: pd.DataFrame({"prediction": r.choice(["yes", "no", "Ünter Straße", "a b"], n)}),
    "names with a comma, a quote, a line break": lambda n, r: pd.DataFrame(
        {"prediction": r.choice(["a,b", 'say "hi"', "two\nlines", "cr\rhere", "ok"], n)}),
    "an empty name": lambda n, r: pd.DataFrame({"prediction": r.choice(["", "x"], n)}),
    "a gap among names": lambda n, r: pd.DataFrame({"prediction": pd.Series(r.choice(["x", "y"], n),
                                                                            dtype=object).where(r.random(n) > 0.1)}),
    "pandas' text type with a gap": lambda n, r: pd.DataFrame({"prediction": pd.array(
        [None if i % 7 == 0 else f"c{i % 3}" for i in range(n)], dtype="string")}),
    "nullable whole numbers with a gap": lambda n, r: pd.DataFrame({"prediction": pd.array(
        [None if i % 5 == 0 else i % 3 for i in range(n)], dtype="Int64")}),
    "true and false": lambda n, r: pd.DataFrame({"prediction": r.random(n) > 0.5}),
    "numbers with decimals": lambda n, r: pd.DataFrame({"prediction": r.normal(size=n) * 1e-5}),
    "probabilities beside classes": lambda n, r: pd.DataFrame({"prediction": r.integers(0, 2, n),
                                                               "proba_0": r.random(n), "proba_1": r.random(n)}),
    "ids beside classes": lambda n, r: pd.DataFrame({"id": [f"row-{i}" for i in range(n)],
                                                     "prediction": r.choice(["b", "a"], n)}),
    "numeric ids beside classes": lambda n, r: pd.DataFrame({"PassengerId": np.arange(892, 892 + n),
                                                             "prediction": r.integers(0, 2, n)}),
    "categories": lambda n, r: pd.DataFrame({"prediction": pd.Categorical(r.choice(["lo", "hi"], n))}),
    "dates as ids": lambda n, r: pd.DataFrame({"day": pd.date_range("2024-01-01", periods=n),
                                               "prediction": r.integers(0, 2, n)}),
    "a header with a comma": lambda n, r: pd.DataFrame({"id, first": np.arange(n), "prediction": r.integers(0, 2, n)}),
    "a header that is a number": lambda n, r: pd.DataFrame({0: np.arange(n), "prediction": r.integers(0, 2, n)}),
    "no rows": lambda n, r: pd.DataFrame({"prediction": np.array([], dtype=np.int64)}),
}


@pytest.mark.parametrize("case", list(CSV_FRAMES))
def test_the_predictions_file_is_what_pandas_writes_byte_for_byte(case):
    """Score a file writes its predictions by joining whole numbers and plain text itself (pandas
    took 21 ms for 100,000 predictions, this 11): every kind of frame it may write is the bytes
    pandas' to_csv writes, those it does not join itself included."""
    from executor.bundle import predictions_csv

    for n, seed in ((1, 0), (2, 1), (257, 2)):
        frame = CSV_FRAMES[case](n if case != "no rows" else 0, np.random.default_rng(seed))
        assert predictions_csv(frame) == frame.to_csv(index=False).encode(), (case, n)
