// The job page: #/job/<namespace>/<name> — highlighted SQL and source code, the DAG/task
// hierarchy (parent and children), inputs and outputs, and the runs as a timeline of
// durations coloured by state above the run history with errors.

import { api } from "../api.js";
import { dataLink, duration, h, notice, show, state, svg, table, when } from "../dom.js";
import { link } from "../router.js";
import { highlightSql } from "../sql.js";

const TIMELINE = { width: 760, height: 150, left: 72, bottom: 22, top: 8 };

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
  if (sql) out.push(h("section", { id: "sql" }, h("h2", {}, "SQL"), highlightSql(sql)));
  const source = job.facets.sourceCode;
  if (source?.sourceCode) {
    out.push(h("section", { id: "source" }, h("h2", {}, `Source code (${source.language || "?"})`),
      h("pre", {}, source.sourceCode)));
  }
  const location = job.facets.sourceCodeLocation?.url || job.location;
  if (location) out.push(h("p", { id: "source-location" }, "Source: ", dataLink(location)));
  return out;
}

/**
 * The runs oldest to newest, left to right, as bars as tall as they lasted, coloured by
 * state; each bar links to its run's page (and is reached with Tab).
 */
function timeline(list) {
  const runs = [...list].reverse();
  const { width, height, left, bottom, top } = TIMELINE;
  const longest = Math.max(1, ...runs.map((r) => r.durationMs || 0));
  const slot = (width - left) / Math.max(runs.length, 1);
  const bar = Math.max(2, Math.min(40, slot * 0.7));
  const plot = height - bottom - top;
  const picture = svg("svg", { class: "timeline", viewBox: `0 0 ${width} ${height}`,
    role: "group", "aria-label": `${runs.length} runs, oldest first; bar height is duration` });
  const text = (x, y, value, anchor = "start") => {
    const t = svg("text", { x, y, "text-anchor": anchor });
    t.textContent = value;
    return t;
  };
  picture.append(svg("line", { class: "axis", x1: left, y1: height - bottom, x2: width,
    y2: height - bottom }), text(left - 6, top + 10, duration(longest), "end"),
  text(left - 6, height - bottom, "0", "end"));
  runs.forEach((r, i) => {
    const tall = r.durationMs ? Math.max(2, (r.durationMs / longest) * plot) : 2;
    const label = `${r.state} · ${when(r.startedAt || r.createdAt)} · ${duration(r.durationMs)}`;
    const a = svg("a", { href: link("run", [r.id]), class: "run-bar", "aria-label": label });
    const title = svg("title");
    title.textContent = label;
    a.append(title, svg("rect", { class: `bar bar-${r.state}`, x: left + i * slot + (slot - bar) / 2,
      y: height - bottom - tall, width: bar, height: tall, "data-state": r.state }));
    picture.append(a);
  });
  if (runs.length) {
    picture.append(text(left, height - 6, when(runs[0].startedAt || runs[0].createdAt)),
      text(width, height - 6, when(runs.at(-1).startedAt || runs.at(-1).createdAt), "end"));
  }
  return h("div", { class: "timeline-box", id: "run-timeline" }, picture);
}

function runs(list) {
  const errorOf = (r) => r.errorMessage
    ? h("details", {}, h("summary", {}, r.errorMessage.message || "error"),
      h("pre", {}, r.errorMessage.stackTrace || "")) : "";
  if (!list.length) {
    return h("section", { id: "runs" }, h("h2", {}, "Runs"), h("p", { class: "sub" }, "No runs."));
  }
  return h("section", { id: "runs" }, h("h2", {}, "Runs"), timeline(list), table(
    ["state", "started", "duration", "error", "facets", "run id (blast radius)"],
    list.map((r) => [state(r.state), when(r.startedAt || r.createdAt), duration(r.durationMs),
      errorOf(r), h("a", { href: link("run", [r.id]) }, "run page"),
      h("a", { href: link("incidents", ["run", r.id]) }, r.id)])));
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
