"""Discovery of plugins.

Model plugins are the modules of `plugins/models/` (each defines `PLUGIN`), plus anything
registered under the entry-point group `playground.plugins`. An entry point may resolve to
a ModelPlugin, Metric, Plot or Operation, or to a module that defines `PLUGIN` or `PLUGINS`:
installing a package is enough to add an algorithm, a metric, a plot or an operation.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from functools import lru_cache
from importlib.metadata import entry_points
from types import ModuleType

from plugins.base import Metric, ModelPlugin, Operation, Plot

ENTRY_POINT_GROUP = "playground.plugins"
log = logging.getLogger(__name__)


def _objects_of(obj) -> list:
    if isinstance(obj, ModuleType):
        found = []
        if hasattr(obj, "PLUGIN"):
            found.append(obj.PLUGIN)
        found.extend(getattr(obj, "PLUGINS", ()))
        return found
    if isinstance(obj, (list, tuple)):
        return list(obj)
    return [obj]


@lru_cache(maxsize=1)
def _entry_point_objects() -> tuple:
    found = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            found.extend(_objects_of(ep.load()))
        except Exception:  # a broken third-party plugin must not take the app down
            log.exception("could not load plugin entry point %s", ep.name)
    return tuple(found)


def _merge(builtin: dict, cls) -> dict:
    out = dict(builtin)
    for obj in _entry_point_objects():
        if isinstance(obj, cls):
            key = getattr(obj, "slug", None) or obj.key
            out[key] = obj
    return out


@lru_cache(maxsize=1)
def models() -> dict[str, ModelPlugin]:
    import plugins.models as pkg

    builtin = {}
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"plugins.models.{info.name}")
        for obj in _objects_of(module):
            if isinstance(obj, ModelPlugin):
                builtin[obj.slug] = obj
    return _merge(builtin, ModelPlugin)


@lru_cache(maxsize=1)
def metrics() -> dict[str, Metric]:
    from plugins.evaluators import METRICS

    return _merge(METRICS, Metric)


@lru_cache(maxsize=1)
def plots() -> dict[str, Plot]:
    from plugins.visualizers import PLOTS

    return _merge(PLOTS, Plot)


@lru_cache(maxsize=1)
def operations() -> dict[str, Operation]:
    from plugins.preprocessing import OPERATIONS

    return _merge(OPERATIONS, Operation)


def models_for(problem_type: str | None) -> list[ModelPlugin]:
    return [m for m in models().values() if problem_type is None or problem_type in m.problem_types]


def reload() -> None:
    """Forget what was discovered (tests that register an entry point call this)."""
    for fn in (_entry_point_objects, models, metrics, plots, operations):
        fn.cache_clear()
