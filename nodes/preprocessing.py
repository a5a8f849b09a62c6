"""Preprocessing node: an ordered list of operations.

Nothing runs here: the operations travel downstream as (slug, params), in the order the
user set, and become steps of the model's Pipeline, fitted on the training rows only.
Row filters among them remove training rows during fit and never touch the test rows, so
the reported metrics cover every test row.
"""

from __future__ import annotations

from dataclasses import replace

import plugins.preprocessing as pp
from nodes.base import TABLE, Exported, NodeType, Port, TableArtifact, Upstream, table_summary
from plugins import registry
from plugins.params import quoted, value_said


def shape(config: dict) -> dict:
    """What no data could make valid: operations that are not a list, or a step that is not
    one (`plugins.preprocessing.operation_problem`), keyed by its index."""
    operations = config.get("operations")
    if operations is None:
        return {}
    if not isinstance(operations, list):
        return {"operations": "Operations must be a list of steps."}
    problems = {}
    for i, item in enumerate(operations):
        problem = pp.operation_problem(item)
        if problem:
            problems[f"operations.{i}"] = f"Operation {i + 1}: {problem}"
    return problems


def validate(config: dict, upstream: Upstream):
    config = dict(config or {})
    unknown = [k for k in config if k != "operations"]
    errors = {k: f"Unknown field {quoted(k)}." for k in unknown}
    operations = config.get("operations", [])
    before = [c["name"] for c in pp.feature_columns(upstream.columns, upstream.target_column)] if upstream.columns \
        else ()
    clean_ops, op_errors = pp.validate_operations(operations, input_columns(upstream), design_facts(upstream), before)
    op_errors.update(pp.operation_errors(clean_ops, upstream.problem_type))
    for index, message in op_errors.items():
        errors[f"operations.{index}"] = f"Operation {int(index) + 1}: {message}" if str(index).isdigit() else message
    clean = {"operations": [{"method": slug, "parameters": params} for slug, params in clean_ops]}
    return clean, errors


def input_columns(upstream: Upstream) -> list[dict] | None:
    """The features this node receives, with the kind each operation sees, after the steps
    of the Preprocessing nodes above it (None: not known yet, nothing connected): a second
    node was checked, summed up and advised on the dataset's columns, a column the first
    dropped or encoded among them."""
    return columns_out(upstream) if upstream.columns else None


def design_facts(upstream: Upstream) -> pp.DesignFacts:
    target = next((c for c in upstream.columns if c["name"] == upstream.target_column), None)
    return pp.DesignFacts(problem_type=upstream.problem_type, target=target)


def columns_out(upstream: Upstream) -> list[dict]:
    """The feature columns a model below receives, as far as the profile tells: the input's
    after every preprocessing step above it (a dropped column gone, one-hot's new columns
    in); each keeps its profile (role, distinct values) unless a step made it."""
    columns = pp.feature_columns(upstream.columns, upstream.target_column)
    steps = [(o.get("method"), o.get("parameters") or {}) for o in upstream.operations or [] if isinstance(o, dict)]
    return pp.step_inputs([*steps, ("", {})], columns, design_facts(upstream))[-1] if steps else columns


def steps_of(config: dict) -> list:
    return [(o.get("method"), o.get("parameters") or {}) for o in config.get("operations") or []
            if isinstance(o, dict)]


def warnings_for(config: dict, upstream: Upstream, model_category: str | None = None) -> list[str]:
    ops = [(o["method"], o.get("parameters", {})) for o in config.get("operations", [])]
    return pp.operation_warnings(ops, upstream.columns or None, upstream.target_column,
                                 upstream.problem_type, model_category,
                                 columns_out(upstream) if upstream.columns else None, design_facts(upstream))


def advise(config: dict, upstream: Upstream, downstream=()) -> list[str]:

    # advice for a kind of model holds only when every model below is of that kind: a scaler
    # feeding a forest and a k-NN is not wasted
    below = {registry.models()[cfg["algorithm"]].category for node_type, cfg in downstream
             if node_type == "model" and cfg.get("algorithm") in registry.models()}
    return warnings_for(config, upstream, below.pop() if len(below) == 1 else None)


def run(config: dict, inputs: dict, ctx) -> TableArtifact:
    table = inputs["table"]
    ops = [(o["method"], o.get("parameters", {})) for o in config.get("operations", [])]
    rows = sum(1 for slug, _ in ops if registry.operations()[slug].kind == "row")
    ctx.progress(1.0, f"{len(ops)} step(s) will be fitted on the training rows"
                      + (f", {rows} of them removing training rows only" if rows else ""))
    # the same table with more steps; what else it carries (the positive class) flows on
    return replace(table, learned_ops=list(table.learned_ops) + ops, warnings=list(table.warnings))


