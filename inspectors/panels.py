"""The six inspectors, as seed 000's tables describe them. Each renders one form that
posts on every change (htmx), so a field is validated and saved as soon as it is edited."""

from __future__ import annotations

import json

from fasthtml.common import (
    H2,
    H3,
    H4,
    A,
    Button,
    Details,
    Div,
    Form,
    Input,
    Label,
    Li,
    Optgroup,
    Option,
    P,
    Select,
    Span,
    Summary,
    Table,
    Tbody,
    Td,
    Th,
    Thead,
    Tr,
    Ul,
)

from data.ingest import UPLOAD_ACCEPT
from inspectors.context import InspectorContext
from inspectors.fields import Checkbox, ParamField
from inspectors.forms import Form as PostedForm
from inspectors.forms import parse_dataset, parse_keys, parse_model, parse_preprocessing, parse_split
from inspectors.generic import GenericInspector, Previews, parse_params
from inspectors.parts import ActionButton, Credits, Head, PanelForm, Upstream, Warnings
from nodes.evaluate import OPTION_PARAMS, capabilities
from plugins import registry


# --------------------------------------------------------------------------- dataset
def DatasetInspector(ctx: InspectorContext):
    chosen = ctx.config.get("dataset_id")
    tab = "mine" if chosen and not any(s["id"] == chosen for s in ctx.samples) else "sample"

    def radio(d, where):
        return Label(Input(type="radio", name="dataset_id", value=d["id"], checked=d["id"] == chosen),
                     Div(Div(d["name"], cls="title"),
                         Div(f"{d['n_rows']:,} rows × {d['n_cols']} cols · {d.get('problem_type') or '—'}"
                             + (" · uploaded" if where == "mine" else ""), cls="sub")),
                     cls="choice", data_search=f"{d['name']} {d.get('filename', '')} {d['id']}".lower())

    # The tabs and the search are not form fields (no name, data-no-submit): switching tabs
    # or typing never posts the form; playground.js shows one list, or every match.
    search = Input(type="search", placeholder="Search all datasets by name", aria_label="Search datasets",
                   data_ds_search="1", data_no_submit="1")
    tabs = Div(*[Button(label, type="button", role="tab", data_ds_tab=key, aria_selected="true" if key == tab else "false",
                        aria_controls=f"ds-list-{key}", id=f"ds-tab-{key}")
                 for key, label in (("sample", "Sample data"), ("mine", f"My datasets ({len(ctx.uploads)})"))],
               cls="tabbar", role="tablist", data_no_submit="1")
    lists = Div(
        Div(*[radio(d, "sample") for d in ctx.samples], cls="choices ds-list", data_tab_body="sample",
            id="ds-list-sample", role="tabpanel", aria_labelledby="ds-tab-sample", hidden=tab != "sample"),
        # the chosen upload first: among many (newest first) it was out of view below the others
        Div(*([radio(d, "mine") for d in sorted(ctx.uploads, key=lambda d: d["id"] != chosen)]
              or [P("No uploads yet.", cls="muted")]),
            # a table uploaded here is chosen in this node at once (the panel comes back on "My
            # datasets" with it checked); its fields belong to the upload form below the panel's
            # form (the `form` attribute), so the panel's own posts never carry the file
            Div(Label("Upload a table and use it here", fr="ds-upload-file"),
                Input(type="file", name="file", id="ds-upload-file", accept=UPLOAD_ACCEPT, required=True,
                      form="ds-upload-form"),
                Button("Upload", type="submit", cls="small", form="ds-upload-form"),
                cls="ds-upload", data_no_submit="1"),
            # (the page has no other upload options: it lists every dataset, and each one's page corrects its reading)
            A("Every dataset, and how each was read: the Datasets page →", href="/datasets"), cls="choices ds-list",
            data_tab_body="mine", id="ds-list-mine", role="tabpanel", aria_labelledby="ds-tab-mine",
            hidden=tab != "mine"),
        P("No dataset matches.", cls="muted", data_ds_none="1", hidden=True))
    selection = Div(H3("Dataset"), tabs, search, lists, cls="section ds-picker", data_tab=tab)
    preview = ()
    if ctx.dataset:
        prof = ctx.dataset["profile"]
        cols = [c["name"] for c in prof["columns"]]
        from nodes.dataset import PARAMS

        pt = {p.name: p for p in PARAMS}["problem_type"]
        target = ctx.value("target_column")
        ids = [c["name"] for c in prof["columns"] if c.get("role") == "id" and c["name"] != target]
        included = set(ctx.value("include_ids") or [])

        def id_box(name):
            return Label(Input(type="checkbox", name="include_ids", value=name, checked=name in included),
                         " use as a feature", cls="check")

        preview = (
            Div(H3("Preview", Span(f"· {ctx.dataset.get('name') or chosen}", cls="faint")),
                Div(Div(Span(f"{prof['n_rows']:,}", cls="b"), Span("rows"), cls="stat"),
                    Div(Span(f"{prof['n_cols']}", cls="b"), Span("columns"), cls="stat"),
                    Div(Span(f"{sum(1 for c in prof['columns'] if c.get('missing_pct'))}", cls="b"),
                        Span("with missing values"), cls="stat"),
                    cls="stat-grid"),
                Div(Label("Target column", fr="f-target"),
                    Select(Option("— none (clustering) —", value=""),
                           *[Option(c, value=c, selected=c == target) for c in cols], name="target_column",
                           id="f-target"),
                    *([Div(ctx.error("target_column"), cls="field-error", role="alert")]
                      if ctx.error("target_column") else []),
                    cls="field invalid" if ctx.error("target_column") else "field", style="margin-top:10px"),
                ParamField(pt, ctx.value("problem_type"), error=ctx.error("problem_type")),
                P("The problem type follows the target you pick, unless you choose it yourself.", cls="help"),
                *PositiveClassField(ctx, next((c for c in prof["columns"] if c["name"] == target), None)),
                cls="section"),
            Div(H3("Columns"),
                # the node type's advice (id-like columns left out): the run reports the same sentence
                *[P(w, cls="notice warn") for w in ctx.warnings],
                Input(type="hidden", name="include_ids__present", value="1") if ids else None,
                *([Div(ctx.error("include_ids"), cls="field-error", role="alert")] if ctx.error("include_ids") else []),
                Table(Thead(Tr(Th("Name"), Th("Type"), Th("Missing"))),
                      Tbody(*[Tr(Td(c["name"], *([" ", Span("target", cls="pill")] if c["name"] == target else []),
                                    cls="name"),
                                 # its role and its type, as the dataset page writes them ('categorical bool': a
                                 # new user read a TRUE/FALSE column as 'categorical' and no more)
                                 Td(c["role"], Span(f" {c['dtype']}", cls="mono faint") if c.get("dtype") else None,
                                    *([" ", id_box(c["name"])] if c["name"] in ids else []), cls="muted"),
                                 Td(f"{c['missing_pct']:.1f}%"))
                              for c in prof["columns"]]), cls="grid coltable"), cls="section"),
        )
    status = Div(H3("Status"), P("Ready: the dataset, target and problem type are set." if not ctx.node_errors
                                 else "Needs attention (see above).", cls="muted"), cls="section")
    upload = Form(hx_post=f"/ui/datasets/for/{ctx.workflow_id}/{ctx.node_id}", hx_encoding="multipart/form-data",
                  hx_target="#inspector", hx_swap="innerHTML", id="ds-upload-form")
    return (*Head(ctx), PanelForm(ctx, selection, *preview, status), upload)


