// Type-ahead search in the header: arrow keys move, Enter opens, Escape closes.

import { api } from "./api.js";
import { h } from "./dom.js";
import { link } from "./router.js";

function target(hit) {
  if (hit.type === "MODEL") return link("model", [hit.namespace, hit.name]);
  return link("node", [hit.nodeId]);
}

/** Wire the header's search box. */
export function setupSearch() {
  const input = document.getElementById("search-input");
  const list = document.getElementById("search-results");
  let hits = [];
  let active = -1;
  let pending = null;
  let timer = 0;

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  };
  const open = (hit) => {
    close();
    input.value = "";
    location.hash = target(hit);
  };
  const paint = () => {
    list.replaceChildren(...hits.map((hit, i) => h("li", {
      id: `hit-${i}`, role: "option", "aria-selected": i === active ? "true" : "false",
      "data-node-id": hit.nodeId, onmousedown: (e) => { e.preventDefault(); open(hit); },
    }, h("span", { class: "badge" }, hit.type), h("span", {}, hit.name),
    h("span", { class: "sub" }, hit.namespace))));
    if (!hits.length) list.append(h("li", { role: "option", "aria-disabled": "true" }, "No matches"));
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    if (active >= 0) input.setAttribute("aria-activedescendant", `hit-${active}`);
  };
  const lookup = async () => {
    const q = input.value.trim();
    if (!q) return close();
    pending?.abort();
    pending = new AbortController();
    try {
      hits = (await api.search(q, pending.signal)).results;
      active = hits.length ? 0 : -1;
      paint();
    } catch (error) {
      if (error.name !== "AbortError") close();
    }
  };
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(lookup, 120); });
  input.addEventListener("blur", () => setTimeout(close, 150));
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!hits.length) return;
      active = (active + (e.key === "ArrowDown" ? 1 : hits.length - 1)) % hits.length;
      paint();
    } else if (e.key === "Enter" && active >= 0 && !list.hidden) {
      e.preventDefault();
      open(hits[active]);
    } else if (e.key === "Escape") close();
  });
}
