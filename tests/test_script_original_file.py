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


def euro_export() -> bytes:  # a German export: ';', Windows-1252, decimal commas, euro amounts, dd.mm.yyyy, '-' gaps
    rnd = random.Random(7)
    lines = ["Kunde;Einkommen;Vertragsbeginn;Region;Kündigung"]
    for i in range(N):
        income = rnd.uniform(800, 6000)
        amount = f"{income:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".") + " €"
        lines.append(f"K{1000 + i};{'-' if i % 19 == 4 else amount};{1 + i % 28:02d}.{1 + i % 12:02d}.2023;"
                     f"{rnd.choice(['Nord', 'Süd'])};{'ja' if income < 2500 or i % 7 == 0 else 'nein'}")
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def chosen_types() -> bytes:  # a postcode made a category and a column ignored on the dataset page
    rnd = random.Random(8)
    lines = ["postcode,visits,spend,notes_internal,churn"]
    for _ in range(N):
        visits = rnd.randint(0, 30)
        lines.append(f"{rnd.choice([10115, 20095, 80331])},{visits},{rnd.uniform(0, 500):.2f},{rnd.randint(0, 9)},"
                     f"{'yes' if visits < 8 else 'no'}")
    return ("\n".join(lines) + "\n").encode()


SAID = {  # file, its bytes, reading chosen, target, what the script's comments must say (and must not)
    "euro": ("kunden.csv", euro_export, None, "Kündigung",
             ["# how the app read 'kunden.csv' (the download holds the table read so; this script does not read the "
              "file as uploaded):", "#   The file is not UTF-8: it was read as Windows-1252",
              "#   Einkommen: read as numbers (decimal comma; '.' between thousands; euro amounts):",
              "'-' (7) read as missing", "#   Vertragsbeginn: read as dates, day first: "], []),
    "chosen": ("visits.csv", chosen_types, {"types": {"postcode": "category"}, "roles": {"notes_internal": "ignore"}},
               "churn", ["#   postcode: read as categories, as you chose.",
                         "#   Ignored as you chose: 'notes_internal' (not part of the dataset)."], []),
    # near miss: a plain file, uploaded twice (the second upload's sentence is no reading of it)
    "plain": ("plain.csv", lambda: plain().encode(), None, "sales",
              ["# how the app read 'plain.csv': nothing to note"], ["uploaded before", "#   "]),
}


@pytest.mark.parametrize("case", sorted(SAID))
def test_the_script_says_how_the_app_read_the_file_uploaded(server, case):
    """The script read the download into float64 and dates with no word of the decimal commas,
    the euro amounts, the '-' gaps, the encoding or the types and roles chosen on the dataset
    page: a data scientist reading it could not tell how the numbers came from the file. It
    now says each, as the dataset page does, above the reading; a plain file says nothing to
    note, and the sentence of a second upload of the same bytes is not a reading."""
    filename, make, reading, target, wanted, unwanted = SAID[case]
    for _ in range(2 if case == "plain" else 1):
        dataset_id = upload_file(server, filename, make())[1]["id"]
    if reading:
        call(server, f"/api/v1/datasets/{dataset_id}/reading", reading, method="PUT")
    ptype = "regression" if case == "plain" else "classification"
    job = execute(server, chain(dataset_id, target, ptype, [("onehot_encoder", {})], "ridge" if case == "plain"
                                else "logistic_regression", metrics=("r2",) if case == "plain" else ("accuracy",)))
    text = call(server, f"/api/v1/jobs/{job['id']}/script", raw=True)[0].decode()
    part = text.split("# --- Dataset (d) ", 1)[1].split("dtypes = ", 1)[0]
    for said in wanted:
        assert said in part, (said, part)
    for said in unwanted:
        assert said not in part, (said, part)


@pytest.mark.parametrize("ignored", [["notes_internal"], []], ids=["a column ignored", "none ignored"])
def test_a_column_ignored_on_the_dataset_page_is_named_so_when_the_users_file_holds_it(server, tmp_path, ignored):
    """The user's own file still holds the column set to be ignored on the dataset's page: the
    script refused it as "not in the dataset 'notes_internal'" (a helper's audit), which reads as
    a column the app never saw. It names the choice; a column truly unknown keeps its words."""
    raw = chosen_types()
    if not ignored:  # near miss: nothing ignored, the file given one column the dataset never had
        raw = raw.replace(b"notes_internal", b"notes")
    dataset_id = upload_file(server, "visits.csv", raw)[1]["id"]
    if ignored:
        call(server, f"/api/v1/datasets/{dataset_id}/reading", {"roles": {"notes_internal": "ignore"}}, method="PUT")
    job = execute(server, chain(dataset_id, "churn", "classification", [("onehot_encoder", {})], "logistic_regression",
                                metrics=("accuracy",)))
    (tmp_path / "run.py").write_bytes(call(server, f"/api/v1/jobs/{job['id']}/script", raw=True)[0])
    given = raw
    if not ignored:  # a column the dataset never had, in every row
        lines = raw.decode().splitlines()
        given = "\n".join([lines[0] + ",extra", *(line + ",1" for line in lines[1:])]).encode() + b"\n"
    (tmp_path / "visits.csv").write_bytes(given)
    code, out, said = script_run(tmp_path, "visits.csv")
    last = said.strip().splitlines()[-1]
    assert code != 0 and not out and "Traceback" not in said, said[-3000:]
    if ignored:
        assert "'notes_internal' set to be ignored on the dataset's page, which the download leaves out" in last, last
        assert "not in the dataset" not in last, last
    else:
        assert "not in the dataset 'extra'" in last and "ignored" not in last, last