def preview(config: dict, upstream: Upstream) -> list:
    ops = registry.operations()
    steps = config.get("operations") or []
    items = [f"{i + 1}. {ops[o['method']].name if o['method'] in ops else o['method']} · "
             f"{ops[o['method']].when if o['method'] in ops else ''}" for i, o in enumerate(steps)]
    return [{"kind": "list", "title": "Preview", "items": items, "empty": "Nothing is changed.",
             "help": "Steps run in this order as part of the model. What a step learns comes from the training rows "
                     "only; row filters remove training rows, and every test row is still predicted and scored."}]


def estimate(config: dict, upstream: Upstream) -> dict:
    n = len(config.get("operations") or [])
    return {"credits": 0.5 * n, "seconds": 0.05 * n}


def design(config: dict, upstream: Upstream, design=None) -> Upstream:
    out = Upstream(**{**upstream.__dict__})
    out.operations = list(upstream.operations) + list(config.get("operations", []))
    return out


def summary(config: dict, design: Upstream | None = None) -> str:
    """The steps in order with what each acts on: "median fill (age, fare) → one-hot (all 3)"."""
    steps = steps_of(config)
    if not steps:
        return "No operations (passes data through)"
    columns = input_columns(design) if design is not None else None
    inputs = pp.step_inputs(steps, columns, design_facts(design)) if columns is not None else [None] * len(steps)
    names = [pp.describe_operation(slug, params, cols) for (slug, params), cols in zip(steps[:3], inputs)]
    more = f" … +{len(steps) - 3}" if len(steps) > 3 else ""
    return " → ".join(names) + more


def fields(config: dict) -> list[dict]:
    """Its config as a named field (comparing two runs, a re-run's reason): the steps in
    order, each described. One list, not a field per position: a step added first was said
    as every step changing into the one before it ("Step 1: median fill → drop …; Step 2:
    one-hot → median fill; …", found by a new user); now "added 'Drop columns (futime,
    chapter)'". A step by the name its inspector shows, with the settings that differ from
    their defaults, each as "Title: value" (the one rule, `value_said`): a new user read
    "added 'one-hot (Drop first category no, Max categories per column 50)'"."""
    ops = [o for o in config.get("operations") or [] if isinstance(o, dict)]
    known = registry.operations()
    steps, parts = [], {}
    for o in ops:
        params = o.get("parameters") or {}
        op = known.get(o.get("method"))
        declared = {p.name: p for p in op.params} if op else {}
        said = [f"{declared[k].title if k in declared else k}: {value_said(v, declared.get(k))}"
                for k, v in params.items()
                if k != "columns" and (v != declared[k].default if k in declared else v not in (None, "", []))]
        with_ = f" with {', '.join(said)}" if said else ""
        columns = [str(c) for c in params.get("columns") or []] if isinstance(params.get("columns"), list) else []
        shown = pp.describe_operation(o.get("method"), params, named=True) + with_
        # the step as it is, every column named: the shown one says two and "… +N", so a changed third
        # column was "its settings changed" (found by a new user); a reason says it by `parts`
        whole = f"{op.name if op else o.get('method')} ({', '.join(columns)}){with_}" if len(columns) > 2 else shown
        steps.append(whole)
        parts[whole] = {"name": shown, "same": f"{o.get('method')}{with_}", "columns": columns}
    return [{"key": "operations", "label": "Steps", "value": steps,
             "text": " → ".join(parts[s]["name"] for s in steps) or "none",
             "names": {s: p["name"] for s, p in parts.items()}, "parts": parts}]


def export(config: dict, ctx) -> Exported:
    """As in the app, nothing runs here: the steps travel to each model below and become
    the first steps of its pipeline (the Model node writes them)."""
    up = ctx.input.names
    ops = steps_of(config)
    lines = ["# Nothing runs here: these steps become the first steps of each model's pipeline below, fitted on its"
             " training rows only" + (" (row filters remove training rows during fitting; every test row is scored)"
                                      if any(registry.operations()[s].kind == "row" for s, _ in ops
                                             if s in registry.operations()) else "")]
    lines += [f"#   {len(up['ops']) + i + 1}. {registry.operations()[s].name if s in registry.operations() else s}"
              + (f" {params}" if params else "") for i, (s, params) in enumerate(ops)]
    return Exported(lines, {**up, "ops": list(up["ops"]) + ops})


NODE = NodeType(
    type="preprocessing", label="Preprocessing", icon="🧹", colour="#0891b2",
    description="Clean and transform the data: missing values, scaling, encoding, outliers.",
    inputs=(Port("table", (TABLE,), "Table"),), outputs=(Port("table", (TABLE,), "Table"),),
    params=(), validate=validate, run=run, summary=summary, group="Data", design=design, advise=advise,
    preview=preview, estimate=estimate, output_summary=table_summary, fields=fields, shape=shape, export=export,
    order=20,
)
