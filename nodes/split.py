"""Train/Test Split node. It holds the first training rows, so the guards that need the
target run here, on the training rows only (plugins/guards.py): a feature that gives the
target away, test rows that are copies of training rows, units of an id column (a man of a
panel, a firm) with rows on both sides; and before a run, the advice for imbalanced classes.

Rows of one group (`group_by`: a column naming who or what a row is about) can be kept
together: whole groups are drawn for the test rows (scikit-learn's GroupShuffleSplit), and
the cross-validation below keeps each group in one fold (nodes.model.cv_splits, GroupKFold).
Stratifying cannot be honoured with it: the groups win, and the node says so."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupShuffleSplit, train_test_split

from nodes.base import (
    SPLIT,
    TABLE,
    Exported,
    NodeError,
    NodeType,
    Port,
    SplitArtifact,
    Upstream,
    declared_fields,
)
from plugins import guards, registry, tables
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
    Param("group_by", "column", default=None, nullable=True, label="Keep rows of one group together",
          help="A column naming who or what each row is about (a man seen in several years, a firm, a school). Each "
               "group's rows go all to training or all to testing, and cross-validation keeps each group in one "
               "fold, so the model is scored on groups it never saw. The column is left out of the features. None: "
               "rows are split one by one."),
)
MAX_LEAKS_NAMED = 3  # leaking features warned about one by one; the rest are counted
STRATIFY = next(p for p in PARAMS if p.name == "stratify")
TEST_SIZE = next(p for p in PARAMS if p.name == "test_size")


def stratify_applies(problem_type: str | None) -> bool:
    """Whether Stratify means anything for this problem type (its Param's declaration)."""
    return problem_type in STRATIFY.problem_types


def stratifies(config: dict, problem_type: str | None) -> bool:
    """Whether the split is stratified: Stratify chosen, rows shuffled, not kept together by
    group (whole groups are drawn), and a problem type it applies to. The one rule the run,
    the exported script and the canvas line follow."""
    return bool(config.get("stratify", True) and config.get("shuffle", True) and not config.get("group_by")
                and stratify_applies(problem_type))


def group_columns(upstream: Upstream) -> list[str]:
    """The columns rows can be kept together by: the id-like columns the Dataset node left
    out of the features first (what names a unit), then the others; never the target."""
    names = list(upstream.excluded_columns) + [c["name"] for c in upstream.columns or []]
    return [n for n in dict.fromkeys(names) if n != upstream.target_column]


def validate(config: dict, upstream: Upstream):
    clean, errors = validate_params(PARAMS, config, what="field")
    group = clean.get("group_by") or None
    if "group_by" in clean:
        clean["group_by"] = group
    if group and "group_by" not in errors:
        if group == upstream.target_column:
            errors["group_by"] = f"{group!r} is the target: choose the column that names each row's group."
        elif upstream.columns and group not in group_columns(upstream):
            errors["group_by"] = f"Column {group!r} is not in the dataset."
        elif not clean.get("shuffle", True):
            errors["group_by"] = ("Keeping groups together draws whole groups at random: turn Shuffle on, or choose "
                                  "no group.")
        else:
            using = [i + 1 for i, op in enumerate(upstream.operations or []) if _names(op, group)]
            if using:
                errors["group_by"] = (f"Preprocessing step {using[0]} uses {group!r}, but the column rows are kept "
                                      "together by is left out of the features: remove it from that step, or group "
                                      "by another column.")
    return clean, errors


def _names(op, column: str) -> bool:
    """Whether a preprocessing step names `column` among its parameters."""
    params = (op or {}).get("parameters") if isinstance(op, dict) else None
    for value in (params or {}).values():
        if value == column or (isinstance(value, (list, tuple)) and column in value):
            return True
    return False


def grouping_notes(config: dict, upstream: Upstream) -> list[str]:
    """What keeping groups together changes of the user's other choices, said, never done
    silently: Stratify is not honoured, a feature column becomes a grouping column only."""
    group = config.get("group_by")
    if not group:
        return []
    out = []
    if stratifies({**config, "group_by": None}, upstream.problem_type):
        out.append(f"Stratify is not applied while rows are kept together by {group!r}: whole groups are drawn for "
                   "the test rows, so the class shares of train and test can differ a little. Keeping a group's rows "
                   "on one side matters more: a group on both sides lets the model be scored on recognising it.")
    if group not in upstream.excluded_columns and any(c["name"] == group for c in upstream.columns or []):
        out.append(f"{group!r} keeps rows together and is left out of the features: a model that knew it would be "
                   "scored on groups it has seen.")
    return out


def stored_series(config: dict, upstream: Upstream) -> guards.TimeOrder | None:
    """The series in time a random split of this node would cut, as found when the dataset's
    target was set (the Dataset node passes it on for its own target only: nodes.dataset.
    stored_series); None with Shuffle off or rows kept together by a group, which cut none."""
    fact = (upstream.extra or {}).get("series")
    if not config.get("shuffle", True) or config.get("group_by") or not isinstance(fact, dict) or not fact.get("order"):
        return None
    return guards.TimeOrder.from_stored(fact["order"])


def series_sentence(config: dict, upstream: Upstream) -> str | None:
    """What the dataset page says of that series, said by the Split before a run (on this
    table's rows, a sample of them when it has more)."""
    order = stored_series(config, upstream)
    if order is None:
        return None
    fact = upstream.extra["series"]
    rows = "this table's rows" + guards.sample_said(int(fact.get("sample_rows") or 0), fact.get("n_rows"))
    return order.sentence(float(config.get("test_size") or TEST_SIZE.default), rows=rows)


def warnings_for(config: dict, upstream: Upstream) -> list[str]:
    out = grouping_notes(config, upstream)
    series = series_sentence(config, upstream)
    if series:
        out.append(series)
    counts = row_counts(config, upstream)  # the sizes the run will have (rows without a target left out)
    if counts and counts["test"] < 30:
        out.append(f"The test set will have only about {counts['test']} rows; scores will be noisy.")
    if not config.get("shuffle", True):
        # said so that it agrees with the time-series guard's advice (turn Shuffle off): a new user
        # who followed it was told next that Shuffle off was a risk
        pct = round(float(config.get("test_size") or 0.2) * 100)
        out.append(f"Shuffle is off: the test rows are the last {pct}% of the rows in the file's order, as a series "
                   "in time needs (oldest first). Rows sorted by anything else (a class, a region) would put different "
                   "kinds of rows in train and test.")
        if config.get("stratify") and stratify_applies(upstream.problem_type):
            out.append("Stratify needs shuffling; it will be ignored.")
    return out


def class_counts(upstream: Upstream) -> dict | None:
    """The target's classes and how many rows each has, from the profile (no data load)."""
    if upstream.problem_type != "classification":
        return None
    col = next((c for c in upstream.columns if c["name"] == upstream.target_column), None)
    top = (col or {}).get("top_values")
    return {k: int(v) for k, v in top} if top else None


def weighable_models(downstream=()) -> list[tuple]:
    """[(name, has a class_weight Param, its value)] of the models downstream."""
    out = []
    for _, config in downstream:
        plugin = registry.models().get((config or {}).get("algorithm") or "")
        if plugin is not None:
            has = any(p.name == "class_weight" for p in plugin.params_for("classification"))
            out.append((plugin.name, has, ((config or {}).get("hyperparameters") or {}).get("class_weight")))
    return out


def unlisted_classes(upstream: Upstream) -> tuple[int, int]:
    """(classes, rows) of the target the profile counts without naming them (it lists the
    largest classes only, class_counts): midwest's `category` lists 12 of its 16 classes."""
    counts = class_counts(upstream)
    col = next((c for c in upstream.columns if c["name"] == upstream.target_column), None)
    if not counts or not col or not upstream.n_rows:
        return 0, 0
    classes = max(0, (col.get("unique") or 0) - len(counts))
    rows = upstream.n_rows - (col.get("missing") or 0) - sum(counts.values())
    return (classes, rows) if classes and rows > 0 else (0, 0)


def advise(config: dict, upstream: Upstream, downstream=()) -> list[str]:
    out = warnings_for(config, upstream)
    counts = class_counts(upstream)
    obstacle = None
    if counts and stratifies(config, upstream.problem_type):
        obstacle = stratify_obstacle(counts, float(config.get("test_size", 0.2)), unlisted_classes(upstream))
        if obstacle:
            out.append(not_stratified_sentence(obstacle))
    return out + guards.imbalance(counts, weighable_models(downstream), grouped=bool(config.get("group_by")),
                                  ordered=not config.get("shuffle", True), unstratified=obstacle is not None)


def row_counts(config: dict, upstream: Upstream) -> dict | None:
    """The rows the run will split, as it will: the dataset's rows less those the Dataset
    node drops (no target), then scikit-learn's own sizes (test = ceil(test_size x rows))."""
    if not upstream.n_rows:
        return None
    left_out = upstream.rows_without_target or 0
    used = upstream.n_rows - left_out
    n_test = math.ceil(float(config.get("test_size", 0.2)) * used)
    return {"rows": upstream.n_rows, "left_out": left_out, "used": used, "train": used - n_test, "test": n_test,
            "grouped": bool(config.get("group_by"))}


def counts_text(counts: dict | None, target: str | None = None) -> str:
    if counts is None:
        return "Connect a dataset to see row counts."
    about = "about " if counts.get("grouped") else ""  # whole groups are drawn: the rows follow their sizes
    split = f"{about}{counts['train']:,} training rows, {about}{counts['test']:,} test rows"
    if not counts["left_out"]:
        return f"{counts['rows']:,} rows: {split}"
    what = f"without a target ({target})" if target else "without a target"
    return f"{counts['rows']:,} rows, {counts['left_out']:,} {what} are left out: {split}"


def preview(config: dict, upstream: Upstream) -> list:
    pct = round(float(config.get("test_size", 0.2)) * 100)
    blocks = [{"kind": "train_test", "train": 100 - pct, "test": pct},
              {"kind": "text", "text": counts_text(row_counts(config, upstream), upstream.target_column),
               "role": "row_counts"}]
    if config.get("group_by"):
        blocks.append({"kind": "text", "role": "groups", "text": (
            f"Rows of one {config['group_by']} stay together: {pct}% of the groups are drawn for the test rows, and "
            "cross-validation keeps each group in one fold.")})
    counts = class_counts(upstream)
    if counts:
        total = sum(counts.values())
        blocks.append({"kind": "bars", "title": "Class distribution",
                       "items": [[tables.label_text(k, quote=False), v / total, f"{100 * v / total:.1f}%"]
                                 for k, v in counts.items()]})
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
    group = config.get("group_by") or None
    groups = group_values(table, df, group) if group else None
    X = df.drop(columns=[c for c in (target, group) if c and c in df.columns])
    y = df[target] if target else None
    if table.problem_type == "clustering":
        y = None
    groups_train = None
    if group:
        labels = group_labels(groups)
        if len(np.unique(labels)) < 2:
            raise NodeError(f"{group!r} has a single group in these rows: rows kept together by it cannot be split. "
                            "Choose another column, or no group.")
        train_rows, test_rows = next(GroupShuffleSplit(n_splits=1, test_size=config["test_size"],
                                                       random_state=config["random_seed"]).split(X, y, labels))
        X_train, X_test = X.iloc[train_rows], X.iloc[test_rows]
        y_train, y_test = (y.iloc[train_rows], y.iloc[test_rows]) if y is not None else (None, None)
        groups_train = pd.Series(labels[train_rows], index=X_train.index, name=group)
    else:
        stratify = None
        if stratifies(config, table.problem_type):
            obstacle = stratify_obstacle(y.value_counts().to_dict(), config["test_size"])
            if obstacle:
                ctx.warn(not_stratified_sentence(obstacle))
            else:
                stratify = y
        parts = train_test_split(X, *([y] if y is not None else []), test_size=config["test_size"],
                                 shuffle=config["shuffle"], stratify=stratify,
                                 random_state=config["random_seed"] if config["shuffle"] else None)
        if y is not None:
            X_train, X_test, y_train, y_test = parts
        else:
            (X_train, X_test), y_train, y_test = parts, None, None
    leaks, units = check(X_train, X_test, y_train, y_test, table, config, ctx, df)
    ctx.progress(1.0, f"{len(X_train):,} train / {len(X_test):,} test rows"
                      + (f", {len(np.unique(groups_train))} groups of {group!r} trained on" if group else ""))
    return SplitArtifact(X_train=X_train, X_test=X_test, y_train=y_train, y_test=y_test, target=target,
                         problem_type=table.problem_type, learned_ops=list(table.learned_ops),
                         dataset_id=table.dataset_id, random_seed=config["random_seed"],
                         dataset_name=table.dataset_name, positive_class=table.positive_class, leaks=leaks,
                         group_column=group, groups_train=groups_train, shared_units=units,
                         id_columns=tuple(getattr(table, "id_reasons", None) or ()))


def group_values(table, df, column: str):
    """The values of the column rows are kept together by, on df's index: a column of the
    table, or one of the id-like columns the Dataset node left out of the features."""
    if column in df.columns and column != table.target:
        return df[column]
    ids = getattr(table, "ids", None)
    if ids is not None and column in ids.columns:
        return ids[column].reindex(df.index)
    raise NodeError(f"Column {column!r} is not in the table this Split node receives: choose another column to keep "
                    "rows together by.")


def group_labels(values) -> np.ndarray:
    """Each row's group as a whole number, numbered in the values' sorted order (as
    scikit-learn's group splitters number them, so the groups drawn are those the column's
    own values would draw); a row with no value is a group of its own (nothing says it
    belongs with another)."""
    values = pd.Series(values).reset_index(drop=True)
    try:
        codes = pd.factorize(values, sort=True, use_na_sentinel=True)[0].copy()
    except TypeError:  # values of several types that do not sort together: in the order they appear
        codes = pd.factorize(values.astype(str).where(values.notna()), sort=True, use_na_sentinel=True)[0].copy()
    missing = codes < 0
    codes[missing] = codes.max(initial=-1) + 1 + np.arange(int(missing.sum()))
    return codes


def can_stratify(y, test_size) -> bool:
    """Whether a stratified split of these targets can be made (stratify_obstacle)."""
    return stratify_obstacle(y.value_counts().to_dict(), test_size) is None


def stratify_obstacle(counts: dict, test_size, unlisted: tuple = (0, 0)) -> tuple | None:
    """Why a stratified split of a target with these classes ({class: rows}) cannot be made,
    or None when it can: every class needs two rows or more (one on each side), and the test
    rows one per class. ("single", [classes of one row], how many such at least) or ("test",
    test rows, classes). `unlisted`: (classes, rows) counted but not named (a profile lists
    the largest classes only): some have one row when their rows are fewer than twice their
    number. The one rule the run, its advice before it and the exported script follow."""
    classes, rows = unlisted
    single = [k for k, v in counts.items() if v < 2]
    several = len(single) + max(0, 2 * classes - rows)
    if several:
        return ("single", single, several)
    total, n_classes = sum(counts.values()) + rows, len(counts) + classes
    n_test = round(total * test_size)
    if n_test < n_classes:
        return ("test", n_test, n_classes)
    return None


def not_stratified_sentence(obstacle: tuple) -> str:
    """What the split does when it cannot stratify (stratify_obstacle), and what to do."""
    if obstacle[0] == "test":
        _, n_test, n_classes = obstacle
        return (f"The split is not stratified: its {n_test:,} test rows are fewer than the {n_classes:,} classes, so "
                "some class cannot be in the test rows. Make the test size larger, or merge classes into broader "
                "ones in the file.")
    _, named, n = obstacle
    shown = " and ".join(filter(None, [", ".join(tables.label_text(k) for k in named[:5]),
                                       f"{n - min(len(named), 5):,} more" if n > min(len(named), 5) else ""]))
    which = (f"class {shown} has a single row" if n == 1 else
             f"{'classes ' if named else ''}{shown if named else f'at least {n:,} classes'} have a single row each")
    if named and len(named) < n:
        which = which.replace(" more have", " more (at least) have")
    return (f"The split is not stratified: {which}, and a class needs a row on each side. Class shares in the test "
            "rows can differ from the training rows'. Merge rare classes into broader ones, or drop their rows, in "
            "the file, and the split will keep each class's share.")


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
    group = config.get("group_by") or None
    dropped = [c for c in (target, group) if c]
    if group and group in (ctx.upstream.excluded_columns or []):
        if not up.get("ids"):
            from plugins.codegen import NotExportable

            raise NotExportable(f"the rows are kept together by {group!r}, a column the table feeding the split "
                                "does not carry into the script")
        values = f"{up['ids']}[{group!r}].reindex({df}.index)"
        dropped = [target] if target else []
    else:
        values = f"{df}[{group!r}]"
    if dropped:
        lines.append(f"{X} = {df}.drop(columns={dropped!r})")
    else:
        lines.append(f"{X} = {df}")
    shuffle, seed = config["shuffle"], config["random_seed"] if config["shuffle"] else None
    if supervised:
        lines.append(f"{y} = {df}[{target!r}]")
    groups_train = None
    if group:
        labels, train_rows, test_rows = ctx.name("groups"), ctx.name("train_rows"), ctx.name("test_rows")
        groups_train = ctx.name("groups_train")
        splitter = f"{src.ref(GroupShuffleSplit)}(n_splits=1, test_size={config['test_size']!r}, random_state={seed!r})"
        lines += [f"# rows of one {group} stay together: whole groups are drawn for the test rows",
                  f"{labels} = {src.ref(group_labels)}({values})",
                  f"{train_rows}, {test_rows} = next({splitter}.split({X}, {y if supervised else 'None'}, {labels}))",
                  f"{names['X_train']}, {names['X_test']} = {X}.iloc[{train_rows}], {X}.iloc[{test_rows}]"]
        if supervised:
            lines.append(f"{names['y_train']}, {names['y_test']} = {y}.iloc[{train_rows}], {y}.iloc[{test_rows}]")
        else:
            lines.append(f"{names['y_train']} = {names['y_test']} = None")
        lines.append(f"{groups_train} = {src.ref(pd)}.Series({labels}[{train_rows}], index={names['X_train']}.index)"
                     "  # the training rows' groups, which cross-validation keeps in one fold")
        return Exported(lines, {**up, **names, "seed": config["random_seed"], "groups_train": groups_train})
    stratify = "None"
    if supervised and stratifies(config, ptype):
        stratify = f"{y} if {src.ref(can_stratify)}({y}, {config['test_size']!r}) else None"
    call = f"train_test_split({X}{', ' + y if supervised else ''}, test_size={config['test_size']!r}, shuffle={shuffle!r}, " \
           f"stratify={stratify}, random_state={seed!r})"
    src.ref(train_test_split)
    if supervised:
        lines.append(f"{names['X_train']}, {names['X_test']}, {names['y_train']}, {names['y_test']} = {call}")
    else:
        lines += [f"{names['X_train']}, {names['X_test']} = {call}", f"{names['y_train']} = {names['y_test']} = None"]
    return Exported(lines, {**up, **names, "seed": config["random_seed"], "groups_train": None})


def check(X_train, X_test, y_train, y_test, table, config, ctx, df=None) -> tuple:
    """The guards on the split rows, said as warnings of this node: features that give the
    target away (computed on the training rows only, a sample of them when many), test
    rows that are copies of training rows, and units of an id column (or of the column
    rows are kept together by) with rows on both sides, and a series in time split at random
    (its order read from the training rows). Returns the leaking features' names and the
    units found on both sides (guards.SharedUnits)."""
    found = []
    shuffled = config.get("shuffle", True) and not config.get("group_by")
    order = _series_split(X_train, y_train, table) if shuffled else None
    if y_train is not None:
        features = _features(table, X_train)
        found = guards.leaks(features, y_train, table.problem_type, seed=config.get("random_seed"))
        for leak in found[:MAX_LEAKS_NAMED]:
            if leak.time and order is not None and order.column == leak.column:
                continue  # the series sentence below says it
            if leak.time and not config.get("shuffle", True):
                if not _later(X_train[leak.column], X_test[leak.column]):  # else: tested on the latest, as it should
                    pct = round(float(config["test_size"]) * 100)
                    ctx.warn(f"Shuffle is off, but the rows are not in the order of {leak.column!r}, which the target "
                             f"follows closely ({leak.metric} {leak.score:.3f} from the rows nearest in time alone, out "
                             f"of sample, on the training rows): the test rows are the last {pct}% of the file, not the "
                             "latest ones, each with training rows from just before and after it, so the score is "
                             f"likely better than it would be on later ones. Sort the file by {leak.column!r} (oldest "
                             "first) to test on the latest.")
                continue
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
    units = tuple(units_on_both_sides(X_train, X_test, table, config, df))
    for unit in units:
        ctx.warn(unit.sentence())
    if shuffled:  # a series split at random (said already, by the advice before the run, when it was found then)
        told = getattr(table, "series", None) or {}
        if order is not None and order.column != (told.get("order") or {}).get("column"):
            ctx.warn(order.sentence(config["test_size"]))
    elif not config.get("shuffle", True):  # the last rows of the file: the latest dates only if one series
        panel = guards.series_one_after_another(pd.concat([X_train, X_test]))
        if panel is not None and panel.series > 1:  # (one series in two columns, year then month: in order)
            pct = round(float(config["test_size"]) * 100)
            ctx.warn(f"Shuffle is off, but the rows are {panel.series} series in time one after another "
                     f"({panel.column!r} goes back to earlier {panel.points} {panel.series - 1} times down the file): "
                     f"the test rows are the last {pct}% of the file, the end of the last series, not the latest "
                     f"{panel.points} of every series. Sort the file by {panel.column!r} (oldest first) to test on the "
                     f"latest {panel.points}.")
    return tuple(dict.fromkeys(str(c) for leak in found for c in (leak.together or (leak.column,)))), units


def _series_split(X_train, y_train, table):
    """guards.series_split on the training rows' features, with the id columns: a series'
    time counting 1871, 1872 … is an id (different in every row, in equal steps), left out
    of the features, and still the rows' clock (Nile's 'time')."""
    features = _features(table, X_train)
    ids = getattr(table, "ids", None)
    if ids is not None and len(ids.columns):
        features = pd.concat([features, ids.drop(columns=[c for c in ids.columns if c in features.columns])
                              .reindex(features.index)], axis=1)
    return guards.series_split(features, y_train, table.problem_type)


def _later(train, test) -> bool:
    """Whether (nearly) every test row is later than every training row: a series split
    with Shuffle off on a file in time order."""
    last = train.max()
    return bool(pd.notna(last) and (test.dropna() >= last).mean() >= 0.95)


def _dropped(table, X) -> list:
    """The columns of X a learned step drops before the model (they are no feature)."""
    from plugins.preprocessing import dropped_columns

    gone = dropped_columns(table.learned_ops, list(X.columns))
    return [c for c in X.columns if c in gone]


def _features(table, X):
    """X without the columns a learned step drops (X itself when none: pandas' drop of no
    column still copies the frame, 18% of a small job's split)."""
    gone = _dropped(table, X)
    return X.drop(columns=gone) if gone else X


def units_on_both_sides(X_train, X_test, table, config, df=None) -> list:
    """guards.SharedUnits worth a word, for each id column that names units (not a row
    number counting again in each group: plugins.tables.names_units), the column rows are
    kept together by, and, when rows are split one by one at random, each feature the model
    sees that names a panel's units (guards.panels: ChickWeight's 'Chick', weighed over
    'Time') or units known by their fixed traits (guards.entities: a hospital's 'mrn')."""
    reasons = getattr(table, "id_reasons", None) or {}
    ids = getattr(table, "ids", None)
    columns = [c for c, why in reasons.items() if tables.names_units(why) and ids is not None and c in ids.columns]
    group = config.get("group_by")
    rows = table.df if df is None else df
    times, traits = {}, {}
    if config.get("shuffle", True) and not group:  # Shuffle off: the test rows are the latest, as a series needs
        features = _features(table, X_train).columns
        times = {p.unit: p.time for p in guards.panels(rows, units_among=features, exclude=(table.target,))}
        # units no name says and no clock shows, known by their fixed traits (a hospital's 'mrn', its patients' ages)
        traits = {e.unit: e.fixed for e in guards.entities(rows, units_among=[c for c in features if c not in times],
                                                            exclude=(table.target,))}
    out = []
    for column in dict.fromkeys([*columns, *([group] if group else []), *times, *traits]):
        values = group_values(table, rows, column)
        named = column in columns
        found = guards.shared_units(column, values.reindex(X_train.index), values.reindex(X_test.index),
                                    time=times.get(column, "") if not named else "",
                                    fixed=traits.get(column, ()) if not named else ())
        if found.fires:
            out.append(found)
    return out


def fields(config: dict) -> list[dict]:
    """Its config as named fields (comparing two runs, saying why a node ran again): no
    group is "none", not null."""
    out = declared_fields(PARAMS, config)
    for f in out:
        if f["key"] == "group_by" and f["value"] in (None, ""):
            f["text"] = "none (rows split one by one)"
    return out


def design(config: dict, upstream: Upstream, design=None) -> Upstream:
    """Downstream estimates size their fits on the training share."""
    out = Upstream(**{**upstream.__dict__})
    out.extra = {**upstream.extra, "test_size": config.get("test_size", 0.2)}
    return out


def summary(config: dict, upstream: Upstream | None = None) -> str:
    ts = config.get("test_size", 0.2)
    try:
        pct = round(float(ts) * 100)
    except (TypeError, ValueError):
        return "Invalid test size"
    if config.get("group_by"):
        return f"{100 - pct}/{pct} split by {config['group_by']}"
    ptype = getattr(upstream, "problem_type", None)  # not known yet (no dataset): as chosen
    stratified = stratifies(config, ptype or STRATIFY.problem_types[0])
    return f"{100 - pct}/{pct} split{', stratified' if stratified else ''}"


NODE = NodeType(
    type="split", label="Train/Test Split", icon="✂️", colour="#0284c7",
    description="Hold out a test set to measure the model on rows it never saw.",
    inputs=(Port("table", (TABLE,), "Table"),), outputs=(Port("split", (SPLIT,), "Train/test"),),
    params=PARAMS, validate=validate, run=run, summary=summary, group="Data", advise=advise, preview=preview,
    output_summary=output_summary, design=design, export=export, fields=fields,
    order=30,
    draws_rows=True,
)
