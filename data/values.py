"""Values as people write them. A text column whose values are numbers written the way a
region or a spreadsheet writes them (``2.121,88 €``, ``1'234.50``, ``68%``, ``(1,200)``) or
dates written day or month first (``27.11.2024``, ``11/27/2024``) becomes numbers or dates,
and the markers people put in a gap (``-``, ``?``, ``—``) count as missing.

The column decides, never one value: every value must read the same way (one decimal
separator, one currency, all percentages or none, one order of day and month), or the
column stays text and a notice says why. Every conversion is a notice for the dataset page,
so nothing changes silently; a type the user chose (`forced`) is applied or refused with how
many values do not fit and examples.

Pure pyarrow (vectorised over the whole column; Python looks only at a small sample), no
I/O: the ingest helper runs it on the text columns of every new table.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from playground_runtime import (
    ACCOUNTING_ZERO,
    ACCOUNTING_ZERO_SAID,
    CURRENCIES,
    DECIMAL_SAMPLE,
    DECIMAL_SHOWN,
    EXCEL_FIRST_DAY,
    GAP_WORDS,
    ISO_DATE,
    MISSING_SYMBOLS,
    MISSING_WORDS,
    MONTHS,
    NAMED_DATES,
    NUMBER_GAPS,
    NUMBER_SPACES,
    NUMBERED_DATE,
    NUMBERED_DATE_ONE_SEP,
    PLAIN_NUMBER,
    POINT_BY_FILE,
    TEXT_MISSING_SYMBOLS,
    TEXT_VALUE_WORDS,
    UNIX,
    UNIX_DATES,
    WRITTEN_NUMBER,
    YYYYMMDD,
    accounting_zeros,
    excel_day_problem,
    excel_day_wrong,
    excel_days,
    excel_days_said,
    exponent_fits,
    gaps_said,
    grouped_number,
    month_only,
    named_dates_said,
    negatives_said,
    no_ledger,
    number_said,
    text_gaps,
    twelve_hour,
    two_digit_pivot,
    two_digit_years_said,
    unreadable_said,
    yyyymmdd_dates,
)
from playground_runtime import quoted as _quoted

# What pyarrow (and pandas) already read as missing, plus spreadsheet words for it; these
# never reach this module as text. The words and symbols for a gap, and which of them are a
# level in a text column ("None"), live in playground_runtime with the rule that reads a text
# column's gaps (text_gaps): a bundle's predict.py reads rows to score by the same rule.
_TEXT_MISSING_WORDS = GAP_WORDS[1:]

# One number as written, and the currencies it may name: one pattern for this reader and
# for rows to score (playground_runtime, where it is explained).
NUMBER = WRITTEN_NUMBER
_SPACE = NUMBER_SPACES
_NUMBER_PY = re.compile(NUMBER)
DATE = NUMBERED_DATE  # rows to score are read by the same pattern (playground_runtime)
_DATE_PY = re.compile(NUMBERED_DATE_ONE_SEP)
DATE_RE2 = {sep: DATE.replace("(?P<sep>[./-])", re.escape(sep)).replace("[./-](?P<y>", re.escape(sep) + "(?P<y>")
            for sep in "./-"}

_NAMED_PY = re.compile(NAMED_DATES)

# a month written year first, 2014-03 or 2014/03 (read as its first day); not 2014-2015, a season
YEAR_MONTH = r"^(?P<y>1[7-9][0-9]{2}|2[01][0-9]{2})(?P<sep>[-/])(?P<m>[0-9]{2})$"
_YEAR_MONTH_PY = re.compile(YEAR_MONTH)

FORCED_TYPES = {"number": "numbers", "category": "categories", "date": "dates", "date_dayfirst": "dates, day first",
                "date_monthfirst": "dates, month first", "text": "text"}
SAMPLE = 2000
_KIND_WORDS = {"number": "numbers", "date": "dates", "bool": "true/false", "text": "text", "missing": "missing"}


class TypeRefused(ValueError):
    """A type the user chose does not fit the column; the message says how many values fail
    (`failing` of `total`, when it counted them)."""

    def __init__(self, message: str, failing: int | None = None, total: int | None = None, examples=(),
                 unreadable=None, said: str | None = None):
        super().__init__(message)
        self.failing, self.total, self.examples = failing, total, list(examples)
        # the sentence without the column's name ("4 of 190 values cannot be read as numbers, e.g. 'ERR'."), for a
        # notice that names the column already; None: the message is said as it is
        self.said = said
        # the distinct values that are no number at all (an Arrow array), when that is why Number was refused
        self.unreadable = unreadable


@dataclass
class Converted:
    array: pa.ChunkedArray | pa.Array
    kind: str  # number | date | bool | text | missing
    notice: str | None = None
    details: dict = field(default_factory=dict)


def _strings(col) -> pa.ChunkedArray:
    if isinstance(col, pa.Array):
        col = pa.chunked_array([col])
    if pa.types.is_large_string(col.type):
        col = col.cast(pa.string())
    return col


def _examples(values: list, n: int = 3) -> str:
    return ", ".join(_quoted(str(v)) for v in list(dict.fromkeys(values))[:n])


def _sample(col: pa.ChunkedArray) -> list[str]:
    head = col.slice(0, SAMPLE * 2).drop_null().to_pylist()
    return [v.strip(" \t" + _SPACE) for v in head[:SAMPLE]]


def _count(mask) -> int:
    return int(pc.sum(pc.cast(mask, pa.int64())).as_py() or 0)


# --------------------------------------------------------------------------- the column
def convert(name: str, col, decimal_hint: str = ".", forced: str | None = None,
            point: SettledBy | None = None, zero_dashes: bool = False) -> Converted:
    """One text column as numbers, dates or text (with its gaps), decided by all its
    values. `decimal_hint` settles a column whose every separator could be either (only
    `1.234`); `forced` is a type the user chose (FORCED_TYPES); `point`: whether the file settles
    a decimal point for all its numbers (`point_settled_once`), so a comma is never a decimal one;
    `zero_dashes`: a column of rows to score whose model learned its '-' as 0 (the training
    file's accounting zeros): a dash is 0 here however it is trimmed (accounting_zeros' `trained`)."""
    col = _strings(col)
    if forced in ("category", "text"):
        return _as_text(name, col, forced)
    zeroed = _accounting_zeros(col, zero_dashes) if forced in (None, "number") else None
    if zeroed is not None:  # Excel's accounting layout: its dashes are zeros, when the column reads as numbers so
        try:
            out = _convert(name, zeroed, decimal_hint, forced, chosen=bool(forced), point=point, dash_zero=True)
        except TypeRefused:
            out = None
        if out is not None and out.kind == "number":
            out.details.setdefault("name", name)
            return out
    out = _convert(name, col, decimal_hint, forced, chosen=bool(forced), point=point)
    out.details.setdefault("name", name)
    return out


def _accounting_zeros(col: pa.ChunkedArray, trained: bool = False) -> pa.ChunkedArray | None:
    """The column with the dashes Excel's accounting format writes for 0 (' $-   ', ' -   ') as '0',
    where it is written in that layout (playground_runtime.accounting_zeros, the rule rows to
    score are read by too); None otherwise (a '-' among unpadded numbers is a gap). `trained`:
    rows to score for a model that learned the column's dashes as 0 ('-' is 0 too)."""
    if no_ledger(col.slice(0, SAMPLE * 4).drop_null().to_pylist()):
        return None
    if not pc.any(pc.match_substring_regex(col, ACCOUNTING_ZERO)).as_py():
        # a bare '-' is a zero only for a model that learned it so, or among negatives in brackets (trimmed Comma style)
        dash = pc.any(pc.equal(pc.utf8_trim(col, " \t" + _SPACE), "-")).as_py()
        if not dash or not (trained or pc.any(pc.match_substring(col, "(")).as_py()):
            return None
    zeros = accounting_zeros(pc.unique(col.drop_null()).to_pylist(), trained)
    if not zeros:
        return None
    return pc.if_else(pc.fill_null(pc.is_in(col, value_set=pa.array(sorted(zeros), pa.string())), False), "0", col)


GAPS = NUMBER_GAPS  # a gap in a column of numbers or dates


