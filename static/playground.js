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
      el.innerHTML =
        `<div class="pg-node-head"><span class="pg-node-icon" aria-hidden="true">${esc(t.icon)}</span>` +
        `<span class="pg-node-label" title="${esc(title)}">${esc(title)}</span>` +
        (warnings.length ? `<span class="pg-node-warn" data-warnings="${warnings.length}" title="${esc(warnings.join("\n"))}" ` +
          `aria-label="${warnings.length} warning${warnings.length > 1 ? "s" : ""}">⚠ ${warnings.length}</span>` : "") +
        `<span class="pg-node-badge" aria-label="${esc(STATUS_LABEL[status] || status)}">${esc(pct != null ? pct + "%" : STATUS_LABEL[status] || status)}</span></div>` +
        `<div class="pg-node-summary" title="${esc(d.summary || "")}">${sparkline(d.trials || [], d.trialsOf)}${esc(d.summary || "")}</div>` +
        `<div class="pg-node-progress"><i style="width:${pct != null ? pct : status === "completed" ? 100 : 0}%"></i></div>`;
      return el;
    },
  });

  function portGroups() {
    const circle = { r: 7, magnet: true, stroke: "#64748b", strokeWidth: 2, fill: "#fff" };
    const label = { position: { name: "outside" }, markup: [{ tagName: "text", selector: "text" }] };
    return {
      in: { position: "top", attrs: { circle: { ...circle }, text: { fontSize: 11, fill: "#64748b" } }, label },
      out: { position: "bottom", attrs: { circle: { ...circle, fill: "#e2e8f0" }, text: { fontSize: 11, fill: "#64748b" } }, label },
    };
  }

  // the ports are the node type's declarations: one per declared input (top) and output
  // (bottom); a side with several ports names each. Port ids are "in:NAME" / "out:NAME".
  const portId = (side, name) => `${side}:${name}`;
  const portName = (id) => (id || "").split(":").slice(1).join(":");
  function portItems(t) {
    const side = (group, ports) => ports.map((p) => ({
      id: portId(group, p.name), group,
      attrs: {
        circle: { "data-port": p.name, "port-types": p.types.join(" "), title: `${p.label}: ${p.types.join(" or ")}` },
        text: { text: ports.length > 1 ? p.label : "" },
      },
    }));
    return [...side("in", t.inputs), ...side("out", t.outputs)];
  }

  function nodeSpec(type, id, position, extra) {
    const t = TYPES[type];
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
      connector: { name: "smooth" },
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

  // the rule is the declarations' (the server's nodes/graph.py applies the same): an output
  // port feeds an input port that takes one of its artifact types; a port that is not
  // "multiple" takes one edge
  function canConnect(sourceCell, targetCell, sourceMagnet, targetMagnet) {
    if (!sourceCell || !targetCell || sourceCell === targetCell) return { ok: false, why: "A node cannot connect to itself." };
    if (!targetMagnet || targetMagnet.getAttribute("port-group") !== "in") return { ok: false, why: "Connect to an input port (top of a node)." };
    const st = TYPES[sourceCell.getData().type], tt = TYPES[targetCell.getData().type];
    const sp = st.outputs.find((p) => p.name === sourceMagnet.getAttribute("data-port")) || st.outputs[0];
    const tp = tt.inputs.find((p) => p.name === targetMagnet.getAttribute("data-port"));
    if (!sp || !tp || !sp.types.some((x) => tp.types.includes(x))) {
      return { ok: false, why: `${tt.label} cannot take ${st.label}'s output (${sp ? sp.types.join(" or ") : "nothing"}); it needs ${tp ? tp.types.join(" or ") : "nothing"}.` };
    }
    const incoming = (graph.getIncomingEdges(targetCell) || []).filter((e) => portName(e.getTargetPortId()) === tp.name);
    if (!tp.multiple && incoming.some((e) => e.getSourceCellId() && e.getSourceCellId() !== sourceCell.id)) {
      return { ok: false, why: `${tt.label}'s input ${tp.label} takes one connection; it already has one.` };
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
  graph.use(new X6.History({
    enabled: true,
    // statuses and summaries are data changes pushed by the server: not user edits
    beforeAddCommand(event, args) { return !(args && args.key === "data") && !applyingServer; },
  }));
  graph.use(new X6.Keyboard({ enabled: true, global: true }));
  graph.use(new X6.Clipboard({ enabled: true, useLocalStorage: true }));
  graph.use(new X6.MiniMap({ container: $("#minimap"), width: 180, height: 110, padding: 8 }));
  const history = graph.getPlugin("history");
  const selection = graph.getPlugin("selection");
  const clipboard = graph.getPlugin("clipboard");
  const keyboard = graph.getPlugin("keyboard");

  // ------------------------------------------------------------------ load
  function load() {
    applyingServer = true;
    history.disable();
    const cells = [];
    for (const n of boot.graph.nodes) {
      if (!TYPES[n.type]) continue;
      cells.push(graph.createNode(nodeSpec(n.type, n.id, n.position, { config: n.config || {}, label: n.label || null })));
    }
    graph.resetCells(cells);
    for (const e of boot.graph.edges) {
      if (graph.getCellById(e.source) && graph.getCellById(e.target)) {
        const st = TYPES[graph.getCellById(e.source).getData().type], tt = TYPES[graph.getCellById(e.target).getData().type];
        const sp = e.source_port || (st.outputs[0] || {}).name, tp = e.target_port || (tt.inputs[0] || {}).name;
        graph.addEdge({ source: { cell: e.source, port: portId("out", sp) }, target: { cell: e.target, port: portId("in", tp) }, zIndex: -1,
          attrs: { line: { stroke: "#94a3b8", strokeWidth: 2, targetMarker: { name: "block", size: 6 } } } });
      }
    }
    applyState(boot.state);
    history.enable();
    applyingServer = false;
    if (cells.length) fitContent();
  }

  // Zoom to fit, but never so small that node text cannot be read: a tall workflow on a
  // small screen is shown from its top, readable, and scrolls (pan) for the rest.
  const MIN_FIT_SCALE = 0.75;
  function fitContent() {
    graph.zoomToFit({ padding: 60, maxScale: 1, minScale: MIN_FIT_SCALE });
    if (graph.zoom() <= MIN_FIT_SCALE + 1e-6) {
      graph.positionContent("top");
      const t = graph.translate();
      graph.translate(t.tx, t.ty + 24); // a little air above the first node
    }
  }

  function applyState(state) {
    if (!state || !state.nodes) return;
    const was = applyingServer;
    applyingServer = true;
    for (const [id, s] of Object.entries(state.nodes)) {
      const node = graph.getCellById(id);
      if (!node) continue;
      const d = node.getData() || {};
      // a design change clears the last run's status; a live run keeps its own
      const next = { ...d, summary: s.summary, config: s.config || d.config, state: s.state };
      if (!job || !["running", "queued", "pending"].includes(d.status) || !job.active) {
        next.status = null;
        next.message = s.message;
      }
      node.setData(next, { overwrite: true });
    }
    applyingServer = was;
  }

  // a design-time verdict (nodes/base.py DESIGN_STATES): clears any run status shown
  function setNodeState(id, state, message) {
    const node = graph.getCellById(id);
    if (!node) return;
    const was = applyingServer;
    applyingServer = true;
    node.setData({ ...(node.getData() || {}), state, status: null, message: message || "" }, { overwrite: true });
    applyingServer = was;
  }

  function setNodeStatus(id, status, message, progress) {
    const node = graph.getCellById(id);
    if (!node) return;
    const was = applyingServer;
    applyingServer = true;
    const d = node.getData() || {};
    node.setData({ ...d, status, message: message || "", progress: progress == null ? null : progress }, { overwrite: true });
    applyingServer = was;
    for (const edge of graph.getIncomingEdges(node) || []) {
      edge.attr("line/strokeDasharray", status === "running" ? 6 : null);
      edge.attr("line/style/animation", status === "running" ? "pg-ants 0.6s linear infinite" : null);
      edge.attr("line/stroke", status === "running" ? "#4f46e5" : status === "completed" ? "#16a34a" : "#94a3b8");
    }
  }

  function setNodeWarnings(id, warnings) {
    const node = graph.getCellById(id);
    if (!node) return;
    const was = applyingServer;
    applyingServer = true;
    node.setData({ ...(node.getData() || {}), warnings: [...warnings] }, { overwrite: true });
    applyingServer = was;
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

  async function save() {
    if (saving) { saveAgain = true; return; }
    saving = true;
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
      // the workflow overview (shown when no node is selected) follows every structural change
      if (!selectedId && document.querySelector('#inspector [data-inspector="workflow"]')) inspect(null);
    } catch (err) {
      setSaveState("Offline: not saved", "error");
    } finally {
      saving = false;
      if (saveAgain) { saveAgain = false; save(); }
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
      // a pasted copy (or an undone delete keeps its id): its config travels with it
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
    edge.attr({ line: { stroke: "#94a3b8", strokeWidth: 2, targetMarker: { name: "block", size: 6 } } });
    scheduleSave();
  });
  graph.on("edge:removed", ({ edge }) => { if (edge.getTargetCellId()) scheduleSave(); });
  graph.on("node:moved", () => scheduleSave(400));

  // ------------------------------------------------------------------ selection -> inspector
  let selectedId = null;
  function inspect(id) {
    selectedId = id;
    const url = id ? `/ui/workflows/${WID}/nodes/${encodeURIComponent(id)}/inspector` : `/ui/workflows/${WID}/inspector`;
    htmx.ajax("GET", url, { target: "#inspector", swap: "innerHTML" });
  }
  graph.on("node:click", ({ node }) => inspect(node.id));
  graph.on("blank:click", () => inspect(null));
  graph.on("node:removed", ({ node }) => { if (node.id === selectedId) inspect(null); });
  document.body.addEventListener("pg-state", (e) => applyState(e.detail));
  // a config changed elsewhere (the results' "Use these parameters"): the open inspector follows
  document.body.addEventListener("pg-config-changed", (e) => { if (e.detail && e.detail.node_id === selectedId) inspect(selectedId); });

  // ------------------------------------------------------------------ palette (drag and drop)
  // the dragged proxy is a copy with a random id; the dropped node gets a readable one
  const dnd = new X6.Dnd({
    target: graph,
    getDropNode: (node) => graph.createNode(nodeSpec(node.getData().type, newId(node.getData().type), node.getPosition())),
  });
  document.querySelectorAll("[data-node-type].palette-item").forEach((item) => {
    item.addEventListener("mousedown", (e) => {
      const type = item.dataset.nodeType;
      const node = graph.createNode(nodeSpec(type, newId(type), { x: 0, y: 0 }));
      dnd.start(node, e);
    });
    item.addEventListener("keydown", (e) => {
      if (e.key !== "Enter" && e.key !== " ") return;
      e.preventDefault();
      const type = item.dataset.nodeType;
      const area = graph.getGraphArea();
      const n = graph.getNodes().length;
      graph.addNode(nodeSpec(type, newId(type), { x: area.x + 60 + n * 24, y: area.y + 60 + n * 24 }));
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
  }
  const commands = {
    undo: () => history.canUndo() && history.undo(),
    redo: () => history.canRedo() && history.redo(),
    fit: () => fitContent(),
    "zoom-in": () => graph.zoom(0.1),
    "zoom-out": () => graph.zoom(-0.1),
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
  history.on("change", () => {
    $("#undo-button").disabled = !history.canUndo();
    $("#redo-button").disabled = !history.canRedo();
  });

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

  // ------------------------------------------------------------------ run, live status
  const runButton = $("#run-button"), cancelButton = $("#cancel-button");

  function setRunning(active) {
    runButton.disabled = active;
    cancelButton.disabled = !active;
    document.body.classList.toggle("is-running", active);
  }

  function execLog(text, kind) {
    const list = $("#exec-log");
    if (!list) return;
    const li = document.createElement("li");
    li.className = kind || "";
    li.textContent = text;
    list.prepend(li);
  }

  function setJobStatus(text, kind) {
    const el = $("#job-status");
    el.textContent = text;
    el.dataset.state = kind || "";
  }

  async function run() {
    if (runButton.disabled) return;
    clearTimeout(saveTimer);
    if (saving || saveTimer) await save();
    setRunning(true);
    setJobStatus("Validating…", "pending");
    const r = await send(`/ui/workflows/${WID}/run`, { method: "POST" });
    const body = await r.json();
    if (!r.ok || !body.ok) {
      setRunning(false);
      setJobStatus(body.detail || "The workflow cannot run.", "error");
      for (const [id, messages] of Object.entries(body.errors || {})) {
        if (id === "_workflow") { execLog(messages.join(" "), "error"); continue; }
        setNodeState(id, "invalid", messages.join(" "));
        execLog(`${id}: ${messages.join(" ")}`, "error");
      }
      showPanel("run");
      return;
    }
    for (const n of graph.getNodes()) setNodeStatus(n.id, "queued", "Queued");
    attach({ id: body.job_id, status: body.status, estimated_time: body.estimated_time }, 0);
    if (body.notice) { setJobStatus(`Queued · ${body.notice}`, "queued"); checkWorkers(); }
    showPanel("run");
  }

  function attach(j, after) {
    job = { ...j, active: true };
    lastSeq = after || 0;
    setRunning(true);
    setJobStatus(`Queued · about ${Math.max(1, Math.round(j.estimated_time || 1))} s`, "queued");
    $("#exec-log").innerHTML = "";
    if (source) source.close();
    source = new EventSource(`/api/v1/jobs/${j.id}/events?after=${lastSeq}`);
    const handle = (fn) => (ev) => { lastSeq = Number(ev.lastEventId) || lastSeq; fn(JSON.parse(ev.data)); };
    source.addEventListener("job_started", handle((d) => {
      setJobStatus(d.attempt > 1 ? `Running (attempt ${d.attempt})` : "Running", "running");
      for (const n of graph.getNodes()) { setNodeStatus(n.id, "pending", "Waiting"); setNodeWarnings(n.id, []); clearNodeTrials(n.id); }
      $("#trials").innerHTML = "";
    }));
    source.addEventListener("node_warning", handle((d) => {
      addNodeWarning(d.node_id, d.message);
      execLog(`${d.node_id} warning: ${d.message}`, "warn");
    }));
    source.addEventListener("node_status", handle((d) => {
      const status = d.status;
      setNodeStatus(d.node_id, status, d.message || (d.duration != null ? `Done in ${d.duration.toFixed(2)} s` : ""));
      if (d.status === "failed") execLog(`${d.node_id} failed: ${d.message}`, "error");
      else if (d.status === "completed") execLog(`${d.node_id} completed in ${(d.duration || 0).toFixed(2)} s`, "ok");
      else if (d.status === "running") execLog(`${d.node_id} running…`, "");
    }));
    source.addEventListener("node_progress", handle((d) => {
      setNodeStatus(d.node_id, "running", d.message, d.progress);
      const el = $("#job-progress");
      if (el) el.textContent = `${d.node_id}: ${Math.round(d.progress * 100)}% ${d.message || ""}`;
    }));
    source.addEventListener("node_trial", handle((d) => {
      addNodeTrial(d.node_id, d);
      const v = d.value == null ? d.state : d.value.toPrecision(4);
      execLog(`${d.node_id} trial ${d.number + 1}/${d.n_trials}: ${v}` + (d.best != null ? ` (best ${d.best.toPrecision(4)})` : ""), "");
      refreshTrials(j.id);
    }));
    source.addEventListener("metrics", handle(() => {}));
    const finish = (kind, label) => handle((d) => {
      source.close();
      source = null;
      job.active = false;
      setRunning(false);
      setJobStatus(d.message ? `${label}: ${d.message}` : label, kind);
      const el = $("#job-progress");
      if (el) el.textContent = "";
      loadResults(j.id);
      htmx.ajax("GET", `/ui/workflows/${WID}/history`, { target: "#history", swap: "innerHTML" });
    });
    source.addEventListener("job_completed", finish("completed", "Completed"));
    source.addEventListener("job_failed", finish("error", "Failed"));
    source.addEventListener("job_cancelled", finish("cancelled", "Cancelled"));
    source.onerror = () => { if (source && source.readyState === EventSource.CLOSED) setJobStatus("Disconnected", "error"); };
  }

  // ------------------------------------------------------------------ optuna trials (live)
  // The run panel shows the server's rendering of the trials so far (one request at a time;
  // trials that finish meanwhile are picked up by the next); the Model node charts them.
  let trialsBusy = false, trialsAgain = false;
  function refreshTrials(jobId) {
    if (trialsBusy) { trialsAgain = true; return; }
    trialsBusy = true;
    htmx.ajax("GET", `/ui/jobs/${jobId}/trials`, { target: "#trials", swap: "innerHTML" }).finally(() => {
      trialsBusy = false;
      if (trialsAgain) { trialsAgain = false; refreshTrials(jobId); }
    });
  }

  function addNodeTrial(id, t) {
    const node = graph.getCellById(id);
    if (!node) return;
    const d = node.getData() || {};
    const trials = (d.trials || []).filter((x) => x.n !== t.number);
    trials.push({ n: t.number, v: t.value, best: t.best });
    const was = applyingServer;
    applyingServer = true;
    node.setData({ ...d, trials, trialsOf: t.n_trials }, { overwrite: true });
    applyingServer = was;
  }

  function clearNodeTrials(id) {
    const node = graph.getCellById(id);
    if (!node || !(node.getData() || {}).trials) return;
    const was = applyingServer;
    applyingServer = true;
    node.setData({ ...node.getData(), trials: [] }, { overwrite: true });
    applyingServer = was;
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

  function loadResults(jobId) {
    htmx.ajax("GET", `/ui/jobs/${jobId}/results`, { target: "#results", swap: "innerHTML" }).then(() => showPanel("results"));
  }

  async function cancel() {
    if (!job) return;
    cancelButton.disabled = true;
    setJobStatus("Cancelling…", "pending");
    await send(`/api/v1/jobs/${job.id}/cancel`, { method: "POST" });
  }

  runButton.addEventListener("click", run);
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
  load();
  setRunning(false);
  if (boot.job) {
    if (["pending", "queued", "running"].includes(boot.job.status)) attach(boot.job, 0); // reattach to the live run
    else if (boot.job.statuses) {
      for (const [id, st] of Object.entries(boot.job.statuses)) {
        setNodeStatus(id, st.status, st.message);
        if (st.warnings && st.warnings.length) setNodeWarnings(id, st.warnings);
      }
    }
  }
  window.playground = { graph, save, run, cancel, applyState, toast, get job() { return job; } };
})();
