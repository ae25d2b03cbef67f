// The sidebar: the conversation list (open, new, rename, delete) and, on narrow screens, its drawer.

import { h, icon } from "./dom.js";
import { askTitle } from "./dialogs.js";
import { el, save, state, toast } from "./page.js";
import { applyConversationSettings } from "./settings.js";
import * as store from "./store.js";
import { stop } from "./streaming.js";
import { renderThread } from "./thread.js";

export function setSidebar(open) {
  el.app.classList.toggle("sidebar-open", open);
  el.scrim.hidden = !open;
  el.menu.setAttribute("aria-expanded", String(open));
}

export function renderList() {
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

export function startNewConversation() {
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

function renameConversation(id) {
  const conv = id === state.conv?.id ? state.conv : store.loadConversation(id);
  if (!conv) return;
  askTitle(conv.title, (title) => {
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

/** The providers button's count: how many providers can answer now. */
export function showProviderCount(ready, total) {
  if (!total) return;
  el.providersButton.querySelector(".count").textContent = `${ready} ready`;
  el.providersButton.setAttribute("aria-label", `Providers: ${ready} of ${total} ready`);
}

export function wireSidebar() {
  el.menu.addEventListener("click", () => setSidebar(!el.app.classList.contains("sidebar-open")));
  el.scrim.addEventListener("click", () => setSidebar(false));
  el.newChat.addEventListener("click", startNewConversation);
}
