"""Estimated cost (credits) and time of a job, per seed 001's credit calculation: a base
cost per job plus each node's share, which its type declares (`estimate` hook: dataset
size, model complexity x fits, preprocessing steps, plot costs)."""

from __future__ import annotations

from dataclasses import replace

from nodes.registry import node_types

BASE_CREDITS = 1.0
BASE_SECONDS = 0.5


def node_share(resolved, nid: str, reused=(), held=None, config=None, first=True) -> dict:
    """One node's share of a job, as its type declares it: nothing for a node the cache
    serves whole (`reused`), and its type's count of the parts the cache holds (`held`: node
    id -> held(part)) left out; a loop's later round (`first` false, `config` the round's
    settings) is never reused, its parts are new (its model is)."""
    if first and nid in reused:
        return {"credits": 0.0, "seconds": 0.0, "reused": True}
    nt = node_types().get(resolved.graph.nodes[nid].get("type"))
    if nt is None or nid not in resolved.configs:
        return {}
    design = resolved.designs[nid]
    if first and (held or {}).get(nid):
        design = replace(design, held=held[nid])
    return nt.estimate(config if config is not None else resolved.configs[nid], resolved.upstream[nid], design)


def estimate(resolved, dataset_facts=None, reused=(), held=None) -> dict:
    """`reused`: the nodes the cache will serve (executor.cache), which cost nothing in the
    first round; `held`: node id -> whether the cache holds a part of its output
    (executor.submit.cache_outlook), which its type's estimate counts as nothing (node_share).
    A bounded loop is counted as its costliest path, an upper bound: every round
    fails, up to the bound, each at the settings its loop node escalates the target to (a
    Retrain doubling Optuna trials), and a round after the first is never reused (its target's
    config is new) although the first was."""
    types = node_types()
    credits, seconds, lines = BASE_CREDITS, BASE_SECONDS, []

    def share(nid, config=None, first=True):
        return node_share(resolved, nid, reused, held, config, first)

    for nid in resolved.graph.order:
        if nid in reused:
            continue
        got = share(nid)
        credits += got.get("credits", 0.0)
        seconds += got.get("seconds", 0.0)
        if got.get("line"):
            lines.append(got["line"])
    for x in resolved.graph.loops:
        more, said = _later_rounds(x, types, resolved, share)
        credits += more["credits"]
        seconds += more["seconds"]
        lines.append(said)
    out = {"credits": round(credits, 1), "seconds": round(seconds, 1), "breakdown": lines}
    if resolved.graph.loops:
        out["upper_bound"] = True
    if reused:
        out["reused"] = sorted(reused)
        lines.append(f"{len(reused)} node{'s' if len(reused) != 1 else ''} reused from earlier runs: no credits")
    return out


def _later_rounds(loop, types, resolved, share) -> tuple[dict, str]:
    """The cost of rounds 2..bound of `loop` if every round fails, and it in words."""
    nt = types.get(resolved.graph.nodes[loop.node].get("type"))
    first = resolved.configs.get(loop.target) or {}
    round_config = getattr(getattr(nt, "loop", None), "round_config", None)
    total, rounds, said = {"credits": 0.0, "seconds": 0.0}, 1, []
    for k in range(2, loop.bound + 1):
        target = round_config(resolved.configs.get(loop.node) or {}, first, k) if round_config else first
        if target is None:  # nothing left to escalate to: no round k
            break
        rounds = k
        for nid in (*loop.body, loop.node):
            got = share(nid, target if nid == loop.target else None, first=False)
            total["credits"] += got.get("credits", 0.0)
            total["seconds"] += got.get("seconds", 0.0)
            if nid == loop.target and got.get("line"):
                said.append(f"round {k}: {got['line']}")
    head = (f"up to {rounds} round{'s' if rounds != 1 else ''} of the loop through node {loop.node!r}, an upper "
            "bound (it stops at a pass, or when a round does not improve)")
    return total, head + (": " + "; ".join(said) if said else "")
