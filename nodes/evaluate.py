"""Evaluate node: metrics on the test rows, among those the upstream model supports.

Every run also scores the trivial model (most frequent class / mean, fitted on the training
rows) on the same test rows with the key metric (the first chosen), and warns when the
model is no better (plugins/guards.py); the Compare with baseline option shows the baseline
for every metric."""

from __future__ import annotations

import numpy as np

from nodes.base import METRICS, MODEL, EvaluationArtifact, Exported, NodeType, Port, Upstream, declared_fields
from plugins import registry
from plugins.params import Param, validate_params

BOOTSTRAP_RESAMPLES = 200
OPTION_PARAMS = (
    Param("confidence_intervals", "bool", default=False, label="Confidence intervals",
          help="95% bootstrap intervals over the test rows (200 resamples)."),
    Param("compare_baseline", "bool", default=False, label="Compare with baseline",
          help="Show the trivial model's score (most frequent class / mean) on the same rows for every metric. "
               "Its key metric is always compared: a model no better than it is warned about."),
)
FIELDS = ("metrics",) + tuple(p.name for p in OPTION_PARAMS)


def capabilities(upstream: Upstream) -> dict | None:

    plugin = registry.models().get(upstream.algorithm or "")
    if plugin is None or not upstream.problem_type:
        return None
    return registry.capabilities(plugin, upstream.problem_type)



def directed_metrics(upstream: Upstream) -> list[str]:
    """The metrics the upstream model offers that are one number with a direction (higher or
    lower is better): what a Gate judges by and a search optimises ("scalar_metrics")."""
    caps = capabilities(upstream)
    if caps is None:
        return []
    known = registry.metrics()
    return [k for k in caps["supported_metrics"] if known[k].kind == "scalar" and known[k].direction]

def keys_shape(field: str, noun: str):
    """Evaluate's and Visualize's `shape`: the chosen keys are a list of names, or not chosen
    yet (None: the model's defaults). Which names the model offers is the validation's."""
    def shape(config: dict) -> dict:
        chosen = config.get(field)
        if chosen is not None and not (isinstance(chosen, list) and all(isinstance(x, str) for x in chosen)):
            return {field: f"{noun.capitalize()}s must be a list of names."}
        return {}
    return shape


def check_keys(config: dict, upstream: Upstream, field: str, supported_key: str, default_key: str,
               normalize, noun: str, allowed_fields: tuple):
    """Shared by Evaluate and Visualize: the chosen keys must be ones the upstream model
    declares. Without a choice yet, the model's defaults are used."""
    errors = {k: f"Unknown field {k!r}." for k in config if k not in allowed_fields}
    caps = capabilities(upstream)
    chosen = config.get(field)
    shape_errors = keys_shape(field, noun)(config)
    if shape_errors:
        return [], {**errors, **shape_errors}
    if caps is None:
        if not upstream.algorithm:
            # a node is connected but says nothing of a model: it is the one to fix (the sentence
            # asked to connect a Model node that was connected, found by a new user)
            errors[field] = (f"The node above needs attention first: the {noun}s to choose from are the ones its "
                             "algorithm offers." if upstream.node_type else
                             f"Connect a configured Model node to choose {noun}s.")
        return [normalize(k) for k in chosen or []], errors
    chosen = caps[default_key] if chosen is None else [normalize(k) for k in chosen]
    if not chosen:
        errors[field] = f"Choose at least one {noun}."
    bad = [k for k in chosen if k not in caps[supported_key]]
    if bad:
        errors[field] = (f"{', '.join(bad)} {'is' if len(bad) == 1 else 'are'} not offered by the upstream "
                         f"model for {upstream.problem_type}.")
    return list(dict.fromkeys(chosen)), errors


def validate(config: dict, upstream: Upstream):
    from plugins.evaluators import normalize_metric_key

    config = dict(config or {})
    metrics, errors = check_keys(config, upstream, "metrics", "supported_metrics", "default_metrics",
                                 normalize_metric_key, "metric", FIELDS)
    options, option_errors = validate_params(OPTION_PARAMS, {k: v for k, v in config.items() if k in
                                                              {p.name for p in OPTION_PARAMS}}, what="field")
    errors.update(option_errors)
    return {"metrics": metrics, **options}, errors


def bootstrap_interval(fn, data, seed, n=BOOTSTRAP_RESAMPLES):
    """95% percentile interval of a metric (its function) over `n` resamples of the test
    rows (with replacement), drawn at once by numpy; None when fewer than half the resamples
    can be scored (e.g. a class missing from a small resample). An exported script runs
    this same function (inlined)."""
    from plugins.evaluators import _plain

    rows = np.random.default_rng(seed).integers(0, len(data.y_test), size=(n, len(data.y_test)))
    values = []
    for sample in rows:
        try:
            values.append(float(_plain(fn(_subset(data, sample)))))
        except (ValueError, TypeError):
            continue
    if len(values) < n // 2:
        return None
    lo, hi = np.percentile(values, [2.5, 97.5])
    return [float(lo), float(hi)]


