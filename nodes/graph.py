"""The one graph module: a workflow's shape, its ports, the connection rules and the order
of its nodes. The store (what may be saved), the engine (what runs in which order) and the
API (which connection the canvas may draw) all ask here; the rules themselves come from the
node types' port declarations, nowhere else.

An edge is (source, source_port) -> (target, target_port). A port says which artifact types
it carries and whether it takes several edges. Ports left out of a saved edge are filled in
from the declarations (the only, or the first fitting, port).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter

from plugins.params import QUOTED_MAX, quoted

__all__ = ["quoted"]  # where the store, the app and the node types have always taken it from

GRAPH = "_workflow"  # the key of workflow-level errors
MAX_NODES, MAX_EDGES, MAX_TEXT, MAX_CONFIG_BYTES = 200, 1000, 2000, 64 * 1024
MAX_ID = QUOTED_MAX  # node ids, types, edge ends and ports; a message quotes no more of anything


class GraphError(ValueError):
    """A workflow's shape is wrong; the message is a sentence. `status` is the HTTP status
    an API answers with (400: malformed, 422: well-formed but not allowed)."""

    def __init__(self, message: str, status: int = 400, edge: dict | None = None):
        super().__init__(message)
        self.message, self.status, self.edge = message, status, edge


@dataclass(frozen=True)
class Edge:
    source: str
    source_port: str
    target: str
    target_port: str

    def to_json(self) -> dict:
        return {"source": self.source, "source_port": self.source_port, "target": self.target,
                "target_port": self.target_port}


@dataclass
class Graph:
    nodes: dict  # id -> node dict
    edges: list  # of Edge (connectable ones only)
    order: list  # topological order of node ids
    preds: dict  # id -> [Edge] coming in
    succs: dict  # id -> [Edge] going out
    errors: dict = field(default_factory=dict)  # node id (or GRAPH) -> [sentences]
    loops: list = field(default_factory=list)  # of Loop: the bounded loops (their edges are not in `edges`)


@dataclass(frozen=True)
class Loop:
    """A bounded loop: `edge` goes back up from the loop node (a Retrain) to `target` (a
    Model); `exit` is the edge from a failing port into the loop node. A round runs `body`
    again (the target and every node between it and the exit's source, in order); the loop
    node decides after each failed round, at most `bound` rounds in all."""

    edge: Edge
    node: str
    target: str
    exit: Edge
    body: tuple
    bound: int


# --------------------------------------------------------------------------- shape
def check_config(config: dict, node_id: str) -> None:
    """A config within the size and nesting limits, or GraphError."""
    def walk(value, depth=0):
        if depth > 10:
            raise GraphError(f"Node {quoted(node_id)}: its config is nested too deeply.")
        if isinstance(value, str) and len(value) > MAX_TEXT:
            raise GraphError(f"Node {quoted(node_id)}: a config text is {len(value):,} characters; the limit is {MAX_TEXT:,}.")
        if isinstance(value, dict):
            for k, v in value.items():
                walk(k, depth + 1)
                walk(v, depth + 1)
        elif isinstance(value, list):
            for v in value:
                walk(v, depth + 1)

    walk(config)
    size = len(json.dumps(config, default=str))
    if size > MAX_CONFIG_BYTES:
        raise GraphError(f"Node {quoted(node_id)}: its config is {size / 1024:.0f} KB; the limit is "
                         f"{MAX_CONFIG_BYTES // 1024} KB.")



UNSAFE_ID = frozenset("/\\?#%")  # characters an id cannot hold: they end or change an address


def normalize(graph) -> dict:
    """Shape check (not validity, which `parse` and the node types judge): lists of node
    objects with string ids and types, edges with string ends and optional ports, within
    limits. Raises GraphError with a sentence. A graph none of whose nodes has a position
    (one written by hand for the API) is laid out by depth (`layered_positions`): every save
    of a workflow (the API, an import, the store) comes through here."""
    if not isinstance(graph, Mapping):
        raise GraphError("A workflow graph must be an object with nodes and edges.")
    nodes, edges = graph.get("nodes", []), graph.get("edges", [])
    if not isinstance(nodes, list) or not isinstance(edges, list):
        raise GraphError("Nodes and edges must be lists.")
    if len(nodes) > MAX_NODES:
        raise GraphError(f"A workflow can hold at most {MAX_NODES} nodes; this one has {len(nodes):,}.")
    if len(edges) > MAX_EDGES:
        raise GraphError(f"A workflow can hold at most {MAX_EDGES} connections; this one has {len(edges):,}.")
    out_nodes, seen = [], set()
    placed = any(isinstance(n, Mapping) and n.get("position") for n in nodes)
    for i, n in enumerate(nodes):
        if not isinstance(n, Mapping) or not isinstance(n.get("id"), str) or not n["id"].strip():
            raise GraphError(f"Node {i + 1} needs a string id.")
        if len(n["id"]) > MAX_ID:
            raise GraphError(f"Node {i + 1}: an id can be at most {MAX_ID} characters.")
        if any(c in UNSAFE_ID for c in n["id"]) or any(ord(c) < 32 or ord(c) == 127 for c in n["id"]):
            # an id names the node in addresses (its model's bundle, its inspector): 'rf/1' could
            # never be reached there (found by a new user's script)
            raise GraphError(f"Node {quoted(n['id'])}: an id cannot hold / \\ ? # % or control characters (it names "
                             "the node in the app's addresses); use letters, digits, - and _.")
        if not isinstance(n.get("type"), str) or not n["type"].strip():
            raise GraphError(f"Node {quoted(n['id'])} has no type: give it one (dataset, preprocessing, split, model, "
                             "evaluate …; GET /api/v1/node-types lists them).")
        if len(n["type"]) > MAX_ID:
            raise GraphError(f"Node {quoted(n['id'])}: a type can be at most {MAX_ID} characters.")
        if n["id"] in seen:
            raise GraphError(f"Two nodes share the id {quoted(n['id'])}.")
        seen.add(n["id"])
        pos = n.get("position") or {}
        if not isinstance(pos, Mapping):
            raise GraphError(f"Node {quoted(n['id'])}: position must be an object with x and y.")
        try:
            position = {"x": float(pos.get("x", 0)), "y": float(pos.get("y", 0))}
        except (TypeError, ValueError, OverflowError):
            raise GraphError(f"Node {quoted(n['id'])}: position x and y must be numbers.") from None
        if not all(math.isfinite(v) and abs(v) < 1e9 for v in position.values()):
            raise GraphError(f"Node {quoted(n['id'])}: position x and y must be numbers below a billion.")
        config = n.get("config") or {}
        if not isinstance(config, Mapping):
            raise GraphError(f"Node {quoted(n['id'])}: config must be an object.")
        check_config(dict(config), n["id"])
        node = {"id": n["id"], "type": n["type"], "position": position, "config": dict(config)}
        if isinstance(n.get("label"), str) and n["label"].strip():
            node["label"] = " ".join(n["label"].split())[:80]
        out_nodes.append(node)
    out_edges = []
    for i, e in enumerate(edges):
        if not isinstance(e, Mapping) or not isinstance(e.get("source"), str) or not isinstance(e.get("target"), str):
            raise GraphError("Every edge needs a source and a target node id.")
        for end in ("source", "target"):
            if len(e[end]) > MAX_ID:  # a node id is never longer, so no node is there
                raise GraphError(f"Edge {i + 1}: its {end} {quoted(e[end])} is {len(e[end]):,} characters; a node "
                                 f"id is at most {MAX_ID}.")
        edge = {"source": e["source"], "target": e["target"]}
        for k in ("source_port", "target_port"):
            if e.get(k) is not None:
                if not isinstance(e[k], str) or len(e[k]) > MAX_ID:
                    raise GraphError(f"Edge {i + 1}: its {k.replace('_', ' ')} must be a port name of at most "
                                     f"{MAX_ID} characters.")
                edge[k] = e[k]
        out_edges.append(edge)
    if out_nodes and not placed:
        for node, position in zip(out_nodes, layered_positions(out_nodes, out_edges)):
            node["position"] = position
    return {"nodes": out_nodes, "edges": out_edges}


# where a workflow sent without positions puts its nodes: the spacing the examples use
LAYOUT_TOP, LAYOUT_ROW, LAYOUT_COLUMN, LAYOUT_CENTRE = 40, 130, 240, 300


def layered_positions(nodes: list, edges: list) -> list:
    """Each node's canvas position (in the nodes' order) for a workflow that gives none (one
    written for the API by hand, where every node would stack at 0,0): a row per depth from
    the top, a node one row below the deepest node feeding it, siblings side by side around
    one centre line. An edge that closes a loop (a Retrain back to its Model) and one to an
    unknown node are not followed."""
    ids = [n["id"] for n in nodes]
    succs = {i: [] for i in ids}
    for e in edges:
        if e["source"] in succs and e["target"] in succs and e["source"] != e["target"]:
            succs[e["source"]].append(e["target"])
    fed = {t for ts in succs.values() for t in ts}
    # a depth-first walk from the roots (then from whatever a loop left unreached), in the
    # nodes' order: an edge back to a node on the walk's path closes a loop
    forward, state = {i: [] for i in ids}, {}
    for root in [i for i in ids if i not in fed] + ids:
        if root in state:
            continue
        state[root], stack = "open", [(root, iter(succs[root]))]
        while stack:
            nid, rest = stack[-1]
            nxt = next(rest, None)
            if nxt is None:
                state[nid] = "done"
                stack.pop()
            elif state.get(nxt) != "open":
                forward[nid].append(nxt)
                if nxt not in state:
                    state[nxt] = "open"
                    stack.append((nxt, iter(succs[nxt])))
    feeding = {i: [] for i in ids}
    for s, ts in forward.items():
        for t in ts:
            feeding[t].append(s)
    depth = dict.fromkeys(ids, 0)
    for nid in TopologicalSorter(feeding).static_order():
        depth[nid] = max((depth[s] + 1 for s in feeding[nid]), default=0)
    rows: dict = {}
    for nid in ids:
        rows.setdefault(depth[nid], []).append(nid)
    widest = max(len(r) for r in rows.values())
    centre = max(LAYOUT_CENTRE, LAYOUT_CENTRE / 2 + (widest - 1) * LAYOUT_COLUMN / 2)
    column, where = {}, {}
    for d in sorted(rows):
        # under their parents' columns as far as the row's order goes (ties: the nodes' order)
        row = sorted(rows[d], key=lambda t: sum(column[s] for s in feeding[t]) / max(len(feeding[t]), 1))
        for k, nid in enumerate(row):
            column[nid] = k
            where[nid] = {"x": float(centre + (k - (len(row) - 1) / 2) * LAYOUT_COLUMN),
                          "y": float(LAYOUT_TOP + d * LAYOUT_ROW)}
    return [where[i] for i in ids]


UNREADABLE = "unreadable"  # the key of what a stored graph held that could not be read


def readable_graph(stored) -> dict:
    """A stored graph (its JSON text, or already parsed) as pages can draw it, whatever a
    row holds (one written before the store checked graphs, or by hand): an object with a
    list of nodes, each an object with a text id, and a list of edges, each an object. What
    is left out is said, in sentences under UNREADABLE, which `parse` reports as the
    workflow's errors. Configs are left as they are: the node types judge them (readable)."""
    said = []
    if isinstance(stored, (str, bytes)):
        try:
            stored = json.loads(stored)
        except ValueError:
            stored = None
            said.append("The stored workflow is not JSON, so none of it can be shown.")
    if not isinstance(stored, Mapping):
        if not said:
            said.append("The stored workflow is not an object with nodes and edges, so none of it can be shown.")
        stored = {}
    out = dict(stored)
    nodes, edges = stored.get("nodes", []), stored.get("edges", [])
    if not isinstance(nodes, list):
        said.append("The stored workflow's nodes are not a list, so none of them can be shown.")
        nodes = []
    if not isinstance(edges, list):
        said.append("The stored workflow's connections are not a list, so none of them can be shown.")
        edges = []
    out["nodes"] = []
    for i, n in enumerate(nodes):
        if isinstance(n, Mapping) and isinstance(n.get("id"), str) and n["id"]:
            n = dict(n)
            if not isinstance(n.get("label"), (str, type(None))):
                n.pop("label")
            out["nodes"].append(n)
        else:
            said.append(f"Stored node {i + 1} has no id, so it cannot be shown.")
    out["edges"] = [e for e in edges if isinstance(e, Mapping) and all(isinstance(e.get(k), str) for k in (
        "source", "target")) and all(isinstance(e.get(k), (str, type(None))) for k in ("source_port", "target_port"))]
    if len(out["edges"]) < len(edges):
        lost = len(edges) - len(out["edges"])
        said.append(f"{lost} stored connection{'s are' if lost > 1 else ' is'} not an object with a source and "
                    f"a target (and ports) named in text, so {'they are' if lost > 1 else 'it is'} not shown.")
    if said:
        out[UNREADABLE] = said
    else:
        out.pop(UNREADABLE, None)
    return out


