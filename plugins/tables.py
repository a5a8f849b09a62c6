"""What a table's columns are, from the data alone: roles (numeric, categorical, datetime,
id, text), the profile shown to the user, the likely target and problem type, ISO dates
found in text, and dtypes the ML libraries take. Pure pandas, no I/O: the ingestion, the
Dataset node and the inspectors share it.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd


def _plain(v):
    if isinstance(v, (np.generic,)):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    if isinstance(v, (pd.Timestamp,)):
        return v.isoformat()
    if v is pd.NA or v is pd.NaT:
        return None
    return v


ID_NAME = re.compile(r"(^|[^a-z])(id|ids|key|index|idx|no|num|number|code|uuid)($|[^a-z])|id$", re.I)


def _integer_valued(s: pd.Series) -> bool:
    if pd.api.types.is_integer_dtype(s):
        return True
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return False
    v = s.dropna().to_numpy(dtype=float)
    head = v[:1000]  # most float columns show a fraction at once
    if not (np.all(np.isfinite(head)) and np.all(np.mod(head, 1) == 0)):
        return False
    return bool(len(v)) and bool(np.all(np.isfinite(v)) and np.all(np.mod(v, 1) == 0))


def _role(s: pd.Series, n_rows: int, unique: int | None = None) -> str:
    """numeric | categorical | datetime | id | text. Datetime wins over id (every date can be
    different); an id is different in every row: a short text (a name, a key), or a whole
    number that counts rows or is named like an id (a unique price is not an id)."""
    if pd.api.types.is_bool_dtype(s):
        return "categorical"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "datetime"
    non_null = s.dropna()
    unique = non_null.nunique() if unique is None else unique
    every_row = n_rows >= 20 and len(non_null) == n_rows and unique == n_rows
    if pd.api.types.is_numeric_dtype(s):
        if every_row and _integer_valued(s) and (
                non_null.is_monotonic_increasing or non_null.is_monotonic_decreasing or ID_NAME.search(str(s.name))):
            return "id"
        return "numeric"
    length = non_null.head(5000).astype(str).str.len().mean() if len(non_null) else 0.0
    if every_row and length < 40:
        return "id"
    if len(non_null) and length > 40 and unique > 0.5 * len(non_null):
        return "text"
    return "categorical"


def id_columns(df: pd.DataFrame, exclude=()) -> list[str]:
    """The columns that are different in every row (role `id`): a model learns nothing
    general from them, and a row id that follows the file's order can leak the target."""
    n = len(df)
    return [c for c in df.columns if c not in exclude and _role(df[c], n) == "id"]


# Names that usually mean "what to predict", strongest first. A column is never suggested
# for being last alone: penguins end in `year`, diamonds in `z`.
TARGET_NAMES = ("target", "label", "labels", "class_label", "outcome", "response", "y_true", "survived", "churn",
                "churned", "default", "fraud", "is_fraud", "diagnosis", "species", "quality", "price", "medv",
                "mpg", "miles_per_gallon", "charges", "salary", "income", "sales", "revenue", "tip", "rating",
                "grade", "score", "result", "status", "weather", "class", "y")


def _target_score(col: dict, position: int, n_cols: int, names: set) -> float | None:
    """How likely a profiled column is the target; None: it cannot be one."""
    role, unique = col.get("role"), col.get("unique") or 0
    if role in ("id", "datetime", "text") or unique <= 1 or (col.get("missing_pct") or 0) > 50:
        return None
    name = str(col["name"]).lower().replace(" ", "_").replace(".", "_")
    score = 0.0
    if name in TARGET_NAMES:
        rank = TARGET_NAMES.index(name)
        score += 3.0 - rank / len(TARGET_NAMES)
        if name == "y" and "x" in names:  # x, y, z are coordinates (diamonds), not a target
            score -= 3.0
        if name == "class" and rank:  # a passenger class is as often a feature
            score -= 1.0
    if role == "categorical" and 2 <= unique <= 20:
        score += 1.0
    elif role == "numeric":
        score += 0.5
    if "year" in name or name in ("month", "day", "date"):
        score -= 1.5
    if position == n_cols - 1:
        score += 0.75
    elif position == 0:
        score += 0.25
    return score


def suggest_target(columns: list[dict]) -> str | None:
    """The most likely target among profiled columns (see _target_score)."""
    names = {str(c["name"]).lower() for c in columns}
    scored = [(score, -i, c["name"]) for i, c in enumerate(columns)
              if (score := _target_score(c, i, len(columns), names)) is not None]
    return max(scored)[2] if scored else None


def suggest_problem_type(col: dict | None) -> str:
    """classification for text, bools and whole numbers with at most 20 values; regression
    for other numbers; clustering without a target."""
    if not col:
        return "clustering"
    if col.get("role") not in ("numeric", "id") or str(col.get("dtype")) == "bool":
        return "classification"
    if col.get("integer_valued") and (col.get("unique") or 0) <= 20:
        return "classification"
    return "regression"


def _chosen_role(s: pd.Series, n: int, unique: int, chosen: str | None) -> str:
    """The role a column takes when the user (or the file: R's row names) said what it is:
    "id"; "feature" (never an id: what its values are); or a kind ("categorical", "text")."""
    role = _role(s, n, unique)
    if chosen == "feature" and role == "id":
        numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        return "numeric" if numeric else "categorical"
    if chosen in ("id", "categorical", "text"):
        return chosen
    return role


