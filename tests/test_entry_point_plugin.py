"""A plugin installed by another package (an entry point in `playground.plugins`) is
discovered and runs through the whole engine, without touching any file of ours."""

from __future__ import annotations

import sys

import pytest

from executor.engine import run_workflow, validate_workflow
from plugins import registry


@pytest.fixture
def installed_plugin(tmp_path):
    dist = tmp_path / "playground_extra-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: playground-extra\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[playground.plugins]\nnearest_centroid = tests.plugins_extra.extra_model:PLUGIN\n")
    sys.path.insert(0, str(tmp_path))
    registry.reload()
    yield
    sys.path.remove(str(tmp_path))
    registry.reload()


def test_entry_point_plugin_is_discovered_and_runs(installed_plugin):
    assert "nearest_centroid" in registry.models()
    assert "nearest_centroid" in [m.slug for m in registry.models_for("classification")]
    wf = {"nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": "iris", "target_column": "target",
                                                   "problem_type": "classification"}},
        {"id": "s", "type": "split", "config": {}},
        {"id": "m", "type": "model", "config": {"algorithm": "nearest_centroid", "hyperparameters": {}}},
        {"id": "e", "type": "evaluate", "config": {"metrics": ["accuracy", "f1"]}},
    ], "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}, {"source": "m", "target": "e"}]}
    assert validate_workflow(wf) == {}
    result = run_workflow(wf, lambda e: None)
    assert result["status"] == "completed", result.get("error")
    assert result["metrics"]["e"]["values"]["accuracy"] > 0.8


def test_without_the_entry_point_the_plugin_is_unknown():
    assert "nearest_centroid" not in registry.models()
