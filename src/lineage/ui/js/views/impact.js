// The impact view: #/impact/<namespace>/<dataset>?drop=a,b&rename=old=new&retype=c=TYPE
// Choose columns to drop, rename or retype and see the breaking and possibly affected items,
// from the collector's POST /api/v1/impact (the analysis the CLI runs).

import { api } from "../api.js";
import { h, notice, show, table } from "../dom.js";
import { go, link } from "../router.js";

const UNAVAILABLE = "This collector does not serve POST /api/v1/impact, so impact analysis " +
  "is not available here; use the downstream lineage graph instead.";

const CLASSES = [["breaking", "Breaking"], ["possibly", "Possibly affected"]];
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

/** The report as Markdown: the summary, then one table per class. */
export function impactMarkdown(request, report) {
  const cell = (v) => String(v ?? "").replace(/\|/g, "\\|").replace(/\n/g, " ");
  const lines = [`# Impact of changing ${request.namespace}:${request.dataset}`, "",
    `Changes: ${request.changes.map((c) => [c.kind, c.column, c.newName || c.newType]
      .filter(Boolean).join(" ")).join("; ") || "none"}`, ""];
  for (const [cls, title] of CLASSES) {
    const rows = report.items.filter((i) => i.class === cls);
    lines.push(`## ${title} (${rows.length})`, "");
    if (!rows.length) { lines.push("None.", ""); continue; }
    lines.push("| item | kind | columns | reason | path |", "|---|---|---|---|---|");
    for (const i of rows) {
      lines.push(`| ${[i.id, i.kind, (i.columns || []).join(", "), i.reason, i.path.join(" → ")]
        .map(cell).join(" | ")} |`);
    }
    lines.push("");
  }
  return lines.join("\n");
}

function download(name, type, text, label) {
  // built here, not from data: a blob: address of our own making
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.className = "button";
  a.textContent = label;
  return a;
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
  const request = impactRequest(namespace, name, params);
  const base = `impact-${name.replace(/[^\w.-]+/g, "_")}`;
  area.replaceChildren(h("p", { id: "impact-summary" }, counts || "No impact."),
    h("div", { class: "toolbar", id: "impact-downloads" }, "Download:",
      download(`${base}.md`, "text/markdown", impactMarkdown(request, report), "Markdown"),
      download(`${base}.json`, "application/json", JSON.stringify(report, null, 2), "JSON")),
    ...CLASSES.map(([cls, title]) => h("section", { class: `impact-class impact-${cls}` },
      h("h2", {}, `${title} (${report.items.filter((i) => i.class === cls).length})`),
      h("div", { id: `impact-${cls}` }, items(report, cls)))));
  document.body.dataset.impact = "ready";
}

function field(labelText, name, value, hint) {
  return [h("label", { for: `impact-${name}-input` }, labelText),
    h("input", { id: `impact-${name}-input`, name, value: value || "", placeholder: hint })];
}

/** Render the impact form (and the report when the URL names changes). */
export async function impactView([namespace = "", name = ""], params) {
  const form = h("form", { class: "form impact-form", id: "impact-form" },
    field("Namespace", "namespace", namespace, "e.g. postgres://db:5432"),
    field("Dataset", "dataset", name, "e.g. public.orders"),
    field("Drop columns", "drop", params.get("drop"), "a, b"),
    field("Rename columns", "rename", params.get("rename"), "old=new, …"),
    field("Change types", "retype", params.get("retype"), "column=TYPE, …"),
    h("span", {}), h("label", { class: "check" }, h("input", { type: "checkbox",
      name: "dropDataset", checked: Boolean(params.get("dropDataset")) }),
    " Drop the whole dataset"),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "primary" },
      "Analyse impact")));
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
