"""The pieces every inspector panel is made of: its head, its form (posting on every
change), the upstream line, warnings, action buttons."""

from __future__ import annotations

from fasthtml.common import H2, H3, Button, Div, Form, Input, Li, P, Span, Ul

from inspectors.context import InspectorContext
from nodes.registry import node_types
from plugins import registry


def Head(ctx: InspectorContext, subtitle: str = ""):
    """The panel's title, its name field, and the node's errors not shown beside a field (an
    error shown at its field is not listed again here: a new Mark values as missing step showed
    its error twice, a tester)."""
    t = ctx.node_type
    return (
        Div(Span(t.icon, cls="icon", aria_hidden="true"), H2(ctx.label or t.label), Span(ctx.node_id, cls="faint mono"),
            cls="insp-head"),
        # not a config field (no name): playground.js renames the node on the canvas
        Input(type="text", value=ctx.label or "", placeholder=f"Name (default: {t.label})", aria_label="Node name",
              data_node_label=ctx.node_id, data_no_submit="1", maxlength="80", cls="node-name"),
        P(subtitle or t.description, cls="insp-sub"),
        _Unshown(ctx),
    )


class _Unshown:
    """The node's errors no field of the panel showed, listed when the panel is written out
    (FastHTML calls __ft__ then): by that time every field has asked for its own (ctx.error),
    whatever order the panel builds its parts in. A panel writes `(*Head(ctx), PanelForm(...
    fields ...))`, its head built first: an Evaluate option's error was listed twice."""

    def __init__(self, ctx: InspectorContext):
        self.ctx = ctx

    def __ft__(self):
        listed = [m for m in self.ctx.node_errors if m not in self.ctx.shown]
        return Div(Ul(*[Li(m) for m in listed]), cls="notice error", role="alert", data_status="error") if listed else ""


CREDITS_NOTE = ("Credits are a relative measure of the compute a run needs (rows × columns × fits, and each "
                "plot's weight), used to compare settings; nothing is charged.")


def Credits(amount) -> Span:
    """A credit figure that says what credits are (on hover and to screen readers)."""
    text = f"{amount:g} credits" if isinstance(amount, (int, float)) else f"{amount} credits"
    return Span(text, title=CREDITS_NOTE, aria_label=f"{text}: {CREDITS_NOTE}", cls="credits")


def Warnings(messages):
    if not messages:
        return ()
    return (Div(H3("Warnings"), Div(Ul(*[Li(m) for m in messages]), cls="notice warn"), cls="section"),)


def PanelForm(ctx: InspectorContext, *content):
    return Form(*content, hx_post=ctx.post_url, hx_trigger="change, submit", hx_target="#inspector", hx_swap="innerHTML",
                id="inspector-form", data_node=ctx.node_id, novalidate=True)


def ActionButton(label, action, **kw):
    return Button(label, type="submit", name="action", value=action, cls="small", **kw)


def Upstream(ctx: InspectorContext, what="Input"):
    up = ctx.upstream
    if not up.node_type:
        return Div(H3(what), P("Not connected: drag from another node's output (bottom) to this node's input (top).",
                               cls="muted"), cls="section")
    nt = node_types().get(up.node_type)
    label = nt.label if nt else up.node_type
    bits = [f"from {'an' if label[:1].lower() in 'aeiou' else 'a'} {label} node"]
    if up.dataset_id:
        bits.append(f"dataset {up.dataset_name or up.dataset_id}")
    if up.n_rows:
        bits.append(f"{up.n_rows:,} rows")
    if up.problem_type:
        bits.append(up.problem_type)
    if up.algorithm:
        plugin = registry.models().get(up.algorithm)
        bits.append(f"model {plugin.name if plugin else up.algorithm}")
    return Div(H3(what), P(" · ".join(bits), cls="muted"), cls="section")
