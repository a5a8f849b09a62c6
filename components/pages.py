"""The workflows and datasets pages."""

from __future__ import annotations

import re

from fasthtml.common import (
    H1,
    H2,
    H3,
    A,
    Button,
    Div,
    Form,
    Input,
    Label,
    Li,
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
    Ul,
)

from components.charts import ClassBalance, ColumnChart, Histogram, fmt_num
from components.checks import DatasetChecks
from components.format import counted, fmt_time
from components.layout import CsrfField, Page, Pill
from data.ingest import UPLOAD_ACCEPT
from data.reading import DELIMITER_NAMES
from plugins.tables import standing_guess, suggest_problem_type


def WorkflowRow(w):
    wid = w["id"]
    return Tr(
        Td(A(w["name"], href=f"/workflows/{wid}")),
        Td(str(w.get("n_nodes", 0))),
        Td(Pill(w["last_status"]) if w.get("last_status") else Span("never run", cls="faint")),
        Td(fmt_time(w["updated_at"])),
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


def ImportForm(error: str | None = None):
    """A workflow file (an Export, what the API's GET returns, an example) becomes a new
    workflow; a plain form (the token as a field), so a refusal is the page again."""
    return Form(CsrfField(),
                Label("Import a workflow file", fr="import-file"),
                Input(type="file", name="file", id="import-file", accept=".json,application/json", required=True),
                Button("Import", type="submit"),
                *([P(error, cls="notice error error-detail", role="alert", id="import-error")] if error else []),
                method="post", action="/workflows/import", enctype="multipart/form-data", cls="row import-form",
                id="import-form")


def WorkflowsPage(workflows, templates, import_error: str | None = None):
    new = Form(CsrfField(), Input(name="name", placeholder="Name of a new workflow", aria_label="New workflow name",
                     style="width:240px"),
               Select(Option("Blank canvas", value=""), *[Option(name, value=key) for key, name in templates],
                      name="template", aria_label="Start from", style="width:230px"),
               Button("New workflow", type="submit", cls="primary"), method="post", action="/workflows", cls="row",
               enctype="application/x-www-form-urlencoded")
    table = Table(Thead(Tr(Th("Name"), Th("Nodes"), Th("Last run"), Th("Updated"), Th("Actions"))),
                  Tbody(*[WorkflowRow(w) for w in workflows], id="workflow-rows"), cls="grid")
    return Page("Workflows", Div(Div(H1("Workflows"), new, cls="page-head"), ImportForm(import_error),
                                 Div(table if workflows else P("No workflows yet: create one above.", cls="muted"),
                                     cls="card"), cls="page"), active="workflows")


def UploadForm(error: str | None = None):
    return Form(
        Div(Label("Upload a CSV, TSV, Excel or Parquet file (or a .zip or .gz holding one)", fr="upload-file"),
            Input(type="file", name="file", id="upload-file", accept=UPLOAD_ACCEPT, required=True),
            P("Any encoding, commas or semicolons, decimal commas, day-first dates: you can check and correct how "
              "it was read on its page.", cls="help"),
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
                  Td(f"{d['n_rows']:,} × {d['n_cols']}", cls="nowrap"), Td(d.get("problem_type") or "—"),
                  Td(d.get("target") or "—", *([Span(" (a guess)", cls="muted")] if d.get("guessed") else [])),
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
        Div(H2("Upload"), UploadForm(error), *([Added(added)] if added else []), cls="card"),
        Div(H2("My datasets"), Table(head, Tbody(*[row(d, True) for d in uploads]), cls="grid") if uploads
            else P("Nothing uploaded yet.", cls="muted"), cls="card"),
        Div(H2("Sample data"), Table(head, Tbody(*[row(d, False) for d in samples]), cls="grid"), cls="card"),
        id="datasets-body")


def Added(record: dict):
    """After an upload: what was added, and how much of it was read with a conversion."""
    notices = record.get("notices") or []
    said = f" {counted(len(notices), 'note')} on how it was read: check them on its page." if notices else ""
    return P("Added ", A(record["name"], href=f"/datasets/{record['id']}"), f".{said}", cls="notice ok",
             role="status")


def DatasetsPage(samples, uploads):
    return Page("Datasets", Div(Div(H1("Datasets"), cls="page-head"), DatasetTables(samples, uploads), cls="page"),
                active="datasets")


def column_role(col: dict, target: str | None) -> str:
    """What a column is to a workflow: the target, an id left out, a date, or a feature."""
    if col["name"] == target:
        return "target"
    return {"id": "id", "datetime": "datetime"}.get(col.get("role"), "feature")


def _missing(col: dict):
    n = col.get("missing") or 0
    if not n:
        return Span("0", cls="faint")
    return Span(f"{n:,}", Span(f" ({col['missing_pct']:.1f}%)", cls="faint"), cls="has-missing")


TYPE_CHOICES = (("auto", "As read"), ("number", "Number"), ("category", "Category"), ("date", "Date"),
                ("date_dayfirst", "Date, day first"), ("date_monthfirst", "Date, month first"), ("text", "Text"))
ROLE_CHOICES = (("auto", "As found"), ("feature", "Feature"), ("id", "Id (left out)"), ("ignore", "Ignore"))
READING_FORM = "reading-form"


def _choice(kind: str, column: str, choices, chosen: str | None):
    label = {"type": "Read as", "role": "Use as"}[kind]
    return Select(*[Option(text, value=key, selected=key == (chosen or "auto")) for key, text in choices],
                  name=f"{kind}:{column}", form=READING_FORM, aria_label=f"{label}: {column}", cls="small-select")


def ColumnsTable(columns, charts: dict | None = None, target: str | None = None, options: dict | None = None):
    """The profile, a row per column. With `options` (an upload's reading options) each row
    also lets the user choose how the column is read and what it is to a workflow."""
    charts = charts or {}
    editable = options is not None
    types, roles = (options or {}).get("types") or {}, (options or {}).get("roles") or {}

    def row(c):
        role = column_role(c, target)
        numeric = "min" in c
        group = "year" not in c["name"].lower()  # 2,007 reads as a count, not a year

        def fmt(v):
            return fmt_num(v, group)
        chosen = [Td(_choice("type", c["name"], TYPE_CHOICES, types.get(c["name"])),
                     _choice("role", c["name"], ROLE_CHOICES, roles.get(c["name"])), cls="choose")] if editable else []
        return Tr(Td(c["name"], cls="name"),
                  Td(Span(role, cls=f"pill role-{role}"),
                     # chosen on this page, or said by the file itself (R's row names): not the same thing
                     # ("auto" is the form's untouched field: a refused form's page shows the post as sent)
                     # (a type chosen here, and read so, makes the column a feature: chosen, not the file's word, as
                     # fresh eyes found; a type a refused form asked for made nothing yet)
                     *([Span(" chosen", cls="faint", title="set on this page")]
                       if roles.get(c["name"]) not in (None, "", "auto")
                       or (types.get(c["name"]) not in (None, "", "auto") and c.get("role_chosen")) else
                       [Span(" by the file", cls="faint", title=c.get("id_reason") or "the file says so")]
                       if c.get("role_chosen") else [])),
                  Td(c["role"], Span(f" {c['dtype']}", cls="mono faint")),
                  *chosen,
                  Td(ColumnChart(charts.get(c["name"])), cls="chart"),
                  Td(fmt(c.get("min")) if numeric else "", cls="num"),
                  Td(fmt(c.get("max")) if numeric else "", cls="num"),
                  Td(fmt(c.get("mean")) if numeric else "", cls="num"),
                  Td(_missing(c), cls="num"), Td(f"{c['unique']:,}", cls="num"),
                  data_column=c["name"], data_role=role)

    return Table(Thead(Tr(Th("Column"), Th("Role"), Th("Type"), *([Th("Read as / use as")] if editable else []),
                          Th("Distribution"), Th("Min", cls="num"),
                          Th("Max", cls="num"), Th("Mean", cls="num"), Th("Missing", cls="num"),
                          Th("Unique", cls="num"))),
                 Tbody(*[row(c) for c in columns]), cls="grid coltable profile")


ENCODING_CHOICES = (("auto", "Detect"), ("utf-8", "UTF-8"), ("cp1252", "Windows-1252 (Western European)"),
                    ("latin-1", "ISO-8859-1 (Latin-1)"), ("iso8859-15", "ISO-8859-15 (Latin-9)"),
                    ("cp1250", "Windows-1250 (Central European)"), ("cp1251", "Windows-1251 (Cyrillic)"),
                    ("cp1253", "Windows-1253 (Greek)"), ("cp1254", "Windows-1254 (Turkish)"),
                    ("cp1257", "Windows-1257 (Baltic)"), ("mac-roman", "Mac Roman"), ("cp850", "DOS Latin-1 (cp850)"),
                    ("utf-16", "UTF-16"), ("shift_jis", "Shift JIS (Japanese)"), ("gb18030", "GB18030 (Chinese)"),
                    ("big5", "Big5 (Traditional Chinese)"), ("euc-kr", "EUC-KR (Korean)"))


def ReadingCard(detail: dict, refused: dict | None = None, saved: bool = False):
    """How an upload was read (format, encoding, delimiter, sheet), every conversion as a
    notice, and the form that reads it again another way; its column choices are in the
    columns table (the same form)."""
    how = detail.get("reading") or {}
    options = (refused or {}).get("reading") or detail.get("options") or {}
    notices = detail.get("notices") or []
    facts = []
    # how the stored reading's encoding came about (a refused form's choices are not how it was read)
    chosen = (detail.get("options") or {}).get("encoding") not in (None, "", "auto")
    if how.get("encoding"):
        facts.append(Span("Encoding ", Span(how.get("encoding_name") or how["encoding"], cls="mono"),
                          " (detected)" if how.get("encoding_detected") and not chosen else
                          " (as you chose)" if chosen else ""))
    if how.get("delimiter"):
        facts.append(Span(f"columns separated by {DELIMITER_NAMES.get(how['delimiter'], repr(how['delimiter']))}"))
    # said where a column was read so: a ';' file of whole numbers was said to write a decimal comma (fresh eyes)
    if how.get("decimal") == "," and how.get("format") != "excel" and any(
            f.get("decimal") == "," for f in (how.get("number_formats") or {}).values()):
        facts.append(Span("decimal comma"))
    archive = how.get("archive") or {}
    tables = archive.get("tables") or []
    if len(tables) > 1:
        facts.append(Span(f"table {archive.get('listed')!r}, {tables.index(archive.get('listed')) + 1} of "
                          f"{len(tables)} in the archive" if archive.get("listed") in tables else
                          f"{len(tables)} tables in the archive"))
    if how.get("sheet"):
        facts.append(Span(f"sheet {how['sheet']!r}, header in row {how.get('header_row') or 1}"))
    controls = []
    if len(tables) > 1:  # a zip archive of several tables (a Kaggle download): which one is read
        controls.append(Div(Label("Table in the archive", fr="reading-member"),
                            Select(*[Option(n, value=n, selected=n == archive.get("listed")) for n in tables],
                                   name="member", id="reading-member"), cls="field"))
    if how.get("format") in ("csv", "tsv"):
        controls.append(Div(Label("Encoding", fr="reading-encoding"),
                            Select(*[Option(label, value=key, selected=key == (options.get("encoding") or "auto"))
                                     for key, label in ENCODING_CHOICES], name="encoding", id="reading-encoding"),
                            cls="field"))
    if how.get("sheets") and len(how["sheets"]) > 1:
        controls.append(Div(Label("Sheet", fr="reading-sheet"),
                            Select(*[Option(n, value=n, selected=n == how.get("sheet")) for n in how["sheets"]],
                                   name="sheet", id="reading-sheet"), cls="field"))
    ignored = [c for c, r in (options.get("roles") or {}).items() if r == "ignore"]
    for c in ignored:  # not in the table any more: their choice lives here
        controls.append(Div(Label(f"Ignored column {c}", fr=f"ignored-{c}"),
                            _choice("role", c, ROLE_CHOICES, "ignore"), cls="field"))
    for c, t in (options.get("types") or {}).items():
        if c in ignored:
            controls.append(Input(type="hidden", name=f"type:{c}", value=t, form=READING_FORM))
    listed = Ul(*[Li(n["text"]) for n in notices], cls="reading-notices") if notices else \
        P("Nothing needed converting: every column was read as written.", cls="muted")
    return Div(
        H2("How the file was read"),
        P(f"{detail.get('filename') or ''} · ", *_joined(facts), cls="muted") if facts else "",
        listed,
        Form(CsrfField(), *controls,
             Button("Read again", type="submit", cls="primary small"),
             P(_reading_help(how), cls="help"),
             *([P(refused["detail"], cls="notice error error-detail", role="alert", id="reading-error")]
               if refused and refused.get("reading") is not None else []),
             *([P("Read again: the profile below is the new one.", cls="notice ok", role="status")] if saved else []),
             method="post", action=f"/datasets/{detail['id']}/reading", id=READING_FORM,
             enctype="application/x-www-form-urlencoded", cls="reading-form"),
        cls="card", id="reading-card")


def _reading_help(how: dict) -> str:
    """What the reading form lets one choose: an archive's table, an encoding for text, a
    sheet only when the archive or the workbook has two or more (a chooser is shown then only)."""
    here = [w for w, offered in (("a table of the archive", len((how.get("archive") or {}).get("tables") or []) > 1),
                                 ("an encoding", how.get("format") in ("csv", "tsv")),
                                 ("a sheet", len(how.get("sheets") or []) > 1)) if offered]
    what = f"Choose {' or '.join(here)} here, and how each column is read" if here else "Choose how each column is read"
    return f"{what} and used in the table below, then read the file again. Every workflow that uses this " \
           "dataset sees the result."


def _joined(parts):
    out = []
    for i, p in enumerate(parts):
        if i:
            out.append(" · ")
        out.append(p)
    return out


ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}(T[0-9:.]+)?$")


def PreviewTable(preview):
    def cell(v):
        if v is None:  # a gap in the data, shown as one, never as an empty cell
            return Td(Span("missing"), cls="missing", title="missing")
        # a date or timestamp would break at its hyphens ('1992-04-' over '30')
        return Td(str(v), cls="nowrap") if isinstance(v, str) and ISO_DAY.match(v) else Td(str(v))

    return Div(Table(Thead(Tr(*[Th(c) for c in preview["columns"]])),
                     Tbody(*[Tr(*[cell(v) for v in row]) for row in preview["rows"]]),
                     cls="grid coltable preview"), cls="preview-scroll")


PROBLEM_CHOICES = (("auto", "Auto (from the target)"), ("classification", "Classification"),
                   ("regression", "Regression"), ("clustering", "Clustering (no target needed)"))


def TargetForm(dataset_id: str, columns, target, problem_type, error: str | None = None, saved: bool = False):
    """A plain form (works without script): the target column and problem type that a
    Dataset node and "New workflow" start from."""
    return Form(
        CsrfField(),
        Div(Label("Target column", fr="ds-target"),
            Select(Option("— none (clustering) —", value=""),
                   *[Option(c["name"], value=c["name"], selected=c["name"] == target) for c in columns],
                   name="target", id="ds-target"), cls="field"),
        Div(Label("Problem type", fr="ds-problem"),
            Select(*[Option(label, value=key, selected=key == problem_type) for key, label in PROBLEM_CHOICES],
                   name="problem_type", id="ds-problem"), cls="field"),
        Button("Save", type="submit", cls="primary"),
        *([P(error, cls="notice error error-detail", role="alert", id="target-error")] if error else []),
        *([P("Saved: new workflows and Dataset nodes start from this target.", cls="notice ok", role="status")]
          if saved else []),
        method="post", action=f"/datasets/{dataset_id}/target", enctype="application/x-www-form-urlencoded",
        cls="target-form", id="target-form")


def TargetSummary(prof: dict, charts: dict, target: str | None, problem_type: str | None):
    col = next((c for c in prof["columns"] if c["name"] == target), None)
    if col is None:
        return P("No target: a clustering workflow looks for groups among the rows.", cls="muted")
    chart = charts.get(target) or {}
    missing = col.get("missing") or 0
    note = [P(f"{missing:,} row(s) have no {target}: a run leaves them out.", cls="notice warn")] if missing else []
    if problem_type == "classification" and chart.get("classes"):
        return Div(H3(f"Class balance of {target}"), ClassBalance(chart["classes"]), *note, cls="target-chart",
                   data_target_kind="classes")
    if chart.get("kind") == "histogram":
        return Div(H3(f"Distribution of {target}"),
                   Histogram(chart, width=360, height=90, axis=True),
                   P(f"min {fmt_num(col.get('min'))} · mean {fmt_num(col.get('mean'))} · max {fmt_num(col.get('max'))}",
                     cls="muted"), *note, cls="target-chart", data_target_kind="histogram")
    return Div(ColumnChart(chart), *note, cls="target-chart")


def ColumnNotes(notes: list | None) -> list:
    """What the profile found in a column that a person should look at (a missing-value code)."""
    if not notes:
        return []
    return [Ul(*[Li(n["text"], data_note=n["kind"], data_column=n["column"]) for n in notes],
               cls="notice warn column-notes", id="column-notes")]


def DatasetDetailPage(detail, saved: str | None = None, refused: dict | None = None):
    prof, charts = detail["profile"], detail.get("charts") or {}
    target, problem_type = detail.get("target"), detail.get("problem_type")
    refused = refused or {}
    shown_target = refused.get("target", target) if refused else target
    shown_type = refused.get("problem_type", problem_type) if refused else problem_type
    if not refused and problem_type == suggest_problem_type(next((c for c in prof["columns"] if c["name"] == target),
                                                                 None), prof.get("n_rows")):
        # the type the target implies is shown as Auto: a new target then brings its own (it showed
        # Regression, and choosing a text target alone was refused as not numeric)
        shown_type = "auto"
    suggested = prof.get("suggested_target")
    guess = None if refused else standing_guess(prof, target)  # the upload's suggestion, only a guess
    missing_cells = sum(c.get("missing") or 0 for c in prof["columns"])
    return Page(detail["name"], Div(
        Div(H1(detail["name"]), A("← All datasets", href="/datasets"),
            Span(A("Download", href=f"/api/v1/datasets/{detail['id']}/download", download=True, data_download="parquet",
                   title="The table as the app stored it (Parquet), what a run and an exported script read"),
                 " · ", A("CSV", href=f"/api/v1/datasets/{detail['id']}/download?format=csv", download=True,
                          data_download="csv"), cls="small"),
            cls="page-head"),
        Div(P(detail.get("description") or detail.get("filename") or ""),
            P(f"{prof['n_rows']:,} rows × {prof['n_cols']} columns · {missing_cells:,} missing cell{'' if missing_cells == 1 else 's'} · "
              f"target {target or '—'} · {problem_type or '—'}"
              + (f" · suggested target {suggested}" if suggested and suggested != target else ""), cls="muted"),
            Form(CsrfField(), Input(type="hidden", name="dataset", value=detail["id"]),
                 Button("New workflow from this dataset", type="submit", cls="small"),
                 method="post", action="/workflows", cls="inline", enctype="application/x-www-form-urlencoded"),
            cls="card"),
        *([ReadingCard(detail, refused, saved == "reading")] if detail.get("source") == "upload" else []),
        Div(H2("Target"),
            *([P(guess["sentence"], cls="notice warn", id="target-guess")] if guess else []),
            Div(TargetForm(detail["id"], prof["columns"], shown_target, shown_type,
                           refused.get("detail") if "reading" not in refused else None, saved == "target"),
                TargetSummary(prof, charts, target, problem_type), cls="target-body"),
            cls="card", id="target-card"),
        DatasetChecks(detail.get("checks"), target, detail.get("checks_sample"), problem_type),
        Div(H2("Columns"), *ColumnNotes(detail.get("column_notes")), Div(ColumnsTable(prof["columns"], charts, target,
                                            ((refused or {}).get("reading") or detail.get("options") or {})
                                            if detail.get("source") == "upload" else None),
                               cls="profile-scroll"), cls="card"),
        Div(H2("First rows"), PreviewTable(detail["preview"]), cls="card"),
        cls="page"), active="datasets")
