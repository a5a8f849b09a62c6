"""Preprocessing operations.

Every operation becomes a step of the model's Pipeline (imbalanced-learn's `Pipeline`, a
scikit-learn Pipeline that also takes samplers), in the order the user set, and is fitted
on the training rows only:

- Learned transforms are scikit-learn's own transformers (SimpleImputer, the scalers, the
  encoders, TargetEncoder ...) applied to the columns they act on through a
  `OnColumns` step (what a `ColumnTransformer` with pandas output computes, without its
  per-call checks), so names and dtypes flow from step to step.
  TargetEncoder cross-fits inside `fit_transform`, so a row's own target never feeds its
  encoding during training.
- Row filters (duplicates, rows with missing values, outlier removal) are imbalanced-learn
  `FunctionSampler`s: during `fit` they remove training rows (their bounds come from the
  training rows); at predict time they do nothing, so every test row is predicted and
  scored.

The fitted Pipeline is the saved model: it takes the raw feature columns as they come.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

# the transformers, row filters and column rules a saved model holds live in the runtime
# module a model bundle ships; importable from here as before (models saved by earlier
# runs name them so)
from playground_runtime import (  # noqa: F401
    DATE_PART_NAMES,
    DATE_PARTS,
    DEFAULT_DATE_PARTS,
    AutoPrepare,
    ClipOutliers,
    Columns,
    DateFeatures,
    DropMostlyMissing,
    MarkMissing,
    OnColumns,
    RowFilter,
    applicable,
    column_kind,
    date_features,
    keep_complete_rows,
    keep_inside_iqr,
    keep_inside_zscore,
    keep_unique_rows,
    number_said,
    scale_note,
    scale_order,
)
from plugins.base import Operation
from plugins.params import Param, quoted, shape_problems, validate_params, value_read

COLUMNS = Param("columns", "columns", default=[], label="Columns",
                help="Leave empty to apply to every applicable column.")


# --------------------------------------------------------------------------- columns
def profile_kind(col: dict) -> str:
    """The `column_kind` of a profiled column, from the dtype it is stored with (the dtype
    the run sees), so design time and run time classify a column alike."""
    kind = dtype_kind(str(col.get("dtype") or "object"))
    if kind is None:
        return {"numeric": "numeric", "id": "numeric", "datetime": "datetime"}.get(col.get("role"), "categorical")
    return kind


@functools.lru_cache(maxsize=256)
def dtype_kind(dtype: str) -> str | None:
    """`column_kind` of an empty column of this dtype (None: pandas does not know the name),
    once per dtype name: building the Series costs milliseconds, and every validation asks."""
    try:
        return column_kind(pd.Series([], dtype=dtype))
    except (TypeError, ValueError):
        return None


def kinds_text(applies_to) -> str:
    """"numeric", "numeric or categorical", "" for any kind."""
    kinds = (applies_to,) if isinstance(applies_to, str) else tuple(applies_to)
    return "" if "all" in kinds else " or ".join(kinds)


def on_columns(*branches, remainder="passthrough"):
    """Named branches (name, transformer, Columns), pandas out, untouched columns passed
    through, output names kept plain (`age`, `city_north`): the runtime's OnColumns, which
    computes what a ColumnTransformer so configured does (and is exported as one)."""
    return OnColumns(list(branches), remainder=remainder)

# --------------------------------------------------------------------------- building steps
@dataclass(frozen=True)
class StepContext:
    """What an operation's `make` may need to know besides its params."""

    problem_type: str | None = None
    target: str | None = None
    random_state: int | None = 0
    applies_to: tuple = ("all",)  # the operation's own (make_step sets it): what its Columns select


def _filter(name, keep, params_keys=()):
    def make(p, ctx: StepContext):
        from imblearn import FunctionSampler

        params = {k: p[k] for k in params_keys if k in p}
        params["columns"] = list(p.get("columns") or [])
        params["kinds"] = tuple(ctx.applies_to)
        return FunctionSampler(func=RowFilter(name, keep, params, use_target=ctx.problem_type != "clustering"),
                               validate=False)
    return make


def _impute(strategy):
    def make(p, ctx):
        from sklearn.impute import SimpleImputer

        names = p.get("columns") or []
        # one branch per kind (an imputer takes one dtype), each only if the operation applies to it
        numbers = Columns("numeric", names) if applicable(ctx.applies_to, "numeric") else None
        text = Columns("categorical", names) if applicable(ctx.applies_to, "categorical") else None
        if strategy in ("mean", "median"):
            return on_columns(("numbers", SimpleImputer(strategy=strategy, keep_empty_features=True),
                               Columns(ctx.applies_to, names)))
        branches = []
        if strategy == "most_frequent":
            if numbers:
                branches.append(("numbers", SimpleImputer(strategy="most_frequent"), numbers))
            if text:
                branches.append(("text", SimpleImputer(strategy="most_frequent"), text))
            return on_columns(*branches)
        value = _as_number(p["value"])
        if numbers and isinstance(value, float):  # a fill value that is not a number leaves numeric columns alone
            branches.append(("numbers", SimpleImputer(strategy="constant", fill_value=value,
                                                      keep_empty_features=True), numbers))
        if text:
            branches.append(("text", SimpleImputer(strategy="constant", fill_value=str(p["value"])), text))
        return on_columns(*branches)
    return make


