// What the server offers: models (GET /v1/models) and providers (GET /v1/providers), and the
// pickers and the providers table built from them.

import * as api from "./api.js";
import { h } from "./dom.js";
import { safeUrl } from "./markdown.js";

export const catalog = {
  models: [],
  providers: [],
  loaded: false,
  async load() {
    const [models, providers] = await Promise.allSettled([api.listModels(), api.listProviders()]);
    if (models.status === "fulfilled") this.models = models.value;
    if (providers.status === "fulfilled") this.providers = providers.value;
    this.loaded = models.status === "fulfilled";
    const failed = [models, providers].find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
  },
  provider(name) {
    return name ? this.providers.find((p) => providerName(p) === name) ?? null : null;
  },
};

export const providerName = (p) => String(p.id ?? p.provider ?? p.name ?? "");
const ids = (list) =>
  (Array.isArray(list) ? list : []).map((x) => (typeof x === "string" ? x : x?.id ?? x?.model ?? x?.name)).filter(Boolean);

/**
 * Whether a provider can answer now: {label, cls, rank, hint} (rank orders the picker: ready first).
 * A server the server probed (`reachable` false) is not ready, whatever its key says.
 */
export function providerStatus(p) {
  if (p.ignored) return { label: "off on this server", cls: "status-off", rank: 3, hint: "in the server's ignored providers" };
  if (p.working === false) return { label: "not working", cls: "status-off", rank: 3 };
  const needsKey = Boolean(p.auth ?? p.needs_auth);
  const hasKey = Boolean(p.has_credentials ?? p.has_key);
  if (needsKey && !hasKey) return { label: "needs key", cls: "status-key", rank: 2, hint: p.api_key_env ? `set ${p.api_key_env}` : "" };
  if (p.reachable === false) {
    if (p.unreachable === "this_server") return { label: "points at this server", cls: "status-off", rank: 2, hint: `${p.address} is this g4f server` };
    if (p.unreachable === "no_address") return { label: "no base URL", cls: "status-off", rank: 2, hint: p.api_base_env ? `set ${p.api_base_env}` : "" };
    const hint = p.api_base_env ? `start it, or set ${p.api_base_env} to where it runs` : "";
    return { label: p.address ? `not running at ${p.address}` : "not running", cls: "status-off", rank: 2, hint };
  }
  if (needsKey) return { label: "key set", cls: "status-ready", rank: 1 };
  return { label: "ready", cls: "status-ready", rank: 0 };
}

/** Why no provider can serve a model now (its first requirement, from /v1/models), or "". */
export function modelNeeds(m) {
  if (m.available !== false) return "";
  const need = m.requires?.[0];
  if (!need) return "not enabled on this server";
  if (need.reason === "needs_key") return `needs key: ${need.api_key_env}`;
  if (need.reason === "not_running") return `${need.provider} not running${need.address ? ` at ${need.address}` : ""}`;
  if (need.reason === "this_server") return `${need.provider} points at this server`;
  if (need.reason === "no_address") return `${need.provider} has no base URL`;
  return `${need.provider} not working`;
}

/** What is known about `model` (through `provider` when one is chosen): {known, image, vision}. */
export function modelInfo(model, provider) {
  const p = catalog.provider(provider);
  if (p) {
    const image = ids(p.image_models).includes(model);
    const vision = ids(p.vision_models).includes(model);
    if (image || vision || ids(p.models).includes(model)) return { known: true, image, vision };
  }
  const m = catalog.models.find((x) => x.id === model);
  if (m) return { known: true, image: Boolean(m.image), vision: Boolean(m.vision) };
  return { known: false, image: false, vision: false };
}

function sortedProviders() {
  return [...catalog.providers].sort(
    (a, b) => providerStatus(a).rank - providerStatus(b).rank || providerName(a).localeCompare(providerName(b)),
  );
}

export function fillProviderSelect(select, current) {
  const options = [h("option", { value: "", text: "Any provider" })];
  for (const p of sortedProviders()) {
    const name = providerName(p);
    options.push(h("option", { value: name, text: `${name} · ${providerStatus(p).label}`, "data-status": providerStatus(p).cls }));
  }
  if (current && !catalog.provider(current)) options.push(h("option", { value: current, text: current }));
  select.replaceChildren(...options);
  select.value = current || "";
}

/** The models offered for `provider` (all models with no provider): [{id, image, vision, needs}]. */
function modelsFor(provider) {
  const p = catalog.provider(provider);
  // Audio models (whisper-1, tts-1) speak or listen: they are not offered for chat.
  if (!p) return catalog.models.filter((m) => !m.audio && !["transcription", "embedding"].includes(m.kind)).map((m) => ({ id: m.id, image: Boolean(m.image), vision: Boolean(m.vision), needs: modelNeeds(m) }));
  const image = new Set(ids(p.image_models));
  const vision = new Set(ids(p.vision_models));
  const audio = new Set(ids(p.audio_models));
  const all = [...new Set([...ids(p.models), ...image, ...vision])].filter((id) => !audio.has(id) || image.has(id) || vision.has(id));
  return all.map((id) => ({ id, image: image.has(id), vision: vision.has(id) }));
}

export function fillModelSelect(select, provider, current) {
  const models = modelsFor(provider).filter((m) => m.id && !["auto", "default"].includes(m.id));
  // Models no provider can serve now are grouped last, each saying what it lacks.
  const chat = models.filter((m) => !m.image && !m.needs);
  const image = models.filter((m) => m.image && !m.needs);
  const blocked = models.filter((m) => m.needs);
  const kind = (m) => (m.image ? `${m.id} · image` : m.vision ? `${m.id} · vision` : m.id);
  const option = (m) => h("option", { value: m.id, text: m.needs ? `${kind(m)} · ${m.needs}` : kind(m), "data-needs": m.needs || null });
  const children = [h("option", { value: "auto", text: "Default model" })];
  if (chat.length) children.push(h("optgroup", { label: "Chat models" }, chat.map(option)));
  if (image.length) children.push(h("optgroup", { label: "Image models" }, image.map(option)));
  if (blocked.length) children.push(h("optgroup", { label: "Need a key or a server" }, blocked.map(option)));
  const known = models.some((m) => m.id === current);
  // Before the list has loaded, keep the conversation's model rather than dropping it.
  if (current && current !== "auto" && !known && !catalog.loaded) children.push(h("option", { value: current, text: current }));
  select.replaceChildren(...children);
  select.value = known || (!catalog.loaded && current) ? current : "auto";
}

export function renderProvidersTable(tbody) {
  const rows = sortedProviders().map((p) => {
    const name = providerName(p);
    const status = providerStatus(p);
    const url = safeUrl(p.url || "");
    const models = ids(p.models);
    const imageCount = ids(p.image_models).length;
    const summary = models.slice(0, 4).join(", ") + (models.length > 4 ? ` +${models.length - 4}` : "");
    return h("tr", { "data-provider": name },
      h("td", {}, url ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: name }) : name,
        p.local ? h("span", { class: "tag", text: "local" }) : null),
      h("td", {}, h("span", { class: `status-badge ${status.cls}`, text: status.label }),
        status.hint ? h("div", { class: "muted key-hint", text: status.hint }) : null),
      h("td", { class: "models" }, summary || "—", imageCount ? ` · ${imageCount} image` : ""));
  });
  if (!rows.length) rows.push(h("tr", {}, h("td", { colspan: "3", class: "muted", text: "No providers listed by the server." })));
  tbody.replaceChildren(...rows);
}
