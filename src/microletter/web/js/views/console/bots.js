// @ts-check
/**
 * The console's Telegram bots (docs/platform.md, "Telegram bots"): my bots with their
 * privacy mode, a new token for one (the old one stops working; the new one is shown
 * once), and a form to make one. Everything goes through /api/v1/telegram/bots.
 */

import { confirmDialog, dialog, h, icon } from "../../dom.js";
import { t } from "../../i18n.js";
import { errorToast } from "../officials.js";
import { copy } from "./credentials.js";

/**
 * The section, filled once the list is loaded.
 * @param {import("../../app.js").App} app
 * @returns {HTMLElement[]}
 */
export function botsSection(app) {
  const list = h("ul.list.bot-list", { "aria-label": t("console.bots") });
  const username = h("input.field#new-bot-username", {
    maxLength: 32,
    placeholder: "my_helper_bot",
    pattern: "[a-z0-9_]{2,29}bot",
    required: true,
    autocapitalize: "off",
    spellcheck: false,
  });
  const name = h("input.field#new-bot-name", { maxLength: 64, placeholder: t("console.bot_name_placeholder") });
  const create = h("button.btn.btn-primary", { type: "submit" }, icon("plus"), t("console.bot_create"));
  const form = h(
    "form.console-create.bot-create",
    {
      onsubmit: async (/** @type {Event} */ e) => {
        e.preventDefault();
        create.disabled = true;
        try {
          const made = await app.api.request("POST", "/telegram/bots", {
            json: { username: username.value.trim(), name: name.value.trim() },
          });
          await showToken(made.token);
          username.value = "";
          name.value = "";
          await load();
        } catch (err) {
          errorToast(err);
        } finally {
          create.disabled = false;
        }
      },
    },
    h("label.field-label", { for: "new-bot-username" }, t("console.bot_username")),
    username,
    h("label.field-label", { for: "new-bot-name" }, t("console.name")),
    name,
    h("div.form-actions", create),
  );

  async function load() {
    try {
      const { bots } = await app.api.request("GET", "/telegram/bots");
      list.replaceChildren(...(bots.length ? bots.map(botRow) : [h("li.empty-row", t("console.bot_none"))]));
    } catch {
      list.replaceChildren(h("li.empty-row", t("status.offline")));
    }
  }

  /** @param {any} bot */
  function botRow(bot) {
    const privacy = h("input", {
      type: "checkbox",
      role: "switch",
      checked: bot.privacy,
      "aria-label": t("console.bot_privacy"),
      onchange: async () => {
        try {
          await app.api.request("PATCH", `/telegram/bots/${bot.id}`, { json: { privacy: privacy.checked } });
        } catch (err) {
          privacy.checked = !privacy.checked;
          errorToast(err);
        }
      },
    });
    return h(
      "li.bot-row",
      { dataset: { bot: String(bot.id) } },
      h("span.account-main", h("span.row-text", bot.name), h("span.account-desc", `@${bot.username}`)),
      h("label.bot-privacy", privacy, h("span", t("console.bot_privacy"))),
      h(
        "button.btn.btn-plain.bot-token",
        {
          type: "button",
          onclick: async () => {
            if (!(await confirmDialog(t("console.bot_new_token_confirm"), { danger: true }))) return;
            try {
              const made = await app.api.request("POST", `/telegram/bots/${bot.id}/token`);
              await showToken(made.token);
            } catch (err) {
              errorToast(err);
            }
          },
        },
        t("console.bot_new_token"),
      ),
    );
  }

  load();
  return [
    h("h2.section-title", t("console.bots")),
    h("p.card-hint.outside", t("console.bots_intro")),
    h("section.card", list),
    h("section.card.pad", form),
  ];
}

/**
 * A bot's token, shown this once (the server keeps only its hash).
 * @param {string} token
 * @returns {Promise<void>}
 */
function showToken(token) {
  return dialog(
    (close) =>
      h(
        "div.dialog-body",
        h("h2.dialog-title", t("console.bot_token_title")),
        h("p.dialog-text", t("console.bot_token_once")),
        h("code.secret-value#bot-token", token),
        h(
          "div.dialog-actions",
          h(
            "button.btn.btn-plain",
            { type: "button", onclick: () => copy(token) },
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
    { label: t("console.bot_token_title") },
  );
}
