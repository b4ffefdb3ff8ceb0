// The lineage graph view. Its whole state is in the address:
// #/node/<nodeId>?depth=2&fanout=12&asOf=<RFC 3339>&mode=columns&sel=<id>&end=<id>&end=<id>
//   &collapsed=<id>...&expand=<id>...&opened=<more id>...&at=<x>,<y>,<scale>
// Click (or Space) selects a node and shows it in the side panel; its +/− control (or E)
// expands or collapses it; Enter or double-click opens its page; Shift+click (or P) picks it
// as an end of the path to highlight. Wheel, drag, the buttons and + - 0 and arrows pan and zoom.

import { api } from "../api.js";
import { h, notice, show, when } from "../dom.js";
import { GraphCanvas } from "../graph-canvas.js";
import { layout, outward } from "../layout.js";
import { addRunStates, growFrom, loadFieldModel, loadModel } from "../lineage-model.js";
import { link, pageOf } from "../router.js";
import { fillPanel } from "./node-panel.js";
import { timePicker } from "./time.js";

const DEPTHS = ["1", "2", "3", "4", "5", "10"];
let active = null;  // the view on screen: a replaced one must not write the address any more
const FANOUTS = ["8", "12", "25", "50", "0"];

function choice(labelText, name, values, current, onChange, names = {}) {
  const select = h("select", { name, onchange: (e) => onChange(e.target.value) },
    values.map((v) => h("option", { value: v, selected: v === current }, names[v] || v)));
  return h("label", {}, labelText, select);
}

/** Times at which the root changed: schema versions of a dataset, runs of a job. */
async function historyTimes(node) {
  const [kind, ...rest] = node.split(":");
  const name = rest.slice(-1)[0];
  const namespace = rest.slice(0, -1).join(":");
  const times = kind === "job"
    ? (await api.runs(namespace, name, 100)).runs.flatMap((r) => [r.startedAt, r.endedAt])
    : (await api.versions(namespace, name)).versions.map((v) => v.createdAt);
  return [...new Set(times.filter(Boolean))].sort();
}

class LineageView {
  constructor(nodeId, params) {
    this.nodeId = nodeId;
    this.depth = params.get("depth") || "2";
    this.asOf = params.get("asOf") || "";
    this.fanout = params.get("fanout") || "12";
    this.mode = params.get("mode") === "columns" ? "columns" : "";
    this.field = this.mode ? params.get("field") || "" : "";
    this.selected = params.get("sel") || "";
    this.ends = params.getAll("end").slice(0, 2);
    this.collapsed = new Set(params.getAll("collapsed"));
    this.grown = params.getAll("expand");
    this.opened = new Set(params.getAll("opened"));
    this.at = (params.get("at") || "").split(",").map(Number);
    this.path = { nodes: new Set(), edges: new Set() };
  }

  /** The address of this view's state; `extra` overrides. */
  address(extra = {}) {
    const state = { depth: this.depth, fanout: this.fanout, asOf: this.asOf, mode: this.mode,
      field: this.field, sel: this.selected, end: this.ends, collapsed: [...this.collapsed], expand: this.grown,
      opened: [...this.opened], ...extra };
    const q = new URLSearchParams();
    for (const [key, value] of Object.entries(state)) {
      for (const v of [value].flat()) if (v !== "" && v !== null && v !== undefined) q.append(key, v);
    }
    return `#/node/${encodeURIComponent(this.nodeId)}?${q}`;
  }

  /** Write the state into the address without a new history entry (Back leaves the view). */
  remember() {
    if (active !== this || !location.hash.startsWith(`#/node/${encodeURIComponent(this.nodeId)}?`)) {
      return;  // another view (or another page) is on screen now
    }
    const c = this.graph?.panzoom ? this.graph.centre() : null;
    const at = c ? `${Math.round(c.x)},${Math.round(c.y)},${c.k.toFixed(3)}` : "";
    history.replaceState(null, "", this.address({ at }));
  }

  reroute(extra) {
    active = null;
    location.hash = this.address({ sel: "", end: [], collapsed: [], expand: [], opened: [],
      ...extra });
  }

