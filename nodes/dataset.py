"""Dataset node: picks a dataset, its target column and problem type.

Id-like columns (a row number, a name, a key, a near-unique code, a patient's or a school's
id: plugins/tables.py `id_reason`) are left out of the features unless the user includes
them: a model learns nothing general from them, and a row id that follows the file's order
leaks the target. A target that cannot mean anything
for the problem type (a continuous number as classes, a constant, an id) is refused with
what to choose instead.

A two-class target has a positive class, the one F1, precision, recall, ROC AUC and the
curves are about: the user's choice, else the minority class (plugins.tables.minority_class).
It travels with the table to every metric, CV fold and Optuna trial.
"""

from __future__ import annotations

from nodes.base import (
    TABLE,
    Design,
    Exported,
    Fingerprint,
    NodeError,
    NodeType,
    Port,
    TableArtifact,
    Upstream,
    declared_fields,
    table_summary,
)
from nodes.graph import quoted
from plugins import tables
from plugins.base import PROBLEM_TYPES
from plugins.params import Param, validate_params
from plugins.preprocessing import marked_values

PARAMS = (
    Param("dataset_id", "str", default="", label="Dataset", help="A sample or an uploaded dataset."),
    Param("target_column", "column", default=None, nullable=True, label="Target column",
          help="The column to predict (none for clustering)."),
    Param("problem_type", "select", default="classification", choices=PROBLEM_TYPES, label="Problem type"),
    Param("include_ids", "columns", default=[], label="Use id-like columns as features",
          help="Id-like columns (row numbers, names, codes, a patient's or a school's id) are left out of the "
               "features; tick one to use it anyway."),
    Param("positive_class", "str", default=None, nullable=True, label="Positive class",
          help="Two classes only: the class F1, precision, recall and ROC AUC are about. Empty: automatic, "
               "the rarer class."),
)
MAX_CLASSES = 50


def _fmt_value(v) -> str:
    return repr(v) if isinstance(v, str) else f"{v:g}" if isinstance(v, float) else str(v)


def target_problem(col: dict | None, problem_type: str, n_rows: int | None = None) -> str | None:
    """Why `col` (a profiled column) cannot be the target for `problem_type`, or None."""
    if not col:
        return None
    name, role, unique = col["name"], col.get("role"), col.get("unique")
    if unique is not None and unique <= 1:
        value = f" ({_fmt_value(col['sample_values'][0])})" if col.get("sample_values") else ""
        return (f"{name!r} has a single value{value} in every row: there is nothing to predict. "
                "Choose another target column.")
    numeric = role in ("numeric", "id") and str(col.get("dtype")) != "bool"
    why = col.get("id_reason") or "different in every row"
    every_row = why in ("different in every row", "a row number", "row names")
    if problem_type == "classification":
        once = (f"{name!r} is different in every row (an id), so no class would be seen twice: "
                "choose another target column.")
        if role == "id" and every_row:
            return once
        if role == "id":
            return f"{name!r} is an id ({why}): predicting it means nothing. Choose another target column."
        if numeric and not col.get("integer_valued", True) and (unique or 0) > 10:
            return (f"{name!r} is a continuous number ({unique:,} distinct values): choose regression to predict "
                    "it, or a column with a few classes.")
        if tables.every_value_once(col, n_rows):  # a few rows of names, too few for id_reason to say id
            return once
        if unique and unique > MAX_CLASSES:
            what = "whole numbers" if numeric else "values"
            return (f"{name!r} has {unique:,} distinct {what}, too many to be classes (at most {MAX_CLASSES}): "
                    + ("choose regression, or " if numeric else "choose ") + "a column with a few classes.")
    if problem_type == "regression":
        if role == "id" and every_row:
            return (f"{name!r} looks like a row id (a different whole number in every row, in order): predicting "
                    "it means nothing. Choose the column you want to predict.")
        if role == "id":
            return f"{name!r} is an id ({why}): predicting it means nothing. Choose the column you want to predict."
        if not numeric:
            kind = "true/false" if str(col.get("dtype")) == "bool" else role
            return f"Regression needs a numeric target; {name!r} is {kind}: choose classification to predict it."
    return None


def table_chosen(dataset: dict) -> str:
    """Why a column the node names is gone when the dataset's page chose another sheet or table
    of its file (a user looking at a Kaggle zip's test.csv broke every workflow predicting
    train.csv's target, told only "Column 'species' is not in the dataset."): ': the dataset
    now reads …; choose on its page …', or '.' when no sheet or table was chosen."""
    reading = (dataset.get("version") or {}).get("reading") or {}
    table = (f"sheet {reading['sheet']!r}" if reading.get("sheet") else
             f"table {reading['member']!r} of its archive" if reading.get("member") else None)
    return (f": the dataset now reads {table}; choose on its page the one with this column, or another "
            "target here.") if table else "."


