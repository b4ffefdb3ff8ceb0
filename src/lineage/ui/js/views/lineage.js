// The lineage graph view: #/node/<nodeId>?depth=2&asOf=<RFC 3339>&fanout=12&path=<id>
// Click expands/collapses a node one level, Enter (or double-click) opens its page,
// "p" (or Shift+click) picks it as an end of the path to highlight.

import { api } from "../api.js";
import { h, notice, show } from "../dom.js";
import { drawGraph } from "../graph-svg.js";
import { layout, outward } from "../layout.js";
import { addRunStates, growFrom, loadModel } from "../lineage-model.js";
import { go, link, pageOf } from "../router.js";
import { timePicker } from "./time.js";

const DEPTHS = ["1", "2", "3", "4", "5", "10"];
const FANOUTS = ["8", "12", "25", "50", "0"];

function choice(labelText, name, values, current, onChange, names = {}) {
  const select = h("select", { name, onchange: (e) => onChange(e.target.value) },
    values.map((v) => h("option", { value: v, selected: v === current }, names[v] || v)));
  return h("label", {}, labelText, select);
}

class LineageView {
  constructor(nodeId, params) {
    this.nodeId = nodeId;
    this.depth = params.get("depth") || "2";
    this.asOf = params.get("asOf") || "";
    this.fanout = params.get("fanout") || "12";
    this.pathEnds = params.get("path") ? [nodeId, params.get("path")] : [];
    this.collapsed = new Set();
    this.opened = new Set();
    this.grown = new Set();
    this.path = { nodes: new Set(), edges: new Set() };
    this.focusId = null;
  }

  params(extra = {}) {
    return { depth: this.depth, asOf: this.asOf, fanout: this.fanout, ...extra };
  }

  reroute(extra) {
    go("node", [this.nodeId], this.params(extra));
  }

  toolbar() {
    return h("div", { class: "toolbar" },
      choice("Depth", "depth", DEPTHS, this.depth, (v) => this.reroute({ depth: v })),
      choice("Collapse fan-outs over", "fanout", FANOUTS, this.fanout,
        (v) => this.reroute({ fanout: v }), { 0: "never" }),
      timePicker(this.asOf, (iso) => this.reroute({ asOf: iso })),
      h("button", { type: "button", onclick: () => this.clearPath() }, "Clear path"),
      h("span", { class: "legend", "aria-hidden": "true" },
        ["dataset", "job", "model", "complete", "failed", "running"].map((kind) =>
          h("span", {}, h("span", { class: `swatch swatch-${kind}` }), kind))));
  }

  async start() {
    performance.clearMarks();
    performance.clearMeasures();
    performance.mark("lineage:fetch-start");
    this.status = h("p", { class: "sub", id: "graph-status", "aria-live": "polite" }, "Loading…");
    this.canvas = h("div", { class: "canvas", id: "graph-canvas" });
    this.side = h("aside", { class: "side", id: "node-panel", "aria-label": "Selected node" },
      h("p", { class: "sub" }, "Click a node to expand or collapse it; Enter opens its page; " +
        "p or Shift+click picks two nodes to highlight the path between them."));
    show(this.nodeId, h("h1", {}, this.nodeId), this.toolbar(), this.status,
      h("div", { class: "graph-wrap" }, this.canvas, this.side));
    try {
      this.model = await loadModel(this.nodeId, this.depth, this.asOf || undefined);
    } catch (error) {
      this.status.replaceWith(notice(error.message, "error"));
      return;
    }
    performance.mark("lineage:data");
    this.render();
    performance.mark("lineage:rendered");
    performance.measure("lineage:first-render", "lineage:fetch-start", "lineage:rendered");
    performance.measure("lineage:draw", "lineage:data", "lineage:rendered");
    document.body.dataset.graph = "ready";
    if (this.pathEnds.length === 2) this.highlightPath();
    addRunStates(this.model, Number(this.depth))
      .then(() => { this.render(); document.body.dataset.runs = "ready"; })
      .catch(() => { document.body.dataset.runs = "unavailable"; });
  }

  toggleMark(node) {
    if (node.type === "MORE") return null;
    if (this.collapsed.has(node.id)) return "+";
    const sides = node.depth === 0 ? [1, -1] : [Math.sign(node.depth)];
    const hasChildren = sides.some((s) => outward(this.model, this.adj, node.id, s).length);
    if (hasChildren) return "−";
    const leaf = this.grown.has(node.id) || Math.abs(node.depth) < Number(this.depth);
    return leaf ? null : "+";
  }

  render() {
    const options = { fanout: Number(this.fanout), collapsed: this.collapsed, opened: this.opened };
    this.drawn = layout(this.model, options);
    this.adj = this.drawn.adj;
    const marks = { root: this.model.root, selected: new Set(this.pathEnds),
      path: this.path.nodes, pathEdges: this.path.edges, toggle: (n) => this.toggleMark(n) };
    const picture = drawGraph(this.drawn, marks);
    picture.addEventListener("click", (e) => this.onClick(e));
    picture.addEventListener("dblclick", (e) => this.onOpen(e));
    picture.addEventListener("keydown", (e) => this.onKey(e));
    picture.addEventListener("focusin", (e) => this.onFocus(e));
    this.canvas.replaceChildren(picture);
    const hidden = this.model.nodes.size - this.drawn.nodes.filter((n) => n.type !== "MORE").length;
    this.status.textContent = `${this.model.nodes.size} nodes, ${this.model.edges.length} edges` +
      (hidden > 0 ? ` (${hidden} folded)` : "") + (this.asOf ? `, as of ${this.asOf}` : "") +
      (this.model.truncated ? "; more lineage lies beyond this depth (+ expands)" : "");
    if (this.focusId) picture.querySelector(`[data-id="${CSS.escape(this.focusId)}"]`)?.focus();
  }

