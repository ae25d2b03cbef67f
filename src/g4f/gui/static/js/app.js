// The chat page: wires its parts together and starts it. Each part lives in its own module:
//   page.js      the shared elements, state, toasts and saving
//   sidebar.js   the conversation list         thread.js     the messages
//   composer.js  the message box, attachments  streaming.js  asking for and showing answers
//   settings.js  pickers and settings panel    dialogs.js    API key, rename, providers
//   theme.js     light and dark
// They talk to the server through api.js and keep conversations in the browser through store.js.

import * as api from "./api.js";
import { autosize, wireComposer } from "./composer.js";
import { wireDialogs } from "./dialogs.js";
import { el, state } from "./page.js";
import { applyConversationSettings, loadCatalog, wireSettings } from "./settings.js";
import { renderList, setSidebar, startNewConversation, wireSidebar } from "./sidebar.js";
import * as store from "./store.js";
import { stop, wireStreaming } from "./streaming.js";
import { renderThread, wireThread } from "./thread.js";
import { updateThemeButton, wireTheme } from "./theme.js";

function wireShortcuts() {
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
}

function init() {
  wireTheme();
  wireSidebar();
  wireSettings();
  wireThread();
  wireStreaming();
  wireComposer();
  wireShortcuts();
  wireDialogs();

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
