// The incidents view: what a bad run (or a bad dataset's recent versions) tainted, drawn on
// the graph with the re-run plan beside it, and the provenance of a run.
//   #/incidents/run/<runId>                              blast radius of a run
//   #/incidents/dataset/<namespace>/<name>?since=&until= blast radius of a dataset's versions
//   #/incidents/provenance/<runId>                       what produced a run's output
// Answers come from POST /api/v1/incidents/blast-radius and GET .../runs/{id}/provenance.

import { call, seg } from "../api.js";
import { h, notice, show, state, table, when } from "../dom.js";
import { GraphCanvas } from "../graph-canvas.js";
import { layout } from "../layout.js";
import { go, link } from "../router.js";

const DAY_MS = 24 * 3600 * 1000;

/** A node id without its kind: the label of a node the answer names by id only. */
const label = (nodeId) => nodeId.slice(nodeId.indexOf(":") + 1);

/** A graph being built: nodes by id, edges once each. */
function builder() {
  const nodes = new Map();
  const edges = [];
  const keys = new Set();
  return {
    nodes,
    edges,
    node(id, type, kind, name, runState) {
      if (id && !nodes.has(id)) nodes.set(id, { id, type, kind, name, namespace: "", runState });
    },
    edge(from, to) {
      const key = `${from}>${to}`;
      if (from && to && !keys.has(key)) { keys.add(key); edges.push({ from, to }); }
    },
  };
}

/** Give every node its column: its distance from the roots along the edges (downstream, or
 * upstream as negative columns), so the layout reaches each node from a neighbour one column
 * nearer the roots. Nodes no root reaches are left out. */
function placed({ nodes, edges }, roots, side) {
  const next = new Map();
  for (const { from, to } of edges) {
    const [a, b] = side > 0 ? [from, to] : [to, from];
    if (!next.has(a)) next.set(a, []);
    next.get(a).push(b);
  }
  const depth = new Map(roots.map((r) => [r, 0]));
  let frontier = [...roots];
  while (frontier.length) {
    const fresh = [];
    for (const id of frontier) {
      for (const n of next.get(id) || []) {
        if (!depth.has(n)) { depth.set(n, depth.get(id) + side); fresh.push(n); }
      }
    }
    frontier = fresh;
  }
  const kept = new Map([...nodes].filter(([id]) => depth.has(id))
    .map(([id, n]) => [id, { ...n, depth: depth.get(id) }]));
  return { root: roots[0] || "", roots, nodes: kept,
    edges: edges.filter((e) => kept.has(e.from) && kept.has(e.to)) };
}

/** The graph of a blast radius: the jobs of tainted runs, the datasets and models they wrote,
 * and (not marked) the jobs that read a tainted dataset but a clean version of it. Returns
 * {model, tainted: Set of the tainted node ids}. */
export function blastModel(answer) {
  const g = builder();
  const tainted = new Set();
  const jobOfRun = new Map(answer.runs.map((r) => [r.id, r.job]));
  for (const r of answer.runs) {
    g.node(r.job, "JOB", "job", r.jobName, r.state);
    tainted.add(r.job);
  }
  for (const d of answer.datasets) {
    g.node(d.id, "DATASET", "dataset", d.name);
    g.edge(jobOfRun.get(d.firstTainted.run), d.id);
    tainted.add(d.id);
  }
  for (const m of answer.models) {
    g.node(m.id, "DATASET", "model", m.name);
    g.edge(jobOfRun.get(m.trainingRun), m.id);
    tainted.add(m.id);
  }
  for (const r of answer.runs) {
    for (const v of r.via) {
      g.edge(jobOfRun.get(v.run), v.dataset);
      g.edge(v.dataset, r.job);
    }
  }
  for (const u of answer.untaintedReads) {
    g.node(u.job, "JOB", "job", label(u.job));
    g.edge(u.dataset, u.job);
  }
  const roots = [...new Set(answer.runs.filter((r) => r.depth === 0).map((r) => r.job))];
  return { model: placed(g, roots, 1), tainted };
}

/** The graph of a provenance answer, upstream of the root run's job. Returns {model, marked:
 * Set of the jobs whose run failed or had a failed check}. */