def PositiveClassField(ctx: InspectorContext, target: dict | None):
    """Two-class targets: which class F1, precision, recall and ROC AUC are about, offered
    from the target's profile; Automatic is the rarer class. Shown too when a value is set
    that no longer fits (with its error), so it can be put back to Automatic."""
    from nodes.dataset import class_text, target_classes
    from plugins.tables import minority_class, sorted_labels

    chosen = ctx.value("positive_class")
    chosen = None if chosen in (None, "") else class_text(chosen)
    counts = target_classes(target) if ctx.value("problem_type") == "classification" else None
    two = counts if counts and len(counts) == 2 else {}
    if not two and chosen is None:
        return ()
    total = sum(two.values())
    options = [Option(f"Automatic (minority: {class_text(minority_class(two))})" if two else "Automatic", value="")]
    for label in sorted_labels(two):
        options.append(Option(f"{class_text(label)} · {two[label]:,} rows ({two[label] / total:.0%})",
                              value=class_text(label), selected=class_text(label) == chosen))
    if chosen is not None and chosen not in {class_text(label) for label in two}:
        options.append(Option(f"⚠ {chosen}", value=chosen, selected=True))
    error = ctx.error("positive_class")
    return (Div(Label("Positive class", fr="f-positive-class"),
                Select(*options, name="positive_class", id="f-positive-class"),
                *([Div(error, cls="field-error", role="alert")] if error else []),
                P("F1, precision, recall and ROC AUC are about this class; the run states it with every metric.",
                  cls="help"),
                cls="field invalid" if error else "field"),)


