"""Preprocessing node: an ordered list of operations.

Row operations (duplicates, missing rows, outliers) run here on the whole table; learned
transforms only travel downstream as (slug, params) and are fitted by the Model node on the
training rows, inside the model's Pipeline, so the test rows never leak into them.
"""

from __future__ import annotations

from nodes.base import TABLE, NodeError, NodeType, Port, TableArtifact, Upstream


def _ops():
    import plugins.preprocessing as pp

    return pp


def validate(config: dict, upstream: Upstream):
    config = dict(config or {})
    unknown = [k for k in config if k != "operations"]
    errors = {k: f"Unknown field {k!r}." for k in unknown}
    operations = config.get("operations", [])
    columns = [c["name"] for c in upstream.columns] or None
    clean_ops, op_errors = _ops().validate_operations(operations, columns)
    for index, message in op_errors.items():
        errors[f"operations.{index}"] = f"Operation {int(index) + 1}: {message}" if str(index).isdigit() else message
    clean = {"operations": [{"method": slug, "parameters": params} for slug, params in clean_ops]}
    return clean, errors


def warnings_for(config: dict, upstream: Upstream, model_category: str | None = None) -> list[str]:
    ops = [(o["method"], o.get("parameters", {})) for o in config.get("operations", [])]
    return _ops().operation_warnings(ops, upstream.columns or None, upstream.target_column,
                                     upstream.problem_type, model_category)


def run(config: dict, inputs: dict, ctx) -> TableArtifact:
    pp = _ops()
    table = inputs["table"]
    ops = [(o["method"], o.get("parameters", {})) for o in config.get("operations", [])]
    row_ops = [(s, p) for s, p in ops if pp.OPERATIONS[s].kind == "row"]
    learned = [(s, p) for s, p in ops if pp.OPERATIONS[s].kind != "row"]
    df, messages = pp.apply_row_operations(table.df, row_ops, table.target)
    for m in messages:
        ctx.warn(m)
    if len(df) == 0:
        raise NodeError("The row operations removed every row.")
    ctx.progress(1.0, f"{len(df):,} rows after {len(row_ops)} row operation(s); "
                      f"{len(learned)} transform(s) will be fitted on the training rows")
    return TableArtifact(df=df.reset_index(drop=True), target=table.target, problem_type=table.problem_type,
                         dataset_id=table.dataset_id, learned_ops=list(table.learned_ops) + learned,
                         warnings=list(table.warnings) + list(messages))


def summary(config: dict) -> str:
    ops = config.get("operations") or []
    if not ops:
        return "No operations (passes data through)"
    pp = _ops()
    names = []
    for o in ops[:3]:
        op = pp.OPERATIONS.get(o.get("method"))
        names.append(op.name if op else str(o.get("method")))
    more = f" +{len(ops) - 3}" if len(ops) > 3 else ""
    return ", ".join(names) + more


NODE = NodeType(
    type="preprocessing", label="Preprocessing", icon="🧹", colour="#0891b2",
    description="Clean and transform the data: missing values, scaling, encoding, outliers.",
    inputs=(Port("table", (TABLE,), "Table"),), outputs=(Port("table", (TABLE,), "Table"),),
    params=(), validate=validate, run=run, summary=summary, group="Data",
)
