// SQL highlighting for the job page: a tokenizer for keywords, strings, quoted names,
// numbers and comments (any dialect's common ground), drawn as <span>s with classes. Text is
// only ever set as text, so a job's SQL from an event cannot inject markup.

import { h } from "./dom.js";

const KEYWORDS = new Set(`
  add all alter and any as asc begin between by case cast check column commit constraint
  create cross cte database default delete desc distinct drop else end except exists
  false fetch filter first following for foreign from full grant group having if ilike in
  index inner insert intersect interval into is join key last lateral left like limit
  merge natural not null nulls offset on or order outer over partition preceding primary
  qualify range recursive references replace returning right rollback row rows select set
  table temp temporary then to true truncate unbounded union unique update using values
  view when where window with within`.trim().split(/\s+/));

// One alternative per token kind, tried in this order at each position.
const TOKEN = new RegExp([
  String.raw`(--[^\n]*|\/\*[\s\S]*?(?:\*\/|$))`,  // 1 comment (an unclosed one runs to the end)
  String.raw`('(?:[^']|'')*(?:'|$))`,  // 2 string, '' escapes a quote
  String.raw`("(?:[^"]|"")*(?:"|$)|\x60[^\x60]*(?:\x60|$)|\[[^\]\n]*\])`,  // 3 quoted name
  String.raw`(\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b)`,  // 4 number
  String.raw`([A-Za-z_][A-Za-z0-9_$]*)`,  // 5 word: keyword or name
].join("|"), "gi");

/**
 * The tokens of `sql` as [{kind, text}], kind one of "comment", "string", "name" (quoted),
 * "number", "keyword" or "plain" (everything else); their texts joined give back `sql`.
 */
export function sqlTokens(sql) {
  const out = [];
  let last = 0;
  const push = (kind, text) => {
    if (!text) return;
    const prev = out.at(-1);
    if (prev && prev.kind === kind && kind === "plain") prev.text += text;
    else out.push({ kind, text });
  };
  for (const match of sql.matchAll(TOKEN)) {
    push("plain", sql.slice(last, match.index));
    const [text, comment, string, quoted, number] = match;
    const kind = comment ? "comment" : string ? "string" : quoted ? "name" : number ? "number"
      : KEYWORDS.has(text.toLowerCase()) ? "keyword" : "word";
    push(kind === "word" ? "plain" : kind, text);
    last = match.index + text.length;
  }
  push("plain", sql.slice(last));
  return out;
}

/** A <pre><code> of `sql`, highlighted. */
export function highlightSql(sql) {
  const spans = sqlTokens(sql).map((t) => (t.kind === "plain" ? t.text
    : h("span", { class: `sql-${t.kind}` }, t.text)));
  return h("pre", { class: "sql" }, h("code", {}, spans));
}