# --------------------------------------------------------------------------- preprocessing
def _column_options(decl, chosen: list, columns: list[dict] | None):
    """The chooser's options: the step's applicable columns with their kind, then any
    chosen column that is not (any more): shown, selected and flagged, never dropped."""
    import plugins.preprocessing as pp

    cols = columns or []
    options = [(c["name"], f"{c['name']} · {c['kind']}") for c in cols if pp.applicable(decl.applies_to, c["kind"])]
    offered = {v for v, _ in options}
    kinds = {c["name"]: c["kind"] for c in cols}
    for name in chosen:
        if name not in offered:
            why = f"{kinds[name]}, not {pp.kinds_text(decl.applies_to)}" if name in kinds else "not in the data"
            options.append((name, f"⚠ {name} · {why}" if columns is not None else name))
    return options


def OperationStep(ctx: InspectorContext, i: int, op: dict, decl, n_steps: int, columns, is_open: bool):
    """One step: a header that says what it does, to which columns and when; its settings
    below. Field ids stay put across re-renders, so htmx gives the focus back."""
    import plugins.preprocessing as pp

    params = {p.name: p.default for p in decl.params} | dict(op.get("parameters") or {})
    step_error = ctx.error(f"operations.{i}")
    fields = []
    for p in decl.params:
        name = f"op-{i}-{p.name}"
        value = ctx.refused[name][0] if name in ctx.refused else params.get(p.name)
        options = _column_options(decl, value or [], columns) if p.kind == "columns" else None
        field_error = ctx.refused[name][1] if name in ctx.refused else None
        field = ParamField(p, value, name=name, error=field_error, columns=options)
        if p.kind == "columns" and columns is not None and not any(
                pp.applicable(decl.applies_to, c["kind"]) for c in columns):
            field = Div(field, P(f"The data has no {pp.kinds_text(decl.applies_to)} columns at this step.",
                                 cls="help"))
        fields.append(field)
        if p.kind in ("columns", "multiselect"):
            fields.append(Input(type="hidden", name=f"{name}__present", value="1"))
    acts_on = pp.columns_text(decl, params, columns)
    named = pp.step_title(decl, params)  # "Mark -99, 999 as missing"
    title = f"{named} · {acts_on}" if acts_on else named
    head = Summary(
        Span(cls="chev", aria_hidden="true"), Span(str(i + 1), cls="n"),
        Div(Div(Span(named, cls="name"), *([Span(f" · {acts_on}", cls="cols")] if acts_on else []),
                cls="op-line", title=title),
            Div(decl.when, cls="when", data_when=decl.kind if not decl.stateless else "stateless"), cls="op-title"),
        ActionButton("↑", f"up:{i}", aria_label=f"Move {decl.name} up", disabled=i == 0, id=f"op-{i}-up"),
        ActionButton("↓", f"down:{i}", aria_label=f"Move {decl.name} down", disabled=i == n_steps - 1,
                     id=f"op-{i}-down"),
        ActionButton("✕", f"remove:{i}", aria_label=f"Remove {decl.name}", id=f"op-{i}-remove"),
        id=f"op-{i}-head")
    body = Div(*([Div(step_error, cls="field-error", role="alert")] if step_error else []),
               P(decl.description, cls="muted"), *fields, cls="op-body")
    invalid = bool(step_error or any(f"op-{i}-{p.name}" in ctx.refused for p in decl.params))
    return Details(head, body, cls="op invalid" if invalid else "op", open=is_open or invalid, data_step=str(i))


