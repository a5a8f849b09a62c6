"""Gate node: lets an evaluated model through its Pass output when one metric clears a
threshold, through Fail otherwise; the nodes on the branch not taken are skipped, with the
gate's sentence ("accuracy 0.912 ≥ 0.90: pass").

The metric is one the model offers (its capabilities) with a direction; which way "clears"
goes is the metric's own declaration (plugins/evaluators.py: higher or lower is better).
A metric the Evaluate node did not compute is computed here on the same test rows.

By default the gate also fails a model the run's guards found against (Split: a feature that
gives the target away, or units of an id column with rows on both sides of the split;
Evaluate: no better than the majority baseline on the gate's metric, or one class predicted
for every test row), whatever its metric:
an automated deploy of a model whose score comes from a leak is what a gate is there to stop.
`fail_on_findings` off, the threshold alone decides and a pass says what was found.

Optionally the model must also beat the version a deployment has in production by at least
`min_improvement` (TFX's change threshold): the production version's value of the metric is
its model card's (its own test rows), read through the run's registry; with no production
version yet, the threshold alone decides and the sentence says so.
"""

from __future__ import annotations

from dataclasses import replace

from nodes.base import METRICS, EvaluationArtifact, Exported, Fingerprint, NodeError, NodeType, Port, Upstream
from nodes.evaluate import directed_metrics
from plugins import registry
from plugins.guards import percent
from plugins.numbers import fmt_number
from plugins.params import Param, quoted, validate_params
from plugins.tables import label_text

FAIL_ON_FINDINGS = Param(
    "fail_on_findings", "bool", default=True, label="Fail on the guards' findings",
    help="Fail when Split found a feature that gives the target away or units of an id column on both sides of the "
         "split, or Evaluate found the model no better than the baseline or predicting one class for every test "
         "row, whatever the metric says. Off: the threshold alone decides, and a pass says what was found.")
PARAMS = (
    Param("metric", "str", default="", label="Metric", choices_from="scalar_metrics",
          help="The metric to judge the model by, among those its algorithm offers."),
    Param("threshold", "float", default=None, label="Threshold",
          help="Pass when the metric is at least this (or at most, for an error metric)."),
    FAIL_ON_FINDINGS,
    Param("deployment", "str", default="", label="Compare with deployment", advanced=True,
          help="A deployment whose production version the model must beat (with the improvement below)."),
    Param("min_improvement", "float", default=None, nullable=True, min=0.0, label="Must beat production by",
          advanced=True, help="Pass only when the metric is better than the production version's by at least "
                              "this much (empty: no comparison)."),
)




def validate(config: dict, upstream: Upstream):
    from plugins.evaluators import normalize_metric_key

    config = dict(config or {})
    if isinstance(config.get("metric"), str):
        config["metric"] = normalize_metric_key(config["metric"].strip())
    clean, errors = validate_params(PARAMS, config, what="field")
    offered = directed_metrics(upstream)
    metric = clean.get("metric")
    if not metric:
        chosen = [k for k in upstream.selected_metrics if k in offered]
        if chosen or offered:
            clean["metric"] = metric = (chosen or offered)[0]
        elif "metric" not in errors:
            errors["metric"] = "Connect an Evaluate node with a configured model to choose a metric."
    if clean.get("threshold") is None and "threshold" not in errors:
        errors["threshold"] = "Threshold needs a value."
    _comparison(clean, errors)
    if metric and offered and metric not in offered:
        errors["metric"] = (f"{quoted(metric)} is not a metric the upstream model offers with a direction; "
                            f"choose one of {', '.join(offered)}.")
    return clean, errors


def _comparison(clean: dict, errors: dict) -> None:
    from nodes.deploy import name_problem

    name = (clean.get("deployment") or "").strip()
    clean["deployment"] = name
    if "deployment" in errors or "min_improvement" in errors:
        return
    if clean.get("min_improvement") is not None and not name:
        errors["deployment"] = "Name the deployment whose production version the model must beat."
    elif name and name_problem(name):
        errors["deployment"] = name_problem(name)


