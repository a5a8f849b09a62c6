"""A metric reads the same wherever it is shown: its title ("ROC AUC", never the key
"roc_auc") and the results' one rounding rule (plugins.numbers.fmt_number). A new user read
"roc_auc 0.986 ≥ 0.95: pass" on the Gate beside ROC AUC 0.9855 in the results, and the run
log's "scored roc_auc 0.9855"."""

from __future__ import annotations

import re

import pytest
from fasthtml.common import to_xml

from components.results import MetricsCard
from executor.engine import run_workflow
from plugins import registry

CLASSIFICATION = ["roc_auc", "accuracy", "f1", "balanced_accuracy", "precision"]
REGRESSION = ["rmse", "r2", "mae"]


def gated(dataset: str, problem: str, metrics: list[str], thresholds: dict) -> dict:
    """Dataset → Split → Model (5-fold CV) → Evaluate, and one Gate per metric on the Evaluate."""
    algorithm = "logistic_regression" if problem == "classification" else "linear_regression"
    nodes = [
        {"id": "d", "type": "dataset", "config": {"dataset_id": dataset, "target_column": "target",
                                                   "problem_type": problem}},
        {"id": "s", "type": "split", "config": {"test_size": 0.3, "random_seed": 3}},
        {"id": "m", "type": "model", "config": {"algorithm": algorithm, "use_cv": True, "cv_folds": 3}},
        {"id": "e", "type": "evaluate", "config": {"metrics": metrics}},
        *[{"id": f"g_{k}", "type": "gate", "config": {"metric": k, "threshold": thresholds[k]}} for k in metrics],
    ]
    edges = [{"source": a, "target": b} for a, b in (("d", "s"), ("s", "m"), ("m", "e"))]
    edges += [{"source": "e", "target": f"g_{k}"} for k in metrics]
    return {"nodes": nodes, "edges": edges}


def card_texts(entry: dict) -> dict:
    """Each metric's value as the results' card writes it."""
    html = to_xml(MetricsCard("e", entry, registry.metrics(), {}))
    return dict(re.findall(r'data-metric="([a-z0-9_]+)"[^>]*>([^<]+)<', html))


@pytest.mark.parametrize("dataset, problem, metrics, thresholds", [
    ("breast_cancer", "classification", CLASSIFICATION, {"roc_auc": 0.95, "accuracy": 0.999, "f1": 0.5,
                                                         "balanced_accuracy": 0.9, "precision": 0.99}),
    ("diabetes", "regression", REGRESSION, {"rmse": 80.0, "r2": 0.3, "mae": 1.0}),
])
def test_the_gate_the_run_log_and_the_results_write_a_metric_alike(dataset, problem, metrics, thresholds):
    events = []
    result = run_workflow(gated(dataset, problem, metrics, thresholds), events.append)
    entry = result["metrics"]["e"]
    shown = card_texts(entry)
    assert set(shown) == set(metrics), shown
    known = registry.metrics()
    for key in metrics:
        title = known[key].name
        assert title != key  # the test means something: a title unlike its key
        message = result["nodes"][f"g_{key}"]["message"]
        # the gate's sentence: the title, then the value exactly as the results show it
        assert message.startswith(f"{title} {shown[key]} "), (message, shown[key])
        assert not message.startswith(f"{key} "), message
    # the run log's line of the scores (the `metrics` event's message), as the results write them
    scored = next(e for e in events if e["type"] == "metrics" and e["node_id"] == "e")
    assert scored["message"] == ", ".join(f"{known[k].name} {shown[k]}" for k in metrics), scored["message"]
    # the CV folds' progress lines name the metric by its title too, never by its key
    folds = [e["message"] for e in events if e["type"] == "node_progress" and e["node_id"] == "m"
             and "fold" in (e.get("message") or "")]
    assert folds and all(re.search(r"fold \d/3: [A-Z]", m) for m in folds), folds


@pytest.mark.parametrize("value, threshold, said", [
    (0.9855, 0.986, "ROC AUC 0.9855 < 0.986: fail"),      # the results' 0.9855, not 0.986 beside 0.986
    (0.98599, 0.986, "ROC AUC 0.98599 < 0.986: fail"),    # 0.9860 would read as the threshold it fails
    (0.912, 0.9, "ROC AUC 0.9120 ≥ 0.90: pass"),
    (0.9, 0.9, "ROC AUC 0.9000 ≥ 0.90: pass"),            # equal: no extra digits
    (1.0, 0.95, "ROC AUC 1.000 ≥ 0.95: pass"),
])
def test_the_gate_sentence_rounds_as_the_results_and_never_reads_as_its_threshold(value, threshold, said):
    from nodes.gate import verdict

    assert verdict("roc_auc", value, threshold, "higher", registry.metric_name("roc_auc"))["message"] == said


def test_a_metric_no_registry_knows_is_written_by_its_key():
    """An older run's metric the registry no longer has: its key, not a guess."""
    assert registry.metric_name("gone_metric") == "gone_metric"
    assert registry.metric_text("gone_metric", 0.98551) == "gone_metric 0.9855"
    assert registry.metric_text("roc_auc", 0.98551) == "ROC AUC 0.9855"
