// @ts-check
/**
 * One account's page in the developer console: its card (name, description, followers),
 * its credentials (the AppSecret can only be reset, and is then shown once), and one
 * section each for the webhook, the web-authorization domains, the menu, the auto-replies,
 * a broadcast, the QR code, the message templates, the merchant, the mini apps and the shop (console/shop.js). The page holds the account as the server last returned it and rebuilds the
 * sections whenever a change returns a new one.
 */

import { confirmDialog, h, icon, promptDialog } from "../../dom.js";
import { t, tn } from "../../i18n.js";
import { accountAvatar, topbar } from "../../common.js";
import { menuEditor } from "../menueditor.js";
import { errorToast } from "../officials.js";
import { broadcastForm } from "./broadcast.js";
import { copy, credential, showSecret } from "./credentials.js";
import { templatesBox } from "./templates.js";
import { autorepliesBox } from "./autoreplies.js";
import { merchantBox } from "./merchant.js";
import { miniappsBox } from "./miniapps.js";
import { shopBox } from "./shop.js";
import { oauthForm } from "./oauth.js";
import { webhookForm } from "./webhook.js";

/**
 * An official account as its developer sees it (GET /api/v1/developer/accounts/{id}).
 * @typedef {{id: number, name: string, description: string, avatar: string|null, appid: string,
 *   original_id: string, token: string, encoding_aes_key: string, mode: string,
 *   webhook_url: string|null, webhook_verified_at: number|null, created_at: number,
 *   follower_count: number, menu: any, oauth_domains?: string[]}} DevAccount
 */

/**
 * What the sections of the page share.
 * @typedef {object} AccountPage
 * @property {import("../../app.js").App} app
 * @property {number} id the account's id
 * @property {DevAccount} account as the server last returned it
 * @property {(account: DevAccount) => void} update keep a new version and rebuild the page
 */

/**
 * @param {import("../../app.js").App} app
 * @param {HTMLElement} root
 * @param {string} idText
 * @returns {null}
 */
export function mountAccount(app, root, idText) {
  const id = Number(idText);
  const body = h("div.scroll.page.console");
  const title = h("span", t("console.account"));
  root.append(topbar({ title, back: () => app.go("console") }), body);
  body.append(h("div.empty-state", h("p", t("common.loading"))));
  app.api
    .devAccount(id)
    .then((/** @type {{account: DevAccount}} */ got) => {
      /** @type {AccountPage} */
      const page = {
        app,
        id,
        account: got.account,
        update(account) {
          page.account = account;
          render(page, title, body);
        },
      };
      render(page, title, body);
    })
    .catch((/** @type {{code?: string}} */ err) => {
      body.replaceChildren(
        h("div.empty-state", h("p", t(err.code === "network" ? "status.offline" : "error.platform.account_not_found"))),
      );
    });
  return null;
}

/**
 * @param {AccountPage} page
 * @param {HTMLElement} title
 * @param {HTMLElement} body
 */
function render(page, title, body) {
  const { account } = page;
  title.textContent = account.name;
  body.replaceChildren(
    h(
      "section.card.account-card",
      accountAvatar(account, 64),
      h("h2.account-name", account.name),
      account.description ? h("p.account-about", account.description) : null,
      h("p.account-stats", tn("official.followers", account.follower_count)),
      h(
        "button.btn.btn-small.btn-plain",
        { type: "button", onclick: () => editProfile(page) },
        icon("edit"),
        t("console.edit"),
      ),
    ),
    ...section("credentials", ...credentials(page)),
    ...section("webhook", webhookForm(page)),
    ...section("oauth", oauthForm(page)),
    ...section(
      "menu",
      h("p.card-hint", t("console.menu_hint")),
      menuEditor(page.app, account, (/** @type {any} */ menu) => {
        account.menu = menu;
      }),
    ),
    ...section("autoreplies", autorepliesBox(page)),
    ...section("broadcast", broadcastForm(page)),
    ...section("qr", qrBox(page)),
    ...section("templates", templatesBox(page)),
    ...section("merchant", merchantBox(page)),
    ...section("miniapps", miniappsBox(page)),
    ...section("shop", shopBox(page)),
  );
}

/**
 * A titled card of the page.
 * @param {string} key
 * @param {...Node} children
 */
function section(key, ...children) {
  return [
    h("h2.section-title", { id: `sec-${key}` }, t(`console.sec_${key}`)),
    h(`section.card.pad.console-${key}`, { "aria-labelledby": `sec-${key}` }, children),
  ];
}

/** @param {AccountPage} page */
function credentials(page) {
  const { account } = page;
  return [
    credential(t("console.appid"), account.appid, "cred-appid"),
    credential(t("console.original_id"), account.original_id, "cred-original"),
    h(
      "div.cred",
      h("span.cred-label", t("console.appsecret")),
      h("span.cred-value.muted", t("console.secret_hidden")),
      h(
        "button.btn.btn-small.btn-plain#reset-secret",
        { type: "button", onclick: () => resetSecret(page) },
        t("console.reset"),
      ),
    ),
    credential(t("console.token"), account.token, "cred-token"),
    credential(t("console.aes_key"), account.encoding_aes_key, "cred-aes"),
  ];
}

/** @param {AccountPage} page */
async function editProfile(page) {
  const { account } = page;
  const name = await promptDialog({ title: t("console.name"), value: account.name, maxLength: 64 });
  if (name === undefined) return;
  const description = await promptDialog({
    title: t("console.description"),
    value: account.description,
    maxLength: 256,
    multiline: true,
  });
  if (description === undefined) return;
  try {
    const changes = { name: name.trim() || account.name, description: description.trim() };
    page.update((await page.app.api.devUpdate(page.id, changes)).account);
  } catch (err) {
    errorToast(err);
  }
}

/** @param {AccountPage} page */
async function resetSecret(page) {
  if (!(await confirmDialog(t("console.reset_confirm"), { ok: t("console.reset"), danger: true }))) return;
  try {
    const made = await page.app.api.devResetSecret(page.id);
    await showSecret(made.appsecret);
  } catch (err) {
    errorToast(err);
  }
}

/**
 * The account's QR code (a follow link), loaded from the server.
 * @param {AccountPage} page
 */
function qrBox(page) {
  const box = h("div.console-qr-box", h("p.card-hint", t("common.loading")));
  page.app.api
    .devQr(page.id)
    .then((/** @type {{image_url: string, url: string}} */ code) => {
      box.replaceChildren(
        h(
          "div.qr-frame",
          h("img.qr-img", {
            src: code.image_url,
            alt: t("console.qr_alt", { name: page.account.name }),
            width: 200,
            height: 200,
          }),
        ),
        h("p.card-hint", t("console.qr_hint")),
        h(
          "div.qr-payload",
          h("code#account-qr-link", code.url),
          h(
            "button.btn.btn-small.btn-plain",
            { type: "button", onclick: () => copy(code.url) },
            icon("paste"),
            t("me.copy_code"),
          ),
        ),
      );
    })
    .catch(() => box.replaceChildren(h("p.card-hint", t("me.qr_offline"))));
  return box;
}
