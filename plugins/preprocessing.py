"""Preprocessing operations.

Row operations (duplicates, rows with missing values, outlier removal) run on the whole
table before the split. Learned transforms are DataFrame-in/DataFrame-out sklearn
transformers fitted on the training rows only; they become steps of the model's Pipeline,
so scaling, encoding and imputation never see the test rows and the saved model takes the
raw columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from plugins.base import Operation
from plugins.params import Param, validate_params

COLUMNS = Param("columns", "columns", default=[], label="Columns",
                help="Leave empty to apply to every applicable column.")


def _is_numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def _pick(X: pd.DataFrame, columns, applies_to: str, exclude=()) -> list:
    if columns:
        missing = [c for c in columns if c not in X.columns]
        if missing:
            raise ValueError(f"Column {missing[0]!r} is not in the data.")
        return [c for c in columns if c not in exclude]
    if applies_to == "numeric":
        return [c for c in X.columns if _is_numeric(X[c]) and c not in exclude]
    if applies_to == "categorical":
        return [c for c in X.columns if not _is_numeric(X[c]) and c not in exclude]
    return [c for c in X.columns if c not in exclude]


def _frame(X) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    X = np.asarray(X)
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])


# --------------------------------------------------------------------------- learned
class ColumnTransform(TransformerMixin, BaseEstimator):
    """Base: pick columns at fit time, learn per-column state, transform only those.

    Subclasses implement `_learn(X_cols, y)` returning state and `_apply(X_cols)` returning
    a frame that replaces (or, for one-hot, expands) those columns."""

    applies_to = "numeric"

    def fit(self, X, y=None):
        X = _frame(X)
        self.columns_ = _pick(X, getattr(self, "columns", None) or [], self.applies_to)
        self.feature_names_in_ = np.asarray(list(X.columns), dtype=object)
        self._learn(X[self.columns_], y)
        return self

    def transform(self, X):
        check_is_fitted(self, "columns_")
        X = _frame(X)
        if not self.columns_:
            return X
        out = self._apply(X[self.columns_])
        picked = set(self.columns_)
        rest = [c for c in X.columns if c not in picked]
        if list(out.columns) == list(self.columns_):
            # one concat instead of per-column assignment (which is slow in pandas); the
            # column order of the input is kept
            if not rest:
                return out
            return pd.concat([X[rest], out], axis=1)[list(X.columns)]
        return pd.concat([X[rest], out.set_index(X.index)], axis=1)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "columns_")
        return np.asarray(self._names_out(), dtype=object)

    def _names_out(self):
        return list(self.feature_names_in_)

    def _learn(self, X, y):  # pragma: no cover - abstract
        raise NotImplementedError

    def _apply(self, X):  # pragma: no cover - abstract
        raise NotImplementedError


class FillMissing(ColumnTransform):
    def __init__(self, strategy="mean", value=0.0, columns=None):
        self.strategy, self.value, self.columns = strategy, value, columns

    @property
    def applies_to(self):
        return "numeric" if self.strategy in ("mean", "median") else "all"

    def _learn(self, X, y):
        if self.strategy == "mean":
            self.fill_ = X.mean().to_dict()
        elif self.strategy == "median":
            self.fill_ = X.median().to_dict()
        elif self.strategy == "mode":
            self.fill_ = {c: (X[c].mode().iloc[0] if X[c].notna().any() else np.nan) for c in X.columns}
        else:
            self.fill_ = {c: (self.value if _is_numeric(X[c]) else str(self.value)) for c in X.columns}
        # a column that is entirely missing in training still needs a value
        self.fill_ = {c: (0.0 if (isinstance(v, float) and np.isnan(v)) else v) for c, v in self.fill_.items()}

    def _apply(self, X):
        if not X.isna().to_numpy().any():  # the common case, and pandas' dict fillna is slow
            return X
        return X.fillna(value=self.fill_).infer_objects()


class DropMissingColumns(ColumnTransform):
    applies_to = "all"

    def __init__(self, threshold=0.5, columns=None):
        self.threshold, self.columns = threshold, columns

    def _learn(self, X, y):
        share = X.isna().mean()
        self.dropped_ = [c for c in X.columns if share[c] > self.threshold]

    def transform(self, X):
        check_is_fitted(self, "dropped_")
        return _frame(X).drop(columns=self.dropped_, errors="ignore")

    def _names_out(self):
        return [c for c in self.feature_names_in_ if c not in self.dropped_]


class DropColumns(DropMissingColumns):
    def __init__(self, columns=None):
        self.columns = columns

    def fit(self, X, y=None):
        X = _frame(X)
        missing = [c for c in (self.columns or []) if c not in X.columns]
        if missing:
            raise ValueError(f"Column {missing[0]!r} is not in the data.")
        self.feature_names_in_ = np.asarray(list(X.columns), dtype=object)
        self.columns_ = list(self.columns or [])
        self.dropped_ = list(self.columns_)
        return self


class Scale(ColumnTransform):
    def __init__(self, kind="standard", feature_min=0.0, feature_max=1.0, columns=None):
        self.kind, self.feature_min, self.feature_max, self.columns = kind, feature_min, feature_max, columns

    def _learn(self, X, y):
        if self.kind == "standard":
            self.center_, scale = X.mean(), X.std(ddof=0)
        elif self.kind == "minmax":
            lo, hi = X.min(), X.max()
            self.center_, scale = lo, (hi - lo) / (self.feature_max - self.feature_min)
        else:  # robust
            q1, q3 = X.quantile(0.25), X.quantile(0.75)
            self.center_, scale = X.median(), q3 - q1
        self.scale_ = scale.replace(0, 1.0).fillna(1.0)
        self.center_ = self.center_.fillna(0.0)

    def _apply(self, X):
        # numpy arithmetic: pandas' aligned Series ops cost ~10x more on small frames
        center = self.center_.reindex(X.columns).to_numpy(dtype=float)
        scale = self.scale_.reindex(X.columns).to_numpy(dtype=float)
        out = (X.to_numpy(dtype=float) - center) / scale
        if self.kind == "minmax":
            out = out + self.feature_min
        return pd.DataFrame(out, columns=X.columns, index=X.index)


class OneHot(ColumnTransform):
    applies_to = "categorical"

    def __init__(self, max_categories=50, drop_first=False, columns=None):
        self.max_categories, self.drop_first, self.columns = max_categories, drop_first, columns

    def _learn(self, X, y):
        self.categories_ = {}
        for c in X.columns:
            counts = X[c].astype("string").value_counts()
            cats = list(counts.index[: self.max_categories])
            if self.drop_first and cats:
                cats = sorted(cats)[1:]
            self.categories_[c] = cats

    def _apply(self, X):
        parts = {}
        for c in X.columns:
            values = X[c].astype("string")
            for cat in self.categories_[c]:
                parts[f"{c}={cat}"] = (values == cat).fillna(False).astype(float)
        return pd.DataFrame(parts, index=X.index)

    def _names_out(self):
        kept = [c for c in self.feature_names_in_ if c not in self.columns_]
        return kept + [f"{c}={cat}" for c in self.columns_ for cat in self.categories_[c]]


class Ordinal(ColumnTransform):
    applies_to = "categorical"

    def __init__(self, columns=None):
        self.columns = columns

    def _learn(self, X, y):
        self.mapping_ = {c: {v: i for i, v in enumerate(sorted(X[c].dropna().astype(str).unique()))}
                         for c in X.columns}

    def _apply(self, X):
        # unseen categories become -1; missing stays missing for the imputer to decide
        return pd.DataFrame({c: X[c].map(lambda v, c=c: np.nan if pd.isna(v) else self.mapping_[c].get(str(v), -1))
                             .astype(float) for c in X.columns}, index=X.index)


class TargetEncode(ColumnTransform):
    """Mean of the target per category, smoothed towards the global mean; learned on the
    training rows (sklearn's TargetEncoder cross-fits, which the Pipeline API hides)."""

    applies_to = "categorical"

    def __init__(self, smoothing=10.0, columns=None):
        self.smoothing, self.columns = smoothing, columns

    def _learn(self, X, y):
        if y is None:
            raise ValueError("Target encoding needs a target column.")
        y = pd.Series(np.asarray(y), index=X.index)
        if not _is_numeric(y):
            y = pd.Series(pd.factorize(y, sort=True)[0], index=X.index).astype(float)
        self.global_ = float(y.mean())
        self.mapping_ = {}
        for c in X.columns:
            stats = y.groupby(X[c].astype(str)).agg(["mean", "count"])
            w = stats["count"] / (stats["count"] + self.smoothing)
            self.mapping_[c] = (w * stats["mean"] + (1 - w) * self.global_).to_dict()

    def _apply(self, X):
        return pd.DataFrame({c: X[c].astype(str).map(self.mapping_[c]).fillna(self.global_).astype(float)
                             for c in X.columns}, index=X.index)


class Clip(ColumnTransform):
    def __init__(self, method="iqr", factor=1.5, lower_quantile=0.01, upper_quantile=0.99, columns=None):
        self.method, self.factor = method, factor
        self.lower_quantile, self.upper_quantile, self.columns = lower_quantile, upper_quantile, columns

    def _learn(self, X, y):
        if self.method == "iqr":
            q1, q3 = X.quantile(0.25), X.quantile(0.75)
            self.low_, self.high_ = q1 - self.factor * (q3 - q1), q3 + self.factor * (q3 - q1)
        else:
            self.low_, self.high_ = X.quantile(self.lower_quantile), X.quantile(self.upper_quantile)

    def _apply(self, X):
        return X.clip(lower=self.low_, upper=self.high_, axis=1)


class AutoPrepare(TransformerMixin, BaseEstimator):
    """The guard before every estimator: leftover text columns are ordinal-encoded, bools
    become ints and, for models that cannot take NaN, missing values get the training
    median. `notes_` tells the user what was done."""

    def __init__(self, handles_missing=False):
        self.handles_missing = handles_missing

    def fit(self, X, y=None):
        X = _frame(X)
        self.feature_names_in_ = np.asarray(list(X.columns), dtype=object)
        self.encoded_ = [c for c in X.columns if not _is_numeric(X[c]) and not pd.api.types.is_bool_dtype(X[c])]
        self.mapping_ = {c: {v: i for i, v in enumerate(sorted(X[c].dropna().astype(str).unique()))}
                         for c in self.encoded_}
        Xn = self._numeric(X)
        self.medians_ = Xn.median().fillna(0.0).to_dict()
        self.notes_ = []
        if self.encoded_:
            shown = ", ".join(map(str, self.encoded_[:5])) + (" …" if len(self.encoded_) > 5 else "")
            self.notes_.append(f"{len(self.encoded_)} text column(s) were encoded as ordinals automatically: {shown}. "
                               "Add an encoding step to choose how.")
        if not self.handles_missing and Xn.isna().any().any():
            n = int(Xn.isna().any().sum())
            self.notes_.append(f"{n} column(s) with missing values were filled with the training median "
                               "automatically; add a missing-values step to choose how.")
        return self

    def _numeric(self, X):
        bools = [c for c, t in X.dtypes.items() if pd.api.types.is_bool_dtype(t)]
        if not self.encoded_ and not bools:
            return X.astype(float)
        X = X.copy()
        for c in self.encoded_:
            X[c] = X[c].map(lambda v, c=c: np.nan if pd.isna(v) else self.mapping_[c].get(str(v), -1))
        for c in bools:
            X[c] = X[c].astype(int)
        return X.astype(float)

    def transform(self, X):
        check_is_fitted(self, "medians_")
        X = _frame(X)[list(self.feature_names_in_)]
        Xn = self._numeric(X)
        if not self.handles_missing:
            Xn = Xn.fillna(value=self.medians_)
        return Xn

    def get_feature_names_out(self, input_features=None):
        return np.asarray(self.feature_names_in_, dtype=object)


# --------------------------------------------------------------------------- row operations
def _numeric_features(df, target, columns):
    cols = columns or [c for c in df.columns if c != target and _is_numeric(df[c])]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"Column {missing[0]!r} is not in the data.")
    return [c for c in cols if c != target]


