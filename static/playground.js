/* AutoML Playground: the canvas bridge.
 *
 * The server renders the page and embeds the workflow graph, the node types (ports and
 * their artifact types) and each node's state (summary, status, message) as JSON. This
 * file builds the X6 graph from it, saves every structural change to the server at once
 * (positions debounced), loads inspectors with htmx on selection, and drives Run / Cancel
 * with live status from the job's server-sent events.
 */
(function () {
  "use strict";
  const $ = (sel, root = document) => root.querySelector(sel);
  const boot = JSON.parse($("#playground-boot").textContent);
  // every request that changes something carries the page's CSRF token (web/security.py)
  const CSRF = ($('meta[name="csrf-token"]') || {}).content || "";
  const send = (url, opts = {}) => fetch(url, {
    ...opts, headers: { "X-CSRF-Token": CSRF, Accept: "application/json", ...(opts.headers || {}) },
  });
  const WID = boot.workflow_id;
  const TYPES = Object.fromEntries(boot.node_types.map((t) => [t.type, t]));
  const NODE_W = 232, NODE_H = 84;
  // two vocabularies, sent as data (nodes/base.py): a node's design state (not-configured,
  // configured, invalid) and, once a run touches it, its run status (queued ... cancelled)
  const STATUS_LABEL = { ...boot.labels.design, ...boot.labels.run };
  const shownStatus = (d) => d.status || d.state || "not-configured";
  const DONE = new Set(["completed", "cached"]);  // a node whose outputs the nodes below can take
  let saveTimer = null, saving = false, saveAgain = false, applyingServer = false;
  let job = null, source = null, lastSeq = 0;

  // ------------------------------------------------------------------ node look
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  X6.Shape.HTML.register({
    shape: "pg-node",
    width: NODE_W,
    height: NODE_H,
    effect: ["data"],
    html(cell) {
      const d = cell.getData() || {};
      const t = TYPES[d.type] || { label: d.type, icon: "?", colour: "#64748b" };
      const title = d.label || t.label; // the user's name for the node, else its type's
      const el = document.createElement("div");
      const status = shownStatus(d);
      el.className = "pg-node status-" + status;
      el.setAttribute("data-node-id", cell.id);
      el.setAttribute("data-node-type", d.type);
      el.setAttribute("data-status", status);
      el.style.setProperty("--accent", t.colour);
      el.title = d.message || STATUS_LABEL[status] || status;
      const pct = status === "running" && d.progress != null ? Math.round(d.progress * 100) : null;
      const warnings = d.warnings || [];
      const looped = Boolean(d.round && d.status);
      if (looped) el.classList.add("has-round");
      // a loop's later round trains another config than the saved one: the run's status says which
      const summary = (d.status && d.roundSummary) || d.summary || "";
      // the title has the head's whole width (one line for every type's label): the status,
      // the warnings and a loop's round sit in the node's foot, under the summary. Beside the
      // title they wrapped it, or themselves, onto a second line ("Train/Test Split" and
      // "Needs attention", a warning beside "Preprocessing"), found at 1366x768
      el.innerHTML =
        `<div class="pg-node-head"><span class="pg-node-icon" aria-hidden="true">${esc(t.icon)}</span>` +
        `<span class="pg-node-label" title="${esc(title)}">${esc(title)}</span></div>` +
        `<div class="pg-node-summary" title="${esc(summary)}">${sparkline(d.trials || [], d.trialsOf)}${esc(summary)}</div>` +
        `<div class="pg-node-foot">` +
        (warnings.length ? `<span class="pg-node-warn" data-warnings="${warnings.length}" title="${esc(warnings.join("\n"))}" ` +
          `aria-label="${warnings.length} warning${warnings.length > 1 ? "s" : ""}">⚠ ${warnings.length}</span>` : "") +
        (looped ? `<span class="pg-node-round" data-round="${d.round}" title="Round ${d.round} of ${d.rounds} of its retrain loop">round ${d.round}/${d.rounds}</span>` : "") +
        `<span class="pg-node-badge" aria-label="${esc(STATUS_LABEL[status] || status)}">${esc(pct != null ? pct + "%" : STATUS_LABEL[status] || status)}</span></div>` +
        `<div class="pg-node-progress"><i style="width:${pct != null ? pct : DONE.has(status) ? 100 : 0}%"></i></div>`;
      return el;
    },
  });

  // a port's name is written beside it, to its right and outside the node: above the port it
  // lay across an edge coming straight down into it
  function portGroups() {
    const circle = { r: 7, magnet: true, stroke: "#64748b", strokeWidth: 2, fill: "#fff" };
    const label = (dy) => ({ position: { name: "right", args: { x: 11, y: dy } }, markup: [{ tagName: "text", selector: "text" }] });
    return {
      in: { position: "absolute", attrs: { circle: { ...circle }, text: { fontSize: 11, fill: "#64748b" } }, label: label(-10) },
      out: { position: "absolute", attrs: { circle: { ...circle, fill: "#e2e8f0" }, text: { fontSize: 11, fill: "#64748b" } }, label: label(10) },
    };
  }
  // Where a port sits along its side, as a fraction of the node's width: the side's ports share
  // it evenly, except a loop input (a Model's Retrain), set off to the right. A Model's
  // Train/test input is then in the middle, under the one output of the Split above it, and
  // the edge between them runs straight down: it looped sideways into a port a quarter in.
  const LOOP_INPUT_AT = 0.82;
  function portSpots(group, ports) {
    const shared = group === "in" ? ports.filter((p) => !p.loop) : ports;
    return ports.map((p) => (shared.includes(p) ? (shared.indexOf(p) + 0.5) / shared.length : LOOP_INPUT_AT));
  }

  // the ports are the node type's declarations: one per declared input (top) and output
  // (bottom); a side with several ports names each. Port ids are "in:NAME" / "out:NAME".
  const portId = (side, name) => `${side}:${name}`;
  const portName = (id) => (id || "").split(":").slice(1).join(":");
  // an edge from a port declared `loop` (a Retrain back to its Model) goes back up: dashed,
  // always (nodes/graph.py keeps it out of the order and allows it only to close a bounded loop)
  const LOOP_ATTRS = { line: { stroke: "#db2777", strokeWidth: 2, strokeDasharray: "7 5", targetMarker: { name: "block", size: 6 } } };
  const PLAIN_ATTRS = { line: { stroke: "#94a3b8", strokeWidth: 2, targetMarker: { name: "block", size: 6 } } };
  function isLoopEdge(edge) {
    const cell = edge.getSourceCell();
    const t = cell && TYPES[cell.getData().type];
    const p = t && t.outputs.find((o) => o.name === portName(edge.getSourcePortId()));
    return Boolean(p && p.loop);
  }
  const edgeAttrs = (edge) => (isLoopEdge(edge) ? LOOP_ATTRS : PLAIN_ATTRS);
  // a loop edge goes back up: routed around the nodes, out of the bottom of its source and
  // into the top of the Model, not a curve drawn under both nodes. X6's manhattan router gave
  // up on most loops (the nodes around a Model leave it no grid path: "Unable to execute
  // manhattan algorithm, use orth instead" 2-4 times a page) and its fallback drew the edge
  // straight through Evaluate and the Gate (found by a new user). "pg-loop": down out of the
  // source, along a lane beside every node the edge passes, and into the target from above;
  // each horizontal run is moved clear of the nodes it would cross.
  const LOOP_GAP = 16;  // px between the edge and a node it passes
  X6.Graph.registerRouter("pg-loop", (vertices, args, view) => {
    const s = view.sourceAnchor, t = view.targetAnchor;
    if (!s || !t) return vertices;
    const source = view.cell.getSourceCell(), target = view.cell.getTargetCell();
    const boxes = view.graph.getNodes().map((n) => ({ n, b: n.getBBox() }));
    const across = (lo, hi) => boxes.filter(({ b }) => b.x + b.width > lo - 2 && b.x < hi + 2);
    // a segment (horizontal or vertical) through a node's box, its ends' own nodes where it meets them aside
    const hits = (a, z, skip) => boxes.filter(({ n, b }) => n !== skip
      && Math.max(a.x, z.x) > b.x - 1 && Math.min(a.x, z.x) < b.x + b.width + 1
      && Math.max(a.y, z.y) > b.y - 1 && Math.min(a.y, z.y) < b.y + b.height + 1).length;
    // the lane: left or right of every node whose height overlaps the band between the runs
    function lane(side, low, high) {
      const band = boxes.filter(({ b }) => b.y < high + LOOP_GAP && b.y + b.height > low - LOOP_GAP).map(({ b }) => b);
      return side < 0 ? Math.min(s.x, t.x, ...band.map((b) => b.x)) - LOOP_GAP * 1.5
        : Math.max(s.x, t.x, ...band.map((b) => b.x + b.width)) + LOOP_GAP * 1.5;
    }
    function route(side) {
      let out = s.y + LOOP_GAP, into = t.y - LOOP_GAP, x = lane(side, Math.min(out, into), Math.max(out, into));
      for (let i = 0; i < 4; i += 1) {
        // each run in the gap next to its port: half way to the nearest node it passes, at most LOOP_GAP
        const below = across(Math.min(s.x, x), Math.max(s.x, x)).filter(({ n, b }) => n !== source && b.y >= s.y - 1);
        const above = across(Math.min(t.x, x), Math.max(t.x, x)).filter(({ n, b }) => n !== target
          && b.y + b.height <= t.y + 1);
        out = s.y + Math.min(LOOP_GAP, ...below.map(({ b }) => (b.y - s.y) / 2));
        into = t.y - Math.min(LOOP_GAP, ...above.map(({ b }) => (t.y - b.y - b.height) / 2));
        x = lane(side, Math.min(out, into), Math.max(out, into));
      }
      const points = [{ x: s.x, y: out }, { x, y: out }, { x, y: into }, { x: t.x, y: into }];
      const path = [s, ...points, t];
      const crossed = path.slice(1).reduce((sum, z, i) => sum + hits(path[i], z, i === 0 ? source : i === path.length - 2
        ? target : null), 0);
      const length = Math.abs(x - s.x) + Math.abs(x - t.x) + Math.abs(out - into);
      return { points, score: crossed * 1e6 + length };
    }
    const left = route(-1), right = route(1);
    return (left.score <= right.score ? left : right).points;
  });
  const LOOP_ROUTE = { name: "pg-loop" };
  function styleEdge(edge) {
    edge.attr(edgeAttrs(edge));
    const loop = isLoopEdge(edge);
    if (loop) {
      edge.setRouter(LOOP_ROUTE);
      edge.setConnector({ name: "rounded", args: { radius: 10 } });
    }
    const view = graph.findViewByCell(edge);
    if (view) view.container.classList.toggle("pg-loop-edge", loop);
  }
  function portItems(t) {
    const side = (group, ports) => ports.map((p, i) => ({
      id: portId(group, p.name), group,
      args: { x: `${(portSpots(group, ports)[i] * 100).toFixed(2)}%`, y: group === "in" ? 0 : "100%" },
      attrs: {
        circle: { "data-port": p.name, "port-types": p.types.join(" "), title: `${p.label}: ${p.types.join(" or ")}` },
        text: { text: ports.length > 1 ? p.label : "" },
      },
    }));
    return [...side("in", t.inputs), ...side("out", t.outputs)];
  }

  // a node of a type this app does not have (a plugin removed, a file edited by hand): drawn
  // without ports, so that it can be seen, selected and deleted (it was not drawn at all)
  const UNKNOWN_TYPE = { inputs: [], outputs: [] };
  function nodeSpec(type, id, position, extra) {
    const t = TYPES[type] || UNKNOWN_TYPE;
    return {
      id, shape: "pg-node", x: position.x, y: position.y, width: NODE_W, height: NODE_H,
      data: { type, state: "not-configured", status: null, summary: "", config: {}, origin: id, ...(extra || {}) },
      ports: { groups: portGroups(), items: portItems(t) },
    };
  }

  function newId(type) {
    const used = new Set(graph.getNodes().map((n) => n.id));
    let i = 1;
    while (used.has(`${type}-${i}`)) i += 1;
    return `${type}-${i}`;
  }

  // ------------------------------------------------------------------ graph
  // An edge leaves its output port downwards and comes into its input port from above, as
  // the ports sit on the bottom and the top of a node, whatever the two nodes' places: X6's
  // smooth curve went sideways when the nodes were further apart across than down, so a
  // Gate's Pass edge ran along its bottom through the Fail port, and an edge to a node level
  // with or above its source was drawn under both nodes (found by a new user).
  // To a node below, the curve's handles reach no further down than the target port and no
  // higher than the source port, so the curve keeps between the two and only ever goes down:
  // with a reach of at least 36 px it overshot a target a few px below and came back up
  // into it, a loop beside the port (nodes stacked 110 px apart by "New workflow").
  X6.Graph.registerConnector("pg-down", (s, t) => {
    const dy = t.y - s.y;
    const reach = dy > 0 ? Math.min(dy, Math.max(36, Math.min(160, dy / 2)))
      : Math.max(36, Math.min(160, -dy / 2 + 48));
    return `M ${s.x} ${s.y} C ${s.x} ${s.y + reach} ${t.x} ${t.y - reach} ${t.x} ${t.y}`;
  }, true);

  const graph = new X6.Graph({
    container: $("#canvas"),
    autoResize: true,
    grid: { visible: true, size: 16, type: "dot", args: { color: "#cbd5e1" } },
    background: { color: "#f8fafc" },
    panning: { enabled: true, eventTypes: ["leftMouseDown"] },
    mousewheel: { enabled: true, modifiers: ["ctrl", "meta"], zoomAtMousePosition: true, minScale: 0.3, maxScale: 2 },
    connecting: {
      snap: { radius: 24 },
      allowBlank: false, allowLoop: false, allowNode: false, allowEdge: false, allowMulti: false,
      highlight: true,
      connector: { name: "pg-down" },
      connectionPoint: "anchor",
      createEdge() {
        return this.createEdge({ shape: "edge", zIndex: -1, attrs: { line: { stroke: "#94a3b8", strokeWidth: 2, targetMarker: { name: "block", size: 6 } } } });
      },
      validateMagnet({ magnet }) {
        return magnet.getAttribute("port-group") === "out";
      },
      validateConnection({ sourceCell, targetCell, sourceMagnet, targetMagnet }) {
        return canConnect(sourceCell, targetCell, sourceMagnet, targetMagnet).ok;
      },
    },
    highlighting: {
      magnetAvailable: { name: "stroke", args: { padding: 3, attrs: { stroke: "#22c55e", "stroke-width": 3 } } },
      magnetAdsorbed: { name: "stroke", args: { padding: 3, attrs: { stroke: "#16a34a", "stroke-width": 4 } } },
    },
  });

  // the rule and its sentences are the server's (nodes/graph.py connection_rules, sent in
  // boot.connections): which output port may feed which input port, and which input port
  // takes one edge
  const RULES = boot.connections;
  function canConnect(sourceCell, targetCell, sourceMagnet, targetMagnet) {
    if (!sourceCell || !targetCell || sourceCell === targetCell) return { ok: false, why: RULES.self_loop };
    if (!targetMagnet || targetMagnet.getAttribute("port-group") !== "in") return { ok: false, why: "Connect to an input port (top of a node)." };
    const st = TYPES[sourceCell.getData().type], tt = TYPES[targetCell.getData().type];
    const sp = st.outputs.find((p) => p.name === sourceMagnet.getAttribute("data-port")) || st.outputs[0];
    const tp = tt.inputs.find((p) => p.name === targetMagnet.getAttribute("data-port"));
    if (!sp || !tp) return { ok: false, why: "" };
    const why = (RULES.pairs[`${st.type}/${sp.name}`] || {})[`${tt.type}/${tp.name}`];
    if (why) return { ok: false, why };
    const single = RULES.one_edge[`${tt.type}/${tp.name}`];
    const incoming = (graph.getIncomingEdges(targetCell) || []).filter((e) => portName(e.getTargetPortId()) === tp.name);
    if (single && incoming.some((e) => e.getSourceCellId() && e.getSourceCellId() !== sourceCell.id)) {
      return { ok: false, why: single };
    }
    return { ok: true };
  }

  // Feedback while a connection is dragged: the input port under the pointer turns red when
  // the declarations forbid the connection (green when allowed: X6's magnetAvailable), and a
  // release there says why.
  let refusedPort = null;
  function portUnder(e) {
    const el = document.elementFromPoint(e.clientX, e.clientY);
    return el && el.closest && el.closest('[port-group="in"]');
  }
  function markRefused(port) {
    if (refusedPort && refusedPort !== port) refusedPort.classList.remove("pg-port-refused");
    refusedPort = port;
    if (port) port.classList.add("pg-port-refused");
  }
  function whyRefused(edge, e) {
    const port = portUnder(e);
    if (!port) return null;
    const target = graph.getCellById(port.closest("[data-cell-id]").getAttribute("data-cell-id"));
    const source = edge.getSourceCell();
    const magnet = source && source.id ? graph.findViewByCell(source).container.querySelector(
      `[port="${edge.getSourcePortId()}"]`) : null;
    const verdict = canConnect(source, target, magnet, port);
    return verdict.ok ? null : { port, why: verdict.why };
  }
  let pendingWhy = null;
  graph.on("edge:mousemove", ({ edge, e }) => {
    if (edge.getTargetCellId()) return;
    const refused = whyRefused(edge, e);
    markRefused(refused ? refused.port : null);
    pendingWhy = refused ? refused.why : null;
  });
  document.addEventListener("mouseup", () => {
    if (pendingWhy) toast(pendingWhy, "error");
    pendingWhy = null;
    markRefused(null);
  }, true);

  // Shift (or Ctrl / Cmd) + click adds a node to the selection; Shift + drag selects an area
  graph.use(new X6.Selection({ enabled: true, multiple: true, rubberband: true, modifiers: "shift", movable: true,
    showNodeSelectionBox: true, pointerEvents: "none", multipleSelectionModifiers: ["shift", "ctrl", "meta"] }));
  graph.use(new X6.Snapline({ enabled: true }));
  graph.use(new X6.Keyboard({ enabled: true, global: true }));
  graph.use(new X6.Clipboard({ enabled: true, useLocalStorage: true }));
  // smaller on a narrow canvas (1366x768): at 180x110 it covered the badges of the node at the
  // bottom right (found by two new users); see-through there until the pointer is on it (CSS)
  const narrow = $("#canvas").clientWidth < 1000;
  graph.use(new X6.MiniMap({ container: $("#minimap"), width: narrow ? 132 : 180, height: narrow ? 80 : 110, padding: 6 }));
  const selection = graph.getPlugin("selection");
  const clipboard = graph.getPlugin("clipboard");
  const keyboard = graph.getPlugin("keyboard");

  // ------------------------------------------------------------------ load
  // Paint a graph the server sent (the page's boot data, or the state an undo / redo
  // restored). While it is applied nothing is saved: it is already the stored one.
  function load(data, state, fit) {
    applyingServer = true;
    const cells = [];
    for (const n of data.nodes) {
      cells.push(graph.createNode(nodeSpec(n.type, n.id, n.position, { config: n.config || {}, label: n.label || null })));
    }
    graph.resetCells(cells);
    for (const e of data.edges) {
      const st = graph.getCellById(e.source) && TYPES[graph.getCellById(e.source).getData().type];
      const tt = graph.getCellById(e.target) && TYPES[graph.getCellById(e.target).getData().type];
      if (st && tt) {  // an edge of a node of an unknown type has no port to be drawn to
        const sp = e.source_port || (st.outputs[0] || {}).name, tp = e.target_port || (tt.inputs[0] || {}).name;
        styleEdge(graph.addEdge({ source: { cell: e.source, port: portId("out", sp) }, target: { cell: e.target, port: portId("in", tp) }, zIndex: -1,
          attrs: PLAIN_ATTRS }));
      }
    }
    applyState(state);
    applyingServer = false;
    if (fit && cells.length) openView();
  }

  // A workflow opened: where it was saved, at 100%, when every node is then in view; else fitted.
  // A tall one laid out in a column (Dataset … Gate, Deploy and Retrain) opened at 75% with its
  // last three nodes below the fold until the user found Map (found by a new user at 1366x768).
  function openView() {
    graph.zoomTo(1);
    graph.translate(0, 0);
    if (contentFits()) clearOfTools();  // moved down clear of the zoom buttons: still whole, or fitted
    if (!contentFits()) fitContent();
  }

  // Zoom to fit, never in beyond 100% and never out below MIN_FIT_SCALE: the smallest zoom a
  // node's text reads at (its 13 px title is 8 px there). Fitted with air around it where that
  // leaves the zoom at or above it, else with less air (FIT_TIGHT); a workflow too tall even so
  // is shown at that zoom from its top, readable, and scrolls (pan) for the rest.
  const MIN_FIT_SCALE = 0.6, FIT_AIR = 60, FIT_TIGHT = 16;
  function fitContent() {
    const c = graph.getContentArea(), w = graph.container.clientWidth, h = graph.container.clientHeight;
    const scale = (air) => Math.min((w - 2 * air) / c.width, (h - 2 * air) / c.height);
    const air = scale(FIT_AIR) >= MIN_FIT_SCALE ? FIT_AIR : FIT_TIGHT;
    graph.zoomToFit({ padding: air, maxScale: 1, minScale: MIN_FIT_SCALE });
    if (scale(air) < MIN_FIT_SCALE - 1e-6) {
      graph.positionContent("top");
      const t = graph.translate();
      graph.translate(t.tx, t.ty + 24); // a little air above the first node
    }
    clearOfTools();
  }
  // The zoom buttons float over the canvas's top left corner: a node fitted (or dropped) there
  // lay under them, its title hidden (found at 1366x768 and 1600x1000). Their box in graph
  // units, with a little air around it on screen.
  function toolsBox() {
    const el = $(".canvas-tools"), map = $("#minimap-toggle");
    if (!el || !el.offsetWidth) return null;
    // as wide as with its Map button, which shows once part of the workflow is out of view
    const hidden = map.hidden;
    map.hidden = false;
    const r = el.getBoundingClientRect(), air = 6;
    map.hidden = hidden;
    const a = graph.clientToLocal(r.left - air, r.top - air), b = graph.clientToLocal(r.right + air, r.bottom + air);
    return { x: a.x, y: a.y, width: b.x - a.x, height: b.y - a.y };
  }
  function overlaps(a, b) {
    return a.x < b.x + b.width && a.x + a.width > b.x && a.y < b.y + b.height && a.y + a.height > b.y;
  }
  // the view moved down just far enough that no node lies under the zoom buttons
  function clearOfTools() {
    const tools = toolsBox();
    if (!tools) return;
    const under = graph.getNodes().map((n) => n.getBBox()).filter((b) => overlaps(b, tools));
    if (!under.length) return;
    const lack = tools.y + tools.height - Math.min(...under.map((b) => b.y));
    const t = graph.translate();
    graph.translate(t.tx, t.ty + lack * (graph.zoom() || 1));
  }

  function applyState(state) {
    if (!state || !state.nodes) return;
    for (const [id, s] of Object.entries(state.nodes)) {
      patchNode(id, (d) => {
        const next = { summary: s.summary, config: s.config || d.config, state: s.state };
        // a design change clears the last run's status; a live run keeps its own
        if (!job || !["running", "queued", "pending"].includes(d.status) || !job.active) {
          next.status = null;
          next.message = s.message;
        }
        return next;
      });
    }
  }

  // what the server or a run says about a node (not an edit: nothing is saved); returns the node
  function patchNode(id, patch) {
    const node = graph.getCellById(id);
    if (!node) return null;
    const was = applyingServer;
    applyingServer = true;
    const d = node.getData() || {};
    node.setData({ ...d, ...(typeof patch === "function" ? patch(d) : patch) }, { overwrite: true });
    applyingServer = was;
    return node;
  }

  // a design-time verdict (nodes/base.py DESIGN_STATES): clears any run status shown
  function setNodeState(id, state, message) {
    patchNode(id, { state, status: null, message: message || "" });
  }

  function setNodeStatus(id, status, message, progress) {
    const node = patchNode(id, { status, message: message || "", progress: progress == null ? null : progress });
    if (!node) return;
    for (const edge of graph.getIncomingEdges(node) || []) {
      if (isLoopEdge(edge)) continue; // the way back up keeps its dashes
      edge.attr("line/strokeDasharray", status === "running" ? 6 : null);
      edge.attr("line/style/animation", status === "running" ? "pg-ants 0.6s linear infinite" : null);
      edge.attr("line/stroke", status === "running" ? "#4f46e5" : DONE.has(status) ? "#16a34a" : "#94a3b8");
    }
  }

  function setNodeWarnings(id, warnings) {
    patchNode(id, { warnings: [...warnings] });
  }

  function addNodeWarning(id, message) {
    const node = graph.getCellById(id);
    const list = ((node && node.getData().warnings) || []).filter((w) => w !== message);
    setNodeWarnings(id, [...list, message]);
  }

  // ------------------------------------------------------------------ saving
  function structure() {
    return {
      nodes: graph.getNodes().map((n) => {
        const d = n.getData() || {};
        const p = n.getPosition();
        return { id: n.id, type: d.type, position: { x: Math.round(p.x), y: Math.round(p.y) }, config: d.config || {},
          ...(d.label ? { label: d.label } : {}) };
      }),
      edges: graph.getEdges().filter((e) => e.getSourceCellId() && e.getTargetCellId())
        .map((e) => ({ source: e.getSourceCellId(), source_port: portName(e.getSourcePortId()) || null,
          target: e.getTargetCellId(), target_port: portName(e.getTargetPortId()) || null })),
    };
  }

  function setSaveState(text, kind) {
    const el = $("#save-state");
    if (el) { el.textContent = text; el.dataset.state = kind; }
  }

  function scheduleSave(delay) {
    if (applyingServer) return;
    clearTimeout(saveTimer);
    setSaveState("Saving…", "saving");
    saveTimer = setTimeout(save, delay == null ? 0 : delay);
  }

  // One save in flight at a time; a change made meanwhile saves again after it. The promise
  // resolves when the canvas as it is now is stored (undo waits for it: flushEdits).
  let savePromise = Promise.resolve();
  function save() {
    clearTimeout(saveTimer);
    saveTimer = null;
    if (saving) { saveAgain = true; return savePromise; }
    saving = true;
    savePromise = (async () => {
      try {
        do { saveAgain = false; await saveOnce(); } while (saveAgain);
      } finally { saving = false; }
    })();
    return savePromise;
  }

  async function saveOnce() {
    try {
      const r = await send(`/ui/workflows/${WID}/structure`, {
        method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify(structure()),
      });
      const body = await r.json();
      if (!r.ok) {
        setSaveState("Not saved", "error");
        toast(body.detail || "The change could not be saved.", "error");
        if (r.status === 422 && body.edge) removeEdge(body.edge);
        return;
      }
      setSaveState("Saved", "saved");
      applyState(body.state);
      setHistory(body.history);
      // the workflow overview (shown when no node is selected) follows every structural change
      if (!selectedId && document.querySelector('#inspector [data-inspector="workflow"]')) inspect(null);
    } catch (err) {
      setSaveState("Offline: not saved", "error");
    }
  }

  function removeEdge(spec) {
    for (const e of graph.getEdges()) {
      if (e.getSourceCellId() === spec.source && e.getTargetCellId() === spec.target &&
          (!spec.target_port || portName(e.getTargetPortId()) === spec.target_port)) e.remove();
    }
  }

  graph.on("node:added", ({ node }) => {
    const d = node.getData() || {};
    if (d.origin && d.origin !== node.id && !applyingServer) {
      // a pasted copy: its config travels with it
      node.setData({ ...d, origin: node.id }, { overwrite: true });
    }
    scheduleSave();
  });
  graph.on("node:removed", () => scheduleSave());
  const hint = $(".empty-hint");
  const updateHint = () => { if (hint) hint.hidden = graph.getNodes().length > 0; };
  graph.on("node:added", updateHint);
  graph.on("node:removed", updateHint);
  graph.on("edge:connected", ({ edge }) => {
    styleEdge(edge);
    scheduleSave();
  });
  graph.on("edge:removed", ({ edge }) => { if (edge.getTargetCellId()) scheduleSave(); });
  graph.on("node:moved", () => scheduleSave(400));

  // ------------------------------------------------------------------ selection -> inspector
  let selectedId = null;
  function inspect(id) {
    selectedId = id;
    const url = id ? `/ui/workflows/${WID}/nodes/${encodeURIComponent(id)}/inspector` : `/ui/workflows/${WID}/inspector`;
    fetchInto(url, "#inspector");
  }
  graph.on("node:click", ({ node }) => inspect(node.id));
  graph.on("blank:click", () => inspect(null));
  graph.on("node:removed", ({ node }) => { if (node.id === selectedId && !applyingServer) inspect(null); });
  document.body.addEventListener("pg-state", (e) => applyState(e.detail));
  // a config changed elsewhere (the results' "Use these parameters"): the open inspector follows
  document.body.addEventListener("pg-config-changed", (e) => { if (e.detail && e.detail.node_id === selectedId) inspect(selectedId); });

  // ------------------------------------------------------------------ palette (drag and drop)
  // the dragged proxy is a copy with a random id; the dropped node gets a readable one
  const dnd = new X6.Dnd({
    target: graph,
    // at (0, 0): Dnd adds the pointer's position, so the node lands centred under the pointer
    // at any zoom (the proxy's position added to it put it elsewhere when zoomed)
    getDropNode: (node) => graph.createNode(nodeSpec(node.getData().type, newId(node.getData().type), { x: 0, y: 0 })),
  });
  document.querySelectorAll("[data-node-type].palette-item").forEach((item) => {
    item.addEventListener("mousedown", (e) => {
      const type = item.dataset.nodeType;
      const node = graph.createNode(nodeSpec(type, newId(type), { x: 0, y: 0 }));
      dnd.start(node, e);
      paletteDrag(type);
    });
    item.addEventListener("keydown", (e) => {
      if (e.key !== "Enter" && e.key !== " ") return;
      e.preventDefault();
      addFromKeyboard(item.dataset.nodeType);
    });
  });

  // ------------------------------------------------------------------ commands
  function inField(e) {
    const t = e && e.target;
    return t && (t.closest("input, textarea, select, [contenteditable]") !== null);
  }
  function removeSelected() {
    const cells = selection.getSelectedCells();
    if (cells.length) graph.removeCells(cells);
  }
  // Pasted nodes get readable ids ("model-2", never a UUID a user would see in the run
  // log), keep their config and name, and the edges between them; X6's clipboard only holds
  // the copies (in localStorage, so a copy in one tab pastes in another).
  function paste() {
    if (clipboard.isEmpty({ useLocalStorage: true })) return;
    const source = clipboard.cells, ids = {}, added = [];
    graph.startBatch("paste");
    for (const c of source.filter((x) => x.isNode())) {
      const d = c.getData() || {};
      if (!TYPES[d.type]) continue;
      const id = ids[c.id] = newId(d.type), p = c.getPosition();
      added.push(graph.addNode(nodeSpec(d.type, id, { x: p.x + 32, y: p.y + 32 },
        { config: d.config || {}, label: d.label || null, origin: id })));
    }
    for (const e of source.filter((x) => x.isEdge())) {
      const s = ids[e.getSourceCellId()], t = ids[e.getTargetCellId()];
      if (s && t) graph.addEdge({ source: { cell: s, port: e.getSourcePortId() }, target: { cell: t, port: e.getTargetPortId() },
        zIndex: -1, attrs: { line: { stroke: "#94a3b8", strokeWidth: 2, targetMarker: { name: "block", size: 6 } } } });
    }
    graph.stopBatch("paste");
    source.forEach((c) => c.isNode() && c.translate(32, 32)); // the next paste lands further on
    selection.clean();
    selection.select(added);
    reveal(added);
  }
  // ------------------------------------------------------------------ undo / redo
  // The history is the server's (data/store.py): canvas and inspector edits, the API and the
  // results' "use these parameters" in one list that survives a reload. Before a step is
  // asked for, every edit already made is stored (a pending canvas save, an inspector or
  // name post still in flight): otherwise the undo could race the save it should undo.
  // htmx posts in flight, by request (a set: htmx may report the end of one request twice)
  const editsInFlight = new Set();
  let editsWaiting = [];
  const isEdit = (e) => e.detail.requestConfig && e.detail.requestConfig.verb !== "get";
  document.body.addEventListener("htmx:beforeSend", (e) => { if (isEdit(e)) editsInFlight.add(e.detail.xhr); });
  document.body.addEventListener("htmx:afterRequest", (e) => {
    editsInFlight.delete(e.detail.xhr);
    if (!editsInFlight.size) { editsWaiting.forEach((f) => f()); editsWaiting = []; }
  });
  async function flushEdits() {
    if (saveTimer || saving) await save();
    // a request htmx never reports back must not block undo for ever
    if (editsInFlight.size) await new Promise((resolve) => { editsWaiting.push(resolve); setTimeout(resolve, 10000); });
  }

  function setHistory(h) {
    if (!h) return;
    const undo = $("#undo-button"), redo = $("#redo-button");
    undo.disabled = !h.can_undo;
    redo.disabled = !h.can_redo;
    undo.title = h.undo ? `Undo: ${h.undo} (Ctrl Z)` : "Undo (Ctrl Z)";
    redo.title = h.redo ? `Redo: ${h.redo} (Ctrl Shift Z)` : "Redo (Ctrl Shift Z)";
  }
  document.body.addEventListener("pg-history", (e) => setHistory(e.detail));

  // steps run one after the other: three quick Ctrl+Z are three undos, in order
  let historyChain = Promise.resolve();
  function historyStep(kind) {
    historyChain = historyChain.then(() => runHistoryStep(kind)).catch(() => {
      toast(`The ${kind} could not reach the server.`, "error");
    });
    return historyChain;
  }
  async function runHistoryStep(kind) {
    await flushEdits();
    const r = await send(`/ui/workflows/${WID}/${kind}`, { method: "POST" });
    const body = await r.json();
    setHistory(body.history);
    if (!r.ok) { toast(body.detail || `The ${kind} failed.`, "error"); return; }
    const keep = selection.getSelectedCells().map((c) => c.id);
    load(body.graph, body.state, false);
    selection.select(keep.map((id) => graph.getCellById(id)).filter(Boolean));
    const name = $('.toolbar-name input[name="name"]');
    if (name && name.value !== body.name) name.value = body.name;
    setSaveState("Saved", "saved");
    // the open inspector shows the restored config (the overview if its node is gone)
    inspect(selectedId && graph.getCellById(selectedId) ? selectedId : null);
    // one toast for the history: quick steps replace it rather than pile up
    document.querySelectorAll("#toasts [data-history-toast]").forEach((el) => el.remove());
    toast(body.message).dataset.historyToast = "";
  }

  const commands = {
    undo: () => historyStep("undo"),
    redo: () => historyStep("redo"),
    fit: () => fitContent(),
    "zoom-in": () => graph.zoom(0.1),
    "zoom-out": () => graph.zoom(-0.1),
    minimap: () => toggleMinimap(),
    delete: removeSelected,
    copy: () => clipboard.copy(selection.getSelectedCells()),
    paste,
  };
  keyboard.bindKey(["backspace", "delete"], (e) => { if (!inField(e)) { removeSelected(); return false; } });
  keyboard.bindKey(["meta+z", "ctrl+z"], (e) => { if (!inField(e)) { commands.undo(); return false; } });
  keyboard.bindKey(["meta+shift+z", "ctrl+shift+z", "ctrl+y"], (e) => { if (!inField(e)) { commands.redo(); return false; } });
  keyboard.bindKey(["meta+c", "ctrl+c"], (e) => { if (!inField(e)) { commands.copy(); return false; } });
  keyboard.bindKey(["meta+v", "ctrl+v"], (e) => { if (!inField(e)) { paste(); return false; } });
  keyboard.bindKey(["meta+a", "ctrl+a"], (e) => { if (!inField(e)) { selection.select(graph.getNodes()); return false; } });
  keyboard.bindKey(["shift+1", "f"], (e) => { if (!inField(e)) { commands.fit(); return false; } });
  keyboard.bindKey(["meta+enter", "ctrl+enter"], () => { run(); return false; });
  document.querySelectorAll("[data-command]").forEach((b) => b.addEventListener("click", () => commands[b.dataset.command]()));
  setHistory(boot.history);

  // context menu: delete / duplicate on a node
  const menu = $("#context-menu");
  graph.on("node:contextmenu", ({ e, node }) => {
    e.preventDefault();
    if (!selection.isSelected(node)) { selection.clean(); selection.select(node); }
    menu.hidden = false;
    menu.style.left = e.clientX + "px";
    menu.style.top = e.clientY + "px";
  });
  document.addEventListener("click", () => { menu.hidden = true; });
  menu.addEventListener("click", (e) => {
    const action = e.target.closest("[data-action]");
    if (!action) return;
    if (action.dataset.action === "delete") removeSelected();
    if (action.dataset.action === "duplicate") { commands.copy(); paste(); }
    if (action.dataset.action === "inspect") inspect(selection.getSelectedCells()[0].id);
    menu.hidden = true;
  });

  // ------------------------------------------------------------------ insert on an edge
  // A node dropped onto an edge (from the palette, or an unconnected node moved there) goes
  // into it: source -> node -> target, in one save, when its ports take what the edge
  // carries (the connecting rule: an input takes one of the types the output gives). The
  // edge is highlighted while the node hovers over it: indigo when it fits, red when not.
  const EDGE_ATTRS = { line: { stroke: "#94a3b8", strokeWidth: 2, targetMarker: { name: "block", size: 6 } } };
  const nodeName = (n) => `${(n.getData() || {}).label || (TYPES[(n.getData() || {}).type] || {}).label} (${n.id})`;

  function insertFit(type, edge) {
    const t = TYPES[type], s = edge.getSourceCell(), g = edge.getTargetCell();
    if (!t || !s || !g) return { ok: false, why: "" };
    const st = TYPES[s.getData().type], tt = TYPES[g.getData().type];
    const sp = st.outputs.find((p) => p.name === portName(edge.getSourcePortId())) || st.outputs[0];
    const tp = tt.inputs.find((p) => p.name === portName(edge.getTargetPortId())) || tt.inputs[0];
    const fits = (o, i) => ((RULES.pairs[o] || {})[i] === null);
    const ip = t.inputs.find((p) => fits(`${st.type}/${sp.name}`, `${type}/${p.name}`));
    const op = t.outputs.find((p) => fits(`${type}/${p.name}`, `${tt.type}/${tp.name}`));
    if (ip && op) return { ok: true, ip, op };
    // the server's sentence for the side that does not fit (nodes/graph.py)
    const why = ip ? (t.outputs.length ? RULES.pairs[`${type}/${t.outputs[0].name}`][`${tt.type}/${tp.name}`] : "")
      : (t.inputs.length ? RULES.pairs[`${st.type}/${sp.name}`][`${type}/${t.inputs[0].name}`] : "");
    return { ok: false, why: `${t.label} cannot go between ${st.label} and ${tt.label}: ${why}` };
  }

  // the edge whose drawn path passes through the box (graph coordinates), if any
  function edgeUnder(box, skipId) {
    const inside = (p) => p && p.x >= box.x && p.x <= box.x + box.width && p.y >= box.y && p.y <= box.y + box.height;
    for (const edge of graph.getEdges()) {
      if (!edge.getSourceCellId() || !edge.getTargetCellId()) continue;
      if (skipId && (edge.getSourceCellId() === skipId || edge.getTargetCellId() === skipId)) continue;
      const view = graph.findViewByCell(edge);
      if (!view || !view.path) continue;
      for (let i = 1; i < 24; i += 1) if (inside(view.getPointAtRatio(i / 24))) return edge;
    }
    return null;
  }

  let dropHint = null;
  function hintEdge(edge, fits) {
    if (dropHint && dropHint !== edge) {
      const old = graph.findViewByCell(dropHint);
      if (old) old.container.classList.remove("pg-edge-drop", "pg-edge-refused");
    }
    dropHint = edge;
    const view = edge && graph.findViewByCell(edge);
    if (!view) return;
    view.container.classList.toggle("pg-edge-drop", fits);
    view.container.classList.toggle("pg-edge-refused", !fits);
  }

  function hoverEdge(type, box, skipId) {
    const edge = edgeUnder(box, skipId);
    hintEdge(edge, edge ? insertFit(type, edge).ok : false);
  }

  function insertIntoEdge(node) {
    hintEdge(null);
    if ((graph.getConnectedEdges(node) || []).length) return false; // a connected node stays as it is
    const edge = edgeUnder(node.getBBox(), node.id);
    if (!edge) return false;
    const fit = insertFit(node.getData().type, edge);
    if (!fit.ok) { toast(fit.why, "error"); clearOf(node); return false; }
    const source = edge.getSource(), target = edge.getTarget();
    graph.startBatch("insert");
    edge.remove();
    graph.addEdge({ source, target: { cell: node.id, port: portId("in", fit.ip.name) }, zIndex: -1, attrs: EDGE_ATTRS });
    graph.addEdge({ source: { cell: node.id, port: portId("out", fit.op.name) }, target, zIndex: -1, attrs: EDGE_ATTRS });
    makeRoom(node, graph.getCellById(source.cell), graph.getCellById(target.cell));
    graph.stopBatch("insert");
    reveal([node]);
    scheduleSave(); // the node's own save and this one are the same PUT (scheduleSave debounces)
    announce(`${nodeName(node)} inserted between ${nodeName(graph.getCellById(source.cell))} and ${nodeName(graph.getCellById(target.cell))}.`);
    return true;
  }

  // A node left where a refused insertion dropped it lay over the node it was dropped on: it
  // moves right, past whatever it covers, to the first free spot (found by a new user).
  function clearOf(node) {
    for (let i = 0; i < 50; i += 1) {
      const box = node.getBBox();
      const under = graph.getNodes().filter((n) => n !== node && n.getBBox().isIntersectWithRect(box));
      if (!under.length) break;
      const right = Math.max(...under.map((n) => { const b = n.getBBox(); return b.x + b.width; }));
      node.position(right + ROOM, box.y);
    }
    scheduleSave(); // where it went, not where it was dropped
  }

  // The inserted node is placed between its source and target, in line with the source along
  // the way the edge runs (down or across); where the two were too close for it (the
  // examples leave 46 px), the target and the nodes after it that lie beyond it move on by
  // what was missing, so nothing is drawn over another node. Nodes before the gap (a retrain
  // loop's Model) stay.
  const ROOM = 40;
  function makeRoom(node, s, t) {
    if (!s || !t) return;
    const sb = s.getBBox(), tb = t.getBBox();
    const dy = tb.center.y - sb.center.y, dx = tb.center.x - sb.center.x;
    const down = Math.abs(dy) >= Math.abs(dx), sign = (down ? dy : dx) >= 0 ? 1 : -1;
    const size = down ? NODE_H : NODE_W;
    const start = down ? (sign > 0 ? sb.y + sb.height : sb.y) : (sign > 0 ? sb.x + sb.width : sb.x);
    const end = down ? (sign > 0 ? tb.y : tb.y + tb.height) : (sign > 0 ? tb.x : tb.x + tb.width);
    const lack = size + 2 * ROOM - (end - start) * sign;
    if (lack > 0) {
      const beyond = (n) => { const b = n.getBBox(); return ((down ? b.y : b.x) - (down ? tb.y : tb.x)) * sign >= 0; };
      const moved = new Set([node.id, s.id]), stack = [t];
      while (stack.length) {
        const n = stack.pop();
        if (moved.has(n.id) || !beyond(n)) continue;
        moved.add(n.id);
        n.translate(down ? 0 : lack * sign, down ? lack * sign : 0);
        for (const e of graph.getOutgoingEdges(n) || []) if (e.getTargetCell()) stack.push(e.getTargetCell());
      }
    }
    const at = start + sign * ROOM + (sign > 0 ? 0 : -size);
    node.position(down ? sb.x + (sb.width - NODE_W) / 2 : at, down ? at : sb.y + (sb.height - NODE_H) / 2);
  }

  // from the palette: the proxy is centred on the pointer, as the dropped node will be
  let dragType = null;
  function paletteDrag(type) { dragType = type; }
  document.addEventListener("mousemove", (e) => {
    if (!dragType) return;
    const r = $("#canvas").getBoundingClientRect();
    if (e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom) { hintEdge(null); return; }
    const p = graph.clientToLocal(e.clientX, e.clientY);
    hoverEdge(dragType, { x: p.x - NODE_W / 2, y: p.y - NODE_H / 2, width: NODE_W, height: NODE_H });
  });
  document.addEventListener("mouseup", () => { dragType = null; setTimeout(() => hintEdge(null), 0); });
  graph.on("node:added", ({ node, options }) => { if (options && options.stencil && !insertIntoEdge(node)) keepInView(node); });

  // A node dropped near an edge of the canvas lands centred under the pointer, so half of it
  // lay beyond the edge: dropped low, its output port was under the results panel (and its
  // resize handle), where it could not be seen or dragged from (found at 1366x768 and
  // 1600x1000). It moves in just far enough that the node and its ports are inside the view,
  // clear of the panel's edge; a node dropped inside stays exactly where it was dropped (and
  // so lies over no node it did not lie over).
  const PORT_R = 10;  // a port's circle and its stroke, beyond the node's box (graph units)
  // where a box (graph units) lies nearest to where it is with it and its ports inside the
  // view, clear of the panel's edge (too small a view: its top left)
  function inView(b) {
    const area = graph.getGraphArea(), z = graph.zoom() || 1, m = 12 / z;
    const left = area.x + m, right = area.x + area.width - m - b.width;
    const top = area.y + PORT_R + 4 / z, bottom = area.y + area.height - PORT_R - m - b.height;
    const at = { x: Math.max(left, Math.min(b.x, right)), y: Math.max(top, Math.min(b.y, bottom)) };
    // clear of the zoom buttons in the view's top left corner: below them, not under them
    const tools = toolsBox();
    if (tools && overlaps({ ...at, width: b.width, height: b.height }, tools)) {
      at.y = Math.max(at.y, tools.y + tools.height + PORT_R);
    }
    return at;
  }
  function keepInView(node) {
    const b = node.getBBox(), { x, y } = inView(b);
    if (Math.abs(x - b.x) > 0.5 || Math.abs(y - b.y) > 0.5) node.position(Math.round(x), Math.round(y));
  }
  // Nodes the editor placed itself (a paste lands 32 px on from the copied node; a node
  // inserted into an edge goes below its source) could land below the view, where the user did
  // not see them appear: the view pans just far enough that they are inside it. They keep
  // their place, chosen for the workflow's layout.
  function reveal(nodes) {
    if (!nodes.length) return;
    const boxes = nodes.map((n) => n.getBBox());
    const x0 = Math.min(...boxes.map((b) => b.x)), y0 = Math.min(...boxes.map((b) => b.y));
    const b = { x: x0, y: y0, width: Math.max(...boxes.map((c) => c.x + c.width)) - x0,
                height: Math.max(...boxes.map((c) => c.y + c.height)) - y0 };
    const at = inView(b), z = graph.zoom() || 1, t = graph.translate();
    if (Math.abs(at.x - b.x) > 0.5 || Math.abs(at.y - b.y) > 0.5) graph.translate(t.tx + (at.x - b.x) * z, t.ty + (at.y - b.y) * z);
  }
  // an existing node, moved on its own
  const movingAlone = (node) => selection.getSelectedCells().filter((c) => c.isNode() && c !== node).length === 0
    && !(graph.getConnectedEdges(node) || []).length;
  graph.on("node:moving", ({ node }) => { if (movingAlone(node)) hoverEdge(node.getData().type, node.getBBox(), node.id); });
  graph.on("node:moved", ({ node }) => { if (movingAlone(node)) insertIntoEdge(node); else hintEdge(null); });

  // ------------------------------------------------------------------ keyboard building
  // The palette adds with Enter; the canvas (focusable) selects nodes with the arrow keys in
  // reading order, opens the inspector with Enter, and connects with C through a menu of
  // the connections the declarations allow. Esc closes menus and comes back to the canvas.
  const canvasEl = $("#canvas"), connectMenu = $("#connect-menu");
  function announce(text) {
    const box = $("#canvas-status");
    if (box) box.textContent = text;
  }

  // a free place for a node added from the keyboard: below the selected node, else the first
  // gap in the view in reading order, else below everything; never on top of another node
  function freeSpot() {
    const GAP_X = 40, GAP_Y = 64, snap = (v) => Math.round(v / 16) * 16;
    const boxes = graph.getNodes().map((n) => n.getBBox());
    const free = (x, y) => !boxes.some((b) => x < b.x + b.width + GAP_X / 2 && x + NODE_W + GAP_X / 2 > b.x &&
      y < b.y + b.height + GAP_Y / 2 && y + NODE_H + GAP_Y / 2 > b.y);
    const chosen = selection.getSelectedCells().filter((c) => c.isNode());
    if (chosen.length === 1) {
      const b = chosen[0].getBBox();
      for (const dx of [0, NODE_W + GAP_X, -(NODE_W + GAP_X)]) {
        const x = snap(b.x + dx), y = snap(b.y + b.height + GAP_Y);
        if (free(x, y)) return { x, y };
      }
    }
    const area = graph.getGraphArea();
    // below the zoom buttons at the canvas's top left (56 px on screen, whatever the zoom)
    const top = area.y + Math.max(40, 56 / (graph.zoom() || 1));
    for (let y = top; y + NODE_H <= area.y + area.height - 20; y += NODE_H + GAP_Y) {
      for (let x = area.x + 40; x + NODE_W <= area.x + area.width - 20; x += NODE_W + GAP_X) {
        if (free(snap(x), snap(y))) return { x: snap(x), y: snap(y) };
      }
    }
    const bottom = boxes.length ? Math.max(...boxes.map((b) => b.y + b.height)) : area.y;
    return { x: snap(boxes.length ? Math.min(...boxes.map((b) => b.x)) : area.x + 40), y: snap(bottom + GAP_Y) };
  }

  function addFromKeyboard(type) {
    const node = graph.addNode(nodeSpec(type, newId(type), freeSpot()));
    selectNode(node);
    announce(`Added ${nodeName(node)}. Tab to the canvas to connect it or open its inspector.`);
  }

  function readingOrder() {
    const nodes = graph.getNodes().slice().sort((a, b) => a.getBBox().y - b.getBBox().y);
    const rows = [];
    for (const n of nodes) {
      const row = rows[rows.length - 1];
      if (row && n.getBBox().y - row[0].getBBox().y < NODE_H / 2) row.push(n);
      else rows.push([n]);
    }
    return rows.flatMap((r) => r.sort((a, b) => a.getBBox().x - b.getBBox().x));
  }

  function selectNode(node) {
    selection.clean();
    if (!node) return;
    selection.select(node);
    const area = graph.getGraphArea(), b = node.getBBox();
    if (b.x < area.x || b.y < area.y || b.x + b.width > area.x + area.width || b.y + b.height > area.y + area.height) {
      graph.centerCell(node);
    }
    const order = readingOrder();
    const d = node.getData() || {};
    announce(`${nodeName(node)}, ${STATUS_LABEL[shownStatus(d)] || shownStatus(d)}. Node ${order.indexOf(node) + 1} of ${order.length}.`);
  }

  const selectedNode = () => selection.getSelectedCells().filter((c) => c.isNode())[0] || null;

  canvasEl.addEventListener("focus", () => {
    // reached with Tab: show where the keys act (a click selects on its own)
    if (!selectedNode() && canvasEl.matches(":focus-visible")) selectNode(readingOrder()[0] || null);
  });
  canvasEl.addEventListener("keydown", (e) => {
    if (e.target !== canvasEl || e.ctrlKey || e.metaKey || e.altKey) return;
    const order = readingOrder(), current = selectedNode(), at = order.indexOf(current);
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
    if (step && order.length) {
      selectNode(order[at < 0 ? 0 : (at + step + order.length) % order.length]);
    } else if (e.key === "Home" || e.key === "End") {
      selectNode(order[e.key === "Home" ? 0 : order.length - 1] || null);
    } else if (e.key === "Enter" && current) {
      focusInspector = current.id;
      inspect(current.id);
    } else if ((e.key === "c" || e.key === "C") && current) {
      openConnectMenu(current);
    } else if (e.key === "Escape") {
      selection.clean();
    } else {
      return;
    }
    e.preventDefault();
  });

  // after Enter on a node, the inspector takes the focus; Esc in it goes back to the canvas
  let focusInspector = null, focusedField = null; // the node whose inspector takes the focus once loaded
  // every change re-renders the inspector: the field being used keeps the focus (htmx only
  // restores an element with an id; a radio of a list has none), found again by name and value
  document.body.addEventListener("htmx:beforeSwap", (e) => {
    const el = document.activeElement;
    focusedField = e.detail.target && e.detail.target.id === "inspector" && el && el !== document.body &&
      e.detail.target.contains(el) ? { id: el.id, name: el.getAttribute("name"), value: el.value, type: el.type } : null;
  });
  document.body.addEventListener("htmx:afterSettle", (e) => {
    if (!e.detail.target || e.detail.target.id !== "inspector") return;
    const box = $("#inspector");
    if (focusInspector && box.querySelector(`[data-node-id="${CSS.escape(focusInspector)}"]`)) {
      focusInspector = null;
      const first = box.querySelector("input:not([type=hidden]), select, textarea, button, [tabindex='0']");
      if (first) first.focus();
    } else if (focusedField && (document.activeElement === document.body || !document.activeElement)) {
      const f = focusedField, name = f.name && CSS.escape(f.name);
      const again = (f.id && document.getElementById(f.id)) ||
        (name && (f.type === "radio" || f.type === "checkbox") ? box.querySelector(`[name="${name}"][value="${CSS.escape(f.value)}"]`) : null) ||
        (name && box.querySelector(`[name="${name}"]:not([type=hidden])`));
      if (again && box.contains(again)) again.focus();
    }
    focusedField = null;
  });
  $("#inspector").addEventListener("keydown", (e) => {
    if (e.key !== "Escape" || e.target.closest("details[open]")) return;
    canvasEl.focus();
  });

  // every connection this node can make, out of it and into it, that is not there already
  // and closes no cycle; canConnect is the rule, asked with the ports' own elements
  function magnetOf(node, id) {
    const view = graph.findViewByCell(node);
    return view ? view.container.querySelector(`[port="${id}"]`) : null;
  }
  function reaches(from, to) {
    const seen = new Set(), stack = [from];
    while (stack.length) {
      const n = stack.pop();
      if (n.id === to.id) return true;
      if (seen.has(n.id)) continue;
      seen.add(n.id);
      for (const e of graph.getOutgoingEdges(n) || []) if (e.getTargetCell()) stack.push(e.getTargetCell());
    }
    return false;
  }
  function connectionsOf(node) {
    const options = [];
    const others = readingOrder().filter((n) => n !== node);
    for (const [src, dst] of [...others.map((o) => [node, o]), ...others.map((o) => [o, node])]) {
      const st = TYPES[src.getData().type], dt = TYPES[dst.getData().type];
      for (const sp of st.outputs) {
        for (const tp of dt.inputs) {
          const there = (graph.getOutgoingEdges(src) || []).some((e) => e.getTargetCellId() === dst.id &&
            portName(e.getTargetPortId()) === tp.name);
          // a loop edge goes back up by design (the server judges the loop it closes)
          if (there || (!sp.loop && reaches(dst, src))) continue;
          if (!canConnect(src, dst, magnetOf(src, portId("out", sp.name)), magnetOf(dst, portId("in", tp.name))).ok) continue;
          // the port is named where the node has several a plain edge may take, and for a loop input
          const port = tp.loop || dt.inputs.filter((p) => !p.loop).length > 1 ? ` (${tp.label})` : "";
          options.push({ src, dst, sp, tp,
            label: src === node ? `To ${nodeName(dst)}${port}` : `From ${nodeName(src)}${port}` });
        }
      }
    }
    return options;
  }

  function openConnectMenu(node) {
    const options = connectionsOf(node);
    if (!options.length) {
      const why = `${nodeName(node)} has no connection to make: no other node takes its output or gives what it takes.`;
      toast(why, "error");
      announce(why);
      return;
    }
    connectMenu.innerHTML = "";
    connectMenu.setAttribute("aria-label", `Connect ${nodeName(node)}`);
    const head = document.createElement("div");
    head.className = "connect-head";
    head.textContent = `Connect ${nodeName(node)}`;
    connectMenu.append(head);
    for (const o of options) {
      const b = document.createElement("button");
      b.type = "button";
      b.setAttribute("role", "menuitem");
      b.tabIndex = -1;
      b.textContent = o.label;
      b.addEventListener("click", () => {
        graph.addEdge({ source: { cell: o.src.id, port: portId("out", o.sp.name) },
          target: { cell: o.dst.id, port: portId("in", o.tp.name) }, zIndex: -1, attrs: EDGE_ATTRS });
        scheduleSave();
        closeConnectMenu();
        announce(`Connected ${nodeName(o.src)} to ${nodeName(o.dst)}.`);
      });
      connectMenu.append(b);
    }
    const b = node.getBBox(), p = graph.localToClient(b.x, b.y + b.height);
    connectMenu.hidden = false;
    const w = connectMenu.offsetWidth, h = connectMenu.offsetHeight;
    connectMenu.style.left = `${Math.max(8, Math.min(p.x, window.innerWidth - w - 8))}px`;
    connectMenu.style.top = `${Math.max(8, Math.min(p.y + 6, window.innerHeight - h - 8))}px`;
    connectMenu.querySelector("[role=menuitem]").focus();
  }
  function closeConnectMenu(back = true) {
    if (connectMenu.hidden) return;
    connectMenu.hidden = true;
    if (back) canvasEl.focus();
  }
  connectMenu.addEventListener("keydown", (e) => {
    const items = [...connectMenu.querySelectorAll("[role=menuitem]")], at = items.indexOf(document.activeElement);
    const to = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 }[e.key];
    if (to != null) { items[(to + items.length) % items.length].focus(); e.preventDefault(); }
    else if (e.key === "Escape") { closeConnectMenu(); e.preventDefault(); e.stopPropagation(); }
    else if (e.key === "Tab") { closeConnectMenu(); e.preventDefault(); }
  });
  connectMenu.addEventListener("focusout", (e) => { if (!connectMenu.contains(e.relatedTarget)) closeConnectMenu(false); });

  // ------------------------------------------------------------------ toolbar menus, minimap
  // The toolbar's menus (shortcuts, templates) close on Esc and on a click outside; "?"
  // opens the shortcuts from anywhere but a field.
  const menus = () => [...document.querySelectorAll("details.menu[open]")];
  document.addEventListener("click", (e) => { for (const m of menus()) if (!m.contains(e.target)) m.open = false; });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      for (const m of menus()) { m.open = false; if (m.contains(document.activeElement)) m.querySelector("summary").focus(); }
      return;
    }
    if (e.key === "?" && !inField(e) && !e.ctrlKey && !e.metaKey) {
      const help = $("#shortcuts");
      help.open = !help.open;
      if (help.open) help.querySelector("summary").focus();
      e.preventDefault();
    }
  });

  // The minimap only when part of the workflow is out of view (when everything fits there is
  // nothing to find). X6's minimap (without a scroller) fits the workflow alone, so the view's
  // rectangle, larger than the workflow in one direction, ran off the map and showed as a
  // stray line: the map is fitted to the workflow and the view together.
  // It covered nodes at 1366x768 (found by a new user): it goes to the first corner of the
  // canvas where it covers no node, and when every corner has one under it, it stays folded
  // away; the "Map" button folds and unfolds it by hand (remembered in this browser).
  const minimap = $("#minimap"), minimapPlugin = graph.getPlugin("minimap"), minimapButton = $("#minimap-toggle");
  const MAP_KEY = "playground.minimap-folded";
  const CORNERS = ["bottom-right", "bottom-left", "top-right"];
  function minimapFolded() { try { return localStorage.getItem(MAP_KEY) === "1"; } catch (_) { return false; } }
  function toggleMinimap() {
    try { localStorage.setItem(MAP_KEY, minimapFolded() ? "0" : "1"); } catch (_) { /* private mode: not kept */ }
    updateMinimap();
  }
  // the corner's rectangle on screen, with a margin, and whether any node's box meets it
  function cornerCovers(corner) {
    const wrap = minimap.parentElement.getBoundingClientRect(), w = minimap.offsetWidth, h = minimap.offsetHeight, m = 12;
    const left = corner.endsWith("left") ? wrap.left + m : wrap.right - m - w;
    const top = corner.startsWith("top") ? wrap.top + m : wrap.bottom - m - h;
    const r = { left: left - 8, top: top - 8, right: left + w + 8, bottom: top + h + 8 };
    return graph.getNodes().some((n) => {
      const b = graph.localToClient(n.getBBox());
      return b.x < r.right && b.x + b.width > r.left && b.y < r.bottom && b.y + b.height > r.top;
    });
  }
  // the whole workflow lies inside the view
  function contentFits() {
    const area = graph.getGraphArea(), c = graph.getContentArea(); // both in graph units
    return !graph.getNodes().length || (c.x >= area.x && c.y >= area.y &&
      c.x + c.width <= area.x + area.width && c.y + c.height <= area.y + area.height);
  }
  function updateMinimap() {
    const area = graph.getGraphArea(), c = graph.getContentArea(); // both in graph units
    const fits = contentFits();
    minimapButton.hidden = fits;
    minimapButton.setAttribute("aria-pressed", String(!minimapFolded()));
    minimap.hidden = fits || minimapFolded();
    if (minimap.hidden) { minimap.dataset.corner = ""; return; }
    const corner = CORNERS.find((k) => { minimap.dataset.corner = k; return !cornerCovers(k); });
    minimap.dataset.corner = corner || "";
    minimap.hidden = !corner; // a node under every corner: folded away, the button unfolds it elsewhere
    minimapButton.title = corner ? "Hide the minimap" : "The minimap would cover a node in every corner: scroll or zoom out";
    if (!corner || !minimapPlugin || !minimapPlugin.targetGraph) return;
    const x = Math.min(c.x, area.x), y = Math.min(c.y, area.y);
    const both = { x, y, width: Math.max(c.x + c.width, area.x + area.width) - x, height: Math.max(c.y + c.height, area.y + area.height) - y };
    minimapPlugin.targetGraph.zoomToRect(both);
    minimapPlugin.updateViewport();
  }
  let minimapFrame = 0;
  const minimapSoon = () => { cancelAnimationFrame(minimapFrame); minimapFrame = requestAnimationFrame(updateMinimap); };
  for (const ev of ["translate", "scale", "resize", "model:updated", "node:added", "node:removed", "node:change:position"]) {
    graph.on(ev, minimapSoon);
  }

  // ------------------------------------------------------------------ run, live status
  const runButton = $("#run-button"), cancelButton = $("#cancel-button"), rerunButton = $("#rerun-button");

  function setRunning(active) {
    runButton.disabled = active;
    rerunButton.disabled = active;
    cancelButton.disabled = !active;
    document.body.classList.toggle("is-running", active);
  }

  // the run log reads top down, as it happened; the panel follows its end unless scrolled up.
  // `d`: the event the line says; one a node reused from the cache replays (its warnings,
  // trials, plots, metrics: `reused_from`) is marked so, not read as this run's new work
  function execLog(text, kind, d) {
    const list = $("#exec-log");
    if (!list) return;
    const panel = $("#execution");
    const atEnd = !panel || panel.scrollHeight - panel.scrollTop - panel.clientHeight < 24;
    const li = document.createElement("li");
    li.className = kind || "";
    li.textContent = text;
    if (d && d.reused_from) {
      const from = job && d.reused_from === job.id ? "an earlier round of this run" : `run ${d.reused_from}`;
      const tag = document.createElement("span");
      tag.className = "reused-tag";
      tag.textContent = ` · reused from ${from}`;
      li.classList.add("reused");
      li.dataset.reusedFrom = d.reused_from;
      li.append(tag);
    }
    list.append(li);
    if (panel && atEnd) panel.scrollTop = panel.scrollHeight;
  }

  // a node in the log as the user knows it: their name for it (else its type's), then its id
  const logName = (id) => { const node = graph.getCellById(id); return node ? nodeName(node) : id; };

  function setJobStatus(text, kind) {
    const el = $("#job-status");
    el.textContent = text;
    el.dataset.state = kind || "";
  }

  // A running job's header says how long it has run and, while a search runs, which trial it
  // is at ("Running · 14 s · Model: trial 12 of 40"): from the events the page receives (the
  // job's start time, each node_trial), the clock ticking here, no request (found by a new
  // user: a 40-trial search showed "Running" and nothing else for a minute).
  const runClock = { started: null, label: "Running", trial: null, timer: 0 };
  function elapsedText() {
    if (runClock.started == null) return "";
    const s = Math.max(0, Math.round((Date.now() - runClock.started) / 1000));
    return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  }
  function showRunClock() {
    const t = runClock.trial;
    const parts = [runClock.label, elapsedText(), t ? `${logName(t.node)}: trial ${t.n} of ${t.of}` : ""];
    setJobStatus(parts.filter(Boolean).join(" · "), "running");
    const el = $("#job-status");
    el.dataset.elapsed = runClock.started == null ? "" : String(Math.round((Date.now() - runClock.started) / 1000));
    el.dataset.trial = t ? `${t.n}/${t.of}` : "";
  }
  function startRunClock(d, label) {
    const at = Date.parse(d.timestamp || "");
    runClock.started = Number.isFinite(at) ? Math.min(at, Date.now()) : Date.now();
    runClock.label = label;
    runClock.trial = null;
    clearInterval(runClock.timer);
    runClock.timer = setInterval(showRunClock, 1000);
    showRunClock();
  }
  // the run's end: the clock stops, and the final status keeps how long it took
  function stopRunClock() {
    clearInterval(runClock.timer);
    const took = elapsedText();
    runClock.started = null;
    runClock.trial = null;
    const el = $("#job-status");
    el.dataset.elapsed = "";
    el.dataset.trial = "";
    return took;
  }

  // rerun: "all", or a node id to run again with every node below it, although unchanged
  async function run(rerun) {
    if (runButton.disabled) return;
    clearTimeout(saveTimer);
    if (saving || saveTimer) await save();
    // a value the inspector refused (out of bounds, the wrong type) was not saved: running now
    // would run the settings before it, silently (Trees 5 refused, the run used 200)
    const panel = document.querySelector("#inspector [data-refused]");
    const refused = panel ? JSON.parse(panel.dataset.refused || "[]") : [];
    if (refused.length) {
      setJobStatus(`Not run: the inspector shows a value it did not apply (${refused[0]}). Correct it, or undo it, then run.`,
        "error");
      execLog(`Not run: ${refused.join(" ")}`, "error");
      showPanel("run");
      return;
    }
    setRunning(true);
    setJobStatus("Validating…", "pending");
    const form = typeof rerun === "string" ? new URLSearchParams({ rerun }) : undefined;
    const r = await send(`/ui/workflows/${WID}/run`, { method: "POST", body: form });
    const body = await r.json();
    if (!r.ok || !body.ok) {
      setRunning(false);
      setJobStatus(body.detail || "The workflow cannot run.", "error");
      for (const [id, messages] of Object.entries(body.errors || {})) {
        if (id === "_workflow") { execLog(messages.join(" "), "error"); continue; }
        setNodeState(id, "invalid", messages.join(" "));
        execLog(`${logName(id)}: ${messages.join(" ")}`, "error");
      }
      showPanel("run");
      return;
    }
    for (const n of graph.getNodes()) setNodeStatus(n.id, "queued", "Queued");
    attach({ id: body.job_id, status: body.status, estimated_time: body.estimated_time,
             estimated_upper_bound: body.estimated_upper_bound }, 0);
    if (body.notice) { setJobStatus(`Queued · ${body.notice}`, "queued"); checkWorkers(); }
    // an estimate past the job time limit: said now, in the run log, not when the job is stopped
    if (body.warning) execLog(body.warning, "warn");
    showPanel("run");
  }

  // each node's round of a retrain loop in the run being watched: its last status's (round,
  // rounds, summary) and the highest round it went through
  let roundsSeen = {};
  // A finished run's round badges, by one rule, whether the run was watched live or the page
  // opened on it (the server sends the same fields, web/pages.py job_boot): a node shows the
  // round its result is of when it went past round 1 itself; a node that only ever saw round
  // 1 (its gate passed, the loop was skipped) shows none, not "round 1/3" (found by a new
  // user: the badges of an earlier run's loop looked stale), even beside a loop that went on.
  // the run log's line for an event of the run ([text, kind], or null: no line), live and when a
  // finished run's page is opened again (replayLog): one wording for both
  function logLine(type, d) {
    const name = d.node_id ? logName(d.node_id) : "";
    if (type === "node_warning") return [`${name} warning: ${d.message}`, "warn"];
    if (type === "node_status") {
      if (d.status === "failed") return [`${name} failed: ${d.message}`, "error"];
      if (d.status === "completed") return [`${name} completed in ${(d.duration || 0).toFixed(2)} s`, "ok"];
      if (d.status === "cached") return [`${name} ${d.reason || "reused"}`, "ok"];
      if (d.status === "running") return [`${name} running…` + (d.reason ? ` (${d.reason})` : ""), ""];
      return null;
    }
    if (type === "node_trial") {
      // the numbers as the trial table writes them (the server's one rounding rule, in `view`)
      const view = d.view || {};
      const v = d.value == null ? d.state : (view.value || String(d.value));
      const best = d.best == null ? "" : ` (best ${view.best_value || String(d.best)})`;
      return [`${name} trial ${d.number + 1}/${d.n_trials}: ${v}${best}`, ""];
    }
    if (type === "node_log") return [`${name}: ${d.message}`, ""];
    if (type === "node_round") {
      return [`${name}: round ${d.round} of ${d.rounds}` + (d.change ? ` (${d.change})` : "") +
        (d.message ? `: ${d.message}` : ""), d.passed ? "ok" : "warn"];
    }
    // the metrics by their titles and written as the results write them (the event's `message`)
    if (type === "metrics") return d.message ? [`${name} scored ${d.message}`, "ok"] : null;
    return null;
  }
  function logEvent(type, d) {
    const line = logLine(type, d);
    // (a status or round line is this run's own: a replayed warning, trial or score is tagged as reused)
    if (line) execLog(line[0], line[1], ["node_status", "node_round"].includes(type) ? undefined : d);
  }

  // A finished run's page opened again: its log, from its events as they were streamed (the
  // stream of a finished run replays them all and ends); a new user found the Run tab empty.
  async function replayLog(jobId) {
    let text;
    try {
      const r = await fetch(`/api/v1/jobs/${jobId}/events`, { headers: { Accept: "text/event-stream" } });
      if (!r.ok) return;
      text = await r.text();
    } catch (_) { return; }
    if (job && job.active) return;  // a run started meanwhile: its own log
    $("#exec-log").innerHTML = "";
    for (const block of text.split(/\r?\n\r?\n/)) {
      let type = "message", data = "";
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith("event:")) type = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).trim();
      }
      if (!data) continue;
      try { logEvent(type, JSON.parse(data)); } catch (_) { /* a frame that is no event */ }
    }
  }

  function settleRounds(seen) {
    for (const [id, st] of Object.entries(seen)) {
      if ((st.highest || 0) > 1) patchNode(id, { round: st.round, rounds: st.rounds, roundSummary: st.summary || null });
      else patchNode(id, { round: null, rounds: null, roundSummary: null });
    }
  }

  function attach(j, after) {
    job = { ...j, active: true };
    growResults();
    lastSeq = after || 0;
    setRunning(true);
    stopRunClock();  // an earlier run's clock
    // a retrain loop is counted at every round failing: "up to", not "about"
    setJobStatus(`Queued · ${j.estimated_upper_bound ? "up to" : "about"} ${Math.max(1, Math.round(j.estimated_time || 1))} s`,
                 "queued");
    $("#exec-log").innerHTML = "";
    if (source) source.close();
    source = new EventSource(`/api/v1/jobs/${j.id}/events?after=${lastSeq}`);
    const handle = (fn) => (ev) => { lastSeq = Number(ev.lastEventId) || lastSeq; fn(JSON.parse(ev.data)); };
    source.addEventListener("job_started", handle((d) => {
      startRunClock(d, d.attempt > 1 ? `Running (attempt ${d.attempt})` : "Running");
      roundsSeen = {};
      for (const n of graph.getNodes()) {
        patchNode(n.id, { round: null, rounds: null, roundSummary: null });
        setNodeStatus(n.id, "pending", "Waiting"); setNodeWarnings(n.id, []); clearNodeTrials(n.id);
      }
      $("#trials").innerHTML = "";
    }));
    source.addEventListener("node_warning", handle((d) => {
      addNodeWarning(d.node_id, d.message);
      logEvent("node_warning", d);
    }));
    source.addEventListener("node_status", handle((d) => {
      const status = d.status;
      // a node in a retrain loop: which round this status is of ("round 2/3" on the node)
      if (d.round) {
        patchNode(d.node_id, { round: d.round, rounds: d.rounds, roundSummary: d.summary || null });
        const highest = Math.max((roundsSeen[d.node_id] || {}).highest || 0, d.round);
        roundsSeen[d.node_id] = { round: d.round, rounds: d.rounds, summary: d.summary || null, highest };
      }
      // the node works (or is served) afresh: a trial sparkline drawn before is of another
      // round's search (a kept round 1 replayed after round 2's 40 trials), not of this result
      if (status === "running" || status === "cached") clearNodeTrials(d.node_id);
      // the search at the header's trial count ended (or another round of its node starts)
      if (runClock.trial && runClock.trial.node === d.node_id) { runClock.trial = null; if (runClock.started != null) showRunClock(); }
      setNodeStatus(d.node_id, status, d.message || (d.duration != null ? `Done in ${d.duration.toFixed(2)} s` : ""));
      logEvent("node_status", d);
    }));
    source.addEventListener("node_progress", handle((d) => {
      setNodeStatus(d.node_id, "running", d.message, d.progress);
      const el = $("#job-progress");
      if (el) el.textContent = `${d.node_id}: ${Math.round(d.progress * 100)}% ${d.message || ""}`;
    }));
    source.addEventListener("node_trial", handle((d) => {
      addNodeTrial(d.node_id, d);
      if (runClock.started != null && !d.reused_from) {
        runClock.trial = { node: d.node_id, n: d.number + 1, of: d.n_trials };
        showRunClock();
      }
      logEvent("node_trial", d);
      showTrial(j.id, d);
    }));
    for (const type of ["node_log", "node_round", "metrics"]) source.addEventListener(type, handle((d) => logEvent(type, d)));
    const finish = (kind, label) => handle((d) => {
      source.close();
      source = null;
      job.active = false;
      setRunning(false);
      const took = stopRunClock();
      setJobStatus((d.message ? `${label}: ${d.message}` : label) + (took ? ` · ${took}` : ""), kind);
      settleRounds(roundsSeen);
      const el = $("#job-progress");
      if (el) el.textContent = "";
      loadResults(j.id);
      fetchInto(`/ui/workflows/${WID}/history`, "#history");
    });
    source.addEventListener("job_completed", finish("completed", "Completed"));
    source.addEventListener("job_failed", finish("error", "Failed"));
    source.addEventListener("job_cancelled", finish("cancelled", "Cancelled"));
    source.onerror = () => {
      if (source && source.readyState === EventSource.CLOSED) { stopRunClock(); setJobStatus("Disconnected", "error"); }
    };
  }

  // ------------------------------------------------------------------ optuna trials (live)
  // The run panel shows each search as the server renders it: one full fetch when a search
  // first shows up (on a run's start, or when the page (re)attaches and the stream replays),
  // then each `node_trial` event appends the trial it carries: its row (rendered by the server,
  // in the event's `view`), its dot and the best-so-far line on the chart. 100 trials cost 100
  // appends, not 100 fetches of every trial so far. Events that arrive while a fetch is under
  // way wait for it, then append (a row the fetch already drew is skipped).
  let trialsBusy = false, trialsWaiting = [];
  function showTrial(jobId, d) {
    if (trialsBusy) { trialsWaiting.push(d); return; }
    if (!appendTrial(d)) refreshTrials(jobId);
  }

  function refreshTrials(jobId) {
    trialsBusy = true;
    fetchInto(`/ui/jobs/${jobId}/trials`, "#trials").finally(() => {
      trialsBusy = false;
      const waiting = trialsWaiting;
      trialsWaiting = [];
      for (const d of waiting) showTrial(jobId, d);
    });
  }

  // false when the panel cannot take the trial as it is (no section for the node yet, a new
  // parameter column, the first finished trial of a chart not drawn yet): then a full fetch
  function appendTrial(d) {
    const v = d.view;
    const sec = document.querySelector(`#trials [data-search="${CSS.escape(d.node_id)}"]`);
    const table = sec && sec.querySelector("table.trials");
    if (!v || !table || table.dataset.params !== v.params) return false;
    const n = String(d.number + 1);
    if (table.querySelector(`tr[data-trial="${n}"]`)) return true;
    const chart = sec.querySelector("svg.trial-chart");
    if (d.value != null && (!chart || d.number >= Number(chart.dataset.n))) return false;
    (table.tBodies[0] || table).insertAdjacentHTML("beforeend", v.row);
    const count = sec.querySelector("[data-said=count]");
    count.textContent = String(Number(count.textContent) + 1);
    if (d.value != null) chartTrial(chart, d);
    if (d.best_number != null && v.best) {
      const was = table.querySelector("tr.best");
      if (was) was.classList.remove("best");
      const row = table.querySelector(`tr[data-trial="${d.best_number + 1}"]`);
      if (row) row.classList.add("best");
      sec.querySelector("[data-said=best]").outerHTML = v.best;
      const label = v.label.replace("{done}", chart.dataset.trials);
      chart.setAttribute("aria-label", label);
      chart.querySelector("title").textContent = label;
    }
    return true;
  }

  // the chart draws in the data's coordinates (x the trial number, y minus the value): a trial
  // is one more dot and two more points of the step line; a value past the range moves the view
  function chartTrial(chart, d) {
    const plot = chart.querySelector("svg.plot"), ds = chart.dataset, x = d.number, value = d.value;
    const at = (cls, y) => {
      const el = document.createElementNS("http://www.w3.org/2000/svg", "line");
      for (const [k, val] of [["x1", x], ["y1", -y], ["x2", x], ["y2", -y], ["class", cls], ["vector-effect", "non-scaling-stroke"]]) el.setAttribute(k, val);
      return el;
    };
    if (value < Number(ds.lo) || value > Number(ds.hi)) {
      if (value < Number(ds.lo)) { ds.lo = value; ds.loText = d.view.value; } else { ds.hi = value; ds.hiText = d.view.value; }
      const lo = Number(ds.lo), hi = Number(ds.hi);
      plot.setAttribute("viewBox", `0 ${-hi} ${Number(ds.n) - 1} ${hi - lo}`);
      chart.querySelector("[data-tick=lo]").textContent = ds.loText;
      chart.querySelector("[data-tick=hi]").textContent = ds.hiText;
    }
    const prev = Number(ds.best);
    const best = ds.direction === "maximize" ? Math.max(prev, value) : Math.min(prev, value);
    const line = plot.querySelector(".best-line");
    for (const y of [prev, best]) {
      const p = plot.createSVGPoint();
      p.x = x; p.y = -y;
      line.points.appendItem(p);
    }
    if (best !== prev) {
      ds.best = best;
      const dot = plot.querySelector(".best-dot");
      for (const k of ["y1", "y2"]) dot.setAttribute(k, -best);
      for (const k of ["x1", "x2"]) dot.setAttribute(k, x);
    }
    plot.appendChild(at("trial-dot", value));
    ds.trials = String(Number(ds.trials) + 1);
  }

  function addNodeTrial(id, t) {
    patchNode(id, (d) => ({ trials: [...(d.trials || []).filter((x) => x.n !== t.number), { n: t.number, v: t.value, best: t.best }],
                             trialsOf: t.n_trials }));
  }

  function clearNodeTrials(id) {
    const node = graph.getCellById(id);
    if (node && (node.getData() || {}).trials) patchNode(id, { trials: [] });
  }

  // a small chart of value by trial on the node: dots, and the best so far as a line
  function sparkline(trials, n) {
    const done = trials.filter((t) => t.v != null);
    if (done.length < 2) return "";
    const W = 64, H = 18, vs = done.map((t) => t.v), lo = Math.min(...vs), hi = Math.max(...vs) || lo + 1;
    const x = (i) => (i / Math.max(1, (n || done.length) - 1)) * (W - 4) + 2;
    const y = (v) => (hi === lo ? H / 2 : H - 2 - ((v - lo) / (hi - lo)) * (H - 4));
    const best = done.filter((t) => t.best != null).map((t) => `${x(t.n).toFixed(1)},${y(t.best).toFixed(1)}`).join(" ");
    const dots = done.map((t) => `<circle cx="${x(t.n).toFixed(1)}" cy="${y(t.v).toFixed(1)}" r="1.5"/>`).join("");
    return `<svg class="pg-node-spark" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" aria-hidden="true">` +
      `<polyline points="${best}"/>${dots}</svg>`;
  }

  // Each area fetches as its own source: htmx.ajax without one issues every request from the
  // page's body, whose queue keeps only the last request waiting, so a run's results, asked for
  // while its trials were loading, were dropped when the history was asked for next, and the
  // results area kept the previous run's numbers (found by a new user: 3 of 4 fast re-runs).
  function fetchInto(url, target) {
    return htmx.ajax("GET", url, { source: target, target, swap: "innerHTML" });
  }

  // A run's results come in whole, but a plot drawn the same as the one shown (its picture's
  // digest) keeps the image already loaded, and the area keeps its scroll: adding one plot
  // swapped every image in again (flicker, the scroll back at the top; found by a new user).
  // The scroll is kept only from a view of the same kind: a comparison opened from a run's
  // results scrolled to its plots opened scrolled down too, past the runs it compares and
  // their differing settings (found by a new user at 1366x768).
  const resultsKind = (area) => (area.querySelector("#comparison") ? "comparison" : "run");
  let keptResults = null;
  document.body.addEventListener("htmx:beforeSwap", (e) => {
    const target = e.detail.target;
    if (!target || target.id !== "results") return;
    const figures = new Map();
    for (const fig of target.querySelectorAll("figure[data-plot-digest]")) {
      const img = fig.querySelector("img");
      if (img) figures.set(`${fig.dataset.plot}:${fig.dataset.plotDigest}`, img);
    }
    keptResults = { scroll: target.scrollTop, figures, kind: resultsKind(target) };
  });
  document.body.addEventListener("htmx:afterSwap", (e) => {
    const target = e.detail.target;
    if (!target || target.id !== "results" || !keptResults) return;
    const { scroll, figures, kind } = keptResults;
    keptResults = null;
    for (const fig of target.querySelectorAll("figure[data-plot-digest]")) {
      const key = `${fig.dataset.plot}:${fig.dataset.plotDigest}`, old = figures.get(key), img = fig.querySelector("img");
      if (!old || !img) continue;
      figures.delete(key);
      for (const a of ["alt", "data-enlarge", "data-caption"]) if (img.hasAttribute(a)) old.setAttribute(a, img.getAttribute(a));
      img.replaceWith(old);
      fig.dataset.kept = "";
    }
    if (kind === resultsKind(target)) target.scrollTop = scroll;
    else if (target.hidden) target.dataset.scrollReset = "";  // a hidden area keeps its scroll: reset when shown
    else target.scrollTop = 0;
  });

  function loadResults(jobId) {
    growResults();
    fetchInto(`/ui/jobs/${jobId}/results`, "#results").then(() => showPanel("results"));
  }

  // ------------------------------------------------------------------ compare two runs (History)
  // Compare is enabled when exactly two runs are ticked; the comparison opens in the results area.
  const comparePicks = () => [...document.querySelectorAll("#history [data-compare-pick]:checked")];
  function updateCompare() {
    const button = $("#history [data-compare-runs]");
    if (!button) return;
    const n = comparePicks().length;
    button.disabled = n !== 2;
    const hint = $("#history [data-compare-hint]");
    if (hint) hint.textContent = n === 2 ? "Compare the two ticked runs." : n > 2 ? `${n} runs ticked: tick exactly two.` : "Tick two runs to compare their settings and metrics.";
  }
  document.addEventListener("change", (e) => { if (e.target.closest("[data-compare-pick]")) updateCompare(); });
  document.addEventListener("click", (e) => {
    const button = e.target.closest("[data-compare-runs]");
    if (!button || button.disabled) return;
    const [a, b] = comparePicks().map((c) => encodeURIComponent(c.dataset.comparePick));
    fetchInto(`/ui/jobs/compare?a=${a}&b=${b}`, "#results").then(() => showPanel("results"));
  });

  async function cancel() {
    if (!job) return;
    cancelButton.disabled = true;
    setJobStatus("Cancelling…", "pending");
    await send(`/api/v1/jobs/${job.id}/cancel`, { method: "POST" });
  }

  runButton.addEventListener("click", () => run());
  rerunButton.addEventListener("click", () => run("all"));
  // the inspector's "Run this node again"
  document.addEventListener("click", (ev) => {
    const b = ev.target.closest("[data-rerun]");
    if (b) run(b.dataset.rerun);
  });
  cancelButton.addEventListener("click", cancel);

  // bottom panel tabs
  // ------------------------------------------------------------------ results area size
  const workspace = $(".workspace"), handle = $("#results-resize"), maxButton = $("#results-max");
  const SIZE_KEY = "playground.results-height";
  function setResultsHeight(px) {
    const room = workspace.getBoundingClientRect().height;
    const h = Math.round(Math.max(120, Math.min(room - 80, px)));
    workspace.style.setProperty("--results-h", `${h}px`);
    try { localStorage.setItem(SIZE_KEY, String(h)); } catch (err) { /* private mode: not kept */ }
  }
  // Before its first run the results area is a line (playground.css .no-run); a run gives it its
  // height, and a workflow that stood whole in the view is fitted again into the smaller canvas:
  // its last nodes do not slip under the results (found with Evaluate at the bottom, unclickable)
  function growResults() {
    if (!workspace.classList.contains("no-run")) return;
    const whole = contentFits();
    workspace.classList.remove("no-run");
    const box = $(".canvas-wrap");  // (the canvas holds the size X6 gave it until its observer's next turn)
    graph.resize(box.clientWidth, box.clientHeight);  // now
    if (whole && !contentFits()) fitContent();
  }
  const saved = Number((() => { try { return localStorage.getItem(SIZE_KEY); } catch (err) { return null; } })());
  if (saved) setResultsHeight(saved);
  handle.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    handle.setPointerCapture(e.pointerId);
    const bottom = workspace.getBoundingClientRect().bottom;
    const move = (ev) => setResultsHeight(bottom - ev.clientY);
    const up = () => { handle.removeEventListener("pointermove", move); handle.removeEventListener("pointerup", up); };
    handle.addEventListener("pointermove", move);
    handle.addEventListener("pointerup", up);
  });
  handle.addEventListener("keydown", (e) => {
    const now = $(".bottom").getBoundingClientRect().height;
    if (e.key === "ArrowUp") { setResultsHeight(now + 40); e.preventDefault(); }
    if (e.key === "ArrowDown") { setResultsHeight(now - 40); e.preventDefault(); }
  });
  function maximiseResults(on) {
    workspace.classList.toggle("results-max", on);
    maxButton.setAttribute("aria-pressed", String(on));
    maxButton.textContent = on ? "⤡ Restore" : "⤢ Maximise";
    maxButton.setAttribute("aria-label", on ? "Restore the results area" : "Maximise the results area");
  }
  maxButton.addEventListener("click", () => maximiseResults(!workspace.classList.contains("results-max")));
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && workspace.classList.contains("results-max")) maximiseResults(false);
  });

  function showPanel(name) {
    document.querySelectorAll("[data-panel-tab]").forEach((t) => t.setAttribute("aria-selected", String(t.dataset.panelTab === name)));
    document.querySelectorAll("[data-panel]").forEach((p) => { p.hidden = p.dataset.panel !== name; });
    const shown = document.querySelector(`[data-panel="${name}"]`);
    if (shown && "scrollReset" in shown.dataset) {
      shown.scrollTop = 0;
      delete shown.dataset.scrollReset;
    }
  }
  document.querySelectorAll("[data-panel-tab]").forEach((t) => t.addEventListener("click", () => showPanel(t.dataset.panelTab)));
  document.body.addEventListener("click", (e) => {
    const open = e.target.closest("[data-open-job]");
    if (open) { e.preventDefault(); loadResults(open.dataset.openJob); }
    const img = e.target.closest("[data-enlarge]");
    if (img) {
      e.preventDefault();
      const dlg = $("#lightbox");
      $("#lightbox img").src = img.dataset.enlarge;
      $("#lightbox figcaption").textContent = img.dataset.caption || "";
      dlg.showModal();
    }
  });
  $("#lightbox").addEventListener("click", (e) => { if (e.target.id === "lightbox" || e.target.closest("[data-close]")) $("#lightbox").close(); });

  // ------------------------------------------------------------------ node names
  // The inspector's name field is not a config field: it renames the node on the canvas,
  // which saves it with the structure (an empty name goes back to the type's label).
  document.addEventListener("change", (e) => {
    const input = e.target.closest("[data-node-label]");
    if (!input) return;
    const node = graph.getCellById(input.dataset.nodeLabel);
    if (!node) return;
    const label = input.value.trim().replace(/\s+/g, " ").slice(0, 80);
    node.setData({ ...(node.getData() || {}), label: label || null }, { overwrite: true });
    scheduleSave();
  }, true);

  // ------------------------------------------------------------------ preprocessing steps
  // Which steps are open travels with the next post (a hidden field), so the server renders
  // them open again after the swap; htmx gives the focus back to the field by its id.
  document.addEventListener("toggle", (e) => {
    const step = e.target.closest && e.target.closest("details[data-step]");
    const form = step && step.closest("form");
    const state = form && form.querySelector("[data-open-steps]");
    if (!state) return;
    state.value = [...form.querySelectorAll("details[data-step]")].filter((d) => d.open).map((d) => d.dataset.step).join(",");
  }, true);

  // ------------------------------------------------------------------ dataset picker
  // Tabs and search are not form fields: they never post the inspector form. A search
  // looks through every list (samples and uploads) at once.
  document.addEventListener("change", (e) => {
    if (e.target.closest("[data-no-submit]")) e.stopPropagation();
  }, true);
  function showDatasetTab(picker, key) {
    picker.dataset.tab = key;
    picker.querySelectorAll("[data-ds-tab]").forEach((t) => t.setAttribute("aria-selected", String(t.dataset.dsTab === key)));
    filterDatasets(picker);
  }
  function filterDatasets(picker) {
    const q = (picker.querySelector("[data-ds-search]").value || "").trim().toLowerCase();
    let shown = 0;
    picker.querySelectorAll("[data-tab-body]").forEach((body) => {
      let hits = 0;
      body.querySelectorAll("[data-search]").forEach((c) => {
        c.hidden = q !== "" && !c.dataset.search.includes(q);
        if (!c.hidden) hits += 1;
      });
      body.hidden = q === "" ? body.dataset.tabBody !== picker.dataset.tab : hits === 0;
      if (!body.hidden) shown += hits;
    });
    const none = picker.querySelector("[data-ds-none]");
    if (none) none.hidden = q === "" || shown > 0;
  }
  document.addEventListener("click", (e) => {
    const tab = e.target.closest("[data-ds-tab]");
    if (tab) showDatasetTab(tab.closest(".ds-picker"), tab.dataset.dsTab);
  });
  document.addEventListener("input", (e) => {
    if (e.target.matches("[data-ds-search]")) filterDatasets(e.target.closest(".ds-picker"));
    // a slider's live label (no inline handlers: the page's CSP allows our own scripts only)
    const labelled = e.target.closest("[data-label-for]");
    if (labelled) document.getElementById(labelled.dataset.labelFor).textContent = labelled.value + (labelled.dataset.labelSuffix || "");
  });

  // a refused htmx request (4xx/5xx) is not swapped in: say its sentence instead
  document.body.addEventListener("htmx:responseError", (e) => {
    const box = document.createElement("div");
    box.innerHTML = e.detail.xhr.responseText || "";
    const detail = box.querySelector(".error-detail");
    toast(detail ? detail.textContent : `The request failed (${e.detail.xhr.status}).`, "error");
  });

  // toasts
  function toast(text, kind) {
    const box = $("#toasts");
    const el = document.createElement("div");
    el.className = "toast " + (kind || "");
    el.setAttribute("role", "status");
    el.textContent = text;
    box.append(el);
    setTimeout(() => el.remove(), 5000);
    return el;
  }

  // ------------------------------------------------------------------ workers
  // Say so when no worker is alive: a job would wait in the queue.
  async function checkWorkers() {
    try {
      const r = await fetch("/api/v1/health", { headers: { Accept: "application/json" } });
      const h = await r.json();
      const box = $("#worker-notice");
      box.textContent = h.notice || "";
      box.hidden = !h.notice;
    } catch (_) { /* the server itself is away: the next check will say */ }
  }
  checkWorkers();
  setInterval(checkWorkers, 5000);

  // ------------------------------------------------------------------ start
  load(boot.graph, boot.state, true);
  setRunning(false);
  if (boot.job) {
    if (["pending", "queued", "running"].includes(boot.job.status)) attach(boot.job, 0); // reattach to the live run
    else if (boot.job.statuses) {
      // a node's last status is of the round it ended on (a kept round 1 after round 2)
      settleRounds(Object.fromEntries(Object.entries(boot.job.statuses).filter(([, st]) => st.round).map(
        ([id, st]) => [id, { round: st.round, rounds: st.rounds, summary: st.summary, highest: st.highest_round }])));
      for (const [id, st] of Object.entries(boot.job.statuses)) {
        setNodeStatus(id, st.status, st.message);
        if (st.warnings && st.warnings.length) setNodeWarnings(id, st.warnings);
      }
    }
    if (!["pending", "queued", "running"].includes(boot.job.status)) replayLog(boot.job.id);
  }
  window.playground = { graph, save, run, cancel, applyState, toast, undo: commands.undo, redo: commands.redo, get job() { return job; } };
})();
