"""The workflows and datasets pages."""

from __future__ import annotations

import time

from fasthtml.common import (
    H1,
    H2,
    A,
    Button,
    Div,
    Form,
    Input,
    Label,
    Option,
    P,
    Select,
    Span,
    Table,
    Tbody,
    Td,
    Th,
    Thead,
    Tr,
)

from components.layout import CsrfField, Page, Pill


def _when(ts) -> str:
    return time.strftime("%d %b %Y %H:%M", time.localtime(ts)) if ts else "—"


def WorkflowRow(w):
    wid = w["id"]
    return Tr(
        Td(A(w["name"], href=f"/workflows/{wid}")),
        Td(str(w.get("n_nodes", 0))),
        Td(Pill(w["last_status"]) if w.get("last_status") else Span("never run", cls="faint")),
        Td(_when(w["updated_at"])),
        Td(Div(
            Form(Input(name="name", value=w["name"], aria_label=f"New name for {w['name']}", style="width:170px"),
                 Button("Rename", type="submit", cls="small"), hx_post=f"/ui/workflows/{wid}/rename",
                 hx_target="closest tr", hx_swap="outerHTML"),
            Button("Duplicate", cls="small", hx_post=f"/ui/workflows/{wid}/duplicate", hx_target="#workflow-rows",
                   hx_swap="afterbegin"),
            Button("Delete", cls="small danger", hx_delete=f"/ui/workflows/{wid}", hx_target="closest tr",
                   hx_swap="outerHTML", hx_confirm=f"Delete the workflow '{w['name']}' and its run history?"),
            cls="actions")),
        id=f"wf-{wid}")


def WorkflowsPage(workflows, templates):
    new = Form(CsrfField(), Input(name="name", placeholder="Name of a new workflow", aria_label="New workflow name",
                     style="width:240px"),
               Select(Option("Blank canvas", value=""), *[Option(name, value=key) for key, name in templates],
                      name="template", aria_label="Start from", style="width:230px"),
               Button("New workflow", type="submit", cls="primary"), method="post", action="/workflows", cls="row",
               enctype="application/x-www-form-urlencoded")
    table = Table(Thead(Tr(Th("Name"), Th("Nodes"), Th("Last run"), Th("Updated"), Th("Actions"))),
                  Tbody(*[WorkflowRow(w) for w in workflows], id="workflow-rows"), cls="grid")
    return Page("Workflows", Div(Div(H1("Workflows"), new, cls="page-head"),
                                 Div(table if workflows else P("No workflows yet: create one above.", cls="muted"),
                                     cls="card"), cls="page"), active="workflows")


def UploadForm(error: str | None = None):
    return Form(
        Div(Label("Upload a CSV, TSV or Parquet file", fr="upload-file"),
            Input(type="file", name="file", id="upload-file", accept=".csv,.tsv,.txt,.parquet,.pq", required=True),
            cls="field"),
        Button("Upload", type="submit", cls="primary"),
        *([P(error, cls="notice error", role="alert")] if error else []),
        hx_post="/ui/datasets", hx_encoding="multipart/form-data", hx_target="#datasets-body", hx_swap="outerHTML",
        id="upload-form")


def delete_question(d) -> str:
    """The confirmation names the workflows that use the dataset: they will need another."""
    used = d.get("used_by") or []
    if not used:
        return f"Delete {d['name']}?"
    names = ", ".join(f"'{n}'" for n in used[:5]) + (f" and {len(used) - 5} more" if len(used) > 5 else "")
    return (f"Delete {d['name']}? {len(used)} workflow(s) use it: {names}. "
            "Their Dataset nodes will ask for another dataset.")


def DatasetTables(samples, uploads, error=None, added=None):
    def row(d, deletable):
        return Tr(Td(A(d["name"], href=f"/datasets/{d['id']}")), Td(Span(d["id"], cls="mono")),
                  Td(f"{d['n_rows']:,} × {d['n_cols']}"), Td(d.get("problem_type") or "—"), Td(d.get("target") or "—"),
                  Td(Form(CsrfField(), Input(type="hidden", name="dataset", value=d["id"]),
                          Button("New workflow", type="submit", cls="small",
                                 aria_label=f"Start a new workflow from {d['name']}"),
                          method="post", action="/workflows", cls="inline",
                          enctype="application/x-www-form-urlencoded"),  # the token field is read from these
                     Button("Delete", cls="small danger", hx_delete=f"/ui/datasets/{d['id']}",
                            hx_target="closest tr", hx_swap="outerHTML",
                            hx_confirm=delete_question(d)) if deletable else ""))
    head = Thead(Tr(Th("Name"), Th("Id"), Th("Shape"), Th("Problem"), Th("Target"), Th("")))
    return Div(
        Div(H2("Upload"), UploadForm(error), *([P(f"Added {added}.", cls="notice ok")] if added else []), cls="card"),
        Div(H2("My datasets"), Table(head, Tbody(*[row(d, True) for d in uploads]), cls="grid") if uploads
            else P("Nothing uploaded yet.", cls="muted"), cls="card"),
        Div(H2("Sample data"), Table(head, Tbody(*[row(d, False) for d in samples]), cls="grid"), cls="card"),
        id="datasets-body")


def DatasetsPage(samples, uploads):
    return Page("Datasets", Div(Div(H1("Datasets"), cls="page-head"), DatasetTables(samples, uploads), cls="page"),
                active="datasets")


def ColumnsTable(columns):
    return Table(Thead(Tr(Th("Column"), Th("Type"), Th("Role"), Th("Missing"), Th("Unique"))),
                 Tbody(*[Tr(Td(c["name"]), Td(Span(c["dtype"], cls="mono")), Td(c["role"]),
                            Td(f"{c['missing_pct']:.1f}%"), Td(f"{c['unique']:,}")) for c in columns]),
                 cls="grid coltable")


def PreviewTable(preview):
    return Div(Table(Thead(Tr(*[Th(c) for c in preview["columns"]])),
                     Tbody(*[Tr(*[Td("" if v is None else str(v)) for v in row]) for row in preview["rows"]]),
                     cls="grid coltable"), style="overflow:auto")


def DatasetDetailPage(detail):
    prof = detail["profile"]
    return Page(detail["name"], Div(
        Div(H1(detail["name"]), A("← All datasets", href="/datasets"), cls="page-head"),
        Div(P(detail.get("description") or detail.get("filename") or ""),
            P(f"{prof['n_rows']:,} rows × {prof['n_cols']} columns · suggested target "
              f"{prof.get('suggested_target') or '—'} · {prof.get('suggested_problem_type')}", cls="muted"),
            cls="card"),
        Div(H2("Columns"), ColumnsTable(prof["columns"]), cls="card"),
        Div(H2("First rows"), PreviewTable(detail["preview"]), cls="card"),
        cls="page"), active="datasets")
