"""Results of a run: metrics per model with direction arrows, plots (enlarge, download),
per-node errors and durations; and the run history of a workflow."""

from __future__ import annotations

import time

from fasthtml.common import (
    H2,
    H3,
    H4,
    A,
    Button,
    Details,
    Div,
    Figcaption,
    Figure,
    Form,
    Img,
    Input,
    Label,
    Li,
    P,
    Span,
    Summary,
    Table,
    Td,
    Th,
    Tr,
    Ul,
)

from components.format import POSITIVE_CLASS_HELP, counted, fmt_number, fmt_spread, positive_class_text
from components.layout import Page, Pill
from components.leaderboard import Leaderboard
from components.search import FinishedSearches
from data.ingest import UPLOAD_ACCEPT
from plugins import registry


def _when(ts) -> str:
    return time.strftime("%d %b %H:%M:%S", time.localtime(ts)) if ts else "—"


def ConfusionMatrix(value):
    labels, matrix = value.get("labels", []), value.get("matrix", [])
    return Table(Tr(Th("true \\ pred"), *[Th(str(lab)) for lab in labels]),
                 *[Tr(Th(str(lab)), *[Td(fmt_number(c)) for c in row]) for lab, row in zip(labels, matrix)], cls="cm")


def Report(report: dict):
    """scikit-learn's classification report: precision, recall, F1 and support per class."""
    classes = [k for k, v in report.items() if isinstance(v, dict)]
    return Table(Tr(Th("class"), Th("precision"), Th("recall"), Th("F1"), Th("support")),
                 *[Tr(Th(str(c)), *[Td(fmt_number(report[c].get(k, 0))) for k in ("precision", "recall", "f1-score")],
                      Td(fmt_number(int(report[c].get("support", 0))))) for c in classes], cls="cm")


def key_metric_name(km: dict, metrics_registry) -> str:
    """The run's headline metric as the history and the results name it: its title, or what
    its number is about when the metric averages ("F1 score, positive class: Ja")."""
    metric = (metrics_registry or {}).get(km["key"])
    if metric is not None and km.get("description") and metric.averaging:
        return km["description"]
    return registry.metric_name(km["key"])


def Headline(job, metrics_registry, model_names):
    """The figure the user asked for, first: the run's key metric (the first Evaluate node's
    first metric; with several models, the best one's, named), as the history lists it. At
    1366x768 it sat under the warnings and the trained models, off the first screen (found
    by a new user). None when the run has no scalar metric."""
    from plugins.registry import headline_metric

    km = headline_metric(job.get("results") or {})
    if km is None:
        return None
    metric = (metrics_registry or {}).get(km["key"])
    arrow = {"higher": "↑", "lower": "↓"}.get(metric.direction if metric else None, "")
    whose = (f"{model_names.get(km['algorithm'], km['algorithm'])}, best of {km['of']} models" if km.get("of")
             else model_names.get(((job.get("results") or {}).get("metrics") or {}).get(km["node_id"], {})
                                  .get("algorithm"), ""))
    return Div(Span(key_metric_name(km, metrics_registry), cls="headline-name"), " ",
               Span(fmt_number(km["value"]), cls="headline-value", data_headline_value=km["key"]),
               *([Span(f" {arrow}", cls="arrow", title=f"{metric.direction} is better")] if arrow else []),
               *([Span(f" · {whose}", cls="faint")] if whose else []),
               Span(f" · {km['node_id']}", cls="faint"),
               cls="headline", data_headline=km["key"])


