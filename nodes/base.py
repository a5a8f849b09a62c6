"""What a node type is, and the artifacts that flow along edges at run time.

A node type declares its ports (with artifact types), its config Params, how to summarise
its config in one line, how to validate it against what is upstream, and how to run.
Connection rules follow from port types alone: an edge is allowed when the source's output
type is one the target's input accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# artifact types
TABLE, SPLIT, MODEL, METRICS, PLOTS = "table", "split", "model", "metrics", "plots"


class NodeError(Exception):
    """A node could not run; the message is shown to the user on the node."""


class Cancelled(Exception):
    """The job was cancelled; raised by `RunContext.check_cancelled`."""


@dataclass(frozen=True)
class Port:
    name: str
    accepts: tuple  # artifact types this input accepts / the type this output produces
    label: str = ""
    required: bool = True

    def to_json(self) -> dict:
        return {"name": self.name, "types": list(self.accepts), "label": self.label or self.name,
                "required": self.required}


@dataclass(frozen=True)
class NodeType:
    type: str
    label: str
    icon: str
    colour: str
    description: str
    inputs: tuple  # of Port (at most one here: every node has one input)
    outputs: tuple  # of Port
    params: tuple  # config Params
    # validate(config, upstream: Upstream) -> (clean_config, {field: message})
    validate: Callable
    # run(config, inputs: {port_name: artifact}, ctx: RunContext) -> artifact
    run: Callable
    # summary(config, design: Upstream | None) -> one line for the canvas ("Random Forest, 100 trees");
    # `design` is what the node passes downstream at design time (e.g. the dataset's name)
    summary: Callable
    group: str = "Pipeline"
    # design(config, upstream, dataset) -> Upstream: what the node tells the nodes below it at
    # design time (capabilities flowing down); by default it passes on what it was given
    design: Callable | None = None
    # advise(config, upstream, downstream: [(node_type, clean config)]) -> [sentence]: advice
    # the inspector shows before a run (a small test set, scaling before a tree model ...)
    advise: Callable | None = None

    def design_output(self, config: dict, upstream: Upstream, dataset: dict | None = None) -> Upstream:
        out = self.design(config, upstream, dataset) if self.design is not None else Upstream(**{**upstream.__dict__})
        out.node_type = self.type
        return out

    def summarise(self, config: dict, design: Upstream | None = None) -> str:
        import inspect

        if len(inspect.signature(self.summary).parameters) >= 2:
            return self.summary(config, design)
        return self.summary(config)

    def accepts(self, artifact_type: str) -> bool:
        return any(artifact_type in p.accepts for p in self.inputs)

    @property
    def output_type(self) -> str | None:
        return self.outputs[0].accepts[0] if self.outputs else None

    def to_json(self) -> dict:
        return {
            "type": self.type, "label": self.label, "icon": self.icon, "colour": self.colour,
            "description": self.description, "group": self.group,
            "inputs": [p.to_json() for p in self.inputs],
            "outputs": [p.to_json() for p in self.outputs],
            "params": [p.to_json() for p in self.params],
        }


# --------------------------------------------------------------------------- design time
@dataclass
class Upstream:
    """What a node knows at design time about what feeds it (capabilities flowing
    downstream): the dataset's columns and problem type, the model's algorithm."""

    node_type: str | None = None  # type of the direct upstream node
    problem_type: str | None = None
    target_column: str | None = None
    columns: list = field(default_factory=list)  # [{"name", "dtype", "role", "missing_pct", ...}]
    n_rows: int | None = None
    dataset_id: str | None = None
    dataset_name: str | None = None  # what the user calls it (uploads: the file's name)
    excluded_columns: list = field(default_factory=list)  # id-like columns left out of the features
    algorithm: str | None = None  # the upstream model's plugin slug
    operations: list = field(default_factory=list)  # preprocessing operations upstream
    selected_metrics: list = field(default_factory=list)


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
    test_eval: Any = None  # EvalData on the test rows, computed once by the first consumer

    def evaluation(self):
        """Predictions on the test rows, computed once for Evaluate and Visualize alike."""
        if self.test_eval is None:
            from plugins.evaluators import eval_data_for

            s = self.split
            self.test_eval = eval_data_for(self.pipeline, s.X_train, s.y_train, s.X_test, s.y_test,
                                           self.problem_type, random_state=s.random_seed)
        return self.test_eval


@dataclass
class EvaluationArtifact:
    model: ModelArtifact
    metrics: dict  # key -> value (float, or a table as a dict/list)


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
    load_dataset: Callable[[str], Any] | None = None
    # dataset_info(dataset_id) -> {"name", "columns", "n_rows"} or None
    dataset_info: Callable[[str], dict | None] | None = None

    def check_cancelled(self) -> None:
        if self.is_cancelled():
            raise Cancelled("cancelled")
