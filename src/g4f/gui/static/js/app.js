// The chat page: wires the DOM to the REST API (api.js) and the browser store (store.js).

import * as api from "./api.js";
import { copyText, h, icon } from "./dom.js";
import { renderMarkdown } from "./markdown.js";
import * as store from "./store.js";
import { catalog, modelInfo, providerStatus, fillModelSelect, fillProviderSelect, renderProvidersTable } from "./catalog.js";
import { readImageFile } from "./images.js";

const $ = (id) => document.getElementById(id);
const el = {
  app: $("app"), sidebar: $("sidebar"), scrim: $("scrim"), menu: $("menu-button"), newChat: $("new-chat"),
  list: $("conversation-list"), providersButton: $("providers-button"), keyButton: $("key-button"),
  theme: $("theme-toggle"), providerSelect: $("provider-select"), modelSelect: $("model-select"),
  settingsButton: $("settings-button"), settings: $("settings-panel"), system: $("system-prompt"),
  temperature: $("temperature"), temperatureValue: $("temperature-value"), temperatureReset: $("temperature-reset"),
  exportJson: $("export-json"), exportMd: $("export-md"), messages: $("messages"), thread: $("thread"),
  composer: $("composer"), prompt: $("prompt"), send: $("send-button"), stop: $("stop-button"),
  attach: $("attach-button"), fileInput: $("file-input"), attachments: $("attachments"), status: $("status"),
  modeHint: $("mode-hint"), dropOverlay: $("drop-overlay"), keyDialog: $("key-dialog"), keyInput: $("key-input"),
  keyReason: $("key-reason"), keyClear: $("key-clear"), renameDialog: $("rename-dialog"), renameInput: $("rename-input"),
  providersDialog: $("providers-dialog"), providersTable: $("providers-table"), toasts: $("toasts"),
};

const state = {
  conv: null, // the open conversation
  busy: false,
  controller: null,
  attachments: [], // [{dataUrl, name, type}]
  editing: null, // id of the user message being edited
  pinned: true, // keep the view scrolled to the bottom while an answer streams
};

// ---- small helpers --------------------------------------------------------------------------

function toast(message, { error = false, action = null, timeout = 4000 } = {}) {
  const node = h("div", { class: `toast${error ? " error" : ""}`, role: error ? "alert" : "status" }, h("span", { text: message }));
  if (action) node.append(h("button", { type: "button", text: action.label, onclick: () => { action.run(); node.remove(); } }));
  el.toasts.append(node);
  setTimeout(() => node.remove(), timeout);
}

