"""Visualize node: plots of the model, from a Model node or through an Evaluate node."""

from __future__ import annotations

import hashlib
import json
import time

from nodes.base import (
    METRICS,
    MODEL,
    PLOTS,
    Cancelled,
    Design,
    Exported,
    NodeType,
    PlotsArtifact,
    Port,
    Upstream,
)
from nodes.evaluate import check_keys, keys_shape
from plugins import registry

# The plot that shows each metric (seed 000: Visualize follows the Evaluate selections).
PLOT_FOR_METRIC = {"roc_auc": "roc_curve", "confusion_matrix": "confusion_matrix",
                   "precision": "precision_recall_curve", "recall": "precision_recall_curve",
                   "r2": "prediction_vs_actual", "rmse": "residuals", "mae": "residuals",
                   "silhouette": "cluster_scatter"}


def default_plots(upstream: Upstream) -> list | None:
    """The model's default plots plus the plot of each metric chosen upstream."""
    from nodes.evaluate import capabilities

    caps = capabilities(upstream)
    if caps is None:
        return None
    related = [PLOT_FOR_METRIC[m] for m in upstream.selected_metrics if m in PLOT_FOR_METRIC]
    return list(dict.fromkeys([*caps["default_plots"], *[p for p in related if p in caps["supported_plots"]]]))


def validate(config: dict, upstream: Upstream):
    config = dict(config or {})
    if config.get("plots") is None and default_plots(upstream) is not None:
        config["plots"] = default_plots(upstream)
    plots, errors = check_keys(config, upstream, "plots", "supported_plots", "default_plots",
                               lambda k: k, "plot", ("plots",))
    return {"plots": plots}, errors


def run(config: dict, inputs: dict, ctx) -> PlotsArtifact:
    from plugins.visualizers import render_plot

    upstream = inputs["model"]
    model = getattr(upstream, "model", upstream)  # an EvaluationArtifact carries its model
    keys = config["plots"]
    # predictions once for every plot; each plot gets its own slice of the progress bar
    import copy

    data = copy.copy(model.evaluation())
    data.check_cancelled = ctx.check_cancelled
    out = []
    for i, key in enumerate(keys):
        ctx.check_cancelled()
        plot = registry.plots()[key]
        span = (i / len(keys), (i + 1) / len(keys))
        step = f"plot {i + 1} of {len(keys)}"

        def progress(fraction, message="", span=span, name=plot.name, step=step):
            ctx.progress(span[0] + (span[1] - span[0]) * fraction, f"{step}, {name}: {message}" if message
                         else f"{step}, {name}")

        data.progress = progress
        progress(0.0, "drawing…")  # said before a slow plot starts, not only after
        started = time.perf_counter()
        try:
            # a plot drawn before of the same model (this node ran again for another plot
            # added or removed) is the stored picture, not drawn again
            png, drawn_by = ctx.stored(plot_part(key), lambda key=key: render_plot(key, data))
        except (Cancelled, MemoryError):
            raise
        except Exception as e:  # one plot that cannot be drawn is a warning; the others are drawn
            problem = plot_problem(e)
            ctx.warn(f"{plot.name}: {problem}")
            out.append({"key": key, "name": plot.name, "artifact_id": None, "error": problem})
            continue
        artifact_id = ctx.save_artifact("plot", f"{key}.png", png, "image/png")
        # the picture's own key: the results panel keeps a plot it already shows when a run
        # draws it the same (adding one plot swapped every image in again: flicker, scroll lost)
        out.append({"key": key, "name": plot.name, "artifact_id": artifact_id, "group": plot.group,
                    "digest": hashlib.sha256(png).hexdigest()[:16]})
        took = time.perf_counter() - started
        ctx.progress(span[1], f"{step}, {plot.name}: done")
        if drawn_by:  # the run log says where it is from ("· reused from run X")
            ctx.event("node_log", {"message": f"{plot.name} not drawn again: the same plot of the same model "
                                              f"({step})", "reused_from": drawn_by})
        else:
            ctx.event("node_log", {"message": f"{plot.name} drawn in {took:.1f} s ({step})"})
    return PlotsArtifact(model=model, plots=out)


def plot_problem(e: Exception) -> str:
    """Why a plot was not drawn, as the user reads it: a plot's own sentence (PlotError) as
    it is; a library's message only inside ours, on one line and cut short."""
    from plugins.base import PlotError

    if isinstance(e, PlotError):
        return str(e)
    said = " ".join(str(e).split())
    said = said if len(said) <= 200 else said[:199] + "…"
    return ("It could not be drawn: the plotting library failed" + (f" and said: {said}" if said else "")
            + ("" if said.endswith((".", "!", "?")) else "."))


SECONDS_PER_PLOT_CREDIT = 0.4


def plot_part(key: str) -> str:
    """A plot as a part of the node's output (RunContext.stored, Design.held): the plot says
    every setting its picture depends on."""
    return json.dumps({"plot": key})


def estimate(config: dict, upstream: Upstream, design: Design) -> dict:
    """The plots to draw; a plot the node cache holds (drawn before of the same model) is
    served as its stored picture and costs nothing."""
    plots = registry.plots()
    chosen = [k for k in config.get("plots") or [] if k in plots]
    held = [k for k in chosen if design.held(plot_part(k))]
    cost = sum(plots[k].cost for k in chosen if k not in held)
    out = {"credits": cost, "seconds": cost * SECONDS_PER_PLOT_CREDIT}
    if held:
        out["line"] = (f"{len(held)} of {len(chosen)} plots drawn before, reused: no credits" if len(chosen) > 1
                       else "its plot drawn before, reused: no credits")
    return out


def output_summary(result: PlotsArtifact) -> dict:
    return {"algorithm": result.model.algorithm, "plots": result.plots}


def results(result: PlotsArtifact) -> dict:
    return {"plots": [{"algorithm": result.model.algorithm, **p} for p in result.plots]}


def export(config: dict, ctx) -> Exported:
    """Each plot drawn by its own function and saved as a PNG in the plots folder."""
    from plugins.visualizers import save_plot

    src, up = ctx.source, ctx.input.names
    save, known = src.ref(save_plot), registry.plots()
    lines = [f"{save}({known[key].code(src)}, {up['evaluation']}, plots_dir / {f'{ctx.node_id}_{key}.png'!r}, "
             f"{known[key].name!r})" for key in config["plots"]]
    return Exported(lines, dict(up))


def summary(config: dict) -> str:
    from nodes.evaluate import chosen_summary

    return chosen_summary(config.get("plots"), registry.plots(), "plots", 2)


def fields(config: dict) -> list[dict]:
    """Its config as a named field (comparing two runs, a re-run's reason): the plots by name."""
    from nodes.evaluate import chosen_field

    return [chosen_field("plots", "Plots", config.get("plots"), registry.plots(), "the model's defaults")]


NODE = NodeType(
    type="visualize", label="Visualize", icon="📊", colour="#db2777",
    description="Draw plots of the model: performance and explainability.",
    inputs=(Port("model", (MODEL, METRICS), "Model or metrics"),), outputs=(Port("plots", (PLOTS,), "Plots"),),
    takes_carried=True,  # it draws the model: an Evaluate's chosen metrics change no plot
    params=(), validate=validate, run=run, summary=summary, group="Results", estimate=estimate,
    output_summary=output_summary, results=results, shape=keys_shape("plots", "plot"), export=export,
    fields=fields, order=60,
)
