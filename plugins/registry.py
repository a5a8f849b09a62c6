"""The registry: the only place a model, metric, plot or preprocessing operation is looked
up, by its one `key`.

Built-ins register the way third-party plugins do (datasette's way): a module defines
`PLUGIN` or `PLUGINS`, and the registry collects the objects of every module it is given,
the built-in ones first (plugins/models/*, plugins.evaluators, plugins.visualizers,
plugins.preprocessing), then every entry point of the group `playground.plugins` (an object,
a list, or such a module). An entry point that reuses a key replaces the built-in entirely,
its name and its function alike, and the log says so.
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
KINDS = (ModelPlugin, Metric, Plot, Operation)
BUILTIN_MODULES = ("plugins.evaluators", "plugins.visualizers", "plugins.preprocessing")
log = logging.getLogger(__name__)


def objects_of(obj) -> list:
    """What a plugin source provides: a module's PLUGIN / PLUGINS, a list, or the object."""
    if isinstance(obj, ModuleType):
        found = []
        if hasattr(obj, "PLUGIN"):
            found.append(obj.PLUGIN)
        found.extend(getattr(obj, "PLUGINS", ()))
        return found
    if isinstance(obj, (list, tuple)):
        return list(obj)
    return [obj]


def _builtin_sources() -> list:
    import plugins.models as pkg

    models = [importlib.import_module(f"plugins.models.{i.name}")
              for i in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name) if not i.name.startswith("_")]
    return models + [importlib.import_module(m) for m in BUILTIN_MODULES]


@lru_cache(maxsize=1)
def entry_point_objects() -> tuple:
    """Every object the installed entry points provide (a broken plugin is logged, not fatal)."""
    found = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            found.extend(objects_of(ep.load()))
        except Exception:  # a broken third-party plugin must not take the app down
            log.exception("could not load plugin entry point %s", ep.name)
    return tuple(found)


@lru_cache(maxsize=1)
def _registered() -> dict:
    table = {kind: {} for kind in KINDS}
    builtin = [o for source in _builtin_sources() for o in objects_of(source)]
    for origin, objects in (("built-in", builtin), ("entry point", entry_point_objects())):
        for obj in objects:
            kind = next((k for k in KINDS if isinstance(obj, k)), None)
            if kind is None:
                continue  # another registry's (a node type) or nothing of ours
            if obj.key in table[kind] and origin == "entry point":
                log.warning("plugin %s %r replaces the built-in one", kind.__name__, obj.key)
            table[kind][obj.key] = obj
    return table


def models() -> dict[str, ModelPlugin]:
    return _registered()[ModelPlugin]


def metrics() -> dict[str, Metric]:
    return _registered()[Metric]


def metric_name(key) -> str:
    """A metric's title as every place that shows a metric writes it ("ROC AUC", not
    "roc_auc"); the key itself when no registered metric has it (an older run's)."""
    metric = metrics().get(key) if isinstance(key, str) else None
    return metric.name if metric else str(key)


def metric_text(key, value) -> str:
    """A metric with its value, as the run log, the gate and the results write it: its title
    and the one rule of a measured number ("ROC AUC 0.9855")."""
    from plugins.numbers import fmt_number

    return f"{metric_name(key)} {fmt_number(value)}"


def plots() -> dict[str, Plot]:
    return _registered()[Plot]


def operations() -> dict[str, Operation]:
    return _registered()[Operation]


def models_for(problem_type: str | None) -> list[ModelPlugin]:
    return [m for m in models().values() if problem_type is None or problem_type in m.problem_types]


def capabilities(plugin: ModelPlugin, problem_type: str) -> dict:
    """The metrics and plots a model plugin offers for a problem type (seed 000's
    `capabilities`, flowing downstream to Evaluate and Visualize): what it declares, kept to
    what the registry has for that problem type. Asked here, so declarations never call the
    registry (no import cycle)."""
    def keep(keys, table):
        return [k for k in keys if k in table and problem_type in table[k].problem_types]

    m, p = metrics(), plots()
    return {"supported_metrics": keep(plugin.supported_metrics, m), "default_metrics": keep(plugin.default_metrics, m),
            "supported_plots": keep(plugin.supported_plots, p), "default_plots": keep(plugin.default_plots, p)}


def reload() -> None:
    """Forget what was discovered (tests that register an entry point call this)."""
    entry_point_objects.cache_clear()
    _registered.cache_clear()


def headline_metric(results: dict) -> dict | None:
    """The run's headline: the first Evaluate node's first scalar metric; with several
    models (a fan-out), the best of them on that metric, by its direction, as the
    leaderboard ranks them."""
    def scalar(v):
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    entries = results.get("metrics") or {}
    first = next(((nid, k) for nid, e in entries.items() for k, v in (e.get("values") or {}).items() if scalar(v)),
                 None)
    if first is None:
        return None
    key = first[1]
    scored = [(nid, e["values"][key], e.get("algorithm")) for nid, e in entries.items()
              if scalar((e.get("values") or {}).get(key))]
    metric = metrics().get(key)
    lower = metric is not None and metric.direction == "lower"
    node_id, value, algorithm = (min if lower else max)(scored, key=lambda t: t[1]) if len(scored) > 1 else \
        next(t for t in scored if t[0] == first[0])
    out = {"key": key, "value": value, "node_id": node_id}
    described = (entries[node_id].get("descriptions") or {}).get(key)
    if described:
        out["description"] = described  # "F1 score, positive class: 0"
    if len(scored) > 1:
        out.update(algorithm=algorithm, of=len(scored))
    return out
