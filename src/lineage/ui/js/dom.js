// Small DOM helpers shared by every view. Text is always set as text (never parsed as
// HTML), and URL attributes pass through safeUrl: data from events cannot run script.

const URL_ATTRIBUTES = new Set(["href", "src", "action", "formaction", "xlink:href"]);

/**
 * A URL that may be put in a link: the explorer's own (`#/...`, `/...`) or http(s).
 * Anything else (`javascript:`, `data:`, `vbscript:`, ...) gives null.
 */
export function safeUrl(value) {
  const text = String(value ?? "").trim();
  if (text.startsWith("#")) return text;
  try {
    const url = new URL(text, location.href);
    if (url.protocol === "http:" || url.protocol === "https:") return url.href;
  } catch {
    // not a URL at all
  }
  return null;
}

/** A link to a URL found in data: an <a> only for absolute http(s) URLs, else plain text. */
export function dataLink(url, text = url) {
  const safe = /^\s*https?:\/\//i.test(String(url ?? "")) ? safeUrl(url) : null;
  return safe ? h("a", { href: safe }, text) : String(text ?? "");
}

function setAttribute(el, key, value) {
  if (!URL_ATTRIBUTES.has(key)) {
    el.setAttribute(key, value === true ? "" : value);
    return;
  }
  const url = safeUrl(value);
  if (url === null) return;
  el.setAttribute(key, url);
  if (key === "href" && !url.startsWith("#") && new URL(url).origin !== location.origin) {
    el.setAttribute("rel", "noopener noreferrer nofollow");
  }
}

/** Build an element: h("a", {href: "#/"}, "text", child). Attributes starting "on" bind events. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else setAttribute(el, key, value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** An SVG element with attributes. */
export function svg(tag, attrs = {}) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) setAttribute(el, key, value);
  }
  return el;
}

/** Replace the main area's content with `nodes`, and give the page a title. */
export function show(title, ...nodes) {
  const main = document.getElementById("main");
  main.replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined));
  document.title = title ? `${title} · lineage` : "lineage explorer";
  return main;
}

/** A notice box; `kind` "error" draws it red. */
export function notice(text, kind = "info") {
  return h("div", { class: kind === "error" ? "notice error" : "notice", role: "status" }, text);
}

/** A table from a header list and rows of cells; rows may carry a class via `row.className`. */
export function table(headers, rows) {
  const body = rows.map((row) => h("tr", { class: row.className }, row.map((c) => h("td", {}, c))));
  return h("table", {}, h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))),
    h("tbody", {}, body));
}

/** Milliseconds as "1.2 s" / "3 min 4 s". */
export function duration(ms) {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}

/** An RFC 3339 time as local date and time, or a dash. */
export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "—";
}

/** A run state as coloured text. */
export function state(value) {
  return h("span", { class: `state state-${value || "none"}` }, value || "no runs");
}
