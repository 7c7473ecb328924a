// @ts-check
/**
 * The webhook section of an account's console page: the URL and the message mode.
 * Saving makes the server run the verification handshake first; when it fails, its code,
 * message and details are shown in full, since that is what a developer debugs from.
 */

import { h, icon, toast } from "../../dom.js";
import { formatFull, t } from "../../i18n.js";
import { errorToast } from "../officials.js";

/** The WeChat protocol's message modes (docs/platform.md). */
const MODES = ["plaintext", "compatible", "safe"];

/** @typedef {import("./account.js").AccountPage} AccountPage */

/** @param {AccountPage} page */
export function webhookForm(page) {
  const { app, id, account } = page;
  const url = /** @type {HTMLInputElement} */ (
    h("input.field#webhook-url", {
      type: "url",
      required: true,
      value: account.webhook_url || "",
      placeholder: "https://example.com/wechat",
      autocomplete: "off",
      spellcheck: "false",
    })
  );
  const mode = /** @type {HTMLSelectElement} */ (
    h(
      "select.field#webhook-mode",
      MODES.map((m) => h("option", { value: m, selected: account.mode === m }, t(`console.mode_${m}`))),
    )
  );
  const outcome = h("div.webhook-outcome", { role: "status", "aria-live": "polite" });
  const save = /** @type {HTMLButtonElement} */ (
    h("button.btn.btn-primary", { type: "submit" }, t("console.webhook_save"))
  );
  const state = account.webhook_url
    ? h(
        "p.webhook-state.on",
        icon("check"),
        t("console.webhook_verified", { when: formatFull(account.webhook_verified_at || account.created_at) }),
      )
    : h("p.webhook-state", t("console.webhook_none"));
  const stop = async () => {
    try {
      page.update((await app.api.devClearWebhook(id)).account);
    } catch (err) {
      errorToast(err);
    }
  };
  return h(
    "form.webhook-form",
    {
      /** @param {SubmitEvent} e */
      onsubmit: async (e) => {
        e.preventDefault();
        save.disabled = true;
        outcome.className = "webhook-outcome";
        outcome.replaceChildren(h("span.spinner.small", { "aria-hidden": "true" }), t("console.webhook_checking"));
        try {
          page.update((await app.api.devSetWebhook(id, url.value.trim(), mode.value)).account);
          toast(t("console.webhook_saved"));
        } catch (err) {
          outcome.className = "webhook-outcome error-box";
          outcome.replaceChildren(...errorInFull(/** @type {import("../../api.js").ApiError} */ (err)));
        } finally {
          save.disabled = false;
        }
      },
    },
    state,
    h("label.field-label", { for: "webhook-url" }, t("console.webhook_url")),
    url,
    h("label.field-label", { for: "webhook-mode" }, t("console.webhook_mode")),
    mode,
    h("p.field-hint", t("console.webhook_hint")),
    h(
      "div.form-actions",
      account.webhook_url
        ? h("button.btn.btn-plain", { type: "button", onclick: stop }, t("console.webhook_stop"))
        : null,
      save,
    ),
    outcome,
  );
}

/**
 * An API error's words, its server message and its details.
 * @param {import("../../api.js").ApiError} err
 * @returns {(HTMLElement|string)[]}
 */
function errorInFull(err) {
  const key = `error.${err.code}`;
  const details = Object.entries(err.details || {});
  return [
    h("strong", t(key) === key ? t("error.generic", { code: err.code }) : t(key)),
    h("span", err.message),
    ...(details.length
      ? [
          h(
            "dl.error-details",
            details.map(([k, v]) => [h("dt", k), h("dd", String(v))]),
          ),
        ]
      : []),
  ];
}
