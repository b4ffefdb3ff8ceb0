// The impact view: #/impact/<namespace>/<dataset>?drop=a,b&rename=old=new&retype=c=TYPE
// Choose columns to drop, rename or retype and see the breaking and possibly affected items,
// from the collector's POST /api/v1/impact (the analysis the CLI runs).

import { api } from "../api.js";
import { h, notice, show, table } from "../dom.js";
import { go, link } from "../router.js";

const UNAVAILABLE = "This collector does not serve POST /api/v1/impact, so impact analysis " +
  "is not available here; use the downstream lineage graph instead.";

const list = (text) => (text || "").split(",").map((s) => s.trim()).filter(Boolean);
const pairs = (text) => list(text).map((p) => p.split("=").map((s) => s.trim()));

/** The impact request for a dataset and the change fields of the form or URL. */
export function impactRequest(namespace, name, params) {
  const changes = [
    ...list(params.get("drop")).map((column) => ({ kind: "drop_column", column })),
    ...pairs(params.get("rename")).map(([column, newName]) =>
      ({ kind: "rename_column", column, newName })),
    ...pairs(params.get("retype")).map(([column, newType]) =>
      ({ kind: "change_type", column, newType })),
  ];
  if (params.get("dropDataset")) changes.push({ kind: "drop_dataset" });
  return { dataset: name, namespace, changes };
}

function items(report, cls) {
  const rows = report.items.filter((i) => i.class === cls);
  if (!rows.length) return h("p", { class: "sub" }, "None.");
  return table(["item", "kind", "columns", "reason", "path"], rows.map((i) => [
    h("a", { href: link("node", [i.id]) }, i.id), i.kind, (i.columns || []).join(", ") || "—",
    i.reason || "", i.path.join(" → ")]));
}

async function analyse(namespace, name, params, area) {
  let report;
  try {
    report = await api.impact(impactRequest(namespace, name, params));
  } catch (error) {
    area.replaceChildren(notice(error.missingRoute ? UNAVAILABLE : error.message, "error"));
    document.body.dataset.impact = "error";
    return;
  }
  const counts = Object.entries(report.summary).map(([k, v]) => `${v} ${k}`).join(", ");
  area.replaceChildren(h("p", { id: "impact-summary" }, counts || "No impact."),
    h("h2", {}, "Breaking"), h("div", { id: "impact-breaking" }, items(report, "breaking")),
    h("h2", {}, "Possibly affected"), h("div", { id: "impact-possibly" },
      items(report, "possibly")));
  document.body.dataset.impact = "ready";
}

function field(labelText, name, value, hint) {
  return h("label", {}, `${labelText} `, h("input", { name, value: value || "", placeholder: hint,
    size: 50 }));
}

/** Render the impact form (and the report when the URL names changes). */
export async function impactView([namespace = "", name = ""], params) {
  const form = h("form", { class: "impact-form", id: "impact-form" },
    field("Namespace", "namespace", namespace, "e.g. postgres://db:5432"),
    field("Dataset", "dataset", name, "e.g. public.orders"),
    field("Drop columns", "drop", params.get("drop"), "a, b"),
    field("Rename columns", "rename", params.get("rename"), "old=new, …"),
    field("Change types", "retype", params.get("retype"), "column=TYPE, …"),
    h("label", {}, h("input", { type: "checkbox", name: "dropDataset",
      checked: Boolean(params.get("dropDataset")) }), " Drop the whole dataset"),
    h("button", { type: "submit" }, "Analyse impact"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    go("impact", [data.get("namespace"), data.get("dataset")], {
      drop: data.get("drop"), rename: data.get("rename"), retype: data.get("retype"),
      dropDataset: data.get("dropDataset") ? "1" : "" });
  });
  const area = h("div", { id: "impact-report" });
  show("Impact", h("h1", {}, "Impact of a schema change"), form, area);
  const asked = ["drop", "rename", "retype", "dropDataset"].some((k) => params.get(k));
  if (namespace && name && asked) await analyse(namespace, name, params, area);
}