def profile(df: pd.DataFrame, target: str | None = None, counts: dict | None = None,
            roles: dict | None = None) -> dict:
    """Per column: dtype, role, missing, distinct values, a few values, and min/max/mean for
    numbers. `counts` ({name: {"missing", "unique"}}) may bring the two counts already made
    (by Arrow, at ingest); `roles` ({name: "id" | "feature" | "categorical" | "text"}) what
    the user or the file said a column is (marked `role_chosen`)."""
    n = int(len(df))
    columns = []
    roles = roles or {}
    for name in df.columns:
        s = df[name]
        known = (counts or {}).get(str(name))
        missing = int(known["missing"]) if known else int(s.isna().sum())
        unique = int(known["unique"]) if known else int(s.nunique())
        chosen = roles.get(str(name))
        col = {"name": str(name), "dtype": str(s.dtype), "role": _chosen_role(s, n, unique, chosen), "missing": missing,
               "missing_pct": round(100.0 * missing / n, 2) if n else 0.0, "unique": unique,
               "sample_values": [_plain(v) for v in s.dropna().head(1000).unique()[:5].tolist()]}
        if unique <= 50 and unique < max(n, 1):  # the classes of a categorical column, most frequent first
            top = s.value_counts(dropna=True).head(12)
            col["top_values"] = [[_plain(k), int(v)] for k, v in top.items()]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s) and s.notna().any():
            col.update(min=_plain(s.min()), max=_plain(s.max()), mean=_plain(round(float(s.mean()), 6)),
                       integer_valued=_integer_valued(s))
        if chosen:
            col["role_chosen"] = chosen
        columns.append(col)
    suggested = target or suggest_target(columns)
    by_name = {c["name"]: c for c in columns}
    return {"n_rows": n, "n_cols": int(df.shape[1]), "memory_bytes": int(df.memory_usage(deep=True).sum()),
            "columns": columns, "suggested_target": suggested,
            "suggested_problem_type": suggest_problem_type(by_name.get(suggested))}


def sorted_labels(labels) -> list:
    """Class labels in their natural order (by their text when the types are mixed)."""
    labels = list(labels)
    try:
        return sorted(labels)
    except TypeError:
        return sorted(labels, key=str)


def minority_class(counts: dict):
    """The rarer of a target's classes ({label: rows}): what binary metrics are about unless
    the user chooses. On a tie the class that sorts last wins (1 over 0, "yes" over "no"),
    which is what scikit-learn calls positive when nobody says."""
    return min(reversed(sorted_labels(counts)), key=lambda label: counts[label])


def preview(df: pd.DataFrame, n: int = 20) -> dict:
    head = df.head(n)
    return {"columns": [str(c) for c in head.columns],
            "rows": [[_plain(v) for v in row] for row in head.itertuples(index=False, name=None)]}


# year first, so never ambiguous: ISO 8601 (2012-01-31, with an optional time and offset),
# or the same with slashes (2012/01/31, as vega_datasets' seattle-weather writes it)
ISO_DATE = re.compile(r"\d{4}([-/])\d{2}\1\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?")


def parse_iso_dates(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns whose every value is an ISO 8601 date or timestamp (or a year-first
    date with slashes) become datetime columns, so models get date features instead of a
    string per day. Other date formats are ambiguous (is 01/02 January or February?) and
    stay text."""
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        values = s.dropna()
        head = values.head(1000)
        if values.empty or not all(isinstance(v, str) for v in head):
            continue
        if not head.astype(str).str.fullmatch(ISO_DATE).all():  # most text fails here, cheaply
            continue
        if not values.astype(str).str.fullmatch(ISO_DATE).all():
            continue
        s = s.str.replace("/", "-", n=2, regex=False)  # 2012/01/31 -> 2012-01-31
        try:
            parsed = pd.to_datetime(s, format="ISO8601")
        except (ValueError, TypeError, OverflowError):
            try:  # mixed UTC offsets: one timeline in UTC
                parsed = pd.to_datetime(s, format="ISO8601", utc=True)
            except (ValueError, TypeError, OverflowError):
                continue
        df[c] = parsed
    return df


def plain_dtypes(df: pd.DataFrame) -> pd.DataFrame:
    """Columns in the dtypes the ML libraries take: nullable integers and floats with gaps
    become float64 with NaN, nullable bools with gaps become objects, pd.NA-backed strings
    the default string dtype (NaN for missing)."""
    for c in df.columns:
        s = df[c]
        if not isinstance(s.dtype, pd.api.extensions.ExtensionDtype) or isinstance(s.dtype, pd.CategoricalDtype):
            continue
        if pd.api.types.is_datetime64_any_dtype(s):
            continue
        if pd.api.types.is_bool_dtype(s):
            df[c] = s.astype(bool) if not s.isna().any() else s.astype(object).where(s.notna(), np.nan)
        elif pd.api.types.is_integer_dtype(s) and not s.isna().any():
            df[c] = s.astype("int64")
        elif pd.api.types.is_numeric_dtype(s):
            df[c] = s.astype("float64")
        elif pd.api.types.is_string_dtype(s) and s.dtype != "str":  # "str" already has NaN for missing
            df[c] = s.astype(object).where(s.notna(), np.nan).astype("str")
    return df
