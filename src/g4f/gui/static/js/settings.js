// The open conversation's settings: the provider and model pickers, the settings panel (system
// prompt, temperature, export), and loading what the server offers into the pickers.

import * as api from "./api.js";
import { catalog, fillModelSelect, fillProviderSelect, providerStatus } from "./catalog.js";
import { updateModeHint } from "./composer.js";
import { askForKey } from "./dialogs.js";
import { h } from "./dom.js";
import { el, save, state, toast } from "./page.js";
import { showProviderCount } from "./sidebar.js";
import * as store from "./store.js";

export function applyConversationSettings() {
  const conv = state.conv;
  el.system.value = conv.system || "";
  showTemperature(conv.temperature);
  fillProviderSelect(el.providerSelect, conv.provider);
  fillModelSelect(el.modelSelect, conv.provider, conv.model);
  conv.model = el.modelSelect.value;
  updateModeHint();
}

function showTemperature(value) {
  const isSet = value !== null && value !== undefined;
  el.temperature.value = isSet ? value : 1;
  el.temperatureValue.textContent = isSet ? Number(value).toFixed(1) : "default";
  el.temperatureReset.disabled = !isSet;
}

function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const safeName = (title) => (title || "conversation").replace(/[^\w\- ]+/g, "").trim().replace(/\s+/g, "-").slice(0, 60) || "conversation";

/** Load the models and providers, then refill the pickers and the providers count. */
export async function loadCatalog() {
  try {
    await catalog.load();
  } catch (e) {
    if (e instanceof api.ApiError && e.needsKey) askForKey(e.message);
    else toast(`Could not load models: ${e.message}`, { error: true, timeout: 7000 });
  }
  if (state.conv) applyConversationSettings();
  const ready = catalog.providers.filter((p) => providerStatus(p).cls === "status-ready").length;
  showProviderCount(ready, catalog.providers.length);
}

export function wireSettings() {
  el.system.addEventListener("input", () => {
    state.conv.system = el.system.value;
    save();
  });
  el.temperature.addEventListener("input", () => {
    state.conv.temperature = Number(el.temperature.value);
    showTemperature(state.conv.temperature);
    save();
  });
  el.temperatureReset.addEventListener("click", () => {
    state.conv.temperature = null;
    showTemperature(null);
    save();
  });
  el.settingsButton.addEventListener("click", () => {
    const open = el.settings.hidden;
    el.settings.hidden = !open;
    el.settingsButton.setAttribute("aria-expanded", String(open));
    if (open) el.system.focus();
  });
  el.exportJson.addEventListener("click", () => download(`${safeName(state.conv.title)}.json`, store.toJson(state.conv), "application/json"));
  el.exportMd.addEventListener("click", () => download(`${safeName(state.conv.title)}.md`, store.toMarkdown(state.conv), "text/markdown"));

  el.providerSelect.addEventListener("change", () => {
    state.conv.provider = el.providerSelect.value;
    fillModelSelect(el.modelSelect, state.conv.provider, state.conv.model);
    state.conv.model = el.modelSelect.value;
    store.saveSettings({ provider: state.conv.provider, model: state.conv.model });
    save();
    updateModeHint();
  });
  el.modelSelect.addEventListener("change", () => {
    state.conv.model = el.modelSelect.value;
    store.saveSettings({ model: state.conv.model, provider: state.conv.provider });
    save();
    updateModeHint();
  });
}
