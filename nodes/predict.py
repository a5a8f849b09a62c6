"""Predict node: scores the rows of a table with a trained model (the fitted pipeline of a
Model node, learned preprocessing included) and gives the table of predictions: the rows
as they came, with `prediction` (and each class's probability, when asked) added.

The columns are checked by the one rule of playground_runtime (what a model bundle's
predict.py and "Score a file" use): a missing or unknown column, or values of the wrong
type, fail the node with a sentence naming them. The target and the columns its dataset
left out may be there; they are set aside for scoring and kept in the output. The saved
predictions carry the rows' id columns first.
"""

from __future__ import annotations

from dataclasses import replace

from nodes.base import MODEL, TABLE, Exported, NodeError, NodeType, Port, TableArtifact, Upstream
from plugins.params import Param, quoted, validate_params

PARAMS = (Param("probabilities", "bool", default=False, label="Class probabilities",
                help="Add each class's probability (classifiers), as proba_<class>."),)


def validate(config: dict, upstream: Upstream):
    config = dict(config or {})
    errors = {k: f"Unknown field {quoted(k)}." for k in config if k not in {p.name for p in PARAMS}}
    clean, problems = validate_params(PARAMS, {k: v for k, v in config.items() if k not in errors}, what="field")
    return clean, {**errors, **problems}


def run(config: dict, inputs: dict, ctx) -> TableArtifact:
    import playground_runtime

    model, table = inputs["model"], inputs["table"]
    features = (model.portable or {}).get("features") or playground_runtime.feature_schema(model.split.X_train)
    # set aside: the targets, and the columns the model's dataset left out of its features as
    # ids, which this table's own Dataset node may not call ids (a few rows,
    # names repeated): the model never took them (found by a new user: "unknown column 'Name'")
    left_out = [c for c in (model.split.target, table.target, *model.split.id_columns) if c]
    if table.target and table.target in {f["name"] for f in features}:
        # the rows' own Dataset node took one of the model's inputs as its target (the dataset's
        # suggestion, found by a new user): it scores them, but drops every row where it is empty
        ctx.warn(f"The rows to score come from a Dataset node whose target is {table.target!r}, which this model "
                 f"takes as an input: that node leaves out the rows where {table.target!r} is empty. Set its problem "
                 "type to Clustering (no target) to score every row.")
    rows = table.df
    # how the rows' dataset wrote its numbers when not plainly (their currency): amounts in another currency than
    # the model's training file are refused by the one rule, as Score a file and predict.py refuse them
    facts = (ctx.dataset_facts(table.dataset_id) if ctx.dataset_facts and table.dataset_id else None) or {}
    formats = facts.get("number_formats")
    if formats or facts.get("decimal_settled"):
        rows = rows.copy(deep=False)
        rows.attrs[playground_runtime.NUMBERS_READ] = formats or {}
        # the decimal separator its file settles (settled_decimal): a decimal comma is read where training wrote a point
        rows.attrs[playground_runtime.FILE_DECIMAL] = facts.get("decimal_settled")
    try:
        X = playground_runtime.prepare_rows(rows, features, left_out)
        out = playground_runtime.predictions(model.pipeline, X, proba=bool(config.get("probabilities")))
    except playground_runtime.ColumnsError as e:
        raise NodeError(str(e)) from None
    for sentence in playground_runtime.reading_notes(X):  # how values were read, as Score a file says it
        ctx.event("node_log", {"message": sentence})
    for sentence in playground_runtime.unseen_values(X, features):  # scored, and said, as Score a file says it
        ctx.warn(sentence)
    # a column whose '-' the model learned as 0 (its training file's accounting zeros), where this table's Dataset
    # read '-' as gaps: the stored table no longer tells them from other gaps; Score a file reads the file again
    for name in playground_runtime.zero_dash_columns(features):
        n = (facts.get("dash_gaps") or {}).get(name)
        if n and name in rows.columns:
            ctx.warn(f"{name!r}: the model's training file wrote 0 as '-' (as Excel's accounting format writes it), "
                     f"and this table's dataset read its {n:,} '-' as missing values: they were scored as gaps, not "
                     "0. Score the file with Score a file on the model's results, which reads them as 0.")
    ctx.check_cancelled()
    scored = table.df.reset_index(drop=True).copy()
    for c in out.columns:
        scored[c] = out[c].to_numpy()
    # the saved predictions carry the rows' id columns first (the Dataset node left them out of
    # the table): each prediction can be matched to its row
    ids = table.ids.reindex(table.df.index).reset_index(drop=True) if table.ids is not None else None
    written = playground_runtime.with_row_ids(scored, ids, list(ids.columns)) if ids is not None else scored
    saved = ctx.save_artifact("predictions", "predictions.csv", written.to_csv(index=False).encode(), "text/csv")
    # offered in the results (a new user found no way to the file but the API and the disk)
    downloads = [{"label": f"Predictions for {len(written):,} row{'' if len(written) == 1 else 's'} (CSV)", "artifact_id": saved}] if saved else []
    return replace(table, df=scored, downloads=downloads)


