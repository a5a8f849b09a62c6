"""A value the model never saw that is a known one written otherwise: 'nein' for 'Nein', 'y'
for 'Y', 'North ' or 'north  east' for 'North East', a zip code 2139 for '02139' (Excel drops
leading zeros). Found by a new user: the probability moved from 0.74 to 0.02 and every exit
said only "a value the model never saw in training". The warning names what it likely is; a
value like no known one is said as before."""

from __future__ import annotations

import pandas as pd
import pytest

import playground_runtime

FEATURES = [{"name": "consent", "type": "categorical", "dtype": "str", "categories": ["Ja", "Nein"]},
            {"name": "zip", "type": "categorical", "dtype": "str", "categories": ["02139", "10001", "00501"]},
            {"name": "region", "type": "categorical", "dtype": "str", "categories": ["North East", "South"]}]

NEAR = {  # (column, value sent, the hint said)
    "lower case": ("consent", "nein", "'nein' is 'Nein' but for capitals or spaces"),
    "upper case": ("consent", "JA", "'JA' is 'Ja' but for capitals or spaces"),
    "a lost zero": ("zip", "2139", "'2139' is '02139' without its leading zero"),
    "two lost zeros": ("zip", "501", "'501' is '00501' without its leading zero"),
    "spaces": ("region", "north  east ", "'north  east ' is 'North East' but for capitals or spaces"),
}
FAR = {"a new word": ("consent", "vielleicht"), "a new code": ("zip", "94110"), "digits of another": ("zip", "10002"),
       "a zero too many": ("zip", "002139")}


def said(column: str, value: str) -> str:
    row = {"consent": "Ja", "zip": "10001", "region": "South", column: value}
    X = playground_runtime.prepare_rows(pd.DataFrame([row]), FEATURES)
    return " ".join(playground_runtime.unseen_values(X, FEATURES))


@pytest.mark.parametrize("case", list(NEAR))
def test_a_known_value_written_otherwise_is_named_in_the_warning(case):
    column, value, hint = NEAR[case]
    got = said(column, value)
    assert "a value the model never saw in training" in got and hint in got, got


@pytest.mark.parametrize("case", list(FAR))
def test_a_value_like_no_known_one_gets_no_hint(case):
    got = said(*FAR[case])
    assert "a value the model never saw in training" in got and "but for" not in got and "leading zero" not in got, got