def PreprocessingInspector(ctx: InspectorContext):
    import plugins.preprocessing as pp
    from inspectors.forms import open_steps
    from nodes.preprocessing import design_facts, input_columns, steps_of

    ops_decl = registry.operations()
    ops = ctx.config.get("operations") or []
    columns = input_columns(ctx.upstream)  # None: nothing connected yet
    steps = steps_of(ctx.config)
    inputs = pp.step_inputs(steps, columns, design_facts(ctx.upstream)) if columns is not None else [None] * len(ops)
    opened = open_steps(ctx.posted, len(ops), ops_decl.keys())
    items = []
    for i, op in enumerate(ops):
        decl = ops_decl.get(op.get("method"))
        if decl is None:
            items.append(Div(P(f"Unknown operation {op.get('method')!r}", cls="notice error"),
                             ActionButton("Remove", f"remove:{i}")))
            continue
        items.append(OperationStep(ctx, i, op, decl, len(ops), inputs[i] if i < len(inputs) else None, i in opened))
    groups: dict = {}
    for op in ops_decl.values():
        groups.setdefault(op.category, []).append(op)
    from plugins.preprocessing import CATEGORIES

    add = Div(Select(Option("Add an operation…", value=""),
                     *[Optgroup(*[Option(o.name, value=o.key) for o in group], label=CATEGORIES.get(cat, cat))
                       for cat, group in groups.items()], name="add_method", aria_label="Operation to add"),
              cls="field")
    # which steps are open: playground.js keeps this on each step's toggle, the server renders them open
    state = Input(type="hidden", name="open_steps", value=",".join(str(i) for i in sorted(opened)),
                  data_open_steps="1")
    return (*Head(ctx), PanelForm(
        ctx, Upstream(ctx), state,
        Div(H3("Operations"), Div(*items, cls="ops") if items else P("No operations: the data passes through.",
                                                                     cls="muted"), add,
            P("Steps run in this order as part of the model. What a step learns comes from the training rows only; "
              "row filters remove training rows, and every test row is still predicted and scored.", cls="help"),
            cls="section"),
        *Warnings(ctx.warnings)))