def MetricsCard(node_id, entry, metrics_registry, model_names):
    rows = []
    baseline = entry.get("baseline") or {}
    intervals = entry.get("intervals") or {}
    descriptions = entry.get("descriptions") or {}  # recorded by the run (older runs have none)
    for key, value in (entry.get("values") or {}).items():
        m = metrics_registry.get(key)
        name = registry.metric_name(key)
        said = descriptions.get(key)
        # what the number is ("F1 score, macro over 3 classes"): the part after the name
        what = [Span(said.removeprefix(name).lstrip(", "), cls="metric-what", data_metric_what=key)] if said else []
        if isinstance(value, dict):
            rows.append(Div(Span(name, *what, cls="metric-name"), cls="metric"))
            # a wide table (long class names, many classes) scrolls inside the card, not under the plots beside it
            rows.append(Div(ConfusionMatrix(value) if "matrix" in value else Report(value), cls="cm-scroll"))
            continue
        arrow = {"higher": "↑ higher is better", "lower": "↓ lower is better"}.get(m.direction if m else None, "")
        extra = []
        if key in intervals and intervals[key]:
            lo, hi = intervals[key]
            extra.append(Span(f" [{fmt_number(lo)}, {fmt_number(hi)}]", cls="faint", title="95% bootstrap interval"))
        if key in baseline and baseline[key] is not None:
            extra.append(Span(f" baseline {fmt_number(baseline[key])}", cls="faint"))
        rows.append(Div(Span(name, Span(arrow, cls="arrow", title=arrow), *what, cls="metric-name"),
                        Span(Span(fmt_number(value), cls="v", data_metric=key), *extra), cls="metric"))
        if entry.get("errors", {}).get(key):
            rows.append(P(entry["errors"][key], cls="notice warn"))
    rows += CrossValidation(entry, metrics_registry)
    model = model_names.get(entry.get("algorithm"), entry.get("algorithm"))
    positive = positive_class_text(entry.get("facts"))
    said = [P(positive, cls="help positive-class", title=POSITIVE_CLASS_HELP, data_positive_class="1")] if positive else []
    return Div(H3(model, " ", Span(f"· {node_id}", cls="faint")), *said, *rows, cls="metrics-card",
               data_evaluate=node_id)


def selection_label(search: dict, metric_name: str) -> str:
    return (f"Selection score: {metric_name}, best of {search['n_trials']} trials, "
            f"{search.get('folds') or '?'}-fold CV on the training rows")


def CrossValidation(entry, metrics_registry) -> list:
    """CV on the training rows. After an Optuna search the figure is the best of n trials on
    the folds that chose the parameters: labelled as the selection score, optimistic, with
    the test metrics named as the honest estimate."""
    cv, search = entry.get("cv"), entry.get("search")
    if not cv and not search:
        return []
    key = (cv or search)["metric"]
    # as the run described it ("F1 score, positive class: 0"); older runs: the metric's name
    name = (cv or search).get("description") or registry.metric_name(key)
    if search:
        value = fmt_spread(cv["mean"], cv["std"]) if cv else fmt_number(search["best_value"])
        return [Div(Span(selection_label(search, name), data_selection="1"), Span(value, cls="v"), cls="metric"),
                P("Optimistic: it picked the best of many tries on these folds. The test metrics above are the honest "
                  "estimate.", cls="help")]
    # laid out as the metrics above it: the name, and what it is on a line of its own
    return [Div(Span("Cross-validation", Span(f"{name}, {len(cv['folds'])} folds on the training rows",
                                              cls="metric-what"), cls="metric-name"),
                Span(fmt_spread(cv["mean"], cv["std"]), cls="v"), cls="metric")]


def PlotFigure(job_id, plot, model_names):
    if not plot.get("artifact_id"):
        return Div(P(f"{plot['name']}: {plot.get('error', 'not rendered')}", cls="notice warn"))
    url = f"/api/v1/jobs/{job_id}/artifacts/{plot['artifact_id']}"
    caption = f"{plot['name']} · {model_names.get(plot.get('algorithm'), plot.get('algorithm', ''))}"
    return Figure(Img(src=url, alt=caption, loading="lazy", data_enlarge=url, data_caption=caption),
                  Figcaption(Span(caption), A("Download", href=url, download=f"{plot['key']}.png")),
                  data_plot=plot["key"], data_plot_digest=plot.get("digest") or None)


