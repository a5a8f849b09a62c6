"""Import the ML stack and warm its caches once, in the consumer before it forks its
workers (and they fork each job): a job then starts with everything loaded."""

from __future__ import annotations

import io


def preload(heavy: bool = True) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import pandas  # noqa: F401
    import sklearn.ensemble  # noqa: F401
    import sklearn.model_selection  # noqa: F401

    from plugins import registry

    registry.models(), registry.metrics(), registry.plots(), registry.operations()
    if heavy:
        import imblearn.pipeline  # noqa: F401
        import joblib  # noqa: F401
        import optuna  # noqa: F401
        import shap  # noqa: F401
        import sklearn.compose  # noqa: F401
        import sklearn.impute  # noqa: F401
        import sklearn.linear_model  # noqa: F401
        import sklearn.metrics  # noqa: F401
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
