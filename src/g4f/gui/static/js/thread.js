// The thread: the open conversation's messages (user turns, answers, errors), their buttons, and
// keeping the view at the bottom while an answer streams.

import { autosize, startEdit } from "./composer.js";
import { askForKey } from "./dialogs.js";
import { copyText, h, icon } from "./dom.js";
import { renderMarkdown } from "./markdown.js";
import { el, lastIndexOf, state, toast } from "./page.js";
import { regenerate, resend } from "./streaming.js";

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

export function renderThread() {
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
export function fillAssistant(body, m) {
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

export function replaceMessage(m) {
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

export function scrollToBottom(force = false) {
  if (force || state.pinned) el.messages.scrollTop = el.messages.scrollHeight;
}

export function wireThread() {
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
  el.messages.addEventListener("scroll", () => {
    const gap = el.messages.scrollHeight - el.messages.scrollTop - el.messages.clientHeight;
    state.pinned = gap < 80;
  }, { passive: true });
}
