"""Rows to score whose numbers put spaces or apostrophes between thousands (a French export's
1 550 with a narrow no-break space, 1 550 with a no-break space, a Swiss 139'750.00): the app's
reader said "spaces or apostrophes between thousands: '1 550' → 1550", while predict.py and
JSON records said "(decimal comma), like '1\\u202f550' → 1550" (found by a new user): no word of
the separator it read, and the value quoted with Python's escapes. Every exit now says the
separator and quotes the value as the file wrote it (playground_runtime.quoted)."""

from __future__ import annotations

import pandas as pd
import pytest

import playground_runtime

COMMA = {"name": "inscrits", "type": "numeric", "dtype": "float64", "min": 100.0, "max": 30000.0,
         "written": {"decimal": ",", "currency": [], "percent": False}}
EURO = {**COMMA, "name": "dépense", "written": {"decimal": ",", "currency": ["€"], "percent": False}}
POINT = {**COMMA, "name": "salary", "written": {"decimal": ".", "currency": [], "percent": False}}

SPACED = {  # (the column, its values as written, what they read as, the example as quoted)
    "narrow no-break space": (COMMA, ["1\u202f550", "985", "12\u202f034"], [1550, 985, 12034], "'1\u202f550' → 1550"),
    "no-break space": (COMMA, ["1\xa0550", "985,5", "12\xa0034"], [1550, 985.5, 12034], "'1\xa0550' → 1550"),
    "plain space, euro": (EURO, ["6 384,91 €", "985,00 €"], [6384.91, 985.0], "'6 384,91 €' → 6384.91"),
    "apostrophe, Swiss": (POINT, ["139'750.00", "98'250.50"], [139750.0, 98250.5], "\"139'750.00\" → 139750"),
}


@pytest.mark.parametrize("case", list(SPACED))
def test_spaces_or_apostrophes_between_thousands_are_said_as_the_app_says_them(case):
    col, written, read, example = SPACED[case]
    X = playground_runtime.prepare_rows(pd.DataFrame({col["name"]: written}), [col])
    assert X[col["name"]].tolist() == read
    said = " ".join(X.attrs.get(playground_runtime.READING_NOTES) or [])
    assert "spaces or apostrophes between thousands" in said, said
    assert f"like {example}" in said and "\\u" not in said and "\\x" not in said, said


def test_a_dot_between_thousands_is_said_without_spaces():
    X = playground_runtime.prepare_rows(pd.DataFrame({"inscrits": ["1.550", "985,5"]}), [COMMA])
    assert X["inscrits"].tolist() == [1550, 985.5]
    said = " ".join(X.attrs.get(playground_runtime.READING_NOTES) or [])
    assert "'.' between thousands" in said and "spaces" not in said, said