def _subset(data, rows):
    import copy

    sub = copy.copy(data)
    take = lambda a: None if a is None else (a.iloc[rows] if hasattr(a, "iloc") else a[rows])  # noqa: E731
    sub.y_test, sub.y_pred, sub.y_proba = take(data.y_test), take(data.y_pred), take(data.y_proba)
    sub.X_test, sub.Xt_test = take(data.X_test), take(data.Xt_test)
    return sub


def baseline_scores(problem_type, X_train, y_train, X_test, y_test, seed, positive_class, fns: dict) -> dict:
    """The trivial model (most frequent class / mean, fitted on the training rows) scored on
    the test rows by each metric function of `fns` (key -> function); None where a metric
    cannot be computed, {} for clustering. An exported script runs this same function."""
    from sklearn.dummy import DummyClassifier, DummyRegressor
    from sklearn.pipeline import Pipeline

    from plugins.evaluators import _plain, eval_data_for

    if problem_type == "classification":
        dummy = DummyClassifier(strategy="prior")
    elif problem_type == "regression":
        dummy = DummyRegressor(strategy="mean")
    else:
        return {}
    pipe = Pipeline([("model", dummy)]).fit(X_train, y_train)
    data = eval_data_for(pipe, X_train, y_train, X_test, y_test, problem_type, seed, positive_class=positive_class)
    out = {}
    for key, fn in fns.items():
        try:
            out[key] = _plain(fn(data))
        except (ValueError, TypeError):
            out[key] = None
    return out


def _baseline(model, keys, seed):
    split, known = model.split, registry.metrics()
    return baseline_scores(model.problem_type, split.X_train, split.y_train, split.X_test, split.y_test, seed,
                           split.positive_class, {k: known[k].fn for k in keys})


def key_metric(model, data, keys: list, metrics: dict, baseline: dict) -> dict | None:
    """The first chosen metric with a direction, against the baseline on the same rows, with
    the test set's noise on it (plugins/guards.py): what the leaderboard and the warnings use."""
    from plugins import guards
    from plugins.evaluators import scoring_facts

    known = registry.metrics()
    key = next((k for k in keys if known[k].kind == "scalar" and known[k].direction
                and isinstance(metrics.get(k), (int, float))), None)
    if key is None:
        return None
    out = {"key": key, "value": metrics[key], "baseline": baseline.get(key), "test_rows": int(len(data.y_pred))}
    out["below_baseline"] = guards.at_or_below(metrics[key], baseline.get(key), known[key].direction)
    facts, positive, scores = scoring_facts(data), None, None
    if facts.get("average") == "binary":
        positive = facts.get("positive_class")
    if key == "roc_auc":
        ranking = facts.get("ranking") or {}
        positive = ranking.get("positive_class") if ranking.get("average") == "binary" else None
        if positive is not None and data.y_proba is not None:
            scores = np.asarray(data.y_proba)[:, 1]
    try:
        out["se"] = guards.standard_error(key, data.y_test, data.y_pred, scores, positive)
    except (ValueError, TypeError):
        out["se"] = None
    if model.problem_type == "classification":
        counts = np.unique(np.asarray(data.y_test), return_counts=True)[1]
        out["smallest_class_rows"] = int(counts.min()) if len(counts) else 0
        labels, train = np.unique(np.asarray(model.split.y_train), return_counts=True)
        out["majority_share"] = float(train.max() / train.sum()) if len(train) else None
        # ... and of the test rows: "accuracy rewards always answering it" holds only where they are alike too
        # (a new user's btrial, Shuffle off on a file sorted by the class: 100% of training rows, none of the test's)
        out["majority_test_share"] = float(np.mean(np.asarray(data.y_test) == labels[train.argmax()])) \
            if len(train) and len(data.y_test) else None
    return out


