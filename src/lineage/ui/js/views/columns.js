// Column lineage: #/columns/<namespace>/<dataset>?field=<column> — pick a column and see the
// upstream columns that feed it (left) and the downstream columns it feeds (right).

import { api } from "../api.js";
import { h, notice, show, table } from "../dom.js";
import { GraphCanvas } from "../graph-canvas.js";
import { layout } from "../layout.js";
import { loadFieldModel } from "../lineage-model.js";
import { go, link } from "../router.js";

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
  let model;
  let answer;
  try {
    ({ model, answer } = await loadFieldModel(namespace, name, field));
  } catch (error) {
    area.replaceChildren(notice(error.message, "error"));
    return;
  }
  const graph = new GraphCanvas("column-canvas", {});
  const upstream = [...model.nodes.values()].filter((n) => n.depth < 0).length;
  const downstream = [...model.nodes.values()].filter((n) => n.depth > 0).length;
  area.replaceChildren(
    h("p", { class: "sub", id: "column-summary" },
      `${upstream} upstream and ${downstream} downstream columns`),
    graph.element, h("h2", {}, "Transformations"), inputsTable(answer.graph));
  graph.draw(layout(model, { fanout: 0, aspect: graph.aspect() }), { root: model.root,
    selected: model.root, ends: new Set(), path: new Set(), pathEdges: new Set(),
    toggle: () => null }, { fit: true });
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
  else {
    area.append(h("p", { class: "sub" }, "Pick a column to see where it comes from and goes."),
      table(["column", "type", "description"], dataset.fields.map((f) => [
        h("a", { href: link("columns", [namespace, name], { field: f.name }) }, f.name),
        f.type || "—", f.description || ""])));
  }
}