def _scaler(kind):
    def make(p, ctx):
        from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

        scaler = {"standard": StandardScaler, "robust": RobustScaler}.get(kind)
        scaler = scaler() if scaler else MinMaxScaler(feature_range=tuple(p["feature_range"]))
        return on_columns(("scale", scaler, Columns(ctx.applies_to, p.get("columns"))))
    return make


def _onehot(p, ctx):
    from sklearn.preprocessing import OneHotEncoder

    encoder = OneHotEncoder(handle_unknown="infrequent_if_exist", max_categories=p["max_categories"],
                            drop="first" if p["drop_first"] else None, sparse_output=False)
    return on_columns(("onehot", encoder, Columns(ctx.applies_to, p.get("columns"))))


def _ordinal(p, ctx):
    from sklearn.preprocessing import OrdinalEncoder

    encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=np.nan)
    return on_columns(("ordinal", encoder, Columns(ctx.applies_to, p.get("columns"))))


def _target(p, ctx: StepContext):
    from sklearn.model_selection import KFold, StratifiedKFold
    from sklearn.preprocessing import TargetEncoder

    regression = ctx.problem_type == "regression"
    smooth = "auto" if p.get("smoothing") is None else p["smoothing"]
    # the folds of the cross-fitting, given as the splitter scikit-learn itself built from
    # cv=5, shuffle=True, random_state (deprecated in 1.9, gone in 1.11): KFold for a
    # continuous target, StratifiedKFold for classes, so the encodings are unchanged
    folds = (KFold if regression else StratifiedKFold)(5, shuffle=True, random_state=ctx.random_state)
    encoder = TargetEncoder(target_type="continuous" if regression else "auto", smooth=smooth, cv=folds)
    return on_columns(("target", encoder, Columns(ctx.applies_to, p.get("columns"))))


def _mark(p, ctx):
    return on_columns(("mark", MarkMissing(list(p.get("values") or [])), Columns(ctx.applies_to, p.get("columns"))))


def _clip(p, ctx):
    clip = ClipOutliers(p["method"], p["factor"], p["lower_quantile"], p["upper_quantile"])
    return on_columns(("clip", clip, Columns(ctx.applies_to, p.get("columns"))))


def _drop_columns(p, ctx):
    # names the data no longer has (e.g. an id column the Dataset node already left out)
    # are nothing to drop, not an error
    return on_columns(("drop", "drop", Columns(ctx.applies_to, p.get("columns"), strict=False)))


def _dates(p, ctx):
    return DateFeatures(tuple(p.get("parts") or DEFAULT_DATE_PARTS), list(p.get("columns") or []) or None)


# --------------------------------------------------------------------------- design time
# What each step does to the columns, as far as the profile tells, so that a later step's
# chooser offers (and its validation accepts) the columns it will really get: an ordinal
# code is a number, a date becomes `date_year` ..., a dropped column is gone.
@dataclass(frozen=True)
class DesignFacts:
    problem_type: str | None = None
    target: dict | None = None  # the target column's profile


def acted_on(applies_to, params: dict, columns: list[dict]) -> list[dict]:
    """The columns a step acts on: those named (that are there and applicable), or every
    applicable one; as `Columns` selects them at run time."""
    names = params.get("columns") or []
    if names:
        by = {c["name"]: c for c in columns}
        return [by[n] for n in names if n in by and applicable(applies_to, by[n]["kind"])]
    return [c for c in columns if applicable(applies_to, c["kind"])]


def _replace_each(columns, chosen, make, in_place=False):
    """Each chosen column replaced by `make(column)` (a list of new columns): in place, or
    first, as a ColumnTransformer puts what it transformed before what it passes through."""
    names = {c["name"] for c in chosen}
    if not in_place:
        return [n for c in chosen for n in make(c)] + [c for c in columns if c["name"] not in names]
    out = []
    for c in columns:
        out.extend(make(c) if c["name"] in names else [c])
    return out


def _as_numbers(op):
    def reshape(columns, params, facts):
        return _replace_each(columns, acted_on(op, params, columns), lambda c: [{**c, "kind": "numeric"}])
    return reshape


def _values(col: dict) -> list | None:
    """Every distinct value of a profiled column, when the profile lists them all (up to 50:
    `values`; the 12 most frequent: `top_values`)."""
    listed = col.get("values") or [v for v, _ in col.get("top_values") or []]
    return listed if listed and len(listed) == (col.get("unique") or 0) else None


def _sorted(values):
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=str)


