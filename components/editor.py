"""The editor page: palette, canvas, inspector, toolbar, run/results/history panel."""

from __future__ import annotations

import json

from fasthtml.common import (
    H4,
    A,
    Button,
    Details,
    Dialog,
    Div,
    Figcaption,
    Figure,
    Form,
    Img,
    Input,
    Kbd,
    NotStr,
    P,
    Script,
    Span,
    Summary,
    Ul,
)

from components.layout import CsrfField, Page
from nodes import graph as graphs
from nodes.base import DESIGN_STATES, RUN_STATES

SHORTCUTS = (("Delete / Backspace", "delete the selection"), ("Ctrl Z / Ctrl Shift Z or Ctrl Y", "undo / redo (canvas and inspector, kept over a reload)"),
             ("Ctrl C / Ctrl V", "copy / paste nodes"), ("Ctrl A", "select all"), ("Shift drag", "select an area"),
             ("Ctrl wheel", "zoom"), ("F", "zoom to fit"), ("Ctrl Enter", "run"), ("Right click", "node menu"),
             ("Enter (palette)", "add the node to the canvas"),
             ("Arrows (canvas)", "select the next / previous node"),
             ("Enter (canvas)", "open the selected node's inspector"),
             ("C (canvas)", "connect the selected node"), ("Esc", "close a menu; back to the canvas"),
             ("Drop on an edge", "insert the node into it"), ("?", "these shortcuts"))


def Palette(node_types):
    groups: dict = {}
    for t in node_types:
        groups.setdefault(t.group, []).append(t)
    items = []
    for group, types in groups.items():
        items.append(H4(group))
        for t in types:
            items.append(Div(Span(t.icon, cls="icon", aria_hidden="true"),
                             Span(t.label, Span(t.description, cls="desc")),
                             cls="palette-item", data_node_type=t.type, tabindex="0", role="button",
                             aria_label=f"Add {'an' if t.label[:1].lower() in 'aeiou' else 'a'} {t.label} node (drag onto the canvas, or press Enter)",
                             style=f"--c: {t.colour}"))
    items.append(P("Drag a node onto the canvas, then connect an output (bottom) to an input (top).", cls="hint"))
    return Div(*items, cls="palette", id="palette", aria_label="Node palette")


def Templates(templates):
    return Details(
        Summary("Templates", cls="button", role="button"),
        Div(*[Form(CsrfField(), Input(type="hidden", name="template", value=key),
                   Button(f"New: {name}", type="submit"), method="post", action="/workflows",
                   enctype="application/x-www-form-urlencoded")
              for key, name in templates], cls="menu-body"),
        cls="menu")


def Help():
    rows = []
    for keys, what in SHORTCUTS:
        rows += [Kbd(keys, cls="kbd"), Span(what)]
    return Details(Summary("?", cls="button", role="button", aria_label="Keyboard shortcuts", aria_keyshortcuts="?",
                           title="Keyboard shortcuts (?)"),
                   Div(H4("Keyboard shortcuts"), Div(*rows, cls="shortcuts"), cls="menu-body shortcuts-body"),
                   cls="menu", id="shortcuts")


def Toolbar(workflow, templates, undo=None):
    undo = undo or {}
    return (
        Div(Input(value=workflow["name"], name="name", aria_label="Workflow name", title=workflow["name"],
                  hx_patch=f"/ui/workflows/{workflow['id']}/name", hx_trigger="change", hx_target="#save-state",
                  hx_swap="outerHTML"),
            Span("Saved", id="save-state", data_state="saved", aria_live="polite"), cls="toolbar-name"),
        Div(cls="spacer"),
        # the history is the server's (data/store.py): right from the first paint, after a reload too
        Div(Button("↶", id="undo-button", data_command="undo", aria_label="Undo", disabled=not undo.get("can_undo"),
                   title=f"Undo: {undo['undo']} (Ctrl Z)" if undo.get("undo") else "Undo (Ctrl Z)"),
            Button("↷", id="redo-button", data_command="redo", aria_label="Redo", disabled=not undo.get("can_redo"),
                   title=f"Redo: {undo['redo']} (Ctrl Shift Z)" if undo.get("redo") else "Redo (Ctrl Shift Z)"),
            Templates(templates),
            # the API's own JSON, as a file named after the workflow (Content-Disposition): what
            # Import on /workflows and `python -m executor run` read back
            A("Export", href=f"/api/v1/workflows/{workflow['id']}?download=1", download="", cls="button",
              id="export-link", title="Download this workflow as a JSON file (Import it on the Workflows page, "
                                      "or run it with python -m executor run)"),
            Help(),
            Button("■ Cancel", id="cancel-button", cls="danger", disabled=True, aria_label="Cancel the run"),
            Button("↻ Run all again", id="rerun-button", aria_label="Run every node again",
                   title="Run every node again, even those an earlier run's results would be reused for"),
            Button("▶ Run", id="run-button", cls="primary", aria_label="Run the workflow",
                   title="Run the workflow: nodes that did not change since an earlier run are reused"),
            cls="toolbar-actions"),
    )


