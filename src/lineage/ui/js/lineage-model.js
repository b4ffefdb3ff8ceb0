// The graph the lineage view shows: nodes with a signed depth (upstream negative), edges,
// grown one level at a time when the user expands a node.

import { api } from "./api.js";

/** An empty model around a root id. */
export function emptyModel(root) {
  return { root, nodes: new Map(), edges: [], edgeKeys: new Set() };
}

/** Add the nodes and edges of one directed walk answer; `from` is the depth of its root. */
export function merge(model, walk, side, from = 0) {
  for (const node of walk.nodes) {
    if (!model.nodes.has(node.id)) {
      model.nodes.set(node.id, { ...node, depth: from + side * node.depth });
    }
  }
  for (const edge of walk.edges) {
    const key = `${edge.from}>${edge.to}`;
    if (!model.edgeKeys.has(key)) {
      model.edgeKeys.add(key);
      model.edges.push({ from: edge.from, to: edge.to });
    }
  }
}

/** Load the neighbourhood of `nodeId`: upstream and downstream `depth` hops, as of a time. */
export async function loadModel(nodeId, depth, asOf) {
  const [up, down] = await Promise.all([
    api.walk("upstream", nodeId, depth, asOf),
    api.walk("downstream", nodeId, depth, asOf),
  ]);
  const model = emptyModel(up.root);
  merge(model, up, -1);
  merge(model, down, 1);
  model.truncated = up.truncated || down.truncated;
  return model;
}

/** Fetch one more level outward from `id` (both sides for the root); returns nodes added. */
export async function growFrom(model, id, asOf) {
  const node = model.nodes.get(id);
  const sides = node.depth === 0 ? [1, -1] : [Math.sign(node.depth)];
  const before = model.nodes.size;
  for (const side of sides) {
    const walk = await api.walk(side > 0 ? "downstream" : "upstream", id, 1, asOf);
    merge(model, walk, side, node.depth);
  }
  return model.nodes.size - before;
}

/** Colour jobs with their latest run state (from the Marquez-shaped neighbourhood answer). */
export async function addRunStates(model, depth) {
  const answer = await api.neighbourhood(model.root, Math.min(depth || 20, 20));
  let found = 0;
  for (const entry of answer.graph) {
    const node = model.nodes.get(entry.id);
    if (node && entry.type === "JOB") {
      node.runState = entry.data.latestRunState || "none";
      found += 1;
    }
  }
  return found;
}