def ResultsPanel(job, metrics_registry, model_names, node_labels, own_page: bool = False):
    """A run's results; `own_page`: shown on the run's page, which needs no link to itself."""
    if job is None:
        return P("Run the workflow to see metrics and plots here.", cls="muted")
    results = job.get("results") or {}
    nodes = job.get("nodes") or []
    head = Div(Pill(job["status"]), Span(f" Run {job['id']} · {_when(job.get('created_at'))}", cls="muted"),
               *([Span(f" · {job['completed_at'] - job['started_at']:.1f} s", cls="muted")]
                 if job.get("completed_at") and job.get("started_at") else []),
               *([] if own_page else [" ", A("Open as a page ↗", href=f"/jobs/{job['id']}", target="_blank",
                                             cls="small", data_results_page="1")]),
               *([" · ", A("Export as Python", href=f"/api/v1/jobs/{job['id']}/script", download=True, cls="small",
                           data_export_script="1", title="One standalone script that reproduces this run")]
                 if job["status"] in ("completed", "failed", "cancelled") else []))
    problems = [n for n in nodes if n["status"] == "failed"]
    errors = [Div(H4("Errors"), *[P(f"{node_labels.get(n['node_id'], n['node_id'])} ({n['node_id']}): "
                                    f"{n.get('error_message') or n.get('message')}", cls="notice error")
                                  for n in problems])] if problems else []
    if job.get("error_message") and not problems:
        errors.append(P(job["error_message"], cls="notice error"))
    decided = Decisions(nodes, node_labels)
    node_results = results.get("nodes") or {}
    warned = [(nid, w) for nid, n in node_results.items() for w in (n or {}).get("warnings") or []]
    warnings = [Div(H4(f"Warnings ({len(warned)})"),
                    Ul(*[Li(Span(f"{node_labels.get(nid, nid)} ({nid}): ", cls="faint"), w) for nid, w in warned],
                       cls="notice warn warnings-list"), data_warnings=str(len(warned)))] if warned else []
    # why each node ran (what changed since this workflow last ran it), or where it was reused from
    said = any(_outcome(n) for n in nodes)
    durations = Table(Tr(Th("Node"), Th("Status"), Th("Time", cls="num"), *([Th("Outcome")] if said else []), Th("Why")),
                      *[Tr(Td(f"{node_labels.get(n['node_id'], n['node_id'])}", Span(f" {n['node_id']}", cls="faint")),
                           Td(Pill(n["status"])), Td(f"{n['duration']:.2f} s" if n.get("duration") is not None else "—", cls="num"),
                           *([Td(_outcome(n), cls="small outcome", data_outcome=n["node_id"])] if said else []),
                           Td(n.get("reason") or "", cls="small why", data_why=n["node_id"]))
                        for n in _in_run_order(nodes)], cls="grid durations")
    # below the metrics and plots, the page's full width: in the metrics' column (261 px at
    # 1366x768 maximised) it was painted under the plot cards; wider still, it scrolls in its box
    durations = Div(durations, cls="durations-scroll")
    metrics = [MetricsCard(nid, entry, metrics_registry, model_names)
               for nid, entry in (results.get("metrics") or {}).items()]
    plots = [PlotFigure(job["id"], p, model_names) for p in results.get("plots") or []]
    searches = FinishedSearches(job, node_labels, registry.models())
    board = Leaderboard(job, node_labels, metrics_registry, model_names)
    models = TrainedModels(job, node_labels, model_names)
    loops = LoopRounds(job, node_labels)
    files = Downloads(job, node_labels)
    headline = Headline(job, metrics_registry, model_names)
    # the headline figure first, then what the run decided, its errors and warnings, then the
    # metrics: on the first screen of the results area at 1366x768. The trained models (take
    # one out, score a file) come after the metrics: before them they pushed the metrics a
    # screen down, out of a new user's sight
    return Div(head, *([headline] if headline else []), *([decided] if decided else []), *errors, *warnings,
               *loops, *([board] if board else []),
               *([files] if files else []),
               Div(Div(*(metrics or [P("No metrics in this run.", cls="muted")])),
                   Div(Div(*plots, cls="plots") if plots else P("No plots in this run.", cls="muted")),
                   cls="results"),
               *([models] if models else []),
               durations,
               *searches,
               id="results-body", data_job=job["id"], data_status=job["status"])


def Downloads(job, node_labels):
    """The files nodes saved for the user (a Predict node's predictions: `downloads` in a
    node's output), each to download; None when there are none."""
    from executor.engine import DONE

    rows = [Li(Span(f"{node_labels.get(n['node_id'], n['node_id'])} ({n['node_id']}): ", cls="faint"),
               A(d["label"], href=f"/api/v1/jobs/{job['id']}/artifacts/{d['artifact_id']}", download="",
                 data_download=n["node_id"]))
            for n in _in_run_order(job.get("nodes") or []) if n.get("status") in DONE
            and isinstance(n.get("output"), dict)
            for d in n["output"].get("downloads") or [] if isinstance(d, dict) and d.get("artifact_id")]
    return Div(H4("Files"), Ul(*rows), cls="downloads") if rows else None


def Decisions(nodes: list, node_labels: dict):
    """What the run decided, first: each headline node's end (a gate's verdict, the version a
    deploy made or why it was skipped, how a retrain loop ended), declared by its node type."""
    from nodes.registry import node_types

    types = node_types()
    rows = []
    for n in _in_run_order(nodes):
        nt = types.get(n.get("node_type") or "")
        said = _outcome(n)
        if nt is None or not nt.headline or not said:
            continue
        link = nt.headline_link if nt.headline_link and n.get("status") in ("completed", "cached") else None
        rows.append(Li(Span(f"{node_labels.get(n['node_id'], n['node_id'])} ({n['node_id']}): ", cls="faint"), said,
                       *([" · ", A(link[0], href=link[1])] if link else []), data_decision=n["node_id"]))
    return Ul(*rows, cls="decisions") if rows else None


