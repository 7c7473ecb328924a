// @ts-check
/**
 * The broadcast section of an account's console page: a text sent to every follower,
 * after a confirmation that says how many they are.
 */

import { confirmDialog, h, icon, toast } from "../../dom.js";
import { t, tn } from "../../i18n.js";
import { errorToast } from "../officials.js";

/** @param {import("./account.js").AccountPage} page */
export function broadcastForm(page) {
  const text = /** @type {HTMLTextAreaElement} */ (
    h("textarea.field#broadcast-text", {
      maxLength: 4000,
      rows: 3,
      placeholder: t("console.broadcast_placeholder"),
      required: true,
    })
  );
  const send = /** @type {HTMLButtonElement} */ (
    h("button.btn.btn-primary", { type: "submit" }, icon("send"), t("console.broadcast_send"))
  );
  /** @param {SubmitEvent} e */
  async function submit(e) {
    e.preventDefault();
    if (!text.value.trim()) return;
    const question = tn("console.broadcast_confirm", page.account.follower_count);
    if (!(await confirmDialog(question, { ok: t("console.broadcast_send") }))) return;
    send.disabled = true;
    try {
      await page.app.api.devBroadcast(page.id, text.value.trim());
      text.value = "";
      toast(t("console.broadcast_sent"));
    } catch (err) {
      errorToast(err);
    } finally {
      send.disabled = false;
    }
  }
  return h(
    "form",
    { onsubmit: submit },
    h("label.sr-only", { for: "broadcast-text" }, t("console.broadcast_text")),
    text,
    h("p.field-hint", t("console.broadcast_hint")),
    h("div.form-actions", send),
  );
}