def unstorable(graph: Mapping, before: Mapping | None = None, types=None) -> dict:
    """{node id: {field: sentence}} for each node whose config its type's declaration rules
    out whatever the workflow around it (NodeType.shape: the wrong type, out of
    range, not finite, a list or object of the wrong shape): what the store refuses to
    write. A node whose type and config are as in `before` (the stored graph) is not judged
    again: keeping what is stored writes nothing new, and pages render it with its problems
    as errors on the node. A node of an unknown type is the validation's to report."""
    types = types or _types()

    def nodes_of(g):
        found = g.get("nodes") if isinstance(g, Mapping) else None
        return [n for n in found or [] if isinstance(n, Mapping) and isinstance(n.get("id"), str)] \
            if isinstance(found, list) else []

    kept = {n["id"]: (n.get("type"), n.get("config")) for n in nodes_of(before)}
    out = {}
    for n in nodes_of(graph):
        nt = types.get(n.get("type"))
        if nt is None or kept.get(n["id"]) == (n.get("type"), n.get("config")):
            continue
        problems = nt.shape(n.get("config") or {})
        if problems:
            out[n["id"]] = problems
    return out


def unstorable_sentence(problems: dict, graph: Mapping, types=None) -> str:
    """What `unstorable` found, as one sentence: the first node by name with (at most three
    of) its problems, and how many other nodes have some."""
    node_id, found = next(iter(problems.items()))
    node = next((n for n in graph.get("nodes") or [] if isinstance(n, Mapping) and n.get("id") == node_id), {})
    messages = list(found.values())
    text = " ".join(messages[:3]) + (f" And {len(messages) - 3} more." if len(messages) > 3 else "")
    others = len(problems) - 1
    more = f" {others} other node{'s' if others > 1 else ''} cannot be saved either." if others else ""
    return f"{node_name(node, types)} {quoted(node_id)} cannot be saved: {text}{more}"


