// @ts-check
/**
 * An account's credentials on screen: copying a value, a labelled value with a copy
 * button, and the dialog that shows a fresh AppSecret the one time it is known.
 */

import { dialog, h, icon, toast } from "../../dom.js";
import { t } from "../../i18n.js";

/**
 * Copy to the clipboard; where that is refused, show the text so it can be copied by hand.
 * @param {string} text
 */
export async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    toast(t("msg.copied"));
  } catch {
    toast(text);
  }
}

/**
 * A label, a value in monospace and a copy button.
 * @param {string} label
 * @param {string} value
 * @param {string} id the value's element id
 */
export function credential(label, value, id) {
  return h(
    "div.cred",
    h("span.cred-label", label),
    h("code.cred-value", { id }, value),
    h(
      "button.icon-btn.cred-copy",
      { type: "button", "aria-label": t("console.copy", { name: label }), onclick: () => copy(value) },
      icon("paste"),
    ),
  );
}

/**
 * Show a fresh AppSecret, this once (the server keeps only its hash).
 * @param {string} secret
 * @returns {Promise<void>} when the dialog is closed
 */
export function showSecret(secret) {
  return dialog(
    (close) =>
      h(
        "div.dialog-body",
        h("h2.dialog-title", t("console.secret_title")),
        h("p.dialog-text", t("console.secret_once")),
        h("code.secret-value#appsecret", secret),
        h(
          "div.dialog-actions",
          h(
            "button.btn.btn-plain",
            { type: "button", onclick: () => copy(secret) },
            icon("paste"),
            t("console.copy_short"),
          ),
          h(
            "button.btn.btn-primary",
            { type: "button", autofocus: true, onclick: () => close() },
            t("console.secret_saved"),
          ),
        ),
      ),
    { label: t("console.secret_title") },
  );
}
