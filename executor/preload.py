"""Import the ML stack and fill the registries once, before forking workers and jobs."""

from __future__ import annotations


def preload(heavy: bool = True) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import pandas  # noqa: F401
    import sklearn.ensemble  # noqa: F401
    import sklearn.model_selection  # noqa: F401

    from plugins import registry

    registry.models(), registry.metrics(), registry.plots(), registry.operations()
    if heavy:
        import optuna  # noqa: F401
        import shap  # noqa: F401
        import xgboost  # noqa: F401
        from matplotlib.figure import Figure  # noqa: F401

        import executor.engine  # noqa: F401
