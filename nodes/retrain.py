"""Retrain node: takes a Gate's Fail output and sends the model back up (seed 004's dashed
edge): its output is a loop edge to the Model node it retrains. After each failed round it
decides, from the rounds so far (`ctx.loop`), whether the next round runs and with what
change to the Model's config: more Optuna trials, or the next algorithm from the user's
list. The loop stops at a pass (the engine sees the Fail port empty), at Max rounds, or when
a round does not improve on the one before (unless that is switched off). A loop that stops
without a pass hands on its best round's model (`kept_round`), which the engine runs once
more (from the cache when it is on), not the last round's whatever it scored.

The graph module refuses a loop whose Retrain gives no bound (NODE.loop.bound); Max rounds
is a whole number from 1 to MAX_ROUNDS, so every loop ends.
"""

from __future__ import annotations

from nodes.base import METRICS, RETRAIN, Fingerprint, Loop, NodeError, NodeType, Port, Upstream
from nodes.gate import value_text
from plugins import registry
from plugins.params import Param, quoted, validate_params

MAX_ROUNDS = 10
TRIALS_MAX = 500  # the Model node's own limit on Optuna trials (nodes/model.py TRAINING_PARAMS)
ESCALATIONS = ("trials", "algorithm")
TRIALS_FACTOR = Param("trials_factor", "float", default=2.0, min=1.1, max=10.0, label="Trials factor",
                      visible_if=(("escalation", "trials"),),
                      help="Round k searches the first round's trials times this, k − 1 times over (the trials each "
                           "round runs are said below).")
PARAMS = (
    Param("max_rounds", "int", default=3, min=1, max=MAX_ROUNDS, label="Max rounds",
          help=f"Rounds in all, the first included (1–{MAX_ROUNDS}): the loop never runs more."),
    Param("escalation", "select", default="trials", choices=ESCALATIONS, label="Each round",
          help="trials: more Optuna trials (the first round's times the factor, per round); "
               "algorithm: the next algorithm from the list."),
    TRIALS_FACTOR,
    Param("algorithms", "str", default="", max=500, label="Next algorithms",
          visible_if=(("escalation", "algorithm"),),
          help="The algorithms to try, in order, comma-separated: their names as the Model node lists them "
               "(e.g. Random Forest, XGBoost) or their keys (random_forest, xgboost)."),
    Param("stop_if_no_better", "bool", default=True, label="Stop when a round does not improve"),
)


def algorithm_list(text) -> list[str]:
    """The algorithms to try next, in order: each by its key or by the name the Model
    inspector shows ("Random Forest", any case), as keys (a new user typed the names)."""
    models = registry.models()
    by_name = {m.name.casefold(): k for k, m in models.items()}
    return [a if a in models else by_name.get(a.casefold(), a)
            for a in (part.strip() for part in str(text or "").split(",")) if a]


def validate(config: dict, upstream: Upstream):
    clean, errors = validate_params(PARAMS, config, what="field")
    if clean.get("escalation") == "algorithm" and "algorithms" not in errors:
        names = algorithm_list(clean.get("algorithms"))
        clean["algorithms"] = ", ".join(names)
        models = registry.models()
        unknown = [n for n in names if n not in models]
        wrong = [n for n in names if n in models and upstream.problem_type
                 and upstream.problem_type not in models[n].problem_types]
        if not names:
            errors["algorithms"] = "List the algorithms to try next (their names, comma-separated)."
        elif unknown:
            fits = [m.name for m in models.values() if not upstream.problem_type or upstream.problem_type in m.problem_types]
            errors["algorithms"] = (f"Unknown algorithm {', '.join(map(quoted, unknown))}; the algorithms are "
                                    f"{', '.join(fits)}.")
        elif wrong:
            errors["algorithms"] = f"{', '.join(models[n].name for n in wrong)} cannot do {upstream.problem_type}."
    return clean, errors


def advise(config: dict, upstream: Upstream) -> list[str]:
    if config.get("escalation") != "algorithm":
        return []
    names, rounds = algorithm_list(config.get("algorithms")), config.get("max_rounds") or 1
    if names and len(names) < rounds - 1:
        return [f"Max rounds is {rounds} but the list has {len(names)} algorithm(s) after the first: the loop stops "
                f"after round {len(names) + 1} at most."]
    return []


def bound(config: dict) -> int | None:
    """The most rounds this config allows, or None (then no loop is allowed)."""
    n = config.get("max_rounds", PARAMS[0].default)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_ROUNDS:
        return None
    return n


def _name(slug: str) -> str:
    plugin = registry.models().get(slug)
    return plugin.name if plugin else str(slug)


