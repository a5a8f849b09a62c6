"""Node types, discovered like plugins: every module of `nodes/` that defines `NODE` (or
`NODES`), then every `NodeType` the entry-point group `playground.plugins` provides. Palette
order follows each type's `order`, then its label."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from functools import lru_cache

from nodes.base import NodeType
from plugins import registry as plugins_registry
from plugins.registry import entry_point_objects

log = logging.getLogger(__name__)
NOT_NODE_MODULES = {"base", "graph", "registry"}


def _objects(module) -> list:
    found = [module.NODE] if hasattr(module, "NODE") else []
    return found + list(getattr(module, "NODES", ()))


@lru_cache(maxsize=1)
def node_types() -> dict[str, NodeType]:
    import nodes as pkg

    found: dict[str, NodeType] = {}
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_") or info.name in NOT_NODE_MODULES:
            continue
        for nt in _objects(importlib.import_module(f"nodes.{info.name}")):
            found[nt.type] = nt
    for obj in entry_point_objects():
        if isinstance(obj, NodeType):
            if obj.type in found:
                log.warning("node type %r from an entry point replaces the built-in one", obj.type)
            found[obj.type] = obj
    return dict(sorted(found.items(), key=lambda kv: (kv[1].order, kv[1].label)))


def reload() -> None:
    """Forget every discovered node type and plugin (tests that install an entry point)."""
    plugins_registry.reload()
    node_types.cache_clear()

