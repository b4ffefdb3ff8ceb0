// A graph on a canvas that pans and zooms: the SVG picture, zoom buttons, a minimap when
// the picture is large, a tooltip with the full id, and fitting that always puts the root in
// the middle of the view. Far out, labels are hidden (they would be unreadable anyway).

import { h } from "./dom.js";
import { drawGraph, edgeBoxes, nodeMarkup, paintRun, setEdges } from "./graph-svg.js";
import { SIZE } from "./layout.js";
import { Minimap } from "./minimap.js";
import { PanZoom } from "./panzoom.js";

const MINIMAP_NODES = 60;
const MARGIN = 24;
const LABELS_FROM = 0.35;  // scale below which node labels are not drawn
const READABLE = 0.6;  // the scale a large picture opens at, centred on its root
const MOUNT_ALL = 600;  // pictures up to this many nodes are put in the page whole
const NEAR = 0.25;  // nodes within this many view sizes around the view are mounted
const FAR = 0.8;  // and unmounted beyond this many; edges are drawn this far around the view

export class GraphCanvas {
  /**
   * `handlers`: {select(node, event), toggle(node), open(node), key(node, event) -> handled,
   * view({x, y, k})}; nodes are looked up by the `data-id` of what was clicked.
   */
  constructor(id, handlers) {
    this.handlers = handlers;
    this.plane = h("div", { class: "plane" });
    this.tip = h("div", { class: "tooltip", role: "tooltip", hidden: true });
    this.canvas = h("div", { class: "canvas", id, tabindex: 0, role: "group",
      "aria-label": "Lineage graph: arrow keys pan, + and - zoom, 0 fits; Tab reaches the nodes" },
    this.plane, this.tip);
    this.panzoom = new PanZoom(this.canvas, this.plane, (view) => this.onView(view));
    this.canvas.addEventListener("click", (e) => this.onClick(e));
    this.canvas.addEventListener("dblclick", (e) => {
      const node = this.nodeOf(e);
      if (node) this.handlers.open?.(node);
    });
    this.canvas.addEventListener("keydown", (e) => this.onKey(e));
    // a canvas that changes size (window resized, a scrollbar appearing) is fitted again,
    // unless the user has moved the view since it was last fitted
    new ResizeObserver(([entry]) => {
      this.panzoom.resized(entry.contentRect.width, entry.contentRect.height);
      if (this.drawn && !this.panzoom.touched) this.fit();
    }).observe(this.canvas);
    this.canvas.addEventListener("focusin", (e) => this.reveal(this.nodeOf(e)));
    this.canvas.addEventListener("pointerover", (e) => this.showTip(e));
    this.canvas.addEventListener("pointerleave", () => { this.tip.hidden = true; });
    const button = (label, text, action) => h("button", { type: "button", "aria-label": label,
      title: label, onclick: action }, text);
    this.controls = h("div", { class: "zoom-controls", role: "toolbar", "aria-label": "View" },
      button("Zoom in", "+", () => this.panzoom.zoom(1.25)),
      button("Zoom out", "−", () => this.panzoom.zoom(0.8)),
      button("Fit the graph to the view", "Fit", () => this.fit()),
      button("Centre on the root", "Root", () => this.centreRoot()));
    this.mapSlot = h("div", { class: "minimap-slot" });
    this.element = h("div", { class: "canvas-box" }, this.canvas, this.controls, this.mapSlot);
  }

  /** Width / height of the canvas (for the layout's shape). */
  aspect() {
    const box = this.canvas.getBoundingClientRect();
    return box.width && box.height ? box.width / box.height : 1.6;
  }