def read_workflow(doc, *, required: bool = True) -> tuple[str | None, dict | None]:
    """A workflow document as (name, graph), whichever of its two shapes it has: what
    `GET /api/v1/workflows/{id}` returns and the editor exports (the graph under "graph",
    beside its id, name and times), or nodes and edges at the top (the examples, older
    files). The one reader of workflow files and bodies: the CLI, the import and the API's
    create, replace and execute. The graph comes out shape-checked (`normalize`); anything
    else is refused with a GraphError whose message is a sentence. A document with no graph
    at all is refused too, unless not `required` (an API body that only names or renames):
    then the graph is None. The name is None when the document has none."""
    if not isinstance(doc, Mapping):
        raise GraphError("A workflow must be a JSON object: its nodes and edges, or a graph holding them.")
    nested, flat = "graph" in doc, "nodes" in doc or "edges" in doc
    if nested and flat:
        raise GraphError("A workflow has its nodes and edges either at the top or under graph, not both.")
    graph = doc.get("graph") if nested else doc if flat else None
    if graph is None and (nested or required):
        saved = doc.get("workflow_id") or doc.get("id")
        if isinstance(saved, str) and not nested:  # a saved workflow named by its id (found by a new user's script)
            raise GraphError(f"This names a saved workflow ({quoted(saved[:80])}) but sends no nodes: run it with "
                             f"POST /api/v1/workflows/{{id}}/run, or send its nodes and edges.")
        raise GraphError("This is not a workflow: it has no nodes (at the top, or under graph as "
                         "GET /api/v1/workflows/{id} returns them).")
    if graph is not None and not isinstance(graph, Mapping):
        raise GraphError("A workflow's graph must be an object with nodes and edges.")
    if graph is not None and "nodes" not in graph:
        raise GraphError("A workflow needs a list of nodes (an empty list for a blank canvas).")
    name = doc["name"] if "name" in doc else (graph or {}).get("name")
    if name is not None and not isinstance(name, str):
        raise GraphError("A workflow's name must be text.")
    return name, normalize(graph) if graph is not None else None


