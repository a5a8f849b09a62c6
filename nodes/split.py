"""Train/Test Split node. It holds the first training rows, so the guards that need the
target run here, on the training rows only (plugins/guards.py): a feature that gives the
target away, test rows that are copies of training rows; and before a run, the advice for
imbalanced classes."""

from __future__ import annotations

import math

from sklearn.model_selection import train_test_split

from nodes.base import SPLIT, TABLE, Exported, NodeError, NodeType, Port, SplitArtifact, Upstream
from plugins import guards, registry
from plugins.params import Param, validate_params

PARAMS = (
    Param("test_size", "float", default=0.2, min=0.1, max=0.5, step=0.05, label="Test size",
          help="Share of rows held out for testing.", display="percent"),
    Param("stratify", "bool", default=True, label="Stratify",
          help="Keep class proportions equal in train and test (classification).",
          problem_types=("classification",)),  # a regression or clustering split ignores it (run, export)
    Param("shuffle", "bool", default=True, label="Shuffle", help="Shuffle rows before splitting."),
    Param("random_seed", "int", default=42, min=0, max=2**31 - 1, label="Random seed"),
    Param("drop_duplicates", "bool", default=False, label="Remove duplicate rows before the split",
          help="Drop exact copies of a row (every column, the target too) from the whole table before it is "
               "split, keeping the first, so no row is both trained and tested on. Compares whole rows only: no "
               "statistic of the target is used."),
)
MAX_LEAKS_NAMED = 3  # leaking features warned about one by one; the rest are counted


def validate(config: dict, upstream: Upstream):
    clean, errors = validate_params(PARAMS, config, what="field")
    return clean, errors


def warnings_for(config: dict, upstream: Upstream) -> list[str]:
    out = []
    counts = row_counts(config, upstream)  # the sizes the run will have (rows without a target left out)
    if counts and counts["test"] < 30:
        out.append(f"The test set will have only about {counts['test']} rows; scores will be noisy.")
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


def weighable_models(downstream=()) -> list[tuple]:
    """[(name, has a class_weight Param, its value)] of the models downstream."""
    out = []
    for _, config in downstream:
        plugin = registry.models().get((config or {}).get("algorithm") or "")
        if plugin is not None:
            has = any(p.name == "class_weight" for p in plugin.params_for("classification"))
            out.append((plugin.name, has, ((config or {}).get("hyperparameters") or {}).get("class_weight")))
    return out


def advise(config: dict, upstream: Upstream, downstream=()) -> list[str]:
    return warnings_for(config, upstream) + guards.imbalance(class_counts(upstream), weighable_models(downstream))


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


def run(config: dict, inputs: dict, ctx) -> SplitArtifact:
    table = inputs["table"]
    df, target = table.df, table.target
    if config.get("drop_duplicates"):
        df, removed = guards.drop_duplicate_rows(df)
        ctx.warn(f"Removed {removed:,} duplicate row(s) before the split (the first of each kept): "
                 f"{len(df):,} rows are split." if removed else "No duplicate rows to remove before the split.")
    if len(df) < 4:
        raise NodeError(f"Only {len(df)} rows are left: too few to split.")
    X = df.drop(columns=[target]) if target else df
    y = df[target] if target else None
    if table.problem_type == "clustering":
        y = None
    stratify = None
    if config["stratify"] and config["shuffle"] and table.problem_type == "classification":
        if can_stratify(y, config["test_size"]):
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
    leaks = check(X_train, X_test, y_train, y_test, table, config, ctx)
    ctx.progress(1.0, f"{len(X_train):,} train / {len(X_test):,} test rows")
    return SplitArtifact(X_train=X_train, X_test=X_test, y_train=y_train, y_test=y_test, target=target,
                         problem_type=table.problem_type, learned_ops=list(table.learned_ops),
                         dataset_id=table.dataset_id, random_seed=config["random_seed"],
                         dataset_name=table.dataset_name, positive_class=table.positive_class, leaks=leaks)


