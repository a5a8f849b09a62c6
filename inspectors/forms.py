"""From an inspector's form post to a node config.

Every submitted value goes through the same Param validation as the API and the executor
(`plugins.params.validate_value`). A value that does not pass is not stored: the previous
value stays, and the refused input comes back with its message next to the field.
Quick actions (add an operation, presets, select all ...) arrive as `action`.
"""

from __future__ import annotations

import math
import random

from starlette.datastructures import FormData

from plugins.params import Param, ParamError, validate_value

# A posted form is Starlette's own FormData (a multi-dict: `name in form`, `form.get(name)`
# gives the last value, `form.getlist(name)` every value). Tests build one from pairs.
Form = FormData


def _take(form: Form, p: Param, name: str, old, refused: dict, problem_type=None, multi=False):
    """Validate one submitted field; on failure keep `old` and remember the refusal."""
    if multi:
        raw = form.getlist(name)
        if not raw and f"{name}__present" not in form:
            return old
    else:
        if name not in form:
            return old
        raw = form.get(name)
    if p.display == "percent":  # posted as a whole percentage, kept as a fraction
        try:
            value = float(raw) / 100
        except (TypeError, ValueError):
            value = math.nan
        if not math.isfinite(value):  # "inf" and "nan" read as floats
            refused[name] = (raw, f"{p.title} must be a percentage.")
            return old
        if (p.min is not None and value < p.min) or (p.max is not None and value > p.max):
            refused[name] = (raw, f"{p.title} must be between {p.min * 100:g}% and {p.max * 100:g}%; got {raw}%.")
            return old
        raw = value
    try:
        return validate_value(p, raw, problem_type)
    except ParamError as e:
        refused[name] = (raw, e.message)
        return old


def parse_dataset(form: Form, old: dict) -> tuple[dict, dict]:
    """The Dataset panel's post. Another dataset: only that (the rest of the panel was the
    previous one's); what follows from it is the node type's `reconcile`, run on save."""
    from nodes.dataset import PARAMS

    refused: dict = {}
    by = {p.name: p for p in PARAMS}
    config = dict(old)
    ds = form.get("dataset_id")
    if ds is not None and ds != old.get("dataset_id"):
        return {**old, "dataset_id": ds}, refused
    for name in ("target_column", "problem_type"):
        config[name] = _take(form, by[name], name, old.get(name), refused)
    if "include_ids__present" in form:
        config["include_ids"] = _take(form, by["include_ids"], "include_ids", old.get("include_ids"), refused,
                                      multi=True)
    if "positive_class" in form:  # empty: Automatic, which is the field left out
        config["positive_class"] = _take(form, by["positive_class"], "positive_class", old.get("positive_class"),
                                         refused) or None
        if config["positive_class"] is None:
            del config["positive_class"]
    return config, refused


def parse_split(form: Form, old: dict) -> tuple[dict, dict]:
    from nodes.split import PARAMS

    refused: dict = {}
    by = {p.name: p for p in PARAMS}
    config = dict(old)
    action = form.get("action") or ""
    for name in ("test_size", "stratify", "shuffle", "random_seed", "drop_duplicates", "group_by"):
        if name == "group_by" and name not in form:  # a form without the field leaves the choice as it was
            continue
        config[name] = _take(form, by[name], name, old.get(name, by[name].default), refused)
    if action.startswith("preset:"):
        config["test_size"] = int(action.split(":")[1]) / 100
    if action == "regenerate":
        config["random_seed"] = random.randrange(0, 100_000)
    return config, refused


def parse_model(form: Form, old: dict, plugins: dict, problem_type: str | None) -> tuple[dict, dict]:
    from nodes.model import TRAINING_PARAMS

    refused: dict = {}
    config = dict(old)
    algorithm = form.get("algorithm", old.get("algorithm"))
    if algorithm != old.get("algorithm"):  # the rest of the panel was the previous algorithm's
        return {**old, "algorithm": algorithm}, refused  # its defaults: the node type's reconcile
    plugin = plugins.get(algorithm)
    hp = dict(old.get("hyperparameters") or {})
    if plugin is not None:
        for p in plugin.params_for(problem_type):
            name = f"hp-{p.name}"
            if name in form:
                value = _take(form, p, name, hp.get(p.name, p.default_for(problem_type)), refused, problem_type)
                if name in refused:
                    refused[f"hyperparameters.{p.name}"] = refused.pop(name)
                hp[p.name] = value
    if hp or "hyperparameters" in old:
        config["hyperparameters"] = hp
    for p in TRAINING_PARAMS:
        config[p.name] = _take(form, p, p.name, old.get(p.name, p.default), refused)
    if form.get("optuna_metric") == "":
        config["optuna_metric"] = None
    return config, refused


