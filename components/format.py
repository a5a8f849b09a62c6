"""One way to write a number on every results view (metrics, history, leaderboard,
comparison): 4 significant digits for measured values, thousands separators for large ones,
integers as integers, never "-0", None as a dash."""

from __future__ import annotations

import math
import time
from numbers import Real

# the one rule for a measured number, which the run's sentences (plugins.guards) write too
from plugins.numbers import DASH, fmt_number  # noqa: F401

MINUS = "−"  # U+2212: a minus sign lines up with "+" in a column of deltas


def fmt_delta(v, digits: int = 4) -> str:
    """A difference with its sign always written: "+0.0123", "−1,204", "0"."""
    if v is None:
        return DASH
    text = fmt_number(v, digits)
    if text in ("0", DASH):
        return text
    return MINUS + text[1:] if text.startswith("-") else "+" + text


def fmt_spread(mean, std) -> str:
    """A mean and its standard deviation (cross-validation's folds), written to the precision
    the spread allows: the spread to 2 significant digits and the mean to the same decimal
    place (0.9268 ± 0.05389 -> "0.927 ± 0.054"; 12,345.6 ± 123.4 -> "12,350 ± 120"); no spread
    leaves the mean at fmt_number's 4 significant digits ("0.9500 ± 0")."""
    if not all(isinstance(v, Real) and not isinstance(v, bool) and math.isfinite(float(v)) for v in (mean, std)):
        return f"{fmt_number(mean)} ± {fmt_number(std)}"
    mean, std = float(mean), abs(float(std))
    if std == 0:
        return f"{fmt_number(mean)} ± 0"
    std = float(f"{std:.2g}")  # 0.0996 is 0.10: its second significant digit is then a place higher
    exponent = math.floor(math.log10(std)) - 1  # the place of the spread's second significant digit
    if exponent >= 0:  # whole units: round both to that place, separators between thousands
        step = 10 ** exponent
        return f"{round(mean / step) * step:,.0f} ± {round(std / step) * step:,.0f}".replace("-0 ", "0 ")
    places = -exponent
    text = f"{round(mean, places) + 0.0:,.{places}f} ± {round(std, places):,.{places}f}"
    return text[1:] if text.startswith("-") and float(text.split(" ")[0].replace(",", "")) == 0 else text


def fmt_seconds(v) -> str:
    """A duration: "0.42 s", "12.3 s", "1,250 s"."""
    if v is None:
        return DASH
    return f"{fmt_number(v, 3)} s"


POSITIVE_CLASS_HELP = ("F1, precision, recall, ROC AUC and the curves are about this class. Choose it in the Dataset "
                       "node; Automatic is the rarer class.")


def positive_class_text(facts: dict | None) -> str | None:
    """The positive class a run's binary metrics are about, from the facts it recorded,
    with how common it is: "Positive class: 0, the rarer class: 212 of 569 rows (37%)".
    None when its metrics have no positive class (more classes, regression, older runs)."""
    facts = facts or {}
    positive = facts.get("positive_class")
    if positive is None:
        return None
    text = f"Positive class: {positive}"
    rows = facts.get("class_rows") or []
    mine = [n for label, n in rows if label == positive]
    if len(rows) == 2 and mine:
        n, total = mine[0], sum(n for _, n in rows)
        which = ("the rarer class" if 2 * n < total else "the more frequent class" if 2 * n > total
                 else "as common as the other")
        text += f", {which}: {n:,} of {total:,} rows ({n / total:.0%})"
    return text


def counted(n: int, word: str) -> str:
    """'1 request', '3 requests': a count with its noun ('1 moves' read as a slip)."""
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def fmt_time(ts) -> str:
    """A stored time (seconds since the epoch) as the pages list it: "03 Dec 2026 21:40"; None as a dash."""
    return time.strftime("%d %b %Y %H:%M", time.localtime(ts)) if ts else DASH