# --------------------------------------------------------------------------- ports
def _types():
    from nodes.registry import node_types

    return node_types()


def node_name(node: Mapping, node_types: Mapping | None = None) -> str:
    """A node as the user knows it: their label, else its type's, else its type id."""
    nt = (node_types if node_types is not None else _types()).get(node.get("type"))
    return node.get("label") or (nt.label if nt else str(node.get("type") or node.get("id")))


def told_apart(names: Mapping) -> dict:
    """Node names ({id: name}) with the id after each name two nodes share ("Model (m2)"):
    with two Model nodes, "connected Train/Test Split → Model" and "Model settings" did not say
    which (Compare, the undo history)."""
    counts: dict = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1
    return {nid: f"{name} ({nid})" if counts[name] > 1 else name for nid, name in names.items()}


def node_names(graph: Mapping, node_types: Mapping | None = None) -> dict:
    types = node_types if node_types is not None else _types()
    return {n["id"]: node_name(n, types) for n in graph.get("nodes") or []}


def fill_ports(edge: Mapping, source_type, target_type) -> tuple[str | None, str | None, str | None]:
    """The edge's ports, filled from the declarations where it names none, and why it
    cannot connect (None when it can)."""
    if source_type is None or target_type is None:
        return edge.get("source_port"), edge.get("target_port"), None  # unknown types: said elsewhere
    outs = {p.name: p for p in source_type.outputs}
    ins = {p.name: p for p in target_type.inputs}
    if not outs:
        return None, None, f"{source_type.label} has no output."
    if not ins:
        return None, None, f"{target_type.label} takes no input: it cannot take {source_type.label}'s output."
    sp, tp = edge.get("source_port"), edge.get("target_port")
    if sp is not None and sp not in outs:
        return sp, tp, f"{source_type.label} has no output {quoted(sp)}."
    if tp is not None and tp not in ins:
        return sp, tp, f"{target_type.label} has no input {quoted(tp)}."
    sources = [outs[sp]] if sp else list(outs.values())
    targets = [ins[tp]] if tp else list(ins.values())
    if not tp and any(not s.loop for s in sources):  # a loop input is for a loop edge only
        targets = [t for t in targets if not t.loop] or targets
    for s in sources:
        for t in targets:
            if set(s.types) & set(t.types) and s.loop == t.loop:
                return s.name, t.name, None
    produced = " or ".join(sorted({x for s in sources for x in s.types}))
    wanted = " or ".join(sorted({x for t in targets for x in t.types}))
    return (sources[0].name, targets[0].name,
            f"{target_type.label} cannot take {source_type.label}'s output ({produced}); it needs {wanted}.")


