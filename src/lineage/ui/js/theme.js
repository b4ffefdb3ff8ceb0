// Light and dark themes: the system preference by default, a toggle that remembers a choice.

const KEY = "lineage-theme";

function systemDark() {
  return window.matchMedia("(prefers-color-scheme: dark)").matches;
}

/** Apply the remembered theme and wire the header toggle. */
export function setupTheme() {
  const button = document.getElementById("theme-toggle");
  const apply = (theme) => {
    if (theme) document.documentElement.dataset.theme = theme;
    else delete document.documentElement.dataset.theme;
    const dark = theme ? theme === "dark" : systemDark();
    button.setAttribute("aria-pressed", dark ? "true" : "false");
    button.title = dark ? "Switch to light theme" : "Switch to dark theme";
  };
  apply(localStorage.getItem(KEY));
  button.addEventListener("click", () => {
    const dark = button.getAttribute("aria-pressed") === "true";
    const next = dark ? "light" : "dark";
    localStorage.setItem(KEY, next);
    apply(next);
  });
}
