// Draw a laid-out graph as SVG: datasets as pills, jobs as boxes with a run-state dot,
// models in their own colour, "+N more" nodes dashed. Every node is focusable.

import { svg } from "./dom.js";
import { SIZE } from "./layout.js";

const TEXT_CHARS = 27;

function label(name) {
  return name.length <= TEXT_CHARS ? name : `…${name.slice(-(TEXT_CHARS - 1))}`;
}

function typeClass(node) {
  if (node.type === "MORE") return "MORE";
  if (node.kind === "model") return "MODEL";
  return node.type;
}

function describe(node) {
  if (node.type === "MORE") return `${node.count} more nodes, press Enter to show them`;
  const run = node.type === "JOB" ? `, latest run ${node.runState || "unknown"}` : "";
  return `${typeClass(node).toLowerCase()} ${node.name} in ${node.namespace}${run}`;
}

function nodeShape(node) {
  const { width, height } = SIZE;
  const shape = svg("rect", { class: "shape", width, height,
    rx: node.type === "JOB" ? 3 : height / 2 });
  return shape;
}

function drawNode(node, marks) {
  const classes = ["node", typeClass(node)];
  if (marks.root === node.id) classes.push("root");
  if (marks.selected.has(node.id)) classes.push("selected");
  if (marks.path.has(node.id)) classes.push("on-path");
  const g = svg("g", { class: classes.join(" "), transform: `translate(${node.x},${node.y})`,
    tabindex: 0, role: "button", "data-id": node.id, "aria-label": describe(node) });
  const title = svg("title");
  title.textContent = node.type === "MORE" ? node.name : `${node.namespace}\n${node.name}`;
  g.append(title, nodeShape(node));
  let textX = 12;
  if (node.type === "JOB") {
    g.append(svg("circle", { class: `run run-${node.runState || "none"}`, cx: 12,
      cy: SIZE.height / 2, r: 6, "data-state": node.runState || "none" }));
    textX = 24;
  }
  const text = svg("text", { x: textX, y: SIZE.height / 2 + 4 });
  text.textContent = label(node.name);
  g.append(text);
  if (marks.toggle(node) !== null) {
    const sign = svg("text", { class: "toggle", x: node.depth < 0 ? -12 : SIZE.width + 4,
      y: SIZE.height / 2 - 6 });
    sign.textContent = marks.toggle(node);
    g.append(sign);
  }
  return g;
}

function drawEdge(edge, at, onPath) {
  const a = at.get(edge.from);
  const b = at.get(edge.to);
  const x1 = a.x + SIZE.width;
  const y1 = a.y + SIZE.height / 2;
  const x2 = b.x;
  const y2 = b.y + SIZE.height / 2;
  const bend = Math.max(40, Math.abs(x2 - x1) / 2);
  return svg("path", { class: onPath ? "edge on-path" : "edge", "marker-end": "url(#arrow)",
    d: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2 - 2},${y2}` });
}

function arrowMarker() {
  const defs = svg("defs");
  const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5,
    markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
  marker.append(svg("path", { d: "M0,0 L10,5 L0,10 z", fill: "var(--edge)" }));
  defs.append(marker);
  return defs;
}

/**
 * An <svg> for `drawn` (from layout()). `marks` = {root, selected: Set, path: Set of ids,
 * pathEdges: Set of "from>to", toggle(node) -> "+" | "−" | null}.
 */
export function drawGraph(drawn, marks) {
  const root = svg("svg", { class: "lineage", width: drawn.width, height: drawn.height,
    role: "group", "aria-label": `lineage graph, ${drawn.nodes.length} nodes` });
  root.append(arrowMarker());
  const at = new Map(drawn.nodes.map((n) => [n.id, n]));
  const edges = svg("g", { class: "edges" });
  for (const edge of drawn.edges) {
    if (at.has(edge.from) && at.has(edge.to)) {
      edges.append(drawEdge(edge, at, marks.pathEdges.has(`${edge.from}>${edge.to}`)));
    }
  }
  const nodes = svg("g", { class: "nodes" });
  for (const node of drawn.nodes) nodes.append(drawNode(node, marks));
  root.append(edges, nodes);
  return root;
}
