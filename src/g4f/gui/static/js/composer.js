// The composer: the message box, attached images (button, paste, drop), the mode hint under it,
// and sending (Enter) or editing the last message again (ArrowUp).

import { h, icon } from "./dom.js";
import { modelInfo } from "./catalog.js";
import { readImageFile } from "./images.js";
import { el, lastIndexOf, state, toast } from "./page.js";
import * as store from "./store.js";
import { respond } from "./streaming.js";
import { replaceMessage } from "./thread.js";

function isImageMode() {
  return Boolean(modelInfo(state.conv.model, state.conv.provider).image);
}

const hint = (text) => h("span", { class: "hint-text", text });

/** The line under the box: image generation, vision or not, or how to send. */
export function updateModeHint() {
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

export function autosize() {
  el.prompt.style.height = "auto";
  el.prompt.style.height = `${Math.min(el.prompt.scrollHeight, window.innerHeight * 0.4)}px`;
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

/** Edit a sent user message in place (the thread shows the edit box). */
export function startEdit(m) {
  if (state.busy) return;
  state.editing = m.id;
  replaceMessage(m);
}

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

export function wireComposer() {
  el.composer.addEventListener("submit", (e) => {
    e.preventDefault();
    submitPrompt();
  });
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
}
