// Asking for an answer and showing it as it arrives: chat streams and image generations, stop,
// regenerate and resend.

import * as api from "./api.js";
import { askForKey } from "./dialogs.js";
import { el, lastIndexOf, save, state } from "./page.js";
import { renderList } from "./sidebar.js";
import * as store from "./store.js";
import { fillAssistant, renderThread, replaceMessage, scrollToBottom } from "./thread.js";

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

/** Answer the open conversation's last user message. */
export async function respond() {
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

export function stop() {
  state.controller?.abort();
}

export function regenerate() {
  if (state.busy) return;
  const msgs = state.conv.messages;
  const i = lastIndexOf("user");
  if (i < 0) return;
  msgs.splice(i + 1);
  renderThread();
  respond();
}

/** Send an edited user message again: what followed it is replaced by the new answer. */
export function resend(m, text) {
  const content = text.trim();
  if (!content && !m.attachments?.length) return;
  m.content = content;
  state.editing = null;
  const i = state.conv.messages.indexOf(m);
  state.conv.messages.splice(i + 1);
  renderThread();
  respond();
}

export function wireStreaming() {
  el.stop.addEventListener("click", stop);
}
