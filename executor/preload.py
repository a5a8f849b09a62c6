"""Import the ML stack and warm its caches once, in the consumer before it forks its
workers (and they fork each job): a job then starts with everything loaded."""

from __future__ import annotations

import io


def preload(heavy: bool = True) -> None:
    """`heavy=False` (the web process): the registries' declarations only, which the
    editor reads; the ML stack itself is the job host's (heavy), which runs the jobs."""
    import pandas  # noqa: F401

    from plugins import registry

    registry.models(), registry.metrics(), registry.plots(), registry.operations()
    if heavy:
        import matplotlib

        matplotlib.use("Agg")
        # not shap: its import (numba, llvmlite) is 62 MB of the host's memory for 0.19 s of
        # the first SHAP plot a job process makes (plugins.visualizers imports it there)
        import imblearn.pipeline  # noqa: F401
        import joblib  # noqa: F401
        import optuna  # noqa: F401
        import sklearn.compose  # noqa: F401
        import sklearn.ensemble  # noqa: F401
        import sklearn.impute  # noqa: F401
        import sklearn.linear_model  # noqa: F401
        import sklearn.metrics  # noqa: F401
        import sklearn.model_selection  # noqa: F401
        import sklearn.preprocessing  # noqa: F401
        import threadpoolctl  # noqa: F401
        import xgboost  # noqa: F401
        from matplotlib.figure import Figure

        from data import store  # noqa: F401
        from data.datasets import SAMPLES
        from executor import jobs, runner  # noqa: F401
        from executor.engine import (
            _sample_facts,
            run_workflow,  # noqa: F401
        )

        # first render loads fonts and builds caches: pay it here, not in every job
        fig = Figure(figsize=(2, 2), dpi=50, layout="constrained")
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, 1], label="warm")
        ax.set_title("warm-up")
        ax.legend()
        fig.savefig(io.BytesIO(), format="png")
        for sample in SAMPLES:
            _sample_facts(sample)
        warm_job_start()


# a small run through the pipeline nodes (no store, nothing saved): the first split, fit and
# evaluation of a fresh process cost 3-5x the next ones (measured on a 150-row job: 260-300
# ms in a job process against 70-90 ms in a warm one)
WARM_RUN = {
    "nodes": [{"id": "data", "type": "dataset", "config": {"dataset_id": "wine", "target_column": "target",
                                                           "problem_type": "classification"}},
              {"id": "prep", "type": "preprocessing", "config": {"operations": [{"method": "fill_missing_median"},
                                                                                {"method": "standard_scaler"}]}},
              {"id": "split", "type": "split", "config": {"test_size": 0.25}},
              {"id": "tree", "type": "model", "config": {"algorithm": "decision_tree"}},
              {"id": "score", "type": "evaluate", "config": {"metrics": ["accuracy", "f1"]}}],
    "edges": [{"source": a, "target": b} for a, b in
              (("data", "prep"), ("prep", "split"), ("split", "tree"), ("tree", "score"))]}


def warm_job_start() -> None:
    """What every job computes before its first node runs, computed once here so each job
    process forked from this host inherits it (measured: the first job of a fresh process
    spent 0.27 s of its 0.30 s before the first node on these; a warm one 0.03 s):
    a small run through the pipeline nodes (WARM_RUN), library versions and code digests
    (the cache keys), the kind of each common column dtype, and threadpoolctl's scan of the
    native thread pools (executor.runner)."""
    from executor.cache import code_version, library_versions
    from executor.engine import run_workflow
    from executor.runner import native_pools
    from nodes.registry import node_types
    from plugins.preprocessing import dtype_kind

    run_workflow(WARM_RUN, lambda event: None)  # every pipeline node's first-call costs, paid here
    library_versions()
    for nt in node_types().values():
        code_version(nt)
    for dtype in ("int64", "Int64", "float64", "Float64", "object", "string", "str", "bool", "boolean",
                  "category", "datetime64[ns]", "datetime64[us]"):
        dtype_kind(dtype)
    # sqlite-utils looks for its plugins (pluggy, the installed packages' entry points) when
    # its first Database is made: 18-23 ms that every job paid opening the store
    import sqlite3

    import sqlite_utils

    sqlite_utils.Database(sqlite3.connect(":memory:")).close()
    native_pools()  # last: after every import above, so it sees every native pool
    import gc

    gc.collect()
    gc.freeze()  # the host's objects out of the collector's sight: a job's collections do not
    # touch (and so copy) the pages it shares with the host