def _outcome(n: dict) -> str:
    """What a node said of its end: the sentence its output carries (a gate's verdict, the
    version a Deploy node made, how a loop ended), or why it was skipped or not run. Its
    warnings are listed above, and a failure under Errors."""
    output = n.get("output")
    if isinstance(output, dict) and isinstance(output.get("message"), str):
        return output["message"]
    return (n.get("message") or "") if n.get("status") in ("skipped", "cancelled") else ""


def LoopRounds(job, node_labels) -> list:
    """Each bounded loop's rounds (a Retrain node's output): the change each round made, the
    verdict it got, and how the loop ended."""
    out = []
    for n in job.get("nodes") or []:
        output = n.get("output") if isinstance(n.get("output"), dict) else {}
        rounds = [r for r in output.get("rounds") or [] if isinstance(r, dict)]
        if not rounds:
            continue
        rows = [Tr(Td(str(r.get("round"))), Td(r.get("change") or "as configured"),
                   Td((r.get("verdict") or {}).get("message") or ""), data_round=str(r.get("round")))
                for r in rounds]
        out.append(Div(H4(f"{node_labels.get(n['node_id'], n['node_id'])}: {len(rounds)} round"
                          f"{'s' if len(rounds) != 1 else ''}"),
                       Table(Tr(Th("Round"), Th("Change"), Th("Verdict")), *rows, cls="grid"),
                       # the loop's own sentence: the node's stored message also holds its warnings (listed above)
                       P(output.get("message") or n.get("message") or "", cls="small muted"),
                       cls="loop-rounds", data_loop=n["node_id"]))
    return out


def TrainedModels(job, node_labels, model_names):
    """Each trained model of the run: its bundle to download (model, runtime, predict.py,
    model card) and "Score a file" (an uploaded table scored by it, the predictions to
    download). None when the run trained none that has a bundle."""
    from executor.engine import DONE  # a model the run reused from the cache is the run's as much

    trained = [n for n in job.get("nodes") or [] if n.get("status") in DONE
               and isinstance(n.get("output"), dict) and n["output"].get("portable")]
    if not trained:
        return None
    rows = []
    said = (job.get("results") or {}).get("nodes") or {}
    for n in trained:
        nid, output = n["node_id"], n["output"]
        facts = output["portable"]
        # a retrain loop's later round: what that round trained ("Logistic Regression (round 2 of 3)")
        trained_as = (said.get(nid) or {}).get("summary") or model_names.get(output.get("algorithm"),
                                                                             output.get("algorithm"))
        name = f"{node_labels.get(nid, nid)}: {trained_as}"
        bundle = f"/api/v1/jobs/{job['id']}/models/{nid}/bundle"
        score = f"/ui/scoring/{job['id']}/{nid}"
        proba = [Button("Score with probabilities", type="submit", cls="small", hx_post=f"{score}?proba=1",
                        data_score_proba=nid)] if facts.get("classes") is not None else []
        rows.append(Div(
            Div(Span(Span(name, cls="b"), Span(f" · {nid} · {len(facts.get('features') or [])} feature columns",
                                               cls="faint")),
                A("Download model", href=bundle, download="", cls="button small", data_download_model=nid,
                  title="A zip: the fitted pipeline (skops), predict.py, requirements.txt and a model card"),
                cls="trained-model-head"),
            Form(Label("Score a file", fr=f"score-file-{nid}", cls="small"),
                 Input(type="file", name="file", id=f"score-file-{nid}", accept=UPLOAD_ACCEPT, required=True),
                 Button("Score", type="submit", cls="small", hx_post=score, data_score_model=nid), *proba,
                 hx_encoding="multipart/form-data", hx_target=f"#score-result-{nid}", hx_swap="innerHTML",
                 cls="score-form"),
            Div(id=f"score-result-{nid}", data_score_result=nid),
            DeployForm(job["id"], nid),
            cls="trained-model", data_trained_model=nid))
    return Div(H4("Trained models"), P("Take a model out (it loads with skops, no checkout needed) or score new rows "
                                       "with it: the columns must be the ones it was trained on.", cls="help"),
               *rows, cls="trained-models")


