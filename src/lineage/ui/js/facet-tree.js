// Facets as a readable tree: every object and array a collapsible <details> (the first
// levels open), every leaf its name and a typed value, and the raw JSON beside it. Values are
// set as text; only absolute http(s) URLs become links.

import { dataLink, h } from "./dom.js";

const OPEN_LEVELS = 2;  // facets and their first level open, deeper ones folded

function leaf(value) {
  if (value === null) return h("span", { class: "v-null" }, "null");
  if (typeof value === "string") {
    return h("span", { class: "v-string" }, /^https?:\/\//i.test(value) ? dataLink(value) : value);
  }
  return h("span", { class: `v-${typeof value}` }, String(value));
}

function size(value) {
  const n = Array.isArray(value) ? value.length : Object.keys(value).length;
  return Array.isArray(value) ? `[${n}]` : `{${n}}`;
}

function branch(key, value, level) {
  if (value === null || typeof value !== "object") {
    return h("li", { class: "leaf" }, h("span", { class: "k" }, key), leaf(value));
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  return h("li", {}, h("details", { open: level < OPEN_LEVELS },
    h("summary", {}, h("span", { class: "k" }, key), h("span", { class: "sub" }, ` ${size(value)}`)),
    entries.length ? h("ul", {}, entries.map(([k, v]) => branch(k, v, level + 1))) : null));
}

/** The facets `{name: facet}` as a tree with the raw JSON beside it, with open/fold controls. */
export function facetTree(facets, id) {
  const names = Object.keys(facets || {}).sort();
  if (!names.length) return h("p", { class: "sub", id }, "No facets.");
  const tree = h("ul", { class: "facet-tree", role: "tree" },
    names.map((name) => branch(name, facets[name], 0)));
  const all = (open) => () => {
    for (const d of tree.querySelectorAll("details")) d.open = open;
  };
  return h("div", { class: "facet-view", id },
    h("div", { class: "facet-tree-box" },
      h("div", { class: "toolbar" },
        h("button", { type: "button", onclick: all(true) }, "Open all"),
        h("button", { type: "button", onclick: all(false) }, "Fold all")),
      tree),
    h("pre", { class: "json raw", "aria-label": "Raw JSON", tabindex: 0 },
      JSON.stringify(facets, null, 2)));
}