def design(config: dict, upstream: Upstream):
    return {"pass": Upstream(**upstream.__dict__), "fail": Upstream(**upstream.__dict__)}


def _shown(x: float) -> str:
    text = f"{x:.2f}"
    return text if float(text) == x else f"{x:.12g}"


def verdict(metric: str, value: float, threshold: float, direction: str, name: str | None = None) -> dict:
    """{"decision": pass|fail, "message": the sentence}: the one rule of what clears. `name`:
    the metric's title, which the sentence says ("ROC AUC 0.9855 ≥ 0.95: pass"; plugins.registry
    .metric_name), else its key."""
    passed = value >= threshold if direction == "higher" else value <= threshold
    sign = ("≥" if passed else "<") if direction == "higher" else ("≤" if passed else ">")
    limit = _shown(threshold)
    decision = "pass" if passed else "fail"  # never a value printed as the threshold when it is not
    return {"decision": decision, "metric": metric, "value": value, "threshold": threshold, "direction": direction,
            "clears": f"{sign} {limit}",
            "message": f"{name or metric} {value_text(value, threshold)} {sign} {limit}: {decision}"}


def value_text(value: float, *others: float) -> str:
    """A measured `value` as the results write it (fmt_number: 4 significant digits, 0.9855),
    with as many more digits as it takes not to read as any of `others` it is not (a retrain
    round's 0.9855 read "0.986" beside a threshold of 0.986: a new user; and the gate wrote
    0.986 where the results wrote 0.9855 for the same model)."""
    for digits in range(4, 13):
        text = fmt_number(value, digits)
        if not any(value != o and text == fmt_number(o, digits) for o in others):
            return text
    return f"{value:,.12g}"  # whole units past 1,000 (fmt_number rounds those to the unit)


def compared(judged: dict, production: dict | None, deployment: str, min_improvement: float) -> dict:
    """The threshold's verdict and the comparison with `deployment`'s production version
    (`production`: {"version", "value"} or None): both must pass. The one rule of "beats
    production by Δ": the improvement is in the metric's own direction."""
    metric, value, direction = registry.metric_name(judged["metric"]), judged["value"], judged["direction"]
    if production is None or production.get("value") is None:
        why = (f"no production version of {deployment} yet" if production is None else
               f"{deployment}'s production version {production['version']} has no {metric}")
        return {**judged, "compared_with": None,
                "message": f"{judged['message']} ({why}: decided on the threshold alone)"}
    prod = float(production["value"])
    improvement = value - prod if direction == "higher" else prod - value
    beats = improvement >= min_improvement
    decision = "pass" if beats and judged["decision"] == "pass" else "fail"
    sentence = (f"{metric} {value_text(value, prod)} vs production {value_text(prod, value)} "
                f"({'+' if improvement >= 0 else '-'}{value_text(abs(improvement), min_improvement)} "
                f"{'≥' if beats else '<'} +{_shown(min_improvement)}) and {judged['clears']}: {decision}")
    return {**judged, "decision": decision, "message": sentence, "min_improvement": min_improvement,
            "compared_with": {"deployment": deployment, "version": production["version"], "value": prod,
                              "improvement": improvement}}