  /** Draw `drawn` with `marks`; keeps the current view unless `fit` is asked for. */
  draw(drawn, marks, { fit = false } = {}) {
    this.drawn = drawn;
    this.byId = new Map(drawn.nodes.map((n) => [n.id, n]));
    const previous = this.svg ? this.panzoom.view : null;
    this.marks = marks;
    this.svg = drawGraph(drawn);
    this.edges = edgeBoxes(drawn, marks);
    this.edgeArea = null;
    this.layer = this.svg.querySelector("g.nodes");
    this.mounted = new Map();
    this.plane.replaceChildren(this.svg);
    if (drawn.nodes.length <= MOUNT_ALL) {
      this.mount(drawn.nodes);
      setEdges(this.svg, this.edges);
    }
    const large = drawn.nodes.length > MINIMAP_NODES || this.oversized();
    this.minimap = large ? new Minimap(drawn, this.panzoom) : null;
    this.mapSlot.replaceChildren(...(this.minimap ? [this.minimap.canvas] : []));
    if (fit || !previous) this.fit();
    else {
      this.panzoom.view = previous;
      this.panzoom.apply();
    }
  }

  /**
   * Fit the view, the root always in it: centred on the root when that shows everything at
   * nearly the scale a plain fit would; else the whole picture when its labels stay legible;
   * else (a large picture) centred on the root at a legible scale, the minimap for the rest.
   */
  fit() {
    const { root, width, height } = this.drawn;
    const centred = this.panzoom.fitScale(Math.max(root.x, width - root.x) + MARGIN,
      Math.max(root.y, height - root.y) + MARGIN);
    const whole = this.panzoom.fitScale(width / 2 + MARGIN, height / 2 + MARGIN);
    this.panzoom.touched = false;
    if (centred >= 0.75 * whole && centred >= LABELS_FROM) {
      this.panzoom.centreOn(root.x, root.y, centred);
    } else if (whole >= LABELS_FROM) this.panzoom.centreOn(width / 2, height / 2, whole);
    else this.panzoom.centreOn(root.x, root.y, Math.max(centred, READABLE));
  }

  /** True when the whole picture cannot be shown with legible labels. */
  oversized() {
    const { width, height } = this.drawn;
    return this.panzoom.fitScale(width / 2 + MARGIN, height / 2 + MARGIN) < LABELS_FROM;
  }

  centreRoot() {
    this.panzoom.centreOn(this.drawn.root.x, this.drawn.root.y, Math.max(this.panzoom.view.k, 0.8));
  }

  /** Restore a view from the address: picture point (cx, cy) in the middle at scale k. */
  restore(cx, cy, k) {
    this.panzoom.centreOn(cx, cy, k);
  }

  /** The picture point in the middle of the view, and the scale. */
  centre() {
    const area = this.panzoom.visible();
    return { x: area.x + area.width / 2, y: area.y + area.height / 2, k: this.panzoom.view.k };
  }

  /** Put `nodes` (not yet in the page) into the nodes layer. */
  mount(nodes) {
    if (!nodes.length) return;
    this.layer.insertAdjacentHTML("beforeend",
      nodes.map((node) => nodeMarkup(node, this.marks)).join(""));
    let el = this.layer.lastElementChild;
    for (let i = nodes.length - 1; i >= 0; i -= 1, el = el.previousElementSibling) {
      this.mounted.set(nodes[i].id, el);
    }
  }

  /**
   * The jobs' run states changed: repaint the mounted ones in place (elements are kept, so a
   * click or the focus on one is not lost); nodes mounted later are drawn from `drawn`.
   */
  paintRuns() {
    for (const [id, el] of this.mounted) {
      const node = this.byId.get(id);
      if (node.type === "JOB") paintRun(el, node);
    }
  }

