// Run history and learning curves (issue 24), self-contained sections for the dataset and
// model pages: every run that read or wrote a dataset and the model versions trained on it
// (from /runs and /models?dataset=, run history rather than the current graph), and the
// metric series of a model's training runs drawn on one chart to compare them.

import { call, seg } from "../api.js";
import { h, notice, state, table, when } from "../dom.js";
import { link } from "../router.js";

const SVG = "http://www.w3.org/2000/svg";
const SERIES = 6; // colours series-0 .. series-5 in app.css, legible in both themes
const MAX_RUNS = 6;

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  el.append(...children);
  return el;
}

/**
 * Runs that used a dataset and the model versions trained on it, loaded after the page and
 * shown together once both are in (nothing on the page moves twice).
 */
export function datasetHistorySection(namespace, name, nodeId) {
  const body = h("div", {}, h("p", { class: "sub" }, "Loading…"));
  const path = `/namespaces/${seg(namespace)}/datasets/${seg(name)}/runs`;
  const failed = (error) => notice(error.message, "error");
  const runs = call(path, { params: { limit: 50 } }).then((answer) => [
    h("p", { class: "sub" }, `${answer.runs.length} of ${answer.totalCount} runs, newest first`),
    table(["run", "job", "state", "roles", "started", "outputs"], answer.runs.map((r) => [
      h("a", { href: link("run", [r.id]) }, r.id.slice(0, 8)),
      h("a", { href: link("job", [r.jobNamespace, r.jobName]) }, r.jobName),
      state(r.state), r.roles.join(", "), when(r.startedAt),
      r.outputs.map((o) => o.name).join(", ") || "—"]))], failed);
  const models = call("/models", { params: { dataset: nodeId, limit: 50 } }).then((answer) =>
    (answer.modelVersions.length
      ? table(["model", "uri", "hops", "job", "created"], answer.modelVersions.map((m) => [
        h("a", { href: link("model", [m.namespace, m.name]) }, m.name), m.uri || "—",
        String(m.hops), m.trainingRun.jobName, when(m.createdAt)]))
      : h("p", { class: "sub" }, "No model version was trained on it.")), failed);
  Promise.all([runs, models]).then(([r, m]) => body.replaceChildren(...[r].flat(),
    h("h2", {}, "Model versions trained on it, directly or through other datasets"), m));
  return h("section", { id: "run-history" },
    h("h2", {}, "Runs that read or wrote it (history)"), body);
}

function chart(series) {
  const points = series.flatMap((s) => s.points.filter((p) => p.value !== null));
  if (!points.length) return h("p", { class: "sub" }, "No points recorded.");
  const [w, hgt, pad] = [640, 240, 36];
  const xs = points.map((p) => p.step);
  const ys = points.map((p) => p.value);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const sx = (x) => pad + ((x - x0) / (x1 - x0 || 1)) * (w - 2 * pad);
  const sy = (y) => hgt - pad - ((y - y0) / (y1 - y0 || 1)) * (hgt - 2 * pad);
  const lines = series.map((s, i) => svg("polyline", {
    class: `series series-${i % SERIES}`, fill: "none", "stroke-width": 1.5,
    points: s.points.filter((p) => p.value !== null)
      .map((p) => `${sx(p.step).toFixed(1)},${sy(p.value).toFixed(1)}`).join(" "),
  }, svg("title", {}, s.label)));
  const label = (x, y, text, anchor = "start") =>
    svg("text", { x, y, "font-size": 11, "text-anchor": anchor, fill: "currentColor" }, text);
  return svg("svg", { viewBox: `0 0 ${w} ${hgt}`, width: "100%", role: "img",
    "aria-label": "learning curves" },
  svg("rect", { x: pad, y: pad, width: w - 2 * pad, height: hgt - 2 * pad, fill: "none",
    stroke: "currentColor", "stroke-opacity": 0.3 }),
  label(pad, hgt - pad + 14, String(x0)), label(w - pad, hgt - pad + 14, String(x1), "end"),
  label(2, pad + 4, y1.toPrecision(3)), label(2, hgt - pad, y0.toPrecision(3)), ...lines);
}

/** The learning curves of the model's newest training runs, one metric at a time. */
export function curvesSection(versions) {
  const runs = [...new Map(versions.map((v) => [v.runId, v])).values()].slice(0, MAX_RUNS);
  const body = h("div", {}, h("p", { class: "sub" }, "Loading…"));
  Promise.all(runs.map((v) => call(`/jobs/runs/${seg(v.runId)}/metrics`)
    .then((a) => ({ version: v, series: a.series }), () => null))).then((answers) => {
    const found = answers.filter((a) => a && Object.keys(a.series).length);
    const names = [...new Set(found.flatMap((a) => Object.keys(a.series)))].sort();
    if (!names.length) {
      body.replaceChildren(h("p", { class: "sub" }, "No metric series recorded."));
      return;
    }
    const pick = h("select", { "aria-label": "metric" },
      names.map((n) => h("option", { value: n }, n)));
    const area = h("div", {});
    const draw = () => {
      const drawn = found.filter((a) => a.series[pick.value]).map((a) => ({
        label: `v${a.version.version || "?"} · ${a.version.runId.slice(0, 8)}`,
        points: a.series[pick.value],
      }));
      const legend = drawn.map((d, i) => h("li", { class: `series-${i % SERIES}` }, d.label));
      area.replaceChildren(chart(drawn), h("ul", { class: "legend" }, legend));
    };
    pick.addEventListener("change", draw);
    body.replaceChildren(h("div", { class: "toolbar" }, "Metric", pick), area);
    draw();
  });
  return h("section", { id: "learning-curves" },
    h("h2", {}, `Learning curves (newest ${runs.length} training runs)`), body);
}
