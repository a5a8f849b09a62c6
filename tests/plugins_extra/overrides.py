"""Entry-point objects that reuse a built-in key, one per kind the registries know
(tests/test_node_plugins.py): each must replace the built-in everywhere it is looked up."""

from dataclasses import replace

from nodes.registry import node_types
from plugins import registry

_builtin = registry._registered()  # the built-ins, before any entry point is installed
METRIC = replace(_builtin[registry.Metric]["accuracy"], name="Accuracy (plugin)", fn=lambda data: 0.125)
PLOT = replace(_builtin[registry.Plot]["confusion_matrix"], name="Confusion (plugin)", fn=lambda data: b"\x89PNG-plugin")
OPERATION = replace(_builtin[registry.Operation]["standard_scaler"], name="Standard scaler (plugin)")
MODELPLUGIN = replace(_builtin[registry.ModelPlugin]["knn"], name="KNN (plugin)")
NODETYPE = replace(node_types()["split"], label="Split (plugin)")
