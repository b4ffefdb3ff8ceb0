// Column lineage: #/columns/<namespace>/<dataset>?field=<column> — pick a column and see the
// upstream columns that feed it (left) and the downstream columns it feeds (right).

import { api } from "../api.js";
import { h, notice, show, table } from "../dom.js";
import { drawGraph } from "../graph-svg.js";
import { layout } from "../layout.js";
import { go, link } from "../router.js";

/** Signed depths from the root field: inputs to the left (negative), outputs to the right. */
function fieldModel(rootId, graph) {
  const entries = new Map(graph.map((e) => [e.id, e]));
  const nodes = new Map();
  const edges = [];
  for (const e of graph) for (const out of e.outEdges) edges.push({ from: e.id, to: out.destination });
  const walk = (side, pick) => {
    let frontier = [rootId];
    let depth = 0;
    while (frontier.length) {
      depth += 1;
      const next = [];
      for (const id of frontier) {
        for (const other of pick(entries.get(id))) {
          if (nodes.has(other) || !entries.has(other)) continue;
          const d = entries.get(other).data;
          nodes.set(other, { id: other, type: "FIELD", depth: side * depth,
            namespace: d.namespace, name: `${d.dataset}.${d.field}` });
          next.push(other);
        }
      }
      frontier = next;
    }
  };
  const root = entries.get(rootId).data;
  nodes.set(rootId, { id: rootId, type: "FIELD", depth: 0, namespace: root.namespace,
    name: `${root.dataset}.${root.field}` });
  walk(-1, (e) => (e?.inEdges || []).map((x) => x.origin));
  walk(1, (e) => (e?.outEdges || []).map((x) => x.destination));
  return { root: rootId, nodes, edges };
}

function inputsTable(graph) {
  const rows = [];
  for (const e of graph) {
    for (const i of e.data.inputFields) {
      rows.push([`${i.dataset}.${i.field}`, `${e.data.dataset}.${e.data.field}`,
        [i.transformationType, i.transformationSubtype].filter(Boolean).join(" / "), i.job]);
    }
  }
  return table(["from column", "to column", "transformation", "job"], rows);
}

async function drawField(namespace, name, field, area) {
  const rootId = `datasetField:${namespace}:${name}:${field}`;
  let answer;
  try {
    answer = await api.columns(rootId);
  } catch (error) {
    area.replaceChildren(notice(error.message, "error"));
    return;
  }
  const model = fieldModel(rootId, answer.graph);
  const drawn = layout(model, { fanout: 0 });
  const picture = drawGraph(drawn, { root: rootId, selected: new Set(), path: new Set(),
    pathEdges: new Set(), toggle: () => null });
  const upstream = [...model.nodes.values()].filter((n) => n.depth < 0).length;
  const downstream = [...model.nodes.values()].filter((n) => n.depth > 0).length;
  area.replaceChildren(
    h("p", { class: "sub", id: "column-summary" },
      `${upstream} upstream and ${downstream} downstream columns`),
    h("div", { class: "canvas canvas-auto" }, picture),
    h("h2", {}, "Transformations"), inputsTable(answer.graph));
  document.body.dataset.columns = "ready";
}

/** Render the column lineage view of one dataset, with a column picker. */
export async function columnsView([namespace, name], params) {
  show(`${name} columns`, h("p", {}, "Loading…"));
  let dataset;
  try {
    dataset = await api.dataset(namespace, name);
  } catch (error) {
    show(name, notice(error.message, "error"));
    return;
  }
  const field = params.get("field") || "";
  const picker = h("select", { name: "field", "aria-label": "Column",
    onchange: (e) => go("columns", [namespace, name], { field: e.target.value }) },
  h("option", { value: "" }, "choose a column…"),
  dataset.fields.map((f) => h("option", { value: f.name, selected: f.name === field }, f.name)));
  const area = h("div", { id: "column-graph" });
  show(`${name} columns`,
    h("h1", {}, "Column lineage: ", h("a", { href: link("dataset", [namespace, name]) }, name)),
    h("p", { class: "sub" }, namespace),
    h("div", { class: "toolbar" }, h("label", {}, "Column", picker)), area);
  if (field) await drawField(namespace, name, field, area);
  else area.append(h("p", { class: "sub" }, "Pick a column to see where it comes from and goes."));
}