def _drop_duplicates(df, params, target):
    return df.drop_duplicates(subset=params.get("columns") or None)


def _drop_missing_rows(df, params, target):
    cols = params.get("columns") or None
    return df.dropna(subset=cols)


def _iqr_rows(df, params, target):
    cols = _numeric_features(df, target, params.get("columns"))
    if not cols:
        return df
    X = df[cols]
    q1, q3 = X.quantile(0.25), X.quantile(0.75)
    f = params["factor"]
    inside = ((X >= q1 - f * (q3 - q1)) & (X <= q3 + f * (q3 - q1))) | X.isna()
    return df[inside.all(axis=1)]


def _zscore_rows(df, params, target):
    cols = _numeric_features(df, target, params.get("columns"))
    if not cols:
        return df
    X = df[cols]
    std = X.std(ddof=0).replace(0, 1.0)
    z = ((X - X.mean()) / std).abs()
    return df[((z <= params["threshold"]) | z.isna()).all(axis=1)]


# --------------------------------------------------------------------------- registry
def _op(slug, name, category, applies_to, kind, params=(), description="", apply=None, make=None):
    return Operation(slug=slug, name=name, category=category, applies_to=applies_to, kind=kind,
                     params=tuple(params), description=description, apply=apply, make=make)


OPERATIONS = {o.slug: o for o in [
    _op("fill_missing_mean", "Fill missing (mean)", "missing_values", ("numeric",), "learned", [COLUMNS],
        "Replace missing numbers with the training mean.",
        make=lambda p: FillMissing("mean", columns=p.get("columns"))),
    _op("fill_missing_median", "Fill missing (median)", "missing_values", ("numeric",), "learned", [COLUMNS],
        "Replace missing numbers with the training median (robust to outliers).",
        make=lambda p: FillMissing("median", columns=p.get("columns"))),
    _op("fill_missing_mode", "Fill missing (most frequent)", "missing_values", ("all",), "learned", [COLUMNS],
        "Replace missing values with the most frequent training value.",
        make=lambda p: FillMissing("mode", columns=p.get("columns"))),
    _op("fill_missing_constant", "Fill missing (constant)", "missing_values", ("all",), "learned",
        [Param("value", "str", default="0", label="Fill value"), COLUMNS],
        "Replace missing values with a value you choose.",
        make=lambda p: FillMissing("constant", value=_as_number(p["value"]), columns=p.get("columns"))),
    _op("drop_missing_rows", "Drop rows with missing values", "missing_values", ("all",), "row", [COLUMNS],
        "Remove rows that have a missing value (in the chosen columns).", apply=_drop_missing_rows),
    _op("drop_missing_columns", "Drop mostly-missing columns", "missing_values", ("all",), "learned",
        [Param("threshold", "float", default=0.5, min=0.0, max=1.0, step=0.05, label="Missing share above",
               help="Columns missing in more than this share of training rows are dropped.")],
        "Remove columns that are mostly empty in the training rows.",
        make=lambda p: DropMissingColumns(threshold=p["threshold"])),
    _op("standard_scaler", "Standard scaler", "scaling", ("numeric",), "learned", [COLUMNS],
        "Centre to mean 0 and scale to unit variance.", make=lambda p: Scale("standard", columns=p.get("columns"))),
    _op("minmax_scaler", "Min-max scaler", "scaling", ("numeric",), "learned",
        [Param("feature_range", "range", default=[0.0, 1.0], min=-1000, max=1000, label="Range"), COLUMNS],
        "Rescale to a fixed range.",
        make=lambda p: Scale("minmax", p["feature_range"][0], p["feature_range"][1], columns=p.get("columns"))),
    _op("robust_scaler", "Robust scaler", "scaling", ("numeric",), "learned", [COLUMNS],
        "Centre on the median and scale by the interquartile range; outliers matter less.",
        make=lambda p: Scale("robust", columns=p.get("columns"))),
    _op("onehot_encoder", "One-hot encoder", "encoding", ("categorical",), "learned",
        [Param("max_categories", "int", default=50, min=2, max=1000, label="Max categories per column",
               help="Rarer categories share the all-zeros row."),
         Param("drop_first", "bool", default=False, label="Drop first category"), COLUMNS],
        "One 0/1 column per category.",
        make=lambda p: OneHot(p["max_categories"], p["drop_first"], columns=p.get("columns"))),
    _op("ordinal_encoder", "Label / ordinal encoder", "encoding", ("categorical",), "learned", [COLUMNS],
        "Replace each category by a number (unseen categories become -1).",
        make=lambda p: Ordinal(columns=p.get("columns"))),
    _op("target_encoder", "Target encoder", "encoding", ("categorical",), "learned",
        [Param("smoothing", "float", default=10.0, min=0.0, max=1000.0, label="Smoothing"), COLUMNS],
        "Replace each category by the (smoothed) mean target in the training rows.",
        make=lambda p: TargetEncode(p["smoothing"], columns=p.get("columns"))),
    _op("iqr_outlier_removal", "Remove outliers (IQR)", "outliers", ("numeric",), "row",
        [Param("factor", "float", default=1.5, min=0.5, max=10.0, step=0.5, label="IQR factor"), COLUMNS],
        "Drop rows with a value beyond factor x IQR outside the quartiles.", apply=_iqr_rows),
    _op("zscore_outlier_removal", "Remove outliers (z-score)", "outliers", ("numeric",), "row",
        [Param("threshold", "float", default=3.0, min=1.0, max=10.0, step=0.5, label="Z-score above"), COLUMNS],
        "Drop rows with a value more than this many standard deviations from the mean.", apply=_zscore_rows),
    _op("clip_outliers", "Clip outliers", "outliers", ("numeric",), "learned",
        [Param("method", "select", default="iqr", choices=("iqr", "quantile"), label="Bounds from"),
         Param("factor", "float", default=1.5, min=0.5, max=10.0, step=0.5, label="IQR factor"),
         Param("lower_quantile", "float", default=0.01, min=0.0, max=0.5, label="Lower quantile", advanced=True),
         Param("upper_quantile", "float", default=0.99, min=0.5, max=1.0, label="Upper quantile", advanced=True),
         COLUMNS],
        "Cap values at bounds learned from the training rows; no row is removed.",
        make=lambda p: Clip(p["method"], p["factor"], p["lower_quantile"], p["upper_quantile"], columns=p.get("columns"))),
    _op("remove_duplicates", "Remove duplicate rows", "other", ("all",), "row", [COLUMNS],
        "Keep the first of identical rows (compared on the chosen columns).", apply=_drop_duplicates),
    _op("drop_columns", "Drop columns", "other", ("all",), "learned",
        [Param("columns", "columns", default=[], label="Columns to drop")],
        "Remove columns you do not want the model to use (ids, leaks).",
        make=lambda p: DropColumns(columns=p.get("columns"))),
]}