function save(conv = state.conv) {
  if (!conv || !conv.messages.length) return;
  try {
    store.saveConversation(conv);
  } catch (e) {
    toast(e.message, { error: true, timeout: 7000 });
  }
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

// ---- theme ------------------------------------------------------------------------------------

function effectiveTheme() {
  const set = document.documentElement.dataset.theme;
  if (set) return set;
  return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

function updateThemeButton() {
  const next = effectiveTheme() === "dark" ? "light" : "dark";
  el.theme.setAttribute("aria-label", `Switch to ${next} theme`);
}

el.theme.addEventListener("click", () => {
  const next = effectiveTheme() === "dark" ? "light" : "dark";
  document.documentElement.dataset.theme = next;
  store.saveSettings({ theme: next });
  updateThemeButton();
});
matchMedia("(prefers-color-scheme: dark)").addEventListener("change", updateThemeButton);

// ---- sidebar & conversation list --------------------------------------------------------------

function setSidebar(open) {
  el.app.classList.toggle("sidebar-open", open);
  el.scrim.hidden = !open;
  el.menu.setAttribute("aria-expanded", String(open));
}
el.menu.addEventListener("click", () => setSidebar(!el.app.classList.contains("sidebar-open")));
el.scrim.addEventListener("click", () => setSidebar(false));

function renderList() {
  const items = store.listConversations();
  el.list.replaceChildren();
  if (!items.length) {
    el.list.append(h("li", { class: "conversations-empty", text: "No conversations yet." }));
    return;
  }
  for (const item of items) {
    const current = state.conv && item.id === state.conv.id;
    el.list.append(
      h("li", { class: `conversation-item${current ? " current" : ""}`, "data-id": item.id },
        h("button", { type: "button", class: "conversation-open", title: item.title, text: item.title, "aria-current": current ? "true" : null, onclick: () => openConversation(item.id) }),
        h("span", { class: "conversation-tools" },
          h("button", { type: "button", class: "btn btn-ghost", "aria-label": `Rename ${item.title}`, title: "Rename", onclick: () => renameConversation(item.id) }, icon("edit")),
          h("button", { type: "button", class: "btn btn-ghost", "aria-label": `Delete ${item.title}`, title: "Delete", onclick: () => removeConversation(item.id) }, icon("trash")),
        ),
      ),
    );
  }
}

function openConversation(id) {
  if (state.busy) stop();
  const conv = store.loadConversation(id);
  if (!conv) return;
  state.conv = conv;
  state.editing = null;
  store.saveSettings({ last: id });
  applyConversationSettings();
  renderList();
  renderThread();
  setSidebar(false);
  el.prompt.focus();
}

function startNewConversation() {
  if (state.busy) stop();
  const prev = state.conv;
  state.conv = store.newConversation({ model: prev?.model ?? store.loadSettings().model, provider: prev?.provider ?? store.loadSettings().provider });
  state.editing = null;
  applyConversationSettings();
  renderList();
  renderThread();
  setSidebar(false);
  el.prompt.focus();
}
el.newChat.addEventListener("click", startNewConversation);

function renameConversation(id) {
  const conv = id === state.conv?.id ? state.conv : store.loadConversation(id);
  if (!conv) return;
  el.renameInput.value = conv.title;
  el.renameDialog.returnValue = "";
  el.renameDialog.showModal();
  el.renameInput.select();
  el.renameDialog.addEventListener("close", function onClose() {
    el.renameDialog.removeEventListener("close", onClose);
    const title = el.renameInput.value.trim();
    if (el.renameDialog.returnValue !== "save" || !title) return;
    conv.title = title;
    conv.renamed = true;
    save(conv);
    renderList();
  });
}

function removeConversation(id) {
  const conv = store.loadConversation(id);
  if (!conv) return;
  store.deleteConversation(id);
  if (state.conv?.id === id) startNewConversation();
  renderList();
  toast(`Deleted “${conv.title}”`, {
    timeout: 6000,
    action: { label: "Undo", run: () => { store.saveConversation(conv); renderList(); } },
  });
}

// ---- per-conversation settings ----------------------------------------------------------------

function applyConversationSettings() {
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

function isImageMode() {
  return Boolean(modelInfo(state.conv.model, state.conv.provider).image);
}

const hint = (text) => h("span", { class: "hint-text", text });

function updateModeHint() {
  const info = modelInfo(state.conv.model, state.conv.provider);
  el.modeHint.replaceChildren();
  if (info.image) {
    el.modeHint.append(h("span", { class: "pill", text: "Image generation" }), hint("Describe the picture to create"));
    el.prompt.placeholder = "Describe an image…";
  } else {
    el.prompt.placeholder = state.attachments.length ? "Ask about the image…" : "Message…";
    if (state.attachments.length && info.known && !info.vision) {
      el.modeHint.append(h("span", { class: "pill warn", text: "No vision" }), hint(`${state.conv.model} may not read images`));
    } else if (info.vision) {
      el.modeHint.append(h("span", { class: "pill", text: "Vision" }), hint("This model can read attached images"));
    } else {
      el.modeHint.append(hint("Enter to send · Shift+Enter for a new line"));
    }
  }
}

// ---- the thread -------------------------------------------------------------------------------

const SUGGESTIONS = [
  ["Explain a concept", "How does HTTP streaming with server-sent events work?"],
  ["Write code", "Write a Python function that merges two sorted lists, with a docstring."],
  ["Summarize", "Summarize the pros and cons of SQLite versus PostgreSQL in a table."],
  ["Brainstorm", "Give me five names for a friendly command-line tool."],
];

function renderEmpty() {
  return h("div", { class: "empty" },
    h("h1", { text: "What can I help with?" }),
    h("p", { text: "One interface to many models. Pick a model above, or just start typing." }),
    h("div", { class: "suggestions" },
      SUGGESTIONS.map(([title, text]) =>
        h("button", { type: "button", class: "suggestion", onclick: () => { el.prompt.value = text; autosize(); el.prompt.focus(); } },
          h("strong", { text: title }), h("span", { text: text }))),
    ),
  );
}

function renderThread() {
  const conv = state.conv;
  el.thread.replaceChildren();
  if (!conv.messages.length) {
    el.thread.append(renderEmpty());
    return;
  }
  conv.messages.forEach((m) => el.thread.append(renderMessage(m)));
  markLast();
  scrollToBottom(true);
}

function lastIndexOf(role) {
  const msgs = state.conv.messages;
  for (let i = msgs.length - 1; i >= 0; i--) if (msgs[i].role === role) return i;
  return -1;
}

function markLast() {
  const nodes = el.thread.querySelectorAll(".msg");
  nodes.forEach((n, i) => n.classList.toggle("last", i === nodes.length - 1));
}

function renderMessage(m) {
  return m.role === "user" ? renderUser(m) : renderAssistant(m);
}

function renderUser(m) {
  const isLastUser = state.conv.messages[lastIndexOf("user")] === m;
  const body = h("div", { class: "msg-body" });
  if (m.attachments?.length) {
    body.append(h("div", { class: "attachment-thumbs" }, m.attachments.map((a) => h("img", { src: a.dataUrl, alt: a.name || "attached image" }))));
  }
  if (state.editing === m.id) {
    const area = h("textarea", { "aria-label": "Edit message" });
    area.value = m.content;
    const submit = () => resend(m, area.value);
    area.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
      if (e.key === "Escape") { state.editing = null; replaceMessage(m); }
    });
    body.append(h("div", { class: "edit-box" }, area,
      h("div", { class: "row" },
        h("button", { type: "button", class: "btn btn-ghost btn-small", text: "Cancel", onclick: () => { state.editing = null; replaceMessage(m); } }),
        h("button", { type: "button", class: "btn btn-primary btn-small", text: "Save & send", onclick: submit }),
      )));
    // A microtask, not a frame: the box is in the page by then, and nothing typed yet can be moved.
    queueMicrotask(() => { area.focus(); area.setSelectionRange(area.value.length, area.value.length); });
  } else {
    if (m.content) body.append(h("div", { class: "bubble", text: m.content }));
    const actions = h("div", { class: "msg-actions" },
      h("button", { type: "button", class: "btn btn-ghost", "aria-label": "Copy message", title: "Copy", onclick: (e) => copyWithFeedback(e.currentTarget, m.content) }, icon("copy")));
    if (isLastUser && !state.busy) {
      actions.append(h("button", { type: "button", class: "btn btn-ghost edit-button", "aria-label": "Edit message", title: "Edit and resend", onclick: () => startEdit(m) }, icon("edit")));
    }
    body.append(actions);
  }
  return h("article", { class: "msg msg-user", "data-id": m.id, "aria-label": "You" }, h("div", { class: "avatar", "aria-hidden": "true", text: "You" }), body);
}

function renderAssistant(m) {
  const body = h("div", { class: "msg-body" });
  const node = h("article", { class: `msg msg-assistant${m.pending ? " streaming" : ""}`, "data-id": m.id, "aria-label": "Assistant", "aria-busy": m.pending ? "true" : null },
    h("div", { class: "avatar", "aria-hidden": "true", text: "AI" }), body);
  fillAssistant(body, m);
  return node;
}

/** (Re)build an assistant message's body; called on every animation frame while it streams. */
function fillAssistant(body, m) {
  const parts = [];
  const meta = [];
  if (m.model) meta.push(h("span", { class: "badge", text: m.model }));
  if (m.provider) meta.push(h("span", { text: `via ${m.provider}` }));
  if (m.usage?.total_tokens) meta.push(h("span", { text: `· ${m.usage.total_tokens} tokens` }));
  if (meta.length) parts.push(h("div", { class: "msg-meta" }, meta));
  if (m.reasoning) {
    const details = body.querySelector("details.reasoning");
    const open = details ? details.open : false;
    parts.push(h("details", { class: "reasoning", open },
      h("summary", { text: m.pending && !m.content ? "Thinking…" : "Reasoning" }),
      h("div", { class: "reasoning-body", text: m.reasoning })));
  }
  if (m.content) {
    const md = h("div", { class: "markdown" });
    md.append(renderMarkdown(m.content));
    parts.push(md);
  } else if (m.pending && !m.reasoning) {
    parts.push(h("div", { class: "typing", "aria-label": "Waiting for the answer" }, h("span"), h("span"), h("span")));
  }
  if (m.images?.length) {
    parts.push(h("div", { class: "msg-images" }, m.images.map((url) =>
      h("figure", {}, h("a", { href: url, target: "_blank", rel: "noopener noreferrer", "aria-label": "Open image in a new tab" },
        h("img", { src: url, alt: m.prompt ? `Generated image: ${m.prompt}` : "Generated image", loading: "lazy" }))))));
  }
  if (m.stopped) parts.push(h("div", { class: "stopped-note", text: "Stopped." }));
  if (m.error) parts.push(renderError(m));
  if (!m.pending) {
    const isLast = state.conv.messages[state.conv.messages.length - 1] === m;
    const actions = h("div", { class: "msg-actions" });
    if (m.content) actions.append(h("button", { type: "button", class: "btn btn-ghost", "aria-label": "Copy answer", title: "Copy", onclick: (e) => copyWithFeedback(e.currentTarget, m.content) }, icon("copy")));
    if (isLast && !state.busy && !m.error) actions.append(h("button", { type: "button", class: "btn btn-ghost regenerate-button", "aria-label": "Regenerate answer", title: "Regenerate", onclick: regenerate }, icon("refresh"), h("span", { text: "Regenerate" })));
    if (actions.childElementCount) parts.push(actions);
  }
  body.replaceChildren(...parts);
}

function renderError(m) {
  const e = m.error;
  const lines = errorLines(e.message);
  const serverKey = e.status === 401 && e.code !== "missing_auth";
  const title = serverKey ? "The server needs an API key"
    : e.code === "missing_auth" ? "The providers need an API key"
    : e.status === 429 ? "Rate limited"
    : e.type === "network_error" ? "Connection problem"
    : e.code === "model_not_found" ? "Unknown model"
    : "Request failed";
  const box = h("div", { class: "msg-error", role: "alert" }, icon("alert"));
  const text = h("div", {},
    h("div", { class: "msg-error-title", text: `${title}${e.status ? ` (${e.status}${e.code ? ` ${e.code}` : ""})` : ""}` }),
    h("div", { class: "msg-error-text", text: lines[0] }));
  const details = [...lines.slice(1)];
  if (Array.isArray(e.details)) {
    for (const d of e.details) details.push(typeof d === "string" ? d : `${d.provider ?? d.name ?? "provider"}: ${d.message ?? d.error ?? JSON.stringify(d)}`);
  }
  if (details.length) text.append(h("ul", {}, details.map((d) => h("li", { text: d }))));
  const actions = h("div", { class: "msg-error-actions" });
  if (serverKey) actions.append(h("button", { type: "button", class: "btn btn-small", text: "Enter API key", onclick: () => askForKey() }));
  actions.append(h("button", { type: "button", class: "btn btn-small retry-button", text: "Retry", onclick: regenerate }));
  text.append(actions);
  box.append(text);
  return box;
}

/** An error message as lines: "All providers failed. A: x; B: y" becomes a headline and one line per provider. */
function errorLines(message) {
  const text = String(message || "Unknown error");
  const m = /^(All providers failed\.?)\s*(.+)$/s.exec(text);
  if (m) return [m[1], ...m[2].split(/;\s+(?=[\w.\-]+: )/)];
  return text.split(/\n+/).filter(Boolean);
}

function replaceMessage(m) {
  const node = el.thread.querySelector(`.msg[data-id="${m.id}"]`);
  if (node) node.replaceWith(renderMessage(m));
  markLast();
}

async function copyWithFeedback(button, text) {
  const ok = await copyText(text);
  const old = button.querySelector("use")?.getAttribute("href");
  if (ok && old) {
    button.querySelector("use").setAttribute("href", "#i-check");
    setTimeout(() => button.querySelector("use")?.setAttribute("href", old), 1200);
  }
  if (!ok) toast("Copy failed", { error: true });
}

// Copy buttons of code blocks (rendered by markdown.js) are handled by delegation.
el.thread.addEventListener("click", (event) => {
  const button = event.target.closest(".code-copy");
  if (!button) return;
  const code = button.closest(".code-block")?.querySelector("code")?.textContent ?? "";
  copyText(code).then((ok) => {
    const label = button.querySelector("span");
    label.textContent = ok ? "Copied" : "Failed";
    setTimeout(() => { label.textContent = "Copy"; }, 1200);
  });
});

// ---- scrolling --------------------------------------------------------------------------------

el.messages.addEventListener("scroll", () => {
  const gap = el.messages.scrollHeight - el.messages.scrollTop - el.messages.clientHeight;
  state.pinned = gap < 80;
}, { passive: true });

function scrollToBottom(force = false) {
  if (force || state.pinned) el.messages.scrollTop = el.messages.scrollHeight;
}

// ---- sending ------------------------------------------------------------------------------------

function setBusy(busy) {
  state.busy = busy;
  el.send.hidden = busy;
  el.stop.hidden = !busy;
  el.composer.setAttribute("aria-busy", String(busy));
}

/** The request messages: system prompt, then the chat turns (image generations and failures left out). */
function buildMessages(upto) {
  const conv = state.conv;
  const out = [];
  if (conv.system?.trim()) out.push({ role: "system", content: conv.system });
  for (const m of conv.messages.slice(0, upto)) {
    if (m.kind === "image" || m.pending) continue;
    if (m.role === "assistant") {
      if (m.content) out.push({ role: "assistant", content: m.content });
      continue;
    }
    if (m.attachments?.length) {
      const content = [];
      if (m.content) content.push({ type: "text", text: m.content });
      for (const a of m.attachments) content.push({ type: "image_url", image_url: { url: a.dataUrl } });
      out.push({ role: "user", content });
    } else {
      out.push({ role: "user", content: m.content });
    }
  }
  return out;
}

async function submitPrompt() {
  if (state.busy) return;
  const text = el.prompt.value.trim();
  if (!text && !state.attachments.length) return;
  const conv = state.conv;
  const imageMode = isImageMode();
  conv.messages.push({
    id: store.uid(), role: "user", content: text, created: Date.now(),
    attachments: imageMode ? [] : state.attachments.splice(0), kind: imageMode ? "image" : "chat",
  });
  if (!conv.renamed && (conv.title === "New chat" || conv.messages.length === 1)) {
    conv.title = (text || "Image").replace(/\s+/g, " ").slice(0, 60);
  }
  el.prompt.value = "";
  autosize();
  renderAttachments();
  await respond();
}

async function respond() {
  const conv = state.conv;
  const userIndex = lastIndexOf("user");
  const user = conv.messages[userIndex];
  const imageMode = user.kind === "image";
  const reply = {
    id: store.uid(), role: "assistant", content: "", reasoning: "", created: Date.now(), pending: true,
    model: conv.model, provider: conv.provider || "", kind: imageMode ? "image" : "chat",
  };
  if (imageMode) reply.prompt = user.content;
  conv.messages.push(reply);
  save(conv);
  renderList();
  setBusy(true); // before rendering: no edit or regenerate buttons while the answer streams
  state.pinned = true;
  renderThread();
  const node = el.thread.lastElementChild;
  const controller = new AbortController();
  state.controller = controller;
  const body = node.querySelector(".msg-body");
  let frame = 0;
  let saved = performance.now();
  const paint = () => {
    frame = 0;
    fillAssistant(body, reply);
    scrollToBottom();
    if (performance.now() - saved > 1000) {
      saved = performance.now();
      save(conv); // a reload during a long answer keeps what has arrived
    }
  };
  const schedule = () => { if (!frame) frame = requestAnimationFrame(paint); };
  const started = performance.now();
  el.status.textContent = imageMode ? "Generating image…" : "Waiting for the answer…";
  try {
    if (imageMode) {
      reply.images = await api.generateImages({ prompt: user.content, model: conv.model, provider: conv.provider, signal: controller.signal });
      if (!reply.images.length) throw new api.ApiError("The provider returned no image.", { type: "no_media" });
    } else {
      const request = { model: conv.model || "auto", messages: buildMessages(userIndex + 1) };
      if (conv.provider) request.provider = conv.provider;
      if (conv.temperature !== null && conv.temperature !== undefined) request.temperature = conv.temperature;
      await api.streamChat(request, {
        signal: controller.signal,
        onChunk: (chunk) => {
          const choice = chunk.choices?.[0];
          const delta = choice?.delta ?? {};
          if (typeof delta.content === "string") reply.content += delta.content;
          const thought = delta.reasoning ?? delta.reasoning_content;
          if (typeof thought === "string") reply.reasoning += thought;
          if (chunk.provider) reply.provider = typeof chunk.provider === "string" ? chunk.provider : chunk.provider.name ?? reply.provider;
          if (chunk.model) reply.model = chunk.model;
          if (chunk.usage) reply.usage = chunk.usage;
          if (choice?.finish_reason) reply.finish_reason = choice.finish_reason;
          el.status.textContent = "Streaming…";
          schedule();
        },
      });
    }
  } catch (e) {
    if (e.name === "AbortError") {
      reply.stopped = true;
    } else {
      const err = e instanceof api.ApiError ? e : new api.ApiError(e.message || String(e));
      reply.error = err.toJSON();
      if (err.needsKey) askForKey(err.message);
    }
  } finally {
    if (frame) cancelAnimationFrame(frame);
    reply.pending = false;
    state.controller = null;
    setBusy(false);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    el.status.textContent = reply.error ? "Failed" : reply.stopped ? "Stopped" : `${reply.provider ? `${reply.provider} · ` : ""}${seconds}s`;
    if (state.conv !== conv) {
      renderThread(); // the page moved to another conversation: give its buttons back
    } else {
      node.classList.remove("streaming");
      node.removeAttribute("aria-busy");
      fillAssistant(body, reply);
      replaceMessage(user);
      scrollToBottom();
    }
    save(conv);
  }
}

function stop() {
  state.controller?.abort();
}

function regenerate() {
  if (state.busy) return;
  const msgs = state.conv.messages;
  const i = lastIndexOf("user");
  if (i < 0) return;
  msgs.splice(i + 1);
  renderThread();
  respond();
}

function startEdit(m) {
  if (state.busy) return;
  state.editing = m.id;
  replaceMessage(m);
}

function resend(m, text) {
  const content = text.trim();
  if (!content && !m.attachments?.length) return;
  m.content = content;
  state.editing = null;
  const i = state.conv.messages.indexOf(m);
  state.conv.messages.splice(i + 1);
  renderThread();
  respond();
}

el.composer.addEventListener("submit", (e) => {
  e.preventDefault();
  submitPrompt();
});
el.stop.addEventListener("click", stop);

function autosize() {
  el.prompt.style.height = "auto";
  el.prompt.style.height = `${Math.min(el.prompt.scrollHeight, window.innerHeight * 0.4)}px`;
}
el.prompt.addEventListener("input", autosize);
el.prompt.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    submitPrompt();
  } else if (e.key === "ArrowUp" && !el.prompt.value && !state.busy) {
    const i = lastIndexOf("user");
    if (i >= 0 && state.conv.messages[i].kind !== "image") {
      e.preventDefault();
      startEdit(state.conv.messages[i]);
    }
  }
});
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && state.busy) {
    stop();
  } else if (e.key === "Escape" && el.app.classList.contains("sidebar-open")) {
    setSidebar(false);
  } else if ((e.ctrlKey || e.metaKey) && e.shiftKey && e.key.toLowerCase() === "o") {
    e.preventDefault();
    startNewConversation();
  }
});

