// The run page: #/run/<runId> — state, times and duration, its job and parent run, the
// datasets it read and wrote, its error, and its facets (and its job's) as a tree beside the
// raw JSON.

import { api } from "../api.js";
import { duration, h, notice, show, state, when } from "../dom.js";
import { facetTree } from "../facet-tree.js";
import { link } from "../router.js";
import { qualityResults } from "./node-panel.js";

const dsList = (list) => (list.length
  ? h("ul", {}, list.map((d) => h("li", {}, h("a", { href: link("dataset", [d.namespace, d.name]) },
    d.name))))
  : h("p", { class: "sub" }, "None recorded."));

function facts(run) {
  const rows = [
    ["job", h("a", { href: link("job", [run.jobNamespace, run.jobName]) }, run.jobName)],
    ["state", state(run.state)],
    ["started", when(run.startedAt)],
    ["ended", when(run.endedAt)],
    ["duration", duration(run.durationMs)],
    ["nominal time", run.nominalStartTime ? `${when(run.nominalStartTime)} – ${when(run.nominalEndTime)}` : "—"],
    ["parent run", run.parentRunId
      ? h("a", { href: link("run", [run.parentRunId]) }, run.parentRunId) : "—"],
    ["producer's id", run.externalId || run.id],
  ];
  return h("dl", { class: "kv", id: "run-facts" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

/** Render one run. */
export async function runView([runId]) {
  show(runId, h("p", {}, "Loading…"));
  let run;
  try {
    run = await api.run(runId);
  } catch (error) {
    show(runId, notice(error.message, "error"));
    return;
  }
  const jobFacets = h("div", {}, h("p", { class: "sub" }, "Loading…"));
  show(`run of ${run.jobName}`,
    h("h1", {}, "Run of ", run.jobName, " ", state(run.state)),
    h("p", { class: "sub" }, run.id),
    h("p", { class: "toolbar" },
      h("a", { href: link("incidents", ["run", run.id]) }, "Blast radius of this run"),
      h("a", { href: link("job", [run.jobNamespace, run.jobName]) }, "Job page")),
    h("div", { class: "cards" },
      h("section", { class: "card" }, h("h2", {}, "Run"), facts(run)),
      h("section", { class: "card", id: "run-inputs" }, h("h2", {}, "Read"), dsList(run.inputs)),
      h("section", { class: "card", id: "run-outputs" }, h("h2", {}, "Wrote"), dsList(run.outputs))),
    run.errorMessage ? h("section", { id: "run-error" }, h("h2", {}, "Error"),
      notice(run.errorMessage.message || "failed", "error"),
      run.errorMessage.stackTrace ? h("pre", {}, run.errorMessage.stackTrace) : null) : null,
    run.quality?.length ? h("section", { id: "run-quality" }, h("h2", {}, "Data quality"),
      qualityResults(run.quality)) : null,
    h("section", { id: "run-facets" }, h("h2", {}, "Run facets"), facetTree(run.facets, "run-facet-view")),
    h("section", { id: "job-facets" }, h("h2", {}, "Job facets"), jobFacets));
  api.runFacets(run.id, "job").then(
    (answer) => jobFacets.replaceChildren(facetTree(answer.facets, "job-facet-view")),
    (error) => jobFacets.replaceChildren(notice(error.message, "error")));
  document.body.dataset.run = run.id;
}