def connection_problem(nodes: Mapping, edge: Mapping, edges=(), types=None) -> str | None:
    """Why `edge` cannot be drawn between `nodes` (id -> node dict), given the `edges`
    already there, or None. What the canvas asks before it keeps an edge."""
    types = types or _types()
    s, t = edge.get("source"), edge.get("target")
    if s not in nodes or t not in nodes:
        return "An edge refers to a node that is not in the workflow."
    if s == t:
        return SELF_LOOP
    st, tt = types.get(nodes[s].get("type")), types.get(nodes[t].get("type"))
    sp, tp, problem = fill_ports(edge, st, tt)
    if problem:
        return problem
    port = next((p for p in (tt.inputs if tt else ()) if p.name == tp), None)
    if port is not None and not port.multiple:
        # the edges listed before this one keep the port; one that cannot connect takes nothing
        edges = list(edges)
        earlier = next((edges[:i] for i, e in enumerate(edges) if e is edge), edges)
        taken = []
        for e in earlier:
            if e.get("target") != t or e.get("source") not in nodes:
                continue
            esp, etp, problem = fill_ports(e, types.get(nodes[e["source"]].get("type")), tt)
            if problem is None and etp == tp and (e.get("source"), esp) != (s, sp):
                taken.append(e)
        if taken:
            return one_edge(tt, port)
    return None


SELF_LOOP = "A node cannot be connected to itself."


def one_edge(node_type, port) -> str:
    return (f"{node_type.label}'s input {port.label or port.name} takes one connection; it already has one."
            + (f" {port.when_full}" if port.when_full else ""))


def connection_rules(types=None) -> dict:
    """The rule above as the canvas applies it while a connection is dragged (it cannot ask
    the server at every pointer move): for each output port ("type/port") and each input
    port, None or why they cannot connect; for each input port that takes one edge, the
    sentence; the self-loop sentence. The canvas holds no rule or sentence of its own."""
    types = types or _types()
    pairs = {f"{st.type}/{sp.name}": {f"{tt.type}/{tp.name}": fill_ports({"source_port": sp.name,
                                                                           "target_port": tp.name}, st, tt)[2]
                                      for tt in types.values() for tp in tt.inputs}
             for st in types.values() for sp in st.outputs}
    single = {f"{tt.type}/{tp.name}": one_edge(tt, tp) for tt in types.values() for tp in tt.inputs if not tp.multiple}
    return {"pairs": pairs, "one_edge": single, "self_loop": SELF_LOOP}


