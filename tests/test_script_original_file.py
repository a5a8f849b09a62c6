"""An exported script given the file the user uploaded, not the dataset's download (what a
user does first): it reads that file as it is, and where the app read it otherwise it must
refuse with a sentence, never print other metrics than the run's. Found by a new user: an R
write.csv whose NA the app read as gaps in a text column (the script kept 'NA' as a colour),
a CSV with a totals row the app left out (the script trained on it) and R's Inf the app read
as missing (the script ended in scikit-learn's traceback) each gave other numbers, or none,
without a word. The run now digests the table its Dataset node handed on, and the script
checks the table it read against it. The download (Parquet and CSV) and an original that
reads the same (a plain CSV; a table of dates, whose CSV download holds them in another
unit) still reproduce the run to 1e-9."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest

from bench.server import upload as upload_file
from tests.test_script_export import assert_reproduced, call, chain, execute

N = 120


def r_colour_na() -> str:  # R's write.csv: row names, NA unquoted in a text column only
    rnd = random.Random(3)
    lines = ['"","height","weight","colour","sex"']
    for i in range(N):
        h = round(rnd.uniform(150, 200), 1)
        colour = "NA" if rnd.random() < .2 else '"' + rnd.choice(["blue", "brown", "green"]) + '"'
        sex = '"m"' if h + rnd.uniform(-15, 15) > 175 else '"f"'
        lines.append(f'"{i + 1}",{h},{round(h * .45 + rnd.uniform(-10, 10), 1)},{colour},{sex}')
    return "\n".join(lines) + "\n"


def totals_row() -> str:  # a sales export with its "Total" row under the table
    rnd = random.Random(4)
    lines, units, amount = ["Region,Product,Units,Amount"], 0, 0.0
    for _ in range(N):
        u = rnd.randint(1, 50)
        a = round(u * rnd.uniform(3, 6), 2)
        units, amount = units + u, amount + a
        lines.append(f"{rnd.choice(['North', 'South'])},{rnd.choice(['X', 'Y', 'Z'])},{u},{a}")
    return "\n".join([*lines, f"Total,,{units},{round(amount, 2)}"]) + "\n"


def r_inf() -> str:  # R's write.csv of a ratio that divided by zero: Inf, read as missing by the app
    rnd = random.Random(5)
    lines = ['"","x1","x2","ratio","y"']
    for i in range(N):
        x1, x2 = round(rnd.uniform(0, 10), 3), round(rnd.uniform(0, 10), 3)
        ratio = "Inf" if i % 17 == 3 else str(round(x1 / (x2 + .5), 4))
        lines.append(f'"{i + 1}",{x1},{x2},{ratio},{round(x1 * 2 - x2 + rnd.uniform(-1, 1), 3)}')
    return "\n".join(lines) + "\n"


def plain() -> str:  # near miss: a plain CSV the app reads as it is, dates among its columns
    rnd = random.Random(6)
    lines = ["day,store,temp,sales"]
    for i in range(N):
        lines.append(f"2023-{1 + i % 12:02d}-{1 + i % 28:02d},S{rnd.randint(1, 3)},{rnd.uniform(-5, 30):.1f},"
                     f"{rnd.uniform(100, 900):.2f}")
    return "\n".join(lines) + "\n"


CASES = {  # file, target, problem type, steps, model, what the refusal names (None: the original reads the same)
    "r_colour_na": ("people.csv", r_colour_na, "sex", "classification",
                    [("fill_missing_mode", {}), ("onehot_encoder", {})], "logistic_regression", "'colour'"),
    "totals_row": ("sales.csv", totals_row, "Amount", "regression", [("onehot_encoder", {})], "ridge",
                   "it gives 121 rows where the run had 120"),
    "r_inf": ("ratios.csv", r_inf, "y", "regression", [("fill_missing_median", {})], "ridge", "'ratio'"),
    "plain_with_dates": ("stores.csv", plain, "sales", "regression",
                         [("date_features", {}), ("onehot_encoder", {})], "ridge", None),
}


def script_run(folder, data: str):
    proc = subprocess.run([sys.executable, "-I", "run.py", data, "--json"], cwd=folder, capture_output=True,
                          text=True, timeout=600, env={"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"})
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_users_original_file_is_read_as_the_app_did_or_refused_and_the_downloads_reproduce(server, tmp_path,
                                                                                                case):
    filename, make, target, ptype, ops, algorithm, refused = CASES[case]
    text = make()
    dataset_id = upload_file(server, filename, text.encode())[1]["id"]
    job = execute(server, chain(dataset_id, target, ptype, ops, algorithm, model={"use_cv": True, "cv_folds": 3},
                                metrics=("accuracy", "f1") if ptype == "classification" else ("r2", "rmse")))
    (tmp_path / "run.py").write_bytes(call(server, f"/api/v1/jobs/{job['id']}/script", raw=True)[0])
    (tmp_path / filename).write_text(text)
    for fmt in ("parquet", "csv"):  # the downloads: the run's metrics, never a false alarm
        data, headers = call(server, f"/api/v1/datasets/{dataset_id}/download?format={fmt}", raw=True)
        (tmp_path / f"{dataset_id}.{fmt}").write_bytes(data)
        code, out, said = script_run(tmp_path, f"{dataset_id}.{fmt}")
        assert code == 0, said[-3000:]
        assert_reproduced(job, json.loads(out)["metrics"])
    code, out, said = script_run(tmp_path, filename)
    if refused is None:  # an original the app read as it is: the run's metrics
        assert code == 0, said[-3000:]
        assert_reproduced(job, json.loads(out)["metrics"])
        return
    assert code != 0 and not out, out  # no metrics printed, other than the run's
    last = said.strip().splitlines()[-1]
    assert last.startswith(f"{filename} is not read into the run's table (") and refused in last, said[-3000:]
    assert "Traceback" not in said and "so the script would print other metrics than the run's" in last
    assert "GET /api/v1/datasets/{id}/download" in last