# an infinity as a parser reads one in a number column ('Inf', '-Inf' as R writes them, 'inf', 'Infinity'):
# a ';' file's number columns are read so, as pyarrow reads a comma-separated file's
INFINITY = r"^[-+]?(?i:inf|infinity)$"
_INFINITY_PY = re.compile(INFINITY)


def _could_convert(col) -> bool:
    """Whether the first values (trimmed, gaps and infinities left out) all read as one kind
    of number, date or true/false: most text columns are told apart here, on a few thousand
    values, before anything is done to the whole column."""
    head = [v.strip(" \t" + _SPACE) for v in col.slice(0, SAMPLE * 4).drop_null().to_pylist()]
    sample = [v for v in head if v not in GAPS and not _INFINITY_PY.match(v)][:SAMPLE]
    if not sample:
        return True  # only gaps so far: look at the whole column
    return (all(_NAMED_PY.match(v) for v in sample) or all(_DATE_PY.match(v) for v in sample)
            or all(_YEAR_MONTH_PY.match(v) for v in sample)
            or all(_NUMBER_PY.match(v) for v in sample) or _BOOL_VALUES.issuperset(v.lower() for v in sample))


MOSTLY = 0.9  # a column whose sampled values are this share numbers (or dates) is said when a few keep it text


def _kept_as_text(name: str, col, decimal_hint: str, point: SettledBy | None = None) -> Converted:
    """A text column; when its values are mostly numbers or dates, a notice names the ones
    that kept it text (a 'ca. 50' among amounts, a totals row's 'Summe' among dates), as the
    refusal of that type would: otherwise the column is silently text, or left out as an id."""
    out = _text_gaps(name, col)
    head = [v.strip(" \t" + _SPACE) for v in col.slice(0, SAMPLE * 4).drop_null().to_pylist()]
    sample = [v for v in head if v and v not in GAPS][:SAMPLE]
    if len(sample) < 5:
        return out
    shapes = date_shapes(sample)
    if len(shapes) > 1:  # 2024-12-31 beside Jan 5 2024 and 03/15/2024: each a date, the column no one way
        # 2014-03 among 2014-03-15 (an audit): read as the 1st it would be a day nobody wrote, among real days
        some = f"; {_quoted(shapes[YEAR_AND_MONTH])} names no day" if YEAR_AND_MONTH in shapes else ""
        _kept_said(out, name, f"its dates are written in {len(shapes)} ways ({_examples(list(shapes.values()))})"
                              f"{some}; write them one way to have them read as dates.")
        return out
    for kind, pattern in (("date", _DATE_PY), ("number", _NUMBER_PY)):
        if sum(1 for v in sample if pattern.match(v)) >= MOSTLY * len(sample):
            try:
                _convert(name, col, decimal_hint, kind, point=point)
            except TypeRefused as e:
                # a few values keep it text; phone numbers and versions fail throughout: text, nothing to say
                if e.failing is None or e.failing <= (1 - MOSTLY) * e.total:
                    _kept_said(out, name, e.said or str(e))
                    if kind == "number" and e.unreadable is not None:
                        # kept: choosing Number reads them as gaps, which the id advice points to (nodes.dataset)
                        out.details["unreadable"] = e.failing
            return out
    return out


def _kept_said(out: Converted, name: str, why: str) -> None:
    """`out`'s notice says the column was kept as text and `why`, naming the column once: after
    the gap markers its notice may say already ("temp_c: 'n/a' (1) read as missing; kept as
    text: …"); it named the column three times (a tester)."""
    head = f"{name}: "
    if out.notice and out.notice.startswith(head):
        out.notice = f"{out.notice.rstrip('.')}; kept as text: {why}"
    else:
        out.notice = f"{out.notice} {head}kept as text: {why}" if out.notice else f"{head}kept as text: {why}"


YEAR_AND_MONTH = "a year and a month"


def date_shape(v: str) -> str | None:
    """How a (trimmed) value is written as a date: year first (ISO 8601), with numbers
    (27.11.2024, 11/27/2024), with a month's name, or a year and a month (2014-03, no
    day); None when it does not look like one."""
    month = _YEAR_MONTH_PY.match(v)
    return ("year first" if _ISO_PY.fullmatch(v) else "numbers" if _DATE_PY.match(v) else
            YEAR_AND_MONTH if (named := _NAMED_PY.match(v)) and named.group("mon3") else
            "month names" if named else
            YEAR_AND_MONTH if month and 1 <= int(month.group("m")) <= 12 else None)


def date_shapes(sample: list) -> dict:
    """{shape: its first value} when every value of `sample` looks like a date; else {}."""
    shapes: dict = {}
    for v in sample:
        shape = date_shape(v)
        if shape is None:
            return {}
        shapes.setdefault(shape, v)
    return shapes


def _convert(name: str, col, decimal_hint: str, forced: str | None, chosen: bool = False,
             point: SettledBy | None = None, dash_zero: bool = False) -> Converted:
    """`forced`: the type to read the column as, refused when it does not fit; `chosen`: the user
    chose it, and Number then reads a few values that are no number as gaps (`_numbers_or_gaps`);
    `point`: whether the file settles a decimal point (convert); `dash_zero`: its accounting zeros
    were read as 0 (_accounting_zeros), which the numbers' notice says."""
    if not forced and not _could_convert(col):
        return _kept_as_text(name, col, decimal_hint, point)
    trimmed = pc.utf8_trim(col, " \t" + _SPACE)
    blank = pc.equal(trimmed, "")
    symbol = pc.is_in(trimmed, value_set=pa.array(MISSING_SYMBOLS + MISSING_WORDS[1:]))
    gap = pc.fill_null(pc.or_(blank, symbol), False)
    keep = pc.and_(pc.invert(gap), trimmed.is_valid())  # the values to read: neither missing nor a gap marker
    values = trimmed.filter(keep)
    n_symbols = _count(pc.fill_null(pc.and_(symbol, pc.invert(blank)), False))
    if len(values) == 0:
        if forced:
            raise TypeRefused(f"{_quoted(name)} has no values to read as {FORCED_TYPES[forced]}.")
        if not n_symbols:
            return Converted(col, "text")
        if pc.any(pc.is_in(trimmed, value_set=pa.array(TEXT_VALUE_WORDS))).as_py():
            return _text_gaps(name, col)  # 'None' with no number or date beside it: a level (text_gaps), no gap
        markers = _marker_counts(trimmed, symbol)
        return Converted(pa.nulls(len(col), pa.float64()), "missing",
                         f"{name}: every value is a gap marker ({markers}); the column is empty.")
    sample = values.slice(0, SAMPLE).to_pylist()
    # dates first: 27.11.2024 also looks like a number with dots
    if (not forced or forced == "date") and all(_NAMED_PY.match(v) for v in sample):
        out = _named_dates(name, col, keep, values)
        if out is not None:
            out.details["name"] = name
            return _with_gaps(out, trimmed, symbol, blank, n_symbols)
    if (not forced or forced == "date") and all(_YEAR_MONTH_PY.match(v) for v in sample):
        out = _year_months(name, col, keep, values, bool(forced))
        if out is not None:
            out.details["name"] = name
            return _with_gaps(out, trimmed, symbol, blank, n_symbols)
    if forced and forced.startswith("date") and all(_ISO_PY.match(v) for v in sample):
        return _with_gaps(_iso_dates(name, values, keep), trimmed, symbol, blank, n_symbols)
    wants_date = (forced or "").startswith("date") or (not forced and all(_DATE_PY.match(v) for v in sample))
    if wants_date:
        order = {"date_dayfirst": "day", "date_monthfirst": "month"}.get(forced or "")
        out = _dates(name, col, trimmed, keep, values, order, bool(forced))
        if out is not None:
            out.details["name"] = name
            return _with_gaps(out, trimmed, symbol, blank, n_symbols)
    # infinities among numbers ('Inf', '-Inf') are numbers, as pyarrow reads them in a comma-separated file
    endless = pc.fill_null(pc.match_substring_regex(trimmed, INFINITY), False)
    keep_finite = pc.and_(keep, pc.invert(endless)) if _count(endless) else keep
    finite = trimmed.filter(keep_finite) if _count(endless) else values
    wants_number = forced == "number" or (not forced and all(_NUMBER_PY.match(v) for v in
                                                             finite.slice(0, SAMPLE).to_pylist()))
    if wants_number:
        if not len(finite):
            out = Converted(pa.nulls(len(col), pa.float64()), "number")
        elif chosen and forced == "number":
            out = _numbers_or_gaps(name, col, trimmed, keep_finite, finite, decimal_hint, point, dash_zero)
        else:
            out = _numbers(name, col, trimmed, keep_finite, finite, decimal_hint, forced == "number", point,
                           dash_zero)
        if out is not None and out.kind == "number" and finite is not values:
            out.array = _with_infinities(out.array, trimmed, endless)
        if out is not None:
            out.details["name"] = name
            # (a column kept as text by its commas has its text gaps read and said already)
            return out if out.details.get("comma_not_decimal") else _with_gaps(out, trimmed, symbol, blank, n_symbols)
    if not forced and _BOOL_VALUES.issuperset(v.lower() for v in sample) and len(sample):
        out = _booleans(name, values, trimmed, keep)
        if out is not None:
            out.details["name"] = name
            return _with_gaps(out, trimmed, symbol, blank, n_symbols)
    return _kept_as_text(name, col, decimal_hint, point) if not forced else _text_gaps(name, col)