  /**
   * Large pictures only: mount the nodes near the view and drop those far from it, and draw
   * the edges whose box meets the view widened by FAR whenever the view has left the area
   * they were last drawn for.
   */
  cull() {
    if (!this.drawn || this.drawn.nodes.length <= MOUNT_ALL) return;
    const area = this.panzoom.visible();
    const around = (factor) => ({ x0: area.x - area.width * factor, y0: area.y - area.height * factor,
      x1: area.x + area.width * (1 + factor), y1: area.y + area.height * (1 + factor) });
    const near = around(NEAR);
    const far = around(FAR);
    const within = (node, box) => node.x + SIZE.width >= box.x0 && node.x <= box.x1 &&
      node.y + SIZE.height >= box.y0 && node.y <= box.y1;
    const fresh = [];
    for (const node of this.drawn.nodes) {
      const el = this.mounted.get(node.id);
      if (!el && within(node, near)) fresh.push(node);
      else if (el && !within(node, far) && el !== document.activeElement) {
        el.remove();
        this.mounted.delete(node.id);
      }
    }
    this.mount(fresh);
    // an attribute written every frame would have the whole picture's style recomputed
    const count = String(this.mounted.size);
    if (this.layer.dataset.mounted !== count) this.layer.dataset.mounted = count;
    const drawnFor = this.edgeArea;
    if (!drawnFor || near.x0 < drawnFor.x0 || near.y0 < drawnFor.y0 || near.x1 > drawnFor.x1 ||
      near.y1 > drawnFor.y1) {
      this.edgeArea = far;
      setEdges(this.svg, this.edges.filter(([x1, y1, x2, y2]) =>
        Math.max(x1, x2) >= far.x0 && Math.min(x1, x2) <= far.x1 &&
        Math.max(y1, y2) >= far.y0 && Math.min(y1, y2) <= far.y1));
    }
  }

  onView(view) {
    this.cull();
    this.svg?.classList.toggle("far", view.k < LABELS_FROM);
    this.minimap?.draw();
    this.handlers.view?.(view);
  }

  /** The full id of the node under the pointer, beside it. */
  showTip(event) {
    const node = this.nodeOf(event);
    if (!node) {
      this.tip.hidden = true;
      return;
    }
    const box = this.canvas.getBoundingClientRect();
    this.tip.textContent = node.type === "MORE" ? node.name : node.id;
    this.tip.style.left = `${Math.min(event.clientX - box.left + 12, box.width - 320)}px`;
    this.tip.style.top = `${event.clientY - box.top + 16}px`;
    this.tip.hidden = false;
  }

  nodeOf(event) {
    const g = event.target.closest?.("g.node");
    return g ? this.byId.get(g.dataset.id) || null : null;
  }

  /** Pan just enough to bring a focused node into view. */
  reveal(node) {
    if (!node) return;
    const area = this.panzoom.visible();
    const inside = node.x >= area.x && node.y >= area.y &&
      node.x + SIZE.width <= area.x + area.width && node.y + SIZE.height <= area.y + area.height;
    if (!inside) this.panzoom.centreOn(node.x + SIZE.width / 2, node.y + SIZE.height / 2);
  }

  onClick(event) {
    if (this.panzoom.moved) return;  // the end of a drag
    const toggle = event.target.closest?.(".toggle");
    const node = this.nodeOf(event);
    if (!node) return;
    if (toggle) this.handlers.toggle?.(node);
    else this.handlers.select?.(node, event);
  }

  onKey(event) {
    const node = this.nodeOf(event);
    if (node && this.handlers.key?.(node, event)) return;
    if (event.key === "0") {
      event.preventDefault();
      this.fit();
      return;
    }
    this.panzoom.onKey(event, { arrows: !node });
  }

  /** Focus a node, bringing it into view (and into the page) first. */
  focus(id) {
    const node = this.byId?.get(id);
    if (!node) return;
    if (!this.mounted.has(id)) this.reveal(node);
    this.mounted.get(id)?.focus({ preventScroll: true });
  }

  /** Mark one node as selected without drawing again. */
  markSelected(id) {
    this.marks.selected = id;  // nodes mounted later are drawn selected too
    for (const g of this.svg.querySelectorAll("g.node.selected")) {
      g.classList.remove("selected");
      g.setAttribute("aria-pressed", "false");
    }
    const g = this.mounted.get(id);
    g?.classList.add("selected");
    g?.setAttribute("aria-pressed", "true");
  }
}
