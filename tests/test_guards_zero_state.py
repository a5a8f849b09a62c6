"""An amount written 0 where nothing happened, non-zero almost only in one class (a refund paid
to churners): a field recorded once the outcome is known, said by the Split node and the
dataset page (plugins/guards.py `_state_leak`, its `non-zero` state). An audit: a refund paid
to 70% of the churners and 0 for everyone else, accuracy 0.92 with no word, where the same
column left empty instead of 0 was named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from plugins import guards
from tests.test_guards import run_table, warned


def customers(rng, n=1500) -> tuple[pd.DataFrame, np.ndarray]:
    tenure = rng.integers(1, 72, n)
    contract = rng.choice(["Month-to-month", "One year", "Two year"], n, p=[0.55, 0.25, 0.2])
    calls = rng.poisson(1.5, n)
    churn = rng.random(n) < 1 / (1 + np.exp(1.2 + 0.03 * tenure - 0.9 * (contract == "Month-to-month") - 0.25 * calls))
    return pd.DataFrame({"tenure_months": tenure, "contract": contract, "support_calls": calls,
                         "monthly_charges": rng.uniform(19, 118, n).round(2),
                         "churn": np.where(churn, "Yes", "No")}), churn


def refund(rng):  # paid to 70% of churners, 0 for everyone else
    df, churn = customers(rng)
    df["refund_amount"] = np.where(churn & (rng.random(len(df)) < 0.7), rng.uniform(5, 120, len(df)).round(2), 0.0)
    return df, "churn", "refund_amount", "Yes"


def days_to_close(rng):  # whole days from the request to closing, for 80% of churners; 0 otherwise
    df, churn = customers(rng)
    df["days_to_close"] = np.where(churn & (rng.random(len(df)) < 0.8), rng.integers(1, 45, len(df)), 0)
    return df, "churn", "days_to_close", "Yes"


def chargebacks(rng):  # claims: a chargeback amount, negative, only on fraudulent ones (60% of them)
    n = 2000
    amount = rng.lognormal(3.5, 1.1, n).round(2)
    fraud = rng.random(n) < 0.12
    df = pd.DataFrame({"amount": amount, "hour": rng.integers(0, 24, n), "foreign": rng.integers(0, 2, n),
                       "card_age_days": rng.integers(1, 3000, n),
                       "chargeback": np.where(fraud & (rng.random(n) < 0.6), -amount, 0.0),
                       "label": np.where(fraud, "fraud", "ok")})
    return df, "label", "chargeback", "fraud"


@pytest.mark.parametrize("make", [refund, days_to_close, chargebacks])
def test_an_amount_non_zero_only_in_one_class_is_named_on_the_split_and_the_page(make):
    df, target, column, cls = make(np.random.default_rng(0))
    _, events = run_table(df, target, "classification")
    said = [w for w in warned(events, "s") if w.startswith(f"{column!r} is non-zero almost only in rows whose")]
    assert len(said) == 1, warned(events, "s")
    assert f"{target!r} is {cls!r}" in said[0] and "drop it (Preprocessing → Drop columns)" in said[0]
    page = [c for c in guards.quick_checks(df, target, "classification") if c["kind"] == "leak"]
    assert [c["column"] for c in page] == [column]


def honest(rng):
    """Counts and amounts with many zeros that go with the outcome, but not only with it:
    support calls (0 for many, churners call more), a discount given to some of everyone, a
    balance carried over by payers and churners alike."""
    df, churn = customers(rng)
    df["discount"] = np.where(rng.random(len(df)) < 0.3, rng.uniform(2, 20, len(df)).round(2), 0.0)
    df["late_payments"] = np.where(churn, rng.poisson(1.2, len(df)), rng.poisson(0.4, len(df)))
    df["balance"] = np.where(rng.random(len(df)) < 0.5, 0.0, rng.normal(40, 30, len(df)).round(2))
    return df


def test_zeros_that_go_with_the_outcome_but_not_only_with_it_are_not_called_leaks():
    df = honest(np.random.default_rng(1))
    _, events = run_table(df, "churn", "classification")
    assert not [w for w in warned(events, "s") if "non-zero" in w or "alone predicts" in w], warned(events, "s")
    assert not [c for c in guards.quick_checks(df, "churn", "classification") if c["kind"] == "leak"]