def _with_infinities(array, trimmed, endless):
    """A column read as numbers with its infinities (`endless`: the cells written 'Inf', '-Inf' …) put back."""
    array = pc.cast(array, pa.float64())
    negative = pc.starts_with(trimmed, "-")
    infinity = pc.if_else(negative, pa.scalar(-np.inf), pa.scalar(np.inf))
    return pc.if_else(endless, infinity, array)


def infinities_as_missing(name: str, col) -> Converted | None:
    """A dataset's number column holding infinities ('Inf', '-Inf' as R writes them, 'inf', or a
    number too large to hold, 1e400): those cells read as missing, said with how many of each
    sign; None when it holds none. No estimator takes an infinite number (a run failed with
    scikit-learn's "Input X contains infinity"); rows to score keep them, which the model's rule
    refuses in every exit (playground_runtime)."""
    col = col if isinstance(col, pa.ChunkedArray) else pa.chunked_array([col])
    if not pa.types.is_floating(col.type):
        return None
    endless = pc.fill_null(pc.is_inf(col), False)
    n = _count(endless)
    if not n:
        return None
    above = _count(pc.and_(endless, pc.fill_null(pc.greater(col, 0), False)))
    signs = ", ".join(f"{k:,} {label}" for label, k in (("Inf", above), ("-Inf", n - above)) if k)
    return Converted(pc.if_else(endless, pa.scalar(None, col.type), col), "number",
                     f"{name}: {n:,} infinite value{'s' if n != 1 else ''} ({signs}) read as missing: no model takes "
                     "an infinite number.")


def _with_gaps(out: Converted, trimmed, symbol, blank, n_symbols: int) -> Converted:
    if n_symbols:
        markers = _marker_counts(trimmed, symbol)
        base = out.notice or f"{out.details.get('name', '')}: read as {_KIND_WORDS[out.kind]}."
        out.notice = base.rstrip(".") + f"; {markers} read as missing."
        out.details["gap_markers"] = n_symbols
        dashes = _count(pc.fill_null(pc.equal(trimmed, "-"), False)) if out.kind == "number" else 0
        if dashes:  # (a model whose training file wrote 0 as '-' warns of them where it scores the table: nodes.predict)
            out.details["dash_gaps"] = dashes
    return out


def _marker_counts(trimmed, symbol) -> str:
    found = pc.value_counts(trimmed.filter(pc.fill_null(symbol, False))).to_pylist()
    return gaps_said([(d["values"], d["counts"]) for d in found])


# --------------------------------------------------------------------------- numbers
def _evidence(num, pattern: str) -> bool:
    return bool(pc.any(pc.match_substring_regex(num, pattern)).as_py())


def _decimal_separator(num, hint: str, before_exponent=None) -> str | None:
    """'.' or ',' as the decimal separator of the whole column (None: the column mixes
    the two styles). A separator followed by other than three digits, standing after the
    other one, or before an exponent (`before_exponent`: the digits of the values written
    with one), is the decimal one; one that repeats in a value, or stands before the other,
    separates thousands."""
    # (the patterns are playground_runtime's, which reads the columns of rows to score by them: column_decimal)
    says_dot = any(_evidence(num, p) for p in DECIMAL_SHOWN["."]) or (
        before_exponent is not None and _evidence(before_exponent, r"\."))
    says_comma = any(_evidence(num, p) for p in DECIMAL_SHOWN[","]) or (
        before_exponent is not None and _evidence(before_exponent, ","))
    if says_dot and says_comma:
        return None
    return "." if says_dot else "," if says_comma else hint