def BottomPanel(history, results):
    tabs = (("run", "Run"), ("results", "Results"), ("history", "History"))
    return Div(
        # drag (or arrow keys) to resize the results area; the size is kept in this browser
        Div(cls="resize-handle", role="separator", aria_orientation="horizontal", aria_label="Resize the results area",
            tabindex="0", id="results-resize"),
        Div(Div(*[Button(label, data_panel_tab=key, role="tab", aria_selected="true" if key == "results" else "false")
                  for key, label in tabs], role="tablist", cls="tablist"),
            Button("⤢ Maximise", id="results-max", aria_pressed="false", cls="small",
                   aria_label="Maximise the results area", title="Maximise the results area (Esc to restore)"),
            cls="tabs"),
        Div(Div(Span("No run yet.", id="job-status"), " ", Span(id="job-progress", cls="muted")),
            Div(id="trials", cls="trials-live"),  # an Optuna search, trial by trial (filled while it runs)
            Ul(id="exec-log"), cls="tab-panel", data_panel="run", hidden=True, id="execution"),
        Div(results, cls="tab-panel", data_panel="results", id="results"),
        Div(history, cls="tab-panel", data_panel="history", id="history", hidden=True),
        cls="bottom")


def script_json(value) -> str:
    """JSON safe inside a <script> element: `<`, `>` and `&` escaped as Django's json_script
    does, so no stored string (`<!--<script>`, `</script>`) can end or alter the element."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def EditorPage(workflow, node_types, state, templates, latest_job, history, results, inspector, undo=None):
    boot = {"workflow_id": workflow["id"], "graph": graphs.with_ports(workflow["graph"]),
            "node_types": [t.to_json() for t in node_types], "connections": graphs.connection_rules(), "state": state, "job": latest_job,
            "labels": {"design": DESIGN_STATES, "run": RUN_STATES}, "history": undo or {}}
    canvas = Div(
        Div(id="worker-notice", cls="worker-notice", role="status", hidden=True),
        # focusable: arrow keys select nodes, Enter inspects, C connects (playground.js)
        Div(id="canvas", tabindex="0", role="application", aria_roledescription="workflow canvas",
            aria_label="Workflow canvas", aria_describedby="canvas-keys"),
        P("Arrow keys select a node, Enter opens its inspector, C connects it, Delete removes it.",
          id="canvas-keys", cls="sr-only"),
        Div(id="canvas-status", cls="sr-only", role="status", aria_live="polite"),
        # zoom to fit beside the zoom buttons (in the top bar it took the room the workflow's name needs at 1366 px)
        Div(Button("−", data_command="zoom-out", aria_label="Zoom out"), Button("+", data_command="zoom-in",
                                                                               aria_label="Zoom in"),
            Button("⤢", data_command="fit", title="Zoom to fit (F)", aria_label="Zoom to fit"),
            # shown when part of the workflow is out of view (playground.js updateMinimap)
            Button("Map", id="minimap-toggle", data_command="minimap", aria_label="Minimap", aria_pressed="true",
                   title="Hide the minimap", hidden=True),
            cls="canvas-tools"),
        Div(id="minimap", aria_hidden="true"),
        Div("Drag a Dataset node here to start.", cls="empty-hint", hidden=bool(workflow["graph"]["nodes"])),
        cls="canvas-wrap")
    return Page(
        workflow["name"],
        Div(Palette(node_types), canvas, Div(inspector, id="inspector", cls="inspector", aria_label="Inspector"),
            # before the first run the results area is a line, the canvas gets the room (playground.css)
            BottomPanel(history, results), cls="workspace" if latest_job else "workspace no-run"),
        Div(Button("Open inspector", data_action="inspect"), Button("Duplicate", data_action="duplicate"),
            Button("Delete", data_action="delete", cls="danger"), id="context-menu", hidden=True, role="menu"),
        Div(id="connect-menu", hidden=True, role="menu", aria_label="Connect"),
        Dialog(Figure(Img(alt="Enlarged plot"), Figcaption(), cls="lightbox"), id="lightbox"),
        Div(id="toasts", aria_live="polite"),
        Script(NotStr(script_json(boot)), type="application/json", id="playground-boot"),
        active="workflows", body_cls="editor", topbar_extra=Toolbar(workflow, templates, undo),
        scripts=("/vendor/x6.js", "/static/playground.js"),
    )


def NameSaved(ok: bool = True, message: str = "Saved"):
    return Span(message, id="save-state", data_state="saved" if ok else "error", aria_live="polite")



