"""Estimated cost (credits) and time of a job, per seed 001's credit calculation: a base
cost per job plus each node's share, which its type declares (`estimate` hook: dataset
size, model complexity x fits, preprocessing steps, plot costs)."""

from __future__ import annotations

from nodes.registry import node_types

BASE_CREDITS = 1.0
BASE_SECONDS = 0.5


def estimate(resolved, dataset_facts=None, reused=()) -> dict:
    """`reused`: the nodes the cache will serve (executor.cache), which cost nothing."""
    types = node_types()
    credits, seconds, lines = BASE_CREDITS, BASE_SECONDS, []
    # a node in a bounded loop may run once per round: counted that many times (at the first
    # round's settings; a round that escalates its search costs more)
    rounds = {nid: x.bound for x in resolved.graph.loops for nid in x.body}
    for nid in resolved.graph.order:
        nt = types.get(resolved.graph.nodes[nid].get("type"))
        if nt is None or nid not in resolved.configs or nid in reused:
            continue
        share = nt.estimate(resolved.configs[nid], resolved.upstream[nid], resolved.designs[nid])
        credits += share.get("credits", 0.0) * rounds.get(nid, 1)
        seconds += share.get("seconds", 0.0) * rounds.get(nid, 1)
        if share.get("line"):
            lines.append(share["line"])
    out = {"credits": round(credits, 1), "seconds": round(seconds, 1), "breakdown": lines}
    for x in resolved.graph.loops:
        lines.append(f"up to {x.bound} round{'s' if x.bound != 1 else ''} of the loop through node {x.node!r}: "
                     "its nodes counted once per round")
    if reused:
        out["reused"] = sorted(reused)
        lines.append(f"{len(reused)} node{'s' if len(reused) != 1 else ''} reused from earlier runs: no credits")
    return out