# --------------------------------------------------------------------------- split
def SplitInspector(ctx: InspectorContext):
    from nodes.split import PARAMS, group_columns

    by = {p.name: p for p in PARAMS}
    test = ctx.value("test_size", 0.2)  # a refused post: the percentage typed, shown back
    saved = ctx.config.get("test_size", ctx.clean.get("test_size", 0.2))  # what the preview counts
    try:
        pct = round(float(saved) * 100)
    except (TypeError, ValueError, OverflowError):
        pct = 20
    classification = ctx.upstream.problem_type == "classification"
    # whether Stratify means anything here is the Param's declaration (its problem types)
    ptype, kinds = ctx.upstream.problem_type, by["stratify"].problem_types
    stratifies = ptype in kinds
    unused_why = (f"not for {ptype}: " if ptype else "") + f"{' or '.join(kinds)} only"
    presets = Div(*[Button(f"{100 - p}/{p}", type="submit", name="action", value=f"preset:{p}", cls="small",
                           aria_pressed="true" if p == pct else "false") for p in (20, 30, 10)], cls="seg")
    # the slider is the declaration's (display="percent"); the presets are this panel's own
    slider = ParamField(by["test_size"], test, error=ctx.error("test_size"), extra=(presets,))
    seed = Div(ParamField(by["random_seed"], ctx.value("random_seed", 42), error=ctx.error("random_seed")),
               Button("⟳ New seed", type="submit", name="action", value="regenerate", cls="small"), cls="row")
    bar = Div(Div(f"train {100 - pct}%", cls="train", style=f"width:{100 - pct}%"),
              Div(f"test {pct}%", cls="test", style=f"width:{pct}%"), cls="splitbar")
    # the row counts and the class distribution are the node type's own preview blocks (nodes/split.py)
    counts = Div(*Previews([b for b in ctx.previews if b.get("role") == "row_counts"]), cls="row-counts")
    dist = Previews([b for b in ctx.previews if b.get("kind") == "bars"]) if classification else ()
    return (*Head(ctx), PanelForm(
        ctx, Upstream(ctx),
        Div(H3("Split"), slider, cls="section"),
        Div(H3("Options"),
            Checkbox("stratify", "Stratify by class" + ("" if stratifies else f" ({unused_why})")
                     + (" (not applied while rows are kept together)" if stratifies and ctx.value("group_by", None)
                        else ""),
                     ctx.value("stratify", True) and stratifies, disabled=not stratifies),
            Checkbox("shuffle", "Shuffle rows first", ctx.value("shuffle", True)),
            Checkbox("drop_duplicates", by["drop_duplicates"].title, ctx.value("drop_duplicates", False),
                     help=by["drop_duplicates"].help), seed,
            ParamField(by["group_by"], ctx.value("group_by", None), error=ctx.error("group_by"),
                       columns=group_columns(ctx.upstream)), cls="section"),
        Div(H3("Preview"), bar, counts,
            *Previews([b for b in ctx.previews if b.get("role") == "groups"]), *dist, cls="section"),
        *Warnings(ctx.warnings)))


# --------------------------------------------------------------------------- model
def ModelInspector(ctx: InspectorContext):
    from nodes.model import TRAINING_PARAMS

    pt = ctx.upstream.problem_type
    plugins = registry.models_for(pt)
    chosen = ctx.config.get("algorithm")
    algos = Div(*[Label(Input(type="radio", name="algorithm", value=p.key, checked=p.key == chosen),
                        Div(Div(f"{p.icon} {p.name}", cls="title"), Div(p.description, cls="sub"),
                            Div(f"Best for: {p.best_for}", cls="best")), cls="choice", data_algorithm=p.key)
                  for p in plugins], cls="choices")
    sections = [Upstream(ctx),
                Div(H3("Algorithm", Span(f"· {pt}" if pt else "· connect a dataset to filter", cls="faint")),
                    algos, *([Div(ctx.error("algorithm"), cls="field-error")] if ctx.error("algorithm") else []),
                    cls="section")]
    plugin = registry.models().get(chosen or "")
    if plugin is not None:
        hp = ctx.config.get("hyperparameters") or {}

        def field(p):
            name = f"hyperparameters.{p.name}"
            value = ctx.refused[name][0] if name in ctx.refused else hp.get(p.name, p.default_for(pt))
            return ParamField(p, value, name=f"hp-{p.name}", error=ctx.error(name), problem_type=pt)

        params = plugin.params_for(pt)
        sections.append(Div(H3("Hyperparameters"), *[field(p) for p in params if not p.advanced],
                            Details(Summary("Advanced"), *[field(p) for p in params if p.advanced], cls="advanced",
                                    open=any(ctx.error(f"hyperparameters.{p.name}") for p in params if p.advanced)),
                            cls="section"))
        caps = registry.capabilities(plugin, pt) if pt else {"supported_metrics": []}
        scalar = [k for k in caps["supported_metrics"] if registry.metrics()[k].kind == "scalar"]
        metric_sel = Div(Label("Metric to optimise", fr="f-optuna-metric"),
                         Select(Option("default", value=""), *[Option(registry.metrics()[k].name, value=k,
                                                                      selected=k == ctx.value("optuna_metric"))
                                                               for k in scalar], name="optuna_metric",
                                id="f-optuna-metric"), cls="field")
        # the fields, their order and when each shows come from TRAINING_PARAMS' declarations
        values = {p.name: ctx.value(p.name, p.default) for p in TRAINING_PARAMS}
        fields = [metric_sel if p.choices_from == "scalar_metrics" else
                  ParamField(p, values[p.name], error=ctx.error(p.name))
                  for p in TRAINING_PARAMS if p.visible(values)]
        search = [SearchSpace(plugin, ctx.config.get("hyperparameters") or {}, pt)] if values["use_optuna"] else []
        sections.append(Div(H3("Training"), *fields, *search, cls="section"))
        if ctx.estimate:
            sections.append(Div(H3("Cost estimate"),
                                Div(Span("≈ ", Credits(ctx.estimate['credits'])),
                                    Span(f"≈ {ctx.estimate['seconds']:g} s", cls="muted"), cls="cost"),
                                P(" · ".join(ctx.estimate.get("breakdown", [])), cls="help"), cls="section"))
    return (*Head(ctx), PanelForm(ctx, *sections, *Warnings(ctx.warnings)))