def target_refusal(columns: list[dict], target: str | None, problem_type: str, n_rows: int | None = None) -> str | None:
    """Why `target` cannot be what a dataset with these profiled columns predicts for
    `problem_type`, or None: the Dataset node's rule, and the dataset page's."""
    by_name = {c["name"]: c for c in columns}
    if problem_type in ("classification", "regression"):
        if not target:
            return f"Choose the target column to predict ({problem_type} needs one)."
        if by_name and target not in by_name:
            return f"Column {quoted(target)} is not in the dataset."
        return target_problem(by_name.get(target), problem_type, n_rows)
    if target and by_name and target not in by_name:
        return f"Column {quoted(target)} is not in the dataset."
    return None



# --------------------------------------------------------------------------- positive class
def class_text(label) -> str:
    """A class as the config and the inspector write it (the config is JSON text)."""
    return str(label.item() if hasattr(label, "item") else label)


def find_class(value, classes):
    """The class `value` names (its text, or the same number written another way), or None."""
    value = class_text(value)
    for label in classes:
        if class_text(label) == value:
            return label
    try:
        number = float(value)
    except ValueError:
        return None
    return next((label for label in classes if isinstance(label, (int, float)) and not isinstance(label, bool)
                 and float(label) == number), None)


def target_classes(col: dict | None) -> dict | None:
    """A profiled target's classes and their rows ({label: rows}), when the profile lists
    them all (the counts the inspector and the validation use); None otherwise."""
    top = (col or {}).get("top_values")
    if not top or len(top) != col.get("unique"):
        return None
    return {label: int(rows) for label, rows in top}


def settle_positive_class(value, counts: dict | None, target: str | None, problem_type: str):
    """(the positive class, None) or (None, why `value` cannot be one): the rule the
    validation applies to the profile and the run to the rows. Two-class classification
    only; `value` None is automatic: the minority class. A value for anything else is
    refused rather than ignored, since nothing it could mean would happen."""
    if problem_type != "classification":
        return None, (None if value is None else
                      f"A positive class belongs to a classification target; {problem_type} has none. "
                      "Leave Positive class empty.")
    if counts is None:
        return None, None
    if len(counts) != 2:
        shown = ", ".join(tables.label_text(c) for c in tables.sorted_labels(counts)[:5]) + (" …" if len(counts) > 5 else "")
        return None, (None if value is None else
                      f"A positive class is for a target with two classes; {target!r} has {len(counts)} ({shown}), "
                      "so F1, precision and recall are averaged over them. Leave Positive class on Automatic.")
    if value is None:
        return tables.minority_class(counts), None
    label = find_class(value, counts)
    if label is None:
        a, b = tables.sorted_labels(counts)
        return None, (f"{class_text(value)!r} is not a class of {target!r}, whose classes are {tables.label_text(a)} and "
                      f"{tables.label_text(b)}: choose one of them, or Automatic (the rarer class).")
    return label, None


def follow_target(config: dict, old: dict) -> dict:
    """A positive class belongs to its target: another dataset, target or problem type
    starts again from Automatic."""
    default = {p.name: p.default for p in PARAMS}
    if "positive_class" in config and any(config.get(k, default[k]) != old.get(k, default[k]) for k in
                                          ("dataset_id", "target_column", "problem_type")):
        config = {k: v for k, v in config.items() if k != "positive_class"}
    return config


def left_out_note(reasons: dict, unreadable: dict | None = None) -> str:
    """What the inspector advises and the run reports (once) about the id-like columns left
    out ({name: why}, see plugins.tables.id_reason). `unreadable` ({name: count}, the dataset
    facts' `unreadable_numbers`): columns of numbers that a few values that are no number
    ('ERR') kept as text, whose many distinct values then looked like an id: the way forward
    is Number on the dataset page, which reads those values as gaps (ticking it made a
    category of 175 levels: a tester)."""
    items = list(reasons.items())
    shown = ", ".join(f"{c!r} ({why})" for c, why in items[:5]) + (" …" if len(items) > 5 else "")
    numbers = _unreadable_counts(unreadable, reasons)
    others = len(items) - len(numbers)
    said = f"Left out {len(items)} id-like column(s): {shown}."
    if others:
        said += (" A model learns nothing general from them; to use one anyway, tick it in the Dataset node."
                 if not numbers else " A model learns nothing general from an id; to use one anyway, tick it in the "
                                     "Dataset node.")
    for c, n in list(numbers.items())[:5]:
        said += " " + number_advice(c, n)
    return said


