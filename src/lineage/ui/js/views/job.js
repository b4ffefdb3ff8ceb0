// The job page: #/job/<namespace>/<name> — SQL and source code, the DAG/task hierarchy,
// inputs and outputs, run history with state, duration and error messages.

import { api } from "../api.js";
import { dataLink, duration, h, notice, show, state, table, when } from "../dom.js";
import { link } from "../router.js";

const dsLink = (d) => h("a", { href: link("dataset", [d.namespace, d.name]) }, d.name);

function datasets(list, empty) {
  return list.length ? h("ul", {}, list.map((d) => h("li", {}, dsLink(d))))
    : h("p", { class: "sub" }, empty);
}

function tree(children) {
  return h("ul", { class: "tree" }, children.map((c) => h("li", {},
    h("a", { href: link("job", [c.namespace, c.name]) }, c.name), " ",
    state(c.latestRun?.state), c.children.length ? tree(c.children) : null)));
}

function hierarchy(job, children) {
  const section = h("section", { id: "hierarchy" }, h("h2", {}, "DAG / task hierarchy"));
  if (job.parentJobName) {
    section.append(h("p", {}, "Parent: ", h("a", {
      href: link("job", [job.parentJobNamespace, job.parentJobName]) }, job.parentJobName)));
  }
  section.append(children.children.length ? tree(children.children)
    : h("p", { class: "sub" }, "No child jobs."));
  return section;
}

function code(job) {
  const out = [];
  const sql = job.sql || job.facets.sql?.query;
  if (sql) out.push(h("section", { id: "sql" }, h("h2", {}, "SQL"), h("pre", {}, sql)));
  const source = job.facets.sourceCode;
  if (source?.sourceCode) {
    out.push(h("section", { id: "source" }, h("h2", {}, `Source code (${source.language || "?"})`),
      h("pre", {}, source.sourceCode)));
  }
  const location = job.facets.sourceCodeLocation?.url || job.location;
  if (location) out.push(h("p", { id: "source-location" }, "Source: ", dataLink(location)));
  return out;
}

function runs(list) {
  const errorOf = (r) => r.errorMessage
    ? h("details", {}, h("summary", {}, r.errorMessage.message || "error"),
      h("pre", {}, r.errorMessage.stackTrace || "")) : "";
  return h("section", { id: "runs" }, h("h2", {}, "Runs"), table(
    ["state", "started", "duration", "error", "run id"],
    list.map((r) => [state(r.state), when(r.startedAt || r.createdAt), duration(r.durationMs),
      errorOf(r), h("a", { href: link("incidents", ["run", r.id]) }, r.id)])));
}

/** Render the job page. */
export async function jobView([namespace, name]) {
  show(name, h("p", {}, "Loading…"));
  let job;
  let runList;
  let children;
  try {
    [job, runList, children] = await Promise.all([api.job(namespace, name),
      api.runs(namespace, name), api.children(namespace, name)]);
  } catch (error) {
    show(name, notice(error.message, "error"));
    return;
  }
  const type = job.jobType ? Object.values(job.jobType).filter(Boolean).join(" · ") : "job";
  show(name,
    h("h1", {}, name, " ", h("span", { class: "badge" }, type)),
    h("p", { class: "sub" }, namespace, job.description ? ` — ${job.description}` : ""),
    h("p", { class: "toolbar" }, h("a", { href: link("node", [job.nodeId]) }, "Lineage graph"),
      "Latest run: ", state(job.latestRun?.state)),
    h("div", { class: "cards" },
      h("section", { class: "card", id: "inputs" }, h("h2", {}, "Inputs"),
        datasets(job.inputs, "No inputs recorded (a DAG's tasks read and write).")),
      h("section", { class: "card", id: "outputs" }, h("h2", {}, "Outputs"),
        datasets(job.outputs, "No outputs recorded."))),
    code(job), hierarchy(job, children), runs(runList.runs));
}