def _numbers(name, col, trimmed, keep, values, hint: str, forced: bool,
             point: SettledBy | None = None, dash_zero: bool = False) -> Converted | None:
    parts = pc.extract_regex(values, NUMBER)
    matched = parts.is_valid()
    if not pc.all(matched).as_py():
        if forced:
            bad = values.filter(pc.invert(matched))
            raise _refusal(name, "numbers", len(bad), len(values), bad.to_pylist(), unreadable=pc.unique(bad))
        return None
    fields = {k: pc.struct_field(parts, k) for k in ("pre_out", "open", "sign", "pre", "sign2", "num", "exp", "post",
                                                     "trail", "close", "post_out")}
    num = pc.replace_substring_regex(fields["num"], f"['’{_SPACE}]", "")
    spaced = _evidence(fields["num"], f"['’{_SPACE}]")
    if forced:  # digits no decimal separator reads ('1.2.3', '12..5'; playground_runtime.no_decimal_reads): no
        # number whichever the column's separator, so Number chosen reads them as gaps (_numbers_or_gaps), where
        # the column was refused as mixing 1.234,5 and 1,234.5 for one typo
        readable = pc.or_(*(pc.match_substring_regex(fields["num"], grouped_number(d)) for d in ".,"))
        if not pc.all(readable).as_py():
            bad = values.filter(pc.invert(readable))
            raise _refusal(name, "numbers", len(bad), len(values), bad.to_pylist(), unreadable=pc.unique(bad))
    exp = pc.fill_null(fields["exp"], "")
    with_exp = pc.not_equal(exp, "")
    n_exp = _count(with_exp)
    # a separator before an exponent is a decimal one (1,234e-05, as R's write.csv2 writes 0.00001234); the
    # column's own word ('?': it says neither, 1,234) and, when it says neither, the file's convention (`hint`)
    says = _decimal_separator(num, "?", num.filter(with_exp) if n_exp else None)
    # a comma between digits alone ('4,6', sources 4 and 6) in a file settling a decimal point is no decimal comma;
    # one a '.' between thousands, a space, a currency or a percent sign goes with ('1.234,50 €') is one
    settled = point() if says == "," and point is not None and pc.all(
        pc.match_substring_regex(values, "^[-+\u2212]?[0-9]+(,[0-9]+)*$")).as_py() else None
    if settled is not None:
        return _comma_not_decimal(name, col, values, num, settled, forced)
    decimal = hint if says == "?" else says
    if decimal is None:
        if forced:
            raise TypeRefused(f"{_quoted(name)} mixes 1.234,5 and 1,234.5: it cannot be read as numbers with one "
                              "decimal separator.")
        return None  # 1.2.3, or two styles of numbers: text
    thousands = "," if decimal == "." else "."
    grouped = rf"^([0-9]{{1,3}}(\{thousands}[0-9]{{3}})+|[0-9]+)(\{decimal}[0-9]+)?$|^\{decimal}[0-9]+$"
    ok = pc.match_substring_regex(num, grouped)
    raw_groups = pc.match_substring_regex(fields["num"], grouped_number(decimal))
    ok = pc.and_(ok, raw_groups)
    if n_exp:  # an exponent after ungrouped digits only, without a currency or a percent sign
        marks = pc.binary_join_element_wise(*(fields[k] for k in ("pre_out", "pre", "post", "post_out", "open")), "")
        plain_exp = pc.and_(pc.match_substring_regex(fields["num"], exponent_fits(decimal)), pc.equal(marks, ""))
        ok = pc.and_(ok, pc.or_(pc.invert(with_exp), plain_exp))
    # an opening bracket without its closing one, or a currency both outside and inside them: not an amount
    paired = pc.equal(pc.equal(fields["open"], "("), pc.equal(fields["close"], ")"))
    one_currency = pc.invert(pc.or_(pc.and_(pc.not_equal(fields["pre_out"], ""), pc.not_equal(fields["pre"], "")),
                                    pc.and_(pc.not_equal(fields["post_out"], ""), pc.not_equal(fields["post"], ""))))
    ok = pc.and_(ok, pc.and_(paired, one_currency))
    # a '-' after every value, each a whole number, is the open end of a range ('1935-', '50-': from 1935,
    # 50 and over; aod's cohorts), not a sign: an accounting export's negatives carry their cents (1.234,00-)
    # and stand among positives
    # ... and one after some whole numbers, where no value shows cents or thousands, is as often a grade
    # ('2-' among 1, 3, 2+ in a German school's marks) or an open end ('65-' among ages): kept as text, said
    n_trail = _count(pc.equal(fields["trail"], "-"))
    if not forced and n_trail and not _evidence(num, "[.,]"):
        if n_trail == len(values):
            return None
        first = values.filter(pc.equal(fields["trail"], "-"))[0].as_py()
        return Converted(col, "text", f"{name}: kept as text: {_quoted(first)} has a minus after it, and no value shows "
                                      "cents or thousands (a grade such as '2-', or an open end such as '65-', as "
                                      "often as a ledger's minus); set its type to Number to read a minus after a "
                                      "number as a minus.")
    leading_zero = pc.match_substring_regex(num, r"^0[0-9]")  # 007, 01067: codes, not numbers
    if not forced:
        ok = pc.and_(ok, pc.invert(leading_zero))
    if not pc.all(ok).as_py():
        bad = values.filter(pc.invert(ok))
        if forced:
            raise _refusal(name, "numbers", len(bad), len(values), bad.to_pylist(), unreadable=pc.unique(bad))
        return None
    currencies = {v for f in ("pre_out", "pre", "post", "post_out") for v in pc.unique(fields[f]).to_pylist() if v and v != "%"}
    percent = pc.equal(fields["post"], "%")
    n_percent = _count(percent)
    if len({CURRENCIES[c] + c for c in currencies}) > 1 and len({CURRENCIES[c] for c in currencies}) > 1:
        if forced:
            raise TypeRefused(f"{_quoted(name)} holds amounts in several currencies ({', '.join(sorted(currencies))}): "
                              "they cannot be one column of numbers.")
        return Converted(col, "text", f"{name}: kept as text: it holds amounts in several currencies "
                                      f"({', '.join(sorted(currencies))}).")
    has_thousands = _evidence(num, re.escape(thousands))
    clean = pc.replace_substring(num, thousands, "")
    if decimal == ",":
        clean = pc.replace_substring(clean, ",", ".")
    # a percentage is read with its exponent ('23.6e-2'), not divided by 100: the division
    # rounds twice (23.6 / 100 = 0.23600000000000002), the parse once, to the fraction written
    if n_exp:
        clean = pc.binary_join_element_wise(clean, exp, "")
    number = pc.cast(pc.binary_join_element_wise(clean, "e-2", "") if n_percent else clean, pa.float64())
    # a ledger's negatives: in brackets, (1,234.50), or with a minus after them, 1.234,56- (playground_runtime.negatives_said)
    bracketed = pc.and_(pc.equal(fields["open"], "("), pc.equal(fields["close"], ")"))
    trailing = pc.equal(fields["trail"], "-")
    negative = pc.or_(pc.or_(pc.is_in(fields["sign"], value_set=pa.array(["-", "\u2212"])),
                             pc.is_in(fields["sign2"], value_set=pa.array(["-", "\u2212"]))),
                      pc.or_(trailing, bracketed))
    number = pc.if_else(negative, pc.negate(number), number)
    if n_percent:
        if n_percent != len(values):
            plain = pc.invert(percent)
            others = clean.filter(plain)
            if not pc.all(pc.match_substring_regex(others, r"^0+(\.0+)?$")).as_py():
                if forced:
                    raise TypeRefused(f"{_quoted(name)} mixes percentages with plain numbers: say which it is by "
                                      "writing every value the same way.")
                return Converted(col, "text", f"{name}: kept as text: some values are percentages and some are "
                                              "not.")
    integral = not n_percent and not n_exp and not _evidence(clean, r"\.")  # 1e+05 is a double, as pyarrow reads it
    if integral and pc.all(pc.less(pc.abs(number), 2.0**53)).as_py():
        number = pc.cast(number, pa.int64())
    elif integral:  # past 2**53 a float loses digits: whole numbers are read from their digits
        try:
            exact = pc.cast(clean, pa.int64())
        except pa.ArrowInvalid:  # past 64 bits: an id or a code, not a quantity
            if not forced:
                return too_long_integers(name, col, clean.to_pylist())
        else:
            number = pc.if_else(negative, pc.negate(exact), exact)
    array = _scatter(number, keep)
    # the example shows a value that was read differently from a plain number (an audit: "',' between
    # thousands: '406.07' → 406.07", the first value, which had none)
    written = pc.match_substring_regex(values, r"[^0-9.+\-eE ]").to_numpy(zero_copy_only=False)
    # ... and a negative written as a ledger writes it, where there is one: the reading least like a plain
    # number's ('(1,234.50)' → -1234.5; an audit: "negatives in brackets: '12,324.27' → 12324.27")
    n_bracketed, n_trailing = _count(bracketed), _count(trailing)
    if n_bracketed or n_trailing:
        written = pc.or_(bracketed, trailing).to_numpy(zero_copy_only=False)
    first = int(written.argmax()) if written.any() else 0
    example = values[first].as_py()
    shown = number_said(number[first].as_py())
    what = []
    if has_thousands:
        what.append(f"{_quoted(thousands)} between thousands")
    if spaced:
        what.append("spaces or apostrophes between thousands")
    if decimal == "," and _evidence(clean, r"\."):
        what.insert(0, "decimal comma")
    elif decimal == "." and says == "?" and _evidence(num, r"\."):
        # every dot before three digits (1.250, 0.750): the point is the file's word, not the column's (a ';'
        # export's 1.250 is as often 1250): said, and kept as how the column was written, so that rows to
        # score written alike are read alike (predict.py refused the training file itself: a new user)
        what.insert(0, POINT_BY_FILE)
    if currencies:
        what.append(", ".join(sorted({CURRENCIES[c] for c in currencies})) + " amounts")
    if n_percent:
        what.append("percentages as fractions")
    if n_bracketed or n_trailing:
        what.append(negatives_said(bool(n_bracketed), bool(n_trailing)))
    if dash_zero:
        what.append(ACCOUNTING_ZERO_SAID)
        if what == [ACCOUNTING_ZERO_SAID]:  # the dash the only value read otherwise than plainly: it is the example
            example, shown = "-", "0"  # (its cells were '0' by now: _accounting_zeros)
    how = f" ({'; '.join(what)})" if what else ""
    notice = f"{name}: read as numbers{how}: {_quoted(example)} → {shown}."
    if not what and not forced:
        notice = None  # nothing was read differently from a plain number: no notice
    # a comma its values leave open (1,234 read by the file's convention): rows to score are refused it where
    # training wrote a decimal point and the file does not settle it (playground_runtime.comma_unsettled)
    open_comma = says == "?" and _evidence(num, ",")
    return Converted(array, "number", notice, {"decimal": decimal, "currency": sorted(currencies),
                                               "percent": bool(n_percent), **({"comma_open": True} if open_comma else {}),
                                               **({"dash_zero": True} if dash_zero else {})})


@dataclass(frozen=True)
class PointSettled:
    """A comma-separated file's column whose numbers show a decimal point, and one of them
    (`point_settled`): the file writes its decimals so, and a comma is never a decimal one."""

    column: str
    example: str

    def said(self) -> str:
        return f"this comma-separated file writes its decimals with a point ({self.column}: {self.example})"


