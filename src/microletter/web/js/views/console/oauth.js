// @ts-check
/**
 * The web-authorization section of an account's console page: the hosts (one per line)
 * its OAuth may send people back to. A `redirect_uri` on any other host is refused
 * (docs/platform.md, docs/SECURITY.md "OAuth"); an account with none has no OAuth.
 */

import { h, icon, toast } from "../../dom.js";
import { t } from "../../i18n.js";

/** @typedef {import("./account.js").AccountPage} AccountPage */

/** @param {AccountPage} page */
export function oauthForm(page) {
  const { app, id, account } = page;
  const domains = /** @type {HTMLTextAreaElement} */ (
    h(
      "textarea.field#oauth-domains",
      {
        rows: 3,
        autocomplete: "off",
        spellcheck: "false",
        placeholder: "h5.example.com",
        "aria-describedby": "oauth-hint",
      },
      (account.oauth_domains || []).join("\n"),
    )
  );
  const outcome = h("div.webhook-outcome", { role: "status", "aria-live": "polite" });
  const save = /** @type {HTMLButtonElement} */ (
    h("button.btn.btn-primary", { type: "submit" }, t("console.oauth_save"))
  );
  const state =
    account.oauth_domains && account.oauth_domains.length
      ? h("p.webhook-state.on.oauth-state", icon("check"), t("console.oauth_some"))
      : h("p.webhook-state.oauth-state", t("console.oauth_none"));
  return h(
    "form.oauth-form",
    {
      /** @param {SubmitEvent} e */
      onsubmit: async (e) => {
        e.preventDefault();
        save.disabled = true;
        outcome.className = "webhook-outcome";
        outcome.replaceChildren();
        try {
          const list = domains.value.split(/[\s,]+/).filter(Boolean);
          page.update((await app.api.devSetOAuthDomains(id, list)).account);
          toast(t("console.oauth_saved"));
        } catch (err) {
          const error = /** @type {{code: string, message: string}} */ (err);
          outcome.className = "webhook-outcome error-box";
          const key = `error.${error.code}`;
          outcome.replaceChildren(
            h("strong", t(key) === key ? t("error.generic", { code: error.code }) : t(key)),
            h("span", error.message),
          );
        } finally {
          save.disabled = false;
        }
      },
    },
    state,
    h("label.field-label", { for: "oauth-domains" }, t("console.oauth_domains")),
    domains,
    h("p.field-hint#oauth-hint", t("console.oauth_hint")),
    h("div.form-actions", save),
    outcome,
  );
}
