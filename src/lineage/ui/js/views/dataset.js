// The dataset page: #/dataset/<namespace>/<name> — schema, schema history with diffs,
// producers and consumers, owners (ownership facet) and tags.

import { api } from "../api.js";
import { h, notice, show, table, when } from "../dom.js";
import { link } from "../router.js";
import { datasetHistorySection } from "./ml-history.js";
import { fieldTags, qualitySummary, tagTexts } from "./node-panel.js";

const jobLink = (j) => h("a", { href: link("job", [j.namespace, j.name]) }, j.name);

/** Differences between two field lists: [{name, change, before, after}]. */
export function schemaDiff(older, newer) {
  const before = new Map(older.map((f) => [f.name, f.type]));
  const after = new Map(newer.map((f) => [f.name, f.type]));
  const rows = [];
  for (const [name, type] of after) {
    if (!before.has(name)) rows.push({ name, change: "added", before: "", after: type });
    else if (before.get(name) !== type) {
      rows.push({ name, change: "changed", before: before.get(name), after: type });
    }
  }
  for (const [name, type] of before) {
    if (!after.has(name)) rows.push({ name, change: "removed", before: type, after: "" });
  }
  return rows;
}

function tagsOf(dataset) {
  const tags = tagTexts(dataset);
  for (const f of dataset.fields) tags.push(...fieldTags(f).map((t) => `${f.name}: ${t}`));
  return tags;
}

function diffTable(older, newer) {
  const rows = schemaDiff(older.fields, newer.fields);
  if (!rows.length) return h("p", { class: "sub" }, "Same schema.");
  return table(["field", "change", "before", "after"], rows.map((r) =>
    Object.assign([r.name, r.change, r.before || "—", r.after || "—"],
      { className: r.change })));
}

function history(versions) {
  const section = h("section", { id: "schema-history" }, h("h2", {}, "Schema history"));
  if (versions.length < 2) {
    section.append(h("p", { class: "sub" }, `${versions.length} version recorded.`));
    return section;
  }
  const labelOf = (v, i) => `#${versions.length - i} · ${when(v.createdAt)}`;
  const pick = (name, index) => h("select", { name, "aria-label": name },
    versions.map((v, i) => h("option", { value: i, selected: i === index }, labelOf(v, i))));
  const older = pick("older version", 1);
  const newer = pick("newer version", 0);
  const result = h("div", { id: "schema-diff" });
  const update = () => result.replaceChildren(
    diffTable(versions[Number(older.value)], versions[Number(newer.value)]));
  older.addEventListener("change", update);
  newer.addEventListener("change", update);
  update();
  section.append(h("div", { class: "toolbar" }, "Compare", older, "with", newer), result,
    table(["version", "created", "fields", "run"], versions.map((v, i) =>
      [labelOf(v, i), when(v.createdAt), String(v.fields.length), v.runId || "—"])));
  return section;
}

/** Render the dataset page. */
export async function datasetView([namespace, name]) {
  show(name, h("p", {}, "Loading…"));
  let dataset;
  let versions;
  try {
    [dataset, versions] = await Promise.all([api.dataset(namespace, name),
      api.versions(namespace, name)]);
  } catch (error) {
    show(name, notice(error.message, "error"));
    return;
  }
  const owners = dataset.facets.ownership?.owners || [];
  const tags = tagsOf(dataset);
  const quality = [qualitySummary(dataset)].flat().filter(Boolean);
  show(name,
    h("h1", {}, name, " ", h("span", { class: "badge" }, dataset.kind || "dataset")),
    h("p", { class: "sub" }, namespace, dataset.description ? ` — ${dataset.description}` : ""),
    h("p", { class: "toolbar" },
      h("a", { href: link("node", [dataset.nodeId]) }, "Lineage graph"),
      h("a", { href: link("columns", [namespace, name]) }, "Column lineage"),
      h("a", { href: link("impact", [namespace, name]) }, "Impact of a change"),
      h("a", { href: link("incidents", ["dataset", namespace, name]) }, "Blast radius")),
    h("div", { class: "cards" },
      h("section", { class: "card", id: "owners" }, h("h2", {}, "Owners"),
        owners.length ? h("ul", {}, owners.map((o) => h("li", {}, o.name,
          o.type ? ` (${o.type})` : ""))) : h("p", { class: "sub" }, "No ownership facet.")),
      h("section", { class: "card", id: "tags" }, h("h2", {}, "Tags"),
        tags.length ? h("ul", {}, tags.map((t) => h("li", {}, t)))
          : h("p", { class: "sub" }, "No tags.")),
      quality.length ? h("section", { class: "card", id: "quality" }, h("h2", {}, "Quality"),
        quality) : null,
      h("section", { class: "card", id: "producers" }, h("h2", {}, "Produced by"),
        h("ul", {}, dataset.producers.map((j) => h("li", {}, jobLink(j))))),
      h("section", { class: "card", id: "consumers" }, h("h2", {}, "Read by"),
        h("ul", {}, dataset.consumers.map((j) => h("li", {}, jobLink(j)))))),
    h("section", { id: "schema" }, h("h2", {}, "Schema"),
      table(["field", "type", "description"], dataset.fields.map((f) =>
        [h("a", { href: link("columns", [namespace, name], { field: f.name }) }, f.name),
          f.type || "—", f.description || ""]))),
    history(versions.versions),
    datasetHistorySection(namespace, name, dataset.nodeId));
}
