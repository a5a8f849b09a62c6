"""What a node type is, and the artifacts that flow along edges at run time.

A node type is one declaration: its ports (with the artifact types they carry), its config
Params, and hooks that every layer asks instead of switching on a type name. A hook has one
name: the declaration gives a function under it, and callers call the node type's attribute
of that name (`node_type.summary(config, design)`), which adds the defaults below (a `Hook`;
`declared` says which ones the declaration gave). Written as callers call them:

- validate(config, upstream, design) -> (clean, {field: sentence})  the config against what
  feeds it; the caller also gets what `shape` rules out as those fields' errors
- shape(config) -> {field: sentence}  what no workflow could make valid: the declared Params
  judged by `plugins.params.shape_problems` without a hook, then the declared function for
  the fields they do not declare (a model's algorithm and hyperparameters, a list of
  operations): the wrong type, a list or object of the wrong shape. The store refuses a
  config with any such problem; a stored one (written before this rule) is shown as an
  error on its node, and the other hooks never see the field (`readable`)
- design(config, upstream, design) -> Upstream | {port: Upstream}  what it tells the nodes below
  (undeclared: what it was told)
- summary(config, design) -> str  one line for the canvas
- advise(config, upstream, downstream, design) -> [sentence]  advice: the inspector shows it, and a run
  reports it as the node's warnings when the node runs
- preview(config, upstream, design) -> [block]  read-only facts for its inspector
- reconcile(config, old, design) -> config  how a config follows an edit, run on every save
  (inspector, API) by the store (executor.engine.reconcile_edit): a new dataset brings its
  suggested target; a new algorithm its own defaults
- estimate(config, upstream, design) -> {"seconds", "credits", "line"?}  its share of a job's cost
  (`design.held(part)`: a part of its output the node cache will serve costs nothing)
- run(config, inputs, ctx) -> artifact | {port: artifact}  (called as declared)
- output_summary(artifact) -> dict  what its completed event carries
- results(artifact) -> {"metrics": ...} | {"plots": [...]}  what it adds to a run's results
- fingerprint(config, design) -> Fingerprint  what decides its output beyond its config and the
  keys of its inputs (a dataset's version), or why its output cannot be reused (time, an
  unseeded library): executor/cache.py builds each node's cache key from it
- export(config, ctx: ExportContext) -> Exported  its part of a run exported as a Python script
  (`executor/script.py`): code lines, and the names it defines for the nodes below it; it
  raises plugins.codegen.NotExportable with a sentence for what it cannot write (undeclared:
  the node type cannot be exported, which the script says)
- fields(config) -> [{"key", "label", "value", "text"?, "default"?}]  its config as named
  fields, for comparing two runs (default: one per declared Param, then undeclared keys)

Undeclared, a hook gives nothing: an empty list or dict, the config unchanged, no
Fingerprint parts. validate, summary and fields declared are given only what is `readable`
of a config.

Connection rules follow from port types alone (nodes/graph.py).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from plugins.params import shape_problems, value_said

# artifact types
TABLE, SPLIT, MODEL, METRICS, PLOTS = "table", "split", "model", "metrics", "plots"
# what a loop edge carries back up (a Retrain node to the Model it retrains): the next
# round's config, never data; only a port declared `loop` produces it
RETRAIN = "retrain"

# Two vocabularies for a node, never mixed in one field: its design state (judged from its
# config and inputs) and its run status (sent by a run's events). The canvas gets both, with
# their labels, as data.
DESIGN_STATES = {"not-configured": "Not configured", "configured": "Ready", "invalid": "Needs attention"}
RUN_STATES = {"queued": "Queued", "pending": "Waiting", "running": "Running", "completed": "Done",
              "cached": "Reused",
              "failed": "Failed", "skipped": "Skipped", "cancelled": "Cancelled"}


class NodeError(Exception):
    """A node could not run; the message is shown to the user on the node."""


class NodeSkipped(Exception):
    """A node that cannot do its work where the workflow runs and is skipped, saying why: not
    a failure of the run (a Deploy node run by the CLI, which has no model registry)."""


class Cancelled(Exception):
    """The job was cancelled; raised by `RunContext.check_cancelled`."""


@dataclass(frozen=True)
class Port:
    name: str
    types: tuple  # the artifact types this input accepts / this output produces
    label: str = ""
    multiple: bool = False  # an input that takes several edges
    required: bool = True  # an input that must be connected
    # an output whose edge goes back up (a loop edge: drawn dashed, kept out of the order;
    # nodes/graph.py allows it only where it closes a bounded loop), or the input that takes
    # one: a loop output connects to loop inputs only, and a loop input takes nothing else
    loop: bool = False
    # an output a model takes when it did not clear a gate: a loop may only leave from here
    failing: bool = False
    # what to do instead when a second edge comes to an input that takes one (Evaluate's model:
    # a new user refused there did not learn that two models are compared with two Evaluates)
    when_full: str = ""

    def to_json(self) -> dict:
        return {"name": self.name, "types": list(self.types), "label": self.label or self.name,
                "multiple": self.multiple, "required": self.required, "loop": self.loop, "failing": self.failing}


@dataclass(frozen=True)
class Loop:
    """What a node type whose output goes back up declares (a Retrain): `bound(config)` the
    most rounds its config allows, a whole number from 1, or None when the config gives no
    bound (the graph module then refuses the loop: every loop is bounded by construction).
    Its `run` decides after a failed round, from `ctx.loop` (a LoopRound), and returns
    {"config": the loop target's config for the next round, "change": it in words} or
    {"stop": why the loop ends}.
    `round_config(config, first_config, k)`: the loop target's config in round k when every
    round before failed (the costliest path, which the run's estimate counts), or None when
    no round k can run (nothing left to escalate to)."""

    bound: Callable
    round_config: Callable | None = None


@dataclass
class LoopRound:
    """What a loop node's run is given (RunContext.loop): the round that just ended, the
    bound, the rounds so far ({"round", "change", "passed", "verdict", "config"}: the verdict
    is the output summary of the node the loop leaves from, the config the loop target's in
    that round), the loop target's first-round config and this round's."""

    round: int
    bound: int
    rounds: list
    first_config: dict
    config: dict


def _arity(fn) -> int:
    try:
        return len(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return 1


class Hook:
    """A node type's hook as every caller calls it, under the name its declaration gave it:
    the declared function (`declared`; None when the declaration left it out) behind the
    defaults each caller relies on (`apply`, one per hook name in HOOKS). The declared
    function is given as many of the arguments as it takes, so one written for an earlier,
    shorter signature keeps working."""

    __slots__ = ("name", "declared", "_owner", "_apply", "_arity")

    def __init__(self, owner: NodeType, name: str, declared: Callable | None):
        self.name, self.declared, self._owner, self._apply = name, declared, owner, HOOKS[name]
        self._arity = _arity(declared) if declared is not None else 0

    def call(self, *args):
        """The declared function with as many of `args` as it takes."""
        return self.declared(*args[:self._arity])

    def __call__(self, *args, **kwargs):
        return self._apply(self._owner, self, *args, **kwargs)

    # two node types declared alike are equal, as when their fields held the functions
    def __eq__(self, other) -> bool:
        return isinstance(other, Hook) and (self.name, self.declared) == (other.name, other.declared)

    def __hash__(self) -> int:
        return hash((self.name, self.declared))

    def __repr__(self) -> str:
        return f"<{self.name} hook: {self.declared!r}>"


# ------------------------------------------------------------------ what each hook adds
def _validate(nt: NodeType, hook: Hook, config: dict, upstream: Upstream, design: Design) -> tuple[dict, dict]:
    """(clean config, {field: sentence}): the declared `validate` on what is readable of the
    config, and what is not as the errors of those fields."""
    config, problems = nt.readable(config)
    clean, errors = hook.call(config, upstream, design)
    return clean, {**errors, **problems}


def _shape(nt: NodeType, hook: Hook, config) -> dict:
    """{field: sentence} for every value of `config` its declaration rules out whatever the
    workflow around it: its Params (`plugins.params.shape_problems`), then the declared
    `shape` for the fields they do not declare; empty when the config may be stored. Keys
    are fields, or "field.key" / "field.<index>" for one entry of an object or a list."""
    if not isinstance(config, Mapping):
        return {"_": "A node's config must be an object of field: value."}
    problems = shape_problems(nt.params, config, what="field")
    if hook.declared is not None:
        problems.update(hook.declared(config) or {})
    return problems


def _design(nt: NodeType, hook: Hook, config: dict, upstream: Upstream, design: Design | None = None):
    """What it tells the nodes below (undeclared: what it was told), marked as its own."""
    if hook.declared is not None:
        out = hook.call(config, upstream, design or Design())
    else:
        out = Upstream(**{**upstream.__dict__})
    for o in (out.values() if isinstance(out, dict) else [out]):
        o.node_type = nt.type
    return out


def _summary(nt: NodeType, hook: Hook, config: dict, design: Upstream | None = None) -> str:
    return hook.call(nt.readable(config)[0], design)


def _advise(nt: NodeType, hook: Hook, config: dict, upstream: Upstream, downstream=(),
            design: Design | None = None) -> list:
    return list(hook.call(config, upstream, downstream, design or Design())) if hook.declared else []


def _preview(nt: NodeType, hook: Hook, config: dict, upstream: Upstream, design: Design) -> list:
    return list(hook.call(config, upstream, design)) if hook.declared else []


def _reconcile(nt: NodeType, hook: Hook, config: dict, old: dict, design: Design) -> dict:
    return dict(hook.call(config, old, design)) if hook.declared else config


def _estimate(nt: NodeType, hook: Hook, config: dict, upstream: Upstream, design: Design) -> dict:
    return dict(hook.call(config, upstream, design)) if hook.declared else {}


def _output_summary(nt: NodeType, hook: Hook, artifact) -> dict:
    return dict(hook.declared(artifact)) if hook.declared else {}


def _results(nt: NodeType, hook: Hook, artifact) -> dict:
    return dict(hook.declared(artifact)) if hook.declared else {}


def _fingerprint(nt: NodeType, hook: Hook, config: dict, design: Design) -> Fingerprint:
    return (hook.call(config, design) if hook.declared else None) or Fingerprint()


def _export(nt: NodeType, hook: Hook, config: dict, ctx: ExportContext) -> Exported | None:
    return hook.call(config, ctx) if hook.declared else None


def _fields(nt: NodeType, hook: Hook, config: dict) -> list[dict]:
    config = nt.readable(config)[0]
    return list(hook.declared(config)) if hook.declared else declared_fields(nt.params, config)


def _describe_data(nt: NodeType, hook: Hook, old: dict, new: dict) -> str | None:
    return hook.declared(old, new) if hook.declared else None


# every hook by the one name a declaration gives it and every caller calls it
HOOKS: dict[str, Callable] = {
    "validate": _validate, "shape": _shape, "design": _design, "summary": _summary, "advise": _advise,
    "preview": _preview, "reconcile": _reconcile, "estimate": _estimate, "output_summary": _output_summary,
    "results": _results, "fingerprint": _fingerprint, "export": _export, "fields": _fields,
    "describe_data": _describe_data,
}


@dataclass(frozen=True)
class NodeType:
    type: str
    label: str
    icon: str
    colour: str
    description: str
    inputs: tuple  # of Port
    outputs: tuple  # of Port
    params: tuple  # config Params (the generic inspector renders and parses them)
    validate: Callable
    run: Callable
    summary: Callable
    group: str = "Pipeline"
    design: Callable | None = None
    advise: Callable | None = None
    preview: Callable | None = None
    reconcile: Callable | None = None
    estimate: Callable | None = None
    output_summary: Callable | None = None
    results: Callable | None = None
    fingerprint: Callable | None = None
    export: Callable | None = None
    fields: Callable | None = None
    shape: Callable | None = None
    # the Param whose value names a dataset: the engine hands its facts (columns, rows)
    # to validate/design/preview as `design.dataset`
    dataset_param: str | None = None
    loop: Loop | None = None  # a node whose output goes back up declares its bound (Loop)
    order: int = 100  # position in the palette (built-ins 10..60)
    # cache keys (executor/cache.py): an output port that hands on what one of its inputs gave
    # beside what the node made ({"metrics": "model"}: Evaluate's evaluated model is its input
    # model), and a node that takes only that part of what it is given (Visualize draws the
    # model, whatever metrics were chosen): its key then follows the model, not the metrics
    carries: dict = field(default_factory=dict)
    takes_carried: bool = False
    # a change of its config or of what it reads draws other test rows (Compare says the two
    # runs' metrics are then partly the rows drawn): the Dataset and Split nodes
    draws_rows: bool = False
    # what differs between two of its fingerprints' data parts, in words (a re-run's reason)
    describe_data: Callable | None = None
    # its end is what the run decided (a gate's verdict, the version a deploy made, how a loop
    # ended): said at the top of the run's results, with a link to where it shows (a new user
    # found a failed gate only in the node table at the bottom, and no way to the deployment)
    headline: bool = False
    headline_link: tuple | None = None  # (text, href) beside it when the node completed
    # its output summary is a verdict on the model that reached it ({"decision": "pass" | "fail",
    # "message": the sentence}: a Gate's): the model's card keeps it (executor.bundle.verdicts),
    # and the model deployed by hand after it failed says so (a new user deployed a model its own
    # run's gate failed, told only "version 2 is in production")
    judges: bool = False
    # the hooks its declaration gave a function for (e.g. "export": it can be written as a
    # script; "estimate": it has a cost to show): set from the declaration
    declared: frozenset = field(init=False, repr=False, compare=False, default=frozenset())

    def __post_init__(self):
        """Each hook field becomes a `Hook` under the same name: callers call
        `node_type.summary(config, design)` and get the defaults whatever was declared."""
        declared = set()
        for name in HOOKS:
            fn = getattr(self, name)
            if isinstance(fn, Hook):  # dataclasses.replace hands back the hooks of the node type copied
                fn = fn.declared
            if fn is not None:
                declared.add(name)
            object.__setattr__(self, name, Hook(self, name, fn))
        object.__setattr__(self, "declared", frozenset(declared))

    def readable(self, config) -> tuple[dict, dict]:
        """(the config less every value `shape` rules out, those problems keyed by what is
        left): what pages and hooks are given of a stored config, so a malformed row
        renders, with its problems as errors on the node. An entry of a list that is left
        out leaves the others in their order; its problem is then the list's."""
        if not isinstance(config, Mapping):
            return {}, {"_": "A node's config must be an object of field: value."} if config else {}
        problems = self.shape(config)
        out, keyed, drop = dict(config), {}, {}
        for key, message in problems.items():
            head, _, rest = key.partition(".")
            inner = out.get(head)
            if rest and isinstance(inner, Mapping):
                drop.setdefault(head, set()).add(rest)
                keyed[key] = message
            elif rest and isinstance(inner, list) and rest.isdigit():
                drop.setdefault(head, set()).add(int(rest))
                keyed[head] = f"{keyed[head]} {message}" if head in keyed else message
            else:
                out.pop(head, None)
                keyed[head] = message
        for head, gone in drop.items():
            inner = out.get(head)
            if isinstance(inner, Mapping):
                out[head] = {k: v for k, v in inner.items() if k not in gone}
            elif isinstance(inner, list):
                out[head] = [v for i, v in enumerate(inner) if i not in gone]
        return out, keyed

    # ---------------------------------------------------------------- ports
    def input_port(self, name: str | None = None) -> Port | None:
        return next((p for p in self.inputs if name is None or p.name == name), None)

    def output_port(self, name: str | None = None) -> Port | None:
        return next((p for p in self.outputs if name is None or p.name == name), None)

    def produces(self, artifact_type: str) -> bool:
        return any(artifact_type in p.types for p in self.outputs)

    def to_json(self) -> dict:
        return {
            "type": self.type, "label": self.label, "icon": self.icon, "colour": self.colour,
            "description": self.description, "group": self.group,
            "inputs": [p.to_json() for p in self.inputs],
            "outputs": [p.to_json() for p in self.outputs],
            "params": [p.to_json() for p in self.params],
            "exportable": "export" in self.declared,
        }


def of_another_choice(a: dict | None, b: dict | None) -> bool:
    """Whether a field that differs between an old config (`a`) and a new one (`b`, either may
    lack it) is no change to list, as it goes with a choice that changed (`of`: a
    hyperparameter is of its algorithm): the old algorithm's settings, and the new one's left
    at their defaults. Switching Random Forest for Logistic Regression is the Algorithm's
    change, not "Trees: 300 → not set" and "C: not set → 1.0" besides; a setting of the new
    algorithm the user gave ("C: not set → 0.5") is listed. The one rule of why a node re-ran
    and of Compare."""
    old_of, new_of = (a or {}).get("of"), (b or {}).get("of")
    if not (old_of or new_of) or old_of == new_of:
        return False
    return a is not None and old_of is not None or bool((b or {}).get("default") or (b or {}).get("as_default"))


def declared_fields(params, config: dict, key_prefix: str = "") -> list[dict]:
    """A config as named fields: one per Param (labelled as the inspector labels it; a value
    left out is the Param's default, marked so), then any key no Param declares."""
    out, declared = [], set()
    for p in params:
        declared.add(p.name)
        field_ = {"key": key_prefix + p.name, "label": p.title}
        if p.problem_types:  # a setting that means something for these problem types only
            field_["problem_types"] = list(p.problem_types)
        if p.name in config:
            field_["value"] = config[p.name]
            if config[p.name] == p.default and type(config[p.name]) is type(p.default):
                field_["as_default"] = True  # written out, the default's value (a save fills them in)
        else:
            field_.update(value=p.default, default=True)
        if p.display == "percent" and isinstance(field_["value"], (int, float)) and not isinstance(
                field_["value"], bool):
            field_["text"] = value_said(field_["value"], p)
        out.append(field_)
    out += [{"key": key_prefix + k, "label": k.replace("_", " ").capitalize(), "value": v}
            for k, v in config.items() if k not in declared]
    return out


# --------------------------------------------------------------------------- design time
@dataclass
class Upstream:
    """What a node knows at design time about what feeds it (capabilities flowing
    downstream): the dataset's columns and problem type, the model's algorithm."""

    node_type: str | None = None  # type of the direct upstream node
    problem_type: str | None = None
    target_column: str | None = None
    columns: list = field(default_factory=list)  # [{"name", "dtype", "role", "missing_pct", ...}]
    n_rows: int | None = None  # the dataset's rows
    rows_without_target: int = 0  # of those, the rows a run leaves out (their target is missing)
    dataset_id: str | None = None
    dataset_name: str | None = None  # what the user calls it (uploads: the file's name)
    excluded_columns: list = field(default_factory=list)  # id-like columns left out of the features
    algorithm: str | None = None  # the upstream model's plugin slug
    operations: list = field(default_factory=list)  # preprocessing operations upstream
    selected_metrics: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # facts a third-party node type passes down


@dataclass
class Design:
    """What a node's design-time hooks may consult besides the Upstream of its input: the
    facts of the dataset its `dataset_param` names, every input by port, and the options
    the app knows (datasets, metrics ...)."""

    dataset: dict | None = None
    inputs: dict = field(default_factory=dict)  # port -> Upstream (several: a list)
    dataset_facts: Callable[[str], dict | None] | None = None
    # held(part) -> whether the node cache holds that part of the node's output (a plot drawn
    # before of the same model), which a run serves without making it: the estimate counts
    # nothing for it (RunContext.stored names the parts the same way)
    held: Callable[[str], bool] = lambda part: False


@dataclass(frozen=True)
class Fingerprint:
    """What decides a node's output besides its type, code, config and inputs (`parts`: a
    dataset's content and reading), and why it may not be reused at all (`volatile`: a
    sentence, e.g. a search that stops after a time limit)."""

    parts: dict = field(default_factory=dict)
    volatile: str | None = None


# --------------------------------------------------------------------------- run time
@dataclass
class TableArtifact:
    df: Any  # pandas DataFrame, target column included
    target: str | None
    problem_type: str
    dataset_id: str
    learned_ops: list = field(default_factory=list)  # [(slug, params)]: Pipeline steps, fitted on train rows
    warnings: list = field(default_factory=list)
    dataset_name: str = ""
    # two-class targets: the class binary metrics are about (the Dataset node's choice, else
    # the minority class); None for anything else. A node that makes a new table from this
    # one keeps it (dataclasses.replace).
    positive_class: Any = None
    # the id-like columns the Dataset node left out of the features ({name: why}, see
    # plugins.tables.id_reason) and their values (a DataFrame on df's index; a node that
    # drops rows keeps the index, so they are found by it): the Split node keeps a unit's
    # rows together by one, and says when a random split puts a unit on both sides
    id_reasons: dict = field(default_factory=dict)
    ids: Any = None
    # what was read: the dataset's version from its facts ({"content_hash", "reading"} of an
    # upload), which a run's Dataset node records so that Compare can say the data changed
    version: Any = None
    # files a node saved of this table for the user to download ([{"label", "artifact_id"}]:
    # a Predict node's predictions), which the results offer
    downloads: list = field(default_factory=list)
    # the series in time a random split would cut, found when the dataset's target was set
    # (nodes.dataset.stored_series): the Split's advice said it before the run, which says it once
    series: Any = None


def table_summary(table: TableArtifact) -> dict:
    return {"rows": int(len(table.df)), "columns": int(table.df.shape[1]), "transforms": len(table.learned_ops)}


@dataclass
class SplitArtifact:
    X_train: Any
    X_test: Any
    y_train: Any  # None for clustering without a target
    y_test: Any
    target: str | None
    problem_type: str
    learned_ops: list = field(default_factory=list)
    dataset_id: str = ""
    random_seed: int | None = 42
    dataset_name: str = ""
    positive_class: Any = None  # as the table's
    leaks: tuple = ()  # the features the leakage guard found giving the target away (a Gate names them)
    # rows kept together by a column (the Split node's group_by): each training row's group,
    # on X_train's index, which cross-validation keeps within one fold (nodes.model.cv_splits)
    group_column: str | None = None
    groups_train: Any = None
    # id columns whose units the unit guard found on both sides (plugins.guards.SharedUnits;
    # a Gate names them)
    shared_units: tuple = ()
    # the columns the Dataset node left out of the features as ids (the table's id_reasons): a
    # table scored by the model may hold them, and they are set aside (nodes/predict.py)
    id_columns: tuple = ()


@dataclass
class ModelArtifact:
    pipeline: Any  # fitted sklearn Pipeline: learned preprocessing + estimator, raw columns in
    algorithm: str
    hyperparameters: dict
    split: SplitArtifact
    problem_type: str
    classes: list | None = None
    feature_names: list = field(default_factory=list)
    train_seconds: float = 0.0
    cv: dict | None = None  # {"metric", "folds": [...], "mean", "std"}
    optuna: dict | None = None  # {"metric", "best_params", "best_value", "trials": [...]}
    model_artifact_id: str | None = None
    # what the model bundle needs besides the model (nodes.model.portable_facts), None without one
    portable: dict | None = None
    test_eval: Any = None  # EvalData on the test rows, computed once by the first consumer

    def evaluation(self):
        """Predictions on the test rows, computed once for Evaluate and Visualize alike."""
        if self.test_eval is None:
            from plugins.evaluators import eval_data_for

            s = self.split
            self.test_eval = eval_data_for(self.pipeline, s.X_train, s.y_train, s.X_test, s.y_test,
                                           self.problem_type, random_state=s.random_seed,
                                           positive_class=s.positive_class,
                                           groups_train=getattr(s, "groups_train", None))
        return self.test_eval


@dataclass
class EvaluationArtifact:
    model: ModelArtifact
    metrics: dict  # key -> value (float, or a table as a dict/list)
    verdict: dict | None = None  # a gate's decision on it (nodes/gate.py): {"decision", "message", ...}


@dataclass
class PlotsArtifact:
    model: ModelArtifact
    plots: list  # [{"key", "name", "artifact_id", "error"?}]


@dataclass
class RunContext:
    """Handed to every node run: progress, cancellation and artifact storage.

    `save_artifact(kind, name, data: bytes, mime) -> artifact_id` is provided by whoever
    runs the workflow (the CLI writes files, the worker writes files and DB rows)."""

    job_id: str
    node_id: str
    progress: Callable[[float, str], None] = lambda fraction, message="": None
    is_cancelled: Callable[[], bool] = lambda: False
    save_artifact: Callable[..., str] = lambda kind, name, data, mime: ""
    warn: Callable[[str], None] = lambda message: None
    # event(kind, payload): a live event of this node for the run log (e.g. "node_trial")
    event: Callable[[str, dict], None] = lambda kind, payload: None
    load_dataset: Callable[[str], Any] | None = None
    # dataset_facts(dataset_id) -> {"name", "columns", "n_rows"} or None
    dataset_facts: Callable[[str], dict | None] | None = None
    # register_model(deployment name, ModelArtifact) -> {"deployment", "version", ...}: a new
    # version of a deployment made of this run's model (the worker's model registry); None
    # where there is no registry (the command line)
    register_model: Callable[[str, Any], dict] | None = None
    # production_metric(deployment name, metric key, task) -> {"version", "value"} of the
    # version that deployment's production alias points at (value None when it has no such
    # metric), None when it has none; a NodeError when that version predicts another task
    # ({"target", "problem_type"}) than the model judged; None where there is no registry
    production_metric: Callable[[str, str, dict], dict | None] | None = None
    loop: LoopRound | None = None  # a loop node's round (nodes/retrain.py)
    # stored(part, make) -> (bytes, reused_from): one part of the node's output (a plot) as
    # make() makes it, or as an earlier run made it from the same inputs, code and libraries
    # (the id of that run; None when made now). `part` says every setting the part depends
    # on. Made every time where there is no node cache (the command line, the cache off).
    stored: Callable[[str, Callable[[], bytes]], tuple[bytes, str | None]] = lambda part, make: (make(), None)

    def check_cancelled(self) -> None:
        if self.is_cancelled():
            raise Cancelled("cancelled")


# --------------------------------------------------------------------------- export
@dataclass
class ExportContext:
    """What a node's `export` hook is given: its place in the script and what feeds it."""

    node_id: str
    label: str  # the node as the user knows it
    suffix: str  # added to the names it defines ("" for the first node of its type, "_2" ...)
    inputs: dict  # port -> the Exported of the node feeding it (a list for a port taking several)
    upstream: Upstream  # what it knows at design time
    design: Design
    source: Any  # plugins.codegen.Source: `ref` (import or inline) and `render` (a value as code)
    output: dict | None = None  # what the run recorded for it (its completed event's output)
    data_arg: int = 0  # a Dataset node's position among the script's data arguments

    def name(self, base: str) -> str:
        """A variable of this node in the script's main code."""
        return self.source.reserve(base + self.suffix)

    @property
    def input(self):
        """The Exported of its (first) input."""
        first = next(iter(self.inputs.values()), None)
        return first[0] if isinstance(first, list) else first


@dataclass
class Exported:
    """A node's part of an exported script: its code (main's lines, in order) and the names
    (and facts) the nodes below it use, by what they mean: "frame", "X_train", "pipeline"."""

    lines: list
    names: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)  # what it could not write: said in the script

