"""One way to write a measured number: 4 significant digits, thousands separators for large
ones, integers as integers, never "-0", None as a dash. Every results view writes numbers so
(components.format), and so do the sentences a run says (plugins.guards)."""

from __future__ import annotations

import math
from decimal import Decimal
from numbers import Integral, Real

DASH = "—"


def _significant(v: float, digits: int) -> str:
    """`v` to `digits` significant digits, written without an exponent, trailing zeros kept
    so that a column of scores lines up and 1 reads as measured (0.0004123, 12.35, 0.9500,
    1.000)."""
    if v == 0:
        return "0"
    text = format(Decimal(f"{v:#.{digits}g}".rstrip(".")), "f")
    return text.rstrip(".")


def fmt_number(v, digits: int = 4) -> str:
    """12345 -> "12,345"; 0.952381 -> "0.9524"; 12.3456 -> "12.35"; 0.00041234 -> "0.0004123";
    1.0 -> "1.000"; 0.95 -> "0.9500"; 1234.56 -> "1,235"; -0.0 -> "0"; None (and NaN) -> "—". Strings pass through; booleans
    say yes/no."""
    if v is None:
        return DASH
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, Integral):
        return f"{int(v):,}"
    if not isinstance(v, Real):
        return str(v)
    v = float(v)
    if not math.isfinite(v):
        return DASH if math.isnan(v) else ("∞" if v > 0 else "-∞")
    if abs(float(f"{v:.{digits}g}")) >= 1000:  # whole units are precise enough; the separators make them readable
        text = f"{round(v):,}"
    else:
        text = _significant(v, digits)
    return "0" if text in ("-0", "0") else text