def run(config: dict, inputs: dict, ctx) -> dict:
    from plugins.evaluators import compute_metric

    evaluation: EvaluationArtifact = inputs["metrics"]
    key = config["metric"]
    value = (evaluation.metrics.get("values") or {}).get(key)
    if value is None:
        try:
            value = compute_metric(key, evaluation.model.evaluation())
        except (ValueError, TypeError) as e:
            raise NodeError(f"The gate cannot judge the model: {e}") from None
    if not isinstance(value, (int, float)) or value != value:
        raise NodeError(f"The gate cannot judge the model: {key} has no value ({value!r}).")
    judged = verdict(key, float(value), float(config["threshold"]), registry.metrics()[key].direction,
                     registry.metric_name(key))
    if config.get("min_improvement") is not None and ctx.production_metric is None:  # the CLI, as a script does
        judged = {**judged, "compared_with": None,
                  "message": f"{judged['message']} (no model registry here to compare with {config['deployment']}'s "
                             "production version: decided on the threshold alone)"}
    elif config.get("min_improvement") is not None:
        task = {"target": evaluation.model.split.target, "problem_type": evaluation.model.problem_type}
        judged = compared(judged, ctx.production_metric(config["deployment"], key, task), config["deployment"],
                          float(config["min_improvement"]))
    judged = with_caveats(judged, evaluation, strict=config["fail_on_findings"], metric=key, value=float(value))
    out = replace(evaluation, verdict=judged)
    return {judged["decision"]: out}


def caveats(evaluation: EvaluationArtifact, metric: str | None = None, value: float | None = None) -> list[str]:
    """What the run's guards found against the model the gate judges: no better than the
    baseline on the gate's own metric (`metric`, `value`; Evaluate's key metric when none is
    given), Split found features that give the target away. The threshold still decides
    (it is the user's rule); a pass says these with it. Judged on the gate's metric: a gate
    on ROC AUC failed a class-weighted model because its accuracy was below the majority
    baseline's (found by a new user; weighting classes trades accuracy away on purpose)."""
    from plugins.guards import at_or_below

    out, who = [], "Evaluate found it"
    key = (evaluation.metrics or {}).get("key_metric") or {}
    if metric is not None and metric != key.get("key"):
        from nodes.evaluate import _baseline

        model = evaluation.model
        baseline = ((evaluation.metrics or {}).get("baseline") or {}).get(metric)  # Evaluate's, when it made it
        if baseline is None:
            baseline = _baseline(model, [metric], model.split.random_seed).get(metric)
        key, who = {"key": metric, "value": value, "baseline": baseline,
                    "below_baseline": at_or_below(value, baseline, registry.metrics()[metric].direction)}, "it is"
    if key.get("below_baseline"):
        out.append(f"{who} no better than the baseline ({registry.metric_text(key['key'], key['value'])} against "
                   f"{fmt_number(key['baseline'])})")
    single = (evaluation.metrics or {}).get("one_class")
    if single:
        out.append(f"Evaluate found it predicts {label_text(single['class'])} for every test row")
    return out + split_findings(evaluation)


def split_findings(evaluation: EvaluationArtifact) -> list[str]:
    """What Split found against the model's rows (features that give the target away, units on
    both sides): in the data above the model, so no retrain round can clear it (nodes.retrain)."""
    out = []
    leaks = getattr(evaluation.model.split, "leaks", ()) or ()
    if leaks:
        named = ", ".join(repr(c) for c in leaks[:3]) + (" …" if len(leaks) > 3 else "")
        out.append(f"Split found {'a feature' if len(leaks) == 1 else f'{len(leaks)} features'} that give"
                   f"{'s' if len(leaks) == 1 else ''} the target away ({named})")
    for units in getattr(evaluation.model.split, "shared_units", ()) or ():
        out.append(f"Split found units of {units.column!r} on both sides of the split ({percent(units.share)} of the test "
                   "rows)")
    unseen = (evaluation.metrics or {}).get("unseen_classes")
    if unseen:  # the split's doing (Shuffle off on a file sorted by the target): no round of training can clear it
        out.append(f"{unseen['rows']:,} of the {unseen['test_rows']:,} test rows are of classes the training rows never "
                   f"had ({', '.join(label_text(c) for c in unseen['classes'][:3])})")
    return out


