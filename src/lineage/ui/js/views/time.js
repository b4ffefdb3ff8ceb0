// The time-travel control: a date-and-time picker that writes an RFC 3339 `asOf`.

import { h } from "../dom.js";

function localValue(iso) {
  if (!iso) return "";
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return "";
  const shifted = new Date(at.getTime() - at.getTimezoneOffset() * 60000);
  return shifted.toISOString().slice(0, 16);
}

/** A labelled picker showing `asOf`; `onChange` gets an RFC 3339 UTC time or "" for now. */
export function timePicker(asOf, onChange) {
  const input = h("input", { type: "datetime-local", name: "asOf", value: localValue(asOf),
    "aria-label": "Show lineage as of", step: 60 });
  const apply = () => onChange(input.value ? new Date(input.value).toISOString() : "");
  input.addEventListener("change", apply);
  return h("span", { class: "toolbar" },
    h("label", {}, "As of", input),
    h("button", { type: "button", onclick: () => onChange(""), disabled: !asOf }, "Now"));
}
