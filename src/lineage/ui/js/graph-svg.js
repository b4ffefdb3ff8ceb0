// Draw a laid-out graph as SVG: datasets as pills, jobs as boxes with a run-state dot,
// models in their own colour, "+N more" nodes dashed. Every node is focusable; its expand /
// collapse control is a separate button beside it.
//
// Nodes are written as escaped markup (every value from data goes through `esc`), which the
// browser parses faster than it builds elements one call at a time, and only the nodes near
// the view are in the page at all (GraphCanvas mounts them as the view moves); edges are two
// <path>s per class (curves, arrow heads), not one element per edge.

import { svg } from "./dom.js";
import { SIZE } from "./layout.js";

const CHAR_WIDTH = 7;  // 12px system-ui, a little generous
const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text made safe for markup, in content and in quoted attributes. */
export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** `name` cut in the middle to at most `max` characters, keeping more of its end. */
export function middle(name, max) {
  if (name.length <= max) return name;
  const tail = Math.ceil((max - 1) * 0.6);
  return `${name.slice(0, max - 1 - tail)}…${name.slice(-tail)}`;
}

function typeClass(node) {
  if (node.type === "MORE") return "MORE";
  if (node.kind === "model") return "MODEL";
  return node.type;
}

function describe(node) {
  if (node.type === "MORE") return `${node.count} more nodes, press Enter to show them`;
  if (node.type === "FIELD") {
    return `column ${node.field} of ${node.dataset}${node.quiet ? ", no column lineage" : ""}`;
  }
  const run = node.type === "JOB" ? `, latest run ${node.runState || "unknown"}` : "";
  return `${typeClass(node).toLowerCase()} ${node.name} in ${node.namespace}${run}`;
}

function toggleMarkup(node, sign) {
  const cx = node.depth < 0 ? -11 : SIZE.width + 11;
  const label = `${sign === "+" ? "Expand" : "Collapse"} ${node.name}`;
  return `<g class="toggle" data-toggle="${esc(node.id)}" role="button" aria-label="${esc(label)}">` +
    `<circle cx="${cx}" cy="${SIZE.height / 2}" r="9"></circle>` +
    `<text x="${cx}" y="${SIZE.height / 2 + 4}" text-anchor="middle">${sign === "+" ? "+" : "−"}</text></g>`;
}

/**
 * The markup of one node (a focusable <g>), escaped. `marks` = {root, selected, ends: Set,
 * path: Set of ids, pathEdges: Set of "from>to", toggle(node) -> "+" | "−" | null}.
 */
export function nodeMarkup(node, marks) {
  const classes = ["node", typeClass(node)];
  if (marks.root === node.id) classes.push("root");
  if (marks.selected === node.id) classes.push("selected");
  if (marks.ends.has(node.id)) classes.push("path-end");
  if (marks.path.has(node.id)) classes.push("on-path");
  if (node.quiet) classes.push("quiet");
  const rx = node.type === "JOB" ? 3 : SIZE.height / 2;
  let textX = 14;
  let run = "";
  if (node.type === "JOB") {
    const state = esc(node.runState || "none");
    run = `<circle class="run run-${state}" cx="13" cy="${SIZE.height / 2}" r="6" data-state="${state}"></circle>`;
    textX = 25;
  }
  const text = middle(node.name, Math.floor((SIZE.width - textX - 10) / CHAR_WIDTH));
  const sign = marks.toggle(node);
  return `<g class="${classes.join(" ")}" transform="translate(${node.x},${node.y})" tabindex="0" ` +
    `role="button" data-id="${esc(node.id)}" aria-label="${esc(describe(node))}" ` +
    `aria-pressed="${marks.selected === node.id}">` +
    `<rect class="shape" width="${SIZE.width}" height="${SIZE.height}" rx="${rx}"></rect>${run}` +
    `<text x="${textX}" y="${SIZE.height / 2 + 4}">${esc(text)}</text>` +
    `${sign === null ? "" : toggleMarkup(node, sign)}</g>`;
}

/** Bring a mounted job node's run dot and label up to date with `node.runState`, in place. */
export function paintRun(el, node) {
  const dot = el.querySelector("circle.run");
  if (!dot) return;
  const state = node.runState || "none";
  dot.setAttribute("class", `run run-${state}`);
  dot.dataset.state = state;
  el.setAttribute("aria-label", describe(node));
}

/**
 * The edges of `drawn` as boxes [x1, y1, x2, y2, onPath] (from the source's right side to
 * the target's left side); a curve with level ends never leaves the box of its ends, so a
 * box outside the view means an edge not seen.
 */
export function edgeBoxes(drawn, marks) {
  const at = new Map(drawn.nodes.map((n) => [n.id, n]));
  const boxes = [];
  for (const edge of drawn.edges) {
    const a = at.get(edge.from);
    const b = at.get(edge.to);
    if (!a || !b) continue;
    boxes.push([a.x + SIZE.width, a.y + SIZE.height / 2, b.x - 1, b.y + SIZE.height / 2,
      marks.pathEdges.has(`${edge.from}>${edge.to}`)]);
  }
  return boxes;
}

/** Path data of edge boxes: {curves, heads}, one string each. */
export function edgeData(boxes) {
  let curves = "";
  let heads = "";
  for (const [x1, y1, x2, y2] of boxes) {
    const bend = Math.max(40, Math.abs(x2 - x1) / 2);
    curves += `M${x1},${y1}C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2 - 7},${y2}`;
    heads += `M${x2 - 8},${y2 - 4.5}L${x2},${y2}L${x2 - 8},${y2 + 4.5}z`;
  }
  return { curves, heads };
}

function edgeGroup(extra) {
  const g = svg("g", { class: `edge-set ${extra}`, "data-count": 0 });
  g.append(svg("path", { class: `edge ${extra}` }), svg("path", { class: `head ${extra}` }));
  return g;
}

/** Put `boxes` (from edgeBoxes) into the edge layers of a picture from drawGraph. */
export function setEdges(picture, boxes) {
  for (const [extra, onPath] of [["plain", false], ["on-path", true]]) {
    const group = picture.querySelector(`g.edge-set.${extra}`);
    const chosen = boxes.filter((b) => b[4] === onPath);
    const { curves, heads } = edgeData(chosen);
    group.dataset.count = String(chosen.length);
    group.firstElementChild.setAttribute("d", curves);
    group.lastElementChild.setAttribute("d", heads);
  }
}

/**
 * An <svg> of the picture's own size for `drawn` (from layout()), with two empty edge layers
 * (plain, on the highlighted path: two <path>s each, curves and heads; see setEdges) and an
 * empty `g.nodes` layer for nodeMarkup().
 */
export function drawGraph(drawn) {
  const root = svg("svg", { class: "lineage", width: drawn.width, height: drawn.height,
    viewBox: `0 0 ${drawn.width} ${drawn.height}`, role: "group", "data-nodes": drawn.nodes.length,
    "aria-label": `lineage graph, ${drawn.nodes.length} nodes` });
  const edges = svg("g", { class: "edges" });
  edges.append(edgeGroup("plain"), edgeGroup("on-path"));
  root.append(edges, svg("g", { class: "nodes" }));
  return root;
}
