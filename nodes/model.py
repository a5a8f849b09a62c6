"""Model node: trains one algorithm (a plugin) inside a full Pipeline.

The Pipeline (imbalanced-learn's, a scikit-learn Pipeline that also takes samplers) is
every preprocessing step from upstream in the user's order (fitted on the training rows
only; row filters remove training rows during fit and never touch the rows scored), an
AutoPrepare guard (date features, codes for leftover text, the median for models that
cannot take NaN) and the estimator, so the saved artifact takes raw feature columns.
Optional k-fold cross-validation and an Optuna search over the plugin's own Params.
"""

from __future__ import annotations

import math
import time
import zipfile

from nodes.base import (
    MODEL,
    RETRAIN,
    SPLIT,
    Design,
    Exported,
    Fingerprint,
    ModelArtifact,
    NodeError,
    NodeType,
    Port,
    Upstream,
    declared_fields,
)
from plugins import registry
from plugins.params import Param, quoted, shape_problems, validate_params

SEARCH_ON = (("use_optuna", True),)
TRAINING_PARAMS = (
    Param("use_cv", "bool", default=False, label="Cross-validation",
          help="Score the configuration with k-fold cross-validation on the training rows."),
    Param("use_optuna", "bool", default=False, label="Optuna search",
          help="Search the hyperparameters; the final model is refitted with the best ones."),
    Param("cv_folds", "int", default=5, min=2, max=20, label="Folds",
          help="For cross-validation and for scoring each Optuna trial.",
          visible_if=(("use_cv", True), ("use_optuna", True))),
    Param("optuna_trials", "int", default=20, min=1, max=500, label="Trials", visible_if=SEARCH_ON),
    Param("optuna_metric", "str", default=None, nullable=True, label="Metric to optimise", visible_if=SEARCH_ON,
          choices_from="scalar_metrics", help="Empty: the model's default metric."),
    Param("optuna_timeout", "int", default=None, nullable=True, min=5, max=86400,
          label="Search time limit (s)", visible_if=SEARCH_ON),
)
FIELDS = ("algorithm", "hyperparameters") + tuple(p.name for p in TRAINING_PARAMS)
# the algorithm a workflow started from a dataset trains first, by problem type: strong on
# tabular data with its defaults, and it handles text and missing values through the
# Model node's own preparation
STARTER = {"classification": "random_forest", "regression": "random_forest", "clustering": "kmeans"}


def default_metric(plugin, problem_type: str) -> str | None:
    caps = registry.capabilities(plugin, problem_type)
    metrics = registry.metrics()
    for key in caps["default_metrics"] + caps["supported_metrics"]:
        if metrics[key].kind == "scalar" and metrics[key].direction:
            return key
    return None


def shape(config: dict) -> dict:
    """What no workflow could make valid: an algorithm that is not a name, hyperparameters
    that are not an object, or values its plugin's Params rule out (an algorithm not
    installed here is the validation's to say)."""
    problems = {}
    slug, hp = config.get("algorithm"), config.get("hyperparameters")
    if slug is not None and not isinstance(slug, str):
        problems["algorithm"] = "Algorithm must be the name of one (text)."
    if hp is not None and not isinstance(hp, dict):
        problems["hyperparameters"] = "Hyperparameters must be an object of name: value."
    elif hp and isinstance(slug, str) and slug in registry.models():
        problems.update(shape_problems(registry.models()[slug].params, hp, "hyperparameter", "hyperparameters."))
    return problems


def validate(config: dict, upstream: Upstream):
    config = dict(config or {})
    errors = {k: f"Unknown field {quoted(k)}." for k in config if k not in FIELDS}
    ptype = upstream.problem_type
    slug = config.get("algorithm")
    clean = {}
    plugin = None
    if not slug:
        errors["algorithm"] = "Choose an algorithm."
    elif slug not in registry.models():
        errors["algorithm"] = f"Unknown algorithm {quoted(slug)}."
    else:
        plugin = registry.models()[slug]
        clean["algorithm"] = slug
        if ptype and ptype not in plugin.problem_types:
            errors["algorithm"] = f"{plugin.name} does not do {ptype}; choose another algorithm."
    hp = config.get("hyperparameters") or {}  # an object: `shape` left out anything else
    if plugin is not None:
        clean_hp, hp_errors = validate_params(plugin.params, hp, ptype, what="hyperparameter")
        clean["hyperparameters"] = clean_hp
        if not hp_errors:
            hp_errors = plugin.problems(clean_hp, ptype)
        errors.update({f"hyperparameters.{k}": v for k, v in hp_errors.items()})
    training = {k: v for k, v in config.items() if k in {p.name for p in TRAINING_PARAMS}}
    clean_training, training_errors = validate_params(TRAINING_PARAMS, training, what="field")
    clean.update(clean_training)
    errors.update(training_errors)
    if plugin is not None and ptype and clean.get("use_optuna"):
        metric = clean.get("optuna_metric")
        if metric:
            from plugins.evaluators import normalize_metric_key

            metric = normalize_metric_key(metric)
            caps = registry.capabilities(plugin, ptype)
            m = registry.metrics().get(metric)
            if metric not in caps["supported_metrics"] or m is None or m.kind != "scalar":
                errors["optuna_metric"] = f"{plugin.name} cannot be optimised for {quoted(metric)}."
            clean["optuna_metric"] = metric
        else:
            clean["optuna_metric"] = default_metric(plugin, ptype)
    if plugin is not None and ptype == "clustering" and clean.get("use_cv") and slug == "dbscan":
        pass  # DBSCAN scores per fold like any clusterer; nothing to refuse
    return clean, errors


