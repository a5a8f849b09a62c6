"""The node types, in palette order."""

from __future__ import annotations

from functools import lru_cache

from nodes.base import NodeType


@lru_cache(maxsize=1)
def node_types() -> dict[str, NodeType]:
    from nodes import dataset, evaluate, model, preprocessing, split, visualize

    return {m.NODE.type: m.NODE for m in (dataset, preprocessing, split, model, evaluate, visualize)}


def can_connect(source_type: str, target_type: str) -> bool:
    """Whether an edge source -> target is allowed, from port types alone."""
    types = node_types()
    src, dst = types.get(source_type), types.get(target_type)
    return bool(src and dst and src.output_type and dst.accepts(src.output_type))
