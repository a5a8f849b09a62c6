"""The generic inspector: any node type's panel, from its declaration alone. Every Param
becomes a field (ParamField: kind, bounds, choices, the upstream's columns for column
params), every preview block its type's `preview` hook returns is drawn, and one parser
turns the form back into a config through the same `validate_value` as the API.

A node type from a plugin package gets this panel without a line of inspector code; the
built-in types that need more (dataset picker, operation list, hyperparameters) register
their own panel and parser in `inspectors.panels.CUSTOM`."""

from __future__ import annotations

from fasthtml.common import H3, H4, Div, Input, P, Span, Table, Tbody, Td, Th, Thead, Tr

from inspectors.context import InspectorContext
from inspectors.fields import ParamField
from inspectors.forms import Form, _take
from inspectors.parts import Head, PanelForm, Upstream, Warnings


def Previews(blocks: list):
    """The read-only blocks of a node type's `preview` hook (plain data: stats, text,
    notice, table, bars, split)."""
    out = []
    for b in blocks or []:
        kind = b.get("kind")
        title = [H4(b["title"])] if b.get("title") else []
        if kind == "stats":
            out.append(Div(*title, Div(*[Div(Span(v, cls="big"), Span(label, cls="faint")) for v, label in b["items"]],
                                       cls="stats"), cls="preview-block"))
        elif kind == "text":
            out.append(P(b["text"], cls="muted"))
        elif kind == "notice":
            out.append(Div(b["text"], cls=f"notice {b.get('level', 'info')}"))
        elif kind == "table":
            out.append(Div(*title, Table(Thead(Tr(*[Th(h) for h in b["head"]])),
                                         Tbody(*[Tr(*[Td(str(c)) for c in row]) for row in b["rows"]]),
                                         cls="mini"), cls="preview-block"))
        elif kind == "bars":
            out.append(Div(*title, Div(*[Div(Span(str(k)), Span(Span(style=f"width:{100 * share:.1f}%", cls="bar")),
                                             Span(text)) for k, share, text in b["items"]], cls="bars"),
                           cls="preview-block"))
        elif kind == "train_test":
            out.append(Div(Div(f"train {b['train']}%", cls="train", style=f"width:{b['train']}%"),
                           Div(f"test {b['test']}%", cls="test", style=f"width:{b['test']}%"), cls="splitbar"))
    return tuple(out)


def GenericInspector(ctx: InspectorContext):
    columns = [c["name"] for c in ctx.upstream.columns or []]
    values = {p.name: ctx.value(p.name, p.default) for p in ctx.node_type.params}
    fields = [ParamField(p, values[p.name], error=ctx.error(p.name), problem_type=ctx.upstream.problem_type,
                         columns=columns, choices=flowing_choices(p, ctx.upstream))
              for p in ctx.node_type.params if p.applies_to(ctx.upstream.problem_type) and p.visible(values)]
    # an empty multi-select posts nothing: a marker says the field was on the form
    present = [Input(type="hidden", name=f"{p.name}__present", value="1") for p in ctx.node_type.params
               if p.kind in ("columns", "multiselect")]
    settings = Div(H3("Settings"), *fields, *present, cls="section") if fields else ()
    preview = Div(H3("Preview"), *Previews(ctx.previews), cls="section") if ctx.previews else ()
    return (*Head(ctx), PanelForm(ctx, Upstream(ctx), *([settings] if settings else []),
                                  *([preview] if preview else []), *Warnings(ctx.warnings)))


def flowing_choices(p, upstream) -> list | None:
    """[(value, label)] of a Param whose choices come from what flows in, by its declared
    `choices_from` ("scalar_metrics": the metrics the upstream model offers with a direction,
    by name); None for the others."""
    if p.choices_from == "scalar_metrics":
        from nodes.evaluate import directed_metrics
        from plugins import registry

        known = registry.metrics()
        return [(k, known[k].name) for k in directed_metrics(upstream)]
    return None


def parse_params(form: Form, ctx: InspectorContext) -> tuple[dict, dict]:
    """One field per Param; a refused value keeps the stored one and comes back with its
    message."""
    refused: dict = {}
    config = dict(ctx.config)
    for p in ctx.node_type.params:
        multi = p.kind in ("columns", "multiselect")
        if p.name in form or (multi and f"{p.name}__present" in form):
            value = _take(form, p, p.name, ctx.config.get(p.name, p.default), refused,
                          ctx.upstream.problem_type, multi=multi)
            if p.name not in refused:  # a refused value leaves the stored config as it was
                config[p.name] = value
    return config, refused