def DeployForm(job_id: str, nid: str):
    """"Deploy…": the model as a new version of a named deployment, put in production."""
    return Details(Summary("Deploy…", data_deploy_open=nid),
                   Form(Label("Deployment name", fr=f"deploy-name-{nid}", cls="small"),
                        Input(name="name", id=f"deploy-name-{nid}", required=True, placeholder="e.g. churn"),
                        Button("Deploy", type="submit", cls="small primary", data_deploy_model=nid),
                        hx_post=f"/ui/jobs/{job_id}/models/{nid}/deploy", hx_target=f"#deploy-result-{nid}",
                        hx_swap="innerHTML", cls="score-form"),
                   Div(id=f"deploy-result-{nid}"), cls="deploy-model")


def _in_run_order(nodes: list) -> list:
    """The nodes as the run took them (when each started, or was reused), those that never
    started after: in the order they were added, Preprocessing came after Visualize; a reused
    node, which never starts, came after those that ran (found by a new user)."""
    def at(n):
        return n.get("started_at") or n.get("completed_at") if n.get("status") == "cached" else n.get("started_at")

    return sorted(nodes, key=lambda n: (at(n) is None, at(n) or 0))


def ScoreResult(result: dict | None = None, error: str | None = None):
    """What "Score a file" answered: the predictions to download, or why the rows were refused."""
    if error:
        return P(error, cls="notice error", role="alert", data_score_error="1")
    what = "Predictions with class probabilities" if result.get("proba") else "Predictions"
    done = P(f"{what} for {counted(result['rows'], 'row')}: ", A("Download predictions (CSV)", href=result["url"],
                                                       download=f"predictions-{result['score_id']}.csv",
                                                       data_download_predictions="1"), cls="notice")
    read = [Details(Summary(f"How the file was read ({len(result['reading'])} note"
                            f"{'s' if len(result['reading']) != 1 else ''})"),
                    Ul(*[Li(n) for n in result["reading"]]), cls="notice", data_score_reading="1")] \
        if result.get("reading") else []  # its encoding, regional numbers and dates, gaps: as an upload says them
    warned = [Div(Ul(*[Li(w) for w in result["warnings"]]), cls="notice warn", data_score_warnings="1")] \
        if result.get("warnings") else []
    return Div(done, *warned, *read) if read or warned else done


def HistoryList(jobs, metrics_registry=None, model_names=None):
    """Each run: status, when, how long, its key metric (the first Evaluate node's first
    metric; with several models the best one's, named), the error if any, and its results
    one click away."""
    model_names = model_names or {}
    if not jobs:
        return P("No runs yet.", cls="muted")
    items = []
    # ticking two runs enables Compare (playground.js), which opens their comparison in the results area
    tools = Div(Button("Compare", cls="small", data_compare_runs="1", disabled=True,
                       title="Tick two runs to compare them"),
                Span("Tick two runs to compare their settings and metrics.", cls="faint", data_compare_hint="1"),
                cls="history-tools")
    for j in jobs:
        took = f"{j['completed_at'] - j['started_at']:.1f} s" if j.get("completed_at") and j.get("started_at") else ""
        km = j.get("key_metric")
        best = (f" · {model_names.get(km['algorithm'], km['algorithm'])}, best of {km['of']}"
                if km and km.get("of") else "")
        metric = Span(f"{key_metric_name(km, metrics_registry)} {fmt_number(km['value'])}{best}",
                      cls="b key-metric") if km else Span()
        pick = Input(type="checkbox", data_compare_pick=j["id"], aria_label=f"Select run {j['id']} for comparison")
        changed = [Span(j["changed"], cls="small changed", data_changed=j["id"], title=j["changed"])
                   ] if j.get("changed") else []
        items.append(Li(pick, Pill(j["status"]), Span(_when(j["created_at"])), Span(took, cls="muted"), metric,
                        *changed, Span(j.get("error_message") or "", cls="faint"), Div(cls="spacer"),
                        Button("Open results", cls="small", data_open_job=j["id"])))
    return Div(*([tools] if len(jobs) > 1 else []), Ul(*items, cls="history-list"), cls="history")


def RunPage(job, workflow, panel):
    """A run's results on a page of their own (/jobs/{id}): a stable address to keep or share."""
    name = (workflow or {}).get("name") or "Workflow"
    back = [A(f"← {name}", href=f"/workflows/{workflow['id']}")] if workflow else []
    return Page(f"{name}: run {job['id']}", Div(*back, H2(f"{name}: run {job['id']}"),
                                                 Div(panel, id="results"), cls="page results-page"),
                active="workflows")
