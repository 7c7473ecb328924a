// @ts-check
/**
 * The developer console (Me → Developer console): my official accounts and a form to
 * create one (its AppSecret is shown once), and my Telegram bots (console/bots.js). Each
 * account's own page (credentials, webhook, menu, broadcast, QR code, templates) is
 * console/account.js. Everything goes through /api/v1/developer (docs/api.md).
 */

import { h, icon } from "../dom.js";
import { t } from "../i18n.js";
import { accountAvatar, topbar } from "../common.js";
import { errorToast } from "./officials.js";
import { showSecret } from "./console/credentials.js";
import { botsSection } from "./console/bots.js";

export { mountAccount } from "./console/account.js";

/** The list of my accounts, and creating one. */
export function mountList(app, root) {
  const { api } = app;
  const list = h("ul.list", { "aria-label": t("console.my_accounts") });
  const name = h("input.field#new-account-name", {
    maxLength: 64,
    placeholder: t("console.name_placeholder"),
    required: true,
  });
  const about = h("input.field#new-account-desc", { maxLength: 256, placeholder: t("console.desc_placeholder") });
  const create = h("button.btn.btn-primary", { type: "submit" }, icon("plus"), t("console.create"));
  const form = h(
    "form.console-create",
    {
      onsubmit: async (e) => {
        e.preventDefault();
        if (!name.value.trim()) return;
        create.disabled = true;
        try {
          const made = await api.devCreate(name.value.trim(), about.value.trim());
          await showSecret(made.appsecret);
          app.go(`console/${made.account.id}`);
        } catch (err) {
          errorToast(err);
        } finally {
          create.disabled = false;
        }
      },
    },
    h("label.field-label", { for: "new-account-name" }, t("console.name")),
    name,
    h("label.field-label", { for: "new-account-desc" }, t("console.description")),
    about,
    h("div.form-actions", create),
  );
  root.append(
    topbar({ title: t("console.title"), back: () => app.go("me") }),
    h(
      "div.scroll.page",
      h("p.card-hint.outside.lead", t("console.intro")),
      h("h2.section-title", t("console.my_accounts")),
      h("section.card", list),
      h("h2.section-title", t("console.new_account")),
      h("section.card.pad", form),
      botsSection(app),
    ),
  );
  api
    .devAccounts()
    .then(({ accounts }) => {
      list.replaceChildren(
        ...(accounts.length
          ? accounts.map((a) =>
              h(
                "li",
                h(
                  "a.row.account-row",
                  { href: `#/console/${a.id}`, dataset: { account: String(a.id) } },
                  accountAvatar(a, 40),
                  h("span.account-main", h("span.row-text", a.name), h("span.account-desc", a.appid)),
                  h(
                    `span.pill${a.webhook_url ? ".on" : ""}`,
                    a.webhook_url ? t("console.webhook_on") : t("console.webhook_off"),
                  ),
                  icon("chevron", "cell-chevron"),
                ),
              ),
            )
          : [h("li.empty-row", t("console.none"))]),
      );
    })
    .catch(() => list.replaceChildren(h("li.empty-row", t("status.offline"))));
  return null;
}