def _onehot_columns(columns, params, facts):
    def make(c):
        values = _values(c)
        if values is None or len(values) > params.get("max_categories", 50):
            return []  # names only known at fit time
        values = _sorted(values)[1 if params.get("drop_first") else 0:]
        extra = ["nan"] if (c.get("missing") or c.get("missing_pct")) else []
        return [{"name": f"{c['name']}_{v}", "kind": "numeric"} for v in [*values, *extra]]
    return _replace_each(columns, acted_on(("categorical",), params, columns), make)


def _target_columns(columns, params, facts):
    classes = _values(facts.target or {}) if facts.problem_type == "classification" else None

    def make(c):
        if classes and len(classes) > 2:  # multiclass: one column per class
            return [{"name": f"{c['name']}_{v}", "kind": "numeric"} for v in _sorted(classes)]
        return [{**c, "kind": "numeric"}]
    return _replace_each(columns, acted_on(("categorical",), params, columns), make)


def _date_columns(columns, params, facts):
    parts = [p for p in DATE_PARTS if p in (params.get("parts") or DEFAULT_DATE_PARTS)]

    def made(c):  # a year stored as a date becomes its year only (playground_runtime.date_parts_used)
        return ["year"] if c.get("year_as_date") and "year" in parts else parts
    return _replace_each(columns, acted_on(("datetime",), params, columns),
                         lambda c: [{"name": f"{c['name']}_{p}", "kind": "numeric"} for p in made(c)], in_place=True)


def _dropped(columns, params, facts):
    gone = set(params.get("columns") or [])
    return [c for c in columns if c["name"] not in gone]


def _op(slug, name, category, applies_to, kind, params=(), description="", make=None, short="", stateless=False,
        reshape=None, gap_as_category=False, makes_gaps=False, title=None):
    return Operation(key=slug, name=name, category=category, applies_to=applies_to, kind=kind,
                     params=tuple(params), description=description, make=make, short=short, stateless=stateless,
                     reshape=reshape, gap_as_category=gap_as_category, makes_gaps=makes_gaps, title=title)


MARK_TITLE_VALUES = 4  # values a Mark step's title names, the rest counted


