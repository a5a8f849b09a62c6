"""The Deployments page: each deployment's versions and production alias (with its history
and a "Make production" per version), its requests per hour, latency and recent errors;
and the API keys (create, shown once; list; revoke). Server-rendered, no chart library:
the hourly requests are a row of bars drawn with CSS heights."""

from __future__ import annotations

import json
import shlex
import time

from fasthtml.common import (
    H1,
    H2,
    H3,
    A,
    Button,
    Code,
    Details,
    Div,
    Form,
    Input,
    Label,
    P,
    Pre,
    Span,
    Summary,
    Table,
    Tbody,
    Td,
    Th,
    Thead,
    Tr,
)

from components.format import counted, fmt_time
from components.layout import Page
from plugins.registry import metric_text


def _ms(value) -> str:
    return "—" if value is None else f"{value:.1f} ms"


def _metrics(values: list[dict]) -> str:
    """A version's first three test metrics by their titles, as the results write them ("F1 score
    0.8349", not "f1 0.8349": a new user read the keys here)."""
    first = next((m for m in values if m), None)
    return ", ".join(metric_text(k, v) for k, v in list(first.items())[:3]) if first else "—"


def Versions(d: dict):
    production = d["aliases"].get("production")
    rows = []
    for v in d["versions"]:
        here = v["version"] == production
        origin = (A(f"run {v['job_id']} · {v['model_node_id']}", href=f"/jobs/{v['job_id']}")
                  if v.get("job_id") else Span("—", cls="faint"))
        action = (Span("production", cls="pill completed", data_production=str(v["version"])) if here else
                  Button("Make production", cls="small", hx_post=f"/ui/deployments/{d['name']}/alias",
                         hx_vals=f'{{"version": "{v["version"]}"}}', hx_target=f"#deployment-{d['name']}",
                         hx_swap="outerHTML", data_make_production=str(v["version"])))
        rows.append(Tr(Td(Span(f"v{v['version']}", cls="b")), Td(fmt_time(v["created_at"])), Td(origin),
                       Td(v.get("algorithm_name") or v.get("algorithm") or "—"), Td(_metrics(v["metrics"])), Td(action),
                       data_version=str(v["version"])))
        rows += [Tr(Td(P(f"v{v['version']}: {w}", cls="notice warn"), colspan="6"), data_version_warning=str(v["version"]))
                 for w in v.get("warnings") or []]  # a model its run's gate failed, deployed all the same
    return Table(Thead(Tr(Th("Version"), Th("Created"), Th("From"), Th("Algorithm"), Th("Test metrics"),
                          Th("Production"))), Tbody(*rows), cls="grid")


def AliasHistory(d: dict):
    items = [Tr(Td(fmt_time(h["at"])), Td(f"v{h['previous']}" if h["previous"] else "—"), Td(f"v{h['version']}"),
                Td(h.get("why") or "", cls="faint")) for h in reversed(d["alias_history"][-10:])]
    return Details(Summary(f"Production alias history ({counted(len(d['alias_history']), 'move')})"),
                   Table(Thead(Tr(Th("When"), Th("From"), Th("To"), Th("Why"))), Tbody(*items), cls="grid"),
                   cls="alias-history")


def HourlyBars(stats: dict):
    """Requests per clock hour over the stats window, as bars (errors in red on top)."""
    most = max([h["requests"] for h in stats["per_hour"]] + [0])
    top = max(most, 1)  # the scale (no request: empty bars)
    bars = []
    for h in stats["per_hour"]:
        ok = h["requests"] - h["errors"]
        label = f"{time.strftime('%H:00', time.localtime(h['hour']))}: {counted(h['requests'], 'request')}, {counted(h['errors'], 'error')}"
        bars.append(Div(Div(cls="bar-err", style=f"height:{100 * h['errors'] / top:.1f}%"),
                        Div(cls="bar-ok", style=f"height:{100 * ok / top:.1f}%"),
                        cls="hour-bar", title=label, aria_label=label, data_requests=str(h["requests"])))
    first, last = stats["per_hour"][0]["hour"], stats["per_hour"][-1]["hour"]
    return Div(Div(*bars, cls="hour-bars", role="img",
                   aria_label=f"Requests per hour over the last {stats['window_hours']} hours"),
               Div(Span(f"{time.strftime('%H:00', time.localtime(first))}, {stats['window_hours']} h ago"),
                   Span(f"tallest bar: {counted(most, 'request')}" if most else "no request yet", cls="faint"),
                   Span(f"{time.strftime('%H:00', time.localtime(last))} (this hour)"), cls="hour-axis"), cls="hourly")


def Latency(stats: dict):
    parts = (("total", "Total"), ("load", "Loading the model (a version's first request)"), ("parse", "Parsing"),
             ("validate", "Checking rows"), ("predict", "Predicting"))
    return Table(Thead(Tr(Th("Latency"), Th("p50"), Th("p95"), Th("p99"))),
                 Tbody(*[Tr(Td(label), *[Td(_ms(stats["latency_ms"][key][q])) for q in ("p50", "p95", "p99")])
                         for key, label in parts]), cls="grid latency")


def RecentErrors(stats: dict):
    if not stats["recent_errors"]:
        return P("No failed requests.", cls="faint")
    by_status = ", ".join(f"{n} × {s}" for s, n in stats["errors_by_status"].items())
    return Div(P(f"Failed in the last {stats['window_hours']} h: {by_status or 'none'}", cls="small"),
               Table(Thead(Tr(Th("When"), Th("Status"), Th("Key"), Th("Why"))),
                     Tbody(*[Tr(Td(fmt_time(e["at"])), Td(str(e["status"])), Td(e["key_prefix"] or "—", cls="mono"),
                                Td(e["error"] or "", cls="faint")) for e in stats["recent_errors"]]),
                     cls="grid"), cls="recent-errors")


