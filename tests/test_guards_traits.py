"""Units nobody named, known by their fixed traits (plugins/guards.py `entities`): a column
whose values repeat in a few rows each, with another column that stays the same within each
of them (a patient's age under a hospital's 'mrn'). A random split puts each unit's rows on
both sides and the score measures recognising units; the Split node and the dataset page say
so. An audit: 300 patients' readmissions under 'mrn', accuracy 0.70 split at random, 0.64
(the baseline's) with each patient's rows together, with no word."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from plugins import guards
from tests.test_guards import run_table, warned


def readmissions(rng, unit="mrn", n=300) -> pd.DataFrame:
    """A hospital's stays: patients in 2-6 rows, their age and sex the same in each, whether
    they come back driven by how frail they are."""
    rows = []
    for _ in range(n):
        mrn, frail, age, sex = int(rng.integers(400000, 999999)), rng.normal(), int(rng.integers(30, 90)), \
            rng.choice(["F", "M"])
        for _ in range(int(rng.integers(2, 7))):
            rows.append({unit: mrn, "age": age, "sex": sex, "diagnosis": rng.choice(["CHF", "COPD", "Hip fracture"]),
                         "length_of_stay": max(1, int(rng.poisson(3 + 2 * max(frail, 0)))),
                         "readmitted": "yes" if rng.random() < 1 / (1 + np.exp(1 - 1.6 * frail)) else "no"})
    return pd.DataFrame(rows).sample(frac=1, random_state=1).reset_index(drop=True)


def pupils(rng) -> pd.DataFrame:
    """Pupils in 120 classes of 8-25, the class size and the teacher's years the same for every pupil of a class."""
    rows = []
    for k in range(120):
        size, years, level = int(rng.integers(8, 26)), int(rng.integers(1, 35)), rng.normal(0, 5)
        for _ in range(size):
            iq = rng.normal(100, 15)
            rows.append({"klasse": 1000 + k, "class_size": size, "teacher_years": years, "iq": round(iq, 1),
                         "ses": int(rng.integers(1, 50)), "score": round(20 + 0.3 * iq + level + rng.normal(0, 4), 1)})
    return pd.DataFrame(rows).sample(frac=1, random_state=2).reset_index(drop=True)


def sensors(rng) -> pd.DataFrame:
    """Readings of 60 field sensors (a serial as text), 3-8 each, the elevation they are
    installed at (to 100 m, so sensors share one: a trait unique to each unit could as well be
    its name written otherwise, ENTITY_RECODED) the same in each of a sensor's rows."""
    rows = []
    for _ in range(60):
        serial, elevation, bias = f"{rng.integers(16**6, 16**7):x}".upper(), int(rng.integers(1, 25)) * 100, \
            rng.normal(0, 2)
        for _ in range(int(rng.integers(3, 9))):
            t = rng.normal(15, 6)
            rows.append({"serial": serial, "elevation_m": elevation, "air_temp": round(t, 2),
                         "soil_temp": round(0.8 * t - 0.004 * elevation + bias + rng.normal(0, 0.5), 2)})
    return pd.DataFrame(rows).sample(frac=1, random_state=3).reset_index(drop=True)


@pytest.mark.parametrize("make, target, problem_type, unit, trait", [
    (readmissions, "readmitted", "classification", "mrn", "age"),
    (pupils, "score", "regression", "klasse", "class_size"),
    (sensors, "soil_temp", "regression", "serial", "elevation_m"),
])
def test_units_known_by_their_fixed_traits_are_said_on_the_split_and_the_page(make, target, problem_type, unit,
                                                                                trait):
    df = make(np.random.default_rng(0))
    assert [(e.unit, trait in e.fixed) for e in guards.entities(df, exclude=(target,))] == [(unit, True)]
    _, events = run_table(df, target, problem_type)
    said = [w for w in warned(events, "s") if "names units" in w]
    assert len(said) == 1, warned(events, "s")
    assert said[0].startswith(f"{unit!r} looks like it names units seen in several rows") and repr(trait) in said[0]
    assert f"set 'Keep rows of one group together' to {unit!r}" in said[0]
    page = [c for c in guards.quick_checks(df, target, problem_type) if c["kind"] == "units"]
    assert [c["column"] for c in page] == [unit] and trait in page[0]["fixed"]
    # rows kept together by it: nothing to say
    _, events = run_table(df, target, problem_type, split={"group_by": unit})
    assert not [w for w in warned(events, "s") if "names units" in w]


def near_misses():
    rng = np.random.default_rng(1)
    n = 1200
    invoices = pd.DataFrame({"quantity": rng.integers(1, 40, n), "unit_price": rng.choice([2.5, 4.99, 9.99, 19.99], n),
                             "store": rng.integers(1, 9, n), "day": rng.integers(1, 366, n)})
    invoices["total"] = invoices.quantity * invoices.unit_price + rng.normal(0, 1, n)
    states = rng.choice(50, 100, replace=True)  # a code and its name, each in about 2 rows: the same column twice
    codes = pd.DataFrame({"state_code": 10 + states, "state_name": [f"State {s:02d}" for s in states],
                          "turnout": rng.uniform(40, 80, 100).round(1), "votes": rng.integers(1000, 90000, 100)})
    customers = pd.DataFrame({"customer_no": np.arange(50000, 50000 + n), "age": rng.integers(18, 80, n),
                              "visits": rng.poisson(5, n), "spend": rng.gamma(2, 50, n).round(2)})
    return [(invoices, "total"), (codes, "turnout"), (customers, "spend")]


@pytest.mark.parametrize("case", range(3))
def test_repeated_values_with_no_fixed_trait_and_recoded_columns_are_no_units(case):
    """Whole numbers that repeat by nature (a quantity, a day of the year), a code beside its
    own name (no trait but itself) and an id different in every row name no units."""
    df, target = near_misses()[case]
    assert guards.entities(df, exclude=(target,)) == []
    _, events = run_table(df, target, "regression")
    assert not [w for w in warned(events, "s") if "names units" in w]
