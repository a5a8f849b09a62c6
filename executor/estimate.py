"""Estimated cost (credits) and time of a job, per seed 001's credit calculation: a base
cost per job, plus dataset size x model complexity x the number of fits (CV folds, Optuna
trials), plus preprocessing steps and plot costs."""

from __future__ import annotations

BASE_CREDITS = 1.0
# seconds per (row x column x complexity) for one fit, measured roughly on this machine's
# class of CPU with a random forest of 100 trees (complexity 3) on breast_cancer
SECONDS_PER_CELL = 4e-6
SECONDS_PER_PLOT_CREDIT = 0.4


def estimate(resolved, dataset_info) -> dict:
    from plugins import registry

    graph, configs = resolved.graph, resolved.configs
    credits, seconds, lines = BASE_CREDITS, 0.5, []
    sizes = {}
    for nid in graph.order:
        node = graph.nodes[nid]
        cfg = configs.get(nid, {})
        if node.get("type") == "dataset":
            info = dataset_info(cfg.get("dataset_id", "")) or {}
            rows, cols = info.get("n_rows") or 1000, len(info.get("columns") or []) or 10
            sizes[nid] = rows * cols
            credits += rows * cols / 1e5
        elif node.get("type") == "preprocessing":
            credits += 0.5 * len(cfg.get("operations", []))
            seconds += 0.05 * len(cfg.get("operations", []))
        elif node.get("type") == "model":
            plugin = registry.models().get(cfg.get("algorithm", ""))
            cells = max(sizes.values(), default=1e4)
            fits = 1
            if cfg.get("use_optuna"):
                fits += cfg.get("optuna_trials", 20) * (cfg.get("cv_folds", 5) if cfg.get("use_cv") else 3)
            if cfg.get("use_cv"):
                fits += cfg.get("cv_folds", 5)
            complexity = plugin.complexity if plugin else 1.0
            credits += cells * complexity * fits / 2e5
            seconds += cells * complexity * fits * SECONDS_PER_CELL
            lines.append(f"{plugin.name if plugin else cfg.get('algorithm')}: {fits} fit(s)")
        elif node.get("type") == "visualize":
            plots = registry.plots()
            cost = sum(plots[k].cost for k in cfg.get("plots", []) if k in plots)
            credits += cost
            seconds += cost * SECONDS_PER_PLOT_CREDIT
        elif node.get("type") == "evaluate":
            seconds += 0.1
    return {"credits": round(credits, 1), "seconds": round(seconds, 1), "breakdown": lines}
