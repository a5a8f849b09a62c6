"""Train/Test Split node."""

from __future__ import annotations

import math

from sklearn.model_selection import train_test_split

from nodes.base import SPLIT, TABLE, NodeError, NodeType, Port, SplitArtifact, Upstream
from plugins.params import Param, validate_params

PARAMS = (
    Param("test_size", "float", default=0.2, min=0.1, max=0.5, step=0.05, label="Test size",
          help="Share of rows held out for testing.", display="percent"),
    Param("stratify", "bool", default=True, label="Stratify",
          help="Keep class proportions equal in train and test (classification)."),
    Param("shuffle", "bool", default=True, label="Shuffle", help="Shuffle rows before splitting."),
    Param("random_seed", "int", default=42, min=0, max=2**31 - 1, label="Random seed"),
)


def validate(config: dict, upstream: Upstream):
    clean, errors = validate_params(PARAMS, config, what="field")
    return clean, errors


def warnings_for(config: dict, upstream: Upstream) -> list[str]:
    out = []
    n = upstream.n_rows
    if n and n * config.get("test_size", 0.2) < 30:
        out.append(f"The test set will have only about {int(n * config['test_size'])} rows; scores will be noisy.")
    if not config.get("shuffle", True):
        out.append("Shuffle is off: if rows are ordered (by date or class), train and test will differ.")
        if config.get("stratify") and upstream.problem_type == "classification":
            out.append("Stratify needs shuffling; it will be ignored.")
    return out


def class_counts(upstream: Upstream) -> dict | None:
    """The target's classes and how many rows each has, from the profile (no data load)."""
    if upstream.problem_type != "classification":
        return None
    col = next((c for c in upstream.columns if c["name"] == upstream.target_column), None)
    top = (col or {}).get("top_values")
    return {str(k): int(v) for k, v in top} if top else None


def advice(config: dict, upstream: Upstream, downstream=()) -> list[str]:
    return warnings_for(config, upstream) + imbalance_warning(class_counts(upstream))


def row_counts(config: dict, upstream: Upstream) -> dict | None:
    """The rows the run will split, as it will: the dataset's rows less those the Dataset
    node drops (no target), then scikit-learn's own sizes (test = ceil(test_size x rows))."""
    if not upstream.n_rows:
        return None
    left_out = upstream.rows_without_target or 0
    used = upstream.n_rows - left_out
    n_test = math.ceil(float(config.get("test_size", 0.2)) * used)
    return {"rows": upstream.n_rows, "left_out": left_out, "used": used, "train": used - n_test, "test": n_test}


def counts_text(counts: dict | None, target: str | None = None) -> str:
    if counts is None:
        return "Connect a dataset to see row counts."
    split = f"{counts['train']:,} training rows, {counts['test']:,} test rows"
    if not counts["left_out"]:
        return f"{counts['rows']:,} rows: {split}"
    what = f"without a target ({target})" if target else "without a target"
    return f"{counts['rows']:,} rows, {counts['left_out']:,} {what} are left out: {split}"


def preview(config: dict, upstream: Upstream) -> list:
    pct = round(float(config.get("test_size", 0.2)) * 100)
    blocks = [{"kind": "train_test", "train": 100 - pct, "test": pct},
              {"kind": "text", "text": counts_text(row_counts(config, upstream), upstream.target_column),
               "role": "row_counts"}]
    counts = class_counts(upstream)
    if counts:
        total = sum(counts.values())
        blocks.append({"kind": "bars", "title": "Class distribution",
                       "items": [[k, v / total, f"{100 * v / total:.1f}%"] for k, v in counts.items()]})
    return blocks


def output_summary(split: SplitArtifact) -> dict:
    return {"train_rows": int(len(split.X_train)), "test_rows": int(len(split.X_test)),
            "features": int(split.X_train.shape[1])}


def imbalance_warning(class_counts: dict | None) -> list[str]:
    """Seed 000's split warning for imbalanced classes, from the target's value counts."""
    if not class_counts or len(class_counts) < 2:
        return []
    total = sum(class_counts.values())
    label, smallest = min(class_counts.items(), key=lambda kv: kv[1])
    if smallest / total < 0.1:
        return [f"Class {label!r} is only {smallest / total:.1%} of the rows: keep Stratify on, and prefer "
                "balanced accuracy, F1 or ROC AUC over accuracy."]
    return []


def run(config: dict, inputs: dict, ctx) -> SplitArtifact:
    table = inputs["table"]
    df, target = table.df, table.target
    if len(df) < 4:
        raise NodeError(f"Only {len(df)} rows are left: too few to split.")
    X = df.drop(columns=[target]) if target else df
    y = df[target] if target else None
    if table.problem_type == "clustering":
        y = None
    stratify = None
    if config["stratify"] and config["shuffle"] and table.problem_type == "classification":
        counts = y.value_counts()
        n_test = round(len(df) * config["test_size"])
        if counts.min() >= 2 and n_test >= len(counts):
            stratify = y
        else:
            ctx.warn("Some classes have fewer than 2 rows: the split is not stratified.")
    parts = train_test_split(X, *( [y] if y is not None else []), test_size=config["test_size"],
                             shuffle=config["shuffle"], stratify=stratify,
                             random_state=config["random_seed"] if config["shuffle"] else None)
    if y is not None:
        X_train, X_test, y_train, y_test = parts
    else:
        (X_train, X_test), y_train, y_test = parts, None, None
    ctx.progress(1.0, f"{len(X_train):,} train / {len(X_test):,} test rows")
    return SplitArtifact(X_train=X_train, X_test=X_test, y_train=y_train, y_test=y_test, target=target,
                         problem_type=table.problem_type, learned_ops=list(table.learned_ops),
                         dataset_id=table.dataset_id, random_seed=config["random_seed"],
                         dataset_name=table.dataset_name, positive_class=table.positive_class)


def design_output(config: dict, upstream: Upstream, design=None) -> Upstream:
    """Downstream estimates size their fits on the training share."""
    out = Upstream(**{**upstream.__dict__})
    out.extra = {**upstream.extra, "test_size": config.get("test_size", 0.2)}
    return out


def summary(config: dict) -> str:
    ts = config.get("test_size", 0.2)
    try:
        pct = round(float(ts) * 100)
    except (TypeError, ValueError):
        return "Invalid test size"
    extra = ", stratified" if config.get("stratify", True) else ""
    return f"{100 - pct}/{pct} split{extra}"


NODE = NodeType(
    type="split", label="Train/Test Split", icon="✂️", colour="#0284c7",
    description="Hold out a test set to measure the model on rows it never saw.",
    inputs=(Port("table", (TABLE,), "Table"),), outputs=(Port("split", (SPLIT,), "Train/test"),),
    params=PARAMS, validate=validate, run=run, summary=summary, group="Data", advise=advice, preview=preview,
    output_summary=output_summary, design=design_output,
    order=30,
)