def with_caveats(judged: dict, evaluation: EvaluationArtifact, strict: bool = True, metric: str | None = None,
                 value: float | None = None) -> dict:
    """The verdict with the caveats: listed; a pass is a fail when `strict` (the gate's
    "Fail on the guards' findings"), else said with what was found (what goes on to Deploy)."""
    found = caveats(evaluation, metric, value)
    if not found:
        return judged
    in_data = split_findings(evaluation) if strict else []
    if in_data:
        judged = {**judged, "data_findings": in_data}
    if judged["decision"] != "pass":
        return {**judged, "caveats": found}
    if strict:
        cleared = judged["message"].removesuffix(": pass")
        return {**judged, "decision": "fail", "caveats": found,
                "message": f"{cleared}, but {'; '.join(found)}: fail (this gate fails on the guards' findings; "
                           f"turn \"{FAIL_ON_FINDINGS.title}\" off to decide on the threshold alone)"}
    return {**judged, "caveats": found, "message": f"{judged['message']} — but {'; '.join(found)}"}


def export(config: dict, ctx) -> Exported:
    """The gate's check, in the script: the metric on the same test rows by its own
    function, judged by the one rule of what clears (`verdict`, inlined), and printed. Its
    `port` name is the port it takes ("pass" or "fail"). A comparison with a production
    version needs the app's registry: the script says so and judges on the threshold alone."""
    from plugins.evaluators import scored

    src, up = ctx.source, ctx.input.names
    metric = registry.metrics()[config["metric"]]
    value, why, judged = ctx.name("gate_value"), ctx.name("gate_why"), ctx.name("gate")
    notes = []
    if config["fail_on_findings"]:
        notes.append(f"{ctx.label} also fails on the guards' findings when the run has any (a feature that gives the "
                     "target away, units on both sides of the split, a model no better than the baseline or predicting "
                     "one class for every test row): this script does not run the guards, so it judges on the "
                     "threshold alone.")
    if config.get("min_improvement") is not None:
        notes.append(f"{ctx.label} must also beat {config['deployment']}'s production version by "
                     f"{config['min_improvement']:g}: a script has no model registry, so it judges on the threshold "
                     "alone.")
    lines = [f"# pass when {metric.name} clears {config['threshold']:g} ({metric.direction} is better)",
             f"{value}, {why} = {src.ref(scored)}({metric.code(src)}, {up['evaluation']})",
             f"if {value} is None:",
             f"    raise SystemExit({ctx.label + ' cannot judge the model: '!r} + {why})",
             f"{judged} = {src.ref(verdict)}({config['metric']!r}, float({value}), {float(config['threshold'])!r}, "
             f"{metric.direction!r}, {metric.name!r})",
             f"note({ctx.label + ': '!r} + {judged}['message'])"]
    return Exported(lines, {**up, "port": f"{judged}['decision']"}, notes)


def output_summary(evaluation: EvaluationArtifact) -> dict:
    return dict(evaluation.verdict or {})


def summary(config: dict) -> str:
    metric, threshold = config.get("metric"), config.get("threshold")
    if threshold is None:
        return "Choose a threshold"
    beat = (f", beating {config.get('deployment')} by {config['min_improvement']:g}"
            if config.get("min_improvement") is not None else "")
    # its name, as the inspector says it ("ROC AUC")
    return f"pass when {registry.metric_name(metric) if metric else 'the metric'} clears {threshold:g}{beat}"


def fingerprint(config: dict) -> Fingerprint:
    if config.get("min_improvement") is not None:
        return Fingerprint(volatile="the gate compares with a deployment's production version, which can change")
    return Fingerprint()


NODE = NodeType(
    headline=True, judges=True,
    type="gate", label="Gate", icon="🚦", colour="#b45309",
    description="Pass the evaluated model on when a metric clears a threshold; Fail otherwise.",
    inputs=(Port("metrics", (METRICS,), "Evaluated model"),),
    outputs=(Port("pass", (METRICS,), "Pass"), Port("fail", (METRICS,), "Fail", failing=True)),
    params=PARAMS, validate=validate, run=run, summary=summary, group="Results", design=design,
    output_summary=output_summary, fingerprint=fingerprint, export=export, order=55,
)
