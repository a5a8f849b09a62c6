"""Several models in one run (a fan-out): one table, a row per model sorted by the primary
metric, with its cross-validation on the training rows, every shared test metric, the
trivial baseline and the model's time; and for two classes their ROC curves overlaid.
Under it, what the ranking is worth (plugins/guards.py `ranking_notes`): a model no better
than the baseline (its row marked too), a test set too small to rank on, the top two within
the test set's noise, cross-validation disagreeing with the test rows."""

from __future__ import annotations

from fasthtml.common import H3, Div, P, Span, Table, Td, Th, Tr
from fasthtml.svg import G, Line, Polyline, Svg, Text, Title

from components.format import POSITIVE_CLASS_HELP, fmt_number, fmt_spread, positive_class_text
from plugins.guards import ranking_notes
from plugins.registry import metric_name

PALETTE = ("#4f46e5", "#d97706", "#059669", "#db2777", "#0891b2", "#7c3aed", "#65a30d", "#dc2626")


def _scalar(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def shared_metrics(entries: list[dict], metrics_registry) -> list[str]:
    """The scalar metrics every model was scored with, in the first model's order."""
    first = entries[0].get("values") or {}
    return [k for k in first
            if all(_scalar((e.get("values") or {}).get(k)) for e in entries)
            and (metrics_registry.get(k) is None or metrics_registry[k].kind == "scalar")]


def ranked(entries: list[dict], primary: str, direction: str) -> list[dict]:
    return sorted(entries, key=lambda e: e["values"][primary], reverse=direction == "higher")


def _cv(entry) -> tuple[str, str]:
    cv, search = entry.get("cv"), entry.get("search")
    if cv:
        what = "selection score" if search else f"{len(cv.get('folds') or [])}-fold CV"
        mark = " *" if search else ""
        name = cv.get("description") or metric_name(cv.get("metric"))
        return fmt_spread(cv["mean"], cv["std"]) + mark, f"{name}, {what} on the training rows"
    if search:
        name = search.get("description") or metric_name(search["metric"])
        return fmt_number(search["best_value"]) + " *", f"{name}, selection score: best of {search['n_trials']} trials"
    return "—", "No cross-validation: tick it on the Model node to see how stable the score is."


def cv_header(entries) -> str:
    keys = {(e.get("cv") or e.get("search") or {}).get("metric") for e in entries} - {None}
    if len(keys) == 1:
        key = keys.pop()
        return f"CV {metric_name(key)} (training rows)"
    return "CV on the training rows"


def RocOverlay(rows: list[tuple[str, dict]], width: int = 300, height: int = 260):
    """Each model's ROC curve on the same axes (two classes; positive class as the metric)."""
    pad_l, pad_b, pad_t, pad_r = 36, 30, 10, 10
    w, h = width - pad_l - pad_r, height - pad_t - pad_b

    def pts(roc):
        return " ".join(f"{pad_l + x * w:.1f},{pad_t + (1 - y) * h:.1f}" for x, y in zip(roc["fpr"], roc["tpr"]))

    curves, legend = [], []
    for i, (name, roc) in enumerate(rows):
        colour = PALETTE[i % len(PALETTE)]
        curves.append(Polyline(points=pts(roc), stroke=colour, cls="roc-line", data_model=name))
        legend.append(Span(Span(cls="swatch", style=f"background:{colour}"), f"{name} (AUC {fmt_number(roc['auc'])})"))
    label = "ROC curves of " + ", ".join(f"{n} (AUC {fmt_number(r['auc'])})" for n, r in rows)
    svg = Svg(Title(label),
              Line(x1=pad_l, y1=pad_t + h, x2=pad_l + w, y2=pad_t + h, cls="axis"),
              Line(x1=pad_l, y1=pad_t, x2=pad_l, y2=pad_t + h, cls="axis"),
              Line(x1=pad_l, y1=pad_t + h, x2=pad_l + w, y2=pad_t, cls="chance"),
              G(Text("0", x=pad_l, y=height - 16, text_anchor="middle"), Text("1", x=pad_l + w, y=height - 16,
                                                                             text_anchor="middle"),
                Text("False positive rate", x=pad_l + w / 2, y=height - 4, text_anchor="middle"),
                Text("1", x=pad_l - 6, y=pad_t + 4, text_anchor="end"),
                Text("True positive rate", x=12, y=pad_t + h / 2, text_anchor="middle",
                     transform=f"rotate(-90 12 {pad_t + h / 2})"), cls="tick"),
              *curves, viewBox=f"0 0 {width} {height}", width=width, height=height, role="img", aria_label=label,
              cls="roc-overlay", data_curves=str(len(rows)))
    positive = rows[0][1].get("positive")
    return Div(svg, Div(*legend, cls="legend"),
               P(f"Positive class: {positive}. Dashed: chance." if positive is not None else "Dashed: chance.",
                 cls="help"), cls="roc-box")


def Leaderboard(job: dict, node_labels: dict, metrics_registry, model_names: dict):
    """None unless the run scored two models or more."""
    entries = [{"node_id": nid, **e} for nid, e in ((job.get("results") or {}).get("metrics") or {}).items()]
    keys = shared_metrics(entries, metrics_registry) if len(entries) >= 2 else []
    if not keys:
        return None
    primary = keys[0]
    m = metrics_registry.get(primary)
    direction = m.direction if m else "higher"
    durations = {n["node_id"]: n.get("duration") for n in job.get("nodes") or []}
    reused = {n["node_id"] for n in job.get("nodes") or [] if n.get("status") == "cached"}
    rows = ranked(entries, primary, direction)

    def name_of(e):
        model_node = e.get("model_node_id")
        algo = model_names.get(e.get("algorithm"), e.get("algorithm") or "")
        label = node_labels.get(model_node) if model_node else None
        if not label or label == "Model" or label.lower() in algo.lower() or algo.lower() in label.lower():
            return label if label and label != "Model" else algo
        return f"{label} · {algo}"

    head = Tr(Th("#"), Th("Model"),
              *[Th(metric_name(k),
                   Span(" ↑" if (metrics_registry[k].direction if k in metrics_registry else "") == "higher"
                        else " ↓", cls="arrow"), title="on the test rows", data_sort="1" if k == primary else None)
                for k in keys],
              Th(cv_header(entries), title="mean ± standard deviation over the folds"),
              Th("Time", title="the Model node's time: fit, cross-validation and search"))
    body = []
    for i, e in enumerate(rows):
        cv_value, cv_title = _cv(e)
        took = durations.get(e.get("model_node_id"))
        km = e.get("key_metric") or {}
        below = km.get("below_baseline")
        mark = [Span(" ⚠ at or below baseline", cls="below-baseline",
                     title=f"No better than the baseline on {metric_name(km['key'])} "
                           f"({fmt_number(km['value'])} against {fmt_number(km['baseline'])})")] if below else []
        body.append(Tr(Td(str(i + 1)), Td(name_of(e), Span(f" {e['node_id']}", cls="faint"), *mark),
                       *[Td(fmt_number(e["values"][k]), data_metric=k) for k in keys],
                       Td(cv_value, title=cv_title),
                       # a reused model's time here is its reuse (0.00 s beside another's minute): said as reused
                       Td("reused", cls="faint", title="reused from an earlier run, where it was trained", data_reused="1")
                       if e.get("model_node_id") in reused else Td(f"{took:.2f} s" if took is not None else "—"),
                       cls=" ".join(c for c in ("leader" if i == 0 else "", "below" if below else "") if c) or None,
                       data_rank=str(i + 1), data_evaluate=e["node_id"], data_below_baseline="1" if below else None))
    baseline = next((e["baseline"] for e in entries if e.get("baseline")), None)
    if baseline:
        kinds = {t for k in keys if k in metrics_registry for t in metrics_registry[k].problem_types}
        trivial = ("the training rows' mean" if kinds == {"regression"} else
                   "the most frequent class" if kinds == {"classification"} else "most frequent class / mean")
        body.append(Tr(Td(""), Td("Baseline", Span(f" {trivial}", cls="faint")),
                       *[Td(fmt_number(baseline.get(k))) for k in keys], Td("—"), Td("—"), cls="baseline",
                       data_baseline="1"))
    rocs = [(name_of(e), e["roc"]) for e in rows if e.get("roc")]
    searched = [P("* The best of a search's trials on these folds: optimistic, since it picked the best of many "
                  "tries. Compare models on the test metrics.", cls="help", data_selection_note="1")] \
        if any(e.get("search") for e in rows) else []
    name = metric_name(primary)
    positives = dict.fromkeys(positive_class_text(e.get("facts")) for e in rows)  # one, unless the tables differ
    notes = ranking_notes(rows, primary, {k: v.direction for k, v in metrics_registry.items()},
                          {e["node_id"]: name_of(e) for e in rows},
                          {k: metric_name(k) for k in metrics_registry})
    return Div(H3("Leaderboard"),
               P(f"{len(rows)} models, best first by {name} on the test rows "
                 f"({'higher' if direction == 'higher' else 'lower'} is better).", cls="muted"),
               *[P(t, cls="help positive-class", title=POSITIVE_CLASS_HELP, data_positive_class="1")
                 for t in positives if t],
               Div(Div(Table(head, *body, cls="grid leaderboard-table"), cls="leaderboard-scroll"),
                   RocOverlay(rocs) if len(rocs) >= 2 else "", cls="leaderboard-body"),
               *searched,
               *[P(n["text"], cls="notice warn" if n["kind"] == "baseline" else "help", data_ranking_note=n["kind"])
                 for n in notes],
               cls="leaderboard", data_leaderboard=str(len(rows)), data_primary=primary)
