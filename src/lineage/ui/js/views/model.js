// Model pages: #/models (list) and #/model/<namespace>/<name> — training runs,
// hyperparameters, metrics and the data the model was trained on. Needs the collector's
// /api/v1/models routes; an older collector gets a clear message instead.

import { api } from "../api.js";
import { duration, h, notice, show, state, table, when } from "../dom.js";
import { link } from "../router.js";
import { curvesSection } from "./ml-history.js";

const UNAVAILABLE = "This collector does not serve /api/v1/models (the ML metadata API), " +
  "so model details cannot be shown. The model's lineage and dataset page still work.";

function failure(error, fallback) {
  if (error.missingRoute) return [notice(UNAVAILABLE), fallback].filter(Boolean);
  return [notice(error.message, "error")];
}

function values(object) {
  const entries = Object.entries(object || {});
  if (!entries.length) return h("p", { class: "sub" }, "None recorded.");
  return h("dl", { class: "kv" }, entries.map(([k, v]) =>
    [h("dt", {}, k), h("dd", {}, typeof v === "object" && v !== null
      ? JSON.stringify(v.value ?? v) : String(v))]));
}

function trainingRun(run) {
  if (!run) return h("p", { class: "sub" }, "No training run recorded.");
  const ms = run.startedAt && run.endedAt ? new Date(run.endedAt) - new Date(run.startedAt) : null;
  return h("div", { class: "cards" },
    h("section", { class: "card", id: "training-run" }, h("h2", {}, "Training run"),
      h("dl", { class: "kv" },
        h("dt", {}, "job"), h("dd", {}, h("a", { href: link("job", [run.jobNamespace,
          run.jobName]) }, run.jobName)),
        h("dt", {}, "state"), h("dd", {}, state(run.state)),
        h("dt", {}, "started"), h("dd", {}, when(run.startedAt)),
        h("dt", {}, "duration"), h("dd", {}, duration(ms)),
        h("dt", {}, "config hash"), h("dd", {}, run.configHash || "—")),
      run.errorMessage ? notice(run.errorMessage.message || "failed", "error") : null),
    h("section", { class: "card", id: "hyperparameters" }, h("h2", {}, "Hyperparameters"),
      values(run.hyperparameters)),
    h("section", { class: "card", id: "metrics" }, h("h2", {}, "Metrics"), values(run.metrics)));
}

/** Render one model. */
export async function modelView([namespace, name]) {
  show(name, h("p", {}, "Loading…"));
  const graphLink = h("p", {}, h("a", { href: link("dataset", [namespace, name]) },
    "Open the model's dataset page"));
  let model;
  try {
    model = await api.model(namespace, name);
  } catch (error) {
    show(name, h("h1", {}, name), ...failure(error, graphLink));
    return;
  }
  const data = model.upstream.nodes.filter((n) => n.type === "DATASET" && n.depth > 0);
  show(name,
    h("h1", {}, name, " ", h("span", { class: "badge" }, "model")),
    h("p", { class: "sub" }, namespace),
    h("p", { class: "toolbar" }, h("a", { href: link("node", [model.nodeId]) }, "Lineage graph"),
      h("a", { href: link("dataset", [namespace, name]) }, "Dataset page")),
    trainingRun(model.trainingRun),
    h("section", { id: "trained-on" }, h("h2", {}, "Trained on (upstream datasets)"),
      h("ul", {}, data.map((n) => h("li", {}, h("a", { href: link("dataset", [n.namespace,
        n.name]) }, n.name), ` (${n.depth} hops)`)))),
    h("section", { id: "versions" }, h("h2", {}, "Versions"),
      table(["version", "created", "run state", "framework", "uri"], model.versions.map((v) =>
        [v.version || "—", when(v.createdAt), state(v.runState), v.framework || "—",
          v.uri || "—"]))),
    // last: the curves arrive later and grow, and nothing below them may move (layout shift)
    curvesSection(model.versions));
}

/** Metrics as "name=value, ..." or a dash when none were recorded. */
function metricsText(metrics) {
  const entries = Object.entries(metrics || {});
  if (!entries.length) return "—";
  return entries.map(([k, v]) => `${k}=${typeof v === "object" && v !== null
    ? JSON.stringify(v.value ?? v) : v}`).join(", ");
}

/** Render the list of models. */
export async function modelsView() {
  show("Models", h("p", {}, "Loading…"));
  let answer;
  try {
    answer = await api.models();
  } catch (error) {
    show("Models", h("h1", {}, "Models"), ...failure(error, null));
    return;
  }
  show("Models", h("h1", {}, "Models"), table(["model", "namespace", "versions", "metrics"],
    answer.models.map((m) => [h("a", { href: link("model", [m.namespace, m.name]) }, m.name),
      m.namespace, String(m.versionCount), metricsText(m.metrics)])));
}
