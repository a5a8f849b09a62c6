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
