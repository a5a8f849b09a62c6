"""Deploy node: on a gate's Pass branch (or after any evaluated model), registers the run's
model as a new immutable version of a deployment and points its `production` alias at it
(executor/deployments.py, through the run's model registry). Never reused from the cache:
each run that reaches it registers its model; a model the deployment already has is that
version, put back in production, not a new one."""

from __future__ import annotations

import re

from nodes.base import METRICS, MODEL, Exported, Fingerprint, NodeSkipped, NodeType, Port, Upstream
from plugins.params import Param, quoted, validate_params

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
# said wherever a name is refused (Deploy and Gate nodes, the API, the Deployments page): "letters"
# alone let 'Kündigung 2024' look valid to the person who typed it
NAME_RULE = ("ASCII letters, digits, - and _ (a-z, A-Z, 0-9: no spaces or accented letters; at most 64, "
             "starting with a letter or digit)")


def name_problem(name) -> str | None:
    """The sentence refusing a deployment name, or None when it is one."""
    if name is None or name == "":
        return f"Name the deployment: a deployment name is {NAME_RULE}."
    if not isinstance(name, str) or not NAME.fullmatch(name):
        return f"A deployment name is {NAME_RULE}; {quoted(str(name)[:80])} is not."
    return None
PARAMS = (Param("name", "str", default="", label="Deployment",
                help="The deployment's name: letters, digits, - and _. Its predict endpoint is "
                     "/api/v1/deployments/<name>/predict."),)


def validate(config: dict, upstream: Upstream):
    clean, errors = validate_params(PARAMS, config, what="field")
    name = (clean.get("name") or "").strip()
    clean["name"] = name
    if "name" not in errors:
        if not name:
            errors["name"] = "Name the deployment."
        elif name_problem(name):
            errors["name"] = name_problem(name)
    return clean, errors


def run(config: dict, inputs: dict, ctx) -> dict:
    given = inputs["model"]
    model = getattr(given, "model", given)  # an evaluated model (a gate's Pass) or a model
    if ctx.register_model is None:  # the CLI: the run's metrics stand, nothing is deployed
        raise NodeSkipped(f"nothing is deployed here (no model registry): run the workflow in the app, or deploy "
                          f"the model from a run's results there, to make a version of {config['name']}.")
    registered = ctx.register_model(config["name"], model)
    # a model a gate of this run failed (a Deploy fed beside the Gate, not from its Pass): deployed, and
    # said on the node and in the run's warnings, in the sentence a deploy by hand gets (failed_gates)
    for warning in registered.get("warnings") or []:
        ctx.warn(warning)
    return registered


def export(config: dict, ctx) -> Exported:
    """A script cannot deploy (it has no model registry): its part says so, and what the run
    registered."""
    did = (ctx.output or {}).get("message")
    why = (f"{ctx.label}: a script cannot deploy (it has no model registry); the run did: {did}." if did else
           f"{ctx.label}: a script cannot deploy (it has no model registry); deploy {config['name']} from the app.")
    return Exported([], dict(ctx.input.names), [why])  # the note is the script's comment and what it prints


def output_summary(registered: dict) -> dict:
    return dict(registered)


def summary(config: dict) -> str:
    return f"Deploy as {config['name']}" if config.get("name") else "Name the deployment"


def fingerprint(config: dict) -> Fingerprint:
    return Fingerprint(volatile="a Deploy node registers the run's model each time it runs (a model the deployment "
                                "already has puts that version back in production, no new one)")


NODE = NodeType(
    headline=True, headline_link=("Deployments", "/deployments"),
    type="deploy", label="Deploy", icon="🚀", colour="#15803d",
    description="Register the model as a new version of a deployment and put it in production.",
    inputs=(Port("model", (METRICS, MODEL), "Evaluated model"),),
    outputs=(),
    params=PARAMS, validate=validate, run=run, summary=summary, group="Results",
    output_summary=output_summary, fingerprint=fingerprint, export=export, order=56,
)
