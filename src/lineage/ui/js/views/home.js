// The home page: #/?tab=datasets|jobs&namespace=&kind=&tag=&state=&q=&sort=&page=
// Counts, namespaces, recent runs (failed first), recent schema changes, and paged lists of
// datasets and jobs. Filters rewrite the address in place (no history entry per keystroke).

import { api } from "../api.js";
import { duration, h, notice, show, state, table, when } from "../dom.js";
import { link } from "../router.js";

const PAGE = 25;
const DATASET_SORTS = { name: "Name A–Z", "-name": "Name Z–A", namespace: "Namespace",
  "-updated": "Recently updated", updated: "Least recently updated" };
const JOB_SORTS = { name: "Name A–Z", "-name": "Name Z–A", namespace: "Namespace",
  state: "Failed first", "-lastRun": "Latest run", "-updated": "Recently updated" };
const STATES = ["", "FAILED", "RUNNING", "COMPLETED", "ABORTED", "NEW", "none"];

const dsLink = (d) => h("a", { href: link("dataset", [d.namespace, d.name]) }, d.name);
const jobLink = (ns, name) => h("a", { href: link("job", [ns, name]) }, name);

function countCards(counts) {
  const items = [["namespaces", "Namespaces", null], ["datasets", "Datasets", "datasets"],
    ["jobs", "Jobs", "jobs"], ["runs", "Runs", null], ["models", "Models", "models"]];
  return h("ul", { class: "counts", id: "counts" }, items.map(([key, label, target]) => {
    const value = h("span", { class: "count" }, counts[key].toLocaleString());
    const body = [value, h("span", { class: "sub" }, label)];
    const href = target === "models" ? link("models")
      : target ? link("", [], { tab: target }) : null;
    return h("li", { "data-count": key }, href ? h("a", { href }, body) : h("span", {}, body));
  }));
}

function namespaceList(namespaces) {
  if (!namespaces.length) return h("p", { class: "sub" }, "No namespaces yet.");
  return h("ul", { class: "namespaces" }, namespaces.map((n) => h("li", {},
    h("a", { href: link("", [], { tab: n.datasets ? "datasets" : "jobs", namespace: n.name }) },
      n.name), h("span", { class: "sub" }, ` ${n.datasets} datasets · ${n.jobs} jobs`))));
}

function runsTable(runs) {
  if (!runs.length) return h("p", { class: "sub" }, "No runs yet.");
  return table(["state", "job", "when", "duration", "error"], runs.map((r) => Object.assign(
    [state(r.state), jobLink(r.jobNamespace, r.jobName), when(r.startedAt || r.endedAt),
      duration(r.durationMs), r.error || ""],
    { className: r.state === "FAILED" || r.state === "ABORTED" ? "failed" : "" })));
}

function changesTable(changes) {
  if (!changes.length) return h("p", { class: "sub" }, "No schema changed yet.");
  const list = (names, sign) => names.map((n) => `${sign}${n}`).join(" ");
  return table(["dataset", "changed", "fields"], changes.map((c) => [
    h("a", { href: link("dataset", [c.namespace, c.name]) }, c.name), when(c.changedAt),
    h("span", { class: "diffs" },
      c.added.length ? h("span", { class: "diff-added" }, list(c.added, "+")) : null,
      c.removed.length ? h("span", { class: "diff-removed" }, list(c.removed, "−")) : null,
      c.retyped.length ? h("span", { class: "diff-changed" }, list(c.retyped, "~")) : null)]));
}

function select(name, label, options, current) {
  return h("label", {}, label, h("select", { name },
    Object.entries(options).map(([value, text]) =>
      h("option", { value, selected: value === (current || "") }, text))));
}

/** The datasets or jobs list with its filters; state lives in the address. */
class Browser {
  constructor(params, namespaces) {
    this.params = params;
    this.namespaces = namespaces;
    this.area = h("div", { id: "browse-results", class: "browse-results" });
  }

  get tab() { return this.params.get("tab") === "jobs" ? "jobs" : "datasets"; }