def missing_end(edge: Mapping, nodes: Mapping) -> str | None:
    """Why a connection names a node the workflow does not have (a renamed id in a file),
    said from its end that is there, or None. The canvas cannot draw it; its saves keep it
    (undrawn_edges), so it is removed only by asking (Remove on the workflow's panel)."""
    s, t = edge.get("source"), edge.get("target")
    if s in nodes and t in nodes:
        return None
    if s not in nodes and t not in nodes:
        what = f"A connection from node {quoted(s)} to node {quoted(t)} joins two nodes that do not exist"
    elif s not in nodes:
        what = f"The connection into {quoted(t)} comes from node {quoted(s)}, which does not exist"
    else:
        what = f"The connection from {quoted(s)} goes to node {quoted(t)}, which does not exist"
    return (f"{what}: the canvas cannot draw it, and keeps it. Correct the id in the workflow file, or remove it "
            "on the workflow's panel.")


def undrawn_edges(graph: Mapping, types=None) -> list:
    """The connections of a stored graph the canvas cannot draw, which its saves (which send
    what it drew) keep: one naming a node the graph does not have (missing_end), and one of a
    node of a type this app does not have (it has no ports to draw to)."""
    types = types or _types()
    nodes = {n.get("id"): n for n in graph.get("nodes") or [] if isinstance(n, Mapping)}
    return [e for e in graph.get("edges") or [] if isinstance(e, Mapping) and (
        missing_end(e, nodes) or any(nodes[x].get("type") not in types for x in (e.get("source"), e.get("target"))))]


# --------------------------------------------------------------------------- parse
def parse(workflow, types=None) -> Graph:
    """Structure, ports and order. Never raises on bad input: errors are collected per node
    (and under GRAPH for the workflow)."""
    types = types or _types()
    errors: dict = {}

    def add(key, message):
        errors.setdefault(key, [])
        if message not in errors[key]:
            errors[key].append(message)

    empty = Graph({}, [], [], {}, {}, errors)
    if not isinstance(workflow, Mapping):
        add(GRAPH, "A workflow must be a JSON object with nodes and edges.")
        return empty
    for message in workflow.get(UNREADABLE) or []:
        add(GRAPH, str(message))
    raw_nodes, raw_edges = workflow.get("nodes"), workflow.get("edges", [])
    if not isinstance(raw_nodes, list) or not isinstance(raw_edges, list):
        add(GRAPH, "A workflow needs a list of nodes and a list of edges.")
        return empty
    if not raw_nodes:
        add(GRAPH, "The workflow is empty: add a Dataset node to start.")
    nodes: dict = {}
    for i, n in enumerate(raw_nodes):
        if not isinstance(n, Mapping) or not isinstance(n.get("id"), str) or not n.get("id"):
            add(GRAPH, f"Node {i + 1} has no id.")
            continue
        nid = n["id"]
        if nid in nodes:
            add(GRAPH, f"Two nodes share the id {quoted(nid)}.")
            continue
        if n.get("type") not in types:
            add(nid, f"Unknown node type {quoted(n.get('type'))}.")
        if not isinstance(n.get("config", {}) or {}, Mapping):
            add(nid, "The node's config must be an object.")
        nodes[nid] = dict(n)
    preds = {nid: [] for nid in nodes}
    succs = {nid: [] for nid in nodes}
    edges, back, seen = [], [], set()
    for e in raw_edges:
        if not isinstance(e, Mapping) or not isinstance(e.get("source"), str) or not isinstance(e.get("target"), str):
            add(GRAPH, "Every edge needs a source and a target node id.")
            continue
        s, t = e["source"], e["target"]
        missing = missing_end(e, nodes)
        if missing:
            add(GRAPH, missing)
            continue
        if s == t:
            add(s, SELF_LOOP)
            continue
        st, tt = types.get(nodes[s].get("type")), types.get(nodes[t].get("type"))
        sp, tp, problem = fill_ports(e, st, tt)
        if problem:
            add(t if tt and tt.inputs else s, problem)
            continue
        edge = Edge(s, sp, t, tp)
        if edge in seen:
            continue
        seen.add(edge)
        if st is not None and any(p.name == sp and p.loop for p in st.outputs):
            back.append(edge)  # a loop edge: out of the order, judged below
            continue
        edges.append(edge)
        preds[t].append(edge)
        succs[s].append(edge)
    order = _order(nodes, preds, add)
    loops = _loops(nodes, preds, succs, back, order, types, add) if not any(
        CYCLE in m for ms in errors.values() for m in ms) else []
    if loops:
        order = _loop_order(order, loops, preds, {nid: i for i, nid in enumerate(nodes)})
    for nid, n in nodes.items():
        nt = types.get(n.get("type"))
        if nt is None:
            continue
        looped = any(x.edge.source == nid or x.edge.target == nid for x in loops)
        if not preds[nid] and not succs[nid] and not looped and len(nodes) > 1:
            add(nid, "This node is not connected to anything.")
        for port in nt.inputs:
            coming = [e for e in preds[nid] if e.target_port == port.name]
            if port.required and not coming:
                what = f" {port.label or port.name}" if len(nt.inputs) > 1 else ""
                add(nid, f"{nt.label} needs an input{what}: connect a node into it.")
            if len(coming) > 1 and not port.multiple:
                add(nid, f"{nt.label} takes one input; it has {len(coming)}.")
    for port in nt_loop_ports(nodes, types):
        nid, nt, p = port
        if not any(e.source == nid and e.source_port == p.name for e in back):
            add(nid, f"{nt.label} needs its {p.label or p.name} output connected back up to the node it runs again.")
    return Graph(nodes, edges, order, preds, succs, errors, loops)