def number_advice(column: str, n: int) -> str:
    """The way forward for a column of numbers that `n` values that are no number kept as text
    (and so left out as an id): Number on the dataset page reads them as gaps."""
    return (f"{column!r} holds numbers, kept as text by {n:,} cell{'' if n == 1 else 's'} that "
            f"{'is not one' if n == 1 else 'are not'}: choose Number for it on the dataset page: its {n:,} "
            f"unreadable cell{'' if n == 1 else 's'} become{'s' if n == 1 else ''} gaps.")


def _unreadable_counts(unreadable: dict | None, names) -> dict:
    """{column: count} of `unreadable` (the dataset facts' `unreadable_numbers`) among `names`."""
    return {c: n for c, n in (unreadable or {}).items() if c in names and isinstance(n, int) and n > 0}


def id_reasons(columns: list[dict], left_out) -> dict:
    """{name: why} for the left-out columns, from the profile (an older profile said none:
    its ids were all different in every row)."""
    by_name = {c["name"]: c for c in columns}
    return {n: (by_name.get(n) or {}).get("id_reason") or "different in every row" for n in left_out}


def validate(config: dict, upstream: Upstream, design: Design):
    dataset = design.dataset
    clean, errors = validate_params(PARAMS, config, what="field")
    if clean.get("positive_class") == "":
        clean["positive_class"] = None
    if "dataset_id" not in errors and not clean.get("dataset_id"):
        errors["dataset_id"] = "Choose a dataset."
    if errors:
        return clean, errors
    if dataset is None:
        errors["dataset_id"] = f"Dataset {clean['dataset_id']!r} does not exist."
        return clean, errors
    columns = {c["name"]: c for c in dataset.get("columns", [])}
    problem = target_refusal(dataset.get("columns", []), clean.get("target_column"), clean["problem_type"],
                             dataset.get("n_rows"))
    if problem and columns and clean.get("target_column") not in columns:
        problem = problem.removesuffix(".") + table_chosen(dataset)
    if problem:
        errors["target_column"] = problem
    ids = [n for n, c in columns.items() if c.get("role") == "id"]
    bad = [c for c in clean.get("include_ids") or [] if columns and c not in ids]
    if bad:
        errors["include_ids"] = f"{bad[0]!r} is not an id-like column of this dataset."
    if "target_column" not in errors and "include_ids" not in errors:
        empty = profile_no_features(list(columns.values()), clean, dataset.get("unreadable_numbers"))
        if empty:
            errors["target_column" if clean.get("target_column") else "include_ids"] = empty
    if "target_column" not in errors:
        target = clean.get("target_column")
        counts = target_classes(columns.get(target)) if target else None
        label, why = settle_positive_class(clean.get("positive_class"), counts, target, clean["problem_type"])
        if why:
            errors["positive_class"] = why
        elif clean.get("positive_class") is not None and label is not None:
            clean["positive_class"] = class_text(label)  # as the inspector offers it
    return clean, errors


def no_features(names, target: str | None, left_out, constant=(), unreadable: dict | None = None) -> str | None:
    """Why a table of these column `names` leaves a model nothing to learn from (every
    column is the target, a left-out id or one of `constant`, columns that hold one value in
    every row), or None: the validation's rule on the profile and the run's on the rows,
    said before any training (a library's own error otherwise; a constant alone trained a
    model no better than the baseline, found by a new user's audit). `unreadable`: the
    dataset facts' `unreadable_numbers`: an id that is numbers a few cells kept as text is
    advised Number, not ticking (left_out_note)."""
    names = list(names)
    if not names or any(n != target and n not in left_out and n not in constant for n in names):
        return None
    ids = [n for n in names if n in left_out]
    same = [n for n in names if n in constant and n not in left_out and n != target]
    why = []
    if ids:
        shown = ", ".join(quoted(n) for n in ids[:5]) + (" …" if len(ids) > 5 else "")
        why.append(f"{shown} {'is an id' if len(ids) == 1 else 'are ids'}")
    if same:
        shown = ", ".join(quoted(n) for n in same[:5]) + (" …" if len(same) > 5 else "")
        why.append(f"{shown} {'holds' if len(same) == 1 else 'hold'} a single value")
    if target in names:
        why.append(f"{quoted(target)} is the target")
    numbers = _unreadable_counts(unreadable, ids)
    ticked = [n for n in ids if n not in numbers]
    # a row number is no feature (a new user read "tick an id-like column" as advice to train on R's row names)
    tick = (f" If {'it' if len(ticked) == 1 else 'one of them'} is a measurement rather than a label (a year, say), "
            "tick it under the Dataset node's id-like columns to use it as one; a row number or a name is not one."
            ) if ticked else ""
    tick += "".join(" " + number_advice(c, n) for c, n in list(numbers.items())[:5])
    said = why[0] if len(why) == 1 else ", ".join(why[:-1]) + ", and " + why[-1]
    return f"No feature columns are left: {said}. A model needs at least one feature column.{tick}"


