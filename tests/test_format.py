"""The one number formatter every results view uses."""

from __future__ import annotations

import numpy as np
import pytest

from components.format import fmt_delta, fmt_number, fmt_seconds


@pytest.mark.parametrize("value, shown", [
    (0.952381, "0.9524"), (12.3456, "12.35"), (0.00041234, "0.0004123"),  # 4 significant digits
    (0.5, "0.5000"), (1.0, "1.000"), (0.1 + 0.2, "0.3000"),  # four significant digits, no float noise
    (12345, "12,345"), (1234567, "1,234,567"), (3, "3"), (0, "0"),  # integers as integers, separated
    (12345.678, "12,346"), (1234.56, "1,235"), (999.96, "1,000"), (-2048.2, "-2,048"),  # large: whole units
    (-0.0, "0"), (-0.000000001234, "-0.000000001234"), (-0.9523, "-0.9523"),  # never "-0"
    (None, "—"), (float("nan"), "—"), (float("inf"), "∞"),
    (np.float64(0.912345), "0.9123"), (np.int64(25000), "25,000"), (np.float32(0.25), "0.2500"),
    (True, "yes"), (False, "no"), ("sqrt", "sqrt"),
])
def test_fmt_number(value, shown):
    assert fmt_number(value) == shown


@pytest.mark.parametrize("value, shown", [
    (0.012345, "+0.01235"), (-0.012345, "−0.01235"), (0.0, "0"), (-0.0, "0"), (None, "—"),
    (1500, "+1,500"), (-1500.4, "−1,500"),
])
def test_fmt_delta_always_carries_its_sign(value, shown):
    assert fmt_delta(value) == shown


def test_fmt_seconds():
    assert (fmt_seconds(0.4213), fmt_seconds(12.34), fmt_seconds(1250.2), fmt_seconds(None)) == (
        "0.421 s", "12.3 s", "1,250 s", "—")


def test_the_results_views_use_it():
    """No view keeps a formatter of its own (the leaderboard's was a placeholder)."""
    from components import compare, leaderboard, results

    assert leaderboard.fmt_number is fmt_number and results.fmt_number is fmt_number
    assert compare.fmt_number is fmt_number
    assert not hasattr(results, "_fmt")


def test_confusion_matrix_counts_have_thousands_separators():
    from fasthtml.common import to_xml

    from components.results import ConfusionMatrix

    html = to_xml(ConfusionMatrix({"labels": ["no", "yes"], "matrix": [[12345, 5], [17, 1000]]}))
    assert "<td>12,345</td>" in html and "<td>1,000</td>" in html and "<td>5</td>" in html


@pytest.mark.parametrize("mean, std, shown", [
    (0.9268, 0.05389, "0.927 ± 0.054"), (0.4, 0.4899, "0.40 ± 0.49"), (0.995, 0.001386, "0.9950 ± 0.0014"),
    (0.73, 0.0996, "0.73 ± 0.10"), (12345.6, 123.4, "12,350 ± 120"), (0.95, 0.0, "0.9500 ± 0"),
    (-0.0001, 0.03, "0.000 ± 0.030"), (None, 0.1, "— ± 0.1000"), (0.5, float("nan"), "0.5000 ± —"),
])
def test_a_mean_and_its_spread_are_written_to_the_precision_the_spread_allows(mean, std, shown):
    """'0.9268 ± 0.05389' wrote the spread more precisely than the mean it qualifies."""
    from components.format import fmt_spread

    assert fmt_spread(mean, std) == shown


def test_every_spread_keeps_two_significant_digits_and_the_mean_its_decimal_place():
    from components.format import fmt_spread

    rng = np.random.default_rng(4)
    for _ in range(2000):
        std = float(10.0 ** rng.uniform(-5, 4))
        mean = float(rng.normal(0, 10.0 ** rng.uniform(-3, 5)))
        m, s = fmt_spread(mean, std).split(" ± ")
        digits = s.replace(",", "").replace(".", "").lstrip("0")
        assert len(digits.rstrip("0") or "0") <= 2 and len(digits) >= 1, (mean, std, s)
        assert len(m.partition(".")[2]) == len(s.partition(".")[2]), (mean, std, m, s)  # the same decimal place
        assert abs(float(s.replace(",", "")) - std) <= 0.051 * std + 1e-12, (std, s)  # 2 significant digits
        place = 10.0 ** -len(s.partition(".")[2]) if "." in s else 10 ** (len(s.replace(",", "")) - 2)
        assert abs(float(m.replace(",", "")) - mean) <= place / 2 + 1e-9 * abs(mean), (mean, std, m, s)


@pytest.mark.parametrize("rows, said", [(1, "Predictions for 1 row: "), (2, "Predictions for 2 rows: "),
                                        (1234, "Predictions for 1,234 rows: "), (0, "Predictions for 0 rows: ")])
def test_score_a_file_counts_its_rows_in_words(rows, said):
    """Score a file of one row said 'Predictions for 1 rows' (a new user scoring one car)."""
    from fasthtml.common import to_xml

    from components.results import ScoreResult

    html = to_xml(ScoreResult({"rows": rows, "url": "/x", "score_id": "m-1", "reading": [], "warnings": []}))
    assert said in html, html
