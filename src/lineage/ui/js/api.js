// The collector's HTTP API, as the explorer uses it. Every error arrives in one shape:
// {"error": {"code", "message", "field"?}}.

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "http_error";
    this.suggestions = error.suggestions || [];
  }

  /** True when the route itself does not exist on this collector (an older server). */
  get missingRoute() {
    return (this.status === 404 && this.message === "Not Found") || this.status === 405;
  }
}

const BASE = "/api/v1";
const KEY = "lineage-api-key";

/** The API key the user entered, kept for this browser tab's session only. */
export const apiKey = {
  get: () => sessionStorage.getItem(KEY) || "",
  set: (value) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
};

function query(params) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== null && value !== undefined && value !== "") q.set(key, value);
  }
  const text = q.toString();
  return text ? `?${text}` : "";
}

let pending = 0;

/** Mark the content busy while any answer is on its way (assistive technology waits for it,
 * and so do the tests: `main[aria-busy="false"]` means every request has been answered). */
function busy(change) {
  pending += change;
  document.getElementById("main").setAttribute("aria-busy", String(pending > 0));
}

/** GET or POST a path under /api/v1 and return the decoded JSON. */
export async function call(path, options = {}) {
  busy(1);
  try {
    return await send(path, options);
  } finally {
    busy(-1);
  }
}

async function send(path, { params, body, signal }) {
  // no-store: an answer fetched with one key must never be replayed from the cache to another
  const init = { signal, cache: "no-store", headers: { Accept: "application/json" } };
  const key = apiKey.get();
  if (key) init.headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) {
    init.method = "POST";
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`${BASE}${path}${query(params)}`, init);
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (error.status === 401 || error.status === 403) {
      document.dispatchEvent(new CustomEvent("lineage:auth", { detail: error }));
    }
    throw error;
  }
  return data;
}

/** A path segment; namespaces such as postgres://db:5432 keep their slashes encoded. */
export const seg = (value) => encodeURIComponent(value);

export const api = {
  search: (q, signal) => call("/search", { params: { q, limit: 12 }, signal }),
  walk: (direction, nodeId, depth, asOf) =>
    call(`/lineage/${direction}`, { params: { nodeId, depth, as_of: asOf } }),
  neighbourhood: (nodeId, depth) => call("/lineage", { params: { nodeId, depth } }),
  path: (from, to) => call("/lineage/path", { params: { from, to } }),
  columns: (nodeId, depth) =>
    call("/column-lineage", { params: { nodeId, depth, withDownstream: true } }),
  dataset: (ns, name) => call(`/namespaces/${seg(ns)}/datasets/${seg(name)}`),
  versions: (ns, name) => call(`/namespaces/${seg(ns)}/datasets/${seg(name)}/versions`),
  job: (ns, name) => call(`/namespaces/${seg(ns)}/jobs/${seg(name)}`),
  runs: (ns, name, limit = 50) =>
    call(`/namespaces/${seg(ns)}/jobs/${seg(name)}/runs`, { params: { limit } }),
  run: (id) => call(`/jobs/runs/${seg(id)}`),
  runFacets: (id, type) => call(`/jobs/runs/${seg(id)}/facets`, { params: { type } }),
  children: (ns, name) => call(`/jobs/${seg(ns)}/${seg(name)}/children`),
  models: () => call("/models"),
  model: (ns, name) => call(`/models/${seg(ns)}/${seg(name)}`),
  impact: (request) => call("/impact", { body: request }),
  overview: () => call("/overview"),
  browseDatasets: (params) => call("/browse/datasets", { params }),
  browseJobs: (params) => call("/browse/jobs", { params }),
};