def profile_no_features(columns: list[dict], config: dict, unreadable: dict | None = None) -> str | None:
    """no_features on profiled columns, for a Dataset node's config (its target and the ids it
    includes): the validation's rule and the dataset page's."""
    return no_features([c["name"] for c in columns], config.get("target_column"), excluded_columns(config, columns),
                       [c["name"] for c in columns if c.get("unique") is not None and c["unique"] <= 1], unreadable)


def excluded_columns(config: dict, columns: list[dict]) -> list[str]:
    """The id-like columns left out of the features (the target never is)."""
    keep = set(config.get("include_ids") or [])
    return [c["name"] for c in columns
            if c.get("role") == "id" and c["name"] not in keep and c["name"] != config.get("target_column")]


def stored_series(config: dict, dataset: dict | None) -> dict | None:
    """The series in time a random split would cut that was found when the dataset's target
    was set (its facts' "series": data.datasets.series_fact), when this node predicts that
    target as that problem type; None otherwise (another target: the run checks)."""
    fact = (dataset or {}).get("series")
    if not isinstance(fact, dict) or not fact.get("order") or not config.get("target_column"):
        return None
    if fact.get("target") != config.get("target_column") or fact.get("problem_type") != config.get("problem_type"):
        return None
    return fact


def design(config: dict, upstream: Upstream, design: Design) -> Upstream:
    dataset = design.dataset
    out = Upstream(**{**upstream.__dict__})
    columns = list((dataset or {}).get("columns", []))
    out.dataset_id = config.get("dataset_id")
    out.dataset_name = (dataset or {}).get("name") or out.dataset_id
    out.problem_type = config.get("problem_type")
    out.target_column = config.get("target_column")
    out.excluded_columns = excluded_columns(config, columns)
    out.columns = [c for c in columns if c["name"] not in out.excluded_columns]
    out.n_rows = (dataset or {}).get("n_rows")
    # run() drops the rows whose target is missing, whatever the problem type
    target = next((c for c in columns if c["name"] == out.target_column), None) if out.target_column else None
    out.rows_without_target = int((target or {}).get("missing") or 0)
    series = stored_series(config, dataset)
    out.extra = {**{k: v for k, v in upstream.extra.items() if k != "series"}, **({"series": series} if series else {})}
    return out


def run(config: dict, inputs: dict, ctx) -> TableArtifact:
    df = ctx.load_dataset(config["dataset_id"])
    info = ctx.dataset_facts(config["dataset_id"]) if ctx.dataset_facts else None
    name = (info or {}).get("name") or config["dataset_id"]
    target = config.get("target_column") or None
    ptype = config["problem_type"]
    if target and target not in df.columns:
        raise NodeError(f"Column {target!r} is not in dataset {name!r}.")
    if ptype != "clustering" and target is None:
        raise NodeError("Choose the target column to predict.")
    # the roles the inspector showed: the stored profile's (with what the user chose on the
    # dataset page); decided on the whole file when there is none (a file the CLI read)
    profiled = (info or {}).get("columns")
    if profiled:
        ids = id_reasons(profiled, [c for c in excluded_columns(config, profiled) if c in df.columns])
    else:
        ids = tables.id_columns(df, exclude={target, *(config.get("include_ids") or [])})
    counts = None
    if target is not None:
        missing = int(df[target].isna().sum())
        if missing:
            df = df[df[target].notna()]
            ctx.warn(f"Dropped {missing:,} {'row' if missing == 1 else 'rows'} whose target {target!r} is missing; "
                     "every other row is used.")
        if ptype != "clustering":
            # the same check as validation, on the rows as they are now (the CLI may run a
            # workflow no one validated against this file)
            col = tables.profile(df[target].to_frame(), memory=False)["columns"][0]
            problem = target_problem(col, ptype, len(df))
            if problem:
                raise NodeError(problem)
        if ptype == "classification":  # the rows the run uses, as the profile counted them
            counts = {k.item() if hasattr(k, "item") else k: int(v) for k, v in df[target].value_counts().items()}
    positive, why = settle_positive_class(config.get("positive_class"), counts, target, ptype)
    if why:
        raise NodeError(why)
    features = [c for c in df.columns if c != target and c not in ids]
    constant = [c for c in features if df[c].nunique() <= 1] if len(features) <= 20 else []  # as the profile counts
    empty = no_features(df.columns, target, ids, constant, (info or {}).get("unreadable_numbers"))
    if empty:
        raise NodeError(empty)
    left_out = df[list(ids)].reset_index(drop=True) if ids else None
    if ids:
        df = df.drop(columns=list(ids))
        ctx.warn(left_out_note(ids, (info or {}).get("unreadable_numbers")))
    ctx.progress(1.0, f"{len(df):,} rows x {df.shape[1]} columns")
    return TableArtifact(df=df.reset_index(drop=True), target=target, problem_type=ptype,
                         dataset_id=config["dataset_id"], dataset_name=name, positive_class=positive,
                         id_reasons=dict(ids), ids=left_out, version=(info or {}).get("version"),
                         series=stored_series(config, info))


