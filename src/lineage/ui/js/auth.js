// API keys in the browser: when the collector answers 401 or 403, the page is replaced by a
// key form that says why. The key is kept in sessionStorage (this tab, until it is closed)
// and sent by every API call as `Authorization: Bearer <key>`.

import { apiKey } from "./api.js";
import { h } from "./dom.js";

function reason(error) {
  if (error.status === 403) {
    return ["This API key may not do that.", `The collector said: ${error.message}. ` +
      "Enter a key with the read scope to browse lineage."];
  }
  if (apiKey.get()) {
    return ["The API key was refused.", `The collector said: ${error.message}. ` +
      "Check the key and enter it again."];
  }
  return ["This collector requires an API key.", "Enter a key to browse its lineage."];
}

function keyForm(error, retry) {
  const [title, detail] = reason(error);
  const input = h("input", { id: "api-key", name: "apiKey", type: "password",
    autocomplete: "off", spellcheck: "false", required: true });
  const form = h("form", { class: "form", id: "auth-form" },
    h("label", { for: "api-key" }, "API key"), input,
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "primary" },
      "Use this key")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    apiKey.set(input.value.trim());
    retry();
  });
  return { nodes: [h("h1", {}, title), h("p", { id: "auth-reason" }, detail),
    h("p", { class: "sub" }, "The key is kept for this browser tab only and sent with " +
      "every request the explorer makes."), form], input };
}

/** Wire the key prompt; `retry` re-renders the current view once a key was entered. */
export function setupAuth(retry) {
  const panel = document.getElementById("auth");
  const main = document.getElementById("main");
  const forget = document.getElementById("forget-key");
  const sync = () => { forget.hidden = !apiKey.get(); };
  let shown = "";  // the answer the open form explains: parallel calls fail alike, once is enough
  const close = () => {
    shown = "";
    panel.hidden = true;
    main.hidden = false;
    delete document.body.dataset.auth;
  };
  document.addEventListener("lineage:auth", (event) => {
    const answer = `${event.detail.status} ${event.detail.message}`;
    if (answer === shown) return;
    shown = answer;
    const { nodes, input } = keyForm(event.detail, () => { close(); sync(); retry(); });
    panel.replaceChildren(...nodes);
    panel.hidden = false;
    main.hidden = true;
    document.body.dataset.auth = String(event.detail.status);
    input.focus();
  });
  forget.addEventListener("click", () => { apiKey.clear(); sync(); retry(); });
  sync();
  return close;
}