export function provenanceModel(answer) {
  const g = builder();
  const marked = new Set();
  const jobOfRun = new Map(answer.runs.map((r) => [r.id, r.job]));
  for (const r of answer.runs) {
    g.node(r.job, "JOB", "job", r.jobName, r.state);
    if (r.state === "FAILED" || r.state === "ABORTED" || r.failedChecks.length) marked.add(r.job);
  }
  for (const r of answer.runs) {
    for (const i of r.inputs) {
      g.node(i.dataset, "DATASET", "dataset", label(i.dataset));
      g.edge(i.dataset, r.job);
      g.edge(jobOfRun.get(i.run), i.dataset);
    }
  }
  return { model: placed(g, answer.runs.length ? [answer.runs[0].job] : [], -1), marked };
}

function drawInto(canvas, model, marked) {
  const drawn = layout(model, { fanout: 0, aspect: canvas.aspect() });
  const pathEdges = new Set(model.edges.filter((e) => marked.has(e.from) && marked.has(e.to))
    .map((e) => `${e.from}>${e.to}`));
  canvas.draw(drawn, { root: model.root, selected: "", ends: new Set(), path: marked, pathEdges,
    toggle: () => null }, { fit: true });
}

function graphArea(side) {
  const canvas = new GraphCanvas("incident-canvas", {
    select: () => {},
    toggle: () => {},
    open: (node) => { location.hash = link("node", [node.id]); },
    key: (node, event) => {
      if (event.key !== "Enter") return false;
      location.hash = link("node", [node.id]);
      return true;
    },
  });
  return { canvas, element: h("div", { class: "graph-wrap" }, canvas.element, side) };
}

const runLink = (id) => h("a", { href: link("incidents", ["provenance", id]) }, id);
const nodeLink = (id) => h("a", { href: link("node", [id]) }, id);
const versionText = (v) => (v ? `${v.version ? `${v.version} ` : ""}by ${v.run} at ` +
  `${when(v.writtenAt)}` : "—");

function planPanel(plan) {
  return h("aside", { class: "side", id: "rerun-plan", "aria-label": "Re-run plan" },
    h("h2", {}, "Re-run plan"),
    plan.length ? h("ol", {}, plan.map((s) => h("li", { "data-job": s.job },
      h("a", { href: link("job", [s.namespace, s.name]) }, s.name),
      s.after.length ? h("span", { class: "sub" }, ` after ${s.after.map(label).join(", ")}`)
        : null)))
      : h("p", { class: "sub" }, "Nothing to re-run."));
}

function blastTables(answer) {
  return [
    h("section", { id: "tainted-runs" }, h("h2", {}, `Tainted runs (${answer.runs.length})`),
      table(["run", "job", "state", "depth", "started", "ended"], answer.runs.map((r) =>
        [runLink(r.id), nodeLink(r.job), state(r.state), String(r.depth), when(r.startedAt),
          when(r.endedAt)]))),
    h("section", { id: "tainted-datasets" },
      h("h2", {}, `Tainted datasets (${answer.datasets.length})`),
      table(["dataset", "first tainted", "versions", "replaced by"], answer.datasets.map((d) =>
        [nodeLink(d.id), versionText(d.firstTainted), String(d.taintedVersions),
          versionText(d.replacedBy)]))),
    answer.models.length ? h("section", { id: "tainted-models" },
      h("h2", {}, `Models trained on tainted data (${answer.models.length})`),
      table(["model", "version", "training run", "trained"], answer.models.map((m) =>
        [nodeLink(m.id), m.version || "—", runLink(m.trainingRun), when(m.trainedAt)]))) : null,
    answer.untaintedReads.length ? h("section", { id: "untainted-reads" },
      h("h2", {}, "Not tainted: read a clean version"),
      table(["run", "job", "dataset", "started", "read"], answer.untaintedReads.map((u) =>
        [runLink(u.run), nodeLink(u.job), nodeLink(u.dataset), when(u.startedAt),
          versionText(u.read)]))) : null,
  ];
}

function windowForm(namespace, name, params) {
  const since = params.get("since") || new Date(Date.now() - DAY_MS).toISOString();
  const form = h("form", { class: "form", id: "incident-window" },
    h("label", { for: "incident-since" }, "Versions written since"),
    h("input", { id: "incident-since", name: "since", value: since }),
    h("label", { for: "incident-until" }, "until (optional)"),
    h("input", { id: "incident-until", name: "until", value: params.get("until") || "" }),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "primary" },
      "Show blast radius")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    go("incidents", ["dataset", namespace, name], { since: data.get("since"),
      until: data.get("until") });
  });
  return form;
}