READING = {"types": "Read as", "roles": "Use as"}


def version_changes(a: dict | None, b: dict | None, target: str | None = None) -> list[dict]:
    """What differs between two versions of a dataset (nodes.dataset fingerprint's: its
    content hash, and how it is read), each {"key", "label", "old", "new", "old_text",
    "new_text", "same_rows"}: the rows of Compare and the reason a re-run gives. `same_rows`:
    the change leaves the rows as they were (a column other than the target read as another
    type or used otherwise), so the test rows drawn are the same."""
    a, b = a or {}, b or {}
    out = []
    ha, hb = (v.get("content_hash") or v.get("file_sha256") for v in (a, b))  # an upload's; a file the CLI read
    if ha != hb and (ha or hb):
        ha, hb = str(ha or "?"), str(hb or "?")
        out.append({"key": "data.content", "label": "Its data (content hash)", "old": ha, "new": hb,
                    "old_text": ha.removeprefix("sha256:")[:12], "new_text": hb.removeprefix("sha256:")[:12],
                    "same_rows": False})
    ra, rb = a.get("reading") or {}, b.get("reading") or {}
    for part, label in READING.items():
        pa, pb = ra.get(part) or {}, rb.get(part) or {}
        out += [_read_change(f"data.{part}.{column}", f"{label} {column!r}", pa.get(column), pb.get(column),
                             same_rows=column != target)
                for column in [*pa, *[c for c in pb if c not in pa]] if pa.get(column) != pb.get(column)]
    out += [_read_change(f"data.{part}", label, ra.get(part) or None, rb.get(part) or None, same_rows=False)
            for part, label in (("encoding", "Encoding"), ("sheet", "Sheet"), ("member", "Table in the archive"))
            if (ra.get(part) or None) != (rb.get(part) or None)]
    if "reader" in a and "reader" in b and a["reader"] != b["reader"]:  # the same file read again by another app
        out.append({"key": "data.reader", "label": "The app's file reader", "old": a["reader"], "new": b["reader"],
                    "old_text": f"version {a['reader'] or 'before versions were kept'}",
                    "new_text": f"version {b['reader'] or 'before versions were kept'} (the file read again by "
                                "another version of the app)", "same_rows": False})
    return out


def describe_data(old: dict, new: dict) -> str | None:
    """A re-run's reason when its data changed (the fingerprint parts of two runs): "Read as
    'flc.grp': as detected → category", not "the dataset changed" (found by a new user)."""
    said = [f"{c['label']}: {c['old_text']} → {c['new_text']}"
            for c in version_changes((old or {}).get("dataset"), (new or {}).get("dataset"))]
    return "; ".join(said) or None


def _read_change(key: str, label: str, old, new, same_rows: bool) -> dict:
    return {"key": key, "label": label, "old": old, "new": new, "old_text": old or "as detected",
            "new_text": new or "as detected", "same_rows": same_rows}


def dataset_summary(table: TableArtifact) -> dict:
    """The table's size, and the version of the dataset it read (Compare says when two runs
    read different contents or readings of one dataset)."""
    return {**table_summary(table), **({"version": table.version} if table.version else {}),
            # the table handed on, digested: its exported script checks the file it is given against it
            "read": tables.table_digest(table.df, table.ids)}


