"""Declarations shared by every plugin: models, metrics, plots, preprocessing operations.

Each is a frozen dataclass: data about the thing plus the function that does the work.
Nothing here does I/O; the executor hands in data and takes results back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from plugins.params import Param, params_json

PROBLEM_TYPES = ("classification", "regression", "clustering")


# --------------------------------------------------------------------------- models
@dataclass(frozen=True)
class ModelPlugin:
    """One algorithm. `build(params, problem_type, random_state)` returns an unfitted
    sklearn-compatible estimator; the executor wraps it in a Pipeline with the learned
    preprocessing, so the artifact accepts raw feature columns."""

    key: str  # the one name it is registered and referred to by (the API calls it "slug")
    name: str
    icon: str
    description: str
    best_for: str
    problem_types: tuple
    category: str  # tree, linear, ensemble, neighbors, kernel, clustering, ...
    params: tuple
    build: Callable[[dict, str, int | None], Any]
    supported_metrics: tuple = ()
    default_metrics: tuple = ()
    supported_plots: tuple = ()
    default_plots: tuple = ()
    # relative training cost per (row x column), used by the credits of the cost estimate
    complexity: float = 1.0
    # fit_cost(params, shape) -> seconds of one fit (and the prediction of its held-out rows)
    # on this class of machine; shape: {"rows", "features", "classes", "problem_type"}. How
    # the work grows with rows, features, classes and the params (trees, neighbours) is the
    # algorithm's; the constant was measured (bench/estimate.py). None: complexity x cells.
    fit_cost: Callable[[dict, dict], float] | None = None
    handles_missing: bool = False  # can fit with NaN in X
    # the same rows, params and seed give the same model: False for an algorithm with
    # randomness it does not take from the seed (its results are never reused from the cache)
    reproducible: bool = True
    scale_sensitive: bool = False  # compares distances or penalises coefficients: warn when nothing scales
    # check(params, problem_type) -> {param: sentence}: rules between params that a single
    # Param cannot say (an explicit solver that cannot fit an L1 share). Validation refuses
    # them and Optuna never tries them.
    check: Callable[[dict, str | None], dict] | None = None
    # fixed_in_search(params, problem_type) -> {param: reason}: tunable params the search
    # must leave at the user's value given the other settings (said in the search notes)
    fixed_in_search: Callable[[dict, str | None], dict] | None = None
    # export(source) -> the name, in an exported script, of a function (params, problem_type,
    # random_state) -> the estimator (plugins.codegen.Source). None: `build` itself, inlined
    export: Callable | None = None

    def build_code(self, source) -> str:
        """The script's function that builds this estimator, as `build` does."""
        if self.export is not None:
            return self.export(source)
        return source.ref(self.build, f"build_{self.key}")

    def check_code(self, source) -> str | None:
        """The script's function for `check` (the rules between params), or None."""
        return source.ref(self.check, f"check_{self.key}") if self.check else None
    # native_formats(fitted estimator) -> {file name: bytes}: the model in its library's own
    # format too (XGBoost's JSON), shipped in the model bundle beside model.skops
    native_formats: Callable[[Any], dict] | None = None

    def problems(self, params: dict, problem_type: str | None) -> dict:
        return dict(self.check(params, problem_type) or {}) if self.check else {}

    @property
    def slug(self) -> str:
        return self.key

    def param_title(self, name: str) -> str:
        """A param as the inspector titles it (its label, else its name made readable)."""
        return next((p.title for p in self.params if p.name == name), name)

    def params_for(self, problem_type: str | None) -> list[Param]:
        return [p for p in self.params if p.applies_to(problem_type)]

    def summary_json(self) -> dict:
        return {
            "slug": self.key,
            "name": self.name,
            "icon": self.icon,
            "description": self.description,
            "best_for": self.best_for,
            "problem_types": list(self.problem_types),
            "category": self.category,
        }

    def detail_json(self, problem_type: str | None = None, capabilities: dict | None = None) -> dict:
        """`capabilities` (plugins.registry.capabilities for the problem type) when known."""
        out = self.summary_json()
        out["hyperparameters"] = params_json(self.params, problem_type)
        if capabilities is not None:
            out.update(capabilities)
        else:
            out.update({
                "supported_metrics": list(self.supported_metrics),
                "default_metrics": list(self.default_metrics),
                "supported_plots": list(self.supported_plots),
                "default_plots": list(self.default_plots),
            })
        return out


# --------------------------------------------------------------------------- metrics
@dataclass
class EvalData:
    """What a metric or plot gets. Arrays are numpy/pandas; `y_proba` is (n, n_classes)
    or None; `X_test` is the raw feature frame (the model is a full Pipeline)."""

    problem_type: str
    model: Any = None
    X_train: Any = None
    y_train: Any = None
    X_test: Any = None
    y_test: Any = None
    y_pred: Any = None
    y_proba: Any = None
    classes: Any = None
    # the features as the final estimator sees them (after learned preprocessing);
    # clustering metrics and cluster plots use these
    Xt_test: Any = None
    feature_names: list = field(default_factory=list)
    random_state: int | None = 0
    progress: Callable[[float, str], None] | None = None
    check_cancelled: Callable[[], None] | None = None
    # two classes: the class the binary metrics are about (the run's choice); None: the
    # minority class of the rows at hand (plugins.evaluators.positive_label)
    positive_class: Any = None
    # the training rows' groups when the split keeps rows of one group together: a plot
    # that cross-validates on the training rows (the learning curve) keeps a group in one fold
    groups_train: Any = None