  nodeOf(event) {
    const g = event.target.closest("g.node");
    if (!g) return null;
    const id = g.dataset.id;
    return this.drawn.nodes.find((n) => n.id === id) || null;
  }

  onClick(event) {
    const node = this.nodeOf(event);
    if (!node) return;
    this.focusId = node.id;
    if (event.shiftKey) this.pick(node);
    else this.toggle(node);
  }

  onOpen(event) {
    const node = this.nodeOf(event);
    if (node && node.type !== "MORE") location.hash = pageOf(node);
  }

  onKey(event) {
    const node = this.nodeOf(event);
    if (!node) return;
    if (event.key === "Enter") {
      event.preventDefault();
      if (node.type === "MORE") this.toggle(node);
      else location.hash = pageOf(node);
    } else if (event.key === " " || event.key === "+" || event.key === "-") {
      event.preventDefault();
      this.focusId = node.id;
      this.toggle(node);
    } else if (event.key === "p") {
      this.focusId = node.id;
      this.pick(node);
    } else if (event.key.startsWith("Arrow")) {
      event.preventDefault();
      this.moveFocus(node, event.key);
    }
  }

  moveFocus(node, key) {
    const dx = key === "ArrowRight" ? 1 : key === "ArrowLeft" ? -1 : 0;
    const dy = key === "ArrowDown" ? 1 : key === "ArrowUp" ? -1 : 0;
    const candidates = this.drawn.nodes.filter((n) => n.id !== node.id &&
      (dx ? Math.sign(n.x - node.x) === dx : n.x === node.x && Math.sign(n.y - node.y) === dy));
    const distance = (n) => Math.abs(n.x - node.x) * 4 + Math.abs(n.y - node.y);
    candidates.sort((a, b) => distance(a) - distance(b));
    if (candidates.length) {
      this.canvas.querySelector(`[data-id="${CSS.escape(candidates[0].id)}"]`)?.focus();
    }
  }

  onFocus(event) {
    const node = this.nodeOf(event);
    if (node && node.type !== "MORE") this.describe(node);
  }

  async toggle(node) {
    if (node.type === "MORE") {
      this.opened.add(node.id);
      this.focusId = node.owner;
    } else if (this.toggleMark(node) === "−") {
      this.collapsed.add(node.id);
    } else if (this.collapsed.has(node.id)) {
      this.collapsed.delete(node.id);
    } else if (this.toggleMark(node) === "+") {
      this.grown.add(node.id);
      await growFrom(this.model, node.id, this.asOf || undefined);
      await addRunStates(this.model, Number(this.depth) + 5).catch(() => 0);
    }
    this.render();
  }

  pick(node) {
    if (node.type === "MORE") return;
    this.pathEnds = [...this.pathEnds.filter((id) => id !== node.id), node.id].slice(-2);
    if (this.pathEnds.length === 2) this.highlightPath();
    else this.render();
  }

  clearPath() {
    this.pathEnds = [];
    this.path = { nodes: new Set(), edges: new Set() };
    this.render();
  }

  async highlightPath() {
    const [a, b] = this.pathEnds;
    const answer = await api.path(a, b).catch((error) => ({ paths: [], error }));
    const route = answer.paths[0] || [];
    const edges = new Set();
    route.slice(1).forEach((id, i) => {
      edges.add(`${route[i]}>${id}`);
      edges.add(`${id}>${route[i]}`);
    });
    this.path = { nodes: new Set(route), edges };
    this.render();
    this.status.textContent += route.length
      ? `; path of ${route.length - 1} hops highlighted`
      : "; no lineage path between the two picked nodes";
  }

  describe(node) {
    const isDataset = node.type === "DATASET";
    this.side.replaceChildren(
      h("h3", {}, node.name),
      h("p", { class: "sub" }, `${node.kind || node.type.toLowerCase()} in ${node.namespace}`),
      node.type === "JOB" ? h("p", {}, "Latest run: ", node.runState || "unknown") : null,
      h("ul", {},
        h("li", {}, h("a", { href: pageOf(node) }, "Open page")),
        h("li", {}, h("a", { href: link("node", [node.id], this.params()) }, "Centre graph here")),
        isDataset ? h("li", {}, h("a", { href: link("columns", [node.namespace, node.name]) },
          "Column lineage")) : null,
        isDataset ? h("li", {}, h("a", { href: link("impact", [node.namespace, node.name]) },
          "Impact of a schema change")) : null,
        h("li", {}, h("button", { type: "button", onclick: () => this.pick(node) },
          "Pick for path"))));
  }
}

/** Show the lineage graph around `nodeId`. */
export function lineageView(args, params) {
  return new LineageView(args[0], params).start();
}
