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

/**
 * The column-level model of a /column-lineage answer: the fields `rootIds` at depth 0, the
 * fields feeding them to the left (negative depths), those they feed to the right.
 */
export function fieldModel(rootIds, graph) {
  const entries = new Map(graph.map((e) => [e.id, e]));
  const nodes = new Map();
  const edges = [];
  const edgeKeys = new Set();
  for (const e of graph) {
    for (const out of e.outEdges) {
      const key = `${e.id}>${out.destination}`;
      if (!edgeKeys.has(key)) { edgeKeys.add(key); edges.push({ from: e.id, to: out.destination }); }
    }
  }
  const add = (id, depth) => {
    const d = entries.get(id).data;
    nodes.set(id, { id, type: "FIELD", kind: "column", depth, namespace: d.namespace,
      dataset: d.dataset, field: d.field, name: `${d.dataset}.${d.field}` });
  };
  const roots = rootIds.filter((id) => entries.has(id));
  roots.forEach((id) => add(id, 0));
  const walk = (side, pick) => {
    let frontier = roots;
    let depth = 0;
    while (frontier.length) {
      depth += 1;
      const next = [];
      for (const id of frontier) {
        for (const other of pick(entries.get(id))) {
          if (nodes.has(other) || !entries.has(other)) continue;
          add(other, side * depth);
          next.push(other);
        }
      }
      frontier = next;
    }
  };
  walk(-1, (e) => (e?.inEdges || []).map((x) => x.origin));
  walk(1, (e) => (e?.outEdges || []).map((x) => x.destination));
  return { root: roots[0], roots, nodes, edges, edgeKeys };
}

const FIELD_DATASETS = 40;  // datasets whose whole schema is fetched for the column picture

/**
 * Add every field of `schemas` ([{namespace, name, fields}]) that `model` lacks, as a field
 * without lineage (`quiet`) in its dataset's column: the root dataset's at depth 0, another's at
 * the depth of its fields nearest the root. Fields carry their dataset as `group`, so the
 * layout keeps a dataset's fields together.
 */
export function addSchemaFields(model, schemas, rootKey) {
  const depthOf = new Map([[rootKey, 0]]);
  for (const node of model.nodes.values()) {
    const key = `${node.namespace}:${node.dataset}`;
    node.group = key;
    const known = depthOf.get(key);
    if (known === undefined || Math.abs(node.depth) < Math.abs(known)) depthOf.set(key, node.depth);
  }
  for (const { namespace, name, fields } of schemas) {
    const key = `${namespace}:${name}`;
    const depth = depthOf.get(key);
    if (depth === undefined) continue;
    for (const f of fields) {
      const id = `datasetField:${namespace}:${name}:${f.name}`;
      if (model.nodes.has(id)) continue;
      model.nodes.set(id, { id, type: "FIELD", kind: "column", depth, namespace, dataset: name,
        field: f.name, name: `${name}.${f.name}`, group: key, quiet: true });
      model.roots.push(id);
    }
  }
  if (!model.root) model.root = model.roots[0];
  return model;
}

/**
 * The column-level model around a dataset: one of its fields and that field's lineage, or
 * (no `field`) every field of it and of the datasets its fields' lineage reaches, those
 * without lineage included. Answers {model, answer, fields: the dataset's own fields}.
 */
export async function loadFieldModel(namespace, name, field, depth) {
  const datasetId = `dataset:${namespace}:${name}`;
  const prefix = `datasetField:${namespace}:${name}:`;
  const target = field ? `${prefix}${field}` : datasetId;
  const [answer, own] = await Promise.all([api.columns(target, depth),
    api.dataset(namespace, name)]);
  const roots = field ? [target]
    : answer.graph.map((e) => e.id).filter((id) => id.startsWith(prefix)).sort();
  const model = fieldModel(roots, answer.graph);
  if (field) return { model, answer, fields: own.fields };
  const others = new Map();
  for (const node of model.nodes.values()) {
    const key = `${node.namespace}:${node.dataset}`;
    if (node.dataset !== name || node.namespace !== namespace) {
      others.set(key, { namespace: node.namespace, name: node.dataset });
    }
  }
  const schemas = await Promise.all([...others.values()].slice(0, FIELD_DATASETS).map((d) =>
    api.dataset(d.namespace, d.name).then((x) => ({ ...d, fields: x.fields }), () => null)));
  addSchemaFields(model, [{ namespace, name, fields: own.fields }, ...schemas.filter(Boolean)],
    `${namespace}:${name}`);
  return { model, answer, fields: own.fields };
}
