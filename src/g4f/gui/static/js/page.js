// What every part of the page shares: its elements, the open conversation's state, toasts, saving.

import { h } from "./dom.js";
import * as store from "./store.js";

const $ = (id) => document.getElementById(id);
export const el = {
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

export const state = {
  conv: null, // the open conversation
  busy: false,
  controller: null,
  attachments: [], // [{dataUrl, name, type}]
  editing: null, // id of the user message being edited
  pinned: true, // keep the view scrolled to the bottom while an answer streams
};

export function toast(message, { error = false, action = null, timeout = 4000 } = {}) {
  const node = h("div", { class: `toast${error ? " error" : ""}`, role: error ? "alert" : "status" }, h("span", { text: message }));
  if (action) node.append(h("button", { type: "button", text: action.label, onclick: () => { action.run(); node.remove(); } }));
  el.toasts.append(node);
  setTimeout(() => node.remove(), timeout);
}

export function save(conv = state.conv) {
  if (!conv || !conv.messages.length) return;
  try {
    store.saveConversation(conv);
  } catch (e) {
    toast(e.message, { error: true, timeout: 7000 });
  }
}

/** The index of the open conversation's last message from `role`, -1 when there is none. */
export function lastIndexOf(role) {
  const msgs = state.conv.messages;
  for (let i = msgs.length - 1; i >= 0; i--) if (msgs[i].role === role) return i;
  return -1;
}