CATEGORIES = {"missing_values": "Missing values", "scaling": "Scaling", "encoding": "Encoding",
              "outliers": "Outliers", "other": "Other"}


def _as_number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return text


# --------------------------------------------------------------------------- API
def apply_row_operations(df: pd.DataFrame, operations, target) -> tuple[pd.DataFrame, list[str]]:
    messages = []
    for slug, params in operations:
        op = OPERATIONS[slug]
        before = len(df)
        df = op.apply(df, params, target)
        removed = before - len(df)
        pct = f" ({removed / before:.1%})" if before else ""
        messages.append(f"{op.name}: removed {removed:,} of {before:,} rows{pct}.")
    return df, messages


def build_steps(operations) -> list:
    steps = []
    for i, (slug, params) in enumerate(operations):
        op = OPERATIONS[slug]
        if op.kind == "learned":
            steps.append((f"{i + 1}_{slug}", op.make(params)))
    return steps


def validate_operations(operations, columns=None):
    if operations is None:
        return [], {}
    if not isinstance(operations, list):
        return [], {"_": "Operations must be a list."}
    clean, errors = [], {}
    for i, item in enumerate(operations):
        if not isinstance(item, dict) or not isinstance(item.get("method"), str):
            errors[i] = "Each operation needs a method."
            continue
        op = OPERATIONS.get(item["method"])
        if op is None:
            errors[i] = f"Unknown operation {item['method']!r}."
            continue
        params = item.get("parameters") or {}
        if not isinstance(params, dict):
            errors[i] = f"{op.name}: parameters must be an object."
            continue
        values, errs = validate_params(op.params, params, what="parameter")
        if errs:
            errors[i] = f"{op.name}: " + " ".join(errs.values())
            continue
        if columns is not None:
            unknown = [c for c in values.get("columns") or [] if c not in columns]
            if unknown:
                errors[i] = f"{op.name}: column {unknown[0]!r} is not in the data."
                continue
        clean.append((op.slug, values))
    return clean, errors


