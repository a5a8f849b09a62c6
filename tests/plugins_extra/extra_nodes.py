"""A third-party package's node types and preprocessing operation, registered only through
the `playground.plugins` entry-point group (tests/test_node_plugins.py installs it as a
dist-info folder; the browser test starts the app with that folder on its path). Nothing
in the project names them."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from nodes.base import TABLE, NodeType, Port, TableArtifact, Upstream, table_summary
from plugins.base import Operation
from plugins.params import Param, validate_params
from plugins.preprocessing import COLUMNS, Columns, on_columns

# --------------------------------------------------------------------------- sample rows
SAMPLE_PARAMS = (Param("n_rows", "int", default=100, min=1, max=10_000_000, label="Rows to keep",
                       help="A random sample of this many rows (all rows when the table has fewer)."),
                 Param("seed", "int", default=0, min=0, max=2**31 - 1, label="Random seed"),
                 Param("stratify", "bool", default=False, label="Keep the shares of a column's values"),
                 Param("by_column", "column", default=None, nullable=True, label="Column", choices_from="columns",
                       visible_if=(("stratify", True),)))


def sample_validate(config, upstream):
    clean, errors = validate_params(SAMPLE_PARAMS, config, what="field")
    names = [c["name"] for c in upstream.columns]
    if clean.get("by_column") and names and clean["by_column"] not in names:
        errors["by_column"] = f"There is no column {clean['by_column']!r} in the input."
    return clean, errors


def sample_design(config, upstream: Upstream):
    n = upstream.n_rows
    return Upstream(**{**upstream.__dict__, "n_rows": min(n, config["n_rows"]) if n else None})


def sample_summary(config, design=None):
    return f"{config.get('n_rows', 100):,} random rows"


def sample_preview(config, upstream: Upstream):
    n = upstream.n_rows
    if not n:
        return [{"kind": "text", "text": "Connect a table to see how many rows are kept."}]
    return [{"kind": "text", "text": f"Keeps {min(n, config['n_rows']):,} of {n:,} rows."}]


def sample_run(config, inputs, ctx) -> TableArtifact:
    table = inputs["table"]
    n = min(len(table.df), config["n_rows"])
    if config.get("stratify") and config.get("by_column"):
        df = table.df.groupby(config["by_column"], group_keys=False).sample(frac=n / len(table.df),
                                                                             random_state=config["seed"])
    else:
        df = table.df.sample(n=n, random_state=config["seed"])
    df = df.sort_index()
    return replace(table, df=df)  # the same table, fewer rows: what else it carries flows on


SAMPLE_ROWS = NodeType(
    type="sample_rows", label="Sample rows", icon="🎲", colour="#0d9488",
    description="Keep a random sample of the table's rows.",
    inputs=(Port("table", (TABLE,), "Table"),), outputs=(Port("table", (TABLE,), "Table"),),
    params=SAMPLE_PARAMS, validate=sample_validate, run=sample_run, summary=sample_summary, group="Data",
    design=sample_design, preview=sample_preview, output_summary=table_summary, order=25,
)

# --------------------------------------------------------------------------- a gate
GATE_PARAMS = (Param("min_rows", "int", default=100, min=1, max=10_000_000, label="At least this many rows"),)


def gate_validate(config, upstream):
    return validate_params(GATE_PARAMS, config, what="field")


def gate_design(config, upstream: Upstream):
    return {"pass": Upstream(**upstream.__dict__), "fail": Upstream(**upstream.__dict__)}


def gate_run(config, inputs, ctx):
    table = inputs["table"]
    return {"pass": table} if len(table.df) >= config["min_rows"] else {"fail": table}


ROW_GATE = NodeType(
    type="row_gate", label="Row gate", icon="🚦", colour="#b45309",
    description="Sends the table on 'pass' when it has enough rows, on 'fail' otherwise.",
    inputs=(Port("table", (TABLE,), "Table"),),
    outputs=(Port("pass", (TABLE,), "Pass"), Port("fail", (TABLE,), "Fail")),
    params=GATE_PARAMS, validate=gate_validate, run=gate_run,
    summary=lambda config: f"pass when ≥ {config.get('min_rows', 100):,} rows", group="Data",
    design=gate_design, output_summary=table_summary, order=26,
)


# --------------------------------------------------------------------------- an operation
def _log1p(params, ctx):
    from sklearn.preprocessing import FunctionTransformer

    step = FunctionTransformer(np.log1p, feature_names_out="one-to-one").set_output(transform="pandas")
    return on_columns(("log1p", step, Columns("numeric", params.get("columns"))))


LOG1P = Operation(key="log1p_transform", name="Log transform (log1p)", category="scaling", applies_to=("numeric",),
                  kind="learned", params=(COLUMNS,), description="Replace x by log(1 + x) on the chosen columns.",
                  make=_log1p)

NODES = [SAMPLE_ROWS, ROW_GATE]
PLUGINS = [SAMPLE_ROWS, ROW_GATE, LOG1P]
