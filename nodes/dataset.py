"""Dataset node: picks a dataset, its target column and problem type."""

from __future__ import annotations

from nodes.base import TABLE, NodeError, NodeType, Port, TableArtifact, Upstream
from plugins.base import PROBLEM_TYPES
from plugins.params import Param, validate_params

PARAMS = (
    Param("dataset_id", "str", default="", label="Dataset", help="A sample or an uploaded dataset."),
    Param("target_column", "column", default=None, nullable=True, label="Target column",
          help="The column to predict (none for clustering)."),
    Param("problem_type", "select", default="classification", choices=PROBLEM_TYPES, label="Problem type"),
)


def validate(config: dict, upstream: Upstream, dataset: dict | None = None):
    clean, errors = validate_params(PARAMS, config, what="field")
    if "dataset_id" not in errors and not clean.get("dataset_id"):
        errors["dataset_id"] = "Choose a dataset."
    if errors:
        return clean, errors
    if dataset is None:
        errors["dataset_id"] = f"Dataset {clean['dataset_id']!r} does not exist."
        return clean, errors
    names = [c["name"] for c in dataset.get("columns", [])]
    target, ptype = clean.get("target_column"), clean["problem_type"]
    if ptype in ("classification", "regression"):
        if not target:
            errors["target_column"] = f"Choose the target column to predict ({ptype} needs one)."
        elif names and target not in names:
            errors["target_column"] = f"Column {target!r} is not in the dataset."
        elif ptype == "regression":
            col = next((c for c in dataset.get("columns", []) if c["name"] == target), None)
            if col and col.get("role") not in (None, "numeric", "id"):
                errors["target_column"] = f"Regression needs a numeric target; {target!r} is {col.get('role')}."
    elif target and names and target not in names:
        errors["target_column"] = f"Column {target!r} is not in the dataset."
    return clean, errors


def run(config: dict, inputs: dict, ctx) -> TableArtifact:
    df = ctx.load_dataset(config["dataset_id"])
    target = config.get("target_column") or None
    if target and target not in df.columns:
        raise NodeError(f"Column {target!r} is not in dataset {config['dataset_id']!r}.")
    if config["problem_type"] != "clustering" and target is None:
        raise NodeError("Choose the target column to predict.")
    if target is not None:
        missing = int(df[target].isna().sum())
        if missing:
            df = df[df[target].notna()]
            ctx.warn(f"Dropped {missing} rows whose target {target!r} is missing.")
    ctx.progress(1.0, f"{len(df):,} rows x {df.shape[1]} columns")
    return TableArtifact(df=df.reset_index(drop=True), target=target,
                         problem_type=config["problem_type"], dataset_id=config["dataset_id"])


def summary(config: dict) -> str:
    ds = config.get("dataset_id")
    if not ds:
        return "Choose a dataset"
    target = config.get("target_column")
    return f"{ds} · {config.get('problem_type', '')}" + (f" → {target}" if target else "")


NODE = NodeType(
    type="dataset", label="Dataset", icon="🗂️", colour="#16a34a",
    description="Load a sample or uploaded dataset and choose what to predict.",
    inputs=(), outputs=(Port("table", (TABLE,), "Table"),), params=PARAMS,
    validate=validate, run=run, summary=summary, group="Data",
)