def summary(config: dict, design: Upstream | None = None) -> str:
    ds = config.get("dataset_id")
    if not ds:
        return "Choose a dataset"
    name = (design.dataset_name if design is not None else None) or ds
    target = config.get("target_column")
    return f"{name} · {config.get('problem_type', '')}" + (f" → {target}" if target else "")


def reconcile(config: dict, old: dict, design: Design) -> dict:
    """A new dataset starts from what it suggests for target and problem type (chosen on its
    page, else guessed), but for what the same edit changed too. A new target re-derives the
    problem type from that column, unless the problem type was the user's own choice (it
    differed from what the previous target suggested) or is changed in this same edit."""
    if config.get("dataset_id") != old.get("dataset_id"):
        facts = design.dataset_facts(config["dataset_id"]) if design.dataset_facts and config.get("dataset_id") else None
        facts = facts or {}
        fresh = {"dataset_id": config.get("dataset_id")}
        if facts.get("suggested_target") is not None or facts.get("suggested_problem_type"):
            fresh.update(target_column=facts.get("suggested_target"),
                         problem_type=facts.get("suggested_problem_type") or "classification")
        fresh.update({k: v for k, v in config.items() if k != "dataset_id" and v != old.get(k)})
        return fresh
    columns = {c["name"]: c for c in (design.dataset or {}).get("columns", [])}
    old_target, new_target = old.get("target_column"), config.get("target_column")
    chosen_now = config.get("problem_type") != old.get("problem_type")
    if new_target != old_target and new_target and columns and not chosen_now:
        n_rows = (design.dataset or {}).get("n_rows")
        suggested_before = tables.suggest_problem_type(columns.get(old_target), n_rows) if old_target else None
        if old_target is None or old.get("problem_type") in (None, suggested_before):
            config = {**config, "problem_type": tables.suggest_problem_type(columns.get(new_target), n_rows)}
    if config.get("problem_type") == "clustering" and not config.get("target_column"):
        config = {**config, "target_column": None}
    return follow_target(config, old)


def constant_notes(columns: list[dict], skip) -> list[str]:
    """The features that hold one value in every row (or none at all), from the profile: a
    model learns nothing from them, and an R export often has one (Benefits' 'bluecol'). A
    column of one value and gaps is not one of them: whether a row has its value is what it
    says (an audit: a refund date set only for the customers who left was called "one value
    in every row; it tells the model nothing" while the Split said it gave the target away)."""
    same = [c for c in columns if c["name"] not in skip and (c.get("unique") or 0) <= 1]
    filled_or_not = [c for c in same if c.get("unique") == 1 and c.get("missing")]
    same = [c for c in same if c not in filled_or_not]
    notes = []

    def one(c, gaps: bool = False):
        values = c.get("sample_values") or []
        value = _fmt_value(values[0]) if values and c.get("unique") else "empty"
        if gaps:
            value += f", empty in {c['missing']:,} rows"
        return f"{c['name']!r} ({value})"

    def listed(cols, gaps: bool = False) -> str:
        return ", ".join(one(c, gaps) for c in cols[:5]) + (" …" if len(cols) > 5 else "")
    if same:
        notes.append(f"{len(same)} feature column(s) hold one value in every row: {listed(same)}. They tell the model "
                     "nothing; drop them (Preprocessing → Drop columns) or check how the file was read.")
    if filled_or_not:
        notes.append(f"{listed(filled_or_not, gaps=True)}: one value where filled, so what "
                     f"{'it tells' if len(filled_or_not) == 1 else 'they tell'} the model is whether a row has it. If it "
                     "is filled only after the outcome (a refund date, a cancellation reason), it gives the answer "
                     "away: drop it.")
    return notes


def advise(config: dict, upstream: Upstream, downstream, design: Design) -> list[str]:
    columns = (design.dataset or {}).get("columns", [])
    left_out = excluded_columns(config, columns)
    notes = [left_out_note(id_reasons(columns, left_out), (design.dataset or {}).get("unreadable_numbers"))] \
        if left_out else []
    guess = (design.dataset or {}).get("target_guess")
    if guess and config.get("target_column") == guess.get("column"):  # the upload's guess, not chosen by anyone
        notes.append(guess["sentence"])
    marked: dict = {}  # the codes a Preprocessing node below marks missing: followed, not advised again
    for node_type, cfg in downstream:
        if node_type == "preprocessing":
            for column, codes in marked_values((cfg or {}).get("operations")).items():
                marked.setdefault(column, set()).update(codes)
    target = next((c for c in columns if c["name"] == config.get("target_column")), None)
    return notes + grades_note(target, config.get("problem_type"), (design.dataset or {}).get("n_rows")) + \
        constant_notes(columns, {config.get("target_column"), *left_out}) + code_notes(
        columns, config.get("target_column"), left_out, marked)