@dataclass(frozen=True)
class Metric:
    key: str
    name: str
    direction: str | None  # "higher", "lower", or None for tables (confusion matrix, report)
    problem_types: tuple
    fn: Callable[[EvalData], Any]
    needs_proba: bool = False
    kind: str = "scalar"  # scalar | table
    description: str = ""
    # How it treats several classes, which the results then state: "classes" (two classes:
    # of the positive class; more: macro over classes), "one_vs_rest" (two classes: the
    # positive class's scores; more: one-vs-rest macro), "" (every test row counts alike).
    # The positive class is the workflow's (the Dataset node's; automatic: the minority).
    averaging: str = ""
    # export(source) -> the name, in an exported script, of a function EvalData -> value.
    # None: `fn` itself, inlined (a named function; a lambda cannot be)
    export: Callable | None = None

    def code(self, source) -> str:
        return self.export(source) if self.export is not None else _function_code(self.fn, source, self.name)

    def to_json(self) -> dict:
        return {"key": self.key, "name": self.name, "direction": self.direction,
                "problem_types": list(self.problem_types), "needs_proba": self.needs_proba,
                "kind": self.kind, "description": self.description, "averaging": self.averaging}


# --------------------------------------------------------------------------- plots
class PlotError(ValueError):
    """A plot that cannot be drawn, for a reason said in a sentence a person reads as it is
    ("The test rows hold a single class; a curve needs both."). Anything else a plot raises
    comes from a library, and reaches the user only inside the Visualize node's own sentence."""


@dataclass(frozen=True)
class Plot:
    key: str
    name: str
    group: str  # performance | explainability
    cost: int  # credits, also a rough relative compute cost
    problem_types: tuple
    fn: Callable[[EvalData], bytes]  # returns PNG bytes
    needs_proba: bool = False
    description: str = ""
    export: Callable | None = None  # as a Metric's: the script's function EvalData -> PNG bytes

    def code(self, source) -> str:
        return self.export(source) if self.export is not None else _function_code(self.fn, source, self.name)

    def to_json(self) -> dict:
        return {"key": self.key, "name": self.name, "group": self.group, "cost": self.cost,
                "problem_types": list(self.problem_types), "needs_proba": self.needs_proba,
                "description": self.description}


# --------------------------------------------------------------------------- preprocessing
@dataclass(frozen=True)
class Operation:
    """One preprocessing operation: `make(params, context) -> step`, a step of the model's
    Pipeline fitted on the training rows only (plugins.preprocessing).

    kind "learned": the step is a transformer (imputer, scaler, encoder ...).
    kind "row": the step is a sampler that removes training rows during fit (duplicates,
    rows with missing values, outliers) and does nothing at predict time.
    `make` may also take just `params` (the context carries the problem type, the target
    and the random seed).
    """

    key: str  # the one name it is registered and referred to by (the API calls it "slug")
    name: str
    category: str  # missing_values | scaling | encoding | dates | outliers | other
    # the column kinds it acts on (plugins.preprocessing.column_kind): the inspector's
    # column chooser, the validation and the run-time column selection all read this
    applies_to: tuple  # ("numeric",), ("categorical",), ("datetime",), ("numeric", "categorical"), ("all",)
    kind: str  # row | learned
    params: tuple = ()
    description: str = ""
    make: Callable | None = None
    short: str = ""  # a few words for the canvas node's summary ("median fill")
    stateless: bool = False  # a transform that learns nothing from the rows (date parts, dropping columns)
    gap_as_category: bool = False  # it keeps a missing value in a text column as a category of its own
    makes_gaps: bool = False  # it turns values into gaps (a missing-value code): a step after it must handle them
    # design time: the columns after this step, from those before it and its params
    # ([{"name", "kind", ...}], params) -> [...]; None: the same columns, the same kinds
    reshape: Callable | None = None
    # export(params, context, source) -> code (an expression) that builds its step in an
    # exported script. None: the step `make` builds, written as the constructor calls that
    # build it again (plugins.codegen.Source.render)
    export: Callable | None = None
    # title(params) -> the step's name with what it is set to, for its header in the steps list
    # ("Mark -99, 999 as missing"); None: its name
    title: Callable | None = None

    @property
    def slug(self) -> str:
        return self.key

    @property
    def when(self) -> str:
        """When it acts, truthfully, for labels: row filters are samplers, which
        imbalanced-learn's Pipeline applies during fit only; transforms run on every row."""
        if self.kind == "row":
            return "removes training rows only; test rows are always scored"
        if self.stateless:
            return "applied to every row"
        return "fitted on training rows, applied to every row"

    @property
    def label(self) -> str:
        return self.short or self.name.lower()

    def to_json(self) -> dict:
        return {"slug": self.key, "name": self.name, "category": self.category,
                "applies_to": list(self.applies_to), "kind": self.kind, "when": self.when,
                "description": self.description,
                "parameters": [p.to_json() for p in self.params]}


def _function_code(fn, source, what: str) -> str:
    from plugins.codegen import NotExportable

    if getattr(fn, "__name__", "<lambda>") == "<lambda>":
        raise NotExportable(f"{what} is computed by a lambda, whose code a script cannot carry")
    return source.ref(fn)