def _num(v) -> str:
    return f"{v:g}" if isinstance(v, (int, float)) else str(v)


def SearchSpace(plugin, hp: dict, problem_type):
    """What Optuna will try, from the Params' declarations, with each narrowing's reason."""
    from nodes.model import search_space

    tunable, fixed = search_space(plugin, hp, problem_type)
    rows = []
    for p in tunable:
        if p.kind == "select":
            what = ", ".join(map(str, p.choices_for(problem_type)))
        elif p.kind == "bool":
            what = "on or off"
        else:
            lo, hi, log = p.search_range()
            what = f"{_num(lo)} – {_num(hi)}" + (" (log scale)" if log else "")
        rows.append(Li(Span(p.title, cls="b"), f": {what}", *([Span(f" · {p.search_note}", cls="faint")]
                                                                 if p.search_note else [])))
    rows += [Li(Span(plugin.param_title(name), cls="b"), f": {reason}") for name, reason in fixed.items()]
    return Div(H4("Search space"), Ul(*rows, cls="search-space") if rows else P("Nothing to search.", cls="muted"),
               cls="field")


# --------------------------------------------------------------------------- evaluate / visualize
def _caps(ctx):
    plugin = registry.models().get(ctx.upstream.algorithm or "")
    if plugin is None or not ctx.upstream.problem_type:
        return None, None
    return plugin, registry.capabilities(plugin, ctx.upstream.problem_type)


def _check(name, key, label, checked, extra=(), invalid=False):
    return Label(Input(type="checkbox", name=name, value=key, checked=checked), Span(label), *extra,
                 cls="invalid" if invalid else None, data_key=key)


def Checklist(title: str, field: str, groups, row, stale):
    """Evaluate's metrics and Visualize's plots: quick actions, grouped checkboxes, and the
    selections the upstream model no longer offers, flagged."""
    sections = []
    for i, (heading, keys) in enumerate(g for g in groups if g[1]):
        sections += [H4(heading, style="margin-top:8px" if i else None), Div(*[row(k) for k in keys], cls="checks")]
    if stale:
        sections += [H4("No longer offered", style="margin-top:8px"),
                     Div(*[_check(field, k, k, True, (Span("not offered", cls="dir"),), invalid=True) for k in stale],
                         cls="checks")]
    return Div(H3(title), Input(type="hidden", name=f"{field}__present", value="1"),
               Div(ActionButton("Defaults", "defaults"), ActionButton("All", "all"), ActionButton("Clear", "clear"),
                   cls="quick"),
               *sections, cls="section")


def EvaluateInspector(ctx: InspectorContext):
    plugin, caps = _caps(ctx)
    if caps is None:
        return (*Head(ctx), Upstream(ctx, "Connected model"),
                P("Connect a configured Model node to choose metrics.", cls="muted"))
    chosen = ctx.clean.get("metrics") if ctx.config.get("metrics") is None else ctx.config.get("metrics")
    metrics = registry.metrics()

    def row(k):
        m = metrics[k]
        arrow = {"higher": ("↑ higher", "dir up"), "lower": ("↓ lower", "dir down")}.get(m.direction, ("table", "dir"))
        return _check("metrics", k, m.name, k in chosen, (Span(arrow[0], cls=arrow[1], title=m.description),))

    stale = [k for k in chosen if k not in caps["supported_metrics"]]
    groups = [("Recommended", [k for k in caps["supported_metrics"] if k in caps["default_metrics"]]),
              ("Additional", [k for k in caps["supported_metrics"] if k not in caps["default_metrics"]])]
    return (*Head(ctx), PanelForm(
        ctx, Upstream(ctx, "Connected model"), Checklist("Metrics", "metrics", groups, row, stale),
        Div(H3("Options"), *[ParamField(p, ctx.value(p.name, p.default), error=ctx.error(p.name)) for p in OPTION_PARAMS],
            cls="section")))


