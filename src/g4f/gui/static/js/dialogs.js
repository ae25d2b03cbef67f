// The dialogs: the server's API key, renaming a conversation, and the providers table.

import * as api from "./api.js";
import { renderProvidersTable } from "./catalog.js";
import { el, toast } from "./page.js";
import { loadCatalog } from "./settings.js";

let keyDialogOpen = false;

/** Ask for the server's API key; `reason` is the server's message when it refused one. */
export function askForKey(reason) {
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

/** Ask for a new title; `onSave(title)` runs when one is saved. */
export function askTitle(current, onSave) {
  el.renameInput.value = current;
  el.renameDialog.returnValue = "";
  el.renameDialog.showModal();
  el.renameInput.select();
  el.renameDialog.addEventListener("close", function onClose() {
    el.renameDialog.removeEventListener("close", onClose);
    const title = el.renameInput.value.trim();
    if (el.renameDialog.returnValue !== "save" || !title) return;
    onSave(title);
  });
}

export function wireDialogs() {
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
}