def run(config: dict, inputs: dict, ctx) -> EvaluationArtifact:
    from plugins.evaluators import compute_metric

    model = inputs["model"]
    split = model.split
    seed = split.random_seed
    data = model.evaluation()
    metrics, errors = {}, {}
    keys = config["metrics"]
    for i, key in enumerate(keys):
        ctx.check_cancelled()
        try:
            metrics[key] = compute_metric(key, data)
        except (ValueError, TypeError) as e:
            metrics[key] = None
            errors[key] = str(e)
            ctx.warn(f"{registry.metrics()[key].name}: {e}")
        ctx.progress((i + 1) / len(keys), registry.metrics()[key].name)
    if metrics.get("mape") is not None:
        from plugins.evaluators import mape_note

        note = mape_note(data)
        if note:
            ctx.warn(note)
    if model.problem_type == "classification":
        from plugins.evaluators import undefined_note

        note = undefined_note(data, [k for k in keys if metrics.get(k) is not None])
        if note:
            ctx.warn(note)
    if model.problem_type == "clustering":
        from plugins.evaluators import noise_note

        note = noise_note(data)
        if note:
            ctx.warn(note)
    scalar = [k for k in keys if registry.metrics()[k].kind == "scalar" and metrics.get(k) is not None]
    extra = {}
    if config.get("confidence_intervals") and split.y_test is not None:
        extra["intervals"] = {k: bootstrap_interval(registry.metrics()[k].fn, data, seed) for k in scalar}
    directed = [k for k in scalar if registry.metrics()[k].direction]
    baseline = _baseline(model, scalar if config.get("compare_baseline") else directed[:1], seed) \
        if split.y_test is not None else {}
    if config.get("compare_baseline"):
        extra["baseline"] = baseline
    km = key_metric(model, data, keys, metrics, baseline) if split.y_test is not None else None
    if km is not None:
        extra["key_metric"] = km
        if km["below_baseline"]:
            from plugins import guards

            ctx.warn(guards.baseline_sentence(registry.models()[model.algorithm].name
                                              if model.algorithm in registry.models() else model.algorithm,
                                              registry.metrics()[km["key"]].name, km["value"], km["baseline"],
                                              model.problem_type, min(km.get("majority_share") or 0,
                                                                      km.get("majority_test_share") or 0) or None,
                                              km["test_rows"]))
    if errors:
        extra["errors"] = errors
    if split.y_test is not None and model.problem_type in ("regression", "classification"):
        from plugins import guards

        shifted = guards.shifted_target(split.y_train, split.y_test) if model.problem_type == "regression" else None
        if shifted is not None:
            ctx.warn(guards.shifted_sentence(shifted, split.target))
        rows = guards.perfect(model.problem_type, data.y_test, data.y_pred)
        if rows is not None and not getattr(split, "leaks", ()):  # (a leak the split named says it already)
            ctx.warn(guards.perfect_sentence(registry.models()[model.algorithm].name if model.algorithm in
                                             registry.models() else model.algorithm, model.problem_type, rows,
                                             split.target))
        single = guards.one_class(data.y_test, data.y_pred) if model.problem_type == "classification" else None
        if single is not None:
            extra["one_class"] = single
            ctx.warn(guards.one_class_sentence(single))
        unseen = guards.unseen_classes(split.y_train, split.y_test) if model.problem_type == "classification" else None
        if unseen is not None:
            extra["unseen_classes"] = unseen
            ctx.warn(guards.unseen_classes_sentence(unseen))
    if model.problem_type == "classification":
        from plugins.evaluators import roc_points

        roc = roc_points(data)  # two classes: drawn with the other models' in the leaderboard
        if roc is not None:
            extra["roc"] = roc
    from plugins.evaluators import describe_metric, scoring_facts

    facts = scoring_facts(data)  # what the numbers cover: every view states it, none recomputes it
    descriptions = {k: describe_metric(registry.metrics()[k], facts) for k in keys}
    result = {"values": metrics, "facts": facts, "descriptions": descriptions, **extra}
    if model.cv:
        result["cv"] = model.cv
    if model.optuna:
        o = model.optuna
        result["search"] = {"metric": o["metric"], "best_value": o["best_value"], "n_trials": o["n_trials"],
                            "folds": o.get("folds"), "best_params": o["best_params"]}
    return EvaluationArtifact(model=model, metrics=result)


def output_summary(result: EvaluationArtifact) -> dict:
    return {"algorithm": result.model.algorithm, **result.metrics}


def results(result: EvaluationArtifact) -> dict:
    """The run's results gain this node's metrics (shown per model, sent as a `metrics` event)."""
    return {"metrics": {"algorithm": result.model.algorithm, **result.metrics}}


def estimate(config: dict, upstream: Upstream) -> dict:
    return {"seconds": 0.1}