def can_stratify(y, test_size) -> bool:
    """Whether a stratified split of these targets can be made: every class has two rows
    or more, and the test rows are at least one per class."""
    counts = y.value_counts()
    return bool(counts.min() >= 2 and round(len(y) * test_size) >= len(counts))


def export(config: dict, ctx) -> Exported:
    up = ctx.input.names
    src = ctx.source
    df, target, ptype = up["frame"], up["target"], up["problem_type"]
    X, y = ctx.name("X"), ctx.name("y")
    names = {n: ctx.name(n) for n in ("X_train", "X_test", "y_train", "y_test")}
    lines = []
    if config.get("drop_duplicates"):
        rows = ctx.name("rows")
        lines += ["# exact copies of a row (every column, the target too) are removed before the split, the first kept",
                  f"{rows}, _ = {src.ref(guards.drop_duplicate_rows)}({df})"]
        df = rows
    supervised = bool(target) and ptype != "clustering"
    lines.append(f"{X} = {df}.drop(columns=[{target!r}])" if target else f"{X} = {df}")
    shuffle, seed = config["shuffle"], config["random_seed"] if config["shuffle"] else None
    stratify = "None"
    if supervised:
        lines.append(f"{y} = {df}[{target!r}]")
        if config["stratify"] and shuffle and ptype == "classification":
            stratify = f"{y} if {src.ref(can_stratify)}({y}, {config['test_size']!r}) else None"
    call = f"train_test_split({X}{', ' + y if supervised else ''}, test_size={config['test_size']!r}, shuffle={shuffle!r}, " \
           f"stratify={stratify}, random_state={seed!r})"
    src.ref(train_test_split)
    if supervised:
        lines.append(f"{names['X_train']}, {names['X_test']}, {names['y_train']}, {names['y_test']} = {call}")
    else:
        lines += [f"{names['X_train']}, {names['X_test']} = {call}", f"{names['y_train']} = {names['y_test']} = None"]
    return Exported(lines, {**up, **names, "seed": config["random_seed"]})


def check(X_train, X_test, y_train, y_test, table, config, ctx) -> tuple:
    """The guards on the split rows, said as warnings of this node: features that give the
    target away (computed on the training rows only, a sample of them when many) and test
    rows that are copies of training rows. Returns the leaking features' names."""
    found = []
    if y_train is not None:
        from plugins.preprocessing import dropped_columns

        gone = dropped_columns(table.learned_ops, list(X_train.columns))
        features = X_train.drop(columns=[c for c in X_train.columns if c in gone])
        found = guards.leaks(features, y_train, table.problem_type, seed=config.get("random_seed"))
        for leak in found[:MAX_LEAKS_NAMED]:
            ctx.warn(leak.sentence(table.target))
        if len(found) > MAX_LEAKS_NAMED:
            more = ", ".join(repr(leak.column) for leak in found[MAX_LEAKS_NAMED:MAX_LEAKS_NAMED + 5])
            ctx.warn(f"{len(found) - MAX_LEAKS_NAMED} more feature(s) predict the target almost perfectly alone: "
                     f"{more}{' …' if len(found) > MAX_LEAKS_NAMED + 5 else ''}.")
    train = X_train if y_train is None else X_train.assign(**{"\0target": y_train})
    test = X_test if y_test is None else X_test.assign(**{"\0target": y_test})
    note = guards.duplicates_sentence(guards.shared_duplicates(train, test), len(X_test))
    if note:
        ctx.warn(note)
    return tuple(str(leak.column) for leak in found)


def design(config: dict, upstream: Upstream, design=None) -> Upstream:
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
    params=PARAMS, validate=validate, run=run, summary=summary, group="Data", advise=advise, preview=preview,
    output_summary=output_summary, design=design, export=export,
    order=30,
)