// ---- attachments --------------------------------------------------------------------------------

async function addFiles(files) {
  const images = [...files].filter((f) => f.type.startsWith("image/"));
  if (!images.length) {
    if (files.length) toast("Only images can be attached.", { error: true });
    return;
  }
  for (const file of images) {
    try {
      state.attachments.push(await readImageFile(file));
    } catch (e) {
      toast(`Could not read ${file.name}: ${e.message}`, { error: true });
    }
  }
  renderAttachments();
  el.prompt.focus();
}

function renderAttachments() {
  el.attachments.replaceChildren(...state.attachments.map((a, i) =>
    h("div", { class: "attachment" },
      h("img", { src: a.dataUrl, alt: a.name || "attached image" }),
      h("button", { type: "button", "aria-label": `Remove ${a.name || "image"}`, onclick: () => { state.attachments.splice(i, 1); renderAttachments(); } }, icon("close")))));
  updateModeHint();
}

el.attach.addEventListener("click", () => el.fileInput.click());
el.fileInput.addEventListener("change", () => {
  addFiles(el.fileInput.files);
  el.fileInput.value = "";
});
el.prompt.addEventListener("paste", (e) => {
  const files = [...(e.clipboardData?.files ?? [])];
  if (files.some((f) => f.type.startsWith("image/"))) {
    e.preventDefault();
    addFiles(files);
  }
});
let dragDepth = 0;
const hasFiles = (e) => [...(e.dataTransfer?.types ?? [])].includes("Files");
window.addEventListener("dragenter", (e) => { if (hasFiles(e)) { dragDepth++; el.dropOverlay.hidden = false; } });
window.addEventListener("dragleave", () => { dragDepth = Math.max(0, dragDepth - 1); if (!dragDepth) el.dropOverlay.hidden = true; });
window.addEventListener("dragover", (e) => { if (hasFiles(e)) e.preventDefault(); });
window.addEventListener("drop", (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  dragDepth = 0;
  el.dropOverlay.hidden = true;
  addFiles(e.dataTransfer.files);
});