def describe_operation(slug: str, params: dict) -> str:
    op = OPERATIONS.get(slug)
    if op is None:
        return slug
    cols = params.get("columns") or []
    if cols:
        return f"{op.name} on {', '.join(cols[:3])}" + (f" +{len(cols) - 3}" if len(cols) > 3 else "")
    return op.name


def operation_warnings(operations, columns_profile=None, target=None, problem_type=None, model_category=None):
    warnings = []
    profile = {c["name"]: c for c in (columns_profile or [])}
    roles = {n: c.get("role") for n, c in profile.items() if n != target}
    categorical = [n for n, r in roles.items() if r in ("categorical", "text")]
    seen = set()
    for slug, params in operations:
        op = OPERATIONS.get(slug)
        if op is None:
            continue
        cols = params.get("columns") or []
        if slug in seen and op.kind == "learned":
            warnings.append(f"{op.name} appears twice; the second one repeats the first.")
        seen.add(slug)
        if target and target in cols:
            warnings.append(f"{op.name} names the target column {target!r}; it is never transformed as a feature.")
        if op.category == "scaling" and model_category in ("tree", "ensemble", "boosting"):
            warnings.append(f"{op.name}: scaling has no effect on tree models.")
        if op.category == "encoding" and profile and not (cols or categorical):
            warnings.append(f"{op.name}: there are no categorical columns to encode.")
        if slug == "onehot_encoder":
            for name in cols or categorical:
                unique = profile.get(name, {}).get("unique") or 0
                if unique > 50:
                    warnings.append(f"One-hot encoding {name!r} would create {unique:,} columns "
                                    f"(capped at {params.get('max_categories', 50)}); consider target or ordinal encoding.")
        if slug in ("fill_missing_mean", "fill_missing_median"):
            bad = [c for c in cols if roles.get(c) in ("categorical", "text")]
            if bad:
                warnings.append(f"{op.name} applies to numbers only; {', '.join(bad)} will be left as is.")
        if slug == "target_encoder" and problem_type == "clustering":
            warnings.append("Target encoding needs a target; clustering has none.")
        if op.category == "outliers" and op.kind == "row" and problem_type == "classification":
            warnings.append(f"{op.name} can remove most rows of a rare class; check the class balance after it.")
    if profile and any((c.get("missing_pct") or 0) > 0 for n, c in profile.items() if n != target):
        if not any(OPERATIONS[s].category == "missing_values" for s, _ in operations if s in OPERATIONS):
            warnings.append("Some columns have missing values and no step handles them; "
                            "they will be filled with the median automatically for models that need it.")
    return list(dict.fromkeys(warnings))