def export(config: dict, ctx) -> Exported:
    """Each chosen metric on the test rows, by the metric's own function; the run's
    results entry for this node (values, and the model's CV and search)."""
    from plugins.evaluators import scored

    src, up = ctx.source, ctx.input.names
    values = ctx.name("metrics")
    score, known = src.ref(scored), registry.metrics()
    lines = [f"{values} = {{}}"]
    for key in config["metrics"]:
        lines += [f"{values}[{key!r}], why = {score}({known[key].code(src)}, {up['evaluation']})",
                  "if why:",
                  f"    note({known[key].name + ': '!r} + why)"]
    extra = "".join(f", {k!r}: {up[k]}" for k in ("cv", "search") if up.get(k))
    # the metrics with one number, those the run gave a value (as `run` chooses them)
    scalar = ctx.name("scalar")
    fns = "{" + ", ".join(f"{k!r}: {known[k].code(src)}" for k in config["metrics"] if known[k].kind == "scalar") + "}"
    if config.get("confidence_intervals") or config.get("compare_baseline"):
        lines.append(f"{scalar} = {{k: fn for k, fn in {fns}.items() if {values}[k] is not None}}")
    if config.get("confidence_intervals") and up["problem_type"] != "clustering":  # the run's: test rows with a target
        intervals = ctx.name("intervals")
        lines += [f"# 95% bootstrap intervals over the test rows ({BOOTSTRAP_RESAMPLES} resamples, seeded {up['seed']!r})",
                  f"{intervals} = {{k: {src.ref(bootstrap_interval)}(fn, {up['evaluation']}, {up['seed']!r}) "
                  f"for k, fn in {scalar}.items()}}"]
        extra += f", 'intervals': {intervals}"
    if config.get("compare_baseline"):
        baseline = ctx.name("baseline")
        lines += ["# the trivial model (most frequent class / mean) on the same test rows",
                  f"{baseline} = ({src.ref(baseline_scores)}({up['problem_type']!r}, {up['X_train']}, {up['y_train']}, "
                  f"{up['X_test']}, {up['y_test']}, {up['seed']!r}, {up['positive']}, {scalar}) "
                  f"if {up['y_test']} is not None else {{}})"]
        extra += f", 'baseline': {baseline}"
    lines.append(f"results[{ctx.node_id!r}] = {{'algorithm': {up['algorithm']!r}, 'values': {values}{extra}}}")
    return Exported(lines, dict(up), [])


def design(config: dict, upstream: Upstream, design=None) -> Upstream:
    out = Upstream(**{**upstream.__dict__})
    out.selected_metrics = list(config.get("metrics", []))
    return out


def summary(config: dict) -> str:
    return chosen_summary(config.get("metrics"), registry.metrics(), "metrics", 3)


def chosen_summary(chosen, known: dict, noun: str, shown: int) -> str:
    """A node's one line for its chosen registry keys (metrics, plots): the first `shown` by
    their names, as the inspector and the results say them, and how many more."""
    if chosen is None:
        return f"Default {noun}"
    if not chosen:
        return f"Choose {noun}"
    return ", ".join(known[k].name if k in known else str(k).replace("_", " ") for k in chosen[:shown]) + (
        f" +{len(chosen) - shown}" if len(chosen) > shown else "")


def fields(config: dict) -> list[dict]:
    """Its config as named fields (comparing two runs): the metrics by name, then the options."""
    return [chosen_field("metrics", "Metrics", config.get("metrics"), registry.metrics(), "the model's defaults"),
            *declared_fields(OPTION_PARAMS, {k: v for k, v in config.items() if k != "metrics"})]


def chosen_field(key: str, label: str, chosen, known: dict, default: str) -> dict:
    """A list of chosen registry keys (metrics, plots) as a named field: the whole list said by
    their names (`text`), and each key's name (`names`) for a re-run's reason ("added
    'Precision-recall curve'"), not the keys themselves."""
    if not isinstance(chosen, list):
        return {"key": key, "label": label, "value": chosen, **({"text": default} if chosen is None else {})}
    names = {k: known[k].name for k in chosen if isinstance(k, str) and k in known}
    return {"key": key, "label": label, "value": chosen, "text": ", ".join(names.get(k, str(k)) for k in chosen),
            "names": names}


NODE = NodeType(
    type="evaluate", label="Evaluate", icon="📏", colour="#d97706",
    description="Score the model on the test rows with the metrics you choose.",
    inputs=(Port("model", (MODEL,), "Model", when_full="To compare models, give each its own Evaluate node: the "
                                                     "leaderboard ranks them."),),
    outputs=(Port("metrics", (METRICS,), "Metrics"),),
    carries={"metrics": "model"},  # the evaluated model is the one it was given
    params=OPTION_PARAMS, validate=validate, run=run, summary=summary, group="Results", design=design,
    output_summary=output_summary, results=results, estimate=estimate, fields=fields,
    shape=keys_shape("metrics", "metric"), export=export, order=50,
)