def nt_loop_ports(nodes: dict, types) -> list:
    """(node id, its type, port) of every declared loop output of the workflow's nodes."""
    out = []
    for nid, n in nodes.items():
        nt = types.get(n.get("type"))
        out += [(nid, nt, p) for p in (nt.outputs if nt else ()) if p.loop]
    return out


CYCLE = "This node is part of a cycle; a workflow must flow one way."


def _reach(start: str, succs: dict) -> set:
    """`start` and every node below it along the edges in `succs`."""
    seen, stack = {start}, [start]
    while stack:
        for e in succs.get(stack.pop(), []):
            if e.target not in seen:
                seen.add(e.target)
                stack.append(e.target)
    return seen


def _sccs(nodes: dict, edges: list) -> list:
    """The strongly connected components (Tarjan, iterative) with more than one node."""
    out_edges = {nid: [] for nid in nodes}
    for e in edges:
        out_edges[e.source].append(e.target)
    index, low, on, stack, found, counter = {}, {}, set(), [], [], [0]
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(out_edges[root]))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(out_edges[w])))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = set()
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.add(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    found.append(comp)
    return found


def _loops(nodes: dict, preds: dict, succs: dict, back: list, order: list, types, add) -> list:
    """The loops the loop edges close, each proved to end: it leaves through a failing
    port into its loop node, goes back up to a node above that port, holds no other loop,
    and its loop node's config bounds its rounds. Any other loop edge is an error."""
    failing = {(nid, p.name) for nid, n in nodes.items() for p in getattr(types.get(n.get("type")), "outputs", ())
               if p.failing}
    where = " or ".join(sorted({f"{t.label}'s {p.label or p.name}" for t in types.values() for p in t.outputs
                                if p.failing})) or "a failing output"
    loops, bad = [], set()
    for edge in back:
        node, target = edge.source, edge.target
        nt = types[nodes[node]["type"]]
        exits = [e for e in preds[node] if (e.source, e.source_port) in failing]
        if not exits:
            add(node, f"A loop must leave through {where}: connect it into this {nt.label} node.")
            bad.add(node)
            continue
        below = _reach(target, succs)
        exit_ = next((e for e in exits if e.source in below), None)
        if exit_ is None:
            add(node, f"{nt.label}'s loop must go back up to a node above the {node_name(nodes[exits[0].source], types)} "
                      f"it leaves from; {node_name(nodes[target], types)} {quoted(target)} is not above it.")
            bad.add(node)
            continue
        bound = nt.loop.bound(nt.readable(nodes[node].get("config") or {})[0]) if nt.loop else None
        if not isinstance(bound, int) or isinstance(bound, bool) or bound < 1:
            add(node, f"A loop needs a bound: set {nt.label}'s maximum number of rounds.")
            bad.add(node)
            continue
        above = {nid for nid in nodes if exit_.source in _reach(nid, succs)}
        body = tuple(nid for nid in order if nid in below and nid in above)
        loops.append(Loop(edge, node, target, exit_, body, bound))
    # every cycle holds exactly one loop edge: the forward edges have none (checked above),
    # so a strongly connected part with two loop edges is the only way to break it
    kept = [x.edge for x in loops]
    for comp in _sccs(nodes, [e for es in preds.values() for e in es] + kept):
        inside = [x for x in loops if x.node in comp]
        if len(inside) > 1:
            for x in inside:
                add(x.node, f"Two loops overlap here ({', '.join(quoted(y.node) for y in inside)}); a loop may go "
                            "through one node that sends it back up.")
            loops = [x for x in loops if x not in inside]
    return loops


def _loop_order(order: list, loops: list, preds: dict, position: dict) -> list:
    """The order with each loop's nodes (its body, then its loop node) side by side, placed
    once everything they take from outside the loop is: a round runs them in one go. A node
    that does not need a loop runs before it: a second model beside a retrain loop waited
    "Waiting" for the loop's minute of rounds (found by a new user)."""
    unit = {nid: nid for nid in order}
    members = {}
    for x in loops:
        inner = [*x.body, x.node]
        for nid in inner:
            unit[nid] = x.node
        members[x.node] = inner
    deps = {u: set() for u in dict.fromkeys(unit.values())}
    for nid in order:
        for e in preds[nid]:
            if unit[e.source] != unit[nid]:
                deps[unit[nid]].add(unit[e.source])
    first = {u: min(position[n] for n in members.get(u, [u])) for u in deps}
    out, placed, pending = [], set(), sorted(deps, key=first.get)
    while pending:
        ready = [u for u in pending if deps[u] <= placed]
        u = next((u for u in ready if u not in members), ready[0] if ready else pending[0])
        pending.remove(u)
        placed.add(u)
        out.extend(members.get(u, [u]))
    return out


def _order(nodes: dict, preds: dict, add) -> list:
    """Topological order (the standard library's graphlib), ties in the order the nodes
    were listed; nodes on a cycle, or behind one, are left out with an error."""
    deps = {nid: {e.source for e in preds[nid]} for nid in nodes}
    try:
        order = list(TopologicalSorter(deps).static_order())
    except CycleError:  # place what can be placed; the rest is on or behind a cycle
        order, remaining = [], {nid: set(d) for nid, d in deps.items()}
        while True:
            ready = [nid for nid, d in remaining.items() if not d]
            if not ready:
                break
            for nid in ready:
                order.append(nid)
                del remaining[nid]
                for d in remaining.values():
                    d.discard(nid)
        for nid in remaining:
            add(nid, CYCLE)
    position = {nid: i for i, nid in enumerate(nodes)}
    return _stable(order, preds, position)


def _stable(order: list, preds: dict, position: dict) -> list:
    """The same topological order every time: among the nodes ready at once, the one listed
    first runs first (graphlib promises an order, not this one)."""
    placed, out = set(), []
    pending = sorted(order, key=position.get)
    while pending:
        for nid in pending:
            if all(e.source in placed for e in preds[nid]):
                out.append(nid)
                placed.add(nid)
                pending.remove(nid)
                break
        else:  # cannot happen for a valid order
            out.extend(pending)
            break
    return out


def with_ports(graph: Mapping, types=None) -> dict:
    """The graph with every edge's ports filled in from the declarations (where they can
    be): what the canvas draws."""
    types = types or _types()
    nodes = {n["id"]: n for n in graph.get("nodes", []) if isinstance(n, Mapping)}
    edges = []
    for e in graph.get("edges", []):
        s, t = nodes.get(e.get("source")), nodes.get(e.get("target"))
        if s is not None and t is not None:
            sp, tp, _ = fill_ports(e, types.get(s.get("type")), types.get(t.get("type")))
            e = {**e, "source_port": sp, "target_port": tp}
        edges.append(e)
    return {**graph, "edges": edges}


def downstream(graph: Graph, node_id: str) -> list:
    """Every node below `node_id`, nearest first."""
    out, queue = [], [e.target for e in graph.succs.get(node_id, [])]
    while queue:
        nid = queue.pop(0)
        if nid not in out:
            out.append(nid)
            queue.extend(e.target for e in graph.succs.get(nid, []))
    return out
