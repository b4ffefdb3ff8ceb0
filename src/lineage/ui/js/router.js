// Hash routes: every view has a shareable URL such as #/node/<nodeId>?depth=2&asOf=...

/** The current route: {view, args: [decoded path parts], params: URLSearchParams}. */
export function current() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [path, search = ""] = raw.split("?");
  const [view = "", ...args] = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { view, args, params: new URLSearchParams(search) };
}

/** The hash for a view, its path parts and its parameters (empty ones left out). */
export function link(view, args = [], params = {}) {
  const path = [view, ...args.map(encodeURIComponent)].join("/");
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") q.set(key, value);
  }
  const text = q.toString();
  return `#/${path}${text ? `?${text}` : ""}`;
}

/** Go to a view (adds a history entry, so Back works). */
export function go(view, args, params) {
  location.hash = link(view, args, params);
}

/** Links to the pages of a node summary ({id, type, namespace, name}). */
export function pageOf(node) {
  if (node.kind === "model" || node.type === "MODEL") return link("model", [node.namespace, node.name]);
  if (node.type === "JOB") return link("job", [node.namespace, node.name]);
  return link("dataset", [node.namespace, node.name]);
}