def HowToCall(d: dict, origin: str, max_rows: int):
    """A request that scores one row with the production version (or the latest): the body's
    shape and the columns to send were written only in the README."""
    production = d["aliases"].get("production")
    version = next((v for v in d["versions"] if v["version"] == production), d["versions"][0] if d["versions"] else None)
    if version is None:
        return Div()
    body = json.dumps({"records": [version.get("example") or {}]}, ensure_ascii=False)
    command = (f"curl -X POST {origin}/api/v1/deployments/{d['name']}/predict \\\n"
               f"  -H 'Authorization: Bearer <your key>' -H 'Content-Type: application/json' \\\n"
               f"  -d {shlex.quote(body)}")
    return Details(Summary("How to call it"),
                   P(f"Send rows as JSON records (up to {max_rows:,}) or as a CSV body (Content-Type: text/csv). This example "
                     f"is one row of version {version['version']}'s columns, each with a typical value of its training rows "
                     "(the middle number or date, the most frequent category); "
                     "a key comes from API keys below.", cls="help"),
                   Pre(Code(command), cls="mono how-to-call", data_how_to_call=str(version["version"])),
                   cls="how-to-call-box")


def DeploymentCard(d: dict, notice: str | None = None, origin: str = ""):
    s = d["stats"]
    production = d["aliases"].get("production")
    endpoint = f"/api/v1/deployments/{d['name']}/predict"
    return Div(
        Div(H2(d["name"]), Span(f"production: v{production}" if production else "no production version",
                                cls="pill completed" if production else "pill"),
            Code(f"POST {endpoint}", cls="mono faint"), cls="deployment-head"),
        *([P(notice, cls="notice", role="status")] if notice else []),
        Versions(d), HowToCall(d, origin, d["max_rows"]), AliasHistory(d),
        Div(Div(H3(f"Requests, last {s['window_hours']} h: ", Span(str(s["requests"]), data_request_count="1")),
                HourlyBars(s), cls="deployment-traffic"),
            Div(H3("Latency of answered requests"), Latency(s), cls="deployment-latency"),
            cls="deployment-stats"),
        Div(H3("Recent errors"), RecentErrors(s)),
        cls="card deployment", id=f"deployment-{d['name']}", data_deployment=d["name"])


def KeysSection(keys: list[dict], made: dict | None = None, error: str | None = None):
    """API keys: a new one shown once (with a hint to copy it now), the list, revoke."""
    shown = [Div(P("Copy this key now: it is not shown again (only its hash is kept)."),
                 Input(value=made["key"], readonly=True, cls="mono new-key", aria_label="The new API key",
                       data_new_key=made["id"]), cls="notice new-key-notice", role="status")] if made else []
    rows = [Tr(Td(k["name"]), Td(k["prefix"] + "…", cls="mono"), Td(fmt_time(k["created_at"])),
               Td(fmt_time(k["last_used_at"]) if k["last_used_at"] else Span("never", cls="faint")),
               Td(Span(f"revoked {fmt_time(k['revoked_at'])}", cls="faint") if k["revoked_at"] else
                  Button("Revoke", cls="small danger", hx_post=f"/ui/keys/{k['id']}/revoke", hx_target="#keys",
                         hx_swap="outerHTML", hx_confirm=f"Revoke the key '{k['name']}'? Programs using it get 401.",
                         data_revoke_key=k["id"])), data_key=k["id"]) for k in keys]
    return Div(H2("API keys"),
               P("A program calls a deployment's predict endpoint with Authorization: Bearer <key>.", cls="help"),
               Form(Label("Name", fr="key-name"), Input(name="name", id="key-name", placeholder="e.g. billing service",
                                                         required=True, style="width:260px"),
                    Button("Create key", type="submit", cls="primary", data_create_key="1"),
                    # the key is shown once, below the form (and the page's fold at 1366x768): brought into view
                    hx_post="/ui/keys", hx_target="#keys", hx_swap="outerHTML show:.new-key-notice:bottom",
                    cls="row key-form"),
               *([P(error, cls="notice error", role="alert")] if error else []), *shown,
               Table(Thead(Tr(Th("Name"), Th("Prefix"), Th("Created"), Th("Last used"), Th(""))), Tbody(*rows),
                     cls="grid") if keys else P("No keys yet.", cls="faint"),
               cls="card", id="keys")


def DeploymentsPage(deployments: list[dict], keys: list[dict], origin: str = ""):
    body = [DeploymentCard(d, origin=origin) for d in deployments] or [
        P("No deployments yet. A Deploy node on a gate's Pass branch, or Deploy… on a trained model in a run's "
          "results, makes one.", cls="muted card")]
    return Page("Deployments", Div(Div(H1("Deployments"), cls="page-head"), *body, KeysSection(keys),
                                   cls="page deployments-page"), active="deployments")


def DeployResult(made: dict | None = None, error: str | None = None):
    """What "Deploy…" on a trained model answered: the new version in production, or the
    version that already held this model."""
    if error:
        return P(error, cls="notice error", role="alert", data_deploy_error="1")
    said = P(f"{made['message']}. ", A("See it on the Deployments page", href=f"/deployments#deployment-{made['deployment']}"),
             ".", cls="notice", data_deployed=str(made["version"]), data_created="1" if made.get("created", True) else "0")
    warned = made.get("warnings") or []  # a model its run's gate failed: deployed, and said
    if not warned:
        return said
    return Div(said, *[P(f"{w[:1].upper()}{w[1:]}.", cls="notice warn", role="alert", data_deploy_warning="1")
                       for w in warned])
