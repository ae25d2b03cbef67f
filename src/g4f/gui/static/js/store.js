// Conversations kept in the browser: one localStorage entry per conversation plus an index,
// so saving one conversation while it streams does not rewrite all the others.

const INDEX = "g4f.conversations";
const PREFIX = "g4f.conversation.";
const SETTINGS = "g4f.settings";

export const uid = () =>
  (crypto.randomUUID ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`);

function readJson(key, fallback) {
  try {
    const raw = localStorage.getItem(key);
    return raw ? JSON.parse(raw) : fallback;
  } catch {
    return fallback;
  }
}

/** Thrown when the browser's storage is full; the conversation stays in memory. */
export class StorageFullError extends Error {}

function writeJson(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch (e) {
    throw new StorageFullError(`Browser storage is full (${e.name}); delete old conversations to keep new ones.`);
  }
}

export function newConversation(defaults = {}) {
  const now = Date.now();
  return {
    id: uid(),
    title: "New chat",
    created: now,
    updated: now,
    model: defaults.model ?? "auto",
    provider: defaults.provider ?? "",
    system: defaults.system ?? "",
    temperature: defaults.temperature ?? null,
    messages: [],
  };
}

/** The index, newest first: [{id, title, updated}]. */
export function listConversations() {
  const index = readJson(INDEX, []);
  return Array.isArray(index) ? index.sort((a, b) => b.updated - a.updated) : [];
}

export function loadConversation(id) {
  const conv = readJson(PREFIX + id, null);
  if (!conv || !Array.isArray(conv.messages)) return null;
  for (const m of conv.messages) {
    // An answer that was streaming when the page went away ends where it was.
    if (m.pending) {
      m.pending = false;
      m.stopped = true;
    }
  }
  return conv;
}

export function saveConversation(conv) {
  conv.updated = Date.now();
  writeJson(PREFIX + conv.id, conv);
  const index = listConversations().filter((c) => c.id !== conv.id);
  index.unshift({ id: conv.id, title: conv.title, updated: conv.updated });
  writeJson(INDEX, index);
}

export function deleteConversation(id) {
  localStorage.removeItem(PREFIX + id);
  writeJson(INDEX, listConversations().filter((c) => c.id !== id));
}

export function loadSettings() {
  return readJson(SETTINGS, {});
}

export function saveSettings(patch) {
  const next = { ...loadSettings(), ...patch };
  try {
    writeJson(SETTINGS, next);
  } catch {
    /* settings are a convenience; a full storage must not break the page */
  }
  return next;
}

// ---- export -------------------------------------------------------------------------------

export function toJson(conv) {
  return JSON.stringify(conv, null, 2);
}

export function toMarkdown(conv) {
  const out = [`# ${conv.title}`, ""];
  const meta = [`Model: ${conv.model || "auto"}`];
  if (conv.provider) meta.push(`Provider: ${conv.provider}`);
  if (conv.temperature !== null && conv.temperature !== undefined) meta.push(`Temperature: ${conv.temperature}`);
  out.push(`_${meta.join(" · ")} · ${new Date(conv.created).toISOString()}_`, "");
  if (conv.system) out.push("## System", "", conv.system, "");
  for (const m of conv.messages) {
    const who = m.role === "user" ? "User" : `Assistant${m.model ? ` (${m.model}${m.provider ? ` via ${m.provider}` : ""})` : ""}`;
    out.push(`## ${who}`, "");
    if (m.reasoning) out.push("<details><summary>Reasoning</summary>", "", m.reasoning, "", "</details>", "");
    if (m.content) out.push(m.content, "");
    for (const a of m.attachments || []) out.push(`_[attached image: ${a.name || "image"}]_`, "");
    for (const url of m.images || []) out.push(`![image](${url.startsWith("data:") ? "data-uri" : url})`, "");
    if (m.error) out.push(`> **Error:** ${m.error.message}`, "");
  }
  return out.join("\n");
}
