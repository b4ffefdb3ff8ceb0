// The side panel of the lineage view: what the selected node is, its schema, tags, owners,
// quality results, facets and latest runs, and links to its pages.

import { api } from "../api.js";
import { duration, h, notice, state, table, when } from "../dom.js";
import { link, pageOf } from "../router.js";

const FIELDS_SHOWN = 40;

function facetList(facets) {
  const names = Object.keys(facets || {}).sort();
  if (!names.length) return h("p", { class: "sub" }, "No facets.");
  return h("ul", { class: "facets" }, names.map((name) => h("li", {},
    h("details", {}, h("summary", {}, name),
      h("pre", { class: "json" }, JSON.stringify(facets[name], null, 2))))));
}

function quality(facets) {
  const assertions = facets.dataQualityAssertions?.assertions || [];
  const out = [];
  if (assertions.length) {
    out.push(table(["assertion", "column", "result"], assertions.map((a) => Object.assign(
      [a.assertion || "?", a.column || "—", a.success ? "passed" : "failed"],
      { className: a.success ? "" : "failed" }))));
  }
  const metrics = facets.dataQualityMetrics;
  if (metrics) {
    const rows = [["rows", metrics.rowCount], ["bytes", metrics.bytes]].filter(([, v]) => v != null);
    if (rows.length) out.push(table(["metric", "value"], rows.map(([k, v]) => [k, String(v)])));
  }
  return out.length ? out : null;
}

function runsTable(runs) {
  if (!runs.length) return h("p", { class: "sub" }, "No runs recorded.");
  return table(["state", "when", "duration", "error"], runs.map((r) => [state(r.state),
    when(r.startedAt || r.endedAt || r.createdAt), duration(r.durationMs),
    r.errorMessage?.message || ""]));
}

function owners(facets) {
  const list = facets.ownership?.owners || [];
  return list.map((o) => `${o.name}${o.type ? ` (${o.type})` : ""}`);
}

const tagText = (t) => (typeof t === "string" ? t : `${t.key}${t.value ? `=${t.value}` : ""}`);

/** A node's own tags as "key=value" texts: the answer's tags, else its tags facet's. */
export function tagTexts(detail) {
  const tags = detail.tagDetails?.length ? detail.tagDetails
    : detail.tags?.length ? detail.tags : detail.facets?.tags?.tags || [];
  return tags.map(tagText);
}

/** A field's tags (names or {key, value}) as texts. */
export const fieldTags = (field) => (field.tags || []).map(tagText);

/** Data-quality results (assertions, tests) as a table, failed ones marked. */
export function qualityResults(results) {
  const outcome = (r) => (r.success === null ? "skipped" : r.success ? "passed" : "failed");
  return table(["check", "column", "result", "severity", "actual"], results.map((r) =>
    Object.assign([r.assertion || r.test || "?", r.column || "—", outcome(r), r.severity || "—",
      r.actual ?? "—"], { className: r.success === false ? "failed" : "" })));
}

/**
 * A dataset's data quality: the answer's summary (status, newest result of each assertion,
 * newest metrics), or from its facets with a collector that gives none; null when neither.
 */
export function qualitySummary(detail) {
  const q = detail.quality;
  if (!q) return quality(detail.facets || {});
  const m = q.metrics;
  const measured = m ? [["rows", m.rowCount], ["bytes", m.bytes], ["files", m.fileCount]]
    .filter(([, v]) => v !== null && v !== undefined) : [];
  return [
    h("p", { class: "quality-status" }, h("span", { class: `quality quality-${q.status}` },
      q.status), ` · checked ${when(q.checkedAt)}`),
    q.assertions.length ? qualityResults(q.assertions) : null,
    measured.length ? table(["metric", "value"], measured.map(([k, v]) => [k, String(v)])) : null,
  ];
}

function section(title, id, body) {
  return h("section", { id }, h("h4", {}, title), body);
}

function chips(items, empty) {
  return items.length ? h("ul", { class: "chips" }, items.map((t) => h("li", {}, t)))
    : h("p", { class: "sub" }, empty);
}

async function datasetParts(node) {
  const detail = await api.dataset(node.namespace, node.name);
  const producer = detail.producers[0];
  const runs = producer ? (await api.runs(producer.namespace, producer.name, 5)).runs : [];
  const fields = detail.fields.slice(0, FIELDS_SHOWN);
  const checks = [qualitySummary(detail)].flat().filter(Boolean);
  return [
    section("Schema", "panel-schema", fields.length
      ? [table(["field", "type"], fields.map((f) => [h("a", {
        href: link("node", [node.id], { mode: "columns" }) }, f.name), f.type || "—"])),
      detail.fields.length > FIELDS_SHOWN
        ? h("p", { class: "sub" }, `and ${detail.fields.length - FIELDS_SHOWN} more`) : null]
      : h("p", { class: "sub" }, "No schema recorded.")),
    section("Tags", "panel-tags", chips(tagTexts(detail), "No tags.")),
    section("Owners", "panel-owners", chips(owners(detail.facets), "No owners.")),
    section("Quality", "panel-quality", checks.length ? checks
      : h("p", { class: "sub" }, "No quality results.")),
    section(producer ? `Latest runs of ${producer.name}` : "Latest runs", "panel-runs",
      runsTable(runs)),
    section("Facets", "panel-facets", facetList(detail.facets)),
  ];
}

async function jobParts(node) {
  const [detail, runs] = await Promise.all([api.job(node.namespace, node.name),
    api.runs(node.namespace, node.name, 5)]);
  return [
    section("Latest runs", "panel-runs", runsTable(runs.runs)),
    section("Owners", "panel-owners", chips(owners(detail.facets), "No owners.")),
    section("Tags", "panel-tags", chips(tagTexts(detail), "No tags.")),
    section("Facets", "panel-facets", facetList(detail.facets)),
  ];
}

/** Fill `panel` for `node`; `actions` are extra controls (path picking, centring). */
export async function fillPanel(panel, node, actions) {
  const isDataset = node.type === "DATASET";
  const head = [
    h("h3", { title: node.id }, node.name),
    h("p", { class: "sub" }, `${node.kind || node.type.toLowerCase()} in ${node.namespace}`),
    h("ul", { class: "panel-links" },
      node.type === "FIELD" ? null : h("li", {}, h("a", { href: pageOf(node) }, "Open page")),
      isDataset ? h("li", {}, h("a", { href: link("columns", [node.namespace, node.name]) },
        "Column lineage")) : null,
      isDataset ? h("li", {}, h("a", { href: link("impact", [node.namespace, node.name]) },
        "Impact of a change")) : null),
    h("div", { class: "panel-actions" }, actions),
  ];
  const body = h("div", { class: "panel-body", "aria-busy": "true" }, h("p", { class: "sub" },
    "Loading…"));
  panel.replaceChildren(...head, body);
  if (node.type === "FIELD") {
    body.replaceChildren(h("p", {}, "Column ", h("strong", {}, node.field), " of ",
      h("a", { href: link("dataset", [node.namespace, node.dataset]) }, node.dataset)));
    body.removeAttribute("aria-busy");
    return;
  }
  try {
    body.replaceChildren(...(isDataset ? await datasetParts(node) : await jobParts(node)));
  } catch (error) {
    body.replaceChildren(notice(error.message, "error"));
  }
  body.removeAttribute("aria-busy");
  document.body.dataset.panel = node.id;
}
