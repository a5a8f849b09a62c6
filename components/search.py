"""An Optuna search made visible: every finished trial (number, parameters, value, best so
far; the first fitted the node's own settings, and says so) and a chart of value by trial,
live in the run panel while the search runs; after the run the same table with the best
parameters and an action that writes them into the Model node (undoable, like any edit)."""

from __future__ import annotations

from fasthtml.common import H4, Button, Div, P, Span, Table, Td, Th, Tr, to_xml
from fasthtml.svg import Line, Polyline, Svg, Text, Title

from components.format import fmt_number
from plugins.registry import metric_name as title_of


def _param_title(plugin, name: str) -> str:
    return plugin.param_title(name) if plugin is not None else name


def _chart_label(metric_name: str, done, best, best_number, direction: str) -> str:
    return (f"{metric_name} by trial: {done} finished, best {fmt_number(best)} at trial {best_number + 1} "
            f"({'higher' if direction == 'maximize' else 'lower'} is better)")


def TrialChart(trials: list[dict], direction: str, metric_name: str, n_trials: int | None = None,
               width: int = 360, height: int = 120):
    """Value by trial: a dot per finished trial, the best-so-far as a step line, the best
    trial marked. Server-rendered SVG, the same live and after the run.

    The plot is drawn in the data's own coordinates (x the trial number, y minus the value)
    inside a viewport that maps them onto the frame, so a live trial is one more dot and two
    more points of the line; only a value past the range so far moves the viewport."""
    done = [t for t in trials if t.get("value") is not None]
    if not done:
        return P("No trial has finished yet.", cls="muted")
    left, right, top, bottom = 46, 10, 10, 22
    n = max(n_trials or 0, max(t["number"] for t in trials) + 1, 2)
    values = [t["value"] for t in done]
    low, high = lo, hi = min(values), max(values)
    if hi == lo:  # one value so far: a band around it
        lo, hi = lo - (abs(lo) or 1) * 0.01, hi + (abs(hi) or 1) * 0.01

    better = max if direction == "maximize" else min
    steps, best = [], None
    for t in done:  # a step line: across at the old best, then up (or down) to the new one
        if best is not None:
            steps.append(f"{t['number']},{-best}")
        best = t["value"] if best is None else better(best, t["value"])
        steps.append(f"{t['number']},{-best}")
    best_trial = next(t for t in done if t["value"] == best)
    label = _chart_label(metric_name, len(done), best, best_trial["number"], direction)

    def dot(t, cls):  # a zero-length line with round caps: a dot that the viewport does not stretch
        return Line(x1=t["number"], y1=-t["value"], x2=t["number"], y2=-t["value"], cls=cls,
                    vector_effect="non-scaling-stroke")

    plot = Svg(Polyline(points=" ".join(steps), cls="best-line", vector_effect="non-scaling-stroke"),
               dot(best_trial, "best-dot"), *[dot(t, "trial-dot") for t in done],
               x=left, y=top, width=width - left - right, height=height - top - bottom,
               viewBox=f"0 {-hi} {n - 1} {hi - lo}", preserveAspectRatio="none", overflow="visible", cls="plot")
    return Svg(
        Title(label),
        Line(x1=left, y1=height - bottom, x2=width - right, y2=height - bottom, cls="axis"),
        Line(x1=left, y1=top, x2=left, y2=height - bottom, cls="axis"),
        Text(fmt_number(hi), x=left - 4, y=top + 4, text_anchor="end", cls="tick", data_tick="hi"),
        Text(fmt_number(lo), x=left - 4, y=height - bottom, text_anchor="end", cls="tick", data_tick="lo"),
        Text("1", x=left, y=height - 6, text_anchor="middle", cls="tick"),
        Text(str(n), x=width - right, y=height - 6, text_anchor="middle", cls="tick"),
        Text("trial", x=(left + width - right) / 2, y=height - 6, text_anchor="middle", cls="tick"),
        plot,
        viewBox=f"0 0 {width} {height}", width=width, height=height, role="img", aria_label=label,
        cls="trial-chart", data_trials=str(len(done)), data_n=str(n),
        data_lo=repr(low), data_hi=repr(high), data_lo_text=fmt_number(low), data_hi_text=fmt_number(high),
        data_best=repr(best), data_direction=direction)


def _param_names(trials: list[dict]) -> list[str]:
    return list(dict.fromkeys(k for t in trials for k in (t.get("params") or {})))


def TrialRow(t: dict, names: list[str], best_number):
    value = (fmt_number(t["value"]) if t.get("value") is not None
             else Span(t.get("state", "failed"), title=t.get("note") or "", cls="faint"))
    number = str(t["number"] + 1)
    if t.get("user_settings"):  # the trial that fitted the node's own settings, as they were
        number = Span(number, Span(" your settings", cls="faint"), title="The Model node's own settings, as set")
    return Tr(Td(number), Td(value), Td(fmt_number(t.get("best"))),
              *[Td(fmt_number((t.get("params") or {}).get(k))) for k in names],
              cls="best" if t["number"] == best_number else None, data_trial=str(t["number"] + 1))