def VisualizeInspector(ctx: InspectorContext):
    plugin, caps = _caps(ctx)
    if caps is None:
        return (*Head(ctx), Upstream(ctx, "Connected model"),
                P("Connect a configured Model (or Evaluate) node to choose plots.", cls="muted"))
    chosen = ctx.clean.get("plots") if ctx.config.get("plots") is None else ctx.config.get("plots")
    plots = registry.plots()

    def row(k):
        p = plots[k]
        return _check("plots", k, p.name, k in chosen, (Span(f"{p.cost} cr", cls="dir", title=p.description),))

    supported = caps["supported_plots"]
    groups = [("Recommended", [k for k in supported if k in caps["default_plots"]]),
              ("Performance", [k for k in supported if k not in caps["default_plots"] and plots[k].group == "performance"]),
              ("Explainability", [k for k in supported if k not in caps["default_plots"]
                                  and plots[k].group == "explainability"])]
    stale = [k for k in chosen if k not in supported]
    # its share as Run counts it (the node's estimate): a plot drawn before of the same model is
    # served from the node cache, and the whole node when nothing of it changed
    share = ctx.share or {}
    said = ("reused from an earlier run: no credits" if share.get("reused") else share.get("line"))
    return (*Head(ctx), PanelForm(
        ctx, Upstream(ctx, "Connected model"), Checklist("Visualizations", "plots", groups, row, stale),
        Div(H3("Cost summary"), Div(Span(f"{len(chosen)} plot(s)"),
                                    *([Credits(share["credits"])] if "credits" in share else []), cls="cost"),
            *([P(said, cls="help", data_cost_said="")] if said else []), cls="section")))


def _step_errors(ctx: InspectorContext, config: dict) -> dict:
    """The node type's own validation of a candidate config (the preprocessing node's
    declaration decides which columns a step may name)."""
    from nodes.base import Design

    return ctx.node_type.validate(config, ctx.upstream, Design())[1]


def _columns(ctx: InspectorContext):
    return (ctx.dataset or {}).get("profile", {}).get("columns")


def _checklist_parser(field, options=()):
    """Evaluate's metrics / Visualize's plots: what the upstream model offers."""
    return lambda form, ctx: parse_keys(form, ctx.config, field, capabilities(ctx.upstream), options)


# The panels of the built-in types that need more than their Params (a dataset picker, an
# operation list, a model's hyperparameters and checklists), each with its parser. Every
# other node type, from this project or a plugin package, gets the generic inspector.
CUSTOM = {
    "dataset": (DatasetInspector, lambda form, ctx: parse_dataset(form, ctx.config)),
    "preprocessing": (PreprocessingInspector, lambda form, ctx: parse_preprocessing(
        form, ctx.config, registry.operations(), lambda config: _step_errors(ctx, config))),
    "split": (SplitInspector, lambda form, ctx: parse_split(form, ctx.config)),
    "model": (ModelInspector, lambda form, ctx: parse_model(form, ctx.config, registry.models(),
                                                            ctx.upstream.problem_type)),
    "evaluate": (EvaluateInspector, _checklist_parser("metrics", OPTION_PARAMS)),
    "visualize": (VisualizeInspector, _checklist_parser("plots")),
}


