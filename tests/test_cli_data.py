"""`python -m executor run wf.json --data table.csv`: a workflow on a file, without an app.
The table is read by the app's own ingest code into a temporary folder (no database, no
home folder), the Dataset node reads it, and validation sees its profile; a file that
cannot be used, or a --data that does not say which Dataset node reads it, exits 2 with a
sentence."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sklearn.datasets import load_iris

ROOT = Path(__file__).resolve().parent.parent


def chain(prefix: str, dataset_id: str = "iris", target: str = "target") -> tuple[list, list]:
    ids = [f"{prefix}{k}" for k in ("d", "s", "m", "e")]
    nodes = [
        {"id": ids[0], "type": "dataset", "config": {"dataset_id": dataset_id, "target_column": target,
                                                     "problem_type": "classification"}},
        {"id": ids[1], "type": "split", "config": {"test_size": 0.25, "random_seed": 3}},
        {"id": ids[2], "type": "model", "config": {"algorithm": "decision_tree", "hyperparameters": {}}},
        {"id": ids[3], "type": "evaluate", "config": {"metrics": ["accuracy", "f1"]}},
    ]
    return nodes, [{"source": a, "target": b} for a, b in zip(ids, ids[1:])]


def write_workflow(folder: Path, *chains) -> Path:
    nodes, edges = [], []
    for n, e in chains:
        nodes += n
        edges += e
    path = folder / "wf.json"
    path.write_text(json.dumps({"name": "on a file", "nodes": nodes, "edges": edges}))
    return path


def cli(folder: Path, *args):
    """The CLI with a home folder that does not exist: a run that needs no app leaves it so."""
    env = {**os.environ, "PLAYGROUND_HOME": str(folder / "no-home")}
    return subprocess.run([sys.executable, "-m", "executor", "run", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def flowers(tmp_path) -> Path:
    """iris as a user would have it: a CSV file with a named class column."""
    df = load_iris(as_frame=True).frame.rename(columns={"target": "species"})
    df["species"] = df["species"].map({0: "setosa", 1: "versicolor", 2: "virginica"})
    path = tmp_path / "flowers.csv"
    df.to_csv(path, index=False)
    return path


def metrics_events(stdout: str) -> dict:
    events = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    return {e["node_id"]: e["metrics"] for e in events if e["type"] == "metrics"}


def test_a_workflow_runs_on_a_csv_file_without_an_app(tmp_path, flowers):
    wf = write_workflow(tmp_path, chain("", dataset_id="some_upload_elsewhere", target="species"))
    proc = cli(tmp_path, wf, "--data", flowers, "--json")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    assert not (tmp_path / "no-home").exists()  # no store, no database, no home folder
    # the same run as on the sample itself, in this process: the file was read as the data it holds
    from executor.engine import run_workflow

    nodes, edges = chain("")
    events = []
    sample = run_workflow({"nodes": nodes, "edges": edges}, events.append)
    assert sample["status"] == "completed"
    by_hand = {e["node_id"]: e["metrics"] for e in events if e["type"] == "metrics"}
    assert metrics_events(proc.stdout) == by_hand
    started = next(json.loads(line) for line in proc.stdout.splitlines()
                   if line.startswith("{") and '"node_id": "d"' in line and '"completed"' in line)
    assert started["output"]["rows"] == 150
    # without --json it says which file each Dataset node read
    proc = cli(tmp_path, wf, "--data", flowers)
    assert proc.returncode == 0 and f"d: {flowers}, 150 rows x 5 columns" in proc.stdout
    # and how it read a European export, as the dataset page says it (a new user saw nothing of
    # the decimal commas it had read)
    european = tmp_path / "flowers-eu.csv"
    european.write_bytes(pd.read_csv(flowers).to_csv(index=False, sep=";", decimal=",").encode("cp1252"))
    proc = cli(tmp_path, wf, "--data", european)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    said = proc.stdout.split(f"d: {european}, 150 rows x 5 columns", 1)[1]
    assert "sepal length (cm): read as numbers (decimal comma" in said, proc.stdout[:2000]


def test_validation_comes_from_the_files_profile(tmp_path, flowers):
    wf = write_workflow(tmp_path, chain("", target="target"))  # the sample's name for the column
    proc = cli(tmp_path, wf, "--data", flowers)
    assert proc.returncode == 2
    assert f"d (reading {flowers}): Column 'target' is not in the dataset." in proc.stderr
    wf = write_workflow(tmp_path, chain("", target="petal length (cm)"))  # 43 distinct decimals: not classes
    proc = cli(tmp_path, wf, "--data", flowers)
    assert proc.returncode == 2 and "is a continuous number" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("content,fragment", [
    (None, "there is no file there."),
    (b"", "cannot be read as a table: The file is empty: it has neither a header nor rows."),
    (b"\x00\x01\x02" * 100, "cannot be read as a table: This file looks binary"),
    (b"a,b\n1,2\n3\n", "cannot be read as a table: Line 3 has 1 fields but the header has 2."),
], ids=["missing", "empty", "binary", "ragged"])
def test_a_file_that_cannot_be_read_exits_2_with_a_sentence(tmp_path, content, fragment):
    table = tmp_path / "table.csv"
    if content is not None:
        table.write_bytes(content)
    proc = cli(tmp_path, write_workflow(tmp_path, chain("")), "--data", table)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert fragment in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "no-home").exists()


def test_with_several_dataset_nodes_data_says_which_one(tmp_path, flowers):
    wf = write_workflow(tmp_path, chain("a", target="species"), chain("b"))
    proc = cli(tmp_path, wf, "--data", flowers)
    assert proc.returncode == 2
    assert (f"--data {flowers}: the workflow has 2 Dataset nodes ('ad', 'bd'); say which one reads the file, "
            f"e.g. --data ad={flowers}.") in proc.stderr
    proc = cli(tmp_path, wf, "--data", f"zz={flowers}")
    assert proc.returncode == 2 and "the workflow has no Dataset node 'zz'; its Dataset nodes are 'ad', 'bd'." \
        in proc.stderr
    proc = cli(tmp_path, wf, "--data", f"ad={flowers}", "--data", f"ad={flowers}")
    assert proc.returncode == 2 and "gives the Dataset node 'ad' two files" in proc.stderr
    # named, it runs: ad reads the file, bd keeps its sample
    proc = cli(tmp_path, wf, "--data", f"ad={flowers}", "--json")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    assert set(metrics_events(proc.stdout)) == {"ae", "be"}
    assert not (tmp_path / "no-home").exists()


@pytest.mark.parametrize("case", ["artifacts is a file", "artifacts cannot be made", "data is a folder",
                                  "workflow is missing", "workflow is not JSON", "workflow is a folder"])
def test_each_wrong_path_exits_2_with_a_sentence_before_anything_runs(tmp_path, flowers, case):
    """A bad --artifacts path ended in a traceback (FileExistsError) and exit 1, which the
    README keeps for a node that fails; the other wrong paths said Python's words."""
    wf = write_workflow(tmp_path, chain("", target="species"))
    afile = tmp_path / "taken"
    afile.write_text("x")
    notjson = tmp_path / "h.py"
    notjson.write_text("print('hi')\n")
    args, said = {
        "artifacts is a file": ([wf, "--data", flowers, "--artifacts", afile], "that is a file; give a folder"),
        "artifacts cannot be made": ([wf, "--data", flowers, "--artifacts", afile / "sub"],
                                     "the folder cannot be made"),
        "data is a folder": ([wf, "--data", tmp_path], "is a folder: give the table's file"),
        "workflow is missing": ([tmp_path / "nope.json", "--data", flowers], "nope.json: there is no such file."),
        "workflow is not JSON": ([notjson, "--data", flowers], "is not a workflow's JSON (line 1, column 1"),
        "workflow is a folder": ([tmp_path, "--data", flowers], "is a folder: give the workflow's JSON file."),
    }[case]
    proc = cli(tmp_path, *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert said in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert " scored " not in proc.stdout  # nothing ran


def test_a_workflow_with_a_gate_and_deploy_runs_without_an_app_and_deploys_nothing(tmp_path, flowers):
    """A workflow exported from the app with Gate (beat production) → Deploy ended the CLI run
    as failed ("Deploying needs the app's model registry") after every metric was computed
    (found by a new user). The Gate now judges on its threshold alone and says so, as the
    exported script does; Deploy is skipped with its reason; the run succeeds."""
    nodes, edges = chain("", dataset_id="some_upload_elsewhere", target="species")
    nodes += [{"id": "g", "type": "gate", "config": {"metric": "accuracy", "threshold": 0.5,
                                                     "deployment": "flowers", "min_improvement": 0.01}},
              {"id": "x", "type": "deploy", "config": {"name": "flowers"}}]
    edges += [{"source": "e", "target": "g"}, {"source": "g", "source_port": "pass", "target": "x"}]
    wf = write_workflow(tmp_path, (nodes, edges))
    proc = cli(tmp_path, wf, "--data", flowers, "--json")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    final = {}
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            event = json.loads(line)
            if event["type"] == "node_status" and event.get("status") not in ("running",):
                final[event["node_id"]] = event
    assert final["g"]["status"] == "completed" and final["g"]["message"].endswith(
        "(no model registry here to compare with flowers's production version: decided on the threshold alone)")
    assert final["x"]["status"] == "skipped" and final["x"]["message"] == (
        "Skipped: nothing is deployed here (no model registry): run the workflow in the app, or deploy the model "
        "from a run's results there, to make a version of flowers.")
    assert not (tmp_path / "no-home").exists()


def test_a_file_for_an_uploaded_dataset_is_read_with_its_pages_choices_and_other_uploads_run(tmp_path, flowers):
    """--data read the file with its own roles, so a column the user had set to id on the
    dataset page was a feature in the CLI's model (another R² than the app's), and a Dataset
    node --data did not name "did not exist" though its upload was in the home folder
    (found by a new user). Both come from the app's home when it has one."""
    from dataclasses import replace

    from starlette.testclient import TestClient

    from app import create_app
    from data.config import settings

    home = tmp_path / "home"
    flowers_df = pd.read_csv(flowers).assign(code=[f"c{i % 5}" for i in range(150)])  # 5 codes: a category
    coded = tmp_path / "coded.csv"
    flowers_df.to_csv(coded, index=False)
    app = create_app(replace(settings(), home=home))
    with TestClient(app) as client:
        up = client.post("/api/v1/datasets", files={"file": ("coded.csv", coded.read_bytes())}).json()
        other = client.post("/api/v1/datasets", files={"file": ("flowers.csv", flowers.read_bytes())}).json()
        assert next(c for c in up["profile"]["columns"] if c["name"] == "code")["role"] != "id"
        r = client.put(f"/api/v1/datasets/{up['id']}/reading", json={"roles": {"code": "id"}})
        assert r.status_code == 200, r.text
    app.state.ingest.close()
    first, edges = chain("", dataset_id=up["id"], target="species")
    second, more = chain("o", dataset_id=other["id"], target="species")
    wf = write_workflow(tmp_path, (first, edges), (second, more))
    env = {**os.environ, "PLAYGROUND_HOME": str(home)}
    proc = subprocess.run([sys.executable, "-m", "executor", "run", str(wf), "--data", f"d={coded}"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    assert "d: read with the choices its dataset has in the app (code: id)" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "executor", "run", str(wf), "--data", f"d={coded}", "--json"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    done = {e["node_id"]: e for e in events if e["type"] == "node_status" and e["status"] == "completed"}
    assert {"d", "m", "od", "om"} <= set(done)  # the upload --data did not name ran from the home
    assert done["d"]["output"]["columns"] == 5, done["d"]["output"]  # 4 measures and species: code is an id


def test_ctrl_c_stops_a_run_with_a_line_not_tracebacks(tmp_path, flowers):
    """Ctrl-C during an Optuna search printed two library tracebacks and no word of what
    happened (found by a new user). It says it stopped, and exits 130 as a shell expects."""
    import signal
    import time

    nodes, edges = chain("")
    nodes[2]["config"] = {"algorithm": "random_forest", "use_optuna": True, "optuna_trials": 500, "cv_folds": 5}
    path = write_workflow(tmp_path, (nodes, edges))
    workflow = json.loads(path.read_text())
    workflow["nodes"][0]["config"].update(target_column="species")
    path.write_text(json.dumps(workflow))
    env = {**os.environ, "PLAYGROUND_HOME": str(tmp_path / "no-home")}
    proc = subprocess.Popen([sys.executable, "-m", "executor", "run", str(path), "--data", str(flowers)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    out = ""
    while time.monotonic() < deadline:  # until the search is under way (the Model node running)
        line = proc.stdout.readline()
        out += line
        if "running" in line and " m" in line or not line:
            break
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (proc.returncode, err[-2000:])
    assert "Stopped: the run was interrupted (Ctrl-C)" in err and "Traceback" not in err, err[-2000:]