// ---- API key and providers dialogs ---------------------------------------------------------------

let keyDialogOpen = false;
function askForKey(reason) {
  if (keyDialogOpen) return;
  keyDialogOpen = true;
  el.keyReason.textContent = reason
    ? `The server answered: “${reason}”. Enter its API key; it is kept in this browser only.`
    : "If the server needs an API key, enter it here. It is kept in this browser only and sent as a Bearer token.";
  el.keyInput.value = api.getApiKey();
  el.keyDialog.returnValue = "";
  el.keyDialog.showModal();
  el.keyInput.focus();
}
el.keyDialog.addEventListener("close", () => {
  keyDialogOpen = false;
  if (el.keyDialog.returnValue === "save") {
    api.setApiKey(el.keyInput.value.trim());
    toast("API key saved in this browser.");
    loadCatalog();
  }
});
el.keyClear.addEventListener("click", () => {
  api.setApiKey("");
  el.keyInput.value = "";
  el.keyDialog.close("cleared");
  toast("API key removed.");
});
el.keyButton.addEventListener("click", () => askForKey());
el.providersButton.addEventListener("click", () => {
  renderProvidersTable(el.providersTable.tBodies[0]);
  el.providersDialog.showModal();
});

// Cancel buttons are plain buttons, so Enter in a dialog's field submits its main action.
document.querySelectorAll("dialog [data-close]").forEach((b) => b.addEventListener("click", () => b.closest("dialog").close("cancel")));

// ---- start ----------------------------------------------------------------------------------------

async function loadCatalog() {
  try {
    await catalog.load();
  } catch (e) {
    if (e instanceof api.ApiError && e.needsKey) askForKey(e.message);
    else toast(`Could not load models: ${e.message}`, { error: true, timeout: 7000 });
  }
  if (state.conv) applyConversationSettings();
  const ready = catalog.providers.filter((p) => providerStatus(p).cls === "status-ready").length;
  if (catalog.providers.length) {
    el.providersButton.querySelector(".count").textContent = `${ready} ready`;
    el.providersButton.setAttribute("aria-label", `Providers: ${ready} of ${catalog.providers.length} ready`);
  }
}

function init() {
  updateThemeButton();
  api.syncKeyCookie();
  const settings = store.loadSettings();
  const last = settings.last && store.loadConversation(settings.last);
  const first = store.listConversations()[0];
  state.conv = last || (first && store.loadConversation(first.id)) || store.newConversation({ model: settings.model, provider: settings.provider });
  applyConversationSettings();
  renderList();
  renderThread();
  autosize();
  el.prompt.focus();
  loadCatalog();
}

init();