def point_settled(names: list, columns: list, delimiter: str | None) -> PointSettled | None:
    """In a comma-separated file, the first column whose numbers show a decimal point: one read
    as numbers holding a fraction (written bare, a number there has no comma, which would split
    the field) or a text column whose numbers show one (columns_decimal). A comma between digits
    alone in a quoted value of such a file is no decimal comma: DAAG's hotspots writes sources "4,6" (4 and 6)
    beside ages of 0.375, and 4,6 was read as 4.6. None in other files, or when no column shows
    a point (a file that quotes "1,5" and writes no decimal point may write decimal commas)."""
    if delimiter != ",":
        return None
    for name, col in zip(names, columns):
        col = col if isinstance(col, pa.ChunkedArray) else pa.chunked_array([col])
        if pa.types.is_floating(col.type):
            fraction = pc.and_(pc.is_finite(col), pc.not_equal(col, pc.floor(col)))
            if pc.any(fraction).as_py():
                return PointSettled(name, number_said(col.filter(fraction)[0].as_py()))
        elif (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)) and columns_decimal([col]) == ["."]:
            head = pc.utf8_trim(_strings(col).slice(0, DECIMAL_SAMPLE).drop_null(), " \t" + _SPACE)
            nums = pc.struct_field(pc.extract_regex(head, NUMBER), "num")
            shows = _any_of(nums, DECIMAL_SHOWN["."])
            return PointSettled(name, _quoted(head.filter(shows)[0].as_py()))
    return None


SettledBy = Callable[[], "PointSettled | None"]


def point_settled_once(names: list, columns: list, delimiter: str | None) -> SettledBy | None:
    """`point_settled` of a file's columns as read, looked for when a column first asks (one
    showing a decimal comma: rare), once; None in a file not separated by commas."""
    if delimiter != ",":
        return None
    return functools.cache(lambda: point_settled(names, columns, delimiter))


def _any_of(texts, patterns):
    """Which of `texts` match one of the regular expressions `patterns`."""
    found = pc.match_substring_regex(texts, patterns[0])
    for p in patterns[1:]:
        found = pc.or_(found, pc.match_substring_regex(texts, p))
    return found


def _comma_not_decimal(name, col, values, num, point: PointSettled, forced: bool) -> Converted:
    """A column of digits and commas alone whose values show a decimal comma ('4,6'), in a file
    that settles a decimal point (`point`): kept as text, said with the values that hold the
    comma; refused when the user chose Number for it."""
    shows = pc.fill_null(_any_of(num, DECIMAL_SHOWN[","]), False)
    if not pc.any(shows).as_py():  # shown only before an exponent (1,5e-05): every value with a comma
        shows = pc.match_substring(num, ",")
    bad = values.filter(shows)
    if forced:
        raise _refusal(name, "numbers", len(bad), len(values), bad.to_pylist(),
                       f"a decimal point, as in {point.column}'s {point.example}: this comma-separated file writes "
                       "its decimals so")
    out = _text_gaps(name, col)
    said = (f"{name}: kept as text: {len(bad):,} of {len(values):,} values hold a comma between digits "
            f"({_examples(bad.to_pylist())}) where {point.said()}: a list or a code, not a decimal comma.")
    return Converted(out.array, "text", f"{said} {out.notice}" if out.notice else said, {"comma_not_decimal": True})


LONGEST_INTEGER = 2**63 - 1  # what a 64-bit integer holds; a float holds every whole number only to 2**53


def too_long_integers(name: str, col, texts: list) -> Converted | None:
    """A column of whole numbers written as digits (`texts`, its values gaps aside) of
    which one does not fit a 64-bit integer: kept as text, said (12345678901234567890 read
    as a float became 12345678901234567168: a new user's audit). None when a value is not
    written as a whole number, or each fits."""
    digits = re.compile(r"[-+\u2212]?[0-9]+")
    if not texts or not all(digits.fullmatch(v) for v in texts):
        return None
    long = next((v for v in texts if len(v) >= 19 and abs(int(v.replace("\u2212", "-"))) > LONGEST_INTEGER), None)
    if long is None:
        return None
    as_float = f"{int(float(long.replace(chr(0x2212), '-'))):d}"
    out = _text_gaps(name, _strings(col))
    said = (f"{name}: kept as text: its whole numbers are too long to be numbers ({_quoted(long)} has "
            f"{len(long.lstrip('+-' + chr(0x2212)))} digits and would become {as_float}): an id or a code, most likely.")
    out.notice = f"{said} {out.notice}" if out.notice else said
    return out


def _scatter(converted, keep):
    """The values read (one per kept row) back in their rows; every other row missing."""
    flat = converted.combine_chunks() if isinstance(converted, pa.ChunkedArray) else converted
    keep = keep.combine_chunks() if isinstance(keep, pa.ChunkedArray) else keep
    positions = pc.subtract(pc.cumulative_sum(pc.cast(keep, pa.int64())), 1)
    return pc.take(flat, pc.if_else(keep, positions, pa.scalar(None, pa.int64())))


# --------------------------------------------------------------------------- dates
def _dates(name, col, trimmed, keep, values, order: str | None, forced: bool) -> Converted | None:
    sep = next((s for s in "./-" if values[0].as_py() and s in values[0].as_py()[:3]), None)
    parts = pc.extract_regex(values, DATE_RE2[sep]) if sep else None
    if parts is None or not pc.all(parts.is_valid()).as_py():
        if forced:
            bad = values if parts is None else values.filter(pc.invert(parts.is_valid()))
            raise _refusal(name, "dates", len(bad), len(values), bad.to_pylist(),
                           "dates written year first (2024-12-31), with numbers (31.12.2024, 31/12/2024, "
                           "12/31/2024) or with a month's name (31 Dec 2024, Dec 31, 2024, 31DEC2024)")
        return None
    a = pc.cast(pc.struct_field(parts, "a"), pa.int32())
    b = pc.cast(pc.struct_field(parts, "b"), pa.int32())
    a_max, b_max = pc.max(a).as_py(), pc.max(b).as_py()
    example = values[0].as_py()
    if order is None:
        if a_max > 12 and b_max <= 12:
            order = "day"
        elif b_max > 12 and a_max <= 12:
            order = "month"
        elif a_max <= 12 and b_max <= 12 and sep == ".":
            order = "day"  # dotted dates are day first wherever they are written
        elif a_max <= 12 and b_max <= 12:
            return Converted(col, "text", f"{name}: kept as text: its dates could be day first or month first "
                                          f"({_quoted(example)}); set its type to a date, day first or month first.")
        else:
            return None
    day, month = (a, b) if order == "day" else (b, a)
    y = pc.struct_field(parts, "y")
    year, two = _two_digit_years(pc.cast(y, pa.int32()), pc.utf8_length(y))
    century = f"; {two_digit_years_said()}" if two else ""

    def part(k):
        v = pc.struct_field(parts, k)
        return pc.cast(pc.if_else(pc.equal(v, ""), "0", v), pa.int32())

    marks = pc.struct_field(parts, "P").to_pylist()  # '3:04 PM': a 12-hour clock (twelve_hour)
    hour = pa.array(twelve_hour(part("H").to_numpy(zero_copy_only=False), marks), pa.int32())
    stamp = _stamp(year, month, day, hour, part("M"), part("S"))
    valid = stamp.is_valid()
    if not pc.all(valid).as_py():
        bad = values.filter(pc.invert(valid))
        if forced:
            raise _refusal(name, f"dates ({order} first)", len(bad), len(values), bad.to_pylist())
        return Converted(col, "text", f"{name}: kept as text: it looks like dates, {order} first, but "
                                      f"{len(bad):,} value(s) are not real dates ({_examples(bad.to_pylist())}).")
    array = _scatter(stamp, keep)
    shown = stamp[0].as_py()
    shown = shown.strftime("%Y-%m-%d %H:%M" if (shown.hour or shown.minute) else "%Y-%m-%d")
    # the first value no date in the other order (its day past 12), which shows this one: what rows to
    # score read so are said with (playground_runtime.DATES_READ)
    shows = pc.index(pc.fill_null(pc.greater(day, 12), False), True).as_py()
    return Converted(array, "date", f"{name}: read as dates, {order} first{century}: {_quoted(example)} → {shown}.",
                     {"order": order, "example": example, "shows": values[shows].as_py() if shows >= 0 else None})


_ISO_PY = re.compile(ISO_DATE)
_PLAIN_PY = PLAIN_NUMBER  # a number as a program writes it (45291, 45292.5): what a day number looks like