def escalate(config: dict, first: dict, current: dict, next_round: int, metric: str | None = None
             ) -> tuple[dict, str] | str:
    """(the Model's config for `next_round`, the change in words), or why there is none.
    `metric`: the Gate's, which a search the Model node had not set a metric for optimises
    (it optimised the algorithm's default, R² for a Gate on RMSE; found by a new user)."""
    if config.get("escalation") == "algorithm":
        names = algorithm_list(config.get("algorithms"))
        if next_round - 2 >= len(names):
            return f"no algorithm left to try after round {next_round - 1} (the list has {len(names)})"
        slug = names[next_round - 2]
        new = {**first, "algorithm": slug, "hyperparameters": {}}
        if new.get("use_optuna"):
            new["optuna_metric"] = None  # the new algorithm's own default
        return new, f"algorithm {_name(current.get('algorithm'))} → {_name(slug)}"
    base = int(first.get("optuna_trials") or model_trials_default())
    trials = min(TRIALS_MAX, round(base * float(config.get("trials_factor") or 2.0) ** (next_round - 1)))
    was = int(current.get("optuna_trials") or base) if current.get("use_optuna") else 0
    if trials <= was:
        return f"no more trials to add: the search is at the Model's limit of {TRIALS_MAX}"
    new = {**first, "use_optuna": True, "optuna_trials": trials}
    change = f"Optuna trials {was} → {trials}" if was else f"Optuna search on, {trials} trials"
    if not first.get("optuna_metric") and metric:
        new["optuna_metric"] = metric
        change += f", optimising {registry.metric_name(metric)} (the Gate's metric)"
    return new, change


def model_trials_default() -> int:
    """The Model node's declared number of Optuna trials: what round 1 searches when its
    search is on at the default, and what round 2 multiplies when round 1 did not search."""
    from nodes.model import TRAINING_PARAMS

    return int(next(p.default for p in TRAINING_PARAMS if p.name == "optuna_trials"))


def trials_by_round(config: dict, first_trials: int | None = None) -> list[int]:
    """The trials each round after the first searches when every round fails (the
    escalation's rule, `escalate`): [40, 80] for Max rounds 3 and a factor of 2 on the
    Model's default 20."""
    base = first_trials or model_trials_default()
    factor = float(config.get("trials_factor") or TRIALS_FACTOR.default)
    return [min(TRIALS_MAX, round(base * factor ** (k - 1))) for k in range(2, (bound(config) or 1) + 1)]


def preview(config: dict, upstream: Upstream, design=None) -> list:
    """Under the settings: how many trials each later round searches, from the declared
    defaults (the Model's trials, this node's factor) and the settings as they are, and so
    how long a round takes against the first (a new user did not know the default searched
    40 trials, then 80)."""
    if config.get("escalation", "trials") != "trials":
        return []
    counts, base = trials_by_round(config), model_trials_default()
    if not counts:
        return [{"kind": "text", "text": "One round: the loop never retrains."}]
    rounds = "; ".join(f"round {k}: {n:,} trials" for k, n in enumerate(counts, start=2))
    return [{"kind": "notice", "level": "info", "text": (
        f"With the Model's default search of {base} trials (or none: round 2 turns it on), a failing loop runs "
        f"{rounds}. A round takes about as long as its trials: round {len(counts) + 1} about "
        f"{counts[-1] / base:.3g}× a {base}-trial search, and the rounds together up to "
        f"{sum(counts) / base:.3g}× more. A Model set to other trials scales them the same way (×"
        f"{float(config.get('trials_factor') or TRIALS_FACTOR.default):g} a round).")}]


def round_config(config: dict, first: dict, k: int) -> dict | None:
    """The Model's config in round k when rounds 1..k-1 all failed and escalated (what the
    estimate counts: the rounds can stop sooner, never go further), or None when the
    escalation runs out before round k."""
    current = first
    for r in range(2, k + 1):
        escalated = escalate(config, first, current, r)
        if isinstance(escalated, str):
            return None
        current = escalated[0]
    return current


def _better(value: float, before: float, direction: str) -> bool:
    return value > before if direction == "higher" else value < before


def run(config: dict, inputs: dict, ctx) -> dict:
    state = ctx.loop
    if state is None:
        raise NodeError("A Retrain node runs in a loop: connect its output back up to the Model node it retrains.")
    verdict = getattr(inputs.get("metrics"), "verdict", None) or {}
    return {**_decide(config, state, verdict), "round": state.round, "rounds": state.rounds}