def grades_note(col: dict | None, problem_type: str | None, n_rows: int | None = None) -> list[str]:
    """Regression chosen for a target the app would take for classes (a few whole numbers one
    after another: a grade 1-3, a rating 1-5: tables.suggest_problem_type): the user's choice
    stands, and what it means is said. A new user's risk grade of 1 to 3 was predicted as 2.4
    with no word."""
    if problem_type != "regression" or not col or tables.suggest_problem_type(col, n_rows) != "classification":
        return []
    values = [v for v, _ in col.get("top_values") or [] if isinstance(v, (int, float)) and not isinstance(v, bool)]
    shown = ", ".join(_fmt_value(v) for v in sorted(values)[:6]) if values else ""
    return [f"{col['name']!r} holds only {col.get('unique')} whole numbers{f' ({shown})' if shown else ''}: a "
            "regression predicts values between them (such as 2.4) and is scored on how far off they are. If they are "
            "classes or grades, choose Classification."]


def code_notes(columns: list[dict], target: str | None, left_out=(), marked: dict | None = None) -> list[str]:
    """A sentence per column that holds a missing-value code (-99, 999 …: `tables.missing_codes`)
    among the features and the target; the ids left out are nobody's concern, nor a column whose
    every code a step below marks missing (`marked`: preprocessing.marked_values; a tester read
    the advice, still there after the step, as if the step did nothing)."""
    marked = marked or {}
    notes = []
    for c in columns:
        if c["name"] in left_out:
            continue
        codes = {float(code) for code, _ in ((c.get("missing_codes") or {}).get("codes") or [])}
        if codes and c["name"] != target and codes <= marked.get(c["name"], set()) | marked.get(None, set()):
            continue
        notes.append(tables.missing_code_note(c, target=c["name"] == target))
    return [n for n in notes if n]


def fields(config: dict) -> list[dict]:
    """Its config as named fields (comparing two runs): an empty positive class is automatic."""
    out = declared_fields(PARAMS, config)
    for f in out:
        if f["key"] == "positive_class" and f["value"] in (None, ""):
            f["text"] = "Automatic (the rarer class)"
    return out


def preview(config: dict, upstream: Upstream, design: Design) -> list:
    facts = design.dataset
    if not facts:
        return []
    columns = facts.get("columns", [])
    left_out = excluded_columns(config, columns)
    blocks = [{"kind": "stats", "title": f"Preview · {facts.get('name') or config.get('dataset_id')}",
               "items": [[f"{facts.get('n_rows') or 0:,}", "rows"], [str(len(columns)), "columns"],
                         [str(sum(1 for c in columns if c.get('missing_pct'))), "with missing values"]]}]
    if left_out:
        blocks.append({"kind": "notice", "level": "warn",
                       "text": left_out_note(id_reasons(columns, left_out), facts.get("unreadable_numbers"))})
    blocks.append({"kind": "table", "title": "Columns", "head": ["Name", "Type", "Missing"],
                   "rows": [[c["name"] + (" (target)" if c["name"] == config.get("target_column") else ""),
                             c.get("role") or "", f"{c.get('missing_pct') or 0:.1f}%"] for c in columns]})
    return blocks


def estimate(config: dict, upstream: Upstream, design: Design) -> dict:
    facts = design.dataset or {}
    rows, cols = facts.get("n_rows") or 1000, len(facts.get("columns") or []) or 10
    return {"credits": rows * cols / 1e5, "seconds": 0.0}


def fingerprint(config: dict, design: Design) -> Fingerprint:
    """The table is decided by the dataset's content and how it is read (its version, from
    the dataset's facts), besides the config."""
    version = (design.dataset or {}).get("version")
    if version is None:
        return Fingerprint(volatile="its dataset's version is not known")
    return Fingerprint(parts={"dataset": version})


def _ignored(facts: dict) -> list[str]:
    """The columns set to be ignored on the dataset's page (Use as: ignore): a user's own file
    holding one is told so by the exported script, not that the column is unknown."""
    roles = (((facts.get("version") or {}).get("reading") or {}).get("roles")) or {}
    return [str(c) for c, role in roles.items() if role == "ignore"]