def export(config: dict, ctx) -> Exported:
    """The table's rows scored by the model as `run` scores them (the same column rule and
    predictions, inlined from playground_runtime), the predictions added as columns and
    saved as `<node id>_predictions.csv` in the script's output folder; what is below it gets
    the scored table."""
    import playground_runtime as runtime

    src = ctx.source
    model, table = ctx.inputs["model"].names, ctx.inputs["table"].names
    left_out = [c for c in (model.get("target"), table.get("target")) if c]
    scored, predicted, column = ctx.name("scored"), ctx.name("predicted"), ctx.name("column")
    set_aside = (f"[*{src.render(left_out)}, *{model['ids']}.columns]" if model.get("ids")  # as `run`: its ids too
                 else src.render(left_out))
    rows = (f"{src.ref(runtime.prepare_rows)}({table['frame']}, {src.ref(runtime.feature_schema)}({model['X_train']}), "
            f"{set_aside})")
    lines = ["# the table's rows scored by the model (its feature columns checked as the app checks them)",
             f"{predicted} = {src.ref(runtime.predictions)}({model['pipeline']}, {rows}, "
             f"proba={bool(config.get('probabilities'))!r})",
             f"{scored} = {table['frame']}.reset_index(drop=True).copy()",
             f"for {column} in {predicted}.columns:",
             f"    {scored}[{column}] = {predicted}[{column}].to_numpy()",
             "# saved with the rows' id columns first, to match each prediction to its row",
             f"{src.ref(runtime.with_row_ids)}({scored}, {table['ids']}, list({table['ids']}.columns))"
             f".to_csv(plots_dir / {f'{ctx.node_id}_predictions.csv'!r}, index=False)"
             if table.get("ids") else
             f"{scored}.to_csv(plots_dir / {f'{ctx.node_id}_predictions.csv'!r}, index=False)"]
    return Exported(lines, {**table, "frame": scored})


def output_summary(table: TableArtifact) -> dict:
    return {"rows": int(len(table.df)), "columns": [str(c) for c in table.df.columns if str(c) == "prediction"
                                                    or str(c).startswith("proba_")],
            "downloads": list(table.downloads)}


def summary(config: dict) -> str:
    return "Predictions with probabilities" if config.get("probabilities") else "Predictions"


NODE = NodeType(
    type="predict", label="Predict", icon="🔮", colour="#0e7490",
    description="Score the rows of a table with a trained model: its predictions, added as columns.",
    inputs=(Port("model", (MODEL,), "Model"), Port("table", (TABLE,), "Rows to score")),
    outputs=(Port("table", (TABLE,), "Predictions"),),
    params=PARAMS, validate=validate, run=run, summary=summary, group="Model", output_summary=output_summary,
    export=export, order=45,
)