def parse_keys(form: Form, old: dict, field: str, caps: dict | None, option_params=()) -> tuple[dict, dict]:
    """Evaluate's metrics / Visualize's plots: checkboxes plus quick actions."""
    refused: dict = {}
    config = dict(old)
    action = form.get("action") or ""
    supported = (caps or {}).get(f"supported_{field}", [])
    defaults = (caps or {}).get(f"default_{field}", [])
    if action == "defaults":
        config[field] = list(defaults)
    elif action == "all":
        config[field] = list(supported)
    elif action == "clear":
        config[field] = []
    elif f"{field}__present" in form:
        # the boxes post in the panel's order: the kept ones stay in the stored order, new ones after
        # (a post of the same boxes reordered the list, and the node re-ran "the same, in another order")
        ticked = list(dict.fromkeys(form.getlist(field)))
        kept = [k for k in (old.get(field) or []) if k in ticked]
        config[field] = kept + [k for k in ticked if k not in kept]
    for p in option_params:
        config[p.name] = _take(form, p, p.name, old.get(p.name, p.default), refused)
    return config, refused


def parse_preprocessing(form: Form, old: dict, operations: dict, errors_of=None) -> tuple[dict, dict]:
    """`errors_of(config) -> {"operations.<i>": sentence}` is the node type's validation: a
    step whose edited settings it refuses (a column the step cannot act on) keeps its
    previous settings, and the refused input comes back with the sentence."""
    refused: dict = {}
    old_ops = [dict(o) for o in old.get("operations") or []]
    ops = [dict(o) for o in old_ops]
    edited: dict = {}  # step index -> [(field name, raw value posted)] that changed
    # settings of each existing operation
    for i, op in enumerate(ops):
        decl = operations.get(op.get("method"))
        if decl is None:
            continue
        params = dict(op.get("parameters") or {})
        for p in decl.params:
            name = f"op-{i}-{p.name}"
            multi = p.kind in ("columns", "multiselect")
            if name in form or (multi and f"{name}__present" in form):
                before = params.get(p.name, p.default)
                params[p.name] = _take(form, p, name, before, refused, multi=multi)
                if params[p.name] != before:
                    edited.setdefault(i, []).append((name, form.getlist(name) if multi else form.get(name)))
        op["parameters"] = params
    if errors_of is not None and edited:
        before, after = errors_of({"operations": old_ops}), errors_of({"operations": ops})
        for i, fields in edited.items():
            message = after.get(f"operations.{i}")
            if message and message != before.get(f"operations.{i}"):
                ops[i] = old_ops[i]
                for name, raw in fields:
                    refused[name] = (raw, message)
    action = form.get("action") or ""
    if form.get("add_method"):  # choosing in the "Add an operation" menu adds it
        method = form.get("add_method")
        if method in operations:
            ops.append({"method": method, "parameters": {}})
        elif method:
            refused["add_method"] = (method, f"Unknown operation {method!r}.")
    elif ":" in action:
        verb, _, index = action.partition(":")
        if index.isdigit() and int(index) < len(ops):
            i = int(index)
            if verb == "remove":
                ops.pop(i)
            elif verb == "up" and i > 0:
                ops[i - 1], ops[i] = ops[i], ops[i - 1]
            elif verb == "down" and i < len(ops) - 1:
                ops[i + 1], ops[i] = ops[i], ops[i + 1]
    return {"operations": ops}, refused


def open_steps(form: Form | None, n_steps: int, known=frozenset()) -> set:
    """The operation steps to render open after a post: those that were open (the form's
    `open_steps`, kept by playground.js on each step's toggle), following the step an
    action moved or removed, plus the step just added."""
    if form is None:
        return set()
    opened = {int(x) for x in (form.get("open_steps") or "").split(",") if x.strip().isdigit()}
    action = form.get("action") or ""
    if form.get("add_method") in known:
        opened.add(n_steps - 1)
    elif ":" in action:
        verb, _, index = action.partition(":")
        i = int(index) if index.isdigit() else -1
        if verb == "remove":
            opened = {j - 1 if j > i else j for j in opened if j != i}
        elif verb in ("up", "down") and 0 <= (k := i - 1 if verb == "up" else i + 1) < n_steps:
            opened = {k if j == i else i if j == k else j for j in opened}
    return {j for j in opened if 0 <= j < n_steps}
