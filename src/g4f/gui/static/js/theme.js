// Light or dark: the saved choice (applied before the first paint by index.html), else the system's.

import { el } from "./page.js";
import * as store from "./store.js";

function effectiveTheme() {
  const set = document.documentElement.dataset.theme;
  if (set) return set;
  return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function updateThemeButton() {
  const next = effectiveTheme() === "dark" ? "light" : "dark";
  el.theme.setAttribute("aria-label", `Switch to ${next} theme`);
}

export function wireTheme() {
  el.theme.addEventListener("click", () => {
    const next = effectiveTheme() === "dark" ? "light" : "dark";
    document.documentElement.dataset.theme = next;
    store.saveSettings({ theme: next });
    updateThemeButton();
  });
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", updateThemeButton);
}