def _decide(config: dict, state, verdict: dict) -> dict:
    k, n = state.round, state.bound
    shown = str(verdict.get("message", "")).rsplit(": ", 1)[0]
    if k >= n:
        return _stop(f"stopped after round {k} of {n}: {shown}".rstrip(": "), state.rounds)
    if verdict.get("data_findings"):  # found by a new user: a leak failed round 1, and round 2 trained for nothing
        found = "; ".join(verdict["data_findings"])
        return _stop(f"stopped after round {k} of {n}: the gate failed on what Split found in the data, which no "
                     f"other round can change ({found}); drop those columns, or keep the units together, and run "
                     "again", state.rounds)
    if config.get("stop_if_no_better", True) and len(state.rounds) >= 2:
        before = state.rounds[-2].get("verdict") or {}
        value, prev = verdict.get("value"), before.get("value")
        if isinstance(value, (int, float)) and isinstance(prev, (int, float)) and not _better(
                value, prev, verdict.get("direction", "higher")):
            sign = "≤" if verdict.get("direction", "higher") == "higher" else "≥"
            limit = [t for t in (verdict.get("threshold"),) if isinstance(t, (int, float))]
            return _stop(f"round {k} did not improve on round {k - 1} ({value_text(value, prev, *limit)} {sign} "
                         f"{value_text(prev, value, *limit)})", state.rounds)
    escalated = escalate(config, state.first_config, state.config, k + 1, verdict.get("metric"))
    if isinstance(escalated, str):
        return _stop(f"stopped after round {k} of {n}: {escalated}", state.rounds)
    new, change = escalated
    return {"config": new, "change": change, "message": f"round {k} of {n} failed ({shown}); round {k + 1}: {change}"}


def kept_round(rounds: list) -> int | None:
    """The round whose model a loop that stopped without a pass leaves to the nodes below:
    the one with the best value of the gate's metric (the earliest of equals: a later round
    that did not improve on it is not kept), None when no round has a value. The last round
    was kept before, so a loop that stopped because round 2 did not improve handed on round
    2's worse model (found by a new user)."""
    scored = [(x["round"], (x.get("verdict") or {}).get("value"), (x.get("verdict") or {}).get("direction", "higher"))
              for x in rounds]
    scored = [(r, v, d) for r, v, d in scored if isinstance(v, (int, float)) and v == v]
    if not scored:
        return None
    best = scored[0]
    for this in scored[1:]:
        if _better(this[1], best[1], this[2]):
            best = this
    return best[0]


def _stop(said: str, rounds: list) -> dict:
    """The loop's end: why it stopped (`said`), and, when an earlier round scored better than
    the last, that round kept, in one story with what the kept round's nodes say ("kept"):
    the Retrain said "stopped after round 3 of 3" while Model, Evaluate and Gate said "round
    2's result is kept (round 3 did not improve on it)", and a new user read two reasons."""
    keep = kept_round(rounds)
    last = rounds[-1]["round"]
    if keep is None or keep == last:
        return {"stop": said}
    kept = next(x["verdict"] for x in rounds if x["round"] == keep)
    limit = [t for t in (kept.get("threshold"),) if isinstance(t, (int, float))]
    later = f"round {last}" if last == keep + 1 else f"rounds {keep + 1}-{last}"
    best = f"the best of the {len(rounds)} rounds ({value_text(kept['value'], *limit)})"
    if said.startswith(f"{later} did not improve on round {keep} "):  # the stop's own reason says it
        stop = f"{said}; round {keep}'s model is kept, {best}"
    else:
        stop = f"{said}; {later} did not improve on round {keep}, whose model is kept, {best}"
    return {"stop": stop, "keep": keep, "kept": f"round {keep}'s result is kept ({later} did not improve on it)"}


def output_summary(decision: dict) -> dict:
    return {k: v for k, v in decision.items() if k != "config"} | (
        {"message": decision["stop"]} if "stop" in decision else {})


def summary(config: dict) -> str:
    n = config.get("max_rounds", 3)
    if config.get("escalation") == "algorithm":
        names = algorithm_list(config.get("algorithms"))
        return f"up to {n} rounds: " + (", ".join(names) if names else "list the next algorithms")
    if n == 1:
        return "1 round: no retraining"
    return f"up to {n} rounds, ×{config.get('trials_factor', 2.0):g} Optuna trials each (the search on if off)"


def fingerprint(config: dict) -> Fingerprint:
    return Fingerprint(volatile="a Retrain node decides from the rounds before it in the same run")


NODE = NodeType(
    headline=True,
    type="retrain", label="Retrain", icon="🔁", colour="#db2777",
    description="On a Gate's Fail: train the Model again with more trials or the next algorithm, a bounded number of times.",
    inputs=(Port("metrics", (METRICS,), "Failed model"),),
    outputs=(Port("model", (RETRAIN,), "Back to Model", loop=True),),
    params=PARAMS, validate=validate, run=run, summary=summary, group="Results",
    output_summary=output_summary, fingerprint=fingerprint, advise=advise, preview=preview, loop=Loop(bound=bound, round_config=round_config), order=57,
)