  toolbar() {
    const isDataset = this.nodeId.startsWith("dataset:");
    // both are filled once their data is in, in space kept for them (no layout shift)
    this.slider = this.mode ? null : h("span", { class: "slider", id: "history-slider" });
    this.fieldSlot = this.mode ? h("span", { id: "field-picker" }, choice("Column", "field",
      [this.field], this.field, (v) => this.reroute({ field: v }), { "": "every column" })) : null;
    return h("div", { class: "toolbar" },
      choice("Depth", "depth", DEPTHS, this.depth, (v) => this.reroute({ depth: v })),
      choice("Fold fan-outs over", "fanout", FANOUTS, this.fanout,
        (v) => this.reroute({ fanout: v }), { 0: "never" }),
      isDataset ? h("span", { class: "segmented", role: "group", "aria-label": "Level" },
        h("button", { type: "button", "aria-pressed": String(!this.mode),
          onclick: () => this.reroute({ mode: "", field: "" }) }, "Datasets & jobs"),
        h("button", { type: "button", "aria-pressed": String(this.mode === "columns"),
          id: "mode-columns", onclick: () => this.reroute({ mode: "columns" }) }, "Columns"))
        : null,
      this.fieldSlot,
      timePicker(this.asOf, (iso) => this.reroute({ asOf: iso })),
      this.slider,
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
    this.graph = new GraphCanvas("graph-canvas", {
      select: (node, event) => (event.shiftKey ? this.pick(node) : this.select(node)),
      toggle: (node) => this.toggle(node),
      open: (node) => this.open(node),
      key: (node, event) => this.onKey(node, event),
      view: () => this.rememberSoon(),
    });
    this.side = h("aside", { class: "side", id: "node-panel", "aria-label": "Selected node" },
      h("p", { class: "sub" }, "Click a node (or focus it and press Space) to see it here. " +
        "Its + / − control (or E) expands or collapses it; Enter opens its page; " +
        "Shift+click (or P) on two nodes highlights the path between them."));
    show(this.nodeId, h("h1", {}, this.nodeId), this.toolbar(), this.status,
      h("div", { class: "graph-wrap" }, this.graph.element, this.side));
    try {
      await this.load();
    } catch (error) {
      this.status.replaceWith(notice(error.message, "error"));
      return;
    }
    performance.mark("lineage:data");
    this.render({ fit: true });
    if (this.at.length === 3 && this.at.every(Number.isFinite)) this.graph.restore(...this.at);
    performance.mark("lineage:rendered");
    performance.measure("lineage:first-render", "lineage:fetch-start", "lineage:rendered");
    performance.measure("lineage:draw", "lineage:data", "lineage:rendered");
    document.body.dataset.graph = "ready";
    // the frame after next has been painted: what the user waited for
    requestAnimationFrame(() => requestAnimationFrame(() => {
      performance.mark("lineage:painted");
      performance.measure("lineage:first-paint", "lineage:fetch-start", "lineage:painted");
      document.body.dataset.painted = "yes";
    }));
    this.addSlider();
    if (this.selected && this.model.nodes.has(this.selected)) {
      this.select(this.model.nodes.get(this.selected));
    }
    if (this.ends.length === 2) this.highlightPath();
    if (this.mode) return;
    addRunStates(this.model, Number(this.depth))
      .then(() => { this.paintRuns(); document.body.dataset.runs = "ready"; })
      .catch(() => { document.body.dataset.runs = "unavailable"; });
  }

  async load() {
    if (this.mode === "columns") {
      const [, ...rest] = this.nodeId.split(":");
      const name = rest.slice(-1)[0];
      let fields;
      ({ model: this.model, fields } = await loadFieldModel(rest.slice(0, -1).join(":"), name,
        this.field, Number(this.depth)));
      this.fieldSlot.querySelector("select").replaceChildren(...["", ...fields.map((f) => f.name)]
        .map((v) => h("option", { value: v, selected: v === this.field }, v || "every column")));
      if (!this.model.roots.length) throw new Error("No fields or column lineage recorded.");
      return;
    }
    this.model = await loadModel(this.nodeId, this.depth, this.asOf || undefined);
    for (const id of this.grown) {
      if (this.model.nodes.has(id)) await growFrom(this.model, id, this.asOf || undefined);
    }
  }

  async addSlider() {
    if (this.mode) return;
    let times;
    try {
      times = await historyTimes(this.nodeId);
    } catch {
      return;
    }
    if (!times.length) return;
    const index = this.asOf ? times.findIndex((t) => t >= this.asOf) : times.length;
    const value = index < 0 ? times.length : index;
    const label = h("output", { id: "history-label" }, value >= times.length ? "now"
      : when(times[value]));
    const input = h("input", { type: "range", name: "history", min: 0, max: times.length,
      value, step: 1, "aria-label": "Time travel over the root's history",
      "aria-valuetext": label.textContent });
    input.addEventListener("input", () => {
      const i = Number(input.value);
      label.textContent = i >= times.length ? "now" : when(times[i]);
      input.setAttribute("aria-valuetext", label.textContent);
    });
    input.addEventListener("change", () => {
      const i = Number(input.value);
      this.reroute({ asOf: i >= times.length ? "" : times[i] });
    });
    this.slider.replaceChildren(h("label", {}, "History", input), label);
  }

  toggleMark(node) {
    if (node.type === "MORE" || this.mode) return null;
    if (this.collapsed.has(node.id)) return "+";
    const sides = node.depth === 0 ? [1, -1] : [Math.sign(node.depth)];
    const hasChildren = sides.some((s) => outward(this.model, this.adj, node.id, s).length);
    if (hasChildren) return "−";
    const leaf = this.grown.includes(node.id) || Math.abs(node.depth) < Number(this.depth);
    return leaf ? null : "+";
  }

  render({ fit = false } = {}) {
    const options = { fanout: this.mode ? 0 : Number(this.fanout), collapsed: this.collapsed,
      opened: this.opened, aspect: this.graph.aspect() };
    this.drawn = layout(this.model, options);
    this.adj = this.drawn.adj;
    const marks = { root: this.mode ? "" : this.model.root, selected: this.selected,
      ends: new Set(this.ends), path: this.path.nodes, pathEdges: this.path.edges,
      toggle: (n) => this.toggleMark(n) };
    this.graph.draw(this.drawn, marks, { fit });
    const drawnReal = this.drawn.nodes.filter((n) => n.type !== "MORE").length;
    const hidden = this.model.nodes.size - drawnReal;
    const quiet = [...this.model.nodes.values()].filter((n) => n.quiet).length;
    const what = this.mode ? `${this.model.nodes.size} columns (${quiet} without lineage), ` +
      `${this.model.edges.length} column edges` : `${this.model.nodes.size} nodes, ${this.model.edges.length} edges`;
    this.status.textContent = what + (hidden > 0 ? ` (${hidden} folded)` : "") +
      (this.asOf ? `, as of ${this.asOf}` : "") +
      (this.model.truncated ? "; more lineage lies beyond this depth (+ expands)" : "");
    if (this.focusId) this.graph.focus(this.focusId);
    this.remember();
  }

  /** Colour the jobs' run dots from the model without laying the graph out again. */
  paintRuns() {
    for (const node of this.drawn.nodes) {
      if (node.type === "JOB") node.runState = this.model.nodes.get(node.id)?.runState;
    }
    this.graph.paintRuns();
  }

  rememberSoon() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.remember(), 200);
  }

  open(node) {
    if (node.type === "MORE") this.toggle(node);
    else if (node.type !== "FIELD") location.hash = pageOf(node);
  }

  onKey(node, event) {
    if (event.key === "Enter") {
      event.preventDefault();
      this.open(node);
    } else if (event.key === " ") {
      event.preventDefault();
      this.select(node);
    } else if (event.key === "e" || event.key === "E") {
      this.focusId = node.id;
      this.toggle(node);
    } else if (event.key === "p" || event.key === "P") {
      this.focusId = node.id;
      this.pick(node);
    } else if (event.key.startsWith("Arrow") && !event.shiftKey) {
      event.preventDefault();
      this.moveFocus(node, event.key);
    } else return false;
    return true;
  }

  moveFocus(node, key) {
    const dx = key === "ArrowRight" ? 1 : key === "ArrowLeft" ? -1 : 0;
    const dy = key === "ArrowDown" ? 1 : key === "ArrowUp" ? -1 : 0;
    const candidates = this.drawn.nodes.filter((n) => n.id !== node.id &&
      (dx ? Math.sign(n.x - node.x) === dx : n.x === node.x && Math.sign(n.y - node.y) === dy));
    const distance = (n) => Math.abs(n.x - node.x) * 4 + Math.abs(n.y - node.y);
    candidates.sort((a, b) => distance(a) - distance(b));
    if (candidates.length) this.graph.focus(candidates[0].id);
  }

  select(node) {
    if (node.type === "MORE") {
      this.toggle(node);
      return;
    }
    this.selected = node.id;
    this.focusId = node.id;
    this.graph.markSelected(node.id);
    this.remember();
    const centre = h("button", { type: "button", onclick: () => {
      location.hash = link("node", [node.id], { depth: this.depth, fanout: this.fanout,
        asOf: this.asOf });
    } }, "Centre graph here");
    const pick = h("button", { type: "button", onclick: () => this.pick(node) }, "Pick for path");
    fillPanel(this.side, node, node.type === "FIELD" ? [] : [centre, pick]);
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
      this.grown.push(node.id);
      await growFrom(this.model, node.id, this.asOf || undefined);
      await addRunStates(this.model, Number(this.depth) + 5).catch(() => 0);
    }
    this.focusId = this.focusId || node.id;
    this.render({ fit: true });  // what was added or removed may lie outside the old view
  }

  pick(node) {
    if (node.type === "MORE") return;
    this.ends = [...this.ends.filter((id) => id !== node.id), node.id].slice(-2);
    if (this.ends.length === 2) this.highlightPath();
    else this.render();
  }

  clearPath() {
    this.ends = [];
    this.path = { nodes: new Set(), edges: new Set() };
    this.render();
  }

  async highlightPath() {
    const [a, b] = this.ends;
    let answer = await api.path(a, b).catch(() => ({ paths: [] }));
    if (!answer.paths.length) answer = await api.path(b, a).catch(() => ({ paths: [] }));
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
}

/** Show the lineage graph around `nodeId`. */
export function lineageView(args, params) {
  active = new LineageView(args[0], params);
  return active.start();
}