def Inspector(ctx: InspectorContext):
    panel = CUSTOM.get(ctx.node_type.type, (GenericInspector, None))[0]
    # a run reuses what did not change (the node cache); this runs the node and all below it again
    again = Div(Button("↻ Run this node again", type="button", cls="small", data_rerun=ctx.node_id,
                       title="Run this node and every node below it again, even where an earlier run's results "
                             "would be reused"), cls="section insp-rerun")
    # values typed here that were refused, so not saved: a run now would run the settings before them
    refused = {"data_refused": json.dumps([message for _, message in ctx.refused.values()])} if ctx.refused else {}
    return Div(*panel(ctx), again, cls="insp", data_inspector=ctx.node_type.type, data_node_id=ctx.node_id, **refused)


def parse_config(form: PostedForm, ctx: InspectorContext) -> tuple[dict, dict]:
    """The form post of any node's inspector -> (config to store, refused fields)."""
    parser = CUSTOM.get(ctx.node_type.type, (None, parse_params))[1]
    return parser(form, ctx)


def UnknownTypeInspector(node: dict):
    """The panel of a node whose type this app does not have: what it is, and what to do."""
    kind = str(node.get("type") or "")
    return Div(
        Div(Span("?", cls="icon"), H2(node.get("label") or kind or "Unknown node"), cls="insp-head"),
        P(f"Node {node['id']}", cls="insp-sub"),
        Div(P(f"This app has no node type {kind!r}: the plugin that adds it is not installed, or the workflow "
              "file was edited by hand. Delete the node (select it, then Delete), or install the plugin and "
              "reload.", cls="notice warn"), cls="section"),
        cls="insp", data_inspector="unknown", data_node_id=node["id"])


def WorkflowInspector(workflow, states: dict, gone: str | None = None):
    """The workflow's panel; `states`: each node's design state (executor.engine.node_states),
    so the nodes that need attention are named with what each needs (it gave their count only).
    `gone`: the id of a node asked for that the workflow no longer has (deleted since it was
    clicked), said above the panel."""
    from nodes.graph import missing_end, node_names

    nodes = workflow["graph"]["nodes"]
    names = node_names(workflow["graph"])
    pending = [(nid, s) for nid, s in (states.get("nodes") or {}).items() if s["state"] != "configured"]
    whole = list(states.get("graph_errors") or [])  # of no one node: an edge to a node that is not there
    n_errors = len(pending) + len(whole)
    missing = [e for e in workflow["graph"]["edges"] if missing_end(e, {n["id"]: n for n in nodes})]
    remove = Button(f"Remove {'these connections' if len(missing) > 1 else 'this connection'}", type="button",
                    cls="small", hx_delete=f"/ui/workflows/{workflow['id']}/missing-connections",
                    hx_target="#inspector", data_remove_missing="") if missing else None
    said = [Li(m, data_needs="workflow") for m in whole]
    if remove:  # the button beside what it removes, not a bullet of its own
        said[-1:] = [Li(*([whole[-1], " "] if whole else []), remove, data_needs="workflow")]
    needs = Ul(*said,
               *[Li(Span(f"{names.get(nid, nid)} ({nid}): ", cls="b"), s.get("message") or "not configured yet",
                    data_needs=nid) for nid, s in pending[:8]],
               *([Li(f"… and {len(pending) - 8} more")] if len(pending) > 8 else []), cls="small needs-list")
    return Div(
        Div(Span("🧪", cls="icon"), H2("Workflow"), cls="insp-head"),
        P(workflow["name"], cls="insp-sub"),
        *([P(f"Node {gone!r} is no longer in this workflow (deleted since it was selected).", cls="notice",
             data_gone=gone)] if gone else []),
        Div(H3("Overview"), P(f"{len(nodes)} node(s), {len(workflow['graph']['edges'])} connection(s)."),
            P("Select a node to configure it." if nodes else "Drag a Dataset node from the palette to begin.",
              cls="muted"),
            *([Div(P(f"{n_errors} thing{'s need' if n_errors > 1 else ' needs'} attention before running:"), needs,
                   cls="notice warn")] if n_errors else
              ([P("Everything is configured: press Run.", cls="notice ok")] if nodes else [])),
            cls="section"),
        cls="insp", data_inspector="workflow")