def TrialTable(trials: list[dict], plugin, best_number):
    names = _param_names(trials)
    head = Tr(Th("Trial"), Th("Value"), Th("Best so far"), *[Th(_param_title(plugin, k)) for k in names])
    return Div(Table(head, *[TrialRow(t, names, best_number) for t in trials], cls="grid trials",
                     data_params=" ".join(names)), cls="trials-scroll")


def _best_said(metric_name: str, best, best_number):
    return Span(f" · best {metric_name} {fmt_number(best)} at trial {best_number + 1}", data_said="best")


def live_trial(event: dict) -> dict:
    """What the run panel needs to add one live trial (a `node_trial` event) to the search it
    shows, rendered here so that a trial reads the same live, after a full fetch and after the
    run: its table row, its value and the best so far as written, and the chart's label (the
    page writes the number of finished trials in place of "{done}")."""
    names = list(event.get("params") or {})
    metric_name = _metric_name(event.get("metric"))
    view = {"row": to_xml(TrialRow(event, names, event.get("best_number"))), "params": " ".join(names)}
    if event.get("value") is not None:
        view["value"] = fmt_number(event["value"])
    if event.get("best") is not None:
        view["best_value"] = fmt_number(event["best"])  # the run log's line writes the numbers as the table does
        view["best"] = to_xml(_best_said(metric_name, event["best"], event["best_number"]))
        view["label"] = _chart_label(metric_name, "{done}", event["best"], event["best_number"],
                                     event.get("direction", "maximize"))
    return view


def SearchSection(node_id: str, node_label: str, trials: list[dict], *, plugin, metric_name: str,
                  direction: str, n_trials: int | None, folds=None, best_params: dict | None = None,
                  apply_url: str | None = None, description: str | None = None):
    """One Model node's search. Live (no best_params yet): progress so far. After the run:
    the best parameters and "Use these parameters"."""
    done = [t for t in trials if t.get("value") is not None]
    best = (max if direction == "maximize" else min)(done, key=lambda t: t["value"]) if done else None
    count = [Span(str(len(trials)), data_said="count"), f" of {n_trials} trials" if n_trials else " trials"]
    said = [Span(*count), Span(f" · {folds}-fold CV on the training rows") if folds else "",
            _best_said(metric_name, best["value"], best["number"]) if best else Span(data_said="best")]
    apply = []
    if best_params is not None:
        apply = [Div(H4("Best parameters"),
                     P(", ".join(f"{_param_title(plugin, k)} = {fmt_number(v)}" for k, v in best_params.items())
                       or "The search changed nothing.", cls="best-params"),
                     P(f"Selection score: {description or metric_name}, best of {len(trials)} trials. Optimistic: the test "
                       "metrics are the honest estimate.", cls="help"),
                     *([Button("Use these parameters", hx_post=apply_url, hx_target="closest .search-apply",
                               hx_swap="innerHTML", cls="small primary", data_use_parameters=node_id,
                               aria_label=f"Use these parameters in {node_label}")] if apply_url else []),
                     cls="search-apply")]
    same = node_label.lower() == node_id.lower()
    return Div(H4(f"Optuna search · {node_label}", *([] if same else [Span(f" {node_id}", cls="faint")])),
               P(*said, cls="muted"),
               Div(TrialChart(trials, direction, metric_name, n_trials),
                   TrialTable(trials, plugin, best["number"] if best else None), cls="search-body"),
               *apply, cls="search", data_search=node_id)


def _metric_name(key) -> str:
    """The title of the metric a search scored by (plugins.registry.metric_name's rule);
    "value" when its trials name none."""
    return title_of(key) if key else "value"


def LiveSearches(trials_by_node: dict, algorithms: dict, node_labels: dict, models):
    """The run panel's view of running searches, from the `node_trial` events so far."""
    sections = []
    for nid, trials in trials_by_node.items():
        last = trials[-1]
        sections.append(SearchSection(nid, node_labels.get(nid, nid), trials, plugin=models.get(algorithms.get(nid)),
                                      metric_name=_metric_name(last.get("metric")),
                                      direction=last.get("direction", "maximize"), n_trials=last.get("n_trials")))
    return Div(*sections, id="trials-body") if sections else Div(id="trials-body")


def FinishedSearches(job: dict, node_labels: dict, models):
    """After the run: each Model node's search from its output, with "Use these parameters"
    (which writes into the workflow the run came from)."""
    out = []
    for n in job.get("nodes") or []:
        search = (n.get("output") or {}).get("optuna") if isinstance(n.get("output"), dict) else None
        if not search:
            continue
        nid = n["node_id"]
        apply_url = f"/ui/jobs/{job['id']}/nodes/{nid}/use-parameters" if job.get("workflow_id") else None
        out.append(SearchSection(nid, node_labels.get(nid, nid), search.get("trials") or [],
                                 plugin=models.get(n["output"].get("algorithm")),
                                 metric_name=_metric_name(search.get("metric")),
                                 description=search.get("description"),
                                 direction=search.get("direction", "maximize"), n_trials=search.get("n_trials"),
                                 folds=search.get("folds"), best_params=search.get("best_params") or {},
                                 apply_url=apply_url))
    return out


def ParametersUsed(node_label: str):
    return P(f"{node_label} now uses these parameters; Undo in the workflow's editor (Ctrl Z) takes them back.",
             cls="notice ok",
             role="status", data_parameters_used="1")