  filters() {
    const p = this.params;
    const spaces = { "": "All namespaces",
      ...Object.fromEntries(this.namespaces.map((n) => [n.name, n.name])) };
    const common = [select("namespace", "Namespace", spaces, p.get("namespace")),
      h("label", {}, "Name", h("input", { name: "q", type: "search", value: p.get("q") || "",
        placeholder: "contains…" }))];
    const extra = this.tab === "datasets"
      ? [select("kind", "Kind", { "": "Any", dataset: "Dataset", model: "Model" }, p.get("kind")),
        h("label", {}, "Tag", h("input", { name: "tag", value: p.get("tag") || "",
          placeholder: "key", size: 10 })),
        select("sort", "Sort", DATASET_SORTS, p.get("sort") || "name")]
      : [select("state", "Latest run", Object.fromEntries(STATES.map((s) =>
        [s, s === "" ? "Any" : s === "none" ? "Never ran" : s])), p.get("state")),
      select("sort", "Sort", JOB_SORTS, p.get("sort") || "name")];
    const form = h("form", { class: "filters", id: "browse-filters", role: "search",
      "aria-label": `Filter ${this.tab}` }, common, extra);
    let timer = 0;
    const apply = () => {
      clearTimeout(timer);  // a select fires both input and change: apply once
      const data = new FormData(form);
      for (const [key, value] of data) {
        if (value) this.params.set(key, value); else this.params.delete(key);
      }
      this.params.delete("page");
      this.load();
    };
    form.addEventListener("change", apply);
    form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(apply, 250); });
    form.addEventListener("submit", (e) => { e.preventDefault(); apply(); });
    return form;
  }

  tabs() {
    return h("div", { class: "tabs", role: "tablist" }, ["datasets", "jobs"].map((tab) =>
      h("a", { role: "tab", href: link("", [], { tab }), "aria-selected": String(tab === this.tab),
        class: tab === this.tab ? "tab active" : "tab", id: `tab-${tab}` },
      tab === "datasets" ? "Datasets" : "Jobs")));
  }

  element() {
    this.section = h("section", { id: "browse", class: "browse" }, h("h2", {}, "Browse"),
      this.tabs(), this.filters(), this.area);
    return this.section;
  }

  remember() {
    history.replaceState(null, "", link("", [], Object.fromEntries(this.params)));
  }

  async load() {
    // a late timer or answer must not rewrite the address of the page the user went on to
    if (this.section && !this.section.isConnected) return;
    this.remember();
    const ticket = (this.ticket = (this.ticket || 0) + 1);  // only the latest answer is shown
    const page = Math.max(1, Number(this.params.get("page")) || 1);
    const p = this.params;
    const query = { namespace: p.get("namespace"), q: p.get("q"), sort: p.get("sort"),
      limit: PAGE, offset: (page - 1) * PAGE };
    this.area.setAttribute("aria-busy", "true");
    let answer;
    try {
      answer = this.tab === "datasets"
        ? await api.browseDatasets({ ...query, kind: p.get("kind"), tag: p.get("tag") })
        : await api.browseJobs({ ...query, state: p.get("state") });
    } catch (error) {
      if (ticket === this.ticket) this.area.replaceChildren(notice(error.message, "error"));
      return;
    }
    if (ticket !== this.ticket || !this.section.isConnected) return;
    const rows = this.tab === "datasets" ? answer.datasets : answer.jobs;
    const body = this.tab === "datasets"
      ? table(["dataset", "namespace", "kind", "fields", "tags", "updated"], rows.map((d) =>
        [dsLink(d), d.namespace, d.kind, String(d.fields),
          d.tags.map((t) => (t.value ? `${t.key}=${t.value}` : t.key)).join(", "), when(d.updatedAt)]))
      : table(["job", "namespace", "latest run", "ran", "duration", "error"], rows.map((j) => [
        jobLink(j.namespace, j.name), j.namespace, state(j.latestRun?.state),
        when(j.latestRun?.startedAt || j.latestRun?.endedAt), duration(j.latestRun?.durationMs),
        j.latestRun?.error || ""]));
    const first = answer.totalCount ? (page - 1) * PAGE + 1 : 0;
    const last = (page - 1) * PAGE + rows.length;
    const turn = (to) => () => { this.params.set("page", String(to)); this.load(); };
    this.area.replaceChildren(
      rows.length ? body : h("p", { class: "sub" }, `No ${this.tab} match these filters.`),
      h("nav", { class: "pager", "aria-label": "Pages" },
        h("button", { type: "button", disabled: page <= 1, onclick: turn(page - 1) }, "Previous"),
        h("span", { id: "browse-range", "aria-live": "polite" },
          `${first}-${last} of ${answer.totalCount.toLocaleString()}`),
        h("button", { type: "button", disabled: last >= answer.totalCount,
          onclick: turn(page + 1) }, "Next")));
    this.area.removeAttribute("aria-busy");
    document.body.dataset.browse = "ready";
  }
}

/** Render the home page. */
export async function homeView(args, params) {
  show("", h("h1", {}, "Lineage explorer"), h("div", { class: "home-skeleton" }));
  let overview;
  try {
    overview = await api.overview();
  } catch (error) {
    show("", h("h1", {}, "Lineage explorer"), notice(error.message, "error"));
    return;
  }
  const empty = overview.counts.datasets + overview.counts.jobs + overview.counts.models === 0;
  const browser = new Browser(params, overview.namespaces);
  show("",
    h("h1", {}, "Lineage explorer"),
    countCards(overview.counts),
    empty ? notice("No lineage yet: point a producer at POST /api/v1/lineage " +
      "(OpenLineage's HTTP transport), then reload.") : null,
    h("div", { class: "home-grid" },
      h("section", { class: "card", id: "recent-runs" }, h("h2", {}, "Recent runs"),
        h("p", { class: "sub" }, "The 20 latest, failed ones first."),
        runsTable(overview.recentRuns)),
      h("div", { class: "home-side" },
        h("section", { class: "card", id: "namespaces" }, h("h2", {}, "Namespaces"),
          namespaceList(overview.namespaces)),
        h("section", { class: "card", id: "schema-changes" },
          h("h2", {}, "Recently changed schemas"), changesTable(overview.schemaChanges)))),
    browser.element());
  await browser.load();
}