def _mark_title(params: dict) -> str:
    """"Mark -99, 999, 'n/a' as missing": the values as the step reads them (value_read), the
    numbers as sentences write them, text quoted; none typed yet, the operation's name."""
    values = params.get("values")
    values = [value_read(v) for v in values] if isinstance(values, list) else []
    if not values:
        return "Mark values as missing"
    shown = [number_said(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else quoted(v)
             for v in values[:MARK_TITLE_VALUES]]
    more = f" … +{len(values) - MARK_TITLE_VALUES}" if len(values) > MARK_TITLE_VALUES else ""
    return f"Mark {', '.join(shown)}{more} as missing"


def step_title(op: Operation, params: dict) -> str:
    """A step's header in the steps list: its declaration's `title` with its params, else its name."""
    return op.title(params) if op.title is not None else op.name


OPERATIONS = {o.key: o for o in [
    _op("mark_missing", "Mark values as missing", "missing_values", ("numeric", "categorical"), "learned",
        [Param("values", "values", default=[], label="Values that mean missing",
               help="Separated by commas: -99, 999, n/a. A number marks numbers and its text in text columns; "
                    "text marks text columns only."), COLUMNS],
        "Make the codes a file writes for no answer (SPSS and Stata write -99, -999, -9; surveys 98, 99) gaps, "
        "so the fill and drop steps after it see them. It learns nothing from the rows.",
        make=_mark, short="mark missing", stateless=True, makes_gaps=True, title=_mark_title),
    _op("fill_missing_mean", "Fill missing (mean)", "missing_values", ("numeric",), "learned", [COLUMNS],
        "Replace missing numbers with the training mean.", make=_impute("mean"), short="mean fill"),
    _op("fill_missing_median", "Fill missing (median)", "missing_values", ("numeric",), "learned", [COLUMNS],
        "Replace missing numbers with the training median (robust to outliers).", make=_impute("median"), short="median fill"),
    _op("fill_missing_mode", "Fill missing (most frequent)", "missing_values", ("numeric", "categorical"), "learned",
        [COLUMNS], "Replace missing values with the most frequent training value.", make=_impute("most_frequent"),
        short="mode fill"),
    _op("fill_missing_constant", "Fill missing (constant)", "missing_values", ("numeric", "categorical"), "learned",
        [Param("value", "str", default="0", label="Fill value", max=200,
               help="A number fills numeric and text columns; text fills text columns only."), COLUMNS],
        "Replace missing values with a value you choose.", make=_impute("constant"), short="constant fill"),
    _op("drop_missing_rows", "Drop rows with missing values", "missing_values", ("all",), "row", [COLUMNS],
        "Remove training rows that have a missing value (in the chosen columns). Test rows are all kept "
        "and scored.", make=_filter("Drop rows with missing values", keep_complete_rows), short="drop incomplete rows"),
    _op("drop_missing_columns", "Drop mostly-missing columns", "missing_values", ("all",), "learned",
        [Param("threshold", "float", default=0.5, min=0.0, max=1.0, step=0.05, label="Missing share above",
               help="Columns missing in more than this share of training rows are dropped.")],
        "Remove columns that are mostly empty in the training rows.",
        make=lambda p, ctx: DropMostlyMissing(threshold=p["threshold"]).set_output(transform="pandas"),
        short="drop sparse columns"),
    _op("standard_scaler", "Standard scaler", "scaling", ("numeric",), "learned", [COLUMNS],
        "Centre to mean 0 and scale to unit variance.", make=_scaler("standard"), short="standardise"),
    _op("minmax_scaler", "Min-max scaler", "scaling", ("numeric",), "learned",
        [Param("feature_range", "range", default=[0.0, 1.0], min=-1000, max=1000, label="Range"), COLUMNS],
        "Rescale to a fixed range.", make=_scaler("minmax"), short="min-max"),
    _op("robust_scaler", "Robust scaler", "scaling", ("numeric",), "learned", [COLUMNS],
        "Centre on the median and scale by the interquartile range; outliers matter less.",
        make=_scaler("robust"), short="robust scale"),
    _op("onehot_encoder", "One-hot encoder", "encoding", ("categorical",), "learned",
        [Param("max_categories", "int", default=50, min=2, max=1000, label="Max categories per column",
               help="The rarest categories beyond this share one 'infrequent' column; unseen ones too."),
         Param("drop_first", "bool", default=False, label="Drop first category"), COLUMNS],
        "One 0/1 column per category.", make=_onehot, short="one-hot",
        reshape=_onehot_columns, gap_as_category=True),  # scikit-learn's OneHotEncoder: a gap is a category
    _op("ordinal_encoder", "Label / ordinal encoder", "encoding", ("categorical",), "learned", [COLUMNS],
        "Replace each category by a number (unseen categories become -1).", make=_ordinal,
        short="ordinal", reshape=_as_numbers(("categorical",))),
    _op("target_encoder", "Target encoder", "encoding", ("categorical",), "learned",
        [Param("smoothing", "float", default=None, nullable=True, min=0.0, max=1000.0, label="Smoothing",
               help="Empty: chosen from the data (empirical Bayes). Larger values pull rare categories "
                    "towards the overall mean."), COLUMNS],
        "Replace each category by the mean target in the training rows (one column per class when "
        "classifying). Cross-fitted: during training each row's encoding comes from the other folds, so "
        "the model never sees its own target.", make=_target, short="target enc.",
        reshape=_target_columns, gap_as_category=True),  # scikit-learn's TargetEncoder: so too
    _op("date_features", "Date features", "dates", ("datetime",), "learned",
        [Param("parts", "multiselect", default=list(DEFAULT_DATE_PARTS), choices=DATE_PARTS, label="Features",
               help="What each date becomes; the date column itself is replaced."), COLUMNS],
        "Turn date columns into numbers a model can use: year, month, day, weekday, day of year, days since "
        "1970 (and the hour).", make=_dates, short="date parts", stateless=True,
        reshape=_date_columns),
    _op("iqr_outlier_removal", "Remove outliers (IQR)", "outliers", ("numeric",), "row",
        [Param("factor", "float", default=1.5, min=0.5, max=10.0, step=0.5, label="IQR factor"), COLUMNS],
        "Drop training rows with a value beyond factor x IQR outside the training quartiles. Test rows are all "
        "kept and scored.", make=_filter("Remove outliers (IQR)", keep_inside_iqr, ("factor",)), short="IQR outliers"),
    _op("zscore_outlier_removal", "Remove outliers (z-score)", "outliers", ("numeric",), "row",
        [Param("threshold", "float", default=3.0, min=1.0, max=10.0, step=0.5, label="Z-score above"), COLUMNS],
        "Drop training rows with a value more than this many training standard deviations from the training "
        "mean. Test rows are all kept and scored.",
        make=_filter("Remove outliers (z-score)", keep_inside_zscore, ("threshold",)), short="z-score outliers"),
    _op("clip_outliers", "Clip outliers", "outliers", ("numeric",), "learned",
        [Param("method", "select", default="iqr", choices=("iqr", "quantile"), label="Bounds from"),
         Param("factor", "float", default=1.5, min=0.5, max=10.0, step=0.5, label="IQR factor"),
         Param("lower_quantile", "float", default=0.01, min=0.0, max=0.5, label="Lower quantile", advanced=True),
         Param("upper_quantile", "float", default=0.99, min=0.5, max=1.0, label="Upper quantile", advanced=True),
         COLUMNS],
        "Cap values at bounds learned from the training rows; no row is removed.", make=_clip, short="clip"),
    _op("remove_duplicates", "Remove duplicate rows", "other", ("all",), "row", [COLUMNS],
        "Keep the first of identical training rows (features and target, or the chosen columns). Test rows "
        "are all kept and scored.", make=_filter("Remove duplicate rows", keep_unique_rows), short="dedupe"),
    _op("drop_columns", "Drop columns", "other", ("all",), "learned",
        [Param("columns", "columns", default=[], label="Columns to drop",
               help="Choose at least one (Ctrl or ⌘ for several): unlike other steps, none chosen is not all.")],
        "Remove columns you do not want the model to use (ids, leaks).", make=_drop_columns, short="drop",
        stateless=True, reshape=_dropped),
]}

PLUGINS = list(OPERATIONS.values())  # registered like any plugin's (plugins.registry)

CATEGORIES = {"missing_values": "Missing values", "scaling": "Scaling", "encoding": "Encoding",
              "dates": "Dates", "outliers": "Outliers", "other": "Other"}


def _as_number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return text


# --------------------------------------------------------------------------- API
def _registry():
    from plugins import registry

    return registry.operations()


def make_step(op: Operation, params: dict, context: StepContext):
    """The Pipeline step of one operation. A third-party operation's `make(params)` may take
    the context as a second argument, or not."""
    try:
        takes_context = len(inspect.signature(op.make).parameters) >= 2
    except (TypeError, ValueError):
        takes_context = False
    context = replace(context, applies_to=tuple(op.applies_to))
    return op.make(params, context) if takes_context else op.make(params)


def build_steps(operations, context: StepContext | None = None) -> list:
    """[(name, step)] for the Pipeline, in the user's order; row filters included (they act
    during fit only)."""
    context = context or StepContext()
    ops = _registry()
    return [(f"{i + 1}_{slug}", make_step(ops[slug], params, context)) for i, (slug, params) in enumerate(operations)]


def step_code(slug: str, params: dict, context: StepContext, source) -> str:
    """An operation's step as code for an exported script (plugins.codegen.Source): its
    declaration's `export`, else the step `make` builds written as the calls that build it."""
    from plugins.codegen import NotExportable

    op = _registry().get(slug)
    if op is None:
        raise NotExportable(f"the operation {slug!r} is not installed here")
    if op.export is not None:
        return op.export(params, replace(context, applies_to=tuple(op.applies_to)), source)
    try:
        return source.render(make_step(op, params, context))
    except NotExportable as e:
        raise NotExportable(f"{op.name}: {e}") from None


def filter_reports(pipeline) -> list[str]:
    """What the steps of a fitted Pipeline did that the user should hear of, in step order:
    what each row filter removed from the training rows, and each transformer's notes
    (`notes_`: date parts not made, what AutoPrepare did on its own)."""
    out = []
    for _, step in getattr(pipeline, "steps", []):
        func = getattr(step, "func", None)
        if isinstance(func, RowFilter) and func.describe():
            out.append(func.describe())
        out.extend(getattr(step, "notes_", None) or [])
    return out


def feature_columns(columns_profile, target=None) -> list[dict]:
    """The model's input columns at design time (the profile's, the target left out), each
    with its `kind` as `column_kind` will see it."""
    return [{**c, "kind": profile_kind(c)} for c in columns_profile or [] if c["name"] != target]


def step_inputs(operations, columns: list[dict], facts: DesignFacts | None = None) -> list[list[dict]]:
    """The columns each step receives (as far as the profile tells): the input's, as the
    steps before it left them. `operations` is [(slug, params)]."""
    facts, ops, out = facts or DesignFacts(), _registry(), []
    for slug, params in operations:
        out.append(columns)
        op = ops.get(slug)
        if op is not None and op.reshape is not None:
            try:
                columns = op.reshape(columns, params or {}, facts)
            except Exception:  # a third-party reshape must never break the inspector
                pass
    return out


def dropped_columns(operations, names: list[str]) -> set[str]:
    """The input columns that steps remove without making anything of them (a step whose
    columns out are a subset of its columns in), as far as their reshape tells: what the
    model never sees. `operations` is [(slug, params)]."""
    columns = [{"name": n} for n in names]
    gone: set[str] = set()
    steps = step_inputs(list(operations) + [("", {})], columns)  # the columns each step gets, and after the last
    for before, after in zip(steps, steps[1:]):
        was, now = {c["name"] for c in before}, {c["name"] for c in after}
        if now <= was:
            gone |= was - now
    return gone


def column_problem(op: Operation, params: dict, columns: list[dict], original=(), target: str | None = None) -> str | None:
    """Why a step's chosen columns cannot be used (a sentence), or None: a name not in the
    data at this step (the target's own sentence: steps never see it), or a column of a kind
    the operation does not act on."""
    if not any(p.kind == "columns" for p in op.params):
        return None
    names = params.get("columns") or []
    if op.key == "drop_columns":
        if not names:
            return "choose the columns to drop."
        return None  # a name the data no longer has is nothing to drop
    by = {c["name"]: c for c in columns}
    for name in names:
        if name not in by:
            if name in original:
                return f"column {name!r} is not there any more at this step (an earlier step replaced or removed it)."
            if name == target:  # STAR's read1 chosen for 'Drop rows with missing values' was "not in the data"
                return (f"column {name!r} is the target: steps act on the feature columns, never the target (the "
                        "Dataset node already leaves out the rows whose target is missing).")
            return f"column {name!r} is not in the data."
        if not applicable(op.applies_to, by[name]["kind"]):
            return f"it acts on {kinds_text(op.applies_to)} columns; {name!r} is {by[name]['kind']}."
    return None


def column_problems(operations, columns: list[dict], facts: DesignFacts | None = None, before=()) -> dict:
    """{step index: sentence} for the steps whose chosen columns cannot be used (`before`: as
    validate_operations)."""
    registered, problems = _registry(), {}
    original = {c["name"] for c in columns} | set(before)
    for i, ((slug, params), cols) in enumerate(zip(operations, step_inputs(operations, columns, facts))):
        op = registered.get(slug)
        problem = column_problem(op, params or {}, cols, original, ((facts.target or {}).get("name") if facts else None)) \
            if op else None
        if problem:
            problems[i] = f"{op.name}: {problem}"
    return problems


def columns_text(op: Operation, params: dict, columns: list[dict] | None, limit: int = 4) -> str:
    """What a step acts on, for its header: "age, fare", "all 5 numeric columns"."""
    if not any(p.kind == "columns" for p in op.params):
        return ""
    names = params.get("columns") or []
    if names:
        return ", ".join(names[:limit]) + (f" … +{len(names) - limit}" if len(names) > limit else "")
    if op.key == "drop_columns":
        return "no columns chosen"
    kinds = kinds_text(op.applies_to)
    if columns is None:
        return f"all {kinds} columns".replace("  ", " ")
    n = len(acted_on(op.applies_to, params, columns))
    if n == 0:
        return f"no {kinds} columns".replace("  ", " ")
    return f"all {n} {kinds} column{'s' if n != 1 else ''}".replace("  ", " ")


def operation_problem(item) -> str | None:
    """Why `item` can never be a step, whatever the data: not an object with a method (the
    name of an operation) and its parameters (an object, or left out), or a parameter value
    no declaration of that operation accepts (`plugins.params.storable`). None when it may
    be stored; an operation not installed here may be (the validation says so)."""
    if not isinstance(item, dict) or not isinstance(item.get("method"), str):
        return "Each operation needs a method: the name of an operation."
    op = _registry().get(item["method"])
    name = op.name if op else quoted(item["method"])
    params = item.get("parameters")
    if params is not None and not isinstance(params, dict):
        return f"{name}: parameters must be an object of name: value."
    problems = shape_problems(op.params, params or {}, "parameter") if op else {}
    return f"{name}: " + " ".join(problems.values()) if problems else None


def validate_operations(operations, columns: list[dict] | None = None, facts: DesignFacts | None = None,
                        before=()):
    """Operations as posted -> ([(slug, params)] that are valid, {index: sentence}). With the
    input's columns (`feature_columns`), a step's chosen columns must be there and be of a
    kind it acts on; `before`: the names the input had before the steps above this node
    (a name among them is said as replaced or removed by an earlier step)."""
    if operations is None:
        return [], {}
    if not isinstance(operations, list):
        return [], {"_": "Operations must be a list."}
    registered = _registry()
    clean, errors = [], {}
    for i, item in enumerate(operations):
        problem = operation_problem(item)
        if problem:
            errors[i] = problem
            continue
        op = registered.get(item["method"])
        if op is None:
            errors[i] = f"Unknown operation {quoted(item['method'])}."
            continue
        params = item.get("parameters") or {}
        values, errs = validate_params(op.params, params, what="parameter")
        if errs:
            errors[i] = f"{op.name}: " + " ".join(errs.values())
            continue
        empty = next((p for p in op.params if p.kind == "values" and not values.get(p.name)), None)
        if empty is not None:  # nothing to act on: a step that does nothing is not one to run
            errors[i] = f"{op.name}: {empty.title} needs at least one value (e.g. -99, 999)."
            continue
        clean.append((i, (op.key, values)))
    if columns is not None:
        problems = column_problems([item for _, item in clean], columns, facts, before)
        for j, message in problems.items():
            errors[clean[j][0]] = message
        clean = [item for j, item in enumerate(clean) if j not in problems]
    return [item for _, item in clean], errors


def describe_operation(slug: str, params: dict, columns: list[dict] | None = None, named: bool = False) -> str:
    """One step, briefly, for the canvas node: "median fill (age, fare)", "one-hot (all 3)";
    `named`: by the name the inspector shows ("One-hot encoder (age, fare)")."""
    op = _registry().get(slug)
    if op is None:
        return slug
    label = op.name if named else op.label
    if not any(p.kind == "columns" for p in op.params):
        return label
    cols = params.get("columns") or []
    if cols:
        return f"{label} ({', '.join(cols[:2])}" + (f" … +{len(cols) - 2})" if len(cols) > 2 else ")")
    if op.key == "drop_columns":
        return f"{label} (none)"
    if columns is None:
        return label
    return f"{label} (all {len(acted_on(op.applies_to, params, columns))})"


KIND_WORDS = {"numeric": "numeric", "categorical": "categorical", "datetime": "date"}


def acts_on_nothing(op: Operation, params: dict, columns: list[dict] | None) -> str | None:
    """The sentence of a step left to apply to every applicable column when the columns it
    receives (`columns`: its step input, None when not known) hold none ("Standard scaler applies
    to no column: the table has no numeric feature left": a new user made the only numeric
    feature a category and the scaler said nothing); None when it acts on some, or acts on the
    columns the user named (a name it cannot use is column_problem's), or takes no columns."""
    if columns is None or op.key == "drop_columns" or not any(p.kind == "columns" for p in op.params):
        return None
    if params.get("columns") or acted_on(op.applies_to, params, columns):
        return None
    kinds = (op.applies_to,) if isinstance(op.applies_to, str) else tuple(op.applies_to)
    what = "" if "all" in kinds else " or ".join(KIND_WORDS.get(k, k) for k in kinds) + " "
    return f"{op.name} applies to no column: the table has no {what}feature left."


def operation_warnings(operations, columns_profile=None, target=None, problem_type=None, model_category=None,
                       columns: list[dict] | None = None, facts: DesignFacts | None = None):
    """What the steps should be told before a run (a node's advice, which its run reports too).
    `columns`: the feature columns the first step receives (steps above it done), else the
    profile's features."""
    warnings = []
    registered = _registry()
    profile = {c["name"]: c for c in (columns_profile or [])}
    roles = {n: c.get("role") for n, c in profile.items() if n != target}
    categorical = [n for n, r in roles.items() if r in ("categorical", "text")]
    if columns is None and columns_profile:
        columns = feature_columns(columns_profile, target)
    inputs = step_inputs(operations, columns, facts) if columns is not None else [None] * len(operations)
    seen = set()
    for (slug, params), cols_in in zip(operations, inputs):
        op = registered.get(slug)
        if op is None:
            continue
        nothing = acts_on_nothing(op, params, cols_in)
        if nothing:
            warnings.append(nothing)
        cols = params.get("columns") or []
        if slug in seen and op.kind == "learned" and not op.stateless:  # two markings or drops of other columns
            warnings.append(f"{op.name} appears twice; the second one repeats the first.")
        seen.add(slug)
        if target and target in cols:
            warnings.append(f"{op.name} names the target column {target!r}; it is never transformed as a feature.")
        if op.category == "scaling" and model_category in ("tree", "ensemble", "boosting") and not nothing:
            warnings.append(f"{op.name}: scaling has no effect on tree models.")
        if slug == "onehot_encoder":
            for name in cols or categorical:
                unique = profile.get(name, {}).get("unique") or 0
                if unique > params.get("max_categories", 50):
                    warnings.append(f"One-hot encoding {name!r} ({unique:,} categories) keeps the "
                                    f"{params.get('max_categories', 50) - 1} most frequent and groups the rest; "
                                    "consider target or ordinal encoding.")
        if slug == "ordinal_encoder":
            for name in cols or categorical:
                col = profile.get(name) or {}
                top = col.get("top_values") or []
                order = scale_order([v for v, _ in top]) if len(top) >= (col.get("unique") or 0) else None
                if order:
                    warnings.append(scale_note(name, order, "the encoder's codes"))
        if slug in ("fill_missing_mean", "fill_missing_median"):
            bad = [c for c in cols if roles.get(c) in ("categorical", "text")]
            if bad:
                warnings.append(f"{op.name} applies to numbers only; {', '.join(bad)} will be left as is.")
        if slug == "mark_missing" and profile:
            warnings.extend(_text_marks_no_numbers(params.get("values") or [], cols, roles, categorical))
        if op.category == "outliers" and op.kind == "row" and problem_type == "classification":
            warnings.append(f"{op.name} can remove most training rows of a rare class; check the class balance.")
    warnings.extend(_unhandled_gaps(operations, profile, target, categorical))
    return list(dict.fromkeys(warnings))


def marked_values(operations) -> dict:
    """{column, or None for every column: the numbers} that the Mark values as missing steps of
    `operations` ([{"method", "parameters"}], a Preprocessing node's config) make gaps: a code
    the Dataset node would advise marking is not advised again below a step that marks it."""
    out: dict = {}
    for item in operations or []:
        if not isinstance(item, dict) or item.get("method") != "mark_missing":
            continue
        params = item.get("parameters") or {}
        values = params.get("values") or []  # as the step reads them (value_read: "-99" is -99, "n/a" text)
        numbers = {float(v) for v in map(value_read, values if isinstance(values, list) else [])
                   if isinstance(v, (int, float)) and not isinstance(v, bool)}
        for column in params.get("columns") or [None]:
            out.setdefault(column, set()).update(numbers)
    return out


def gaps_made(operations, X: pd.DataFrame) -> dict[str, np.ndarray]:
    """{input column: the training cells of X (a mask of its rows) that the steps making gaps
    (`makes_gaps`: Mark values as missing) turn into gaps}, only where some were. Those
    columns saw gaps in training, which a fill after them filled: a gap in rows to score
    there is nothing new (playground_runtime.unseen_values said "never learned from a gap" of
    a marked column, found by a tester); and the marked codes are no values of the column
    (its range, categories and typical value leave them out: feature_schema). `operations` is
    [(slug, params)]; each such step is the one the model runs (`make_step`), on the input
    columns it names or all of them."""
    ops = _registry()
    made: dict[str, np.ndarray] = {}
    for slug, params in operations or []:
        op = ops.get(slug)
        if op is None or not op.makes_gaps:
            continue
        names = [c for c in (params.get("columns") or X.columns) if c in X.columns]
        if not names:
            continue
        before = X[names]
        after = make_step(op, {**params, "columns": names}, StepContext()).fit_transform(before)
        new = pd.DataFrame(after, columns=names, index=X.index).isna().to_numpy() & ~before.isna().to_numpy()
        for j, name in enumerate(names):
            made[name] = made[name] | new[:, j] if name in made else new[:, j]
    return {name: cells for name, cells in made.items() if cells.any()}


def _text_marks_no_numbers(values: list, cols: list, roles: dict, categorical: list) -> list[str]:
    """Values to mark missing that are all text mark text columns only
    (playground_runtime.mark_missing): said where the columns they act on hold numbers, which
    such a step leaves as they are ('abc' typed for a column of -99s marks nothing)."""
    if not values or any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return []
    typed = ", ".join(map(repr, values[:5])) + (f" and {len(values) - 5} more" if len(values) > 5 else "")
    start = f"Mark values as missing: {typed} is text, which marks text columns only"
    if not cols:
        return [] if categorical else [f"{start}, and there is no text column: this step marks nothing. Type the "
                                       "numbers that mean missing (e.g. -99, 999)."]
    numbers = [c for c in cols if roles.get(c) == "numeric"]
    if not numbers:
        return []
    left = ("holds numbers and is left as it is" if len(numbers) == 1 else "hold numbers and are left as they are")
    return [f"{start}; {', '.join(numbers)} {left}. Type the numbers that mean missing there (e.g. -99, 999)."]


def _unhandled_gaps(operations, profile: dict, target, categorical: list) -> list[str]:
    """What happens to missing values no step handles, said as it happens: in a number
    column the training median (AutoPrepare, for models that need it); in a text column
    one-hot or target encoding keeps a gap as its own category, and otherwise the gap is
    given the median of the column's automatic ordinal codes (tests/test_preprocessing_
    inspector.py checks AutoPrepare does so)."""
    registered = _registry()
    ops = [(registered[s], params) for s, params in operations if s in registered]
    handles = [i for i, (op, _) in enumerate(ops) if op.category == "missing_values" and not op.makes_gaps]
    # gaps a step makes (a missing-value code marked) after the last step that handles gaps
    marked = [(op, params) for op, params in ops[(handles[-1] + 1 if handles else 0):] if op.makes_gaps]
    gaps = [] if handles else [n for n, c in profile.items()
                               if n != target and c.get("role") != "id" and (c.get("missing_pct") or 0) > 0]
    gaps += [n for _, params in marked for n in params.get("columns") or [] if n not in gaps]
    unnamed = [op.name for op, params in marked if not params.get("columns")]
    if not gaps and not unnamed:
        return []
    as_category = set()
    for slug, params in operations:
        if slug in registered and registered[slug].gap_as_category:
            as_category |= set(params.get("columns") or categorical)

    def named(cols):
        return ", ".join(map(str, cols[:6])) + (f" and {len(cols) - 6} more" if len(cols) > 6 else "")

    def which(cols):
        return f"{len(cols)} columns have" if len(cols) > 1 else "1 column has"

    out = [f"{unnamed[0]} makes gaps that no step after it handles: for models that need it they will be filled "
           "with the training median in a number column (the median of its automatic ordinal codes in a text column). "
           "Add a Fill missing step after it to choose."] if unnamed else []
    numbers = [n for n in gaps if n not in categorical]
    if numbers:
        out.append(f"{which(numbers)} missing values and no step handles them ({named(numbers)}); they will be "
                   "filled with the training median automatically for models that need it.")
    texts = [n for n in gaps if n in categorical and n not in as_category]
    if texts:
        out.append(f"{which(texts).replace('column', 'text column')} missing values and no step handles them "
                   f"({named(texts)}); for models that need it a gap will be given the median of the column's "
                   "automatic ordinal codes (its categories numbered in alphabetical order), not a category of its "
                   "own. Fill missing (most frequent or constant) chooses, and one-hot encoding keeps a gap as its "
                   "own category.")
    return out


def operation_errors(operations, problem_type=None) -> dict:
    """Operations that cannot run for this problem type: {index: sentence}."""
    errors = {}
    for i, (slug, _) in enumerate(operations):
        if slug == "target_encoder" and problem_type == "clustering":
            errors[i] = "Target encoding needs a target; clustering has none. Use one-hot or ordinal encoding."
    return errors
