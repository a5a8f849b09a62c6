"""The dataset page's checks before a run, once a target is chosen: a feature that gives
the target away, imbalanced classes, copied rows (plugins/guards.py `quick_checks`, on a
sample of the table). The run makes the same checks on its training rows."""

from __future__ import annotations

from fasthtml.common import H2, Div, Li, P, Ul


def DatasetChecks(checks: list | None, target: str | None, sample_rows: int | None = None,
                  problem_type: str | None = None):
    """A card of what the checks found (or that they found nothing); nothing without a target."""
    if not target or checks is None:
        return ""
    on = f" on a sample of {sample_rows:,} rows" if sample_rows else ""
    if not checks:
        classes = ", the classes are balanced enough" if problem_type == "classification" else ""
        body = P(f"No feature gives {target} away{classes} and no row is copied{on}. The run checks again on its "
                 "training rows.", cls="muted", data_checks="0")
    else:
        body = Div(Ul(*[Li(c["text"], data_check=c["kind"]) for c in checks], cls="notice warn checks-list"),
                   P("The run checks again on its training rows and says so on its nodes.", cls="help"),
                   data_checks=str(len(checks)))
    return Div(H2("Checks before a run"), body, cls="card", id="checks-card")