def _how_read(facts: dict) -> list[str]:
    """How the app read the file uploaded, as the dataset page says it (a line per conversion,
    the types and roles chosen), as comments: the download holds the table read so. A data
    scientist reading the script saw float64 where the file wrote '2.121,88 €', and no word of
    the decimal commas, the gaps, the rows left out or the column made a category."""
    said = [s for s in facts.get("read_notices") or [] if isinstance(s, str)]
    if not facts.get("filename") and not said:
        return []
    name = repr(facts["filename"]) if facts.get("filename") else "the file uploaded"
    if not said:
        return [f"# how the app read {name}: nothing to note (no conversion, gap marker or choice of yours)"]
    return [f"# how the app read {name} (the download holds the table read so; this script does not read the "
            "file as uploaded):", *(f"#   {s}" for s in said)]


def export(config: dict, ctx) -> Exported:
    """Read the dataset as the app stored it (the file its download gives), then what the
    run does to the table: rows without a target left out, the positive class settled on
    the rows left, the id-like columns dropped."""
    src = ctx.source
    facts = ctx.design.dataset or {}
    columns = facts.get("columns") or []
    target, ptype = config.get("target_column") or None, config["problem_type"]
    df, dtypes = ctx.name("df"), ctx.name("dtypes")
    name = facts.get("name") or config["dataset_id"]
    lines = [f"# {name} ({config['dataset_id']}): {ptype}" + (f", predicting {target!r}" if target else ""),
             *_how_read(facts),
             "# the stored types, which a CSV download is read back into (a Parquet file carries them)",
             f"{dtypes} = {src.render({c['name']: str(c['dtype']) for c in columns if c.get('dtype')})}",
             f"{df} = {src.ref(tables.read_download)}(data_paths[{ctx.data_arg}], {dtypes}"
             + (f", ignored={src.render(ignored)})" if (ignored := _ignored(facts)) else ")")]
    if target:
        lines.append(f"{df} = {df}[{df}[{target!r}].notna()]  # rows without a target are left out")
    positive = "None"
    if ptype == "classification":
        positive = ctx.name("positive_class")
        counts = f"{{k.item() if hasattr(k, 'item') else k: int(v) for k, v in {df}[{target!r}].value_counts().items()}}"
        lines += ["# the class binary metrics are about: " + ("the one chosen" if config.get("positive_class") is not None
                                                              else "automatic, the rarer class (a tie: the one sorting last)"),
                  f"{positive}, _ = {src.ref(settle_positive_class)}({src.render(config.get('positive_class'))}, {counts}, "
                  f"{target!r}, {ptype!r})"]
    id_frame = ctx.name("id_columns")  # their values, which a Split node may keep rows together by
    if columns:
        left_out = excluded_columns(config, columns)
        if left_out:
            reasons = id_reasons(columns, left_out)
            lines.append("# id-like columns left out of the features: " + ", ".join(f"{c!r} ({why})" for c, why in reasons.items()))
            lines.append(f"{id_frame} = {df}[[c for c in {src.render(left_out)} if c in {df}.columns]].reset_index(drop=True)")
            lines.append(f"{df} = {df}.drop(columns={src.render(left_out)}, errors='ignore')")
        else:
            lines.append(f"{id_frame} = {df}[[]].reset_index(drop=True)")
    else:
        ids = ctx.name("ids")
        lines += [f"{ids} = {src.ref(tables.id_columns)}({df}, exclude={src.render({target, *(config.get('include_ids') or [])})})",
                  f"{id_frame} = {df}[list({ids})].reset_index(drop=True)",
                  f"{df} = {df}.drop(columns=list({ids}))"]
    lines.append(f"{df} = {df}.reset_index(drop=True)")
    read = (ctx.output or {}).get("read")
    if isinstance(read, dict):
        lines += ["# the table the run had (each column's values digested): a file read into another one is refused",
                  f"{src.ref(tables.check_table)}(data_paths[{ctx.data_arg}], {src.render(read)}, {df}, {id_frame})"]
    return Exported(lines, {"frame": df, "target": target, "problem_type": ptype, "positive": positive, "ops": [],
                            "ids": id_frame})


NODE = NodeType(
    type="dataset", label="Dataset", icon="🗂️", colour="#16a34a",
    description="Load a sample or uploaded dataset and choose what to predict.",
    inputs=(), outputs=(Port("table", (TABLE,), "Table"),), params=PARAMS,
    validate=validate, run=run, summary=summary, group="Data", design=design, reconcile=reconcile,
    preview=preview, estimate=estimate, output_summary=dataset_summary, dataset_param="dataset_id", advise=advise,
    fields=fields, fingerprint=fingerprint, export=export,
    order=10,
    draws_rows=True,
    describe_data=describe_data,
)