# --------------------------------------------------------------------------- training
def make_pipeline(plugin, hyperparameters: dict, problem_type: str, learned_ops, seed, target=None):
    from imblearn.pipeline import Pipeline

    from plugins.preprocessing import AutoPrepare, StepContext, build_steps

    steps = list(build_steps(learned_ops, StepContext(problem_type=problem_type, target=target, random_state=seed)))
    steps.append(("prepare", AutoPrepare(handles_missing=plugin.handles_missing)))
    steps.append(("model", plugin.build(hyperparameters, problem_type, seed)))
    return Pipeline(steps)


def fit_target(X, y):
    """The y a Pipeline is fitted with. Clustering has none, but imbalanced-learn's samplers
    (row filters) want one with two or more values: the row positions stand in, and every
    step of a clustering pipeline ignores y."""
    import numpy as np

    return np.arange(len(X)) if y is None else y


def cv_splits(problem_type: str, X, y, k: int, seed, groups=None):
    """The folds of k-fold cross-validation on the training rows: stratified when every
    class has k rows, shuffled with the split's seed; at most one fold per two rows. With
    `groups` (the training rows' groups, when the Split node keeps rows of one group
    together), each group's rows stay in one fold (GroupKFold, shuffled with the seed; at
    most one fold per group): the one rule for every fold of a run, its CV and its search."""
    from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold

    if groups is not None:
        n_groups = len(set(groups))
        if n_groups < 2:
            raise NodeError("Cross-validation keeps each group's rows in one fold, and the training rows hold a "
                            "single group: turn cross-validation off, or keep rows together by another column.")
        k = max(2, min(k, n_groups))
        return GroupKFold(n_splits=k, shuffle=True, random_state=seed).split(X, y, groups)
    k = max(2, min(k, len(X) // 2))
    if problem_type == "classification":
        smallest = int(y.value_counts().min())
        if smallest >= k:
            return StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(X, y)
    return KFold(n_splits=k, shuffle=True, random_state=seed).split(X)


def _folds(split, k: int, seed):
    return cv_splits(split.problem_type, split.X_train, split.y_train, k, seed,
                     getattr(split, "groups_train", None))


def cross_validate(plugin, hp, split, metric_key, k, ctx, seed, progress_span=(0.0, 1.0)):
    """k-fold CV on the training rows, reporting progress per fold and checking for
    cancellation between folds. Returns {"metric", "folds", "mean", "std", "description"}:
    the metric as the test metrics define it (the same positive class), described so."""
    from plugins.evaluators import compute_metric, describe_metric, eval_data_for, scoring_facts

    metric = registry.metrics()[metric_key]
    scores, description = [], None
    lo, hi = progress_span
    folds = list(_folds(split, k, seed))
    if len(folds) < k:  # cv_splits' bounds: nothing the user chose is replaced without a word
        groups = getattr(split, "groups_train", None)
        why = (f"the training rows hold {len(set(groups))} groups and each group's rows stay in one fold"
               if groups is not None else f"{len(split.X_train)} training rows allow at most one fold per two rows")
        ctx.warn(f"Cross-validation used {len(folds)} folds, not the {k} chosen: {why}.")
    for i, (tr, va) in enumerate(folds):
        ctx.check_cancelled()
        X_tr, X_va = split.X_train.iloc[tr], split.X_train.iloc[va]
        y_tr = split.y_train.iloc[tr] if split.y_train is not None else None
        y_va = split.y_train.iloc[va] if split.y_train is not None else None
        pipe = make_pipeline(plugin, hp, split.problem_type, split.learned_ops, seed, split.target)
        pipe.fit(X_tr, fit_target(X_tr, y_tr))
        data = eval_data_for(pipe, X_tr, y_tr, X_va, y_va, split.problem_type, random_state=seed,
                             need_proba=metric.needs_proba, need_transform=split.problem_type == "clustering",
                             positive_class=split.positive_class)  # the test metrics' own definition
        scores.append(float(compute_metric(metric_key, data)))
        if description is None:  # what the score is about (its positive class); fold sizes vary, so no rows
            facts = {k: v for k, v in scoring_facts(data).items() if k not in ("test_rows", "noise_points")}
            description = describe_metric(metric, facts)
        ctx.progress(lo + (hi - lo) * (i + 1) / len(folds), f"fold {i + 1}/{len(folds)}: {registry.metric_text(metric_key, scores[-1])}")
    mean = sum(scores) / len(scores)
    std = math.sqrt(sum((s - mean) ** 2 for s in scores) / len(scores))
    return {"metric": metric_key, "folds": scores, "mean": mean, "std": std, "description": description}


def search_space(plugin, hp: dict, problem_type: str) -> tuple[list, dict]:
    """The Params Optuna searches, and the ones it leaves at the user's value with why."""
    fixed = dict(plugin.fixed_in_search(hp, problem_type) or {}) if plugin.fixed_in_search else {}
    tunable = []
    for p in plugin.params_for(problem_type):
        if not p.tunable or p.name in fixed:
            continue
        if p.kind in ("bool", "select") or p.search_range():
            tunable.append(p)
    return tunable, fixed


def _suggest(trial, p, problem_type):
    """Sample one Param from its declared space: choices valid for the problem type, or the
    declared [min, max] (log scale when declared so), narrower only where the Param says
    why (search_note)."""
    if p.kind == "bool":
        return trial.suggest_categorical(p.name, [True, False])
    if p.kind == "select":
        return trial.suggest_categorical(p.name, list(p.choices_for(problem_type)))
    lo, hi, log = p.search_range()
    if p.kind == "int":
        return trial.suggest_int(p.name, int(lo), int(hi), log=log)
    return trial.suggest_float(p.name, float(lo), float(hi), log=log)


def _in_space(p, value, problem_type) -> bool:
    if value is None:
        return False
    if p.kind == "bool":
        return isinstance(value, bool)
    if p.kind == "select":
        return value in p.choices_for(problem_type)
    lo, hi, _ = p.search_range()
    return lo <= value <= hi


USER_SETTINGS = "user_settings"  # the mark of the trial that fitted the user's own settings


def optuna_search(plugin, hp, split, config, ctx, seed):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    ptype = split.problem_type
    metric_key = config["optuna_metric"]
    metric = registry.metrics()[metric_key]
    direction = "maximize" if metric.direction == "higher" else "minimize"
    tunable, fixed = search_space(plugin, hp, ptype)
    n_trials = config["optuna_trials"]
    folds = config["cv_folds"]  # the node's fold setting, with or without a final CV
    history, described = [], []

    def yours(trial) -> bool:
        return bool(trial.user_attrs.get(USER_SETTINGS))

    def tried(trial) -> dict:
        """The searched parameters a trial fitted: the user's own, all of them, in theirs."""
        return {p.name: hp.get(p.name) for p in tunable} if yours(trial) else trial.params

    def objective(trial):
        ctx.check_cancelled()
        params = dict(hp)
        for p in tunable:
            if yours(trial) and not _in_space(p, hp.get(p.name), ptype):
                continue  # outside the space (an unlimited depth, a value past the range): fitted as given
            params[p.name] = _suggest(trial, p, ptype)
        refused = plugin.problems(params, ptype)
        if refused:  # a combination the plugin refuses is never fitted
            trial.set_user_attr("refused", " ".join(refused.values()))
            raise optuna.TrialPruned(" ".join(refused.values()))
        result = cross_validate(plugin, params, split, metric_key, folds, _Quiet(ctx), seed)
        described.append(result["description"])
        return result["mean"]

    def on_trial(study, trial):
        ok = trial.value is not None
        done = [t for t in study.trials if t.value is not None]
        best_trial = study.best_trial if done else None
        record = {"number": trial.number, "params": _jsonable(tried(trial)),
                  "value": trial.value if ok else None, "state": trial.state.name.lower(),
                  "best": best_trial.value if best_trial else None,
                  "best_number": best_trial.number if best_trial else None,
                  **({USER_SETTINGS: True} if yours(trial) else {})}
        if trial.state.name == "PRUNED" and trial.user_attrs.get("refused"):
            record["note"] = trial.user_attrs["refused"]
        history.append(record)
        # live: the run log lists the trial and charts it; the Model node shows the best so far
        ctx.event("node_trial", {**record, "n_trials": n_trials, "metric": metric_key, "direction": direction})
        best = record["best"]
        msg = f"trial {trial.number + 1}/{n_trials}" + (f", best {registry.metric_text(metric_key, best)}" if best is not None else "")
        ctx.progress(min(0.95, 0.9 * (trial.number + 1) / n_trials), msg)

    study = optuna.create_study(direction=direction, sampler=optuna.samplers.TPESampler(seed=seed))
    # the first trial fits the user's own settings, all of them. The sampler is told the ones
    # inside its space (it learns from them as from any trial); one outside it (max_depth
    # None, a value past the searched range) is fitted as given and not passed off as a sample
    study.enqueue_trial({p.name: hp[p.name] for p in tunable if _in_space(p, hp.get(p.name), ptype)},
                        user_attrs={USER_SETTINGS: True})
    study.optimize(objective, n_trials=n_trials, timeout=config.get("optuna_timeout"),
                   callbacks=[on_trial], catch=(ValueError, ArithmeticError))
    completed = [t for t in study.trials if t.value is not None]
    if not completed:
        raise NodeError("Every Optuna trial failed; check the hyperparameter ranges.")
    best_params = tried(study.best_trial)
    best = {**hp, **best_params}
    space = {p.name: (list(p.choices_for(ptype)) if p.kind == "select" else [True, False] if p.kind == "bool"
                      else {"min": p.search_range()[0], "max": p.search_range()[1], "log": p.search_range()[2],
                            **({"note": p.search_note} if p.search_note else {})}) for p in tunable}
    return best, {"metric": metric_key, "direction": direction, "best_params": _jsonable(best_params),
                  "best_value": study.best_value, "n_trials": len(study.trials), "folds": folds,
                  "space": space, "fixed": fixed, "trials": history,
                  "description": described[0] if described else metric.name}


class _Quiet:
    """A context for the CV inside an Optuna trial: cancellation still checked, per-fold
    progress not reported (the trial reports once)."""

    def __init__(self, ctx):
        self._ctx = ctx

    def check_cancelled(self):
        self._ctx.check_cancelled()

    def progress(self, *a, **k):
        pass


SCALE_REASONS = {
    "neighbors": "compares distances between rows, so the features with the largest numbers decide alone",
    "kernel": "compares distances between rows, so the features with the largest numbers decide alone",
    "clustering": "groups rows by distance, so the features with the largest numbers decide alone",
    "linear": "penalises coefficients, so features on small scales are penalised more than the rest",
}


def scale_warning(plugin, operations) -> str | None:
    """A model that needs comparable feature scales, with no scaling step before it."""
    if not plugin.scale_sensitive:
        return None

    ops = registry.operations()
    slugs = [o[0] if isinstance(o, (tuple, list)) else o.get("method") for o in operations or []]
    if any(s in ops and ops[s].category == "scaling" for s in slugs):
        return None
    why = SCALE_REASONS.get(plugin.category, "is sensitive to the scale of the features")
    return (f"{plugin.name} {why}: add a scaler before it (Preprocessing → Standard scaler); "
            "it is fitted on the training rows only.")


def advise(config: dict, upstream: Upstream, downstream=()) -> list[str]:

    plugin = registry.models().get(config.get("algorithm") or "")
    hint = scale_warning(plugin, upstream.operations) if plugin else None
    return [hint] if hint else []


def _jsonable(d: dict) -> dict:
    out = {}
    for k, v in d.items():
        out[k] = v.item() if hasattr(v, "item") else v
    return out


def run(config: dict, inputs: dict, ctx) -> ModelArtifact:
    import pickle

    split = inputs["split"]
    plugin = registry.models()[config["algorithm"]]
    if split.problem_type not in plugin.problem_types:
        raise NodeError(f"{plugin.name} does not do {split.problem_type}.")
    seed = split.random_seed
    hp = dict(config.get("hyperparameters") or {})
    cv = optuna_info = None
    hint = scale_warning(plugin, split.learned_ops)
    if hint:
        ctx.warn(hint)
    if config.get("use_optuna"):
        if not config.get("optuna_metric"):
            config = dict(config, optuna_metric=default_metric(plugin, split.problem_type))
        hp, optuna_info = optuna_search(plugin, hp, split, config, ctx, seed)
    if config.get("use_cv"):
        metric_key = (optuna_info or {}).get("metric") or default_metric(plugin, split.problem_type)
        span = (0.95, 0.98) if optuna_info else (0.0, 0.8)
        cv = cross_validate(plugin, hp, split, metric_key, config["cv_folds"], ctx, seed, span)
        if optuna_info:
            # the same folds that chose these parameters: the best of n tries, so optimistic;
            # the test metrics are the honest estimate
            cv.update(selection=True, trials=optuna_info["n_trials"])
    ctx.check_cancelled()
    ctx.progress(0.98 if (cv or optuna_info) else 0.1, "fitting the final model")
    pipeline = make_pipeline(plugin, hp, split.problem_type, split.learned_ops, seed, split.target)
    started = time.perf_counter()
    try:
        pipeline.fit(split.X_train, fit_target(split.X_train, split.y_train))
    except ValueError as e:
        raise NodeError(f"{plugin.name} could not be trained: {e}") from e
    seconds = time.perf_counter() - started
    from plugins.preprocessing import filter_reports

    for note in filter_reports(pipeline):
        ctx.warn(note)
    # pickle's own protocol 5, which joblib.load reads as it reads its own files: joblib's
    # writer took 14.8 ms for a 100-tree forest that pickle writes in 1.4 (the same arrays)
    data = pickle.dumps(pipeline, protocol=5)
    artifact_id = ctx.save_artifact("model", f"{plugin.key}.joblib", data, "application/octet-stream")
    portable = portable_facts(pipeline, plugin, split, ctx, artifact_id)
    classes = getattr(pipeline, "classes_", None)
    return ModelArtifact(
        pipeline=pipeline, algorithm=plugin.key, hyperparameters=_jsonable(hp), split=split,
        problem_type=split.problem_type, classes=[c.item() if hasattr(c, "item") else c for c in classes]
        if classes is not None else None, feature_names=list(split.X_train.columns),
        train_seconds=seconds, cv=cv, optuna=optuna_info, model_artifact_id=artifact_id or None,
        portable=portable,
    )


# --------------------------------------------------------------------------- export
def _suggest_code(p, problem_type: str) -> str:
    """`_suggest` written out for one Param: the same call on the same declared space."""
    if p.kind == "bool":
        return f"trial.suggest_categorical({p.name!r}, [True, False])"
    if p.kind == "select":
        return f"trial.suggest_categorical({p.name!r}, {list(p.choices_for(problem_type))!r})"
    lo, hi, log = p.search_range()
    if p.kind == "int":
        return f"trial.suggest_int({p.name!r}, {int(lo)!r}, {int(hi)!r}, log={log!r})"
    return f"trial.suggest_float({p.name!r}, {float(lo)!r}, {float(hi)!r}, log={log!r})"


def export(config: dict, ctx) -> Exported:
    """The run's pipeline (every preprocessing step in order, the AutoPrepare guard, the
    plugin's estimator), its cross-validation and Optuna search as the run does them, and
    the final fit on the training rows."""
    import optuna
    from imblearn.pipeline import Pipeline

    from plugins.evaluators import _plain, eval_data_for
    from plugins.preprocessing import AutoPrepare, StepContext, step_code

    src, up = ctx.source, ctx.input.names
    plugin = registry.models()[config["algorithm"]]
    ptype, seed, target, positive = up["problem_type"], up["seed"], up["target"], up["positive"]
    X_train, y_train = up["X_train"], up["y_train"]
    context = StepContext(problem_type=ptype, target=target, random_state=seed)
    steps = [f"({f'{i + 1}_{slug}'!r}, {step_code(slug, params, context, src)})"
             for i, (slug, params) in enumerate(up["ops"])]
    steps += [f"('prepare', {src.render(AutoPrepare(handles_missing=plugin.handles_missing))})",
              f"('model', {plugin.build_code(src)}(params, {ptype!r}, {seed!r}))"]
    make, params, pipeline, evaluation = (ctx.name(n) for n in ("make_pipeline", "params", "pipeline", "evaluation"))
    fit_target_ = src.ref(fit_target)
    lines = [f"# {plugin.name}. The whole pipeline is the model: it takes the raw feature columns.",
             f"def {make}(params):", f"    return {src.ref(Pipeline)}(["] + [f"        {s}," for s in steps] + ["    ])", "",
             f"{params} = {src.render(dict(config.get('hyperparameters') or {}))}"]
    names = {**up, "algorithm": plugin.key, "pipeline": pipeline, "evaluation": evaluation, "cv": None, "search": None}
    searching, validating = bool(config.get("use_optuna")), bool(config.get("use_cv"))
    metric_key = config.get("optuna_metric") if searching else default_metric(plugin, ptype)
    notes = []
    if searching or validating:
        metric = registry.metrics()[metric_key]
        scores = ctx.name("cv_scores")
        lines += ["", f"def {scores}(params):",
                  f'    """{config["cv_folds"]}-fold cross-validation on the training rows, as the run scores it: '
                  f'{metric.name} of each fold."""',
                  "    scores = []",
                  f"    for rows, held_out in {src.ref(cv_splits)}({ptype!r}, {X_train}, {y_train}, {config['cv_folds']!r}, "
                  f"{seed!r}{', ' + up['groups_train'] if up.get('groups_train') else ''}):",
                  f"        X_fit, X_held = {X_train}.iloc[rows], {X_train}.iloc[held_out]",
                  f"        y_fit = None if {y_train} is None else {y_train}.iloc[rows]",
                  f"        y_held = None if {y_train} is None else {y_train}.iloc[held_out]",
                  f"        fold = {make}(params).fit(X_fit, {fit_target_}(X_fit, y_fit))",
                  f"        data = {src.ref(eval_data_for)}(fold, X_fit, y_fit, X_held, y_held, {ptype!r}, random_state={seed!r}, "
                  f"need_proba={metric.needs_proba!r}, need_transform={ptype == 'clustering'!r}, positive_class={positive})",
                  f"        scores.append(float({src.ref(_plain)}({metric.code(src)}(data))))",
                  "    return scores"]
    if searching:
        hp = dict(config.get("hyperparameters") or {})
        tunable, fixed = search_space(plugin, hp, ptype)
        first = {p.name: hp[p.name] for p in tunable if _in_space(p, hp.get(p.name), ptype)}
        outside = [p.name for p in tunable if not _in_space(p, hp.get(p.name), ptype)]
        direction = "maximize" if metric.direction == "higher" else "minimize"
        n_trials = config["optuna_trials"]
        ran = ((ctx.output or {}).get("optuna") or {}).get("n_trials")
        if config.get("optuna_timeout") and ran is not None:
            notes.append(f"The run's time limit ({config['optuna_timeout']} s) stopped its search after {ran} trial(s); "
                         "the script runs that many, with no time limit, so its trials are the run's.")
            n_trials = ran
        space, study, search, best, objective = (ctx.name(n) for n in ("space", "study", "search", "best", "objective"))
        check = plugin.check_code(src)
        opt = src.ref(optuna)
        lines += ["", f"# Optuna: {n_trials} trial(s), TPE sampler seeded {seed!r}, each scored by the cross-validation above;"
                      " the first trial fits your own settings",
                  f"{opt}.logging.set_verbosity({opt}.logging.WARNING)",
                  f"{space} = {{  # the Params searched, each over its declared space"]
        lines += [f"    {p.name!r}: lambda trial: {_suggest_code(p, ptype)}," for p in tunable] + ["}"]
        if fixed:
            lines += [f"# kept at your value: {name}, {why}" for name, why in fixed.items()]
        lines += ["", f"def {objective}(trial):",
                  '    yours = bool(trial.user_attrs.get("user_settings"))',
                  f"    tried = dict({params})",
                  f"    for name, suggest in {space}.items():",
                  f"        if yours and name in {outside!r}:",
                  "            continue  # outside the searched space: fitted as you set it",
                  "        tried[name] = suggest(trial)"]
        if check:
            lines += [f"    refused = {check}(tried, {ptype!r})",
                      "    if refused:  # a combination the algorithm refuses is never fitted",
                      f"        raise {opt}.TrialPruned(' '.join(refused.values()))"]
        lines += [f"    scores = {scores}(tried)", "    return sum(scores) / len(scores)", "",
                  f"{study} = {opt}.create_study(direction={direction!r}, sampler={opt}.samplers.TPESampler(seed={seed!r}))",
                  f"{study}.enqueue_trial({src.render(first)}, user_attrs={{'user_settings': True}})",
                  f"{study}.optimize({objective}, n_trials={n_trials!r}, catch=(ValueError, ArithmeticError))",
                  f"{best} = ({{name: {params}.get(name) for name in {space}}} "
                  f"if {study}.best_trial.user_attrs.get('user_settings') else {study}.best_trial.params)",
                  f"{params} = {{**{params}, **{best}}}",
                  f"{search} = {{'metric': {metric_key!r}, 'best_value': {study}.best_value, 'n_trials': len({study}.trials), "
                  f"'best_params': {best}}}"]
        names["search"] = search
    if validating:
        cv, folds = ctx.name("cv"), ctx.name("folds")
        lines += ["", f"{folds} = {scores}({params})",
                  f"{cv} = {{'metric': {metric_key!r}, 'folds': {folds}, 'mean': sum({folds}) / len({folds})}}",
                  f"{cv}['std'] = {src.ref(math)}.sqrt(sum((s - {cv}['mean']) ** 2 for s in {folds}) / len({folds}))"]
        names["cv"] = cv
    lines += ["", "# the final model, fitted on every training row",
              f"{pipeline} = {make}({params}).fit({X_train}, {fit_target_}({X_train}, {y_train}))",
              f"{evaluation} = {src.ref(eval_data_for)}({pipeline}, {X_train}, {y_train}, {up['X_test']}, {up['y_test']}, "
              f"{ptype!r}, random_state={seed!r}, positive_class={positive}"
              + (f", groups_train={up['groups_train']})" if up.get("groups_train") else ")")]
    return Exported(lines, names, notes)


# the libraries any saved pipeline needs to load and predict (scipy: scikit-learn's own)
BASE_LIBRARIES = ("numpy", "pandas", "scipy", "scikit-learn", "skops")
DISTRIBUTIONS = {"xgboost": "xgboost"}  # a module a pipeline's types come from -> its distribution


def portable_facts(pipeline, plugin, split, ctx, model_artifact_id) -> dict:
    """What a model bundle and scoring new rows need to know besides the model itself, all
    known at fit time for free: the run's model artifact (the skops file is made from it
    when a bundle is first asked for, `portable_file`), the feature columns and their
    kinds, the target, classes, positive class; and the estimator in its library's own
    format when its plugin gives one."""
    from playground_runtime import feature_schema
    from plugins.preprocessing import dropped_columns, gaps_made

    native = {}
    if plugin.native_formats is not None:
        for name, blob in plugin.native_formats(pipeline.steps[-1][1]).items():
            native[name] = ctx.save_artifact("bundle", name, blob, "application/octet-stream")
    classes = getattr(pipeline, "classes_", None)
    # how the training file wrote its dates with numbers (day or month first) and its numbers when
    # not plainly (1.334,60 €): rows to score written alike are read alike
    facts = (ctx.dataset_facts(split.dataset_id) if ctx.dataset_facts and split.dataset_id else None) or {}
    return {"model_artifact_id": model_artifact_id or None, "native": native,
            "features": feature_schema(split.X_train, dropped_columns(split.learned_ops, list(split.X_train.columns)),
                                       facts.get("date_orders"), facts.get("number_formats"),
                                       facts.get("day_numbers"), gaps_made(split.learned_ops, split.X_train)),
            # a training file that was not UTF-8: predict.py reads rows to score in its encoding too
            "encoding": facts.get("encoding") if facts.get("encoding") not in (None, "utf-8", "utf-8-sig", "ascii")
            else None,
            "target": split.target, "problem_type": split.problem_type,
            "positive_class": _plain(split.positive_class), "dataset_id": split.dataset_id,
            "dataset_name": split.dataset_name,
            "classes": [_plain(c) for c in classes] if classes is not None else None,
            "probabilities": classes is not None and hasattr(pipeline, "predict_proba")}


def portable_file(pipeline) -> tuple[bytes, dict]:
    """The fitted pipeline without its training-only row filters, saved with skops (never
    pickle), and what it needs: the types skops does not trust by default (each must be
    on playground_runtime's reviewed list to load) and the exact library versions. Not
    done at fit time (skops saving a forest costs a run more than a second): the bundle
    makes it once, when first asked for (executor.bundle.portable_model). Equal small
    values the estimators hold are made one object first (`_share_equal_values`). (Deflated:
    storing it uncompressed measured no faster to load, and 12x larger.)
    Raises what skops raises for an estimator it cannot save."""
    from importlib.metadata import PackageNotFoundError, version

    import skops.io as sio

    from playground_runtime import scoring_pipeline

    model = _share_equal_values(scoring_pipeline(pipeline))
    data = sio.dumps(model, compression=zipfile.ZIP_DEFLATED)
    needed = sio.get_untrusted_types(data=data)
    libraries = {}
    modules = {t.split(".")[0] for t in needed}
    for dist in (*BASE_LIBRARIES, *sorted(DISTRIBUTIONS[m] for m in modules if m in DISTRIBUTIONS)):
        try:
            libraries[dist] = version(dist)
        except PackageNotFoundError:
            libraries[dist] = version(f"{dist}-cpu") if dist == "xgboost" else None
    return data, {"types": sorted(needed), "libraries": libraries}


SHARED_ARRAY_SIZE = 256  # numpy arrays up to this many values are shared when equal


def _share_equal_values(model):
    """`model` with the equal small numpy values its estimators hold made one object: every
    tree of a forest keeps its own `classes_` and `n_classes_`, and skops writes (and reads
    back, header parsed and all) one file per object, but one per shared object. The values
    are equal and never written to, so predictions are unchanged; skops' memo keeps them
    shared in the file. Acts on the estimators' attributes only (and lists of estimators)."""
    import numpy as np

    seen: dict = {}

    def canonical(v):
        if isinstance(v, np.generic) and v.dtype != object:
            key = ("scalar", v.dtype.str, v.tobytes())
        elif (isinstance(v, np.ndarray) and v.dtype != object and v.ndim <= 1 and v.size <= SHARED_ARRAY_SIZE
              and v.flags.c_contiguous):
            key = ("array", v.dtype.str, v.shape, v.tobytes())
        else:
            return v
        return seen.setdefault(key, v)

    def walk(obj, depth=0):
        if depth > 8:
            return
        if isinstance(obj, (list, tuple)):
            for item in obj:
                walk(item, depth + 1)
        elif hasattr(obj, "get_params") and hasattr(obj, "__dict__"):
            state = vars(obj)
            for name, value in list(state.items()):
                if isinstance(value, (np.ndarray, np.generic)):
                    state[name] = canonical(value)
                else:
                    walk(value, depth + 1)

    walk(model)
    return model


def _plain(value):
    return value.item() if hasattr(value, "item") else value


def reconcile(config: dict, old: dict) -> dict:
    """Another algorithm brings its own defaults, not the previous one's values (values the
    same edit set are its own)."""
    if config.get("algorithm") != old.get("algorithm") and "hyperparameters" in config \
            and config["hyperparameters"] == old.get("hyperparameters"):
        return {**config, "hyperparameters": {}}
    return config


# seconds per (row x column x complexity) of one fit for plugins that declare no fit_cost
SECONDS_PER_CELL = 4e-6
CATEGORY_COLUMNS = 20  # one-hot columns a categorical column is counted as, at most
DATE_COLUMNS = 6  # the date parts a date column becomes


def fit_shape(upstream: Upstream, rows: float) -> dict:
    """What one fit sees: its rows, the feature columns after encoding (a categorical
    column counts as its categories, up to CATEGORY_COLUMNS), the classes of the target."""
    from nodes.preprocessing import columns_out

    features, classes = 0, 1
    target = next((c for c in upstream.columns if c["name"] == upstream.target_column), None)
    if target is not None and upstream.problem_type == "classification":
        classes = max(2, int(target.get("unique") or 2))
    for c in columns_out(upstream):  # after the steps above: a dropped column is not fitted on
        role = c.get("role")
        features += (min(int(c.get("unique") or 2), CATEGORY_COLUMNS) if role in ("categorical", "text", "boolean")
                     else DATE_COLUMNS if role == "datetime" else 1)
    return {"rows": max(1.0, rows), "features": max(1, features), "classes": classes,
            "problem_type": upstream.problem_type}


FIT_OVERHEAD = 0.012  # seconds around any fit: building the pipeline, predicting, scoring (measured)


def fit_seconds(plugin, hp: dict, shape: dict) -> float:
    if plugin.fit_cost is not None:
        return FIT_OVERHEAD + float(plugin.fit_cost(hp, shape))
    return FIT_OVERHEAD + plugin.complexity * shape["rows"] * shape["features"] * SECONDS_PER_CELL


def typical_trial(plugin, hp: dict, problem_type: str) -> dict:
    """The params of an average trial: each searched number at the middle of its range (the
    geometric middle on a log scale), which is what a trial costs on average."""
    out = dict(hp)
    for p in search_space(plugin, hp, problem_type)[0]:
        r = p.search_range()
        if r:
            lo, hi, log = r
            mid = math.sqrt(lo * hi) if log else (lo + hi) / 2
            out[p.name] = int(round(mid)) if p.kind == "int" else mid
    return out


def estimate(config: dict, upstream: Upstream) -> dict:
    """Time: the final fit, plus each CV fold, plus trials x folds of an Optuna search, each
    fit costed by the algorithm's own fit_cost on the rows and encoded columns it sees."""
    plugin = registry.models().get(config.get("algorithm") or "")
    if plugin is None:
        return {}
    ptype = upstream.problem_type or (plugin.problem_types[0] if plugin.problem_types else None)
    hp = {p.name: p.default for p in plugin.params_for(ptype)}
    hp.update(config.get("hyperparameters") or {})
    n = upstream.n_rows or 1000
    train = n * (1 - float(upstream.extra.get("test_size", 0.2)))
    k = int(config.get("cv_folds") or 5)
    full, fold = fit_shape(upstream, train), fit_shape(upstream, train * (k - 1) / k)
    seconds, fits, parts = fit_seconds(plugin, hp, full), 1, ["1 fit"]
    if config.get("use_cv"):
        seconds += k * fit_seconds(plugin, hp, fold)
        fits += k
        parts.append(f"{k}-fold CV")
    if config.get("use_optuna"):
        trials = int(config.get("optuna_trials") or 20)
        seconds += trials * k * fit_seconds(plugin, typical_trial(plugin, hp, ptype), fold)
        fits += trials * k
        parts.append(f"{trials} trials × {k} folds")
    cells = n * (full["features"] or 10)
    return {"credits": cells * plugin.complexity * fits / 2e5, "seconds": seconds,
            "line": f"{plugin.name}: {fits} fit{'s' if fits > 1 else ''}"
                    f"{' (' + ', '.join(parts) + ')' if len(parts) > 1 else ''} on {int(full['rows']):,} rows × "
                    f"{full['features']} columns, {'under 1 s' if seconds < 1 else f'about {seconds:.0f} s'}"}


def output_summary(model: ModelArtifact) -> dict:
    return {"algorithm": model.algorithm, "hyperparameters": model.hyperparameters,
            "train_seconds": round(model.train_seconds, 4), "cv": model.cv, "optuna": model.optuna,
            "model_artifact_id": model.model_artifact_id, "classes": model.classes, "portable": model.portable}


def design(config: dict, upstream: Upstream, design=None) -> Upstream:
    out = Upstream(**{**upstream.__dict__})
    out.algorithm = config.get("algorithm")
    return out


def summary(config: dict) -> str:
    slug = config.get("algorithm")
    if not slug:
        return "Choose an algorithm"
    plugin = registry.models().get(slug)
    if plugin is None:
        return f"Unknown algorithm {slug}"
    hp = config.get("hyperparameters") or {}
    bits = [plugin.name]
    if "n_estimators" in hp:
        bits.append(f"{hp['n_estimators']} trees")
    elif "n_clusters" in hp:
        bits.append(f"{hp['n_clusters']} clusters")
    if config.get("use_optuna"):
        bits.append(f"Optuna ×{config.get('optuna_trials', 20)}")
    elif config.get("use_cv"):
        bits.append(f"{config.get('cv_folds', 5)}-fold CV")
    return ", ".join(bits)


def fields(config: dict) -> list[dict]:
    """Its config as named fields (comparing two runs): the algorithm by name, each
    hyperparameter by its plugin's label, then the training options."""
    slug = config.get("algorithm")
    plugin = registry.models().get(slug) if isinstance(slug, str) else None
    hp = config.get("hyperparameters") if isinstance(config.get("hyperparameters"), dict) else {}
    algorithm = {"key": "algorithm", "label": "Algorithm", "value": slug, **({"text": plugin.name} if plugin else {})}
    training = {k: v for k, v in config.items() if k not in ("algorithm", "hyperparameters")}
    own = [{**f, "of": slug} for f in declared_fields(plugin.params if plugin else (), hp, "hyperparameters.")]
    return [algorithm, *own, *declared_fields(TRAINING_PARAMS, training)]


def fingerprint(config: dict, design: Design) -> Fingerprint:
    """A model is reused only when training it again would give the same one: not when its
    search stops after a time limit, nor when its algorithm has randomness the seed does
    not fix."""
    plugin = registry.models().get(config.get("algorithm"))
    if config.get("use_optuna") and config.get("optuna_timeout"):
        return Fingerprint(volatile=f"its Optuna search stops after {config['optuna_timeout']} s, so what it finds "
                                    "depends on time")
    if plugin is not None and not plugin.reproducible:
        return Fingerprint(volatile=f"seed not fixed: {plugin.name} does not take its randomness from the seed")
    return Fingerprint()


NODE = NodeType(
    type="model", label="Model", icon="🧠", colour="#7c3aed",
    description="Train an algorithm on the training rows, with optional CV and Optuna search.",
    # "retrain": where a Retrain node's loop edge comes back (the next round's config, which
    # the engine applies; nothing flows in at run time)
    inputs=(Port("split", (SPLIT,), "Train/test"), Port("retrain", (RETRAIN,), "Retrain", required=False, loop=True)),
    outputs=(Port("model", (MODEL,), "Model"),),
    params=TRAINING_PARAMS, validate=validate, run=run, summary=summary, group="Model", design=design,
    advise=advise, reconcile=reconcile, estimate=estimate, output_summary=output_summary, fields=fields,
    shape=shape, fingerprint=fingerprint, export=export, order=40,
)


def use_search_parameters(config: dict, search_output: dict) -> dict:
    """The node's config with a finished search's best parameters written into its
    hyperparameters ("Use these parameters"). Refused, with a sentence, when the node now
    trains another algorithm than the one searched."""
    algorithm = search_output.get("algorithm")
    best = (search_output.get("optuna") or {}).get("best_params")
    if best is None:
        raise NodeError("This run's Model node did not search its hyperparameters.")
    if (config or {}).get("algorithm") != algorithm:
        plugin = registry.models().get(algorithm)
        raise NodeError(f"The node now trains {(config or {}).get('algorithm') or 'no algorithm'}, not "
                        f"{plugin.name if plugin else algorithm}: these parameters belong to the other.")
    return {**config, "hyperparameters": {**(config.get("hyperparameters") or {}), **best}}
