"""Two runs compared (executor.compare's answer, drawn): both runs' status and time, the
configuration differences node by node, and every shared metric with its delta, coloured
better or worse by the metric's declared direction."""

from __future__ import annotations

import time

from fasthtml.common import H2, H3, A, Div, Li, P, Span, Table, Td, Th, Tr, Ul

from components.format import DASH, fmt_delta, fmt_number, fmt_seconds
from components.layout import Page, Pill
from plugins.params import value_said


def _when(ts) -> str:
    return time.strftime("%d %b %H:%M:%S", time.localtime(ts)) if ts else DASH


def _side(change: dict, side: str) -> str:
    """A setting's value as the reasons and the inspector word it (plugins.params.value_said,
    the one rule): the page wrote C "1.000" and Trees "1,000" where the run's Why said "C: 1 →
    0.5" and "Trees: 1000 → 300"; the declaration's wording (`*_text`) when there is one."""
    text = change.get(f"{side}_text")
    if text is None:
        text = value_said(change.get(side))
    if f"{side}_default" in change:
        return f"{text} (default)" if change[f"{side}_default"] else "not set"
    return text


def Runs(cmp: dict):
    def row(tag, run, when_word):
        return Tr(Td(Span(tag, cls="b"), Span(f" {when_word}", cls="faint")),
                  Td(A(run["id"], href=f"/jobs/{run['id']}", target="_blank")), Td(_when(run.get("created_at"))),
                  Td(Pill(run["status"])), Td(fmt_seconds(run.get("duration"))),
                  data_run=run["id"])
    return Table(Tr(Th("Run"), Th("Id"), Th("Started"), Th("Status"), Th("Duration")),
                 row("A", cmp["a"], "earlier"), row("B", cmp["b"], "later"), cls="grid compare-runs")


def ConfigDiff(diff: dict):
    if diff.get("same"):
        return Div(H3("Configuration"), P("No configuration differences: both runs used the same workflow "
                                          "settings.", cls="muted", data_no_diff="1"), cls="compare-config")
    items = []
    for n in diff["nodes_added"]:
        items.append(Li(Span("Added ", cls="diff-tag added"), f"{n['label']} ", Span(n["node_id"], cls="faint")))
    for n in diff["nodes_removed"]:
        items.append(Li(Span("Removed ", cls="diff-tag removed"), f"{n['label']} ", Span(n["node_id"], cls="faint")))
    for e in diff["edges_added"]:
        items.append(Li(Span("Connected ", cls="diff-tag added"), f"{e['source_label']} → {e['target_label']}"))
    for e in diff["edges_removed"]:
        items.append(Li(Span("Disconnected ", cls="diff-tag removed"), f"{e['source_label']} → {e['target_label']}"))
    tables = []
    for n in diff["nodes_changed"]:
        rows = [Tr(Td(c["label"], *([Div(f"({c['unused']})", cls="faint small")] if c.get("unused") else [])),
                   Td(_side(c, "old"), cls="old"), Td("→", cls="faint", aria_hidden="true"),
                   Td(_side(c, "new"), cls="new"), data_field=c["key"],
                   **({"cls": "unused", "data_unused": "1"} if c.get("unused") else {})) for c in n["changes"]]
        tables.append(Div(Div(Span(n["label"], cls="b"), Span(f" {n['node_id']}", cls="faint")),
                          Table(*rows, cls="grid diff-table"), cls="diff-node", data_node=n["node_id"]))
    return Div(H3("Configuration"), *([Ul(*items, cls="diff-list")] if items else []), *tables,
               cls="compare-config")


VERDICT = {"better": "better", "worse": "worse", "same": "no change"}


def MetricDeltas(rows: list[dict]):
    if not rows:
        return Div(H3("Metrics"), P("No metric to compare: the two runs share no Evaluate node with a scalar metric.",
                                    cls="muted"), cls="compare-metrics")
    nodes = {r["node_id"] for r in rows}
    head = Tr(*([Th("Evaluate")] if len(nodes) > 1 else []), Th("Metric"), Th("A"), Th("B"), Th("Δ B − A"))
    body = []
    for r in rows:
        arrow = {"higher": " ↑", "lower": " ↓"}.get(r.get("direction"), "")
        what = (r.get("description") or r["name"]).removeprefix(r["name"]).lstrip(", ")
        if r.get("description_a"):
            what = f"A: {r['description_a'].removeprefix(r['name']).lstrip(', ')}; B: {what}"
        said = VERDICT.get(r.get("verdict"))
        body.append(Tr(*([Td(r["node"], Span(f" {r['node_id']}", cls="faint"))] if len(nodes) > 1 else []),
                       Td(Span(r["name"]), Span(arrow, cls="arrow", title=f"{r['direction']} is better")
                          if arrow else "", Div(what, cls="metric-what")),
                       Td(fmt_number(r["a"]), cls="num"), Td(fmt_number(r["b"]), cls="num"),
                       Td(fmt_delta(r["delta"]), Span(f" {said}", cls="verdict") if said else "",
                          Span("within noise", cls="faint noise", data_noise=fmt_number(r["within_noise"]),
                               title=f"smaller than ±{fmt_number(r['within_noise'])}, twice the standard error of "
                                     "the difference on these test rows: another draw of them could reverse it")
                          if r.get("within_noise") else "",
                          cls=f"num delta {r.get('verdict') or ''}".strip()) if not r.get("only") else
                       Td(f"only in run {r['only'].upper()}", cls="faint", data_only=r["only"]),
                       data_metric=r["key"], data_node=r["node_id"], data_verdict=r.get("verdict") or ""))
    return Div(H3("Metrics"), Table(head, *body, cls="grid delta-table"), cls="compare-metrics")


def Comparison(cmp: dict, page_link: bool = True):
    a, b = cmp["a"]["id"], cmp["b"]["id"]
    notes = [P(cmp["note"], cls="notice warn", data_other_workflow="1")] if cmp.get("note") else []
    if cmp.get("rows_note"):
        notes.append(P(cmp["rows_note"], cls="notice", data_rows_note="1"))
    link = [A("Open as a page ↗", href=f"/jobs/compare?a={a}&b={b}", target="_blank", cls="small",
              data_compare_page="1")] if page_link else []
    return Div(Div(Span(f"Run {b} against run {a}", cls="b"), Span(" · deltas are the later run B minus the "
                                                                    "earlier run A ", cls="muted"),
                   *link, cls="compare-head"),
               *notes, Runs(cmp),
               Div(ConfigDiff(cmp["config"]), MetricDeltas(cmp["metrics"]), cls="compare-body"),
               id="comparison", cls="comparison", data_a=a, data_b=b)


def ComparePage(cmp: dict, workflow: dict | None):
    name = (workflow or {}).get("name") or "Runs"
    back = [A(f"← {name}", href=f"/workflows/{workflow['id']}")] if workflow else []
    title = f"{name}: two runs compared"
    return Page(title, Div(*back, H2(title), Div(Comparison(cmp, page_link=False), id="results"),
                           cls="page results-page"), active="workflows")