async function blastView(title, request, extra = []) {
  const status = h("p", { class: "sub", id: "incident-status", "aria-live": "polite" },
    "Loading…");
  show(title, h("h1", {}, title), ...extra, status);
  let answer;
  try {
    answer = await call("/incidents/blast-radius", { body: request });
  } catch (error) {
    status.replaceWith(notice(error.message, "error"));
    document.body.dataset.incident = "error";
    return;
  }
  const { model, tainted } = blastModel(answer);
  const area = graphArea(planPanel(answer.plan));
  status.textContent = `${answer.runs.length} tainted runs, ${answer.datasets.length} tainted ` +
    `datasets, ${answer.models.length} models; tainted nodes are highlighted` +
    (answer.truncated ? "; cut short by the limit or depth" : "");
  show(title, h("h1", {}, title), ...extra, status, model.nodes.size ? area.element : null,
    ...blastTables(answer));
  if (model.nodes.size) drawInto(area.canvas, model, tainted);
  document.body.dataset.incident = "ready";
}

async function provenanceView(runId) {
  const title = `Provenance of run ${runId}`;
  const status = h("p", { class: "sub", id: "incident-status", "aria-live": "polite" },
    "Loading…");
  const tabs = h("p", { class: "toolbar" },
    h("a", { href: link("incidents", ["run", runId]) }, "Blast radius of this run"));
  show(title, h("h1", {}, title), tabs, status);
  let answer;
  try {
    answer = await call(`/jobs/runs/${seg(runId)}/provenance`);
  } catch (error) {
    status.replaceWith(notice(error.message, "error"));
    document.body.dataset.incident = "error";
    return;
  }
  const { model, marked } = provenanceModel(answer);
  const failed = answer.runs.flatMap((r) => r.failedChecks.map((c) => [runLink(r.id),
    c.dataset ? nodeLink(c.dataset) : "—", c.assertion || "", c.column || ""]));
  const side = h("aside", { class: "side", id: "provenance-checks" },
    h("h2", {}, "Failed checks"), failed.length
      ? table(["run", "dataset", "assertion", "column"], failed)
      : h("p", { class: "sub" }, "No failed check upstream."));
  const area = graphArea(side);
  status.textContent = `${answer.runs.length} runs upstream; failed runs and runs with a ` +
    "failed check are highlighted" + (answer.truncated ? "; cut short by the limit or depth" : "");
  const code = (c) => (c ? [c.url || c.repoUrl, c.version || c.tag || c.branch]
    .filter(Boolean).join(" @ ") : "—");
  show(title, h("h1", {}, title), tabs, status, area.element,
    h("section", { id: "provenance-runs" }, h("h2", {}, "Runs"),
      table(["run", "job", "state", "depth", "code", "parameters", "read"], answer.runs.map((r) =>
        [runLink(r.id), nodeLink(r.job), state(r.state), String(r.depth), code(r.code),
          Object.entries(r.parameters).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", "),
          r.inputs.map((i) => `${label(i.dataset)} ← ${i.run || "unknown writer"}`)
            .join("; ")]))));
  drawInto(area.canvas, model, marked);
  document.body.dataset.incident = "ready";
}

/** Render the incidents view for its route. */
export async function incidentsView([mode, ...args], params) {
  delete document.body.dataset.incident;
  if (mode === "provenance") return provenanceView(args[0]);
  if (mode === "dataset") {
    const [namespace, name] = args;
    const form = windowForm(namespace, name, params);
    if (!params.get("since")) {
      show(`Blast radius of ${name}`, h("h1", {}, `Blast radius of ${name}`), form);
      document.body.dataset.incident = "form";
      return undefined;
    }
    return blastView(`Blast radius of ${name}`, { dataset: `dataset:${namespace}:${name}`,
      since: params.get("since"), until: params.get("until") || undefined }, [form]);
  }
  const runId = args[0];
  return blastView(`Blast radius of run ${runId}`, { run: runId }, [h("p", { class: "toolbar" },
    h("a", { href: link("incidents", ["provenance", runId]) }, "Provenance of this run"))]);
}