def _iso_dates(name, values, keep) -> Converted:
    """A column the user typed as dates that is written year first (2024-01-31)."""
    try:
        stamp = pc.cast(values, pa.timestamp("us"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        ok = pc.match_substring_regex(values, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?$")
        bad = values.filter(pc.invert(ok)).to_pylist() or values.to_pylist()
        raise _refusal(name, "dates", max(1, len(bad)), len(values), bad, "year-month-day") from None
    return Converted(_scatter(stamp, keep), "date", None, {"name": name})


# an offset that moves a time: +02:00, -0500 (not Z, +00:00), at the end of an ISO 8601 timestamp, or
# Google Forms' GMT+1, GMT-5, GMT+5:30 (not GMT alone, GMT+0: playground_runtime.FORMS_TIME)
_OFFSET = r"(?:[0-9](?P<offset>[+-](?:0[0-9]|1[0-9]|2[0-3]):?[0-5][0-9])| (?P<gmt>GMT[+-][0-9]{1,2}(?::[0-5][0-9])?))$"
_NO_OFFSET = ("+00:00", "-00:00", "+0000", "-0000")
_NO_GMT_OFFSET = r"^GMT[+-]0{1,2}(:00)?$"


def offset_notice(name: str, text, stamps) -> str | None:
    """What the reader says of a column of ISO 8601 times it read in UTC (pyarrow's parse
    and plugins.tables.parse_iso_dates both do, as scoring does): the offsets that moved
    them, and the first such time with its UTC reading (`stamps`: the parsed times, row for
    row with `text`), or None when no value carries an offset that moves it (Z, +00:00)."""
    text = pc.utf8_trim(_strings(text), " \t" + _SPACE)
    parts = pc.extract_regex(text, _OFFSET)
    gmt = pc.struct_field(parts, "gmt")
    offset = pc.if_else(pc.equal(gmt, ""), pc.struct_field(parts, "offset"), gmt)
    still = pc.or_(pc.is_in(offset, value_set=pa.array(_NO_OFFSET)), pc.match_substring_regex(offset, _NO_GMT_OFFSET))
    moving = pc.fill_null(pc.and_(offset.is_valid(), pc.invert(still)), False)
    if not pc.any(moving).as_py():
        return None
    offsets = pc.unique(offset.filter(moving)).to_pylist()
    first = pc.index(moving, True).as_py()
    shown = stamps[first].as_py().astimezone(datetime.UTC)
    listed = ", ".join(offsets[:4]) + (", …" if len(offsets) > 4 else "")
    return (f"{name}: times with a UTC offset ({listed}) read in UTC: {_quoted(text[first].as_py())} → "
            f"{shown:%Y-%m-%d %H:%M}; date parts are taken in UTC.")


def _two_digit_years(year, digits):
    """Two-digit years in the century that puts them no later than next year (63 is 1963)."""
    pivot = two_digit_pivot()
    two = pc.equal(digits, 2)
    return pc.if_else(two, pc.if_else(pc.less_equal(year, pivot), pc.add(year, 2000), pc.add(year, 1900)), year), \
        bool(pc.any(two).as_py())


def _stamp(year, month, day, hour=None, minute=None, second=None):
    """Timestamps from whole-number columns; None where the date does not exist (31.02.)."""
    def pad(x):
        return pc.utf8_lpad(pc.cast(x, pa.string()), 2, "0")

    iso = pc.binary_join_element_wise(pc.cast(year, pa.string()), pad(month), pad(day), "-")
    clock = pc.binary_join_element_wise(*(pad(x) if x is not None else pa.scalar("00") for x in (hour, minute, second)),
                                        ":")
    stamp = pc.strptime(pc.binary_join_element_wise(iso, clock, " "), format="%Y-%m-%d %H:%M:%S", unit="s",
                        error_is_null=True)
    real = pc.and_(pc.equal(pc.fill_null(pc.month(stamp), 0), month), pc.equal(pc.fill_null(pc.day(stamp), 0), day))
    return pc.if_else(real, stamp, pa.scalar(None, stamp.type))


def _named_dates(name, col, keep, values) -> Converted | None:
    parts = pc.extract_regex(values, NAMED_DATES)
    if not pc.all(parts.is_valid()).as_py():
        return None

    def either(*names):
        out = pc.struct_field(parts, names[-1])
        for other in reversed(names[:-1]):
            x = pc.struct_field(parts, other)
            out = pc.if_else(pc.equal(x, ""), out, x)
        return out

    no_day = month_only(pc.not_equal(pc.struct_field(parts, "mon3"), "").to_numpy(zero_copy_only=False))
    if no_day is None:  # Jan 2020 beside Jan 5 2020: kept as text, its dates written two ways (_kept_as_text)
        return None
    mon = pc.utf8_slice_codeunits(pc.utf8_lower(either("mon", "mon2", "mon3")), 0, 3)
    month = pc.add(pc.cast(pc.index_in(mon, value_set=pa.array(MONTHS)), pa.int32()), 1)
    day = pa.scalar(1, pa.int32()) if no_day else pc.cast(either("d1", "d2"), pa.int32())
    digits = either("y1", "y2", "y3")
    year, two = _two_digit_years(pc.cast(digits, pa.int32()), pc.utf8_length(digits))
    stamp = _stamp(year, month, day)
    if not pc.all(stamp.is_valid()).as_py():
        bad = values.filter(pc.invert(stamp.is_valid()))
        return Converted(col, "text", f"{name}: kept as text: it looks like dates but {len(bad):,} value(s) are not "
                                      f"real dates ({_examples(bad.to_pylist())}).")
    return Converted(_scatter(stamp, keep), "date",
                     named_dates_said(name, values[0].as_py(), stamp[0].as_py(), two, no_day))


def _year_months(name, col, keep, values, forced: bool) -> Converted | None:
    """2014-03 as 2014-03-01: every value a year and a month (01-12) written one way. None
    (text) when one is not, or when each month is the year's next two digits (2013-14,
    2014-15: seasons, not months); codes such as 2014-13 stay text."""
    parts = pc.extract_regex(values, YEAR_MONTH)
    if not pc.all(parts.is_valid()).as_py() or len(pc.unique(pc.struct_field(parts, "sep"))) > 1:
        return None
    year = pc.cast(pc.struct_field(parts, "y"), pa.int32())
    month = pc.cast(pc.struct_field(parts, "m"), pa.int32())
    real = pc.and_(pc.greater_equal(month, 1), pc.less_equal(month, 12))
    if not pc.all(real).as_py():
        if forced:
            bad = values.filter(pc.invert(real))
            raise _refusal(name, "dates (year-month)", len(bad), len(values), bad.to_pylist())
        return None
    after = pc.add(year, 1)
    next_two = pc.subtract(after, pc.multiply(pc.divide(after, 100), 100))  # the next year's last two digits
    if not forced and pc.all(pc.equal(month, next_two)).as_py():
        return None
    stamp = _stamp(year, month, pa.scalar(1, pa.int32()))
    shown = stamp[0].as_py().strftime("%Y-%m-%d")
    return Converted(_scatter(stamp, keep), "date",
                     f"{name}: read as dates (a year and a month, each read as the month's first day): "
                     f"{_quoted(values[0].as_py())} → {shown}.")


# --------------------------------------------------------------------------- booleans, text
_BOOL_VALUES = {"true", "false"}


def _booleans(name, values, trimmed, keep) -> Converted | None:
    truth = pc.equal(pc.utf8_lower(values), "true")
    array = _scatter(truth, keep)
    return Converted(array, "bool", None)


def _text_gaps(name, col) -> Converted:
    """A text column: words and symbols people put in an empty cell count as missing (the
    symbols when no other value is bare punctuation: a column of + and - keeps both; a word
    of TEXT_VALUE_WORDS, "None", only when the other values are dates or numbers written
    as text: among words it is a level)."""
    markers = pa.array(TEXT_MISSING_SYMBOLS + _TEXT_MISSING_WORDS + TEXT_VALUE_WORDS)
    if not pc.any(pc.is_in(col, value_set=markers)).as_py() and not pc.any(pc.utf8_is_space(col)).as_py() and \
            not pc.any(pc.is_in(pc.utf8_trim(col.slice(0, SAMPLE * 4), " \t" + _SPACE), value_set=markers)).as_py():
        return Converted(col, "text")  # the usual case, found by a pass or two over the column (a cell of spaces: a gap)
    trimmed = pc.utf8_trim(col, " \t" + _SPACE)
    distinct = pc.unique(col)  # the one rule (predict.py's too), on the distinct values: as fast as one pass
    gaps = distinct.filter(pa.array(text_gaps(distinct.to_pandas()).to_numpy(), pa.bool_()))
    symbol = pc.fill_null(pc.is_in(col, value_set=gaps), False)
    if not _count(symbol):
        return Converted(col, "text")
    markers = _marker_counts(trimmed, symbol)
    out = pc.if_else(symbol, pa.scalar(None, pa.string()), col)
    return Converted(out, "text", f"{name}: {markers} read as missing.")


def _as_text(name, col, forced: str) -> Converted:
    return Converted(col, "text" if forced == "text" else "category", None)


def _refusal(name: str, what: str, n_bad: int, n: int, bad: list, hint: str = "", unreadable=None) -> TypeRefused:
    how = f" (expected {hint})" if hint else ""
    said = f"{n_bad:,} of {n:,} values cannot be read as {what}{how}, e.g. {_examples(bad)}."
    return TypeRefused(f"In {_quoted(name)}, {said}", n_bad, n, list(dict.fromkeys(bad))[:3], unreadable, said)


# Number chosen for a column reads its values that are no number as gaps, up to this share of its values (gaps
# aside): past it the column is not numbers with a few unreadable cells, and the choice is refused
UNREADABLE_SHARE = 0.5


def _numbers_or_gaps(name, col, trimmed, keep, values, hint: str, point=None, dash_zero: bool = False) -> Converted:
    """Number as the user chose it for a text column: its values that no number reads ('ERR'
    among temperatures) become gaps, said in a sentence with their count and examples
    (playground_runtime.unreadable_said, the words rows to score are read in too), and kept
    (`details["unreadable"]`: a model reads such values in rows to score as gaps too). Refused,
    naming the bound, when they are more than UNREADABLE_SHARE of its values."""
    n, bad = len(values), pa.array([], pa.string())
    for _ in range(3):  # leaving out values no number reads may show others (a grouping the rest rules out)
        try:
            out = _numbers(name, col, trimmed, keep, values, hint, True, point, dash_zero)
        except TypeRefused as e:
            if e.unreadable is None:
                raise
            bad = pa.concat_arrays([bad, e.unreadable.cast(pa.string())])
            unreadable = pc.fill_null(pc.and_(keep, pc.is_in(trimmed, value_set=bad)), False)
            keep = pc.and_(keep, pc.invert(unreadable))
            values = trimmed.filter(keep)
            if (n - len(values)) > UNREADABLE_SHARE * n:
                raise TypeRefused(
                    f"In {_quoted(name)}, {n - len(values):,} of {n:,} values cannot be read as numbers, e.g. "
                    f"{_examples(bad.to_pylist())}: more than half, so it is not a column of numbers (with half "
                    "or fewer, Number reads them as missing).", n - len(values), n, bad.to_pylist()[:3]) from None
            continue
        if n - len(values):
            out.notice = out.notice or f"{name}: read as numbers."
            out.details["unreadable"] = n - len(values)
            out.details["unreadable_said"] = unreadable_said(name, n - len(values), n, _examples(bad.to_pylist()),
                                                             "as you chose Number")
        return out
    raise _refusal(name, "numbers", n - len(values), n, bad.to_pylist())


# --------------------------------------------------------------------------- forced types of typed columns
def force(name: str, col, kind: str, decimal_hint: str = ".", date_system: str | None = None,
          point: SettledBy | None = None) -> Converted:
    """A type the user chose for a column of any Arrow type: text columns are read with
    `convert`; typed ones are cast (numbers to categories, dates to text ...) or refused.
    Numbers chosen as dates are Excel day numbers (`excel_day_numbers`), counted in
    `date_system`, the one a workbook flags ("1900" or "1904"; None: the file does not say)."""
    col = col if isinstance(col, pa.ChunkedArray) else pa.chunked_array([col])
    t = col.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        if kind.startswith("date"):
            days = _day_numbers_in_text(name, col)
            if days is not None:
                return excel_day_numbers(name, days[0], date_system, days[1])
        return convert(name, col, decimal_hint, kind, point)
    if kind in ("category", "text"):
        if pa.types.is_floating(t):
            whole = pc.fill_null(pc.equal(col, pc.round(col)), True)
            if pc.all(whole).as_py():
                col = pc.cast(pc.cast(col, pa.int64()), pa.string())
                return Converted(col, kind, None)
        if pa.types.is_timestamp(t) or pa.types.is_date(t):
            return Converted(pc.strftime(col, format="%Y-%m-%d"), kind, None)
        return Converted(pc.cast(col, pa.string()), kind, None)
    if kind == "number":
        if pa.types.is_integer(t) or pa.types.is_floating(t):
            return Converted(col, "number", None)
        if pa.types.is_boolean(t):
            return Converted(pc.cast(col, pa.int64()), "number", None)
        raise TypeRefused(f"{_quoted(name)} holds dates: they cannot be read as numbers.")
    if kind.startswith("date"):
        if pa.types.is_timestamp(t) or pa.types.is_date(t):
            return Converted(col, "date", None)
        if pa.types.is_integer(t) or pa.types.is_floating(t):
            return excel_day_numbers(name, col, date_system)
        raise TypeRefused(f"{_quoted(name)} holds {'numbers' if pa.types.is_integer(t) or pa.types.is_floating(t) else t}"
                          ": they cannot be read as dates.")
    raise TypeRefused(f"Unknown type {kind!r}; use one of {', '.join(FORCED_TYPES)}.")


def columns_decimal(columns: list) -> list:
    """The decimal separator each of a file's text columns shows in its first cells: '.', ',',
    None (both), '?' (none, not every cell a number, or every one a date written with dots), as
    playground_runtime.column_decimal says it of a column of rows to score (the same patterns,
    over Arrow arrays)."""
    shown = []
    for col in columns:
        col = _strings(col)
        head = col.slice(0, DECIMAL_SAMPLE).drop_null()
        trimmed = pc.utf8_trim(head, " \t" + _SPACE)
        parts = pc.extract_regex(trimmed, NUMBER)
        if len(head) == 0 or not pc.all(parts.is_valid()).as_py() or pc.all(pc.match_substring_regex(trimmed,
                                                                                                      DATE)).as_py():
            shown.append("?")  # dates written with dots (31.12.2024) show no decimal separator
            continue
        shown.append(_decimal_separator(pc.struct_field(parts, "num"), "?"))
    return shown


# --------------------------------------------------------------------------- Excel day numbers
# a column of whole numbers in this range alone holds years (2023), not day numbers (1905-07-15)
YEARS = (1800, 2200)


def excel_day_numbers(name: str, col, date_system: str | None, dates=None) -> Converted:
    """A number column the user chose Date for, read as Excel day numbers (45291 is 2023-12-31)
    in `date_system` (None: a file that does not say, read in Excel's default, 1900), said with
    two examples. `dates`: {row: timestamp} of the column's dates written as text among the
    numbers (year first), kept. Refused, naming the column and the first value that is no day
    number (negative, past 9999-12-31, Excel's 1900-02-29), or a column of years (2023) or of
    days that all fall in its system's first year (counts, not dates)."""
    system = date_system or "1900"
    why = ("as the workbook says (old Mac workbooks count days from 1904)" if date_system == "1904" else
           "as the workbook says" if date_system else "Excel's default (the file does not say which)")
    col = col if isinstance(col, pa.ChunkedArray) else pa.chunked_array([col])
    days = pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
    given = ~np.isnan(days)
    if dates:
        given[list(dates)] = False
    if not given.any() and not dates:
        raise TypeRefused(f"{_quoted(name)} has no values to read as dates.")
    other = number_date_system(days[given])
    if other:  # 20240105 (yyyymmdd) or 1704467045 (Unix seconds): no Excel day number is that large
        system, why = other, "as its values show"
    wrong = given & excel_day_wrong(days, system)
    if wrong.any():
        at = int(wrong.argmax())
        raise TypeRefused(f"{_quoted(name)} cannot be read as dates: {number_said(days[at])} (data row {at + 1}) is "
                          f"no Excel day number in the {system} date system: {excel_day_problem(float(days[at]), system)}.",
                          int(wrong.sum()), int(given.sum()), [number_said(days[at])])
    values = days[given]
    if other:
        pass
    elif len(values) and (values == values.round()).all() and YEARS[0] <= values.min() and values.max() <= YEARS[1]:
        example = excel_days([values[0]], system)[0]
        raise TypeRefused(f"{_quoted(name)} holds years ({number_said(values.min())} to {number_said(values.max())}), "
                          f"not Excel day numbers ({number_said(values[0])} would be {str(example)[:10]}): keep it a "
                          "number, or write its dates out (2023-12-31) to read them as dates.")
    elif len(values) and values.max() < EXCEL_FIRST_DAY[system] + 366:
        raise TypeRefused(f"{_quoted(name)} does not look like Excel day numbers: read so, every value falls in the "
                          f"first year of the {system} date system ({number_said(values.min())} would be "
                          f"{str(excel_days([values.min()], system)[0])[:10]}, {number_said(values.max())} "
                          f"{str(excel_days([values.max()], system)[0])[:10]}), which counts or amounts would too.")
    stamps = excel_days(days, system)
    for row, stamp in (dates or {}).items():
        stamps[row] = stamp
    rows = np.flatnonzero(given)
    shown = [int(rows[0])] if len(rows) else []
    other = rows[days[rows] != days[rows[0]]] if len(rows) else rows
    shown += [int(other[0])] if len(other) else []
    notice = f"{name}: " + excel_days_said(system, why, [days[i] for i in shown], [stamps[i] for i in shown])
    if dates:
        notice += f"; {len(dates):,} date(s) written as text (year first) among them read as such"
    return Converted(pa.array(stamps, pa.timestamp("us")), "date", notice + ".", {"day_numbers": system})


def _day_numbers_in_text(name: str, col) -> tuple | None:
    """A text column chosen as dates whose values are mostly plain numbers (a CSV's quoted day
    numbers, a sheet column of numbers and dates typed as date cells): (the numbers, {row: the
    date of a value written year first}), or None when they are mostly not numbers (read as
    dates written as text). Refused naming the first value that is neither."""
    text = pc.utf8_trim(_strings(col), " \t" + _SPACE).combine_chunks().to_pylist()
    given = [(i, v) for i, v in enumerate(text) if v is not None and v not in GAPS]
    plain = [(i, v) for i, v in given if _PLAIN_PY.fullmatch(v)]
    if not plain or len(plain) * 2 <= len(given):
        return None
    numbers = [None] * len(text)
    for i, v in plain:
        numbers[i] = float(v)
    dates = {}
    for i, v in given:
        if numbers[i] is not None:
            continue
        if not _ISO_PY.fullmatch(v):
            raise TypeRefused(f"{_quoted(name)} mixes Excel day numbers with text: {_quoted(v)} (data row {i + 1}) is "
                              "neither a day number nor a date written year first (2023-12-31).",
                              len(given) - len(plain), len(given), [v])
        try:
            dates[i] = datetime.datetime.fromisoformat(v)
        except ValueError:
            raise TypeRefused(f"{_quoted(name)} cannot be read as dates: {_quoted(v)} (data row {i + 1}) is no real "
                              "date.", 1, len(given), [v]) from None
    return pa.array(numbers, pa.float64()), dates


def number_date_system(values) -> str | None:
    """How a number column chosen as Date writes its dates when they are no Excel day numbers: "yyyymmdd"
    when every value (gaps aside) is a date written so (20240105), "unix" when every one is a time of
    1973 to 2100 in seconds since 1970 (1704467045: UNIX_DATES); None otherwise (Excel day numbers). Neither is ever
    an Excel day number: the last a workbook counts is 2958465 (9999-12-31)."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if not len(values):
        return None
    if not np.isnat(yyyymmdd_dates(values)).any():
        return YYYYMMDD
    if UNIX_DATES[0] <= values.min() and values.max() < UNIX_DATES[1]:
        return UNIX
    return None


DATE_WORDS = {"date", "datum", "fecha", "data", "dob", "day", "dt", "birthday", "birthdate", "when"}
# a name that says a time (a Unix time in seconds is said as a hint only under one)
TIME_WORDS = DATE_WORDS | {"time", "timestamp", "ts", "created", "updated", "modified", "epoch", "unix", "datetime",
                           "at", "on"}
# a name that says an id or a code: 8 digits there are no dates, whatever they look like
ID_WORDS = {"id", "ids", "no", "nr", "num", "number", "code", "phone", "tel", "fax", "zip", "zipcode", "postal",
            "postcode", "plz", "account", "sku", "ssn", "isbn", "serial", "ref", "ean", "upc", "pin"}
# the years a date written yyyymmdd is said in (20240105, not 10000101 nor 31129999)
HINT_YEARS = (1900, 2100)
# day numbers a date column of our times holds: 1927-05-18 (10000) to 2099-12-31 (73050) in the 1900 system
HINT_DAYS = (10_000, 73_050)


def day_number_hint(name: str, col, date_system: str | None) -> str | None:
    """A number column named as a date ('order_date', 'OrderDate', 'Datum') whose values are
    all plausible Excel day numbers of a date of our times (HINT_DAYS, more than one value):
    the sentence that says how to read it as dates (a date typed in a General cell, or a CSV
    exported from one), with its first and last value as dates. Never read so unchosen: a
    number it stays. None otherwise (any other name, a value out of the range, a column of
    one value)."""
    words = {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", name)}
    col = col if isinstance(col, pa.ChunkedArray) else pa.chunked_array([col])
    if not (pa.types.is_integer(col.type) or pa.types.is_floating(col.type)):
        return None
    span = pc.min_max(col).as_py()
    lo, hi = span["min"], span["max"]
    if lo is None or lo == hi:
        return None
    written = _dates_in_numbers_hint(name, col, words, lo, hi)
    if written:
        return written
    if not words & DATE_WORDS and not re.search(r"_(at|on)$", name, re.I):
        return None
    if lo < HINT_DAYS[0] or hi > HINT_DAYS[1]:
        return None
    system = date_system or "1900"
    first, last = excel_days([lo, hi], system)
    return (f"{_quoted(name)} holds numbers from {number_said(lo)} to {number_said(hi)}: if they are dates "
            f"(a date typed in a General cell), they are Excel day numbers, {str(first)[:10]} to {str(last)[:10]} in "
            f"the {system} date system. Choose Date as its type below to read them so; they stay numbers until then.")


def _dates_in_numbers_hint(name: str, col, words: set, lo, hi) -> str | None:
    """day_number_hint's sentence of a number column whose values are dates written yyyymmdd
    (every value 8 digits, a real date of HINT_YEARS: '20240105', under any name but an id's or a
    code's, ID_WORDS, unless a date word is in it too: 'date_key') or Unix times in seconds (10
    digits, 2000 to 2038, under a name that says a time, TIME_WORDS: 'created', 'timestamp'); None
    otherwise (prices, years, counts, phone numbers, an 'order_id' of 8 digits)."""
    dated = bool(words & DATE_WORDS)
    if HINT_YEARS[0] * 10000 + 101 <= lo and hi <= HINT_YEARS[1] * 10000 + 1231 and (dated or not words & ID_WORDS):
        values = pc.unique(col.drop_null()).to_numpy(zero_copy_only=False).astype(float)
        if not np.isnat(yyyymmdd_dates(values)).any():
            first, last = yyyymmdd_dates([lo, hi])
            return (f"{_quoted(name)} holds numbers from {number_said(lo)} to {number_said(hi)}: "
                    f"{_quoted(number_said(lo))} looks like a date written yyyymmdd ({str(first)[:10]}; the last "
                    f"{str(last)[:10]}). Choose Date as its type below to read them so; they stay numbers until then.")
    if UNIX_HINT[0] <= lo and hi < UNIX_HINT[1] and (words & TIME_WORDS or re.search(r"_(at|on)$", name, re.I)):
        first, last = excel_days([lo, hi], UNIX)
        return (f"{_quoted(name)} holds numbers from {number_said(lo)} to {number_said(hi)}: "
                f"{_quoted(number_said(lo))} looks like a Unix time, seconds since 1970-01-01 "
                f"({str(first)[:16].replace('T', ' ')} UTC; the last {str(last)[:16].replace('T', ' ')}). Choose Date "
                "as its type below to read them so; they stay numbers until then.")
    return None


UNIX_HINT = (946684800, 2147483648)  # 2000-01-01 to 2038-01-19: ten digits a time of our days is written in
